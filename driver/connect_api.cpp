// SPDX-License-Identifier: Apache-2.0
// Connecting, and what a connection reports about itself.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::in_text;
using odbcretry::driver::with;

// clang-format off
#define CONNECT(NAME, CHAR, WIDE)                                                                \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDBC dbc, CHAR* dsn, SQLSMALLINT dsn_length,     \
                                            CHAR* user, SQLSMALLINT user_length, CHAR* password, \
                                            SQLSMALLINT password_length) {                       \
        return with<Connection>(dbc, [&](Connection& c) {                                        \
            return c.connect(in_text(dsn, dsn_length), in_text(user, user_length),               \
                             in_text(password, password_length));                                \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(CONNECT, SQLConnect)
// clang-format on

// clang-format off
#define DRIVER_CONNECT(NAME, CHAR, WIDE)                                                         \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDBC dbc, SQLHWND window, CHAR* in,              \
                                            SQLSMALLINT in_length, CHAR* out,                    \
                                            SQLSMALLINT capacity, SQLSMALLINT* out_length,       \
                                            SQLUSMALLINT completion) {                           \
        return with<Connection>(dbc, [&](Connection& c) {                                        \
            return c.driver_connect(window, in_text(in, in_length), OutText::chars(out, capacity), \
                                    out_length, completion);                                     \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(DRIVER_CONNECT, SQLDriverConnect)
// clang-format on

// clang-format off
#define BROWSE_CONNECT(NAME, CHAR, WIDE)                                                         \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDBC dbc, CHAR* in, SQLSMALLINT in_length,       \
                                            CHAR* out, SQLSMALLINT capacity,                     \
                                            SQLSMALLINT* out_length) {                           \
        return with<Connection>(dbc, [&](Connection& c) {                                        \
            return c.browse_connect(in_text(in, in_length), OutText::chars(out, capacity),       \
                                    out_length);                                                 \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(BROWSE_CONNECT, SQLBrowseConnect)
// clang-format on

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDisconnect(SQLHDBC dbc) {
    return with<Connection>(dbc, [](Connection& c) { return c.disconnect(); });
}

// clang-format off
#define GET_INFO(NAME, CHAR, WIDE)                                                               \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDBC dbc, SQLUSMALLINT type, SQLPOINTER value,   \
                                            SQLSMALLINT capacity, SQLSMALLINT* length) {         \
        return with<Connection>(                                                                 \
            dbc, [&](Connection& c) { return c.get_info(type, value, capacity, length, WIDE); }); \
    }
ODBCRETRY_A_AND_W(GET_INFO, SQLGetInfo)
// clang-format on

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetFunctions(SQLHDBC dbc, SQLUSMALLINT function,
                                                   SQLUSMALLINT* supported) {
    return with<Connection>(dbc,
                            [&](Connection& c) { return c.get_functions(function, supported); });
}

// clang-format off
#define NATIVE_SQL(NAME, CHAR, WIDE)                                                             \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLHDBC dbc, CHAR* in, SQLINTEGER in_length,        \
                                            CHAR* out, SQLINTEGER capacity,                      \
                                            SQLINTEGER* out_length) {                            \
        return with<Connection>(dbc, [&](Connection& c) {                                        \
            return c.native_sql(in_text(in, in_length), OutText::chars(out, capacity),           \
                                out_length);                                                     \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(NATIVE_SQL, SQLNativeSql)
// clang-format on
