// SPDX-License-Identifier: Apache-2.0
// The circuit breaker of one target: stop hammering a server that is down.
//
//   closed     attempts go through; `failure_threshold` consecutive failures open it
//   open       attempts are refused until `cooldown` has passed since it opened
//   half-open  after the cooldown exactly one attempt, the probe, is let through; its success
//              closes the breaker, its failure opens it again (the cooldown restarts)
//
// The probe holds a lease of `cooldown`: when a prober dies (or forgets to report), the next
// caller after the lease takes over the probe, so nobody is blocked forever.
//
// Any success closes the breaker (an attempt that started before it opened and then succeeded
// proves the server is up). What counts as a failure is the caller's choice; the retry policy
// reports only failures that say the server is unreachable (see policy.h).
//
// All state is one 64-bit word in a BreakerStore, changed by compare-and-swap: lock-free, shared
// by threads and, with SharedBreakerStore, by processes. Each process applies its own settings
// to the shared state. Word layout: bits 0-1 state (0 closed, 1 open, 2 probe in flight),
// bits 2-17 consecutive failures (saturating), bits 18-63 a steady_clock time in milliseconds
// (open: when it opened; probe in flight: when the probe started).
//
// Time is passed in (`now`, from an injected Clock). A CircuitBreaker may be used by any thread.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shim/shared/breaker_store.h"
#include "shim/retry/classifier.h"

namespace odbcretry {

enum class BreakerState : std::uint8_t { Closed, Open, HalfOpen };
std::string_view to_string(BreakerState state);  // "closed", "open", "half_open"

struct BreakerSettings {
    bool enabled = true;
    int failure_threshold = 10;  // consecutive failures that open it, 1 .. 65535
    std::chrono::milliseconds cooldown{5000};
};

// nullopt when usable, else why not.
std::optional<std::string> check(const BreakerSettings& settings);

// The key of a target in a BreakerStore: FNV-1a 64 of "<target>" NUL "<family>", where target is
// what identifies the server, e.g. "db.example.com:5432/sales" (never credentials). Never 0.
std::uint64_t breaker_key_hash(std::string_view target, DriverFamily family);

class CircuitBreaker {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    struct Decision {
        bool allowed = true;
        bool is_probe = false;         // this attempt is the half-open probe: report how it went
        bool probe_in_flight = false;  // refused because another caller holds the probe
        // When refused: when an attempt may be let through (the end of the cooldown, or of the
        // other probe's lease). When allowed: now.
        time_point retry_at;
    };
    struct Snapshot {
        BreakerState state = BreakerState::Closed;
        bool probe_in_flight = false;
        int consecutive_failures = 0;
        time_point since;     // open: when it opened; probe in flight: when the probe started
        time_point retry_at;  // the earliest time allow() may let an attempt through
    };

    // Uses the state word of `key_hash` in `store` (which must outlive the breaker). Inactive
    // (lets everything through) when disabled or when the store has no free slot.
    CircuitBreaker(const BreakerSettings& settings, BreakerStore& store, std::uint64_t key_hash);

    // Asks to make an attempt now. A granted probe must be followed by record_success or
    // record_failure.
    Decision allow(time_point now);
    void record_success(time_point now);
    void record_failure(time_point now);

    BreakerState state(time_point now) const;
    // The earliest time allow() may let an attempt through (now when it would now); no change.
    time_point next_allowed(time_point now) const;
    Snapshot snapshot(time_point now) const;
    // Whether it has a state word now (false: disabled, or the store is full).
    bool active() const { return word() != nullptr; }
    const BreakerSettings& settings() const { return settings_; }

  private:
    std::uint64_t* word() const;
    BreakerSettings settings_;
    BreakerStore* store_;  // null when disabled
    std::uint64_t key_;
};

}  // namespace odbcretry
