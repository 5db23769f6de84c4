// SPDX-License-Identifier: Apache-2.0
// odbc_retry_bench: what odbc-retry costs on calls that succeed ("the hot path is free").
//
// Every case runs twice per round in one process, through the driver manager: once on a DSN of
// the target driver alone ("direct") and once on the same DSN through odbc-retry ("retry").
// Rounds interleave the two (direct first in even rounds, retry first in odd ones) so that drift
// in the machine's speed hits both sides alike; a warm-up round runs first and is not counted.
// At the end a summary prints, per case, the median of the per-round ratios retry/direct (CPU
// time of the benchmark thread), their spread, the wall-time ratio and the goal.
//
// The program is hermetic: it makes a temporary directory (under $ORT_RUN, else /tmp) holding
// its own odbcinst.ini, odbc.ini, an empty odbc-retry configuration and the SQLite database, and
// points ODBCSYSINI, ODBCINI and ODBC_RETRY_CONFIG at them before the first ODBC call.
//
// Adding a case: write a `run_...` function in the style of the ones below (set up, time only
// the `for (auto _ : state)` body, tear down, record a checksum) and add a row to `kCaseKinds`. A
// case against another database adds a `Backend` (its ini sections and its data) and names it.
//
// Options (besides Google Benchmark's own, which all work): --quick (or ORT_BENCH_QUICK=1):
// 100,000 rows, 10,000 executions, 3 rounds; --rounds=N (or ORT_BENCH_ROUNDS); --rows=N and
// --executions=N; --keep (or ORT_BENCH_KEEP=1) keeps the temporary directory;
// --backends=sqlite,pg,mariadb (or ORT_BENCH_BACKENDS; default sqlite): which databases. pg and
// mariadb are the project's test servers (scripts/servers start), reached with the ports and
// credentials of scripts/lib/env.sh (ORT_PG_PORT, ORT_MARIADB_PORT, ORT_DB_NAME, ORT_DB_USER,
// ORT_DB_PASSWORD); their cases are named <case>.pg and <case>.mariadb.
// ORT_BENCH_RETRY_DRIVER and ORT_ODBC_LIBDIR override where the odbc-retry and SQLite ODBC
// libraries are taken from; ORT_BENCH_RETRY_KEYS adds odbc-retry keys to the retry DSNs.
#include <sql.h>
#include <sqlext.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>

#include "odbc_diag.h"

#ifndef ODBC_RETRY_BENCH_DRIVER
#error "ODBC_RETRY_BENCH_DRIVER (path of the built libodbcretry.so) must be defined"
#endif
#ifndef ODBC_RETRY_BENCH_SQLITE_DRIVER
#error "ODBC_RETRY_BENCH_SQLITE_DRIVER (path of libsqlite3odbc.so) must be defined"
#endif

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
    bool quick = false;
    int rounds = 7;
    long rows = 1'000'000;      // cases (a) and (b)
    long executions = 100'000;  // case (c)
    bool keep = false;
    std::string backends = "sqlite";  // comma-separated
    fs::path dir;                     // the temporary directory of this run
};

Settings settings;

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::string_view(v) != "0";
}

// ---------------------------------------------------------------------------------------------
// ODBC helpers. Errors throw; a benchmark turns them into SkipWithError.

using odbc_retry_bench::diagnostics;

void require(SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle, const char* what) {
    if (SQL_SUCCEEDED(rc)) [[likely]]
        return;
    throw std::runtime_error(std::string(what) + " returned " + std::to_string(rc) + ": " +
                             (handle ? diagnostics(type, handle) : std::string("no handle")));
}

// One statement handle, freed on scope exit.
class Statement {
  public:
    explicit Statement(SQLHDBC dbc) {
        require(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt_), SQL_HANDLE_DBC, dbc,
                "SQLAllocHandle(STMT)");
    }
    ~Statement() { SQLFreeHandle(SQL_HANDLE_STMT, stmt_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    SQLHSTMT get() const { return stmt_; }
    void check(SQLRETURN rc, const char* what) const { require(rc, SQL_HANDLE_STMT, stmt_, what); }
    void exec(const std::string& sql) const {
        check(SQLExecDirect(stmt_, sqlchar(sql), SQL_NTS), sql.c_str());
    }
    void set_attr(SQLINTEGER attribute, SQLPOINTER value, const char* what) const {
        check(SQLSetStmtAttr(stmt_, attribute, value, 0), what);
    }
    static SQLCHAR* sqlchar(const std::string& s) {
        return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str()));
    }

  private:
    SQLHSTMT stmt_ = SQL_NULL_HSTMT;
};

// The one environment and one open connection per DSN, made on first use (never timed) and
// kept for the whole run, so that every case measures calls on a warm connection.
class Connections {
  public:
    static Connections& instance() {
        static Connections connections;
        return connections;
    }
    SQLHDBC get(const std::string& dsn) {
        if (auto it = dbcs_.find(dsn); it != dbcs_.end()) return it->second;
        if (!env_) {
            require(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_), SQL_HANDLE_ENV, nullptr,
                    "SQLAllocHandle(ENV)");
            require(SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION,
                                  reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0),
                    SQL_HANDLE_ENV, env_, "SQLSetEnvAttr(ODBC_VERSION)");
        }
        SQLHDBC dbc = SQL_NULL_HDBC;
        require(SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc), SQL_HANDLE_ENV, env_,
                "SQLAllocHandle(DBC)");
        SQLRETURN rc = SQLConnect(dbc, Statement::sqlchar(dsn), SQL_NTS, nullptr, 0, nullptr, 0);
        if (!SQL_SUCCEEDED(rc)) {
            std::string error = "SQLConnect(" + dsn + "): " + diagnostics(SQL_HANDLE_DBC, dbc);
            SQLFreeHandle(SQL_HANDLE_DBC, dbc);
            throw std::runtime_error(error);
        }
        dbcs_.emplace(dsn, dbc);
        return dbc;
    }
    void close_all() {
        for (auto& [dsn, dbc] : dbcs_) {
            SQLDisconnect(dbc);
            SQLFreeHandle(SQL_HANDLE_DBC, dbc);
        }
        dbcs_.clear();
        if (env_) SQLFreeHandle(SQL_HANDLE_ENV, env_);
        env_ = SQL_NULL_HENV;
    }

  private:
    SQLHENV env_ = SQL_NULL_HENV;
    std::map<std::string, SQLHDBC> dbcs_;
};

void set_autocommit(SQLHDBC dbc, bool on) {
    require(SQLSetConnectAttr(
                dbc, SQL_ATTR_AUTOCOMMIT,
                reinterpret_cast<SQLPOINTER>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0),
            SQL_HANDLE_DBC, dbc, "SQLSetConnectAttr(AUTOCOMMIT)");
}

// ---------------------------------------------------------------------------------------------
// Backends: a database, the ini sections that reach it directly and through odbc-retry, and
// the data the cases read.

struct Backend {
    const char* name;
    const char* direct_dsn;  // the target driver alone
    const char* retry_dsn;   // the same target through odbc-retry (TargetDSN=direct_dsn)
    std::string (*odbcinst_ini)();
    std::string (*odbc_ini)();
    void (*create_data)(SQLHDBC direct);
};

std::string retry_driver_path() {
    const char* v = std::getenv("ORT_BENCH_RETRY_DRIVER");
    return v && *v ? v : ODBC_RETRY_BENCH_DRIVER;
}

std::string sqlite_driver_path() {
    const char* dir = std::getenv("ORT_ODBC_LIBDIR");
    if (dir && *dir) return (fs::path(dir) / "libsqlite3odbc.so").string();
    return ODBC_RETRY_BENCH_SQLITE_DRIVER;
}

// More odbc-retry keys for every retry DSN, from ORT_BENCH_RETRY_KEYS ("Key=value;Key=value"),
// to see what a feature costs, e.g. ORT_BENCH_RETRY_KEYS=Recovery=no.
std::string retry_keys() {
    std::string out;
    const char* v = std::getenv("ORT_BENCH_RETRY_KEYS");
    for (std::string_view rest = v ? v : ""; !rest.empty();) {
        size_t end = rest.find(';');
        std::string_view pair = rest.substr(0, end);
        if (!pair.empty()) out.append(pair).append("\n");
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    return out;
}

// psqlODBC and MariaDB Connector/ODBC: in ORT_ODBC_LIBDIR, else beside the SQLite driver.
std::string odbc_driver_path(const char* file) {
    const char* dir = std::getenv("ORT_ODBC_LIBDIR");
    if (dir && *dir) return (fs::path(dir) / file).string();
    return (fs::path(ODBC_RETRY_BENCH_SQLITE_DRIVER).parent_path() / file).string();
}

std::string env_or(const char* name, const char* fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

std::string sqlite_odbcinst_ini() {
    return "[SQLite3]\nDriver=" + sqlite_driver_path() + "\n\n";
}

// Synchronous=off and an in-memory journal keep the disk out of the measurement; StepAPI=1
// streams rows with sqlite3_step as a server cursor would (the default loads the whole result
// at execute time).
std::string sqlite_odbc_ini() {
    return "[bench_direct]\nDriver=SQLite3\nDatabase=" + (settings.dir / "bench.db").string() +
           "\nTimeout=5000\nSyncPragma=off\nJournalMode=memory\nStepAPI=1\n\n"
           "[bench_retry]\nDriver=ODBC Retry\nTargetDSN=bench_direct\n" +
           retry_keys() + "\n";
}

constexpr const char* kSelectRows = "SELECT i, b, d, s FROM bench_rows ORDER BY id";
constexpr const char* kInsertRow = "INSERT INTO bench_insert(i, b, d, s) VALUES (?, ?, ?, ?)";

// bench_rows: `settings.rows` rows of (int, bigint, double, short text), made by `fill` in one
// statement; bench_insert empty. `real` is the database's name for a double, `serial` its
// auto-numbered key, `options` what follows a CREATE TABLE.
void make_tables(SQLHDBC direct, const std::string& real, const std::string& serial,
                 const std::string& fill, const std::string& options = "") {
    Statement s(direct);
    const std::string columns = " i INTEGER NOT NULL, b BIGINT NOT NULL, d " + real +
                                " NOT NULL, s VARCHAR(16) NOT NULL)" + options;
    s.exec("DROP TABLE IF EXISTS bench_rows");
    s.exec("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY," + columns);
    s.exec(fill);
    s.exec("DROP TABLE IF EXISTS bench_insert");
    s.exec("CREATE TABLE bench_insert (id " + serial + "," + columns);
}

void sqlite_create_data(SQLHDBC direct) {
    make_tables(direct, "DOUBLE", "INTEGER PRIMARY KEY",
                "INSERT INTO bench_rows (i, b, d, s) SELECT x, x * 4294967311, x * 0.25, "
                "printf('row-%07d', x) FROM (WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT "
                "x + 1 FROM n WHERE x < " +
                    std::to_string(settings.rows) + ") SELECT x FROM n)");
}

const Backend kSqlite{
    .name = "sqlite",
    .direct_dsn = "bench_direct",
    .retry_dsn = "bench_retry",
    .odbcinst_ini = sqlite_odbcinst_ini,
    .odbc_ini = sqlite_odbc_ini,
    .create_data = sqlite_create_data,
};

// A server's two DSNs, the driver alone and through odbc-retry, with the test servers' port and
// credentials; each driver names its host and user keys its own way.
std::string server_odbc_ini(const std::string& backend, const char* driver, const char* host_key,
                            const char* user_key, const char* port_variable) {
    std::string direct = "bench_" + backend + "_direct";
    std::string out = "[" + direct + "]\nDriver=" + driver + "\n";
    out.append(host_key).append("=127.0.0.1\nPort=").append(env_or(port_variable, ""));
    out.append("\nDatabase=").append(env_or("ORT_DB_NAME", "odbc_retry")).append("\n");
    out.append(user_key).append("=").append(env_or("ORT_DB_USER", "odbc_retry"));
    out.append("\nPassword=").append(env_or("ORT_DB_PASSWORD", "")).append("\n\n");
    out.append("[bench_").append(backend).append("_retry]\nDriver=ODBC Retry\nTargetDSN=");
    out.append(direct).append("\n").append(retry_keys()).append("\n");
    return out;
}

std::string pg_odbcinst_ini() {
    return "[PostgreSQL Unicode]\nDriver=" + odbc_driver_path("psqlodbcw.so") + "\n\n";
}
std::string pg_odbc_ini() {
    return server_odbc_ini("pg", "PostgreSQL Unicode", "Servername", "Username", "ORT_PG_PORT");
}
void pg_create_data(SQLHDBC direct) {
    make_tables(direct, "DOUBLE PRECISION", "SERIAL PRIMARY KEY",
                "INSERT INTO bench_rows SELECT x, x, x * 4294967311, x * 0.25, "
                "'row-' || lpad(x::text, 7, '0') FROM generate_series(1, " +
                    std::to_string(settings.rows) + ") x");
}

std::string mariadb_odbcinst_ini() {
    return "[MariaDB]\nDriver=" + odbc_driver_path("libmaodbc.so") + "\n\n";
}
std::string mariadb_odbc_ini() {
    return server_odbc_ini("mariadb", "MariaDB", "Server", "User", "ORT_MARIADB_PORT");
}
void mariadb_create_data(SQLHDBC direct) {
    // The sequence engine's seq_1_to_N table.
    make_tables(direct, "DOUBLE", "INTEGER PRIMARY KEY AUTO_INCREMENT",
                "INSERT INTO bench_rows SELECT seq, seq, seq * 4294967311, seq * 0.25, "
                "CONCAT('row-', LPAD(seq, 7, '0')) FROM seq_1_to_" +
                    std::to_string(settings.rows),
                " ENGINE=InnoDB");
}

const Backend kPostgres{
    .name = "pg",
    .direct_dsn = "bench_pg_direct",
    .retry_dsn = "bench_pg_retry",
    .odbcinst_ini = pg_odbcinst_ini,
    .odbc_ini = pg_odbc_ini,
    .create_data = pg_create_data,
};

const Backend kMariaDb{
    .name = "mariadb",
    .direct_dsn = "bench_mariadb_direct",
    .retry_dsn = "bench_mariadb_retry",
    .odbcinst_ini = mariadb_odbcinst_ini,
    .odbc_ini = mariadb_odbc_ini,
    .create_data = mariadb_create_data,
};

const Backend* const kAllBackends[] = {&kSqlite, &kPostgres, &kMariaDb};
std::vector<const Backend*> backends;  // the ones chosen with --backends

// ---------------------------------------------------------------------------------------------
// Cases. Each runs once on `dbc`, times only the body of the state loop, and returns a checksum
// of what it read or wrote, which must be the same through odbc-retry as directly.

using CaseRun = uint64_t (*)(benchmark::State&, SQLHDBC dbc, long n);

uint64_t row_checksum(int32_t i, int64_t b, double d, const char* s, SQLLEN s_length) {
    return static_cast<uint64_t>(i) + static_cast<uint64_t>(b) + static_cast<uint64_t>(d * 4) +
           static_cast<uint64_t>(s_length) * 31 +
           static_cast<unsigned char>(s[s_length > 0 ? s_length - 1 : 0]);
}

// Every case ends by checking that it did the whole of its work, and reports how much it was.
void count_items(benchmark::State& state, const char* verb, long done, long expected) {
    if (done != expected)
        throw std::runtime_error(std::string(verb) + " " + std::to_string(done) +
                                 " rows, expected " + std::to_string(expected));
    state.SetItemsProcessed(done);
}

// (a) SQLFetch, then SQLGetData for each of the 4 columns of every row.
uint64_t run_fetch_getdata(benchmark::State& state, SQLHDBC dbc, long n) {
    Statement stmt(dbc);
    SQLHSTMT h = stmt.get();
    uint64_t sum = 0;
    long rows = 0;
    for (auto _ : state) {
        stmt.exec(kSelectRows);
        SQLRETURN rc;
        while ((rc = SQLFetch(h)) != SQL_NO_DATA) {
            stmt.check(rc, "SQLFetch");
            int32_t i = 0;
            int64_t b = 0;
            double d = 0;
            char s[32];
            SQLLEN ind[4];
            stmt.check(SQLGetData(h, 1, SQL_C_SLONG, &i, 0, &ind[0]), "SQLGetData(1)");
            stmt.check(SQLGetData(h, 2, SQL_C_SBIGINT, &b, 0, &ind[1]), "SQLGetData(2)");
            stmt.check(SQLGetData(h, 3, SQL_C_DOUBLE, &d, 0, &ind[2]), "SQLGetData(3)");
            stmt.check(SQLGetData(h, 4, SQL_C_CHAR, s, sizeof s, &ind[3]), "SQLGetData(4)");
            sum += row_checksum(i, b, d, s, ind[3]);
            ++rows;
        }
        stmt.check(SQLFreeStmt(h, SQL_CLOSE), "SQLFreeStmt(CLOSE)");
    }
    count_items(state, "read", rows, n);
    return sum;
}

// (b) Columns bound column-wise to arrays of 1,000 rows; one SQLFetch per 1,000 rows.
uint64_t run_fetch_bound_array(benchmark::State& state, SQLHDBC dbc, long n) {
    constexpr SQLULEN kArray = 1000;
    constexpr SQLLEN kText = 32;
    struct Columns {
        int32_t i[kArray];
        int64_t b[kArray];
        double d[kArray];
        char s[kArray][kText];
        SQLLEN ind[4][kArray];
        SQLUSMALLINT status[kArray];
    };
    auto c = std::make_unique<Columns>();
    SQLULEN fetched = 0;
    Statement stmt(dbc);
    SQLHSTMT h = stmt.get();
    stmt.set_attr(SQL_ATTR_ROW_BIND_TYPE, reinterpret_cast<SQLPOINTER>(SQL_BIND_BY_COLUMN),
                  "ROW_BIND_TYPE");
    stmt.set_attr(SQL_ATTR_ROW_ARRAY_SIZE, reinterpret_cast<SQLPOINTER>(kArray), "ROW_ARRAY_SIZE");
    stmt.set_attr(SQL_ATTR_ROW_STATUS_PTR, c->status, "ROW_STATUS_PTR");
    stmt.set_attr(SQL_ATTR_ROWS_FETCHED_PTR, &fetched, "ROWS_FETCHED_PTR");
    stmt.check(SQLBindCol(h, 1, SQL_C_SLONG, c->i, sizeof c->i[0], c->ind[0]), "SQLBindCol(1)");
    stmt.check(SQLBindCol(h, 2, SQL_C_SBIGINT, c->b, sizeof c->b[0], c->ind[1]), "SQLBindCol(2)");
    stmt.check(SQLBindCol(h, 3, SQL_C_DOUBLE, c->d, sizeof c->d[0], c->ind[2]), "SQLBindCol(3)");
    stmt.check(SQLBindCol(h, 4, SQL_C_CHAR, c->s, kText, c->ind[3]), "SQLBindCol(4)");
    uint64_t sum = 0;
    long rows = 0;
    for (auto _ : state) {
        stmt.exec(kSelectRows);
        SQLRETURN rc;
        while ((rc = SQLFetch(h)) != SQL_NO_DATA) {
            stmt.check(rc, "SQLFetch");
            for (SQLULEN r = 0; r < fetched; ++r)
                sum += row_checksum(c->i[r], c->b[r], c->d[r], c->s[r], c->ind[3][r]);
            rows += static_cast<long>(fetched);
        }
        stmt.check(SQLFreeStmt(h, SQL_CLOSE), "SQLFreeStmt(CLOSE)");
    }
    count_items(state, "read", rows, n);
    return sum;
}

// Autocommit off for its lifetime; rolls back and turns autocommit on again at the end, also
// when a case fails, so that the next case finds the connection as it was.
class RolledBackTransaction {
  public:
    explicit RolledBackTransaction(SQLHDBC dbc) : dbc_(dbc) { set_autocommit(dbc_, false); }
    ~RolledBackTransaction() {
        SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK);
        SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                          reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
    }
    RolledBackTransaction(const RolledBackTransaction&) = delete;
    RolledBackTransaction& operator=(const RolledBackTransaction&) = delete;

  private:
    SQLHDBC dbc_;
};

// (c) A prepared INSERT with 4 bound parameters, executed n times in one transaction that is
// rolled back afterwards (untimed), so every run starts from an empty table.
uint64_t run_prepared_insert(benchmark::State& state, SQLHDBC dbc, long n) {
    RolledBackTransaction transaction(dbc);  // outlives the statements
    Statement stmt(dbc);
    SQLHSTMT h = stmt.get();
    int32_t i = 0;
    int64_t b = 0;
    double d = 0;
    char s[32] = "";
    SQLLEN s_ind = SQL_NTS;
    stmt.check(SQLPrepare(h, Statement::sqlchar(kInsertRow), SQL_NTS), "SQLPrepare");
    stmt.check(
        SQLBindParameter(h, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &i, 0, nullptr),
        "SQLBindParameter(1)");
    stmt.check(
        SQLBindParameter(h, 2, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &b, 0, nullptr),
        "SQLBindParameter(2)");
    stmt.check(
        SQLBindParameter(h, 3, SQL_PARAM_INPUT, SQL_C_DOUBLE, SQL_DOUBLE, 0, 0, &d, 0, nullptr),
        "SQLBindParameter(3)");
    stmt.check(SQLBindParameter(h, 4, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 16, 0, s, sizeof s,
                                &s_ind),
               "SQLBindParameter(4)");
    for (auto _ : state) {
        for (long k = 1; k <= n; ++k) {
            i = static_cast<int32_t>(k);
            b = k * 4294967311LL;
            d = static_cast<double>(k) * 0.25;
            std::snprintf(s, sizeof s, "row-%07ld", k);
            stmt.check(SQLExecute(h), "SQLExecute");
        }
    }
    // How many rows landed, read before the rollback.
    Statement count(dbc);
    count.exec("SELECT COUNT(*), SUM(i), MAX(b) FROM bench_insert");
    count.check(SQLFetch(count.get()), "SQLFetch(count)");
    int64_t rows = 0, sum_i = 0, max_b = 0;
    count.check(SQLGetData(count.get(), 1, SQL_C_SBIGINT, &rows, 0, nullptr), "SQLGetData(count)");
    count.check(SQLGetData(count.get(), 2, SQL_C_SBIGINT, &sum_i, 0, nullptr), "SQLGetData(sum i)");
    count.check(SQLGetData(count.get(), 3, SQL_C_SBIGINT, &max_b, 0, nullptr), "SQLGetData(max b)");
    count.check(SQLFreeStmt(count.get(), SQL_CLOSE), "SQLFreeStmt(CLOSE)");
    count_items(state, "inserted", rows, n);
    return static_cast<uint64_t>(rows) + static_cast<uint64_t>(sum_i) +
           static_cast<uint64_t>(max_b);
}

// (d) A prepared point SELECT by primary key, n times: SQLExecute, SQLFetch of its one row,
// SQLFetch to the end, SQLFreeStmt(SQL_CLOSE); one bound parameter, one bound column.
uint64_t run_point_select(benchmark::State& state, SQLHDBC dbc, long n) {
    Statement stmt(dbc);
    SQLHSTMT h = stmt.get();
    int32_t id = 0, i = 0;
    SQLLEN ind = 0;
    stmt.check(SQLPrepare(h, Statement::sqlchar("SELECT i FROM bench_rows WHERE id = ?"), SQL_NTS),
               "SQLPrepare");
    stmt.check(
        SQLBindParameter(h, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &id, 0, nullptr),
        "SQLBindParameter(1)");
    stmt.check(SQLBindCol(h, 1, SQL_C_SLONG, &i, 0, &ind), "SQLBindCol(1)");
    uint64_t sum = 0;
    long found = 0;
    for (auto _ : state) {
        for (long k = 0; k < n; ++k) {
            id = static_cast<int32_t>(k % settings.rows) + 1;
            stmt.check(SQLExecute(h), "SQLExecute");
            stmt.check(SQLFetch(h), "SQLFetch");
            sum += static_cast<uint64_t>(i);
            ++found;
            if (SQLFetch(h) != SQL_NO_DATA) throw std::runtime_error("more than one row by key");
            stmt.check(SQLFreeStmt(h, SQL_CLOSE), "SQLFreeStmt(CLOSE)");
        }
    }
    count_items(state, "found", found, n);
    return sum;
}

// What a case does, whatever the database.
struct CaseKind {
    const char* name;
    const char* what;      // one line for the summary
    double goal;           // the median ratio retry/direct we want to stay under
    long Settings::*size;  // rows or executions
    CaseRun run;
};

const CaseKind kCaseKinds[] = {
    {"a_fetch_getdata", "SQLFetch + SQLGetData x4 per row", 1.01, &Settings::rows,
     run_fetch_getdata},
    {"b_fetch_bound_array", "bound columns, 1,000-row array, column-wise", 1.01, &Settings::rows,
     run_fetch_bound_array},
    {"c_prepared_insert", "SQLExecute of a prepared INSERT, 4 parameters", 1.01,
     &Settings::executions, run_prepared_insert},
    {"d_point_select", "prepared point SELECT: SQLExecute + 2 SQLFetch + SQLFreeStmt(CLOSE)", 1.01,
     &Settings::executions, run_point_select},
};

// One case on one database: <kind> on SQLite, <kind>.<backend> on the others.
struct Case {
    std::string name;  // benchmark name: <name>/<direct|retry>/<round>
    const CaseKind* kind;
    const Backend* backend;
};
std::vector<Case> cases;  // made once, before the benchmarks are registered

void make_cases() {
    for (const Backend* b : backends)
        for (const CaseKind& k : kCaseKinds)
            cases.push_back(
                {b == &kSqlite ? std::string(k.name) : k.name + std::string(".") + b->name, &k, b});
}

enum class Side { Direct, Retry };
const char* side_name(Side side) {
    return side == Side::Direct ? "direct" : "retry";
}

std::map<std::string, uint64_t> checksums;  // per case: what the first run read or wrote

void run_case(benchmark::State& state, const Case* c, Side side) {
    try {
        const char* dsn = side == Side::Direct ? c->backend->direct_dsn : c->backend->retry_dsn;
        SQLHDBC dbc = Connections::instance().get(dsn);
        uint64_t sum = c->kind->run(state, dbc, settings.*(c->kind->size));
        auto [it, first] = checksums.emplace(c->name, sum);
        if (!first && it->second != sum)
            throw std::runtime_error("checksum " + std::to_string(sum) +
                                     " differs from the first run's " + std::to_string(it->second));
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

// ---------------------------------------------------------------------------------------------
// The summary: collects every run as it is reported and prints the ratios at the end.

class SummaryReporter : public benchmark::ConsoleReporter {
  public:
    // Colours only on a terminal, as Google Benchmark's own console reporter does by default.
    SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) ? OO_ColorTabular : OO_Tabular) {}

    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const Run& run : runs) {
            if (run.error_occurred) failed_ = true;
            if (run.run_type != Run::RT_Iteration || run.iterations == 0) continue;
            // <case>/<side>/round:<n>; the warm-up round is named .../warmup and not counted.
            std::string name = run.benchmark_name();
            auto first = name.find('/');
            auto second = name.find('/', first + 1);
            if (first == std::string::npos || second == std::string::npos) continue;
            std::string round = name.substr(second + 1);
            if (round.rfind("round:", 0) != 0) continue;
            Sample& sample = samples_[name.substr(0, first)][std::stoi(round.substr(6))];
            bool direct = name.compare(first + 1, second - first - 1, "direct") == 0;
            double cpu = run.error_occurred ? -1 : run.cpu_accumulated_time;
            double real = run.error_occurred ? -1 : run.real_accumulated_time;
            (direct ? sample.direct_cpu : sample.retry_cpu) = cpu;
            (direct ? sample.direct_real : sample.retry_real) = real;
        }
    }

    void Finalize() override {
        ConsoleReporter::Finalize();
        std::FILE* out = stdout;
        std::fprintf(out,
                     "\nodbc-retry overhead: time through odbc-retry / time of the driver alone "
                     "(CPU time of the benchmark thread)\n");
        std::fprintf(out, "%-24s %9s %6s %10s %10s %7s %15s %7s %7s %6s  %s\n", "case", "n",
                     "rounds", "direct ms", "retry ms", "ratio", "min..max", "best", "wall", "goal",
                     "");
        for (const Case& c : cases) {
            auto it = samples_.find(c.name);
            if (it == samples_.end()) continue;
            std::vector<double> ratios, wall, direct, retry;
            for (const auto& [round, s] : it->second) {
                if (s.direct_cpu <= 0 || s.retry_cpu <= 0) continue;
                ratios.push_back(s.retry_cpu / s.direct_cpu);
                wall.push_back(s.retry_real / s.direct_real);
                direct.push_back(s.direct_cpu);
                retry.push_back(s.retry_cpu);
            }
            if (ratios.empty()) {
                std::fprintf(out, "%-24s no round with both sides (filtered out or failed)\n",
                             c.name.c_str());
                continue;
            }
            double ratio = median(ratios);
            auto [lo, hi] = std::minmax_element(ratios.begin(), ratios.end());
            char spread[32];
            std::snprintf(spread, sizeof spread, "%.4f..%.4f", *lo, *hi);
            double best = *std::min_element(retry.begin(), retry.end()) /
                          *std::min_element(direct.begin(), direct.end());
            std::fprintf(out, "%-24s %9ld %6zu %10.1f %10.1f %7.4f %15s %7.4f %7.4f %6.2f  %s\n",
                         c.name.c_str(), settings.*(c.kind->size), ratios.size(),
                         median(direct) * 1e3, median(retry) * 1e3, ratio, spread, best,
                         median(wall), c.kind->goal,
                         ratio <= c.kind->goal ? "within goal" : "ABOVE GOAL");
        }
        std::fprintf(out,
                     "ratio: median over rounds of retry/direct CPU time in the same round (the "
                     "goal applies to it);\nbest: fastest retry / fastest direct (CPU); wall: "
                     "like ratio, for wall-clock time.\n");
        for (const CaseKind& k : kCaseKinds) std::fprintf(out, "  %-20s %s\n", k.name, k.what);
    }

    bool failed() const { return failed_; }

  private:
    struct Sample {
        double direct_cpu = 0, retry_cpu = 0, direct_real = 0, retry_real = 0;
    };
    static double median(std::vector<double> v) {
        std::sort(v.begin(), v.end());
        size_t m = v.size() / 2;
        return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
    }
    std::map<std::string, std::map<int, Sample>> samples_;
    bool failed_ = false;
};

// ---------------------------------------------------------------------------------------------
// Set-up: the private ODBC configuration and the data.

void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path);
    out << text;
    if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
}

void make_workspace() {
    const char* run = std::getenv("ORT_RUN");
    fs::path parent = run && *run ? fs::path(run) : fs::path("/tmp");
    fs::create_directories(parent);
    std::string templ = (parent / "odbc-retry-bench.XXXXXX").string();
    if (!mkdtemp(templ.data()))
        throw std::runtime_error("cannot create a directory in " + parent.string());
    settings.dir = fs::absolute(templ);

    std::string odbcinst = "[ODBC]\nTrace=No\n\n";
    std::string odbc;
    for (const Backend* b : backends) {
        odbcinst += b->odbcinst_ini();
        odbc += b->odbc_ini();
    }
    odbcinst += "[ODBC Retry]\nDriver=" + retry_driver_path() + "\n\n";
    write_file(settings.dir / "odbcinst.ini", odbcinst);
    write_file(settings.dir / "odbc.ini", odbc);
    // An empty global configuration: a system-wide /etc/odbc-retry.ini must not change the run.
    write_file(settings.dir / "odbc-retry.ini", "");

    setenv("ODBCSYSINI", settings.dir.c_str(), 1);
    setenv("ODBCINI", (settings.dir / "odbc.ini").c_str(), 1);
    setenv("ODBC_RETRY_CONFIG", (settings.dir / "odbc-retry.ini").c_str(), 1);
}

void register_benchmarks() {
    // Round -1 is the warm-up; then direct first in even rounds, retry first in odd ones.
    for (int round = -1; round < settings.rounds; ++round) {
        for (const Case& c : cases) {
            Side order[2] = {Side::Direct, Side::Retry};
            if (round % 2 != 0 && round >= 0) std::swap(order[0], order[1]);
            for (Side side : order) {
                std::string name =
                    c.name + "/" + side_name(side) + "/" +
                    (round < 0 ? std::string("warmup") : "round:" + std::to_string(round));
                benchmark::RegisterBenchmark(name.c_str(), run_case, &c, side)
                    ->Iterations(1)
                    ->Unit(benchmark::kMillisecond);
            }
        }
    }
}

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "odbc_retry_bench: %s\n", message.c_str());
    std::exit(2);
}

// Takes our own options out of argv, leaving the rest to Google Benchmark.
void parse_options(int& argc, char** argv) {
    settings.quick = env_flag("ORT_BENCH_QUICK");
    settings.keep = env_flag("ORT_BENCH_KEEP");
    int rounds = 0;
    if (const char* v = std::getenv("ORT_BENCH_ROUNDS"); v && *v) rounds = std::atoi(v);
    if (const char* v = std::getenv("ORT_BENCH_BACKENDS"); v && *v) settings.backends = v;
    long rows = 0, executions = 0;
    int kept = 1;
    for (int k = 1; k < argc; ++k) {
        std::string_view arg = argv[k];
        if (arg == "--quick") {
            settings.quick = true;
        } else if (arg == "--keep") {
            settings.keep = true;
        } else if (arg.rfind("--rounds=", 0) == 0) {
            rounds = std::atoi(argv[k] + 9);
            if (rounds <= 0) usage_error("--rounds needs a positive number");
        } else if (arg.rfind("--backends=", 0) == 0) {
            settings.backends = argv[k] + 11;
        } else if (arg.rfind("--rows=", 0) == 0) {
            rows = std::atol(argv[k] + 7);
            if (rows <= 0) usage_error("--rows needs a positive number");
        } else if (arg.rfind("--executions=", 0) == 0) {
            executions = std::atol(argv[k] + 13);
            if (executions <= 0) usage_error("--executions needs a positive number");
        } else {
            argv[kept++] = argv[k];
        }
    }
    argc = kept;
    if (settings.quick) {
        settings.rows = 100'000;
        settings.executions = 10'000;
        settings.rounds = 3;
    }
    if (rounds > 0) settings.rounds = rounds;
    for (std::string_view rest = settings.backends; !rest.empty();) {
        size_t end = rest.find(',');
        std::string_view name = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        if (name.empty()) continue;
        auto it = std::find_if(std::begin(kAllBackends), std::end(kAllBackends),
                               [&](const Backend* b) { return name == b->name; });
        if (it == std::end(kAllBackends))
            usage_error("--backends takes sqlite, pg and mariadb, not '" + std::string(name) + "'");
        if (std::find(backends.begin(), backends.end(), *it) == backends.end())
            backends.push_back(*it);
    }
    if (backends.empty()) usage_error("--backends names no database");
    if (rows > 0) settings.rows = rows;
    if (executions > 0) settings.executions = executions;
}

}  // namespace

int main(int argc, char** argv) {
    parse_options(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    int status = 0;
    try {
        make_workspace();  // before the first SQLAllocHandle
        std::fprintf(stderr,
                     "odbc_retry_bench: %ld rows, %ld executions, %d rounds + 1 warm-up, in %s\n",
                     settings.rows, settings.executions, settings.rounds, settings.dir.c_str());
        // Connected before any case runs, so that a case never pays for a connect (nor does a
        // profile of run_case count one: bench/run.sh --callgrind relies on that).
        for (const Backend* b : backends) {
            b->create_data(Connections::instance().get(b->direct_dsn));
            Connections::instance().get(b->retry_dsn);
        }
        make_cases();
        register_benchmarks();
        SummaryReporter reporter;
        benchmark::RunSpecifiedBenchmarks(&reporter);
        if (reporter.failed()) status = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "odbc_retry_bench: %s\n", e.what());
        status = 1;
    }
    Connections::instance().close_all();
    benchmark::Shutdown();
    if (!settings.dir.empty()) {
        if (settings.keep) {
            std::fprintf(stderr, "odbc_retry_bench: kept %s\n", settings.dir.c_str());
        } else {
            std::error_code ignored;
            fs::remove_all(settings.dir, ignored);
        }
    }
    return status;
}
