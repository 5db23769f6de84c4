// SPDX-License-Identifier: Apache-2.0
// odbc-retry's log: spdlog, process-wide, configured by the first connection that names a level
// or file (LogLevel, LogFile; ODBC_RETRY_LOG_LEVEL / ODBC_RETRY_LOG_FILE override). Nothing here
// runs on a call that succeeds; every text that could hold a secret is masked before it is logged.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>

#include "shim/config/config.h"
#include "shim/target_driver/diag.h"

namespace odbcretry {

// Where the log goes, from LogFile: "" or "syslog" -> syslog (ident odbc-retry, facility user;
// the journal on systemd hosts), "stderr" -> the process's standard error (an explicit choice:
// it writes into the application's own output), "none" -> nowhere, anything else -> that file.
enum class LogSink { Syslog, Stderr, None, File };
LogSink log_sink_of(std::string_view log_file);

// The logger; never null (a null sink until configured).
spdlog::logger& logger();
void configure_logging(const ResolvedConfig& config);

// A description of the target for log lines: "DSN pg_direct" or "driver PostgreSQL".
std::string describe_target(const Settings& settings);

void log_connected(const ResolvedConfig& config, const std::string& dsn);

}  // namespace odbcretry
