// SPDX-License-Identifier: Apache-2.0
// A statement's result: columns and their metadata, binding, fetching, SQLGetData, row counts.
#include "fake_core.h"
#include "fake_fate.h"
#include "fake_values.h"

namespace odbcfake {

using Point = LoseSpec::Point;

SQLRETURN numResultCols(Stmt& s, SQLSMALLINT* count) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (count != nullptr) *count = static_cast<SQLSMALLINT>(s.columns.size());
    return SQL_SUCCESS;
}

SQLRETURN describeCol(Stmt& s, SQLUSMALLINT column, void* name, SQLSMALLINT capacity,
                      SQLSMALLINT* nameLength, SQLSMALLINT* type, SQLULEN* size,
                      SQLSMALLINT* digits, SQLSMALLINT* nullable, bool wide) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    const Column& col = columnAt(s, column);
    if (type != nullptr) *type = col.type;
    if (size != nullptr) *size = col.size;
    if (digits != nullptr) *digits = 0;
    if (nullable != nullptr) *nullable = col.nullable;
    return putText<SQLSMALLINT>(s.diag, col.name, name, capacity, nameLength, wide, false);
}

SQLRETURN colAttribute(Stmt& s, SQLUSMALLINT column, SQLUSMALLINT field, void* text,
                       SQLSMALLINT capacity, SQLSMALLINT* length, SQLLEN* number, bool wide) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    Dbc& c = *s.dbc;
    const FaultConfig& f = c.faults;
    if (f.loseAt && f.loseAt->point == Point::Describe && f.matches(s.sql)) {
        // Like psqlODBC looking up a column's table: the call asks the server.
        requireServer(c);
        if (loseHere(c, Point::Describe, ++c.describes)) dropConnection(c);
    }
    auto setNumber = [&](SQLLEN n) {
        if (number != nullptr) *number = n;
        return SQL_SUCCESS;
    };
    auto setText = [&](const std::string& t) {
        return putText<SQLSMALLINT>(s.diag, t, text, capacity, length, wide, true);
    };
    if (field == SQL_DESC_COUNT || field == SQL_COLUMN_COUNT) {
        return setNumber(static_cast<SQLLEN>(s.columns.size()));
    }
    const Column& col = columnAt(s, column);
    bool isText = col.type == SQL_VARCHAR;
    SQLLEN precision = col.type == SQL_BIGINT ? 19 : col.type == SQL_INTEGER ? 10 : col.size;
    switch (field) {
        case SQL_DESC_NAME:
        case SQL_COLUMN_NAME:
        case SQL_DESC_LABEL:
        case SQL_DESC_BASE_COLUMN_NAME:
            return setText(col.name);
        case SQL_DESC_TYPE_NAME:
            return setText(typeName(col.type));
        case SQL_DESC_LITERAL_PREFIX:
        case SQL_DESC_LITERAL_SUFFIX:
            return setText(isText ? "'" : "");
        case SQL_DESC_TABLE_NAME:
        case SQL_DESC_BASE_TABLE_NAME:
        case SQL_DESC_SCHEMA_NAME:
        case SQL_DESC_CATALOG_NAME:
        case SQL_DESC_LOCAL_TYPE_NAME:
            return setText("");
        case SQL_DESC_TYPE:
        case SQL_DESC_CONCISE_TYPE:
            return setNumber(col.type);
        case SQL_DESC_LENGTH:
        case SQL_COLUMN_LENGTH:
        case SQL_DESC_PRECISION:
        case SQL_COLUMN_PRECISION:
            return setNumber(precision);
        case SQL_DESC_OCTET_LENGTH:
            return setNumber(col.type == SQL_BIGINT ? 8 : col.type == SQL_INTEGER ? 4 : col.size);
        case SQL_DESC_DISPLAY_SIZE:
            return setNumber(isText ? col.size : precision + 1);
        case SQL_DESC_SCALE:
        case SQL_COLUMN_SCALE:
            return setNumber(0);
        case SQL_DESC_NULLABLE:
        case SQL_COLUMN_NULLABLE:
            return setNumber(col.nullable);
        case SQL_DESC_UNSIGNED:
            return setNumber(isText ? SQL_TRUE : SQL_FALSE);
        case SQL_DESC_CASE_SENSITIVE:
            return setNumber(isText ? SQL_TRUE : SQL_FALSE);
        case SQL_DESC_NUM_PREC_RADIX:
            return setNumber(isText ? 0 : 10);
        case SQL_DESC_FIXED_PREC_SCALE:
        case SQL_DESC_AUTO_UNIQUE_VALUE:
            return setNumber(SQL_FALSE);
        case SQL_DESC_SEARCHABLE:
            return setNumber(SQL_PRED_SEARCHABLE);
        case SQL_DESC_UPDATABLE:
            return setNumber(SQL_ATTR_READONLY);
        case SQL_DESC_UNNAMED:
            return setNumber(SQL_NAMED);
        default:
            fail("HY091", 0, "[Fake]Invalid descriptor field identifier " + std::to_string(field));
    }
}

SQLRETURN bindCol(Stmt& s, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator) {
    if (column == 0) fail("07009", 0, "[Fake]Bookmarks are not supported");
    if (buffer == nullptr && indicator == nullptr) {
        s.boundColumns.erase(column);
        return SQL_SUCCESS;
    }
    if (!supportedCType(cType)) {
        fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    if (capacity < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
    s.boundColumns[column] = BoundColumn{cType, buffer, capacity, indicator};
    return SQL_SUCCESS;
}

SQLRETURN fetch(Stmt& s, Call& call) {
    Dbc& c = *s.dbc;
    requireServer(c);
    if (!s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    long row = static_cast<long>(s.rowsDelivered) + 1;
    call.arg("row", row);
    const FaultConfig& f = c.faults;
    if (f.loseAt && f.loseAt->point == Point::Fetch && f.loseAt->row == row && f.matches(s.sql) &&
        loseHere(c, Point::Fetch, ++c.fetchHits)) {
        dropConnection(c);
    }
    s.getDataColumn = 0;
    if (s.rowsDelivered >= s.result->rows.size()) {
        s.onRow = false;
        if (s.rowsFetchedPtr != nullptr) *s.rowsFetchedPtr = 0;
        return SQL_NO_DATA;
    }
    const std::vector<Value>& values = s.result->rows[s.rowsDelivered++];
    s.onRow = true;
    SQLRETURN rc = SQL_SUCCESS;
    for (const auto& [number, bound] : s.boundColumns) {
        const Column& col = columnAt(s, number);
        size_t offset = 0;
        bool done = false;
        if (putValue(s.diag, values[number - 1], col, bound.cType, bound.buffer, bound.capacity,
                     bound.indicator, offset, done) == SQL_SUCCESS_WITH_INFO) {
            rc = SQL_SUCCESS_WITH_INFO;
        }
    }
    if (s.rowsFetchedPtr != nullptr) *s.rowsFetchedPtr = 1;
    if (s.rowStatusPtr != nullptr) {
        *s.rowStatusPtr = rc == SQL_SUCCESS ? SQL_ROW_SUCCESS : SQL_ROW_SUCCESS_WITH_INFO;
    }
    return rc;
}

SQLRETURN getData(Stmt& s, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator) {
    if (!s.cursorOpen || !s.onRow) fail("24000", 0, "[Fake]Invalid cursor state");
    const Column& col = columnAt(s, column);
    if (!supportedCType(cType)) {
        fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    if (column != s.getDataColumn) {
        s.getDataColumn = column;
        s.getDataOffset = 0;
        s.getDataDone = false;
    }
    const Value& v = s.result->rows[s.rowsDelivered - 1][column - 1];
    return putValue(s.diag, v, col, cType, buffer, capacity, indicator, s.getDataOffset,
                    s.getDataDone);
}

SQLRETURN rowCount(Stmt& s, SQLLEN* count) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (count != nullptr) *count = s.rowCount;
    return SQL_SUCCESS;
}

SQLRETURN moreResults(Stmt& s) {
    // Every statement has at most one result set.
    s.closeCursor();
    return SQL_NO_DATA;
}

SQLRETURN closeCursor(Stmt& s, bool strict) {
    if (strict && !s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    s.closeCursor();
    return SQL_SUCCESS;
}

}  // namespace odbcfake
