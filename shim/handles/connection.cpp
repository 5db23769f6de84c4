// SPDX-License-Identifier: Apache-2.0
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

// The SQL_API_* numbers of every function odbc-retry exports, with the target's A and W forms.
struct FunctionEntry {
    SQLUSMALLINT id;
    bool (*present)(const TargetApi&);
};
#define PRESENT(a) [](const TargetApi& t) { return t.a != nullptr; }
#define PRESENT2(a) [](const TargetApi& t) { return t.a != nullptr || t.a##W != nullptr; }
const FunctionEntry kExported[] = {
    {SQL_API_SQLALLOCHANDLE, PRESENT(SQLAllocHandle)},
    {SQL_API_SQLFREEHANDLE, PRESENT(SQLFreeHandle)},
    {SQL_API_SQLFREESTMT, PRESENT(SQLFreeStmt)},
    {SQL_API_SQLSETENVATTR, PRESENT(SQLSetEnvAttr)},
    {SQL_API_SQLGETENVATTR, PRESENT(SQLGetEnvAttr)},
    {SQL_API_SQLSETCONNECTATTR, PRESENT2(SQLSetConnectAttr)},
    {SQL_API_SQLGETCONNECTATTR, PRESENT2(SQLGetConnectAttr)},
    {SQL_API_SQLSETSTMTATTR, PRESENT2(SQLSetStmtAttr)},
    {SQL_API_SQLGETSTMTATTR, PRESENT2(SQLGetStmtAttr)},
    {SQL_API_SQLCONNECT, PRESENT2(SQLDriverConnect)},
    {SQL_API_SQLDRIVERCONNECT, PRESENT2(SQLDriverConnect)},
    {SQL_API_SQLBROWSECONNECT, PRESENT2(SQLBrowseConnect)},
    {SQL_API_SQLDISCONNECT, PRESENT(SQLDisconnect)},
    {SQL_API_SQLGETINFO, PRESENT2(SQLGetInfo)},
    {SQL_API_SQLGETFUNCTIONS, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETTYPEINFO, PRESENT2(SQLGetTypeInfo)},
    {SQL_API_SQLPREPARE, PRESENT2(SQLPrepare)},
    {SQL_API_SQLEXECUTE, PRESENT(SQLExecute)},
    {SQL_API_SQLEXECDIRECT, PRESENT2(SQLExecDirect)},
    {SQL_API_SQLNATIVESQL, PRESENT2(SQLNativeSql)},
    {SQL_API_SQLBINDPARAMETER, PRESENT(SQLBindParameter)},
    {SQL_API_SQLDESCRIBEPARAM, PRESENT(SQLDescribeParam)},
    {SQL_API_SQLNUMPARAMS, PRESENT(SQLNumParams)},
    {SQL_API_SQLPARAMDATA, PRESENT(SQLParamData)},
    {SQL_API_SQLPUTDATA, PRESENT(SQLPutData)},
    {SQL_API_SQLNUMRESULTCOLS, PRESENT(SQLNumResultCols)},
    {SQL_API_SQLDESCRIBECOL, PRESENT2(SQLDescribeCol)},
    {SQL_API_SQLCOLATTRIBUTE, PRESENT2(SQLColAttribute)},
    {SQL_API_SQLBINDCOL, PRESENT(SQLBindCol)},
    {SQL_API_SQLFETCH, PRESENT(SQLFetch)},
    {SQL_API_SQLFETCHSCROLL, PRESENT(SQLFetchScroll)},
    {SQL_API_SQLEXTENDEDFETCH, PRESENT(SQLExtendedFetch)},
    {SQL_API_SQLGETDATA, PRESENT(SQLGetData)},
    {SQL_API_SQLSETPOS, PRESENT(SQLSetPos)},
    {SQL_API_SQLBULKOPERATIONS, PRESENT(SQLBulkOperations)},
    {SQL_API_SQLMORERESULTS, PRESENT(SQLMoreResults)},
    {SQL_API_SQLROWCOUNT, PRESENT(SQLRowCount)},
    {SQL_API_SQLCLOSECURSOR, PRESENT(SQLCloseCursor)},
    {SQL_API_SQLCANCEL, PRESENT(SQLCancel)},
    {SQL_API_SQLCANCELHANDLE, PRESENT(SQLCancelHandle)},
    {SQL_API_SQLENDTRAN, PRESENT(SQLEndTran)},
    {SQL_API_SQLGETCURSORNAME, PRESENT2(SQLGetCursorName)},
    {SQL_API_SQLSETCURSORNAME, PRESENT2(SQLSetCursorName)},
    {SQL_API_SQLGETDIAGREC, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETDIAGFIELD, [](const TargetApi&) { return true; }},
    {SQL_API_SQLERROR, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETDESCFIELD, PRESENT2(SQLGetDescField)},
    {SQL_API_SQLGETDESCREC, PRESENT2(SQLGetDescRec)},
    {SQL_API_SQLSETDESCFIELD, PRESENT2(SQLSetDescField)},
    {SQL_API_SQLSETDESCREC, PRESENT(SQLSetDescRec)},
    {SQL_API_SQLCOPYDESC, PRESENT(SQLCopyDesc)},
    {SQL_API_SQLTABLES, PRESENT2(SQLTables)},
    {SQL_API_SQLCOLUMNS, PRESENT2(SQLColumns)},
    {SQL_API_SQLSTATISTICS, PRESENT2(SQLStatistics)},
    {SQL_API_SQLSPECIALCOLUMNS, PRESENT2(SQLSpecialColumns)},
    {SQL_API_SQLPRIMARYKEYS, PRESENT2(SQLPrimaryKeys)},
    {SQL_API_SQLFOREIGNKEYS, PRESENT2(SQLForeignKeys)},
    {SQL_API_SQLPROCEDURES, PRESENT2(SQLProcedures)},
    {SQL_API_SQLPROCEDURECOLUMNS, PRESENT2(SQLProcedureColumns)},
    {SQL_API_SQLTABLEPRIVILEGES, PRESENT2(SQLTablePrivileges)},
    {SQL_API_SQLCOLUMNPRIVILEGES, PRESENT2(SQLColumnPrivileges)},
};
#undef PRESENT
#undef PRESENT2

constexpr int kBitmapWords = SQL_API_ODBC3_ALL_FUNCTIONS_SIZE;

bool exported_and_present(const TargetApi& api, SQLUSMALLINT id) {
    for (const auto& e : kExported)
        if (e.id == id) return e.present(api);
    return false;
}

}  // namespace

Connection::Connection(Env* env) : HandleBase(SQL_HANDLE_DBC, HandleKind::Dbc), env_(env) {}

Connection::~Connection() = default;

SQLRETURN Connection::need_target() {
    if (target_) [[likely]]
        return SQL_SUCCESS;
    // A connection whose recovery failed has no target handle: recover first, and answer
    // ourselves when that fails; a target driver is never handed a null handle.
    if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    if (target_) return SQL_SUCCESS;
    return fail("08S01",
                "[odbc-retry] the connection was lost and is not recovered yet; the next call "
                "tries again");
}

SQLRETURN Connection::get_info(SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                               SQLSMALLINT* length, bool wide) {
    if (!connected_) {
        const char* text = nullptr;
        switch (type) {
            case SQL_DRIVER_NAME:
                text = "libodbcretry.so";
                break;
            case SQL_DRIVER_VER:
                text = "00.01.0000";
                break;
            case SQL_DRIVER_ODBC_VER:
                text = "03.51";
                break;
            default:
                return fail("08003", "[odbc-retry] connection not open: SQLGetInfo(" +
                                         std::to_string(type) +
                                         ") is answered by the target after connect");
        }
        long full = 0;
        bool truncated = wide ? copy_out(to_utf16(text), static_cast<SQLWCHAR*>(value),
                                         capacity / static_cast<long>(sizeof(SQLWCHAR)), &full)
                              : copy_out(text, static_cast<SQLCHAR*>(value), capacity, &full);
        if (length) *length = static_cast<SQLSMALLINT>(wide ? full * sizeof(SQLWCHAR) : full);
        if (truncated) {
            diag().post("01004", "[odbc-retry] String data, right truncated");
            return SQL_SUCCESS_WITH_INFO;
        }
        return SQL_SUCCESS;
    }
    if (SQLRETURN r = need_target(); r != SQL_SUCCESS) return r;
    if (wide ? api_->SQLGetInfoW != nullptr : api_->SQLGetInfo != nullptr)
        return wide ? api_->SQLGetInfoW(target_, type, value, capacity, length)
                    : api_->SQLGetInfo(target_, type, value, capacity, length);
    if (!api_->SQLGetInfo && !api_->SQLGetInfoW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetInfo");
    if (!info_is_text(type))
        return wide ? api_->SQLGetInfo(target_, type, value, capacity, length)
                    : api_->SQLGetInfoW(target_, type, value, capacity, length);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_other_form<SQLSMALLINT>(
        OutText::bytes(value, capacity, wide), &full, !wide, truncated,
        [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
            return wide ? api_->SQLGetInfo(target_, type, buffer, c, l)
                        : api_->SQLGetInfoW(target_, type, buffer, c, l);
        });
    if (length) *length = static_cast<SQLSMALLINT>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

void Connection::learn_target_functions() {
    target_functions_known_ = false;
    if (api_->SQLGetFunctions && SQL_SUCCEEDED(api_->SQLGetFunctions(
                                     target_, SQL_API_ODBC3_ALL_FUNCTIONS, target_functions_)))
        target_functions_known_ = true;
    // A target that denies SQLGetDiagRec is read the way the driver manager reads it: SQLError.
    diag_via_sqlerror_ = target_functions_known_ && !target_supports(SQL_API_SQLGETDIAGREC) &&
                         (api_->SQLError || api_->SQLErrorW);
}

SQLRETURN Connection::get_functions(SQLUSMALLINT function, SQLUSMALLINT* supported) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!supported) return fail("HY009", "[odbc-retry] null output pointer");
    const TargetApi& api = *api_;
    auto yes = [&](SQLUSMALLINT id) -> bool {
        if (!exported_and_present(api, id)) return false;
        // The diagnostic functions and SQLGetFunctions are always odbc-retry's own.
        if (id == SQL_API_SQLGETDIAGREC || id == SQL_API_SQLGETDIAGFIELD ||
            id == SQL_API_SQLERROR || id == SQL_API_SQLGETFUNCTIONS)
            return true;
        return target_supports(id);
    };
    if (function == SQL_API_ODBC3_ALL_FUNCTIONS) {
        std::memset(supported, 0, sizeof(SQLUSMALLINT) * kBitmapWords);
        for (const auto& e : kExported)
            if (yes(e.id)) supported[e.id >> 4] |= static_cast<SQLUSMALLINT>(1 << (e.id & 0xF));
        return SQL_SUCCESS;
    }
    if (function == SQL_API_ALL_FUNCTIONS) {
        std::memset(supported, 0, sizeof(SQLUSMALLINT) * 100);
        for (const auto& e : kExported)
            if (e.id < 100 && yes(e.id)) supported[e.id] = SQL_TRUE;
        return SQL_SUCCESS;
    }
    *supported = yes(function) ? SQL_TRUE : SQL_FALSE;
    return SQL_SUCCESS;
}

SQLRETURN Connection::end_tran(SQLSMALLINT completion) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!api_->SQLEndTran)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLEndTran");
    // A validation may find now that the connection (and its transaction) was lost.
    if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    if (SQLRETURN r = need_target(); r != SQL_SUCCESS) return r;
    if (finish_lost_transaction()) [[unlikely]] {
        // The transaction was rolled back when its connection was lost, and whatever ran since
        // has just been rolled back too. A COMMIT now must not look like it saved anything.
        if (completion == SQL_COMMIT) {
            target_state_->counters().replay_refusals.fetch_add(1, std::memory_order_relaxed);
            return fail(
                "08S01",
                "[odbc-retry] COMMIT refused: the transaction was rolled back by the server when "
                "the connection was lost, nothing of it was committed; start it again");
        }
        return SQL_SUCCESS;
    }
    SQLRETURN rc = api_->SQLEndTran(SQL_HANDLE_DBC, target_, completion);
    if (rc != SQL_ERROR) [[likely]] {
        transaction_ended(completion == SQL_COMMIT);
        return rc;
    }
    // Copies first: the target's dead check in classify_failure clears its records.
    diag().capture_target(diag_source());
    std::vector<DiagRecord> records = diag().records_snapshot(diag_source());
    Classifier::Verdict verdict = classify_failure(records, Phase::Commit, target_, SQL_HANDLE_DBC);
    if (verdict.cls != ErrorClass::ConnectionLost || !config_.settings.recovery) {
        if (verdict.cls == ErrorClass::ConnectionLost && completion == SQL_COMMIT) {
            diag().capture_target(diag_source());
            diag().post("08007",
                        "[odbc-retry] the connection was lost during COMMIT: the outcome of the "
                        "transaction is unknown");
        }
        return rc;
    }
    return end_tran_lost(completion, records);
}

SQLRETURN Connection::native_sql(InText in, OutText out, SQLINTEGER* out_length) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (SQLRETURN r = need_target(); r != SQL_SUCCESS) return r;
    auto* a = api_->SQLNativeSql;
    auto* w = api_->SQLNativeSqlW;
    if (!in.wide && a)
        return a(target_, const_cast<SQLCHAR*>(in.a()), static_cast<SQLINTEGER>(in.length),
                 static_cast<SQLCHAR*>(out.buffer), static_cast<SQLINTEGER>(out.capacity),
                 out_length);
    if (in.wide && w)
        return w(target_, const_cast<SQLWCHAR*>(in.w()), static_cast<SQLINTEGER>(in.length),
                 static_cast<SQLWCHAR*>(out.buffer), static_cast<SQLINTEGER>(out.capacity),
                 out_length);
    if (!a && !w)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLNativeSql");
    ConvertedText c = ConvertedText::from(in, !in.wide);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_converting(
        out, &full, !in.wide, truncated, [&](SQLPOINTER buffer, long cap, long* len) {
            SQLINTEGER l = 0;
            // sqliteodbc writes a terminator into the input at [capacity - 1], however short the
            // input is; the capacity here is ours (at least 256), so the converted input gets the
            // room (the padding is past the text and its terminator, its length is unchanged).
            if (!c.is_null && in.wide && static_cast<long>(c.narrow.size()) < cap)
                c.narrow.resize(static_cast<size_t>(cap), '\0');
            if (!c.is_null && !in.wide && static_cast<long>(c.wide.size()) < cap)
                c.wide.resize(static_cast<size_t>(cap), 0);
            SQLRETURN r = in.wide
                              ? a(target_, c.a(), static_cast<SQLINTEGER>(c.length),
                                  static_cast<SQLCHAR*>(buffer), static_cast<SQLINTEGER>(cap), &l)
                              : w(target_, c.w(), static_cast<SQLINTEGER>(c.length),
                                  static_cast<SQLWCHAR*>(buffer), static_cast<SQLINTEGER>(cap), &l);
            *len = l;
            return r;
        });
    if (out_length) *out_length = static_cast<SQLINTEGER>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Connection::cancel_handle() {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!api_->SQLCancelHandle)
        return fail(
            "IM001",
            "[odbc-retry] the target driver does not support SQLCancelHandle on a connection");
    // Without a target connection (lost, not recovered) nothing runs that could be canceled.
    SQLHDBC target = target_;
    if (!target) return SQL_SUCCESS;
    return api_->SQLCancelHandle(SQL_HANDLE_DBC, target);
}

SQLRETURN Connection::alloc_statement(SQLHANDLE* out) {
    if (!out) return fail("HY009", "[odbc-retry] null output handle pointer");
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!current(session_.load(std::memory_order_relaxed)) ||
        lost_.load(std::memory_order_relaxed)) {
        if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    }
    SQLHSTMT target = nullptr;
    SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_STMT, target_, &target);
    if (!SQL_SUCCEEDED(rc)) [[unlikely]] {
        if (!recovered_after_failed_alloc()) return rc;
        rc = api_->SQLAllocHandle(SQL_HANDLE_STMT, target_, &target);
        if (!SQL_SUCCEEDED(rc)) return rc;
    }
    auto s = std::make_unique<Statement>(this, target);
    if (transaction_loss_unreported_.load(std::memory_order_relaxed)) s->must_catch_up();
    {
        std::lock_guard lock(children_mutex_);
        statements_.push_back(s.get());
    }
    *out = s.release()->handle();
    return rc;
}

bool Connection::recovered_after_failed_alloc() {
    // Some drivers find a dead connection only when a handle is allocated on it (MariaDB's 08003
    // "Connection not open" after the server went away unseen): recover, then allocate again.
    if (!config_.settings.recovery || !target_) return false;
    std::vector<DiagRecord> records = diag().records_snapshot(diag_source());
    if (classify_failure(records, Phase::Statement, target_, SQL_HANDLE_DBC).cls !=
        ErrorClass::ConnectionLost)
        return false;
    const uint64_t seen = session_.load(std::memory_order_acquire);
    if (recover(*this, seen, "allocating a handle failed with a lost connection", nullptr) !=
        SQL_SUCCESS)
        return false;
    diag().reset();
    return target_ != nullptr;
}

SQLRETURN Connection::alloc_descriptor(SQLHANDLE* out) {
    if (!out) return fail("HY009", "[odbc-retry] null output handle pointer");
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (lost_.load(std::memory_order_relaxed)) {
        if (SQLRETURN r = catch_up(*this, nullptr); r != SQL_SUCCESS) return r;
    }
    SQLHDESC target = nullptr;
    SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_DESC, target_, &target);
    if (!SQL_SUCCEEDED(rc)) [[unlikely]] {
        if (!recovered_after_failed_alloc()) return rc;
        rc = api_->SQLAllocHandle(SQL_HANDLE_DESC, target_, &target);
        if (!SQL_SUCCEEDED(rc)) return rc;
    }
    auto d = std::make_unique<Descriptor>(this, nullptr, target);
    {
        std::lock_guard lock(children_mutex_);
        descriptors_.push_back(d.get());
    }
    *out = d.release()->handle();
    return rc;
}

void Connection::forget(Statement* s) {
    std::lock_guard lock(children_mutex_);
    statements_.erase(std::remove(statements_.begin(), statements_.end(), s), statements_.end());
}

void Connection::forget(Descriptor* d) {
    std::lock_guard lock(children_mutex_);
    descriptors_.erase(std::remove(descriptors_.begin(), descriptors_.end(), d),
                       descriptors_.end());
}

Descriptor* Connection::explicit_descriptor(SQLHDESC target) {
    std::lock_guard lock(children_mutex_);
    for (Descriptor* d : descriptors_)
        if (d->target() == target) return d;
    return nullptr;
}

SQLRETURN Connection::disconnect() {
    if (!connected_ && !browsing_) return fail("08003", "[odbc-retry] connection not open");
    SQLRETURN rc = target_ ? api_->SQLDisconnect(target_) : SQL_SUCCESS;
    // A lost connection cannot fail to disconnect: there is nothing left to close.
    if (rc == SQL_ERROR && !lost_.load(std::memory_order_relaxed)) return rc;
    if (rc == SQL_ERROR) rc = SQL_SUCCESS;
    lost_.store(false, std::memory_order_relaxed);
    transaction_lost_.store(false, std::memory_order_relaxed);
    statements_in_transaction_.store(0, std::memory_order_relaxed);
    session_state_.store(false, std::memory_order_relaxed);
    {
        std::lock_guard lock(journal_mutex_);
        session_attributes_.clear();
        session_sets_.clear();
    }
    if (rc == SQL_SUCCESS_WITH_INFO) diag().capture_target(diag_source());
    // The target freed its statements and descriptors with the connection: so do we.
    std::vector<Statement*> statements;
    std::vector<Descriptor*> descriptors;
    {
        std::lock_guard lock(children_mutex_);
        statements.swap(statements_);
        descriptors.swap(descriptors_);
    }
    for (Statement* s : statements) delete s;
    for (Descriptor* d : descriptors) delete d;
    for (const RetiredTarget& old : retired_targets_) {
        api_->SQLDisconnect(old.handle);
        api_->SQLFreeHandle(SQL_HANDLE_DBC, old.handle);
    }
    retired_targets_.clear();
    if (target_) api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
    target_ = nullptr;
    api_ = nullptr;
    driver_.reset();
    connected_ = false;
    browsing_ = false;
    return rc;
}

SQLRETURN Connection::free_handle() {
    if (connected_ || browsing_)
        return fail("HY010", "[odbc-retry] the connection is still open; call SQLDisconnect first");
    if (target_) api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
    target_ = nullptr;
    env_->forget(this);
    delete this;
    return SQL_SUCCESS;
}

}  // namespace odbcretry
