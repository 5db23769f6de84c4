// SPDX-License-Identifier: Apache-2.0
// Chaos test (ctest label chaos): N threads, each with its own connection through odbc-retry,
// run a mixed workload while tests/chaos/killer.sh kills the server's sessions at random every
// 200-600 ms and restarts the server 2 or 3 times. Afterwards a direct connection (the target
// DSN, no odbc-retry) checks what the application was told against what the database holds:
//
//   - reads never fail (autocommit reads are replayed after a lost connection), except with the
//     documented record of a read whose replay lost its connection again (the killer struck
//     twice: the target's records first, then odbc-retry's "not repeated again");
//   - every insert the application saw succeed is in the table exactly once; an insert that got
//     08S01 "outcome unknown" is there at most once; no key is there twice (the table has no
//     unique constraint, so a replayed write would show as a duplicate); nothing is there that
//     the application did not insert;
//   - every transaction (3 rows) is fully present or fully absent; present when its COMMIT was
//     acknowledged, absent when it was refused or rolled back, either when the COMMIT's outcome
//     was reported unknown (08007);
//   - every error the application saw is a documented one (docs/error-contract.md): 08S01 or
//     08007 led by an "[odbc-retry]" record, or 08001 "[odbc-retry] gave up" (connect only).
//     Anything else is a failure.
//
// The workload of each thread, picked at random: reads (SELECT count(*), its column bound after
// the execute; a prepared SELECT of a key this thread inserted, which must find it exactly once; a
// 200-row read of a static table, checked row by row), autocommit inserts with unique keys (thread
// * 1e6 + seq; prepared and direct), and short manual-commit transactions (autocommit off, 3
// inserts with one txn id, COMMIT, autocommit on). When a statement of a transaction fails, the
// thread does what applications do: rolls back, or commits anyway, or carries on with the remaining
// inserts and commits; a COMMIT acknowledged after that is checked like any other.
//
// --truth 1 mixes into the workload what a counter of statements gets wrong: savepoints (SAVEPOINT
// and ROLLBACK TO SAVEPOINT inside the transactions), transactions opened and ended with SQL text
// (BEGIN / START TRANSACTION ... COMMIT / ROLLBACK), SETs run in manual-commit transactions, and
// (PostgreSQL) SET batches that insert ("SET ...; INSERT ..."). The same invariants hold; a read
// may then also be refused with 08S01 "session state that cannot be rebuilt" (after a SET batch).
//
// usage: chaos_test --backend pg|mariadb --dsn DSN --direct DSN --killer PATH
//                   [--threads N] [--seconds S] [--seed N] [--log FILE] [--truth 1]
//                   [--bookkeeping 0]
// Environment: ORT_CHAOS_SECONDS (default 40), ORT_CHAOS_SEED, ORT_CHAOS_THREADS (default 6),
// ORT_CHAOS_HEAP_EVERY (seconds: print the C heap's bytes in use and held, for the soak),
// and the project's runtime environment (ODBCSYSINI, ODBCINI, ORT_*; scripts/lib/env.sh).
// Exit status 0 when every invariant held, 1 when one did not, 2 on a setup problem.
#include <sql.h>
#include <sqlext.h>
#include <spawn.h>
#include <malloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

std::string strf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string strf(const char* format, ...) {
    va_list args;
    va_start(args, format);
    char buffer[4096];
    std::vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    return buffer;
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

double since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

// ---- diagnostics ------------------------------------------------------------------------------

struct Diag {
    std::string state;  // SQLSTATE of the first record
    long native = 0;
    std::string message;  // of the first record
    std::string all;      // every record, on one line
};

Diag read_diag(SQLSMALLINT type, SQLHANDLE handle) {
    Diag d;
    for (SQLSMALLINT i = 1; i <= 10; ++i) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[2048] = {};
        SQLSMALLINT length = 0;
        if (!SQL_SUCCEEDED(
                SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length)))
            break;
        if (i == 1) {
            d.state = reinterpret_cast<char*>(state);
            d.native = native;
            d.message = reinterpret_cast<char*>(message);
        }
        std::string text = reinterpret_cast<char*>(message);
        for (size_t p = 0; (p = text.find('\n', p)) != std::string::npos;)
            text.replace(p, 1, "\\n");
        d.all += strf("%s[%s/%d] %s", i > 1 ? " | " : "", reinterpret_cast<char*>(state),
                      static_cast<int>(native), text.c_str());
    }
    if (d.state.empty()) d.all = "(no diagnostic records)";
    return d;
}

// "[SQLSTATE/native]" of the first record: what groups problems of one kind.
std::string code(const Diag& d) {
    return d.state.empty() ? "[none]" : strf("[%s/%ld]", d.state.c_str(), d.native);
}

bool g_truth = false;  // --truth 1
// --bookkeeping 0 (for the soak): the workers keep only counters and their latest 1024
// acknowledged keys, so the workload's own memory stays flat and a growing RSS is odbc-retry's or
// the driver's. The checks of the table against what each call was told are then skipped; the
// checks of every error and every read still run.
bool g_bookkeeping = true;
constexpr size_t kKeptKeys = 1024;
bool g_pg = false;

// Led by odbc-retry's record; or the target's records of a loss that the replayed call caused
// itself, followed by ours (docs/error-contract.md).
bool ours(const Diag& d) {
    return d.message.find("[odbc-retry]") != std::string::npos ||
           d.all.find("[odbc-retry] the connection was lost again when the call was replayed") !=
               std::string::npos;
}

// What the application was told, by kind; anything not here is an undocumented error.
enum class Told {
    UnknownOutcome,  // 08S01 [odbc-retry] ...outcome is unknown / could not be recovered (a write)
    TransactionRolledBack,  // 08S01 [odbc-retry] inside a transaction
    CommitRefused,          // 08S01 [odbc-retry] at COMMIT: rolled back
    CommitUnknown,          // 08007 [odbc-retry] at COMMIT
    GaveUp,                 // 08001 [odbc-retry] gave up (connect)
    Undocumented,
};

// ---- results ----------------------------------------------------------------------------------

enum class TxnOutcome { Committed, Refused, Unknown, RolledBack };
enum class TxnMode { Stop, CommitAnyway, CarryOn };

struct Txn {
    int64_t id = 0;
    TxnOutcome outcome = TxnOutcome::RolledBack;
    TxnMode mode = TxnMode::Stop;
    bool broken = false;  // a statement of it failed
};

// Problems grouped by kind: how often, and the first few examples of each.
class Problems {
  public:
    void add(const std::string& kind, std::string example) {
        Entry& e = kinds_[kind];
        if (e.examples.size() < 3) e.examples.push_back(std::move(example));
        ++e.count;
    }
    void merge(const Problems& other) {
        for (const auto& [kind, e] : other.kinds_) {
            Entry& mine = kinds_[kind];
            mine.count += e.count;
            for (const auto& x : e.examples)
                if (mine.examples.size() < 3) mine.examples.push_back(x);
        }
    }
    long total() const {
        long n = 0;
        for (const auto& [kind, e] : kinds_) n += e.count;
        return n;
    }
    void print(const char* title) const {
        if (kinds_.empty()) return;
        std::printf("\nFAIL: %ld problem(s) %s:\n", total(), title);
        for (const auto& [kind, e] : kinds_) {
            std::printf("  %ldx %s\n", e.count, kind.c_str());
            for (const auto& x : e.examples) std::printf("      e.g. %s\n", x.c_str());
        }
    }

  private:
    struct Entry {
        long count = 0;
        std::vector<std::string> examples;
    };
    std::map<std::string, Entry> kinds_;
};

struct ThreadResult {
    std::vector<int64_t> insert_ok, insert_unknown;
    std::vector<Txn> txns;
    long reads = 0, inserts_attempted = 0, inserts_acknowledged = 0;
    std::map<std::string, long> errors;  // "where SQLSTATE" -> count
    Problems problems;
    void fail(const std::string& kind, std::string example) {
        problems.add(kind, std::move(example));
    }
};

constexpr int kRefRows = 200;
constexpr int64_t kKeySpace = 1000000;

// ---- one worker -------------------------------------------------------------------------------

class Worker {
  public:
    Worker(int index, SQLHENV env, std::string dsn, uint64_t seed, const std::atomic<bool>& stop)
        : index_(index), env_(env), dsn_(std::move(dsn)), random_(seed), stop_(stop) {}

    ThreadResult& result() { return result_; }
    const char* doing() const { return doing_.load(); }

    bool connect() {
        doing_ = "connect";
        SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_);
        std::string cs = "DSN=" + dsn_;
        SQLRETURN rc = SQLDriverConnect(dbc_, nullptr, reinterpret_cast<SQLCHAR*>(cs.data()),
                                        SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
        if (!SQL_SUCCEEDED(rc)) {
            Diag d = read_diag(SQL_HANDLE_DBC, dbc_);
            result_.fail("connect failed " + code(d), strf("thread %d: %s", index_, d.all.c_str()));
            return false;
        }
        connected_ = true;
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &insert_);
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &select_);
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &txn_insert_);
        bool ok =
            prepare(insert_,
                    "INSERT INTO chaos_ins (id, thread, seq, via) VALUES (?, ?, ?, 'prepared')") &&
            prepare(select_, "SELECT id, seq FROM chaos_ins WHERE id = ?") &&
            prepare(txn_insert_, "INSERT INTO chaos_txn (txn_id, part, thread) VALUES (?, ?, ?)");
        if (!ok) return false;
        SQLBindParameter(insert_, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &p_key_, 0,
                         nullptr);
        SQLBindParameter(insert_, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &p_thread_, 0,
                         nullptr);
        SQLBindParameter(insert_, 3, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &p_seq_, 0,
                         nullptr);
        SQLBindParameter(select_, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &p_lookup_,
                         0, nullptr);
        SQLBindCol(select_, 1, SQL_C_SBIGINT, &c_id_, 0, &c_id_ind_);
        SQLBindCol(select_, 2, SQL_C_SLONG, &c_seq_, 0, &c_seq_ind_);
        SQLBindParameter(txn_insert_, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &p_txn_,
                         0, nullptr);
        SQLBindParameter(txn_insert_, 2, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0, &p_part_,
                         0, nullptr);
        SQLBindParameter(txn_insert_, 3, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER, 0, 0,
                         &p_thread_, 0, nullptr);
        p_thread_ = index_;
        return true;
    }

    void run() {
        while (!stop_.load()) {
            int pick = static_cast<int>(random_() % 100);
            if (pick < 40)
                read();
            else if (pick < 75)
                insert();
            else
                transaction();
        }
        doing_ = "done";
    }

    void disconnect() {
        for (SQLHSTMT* s : {&insert_, &select_, &txn_insert_})
            if (*s) SQLFreeHandle(SQL_HANDLE_STMT, *s);
        if (connected_) SQLDisconnect(dbc_);
        if (dbc_) SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }

  private:
    bool prepare(SQLHSTMT s, const char* sql) {
        SQLRETURN rc = SQLPrepare(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql)), SQL_NTS);
        if (SQL_SUCCEEDED(rc)) return true;
        Diag d = read_diag(SQL_HANDLE_STMT, s);
        result_.fail("SQLPrepare failed " + code(d),
                     strf("thread %d: %s: %s", index_, sql, d.all.c_str()));
        return false;
    }

    // Records an error the application saw and says what it means; `where` names the call.
    Told told(const char* where, SQLSMALLINT type, SQLHANDLE handle, bool at_commit,
              bool in_transaction) {
        Diag d = read_diag(type, handle);
        result_.errors[std::string(where) + " " + (d.state.empty() ? "none" : d.state)]++;
        Told t = Told::Undocumented;
        if (ours(d)) {
            if (d.state == "08007" && at_commit)
                t = Told::CommitUnknown;
            else if (d.state == "08S01" && at_commit)
                t = Told::CommitRefused;
            else if (d.state == "08S01")
                t = in_transaction ? Told::TransactionRolledBack : Told::UnknownOutcome;
            else if (d.state == "08001" && d.message.find("gave up") != std::string::npos)
                t = Told::GaveUp;
        }
        if (t == Told::Undocumented)
            result_.fail(strf("undocumented error from %s %s", where, code(d).c_str()),
                         strf("thread %d: %s", index_, d.all.c_str()));
        return t;
    }

    // A fresh statement for a direct call; null after an error (recorded as a failure of `what`).
    SQLHSTMT fresh_statement(const char* what) {
        SQLHSTMT s = SQL_NULL_HSTMT;
        if (SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s))) return s;
        Diag d = read_diag(SQL_HANDLE_DBC, dbc_);
        result_.errors[std::string("SQLAllocHandle ") + d.state]++;
        result_.fail("undocumented error from SQLAllocHandle(STMT) " + code(d),
                     strf("thread %d (for %s): %s", index_, what, d.all.c_str()));
        return SQL_NULL_HSTMT;
    }

    void read_failed(const char* what, SQLHSTMT s) {
        Diag d = read_diag(SQL_HANDLE_STMT, s);
        result_.errors[std::string("read ") + d.state]++;
        // Documented refusals of a read: the read itself ended its connection again when it was
        // replayed (the killer struck twice), or the session held state that cannot be rebuilt.
        if (ours(d) &&
            (d.all.find("was not repeated again") != std::string::npos ||
             (g_truth && d.all.find("session state that cannot be rebuilt") != std::string::npos)))
            return;
        result_.fail(strf("a read failed: %s %s", what, code(d).c_str()),
                     strf("thread %d: %s", index_, d.all.c_str()));
    }

    void read() {
        ++result_.reads;
        switch (random_() % 3) {
            case 0:
                read_count();
                break;
            case 1:
                read_key();
                break;
            default:
                read_reference();
                break;
        }
    }

    void read_count() {
        doing_ = "read count(*)";
        SQLHSTMT s = fresh_statement("SELECT count(*)");
        if (!s) return;
        const char* sql = "SELECT count(*) FROM chaos_ins";
        SQLBIGINT n = -1;
        SQLLEN ind = 0;
        if (!SQL_SUCCEEDED(
                SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql)), SQL_NTS))) {
            read_failed(sql, s);
        } else if (!SQL_SUCCEEDED(SQLBindCol(s, 1, SQL_C_SBIGINT, &n, 0, &ind)) ||
                   !SQL_SUCCEEDED(SQLFetch(s))) {
            read_failed("SQLFetch of SELECT count(*)", s);
        } else if (n < static_cast<SQLBIGINT>(result_.inserts_acknowledged)) {
            result_.fail("a read returned a wrong result: SELECT count(*) too low",
                         strf("thread %d: SELECT count(*) says %lld rows, but this thread alone "
                              "had %ld inserts "
                              "acknowledged",
                              index_, static_cast<long long>(n), result_.inserts_acknowledged));
        }
        SQLFreeHandle(SQL_HANDLE_STMT, s);
    }

    void read_key() {
        doing_ = "read by key";
        // One of this thread's acknowledged keys must be found exactly once.
        p_lookup_ = result_.insert_ok.empty()
                        ? -1
                        : result_.insert_ok[random_() % result_.insert_ok.size()];
        if (!SQL_SUCCEEDED(SQLExecute(select_))) {
            read_failed("prepared SELECT by key", select_);
            SQLFreeStmt(select_, SQL_CLOSE);
            return;
        }
        int rows = 0;
        SQLRETURN rc;
        while ((rc = SQLFetch(select_)) != SQL_NO_DATA) {
            if (!SQL_SUCCEEDED(rc)) {
                read_failed("SQLFetch of the prepared SELECT by key", select_);
                break;
            }
            ++rows;
            if (c_id_ != p_lookup_ || c_seq_ != p_lookup_ % kKeySpace)
                result_.fail(
                    "a read returned a wrong result: SELECT by key, wrong row",
                    strf("thread %d: SELECT of key %lld returned the row (%lld, %d)", index_,
                         static_cast<long long>(p_lookup_), static_cast<long long>(c_id_), c_seq_));
        }
        SQLFreeStmt(select_, SQL_CLOSE);
        int expected = p_lookup_ < 0 ? 0 : 1;
        if (rc == SQL_NO_DATA && rows != expected)
            result_.fail(
                "a read returned a wrong result: SELECT of an acknowledged key, wrong row count",
                strf("thread %d: SELECT of acknowledged key %lld found %d row(s), not %d", index_,
                     static_cast<long long>(p_lookup_), rows, expected));
    }

    void read_reference() {
        doing_ = "read reference table";
        SQLHSTMT s = fresh_statement("SELECT FROM chaos_ref");
        if (!s) return;
        const char* sql = "SELECT id, payload FROM chaos_ref ORDER BY id";
        SQLINTEGER id = 0;
        SQLCHAR payload[64] = {};
        SQLLEN id_ind = 0, payload_ind = 0;
        SQLBindCol(s, 1, SQL_C_SLONG, &id, 0, &id_ind);
        SQLBindCol(s, 2, SQL_C_CHAR, payload, sizeof payload, &payload_ind);
        if (!SQL_SUCCEEDED(
                SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql)), SQL_NTS))) {
            read_failed(sql, s);
            SQLFreeHandle(SQL_HANDLE_STMT, s);
            return;
        }
        int rows = 0;
        SQLRETURN rc;
        while ((rc = SQLFetch(s)) != SQL_NO_DATA) {
            if (!SQL_SUCCEEDED(rc)) {
                read_failed("SQLFetch of the reference table", s);
                break;
            }
            ++rows;
            std::string want = strf("ref-%04d", rows);
            if (id != rows || want != reinterpret_cast<char*>(payload)) {
                result_.fail("a read returned a wrong result: reference table, wrong row",
                             strf("thread %d: reference row %d read as (%d, '%s')", index_, rows,
                                  static_cast<int>(id), reinterpret_cast<char*>(payload)));
                break;
            }
        }
        if (rc == SQL_NO_DATA && rows != kRefRows)
            result_.fail("a read returned a wrong result: reference table, wrong row count",
                         strf("thread %d: the reference table read %d rows, not %d", index_, rows,
                              kRefRows));
        SQLFreeHandle(SQL_HANDLE_STMT, s);
    }

    void insert() {
        ++result_.inserts_attempted;
        const int64_t seq = next_seq_++;
        const int64_t key = static_cast<int64_t>(index_ + 1) * kKeySpace + seq;
        SQLRETURN rc;
        SQLHSTMT s = SQL_NULL_HSTMT;
        bool prepared = seq % 2 == 0;
        if (prepared) {
            doing_ = "prepared insert";
            p_key_ = key;
            p_seq_ = static_cast<SQLINTEGER>(seq);
            s = insert_;
            rc = SQLExecute(insert_);
        } else {
            doing_ = "direct insert";
            s = fresh_statement("INSERT");
            if (!s) return;
            std::string sql = strf(
                "INSERT INTO chaos_ins (id, thread, seq, via) VALUES (%lld, %d, %lld, 'direct')",
                static_cast<long long>(key), index_, static_cast<long long>(seq));
            // A SET batch: never a session setting, its INSERT runs once at most. It makes the
            // session unrebuildable until the next loss, so only thread 0 runs them: the other
            // threads' losses keep exercising replays.
            if (g_truth && g_pg && index_ == 0 && random_() % 4 == 0)
                sql = "SET application_name = 'chaos_batch'; " + sql;
            rc = SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(sql.data()), SQL_NTS);
        }
        if (SQL_SUCCEEDED(rc)) {
            if (g_bookkeeping || result_.insert_ok.size() < kKeptKeys)
                result_.insert_ok.push_back(key);
            else
                result_.insert_ok[static_cast<size_t>(result_.inserts_acknowledged) % kKeptKeys] =
                    key;
            ++result_.inserts_acknowledged;
        } else {
            Told t = told(prepared ? "insert(prepared)" : "insert(direct)", SQL_HANDLE_STMT, s,
                          false, false);
            // Whatever it was, the key may be in the table: at most once.
            if (g_bookkeeping) result_.insert_unknown.push_back(key);
            (void)t;
        }
        if (!prepared) SQLFreeHandle(SQL_HANDLE_STMT, s);
    }

    bool set_autocommit(bool on) {
        // A failure here is recorded; a documented one (the connection was lost and recovered)
        // is tried once more, since the call itself carries no data.
        for (int attempt = 0; attempt < 3; ++attempt) {
            SQLRETURN rc = SQLSetConnectAttr(
                dbc_, SQL_ATTR_AUTOCOMMIT,
                reinterpret_cast<SQLPOINTER>(on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0);
            if (SQL_SUCCEEDED(rc)) return true;
            if (told(on ? "autocommit-on" : "autocommit-off", SQL_HANDLE_DBC, dbc_, false, false) ==
                Told::Undocumented)
                return false;
        }
        result_.fail("SQLSetConnectAttr(AUTOCOMMIT) failed three times in a row",
                     strf("thread %d", index_));
        return false;
    }

    // A ROLLBACK always succeeds (docs/error-contract.md: the server rolled back already).
    void rollback() {
        if (SQL_SUCCEEDED(SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_ROLLBACK))) return;
        Diag d = read_diag(SQL_HANDLE_DBC, dbc_);
        result_.errors["ROLLBACK " + d.state]++;
        result_.fail("ROLLBACK failed " + code(d), strf("thread %d: %s", index_, d.all.c_str()));
    }

    // One statement of a transaction as SQL text; false (and recorded) when it failed.
    bool txn_text(const char* sql, const char* where, bool at_commit) {
        SQLHSTMT s = fresh_statement(where);
        if (!s) return false;
        SQLRETURN rc =
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql)), SQL_NTS);
        bool ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
        if (!ok) last_told_ = told(where, SQL_HANDLE_STMT, s, at_commit, true);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        return ok;
    }

    void transaction() {
        if (g_truth && random_() % 2 == 0) return text_transaction();
        Txn txn;
        txn.id = static_cast<int64_t>(index_ + 1) * kKeySpace + next_txn_++;
        txn.mode = static_cast<TxnMode>(random_() % 3);
        doing_ = "autocommit off";
        if (!set_autocommit(false)) {
            // nothing was inserted; the transaction is recorded as rolled back (it must be absent)
            if (g_bookkeeping) result_.txns.push_back(txn);
            set_autocommit(true);
            return;
        }
        bool end_with_commit = true, set_run = false;
        for (int part = 1; part <= 3; ++part) {
            SQLRETURN rc;
            SQLHSTMT s = SQL_NULL_HSTMT;
            bool prepared = (txn.id + part) % 2 == 0;
            if (prepared) {
                doing_ = "transaction: prepared insert";
                p_txn_ = txn.id;
                p_part_ = part;
                s = txn_insert_;
                rc = SQLExecute(txn_insert_);
            } else {
                doing_ = "transaction: direct insert";
                s = fresh_statement("transaction INSERT");
                if (!s) {
                    txn.broken = true;
                    break;
                }
                std::string sql =
                    strf("INSERT INTO chaos_txn (txn_id, part, thread) VALUES (%lld, %d, %d)",
                         static_cast<long long>(txn.id), part, index_);
                rc = SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(sql.data()), SQL_NTS);
            }
            if (!SQL_SUCCEEDED(rc)) {
                told(prepared ? "txn-insert(prepared)" : "txn-insert(direct)", SQL_HANDLE_STMT, s,
                     false, true);
                txn.broken = true;
            }
            if (!prepared) SQLFreeHandle(SQL_HANDLE_STMT, s);
            // A manual-commit SET, and a savepoint rolled back to: neither ends the transaction.
            if (g_truth && part == 1 && !txn.broken && random_() % 2 == 0) {
                set_run = true;
                doing_ = "transaction: SET";
                if (!txn_text(g_pg ? "SET application_name = 'chaos_txn'"
                                   : "SET SESSION max_sort_length = 2048",
                              "txn-set", false))
                    txn.broken = true;
            }
            // ROLLBACK TO after a SET of the same transaction makes the session unrebuildable
            // (documented, tested elsewhere): kept apart here so that replays stay exercised.
            if (g_truth && part == 2 && !set_run && !txn.broken && random_() % 2 == 0) {
                doing_ = "transaction: savepoint";
                if (!txn_text("SAVEPOINT chaos_sp", "txn-savepoint", false) ||
                    !txn_text("ROLLBACK TO SAVEPOINT chaos_sp", "txn-rollback-to", false))
                    txn.broken = true;
            }
            if (txn.broken && txn.mode == TxnMode::Stop) end_with_commit = false;
            if (txn.broken && txn.mode != TxnMode::CarryOn) break;
        }
        if (end_with_commit) {
            doing_ = "COMMIT";
            SQLRETURN rc = SQLEndTran(SQL_HANDLE_DBC, dbc_, SQL_COMMIT);
            if (SQL_SUCCEEDED(rc)) {
                txn.outcome = TxnOutcome::Committed;
            } else {
                Told t = told("COMMIT", SQL_HANDLE_DBC, dbc_, true, true);
                txn.outcome = t == Told::CommitUnknown ? TxnOutcome::Unknown
                              : t == Told::CommitRefused
                                  ? TxnOutcome::Refused
                                  : TxnOutcome::Unknown;  // undocumented: already a failure
                // What applications do next: some roll back, some just go on.
                if (random_() % 2 == 0) {
                    doing_ = "ROLLBACK after a failed COMMIT";
                    rollback();
                }
            }
        } else {
            doing_ = "ROLLBACK";
            txn.outcome = TxnOutcome::RolledBack;
            rollback();
        }
        if (txn.broken && txn.outcome == TxnOutcome::Committed)
            result_.errors["COMMIT acknowledged after a failed statement"]++;
        if (g_bookkeeping) result_.txns.push_back(txn);
        doing_ = "autocommit on";
        set_autocommit(true);
    }

    // A transaction opened and ended with SQL text in autocommit mode: BEGIN / START
    // TRANSACTION, 3 direct inserts (a savepoint rolled back to after the second), then COMMIT or
    // ROLLBACK as text.
    void text_transaction() {
        Txn txn;
        txn.id = static_cast<int64_t>(index_ + 1) * kKeySpace + next_txn_++;
        txn.mode = static_cast<TxnMode>(random_() % 3);
        doing_ = "BEGIN (text)";
        if (!txn_text(g_pg ? "BEGIN" : "START TRANSACTION", "txn-begin(text)", false)) {
            // Nothing opened for sure: nothing inserted, the transaction must be absent.
            if (g_bookkeeping) result_.txns.push_back(txn);
            return;
        }
        bool end_with_commit = true;
        for (int part = 1; part <= 3; ++part) {
            doing_ = "text transaction: insert";
            std::string sql =
                strf("INSERT INTO chaos_txn (txn_id, part, thread) VALUES (%lld, %d, %d)",
                     static_cast<long long>(txn.id), part, index_);
            if (!txn_text(sql.c_str(), "txn-insert(text txn)", false)) txn.broken = true;
            if (part == 2 && !txn.broken && random_() % 2 == 0) {
                doing_ = "text transaction: savepoint";
                if (!txn_text("SAVEPOINT chaos_sp", "txn-savepoint", false) ||
                    !txn_text("ROLLBACK TO SAVEPOINT chaos_sp", "txn-rollback-to", false))
                    txn.broken = true;
            }
            if (txn.broken && txn.mode == TxnMode::Stop) end_with_commit = false;
            if (txn.broken && txn.mode != TxnMode::CarryOn) break;
        }
        if (end_with_commit) {
            doing_ = "COMMIT (text)";
            if (txn_text("COMMIT", "COMMIT(text)", true)) {
                txn.outcome = TxnOutcome::Committed;
            } else {
                txn.outcome =
                    last_told_ == Told::CommitRefused ? TxnOutcome::Refused : TxnOutcome::Unknown;
                if (random_() % 2 == 0) txn_text("ROLLBACK", "ROLLBACK(text)", false);
            }
        } else {
            doing_ = "ROLLBACK (text)";
            txn.outcome = TxnOutcome::RolledBack;
            if (!txn_text("ROLLBACK", "ROLLBACK(text)", false))
                txn.outcome = TxnOutcome::Unknown;  // told: recorded if undocumented
        }
        if (txn.broken && txn.outcome == TxnOutcome::Committed)
            result_.errors["COMMIT acknowledged after a failed statement"]++;
        if (g_bookkeeping) result_.txns.push_back(txn);
    }

    Told last_told_ = Told::Undocumented;
    const int index_;
    SQLHENV env_;
    std::string dsn_;
    std::mt19937_64 random_;
    const std::atomic<bool>& stop_;
    std::atomic<const char*> doing_{"start"};
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
    SQLHSTMT insert_ = SQL_NULL_HSTMT, select_ = SQL_NULL_HSTMT, txn_insert_ = SQL_NULL_HSTMT;
    int64_t next_seq_ = 0, next_txn_ = 500000;
    // Bound parameters and columns: they stay at these addresses for the connection's lifetime.
    SQLBIGINT p_key_ = 0, p_lookup_ = 0, p_txn_ = 0, c_id_ = 0;
    SQLINTEGER p_thread_ = 0, p_seq_ = 0, p_part_ = 0, c_seq_ = 0;
    SQLLEN c_id_ind_ = 0, c_seq_ind_ = 0;
    ThreadResult result_;
};

// ---- a direct connection for setup and verification ------------------------------------------

class Direct {
  public:
    explicit Direct(SQLHENV env) { SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc_); }
    ~Direct() {
        if (connected_) SQLDisconnect(dbc_);
        SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }
    // Connects, trying for up to 60 s (the server may still be starting).
    bool connect(const std::string& dsn, std::string& error) {
        std::string cs = "DSN=" + dsn;
        auto deadline = Clock::now() + std::chrono::seconds(60);
        for (;;) {
            SQLRETURN rc = SQLDriverConnect(dbc_, nullptr, reinterpret_cast<SQLCHAR*>(cs.data()),
                                            SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
            if (SQL_SUCCEEDED(rc)) {
                connected_ = true;
                return true;
            }
            error = read_diag(SQL_HANDLE_DBC, dbc_).all;
            if (Clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
    }
    bool exec(const std::string& sql, std::string& error) {
        SQLHSTMT s = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s);
        SQLRETURN rc =
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        bool ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
        if (!ok) error = sql + ":\n" + read_diag(SQL_HANDLE_STMT, s).all;
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        return ok;
    }
    // Rows of two or three integer columns.
    bool query(const std::string& sql, std::vector<std::array<int64_t, 3>>& rows,
               std::string& error) {
        SQLHSTMT s = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &s);
        SQLRETURN rc =
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        if (!SQL_SUCCEEDED(rc)) {
            error = sql + ":\n" + read_diag(SQL_HANDLE_STMT, s).all;
            SQLFreeHandle(SQL_HANDLE_STMT, s);
            return false;
        }
        SQLSMALLINT columns = 0;
        SQLNumResultCols(s, &columns);
        std::array<SQLBIGINT, 3> v{};
        std::array<SQLLEN, 3> ind{};
        for (SQLUSMALLINT c = 0; c < columns && c < 3; ++c)
            SQLBindCol(s, c + 1, SQL_C_SBIGINT, &v[c], 0, &ind[c]);
        while ((rc = SQLFetch(s)) != SQL_NO_DATA) {
            if (!SQL_SUCCEEDED(rc)) {
                error = sql + " (fetch):\n" + read_diag(SQL_HANDLE_STMT, s).all;
                SQLFreeHandle(SQL_HANDLE_STMT, s);
                return false;
            }
            rows.push_back({v[0], v[1], v[2]});
        }
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        return true;
    }

  private:
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
};

// ---- the killer process -----------------------------------------------------------------------

pid_t spawn_killer(const std::string& path, const std::string& backend, int seconds,
                   uint64_t seed) {
    std::string secs = std::to_string(seconds), seed_text = std::to_string(seed % 1000000007);
    const char* argv[] = {"/bin/bash",  path.c_str(),      backend.c_str(),
                          secs.c_str(), seed_text.c_str(), nullptr};
    pid_t pid = 0;
    if (posix_spawn(&pid, "/bin/bash", nullptr, nullptr, const_cast<char**>(argv), environ) != 0)
        return -1;
    return pid;
}

// ---- options ------------------------------------------------------------------------------------

struct Options {
    std::string backend, dsn, direct, killer, log;
    int threads = 6;
    int seconds = 40;
    uint64_t seed = 0;
};

bool parse(int argc, char** argv, Options& o) {
    o.threads = std::atoi(env_or("ORT_CHAOS_THREADS", "6").c_str());
    o.seconds = std::atoi(env_or("ORT_CHAOS_SECONDS", "40").c_str());
    o.seed = std::strtoull(env_or("ORT_CHAOS_SEED", "0").c_str(), nullptr, 10);
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i], v = argv[i + 1];
        if (k == "--backend")
            o.backend = v;
        else if (k == "--dsn")
            o.dsn = v;
        else if (k == "--direct")
            o.direct = v;
        else if (k == "--killer")
            o.killer = v;
        else if (k == "--log")
            o.log = v;
        else if (k == "--threads")
            o.threads = std::atoi(v.c_str());
        else if (k == "--seconds")
            o.seconds = std::atoi(v.c_str());
        else if (k == "--seed")
            o.seed = std::strtoull(v.c_str(), nullptr, 10);
        else if (k == "--truth")
            g_truth = v == "1";
        else if (k == "--bookkeeping")
            g_bookkeeping = v != "0";
        else
            return false;
    }
    if (o.seed == 0)
        o.seed =
            static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) %
            1000000007;
    return (argc % 2 == 1) && (o.backend == "pg" || o.backend == "mariadb") && !o.dsn.empty() &&
           !o.direct.empty() && !o.killer.empty() && o.threads > 0 && o.threads <= 64 &&
           o.seconds > 0 && o.seconds <= 3600;
}

// Lines of the odbc-retry log that contain `needle`.
long count_lines(const std::string& file, const char* needle) {
    std::ifstream in(file);
    std::string line;
    long n = 0;
    while (std::getline(in, line))
        if (line.find(needle) != std::string::npos) ++n;
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        std::fprintf(stderr,
                     "usage: chaos_test --backend pg|mariadb --dsn DSN --direct DSN --killer PATH "
                     "[--threads N] "
                     "[--seconds S] [--seed N] [--log FILE]\n");
        return 2;
    }
    for (const char* name : {"ODBCSYSINI", "ODBCINI"})
        if (!std::getenv(name)) {
            std::fprintf(
                stderr,
                "chaos_test: %s is not set: source scripts/lib/env.sh and start the servers "
                "(scripts/servers start), or run scripts/test\n",
                name);
            return 2;
        }
    setvbuf(stdout, nullptr, _IOLBF, 0);
    // odbc-retry logs every recovery and replay decision at level info: counted at the end.
    g_pg = o.backend == "pg";
    if (o.log.empty())
        o.log = std::string("chaos_") + (g_truth ? "truth_" : "") + o.backend + ".odbc-retry.log";
    std::remove(o.log.c_str());
    setenv("ODBC_RETRY_LOG_LEVEL", "info", 0);
    setenv("ODBC_RETRY_LOG_FILE", o.log.c_str(), 0);
    o.log = std::getenv("ODBC_RETRY_LOG_FILE");

    std::printf("chaos %s: %d threads through %s for %d s, seed %" PRIu64
                " (ORT_CHAOS_SEED to repeat), "
                "odbc-retry log %s\n",
                o.backend.c_str(), o.threads, o.dsn.c_str(), o.seconds, o.seed, o.log.c_str());
    const auto t0 = Clock::now();

    SQLHENV env = SQL_NULL_HENV;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);

    // ---- setup: fresh tables through a direct connection
    {
        Direct d(env);
        std::string error;
        if (!d.connect(o.direct, error)) {
            std::fprintf(stderr, "chaos_test: cannot connect to %s:\n%s", o.direct.c_str(),
                         error.c_str());
            return 2;
        }
        std::string values;
        for (int i = 1; i <= kRefRows; ++i)
            values += strf("%s(%d, 'ref-%04d')", i > 1 ? ", " : "", i, i);
        // No unique constraint on the keys: a write applied twice must show as a duplicate.
        for (const std::string& sql :
             {std::string("DROP TABLE IF EXISTS chaos_ins"),
              std::string("DROP TABLE IF EXISTS chaos_txn"),
              std::string("DROP TABLE IF EXISTS chaos_ref"),
              std::string("CREATE TABLE chaos_ins (id BIGINT NOT NULL, thread INT NOT NULL, seq "
                          "INT NOT NULL, "
                          "via VARCHAR(10) NOT NULL)"),
              std::string("CREATE TABLE chaos_txn (txn_id BIGINT NOT NULL, part INT NOT NULL, "
                          "thread INT NOT NULL)"),
              std::string("CREATE TABLE chaos_ref (id INT NOT NULL, payload VARCHAR(40) NOT NULL)"),
              "INSERT INTO chaos_ref (id, payload) VALUES " + values})
            if (!d.exec(sql, error)) {
                std::fprintf(stderr, "chaos_test: setup failed: %s", error.c_str());
                return 2;
            }
    }

    // ---- workers connect, then the killer starts
    std::atomic<bool> stop{false};
    std::vector<std::unique_ptr<Worker>> workers;
    bool connected = true;
    for (int i = 0; i < o.threads; ++i) {
        workers.push_back(std::make_unique<Worker>(i, env, o.dsn,
                                                   o.seed * 1000 + static_cast<uint64_t>(i), stop));
        connected = workers.back()->connect() && connected;
    }
    int status = 0;
    std::vector<std::thread> threads;
    std::atomic<int> finished{0};
    // The heap as malloc sees it: bytes the program holds (in use) against bytes taken from the
    // system (arenas and mapped blocks). In use that keeps growing is memory kept; held memory
    // growing while in use stays flat is the allocator's fragmentation.
    std::thread heap_reporter;
    std::atomic<bool> heap_stop{false};
    if (int every = std::atoi(env_or("ORT_CHAOS_HEAP_EVERY", "0").c_str()); every > 0)
        heap_reporter = std::thread([every, &heap_stop] {
            for (int tick = 0; !heap_stop.load(); ++tick) {
                if (tick % (every * 10) == 0) {
                    struct mallinfo2 m = mallinfo2();
                    std::printf("heap: in_use_kib=%zu held_kib=%zu\n",
                                (m.uordblks + m.hblkhd) / 1024, (m.arena + m.hblkhd) / 1024);
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
        });
    if (connected) {
        pid_t killer = spawn_killer(o.killer, o.backend, o.seconds, o.seed);
        if (killer < 0) {
            std::fprintf(stderr, "chaos_test: cannot start %s\n", o.killer.c_str());
            return 2;
        }
        for (auto& w : workers)
            threads.emplace_back([&w, &finished] {
                w->run();
                finished.fetch_add(1);
            });
        int killer_status = 0;
        waitpid(killer, &killer_status, 0);
        if (!WIFEXITED(killer_status) || WEXITSTATUS(killer_status) != 0) {
            std::printf("FAIL: the killer ended with status %d\n", killer_status);
            status = 1;
        }
        stop = true;
        std::printf("chaos %s: the killer stopped at +%.1f s; waiting for the workers\n",
                    o.backend.c_str(), since(t0));
        // Each worker finishes the operation it is in; that may include riding out a recovery
        // (RetryDeadline, 30 s by default). Past that, something hangs.
        auto hang_limit = Clock::now() + std::chrono::seconds(90);
        while (finished.load() < o.threads && Clock::now() < hang_limit)
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        if (finished.load() < o.threads) {
            std::printf("FAIL: %d worker(s) still busy 90 s after the killer stopped:\n",
                        o.threads - finished.load());
            for (size_t i = 0; i < workers.size(); ++i)
                std::printf("  thread %zu: %s\n", i, workers[i]->doing());
            std::fflush(stdout);
            _exit(1);
        }
        for (auto& t : threads) t.join();
    } else {
        status = 1;
    }
    heap_stop.store(true);
    if (heap_reporter.joinable()) heap_reporter.join();
    for (auto& w : workers) w->disconnect();
    const double workload_seconds = since(t0);

    // ---- merge what the application was told
    std::map<int64_t, int> insert_told;  // key -> 1 ok, 2 unknown
    std::map<int64_t, const Txn*> txn_told;
    std::map<std::string, long> errors;
    long reads = 0, attempted = 0, acknowledged = 0;
    Problems seen, held;  // by the application during the run; in the database afterwards
    for (auto& w : workers) {
        ThreadResult& r = w->result();
        reads += r.reads;
        attempted += r.inserts_attempted;
        acknowledged += r.inserts_acknowledged;
        if (g_bookkeeping)
            for (int64_t k : r.insert_ok) insert_told[k] = 1;
        for (int64_t k : r.insert_unknown) insert_told[k] = 2;
        for (const Txn& t : r.txns) txn_told[t.id] = &t;
        for (const auto& [k, n] : r.errors) errors[k] += n;
        seen.merge(r.problems);
    }

    // ---- what the database holds
    Direct d(env);
    std::string error;
    std::vector<std::array<int64_t, 3>> ins_rows, txn_rows;
    if (!d.connect(o.direct, error) ||
        (g_bookkeeping &&
         (!d.query("SELECT id, count(*) FROM chaos_ins GROUP BY id", ins_rows, error) ||
          !d.query("SELECT txn_id, count(*), count(DISTINCT part) FROM chaos_txn GROUP BY txn_id",
                   txn_rows, error)))) {
        std::printf("FAIL: verification query failed:\n%s", error.c_str());
        return 1;
    }
    std::map<int64_t, int64_t> ins_count;
    for (const auto& r : ins_rows) ins_count[r[0]] = r[1];
    std::map<int64_t, std::pair<int64_t, int64_t>> txn_count;
    for (const auto& r : txn_rows) txn_count[r[0]] = {r[1], r[2]};

    long ok = 0, unknown = 0, unknown_present = 0;
    for (const auto& [key, how] : insert_told) {
        auto it = ins_count.find(key);
        int64_t n = it == ins_count.end() ? 0 : it->second;
        if (how == 1) {
            ++ok;
            if (n != 1)
                held.add(strf("an acknowledged insert is in the table %s",
                              n == 0 ? "0 times (lost)" : "more than once"),
                         strf("key %lld: %lld time(s)", static_cast<long long>(key),
                              static_cast<long long>(n)));
        } else {
            ++unknown;
            if (n == 1) ++unknown_present;
            if (n > 1)
                held.add("an insert with an unknown outcome is in the table more than once",
                         strf("key %lld: %lld times", static_cast<long long>(key),
                              static_cast<long long>(n)));
        }
    }
    for (const auto& [key, n] : ins_count)
        if (!insert_told.count(key))
            held.add("a key is in the table that was never inserted",
                     strf("key %lld: %lld time(s)", static_cast<long long>(key),
                          static_cast<long long>(n)));

    std::map<TxnOutcome, long> txn_by_outcome;
    long unknown_txn_present = 0, broken = 0, broken_acknowledged = 0;
    std::map<TxnMode, long> modes;
    for (const auto& [id, t] : txn_told) {
        ++txn_by_outcome[t->outcome];
        if (t->broken) {
            ++broken;
            ++modes[t->mode];
            if (t->outcome == TxnOutcome::Committed) ++broken_acknowledged;
        }
        auto it = txn_count.find(id);
        int64_t rows = it == txn_count.end() ? 0 : it->second.first;
        int64_t parts = it == txn_count.end() ? 0 : it->second.second;
        const char* mode = t->mode == TxnMode::Stop           ? "stop"
                           : t->mode == TxnMode::CommitAnyway ? "commit-anyway"
                                                              : "carry-on";
        std::string told =
            strf("%s%s%s",
                 t->outcome == TxnOutcome::Committed ? "COMMIT acknowledged"
                 : t->outcome == TxnOutcome::Refused ? "COMMIT refused"
                 : t->outcome == TxnOutcome::Unknown ? "COMMIT outcome unknown"
                                                     : "rolled back",
                 t->broken ? ", after a failed statement, then " : "", t->broken ? mode : "");
        std::string example =
            strf("transaction %lld: %lld row(s), %lld distinct part(s)", static_cast<long long>(id),
                 static_cast<long long>(rows), static_cast<long long>(parts));
        if (rows != 0 && !(rows == 3 && parts == 3)) {
            held.add("a transaction is partly present (" + told + ")", example);
            continue;
        }
        bool present = rows == 3;
        switch (t->outcome) {
            case TxnOutcome::Committed:
                if (!present)
                    held.add("a false acknowledgement: the transaction is absent (" + told + ")",
                             example);
                break;
            case TxnOutcome::Refused:
            case TxnOutcome::RolledBack:
                if (present) held.add("the transaction is present (" + told + ")", example);
                break;
            case TxnOutcome::Unknown:
                if (present) ++unknown_txn_present;
                break;
        }
    }
    for (const auto& [id, c] : txn_count)
        if (!txn_told.count(id))
            held.add("a transaction is in the table that was never started",
                     strf("transaction %lld: %lld row(s)", static_cast<long long>(id),
                          static_cast<long long>(c.first)));

    // ---- report
    std::printf("\nchaos %s: %.1f s of workload (%d threads)\n", o.backend.c_str(),
                workload_seconds, o.threads);
    std::printf("  reads            %ld\n", reads);
    std::printf(
        "  inserts          %ld attempted: %ld acknowledged, %ld outcome unknown (%ld of them in "
        "the table)\n",
        attempted, g_bookkeeping ? ok : acknowledged, unknown, unknown_present);
    if (!g_bookkeeping)
        std::printf(
            "                   (bookkeeping off: the table was not checked against them)\n");
    std::printf(
        "  transactions     %zu: %ld committed, %ld refused, %ld outcome unknown (%ld of them in "
        "the table), "
        "%ld rolled back\n",
        txn_told.size(), txn_by_outcome[TxnOutcome::Committed], txn_by_outcome[TxnOutcome::Refused],
        txn_by_outcome[TxnOutcome::Unknown], unknown_txn_present,
        txn_by_outcome[TxnOutcome::RolledBack]);
    std::printf(
        "                   %ld with a failed statement (then: %ld stop+rollback, %ld commit "
        "anyway, "
        "%ld carry on+commit), %ld of those acknowledged\n",
        broken, modes[TxnMode::Stop], modes[TxnMode::CommitAnyway], modes[TxnMode::CarryOn],
        broken_acknowledged);
    std::printf("  errors seen by the application:%s\n", errors.empty() ? " none" : "");
    for (const auto& [k, n] : errors) std::printf("    %-50s %ld\n", k.c_str(), n);
    std::printf(
        "  odbc-retry log: %ld lost, %ld recovered, %ld recovery failures, %ld replays, %ld "
        "refusals, "
        "%ld COMMITs not acknowledged\n",
        count_lines(o.log, "lost ("), count_lines(o.log, "recovered connection"),
        count_lines(o.log, "recovery of"), count_lines(o.log, "after recovery:"),
        count_lines(o.log, "replay refused"), count_lines(o.log, "not acknowledged"));
    seen.print("seen by the application during the run");
    held.print("in the database afterwards");
    if (seen.total() || held.total()) status = 1;
    std::printf("chaos %s: %s in %.1f s\n", o.backend.c_str(), status == 0 ? "PASS" : "FAIL",
                since(t0));
    SQLFreeHandle(SQL_HANDLE_ENV, env);
    return status;
}
