// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/clock.h"

#include <algorithm>
#include <thread>

namespace odbcretry {

Clock& steady_clock_instance() {
    static SteadyClock instance;
    return instance;
}

bool RealSleeper::sleep_for(std::chrono::milliseconds duration, const std::atomic<bool>* cancel) {
    using std::chrono::steady_clock;
    const steady_clock::time_point end = steady_clock::now() + duration;
    for (;;) {
        if (cancel && cancel->load(std::memory_order_acquire)) return false;
        const steady_clock::time_point now = steady_clock::now();
        if (now >= end) return true;
        std::this_thread::sleep_for(std::min<steady_clock::duration>(end - now, kPollInterval));
    }
}

Sleeper& real_sleeper() {
    static RealSleeper instance;
    return instance;
}

std::int64_t to_steady_ms(std::chrono::steady_clock::time_point t) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
    return ms < 0 ? 0 : static_cast<std::int64_t>(ms);
}

std::chrono::steady_clock::time_point from_steady_ms(std::int64_t ms) {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms));
}

}  // namespace odbcretry
