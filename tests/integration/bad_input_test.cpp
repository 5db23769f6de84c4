// SPDX-License-Identifier: Apache-2.0
// Bad input through the driver manager: handles the application got wrong, odbc-retry DSNs that
// are misconfigured, malformed connection strings; and the ways of connecting that must work
// (SQLConnect with and without UID/PWD, SQLDriverConnect with DSN= or DRIVER=), with an output
// connection string that never shows a secret the application did not give.
//
// The misconfigured DSNs live in a private copy of the project's odbc.ini, written before the
// first ODBC call and named by ODBCINI for this process only; the shared file is not touched.
//
// Suites by the servers they need (ctest labels): BadInput and BadInputSqlite (sqlite),
// BadInputPg (pg), BadInputMaria (mariadb).
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "odbc_harness.h"

using namespace ort_it;

namespace {

// The project's odbc.ini plus the DSNs these tests need, in a private temporary directory.
class PrivateOdbcIni : public RequireOdbcEnvironment {
  public:
    void SetUp() override {
        RequireOdbcEnvironment::SetUp();
        if (::testing::Test::HasFatalFailure()) return;
        std::ifstream in(env_value("ODBCINI"));
        std::stringstream shared;
        shared << in.rdbuf();
        ASSERT_FALSE(shared.str().empty()) << "ODBCINI=" << env_value("ODBCINI") << " is empty";
        std::string base = env_value("TMPDIR").empty() ? "/tmp" : env_value("TMPDIR");
        std::string dir_template = base + "/odbc-retry-bad-input.XXXXXX";
        ASSERT_NE(mkdtemp(dir_template.data()), nullptr)
            << "cannot create a directory under " << base;
        dir_ = dir_template;
        path_ = dir_ + "/odbc.ini";
        {
            std::ofstream out(path_);
            out << shared.str() << "\n"
                << "[ort_bad_no_target]\nDriver=ODBC Retry\nDescription=odbc-retry without a "
                   "target\n\n"
                << "[ort_bad_missing_library]\nDriver=ODBC "
                   "Retry\nTargetDriver=/nonexistent/libort_missing.so\n\n"
                << "[ort_bad_unregistered_driver]\nDriver=ODBC Retry\nTargetDriver=No Such "
                   "Driver\n\n"
                << "[ort_bad_unknown_key]\nDriver=ODBC "
                   "Retry\nTargetDSN=sqlite_direct\nRetryMaxAtempts=3\n\n"
                << "[ort_bad_malformed_value]\nDriver=ODBC "
                   "Retry\nTargetDSN=sqlite_direct\nRetryBaseDelay=abc\n\n"
                << "[ort_bad_target_not_a_dsn]\nDriver=ODBC Retry\nTargetDSN=ort_no_such_dsn\n\n"
                << "[ort_bad_loop]\nDriver=ODBC Retry\nTargetDSN=sqlite_retry\n\n";
        }
        chmod(path_.c_str(), 0600);  // it holds the passwords of the shared file
        setenv("ODBCINI", path_.c_str(), 1);
    }
    void TearDown() override {
        if (!path_.empty()) std::remove(path_.c_str());
        if (!dir_.empty()) rmdir(dir_.c_str());
    }

  private:
    std::string dir_, path_;
};

::testing::Environment* const kPrivateIni =
    ::testing::AddGlobalTestEnvironment(new PrivateOdbcIni());

struct Diag {
    std::string state;
    SQLINTEGER native = 0;
    std::string message;
};

std::vector<Diag> diags(SQLSMALLINT type, SQLHANDLE h) {
    std::vector<Diag> out;
    for (SQLSMALLINT i = 1; i < 20; ++i) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[2048] = {};
        SQLSMALLINT len = 0;
        if (!SQL_SUCCEEDED(
                SQLGetDiagRec(type, h, i, state, &native, message, sizeof message, &len)))
            break;
        out.push_back({reinterpret_cast<char*>(state), native, reinterpret_cast<char*>(message)});
    }
    return out;
}

std::string show(const std::vector<Diag>& d) {
    std::string out;
    for (const auto& r : d)
        out += "[" + r.state + " native=" + std::to_string(r.native) + "] " + r.message + "\n";
    return out.empty() ? "(no diagnostic records)" : out;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// SQLDriverConnect that must fail: returns the diagnostics of the connection handle.
std::vector<Diag> failing_connect(const std::string& connection_string,
                                  SQLRETURN* rc_out = nullptr) {
    EnvDbc h;
    SQLRETURN rc = h.driver_connect(connection_string);
    if (rc_out) *rc_out = rc;
    EXPECT_EQ(rc, SQL_ERROR) << connection_string << " should not connect";
    auto d = diags(SQL_HANDLE_DBC, h.dbc);
    EXPECT_FALSE(d.empty()) << connection_string << ": an error without a diagnostic record";
    return d;
}

// The first record must have `state` and a message of odbc-retry's that names every part.
void expect_record(const std::vector<Diag>& d, const std::string& state,
                   std::initializer_list<std::string> parts, const std::string& context) {
    ASSERT_FALSE(d.empty()) << context;
    EXPECT_EQ(d[0].state, state) << context << "\n" << show(d);
    EXPECT_TRUE(contains(d[0].message, "[odbc-retry]")) << context << ": not odbc-retry's message\n"
                                                        << show(d);
    for (const auto& part : parts)
        EXPECT_TRUE(contains(d[0].message, part))
            << context << ": the message does not name '" << part << "'\n"
            << show(d);
}

// Runs "SELECT 1" (sqlite, pg) on a connected handle and returns the value read.
std::string select_one(SQLHDBC dbc) {
    SQLHSTMT s = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s)))
        return "(no statement: " + diag_text(SQL_HANDLE_DBC, dbc) + ")";
    std::string value = "(nothing)";
    if (SQL_SUCCEEDED(
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), SQL_NTS)) &&
        SQL_SUCCEEDED(SQLFetch(s))) {
        char buffer[32] = {};
        SQLLEN ind = 0;
        if (SQL_SUCCEEDED(SQLGetData(s, 1, SQL_C_CHAR, buffer, sizeof buffer, &ind)))
            value = buffer;
    } else {
        value = "(failed: " + diag_text(SQL_HANDLE_STMT, s) + ")";
    }
    SQLFreeHandle(SQL_HANDLE_STMT, s);
    return value;
}

std::string require(const char* name) {
    std::string v = env_value(name);
    if (v.empty()) ADD_FAILURE() << name << " is not set. " << environment_hint();
    return v;
}

// ---- invalid handles: the driver manager's checks, the same with and without odbc-retry -------

TEST(BadInput, InvalidAndFreedHandles) {
    for (const char* dsn : {"sqlite_direct", "sqlite_retry"}) {
        SCOPED_TRACE(dsn);
        EXPECT_EQ(SQLExecDirect(SQL_NULL_HSTMT,
                                reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), SQL_NTS),
                  SQL_INVALID_HANDLE);
        EXPECT_EQ(SQLAllocHandle(SQL_HANDLE_STMT, SQL_NULL_HDBC, nullptr), SQL_INVALID_HANDLE);
        EnvDbc h;
        // Before connecting.
        SQLHSTMT s = SQL_NULL_HSTMT;
        EXPECT_EQ(SQLAllocHandle(SQL_HANDLE_STMT, h.dbc, &s), SQL_ERROR);
        auto d = diags(SQL_HANDLE_DBC, h.dbc);
        ASSERT_FALSE(d.empty());
        EXPECT_EQ(d[0].state, "08003") << show(d);
        EXPECT_EQ(SQLDisconnect(h.dbc), SQL_ERROR);
        ASSERT_TRUE(SQL_SUCCEEDED(h.driver_connect(std::string("DSN=") + dsn + ";")))
            << diag_text(SQL_HANDLE_DBC, h.dbc);
        // A freed statement handle: unixODBC 2.3.11 answers SQL_ERROR or SQL_INVALID_HANDLE
        // (it keeps freed handles for a while); either way nothing reaches the driver.
        ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, h.dbc, &s)));
        ASSERT_EQ(SQLFreeHandle(SQL_HANDLE_STMT, s), SQL_SUCCESS);
        SQLRETURN freed =
            SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>("SELECT 1")), SQL_NTS);
        EXPECT_TRUE(freed == SQL_INVALID_HANDLE || freed == SQL_ERROR) << rc_name(freed);
        // A handle of the wrong type.
        SQLCHAR state[6];
        SQLINTEGER native;
        SQLCHAR message[64];
        SQLSMALLINT len;
        EXPECT_EQ(
            SQLGetDiagRec(SQL_HANDLE_STMT, h.dbc, 1, state, &native, message, sizeof message, &len),
            SQL_INVALID_HANDLE);
        EXPECT_EQ(SQLFetch(reinterpret_cast<SQLHSTMT>(h.dbc)), SQL_INVALID_HANDLE);
        // Descriptor attributes that are not descriptors of the application's.
        ASSERT_TRUE(SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, h.dbc, &s)));
        SQLHDESC ird = SQL_NULL_HDESC;
        ASSERT_TRUE(SQL_SUCCEEDED(SQLGetStmtAttr(s, SQL_ATTR_IMP_ROW_DESC, &ird, 0, nullptr)));
        SQLRETURN rc = SQLSetStmtAttr(s, SQL_ATTR_APP_ROW_DESC, ird, 0);
        EXPECT_EQ(rc, SQL_ERROR) << "an implementation descriptor as the ARD";
        d = diags(SQL_HANDLE_STMT, s);
        ASSERT_FALSE(d.empty());
        EXPECT_EQ(d[0].state, "HY017") << show(d);
        // The statement still works.
        EXPECT_EQ(select_one(h.dbc), "1");
        EXPECT_EQ(SQLFreeHandle(SQL_HANDLE_STMT, s), SQL_SUCCESS);
        // Freeing a connected connection.
        EXPECT_EQ(SQLFreeHandle(SQL_HANDLE_DBC, h.dbc), SQL_ERROR);
        d = diags(SQL_HANDLE_DBC, h.dbc);
        ASSERT_FALSE(d.empty());
        EXPECT_EQ(d[0].state, "HY010") << show(d);
        EXPECT_EQ(SQLDisconnect(h.dbc), SQL_SUCCESS);
        h.connected = false;
        EXPECT_EQ(SQLDisconnect(h.dbc), SQL_ERROR);
    }
}

// ---- misconfigured odbc-retry DSNs ---------------------------------------------------------

TEST(BadInputSqlite, DsnWithoutTarget) {
    expect_record(failing_connect("DSN=ort_bad_no_target;"), "IM002",
                  {"ort_bad_no_target", "TargetDSN", "TargetDriver"},
                  "DSN without TargetDSN/TargetDriver");
    expect_record(failing_connect("DRIVER={ODBC Retry};"), "IM002", {"TargetDSN", "TargetDriver"},
                  "DRIVER= without a target");
    EnvDbc h;
    EXPECT_EQ(SQLConnect(h.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("ort_bad_no_target")),
                         SQL_NTS, nullptr, 0, nullptr, 0),
              SQL_ERROR);
    expect_record(diags(SQL_HANDLE_DBC, h.dbc), "IM002", {"ort_bad_no_target"}, "SQLConnect");
}

TEST(BadInputSqlite, MissingTargetLibrary) {
    expect_record(failing_connect("DSN=ort_bad_missing_library;"), "IM003",
                  {"/nonexistent/libort_missing.so"},
                  "TargetDriver names a missing library (odbc.ini)");
    expect_record(
        failing_connect("DRIVER={ODBC Retry};TargetDriver=/nonexistent/libort_missing.so;"),
        "IM003", {"/nonexistent/libort_missing.so"},
        "TargetDriver names a missing library (connection string)");
    // A driver name that odbcinst.ini does not know.
    auto d = failing_connect("DSN=ort_bad_unregistered_driver;");
    ASSERT_FALSE(d.empty());
    EXPECT_TRUE(d[0].state == "IM002" || d[0].state == "IM003") << show(d);
    EXPECT_TRUE(contains(d[0].message, "[odbc-retry]") && contains(d[0].message, "No Such Driver"))
        << show(d);
}

TEST(BadInputSqlite, TargetDsnThatDoesNotExist) {
    expect_record(failing_connect("DSN=ort_bad_target_not_a_dsn;"), "IM002", {"ort_no_such_dsn"},
                  "TargetDSN names no data source");
}

TEST(BadInputSqlite, TargetIsOdbcRetryItself) {
    auto d = failing_connect("DSN=ort_bad_loop;");
    ASSERT_FALSE(d.empty());
    EXPECT_TRUE(contains(d[0].message, "[odbc-retry]") && contains(d[0].message, "sqlite_retry"))
        << show(d);
}

TEST(BadInputSqlite, UnknownKey) {
    expect_record(failing_connect("DSN=sqlite_retry;RetryMaxAtempts=3;"), "HY000",
                  {"RetryMaxAtempts", "connection string"},
                  "misspelt key in the connection string");
    expect_record(failing_connect("DSN=ort_bad_unknown_key;"), "HY000",
                  {"RetryMaxAtempts", "odbc.ini", "ort_bad_unknown_key"},
                  "misspelt key in odbc.ini");
}

TEST(BadInputSqlite, MalformedValue) {
    expect_record(failing_connect("DSN=sqlite_retry;RetryBaseDelay=abc;"), "HY000",
                  {"RetryBaseDelay", "abc", "connection string"},
                  "malformed value in the connection string");
    expect_record(failing_connect("DSN=ort_bad_malformed_value;"), "HY000",
                  {"RetryBaseDelay", "abc", "odbc.ini"}, "malformed value in odbc.ini");
    expect_record(failing_connect("DSN=sqlite_retry;RetryMaxAttempts=-4;"), "HY000",
                  {"RetryMaxAttempts", "-4"}, "value out of range");
}

TEST(BadInputSqlite, MalformedConnectionString) {
    // An unclosed brace: the driver manager passes the string on, odbc-retry must refuse it
    // with a message, not guess.
    SQLRETURN rc = SQL_SUCCESS;
    auto d = failing_connect("DSN=sqlite_retry;RetryDeadline={10s;LogLevel=warn", &rc);
    ASSERT_FALSE(d.empty());
    EXPECT_TRUE(contains(d[0].message, "[odbc-retry]")) << show(d);
    EXPECT_TRUE(contains(d[0].message, "RetryDeadline")) << show(d);
    d = failing_connect("DRIVER={ODBC Retry};TargetDSN=sqlite_direct;=novalue;");
    ASSERT_FALSE(d.empty());
    EXPECT_TRUE(contains(d[0].message, "[odbc-retry]")) << show(d);
}

// ---- ways of connecting that must work ------------------------------------------------------

TEST(BadInputSqlite, DriverKeywordWithTargetDsn) {
    EnvDbc h;
    SQLRETURN rc = h.driver_connect("DRIVER={ODBC Retry};TargetDSN=sqlite_direct;");
    ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
    EXPECT_EQ(select_one(h.dbc), "1");
}

TEST(BadInputSqlite, SQLConnectAndSQLConnectW) {
    {
        EnvDbc h;
        SQLRETURN rc =
            SQLConnect(h.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("sqlite_retry")),
                       SQL_NTS, nullptr, 0, nullptr, 0);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(select_one(h.dbc), "1");
    }
    {
        EnvDbc h;
        WString dsn = to_w("sqlite_retry");
        SQLRETURN rc = SQLConnectW(h.dbc, dsn.data(), SQL_NTS, nullptr, 0, nullptr, 0);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(select_one(h.dbc), "1");
    }
}

TEST(BadInputSqlite, DriverConnectOutputIsTheInput) {
    const std::string in = "DSN=sqlite_retry;LogLevel=warn;";
    {
        EnvDbc h;
        std::string out;
        ASSERT_TRUE(SQL_SUCCEEDED(h.driver_connect(in, &out))) << diag_text(SQL_HANDLE_DBC, h.dbc);
        EXPECT_EQ(out, in);
    }
    {
        EnvDbc h;
        WString win = to_w(in);
        SQLWCHAR out[512] = {};
        SQLSMALLINT len = -1;
        SQLRETURN rc = SQLDriverConnectW(h.dbc, nullptr, win.data(), SQL_NTS, out, 512, &len,
                                         SQL_DRIVER_NOPROMPT);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(from_w(out, wlen(out, 512)), in);
        EXPECT_EQ(len, static_cast<SQLSMALLINT>(in.size()));
    }
    {
        // A buffer too small: the connection is made, the string is cut, the length is the full
        // one.
        EnvDbc h;
        SQLCHAR out[8];
        std::memset(out, 0xCC, sizeof out);
        SQLSMALLINT len = -1;
        SQLRETURN rc = SQLDriverConnect(h.dbc, nullptr,
                                        reinterpret_cast<SQLCHAR*>(const_cast<char*>(in.c_str())),
                                        SQL_NTS, out, 6, &len, SQL_DRIVER_NOPROMPT);
        EXPECT_EQ(rc, SQL_SUCCESS_WITH_INFO) << diag_text(SQL_HANDLE_DBC, h.dbc);
        if (SQL_SUCCEEDED(rc)) h.connected = true;
        EXPECT_EQ(len, static_cast<SQLSMALLINT>(in.size()));
        EXPECT_EQ(std::string(reinterpret_cast<char*>(out)), in.substr(0, 5));
        EXPECT_EQ(out[6], 0xCC) << "written past the buffer";
        auto d = diags(SQL_HANDLE_DBC, h.dbc);
        bool truncation = false;
        for (const auto& r : d) truncation = truncation || r.state == "01004";
        EXPECT_TRUE(truncation) << "no 01004 record:\n" << show(d);
    }
}

// ---- PostgreSQL: UID/PWD and the password in odbc.ini ---------------------------------------

TEST(BadInputPg, SQLConnectWithAndWithoutCredentials) {
    const std::string user = require("ORT_DB_USER"), password = require("ORT_DB_PASSWORD");
    {
        EnvDbc h;
        SQLRETURN rc =
            SQLConnect(h.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("pg_retry")), SQL_NTS,
                       reinterpret_cast<SQLCHAR*>(const_cast<char*>(user.c_str())), SQL_NTS,
                       reinterpret_cast<SQLCHAR*>(const_cast<char*>(password.c_str())), SQL_NTS);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(select_one(h.dbc), "1");
    }
    {
        // The credentials of the target DSN in odbc.ini.
        EnvDbc h;
        SQLRETURN rc = SQLConnect(h.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("pg_retry")),
                                  SQL_NTS, nullptr, 0, nullptr, 0);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(select_one(h.dbc), "1");
    }
    {
        // A wrong password is the target's error, passed through.
        EnvDbc direct, retry;
        const std::string wrong = "not-" + password;
        SQLRETURN rc_direct = SQLConnect(
            direct.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("pg_direct")), SQL_NTS,
            reinterpret_cast<SQLCHAR*>(const_cast<char*>(user.c_str())), SQL_NTS,
            reinterpret_cast<SQLCHAR*>(const_cast<char*>(wrong.c_str())), SQL_NTS);
        SQLRETURN rc_retry = SQLConnect(
            retry.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("pg_retry")), SQL_NTS,
            reinterpret_cast<SQLCHAR*>(const_cast<char*>(user.c_str())), SQL_NTS,
            reinterpret_cast<SQLCHAR*>(const_cast<char*>(wrong.c_str())), SQL_NTS);
        EXPECT_EQ(rc_direct, SQL_ERROR);
        EXPECT_EQ(rc_retry, SQL_ERROR);
        auto d_direct = diags(SQL_HANDLE_DBC, direct.dbc),
             d_retry = diags(SQL_HANDLE_DBC, retry.dbc);
        ASSERT_FALSE(d_direct.empty());
        ASSERT_FALSE(d_retry.empty()) << "no diagnostic for a failed connect through odbc-retry";
        EXPECT_EQ(d_retry[0].state, d_direct[0].state) << show(d_direct) << show(d_retry);
        EXPECT_EQ(d_retry[0].message, d_direct[0].message);
        for (const auto& r : d_retry)
            EXPECT_FALSE(contains(r.message, wrong)) << "the password shows in a message";
    }
}

TEST(BadInputPg, DriverConnectNeverShowsThePasswordOfTheTargetDsn) {
    const std::string password = require("ORT_DB_PASSWORD");
    ASSERT_FALSE(password.empty());
    for (const std::string in : {"DSN=pg_retry;", "DSN=pg_retry", "DSN=pg_retry;UID=odbc;"}) {
        SCOPED_TRACE(in);
        EnvDbc h;
        std::string out;
        ASSERT_TRUE(SQL_SUCCEEDED(h.driver_connect(in, &out))) << diag_text(SQL_HANDLE_DBC, h.dbc);
        EXPECT_EQ(out, in) << "the output connection string is not the application's";
        EXPECT_FALSE(contains(out, password))
            << "the password of pg_direct (odbc.ini) leaks: " << out;
        EXPECT_FALSE(contains(out, "PWD") || contains(out, "Password") || contains(out, "PASSWORD"))
            << out;
        EXPECT_EQ(select_one(h.dbc), "1");
    }
    {
        // When the application gives the password, its own string comes back, password and all.
        const std::string in =
            "DSN=pg_retry;UID=" + require("ORT_DB_USER") + ";PWD=" + password + ";";
        EnvDbc h;
        std::string out;
        ASSERT_TRUE(SQL_SUCCEEDED(h.driver_connect(in, &out))) << diag_text(SQL_HANDLE_DBC, h.dbc);
        EXPECT_EQ(out, in);
    }
    {
        // The W form.
        EnvDbc h;
        WString win = to_w("DSN=pg_retry;");
        SQLWCHAR out[1024] = {};
        SQLSMALLINT len = -1;
        SQLRETURN rc = SQLDriverConnectW(h.dbc, nullptr, win.data(), SQL_NTS, out, 1024, &len,
                                         SQL_DRIVER_NOPROMPT);
        ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
        h.connected = true;
        EXPECT_EQ(from_w(out, wlen(out, 1024)), "DSN=pg_retry;");
    }
}

// ---- MariaDB ----------------------------------------------------------------------------------

TEST(BadInputMaria, SQLConnectWithCredentials) {
    const std::string user = require("ORT_DB_USER"), password = require("ORT_DB_PASSWORD");
    EnvDbc h;
    SQLRETURN rc =
        SQLConnect(h.dbc, reinterpret_cast<SQLCHAR*>(const_cast<char*>("maria_retry")), SQL_NTS,
                   reinterpret_cast<SQLCHAR*>(const_cast<char*>(user.c_str())), SQL_NTS,
                   reinterpret_cast<SQLCHAR*>(const_cast<char*>(password.c_str())), SQL_NTS);
    ASSERT_TRUE(SQL_SUCCEEDED(rc)) << diag_text(SQL_HANDLE_DBC, h.dbc);
    h.connected = true;
    EXPECT_EQ(select_one(h.dbc), "1");
    std::string out;
    EnvDbc h2;
    ASSERT_TRUE(SQL_SUCCEEDED(h2.driver_connect("DSN=maria_retry;", &out)))
        << diag_text(SQL_HANDLE_DBC, h2.dbc);
    EXPECT_EQ(out, "DSN=maria_retry;");
    EXPECT_FALSE(contains(out, password));
}

}  // namespace
