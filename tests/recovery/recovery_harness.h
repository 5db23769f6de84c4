// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the recovery tests (tests/recovery/): lost connections, recovery under the
// application's handles, replay decisions and pool discard, seen through the unixODBC driver
// manager as an application sees them.
//
// Each test case runs in its own process (ctest runs one gtest case per process) and works in a
// private workspace, set up before the first ODBC call:
//   - a temporary directory, removed at exit when every test passed (kept, and named, otherwise);
//   - a private odbcinst.ini (ODBCSYSINI): the real drivers' sections copied from $ODBCSYSINI, with
//     "ODBC Retry" and "ODBC Fake" pointing at the libraries of the build this test was compiled
//     in (ORT_RETRY_LIBRARY, ORT_FAKE_LIBRARY), so a test never runs another build's driver;
//   - a private odbc.ini (ODBCINI): a copy of $ODBCINI (pg_retry, maria_retry, ... and their
//     targets);
//   - a private circuit-breaker state directory, an empty global configuration file and no
//     ODBC_RETRY_LOG_* overrides.
// The runtime environment (ODBCSYSINI, ODBCINI, ORT_ROOT, and the server ports for the server
// tests) must be there: a test fails, never skips, when it is missing.
//
// ORT_RECOVERY_EXTRA_KEYS (optional) is appended to every odbc-retry connection string, e.g.
// "Recovery=no;" to check that the tests fail without what they test.
#pragma once
#include <sql.h>
#include <sqlext.h>

#include <chrono>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "../common/odbc_names.h"

namespace ort_recovery {

using Clock = std::chrono::steady_clock;

// ---- environment ------------------------------------------------------------------------------

std::string env_value(const char* name);
// What is missing (ODBCSYSINI, ODBCINI, ORT_ROOT and `extra`), one line per problem.
std::string environment_problems(std::initializer_list<const char*> extra = {});

#define ORT_REQUIRE_ENV(...)                                                             \
    do {                                                                                 \
        std::string ort_problems_ = ::ort_recovery::environment_problems({__VA_ARGS__}); \
        if (!ort_problems_.empty())                                                      \
            FAIL() << "missing runtime environment (source scripts/lib/env.sh and run "  \
                      "scripts/servers start, or run scripts/test):\n"                   \
                   << ort_problems_;                                                     \
    } while (0)

// ---- files and text ---------------------------------------------------------------------------

std::string read_file(const std::string& path);  // "" when missing
void write_file(const std::string& path, const std::string& text);
// Replaces a file atomically (a temporary file renamed over it), as the fake's control file wants.
void replace_file(const std::string& path, const std::string& text);
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);
std::vector<std::string> lines_with_all(const std::string& text,
                                        std::initializer_list<std::string> needles);
int count_of(const std::string& text, const std::string& needle);
bool contains(const std::string& text, const std::string& needle);
std::string join(const std::vector<std::string>& lines);

// ---- the private workspace --------------------------------------------------------------------

class Workspace {
  public:
    // The process's workspace, created on first use (sets the environment variables).
    // `pooling`: the private odbcinst.ini turns unixODBC's pooling on ([ODBC] Pooling=Yes,
    // CPTimeout on "ODBC Retry"). Only the first call decides.
    static Workspace& get(bool pooling = false);

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    // A unique name for this process: prefix + pid + counter.
    std::string unique(const std::string& prefix);
    void keep() { keep_ = true; }
    ~Workspace();

  private:
    explicit Workspace(bool pooling);
    std::string dir_;
    int counter_ = 0;
    bool keep_ = false;
};

// ---- ODBC ---------------------------------------------------------------------------------------

struct Diag {
    std::string state;
    long native = 0;
    std::string message;
};
std::string to_string(const std::vector<Diag>& records);
using ort_test::rc_name;
std::vector<Diag> diag_records(SQLSMALLINT type, SQLHANDLE handle);

SQLHENV odbc_env();  // one ODBC 3 environment for the process

// What a call returned and the records it left.
struct Outcome {
    SQLRETURN rc = SQL_ERROR;
    std::vector<Diag> diags;
    std::chrono::milliseconds elapsed{0};
    bool ok() const {
        return rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO || rc == SQL_NO_DATA;
    }
    // The first record, or an empty one.
    Diag first() const { return diags.empty() ? Diag{} : diags.front(); }
    std::string describe() const;  // "SQL_ERROR: [08S01/0] ..." for failure messages
};

class Statement;

class Connection {
  public:
    Connection();
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    Outcome connect(const std::string& connection_string);
    Outcome disconnect();
    SQLHDBC handle() const { return dbc_; }

    Outcome set_autocommit(bool on);
    Outcome set_attr(SQLINTEGER attribute, SQLULEN value);
    // An integer connection attribute, or nullopt (the test fails) on error.
    std::optional<SQLULEN> get_attr(SQLINTEGER attribute);
    // SQL_ATTR_CONNECTION_DEAD: true, false, or nullopt when the call failed.
    std::optional<bool> dead();
    Outcome commit();
    Outcome rollback();

    // Convenience: one statement on a fresh handle.
    Outcome exec(const std::string& sql);
    // The first column of every row as text ("NULL" for NULL); records a test failure on error.
    std::vector<std::string> column(const std::string& sql);
    std::string scalar(const std::string& sql);

  private:
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
};

class Statement {
  public:
    explicit Statement(Connection& c);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    SQLHSTMT handle() const { return stmt_; }

    Outcome exec(const std::string& sql);
    Outcome prepare(const std::string& sql);
    Outcome execute();
    Outcome fetch();
    Outcome close();  // SQLFreeStmt(SQL_CLOSE)
    Outcome set_attr(SQLINTEGER attribute, SQLULEN value);
    std::optional<SQLULEN> get_attr(SQLINTEGER attribute);
    // SQLGetData of one column as text; nullopt for NULL.
    Outcome get_text(SQLUSMALLINT column, std::optional<std::string>& value);
    // Fetches every remaining row (first column, SQLGetData as text). Stops at the first error
    // and returns it (rows fetched so far stay in `rows`).
    Outcome fetch_all(std::vector<std::string>& rows);
    // Executes and fetches every row of the first column.
    Outcome query(const std::string& sql, std::vector<std::string>& rows);

  private:
    SQLHSTMT stmt_ = SQL_NULL_HSTMT;
};

// Asserts that an Outcome succeeded, printing its records otherwise.
#define EXPECT_OK(outcome)                                                   \
    do {                                                                     \
        auto ort_o_ = (outcome);                                             \
        EXPECT_TRUE(ort_o_.ok()) << #outcome << " -> " << ort_o_.describe(); \
    } while (0)
#define ASSERT_OK(outcome)                                                   \
    do {                                                                     \
        auto ort_o_ = (outcome);                                             \
        ASSERT_TRUE(ort_o_.ok()) << #outcome << " -> " << ort_o_.describe(); \
    } while (0)

// ---- processes ----------------------------------------------------------------------------------

struct CommandResult {
    int status = -1;     // exit status, or -1 when it could not run / was killed
    std::string output;  // stdout and stderr
};
// Runs argv (no shell), feeding `input` on stdin, with a time limit.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::seconds limit = std::chrono::seconds(120));
// scripts/NAME ARGS... from $ORT_ROOT.
CommandResult run_script(const std::string& name, const std::vector<std::string>& args,
                         const std::string& input = "",
                         std::chrono::seconds limit = std::chrono::seconds(120));

// Starts the server again (scripts/NAME start) when the object goes, also when the test failed
// half-way: a test that restarts a server leaves it running.
class ServerRestorer {
  public:
    explicit ServerRestorer(std::string script) : script_(std::move(script)) {}
    ~ServerRestorer();

  private:
    std::string script_;
};

}  // namespace ort_recovery
