// SPDX-License-Identifier: Apache-2.0
// Lost connections with the scripted test driver (libodbcfake.so) behind odbc-retry, through the
// unixODBC driver manager: every row of the recovery table in docs/error-contract.md that a real
// server cannot be made to do on cue. Deterministic, no server (label sqlite).
//
// Each test uses its own in-memory database (the fake's Database= key), so the fake's fault
// budgets (LoseAt fires once per process and database) and its table `t` are the test's own.
// The fake's event log (FakeLog) shows what reached the "server": how often a statement ran, on
// which connection (dbc=), with which parameters.
#include <cstring>
#include <optional>
#include <thread>

#include "recovery_harness.h"

namespace ort_recovery {
namespace {

class RecoveryFake : public ::testing::Test {
  protected:
    void SetUp() override {
        ORT_REQUIRE_ENV();
        ws_ = &Workspace::get();
        db_ = ws_->unique("rec");
        fake_log_ = ws_->path(db_ + ".fake.log");
        control_ = ws_->path(db_ + ".control");
        retry_log_ = ws_->path(db_ + ".retry.log");
    }
    void TearDown() override {
        if (!HasFailure()) return;
        std::cerr << "---- fake event log " << fake_log_ << " ----\n"
                  << read_file(fake_log_) << "---- odbc-retry log " << retry_log_ << " ----\n"
                  << read_file(retry_log_);
    }

    // Through odbc-retry to the fake, with `extra` keys (LoseAt=..., forwarded to the fake).
    std::string retry_cs(const std::string& extra = "") const {
        return "DRIVER={ODBC Retry};TargetDriver=ODBC Fake;Database=" + db_ +
               ";FakeLog=" + fake_log_ + ";FakeControl=" + control_ + ";LogFile=" + retry_log_ +
               ";LogLevel=info;RetryBaseDelay=10ms;RetryMaxDelay=50ms;RetryDeadline=10s;"
               "CircuitBreakerShared=no;" +
               extra + env_value("ORT_RECOVERY_EXTRA_KEYS");
    }
    // Straight to the fake, no faults and no log: to set up and check the table.
    std::string direct_cs() const { return "DRIVER={ODBC Fake};Database=" + db_ + ";"; }

    void connect(Connection& c, const std::string& extra = "") {
        ASSERT_OK(c.connect(retry_cs(extra)));
    }

    // The fake's "server restart": every connection made before is lost at its next call.
    void bump_epoch(int epoch) { replace_file(control_, "epoch=" + std::to_string(epoch) + "\n"); }

    std::vector<std::string> table() {
        Connection d;
        EXPECT_OK(d.connect(direct_cs()));
        return d.column("SELECT v FROM t ORDER BY v");
    }
    void fill(int from, int to) {
        Connection d;
        ASSERT_OK(d.connect(direct_cs()));
        for (int v = from; v <= to; ++v)
            ASSERT_OK(d.exec("INSERT INTO t VALUES (" + std::to_string(v) + ")"));
    }

    std::string fake_log() const { return read_file(fake_log_); }
    std::string retry_log() const { return read_file(retry_log_); }
    // Lines of the fake's log for calls of `function` with this exact SQL text.
    std::vector<std::string> calls(const std::string& function, const std::string& sql) const {
        return lines_with_all(fake_log(), {" " + function + " ", "sql=\"" + sql + "\""});
    }
    int connects() const {
        return static_cast<int>(
            lines_with_all(fake_log(), {" SQLDriverConnect ", "-> SQL_SUCCESS"}).size());
    }

    // The next call on the same statement handle works (every refused case promises it).
    void expect_next_call_works(Statement& s) {
        s.close();
        std::vector<std::string> rows;
        Outcome o = s.query("SELECT n FROM seq(2)", rows);
        EXPECT_TRUE(o.ok()) << "the next call on the same HSTMT: " << o.describe();
        EXPECT_EQ((std::vector<std::string>{"1", "2"}), rows);
    }

    // The first record is odbc-retry's, with this SQLSTATE and these words.
    static void expect_leading(const Outcome& o, const std::string& state,
                               std::initializer_list<const char*> words) {
        EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
        ASSERT_FALSE(o.diags.empty()) << o.describe();
        EXPECT_EQ(state, o.first().state) << o.describe();
        EXPECT_TRUE(contains(o.first().message, "[odbc-retry]")) << o.describe();
        for (const char* w : words)
            EXPECT_TRUE(contains(o.first().message, w)) << "'" << w << "' in" << o.describe();
    }

    Workspace* ws_ = nullptr;
    std::string db_, fake_log_, control_, retry_log_;
};

// A LoseRecord with which the target says the request never left the client (MariaDB 5014).
const char* const kNotSentRecord = "LoseRecord=HY000:5014:[Fake]Write error: Broken pipe (32);";

// ---- prepare and execute -----------------------------------------------------------------------

TEST_F(RecoveryFake, LossAtPrepareIsReplayed) {
    Connection c;
    connect(c, "LoseAt=prepare;");
    Statement s(c);
    Outcome p = s.prepare("SELECT n FROM seq(3)");
    EXPECT_EQ(SQL_SUCCESS, p.rc) << p.describe();
    std::vector<std::string> rows;
    Outcome e = s.execute();
    ASSERT_OK(e);
    EXPECT_OK(s.fetch_all(rows));
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    auto prepares = calls("SQLPrepare", "SELECT n FROM seq(3)");
    ASSERT_EQ(2u, prepares.size()) << join(prepares);
    EXPECT_TRUE(contains(prepares[0], "SQL_ERROR 08S01")) << prepares[0];
    EXPECT_TRUE(contains(prepares[1], "SQL_SUCCESS")) << prepares[1];
    EXPECT_EQ(2, connects());
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, LossBeforeExecuteOfAReadIsReplayed) {
    Connection c;
    connect(c, "LoseAt=execute:before;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(5)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4", "5"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(5)").size());
    EXPECT_EQ(2, connects());
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, AReplayThatLosesItsConnectionAgainIsTheCauseAndNotRepeated) {
    // The first connection and the first recovered one are both lost at their first execute
    // (SELECT pg_terminate_backend(pg_backend_pid()) does this): the call is the cause, it is
    // not replayed a second time, and the target's record of the loss comes first.
    Connection c;
    connect(c, "LoseAt=execute:before;LoseTimes=2;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
    ASSERT_GE(o.diags.size(), 2u) << o.describe();
    EXPECT_EQ("08S01", o.first().state) << o.describe();
    EXPECT_TRUE(contains(o.first().message, "[Fake]server closed")) << o.describe();
    EXPECT_TRUE(contains(o.diags.back().message, "[odbc-retry]")) << o.describe();
    EXPECT_TRUE(contains(o.diags.back().message, "not repeated again")) << o.describe();
    auto runs = calls("SQLExecDirect", "SELECT n FROM seq(3)");
    EXPECT_EQ(2u, runs.size()) << fake_log();
    EXPECT_EQ(2, connects());
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, AReplayNotSentEveryTimeGivesUpAfterThreeRounds) {
    // The original connection and the three recovered ones are lost before the request leaves
    // the client: the call is not the cause; the fifth connection works.
    Connection c;
    connect(c, std::string("LoseAt=execute:before;LoseTimes=4;") + kNotSentRecord);
    Statement s(c);
    Outcome o = s.exec("SELECT n FROM seq(3)");
    expect_leading(o, "08S01", {"lost again each of the 3 times", "did not complete"});
    EXPECT_EQ(4u, calls("SQLExecDirect", "SELECT n FROM seq(3)").size()) << fake_log();
    EXPECT_EQ(4, connects());
    expect_next_call_works(s);
    EXPECT_EQ(5, connects());
}

TEST_F(RecoveryFake, AnIdempotentWriteLostEveryTimeHasAnUnknownOutcome) {
    Connection c;
    connect(c, "LoseAt=execute:after;LoseTimes=2;ReplayWrites=idempotent;");
    Statement s(c);
    Outcome o = s.exec("INSERT INTO t VALUES (3)");
    EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
    ASSERT_FALSE(o.diags.empty()) << o.describe();
    EXPECT_FALSE(contains(o.first().message, "[odbc-retry]")) << o.describe();
    EXPECT_TRUE(contains(o.diags.back().message, "outcome of the statement is unknown"))
        << o.describe();
    EXPECT_EQ(2u, calls("SQLExecDirect", "INSERT INTO t VALUES (3)").size()) << fake_log();
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, AStatementWhoseRebuildIsLostIsRebuiltOnTheNextConnection) {
    // Another statement recovers the connection; the prepared one is rebuilt at its next call
    // and the new connection is lost just then (its first statement doomed it): odbc-retry
    // recovers once more and prepares it on the third connection.
    Connection c;
    connect(c, "LoseAt=after:1;LoseTimes=2;");
    Statement s(c);
    ASSERT_OK(s.prepare("SELECT n FROM seq(3)"));
    Statement other(c);
    ASSERT_OK(other.exec("SELECT n FROM seq(1)"));  // completes: the first connection is doomed
    other.close();
    ASSERT_OK(other.exec("SELECT n FROM seq(2)"));  // recovers, replays: the second is doomed
    other.close();
    std::vector<std::string> rows;
    ASSERT_OK(s.execute());
    EXPECT_OK(s.fetch_all(rows));
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    auto prepares = calls("SQLPrepare", "SELECT n FROM seq(3)");
    ASSERT_EQ(3u, prepares.size()) << fake_log();
    EXPECT_TRUE(contains(prepares[0], "SQL_SUCCESS")) << prepares[0];
    EXPECT_TRUE(contains(prepares[1], "SQL_ERROR 08S01")) << prepares[1];
    EXPECT_TRUE(contains(prepares[2], "SQL_SUCCESS")) << prepares[2];
    EXPECT_EQ(3, connects());
    EXPECT_TRUE(contains(retry_log(), "rebuilding a statement failed with a lost connection"))
        << retry_log();
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, ACancelOnAnotherThreadNeverMeetsAStatementItsRebuildFreed) {
    // Statement s still holds its handle on the lost connection when another statement recovers
    // it. One thread cancels s (the fake keeps SQLCancel inside the driver for a while) while
    // this thread's next call on s rebuilds it on the new connection, which frees the old handle:
    // the free must wait for the cancel to leave the driver, never happen inside it.
    Connection c;
    connect(c, "CancelHoldMs=1500;");
    Statement s(c), other(c);
    ASSERT_OK(s.exec("SELECT n FROM seq(1)"));
    ASSERT_OK(s.close());
    bump_epoch(1);
    std::vector<std::string> rows;
    ASSERT_OK(other.query("SELECT n FROM seq(1)", rows));  // recovers the connection
    std::thread canceller([&] { SQLCancel(s.handle()); });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!contains(fake_log(), " HOLDING") && std::chrono::steady_clock::now() < give_up)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const bool held = contains(fake_log(), " HOLDING");
    rows.clear();
    Outcome o = s.query("SELECT n FROM seq(2)", rows);  // rebuilds s: frees its old handle
    canceller.join();
    ASSERT_TRUE(held) << "the cancel never reached the driver\n" << fake_log();
    EXPECT_TRUE(o.ok()) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), rows);
    EXPECT_FALSE(contains(fake_log(), "FREED-DURING-CANCEL")) << fake_log();
}

TEST_F(RecoveryFake, LossAfterExecuteOfAReadIsReplayed) {
    Connection c;
    connect(c, "LoseAt=execute:after;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(4)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4"}), rows);
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, LossBeforeExecuteOfAWriteHasAnUnknownOutcome) {
    // The fake did not run it, but its record does not say so: odbc-retry cannot know.
    Connection c;
    connect(c, "LoseAt=execute:before;");
    Statement s(c);
    Outcome o = s.exec("INSERT INTO t VALUES (7)");
    expect_leading(o, "08S01", {"outcome is unknown"});
    EXPECT_EQ(1u, calls("SQLExecDirect", "INSERT INTO t VALUES (7)").size()) << fake_log();
    EXPECT_TRUE(table().empty());
    expect_next_call_works(s);
    EXPECT_OK(s.exec("INSERT INTO t VALUES (8)"));
    EXPECT_EQ((std::vector<std::string>{"8"}), table());
}

TEST_F(RecoveryFake, LossBeforeExecuteOfAWriteNotSentIsReplayed) {
    Connection c;
    connect(c, std::string("LoseAt=execute:before;") + kNotSentRecord);
    Statement s(c);
    Outcome o = s.exec("INSERT INTO t VALUES (7)");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    auto runs = calls("SQLExecDirect", "INSERT INTO t VALUES (7)");
    ASSERT_EQ(2u, runs.size()) << fake_log();
    EXPECT_TRUE(contains(runs[0], "SQL_ERROR HY000")) << runs[0];
    EXPECT_TRUE(contains(runs[1], "SQL_SUCCESS")) << runs[1];
    EXPECT_EQ((std::vector<std::string>{"7"}), table());
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, LossAfterExecuteOfAWriteIsNotRepeated) {
    Connection c;
    connect(c, "LoseAt=execute:after;");
    Statement s(c);
    Outcome o = s.exec("INSERT INTO t VALUES (7)");
    expect_leading(o, "08S01", {"outcome is unknown", "not repeated"});
    // The target's own record follows ours.
    ASSERT_GE(o.diags.size(), 2u) << o.describe();
    EXPECT_TRUE(contains(o.diags[1].message, "[Fake]")) << o.describe();
    // Exactly one execution reached the server, and it was applied.
    auto runs = calls("SQLExecDirect", "INSERT INTO t VALUES (7)");
    EXPECT_EQ(1u, runs.size()) << fake_log();
    EXPECT_EQ((std::vector<std::string>{"7"}), table());
    // The session was re-established: the same handles work at once.
    EXPECT_EQ(2, connects());
    expect_next_call_works(s);
    EXPECT_EQ("1", c.scalar("SELECT count(*) FROM t"));
}

TEST_F(RecoveryFake, LossAfterPreparedExecuteOfAWriteIsNotRepeated) {
    Connection c;
    connect(c, "LoseAt=execute:after;");
    Statement s(c);
    ASSERT_OK(s.prepare("INSERT INTO t VALUES (9)"));
    Outcome o = s.execute();
    expect_leading(o, "08S01", {"outcome is unknown"});
    EXPECT_EQ(1u, calls("SQLExecute", "INSERT INTO t VALUES (9)").size()) << fake_log();
    EXPECT_EQ((std::vector<std::string>{"9"}), table());
    // The prepared statement was rebuilt on the new connection: executing it again works.
    EXPECT_OK(s.execute());
    EXPECT_EQ((std::vector<std::string>{"9", "9"}), table());
}

TEST_F(RecoveryFake, LossAfterExecuteOfAWriteReplayedWhenDeclaredIdempotent) {
    Connection c;
    connect(c, "LoseAt=execute:after;ReplayWrites=idempotent;");
    Statement s(c);
    Outcome o = s.exec("DELETE FROM t");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ(2u, calls("SQLExecDirect", "DELETE FROM t").size()) << fake_log();
    expect_next_call_works(s);
}

// ---- fetch
// ----------------------------------------------------------------------------------------

TEST_F(RecoveryFake, FetchResumesAfterDeliveredRowsWithGetData) {
    Connection c;
    connect(c, "LoseAt=fetch:3;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(10)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(10)").size()) << fake_log();
    EXPECT_EQ(1u, lines_with_all(fake_log(), {" SQLFetch ", "row=3", "SQL_ERROR 08S01"}).size())
        << fake_log();
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, FetchResumesAfterDeliveredRowsWithBoundColumns) {
    fill(1, 10);
    Connection c;
    connect(c, "LoseAt=fetch:3;");
    Statement s(c);
    SQLINTEGER value = 0;
    SQLLEN indicator = 0;
    ASSERT_TRUE(
        SQL_SUCCEEDED(SQLBindCol(s.handle(), 1, SQL_C_SLONG, &value, sizeof value, &indicator)));
    ASSERT_OK(s.exec("SELECT v FROM t ORDER BY v"));
    std::vector<int> got;
    for (;;) {
        Outcome f = s.fetch();
        if (f.rc == SQL_NO_DATA) break;
        ASSERT_TRUE(f.ok()) << "after " << got.size() << " rows: " << f.describe();
        got.push_back(value);
    }
    EXPECT_EQ((std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), got);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT v FROM t ORDER BY v").size()) << fake_log();
}

TEST_F(RecoveryFake, FetchRefusedWhenTheResultChanged) {
    fill(1, 10);
    Connection c;
    connect(c, "LoseAt=fetch:3;");
    Statement s(c);
    ASSERT_OK(s.exec("SELECT v FROM t ORDER BY v"));
    std::vector<std::string> first;
    for (int i = 0; i < 2; ++i) {
        ASSERT_OK(s.fetch());
        std::optional<std::string> v;
        ASSERT_OK(s.get_text(1, v));
        first.push_back(v.value_or("NULL"));
    }
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), first);
    // Another session changes the data: read again, the result starts 0, 1, ...
    {
        Connection other;
        ASSERT_OK(other.connect(direct_cs()));
        ASSERT_OK(other.exec("INSERT INTO t VALUES (0)"));
    }
    Outcome o = s.fetch();
    expect_leading(o, "08S01", {"result changed"});
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT v FROM t ORDER BY v").size()) << fake_log();
    expect_next_call_works(s);
}

// SQLColAttribute(SQL_DESC_TYPE_NAME) of column 1, with the records it left.
Outcome type_name_of_column_1(Statement& s, std::string& name) {
    char buffer[64] = {};
    SQLSMALLINT length = 0;
    Outcome o;
    o.rc =
        SQLColAttribute(s.handle(), 1, SQL_DESC_TYPE_NAME, buffer, sizeof buffer, &length, nullptr);
    o.diags = diag_records(SQL_HANDLE_STMT, s.handle());
    name = buffer;
    return o;
}

// psqlODBC asks the server while it describes a result (SQLColAttribute of some fields), so a
// lost connection can surface there, after SQLExecDirect succeeded and before the first row.
// ReplayResumeFetch=no: the rows are not tracked, as with psqlODBC's defaults.
TEST_F(RecoveryFake, DescribingAResultAfterALossExecutesTheReadAgain) {
    Connection c;
    connect(c, "LoseAt=describe;ReplayResumeFetch=no;");
    Statement s(c);
    ASSERT_OK(s.exec("SELECT n FROM seq(4)"));
    std::string type;
    Outcome d = type_name_of_column_1(s, type);
    EXPECT_EQ(SQL_SUCCESS, d.rc) << d.describe();
    EXPECT_FALSE(type.empty());
    EXPECT_EQ(1u, lines_with_all(fake_log(), {" SQLColAttribute ", "SQL_ERROR 08S01"}).size())
        << fake_log();
    std::vector<std::string> rows;
    Outcome f = s.fetch_all(rows);
    EXPECT_EQ(SQL_NO_DATA, f.rc) << f.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(4)").size()) << fake_log();
    EXPECT_EQ(2, connects());
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, DescribingAResultAfterDeliveredRowsResumesTheRead) {
    Connection c;
    connect(c, "LoseAt=describe;");
    Statement s(c);
    ASSERT_OK(s.exec("SELECT n FROM seq(5)"));
    std::vector<std::string> rows;
    for (int i = 0; i < 2; ++i) {
        ASSERT_OK(s.fetch());
        std::optional<std::string> v;
        ASSERT_OK(s.get_text(1, v));
        rows.push_back(v.value_or("NULL"));
    }
    std::string type;
    Outcome d = type_name_of_column_1(s, type);
    EXPECT_EQ(SQL_SUCCESS, d.rc) << d.describe();
    Outcome f = s.fetch_all(rows);
    EXPECT_EQ(SQL_NO_DATA, f.rc) << f.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4", "5"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(5)").size()) << fake_log();
}

TEST_F(RecoveryFake, DescribingAResultAfterUntrackedRowsIsRefused) {
    // Rows were delivered and not tracked: executing again could not pick up where the
    // application is, so the call is refused rather than answered from a different result.
    Connection c;
    connect(c, "LoseAt=describe;ReplayResumeFetch=no;");
    Statement s(c);
    ASSERT_OK(s.exec("SELECT n FROM seq(5)"));
    ASSERT_OK(s.fetch());
    std::string type;
    Outcome d = type_name_of_column_1(s, type);
    expect_leading(d, "08S01", {"cannot be repeated"});
    EXPECT_EQ(1u, calls("SQLExecDirect", "SELECT n FROM seq(5)").size()) << fake_log();
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, ParametersResetBeforeTheResultIsReadAreKeptForItsReExecution) {
    // pyodbc's order: prepare, bind, execute, SQLFreeStmt(SQL_RESET_PARAMS) (then it frees its
    // buffers), and only then describe and fetch. Executing the read again needs the values.
    Connection c;
    connect(c, "LoseAt=describe;ReplayResumeFetch=no;");
    Statement s(c);
    ASSERT_OK(s.prepare("SELECT ?, ?, ?"));
    SQLINTEGER number = 7;  // no indicator: not NULL
    char text[16] = "seven";
    SQLLEN text_ind = 5;
    char terminated[8] = "abc";  // no indicator: NUL-terminated
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(s.handle(), 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                               SQL_INTEGER, 0, 0, &number, 0, nullptr)));
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(s.handle(), 2, SQL_PARAM_INPUT, SQL_C_CHAR,
                                               SQL_VARCHAR, 15, 0, text, sizeof text, &text_ind)));
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(s.handle(), 3, SQL_PARAM_INPUT, SQL_C_CHAR,
                                               SQL_VARCHAR, 7, 0, terminated, 0, nullptr)));
    ASSERT_OK(s.execute());
    ASSERT_TRUE(SQL_SUCCEEDED(SQLFreeStmt(s.handle(), SQL_RESET_PARAMS)));
    // The application reuses its buffers: the re-execution must not read them.
    number = -1;
    std::memcpy(text, "XXXXXXXXXXXX", 13);
    text_ind = 12;
    std::memcpy(terminated, "YYYYYYY", 8);
    std::string type;
    Outcome d = type_name_of_column_1(s, type);
    EXPECT_EQ(SQL_SUCCESS, d.rc) << d.describe();
    ASSERT_OK(s.fetch());
    std::optional<std::string> first, second, third;
    EXPECT_OK(s.get_text(1, first));
    EXPECT_OK(s.get_text(2, second));
    EXPECT_OK(s.get_text(3, third));
    EXPECT_EQ("7", first.value_or("NULL"));
    EXPECT_EQ("seven", second.value_or("NULL"));
    EXPECT_EQ("abc", third.value_or("NULL"));
    EXPECT_EQ(2u, lines_with_all(fake_log(), {" SQLExecute ", "-> SQL_SUCCESS"}).size())
        << fake_log();
    EXPECT_EQ(SQL_NO_DATA, s.fetch().rc);
    // As the application left it: no parameters bound, so executing again is the target's error.
    s.close();
    Outcome again = s.execute();
    EXPECT_EQ(SQL_ERROR, again.rc) << again.describe();
    EXPECT_FALSE(contains(again.first().message, "[odbc-retry]")) << again.describe();
}

TEST_F(RecoveryFake, FirstFetchOfAnUntrackedReadIsReplayed) {
    // Nothing delivered yet: the read is executed again even though its rows are not tracked.
    Connection c;
    connect(c, "LoseAt=fetch:1;ReplayResumeFetch=no;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(3)").size()) << fake_log();
}

TEST_F(RecoveryFake, LaterFetchOfAnUntrackedReadIsRefused) {
    Connection c;
    connect(c, "LoseAt=fetch:2;ReplayResumeFetch=no;");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    expect_leading(o, "08S01", {"cannot be repeated"});
    EXPECT_EQ((std::vector<std::string>{"1"}), rows);
    expect_next_call_works(s);
}

TEST_F(RecoveryFake, OpenResultOfAnotherStatementResumesAfterItsConnectionRecovered) {
    // Statement a is half-way through a result when statement b, on the same connection, finds
    // the loss and recovers it: a's next fetch re-reads and skips what it delivered.
    Connection c;
    connect(c);
    Statement a(c), b(c);
    ASSERT_OK(a.exec("SELECT n FROM seq(5)"));
    std::vector<std::string> rows;
    for (int i = 0; i < 2; ++i) {
        ASSERT_OK(a.fetch());
        std::optional<std::string> v;
        ASSERT_OK(a.get_text(1, v));
        rows.push_back(v.value_or("NULL"));
    }
    bump_epoch(1);
    std::vector<std::string> other;
    ASSERT_OK(b.query("SELECT n FROM seq(1)", other));
    Outcome rest = a.fetch_all(rows);
    EXPECT_EQ(SQL_NO_DATA, rest.rc) << rest.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4", "5"}), rows);
    EXPECT_EQ(2u, calls("SQLExecDirect", "SELECT n FROM seq(5)").size()) << fake_log();
}

// ---- transactions
// ---------------------------------------------------------------------------------

TEST_F(RecoveryFake, FirstStatementOfATransactionIsReplayed) {
    Connection c;
    connect(c, "LoseAt=execute:after;");
    ASSERT_OK(c.set_autocommit(false));
    Statement s(c);
    // It ran, then the loss rolled it back with the transaction: executing it again is safe.
    Outcome o = s.exec("INSERT INTO t VALUES (1)");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ(2u, calls("SQLExecDirect", "INSERT INTO t VALUES (1)").size()) << fake_log();
    ASSERT_OK(s.exec("INSERT INTO t VALUES (2)"));
    Outcome commit = c.commit();
    EXPECT_EQ(SQL_SUCCESS, commit.rc) << commit.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), table());
}

TEST_F(RecoveryFake, SecondStatementOfATransactionIsRefusedAndCommitRefused) {
    Connection c;
    connect(c, "LoseAt=execute:before:2;");
    ASSERT_OK(c.set_autocommit(false));
    Statement s(c);
    ASSERT_OK(s.exec("INSERT INTO t VALUES (1)"));
    Outcome o = s.exec("INSERT INTO t VALUES (2)");
    expect_leading(o, "08S01", {"inside a transaction", "rolled the transaction back"});
    EXPECT_EQ(1u, calls("SQLExecDirect", "INSERT INTO t VALUES (2)").size()) << fake_log();
    Outcome commit = c.commit();
    expect_leading(commit, "08S01", {"COMMIT refused"});
    EXPECT_TRUE(table().empty());
    Outcome rollback = c.rollback();
    EXPECT_EQ(SQL_SUCCESS, rollback.rc) << rollback.describe();
    // The connection is usable, still in manual-commit mode: a new transaction commits.
    ASSERT_OK(s.exec("INSERT INTO t VALUES (3)"));
    EXPECT_TRUE(table().empty());
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"3"}), table());
}

TEST_F(RecoveryFake, SecondStatementOfATransactionThenRollbackSucceeds) {
    Connection c;
    connect(c, "LoseAt=execute:after:2;");
    ASSERT_OK(c.set_autocommit(false));
    Statement s(c);
    ASSERT_OK(s.exec("INSERT INTO t VALUES (1)"));
    expect_leading(s.exec("INSERT INTO t VALUES (2)"), "08S01", {"rolled the transaction back"});
    Outcome rollback = c.rollback();
    EXPECT_EQ(SQL_SUCCESS, rollback.rc) << rollback.describe();
    EXPECT_TRUE(table().empty());
    ASSERT_OK(s.exec("INSERT INTO t VALUES (4)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"4"}), table());
}

TEST_F(RecoveryFake, FetchOfTheFirstStatementOfATransactionResumes) {
    // "while fetching ..., the statement replayable as above": the first statement of a
    // transaction is replayable.
    Connection c;
    connect(c, "LoseAt=fetch:3;");
    ASSERT_OK(c.set_autocommit(false));
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(5)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3", "4", "5"}), rows);
    EXPECT_OK(c.commit());
}

TEST_F(RecoveryFake, CommitLostBeforeApplyingHasAnUnknownOutcome) {
    Connection c;
    connect(c, "LoseAt=commit:before;");
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    Outcome commit = c.commit();
    expect_leading(commit, "08007", {"during COMMIT", "outcome of the transaction is unknown"});
    EXPECT_TRUE(table().empty());
    // The connection works, still in manual-commit mode.
    ASSERT_OK(c.exec("INSERT INTO t VALUES (2)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"2"}), table());
}

TEST_F(RecoveryFake, CommitNotSentWasRolledBack) {
    Connection c;
    connect(c, std::string("LoseAt=commit:before;") + kNotSentRecord);
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    Outcome commit = c.commit();
    expect_leading(commit, "08S01", {"rolled back"});
    EXPECT_TRUE(table().empty());
    ASSERT_OK(c.exec("INSERT INTO t VALUES (2)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"2"}), table());
}

TEST_F(RecoveryFake, CommitLostAfterApplyingHasAnUnknownOutcome) {
    Connection c;
    connect(c, "LoseAt=commit:after;");
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    Outcome commit = c.commit();
    expect_leading(commit, "08007", {"outcome of the transaction is unknown"});
    EXPECT_EQ((std::vector<std::string>{"1"}), table());  // it was committed after all
    // The COMMIT is not repeated, and the next transaction starts empty.
    EXPECT_EQ(1u, lines_with_all(fake_log(), {" SQLEndTran ", "SQL_ERROR"}).size()) << fake_log();
    ASSERT_OK(c.exec("INSERT INTO t VALUES (2)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), table());
}

TEST_F(RecoveryFake, RollbackAfterALossSucceeds) {
    Connection c;
    connect(c);
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    bump_epoch(1);
    Outcome rollback = c.rollback();
    EXPECT_EQ(SQL_SUCCESS, rollback.rc) << rollback.describe();
    EXPECT_TRUE(table().empty());
    ASSERT_OK(c.exec("INSERT INTO t VALUES (2)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"2"}), table());
}

TEST_F(RecoveryFake, CommitAfterAnIdleLossIsNeverAFalseSuccess) {
    // The server restarted between the last statement and COMMIT; the COMMIT finds the loss.
    Connection c;
    connect(c);
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    bump_epoch(1);
    Outcome commit = c.commit();
    EXPECT_EQ(SQL_ERROR, commit.rc) << commit.describe();
    if (SQL_SUCCEEDED(commit.rc)) {
        EXPECT_EQ((std::vector<std::string>{"1"}), table()) << "COMMIT acknowledged, row missing";
    }
    EXPECT_TRUE(table().empty());
    EXPECT_TRUE(commit.first().state == "08007" || commit.first().state == "08S01")
        << commit.describe();
}

// ---- idle losses, validation, other connections
// -----------------------------------------------------

TEST_F(RecoveryFake, TargetDriverFamilyComesFromTheDriverNotFromOdbcIni) {
    // With TargetDriver (no TargetDSN) the family must be the target's own: the fake is a
    // generic driver, whatever DSN happens to come first in odbc.ini.
    Connection c;
    connect(c);
    bump_epoch(1);
    EXPECT_EQ("1", c.scalar("SELECT 1"));
    auto lines = lines_with(retry_log(), "recovered connection to driver ODBC Fake");
    ASSERT_EQ(1u, lines.size()) << retry_log();
    EXPECT_TRUE(contains(lines[0], "(generic://")) << lines[0];
}

TEST_F(RecoveryFake, IdleLossIsInvisibleToTheNextRead) {
    Connection c;
    connect(c);
    Statement s(c);
    std::vector<std::string> rows;
    ASSERT_OK(s.query("SELECT n FROM seq(2)", rows));
    bump_epoch(1);
    rows.clear();
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_TRUE(o.diags.empty()) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    EXPECT_EQ(2, connects());
    EXPECT_EQ(std::optional<bool>(false), c.dead());
}

TEST_F(RecoveryFake, IdleLossWithAPassiveDeadCheckIsInvisibleToTheNextRead) {
    Connection c;
    connect(c, "DeadCheck=passive;");
    EXPECT_EQ("1", c.scalar("SELECT 1"));
    bump_epoch(1);
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    EXPECT_EQ(2, connects());
}

TEST_F(RecoveryFake, OtherConnectionsAreValidatedBeforeTheirNextUse) {
    // A restart seen by one connection: the other recovers before its next call, so even a
    // write runs there with nothing seen.
    Connection a, b;
    connect(a);
    connect(b);
    bump_epoch(1);
    EXPECT_EQ("1", b.scalar("SELECT 1"));  // finds the loss, recovers, replays
    Outcome o = a.exec("INSERT INTO t VALUES (5)");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"5"}), table());
    EXPECT_EQ(1u, calls("SQLExecDirect", "INSERT INTO t VALUES (5)").size()) << fake_log();
    EXPECT_EQ(4, connects());
}

TEST_F(RecoveryFake, OtherConnectionsAreValidatedWithTheProbeQuery) {
    // A target with a passive dead check (like psqlODBC) is validated by ProbeQuery.
    Connection a, b;
    connect(a, "DeadCheck=passive;ProbeQuery=SELECT 1;");
    connect(b, "DeadCheck=passive;ProbeQuery=SELECT 1;");
    bump_epoch(1);
    EXPECT_EQ("1", b.scalar("SELECT 1"));
    Outcome o = a.exec("INSERT INTO t VALUES (5)");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"5"}), table());
    EXPECT_EQ(1u, calls("SQLExecDirect", "INSERT INTO t VALUES (5)").size()) << fake_log();
}

TEST_F(RecoveryFake, AStatementThatCannotBeAllocatedOnTheNewConnectionTriesAgain) {
    // The connection is recovered, but the target cannot allocate this statement's new handle:
    // that call fails 08S01, and the statement stays out of date (never current with a null
    // handle), so the next call rebuilds it and works.
    Connection c;
    connect(c);
    Statement s(c);
    ASSERT_OK(s.prepare("SELECT n FROM seq(2)"));
    bump_epoch(1);
    EXPECT_EQ("1", c.scalar("SELECT 1"));  // finds the loss, recovers
    replace_file(control_, "epoch=1\nfail_alloc_stmt=1:HY001:0:[Fake]out of memory\n");
    Outcome first = s.execute();
    expect_leading(first, "08S01", {"could not be rebuilt"});
    s.close();
    Outcome second = s.execute();
    EXPECT_TRUE(second.ok()) << second.describe();
    std::vector<std::string> rows;
    EXPECT_OK(s.fetch_all(rows));
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), rows);
}

TEST_F(RecoveryFake, ALostConnectionIsFreedOnceNoStatementRefersToIt) {
    // Not kept until SQLDisconnect: a long-lived connection lost again and again would hold
    // every lost target connection.
    Connection c;
    connect(c);
    Statement s(c);
    std::vector<std::string> rows;
    ASSERT_OK(s.query("SELECT n FROM seq(1)", rows));
    s.close();
    for (int epoch = 1; epoch <= 3; ++epoch) {
        bump_epoch(epoch);
        rows.clear();
        ASSERT_OK(s.query("SELECT n FROM seq(1)", rows));  // recovers, rebuilds s
        s.close();
    }
    // The three lost connections are gone while c is still connected.
    EXPECT_EQ(3u, lines_with(fake_log(), " SQLDisconnect ").size()) << fake_log();
}

TEST_F(RecoveryFake, TheProbeIsBoundedByTheDeadline) {
    // A server that stops answering must not hold the driver manager's dead check (and this
    // connection's recovery lock) for longer than RetryDeadline: the probe that does not answer
    // in time finds the connection dead.
    Connection a, b;
    connect(a, "DeadCheck=passive;ProbeQuery=SELECT 1;RetryDeadline=2s;");
    connect(b, "DeadCheck=passive;ProbeQuery=SELECT 1;LoseAt=execute:before;");
    EXPECT_EQ("1", b.scalar("SELECT 1"));  // lost and recovered: a must be validated
    replace_file(control_, "execute_delay_ms=30000\n");
    auto t0 = std::chrono::steady_clock::now();
    std::optional<bool> dead = a.dead();
    auto elapsed = std::chrono::steady_clock::now() - t0;
    replace_file(control_, "");
    EXPECT_EQ(std::optional<bool>(true), dead);
    EXPECT_LT(elapsed, std::chrono::seconds(10)) << "the dead check waited for the server";
}

// Disabled: known bug. The fake driver's dead check is passive and odbc-retry has no probe query
// for an unknown driver family, so validation does not find the loss; the statement then fails on
// the target and should be refused as inside a transaction, but returns SQL_SUCCESS. Tracked in the
// issue note.
TEST_F(RecoveryFake, ValidationThatFindsALostTransactionReportsIt) {
    // Connection a is inside a transaction when the server restarts; b notices first. a's next
    // statement must not quietly start a new transaction on the new connection: the contract's
    // "inside a transaction with earlier statements" row applies.
    Connection a, b;
    connect(a);
    connect(b);
    ASSERT_OK(a.set_autocommit(false));
    ASSERT_OK(a.exec("INSERT INTO t VALUES (1)"));
    bump_epoch(1);
    EXPECT_EQ("1", b.scalar("SELECT 1"));
    Outcome second = a.exec("INSERT INTO t VALUES (2)");
    expect_leading(second, "08S01", {"inside a transaction"});
    Outcome commit = a.commit();
    EXPECT_EQ(SQL_ERROR, commit.rc) << commit.describe();
    EXPECT_OK(a.rollback());
    // Whatever was said above, the next transaction holds only its own rows.
    ASSERT_OK(a.exec("INSERT INTO t VALUES (3)"));
    EXPECT_OK(a.commit());
    EXPECT_EQ((std::vector<std::string>{"3"}), table());
}

TEST_F(RecoveryFake, ValidationBeforeCommitIsNeverAFalseSuccess) {
    // As above, but a's next call is the COMMIT itself.
    Connection a, b;
    connect(a);
    connect(b);
    ASSERT_OK(a.set_autocommit(false));
    ASSERT_OK(a.exec("INSERT INTO t VALUES (1)"));
    bump_epoch(1);
    EXPECT_EQ("1", b.scalar("SELECT 1"));
    Outcome commit = a.commit();
    EXPECT_EQ(SQL_ERROR, commit.rc)
        << "COMMIT after the server rolled the transaction back: " << commit.describe();
    if (SQL_SUCCEEDED(commit.rc)) {
        EXPECT_EQ((std::vector<std::string>{"1"}), table()) << "false COMMIT acknowledgement";
    }
}

TEST_F(RecoveryFake, WorkAfterARefusedTransactionIsNotCommittedLater) {
    // The application ignores the refusal and goes on; its COMMIT is refused ("nothing of it was
    // committed"). What it did after the loss must not be committed by a later COMMIT either.
    Connection c;
    connect(c, "LoseAt=execute:before:2;");
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    expect_leading(c.exec("INSERT INTO t VALUES (2)"), "08S01", {"inside a transaction"});
    ASSERT_OK(c.exec("INSERT INTO t VALUES (3)"));
    expect_leading(c.commit(), "08S01", {"COMMIT refused", "nothing of it was committed"});
    // The application starts the transaction again, as the message says.
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (2)"));
    EXPECT_OK(c.commit());
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), table());
}

TEST_F(RecoveryFake, RecoveryRetriesTheReconnect) {
    // The server refuses the first reconnects (it is still starting): the recovery waits them
    // out within the retry policy and the application sees nothing.
    Connection c;
    connect(c, "LoseAt=execute:before;");
    replace_file(
        control_,
        "fail_connect=2:08001:101:[Fake]could not connect to server: Connection refused\n");
    Statement s(c);
    std::vector<std::string> rows;
    Outcome o = s.query("SELECT n FROM seq(3)", rows);
    EXPECT_EQ(SQL_NO_DATA, o.rc) << o.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2", "3"}), rows);
    EXPECT_TRUE(contains(read_file(control_), "fail_connect=0:")) << read_file(control_);
    EXPECT_EQ(2u, lines_with_all(fake_log(), {" SQLDriverConnect ", "SQL_ERROR 08001"}).size())
        << fake_log();
    EXPECT_EQ(std::optional<bool>(false), c.dead());
}

TEST_F(RecoveryFake, EditedDescriptorRefusesReplay) {
    // An explicit descriptor's contents are not journaled: the statement cannot be rebuilt as it
    // was, so even a read is not replayed.
    Connection c;
    connect(c, "LoseAt=execute:before;");
    Statement s(c);
    SQLHDESC desc = SQL_NULL_HDESC;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DESC, c.handle(), &desc)));
    ASSERT_TRUE(SQL_SUCCEEDED(SQLSetStmtAttr(s.handle(), SQL_ATTR_APP_ROW_DESC, desc, 0)))
        << to_string(diag_records(SQL_HANDLE_STMT, s.handle()));
    Outcome o = s.exec("SELECT n FROM seq(2)");
    expect_leading(o, "08S01", {"cannot be rebuilt"});
    EXPECT_EQ(1u, calls("SQLExecDirect", "SELECT n FROM seq(2)").size()) << fake_log();
    // The connection works; a statement without the descriptor too.
    EXPECT_EQ("1", c.scalar("SELECT 1"));
    SQLFreeHandle(SQL_HANDLE_DESC, desc);
}

// ---- SQL_ATTR_CONNECTION_DEAD
// ------------------------------------------------------------------------

TEST_F(RecoveryFake, ConnectionDeadWhileLostAndAliveAfterRecovery) {
    Connection c;
    connect(c, "LoseAt=execute:before;RetryMaxAttempts=3;RetryDeadline=2s;");
    EXPECT_EQ(std::optional<bool>(false), c.dead());
    Statement s(c);
    replace_file(control_, "down=1\n");  // reconnects are refused from now on
    Outcome o = s.exec("SELECT n FROM seq(2)");
    expect_leading(o, "08S01", {"could not be recovered"});
    EXPECT_EQ(std::optional<bool>(true), c.dead());
    // Asking again does not revive it, and a call while the server is down fails the same way.
    EXPECT_EQ(std::optional<bool>(true), c.dead());
    Outcome again = s.exec("SELECT n FROM seq(2)");
    expect_leading(again, "08S01", {"could not be recovered"});
    EXPECT_EQ(std::optional<bool>(true), c.dead());
    replace_file(control_, "down=0\n");
    std::vector<std::string> rows;
    s.close();
    Outcome after = s.query("SELECT n FROM seq(2)", rows);
    EXPECT_TRUE(after.ok()) << after.describe();
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), rows);
    EXPECT_EQ(std::optional<bool>(false), c.dead());
}

TEST_F(RecoveryFake, ConnectionDeadAfterAFailedRecoveryOfAnIdleConnection) {
    Connection c;
    connect(c, "RetryMaxAttempts=2;RetryDeadline=2s;");
    replace_file(control_, "epoch=1\ndown=1\n");
    Outcome o = c.exec("SELECT 1");
    EXPECT_EQ(SQL_ERROR, o.rc) << o.describe();
    EXPECT_EQ(std::optional<bool>(true), c.dead());
    replace_file(control_, "epoch=1\ndown=0\n");
    EXPECT_EQ("1", c.scalar("SELECT 1"));
    EXPECT_EQ(std::optional<bool>(false), c.dead());
}

// ---- what is restored
// ------------------------------------------------------------------------------

TEST_F(RecoveryFake, BoundParametersSurviveRecovery) {
    // The record of the first call after the restart says the request was not sent (as
    // MariaDB's 5014 "Write error" after an idle kill): the write is executed again.
    Connection c;
    connect(c, kNotSentRecord);
    Statement s(c);
    ASSERT_OK(s.prepare("INSERT INTO t VALUES (?)"));
    SQLINTEGER value = 41;
    SQLLEN indicator = 0;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(s.handle(), 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                               SQL_INTEGER, 0, 0, &value, 0, &indicator)));
    ASSERT_OK(s.execute());
    bump_epoch(1);
    value = 42;  // the bound buffer, read at execute: the new value must be used
    Outcome o = s.execute();
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    auto runs = lines_with_all(fake_log(), {" SQLExecute ", "params=[42]", "-> SQL_SUCCESS"});
    ASSERT_EQ(1u, runs.size()) << fake_log();
    auto first = lines_with_all(fake_log(), {" SQLExecute ", "params=[41]", "-> SQL_SUCCESS"});
    ASSERT_EQ(1u, first.size()) << fake_log();
    EXPECT_NE(first[0].substr(first[0].find("dbc=")), runs[0].substr(runs[0].find("dbc=")))
        << "the second execution ran on a new connection";
    EXPECT_EQ((std::vector<std::string>{"41", "42"}), table());
    value = 43;
    EXPECT_OK(s.execute());
    EXPECT_EQ((std::vector<std::string>{"41", "42", "43"}), table());
}

TEST_F(RecoveryFake, ReplayedExecutionUsesTheBoundBuffer) {
    Connection c;
    connect(c, std::string("LoseAt=execute:before:2;") + kNotSentRecord);
    Statement s(c);
    ASSERT_OK(s.prepare("INSERT INTO t VALUES (?)"));
    SQLINTEGER value = 1;
    SQLLEN indicator = 0;
    ASSERT_TRUE(SQL_SUCCEEDED(SQLBindParameter(s.handle(), 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                               SQL_INTEGER, 0, 0, &value, 0, &indicator)));
    ASSERT_OK(s.execute());
    value = 2;
    Outcome o = s.execute();  // lost before it ran, the target says not sent: replayed
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ(1u,
              lines_with_all(fake_log(), {" SQLExecute ", "params=[2]", "-> SQL_SUCCESS"}).size())
        << fake_log();
    EXPECT_EQ((std::vector<std::string>{"1", "2"}), table());
}

TEST_F(RecoveryFake, BoundColumnsSurviveRecovery) {
    Connection c;
    connect(c);
    Statement s(c);
    SQLINTEGER value = 0;
    SQLLEN indicator = 0;
    ASSERT_TRUE(
        SQL_SUCCEEDED(SQLBindCol(s.handle(), 1, SQL_C_SLONG, &value, sizeof value, &indicator)));
    auto read_all = [&](const std::string& sql) {
        std::vector<int> got;
        Outcome o = s.exec(sql);
        EXPECT_TRUE(o.ok()) << o.describe();
        while (s.fetch().rc == SQL_SUCCESS) got.push_back(value);
        s.close();
        return got;
    };
    EXPECT_EQ((std::vector<int>{1, 2, 3}), read_all("SELECT n FROM seq(3)"));
    bump_epoch(1);
    value = -1;
    EXPECT_EQ((std::vector<int>{1, 2, 3, 4}), read_all("SELECT n FROM seq(4)"));
    EXPECT_EQ(2, connects());
}

TEST_F(RecoveryFake, StatementAttributesAreReapplied) {
    Connection c;
    connect(c);
    Statement s(c);
    ASSERT_OK(s.set_attr(SQL_ATTR_MAX_ROWS, 7));
    ASSERT_OK(s.set_attr(SQL_ATTR_QUERY_TIMEOUT, 5));
    ASSERT_OK(s.exec("SELECT 1"));
    s.close();
    bump_epoch(1);
    Outcome o = s.exec("SELECT 2");
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ(std::optional<SQLULEN>(7), s.get_attr(SQL_ATTR_MAX_ROWS));
    EXPECT_EQ(std::optional<SQLULEN>(5), s.get_attr(SQL_ATTR_QUERY_TIMEOUT));
    // Set on the target twice: by the application, then by the rebuild on the new connection.
    EXPECT_EQ(2u, lines_with_all(fake_log(), {" SQLSetStmtAttr ", "attr=1 ", "value=7 "}).size())
        << fake_log();
    EXPECT_EQ(2u, lines_with_all(fake_log(), {" SQLSetStmtAttr ", "attr=0 ", "value=5 "}).size())
        << fake_log();
}

TEST_F(RecoveryFake, ConnectionAttributesAreReapplied) {
    Connection c;
    connect(c);
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.set_attr(SQL_ATTR_TXN_ISOLATION, SQL_TXN_SERIALIZABLE));
    ASSERT_OK(c.exec("INSERT INTO t VALUES (1)"));
    ASSERT_OK(c.commit());
    bump_epoch(1);
    Outcome o = c.exec("INSERT INTO t VALUES (2)");  // the first statement of a new transaction
    EXPECT_EQ(SQL_SUCCESS, o.rc) << o.describe();
    EXPECT_EQ(2, connects());
    EXPECT_EQ(std::optional<SQLULEN>(SQL_AUTOCOMMIT_OFF), c.get_attr(SQL_ATTR_AUTOCOMMIT));
    EXPECT_EQ(std::optional<SQLULEN>(SQL_TXN_SERIALIZABLE), c.get_attr(SQL_ATTR_TXN_ISOLATION));
    // Autocommit really is off on the new connection: the row is pending until COMMIT.
    EXPECT_EQ((std::vector<std::string>{"1"}), table());
    ASSERT_OK(c.rollback());
    EXPECT_EQ((std::vector<std::string>{"1"}), table());
}

TEST_F(RecoveryFake, SessionInitSqlRunsAfterConnectAndAfterRecovery) {
    Connection c;
    connect(c, "SessionInitSQL={SET app = 'init';;SET region = 'eu'};");
    EXPECT_EQ("init", c.scalar("SHOW app"));
    EXPECT_EQ("eu", c.scalar("SHOW region"));
    bump_epoch(1);
    EXPECT_EQ("init", c.scalar("SHOW app"));
    EXPECT_EQ("eu", c.scalar("SHOW region"));
    auto runs = calls("SQLExecDirect", "SET app = 'init'");
    ASSERT_EQ(2u, runs.size()) << fake_log();
    EXPECT_NE(runs[0].substr(runs[0].find("dbc=")), runs[1].substr(runs[1].find("dbc=")));
}

TEST_F(RecoveryFake, SetInAutocommitIsReplayedAfterRecovery) {
    Connection c;
    connect(c);
    ASSERT_OK(c.exec("SET colour = 'blue'"));
    ASSERT_OK(c.exec("SET colour = 'green'"));
    ASSERT_OK(c.exec("SET size = 3"));
    EXPECT_EQ("green", c.scalar("SHOW colour"));
    bump_epoch(1);
    EXPECT_EQ("green", c.scalar("SHOW colour"));
    EXPECT_EQ("3", c.scalar("SHOW size"));
    EXPECT_EQ(2, connects());
}

TEST_F(RecoveryFake, SessionIsRestoredInOrderAndAutocommitLast) {
    // Attributes and SETs go back in the order the application made them; the transaction mode
    // last, so that no driver wraps the SETs in a transaction the next ROLLBACK undoes.
    Connection c;
    connect(c);
    ASSERT_OK(c.set_autocommit(false));
    ASSERT_OK(c.exec("SET colour = 'red'"));
    ASSERT_OK(c.set_attr(SQL_ATTR_TXN_ISOLATION, SQL_TXN_SERIALIZABLE));
    ASSERT_OK(c.exec("SET size = 3"));
    ASSERT_OK(c.commit());
    bump_epoch(1);
    EXPECT_EQ("red", c.scalar("SHOW colour"));
    std::vector<std::string> restore;
    for (const auto& line : lines_with(fake_log(), " dbc=2 "))
        if (contains(line, "SET colour") || contains(line, "SET size") ||
            contains(line, "SQL_ATTR_TXN_ISOLATION value") ||
            contains(line, "SQLSetConnectAttr dbc=2 attr=SQL_ATTR_AUTOCOMMIT"))
            restore.push_back(line);
    ASSERT_EQ(4u, restore.size()) << join(restore) << fake_log();
    EXPECT_TRUE(contains(restore[0], "SET colour")) << join(restore);
    EXPECT_TRUE(contains(restore[1], "SQL_ATTR_TXN_ISOLATION")) << join(restore);
    EXPECT_TRUE(contains(restore[2], "SET size")) << join(restore);
    EXPECT_TRUE(contains(restore[3], "SQL_ATTR_AUTOCOMMIT")) << join(restore);
    ASSERT_OK(c.rollback());
}

TEST_F(RecoveryFake, SessionIsRestoredBeforeAReplayedRead) {
    // The replayed statement itself must see the restored session.
    Connection c;
    connect(c, "LoseAt=execute:before;FaultMatch=SHOW;SessionInitSQL={SET app = 'init'};");
    ASSERT_OK(c.exec("SET colour = 'red'"));
    EXPECT_EQ("red", c.scalar("SHOW colour"));
    EXPECT_EQ("init", c.scalar("SHOW app"));
    EXPECT_EQ(2, connects());
}

}  // namespace
}  // namespace ort_recovery
