// SPDX-License-Identifier: Apache-2.0
#include "driver_harness.h"

#include <stdlib.h>

#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <ostream>

namespace odbcretry::driver_tests {

namespace fs = std::filesystem;

namespace {

// Creates the private configuration once and points the ODBC and odbc-retry variables at it.
struct Config {
    std::string dir;

    Config() {
        std::string pattern = (fs::path(::testing::TempDir()) / "odbcretry-driver-XXXXXX").string();
        if (!mkdtemp(pattern.data())) {
            ADD_FAILURE() << "mkdtemp failed";
            return;
        }
        dir = pattern;
        const std::string retry_path = ODBCRETRY_LIBRARY;
        const std::string fake_path = ODBCFAKE_LIBRARY;
        std::ofstream(fs::path(dir) / "odbcinst.ini")
            << "[ODBC]\nTrace=No\n\n"
            << "[ODBC Retry]\nDriver=" << retry_path << "\n\n"
            << "[ODBC Fake]\nDriver=" << fake_path << "\n";
        std::ofstream(fs::path(dir) / "odbc.ini")
            << "[fake_direct]\nDriver=ODBC Fake\nDatabase=dsn_db\n\n"
            << "[retry_fake]\nDriver=ODBC Retry\nTargetDSN=fake_direct\nRetryMaxAttempts=3\n\n"
            << "[retry_fake_path]\nDriver=ODBC Retry\nTargetDriver=" << fake_path
            << "\nDatabase=ini_db\n\n"
            << "[retry_loop]\nDriver=ODBC Retry\nTargetDSN=retry_fake\n\n"
            << "[retry_none]\nDriver=ODBC Retry\nServer=db1\n\n"
            << "[retry_typo]\nDriver=ODBC Retry\nTargetDSN=fake_direct\nRetryMaxAtempts=3\n\n"
            << "[retry_unknown_target]\nDriver=ODBC Retry\nTargetDSN=no_such_dsn\n";
        // Retries (which these tests only provoke in a few places) do not wait.
        std::ofstream(fs::path(dir) / "odbc-retry.ini") << "[defaults]\nRetryBaseDelay=0\n";
        setenv("ODBCSYSINI", dir.c_str(), 1);
        setenv("ODBCINI", (fs::path(dir) / "odbc.ini").c_str(), 1);
        setenv("ODBC_RETRY_CONFIG", (fs::path(dir) / "odbc-retry.ini").c_str(), 1);
        setenv("ODBC_RETRY_LOG_FILE", (fs::path(dir) / "odbc-retry.log").c_str(), 1);
        setenv("ODBC_RETRY_LOG_LEVEL", "debug", 1);
        setenv("ODBC_RETRY_STATE_DIR", dir.c_str(), 1);  // the shared circuit-breaker table
        unsetenv("ODBCFAKE_LOG");
        static std::string remove_at_exit;
        remove_at_exit = dir;
        std::atexit([] {
            std::error_code ec;
            fs::remove_all(remove_at_exit, ec);
        });
    }
};

const Config& config() {
    static const Config c;
    return c;
}

Api load(const char* path) {
    config();
    Api api;
    api.path = path;
    api.library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!api.library) {
        ADD_FAILURE() << "dlopen(" << path << "): " << dlerror();
        return api;
    }
#define ODBCRETRY_RESOLVE(name) \
    api.name = reinterpret_cast<decltype(&::name)>(dlsym(api.library, #name));
    ODBCRETRY_EXPORTS(ODBCRETRY_RESOLVE)
#undef ODBCRETRY_RESOLVE
    return api;
}

}  // namespace

const std::vector<std::string>& export_names() {
    static const std::vector<std::string> names = {
#define ODBCRETRY_NAME(name) #name,
        ODBCRETRY_EXPORTS(ODBCRETRY_NAME)
#undef ODBCRETRY_NAME
    };
    return names;
}

const Api& retry() {
    static const Api api = load(ODBCRETRY_LIBRARY);
    return api;
}

const Api& fake() {
    static const Api api = load(ODBCFAKE_LIBRARY);
    return api;
}

const std::string& config_dir() {
    return config().dir;
}

std::string log_file() {
    return (fs::path(config().dir) / "odbc-retry.log").string();
}

std::string test_database() {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "_" + info->name() : "no_test";
    for (char& c : name)
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
    return name;
}

std::string fake_target(const std::string& extra) {
    return "DRIVER={ODBC Retry};TargetDriver={" + fake().path + "};Database=" + test_database() +
           ";" + extra;
}

// ---- text --------------------------------------------------------------------------------

std::basic_string<SQLWCHAR> wide(const std::string& text) {
    std::basic_string<SQLWCHAR> out;
    for (size_t i = 0; i < text.size();) {
        auto b = static_cast<unsigned char>(text[i]);
        char32_t c = b;
        size_t n = 1;
        if (b >= 0xF0)
            c = b & 0x07, n = 4;
        else if (b >= 0xE0)
            c = b & 0x0F, n = 3;
        else if (b >= 0xC0)
            c = b & 0x1F, n = 2;
        for (size_t k = 1; k < n && i + k < text.size(); ++k) c = (c << 6) | (text[i + k] & 0x3F);
        i += n;
        if (c >= 0x10000) {
            c -= 0x10000;
            out += static_cast<SQLWCHAR>(0xD800 + (c >> 10));
            out += static_cast<SQLWCHAR>(0xDC00 + (c & 0x3FF));
        } else {
            out += static_cast<SQLWCHAR>(c);
        }
    }
    return out;
}

std::string narrow(const SQLWCHAR* text, long length) {
    std::string out;
    if (!text) return out;
    long n = length;
    if (n < 0) {
        n = 0;
        while (text[n]) ++n;
    }
    for (long i = 0; i < n; ++i) {
        char32_t c = text[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n)
            c = 0x10000 + ((c - 0xD800) << 10) + (text[++i] - 0xDC00);
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else if (c < 0x800) {
            out += static_cast<char>(0xC0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out += static_cast<char>(0xE0 | (c >> 12));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (c >> 18));
            out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (c & 0x3F));
        }
    }
    return out;
}

namespace {
std::mutex text_mutex;
std::deque<std::string> narrow_texts;
std::deque<std::basic_string<SQLWCHAR>> wide_texts;
}  // namespace

SQLCHAR* sql(const std::string& text) {
    std::lock_guard lock(text_mutex);
    narrow_texts.push_back(text);
    return reinterpret_cast<SQLCHAR*>(narrow_texts.back().data());
}

SQLWCHAR* sqlw(const std::string& text) {
    std::lock_guard lock(text_mutex);
    wide_texts.push_back(wide(text));
    return wide_texts.back().data();
}

// ---- diagnostics -------------------------------------------------------------------------

std::ostream& operator<<(std::ostream& out, const Record& r) {
    return out << "[" << r.state << "] (" << r.native << ") " << r.message;
}

std::string show(const std::vector<Record>& records) {
    std::string out;
    for (const Record& r : records) {
        out += "\n    [" + r.state + "] (" + std::to_string(r.native) + ") " + r.message;
    }
    return records.empty() ? "(no records)" : out;
}

std::vector<Record> records(const Api& api, SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<Record> out;
    for (SQLSMALLINT i = 1; i < 100; ++i) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[4096] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc =
            api.SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (rc == SQL_NO_DATA) break;
        if (!SQL_SUCCEEDED(rc)) {
            ADD_FAILURE() << "SQLGetDiagRec(" << i << ") returned " << rc;
            break;
        }
        out.push_back({reinterpret_cast<char*>(state), native, reinterpret_cast<char*>(message)});
    }
    return out;
}

std::vector<Record> records_w(const Api& api, SQLSMALLINT type, SQLHANDLE handle) {
    std::vector<Record> out;
    for (SQLSMALLINT i = 1; i < 100; ++i) {
        SQLWCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLWCHAR message[4096] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc = api.SQLGetDiagRecW(type, handle, i, state, &native, message, 4096, &length);
        if (rc == SQL_NO_DATA) break;
        if (!SQL_SUCCEEDED(rc)) {
            ADD_FAILURE() << "SQLGetDiagRecW(" << i << ") returned " << rc;
            break;
        }
        out.push_back({narrow(state), native, narrow(message)});
    }
    return out;
}

SQLINTEGER diag_number(const Api& api, SQLSMALLINT type, SQLHANDLE handle, bool wide_form) {
    SQLINTEGER n = -1;
    SQLRETURN rc = wide_form
                       ? api.SQLGetDiagFieldW(type, handle, 0, SQL_DIAG_NUMBER, &n, 0, nullptr)
                       : api.SQLGetDiagField(type, handle, 0, SQL_DIAG_NUMBER, &n, 0, nullptr);
    return SQL_SUCCEEDED(rc) ? n : -1;
}

std::string outcome(const Api& api, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle) {
    std::string name;
    switch (rc) {
        case SQL_SUCCESS:
            name = "SQL_SUCCESS";
            break;
        case SQL_SUCCESS_WITH_INFO:
            name = "SQL_SUCCESS_WITH_INFO";
            break;
        case SQL_ERROR:
            name = "SQL_ERROR";
            break;
        case SQL_INVALID_HANDLE:
            name = "SQL_INVALID_HANDLE";
            break;
        case SQL_NO_DATA:
            name = "SQL_NO_DATA";
            break;
        case SQL_NEED_DATA:
            name = "SQL_NEED_DATA";
            break;
        default:
            name = "rc " + std::to_string(rc);
    }
    if (rc == SQL_INVALID_HANDLE || !handle) return name;
    return name + show(records(api, type, handle));
}

// ---- handles -----------------------------------------------------------------------------

Session::Session(const Api& api) : api_(api) {
    EXPECT_EQ(api_.SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_), SQL_SUCCESS);
    EXPECT_EQ(api_.SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION,
                                 reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0),
              SQL_SUCCESS);
    EXPECT_EQ(api_.SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc_), SQL_SUCCESS);
}

Session::~Session() {
    if (connected_) disconnect();
    if (dbc_) {
        EXPECT_EQ(api_.SQLFreeHandle(SQL_HANDLE_DBC, dbc_), SQL_SUCCESS)
            << outcome(api_, SQL_ERROR, SQL_HANDLE_DBC, dbc_);
    }
    if (env_) {
        EXPECT_EQ(api_.SQLFreeHandle(SQL_HANDLE_ENV, env_), SQL_SUCCESS);
    }
}

SQLRETURN Session::connect(const std::string& connection_string) {
    SQLRETURN rc = api_.SQLDriverConnect(dbc_, nullptr, sql(connection_string), SQL_NTS, nullptr, 0,
                                         nullptr, SQL_DRIVER_NOPROMPT);
    if (SQL_SUCCEEDED(rc)) connected_ = true;
    return rc;
}

SQLRETURN Session::connect_w(const std::string& connection_string) {
    SQLRETURN rc = api_.SQLDriverConnectW(dbc_, nullptr, sqlw(connection_string), SQL_NTS, nullptr,
                                          0, nullptr, SQL_DRIVER_NOPROMPT);
    if (SQL_SUCCEEDED(rc)) connected_ = true;
    return rc;
}

void Session::connect_ok(const std::string& connection_string) {
    SQLRETURN rc = connect(connection_string);
    ASSERT_TRUE(SQL_SUCCEEDED(rc)) << connection_string << "\n"
                                   << outcome(api_, rc, SQL_HANDLE_DBC, dbc_);
}

SQLHSTMT Session::statement() {
    SQLHSTMT stmt = nullptr;
    SQLRETURN rc = api_.SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt);
    EXPECT_EQ(rc, SQL_SUCCESS) << outcome(api_, rc, SQL_HANDLE_DBC, dbc_);
    return stmt;
}

void Session::disconnect() {
    SQLRETURN rc = api_.SQLDisconnect(dbc_);
    EXPECT_TRUE(SQL_SUCCEEDED(rc)) << outcome(api_, rc, SQL_HANDLE_DBC, dbc_);
    connected_ = false;
}

std::vector<std::string> column(const Api& api, SQLHSTMT stmt, const std::string& query) {
    std::vector<std::string> out;
    SQLRETURN rc = api.SQLExecDirect(stmt, sql(query), SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) {
        ADD_FAILURE() << query << ": " << outcome(api, rc, SQL_HANDLE_STMT, stmt);
        return out;
    }
    while ((rc = api.SQLFetch(stmt)) == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO) {
        char value[256] = {};
        SQLLEN indicator = 0;
        SQLRETURN got = api.SQLGetData(stmt, 1, SQL_C_CHAR, value, sizeof value, &indicator);
        if (!SQL_SUCCEEDED(got)) {
            ADD_FAILURE() << query << " SQLGetData: " << outcome(api, got, SQL_HANDLE_STMT, stmt);
            break;
        }
        out.push_back(indicator == SQL_NULL_DATA ? "NULL" : value);
    }
    if (rc != SQL_NO_DATA)
        ADD_FAILURE() << query << " SQLFetch: " << outcome(api, rc, SQL_HANDLE_STMT, stmt);
    api.SQLFreeStmt(stmt, SQL_CLOSE);
    return out;
}

void exec(const Api& api, SQLHSTMT stmt, const std::string& statement) {
    SQLRETURN rc = api.SQLExecDirect(stmt, sql(statement), SQL_NTS);
    EXPECT_TRUE(SQL_SUCCEEDED(rc)) << statement << ": " << outcome(api, rc, SQL_HANDLE_STMT, stmt);
    api.SQLFreeStmt(stmt, SQL_CLOSE);
}

long long scalar(const Api& api, SQLHSTMT stmt, const std::string& query) {
    std::vector<std::string> values = column(api, stmt, query);
    if (values.size() != 1) {
        ADD_FAILURE() << query << " returned " << values.size() << " rows";
        return -1;
    }
    return std::stoll(values[0]);
}

}  // namespace odbcretry::driver_tests
