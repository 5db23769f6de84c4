// SPDX-License-Identifier: Apache-2.0
// Connection attributes: kept before connect, forwarded (A or W) after, answered from the
// journal while the connection is lost.
#include <algorithm>
#include <cstring>
#include <optional>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"
#include "shim/config/retry_settings.h"
#include "shim/config/log.h"
#include "shim/retry/clock.h"
#include "shim/retry/listen_probe.h"
#include "shim/retry/random.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

namespace {

// A text attribute's value: its length is in bytes (SQL_NTS or any negative: null-terminated).
InText text_attribute(SQLPOINTER value, SQLINTEGER length, bool wide) {
    if (wide)
        return InText::of(
            static_cast<const SQLWCHAR*>(value),
            length < 0 ? SQL_NTS : length / static_cast<SQLINTEGER>(sizeof(SQLWCHAR)));
    return InText::narrow(static_cast<const SQLCHAR*>(value), length < 0 ? SQL_NTS : length);
}

// Writes an integer connection attribute in its own width: SQLUINTEGER for almost all of them,
// SQLULEN for SQL_ATTR_ODBC_CURSORS and the pointer-sized SQL_ATTR_QUIET_MODE.
void write_integer_attribute(SQLINTEGER attribute, SQLULEN v, SQLPOINTER value,
                             SQLINTEGER* length) {
    bool wide = attribute == SQL_ATTR_ODBC_CURSORS || attribute == SQL_ATTR_QUIET_MODE;
    if (value) {
        if (wide)
            *static_cast<SQLULEN*>(value) = v;
        else
            *static_cast<SQLUINTEGER*>(value) = static_cast<SQLUINTEGER>(v);
    }
    if (length) *length = wide ? sizeof(SQLULEN) : sizeof(SQLUINTEGER);
}

}  // namespace

SQLRETURN Connection::set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length,
                               bool wide) {
    if (!target_ && !connected_) {
        // Before connect the target is unknown: keep an owned copy and apply it at connect.
        AttributeValue a;
        a.attribute = attribute;
        if (connect_attr_is_text(attribute)) {
            a.is_text = true;
            if (value) a.text = text_attribute(value, length, wide).utf8();
        } else {
            a.integer = value;
        }
        auto it = std::find_if(preconnect_attributes_.begin(), preconnect_attributes_.end(),
                               [&](const AttributeValue& v) { return v.attribute == attribute; });
        if (attribute == SQL_ATTR_AUTOCOMMIT)
            autocommit_.store(reinterpret_cast<SQLULEN>(value) == SQL_AUTOCOMMIT_ON,
                              std::memory_order_relaxed);
        if (it != preconnect_attributes_.end())
            *it = std::move(a);
        else
            preconnect_attributes_.push_back(std::move(a));
        return SQL_SUCCESS;
    }
    if (attribute == SQL_ATTR_RESET_CONNECTION) {
        if (reinterpret_cast<SQLULEN>(value) != SQL_RESET_CONNECTION_YES)
            return fail("HY024", "[odbc-retry] invalid value for SQL_ATTR_RESET_CONNECTION");
        return reset_connection();
    }
    // Turning autocommit on commits the open transaction: SQLEndTran(COMMIT)'s rules apply, and
    // a loss there is never a success.
    const bool commits = attribute == SQL_ATTR_AUTOCOMMIT &&
                         reinterpret_cast<SQLULEN>(value) == SQL_AUTOCOMMIT_ON &&
                         !autocommit_.load(std::memory_order_relaxed);
    bool commit_refused = false;
    ReplayVerdict commit_verdict = ReplayVerdict::Succeed;
    std::vector<DiagRecord> commit_records;
    if (commits) [[unlikely]] {
        if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
        commit_refused = finish_lost_transaction();
    } else if (!lost_.load(std::memory_order_relaxed)) {
        if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    }
    if (SQLRETURN r = need_target(); r != SQL_SUCCESS) return r;
    // Known to be lost already (a pool's dead check found it): whatever the dead target answers
    // to this attribute, it is the loss that answers (psqlODBC: HY000/217 for an isolation
    // change it could not send). The attribute is set again on the recovered session.
    const bool known_lost = lost_.load(std::memory_order_relaxed);
    ReplayFacts commit_facts;
    commit_facts.call = ReplayCall::Commit;
    commit_facts.autocommit = false;
    commit_facts.statements_in_transaction =
        commits ? statements_in_transaction_.load(std::memory_order_relaxed) : 0;
    SQLRETURN rc = set_target_attr(attribute, value, length, wide);
    if (commits && SQL_SUCCEEDED(rc) && commit_facts.statements_in_transaction > 0 && target_)
        [[unlikely]] {
        // psqlODBC answers success when the COMMIT it sent for this met a lost connection: its
        // own dead flag tells (asked only when a transaction with work is committed this way).
        if (target_connection_dead(*api_, target_).value_or(false)) rc = SQL_ERROR;
    }
    if (rc == SQL_ERROR && config_.settings.recovery && target_) {
        // Setting an attribute can be the first call to meet a lost connection (MariaDB sends
        // autocommit changes to the server): recover, then set it on the new connection.
        // (Copies first: the target's dead check in classify_failure clears its records.)
        diag().capture_target(diag_source());
        std::vector<DiagRecord> records = diag().records_snapshot(diag_source());
        if (known_lost ||
            classify_failure(records, Phase::Statement, target_, SQL_HANDLE_DBC).cls ==
                ErrorClass::ConnectionLost) {
            if (commits) {
                commit_facts.not_sent = not_sent(records);
                commit_verdict = decide_replay(commit_facts);
                commit_records = records;
            }
            if (recover(*this, session_.load(std::memory_order_acquire),
                        "setting a connection attribute failed", nullptr) == SQL_ERROR)
                return SQL_ERROR;
            if (commits) {
                // The transaction is over either way: rolled back, or committed unseen.
                transaction_lost_.store(false, std::memory_order_relaxed);
                transaction_loss_unreported_.store(false, std::memory_order_relaxed);
            }
            diag().reset();
            rc = set_target_attr(attribute, value, length, wide);
        }
    }
    if (SQL_SUCCEEDED(rc)) {
        if (attribute == SQL_ATTR_LOGIN_TIMEOUT) hang_protection_login_timeout_ = false;
        if (attribute == SQL_ATTR_AUTOCOMMIT) {
            bool on = reinterpret_cast<SQLULEN>(value) == SQL_AUTOCOMMIT_ON;
            // Turning autocommit on commits the open transaction: a new one starts empty.
            if (on && !autocommit_.load(std::memory_order_relaxed)) transaction_ended(true);
            autocommit_.store(on, std::memory_order_relaxed);
        }
        // The journal keeps an owned copy, re-applied after a recovery. Pointer-valued and
        // driver-specific attributes whose type is unknown are not journaled.
        bool text = connect_attr_is_text(attribute);
        bool journal = text || attribute < SQL_DRIVER_CONN_ATTR_BASE;
        if (journal && attribute != SQL_ATTR_QUIET_MODE && attribute != SQL_ATTR_TRACEFILE &&
            attribute != SQL_ATTR_TRACE) {
            AttributeValue a;
            a.attribute = attribute;
            a.is_text = text;
            if (text && value) {
                a.text = text_attribute(value, length, wide).utf8();
            } else {
                a.integer = value;
            }
            // In the order the application set them: a value set again moves to the end.
            std::lock_guard lock(journal_mutex_);
            session_attributes_.erase(
                std::remove_if(session_attributes_.begin(), session_attributes_.end(),
                               [&](const AttributeValue& v) { return v.attribute == attribute; }),
                session_attributes_.end());
            a.sequence = ++journal_sequence_;
            session_attributes_.push_back(std::move(a));
        }
    }
    if (SQL_SUCCEEDED(rc) && commit_refused) [[unlikely]] {
        target_state_->counters().replay_refusals.fetch_add(1, std::memory_order_relaxed);
        return fail("08S01",
                    "[odbc-retry] COMMIT refused: autocommit is on now, but the transaction was "
                    "rolled back by the server when the connection was lost, nothing of it was "
                    "committed; start it again");
    }
    if (SQL_SUCCEEDED(rc) && commit_verdict != ReplayVerdict::Succeed) [[unlikely]] {
        target_state_->counters().replay_refusals.fetch_add(1, std::memory_order_relaxed);
        if (commit_verdict == ReplayVerdict::RefuseCommitUnknown)
            target_state_->counters().unknown_outcomes.fetch_add(1, std::memory_order_relaxed);
        diag().set_leading(refusal_sqlstate(commit_verdict),
                           std::string(refusal_message(commit_verdict)) +
                               " (turning autocommit on commits the open transaction; autocommit "
                               "is on now)",
                           commit_records);
        return SQL_ERROR;
    }
    return rc;
}

SQLRETURN Connection::set_target_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length,
                                      bool wide) {
    if (wide ? api_->SQLSetConnectAttrW != nullptr : api_->SQLSetConnectAttr != nullptr)
        return wide ? api_->SQLSetConnectAttrW(target_, attribute, value, length)
                    : api_->SQLSetConnectAttr(target_, attribute, value, length);
    if (!api_->SQLSetConnectAttr && !api_->SQLSetConnectAttrW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLSetConnectAttr");
    if (!connect_attr_is_text(attribute) || !value)
        return wide ? api_->SQLSetConnectAttr(target_, attribute, value, length)
                    : api_->SQLSetConnectAttrW(target_, attribute, value, length);
    ConvertedText c = ConvertedText::from(text_attribute(value, length, wide), !wide);
    if (wide) return api_->SQLSetConnectAttr(target_, attribute, c.a(), SQL_NTS);
    return api_->SQLSetConnectAttrW(target_, attribute, c.w(), SQL_NTS);
}

SQLRETURN Connection::get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                               SQLINTEGER* length, bool wide) {
    if (connected_ && !target_) {
        // Lost, and its recovery failed: dead until a recovery succeeds.
        if (attribute == SQL_ATTR_CONNECTION_DEAD) {
            if (value) *static_cast<SQLUINTEGER*>(value) = SQL_CD_TRUE;
            if (length) *length = sizeof(SQLUINTEGER);
            return SQL_SUCCESS;
        }
        if (SQLRETURN r = need_target(); r != SQL_SUCCESS) return r;
    }
    if (!target_ || !connected_) {
        for (const auto& a : preconnect_attributes_) {
            if (a.attribute != attribute) continue;
            if (a.is_text) {
                long full = 0;
                bool truncated =
                    wide ? copy_out(to_utf16(a.text), static_cast<SQLWCHAR*>(value),
                                    capacity / static_cast<long>(sizeof(SQLWCHAR)), &full)
                         : copy_out(a.text, static_cast<SQLCHAR*>(value), capacity, &full);
                if (length)
                    *length = static_cast<SQLINTEGER>(wide ? full * sizeof(SQLWCHAR) : full);
                if (truncated) {
                    diag().post("01004", "[odbc-retry] String data, right truncated");
                    return SQL_SUCCESS_WITH_INFO;
                }
                return SQL_SUCCESS;
            }
            write_integer_attribute(attribute, reinterpret_cast<SQLULEN>(a.integer), value, length);
            return SQL_SUCCESS;
        }
        SQLULEN v;
        switch (attribute) {
            case SQL_ATTR_CONNECTION_DEAD:
                v = SQL_CD_TRUE;
                break;
            case SQL_ATTR_AUTOCOMMIT:
                v = SQL_AUTOCOMMIT_ON;
                break;
            case SQL_ATTR_ACCESS_MODE:
                v = SQL_MODE_READ_WRITE;
                break;
            case SQL_ATTR_LOGIN_TIMEOUT:
                v = 0;
                break;
            case SQL_ATTR_CONNECTION_TIMEOUT:
                v = 0;
                break;
            case SQL_ATTR_ODBC_CURSORS:
                v = SQL_CUR_USE_DRIVER;
                break;
            case SQL_ATTR_TRACE:
                v = SQL_OPT_TRACE_OFF;
                break;
            default:
                return fail("08003", "[odbc-retry] connection not open: attribute " +
                                         std::to_string(attribute) +
                                         " is known only after connect");
        }
        write_integer_attribute(attribute, v, value, length);
        return SQL_SUCCESS;
    }
    if (attribute == SQL_ATTR_CONNECTION_DEAD) {
        // Answered from our own state: a connection whose recovery has not succeeded is dead,
        // and one opened before another connection to the target was lost is checked first, so
        // that the driver manager's pool drops every dead connection at once.
        bool dead = lost_.load(std::memory_order_acquire);
        if (!dead && epoch_ && epoch_->load(std::memory_order_relaxed) != target_epoch_) {
            std::lock_guard lock(recovery_mutex_);
            uint64_t epoch = epoch_->load(std::memory_order_acquire);
            dead_probe(dead);
            if (dead)
                lost_.store(true, std::memory_order_release);
            else
                target_epoch_ = epoch;
        }
        bool target_answered = false;
        if (!dead) {
            // The application's length pointer goes to the target: whether it is written for an
            // integer attribute is the target's choice (MariaDB leaves it alone).
            if (std::optional<bool> target_dead = target_connection_dead(*api_, target_, length)) {
                dead = *target_dead;
                target_answered = true;
            }
        }
        if (value) *static_cast<SQLUINTEGER*>(value) = dead ? SQL_CD_TRUE : SQL_CD_FALSE;
        if (length && !target_answered) *length = sizeof(SQLUINTEGER);
        return SQL_SUCCESS;
    }
    if (attribute == SQL_ATTR_LOGIN_TIMEOUT && hang_protection_login_timeout_) {
        // The target's login timeout was odbc-retry's hang protection, not the application's.
        if (value) *static_cast<SQLUINTEGER*>(value) = target_default_login_timeout_;
        if (length) *length = sizeof(SQLUINTEGER);
        return SQL_SUCCESS;
    }
    if (lost_.load(std::memory_order_relaxed)) {
        if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    }
    if (wide ? api_->SQLGetConnectAttrW != nullptr : api_->SQLGetConnectAttr != nullptr)
        return wide ? api_->SQLGetConnectAttrW(target_, attribute, value, capacity, length)
                    : api_->SQLGetConnectAttr(target_, attribute, value, capacity, length);
    if (!api_->SQLGetConnectAttr && !api_->SQLGetConnectAttrW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetConnectAttr");
    if (!connect_attr_is_text(attribute))
        return wide ? api_->SQLGetConnectAttr(target_, attribute, value, capacity, length)
                    : api_->SQLGetConnectAttrW(target_, attribute, value, capacity, length);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_other_form<SQLINTEGER>(
        OutText::bytes(value, capacity, wide), &full, !wide, truncated,
        [&](SQLPOINTER buffer, SQLINTEGER c, SQLINTEGER* l) {
            return wide ? api_->SQLGetConnectAttr(target_, attribute, buffer, c, l)
                        : api_->SQLGetConnectAttrW(target_, attribute, buffer, c, l);
        });
    if (length) *length = static_cast<SQLINTEGER>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Connection::apply_attribute(const AttributeValue& a) {
    if (!a.is_text)
        return api_->SQLSetConnectAttr
                   ? api_->SQLSetConnectAttr(target_, a.attribute, a.integer, 0)
                   : api_->SQLSetConnectAttrW(target_, a.attribute, a.integer, 0);
    if (api_->SQLSetConnectAttr)
        return api_->SQLSetConnectAttr(target_, a.attribute, const_cast<char*>(a.text.c_str()),
                                       SQL_NTS);
    WString w = to_utf16(a.text);
    return api_->SQLSetConnectAttrW(target_, a.attribute, w.data(), SQL_NTS);
}

}  // namespace odbcretry
