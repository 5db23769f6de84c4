// SPDX-License-Identifier: Apache-2.0
// The session journal: what a new session must be given again after a recovery (connection
// attributes, SET statements, the transaction opened with SQL text), and the transaction
// bookkeeping the replay rules read.
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

// The most SET statements the session journal holds; past it a loss is refused.
constexpr size_t kJournalLimit = 256;

}  // namespace

void Connection::note_executed(const SessionEffects& effects, std::string_view sql) {
    if (effects.transaction_end) [[unlikely]] {
        // COMMIT / ROLLBACK / END / ABORT: a real end (ROLLBACK TO SAVEPOINT is not one).
        transaction_ended(!effects.transaction_rollback);
    } else if (effects.transaction_begin) [[unlikely]] {
        // BEGIN inside a transaction opens nothing (PostgreSQL warns); MySQL commits the open
        // transaction first.
        if (family_ == DriverFamily::MySql && in_transaction_mode()) transaction_ended(true);
        if (!in_transaction_mode()) {
            std::lock_guard lock(journal_mutex_);
            sql_begin_text_.assign(sql.data(), sql.size());
        }
        if (autocommit_.load(std::memory_order_relaxed))
            sql_transaction_.store(true, std::memory_order_relaxed);
    }
    if (effects.work && in_transaction_mode())
        statements_in_transaction_.fetch_add(1, std::memory_order_relaxed);
    if (effects.session_state) [[unlikely]]
        session_state_.store(true, std::memory_order_relaxed);
    if (effects.savepoint_rollback) [[unlikely]] {
        // What a ROLLBACK TO undid of the SETs since the savepoint is not known here.
        std::lock_guard lock(journal_mutex_);
        if (!pending_sets_.empty()) session_state_.store(true, std::memory_order_relaxed);
    }
    if (effects.session_set) [[unlikely]] {
        std::string key = session_set_key(sql);
        std::lock_guard lock(journal_mutex_);
        if (in_transaction_mode() && family_ == DriverFamily::Postgres)
            pending_sets_.push_back({std::move(key), std::string(sql), 0});
        else
            journal_set(std::move(key), std::string(sql));
    }
}

void Connection::journal_set(std::string key, std::string sql) {
    // The last SET of a setting is what the session holds: an earlier one of the same name goes.
    session_sets_.erase(std::remove_if(session_sets_.begin(), session_sets_.end(),
                                       [&](const SessionSet& e) { return e.key == key; }),
                        session_sets_.end());
    if (session_sets_.size() >= kJournalLimit) {
        // Past the limit the journal would be incomplete: the session cannot be rebuilt.
        session_state_.store(true, std::memory_order_relaxed);
        return;
    }
    session_sets_.push_back({std::move(key), std::move(sql), ++journal_sequence_});
}

void Connection::transaction_ended(bool committed) {
    statements_in_transaction_.store(0, std::memory_order_relaxed);
    sql_transaction_.store(false, std::memory_order_relaxed);
    std::lock_guard lock(journal_mutex_);
    if (pending_sets_.empty()) return;
    std::vector<SessionSet> pending;
    pending.swap(pending_sets_);
    if (committed)
        for (auto& e : pending) journal_set(std::move(e.key), std::move(e.sql));
}

SQLRETURN Connection::run_sql(const std::string& sql, const std::string& label,
                              std::string& failure, std::vector<DiagRecord>* records) {
    // `failure` names the statement by `label`, never by its text: session SQL can hold secrets
    // (SET app.api_key = ..., a password in SessionInitSQL), and failures go to the log.
    SQLHSTMT stmt = nullptr;
    if (!SQL_SUCCEEDED(api_->SQLAllocHandle(SQL_HANDLE_STMT, target_, &stmt))) {
        failure = "cannot allocate a statement for " + label;
        return SQL_ERROR;
    }
    SQLRETURN rc;
    if (api_->SQLExecDirect) {
        rc = api_->SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())),
                                 SQL_NTS);
    } else {
        WString w = to_utf16(sql);
        rc = api_->SQLExecDirectW(stmt, w.data(), SQL_NTS);
    }
    if (rc == SQL_ERROR) {
        DiagArea scratch;
        auto found = scratch.records_snapshot({api_, SQL_HANDLE_STMT, stmt});
        failure = label + " failed" +
                  (found.empty() ? ""
                                 : " with SQLSTATE " + found.front().sqlstate + " (native " +
                                       std::to_string(found.front().native) + ")");
        if (records) records->insert(records->end(), found.begin(), found.end());
    }
    api_->SQLFreeHandle(SQL_HANDLE_STMT, stmt);
    return rc == SQL_NO_DATA ? SQL_SUCCESS : rc;
}

SQLRETURN Connection::restore_session(std::string& failure, std::vector<DiagRecord>* records) {
    std::vector<AttributeValue> attributes;
    std::vector<SessionSet> sets;
    {
        std::lock_guard lock(journal_mutex_);
        attributes = session_attributes_;
        sets = session_sets_;
    }
    // The session first, in the order the application built it (SessionInitSQL, then its
    // attributes and SETs as it made them), and the transaction mode last: with autocommit off,
    // a driver would wrap the SETs in a transaction that the next ROLLBACK undoes.
    const auto& init = config_.settings.session_init_sql;
    for (size_t i = 0; i < init.size(); ++i)
        if (run_sql(init[i], "OdbcRetrySessionInitSQL statement " + std::to_string(i + 1), failure,
                    records) == SQL_ERROR)
            return SQL_ERROR;
    const AttributeValue* autocommit = nullptr;
    size_t next_set = 0;
    auto run_sets_before = [&](uint64_t sequence) {
        for (; next_set < sets.size() && sets[next_set].sequence < sequence; ++next_set)
            if (run_sql(sets[next_set].sql,
                        "the application's SET statement " + std::to_string(next_set + 1), failure,
                        records) == SQL_ERROR)
                return false;
        return true;
    };
    for (const auto& a : attributes) {
        if (a.attribute == SQL_ATTR_AUTOCOMMIT) {
            autocommit = &a;
            continue;
        }
        if (!run_sets_before(a.sequence)) return SQL_ERROR;
        SQLRETURN rc = apply_attribute(a);
        if (rc == SQL_ERROR) {
            failure = "restoring connection attribute " + std::to_string(a.attribute) + " failed";
            return rc;
        }
    }
    if (!run_sets_before(UINT64_MAX)) return SQL_ERROR;
    // Autocommit off before connect (the target starts in manual commit): what ran is committed.
    if (!config_.settings.session_init_sql.empty() || !sets.empty()) commit_if_manual();
    if (autocommit) {
        auto* set = api_->SQLSetConnectAttr ? api_->SQLSetConnectAttr : api_->SQLSetConnectAttrW;
        if (set(target_, SQL_ATTR_AUTOCOMMIT, autocommit->integer, 0) == SQL_ERROR) {
            failure = "restoring autocommit failed";
            return SQL_ERROR;
        }
    }
    return SQL_SUCCESS;
}

void Connection::commit_if_manual() {
    auto pre =
        std::find_if(preconnect_attributes_.begin(), preconnect_attributes_.end(),
                     [](const AttributeValue& p) { return p.attribute == SQL_ATTR_AUTOCOMMIT; });
    if (pre != preconnect_attributes_.end() &&
        reinterpret_cast<SQLULEN>(pre->integer) == SQL_AUTOCOMMIT_OFF && api_->SQLEndTran)
        api_->SQLEndTran(SQL_HANDLE_DBC, target_, SQL_COMMIT);
}

}  // namespace odbcretry
