// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/random.h"

#include <random>

namespace odbcretry {

double DefaultRandom::uniform01() {
    thread_local std::mt19937_64 engine = [] {
        std::random_device device;
        std::seed_seq seed{device(), device(), device(), device()};
        return std::mt19937_64(seed);
    }();
    // The top 53 bits as a double in [0, 1): exact, never 1.0.
    return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

Random& default_random() {
    static DefaultRandom instance;
    return instance;
}

}  // namespace odbcretry
