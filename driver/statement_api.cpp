// SPDX-License-Identifier: Apache-2.0
// Preparing, executing, parameters and results.
#include "driver/gateway.h"

using namespace odbcretry;
using odbcretry::driver::in_text;
using odbcretry::driver::with;

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLPrepare(SQLHSTMT stmt, SQLCHAR* text, SQLINTEGER length) {
    return with<Statement>(stmt, [&](Statement& s) { return s.prepare(in_text(text, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLPrepareW(SQLHSTMT stmt, SQLWCHAR* text, SQLINTEGER length) {
    return with<Statement>(stmt, [&](Statement& s) { return s.prepare(in_text(text, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLExecDirect(SQLHSTMT stmt, SQLCHAR* text, SQLINTEGER length) {
    return with<Statement>(stmt,
                           [&](Statement& s) { return s.exec_direct(in_text(text, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLExecDirectW(SQLHSTMT stmt, SQLWCHAR* text,
                                                  SQLINTEGER length) {
    return with<Statement>(stmt,
                           [&](Statement& s) { return s.exec_direct(in_text(text, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLExecute(SQLHSTMT stmt) {
    return with<Statement>(stmt, [](Statement& s) { return s.execute(); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLBindParameter(SQLHSTMT stmt, SQLUSMALLINT number,
                                                    SQLSMALLINT io_type, SQLSMALLINT c_type,
                                                    SQLSMALLINT sql_type, SQLULEN size,
                                                    SQLSMALLINT digits, SQLPOINTER value,
                                                    SQLLEN capacity, SQLLEN* indicator) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.bind_parameter(number, io_type, c_type, sql_type, size, digits, value, capacity,
                                indicator);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDescribeParam(SQLHSTMT stmt, SQLUSMALLINT number,
                                                    SQLSMALLINT* type, SQLULEN* size,
                                                    SQLSMALLINT* digits, SQLSMALLINT* nullable) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.forward<&TargetApi::SQLDescribeParam>(Op::Describe, number, type, size, digits,
                                                       nullable);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLNumParams(SQLHSTMT stmt, SQLSMALLINT* count) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.forward<&TargetApi::SQLNumParams>(Op::Describe, count);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLParamData(SQLHSTMT stmt, SQLPOINTER* value) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.forward<&TargetApi::SQLParamData>(Op::ParamData, value);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLPutData(SQLHSTMT stmt, SQLPOINTER data, SQLLEN length) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.forward<&TargetApi::SQLPutData>(Op::PutData, data, length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLNumResultCols(SQLHSTMT stmt, SQLSMALLINT* count) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.forward<&TargetApi::SQLNumResultCols>(Op::Describe, count);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDescribeCol(SQLHSTMT stmt, SQLUSMALLINT column, SQLCHAR* name,
                                                  SQLSMALLINT capacity, SQLSMALLINT* name_length,
                                                  SQLSMALLINT* type, SQLULEN* size,
                                                  SQLSMALLINT* digits, SQLSMALLINT* nullable) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.describe_col(column, OutText::chars(name, capacity), name_length, type, size,
                              digits, nullable);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLDescribeColW(SQLHSTMT stmt, SQLUSMALLINT column,
                                                   SQLWCHAR* name, SQLSMALLINT capacity,
                                                   SQLSMALLINT* name_length, SQLSMALLINT* type,
                                                   SQLULEN* size, SQLSMALLINT* digits,
                                                   SQLSMALLINT* nullable) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.describe_col(column, OutText::chars(name, capacity), name_length, type, size,
                              digits, nullable);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColAttribute(SQLHSTMT stmt, SQLUSMALLINT column,
                                                   SQLUSMALLINT field, SQLPOINTER text,
                                                   SQLSMALLINT capacity, SQLSMALLINT* length,
                                                   SQLLEN* numeric) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.col_attribute(column, field, OutText::narrow_bytes(text, capacity), length,
                               numeric);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLColAttributeW(SQLHSTMT stmt, SQLUSMALLINT column,
                                                    SQLUSMALLINT field, SQLPOINTER text,
                                                    SQLSMALLINT capacity, SQLSMALLINT* length,
                                                    SQLLEN* numeric) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.col_attribute(column, field, OutText::wide_bytes(text, capacity), length, numeric);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLBindCol(SQLHSTMT stmt, SQLUSMALLINT column,
                                              SQLSMALLINT c_type, SQLPOINTER value, SQLLEN capacity,
                                              SQLLEN* indicator) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.bind_col(column, c_type, value, capacity, indicator); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLFetch(SQLHSTMT stmt) {
    return with<Statement>(stmt, [](Statement& s) { return s.fetch<&TargetApi::SQLFetch>(); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLFetchScroll(SQLHSTMT stmt, SQLSMALLINT orientation,
                                                  SQLLEN offset) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.fetch<&TargetApi::SQLFetchScroll>(orientation, offset);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLExtendedFetch(SQLHSTMT stmt, SQLUSMALLINT orientation,
                                                    SQLLEN offset, SQLULEN* row_count,
                                                    SQLUSMALLINT* row_status) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.fetch<&TargetApi::SQLExtendedFetch>(orientation, offset, row_count, row_status);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetData(SQLHSTMT stmt, SQLUSMALLINT column,
                                              SQLSMALLINT c_type, SQLPOINTER value, SQLLEN capacity,
                                              SQLLEN* indicator) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.get_data(column, c_type, value, capacity, indicator); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetPos(SQLHSTMT stmt, SQLSETPOSIROW row,
                                             SQLUSMALLINT operation, SQLUSMALLINT lock) {
    return with<Statement>(stmt, [&](Statement& s) { return s.set_pos(row, operation, lock); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLBulkOperations(SQLHSTMT stmt, SQLSMALLINT operation) {
    return with<Statement>(stmt, [&](Statement& s) { return s.bulk_operations(operation); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLMoreResults(SQLHSTMT stmt) {
    return with<Statement>(
        stmt, [](Statement& s) { return s.forward<&TargetApi::SQLMoreResults>(Op::MoreResults); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLRowCount(SQLHSTMT stmt, SQLLEN* count) {
    return with<Statement>(
        stmt, [&](Statement& s) { return s.forward<&TargetApi::SQLRowCount>(Op::Other, count); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLCloseCursor(SQLHSTMT stmt) {
    return with<Statement>(stmt, [](Statement& s) { return s.close_cursor(); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetCursorName(SQLHSTMT stmt, SQLCHAR* name,
                                                    SQLSMALLINT capacity, SQLSMALLINT* length) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.get_cursor_name(OutText::chars(name, capacity), length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetCursorNameW(SQLHSTMT stmt, SQLWCHAR* name,
                                                     SQLSMALLINT capacity, SQLSMALLINT* length) {
    return with<Statement>(stmt, [&](Statement& s) {
        return s.get_cursor_name(OutText::chars(name, capacity), length);
    });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetCursorName(SQLHSTMT stmt, SQLCHAR* name,
                                                    SQLSMALLINT length) {
    return with<Statement>(stmt,
                           [&](Statement& s) { return s.set_cursor_name(in_text(name, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLSetCursorNameW(SQLHSTMT stmt, SQLWCHAR* name,
                                                     SQLSMALLINT length) {
    return with<Statement>(stmt,
                           [&](Statement& s) { return s.set_cursor_name(in_text(name, length)); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetTypeInfo(SQLHSTMT stmt, SQLSMALLINT type) {
    return with<Statement>(stmt, [&](Statement& s) { return s.get_type_info(type, false); });
}

ODBCRETRY_EXPORT SQLRETURN SQL_API SQLGetTypeInfoW(SQLHSTMT stmt, SQLSMALLINT type) {
    return with<Statement>(stmt, [&](Statement& s) { return s.get_type_info(type, true); });
}
