// SPDX-License-Identifier: Apache-2.0
// Diagnostics of any handle: posting a warning, SQLGetDiagRec, SQLGetDiagField, SQLError.
#include <cstring>

#include "fake_core.h"

namespace odbcfake {

SQLRETURN warn(Diag& diag, const char* sqlstate, const std::string& message) {
    diag.add(ErrorRecord{sqlstate, 0, message});
    return SQL_SUCCESS_WITH_INFO;
}

// ---- diagnostics -----------------------------------------------------------------------
// These never throw: a diagnostic function posts no diagnostics of its own.

SQLRETURN getDiagRec(Handle& h, SQLSMALLINT record, void* state, SQLINTEGER* native, void* message,
                     SQLSMALLINT capacity, SQLSMALLINT* length, bool wide) {
    if (record < 1 || capacity < 0) return SQL_ERROR;
    if (static_cast<size_t>(record) > h.diag.records.size()) return SQL_NO_DATA;
    const ErrorRecord& r = h.diag.records[static_cast<size_t>(record - 1)];
    if (state != nullptr) copyText(r.sqlstate, state, 6, wide, false);
    if (native != nullptr) *native = static_cast<SQLINTEGER>(r.native);
    CopyResult c = copyText(r.message, message, capacity, wide, false);
    if (length != nullptr) *length = static_cast<SQLSMALLINT>(c.length);
    return c.truncated && message != nullptr ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN getDiagField(Handle& h, SQLSMALLINT record, SQLSMALLINT field, SQLPOINTER value,
                       SQLSMALLINT capacity, SQLSMALLINT* length, bool wide) {
    auto put = [&](auto n) {
        if (value != nullptr) std::memcpy(value, &n, sizeof n);
        if (length != nullptr) *length = sizeof n;
        return SQL_SUCCESS;
    };
    auto text = [&](const std::string& t) -> SQLRETURN {
        if (capacity < 0) return SQL_ERROR;
        CopyResult c = copyText(t, value, capacity, wide, true);
        if (length != nullptr) *length = static_cast<SQLSMALLINT>(c.length);
        return c.truncated && value != nullptr ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
    };
    // Header fields.
    switch (field) {
        case SQL_DIAG_NUMBER:
            return put(static_cast<SQLINTEGER>(h.diag.records.size()));
        case SQL_DIAG_RETURNCODE:
            return put(static_cast<SQLRETURN>(h.diag.returnCode));
        case SQL_DIAG_ROW_COUNT:
        case SQL_DIAG_CURSOR_ROW_COUNT: {
            if (h.kind != Kind::Stmt) return SQL_ERROR;
            return put(static_cast<SQLLEN>(static_cast<Stmt&>(h).rowCount));
        }
        case SQL_DIAG_DYNAMIC_FUNCTION:
            return text("");
        case SQL_DIAG_DYNAMIC_FUNCTION_CODE:
            return put(static_cast<SQLINTEGER>(SQL_DIAG_UNKNOWN_STATEMENT));
        default:
            break;
    }
    if (record < 1) return SQL_ERROR;
    if (static_cast<size_t>(record) > h.diag.records.size()) return SQL_NO_DATA;
    const ErrorRecord& r = h.diag.records[static_cast<size_t>(record - 1)];
    switch (field) {
        case SQL_DIAG_SQLSTATE:
            return text(r.sqlstate);
        case SQL_DIAG_NATIVE:
            return put(static_cast<SQLINTEGER>(r.native));
        case SQL_DIAG_MESSAGE_TEXT:
            return text(r.message);
        case SQL_DIAG_CLASS_ORIGIN:
            return text(r.sqlstate.rfind("IM", 0) == 0 ? "ODBC 3.0" : "ISO 9075");
        case SQL_DIAG_SUBCLASS_ORIGIN:
            return text(r.sqlstate.size() == 5 && r.sqlstate.substr(2) == "000" ? "ISO 9075"
                                                                                : "ODBC 3.0");
        case SQL_DIAG_CONNECTION_NAME:
            return text("");
        case SQL_DIAG_SERVER_NAME: {
            Dbc* dbc = h.kind == Kind::Dbc    ? &static_cast<Dbc&>(h)
                       : h.kind == Kind::Stmt ? static_cast<Stmt&>(h).dbc
                                              : nullptr;
            return text(dbc != nullptr ? dbc->dataSource : "");
        }
        case SQL_DIAG_COLUMN_NUMBER:
            return put(static_cast<SQLINTEGER>(SQL_COLUMN_NUMBER_UNKNOWN));
        case SQL_DIAG_ROW_NUMBER:
            return put(static_cast<SQLLEN>(SQL_ROW_NUMBER_UNKNOWN));
        default:
            return SQL_ERROR;
    }
}

SQLRETURN sqlError(Handle& h, void* state, SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                   SQLSMALLINT* length, bool wide) {
    if (h.diag.nextForSqlError >= h.diag.records.size()) return SQL_NO_DATA;
    auto record = static_cast<SQLSMALLINT>(++h.diag.nextForSqlError);
    return getDiagRec(h, record, state, native, message, capacity, length, wide);
}

}  // namespace odbcfake
