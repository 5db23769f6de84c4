// SPDX-License-Identifier: Apache-2.0
// The retry policy a connection's settings make (shim/retry/ holds the pieces), its classifier,
// and the log lines of every decision.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "shim/config/config.h"
#include "shim/target_driver/diag.h"
#include "shim/retry/classifier.h"
#include "shim/retry/policy.h"

namespace odbcretry {

class TargetState;

RetrySettings make_retry_settings(const Settings& settings);
// The user's rules of every class, in the order classes are documented. Never fails: the values
// were validated when the configuration was resolved.
std::vector<Rule> make_user_rules(const Settings& settings);

// Classifies the records of one failed call.
Classifier::Verdict classify(const Classifier& classifier, const std::vector<DiagRecord>& records,
                             Phase phase, std::optional<bool> target_reports_dead = std::nullopt);

// Prepares a target message for a log line: every secret value (passwords the application or
// the DSN gave) is replaced and newlines are folded.
std::string redact(std::string text, const std::vector<std::string>& secrets);

struct AttemptReport {
    const char* operation;  // "connect", "execute", ...
    int attempt;
    int max_attempts;
    const Classifier::Verdict* verdict;
    const DiagRecord* record;  // the deciding record, may be null
    std::chrono::milliseconds delay;
    const std::string* target;
};
void log_retry(const AttemptReport& report, const std::vector<std::string>& secrets);
void log_give_up(const char* operation, const std::string& message, const std::string& target,
                 const DiagRecord* record, const std::vector<std::string>& secrets);

}  // namespace odbcretry
