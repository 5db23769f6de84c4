// SPDX-License-Identifier: Apache-2.0
#include "shim/target_driver/profile.h"

#include "shim/ascii.h"

namespace odbcretry {
namespace {

// "postgres" covers "PostgreSQL" and "postgresql-odbc".
constexpr std::string_view kPostgresMarkers[] = {"psqlodbc", "postgres"};
constexpr std::string_view kMySqlMarkers[] = {"maodbc", "mariadb", "myodbc", "mysql"};
constexpr std::string_view kSqliteMarkers[] = {"sqlite"};
constexpr std::string_view kSqlServerMarkers[] = {"tdsodbc",    "freetds",   "msodbcsql",
                                                  "sql server", "sqlserver", "sqlncli"};
// psqlODBC's UseDeclareFetch (B6 in its short form) and MariaDB's NO_CACHE make rows come from
// the server while they are fetched.
constexpr std::string_view kPostgresStreaming[] = {"UseDeclareFetch", "B6"};
constexpr std::string_view kMySqlStreaming[] = {"NO_CACHE"};
constexpr std::string_view kMySqlConnectTimeout[] = {"CONN_TIMEOUT", "CONNECTTIMEOUT"};

constexpr std::string_view kNeverSent[] = {
    "unable due to the connection lost",  // psqlODBC, the call after a loss
    "Write error",                        // MariaDB 5014: writing the request failed
    "Connection not open",                // MariaDB 08003
    "[Fake]connection lost",              // the scripted test driver, answering like psqlODBC
};

// In DriverFamily order; detection tries them in this order ("sqlite" before the SQL Server
// markers, none of which it contains anyway).
constexpr DriverProfile kProfiles[] = {
    {DriverFamily::Postgres,
     "postgres",
     kPostgresMarkers,
     "5432",
     true,
     "SELECT 1",
     true,
     {},
     {},
     ResumeFetch::WhenStreaming,
     kPostgresStreaming,
     0},
    {DriverFamily::MySql, "mysql", kMySqlMarkers, "3306", false, "SELECT 1", false, "CONN_TIMEOUT",
     kMySqlConnectTimeout, ResumeFetch::WhenStreaming, kMySqlStreaming,
     2006},  // client-side "gone away"
    {DriverFamily::Sqlite,
     "sqlite",
     kSqliteMarkers,
     "",
     false,
     "SELECT 1",
     false,
     {},
     {},
     ResumeFetch::Never,
     {},
     0},
    {DriverFamily::SqlServer,
     "sqlserver",
     kSqlServerMarkers,
     "1433",
     true,
     "SELECT 1",
     true,
     {},
     {},
     ResumeFetch::Always,
     {},
     0},
    {DriverFamily::Generic, "generic", {}, "", false, "", true, {}, {}, ResumeFetch::Always, {}, 0},
};

}  // namespace

const DriverProfile& profile(DriverFamily family) {
    for (const DriverProfile& p : kProfiles)
        if (p.family == family) return p;
    return kProfiles[static_cast<int>(DriverFamily::Generic)];
}

std::span<const std::string_view> never_sent_texts() {
    return kNeverSent;
}

std::string_view to_string(DriverFamily family) {
    return profile(family).name;
}

std::optional<DriverFamily> parse_driver_family(std::string_view text) {
    for (const DriverProfile& p : kProfiles)
        if (iequals(text, p.name)) return p.family;
    return std::nullopt;
}

DriverFamily detect_family(std::string_view text) {
    for (const DriverProfile& p : kProfiles)
        for (std::string_view marker : p.markers)
            if (contains_ignoring_case(text, marker)) return p.family;
    return DriverFamily::Generic;
}

bool wake_on_listen(std::string_view setting, DriverFamily family) {
    if (setting == "yes") return true;
    if (setting != "auto") return false;
    return profile(family).wake_on_listen_auto;
}

std::string default_port_for(DriverFamily family) {
    return std::string(profile(family).default_port);
}

}  // namespace odbcretry
