// SPDX-License-Identifier: Apache-2.0
#include "shim/shared/target_state.h"

#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "shim/config/log.h"
#include "shim/shared/breaker_store.h"
#include "shim/shared/stats_file.h"

namespace odbcretry {

namespace {
std::mutex targets_mutex;
std::map<std::string, std::unique_ptr<TargetState>>& targets() {
    static auto* map = new std::map<std::string, std::unique_ptr<TargetState>>();  // lives forever
    return *map;
}

InProcessBreakerStore& in_process_breaker_store(std::string& description) {
    static InProcessBreakerStore* store = new InProcessBreakerStore();
    description = store->description();
    return *store;
}

// The table shared by every process of the user, or null (warned once) when it cannot be opened.
BreakerStore* shared_breaker_store(std::string& description) {
    static std::unique_ptr<SharedBreakerStore>* shared_store = nullptr;
    static std::string shared_error;
    if (!shared_store) {
        shared_store =
            new std::unique_ptr<SharedBreakerStore>(SharedBreakerStore::open_default(shared_error));
        if (!*shared_store)
            logger().warn(
                "circuit breaker state cannot be shared between processes ({}); "
                "using this process's own",
                shared_error);
    }
    if (!*shared_store) return nullptr;
    description = (*shared_store)->description();
    return shared_store->get();
}

BudgetSettings budget_settings(const Settings& s) {
    auto parsed = parse_budget_settings(s.retry_budget);
    return parsed ? parsed.value() : BudgetSettings{};
}
}  // namespace

TargetState::TargetState(std::string key, DriverFamily family, const Settings& s)
    : key_(std::move(key)), family_(family) {
    const BudgetSettings budget = budget_settings(s);
    BreakerSettings b;
    b.enabled = s.circuit_breaker_threshold > 0;
    b.failure_threshold = s.circuit_breaker_threshold > 0 ? s.circuit_breaker_threshold : 1;
    b.cooldown = s.circuit_breaker_cooldown;

    // The counters and the budget go into this process's stats file when there is one.
    std::optional<PublishedTarget> published;
    std::string error;
    StatsPublisher* publisher = StatsPublisher::for_this_process(error);
    if (publisher) {
        published = publisher->claim(key_, family_, budget);
        if (published)
            stats_path_ = publisher->path();
        else
            logger().warn(
                "the stats file {} has no free slot for target {}; its counters stay in this "
                "process",
                publisher->path(), key_);
    } else if (!error.empty()) {
        logger().warn(
            "per-target stats cannot be published for `odbc-retry stats` ({}); "
            "counters stay in this process",
            error);
    }
    if (published) {
        counters_ = published->counters;
        budget_ = published->budget;
    } else {
        own_counters_ = std::make_unique<TargetCounters>();
        own_budget_ = std::make_unique<RetryBudget>(budget);
        counters_ = own_counters_.get();
        budget_ = own_budget_.get();
    }

    // The store of the breaker's state word is chosen once per target (CircuitBreakerShared of
    // the first connection); the threshold and cooldown are each connection's (breaker_for).
    BreakerMode mode = BreakerMode::None;
    hash_ = breaker_key_hash(key_, family_);
    if (s.circuit_breaker_shared) {
        store_ = shared_breaker_store(breaker_store_);
        if (store_) mode = BreakerMode::Shared;
    }
    if (!store_ && published) {
        // This process's own breaker, its state word in the stats slot where `stats` sees it.
        slot_breaker_store_ = std::make_unique<SlotBreakerStore>(&published->slot->breaker_word);
        store_ = slot_breaker_store_.get();
        breaker_store_ = store_->description();
        mode = BreakerMode::Slot;
    }
    if (!store_) store_ = &in_process_breaker_store(breaker_store_);
    if (b.enabled) {
        breaker_ = std::make_unique<CircuitBreaker>(b, *store_, hash_);
        if (!breaker_->active())
            logger().warn(
                "the circuit breaker table {} is full: target {} has no circuit breaker until a "
                "slot is free (one is given up after {} minutes unused)",
                breaker_store_, key_,
                std::chrono::duration_cast<std::chrono::minutes>(kBreakerSlotIdle).count());
    }
    if (published)
        publisher->publish(published->slot, b.enabled ? mode : BreakerMode::None, hash_, b);
}

CircuitBreaker* TargetState::breaker_for(const Settings& s) {
    if (s.circuit_breaker_threshold <= 0) return nullptr;
    auto same = [&](const CircuitBreaker& b) {
        return b.settings().failure_threshold == s.circuit_breaker_threshold &&
               b.settings().cooldown == s.circuit_breaker_cooldown;
    };
    if (breaker_ && same(*breaker_)) return breaker_.get();
    // Another threshold or cooldown over the same state word (called at connect, never on a
    // call that succeeds).
    std::lock_guard lock(variants_mutex_);
    for (auto& v : variants_)
        if (same(*v)) return v.get();
    BreakerSettings b;
    b.enabled = true;
    b.failure_threshold = s.circuit_breaker_threshold;
    b.cooldown = s.circuit_breaker_cooldown;
    variants_.push_back(std::make_unique<CircuitBreaker>(b, *store_, hash_));
    return variants_.back().get();
}

void TargetState::refill_budget(std::chrono::steady_clock::time_point now) {
    int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    int64_t last = last_refill_ms_.load(std::memory_order_relaxed);
    if (last == 0) {
        last_refill_ms_.compare_exchange_strong(last, now_ms, std::memory_order_relaxed);
        return;
    }
    int64_t seconds = (now_ms - last) / 1000;
    if (seconds <= 0) return;
    if (last_refill_ms_.compare_exchange_strong(last, last + seconds * 1000,
                                                std::memory_order_relaxed))
        budget_->deposit(static_cast<double>(seconds));
}

TargetState& target_state(const std::string& key, DriverFamily family, const Settings& settings) {
    std::lock_guard lock(targets_mutex);
    auto& map = targets();
    auto it = map.find(key);
    if (it == map.end())
        it = map.emplace(key, std::make_unique<TargetState>(key, family, settings)).first;
    return *it->second;
}

}  // namespace odbcretry
