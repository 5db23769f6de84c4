// SPDX-License-Identifier: Apache-2.0
// The keys odbc-retry owns: their table, old names, near misses, and the parsing of one value
// into Settings (apply_setting).
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

const KeyInfo* find_known(std::string_view key) {
    for (const auto& k : known_keys())
        if (iequals(k.name, key)) return &k;
    return nullptr;
}

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

const KeyRename* find_renamed(std::string_view key) {
    for (const auto& r : renamed_keys())
        if (iequals(r.old_name, key)) return &r;
    return nullptr;
}

namespace {

constexpr std::string_view kPrefixes[] = {"Retry", "Replay", "Circuit", "Target", "OdbcRetry"};

// Keys of target drivers that begin like ours or lie close to one of ours: never ours, never a
// near miss. Kept small: only names seen in a supported family.
constexpr std::string_view kTargetKeys[] = {
    "target_session_attrs",  // libpq's, passed through by psqlODBC's pqopt and some wrappers
};

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
    text = trim_space(text);
    if (text.empty()) return std::nullopt;
    size_t i = 0;
    while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
        ++i;
    if (i == 0) return std::nullopt;
    std::string number(text.substr(0, i));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (!end || *end != '\0' || value < 0) return std::nullopt;
    std::string unit = to_lower_ascii(trim_space(text.substr(i)));
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
    std::string v = to_lower_ascii(trim_space(text));
    if (v == "1" || v == "yes" || v == "true" || v == "on") return true;
    if (v == "0" || v == "no" || v == "false" || v == "off") return false;
    return std::nullopt;
}

std::optional<std::string> apply_setting(Settings& s, std::string_view key, std::string_view raw) {
    const KeyInfo* info = find_known(key);
    if (!info) return std::string("unknown odbc-retry key");
    std::string_view value = trim_space(raw);
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
            std::string_view stmt = trim_space(rest.substr(0, sep));
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

}  // namespace odbcretry
