// SPDX-License-Identifier: Apache-2.0
// The end of a transaction that a lost connection rolled back, given as SQL text: a ROLLBACK in
// any spelling is what happened anyway, so it is never refused as if it were a COMMIT.
#include "driver_harness.h"

namespace odbcretry::driver_tests {
namespace {

// The second execute loses the connection before it reaches the server: the first INSERT's
// transaction is gone, the second is refused (08S01, "inside a transaction").
const char* const kLoseSecond =
    "LoseAt=execute:before:2;RetryBaseDelay=1ms;RetryMaxDelay=2ms;RetryDeadline=10s;"
    "CircuitBreakerShared=no;";

class LostTransactionTest : public ::testing::TestWithParam<const char*> {
  protected:
    void lose_transaction() {
        session_.connect_ok(fake_target(kLoseSecond));
        ASSERT_EQ(a().SQLSetConnectAttr(session_.dbc(), SQL_ATTR_AUTOCOMMIT,
                                        reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_OFF), 0),
                  SQL_SUCCESS);
        stmt_ = session_.statement();
        ASSERT_EQ(a().SQLExecDirect(stmt_, sql("INSERT INTO t VALUES (1)"), SQL_NTS), SQL_SUCCESS);
        ASSERT_EQ(a().SQLExecDirect(stmt_, sql("INSERT INTO t VALUES (2)"), SQL_NTS), SQL_ERROR);
        std::vector<Record> lost = records(a(), SQL_HANDLE_STMT, stmt_);
        ASSERT_FALSE(lost.empty());
        ASSERT_EQ(lost.front().state, "08S01") << show(lost);
    }
    const Api& a() { return retry(); }

    Session session_{retry()};
    SQLHSTMT stmt_ = nullptr;
};

TEST_P(LostTransactionTest, RollbackAsTextInAnySpellingIsNotRefusedAsACommit) {
    lose_transaction();
    if (HasFatalFailure()) return;
    // The text goes to the target (the fake knows no ROLLBACK statement and says so); what
    // matters is that odbc-retry does not answer it with its own COMMIT refusal.
    a().SQLExecDirect(stmt_, sql(GetParam()), SQL_NTS);
    for (const Record& r : records(a(), SQL_HANDLE_STMT, stmt_))
        EXPECT_EQ(r.message.find("COMMIT refused"), std::string::npos)
            << GetParam() << ": " << r.state << " " << r.message;
}

INSTANTIATE_TEST_SUITE_P(Spellings, LostTransactionTest,
                         ::testing::Values("ROLLBACK", "rollback", "Rollback", "  RollBack WORK",
                                           "abort", "Abort"));

TEST_F(LostTransactionTest, CommitAsTextIsRefused) {
    lose_transaction();
    if (HasFatalFailure()) return;
    EXPECT_EQ(a().SQLExecDirect(stmt_, sql("Commit"), SQL_NTS), SQL_ERROR);
    std::vector<Record> refused = records(a(), SQL_HANDLE_STMT, stmt_);
    ASSERT_FALSE(refused.empty());
    EXPECT_EQ(refused.front().state, "08S01") << show(refused);
    EXPECT_NE(refused.front().message.find("COMMIT refused"), std::string::npos) << show(refused);
}

}  // namespace
}  // namespace odbcretry::driver_tests
