// SPDX-License-Identifier: Apache-2.0
// The retry budget (gRPC retry throttling): exhaustion, refill, parsing, threads.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "shim/retry/budget.h"

namespace odbcretry {
namespace {

TEST(ParseBudget, Forms) {
    auto plain = parse_budget_settings("10");
    ASSERT_TRUE(plain.ok()) << plain.error();
    EXPECT_TRUE(plain.value().enabled);
    EXPECT_EQ(plain.value().max_tokens, 10);
    EXPECT_DOUBLE_EQ(plain.value().token_ratio, 0.1);

    auto with_ratio = parse_budget_settings(" 20 : 0.5 ");
    ASSERT_TRUE(with_ratio.ok()) << with_ratio.error();
    EXPECT_EQ(with_ratio.value().max_tokens, 20);
    EXPECT_DOUBLE_EQ(with_ratio.value().token_ratio, 0.5);

    for (const char* off : {"off", "OFF", " Off ", "0"}) {
        auto r = parse_budget_settings(off);
        ASSERT_TRUE(r.ok()) << off;
        EXPECT_FALSE(r.value().enabled) << off;
    }
}

TEST(ParseBudget, ErrorsNameTheValue) {
    for (const char* bad : {"abc", "10:", "10:x", "-1", "10:0", "1:2", "10:0.1:3", "1000001", "",
                            ":0.1", "10:-1", "1.5"}) {
        auto r = parse_budget_settings(bad);
        EXPECT_FALSE(r.ok()) << bad;
        if (!r.ok()) {
            EXPECT_NE(r.error().find("\"" + std::string(bad) + "\""), std::string::npos)
                << r.error();
        }
    }
}

TEST(ParseBudget, Format) {
    EXPECT_EQ(to_string(BudgetSettings{}), "10:0.1");
    EXPECT_EQ(to_string(BudgetSettings{false, 10, 0.1}), "off");
    EXPECT_EQ(to_string(BudgetSettings{true, 100, 0.25}), "100:0.25");
}

TEST(RetryBudgetTest, ExhaustsAtHalfTheBucket) {
    RetryBudget budget(BudgetSettings{true, 10, 0.1});
    EXPECT_TRUE(budget.allows_retry());
    // 10 -> 9, 8, 7, 6: still more than 5.
    for (int i = 0; i < 4; ++i) EXPECT_TRUE(budget.record_failure()) << i;
    // 6 -> 5: not more than half.
    EXPECT_FALSE(budget.record_failure());
    EXPECT_FALSE(budget.allows_retry());
    EXPECT_DOUBLE_EQ(budget.tokens(), 5.0);
}

TEST(RetryBudgetTest, SuccessesRefillUpToTheMaximum) {
    RetryBudget budget(BudgetSettings{true, 10, 0.1});
    for (int i = 0; i < 5; ++i) budget.record_failure();
    budget.record_success();  // 5.1
    EXPECT_TRUE(budget.allows_retry());
    EXPECT_DOUBLE_EQ(budget.tokens(), 5.1);
    EXPECT_FALSE(budget.record_failure());  // 4.1
    for (int i = 0; i < 1000; ++i) budget.record_success();
    EXPECT_DOUBLE_EQ(budget.tokens(), 10.0);
}

TEST(RetryBudgetTest, NeverBelowZero) {
    RetryBudget budget(BudgetSettings{true, 3, 1.0});
    EXPECT_TRUE(budget.record_failure());  // 3 -> 2, more than 1.5
    for (int i = 0; i < 20; ++i) EXPECT_FALSE(budget.record_failure());
    EXPECT_DOUBLE_EQ(budget.tokens(), 0.0);
    budget.record_success();
    budget.record_success();
    EXPECT_TRUE(budget.allows_retry());  // 2 > 1.5
}

TEST(RetryBudgetTest, DisabledAlwaysAllows) {
    RetryBudget budget(BudgetSettings{false, 10, 0.1});
    EXPECT_FALSE(budget.enabled());
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(budget.record_failure());
    EXPECT_TRUE(budget.allows_retry());
}

TEST(RetryBudgetTest, ExactUnderConcurrentThreads) {
    RetryBudget budget(BudgetSettings{true, 100000, 1.0});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&budget] {
            for (int i = 0; i < 5000; ++i) budget.record_failure();
            for (int i = 0; i < 1000; ++i) budget.record_success();
        });
    for (auto& t : threads) t.join();
    EXPECT_DOUBLE_EQ(budget.tokens(), 100000.0 - 20000.0 + 4000.0);
}

}  // namespace
}  // namespace odbcretry
