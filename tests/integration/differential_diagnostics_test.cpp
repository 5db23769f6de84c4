// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): diagnostics (every
// reading function: SQLGetDiagRec, SQLGetDiagField, SQLError, A and W) and bad arguments from the
// application.
#include <algorithm>
#include <cstring>
#include <utility>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- reading every diagnostic -------------------------------------------------------------------

// Every diagnostic of a handle through every reading function: header fields, SQLGetDiagRec and
// SQLGetDiagField (A and W) for each record and one past the end, a truncating buffer.
void dump_all_diagnostics(Pass& r, SQLSMALLINT type, SQLHANDLE h, const std::string& label) {
    SQLINTEGER number = -1;
    SQLSMALLINT len = -1;
    SQLRETURN rc = SQLGetDiagField(type, h, 0, SQL_DIAG_NUMBER, &number, 0, &len);
    r.note(fmt("%s SQL_DIAG_NUMBER -> %s %d", label.c_str(), rc_name(rc).c_str(),
               static_cast<int>(number)));
    SQLRETURN returncode = -99;
    rc = SQLGetDiagField(type, h, 0, SQL_DIAG_RETURNCODE, &returncode, 0, &len);
    r.note(fmt("%s SQL_DIAG_RETURNCODE -> %s %d", label.c_str(), rc_name(rc).c_str(), returncode));
    if (type == SQL_HANDLE_STMT) {
        for (SQLSMALLINT field : {SQL_DIAG_ROW_COUNT, SQL_DIAG_CURSOR_ROW_COUNT}) {
            SQLLEN v = -777;
            rc = SQLGetDiagField(type, h, 0, field, &v, 0, &len);
            r.note(fmt("%s header field %d -> %s %ld", label.c_str(), field, rc_name(rc).c_str(),
                       static_cast<long>(v)));
        }
        SQLINTEGER code = -777;
        rc = SQLGetDiagField(type, h, 0, SQL_DIAG_DYNAMIC_FUNCTION_CODE, &code, 0, &len);
        r.note(fmt("%s SQL_DIAG_DYNAMIC_FUNCTION_CODE -> %s %d", label.c_str(), rc_name(rc).c_str(),
                   static_cast<int>(code)));
        SQLCHAR text[256] = {};
        len = -1;
        rc = SQLGetDiagField(type, h, 0, SQL_DIAG_DYNAMIC_FUNCTION, text, sizeof text, &len);
        r.note(
            fmt("%s SQL_DIAG_DYNAMIC_FUNCTION -> %s len=%d '%s'", label.c_str(),
                rc_name(rc).c_str(), len,
                SQL_SUCCEEDED(rc)
                    ? printable(text, strnlen(reinterpret_cast<char*>(text), sizeof text)).c_str()
                    : ""));
    }
    for (SQLSMALLINT i = 1; i <= std::max<SQLINTEGER>(number, 0) + 1; ++i) {
        std::string record_message;
        {
            SQLCHAR state[8] = {};
            SQLINTEGER native = -1;
            SQLCHAR message[2048] = {};
            len = -1;
            rc = SQLGetDiagRec(type, h, i, state, &native, message, sizeof message, &len);
            if (SQL_SUCCEEDED(rc)) record_message = reinterpret_cast<char*>(message);
            r.note(fmt("%s rec %d SQLGetDiagRec -> %s %s native=%d len=%d '%s'", label.c_str(), i,
                       rc_name(rc).c_str(), reinterpret_cast<char*>(state),
                       static_cast<int>(native), len,
                       printable(message, strnlen(reinterpret_cast<char*>(message), sizeof message))
                           .c_str()));
        }
        {
            SQLWCHAR state[8] = {};
            SQLINTEGER native = -1;
            SQLWCHAR message[2048] = {};
            len = -1;
            rc = SQLGetDiagRecW(type, h, i, state, &native, message, 2048, &len);
            r.note(fmt("%s rec %d SQLGetDiagRecW -> %s %s native=%d len=%d '%s'", label.c_str(), i,
                       rc_name(rc).c_str(), from_w(state, wlen(state, 6)).c_str(),
                       static_cast<int>(native), len,
                       printable(from_w(message, wlen(message, 2048))).c_str()));
        }
        {
            // A buffer too small for the message.
            SQLCHAR state[8] = {};
            SQLINTEGER native = -1;
            SQLCHAR message[12];
            std::memset(message, 0xCC, sizeof message);
            len = -1;
            rc = SQLGetDiagRec(type, h, i, state, &native, message, 10, &len);
            r.note(fmt("%s rec %d SQLGetDiagRec(buffer 10) -> %s len=%d '%s' buffer=%s",
                       label.c_str(), i, rc_name(rc).c_str(), len,
                       printable(message, strnlen(reinterpret_cast<char*>(message), 10)).c_str(),
                       hex(message, sizeof message).c_str()));
        }
        const std::pair<SQLSMALLINT, bool> fields[] = {
            {SQL_DIAG_SQLSTATE, true},        {SQL_DIAG_NATIVE, false},
            {SQL_DIAG_MESSAGE_TEXT, true},    {SQL_DIAG_CLASS_ORIGIN, true},
            {SQL_DIAG_SUBCLASS_ORIGIN, true}, {SQL_DIAG_CONNECTION_NAME, true},
            {SQL_DIAG_SERVER_NAME, true},     {SQL_DIAG_COLUMN_NUMBER, false},
            {SQL_DIAG_ROW_NUMBER, false},
        };
        for (auto [field, is_text] : fields) {
            if (r.diag_fields_from_dm_copies() &&
                (i > number || (field != SQL_DIAG_SQLSTATE && field != SQL_DIAG_NATIVE &&
                                field != SQL_DIAG_MESSAGE_TEXT && field != SQL_DIAG_COLUMN_NUMBER &&
                                field != SQL_DIAG_ROW_NUMBER))) {
                if (type != SQL_HANDLE_STMT &&
                    (field == SQL_DIAG_COLUMN_NUMBER || field == SQL_DIAG_ROW_NUMBER))
                    continue;
                r.note(
                    fmt("%s rec %d field %d (not compared: driver manager's own copies, "
                        "Pass::diag_fields_from_dm_copies)",
                        label.c_str(), i, field));
                if (is_text)
                    r.note(
                        fmt("%s rec %d field %d W (not compared: driver manager's own copies, "
                            "Pass::diag_fields_from_dm_copies)",
                            label.c_str(), i, field));
                continue;
            }
            if (!is_text) {
                if (type != SQL_HANDLE_STMT &&
                    (field == SQL_DIAG_COLUMN_NUMBER || field == SQL_DIAG_ROW_NUMBER))
                    continue;
                SQLLEN v = -777;  // SQLINTEGER for NATIVE/COLUMN_NUMBER, SQLLEN for ROW_NUMBER
                rc = SQLGetDiagField(type, h, i, field, &v, 0, &len);
                std::string value = field == SQL_DIAG_ROW_NUMBER
                                        ? std::to_string(v)
                                        : std::to_string(static_cast<SQLINTEGER>(v));
                // sqliteodbc answers SQL_DIAG_COLUMN_NUMBER and SQL_DIAG_ROW_NUMBER with
                // SQL_SUCCESS without writing them; the driver manager then hands out its own
                // uninitialised copy.
                if (r.sqlite() && field != SQL_DIAG_NATIVE)
                    value = "(value not compared: sqliteodbc leaves it unset)";
                r.note(fmt("%s rec %d field %d -> %s %s", label.c_str(), i, field,
                           rc_name(rc).c_str(), value.c_str()));
                continue;
            }
            SQLCHAR text[2048];
            std::memset(text, 0, sizeof text);
            len = -1;
            rc = SQLGetDiagField(type, h, i, field, text, sizeof text, &len);
            std::string value =
                printable(text, strnlen(reinterpret_cast<char*>(text), sizeof text));
            // The driver manager's own records (24000, HY010, ...) carry the name of the DSN the
            // application connected to as SQL_DIAG_SERVER_NAME: sqlite_direct vs sqlite_retry.
            const bool dm_record = record_message.rfind("[unixODBC][Driver Manager]", 0) == 0;
            if (dm_record && field == SQL_DIAG_SERVER_NAME && value == r.dsn)
                value = "<the application's DSN>";
            r.note(fmt("%s rec %d field %d -> %s len=%d '%s'", label.c_str(), i, field,
                       rc_name(rc).c_str(), value == "<the application's DSN>" ? -1 : len,
                       SQL_SUCCEEDED(rc) ? value.c_str() : ""));
            if (r.diag_fields_from_dm_copies()) {
                r.note(
                    fmt("%s rec %d field %d W (not compared: driver manager's own copies, "
                        "Pass::diag_fields_from_dm_copies)",
                        label.c_str(), i, field));
                continue;
            }
            SQLWCHAR wtext[2048];
            std::memset(wtext, 0, sizeof wtext);
            len = -1;
            rc = SQLGetDiagFieldW(type, h, i, field, wtext, sizeof wtext, &len);
            std::string wvalue = printable(from_w(wtext, wlen(wtext, 2048)));
            if (dm_record && field == SQL_DIAG_SERVER_NAME && wvalue == r.dsn)
                wvalue = "<the application's DSN>";
            r.note(fmt("%s rec %d field %d W -> %s len=%d '%s'", label.c_str(), i, field,
                       rc_name(rc).c_str(), wvalue == "<the application's DSN>" ? -1 : len,
                       SQL_SUCCEEDED(rc) ? wvalue.c_str() : ""));
        }
    }
}

// SQLError (ODBC 2) until it has nothing more; it consumes the records it returns.
void dump_sqlerror(Pass& r, SQLHSTMT s, bool wide, const std::string& label) {
    for (int i = 0; i < 10; ++i) {
        SQLINTEGER native = -1;
        SQLSMALLINT len = -1;
        SQLRETURN rc;
        std::string state, message;
        if (wide) {
            SQLWCHAR st[8] = {}, msg[1024] = {};
            rc = SQLErrorW(SQL_NULL_HENV, SQL_NULL_HDBC, s, st, &native, msg, 1024, &len);
            state = from_w(st, wlen(st, 6));
            message = from_w(msg, wlen(msg, 1024));
        } else {
            SQLCHAR st[8] = {}, msg[1024] = {};
            rc = SQLError(SQL_NULL_HENV, SQL_NULL_HDBC, s, st, &native, msg, sizeof msg, &len);
            state = reinterpret_cast<char*>(st);
            message = reinterpret_cast<char*>(msg);
        }
        r.note(fmt("%s SQLError%s #%d -> %s %s native=%d len=%d '%s'", label.c_str(),
                   wide ? "W" : "", i + 1, rc_name(rc).c_str(), state.c_str(),
                   static_cast<int>(native), len, printable(message).c_str()));
        if (!SQL_SUCCEEDED(rc)) break;
    }
}

// A statement that should fail: its return code, every diagnostic through every reader, then
// run again and read with SQLError A, then again with SQLErrorW.
void failing_statement(Pass& r, const std::string& label, const std::string& sql) {
    for (int pass = 0; pass < 3; ++pass) {
        Stmt s(r);
        SQLRETURN rc =
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        r.note(fmt("%s pass %d SQLExecDirect[%s] -> %s", label.c_str(), pass,
                   printable(sql).c_str(), rc_name(rc).c_str()));
        if (pass == 0)
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, label);
        else
            dump_sqlerror(r, s, pass == 2, label);
    }
}

// ---- diagnostics --------------------------------------------------------------------------------

TEST_P(Differential, Diagnostics) {
    run([](Pass& r) {
        const std::string t = r.table("diag");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_name VARCHAR(10) NOT NULL)");
        r.sql("INSERT INTO " + t + " (c_id, c_name) VALUES (1, 'one')");
        failing_statement(r, "syntax", "SELEC 1 FRM nowhere");
        failing_statement(r, "missing table",
                          "SELECT * FROM ort_no_such_table_" + std::string(r.b.name));
        failing_statement(r, "duplicate key",
                          "INSERT INTO " + t + " (c_id, c_name) VALUES (1, 'again')");
        failing_statement(r, "not null", "INSERT INTO " + t + " (c_id, c_name) VALUES (2, NULL)");
        failing_statement(r, "unknown column", "SELECT c_nothing FROM " + t);
        {
            // Conversion errors and truncation while reading.
            Stmt s(r);
            r.exec(s, "SELECT 'abc', 'abcdefghij', 300, 'x' FROM " + t);
            r.st("SQLFetch", SQLFetch(s), s);
            SQLINTEGER number = -1;
            SQLLEN ind = -777;
            SQLRETURN rc = SQLGetData(s, 1, SQL_C_SLONG, &number, 0, &ind);
            r.note(fmt("SQLGetData('abc' as SLONG) -> %s", rc_name(rc).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "conversion");
            char small[5];
            std::memset(small, 0xCC, sizeof small);
            rc = SQLGetData(s, 2, SQL_C_CHAR, small, 4, &ind);
            r.note(fmt("SQLGetData(10 chars into 4) -> %s ind=%s buffer=%s", rc_name(rc).c_str(),
                       len_str(ind).c_str(), hex(small, sizeof small).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "truncation");
            signed char tiny = 0;
            rc = SQLGetData(s, 3, SQL_C_STINYINT, &tiny, 0, &ind);
            r.note(fmt("SQLGetData(300 as STINYINT) -> %s", rc_name(rc).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "out of range");
        }
        {
            // Diagnostics of a connection handle and of a statement after success.
            SQLULEN v = 0;
            SQLRETURN rc = SQLGetConnectAttr(r.dbc, 99999, &v, 0, nullptr);
            r.note(fmt("SQLGetConnectAttr(99999) -> %s", rc_name(rc).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_DBC, r.dbc, "dbc");
            Stmt s(r);
            r.exec(s, "SELECT 1");
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "after success");
            rc = SQLSetStmtAttr(s, SQL_ATTR_CURSOR_TYPE,
                                reinterpret_cast<SQLPOINTER>(SQL_CURSOR_DYNAMIC), 0);
            r.note(fmt("SQLSetStmtAttr(CURSOR_TYPE DYNAMIC) with a cursor open -> %s",
                       rc_name(rc).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "attr");
            SQLCloseCursor(s);
            rc = SQLSetStmtAttr(s, SQL_ATTR_CURSOR_TYPE,
                                reinterpret_cast<SQLPOINTER>(SQL_CURSOR_DYNAMIC), 0);
            r.note(fmt("SQLSetStmtAttr(CURSOR_TYPE DYNAMIC) -> %s", rc_name(rc).c_str()));
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "attr");
        }
        {
            // SQL_DIAG_ROW_COUNT after a successful update.
            Stmt s(r);
            r.exec(s, "UPDATE " + t + " SET c_name = 'uno' WHERE c_id = 1");
            dump_all_diagnostics(r, SQL_HANDLE_STMT, s, "update");
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- bad arguments from the application ---------------------------------------------------------

TEST_P(Differential, BadArguments) {
    run([](Pass& r) {
        Stmt s(r);
        char out[64];
        SQLLEN ind = 0;
        SQLSMALLINT n = 0;
        r.st("SQLFetch before execute", SQLFetch(s), s);
        r.st("SQLGetData before execute", SQLGetData(s, 1, SQL_C_CHAR, out, sizeof out, &ind), s);
        r.st("SQLExecDirect(NULL text)", SQLExecDirect(s, nullptr, SQL_NTS), s);
        r.st("SQLExecDirect(length -5)",
             SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), -5), s);
        r.st("SQLExecDirect(length 0)",
             SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), 0), s);
        r.w_st("SQLExecDirectW(NULL text)", SQLExecDirectW(s, nullptr, SQL_NTS), s);
        r.st("SQLPrepare(length -3)",
             SQLPrepare(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), -3), s);
        // An explicit length shorter than the text: only "SELECT 12" is the statement.
        r.st(
            "SQLExecDirect(explicit length)",
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 12345 AS x")), 9),
            s);
        r.dump_result(s, Fetch::Char);
        SQLFreeStmt(s, SQL_CLOSE);
        WString w = to_w("SELECT 12345 AS x");
        r.w_st("SQLExecDirectW(explicit length)", SQLExecDirectW(s, w.data(), 9), s);
        r.dump_result(s, Fetch::Char);
        SQLFreeStmt(s, SQL_CLOSE);
        r.exec(s, "SELECT 1 AS one, 'two' AS two");
        r.st("SQLDescribeCol(all outputs NULL)",
             SQLDescribeCol(s, 1, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr), s);
        r.st("SQLDescribeCol(column 0)",
             SQLDescribeCol(s, 0, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr), s);
        r.st("SQLDescribeCol(column 9)",
             SQLDescribeCol(s, 9, nullptr, 0, nullptr, nullptr, nullptr, nullptr, nullptr), s);
        r.st("SQLDescribeCol(negative buffer)",
             SQLDescribeCol(s, 1, reinterpret_cast<SQLCHAR*>(out), -1, &n, nullptr, nullptr,
                            nullptr, nullptr),
             s);
        r.st("SQLColAttribute(NULL outputs)",
             SQLColAttribute(s, 1, SQL_DESC_TYPE, nullptr, 0, nullptr, nullptr), s);
        r.st("SQLColAttribute(field 9999)", SQLColAttribute(s, 1, 9999, out, sizeof out, &n, &ind),
             s);
        r.st("SQLBindCol(column 9)", SQLBindCol(s, 9, SQL_C_CHAR, out, sizeof out, &ind), s);
        r.st("SQLBindCol(bad C type)", SQLBindCol(s, 1, 9999, out, sizeof out, &ind), s);
        r.st("SQLBindCol(negative length)", SQLBindCol(s, 1, SQL_C_CHAR, out, -1, &ind), s);
        r.st("SQLFetch", SQLFetch(s), s);
        r.st("SQLGetData(column 0)", SQLGetData(s, 0, SQL_C_CHAR, out, sizeof out, &ind), s);
        r.st("SQLGetData(bad C type)", SQLGetData(s, 1, 9999, out, sizeof out, &ind), s);
        r.st("SQLGetData(negative length)", SQLGetData(s, 2, SQL_C_CHAR, out, -5, &ind), s);
        r.st("SQLFetchScroll(bad orientation)", SQLFetchScroll(s, 99, 0), s);
        r.st("SQLFreeStmt(bad option)", SQLFreeStmt(s, 99), s);
        r.st("SQLSetStmtAttr(ROW_ARRAY_SIZE 0)",
             SQLSetStmtAttr(s, SQL_ATTR_ROW_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(0), 0), s);
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);
        r.st("SQLCloseCursor (no cursor)", SQLCloseCursor(s), s);
        r.st("SQLMoreResults (no cursor)", SQLMoreResults(s), s);
        SQLSMALLINT len = 0;
        r.cn("SQLGetInfo(NULL value)", SQLGetInfo(r.dbc, SQL_DBMS_NAME, nullptr, 0, &len));
        r.note(fmt("  len=%d", len));
        r.cn("SQLGetInfo(negative buffer)", SQLGetInfo(r.dbc, SQL_DBMS_NAME, out, -1, &len));
        r.cn("SQLGetInfo(9999)", SQLGetInfo(r.dbc, 9999, out, sizeof out, &len));
        SQLCHAR state[6];
        SQLINTEGER native = 0;
        r.note(fmt("SQLGetDiagRec(rec 0) -> %s",
                   rc_name(SQLGetDiagRec(SQL_HANDLE_STMT, s, 0, state, &native,
                                         reinterpret_cast<SQLCHAR*>(out), sizeof out, &n))
                       .c_str()));
        r.note(fmt("SQLGetDiagRec(negative buffer) -> %s",
                   rc_name(SQLGetDiagRec(SQL_HANDLE_STMT, s, 1, state, &native,
                                         reinterpret_cast<SQLCHAR*>(out), -1, &n))
                       .c_str()));
        r.note(fmt(
            "SQLGetDiagField(bad field) -> %s",
            rc_name(SQLGetDiagField(SQL_HANDLE_STMT, s, 0, 9999, out, sizeof out, &n)).c_str()));
        r.cn("SQLSetConnectAttr(AUTOCOMMIT bad value)",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(7), 0));
        r.cn("SQLGetFunctions(NULL)", SQLGetFunctions(r.dbc, SQL_API_SQLFETCH, nullptr));
        r.cn("SQLNativeSql(NULL input)",
             SQLNativeSql(r.dbc, nullptr, SQL_NTS, reinterpret_cast<SQLCHAR*>(out), sizeof out,
                          nullptr));
        SQLHSTMT none = SQL_NULL_HSTMT;
        r.cn("SQLAllocHandle(STMT, NULL output)", SQLAllocHandle(SQL_HANDLE_STMT, r.dbc, nullptr));
        r.cn("SQLAllocHandle(99)", SQLAllocHandle(99, r.dbc, &none));
        r.st("SQLPrepare then SQLGetData",
             SQLPrepare(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), SQL_NTS), s);
        r.st("  SQLGetData", SQLGetData(s, 1, SQL_C_CHAR, out, sizeof out, &ind), s);
        r.st("  SQLParamData without need-data", SQLParamData(s, nullptr), s);
        r.st("  SQLPutData without need-data", SQLPutData(s, out, 1), s);
        r.st("SQLBindParameter(number 0)",
             SQLBindParameter(s, 0, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 10, 0, out, 10, &ind),
             s);
        r.st("SQLBindParameter(bad io type)",
             SQLBindParameter(s, 1, 99, SQL_C_CHAR, SQL_VARCHAR, 10, 0, out, 10, &ind), s);
        r.st("SQLBindParameter(bad SQL type)",
             SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_CHAR, 9999, 10, 0, out, 10, &ind), s);
    });
}

}  // namespace
