// SPDX-License-Identifier: Apache-2.0
// The environment handle's functions.
#include <cstdint>
#include <cstring>

#include "fake_core.h"

namespace odbcfake {

SQLRETURN setEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value) {
    auto n = static_cast<SQLUINTEGER>(reinterpret_cast<uintptr_t>(value));
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            if (n != SQL_OV_ODBC2 && n != SQL_OV_ODBC3 && n != SQL_OV_ODBC3_80) {
                fail("HY024", 0, "[Fake]Invalid attribute value");
            }
            env.odbcVersion = static_cast<SQLINTEGER>(n);
            return SQL_SUCCESS;
        case SQL_ATTR_CONNECTION_POOLING:
            env.pooling = n;
            return SQL_SUCCESS;
        case SQL_ATTR_CP_MATCH:
            env.cpMatch = n;
            return SQL_SUCCESS;
        case SQL_ATTR_OUTPUT_NTS:
            if (n != SQL_TRUE) fail("HYC00", 0, "[Fake]Optional feature not implemented");
            return SQL_SUCCESS;
        default:
            fail("HY092", 0, "[Fake]Invalid attribute/option identifier");
    }
}

SQLRETURN getEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER* length) {
    SQLUINTEGER out = 0;
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            out = static_cast<SQLUINTEGER>(env.odbcVersion);
            break;
        case SQL_ATTR_CONNECTION_POOLING:
            out = env.pooling;
            break;
        case SQL_ATTR_CP_MATCH:
            out = env.cpMatch;
            break;
        case SQL_ATTR_OUTPUT_NTS:
            out = SQL_TRUE;
            break;
        default:
            fail("HY092", 0, "[Fake]Invalid attribute/option identifier");
    }
    if (value != nullptr) std::memcpy(value, &out, sizeof out);
    if (length != nullptr) *length = sizeof out;
    return SQL_SUCCESS;
}

}  // namespace odbcfake
