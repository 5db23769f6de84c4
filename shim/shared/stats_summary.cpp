// SPDX-License-Identifier: Apache-2.0
#include "shim/shared/stats_summary.h"

#include <algorithm>
#include <map>

namespace odbcretry {

namespace {
int severity(BreakerState s) {
    switch (s) {
        case BreakerState::Closed:
            return 0;
        case BreakerState::HalfOpen:
            return 1;
        case BreakerState::Open:
            return 2;
    }
    return 0;
}
}  // namespace

std::vector<TargetSummary> summarize(const StatsScan& scan,
                                     std::chrono::steady_clock::time_point now) {
    std::map<std::string, TargetSummary> by_key;
    std::vector<const TargetStats*> all;
    for (const TargetStats& t : scan.targets) all.push_back(&t);
    for (const TargetStats& t : scan.retired) all.push_back(&t);
    for (const TargetStats* entry : all) {
        const TargetStats& t = *entry;
        TargetSummary& s = by_key[t.key];
        const bool first = s.key.empty();
        if (first) {
            s.key = t.key;
            s.family = t.family;
        }
        const std::int64_t pid =
            t.process < scan.processes.size() ? scan.processes[t.process].pid : 0;
        if (t.process != kRetiredProcess &&
            std::find(s.pids.begin(), s.pids.end(), pid) == s.pids.end())
            s.pids.push_back(pid);
        for (std::size_t i = 0; i < kCounterCount; ++i) s.counters[i] += t.counters[i];
        if (t.budget_max_tokens > 0) {
            s.budget_tokens_min =
                s.budget_enabled ? std::min(s.budget_tokens_min, t.budget_tokens) : t.budget_tokens;
            s.budget_max_tokens = std::max(s.budget_max_tokens, t.budget_max_tokens);
            s.budget_enabled = true;
        }
        if (t.breaker_mode != BreakerMode::None &&
            (s.breaker_mode == BreakerMode::None || t.breaker_mode == BreakerMode::Shared))
            s.breaker_mode = t.breaker_mode;
        const std::string& directory =
            t.process < scan.processes.size() && !scan.processes[t.process].directory.empty()
                ? scan.processes[t.process].directory
                : scan.directory;
        BreakerView view = read_breaker(t, directory, now);
        if (view.known && (!s.breaker.known || severity(view.state) > severity(s.breaker.state) ||
                           (view.state == s.breaker.state && view.in_state && s.breaker.in_state &&
                            *view.in_state > *s.breaker.in_state)))
            s.breaker = view;
    }
    std::vector<TargetSummary> out;
    out.reserve(by_key.size());
    for (auto& [key, s] : by_key) {
        std::sort(s.pids.begin(), s.pids.end());
        out.push_back(std::move(s));
    }
    return out;
}

}  // namespace odbcretry
