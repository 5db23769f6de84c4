// SPDX-License-Identifier: Apache-2.0
// Classification of what the real drivers report. The texts are the measured ones of
// shared driver-errors.md (psqlODBC 13.02, MariaDB Connector/ODBC 3.1.15, sqliteodbc 0.9998,
// FreeTDS 1.3.17); "…" in that document is filled in with libpq's usual wording.
#include <gtest/gtest.h>

#include <deque>
#include <initializer_list>
#include <vector>

#include "shim/retry/classifier.h"

namespace odbcretry {
namespace {

using C = ErrorClass;

struct Case {
    const char* what;
    Phase phase;
    std::vector<Failure> records;
    ErrorClass expected;
};

Classifier::Verdict run(DriverFamily family, Phase phase, std::vector<Failure> records,
                        std::optional<bool> dead = std::nullopt) {
    static const Classifier classifiers[] = {
        Classifier(DriverFamily::Postgres), Classifier(DriverFamily::MySql),
        Classifier(DriverFamily::Sqlite), Classifier(DriverFamily::SqlServer),
        Classifier(DriverFamily::Generic)};
    return classifiers[static_cast<int>(family)].classify(records, phase, dead);
}

void expect_cases(DriverFamily family, const std::vector<Case>& cases) {
    for (const Case& c : cases) {
        Classifier::Verdict v = run(family, c.phase, c.records);
        EXPECT_EQ(to_string(v.cls), to_string(c.expected))
            << to_string(family) << " / " << c.what << " (rule: " << v.rule_name << ")";
    }
}

// psqlODBC: connect failures are all 08001/101.
const std::string kPgPrefix = "connection to server at \"127.0.0.1\", port 55432 failed: ";
Failure pg_connect(const std::string& text) {
    static std::deque<std::string> keep;  // the Failure holds views; a deque never moves them
    keep.push_back(kPgPrefix + text);
    return Failure{"08001", 101, keep.back()};
}

TEST(ClassifierPostgres, ConnectFailuresAreClassifiedByText) {
    const Phase P = Phase::Connect;
    expect_cases(
        DriverFamily::Postgres,
        {
            {"port closed",
             P,
             {pg_connect("Connection refused\n\tIs the server running on that host and accepting "
                         "TCP/IP connections?\n")},
             C::Transient},
            {"silent peer, login timeout", P, {pg_connect("timeout expired")}, C::Transient},
            {"wrong password",
             P,
             {pg_connect("FATAL:  password authentication failed for user \"odbc\"\n")},
             C::Fatal},
            {"no such database",
             P,
             {pg_connect("FATAL:  database \"nosuchdb\" does not exist\n")},
             C::Fatal},
            {"no pg_hba entry",
             P,
             {pg_connect("FATAL:  no pg_hba.conf entry for host \"10.0.0.1\", user \"odbc\", "
                         "database \"odbcretry\", no encryption\n")},
             C::Fatal},
            {"role may not log in",
             P,
             {pg_connect("FATAL:  role \"odbc\" is not permitted to log in\n")},
             C::Fatal},
            {"too many clients",
             P,
             {pg_connect("FATAL:  sorry, too many clients already\n")},
             C::Transient},
            {"reserved slots",
             P,
             {pg_connect("FATAL:  remaining connection slots are reserved for non-replication "
                         "superuser connections\n")},
             C::Transient},
            {"role connection limit",
             P,
             {pg_connect("FATAL:  too many connections for role \"odbc\"\n")},
             C::Transient},
            {"starting up",
             P,
             {pg_connect("FATAL:  the database system is starting up\n")},
             C::Transient},
            {"consistent recovery state not reached",
             P,
             {pg_connect("FATAL:  the database system is not yet accepting connections\nDETAIL:  "
                         "Consistent recovery state has not been yet reached.\n")},
             C::Transient},
            {"recovery mode after a crash",
             P,
             {pg_connect("FATAL:  the database system is in recovery mode\n")},
             C::Transient},
            {"shutting down",
             P,
             {pg_connect("FATAL:  the database system is shutting down\n")},
             C::Transient},
            {"hot standby disabled",
             P,
             {pg_connect("FATAL:  the database system is not accepting connections\nDETAIL:  Hot "
                         "standby mode is disabled.\n")},
             C::Transient},
            {"closed during shutdown",
             P,
             {pg_connect(
                 "server closed the connection unexpectedly\n\tThis probably means the "
                 "server terminated abnormally\n\tbefore or while processing the request.\n")},
             C::Transient},
            {"unix socket missing",
             P,
             {Failure{"08001", 101,
                      "connection to server on socket \"/run/postgresql/.s.PGSQL.5432\" failed: No "
                      "such file or directory\n\tIs the server running locally and accepting "
                      "connections on that socket?\n"}},
             C::Transient},
            {"older libpq wording",
             P,
             {Failure{"08001", 101, "could not connect to server: Connection refused"}},
             C::Transient},
        });
}

TEST(ClassifierPostgres, UnrecognisedConnectTextIsFatalNotGenericTransient) {
    Classifier::Verdict v =
        run(DriverFamily::Postgres, Phase::Connect,
            {pg_connect("could not translate host name \"nohost\" to address: Name or service not "
                        "known\n")});
    EXPECT_EQ(v.cls, C::Fatal);
    ASSERT_NE(v.rule, nullptr);
    EXPECT_EQ(v.rule_name, "postgres: unrecognised connect failure (08001)");
}

TEST(ClassifierPostgres, EstablishedConnectionFailures) {
    const Phase S = Phase::Statement;
    expect_cases(DriverFamily::Postgres,
                 {
                     {"(d) admin command, 1st statement",
                      S,
                      {{"57P01", 35,
                        "FATAL: terminating connection due to administrator command;\nThe "
                        "connection has been lost"}},
                      C::ConnectionLost},
                     {"(d) immediate shutdown",
                      S,
                      {{"57P01", 35,
                        "server closed the connection unexpectedly\n\tThis probably means the "
                        "server terminated abnormally\n\tbefore or while processing the "
                        "request.\n;\nThe connection has been lost"}},
                      C::ConnectionLost},
                     {"(d) prepared path reports HY000/1",
                      S,
                      {{"HY000", 1,
                        "FATAL:  terminating connection due to administrator command\nserver "
                        "closed the connection unexpectedly\n\tThis probably means the server "
                        "terminated abnormally\n\tbefore or while processing the request.\n;\n"
                        "Error while preparing parameters"}},
                      C::ConnectionLost},
                     {"(d) next statement, ExecDirect",
                      S,
                      {{"08S01", 35, "SQLExecDirect unable due to the connection lost"}},
                      C::ConnectionLost},
                     {"(d) next statement, Prepare",
                      S,
                      {{"08S01", 35, "SQLPrepare unable due to the connection lost"}},
                      C::ConnectionLost},
                     {"(e) backend SIGKILL",
                      S,
                      {{"08S01", 35,
                        "server closed the connection unexpectedly\n\tThis probably means the "
                        "server terminated abnormally\n\tbefore or while processing the "
                        "request.\n"}},
                      C::ConnectionLost},
                     {"(e) other sessions after a crash",
                      S,
                      {{"57P02", 35,
                        "server closed the connection unexpectedly\n\tThis probably means the "
                        "server terminated abnormally\n\tbefore or while processing the "
                        "request.\n"}},
                      C::ConnectionLost},
                     {"(e) cancel",
                      S,
                      {{"57014", 1,
                        "ERROR: canceling statement due to user request;\nError while executing "
                        "the query"}},
                      C::Timeout},
                     {"idle in transaction timeout",
                      S,
                      {{"25P03", 35,
                        "FATAL: terminating connection due to idle-in-transaction timeout;\nThe "
                        "connection has been lost"}},
                      C::ConnectionLost},
                     {"(g) deadlock",
                      S,
                      {{"40P01", 1,
                        "ERROR: deadlock detected\nDETAIL: Process 4242 waits for ShareLock on "
                        "transaction 777;\nError while executing the query"}},
                      C::RolledBack},
                     {"lock timeout",
                      S,
                      {{"55P03", 1,
                        "ERROR: canceling statement due to lock timeout;\nError while executing "
                        "the query"}},
                      C::Fatal},
                     {"(h) serialization failure",
                      S,
                      {{"40001", 1,
                        "ERROR: could not serialize access due to concurrent update;\nError "
                        "while executing the query"}},
                      C::RolledBack},
                     {"(i) statement timeout",
                      S,
                      {{"57014", 1,
                        "ERROR: canceling statement due to statement timeout;\nError while "
                        "executing the query"}},
                      C::Timeout},
                     {"aborted transaction",
                      S,
                      {{"25P02", 1,
                        "ERROR: current transaction is aborted, commands ignored until end of "
                        "transaction block"}},
                      C::Fatal},
                     {"HYT00 query timeout", S, {{"HYT00", 0, "Timeout expired"}}, C::Timeout},
                     {"HYT01", S, {{"HYT01", 0, "Connection timeout expired"}}, C::Transient},
                 });
}

TEST(ClassifierPostgres, CommitFailures) {
    const Phase K = Phase::Commit;
    expect_cases(
        DriverFamily::Postgres,
        {
            {"(f) restarted in open transaction",
             K,
             {{"57P01", 108, "FATAL: terminating connection due to administrator command"}},
             C::ConnectionLost},
            {"(h) serialization failure at commit",
             K,
             {{"40001", 110,
               "ERROR: could not serialize access due to read/write "
               "dependencies among transactions\nDETAIL: Reason code: "
               "Canceled on identification as a pivot, during commit "
               "attempt."}},
             C::RolledBack},
        });
}

TEST(ClassifierPostgres, SqlstatesWhileConnecting) {
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect, {{"57P03", 0, "cannot connect now"}}).cls,
              C::Transient);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect, {{"57P01", 0, "shutdown"}}).cls,
              C::Transient);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect, {{"53300", 0, "x"}}).cls, C::Transient);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect, {{"28P01", 0, "x"}}).cls, C::Fatal);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect, {{"3D000", 0, "x"}}).cls, C::Fatal);
}

const char* kMa = "[ma-3.1.15][10.11.19-MariaDB-0+deb12u1]";
std::string ma(const char* text) {
    return std::string(kMa) + text;
}

TEST(ClassifierMySql, ConnectFailures) {
    const Phase P = Phase::Connect;
    expect_cases(
        DriverFamily::MySql,
        {
            {"(a) port closed",
             P,
             {{"HY000", 2002, "[ma-3.1.15]Can't connect to server on '127.0.0.1' (115)"}},
             C::Transient},
            {"(a) socket",
             P,
             {{"HY000", 2002,
               "[ma-3.1.15]Can't connect to local server through socket '/run/mysqld/x.sock' (2)"}},
             C::Transient},
            {"(a') handshake lost with CONN_TIMEOUT",
             P,
             {{"08S01", 2013,
               "[ma-3.1.15]Lost connection to server at 'handshake: reading initial "
               "communication packet', system error: 110"}},
             C::Transient},
            {"(b) wrong password",
             P,
             {{"28000", 1045,
               "[ma-3.1.15]Access denied for user 'odbc'@'127.0.0.1' (using password: YES)"}},
             C::Fatal},
            {"(c) unknown database", P, {{"42000", 1049, "Unknown database 'nosuchdb'"}}, C::Fatal},
            {"(c) no access to database",
             P,
             {{"42000", 1044, "Access denied for user 'odbc'@'%' to database 'nosuchdb'"}},
             C::Fatal},
            {"(j) too many connections",
             P,
             {{"08004", 1040, "[ma-3.1.15]Too many connections"}},
             C::Transient},
            {"(j) per-user limit",
             P,
             {{"42000", 1226,
               "User 'odbc' has exceeded the 'max_user_connections' resource "
               "(current value: 1)"}},
             C::Transient},
            {"unknown host",
             P,
             {{"HY000", 2005, "[ma-3.1.15]Unknown server host 'nohost' (-2)"}},
             C::Fatal},
        });
}

TEST(ClassifierMySql, EstablishedFailures) {
    const Phase S = Phase::Statement;
    const std::string broken = ma("Write error: Broken pipe (32)");
    const std::string reset = ma("Write error: Connection reset by peer (104)");
    const std::string gone = ma("Server has gone away");
    const std::string lost = ma("Lost connection to server during query");
    const std::string interrupted = ma("Query execution was interrupted");
    const std::string deadlock =
        ma("Deadlock found when trying to get lock; try restarting transaction");
    const std::string lock_wait = ma("Lock wait timeout exceeded; try restarting transaction");
    const std::string max_time =
        ma("Query execution was interrupted (max_statement_time exceeded)");
    expect_cases(DriverFamily::MySql,
                 {
                     {"(d) killed, 1st statement", S, {{"HY000", 5014, broken}}, C::ConnectionLost},
                     {"(d) idle-timeout kill", S, {{"HY000", 5014, reset}}, C::ConnectionLost},
                     {"(d) prepare path", S, {{"08S01", 2006, gone}}, C::ConnectionLost},
                     {"(d) via pyodbc", S, {{"08S01", 2013, lost}}, C::ConnectionLost},
                     {"(d) new statement handle",
                      S,
                      {{"08003", 0, "[ma-3.1.15]Connection not open"}},
                      C::ConnectionLost},
                     {"(e) killed while running", S, {{"08S01", 2013, lost}}, C::ConnectionLost},
                     {"(e) cancel", S, {{"HY018", 1317, interrupted}}, C::Timeout},
                     {"(g) deadlock", S, {{"40001", 1213, deadlock}}, C::RolledBack},
                     {"lock wait timeout", S, {{"HY000", 1205, lock_wait}}, C::Fatal},
                     {"(i) max_statement_time", S, {{"HY018", 1969, max_time}}, C::Timeout},
                     {"(i) READ_TIMEOUT", S, {{"08S01", 2013, lost}}, C::ConnectionLost},
                     {"gone away text alone",
                      S,
                      {{"HY000", 0, "MySQL server has gone away"}},
                      C::ConnectionLost},
                 });
}

TEST(ClassifierMySql, CommitFailures) {
    expect_cases(DriverFamily::MySql,
                 {
                     {"(f) gone away at commit",
                      Phase::Commit,
                      {{"08S01", 2006, "[ma-3.1.15]Server has gone away"}},
                      C::ConnectionLost},
                     {"(f) after KILL",
                      Phase::Commit,
                      {{"08S01", 2013, ma("Lost connection to server during query")}},
                      C::ConnectionLost},
                 });
}

TEST(ClassifierMySql, LockWaitTimeoutIsAnExplicitFatalRule) {
    Classifier::Verdict v =
        run(DriverFamily::MySql, Phase::Statement,
            {{"HY000", 1205, ma("Lock wait timeout exceeded; try restarting transaction")}});
    EXPECT_EQ(v.cls, C::Fatal);
    ASSERT_NE(v.rule, nullptr);
    EXPECT_NE(v.rule_name.find("1205"), std::string_view::npos);
}

TEST(ClassifierSqlite, BusyIsTransientBrokenFilesAreFatal) {
    expect_cases(DriverFamily::Sqlite,
                 {
                     {"busy",
                      Phase::Statement,
                      {{"HY000", 5, "[SQLite]database is locked (5)"}},
                      C::Transient},
                     {"busy at commit",
                      Phase::Commit,
                      {{"HY000", 5, "[SQLite]database is locked (5)"}},
                      C::Transient},
                     {"table locked",
                      Phase::Statement,
                      {{"HY000", 6, "[SQLite]database table is locked (6)"}},
                      C::Transient},
                     {"unopenable path",
                      Phase::Connect,
                      {{"HY000", 14, "[SQLite]connect failed"}},
                      C::Fatal},
                     {"garbage file",
                      Phase::Statement,
                      {{"HY000", 26, "[SQLite]file is not a database (26)"}},
                      C::Fatal},
                     {"deleted file, write",
                      Phase::Statement,
                      {{"HY000", 8, "[SQLite]attempt to write a readonly database (8)"}},
                      C::Fatal},
                 });
}

TEST(ClassifierSqlServer, FreeTdsRecords) {
    const Failure unable{"08001", 0, "[FreeTDS][SQL Server]Unable to connect to data source"};
    expect_cases(
        DriverFamily::SqlServer,
        {
            {"port closed",
             Phase::Connect,
             {{"08S01", 20009,
               "[FreeTDS][SQL Server]Unable to connect: Adaptive Server is unavailable or does not "
               "exist"},
              unable},
             C::Transient},
            {"silent peer, login timeout",
             Phase::Connect,
             {{"HYT00", 0, "[FreeTDS][SQL Server]Timeout expired"}, unable},
             C::Transient},
            {"login failed outranks the summary record",
             Phase::Connect,
             {{"42000", 18456, "[FreeTDS][SQL Server]Login failed for user 'sa'."}, unable},
             C::Fatal},
            {"deadlock victim",
             Phase::Statement,
             {{"40001", 1205,
               "[FreeTDS][SQL Server]Transaction (Process ID 52) was deadlocked on "
               "lock resources with another process and has been chosen as the "
               "deadlock victim. Rerun the transaction."}},
             C::RolledBack},
            {"link failure",
             Phase::Statement,
             {{"08S01", 0, "[FreeTDS][SQL Server]Communication link failure"}},
             C::ConnectionLost},
            {"dbprocess dead",
             Phase::Statement,
             {{"HY000", 20047, "[FreeTDS][SQL Server]DBPROCESS is dead or not enabled"}},
             C::ConnectionLost},
            {"query timeout",
             Phase::Statement,
             {{"HYT00", 0, "[FreeTDS][SQL Server]Timeout expired"}},
             C::Timeout},
        });
    Classifier::Verdict v =
        run(DriverFamily::SqlServer, Phase::Connect,
            {{"08S01", 20009, "[FreeTDS][SQL Server]Unable to connect"}, unable});
    EXPECT_EQ(v.record, 0u);
    EXPECT_EQ(v.rule_name, "sqlserver: 20009 unable to connect");
}

TEST(ClassifierGeneric, SqlstateClasses) {
    expect_cases(
        DriverFamily::Generic,
        {
            {"08001 connect", Phase::Connect, {{"08001", 0, ""}}, C::Transient},
            {"08004 connect", Phase::Connect, {{"08004", 0, ""}}, C::Transient},
            {"08S01 connect", Phase::Connect, {{"08S01", 0, ""}}, C::Transient},
            {"HYT00 connect", Phase::Connect, {{"HYT00", 0, ""}}, C::Transient},
            {"08S01 established", Phase::Statement, {{"08S01", 0, ""}}, C::ConnectionLost},
            {"08003 established", Phase::Statement, {{"08003", 0, ""}}, C::ConnectionLost},
            {"08007 at commit", Phase::Commit, {{"08007", 0, ""}}, C::ConnectionLost},
            {"08001 established", Phase::Statement, {{"08001", 0, ""}}, C::Fatal},
            {"40001", Phase::Statement, {{"40001", 0, ""}}, C::RolledBack},
            {"40P01", Phase::Statement, {{"40P01", 0, ""}}, C::RolledBack},
            {"40003", Phase::Statement, {{"40003", 0, ""}}, C::RolledBack},
            {"HYT00 statement", Phase::Statement, {{"HYT00", 0, ""}}, C::Timeout},
            {"HY008", Phase::Statement, {{"HY008", 0, ""}}, C::Timeout},
            {"HYT01", Phase::Statement, {{"HYT01", 0, ""}}, C::Transient},
            {"28000", Phase::Connect, {{"28000", 0, ""}}, C::Fatal},
            {"28P01", Phase::Connect, {{"28P01", 0, ""}}, C::Fatal},
            {"3D000", Phase::Connect, {{"3D000", 0, ""}}, C::Fatal},
            {"42601", Phase::Statement, {{"42601", 0, ""}}, C::Fatal},
            {"lower-case sqlstate", Phase::Statement, {{"08s01", 0, ""}}, C::ConnectionLost},
            {"unknown", Phase::Statement, {{"23505", 0, "duplicate key"}}, C::Fatal},
        });
}

TEST(ClassifierRanking, MostSevereRecordWins) {
    Classifier::Verdict v =
        run(DriverFamily::Generic, Phase::Statement, {{"40001", 0, ""}, {"08S01", 0, ""}});
    EXPECT_EQ(v.cls, C::ConnectionLost);
    EXPECT_EQ(v.record, 1u);
    EXPECT_EQ(
        run(DriverFamily::Generic, Phase::Statement, {{"HYT00", 0, ""}, {"40001", 0, ""}}).cls,
        C::RolledBack);
    EXPECT_EQ(
        run(DriverFamily::Generic, Phase::Statement, {{"HYT00", 0, ""}, {"HYT01", 0, ""}}).cls,
        C::Transient);
    // A record nothing matched ranks below every rule's verdict.
    v = run(DriverFamily::Generic, Phase::Statement, {{"23505", 0, ""}, {"HYT00", 0, ""}});
    EXPECT_EQ(v.cls, C::Timeout);
    EXPECT_EQ(v.record, 1u);
    // An explicit fatal rule outranks transient; connection_lost outranks it.
    EXPECT_EQ(run(DriverFamily::Generic, Phase::Connect, {{"08001", 0, ""}, {"28000", 0, ""}}).cls,
              C::Fatal);
    EXPECT_EQ(
        run(DriverFamily::Generic, Phase::Statement, {{"42601", 0, ""}, {"08S01", 0, ""}}).cls,
        C::ConnectionLost);
    // Equal rank: the first record decides.
    v = run(DriverFamily::Generic, Phase::Statement, {{"40001", 0, ""}, {"40P01", 0, ""}});
    EXPECT_EQ(v.record, 0u);
}

TEST(ClassifierRanking, NoRecords) {
    Classifier::Verdict v = run(DriverFamily::Postgres, Phase::Statement, {});
    EXPECT_EQ(v.cls, C::Fatal);
    EXPECT_EQ(v.rule, nullptr);
    EXPECT_FALSE(v.rule_name.empty());
}

TEST(ClassifierDeadSignal, TrueMakesEstablishedFailuresConnectionLost) {
    Classifier::Verdict v =
        run(DriverFamily::MySql, Phase::Statement, {{"HY000", 0, "something unexpected"}}, true);
    EXPECT_EQ(v.cls, C::ConnectionLost);
    ASSERT_NE(v.rule, nullptr);
    EXPECT_EQ(v.rule_name, "target reports SQL_ATTR_CONNECTION_DEAD");
    EXPECT_EQ(run(DriverFamily::MySql, Phase::Commit, {}, true).cls, C::ConnectionLost);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Statement, {{"40P01", 1, "deadlock"}}, true).cls,
              C::ConnectionLost);
}

TEST(ClassifierDeadSignal, FalseDoesNotOverrideAndConnectIgnoresIt) {
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Statement,
                  {{"08S01", 35, "SQLExecDirect unable due to the connection lost"}}, false)
                  .cls,
              C::ConnectionLost);
    EXPECT_EQ(run(DriverFamily::MySql, Phase::Statement, {{"40001", 1213, "Deadlock"}}, false).cls,
              C::RolledBack);
    EXPECT_EQ(run(DriverFamily::Postgres, Phase::Connect,
                  {pg_connect("FATAL:  password authentication failed for user \"odbc\"\n")}, true)
                  .cls,
              C::Fatal);
}

TEST(ClassifierUserRules, ConsultedBeforeBuiltIns) {
    auto transient = parse_rules("HY000:1205", C::Transient);
    ASSERT_TRUE(transient.ok()) << transient.error();
    Classifier classifier(DriverFamily::MySql, transient.value());
    const Failure lock_wait{"HY000", 1205,
                            "Lock wait timeout exceeded; try restarting transaction"};
    Classifier::Verdict v = classifier.classify(std::span(&lock_wait, 1), Phase::Statement);
    EXPECT_EQ(v.cls, C::Transient);
    ASSERT_NE(v.rule, nullptr);
    EXPECT_EQ(v.rule, &classifier.user_rules()[0]);
    EXPECT_EQ(v.rule_name, "user rule \"HY000:1205\"");

    auto fatal = parse_rules("*:2006; ~database is locked", C::Fatal);
    ASSERT_TRUE(fatal.ok()) << fatal.error();
    Classifier mysql(DriverFamily::MySql, fatal.value());
    const Failure gone{"08S01", 2006, "Server has gone away"};
    EXPECT_EQ(mysql.classify(std::span(&gone, 1), Phase::Statement).cls, C::Fatal);
    Classifier sqlite(DriverFamily::Sqlite, fatal.value());
    const Failure busy{"HY000", 5, "[SQLite]database is locked (5)"};
    EXPECT_EQ(sqlite.classify(std::span(&busy, 1), Phase::Statement).cls, C::Fatal);
    // User rules apply in every phase.
    EXPECT_EQ(mysql.classify(std::span(&gone, 1), Phase::Connect).cls, C::Fatal);
}

TEST(ClassifierUserRules, MessageRuleOnAGenericTarget) {
    auto rules = parse_rules("~\"backend is restarting, please retry\"", C::Transient);
    ASSERT_TRUE(rules.ok()) << rules.error();
    Classifier classifier(DriverFamily::Generic, rules.value());
    const Failure f{"HY000", 77, "[Vendor]Backend is Restarting, please retry later"};
    EXPECT_EQ(classifier.classify(std::span(&f, 1), Phase::Statement).cls, C::Transient);
}

TEST(RuleMatching, Fields) {
    Rule r{"08", std::nullopt, "", C::ConnectionLost, "class 08", kAnyPhase, 0};
    EXPECT_TRUE(r.matches({"08S01", 0, ""}, Phase::Statement));
    EXPECT_TRUE(r.matches({"08003", 0, ""}, Phase::Statement));
    EXPECT_FALSE(r.matches({"HY000", 0, ""}, Phase::Statement));
    EXPECT_FALSE(r.matches({"0", 0, ""}, Phase::Statement));
    Rule n{"", 2006, "GONE", C::ConnectionLost, "n", kEstablishedPhases};
    EXPECT_TRUE(n.matches({"HY000", 2006, "server has gone away"}, Phase::Commit));
    EXPECT_FALSE(n.matches({"HY000", 2006, "server has gone away"}, Phase::Connect));
    EXPECT_FALSE(n.matches({"HY000", 2013, "server has gone away"}, Phase::Statement));
    EXPECT_FALSE(n.matches({"HY000", 2006, "lost"}, Phase::Statement));
}

TEST(BuiltinTables, EveryRuleIsNamedAndWellFormed) {
    for (DriverFamily f : {DriverFamily::Postgres, DriverFamily::MySql, DriverFamily::Sqlite,
                           DriverFamily::SqlServer, DriverFamily::Generic}) {
        for (const Rule& r : builtin_rules(f)) {
            EXPECT_FALSE(r.name.empty());
            EXPECT_TRUE(r.sqlstate.empty() || r.sqlstate.size() == 2 || r.sqlstate.size() == 5)
                << r.name;
            EXPECT_NE(r.phases, 0) << r.name;
            EXPECT_TRUE(r.name.starts_with(std::string(to_string(f)) + ":")) << r.name;
        }
    }
    EXPECT_TRUE(builtin_rules(DriverFamily::Generic).empty());
    for (const Rule& r : generic_rules()) EXPECT_TRUE(r.name.starts_with("generic:")) << r.name;
}

TEST(DetectFamily, FromLibraryDriverAndDbmsNames) {
    struct {
        const char* text;
        DriverFamily family;
    } cases[] = {
        {"psqlodbcw.so", DriverFamily::Postgres},
        {"odbc/psqlodbca.so", DriverFamily::Postgres},
        {"PostgreSQL Unicode", DriverFamily::Postgres},
        {"PostgreSQL", DriverFamily::Postgres},
        {"libmaodbc.so", DriverFamily::MySql},
        {"MariaDB", DriverFamily::MySql},
        {"MySQL ODBC 8.0 Unicode Driver", DriverFamily::MySql},
        {"libmyodbc8w.so", DriverFamily::MySql},
        {"libsqlite3odbc.so", DriverFamily::Sqlite},
        {"SQLite3", DriverFamily::Sqlite},
        {"libtdsodbc.so", DriverFamily::SqlServer},
        {"FreeTDS", DriverFamily::SqlServer},
        {"ODBC Driver 18 for SQL Server", DriverFamily::SqlServer},
        {"libmsodbcsql-18.3.so.2.1", DriverFamily::SqlServer},
        {"Microsoft SQL Server", DriverFamily::SqlServer},
        {"libodbcfake.so", DriverFamily::Generic},
        {"", DriverFamily::Generic},
    };
    for (const auto& c : cases) EXPECT_EQ(detect_family(c.text), c.family) << c.text;
}

TEST(Names, FamilyAndPhase) {
    for (DriverFamily f : {DriverFamily::Postgres, DriverFamily::MySql, DriverFamily::Sqlite,
                           DriverFamily::SqlServer, DriverFamily::Generic})
        EXPECT_EQ(parse_driver_family(to_string(f)), f);
    EXPECT_EQ(parse_driver_family("POSTGRES"), DriverFamily::Postgres);
    EXPECT_EQ(parse_driver_family("oracle"), std::nullopt);
    EXPECT_EQ(to_string(Phase::Connect), "connect");
    EXPECT_EQ(to_string(Phase::Statement), "statement");
    EXPECT_EQ(to_string(Phase::Commit), "commit");
}

// A refused login is fatal whatever the family says of the SQLSTATE it comes with: the texts of
// every driver the project knows, and SQLSTATE class 28, in every family.
TEST(ClassifierTest, AuthenticationIsFatalForEveryFamily) {
    const std::vector<Failure> logins = {
        {"08001", 101,
         "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password "
         "authentication failed for user \"odbc\""},
        {"08001", 101, "fe_sendauth: no password supplied"},
        {"28000", 1045, "[ma-3.1.15]Access denied for user 'x'@'localhost' (using password: YES)"},
        {"HY000", 1045, "Access denied for user 'x'@'localhost'"},
        {"08001", 0, "[Acme][ODBC Driver] Login failed for user 'sa'."},
        {"HY000", 1017, "ORA-01017: invalid username/password; logon denied"},
        {"08001", -30082,
         "SQL30082N Security processing failed with reason \"24\" (\"USERNAME "
         "AND/OR PASSWORD INVALID\")"},
        {"08001", 390100, "Incorrect username or password was specified."},
        {"28P01", 0, "whatever"},
    };
    for (DriverFamily family : {DriverFamily::Postgres, DriverFamily::MySql, DriverFamily::Sqlite,
                                DriverFamily::SqlServer, DriverFamily::Generic})
        for (const Failure& f : logins) {
            Classifier::Verdict v = run(family, Phase::Connect, {f});
            EXPECT_EQ(v.cls, C::Fatal) << to_string(family) << ": " << f.message;
            EXPECT_NE(v.rule, nullptr) << f.message;
            EXPECT_TRUE(is_authentication_failure(std::span<const Failure>(&f, 1))) << f.message;
        }
    // A server that is down is not a refused login.
    const Failure down{"08001", 101, "could not connect to server: Connection refused"};
    EXPECT_FALSE(is_authentication_failure(std::span<const Failure>(&down, 1)));
}

// An unknown driver's 08001 may be a login refused in words no rule knows: retried, but only a
// little.
TEST(ClassifierTest, AnUnknownDriversConnectFailureHasAnAttemptCap) {
    Classifier::Verdict v =
        run(DriverFamily::Generic, Phase::Connect, {{"08001", 0, "[Acme] cannot connect"}});
    EXPECT_EQ(v.cls, C::Transient);
    ASSERT_NE(v.rule, nullptr);
    EXPECT_EQ(v.rule->attempt_cap, 3);
    // A family's own transient rules keep the full policy.
    v = run(DriverFamily::MySql, Phase::Connect, {{"HY000", 2003, "Can't connect to server"}});
    ASSERT_NE(v.rule, nullptr);
    EXPECT_EQ(v.rule->attempt_cap, 0);
}

}  // namespace
}  // namespace odbcretry
