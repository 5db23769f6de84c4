// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the retry integration tests (tests/retry/).
//
// Everything goes through the unixODBC driver manager, as an application would. Each test runs
// in its own process (ctest runs one gtest case per process) and works in a private workspace:
//   - a temporary directory, removed at exit when every test passed (kept, and named, otherwise);
//   - a private odbc.ini: a copy of $ODBCINI with the test's own DSNs appended, ODBCINI pointing
//     at it, so a test can set LogFile, RetryDeadline, CircuitBreaker* without touching others;
//   - a private circuit-breaker state directory (ODBC_RETRY_STATE_DIR), an empty global
//     configuration file (ODBC_RETRY_CONFIG), and no ODBC_RETRY_LOG_* overrides.
// The runtime environment (ODBCSYSINI, ODBCINI, ORT_* from scripts/lib/env.sh) must be there:
// a test fails, never skips, when it is missing.
#pragma once
#include <sql.h>
#include <sqlext.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "../common/odbc_names.h"

namespace ort_retry {

using Clock = std::chrono::steady_clock;
using KeyValues = std::vector<std::pair<std::string, std::string>>;

// ---- environment ---------------------------------------------------------------------------

std::string env_value(const char* name);
// What is missing from the runtime environment (ODBCSYSINI, ODBCINI, ORT_ROOT and `extra`),
// one line per problem; empty when all is there.
std::string environment_problems(std::initializer_list<const char*> extra = {});

// Fails the current test (and returns from it) when the environment is incomplete.
#define ORT_REQUIRE_ENV(...)                                                            \
    do {                                                                                \
        std::string ort_problems_ = ::ort_retry::environment_problems({__VA_ARGS__});   \
        if (!ort_problems_.empty())                                                     \
            FAIL() << "missing runtime environment (source scripts/lib/env.sh and run " \
                      "scripts/servers start, or run scripts/test):\n"                  \
                   << ort_problems_;                                                    \
    } while (0)

std::string password();  // $ORT_DB_PASSWORD

// ---- files and text --------------------------------------------------------------------------

std::string read_file(const std::string& path);  // "" when missing
void write_file(const std::string& path, const std::string& text);
std::vector<std::string> lines_with(const std::string& text, const std::string& needle);
int count_of(const std::string& text, const std::string& needle);
bool contains(const std::string& text, const std::string& needle);

// ---- odbc-retry's log --------------------------------------------------------------------------

// Lines of one retry decision ("connect attempt 1/30 failed: ...; retrying in N ms; ...").
std::vector<std::string> retry_lines(const std::string& log);
// Lines that say a call gave up or was not retried ("connect failed: ...").
std::vector<std::string> give_up_lines(const std::string& log);

// ---- the private workspace ---------------------------------------------------------------------

class Workspace {
  public:
    // The process's workspace, created on first use (also sets the environment variables).
    static Workspace& get();

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& name) const { return dir_ + "/" + name; }
    const std::string& odbc_ini() const { return ini_path_; }
    const std::string& state_dir() const { return state_dir_; }

    // A DSN section of the original odbc.ini ($ODBCINI at start), in file order.
    KeyValues original_section(const std::string& dsn) const;
    // Adds (or replaces) a DSN in the private odbc.ini and rewrites the file.
    void add_dsn(const std::string& name, const KeyValues& keys);
    // A copy of an original DSN with some keys replaced (or added).
    void clone_dsn(const std::string& name, const std::string& from, const KeyValues& overrides);
    // A unique name for this process: prefix + pid + counter.
    std::string unique(const std::string& prefix);

    void keep() { keep_ = true; }
    ~Workspace();

  private:
    Workspace();
    void rewrite();

    std::string dir_, ini_path_, state_dir_, original_ini_text_;
    std::vector<std::pair<std::string, KeyValues>> added_;
    int counter_ = 0;
    bool keep_ = false;
};

// Keys every odbc-retry DSN of the tests gets: logging into `log` at `level`.
KeyValues log_keys(const std::string& log, const std::string& level = "info");

// ---- ODBC ------------------------------------------------------------------------------------

struct Diag {
    std::string state;
    long native = 0;
    std::string message;
    bool operator==(const Diag&) const = default;
};
std::string to_string(const std::vector<Diag>& records);
using ort_test::rc_name;
std::vector<Diag> diag_records(SQLSMALLINT type, SQLHANDLE handle);

SQLHENV odbc_env();  // one ODBC 3 environment for the process

struct ConnectResult {
    SQLRETURN rc = SQL_ERROR;
    std::vector<Diag> diags;
    std::string out;  // the output connection string
    std::chrono::milliseconds elapsed{0};
    bool ok() const { return SQL_SUCCEEDED(rc); }
};

struct ExecResult {
    SQLRETURN rc = SQL_ERROR;
    std::vector<Diag> diags;
    std::chrono::milliseconds elapsed{0};
    bool ok() const {
        return rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO || rc == SQL_NO_DATA;
    }
};

class Connection {
  public:
    Connection();
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Attributes to set before connecting (SQL_ATTR_LOGIN_TIMEOUT, ...).
    void set_attr(SQLINTEGER attribute, SQLULEN value);
    ConnectResult connect(const std::string& connection_string);
    void disconnect();
    bool connected() const { return connected_; }
    SQLHDBC handle() const { return dbc_; }

    ExecResult exec(const std::string& sql, std::optional<SQLULEN> query_timeout = std::nullopt);
    // Executes and fetches every row of every result: the first call that fails ends it.
    ExecResult query(const std::string& sql, std::optional<SQLULEN> query_timeout = std::nullopt);
    // The first column of every row, as text ("NULL" for NULL); fails the test on error.
    std::vector<std::string> column(const std::string& sql);
    std::string scalar(const std::string& sql);
    SQLRETURN set_autocommit(bool on);
    ExecResult end_tran(bool commit);

  private:
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    bool connected_ = false;
};

// ---- processes ---------------------------------------------------------------------------------

struct CommandResult {
    int status = -1;     // exit status, or -1 when it could not run / was killed
    std::string output;  // stdout and stderr
};
// Runs argv (no shell), feeding `input` on stdin, with a time limit.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          std::chrono::seconds limit = std::chrono::seconds(120),
                          const std::vector<std::string>& extra_env = {});
// scripts/NAME ARGS... from $ORT_ROOT.
CommandResult run_script(const std::string& name, const std::vector<std::string>& args,
                         const std::string& input = "");
// SQL as the superuser of the test servers (scripts/pg psql, scripts/mariadb sql); fails the
// test on error and returns the output (unaligned, tuples only).
std::string pg_admin(const std::string& sql);
std::string maria_admin(const std::string& sql);
// SQL quoting of a text literal.
std::string sql_literal(const std::string& text);

// The test binary itself, run with `args` (it is also a helper program: see retry_main.cpp).
CommandResult run_self(const std::vector<std::string>& args,
                       const std::vector<std::string>& extra_env = {},
                       std::chrono::seconds limit = std::chrono::seconds(60));

// Starts the server again (and waits until it accepts connections) when the object goes, also
// when the test failed half-way: a test that stops a server leaves it running.
class ServerRestorer {
  public:
    explicit ServerRestorer(std::string script) : script_(std::move(script)) {}
    ~ServerRestorer();

  private:
    std::string script_;
};

// ---- network ---------------------------------------------------------------------------------

// A loopback port nobody listens on (bound to 0 and closed again).
int free_port();

// Accepts on 127.0.0.1 and never says a word: a server that hangs during the handshake.
class SilentListener {
  public:
    SilentListener();
    ~SilentListener();
    int port() const { return port_; }
    int accepted() const { return accepted_.load(); }

  private:
    int fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::vector<int> clients_;
    std::thread thread_;
};

// Forwards 127.0.0.1:listen_port to 127.0.0.1:target_port, byte for byte.
class TcpProxy {
  public:
    TcpProxy(int listen_port, int target_port);
    ~TcpProxy();
    bool listening() const { return fd_ >= 0; }
    int accepted() const { return accepted_.load(); }

  private:
    void serve(int client);
    int fd_ = -1;
    int target_port_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread thread_;
    std::vector<std::thread> workers_;
};

// ---- time ---------------------------------------------------------------------------------------

inline std::chrono::milliseconds since(Clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
}
// Polls `condition` every 50 ms until it holds or `limit` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds limit);

}  // namespace ort_retry
