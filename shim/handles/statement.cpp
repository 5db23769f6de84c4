// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstring>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"
#include "shim/retry/clock.h"
#include "shim/retry/loop.h"
#include "shim/retry/random.h"
#include "shim/recovery/sql_text.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

Statement::Statement(Connection* connection, SQLHSTMT target)
    : HandleBase(SQL_HANDLE_STMT, HandleKind::Stmt),
      connection_(connection),
      api_(connection->api()),
      target_(target),
      session_(connection->session()) {}

Statement::~Statement() = default;

SQLRETURN Statement::unsupported(Op) {
    return fail("IM001", "[odbc-retry] the target driver does not support this function");
}

SQLRETURN Statement::on_error(Op op, SQLRETURN rc, FunctionRef<SQLRETURN()> reissue) {
    // A call that succeeds never reaches this.
    Connection& c = *connection_;
    std::vector<DiagRecord> records = diag().records_snapshot(diag_source());
    Phase phase = Phase::Statement;
    Classifier::Verdict verdict = c.classify_failure(records, phase, target_, SQL_HANDLE_STMT);
    if (verdict.cls == ErrorClass::ConnectionLost && c.settings().recovery)
        return recover_and_replay(op, records, reissue);
    if (verdict.cls == ErrorClass::ConnectionLost) c.mark_transaction_lost();
    return retry_statement(op, rc, records, verdict, reissue);
}

SQLRETURN Statement::retry_statement(Op op, SQLRETURN rc,
                                     const std::vector<DiagRecord>& first_records,
                                     Classifier::Verdict verdict,
                                     FunctionRef<SQLRETURN()> reissue) {
    // Only executions are retried here: a statement the server rolled back (deadlock,
    // serialization failure) or could not start (a lock, SQLite's "database is locked"), in
    // autocommit, where nothing of it can have been kept.
    if (op != Op::Execute && op != Op::ExecDirect) return rc;
    if (verdict.cls != ErrorClass::RolledBack && verdict.cls != ErrorClass::Transient) return rc;
    Connection& c = *connection_;
    // In a transaction opened by the attribute or by SQL text alike.
    bool in_transaction = c.in_transaction_mode();
    if (in_transaction || paramset_size_ > 1) return rc;
    if (!is_single_statement(op == Op::Execute ? prepared_sql_ : executed_sql_, c.dialect()))
        return rc;
    std::vector<DiagRecord> records = first_records;
    RetrySettings policy = make_retry_settings(c.settings());
    cancel_.store(false, std::memory_order_relaxed);
    TargetState& target = c.target_state();
    target.refill_budget(steady_clock_instance().now());
    RetryState state(policy, steady_clock_instance(), default_random(),
                     std::chrono::seconds(static_cast<long long>(query_timeout_)), &target.budget(),
                     nullptr, &cancel_);
    const char* operation = op == Op::Execute ? "execute" : "execdirect";
    auto deciding = [&]() { return records.empty() ? nullptr : &records[verdict.record]; };
    SQLRETURN again = SQL_ERROR;
    auto attempt = [&]() {
        target.counters().statement_retries.fetch_add(1, std::memory_order_relaxed);
        again = reissue();
        if (again != SQL_ERROR) return AttemptOutcome::succeeded();
        records = diag().records_snapshot(diag_source());
        verdict = c.classify_failure(records, Phase::Statement, target_, SQL_HANDLE_STMT);
        // A retry that lost the connection: recovery takes the call over.
        if (verdict.cls == ErrorClass::ConnectionLost && c.settings().recovery)
            return AttemptOutcome::ended();
        return AttemptOutcome::failed({verdict.cls, in_transaction});
    };
    auto before_wait = [&](const Decision& decision) {
        AttemptReport report{operation,  state.attempts(), policy.max_attempts,    &verdict,
                             deciding(), decision.delay,   &c.target_description()};
        log_retry(report, c.secrets());
    };
    auto wait = [&](std::chrono::milliseconds delay) {
        return real_sleeper().sleep_for(delay, &cancel_) ? WaitEnd::Elapsed : WaitEnd::Cancelled;
    };
    auto no_admission = [](std::chrono::milliseconds) { return true; };
    RetrySteps steps{attempt, before_wait, wait, false, no_admission};
    switch (run_retry_loop(state, Phase::Statement, steps,
                           AttemptFailure{verdict.cls, in_transaction})) {
        case RetryEnd::Succeeded:
            return again;
        case RetryEnd::Ended:
            return recover_and_replay(op, records, reissue);
        case RetryEnd::Cancelled:
            diag().capture_target(diag_source());
            diag().post("HY008", "[odbc-retry] Operation canceled while waiting to retry");
            return SQL_ERROR;
        case RetryEnd::Stopped:
        case RetryEnd::Refused:
            break;
    }
    if (state.stop_reason() == StopReason::NotRetryable) return SQL_ERROR;
    // The target's last records stay readable; ours follows them.
    std::string message = give_up_message(state);
    diag().capture_target(diag_source());
    diag().post(deciding() ? deciding()->sqlstate.c_str() : "HY000", message);
    target.counters().give_ups.fetch_add(1, std::memory_order_relaxed);
    log_give_up(operation, message, c.target_description(), deciding(), c.secrets());
    return SQL_ERROR;
}

void Statement::note_executed(std::string_view sql, bool prepared) {
    result_open_ = true;
    fetched_ = false;
    parameters_kept_ = false;
    rows_delivered_ = 0;
    rows_hash_ = 0;
    executed_prepared_ = prepared;
    if (!prepared) executed_sql_.assign(sql.data(), sql.size());  // reuses its buffer
    // Only a result that could be re-read is tracked (the exact decision is made if it is lost).
    size_t i = 0;
    std::string_view text = prepared ? std::string_view(prepared_sql_) : sql;
    while (i < text.size() &&
           (text[i] == ' ' || text[i] == '\n' || text[i] == '\t' || text[i] == '('))
        ++i;
    char c = i < text.size() ? static_cast<char>(text[i] | 0x20) : 0;
    executed_read_ = c == 's' || c == 'w' || c == 'v' || c == 't';
    track_rows_ = connection_->resume_fetch_enabled() && executed_read_;
    connection_->note_executed(
        prepared ? prepared_effects_ : session_effects(text, connection_->dialect()), text);
}

namespace {
SQLRETURN post_truncation(HandleBase& h, bool truncated, SQLRETURN rc) {
    if (truncated) h.diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}
}  // namespace

SQLRETURN Statement::prepare(InText sql) {
    if (sql.null()) return fail("HY009", "[odbc-retry] null statement text");
    if (!connection_->current(session_)) [[unlikely]] {
        if (SQLRETURN r = catch_up(Op::Prepare); r != SQL_SUCCESS) return r;
    }
    SQLRETURN rc;
    if (!sql.wide && api_->SQLPrepare) {
        rc = api_->SQLPrepare(target_, const_cast<SQLCHAR*>(sql.a()),
                              static_cast<SQLINTEGER>(sql.length));
    } else if (sql.wide && api_->SQLPrepareW) {
        rc = api_->SQLPrepareW(target_, const_cast<SQLWCHAR*>(sql.w()),
                               static_cast<SQLINTEGER>(sql.length));
    } else if (api_->SQLPrepare || api_->SQLPrepareW) {
        ConvertedText c = ConvertedText::from(sql, !sql.wide);
        rc = sql.wide ? api_->SQLPrepare(target_, c.a(), static_cast<SQLINTEGER>(c.length))
                      : api_->SQLPrepareW(target_, c.w(), static_cast<SQLINTEGER>(c.length));
    } else {
        return unsupported(Op::Prepare);
    }
    if (rc != SQL_ERROR) [[likely]] {
        // The journal keeps the text: a retry must know whether it is one statement, and a
        // recovery must prepare it again. assign() reuses the buffer, so a statement prepared
        // again and again does not allocate each time.
        if (sql.wide)
            prepared_sql_ = sql.utf8();
        else
            prepared_sql_.assign(reinterpret_cast<const char*>(sql.a()), sql.units());
        prepared_ = true;
        prepared_effects_ = session_effects(prepared_sql_, connection_->dialect());
        result_open_ = false;
        return rc;
    }
    ConvertedText again = ConvertedText::from(sql, false);
    rc = on_error(Op::Prepare, rc, [&]() {
        return api_->SQLPrepare
                   ? api_->SQLPrepare(target_, again.a(), SQL_NTS)
                   : api_->SQLPrepareW(target_, ConvertedText::from(sql, true).w(), SQL_NTS);
    });
    if (SQL_SUCCEEDED(rc)) {
        prepared_sql_ = again.narrow;
        prepared_ = true;
        prepared_effects_ = session_effects(prepared_sql_, connection_->dialect());
        result_open_ = false;
    }
    return rc;
}

SQLRETURN Statement::exec_direct(InText sql) {
    if (sql.null()) return fail("HY009", "[odbc-retry] null statement text");
    if (!connection_->current(session_)) [[unlikely]] {
        if (SQLRETURN r = catch_up(Op::ExecDirect); r != SQL_SUCCESS) return r;
    }
    if (connection_->transaction_lost()) [[unlikely]] {
        // COMMIT as SQL text after the transaction was lost must not look like it saved anything.
        SessionEffects effects = session_effects(sql.utf8(), connection_->dialect());
        if (effects.transaction_end && connection_->finish_lost_transaction()) {
            if (!effects.transaction_rollback)
                return fail("08S01",
                            "[odbc-retry] COMMIT refused: the transaction was rolled back by the "
                            "server when "
                            "the connection was lost, nothing of it was committed; start it again");
        }
    }
    SQLRETURN rc;
    if (!sql.wide && api_->SQLExecDirect) {
        rc = api_->SQLExecDirect(target_, const_cast<SQLCHAR*>(sql.a()),
                                 static_cast<SQLINTEGER>(sql.length));
        if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA || rc == SQL_NEED_DATA) [[likely]] {
            note_executed(std::string_view(reinterpret_cast<const char*>(sql.a()), sql.units()),
                          false);
            return rc;
        }
    } else if (sql.wide && api_->SQLExecDirectW) {
        rc = api_->SQLExecDirectW(target_, const_cast<SQLWCHAR*>(sql.w()),
                                  static_cast<SQLINTEGER>(sql.length));
        if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA || rc == SQL_NEED_DATA) [[likely]] {
            note_executed(sql.utf8(), false);
            return rc;
        }
    } else if (api_->SQLExecDirect || api_->SQLExecDirectW) {
        ConvertedText c = ConvertedText::from(sql, !sql.wide);
        rc = sql.wide ? api_->SQLExecDirect(target_, c.a(), static_cast<SQLINTEGER>(c.length))
                      : api_->SQLExecDirectW(target_, c.w(), static_cast<SQLINTEGER>(c.length));
        if (rc != SQL_ERROR) {
            note_executed(sql.utf8(), false);
            return rc;
        }
    } else {
        return unsupported(Op::ExecDirect);
    }
    if (rc != SQL_ERROR) return rc;
    // The failed text is kept for the retry and replay decisions.
    executed_sql_ = sql.utf8();
    executed_prepared_ = false;
    ConvertedText narrow = ConvertedText::from(sql, false);
    rc = on_error(Op::ExecDirect, rc, [&]() {
        if (api_->SQLExecDirect) return api_->SQLExecDirect(target_, narrow.a(), SQL_NTS);
        WString w = to_utf16(narrow.narrow);
        return api_->SQLExecDirectW(target_, w.data(), SQL_NTS);
    });
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA || rc == SQL_NEED_DATA)
        note_executed(narrow.narrow, false);
    return rc;
}

SQLRETURN Statement::execute() {
    if (!connection_->current(session_)) [[unlikely]] {
        if (SQLRETURN r = catch_up(Op::Execute); r != SQL_SUCCESS) return r;
    }
    if (!api_->SQLExecute) [[unlikely]]
        return unsupported(Op::Execute);
    SQLRETURN rc = api_->SQLExecute(target_);
    if (rc == SQL_ERROR) [[unlikely]]
        rc = on_error(Op::Execute, rc, [&]() { return api_->SQLExecute(target_); });
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA || rc == SQL_NEED_DATA) note_executed({}, true);
    return rc;
}

SQLRETURN Statement::close_cursor() {
    result_open_ = false;
    return forward<&TargetApi::SQLCloseCursor>(Op::Cursor);
}

SQLRETURN Statement::bind_col(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                              SQLLEN capacity, SQLLEN* indicator) {
    SQLRETURN rc =
        forward<&TargetApi::SQLBindCol>(Op::Bind, column, c_type, value, capacity, indicator);
    if (SQL_SUCCEEDED(rc)) {
        if (columns_.size() <= column) columns_.resize(static_cast<size_t>(column) + 1);
        columns_[column] = ColumnBinding{c_type, value, capacity, indicator};
    }
    return rc;
}

SQLRETURN Statement::bind_parameter(SQLUSMALLINT number, SQLSMALLINT io_type, SQLSMALLINT c_type,
                                    SQLSMALLINT sql_type, SQLULEN size, SQLSMALLINT digits,
                                    SQLPOINTER value, SQLLEN capacity, SQLLEN* indicator) {
    SQLRETURN rc = forward<&TargetApi::SQLBindParameter>(
        Op::Bind, number, io_type, c_type, sql_type, size, digits, value, capacity, indicator);
    if (SQL_SUCCEEDED(rc)) {
        if (parameters_.size() <= number) parameters_.resize(static_cast<size_t>(number) + 1);
        parameters_[number] = ParameterBinding{io_type, c_type,   sql_type,  digits, size,
                                               value,   capacity, indicator, true};
    }
    return rc;
}

SQLRETURN Statement::describe_col(SQLUSMALLINT column, OutText name, SQLSMALLINT* name_length,
                                  SQLSMALLINT* type, SQLULEN* size, SQLSMALLINT* digits,
                                  SQLSMALLINT* nullable) {
    if (!connection_->current(session_)) [[unlikely]] {
        if (SQLRETURN rc = catch_up(Op::Describe); rc != SQL_SUCCESS) return rc;
    }
    if (!api_->SQLDescribeCol && !api_->SQLDescribeColW) return unsupported(Op::Describe);
    // Also the reissue after a recovery: the target handle (and api_) may have changed by then.
    auto call = [&]() -> SQLRETURN {
        auto* a = api_->SQLDescribeCol;
        auto* w = api_->SQLDescribeColW;
        if (!name.wide && a)
            return a(target_, column, static_cast<SQLCHAR*>(name.buffer),
                     static_cast<SQLSMALLINT>(name.capacity), name_length, type, size, digits,
                     nullable);
        if (name.wide && w)
            return w(target_, column, static_cast<SQLWCHAR*>(name.buffer),
                     static_cast<SQLSMALLINT>(name.capacity), name_length, type, size, digits,
                     nullable);
        long full = 0;
        bool truncated = false;
        SQLRETURN rc = call_other_form<SQLSMALLINT>(
            name, &full, !name.wide, truncated,
            [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
                return name.wide ? a(target_, column, static_cast<SQLCHAR*>(buffer), c, l, type,
                                     size, digits, nullable)
                                 : w(target_, column, static_cast<SQLWCHAR*>(buffer), c, l, type,
                                     size, digits, nullable);
            });
        if (name_length && SQL_SUCCEEDED(rc)) *name_length = static_cast<SQLSMALLINT>(full);
        return post_truncation(*this, truncated, rc);
    };
    SQLRETURN rc = call();
    if (rc != SQL_ERROR) [[likely]]
        return rc;
    return on_error(Op::Describe, rc, call);
}

SQLRETURN Statement::col_attribute(SQLUSMALLINT column, SQLUSMALLINT field, OutText text,
                                   SQLSMALLINT* length, SQLLEN* numeric) {
    if (!connection_->current(session_)) [[unlikely]] {
        if (SQLRETURN rc = catch_up(Op::Describe); rc != SQL_SUCCESS) return rc;
    }
    if (!api_->SQLColAttribute && !api_->SQLColAttributeW) return unsupported(Op::Describe);
    // Some drivers ask the server while describing a result (psqlODBC looks up the table's
    // columns for several fields), so this call can meet a lost connection too.
    auto call = [&]() -> SQLRETURN {
        auto* a = api_->SQLColAttribute;
        auto* w = api_->SQLColAttributeW;
        if (!text.wide && a)
            return a(target_, column, field, text.buffer, static_cast<SQLSMALLINT>(text.capacity),
                     length, numeric);
        if (text.wide && w)
            return w(target_, column, field, text.buffer, static_cast<SQLSMALLINT>(text.capacity),
                     length, numeric);
        if (!desc_field_is_text(static_cast<SQLSMALLINT>(field)))
            return a ? a(target_, column, field, text.buffer,
                         static_cast<SQLSMALLINT>(text.capacity), length, numeric)
                     : w(target_, column, field, text.buffer,
                         static_cast<SQLSMALLINT>(text.capacity), length, numeric);
        long full = 0;
        bool truncated = false;
        SQLRETURN rc = call_other_form<SQLSMALLINT>(
            text, &full, !text.wide, truncated,
            [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
                return text.wide ? a(target_, column, field, buffer, c, l, numeric)
                                 : w(target_, column, field, buffer, c, l, numeric);
            });
        if (length && SQL_SUCCEEDED(rc)) *length = static_cast<SQLSMALLINT>(full);
        return post_truncation(*this, truncated, rc);
    };
    SQLRETURN rc = call();
    if (rc != SQL_ERROR) [[likely]]
        return rc;
    return on_error(Op::Describe, rc, call);
}

SQLRETURN Statement::get_cursor_name(OutText name, SQLSMALLINT* length) {
    auto* a = api_->SQLGetCursorName;
    auto* w = api_->SQLGetCursorNameW;
    if (!name.wide && a)
        return a(target_, static_cast<SQLCHAR*>(name.buffer),
                 static_cast<SQLSMALLINT>(name.capacity), length);
    if (name.wide && w)
        return w(target_, static_cast<SQLWCHAR*>(name.buffer),
                 static_cast<SQLSMALLINT>(name.capacity), length);
    if (!a && !w) return unsupported(Op::Cursor);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_other_form<SQLSMALLINT>(
        name, &full, !name.wide, truncated, [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
            return name.wide ? a(target_, static_cast<SQLCHAR*>(buffer), c, l)
                             : w(target_, static_cast<SQLWCHAR*>(buffer), c, l);
        });
    if (length && SQL_SUCCEEDED(rc)) *length = static_cast<SQLSMALLINT>(full);
    return post_truncation(*this, truncated, rc);
}

SQLRETURN Statement::set_cursor_name(InText name) {
    auto* a = api_->SQLSetCursorName;
    auto* w = api_->SQLSetCursorNameW;
    SQLRETURN rc;
    if (!name.wide && a)
        rc = a(target_, const_cast<SQLCHAR*>(name.a()), static_cast<SQLSMALLINT>(name.length));
    else if (name.wide && w)
        rc = w(target_, const_cast<SQLWCHAR*>(name.w()), static_cast<SQLSMALLINT>(name.length));
    else if (!a && !w)
        return unsupported(Op::Cursor);
    else if (!connection_->target_supports(SQL_API_SQLSETCURSORNAME))
        return unsupported(Op::Cursor);  // the other form exists, but the target denies it
    else {
        ConvertedText c = ConvertedText::from(name, !name.wide);
        rc = name.wide ? a(target_, c.a(), static_cast<SQLSMALLINT>(c.length))
                       : w(target_, c.w(), static_cast<SQLSMALLINT>(c.length));
    }
    if (SQL_SUCCEEDED(rc)) cursor_name_ = name.utf8();
    return rc;
}

namespace {
bool is_descriptor_attr(SQLINTEGER attribute) {
    return attribute == SQL_ATTR_APP_ROW_DESC || attribute == SQL_ATTR_APP_PARAM_DESC ||
           attribute == SQL_ATTR_IMP_ROW_DESC || attribute == SQL_ATTR_IMP_PARAM_DESC;
}
}  // namespace

SQLRETURN Statement::set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length,
                              bool wide) {
    auto* a = api_->SQLSetStmtAttr;
    auto* w = api_->SQLSetStmtAttrW;
    if (!a && !w) return unsupported(Op::Attribute);
    if (is_descriptor_attr(attribute) && value) {
        // The application hands us one of our descriptor handles: the target wants its own.
        Descriptor* d = Descriptor::from(value);
        if (!d)
            return fail("HY024", "[odbc-retry] invalid descriptor handle for statement attribute " +
                                     std::to_string(attribute));
        if (d->implicit() && d->target() != nullptr) {
            // Only this statement's own implicit descriptor may be set (it restores the
            // implicit association); another statement's is HY017 in ODBC.
            if (d->owner() != this ||
                !(attribute == SQL_ATTR_APP_ROW_DESC || attribute == SQL_ATTR_APP_PARAM_DESC))
                return fail(
                    "HY017",
                    "[odbc-retry] invalid use of an automatically allocated descriptor handle");
        }
        value = d->target();
    }
    SQLRETURN rc = ((!wide && a) || !w) ? a(target_, attribute, value, length)
                                        : w(target_, attribute, value, length);
    if (SQL_SUCCEEDED(rc)) {
        auto number = reinterpret_cast<SQLULEN>(value);
        switch (attribute) {
            case SQL_ATTR_PARAMSET_SIZE:
                paramset_size_ = number;
                break;
            case SQL_ATTR_QUERY_TIMEOUT:
                query_timeout_ = number;
                break;
            case SQL_ATTR_ROW_ARRAY_SIZE:
            case SQL_ROWSET_SIZE:
                row_array_size_ = number;
                break;
            case SQL_ATTR_ROW_BIND_TYPE:
                row_bind_type_ = number;
                break;
            case SQL_ATTR_ROWS_FETCHED_PTR:
                rows_fetched_ptr_ = static_cast<SQLULEN*>(value);
                break;
            case SQL_ATTR_ROW_BIND_OFFSET_PTR:
                bind_offset_ptr_ = static_cast<SQLULEN*>(value);
                break;
            default:
                break;
        }
        if (is_descriptor_attr(attribute)) {
            // An explicit descriptor's contents are not journaled: this statement cannot be
            // rebuilt transparently after a lost connection.
            if (value) statement_rebuildable_ = false;
        } else {
            auto it =
                std::find_if(attributes_.begin(), attributes_.end(),
                             [&](const StatementAttribute& a) { return a.attribute == attribute; });
            if (it != attributes_.end())
                it->value = value;
            else
                attributes_.push_back({attribute, value});
        }
    }
    return rc;
}

SQLRETURN Statement::get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                              SQLINTEGER* length, bool wide) {
    auto* a = api_->SQLGetStmtAttr;
    auto* w = api_->SQLGetStmtAttrW;
    if (!a && !w) return unsupported(Op::Attribute);
    SQLRETURN rc = ((!wide && a) || !w) ? a(target_, attribute, value, capacity, length)
                                        : w(target_, attribute, value, capacity, length);
    if (SQL_SUCCEEDED(rc) && is_descriptor_attr(attribute) && value) {
        auto* out = static_cast<SQLHANDLE*>(value);
        SQLHDESC target = *out;
        Descriptor* d = connection_->explicit_descriptor(target);
        if (!d) d = wrap_implicit(target, attribute);
        *out = d ? d->handle() : nullptr;
    }
    return rc;
}

Descriptor* Statement::wrap_implicit(SQLHDESC target, SQLINTEGER attribute) {
    if (!target) return nullptr;
    std::lock_guard lock(implicit_mutex_);
    for (auto& d : implicit_)
        if (d->target() == target) return d.get();
    implicit_.push_back(std::make_unique<Descriptor>(connection_, this, target));
    implicit_.back()->set_implicit_attribute(attribute);
    return implicit_.back().get();
}

SQLRETURN Statement::get_type_info(SQLSMALLINT type, bool wide) {
    auto* a = api_->SQLGetTypeInfo;
    auto* w = api_->SQLGetTypeInfoW;
    if (!a && !w) return unsupported(Op::Catalog);
    auto call = [&]() {
        return ((wide && api_->SQLGetTypeInfoW) || !api_->SQLGetTypeInfo)
                   ? api_->SQLGetTypeInfoW(target_, type)
                   : api_->SQLGetTypeInfo(target_, type);
    };
    SQLRETURN rc = call();
    if (rc != SQL_ERROR) return rc;
    return on_error(Op::Catalog, rc, call);
}

SQLRETURN Statement::cancel() {
    cancel_.store(true, std::memory_order_relaxed);  // interrupts a wait between retries
    // Under the lock with which a rebuild on another thread swaps and frees the target handle.
    std::lock_guard lock(target_mutex_);
    if (!api_->SQLCancel) return unsupported(Op::Other);
    return api_->SQLCancel(target_);
}

SQLRETURN Statement::free_stmt(SQLUSMALLINT option) {
    if (option == SQL_DROP) return free_handle();
    if (!api_->SQLFreeStmt) return unsupported(Op::Other);
    // The application's buffers are still valid here, and may not be after the call.
    if (option == SQL_RESET_PARAMS) keep_parameters();
    SQLRETURN rc = api_->SQLFreeStmt(target_, option);
    if (SQL_SUCCEEDED(rc)) {
        if (option == SQL_CLOSE) {
            result_open_ = false;
            parameters_kept_ = false;
        } else if (option == SQL_UNBIND) {
            columns_.clear();
        } else if (option == SQL_RESET_PARAMS) {
            parameters_.clear();
        }
    } else if (option == SQL_RESET_PARAMS) {
        parameters_kept_ = false;
    }
    return rc;
}

SQLRETURN Statement::free_handle() {
    SQLRETURN rc = api_->SQLFreeHandle(SQL_HANDLE_STMT, target_);
    if (rc == SQL_ERROR) return rc;
    connection_->forget(this);
    delete this;
    return rc;
}

}  // namespace odbcretry
