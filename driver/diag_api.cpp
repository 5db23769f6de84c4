// SPDX-License-Identifier: Apache-2.0
// Diagnostics: the target's records first, then odbc-retry's own.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::any_handle;

namespace {

template <class Body>
SQLRETURN on_any(SQLSMALLINT type, SQLHANDLE handle, Body&& body) noexcept {
    HandleBase* h = any_handle(type, handle);
    if (!h) return SQL_INVALID_HANDLE;
    try {
        return body(*h);
    } catch (...) {
        return SQL_ERROR;  // reading diagnostics must not post new ones
    }
}

// SQLError names up to three handles; the most specific one that is given is used.
HandleBase* error_handle(SQLHENV env, SQLHDBC dbc, SQLHSTMT stmt) {
    if (stmt) return Statement::from(stmt);
    if (dbc) return Connection::from(dbc);
    if (env) return Env::from(env);
    return nullptr;
}

}  // namespace

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetDiagRec(SQLSMALLINT type, SQLHANDLE handle,
                                                 SQLSMALLINT rec, SQLCHAR* state,
                                                 SQLINTEGER* native, SQLCHAR* message,
                                                 SQLSMALLINT capacity, SQLSMALLINT* length) {
    return on_any(type, handle, [&](HandleBase& h) {
        return h.diag().get_rec(h.diag_source(), rec, false, state, native, message, capacity,
                                length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetDiagRecW(SQLSMALLINT type, SQLHANDLE handle,
                                                  SQLSMALLINT rec, SQLWCHAR* state,
                                                  SQLINTEGER* native, SQLWCHAR* message,
                                                  SQLSMALLINT capacity, SQLSMALLINT* length) {
    return on_any(type, handle, [&](HandleBase& h) {
        return h.diag().get_rec(h.diag_source(), rec, true, reinterpret_cast<SQLCHAR*>(state),
                                native, message, capacity, length);
    });
}

// clang-format off
#define GET_DIAG_FIELD(NAME, CHAR, WIDE)                                                         \
    ODBCRETRY_EXPORT SQLRETURN SQL_API NAME(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT rec, \
                                            SQLSMALLINT field, SQLPOINTER value,                 \
                                            SQLSMALLINT capacity, SQLSMALLINT* length) {         \
        return on_any(type, handle, [&](HandleBase& h) {                                         \
            return h.diag().get_field(h.diag_source(), rec, field, WIDE, value, capacity, length, \
                                      h.last_return());                                          \
        });                                                                                      \
    }
ODBCRETRY_A_AND_W(GET_DIAG_FIELD, SQLGetDiagField)
// clang-format on

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLError(SQLHENV env, SQLHDBC dbc, SQLHSTMT stmt, SQLCHAR* state,
                                            SQLINTEGER* native, SQLCHAR* message,
                                            SQLSMALLINT capacity, SQLSMALLINT* length) {
    HandleBase* h = error_handle(env, dbc, stmt);
    if (!h) return SQL_INVALID_HANDLE;
    return on_any(h->odbc_type(), h->handle(), [&](HandleBase& x) {
        return x.diag().next_error(x.diag_source(), false, state, native, message, capacity,
                                   length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLErrorW(SQLHENV env, SQLHDBC dbc, SQLHSTMT stmt,
                                             SQLWCHAR* state, SQLINTEGER* native, SQLWCHAR* message,
                                             SQLSMALLINT capacity, SQLSMALLINT* length) {
    HandleBase* h = error_handle(env, dbc, stmt);
    if (!h) return SQL_INVALID_HANDLE;
    return on_any(h->odbc_type(), h->handle(), [&](HandleBase& x) {
        return x.diag().next_error(x.diag_source(), true, reinterpret_cast<SQLCHAR*>(state), native,
                                   message, capacity, length);
    });
}
