// SPDX-License-Identifier: Apache-2.0
// Connecting, and what a connection reports about itself.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::a_text;
using odbcretry::driver::w_text;
using odbcretry::driver::with;

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLConnect(SQLHDBC dbc, SQLCHAR* dsn, SQLSMALLINT dsn_length,
                                              SQLCHAR* user, SQLSMALLINT user_length,
                                              SQLCHAR* password, SQLSMALLINT password_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.connect(a_text(dsn, dsn_length), a_text(user, user_length),
                         a_text(password, password_length));
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLConnectW(SQLHDBC dbc, SQLWCHAR* dsn, SQLSMALLINT dsn_length,
                                               SQLWCHAR* user, SQLSMALLINT user_length,
                                               SQLWCHAR* password, SQLSMALLINT password_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.connect(w_text(dsn, dsn_length), w_text(user, user_length),
                         w_text(password, password_length));
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDriverConnect(SQLHDBC dbc, SQLHWND window, SQLCHAR* in,
                                                    SQLSMALLINT in_length, SQLCHAR* out,
                                                    SQLSMALLINT capacity, SQLSMALLINT* out_length,
                                                    SQLUSMALLINT completion) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.driver_connect(window, a_text(in, in_length), OutText{out, capacity, false, false},
                                out_length, completion);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDriverConnectW(SQLHDBC dbc, SQLHWND window, SQLWCHAR* in,
                                                     SQLSMALLINT in_length, SQLWCHAR* out,
                                                     SQLSMALLINT capacity, SQLSMALLINT* out_length,
                                                     SQLUSMALLINT completion) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.driver_connect(window, w_text(in, in_length), OutText{out, capacity, true, false},
                                out_length, completion);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLBrowseConnect(SQLHDBC dbc, SQLCHAR* in, SQLSMALLINT in_length,
                                                    SQLCHAR* out, SQLSMALLINT capacity,
                                                    SQLSMALLINT* out_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.browse_connect(a_text(in, in_length), OutText{out, capacity, false, false},
                                out_length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLBrowseConnectW(SQLHDBC dbc, SQLWCHAR* in,
                                                     SQLSMALLINT in_length, SQLWCHAR* out,
                                                     SQLSMALLINT capacity,
                                                     SQLSMALLINT* out_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.browse_connect(w_text(in, in_length), OutText{out, capacity, true, false},
                                out_length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDisconnect(SQLHDBC dbc) {
    return with<Connection>(dbc, [](Connection& c) { return c.disconnect(); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetInfo(SQLHDBC dbc, SQLUSMALLINT type, SQLPOINTER value,
                                              SQLSMALLINT capacity, SQLSMALLINT* length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.get_info(type, value, capacity, length, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetInfoW(SQLHDBC dbc, SQLUSMALLINT type, SQLPOINTER value,
                                               SQLSMALLINT capacity, SQLSMALLINT* length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.get_info(type, value, capacity, length, true); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetFunctions(SQLHDBC dbc, SQLUSMALLINT function,
                                                   SQLUSMALLINT* supported) {
    return with<Connection>(dbc,
                            [&](Connection& c) { return c.get_functions(function, supported); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLNativeSql(SQLHDBC dbc, SQLCHAR* in, SQLINTEGER in_length,
                                                SQLCHAR* out, SQLINTEGER capacity,
                                                SQLINTEGER* out_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.native_sql(a_text(in, in_length), OutText{out, capacity, false, false},
                            out_length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLNativeSqlW(SQLHDBC dbc, SQLWCHAR* in, SQLINTEGER in_length,
                                                 SQLWCHAR* out, SQLINTEGER capacity,
                                                 SQLINTEGER* out_length) {
    return with<Connection>(dbc, [&](Connection& c) {
        return c.native_sql(w_text(in, in_length), OutText{out, capacity, true, false}, out_length);
    });
}
