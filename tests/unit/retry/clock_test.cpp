// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "shim/retry/clock.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;

TEST(ManualClockTest, MovesOnlyWhenTold) {
    ManualClock clock;
    const auto start = clock.now();
    EXPECT_EQ(clock.now(), start);
    clock.advance(250ms);
    EXPECT_EQ(clock.now() - start, 250ms);
    clock.set(start);
    EXPECT_EQ(clock.now(), start);
}

TEST(ManualSleeperTest, AdvancesTheClockAndRecords) {
    ManualClock clock;
    ManualSleeper sleeper(clock);
    const auto start = clock.now();
    EXPECT_TRUE(sleeper.sleep_for(100ms, nullptr));
    std::atomic<bool> cancel{false};
    EXPECT_TRUE(sleeper.sleep_for(50ms, &cancel));
    EXPECT_EQ(clock.now() - start, 150ms);
    cancel = true;
    EXPECT_FALSE(sleeper.sleep_for(1000ms, &cancel));
    EXPECT_EQ(clock.now() - start, 150ms);
    EXPECT_EQ(sleeper.requests(), (std::vector<std::chrono::milliseconds>{100ms, 50ms, 1000ms}));
}

TEST(RealSleeperTest, ReturnsAtOnceWhenCancelledOrNothingToWait) {
    std::atomic<bool> cancel{true};
    const auto before = std::chrono::steady_clock::now();
    EXPECT_FALSE(real_sleeper().sleep_for(std::chrono::hours(1), &cancel));
    EXPECT_TRUE(real_sleeper().sleep_for(0ms, nullptr));
    EXPECT_LT(std::chrono::steady_clock::now() - before, 5s);
}

TEST(SteadyMillis, RoundTrip) {
    EXPECT_EQ(to_steady_ms(from_steady_ms(123456)), 123456);
    EXPECT_EQ(to_steady_ms(std::chrono::steady_clock::time_point(-5ms)), 0);
    EXPECT_GT(to_steady_ms(steady_clock_instance().now()), 0);
}

}  // namespace
}  // namespace odbcretry
