// SPDX-License-Identifier: Apache-2.0
// Every backoff curve and jitter, exactly, with a scripted random source.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "shim/retry/backoff.h"

namespace odbcretry {
namespace {

using std::chrono::milliseconds;

std::vector<long> take(Backoff& b, int n) {
    std::vector<long> out;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<long>(b.next().count()));
    return out;
}

BackoffSettings settings(BackoffKind kind, Jitter jitter, long base = 100, long max = 1000,
                         double multiplier = 2.0) {
    BackoffSettings s;
    s.base = milliseconds(base);
    s.max = milliseconds(max);
    s.multiplier = multiplier;
    s.kind = kind;
    s.jitter = jitter;
    return s;
}

TEST(Backoff, ExponentialWithoutJitterIsCapped) {
    ScriptedRandom random({});
    Backoff b(settings(BackoffKind::Exponential, Jitter::None), random);
    EXPECT_EQ(take(b, 6), (std::vector<long>{100, 200, 400, 800, 1000, 1000}));
    EXPECT_EQ(random.calls(), 0u);  // no jitter, no random numbers
    EXPECT_EQ(b.count(), 6);
    b.reset();
    EXPECT_EQ(b.count(), 0);
    EXPECT_EQ(take(b, 2), (std::vector<long>{100, 200}));
}

TEST(Backoff, ExponentialMultiplierRoundsDown) {
    ScriptedRandom random({});
    Backoff b(settings(BackoffKind::Exponential, Jitter::None, 100, 10000, 1.5), random);
    EXPECT_EQ(take(b, 4), (std::vector<long>{100, 150, 225, 337}));
}

TEST(Backoff, LinearAndFixed) {
    ScriptedRandom random({});
    Backoff linear(settings(BackoffKind::Linear, Jitter::None, 100, 350), random);
    EXPECT_EQ(take(linear, 5), (std::vector<long>{100, 200, 300, 350, 350}));
    Backoff fixed(settings(BackoffKind::Fixed, Jitter::None, 100, 1000), random);
    EXPECT_EQ(take(fixed, 3), (std::vector<long>{100, 100, 100}));
    Backoff capped(settings(BackoffKind::Fixed, Jitter::None, 500, 300), random);
    EXPECT_EQ(take(capped, 2), (std::vector<long>{300, 300}));  // the cap wins over the base
}

TEST(Backoff, FullJitterIsBetweenZeroAndTheCurve) {
    ScriptedRandom random({0.5, 0.25, 0.0, 0.5, 0.5});
    Backoff b(settings(BackoffKind::Exponential, Jitter::Full), random);
    // curve 100, 200, 400, 800, 1000
    EXPECT_EQ(take(b, 5), (std::vector<long>{50, 50, 0, 400, 500}));
    EXPECT_EQ(random.calls(), 5u);
}

TEST(Backoff, EqualJitterKeepsHalfTheCurve) {
    ScriptedRandom random({0.5, 0.0, 0.75});
    Backoff b(settings(BackoffKind::Exponential, Jitter::Equal), random);
    // curve 100, 200, 400: 50 + 25, 100 + 0, 200 + 150
    EXPECT_EQ(take(b, 3), (std::vector<long>{75, 100, 350}));
}

TEST(Backoff, JitterAppliesToLinearToo) {
    ScriptedRandom random({0.5});
    Backoff b(settings(BackoffKind::Linear, Jitter::Full), random);
    EXPECT_EQ(take(b, 3), (std::vector<long>{50, 100, 150}));
}

TEST(Backoff, DecorrelatedJitterFollowsTheAwsFormula) {
    // sleep = min(cap, random_between(base, prev * 3)), prev starts at base.
    ScriptedRandom random({0.5, 0.5, 0.75, 0.5, 0.0});
    Backoff b(settings(BackoffKind::Exponential, Jitter::Decorrelated, 100, 1000), random);
    // 100 + 0.5 * (300 - 100) = 200
    // 100 + 0.5 * (600 - 100) = 350
    // 100 + 0.75 * (1050 - 100) = 812.5 -> 812
    // 100 + 0.5 * (2437.5 - 100) = 1268.75 -> cap 1000
    // 100 + 0 * (3000 - 100) = 100
    EXPECT_EQ(take(b, 5), (std::vector<long>{200, 350, 812, 1000, 100}));
    b.reset();
    ScriptedRandom again({0.5});
    Backoff c(settings(BackoffKind::Fixed, Jitter::Decorrelated, 100, 1000), again);
    EXPECT_EQ(take(c, 1), (std::vector<long>{200}));  // the kind plays no part
}

TEST(Backoff, ResetRestartsDecorrelatedFromBase) {
    ScriptedRandom random({0.5});
    Backoff b(settings(BackoffKind::Exponential, Jitter::Decorrelated, 100, 100000), random);
    EXPECT_EQ(take(b, 2), (std::vector<long>{200, 350}));
    b.reset();
    EXPECT_EQ(take(b, 1), (std::vector<long>{200}));
}

TEST(Backoff, ManyCallsStayAtTheCap) {
    ScriptedRandom random({});
    Backoff b(settings(BackoffKind::Exponential, Jitter::None, 1, 60000, 10.0), random);
    milliseconds last{};
    for (int i = 0; i < 5000; ++i) last = b.next();
    EXPECT_EQ(last, milliseconds(60000));
    EXPECT_EQ(b.count(), 1000);
}

TEST(Backoff, ZeroBaseGivesZero) {
    ScriptedRandom random({0.5});
    Backoff b(settings(BackoffKind::Exponential, Jitter::Full, 0, 1000), random);
    EXPECT_EQ(take(b, 3), (std::vector<long>{0, 0, 0}));
}

TEST(BackoffSettingsCheck, RejectsUnusableSettings) {
    EXPECT_FALSE(check(BackoffSettings{}));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::None, -1, 10)));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::None, 1, -10)));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::None, 1, 10, 0.5)));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::None, 1, 10,
                               std::numeric_limits<double>::quiet_NaN())));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::None, 1, 10,
                               std::numeric_limits<double>::infinity())));
    EXPECT_TRUE(check(settings(BackoffKind::Exponential, Jitter::Decorrelated, 0, 10)));
    EXPECT_FALSE(check(settings(BackoffKind::Fixed, Jitter::Full, 0, 10, 1.0)));
}

TEST(BackoffNames, ParseAndFormat) {
    for (BackoffKind k : {BackoffKind::Exponential, BackoffKind::Linear, BackoffKind::Fixed})
        EXPECT_EQ(parse_backoff_kind(to_string(k)), k);
    for (Jitter j : {Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated})
        EXPECT_EQ(parse_jitter(to_string(j)), j);
    EXPECT_EQ(parse_backoff_kind("Exponential"), BackoffKind::Exponential);
    EXPECT_EQ(parse_jitter("FULL"), Jitter::Full);
    EXPECT_EQ(parse_backoff_kind("quadratic"), std::nullopt);
    EXPECT_EQ(parse_jitter(""), std::nullopt);
}

TEST(DefaultRandomTest, StaysInTheHalfOpenUnitInterval) {
    Random& random = default_random();
    for (int i = 0; i < 10000; ++i) {
        double u = random.uniform01();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
    }
}

TEST(ScriptedRandomTest, RepeatsTheLastValue) {
    ScriptedRandom random({0.1, 0.2});
    EXPECT_EQ(random.uniform01(), 0.1);
    EXPECT_EQ(random.uniform01(), 0.2);
    EXPECT_EQ(random.uniform01(), 0.2);
    EXPECT_EQ(random.calls(), 3u);
    ScriptedRandom empty({});
    EXPECT_EQ(empty.uniform01(), 0.0);
}

}  // namespace
}  // namespace odbcretry
