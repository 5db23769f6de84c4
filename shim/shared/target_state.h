// SPDX-License-Identifier: Apache-2.0
// What all connections to one target (one server and database through one driver) share in a
// process: the retry budget, the circuit breaker (whose state may live in a file shared by every
// process on the host), the target's epoch (bumped when a connection to it is lost, so that the
// others validate themselves before their next use) and the counters behind `odbc-retry stats`.
// Created at connect, never destroyed; every member is thread-safe.
//
// The counters (TargetCounters, shim/shared/counters.h) and the budget live in this process's
// stats file (shim/shared/stats_file.h) when it can be created, so that `odbc-retry stats` reads
// them from another process at no cost to this one; otherwise in this object. A breaker that is
// not shared between processes keeps its state word in the same stats slot.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>
#include <string>

#include "shim/config/config.h"
#include "shim/retry/budget.h"
#include "shim/retry/circuit_breaker.h"
#include "shim/retry/classifier.h"
#include "shim/shared/counters.h"

namespace odbcretry {

class TargetState {
  public:
    TargetState(std::string key, DriverFamily family, const Settings& settings);

    const std::string& key() const { return key_; }
    DriverFamily family() const { return family_; }
    RetryBudget& budget() { return *budget_; }
    // Refills the budget by one token per second since the last refill; called before a retry
    // loop starts (never on a call that succeeds).
    void refill_budget(std::chrono::steady_clock::time_point now);
    // The breaker with the first connection's settings (null when they disable it).
    CircuitBreaker* breaker() { return breaker_.get(); }
    // The breaker as the connection with settings `s` sees it: the target's shared state word,
    // judged with its own CircuitBreakerThreshold and CircuitBreakerCooldown (null when its
    // threshold is 0). The pointer stays valid for the life of the process.
    CircuitBreaker* breaker_for(const Settings& s);
    std::atomic<uint64_t>& epoch() { return epoch_; }
    TargetCounters& counters() { return *counters_; }
    const std::string& breaker_store_description() const { return breaker_store_; }
    // Where `odbc-retry stats` finds this target: the stats file's path, or "" when the
    // counters could not be published (kept in this process only).
    const std::string& stats_path() const { return stats_path_; }

  private:
    std::string key_;
    DriverFamily family_;
    // In the stats file, or the fallbacks below.
    TargetCounters* counters_ = nullptr;
    RetryBudget* budget_ = nullptr;
    std::unique_ptr<TargetCounters> own_counters_;
    std::unique_ptr<RetryBudget> own_budget_;
    std::unique_ptr<BreakerStore> slot_breaker_store_;
    std::unique_ptr<CircuitBreaker> breaker_;
    BreakerStore* store_ = nullptr;
    std::uint64_t hash_ = 0;
    std::mutex variants_mutex_;
    std::vector<std::unique_ptr<CircuitBreaker>> variants_;
    std::string breaker_store_;
    std::string stats_path_;
    std::atomic<uint64_t> epoch_{1};
    std::atomic<int64_t> last_refill_ms_{0};
};

// The state of `key`, created with `settings` on first use (the budget's settings and where the
// breaker's state lives are those of the first connection to a target).
TargetState& target_state(const std::string& key, DriverFamily family, const Settings& settings);

}  // namespace odbcretry
