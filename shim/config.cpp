#include "shim/config.h"

#include "shim/retry/budget.h"
#include "shim/retry/classifier.h"

#include <ini.h>
#include <odbcinst.h>

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <functional>

namespace odbcretry {

const char* to_string(Source source) {
    switch (source) {
        case Source::Default:
            return "default";
        case Source::GlobalDefaults:
            return "global file [defaults]";
        case Source::GlobalDsn:
            return "global file [dsn]";
        case Source::OdbcInstDriver:
            return "odbcinst.ini driver";
        case Source::OdbcIni:
            return "odbc.ini";
        case Source::ConnectionString:
            return "connection string";
        case Source::Environment:
            return "environment";
    }
    return "?";
}

const std::vector<KeyInfo>& known_keys() {
    static const std::vector<KeyInfo> keys = {
        {"TargetDSN", "", "text", "DSN of the real driver that odbc-retry forwards to."},
        {"TargetDriver", "", "text",
         "The real driver: its odbcinst.ini name or the path of its library (instead of "
         "TargetDSN)."},
        {"LogLevel", "warn", "trace|debug|info|warn|error|off", "What odbc-retry logs."},
        {"LogFile", "syslog", "syslog|stderr|none|PATH",
         "Where the log goes: syslog (the journal; ident odbc-retry), stderr (the application's "
         "own standard error: an explicit choice, it mixes into the program's output), none, or "
         "the path of a file."},
        {"RetryMaxAttempts", "30", "integer",
         "Attempts per call, the first included (1 = no retry)."},
        {"RetryBaseDelay", "200ms", "duration", "Delay before the first retry (before jitter)."},
        {"RetryMaxDelay", "5s", "duration", "Cap on any single delay."},
        {"RetryMultiplier", "2", "number", "Growth factor of exponential backoff."},
        {"RetryBackoff", "exponential", "exponential|linear|fixed", "How delays grow."},
        {"RetryJitter", "full", "full|equal|decorrelated|none", "How delays are randomised."},
        {"RetryDeadline", "30s", "duration",
         "Time limit over all attempts of one call; the application's own login or query timeout "
         "wins when smaller. 0 = no limit besides RetryMaxAttempts."},
        {"RetryBudget", "100:0.1", "tokens:ratio|off",
         "Per-target retry budget (per process): retries stop while fewer than half the tokens "
         "remain; every retried failure takes one, every success gives back RATIO, and one comes "
         "back every second. Set per target: the first connection in a process to a target "
         "fixes it for that target."},
        {"RetryDeadlocks", "yes", "boolean",
         "Retry a statement the server rolled back (deadlock, serialization failure) in "
         "autocommit."},
        {"RetryWakeOnListen", "auto", "auto|yes|no",
         "While a failed connect waits out its backoff and the server's TCP port refuses "
         "connections (the server is down or restarting), check the port every 20 ms and retry "
         "as soon as it accepts, instead of at the end of the delay; the delays then start again "
         "from RetryBaseDelay. A server whose port accepts but that refused the session "
         "(starting up, too many connections) gets the whole backoff. Needs the target's host "
         "(Server, Servername, Host ...) and port (or the family's default port) in its keys. "
         "The check that finds the port open is one TCP connection closed before the handshake, "
         "at most one per connect or recovery: PostgreSQL logs 'incomplete startup packet' for "
         "it, SQL Server nothing, while MariaDB/MySQL count it as a connection error of the "
         "client host (max_connect_errors can block the host). auto: on for PostgreSQL and SQL "
         "Server, off for MariaDB/MySQL and unknown drivers."},
        {"CircuitBreakerThreshold", "10", "integer",
         "Consecutive failed connects to one target that open its circuit (0 = no breaker for this "
         "connection). Each connection judges the target's shared breaker state with its own "
         "threshold and cooldown."},
        {"CircuitBreakerCooldown", "5s", "duration",
         "How long an open circuit fails fast before one probe."},
        {"CircuitBreakerWait", "0", "duration",
         "How long a new connect waits for an open circuit's next probe instead of failing at once "
         "with 08001 (0 = fail at once). A connect that is already retrying, and the recovery of "
         "a lost connection, wait for the probe within their deadline."},
        {"CircuitBreakerShared", "yes", "boolean",
         "Share breaker state with every process on the host (where the state lives is chosen by "
         "the first connection in a process to a target)."},
        {"RetryRulesTransient", "", "rules", "Extra rules that classify an error as transient."},
        {"RetryRulesConnectionLost", "", "rules", "Extra rules for connection_lost."},
        {"RetryRulesRolledBack", "", "rules", "Extra rules for rolled_back."},
        {"RetryRulesTimeout", "", "rules", "Extra rules for timeout."},
        {"RetryRulesFatal", "", "rules", "Extra rules for fatal (never retried)."},
        {"RetryHangProtection", "yes", "boolean",
         "Translate the deadline into the target's own timeout keys when the application set "
         "none."},
        {"Recovery", "yes", "boolean", "Recover lost connections under the application's handles."},
        {"ReplayWrites", "never", "never|idempotent",
         "Whether writes may be replayed after a lost connection (idempotent: the DSN's writes are "
         "safe to repeat)."},
        {"ReplayResumeFetch", "auto", "auto|yes|no",
         "Resume a read interrupted by a lost connection mid-fetch (re-execute, skip and verify "
         "the rows "
         "already delivered). Costs a hash of every delivered row. auto: on where the target "
         "streams "
         "rows from the server while they are fetched (FreeTDS and unknown drivers, psqlODBC with "
         "UseDeclareFetch=1, MariaDB with NO_CACHE=1), off where the whole result is in the client "
         "after execute (there is nothing to resume)."},
        {"SessionInitSQL", "", "statements separated by ';;'",
         "Statements run after every connect and reconnect."},
        {"ProbeQuery", "", "text",
         "Cheap query used to validate a connection after a target's epoch changed."},
    };
    return keys;
}

namespace {

const KeyInfo* find_known(std::string_view key) {
    for (const auto& k : known_keys())
        if (iequals(k.name, key)) return &k;
    return nullptr;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

}  // namespace

bool is_reserved_key(std::string_view key) {
    if (find_known(key)) return true;
    for (std::string_view prefix :
         {"Retry", "Replay", "Circuit", "Target", "SessionInit", "OdbcRetry"})
        if (istarts_with(key, prefix)) return true;
    return false;
}

std::optional<Millis> parse_duration(std::string_view text) {
    text = trim(text);
    if (text.empty()) return std::nullopt;
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    if (i == 0) return std::nullopt;
    std::string number(text.substr(0, i));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (!end || *end != '\0' || value < 0) return std::nullopt;
    std::string unit = lower(trim(text.substr(i)));
    double ms;
    if (unit.empty() || unit == "ms")
        ms = value;
    else if (unit == "s")
        ms = value * 1000;
    else if (unit == "m" || unit == "min")
        ms = value * 60000;
    else if (unit == "h")
        ms = value * 3600000;
    else
        return std::nullopt;
    if (ms > 1e12) return std::nullopt;
    return Millis(static_cast<long long>(ms + 0.5));
}

std::optional<bool> parse_bool(std::string_view text) {
    std::string v = lower(trim(text));
    if (v == "1" || v == "yes" || v == "true" || v == "on") return true;
    if (v == "0" || v == "no" || v == "false" || v == "off") return false;
    return std::nullopt;
}

std::optional<std::string> apply_setting(Settings& s, std::string_view key, std::string_view raw) {
    const KeyInfo* info = find_known(key);
    if (!info) return std::string("unknown odbc-retry key");
    std::string_view value = trim(raw);
    std::string name = info->name;
    auto duration = [&](Millis& field) -> std::optional<std::string> {
        auto d = parse_duration(value);
        if (!d)
            return std::string(
                "not a duration (use e.g. 250ms, 2s, 1m; a bare number is milliseconds)");
        field = *d;
        return std::nullopt;
    };
    auto integer = [&](int& field, int min, int max) -> std::optional<std::string> {
        int v = 0;
        auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || p != value.data() + value.size() || v < min || v > max)
            return "not an integer from " + std::to_string(min) + " to " + std::to_string(max);
        field = v;
        return std::nullopt;
    };
    auto boolean = [&](bool& field) -> std::optional<std::string> {
        auto b = parse_bool(value);
        if (!b) return std::string("not a boolean (yes/no, true/false, on/off, 1/0)");
        field = *b;
        return std::nullopt;
    };
    auto one_of = [&](std::string& field,
                      std::initializer_list<const char*> choices) -> std::optional<std::string> {
        for (const char* c : choices)
            if (iequals(value, c)) {
                field = c;
                return std::nullopt;
            }
        std::string list;
        for (const char* c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
        return "not one of: " + list;
    };
    if (name == "TargetDSN") {
        s.target_dsn = std::string(value);
        return std::nullopt;
    }
    if (name == "TargetDriver") {
        s.target_driver = std::string(value);
        return std::nullopt;
    }
    if (name == "LogLevel")
        return one_of(s.log_level, {"trace", "debug", "info", "warn", "error", "off"});
    if (name == "LogFile") {
        s.log_file = std::string(value);
        return std::nullopt;
    }
    if (name == "RetryMaxAttempts") return integer(s.retry_max_attempts, 1, 1000);
    if (name == "RetryBaseDelay") return duration(s.retry_base_delay);
    if (name == "RetryMaxDelay") return duration(s.retry_max_delay);
    if (name == "RetryMultiplier") {
        std::string v(value);
        char* end = nullptr;
        double m = std::strtod(v.c_str(), &end);
        if (v.empty() || !end || *end || m < 1.0 || m > 100.0)
            return std::string("not a number from 1 to 100");
        s.retry_multiplier = m;
        return std::nullopt;
    }
    if (name == "RetryBackoff") return one_of(s.retry_backoff, {"exponential", "linear", "fixed"});
    if (name == "RetryJitter")
        return one_of(s.retry_jitter, {"full", "equal", "decorrelated", "none"});
    if (name == "RetryDeadline") return duration(s.retry_deadline);
    if (name == "RetryBudget") {
        auto parsed = parse_budget_settings(value);
        if (!parsed) return parsed.error();
        s.retry_budget = std::string(value);
        return std::nullopt;
    }
    if (name == "RetryDeadlocks") return boolean(s.retry_deadlocks);
    if (name == "CircuitBreakerThreshold") return integer(s.circuit_breaker_threshold, 0, 65535);
    if (name == "CircuitBreakerCooldown") return duration(s.circuit_breaker_cooldown);
    if (name == "CircuitBreakerWait") return duration(s.circuit_breaker_wait);
    if (name == "CircuitBreakerShared") return boolean(s.circuit_breaker_shared);
    if (name == "RetryWakeOnListen") return one_of(s.retry_wake_on_listen, {"auto", "yes", "no"});
    auto rules = [&](std::string& field, ErrorClass cls) -> std::optional<std::string> {
        auto parsed = parse_rules(value, cls);
        if (!parsed) return parsed.error();
        field = std::string(value);
        return std::nullopt;
    };
    if (name == "RetryRulesTransient") return rules(s.rules_transient, ErrorClass::Transient);
    if (name == "RetryRulesConnectionLost")
        return rules(s.rules_connection_lost, ErrorClass::ConnectionLost);
    if (name == "RetryRulesRolledBack") return rules(s.rules_rolled_back, ErrorClass::RolledBack);
    if (name == "RetryRulesTimeout") return rules(s.rules_timeout, ErrorClass::Timeout);
    if (name == "RetryRulesFatal") return rules(s.rules_fatal, ErrorClass::Fatal);
    if (name == "RetryHangProtection") return boolean(s.hang_protection);
    if (name == "Recovery") return boolean(s.recovery);
    if (name == "ReplayWrites") return one_of(s.replay_writes, {"never", "idempotent"});
    if (name == "ReplayResumeFetch") return one_of(s.replay_resume_fetch, {"auto", "yes", "no"});
    if (name == "SessionInitSQL") {
        s.session_init_sql.clear();
        std::string_view rest = value;
        while (!rest.empty()) {
            size_t sep = rest.find(";;");
            std::string_view stmt = trim(rest.substr(0, sep));
            if (!stmt.empty()) s.session_init_sql.emplace_back(stmt);
            if (sep == std::string_view::npos) break;
            rest.remove_prefix(sep + 2);
        }
        return std::nullopt;
    }
    if (name == "ProbeQuery") {
        s.probe_query = std::string(value);
        return std::nullopt;
    }
    return std::string("key is known but not handled (a bug)");
}

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
    if (!driver || trim(driver->value).empty()) driver = find_key(dsn_section, "Driver");
    if (!driver) return {};
    std::string name(trim(driver->value));
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
    std::string_view sec = trim(section);
    Source source;
    if (iequals(sec, "defaults")) {
        source = Source::GlobalDefaults;
    } else if (istarts_with(sec, "dsn ")) {
        if (!iequals(trim(sec.substr(4)), r->dsn) || r->dsn.empty()) return 1;
        source = Source::GlobalDsn;
    } else {
        r->error =
            ConfigError{"HY000", "[odbc-retry] unknown section [" + std::string(sec) + "] in " +
                                     r->path + " (expected [defaults] or [dsn NAME])"};
        return 0;
    }
    if (!find_known(name)) {
        r->error = ConfigError{"HY000", "[odbc-retry] unknown key '" + std::string(name) + "' in " +
                                            r->path + " [" + std::string(sec) + "]"};
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

    auto set = [&](const std::string& key, const std::string& value, Source source,
                   const std::string& origin) -> std::optional<ConfigError> {
        const KeyInfo* info = find_known(key);
        if (!info) {
            return ConfigError{"HY000", "[odbc-retry] unknown key '" + key + "' (from " + origin +
                                            "); keys starting with Retry, Replay, Circuit, Target "
                                            "or SessionInit are reserved for odbc-retry"};
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

    // 2. the section of the driver name in odbcinst.ini: only odbc-retry's keys (Driver, Setup,
    // CPTimeout, UsageCount, Threading ... belong to the driver manager and are left alone)
    std::vector<KeyValue> dsn_section;
    if (!in.dsn.empty() && in.read_odbc_ini) dsn_section = read_odbc_ini_section(in.dsn);
    if (in.read_odbc_ini) {
        std::string driver = connecting_driver_name(in.connection_string, dsn_section);
        if (!driver.empty())
            for (const auto& kv : read_odbcinst_section(driver))
                if (is_reserved_key(kv.key))
                    if (auto e = set(kv.key, kv.value, Source::OdbcInstDriver,
                                     "odbcinst.ini [" + driver + "]"))
                        return e;
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
        if (is_reserved_key(kv.key)) return set(kv.key, kv.value, source, origin);
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
    if (!trim(target_dsn.value).empty() && !trim(target_driver.value).empty() &&
        target_dsn.source != target_driver.source)
        (target_dsn.source < target_driver.source ? target_dsn : target_driver) =
            SourcedValue{"", Source::Default, "default"};

    // 5. environment overrides for logging
    if (const char* v = std::getenv("ODBC_RETRY_LOG_LEVEL"); v && *v)
        out.values["LogLevel"] = SourcedValue{v, Source::Environment, "ODBC_RETRY_LOG_LEVEL"};
    if (const char* v = std::getenv("ODBC_RETRY_LOG_FILE"); v && *v)
        out.values["LogFile"] = SourcedValue{v, Source::Environment, "ODBC_RETRY_LOG_FILE"};

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
