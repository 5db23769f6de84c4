// SPDX-License-Identifier: Apache-2.0
// Connecting through libodbcretry.so: every way a connect can be refused gets SQL_ERROR with one
// clear [odbc-retry] record, and the connection handle stays usable.
#include <dlfcn.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "driver_harness.h"

namespace odbcretry::driver_tests {
namespace {

namespace fs = std::filesystem;

class ConnectTest : public ::testing::Test {
  protected:
    // Connects with SQLDriverConnect and expects SQL_ERROR with exactly one record of ours.
    Record refused(const std::string& connection_string, bool wide_form = false) {
        SQLRETURN rc =
            wide_form ? session_.connect_w(connection_string) : session_.connect(connection_string);
        EXPECT_EQ(rc, SQL_ERROR) << connection_string << "\n"
                                 << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
        return only_record();
    }
    Record refused_dsn(const std::string& dsn) {
        SQLRETURN rc = api().SQLConnect(dbc(), sql(dsn), SQL_NTS, sql("user"), SQL_NTS,
                                        sql("hunter2"), SQL_NTS);
        EXPECT_EQ(rc, SQL_ERROR) << dsn << "\n" << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
        return only_record();
    }
    Record only_record() {
        std::vector<Record> r = records(api(), SQL_HANDLE_DBC, dbc());
        EXPECT_EQ(r.size(), 1u) << show(r);
        EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc()), 1);
        if (r.empty()) return {};
        EXPECT_EQ(r[0].message.rfind("[odbc-retry]", 0), 0u) << r[0];
        return r[0];
    }
    // After a refused connect the same handle connects.
    void expect_handle_still_connects() {
        SQLRETURN rc = session_.connect(fake_target());
        EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
        if (SQL_SUCCEEDED(rc)) {
            SQLHSTMT stmt = session_.statement();
            EXPECT_EQ(scalar(api(), stmt, "SELECT 5"), 5);
        }
    }
    const Api& api() { return retry(); }
    SQLHDBC dbc() { return session_.dbc(); }

    Session session_{retry()};
};

TEST_F(ConnectTest, DriverSpecificEnvironmentAttributesAreKeptForTheTarget) {
    SQLHENV env = session_.env();
    // Before any target is loaded: kept for the target environments to come.
    EXPECT_EQ(api().SQLSetEnvAttr(env, SQL_DRIVER_CONN_ATTR_BASE + 0x100,
                                  reinterpret_cast<SQLPOINTER>(7), SQL_IS_INTEGER),
              SQL_SUCCESS);
    char text[] = "some driver option";
    EXPECT_EQ(api().SQLSetEnvAttr(env, SQL_DRIVER_CONN_ATTR_BASE + 0x101, text, SQL_NTS),
              SQL_SUCCESS);
    // Not a driver-specific number and not one of ODBC's: refused.
    EXPECT_EQ(api().SQLSetEnvAttr(env, 150, reinterpret_cast<SQLPOINTER>(1), SQL_IS_INTEGER),
              SQL_ERROR);
    std::vector<Record> r = records(api(), SQL_HANDLE_ENV, env);
    ASSERT_EQ(r.size(), 1u) << show(r);
    EXPECT_EQ(r[0].state, "HY092");
    // A buffer attribute with a length but no buffer.
    EXPECT_EQ(api().SQLSetEnvAttr(env, SQL_DRIVER_CONN_ATTR_BASE + 0x102, nullptr, 8), SQL_ERROR);
    // The target (which refuses attributes it does not know) still connects.
    expect_handle_still_connects();
}

TEST_F(ConnectTest, EmptyConnectionString) {
    Record r = refused("");
    EXPECT_EQ(r.state, "IM002");
    EXPECT_CONTAINS(r.message, "TargetDSN");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, MalformedConnectionString) {
    Record r = refused("DRIVER={ODBC Retry};TargetDriver={unclosed;Database=x");
    EXPECT_EQ(r.state, "HY000");
    EXPECT_CONTAINS(r.message, "TargetDriver");
    EXPECT_CONTAINS(r.message, "}");
    r = refused("DRIVER={ODBC Retry};garbage;Database=x");
    EXPECT_CONTAINS(r.message, "garbage");
    r = refused("=value", true);
    EXPECT_CONTAINS(r.message, "key");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, NoTarget) {
    Record r = refused("DRIVER={ODBC Retry};Server=db1;Port=5432");
    EXPECT_EQ(r.state, "IM002");
    EXPECT_CONTAINS(r.message, "TargetDSN");
    EXPECT_CONTAINS(r.message, "TargetDriver");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, TargetLibraryThatDoesNotExist) {
    const std::string path = (fs::path(config_dir()) / "no-such-driver.so").string();
    Record r = refused("DRIVER={ODBC Retry};TargetDriver={" + path + "}");
    EXPECT_EQ(r.state, "IM003");
    EXPECT_CONTAINS(r.message, path);
    expect_handle_still_connects();
}

TEST_F(ConnectTest, TargetLibraryThatIsNotAnOdbcDriver) {
    Dl_info info{};
    ASSERT_NE(dladdr(reinterpret_cast<void*>(&getpid), &info), 0);
    const std::string libc = info.dli_fname;  // the C library this process runs with
    Record r = refused("DRIVER={ODBC Retry};TargetDriver={" + libc + "}");
    EXPECT_EQ(r.state, "IM003");
    EXPECT_CONTAINS(r.message, libc);
    EXPECT_CONTAINS(r.message, "not an ODBC");
    // A file that is not a shared library at all.
    const std::string text_file = (fs::path(config_dir()) / "odbc.ini").string();
    r = refused("DRIVER={ODBC Retry};TargetDriver={" + text_file + "}");
    EXPECT_EQ(r.state, "IM003");
    EXPECT_CONTAINS(r.message, text_file);
    expect_handle_still_connects();
}

TEST_F(ConnectTest, TargetDriverNameNotInOdbcinst) {
    Record r = refused("DRIVER={ODBC Retry};TargetDriver=libc.so.6");
    EXPECT_CONTAINS(r.message, "libc.so.6");
    EXPECT_CONTAINS(r.message, "odbcinst.ini");
    r = refused("DRIVER={ODBC Retry};TargetDriver={No Such Driver}");
    EXPECT_EQ(r.state, "IM002");
    EXPECT_CONTAINS(r.message, "No Such Driver");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, TargetDriverIsOdbcRetryItself) {
    Record r = refused("DRIVER={ODBC Retry};TargetDriver={" + retry().path + "}");
    EXPECT_CONTAINS(r.message, "itself");
    r = refused("DRIVER={ODBC Retry};TargetDriver={ODBC Retry}");
    EXPECT_CONTAINS(r.message, "itself");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, UnknownReservedKeyNamesKeyAndSource) {
    Record r = refused(fake_target("RetryMaxAtempts=3"));
    EXPECT_EQ(r.state, "HY000");
    EXPECT_CONTAINS(r.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(r.message, "connection string");
    // The same through the W entry point, read back in both forms.
    refused(fake_target("RetryMaxAtempts=3"), true);
    std::vector<Record> w = records_w(api(), SQL_HANDLE_DBC, dbc());
    ASSERT_EQ(w.size(), 1u) << show(w);
    EXPECT_EQ(w[0], r);
    expect_handle_still_connects();
}

TEST_F(ConnectTest, BadValueNamesKeyValueAndSource) {
    Record r = refused(fake_target("RetryMaxAttempts=lots"));
    EXPECT_EQ(r.state, "HY000");
    EXPECT_CONTAINS(r.message, "RetryMaxAttempts");
    EXPECT_CONTAINS(r.message, "'lots'");
    EXPECT_CONTAINS(r.message, "connection string");
    r = refused(fake_target("RetryBaseDelay=soon"));
    EXPECT_CONTAINS(r.message, "RetryBaseDelay");
    EXPECT_CONTAINS(r.message, "'soon'");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, BothTargetDsnAndTargetDriver) {
    Record r = refused(fake_target("TargetDSN=fake_direct"));
    EXPECT_EQ(r.state, "HY000");
    EXPECT_CONTAINS(r.message, "TargetDSN");
    EXPECT_CONTAINS(r.message, "TargetDriver");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, ErrorMessagesDoNotEchoThePassword) {
    Record r = refused(fake_target("PWD=hunter2;RetryMaxAtempts=3"));
    EXPECT_EQ(r.message.find("hunter2"), std::string::npos) << r;
    r = refused("DRIVER={ODBC Retry};PWD=hunter2;Server=db1");
    EXPECT_EQ(r.message.find("hunter2"), std::string::npos) << r;
}

// ---- DSNs in odbc.ini (through SQLConnect) -------------------------------------------------

TEST_F(ConnectTest, DsnWithoutTarget) {
    Record r = refused_dsn("retry_none");
    EXPECT_EQ(r.state, "IM002");
    EXPECT_CONTAINS(r.message, "retry_none");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, DsnWithAnUnknownKeyNamesTheSection) {
    Record r = refused_dsn("retry_typo");
    EXPECT_CONTAINS(r.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(r.message, "odbc.ini [retry_typo]");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, DsnWhoseTargetDsnDoesNotExist) {
    Record r = refused_dsn("retry_unknown_target");
    EXPECT_EQ(r.state, "IM002");
    EXPECT_CONTAINS(r.message, "no_such_dsn");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, DsnWhoseTargetIsOdbcRetryItself) {
    Record r = refused_dsn("retry_loop");
    EXPECT_CONTAINS(r.message, "itself");
    expect_handle_still_connects();
}

TEST_F(ConnectTest, DsnThroughOdbcIniReachesTheTargetDsn) {
    // retry_fake: TargetDSN=fake_direct, whose odbc.ini section names Database=dsn_db.
    SQLRETURN rc = api().SQLConnect(dbc(), sql("retry_fake"), SQL_NTS, nullptr, 0, nullptr, 0);
    ASSERT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    SQLHSTMT stmt = nullptr;
    ASSERT_EQ(api().SQLAllocHandle(SQL_HANDLE_STMT, dbc(), &stmt), SQL_SUCCESS);
    exec(api(), stmt, "DELETE FROM t");
    exec(api(), stmt, "INSERT INTO t VALUES (71), (72)");
    Session direct(fake());
    direct.connect_ok("Database=dsn_db");
    EXPECT_EQ(scalar(fake(), direct.statement(), "SELECT count(*) FROM t"), 2);
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
}

TEST_F(ConnectTest, DsnThroughTheWideEntryPoints) {
    SQLRETURN rc =
        api().SQLConnectW(dbc(), sqlw("retry_fake"), SQL_NTS, sqlw("user"), SQL_NTS, nullptr, 0);
    ASSERT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
    rc = api().SQLDriverConnectW(dbc(), nullptr, sqlw("DSN=retry_fake"), SQL_NTS, nullptr, 0,
                                 nullptr, SQL_DRIVER_NOPROMPT);
    ASSERT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    SQLHSTMT stmt = nullptr;
    ASSERT_EQ(api().SQLAllocHandle(SQL_HANDLE_STMT, dbc(), &stmt), SQL_SUCCESS);
    EXPECT_EQ(scalar(api(), stmt, "SELECT 6"), 6);
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
}

TEST_F(ConnectTest, ConnectionStringOverridesTheDsnsForwardedKeys) {
    // retry_fake_path: TargetDriver=<fake>, Database=ini_db; the connection string says cs_db.
    session_.connect_ok("DSN=retry_fake_path;Database=" + test_database());
    SQLHSTMT stmt = session_.statement();
    exec(api(), stmt, "INSERT INTO t VALUES (1)");
    Session direct(fake());
    direct.connect_ok("Database=" + test_database());
    EXPECT_EQ(scalar(fake(), direct.statement(), "SELECT count(*) FROM t"), 1);
}

// ---- the target refuses --------------------------------------------------------------------

// A fatal error (not retried) is returned exactly as the target reported it.
TEST_F(ConnectTest, TargetsOwnFatalConnectErrorIsPassedThroughExactly) {
    const std::string fault = "FailConnect={1:28000:1045:[Fake]Access denied for user 'alice'}";
    // The fake alone (its own database, so that the shot budget is its own).
    Session direct(fake());
    SQLRETURN direct_rc = direct.connect("Database=" + test_database() + "_direct;" + fault);
    std::vector<Record> expected = records(fake(), SQL_HANDLE_DBC, direct.dbc());
    ASSERT_EQ(direct_rc, SQL_ERROR);
    ASSERT_EQ(expected.size(), 1u) << show(expected);

    SQLRETURN rc = session_.connect(fake_target(fault));
    EXPECT_EQ(rc, SQL_ERROR);
    EXPECT_EQ(records(api(), SQL_HANDLE_DBC, dbc()), expected)
        << show(records(api(), SQL_HANDLE_DBC, dbc()));
    EXPECT_EQ(records_w(api(), SQL_HANDLE_DBC, dbc()), expected);
    EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc()), 1);
    EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc(), true), 1);
    // The shot is used: the next connect succeeds on the same handle.
    rc = session_.connect(fake_target(fault));
    EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
}

// When odbc-retry gives up, the target's last records come first, exactly, then odbc-retry's.
TEST_F(ConnectTest, GivingUpShowsTheTargetsRecordsThenOurs) {
    const std::string fault =
        "FailConnect={5:08001:101:[Fake]could not connect to server: Connection refused}";
    Session direct(fake());
    ASSERT_EQ(direct.connect("Database=" + test_database() + "_direct;" + fault), SQL_ERROR);
    std::vector<Record> target = records(fake(), SQL_HANDLE_DBC, direct.dbc());
    ASSERT_EQ(target.size(), 1u) << show(target);

    SQLRETURN rc = session_.connect(fake_target(fault + ";RetryMaxAttempts=2"));
    ASSERT_EQ(rc, SQL_ERROR);
    for (bool wide_form : {false, true}) {
        std::vector<Record> r = wide_form ? records_w(api(), SQL_HANDLE_DBC, dbc())
                                          : records(api(), SQL_HANDLE_DBC, dbc());
        ASSERT_EQ(r.size(), 2u) << show(r);
        EXPECT_EQ(r[0], target[0]);
        EXPECT_EQ(r[1].message.rfind("[odbc-retry]", 0), 0u) << r[1];
        EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc(), wide_form), 2);
    }
    // Field by field too.
    SQLCHAR state[6] = {};
    SQLINTEGER native = 0;
    EXPECT_EQ(api().SQLGetDiagField(SQL_HANDLE_DBC, dbc(), 1, SQL_DIAG_SQLSTATE, state,
                                    sizeof state, nullptr),
              SQL_SUCCESS);
    EXPECT_STREQ(reinterpret_cast<char*>(state), target[0].state.c_str());
    EXPECT_EQ(api().SQLGetDiagField(SQL_HANDLE_DBC, dbc(), 1, SQL_DIAG_NATIVE, &native, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(native, target[0].native);
    SQLWCHAR message[256] = {};
    SQLSMALLINT length = 0;
    EXPECT_EQ(api().SQLGetDiagFieldW(SQL_HANDLE_DBC, dbc(), 2, SQL_DIAG_MESSAGE_TEXT, message,
                                     sizeof message, &length),
              SQL_SUCCESS);
    EXPECT_EQ(narrow(message).rfind("[odbc-retry]", 0), 0u) << narrow(message);
    EXPECT_EQ(length, static_cast<SQLSMALLINT>(narrow(message).size() * sizeof(SQLWCHAR)));
    EXPECT_EQ(api().SQLGetDiagRec(SQL_HANDLE_DBC, dbc(), 3, state, &native, nullptr, 0, nullptr),
              SQL_NO_DATA);
    // SQLError walks the same records once.
    std::vector<std::string> states;
    for (int i = 0; i < 5; ++i) {
        SQLCHAR s[6] = {};
        if (api().SQLError(nullptr, dbc(), nullptr, s, nullptr, nullptr, 0, nullptr) == SQL_NO_DATA)
            break;
        states.push_back(reinterpret_cast<char*>(s));
    }
    ASSERT_EQ(states.size(), 2u);
    EXPECT_EQ(states[0], target[0].state);
}

// A function that succeeds clears the handle's diagnostics, including the target's records of
// an earlier failed connect.
TEST_F(ConnectTest, SucceedingCallAfterAFailedTargetConnectHasNoRecords) {
    SQLRETURN rc = session_.connect(fake_target("FailConnect={1:28000:1045:[Fake]Access denied}"));
    ASSERT_EQ(rc, SQL_ERROR);
    ASSERT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc()), 1);
    SQLUINTEGER dead = 0;
    ASSERT_EQ(api().SQLGetConnectAttr(dbc(), SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(dead, static_cast<SQLUINTEGER>(SQL_CD_TRUE));
    EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc()), 0)
        << "records of the earlier connect are still shown:"
        << show(records(api(), SQL_HANDLE_DBC, dbc()));
    SQLCHAR name[64] = {};
    ASSERT_EQ(api().SQLGetInfo(dbc(), SQL_DRIVER_NAME, name, sizeof name, nullptr), SQL_SUCCESS);
    EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc()), 0)
        << show(records(api(), SQL_HANDLE_DBC, dbc()));
}

TEST_F(ConnectTest, SecondConnectOnAConnectedHandleIs08002) {
    session_.connect_ok(fake_target());
    SQLRETURN rc = api().SQLDriverConnect(dbc(), nullptr, sql(fake_target()), SQL_NTS, nullptr, 0,
                                          nullptr, SQL_DRIVER_NOPROMPT);
    EXPECT_EQ(rc, SQL_ERROR);
    Record r = only_record();
    EXPECT_EQ(r.state, "08002");
}

// ---- the output connection string ----------------------------------------------------------

TEST_F(ConnectTest, OutputConnectionStringAndItsTruncation) {
    const std::string in = fake_target();
    SQLCHAR out[1024] = {};
    SQLSMALLINT length = 0;
    SQLRETURN rc = api().SQLDriverConnect(dbc(), nullptr, sql(in), SQL_NTS, out, sizeof out,
                                          &length, SQL_DRIVER_NOPROMPT);
    ASSERT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    EXPECT_EQ(length, static_cast<SQLSMALLINT>(std::string(reinterpret_cast<char*>(out)).size()));
    EXPECT_CONTAINS(reinterpret_cast<char*>(out), "TargetDriver");
    session_.disconnect();

    SQLCHAR small[10] = {};
    rc = api().SQLDriverConnect(dbc(), nullptr, sql(in), SQL_NTS, small, sizeof small, &length,
                                SQL_DRIVER_NOPROMPT);
    EXPECT_EQ(rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(small)).size(), 9u);
    EXPECT_GT(length, 9);
    std::vector<Record> r = records(api(), SQL_HANDLE_DBC, dbc());
    ASSERT_FALSE(r.empty());
    EXPECT_EQ(r.back().state, "01004");
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
}

// The target's records come first, then odbc-retry's: here the fake warns about its own output
// buffer (a connection string longer than odbc-retry's internal one) and odbc-retry about the
// application's.
TEST_F(ConnectTest, TargetRecordsComeBeforeOurRecords) {
    const std::string in = fake_target("Padding=" + std::string(1500, 'p'));
    SQLWCHAR small[16] = {};
    SQLSMALLINT length = 0;
    SQLRETURN rc = api().SQLDriverConnectW(dbc(), nullptr, sqlw(in), SQL_NTS, small, 16, &length,
                                           SQL_DRIVER_NOPROMPT);
    ASSERT_EQ(rc, SQL_SUCCESS_WITH_INFO) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    for (bool wide_form : {false, true}) {
        std::vector<Record> r = wide_form ? records_w(api(), SQL_HANDLE_DBC, dbc())
                                          : records(api(), SQL_HANDLE_DBC, dbc());
        ASSERT_FALSE(r.empty());
        EXPECT_EQ(r.back().state, "01004");
        EXPECT_EQ(r.back().message.rfind("[odbc-retry]", 0), 0u) << show(r);
        bool ours_seen = false;
        for (const Record& rec : r) {
            bool ours = rec.message.rfind("[odbc-retry]", 0) == 0;
            EXPECT_FALSE(ours_seen && !ours) << "a target record after one of ours:" << show(r);
            ours_seen = ours_seen || ours;
        }
        EXPECT_EQ(diag_number(api(), SQL_HANDLE_DBC, dbc(), wide_form),
                  static_cast<SQLINTEGER>(r.size()));
    }
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
}

// A long connection string is the application's business: when it gives a big enough (or no)
// output buffer, the connect is a plain SQL_SUCCESS, as with the target alone.
TEST_F(ConnectTest, LongConnectionStringConnectsWithoutWarnings) {
    const std::string narrow_in = fake_target("Padding=" + std::string(5000, 'p'));
    SQLRETURN rc = session_.connect(narrow_in);
    EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    if (SQL_SUCCEEDED(rc)) session_.disconnect();
    const std::string wide_in = fake_target("Padding=" + std::string(1500, 'p'));
    std::vector<SQLWCHAR> out(4096);
    SQLSMALLINT length = 0;
    rc = api().SQLDriverConnectW(dbc(), nullptr, sqlw(wide_in), SQL_NTS, out.data(), 4096, &length,
                                 SQL_DRIVER_NOPROMPT);
    EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api(), rc, SQL_HANDLE_DBC, dbc());
    if (SQL_SUCCEEDED(rc)) {
        EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_SUCCESS);
    }
}

// ---- attributes set before connect ---------------------------------------------------------

TEST_F(ConnectTest, IntegerAttributeSetBeforeConnectReadsBackAsItsOwnType) {
    ASSERT_EQ(
        api().SQLSetConnectAttr(dbc(), SQL_ATTR_LOGIN_TIMEOUT, reinterpret_cast<SQLPOINTER>(7), 0),
        SQL_SUCCESS);
    struct {
        SQLUINTEGER value = 0;
        SQLUINTEGER guard = 0xA5A5A5A5;
    } out;
    ASSERT_EQ(api().SQLGetConnectAttr(dbc(), SQL_ATTR_LOGIN_TIMEOUT, &out.value, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(out.value, 7u);
    EXPECT_EQ(out.guard, 0xA5A5A5A5u)
        << "SQLGetConnectAttr(SQL_ATTR_LOGIN_TIMEOUT) wrote past the SQLUINTEGER";
    // And the target gets it at connect.
    session_.connect_ok(fake_target());
    out.value = 0;
    ASSERT_EQ(api().SQLGetConnectAttr(dbc(), SQL_ATTR_LOGIN_TIMEOUT, &out.value, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(out.value, 7u);
}

TEST_F(ConnectTest, TextAttributeSetBeforeConnectInEitherForm) {
    ASSERT_EQ(api().SQLSetConnectAttr(dbc(), SQL_ATTR_CURRENT_CATALOG, sql("catalog_a"), SQL_NTS),
              SQL_SUCCESS);
    SQLWCHAR wide_out[32] = {};
    SQLINTEGER length = 0;
    ASSERT_EQ(api().SQLGetConnectAttrW(dbc(), SQL_ATTR_CURRENT_CATALOG, wide_out, sizeof wide_out,
                                       &length),
              SQL_SUCCESS);
    EXPECT_EQ(narrow(wide_out), "catalog_a");
    EXPECT_EQ(length, static_cast<SQLINTEGER>(9 * sizeof(SQLWCHAR)));
    SQLCHAR small[4] = {};
    EXPECT_EQ(
        api().SQLGetConnectAttr(dbc(), SQL_ATTR_CURRENT_CATALOG, small, sizeof small, &length),
        SQL_SUCCESS_WITH_INFO);
    EXPECT_STREQ(reinterpret_cast<char*>(small), "cat");
    EXPECT_EQ(length, 9);
}

TEST_F(ConnectTest, BeforeConnectOnlyWhatIsKnownIsAnswered) {
    SQLUINTEGER dead = 0;
    EXPECT_EQ(api().SQLGetConnectAttr(dbc(), SQL_ATTR_CONNECTION_DEAD, &dead, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(dead, static_cast<SQLUINTEGER>(SQL_CD_TRUE));
    SQLCHAR text[64] = {};
    EXPECT_EQ(api().SQLGetInfo(dbc(), SQL_DBMS_NAME, text, sizeof text, nullptr), SQL_ERROR);
    EXPECT_EQ(only_record().state, "08003");
    SQLHSTMT stmt = nullptr;
    EXPECT_EQ(api().SQLAllocHandle(SQL_HANDLE_STMT, dbc(), &stmt), SQL_ERROR);
    EXPECT_EQ(only_record().state, "08003");
    EXPECT_EQ(api().SQLDisconnect(dbc()), SQL_ERROR);
    EXPECT_EQ(only_record().state, "08003");
}

// An attribute set before connect reaches the target at connect.
TEST_F(ConnectTest, AutocommitSetBeforeConnectIsApplied) {
    ASSERT_EQ(api().SQLSetConnectAttr(dbc(), SQL_ATTR_AUTOCOMMIT,
                                      reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0),
              SQL_SUCCESS);
    session_.connect_ok(fake_target());
    SQLUINTEGER autocommit = 99;
    EXPECT_EQ(api().SQLGetConnectAttr(dbc(), SQL_ATTR_AUTOCOMMIT, &autocommit, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(autocommit, static_cast<SQLUINTEGER>(SQL_AUTOCOMMIT_OFF));
    SQLHSTMT stmt = session_.statement();
    exec(api(), stmt, "INSERT INTO t VALUES (1)");
    EXPECT_EQ(api().SQLEndTran(SQL_HANDLE_DBC, dbc(), SQL_ROLLBACK), SQL_SUCCESS);
    EXPECT_EQ(scalar(api(), stmt, "SELECT count(*) FROM t"), 0);
}

// SQLBrowseConnect on a target without it: IM001, and the handle still connects.
TEST_F(ConnectTest, BrowseConnectOnATargetWithoutIt) {
    SQLCHAR out[256] = {};
    SQLSMALLINT length = 0;
    SQLRETURN rc =
        api().SQLBrowseConnect(dbc(), sql(fake_target()), SQL_NTS, out, sizeof out, &length);
    EXPECT_EQ(rc, SQL_ERROR);
    EXPECT_EQ(only_record().state, "IM001");
    expect_handle_still_connects();
}

// ---- freeing -------------------------------------------------------------------------------

TEST_F(ConnectTest, FreeingInTheWrongOrderIsRefusedAndHarmless) {
    session_.connect_ok(fake_target());
    SQLHSTMT stmt = session_.statement();
    EXPECT_EQ(api().SQLFreeHandle(SQL_HANDLE_DBC, dbc()), SQL_ERROR);
    EXPECT_EQ(only_record().state, "HY010");
    EXPECT_EQ(api().SQLFreeHandle(SQL_HANDLE_ENV, session_.env()), SQL_ERROR);
    std::vector<Record> r = records(api(), SQL_HANDLE_ENV, session_.env());
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].state, "HY010");
    EXPECT_EQ(scalar(api(), stmt, "SELECT 3"), 3);
    // SQLDisconnect frees the connection's statements: the handle is invalid afterwards.
    session_.disconnect();
    EXPECT_EQ(api().SQLExecDirect(stmt, sql("SELECT 1"), SQL_NTS), SQL_INVALID_HANDLE);
}

// ---- logging -------------------------------------------------------------------------------

TEST_F(ConnectTest, LogNamesConnectsButNeverThePassword) {
    session_.connect_ok(fake_target("UID=alice;PWD=hunter2-log-secret"));
    session_.disconnect();
    // A driver that echoes the password in its message: the application sees the driver's
    // message as it is, the log never shows the password.
    Session failing(retry());
    EXPECT_EQ(failing.connect(fake_target("PWD=hunter2-log-secret;FailConnect={1:28000:1045:[Fake]"
                                          "password hunter2-log-secret rejected}")),
              SQL_ERROR);
    std::ifstream file(log_file());
    std::stringstream text;
    text << file.rdbuf();
    const std::string log = text.str();
    EXPECT_CONTAINS(log, "connected");
    EXPECT_CONTAINS(log, "28000");
    EXPECT_EQ(log.find("hunter2-log-secret"), std::string::npos) << log;
}

}  // namespace
}  // namespace odbcretry::driver_tests
