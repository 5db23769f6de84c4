// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/backoff.h"
#include "shim/ascii.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace odbcretry {
namespace {

double to_ms(std::chrono::milliseconds d) {
    return static_cast<double>(d.count());
}

// The curve stops growing long before this; keeps the exponent (and count_) bounded.
constexpr int kMaxExponent = 1000;

}  // namespace

std::string_view to_string(BackoffKind kind) {
    switch (kind) {
        case BackoffKind::Exponential:
            return "exponential";
        case BackoffKind::Linear:
            return "linear";
        case BackoffKind::Fixed:
            return "fixed";
    }
    return "exponential";
}

std::string_view to_string(Jitter jitter) {
    switch (jitter) {
        case Jitter::None:
            return "none";
        case Jitter::Full:
            return "full";
        case Jitter::Equal:
            return "equal";
        case Jitter::Decorrelated:
            return "decorrelated";
    }
    return "full";
}

std::optional<BackoffKind> parse_backoff_kind(std::string_view text) {
    for (BackoffKind k : {BackoffKind::Exponential, BackoffKind::Linear, BackoffKind::Fixed})
        if (iequals(text, to_string(k))) return k;
    return std::nullopt;
}

std::optional<Jitter> parse_jitter(std::string_view text) {
    for (Jitter j : {Jitter::None, Jitter::Full, Jitter::Equal, Jitter::Decorrelated})
        if (iequals(text, to_string(j))) return j;
    return std::nullopt;
}

std::optional<std::string> check(const BackoffSettings& s) {
    if (s.base.count() < 0) return "the base delay must not be negative";
    if (s.max.count() < 0) return "the maximum delay must not be negative";
    if (!std::isfinite(s.multiplier) || s.multiplier < 1.0)
        return "the multiplier must be a number of at least 1";
    if (s.jitter == Jitter::Decorrelated && s.base.count() == 0)
        return "decorrelated jitter needs a base delay above 0";
    return std::nullopt;
}

Backoff::Backoff(const BackoffSettings& settings, Random& random)
    : settings_(settings), random_(&random), previous_ms_(to_ms(settings.base)) {}

void Backoff::reset() {
    count_ = 0;
    previous_ms_ = to_ms(settings_.base);
}

double Backoff::curve_ms() const {
    const double base = to_ms(settings_.base);
    double d = base;
    switch (settings_.kind) {
        case BackoffKind::Exponential:
            d = base * std::pow(settings_.multiplier, std::min(count_, kMaxExponent));
            break;
        case BackoffKind::Linear:
            d = base * (static_cast<double>(count_) + 1.0);
            break;
        case BackoffKind::Fixed:
            d = base;
            break;
    }
    return std::min(d, to_ms(settings_.max));  // also turns an overflowed inf into the cap
}

std::chrono::milliseconds Backoff::next() {
    const double cap = to_ms(settings_.max);
    double d = 0;
    if (settings_.jitter == Jitter::Decorrelated) {
        const double base = to_ms(settings_.base);
        const double high = std::max(base, previous_ms_ * 3.0);
        d = std::min(cap, base + random_->uniform01() * (high - base));
        previous_ms_ = d;
    } else {
        const double curve = curve_ms();
        switch (settings_.jitter) {
            case Jitter::None:
                d = curve;
                break;
            case Jitter::Full:
                d = random_->uniform01() * curve;
                break;
            case Jitter::Equal:
                d = curve / 2.0 + random_->uniform01() * curve / 2.0;
                break;
            case Jitter::Decorrelated:
                break;  // handled above
        }
    }
    if (count_ < kMaxExponent) ++count_;
    d = std::max(0.0, std::min(d, cap));
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::floor(d)));
}

}  // namespace odbcretry
