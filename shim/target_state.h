// What all connections to one target (one server and database through one driver) share in a
// process: the retry budget, the circuit breaker (whose state may live in a file shared by every
// process on the host), the target's epoch (bumped when a connection to it is lost, so that the
// others validate themselves before their next use) and the counters behind `odbc-retry stats`.
// Created at connect, never destroyed; every member is thread-safe.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "shim/config.h"
#include "shim/retry/budget.h"
#include "shim/retry/circuit_breaker.h"
#include "shim/retry/classifier.h"

namespace odbcretry {

struct TargetCounters {
    std::atomic<uint64_t> connects{0};          // connects that succeeded
    std::atomic<uint64_t> connect_failures{0};  // connects the application saw fail
    std::atomic<uint64_t> connect_retries{0};   // extra attempts made while connecting
    std::atomic<uint64_t> statement_retries{0}; // statements re-executed after rolled_back/transient
    std::atomic<uint64_t> give_ups{0};          // calls that stopped retrying with an error
    std::atomic<uint64_t> breaker_rejections{0};
    std::atomic<uint64_t> recoveries{0};        // lost connections re-established
    std::atomic<uint64_t> recovery_failures{0};
    std::atomic<uint64_t> replays{0};           // calls re-issued transparently after a recovery
    std::atomic<uint64_t> replay_refusals{0};   // calls not replayed (writes, transactions, state)
    std::atomic<uint64_t> unknown_outcomes{0};  // writes or commits whose outcome is unknown
};

class TargetState {
public:
    TargetState(std::string key, DriverFamily family, const Settings& settings);

    const std::string& key() const { return key_; }
    DriverFamily family() const { return family_; }
    RetryBudget& budget() { return budget_; }
    // Refills the budget by one token per second since the last refill; called before a retry
    // loop starts (never on a call that succeeds).
    void refill_budget(std::chrono::steady_clock::time_point now);
    CircuitBreaker* breaker() { return breaker_.get(); }
    std::atomic<uint64_t>& epoch() { return epoch_; }
    TargetCounters& counters() { return counters_; }
    const std::string& breaker_store_description() const { return breaker_store_; }

private:
    std::string key_;
    DriverFamily family_;
    RetryBudget budget_;
    std::unique_ptr<CircuitBreaker> breaker_;
    std::string breaker_store_;
    std::atomic<uint64_t> epoch_{1};
    std::atomic<int64_t> last_refill_ms_{0};
    TargetCounters counters_;
};

// The state of `key`, created with `settings` on first use (budget and breaker settings of the
// first connection to a target apply to the target).
TargetState& target_state(const std::string& key, DriverFamily family, const Settings& settings);

// Visits every target this process has used (for stats).
template <class F>
void for_each_target(F&& f);
void for_each_target_impl(void (*visit)(TargetState&, void*), void* context);
template <class F>
void for_each_target(F&& f) {
    for_each_target_impl([](TargetState& t, void* c) { (*static_cast<F*>(c))(t); }, &f);
}

}  // namespace odbcretry
