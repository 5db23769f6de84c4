// SPDX-License-Identifier: Apache-2.0
// Recovery of lost connections under the application's handles, and the journal it replays.
//
// A connection is lost when a call fails with the class connection_lost. The connection is then
// re-established through the retry policy (breaker, budget, deadline), its session restored from
// the journal (connection attributes set after connect, SessionInitSQL, SET statements run in
// autocommit), and each statement is rebuilt on the new connection when it is next used
// (attributes, cursor name, prepared text, parameter and column bindings). Whether the failed call
// itself is issued again is decided by decide_replay() (shim/recovery/replay.cpp): never when it could
// run a write twice.
#include <algorithm>
#include <cstring>
#include <optional>

#include "shim/target/convert.h"
#include "shim/handles/handles.h"
#include "shim/config/log.h"
#include "shim/recovery/replay.h"
#include "shim/retry/clock.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

namespace {

// The most SET statements the session journal holds; past it a loss is refused.
constexpr size_t kJournalLimit = 256;

// How often one call recovers a connection that is lost again while the call is replayed or its
// statement rebuilt on the new connection, before the call gives up.
constexpr int kReplayRounds = 3;

// A fast, order-sensitive hash of what the application received: eight bytes at a time. It only
// has to tell "the same rows" from "other rows", not resist an adversary.
inline uint64_t mix(uint64_t h, uint64_t word) {
    h = (h ^ word) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

uint64_t fold(uint64_t h, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    const size_t length = n;
    while (n >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        h = mix(h, word);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    return mix(h, tail ^ (static_cast<uint64_t>(length) << 56));
}

uint64_t fold_value(uint64_t h, uint64_t v) {
    return fold(h, &v, sizeof v);
}

// The size of a fixed-length C type, 0 for variable-length ones (char, wchar, binary).
size_t c_type_size(SQLSMALLINT c_type) {
    switch (c_type) {
        case SQL_C_BIT:
        case SQL_C_TINYINT:
        case SQL_C_STINYINT:
        case SQL_C_UTINYINT:
            return 1;
        case SQL_C_SHORT:
        case SQL_C_SSHORT:
        case SQL_C_USHORT:
            return 2;
        case SQL_C_LONG:
        case SQL_C_SLONG:
        case SQL_C_ULONG:
        case SQL_C_FLOAT:
            return 4;
        case SQL_C_SBIGINT:
        case SQL_C_UBIGINT:
        case SQL_C_DOUBLE:
            return 8;
        case SQL_C_TYPE_DATE:
        case SQL_C_DATE:
            return sizeof(SQL_DATE_STRUCT);
        case SQL_C_TYPE_TIME:
        case SQL_C_TIME:
            return sizeof(SQL_TIME_STRUCT);
        case SQL_C_TYPE_TIMESTAMP:
        case SQL_C_TIMESTAMP:
            return sizeof(SQL_TIMESTAMP_STRUCT);
        case SQL_C_NUMERIC:
            return sizeof(SQL_NUMERIC_STRUCT);
        case SQL_C_GUID:
            return sizeof(SQLGUID);
        default:
            return 0;
    }
}

size_t terminator_size(SQLSMALLINT c_type) {
    return c_type == SQL_C_CHAR ? 1 : c_type == SQL_C_WCHAR ? sizeof(SQLWCHAR) : 0;
}

// The bytes of one value the driver wrote: fixed types by size, others by the indicator.
size_t value_bytes(SQLSMALLINT c_type, SQLLEN capacity, const SQLLEN* indicator) {
    if (size_t fixed = c_type_size(c_type)) return fixed;
    if (capacity <= 0) return 0;
    auto cap = static_cast<size_t>(capacity);
    if (!indicator || *indicator == SQL_NO_TOTAL || *indicator < 0)
        return cap - std::min(cap, terminator_size(c_type));
    auto n = static_cast<size_t>(*indicator);
    return std::min(n, cap - std::min(cap, terminator_size(c_type)));
}

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

std::string default_probe(DriverFamily family) {
    switch (family) {
        case DriverFamily::Postgres:
        case DriverFamily::MySql:
        case DriverFamily::Sqlite:
        case DriverFamily::SqlServer:
            return "SELECT 1";
        default:
            return {};
    }
}

}  // namespace

// ---- connection ----------------------------------------------------------------------------

Classifier::Verdict Connection::classify_failure(const std::vector<DiagRecord>& records,
                                                 Phase phase, SQLHANDLE, SQLSMALLINT) {
    Classifier::Verdict verdict = classify(*classifier_, records, phase);
    if (verdict.cls == ErrorClass::ConnectionLost || phase == Phase::Connect) return verdict;
    // The target's own dead check is a second signal: psqlODBC reports a lost connection as
    // HY000 on its prepared path, MariaDB as 5014 "Write error". Asked only after a failure.
    auto* get = api_->SQLGetConnectAttr ? api_->SQLGetConnectAttr : api_->SQLGetConnectAttrW;
    if (get && target_) {
        SQLUINTEGER dead = SQL_CD_FALSE;
        if (SQL_SUCCEEDED(get(target_, SQL_ATTR_CONNECTION_DEAD, &dead, sizeof dead, nullptr)) &&
            dead == SQL_CD_TRUE)
            return classify(*classifier_, records, phase, true);
    }
    return verdict;
}

bool Connection::not_sent(const std::vector<DiagRecord>& records) const {
    // Texts with which a driver says it did not send the call: the socket was known dead, or the
    // write of the request itself failed.
    static constexpr std::string_view kMarkers[] = {
        "unable due to the connection lost",  // psqlODBC, the call after a loss
        "Write error",                        // MariaDB 5014: writing the request failed
        "Connection not open",                // MariaDB 08003
        "[Fake]connection lost",              // the scripted test driver, answering like psqlODBC
    };
    for (const auto& r : records) {
        if (r.sqlstate == "08003") return true;
        if (r.native == 2006 && family_ == DriverFamily::MySql)
            return true;  // client-side "gone away"
        for (auto m : kMarkers)
            if (r.message.find(m) != std::string::npos) return true;
    }
    return false;
}

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
        SQLRETURN rc;
        if (a.is_text) {
            if (api_->SQLSetConnectAttr)
                rc = api_->SQLSetConnectAttr(target_, a.attribute,
                                             const_cast<char*>(a.text.c_str()), SQL_NTS);
            else {
                WString w = to_utf16(a.text);
                rc = api_->SQLSetConnectAttrW(target_, a.attribute, w.data(), SQL_NTS);
            }
        } else {
            rc = api_->SQLSetConnectAttr
                     ? api_->SQLSetConnectAttr(target_, a.attribute, a.integer, 0)
                     : api_->SQLSetConnectAttrW(target_, a.attribute, a.integer, 0);
        }
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

bool Connection::dead_probe(bool& dead) {
    dead = false;
    auto* get = api_->SQLGetConnectAttr ? api_->SQLGetConnectAttr : api_->SQLGetConnectAttrW;
    SQLUINTEGER flag = SQL_CD_FALSE;
    if (get && SQL_SUCCEEDED(get(target_, SQL_ATTR_CONNECTION_DEAD, &flag, sizeof flag, nullptr)) &&
        flag == SQL_CD_TRUE) {
        dead = true;
        return true;
    }
    std::string probe = config_.settings.probe_query.empty() ? default_probe(family_)
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

// ---- statement -----------------------------------------------------------------------------

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

void Statement::keep_parameters() {
    parameters_kept_ = false;
    // Only what a re-execution of this result could use: the open result of a prepared
    // statement, single parameter sets, input values whose length is known.
    if (!result_open_ || !executed_read_ || !executed_prepared_ || paramset_size_ > 1 ||
        !rows_resumable())
        return;
    for (const auto& a : attributes_)
        if (a.attribute == SQL_ATTR_PARAM_BIND_OFFSET_PTR && a.value) return;
    size_t total = 0, count = 0;
    auto bytes_of = [](const ParameterBinding& p) -> std::optional<size_t> {
        const SQLLEN ind = p.indicator ? *p.indicator : SQL_NTS;
        if (ind == SQL_NULL_DATA || !p.value) return 0;
        if (ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET) return std::nullopt;
        if (size_t fixed = c_type_size(p.c_type)) return fixed;
        if (ind >= 0) return static_cast<size_t>(ind);
        if (ind != SQL_NTS) return std::nullopt;
        if (p.c_type == SQL_C_CHAR) return std::strlen(static_cast<const char*>(p.value)) + 1;
        if (p.c_type == SQL_C_WCHAR) {
            const auto* w = static_cast<const SQLWCHAR*>(p.value);
            size_t n = 0;
            while (w[n]) ++n;
            return (n + 1) * sizeof(SQLWCHAR);
        }
        return std::nullopt;  // binary without a length, SQL_C_DEFAULT: not known here
    };
    for (const auto& p : parameters_) {
        if (!p.bound) continue;
        if (p.io_type != SQL_PARAM_INPUT) return;
        auto n = bytes_of(p);
        if (!n) return;
        total += (*n + 7) & ~size_t{7};
        ++count;
    }
    if (count == 0) return;
    kept_parameters_.assign(parameters_.begin(), parameters_.end());
    kept_values_.resize(total + 8);  // an empty value still has an address of its own
    kept_indicators_.resize(kept_parameters_.size());
    size_t offset = 0;
    for (size_t i = 0; i < kept_parameters_.size(); ++i) {
        ParameterBinding& k = kept_parameters_[i];
        if (!k.bound) continue;
        size_t n = *bytes_of(k);
        if (n) std::memcpy(kept_values_.data() + offset, k.value, n);
        if (k.value) k.value = kept_values_.data() + offset;
        if (k.indicator) {  // none stays none: the driver reads it as NTS or "not NULL"
            kept_indicators_[i] = *k.indicator;
            k.indicator = &kept_indicators_[i];
        }
        offset += (n + 7) & ~size_t{7};
    }
    parameters_kept_ = true;
}

bool Statement::rows_resumable() const {
    // Nothing delivered yet: executing the read again is all it takes, tracked or not.
    return !fetched_ || (track_rows_ && rows_verifiable_);
}

void Statement::note_rows_fetched() {
    // Called after every successful fetch of a result that could be resumed.
    if (!getdata_calls_.empty() || rows_delivered_ > 0) {
        if (rows_delivered_ == 1 && getdata_signature_.empty())
            getdata_signature_ = getdata_calls_;
        else if (getdata_calls_ != getdata_signature_)
            rows_verifiable_ = false;
        getdata_calls_.clear();
    }
    SQLULEN rows = 1;
    if (row_array_size_ > 1) {
        if (!rows_fetched_ptr_) {
            rows_verifiable_ = false;
            return;
        }
        rows = *rows_fetched_ptr_;
    }
    uint64_t h = rows_hash_;
    SQLULEN offset = bind_offset_ptr_ ? *bind_offset_ptr_ : 0;
    for (SQLULEN r = 0; r < rows; ++r) {
        for (size_t col = 0; col < columns_.size(); ++col) {
            const ColumnBinding& b = columns_[col];
            if (!b.value && !b.indicator) continue;
            size_t stride = row_bind_type_ != SQL_BIND_BY_COLUMN ? row_bind_type_ : 0;
            size_t value_stride = stride
                                      ? stride
                                      : (c_type_size(b.c_type) ? c_type_size(b.c_type)
                                                               : static_cast<size_t>(b.capacity));
            size_t ind_stride = stride ? stride : sizeof(SQLLEN);
            const SQLLEN* ind =
                b.indicator
                    ? reinterpret_cast<const SQLLEN*>(reinterpret_cast<const char*>(b.indicator) +
                                                      offset + r * ind_stride)
                    : nullptr;
            h = fold_value(h, col);
            if (ind && *ind == SQL_NULL_DATA) {
                h = fold_value(h, 0x4e554c4cULL);
                continue;
            }
            if (b.value) {
                const char* value = static_cast<const char*>(b.value) + offset + r * value_stride;
                h = fold(h, value, value_bytes(b.c_type, b.capacity, ind));
            }
        }
    }
    rows_hash_ = h;
    rows_delivered_ += rows;
}

void Statement::fold_getdata(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                             SQLLEN capacity, const SQLLEN* indicator, SQLRETURN rc) {
    if (row_array_size_ > 1) {
        rows_verifiable_ = false;
        return;
    }
    if (getdata_calls_.size() < 4096) getdata_calls_.push_back({column, c_type, capacity});
    uint64_t h = fold_value(rows_hash_,
                            (static_cast<uint64_t>(column) << 16) ^ static_cast<uint16_t>(c_type));
    h = fold_value(h, static_cast<uint64_t>(rc));
    if (SQL_SUCCEEDED(rc)) {
        if (indicator && *indicator == SQL_NULL_DATA)
            h = fold_value(h, 0x4e554c4cULL);
        else if (value)
            h = fold(h, value, value_bytes(c_type, capacity, indicator));
    }
    rows_hash_ = h;
}

SQLRETURN Statement::get_data_tracked(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                                      SQLLEN capacity, SQLLEN* indicator) {
    // The data the application reads is part of what a resumed read must find again. A private
    // indicator is used when the application passes none, so the length is always known.
    SQLLEN own = 0;
    SQLLEN* ind = indicator ? indicator : &own;
    SQLRETURN rc =
        forward<&TargetApi::SQLGetData>(Op::GetData, column, c_type, value, capacity, ind);
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA)
        fold_getdata(column, c_type, value, capacity, ind, rc);
    return rc;
}

SQLRETURN Statement::resume_fetch(std::string& failure) {
    // Re-execute the statement whose rows were being read and skip what the application already
    // has, checking that it is the same, in the same order.
    SQLRETURN rc;
    // Parameters the application reset after the execution are bound again for it, and reset
    // afterwards, so the statement is left as the application left it.
    bool rebind = executed_prepared_ && parameters_kept_ &&
                  std::none_of(parameters_.begin(), parameters_.end(),
                               [](const ParameterBinding& p) { return p.bound; });
    if (rebind) {
        for (size_t i = 1; i < kept_parameters_.size(); ++i) {
            const auto& p = kept_parameters_[i];
            if (!p.bound) continue;
            api_->SQLBindParameter(target_, static_cast<SQLUSMALLINT>(i), p.io_type, p.c_type,
                                   p.sql_type, p.size, p.digits, p.value, p.capacity, p.indicator);
        }
    }
    if (executed_prepared_) {
        rc = api_->SQLExecute(target_);
        if (rebind) api_->SQLFreeStmt(target_, SQL_RESET_PARAMS);
    } else if (api_->SQLExecDirect) {
        rc =
            api_->SQLExecDirect(target_, reinterpret_cast<SQLCHAR*>(executed_sql_.data()), SQL_NTS);
    } else {
        rc = api_->SQLExecDirectW(target_, to_utf16(executed_sql_).data(), SQL_NTS);
    }
    if (!SQL_SUCCEEDED(rc)) {
        failure = "executing the statement again failed";
        return SQL_ERROR;
    }
    const uint64_t delivered = rows_delivered_;
    const uint64_t expected = rows_hash_;
    if (!getdata_calls_.empty() && !getdata_signature_.empty() &&
        getdata_calls_ != getdata_signature_) {
        failure = "the rows were read with different SQLGetData calls";
        return SQL_ERROR;
    }
    std::vector<GetDataCall> signature =
        getdata_signature_.empty() ? getdata_calls_ : getdata_signature_;
    rows_delivered_ = 0;
    rows_hash_ = 0;
    getdata_calls_.clear();
    getdata_signature_.clear();
    std::vector<char> scratch;
    while (rows_delivered_ < delivered) {
        rc = row_array_size_ > 1 ? api_->SQLFetchScroll(target_, SQL_FETCH_NEXT, 0)
                                 : api_->SQLFetch(target_);
        if (!SQL_SUCCEEDED(rc)) {
            failure = "the result now has fewer rows than were already delivered";
            return SQL_ERROR;
        }
        note_rows_fetched();
        for (const auto& call : signature) {
            scratch.assign(static_cast<size_t>(std::max<SQLLEN>(call.capacity, 64)), 0);
            SQLLEN ind = 0;
            SQLRETURN r = api_->SQLGetData(target_, call.column, call.c_type, scratch.data(),
                                           call.capacity, &ind);
            fold_getdata(call.column, call.c_type, scratch.data(), call.capacity, &ind, r);
        }
    }
    if (rows_delivered_ != delivered || rows_hash_ != expected) {
        failure = "the result changed: the rows already delivered are not the same when read again";
        rows_hash_ = expected;
        return SQL_ERROR;
    }
    getdata_calls_.clear();
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
        diag().set_leading(
            "08S01",
            "[odbc-retry] the connection was recovered but this statement could not be "
            "rebuilt on it: " +
                failure,
            records);
        return SQL_ERROR;
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
            diag().set_leading(
                "08S01",
                "[odbc-retry] the connection was recovered but this statement could not be "
                "rebuilt on it: " +
                    failure,
                records);
            return SQL_ERROR;
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
