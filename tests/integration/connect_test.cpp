// SPDX-License-Identifier: Apache-2.0
// Connecting the way applications do, compared with the driver alone.
//
// Each test makes one kind of connect call (and a few calls after it) on the direct DSN and on
// its odbc-retry DSN, records the outcome (return codes, every diagnostic record, what a query
// returns) and compares the two transcripts. The calls are the ones real programs make that the
// differential suite's own connect (SQLDriverConnect "DSN=...;" with SQL_NTS) never does:
//   - text whose length is the size of the buffer, not of the text (the drivers stop at the
//     first NUL: psqlODBC's make_string, MariaDB's and SQLite ODBC's connection-string parsers);
//   - SQLConnect with empty or missing user name and password, the DSN holding the credentials;
//   - DSN-less connections through a driver name whose odbcinst.ini entry is odbc-retry
//     (scripts/odbc-ini registers "ORT Wrapped PostgreSQL" and "ORT Wrapped MariaDB").
#include <cstring>
#include <functional>

#include "differential.h"
#include "odbc_harness.h"

namespace ort_it {
namespace {

const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new RequireOdbcEnvironment());

SQLCHAR* a(const std::string& s) {
    return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str()));
}

// One path's outcome, with the DSN's own name replaced so the two paths compare.
class Outcome {
  public:
    Outcome(const Backend& b, Transcript& t) : b_(b), t_(t) {}
    void rc(const std::string& what, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle) {
        t_.add(what + " -> " + rc_name(rc));
        if (!handle || rc == SQL_INVALID_HANDLE) return;
        for (SQLSMALLINT i = 1; i < 20; ++i) {
            SQLCHAR state[6] = {};
            SQLINTEGER native = 0;
            SQLCHAR message[2048] = {};
            SQLSMALLINT length = 0;
            if (!SQL_SUCCEEDED(SQLGetDiagRec(type, handle, i, state, &native, message,
                                             sizeof message, &length)))
                break;
            t_.add(fmt("  diag %d: %s native=%d '%s'", i, reinterpret_cast<char*>(state),
                       static_cast<int>(native),
                       normalise(reinterpret_cast<char*>(message)).c_str()));
        }
    }
    void note(const std::string& line) { t_.add(line); }

  private:
    std::string normalise(std::string text) const {
        for (const char* name : {b_.retry, b_.direct}) {
            for (size_t at; (at = text.find(name)) != std::string::npos;)
                text.replace(at, std::strlen(name), "<dsn>");
        }
        return text;
    }
    const Backend& b_;
    Transcript& t_;
};

// The first column of the first row of `sql` as text, or the failure.
std::string scalar(SQLHDBC dbc, const std::string& sql, SQLINTEGER length = SQL_NTS) {
    SQLHSTMT s = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s))) return "no statement";
    std::string out;
    SQLRETURN rc = SQLExecDirect(s, a(sql), length);
    if (!SQL_SUCCEEDED(rc)) {
        out = "error " + diag_text(SQL_HANDLE_STMT, s);
    } else if (!SQL_SUCCEEDED(rc = SQLFetch(s))) {
        out = "fetch " + rc_name(rc);
    } else {
        SQLCHAR value[256] = {};
        SQLLEN indicator = 0;
        rc = SQLGetData(s, 1, SQL_C_CHAR, value, sizeof value, &indicator);
        out = SQL_SUCCEEDED(rc) ? (indicator == SQL_NULL_DATA ? std::string("NULL")
                                                              : reinterpret_cast<char*>(value))
                                : "getdata " + rc_name(rc);
    }
    SQLFreeHandle(SQL_HANDLE_STMT, s);
    return out;
}

using Connect = std::function<SQLRETURN(SQLHDBC dbc, const std::string& dsn)>;
using After = std::function<void(SQLHDBC dbc, Outcome& o)>;

class ConnectLikeApplications : public ::testing::TestWithParam<Backend> {
  protected:
    void SetUp() override {
        if (env_value(GetParam().needs).empty())
            GTEST_FAIL() << GetParam().needs << " is not set. " << environment_hint();
    }
    // Runs `connect` then `after` on the direct and the retry DSN and compares the transcripts.
    void compare(const std::string& what, const Connect& connect, const After& after = nullptr) {
        const Backend& b = GetParam();
        Transcript direct, retry;
        for (bool through_retry : {false, true}) {
            Transcript& t = through_retry ? retry : direct;
            Outcome o(b, t);
            EnvDbc h;
            SQLRETURN rc = connect(h.dbc, through_retry ? b.retry : b.direct);
            h.connected = SQL_SUCCEEDED(rc);
            o.rc(what, rc, SQL_HANDLE_DBC, h.dbc);
            if (!h.connected) continue;
            o.note("SELECT 1 -> " + scalar(h.dbc, "SELECT 1"));
            if (after) after(h.dbc, o);
        }
        EXPECT_EQ(direct.lines(), retry.lines())
            << what << ": through " << b.retry << " the outcome differs from " << b.direct
            << " alone:\n"
            << diff_lines(direct.lines(), retry.lines(), b.direct, b.retry);
    }
};

// A buffer of `size` bytes: `text`, its terminator, then garbage a reader must not take (a
// password, a malformed pair, bytes that are not UTF-8).
std::string padded(const std::string& text, size_t size = 512) {
    std::string buffer = text;
    buffer += '\0';
    buffer += ";UID=nobody;PWD=zz;{unclosed\xff\xfe;";
    while (buffer.size() < size) buffer += '@';
    return buffer;
}

WString padded_w(const std::string& text, size_t size = 256) {
    WString buffer = to_w(text);
    buffer += SQLWCHAR(0);
    for (char c : std::string(";UID=nobody;PWD=zz;{unclosed;")) buffer += SQLWCHAR(c);
    while (buffer.size() < size) buffer += SQLWCHAR('@');
    return buffer;
}

// ---- 1. text with a length beyond its terminator ----------------------------------------------

TEST_P(ConnectLikeApplications, DriverConnectWithTheBufferSizeAsLength) {
    compare("SQLDriverConnect(\"DSN=<dsn>;\\0garbage\", 512)",
            [](SQLHDBC dbc, const std::string& dsn) {
                std::string in = padded("DSN=" + dsn + ";");
                SQLCHAR out[1024];
                SQLSMALLINT out_length = 0;
                return SQLDriverConnect(dbc, nullptr, a(in), static_cast<SQLSMALLINT>(in.size()),
                                        out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
            });
    compare("SQLDriverConnect(\"DSN=<dsn>\\0garbage\", 512) (no ';')",
            [](SQLHDBC dbc, const std::string& dsn) {
                std::string in = padded("DSN=" + dsn);
                SQLCHAR out[1024];
                SQLSMALLINT out_length = 0;
                return SQLDriverConnect(dbc, nullptr, a(in), static_cast<SQLSMALLINT>(in.size()),
                                        out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
            });
}

TEST_P(ConnectLikeApplications, DriverConnectWWithTheBufferSizeAsLength) {
    compare("SQLDriverConnectW(L\"DSN=<dsn>;\\0garbage\", 256)", [](SQLHDBC dbc,
                                                                    const std::string& dsn) {
        WString in = padded_w("DSN=" + dsn + ";");
        SQLWCHAR out[1024];
        SQLSMALLINT out_length = 0;
        return SQLDriverConnectW(dbc, nullptr, in.data(), static_cast<SQLSMALLINT>(in.size()), out,
                                 1024, &out_length, SQL_DRIVER_NOPROMPT);
    });
}

TEST_P(ConnectLikeApplications, ConnectWithBufferSizesAsLengths) {
    compare("SQLConnect(\"<dsn>\\0garbage\", 64, NULL, 0, NULL, 0)",
            [](SQLHDBC dbc, const std::string& dsn) {
                std::string name = padded(dsn, 64);
                return SQLConnect(dbc, a(name), static_cast<SQLSMALLINT>(name.size()), nullptr, 0,
                                  nullptr, 0);
            });
}

TEST_P(ConnectLikeApplications, StatementTextWithTheBufferSizeAsLength) {
    compare(
        "SQLDriverConnect(DSN=<dsn>)",
        [](SQLHDBC dbc, const std::string& dsn) {
            std::string in = "DSN=" + dsn + ";";
            return SQLDriverConnect(dbc, nullptr, a(in), SQL_NTS, nullptr, 0, nullptr,
                                    SQL_DRIVER_NOPROMPT);
        },
        [](SQLHDBC dbc, Outcome& o) {
            std::string sql = padded("SELECT 42", 64);
            o.note("SQLExecDirect(\"SELECT 42\\0garbage\", 64) -> " +
                   scalar(dbc, sql, static_cast<SQLINTEGER>(sql.size())));
            SQLHSTMT s = SQL_NULL_HSTMT;
            SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s);
            std::string prepared = padded("SELECT 43", 64);
            o.rc("SQLPrepare(\"SELECT 43\\0garbage\", 64)",
                 SQLPrepare(s, a(prepared), static_cast<SQLINTEGER>(prepared.size())),
                 SQL_HANDLE_STMT, s);
            o.rc("SQLExecute", SQLExecute(s), SQL_HANDLE_STMT, s);
            SQLCHAR value[64] = {};
            SQLLEN indicator = 0;
            if (SQL_SUCCEEDED(SQLFetch(s)) &&
                SQL_SUCCEEDED(SQLGetData(s, 1, SQL_C_CHAR, value, sizeof value, &indicator)))
                o.note(std::string("  value ") + reinterpret_cast<char*>(value));
            SQLCloseCursor(s);
            std::string cursor = padded("ort_cursor", 40);
            o.rc("SQLSetCursorName(\"ort_cursor\\0garbage\", 40)",
                 SQLSetCursorName(s, a(cursor), static_cast<SQLSMALLINT>(cursor.size())),
                 SQL_HANDLE_STMT, s);
            SQLCHAR name[64] = {};
            SQLSMALLINT name_length = 0;
            o.rc("SQLGetCursorName", SQLGetCursorName(s, name, sizeof name, &name_length),
                 SQL_HANDLE_STMT, s);
            o.note("  name " + Pass::cursor_name(reinterpret_cast<char*>(name)) + " len " +
                   std::to_string(name_length));
            std::string table = padded("ort_no_such_table", 40);
            o.rc("SQLTables(\"ort_no_such_table\\0garbage\", 40)",
                 SQLTables(s, nullptr, 0, nullptr, 0, a(table),
                           static_cast<SQLSMALLINT>(table.size()), nullptr, 0),
                 SQL_HANDLE_STMT, s);
            int rows = 0;
            while (SQL_SUCCEEDED(SQLFetch(s))) ++rows;
            o.note("  rows " + std::to_string(rows));
            SQLFreeHandle(SQL_HANDLE_STMT, s);
            std::string native = padded("SELECT 44", 64);
            SQLCHAR out[256] = {};
            // sqliteodbc writes a terminator into the INPUT at [output capacity - 1], however
            // short the input is (with the driver alone too): the input's storage gets that much
            // room, or the driver corrupts this process's heap and later lines differ at random.
            native.reserve(sizeof out);
            SQLINTEGER out_length = 0;
            o.rc("SQLNativeSql(\"SELECT 44\\0garbage\", 64)",
                 SQLNativeSql(dbc, a(native), static_cast<SQLINTEGER>(native.size()), out,
                              sizeof out, &out_length),
                 SQL_HANDLE_DBC, dbc);
            o.note(std::string("  out '") +
                   printable(out, strnlen(reinterpret_cast<char*>(out), sizeof out)) + "'");
        });
}

// ---- 2. SQLConnect with the credentials in the DSN --------------------------------------------

TEST_P(ConnectLikeApplications, ConnectWithEmptyCredentials) {
    compare("SQLConnect(<dsn>, \"\", SQL_NTS, \"\", SQL_NTS)",
            [](SQLHDBC dbc, const std::string& dsn) {
                return SQLConnect(dbc, a(dsn), SQL_NTS, a(""), SQL_NTS, a(""), SQL_NTS);
            });
    compare("SQLConnect(<dsn>, \"\", 0, \"\", 0)", [](SQLHDBC dbc, const std::string& dsn) {
        return SQLConnect(dbc, a(dsn), SQL_NTS, a(""), 0, a(""), 0);
    });
    compare("SQLConnect(<dsn>, NULL, 0, NULL, 0)", [](SQLHDBC dbc, const std::string& dsn) {
        return SQLConnect(dbc, a(dsn), SQL_NTS, nullptr, 0, nullptr, 0);
    });
    compare("SQLConnect(<dsn>, NULL, SQL_NTS, NULL, SQL_NTS)",
            [](SQLHDBC dbc, const std::string& dsn) {
                return SQLConnect(dbc, a(dsn), SQL_NTS, nullptr, SQL_NTS, nullptr, SQL_NTS);
            });
}

TEST_P(ConnectLikeApplications, ConnectWWithEmptyCredentials) {
    compare("SQLConnectW(<dsn>, L\"\", SQL_NTS, L\"\", SQL_NTS)", [](SQLHDBC dbc,
                                                                     const std::string& dsn) {
        WString name = to_w(dsn), empty = to_w("");
        return SQLConnectW(dbc, name.data(), SQL_NTS, empty.data(), SQL_NTS, empty.data(), SQL_NTS);
    });
    compare("SQLConnectW(<dsn>, L\"\", 0, L\"\", 0)", [](SQLHDBC dbc, const std::string& dsn) {
        WString name = to_w(dsn), empty = to_w("");
        return SQLConnectW(dbc, name.data(), SQL_NTS, empty.data(), 0, empty.data(), 0);
    });
}

TEST_P(ConnectLikeApplications, ConnectWithCredentialsInBuffersLongerThanTheText) {
    const std::string user = env_value("ORT_DB_USER"), password = env_value("ORT_DB_PASSWORD");
    compare("SQLConnect(<dsn>, \"user\\0garbage\", 64, \"password\\0garbage\", 64)",
            [&](SQLHDBC dbc, const std::string& dsn) {
                std::string u = padded(user, 64), p = padded(password, 64);
                return SQLConnect(dbc, a(dsn), SQL_NTS, a(u), 64, a(p), 64);
            });
    compare("SQLConnect(<dsn>, user, SQL_NTS, \"wrong\", SQL_NTS)", [&](SQLHDBC dbc,
                                                                        const std::string& dsn) {
        return SQLConnect(dbc, a(dsn), SQL_NTS, a(user), SQL_NTS, a("not-" + password), SQL_NTS);
    });
}

// A connection opened with SQLConnect and empty credentials is recovered the same way: the
// target's SQLConnect with the same arguments (a connection string with UID=;PWD= would fail).
TEST_P(ConnectLikeApplications, RecoveryConnectsAsTheApplicationDid) {
    const Backend& b = GetParam();
    if (b.kind == Kind::Sqlite) GTEST_SKIP() << "no server to lose";
    const bool pg = b.kind != Kind::Maria;
    const char* session_id = pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()";
    for (SQLSMALLINT length : {SQLSMALLINT(0), SQLSMALLINT(SQL_NTS)}) {
        SCOPED_TRACE(length == 0 ? "lengths 0" : "SQL_NTS");
        EnvDbc h;
        SQLRETURN rc = SQLConnect(h.dbc, a(b.retry), SQL_NTS, a(""), length, a(""), length);
        h.connected = SQL_SUCCEEDED(rc);
        if (!h.connected && b.kind == Kind::Maria && length == SQL_NTS) {
            // MariaDB alone refuses "" with SQL_NTS as an empty password: compared above.
            continue;
        }
        ASSERT_TRUE(h.connected) << diag_text(SQL_HANDLE_DBC, h.dbc);
        const std::string before = scalar(h.dbc, session_id);
        EnvDbc killer;
        ASSERT_TRUE(SQL_SUCCEEDED(killer.driver_connect(std::string("DSN=") + b.direct + ";")))
            << diag_text(SQL_HANDLE_DBC, killer.dbc);
        const std::string kill =
            pg ? "SELECT pg_terminate_backend(" + before + ", 5000)" : "KILL CONNECTION " + before;
        SQLHSTMT s = SQL_NULL_HSTMT;
        SQLAllocHandle(SQL_HANDLE_STMT, killer.dbc, &s);
        ASSERT_TRUE(SQL_SUCCEEDED(SQLExecDirect(s, a(kill), SQL_NTS)))
            << diag_text(SQL_HANDLE_STMT, s);
        SQLFreeHandle(SQL_HANDLE_STMT, s);
        // A read in autocommit on the lost connection: recovered and re-executed.
        const std::string after = scalar(h.dbc, session_id);
        EXPECT_NE(after, before);
        EXPECT_EQ(after.find("error"), std::string::npos) << after;
        EXPECT_EQ(scalar(h.dbc, "SELECT 7"), "7");
    }
}

INSTANTIATE_TEST_SUITE_P(Backends, ConnectLikeApplications, ::testing::ValuesIn(all_backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                             return std::string(info.param.name);
                         });

// ---- 3. DSN-less, by a driver name whose odbcinst.ini entry is odbc-retry ---------------------

struct WrappedDriver {
    const char* name;     // the test's parameter name
    const char* real;     // the real driver's odbcinst.ini name
    const char* wrapped;  // odbc-retry's entry (scripts/odbc-ini), with TargetDriver=real
    const char* port_variable;
    const char* keys;        // printf format: port, database, user, password
    const char* init_check;  // what the entry's SessionInitSQL set, read back
    const char* init_value;
};

const WrappedDriver kWrapped[] = {
    {"pg", "PostgreSQL Unicode", "ORT Wrapped PostgreSQL", "ORT_PG_PORT",
     "Servername=127.0.0.1;Port=%s;Database=%s;UID=%s;PWD=%s;",
     "SELECT current_setting('application_name')", "ort_wrapped"},
    {"maria", "MariaDB", "ORT Wrapped MariaDB", "ORT_MARIADB_PORT",
     "SERVER=127.0.0.1;PORT=%s;DATABASE=%s;UID=%s;PWD=%s;", "SELECT @ort_wrapped", "ort_wrapped"},
};

inline std::ostream& operator<<(std::ostream& os, const WrappedDriver& w) {
    return os << w.wrapped;
}

class DsnLessThroughADriverName : public ::testing::TestWithParam<WrappedDriver> {};

TEST_P(DsnLessThroughADriverName, ConnectsLikeTheRealDriverWithTheEntrysSettings) {
    const WrappedDriver& w = GetParam();
    const std::string port = env_value(w.port_variable);
    if (port.empty()) GTEST_FAIL() << w.port_variable << " is not set. " << environment_hint();
    const std::string keys =
        fmt(w.keys, port.c_str(), env_value("ORT_DB_NAME").c_str(),
            env_value("ORT_DB_USER").c_str(), env_value("ORT_DB_PASSWORD").c_str());
    Transcript direct, retry;
    for (bool through_retry : {false, true}) {
        Transcript& t = through_retry ? retry : direct;
        EnvDbc h;
        std::string in =
            std::string("DRIVER={") + (through_retry ? w.wrapped : w.real) + "};" + keys;
        SQLRETURN rc = h.driver_connect(in);
        t.add("SQLDriverConnect(DRIVER={<driver>};...) -> " + rc_name(rc));
        if (!SQL_SUCCEEDED(rc)) {
            t.add(diag_text(SQL_HANDLE_DBC, h.dbc));
            continue;
        }
        t.add("SELECT 1 -> " + scalar(h.dbc, "SELECT 1"));
        // The odbc-retry keys of the entry apply: its SessionInitSQL ran (not compared: the
        // driver alone has none).
        if (through_retry) {
            EXPECT_EQ(scalar(h.dbc, w.init_check), w.init_value);
        }
        // W form too.
        EnvDbc hw;
        WString win = to_w(in);
        SQLWCHAR out[1024];
        SQLSMALLINT out_length = 0;
        rc = SQLDriverConnectW(hw.dbc, nullptr, win.data(), SQL_NTS, out, 1024, &out_length,
                               SQL_DRIVER_NOPROMPT);
        hw.connected = SQL_SUCCEEDED(rc);
        t.add("SQLDriverConnectW(DRIVER={<driver>};...) -> " + rc_name(rc));
        if (hw.connected) t.add("SELECT 2 -> " + scalar(hw.dbc, "SELECT 2"));
    }
    EXPECT_EQ(direct.lines(), retry.lines())
        << diff_lines(direct.lines(), retry.lines(), w.real, w.wrapped);
}

TEST_P(DsnLessThroughADriverName, AWrongPasswordIsTheRealDriversError) {
    const WrappedDriver& w = GetParam();
    const std::string port = env_value(w.port_variable);
    if (port.empty()) GTEST_FAIL() << w.port_variable << " is not set. " << environment_hint();
    const std::string keys =
        fmt(w.keys, port.c_str(), env_value("ORT_DB_NAME").c_str(),
            env_value("ORT_DB_USER").c_str(), ("not-" + env_value("ORT_DB_PASSWORD")).c_str());
    std::string messages[2];
    for (int i = 0; i < 2; ++i) {
        EnvDbc h;
        SQLRETURN rc =
            h.driver_connect(std::string("DRIVER={") + (i ? w.wrapped : w.real) + "};" + keys);
        EXPECT_EQ(rc, SQL_ERROR);
        messages[i] = diag_text(SQL_HANDLE_DBC, h.dbc);
    }
    EXPECT_EQ(messages[0], messages[1]);
}

INSTANTIATE_TEST_SUITE_P(Drivers, DsnLessThroughADriverName, ::testing::ValuesIn(kWrapped),
                         [](const ::testing::TestParamInfo<WrappedDriver>& info) {
                             return std::string(info.param.name);
                         });

}  // namespace
}  // namespace ort_it
