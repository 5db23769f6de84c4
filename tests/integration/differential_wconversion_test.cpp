// SPDX-License-Identifier: Apache-2.0
// The differential suite (see differential.h and differential_fixture.h): W calls that odbc-retry
// converts for an ANSI-only target, checked against the ODBC spec.
#include <algorithm>

#include "differential_fixture.h"

using namespace ort_it;

namespace {

// Where the direct path cannot be compared (the driver manager's own emulation is not
// reproducible, see NativeSql in differential_attributes_test.cpp), odbc-retry's conversion is
// checked against the ODBC spec: the whole text when it fits, else SQL_SUCCESS_WITH_INFO with
// 01004, the full length in characters and the text cut to the buffer's capacity less one
// character, terminated.
class WConversion : public ::testing::TestWithParam<Backend> {};

const std::vector<Backend>& ansi_backends() {
    static const std::vector<Backend> backends = [] {
        std::vector<Backend> out;
        for (const Backend& b : all_backends())
            if (w_emulated_backend(b)) out.push_back(b);
        return out;
    }();
    return backends;
}

TEST_P(WConversion, NativeSqlW) {
    const Backend& b = GetParam();
    Transcript unused;
    Pass r(b, b.retry, true, unused);
    ASSERT_TRUE(r.ok);
    for (const std::string& in : {std::string("SELECT 1"), "SELECT '" + kGreeting + "'"}) {
        const WString win = to_w(in);
        const long chars = static_cast<long>(win.size());
        for (SQLINTEGER capacity :
             {1024, static_cast<SQLINTEGER>(chars) + 1, static_cast<SQLINTEGER>(chars), 6, 1}) {
            SCOPED_TRACE(fmt("%s, capacity %d", printable(in).c_str(), capacity));
            std::vector<SQLWCHAR> out(2048, 0xCCCC);
            SQLINTEGER len = -7777;
            SQLRETURN rc = SQLNativeSqlW(r.dbc, const_cast<SQLWCHAR*>(win.data()), SQL_NTS,
                                         out.data(), capacity, &len);
            const bool fits = capacity > chars;
            EXPECT_EQ(rc, fits ? SQL_SUCCESS : SQL_SUCCESS_WITH_INFO)
                << diag_text(SQL_HANDLE_DBC, r.dbc);
            EXPECT_EQ(len, chars) << "the full length, in characters";
            const size_t kept = static_cast<size_t>(std::min<long>(chars, capacity - 1));
            EXPECT_EQ(from_w(out.data(), wlen(out.data(), out.size())), from_w(win.data(), kept));
            EXPECT_EQ(out[kept], 0) << "terminated";
            EXPECT_EQ(out[static_cast<size_t>(capacity)], 0xCCCC)
                << "nothing written past the capacity";
            if (!fits) {
                SQLCHAR state[6] = {};
                SQLINTEGER native = 0;
                SQLCHAR message[512] = {};
                SQLSMALLINT length = 0;
                ASSERT_EQ(SQLGetDiagRec(SQL_HANDLE_DBC, r.dbc, 1, state, &native, message,
                                        sizeof message, &length),
                          SQL_SUCCESS);
                EXPECT_STREQ(reinterpret_cast<char*>(state), "01004") << message;
            }
        }
    }
}

TEST_P(WConversion, GetInfoW) {
    // SQLGetInfo counts in bytes: the capacity and the returned length are bytes of SQLWCHAR.
    const Backend& b = GetParam();
    Transcript unused;
    Pass r(b, b.retry, true, unused);
    ASSERT_TRUE(r.ok);
    std::vector<SQLWCHAR> full(1024, 0xCCCC);
    SQLSMALLINT full_len = -7777;
    ASSERT_EQ(SQLGetInfoW(r.dbc, SQL_DBMS_NAME, full.data(),
                          static_cast<SQLSMALLINT>(full.size() * sizeof(SQLWCHAR)), &full_len),
              SQL_SUCCESS)
        << diag_text(SQL_HANDLE_DBC, r.dbc);
    ASSERT_GT(full_len, 0);
    ASSERT_EQ(full_len % static_cast<SQLSMALLINT>(sizeof(SQLWCHAR)), 0);
    const size_t chars = static_cast<size_t>(full_len) / sizeof(SQLWCHAR);
    ASSERT_EQ(full[chars], 0) << "terminated";
    for (SQLSMALLINT capacity_chars : {0, 1, 4}) {
        SCOPED_TRACE(fmt("capacity %d characters", capacity_chars));
        std::vector<SQLWCHAR> out(64, 0xCCCC);
        SQLSMALLINT len = -7777;
        SQLRETURN rc =
            SQLGetInfoW(r.dbc, SQL_DBMS_NAME, out.data(),
                        static_cast<SQLSMALLINT>(capacity_chars * sizeof(SQLWCHAR)), &len);
        EXPECT_EQ(rc, SQL_SUCCESS_WITH_INFO) << diag_text(SQL_HANDLE_DBC, r.dbc);
        EXPECT_EQ(len, full_len) << "the full length, in bytes";
        if (capacity_chars > 0) {
            const size_t kept = static_cast<size_t>(capacity_chars) - 1;
            EXPECT_TRUE(
                std::equal(out.begin(), out.begin() + static_cast<long>(kept), full.begin()));
            EXPECT_EQ(out[kept], 0) << "terminated";
        }
        EXPECT_EQ(out[static_cast<size_t>(capacity_chars)], 0xCCCC)
            << "nothing written past the capacity";
    }
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(AnsiTargets, WConversion, ::testing::ValuesIn(ansi_backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                             return std::string(info.param.name);
                         });
