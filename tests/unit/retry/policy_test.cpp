// SPDX-License-Identifier: Apache-2.0
// The retry decision of one call: attempts, classes per phase, deadline trimming, budget,
// breaker, cancel, and the give-up message. Manual clock, scripted random: exact, no sleeping.
#include <gtest/gtest.h>

#include <functional>

#include "shim/retry/policy.h"

namespace odbcretry {
namespace {

using namespace std::chrono_literals;
using std::chrono::milliseconds;
using C = ErrorClass;

class PolicyTest : public ::testing::Test {
  protected:
    PolicyTest() {
        settings.backoff =
            BackoffSettings{100ms, 1000ms, 2.0, BackoffKind::Exponential, Jitter::None};
        settings.max_attempts = 4;
        settings.deadline = 0ms;
    }
    RetryState make(milliseconds app_timeout = 0ms, RetryBudget* budget = nullptr,
                    CircuitBreaker* breaker = nullptr, const std::atomic<bool>* cancel = nullptr) {
        return RetryState(settings, clock, random, app_timeout, budget, breaker, cancel);
    }
    // Follows a decision as the caller would: sleeps (advancing the manual clock).
    void follow(const Decision& d) {
        ASSERT_TRUE(d.retry);
        ASSERT_TRUE(sleeper.sleep_for(d.delay, nullptr));
    }
    milliseconds since(std::chrono::steady_clock::time_point start) {
        return std::chrono::duration_cast<milliseconds>(clock.now() - start);
    }

    RetrySettings settings;
    ManualClock clock;
    ManualSleeper sleeper{clock};
    ScriptedRandom random{{}};
};

TEST_F(PolicyTest, RetriesWithBackoffUntilTheAttemptsRunOut) {
    RetryState state = make();
    EXPECT_TRUE(state.admit().go);
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, 100ms);
    EXPECT_EQ(d.stop_reason, StopReason::None);
    follow(d);
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(d.delay, 200ms);
    follow(d);
    d = state.on_failure(C::ConnectionLost, Phase::Connect);
    EXPECT_EQ(d.delay, 400ms);
    follow(d);
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Attempts);
    EXPECT_EQ(state.stop_reason(), StopReason::Attempts);
    EXPECT_EQ(state.attempts(), 4);
    EXPECT_EQ(state.elapsed(), 700ms);
    EXPECT_EQ(give_up_message(state),
              "[odbc-retry] gave up after 4 attempts over 700 ms: the maximum number of attempts "
              "was reached (last error: transient)");
    // Once stopped, stays stopped.
    EXPECT_TRUE(state.admit().stop());
}

TEST_F(PolicyTest, RestartBackoffStartsTheCurveAgainButKeepsCountingAttempts) {
    settings.max_attempts = 5;
    RetryState state = make();
    follow(state.on_failure(C::Transient, Phase::Connect));  // 100 ms
    follow(state.on_failure(C::Transient, Phase::Connect));  // 200 ms
    state.restart_backoff();
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(d.delay, 100ms);
    follow(d);
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(d.delay, 200ms);
    follow(d);
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Attempts);
}

TEST_F(PolicyTest, OneAttemptMeansNoRetry) {
    settings.max_attempts = 1;
    RetryState state = make();
    EXPECT_EQ(state.on_failure(C::Transient, Phase::Connect).stop_reason, StopReason::Attempts);
}

TEST_F(PolicyTest, ARulesAttemptCapStopsBeforeMaxAttempts) {
    settings.max_attempts = 30;
    RetryState state = make();
    follow(state.on_failure(C::Transient, Phase::Connect, false, 3));
    follow(state.on_failure(C::Transient, Phase::Connect, false, 3));
    Decision d = state.on_failure(C::Transient, Phase::Connect, false, 3);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Attempts);
    EXPECT_EQ(state.attempts(), 3);
}

TEST_F(PolicyTest, DefaultClassesPerPhase) {
    const RetrySettings defaults;
    struct {
        ErrorClass cls;
        Phase phase;
        bool retried;
    } cases[] = {
        {C::Transient, Phase::Connect, true},      {C::ConnectionLost, Phase::Connect, true},
        {C::RolledBack, Phase::Connect, false},    {C::Timeout, Phase::Connect, false},
        {C::Fatal, Phase::Connect, false},         {C::Transient, Phase::Statement, true},
        {C::RolledBack, Phase::Statement, true},   {C::ConnectionLost, Phase::Statement, false},
        {C::Timeout, Phase::Statement, false},     {C::Fatal, Phase::Statement, false},
        {C::Transient, Phase::Commit, true},       {C::RolledBack, Phase::Commit, false},
        {C::ConnectionLost, Phase::Commit, false}, {C::Timeout, Phase::Commit, false},
    };
    for (const auto& c : cases) {
        RetryState state(defaults, clock, random);
        Decision d = state.on_failure(c.cls, c.phase);
        EXPECT_EQ(d.retry, c.retried) << to_string(c.cls) << " at " << to_string(c.phase);
        if (!c.retried) {
            EXPECT_EQ(d.stop_reason, StopReason::NotRetryable);
        }
    }
}

TEST_F(PolicyTest, RolledBackIsRetriedOnlyOutsideATransaction) {
    RetryState autocommit = make();
    EXPECT_TRUE(autocommit.on_failure(C::RolledBack, Phase::Statement, false).retry);
    RetryState in_transaction = make();
    Decision d = in_transaction.on_failure(C::RolledBack, Phase::Statement, true);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::NotRetryable);
}

TEST_F(PolicyTest, ClassesPerPhaseAreSettings) {
    settings.retry_on(Phase::Statement) = ClassSet{C::Timeout};
    RetryState state = make();
    EXPECT_TRUE(state.on_failure(C::Timeout, Phase::Statement).retry);
    EXPECT_FALSE(make().on_failure(C::RolledBack, Phase::Statement).retry);
}

TEST_F(PolicyTest, TheDelayIsTrimmedToEndBeforeTheDeadline) {
    settings.backoff = BackoffSettings{400ms, 10000ms, 2.0, BackoffKind::Exponential, Jitter::None};
    settings.max_attempts = 100;
    settings.deadline = 1000ms;
    RetryState state = make();
    const auto start = clock.now();
    ASSERT_EQ(state.deadline(), start + 1000ms);
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(d.delay, 400ms);
    follow(d);
    // 800 ms would end at 1200: trimmed to end min_attempt_time (10 ms) before the deadline.
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, 590ms);
    follow(d);
    EXPECT_EQ(since(start), 990ms);
    EXPECT_TRUE(state.admit().go);
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Deadline);
    EXPECT_EQ(give_up_message(state),
              "[odbc-retry] gave up after 3 attempts over 990 ms: the retry deadline was reached "
              "(last error: transient)");
}

TEST_F(PolicyTest, StopsWhenLessThanTheMinimumAttemptTimeRemains) {
    settings.deadline = 1000ms;
    settings.min_attempt_time = 50ms;
    settings.max_attempts = 100;
    RetryState state = make();
    clock.advance(951ms);  // the attempt itself took long: 49 ms left
    EXPECT_EQ(state.on_failure(C::Transient, Phase::Connect).stop_reason, StopReason::Deadline);
}

TEST_F(PolicyTest, AdmitRefusesALateAttempt) {
    settings.deadline = 1000ms;
    settings.max_attempts = 100;
    RetryState state = make();
    follow(state.on_failure(C::Transient, Phase::Connect));
    clock.advance(2000ms);  // e.g. the caller was descheduled
    Admission a = state.admit();
    EXPECT_FALSE(a.go);
    EXPECT_EQ(a.stop_reason, StopReason::Deadline);
}

TEST_F(PolicyTest, TheDelayNeverOvershootsTheDeadline) {
    settings.backoff = BackoffSettings{50ms, 2000ms, 2.0, BackoffKind::Exponential, Jitter::Full};
    settings.max_attempts = 1000;
    settings.deadline = 5000ms;
    ScriptedRandom jitter({0.99, 0.5, 0.1, 0.999, 0.7, 0.3, 0.95, 0.999});
    RetryState state(settings, clock, jitter);
    const auto latest = clock.now() + 5000ms - settings.min_attempt_time;
    int retries = 0;
    for (;;) {
        clock.advance(7ms);  // each attempt takes a little time
        Decision d = state.on_failure(C::Transient, Phase::Connect);
        if (!d.retry) {
            EXPECT_EQ(d.stop_reason, StopReason::Deadline);
            break;
        }
        ++retries;
        EXPECT_LE(clock.now() + d.delay, latest);
        follow(d);
    }
    EXPECT_GT(retries, 3);
}

TEST_F(PolicyTest, TheApplicationTimeoutShortensTheDeadline) {
    const auto start = clock.now();
    settings.deadline = 30000ms;
    EXPECT_EQ(make(500ms).deadline(), start + 500ms);
    EXPECT_EQ(make(0ms).deadline(), start + 30000ms);
    EXPECT_EQ(make(60000ms).deadline(), start + 30000ms);
    settings.deadline = 0ms;
    EXPECT_EQ(make(700ms).deadline(), start + 700ms);
    EXPECT_EQ(make(0ms).deadline(), std::nullopt);
}

TEST_F(PolicyTest, TheBudgetStopsARetryStorm) {
    settings.max_attempts = 100;
    RetryBudget budget(BudgetSettings{true, 10, 0.1});
    RetryState state = make(0ms, &budget);
    for (int i = 0; i < 4; ++i) follow(state.on_failure(C::Transient, Phase::Connect));
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Budget);
    EXPECT_DOUBLE_EQ(budget.tokens(), 5.0);
    EXPECT_NE(give_up_message(state).find("the retry budget for this server is exhausted"),
              std::string::npos);

    // The next call is refused at its first failure, until successes refill the bucket.
    RetryState next = make(0ms, &budget);
    EXPECT_EQ(next.on_failure(C::Transient, Phase::Connect).stop_reason, StopReason::Budget);
    for (int i = 0; i < 20; ++i) budget.record_success();  // 4 + 2 = 6 tokens
    RetryState later = make(0ms, &budget);
    EXPECT_FALSE(later.on_failure(C::Transient, Phase::Connect).retry);  // 6 -> 5
    for (int i = 0; i < 20; ++i) budget.record_success();                // 7 tokens
    RetryState refilled = make(0ms, &budget);
    EXPECT_TRUE(refilled.on_failure(C::Transient, Phase::Connect).retry);  // 7 -> 6
    refilled.on_success();
    EXPECT_DOUBLE_EQ(budget.tokens(), 6.1);
}

TEST_F(PolicyTest, OnlyRetryableFailuresChargeTheBudget) {
    RetryBudget budget(BudgetSettings{true, 10, 0.1});
    RetryState state = make(0ms, &budget);
    EXPECT_EQ(state.on_failure(C::Fatal, Phase::Connect).stop_reason, StopReason::NotRetryable);
    EXPECT_DOUBLE_EQ(budget.tokens(), 10.0);
    settings.max_attempts = 1;
    RetryState last = make(0ms, &budget);
    EXPECT_EQ(last.on_failure(C::Transient, Phase::Connect).stop_reason, StopReason::Attempts);
    EXPECT_DOUBLE_EQ(budget.tokens(), 9.0);  // the failure that ends the attempts is charged
}

class PolicyBreakerTest : public PolicyTest {
  protected:
    PolicyBreakerTest() {
        settings.max_attempts = 10;
        settings.deadline = 10000ms;
    }
    InProcessBreakerStore store;
    CircuitBreaker breaker{BreakerSettings{true, 3, 1000ms}, store,
                           breaker_key_hash("db:5432/app", DriverFamily::Postgres)};
};

TEST_F(PolicyBreakerTest, ACallRidesOutAnOpenBreakerBehindTheProbe) {
    RetryState state = make(0ms, nullptr, &breaker);
    const auto start = clock.now();
    EXPECT_TRUE(state.admit().go);
    follow(state.on_failure(C::Transient, Phase::Connect));  // 100
    EXPECT_TRUE(state.admit().go);
    follow(state.on_failure(C::Transient, Phase::Connect));  // 200
    EXPECT_TRUE(state.admit().go);
    // The third failure opens the breaker at 300: the delay grows to the end of the cooldown.
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(breaker.state(clock.now()), BreakerState::Open);
    EXPECT_EQ(d.delay, 1000ms);
    follow(d);
    Admission probe = state.admit();
    EXPECT_TRUE(probe.go);
    EXPECT_TRUE(probe.is_probe);
    // The probe fails: open again, the cooldown restarts.
    d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(breaker.state(clock.now()), BreakerState::Open);
    EXPECT_EQ(d.delay, 1000ms);
    follow(d);
    probe = state.admit();
    EXPECT_TRUE(probe.is_probe);
    state.on_success();
    EXPECT_EQ(breaker.state(clock.now()), BreakerState::Closed);
    EXPECT_EQ(since(start), 2300ms);
    EXPECT_EQ(state.attempts(), 5);
}

TEST_F(PolicyBreakerTest, ANewCallFailsFastWhileTheBreakerIsOpen) {
    ASSERT_EQ(settings.breaker_wait, 0ms) << "the default";
    for (int i = 0; i < 3; ++i) breaker.record_failure(clock.now());
    RetryState state = make(0ms, nullptr, &breaker);
    Admission a = state.admit();
    EXPECT_FALSE(a.go);
    EXPECT_EQ(a.stop_reason, StopReason::Breaker);
    EXPECT_EQ(give_up_message(state),
              "[odbc-retry] gave up after 0 attempts over 0 ms: the circuit breaker for this "
              "server is open");
}

TEST_F(PolicyBreakerTest, ANewCallThatMayWaitWaitsForTheCooldownWhenItFitsTheDeadline) {
    settings.breaker_wait = 5000ms;
    for (int i = 0; i < 3; ++i) breaker.record_failure(clock.now());
    clock.advance(300ms);
    RetryState fits = make(0ms, nullptr, &breaker);
    Admission a = fits.admit();
    EXPECT_FALSE(a.go);
    EXPECT_FALSE(a.stop());
    EXPECT_EQ(a.wait, 700ms);
    RetryState too_short = make(500ms, nullptr, &breaker);  // the application allows 500 ms
    EXPECT_EQ(too_short.admit().stop_reason, StopReason::Breaker);
    settings.breaker_wait = 600ms;
    RetryState impatient = make(0ms, nullptr, &breaker);
    EXPECT_EQ(impatient.admit().stop_reason, StopReason::Breaker);
}

TEST_F(PolicyBreakerTest, ARetryingCallWaitsForTheProbeEvenWhenNewCallsFailFast) {
    ASSERT_EQ(settings.breaker_wait, 0ms);
    RetryState retrying = make(0ms, nullptr, &breaker);
    ASSERT_TRUE(retrying.admit().go);
    follow(retrying.on_failure(C::Transient, Phase::Connect));
    follow(retrying.on_failure(C::Transient, Phase::Connect));
    Decision d = retrying.on_failure(C::Transient, Phase::Connect);  // opens the breaker
    ASSERT_EQ(breaker.state(clock.now()), BreakerState::Open);
    EXPECT_TRUE(d.retry);
    EXPECT_EQ(d.delay, 1000ms) << "to the end of the cooldown";
    RetryState fresh = make(0ms, nullptr, &breaker);
    EXPECT_EQ(fresh.admit().stop_reason, StopReason::Breaker);
    follow(d);
    Admission probe = retrying.admit();
    EXPECT_TRUE(probe.go);
    EXPECT_TRUE(probe.is_probe);
}

TEST_F(PolicyBreakerTest, OnFailureStopsWhenTheCooldownEndsAfterTheDeadline) {
    RetryState state = make(1500ms, nullptr, &breaker);
    follow(state.on_failure(C::Transient, Phase::Connect));
    follow(state.on_failure(C::Transient, Phase::Connect));
    clock.advance(700ms);  // at 1000 ms; the breaker opens now, until 2000 > 1490
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.stop_reason, StopReason::Breaker);
}

TEST_F(PolicyBreakerTest, PollsWhileAnotherCallerProbes) {
    settings.breaker_wait = 5000ms;
    for (int i = 0; i < 3; ++i) breaker.record_failure(clock.now());
    clock.advance(1000ms);
    ASSERT_TRUE(breaker.allow(clock.now()).is_probe);  // someone else's probe
    RetryState state = make(0ms, nullptr, &breaker);
    Admission a = state.admit();
    EXPECT_FALSE(a.go);
    EXPECT_EQ(a.wait, settings.probe_poll);
    ASSERT_TRUE(sleeper.sleep_for(a.wait, nullptr));
    EXPECT_EQ(state.admit().wait, 100ms);
    breaker.record_success(clock.now());  // the other probe succeeded
    a = state.admit();
    EXPECT_TRUE(a.go);
    EXPECT_FALSE(a.is_probe);
}

TEST_F(PolicyBreakerTest, PollingStopsAtTheDeadline) {
    settings.breaker_wait = 5000ms;
    for (int i = 0; i < 3; ++i) breaker.record_failure(clock.now());
    clock.advance(1000ms);
    ASSERT_TRUE(breaker.allow(clock.now()).is_probe);
    RetryState state = make(250ms, nullptr, &breaker);
    std::vector<milliseconds> waits;
    for (;;) {
        Admission a = state.admit();
        ASSERT_FALSE(a.go);
        if (a.stop()) {
            EXPECT_EQ(a.stop_reason, StopReason::Breaker);
            break;
        }
        waits.push_back(a.wait);
        ASSERT_TRUE(sleeper.sleep_for(a.wait, nullptr));
    }
    EXPECT_EQ(waits, (std::vector<milliseconds>{100ms, 100ms, 40ms}));
}

TEST_F(PolicyBreakerTest, OnlyUnreachableCountsAsABreakerFailure) {
    RetryState state = make(0ms, nullptr, &breaker);
    state.on_failure(C::Transient, Phase::Statement);  // a lock: the server answered
    EXPECT_EQ(breaker.snapshot(clock.now()).consecutive_failures, 0);
    RetryState lost = make(0ms, nullptr, &breaker);
    lost.on_failure(C::ConnectionLost, Phase::Statement);
    EXPECT_EQ(breaker.snapshot(clock.now()).consecutive_failures, 1);
    RetryState connect = make(0ms, nullptr, &breaker);
    connect.on_failure(C::Transient, Phase::Connect);
    EXPECT_EQ(breaker.snapshot(clock.now()).consecutive_failures, 2);
    RetryState auth = make(0ms, nullptr, &breaker);
    auth.on_failure(C::Fatal, Phase::Connect);  // wrong password: the server is up
    EXPECT_EQ(breaker.snapshot(clock.now()).consecutive_failures, 0);
}

TEST_F(PolicyTest, CancelStopsEverything) {
    std::atomic<bool> cancel{false};
    settings.max_attempts = 10;
    RetryState state = make(0ms, nullptr, nullptr, &cancel);
    Decision d = state.on_failure(C::Transient, Phase::Connect);
    ASSERT_TRUE(d.retry);
    cancel = true;
    EXPECT_FALSE(sleeper.sleep_for(d.delay, &cancel));
    d = state.on_cancelled();
    EXPECT_EQ(d.stop_reason, StopReason::Cancelled);
    EXPECT_EQ(state.admit().stop_reason, StopReason::Cancelled);

    RetryState other = make(0ms, nullptr, nullptr, &cancel);
    EXPECT_EQ(other.admit().stop_reason, StopReason::Cancelled);
    RetryState third = make(0ms, nullptr, nullptr, &cancel);
    EXPECT_EQ(third.on_failure(C::Transient, Phase::Connect).stop_reason, StopReason::Cancelled);
    EXPECT_EQ(give_up_message(third),
              "[odbc-retry] gave up after 1 attempt over 0 ms: the operation was cancelled (last "
              "error: transient)");
}

TEST(StopReasonNames, ToStringAndDescribe) {
    struct {
        StopReason reason;
        const char* name;
    } cases[] = {{StopReason::None, "none"},          {StopReason::NotRetryable, "not_retryable"},
                 {StopReason::Attempts, "attempts"},  {StopReason::Deadline, "deadline"},
                 {StopReason::Budget, "budget"},      {StopReason::Breaker, "breaker"},
                 {StopReason::Cancelled, "cancelled"}};
    for (const auto& c : cases) {
        EXPECT_EQ(to_string(c.reason), c.name);
        EXPECT_FALSE(describe(c.reason).empty());
    }
    EXPECT_EQ(give_up_message(2, 1500ms, StopReason::NotRetryable),
              "[odbc-retry] gave up after 2 attempts over 1500 ms: the error is not one that a "
              "retry can cure");
}

// The caller's loop of policy.h against a server that is down for 2.5 s, shared by two calls.
TEST_F(PolicyBreakerTest, TwoCallsRideOutARestart) {
    settings.backoff = BackoffSettings{200ms, 5000ms, 2.0, BackoffKind::Exponential, Jitter::Full};
    settings.max_attempts = 30;
    settings.deadline = 30000ms;
    ScriptedRandom jitter({0.5});
    RetryBudget budget(BudgetSettings{true, 100, 0.1});
    const auto up_at = clock.now() + 2500ms;
    int server_hits = 0;
    auto attempt = [&] {
        ++server_hits;
        clock.advance(5ms);
        return clock.now() >= up_at;
    };
    auto run_call = [&](RetryState& state) {
        for (;;) {
            Admission a = state.admit();
            if (a.stop()) return false;
            if (!a.go) {
                if (!sleeper.sleep_for(a.wait, nullptr)) return false;
                continue;
            }
            if (attempt()) {
                state.on_success();
                return true;
            }
            Decision d = state.on_failure(C::Transient, Phase::Connect);
            if (!d.retry) return false;
            if (!sleeper.sleep_for(d.delay, nullptr)) return false;
        }
    };
    RetryState first(settings, clock, jitter, 0ms, &budget, &breaker);
    EXPECT_TRUE(run_call(first)) << give_up_message(first);
    EXPECT_GE(clock.now(), up_at);
    EXPECT_EQ(breaker.state(clock.now()), BreakerState::Closed);
    // Failures 1-3 (the third opens the breaker), then one probe per cooldown until it is up.
    EXPECT_LE(server_hits, 6);
    RetryState second(settings, clock, jitter, 0ms, &budget, &breaker);
    EXPECT_TRUE(run_call(second));
    EXPECT_EQ(second.attempts(), 1);
}

}  // namespace
}  // namespace odbcretry
