// SPDX-License-Identifier: Apache-2.0
// What `odbc-retry stats` shows per target: the stats of every live process that uses it and
// the retired totals of those that have exited, added up (so every counter is monotonic).
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shim/shared/stats_file.h"

namespace odbcretry {

struct TargetSummary {
    std::string key;
    DriverFamily family = DriverFamily::Generic;
    std::vector<std::int64_t> pids;  // the live processes that use it, ascending (may be empty)
    CounterValues counters{};        // summed over the processes
    // The breaker as the processes see it: with a shared breaker all see the same; otherwise
    // the worst (open > half_open > closed) of those that can be read.
    BreakerView breaker;
    BreakerMode breaker_mode = BreakerMode::None;
    // Retry budgets are per process: the lowest tokens left, and the largest bucket size.
    bool budget_enabled = false;
    double budget_tokens_min = 0;
    int budget_max_tokens = 0;
};

// One summary per target key, sorted by key.
std::vector<TargetSummary> summarize(const StatsScan& scan,
                                     std::chrono::steady_clock::time_point now);

}  // namespace odbcretry
