// SPDX-License-Identifier: Apache-2.0
// What the differential suite's files (differential_*_test.cpp, one per API area) share: the
// test fixture and the test data that several areas use. The suite is instantiated once, for
// every backend, in differential_fixture.cpp.
#pragma once
#include <string>

#include "differential.h"

namespace ort_it {

// TEST_P(Differential, Name) runs its body through run() on the direct and on the odbc-retry DSN
// of each backend; the transcripts are named after the test.
class Differential : public ::testing::TestWithParam<Backend> {
  protected:
    void run(const Body& body) {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        std::string name = info->name();
        name = name.substr(0, name.find('/'));
        differential(GetParam(), name, body);
    }
};

inline const std::string kGreeting =
    "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC";  // héllo wörld ✓ 日本

// Creates a table with one column of each common type, in the backend's dialect, and fills it
// with three rows of literals: values, NULLs, extremes.
void fill_types_table(Pass& r, const std::string& t);

// A small table (c_id, c_name, c_amount) with `rows` rows; row 4 has a NULL name, row 7 a long one.
void fill_small_table(Pass& r, const std::string& t, int rows);

}  // namespace ort_it
