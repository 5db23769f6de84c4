// SPDX-License-Identifier: Apache-2.0
// Time, injected: the retry pieces never read the system clock or sleep directly, so that unit
// tests run exactly and without sleeping.
//
// Clock gives the current std::chrono::steady_clock time. On Linux (libstdc++) that is
// CLOCK_MONOTONIC, which counts from boot and is the same for every process on the host: the
// shared circuit breaker stores these times in shared memory.
//
// Sleeper waits out a backoff delay and is interruptible: SQLCancel from another thread sets the
// call's cancel flag and the wait ends within 50 ms. Never wait while holding a connection lock.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace odbcretry {

struct Clock {
    virtual ~Clock() = default;
    virtual std::chrono::steady_clock::time_point now() = 0;
};

// The real clock. Stateless: one instance may be shared by all threads.
class SteadyClock final : public Clock {
  public:
    std::chrono::steady_clock::time_point now() override {
        return std::chrono::steady_clock::now();
    }
};
// The process-wide SteadyClock.
Clock& steady_clock_instance();

// A clock that moves only when told to. Thread-safe (the time is one atomic).
class ManualClock final : public Clock {
  public:
    explicit ManualClock(std::chrono::steady_clock::time_point start =
                             std::chrono::steady_clock::time_point(std::chrono::hours(1)))
        : ns_(start.time_since_epoch().count()) {}
    std::chrono::steady_clock::time_point now() override {
        return std::chrono::steady_clock::time_point(
            std::chrono::steady_clock::duration(ns_.load(std::memory_order_acquire)));
    }
    void advance(std::chrono::steady_clock::duration d) {
        ns_.fetch_add(d.count(), std::memory_order_acq_rel);
    }
    void set(std::chrono::steady_clock::time_point t) {
        ns_.store(t.time_since_epoch().count(), std::memory_order_release);
    }

  private:
    std::atomic<std::chrono::steady_clock::rep> ns_;
};

struct Sleeper {
    virtual ~Sleeper() = default;
    // Waits for `duration`. Returns false, early, when `*cancel` is or becomes true (a null
    // `cancel` never cancels); true when the whole duration has passed.
    virtual bool sleep_for(std::chrono::milliseconds duration, const std::atomic<bool>* cancel) = 0;
};

// Sleeps for real, in slices of at most 50 ms, checking the cancel flag before each slice.
// Stateless: one instance may be shared by all threads.
class RealSleeper final : public Sleeper {
  public:
    static constexpr std::chrono::milliseconds kPollInterval{50};
    bool sleep_for(std::chrono::milliseconds duration, const std::atomic<bool>* cancel) override;
};
// The process-wide RealSleeper.
Sleeper& real_sleeper();

// For tests: advances a ManualClock instead of sleeping and records every request. A set
// cancel flag returns false without advancing. Thread-safe.
class ManualSleeper final : public Sleeper {
  public:
    explicit ManualSleeper(ManualClock& clock) : clock_(&clock) {}
    bool sleep_for(std::chrono::milliseconds duration, const std::atomic<bool>* cancel) override {
        std::lock_guard lock(mutex_);
        requests_.push_back(duration);
        if (cancel && cancel->load(std::memory_order_acquire)) return false;
        clock_->advance(duration);
        return true;
    }
    std::vector<std::chrono::milliseconds> requests() const {
        std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    ManualClock* clock_;
    mutable std::mutex mutex_;
    std::vector<std::chrono::milliseconds> requests_;
};

// Milliseconds since the steady clock's epoch (boot, on Linux), never negative.
std::int64_t to_steady_ms(std::chrono::steady_clock::time_point t);
std::chrono::steady_clock::time_point from_steady_ms(std::int64_t ms);

}  // namespace odbcretry
