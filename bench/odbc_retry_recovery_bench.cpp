// SPDX-License-Identifier: Apache-2.0
// odbc_retry_recovery_bench: how long an application waits after a PostgreSQL restart, through
// odbc-retry (transparent recovery) and through psqlODBC alone (the application reconnects).
//
// What is measured. A real PostgreSQL server (started by scripts/pg, reached through psqlODBC) is
// restarted with `scripts/pg stop`, a pause (--downtime, default 1 s) and `scripts/pg start`.
// A detector thread tries a TCP connect to 127.0.0.1:<port of $ORT_RUN/pg.port> every 1 ms and
// records the first one that is accepted ("accept"; the postmaster may accept a moment before it
// admits sessions: both sides share the detector, so the comparison stays fair). Meanwhile an
// application thread, started right after the stop, calls SELECT 1 (SQLExecDirect, SQLFetch,
// SQLGetData, SQLCloseCursor) until one call succeeds ("success"):
//   retry   its own HDBC/HSTMT, opened before the restart through odbc-retry; no reconnect code:
//           every call goes through odbc-retry, which recovers the lost connection under the
//           handles and replays the read (its backoff decides when it tries again);
//   direct  psqlODBC alone: after the call that meets the lost connection, the application
//           disconnects and runs an ideal hand-written reconnect loop, SQLDriverConnect + SELECT 1
//           every 10 ms (--period; start to start), until it succeeds.
// A failed call on the retry side also waits for the next period before the application calls
// again. Per restart it reports accept -> success (the benchmark's manual time), the restart
// command -> success, the restart command -> accept and the application calls made. At the end a
// table gives the median and the maximum per side and the ratios retry/direct: what odbc-retry's
// backoff costs against the ideal loop. Restarts alternate between the sides (direct first in
// even rounds, retry first in odd ones). Timings are no test: the run fails only on errors (a
// script that fails, no success within --timeout (60 s) of the restart command, a wrong result).
//
// The retry side connects with "DRIVER={<the built libodbcretry.so>};TargetDSN=pg_direct;" plus
// --retry-keys (default "CircuitBreakerShared=no": the breaker stays per process, so the failed
// connects of other programs using the same server during the restart do not open it for us and
// ours do not open it for them); --retry-dsn=NAME connects with "DSN=NAME;" instead. Everything
// else is odbc-retry's defaults (an empty ODBC_RETRY_CONFIG), e.g. RetryBaseDelay=200ms,
// RetryMaxDelay=5s, full jitter. The direct side connects with "DSN=pg_direct".
//
// How to run: bench/run.sh --recovery [--restarts N] [--downtime MS] (builds it in Release in
// build-bench/, starts the test servers when they are not running and leaves them as found).
// By hand, as root (scripts/pg runs PostgreSQL as user postgres), with the servers running
// (scripts/servers start, which also writes $ORT_RUN/odbc.ini):
//   build-bench/bench/odbc_retry_recovery_bench --restarts=3
// The program uses the project's environment (scripts/lib/env.sh): ODBCSYSINI=$ORT_RUN and
// ODBCINI=$ORT_RUN/odbc.ini, where ORT_RUN defaults to $ORT_ROOT/.run and ORT_ROOT to the source
// tree it was built from. PostgreSQL is down during each restart: other programs using it at the
// same time see the outage. The program starts it again when it ends after an error.
//
// Options (besides Google Benchmark's own): --restarts=N (or ORT_BENCH_RESTARTS; per side,
// default 5), --downtime=MS (pause between stop and start, default 1000), --period=MS (default
// 10), --timeout=S (default 60), --retry-keys=KEYS (or ORT_BENCH_RETRY_KEYS; replaces the
// default), --retry-dsn=NAME, --direct-dsn=NAME (default pg_direct). ORT_BENCH_RETRY_DRIVER
// overrides the odbc-retry library.
#include <sql.h>
#include <sqlext.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "odbc_diag.h"

#ifndef ODBC_RETRY_BENCH_DRIVER
#error "ODBC_RETRY_BENCH_DRIVER (path of the built libodbcretry.so) must be defined"
#endif
#ifndef ODBC_RETRY_BENCH_SOURCE_DIR
#error "ODBC_RETRY_BENCH_SOURCE_DIR (the source tree, for scripts/pg) must be defined"
#endif

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;

double ms_between(Clock::time_point from, Clock::time_point to) {
    return Millis(to - from).count();
}

// ---------------------------------------------------------------------------------------------
// Settings

struct Settings {
    int restarts = 5;  // per side
    std::chrono::milliseconds downtime{1000};
    std::chrono::milliseconds period{10};
    std::chrono::seconds timeout{60};
    std::string retry_keys = "CircuitBreakerShared=no";
    std::string retry_dsn;  // empty: DRIVER={library};TargetDSN=<direct_dsn>
    std::string direct_dsn = "pg_direct";
    fs::path root;               // the source tree (scripts/pg)
    fs::path run;                // $ORT_RUN
    fs::path odbc_retry_config;  // the empty configuration file of this run
    int port = 0;                // PostgreSQL's, from $ORT_RUN/pg.port
};

Settings settings;

std::string retry_driver_path() {
    const char* v = std::getenv("ORT_BENCH_RETRY_DRIVER");
    return v && *v ? v : ODBC_RETRY_BENCH_DRIVER;
}

std::string retry_connection_string() {
    std::string cs = settings.retry_dsn.empty()
                         ? "DRIVER={" + retry_driver_path() + "};TargetDSN=" + settings.direct_dsn
                         : "DSN=" + settings.retry_dsn;
    if (!settings.retry_keys.empty()) cs += ";" + settings.retry_keys;
    return cs;
}

std::string direct_connection_string() {
    return "DSN=" + settings.direct_dsn;
}

// A connection string with the values of password keys replaced, for printing.
std::string masked(const std::string& cs) {
    std::string out;
    std::string_view rest = cs;
    while (!rest.empty()) {
        size_t end = rest.find(';');
        std::string_view pair = rest.substr(0, end);
        size_t eq = pair.find('=');
        std::string key(pair.substr(0, eq));
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        out += out.empty() ? "" : ";";
        if (eq != std::string_view::npos && (key == "pwd" || key == "password"))
            out.append(pair.substr(0, eq + 1)).append("***");
        else
            out.append(pair);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    }
    return out;
}

std::string read_trimmed(const fs::path& path) {
    std::ifstream in(path);
    std::string text;
    if (!in || !std::getline(in, text)) throw std::runtime_error("cannot read " + path.string());
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

int read_port() {
    fs::path file = settings.run / "pg.port";
    std::string text = read_trimmed(file);
    int port = std::atoi(text.c_str());
    if (port <= 0 || port > 65535)
        throw std::runtime_error("no valid port in " + file.string() + ": '" + text + "'");
    return port;
}

// ---------------------------------------------------------------------------------------------
// ODBC helpers

using odbc_retry_bench::diagnostics;

SQLCHAR* sqlchar(const std::string& s) {
    return reinterpret_cast<SQLCHAR*>(const_cast<char*>(s.c_str()));
}

class Environment {
  public:
    Environment() {
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_)))
            throw std::runtime_error("SQLAllocHandle(ENV) failed");
        if (!SQL_SUCCEEDED(SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION,
                                         reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0)))
            throw std::runtime_error("SQLSetEnvAttr(ODBC_VERSION): " +
                                     diagnostics(SQL_HANDLE_ENV, env_));
    }
    ~Environment() { SQLFreeHandle(SQL_HANDLE_ENV, env_); }
    Environment(const Environment&) = delete;
    Environment& operator=(const Environment&) = delete;
    SQLHENV get() const { return env_; }

  private:
    SQLHENV env_ = SQL_NULL_HENV;
};

// The application: one HDBC and one HSTMT of its own, and one step, SELECT 1. With `reconnects`
// (the direct side) a failed step drops the connection and the next step connects again; without
// (the retry side) the handles are kept whatever happens, as an application that relies on
// odbc-retry does.
class Application {
  public:
    Application(SQLHENV env, std::string connection_string, bool reconnects)
        : cs_(std::move(connection_string)), reconnects_(reconnects) {
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc_)))
            throw std::runtime_error("SQLAllocHandle(DBC): " + diagnostics(SQL_HANDLE_ENV, env));
    }
    ~Application() {
        drop();
        SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
    }
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    // One application step: connect when not connected, then SELECT 1 and read the 1. False
    // with `error` set when any call failed.
    bool step(std::string& error) {
        if (!connected_ && !connect(error)) return false;
        SQLRETURN rc = SQLExecDirect(stmt_, sqlchar("SELECT 1"), SQL_NTS);
        if (SQL_SUCCEEDED(rc)) rc = SQLFetch(stmt_);
        SQLINTEGER value = 0;
        SQLLEN indicator = 0;
        if (SQL_SUCCEEDED(rc))
            rc = SQLGetData(stmt_, 1, SQL_C_SLONG, &value, sizeof value, &indicator);
        if (!SQL_SUCCEEDED(rc)) {
            error = diagnostics(SQL_HANDLE_STMT, stmt_);
            failed();
            return false;
        }
        rc = SQLCloseCursor(stmt_);
        if (!SQL_SUCCEEDED(rc)) {
            error = "SQLCloseCursor: " + diagnostics(SQL_HANDLE_STMT, stmt_);
            failed();
            return false;
        }
        if (value != 1 || indicator == SQL_NULL_DATA) {
            // A wrong answer is an error of the run, not an outage.
            throw std::runtime_error("SELECT 1 returned " + std::to_string(value));
        }
        return true;
    }

    // From another thread: interrupts odbc-retry's wait between attempts (retry side only; the
    // direct side's calls are short and its loop looks at the abort flag).
    void cancel() {
        if (!reconnects_ && connected_) SQLCancel(stmt_);
    }

  private:
    bool connect(std::string& error) {
        SQLRETURN rc = SQLDriverConnect(dbc_, nullptr, sqlchar(cs_), SQL_NTS, nullptr, 0, nullptr,
                                        SQL_DRIVER_NOPROMPT);
        if (!SQL_SUCCEEDED(rc)) {
            error = "SQLDriverConnect: " + diagnostics(SQL_HANDLE_DBC, dbc_);
            return false;
        }
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &stmt_))) {
            error = "SQLAllocHandle(STMT): " + diagnostics(SQL_HANDLE_DBC, dbc_);
            SQLDisconnect(dbc_);
            return false;
        }
        connected_ = true;
        return true;
    }
    void failed() {
        if (reconnects_)
            drop();
        else
            SQLFreeStmt(stmt_, SQL_CLOSE);
    }
    void drop() {
        if (!connected_) return;
        SQLFreeHandle(SQL_HANDLE_STMT, stmt_);
        stmt_ = SQL_NULL_HSTMT;
        SQLDisconnect(dbc_);
        connected_ = false;
    }

    std::string cs_;
    bool reconnects_;
    SQLHDBC dbc_ = SQL_NULL_HDBC;
    SQLHSTMT stmt_ = SQL_NULL_HSTMT;
    std::atomic<bool> connected_{false};
};

// ---------------------------------------------------------------------------------------------
// The server: scripts/pg, run as a child in its own process group with its output on our
// standard error (standard output is the benchmark's).

pid_t spawn_pg(const char* command) {
    std::string script = (settings.root / "scripts" / "pg").string();
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    char* argv[] = {script.data(), const_cast<char*>(command), nullptr};
    pid_t pid = -1;
    int error = posix_spawn(&pid, script.c_str(), &actions, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("cannot run " + script + ": " + std::strerror(error));
    return pid;
}

// Waits for `pid` until `deadline`; on timeout kills its process group. Throws unless it exited 0.
void wait_pg(pid_t pid, const char* command, Clock::time_point deadline) {
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
            throw std::runtime_error(std::string("scripts/pg ") + command + " failed (status " +
                                     std::to_string(status) + ")");
        }
        if (r < 0 && errno != EINTR)
            throw std::runtime_error(std::string("waitpid(scripts/pg ") + command +
                                     "): " + std::strerror(errno));
        if (Clock::now() > deadline) {
            kill(-pid, SIGTERM);
            waitpid(pid, &status, 0);
            throw std::runtime_error(std::string("scripts/pg ") + command + " did not finish in " +
                                     std::to_string(settings.timeout.count()) + " s");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

class Server {
  public:
    void stop() {
        down_ = true;  // from here on, whatever happens, the end of the run starts it again
        wait_pg(spawn_pg("stop"), "stop", Clock::now() + settings.timeout);
    }
    void start_async() { start_pid_ = spawn_pg("start"); }
    void wait_started(Clock::time_point deadline) {
        pid_t pid = start_pid_;
        start_pid_ = -1;
        wait_pg(pid, "start", deadline);
        down_ = false;
    }
    // After an error: a start still running is waited for; a server left down is started.
    void ensure_running() {
        if (start_pid_ > 0) {
            try {
                wait_started(Clock::now() + settings.timeout);
            } catch (const std::exception& e) {
                std::fprintf(stderr, "odbc_retry_recovery_bench: %s\n", e.what());
            }
        }
        if (down_) {
            start_async();
            wait_started(Clock::now() + settings.timeout);
        }
    }

  private:
    bool down_ = false;
    pid_t start_pid_ = -1;
};

Server server;

// ---------------------------------------------------------------------------------------------
// The accept detector: a TCP connect to 127.0.0.1:port every 1 ms until one is accepted.

bool tcp_accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    return ok;
}

class AcceptDetector {
  public:
    explicit AcceptDetector(int port) : thread_([this, port] { poll(port); }) {}
    ~AcceptDetector() {
        stop_ = true;
        thread_.join();
    }
    AcceptDetector(const AcceptDetector&) = delete;
    AcceptDetector& operator=(const AcceptDetector&) = delete;

    std::optional<Clock::time_point> accepted() const {
        if (!done_.load(std::memory_order_acquire)) return std::nullopt;
        return accepted_;
    }

  private:
    void poll(int port) {
        auto next = Clock::now();
        while (!stop_.load(std::memory_order_relaxed)) {
            if (tcp_accepts(port)) {
                accepted_ = Clock::now();
                done_.store(true, std::memory_order_release);
                return;
            }
            next += std::chrono::milliseconds(1);
            auto now = Clock::now();
            if (next < now) next = now + std::chrono::milliseconds(1);
            std::this_thread::sleep_until(next);
        }
    }

    std::atomic<bool> stop_{false};
    std::atomic<bool> done_{false};
    Clock::time_point accepted_;
    std::thread thread_;  // last: starts once the rest is constructed
};

// ---------------------------------------------------------------------------------------------
// One restart

enum class Side { Direct, Retry };
const char* side_name(Side side) {
    return side == Side::Direct ? "direct" : "retry";
}

struct Measurement {
    double accept_to_success_ms = 0;
    double cmd_to_success_ms = 0;
    double cmd_to_accept_ms = 0;
    double stop_ms = 0;
    long calls = 0;
    long failed_calls = 0;
};

// The application thread: steps until one succeeds or `abort`; a failed step waits for the next
// period (start to start).
struct Loop {
    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    bool succeeded = false;
    Clock::time_point success;
    long calls = 0;
    long failed_calls = 0;
    std::string last_error;
    std::string exception;
    std::atomic<bool> abort{false};

    void run(Application& app) {
        bool ok = false;
        std::string error, thrown;
        long n = 0, failed = 0;
        Clock::time_point at;
        try {
            while (!abort.load(std::memory_order_relaxed)) {
                auto start = Clock::now();
                ++n;
                if (app.step(error)) {
                    at = Clock::now();
                    ok = true;
                    break;
                }
                ++failed;
                std::this_thread::sleep_until(start + settings.period);
            }
        } catch (const std::exception& e) {
            thrown = e.what();
        }
        std::lock_guard lock(mutex);
        finished = true;
        succeeded = ok;
        success = at;
        calls = n;
        failed_calls = failed;
        last_error = error;
        exception = thrown;
        cv.notify_all();
    }
};

// Runs the application's loop on its own thread; stopping it (abort, cancel, join) is done here
// too, so that no way out of restart_once leaves the thread running.
class Worker {
  public:
    explicit Worker(Application& app) : app_(app), thread_([this] { loop_.run(app_); }) {}
    ~Worker() { stop(); }
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Waits until the loop ends or `deadline`; then stops it. The loop's results are in loop().
    void finish(Clock::time_point deadline) {
        {
            std::unique_lock lock(loop_.mutex);
            loop_.cv.wait_until(lock, deadline, [&] { return loop_.finished; });
        }
        stop();
    }
    const Loop& loop() const { return loop_; }

  private:
    void stop() {
        if (!thread_.joinable()) return;
        loop_.abort = true;
        app_.cancel();
        thread_.join();
    }

    Application& app_;
    Loop loop_;
    std::thread thread_;  // last: starts once the rest is constructed
};

Measurement restart_once(Application& app) {
    Measurement m;
    auto t_stop = Clock::now();
    server.stop();
    m.stop_ms = ms_between(t_stop, Clock::now());

    AcceptDetector detector(settings.port);
    Worker worker(app);
    std::this_thread::sleep_for(settings.downtime);
    if (detector.accepted())
        throw std::runtime_error("127.0.0.1:" + std::to_string(settings.port) +
                                 " accepts connections while PostgreSQL is stopped");
    auto t_cmd = Clock::now();
    server.start_async();
    auto deadline = t_cmd + settings.timeout;
    worker.finish(deadline);
    const Loop& loop = worker.loop();
    std::string error;
    if (!loop.exception.empty())
        error = loop.exception;
    else if (!loop.succeeded)
        error = "no successful call within " + std::to_string(settings.timeout.count()) +
                " s of the restart command (" + std::to_string(loop.calls) +
                " calls; last error: " + loop.last_error + ")";
    try {
        server.wait_started(deadline);
    } catch (const std::exception& e) {
        error += (error.empty() ? "" : "; ") + std::string(e.what());
    }
    if (!error.empty()) throw std::runtime_error(error);
    auto accepted = detector.accepted();
    if (!accepted)
        throw std::runtime_error("a call succeeded but no TCP connect was accepted on port " +
                                 std::to_string(settings.port));
    if (int port = read_port(); port != settings.port)
        throw std::runtime_error("PostgreSQL moved from port " + std::to_string(settings.port) +
                                 " to " + std::to_string(port) + " (run scripts/odbc-ini)");
    m.accept_to_success_ms = ms_between(*accepted, loop.success);
    m.cmd_to_success_ms = ms_between(t_cmd, loop.success);
    m.cmd_to_accept_ms = ms_between(t_cmd, *accepted);
    m.calls = loop.calls;
    m.failed_calls = loop.failed_calls;
    return m;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks and the summary

struct Result {
    Side side;
    Measurement m;
};

std::vector<Result> results;
bool any_error = false;
std::unique_ptr<Environment> environment;
std::unique_ptr<Application> apps[2];  // [Side::Direct], [Side::Retry]; opened before any restart

void run_restart(benchmark::State& state, Side side) {
    try {
        server.ensure_running();  // after an earlier restart that failed
        Application& app = *apps[static_cast<int>(side)];
        std::string error;
        // Untimed: the connection works before the restart. Both sides' connections were lost in
        // the other side's restarts too: here the direct side's first step fails and its second
        // connects again, while the retry side's one step is recovered by odbc-retry (its
        // connection was opened once, at the start, and is kept).
        bool ready = app.step(error);
        if (!ready && side == Side::Direct) ready = app.step(error);
        if (!ready)
            throw std::runtime_error(std::string("SELECT 1 before the restart failed: ") + error);
        for (auto _ : state) {
            Measurement m = restart_once(app);
            state.SetIterationTime(std::max(m.accept_to_success_ms, 0.0) / 1e3);
            state.counters["cmd_to_accept_ms"] = m.cmd_to_accept_ms;
            state.counters["cmd_to_success_ms"] = m.cmd_to_success_ms;
            state.counters["stop_ms"] = m.stop_ms;
            state.counters["calls"] = static_cast<double>(m.calls);
            state.counters["failed_calls"] = static_cast<double>(m.failed_calls);
            results.push_back({side, m});
        }
    } catch (const std::exception& e) {
        any_error = true;
        state.SkipWithError(e.what());
    }
}

void register_benchmarks() {
    for (int k = 0; k < settings.restarts; ++k) {
        Side order[2] = {Side::Direct, Side::Retry};
        if (k % 2 != 0) std::swap(order[0], order[1]);
        for (Side side : order) {
            std::string name =
                std::string("recovery/") + side_name(side) + "/restart:" + std::to_string(k);
            benchmark::RegisterBenchmark(name.c_str(), run_restart, side)
                ->Iterations(1)
                ->UseManualTime()
                ->Unit(benchmark::kMillisecond);
        }
    }
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

void print_summary() {
    struct Stats {
        size_t n = 0;
        double accept_median = 0, accept_max = 0, cmd_median = 0, cmd_max = 0,
               cmd_accept_median = 0, calls_median = 0;
    };
    auto stats = [](Side side) {
        std::vector<double> accept, cmd, cmd_accept, calls;
        for (const Result& r : results) {
            if (r.side != side) continue;
            accept.push_back(r.m.accept_to_success_ms);
            cmd.push_back(r.m.cmd_to_success_ms);
            cmd_accept.push_back(r.m.cmd_to_accept_ms);
            calls.push_back(static_cast<double>(r.m.calls));
        }
        Stats s;
        s.n = accept.size();
        if (s.n == 0) return s;
        s.accept_median = median(accept);
        s.accept_max = *std::max_element(accept.begin(), accept.end());
        s.cmd_median = median(cmd);
        s.cmd_max = *std::max_element(cmd.begin(), cmd.end());
        s.cmd_accept_median = median(cmd_accept);
        s.calls_median = median(calls);
        return s;
    };
    Stats direct = stats(Side::Direct), retry = stats(Side::Retry);
    std::FILE* out = stdout;
    std::fprintf(out,
                 "\nRecovery after a PostgreSQL restart (scripts/pg stop, %lld ms down, "
                 "scripts/pg start); times in ms\n",
                 static_cast<long long>(settings.downtime.count()));
    std::fprintf(out, "%-18s %8s %23s %23s %14s %8s\n", "", "restarts", "accept->success",
                 "restart cmd->success", "cmd->accept", "calls");
    std::fprintf(out, "%-18s %8s %11s %11s %11s %11s %14s %8s\n", "", "", "median", "max", "median",
                 "max", "median", "median");
    for (auto [name, s] : {std::pair{"direct", direct}, std::pair{"retry", retry}}) {
        if (s.n == 0) {
            std::fprintf(out, "%-18s %8s  no successful restart (filtered out or failed)\n", name,
                         "0");
            continue;
        }
        std::fprintf(out, "%-18s %8zu %11.1f %11.1f %11.1f %11.1f %14.1f %8.0f\n", name, s.n,
                     s.accept_median, s.accept_max, s.cmd_median, s.cmd_max, s.cmd_accept_median,
                     s.calls_median);
    }
    if (direct.n > 0 && retry.n > 0) {
        auto ratio = [](double r, double d) { return d > 0 ? r / d : 0.0; };
        std::fprintf(out, "%-18s %8s %11.2f %11.2f %11.2f %11.2f\n", "ratio retry/direct", "",
                     ratio(retry.accept_median, direct.accept_median),
                     ratio(retry.accept_max, direct.accept_max),
                     ratio(retry.cmd_median, direct.cmd_median),
                     ratio(retry.cmd_max, direct.cmd_max));
    }
    std::fprintf(out,
                 "accept: first TCP connect to 127.0.0.1:%d accepted (polled every 1 ms); "
                 "success: end of the first SELECT 1 that succeeded\n"
                 "direct: %s, reconnect + SELECT 1 every %lld ms; retry: %s, same handles, "
                 "no reconnect code\n"
                 "(timings are no test: a high ratio never fails the run)\n",
                 settings.port, masked(direct_connection_string()).c_str(),
                 static_cast<long long>(settings.period.count()),
                 masked(retry_connection_string()).c_str());
}

// ---------------------------------------------------------------------------------------------
// Set-up

[[noreturn]] void usage_error(const std::string& message) {
    std::fprintf(stderr, "odbc_retry_recovery_bench: %s\n", message.c_str());
    std::exit(2);
}

long positive(const char* value, const char* option) {
    char* end = nullptr;
    long n = std::strtol(value, &end, 10);
    if (end == value || *end || n <= 0)
        usage_error(std::string(option) + " needs a positive number, not '" + value + "'");
    return n;
}

// Takes our own options out of argv, leaving the rest to Google Benchmark.
void parse_options(int& argc, char** argv) {
    if (const char* v = std::getenv("ORT_BENCH_RESTARTS"); v && *v)
        settings.restarts = static_cast<int>(positive(v, "ORT_BENCH_RESTARTS"));
    if (const char* v = std::getenv("ORT_BENCH_RETRY_KEYS"); v && *v) settings.retry_keys = v;
    int kept = 1;
    for (int k = 1; k < argc; ++k) {
        std::string_view arg = argv[k];
        auto value = [&](std::string_view option) -> const char* {
            if (arg.size() > option.size() && arg.substr(0, option.size()) == option &&
                arg[option.size()] == '=')
                return argv[k] + option.size() + 1;
            return nullptr;
        };
        if (const char* v = value("--restarts")) {
            settings.restarts = static_cast<int>(positive(v, "--restarts"));
        } else if (const char* v = value("--downtime")) {
            char* end = nullptr;
            long n = std::strtol(v, &end, 10);
            if (end == v || *end || n < 0) usage_error("--downtime needs milliseconds (0 or more)");
            settings.downtime = std::chrono::milliseconds(n);
        } else if (const char* v = value("--period")) {
            settings.period = std::chrono::milliseconds(positive(v, "--period"));
        } else if (const char* v = value("--timeout")) {
            settings.timeout = std::chrono::seconds(positive(v, "--timeout"));
        } else if (const char* v = value("--retry-keys")) {
            settings.retry_keys = v;
        } else if (const char* v = value("--retry-dsn")) {
            settings.retry_dsn = v;
        } else if (const char* v = value("--direct-dsn")) {
            settings.direct_dsn = v;
        } else {
            argv[kept++] = argv[k];
        }
    }
    argc = kept;
    while (!settings.retry_keys.empty() && settings.retry_keys.back() == ';')
        settings.retry_keys.pop_back();
}

// scripts/lib/env.sh's environment: ORT_RUN, ODBCSYSINI, ODBCINI; plus an empty odbc-retry
// configuration, so that a system-wide /etc/odbc-retry.ini does not change the run.
void set_up_environment() {
    const char* root = std::getenv("ORT_ROOT");
    settings.root = fs::absolute(root && *root ? root : ODBC_RETRY_BENCH_SOURCE_DIR);
    const char* run = std::getenv("ORT_RUN");
    settings.run = fs::absolute(run && *run ? fs::path(run) : settings.root / ".run");
    if (!fs::exists(settings.root / "scripts" / "pg"))
        throw std::runtime_error("no scripts/pg under " + settings.root.string() +
                                 " (set ORT_ROOT)");
    setenv("ORT_RUN", settings.run.c_str(), 1);
    setenv("ODBCSYSINI", settings.run.c_str(), 1);
    setenv("ODBCINI", (settings.run / "odbc.ini").c_str(), 1);
    if (!fs::exists(settings.run / "odbc.ini"))
        throw std::runtime_error("no " + (settings.run / "odbc.ini").string() +
                                 " (scripts/servers start writes it)");
    settings.port = read_port();
    if (!tcp_accepts(settings.port))
        throw std::runtime_error(
            "PostgreSQL does not accept connections on 127.0.0.1:" + std::to_string(settings.port) +
            " (scripts/pg start, or bench/run.sh --recovery)");
    std::string templ = (settings.run / "odbc-retry-recovery-bench.XXXXXX").string();
    int fd = mkstemp(templ.data());
    if (fd < 0) throw std::runtime_error("cannot create a file in " + settings.run.string());
    close(fd);
    settings.odbc_retry_config = templ;
    setenv("ODBC_RETRY_CONFIG", templ.c_str(), 1);
}

}  // namespace

int main(int argc, char** argv) {
    parse_options(argc, argv);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

    int status = 0;
    try {
        set_up_environment();  // before the first ODBC call
        std::fprintf(
            stderr,
            "odbc_retry_recovery_bench: %d restarts per side of PostgreSQL on "
            "127.0.0.1:%d, %lld ms down\n  direct: %s\n  retry:  %s\n",
            settings.restarts, settings.port, static_cast<long long>(settings.downtime.count()),
            masked(direct_connection_string()).c_str(), masked(retry_connection_string()).c_str());
        environment = std::make_unique<Environment>();
        apps[static_cast<int>(Side::Direct)] =
            std::make_unique<Application>(environment->get(), direct_connection_string(), true);
        apps[static_cast<int>(Side::Retry)] =
            std::make_unique<Application>(environment->get(), retry_connection_string(), false);
        // The retry side's connection is opened once, here, and kept across every restart.
        for (Side side : {Side::Direct, Side::Retry}) {
            std::string error;
            if (!apps[static_cast<int>(side)]->step(error))
                throw std::runtime_error(std::string("first connection (") + side_name(side) +
                                         "): " + error);
        }
        register_benchmarks();
        benchmark::RunSpecifiedBenchmarks();
        print_summary();
        if (any_error) status = 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "odbc_retry_recovery_bench: %s\n", e.what());
        status = 1;
    }
    try {
        server.ensure_running();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "odbc_retry_recovery_bench: PostgreSQL is not running again: %s\n",
                     e.what());
        status = 1;
    }
    apps[0].reset();
    apps[1].reset();
    environment.reset();
    benchmark::Shutdown();
    if (!settings.odbc_retry_config.empty()) {
        std::error_code ignored;
        fs::remove(settings.odbc_retry_config, ignored);
    }
    return status;
}
