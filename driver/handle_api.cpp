// SPDX-License-Identifier: Apache-2.0
// Handles, attributes and transactions.
#include "driver/gateway.h"

using namespace odbcretry;
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
            return with<Env>(
                handle, [](Env& e) { return e.free_handle(); }, true, false);
        case SQL_HANDLE_DBC:
            return with<Connection>(
                handle, [](Connection& c) { return c.free_handle(); }, true, false);
        case SQL_HANDLE_STMT:
            return with<Statement>(
                handle, [](Statement& s) { return s.free_handle(); }, true, false);
        case SQL_HANDLE_DESC:
            return with<Descriptor>(
                handle, [](Descriptor& d) { return d.free_handle(); }, true, false);
        default:
            return SQL_INVALID_HANDLE;
    }
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT stmt, SQLUSMALLINT option) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.free_stmt(option); }, true, option != SQL_DROP);
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

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetConnectAttr(SQLHDBC dbc, SQLINTEGER attribute,
                                                     SQLPOINTER value, SQLINTEGER length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.set_attr(attribute, value, length, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetConnectAttrW(SQLHDBC dbc, SQLINTEGER attribute,
                                                      SQLPOINTER value, SQLINTEGER length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.set_attr(attribute, value, length, true); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetConnectAttr(SQLHDBC dbc, SQLINTEGER attribute,
                                                     SQLPOINTER value, SQLINTEGER capacity,
                                                     SQLINTEGER* length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.get_attr(attribute, value, capacity, length, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetConnectAttrW(SQLHDBC dbc, SQLINTEGER attribute,
                                                      SQLPOINTER value, SQLINTEGER capacity,
                                                      SQLINTEGER* length) {
    return with<Connection>(
        dbc, [&](Connection& c) { return c.get_attr(attribute, value, capacity, length, true); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetStmtAttr(SQLHSTMT stmt, SQLINTEGER attribute,
                                                  SQLPOINTER value, SQLINTEGER length) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.set_attr(attribute, value, length, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetStmtAttrW(SQLHSTMT stmt, SQLINTEGER attribute,
                                                   SQLPOINTER value, SQLINTEGER length) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.set_attr(attribute, value, length, true); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetStmtAttr(SQLHSTMT stmt, SQLINTEGER attribute,
                                                  SQLPOINTER value, SQLINTEGER capacity,
                                                  SQLINTEGER* length) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.get_attr(attribute, value, capacity, length, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetStmtAttrW(SQLHSTMT stmt, SQLINTEGER attribute,
                                                   SQLPOINTER value, SQLINTEGER capacity,
                                                   SQLINTEGER* length) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.get_attr(attribute, value, capacity, length, true); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLEndTran(SQLSMALLINT type, SQLHANDLE handle,
                                              SQLSMALLINT completion) {
    if (type == SQL_HANDLE_ENV)
        return with<Env>(handle, [&](Env& e) { return e.end_tran(completion); });
    if (type == SQL_HANDLE_DBC)
        return with<Connection>(handle, [&](Connection& c) { return c.end_tran(completion); });
    return SQL_INVALID_HANDLE;
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCancel(SQLHSTMT stmt) {
    return with<Statement>(
        stmt, [](Statement& s) { return s.cancel(); }, false);
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCancelHandle(SQLSMALLINT type, SQLHANDLE handle) {
    if (type == SQL_HANDLE_STMT)
        return with<Statement>(
            handle, [](Statement& s) { return s.cancel(); }, false);
    if (type == SQL_HANDLE_DBC)
        return with<Connection>(
            handle, [](Connection& c) { return c.cancel_handle(); }, false);
    return SQL_INVALID_HANDLE;
}
