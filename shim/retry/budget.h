// SPDX-License-Identifier: Apache-2.0
// The retry budget of one target, as gRPC's retry throttling (A6, "Throttling Retry Attempts"):
// a token bucket that starts full at max_tokens; every failed attempt of a retryable class takes
// one token, every success gives back token_ratio tokens (never above max_tokens); a retry is
// allowed only while more than max_tokens / 2 tokens remain. When a target fails for everyone,
// retries stop after a few failures instead of multiplying its load; as successes come back the
// bucket refills.
//
// Counted in thousandths of a token in one std::atomic: lock-free, shared by every thread that
// talks to the target. record_success() on a full bucket is a single relaxed load (no write), so
// the caller may report every success.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "shim/retry/parse_result.h"

namespace odbcretry {

struct BudgetSettings {
    bool enabled = true;
    int max_tokens = 10;       // 1 .. 1000000
    double token_ratio = 0.1;  // tokens given back per success: 0.001 .. max_tokens
};

// "10" (max tokens, ratio 0.1), "10:0.1" (max tokens : ratio), "off" or "0" (disabled).
// Spaces around the parts are ignored; the error names the value.
ParseResult<BudgetSettings> parse_budget_settings(std::string_view text);
std::string to_string(const BudgetSettings& settings);  // "off" or "10:0.1"

class RetryBudget {
  public:
    explicit RetryBudget(const BudgetSettings& settings = {});

    bool enabled() const { return enabled_; }
    // Takes one token for a failed attempt. Returns whether a retry is still allowed.
    bool record_failure();
    // Gives token_ratio back.
    void record_success();
    // Gives back `tokens` (up to the maximum): the budget refills with time, so that a quiet
    // target that had one bad episode is not throttled for good.
    void deposit(double tokens);
    // Whether a retry is allowed now (more than half the bucket left), without taking a token.
    bool allows_retry() const;
    // Tokens left, for stats.
    double tokens() const;

  private:
    bool enabled_;
    std::int64_t max_milli_;
    std::int64_t ratio_milli_;
    std::int64_t threshold_milli_;
    std::atomic<std::int64_t> milli_tokens_;
};

}  // namespace odbcretry
