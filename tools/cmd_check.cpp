// SPDX-License-Identifier: Apache-2.0
// odbc-retry check: is a data source healthy? For health checks, init containers, deploy
// scripts: connect, run a probe query, report, exit 0 or 1; with --wait, until healthy or the
// timeout.
#include <dlfcn.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "shim/config/connstr.h"
#include "shim/config/retry_settings.h"
#include "shim/shared/breaker_store.h"
#include "shim/shared/stats_file.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/dsn_view.h"
#include "tools/odbc_util.h"

namespace odbcretry::tool {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct Probe {
    bool reachable = false;
    bool healthy = false;
    double connect_ms = 0;
    double query_ms = 0;
    std::string failed_step;  // "connect", "query"
    std::vector<DiagRecord> diags;
    std::string dbms_name, dbms_version, driver_name, driver_version, driver_odbc_version;
    std::optional<std::string> result;  // first column of the first row
    // Through odbc-retry: the target this process's driver used, and its breaker.
    std::optional<std::string> retry_target;
    std::optional<BreakerView> breaker;
};

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string one_line(std::string text) {
    for (auto& c : text)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    while (!text.empty() && text.back() == ' ') text.pop_back();
    return text;
}

std::string info_text(SQLHDBC dbc, SQLUSMALLINT what) {
    char buffer[512] = {};
    SQLSMALLINT length = 0;
    if (!SQL_SUCCEEDED(SQLGetInfo(dbc, what, buffer, sizeof buffer, &length))) return "";
    return std::string(buffer, strnlen(buffer, sizeof buffer));
}

// The breaker of the target that odbc-retry, loaded into this very process by the driver
// manager, used for this connect: read from this process's own stats file.
// check connects with CircuitBreakerThreshold=0 (it never changes the shared breaker), so its
// slot publishes no breaker: the state is read, read-only, from the shared table with the
// target's key hash and the data source's own threshold and cooldown.
void read_own_stats(Probe& p, const Settings& settings) {
    StatsScan scan = scan_stats(default_state_directory(),
                                ScanOptions{false, static_cast<std::int64_t>(::getpid())});
    const TargetStats* latest = nullptr;
    for (const auto& t : scan.targets)
        if (!latest || t.created_unix_ms >= latest->created_unix_ms) latest = &t;
    if (!latest) return;
    p.retry_target = latest->key;
    TargetStats shared = *latest;
    if (settings.circuit_breaker_shared && settings.circuit_breaker_threshold > 0) {
        shared.breaker_mode = BreakerMode::Shared;
        shared.breaker_threshold = settings.circuit_breaker_threshold;
        shared.breaker_cooldown = settings.circuit_breaker_cooldown;
    }
    BreakerView view = read_breaker(shared, scan.directory, Clock::now());
    if (view.known) p.breaker = view;
}

class Checker {
  public:
    Checker(std::string connection_string, std::string query, bool via_retry, Settings settings)
        : cs_(std::move(connection_string)),
          query_(std::move(query)),
          via_retry_(via_retry),
          settings_(std::move(settings)) {
        SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env_);
        if (env_)
            SQLSetEnvAttr(env_, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3),
                          0);
    }
    ~Checker() {
        if (env_) SQLFreeHandle(SQL_HANDLE_ENV, env_);
    }

    Probe run(milliseconds budget) {
        Probe p;
        if (!env_) {
            p.failed_step = "connect";
            p.diags.push_back({"HY001", 0, "cannot allocate an ODBC environment handle"});
            return p;
        }
        const long seconds = std::max<long>(1, static_cast<long>((budget.count() + 999) / 1000));
        SQLHDBC dbc = SQL_NULL_HDBC;
        SQLAllocHandle(SQL_HANDLE_DBC, env_, &dbc);
        SQLSetConnectAttr(dbc, SQL_ATTR_LOGIN_TIMEOUT, reinterpret_cast<SQLPOINTER>(seconds), 0);
        auto t0 = Clock::now();
        SQLCHAR out[4096];
        SQLSMALLINT out_length = 0;
        SQLRETURN rc = SQLDriverConnect(dbc, nullptr,
                                        reinterpret_cast<SQLCHAR*>(const_cast<char*>(cs_.c_str())),
                                        SQL_NTS, out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
        p.connect_ms = ms_since(t0);
        if (!SQL_SUCCEEDED(rc)) {
            p.failed_step = "connect";
            p.diags = diag_records(SQL_HANDLE_DBC, dbc);
            if (via_retry_) read_own_stats(p, settings_);
            SQLFreeHandle(SQL_HANDLE_DBC, dbc);
            return p;
        }
        p.reachable = true;
        p.dbms_name = info_text(dbc, SQL_DBMS_NAME);
        p.dbms_version = info_text(dbc, SQL_DBMS_VER);
        p.driver_name = info_text(dbc, SQL_DRIVER_NAME);
        p.driver_version = info_text(dbc, SQL_DRIVER_VER);
        p.driver_odbc_version = info_text(dbc, SQL_DRIVER_ODBC_VER);
        p.healthy = query_.empty() || run_query(dbc, p, budget);
        if (via_retry_) read_own_stats(p, settings_);
        SQLDisconnect(dbc);
        SQLFreeHandle(SQL_HANDLE_DBC, dbc);
        return p;
    }

  private:
    bool run_query(SQLHDBC dbc, Probe& p, milliseconds budget) {
        SQLHSTMT stmt = SQL_NULL_HSTMT;
        if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt))) {
            p.failed_step = "query";
            p.diags = diag_records(SQL_HANDLE_DBC, dbc);
            return false;
        }
        const long seconds = std::max<long>(1, static_cast<long>((budget.count() + 999) / 1000));
        SQLSetStmtAttr(stmt, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(seconds), 0);
        auto t0 = Clock::now();
        SQLRETURN rc = SQLExecDirect(
            stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(query_.c_str())), SQL_NTS);
        bool ok = SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA;
        if (ok) {
            SQLSMALLINT columns = 0;
            SQLNumResultCols(stmt, &columns);
            if (columns > 0) {
                rc = SQLFetch(stmt);
                if (SQL_SUCCEEDED(rc)) {
                    char value[256] = {};
                    SQLLEN indicator = 0;
                    SQLRETURN g = SQLGetData(stmt, 1, SQL_C_CHAR, value, sizeof value, &indicator);
                    if (SQL_SUCCEEDED(g))
                        p.result = indicator == SQL_NULL_DATA ? "NULL" : std::string(value);
                } else if (rc != SQL_NO_DATA) {
                    ok = false;
                }
            }
        }
        p.query_ms = ms_since(t0);
        if (!ok) {
            p.failed_step = "query";
            p.diags = diag_records(SQL_HANDLE_STMT, stmt);
        }
        SQLFreeHandle(SQL_HANDLE_STMT, stmt);
        return ok;
    }

    std::string cs_;
    std::string query_;
    bool via_retry_;
    Settings settings_;
    SQLHENV env_ = SQL_NULL_HENV;
};

// Ends the process when an attempt hangs past the timeout (a driver that ignores its login
// timeout must not hold up an init container forever).
class Watchdog {
  public:
    Watchdog(Clock::time_point deadline, std::string message, bool json)
        : thread_([this, deadline, message = std::move(message), json] {
              std::unique_lock lock(mutex_);
              if (cv_.wait_until(lock, deadline, [this] { return done_; })) return;
              if (json)
                  std::printf(
                      "{\n  \"healthy\": false,\n  \"reachable\": false,\n  \"error\": "
                      "{\"sqlstate\": "
                      "\"HYT00\", \"native\": 0, \"message\": \"%s\"}\n}\n",
                      json_escape(message).c_str());
              std::fprintf(stderr, "odbc-retry check: %s\n", message.c_str());
              std::fflush(nullptr);
              ::_exit(kExitFailed);
          }) {}
    ~Watchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }

  private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

Json breaker_json(const BreakerView& b) {
    Json j = Json::object();
    j["state"] = std::string(to_string(b.state));
    j["seconds_in_state"] =
        b.in_state ? Json(static_cast<double>(b.in_state->count()) / 1000.0) : Json();
    j["consecutive_failures"] = b.consecutive_failures;
    j["retry_in_ms"] = static_cast<long long>(b.retry_in.count());
    return j;
}

std::string breaker_text(const BreakerView& b) {
    std::string s(to_string(b.state));
    if (b.in_state)
        s += " for " + format_seconds(static_cast<double>(b.in_state->count()) / 1000.0);
    if (b.state != BreakerState::Closed && b.retry_in.count() > 0)
        s += " (next attempt in " + format_ms(static_cast<double>(b.retry_in.count())) + ")";
    if (b.consecutive_failures > 0)
        s += ", " + std::to_string(b.consecutive_failures) + " consecutive failures";
    return s;
}

}  // namespace

int run_check(const std::vector<std::string>& words) {
    Args args(words, {{"--wait"}, {"--timeout", true}, {"--query", true}, {"--json"}, {"--quiet"}});
    if (args.help()) {
        std::cout << command_help("check");
        return kExitOk;
    }
    args.expect_positional(1, 1, "DSN or connection string");
    const std::string target = args.positional()[0];
    if (trim(target).empty()) throw UsageError("empty DSN");
    const double timeout_s = args.number("--timeout", 0.001).value_or(60.0);
    const std::string query = args.value("--query").value_or("SELECT 1");
    const bool wait = args.has("--wait");
    const bool json = args.has("--json");
    const bool quiet = args.has("--quiet");
    // --quiet: odbc-retry's own log lines (loaded into this process) only for errors, unless
    // the caller asked for a level.
    if (quiet) ::setenv("ODBC_RETRY_LOG_LEVEL", "error", 0);

    // A DSN, or a connection string (anything with '=').
    const bool is_connection_string = target.find('=') != std::string::npos;
    std::string cs, shown = target, driver;
    if (is_connection_string) {
        std::string error;
        auto pairs = parse_connection_string(target, error);
        if (!pairs) throw UsageError("bad connection string: " + error);
        cs = target;
        shown = mask_secrets(target);
        if (const KeyValue* d = find_key(*pairs, "DRIVER"))
            driver = d->value;
        else if (const KeyValue* n = find_key(*pairs, "DSN")) {
            if (auto section = read_dsn_any(n->value))
                if (const KeyValue* dd = find_key(*section, "Driver")) driver = dd->value;
        }
    } else {
        cs = format_connection_string({{"DSN", target}});
        if (auto section = read_dsn_any(target))
            if (const KeyValue* d = find_key(*section, "Driver")) driver = d->value;
    }
    const bool via_retry = !driver.empty() && is_odbc_retry_driver(driver);
    // The data source as a connect sees it: the target's family (to classify a failure) and,
    // behind odbc-retry, its settings (user rules, breaker threshold and cooldown).
    DriverFamily family = DriverFamily::Generic;
    Settings settings;
    std::vector<Rule> user_rules;
    {
        std::string ignored;
        if (auto view = view_dsn(target, ignored)) {
            family = view->family;
            if (view->via_retry && !view->error) {
                settings = view->config.settings;
                user_rules = make_user_rules(settings);
            }
        }
    }
    const Classifier classifier(family, user_rules);
    if (via_retry) {
        // One bounded attempt that leaves the shared breaker alone: a probe must neither take
        // the full retry policy's time nor open (or close) the circuit of every application on
        // the host. With --wait, this command's own loop is the retry. Keys given last win.
        if (!cs.empty() && cs.back() != ';') cs += ';';
        cs += "RetryMaxAttempts=1;CircuitBreakerThreshold=0;";
    }
    if (via_retry) {
        // Keep odbc-retry loaded after a failed connect (the driver manager may unload it), so
        // that its stats file, and with it the breaker's state, can still be read.
        std::string lib = driver_library(driver);
        if (!lib.empty()) ::dlopen(lib.c_str(), RTLD_NOW | RTLD_LOCAL);
    }

    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(timeout_s));
    Watchdog watchdog(deadline + std::chrono::seconds(5),
                      shown + ": no answer within the timeout (" + format_number(timeout_s) + " s)",
                      json);
    Checker checker(cs, query, via_retry, settings);

    Probe p;
    Classifier::Verdict verdict;
    bool auth_failed = false;
    int attempts = 0;
    milliseconds delay(500);
    for (;;) {
        ++attempts;
        auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        // With --wait, each attempt gets a share of the time so that progress is reported.
        milliseconds budget = wait ? std::min(left, milliseconds(15000)) : left;
        p = checker.run(std::max(budget, milliseconds(1)));
        if (!p.healthy) {
            std::vector<Failure> records;
            for (const auto& d : p.diags) records.push_back({d.sqlstate, d.native, d.message});
            verdict = classifier.classify(
                records, p.failed_step == "query" ? Phase::Statement : Phase::Connect);
            auth_failed = p.failed_step == "connect" && is_authentication_failure(records);
            // A server that refused the login answered: it is up (as pg_isready reports it).
            if (auth_failed) p.reachable = true;
        }
        if (p.healthy || !wait) break;
        // A fatal class (wrong password, unknown database, bad configuration) does not heal by
        // waiting: the wait ends at once.
        if (verdict.cls == ErrorClass::Fatal) break;
        // The driver manager's own errors (no such DSN, driver not loadable) do not heal.
        if (!p.diags.empty() && p.diags[0].sqlstate.rfind("IM", 0) == 0) break;
        left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) break;
        milliseconds pause = std::min(delay, left);
        if (!quiet) {
            std::string why = p.diags.empty()
                                  ? p.failed_step + " failed"
                                  : p.diags[0].sqlstate + " " + one_line(p.diags[0].message);
            std::fprintf(
                stderr,
                "odbc-retry check: %s not healthy yet (attempt %d: %s); next try in %s, %s left\n",
                shown.c_str(), attempts, why.c_str(),
                format_ms(static_cast<double>(pause.count())).c_str(),
                format_seconds(static_cast<double>(left.count()) / 1000.0).c_str());
        }
        std::this_thread::sleep_for(pause);
        if (Clock::now() >= deadline) break;
        delay = std::min(delay * 2, milliseconds(5000));
    }
    const double elapsed_ms = ms_since(start);

    if (json) {
        Json j = Json::object();
        j["target"] = shown;
        j["healthy"] = p.healthy;
        j["reachable"] = p.reachable;
        j["query"] = query.empty() ? Json() : Json(query);
        j["result"] = p.result ? Json(*p.result) : Json();
        Json latency = Json::object();
        latency["connect"] = p.connect_ms;
        latency["query"] = p.reachable && !query.empty() ? Json(p.query_ms) : Json();
        latency["total"] = p.connect_ms + p.query_ms;
        j["latency_ms"] = latency;
        Json dbms = Json::object();
        dbms["name"] = p.reachable ? Json(p.dbms_name) : Json();
        dbms["version"] = p.reachable ? Json(p.dbms_version) : Json();
        j["dbms"] = dbms;
        Json drv = Json::object();
        drv["name"] = p.reachable ? Json(p.driver_name) : Json();
        drv["version"] = p.reachable ? Json(p.driver_version) : Json();
        drv["odbc_version"] = p.reachable ? Json(p.driver_odbc_version) : Json();
        j["driver"] = drv;
        Json retry = Json::object();
        retry["used"] = via_retry;
        retry["target"] = p.retry_target ? Json(*p.retry_target) : Json();
        retry["breaker"] = p.breaker ? breaker_json(*p.breaker) : Json();
        j["odbc_retry"] = retry;
        j["attempts"] = attempts;
        j["elapsed_ms"] = elapsed_ms;
        j["failed_step"] = p.failed_step.empty() ? Json() : Json(p.failed_step);
        j["authentication_failed"] = auth_failed;
        if (!p.healthy) {
            Json c = Json::object();
            c["class"] = std::string(to_string(verdict.cls));
            c["rule"] = std::string(verdict.rule_name);
            c["family"] = std::string(to_string(family));
            j["classification"] = c;
        } else {
            j["classification"] = Json();
        }
        if (!p.diags.empty()) {
            Json e = Json::object();
            e["sqlstate"] = p.diags[0].sqlstate;
            e["native"] = p.diags[0].native;
            e["message"] = p.diags[0].message;
            j["error"] = e;
        } else {
            j["error"] = Json();
        }
        Json all = Json::array();
        for (const auto& d : p.diags) {
            Json e = Json::object();
            e["sqlstate"] = d.sqlstate;
            e["native"] = d.native;
            e["message"] = d.message;
            all.push(e);
        }
        j["diagnostics"] = all;
        std::cout << j.dump() << "\n";
    } else {
        std::cout << shown << ": "
                  << (p.healthy     ? "healthy"
                      : auth_failed ? "NOT healthy (the server is up and refused the login)"
                      : p.reachable ? "NOT healthy (connected, the probe query failed)"
                                    : "NOT healthy (cannot connect)")
                  << "\n";
        if (p.reachable && !auth_failed) {
            std::cout << "  connect     " << format_ms(p.connect_ms) << "\n";
            if (!query.empty())
                std::cout << "  query       " << query
                          << (p.result ? " -> " + *p.result : std::string()) << " ("
                          << format_ms(p.query_ms) << ")\n";
            std::cout << "  server      " << p.dbms_name << " " << p.dbms_version << "\n";
            std::cout << "  driver      " << p.driver_name << " " << p.driver_version << " (ODBC "
                      << p.driver_odbc_version << ")\n";
        }
        for (const auto& d : p.diags)
            std::cout << "  error       " << d.sqlstate << " (native " << d.native << ") "
                      << one_line(d.message) << "\n";
        if (!p.healthy)
            std::cout << "  class       " << to_string(verdict.cls) << " (" << verdict.rule_name
                      << ")"
                      << (wait && verdict.cls == ErrorClass::Fatal ? ": waiting cannot cure it"
                                                                   : "")
                      << "\n";
        if (via_retry) {
            std::cout << "  odbc-retry  ";
            if (p.retry_target)
                std::cout << "target " << *p.retry_target;
            else
                std::cout << "target not known yet";
            std::cout << ", breaker "
                      << (p.breaker ? breaker_text(*p.breaker) : std::string("unknown")) << "\n";
        }
        if (wait || attempts > 1)
            std::cout << "  attempts    " << attempts << " in " << format_ms(elapsed_ms) << "\n";
    }
    std::cout.flush();
    return p.healthy ? kExitOk : kExitFailed;
}

}  // namespace odbcretry::tool
