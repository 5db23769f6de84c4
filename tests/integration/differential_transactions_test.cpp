// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): SQLCancel, transactions
// and cursor names.
#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- SQLCancel ----------------------------------------------------------------------------------

TEST_P(Differential, Cancel) {
    run([](Pass& r) {
        const std::string t = r.table("cancel");
        fill_small_table(r, t, 3);
        {
            Stmt s(r);
            r.st("SQLCancel (idle, new statement)", SQLCancel(s), s);
            r.exec(s, "SELECT c_id FROM " + t + " ORDER BY c_id");
            r.st("SQLFetch", SQLFetch(s), s);
            r.st("SQLCancel (cursor open)", SQLCancel(s), s);
            r.st("SQLFetch after SQLCancel", SQLFetch(s), s);
            r.st("SQLCloseCursor", SQLCloseCursor(s), s);
            r.st("SQLCancel (idle again)", SQLCancel(s), s);
            r.st("SQLCancelHandle(STMT)", SQLCancelHandle(SQL_HANDLE_STMT, s), s);
        }
        {
            // Cancelling a statement that waits for data at execution ends the wait.
            Stmt s(r);
            r.prepare(s, "INSERT INTO " + t + " (c_id, c_name) VALUES (100, ?)");
            SQLLEN ind = SQL_DATA_AT_EXEC;
            r.st("bind at exec",
                 SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 40, 0,
                                  reinterpret_cast<SQLPOINTER>(1), 0, &ind),
                 s);
            r.st("SQLExecute", SQLExecute(s), s);
            SQLPOINTER token = nullptr;
            r.st("SQLParamData", SQLParamData(s, &token), s);
            r.st("SQLCancel (need data)", SQLCancel(s), s);
            r.st("SQLParamData after SQLCancel", SQLParamData(s, &token), s);
            r.exec(s, "SELECT COUNT(*) FROM " + t);
            r.dump_result(s, Fetch::Char);
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- transactions -------------------------------------------------------------------------------

TEST_P(Differential, Transactions) {
    run([](Pass& r) {
        const std::string t = r.table("txn");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY)");
        auto count = [&](const char* label) {
            Stmt s(r);
            r.exec(s, "SELECT COUNT(*) FROM " + t);
            r.st(std::string("SQLFetch ") + label, SQLFetch(s), s);
            r.get_cell(s, 1, SQL_C_SLONG, 0, label);
        };
        SQLULEN autocommit = 777;
        r.cn("get AUTOCOMMIT",
             SQLGetConnectAttr(r.dbc, SQL_ATTR_AUTOCOMMIT, &autocommit, 0, nullptr));
        r.note(fmt("  autocommit=%lu", static_cast<unsigned long>(autocommit)));
        SQLULEN isolation = 777;
        r.cn("get TXN_ISOLATION",
             SQLGetConnectAttr(r.dbc, SQL_ATTR_TXN_ISOLATION, &isolation, 0, nullptr));
        r.note(fmt("  isolation=%lu", static_cast<unsigned long>(isolation)));
        r.cn("AUTOCOMMIT OFF",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_AUTOCOMMIT,
                               reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0));
        autocommit = 777;
        r.cn("get AUTOCOMMIT",
             SQLGetConnectAttr(r.dbc, SQL_ATTR_AUTOCOMMIT, &autocommit, 0, nullptr));
        r.note(fmt("  autocommit=%lu", static_cast<unsigned long>(autocommit)));
        r.cn("SQLEndTran(DBC, COMMIT) (nothing to commit)",
             SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_COMMIT));
        r.sql("INSERT INTO " + t + " (c_id) VALUES (1)");
        count("in txn");
        r.cn("SQLEndTran(DBC, ROLLBACK)", SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_ROLLBACK));
        count("after rollback");
        r.sql("INSERT INTO " + t + " (c_id) VALUES (2)");
        r.cn("SQLEndTran(DBC, COMMIT)", SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_COMMIT));
        count("after commit");
        r.sql("INSERT INTO " + t + " (c_id) VALUES (3)");
        r.rec("SQLEndTran(ENV, COMMIT)", SQLEndTran(SQL_HANDLE_ENV, r.env, SQL_COMMIT),
              SQL_HANDLE_ENV, r.env);
        count("after env commit");
        r.sql("INSERT INTO " + t + " (c_id) VALUES (4)");
        r.rec("SQLEndTran(ENV, ROLLBACK)", SQLEndTran(SQL_HANDLE_ENV, r.env, SQL_ROLLBACK),
              SQL_HANDLE_ENV, r.env);
        count("after env rollback");
        r.cn("SQLEndTran(DBC, 99) (bad completion type)", SQLEndTran(SQL_HANDLE_DBC, r.dbc, 99));
        // A failing statement inside a transaction, then commit.
        r.sql("INSERT INTO " + t + " (c_id) VALUES (5)");
        r.sql("INSERT INTO " + t + " (c_id) VALUES (5)");
        r.cn("SQLEndTran(DBC, COMMIT) after an error",
             SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_COMMIT));
        count("after commit with error");
        r.cn("AUTOCOMMIT ON",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_AUTOCOMMIT,
                               reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0));
        r.sql("INSERT INTO " + t + " (c_id) VALUES (6)");
        r.cn("SQLEndTran(DBC, ROLLBACK) in autocommit",
             SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_ROLLBACK));
        count("autocommit");
        r.sql("DROP TABLE " + t);
        r.cn("SQLEndTran(DBC, COMMIT)", SQLEndTran(SQL_HANDLE_DBC, r.dbc, SQL_COMMIT));
    });
}

// ---- cursor names -------------------------------------------------------------------------------

TEST_P(Differential, CursorNames) {
    run([](Pass& r) {
        Stmt s(r), other(r);
        auto get = [&](SQLHSTMT h, const char* label, SQLSMALLINT capacity) {
            unsigned char buffer[128];
            std::memset(buffer, 0xCC, sizeof buffer);
            SQLSMALLINT len = -7777;
            SQLRETURN rc = SQLGetCursorName(h, buffer, capacity, &len);
            std::string name(
                reinterpret_cast<char*>(buffer),
                strnlen(reinterpret_cast<char*>(buffer), static_cast<size_t>(capacity)));
            const bool generated = Pass::cursor_name(name) != name;
            r.st(fmt("%s SQLGetCursorName(buffer %d) len=%d '%s' buffer=%s", label, capacity, len,
                     SQL_SUCCEEDED(rc) ? printable(Pass::cursor_name(name)).c_str() : "",
                     generated ? "(generated name)" : (hash_tag(buffer, sizeof buffer)).c_str()),
                 rc, h);
            std::memset(buffer, 0xCC, sizeof buffer);
            len = -7777;
            rc = SQLGetCursorNameW(h, reinterpret_cast<SQLWCHAR*>(buffer),
                                   static_cast<SQLSMALLINT>(capacity), &len);
            std::string wname =
                r.w_text(reinterpret_cast<SQLWCHAR*>(buffer), static_cast<size_t>(capacity), len);
            const bool wgenerated = Pass::cursor_name(wname) != wname;
            r.w_st(
                fmt("%s SQLGetCursorNameW(buffer %d chars) %s '%s' buffer=%s", label, capacity,
                    r.w_len(len).c_str(), SQL_SUCCEEDED(rc) ? Pass::cursor_name(wname).c_str() : "",
                    wgenerated ? "(generated name)" : r.w_buffer(buffer, sizeof buffer).c_str()),
                rc, h, Pass::WOut::Text);
        };
        // Default names are generated by the driver and may hold a handle address: such names
        // are compared as "generated", the rest exactly.
        {
            SQLCHAR buffer[128] = {};
            SQLSMALLINT len = -1;
            SQLRETURN rc = SQLGetCursorName(s, buffer, sizeof buffer, &len);
            r.st(fmt("default SQLGetCursorName len=%d", len), rc, s);
            std::string name = reinterpret_cast<char*>(buffer);
            r.note("  default name starts with '" + name.substr(0, 7) + "'");
        }
        r.st("SQLSetCursorName",
             SQLSetCursorName(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("ort_cursor_one")),
                              SQL_NTS),
             s);
        get(s, "set", 64);
        get(s, "set", 5);
        get(s, "set", 1);
        {
            // The W form on a statement of its own: what is read back depends on its success (the
            // W rule's DM-W1 in differential.h).
            const std::string name = "ort_cursor_w\xC3\xA9";
            WString wname = to_w(name);
            Stmt w_stmt(r);
            SQLRETURN rc = r.w_st("SQLSetCursorNameW",
                                  SQLSetCursorNameW(w_stmt, wname.data(), SQL_NTS), w_stmt);
            if (SQL_SUCCEEDED(rc)) {
                Pass::WDependent dependent(r);
                get(w_stmt, "set W", 64);
                SQLCHAR buffer[64] = {};
                SQLSMALLINT len = -1;
                EXPECT_TRUE(SQL_SUCCEEDED(SQLGetCursorName(w_stmt, buffer, sizeof buffer, &len)))
                    << r.dsn;
                EXPECT_EQ(reinterpret_cast<char*>(buffer), name)
                    << r.dsn << ": the name set through SQLSetCursorNameW";
            }
        }
        r.st("SQLSetCursorName (duplicate)",
             SQLSetCursorName(
                 other, reinterpret_cast<SQLCHAR*>(const_cast<char*>("ort_cursor_one")), SQL_NTS),
             other);
        r.st("SQLSetCursorName (length 7)",
             SQLSetCursorName(other,
                              reinterpret_cast<SQLCHAR*>(const_cast<char*>("ort_cursor_three")), 7),
             other);
        get(other, "set 7", 64);
        r.st("SQLSetCursorName (SQL_CUR prefix)",
             SQLSetCursorName(other, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SQL_CURabc")),
                              SQL_NTS),
             other);
        r.st("SQLSetCursorName (empty)",
             SQLSetCursorName(other, reinterpret_cast<SQLCHAR*>(const_cast<char*>("")), SQL_NTS),
             other);
    });
}

}  // namespace
