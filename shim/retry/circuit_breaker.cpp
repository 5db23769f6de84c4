// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/circuit_breaker.h"

#include <algorithm>
#include <atomic>

#include "shim/retry/clock.h"

namespace odbcretry {
namespace {

enum class Code : std::uint64_t { Closed = 0, Open = 1, Probing = 2 };

constexpr std::uint64_t kFailureMax = 0xFFFF;
constexpr std::uint64_t kTimeMax = (std::uint64_t{1} << 46) - 1;

struct Word {
    Code code = Code::Closed;
    std::uint64_t failures = 0;
    std::int64_t time_ms = 0;

    static Word unpack(std::uint64_t w) {
        return Word{static_cast<Code>(w & 3), (w >> 2) & kFailureMax,
                    static_cast<std::int64_t>(w >> 18)};
    }
    std::uint64_t pack() const {
        const std::uint64_t t =
            std::min(static_cast<std::uint64_t>(std::max<std::int64_t>(time_ms, 0)), kTimeMax);
        return static_cast<std::uint64_t>(code) | (std::min(failures, kFailureMax) << 2) |
               (t << 18);
    }
};

std::int64_t ms(std::chrono::milliseconds d) {
    return static_cast<std::int64_t>(d.count());
}

}  // namespace

std::string_view to_string(BreakerState state) {
    switch (state) {
        case BreakerState::Closed:
            return "closed";
        case BreakerState::Open:
            return "open";
        case BreakerState::HalfOpen:
            return "half_open";
    }
    return "closed";
}

std::optional<std::string> check(const BreakerSettings& settings) {
    if (settings.failure_threshold < 1 ||
        static_cast<std::uint64_t>(settings.failure_threshold) > kFailureMax)
        return "the failure threshold must be between 1 and 65535";
    if (settings.cooldown.count() < 0) return "the cooldown must not be negative";
    return std::nullopt;
}

std::uint64_t breaker_key_hash(std::string_view target, DriverFamily family) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    auto feed = [&h](std::string_view s) {
        for (unsigned char c : s) {
            h ^= c;
            h *= 0x100000001b3ULL;
        }
    };
    feed(target);
    feed(std::string_view("\0", 1));
    feed(to_string(family));
    return h == 0 ? 1 : h;
}

CircuitBreaker::CircuitBreaker(const BreakerSettings& settings, BreakerStore& store,
                               std::uint64_t key_hash)
    : settings_(settings), store_(settings.enabled ? &store : nullptr), key_(key_hash) {
    settings_.failure_threshold = std::clamp<int>(settings_.failure_threshold, 1, kFailureMax);
    if (settings_.cooldown.count() < 0) settings_.cooldown = std::chrono::milliseconds(0);
}

std::uint64_t* CircuitBreaker::word() const {
    // Looked up at each use (connects, never a call that succeeds): a slot given up while this
    // target was idle, or one freed in a full table, is found again.
    return store_ ? store_->state_word(key_) : nullptr;
}

CircuitBreaker::Decision CircuitBreaker::allow(time_point now) {
    std::uint64_t* slot = word();
    if (!slot) return Decision{true, false, false, now};
    std::atomic_ref<std::uint64_t> cell(*slot);
    const std::int64_t now_ms = to_steady_ms(now);
    const std::int64_t cooldown = ms(settings_.cooldown);
    std::uint64_t current = cell.load(std::memory_order_acquire);
    for (;;) {
        const Word w = Word::unpack(current);
        if (w.code == Code::Closed) return Decision{true, false, false, now};
        // Open: the probe becomes available when the cooldown ends. Probing: another caller
        // holds the probe; it may be taken over when its lease (one cooldown) has run out.
        const std::int64_t free_at = w.time_ms + cooldown;
        if (now_ms < free_at)
            return Decision{false, false, w.code == Code::Probing, from_steady_ms(free_at)};
        const Word probing{Code::Probing, w.failures, now_ms};
        if (cell.compare_exchange_weak(current, probing.pack(), std::memory_order_acq_rel,
                                       std::memory_order_acquire))
            return Decision{true, true, false, now};
    }
}

void CircuitBreaker::record_success(time_point /*now*/) {
    std::uint64_t* slot = word();
    if (!slot) return;
    std::atomic_ref<std::uint64_t> cell(*slot);
    // A closed breaker with no failures (the usual case) is only read, never written.
    if (cell.load(std::memory_order_relaxed) == 0) return;
    cell.store(0, std::memory_order_release);
}

void CircuitBreaker::record_failure(time_point now) {
    std::uint64_t* slot = word();
    if (!slot) return;
    std::atomic_ref<std::uint64_t> cell(*slot);
    const std::int64_t now_ms = to_steady_ms(now);
    std::uint64_t current = cell.load(std::memory_order_acquire);
    for (;;) {
        const Word w = Word::unpack(current);
        Word next = w;
        next.failures = std::min(w.failures + 1, kFailureMax);
        switch (w.code) {
            case Code::Closed:
                if (next.failures >= static_cast<std::uint64_t>(settings_.failure_threshold)) {
                    next.code = Code::Open;
                    next.time_ms = now_ms;
                }
                break;
            case Code::Open:
                break;           // already open: the cooldown keeps running
            case Code::Probing:  // the probe (or a straggler) failed: open again, anew
                next.code = Code::Open;
                next.time_ms = now_ms;
                break;
        }
        if (cell.compare_exchange_weak(current, next.pack(), std::memory_order_acq_rel,
                                       std::memory_order_acquire))
            return;
    }
}

CircuitBreaker::Snapshot CircuitBreaker::snapshot(time_point now) const {
    Snapshot s;
    s.since = now;
    s.retry_at = now;
    std::uint64_t* slot = word();
    if (!slot) return s;
    const Word w =
        Word::unpack(std::atomic_ref<std::uint64_t>(*slot).load(std::memory_order_acquire));
    s.consecutive_failures = static_cast<int>(w.failures);
    if (w.code == Code::Closed) return s;
    s.since = from_steady_ms(w.time_ms);
    s.retry_at = std::max(now, from_steady_ms(w.time_ms + ms(settings_.cooldown)));
    s.probe_in_flight = w.code == Code::Probing;
    s.state = (w.code == Code::Open && to_steady_ms(now) < w.time_ms + ms(settings_.cooldown))
                  ? BreakerState::Open
                  : BreakerState::HalfOpen;
    return s;
}

BreakerState CircuitBreaker::state(time_point now) const {
    return snapshot(now).state;
}

CircuitBreaker::time_point CircuitBreaker::next_allowed(time_point now) const {
    return snapshot(now).retry_at;
}

}  // namespace odbcretry
