// SPDX-License-Identifier: Apache-2.0
// libodbcretry.so in front of the scripted fake driver: what the application sees through
// odbc-retry is what it sees with the fake alone (results, return codes, diagnostics), and the
// fake's calls to its own exported functions stay inside the fake.
#include <atomic>
#include <functional>

#include "driver_harness.h"

// Decoys in this executable's dynamic symbol table: a call to an exported ODBC name that is
// looked up in the global scope, instead of being bound inside the library that makes it, lands
// here. They need default visibility (the project builds with -fvisibility=hidden) and
// driver_tests needs ENABLE_EXPORTS (-rdynamic).
namespace {
std::atomic<int> g_decoy_calls{0};
}
extern "C" __attribute__((visibility("default"))) SQLRETURN SQL_API SQLPrepare(SQLHSTMT, SQLCHAR*,
                                                                               SQLINTEGER) {
    ++g_decoy_calls;
    return SQL_INVALID_HANDLE;
}
extern "C" __attribute__((visibility("default"))) SQLRETURN SQL_API SQLPrepareW(SQLHSTMT, SQLWCHAR*,
                                                                                SQLINTEGER) {
    ++g_decoy_calls;
    return SQL_INVALID_HANDLE;
}
extern "C" __attribute__((visibility("default"))) SQLRETURN SQL_API SQLExecute(SQLHSTMT) {
    ++g_decoy_calls;
    return SQL_INVALID_HANDLE;
}

namespace odbcretry::driver_tests {
namespace {

class FakeTargetTest : public ::testing::Test {
  protected:
    void SetUp() override {
        through_.connect_ok(fake_target());
        direct_.connect_ok("Database=" + test_database() + "_direct");
    }
    const Api& a() { return retry(); }

    Session through_{retry()};
    Session direct_{fake()};
};

TEST_F(FakeTargetTest, ExecuteAndFetch) {
    SQLHSTMT stmt = through_.statement();
    EXPECT_EQ(column(a(), stmt, "SELECT n FROM seq(5)"),
              (std::vector<std::string>{"1", "2", "3", "4", "5"}));
    ASSERT_EQ(a().SQLExecDirect(stmt, sql("SELECT n FROM seq(2)"), SQL_NTS), SQL_SUCCESS);
    SQLSMALLINT columns = 0;
    EXPECT_EQ(a().SQLNumResultCols(stmt, &columns), SQL_SUCCESS);
    EXPECT_EQ(columns, 1);
    SQLCHAR name[32] = {};
    SQLSMALLINT name_length = 0, type = 0, digits = 0, nullable = 0;
    SQLULEN size = 0;
    EXPECT_EQ(a().SQLDescribeCol(stmt, 1, name, sizeof name, &name_length, &type, &size, &digits,
                                 &nullable),
              SQL_SUCCESS);
    EXPECT_STREQ(reinterpret_cast<char*>(name), "n");
    EXPECT_EQ(type, SQL_INTEGER);
    SQLINTEGER value = 0;
    SQLLEN indicator = 0;
    EXPECT_EQ(a().SQLBindCol(stmt, 1, SQL_C_SLONG, &value, 0, &indicator), SQL_SUCCESS);
    EXPECT_EQ(a().SQLFetch(stmt), SQL_SUCCESS);
    EXPECT_EQ(value, 1);
    EXPECT_EQ(a().SQLFetch(stmt), SQL_SUCCESS);
    EXPECT_EQ(value, 2);
    EXPECT_EQ(a().SQLFetch(stmt), SQL_NO_DATA);
    EXPECT_EQ(a().SQLCloseCursor(stmt), SQL_SUCCESS);
}

TEST_F(FakeTargetTest, WideFormsMatchTheTargetAlone) {
    const std::string query = "SELECT 'h\xC3\xA9llo \xF0\x9F\x98\x80'";
    auto run = [&](const Api& api, SQLHSTMT stmt) {
        std::string out;
        SQLRETURN rc = api.SQLExecDirectW(stmt, sqlw(query), SQL_NTS);
        EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api, rc, SQL_HANDLE_STMT, stmt);
        SQLWCHAR name[32] = {};
        SQLSMALLINT name_length = 0, type = 0, digits = 0, nullable = 0;
        SQLULEN size = 0;
        EXPECT_EQ(
            api.SQLDescribeColW(stmt, 1, name, 32, &name_length, &type, &size, &digits, &nullable),
            SQL_SUCCESS);
        out += narrow(name) + "|" + std::to_string(type) + "|" + std::to_string(size) + "|";
        EXPECT_EQ(api.SQLFetch(stmt), SQL_SUCCESS);
        SQLWCHAR value[64] = {};
        SQLLEN indicator = 0;
        EXPECT_EQ(api.SQLGetData(stmt, 1, SQL_C_WCHAR, value, sizeof value, &indicator),
                  SQL_SUCCESS);
        out += narrow(value) + "|" + std::to_string(indicator);
        api.SQLFreeStmt(stmt, SQL_CLOSE);
        return out;
    };
    std::string expected = run(fake(), direct_.statement());
    EXPECT_EQ(run(a(), through_.statement()), expected);
    EXPECT_NE(expected.find("h\xC3\xA9llo \xF0\x9F\x98\x80"), std::string::npos) << expected;
}

TEST_F(FakeTargetTest, PreparedStatementWithAParameter) {
    SQLHSTMT stmt = through_.statement();
    ASSERT_EQ(a().SQLPrepare(stmt, sql("SELECT ?"), SQL_NTS), SQL_SUCCESS)
        << outcome(a(), SQL_ERROR, SQL_HANDLE_STMT, stmt);
    SQLSMALLINT params = 0;
    EXPECT_EQ(a().SQLNumParams(stmt, &params), SQL_SUCCESS);
    EXPECT_EQ(params, 1);
    char value[16] = "forty-two";
    SQLLEN length = SQL_NTS;
    ASSERT_EQ(a().SQLBindParameter(stmt, 1, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, 15, 0, value,
                                   sizeof value, &length),
              SQL_SUCCESS);
    ASSERT_EQ(a().SQLExecute(stmt), SQL_SUCCESS) << outcome(a(), SQL_ERROR, SQL_HANDLE_STMT, stmt);
    ASSERT_EQ(a().SQLFetch(stmt), SQL_SUCCESS);
    char out[32] = {};
    SQLLEN indicator = 0;
    EXPECT_EQ(a().SQLGetData(stmt, 1, SQL_C_CHAR, out, sizeof out, &indicator), SQL_SUCCESS);
    EXPECT_STREQ(out, "forty-two");
}

TEST_F(FakeTargetTest, TransactionsEndThroughConnectionAndEnvironment) {
    SQLHSTMT stmt = through_.statement();
    exec(a(), stmt, "DELETE FROM t");
    ASSERT_EQ(a().SQLSetConnectAttr(through_.dbc(), SQL_ATTR_AUTOCOMMIT,
                                    reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0),
              SQL_SUCCESS);
    exec(a(), stmt, "INSERT INTO t VALUES (1), (2)");
    EXPECT_EQ(a().SQLEndTran(SQL_HANDLE_DBC, through_.dbc(), SQL_ROLLBACK), SQL_SUCCESS);
    EXPECT_EQ(scalar(a(), stmt, "SELECT count(*) FROM t"), 0);
    exec(a(), stmt, "INSERT INTO t VALUES (3)");
    EXPECT_EQ(a().SQLEndTran(SQL_HANDLE_ENV, through_.env(), SQL_COMMIT), SQL_SUCCESS);
    Session other(retry());
    other.connect_ok(fake_target());
    EXPECT_EQ(scalar(a(), other.statement(), "SELECT count(*) FROM t"), 1);
}

// ---- diagnostics: exactly the target's -----------------------------------------------------

// Everything the diagnostic functions say about one handle.
struct DiagView {
    SQLRETURN rc = 0;
    std::vector<Record> a, w;
    SQLINTEGER number_a = -1, number_w = -1;
    std::vector<std::string> fields;  // SQLSTATE, message (A and W) and native of each record
    std::vector<Record> sqlerror;     // what SQLError returns, call after call

    bool operator==(const DiagView&) const = default;
};

std::ostream& operator<<(std::ostream& out, const DiagView& v) {
    out << "rc " << v.rc << ", A:" << show(v.a) << "\n  W:" << show(v.w) << "\n  number "
        << v.number_a << "/" << v.number_w << "\n  fields:";
    for (const auto& f : v.fields) out << " {" << f << "}";
    return out << "\n  SQLError:" << show(v.sqlerror);
}

DiagView view(const Api& api, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE h, bool with_sqlerror) {
    DiagView v;
    v.rc = rc;
    v.a = records(api, type, h);
    v.w = records_w(api, type, h);
    v.number_a = diag_number(api, type, h, false);
    v.number_w = diag_number(api, type, h, true);
    for (SQLSMALLINT i = 1; i <= static_cast<SQLSMALLINT>(v.a.size()); ++i) {
        SQLCHAR text[1024] = {};
        SQLWCHAR wtext[1024] = {};
        SQLSMALLINT length = 0;
        SQLINTEGER native = 0;
        SQLRETURN r1 =
            api.SQLGetDiagField(type, h, i, SQL_DIAG_SQLSTATE, text, sizeof text, &length);
        v.fields.push_back(std::to_string(r1) + ":" + reinterpret_cast<char*>(text) + ":" +
                           std::to_string(length));
        SQLRETURN r2 =
            api.SQLGetDiagFieldW(type, h, i, SQL_DIAG_MESSAGE_TEXT, wtext, sizeof wtext, &length);
        v.fields.push_back(std::to_string(r2) + ":" + narrow(wtext) + ":" + std::to_string(length));
        SQLRETURN r3 = api.SQLGetDiagField(type, h, i, SQL_DIAG_NATIVE, &native, 0, nullptr);
        v.fields.push_back(std::to_string(r3) + ":" + std::to_string(native));
        // A message cut short: the full length, SQL_SUCCESS_WITH_INFO.
        SQLCHAR cut[6] = {};
        SQLRETURN r4 = api.SQLGetDiagRec(type, h, i, nullptr, nullptr, cut, sizeof cut, &length);
        v.fields.push_back(std::to_string(r4) + ":" + reinterpret_cast<char*>(cut) + ":" +
                           std::to_string(length));
    }
    if (with_sqlerror) {  // last: SQLError consumes the records
        for (int i = 0; i < 10; ++i) {
            SQLCHAR state[6] = {};
            SQLINTEGER native = 0;
            SQLCHAR message[1024] = {};
            SQLSMALLINT length = 0;
            SQLRETURN r = type == SQL_HANDLE_STMT
                              ? api.SQLError(nullptr, nullptr, h, state, &native, message,
                                             sizeof message, &length)
                              : api.SQLError(nullptr, h, nullptr, state, &native, message,
                                             sizeof message, &length);
            if (r == SQL_NO_DATA) break;
            v.sqlerror.push_back(
                {reinterpret_cast<char*>(state), native, reinterpret_cast<char*>(message)});
        }
    }
    return v;
}

struct Scenario {
    const char* name;
    std::string connection_extra;  // extra keys for both connections
    std::function<SQLRETURN(const Api&, SQLHSTMT)> run;
};

const Scenario kScenarios[] = {
    {"syntax error", "",
     [](const Api& api, SQLHSTMT s) { return api.SQLExecDirect(s, sql("SELEC 1"), SQL_NTS); }},
    {"unknown table", "",
     [](const Api& api, SQLHSTMT s) {
         return api.SQLExecDirect(s, sql("SELECT v FROM nosuch"), SQL_NTS);
     }},
    {"W syntax error", "",
     [](const Api& api, SQLHSTMT s) { return api.SQLExecDirectW(s, sqlw("SELEC 2"), SQL_NTS); }},
    {"prepare syntax error", "",
     [](const Api& api, SQLHSTMT s) { return api.SQLPrepare(s, sql("SELEC 3"), SQL_NTS); }},
    {"fetch without a result set", "", [](const Api& api, SQLHSTMT s) { return api.SQLFetch(s); }},
    {"bad column in SQLGetData", "",
     [](const Api& api, SQLHSTMT s) {
         api.SQLExecDirect(s, sql("SELECT 1"), SQL_NTS);
         api.SQLFetch(s);
         char buf[8];
         SQLLEN ind = 0;
         return api.SQLGetData(s, 9, SQL_C_CHAR, buf, sizeof buf, &ind);
     }},
    {"scripted fatal error",
     "FailExecute={1:23000:1062:[Fake]Duplicate entry '4' for key 'PRIMARY'}",
     [](const Api& api, SQLHSTMT s) { return api.SQLExecDirect(s, sql("SELECT 4"), SQL_NTS); }},
    {"truncated data", "",
     [](const Api& api, SQLHSTMT s) {
         api.SQLExecDirect(s, sql("SELECT 'a long string value'"), SQL_NTS);
         api.SQLFetch(s);
         char buf[4];
         SQLLEN ind = 0;
         return api.SQLGetData(s, 1, SQL_C_CHAR, buf, sizeof buf, &ind);
     }},
};

TEST_F(FakeTargetTest, StatementDiagnosticsAreExactlyTheTargets) {
    for (const Scenario& s : kScenarios) {
        for (bool with_sqlerror : {false, true}) {
            Session direct(fake());
            direct.connect_ok("Database=" + test_database() + "_d" + std::to_string(with_sqlerror) +
                              ";" + s.connection_extra);
            Session through(retry());
            through.connect_ok(fake_target(s.connection_extra + ";Database=" + test_database() +
                                           "_t" + std::to_string(with_sqlerror)));
            SQLHSTMT ds = direct.statement();
            SQLHSTMT ts = through.statement();
            SQLRETURN expected_rc = s.run(fake(), ds);
            SQLRETURN rc = s.run(a(), ts);
            DiagView expected = view(fake(), expected_rc, SQL_HANDLE_STMT, ds, with_sqlerror);
            DiagView got = view(a(), rc, SQL_HANDLE_STMT, ts, with_sqlerror);
            EXPECT_FALSE(expected.a.empty()) << s.name << ": the scenario produced no record";
            EXPECT_EQ(got, expected)
                << s.name << "\n through odbc-retry: " << got << "\n fake alone: " << expected;
        }
    }
}

// When odbc-retry gives up retrying a statement, the target's last records come first, exactly,
// then odbc-retry's.
TEST_F(FakeTargetTest, GivingUpShowsTheTargetsRecordsThenOurs) {
    const std::string fault =
        "FailExecute={5:40001:1213:[Fake]Deadlock found when trying to get lock}";
    Session direct(fake());
    direct.connect_ok("Database=" + test_database() + "_alone;" + fault);
    SQLHSTMT ds = direct.statement();
    ASSERT_EQ(fake().SQLExecDirect(ds, sql("SELECT 1"), SQL_NTS), SQL_ERROR);
    std::vector<Record> target = records(fake(), SQL_HANDLE_STMT, ds);
    ASSERT_EQ(target.size(), 1u) << show(target);

    Session through(retry());
    through.connect_ok(
        fake_target(fault + ";RetryMaxAttempts=2;Database=" + test_database() + "_through"));
    SQLHSTMT ts = through.statement();
    ASSERT_EQ(a().SQLExecDirect(ts, sql("SELECT 1"), SQL_NTS), SQL_ERROR);
    for (bool wide_form : {false, true}) {
        std::vector<Record> r =
            wide_form ? records_w(a(), SQL_HANDLE_STMT, ts) : records(a(), SQL_HANDLE_STMT, ts);
        ASSERT_EQ(r.size(), 2u) << show(r);
        EXPECT_EQ(r[0], target[0]);
        EXPECT_EQ(r[1].message.rfind("[odbc-retry]", 0), 0u) << r[1];
        EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, ts, wide_form), 2);
    }
}

TEST_F(FakeTargetTest, ASucceedingCallClearsTheRecords) {
    SQLHSTMT stmt = through_.statement();
    EXPECT_EQ(a().SQLExecDirect(stmt, sql("SELEC 1"), SQL_NTS), SQL_ERROR);
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 1);
    EXPECT_EQ(a().SQLExecDirect(stmt, sql("SELECT 1"), SQL_NTS), SQL_SUCCESS);
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 0);
    EXPECT_EQ(records(a(), SQL_HANDLE_STMT, stmt).size(), 0u);
    // And after one of odbc-retry's own records.
    EXPECT_EQ(a().SQLExecDirect(stmt, nullptr, SQL_NTS), SQL_ERROR);
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 1);
    a().SQLFreeStmt(stmt, SQL_CLOSE);
    EXPECT_EQ(a().SQLExecDirect(stmt, sql("SELECT 1"), SQL_NTS), SQL_SUCCESS);
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 0);
}

TEST_F(FakeTargetTest, ReturnCodeHeaderField) {
    SQLHSTMT stmt = through_.statement();
    EXPECT_EQ(a().SQLExecDirect(stmt, sql("SELEC 1"), SQL_NTS), SQL_ERROR);
    SQLRETURN rc = 99;
    EXPECT_EQ(a().SQLGetDiagField(SQL_HANDLE_STMT, stmt, 0, SQL_DIAG_RETURNCODE, &rc, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(rc, SQL_ERROR);
}

// ---- isolation -----------------------------------------------------------------------------

// The fake's SQLExecDirect calls its own exported SQLPrepare and SQLExecute. Loaded through
// odbc-retry, those calls must reach the fake (it counts them: fake_self_calls()), never
// odbc-retry's exports of the same names nor anything in the global scope (the decoys above).
TEST_F(FakeTargetTest, TargetsCallsToItsOwnExportsStayInTheTarget) {
    // The decoys only catch something when they are in the global scope.
    ASSERT_EQ(dlsym(RTLD_DEFAULT, "SQLPrepare"), reinterpret_cast<void*>(&::SQLPrepare))
        << "the decoys are not exported: link driver_tests with ENABLE_EXPORTS (-rdynamic)";
    ASSERT_EQ(dlsym(RTLD_DEFAULT, "SQLExecute"), reinterpret_cast<void*>(&::SQLExecute));
    const int decoys_before = g_decoy_calls.load();
    SQLHSTMT stmt = through_.statement();
    for (int i = 0; i < 3; ++i) {
        SQLRETURN rc = a().SQLExecDirect(stmt, sql("SELECT 1"), SQL_NTS);
        ASSERT_EQ(rc, SQL_SUCCESS) << outcome(a(), rc, SQL_HANDLE_STMT, stmt);
        EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 0);
        a().SQLFreeStmt(stmt, SQL_CLOSE);
    }
    SQLRETURN rc = a().SQLExecDirectW(stmt, sqlw("SELECT 2"), SQL_NTS);
    ASSERT_EQ(rc, SQL_SUCCESS) << outcome(a(), rc, SQL_HANDLE_STMT, stmt);
    a().SQLFreeStmt(stmt, SQL_CLOSE);
    // The application's own SQLPrepare/SQLExecute are not self-calls of the fake.
    ASSERT_EQ(a().SQLPrepare(stmt, sql("SELECT 3"), SQL_NTS), SQL_SUCCESS);
    ASSERT_EQ(a().SQLExecute(stmt), SQL_SUCCESS);
    a().SQLFreeStmt(stmt, SQL_CLOSE);
    // Four SQLExecDirect calls above and the one that asks.
    EXPECT_EQ(scalar(a(), stmt, "SELECT fake_self_calls()"), 5);
    EXPECT_EQ(g_decoy_calls.load(), decoys_before)
        << "an exported name was resolved in the global scope";
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_STMT, stmt), 0)
        << show(records(a(), SQL_HANDLE_STMT, stmt));
    // A second connection counts its own.
    Session other(retry());
    other.connect_ok(fake_target());
    EXPECT_EQ(scalar(a(), other.statement(), "SELECT fake_self_calls()"), 1);
}

// ---- what the target lacks -----------------------------------------------------------------

TEST_F(FakeTargetTest, GetFunctionsAnswersForTheTarget) {
    SQLUSMALLINT bitmap[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE] = {};
    ASSERT_EQ(a().SQLGetFunctions(through_.dbc(), SQL_API_ODBC3_ALL_FUNCTIONS, bitmap),
              SQL_SUCCESS);
    auto supported = [&](SQLUSMALLINT id) {
        SQLUSMALLINT one = 99;
        EXPECT_EQ(a().SQLGetFunctions(through_.dbc(), id, &one), SQL_SUCCESS) << id;
        EXPECT_EQ(one, SQL_FUNC_EXISTS(bitmap, id))
            << "single answer and bitmap disagree for " << id;
        return one == SQL_TRUE;
    };
    EXPECT_TRUE(supported(SQL_API_SQLEXECDIRECT));
    EXPECT_TRUE(supported(SQL_API_SQLFETCH));
    EXPECT_TRUE(supported(SQL_API_SQLGETDIAGREC));
    EXPECT_FALSE(supported(SQL_API_SQLTABLES)) << "the fake has no SQLTables";
    EXPECT_FALSE(supported(SQL_API_SQLCOPYDESC)) << "the fake has no SQLCopyDesc";
    EXPECT_FALSE(supported(SQL_API_SQLGETTYPEINFO)) << "the fake has no SQLGetTypeInfo";
    for (SQLUSMALLINT id = 1; id < 200; ++id) supported(id);
    // ODBC 2's 100-entry array agrees with the bitmap.
    SQLUSMALLINT odbc2[100] = {};
    ASSERT_EQ(a().SQLGetFunctions(through_.dbc(), SQL_API_ALL_FUNCTIONS, odbc2), SQL_SUCCESS);
    for (SQLUSMALLINT id = 1; id < 100; ++id)
        EXPECT_EQ(odbc2[id], SQL_FUNC_EXISTS(bitmap, id)) << id;
}

TEST_F(FakeTargetTest, FunctionTheTargetLacksIsIM001) {
    SQLHSTMT stmt = through_.statement();
    EXPECT_EQ(a().SQLTables(stmt, nullptr, 0, nullptr, 0, sql("%"), SQL_NTS, nullptr, 0),
              SQL_ERROR);
    std::vector<Record> r = records(a(), SQL_HANDLE_STMT, stmt);
    ASSERT_EQ(r.size(), 1u) << show(r);
    EXPECT_EQ(r[0].state, "IM001");
    EXPECT_CONTAINS(r[0].message, "[odbc-retry]");
    EXPECT_EQ(a().SQLColumnsW(stmt, nullptr, 0, nullptr, 0, sqlw("t"), SQL_NTS, nullptr, 0),
              SQL_ERROR);
    EXPECT_EQ(records_w(a(), SQL_HANDLE_STMT, stmt).at(0).state, "IM001");
    EXPECT_EQ(a().SQLGetTypeInfo(stmt, SQL_ALL_TYPES), SQL_ERROR);
    EXPECT_EQ(records(a(), SQL_HANDLE_STMT, stmt).at(0).state, "IM001");
    // The statement still works.
    EXPECT_EQ(scalar(a(), stmt, "SELECT 8"), 8);
}

// ---- descriptors ---------------------------------------------------------------------------

TEST_F(FakeTargetTest, StatementDescriptorsAreOurHandles) {
    SQLHSTMT stmt = through_.statement();
    SQLHDESC ard = nullptr, again = nullptr;
    ASSERT_EQ(a().SQLGetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, &ard, 0, nullptr), SQL_SUCCESS);
    ASSERT_EQ(a().SQLGetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, &again, 0, nullptr), SQL_SUCCESS);
    ASSERT_NE(ard, nullptr);
    EXPECT_EQ(ard, again);
    EXPECT_EQ(diag_number(a(), SQL_HANDLE_DESC, ard), 0)
        << "the descriptor is not one of odbc-retry's handles";
    EXPECT_EQ(a().SQLFreeHandle(SQL_HANDLE_DESC, ard), SQL_ERROR);  // implicit: HY017
    EXPECT_EQ(records(a(), SQL_HANDLE_DESC, ard).at(0).state, "HY017");

    SQLHDESC mine = nullptr;
    ASSERT_EQ(a().SQLAllocHandle(SQL_HANDLE_DESC, through_.dbc(), &mine), SQL_SUCCESS);
    ASSERT_EQ(a().SQLSetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, mine, 0), SQL_SUCCESS)
        << outcome(a(), SQL_ERROR, SQL_HANDLE_STMT, stmt);
    SQLHDESC now = nullptr;
    ASSERT_EQ(a().SQLGetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, &now, 0, nullptr), SQL_SUCCESS);
    EXPECT_EQ(now, mine);
    ASSERT_EQ(a().SQLSetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, nullptr, 0), SQL_SUCCESS);
    ASSERT_EQ(a().SQLGetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, &now, 0, nullptr), SQL_SUCCESS);
    EXPECT_EQ(now, ard);
    EXPECT_EQ(a().SQLFreeHandle(SQL_HANDLE_DESC, mine), SQL_SUCCESS);

    // Another statement's implicit descriptor: HY017; this statement's own: restores it.
    SQLHSTMT other = through_.statement();
    SQLHDESC other_ard = nullptr;
    ASSERT_EQ(a().SQLGetStmtAttr(other, SQL_ATTR_APP_ROW_DESC, &other_ard, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(a().SQLSetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, other_ard, 0), SQL_ERROR);
    EXPECT_EQ(records(a(), SQL_HANDLE_STMT, stmt).at(0).state, "HY017");
    EXPECT_EQ(a().SQLSetStmtAttr(stmt, SQL_ATTR_APP_ROW_DESC, ard, 0), SQL_SUCCESS)
        << outcome(a(), SQL_ERROR, SQL_HANDLE_STMT, stmt);
}

// ---- connection life cycle -----------------------------------------------------------------

TEST_F(FakeTargetTest, ReconnectOnTheSameHandle) {
    for (int i = 0; i < 3; ++i) {
        SQLHSTMT stmt = through_.statement();
        EXPECT_EQ(scalar(a(), stmt, "SELECT " + std::to_string(i)), i);
        through_.disconnect();
        through_.connect_ok(fake_target());
    }
}

}  // namespace
}  // namespace odbcretry::driver_tests
