// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/budget.h"
#include "shim/ascii.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace odbcretry {
namespace {

bool is_off(std::string_view s) {
    if (s.size() != 3) return false;
    return (s[0] == 'o' || s[0] == 'O') && (s[1] == 'f' || s[1] == 'F') &&
           (s[2] == 'f' || s[2] == 'F');
}

constexpr int kMaxTokensLimit = 1000000;

}  // namespace

ParseResult<BudgetSettings> parse_budget_settings(std::string_view text) {
    std::string shown =
        "\"";  // built with += : GCC 12's -Wrestrict misfires on "\"" + s + "\"" at -O3
    shown += text;
    shown += '"';
    auto fail = [&](std::string why) {
        return ParseResult<BudgetSettings>::failure("bad retry budget " + shown + ": " + why);
    };
    std::string_view value = trim_blanks(text);
    BudgetSettings settings;
    if (is_off(value) || value == "0") {
        settings.enabled = false;
        return ParseResult<BudgetSettings>::success(settings);
    }
    std::string_view tokens_part = value;
    std::size_t colon = value.find(':');
    if (colon != std::string_view::npos) {
        tokens_part = trim_blanks(value.substr(0, colon));
        std::string_view ratio_part = trim_blanks(value.substr(colon + 1));
        double ratio = 0;
        auto [end, ec] = std::from_chars(ratio_part.data(), ratio_part.data() + ratio_part.size(),
                                         ratio, std::chars_format::fixed);
        if (ratio_part.empty() || ec != std::errc() || end != ratio_part.data() + ratio_part.size())
            return fail("the token ratio must be a decimal number");
        if (!(ratio >= 0.001)) return fail("the token ratio must be at least 0.001");
        settings.token_ratio = ratio;
    }
    int tokens = 0;
    auto [end, ec] =
        std::from_chars(tokens_part.data(), tokens_part.data() + tokens_part.size(), tokens);
    if (tokens_part.empty() || ec != std::errc() || end != tokens_part.data() + tokens_part.size())
        return fail("expected off, MAX_TOKENS or MAX_TOKENS:RATIO");
    if (tokens < 1 || tokens > kMaxTokensLimit)
        return fail(
            "the maximum number of tokens must be between 1 and 1000000 (0 or off disables)");
    if (settings.token_ratio > tokens)
        return fail("the token ratio must not exceed the maximum number of tokens");
    settings.max_tokens = tokens;
    return ParseResult<BudgetSettings>::success(settings);
}

std::string to_string(const BudgetSettings& settings) {
    if (!settings.enabled) return "off";
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%g", settings.token_ratio);
    return std::to_string(settings.max_tokens) + ":" + ratio;
}

RetryBudget::RetryBudget(const BudgetSettings& settings)
    : enabled_(settings.enabled && settings.max_tokens > 0),
      max_milli_(std::int64_t{std::max(settings.max_tokens, 0)} * 1000),
      ratio_milli_(std::max<std::int64_t>(1, std::llround(settings.token_ratio * 1000.0))),
      threshold_milli_(max_milli_ / 2),
      milli_tokens_(max_milli_) {}

bool RetryBudget::record_failure() {
    if (!enabled_) return true;
    std::int64_t current = milli_tokens_.load(std::memory_order_relaxed);
    std::int64_t next;
    do {
        next = std::max<std::int64_t>(0, current - 1000);
    } while (!milli_tokens_.compare_exchange_weak(current, next, std::memory_order_relaxed));
    return next > threshold_milli_;
}

void RetryBudget::record_success() {
    if (!enabled_) return;
    std::int64_t current = milli_tokens_.load(std::memory_order_relaxed);
    while (current < max_milli_) {
        std::int64_t next = std::min(max_milli_, current + ratio_milli_);
        if (milli_tokens_.compare_exchange_weak(current, next, std::memory_order_relaxed)) return;
    }
}

void RetryBudget::deposit(double tokens) {
    if (!enabled_ || tokens <= 0) return;
    auto add = static_cast<std::int64_t>(tokens * 1000.0);
    std::int64_t current = milli_tokens_.load(std::memory_order_relaxed);
    while (current < max_milli_) {
        std::int64_t next = std::min(max_milli_, current + add);
        if (milli_tokens_.compare_exchange_weak(current, next, std::memory_order_relaxed)) return;
    }
}

bool RetryBudget::allows_retry() const {
    return !enabled_ || milli_tokens_.load(std::memory_order_relaxed) > threshold_milli_;
}

double RetryBudget::tokens() const {
    return static_cast<double>(milli_tokens_.load(std::memory_order_relaxed)) / 1000.0;
}

}  // namespace odbcretry
