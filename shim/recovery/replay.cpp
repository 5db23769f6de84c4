// SPDX-License-Identifier: Apache-2.0
#include "shim/recovery/replay.h"

namespace odbcretry {

ReplayVerdict decide_replay(const ReplayFacts& f) {
    const bool in_transaction =
        (!f.autocommit && f.statements_in_transaction > 0) || f.transaction_lost;
    switch (f.call) {
        case ReplayCall::Rollback:
            // The server already rolled the transaction back with the connection.
            return ReplayVerdict::Succeed;
        case ReplayCall::Commit:
            if (!f.autocommit && f.statements_in_transaction == 0) return ReplayVerdict::Succeed;
            return f.not_sent ? ReplayVerdict::RefuseCommitRolledBack
                              : ReplayVerdict::RefuseCommitUnknown;
        case ReplayCall::StreamData:
        case ReplayCall::MoreResults:
            return in_transaction ? ReplayVerdict::RefuseTransaction
                                  : ReplayVerdict::RefuseNotReplayable;
        default:
            break;
    }
    if (f.session_state_lost) return ReplayVerdict::RefuseSessionState;
    if (in_transaction) return ReplayVerdict::RefuseTransaction;
    if (!f.statement_rebuildable) return ReplayVerdict::RefuseSessionState;
    switch (f.call) {
        case ReplayCall::Prepare:
        case ReplayCall::Catalog:
        case ReplayCall::Other:
            return ReplayVerdict::Replay;
        case ReplayCall::Execute: {
            // Nothing can have committed: a read, the first statement of a transaction, a call
            // that never reached the server, or a workload declared idempotent.
            bool read = f.kind == StatementKind::Read || f.kind == StatementKind::SessionSet;
            if (!f.autocommit) return ReplayVerdict::Replay;  // first statement of the transaction
            if (f.param_array && !f.writes_idempotent && !f.not_sent && !read)
                return ReplayVerdict::RefuseUnknownOutcome;
            if (read || f.not_sent || f.writes_idempotent) return ReplayVerdict::Replay;
            return ReplayVerdict::RefuseUnknownOutcome;
        }
        case ReplayCall::Fetch: {
            bool read = f.kind == StatementKind::Read;
            if (!read && !f.writes_idempotent) return ReplayVerdict::RefuseNotReplayable;
            if (!f.rows_verifiable) return ReplayVerdict::RefuseNotReplayable;
            return ReplayVerdict::ResumeFetch;
        }
        default:
            return ReplayVerdict::RefuseNotReplayable;
    }
}

std::string_view to_string(ReplayVerdict v) {
    switch (v) {
        case ReplayVerdict::Replay:
            return "replay";
        case ReplayVerdict::ResumeFetch:
            return "resume_fetch";
        case ReplayVerdict::RefuseUnknownOutcome:
            return "refused_unknown_outcome";
        case ReplayVerdict::RefuseTransaction:
            return "refused_transaction_rolled_back";
        case ReplayVerdict::RefuseCommitUnknown:
            return "refused_commit_outcome_unknown";
        case ReplayVerdict::RefuseCommitRolledBack:
            return "refused_commit_rolled_back";
        case ReplayVerdict::RefuseSessionState:
            return "refused_session_state";
        case ReplayVerdict::RefuseNotReplayable:
            return "refused_not_replayable";
        case ReplayVerdict::Succeed:
            return "succeed";
    }
    return "?";
}

const char* refusal_sqlstate(ReplayVerdict v) {
    return v == ReplayVerdict::RefuseCommitUnknown ? "08007" : "08S01";
}

std::string_view refusal_message(ReplayVerdict v) {
    switch (v) {
        case ReplayVerdict::RefuseUnknownOutcome:
            return "[odbc-retry] the connection was lost while the statement ran; its outcome is "
                   "unknown "
                   "(it may or may not have been applied) and it was not repeated; the session was "
                   "re-established and the next call on this handle works";
        case ReplayVerdict::RefuseTransaction:
            return "[odbc-retry] the connection was lost inside a transaction: the server rolled "
                   "the "
                   "transaction back; the session was re-established, start the transaction again";
        case ReplayVerdict::RefuseCommitUnknown:
            return "[odbc-retry] the connection was lost during COMMIT: the outcome of the "
                   "transaction is "
                   "unknown; the session was re-established";
        case ReplayVerdict::RefuseCommitRolledBack:
            return "[odbc-retry] the connection was lost before COMMIT reached the server: the "
                   "transaction "
                   "was rolled back; the session was re-established, start the transaction again";
        case ReplayVerdict::RefuseSessionState:
            return "[odbc-retry] the connection was lost with session state that cannot be rebuilt "
                   "(temporary tables, session locks, or descriptors edited directly); the session "
                   "was "
                   "re-established without it";
        case ReplayVerdict::RefuseNotReplayable:
            return "[odbc-retry] the connection was lost in the middle of a call that cannot be "
                   "repeated "
                   "(a data-at-execution stream, further results of a batch, or rows that cannot "
                   "be "
                   "re-read); the session was re-established";
        default:
            return "[odbc-retry] the connection was lost";
    }
}

}  // namespace odbcretry
