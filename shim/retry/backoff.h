// SPDX-License-Identifier: Apache-2.0
// How long to wait before the next attempt: a growth curve (exponential, linear, fixed) capped at
// `max`, spread by jitter so that many clients do not retry in step.
//
// With n = number of delays handed out since reset() (0 for the first retry) and u from Random
// (in [0, 1)), the un-jittered delay is
//
//   Exponential  min(max, base * multiplier^n)
//   Linear       min(max, base * (n + 1))
//   Fixed        min(max, base)
//
// and the delay returned is (as in the AWS Architecture Blog, "Exponential Backoff And Jitter")
//
//   None          d
//   Full          u * d                      (random between 0 and d)
//   Equal         d/2 + u * d/2
//   Decorrelated  min(max, base + u * (prev * 3 - base)), prev = the previous delay (base at
//                 first): random between base and three times the previous delay. The kind and
//                 multiplier play no part here.
//
// in whole milliseconds, rounded down. One Backoff belongs to one call (one thread); the Random
// it uses may be shared if it is thread-safe (DefaultRandom is).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "shim/retry/random.h"

namespace odbcretry {

enum class BackoffKind : unsigned char { Exponential, Linear, Fixed };
enum class Jitter : unsigned char { None, Full, Equal, Decorrelated };

std::string_view to_string(BackoffKind kind);  // "exponential", "linear", "fixed"
std::string_view to_string(Jitter jitter);     // "none", "full", "equal", "decorrelated"
std::optional<BackoffKind> parse_backoff_kind(std::string_view text);  // case-insensitive
std::optional<Jitter> parse_jitter(std::string_view text);             // case-insensitive

struct BackoffSettings {
    std::chrono::milliseconds base{200};
    std::chrono::milliseconds max{5000};  // the cap: no delay is longer
    double multiplier = 2.0;              // Exponential only
    BackoffKind kind = BackoffKind::Exponential;
    Jitter jitter = Jitter::Full;
};

// nullopt when the settings are usable, else why not: base and max must not be negative, the
// multiplier must be a finite number >= 1, decorrelated jitter needs base > 0 (it grows from it).
std::optional<std::string> check(const BackoffSettings& settings);

class Backoff {
  public:
    Backoff(const BackoffSettings& settings, Random& random);

    // The delay before the next attempt; advances the curve.
    std::chrono::milliseconds next();
    // Back to the first delay.
    void reset();
    // Delays handed out since construction or reset() (stops counting at 1000).
    int count() const { return count_; }

  private:
    double curve_ms() const;  // the un-jittered delay for count_

    BackoffSettings settings_;
    Random* random_;
    int count_ = 0;
    double previous_ms_;  // Decorrelated: the previous delay
};

}  // namespace odbcretry
