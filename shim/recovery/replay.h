// SPDX-License-Identifier: Apache-2.0
// The replay decision: after a lost connection was re-established, may the call that failed be
// issued again without any chance of running a write twice? Pure, so that every row of the
// contract in docs/error-contract.md is a unit test.
#pragma once
#include <string_view>

#include "shim/recovery/sql_text.h"

namespace odbcretry {

enum class ReplayCall {
    Execute,      // SQLExecute / SQLExecDirect: the statement ran (or not) on the lost connection
    Prepare,      // SQLPrepare, describe-only calls: nothing ran
    Catalog,      // catalog functions, SQLGetTypeInfo: reads
    Fetch,        // SQLFetch / SQLFetchScroll / SQLExtendedFetch / SQLGetData on an open result
    Commit,       // SQLEndTran(SQL_COMMIT)
    Rollback,     // SQLEndTran(SQL_ROLLBACK)
    StreamData,   // SQLPutData / SQLParamData: the application's data stream cannot be replayed
    MoreResults,  // SQLMoreResults: the batch's later results are gone
    Other,
};

struct ReplayFacts {
    ReplayCall call = ReplayCall::Other;
    StatementKind kind = StatementKind::Unknown;  // of the statement executed or being fetched
    bool autocommit = true;
    int statements_in_transaction = 0;  // before this call, since the transaction began
    bool transaction_lost = false;      // another call's recovery already lost the transaction
    bool writes_idempotent = false;     // ReplayWrites=idempotent
    bool not_sent = false;              // the target says the call never reached the server
    bool session_state_lost = false;    // temporary tables, session locks: cannot be rebuilt
    bool statement_rebuildable = true;  // journal complete (no direct descriptor edits, ...)
    bool rows_verifiable = true;        // delivered rows can be skipped and checked on re-execute
    bool param_array = false;           // SQL_ATTR_PARAMSET_SIZE > 1
};

enum class ReplayVerdict {
    Replay,                  // issue the call again on the new connection
    ResumeFetch,             // re-execute, skip and verify the delivered rows, fetch on
    RefuseUnknownOutcome,    // an autocommit write may or may not have run: 08S01
    RefuseTransaction,       // the server rolled the transaction back: 08S01
    RefuseCommitUnknown,     // lost during COMMIT: 08007
    RefuseCommitRolledBack,  // lost before COMMIT reached the server: 08S01, rolled back
    RefuseSessionState,      // state that cannot be rebuilt was lost: 08S01
    RefuseNotReplayable,     // a data stream or a batch's further results: 08S01
    Succeed,                 // nothing to replay: the call is answered as if it ran (ROLLBACK)
};

ReplayVerdict decide_replay(const ReplayFacts& facts);
std::string_view to_string(ReplayVerdict verdict);
// The SQLSTATE an application sees for a refusal ("08S01" or "08007").
const char* refusal_sqlstate(ReplayVerdict verdict);
// The [odbc-retry] message for a refusal.
std::string_view refusal_message(ReplayVerdict verdict);

}  // namespace odbcretry
