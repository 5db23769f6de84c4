// SPDX-License-Identifier: Apache-2.0
// Values between the fake server and the application: a cell into an application buffer, a bound
// parameter into a value, column lookup. Shared by the statement and result functions.
#pragma once

#include "fake_handles.h"

namespace odbcfake {

// Whether SQLBindCol, SQLGetData and SQLBindParameter accept this C type.
bool supportedCType(SQLSMALLINT cType);
// Converts one cell into an application buffer. offset/done carry SQLGetData's progress
// through a long text value; for a bound column they start at 0/false every row.
SQLRETURN putValue(Diag& diag, const Value& v, const Column& column, SQLSMALLINT cType,
                   SQLPOINTER buffer, SQLLEN capacity, SQLLEN* indicator, size_t& offset,
                   bool& done);
// The value of bound parameter `number` (1-based, for messages).
Value parameterValue(const BoundParameter& p, int number);
// Column `column` (1-based) of the statement's result; 07009 when there is none.
const Column& columnAt(Stmt& s, SQLUSMALLINT column);
// SQL_DESC_TYPE_NAME of a column type.
const char* typeName(SQLSMALLINT type);

}  // namespace odbcfake
