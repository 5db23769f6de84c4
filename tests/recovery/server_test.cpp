// SPDX-License-Identifier: Apache-2.0
// Lost connections on real servers: psqlODBC + PostgreSQL and MariaDB Connector/ODBC + MariaDB,
// each behind odbc-retry (the pg_retry and maria_retry DSNs), through the unixODBC driver manager.
//
// RecoveryPg / RecoveryMaria kill the backend of the test's own connection (the server's own
// pg_terminate_backend / KILL CONNECTION, as scripts/pg and scripts/mariadb kill-backends do, but
// only for that session, so that nothing else using the server is disturbed) between statements,
// during a statement, inside a transaction and before COMMIT. RecoveryPgServer /
// RecoveryMariaServer restart the server (while idle; with pooled connections).
//
// The rows a test wrote are always counted through a direct connection (pg_direct,
// maria_direct), never through odbc-retry.
#include <algorithm>
#include <atomic>
#include <memory>
#include <thread>

#include "recovery_harness.h"

namespace ort_recovery {
namespace {

struct Backend {
    const char* name;
    const char* retry_dsn;
    const char* direct_dsn;
    const char* script;
    const char* port_variable;
    const char* session_id_sql;  // this session's id, for the kill
    const char* sleep_sql;       // a read that runs for 5 s
    const char* begin_sql;       // a transaction opened with SQL text
    // Session settings: one for SessionInitSQL, one the application sets; how to read each.
    const char* init_set_sql;
    const char* init_show_sql;
    const char* init_value;
    const char* app_set_sql;
    const char* app_show_sql;
    const char* app_value;
};

const Backend kPg{"PostgreSQL",
                  "pg_retry",
                  "pg_direct",
                  "pg",
                  "ORT_PG_PORT",
                  "SELECT pg_backend_pid()",
                  "SELECT pg_sleep(5)",
                  "BEGIN",
                  "SET work_mem = '5MB'",
                  "SHOW work_mem",
                  "5MB",
                  "SET application_name = 'rec_app'",
                  "SHOW application_name",
                  "rec_app"};
const Backend kMaria{"MariaDB",
                     "maria_retry",
                     "maria_direct",
                     "mariadb",
                     "ORT_MARIADB_PORT",
                     "SELECT CONNECTION_ID()",
                     "SELECT SLEEP(5)",
                     "START TRANSACTION",
                     "SET SESSION div_precision_increment = 7",
                     "SELECT @@session.div_precision_increment",
                     "7",
                     "SET SESSION max_sort_length = 1234",
                     "SELECT @@session.max_sort_length",
                     "1234"};

class ServerTest : public ::testing::Test {
  protected:
    explicit ServerTest(const Backend& b) : b_(b) {}

    void SetUp() override {
        ORT_REQUIRE_ENV("ORT_DB_PASSWORD", b_.port_variable);
        const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        ws_ = &Workspace::get(contains(test, "Pool"));
        table_ = ws_->unique("rec_");
        retry_log_ = ws_->path(table_ + ".retry.log");
        checker_ = std::make_unique<Connection>();
        ASSERT_OK(checker_->connect(std::string("DSN=") + b_.direct_dsn));
    }
    void TearDown() override {
        if (checker_) checker_->exec("DROP TABLE IF EXISTS " + table_);
        if (HasFailure())
            std::cerr << "---- odbc-retry log " << retry_log_ << " ----\n" << read_file(retry_log_);
    }

    std::string retry_cs(const std::string& extra = "") const {
        return std::string("DSN=") + b_.retry_dsn + ";LogFile=" + retry_log_ +
               ";LogLevel=info;RetryBaseDelay=50ms;RetryMaxDelay=1s;RetryDeadline=60s;"
               "CircuitBreakerShared=no;" +
               extra + env_value("ORT_RECOVERY_EXTRA_KEYS");
    }
    void connect(Connection& c, const std::string& extra = "") {
        ASSERT_OK(c.connect(retry_cs(extra)));
    }

    void create_table() { ASSERT_OK(checker_->exec("CREATE TABLE " + table_ + " (v int)")); }
    std::string insert(int v) const {
        return "INSERT INTO " + table_ + " VALUES (" + std::to_string(v) + ")";
    }
    std::vector<std::string> rows() {
        return checker_->column("SELECT v FROM " + table_ + " ORDER BY v");
    }

    std::string session_id(Connection& c) { return c.scalar(b_.session_id_sql); }

    // Ends that session on the server and waits until it is gone.
    void kill_session(const std::string& id) {
        ASSERT_FALSE(id.empty());
        if (b_.script == std::string("pg")) {
            CommandResult r = run_script("pg", {"psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c",
                                                "SELECT pg_terminate_backend(" + id + ", 5000)"});
            ASSERT_EQ(0, r.status) << r.output;
            ASSERT_TRUE(contains(r.output, "t"))
                << "pg_terminate_backend(" << id << "): " << r.output;
        } else {
            CommandResult r =
                run_script("mariadb", {"sql", "-N", "-B", "-e", "KILL CONNECTION " + id});
            ASSERT_EQ(0, r.status) << r.output;
            auto deadline = Clock::now() + std::chrono::seconds(10);
            for (;;) {
                CommandResult q = run_script(
                    "mariadb",
                    {"sql", "-N", "-B", "-e",
                     "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = " + id});
                ASSERT_EQ(0, q.status) << q.output;
                if (contains(q.output, "0")) break;
                ASSERT_LT(Clock::now(), deadline)
                    << "session " << id << " still there 10 s after KILL";
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            }
        }
    }
    void kill(Connection& c) { kill_session(session_id(c)); }

    // The next call on the same handles works.
    void expect_next_call_works(Connection& c, Statement& s) {
        s.close();
        std::vector<std::string> got;
        Outcome o = s.query("SELECT 7", got);
        EXPECT_TRUE(o.ok()) << "next call on the same HSTMT: " << o.describe();
        EXPECT_EQ((std::vector<std::string>{"7"}), got);
        EXPECT_EQ("8", c.scalar("SELECT 8"));
    }

    static void expect_leading(const Outcome& o, std::initializer_list<const char*> states,
                               std::initializer_list<const char*> words) {
        EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
        ASSERT_FALSE(o.diags.empty()) << o.describe();
        EXPECT_TRUE(std::any_of(states.begin(), states.end(), [&](const char* s) {
            return o.first().state == s;
        })) << o.describe();
        EXPECT_TRUE(contains(o.first().message, "[odbc-retry]")) << o.describe();
        for (const char* w : words)
            EXPECT_TRUE(contains(o.first().message, w)) << "'" << w << "' in" << o.describe();
    }

    // ---- the cases, shared by both servers ----

    void killed_between_statements_read() {
        Connection c;
        connect(c);
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        kill(c);
        got.clear();
        Outcome o = s.query("SELECT 42", got);
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_EQ((std::vector<std::string>{"42"}), got);
        expect_next_call_works(c, s);
    }

    void killed_between_statements_write() {
        create_table();
        Connection c;
        connect(c);
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        kill(c);
        Outcome o = s.exec(insert(1));
        if (o.rc == SQL_SUCCESS || o.rc == SQL_SUCCESS_WITH_INFO) {
            // Replayed: only when the driver said the request never reached the server.
            EXPECT_EQ((std::vector<std::string>{"1"}), rows())
                << "write acknowledged: " << o.describe();
            std::cout << b_.name << ": the write was replayed (the driver said: not sent)"
                      << std::endl;
        } else {
            expect_leading(o, {"08S01"}, {"outcome is unknown"});
            EXPECT_LE(rows().size(), 1u);
            std::cout << b_.name << ": outcome unknown, " << rows().size() << " row(s) in the table"
                      << std::endl;
        }
        ASSERT_OK(s.exec(insert(2)));
        auto now = rows();
        EXPECT_EQ(1, std::count(now.begin(), now.end(), "2"));
        EXPECT_LE(std::count(now.begin(), now.end(), "1"), 1);
        expect_next_call_works(c, s);
    }

    void killed_during_a_read() {
        Connection c;
        connect(c);
        Statement s(c);
        std::string id = session_id(c);
        std::atomic<bool> killed{false};
        std::thread killer([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
            kill_session(id);
            killed = true;
        });
        std::vector<std::string> got;
        auto t0 = Clock::now();
        Outcome o = s.query(b_.sleep_sql, got);
        o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
        killer.join();
        EXPECT_TRUE(killed.load());
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_EQ(1u, got.size());
        // Replayed from the start on a new session: about 0.5 s + 5 s.
        EXPECT_GE(o.elapsed, std::chrono::milliseconds(5000)) << "was it replayed at all?";
        EXPECT_LT(o.elapsed, std::chrono::milliseconds(30000));
        EXPECT_NE(id, session_id(c));
        EXPECT_TRUE(contains(read_file(retry_log_), "recovered connection"))
            << read_file(retry_log_);
        expect_next_call_works(c, s);
    }

    void second_statement_of_a_transaction() {
        create_table();
        Connection c;
        connect(c);
        ASSERT_OK(c.set_autocommit(false));
        Statement s(c);
        ASSERT_OK(s.exec(insert(1)));
        kill(c);
        Outcome o = s.exec(insert(2));
        expect_leading(o, {"08S01"}, {"inside a transaction", "rolled the transaction back"});
        Outcome commit = c.commit();
        expect_leading(commit, {"08S01"}, {"COMMIT refused"});
        EXPECT_TRUE(rows().empty());
        Outcome rollback = c.rollback();
        EXPECT_TRUE(rollback.ok()) << rollback.describe();
        EXPECT_TRUE(rows().empty());
        // A new transaction on the same handles.
        ASSERT_OK(s.exec(insert(3)));
        EXPECT_OK(c.commit());
        EXPECT_EQ((std::vector<std::string>{"3"}), rows());
        expect_next_call_works(c, s);
    }

    void first_statement_of_a_transaction() {
        create_table();
        Connection c;
        connect(c);
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        s.close();
        std::string id = session_id(c);  // asked in autocommit: the transaction is still empty
        ASSERT_OK(c.set_autocommit(false));
        kill_session(id);
        Outcome o = s.exec(insert(1));
        EXPECT_TRUE(o.ok()) << o.describe();
        ASSERT_OK(s.exec(insert(2)));
        Outcome commit = c.commit();
        EXPECT_EQ(SQL_SUCCESS, commit.rc) << commit.describe();
        EXPECT_EQ((std::vector<std::string>{"1", "2"}), rows());
        expect_next_call_works(c, s);
    }

    void loss_at_commit() {
        create_table();
        Connection c;
        connect(c);
        ASSERT_OK(c.set_autocommit(false));
        Statement s(c);
        ASSERT_OK(s.exec(insert(1)));
        ASSERT_OK(s.exec(insert(2)));
        kill(c);
        Outcome commit = c.commit();
        auto after = rows();
        if (SQL_SUCCEEDED(commit.rc)) {
            ADD_FAILURE() << "COMMIT after the backend was killed returned " << commit.describe();
            EXPECT_EQ((std::vector<std::string>{"1", "2"}), after)
                << "a false COMMIT acknowledgement";
        } else {
            expect_leading(commit, {"08007", "08S01"}, {"COMMIT"});
            std::cout << b_.name << ": COMMIT -> " << commit.describe() << "; rows " << after.size()
                      << std::endl;
            EXPECT_TRUE(after.empty() || after == (std::vector<std::string>{"1", "2"}))
                << "half a transaction";
        }
        // The same handles work: a new transaction.
        ASSERT_OK(s.exec(insert(3)));
        EXPECT_OK(c.commit());
        auto final_rows = rows();
        EXPECT_EQ(1, std::count(final_rows.begin(), final_rows.end(), "3"));
        expect_next_call_works(c, s);
    }

    void temporary_table_refuses_replay() {
        Connection c;
        connect(c);
        Statement s(c);
        ASSERT_OK(s.exec("CREATE TEMPORARY TABLE " + table_ + "_tmp (v int)"));
        kill(c);
        Outcome o = s.exec("SELECT 1");
        expect_leading(o, {"08S01"}, {"session state that cannot be rebuilt"});
        expect_next_call_works(c, s);
    }

    void prepared_statements_after_a_kill() {
        // The prepared path (psqlODBC reports this loss as HY000 "Error while preparing
        // parameters", found through the target's SQL_ATTR_CONNECTION_DEAD): the read is
        // prepared again and replayed with the bound buffer's new value; the write runs at most
        // once.
        create_table();
        ASSERT_OK(checker_->exec("INSERT INTO " + table_ + " VALUES (1), (2), (3)"));
        Connection c;
        connect(c);
        Statement read(c), write(c);
        SQLINTEGER low = 1, value = 10;
        SQLLEN low_indicator = 0, value_indicator = 0;
        ASSERT_OK(read.prepare("SELECT v FROM " + table_ + " WHERE v > ? ORDER BY v"));
        ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(read.handle(), 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                                   SQL_INTEGER, 0, 0, &low, 0, &low_indicator)));
        ASSERT_OK(write.prepare("INSERT INTO " + table_ + " VALUES (?)"));
        ASSERT_TRUE(
            SQL_SUCCEEDED(SQLBindParameter(write.handle(), 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                           SQL_INTEGER, 0, 0, &value, 0, &value_indicator)));
        std::vector<std::string> got;
        ASSERT_OK(read.execute());
        EXPECT_OK(read.fetch_all(got));
        read.close();
        EXPECT_EQ((std::vector<std::string>{"2", "3"}), got);
        kill(c);
        low = 2;
        got.clear();
        Outcome o = read.execute();
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_OK(read.fetch_all(got));
        read.close();
        EXPECT_EQ((std::vector<std::string>{"3"}), got);
        // The write statement was prepared on the lost session: rebuilt before it runs.
        Outcome w = write.execute();
        EXPECT_TRUE(w.ok()) << w.describe();
        auto now = rows();
        EXPECT_EQ(1, std::count(now.begin(), now.end(), "10"));
        // And the write itself after a second kill.
        kill(c);
        value = 11;
        Outcome w2 = write.execute();
        now = rows();
        if (w2.ok()) {
            EXPECT_EQ(1, std::count(now.begin(), now.end(), "11")) << w2.describe();
        } else {
            expect_leading(w2, {"08S01"}, {"outcome is unknown"});
            EXPECT_LE(std::count(now.begin(), now.end(), "11"), 1);
        }
        std::cout << b_.name << ": prepared write after a kill -> " << w2.describe() << std::endl;
        value = 12;
        EXPECT_OK(write.execute());
        now = rows();
        EXPECT_EQ(1, std::count(now.begin(), now.end(), "12"));
    }

    void session_settings_survive_a_loss() {
        Connection c;
        connect(c, std::string("SessionInitSQL={") + b_.init_set_sql + "};");
        EXPECT_EQ(b_.init_value, c.scalar(b_.init_show_sql));
        ASSERT_OK(c.exec(b_.app_set_sql));
        EXPECT_EQ(b_.app_value, c.scalar(b_.app_show_sql));
        std::string before = session_id(c);
        kill_session(before);
        Statement s(c);
        std::vector<std::string> got;
        Outcome o = s.query(b_.app_show_sql, got);  // finds the loss, recovers, replays
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_EQ((std::vector<std::string>{b_.app_value}), got);
        EXPECT_EQ(b_.init_value, c.scalar(b_.init_show_sql));
        EXPECT_NE(before, session_id(c));
    }

    void catalog_function_is_replayed() {
        Connection c;
        connect(c);
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        s.close();
        kill(c);
        Outcome o;
        auto t0 = Clock::now();
        o.rc = SQLTables(s.handle(), nullptr, 0, nullptr, 0,
                         reinterpret_cast<SQLCHAR*>(const_cast<char*>("%")), SQL_NTS,
                         reinterpret_cast<SQLCHAR*>(const_cast<char*>("TABLE")), SQL_NTS);
        o.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
        if (o.rc != SQL_SUCCESS) o.diags = diag_records(SQL_HANDLE_STMT, s.handle());
        EXPECT_TRUE(o.ok()) << "SQLTables after the backend was killed: " << o.describe();
        if (o.ok()) {
            Outcome f;
            while ((f = s.fetch()).rc == SQL_SUCCESS || f.rc == SQL_SUCCESS_WITH_INFO) {
            }
            EXPECT_EQ(SQL_NO_DATA, f.rc) << f.describe();
        }
        expect_next_call_works(c, s);
    }

    void transaction_opened_with_sql_text() {
        // A transaction the application opened with SQL text in autocommit mode is still a
        // transaction: losing it must not end in an acknowledged COMMIT without its rows.
        create_table();
        Connection c;
        connect(c);
        Statement s(c);
        ASSERT_OK(s.exec(b_.begin_sql));
        ASSERT_OK(s.exec(insert(1)));
        kill(c);
        Outcome read = s.exec("SELECT 1");
        s.close();
        Outcome commit = s.exec("COMMIT");
        auto after = rows();
        bool error_seen = !read.ok() || !commit.ok();
        EXPECT_TRUE(error_seen || after == (std::vector<std::string>{"1"}))
            << "the application was told nothing, its COMMIT succeeded and its row is missing:\n  "
               "read: "
            << read.describe() << "\n  COMMIT: " << commit.describe();
    }

    void validation_before_commit() {
        // Two connections; both sessions end (a restart). The other one notices first; this
        // one's next call is its COMMIT.
        create_table();
        Connection a, b;
        connect(a);
        connect(b);
        ASSERT_OK(a.set_autocommit(false));
        ASSERT_OK(a.exec(insert(1)));
        std::string a_id = session_id(a);
        kill(b);
        kill_session(a_id);
        EXPECT_EQ("1", b.scalar("SELECT 1"));  // finds its loss, recovers, replays
        Outcome commit = a.commit();
        auto after = rows();
        if (SQL_SUCCEEDED(commit.rc)) {
            EXPECT_EQ((std::vector<std::string>{"1"}), after)
                << "COMMIT acknowledged, row missing (a false acknowledgement): "
                << commit.describe();
        } else {
            expect_leading(commit, {"08007", "08S01"}, {});
        }
    }

    // ---- never a false success (transaction and session truth) ----

    // A COMMIT that meets a loss is never acknowledged unless the rows are there.
    void expect_commit_truthful(const Outcome& commit, const std::vector<std::string>& committed,
                                const char* what) {
        auto after = rows();
        if (SQL_SUCCEEDED(commit.rc)) {
            EXPECT_EQ(committed, after) << what << ": COMMIT acknowledged, rows missing (a false "
                                        << "success): " << commit.describe();
        } else {
            expect_leading(commit, {"08007", "08S01"}, {});
            EXPECT_TRUE(after.empty() || after == committed) << "half a transaction";
        }
    }

    void savepoint_rollback_then_lost_commit() {
        // ROLLBACK TO SAVEPOINT does not end the transaction: the INSERT before it is still work
        // that a lost COMMIT loses.
        create_table();
        Connection c;
        connect(c);
        std::string id = session_id(c);  // asked in autocommit: not part of the transaction
        ASSERT_OK(c.set_autocommit(false));
        Statement s(c);
        ASSERT_OK(s.exec(insert(1)));
        ASSERT_OK(s.exec("SAVEPOINT s1"));
        ASSERT_OK(s.exec("ROLLBACK TO SAVEPOINT s1"));
        s.close();
        kill_session(id);
        Outcome commit = c.commit();
        expect_commit_truthful(commit, {"1"}, "after ROLLBACK TO SAVEPOINT");
        ASSERT_OK(s.exec(insert(3)));
        EXPECT_OK(c.commit());
    }

    void sql_transaction_first_statement_replayed_inside_it() {
        // BEGIN; (loss) INSERT 1 is replayed as the first statement: it must run inside a
        // transaction again, so the application's ROLLBACK still undoes it.
        create_table();
        Connection c;
        connect(c);
        Statement s(c);
        std::string id = session_id(c);
        ASSERT_OK(s.exec(b_.begin_sql));
        kill_session(id);
        Outcome first = s.exec(insert(1));
        EXPECT_TRUE(first.ok()) << first.describe();
        EXPECT_OK(s.exec(insert(2)));
        EXPECT_OK(s.exec("ROLLBACK"));
        EXPECT_TRUE(rows().empty()) << "rows of a rolled-back transaction were committed";
        // With earlier work: refused, and the COMMIT as text is refused too.
        ASSERT_OK(s.exec(b_.begin_sql));
        ASSERT_OK(s.exec(insert(3)));
        kill(c);
        Outcome second = s.exec(insert(4));
        expect_leading(second, {"08S01"}, {"inside a transaction"});
        Outcome commit = s.exec("COMMIT");
        expect_leading(commit, {"08S01"}, {"COMMIT refused"});
        EXPECT_TRUE(rows().empty());
        expect_next_call_works(c, s);
    }

    void autocommit_on_is_a_commit() {
        // Turning autocommit on commits the open transaction: a loss there is a loss during
        // COMMIT.
        create_table();
        Connection c;
        connect(c);
        ASSERT_OK(c.set_autocommit(false));
        Statement s(c);
        ASSERT_OK(s.exec(insert(1)));
        s.close();
        kill(c);
        Outcome on = c.set_autocommit(true);
        expect_commit_truthful(on, {"1"}, "autocommit on");
        std::cout << b_.name << ": autocommit on after a loss -> " << on.describe() << std::endl;
        EXPECT_EQ(std::optional<SQLULEN>(SQL_AUTOCOMMIT_ON), c.get_attr(SQL_ATTR_AUTOCOMMIT));
        ASSERT_OK(s.exec(insert(5)));
        auto now = rows();
        EXPECT_EQ(1, std::count(now.begin(), now.end(), "5")) << "autocommit is on";
    }

    void set_in_manual_commit_survives() {
        // pyodbc's default is manual commit: a SET run there and committed is part of the session
        // a recovery restores.
        Connection c;
        connect(c);
        ASSERT_OK(c.set_autocommit(false));
        ASSERT_OK(c.exec(b_.app_set_sql));
        ASSERT_OK(c.commit());
        std::string id = session_id(c);
        ASSERT_OK(c.commit());
        kill_session(id);
        Statement s(c);
        std::vector<std::string> got;
        Outcome o = s.query(b_.app_show_sql, got);
        if (o.ok())
            EXPECT_EQ((std::vector<std::string>{b_.app_value}), got)
                << "the session silently lost a setting";
        else
            expect_leading(o, {"08S01"}, {});
    }

    // Attributes set while the connection is lost apply on the recovered session after the
    // journal, in the order the application set them: a SET made before the loss does not undo
    // an attribute set after it. psqlODBC sends SQL_ATTR_TXN_ISOLATION to the server as the
    // session's default isolation (SQL_ATTR_ACCESS_MODE it keeps to itself). `known` is a loss
    // odbc-retry already knows of (another connection to the target found its loss and
    // SQL_ATTR_CONNECTION_DEAD was asked, as a pool does); otherwise setting the attribute is
    // the first call to meet the loss.
    void attributes_set_while_lost(bool known) {
        if (b_.script != std::string("pg"))
            GTEST_SKIP() << "psqlODBC sends the isolation level to the server at once";
        Connection c, other;
        connect(c);
        connect(other);
        ASSERT_OK(c.exec("SET default_transaction_isolation = 'read committed'"));
        std::string id = session_id(c);
        if (known) kill(other);
        kill_session(id);
        if (known) {
            EXPECT_EQ("1", other.scalar("SELECT 1"));  // finds its loss: the target's epoch moves
            EXPECT_EQ(std::optional<bool>(true), c.dead());
        }
        Outcome isolation = c.set_attr(SQL_ATTR_TXN_ISOLATION, SQL_TXN_SERIALIZABLE);
        EXPECT_TRUE(isolation.ok()) << isolation.describe();
        std::vector<std::string> got;
        Statement s(c);
        Outcome o = s.query("SHOW transaction_isolation", got);
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_EQ((std::vector<std::string>{"serializable"}), got)
            << "SQL_ATTR_TXN_ISOLATION set while lost was undone by the journal, or lost";
        EXPECT_NE(id, session_id(c));
        EXPECT_EQ("serializable", c.scalar("SHOW default_transaction_isolation"));
    }

    // SQL_ATTR_RESET_CONNECTION while the connection is lost (a pooled connection going back):
    // the next user's first call runs on a clean session, without the last user's SET, in
    // autocommit, and is told nothing about the last user's loss.
    void reset_while_lost(bool known) {
        create_table();
        Connection c, other;
        connect(c);
        connect(other);
        ASSERT_OK(c.exec(b_.app_set_sql));
        ASSERT_EQ(b_.app_value, c.scalar(b_.app_show_sql));
        std::string id = session_id(c);
        ASSERT_OK(c.set_autocommit(false));
        Statement s(c);
        ASSERT_OK(s.exec(insert(1)));  // the last user's open write transaction
        s.close();
        if (known) kill(other);
        kill_session(id);
        if (known) {
            EXPECT_EQ("1", other.scalar("SELECT 1"));
            EXPECT_EQ(std::optional<bool>(true), c.dead());
        }
        Outcome reset = c.set_attr(SQL_ATTR_RESET_CONNECTION, SQL_RESET_CONNECTION_YES);
        EXPECT_TRUE(reset.ok()) << reset.describe();
        // The next user.
        std::vector<std::string> got;
        Outcome o = s.query(b_.app_show_sql, got);
        EXPECT_TRUE(o.rc == SQL_SUCCESS || o.rc == SQL_NO_DATA)  // the query reads to the end
            << "the next user was told about the last one's loss: " << o.describe();
        EXPECT_TRUE(o.diags.empty()) << o.describe();
        ASSERT_EQ(1u, got.size()) << o.describe();
        EXPECT_NE(b_.app_value, got[0]) << "the last user's SET is in the next user's session";
        EXPECT_NE(id, session_id(c));
        EXPECT_EQ(std::optional<SQLULEN>(SQL_AUTOCOMMIT_ON), c.get_attr(SQL_ATTR_AUTOCOMMIT));
        s.close();
        Outcome w = s.exec(insert(2));
        EXPECT_EQ(SQL_SUCCESS, w.rc) << w.describe();
        EXPECT_EQ((std::vector<std::string>{"2"}), rows())
            << "the next user's write is not committed at once (autocommit off?), or the last "
               "user's lost row is there";
        Outcome commit = c.commit();
        EXPECT_EQ(SQL_SUCCESS, commit.rc) << "a COMMIT in autocommit: " << commit.describe();
    }

    // The "transaction lost" fact set by a recovery on one statement is not cleared by a read
    // replayed or resumed on another statement of the same connection: the COMMIT that ends the
    // lost transaction is never a success.
    void transaction_lost_survives_other_statements() {
        create_table();
        Connection c;
        connect(c);
        std::string id = session_id(c);  // asked in autocommit: not part of the transaction
        ASSERT_OK(c.set_autocommit(false));
        Statement a(c), b(c), cursor(c);
        ASSERT_OK(a.exec(insert(1)));
        a.close();
        // A cursor open across the loss, read on after it.
        ASSERT_OK(cursor.exec("SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3"));
        ASSERT_OK(cursor.fetch());
        kill_session(id);
        std::vector<std::string> got;
        Outcome read_b = b.query("SELECT 5", got);  // finds the loss and recovers
        std::cout << b_.name << ": read on statement B after the loss -> " << read_b.describe()
                  << std::endl;
        b.close();
        got.clear();
        Outcome read_a = a.query("SELECT 6", got);  // another statement's read after it
        std::cout << b_.name << ": read on statement A -> " << read_a.describe() << std::endl;
        a.close();
        Outcome f;
        while ((f = cursor.fetch()).rc == SQL_SUCCESS || f.rc == SQL_SUCCESS_WITH_INFO) {
        }
        std::cout << b_.name << ": the open cursor after the loss -> " << f.describe() << std::endl;
        cursor.close();
        Outcome commit = c.commit();
        std::cout << b_.name << ": COMMIT -> " << commit.describe() << std::endl;
        EXPECT_NE(SQL_SUCCESS, commit.rc)
            << "COMMIT of a lost transaction acknowledged: " << commit.describe();
        expect_commit_truthful(commit, {"1"}, "after reads on other statements");
        EXPECT_TRUE(rows().empty()) << "the lost transaction's row was committed";
        // The same handles work: a new transaction.
        ASSERT_OK(a.exec(insert(3)));
        EXPECT_OK(c.commit());
        EXPECT_EQ((std::vector<std::string>{"3"}), rows());
    }

    void restart_while_idle() {
        ServerRestorer restorer(b_.script);
        Connection c;
        connect(c);
        Statement s(c);
        ASSERT_OK(s.prepare("SELECT 5"));
        ASSERT_OK(s.execute());
        s.close();
        std::string before = session_id(c);
        CommandResult r = run_script(b_.script, {"restart"}, "", std::chrono::seconds(120));
        ASSERT_EQ(0, r.status) << r.output;
        Outcome o = s.execute();
        EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
        std::vector<std::string> got;
        EXPECT_OK(s.fetch_all(got));
        EXPECT_EQ((std::vector<std::string>{"5"}), got);
        EXPECT_EQ(std::optional<bool>(false), c.dead());
        EXPECT_NE(before, session_id(c));
        expect_next_call_works(c, s);
    }

    void dead_while_the_server_is_down() {
        ServerRestorer restorer(b_.script);
        Connection c;
        // No breaker: after many refused attempts it would (rightly) fail fast for its cooldown.
        connect(c, "RetryDeadline=3s;CircuitBreakerThreshold=0;");
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        EXPECT_EQ(std::optional<bool>(false), c.dead());
        CommandResult stop = run_script(b_.script, {"stop"}, "", std::chrono::seconds(120));
        ASSERT_EQ(0, stop.status) << stop.output;
        got.clear();
        Outcome o = s.query("SELECT 2", got);
        expect_leading(o, {"08S01"}, {"could not be recovered"});
        EXPECT_LT(o.elapsed, std::chrono::milliseconds(20000)) << "the retry deadline is 3 s";
        EXPECT_EQ(std::optional<bool>(true), c.dead());
        CommandResult start = run_script(b_.script, {"start"}, "", std::chrono::seconds(120));
        ASSERT_EQ(0, start.status) << start.output;
        got.clear();
        s.close();
        Outcome after = s.query("SELECT 3", got);
        EXPECT_TRUE(after.ok()) << "the next call on the same HSTMT tries again: "
                                << after.describe();
        EXPECT_EQ((std::vector<std::string>{"3"}), got);
        EXPECT_EQ(std::optional<bool>(false), c.dead());
        EXPECT_EQ("8", c.scalar("SELECT 8"));
    }

    void pool_discard() {
        ServerRestorer restorer(b_.script);
        const std::string cs = retry_cs();
        {
            // Three connections at once, then all back to the pool.
            Connection p1, p2, p3;
            ASSERT_OK(p1.connect(cs));
            ASSERT_OK(p2.connect(cs));
            ASSERT_OK(p3.connect(cs));
            for (Connection* p : {&p1, &p2, &p3}) EXPECT_EQ("1", p->scalar("SELECT 1"));
            for (Connection* p : {&p1, &p2, &p3}) ASSERT_OK(p->disconnect());
        }
        std::string log_before = read_file(retry_log_);
        int connected_before = count_of(log_before, "connected dsn=");
        EXPECT_EQ(3, connected_before) << log_before;
        {
            // Pooled: connecting again creates nothing new.
            Connection q;
            ASSERT_OK(q.connect(cs));
            EXPECT_EQ("1", q.scalar("SELECT 1"));
            ASSERT_OK(q.disconnect());
            EXPECT_EQ(connected_before, count_of(read_file(retry_log_), "connected dsn="))
                << "pooling is not on: " << read_file(retry_log_);
        }
        CommandResult r = run_script(b_.script, {"restart"}, "", std::chrono::seconds(120));
        ASSERT_EQ(0, r.status) << r.output;
        size_t mark = read_file(retry_log_).size();
        Connection c1, c2, c3;
        for (Connection* c : {&c1, &c2, &c3}) {
            Outcome o = c->connect(cs);
            EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
            Statement s(*c);
            std::vector<std::string> got;
            Outcome q = s.query("SELECT 1", got);
            EXPECT_EQ(SQL_NO_DATA, q.rc) << q.describe();
            EXPECT_TRUE(q.diags.empty()) << q.describe();
            EXPECT_EQ((std::vector<std::string>{"1"}), got);
            EXPECT_EQ(std::optional<bool>(false), c->dead());
        }
        std::string log = read_file(retry_log_).substr(mark);
        int fresh = count_of(log, "connected dsn=");
        int recovered = count_of(log, "recovered connection");
        std::cout << b_.name << " after the restart: " << fresh << " new connection(s), "
                  << recovered << " recovered pooled connection(s)\n"
                  << log << std::endl;
        // Each of the three application connections is either a new one (the dead pooled ones
        // were discarded) or a pooled one that recovered.
        EXPECT_GE(fresh + recovered, 3) << log;
        EXPECT_LE(recovered, 1) << "the pool should have dropped the rest at once:\n" << log;
    }

    // ---- hardening: a failed session restore ----

    // Client sessions of the test database on the server, counted through the checker.
    int server_sessions() {
        std::string n = checker_->scalar(
            b_.script == std::string("pg")
                ? "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                : "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()");
        return n.empty() ? -1 : std::stoi(n);
    }

    // A connection whose SessionInitSQL fails after a loss (here: its table was dropped): every
    // later call fails 08S01 without a crash, leaves no server session behind and never shows
    // the session SQL in a diagnostic or a log line.
    void failed_restore_no_crash_no_leak_no_sql() {
        create_table();
        const std::string marker = "sekrit-7d41";
        Connection c;
        connect(c, "SessionInitSQL={SELECT v FROM " + table_ + " WHERE 'x' <> '" + marker +
                       "'};RetryBaseDelay=1ms;RetryMaxDelay=1ms;");
        Statement s(c);
        std::vector<std::string> got;
        ASSERT_OK(s.query("SELECT 1", got));
        s.close();
        std::string id = session_id(c);
        ASSERT_OK(checker_->exec("DROP TABLE " + table_));
        kill_session(id);
        const int before = server_sessions();
        std::vector<Outcome> outcomes;
        for (int i = 0; i < 5; ++i) {
            got.clear();
            outcomes.push_back(s.query("SELECT 2", got));
            s.close();
            std::this_thread::sleep_for(std::chrono::milliseconds(20));  // past the backoff
        }
        for (const Outcome& o : outcomes) {
            expect_leading(o, {"08S01"}, {});
            for (const Diag& d : o.diags)
                EXPECT_FALSE(contains(d.message, marker)) << "session SQL in " << o.describe();
        }
        EXPECT_TRUE(contains(outcomes[0].first().message, "SessionInitSQL statement 1"))
            << outcomes[0].describe();
        // Calls on the connection itself, without a live target connection: no crash.
        SQLCHAR name[64] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQLGetInfo(c.handle(), SQL_DBMS_NAME, name, sizeof name, &length);
        EXPECT_EQ(SQL_ERROR, rc);
        SQLCHAR native[128] = {};
        SQLINTEGER native_length = 0;
        rc = SQLNativeSql(c.handle(), reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")),
                          SQL_NTS, native, sizeof native, &native_length);
        EXPECT_EQ(SQL_ERROR, rc);
        EXPECT_EQ(std::optional<bool>(true), c.dead());
        // A backend ends a moment after its client disconnected: give it up to 5 s to go.
        int after = server_sessions();
        for (int i = 0; i < 100 && after > before; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            after = server_sessions();
        }
        EXPECT_LE(after, before) << "sessions left behind by failed restores";
        std::cout << b_.name << ": sessions before " << before << ", after 5 failed restores "
                  << after << std::endl;
        EXPECT_FALSE(contains(read_file(retry_log_), marker)) << read_file(retry_log_);
        // Once the session can be restored again, the same handles work.
        create_table();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        got.clear();
        Outcome o = s.query("SELECT 7", got);
        EXPECT_TRUE(o.ok()) << o.describe();
        EXPECT_EQ((std::vector<std::string>{"7"}), got);
    }

    // Repeated restore failures back off: calls in the backoff fail at once, without a new
    // connection each.
    void failed_restore_backs_off() {
        create_table();
        Connection c;
        connect(c, "SessionInitSQL={SELECT v FROM " + table_ +
                       "};RetryBaseDelay=5s;RetryMaxDelay=10s;");
        std::string id = session_id(c);
        ASSERT_OK(checker_->exec("DROP TABLE " + table_));
        kill_session(id);
        Statement s(c);
        std::vector<std::string> got;
        for (int i = 0; i < 5; ++i) {
            got.clear();
            Outcome o = s.query("SELECT 2", got);
            expect_leading(o, {"08S01"}, {});
            s.close();
        }
        std::string log = read_file(retry_log_);
        EXPECT_EQ(1, count_of(log, "restoring the session failed")) << log;
    }

    // In manual-commit, validating a connection (another one to the target was lost) must not
    // leave it inside a transaction that the probe opened.
    void probe_opens_no_transaction() {
        if (b_.script != std::string("pg")) GTEST_SKIP() << "psqlODBC's BEGIN";
        Connection c, other;
        connect(c, "ProbeQuery=SELECT 1;");
        connect(other);
        std::string id = session_id(c);
        ASSERT_OK(c.set_autocommit(false));
        kill(other);
        EXPECT_EQ("5", other.scalar("SELECT 5"));         // recovers: the target's epoch moves on
        EXPECT_EQ(std::optional<bool>(false), c.dead());  // validates c with the probe
        std::string state =
            checker_->scalar("SELECT state FROM pg_stat_activity WHERE pid = " + id);
        EXPECT_EQ("idle", state) << "the probe left the session in a transaction";
    }

    // SQL_ATTR_RESET_CONNECTION (a pooled connection going back to the pool) undoes the
    // application's settings but keeps SessionInitSQL's.
    void reset_keeps_session_init() {
        if (b_.script != std::string("pg")) GTEST_SKIP() << "RESET ALL is PostgreSQL's";
        Connection c;
        connect(c, std::string("SessionInitSQL={") + b_.init_set_sql + "};");
        ASSERT_OK(c.exec(b_.app_set_sql));
        ASSERT_EQ(b_.app_value, c.scalar(b_.app_show_sql));
        Outcome reset = c.set_attr(SQL_ATTR_RESET_CONNECTION, SQL_RESET_CONNECTION_YES);
        ASSERT_TRUE(reset.ok()) << reset.describe();
        EXPECT_NE(b_.app_value, c.scalar(b_.app_show_sql));
        EXPECT_EQ(b_.init_value, c.scalar(b_.init_show_sql));
    }

    const Backend& b_;
    Workspace* ws_ = nullptr;
    std::unique_ptr<Connection> checker_;  // made after the workspace
    std::string table_, retry_log_;
};

class RecoveryPg : public ServerTest {
  protected:
    RecoveryPg() : ServerTest(kPg) {}
};
class RecoveryMaria : public ServerTest {
  protected:
    RecoveryMaria() : ServerTest(kMaria) {}
};
class RecoveryPgServer : public ServerTest {
  protected:
    RecoveryPgServer() : ServerTest(kPg) {}
};
class RecoveryMariaServer : public ServerTest {
  protected:
    RecoveryMariaServer() : ServerTest(kMaria) {}
};

#define BOTH(Test, body)          \
    TEST_F(RecoveryPg, Test) {    \
        body();                   \
    }                             \
    TEST_F(RecoveryMaria, Test) { \
        body();                   \
    }

BOTH(KilledBetweenStatementsReadIsReplayed, killed_between_statements_read)
BOTH(KilledBetweenStatementsWriteRunsAtMostOnce, killed_between_statements_write)
BOTH(KilledDuringARunningReadIsReplayed, killed_during_a_read)
BOTH(SecondStatementOfATransactionIsRefusedAndCommitRefused, second_statement_of_a_transaction)
BOTH(FirstStatementOfATransactionIsReplayed, first_statement_of_a_transaction)
BOTH(LossAtCommitIsNeverAFalseSuccess, loss_at_commit)
BOTH(TemporaryTableRefusesReplay, temporary_table_refuses_replay)
BOTH(PreparedStatementsAfterAKill, prepared_statements_after_a_kill)
BOTH(SessionSettingsSurviveALoss, session_settings_survive_a_loss)
BOTH(CatalogFunctionIsReplayed, catalog_function_is_replayed)
BOTH(TransactionOpenedWithSqlTextIsNeverAFalseSuccess, transaction_opened_with_sql_text)
BOTH(ValidationBeforeCommitIsNeverAFalseSuccess, validation_before_commit)
BOTH(LostCommitAfterRollbackToSavepointIsNeverASuccess, savepoint_rollback_then_lost_commit)
BOTH(SqlTextTransactionIsOpenedAgainForItsFirstStatement,
     sql_transaction_first_statement_replayed_inside_it)
BOTH(AutocommitOnAfterALossIsNeverASuccess, autocommit_on_is_a_commit)
BOTH(SetInManualCommitSurvivesALoss, set_in_manual_commit_survives)
TEST_F(RecoveryPg, AttributesSetWhileLostApplyAfterTheJournal) {
    attributes_set_while_lost(false);
}
// With the loss already known, SQLSetConnectAttr reaches the dead target, and psqlODBC answers
// HY000 "ISOLATION change request to the server error" without calling its connection dead:
// that answer is the loss, so the attribute is set again on the recovered session.
TEST_F(RecoveryPg, AttributesSetWhileKnownLostApplyAfterTheJournal) {
    attributes_set_while_lost(true);
}
BOTH(ResetWhileLostLeavesTheNextUserACleanSession, [this] { reset_while_lost(false); })
BOTH(ResetWhileKnownLostLeavesTheNextUserACleanSession, [this] { reset_while_lost(true); })
BOTH(TransactionLostSurvivesReadsOnOtherStatements, transaction_lost_survives_other_statements)

TEST_F(RecoveryPg, BeginInsideManualCommitKeepsTheTransactionsWork) {
    // BEGIN in manual-commit mode opens nothing (the driver's transaction is open): the INSERT
    // before it is still lost with the COMMIT.
    create_table();
    Connection c;
    connect(c);
    std::string id = session_id(c);
    ASSERT_OK(c.set_autocommit(false));
    Statement s(c);
    ASSERT_OK(s.exec(insert(1)));
    s.exec("BEGIN");  // a warning: a transaction is already in progress
    s.close();
    kill_session(id);
    expect_commit_truthful(c.commit(), {"1"}, "after BEGIN in manual commit");
}

TEST_F(RecoveryPg, SetBatchIsNeverJournaledAndItsWriteRunsOnce) {
    // A batch that starts with SET is not a session setting: run again at every session restore
    // it would repeat its INSERT.
    create_table();
    Connection c;
    connect(c);
    Statement s(c);
    ASSERT_OK(s.exec("SET search_path = public; " + insert(7)));
    s.close();
    for (int i = 0; i < 3; ++i) {
        kill(c);
        std::vector<std::string> got;
        Outcome o = s.query("SELECT 1", got);
        s.close();
        if (!o.ok()) expect_leading(o, {"08S01"}, {"session state"});
    }
    EXPECT_EQ((std::vector<std::string>{"7"}), rows());
}

TEST_F(RecoveryPg, SessionIsRestoredBeforeTheTransactionMode) {
    // SessionInitSQL and the application's SETs run before autocommit goes off on a recovered
    // session: otherwise they sit in a transaction that the next ROLLBACK undoes.
    Connection c;
    connect(c, "SessionInitSQL={SET work_mem = '5MB'};");
    ASSERT_OK(c.exec("SET application_name = 'rec_app'"));
    std::string id = session_id(c);
    ASSERT_OK(c.set_autocommit(false));
    kill_session(id);
    EXPECT_EQ("1", c.scalar("SELECT 1"));  // finds the loss, recovers, replays
    ASSERT_OK(c.rollback());
    EXPECT_EQ("5MB", c.scalar("SHOW work_mem"));
    EXPECT_EQ("rec_app", c.scalar("SHOW application_name"));
    ASSERT_OK(c.rollback());
}

TEST_F(RecoveryPg, StatementThatKillsItsOwnConnectionIsNotReplayedAgain) {
    // psqlODBC's own regression test "diagnostic" does this. The replay loses its session too:
    // the call is the cause, and the application reads the target's 57P01 first, as the driver
    // alone answers.
    Connection c;
    connect(c);
    Statement s(c);
    std::vector<std::string> got;
    Outcome o = s.query("SELECT pg_terminate_backend(pg_backend_pid())", got);
    EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
    ASSERT_FALSE(o.diags.empty());
    EXPECT_EQ("57P01", o.first().state) << o.describe();
    EXPECT_FALSE(contains(o.first().message, "[odbc-retry]")) << o.describe();
    EXPECT_TRUE(std::any_of(o.diags.begin(), o.diags.end(), [](const Diag& d) {
        return contains(d.message, "[odbc-retry]");
    })) << o.describe();
    // Two sessions ended (the call and its one replay), not four.
    EXPECT_LE(count_of(read_file(retry_log_), "recovered connection"), 1) << read_file(retry_log_);
    expect_next_call_works(c, s);
}

BOTH(FailedRestoreNoCrashNoLeakNoSql, failed_restore_no_crash_no_leak_no_sql)
BOTH(FailedRestoreBacksOff, failed_restore_backs_off)
BOTH(ProbeOpensNoTransaction, probe_opens_no_transaction)
BOTH(ResetKeepsSessionInit, reset_keeps_session_init)

TEST_F(RecoveryPgServer, RestartWhileIdleIsInvisible) {
    restart_while_idle();
}
TEST_F(RecoveryPgServer, PoolDiscardsDeadConnections) {
    pool_discard();
}
TEST_F(RecoveryPgServer, DeadWhileTheServerIsDownAndAliveAfter) {
    dead_while_the_server_is_down();
}
TEST_F(RecoveryMariaServer, RestartWhileIdleIsInvisible) {
    restart_while_idle();
}
TEST_F(RecoveryMariaServer, PoolDiscardsDeadConnections) {
    pool_discard();
}
TEST_F(RecoveryMariaServer, DeadWhileTheServerIsDownAndAliveAfter) {
    dead_while_the_server_is_down();
}

}  // namespace
}  // namespace ort_recovery
