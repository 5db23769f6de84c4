// SPDX-License-Identifier: Apache-2.0
// Handles, attributes and transactions.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::cancelling;
using odbcretry::driver::freeing;
using odbcretry::driver::with;

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLAllocHandle(SQLSMALLINT type, SQLHANDLE input,
                                                  SQLHANDLE* output) {
    switch (type) {
        case SQL_HANDLE_ENV: {
            if (!output) return SQL_ERROR;
            try {
                *output = (new Env())->handle();
                return SQL_SUCCESS;
            } catch (...) {
                *output = SQL_NULL_HENV;
                return SQL_ERROR;
            }
        }
        case SQL_HANDLE_DBC:
            return with<Env>(input, [&](Env& e) { return e.alloc_connection(output); });
        case SQL_HANDLE_STMT:
            return with<Connection>(input,
                                    [&](Connection& c) { return c.alloc_statement(output); });
        case SQL_HANDLE_DESC:
            return with<Connection>(input,
                                    [&](Connection& c) { return c.alloc_descriptor(output); });
        default:
            return SQL_INVALID_HANDLE;
    }
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLFreeHandle(SQLSMALLINT type, SQLHANDLE handle) {
    switch (type) {
        case SQL_HANDLE_ENV:
            return freeing<Env>(handle, [](Env& e) { return e.free_handle(); });
        case SQL_HANDLE_DBC:
            return freeing<Connection>(handle, [](Connection& c) { return c.free_handle(); });
        case SQL_HANDLE_STMT:
            return freeing<Statement>(handle, [](Statement& s) { return s.free_handle(); });
        case SQL_HANDLE_DESC:
            return freeing<Descriptor>(handle, [](Descriptor& d) { return d.free_handle(); });
        default:
            return SQL_INVALID_HANDLE;
    }
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT stmt, SQLUSMALLINT option) {
    auto free_stmt = [&](Statement& s) { return s.free_stmt(option); };
    // SQL_DROP frees the statement.
    if (option == SQL_DROP) return freeing<Statement>(stmt, free_stmt);
    return with<Statement>(stmt, free_stmt);
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetEnvAttr(SQLHENV env, SQLINTEGER attribute,
                                                 SQLPOINTER value, SQLINTEGER length) {
    return with<Env>(env, [&](Env& e) { return e.set_attr(attribute, value, length); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetEnvAttr(SQLHENV env, SQLINTEGER attribute,
                                                 SQLPOINTER value, SQLINTEGER capacity,
                                                 SQLINTEGER* length) {
    return with<Env>(env, [&](Env& e) { return e.get_attr(attribute, value, capacity, length); });
}

// Connection and statement attributes, each written once and defined in its A form and its W
// form (whose text values are UTF-16).
// clang-format off
#define SET_ATTR(NAME, HANDLE, OBJECT, WIDE)                                                     \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(HANDLE handle, SQLINTEGER attribute, SQLPOINTER value, \
                                            SQLINTEGER length) {                                \
        return with<OBJECT>(                                                                     \
            handle, [&](OBJECT& o) { return o.set_attr(attribute, value, length, WIDE); });      \
    }
#define GET_ATTR(NAME, HANDLE, OBJECT, WIDE)                                                     \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(HANDLE handle, SQLINTEGER attribute, SQLPOINTER value, \
                                            SQLINTEGER capacity, SQLINTEGER* length) {          \
        return with<OBJECT>(handle, [&](OBJECT& o) {                                             \
            return o.get_attr(attribute, value, capacity, length, WIDE);                         \
        });                                                                                      \
    }
#define A_AND_W(DEFINE, NAME, HANDLE, OBJECT) \
    DEFINE(NAME, HANDLE, OBJECT, false) DEFINE(NAME##W, HANDLE, OBJECT, true)

A_AND_W(SET_ATTR, SQLSetConnectAttr, SQLHDBC, Connection)
A_AND_W(GET_ATTR, SQLGetConnectAttr, SQLHDBC, Connection)
A_AND_W(SET_ATTR, SQLSetStmtAttr, SQLHSTMT, Statement)
A_AND_W(GET_ATTR, SQLGetStmtAttr, SQLHSTMT, Statement)
// clang-format on

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLEndTran(SQLSMALLINT type, SQLHANDLE handle,
                                              SQLSMALLINT completion) {
    if (type == SQL_HANDLE_ENV)
        return with<Env>(handle, [&](Env& e) { return e.end_tran(completion); });
    if (type == SQL_HANDLE_DBC)
        return with<Connection>(handle, [&](Connection& c) { return c.end_tran(completion); });
    return SQL_INVALID_HANDLE;
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCancel(SQLHSTMT stmt) {
    return cancelling<Statement>(stmt, [](Statement& s) { return s.cancel(); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCancelHandle(SQLSMALLINT type, SQLHANDLE handle) {
    if (type == SQL_HANDLE_STMT)
        return cancelling<Statement>(handle, [](Statement& s) { return s.cancel(); });
    if (type == SQL_HANDLE_DBC)
        return cancelling<Connection>(handle, [](Connection& c) { return c.cancel_handle(); });
    return SQL_INVALID_HANDLE;
}
