// SPDX-License-Identifier: Apache-2.0
// Recovery of lost connections under the application's handles, and the journal it replays.
//
// A connection is lost when a call fails with the class connection_lost. The connection is then
// re-established through the retry policy (breaker, budget, deadline), its session restored from
// the journal (connection attributes set after connect, SessionInitSQL, SET statements run in
// autocommit), and each statement is rebuilt on the new connection when it is next used
// (attributes, cursor name, prepared text, parameter and column bindings). Whether the failed call
// itself is issued again is decided by decide_replay() (shim/recovery/replay.cpp): never when it
// could run a write twice.
//
// This file: telling a lost connection (classify_failure, the dead probe), re-establishing it
// (recover), and what becomes of a transaction it lost.
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

// ---- connection ----------------------------------------------------------------------------

Classifier::Verdict Connection::classify_failure(const std::vector<DiagRecord>& records,
                                                 Phase phase, SQLHANDLE, SQLSMALLINT) {
    Classifier::Verdict verdict = classify(*classifier_, records, phase);
    if (verdict.cls == ErrorClass::ConnectionLost || phase == Phase::Connect) return verdict;
    // The target's own dead check is a second signal: psqlODBC reports a lost connection as
    // HY000 on its prepared path, MariaDB as 5014 "Write error". Asked only after a failure.
    if (target_ && target_connection_dead(*api_, target_).value_or(false))
        return classify(*classifier_, records, phase, true);
    return verdict;
}

bool Connection::not_sent(const std::vector<DiagRecord>& records) const {
    // The texts and native codes that say so are in the driver profiles
    // (shim/target_driver/profile.h).
    const long native = profile(family_).never_sent_native;
    for (const auto& r : records) {
        if (r.sqlstate == "08003") return true;
        if (native != 0 && r.native == native) return true;
        for (std::string_view m : never_sent_texts())
            if (r.message.find(m) != std::string::npos) return true;
    }
    return false;
}

bool Connection::dead_probe(bool& dead) {
    dead = false;
    if (target_connection_dead(*api_, target_).value_or(false)) {
        dead = true;
        return true;
    }
    std::string probe = config_.settings.probe_query.empty()
                            ? std::string(profile(family_).probe_sql)
                            : config_.settings.probe_query;
    if (probe.empty()) return true;
    std::string failure;
    SQLHSTMT stmt = nullptr;
    if (!SQL_SUCCEEDED(api_->SQLAllocHandle(SQL_HANDLE_STMT, target_, &stmt))) {
        dead = true;
        return true;
    }
    // Bounded by the deadline: a server that stopped answering must not hold this connection's
    // recovery lock (nor the driver manager's pool check) for minutes. A probe that times out
    // counts as dead.
    auto seconds = (config_.settings.retry_deadline.count() + 999) / 1000;
    auto timeout = static_cast<SQLULEN>(std::clamp<decltype(seconds)>(seconds, 1, 3600));
    if (auto* set = api_->SQLSetStmtAttr ? api_->SQLSetStmtAttr : api_->SQLSetStmtAttrW)
        set(stmt, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(timeout), 0);
    SQLRETURN rc =
        api_->SQLExecDirect
            ? api_->SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(probe.data()), SQL_NTS)
            : api_->SQLExecDirectW(stmt, to_utf16(probe).data(), SQL_NTS);
    if (rc == SQL_ERROR) {
        DiagArea scratch;
        auto records = scratch.records_snapshot({api_, SQL_HANDLE_STMT, stmt});
        bool timed_out = std::any_of(records.begin(), records.end(), [](const DiagRecord& r) {
            return r.sqlstate == "HYT00" || r.sqlstate == "HYT01";
        });
        dead =
            timed_out || classify_failure(records, Phase::Statement, stmt, SQL_HANDLE_STMT).cls ==
                             ErrorClass::ConnectionLost;
    }
    api_->SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    // In manual-commit the probe would open a transaction (psqlODBC sends BEGIN first) and leave
    // the session "idle in transaction": end it when the application had none open.
    if (!dead && !autocommit_.load(std::memory_order_relaxed) &&
        statements_in_transaction_.load(std::memory_order_relaxed) == 0 && api_->SQLEndTran)
        api_->SQLEndTran(SQL_HANDLE_DBC, target_, SQL_ROLLBACK);
    return true;
}

SQLRETURN Connection::validate(HandleBase& report, std::atomic<bool>* cancel) {
    uint64_t seen = session_.load(std::memory_order_acquire);
    bool dead = false;
    {
        std::lock_guard lock(recovery_mutex_);
        uint64_t epoch = epoch_->load(std::memory_order_acquire);
        if (epoch == target_epoch_ || lost_.load(std::memory_order_relaxed)) {
            if (!lost_.load(std::memory_order_relaxed)) return SQL_SUCCESS;
            dead = true;
        } else {
            dead_probe(dead);
            if (!dead) {
                target_epoch_ = epoch;
                return SQL_SUCCESS;
            }
        }
    }
    return recover(report, seen, "validation after another connection to the target was lost",
                   cancel);
}

SQLRETURN Connection::catch_up(HandleBase& report, std::atomic<bool>* cancel) {
    if (!connected_) return SQL_SUCCESS;
    if (lost_.load(std::memory_order_acquire))
        return recover(report, session_.load(std::memory_order_acquire),
                       "the connection was lost earlier", cancel);
    if (epoch_ && epoch_->load(std::memory_order_relaxed) != target_epoch_)
        return validate(report, cancel);
    return SQL_SUCCESS;
}

SQLRETURN Connection::recover(HandleBase& report, uint64_t seen_session, const char* why,
                              std::atomic<bool>* cancel) {
    std::vector<DiagRecord> loss_records = report.diag().records_snapshot(report.diag_source());
    std::unique_lock lock(recovery_mutex_);
    if (session_.load(std::memory_order_acquire) != seen_session &&
        !lost_.load(std::memory_order_acquire))
        return SQL_SUCCESS;  // another thread recovered it while this one waited
    auto started = steady_clock_instance().now();
    if (restore_failures_ > 0 && started < next_restore_) {
        // The session could not be restored on the last new connection (a SessionInitSQL that
        // fails now, a revoked role): each call does not open one more connection at once.
        auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_restore_ - started);
        report.diag().set_leading(
            "08S01",
            "[odbc-retry] the connection was lost and its session could not be restored; the "
            "next attempt is in " +
                std::to_string(wait.count()) + " ms",
            std::move(loss_records));
        return SQL_ERROR;
    }
    if (!lost_.exchange(true, std::memory_order_acq_rel)) {
        // First to see this loss: every other connection to the target validates itself.
        if (in_transaction_mode() &&
            statements_in_transaction_.load(std::memory_order_relaxed) > 0) {
            transaction_lost_.store(true, std::memory_order_relaxed);
            transaction_loss_unreported_.store(true, std::memory_order_relaxed);
        }
        statements_in_transaction_.store(0, std::memory_order_relaxed);
        // A transaction the application opened with SQL text is opened again on the new
        // session: a replayed first statement, and what the application runs next, stay in it.
        reopen_sql_transaction_ = sql_transaction_.load(std::memory_order_relaxed) &&
                                  autocommit_.load(std::memory_order_relaxed);
        {
            std::lock_guard journal(journal_mutex_);
            pending_sets_.clear();  // rolled back with the transaction
        }
        if (epoch_) {
            if (epoch_->load(std::memory_order_acquire) == target_epoch_)
                epoch_->fetch_add(1, std::memory_order_acq_rel);
            target_epoch_ = epoch_->load(std::memory_order_acquire);
        }
        logger().warn("connection to {} lost ({}); recovering", target_description_, why);
    }
    if (target_) {
        // The lost connection's handles may still be in use by statements (on other threads
        // too): it is freed once no statement refers to it (release_retired) or at disconnect.
        retired_targets_.push_back({target_, session_.load(std::memory_order_relaxed)});
        target_ = nullptr;
    }
    TargetCounters& counters = target_state_->counters();
    SQLRETURN rc =
        establish(target_cs_, connect_wide_, nullptr, SQL_DRIVER_NOPROMPT, "recover", true, cancel);
    std::string failure;
    std::vector<DiagRecord> restore_records;
    if (SQL_SUCCEEDED(rc)) {
        rc = restore_session(failure, &restore_records);
        if (rc != SQL_ERROR && reopen_sql_transaction_) {
            std::string begin;
            {
                std::lock_guard journal(journal_mutex_);
                begin = sql_begin_text_;
            }
            rc = run_sql(begin, "the application's BEGIN", failure, &restore_records);
        }
        if (rc == SQL_ERROR) {
            // Nothing refers to the new connection yet: close it now, or every failed restore
            // leaves one more idle session on the server.
            api_->SQLDisconnect(target_);
            close_target_dbc();
            ++restore_failures_;
            auto delay = config_.settings.retry_base_delay;
            for (int i = 1; i < restore_failures_ && delay < config_.settings.retry_max_delay; ++i)
                delay *= 2;
            delay = std::min(delay, config_.settings.retry_max_delay);
            next_restore_ = steady_clock_instance().now() + delay;
            failure = "restoring the session failed: " + failure;
        }
    } else {
        failure = "re-establishing it failed";
    }
    auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
        steady_clock_instance().now() - started);
    if (rc == SQL_ERROR) {
        counters.recovery_failures.fetch_add(1, std::memory_order_relaxed);
        std::vector<DiagRecord> records = loss_records;
        auto reconnect = diag().records_snapshot(diag_source());
        records.insert(records.end(), reconnect.begin(), reconnect.end());
        records.insert(records.end(), restore_records.begin(), restore_records.end());
        std::string message =
            "[odbc-retry] the connection was lost and could not be recovered: " + failure +
            "; the next call on this connection tries again";
        report.diag().set_leading("08S01", message, std::move(records));
        logger().error("recovery of {} failed after {} ms: {}", target_description_,
                       elapsed.count(), failure);
        return SQL_ERROR;
    }
    session_state_.store(false, std::memory_order_relaxed);  // the new session has none of it
    sql_transaction_.store(reopen_sql_transaction_, std::memory_order_relaxed);
    reopen_sql_transaction_ = false;
    session_.fetch_add(1, std::memory_order_acq_rel);
    lost_.store(false, std::memory_order_release);
    restore_failures_ = 0;
    free_unreferenced_retired();
    counters.recoveries.fetch_add(1, std::memory_order_relaxed);
    if (&report != this) diag().reset();
    logger().info("recovered connection to {} in {} ms", target_description_, elapsed.count());
    return SQL_SUCCESS;
}

void Connection::free_unreferenced_retired() {
    if (retired_targets_.empty()) return;
    // An explicit descriptor keeps the target handle it was allocated with: keep them all.
    std::lock_guard children(children_mutex_);
    if (!descriptors_.empty()) return;
    auto referenced = [&](uint64_t session) {
        for (const Statement* s : statements_) {
            uint64_t held = s->held_session();
            if (held == session || held == 0) return true;  // 0: not known (must_catch_up)
        }
        return false;
    };
    auto keep = retired_targets_.begin();
    for (auto& r : retired_targets_) {
        if (referenced(r.session)) {
            *keep++ = r;
            continue;
        }
        api_->SQLDisconnect(r.handle);
        api_->SQLFreeHandle(SQL_HANDLE_DBC, r.handle);
    }
    retired_targets_.erase(keep, retired_targets_.end());
}

void Connection::release_retired() {
    // Called after a statement moved to the current connection. Skipped while a recovery runs:
    // it frees what it can when it ends.
    std::unique_lock lock(recovery_mutex_, std::try_to_lock);
    if (lock.owns_lock()) free_unreferenced_retired();
}

bool Connection::finish_lost_transaction() {
    if (!transaction_lost_.exchange(false, std::memory_order_relaxed)) return false;
    transaction_loss_unreported_.store(false, std::memory_order_relaxed);
    statements_in_transaction_.store(0, std::memory_order_relaxed);
    // Work the application did after the loss was reported belongs to the lost transaction too
    // (in a transaction opened again with SQL text, when it was opened that way).
    if (target_ && sql_transaction_.exchange(false, std::memory_order_relaxed)) {
        std::string failure;
        run_sql("ROLLBACK", "ROLLBACK", failure, nullptr);
    } else if (target_ && api_->SQLEndTran) {
        api_->SQLEndTran(SQL_HANDLE_DBC, target_, SQL_ROLLBACK);
    }
    std::lock_guard lock(journal_mutex_);
    pending_sets_.clear();
    return true;
}

SQLRETURN Connection::end_tran_lost(SQLSMALLINT completion,
                                    const std::vector<DiagRecord>& records) {
    ReplayFacts facts;
    facts.call = completion == SQL_COMMIT ? ReplayCall::Commit : ReplayCall::Rollback;
    facts.autocommit = !in_transaction_mode();
    facts.statements_in_transaction = statements_in_transaction_.load(std::memory_order_relaxed);
    facts.not_sent = not_sent(records);
    SQLRETURN rc =
        recover(*this, session_.load(std::memory_order_acquire), "lost during SQLEndTran", nullptr);
    // The transaction is over either way: the server rolled it back or committed it.
    transaction_lost_.store(false, std::memory_order_relaxed);
    transaction_loss_unreported_.store(false, std::memory_order_relaxed);
    if (rc == SQL_ERROR) return rc;
    ReplayVerdict verdict = decide_replay(facts);
    TargetCounters& counters = target_state_->counters();
    if (verdict == ReplayVerdict::Succeed) {
        logger().info("{} after a lost connection to {}: nothing to do, the server rolled back",
                      completion == SQL_COMMIT ? "COMMIT" : "ROLLBACK", target_description_);
        return SQL_SUCCESS;
    }
    counters.replay_refusals.fetch_add(1, std::memory_order_relaxed);
    if (verdict == ReplayVerdict::RefuseCommitUnknown)
        counters.unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
    diag().set_leading(refusal_sqlstate(verdict), std::string(refusal_message(verdict)), records);
    logger().warn("COMMIT on {} not acknowledged: {}", target_description_, to_string(verdict));
    return SQL_ERROR;
}

SQLRETURN Connection::reset_connection() {
    // The driver manager sends this when a pooled connection goes back to the pool: the next
    // user must not inherit an open transaction, autocommit off or session settings.
    if (!target_) {
        // Lost and not recovered: the pool finds it dead (SQL_ATTR_CONNECTION_DEAD) and drops
        // it; a recovery must not restore the last user's session for the next one.
        std::lock_guard lock(journal_mutex_);
        session_attributes_.clear();
        session_sets_.clear();
        return SQL_SUCCESS;
    }
    auto* set = api_->SQLSetConnectAttr ? api_->SQLSetConnectAttr : api_->SQLSetConnectAttrW;
    // A lost connection is reset by its recovery: the next user's first call re-establishes a
    // session from the journal, which is cleared here. Nothing of the previous user's
    // transaction or its loss is left for the next one to be told about.
    const bool lost = lost_.load(std::memory_order_relaxed) || !target_;
    if (!lost && sql_transaction_.load(std::memory_order_relaxed)) {
        std::string failure;
        run_sql("ROLLBACK", "ROLLBACK", failure, nullptr);
    }
    if (!autocommit_.load(std::memory_order_relaxed)) {
        if (!lost && api_->SQLEndTran) api_->SQLEndTran(SQL_HANDLE_DBC, target_, SQL_ROLLBACK);
        if (!lost)
            set(target_, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON), 0);
        autocommit_.store(true, std::memory_order_relaxed);
    }
    statements_in_transaction_.store(0, std::memory_order_relaxed);
    transaction_lost_.store(false, std::memory_order_relaxed);
    transaction_loss_unreported_.store(false, std::memory_order_relaxed);
    sql_transaction_.store(false, std::memory_order_relaxed);
    {
        std::lock_guard recovery(recovery_mutex_);
        reopen_sql_transaction_ = false;
    }
    std::vector<AttributeValue> attributes;
    {
        std::lock_guard lock(journal_mutex_);
        attributes.swap(session_attributes_);
        pending_sets_.clear();
        if (!lost && !session_sets_.empty() && family_ == DriverFamily::Postgres) {
            std::string failure;
            run_sql("RESET ALL", "RESET ALL", failure, nullptr);
            // RESET ALL undoes SessionInitSQL's settings too: the next user gets them again.
            const auto& init = config_.settings.session_init_sql;
            for (size_t i = 0; i < init.size(); ++i)
                if (run_sql(init[i], "OdbcRetrySessionInitSQL statement " + std::to_string(i + 1),
                            failure, nullptr) == SQL_ERROR)
                    logger().warn("resetting a pooled connection to {}: {}", target_description_,
                                  failure);
        }
        session_sets_.clear();
    }
    // Attributes the application changed after connect go back to their connect-time values
    // (a lost connection gets those from its reconnect).
    if (lost) attributes.clear();
    for (const auto& a : attributes) {
        auto pre =
            std::find_if(preconnect_attributes_.begin(), preconnect_attributes_.end(),
                         [&](const AttributeValue& p) { return p.attribute == a.attribute; });
        if (pre != preconnect_attributes_.end() && !pre->is_text)
            set(target_, a.attribute, pre->integer, 0);
        else if (a.attribute == SQL_ATTR_ACCESS_MODE)
            set(target_, a.attribute, reinterpret_cast<SQLPOINTER>(SQL_MODE_READ_WRITE), 0);
        else if (a.attribute == SQL_ATTR_TXN_ISOLATION && initial_isolation_)
            set(target_, a.attribute, reinterpret_cast<SQLPOINTER>(initial_isolation_), 0);
    }
    if (auto pre = std::find_if(
            preconnect_attributes_.begin(), preconnect_attributes_.end(),
            [](const AttributeValue& p) { return p.attribute == SQL_ATTR_AUTOCOMMIT; });
        pre != preconnect_attributes_.end())
        autocommit_.store(reinterpret_cast<SQLULEN>(pre->integer) == SQL_AUTOCOMMIT_ON,
                          std::memory_order_relaxed);
    return SQL_SUCCESS;
}

}  // namespace odbcretry
