// SPDX-License-Identifier: Apache-2.0
#include "shim/config/config.h"

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
        {"OdbcRetryLogLevel", "warn", "trace|debug|info|warn|error|off", "What odbc-retry logs."},
        {"OdbcRetryLogFile", "syslog", "syslog|stderr|none|PATH",
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
        {"CircuitBreakerWait", "0s", "duration",
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
        {"OdbcRetryRecovery", "yes", "boolean",
         "Recover lost connections under the application's handles."},
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
        {"OdbcRetrySessionInitSQL", "", "statements separated by ';;'",
         "Statements run after every connect and reconnect."},
        {"OdbcRetryProbeQuery", "", "text",
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

const std::vector<KeyRename>& renamed_keys() {
    static const std::vector<KeyRename> renames = {
        {"LogLevel", "OdbcRetryLogLevel", true},
        {"LogFile", "OdbcRetryLogFile", true},
        {"Recovery", "OdbcRetryRecovery", false},
        {"SessionInitSQL", "OdbcRetrySessionInitSQL", false},
        {"ProbeQuery", "OdbcRetryProbeQuery", false},
    };
    return renames;
}

namespace {

constexpr std::string_view kPrefixes[] = {"Retry", "Replay", "Circuit", "Target", "OdbcRetry"};

// Keys of target drivers that begin like ours or lie close to one of ours: never ours, never a
// near miss. Kept small: only names seen in a supported family.
constexpr std::string_view kTargetKeys[] = {
    "target_session_attrs",  // libpq's, passed through by psqlODBC's pqopt and some wrappers
};

const KeyRename* find_renamed(std::string_view key) {
    for (const auto& r : renamed_keys())
        if (iequals(r.old_name, key)) return &r;
    return nullptr;
}

bool is_target_key(std::string_view key) {
    for (std::string_view k : kTargetKeys)
        if (iequals(k, key)) return true;
    return false;
}

}  // namespace

bool is_reserved_key(std::string_view key) {
    if (find_known(key) || find_renamed(key)) return true;
    if (is_target_key(key)) return false;
    for (std::string_view prefix : kPrefixes)
        if (istarts_with(key, prefix)) return true;
    return false;
}

const char* canonical_key(std::string_view key) {
    if (const KeyInfo* k = find_known(key)) return k->name;
    if (const KeyRename* r = find_renamed(key)) return r->new_name;
    return nullptr;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    auto low = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            std::size_t cost = low(a[i - 1]) == low(b[j - 1]) ? 0 : 1;
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
            if (i > 1 && j > 1 && low(a[i - 1]) == low(b[j - 2]) && low(a[i - 2]) == low(b[j - 1]))
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
        }
        prev2.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

const char* near_miss_of(std::string_view key) {
    if (canonical_key(key) || is_target_key(key)) return nullptr;
    // The closest of our names, current or old; an old name stands for the key it became.
    const char* best = nullptr;
    std::size_t best_distance = static_cast<std::size_t>(-1);
    auto consider = [&](const char* name, const char* canonical) {
        std::size_t d = edit_distance(key, name);
        if (d < best_distance) {
            best_distance = d;
            best = canonical;
        }
    };
    for (const auto& k : known_keys()) consider(k.name, k.name);
    for (const auto& r : renamed_keys()) consider(r.old_name, r.new_name);
    if (best_distance <= 2) return best;
    for (std::string_view prefix : kPrefixes)
        if (istarts_with(key, prefix)) return best;
    return nullptr;
}

std::string format_duration(Millis duration) {
    long long ms = duration.count();
    if (ms == 0) return "0s";
    if (ms % 3600000 == 0) return std::to_string(ms / 3600000) + "h";
    if (ms % 60000 == 0) return std::to_string(ms / 60000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    if (ms > 1000 && ms % 100 == 0)
        return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + "s";
    return std::to_string(ms) + "ms";
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
    if (unit == "ms")
        ms = value;
    else if (unit.empty() || unit == "s")
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
            return std::string("not a duration (use e.g. 250ms, 2s, 1m; a bare number is seconds)");
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
        for (const char* c : choices) {
            if (!list.empty()) list += ", ";
            list += c;
        }
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
    if (name == "OdbcRetryLogLevel")
        return one_of(s.log_level, {"trace", "debug", "info", "warn", "error", "off"});
    if (name == "OdbcRetryLogFile") {
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
    if (name == "OdbcRetryRecovery") return boolean(s.recovery);
    if (name == "ReplayWrites") return one_of(s.replay_writes, {"never", "idempotent"});
    if (name == "ReplayResumeFetch") return one_of(s.replay_resume_fetch, {"auto", "yes", "no"});
    if (name == "OdbcRetrySessionInitSQL") {
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
    if (name == "OdbcRetryProbeQuery") {
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
        std::string_view value = trim(raw);
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
    if (!trim(target_dsn.value).empty() && !trim(target_driver.value).empty() &&
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
