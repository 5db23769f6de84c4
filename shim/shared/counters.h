// SPDX-License-Identifier: Apache-2.0
// The per-target counters behind `odbc-retry stats`, and the table that names them.
//
// TargetCounters is a plain struct of lock-free 64-bit atomics. It is placed in the process's
// stats file (stats_file.h), a MAP_SHARED mapping that `odbc-retry stats` reads from another
// process, so its layout is part of that file's format: every counter is one
// std::atomic<std::uint64_t>, in the order of kCounters below. A new counter goes at the end of
// the struct and of kCounters, and bumps kStatsFormatVersion (stats_file.h).
//
// Counters are touched only on retry, recovery and give-up paths (and `connects` once per
// successful connect), never on a forwarded call that succeeds; relaxed increments suffice.
#pragma once
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace odbcretry {

struct TargetCounters {
    std::atomic<std::uint64_t> connects{0};          // connects that succeeded
    std::atomic<std::uint64_t> connect_failures{0};  // connects the application saw fail
    std::atomic<std::uint64_t> connect_retries{0};   // extra attempts made while connecting
    std::atomic<std::uint64_t> statement_retries{
        0};                                  // statements re-executed after rolled_back/transient
    std::atomic<std::uint64_t> give_ups{0};  // calls that stopped retrying with an error
    std::atomic<std::uint64_t> breaker_rejections{0};
    std::atomic<std::uint64_t> recoveries{0};  // lost connections re-established
    std::atomic<std::uint64_t> recovery_failures{0};
    std::atomic<std::uint64_t> replays{0};  // calls re-issued transparently after a recovery
    std::atomic<std::uint64_t> replay_refusals{
        0};  // calls not replayed (writes, transactions, state)
    std::atomic<std::uint64_t> unknown_outcomes{0};  // writes or commits whose outcome is unknown
};

static_assert(std::atomic<std::uint64_t>::is_always_lock_free,
              "the counters are shared between processes: they need lock-free 64-bit atomics");

// One counter: its member, its short name (JSON, tables) and its Prometheus metric.
struct CounterInfo {
    std::atomic<std::uint64_t> TargetCounters::*member;
    const char* name;    // "connect_retries"
    const char* metric;  // "odbc_retry_connect_retries_total"
    const char* help;    // the metric's # HELP text
};

inline constexpr std::array<CounterInfo, 11> kCounters = {{
    {&TargetCounters::connects, "connects", "odbc_retry_connects_total",
     "Connects to the target that succeeded."},
    {&TargetCounters::connect_failures, "connect_failures", "odbc_retry_connect_failures_total",
     "Connects that failed as the application saw them (after any retries)."},
    {&TargetCounters::connect_retries, "connect_retries", "odbc_retry_connect_retries_total",
     "Extra connect attempts made after a transient failure."},
    {&TargetCounters::statement_retries, "statement_retries", "odbc_retry_statement_retries_total",
     "Statements executed again after the server rolled them back or could not run them."},
    {&TargetCounters::give_ups, "give_ups", "odbc_retry_give_ups_total",
     "Calls that stopped retrying (attempts, deadline, budget or breaker) and returned an error."},
    {&TargetCounters::breaker_rejections, "breaker_rejections",
     "odbc_retry_breaker_rejections_total",
     "Connects refused without an attempt because the target's circuit breaker was open."},
    {&TargetCounters::recoveries, "recoveries", "odbc_retry_recoveries_total",
     "Lost connections re-established under the application's handles."},
    {&TargetCounters::recovery_failures, "recovery_failures", "odbc_retry_recovery_failures_total",
     "Lost connections that could not be re-established."},
    {&TargetCounters::replays, "replays", "odbc_retry_replays_total",
     "Calls re-issued transparently on a recovered connection."},
    {&TargetCounters::replay_refusals, "replay_refusals", "odbc_retry_replay_refusals_total",
     "Calls not replayed after a lost connection because replaying them was not safe."},
    {&TargetCounters::unknown_outcomes, "unknown_outcomes", "odbc_retry_unknown_outcomes_total",
     "Writes or commits whose outcome is unknown because the connection was lost during them."},
}};

inline constexpr std::size_t kCounterCount = kCounters.size();
static_assert(sizeof(TargetCounters) == kCounterCount * sizeof(std::atomic<std::uint64_t>),
              "every counter of TargetCounters must be listed in kCounters");

// A copy of the counters' values, in kCounters order.
using CounterValues = std::array<std::uint64_t, kCounterCount>;

inline CounterValues load_counters(const TargetCounters& c) {
    CounterValues v{};
    for (std::size_t i = 0; i < kCounterCount; ++i)
        v[i] = (c.*(kCounters[i].member)).load(std::memory_order_relaxed);
    return v;
}

}  // namespace odbcretry
