// SPDX-License-Identifier: Apache-2.0
// The one retry loop that connect and statement retry run: the order in which it asks the policy,
// what it reports, and how each end comes about. Manual clock, scripted attempts, no sleeping.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shim/retry/loop.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using C = ErrorClass;

class LoopTest : public ::testing::Test {
  protected:
    LoopTest() {
        settings.backoff =
            BackoffSettings{100ms, 1000ms, 2.0, BackoffKind::Exponential, Jitter::None};
        settings.max_attempts = 4;
        settings.deadline = 0ms;
    }
    // Runs the loop with attempts that come out as `script` says, one after the other, and
    // notes every step in `log`.
    RetryEnd run(RetryState& state, Phase phase, std::vector<AttemptOutcome> script,
                 std::optional<AttemptFailure> failed = std::nullopt, bool admit = false) {
        size_t next = 0;
        auto attempt = [&]() {
            log.push_back("attempt");
            return next < script.size() ? script[next++] : AttemptOutcome::succeeded();
        };
        auto before_wait = [&](const Decision& d) {
            log.push_back("retry after " + std::to_string(d.delay.count()));
        };
        auto wait = [&](milliseconds delay) {
            log.push_back("wait " + std::to_string(delay.count()));
            if (cancel_waits) return WaitEnd::Cancelled;
            sleeper.sleep_for(delay, nullptr);
            return WaitEnd::Elapsed;
        };
        auto wait_admission = [&](milliseconds delay) {
            log.push_back("admission wait " + std::to_string(delay.count()));
            return sleeper.sleep_for(delay, nullptr);
        };
        RetrySteps steps{attempt, before_wait, wait, admit, wait_admission};
        return run_retry_loop(state, phase, steps, failed);
    }
    RetryState make() { return RetryState(settings, clock, random); }
    static AttemptOutcome fails(C cls) { return AttemptOutcome::failed({cls}); }

    RetrySettings settings;
    ManualClock clock;
    ManualSleeper sleeper{clock};
    ScriptedRandom random{{}};
    std::vector<std::string> log;
    bool cancel_waits = false;
};

TEST_F(LoopTest, ConnectMakesTheFirstAttemptAndRetriesUntilOneSucceeds) {
    RetryState state = make();
    EXPECT_EQ(run(state, Phase::Connect, {fails(C::Transient), fails(C::ConnectionLost)}),
              RetryEnd::Succeeded);
    EXPECT_EQ(log, (std::vector<std::string>{"attempt", "retry after 100", "wait 100", "attempt",
                                             "retry after 200", "wait 200", "attempt"}));
    EXPECT_EQ(state.attempts(), 3);
}

TEST_F(LoopTest, StatementRetryStartsFromTheFailureAlreadyMet) {
    RetryState state = make();
    EXPECT_EQ(run(state, Phase::Statement, {}, AttemptFailure{C::RolledBack}), RetryEnd::Succeeded);
    EXPECT_EQ(log, (std::vector<std::string>{"retry after 100", "wait 100", "attempt"}));
}

TEST_F(LoopTest, StopsWhenThePolicySaysSoAndSaysWhy) {
    RetryState state = make();
    EXPECT_EQ(run(state, Phase::Connect, {fails(C::Fatal)}), RetryEnd::Stopped);
    EXPECT_EQ(state.stop_reason(), StopReason::NotRetryable);
    EXPECT_EQ(log, (std::vector<std::string>{"attempt"}));

    RetryState again = make();
    log.clear();
    EXPECT_EQ(
        run(again, Phase::Connect,
            {fails(C::Transient), fails(C::Transient), fails(C::Transient), fails(C::Transient)}),
        RetryEnd::Stopped);
    EXPECT_EQ(again.stop_reason(), StopReason::Attempts);
    EXPECT_EQ(again.attempts(), 4);
}

TEST_F(LoopTest, AnAttemptThatEndsTheCallOtherwiseEndsTheLoop) {
    RetryState state = make();
    EXPECT_EQ(run(state, Phase::Statement, {AttemptOutcome::ended()}, AttemptFailure{C::Transient}),
              RetryEnd::Ended);
    EXPECT_EQ(log, (std::vector<std::string>{"retry after 100", "wait 100", "attempt"}));
}

TEST_F(LoopTest, ACancelledWaitEndsTheLoopAndTellsThePolicy) {
    RetryState state = make();
    cancel_waits = true;
    EXPECT_EQ(run(state, Phase::Connect, {fails(C::Transient)}), RetryEnd::Cancelled);
    EXPECT_EQ(state.stop_reason(), StopReason::Cancelled);
    EXPECT_EQ(log, (std::vector<std::string>{"attempt", "retry after 100", "wait 100"}));
}

TEST_F(LoopTest, AdmissionIsAskedBeforeAnAttemptOnlyWhenWanted) {
    std::atomic<bool> cancelled{true};
    RetryState admitted(settings, clock, random, 0ms, nullptr, nullptr, &cancelled);
    EXPECT_EQ(run(admitted, Phase::Connect, {}, std::nullopt, true), RetryEnd::Refused);
    EXPECT_EQ(admitted.stop_reason(), StopReason::Cancelled);
    EXPECT_TRUE(log.empty());

    RetryState not_admitted(settings, clock, random, 0ms, nullptr, nullptr, &cancelled);
    EXPECT_EQ(run(not_admitted, Phase::Connect, {}, std::nullopt, false), RetryEnd::Succeeded);
    EXPECT_EQ(log, (std::vector<std::string>{"attempt"}));
}

}  // namespace
}  // namespace odbcretry
