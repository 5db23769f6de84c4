// SPDX-License-Identifier: Apache-2.0
// The retry engine against the real PostgreSQL and MariaDB servers (started by scripts/pg and
// scripts/mariadb) with the real drivers (psqlODBC, MariaDB Connector/ODBC), through the driver
// manager. Each scenario runs for both servers:
//
//   RetryPgServer / RetryMariaServer (stop and start the server; ctest runs them alone)
//     ConnectWhileServerStarts     the server is down and comes back ~2 s later: no error
//   RetryPg / RetryMaria
//     WrongPassword, MissingDatabase  one attempt, the target's own records, no retry
//     TooManyConnections           a per-user connection limit, one slot freed after ~1.5 s
//     SilentServer                 a listener that never answers: RetryDeadline bounds the
//                                  connect without any timeout from the application
//     DeadlockVictimIsRetried      an autocommit statement chosen as deadlock victim runs again
//     QueryTimeoutIsNotRetried     the application's own statement timeout is returned as is
//     CircuitBreaker               opens after 3 failures, fails fast (also in another
//                                  process), probes once after the cooldown, closes when the
//                                  server is back (a proxy on a port the test controls)
//     NoSecretsInLogOrDiagnostics  the scenarios above with LogLevel=debug into one log: no
//                                  password anywhere (log, diagnostics, output string)
//   RetryMaria only
//     SilentServerThroughTargetDriver, ClosedPortThroughTargetDriverIsRetried
//                                  TargetDriver=MariaDB with the keys in the DSN: the MariaDB
//                                  family (rules, CONN_TIMEOUT hang protection) must apply
#include <algorithm>
#include <iostream>
#include <mutex>

#include "retry_harness.h"

namespace ort_retry {
namespace {

using namespace std::chrono_literals;

struct Backend {
    const char* name;        // "pg", "maria"
    const char* script;      // scripts/NAME
    const char* direct_dsn;  // the project's direct DSN
    const char* port_env;
    const char* user_key;  // the driver's DSN key for the user name
    bool postgres;
};
const Backend kPg{"pg", "pg", "pg_direct", "ORT_PG_PORT", "Username", true};
const Backend kMaria{"maria", "mariadb", "maria_direct", "ORT_MARIADB_PORT", "User", false};

// Where a scenario logs. Scenarios read only what was added to the file after they started, so
// several can share one file (the secrets test does).
struct Log {
    std::string path;
    std::string level = "info";
};

class LogWindow {
  public:
    explicit LogWindow(const Log& log) : path_(log.path), start_(read_file(log.path).size()) {}
    std::string text() const {
        std::string all = read_file(path_);
        return all.size() > start_ ? all.substr(start_) : std::string();
    }

  private:
    std::string path_;
    size_t start_;
};

Log own_log(const std::string& tag) {
    return Log{Workspace::get().path(Workspace::get().unique(tag) + ".log")};
}

// Every diagnostic record the scenarios saw (the secrets test checks them).
std::mutex g_seen_mutex;
std::vector<Diag> g_seen;
std::vector<std::string> g_out_strings;
void seen(const std::vector<Diag>& diags) {
    std::lock_guard lock(g_seen_mutex);
    g_seen.insert(g_seen.end(), diags.begin(), diags.end());
}
// (The output connection strings of odbc-retry's connections are kept: the real drivers' own
// may carry the password, psqlODBC's does.)
ConnectResult connect_seen(Connection& c, const std::string& cs) {
    ConnectResult r = c.connect(cs);
    seen(r.diags);
    std::lock_guard lock(g_seen_mutex);
    if (!r.out.empty() && cs.rfind("DSN=retry_", 0) == 0) g_out_strings.push_back(r.out);
    return r;
}
ExecResult exec_seen(Connection& c, const std::string& sql) {
    ExecResult r = c.exec(sql);
    seen(r.diags);
    return r;
}

// A DSN through odbc-retry to `target`, logging to `log`, with `extra` keys.
std::string retry_dsn(const std::string& tag, const std::string& target, const Log& log,
                      const KeyValues& extra = {}) {
    Workspace& w = Workspace::get();
    std::string name = w.unique("retry_" + tag + "_");
    KeyValues keys{{"Driver", "ODBC Retry"}, {"TargetDSN", target}};
    for (auto& kv : log_keys(log.path, log.level)) keys.push_back(kv);
    for (auto& kv : extra) keys.push_back(kv);
    w.add_dsn(name, keys);
    return name;
}

// A copy of the backend's direct DSN with some keys changed.
std::string direct_dsn(const Backend& b, const std::string& tag, const KeyValues& overrides) {
    Workspace& w = Workspace::get();
    std::string name = w.unique("direct_" + tag + "_");
    w.clone_dsn(name, b.direct_dsn, overrides);
    return name;
}

std::string dump(const Log& log, const LogWindow& window) {
    return "---- odbc-retry log " + log.path + " (this scenario's part)\n" + window.text();
}

// ---- 1. the server starts while the application connects ----------------------------------------

void connect_while_server_starts(const Backend& b, const Log& log) {
    LogWindow window(log);
    std::string dsn = retry_dsn("starts", b.direct_dsn, log);
    ServerRestorer restore(b.script);
    CommandResult stop = run_script(b.script, {"stop"});
    ASSERT_EQ(stop.status, 0) << stop.output;
    CommandResult start;
    std::thread starter([&] {
        std::this_thread::sleep_for(2s);
        start = run_script(b.script, {"start"});
    });
    Connection c;
    ConnectResult r = connect_seen(c, "DSN=" + dsn);
    starter.join();
    EXPECT_EQ(start.status, 0) << start.output;
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << dump(log, window);
    EXPECT_TRUE(r.diags.empty()) << to_string(r.diags);
    EXPECT_GE(r.elapsed, 1500ms) << "the connect waited for the server";
    auto retries = retry_lines(window.text());
    EXPECT_GE(retries.size(), 1u) << dump(log, window);
    for (auto& line : retries) EXPECT_TRUE(contains(line, "class=transient")) << line;
    EXPECT_EQ(c.scalar("SELECT 1"), "1");
}

// ---- 2. fatal errors: one attempt, the target's own records
// ---------------------------------------

void fatal_connect(const Backend& b, const Log& log, const std::string& tag,
                   const KeyValues& overrides, const std::string& expected_text) {
    LogWindow window(log);
    std::string direct = direct_dsn(b, tag, overrides);
    std::string dsn = retry_dsn(tag, direct, log);
    Connection d;
    ConnectResult expected = connect_seen(d, "DSN=" + direct);
    ASSERT_EQ(expected.rc, SQL_ERROR) << "the direct DSN must fail: " << to_string(expected.diags);
    ASSERT_FALSE(expected.diags.empty());
    EXPECT_TRUE(contains(to_string(expected.diags), expected_text)) << to_string(expected.diags);

    Connection c;
    ConnectResult r = connect_seen(c, "DSN=" + dsn);
    ASSERT_EQ(r.rc, SQL_ERROR) << dump(log, window);
    EXPECT_LT(r.elapsed, 1s) << "one attempt, no waiting";
    EXPECT_EQ(r.diags, expected.diags) << "through odbc-retry:\n"
                                       << to_string(r.diags) << "directly:\n"
                                       << to_string(expected.diags);
    std::string text = window.text();
    EXPECT_TRUE(retry_lines(text).empty()) << dump(log, window);
    auto gave_up = give_up_lines(text);
    ASSERT_EQ(gave_up.size(), 1u) << dump(log, window);
    EXPECT_TRUE(contains(gave_up[0], "not retryable (fatal")) << gave_up[0];
}

void wrong_password(const Backend& b, const Log& log, const std::string& wrong) {
    fatal_connect(b, log, "badpw", {{"Password", wrong}},
                  b.postgres ? "password authentication failed" : "Access denied for user");
}

void missing_database(const Backend& b, const Log& log) {
    std::string db = Workspace::get().unique("nosuchdb_");
    fatal_connect(b, log, "nodb", {{"Database", db}}, b.postgres ? "does not exist" : db);
}

// The application gives the (wrong) password in its connection string.
void wrong_password_in_connection_string(const Backend& b, const Log& log,
                                         const std::string& wrong) {
    LogWindow window(log);
    std::string dsn = retry_dsn("badpw_cs", b.direct_dsn, log);
    Connection c;
    ConnectResult r = connect_seen(c, "DSN=" + dsn + ";PWD=" + wrong + ";");
    ASSERT_EQ(r.rc, SQL_ERROR) << dump(log, window);
    EXPECT_LT(r.elapsed, 1s);
    EXPECT_TRUE(retry_lines(window.text()).empty()) << dump(log, window);
}

// ---- 3. too many connections
// ---------------------------------------------------------------------

// A user of its own with a connection limit of 2 (so that other tests using the server are not
// limited), dropped at the end.
class LimitedUser {
  public:
    explicit LimitedUser(const Backend& b) : b_(b), name_(Workspace::get().unique("ort_lim_")) {
        std::string pw = sql_literal(password());
        if (b.postgres)
            pg_admin("CREATE ROLE " + name_ + " LOGIN PASSWORD " + pw + " CONNECTION LIMIT 2;");
        else
            maria_admin("CREATE USER '" + name_ + "'@'127.0.0.1' IDENTIFIED BY " + pw +
                        " WITH MAX_USER_CONNECTIONS 2;\nGRANT ALL PRIVILEGES ON `" +
                        env_value("ORT_DB_NAME") + "`.* TO '" + name_ + "'@'127.0.0.1';");
    }
    ~LimitedUser() {
        if (b_.postgres)
            pg_admin("DROP ROLE IF EXISTS " + name_ + ";");
        else
            maria_admin("DROP USER IF EXISTS '" + name_ + "'@'127.0.0.1';");
    }
    const std::string& name() const { return name_; }

  private:
    const Backend& b_;
    std::string name_;
};

void too_many_connections(const Backend& b, const Log& log) {
    LogWindow window(log);
    LimitedUser user(b);
    std::string direct = direct_dsn(b, "limited", {{b.user_key, user.name()}});
    std::string dsn = retry_dsn("limited", direct, log);
    auto held1 = std::make_unique<Connection>();
    Connection held2;
    ASSERT_TRUE(connect_seen(*held1, "DSN=" + direct).ok());
    ASSERT_TRUE(connect_seen(held2, "DSN=" + direct).ok());
    {
        Connection third;
        ConnectResult refused = connect_seen(third, "DSN=" + direct);
        ASSERT_EQ(refused.rc, SQL_ERROR) << "the limit holds: " << to_string(refused.diags);
    }
    std::thread freer([&] {
        std::this_thread::sleep_for(1500ms);
        held1.reset();
    });
    Connection c;
    ConnectResult r = connect_seen(c, "DSN=" + dsn);
    freer.join();
    ASSERT_EQ(r.rc, SQL_SUCCESS) << to_string(r.diags) << dump(log, window);
    EXPECT_GE(r.elapsed, 1200ms) << "it waited for a free slot";
    auto retries = retry_lines(window.text());
    ASSERT_GE(retries.size(), 1u) << dump(log, window);
    EXPECT_TRUE(contains(retries[0], "class=transient")) << retries[0];
    EXPECT_TRUE(contains(retries[0], b.postgres ? "too many connections for role" : "native=1226"))
        << retries[0];
    EXPECT_EQ(c.scalar("SELECT 1"), "1");
}

// ---- 4. a server that accepts and never answers ------------------------------------------------

void silent_server(const Backend& b, const Log& log) {
    LogWindow window(log);
    SilentListener listener;
    ASSERT_GT(listener.port(), 0);
    std::string direct = direct_dsn(b, "silent", {{"Port", std::to_string(listener.port())}});
    std::string dsn = retry_dsn("silent", direct, log, {{"RetryDeadline", "3s"}});
    Connection c;  // no SQL_ATTR_LOGIN_TIMEOUT: the hang protection must bound the attempt
    ConnectResult r = connect_seen(c, "DSN=" + dsn);
    ASSERT_EQ(r.rc, SQL_ERROR) << dump(log, window);
    EXPECT_LT(r.elapsed, 6s) << dump(log, window);
    EXPECT_GE(r.elapsed, 2s) << "it tried until the deadline\n"
                             << to_string(r.diags) << dump(log, window);
    EXPECT_GE(listener.accepted(), 1);
    ASSERT_FALSE(r.diags.empty());
    EXPECT_EQ(r.diags.back().state, "08001") << to_string(r.diags);
    EXPECT_TRUE(contains(r.diags.back().message, "[odbc-retry] gave up after"))
        << to_string(r.diags);
    auto gave_up = give_up_lines(window.text());
    ASSERT_EQ(gave_up.size(), 1u) << dump(log, window);
    EXPECT_TRUE(contains(gave_up[0], "gave up after")) << gave_up[0];
}

// The same through TargetDriver=MariaDB, the target's keys in the DSN itself (no DSN of the real
// driver): the driver family, and with it MariaDB's hang protection (CONN_TIMEOUT; the driver
// ignores SQL_ATTR_LOGIN_TIMEOUT), must come from the driver. Run in a child process with a time
// limit, so that a connect that hangs fails the test instead of blocking it.
void silent_server_through_target_driver(const Log& log) {
    SilentListener listener;
    ASSERT_GT(listener.port(), 0);
    Workspace& w = Workspace::get();
    std::string dsn = w.unique("retry_driver_silent_");
    KeyValues keys{{"Driver", "ODBC Retry"},
                   {"TargetDriver", "MariaDB"},
                   {"Server", "127.0.0.1"},
                   {"Port", std::to_string(listener.port())},
                   {"Database", env_value("ORT_DB_NAME")},
                   {"User", env_value("ORT_DB_USER")},
                   {"Password", password()},
                   {"RetryDeadline", "3s"}};
    for (auto& kv : log_keys(log.path, log.level)) keys.push_back(kv);
    w.add_dsn(dsn, keys);
    LogWindow window(log);
    CommandResult child =
        run_self({"--child", "connect", "DSN=ort_retry_no_such_dsn", "DSN=" + dsn},
                 {"ORT_RETRY_CHILD=1"}, std::chrono::seconds(20));
    ASSERT_EQ(child.status, 0) << "the connect hung (no hang protection)\n"
                               << child.output << dump(log, window);
    EXPECT_TRUE(contains(child.output, "rc=SQL_ERROR")) << child.output;
    EXPECT_TRUE(contains(child.output, "[odbc-retry] gave up after")) << child.output;
    auto ms = lines_with(child.output, "ms=");
    ASSERT_EQ(ms.size(), 1u) << child.output;
    EXPECT_LT(std::stol(ms[0].substr(3)), 6000) << child.output;
    EXPECT_TRUE(
        contains(window.text(), "(mysql://127.0.0.1:" + std::to_string(listener.port()) + "/"))
        << dump(log, window);
}

// TargetDriver=MariaDB and a closed port: "Can't connect" (HY000 / 2002) is transient for the
// MariaDB family, so the connect is retried (three attempts here).
void closed_port_through_target_driver(const Log& log) {
    LogWindow window(log);
    const int port = free_port();
    Workspace& w = Workspace::get();
    std::string dsn = w.unique("retry_driver_closed_");
    KeyValues keys{{"Driver", "ODBC Retry"},
                   {"TargetDriver", "MariaDB"},
                   {"Server", "127.0.0.1"},
                   {"Port", std::to_string(port)},
                   {"Database", env_value("ORT_DB_NAME")},
                   {"User", env_value("ORT_DB_USER")},
                   {"Password", password()},
                   {"RetryMaxAttempts", "3"},
                   {"RetryBaseDelay", "10ms"},
                   {"RetryMaxDelay", "20ms"}};
    for (auto& kv : log_keys(log.path, log.level)) keys.push_back(kv);
    w.add_dsn(dsn, keys);
    Connection c;
    ConnectResult r = connect_seen(c, "DSN=" + dsn);
    ASSERT_EQ(r.rc, SQL_ERROR);
    EXPECT_TRUE(contains(to_string(r.diags), "Can't connect")) << to_string(r.diags);
    ASSERT_FALSE(r.diags.empty());
    EXPECT_TRUE(contains(r.diags.back().message, "[odbc-retry] gave up after 3 attempts"))
        << to_string(r.diags);
    auto retries = retry_lines(window.text());
    ASSERT_EQ(retries.size(), 2u) << dump(log, window);
    EXPECT_TRUE(contains(retries[0], "rule=\"mysql: 2002")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "(mysql://127.0.0.1:" + std::to_string(port) + "/"))
        << retries[0];
}

// ---- 5. a deadlock in autocommit ---------------------------------------------------------------

// Connection A (direct, in a transaction) locks row 1; B (through odbc-retry, autocommit) runs ONE
// statement that locks row 2 and then waits for row 1 (PostgreSQL: a DO block; MariaDB: an UPDATE
// of a primary-key range in descending order); A then asks for row 2. The server rolls
// back B's statement (B waited first: PostgreSQL's deadlock check runs in B first; InnoDB picks
// the lighter transaction, and A has changed 200 other rows); odbc-retry runs it again, it waits
// until A commits, and succeeds. Each row ends up incremented exactly twice.
void deadlock_victim_is_retried(const Backend& b, const Log& log) {
    LogWindow window(log);
    Workspace& w = Workspace::get();
    std::string table = w.unique("ort_dl_");
    std::string heavy = table + "_w";
    std::string dsn = retry_dsn("deadlock", b.direct_dsn, log);
    Connection setup;
    ASSERT_TRUE(connect_seen(setup, std::string("DSN=") + b.direct_dsn).ok());
    std::string rows;
    for (int i = 1; i <= 200; ++i) rows += (i > 1 ? ",(" : "(") + std::to_string(i) + ",0)";
    for (const std::string& sql :
         {"CREATE TABLE " + table + " (id INT PRIMARY KEY, v INT NOT NULL)",
          "INSERT INTO " + table + " VALUES (1,0),(2,0)",
          "CREATE TABLE " + heavy + " (id INT PRIMARY KEY, v INT NOT NULL)",
          "INSERT INTO " + heavy + " VALUES " + rows}) {
        ExecResult e = exec_seen(setup, sql);
        ASSERT_TRUE(e.ok()) << sql << "\n" << to_string(e.diags);
    }
    struct Drop {
        Connection& c;
        std::string t1, t2;
        ~Drop() {
            c.exec("DROP TABLE " + t1);
            c.exec("DROP TABLE " + t2);
        }
    } drop{setup, table, heavy};

    // A without psqlODBC's per-statement savepoints (Protocol 7.4-2, the default): releasing one
    // ends the subtransaction that holds row 1, B wakes up and waits again on A's transaction,
    // and its deadlock timer restarts after A's.
    std::string a_dsn = b.postgres ? direct_dsn(b, "deadlock_a", {{"Protocol", "7.4-1"}})
                                   : std::string(b.direct_dsn);
    Connection a;
    ASSERT_TRUE(connect_seen(a, "DSN=" + a_dsn).ok());
    ASSERT_TRUE(SQL_SUCCEEDED(a.set_autocommit(false)));
    ASSERT_TRUE(exec_seen(a, "UPDATE " + heavy + " SET v = v + 1").ok());
    ASSERT_TRUE(exec_seen(a, "UPDATE " + table + " SET v = v + 1 WHERE id = 1").ok());

    Connection bconn;
    ASSERT_TRUE(connect_seen(bconn, "DSN=" + dsn).ok());
    std::string victim_sql =
        b.postgres
            ? "DO $$BEGIN UPDATE " + table + " SET v = v + 1 WHERE id = 2; UPDATE " + table +
                  " SET v = v + 1 WHERE id = 1; END$$"
            : "UPDATE " + table +
                  " SET v = v + 1 WHERE id IN (1, 2) ORDER BY id DESC";  // a range scan backwards
    ExecResult rb;
    std::thread tb([&] { rb = exec_seen(bconn, victim_sql); });
    std::string waiting_sql =
        b.postgres
            ? "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> "
              "pg_backend_pid() AND query LIKE '%" +
                  table + " SET v = v + 1 WHERE id = 2%'"
            : "SELECT count(*) FROM information_schema.PROCESSLIST WHERE id <> connection_id() AND "
              "command = 'Query' AND info LIKE '%" +
                  table + " SET v = v + 1 WHERE id IN (1, 2)%'";
    bool waiting = wait_until([&] { return setup.scalar(waiting_sql) != "0"; }, 10s);
    EXPECT_TRUE(waiting) << "B never waited for A's lock";
    // PostgreSQL: B's deadlock check (deadlock_timeout after B began to wait) must come well
    // before A's, even on a loaded machine. MariaDB: its INNODB_TRX does not list B's
    // transaction while it waits and the process list only shows that the statement runs, so
    // give it time to lock row 2 and reach row 1.
    std::this_thread::sleep_for(300ms);
    ExecResult ra = exec_seen(a, "UPDATE " + table + " SET v = v + 1 WHERE id = 2");
    EXPECT_TRUE(ra.ok()) << "A must not be the victim: " << to_string(ra.diags);
    ExecResult commit = a.end_tran(true);
    EXPECT_TRUE(commit.ok()) << to_string(commit.diags);
    tb.join();
    ASSERT_EQ(rb.rc, SQL_SUCCESS) << to_string(rb.diags) << dump(log, window);
    EXPECT_TRUE(rb.diags.empty()) << to_string(rb.diags);
    auto retries = retry_lines(window.text());
    ASSERT_EQ(retries.size(), 1u) << dump(log, window);
    EXPECT_TRUE(contains(retries[0], "execdirect attempt 1/")) << retries[0];
    EXPECT_TRUE(contains(retries[0], "class=rolled_back")) << retries[0];
    EXPECT_TRUE(contains(retries[0], b.postgres ? "sqlstate=40P01" : "native=1213")) << retries[0];
    auto values = setup.column("SELECT v FROM " + table + " ORDER BY id");
    EXPECT_EQ(values, (std::vector<std::string>{"2", "2"})) << "B's statement ran exactly once";
}

// ---- 5b. the application's own statement timeout is never retried -----------------------------

// PostgreSQL: SQL_ATTR_QUERY_TIMEOUT (psqlODBC sets statement_timeout: 57014). MariaDB ignores
// that attribute; the session's max_statement_time interrupts the statement (HY018 / 1969; isql
// shows it as 70100, the ODBC 2 state).
void query_timeout_not_retried(const Backend& b, const Log& log) {
    LogWindow window(log);
    std::string dsn = retry_dsn("timeout", b.direct_dsn, log);
    Connection c;
    ASSERT_TRUE(connect_seen(c, "DSN=" + dsn).ok());
    // (MariaDB: not "SET STATEMENT max_statement_time=1 FOR ...": the driver reports that one's
    // interruption only at the next statement, also without odbc-retry.)
    if (!b.postgres) {
        ASSERT_TRUE(c.exec("SET max_statement_time = 1").ok());
    }
    ExecResult r = b.postgres ? c.query("SELECT pg_sleep(5)", 1)
                              : c.query(
                                    "SELECT count(*) FROM information_schema.columns a, "
                                    "information_schema.columns b, information_schema.columns c");
    seen(r.diags);
    ASSERT_EQ(r.rc, SQL_ERROR) << to_string(r.diags);
    ASSERT_FALSE(r.diags.empty());
    EXPECT_EQ(r.diags[0].state, b.postgres ? "57014" : "HY018") << to_string(r.diags);
    if (!b.postgres) {
        EXPECT_EQ(r.diags[0].native, 1969) << to_string(r.diags);
    }
    EXPECT_LT(r.elapsed, 2500ms);
    EXPECT_FALSE(contains(to_string(r.diags), "[odbc-retry]")) << to_string(r.diags);
    EXPECT_TRUE(retry_lines(window.text()).empty()) << dump(log, window);
    EXPECT_EQ(c.scalar("SELECT 1"), "1") << "the connection is still usable";
}

// ---- 6. circuit breaker
// ---------------------------------------------------------------------------

bool says_breaker(const std::vector<Diag>& diags) {
    return std::any_of(diags.begin(), diags.end(), [](const Diag& d) {
        return d.state == "08001" && contains(d.message, "circuit breaker") &&
               contains(d.message, "open") && contains(d.message, "next probe in");
    });
}

void circuit_breaker(const Backend& b, const Log& log) {
    LogWindow window(log);
    const int port = free_port();
    ASSERT_GT(port, 0);
    std::string direct = direct_dsn(b, "breaker", {{"Port", std::to_string(port)}});
    std::string dsn = retry_dsn("breaker", direct, log,
                                {{"CircuitBreakerThreshold", "3"},
                                 {"CircuitBreakerCooldown", "2s"},
                                 {"RetryMaxAttempts", "1"},
                                 // shorter than the cooldown: a connect that finds the circuit
                                 // open fails at once instead of waiting for the probe
                                 {"RetryDeadline", "1s"}});
    const std::string refused = b.postgres ? "Connection refused" : "Can't connect";
    for (int i = 1; i <= 3; ++i) {
        Connection c;
        ConnectResult r = connect_seen(c, "DSN=" + dsn);
        ASSERT_EQ(r.rc, SQL_ERROR) << "connect " << i;
        EXPECT_TRUE(contains(to_string(r.diags), refused)) << to_string(r.diags);
        EXPECT_FALSE(says_breaker(r.diags)) << to_string(r.diags);
    }
    auto opened = Clock::now();
    {
        Connection c;
        ConnectResult r = connect_seen(c, "DSN=" + dsn);
        ASSERT_EQ(r.rc, SQL_ERROR);
        // Fast means "no attempt": the records below show none was made. The time is printed,
        // never asserted (a loaded machine is slow for reasons of its own).
        std::cout << "[ info     ] a connect to the open circuit failed in " << r.elapsed.count()
                  << " ms\n";
        EXPECT_TRUE(says_breaker(r.diags)) << to_string(r.diags);
        EXPECT_FALSE(contains(to_string(r.diags), refused)) << "no attempt was made\n"
                                                            << to_string(r.diags);
    }
    {
        // Another process (same state directory) fails fast at once.
        std::string warmup = "DSN=" + retry_dsn("breaker_warmup", b.direct_dsn, log);
        CommandResult child =
            run_self({"--child", "connect", warmup, "DSN=" + dsn}, {"ORT_RETRY_CHILD=1"});
        ASSERT_EQ(child.status, 0) << child.output;
        EXPECT_TRUE(contains(child.output, "rc=SQL_ERROR")) << child.output;
        EXPECT_TRUE(contains(child.output, "circuit breaker")) << child.output;
        EXPECT_FALSE(contains(child.output, refused)) << child.output;
        auto ms = lines_with(child.output, "ms=");
        ASSERT_EQ(ms.size(), 1u) << child.output;
        std::cout << "[ info     ] in another process: " << ms[0] << "\n";
    }
    // After the cooldown one probe goes through (and fails: still down), then it is open again.
    std::this_thread::sleep_until(opened + 2100ms);
    {
        Connection c;
        ConnectResult r = connect_seen(c, "DSN=" + dsn);
        ASSERT_EQ(r.rc, SQL_ERROR);
        EXPECT_TRUE(contains(to_string(r.diags), refused)) << "the probe reached the port\n"
                                                           << to_string(r.diags);
        EXPECT_FALSE(says_breaker(r.diags)) << to_string(r.diags);
        Connection c2;
        ConnectResult r2 = connect_seen(c2, "DSN=" + dsn);
        ASSERT_EQ(r2.rc, SQL_ERROR);
        EXPECT_TRUE(says_breaker(r2.diags)) << to_string(r2.diags);
    }
    auto reopened = Clock::now();
    // The server is back (a proxy on that port), the probe after the cooldown succeeds.
    TcpProxy proxy(port, std::stoi(env_value(b.port_env)));
    ASSERT_TRUE(proxy.listening()) << "port " << port << " was taken meanwhile";
    std::this_thread::sleep_until(reopened + 2100ms);
    {
        Connection c;
        ConnectResult r = connect_seen(c, "DSN=" + dsn);
        ASSERT_TRUE(r.ok()) << to_string(r.diags) << dump(log, window);
        EXPECT_EQ(c.scalar("SELECT 1"), "1");
        EXPECT_EQ(proxy.accepted(), 1);
        Connection c2;
        ConnectResult r2 = connect_seen(c2, "DSN=" + dsn);
        ASSERT_TRUE(r2.ok()) << "the circuit is closed again\n" << to_string(r2.diags);
        EXPECT_EQ(proxy.accepted(), 2);
    }
}

// ---- 7. secrets -------------------------------------------------------------------------------

void no_secrets(const Backend& b) {
    Workspace& w = Workspace::get();
    const std::string pw = password();
    ASSERT_GE(pw.size(), 8u) << "ORT_DB_PASSWORD is too short to search for";
    const std::string wrong = "Wr0ng" + pw.substr(0, 4) + "Pw" + std::to_string(getpid());
    Log log{w.path(std::string("secrets_") + b.name + ".log"), "debug"};
    {
        std::lock_guard lock(g_seen_mutex);
        g_seen.clear();
        g_out_strings.clear();
    }
    {
        // A plain connect and a failing statement; the output connection string.
        std::string dsn = retry_dsn("plain", b.direct_dsn, log);
        Connection c;
        ConnectResult r = connect_seen(c, "DSN=" + dsn);
        ASSERT_TRUE(r.ok()) << to_string(r.diags);
        EXPECT_FALSE(r.out.empty());
        EXPECT_FALSE(exec_seen(c, "SELEKT 1").ok());
    }
    {
        SCOPED_TRACE("wrong password in the DSN");
        wrong_password(b, log, wrong);
    }
    {
        SCOPED_TRACE("wrong password in the connection string");
        wrong_password_in_connection_string(b, log, wrong);
    }
    {
        SCOPED_TRACE("missing database");
        missing_database(b, log);
    }
    {
        SCOPED_TRACE("too many connections");
        too_many_connections(b, log);
    }
    {
        SCOPED_TRACE("silent server");
        silent_server(b, log);
    }
    {
        SCOPED_TRACE("deadlock");
        deadlock_victim_is_retried(b, log);
    }
    {
        SCOPED_TRACE("query timeout");
        query_timeout_not_retried(b, log);
    }
    {
        SCOPED_TRACE("circuit breaker");
        circuit_breaker(b, log);
    }
    std::string text = read_file(log.path);
    EXPECT_GE(retry_lines(text).size(), 3u) << "the log must hold the scenarios' retry lines\n"
                                            << text;
    EXPECT_TRUE(contains(text, "] connected ") || contains(text, " connected dsn=")) << text;
    EXPECT_EQ(count_of(text, pw), 0) << "the password is in the log " << log.path;
    EXPECT_EQ(count_of(text, wrong), 0) << "the wrong password is in the log " << log.path;
    std::lock_guard lock(g_seen_mutex);
    EXPECT_GT(g_seen.size(), 5u);
    for (auto& d : g_seen) {
        EXPECT_FALSE(contains(d.message, pw)) << d.state << " " << d.message;
        EXPECT_FALSE(contains(d.message, wrong)) << d.state << " " << d.message;
    }
    EXPECT_FALSE(g_out_strings.empty());
    for (auto& out : g_out_strings) {
        EXPECT_FALSE(contains(out, pw)) << "output connection string: " << out;
        EXPECT_FALSE(contains(out, wrong)) << "output connection string: " << out;
    }
}

// ---- the tests ---------------------------------------------------------------------------------

#define PG_ENV "ORT_PG_PORT", "ORT_DB_PASSWORD", "ORT_DB_NAME"
#define MARIA_ENV "ORT_MARIADB_PORT", "ORT_DB_PASSWORD", "ORT_DB_NAME"

TEST(RetryPgServer, ConnectWhileServerStarts) {
    ORT_REQUIRE_ENV(PG_ENV);
    connect_while_server_starts(kPg, own_log("pg_starts"));
}
TEST(RetryMariaServer, ConnectWhileServerStarts) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    connect_while_server_starts(kMaria, own_log("maria_starts"));
}

TEST(RetryPg, WrongPasswordFailsAfterOneAttempt) {
    ORT_REQUIRE_ENV(PG_ENV);
    wrong_password(kPg, own_log("pg_badpw"), "Wr0ngPassw0rd");
}
TEST(RetryMaria, WrongPasswordFailsAfterOneAttempt) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    wrong_password(kMaria, own_log("maria_badpw"), "Wr0ngPassw0rd");
}

TEST(RetryPg, MissingDatabaseFailsAfterOneAttempt) {
    ORT_REQUIRE_ENV(PG_ENV);
    missing_database(kPg, own_log("pg_nodb"));
}
TEST(RetryMaria, MissingDatabaseFailsAfterOneAttempt) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    missing_database(kMaria, own_log("maria_nodb"));
}

TEST(RetryPg, TooManyConnectionsWaitsForASlot) {
    ORT_REQUIRE_ENV(PG_ENV);
    too_many_connections(kPg, own_log("pg_limit"));
}
TEST(RetryMaria, TooManyConnectionsWaitsForASlot) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    too_many_connections(kMaria, own_log("maria_limit"));
}

TEST(RetryPg, SilentServerGivesUpAtTheDeadline) {
    ORT_REQUIRE_ENV(PG_ENV);
    silent_server(kPg, own_log("pg_silent"));
}
TEST(RetryMaria, SilentServerGivesUpAtTheDeadline) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    silent_server(kMaria, own_log("maria_silent"));
}

TEST(RetryMaria, SilentServerThroughTargetDriver) {
    ORT_REQUIRE_ENV(MARIA_ENV, "ORT_DB_USER");
    silent_server_through_target_driver(own_log("maria_driver_silent"));
}

TEST(RetryMaria, ClosedPortThroughTargetDriverIsRetried) {
    ORT_REQUIRE_ENV(MARIA_ENV, "ORT_DB_USER");
    closed_port_through_target_driver(own_log("maria_driver_closed"));
}

TEST(RetryPg, DeadlockVictimIsRetried) {
    ORT_REQUIRE_ENV(PG_ENV);
    deadlock_victim_is_retried(kPg, own_log("pg_deadlock"));
}
TEST(RetryMaria, DeadlockVictimIsRetried) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    deadlock_victim_is_retried(kMaria, own_log("maria_deadlock"));
}

TEST(RetryPg, QueryTimeoutIsNotRetried) {
    ORT_REQUIRE_ENV(PG_ENV);
    query_timeout_not_retried(kPg, own_log("pg_timeout"));
}
TEST(RetryMaria, QueryTimeoutIsNotRetried) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    query_timeout_not_retried(kMaria, own_log("maria_timeout"));
}

TEST(RetryPg, CircuitBreakerOpensProbesAndCloses) {
    ORT_REQUIRE_ENV(PG_ENV);
    circuit_breaker(kPg, own_log("pg_breaker"));
}
TEST(RetryMaria, CircuitBreakerOpensProbesAndCloses) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    circuit_breaker(kMaria, own_log("maria_breaker"));
}

TEST(RetryPg, NoSecretsInLogOrDiagnostics) {
    ORT_REQUIRE_ENV(PG_ENV);
    no_secrets(kPg);
}
TEST(RetryMaria, NoSecretsInLogOrDiagnostics) {
    ORT_REQUIRE_ENV(MARIA_ENV);
    no_secrets(kMaria);
}

}  // namespace
}  // namespace ort_retry
