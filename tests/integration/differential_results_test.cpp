// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): result sets of common
// types, bulk fetch (row-wise and column-wise), scrolling, several result sets, row counts.
#include <utility>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- result sets of common types ----------------------------------------------------------------

TEST_P(Differential, ResultSetTypes) {
    run([](Pass& r) {
        const std::string t = r.table("types");
        fill_types_table(r, t);
        {
            // Row 4 from bound parameters of native C types, prepared through the W entry point.
            Stmt s(r);
            r.preparew(s, "INSERT INTO " + t +
                              " (c_id, c_int, c_small, c_big, c_num, c_dec, c_float, c_double, "
                              "c_real, c_char,"
                              " c_varchar, c_text, c_date, c_time, c_ts, c_bool, c_bin)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            SQLINTEGER id = 4, i32 = 123456;
            SQLSMALLINT i16 = -12;
            SQLBIGINT i64 = 1234567890123LL;
            char num[] = "42.5";
            double dec = 7.25, f = 0.5, d = 1e-5;
            float real = 2.5f;
            char chr[] = "xyz";
            WString wide = to_w("wide \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC \xC3\xBC");
            std::string text = "h\xC3\xA9llo";
            SQL_DATE_STRUCT date{2001, 2, 3};
            SQL_TIME_STRUCT time{4, 5, 6};
            SQL_TIMESTAMP_STRUCT ts{2001, 2, 3, 4, 5, 6, 0};
            unsigned char bit = 1;
            unsigned char bin[] = {0xde, 0xad, 0x00, 0xbe, 0xef};
            SQLLEN nts = SQL_NTS, zero = 0,
                   wide_len = static_cast<SQLLEN>(wide.size() * sizeof(SQLWCHAR)),
                   bin_len = sizeof bin;
            auto bind = [&](SQLUSMALLINT n, SQLSMALLINT c_type, SQLSMALLINT sql_type, SQLULEN size,
                            SQLSMALLINT digits, void* value, SQLLEN capacity, SQLLEN* ind) {
                r.st(fmt("SQLBindParameter(%u, %s, sql type %d)", n, c_type_name(c_type), sql_type),
                     SQLBindParameter(s, n, SQL_PARAM_INPUT, c_type, sql_type, size, digits, value,
                                      capacity, ind),
                     s);
            };
            bind(1, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &zero);
            bind(2, SQL_C_SLONG, SQL_INTEGER, 0, 0, &i32, 0, &zero);
            bind(3, SQL_C_SSHORT, SQL_SMALLINT, 0, 0, &i16, 0, &zero);
            bind(4, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &i64, 0, &zero);
            bind(5, SQL_C_CHAR, SQL_NUMERIC, 12, 3, num, sizeof num, &nts);
            bind(6, SQL_C_DOUBLE, SQL_DECIMAL, 10, 2, &dec, 0, &zero);
            bind(7, SQL_C_DOUBLE, SQL_FLOAT, 15, 0, &f, 0, &zero);
            bind(8, SQL_C_DOUBLE, SQL_DOUBLE, 15, 0, &d, 0, &zero);
            bind(9, SQL_C_FLOAT, SQL_REAL, 7, 0, &real, 0, &zero);
            bind(10, SQL_C_CHAR, SQL_CHAR, 10, 0, chr, sizeof chr, &nts);
            bind(11, SQL_C_WCHAR, SQL_WVARCHAR, 50, 0, wide.data(), wide_len, &wide_len);
            bind(12, SQL_C_CHAR, SQL_LONGVARCHAR, 1000, 0, text.data(),
                 static_cast<SQLLEN>(text.size()), &nts);
            bind(13, SQL_C_TYPE_DATE, SQL_TYPE_DATE, 10, 0, &date, 0, &zero);
            bind(14, SQL_C_TYPE_TIME, SQL_TYPE_TIME, 8, 0, &time, 0, &zero);
            bind(15, SQL_C_TYPE_TIMESTAMP, SQL_TYPE_TIMESTAMP, 19, 0, &ts, 0, &zero);
            bind(16, SQL_C_BIT, SQL_BIT, 1, 0, &bit, 0, &zero);
            bind(17, SQL_C_BINARY, SQL_VARBINARY, sizeof bin, 0, bin, sizeof bin, &bin_len);
            r.st("SQLExecute", SQLExecute(s), s);
            SQLLEN count = -777;
            r.st("SQLRowCount", SQLRowCount(s, &count), s);
            r.note(fmt("  rows=%ld", static_cast<long>(count)));
        }
        const std::string select = "SELECT * FROM " + t + " ORDER BY c_id";
        // Run with SQLExecDirect and SQLExecDirectW, read as text of that width, then natively.
        const std::pair<bool, Fetch> reads[] = {{false, Fetch::Char},
                                                {true, Fetch::WChar},
                                                {false, Fetch::Native},
                                                {true, Fetch::Native}};
        for (auto [wide, how] : reads) {
            Stmt s(r);
            wide ? r.execw(s, select) : r.exec(s, select);
            r.dump_result(s, how);
        }
        {
            // Non-ASCII text in small pieces, and binary in pieces.
            Stmt s(r);
            r.exec(s, "SELECT c_varchar, c_text, c_bin, c_varchar FROM " + t + " WHERE c_id = 1");
            r.st("SQLFetch", SQLFetch(s), s);
            r.get_cell(s, 1, SQL_C_CHAR, 6, "chunks");
            r.get_cell(s, 2, SQL_C_WCHAR, 10, "chunks");
            r.get_cell(s, 3, SQL_C_BINARY, 3, "chunks");
            r.get_cell(s, 4, SQL_C_WCHAR, 7, "odd-sized chunks");
        }
        for (bool wide : {false, true}) {
            // Non-ASCII in the statement text, in a literal and in a comparison.
            Stmt s(r);
            std::string sql = "SELECT c_id, '" + kGreeting + "' AS greeting FROM " + t +
                              " WHERE c_varchar = '" + kGreeting + "'";
            wide ? r.execw(s, sql) : r.exec(s, sql);
            r.dump_result(s, wide ? Fetch::WChar : Fetch::Char);
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- bulk fetch ---------------------------------------------------------------------------------

TEST_P(Differential, BulkFetchRowWise) {
    run([](Pass& r) {
        const std::string t = r.table("bulkrow");
        fill_small_table(r, t, 10);
        struct Row {
            SQLINTEGER id;
            SQLLEN id_ind;
            SQLCHAR name[16];
            SQLLEN name_ind;
            double amount;
            SQLLEN amount_ind;
        };
        Row rows[4];
        std::memset(rows, 0xCC, sizeof rows);
        SQLULEN fetched = 777;
        SQLUSMALLINT status[4];
        Stmt s(r);
        r.st(
            "ROW_BIND_TYPE sizeof(Row)",
            SQLSetStmtAttr(s, SQL_ATTR_ROW_BIND_TYPE, reinterpret_cast<SQLPOINTER>(sizeof(Row)), 0),
            s);
        r.st("ROW_ARRAY_SIZE 4",
             SQLSetStmtAttr(s, SQL_ATTR_ROW_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(4), 0), s);
        r.st("ROWS_FETCHED_PTR", SQLSetStmtAttr(s, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), s);
        r.st("ROW_STATUS_PTR", SQLSetStmtAttr(s, SQL_ATTR_ROW_STATUS_PTR, status, 0), s);
        r.exec(s, "SELECT c_id, c_name, c_amount FROM " + t + " ORDER BY c_id");
        r.st("bind 1", SQLBindCol(s, 1, SQL_C_SLONG, &rows[0].id, 0, &rows[0].id_ind), s);
        r.st("bind 2",
             SQLBindCol(s, 2, SQL_C_CHAR, rows[0].name, sizeof rows[0].name, &rows[0].name_ind), s);
        r.st("bind 3", SQLBindCol(s, 3, SQL_C_DOUBLE, &rows[0].amount, 0, &rows[0].amount_ind), s);
        for (int i = 0; i < 6; ++i) {
            std::fill(std::begin(status), std::end(status), 0xEEEE);
            fetched = 777;
            SQLRETURN rc = r.st(fmt("SQLFetchScroll(NEXT) #%d", i + 1),
                                SQLFetchScroll(s, SQL_FETCH_NEXT, 0), s);
            std::string line = fmt("  fetched=%lu status=", static_cast<unsigned long>(fetched));
            for (SQLUSMALLINT v : status) line += fmt("%u ", v);
            r.note(line + " rows=#" + hash_str(rows, sizeof rows));
            if (!SQL_SUCCEEDED(rc)) break;
            for (size_t k = 0; k < fetched && k < 4; ++k) {
                const Row& row = rows[k];
                r.note(fmt(
                    "  [%zu] id=%d/%s name='%s'/%s amount=%.17g/%s", k, row.id,
                    len_str(row.id_ind).c_str(),
                    row.name_ind == SQL_NULL_DATA
                        ? ""
                        : printable(row.name, strnlen(reinterpret_cast<const char*>(row.name), 16))
                              .c_str(),
                    len_str(row.name_ind).c_str(), row.amount, len_str(row.amount_ind).c_str()));
            }
        }
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);
        r.sql("DROP TABLE " + t);
    });
}

TEST_P(Differential, BulkFetchColumnWise) {
    run([](Pass& r) {
        const std::string t = r.table("bulkcol");
        fill_small_table(r, t, 10);
        SQLINTEGER ids[3];
        SQLLEN id_ind[3];
        SQLCHAR names[3][16];
        SQLLEN name_ind[3];
        double amounts[3];
        SQLLEN amount_ind[3];
        std::memset(names, 0xCC, sizeof names);
        SQLULEN fetched = 777;
        SQLUSMALLINT status[3];
        Stmt s(r);
        r.st("ROW_BIND_TYPE by column",
             SQLSetStmtAttr(s, SQL_ATTR_ROW_BIND_TYPE,
                            reinterpret_cast<SQLPOINTER>(SQL_BIND_BY_COLUMN), 0),
             s);
        r.st("ROW_ARRAY_SIZE 3",
             SQLSetStmtAttr(s, SQL_ATTR_ROW_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(3), 0), s);
        r.st("ROWS_FETCHED_PTR", SQLSetStmtAttr(s, SQL_ATTR_ROWS_FETCHED_PTR, &fetched, 0), s);
        r.st("ROW_STATUS_PTR", SQLSetStmtAttr(s, SQL_ATTR_ROW_STATUS_PTR, status, 0), s);
        r.st("bind 1", SQLBindCol(s, 1, SQL_C_SLONG, ids, 0, id_ind), s);
        r.st("bind 2", SQLBindCol(s, 2, SQL_C_CHAR, names, 16, name_ind), s);
        r.st("bind 3", SQLBindCol(s, 3, SQL_C_DOUBLE, amounts, 0, amount_ind), s);
        r.exec(s, "SELECT c_id, c_name, c_amount FROM " + t + " ORDER BY c_id");
        for (int i = 0; i < 6; ++i) {
            std::fill(std::begin(status), std::end(status), 0xEEEE);
            fetched = 777;
            SQLRETURN rc = r.st(fmt("SQLFetch #%d", i + 1), SQLFetch(s), s);
            std::string line = fmt("  fetched=%lu status=", static_cast<unsigned long>(fetched));
            for (SQLUSMALLINT v : status) line += fmt("%u ", v);
            r.note(line + " names=#" + hash_str(names, sizeof names));
            if (!SQL_SUCCEEDED(rc)) break;
            for (size_t k = 0; k < fetched && k < 3; ++k)
                r.note(fmt(
                    "  [%zu] id=%d/%s name='%s'/%s amount=%.17g/%s", k, ids[k],
                    len_str(id_ind[k]).c_str(),
                    name_ind[k] == SQL_NULL_DATA
                        ? ""
                        : printable(names[k], strnlen(reinterpret_cast<const char*>(names[k]), 16))
                              .c_str(),
                    len_str(name_ind[k]).c_str(), amounts[k], len_str(amount_ind[k]).c_str()));
        }
        r.st("SQLFreeStmt(UNBIND)", SQLFreeStmt(s, SQL_UNBIND), s);
        r.st("SQLFreeStmt(CLOSE)", SQLFreeStmt(s, SQL_CLOSE), s);
        r.sql("DROP TABLE " + t);
    });
}

// ---- scrolling ----------------------------------------------------------------------------------

TEST_P(Differential, FetchScroll) {
    run([](Pass& r) {
        const std::string t = r.table("scroll");
        fill_small_table(r, t, 10);
        auto scroll = [&](SQLHSTMT s, const char* label) {
            SQLINTEGER id = -1;
            SQLLEN ind = -777;
            r.st("bind 1", SQLBindCol(s, 1, SQL_C_SLONG, &id, 0, &ind), s);
            const std::pair<SQLSMALLINT, SQLLEN> moves[] = {
                {SQL_FETCH_NEXT, 0},      {SQL_FETCH_NEXT, 0},     {SQL_FETCH_FIRST, 0},
                {SQL_FETCH_ABSOLUTE, 5},  {SQL_FETCH_PRIOR, 0},    {SQL_FETCH_RELATIVE, 2},
                {SQL_FETCH_RELATIVE, -3}, {SQL_FETCH_LAST, 0},     {SQL_FETCH_NEXT, 0},
                {SQL_FETCH_PRIOR, 0},     {SQL_FETCH_ABSOLUTE, 0}, {SQL_FETCH_ABSOLUTE, -2},
                {SQL_FETCH_ABSOLUTE, 20}, {SQL_FETCH_BOOKMARK, 0}, {SQL_FETCH_NEXT, 0},
            };
            for (auto [orientation, offset] : moves) {
                id = -1;
                ind = -777;
                SQLRETURN rc = r.st(fmt("%s SQLFetchScroll(%d, %ld)", label, orientation,
                                        static_cast<long>(offset)),
                                    SQLFetchScroll(s, orientation, offset), s);
                if (SQL_SUCCEEDED(rc)) r.note(fmt("  id=%d ind=%s", id, len_str(ind).c_str()));
                SQLULEN row = 777;
                SQLRETURN rc2 = SQLGetStmtAttr(s, SQL_ATTR_ROW_NUMBER, &row, 0, nullptr);
                r.note(fmt("  ROW_NUMBER -> %s %lu", rc_name(rc2).c_str(),
                           SQL_SUCCEEDED(rc2) ? static_cast<unsigned long>(row) : 0UL));
            }
        };
        {
            Stmt s(r);
            r.st("CURSOR_TYPE STATIC",
                 SQLSetStmtAttr(s, SQL_ATTR_CURSOR_TYPE,
                                reinterpret_cast<SQLPOINTER>(SQL_CURSOR_STATIC), 0),
                 s);
            SQLULEN v = 777;
            r.st("get CURSOR_TYPE", SQLGetStmtAttr(s, SQL_ATTR_CURSOR_TYPE, &v, 0, nullptr), s);
            r.note(fmt("  cursor type %lu", static_cast<unsigned long>(v)));
            v = 777;
            r.st("get CURSOR_SCROLLABLE",
                 SQLGetStmtAttr(s, SQL_ATTR_CURSOR_SCROLLABLE, &v, 0, nullptr), s);
            r.note(fmt("  scrollable %lu", static_cast<unsigned long>(v)));
            r.exec(s, "SELECT c_id FROM " + t + " ORDER BY c_id");
            scroll(s, "static");
        }
        {
            Stmt s(r);
            r.exec(s, "SELECT c_id FROM " + t + " ORDER BY c_id");
            scroll(s, "forward-only");
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- several result sets ------------------------------------------------------------------------

TEST_P(Differential, MoreResults) {
    run([](Pass& r) {
        const std::string t = r.table("more");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_v INTEGER)");
        const std::string batches[] = {
            "SELECT 1 AS a; SELECT 2 AS b, 'x' AS c",
            "INSERT INTO " + t + " (c_id, c_v) VALUES (1, 10); UPDATE " + t +
                " SET c_v = 11; SELECT c_id, c_v FROM " + t,
            "SELECT c_id FROM " + t + "; SELECT c_id FROM ort_no_such_table_anywhere; SELECT 3",
        };
        for (const auto& batch : batches) {
            Stmt s(r);
            r.exec(s, batch);
            for (int i = 0; i < 6; ++i) {
                SQLLEN count = -777;
                r.st("SQLRowCount", SQLRowCount(s, &count), s);
                r.note(fmt("  rows=%ld", static_cast<long>(count)));
                r.dump_result(s, Fetch::Char);
                if (!SQL_SUCCEEDED(r.st("SQLMoreResults", SQLMoreResults(s), s))) break;
            }
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- row counts ---------------------------------------------------------------------------------

TEST_P(Differential, RowCount) {
    run([](Pass& r) {
        const std::string t = r.table("rowcount");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_v INTEGER)");
        Stmt s(r);
        const std::string statements[] = {
            "INSERT INTO " + t + " (c_id, c_v) VALUES (1, 1)",
            "INSERT INTO " + t + " (c_id, c_v) VALUES (2, 2), (3, 3), (4, 4)",
            "UPDATE " + t + " SET c_v = c_v + 10 WHERE c_id > 1",
            "UPDATE " + t + " SET c_v = 0 WHERE 1 = 0",
            "DELETE FROM " + t + " WHERE c_id = 2",
            "SELECT * FROM " + t,
            "DELETE FROM " + t,
            "DELETE FROM " + t,
        };
        for (const auto& sql : statements) {
            r.exec(s, sql);
            SQLLEN count = -777;
            r.st("SQLRowCount", SQLRowCount(s, &count), s);
            r.note(fmt("  rows=%ld", static_cast<long>(count)));
            SQLFreeStmt(s, SQL_CLOSE);
        }
        // A prepared statement executed twice.
        r.prepare(s, "INSERT INTO " + t + " (c_id, c_v) VALUES (?, 5)");
        SQLINTEGER id = 10;
        SQLLEN zero = 0;
        r.st("bind",
             SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, &zero),
             s);
        for (int i = 0; i < 2; ++i) {
            r.st("SQLExecute", SQLExecute(s), s);
            SQLLEN count = -777;
            r.st("SQLRowCount", SQLRowCount(s, &count), s);
            r.note(fmt("  rows=%ld", static_cast<long>(count)));
            ++id;
        }
        r.sql("DROP TABLE " + t);
    });
}

}  // namespace
