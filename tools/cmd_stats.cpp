// SPDX-License-Identifier: Apache-2.0
// odbc-retry stats: the counters of every process on this host that uses odbc-retry, per target,
// as a table, JSON, or Prometheus text (for node_exporter's textfile collector).
#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>
#include <thread>

#include "shim/shared/breaker_store.h"
#include "shim/shared/stats_summary.h"
#include "tools/cli.h"
#include "tools/commands.h"

#ifndef ODBC_RETRY_VERSION
#define ODBC_RETRY_VERSION "unknown"
#endif

namespace odbcretry::tool {

namespace {

std::atomic<bool> stop_requested{false};
extern "C" void on_stop_signal(int) {
    stop_requested.store(true);
}

std::size_t counter_index(std::string_view name) {
    for (std::size_t i = 0; i < kCounterCount; ++i)
        if (kCounters[i].name == name) return i;
    return 0;
}

std::vector<std::string> all_user_directories() {
    std::vector<std::string> out;
    for (const char* base : {"/dev/shm", "/tmp"}) {
        DIR* dir = ::opendir(base);
        if (!dir) continue;
        while (dirent* e = ::readdir(dir)) {
            std::string name = e->d_name;
            if (name.rfind("odbc-retry-", 0) == 0 &&
                name.find_first_not_of("0123456789", 11) == std::string::npos && name.size() > 11)
                out.push_back(std::string(base) + "/" + name);
        }
        ::closedir(dir);
    }
    if (const char* env = std::getenv("ODBC_RETRY_STATE_DIR"); env && *env) out.push_back(env);
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string breaker_cell(const TargetSummary& s) {
    if (!s.breaker.known) return s.breaker_mode == BreakerMode::None ? "off" : "-";
    std::string text(to_string(s.breaker.state));
    if (s.breaker.in_state)
        text += " " + format_seconds(static_cast<double>(s.breaker.in_state->count()) / 1000.0);
    return text;
}

std::string budget_cell(const TargetSummary& s) {
    if (!s.budget_enabled) return "off";
    return format_number(s.budget_tokens_min) + "/" + std::to_string(s.budget_max_tokens);
}

std::string render_table(const StatsScan& scan, const std::vector<TargetSummary>& targets,
                         bool processes) {
    std::ostringstream out;
    if (targets.empty()) {
        out << "no process on this host is using odbc-retry (state directory " << scan.directory
            << ")\n";
    } else {
        const std::vector<std::pair<std::string, std::string>> columns = {
            {"PROCS", ""},
            {"CONNECTS", "connects"},
            {"CONN-RETRIES", "connect_retries"},
            {"CONN-FAILED", "connect_failures"},
            {"STMT-RETRIES", "statement_retries"},
            {"GIVE-UPS", "give_ups"},
            {"RECOVERED", "recoveries"},
            {"REPLAYED", "replays"},
            {"REFUSED", "replay_refusals"},
            {"UNKNOWN", "unknown_outcomes"},
        };
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> header = {"TARGET"};
        for (const auto& c : columns) header.push_back(c.first);
        header.push_back("BREAKER");
        header.push_back("BUDGET");
        rows.push_back(header);
        for (const auto& s : targets) {
            std::vector<std::string> row = {s.key};
            for (const auto& c : columns)
                row.push_back(c.second.empty()
                                  ? std::to_string(s.pids.size())
                                  : std::to_string(s.counters[counter_index(c.second)]));
            row.push_back(breaker_cell(s));
            row.push_back(budget_cell(s));
            rows.push_back(row);
        }
        std::vector<std::size_t> width(header.size(), 0);
        for (const auto& r : rows)
            for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
        for (const auto& r : rows) {
            std::string line;
            for (std::size_t i = 0; i < r.size(); ++i) {
                const bool left =
                    i == 0 || i + 2 >= r.size();  // text columns: target, breaker, budget
                std::string cell = r[i];
                std::string pad(width[i] - cell.size(), ' ');
                line += left ? cell + pad : pad + cell;
                if (i + 1 < r.size()) line += "  ";
            }
            while (!line.empty() && line.back() == ' ') line.pop_back();
            out << line << "\n";
        }
    }
    if (processes || !scan.processes.empty()) {
        out << "\n"
            << scan.processes.size() << (scan.processes.size() == 1 ? " process" : " processes");
        if (!processes && !scan.processes.empty()) {
            out << ":";
            std::size_t shown = 0;
            for (const auto& p : scan.processes) {
                if (shown++ == 8) {
                    out << " ...";
                    break;
                }
                out << " " << p.pid << " (" << p.command << ")";
            }
        }
        out << "\n";
    }
    if (processes) {
        for (std::size_t i = 0; i < scan.processes.size(); ++i) {
            const auto& p = scan.processes[i];
            std::time_t started = static_cast<std::time_t>(p.created_unix_ms / 1000);
            char when[32] = {};
            std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", std::localtime(&started));
            out << "  pid " << p.pid << "  " << p.command << "  since " << when
                << (p.inherited ? "  (inherited by a child)" : "") << "\n";
            for (const auto& t : scan.targets)
                if (t.process == i) {
                    out << "    " << t.key;
                    for (std::size_t c = 0; c < kCounterCount; ++c)
                        if (t.counters[c]) out << "  " << kCounters[c].name << "=" << t.counters[c];
                    out << "\n";
                }
            if (p.overflow) out << "    (" << p.overflow << " more targets had no free slot)\n";
        }
    }
    for (const auto& r : scan.removed)
        out << "removed the stats file of a process that is gone: " << r << "\n";
    for (const auto& w : scan.warnings) out << "warning: " << w << "\n";
    return out.str();
}

Json render_json(const StatsScan& scan, const std::vector<TargetSummary>& targets) {
    Json j = Json::object();
    j["state_directory"] = scan.directory;
    Json procs = Json::array();
    for (std::size_t i = 0; i < scan.processes.size(); ++i) {
        const auto& p = scan.processes[i];
        Json o = Json::object();
        o["pid"] = static_cast<long long>(p.pid);
        o["command"] = p.command;
        o["started_unix_ms"] = static_cast<long long>(p.created_unix_ms);
        o["inherited"] = p.inherited;
        o["file"] = p.path;
        Json keys = Json::array();
        for (const auto& t : scan.targets)
            if (t.process == i) keys.push(t.key);
        o["targets"] = keys;
        procs.push(o);
    }
    j["processes"] = procs;
    Json list = Json::array();
    for (const auto& s : targets) {
        Json o = Json::object();
        o["target"] = s.key;
        o["family"] = std::string(to_string(s.family));
        o["processes"] = static_cast<unsigned long long>(s.pids.size());
        Json pids = Json::array();
        for (auto pid : s.pids) pids.push(static_cast<long long>(pid));
        o["pids"] = pids;
        Json counters = Json::object();
        for (std::size_t i = 0; i < kCounterCount; ++i)
            counters[kCounters[i].name] = static_cast<unsigned long long>(s.counters[i]);
        o["counters"] = counters;
        Json b = Json::object();
        b["mode"] = s.breaker_mode == BreakerMode::Shared ? "shared"
                    : s.breaker_mode == BreakerMode::Slot ? "per-process"
                                                          : "off";
        b["state"] = s.breaker.known ? Json(std::string(to_string(s.breaker.state))) : Json();
        b["seconds_in_state"] =
            s.breaker.in_state ? Json(static_cast<double>(s.breaker.in_state->count()) / 1000.0)
                               : Json();
        b["consecutive_failures"] = s.breaker.known ? Json(s.breaker.consecutive_failures) : Json();
        b["retry_in_ms"] =
            s.breaker.known ? Json(static_cast<long long>(s.breaker.retry_in.count())) : Json();
        o["breaker"] = b;
        Json budget = Json::object();
        budget["enabled"] = s.budget_enabled;
        budget["tokens"] = s.budget_enabled ? Json(s.budget_tokens_min) : Json();
        budget["max_tokens"] = s.budget_enabled ? Json(s.budget_max_tokens) : Json();
        o["budget"] = budget;
        list.push(o);
    }
    j["targets"] = list;
    Json removed = Json::array();
    for (const auto& r : scan.removed) removed.push(r);
    j["removed_stale_files"] = removed;
    Json warnings = Json::array();
    for (const auto& w : scan.warnings) warnings.push(w);
    j["warnings"] = warnings;
    return j;
}

std::string label_value(std::string_view v) {
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string render_prometheus(const std::vector<TargetSummary>& targets) {
    std::ostringstream out;
    auto family = [&](const char* name, const char* type, const char* help) {
        out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
    };
    auto labels = [&](const TargetSummary& s) {
        return "target=\"" + label_value(s.key) + "\",family=\"" +
               std::string(to_string(s.family)) + "\"";
    };
    auto sample = [&](const char* name, const TargetSummary& s, const std::string& value) {
        out << name << "{" << labels(s) << "} " << value << "\n";
    };
    family("odbc_retry_build_info", "gauge",
           "Always 1; the version of the odbc-retry command that wrote these metrics.");
    out << "odbc_retry_build_info{version=\"" << label_value(ODBC_RETRY_VERSION) << "\"} 1\n";
    family("odbc_retry_processes", "gauge",
           "Processes on this host that use odbc-retry for the target.");
    for (const auto& s : targets) sample("odbc_retry_processes", s, std::to_string(s.pids.size()));
    for (std::size_t i = 0; i < kCounterCount; ++i) {
        family(kCounters[i].metric, "counter", kCounters[i].help);
        for (const auto& s : targets) sample(kCounters[i].metric, s, std::to_string(s.counters[i]));
    }
    family("odbc_retry_breaker_state", "gauge",
           "Circuit breaker of the target, read from the shared breaker table: 1 for its current "
           "state (label state: closed, open, half_open), 0 for the others.");
    for (const auto& s : targets)
        if (s.breaker.known)
            for (BreakerState state :
                 {BreakerState::Closed, BreakerState::Open, BreakerState::HalfOpen})
                out << "odbc_retry_breaker_state{" << labels(s) << ",state=\"" << to_string(state)
                    << "\"} " << (s.breaker.state == state ? "1" : "0") << "\n";
    family("odbc_retry_breaker_open_seconds", "gauge",
           "Seconds since the target's circuit breaker opened; 0 while it is closed.");
    for (const auto& s : targets)
        if (s.breaker.known)
            sample("odbc_retry_breaker_open_seconds", s,
                   format_number(s.breaker.in_state
                                     ? static_cast<double>(s.breaker.in_state->count()) / 1000.0
                                     : 0));
    family("odbc_retry_breaker_consecutive_failures", "gauge",
           "Consecutive failed connects to the target counted by its circuit breaker.");
    for (const auto& s : targets)
        if (s.breaker.known)
            sample("odbc_retry_breaker_consecutive_failures", s,
                   std::to_string(s.breaker.consecutive_failures));
    family("odbc_retry_budget_tokens", "gauge",
           "Retry budget tokens left for the target (the lowest of its processes; retries stop "
           "below half).");
    for (const auto& s : targets)
        if (s.budget_enabled)
            sample("odbc_retry_budget_tokens", s, format_number(s.budget_tokens_min));
    family("odbc_retry_budget_max_tokens", "gauge", "Size of the target's retry budget (tokens).");
    for (const auto& s : targets)
        if (s.budget_enabled)
            sample("odbc_retry_budget_max_tokens", s, std::to_string(s.budget_max_tokens));
    return out.str();
}

}  // namespace

int run_stats(const std::vector<std::string>& words) {
    Args args(words, {{"--prometheus"},
                      {"--json"},
                      {"--watch", true, true},
                      {"--count", true},
                      {"--processes"},
                      {"--state-dir", true},
                      {"--all-users"}});
    if (args.help()) {
        std::cout << command_help("stats");
        return kExitOk;
    }
    args.expect_positional(0, 0, "");
    if (args.has("--prometheus") && args.has("--json"))
        throw UsageError("choose one of --prometheus and --json");
    if (args.has("--state-dir") && args.has("--all-users"))
        throw UsageError("choose one of --state-dir and --all-users");
    const bool watch = args.has("--watch");
    const double interval = watch ? args.number("--watch", 0.1).value_or(2.0) : 0;
    long count = 0;
    if (auto c = args.value("--count")) {
        if (!parse_long(*c, count) || count < 1)
            throw UsageError("option --count needs a whole number >= 1");
        if (!watch) throw UsageError("--count goes with --watch");
    }
    std::vector<std::string> directories;
    if (auto d = args.value("--state-dir"))
        directories.push_back(*d);
    else if (args.has("--all-users"))
        directories = all_user_directories();
    else
        directories.push_back(default_state_directory());

    if (watch) {
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, nullptr);
        ::sigaction(SIGTERM, &sa, nullptr);
    }
    const bool tty = ::isatty(STDOUT_FILENO) != 0;
    for (long frame = 1;; ++frame) {
        StatsScan scan;
        for (const auto& d : directories) merge_scan(scan, scan_stats(d));
        if (scan.directory.empty())
            scan.directory = directories.empty() ? std::string("(none)") : directories[0];
        auto targets = summarize(scan, std::chrono::steady_clock::now());
        std::string text;
        if (args.has("--prometheus"))
            text = render_prometheus(targets);
        else if (args.has("--json"))
            text = render_json(scan, targets).dump() + "\n";
        else
            text = render_table(scan, targets, args.has("--processes"));
        if (watch && !args.has("--prometheus") && !args.has("--json")) {
            std::time_t now = std::time(nullptr);
            char when[32] = {};
            std::strftime(when, sizeof when, "%H:%M:%S", std::localtime(&now));
            std::string head = std::string("odbc-retry stats  ") + when + "  (every " +
                               format_number(interval) + " s; Ctrl-C to stop)\n\n";
            if (tty)
                std::cout << "\033[H\033[2J";
            else if (frame > 1)
                std::cout << "\n";
            std::cout << head;
        } else if (watch && frame > 1 && !tty) {
            std::cout << "\n";
        }
        std::cout << text << std::flush;
        if (!watch || (count > 0 && frame >= count)) break;
        auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(interval));
        while (!stop_requested.load() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        if (stop_requested.load()) break;
    }
    return kExitOk;
}

}  // namespace odbcretry::tool
