// SPDX-License-Identifier: Apache-2.0
// The one retry loop: connect retry (Connection::establish, which also reconnects a recovery)
// and statement retry (Statement::retry_statement) both run it. RetryState (policy.h) decides;
// the loop asks it in the documented order and the caller's steps do the rest: make an attempt,
// report a retry, wait. Cold path only: a call that succeeds the first time never gets here.
#pragma once
#include <chrono>
#include <optional>

#include "shim/function_ref.h"
#include "shim/retry/listen_probe.h"
#include "shim/retry/policy.h"

namespace odbcretry {

// A failed attempt, as the policy needs it.
struct AttemptFailure {
    ErrorClass cls = ErrorClass::Fatal;
    bool in_transaction = false;
    int attempt_cap = 0;  // the deciding rule's own cap (Rule::attempt_cap), 0: none
};

// What one attempt came to.
struct AttemptOutcome {
    enum class Kind {
        Succeeded,  // the call is done (the policy is told of the success)
        Ended,      // the call is done otherwise; the policy is not told (e.g. a cancelled prompt)
        Failed,     // `failure` says how
    };
    Kind kind = Kind::Failed;
    AttemptFailure failure;

    static AttemptOutcome succeeded() { return {Kind::Succeeded, {}}; }
    static AttemptOutcome ended() { return {Kind::Ended, {}}; }
    static AttemptOutcome failed(AttemptFailure f) { return {Kind::Failed, f}; }
};

// How the loop ended.
enum class RetryEnd {
    Succeeded,  // an attempt succeeded
    Ended,      // an attempt ended the call otherwise
    Stopped,    // the policy stopped after a failure (RetryState::stop_reason says why)
    Refused,    // admission refused an attempt (breaker, deadline; RetryState::stop_reason)
    Cancelled,  // a wait was cancelled (the policy has been told)
};

struct RetrySteps {
    // Makes one attempt.
    FunctionRef<AttemptOutcome()> attempt;
    // A failure will be retried after `decision.delay`: count it, log it, tidy up.
    FunctionRef<void(const Decision&)> before_wait;
    // Waits out a backoff delay; Listening when the server listens again (the caller restarts
    // the backoff curve if it wants), Cancelled when the call was cancelled.
    FunctionRef<WaitEnd(std::chrono::milliseconds)> wait;
    // Whether every attempt is admitted first (RetryState::admit: the breaker, the deadline).
    bool admit = false;
    // Waits while admission says "wait"; false when cancelled. Called only with `admit`.
    FunctionRef<bool(std::chrono::milliseconds)> wait_admission;
};
// The steps are references: the callables they name must outlive the loop (name them as local
// variables, not temporaries inside the RetrySteps initializer).

// Runs attempts until one ends the call or the policy stops. `failed`: the call has already
// made its first attempt, which failed so (statement retry); without it, the loop makes the
// first attempt itself (connect).
RetryEnd run_retry_loop(RetryState& state, Phase phase, const RetrySteps& steps,
                        std::optional<AttemptFailure> failed = std::nullopt);

}  // namespace odbcretry
