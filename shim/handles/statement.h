// SPDX-License-Identifier: Apache-2.0
// Statement owns its target HSTMT. Its forwarding path reads only immutable state (the function
// table and its own target handle) and takes no lock; a failure goes to on_error.
#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shim/handles/connection.h"
#include "shim/function_ref.h"

namespace odbcretry {

// Operations named in diagnostics and logs, and used later by the retry engine.
enum class Op {
    Prepare,
    Execute,
    ExecDirect,
    Fetch,
    GetData,
    PutData,
    ParamData,
    MoreResults,
    Catalog,
    Describe,
    Attribute,
    Bind,
    Cursor,
    Other
};

class Statement final : public HandleBase {
  public:
    explicit Statement(Connection* connection, SQLHSTMT target);
    ~Statement() override;
    static Statement* from(SQLHANDLE h) {
        return static_cast<Statement*>(HandleRegistry::find(h, HandleKind::Stmt));
    }
    TargetDiagSource diag_source() const override {
        return {api_, SQL_HANDLE_STMT, target_, connection_->diag_via_sqlerror()};
    }

    // Calls a target function that takes the target statement handle first and no text.
    // The success path is one indirect call and one compare.
    template <auto Member, class... Args>
    SQLRETURN forward(Op op, Args... args) {
        if (!connection_->current(session_)) [[unlikely]] {
            if (SQLRETURN rc = catch_up(op); rc != SQL_SUCCESS) return rc;
        }
        auto function = api_->*Member;
        if (!function) [[unlikely]]
            return unsupported(op);
        SQLRETURN rc = function(target_, args...);
        if (rc != SQL_ERROR) [[likely]]
            return rc;
        return on_error(op, rc, [&]() { return (api_->*Member)(target_, args...); });
    }

    // Fetches, with the bookkeeping that lets a lost read resume where it was.
    template <auto Member, class... Args>
    SQLRETURN fetch(Args... args) {
        if (!connection_->current(session_)) [[unlikely]] {
            if (SQLRETURN rc = catch_up(Op::Fetch); rc != SQL_SUCCESS) return rc;
        }
        SQLRETURN rc = (api_->*Member)(target_, args...);
        if (SQL_SUCCEEDED(rc)) [[likely]] {
            fetched_ = true;
            if (track_rows_) note_rows_fetched();
            return rc;
        }
        if (rc == SQL_NO_DATA) {
            result_open_ = false;
            return rc;
        }
        if (rc != SQL_ERROR) return rc;
        return on_error(Op::Fetch, rc, [&]() { return (api_->*Member)(target_, args...); });
    }
    SQLRETURN execute();
    // Positioned and bulk changes write through the cursor: work of the open transaction.
    SQLRETURN set_pos(SQLSETPOSIROW row, SQLUSMALLINT operation, SQLUSMALLINT lock) {
        SQLRETURN rc = forward<&TargetApi::SQLSetPos>(Op::Cursor, row, operation, lock);
        if (operation != SQL_POSITION && operation != SQL_REFRESH && rc != SQL_ERROR)
            connection_->note_work();
        return rc;
    }
    SQLRETURN bulk_operations(SQLSMALLINT operation) {
        SQLRETURN rc = forward<&TargetApi::SQLBulkOperations>(Op::Cursor, operation);
        if (rc != SQL_ERROR) connection_->note_work();
        return rc;
    }
    SQLRETURN get_data(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value, SQLLEN capacity,
                       SQLLEN* indicator) {
        if (!track_rows_) [[likely]]
            return forward<&TargetApi::SQLGetData>(Op::GetData, column, c_type, value, capacity,
                                                   indicator);
        return get_data_tracked(column, c_type, value, capacity, indicator);
    }
    SQLRETURN get_data_tracked(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                               SQLLEN capacity, SQLLEN* indicator);
    SQLRETURN bind_col(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value, SQLLEN capacity,
                       SQLLEN* indicator);
    SQLRETURN bind_parameter(SQLUSMALLINT number, SQLSMALLINT io_type, SQLSMALLINT c_type,
                             SQLSMALLINT sql_type, SQLULEN size, SQLSMALLINT digits,
                             SQLPOINTER value, SQLLEN capacity, SQLLEN* indicator);
    SQLRETURN close_cursor();
    void mark_descriptor_edited() { statement_rebuildable_ = false; }

    SQLRETURN prepare(InText sql);
    SQLRETURN exec_direct(InText sql);
    SQLRETURN describe_col(SQLUSMALLINT column, OutText name, SQLSMALLINT* name_length,
                           SQLSMALLINT* type, SQLULEN* size, SQLSMALLINT* digits,
                           SQLSMALLINT* nullable);
    SQLRETURN col_attribute(SQLUSMALLINT column, SQLUSMALLINT field, OutText text,
                            SQLSMALLINT* length, SQLLEN* numeric);
    SQLRETURN get_cursor_name(OutText name, SQLSMALLINT* length);
    SQLRETURN set_cursor_name(InText name);
    SQLRETURN set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length, bool wide);
    SQLRETURN get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                       SQLINTEGER* length, bool wide);
    SQLRETURN get_type_info(SQLSMALLINT type, bool wide);
    SQLRETURN cancel();
    SQLRETURN free_stmt(SQLUSMALLINT option);
    SQLRETURN free_handle();

    // Catalog functions: `id` picks the function, `args` are its text arguments in order.
    enum class Catalog {
        Tables,
        Columns,
        Statistics,
        SpecialColumns,
        PrimaryKeys,
        ForeignKeys,
        Procedures,
        ProcedureColumns,
        TablePrivileges,
        ColumnPrivileges
    };
    SQLRETURN catalog(Catalog id, const InText* args, int count, SQLUSMALLINT a = 0,
                      SQLUSMALLINT b = 0, SQLUSMALLINT c = 0);

    Connection* connection() const { return connection_; }
    const TargetApi* api() const { return api_; }
    SQLHSTMT target() const { return target_; }

    // A statement allocated right after a recovery that lost this connection's transaction:
    // its first call goes through catch_up, which reports the loss (sessions start at 1).
    void must_catch_up() { session_.store(0, std::memory_order_relaxed); }
    // The session whose target connection this statement's handle belongs to (0: unknown).
    uint64_t held_session() const { return session_.load(std::memory_order_acquire); }

  private:
    SQLRETURN unsupported(Op op);
    // A call failed: decide (classify, retry, recover) and return what the application sees.
    // `reissue` makes the same call on the target again.
    SQLRETURN on_error(Op op, SQLRETURN rc, FunctionRef<SQLRETURN()> reissue);
    SQLRETURN retry_statement(Op op, SQLRETURN rc, const std::vector<DiagRecord>& records,
                              Classifier::Verdict verdict, FunctionRef<SQLRETURN()> reissue);
    Descriptor* wrap_implicit(SQLHDESC target, SQLINTEGER attribute);
    void note_executed(std::string_view sql, bool prepared);
    void note_rows_fetched();
    // The open result can be read again up to where the application is: no row fetched yet, or
    // every delivered row can be skipped and checked.
    bool rows_resumable() const;
    // Before SQLFreeStmt(SQL_RESET_PARAMS): keeps the values the open result was made with.
    void keep_parameters();

    // ---- recovery (defined in shim/recovery/) ----
    SQLRETURN catch_up(Op op);
    SQLRETURN recover_and_replay(Op op, const std::vector<DiagRecord>& records,
                                 FunctionRef<SQLRETURN()> reissue);
    // After a failed replay step: whether the target says the connection was lost again (then
    // `records` becomes what it said).
    bool lost_again(std::vector<DiagRecord>& records);
    // A replayed call lost its new connection too: it is taken as the cause; returns SQL_ERROR.
    SQLRETURN lost_by_its_replay(const ReplayFacts& facts, const std::vector<DiagRecord>& records);
    SQLRETURN rebuild(std::string& failure);
    SQLRETURN resume_fetch(std::string& failure);
    uint64_t rows_hash_of_current_rowset(bool& ok);
    SQLRETURN refuse(ReplayVerdict verdict, const std::vector<DiagRecord>& records);

    Connection* connection_;
    const TargetApi* api_;
    SQLHSTMT target_;
    // The connection session this statement's target handle belongs to. Atomic: the connection
    // reads it from other threads to know which retired target connections are still in use.
    std::atomic<uint64_t> session_{0};
    std::mutex target_mutex_;  // held while rebuild swaps the target handle, and by SQLCancel
    std::atomic<bool> cancel_{false};
    SQLULEN paramset_size_ = 1;
    SQLULEN query_timeout_ = 0;
    SQLULEN row_array_size_ = 1;
    SQLULEN row_bind_type_ = SQL_BIND_BY_COLUMN;
    SQLULEN* rows_fetched_ptr_ = nullptr;
    SQLULEN* bind_offset_ptr_ = nullptr;
    std::string prepared_sql_;  // UTF-8, the last text given to SQLPrepare
    bool prepared_ = false;
    SessionEffects prepared_effects_;  // of prepared_sql_, found once at prepare
    std::string executed_sql_;         // UTF-8, the statement whose result is open
    bool executed_prepared_ = false;
    bool result_open_ = false;
    bool fetched_ = false;        // a row of the open result was fetched (tracked or not)
    bool executed_read_ = false;  // the open result's statement may be a read (first keyword)
    bool track_rows_ = false;  // the open result may be resumed: count and hash what is delivered
    bool statement_rebuildable_ = true;
    bool rows_verifiable_ = true;
    uint64_t rows_delivered_ = 0;
    uint64_t rows_hash_ = 0;
    struct GetDataCall {
        SQLUSMALLINT column;
        SQLSMALLINT c_type;
        SQLLEN capacity;
        bool operator==(const GetDataCall&) const = default;
    };
    std::vector<GetDataCall> getdata_calls_;      // on the current row
    std::vector<GetDataCall> getdata_signature_;  // on the first row; every row must match it
    void fold_getdata(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value, SQLLEN capacity,
                      const SQLLEN* indicator, SQLRETURN rc);
    std::string cursor_name_;
    struct StatementAttribute {
        SQLINTEGER attribute;
        SQLPOINTER value;
    };
    std::vector<StatementAttribute> attributes_;
    struct ColumnBinding {
        SQLSMALLINT c_type = 0;
        SQLPOINTER value = nullptr;
        SQLLEN capacity = 0;
        SQLLEN* indicator = nullptr;
    };
    std::vector<ColumnBinding> columns_;  // index = column number
    struct ParameterBinding {
        SQLSMALLINT io_type = 0, c_type = 0, sql_type = 0, digits = 0;
        SQLULEN size = 0;
        SQLPOINTER value = nullptr;
        SQLLEN capacity = 0;
        SQLLEN* indicator = nullptr;
        bool bound = false;
    };
    std::vector<ParameterBinding> parameters_;  // index = parameter number
    // The parameter values of the execution whose result is open, copied when the application
    // resets its parameters before it reads that result (pyodbc does, after every execute): a
    // re-execution of the read needs them. The buffers are reused, so that this allocates only
    // when larger values come.
    std::vector<ParameterBinding> kept_parameters_;
    std::vector<char> kept_values_;
    std::vector<SQLLEN> kept_indicators_;
    bool parameters_kept_ = false;
    std::mutex implicit_mutex_;
    std::vector<std::unique_ptr<Descriptor>> implicit_;
};

}  // namespace odbcretry
