// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): LOBs (SQLGetData in
// pieces, data-at-execution parameters) and parameter arrays.
#include <array>
#include <cstdint>
#include <map>
#include <utility>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// ---- LOBs ---------------------------------------------------------------------------------------

std::string big_text(size_t bytes) {
    std::string out;
    int i = 0;
    while (out.size() < bytes) {
        out += fmt("line %06d: the quick brown fox ", i);
        if (i % 7 == 0) out += kGreeting;
        out += '\n';
        ++i;
    }
    return out;
}

std::string big_binary(size_t bytes) {
    std::string out(bytes, '\0');
    uint32_t x = 12345;
    for (size_t i = 0; i < bytes; ++i) {
        x = x * 1103515245u + 12345u;
        out[i] = static_cast<char>(i % 3 == 0 ? (x >> 16) & 0xFF : i & 0xFF);
    }
    return out;
}

// Feeds data-at-execution parameters: SQLParamData, then SQLPutData in `piece` byte pieces of
// the value whose token SQLParamData returned, until the statement runs.
SQLRETURN put_data_loop(Pass& r, SQLHSTMT s, SQLRETURN rc,
                        const std::map<intptr_t, std::pair<const std::string*, size_t>>& values) {
    for (int guard = 0; rc == SQL_NEED_DATA && guard < 100; ++guard) {
        SQLPOINTER token = nullptr;
        rc = SQLParamData(s, &token);
        auto id = reinterpret_cast<intptr_t>(token);
        r.st(fmt("SQLParamData -> token %ld", rc == SQL_NEED_DATA ? static_cast<long>(id) : 0L), rc,
             s);
        if (rc != SQL_NEED_DATA) break;
        auto it = values.find(id);
        if (it == values.end()) {
            r.note("  unknown token");
            return SQL_ERROR;
        }
        const std::string* value = it->second.first;
        const size_t piece = it->second.second;
        if (!value) {
            r.st("  SQLPutData(NULL_DATA)", SQLPutData(s, nullptr, SQL_NULL_DATA), s);
            continue;
        }
        int pieces = 0;
        for (size_t off = 0; off < value->size(); off += piece) {
            size_t n = std::min(piece, value->size() - off);
            SQLRETURN p =
                SQLPutData(s, const_cast<char*>(value->data() + off), static_cast<SQLLEN>(n));
            ++pieces;
            if (p != SQL_SUCCESS) {
                r.st(fmt("  SQLPutData piece %d (%zu bytes)", pieces, n), p, s);
                if (!SQL_SUCCEEDED(p)) break;
            }
        }
        r.note(fmt("  SQLPutData: %d pieces of up to %zu bytes", pieces, piece));
    }
    return rc;
}

TEST_P(Differential, LargeObjects) {
    run([](Pass& r) {
        const std::string t = r.table("lobs");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_text " +
              r.pick("TEXT", "TEXT", "LONGTEXT") + ", c_bin " +
              r.pick("BLOB", "BYTEA", "LONGBLOB") + ")" +
              (r.maria() ? " DEFAULT CHARSET=utf8mb4" : ""));
        const std::string text = big_text(120 * 1024), binary = big_binary(110 * 1024);
        const std::string wide_bytes = [&] {
            WString w = to_w(text);
            return std::string(reinterpret_cast<const char*>(w.data()),
                               w.size() * sizeof(SQLWCHAR));
        }();
        r.note(fmt("text %zu bytes #%s, binary %zu bytes #%s", text.size(),
                   hash_str(text.data(), text.size()).c_str(), binary.size(),
                   hash_str(binary.data(), binary.size()).c_str()));
        {
            Stmt s(r);
            r.prepare(s, "INSERT INTO " + t + " (c_id, c_text, c_bin) VALUES (?, ?, ?)");
            SQLINTEGER id = 1;
            // Row 1 gives the lengths in advance (SQL_LEN_DATA_AT_EXEC); row 2 does not
            // (SQL_DATA_AT_EXEC). sqliteodbc takes binary data in pieces only with the length.
            SQLLEN zero = 0, text_ind = SQL_LEN_DATA_AT_EXEC(static_cast<SQLLEN>(text.size())),
                   bin_ind = SQL_LEN_DATA_AT_EXEC(static_cast<SQLLEN>(binary.size()));
            r.st("bind id",
                 SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0,
                                  &zero),
                 s);
            r.st("bind text at exec",
                 SQLBindParameter(s, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_LONGVARCHAR, text.size(),
                                  0, reinterpret_cast<SQLPOINTER>(2), 0, &text_ind),
                 s);
            r.st("bind binary at exec",
                 SQLBindParameter(s, 3, SQL_PARAM_INPUT, SQL_C_BINARY, SQL_LONGVARBINARY,
                                  binary.size(), 0, reinterpret_cast<SQLPOINTER>(3), 0, &bin_ind),
                 s);
            SQLRETURN rc = r.st("SQLExecute (row 1)", SQLExecute(s), s);
            rc = put_data_loop(r, s, rc, {{2, {&text, 10000}}, {3, {&binary, 9000}}});
            // Row 2: the text as UTF-16 at execution, the binary NULL through SQLPutData.
            id = 2;
            SQLLEN wide_ind = SQL_DATA_AT_EXEC;
            r.st("bind wide text at exec",
                 SQLBindParameter(s, 2, SQL_PARAM_INPUT, SQL_C_WCHAR, SQL_WLONGVARCHAR,
                                  wide_bytes.size() / 2, 0, reinterpret_cast<SQLPOINTER>(2), 0,
                                  &wide_ind),
                 s);
            rc = r.st("SQLExecute (row 2)", SQLExecute(s), s);
            put_data_loop(r, s, rc, {{2, {&wide_bytes, 8192}}, {3, {nullptr, 0}}});
        }
        {
            Stmt s(r);
            r.exec(s, "SELECT c_id, c_text, c_bin FROM " + t + " ORDER BY c_id");
            r.st("SQLFetch row 1", SQLFetch(s), s);
            std::string got_text, got_bin, got_wide;
            r.get_cell(s, 2, SQL_C_CHAR, 8192, "row1 text", &got_text, false);
            r.get_cell(s, 3, SQL_C_BINARY, 7777, "row1 binary", &got_bin, false);
            EXPECT_EQ(got_text.size(), text.size()) << r.dsn;
            EXPECT_TRUE(got_text == text)
                << r.dsn << ": the text read back differs from the one written";
            EXPECT_TRUE(got_bin == binary)
                << r.dsn << ": the binary read back differs from the one written ("
                << got_bin.size() << " bytes)";
            r.st("SQLFetch row 2", SQLFetch(s), s);
            r.get_cell(s, 2, SQL_C_WCHAR, 8192, "row2 wide text", &got_wide, false);
            r.get_cell(s, 3, SQL_C_BINARY, 7777, "row2 binary (NULL)");
            // (Not asserted: psqlODBC ANSI and sqliteodbc do not round-trip SQL_C_WCHAR data at
            // execution; the transcript still compares what they return with and without
            // odbc-retry.)
            r.note(fmt("row2 wide text round-trips: %d",
                       from_w(reinterpret_cast<const SQLWCHAR*>(got_wide.data()),
                              got_wide.size() / 2) == text));
            r.st("SQLFetch (end)", SQLFetch(s), s);
        }
        {
            // The same values through SQL_C_WCHAR and SQL_C_CHAR in odd-sized pieces.
            Stmt s(r);
            r.exec(s, "SELECT c_text FROM " + t + " WHERE c_id = 1");
            r.st("SQLFetch", SQLFetch(s), s);
            std::string got;
            r.get_cell(s, 1, SQL_C_WCHAR, 10001, "row1 text as WCHAR", &got, false);
        }
        r.sql("DROP TABLE " + t);
    });
}

// ---- parameter arrays ---------------------------------------------------------------------------

TEST_P(Differential, ParameterArrays) {
    run([](Pass& r) {
        const std::string t = r.table("params");
        r.quiet_drop(t);
        r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_name VARCHAR(40), c_amount " +
              r.pick("DOUBLE", "DOUBLE PRECISION", "DOUBLE") + ")");
        Stmt s(r);
        constexpr int N = 5;
        SQLUSMALLINT status[N];
        SQLULEN processed = 999;
        r.st("PARAM_BIND_TYPE by column",
             SQLSetStmtAttr(s, SQL_ATTR_PARAM_BIND_TYPE,
                            reinterpret_cast<SQLPOINTER>(SQL_PARAM_BIND_BY_COLUMN), 0),
             s);
        r.st("PARAMSET_SIZE 5",
             SQLSetStmtAttr(s, SQL_ATTR_PARAMSET_SIZE, reinterpret_cast<SQLPOINTER>(N), 0), s);
        r.st("PARAM_STATUS_PTR", SQLSetStmtAttr(s, SQL_ATTR_PARAM_STATUS_PTR, status, 0), s);
        r.st("PARAMS_PROCESSED_PTR",
             SQLSetStmtAttr(s, SQL_ATTR_PARAMS_PROCESSED_PTR, &processed, 0), s);
        r.prepare(s, "INSERT INTO " + t + " (c_id, c_name, c_amount) VALUES (?, ?, ?)");
        SQLINTEGER ids[N];
        SQLLEN id_ind[N];
        char names[N][40];
        SQLLEN name_ind[N];
        double amounts[N];
        SQLLEN amount_ind[N];
        r.st(
            "bind ids",
            SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, ids, 0, id_ind),
            s);
        r.st("bind names",
             SQLBindParameter(s, 2, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 40, 0, names, 40,
                              name_ind),
             s);
        r.st("bind amounts",
             SQLBindParameter(s, 3, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, amounts, 0,
                              amount_ind),
             s);
        auto batch = [&](const std::array<int, N>& id_values, const char* label) {
            for (int i = 0; i < N; ++i) {
                ids[i] = id_values[static_cast<size_t>(i)];
                id_ind[i] = 0;
                std::snprintf(names[i], sizeof names[i], "%s-%d \xC3\xA9", label, ids[i]);
                name_ind[i] = i == 1 ? SQL_NULL_DATA : SQL_NTS;
                amounts[i] = ids[i] * 1.5;
                amount_ind[i] = i == 3 ? SQL_NULL_DATA : 0;
                status[i] = 0xEEEE;
            }
            processed = 999;
            r.st(std::string("SQLExecute ") + label, SQLExecute(s), s);
            std::string line =
                fmt("  processed=%lu status=", static_cast<unsigned long>(processed));
            for (int i = 0; i < N; ++i) line += fmt("%u ", status[i]);
            r.note(line);
            SQLLEN count = -777;
            r.st("SQLRowCount", SQLRowCount(s, &count), s);
            r.note(fmt("  rows=%ld", static_cast<long>(count)));
        };
        batch({1, 2, 3, 4, 5}, "first");
        batch({6, 7, 3, 8, 9}, "duplicate-in-the-middle");
        r.st("SQLFreeStmt(RESET_PARAMS)", SQLFreeStmt(s, SQL_RESET_PARAMS), s);
        r.st("PARAMSET_SIZE 1",
             SQLSetStmtAttr(s, SQL_ATTR_PARAMSET_SIZE, reinterpret_cast<SQLPOINTER>(1), 0), s);
        r.exec(s, "SELECT c_id, c_name, c_amount FROM " + t + " ORDER BY c_id");
        r.dump_result(s, Fetch::Char);
        r.st("SQLCloseCursor", SQLCloseCursor(s), s);
        r.sql("DROP TABLE " + t);
    });
}

}  // namespace
