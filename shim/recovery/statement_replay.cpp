// SPDX-License-Identifier: Apache-2.0
// A statement on a recovered connection: rebuilt from its journal (attributes, cursor name,
// prepared text, bindings) when it is next used, and the failed call replayed or refused as
// decide_replay() says.
#include <algorithm>
#include <cstring>
#include <optional>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"
#include "shim/config/log.h"
#include "shim/recovery/replay.h"
#include "shim/retry/clock.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

namespace {

// How often one call recovers a connection that is lost again while the call is replayed or its
// statement rebuilt on the new connection, before the call gives up.
constexpr int kReplayRounds = 3;

ReplayCall replay_call(Op op) {
    switch (op) {
        case Op::Execute:
        case Op::ExecDirect:
            return ReplayCall::Execute;
        case Op::Prepare:
        case Op::Describe:
        case Op::Attribute:
        case Op::Bind:
            return ReplayCall::Prepare;
        case Op::Catalog:
            return ReplayCall::Catalog;
        case Op::Fetch:
        case Op::GetData:
            return ReplayCall::Fetch;
        case Op::PutData:
        case Op::ParamData:
            return ReplayCall::StreamData;
        case Op::MoreResults:
            return ReplayCall::MoreResults;
        default:
            return ReplayCall::Other;
    }
}

// A recovered connection on which this statement could not be built again: ours first, then the
// target's own records that say why (a table dropped meanwhile, say).
SQLRETURN not_rebuilt(DiagArea& diag, const std::string& failure,
                      const std::vector<DiagRecord>& records) {
    diag.set_leading("08S01",
                     "[odbc-retry] the connection was recovered but this statement could not be "
                     "rebuilt on it: " +
                         failure,
                     records);
    return SQL_ERROR;
}

}  // namespace

SQLRETURN Statement::refuse(ReplayVerdict verdict, const std::vector<DiagRecord>& records) {
    TargetCounters& counters = connection_->target_state().counters();
    counters.replay_refusals.fetch_add(1, std::memory_order_relaxed);
    if (verdict == ReplayVerdict::RefuseUnknownOutcome ||
        verdict == ReplayVerdict::RefuseCommitUnknown)
        counters.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
    diag().set_leading(refusal_sqlstate(verdict), std::string(refusal_message(verdict)), records);
    logger().warn("replay refused on {}: {}", connection_->target_description(),
                  to_string(verdict));
    return SQL_ERROR;
}

SQLRETURN Statement::rebuild(std::string& failure) {
    Connection& c = *connection_;
    // The new handle first: when it cannot be had, the statement keeps its old one (of the
    // retired connection, kept while the statement refers to it) and stays out of date, so every
    // later call tries again; no call ever hands the target a null handle.
    const uint64_t session = c.session();
    SQLHDBC dbc = c.target();
    const TargetApi* api = c.api();
    SQLHSTMT fresh = nullptr;
    if (!dbc || !SQL_SUCCEEDED(api->SQLAllocHandle(SQL_HANDLE_STMT, dbc, &fresh)) || !fresh) {
        failure = "the target driver could not allocate a statement on the new connection";
        return SQL_ERROR;
    }
    {
        // SQLCancel from another thread uses the handle under this lock: it never meets a freed
        // one. The old handle belongs to a retired connection: freeing it is local to the driver.
        std::lock_guard lock(target_mutex_);
        if (target_ && api_) api_->SQLFreeHandle(SQL_HANDLE_STMT, target_);
        target_ = fresh;
        api_ = api;
        session_.store(session, std::memory_order_release);
    }
    c.release_retired();
    auto* set = api_->SQLSetStmtAttr ? api_->SQLSetStmtAttr : api_->SQLSetStmtAttrW;
    for (const auto& a : attributes_)
        if (set) set(target_, a.attribute, a.value, 0);
    if (!cursor_name_.empty()) {
        if (api_->SQLSetCursorName)
            api_->SQLSetCursorName(target_, reinterpret_cast<SQLCHAR*>(cursor_name_.data()),
                                   SQL_NTS);
        else if (api_->SQLSetCursorNameW)
            api_->SQLSetCursorNameW(target_, to_utf16(cursor_name_).data(), SQL_NTS);
    }
    if (prepared_) {
        SQLRETURN rc = api_->SQLPrepare
                           ? api_->SQLPrepare(
                                 target_, reinterpret_cast<SQLCHAR*>(prepared_sql_.data()), SQL_NTS)
                           : api_->SQLPrepareW(target_, to_utf16(prepared_sql_).data(), SQL_NTS);
        if (rc == SQL_ERROR) {
            failure = "preparing the statement again failed";
            return rc;
        }
    }
    for (size_t i = 1; i < parameters_.size(); ++i) {
        const auto& p = parameters_[i];
        if (!p.bound) continue;
        api_->SQLBindParameter(target_, static_cast<SQLUSMALLINT>(i), p.io_type, p.c_type,
                               p.sql_type, p.size, p.digits, p.value, p.capacity, p.indicator);
    }
    for (size_t i = 0; i < columns_.size(); ++i) {
        const auto& b = columns_[i];
        if (!b.value && !b.indicator) continue;
        api_->SQLBindCol(target_, static_cast<SQLUSMALLINT>(i), b.c_type, b.value, b.capacity,
                         b.indicator);
    }
    // The implicit descriptors the application holds now stand for the new statement's.
    std::lock_guard lock(implicit_mutex_);
    auto* get = api_->SQLGetStmtAttr ? api_->SQLGetStmtAttr : api_->SQLGetStmtAttrW;
    for (auto& d : implicit_) {
        SQLHDESC fresh = nullptr;
        if (get &&
            SQL_SUCCEEDED(get(target_, d->implicit_attribute(), &fresh, SQL_IS_POINTER, nullptr)))
            d->retarget(fresh, api_);
    }
    return SQL_SUCCESS;
}

SQLRETURN Statement::catch_up(Op op) {
    Connection& c = *connection_;
    // An open result is read from the handle it belongs to, even when the connection was
    // recovered meanwhile (a lost connection's handles are kept until disconnect): many drivers
    // hold the whole result in the client, and it is still there. If reading it fails because
    // the connection is gone, the failure goes through recovery like any other.
    bool reads_result = op == Op::Fetch || op == Op::GetData || op == Op::Describe ||
                        op == Op::Bind || op == Op::Other || op == Op::Cursor;
    if (result_open_ && reads_result) return SQL_SUCCESS;
    SQLRETURN rc = c.catch_up(*this, &cancel_);
    if (rc != SQL_SUCCESS) return rc;
    if (session_ == c.session()) return SQL_SUCCESS;
    // This statement's target handle belongs to a connection that was lost and recovered.
    bool had_result = result_open_;
    result_open_ = false;
    std::string failure;
    // Rebuilding talks to the new connection (a prepared statement is prepared again), and that
    // connection can be lost as well: each such loss is recovered, up to kReplayRounds times.
    for (int round = 1;; ++round) {
        if (rebuild(failure) != SQL_ERROR) break;
        std::vector<DiagRecord> records;
        if (round < kReplayRounds && target_ && lost_again(records)) {
            if (c.recover(*this, session_, "rebuilding a statement failed with a lost connection",
                          &cancel_) == SQL_ERROR)
                return SQL_ERROR;
            continue;
        }
        // The target's own records say why (a table dropped meanwhile, say): they follow ours.
        if (target_) records = diag().records_snapshot(diag_source());
        return not_rebuilt(diag(), failure, records);
    }
    bool reads_open_result =
        op == Op::Fetch || op == Op::GetData || op == Op::MoreResults || op == Op::Cursor;
    if (!reads_open_result && c.take_unreported_transaction_loss())
        return refuse(ReplayVerdict::RefuseTransaction, {});
    if (!had_result || !reads_open_result) return SQL_SUCCESS;
    ReplayFacts facts;
    facts.call = replay_call(op);
    facts.kind =
        classify_statement(executed_prepared_ ? prepared_sql_ : executed_sql_, c.dialect());
    facts.autocommit = !c.in_transaction_mode();
    facts.statements_in_transaction =
        std::max(0, c.statements_in_transaction() - 1);  // this one's own
    facts.transaction_lost = c.transaction_lost();
    facts.writes_idempotent = c.settings().replay_writes == "idempotent";
    facts.statement_rebuildable = statement_rebuildable_;
    facts.rows_verifiable = rows_resumable();
    ReplayVerdict verdict = decide_replay(facts);
    if (verdict == ReplayVerdict::ResumeFetch && resume_fetch(failure) == SQL_SUCCESS) {
        result_open_ = true;
        c.target_state().counters().replays.fetch_add(1, std::memory_order_relaxed);
        return SQL_SUCCESS;
    }
    return refuse(
        verdict == ReplayVerdict::ResumeFetch ? ReplayVerdict::RefuseNotReplayable : verdict, {});
}

SQLRETURN Statement::recover_and_replay(Op op, const std::vector<DiagRecord>& first_records,
                                        FunctionRef<SQLRETURN()> reissue) {
    Connection& c = *connection_;
    const bool had_result = result_open_;
    // Another call's recovery already lost this connection's transaction: this one is inside it.
    const bool transaction_lost_before = c.transaction_lost();
    std::vector<DiagRecord> records = first_records;
    // A replay can lose its new connection too (a server that is restarted again, a killer of
    // sessions): each loss is recovered and decided again, up to kReplayRounds times.
    for (int round = 1;; ++round) {
        ReplayFacts facts;
        // Describing an open result (some drivers ask the server for column details) is
        // answered by executing the statement again, as a read that was interrupted before its
        // first row: the new handle has no result to describe until then.
        facts.call = op == Op::Describe && had_result ? ReplayCall::Fetch : replay_call(op);
        std::string_view sql = op == Op::Execute ? std::string_view(prepared_sql_)
                               : op == Op::ExecDirect
                                   ? std::string_view(executed_sql_)
                                   : (executed_prepared_ ? std::string_view(prepared_sql_)
                                                         : std::string_view(executed_sql_));
        facts.kind = classify_statement(sql, c.dialect());
        // COMMIT as SQL text is a COMMIT: lost on its way, its outcome is unknown.
        const bool commit_text =
            facts.call == ReplayCall::Execute && c.in_transaction_mode() && [&] {
                SessionEffects e = session_effects(sql, c.dialect());
                return e.transaction_end && !e.transaction_rollback && !e.batch;
            }();
        if (commit_text) facts.call = ReplayCall::Commit;
        facts.autocommit = !c.in_transaction_mode();
        facts.statements_in_transaction = c.statements_in_transaction();
        facts.transaction_lost = transaction_lost_before;
        // A read being fetched was counted when it executed: it is not an earlier statement.
        if (facts.call == ReplayCall::Fetch && facts.statements_in_transaction > 0)
            --facts.statements_in_transaction;
        facts.writes_idempotent = c.settings().replay_writes == "idempotent";
        facts.not_sent = c.not_sent(records);
        facts.session_state_lost = c.session_state_lost();
        facts.statement_rebuildable = statement_rebuildable_;
        facts.rows_verifiable = rows_resumable();
        facts.param_array = paramset_size_ > 1;

        if (c.recover(*this, session_, "a statement failed with a lost connection", &cancel_) ==
            SQL_ERROR)
            return SQL_ERROR;
        c.take_unreported_transaction_loss();  // this call reports it (or replays a first one)
        std::string failure;
        if (session_ != c.session() && rebuild(failure) == SQL_ERROR) {
            if (round < kReplayRounds && target_ && lost_again(records)) continue;
            return not_rebuilt(diag(), failure, records);
        }
        ReplayVerdict verdict = decide_replay(facts);
        // An empty transaction's COMMIT: nothing to lose, it runs on the new session.
        if (commit_text && verdict == ReplayVerdict::Succeed) verdict = ReplayVerdict::Replay;
        if (verdict == ReplayVerdict::ResumeFetch && !had_result)
            verdict = ReplayVerdict::RefuseNotReplayable;
        TargetCounters& counters = c.target_state().counters();
        if (verdict != ReplayVerdict::Replay && verdict != ReplayVerdict::ResumeFetch) {
            result_open_ = false;
            // The COMMIT ended the transaction, whatever its outcome: nothing of it goes on.
            if (commit_text)
                c.finish_lost_transaction();
            else if (!facts.autocommit)
                c.mark_transaction_lost();  // a statement of it failed: a later COMMIT is refused
            return refuse(verdict, records);
        }
        if (verdict == ReplayVerdict::ResumeFetch && resume_fetch(failure) == SQL_ERROR) {
            result_open_ = false;
            if (lost_again(records)) return lost_by_its_replay(facts, records);
            diag().set_leading(
                "08S01",
                "[odbc-retry] the connection was lost while rows were read and the read could "
                "not be resumed: " +
                    failure + "; the session was re-established",
                records);
            counters.replay_refusals.fetch_add(1, std::memory_order_relaxed);
            return SQL_ERROR;
        }
        counters.replays.fetch_add(1, std::memory_order_relaxed);
        logger().info("{} on {} after recovery: {}", to_string(verdict), c.target_description(),
                      facts.not_sent                      ? "the call never reached the server"
                      : facts.kind == StatementKind::Read ? "a read"
                      : !facts.autocommit                 ? "first statement of the transaction"
                                          : "writes declared idempotent (ReplayWrites)");
        diag().reset();
        SQLRETURN rc = reissue();
        if (rc == kCannotReissue) return refuse(ReplayVerdict::RefuseNotReplayable, records);
        if (rc == SQL_ERROR) {
            if (lost_again(records)) {
                // A replay that never reached the server is not the cause: recovered again.
                if (round < kReplayRounds && c.not_sent(records)) continue;
                result_open_ = false;
                return lost_by_its_replay(facts, records);
            }
            return rc;
        }
        if (!facts.autocommit && verdict == ReplayVerdict::ResumeFetch) c.transaction_restarted();
        if (verdict == ReplayVerdict::ResumeFetch) {
            result_open_ = op != Op::Fetch || rc != SQL_NO_DATA;
            if (op == Op::Fetch && SQL_SUCCEEDED(rc)) {
                fetched_ = true;
                if (track_rows_) note_rows_fetched();
            }
        }
        return rc;
    }
}

SQLRETURN Statement::lost_by_its_replay(const ReplayFacts& facts,
                                        const std::vector<DiagRecord>& records) {
    // The call lost its new connection too: it is the cause of the loss, not its victim (a
    // statement that ends its own session, a query that crashes the server, one an
    // administrator terminates). It is not replayed again. What the last replay did is as
    // unknown as what the first attempt did; the next call re-establishes the session.
    Connection& c = *connection_;
    TargetCounters& counters = c.target_state().counters();
    const bool harmless = facts.kind == StatementKind::Read || facts.not_sent;
    counters.replay_refusals.fetch_add(1, std::memory_order_relaxed);
    if (!facts.autocommit) {
        c.mark_transaction_lost();
    } else if (!harmless) {
        counters.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
    }
    std::string outcome = !facts.autocommit ? "the transaction was rolled back"
                          : harmless        ? "the call did not complete"
                                            : "the outcome of the statement is unknown";
    if (c.not_sent(records)) {
        // Every replay was lost before it reached the server: the server keeps going away.
        diag().set_leading("08S01",
                           "[odbc-retry] the connection was lost again each of the " +
                               std::to_string(kReplayRounds) + " times the call was replayed: " +
                               outcome + "; the next call re-establishes the session",
                           records);
        logger().warn("replay on {} lost its connection {} times; giving up",
                      c.target_description(), kReplayRounds);
        return SQL_ERROR;
    }
    // The target's records of the loss first, as the driver alone would have answered.
    diag().set_captured(records);
    diag().post("08S01",
                "[odbc-retry] the connection was lost again when the call was replayed on a new "
                "session, so the call itself is taken to end its connection and was not "
                "repeated again: " +
                    outcome + "; the next call re-establishes the session");
    logger().warn("replay on {} lost its new connection too; not repeated again",
                  c.target_description());
    return SQL_ERROR;
}

bool Statement::lost_again(std::vector<DiagRecord>& records) {
    Connection& c = *connection_;
    if (!c.settings().recovery) return false;
    std::vector<DiagRecord> now = diag().records_snapshot(diag_source());
    Classifier::Verdict verdict =
        c.classify_failure(now, Phase::Statement, target_, SQL_HANDLE_STMT);
    if (verdict.cls != ErrorClass::ConnectionLost) return false;
    records = std::move(now);
    return true;
}

}  // namespace odbcretry
