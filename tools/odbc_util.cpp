// SPDX-License-Identifier: Apache-2.0
#include "tools/odbc_util.h"

#include <odbcinst.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

extern "C" {
// Exported by libodbcinst (unixODBC's odbcinstext.h): the directory and name of "the"
// odbcinst.ini, from ODBCSYSINI and ODBCINSTINI or the built-in defaults.
char* odbcinst_system_file_path(char* buffer);
char* odbcinst_system_file_name(char* buffer);
}

namespace odbcretry::tool {

namespace {

constexpr int kListBytes = 65536;
constexpr int kValueBytes = 4096;

// Sets the odbcinst configuration mode for the lifetime of the object.
class ConfigMode {
  public:
    explicit ConfigMode(Scope scope) {
        SQLGetConfigMode(&saved_);
        SQLSetConfigMode(scope == Scope::User ? ODBC_USER_DSN : ODBC_SYSTEM_DSN);
    }
    ~ConfigMode() { SQLSetConfigMode(saved_); }
    ConfigMode(const ConfigMode&) = delete;
    ConfigMode& operator=(const ConfigMode&) = delete;

  private:
    UWORD saved_ = ODBC_BOTH_DSN;
};

// "a\0b\0\0" -> {"a", "b"}
std::vector<std::string> split_list(const std::string& buffer, int length) {
    std::vector<std::string> out;
    std::size_t i = 0, end = length > 0 ? std::min<std::size_t>(
                                              static_cast<std::size_t>(length) + 1, buffer.size())
                                        : 0;
    while (i < end && buffer[i] != '\0') {
        std::string item(buffer.c_str() + i);
        i += item.size() + 1;
        out.push_back(std::move(item));
    }
    return out;
}

// The home directory as unixODBC finds it: ~/.odbc.ini from the password database,
// ~/.odbcinst.ini from $HOME.
std::string passwd_home() {
    if (struct passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir) return pw->pw_dir;
    const char* home = std::getenv("HOME");
    return home ? home : "/home";
}
std::string env_home() {
    const char* home = std::getenv("HOME");
    return home && *home ? home : "/home";
}

std::vector<KeyValue> read_section_keys(const std::string& name, const char* file) {
    std::vector<KeyValue> out;
    std::string keys(kListBytes, '\0');
    int n = SQLGetPrivateProfileString(name.c_str(), nullptr, "", keys.data(), kListBytes, file);
    for (auto& key : split_list(keys, n)) {
        std::string value(kValueBytes, '\0');
        SQLGetPrivateProfileString(name.c_str(), key.c_str(), "", value.data(), kValueBytes, file);
        value.resize(strnlen(value.c_str(), value.size()));
        out.push_back({std::move(key), std::move(value)});
    }
    return out;
}

}  // namespace

std::string odbc_ini_path(Scope scope) {
    if (scope == Scope::User) {
        if (const char* env = std::getenv("ODBCINI"); env && *env) return env;
        return passwd_home() + "/.odbc.ini";
    }
    char buffer[4096] = {};
    return std::string(odbcinst_system_file_path(buffer)) + "/odbc.ini";
}

std::vector<std::string> dsn_sections(Scope scope) {
    ConfigMode mode(scope);
    std::string buffer(kListBytes, '\0');
    int n = SQLGetPrivateProfileString(nullptr, nullptr, "", buffer.data(), kListBytes, "ODBC.INI");
    return split_list(buffer, n);
}

std::optional<std::vector<KeyValue>> read_dsn_section(Scope scope, const std::string& name) {
    bool found = false;
    for (const auto& s : dsn_sections(scope))
        if (iequals(s, name)) found = true;
    if (!found) return std::nullopt;
    ConfigMode mode(scope);
    return read_section_keys(name, "ODBC.INI");
}

std::vector<KeyValue> read_dsn_keys(Scope scope, const std::string& name) {
    ConfigMode mode(scope);
    return read_section_keys(name, "ODBC.INI");
}

std::optional<std::vector<KeyValue>> read_dsn_any(const std::string& name) {
    if (auto s = read_dsn_section(Scope::User, name)) return s;
    return read_dsn_section(Scope::System, name);
}

std::string installer_error() {
    std::string all;
    for (WORD i = 1; i <= 8; ++i) {
        DWORD code = 0;
        char message[SQL_MAX_MESSAGE_LENGTH] = {};
        WORD length = 0;
        if (SQLInstallerError(i, &code, message, sizeof message, &length) != SQL_SUCCESS) break;
        if (!all.empty()) all += "; ";
        all += message[0] ? std::string(message) : "odbcinst error " + std::to_string(code);
    }
    return all;
}

bool write_dsn_key(Scope scope, const std::string& section, const std::string& key,
                   const std::string& value, std::string& error) {
    ConfigMode mode(scope);
    if (SQLWritePrivateProfileString(section.c_str(), key.c_str(), value.c_str(), "ODBC.INI"))
        return true;
    error = "cannot write [" + section + "] " + key + " in " + odbc_ini_path(scope);
    if (auto e = installer_error(); !e.empty()) error += ": " + e;
    return false;
}

bool delete_dsn_key(Scope scope, const std::string& section, const std::string& key,
                    std::string& error) {
    ConfigMode mode(scope);
    if (SQLWritePrivateProfileString(section.c_str(), key.c_str(), nullptr, "ODBC.INI"))
        return true;
    error = "cannot remove [" + section + "] " + key + " from " + odbc_ini_path(scope);
    if (auto e = installer_error(); !e.empty()) error += ": " + e;
    return false;
}

bool delete_dsn_section(Scope scope, const std::string& section, std::string& error) {
    ConfigMode mode(scope);
    if (SQLWritePrivateProfileString(section.c_str(), nullptr, nullptr, "ODBC.INI")) return true;
    error = "cannot remove [" + section + "] from " + odbc_ini_path(scope);
    if (auto e = installer_error(); !e.empty()) error += ": " + e;
    return false;
}

std::string odbcinst_path(Scope scope) {
    if (scope == Scope::User) return env_home() + "/.odbcinst.ini";
    char path[4096] = {}, name[4096] = {};
    return std::string(odbcinst_system_file_path(path)) + "/" + odbcinst_system_file_name(name);
}

void use_user_odbcinst() {
    // libodbcinst reads ODBCSYSINI and ODBCINSTINI once, at its first use of them.
    ::setenv("ODBCSYSINI", env_home().c_str(), 1);
    ::setenv("ODBCINSTINI", ".odbcinst.ini", 1);
}

std::string driver_key(const std::string& driver, const std::string& key) {
    std::string value(kValueBytes, '\0');
    int n = SQLGetPrivateProfileString(driver.c_str(), key.c_str(), "", value.data(), kValueBytes,
                                       "ODBCINST.INI");
    if (n <= 0) return "";
    value.resize(strnlen(value.c_str(), value.size()));
    return value;
}

std::string driver_library(const std::string& driver) {
    if (driver.empty()) return "";
    if (driver.find('/') != std::string::npos) return driver;
    std::string lib = driver_key(driver, "Driver");
    if (lib.empty()) lib = driver_key(driver, "Driver64");
    return lib;
}

bool is_odbc_retry_driver(const std::string& driver) {
    if (iequals(driver, "ODBC Retry")) return true;
    if (driver.find("libodbcretry") != std::string::npos) return true;
    std::string lib = driver_library(driver);
    return lib.find("libodbcretry") != std::string::npos;
}

std::vector<DiagRecord> diag_records(SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<DiagRecord> out;
    if (!handle) return out;
    for (SQLSMALLINT i = 1; i <= 20; ++i) {
        SQLCHAR state[8] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[4096] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc =
            SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (!SQL_SUCCEEDED(rc)) break;
        out.push_back({reinterpret_cast<char*>(state), static_cast<long>(native),
                       reinterpret_cast<char*>(message)});
    }
    return out;
}

std::string masked_value(const std::string& key, const std::string& value) {
    if (is_secret_key(key) && !value.empty()) return "***";
    if (iequals(key, "OdbcRetrySessionInitSQL") || iequals(key, "OdbcRetryProbeQuery") ||
        iequals(key, "SessionInitSQL") || iequals(key, "ProbeQuery"))
        return value;
    // Connection-string-like values (a DSN's "ConnSettings", "ExtraOptions") may hold secrets.
    if (value.find('=') != std::string::npos) return mask_secrets(value);
    return value;
}

}  // namespace odbcretry::tool
