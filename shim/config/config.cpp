// SPDX-License-Identifier: Apache-2.0
// Resolving a connection's configuration from its sources: connection string, DSN, driver
// section, global file, defaults (resolve_config).
#include "shim/config/config.h"
#include "shim/ascii.h"

#include "shim/retry/budget.h"
#include "shim/retry/classifier.h"

#include <ini.h>
#include <odbcinst.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <functional>

namespace odbcretry {

namespace {

std::vector<KeyValue> read_profile_section(const std::string& section, const char* file) {
    std::vector<KeyValue> out;
    if (section.empty()) return out;
    std::string keys(16384, '\0');
    int n = SQLGetPrivateProfileString(section.c_str(), nullptr, "", keys.data(),
                                       static_cast<int>(keys.size()), file);
    if (n <= 0) return out;
    // unixODBC lists the keys separated by NULs, ending with an empty one.
    size_t i = 0;
    while (i < keys.size() && keys[i] != '\0') {
        std::string key(keys.c_str() + i);
        i += key.size() + 1;
        std::string value(4096, '\0');
        SQLGetPrivateProfileString(section.c_str(), key.c_str(), "", value.data(),
                                   static_cast<int>(value.size()), file);
        value.resize(strnlen(value.c_str(), value.size()));
        out.push_back({std::move(key), std::move(value)});
    }
    return out;
}

}  // namespace

std::vector<KeyValue> read_odbc_ini_section(const std::string& dsn) {
    return read_profile_section(dsn, "ODBC.INI");
}

std::vector<KeyValue> read_odbcinst_section(const std::string& driver) {
    return read_profile_section(driver, "ODBCINST.INI");
}

std::string connecting_driver_name(const std::vector<KeyValue>& connection_string,
                                   const std::vector<KeyValue>& dsn_section) {
    const KeyValue* driver = find_key(connection_string, "DRIVER");
    if (!driver || trim_space(driver->value).empty()) driver = find_key(dsn_section, "Driver");
    if (!driver) return {};
    std::string name(trim_space(driver->value));
    // A library path names no odbcinst.ini section.
    if (name.find('/') != std::string::npos) return {};
    return name;
}

namespace {

struct GlobalFileReader {
    std::string path;
    std::string dsn;
    std::vector<std::pair<KeyValue, Source>> values;
    std::optional<ConfigError> error;
};

int on_global_entry(void* user, const char* section, const char* name, const char* value) {
    auto* r = static_cast<GlobalFileReader*>(user);
    if (r->error) return 0;
    std::string_view sec = trim_space(section);
    Source source;
    if (iequals(sec, "defaults")) {
        source = Source::GlobalDefaults;
    } else if (istarts_with(sec, "dsn ")) {
        if (!iequals(trim_space(sec.substr(4)), r->dsn) || r->dsn.empty()) return 1;
        source = Source::GlobalDsn;
    } else {
        r->error =
            ConfigError{"HY000", "[odbc-retry] unknown section [" + std::string(sec) + "] in " +
                                     r->path + " (expected [defaults] or [dsn NAME])"};
        return 0;
    }
    if (!canonical_key(name)) {
        const char* like = near_miss_of(name);
        r->error = ConfigError{
            "HY000", "[odbc-retry] unknown key '" + std::string(name) + "' in " + r->path + " [" +
                         std::string(sec) + "]" +
                         (like ? "; did you mean " + std::string(like) + "?" : std::string())};
        return 0;
    }
    r->values.push_back({KeyValue{name, value}, source});
    return 1;
}

}  // namespace

std::optional<ConfigError> resolve_config(const ConfigInputs& in, ResolvedConfig& out) {
    out = ResolvedConfig{};
    for (const auto& k : known_keys())
        out.values[k.name] = SourcedValue{k.default_value, Source::Default, "default"};

    auto unknown = [&](const std::string& key,
                       const std::string& origin) -> std::optional<ConfigError> {
        const char* like = near_miss_of(key);
        return ConfigError{
            "HY000", "[odbc-retry] unknown key '" + key + "' (from " + origin + ")" +
                         (like ? ": did you mean " + std::string(like) + "?" : std::string()) +
                         " Keys starting with Retry, Replay, Circuit, Target or OdbcRetry, and "
                         "keys within two letters of one of odbc-retry's, are odbc-retry's; "
                         "`odbc-retry config --reference` lists them"};
    };
    auto set = [&](const std::string& key, const std::string& value, Source source,
                   const std::string& origin) -> std::optional<ConfigError> {
        const KeyInfo* info = find_known(key);
        if (!info) {
            const KeyRename* renamed = find_renamed(key);
            if (!renamed) return unknown(key, origin);
            info = find_known(renamed->new_name);
            out.warnings.push_back(
                "[odbc-retry] key '" + key + "' (from " + origin + ") is deprecated: rename it " +
                renamed->new_name + " (the old name stops working in the next release)" +
                (renamed->shared_with_targets && source != Source::GlobalDefaults &&
                         source != Source::GlobalDsn
                     ? std::string("; it is taken by odbc-retry, not passed to the target "
                                   "driver (once ") +
                           renamed->new_name + " is set, " + key + " goes to the target)"
                     : std::string()));
        }
        out.values[info->name] = SourcedValue{value, source, origin};
        return std::nullopt;
    };
    // 1. the global file
    std::string path;
    if (in.global_file)
        path = *in.global_file;
    else if (const char* env = std::getenv("ODBC_RETRY_CONFIG"); env && *env)
        path = env;
    else
        path = "/etc/odbc-retry.ini";
    const char* named = std::getenv("ODBC_RETRY_CONFIG");
    bool must_exist = in.global_file.has_value() || (named && *named);
    if (!path.empty()) {
        GlobalFileReader reader{path, in.dsn, {}, std::nullopt};
        int rc = ini_parse(path.c_str(), on_global_entry, &reader);
        if (reader.error) return reader.error;
        if (rc == -1 && must_exist)
            return ConfigError{"HY000", "[odbc-retry] cannot open the configuration file " + path +
                                            " (named by ODBC_RETRY_CONFIG)"};
        if (rc > 0)
            return ConfigError{"HY000",
                               "[odbc-retry] malformed line " + std::to_string(rc) + " in " + path};
        for (int pass = 0; pass < 2; ++pass)
            for (auto& [kv, source] : reader.values)
                if ((pass == 0) == (source == Source::GlobalDefaults))
                    if (auto e = set(
                            kv.key, kv.value, source,
                            path + (source == Source::GlobalDefaults ? " [defaults]"
                                                                     : " [dsn " + in.dsn + "]")))
                        return e;
    }

    std::vector<KeyValue> dsn_section, driver_section;
    std::string driver;
    if (!in.dsn.empty() && in.read_odbc_ini) dsn_section = read_odbc_ini_section(in.dsn);
    if (in.read_odbc_ini) {
        driver = connecting_driver_name(in.connection_string, dsn_section);
        if (!driver.empty()) driver_section = read_odbcinst_section(driver);
    }

    // Whose a key of odbc.ini, odbcinst.ini or the connection string is. An old name that is
    // also a target driver's key (LogLevel, LogFile) is ours only while its new name is set
    // nowhere and its value is one we accept: a LogLevel=6 meant for a Simba-based driver, or
    // any LogLevel beside an OdbcRetryLogLevel, goes to the target.
    auto new_name_set = [&](const char* new_name) {
        const std::vector<KeyValue>* lists[] = {&in.connection_string, &dsn_section,
                                                &driver_section};
        for (const auto* list : lists)
            for (const auto& kv : *list)
                if (iequals(kv.key, new_name)) return true;
        if (out.values[new_name].source != Source::Default) return true;  // the global file
        if (iequals(new_name, "OdbcRetryLogLevel")) {
            const char* v = std::getenv("ODBC_RETRY_LOG_LEVEL");
            return v && *v;
        }
        if (iequals(new_name, "OdbcRetryLogFile")) {
            const char* v = std::getenv("ODBC_RETRY_LOG_FILE");
            return v && *v;
        }
        return false;
    };
    auto ours_when_shared = [&](const KeyRename& r, std::string_view raw) {
        if (new_name_set(r.new_name)) return false;
        std::string_view value = trim_space(raw);
        if (iequals(r.new_name, "OdbcRetryLogLevel")) {
            for (const char* level : {"trace", "debug", "info", "warn", "error", "off"})
                if (iequals(value, level)) return true;
            return false;
        }
        // OdbcRetryLogFile: one of our sinks, or a path.
        return iequals(value, "syslog") || iequals(value, "stderr") || iequals(value, "none") ||
               value.find('/') != std::string_view::npos;
    };
    enum class Owner { Ours, Target, Unknown };
    auto owner_of = [&](const KeyValue& kv) {
        if (const KeyRename* r = find_renamed(kv.key); r && r->shared_with_targets)
            return ours_when_shared(*r, kv.value) ? Owner::Ours : Owner::Target;
        if (canonical_key(kv.key)) return Owner::Ours;
        if (near_miss_of(kv.key)) return Owner::Unknown;
        return Owner::Target;
    };

    // 2. the section of the driver name in odbcinst.ini: only odbc-retry's keys (Driver, Setup,
    // CPTimeout, UsageCount, Threading ... belong to the driver manager and are left alone)
    for (const auto& kv : driver_section) {
        std::string origin = "odbcinst.ini [" + driver + "]";
        Owner owner = owner_of(kv);
        if (owner == Owner::Unknown) return unknown(kv.key, origin);
        if (owner == Owner::Ours)
            if (auto e = set(kv.key, kv.value, Source::OdbcInstDriver, origin)) return e;
    }

    // 3. odbc.ini section of the DSN, then 4. the connection string; later wins
    std::vector<KeyValue>& forwarded = out.forwarded;
    auto take = [&](const KeyValue& kv, Source source,
                    const std::string& origin) -> std::optional<ConfigError> {
        if (iequals(kv.key, "DSN") || iequals(kv.key, "DRIVER") || iequals(kv.key, "FILEDSN") ||
            iequals(kv.key, "SAVEFILE"))
            return std::nullopt;
        if (source == Source::OdbcIni &&
            (iequals(kv.key, "Description") || iequals(kv.key, "Setup")))
            return std::nullopt;
        Owner owner = owner_of(kv);
        if (owner == Owner::Unknown) return unknown(kv.key, origin);
        if (owner == Owner::Ours) return set(kv.key, kv.value, source, origin);
        for (auto& f : forwarded)
            if (iequals(f.key, kv.key)) {
                f.value = kv.value;
                return std::nullopt;
            }
        forwarded.push_back(kv);
        return std::nullopt;
    };
    for (const auto& kv : dsn_section)
        if (auto e = take(kv, Source::OdbcIni, "odbc.ini [" + in.dsn + "]")) return e;
    for (const auto& kv : in.connection_string)
        if (auto e = take(kv, Source::ConnectionString, "connection string")) return e;

    // TargetDSN and TargetDriver are two ways to name the target: one set by a stronger source
    // replaces the other (a DSN's TargetDSN beside a driver section's TargetDriver).
    SourcedValue& target_dsn = out.values["TargetDSN"];
    SourcedValue& target_driver = out.values["TargetDriver"];
    if (!trim_space(target_dsn.value).empty() && !trim_space(target_driver.value).empty() &&
        target_dsn.source != target_driver.source)
        (target_dsn.source < target_driver.source ? target_dsn : target_driver) =
            SourcedValue{"", Source::Default, "default"};

    // 5. environment overrides for logging
    if (const char* v = std::getenv("ODBC_RETRY_LOG_LEVEL"); v && *v)
        out.values["OdbcRetryLogLevel"] =
            SourcedValue{v, Source::Environment, "ODBC_RETRY_LOG_LEVEL"};
    if (const char* v = std::getenv("ODBC_RETRY_LOG_FILE"); v && *v)
        out.values["OdbcRetryLogFile"] =
            SourcedValue{v, Source::Environment, "ODBC_RETRY_LOG_FILE"};

    // Apply in documentation order so that errors are reported deterministically.
    for (const auto& k : known_keys()) {
        const SourcedValue& sv = out.values[k.name];
        if (sv.source == Source::Default) continue;
        if (auto problem = apply_setting(out.settings, k.name, sv.value)) {
            return ConfigError{"HY000", "[odbc-retry] invalid value '" + sv.value + "' for " +
                                            k.name + " (from " + sv.origin + "): " + *problem};
        }
    }
    if (out.settings.target_dsn.empty() && out.settings.target_driver.empty()) {
        std::string where = in.dsn.empty()
                                ? "the connection string"
                                : "DSN '" + in.dsn + "' (odbc.ini) or the connection string";
        return ConfigError{
            "IM002", "[odbc-retry] no target driver: set TargetDSN or TargetDriver in " + where};
    }
    if (!out.settings.target_dsn.empty() && !out.settings.target_driver.empty()) {
        return ConfigError{"HY000", "[odbc-retry] both TargetDSN ('" + out.settings.target_dsn +
                                        "') and TargetDriver ('" + out.settings.target_driver +
                                        "') are set; set only one"};
    }
    return std::nullopt;
}

}  // namespace odbcretry
