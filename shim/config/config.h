// SPDX-License-Identifier: Apache-2.0
// odbc-retry's configuration: which keys it owns, their defaults, where each value came from.
//
// Sources, weakest first: built-in defaults, [defaults] of the global file, [dsn NAME] of the
// global file, the section of the driver name the application connected with in odbcinst.ini
// (odbc-retry registered under a real driver's name: `DRIVER={MariaDB};...` without a DSN), the
// DSN's section in odbc.ini, the application's connection string, and for
// logging the environment (ODBC_RETRY_LOG_LEVEL, ODBC_RETRY_LOG_FILE). A key odbc-retry does not
// own is forwarded to the target; an unknown key that looks like ours, or a bad value, is an
// error naming the key, the value and its source.
//
// odbc-retry's keys have one namespace: each starts with Retry, Replay, Circuit, Target or
// OdbcRetry. The unprefixed names of earlier releases (LogLevel, LogFile, Recovery,
// SessionInitSQL, ProbeQuery) still work for one release, with a deprecation warning. LogLevel
// and LogFile are also keys of target drivers (Simba-based drivers among others): in odbc.ini,
// odbcinst.ini and the connection string such an old name is odbc-retry's only while the new
// name is set nowhere and its value is one odbc-retry accepts (a LogLevel of trace, debug, info,
// warn, error or off); otherwise it belongs to the target and is forwarded.
#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "shim/config/connstr.h"

namespace odbcretry {

using Millis = std::chrono::milliseconds;

enum class Source {
    Default,
    GlobalDefaults,
    GlobalDsn,
    OdbcInstDriver,  // the odbc-retry driver's own section in odbcinst.ini
    OdbcIni,
    ConnectionString,
    Environment
};
const char* to_string(Source source);

struct SourcedValue {
    std::string value;
    Source source = Source::Default;
    std::string origin;  // human-readable: "connection string", "odbc.ini [pg]",
                         // "/etc/odbc-retry.ini [defaults]"
};

// Typed settings of one connection.
struct Settings {
    std::string target_dsn;
    std::string target_driver;
    std::string log_level = "warn";
    std::string log_file = "syslog";  // syslog, stderr, none or a path (log.h: LogSink)
    // Retry engine (see docs/configuration.md for the meaning of each).
    int retry_max_attempts = 30;
    Millis retry_base_delay{200};
    Millis retry_max_delay{5000};
    double retry_multiplier = 2.0;
    std::string retry_backoff = "exponential";
    std::string retry_jitter = "full";
    Millis retry_deadline{30000};
    std::string retry_budget = "100:0.1";
    bool retry_deadlocks = true;
    int circuit_breaker_threshold = 10;
    Millis circuit_breaker_cooldown{5000};
    Millis circuit_breaker_wait{0};
    bool circuit_breaker_shared = true;
    std::string retry_wake_on_listen = "auto";
    std::string rules_transient, rules_connection_lost, rules_rolled_back, rules_timeout,
        rules_fatal;
    bool hang_protection = true;
    // Recovery and replay.
    bool recovery = true;
    std::string replay_writes = "never";
    std::string replay_resume_fetch = "auto";
    std::vector<std::string> session_init_sql;
    std::string probe_query;
};

struct ConfigError {
    std::string sqlstate;  // HY000 for a bad key or value, IM002 when no target is named
    std::string message;   // names the key, the value and its source (secrets masked)
};

// A name of an earlier release and the key it became.
struct KeyRename {
    const char* old_name;
    const char* new_name;
    bool shared_with_targets;  // also a key of target drivers (LogLevel, LogFile)
};
const std::vector<KeyRename>& renamed_keys();

struct KeyInfo {
    const char* name;
    const char* default_value;
    const char* unit;  // "duration", "integer", "boolean", one|of|these, "text", "rules"
    const char* description;
};
// Every key odbc-retry owns, in documentation order.
const std::vector<KeyInfo>& known_keys();
// The known key, or the old name, spelled `key` in any case; null when there is none.
const KeyInfo* find_known(std::string_view key);
const KeyRename* find_renamed(std::string_view key);
// Whether a key is odbc-retry's (known, an old name, or has one of its reserved prefixes).
bool is_reserved_key(std::string_view key);
// The canonical name of one of our keys given by its current or old name; nullptr otherwise.
const char* canonical_key(std::string_view key);
// For a key that is not ours: the key of ours it looks like a misspelling of (edit distance of
// at most 2, or one of our prefixes with an unknown rest), or nullptr when it looks like none
// (or is a known key of a target driver).
const char* near_miss_of(std::string_view key);
// Optimal-string-alignment edit distance, case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

struct ResolvedConfig {
    Settings settings;
    std::map<std::string, SourcedValue>
        values;                         // effective value of each of our keys, by canonical name
    std::vector<KeyValue> forwarded;    // keys for the target, connection string order
    std::vector<std::string> warnings;  // deprecated names used, one line each (logged at connect)
};

struct ConfigInputs {
    std::string dsn;                          // empty when connecting with DRIVER=
    std::vector<KeyValue> connection_string;  // the application's pairs (DSN/DRIVER included)
    std::optional<std::string> global_file;   // overrides ODBC_RETRY_CONFIG and /etc/odbc-retry.ini
    bool read_odbc_ini = true;                // odbc.ini and odbcinst.ini
};

// Resolves every source. Returns the error when a key is unknown or a value bad.
std::optional<ConfigError> resolve_config(const ConfigInputs& inputs, ResolvedConfig& out);

// Applies one value of one of our keys to `settings`; returns an error text on a bad value.
std::optional<std::string> apply_setting(Settings& settings, std::string_view key,
                                         std::string_view value);

// "250ms", "2s", "1.5s", "1m", "1h", "30" (a bare number is seconds). Returns nullopt when
// malformed.
std::optional<Millis> parse_duration(std::string_view text);
// A duration with its unit, as `config` shows it: "250ms", "2s", "1.5s", "0s".
std::string format_duration(Millis duration);
std::optional<bool> parse_bool(std::string_view text);

// Reads every key of a DSN's odbc.ini section (through odbcinst), in file order.
std::vector<KeyValue> read_odbc_ini_section(const std::string& dsn);
// Reads every key of a driver's odbcinst.ini section (through odbcinst), in file order.
std::vector<KeyValue> read_odbcinst_section(const std::string& driver);

// The driver name a connection was made with: DRIVER= of the connection string (as the driver
// manager, which prefers it to DSN=), else the Driver= of the DSN's odbc.ini section; "" when
// neither names one, or when it is a library path rather than an odbcinst.ini name.
std::string connecting_driver_name(const std::vector<KeyValue>& connection_string,
                                   const std::vector<KeyValue>& dsn_section);

}  // namespace odbcretry
