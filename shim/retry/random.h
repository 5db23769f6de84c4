// SPDX-License-Identifier: Apache-2.0
// The random source of backoff jitter, injected so that tests are exact.
#pragma once
#include <cstddef>
#include <vector>

namespace odbcretry {

struct Random {
    virtual ~Random() = default;
    // A number in [0, 1).
    virtual double uniform01() = 0;
};

// Backed by one 64-bit Mersenne Twister per thread, each seeded from std::random_device: any
// number of threads may share one DefaultRandom (it has no state of its own).
class DefaultRandom final : public Random {
  public:
    double uniform01() override;
};

// The process-wide DefaultRandom.
Random& default_random();

// Returns the given values in order, then repeats the last one (0 when given none). For tests.
// Not thread-safe.
class ScriptedRandom final : public Random {
  public:
    explicit ScriptedRandom(std::vector<double> values) : values_(std::move(values)) {}
    double uniform01() override {
        ++calls_;
        if (values_.empty()) return 0.0;
        double v = values_[next_ < values_.size() ? next_ : values_.size() - 1];
        if (next_ < values_.size()) ++next_;
        return v;
    }
    std::size_t calls() const { return calls_; }

  private:
    std::vector<double> values_;
    std::size_t next_ = 0;
    std::size_t calls_ = 0;
};

}  // namespace odbcretry
