#include "shim/target_state.h"

#include <map>
#include <mutex>

#include "shim/log.h"
#include "shim/retry/breaker_store.h"

namespace odbcretry {

namespace {
std::mutex targets_mutex;
std::map<std::string, std::unique_ptr<TargetState>>& targets() {
    static auto* map = new std::map<std::string, std::unique_ptr<TargetState>>();  // lives forever
    return *map;
}

BreakerStore& breaker_store(bool shared, std::string& description) {
    static InProcessBreakerStore* in_process = new InProcessBreakerStore();
    static std::unique_ptr<SharedBreakerStore>* shared_store = nullptr;
    static std::string shared_error;
    if (shared) {
        if (!shared_store) {
            shared_store = new std::unique_ptr<SharedBreakerStore>(SharedBreakerStore::open_default(shared_error));
            if (!*shared_store)
                logger().warn("circuit breaker state cannot be shared between processes ({}); "
                              "using this process's own",
                              shared_error);
        }
        if (*shared_store) {
            description = (*shared_store)->description();
            return **shared_store;
        }
    }
    description = in_process->description();
    return *in_process;
}

BudgetSettings budget_settings(const Settings& s) {
    auto parsed = parse_budget_settings(s.retry_budget);
    return parsed ? parsed.value() : BudgetSettings{};
}
}  // namespace

TargetState::TargetState(std::string key, DriverFamily family, const Settings& s)
    : key_(std::move(key)), family_(family), budget_(budget_settings(s)) {
    BreakerSettings b;
    b.enabled = s.circuit_breaker_threshold > 0;
    b.failure_threshold = s.circuit_breaker_threshold > 0 ? s.circuit_breaker_threshold : 1;
    b.cooldown = s.circuit_breaker_cooldown;
    if (b.enabled) {
        BreakerStore& store = breaker_store(s.circuit_breaker_shared, breaker_store_);
        breaker_ = std::make_unique<CircuitBreaker>(b, store, breaker_key_hash(key_, family_));
    }
}

void TargetState::refill_budget(std::chrono::steady_clock::time_point now) {
    int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    int64_t last = last_refill_ms_.load(std::memory_order_relaxed);
    if (last == 0) {
        last_refill_ms_.compare_exchange_strong(last, now_ms, std::memory_order_relaxed);
        return;
    }
    int64_t seconds = (now_ms - last) / 1000;
    if (seconds <= 0) return;
    if (last_refill_ms_.compare_exchange_strong(last, last + seconds * 1000, std::memory_order_relaxed))
        budget_.deposit(static_cast<double>(seconds));
}

TargetState& target_state(const std::string& key, DriverFamily family, const Settings& settings) {
    std::lock_guard lock(targets_mutex);
    auto& map = targets();
    auto it = map.find(key);
    if (it == map.end()) it = map.emplace(key, std::make_unique<TargetState>(key, family, settings)).first;
    return *it->second;
}

void for_each_target_impl(void (*visit)(TargetState&, void*), void* context) {
    std::lock_guard lock(targets_mutex);
    for (auto& [key, state] : targets()) visit(*state, context);
}

}  // namespace odbcretry
