// SPDX-License-Identifier: Apache-2.0
// Circuit breaker transitions, the probe and its lease, with times passed in.
#include <gtest/gtest.h>

#include "shim/retry/circuit_breaker.h"
#include "shim/retry/clock.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;
using time_point = CircuitBreaker::time_point;

struct BreakerTest : ::testing::Test {
    InProcessBreakerStore store;
    BreakerSettings settings{true, 3, 1000ms};
    time_point t0 = from_steady_ms(5'000'000);
    CircuitBreaker breaker{settings, store,
                           breaker_key_hash("db:5432/app", DriverFamily::Postgres)};

    void trip(time_point at) {
        for (int i = 0; i < settings.failure_threshold; ++i) breaker.record_failure(at);
    }
};

TEST_F(BreakerTest, ClosedUntilTheThresholdOfConsecutiveFailures) {
    EXPECT_TRUE(breaker.active());
    EXPECT_EQ(breaker.state(t0), BreakerState::Closed);
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    EXPECT_EQ(breaker.state(t0), BreakerState::Closed);
    auto d = breaker.allow(t0);
    EXPECT_TRUE(d.allowed);
    EXPECT_FALSE(d.is_probe);
    EXPECT_EQ(d.retry_at, t0);
    EXPECT_EQ(breaker.snapshot(t0).consecutive_failures, 2);
    breaker.record_failure(t0 + 10ms);
    EXPECT_EQ(breaker.state(t0 + 10ms), BreakerState::Open);
}

TEST_F(BreakerTest, SuccessResetsTheCount) {
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    breaker.record_success(t0);
    EXPECT_EQ(breaker.snapshot(t0).consecutive_failures, 0);
    breaker.record_failure(t0);
    breaker.record_failure(t0);
    EXPECT_EQ(breaker.state(t0), BreakerState::Closed);
}

TEST_F(BreakerTest, OpenRefusesUntilTheCooldownEnds) {
    trip(t0);
    auto d = breaker.allow(t0 + 999ms);
    EXPECT_FALSE(d.allowed);
    EXPECT_FALSE(d.probe_in_flight);
    EXPECT_EQ(d.retry_at, t0 + 1000ms);
    EXPECT_EQ(breaker.next_allowed(t0 + 500ms), t0 + 1000ms);
    auto s = breaker.snapshot(t0 + 500ms);
    EXPECT_EQ(s.state, BreakerState::Open);
    EXPECT_EQ(s.since, t0);
    EXPECT_EQ(s.consecutive_failures, 3);
    // Failures while open do not push the cooldown back.
    breaker.record_failure(t0 + 500ms);
    EXPECT_EQ(breaker.next_allowed(t0 + 600ms), t0 + 1000ms);
}

TEST_F(BreakerTest, HalfOpenLetsExactlyOneProbeThrough) {
    trip(t0);
    EXPECT_EQ(breaker.state(t0 + 1000ms), BreakerState::HalfOpen);
    EXPECT_EQ(breaker.next_allowed(t0 + 1000ms), t0 + 1000ms);
    auto probe = breaker.allow(t0 + 1000ms);
    EXPECT_TRUE(probe.allowed);
    EXPECT_TRUE(probe.is_probe);
    auto other = breaker.allow(t0 + 1001ms);
    EXPECT_FALSE(other.allowed);
    EXPECT_TRUE(other.probe_in_flight);
    EXPECT_EQ(other.retry_at, t0 + 2000ms);  // the probe's lease
    auto s = breaker.snapshot(t0 + 1001ms);
    EXPECT_EQ(s.state, BreakerState::HalfOpen);
    EXPECT_TRUE(s.probe_in_flight);
    EXPECT_EQ(s.since, t0 + 1000ms);
}

TEST_F(BreakerTest, ProbeSuccessCloses) {
    trip(t0);
    ASSERT_TRUE(breaker.allow(t0 + 1000ms).is_probe);
    breaker.record_success(t0 + 1100ms);
    EXPECT_EQ(breaker.state(t0 + 1100ms), BreakerState::Closed);
    EXPECT_EQ(breaker.snapshot(t0 + 1100ms).consecutive_failures, 0);
    auto d = breaker.allow(t0 + 1100ms);
    EXPECT_TRUE(d.allowed);
    EXPECT_FALSE(d.is_probe);
}

TEST_F(BreakerTest, ProbeFailureOpensAgainAndRestartsTheCooldown) {
    trip(t0);
    ASSERT_TRUE(breaker.allow(t0 + 1000ms).is_probe);
    breaker.record_failure(t0 + 1200ms);
    EXPECT_EQ(breaker.state(t0 + 1200ms), BreakerState::Open);
    EXPECT_EQ(breaker.next_allowed(t0 + 1200ms), t0 + 2200ms);
    EXPECT_FALSE(breaker.allow(t0 + 2199ms).allowed);
    EXPECT_TRUE(breaker.allow(t0 + 2200ms).is_probe);
}

TEST_F(BreakerTest, AnExpiredProbeLeaseIsTakenOver) {
    trip(t0);
    ASSERT_TRUE(breaker.allow(t0 + 1000ms).is_probe);  // this prober dies without reporting
    EXPECT_FALSE(breaker.allow(t0 + 1999ms).allowed);
    auto takeover = breaker.allow(t0 + 2000ms);
    EXPECT_TRUE(takeover.allowed);
    EXPECT_TRUE(takeover.is_probe);
    EXPECT_FALSE(breaker.allow(t0 + 2001ms).allowed);  // and now the new prober holds it
    EXPECT_EQ(breaker.allow(t0 + 2001ms).retry_at, t0 + 3000ms);
}

TEST_F(BreakerTest, BreakersOnTheSameKeyShareStateOthersDoNot) {
    CircuitBreaker same(settings, store, breaker_key_hash("db:5432/app", DriverFamily::Postgres));
    CircuitBreaker other(settings, store,
                         breaker_key_hash("db:5432/other", DriverFamily::Postgres));
    trip(t0);
    EXPECT_EQ(same.state(t0), BreakerState::Open);
    EXPECT_EQ(other.state(t0), BreakerState::Closed);
    same.record_success(t0);
    EXPECT_EQ(breaker.state(t0), BreakerState::Closed);
}

TEST_F(BreakerTest, SettingsAreAppliedPerProcess) {
    CircuitBreaker longer(BreakerSettings{true, 3, 5000ms}, store,
                          breaker_key_hash("db:5432/app", DriverFamily::Postgres));
    trip(t0);
    EXPECT_EQ(breaker.state(t0 + 1000ms), BreakerState::HalfOpen);
    EXPECT_EQ(longer.state(t0 + 1000ms), BreakerState::Open);
}

TEST(Breaker, DisabledOrWithoutASlotLetsEverythingThrough) {
    InProcessBreakerStore store(1);
    const time_point t = from_steady_ms(1000);
    CircuitBreaker disabled(BreakerSettings{false, 1, 1000ms}, store, 42);
    EXPECT_FALSE(disabled.active());
    disabled.record_failure(t);
    EXPECT_TRUE(disabled.allow(t).allowed);
    EXPECT_EQ(disabled.state(t), BreakerState::Closed);

    CircuitBreaker first(BreakerSettings{true, 1, 1000ms}, store, 1);
    CircuitBreaker second(BreakerSettings{true, 1, 1000ms}, store, 2);  // the table is full
    EXPECT_TRUE(first.active());
    EXPECT_FALSE(second.active());
    second.record_failure(t);
    EXPECT_TRUE(second.allow(t).allowed);
    first.record_failure(t);
    EXPECT_FALSE(first.allow(t).allowed);
}

TEST(Breaker, ZeroCooldownProbesAtOnce) {
    InProcessBreakerStore store;
    const time_point t = from_steady_ms(1000);
    CircuitBreaker b(BreakerSettings{true, 1, 0ms}, store, 7);
    b.record_failure(t);
    EXPECT_TRUE(b.allow(t).is_probe);
}

TEST(Breaker, SettingsCheck) {
    EXPECT_FALSE(check(BreakerSettings{}));
    EXPECT_TRUE(check(BreakerSettings{true, 0, 1000ms}));
    EXPECT_TRUE(check(BreakerSettings{true, 70000, 1000ms}));
    EXPECT_TRUE(check(BreakerSettings{true, 5, -1ms}));
}

TEST(Breaker, KeyHash) {
    const auto a = breaker_key_hash("db:5432/app", DriverFamily::Postgres);
    EXPECT_EQ(a, breaker_key_hash("db:5432/app", DriverFamily::Postgres));
    EXPECT_NE(a, breaker_key_hash("db:5432/app", DriverFamily::MySql));
    EXPECT_NE(a, breaker_key_hash("db:5433/app", DriverFamily::Postgres));
    EXPECT_NE(breaker_key_hash("", DriverFamily::Generic), 0u);
}

TEST(Breaker, StateNames) {
    EXPECT_EQ(to_string(BreakerState::Closed), "closed");
    EXPECT_EQ(to_string(BreakerState::Open), "open");
    EXPECT_EQ(to_string(BreakerState::HalfOpen), "half_open");
}

}  // namespace
}  // namespace odbcretry
