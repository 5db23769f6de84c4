// SPDX-License-Identifier: Apache-2.0
// decide_replay(): one test per row of the recovery table in docs/error-contract.md
// ("Lost connections: recovery and replay"), then the edge cases between the rows.
#include <gtest/gtest.h>

#include <ostream>
#include <string>

#include "shim/recovery/replay.h"

namespace odbcretry {

// Readable failures: gtest finds this by argument-dependent lookup.
[[maybe_unused]] static void PrintTo(ReplayVerdict verdict, std::ostream* os) {
    *os << to_string(verdict);
}

namespace {

// A read in autocommit with nothing special: the baseline every test changes one fact of.
ReplayFacts facts(ReplayCall call, StatementKind kind = StatementKind::Read) {
    ReplayFacts f;
    f.call = call;
    f.kind = kind;
    return f;
}

ReplayFacts in_transaction(ReplayCall call, StatementKind kind, int earlier_statements) {
    ReplayFacts f = facts(call, kind);
    f.autocommit = false;
    f.statements_in_transaction = earlier_statements;
    return f;
}

// ---- the rows of the contract ----------------------------------------------------------------

TEST(DecideReplay, AutocommitReadIsReplayed) {
    EXPECT_EQ(ReplayVerdict::Replay,
              decide_replay(facts(ReplayCall::Execute, StatementKind::Read)));
}

TEST(DecideReplay, CatalogFunctionsAreReplayed) {
    EXPECT_EQ(ReplayVerdict::Replay,
              decide_replay(facts(ReplayCall::Catalog, StatementKind::Unknown)));
}

TEST(DecideReplay, PrepareIsReplayedWhateverTheStatement) {
    // Nothing ran: SQLPrepare of a write is as safe as one of a read.
    EXPECT_EQ(ReplayVerdict::Replay,
              decide_replay(facts(ReplayCall::Prepare, StatementKind::Write)));
    EXPECT_EQ(ReplayVerdict::Replay,
              decide_replay(facts(ReplayCall::Prepare, StatementKind::Unknown)));
}

TEST(DecideReplay, FirstStatementOfATransactionIsReplayedEvenAWrite) {
    for (auto kind : {StatementKind::Read, StatementKind::Write, StatementKind::Unknown})
        EXPECT_EQ(ReplayVerdict::Replay,
                  decide_replay(in_transaction(ReplayCall::Execute, kind, 0)))
            << static_cast<int>(kind);
}

TEST(DecideReplay, NotSentIsReplayedWritesIncluded) {
    for (auto kind : {StatementKind::Write, StatementKind::Unknown}) {
        ReplayFacts f = facts(ReplayCall::Execute, kind);
        f.not_sent = true;
        EXPECT_EQ(ReplayVerdict::Replay, decide_replay(f)) << static_cast<int>(kind);
    }
}

TEST(DecideReplay, AutocommitWriteHasAnUnknownOutcome) {
    EXPECT_EQ(ReplayVerdict::RefuseUnknownOutcome,
              decide_replay(facts(ReplayCall::Execute, StatementKind::Write)));
    // A statement that cannot be classified counts as a write.
    EXPECT_EQ(ReplayVerdict::RefuseUnknownOutcome,
              decide_replay(facts(ReplayCall::Execute, StatementKind::Unknown)));
}

TEST(DecideReplay, AutocommitWriteIsReplayedWhenDeclaredIdempotent) {
    ReplayFacts f = facts(ReplayCall::Execute, StatementKind::Write);
    f.writes_idempotent = true;
    EXPECT_EQ(ReplayVerdict::Replay, decide_replay(f));
}

TEST(DecideReplay, LaterStatementOfATransactionIsRefused) {
    for (auto kind : {StatementKind::Read, StatementKind::Write, StatementKind::SessionSet})
        EXPECT_EQ(ReplayVerdict::RefuseTransaction,
                  decide_replay(in_transaction(ReplayCall::Execute, kind, 1)))
            << static_cast<int>(kind);
    EXPECT_EQ(ReplayVerdict::RefuseTransaction,
              decide_replay(in_transaction(ReplayCall::Execute, StatementKind::Read, 17)));
}

TEST(DecideReplay, LaterStatementOfATransactionIsRefusedEvenWhenNotSentOrIdempotent) {
    // The server rolled back the earlier statements: repeating this one alone would commit half
    // a transaction.
    ReplayFacts f = in_transaction(ReplayCall::Execute, StatementKind::Write, 2);
    f.not_sent = true;
    EXPECT_EQ(ReplayVerdict::RefuseTransaction, decide_replay(f));
    f.not_sent = false;
    f.writes_idempotent = true;
    EXPECT_EQ(ReplayVerdict::RefuseTransaction, decide_replay(f));
}

TEST(DecideReplay, CatalogAndPrepareInsideATransactionAreRefused) {
    EXPECT_EQ(ReplayVerdict::RefuseTransaction,
              decide_replay(in_transaction(ReplayCall::Catalog, StatementKind::Unknown, 1)));
    EXPECT_EQ(ReplayVerdict::RefuseTransaction,
              decide_replay(in_transaction(ReplayCall::Prepare, StatementKind::Write, 3)));
}

TEST(DecideReplay, CommitHasAnUnknownOutcome) {
    EXPECT_EQ(ReplayVerdict::RefuseCommitUnknown,
              decide_replay(in_transaction(ReplayCall::Commit, StatementKind::Unknown, 2)));
}

TEST(DecideReplay, CommitNotSentWasRolledBack) {
    ReplayFacts f = in_transaction(ReplayCall::Commit, StatementKind::Unknown, 2);
    f.not_sent = true;
    EXPECT_EQ(ReplayVerdict::RefuseCommitRolledBack, decide_replay(f));
}

TEST(DecideReplay, CommitIgnoresIdempotentWrites) {
    // ReplayWrites=idempotent is about statements; a COMMIT is never repeated.
    ReplayFacts f = in_transaction(ReplayCall::Commit, StatementKind::Unknown, 1);
    f.writes_idempotent = true;
    EXPECT_EQ(ReplayVerdict::RefuseCommitUnknown, decide_replay(f));
}

TEST(DecideReplay, CommitOfAnEmptyTransactionSucceeds) {
    EXPECT_EQ(ReplayVerdict::Succeed,
              decide_replay(in_transaction(ReplayCall::Commit, StatementKind::Unknown, 0)));
}

TEST(DecideReplay, CommitInAutocommitIsNotAcknowledged) {
    // odbc-retry cannot see a transaction opened with SQL text (BEGIN, START TRANSACTION) in
    // autocommit mode, so a COMMIT there is not answered as if nothing was pending.
    ReplayFacts f = facts(ReplayCall::Commit, StatementKind::Unknown);
    EXPECT_NE(ReplayVerdict::Succeed, decide_replay(f));
    EXPECT_EQ(ReplayVerdict::RefuseCommitUnknown, decide_replay(f));
}

TEST(DecideReplay, RollbackSucceeds) {
    EXPECT_EQ(ReplayVerdict::Succeed,
              decide_replay(in_transaction(ReplayCall::Rollback, StatementKind::Unknown, 5)));
    EXPECT_EQ(ReplayVerdict::Succeed,
              decide_replay(in_transaction(ReplayCall::Rollback, StatementKind::Unknown, 0)));
    ReplayFacts f = facts(ReplayCall::Rollback, StatementKind::Unknown);
    f.session_state_lost = true;  // even then: nothing is repeated
    EXPECT_EQ(ReplayVerdict::Succeed, decide_replay(f));
}

TEST(DecideReplay, FetchOfAReadResumes) {
    EXPECT_EQ(ReplayVerdict::ResumeFetch,
              decide_replay(facts(ReplayCall::Fetch, StatementKind::Read)));
}

TEST(DecideReplay, FetchWhoseRowsCannotBeVerifiedIsRefused) {
    ReplayFacts f = facts(ReplayCall::Fetch, StatementKind::Read);
    f.rows_verifiable = false;
    EXPECT_EQ(ReplayVerdict::RefuseNotReplayable, decide_replay(f));
}

TEST(DecideReplay, FetchOfAWriteIsRefused) {
    // INSERT ... RETURNING, SELECT ... FOR UPDATE: executing again could write again.
    EXPECT_EQ(ReplayVerdict::RefuseNotReplayable,
              decide_replay(facts(ReplayCall::Fetch, StatementKind::Write)));
    EXPECT_EQ(ReplayVerdict::RefuseNotReplayable,
              decide_replay(facts(ReplayCall::Fetch, StatementKind::Unknown)));
    ReplayFacts f = facts(ReplayCall::Fetch, StatementKind::Write);
    f.writes_idempotent = true;
    EXPECT_EQ(ReplayVerdict::ResumeFetch, decide_replay(f));
}

TEST(DecideReplay, FetchInsideATransactionWithEarlierStatementsIsRefused) {
    EXPECT_EQ(ReplayVerdict::RefuseTransaction,
              decide_replay(in_transaction(ReplayCall::Fetch, StatementKind::Read, 2)));
}

TEST(DecideReplay, FetchOfTheFirstStatementOfATransactionResumes) {
    // "replayable as above" includes the first statement of a transaction.
    EXPECT_EQ(ReplayVerdict::ResumeFetch,
              decide_replay(in_transaction(ReplayCall::Fetch, StatementKind::Read, 0)));
}

TEST(DecideReplay, DataAtExecutionAndMoreResultsAreNotReplayable) {
    for (auto call : {ReplayCall::StreamData, ReplayCall::MoreResults}) {
        EXPECT_EQ(ReplayVerdict::RefuseNotReplayable,
                  decide_replay(facts(call, StatementKind::Read)));
        ReplayFacts f = facts(call, StatementKind::Write);
        f.not_sent = true;
        f.writes_idempotent = true;
        EXPECT_EQ(ReplayVerdict::RefuseNotReplayable, decide_replay(f));
        // Inside a transaction the stronger message wins: the whole transaction is gone.
        EXPECT_EQ(ReplayVerdict::RefuseTransaction,
                  decide_replay(in_transaction(call, StatementKind::Write, 1)));
    }
}

TEST(DecideReplay, LostSessionStateRefusesEveryStatementCall) {
    for (auto call : {ReplayCall::Execute, ReplayCall::Prepare, ReplayCall::Catalog,
                      ReplayCall::Fetch, ReplayCall::Other}) {
        ReplayFacts f = facts(call, StatementKind::Read);
        f.session_state_lost = true;
        EXPECT_EQ(ReplayVerdict::RefuseSessionState, decide_replay(f)) << static_cast<int>(call);
        f.not_sent = true;  // even a call that never reached the server: its session is gone
        EXPECT_EQ(ReplayVerdict::RefuseSessionState, decide_replay(f)) << static_cast<int>(call);
    }
    // The first statement of a transaction too.
    ReplayFacts f = in_transaction(ReplayCall::Execute, StatementKind::Write, 0);
    f.session_state_lost = true;
    EXPECT_EQ(ReplayVerdict::RefuseSessionState, decide_replay(f));
}

TEST(DecideReplay, EditedDescriptorRefusesReplay) {
    ReplayFacts f = facts(ReplayCall::Execute, StatementKind::Read);
    f.statement_rebuildable = false;
    EXPECT_EQ(ReplayVerdict::RefuseSessionState, decide_replay(f));
    f.call = ReplayCall::Fetch;
    EXPECT_EQ(ReplayVerdict::RefuseSessionState, decide_replay(f));
}

// ---- parameter arrays
// ----------------------------------------------------------------------------

TEST(DecideReplay, ParamArrayWriteHasAnUnknownOutcome) {
    ReplayFacts f = facts(ReplayCall::Execute, StatementKind::Write);
    f.param_array = true;
    EXPECT_EQ(ReplayVerdict::RefuseUnknownOutcome, decide_replay(f));
}

TEST(DecideReplay, ParamArrayReplayedWhenNotSentIdempotentOrARead) {
    ReplayFacts f = facts(ReplayCall::Execute, StatementKind::Write);
    f.param_array = true;
    f.not_sent = true;
    EXPECT_EQ(ReplayVerdict::Replay, decide_replay(f));
    f.not_sent = false;
    f.writes_idempotent = true;
    EXPECT_EQ(ReplayVerdict::Replay, decide_replay(f));
    ReplayFacts r = facts(ReplayCall::Execute, StatementKind::Read);
    r.param_array = true;
    EXPECT_EQ(ReplayVerdict::Replay, decide_replay(r));
}

TEST(DecideReplay, ParamArrayAsFirstStatementOfATransactionIsReplayed) {
    ReplayFacts f = in_transaction(ReplayCall::Execute, StatementKind::Write, 0);
    f.param_array = true;
    EXPECT_EQ(ReplayVerdict::Replay, decide_replay(f));
}

// ---- session settings
// ------------------------------------------------------------------------------

TEST(DecideReplay, SessionSetInAutocommitIsReplayed) {
    EXPECT_EQ(ReplayVerdict::Replay,
              decide_replay(facts(ReplayCall::Execute, StatementKind::SessionSet)));
}

// ---- messages and SQLSTATEs
// ----------------------------------------------------------------------

TEST(ReplayRefusal, SqlStates) {
    EXPECT_STREQ("08007", refusal_sqlstate(ReplayVerdict::RefuseCommitUnknown));
    for (auto v : {ReplayVerdict::RefuseUnknownOutcome, ReplayVerdict::RefuseTransaction,
                   ReplayVerdict::RefuseCommitRolledBack, ReplayVerdict::RefuseSessionState,
                   ReplayVerdict::RefuseNotReplayable})
        EXPECT_STREQ("08S01", refusal_sqlstate(v)) << to_string(v);
}

TEST(ReplayRefusal, MessagesSayWhatTheContractSays) {
    auto message = [](ReplayVerdict v) { return std::string(refusal_message(v)); };
    auto has = [](const std::string& text, const char* part) {
        return text.find(part) != std::string::npos;
    };
    for (auto v : {ReplayVerdict::RefuseUnknownOutcome, ReplayVerdict::RefuseTransaction,
                   ReplayVerdict::RefuseCommitUnknown, ReplayVerdict::RefuseCommitRolledBack,
                   ReplayVerdict::RefuseSessionState, ReplayVerdict::RefuseNotReplayable}) {
        EXPECT_EQ(0u, message(v).rfind("[odbc-retry] ", 0)) << message(v);
        EXPECT_TRUE(has(message(v), "re-established")) << message(v);
    }
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseUnknownOutcome), "outcome is unknown"));
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseUnknownOutcome), "not repeated"));
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseTransaction), "inside a transaction"));
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseTransaction), "rolled the transaction back"));
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseCommitUnknown), "during COMMIT"));
    EXPECT_TRUE(
        has(message(ReplayVerdict::RefuseCommitUnknown), "outcome of the transaction is unknown"));
    EXPECT_TRUE(has(message(ReplayVerdict::RefuseCommitRolledBack), "rolled back"));
    EXPECT_TRUE(
        has(message(ReplayVerdict::RefuseSessionState), "session state that cannot be rebuilt"));
}

TEST(ReplayRefusal, EveryVerdictHasAName) {
    for (auto v :
         {ReplayVerdict::Replay, ReplayVerdict::ResumeFetch, ReplayVerdict::RefuseUnknownOutcome,
          ReplayVerdict::RefuseTransaction, ReplayVerdict::RefuseCommitUnknown,
          ReplayVerdict::RefuseCommitRolledBack, ReplayVerdict::RefuseSessionState,
          ReplayVerdict::RefuseNotReplayable, ReplayVerdict::Succeed})
        EXPECT_NE("?", to_string(v));
}

TEST(DecideReplay, AReadResumedAfterAnotherCallLostTheTransactionIsRefused) {
    // Another statement's recovery lost the transaction: this read's result belonged to it, and
    // resuming it must not look like a transaction that goes on (the COMMIT is refused later).
    ReplayFacts f = in_transaction(ReplayCall::Fetch, StatementKind::Read, 0);
    EXPECT_EQ(ReplayVerdict::ResumeFetch, decide_replay(f));
    f.transaction_lost = true;
    EXPECT_EQ(ReplayVerdict::RefuseTransaction, decide_replay(f));
    ReplayFacts e = in_transaction(ReplayCall::Execute, StatementKind::Write, 0);
    e.transaction_lost = true;
    EXPECT_EQ(ReplayVerdict::RefuseTransaction, decide_replay(e));
}

}  // namespace
}  // namespace odbcretry
