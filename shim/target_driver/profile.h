// SPDX-License-Identifier: Apache-2.0
// What odbc-retry knows of each family of target drivers, in one table: how a family is
// recognised, where its server listens by default, the SQL that checks a session is alive, the
// timeout a connect attempt is bounded by, and whether a read still streams from the server so
// that it can resume. The classifier's rules per family are in shim/retry/classifier.cpp.
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace odbcretry {

enum class DriverFamily : std::uint8_t {
    Postgres,   // psqlODBC
    MySql,      // MariaDB Connector/ODBC, MySQL Connector/ODBC
    Sqlite,     // sqliteodbc
    SqlServer,  // FreeTDS, Microsoft ODBC Driver for SQL Server
    Generic,    // anything else: SQLSTATE classes only
};

// Whether a read interrupted by a lost connection may resume (ReplayResumeFetch=auto).
enum class ResumeFetch : std::uint8_t {
    Always,         // rows come from the server as they are fetched
    WhenStreaming,  // only when one of `streaming_keys` is on (else the client holds the result)
    Never,          // the whole result is in the client once execute returns (or no server)
};

struct DriverProfile {
    DriverFamily family;
    std::string_view name;  // "postgres", "mysql", "sqlite", "sqlserver", "generic"
    // Recognised when a driver's file name, odbcinst.ini name or SQL_DBMS_NAME contains one of
    // these (case-insensitively); families are tried in the table's order.
    std::span<const std::string_view> markers;
    std::string_view default_port;  // where RetryWakeOnListen checks when no Port is given
    bool wake_on_listen_auto;       // RetryWakeOnListen=auto checks the port
    std::string_view probe_sql;     // the default ProbeQuery ("": no probe)
    // Hang protection sets SQL_ATTR_LOGIN_TIMEOUT (MariaDB ignores it; SQLite has no network).
    bool login_timeout_attribute;
    // Hang protection adds this key, in seconds, to the connection string of each attempt,
    // unless the application or the DSN gave one of `connect_timeout_keys` ("": none).
    std::string_view connect_timeout_key;
    std::span<const std::string_view> connect_timeout_keys;
    ResumeFetch resume_fetch;
    std::span<const std::string_view> streaming_keys;  // for ResumeFetch::WhenStreaming
    // A native code with which the client says the failed call never reached the server (0:
    // none); never_sent_texts() holds the message texts that say so for every family.
    long never_sent_native;
};

// The profile of `family` (Generic for anything unknown).
const DriverProfile& profile(DriverFamily family);
// Texts with which a driver says it did not send the failed call: the socket was known dead, or
// the write of the request itself failed.
std::span<const std::string_view> never_sent_texts();

// "postgres", "mysql", "sqlite", "sqlserver", "generic".
std::string_view to_string(DriverFamily family);
// Accepts the spellings of to_string, case-insensitively.
std::optional<DriverFamily> parse_driver_family(std::string_view text);
// Guesses the family from a driver library file name ("psqlodbcw.so", "libmaodbc.so",
// "libsqlite3odbc.so", "libtdsodbc.so", "libmsodbcsql-18.so"), an odbcinst.ini driver name
// ("PostgreSQL Unicode", "MariaDB", "SQLite3", "FreeTDS", "ODBC Driver 18 for SQL Server") or the
// target's SQL_DBMS_NAME ("PostgreSQL", "MariaDB", "MySQL", "SQLite", "Microsoft SQL Server").
// Generic when nothing is recognised.
DriverFamily detect_family(std::string_view text);

// Whether RetryWakeOnListen (`setting`: auto, yes, no) checks the server's port for this family.
bool wake_on_listen(std::string_view setting, DriverFamily family);
// The family's default TCP port as text, empty when it has none (SQLite) or is unknown.
std::string default_port_for(DriverFamily family);

}  // namespace odbcretry
