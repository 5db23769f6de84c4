// SPDX-License-Identifier: Apache-2.0
// odbc-retry install / uninstall: registers the driver ("ODBC Retry") in odbcinst.ini through
// the odbcinst API, idempotently.
#include <ini.h>
#include <odbcinst.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <iostream>

#include "shim/config/connstr.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/odbc_util.h"

#ifndef ODBC_RETRY_INSTALL_LIBDIR
#define ODBC_RETRY_INSTALL_LIBDIR "lib"
#endif
#ifndef ODBC_RETRY_DEB_LIBDIR
#define ODBC_RETRY_DEB_LIBDIR "lib/x86_64-linux-gnu"
#endif
#ifndef ODBC_RETRY_RPM_LIBDIR
#define ODBC_RETRY_RPM_LIBDIR "lib64"
#endif
#ifndef ODBC_RETRY_INSTALL_FULL_LIBDIR
#define ODBC_RETRY_INSTALL_FULL_LIBDIR "/usr/local/lib"
#endif

namespace odbcretry::tool {

namespace {

constexpr const char* kDefaultName = "ODBC Retry";
constexpr const char* kDescription =
    "odbc-retry: classified retry and recovery in front of any ODBC driver";

bool is_file(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The canonical directory, the file name as given (a symbolic link to the library stays the
// link).
std::string real_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return path;
    char buffer[PATH_MAX];
    const std::string dir = slash == 0 ? "/" : path.substr(0, slash);
    if (!::realpath(dir.c_str(), buffer)) return path;
    std::string out = buffer;
    if (out != "/") out += "/";
    return out + path.substr(slash + 1);
}

std::string self_directory() {
    char buffer[PATH_MAX] = {};
    ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
    if (n <= 0) return "";
    std::string exe(buffer, static_cast<std::size_t>(n));
    return exe.substr(0, exe.rfind('/'));
}

// The driver library that belongs to this command: next to it in a build tree, in the same
// installation (an unpacked tar.gz or `cmake --install`, then the .deb's and the .rpm's layouts,
// which do not depend on the configured prefix), or where it was built to be installed.
std::string default_library(std::vector<std::string>& tried) {
    const std::string dir = self_directory();
    const std::string lib = "libodbcretry.so";
    tried = {dir + "/../driver/" + lib, dir + "/../" + ODBC_RETRY_INSTALL_LIBDIR + "/odbc/" + lib,
             dir + "/../" + ODBC_RETRY_DEB_LIBDIR + "/odbc/" + lib,
             dir + "/../" + ODBC_RETRY_RPM_LIBDIR + "/odbc/" + lib,
             std::string(ODBC_RETRY_INSTALL_FULL_LIBDIR) + "/odbc/" + lib};
    for (const auto& candidate : tried)
        if (is_file(candidate)) return real_path(candidate);
    return "";
}

// Reads one section of one ini file exactly (the odbcinst API merges the system and the user
// file when reading drivers, and `install` must know what is in the file it writes).
struct SectionReader {
    std::string section;
    bool found = false;
    std::vector<KeyValue> keys;
};
int on_entry(void* user, const char* section, const char* name, const char* value) {
    auto* r = static_cast<SectionReader*>(user);
    if (!iequals(trim(section), r->section)) return 1;
    r->found = true;
    if (name) r->keys.push_back({trim(name), trim(value ? value : "")});
    return 1;
}
std::optional<std::vector<KeyValue>> read_file_section(const std::string& path,
                                                       const std::string& section) {
    SectionReader r{section, false, {}};
    if (ini_parse(path.c_str(), on_entry, &r) < 0) return std::nullopt;
    if (!r.found) return std::nullopt;
    return r.keys;
}

Scope parse_scope(const Args& args) {
    if (args.has("--user") && args.has("--system"))
        throw UsageError("choose one of --user and --system");
    if (args.has("--user")) return Scope::User;
    if (args.has("--system")) return Scope::System;
    return ::geteuid() == 0 ? Scope::System : Scope::User;
}

}  // namespace

int run_install(const std::vector<std::string>& words) {
    Args args(words,
              {{"--user"}, {"--system"}, {"--library", true}, {"--name", true}, {"--quiet"}});
    if (args.help()) {
        std::cout << command_help("install");
        return kExitOk;
    }
    args.expect_positional(0, 0, "");
    const Scope scope = parse_scope(args);
    const std::string name = args.value("--name").value_or(kDefaultName);
    if (trim(name).empty() || name.find_first_of("[]=\n") != std::string::npos)
        throw UsageError("bad driver name '" + name + "'");
    const bool quiet = args.has("--quiet");
    std::string library;
    if (auto l = args.value("--library")) {
        if (l->empty() || (*l)[0] != '/') throw UsageError("--library needs an absolute path");
        if (!is_file(*l)) {
            std::cerr << "odbc-retry install: " << *l << " does not exist\n";
            return kExitFailed;
        }
        library = *l;
    } else {
        std::vector<std::string> tried;
        library = default_library(tried);
        if (library.empty()) {
            std::cerr << "odbc-retry install: cannot find libodbcretry.so (looked in";
            for (const auto& t : tried) std::cerr << " " << t;
            std::cerr << "); give it with --library PATH\n";
            return kExitFailed;
        }
    }
    if (scope == Scope::User) use_user_odbcinst();
    const std::string file = odbcinst_path(scope);

    auto existing = read_file_section(file, name);
    if (existing) {
        const KeyValue* driver = find_key(*existing, "Driver");
        if (driver && driver->value == library) {
            if (!quiet)
                std::cout << "\"" << name << "\" is already registered in " << file
                          << " (Driver=" << library << ")\n";
            return kExitOk;
        }
        if (!SQLWritePrivateProfileString(name.c_str(), "Driver", library.c_str(),
                                          "ODBCINST.INI")) {
            std::cerr << "odbc-retry install: cannot update " << file << ": " << installer_error()
                      << "\n";
            return kExitFailed;
        }
        if (!find_key(*existing, "Description"))
            SQLWritePrivateProfileString(name.c_str(), "Description", kDescription, "ODBCINST.INI");
        if (!quiet)
            std::cout << "updated \"" << name << "\" in " << file << ": Driver=" << library
                      << " (was " << (driver ? driver->value : std::string("not set")) << ")\n";
        return kExitOk;
    }

    // "NAME\0Description=...\0Driver=...\0Setup=\0FileUsage=0\0\0"
    std::string spec = name;
    spec.push_back('\0');
    for (const std::string& kv : {std::string("Description=") + kDescription, "Driver=" + library,
                                  std::string("FileUsage=0")}) {
        spec += kv;
        spec.push_back('\0');
    }
    spec.push_back('\0');
    char path_out[4096] = {};
    WORD path_length = 0;
    DWORD usage = 0;
    if (!SQLInstallDriverEx(spec.c_str(), nullptr, path_out, sizeof path_out, &path_length,
                            ODBC_INSTALL_COMPLETE, &usage)) {
        std::cerr << "odbc-retry install: cannot register \"" << name << "\" in " << file << ": "
                  << installer_error() << "\n";
        return kExitFailed;
    }
    auto written = read_file_section(file, name);
    const KeyValue* check = written ? find_key(*written, "Driver") : nullptr;
    if (!check || check->value != library) {
        std::cerr << "odbc-retry install: \"" << name << "\" is not in " << file
                  << " after registering it\n";
        return kExitFailed;
    }
    if (!quiet)
        std::cout << "registered \"" << name << "\" in " << file << " (Driver=" << library << ")\n";
    return kExitOk;
}

int run_uninstall(const std::vector<std::string>& words) {
    Args args(words,
              {{"--user"}, {"--system"}, {"--library", true}, {"--name", true}, {"--quiet"}});
    if (args.help()) {
        std::cout << command_help("uninstall");
        return kExitOk;
    }
    args.expect_positional(0, 0, "");
    const Scope scope = parse_scope(args);
    const std::string name = args.value("--name").value_or(kDefaultName);
    const bool quiet = args.has("--quiet");
    if (scope == Scope::User) use_user_odbcinst();
    const std::string file = odbcinst_path(scope);
    auto existing = read_file_section(file, name);
    if (!existing) {
        if (!quiet)
            std::cout << "\"" << name << "\" is not registered in " << file << "; nothing to do\n";
        return kExitOk;
    }
    if (auto only = args.value("--library")) {
        const KeyValue* driver = find_key(*existing, "Driver");
        if (!driver || driver->value != *only) {
            if (!quiet)
                std::cout << "\"" << name << "\" in " << file << " points at "
                          << (driver ? driver->value : std::string("no library")) << ", not "
                          << *only << "; left alone\n";
            return kExitOk;
        }
    }
    // The whole section, whatever its UsageCount says: uninstall means "not registered".
    if (!SQLWritePrivateProfileString(name.c_str(), nullptr, nullptr, "ODBCINST.INI") ||
        read_file_section(file, name)) {
        std::cerr << "odbc-retry uninstall: cannot remove \"" << name << "\" from " << file << ": "
                  << installer_error() << "\n";
        return kExitFailed;
    }
    if (!quiet) std::cout << "removed \"" << name << "\" from " << file << "\n";
    return kExitOk;
}

}  // namespace odbcretry::tool
