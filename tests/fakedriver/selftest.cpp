// SPDX-License-Identifier: Apache-2.0
// Self-test of libodbcfake.so: loads it with dlopen(RTLD_NOW | RTLD_LOCAL), as odbc-retry loads
// a target driver, and calls it only through a table of dlsym'd functions.
#include <dlfcn.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fake_odbc.h"

#ifndef ODBCFAKE_LIBRARY
#error "ODBCFAKE_LIBRARY must name the built libodbcfake.so"
#endif

// Decoys in the executable's dynamic symbol table (ENABLE_EXPORTS). The fake's SQLExecDirect
// calls its exported SQLPrepare and SQLExecute; if those calls were not bound inside the fake,
// they would land here, as they would land in the driver manager's or odbc-retry's copies.
namespace {
std::atomic<int> g_decoyCalls{0};
}
extern "C" SQLRETURN SQL_API SQLPrepare(SQLHSTMT, SQLCHAR*, SQLINTEGER) {
    ++g_decoyCalls;
    return SQL_INVALID_HANDLE;
}
extern "C" SQLRETURN SQL_API SQLExecute(SQLHSTMT) {
    ++g_decoyCalls;
    return SQL_INVALID_HANDLE;
}

namespace {

#define FAKE_FUNCTIONS(X) \
    X(SQLAllocHandle)     \
    X(SQLFreeHandle)      \
    X(SQLSetEnvAttr)      \
    X(SQLDriverConnect)   \
    X(SQLDisconnect)      \
    X(SQLGetInfo)         \
    X(SQLGetFunctions)    \
    X(SQLSetConnectAttr)  \
    X(SQLGetConnectAttr)  \
    X(SQLExecDirect)      \
    X(SQLExecDirectW)     \
    X(SQLPrepare)         \
    X(SQLExecute)         \
    X(SQLBindParameter)   \
    X(SQLNumResultCols)   \
    X(SQLDescribeCol)     \
    X(SQLFetch)           \
    X(SQLGetData)         \
    X(SQLRowCount)        \
    X(SQLFreeStmt)        \
    X(SQLEndTran)         \
    X(SQLCancel)          \
    X(SQLSetStmtAttr)     \
    X(SQLGetDiagRec)

// The fake's entry points, resolved once.
struct Fake {
#define DECLARE(name) decltype(&::name) name = nullptr;
    FAKE_FUNCTIONS(DECLARE)
#undef DECLARE
    void* library = nullptr;

    static const Fake& get() {
        static const Fake fake = [] {
            Fake f;
            f.library = dlopen(ODBCFAKE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
            if (f.library == nullptr) {
                ADD_FAILURE() << "dlopen: " << dlerror();
                return f;
            }
#define RESOLVE(name) f.name = reinterpret_cast<decltype(&::name)>(dlsym(f.library, #name));
            FAKE_FUNCTIONS(RESOLVE)
#undef RESOLVE
            return f;
        }();
        return fake;
    }
};

const Fake& odbc() {
    return Fake::get();
}

struct Record {
    std::string state;
    long native = 0;
    std::string message;
};

Record diagOf(SQLSMALLINT type, SQLHANDLE handle) {
    SQLCHAR state[6] = {0};
    SQLINTEGER native = 0;
    SQLCHAR message[512] = {0};
    SQLSMALLINT length = 0;
    Record r;
    if (odbc().SQLGetDiagRec(type, handle, 1, state, &native, message, sizeof message, &length) ==
        SQL_SUCCESS) {
        r.state = reinterpret_cast<char*>(state);
        r.native = native;
        r.message = reinterpret_cast<char*>(message);
    }
    return r;
}

// What a statement returned: the execute's result, the rows fetched (as text) and how the
// fetching ended.
struct Result {
    SQLRETURN rc = SQL_ERROR;
    Record diag;
    std::vector<std::vector<std::string>> rows;
    SQLRETURN fetchRc = SQL_NO_DATA;
    Record fetchDiag;

    bool ok() const { return SQL_SUCCEEDED(rc) && fetchRc == SQL_NO_DATA; }
    std::string first() const { return rows.empty() ? "<no rows>" : rows[0][0]; }
};

class Connection {
  public:
    explicit Connection(SQLHENV env) { odbc().SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc_); }
    ~Connection() {
        if (connected_) odbc().SQLDisconnect(dbc_);
        odbc().SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    SQLRETURN connect(const std::string& connectionString) {
        SQLRETURN rc = odbc().SQLDriverConnect(
            dbc_, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connectionString.c_str())),
            SQL_NTS, nullptr, 0, nullptr, SQL_DRIVER_NOPROMPT);
        connected_ = SQL_SUCCEEDED(rc);
        return rc;
    }

    // Executes sql (SQLExecDirect) and fetches every row with SQLGetData(SQL_C_CHAR).
    Result run(const std::string& sql) {
        Result r;
        SQLHSTMT stmt = nullptr;
        r.rc = odbc().SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
        if (!SQL_SUCCEEDED(r.rc)) {
            r.diag = diagOf(SQL_HANDLE_DBC, dbc_);
            return r;
        }
        r.rc = odbc().SQLExecDirect(
            stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
        if (!SQL_SUCCEEDED(r.rc)) {
            r.diag = diagOf(SQL_HANDLE_STMT, stmt);
        } else {
            fetchAll(stmt, r);
        }
        odbc().SQLFreeHandle(SQL_HANDLE_STMT, stmt);
        return r;
    }

    static void fetchAll(SQLHSTMT stmt, Result& r) {
        SQLSMALLINT columns = 0;
        odbc().SQLNumResultCols(stmt, &columns);
        if (columns == 0) return;
        for (;;) {
            r.fetchRc = odbc().SQLFetch(stmt);
            if (r.fetchRc != SQL_SUCCESS) break;
            std::vector<std::string> row;
            for (SQLUSMALLINT c = 1; c <= columns; ++c) {
                char buffer[256] = {0};
                SQLLEN indicator = 0;
                odbc().SQLGetData(stmt, c, SQL_C_CHAR, buffer, sizeof buffer, &indicator);
                row.push_back(indicator == SQL_NULL_DATA ? "NULL" : buffer);
            }
            r.rows.push_back(row);
        }
        if (r.fetchRc == SQL_ERROR) r.fetchDiag = diagOf(SQL_HANDLE_STMT, stmt);
    }

    long long scalar(const std::string& sql) {
        Result r = run(sql);
        EXPECT_TRUE(r.ok()) << sql << ": " << r.diag.state << " " << r.diag.message;
        return r.rows.empty() ? -1 : std::stoll(r.rows[0][0]);
    }

    void setAutocommit(bool on) {
        ASSERT_EQ(SQL_SUCCESS,
                  odbc().SQLSetConnectAttr(dbc_, SQL_ATTR_AUTOCOMMIT,
                                           reinterpret_cast<SQLPOINTER>(static_cast<uintptr_t>(
                                               on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF)),
                                           SQL_IS_UINTEGER));
    }

    SQLRETURN endTran(SQLSMALLINT completion) {
        return odbc().SQLEndTran(SQL_HANDLE_DBC, dbc_, completion);
    }

    SQLUINTEGER dead() {
        SQLUINTEGER value = 99;
        EXPECT_EQ(SQL_SUCCESS, odbc().SQLGetConnectAttr(dbc_, SQL_ATTR_CONNECTION_DEAD, &value,
                                                        sizeof value, nullptr));
        return value;
    }

    Record diag() const { return diagOf(SQL_HANDLE_DBC, dbc_); }
    SQLHDBC handle() const { return dbc_; }

  private:
    SQLHDBC dbc_ = nullptr;
    bool connected_ = false;
};

// Each test gets its own environment, a unique database name and a scratch directory.
class FakeDriver : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_NE(nullptr, odbc().SQLAllocHandle) << "libodbcfake.so was not loaded";
        ASSERT_EQ(SQL_SUCCESS, odbc().SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_));
        odbc().SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION,
                             reinterpret_cast<SQLPOINTER>(static_cast<uintptr_t>(SQL_OV_ODBC3)), 0);
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        database_ = std::string(info->name()) + "_" + std::to_string(::getpid());
        dir_ = std::filesystem::temp_directory_path() / ("odbcfake-" + database_);
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override {
        odbc().SQLFreeHandle(SQL_HANDLE_ENV, env_);
        std::filesystem::remove_all(dir_);
    }

    std::string keys(const std::string& more = "") const {
        return "Database=" + database_ + ";" + more;
    }
    std::string controlPath() const { return (dir_ / "control").string(); }
    std::string logPath() const { return (dir_ / "events.log").string(); }

    // Replaces the control file atomically (write, then rename), as README.md advises.
    void writeControl(const std::string& content) const {
        std::string temporary = controlPath() + ".tmp";
        std::ofstream(temporary) << content;
        std::filesystem::rename(temporary, controlPath());
    }
    std::string readFile(const std::string& path) const {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    SQLHENV env_ = nullptr;
    std::string database_;
    std::filesystem::path dir_;
};

TEST_F(FakeDriver, ConnectFailuresAreCountedAcrossConnections) {
    std::string connstr = keys("FailConnect=2:08001:101:could not connect: Connection refused");
    for (int attempt = 1; attempt <= 2; ++attempt) {
        Connection c(env_);
        EXPECT_EQ(SQL_ERROR, c.connect(connstr)) << "attempt " << attempt;
        Record d = c.diag();
        EXPECT_EQ("08001", d.state);
        EXPECT_EQ(101, d.native);
        EXPECT_EQ("could not connect: Connection refused", d.message);
    }
    Connection third(env_);
    EXPECT_EQ(SQL_SUCCESS, third.connect(connstr));
    EXPECT_EQ(1, third.scalar("SELECT 1"));
    Connection fourth(env_);
    EXPECT_EQ(SQL_SUCCESS, fourth.connect(connstr));
}

TEST_F(FakeDriver, ControlFileConnectBudgetIsConsumed) {
    writeControl("# two refusals\nfail_connect=2:08004:1040:Too many connections\n");
    std::string connstr = keys("FakeControl=" + controlPath());
    Connection a(env_), b(env_), c(env_);
    EXPECT_EQ(SQL_ERROR, a.connect(connstr));
    EXPECT_EQ("08004", a.diag().state);
    EXPECT_EQ(1040, a.diag().native);
    EXPECT_EQ(SQL_ERROR, b.connect(connstr));
    EXPECT_EQ(SQL_SUCCESS, c.connect(connstr));
    EXPECT_NE(std::string::npos,
              readFile(controlPath()).find("fail_connect=0:08004:1040:Too many connections"));
    writeControl("down=1\n");
    Connection d(env_);
    EXPECT_EQ(SQL_ERROR, d.connect(connstr));
    EXPECT_EQ("08001", d.diag().state);
}

TEST_F(FakeDriver, ConnectDelayHonoursLoginTimeout) {
    Connection c(env_);
    odbc().SQLSetConnectAttr(c.handle(), SQL_ATTR_LOGIN_TIMEOUT,
                             reinterpret_cast<SQLPOINTER>(static_cast<uintptr_t>(1)), 0);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(SQL_ERROR, c.connect(keys("ConnectDelayMs=5000")));
    EXPECT_EQ("HYT00", c.diag().state);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
}

TEST_F(FakeDriver, LostConnectionAtFetchRow3) {
    std::string connstr = keys("LoseAt=fetch:3");
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(connstr));
    EXPECT_EQ(SQL_CD_FALSE, c.dead());
    Result r = c.run("SELECT n FROM seq(5)");
    ASSERT_EQ(SQL_SUCCESS, r.rc);
    ASSERT_EQ(2u, r.rows.size());
    EXPECT_EQ("1", r.rows[0][0]);
    EXPECT_EQ("2", r.rows[1][0]);
    EXPECT_EQ(SQL_ERROR, r.fetchRc);
    EXPECT_EQ("08S01", r.fetchDiag.state);
    EXPECT_EQ(35, r.fetchDiag.native);
    EXPECT_EQ("[Fake]server closed the connection unexpectedly", r.fetchDiag.message);
    EXPECT_EQ(SQL_CD_TRUE, c.dead());
    Result after = c.run("SELECT 1");
    EXPECT_EQ(SQL_ERROR, after.rc);
    EXPECT_EQ("08S01", after.diag.state);
    EXPECT_EQ("[Fake]connection lost", after.diag.message);

    // The fault fires once per process (LoseTimes=1): a new connection reads all rows.
    Connection fresh(env_);
    ASSERT_EQ(SQL_SUCCESS, fresh.connect(connstr));
    Result again = fresh.run("SELECT n FROM seq(5)");
    EXPECT_TRUE(again.ok());
    EXPECT_EQ(5u, again.rows.size());
}

TEST_F(FakeDriver, DeadlockOnTheNthExecuteRollsBackTheTransaction) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys("DeadlockOn=2")));
    c.setAutocommit(false);
    EXPECT_TRUE(c.run("INSERT INTO t VALUES (1)").ok());
    Result r = c.run("INSERT INTO t VALUES (2)");
    EXPECT_EQ(SQL_ERROR, r.rc);
    EXPECT_EQ("40001", r.diag.state);
    EXPECT_EQ(1213, r.diag.native);
    EXPECT_NE(std::string::npos, r.diag.message.find("Deadlock found"));
    EXPECT_EQ(SQL_SUCCESS, c.endTran(SQL_COMMIT));
    EXPECT_EQ(0, c.scalar("SELECT count(*) FROM t"));  // the first insert was rolled back too
    EXPECT_EQ(SQL_CD_FALSE, c.dead());
}

TEST_F(FakeDriver, ControlFileDeadlockBudget) {
    writeControl("deadlock=1\nmatch=INSERT\n");
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys("FakeControl=" + controlPath())));
    EXPECT_TRUE(c.run("SELECT 1").ok());  // does not match
    EXPECT_EQ("40001", c.run("INSERT INTO t VALUES (7)").diag.state);
    EXPECT_TRUE(c.run("INSERT INTO t VALUES (7)").ok());
    EXPECT_EQ(1, c.scalar("SELECT count(*) FROM t"));
}

TEST_F(FakeDriver, EpochBumpLosesOlderConnections) {
    writeControl("epoch=1\n");
    std::string connstr = keys("FakeControl=" + controlPath());
    Connection a(env_), b(env_);
    ASSERT_EQ(SQL_SUCCESS, a.connect(connstr));
    ASSERT_EQ(SQL_SUCCESS, b.connect(connstr));
    EXPECT_EQ(1, a.scalar("SELECT 1"));
    writeControl("epoch=2\n");  // the server restarted
    Result r = a.run("SELECT 1");
    EXPECT_EQ(SQL_ERROR, r.rc);
    EXPECT_EQ("08S01", r.diag.state);
    EXPECT_EQ(35, r.diag.native);
    EXPECT_EQ("[Fake]server closed the connection unexpectedly", r.diag.message);
    EXPECT_EQ("[Fake]connection lost", a.run("SELECT 1").diag.message);
    EXPECT_EQ(SQL_CD_TRUE, a.dead());
    EXPECT_EQ(SQL_CD_TRUE, b.dead());  // active dead check: no statement needed
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(connstr));
    EXPECT_EQ(SQL_CD_FALSE, c.dead());
    EXPECT_EQ(2, c.scalar("SELECT 2"));
}

TEST_F(FakeDriver, PassiveDeadCheckWaitsForACall) {
    writeControl("epoch=0\n");
    Connection a(env_);
    ASSERT_EQ(SQL_SUCCESS, a.connect(keys("DeadCheck=passive;FakeControl=" + controlPath())));
    writeControl("epoch=1\n");
    EXPECT_EQ(SQL_CD_FALSE, a.dead());
    EXPECT_EQ(SQL_ERROR, a.run("SELECT 1").rc);
    EXPECT_EQ(SQL_CD_TRUE, a.dead());
}

TEST_F(FakeDriver, CommitAndRollback) {
    Connection writer(env_), reader(env_);
    ASSERT_EQ(SQL_SUCCESS, writer.connect(keys()));
    ASSERT_EQ(SQL_SUCCESS, reader.connect(keys()));
    writer.setAutocommit(false);
    EXPECT_TRUE(writer.run("INSERT INTO t VALUES (1)").ok());
    EXPECT_TRUE(writer.run("INSERT INTO t VALUES (2), (3)").ok());
    EXPECT_EQ(3, writer.scalar("SELECT count(*) FROM t"));  // sees its own changes
    EXPECT_EQ(0, reader.scalar("SELECT count(*) FROM t"));
    EXPECT_EQ(SQL_SUCCESS, writer.endTran(SQL_ROLLBACK));
    EXPECT_EQ(0, writer.scalar("SELECT count(*) FROM t"));
    EXPECT_TRUE(writer.run("INSERT INTO t VALUES (5)").ok());
    EXPECT_TRUE(writer.run("INSERT INTO t VALUES (4)").ok());
    EXPECT_EQ(SQL_SUCCESS, writer.endTran(SQL_COMMIT));
    Result rows = reader.run("SELECT v FROM t ORDER BY v");
    ASSERT_EQ(2u, rows.rows.size());
    EXPECT_EQ("4", rows.rows[0][0]);
    EXPECT_EQ("5", rows.rows[1][0]);
    EXPECT_TRUE(writer.run("DELETE FROM t").ok());
    EXPECT_EQ(2, reader.scalar("SELECT count(*) FROM t"));
    writer.setAutocommit(true);  // commits the open transaction
    EXPECT_EQ(0, reader.scalar("SELECT count(*) FROM t"));
}

TEST_F(FakeDriver, LossAtCommitBeforeAndAfterApplying) {
    Connection before(env_);
    ASSERT_EQ(SQL_SUCCESS, before.connect(keys("LoseAt=commit:before")));
    before.setAutocommit(false);
    EXPECT_TRUE(before.run("INSERT INTO t VALUES (1)").ok());
    EXPECT_EQ(SQL_ERROR, before.endTran(SQL_COMMIT));
    EXPECT_EQ("08S01", before.diag().state);

    Connection after(env_);
    ASSERT_EQ(SQL_SUCCESS, after.connect(keys("LoseAt=commit:after")));
    after.setAutocommit(false);
    EXPECT_TRUE(after.run("INSERT INTO t VALUES (2)").ok());
    EXPECT_EQ(SQL_ERROR, after.endTran(SQL_COMMIT));

    Connection check(env_);
    ASSERT_EQ(SQL_SUCCESS, check.connect(keys()));
    Result rows = check.run("SELECT v FROM t");
    ASSERT_EQ(1u, rows.rows.size());
    EXPECT_EQ("2", rows.rows[0][0]);
}

TEST_F(FakeDriver, LossAtExecuteAfterAppliesTheWrite) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys("LoseAt=execute:after;FaultMatch=insert")));
    EXPECT_TRUE(c.run("SELECT 1").ok());
    Result r = c.run("INSERT INTO t VALUES (9)");
    EXPECT_EQ(SQL_ERROR, r.rc);
    EXPECT_EQ("08S01", r.diag.state);
    Connection check(env_);
    ASSERT_EQ(SQL_SUCCESS, check.connect(keys()));
    EXPECT_EQ(1, check.scalar("SELECT count(*) FROM t"));
}

TEST_F(FakeDriver, FailExecuteWithACustomRecord) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS,
              c.connect(keys("FailExecute={2:57P01:35:FATAL: terminating connection; bye}")));
    for (int i = 0; i < 2; ++i) {
        Result r = c.run("SELECT 1");
        EXPECT_EQ(SQL_ERROR, r.rc);
        EXPECT_EQ("57P01", r.diag.state);
        EXPECT_EQ(35, r.diag.native);
        EXPECT_EQ("FATAL: terminating connection; bye", r.diag.message);
    }
    EXPECT_TRUE(c.run("SELECT 1").ok());
}

TEST_F(FakeDriver, ExecDirectReachesTheFakesOwnSqlPrepare) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys()));
    EXPECT_TRUE(c.run("SELECT 1").ok());
    EXPECT_TRUE(c.run("SELECT 'a', 2").ok());
    // Prepare + Execute from outside do not count.
    SQLHSTMT stmt = nullptr;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &stmt));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLPrepare(stmt, (SQLCHAR*)"SELECT 3", SQL_NTS));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLExecute(stmt));
    odbc().SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    EXPECT_EQ(3, c.scalar("SELECT fake_self_calls()"));  // this SQLExecDirect is the third
    EXPECT_EQ(0, g_decoyCalls.load());
}

TEST_F(FakeDriver, QueriesAndErrors) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys()));
    Result lit = c.run("select 'it''s', -42, NULL;");
    ASSERT_TRUE(lit.ok());
    ASSERT_EQ(1u, lit.rows.size());
    EXPECT_EQ((std::vector<std::string>{"it's", "-42", "NULL"}), lit.rows[0]);
    Result bad = c.run("SELEKT 1");
    EXPECT_EQ(SQL_ERROR, bad.rc);
    EXPECT_EQ("42000", bad.diag.state);
    EXPECT_EQ("[Fake]syntax error near \"SELEKT\"", bad.diag.message);
    EXPECT_EQ("42S02", c.run("SELECT v FROM u").diag.state);
    EXPECT_TRUE(c.run("SET search_path = 'x'").ok());
    EXPECT_EQ("x", c.run("SHOW search_path").first());

    char name[64] = {0};
    SQLSMALLINT length = 0;
    ASSERT_EQ(SQL_SUCCESS,
              odbc().SQLGetInfo(c.handle(), SQL_DBMS_NAME, name, sizeof name, &length));
    EXPECT_STREQ("FakeDB", name);
    ASSERT_EQ(SQL_SUCCESS,
              odbc().SQLGetInfo(c.handle(), SQL_DRIVER_ODBC_VER, name, sizeof name, &length));
    EXPECT_STREQ("03.80", name);
    SQLUSMALLINT functions[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE] = {0};
    ASSERT_EQ(SQL_SUCCESS,
              odbc().SQLGetFunctions(c.handle(), SQL_API_ODBC3_ALL_FUNCTIONS, functions));
    EXPECT_EQ(SQL_TRUE, SQL_FUNC_EXISTS(functions, SQL_API_SQLPREPARE));
    EXPECT_EQ(SQL_TRUE, SQL_FUNC_EXISTS(functions, SQL_API_SQLGETDIAGREC));
    EXPECT_EQ(SQL_FALSE, SQL_FUNC_EXISTS(functions, SQL_API_SQLCOLUMNS));

    Connection badKey(env_);
    EXPECT_EQ(SQL_ERROR, badKey.connect(keys("LoseAt=sometimes")));
    EXPECT_EQ("HY000", badKey.diag().state);
    EXPECT_NE(std::string::npos, badKey.diag().message.find("LoseAt"));
}

TEST_F(FakeDriver, ParametersWideTextAndTheEventLog) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys("FakeLog=" + logPath() + ";PWD=secret")));
    SQLHSTMT stmt = nullptr;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &stmt));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLPrepare(stmt, (SQLCHAR*)"INSERT INTO t VALUES (?)", SQL_NTS));
    SQLINTEGER value = 41;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLBindParameter(stmt, 1, SQL_PARAM_INPUT, SQL_C_SLONG,
                                                   SQL_INTEGER, 0, 0, &value, 0, nullptr));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLExecute(stmt));
    value = 42;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLExecute(stmt));
    SQLLEN count = 0;
    odbc().SQLRowCount(stmt, &count);
    EXPECT_EQ(1, count);

    std::u16string sql = u"SELECT v FROM t ORDER BY v DESC";
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLExecDirectW(stmt, (SQLWCHAR*)sql.c_str(), SQL_NTS));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLFetch(stmt));
    SQLWCHAR wide[8] = {0};
    SQLLEN indicator = 0;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLGetData(stmt, 1, SQL_C_WCHAR, wide, sizeof wide, &indicator));
    EXPECT_EQ(4, indicator);
    EXPECT_EQ(u"42", std::u16string(reinterpret_cast<char16_t*>(wide)));
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLFetch(stmt));
    SQLBIGINT big = 0;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLGetData(stmt, 1, SQL_C_SBIGINT, &big, 0, nullptr));
    EXPECT_EQ(41, big);
    EXPECT_EQ(SQL_NO_DATA, odbc().SQLFetch(stmt));
    odbc().SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    EXPECT_EQ(SQL_ERROR, c.run("SELEKT").rc);

    const auto npos = std::string::npos;
    std::string log = readFile(logPath());
    EXPECT_NE(npos, log.find("SQLAllocHandle dbc="));
    EXPECT_NE(npos, log.find("SQLDriverConnect dbc="));
    EXPECT_EQ(npos, log.find("secret"));
    EXPECT_NE(npos, log.find("params=[41] -> SQL_SUCCESS"));
    EXPECT_NE(npos, log.find("params=[42] -> SQL_SUCCESS"));
    EXPECT_NE(npos, log.find("SQLExecDirectW stmt="));
    EXPECT_NE(npos, log.find("sql=\"SELEKT\" -> SQL_ERROR 42000"));
    // SQLExecDirect's own calls of SQLPrepare are not calls from outside: only the one above.
    size_t prepares = 0;
    for (size_t at = log.find(" SQLPrepare "); at != npos; at = log.find(" SQLPrepare ", at + 1)) {
        ++prepares;
    }
    EXPECT_EQ(1u, prepares) << log;
}

TEST_F(FakeDriver, CancelInterruptsASlowExecute) {
    Connection c(env_);
    ASSERT_EQ(SQL_SUCCESS, c.connect(keys("ExecuteDelayMs=10000")));
    SQLHSTMT stmt = nullptr;
    ASSERT_EQ(SQL_SUCCESS, odbc().SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &stmt));
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        odbc().SQLCancel(stmt);
    });
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(SQL_ERROR, odbc().SQLExecDirect(stmt, (SQLCHAR*)"SELECT 1", SQL_NTS));
    canceller.join();
    EXPECT_EQ("HY008", diagOf(SQL_HANDLE_STMT, stmt).state);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    odbc().SQLFreeHandle(SQL_HANDLE_STMT, stmt);
}

}  // namespace
