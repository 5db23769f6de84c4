// SPDX-License-Identifier: Apache-2.0
#include "shim/config/retry_settings.h"

#include "shim/config/log.h"
#include "shim/retry/backoff.h"

namespace odbcretry {

RetrySettings make_retry_settings(const Settings& s) {
    RetrySettings r;
    r.max_attempts = s.retry_max_attempts;
    r.deadline = s.retry_deadline;
    r.breaker_wait = s.circuit_breaker_wait;
    r.backoff.base = s.retry_base_delay;
    r.backoff.max = s.retry_max_delay;
    r.backoff.multiplier = s.retry_multiplier;
    r.backoff.kind = parse_backoff_kind(s.retry_backoff).value_or(BackoffKind::Exponential);
    r.backoff.jitter = parse_jitter(s.retry_jitter).value_or(Jitter::Full);
    if (r.backoff.jitter == Jitter::Decorrelated && r.backoff.base.count() == 0)
        r.backoff.base = std::chrono::milliseconds(1);
    if (!s.retry_deadlocks) {
        r.retry_on_statement = ClassSet{ErrorClass::Transient};
    }
    return r;
}

std::vector<Rule> make_user_rules(const Settings& s) {
    std::vector<Rule> out;
    auto add = [&](const std::string& value, ErrorClass cls) {
        if (value.empty()) return;
        auto parsed = parse_rules(value, cls);
        if (parsed)
            for (auto& r : parsed.value()) out.push_back(std::move(r));
    };
    add(s.rules_fatal, ErrorClass::Fatal);
    add(s.rules_connection_lost, ErrorClass::ConnectionLost);
    add(s.rules_transient, ErrorClass::Transient);
    add(s.rules_rolled_back, ErrorClass::RolledBack);
    add(s.rules_timeout, ErrorClass::Timeout);
    return out;
}

Classifier::Verdict classify(const Classifier& classifier, const std::vector<DiagRecord>& records,
                             Phase phase, std::optional<bool> target_reports_dead) {
    std::vector<Failure> failures;
    failures.reserve(records.size());
    for (const auto& r : records) failures.push_back(Failure{r.sqlstate, r.native, r.message});
    return classifier.classify(failures, phase, target_reports_dead);
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 2) continue;  // a one-character "secret" would mask random letters
        size_t at = 0;
        while ((at = text.find(secret, at)) != std::string::npos) {
            text.replace(at, secret.size(), "***");
            at += 3;
        }
    }
    // One log line per decision: the target's multi-line messages are folded.
    std::string folded;
    folded.reserve(text.size());
    for (char c : text) {
        if (c == '\n')
            folded += "\\n";
        else if (c == '\t')
            folded += ' ';
        else if (c != '\r')
            folded += c;
    }
    while (folded.size() >= 2 && folded.compare(folded.size() - 2, 2, "\\n") == 0)
        folded.resize(folded.size() - 2);
    return folded;
}

void log_retry(const AttemptReport& r, const std::vector<std::string>& secrets) {
    auto& log = logger();
    if (!log.should_log(spdlog::level::info)) return;
    log.info(
        "{} attempt {}/{} failed: class={} rule=\"{}\" sqlstate={} native={} message=\"{}\"; "
        "retrying in {} ms; target={}",
        r.operation, r.attempt, r.max_attempts, to_string(r.verdict->cls), r.verdict->rule_name,
        r.record ? r.record->sqlstate : "-", r.record ? r.record->native : 0,
        r.record ? redact(r.record->message, secrets) : "", r.delay.count(), *r.target);
}

void log_give_up(const char* operation, const std::string& message, const std::string& target,
                 const DiagRecord* record, const std::vector<std::string>& secrets) {
    auto& log = logger();
    if (!log.should_log(spdlog::level::warn)) return;
    log.warn("{} failed: {}; last error sqlstate={} native={} message=\"{}\"; target={}", operation,
             message, record ? record->sqlstate : "-", record ? record->native : 0,
             record ? redact(record->message, secrets) : "", target);
}

}  // namespace odbcretry
