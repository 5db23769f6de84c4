// SPDX-License-Identifier: Apache-2.0
// Threads through odbc-retry (ctest label threads; also built with ThreadSanitizer in build-tsan):
//  - 8 threads, each with its own connection through sqlite_retry (a database file per thread)
//    and then through pg_retry, running prepared inserts and selects and checking every result;
//  - 4 threads sharing one pg_retry connection, one statement each.
// Each phase runs for a fixed time (ORT_THREADS_SECONDS, default 2) so that the whole test stays
// well under 20 s even under ThreadSanitizer; every thread does at least a few rounds.
//
// Sharing one connection between threads is done on PostgreSQL only: psqlODBC serialises the
// calls on a connection itself, sqliteodbc does not, and the driver manager does no locking
// (Threading=0 in the project's odbcinst.ini), so a shared sqliteodbc connection would test
// sqliteodbc, not odbc-retry.
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "odbc_harness.h"

using namespace ort_it;

namespace {

::testing::Environment* const kRequireEnvironment = ::testing::AddGlobalTestEnvironment(
    new RequireOdbcEnvironment({"ORT_SQLITE_DB", "ORT_PG_PORT"}));

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds phase_length() {
    std::string s = env_value("ORT_THREADS_SECONDS");
    double seconds = s.empty() ? 2.0 : std::atof(s.c_str());
    if (seconds <= 0 || seconds > 60) seconds = 2.0;
    return std::chrono::milliseconds(static_cast<long>(seconds * 1000));
}

// Failures seen by worker threads, reported by the main thread.
class Problems {
  public:
    void add(std::string what) {
        std::lock_guard lock(mutex_);
        if (list_.size() < 50) list_.push_back(std::move(what));
        ++count_;
    }
    void report(const char* phase) {
        std::lock_guard lock(mutex_);
        std::string text;
        for (const auto& p : list_) text += "  " + p + "\n";
        EXPECT_EQ(count_, 0) << phase << ": " << count_ << " problem(s), the first ones:\n" << text;
    }

  private:
    std::mutex mutex_;
    std::vector<std::string> list_;
    long count_ = 0;
};

// Runs `sql` on a fresh statement; returns "" or the error.
std::string exec(SQLHDBC dbc, const std::string& sql) {
    SQLHSTMT s = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s)))
        return "SQLAllocHandle(STMT): " + diag_text(SQL_HANDLE_DBC, dbc);
    std::string error;
    SQLRETURN rc =
        SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) error = sql + ": " + diag_text(SQL_HANDLE_STMT, s);
    SQLFreeHandle(SQL_HANDLE_STMT, s);
    return error;
}

// One worker's table: prepared INSERT (id, value, label) and prepared SELECT by id, checked
// after each insert; COUNT and SUM checked at the end. Returns the number of rows written.
long insert_and_check(SQLHDBC dbc, const std::string& table, int worker, Clock::time_point deadline,
                      Problems& problems, int minimum_rounds = 5) {
    SQLHSTMT insert = SQL_NULL_HSTMT, select = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &insert)) ||
        !SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &select))) {
        problems.add(table + ": SQLAllocHandle(STMT): " + diag_text(SQL_HANDLE_DBC, dbc));
        return 0;
    }
    const std::string insert_sql =
        "INSERT INTO " + table + " (c_id, c_value, c_label) VALUES (?, ?, ?)";
    const std::string select_sql = "SELECT c_value, c_label FROM " + table + " WHERE c_id = ?";
    SQLINTEGER id = 0, value = 0, got_value = 0, key = 0;
    char label[64] = {}, got_label[64] = {};
    SQLLEN zero = 0, nts = SQL_NTS, value_ind = 0, label_ind = 0;
    bool ok =
        SQL_SUCCEEDED(SQLPrepare(
            insert, reinterpret_cast<SQLCHAR*>(const_cast<char*>(insert_sql.c_str())), SQL_NTS)) &&
        SQL_SUCCEEDED(SQLBindParameter(insert, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0,
                                       &id, 0, &zero)) &&
        SQL_SUCCEEDED(SQLBindParameter(insert, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0,
                                       &value, 0, &zero)) &&
        SQL_SUCCEEDED(SQLBindParameter(insert, 3, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 60, 0,
                                       label, sizeof label, &nts));
    if (!ok) problems.add(table + ": preparing the insert: " + diag_text(SQL_HANDLE_STMT, insert));
    ok = ok &&
         SQL_SUCCEEDED(SQLPrepare(
             select, reinterpret_cast<SQLCHAR*>(const_cast<char*>(select_sql.c_str())), SQL_NTS)) &&
         SQL_SUCCEEDED(SQLBindParameter(select, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0,
                                        &key, 0, &zero)) &&
         SQL_SUCCEEDED(SQLBindCol(select, 1, SQL_C_SLONG, &got_value, 0, &value_ind)) &&
         SQL_SUCCEEDED(SQLBindCol(select, 2, SQL_C_CHAR, got_label, sizeof got_label, &label_ind));
    if (!ok) problems.add(table + ": preparing the select: " + diag_text(SQL_HANDLE_STMT, select));
    long rows = 0;
    long long sum = 0;
    for (int round = 0; ok && (round < minimum_rounds || Clock::now() < deadline); ++round) {
        id = round + 1;
        value = worker * 100000 + round;
        std::snprintf(label, sizeof label, "w%d-r%d-\xC3\xA9", worker, round);
        if (!SQL_SUCCEEDED(SQLExecute(insert))) {
            problems.add(table + ": insert: " + diag_text(SQL_HANDLE_STMT, insert));
            break;
        }
        ++rows;
        sum += value;
        key = id;
        got_value = -1;
        got_label[0] = '\0';
        if (!SQL_SUCCEEDED(SQLExecute(select)) || SQLFetch(select) != SQL_SUCCESS) {
            problems.add(table + ": select: " + diag_text(SQL_HANDLE_STMT, select));
            break;
        }
        if (got_value != value || std::string(got_label) != label)
            problems.add(fmt("%s: row %d reads back as (%d, '%s'), wrote (%d, '%s')", table.c_str(),
                             id, got_value, got_label, value, label));
        if (SQLFetch(select) != SQL_NO_DATA) problems.add(table + ": a second row for one id");
        SQLCloseCursor(select);
    }
    SQLFreeHandle(SQL_HANDLE_STMT, insert);
    // The totals, through a fresh statement.
    SQLFreeStmt(select, SQL_UNBIND);
    SQLFreeStmt(select, SQL_RESET_PARAMS);
    const std::string totals = "SELECT COUNT(*), SUM(c_value) FROM " + table;
    SQLBIGINT count = -1, total = -1;
    SQLLEN i1 = 0, i2 = 0;
    if (!SQL_SUCCEEDED(SQLExecDirect(
            select, reinterpret_cast<SQLCHAR*>(const_cast<char*>(totals.c_str())), SQL_NTS)) ||
        !SQL_SUCCEEDED(SQLFetch(select)) ||
        !SQL_SUCCEEDED(SQLGetData(select, 1, SQL_C_SBIGINT, &count, 0, &i1)) ||
        !SQL_SUCCEEDED(SQLGetData(select, 2, SQL_C_SBIGINT, &total, 0, &i2))) {
        problems.add(table + ": totals: " + diag_text(SQL_HANDLE_STMT, select));
    } else if (count != rows || (rows > 0 && total != sum)) {
        problems.add(fmt("%s: COUNT=%lld SUM=%lld, expected %ld and %lld", table.c_str(),
                         static_cast<long long>(count), static_cast<long long>(total), rows, sum));
    }
    SQLFreeHandle(SQL_HANDLE_STMT, select);
    return rows;
}

std::string create_table(const std::string& table) {
    return "CREATE TABLE " + table +
           " (c_id INTEGER PRIMARY KEY, c_value INTEGER NOT NULL, c_label VARCHAR(60))";
}

// 8 threads, each with its own connection.
void own_connections(const std::string& phase,
                     const std::function<std::string(int)>& connection_string,
                     const std::function<std::string(int)>& table_name) {
    constexpr int kThreads = 8;
    Problems problems;
    std::atomic<long> rows{0};
    const auto deadline = Clock::now() + phase_length();
    std::vector<std::thread> threads;
    for (int w = 0; w < kThreads; ++w) {
        threads.emplace_back([&, w] {
            EnvDbc h;
            SQLRETURN rc = h.driver_connect(connection_string(w));
            if (!SQL_SUCCEEDED(rc)) {
                problems.add(fmt("worker %d: connect: ", w) + diag_text(SQL_HANDLE_DBC, h.dbc));
                return;
            }
            const std::string table = table_name(w);
            exec(h.dbc, "DROP TABLE IF EXISTS " + table);
            if (auto e = exec(h.dbc, create_table(table)); !e.empty()) {
                problems.add(e);
                return;
            }
            rows += insert_and_check(h.dbc, table, w, deadline, problems);
            if (auto e = exec(h.dbc, "DROP TABLE " + table); !e.empty()) problems.add(e);
        });
    }
    for (auto& t : threads) t.join();
    problems.report(phase.c_str());
    EXPECT_GE(rows.load(), kThreads * 5) << phase;
    std::printf("%s: %ld rows written and read back by %d threads\n", phase.c_str(), rows.load(),
                kThreads);
}

TEST(Threads, OwnConnectionsSqlite) {
    // One database file per thread, next to the project's SQLite database.
    std::string db = env_value("ORT_SQLITE_DB");
    ASSERT_FALSE(db.empty());
    std::string dir = db.substr(0, db.find_last_of('/'));
    own_connections(
        "sqlite_retry, 8 connections",
        [&](int w) { return fmt("DSN=sqlite_retry;Database=%s/threads_%d.db;", dir.c_str(), w); },
        [](int w) { return fmt("ort_threads_%d", w); });
    for (int w = 0; w < 8; ++w) std::remove(fmt("%s/threads_%d.db", dir.c_str(), w).c_str());
}

TEST(Threads, OwnConnectionsPg) {
    own_connections(
        "pg_retry, 8 connections", [](int) { return std::string("DSN=pg_retry;"); },
        [](int w) { return fmt("ort_threads_pg_%d", w); });
}

TEST(Threads, SharedConnectionPg) {
    constexpr int kThreads = 4;
    EnvDbc h;
    ASSERT_TRUE(SQL_SUCCEEDED(h.driver_connect("DSN=pg_retry;")))
        << diag_text(SQL_HANDLE_DBC, h.dbc);
    for (int w = 0; w < kThreads; ++w) {
        exec(h.dbc, fmt("DROP TABLE IF EXISTS ort_threads_shared_%d", w));
        ASSERT_EQ(exec(h.dbc, create_table(fmt("ort_threads_shared_%d", w))), "");
    }
    Problems problems;
    std::atomic<long> rows{0}, selects{0};
    const auto deadline = Clock::now() + phase_length();
    std::vector<std::thread> threads;
    for (int w = 0; w < kThreads; ++w) {
        threads.emplace_back([&, w] {
            if (w % 2 == 0) {
                // Writers: their own table, through statements of the shared connection.
                rows +=
                    insert_and_check(h.dbc, fmt("ort_threads_shared_%d", w), w, deadline, problems);
                return;
            }
            // Readers: one prepared statement, executed again and again with new parameters.
            SQLHSTMT s = SQL_NULL_HSTMT;
            if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, h.dbc, &s))) {
                problems.add("SQLAllocHandle(STMT) on the shared connection: " +
                             diag_text(SQL_HANDLE_DBC, h.dbc));
                return;
            }
            SQLINTEGER a = 0, b = 0, sum = 0;
            SQLLEN zero = 0, ind = 0;
            const char* sql = "SELECT CAST(? AS INTEGER) + CAST(? AS INTEGER), 'x'";
            bool ok = SQL_SUCCEEDED(SQLPrepare(
                          s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql)), SQL_NTS)) &&
                      SQL_SUCCEEDED(SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                                     SQL_INTEGER, 0, 0, &a, 0, &zero)) &&
                      SQL_SUCCEEDED(SQLBindParameter(s, 2, SQL_PARAM_INPUT, SQL_C_SLONG,
                                                     SQL_INTEGER, 0, 0, &b, 0, &zero)) &&
                      SQL_SUCCEEDED(SQLBindCol(s, 1, SQL_C_SLONG, &sum, 0, &ind));
            if (!ok) problems.add("preparing the reader: " + diag_text(SQL_HANDLE_STMT, s));
            for (int round = 0; ok && (round < 5 || Clock::now() < deadline); ++round) {
                a = w * 1000 + round;
                b = round * 7;
                sum = -1;
                if (!SQL_SUCCEEDED(SQLExecute(s)) || !SQL_SUCCEEDED(SQLFetch(s))) {
                    problems.add("reader: " + diag_text(SQL_HANDLE_STMT, s));
                    break;
                }
                if (sum != a + b) problems.add(fmt("reader %d: %d + %d gave %d", w, a, b, sum));
                SQLCloseCursor(s);
                ++selects;
            }
            SQLFreeHandle(SQL_HANDLE_STMT, s);
        });
    }
    for (auto& t : threads) t.join();
    problems.report("pg_retry, one connection shared by 4 threads");
    EXPECT_GE(rows.load(), 10);
    EXPECT_GE(selects.load(), 10);
    for (int w = 0; w < kThreads; ++w)
        exec(h.dbc, fmt("DROP TABLE IF EXISTS ort_threads_shared_%d", w));
    std::printf("shared pg_retry connection: %ld rows written, %ld selects\n", rows.load(),
                selects.load());
}

}  // namespace
