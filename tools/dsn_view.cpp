// SPDX-License-Identifier: Apache-2.0
#include "tools/dsn_view.h"

#include "shim/config/connstr.h"
#include "shim/target_driver/library.h"
#include "tools/odbc_util.h"

namespace odbcretry::tool {

std::optional<DsnView> view_dsn(const std::string& input, std::string& error) {
    DsnView v;
    std::vector<KeyValue> pairs;
    if (input.find('=') != std::string::npos) {
        auto parsed = parse_connection_string(input, error);
        if (!parsed) return std::nullopt;
        pairs = *parsed;
        v.input = mask_secrets(input);
        if (const KeyValue* d = find_key(pairs, "DSN")) v.dsn = d->value;
        if (const KeyValue* d = find_key(pairs, "DRIVER")) v.driver = d->value;
    } else {
        v.dsn = input;
        v.input = input;
        pairs.push_back({"DSN", input});
    }
    if (!v.dsn.empty()) {
        auto section = read_dsn_any(v.dsn);
        v.exists = section.has_value();
        if (section && v.driver.empty())
            if (const KeyValue* d = find_key(*section, "Driver")) v.driver = d->value;
    }
    v.via_retry = !v.driver.empty() && is_odbc_retry_driver(v.driver);

    if (!v.via_retry) {
        // Not behind odbc-retry: the DSN itself is the "target".
        v.target_dsn = v.exists ? v.dsn : "";
        v.target_driver = v.driver;
        if (!v.driver.empty()) {
            std::string problem;
            v.target_library = resolve_driver_library(v.driver, problem);
            v.target_problem = problem;
        }
        v.family = detect_family(v.target_library + " " + v.target_driver);
        return v;
    }

    ConfigInputs in;
    in.dsn = v.exists ? v.dsn : "";
    in.connection_string = pairs;
    v.error = resolve_config(in, v.config);
    const Settings& s = v.config.settings;
    v.target_dsn = s.target_dsn;
    if (!s.target_dsn.empty()) {
        v.target_driver = dsn_driver(s.target_dsn);
        if (auto section = read_dsn_any(s.target_dsn)) v.target_section = *section;
        if (v.target_driver.empty())
            v.target_problem = "TargetDSN '" + s.target_dsn + "' is not a data source in odbc.ini";
    } else {
        v.target_driver = s.target_driver;
    }
    if (!v.target_driver.empty()) {
        std::string problem;
        v.target_library = resolve_driver_library(v.target_driver, problem);
        if (!problem.empty()) v.target_problem = problem;
    }
    // As at connect (connection.cpp): the loaded library, TargetDriver and the TargetDSN's driver.
    v.family = detect_family(v.target_library + " " + s.target_driver + " " +
                             (s.target_dsn.empty() ? std::string() : dsn_driver(s.target_dsn)));
    return v;
}

}  // namespace odbcretry::tool
