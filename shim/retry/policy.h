// SPDX-License-Identifier: Apache-2.0
// The retry decision for ONE call (a connect, a statement, a commit): whether to try again and
// after how long. Ties together the pieces that stay separate (as in Envoy and gRPC): the error
// class (classifier.h), the delay curve (backoff.h), the per-target budget (budget.h) and the
// per-target circuit breaker (circuit_breaker.h). Time and randomness are injected; the caller
// waits (with a Sleeper, holding no lock) and makes the attempts.
//
// The loop that asks it, written once in run_retry_loop (loop.h), which connect retry and
// statement retry both run (`cancel` is the call's cancel flag, set by SQLCancel):
//
// clang-format off
//     RetryState state(settings, clock, random, app_timeout, &budget, &breaker, &cancel);
//     for (;;) {
//         Admission a = state.admit();               // the breaker may refuse or say "wait"
//         if (a.stop()) return give_up(give_up_message(state));
//         if (!a.go) {
//             if (!sleeper.sleep_for(a.wait, &cancel)) { state.on_cancelled(); return give_up(...); }
//             continue;
//         }
//         if (attempt() succeeded) { state.on_success(); return ok; }
//         Decision d = state.on_failure(verdict.cls, phase, in_transaction);
//         if (!d.retry) return give_up(...);         // NotRetryable: return the error as it is
//         if (!sleeper.sleep_for(d.delay, &cancel)) { state.on_cancelled(); return give_up(...); }
//     }
// clang-format on
//
// Rules, in the order on_failure() applies them:
//   1. Cancelled    the cancel flag is set.
//   2. NotRetryable the class is not retried in this phase (RetrySettings::retry_on), or it is
//                   rolled_back inside a transaction (the server rolled back more than this
//                   statement: replaying the transaction is the recovery's business).
//   3. Attempts     max_attempts attempts (the first included) have been made, or the
//                   deciding rule's own cap (Rule::attempt_cap, passed as `attempt_cap`).
//   4. Budget       the target's retry budget refuses (it is charged one token for every failure
//                   that would otherwise be retried, also the one that exhausts the attempts).
//   5. Breaker      the target's breaker is open and its cooldown ends too late for the
//                   deadline. Otherwise the delay grows to the end of the cooldown, so that a
//                   retrying call does not hammer a server that is down: it rides out a restart
//                   behind the breaker's single probe. admit() applies the same test before
//                   every attempt, and before a call's first attempt also stops with Breaker
//                   when the breaker cannot let it go within breaker_wait (default 0: a new
//                   call fails fast while the circuit is open); while another caller's probe
//                   is in flight it answers "wait" in steps of probe_poll (the probe may end
//                   any moment) until the deadline, then stops with Breaker.
//   6. Deadline     one deadline covers all attempts: the smaller of RetrySettings::deadline and
//                   the application's own timeout (SQL_ATTR_LOGIN_TIMEOUT or QUERY_TIMEOUT), each
//                   0 = none, counted from the RetryState's construction. An attempt is started
//                   only if at least min_attempt_time (10 ms) remains before the deadline, so the
//                   delay is trimmed to end min_attempt_time before the deadline and never
//                   overshoots it; when even that is not possible the call stops with Deadline.
//
// Breaker accounting: a failure of class connection_lost, or transient while connecting, says
// the server is unreachable and is recorded as a breaker failure; any other outcome (success,
// rolled_back, timeout, fatal, a transient lock error of a statement) proves the server answered
// and is recorded as a success (which also ends a probe). The budget is given a token back on
// every success.
//
// A RetryState belongs to one call and one thread. The budget, breaker and clock it points to are
// shared and thread-safe; they must outlive it.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shim/retry/backoff.h"
#include "shim/retry/budget.h"
#include "shim/retry/circuit_breaker.h"
#include "shim/retry/classifier.h"
#include "shim/retry/clock.h"
#include "shim/retry/error_class.h"

namespace odbcretry {

struct RetrySettings {
    int max_attempts = 10;  // attempts in all, the first included; 1 = never retry
    BackoffSettings backoff{};
    std::chrono::milliseconds deadline{30000};       // across all attempts; 0 = none
    std::chrono::milliseconds min_attempt_time{10};  // leave at least this for an attempt
    // Longest wait of a call that has made no attempt yet for an open breaker (0 = fail fast).
    // Once a call has made an attempt it waits for the probe within its deadline.
    std::chrono::milliseconds breaker_wait{0};
    std::chrono::milliseconds probe_poll{100};  // re-ask this often while another probes
    ClassSet retry_on_connect{ErrorClass::Transient, ErrorClass::ConnectionLost};
    // Transient here is a lock the statement could not get (SQLite "database is locked"): the
    // statement did not run and may run again. rolled_back only outside a transaction.
    ClassSet retry_on_statement{ErrorClass::Transient, ErrorClass::RolledBack};
    ClassSet retry_on_commit{ErrorClass::Transient};

    const ClassSet& retry_on(Phase phase) const;
    ClassSet& retry_on(Phase phase);
};

// Why a call stopped retrying. None while it has not.
enum class StopReason : std::uint8_t {
    None,
    NotRetryable,
    Attempts,
    Deadline,
    Budget,
    Breaker,
    Cancelled
};
std::string_view to_string(StopReason reason);  // "none", "not_retryable", "attempts", ...
std::string_view describe(StopReason reason);   // a phrase for messages, see give_up_message

struct Decision {
    bool retry = false;
    std::chrono::milliseconds delay{0};  // retry: wait this long, then admit() the next attempt
    StopReason stop_reason = StopReason::None;  // !retry: why not
};

struct Admission {
    bool go = false;                    // make the attempt now
    bool is_probe = false;              // go: this attempt is the breaker's half-open probe
    std::chrono::milliseconds wait{0};  // !go and no stop: wait this long, then admit() again
    StopReason stop_reason = StopReason::None;  // !go: give up for this reason when not None
    bool stop() const { return stop_reason != StopReason::None; }
};

class RetryState {
  public:
    using time_point = std::chrono::steady_clock::time_point;

    // `app_timeout`: the application's own timeout for this call, 0 = none. `budget`, `breaker`,
    // `cancel` may be null (not used).
    RetryState(const RetrySettings& settings, Clock& clock, Random& random,
               std::chrono::milliseconds app_timeout = std::chrono::milliseconds(0),
               RetryBudget* budget = nullptr, CircuitBreaker* breaker = nullptr,
               const std::atomic<bool>* cancel = nullptr);

    // Before each attempt (the first included): may the attempt go now?
    Admission admit();
    // After a failed attempt. `attempt_cap` > 0: the deciding rule allows at most that many
    // attempts in all (the first included), whatever max_attempts says.
    Decision on_failure(ErrorClass cls, Phase phase, bool in_transaction = false,
                        int attempt_cap = 0);
    // After a successful attempt.
    void on_success();
    // The caller's wait was cancelled (Sleeper::sleep_for returned false).
    Decision on_cancelled();
    // The server's state changed during the wait (its port listens again after refusing): the
    // next delay is the first one of the curve again, not one grown while the server was down.
    void restart_backoff() { backoff_.reset(); }

    int attempts() const { return attempts_; }  // attempts reported (failures and success)
    std::chrono::milliseconds elapsed() const;  // since construction
    std::optional<time_point> deadline() const { return deadline_; }
    StopReason stop_reason() const { return stop_reason_; }
    std::optional<ErrorClass> last_class() const { return last_class_; }

  private:
    Decision stop(StopReason reason);
    Admission refuse(StopReason reason);
    std::optional<time_point> latest_start() const;  // deadline - min_attempt_time

    RetrySettings settings_;
    Clock* clock_;
    Backoff backoff_;
    RetryBudget* budget_;
    CircuitBreaker* breaker_;
    const std::atomic<bool>* cancel_;
    time_point start_;
    std::optional<time_point> deadline_;
    int attempts_ = 0;
    StopReason stop_reason_ = StopReason::None;
    std::optional<ErrorClass> last_class_;
};

// "[odbc-retry] gave up after 3 attempts over 1250 ms: the retry deadline was reached
// (last error: transient)". The part in parentheses only when `last` is given.
std::string give_up_message(int attempts, std::chrono::milliseconds elapsed, StopReason reason,
                            std::optional<ErrorClass> last = std::nullopt);
std::string give_up_message(const RetryState& state);

}  // namespace odbcretry
