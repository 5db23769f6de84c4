// SPDX-License-Identifier: Apache-2.0
// Calling libodbcretry.so the way a driver manager does: dlopen(RTLD_NOW | RTLD_LOCAL), every
// entry point through dlsym, no driver manager in between.
//
// The process gets a private ODBC configuration (ODBCSYSINI, ODBCINI, ODBC_RETRY_CONFIG,
// ODBC_RETRY_STATE_DIR and the log in a temporary directory) before the first call into the
// driver, so no test reads the machine's odbc.ini, odbcinst.ini or /etc/odbc-retry.ini, or shares
// circuit breakers with other processes.
#pragma once
#include <dlfcn.h>
#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#if !defined(ODBCRETRY_LIBRARY) || !defined(ODBCFAKE_LIBRARY)
#error "driver_tests needs ODBCRETRY_LIBRARY and ODBCFAKE_LIBRARY (see tests/unit/CMakeLists.txt)"
#endif

// Every function libodbcretry.so exports, sorted. exports_test.cpp checks this list against the
// library's dynamic symbol table, so a new export must be added here (and gets the invalid
// handle test of invalid_handle_test.cpp).
#define ODBCRETRY_EXPORTS(X) \
    X(SQLAllocHandle)        \
    X(SQLBindCol)            \
    X(SQLBindParameter)      \
    X(SQLBrowseConnect)      \
    X(SQLBrowseConnectW)     \
    X(SQLBulkOperations)     \
    X(SQLCancel)             \
    X(SQLCancelHandle)       \
    X(SQLCloseCursor)        \
    X(SQLColAttribute)       \
    X(SQLColAttributeW)      \
    X(SQLColumnPrivileges)   \
    X(SQLColumnPrivilegesW)  \
    X(SQLColumns)            \
    X(SQLColumnsW)           \
    X(SQLConnect)            \
    X(SQLConnectW)           \
    X(SQLCopyDesc)           \
    X(SQLDescribeCol)        \
    X(SQLDescribeColW)       \
    X(SQLDescribeParam)      \
    X(SQLDisconnect)         \
    X(SQLDriverConnect)      \
    X(SQLDriverConnectW)     \
    X(SQLEndTran)            \
    X(SQLError)              \
    X(SQLErrorW)             \
    X(SQLExecDirect)         \
    X(SQLExecDirectW)        \
    X(SQLExecute)            \
    X(SQLExtendedFetch)      \
    X(SQLFetch)              \
    X(SQLFetchScroll)        \
    X(SQLForeignKeys)        \
    X(SQLForeignKeysW)       \
    X(SQLFreeHandle)         \
    X(SQLFreeStmt)           \
    X(SQLGetConnectAttr)     \
    X(SQLGetConnectAttrW)    \
    X(SQLGetCursorName)      \
    X(SQLGetCursorNameW)     \
    X(SQLGetData)            \
    X(SQLGetDescField)       \
    X(SQLGetDescFieldW)      \
    X(SQLGetDescRec)         \
    X(SQLGetDescRecW)        \
    X(SQLGetDiagField)       \
    X(SQLGetDiagFieldW)      \
    X(SQLGetDiagRec)         \
    X(SQLGetDiagRecW)        \
    X(SQLGetEnvAttr)         \
    X(SQLGetFunctions)       \
    X(SQLGetInfo)            \
    X(SQLGetInfoW)           \
    X(SQLGetStmtAttr)        \
    X(SQLGetStmtAttrW)       \
    X(SQLGetTypeInfo)        \
    X(SQLGetTypeInfoW)       \
    X(SQLMoreResults)        \
    X(SQLNativeSql)          \
    X(SQLNativeSqlW)         \
    X(SQLNumParams)          \
    X(SQLNumResultCols)      \
    X(SQLParamData)          \
    X(SQLPrepare)            \
    X(SQLPrepareW)           \
    X(SQLPrimaryKeys)        \
    X(SQLPrimaryKeysW)       \
    X(SQLProcedureColumns)   \
    X(SQLProcedureColumnsW)  \
    X(SQLProcedures)         \
    X(SQLProceduresW)        \
    X(SQLPutData)            \
    X(SQLRowCount)           \
    X(SQLSetConnectAttr)     \
    X(SQLSetConnectAttrW)    \
    X(SQLSetCursorName)      \
    X(SQLSetCursorNameW)     \
    X(SQLSetDescField)       \
    X(SQLSetDescFieldW)      \
    X(SQLSetDescRec)         \
    X(SQLSetEnvAttr)         \
    X(SQLSetPos)             \
    X(SQLSetStmtAttr)        \
    X(SQLSetStmtAttrW)       \
    X(SQLSpecialColumns)     \
    X(SQLSpecialColumnsW)    \
    X(SQLStatistics)         \
    X(SQLStatisticsW)        \
    X(SQLTablePrivileges)    \
    X(SQLTablePrivilegesW)   \
    X(SQLTables)             \
    X(SQLTablesW)

namespace odbcretry::driver_tests {

// The entry points of one loaded library; a name the library does not export stays null.
struct Api {
#define ODBCRETRY_DECLARE(name) decltype(&::name) name = nullptr;
    ODBCRETRY_EXPORTS(ODBCRETRY_DECLARE)
#undef ODBCRETRY_DECLARE
    void* library = nullptr;
    std::string path;
};

// The names of ODBCRETRY_EXPORTS, in order.
const std::vector<std::string>& export_names();

// libodbcretry.so, and libodbcfake.so loaded directly (for comparing with the fake alone).
// Both are loaded once per process, after the private configuration is in place.
const Api& retry();
const Api& fake();

// The private configuration directory and the log file odbc-retry writes.
const std::string& config_dir();
std::string log_file();

// A connection string through odbc-retry to the fake: TargetDriver is the fake's path; the
// fake's database is private to the calling test unless `extra` names one.
std::string fake_target(const std::string& extra = "");
// A database name unique to the running test.
std::string test_database();

// ---- text --------------------------------------------------------------------------------

std::basic_string<SQLWCHAR> wide(const std::string& ascii_or_utf8);
std::string narrow(const SQLWCHAR* text, long length = SQL_NTS);
SQLCHAR* sql(const std::string& text);    // a stable, mutable copy for SQLCHAR* parameters
SQLWCHAR* sqlw(const std::string& text);  // the same in UTF-16

// ---- diagnostics -------------------------------------------------------------------------

struct Record {
    std::string state;
    SQLINTEGER native = 0;
    std::string message;
    bool operator==(const Record&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Record& r);
std::string show(const std::vector<Record>& records);

// Every record of a handle through SQLGetDiagRec (A) or SQLGetDiagRecW.
std::vector<Record> records(const Api& api, SQLSMALLINT type, SQLHANDLE handle);
std::vector<Record> records_w(const Api& api, SQLSMALLINT type, SQLHANDLE handle);
// SQLGetDiagField(SQL_DIAG_NUMBER), -1 when that call fails.
SQLINTEGER diag_number(const Api& api, SQLSMALLINT type, SQLHANDLE handle, bool wide = false);
// "SQL_ERROR [HY000] message | ..." for failure messages.
std::string outcome(const Api& api, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle);

// ---- handles -----------------------------------------------------------------------------

// An ODBC 3 environment and connection of one library, freed at the end of the scope
// (disconnecting first when still connected).
class Session {
  public:
    explicit Session(const Api& api);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    SQLRETURN connect(const std::string& connection_string);  // SQLDriverConnect (A), no output
    SQLRETURN connect_w(const std::string& connection_string);
    // Connects and fails the test when that does not succeed.
    void connect_ok(const std::string& connection_string);
    SQLHSTMT statement();  // a new statement, freed with the session
    void disconnect();

    const Api& api() const { return api_; }
    SQLHENV env() const { return env_; }
    SQLHDBC dbc() const { return dbc_; }

  private:
    const Api& api_;
    SQLHENV env_ = nullptr;
    SQLHDBC dbc_ = nullptr;
    bool connected_ = false;
};

// The first column of every row of `query` as text (SQLExecDirect, SQLFetch, SQLGetData).
std::vector<std::string> column(const Api& api, SQLHSTMT stmt, const std::string& query);
// Runs a statement that returns no rows; fails the test when it does not succeed.
void exec(const Api& api, SQLHSTMT stmt, const std::string& statement);
// The single integer `query` returns.
long long scalar(const Api& api, SQLHSTMT stmt, const std::string& query);

}  // namespace odbcretry::driver_tests

#define EXPECT_CONTAINS(haystack, needle)                            \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
        << "'" << (needle) << "' not in: " << (haystack)
