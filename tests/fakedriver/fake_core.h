// SPDX-License-Identifier: Apache-2.0
// The fake driver's behaviour, one function per ODBC operation. Entry points in fake_api.cpp
// validate and lock the handle, convert W text to UTF-8 and call these; they throw SqlError for
// a failure and return SQL_SUCCESS, SQL_SUCCESS_WITH_INFO or SQL_NO_DATA otherwise. They are
// defined by handle kind in the files named at each group below; fake_fate.h (lost connections,
// deadlocks, server time) and fake_values.h (cells and parameters) hold what those files share.
#pragma once

#include <string>

#include "fake_handles.h"

namespace odbcfake {

// Arguments worth showing in the event log line of the current call.
struct Call {
    std::string args;
    bool unlogged = false;  // the call wrote its own log line
    void arg(std::string_view key, std::string_view value) {
        args += " ";
        args += key;
        args += "=";
        args += value;
    }
    void arg(std::string_view key, long long value) { arg(key, std::to_string(value)); }
};

// Adds a warning record and returns SQL_SUCCESS_WITH_INFO (fake_diag.cpp).
SQLRETURN warn(Diag& diag, const char* sqlstate, const std::string& message);

// Copies text to an application buffer; 01004 when truncated. Len is the length type of the
// function (SQLSMALLINT or SQLINTEGER).
template <class Len>
SQLRETURN putText(Diag& diag, std::string_view text, void* buffer, long capacity, Len* length,
                  bool wide, bool capacityInBytes) {
    if (capacity < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
    CopyResult r = copyText(text, buffer, capacity, wide, capacityInBytes);
    if (length != nullptr) *length = static_cast<Len>(r.length);
    if (r.truncated && buffer != nullptr) {
        return warn(diag, "01004", "[Fake]String data, right truncated");
    }
    return SQL_SUCCESS;
}

// "SQL_ATTR_AUTOCOMMIT" and the like, or the number, for the event log (fake_connection.cpp).
std::string connectAttributeName(SQLINTEGER attribute);

// Environment (fake_env.cpp)
SQLRETURN setEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value);
SQLRETURN getEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER* length);

// Connection (fake_connection.cpp; SQLGetInfo and SQLGetFunctions in fake_info.cpp)
SQLRETURN connect(Dbc& dbc, const KeyValues& keys, Call& call);
KeyValues keysOfDataSource(const std::string& dsn);  // odbc.ini section, via libodbcinst
SQLRETURN disconnect(Dbc& dbc);
SQLRETURN getInfo(Dbc& dbc, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                  SQLSMALLINT* length, bool wide);
SQLRETURN getFunctions(SQLUSMALLINT function, SQLUSMALLINT* supported);
SQLRETURN setConnectAttr(Dbc& dbc, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length,
                         bool wide, Call& call);
SQLRETURN getConnectAttr(Dbc& dbc, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                         SQLINTEGER* length, bool wide, Call& call);
SQLRETURN endTransaction(Dbc& dbc, SQLSMALLINT completion);

// Statement (fake_statement.cpp; its result in fake_results.cpp)
SQLRETURN prepare(Stmt& stmt, const std::string& sql, bool fromApplication);
SQLRETURN execute(Stmt& stmt, Call& call);
SQLRETURN numResultCols(Stmt& stmt, SQLSMALLINT* count);
SQLRETURN describeCol(Stmt& stmt, SQLUSMALLINT column, void* name, SQLSMALLINT capacity,
                      SQLSMALLINT* nameLength, SQLSMALLINT* type, SQLULEN* size,
                      SQLSMALLINT* digits, SQLSMALLINT* nullable, bool wide);
SQLRETURN colAttribute(Stmt& stmt, SQLUSMALLINT column, SQLUSMALLINT field, void* text,
                       SQLSMALLINT capacity, SQLSMALLINT* length, SQLLEN* number, bool wide);
SQLRETURN bindCol(Stmt& stmt, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator);
SQLRETURN fetch(Stmt& stmt, Call& call);
SQLRETURN getData(Stmt& stmt, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator);
SQLRETURN rowCount(Stmt& stmt, SQLLEN* count);
SQLRETURN moreResults(Stmt& stmt);
SQLRETURN closeCursor(Stmt& stmt, bool strict);
SQLRETURN bindParameter(Stmt& stmt, SQLUSMALLINT number, const BoundParameter& parameter);
SQLRETURN numParams(Stmt& stmt, SQLSMALLINT* count);
SQLRETURN setStmtAttr(Stmt& stmt, SQLINTEGER attribute, SQLPOINTER value);
SQLRETURN getStmtAttr(Stmt& stmt, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER* length);
void requestCancel(Stmt& stmt);

// Diagnostics (any handle; fake_diag.cpp)
SQLRETURN getDiagRec(Handle& handle, SQLSMALLINT record, void* state, SQLINTEGER* native,
                     void* message, SQLSMALLINT capacity, SQLSMALLINT* length, bool wide);
SQLRETURN getDiagField(Handle& handle, SQLSMALLINT record, SQLSMALLINT field, SQLPOINTER value,
                       SQLSMALLINT capacity, SQLSMALLINT* length, bool wide);
SQLRETURN sqlError(Handle& handle, void* state, SQLINTEGER* native, void* message,
                   SQLSMALLINT capacity, SQLSMALLINT* length, bool wide);

}  // namespace odbcfake
