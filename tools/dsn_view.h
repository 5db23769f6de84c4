// SPDX-License-Identifier: Apache-2.0
// A data source as odbc-retry would see it at connect: its effective configuration (every
// source resolved) and its target driver and family. Used by `config` and `explain`.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "shim/config/config.h"
#include "shim/retry/classifier.h"

namespace odbcretry::tool {

struct DsnView {
    std::string input;       // what the user gave: a DSN or a connection string (masked)
    std::string dsn;         // the DSN name ("" for DRIVER=... connection strings)
    bool exists = false;     // the DSN has a section in odbc.ini
    std::string driver;      // the DSN's (or connection string's) Driver
    bool via_retry = false;  // that driver is odbc-retry
    ResolvedConfig config;   // when via_retry
    std::optional<ConfigError> error;
    // The real driver behind it.
    std::string target_dsn;                // TargetDSN, if any
    std::string target_driver;             // its driver name (or TargetDriver)
    std::string target_library;            // its library path ("" when not found)
    std::string target_problem;            // why the target cannot be found, if it cannot
    std::vector<KeyValue> target_section;  // the TargetDSN's own keys
    DriverFamily family = DriverFamily::Generic;
};

// `input`: a DSN name or a connection string ("DSN=x;RetryDeadline=5s", "DRIVER={ODBC Retry};...").
// Fails (returns nullopt, `error` set) only for an unusable input (a malformed connection
// string); a missing DSN or a bad configuration is reported in the view.
std::optional<DsnView> view_dsn(const std::string& input, std::string& error);

}  // namespace odbcretry::tool
