// SPDX-License-Identifier: Apache-2.0
// Names of ODBC return codes for test messages, shared by the test harnesses.
#pragma once
#include <sql.h>
#include <sqlext.h>

#include <string>

namespace ort_test {

inline std::string rc_name(SQLRETURN rc) {
    switch (rc) {
        case SQL_SUCCESS:
            return "SQL_SUCCESS";
        case SQL_SUCCESS_WITH_INFO:
            return "SQL_SUCCESS_WITH_INFO";
        case SQL_ERROR:
            return "SQL_ERROR";
        case SQL_INVALID_HANDLE:
            return "SQL_INVALID_HANDLE";
        case SQL_NO_DATA:
            return "SQL_NO_DATA";
        case SQL_NEED_DATA:
            return "SQL_NEED_DATA";
        case SQL_STILL_EXECUTING:
            return "SQL_STILL_EXECUTING";
        case SQL_PARAM_DATA_AVAILABLE:
            return "SQL_PARAM_DATA_AVAILABLE";
        default:
            return "rc=" + std::to_string(rc);
    }
}

}  // namespace ort_test
