// SPDX-License-Identifier: Apache-2.0
// What the benchmarks print when an ODBC call fails: the first records of a handle, one line.
#pragma once
#include <sql.h>
#include <sqlext.h>

#include <string>

namespace odbc_retry_bench {

inline std::string diagnostics(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT records = 5) {
    std::string out;
    SQLCHAR state[6];
    SQLCHAR message[1024];
    SQLINTEGER native = 0;
    SQLSMALLINT length = 0;
    for (SQLSMALLINT rec = 1; rec <= records; ++rec) {
        SQLRETURN rc =
            SQLGetDiagRec(type, handle, rec, state, &native, message, sizeof message, &length);
        if (!SQL_SUCCEEDED(rc)) break;
        out += out.empty() ? "" : "; ";
        out += reinterpret_cast<char*>(state);
        out += ": ";
        out += reinterpret_cast<char*>(message);
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
    return out.empty() ? "no diagnostic record" : out;
}

}  // namespace odbc_retry_bench
