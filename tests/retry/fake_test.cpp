// SPDX-License-Identifier: Apache-2.0
// The retry engine against the scripted test driver (libodbcfake.so), through the driver manager:
// fast, deterministic counts of what odbc-retry did, read from the fake's own event log (every
// call the target received) and from odbc-retry's log (every retry decision). No server needed
// (ctest label sqlite, with the real SQLite test in sqlite_test.cpp).
#include <algorithm>
#include <atomic>
#include <iostream>

#include "../common/loopback_socket.h"
#include "retry_harness.h"

namespace ort_retry {
namespace {

using namespace std::chrono_literals;

// One DSN through odbc-retry to the fake, with its own in-memory database, event log, control
// file and odbc-retry log. Short delays keep the tests fast; `extra` overrides any key.
struct Fake {
    std::string dsn, database, fake_log, control, log;

    explicit Fake(const std::string& tag, const KeyValues& extra = {}) {
        Workspace& w = Workspace::get();
        database = w.unique("db_" + tag + "_");
        dsn = w.unique("fake_" + tag + "_");
        fake_log = w.path(database + ".fake.log");
        control = w.path(database + ".control");
        log = w.path(database + ".retry.log");
        KeyValues keys{
            {"Driver", "ODBC Retry"},
            {"TargetDriver", "ODBC Fake"},
            {"Database", database},
            {"FakeLog", fake_log},
            {"FakeControl", control},
            {"LogLevel", "info"},
            {"LogFile", log},
            {"RetryBaseDelay", "10ms"},
            {"RetryMaxDelay", "40ms"},
            // The scripted driver is an unknown driver, whose 08001 odbc-retry retries only
            // three times (it may be a refused login): these tests declare it transient, as an
            // operator would for a driver whose 08001 is known to mean "unreachable".
            {"RetryRulesTransient", "08001"}};
        for (const auto& kv : extra) {
            auto it = std::find_if(keys.begin(), keys.end(),
                                   [&](auto& have) { return have.first == kv.first; });
            if (it != keys.end())
                it->second = kv.second;
            else
                keys.push_back(kv);
        }
        w.add_dsn(dsn, keys);
    }
    std::string cs() const { return "DSN=" + dsn + ";"; }
    std::string events() const { return read_file(fake_log); }
    std::string retry_log() const { return read_file(log); }
    // Calls the fake received, by function name (SQLDriverConnect, SQLExecDirect, SQLExecute).
    int calls(const std::string& function) const {
        return static_cast<int>(lines_with(events(), " " + function + " ").size());
    }
    void control_file(const std::string& text) const { write_file(control, text); }
    std::string dump() const {
        return "---- fake event log " + fake_log + "\n" + events() + "---- odbc-retry log " + log +
               "\n" + retry_log();
    }
};

bool any_ours(const std::vector<Diag>& diags) {
    return std::any_of(diags.begin(), diags.end(),
                       [](const Diag& d) { return contains(d.message, "[odbc-retry]"); });
}

class RetryFake : public ::testing::Test {
  protected:
    void SetUp() override { ORT_REQUIRE_ENV(); }
};

// ---- connect -----------------------------------------------------------------------------------

TEST_F(RetryFake, ConnectRetriedExactlyNTimes) {
    Fake f("n", {{"FailConnect", "2:08001:101:FATAL:  the database system is starting up"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << f.dump();
    EXPECT_TRUE(r.diags.empty()) << "the earlier attempts' records must not linger:\n"
                                 << to_string(r.diags);
    auto connects = lines_with(f.events(), " SQLDriverConnect");
    ASSERT_EQ(connects.size(), 3u) << f.dump();
    EXPECT_TRUE(contains(connects[0], "-> SQL_ERROR 08001")) << connects[0];
    EXPECT_TRUE(contains(connects[1], "-> SQL_ERROR 08001")) << connects[1];
    EXPECT_TRUE(contains(connects[2], "-> SQL_SUCCESS")) << connects[2];
    auto retries = retry_lines(f.retry_log());
    ASSERT_EQ(retries.size(), 2u) << f.dump();
    EXPECT_TRUE(contains(retries[0], "connect attempt 1/30 failed: class=transient")) << retries[0];
    EXPECT_TRUE(contains(retries[1], "connect attempt 2/30 failed: class=transient")) << retries[1];
    EXPECT_TRUE(contains(retries[0], "sqlstate=08001 native=101")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "starting up")) << retries[0];
    EXPECT_EQ(c.scalar("SELECT 42"), "42");
}

TEST_F(RetryFake, FatalConnectErrorIsNotRetried) {
    Fake f("fatal", {{"FailConnect", "5:28000:1045:Access denied for user 'odbc'"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_EQ(f.calls("SQLDriverConnect"), 1) << f.dump();
    ASSERT_EQ(r.diags.size(), 1u) << to_string(r.diags);
    EXPECT_EQ(r.diags[0].state, "28000");
    EXPECT_EQ(r.diags[0].native, 1045);
    EXPECT_TRUE(contains(r.diags[0].message, "Access denied for user 'odbc'"))
        << r.diags[0].message;
    EXPECT_FALSE(any_ours(r.diags)) << "a fatal error is returned as the target reported it:\n"
                                    << to_string(r.diags);
    EXPECT_TRUE(retry_lines(f.retry_log()).empty()) << f.dump();
    auto gave_up = give_up_lines(f.retry_log());
    ASSERT_EQ(gave_up.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(gave_up[0], "not retryable")) << gave_up[0];
}

TEST_F(RetryFake, GivesUpAfterMaxAttempts) {
    Fake f("max",
           {{"RetryMaxAttempts", "3"},
            {"FailConnect", "10:08001:101:could not connect to server: Connection refused"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_EQ(f.calls("SQLDriverConnect"), 3) << f.dump();
    ASSERT_GE(r.diags.size(), 2u) << to_string(r.diags);
    // The target's last record first, then ours saying why it stopped.
    EXPECT_EQ(r.diags.front().state, "08001");
    EXPECT_TRUE(contains(r.diags.front().message, "Connection refused")) << to_string(r.diags);
    const Diag& ours = r.diags.back();
    EXPECT_EQ(ours.state, "08001");
    EXPECT_TRUE(contains(ours.message, "[odbc-retry] gave up after 3 attempts")) << ours.message;
    EXPECT_TRUE(contains(ours.message, "maximum number of attempts")) << ours.message;
    EXPECT_EQ(retry_lines(f.retry_log()).size(), 2u) << f.dump();
    auto gave_up = give_up_lines(f.retry_log());
    ASSERT_EQ(gave_up.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(gave_up[0], "gave up after 3 attempts")) << gave_up[0];
}

// RetryWakeOnListen: the fake stands for a server at 127.0.0.1:PORT (it ignores Server and Port;
// odbc-retry reads them to know where the server listens). The port is a socket of this test,
// refusing connects until the test makes it listen. The fake is no known family, where the
// default (auto) is off: the tests turn it on.
TEST_F(RetryFake, AConnectRetriesAsSoonAsTheServerListensAgain) {
    ort_test::LoopbackSocket server;
    ASSERT_TRUE(server.ok());
    // A backoff of 20 s: without the wake-up the connect would wait it out.
    Fake f("wake", {{"FailConnect", "1:08001:101:could not connect to server: Connection refused"},
                    {"Server", "127.0.0.1"},
                    {"Port", server.port()},
                    {"RetryBaseDelay", "20s"},
                    {"RetryMaxDelay", "20s"},
                    {"RetryJitter", "none"},
                    {"RetryDeadline", "60s"},
                    {"RetryWakeOnListen", "yes"}});
    // The "server" starts listening once odbc-retry has begun waiting out its backoff.
    std::atomic<bool> stop{false};
    bool listened = false;
    std::thread starter([&] {
        const auto give_up = std::chrono::steady_clock::now() + 30s;
        while (!stop && std::chrono::steady_clock::now() < give_up) {
            if (!retry_lines(f.retry_log()).empty()) {
                listened = server.listen_now();
                return;
            }
            std::this_thread::sleep_for(5ms);
        }
    });
    Connection c;
    ConnectResult r = c.connect(f.cs());
    stop = true;
    starter.join();
    ASSERT_TRUE(listened) << f.dump();
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << f.dump();
    EXPECT_EQ(f.calls("SQLDriverConnect"), 2) << f.dump();
    auto retries = retry_lines(f.retry_log());
    ASSERT_EQ(retries.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(retries[0], "retrying in 20000 ms")) << retries[0];
    EXPECT_EQ(lines_with(f.retry_log(), "accepts connections again").size(), 1u) << f.dump();
}

TEST_F(RetryFake, AServerThatListensButRefusedGetsItsWholeBackoff) {
    // Its port accepts (a server starting up, or out of connection slots): no early retry.
    ort_test::LoopbackSocket server;
    ASSERT_TRUE(server.ok());
    ASSERT_TRUE(server.listen_now());
    Fake f("nowake", {{"FailConnect", "2:08001:101:FATAL:  the database system is starting up"},
                      {"Server", "127.0.0.1"},
                      {"Port", server.port()},
                      {"RetryBaseDelay", "100ms"},
                      {"RetryMaxDelay", "100ms"},
                      {"RetryJitter", "none"},
                      {"RetryWakeOnListen", "yes"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << f.dump();
    EXPECT_EQ(f.calls("SQLDriverConnect"), 3) << f.dump();
    EXPECT_EQ(retry_lines(f.retry_log()).size(), 2u) << f.dump();
    EXPECT_TRUE(lines_with(f.retry_log(), "accepts connections again").empty()) << f.dump();
}

TEST_F(RetryFake, WithRetryOffTheTargetsRecordsComeAlone) {
    Fake f("once",
           {{"RetryMaxAttempts", "1"},
            {"FailConnect", "5:08001:101:could not connect to server: Connection refused"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_EQ(f.calls("SQLDriverConnect"), 1) << f.dump();
    ASSERT_EQ(r.diags.size(), 1u) << to_string(r.diags);
    EXPECT_EQ(r.diags[0].state, "08001");
    EXPECT_TRUE(contains(r.diags[0].message, "Connection refused")) << to_string(r.diags);
    EXPECT_FALSE(contains(to_string(r.diags), "[odbc-retry]")) << to_string(r.diags);
}

TEST_F(RetryFake, DeadlineBoundsAllAttempts) {
    Fake f("deadline", {{"RetryDeadline", "400ms"},
                        {"RetryBaseDelay", "50ms"},
                        {"RetryMaxDelay", "100ms"},
                        {"CircuitBreakerThreshold", "0"}});
    f.control_file("down=1\n");
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_GE(r.elapsed, 300ms);
    EXPECT_LT(r.elapsed, 900ms);
    EXPECT_GE(f.calls("SQLDriverConnect"), 2) << f.dump();
    ASSERT_FALSE(r.diags.empty());
    EXPECT_TRUE(contains(r.diags.back().message, "the retry deadline was reached"))
        << to_string(r.diags);
}

// A target that accepts and never answers: the deadline becomes the target's login timeout.
TEST_F(RetryFake, HangProtectionUsesTheDeadline) {
    Fake f("hang", {{"RetryDeadline", "1s"}, {"ConnectDelayMs", "10000"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_LT(r.elapsed, 2500ms) << "the attempt must not outlive RetryDeadline\n" << f.dump();
    ASSERT_FALSE(r.diags.empty());
    EXPECT_TRUE(contains(r.diags.back().message, "[odbc-retry] gave up")) << to_string(r.diags);
    EXPECT_TRUE(contains(f.events(), "HYT00")) << f.dump();
}

// The application's own login timeout is smaller than RetryDeadline: it wins.
TEST_F(RetryFake, ApplicationLoginTimeoutBoundsTheRetries) {
    // (no circuit breaker and no attempt limit: ten quick failures would open the breaker, thirty
    // would reach RetryMaxAttempts, either ending the call before the deadline)
    Fake f("apptimeout",
           {{"FailConnect", "1000:08001:101:could not connect to server: Connection refused"},
            {"RetryBaseDelay", "50ms"},
            {"RetryMaxDelay", "100ms"},
            {"CircuitBreakerThreshold", "0"},
            {"RetryMaxAttempts", "1000"}});
    Connection c;
    c.set_attr(SQL_ATTR_LOGIN_TIMEOUT, 1);
    ConnectResult r = c.connect(f.cs());
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_GE(r.elapsed, 800ms);
    EXPECT_LT(r.elapsed, 1600ms);
    ASSERT_FALSE(r.diags.empty());
    EXPECT_TRUE(contains(r.diags.back().message, "the retry deadline was reached"))
        << to_string(r.diags);
}

// ---- circuit breaker
// ------------------------------------------------------------------------------

TEST_F(RetryFake, CircuitBreakerFailsFastProbesOnceAndCloses) {
    // One attempt per connect; a new connect that finds the circuit open fails at once
    // (CircuitBreakerWait defaults to 0).
    Fake f("breaker", {{"CircuitBreakerThreshold", "3"},
                       {"CircuitBreakerCooldown", "1500ms"},
                       {"RetryMaxAttempts", "1"},
                       {"RetryDeadline", "500ms"}});
    Fake other("breaker_warmup");
    f.control_file("down=1\n");
    for (int i = 1; i <= 3; ++i) {
        Connection c;
        ConnectResult r = c.connect(f.cs());
        ASSERT_EQ(r.rc, SQL_ERROR) << "connect " << i << "\n" << f.dump();
        EXPECT_EQ(f.calls("SQLDriverConnect"), i) << f.dump();
        EXPECT_TRUE(contains(to_string(r.diags), "Connection refused")) << to_string(r.diags);
    }
    auto opened = Clock::now();
    {
        Connection c;
        ConnectResult r = c.connect(f.cs());
        ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
        EXPECT_LT(r.elapsed, 50ms) << "an open circuit fails fast";
        std::cout << "[ info     ] a connect to the open circuit failed in " << r.elapsed.count()
                  << " ms\n";
        EXPECT_EQ(f.calls("SQLDriverConnect"), 3) << "no attempt reached the target\n" << f.dump();
        ASSERT_FALSE(r.diags.empty());
        EXPECT_EQ(r.diags.back().state, "08001");
        EXPECT_TRUE(contains(r.diags.back().message, "circuit breaker")) << to_string(r.diags);
        EXPECT_TRUE(contains(r.diags.back().message, "open")) << to_string(r.diags);
        EXPECT_TRUE(contains(r.diags.back().message, "next probe in")) << to_string(r.diags);
    }
    // Another process shares the state (ODBC_RETRY_STATE_DIR is inherited): it fails fast too.
    {
        CommandResult child =
            run_self({"--child", "connect", other.cs(), f.cs()}, {"ORT_RETRY_CHILD=1"});
        ASSERT_EQ(child.status, 0) << child.output;
        EXPECT_TRUE(contains(child.output, "rc=SQL_ERROR")) << child.output;
        EXPECT_TRUE(contains(child.output, "circuit breaker")) << child.output;
        auto ms_line = lines_with(child.output, "ms=");
        ASSERT_EQ(ms_line.size(), 1u) << child.output;
        EXPECT_LT(std::stol(ms_line[0].substr(3)), 50) << child.output;
        EXPECT_EQ(f.calls("SQLDriverConnect"), 3) << "the other process did not try either\n"
                                                  << f.dump();
    }
    // After the cooldown exactly one probe reaches the target; it fails and the circuit opens
    // again.
    std::this_thread::sleep_until(opened + 1600ms);
    {
        Connection c;
        ConnectResult r = c.connect(f.cs());
        ASSERT_EQ(r.rc, SQL_ERROR);
        EXPECT_EQ(f.calls("SQLDriverConnect"), 4) << f.dump();
        EXPECT_TRUE(contains(to_string(r.diags), "Connection refused")) << to_string(r.diags);
        Connection c2;
        ConnectResult r2 = c2.connect(f.cs());
        ASSERT_EQ(r2.rc, SQL_ERROR);
        EXPECT_LT(r2.elapsed, 50ms);
        EXPECT_TRUE(contains(to_string(r2.diags), "circuit breaker")) << to_string(r2.diags);
        EXPECT_EQ(f.calls("SQLDriverConnect"), 4) << f.dump();
    }
    // The server is back: after the cooldown the probe succeeds and the circuit closes.
    auto reopened = Clock::now();
    f.control_file("down=0\n");
    std::this_thread::sleep_until(reopened + 1600ms);
    {
        Connection c;
        ConnectResult r = c.connect(f.cs());
        ASSERT_TRUE(r.ok()) << to_string(r.diags) << f.dump();
        EXPECT_EQ(f.calls("SQLDriverConnect"), 5);
        Connection c2;
        ConnectResult r2 = c2.connect(f.cs());
        ASSERT_TRUE(r2.ok()) << to_string(r2.diags);
        EXPECT_LT(r2.elapsed, 200ms);
        EXPECT_EQ(f.calls("SQLDriverConnect"), 6);
    }
}

TEST_F(RetryFake, ARetryingConnectRidesOutTheBreakerWhileNewOnesFailFast) {
    Fake f("breaker_ride", {{"CircuitBreakerThreshold", "3"},
                            {"CircuitBreakerCooldown", "400ms"},
                            {"RetryBaseDelay", "10ms"},
                            {"RetryMaxDelay", "20ms"},
                            {"RetryDeadline", "10s"}});
    f.control_file("down=1\n");
    std::atomic<bool> opened{false};
    std::thread server([&] {
        // Wait until the retrying connect has opened the circuit, show that a new connect fails
        // fast meanwhile, then bring the server back.
        for (int i = 0; i < 500 && f.calls("SQLDriverConnect") < 3; ++i)
            std::this_thread::sleep_for(5ms);
        Connection fresh;
        ConnectResult r = fresh.connect(f.cs());
        opened = r.rc == SQL_ERROR && contains(to_string(r.diags), "circuit breaker") &&
                 r.elapsed < 50ms;
        std::this_thread::sleep_for(600ms);
        f.control_file("down=0\n");
    });
    Connection c;
    ConnectResult r = c.connect(f.cs());
    server.join();
    EXPECT_TRUE(opened) << "a new connect failed fast while the circuit was open\n" << f.dump();
    ASSERT_TRUE(r.ok()) << to_string(r.diags) << f.dump();
    EXPECT_GE(r.elapsed, 600ms);
    // Three failures opened the circuit; then one probe per 400 ms cooldown, not one attempt per
    // 10-20 ms backoff.
    EXPECT_LE(f.calls("SQLDriverConnect"), 3 + 4) << f.dump();
}

TEST_F(RetryFake, CircuitBreakerWaitLetsANewConnectWaitForTheProbe) {
    Fake f("breaker_wait", {{"CircuitBreakerThreshold", "2"},
                            {"CircuitBreakerCooldown", "500ms"},
                            {"RetryMaxAttempts", "1"}});
    f.control_file("down=1\n");
    for (int i = 0; i < 2; ++i) {
        Connection c;
        ASSERT_EQ(c.connect(f.cs()).rc, SQL_ERROR) << f.dump();
    }
    f.control_file("down=0\n");
    {
        Connection c;
        ConnectResult r = c.connect(f.cs());
        ASSERT_EQ(r.rc, SQL_ERROR) << "the default: fail fast\n" << f.dump();
        EXPECT_TRUE(contains(to_string(r.diags), "next probe in")) << to_string(r.diags);
    }
    Connection c;
    ConnectResult r = c.connect(f.cs() + "CircuitBreakerWait=2s;");
    ASSERT_TRUE(r.ok()) << "waited for the probe, which succeeded\n"
                        << to_string(r.diags) << f.dump();
    EXPECT_GE(r.elapsed, 300ms);
    EXPECT_EQ(f.calls("SQLDriverConnect"), 3) << f.dump();
}

// ---- statements ------------------------------------------------------------------------------

TEST_F(RetryFake, TransientStatementErrorIsRetriedInAutocommit) {
    // SQLite's "database is locked": transient for the sqlite family; the fake is a generic
    // driver, so a user rule says so (RetryRulesTransient).
    Fake f("locked", {{"FailExecute", "2:HY000:5:[SQLite]database is locked (5)"},
                      {"RetryRulesTransient", "HY000:5"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("INSERT INTO t VALUES (7)");
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << f.dump();
    EXPECT_TRUE(r.diags.empty()) << to_string(r.diags);
    EXPECT_EQ(f.calls("SQLExecDirect"), 3) << f.dump();
    EXPECT_EQ(c.scalar("SELECT count(*) FROM t"), "1") << "the insert ran exactly once";
    auto retries = retry_lines(f.retry_log());
    ASSERT_EQ(retries.size(), 2u) << f.dump();
    EXPECT_TRUE(contains(retries[0], "class=transient")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "database is locked")) << retries[0];
}

TEST_F(RetryFake, TransientPreparedStatementIsRetriedWithItsParameters) {
    Fake f("locked_prepared", {{"FailExecute", "1:HY000:5:[SQLite]database is locked (5)"},
                               {"RetryRulesTransient", "HY000:5"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &stmt)));
    ASSERT_TRUE(SQL_SUCCEEDED(SQLPrepare(stmt, (SQLCHAR*)"INSERT INTO t VALUES (?)", SQL_NTS)));
    SQLINTEGER value = 41;
    SQLLEN ind = 0;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(stmt, 1, SQL_PARAM_INPUT, SQL_C_SLONG, SQL_INTEGER,
                                               0, 0, &value, 0, &ind)));
    SQLRETURN rc = SQLExecute(stmt);
    EXPECT_EQ(rc, SQL_SUCCESS) << to_string(diag_records(SQL_HANDLE_STMT, stmt)) << f.dump();
    SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    auto executes = lines_with(f.events(), " SQLExecute ");
    ASSERT_EQ(executes.size(), 2u) << f.dump();
    EXPECT_TRUE(contains(executes[1], "params=[41]")) << executes[1];
    EXPECT_EQ(c.scalar("SELECT v FROM t"), "41");
}

TEST_F(RetryFake, UnclassifiedStatementErrorIsNotRetried) {
    // Without the user rule, HY000/5 from a generic driver matches no rule: fatal, returned as is.
    Fake f("locked_norule", {{"FailExecute", "1:HY000:5:[SQLite]database is locked (5)"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("INSERT INTO t VALUES (7)");
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_EQ(f.calls("SQLExecDirect"), 1) << f.dump();
    ASSERT_EQ(r.diags.size(), 1u) << to_string(r.diags);
    EXPECT_EQ(r.diags[0].state, "HY000");
    EXPECT_TRUE(retry_lines(f.retry_log()).empty()) << f.dump();
}

TEST_F(RetryFake, DeadlockIsRetriedInAutocommit) {
    Fake f("deadlock_auto", {{"DeadlockOn", "1"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("INSERT INTO t VALUES (1)");
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << f.dump();
    EXPECT_EQ(f.calls("SQLExecDirect"), 2) << f.dump();
    EXPECT_EQ(c.scalar("SELECT count(*) FROM t"), "1");
    auto retries = retry_lines(f.retry_log());
    ASSERT_EQ(retries.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(retries[0], "class=rolled_back")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "sqlstate=40001 native=1213")) << retries[0];
}

TEST_F(RetryFake, DeadlockInsideATransactionIsReturnedAsIs) {
    Fake f("deadlock_txn", {{"DeadlockOn", "2"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ASSERT_TRUE(SQL_SUCCEEDED(c.set_autocommit(false)));
    ASSERT_TRUE(c.exec("INSERT INTO t VALUES (1)").ok());
    ExecResult r = c.exec("INSERT INTO t VALUES (2)");
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    ASSERT_EQ(r.diags.size(), 1u) << to_string(r.diags);
    EXPECT_EQ(r.diags[0].state, "40001");
    EXPECT_EQ(r.diags[0].native, 1213);
    EXPECT_TRUE(contains(r.diags[0].message, "Deadlock found")) << r.diags[0].message;
    EXPECT_EQ(f.calls("SQLExecDirect"), 2) << "the statement was not run again\n" << f.dump();
    EXPECT_TRUE(retry_lines(f.retry_log()).empty()) << f.dump();
    EXPECT_TRUE(c.end_tran(false).ok());
}

TEST_F(RetryFake, StatementGivesUpAfterMaxAttempts) {
    Fake f("deadlock_max",
           {{"RetryMaxAttempts", "3"}, {"FailExecute", "10:40001:1213:[Fake]Deadlock found"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("INSERT INTO t VALUES (1)");
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    EXPECT_EQ(f.calls("SQLExecDirect"), 3) << f.dump();
    ASSERT_GE(r.diags.size(), 2u) << to_string(r.diags);
    EXPECT_EQ(r.diags.front().state, "40001");
    EXPECT_EQ(r.diags.back().state, "40001");
    EXPECT_TRUE(contains(r.diags.back().message, "[odbc-retry] gave up after 3 attempts"))
        << to_string(r.diags);
    EXPECT_EQ(retry_lines(f.retry_log()).size(), 2u) << f.dump();
    auto gave_up = give_up_lines(f.retry_log());
    ASSERT_EQ(gave_up.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(gave_up[0], "execdirect failed: [odbc-retry] gave up after 3 attempts"))
        << gave_up[0];
}

TEST_F(RetryFake, TimeoutRecordIsNeverRetried) {
    Fake f("timeout_record", {{"FailExecute", "1:HYT00:0:[Fake]Query timeout expired"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("SELECT 1");
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    ASSERT_EQ(r.diags.size(), 1u) << to_string(r.diags);
    EXPECT_EQ(r.diags[0].state, "HYT00");
    EXPECT_EQ(f.calls("SQLExecDirect"), 1) << f.dump();
    EXPECT_TRUE(retry_lines(f.retry_log()).empty()) << f.dump();
}

TEST_F(RetryFake, QueryTimeoutIsNeverRetried) {
    Fake f("timeout_real", {{"ExecuteDelayMs", "3000"}});
    Connection c;
    ASSERT_TRUE(c.connect(f.cs()).ok()) << f.dump();
    ExecResult r = c.exec("SELECT 1", 1);
    ASSERT_EQ(r.rc, SQL_ERROR) << f.dump();
    ASSERT_FALSE(r.diags.empty());
    EXPECT_EQ(r.diags[0].state, "HYT00") << to_string(r.diags);
    EXPECT_LT(r.elapsed, 2500ms);
    EXPECT_EQ(f.calls("SQLExecDirect"), 1) << f.dump();
    EXPECT_TRUE(retry_lines(f.retry_log()).empty()) << f.dump();
}

// ---- secrets ---------------------------------------------------------------------------------

TEST_F(RetryFake, SecretsAreMaskedInTheLog) {
    // A target whose messages quote the password (some do, echoing a connection string): the
    // retry lines must mask it. The password comes from odbc.ini, as an operator would set it.
    const std::string secret = "Fk7SecretPw93";
    Fake f("secret",
           {{"PWD", secret},
            {"LogLevel", "debug"},
            {"FailConnect", "2:08001:101:could not connect with PWD=" + secret + ": refused"},
            {"FailExecute", "1:40001:1213:deadlock (login " + secret + ")"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_TRUE(r.ok()) << to_string(r.diags) << f.dump();
    EXPECT_FALSE(contains(r.out, secret)) << "output connection string: " << r.out;
    ASSERT_TRUE(c.exec("INSERT INTO t VALUES (1)").ok()) << f.dump();
    std::string log = f.retry_log();
    EXPECT_EQ(retry_lines(log).size(), 3u) << log;
    EXPECT_EQ(count_of(log, secret), 0) << log;
    EXPECT_GE(count_of(log, "***"), 3) << "the masked password shows where it was\n" << log;
}

// The driver family (which built-in rules apply, which timeout keys protect a connect) comes from
// the target driver named by TargetDriver, not from whatever DSN comes first in odbc.ini.
TEST_F(RetryFake, TargetDriverFamilyIsDetectedFromTheDriver) {
    Fake f("family",
           {{"RetryMaxAttempts", "2"}, {"FailConnect", "1:08001:101:could not connect to server"}});
    Connection c;
    ConnectResult r = c.connect(f.cs());
    ASSERT_TRUE(r.ok()) << to_string(r.diags) << f.dump();
    auto retries = retry_lines(f.retry_log());
    ASSERT_EQ(retries.size(), 1u) << f.dump();
    EXPECT_TRUE(contains(retries[0], "target=driver ODBC Fake (generic://-:-/" + f.database + ")"))
        << retries[0];
}

}  // namespace
}  // namespace ort_retry
