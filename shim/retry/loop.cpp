// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/loop.h"

namespace odbcretry {

RetryEnd run_retry_loop(RetryState& state, Phase phase, const RetrySteps& steps,
                        std::optional<AttemptFailure> failed) {
    for (;;) {
        if (failed) {
            Decision decision =
                state.on_failure(failed->cls, phase, failed->in_transaction, failed->attempt_cap);
            if (!decision.retry) return RetryEnd::Stopped;
            steps.before_wait(decision);
            if (steps.wait(decision.delay) == WaitEnd::Cancelled) {
                state.on_cancelled();
                return RetryEnd::Cancelled;
            }
            failed.reset();
        }
        if (steps.admit) {
            Admission admission = state.admit();
            if (admission.stop()) return RetryEnd::Refused;
            if (!admission.go) {
                if (!steps.wait_admission(admission.wait)) {
                    state.on_cancelled();
                    return RetryEnd::Cancelled;
                }
                continue;
            }
        }
        AttemptOutcome outcome = steps.attempt();
        switch (outcome.kind) {
            case AttemptOutcome::Kind::Succeeded:
                state.on_success();
                return RetryEnd::Succeeded;
            case AttemptOutcome::Kind::Ended:
                return RetryEnd::Ended;
            case AttemptOutcome::Kind::Failed:
                failed = outcome.failure;
                break;
        }
    }
}

}  // namespace odbcretry
