// SPDX-License-Identifier: Apache-2.0
// Every exported function, given a handle that is not a live handle of the kind it expects,
// returns SQL_INVALID_HANDLE and touches nothing; null output pointers get an error, not a crash.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <set>
#include <vector>

#include "driver_harness.h"

namespace odbcretry::driver_tests {
namespace {

// One way to call one exported function with the handle under test in one position.
struct Case {
    std::string function;  // the exported name
    std::string label;     // the function and the position or type, for messages
    SQLSMALLINT kind;      // the kind of handle this position expects
    std::function<SQLRETURN(SQLHANDLE)> call;
};

// Buffers for the other arguments: valid, so that only the handle can be wrong.
struct Buffers {
    SQLCHAR text[256] = "SELECT 1";
    SQLWCHAR wtext[256] = {'S', 'E', 'L', 'E', 'C', 'T', ' ', '1', 0};
    SQLCHAR out[512] = {};
    SQLWCHAR wout[512] = {};
    SQLSMALLINT s16 = 0, s16b = 0, s16c = 0, s16d = 0, s16e = 0;
    SQLINTEGER i32 = 0;
    SQLLEN len = 0, len2 = 0;
    SQLULEN ulen = 0;
    SQLUSMALLINT functions[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE] = {};
    SQLUSMALLINT row_status[4] = {};
    SQLPOINTER pointer = nullptr;
    SQLHANDLE new_handle = nullptr;
    char data[64] = {};
};

Buffers& buffers() {
    static Buffers b;
    return b;
}

std::vector<Case> all_cases(const Api& a) {
    Buffers& b = buffers();
    std::vector<Case> cases;
    auto add = [&](const char* function, std::string label, SQLSMALLINT kind,
                   std::function<SQLRETURN(SQLHANDLE)> call) {
        cases.push_back({function, std::move(label), kind, std::move(call)});
    };
    auto one = [&](const char* function, SQLSMALLINT kind,
                   std::function<SQLRETURN(SQLHANDLE)> call) {
        add(function, function, kind, std::move(call));
    };
    const SQLSMALLINT kEnv = SQL_HANDLE_ENV, kDbc = SQL_HANDLE_DBC, kStmt = SQL_HANDLE_STMT,
                      kDesc = SQL_HANDLE_DESC;
    const std::pair<SQLSMALLINT, const char*> kTypes[] = {
        {kEnv, "ENV"}, {kDbc, "DBC"}, {kStmt, "STMT"}, {kDesc, "DESC"}};
    auto T = b.text;
    auto W = b.wtext;

    // Functions that name the handle's type.
    add("SQLAllocHandle", "SQLAllocHandle(DBC, input)", kEnv,
        [&a, &b](SQLHANDLE h) { return a.SQLAllocHandle(SQL_HANDLE_DBC, h, &b.new_handle); });
    add("SQLAllocHandle", "SQLAllocHandle(STMT, input)", kDbc,
        [&a, &b](SQLHANDLE h) { return a.SQLAllocHandle(SQL_HANDLE_STMT, h, &b.new_handle); });
    add("SQLAllocHandle", "SQLAllocHandle(DESC, input)", kDbc,
        [&a, &b](SQLHANDLE h) { return a.SQLAllocHandle(SQL_HANDLE_DESC, h, &b.new_handle); });
    for (auto [type, name] : kTypes) {
        add("SQLFreeHandle", std::string("SQLFreeHandle(") + name + ")", type,
            [&a, type = type](SQLHANDLE h) { return a.SQLFreeHandle(type, h); });
        add("SQLGetDiagRec", std::string("SQLGetDiagRec(") + name + ")", type,
            [&a, &b, type = type](SQLHANDLE h) {
                return a.SQLGetDiagRec(type, h, 1, b.out, &b.i32, b.out + 8, 256, &b.s16);
            });
        add("SQLGetDiagRecW", std::string("SQLGetDiagRecW(") + name + ")", type,
            [&a, &b, type = type](SQLHANDLE h) {
                return a.SQLGetDiagRecW(type, h, 1, b.wout, &b.i32, b.wout + 8, 256, &b.s16);
            });
        add("SQLGetDiagField", std::string("SQLGetDiagField(") + name + ")", type,
            [&a, &b, type = type](SQLHANDLE h) {
                return a.SQLGetDiagField(type, h, 0, SQL_DIAG_NUMBER, &b.i32, 0, &b.s16);
            });
        add("SQLGetDiagFieldW", std::string("SQLGetDiagFieldW(") + name + ")", type,
            [&a, &b, type = type](SQLHANDLE h) {
                return a.SQLGetDiagFieldW(type, h, 1, SQL_DIAG_MESSAGE_TEXT, b.wout, 512, &b.s16);
            });
    }
    add("SQLEndTran", "SQLEndTran(ENV)", kEnv,
        [&a](SQLHANDLE h) { return a.SQLEndTran(SQL_HANDLE_ENV, h, SQL_COMMIT); });
    add("SQLEndTran", "SQLEndTran(DBC)", kDbc,
        [&a](SQLHANDLE h) { return a.SQLEndTran(SQL_HANDLE_DBC, h, SQL_ROLLBACK); });
    add("SQLCancelHandle", "SQLCancelHandle(DBC)", kDbc,
        [&a](SQLHANDLE h) { return a.SQLCancelHandle(SQL_HANDLE_DBC, h); });
    add("SQLCancelHandle", "SQLCancelHandle(STMT)", kStmt,
        [&a](SQLHANDLE h) { return a.SQLCancelHandle(SQL_HANDLE_STMT, h); });
    // SQLError names three handles; the most specific non-null one is used.
    add("SQLError", "SQLError(env, -, -)", kEnv, [&a, &b](SQLHANDLE h) {
        return a.SQLError(h, nullptr, nullptr, b.out, &b.i32, b.out + 8, 256, &b.s16);
    });
    add("SQLError", "SQLError(-, dbc, -)", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLError(nullptr, h, nullptr, b.out, &b.i32, b.out + 8, 256, &b.s16);
    });
    add("SQLError", "SQLError(-, -, stmt)", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLError(nullptr, nullptr, h, b.out, &b.i32, b.out + 8, 256, &b.s16);
    });
    add("SQLErrorW", "SQLErrorW(env, -, -)", kEnv, [&a, &b](SQLHANDLE h) {
        return a.SQLErrorW(h, nullptr, nullptr, b.wout, &b.i32, b.wout + 8, 256, &b.s16);
    });
    add("SQLErrorW", "SQLErrorW(-, dbc, -)", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLErrorW(nullptr, h, nullptr, b.wout, &b.i32, b.wout + 8, 256, &b.s16);
    });
    add("SQLErrorW", "SQLErrorW(-, -, stmt)", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLErrorW(nullptr, nullptr, h, b.wout, &b.i32, b.wout + 8, 256, &b.s16);
    });

    // Environment.
    one("SQLSetEnvAttr", kEnv, [&a](SQLHANDLE h) {
        return a.SQLSetEnvAttr(h, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3),
                               0);
    });
    one("SQLGetEnvAttr", kEnv, [&a, &b](SQLHANDLE h) {
        return a.SQLGetEnvAttr(h, SQL_ATTR_ODBC_VERSION, &b.i32, 0, nullptr);
    });

    // Connection.
    one("SQLConnect", kDbc, [&a](SQLHANDLE h) {
        return a.SQLConnect(h, sql("retry_fake"), SQL_NTS, nullptr, 0, nullptr, 0);
    });
    one("SQLConnectW", kDbc, [&a](SQLHANDLE h) {
        return a.SQLConnectW(h, sqlw("retry_fake"), SQL_NTS, nullptr, 0, nullptr, 0);
    });
    one("SQLDriverConnect", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLDriverConnect(h, nullptr, sql(fake_target()), SQL_NTS, b.out, 512, &b.s16,
                                  SQL_DRIVER_NOPROMPT);
    });
    one("SQLDriverConnectW", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLDriverConnectW(h, nullptr, sqlw(fake_target()), SQL_NTS, b.wout, 512, &b.s16,
                                   SQL_DRIVER_NOPROMPT);
    });
    one("SQLBrowseConnect", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLBrowseConnect(h, sql(fake_target()), SQL_NTS, b.out, 512, &b.s16);
    });
    one("SQLBrowseConnectW", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLBrowseConnectW(h, sqlw(fake_target()), SQL_NTS, b.wout, 512, &b.s16);
    });
    one("SQLDisconnect", kDbc, [&a](SQLHANDLE h) { return a.SQLDisconnect(h); });
    one("SQLGetInfo", kDbc,
        [&a, &b](SQLHANDLE h) { return a.SQLGetInfo(h, SQL_DRIVER_NAME, b.out, 512, &b.s16); });
    one("SQLGetInfoW", kDbc,
        [&a, &b](SQLHANDLE h) { return a.SQLGetInfoW(h, SQL_DRIVER_NAME, b.wout, 1024, &b.s16); });
    one("SQLGetFunctions", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetFunctions(h, SQL_API_ODBC3_ALL_FUNCTIONS, b.functions);
    });
    one("SQLNativeSql", kDbc,
        [&a, &b](SQLHANDLE h) { return a.SQLNativeSql(h, b.text, SQL_NTS, b.out, 512, &b.i32); });
    one("SQLNativeSqlW", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLNativeSqlW(h, b.wtext, SQL_NTS, b.wout, 512, &b.i32);
    });
    one("SQLSetConnectAttr", kDbc, [&a](SQLHANDLE h) {
        return a.SQLSetConnectAttr(h, SQL_ATTR_AUTOCOMMIT,
                                   reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
    });
    one("SQLSetConnectAttrW", kDbc, [&a](SQLHANDLE h) {
        return a.SQLSetConnectAttrW(h, SQL_ATTR_AUTOCOMMIT,
                                    reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
    });
    one("SQLGetConnectAttr", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetConnectAttr(h, SQL_ATTR_AUTOCOMMIT, &b.ulen, 0, nullptr);
    });
    one("SQLGetConnectAttrW", kDbc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetConnectAttrW(h, SQL_ATTR_AUTOCOMMIT, &b.ulen, 0, nullptr);
    });

    // Statement.
    one("SQLPrepare", kStmt, [&a, T](SQLHANDLE h) { return a.SQLPrepare(h, T, SQL_NTS); });
    one("SQLPrepareW", kStmt, [&a, W](SQLHANDLE h) { return a.SQLPrepareW(h, W, SQL_NTS); });
    one("SQLExecDirect", kStmt, [&a, T](SQLHANDLE h) { return a.SQLExecDirect(h, T, SQL_NTS); });
    one("SQLExecDirectW", kStmt, [&a, W](SQLHANDLE h) { return a.SQLExecDirectW(h, W, SQL_NTS); });
    one("SQLExecute", kStmt, [&a](SQLHANDLE h) { return a.SQLExecute(h); });
    one("SQLBindParameter", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLBindParameter(h, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, b.data,
                                  sizeof b.data, &b.len);
    });
    one("SQLDescribeParam", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLDescribeParam(h, 1, &b.s16, &b.ulen, &b.s16b, &b.s16c);
    });
    one("SQLNumParams", kStmt, [&a, &b](SQLHANDLE h) { return a.SQLNumParams(h, &b.s16); });
    one("SQLParamData", kStmt, [&a, &b](SQLHANDLE h) { return a.SQLParamData(h, &b.pointer); });
    one("SQLPutData", kStmt, [&a, &b](SQLHANDLE h) { return a.SQLPutData(h, b.data, 4); });
    one("SQLNumResultCols", kStmt, [&a, &b](SQLHANDLE h) { return a.SQLNumResultCols(h, &b.s16); });
    one("SQLDescribeCol", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLDescribeCol(h, 1, b.out, 512, &b.s16, &b.s16b, &b.ulen, &b.s16c, &b.s16d);
    });
    one("SQLDescribeColW", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLDescribeColW(h, 1, b.wout, 512, &b.s16, &b.s16b, &b.ulen, &b.s16c, &b.s16d);
    });
    one("SQLColAttribute", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLColAttribute(h, 1, SQL_DESC_NAME, b.out, 512, &b.s16, &b.len);
    });
    one("SQLColAttributeW", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLColAttributeW(h, 1, SQL_DESC_NAME, b.wout, 1024, &b.s16, &b.len);
    });
    one("SQLBindCol", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLBindCol(h, 1, SQL_C_CHAR, b.data, sizeof b.data, &b.len);
    });
    one("SQLFetch", kStmt, [&a](SQLHANDLE h) { return a.SQLFetch(h); });
    one("SQLFetchScroll", kStmt,
        [&a](SQLHANDLE h) { return a.SQLFetchScroll(h, SQL_FETCH_NEXT, 0); });
    one("SQLExtendedFetch", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLExtendedFetch(h, SQL_FETCH_NEXT, 0, &b.ulen, b.row_status);
    });
    one("SQLGetData", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLGetData(h, 1, SQL_C_CHAR, b.data, sizeof b.data, &b.len);
    });
    one("SQLSetPos", kStmt,
        [&a](SQLHANDLE h) { return a.SQLSetPos(h, 1, SQL_POSITION, SQL_LOCK_NO_CHANGE); });
    one("SQLBulkOperations", kStmt, [&a](SQLHANDLE h) { return a.SQLBulkOperations(h, SQL_ADD); });
    one("SQLMoreResults", kStmt, [&a](SQLHANDLE h) { return a.SQLMoreResults(h); });
    one("SQLRowCount", kStmt, [&a, &b](SQLHANDLE h) { return a.SQLRowCount(h, &b.len); });
    one("SQLCloseCursor", kStmt, [&a](SQLHANDLE h) { return a.SQLCloseCursor(h); });
    one("SQLCancel", kStmt, [&a](SQLHANDLE h) { return a.SQLCancel(h); });
    one("SQLFreeStmt", kStmt, [&a](SQLHANDLE h) { return a.SQLFreeStmt(h, SQL_CLOSE); });
    one("SQLGetCursorName", kStmt,
        [&a, &b](SQLHANDLE h) { return a.SQLGetCursorName(h, b.out, 512, &b.s16); });
    one("SQLGetCursorNameW", kStmt,
        [&a, &b](SQLHANDLE h) { return a.SQLGetCursorNameW(h, b.wout, 512, &b.s16); });
    one("SQLSetCursorName", kStmt,
        [&a](SQLHANDLE h) { return a.SQLSetCursorName(h, sql("c1"), SQL_NTS); });
    one("SQLSetCursorNameW", kStmt,
        [&a](SQLHANDLE h) { return a.SQLSetCursorNameW(h, sqlw("c1"), SQL_NTS); });
    one("SQLSetStmtAttr", kStmt, [&a](SQLHANDLE h) {
        return a.SQLSetStmtAttr(h, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(1), 0);
    });
    one("SQLSetStmtAttrW", kStmt, [&a](SQLHANDLE h) {
        return a.SQLSetStmtAttrW(h, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(1), 0);
    });
    one("SQLGetStmtAttr", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLGetStmtAttr(h, SQL_ATTR_APP_ROW_DESC, &b.pointer, 0, nullptr);
    });
    one("SQLGetStmtAttrW", kStmt, [&a, &b](SQLHANDLE h) {
        return a.SQLGetStmtAttrW(h, SQL_ATTR_APP_ROW_DESC, &b.pointer, 0, nullptr);
    });
    one("SQLGetTypeInfo", kStmt, [&a](SQLHANDLE h) { return a.SQLGetTypeInfo(h, SQL_ALL_TYPES); });
    one("SQLGetTypeInfoW", kStmt,
        [&a](SQLHANDLE h) { return a.SQLGetTypeInfoW(h, SQL_ALL_TYPES); });

    // Catalog functions.
    one("SQLTables", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLTables(h, T, 0, T, 0, T, SQL_NTS, T, 0); });
    one("SQLTablesW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLTablesW(h, W, 0, W, 0, W, SQL_NTS, W, 0); });
    one("SQLColumns", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLColumns(h, T, 0, T, 0, T, SQL_NTS, T, 0); });
    one("SQLColumnsW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLColumnsW(h, W, 0, W, 0, W, SQL_NTS, W, 0); });
    one("SQLStatistics", kStmt, [&a, T](SQLHANDLE h) {
        return a.SQLStatistics(h, T, 0, T, 0, T, SQL_NTS, SQL_INDEX_ALL, SQL_QUICK);
    });
    one("SQLStatisticsW", kStmt, [&a, W](SQLHANDLE h) {
        return a.SQLStatisticsW(h, W, 0, W, 0, W, SQL_NTS, SQL_INDEX_ALL, SQL_QUICK);
    });
    one("SQLSpecialColumns", kStmt, [&a, T](SQLHANDLE h) {
        return a.SQLSpecialColumns(h, SQL_BEST_ROWID, T, 0, T, 0, T, SQL_NTS, SQL_SCOPE_SESSION,
                                   SQL_NULLABLE);
    });
    one("SQLSpecialColumnsW", kStmt, [&a, W](SQLHANDLE h) {
        return a.SQLSpecialColumnsW(h, SQL_BEST_ROWID, W, 0, W, 0, W, SQL_NTS, SQL_SCOPE_SESSION,
                                    SQL_NULLABLE);
    });
    one("SQLPrimaryKeys", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLPrimaryKeys(h, T, 0, T, 0, T, SQL_NTS); });
    one("SQLPrimaryKeysW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLPrimaryKeysW(h, W, 0, W, 0, W, SQL_NTS); });
    one("SQLForeignKeys", kStmt, [&a, T](SQLHANDLE h) {
        return a.SQLForeignKeys(h, T, 0, T, 0, T, SQL_NTS, T, 0, T, 0, T, SQL_NTS);
    });
    one("SQLForeignKeysW", kStmt, [&a, W](SQLHANDLE h) {
        return a.SQLForeignKeysW(h, W, 0, W, 0, W, SQL_NTS, W, 0, W, 0, W, SQL_NTS);
    });
    one("SQLProcedures", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLProcedures(h, T, 0, T, 0, T, SQL_NTS); });
    one("SQLProceduresW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLProceduresW(h, W, 0, W, 0, W, SQL_NTS); });
    one("SQLProcedureColumns", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLProcedureColumns(h, T, 0, T, 0, T, SQL_NTS, T, 0); });
    one("SQLProcedureColumnsW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLProcedureColumnsW(h, W, 0, W, 0, W, SQL_NTS, W, 0); });
    one("SQLTablePrivileges", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLTablePrivileges(h, T, 0, T, 0, T, SQL_NTS); });
    one("SQLTablePrivilegesW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLTablePrivilegesW(h, W, 0, W, 0, W, SQL_NTS); });
    one("SQLColumnPrivileges", kStmt,
        [&a, T](SQLHANDLE h) { return a.SQLColumnPrivileges(h, T, 0, T, 0, T, SQL_NTS, T, 0); });
    one("SQLColumnPrivilegesW", kStmt,
        [&a, W](SQLHANDLE h) { return a.SQLColumnPrivilegesW(h, W, 0, W, 0, W, SQL_NTS, W, 0); });

    // Descriptors.
    one("SQLGetDescField", kDesc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetDescField(h, 0, SQL_DESC_COUNT, &b.s16, 0, &b.i32);
    });
    one("SQLGetDescFieldW", kDesc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetDescFieldW(h, 0, SQL_DESC_COUNT, &b.s16, 0, &b.i32);
    });
    one("SQLSetDescField", kDesc, [&a](SQLHANDLE h) {
        return a.SQLSetDescField(h, 0, SQL_DESC_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(1), 0);
    });
    one("SQLSetDescFieldW", kDesc, [&a](SQLHANDLE h) {
        return a.SQLSetDescFieldW(h, 0, SQL_DESC_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(1), 0);
    });
    one("SQLGetDescRec", kDesc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetDescRec(h, 1, b.out, 512, &b.s16, &b.s16b, &b.s16c, &b.len, &b.s16d, &b.s16e,
                               &b.s16);
    });
    one("SQLGetDescRecW", kDesc, [&a, &b](SQLHANDLE h) {
        return a.SQLGetDescRecW(h, 1, b.wout, 512, &b.s16, &b.s16b, &b.s16c, &b.len, &b.s16d,
                                &b.s16e, &b.s16);
    });
    one("SQLSetDescRec", kDesc, [&a, &b](SQLHANDLE h) {
        return a.SQLSetDescRec(h, 1, SQL_C_CHAR, 0, sizeof b.data, 0, 0, b.data, &b.len, &b.len2);
    });
    return cases;
}

// SQLCopyDesc takes two descriptors; each position is tested with the other one live.
void add_copy_desc_cases(const Api& a, std::vector<Case>& cases, SQLHDESC live_desc) {
    cases.push_back({"SQLCopyDesc", "SQLCopyDesc(source, live)", SQL_HANDLE_DESC,
                     [&a, live_desc](SQLHANDLE h) { return a.SQLCopyDesc(h, live_desc); }});
    cases.push_back({"SQLCopyDesc", "SQLCopyDesc(live, destination)", SQL_HANDLE_DESC,
                     [&a, live_desc](SQLHANDLE h) { return a.SQLCopyDesc(live_desc, h); }});
}

struct Live {
    SQLHANDLE handle;
    SQLSMALLINT kind;
    const char* what;
};

// A connected session with one live handle of every kind, and freed handles of every kind.
class InvalidHandleTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        const Api& a = retry();
        session_ = new Session(a);
        session_->connect_ok(fake_target());
        stmt_ = session_->statement();
        ASSERT_EQ(a.SQLAllocHandle(SQL_HANDLE_DESC, session_->dbc(), &desc_), SQL_SUCCESS)
            << outcome(a, SQL_ERROR, SQL_HANDLE_DBC, session_->dbc());
        ASSERT_EQ(a.SQLGetStmtAttr(stmt_, SQL_ATTR_IMP_ROW_DESC, &implicit_desc_, 0, nullptr),
                  SQL_SUCCESS);
        ASSERT_NE(implicit_desc_, nullptr);

        // Freed handles of every kind.
        SQLHENV env = nullptr;
        ASSERT_EQ(a.SQLAllocHandle(SQL_HANDLE_ENV, nullptr, &env), SQL_SUCCESS);
        ASSERT_EQ(a.SQLAllocHandle(SQL_HANDLE_DBC, env, &freed_dbc_), SQL_SUCCESS);
        ASSERT_EQ(a.SQLFreeHandle(SQL_HANDLE_DBC, freed_dbc_), SQL_SUCCESS);
        ASSERT_EQ(a.SQLFreeHandle(SQL_HANDLE_ENV, env), SQL_SUCCESS);
        freed_env_ = env;
        ASSERT_EQ(a.SQLAllocHandle(SQL_HANDLE_STMT, session_->dbc(), &freed_stmt_), SQL_SUCCESS);
        ASSERT_EQ(a.SQLFreeHandle(SQL_HANDLE_STMT, freed_stmt_), SQL_SUCCESS);
        ASSERT_EQ(a.SQLAllocHandle(SQL_HANDLE_DESC, session_->dbc(), &freed_desc_), SQL_SUCCESS);
        ASSERT_EQ(a.SQLFreeHandle(SQL_HANDLE_DESC, freed_desc_), SQL_SUCCESS);
    }
    static void TearDownTestSuite() {
        delete session_;
        session_ = nullptr;
    }

    static std::vector<Live> live() {
        return {{session_->env(), SQL_HANDLE_ENV, "live ENV"},
                {session_->dbc(), SQL_HANDLE_DBC, "live DBC"},
                {stmt_, SQL_HANDLE_STMT, "live STMT"},
                {desc_, SQL_HANDLE_DESC, "live explicit DESC"},
                {implicit_desc_, SQL_HANDLE_DESC, "live implicit DESC"}};
    }

    std::vector<Case> cases() {
        std::vector<Case> all = all_cases(retry());
        add_copy_desc_cases(retry(), all, desc_);
        return all;
    }

    // The live handles still work after the bad calls.
    void expect_live_handles_intact() {
        const Api& a = retry();
        EXPECT_EQ(scalar(a, stmt_, "SELECT 42"), 42);
        SQLINTEGER version = 0;
        EXPECT_EQ(a.SQLGetEnvAttr(session_->env(), SQL_ATTR_ODBC_VERSION, &version, 0, nullptr),
                  SQL_SUCCESS);
        EXPECT_EQ(version, SQL_OV_ODBC3);
        // The fake has no descriptor functions: a diagnostic call shows the handle is still valid.
        for (SQLHDESC d : {desc_, implicit_desc_})
            EXPECT_GE(diag_number(a, SQL_HANDLE_DESC, d), 0) << "descriptor handle no longer valid";
    }

    static inline Session* session_ = nullptr;
    static inline SQLHSTMT stmt_ = nullptr;
    static inline SQLHDESC desc_ = nullptr;
    static inline SQLHDESC implicit_desc_ = nullptr;
    static inline SQLHANDLE freed_env_ = nullptr;
    static inline SQLHANDLE freed_dbc_ = nullptr;
    static inline SQLHANDLE freed_stmt_ = nullptr;
    static inline SQLHANDLE freed_desc_ = nullptr;
};

TEST_F(InvalidHandleTest, EveryExportedFunctionHasACase) {
    std::set<std::string> covered;
    for (const Case& c : cases()) covered.insert(c.function);
    for (const std::string& name : export_names())
        EXPECT_TRUE(covered.count(name)) << name << " has no case";
    for (const std::string& name : covered)
        EXPECT_TRUE(std::find(export_names().begin(), export_names().end(), name) !=
                    export_names().end())
            << name;
}

TEST_F(InvalidHandleTest, NullHandle) {
    for (const Case& c : cases()) EXPECT_EQ(c.call(nullptr), SQL_INVALID_HANDLE) << c.label;
    expect_live_handles_intact();
}

TEST_F(InvalidHandleTest, FreedHandleOfTheRightKind) {
    const std::pair<SQLSMALLINT, SQLHANDLE> freed[] = {{SQL_HANDLE_ENV, freed_env_},
                                                       {SQL_HANDLE_DBC, freed_dbc_},
                                                       {SQL_HANDLE_STMT, freed_stmt_},
                                                       {SQL_HANDLE_DESC, freed_desc_}};
    for (const Case& c : cases())
        for (auto [kind, handle] : freed)
            if (kind == c.kind) {
                EXPECT_EQ(c.call(handle), SQL_INVALID_HANDLE) << c.label << " with a freed handle";
            }
    expect_live_handles_intact();
}

TEST_F(InvalidHandleTest, LiveHandleOfAnotherKind) {
    for (const Case& c : cases())
        for (const Live& l : live())
            if (l.kind != c.kind) {
                EXPECT_EQ(c.call(l.handle), SQL_INVALID_HANDLE) << c.label << " with a " << l.what;
            }
    expect_live_handles_intact();
}

TEST_F(InvalidHandleTest, PointersThatAreNotHandles) {
    auto garbage = std::make_unique<unsigned char[]>(256);
    std::memset(garbage.get(), 0xA5, 256);
    // Something that looks like an ODBC handle of another library: the fake's own statement.
    Session direct(fake());
    direct.connect_ok("Database=" + test_database());
    SQLHSTMT fake_stmt = direct.statement();
    auto stmt = reinterpret_cast<uintptr_t>(stmt_);
    const std::pair<const void*, const char*> pointers[] = {
        {garbage.get(), "heap garbage"},
        {garbage.get() + 3, "misaligned heap garbage"},
        {reinterpret_cast<void*>(stmt + 1), "live handle + 1"},
        {reinterpret_cast<void*>(stmt + 8), "live handle + 8"},
        {reinterpret_cast<void*>(stmt + 16 * 100000), "past the handles handed out"},
        {reinterpret_cast<void*>(uintptr_t{1}), "(void*)1"},
        {reinterpret_cast<void*>(UINTPTR_MAX), "(void*)-1"},
        {reinterpret_cast<void*>(uintptr_t{0xDEADBEEF}), "0xDEADBEEF"},
        {fake_stmt, "the target driver's statement handle"},
        {&buffers(), "a static buffer"},
    };
    for (const Case& c : cases())
        for (auto [pointer, what] : pointers)
            EXPECT_EQ(c.call(const_cast<void*>(pointer)), SQL_INVALID_HANDLE)
                << c.label << " with " << what;
    expect_live_handles_intact();
}

TEST_F(InvalidHandleTest, UnknownHandleType) {
    const Api& a = retry();
    for (SQLSMALLINT type : {SQLSMALLINT{0}, SQLSMALLINT{5}, SQLSMALLINT{-1}}) {
        EXPECT_EQ(a.SQLFreeHandle(type, stmt_), SQL_INVALID_HANDLE) << type;
        SQLINTEGER n = 0;
        EXPECT_EQ(a.SQLGetDiagField(type, stmt_, 0, SQL_DIAG_NUMBER, &n, 0, nullptr),
                  SQL_INVALID_HANDLE)
            << type;
        EXPECT_EQ(a.SQLGetDiagRec(type, stmt_, 1, nullptr, nullptr, nullptr, 0, nullptr),
                  SQL_INVALID_HANDLE)
            << type;
        EXPECT_NE(a.SQLEndTran(type, session_->dbc(), SQL_COMMIT), SQL_SUCCESS) << type;
    }
    expect_live_handles_intact();
}

// ---- null output pointers ------------------------------------------------------------------

class NullPointerTest : public InvalidHandleTest {
  protected:
    static std::string first_state(SQLSMALLINT type, SQLHANDLE h) {
        std::vector<Record> r = records(retry(), type, h);
        return r.empty() ? "(none)" : r[0].state;
    }
};

TEST_F(NullPointerTest, AllocHandleWithoutOutput) {
    const Api& a = retry();
    EXPECT_EQ(a.SQLAllocHandle(SQL_HANDLE_ENV, nullptr, nullptr), SQL_ERROR);
    EXPECT_EQ(a.SQLAllocHandle(SQL_HANDLE_DBC, session_->env(), nullptr), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_ENV, session_->env()), "HY009");
    EXPECT_EQ(a.SQLAllocHandle(SQL_HANDLE_STMT, session_->dbc(), nullptr), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, session_->dbc()), "HY009");
    EXPECT_EQ(a.SQLAllocHandle(SQL_HANDLE_DESC, session_->dbc(), nullptr), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, session_->dbc()), "HY009");
    expect_live_handles_intact();
}

TEST_F(NullPointerTest, NullTextArguments) {
    const Api& a = retry();
    EXPECT_EQ(a.SQLPrepare(stmt_, nullptr, SQL_NTS), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_STMT, stmt_), "HY009");
    EXPECT_EQ(a.SQLPrepareW(stmt_, nullptr, SQL_NTS), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_STMT, stmt_), "HY009");
    EXPECT_EQ(a.SQLExecDirect(stmt_, nullptr, SQL_NTS), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_STMT, stmt_), "HY009");
    EXPECT_EQ(a.SQLExecDirectW(stmt_, nullptr, SQL_NTS), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_STMT, stmt_), "HY009");

    Session other(retry());
    EXPECT_EQ(a.SQLDriverConnect(other.dbc(), nullptr, nullptr, SQL_NTS, nullptr, 0, nullptr,
                                 SQL_DRIVER_NOPROMPT),
              SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, other.dbc()), "HY009");
    EXPECT_EQ(a.SQLDriverConnectW(other.dbc(), nullptr, nullptr, SQL_NTS, nullptr, 0, nullptr,
                                  SQL_DRIVER_NOPROMPT),
              SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, other.dbc()), "HY009");
    EXPECT_EQ(a.SQLBrowseConnect(other.dbc(), nullptr, SQL_NTS, nullptr, 0, nullptr), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, other.dbc()), "HY009");
    expect_live_handles_intact();
}

TEST_F(NullPointerTest, GetFunctionsWithoutOutput) {
    const Api& a = retry();
    EXPECT_EQ(a.SQLGetFunctions(session_->dbc(), SQL_API_SQLFETCH, nullptr), SQL_ERROR);
    EXPECT_EQ(first_state(SQL_HANDLE_DBC, session_->dbc()), "HY009");
    EXPECT_EQ(a.SQLGetFunctions(session_->dbc(), SQL_API_ODBC3_ALL_FUNCTIONS, nullptr), SQL_ERROR);
}

// Output pointers ODBC lets the application leave null: nothing is written, nothing crashes.
TEST_F(NullPointerTest, OptionalOutputsMayBeNull) {
    const Api& a = retry();
    EXPECT_EQ(a.SQLGetEnvAttr(session_->env(), SQL_ATTR_ODBC_VERSION, nullptr, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(a.SQLAllocHandle(SQL_HANDLE_DBC, session_->env(), nullptr),
              SQL_ERROR);  // posts a record
    EXPECT_EQ(
        a.SQLGetDiagRec(SQL_HANDLE_ENV, session_->env(), 1, nullptr, nullptr, nullptr, 0, nullptr),
        SQL_SUCCESS);
    EXPECT_EQ(
        a.SQLGetDiagRecW(SQL_HANDLE_ENV, session_->env(), 1, nullptr, nullptr, nullptr, 0, nullptr),
        SQL_SUCCESS);
    EXPECT_EQ(
        a.SQLGetDiagField(SQL_HANDLE_ENV, session_->env(), 0, SQL_DIAG_NUMBER, nullptr, 0, nullptr),
        SQL_SUCCESS);
    EXPECT_EQ(a.SQLGetDiagField(SQL_HANDLE_ENV, session_->env(), 1, SQL_DIAG_MESSAGE_TEXT, nullptr,
                                0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(a.SQLError(session_->env(), nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr),
              SQL_SUCCESS);

    Session unconnected(retry());
    EXPECT_EQ(a.SQLGetInfo(unconnected.dbc(), SQL_DRIVER_NAME, nullptr, 0, nullptr), SQL_SUCCESS);
    EXPECT_EQ(a.SQLGetConnectAttr(unconnected.dbc(), SQL_ATTR_AUTOCOMMIT, nullptr, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(a.SQLDriverConnect(unconnected.dbc(), nullptr, sql(fake_target()), SQL_NTS, nullptr,
                                 0, nullptr, SQL_DRIVER_NOPROMPT),
              SQL_SUCCESS)
        << outcome(a, SQL_ERROR, SQL_HANDLE_DBC, unconnected.dbc());
    EXPECT_EQ(a.SQLDisconnect(unconnected.dbc()), SQL_SUCCESS);

    // Forwarded to the target with the null pointers: whatever it answers, odbc-retry's own
    // post-processing must not dereference them.
    EXPECT_EQ(a.SQLExecDirect(stmt_, sql("SELECT n FROM seq(2)"), SQL_NTS), SQL_SUCCESS);
    a.SQLNumResultCols(stmt_, nullptr);
    a.SQLDescribeCol(stmt_, 1, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr);
    a.SQLDescribeColW(stmt_, 1, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr);
    a.SQLColAttribute(stmt_, 1, SQL_DESC_NAME, nullptr, 0, nullptr, nullptr);
    a.SQLColAttributeW(stmt_, 1, SQL_DESC_NAME, nullptr, 0, nullptr, nullptr);
    a.SQLGetStmtAttr(stmt_, SQL_ATTR_APP_ROW_DESC, nullptr, 0, nullptr);
    a.SQLGetStmtAttrW(stmt_, SQL_ATTR_IMP_ROW_DESC, nullptr, 0, nullptr);
    a.SQLGetCursorName(stmt_, nullptr, 0, nullptr);
    a.SQLRowCount(stmt_, nullptr);
    a.SQLFreeStmt(stmt_, SQL_CLOSE);
    a.SQLGetInfo(session_->dbc(), SQL_DBMS_NAME, nullptr, 0, nullptr);
    a.SQLGetInfoW(session_->dbc(), SQL_DBMS_NAME, nullptr, 0, nullptr);
    a.SQLGetConnectAttr(session_->dbc(), SQL_ATTR_AUTOCOMMIT, nullptr, 0, nullptr);
    expect_live_handles_intact();
}

// A descriptor attribute takes one of our descriptor handles; anything else is HY024.
TEST_F(NullPointerTest, StatementDescriptorAttributeWithABadHandle) {
    const Api& a = retry();
    auto garbage = std::make_unique<unsigned char[]>(64);
    std::memset(garbage.get(), 0x5A, 64);
    for (void* bad : {static_cast<void*>(garbage.get()), static_cast<void*>(session_->dbc()),
                      static_cast<void*>(stmt_)}) {
        EXPECT_EQ(a.SQLSetStmtAttr(stmt_, SQL_ATTR_APP_ROW_DESC, bad, 0), SQL_ERROR);
        EXPECT_EQ(first_state(SQL_HANDLE_STMT, stmt_), "HY024");
    }
    expect_live_handles_intact();
}

}  // namespace
}  // namespace odbcretry::driver_tests
