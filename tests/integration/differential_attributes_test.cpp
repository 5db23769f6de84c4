// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): SQLNativeSql and the
// attributes of environment, connection and statement.
#include <utility>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- SQLNativeSql -------------------------------------------------------------------------------

TEST_P(Differential, NativeSql) {
    run([](Pass& r) {
        const std::string inputs[] = {
            "SELECT 1",
            "SELECT {fn UCASE('abc')}, {fn CONCAT('a', 'b')}",
            "SELECT {d '2020-01-02'}, {t '03:04:05'}, {ts '2020-01-02 03:04:05'}",
            "SELECT * FROM t WHERE {fn LCASE(name)} LIKE 'x%' {escape '\\'}",
            "SELECT '" + kGreeting + "'",
            "{call ort_no_proc(?, ?)}",
        };
        for (const auto& in : inputs) {
            for (SQLINTEGER capacity : {1024, 6}) {
                char out[1100];
                std::memset(out, 0xCC, sizeof out);
                SQLINTEGER len = -7777;
                // A copy of the input with room after it: sqliteodbc's SQLNativeSql writes a
                // terminator into the input at [capacity - 1], however short the input is.
                std::string input = in;
                input.resize(std::max(in.size(), static_cast<size_t>(capacity)) + 1, '\0');
                SQLRETURN rc =
                    SQLNativeSql(r.dbc, reinterpret_cast<SQLCHAR*>(input.data()), SQL_NTS,
                                 reinterpret_cast<SQLCHAR*>(out), capacity, &len);
                r.cn(fmt("SQLNativeSql[%s] (buffer %d) len=%d '%s' buffer=#%s",
                         printable(in).c_str(), capacity, len,
                         SQL_SUCCEEDED(rc)
                             ? printable(out, strnlen(out, static_cast<size_t>(capacity))).c_str()
                             : "",
                         hash_str(out, sizeof out).c_str()),
                     rc);
                if (r.sqlite()) {
                    // Not called: on the direct path the driver manager's emulation over
                    // sqliteodbc's SQLNativeSql reads past its own buffers (sqliteodbc leaves a
                    // truncated output unterminated and writes its terminator into the input), so
                    // what it returns is not reproducible even with the driver alone (valgrind).
                    // odbc-retry's SQLNativeSqlW on sqlite is checked against the spec instead
                    // (WConversion.NativeSqlW in differential_wconversion_test.cpp).
                    r.note(
                        fmt("SQLNativeSqlW[%s] (buffer %d): not called on sqlite, see the comment",
                            printable(in).c_str(), capacity));
                    continue;
                }
                WString win = to_w(in);
                // Far larger than the capacity passed: with a target that has no W entry points,
                // the driver manager converts the A result up to its first NUL, which sqliteodbc
                // does not always write, and so writes past the capacity it was given.
                std::vector<SQLWCHAR> wide_out(65536, 0xCCCC);
                SQLWCHAR* wout = wide_out.data();
                len = -7777;
                rc = SQLNativeSqlW(r.dbc, win.data(), static_cast<SQLINTEGER>(win.size()), wout,
                                   capacity, &len);
                r.w_cn(fmt("SQLNativeSqlW[%s] (buffer %d) %s '%s' buffer=%s", printable(in).c_str(),
                           capacity, r.w_len(len).c_str(),
                           SQL_SUCCEEDED(rc)
                               ? r.w_text(wout, static_cast<size_t>(capacity), len).c_str()
                               : "",
                           r.w_buffer(wout, 1100 * sizeof(SQLWCHAR)).c_str()),
                       rc, Pass::WOut::Text);
            }
        }
        SQLINTEGER len = -7777;
        r.cn("SQLNativeSql (no output buffer)",
             SQLNativeSql(r.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), SQL_NTS,
                          nullptr, 0, &len));
        r.note(fmt("  len=%d", len));
    });
}

// ---- attributes ---------------------------------------------------------------------------------

TEST_P(Differential, Attributes) {
    run([](Pass& r) {
        // Connection attributes (pointer-valued ones, such as SQL_ATTR_QUIET_MODE, are left out).
        const std::pair<SQLINTEGER, bool> connect_attrs[] = {
            {SQL_ATTR_ACCESS_MODE, false},
            {SQL_ATTR_AUTOCOMMIT, false},
            {SQL_ATTR_LOGIN_TIMEOUT, false},
            {SQL_ATTR_TXN_ISOLATION, false},
            {SQL_ATTR_CURRENT_CATALOG, true},
            {SQL_ATTR_ODBC_CURSORS, false},
            {SQL_ATTR_PACKET_SIZE, false},
            {SQL_ATTR_CONNECTION_TIMEOUT, false},
            {SQL_ATTR_METADATA_ID, false},
            {SQL_ATTR_ASYNC_ENABLE, false},
            {SQL_ATTR_AUTO_IPD, false},
            {SQL_ATTR_CONNECTION_DEAD, false},
            {SQL_ATTR_TRACE, false},
            {SQL_ATTR_TRANSLATE_OPTION, false},
            {99999, false},
        };
        for (auto [attr, is_text] : connect_attrs) {
            for (bool wide : {false, true}) {
                unsigned char buffer[512];
                std::memset(buffer, 0xCC, sizeof buffer);
                SQLINTEGER len = -7777;
                SQLRETURN rc = wide ? SQLGetConnectAttrW(r.dbc, attr, buffer, 400, &len)
                                    : SQLGetConnectAttr(r.dbc, attr, buffer, 400, &len);
                std::string value;
                if (SQL_SUCCEEDED(rc) && is_text) {
                    // Appended piece by piece: `"'" + std::string&&` trips GCC 12's -Wrestrict
                    // false positive in Release (-O3) builds.
                    value = '\'';
                    value += wide
                                 ? r.w_text(reinterpret_cast<SQLWCHAR*>(buffer), 200, len / 2)
                                 : printable(buffer, strnlen(reinterpret_cast<char*>(buffer), 400));
                    value += '\'';
                } else if (SQL_SUCCEEDED(rc)) {
                    value = hex(buffer, 8);
                }
                // A W call for a text attribute follows the W rule (differential.h).
                const std::string what = fmt(
                    "SQLGetConnectAttr%s(%d) %s value=%s", wide ? "W" : "", attr,
                    (wide && is_text ? r.w_len(len) : fmt("len=%d", static_cast<int>(len))).c_str(),
                    value.c_str());
                wide ? r.w_cn(what, rc, is_text ? Pass::WOut::Text : Pass::WOut::None)
                     : r.cn(what, rc);
            }
        }
        r.cn("set TXN_ISOLATION serializable",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_TXN_ISOLATION,
                               reinterpret_cast<SQLPOINTER>(SQL_TXN_SERIALIZABLE), 0));
        SQLULEN v = 777;
        r.cn("get TXN_ISOLATION", SQLGetConnectAttr(r.dbc, SQL_ATTR_TXN_ISOLATION, &v, 0, nullptr));
        r.note(fmt("  %lu", static_cast<unsigned long>(v)));
        r.cn("set ACCESS_MODE read-only",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_ACCESS_MODE,
                               reinterpret_cast<SQLPOINTER>(SQL_MODE_READ_ONLY), 0));
        r.cn("set ACCESS_MODE read-write",
             SQLSetConnectAttr(r.dbc, SQL_ATTR_ACCESS_MODE,
                               reinterpret_cast<SQLPOINTER>(SQL_MODE_READ_WRITE), 0));
        r.cn("set 99999", SQLSetConnectAttr(r.dbc, 99999, reinterpret_cast<SQLPOINTER>(1), 0));

        const SQLINTEGER stmt_attrs[] = {
            SQL_ATTR_QUERY_TIMEOUT,
            SQL_ATTR_MAX_ROWS,
            SQL_ATTR_NOSCAN,
            SQL_ATTR_MAX_LENGTH,
            SQL_ATTR_ASYNC_ENABLE,
            SQL_ATTR_ROW_BIND_TYPE,
            SQL_ATTR_CURSOR_TYPE,
            SQL_ATTR_CONCURRENCY,
            SQL_ATTR_KEYSET_SIZE,
            SQL_ATTR_SIMULATE_CURSOR,
            SQL_ATTR_RETRIEVE_DATA,
            SQL_ATTR_USE_BOOKMARKS,
            SQL_ATTR_ENABLE_AUTO_IPD,
            SQL_ATTR_PARAM_BIND_TYPE,
            SQL_ATTR_PARAMSET_SIZE,
            SQL_ATTR_ROW_ARRAY_SIZE,
            SQL_ATTR_CURSOR_SCROLLABLE,
            SQL_ATTR_CURSOR_SENSITIVITY,
            SQL_ATTR_METADATA_ID,
            SQL_ROWSET_SIZE,
            99999,
        };
        Stmt s(r);
        for (SQLINTEGER attr : stmt_attrs) {
            for (bool wide : {false, true}) {
                unsigned char buffer[64];
                std::memset(buffer, 0xCC, sizeof buffer);
                SQLINTEGER len = -7777;
                SQLRETURN rc = wide ? SQLGetStmtAttrW(s, attr, buffer, 64, &len)
                                    : SQLGetStmtAttr(s, attr, buffer, 64, &len);
                const std::string what =
                    fmt("SQLGetStmtAttr%s(%d) len=%d value=%s", wide ? "W" : "", attr,
                        static_cast<int>(len), SQL_SUCCEEDED(rc) ? hex(buffer, 8).c_str() : "");
                wide ? r.w_st(what, rc, s) : r.st(what, rc, s);
            }
        }
        r.st("set MAX_ROWS 2",
             SQLSetStmtAttr(s, SQL_ATTR_MAX_ROWS, reinterpret_cast<SQLPOINTER>(2), 0), s);
        r.st("set QUERY_TIMEOUT 30",
             SQLSetStmtAttr(s, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(30), 0), s);
        r.st("set CONCURRENCY LOCK",
             SQLSetStmtAttr(s, SQL_ATTR_CONCURRENCY, reinterpret_cast<SQLPOINTER>(SQL_CONCUR_LOCK),
                            0),
             s);
        r.st("set 99999", SQLSetStmtAttr(s, 99999, reinterpret_cast<SQLPOINTER>(1), 0), s);
        for (SQLINTEGER attr : {SQL_ATTR_MAX_ROWS, SQL_ATTR_QUERY_TIMEOUT, SQL_ATTR_CONCURRENCY}) {
            SQLULEN value = 777;
            r.st(fmt("get %d", attr), SQLGetStmtAttr(s, attr, &value, 0, nullptr), s);
            r.note(fmt("  %lu", static_cast<unsigned long>(value)));
        }
        r.exec(s, r.pick("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3",
                         "SELECT generate_series(1, 3)",
                         "SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"));
        r.dump_result(s, Fetch::Char);
        // Environment attributes.
        for (SQLINTEGER attr : {SQL_ATTR_ODBC_VERSION, SQL_ATTR_CONNECTION_POOLING,
                                SQL_ATTR_CP_MATCH, SQL_ATTR_OUTPUT_NTS}) {
            SQLINTEGER value = -777;
            r.rec(fmt("SQLGetEnvAttr(%d)", attr), SQLGetEnvAttr(r.env, attr, &value, 0, nullptr),
                  SQL_HANDLE_ENV, r.env);
            r.note(fmt("  %d", value));
        }
    });
}

}  // namespace
