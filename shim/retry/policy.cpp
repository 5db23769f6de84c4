// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/policy.h"

#include <algorithm>

namespace odbcretry {
namespace {

using std::chrono::milliseconds;

milliseconds ceil_ms(std::chrono::steady_clock::duration d) {
    return std::chrono::ceil<milliseconds>(d);
}

// Whether this outcome says the server could not be reached (a breaker failure).
bool says_unreachable(ErrorClass cls, Phase phase) {
    return cls == ErrorClass::ConnectionLost ||
           (cls == ErrorClass::Transient && phase == Phase::Connect);
}

}  // namespace

const ClassSet& RetrySettings::retry_on(Phase phase) const {
    switch (phase) {
        case Phase::Connect:
            return retry_on_connect;
        case Phase::Statement:
            return retry_on_statement;
        case Phase::Commit:
            return retry_on_commit;
    }
    return retry_on_statement;
}

ClassSet& RetrySettings::retry_on(Phase phase) {
    return const_cast<ClassSet&>(static_cast<const RetrySettings&>(*this).retry_on(phase));
}

std::string_view to_string(StopReason reason) {
    switch (reason) {
        case StopReason::None:
            return "none";
        case StopReason::NotRetryable:
            return "not_retryable";
        case StopReason::Attempts:
            return "attempts";
        case StopReason::Deadline:
            return "deadline";
        case StopReason::Budget:
            return "budget";
        case StopReason::Breaker:
            return "breaker";
        case StopReason::Cancelled:
            return "cancelled";
    }
    return "none";
}

std::string_view describe(StopReason reason) {
    switch (reason) {
        case StopReason::None:
            return "still retrying";
        case StopReason::NotRetryable:
            return "the error is not one that a retry can cure";
        case StopReason::Attempts:
            return "the maximum number of attempts was reached";
        case StopReason::Deadline:
            return "the retry deadline was reached";
        case StopReason::Budget:
            return "the retry budget for this server is exhausted";
        case StopReason::Breaker:
            return "the circuit breaker for this server is open";
        case StopReason::Cancelled:
            return "the operation was cancelled";
    }
    return "still retrying";
}

RetryState::RetryState(const RetrySettings& settings, Clock& clock, Random& random,
                       milliseconds app_timeout, RetryBudget* budget, CircuitBreaker* breaker,
                       const std::atomic<bool>* cancel)
    : settings_(settings),
      clock_(&clock),
      backoff_(settings.backoff, random),
      budget_(budget),
      breaker_(breaker),
      cancel_(cancel),
      start_(clock.now()) {
    milliseconds limit{0};
    for (milliseconds candidate : {settings.deadline, app_timeout})
        if (candidate.count() > 0)
            limit = limit.count() > 0 ? std::min(limit, candidate) : candidate;
    if (limit.count() > 0) deadline_ = start_ + limit;
}

std::optional<RetryState::time_point> RetryState::latest_start() const {
    if (!deadline_) return std::nullopt;
    return *deadline_ - std::max(settings_.min_attempt_time, milliseconds(0));
}

milliseconds RetryState::elapsed() const {
    return std::chrono::duration_cast<milliseconds>(clock_->now() - start_);
}

Decision RetryState::stop(StopReason reason) {
    stop_reason_ = reason;
    return Decision{false, milliseconds(0), reason};
}

Admission RetryState::refuse(StopReason reason) {
    stop_reason_ = reason;
    return Admission{false, false, milliseconds(0), reason};
}

Admission RetryState::admit() {
    if (stop_reason_ != StopReason::None) return refuse(stop_reason_);
    if (cancel_ && cancel_->load(std::memory_order_acquire)) return refuse(StopReason::Cancelled);
    const time_point now = clock_->now();
    // The first attempt always may go as far as time is concerned; later ones were scheduled
    // within the deadline by on_failure, but a long wait elsewhere may have eaten it.
    if (attempts_ > 0 && deadline_ && now >= *deadline_) return refuse(StopReason::Deadline);
    if (!breaker_) return Admission{true, false, milliseconds(0), StopReason::None};
    const CircuitBreaker::Decision d = breaker_->allow(now);
    if (d.allowed) return Admission{true, d.is_probe, milliseconds(0), StopReason::None};
    const milliseconds full_wait = std::max(milliseconds(1), ceil_ms(d.retry_at - now));
    if (attempts_ == 0 && full_wait > settings_.breaker_wait) return refuse(StopReason::Breaker);
    const std::optional<time_point> latest = latest_start();
    if (!d.probe_in_flight) {
        if (latest && now + full_wait > *latest) return refuse(StopReason::Breaker);
        return Admission{false, false, full_wait, StopReason::None};
    }
    // Another caller is probing: its answer may come at any moment, so ask again soon.
    milliseconds wait = std::min(full_wait, std::max(milliseconds(1), settings_.probe_poll));
    if (latest) {
        if (now >= *latest) return refuse(StopReason::Breaker);
        wait = std::min(wait, std::max(milliseconds(1),
                                       std::chrono::duration_cast<milliseconds>(*latest - now)));
    }
    return Admission{false, false, wait, StopReason::None};
}

Decision RetryState::on_failure(ErrorClass cls, Phase phase, bool in_transaction, int attempt_cap) {
    ++attempts_;
    last_class_ = cls;
    const time_point now = clock_->now();
    if (breaker_) {
        if (says_unreachable(cls, phase))
            breaker_->record_failure(now);
        else
            breaker_->record_success(now);
    }
    if (cancel_ && cancel_->load(std::memory_order_acquire)) return stop(StopReason::Cancelled);
    if (!settings_.retry_on(phase).contains(cls) ||
        (cls == ErrorClass::RolledBack && in_transaction))
        return stop(StopReason::NotRetryable);
    const bool budget_allows = !budget_ || budget_->record_failure();
    if (attempts_ >= settings_.max_attempts || (attempt_cap > 0 && attempts_ >= attempt_cap))
        return stop(StopReason::Attempts);
    if (!budget_allows) return stop(StopReason::Budget);

    milliseconds delay = backoff_.next();
    const std::optional<time_point> latest = latest_start();
    if (breaker_) {
        // Open and cooling down: no attempt can go before the cooldown ends. (Half-open is
        // admit()'s business: the probe may be free, or another caller's may end any moment.)
        const CircuitBreaker::Snapshot b = breaker_->snapshot(now);
        if (b.state == BreakerState::Open) {
            const milliseconds wait = ceil_ms(b.retry_at - now);
            if (latest && b.retry_at > *latest) return stop(StopReason::Breaker);
            delay = std::max(delay, wait);
        }
    }
    if (latest && now + delay > *latest) {
        if (now >= *latest) return stop(StopReason::Deadline);
        delay =
            std::chrono::duration_cast<milliseconds>(*latest - now);  // rounds down: stays inside
    }
    return Decision{true, delay, StopReason::None};
}

void RetryState::on_success() {
    ++attempts_;
    if (budget_) budget_->record_success();
    if (breaker_) breaker_->record_success(clock_->now());
}

Decision RetryState::on_cancelled() {
    return stop(StopReason::Cancelled);
}

std::string give_up_message(int attempts, milliseconds elapsed, StopReason reason,
                            std::optional<ErrorClass> last) {
    std::string text = "[odbc-retry] gave up after " + std::to_string(attempts) +
                       (attempts == 1 ? " attempt" : " attempts") + " over " +
                       std::to_string(elapsed.count()) + " ms: " + std::string(describe(reason));
    if (last) text += " (last error: " + std::string(to_string(*last)) + ")";
    return text;
}

std::string give_up_message(const RetryState& state) {
    return give_up_message(state.attempts(), state.elapsed(), state.stop_reason(),
                           state.last_class());
}

}  // namespace odbcretry
