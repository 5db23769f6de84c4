// SPDX-License-Identifier: Apache-2.0
#include "shim/target_driver/library.h"

#include <dlfcn.h>
#include <odbcinst.h>

#include <cstring>
#include <map>
#include <mutex>

namespace odbcretry {

TargetDriver::TargetDriver(std::string path, void* handle)
    : path_(std::move(path)), handle_(handle) {
#define TARGET_FN(name) api_.name = reinterpret_cast<decltype(api_.name)>(dlsym(handle_, #name));
#include "shim/target_driver/target_api.def"
#undef TARGET_FN
    unicode_ = api_.SQLDriverConnectW || api_.SQLConnectW || api_.SQLExecDirectW;
}

std::shared_ptr<const TargetDriver> TargetDriver::load(const std::string& path,
                                                       std::string& error) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const TargetDriver>> loaded;
    std::lock_guard lock(mutex);
    if (auto it = loaded.find(path); it != loaded.end()) return it->second;
    // RTLD_LOCAL: the target's calls to its own exported SQL* names must bind inside the target,
    // never to ours or the driver manager's (the driver manager loads us the same way).
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char* why = dlerror();
        error =
            "cannot load target driver library '" + path + "': " + (why ? why : "unknown error");
        return nullptr;
    }
    auto driver = std::make_shared<const TargetDriver>(path, handle);
    const TargetApi& api = driver->api();
    if (!api.SQLAllocHandle || !api.SQLFreeHandle ||
        !(api.SQLDriverConnect || api.SQLDriverConnectW) || !api.SQLDisconnect) {
        error = "library '" + path +
                "' is not an ODBC 3 driver (it lacks SQLAllocHandle, SQLFreeHandle, "
                "SQLDriverConnect or SQLDisconnect)";
        return nullptr;  // the handle stays open: harmless, and unloading is not always safe
    }
    loaded.emplace(path, driver);
    return driver;
}

namespace {
std::string profile_string(const char* section, const char* key, const char* file) {
    char buf[4096] = {};
    int n = SQLGetPrivateProfileString(section, key, "", buf, sizeof buf, file);
    if (n <= 0) return {};
    return std::string(buf, strnlen(buf, sizeof buf));
}
}  // namespace

std::string resolve_driver_library(const std::string& name_or_path, std::string& error) {
    if (name_or_path.find('/') != std::string::npos) return name_or_path;
    std::string lib = profile_string(name_or_path.c_str(), "Driver", "ODBCINST.INI");
    if (lib.empty()) lib = profile_string(name_or_path.c_str(), "Driver64", "ODBCINST.INI");
    if (lib.empty()) {
        error = "driver '" + name_or_path + "' is not registered in odbcinst.ini";
        return {};
    }
    return lib;
}

std::string dsn_driver(const std::string& dsn) {
    if (dsn.empty()) return {};  // odbcinst answers an empty section with the first DSN's Driver
    return profile_string(dsn.c_str(), "Driver", "ODBC.INI");
}

std::optional<bool> target_connection_dead(const TargetApi& api, SQLHDBC dbc, SQLINTEGER* length) {
    auto* get = api.SQLGetConnectAttr ? api.SQLGetConnectAttr : api.SQLGetConnectAttrW;
    SQLUINTEGER dead = SQL_CD_FALSE;
    if (!get || !SQL_SUCCEEDED(get(dbc, SQL_ATTR_CONNECTION_DEAD, &dead, sizeof dead, length)))
        return std::nullopt;
    return dead == SQL_CD_TRUE;
}

}  // namespace odbcretry
