// SPDX-License-Identifier: Apache-2.0
// The application's handles: odbc-retry objects that own the target driver's handles.
//
// Env owns one target environment per target library it has connected through. Connection owns
// its target HDBC (allocated at connect, when the target is known) and records the attributes
// set before connect. Statement owns its target HSTMT; Descriptor owns an explicit target HDESC
// or wraps one of a statement's implicit descriptors.
//
// Threads: ODBC lets different statements of one connection run on different threads. A
// Statement's forwarding path reads only immutable state (the function table and its own target
// handle), so it takes no lock. Lists of children are guarded by their parent's mutex, which is
// taken only to allocate and free.
#pragma once
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shim/config/config.h"
#include "shim/target/diag.h"
#include "shim/retry/attempts.h"
#include "shim/handles/function_ref.h"
#include "shim/recovery/replay.h"
#include "shim/recovery/sql_text.h"
#include "shim/retry/classifier.h"
#include "shim/handles/registry.h"
#include "shim/target/target_driver.h"
#include "shim/target/text.h"

namespace odbcretry {

class Env;
class Connection;
class Statement;
class Descriptor;
class TargetState;

class HandleBase {
  public:
    HandleBase(SQLSMALLINT odbc_type, HandleKind kind);
    virtual ~HandleBase();
    HandleBase(const HandleBase&) = delete;
    HandleBase& operator=(const HandleBase&) = delete;

    SQLHANDLE handle() const { return slot_; }
    SQLSMALLINT odbc_type() const { return odbc_type_; }
    DiagArea& diag() { return diag_; }
    virtual TargetDiagSource diag_source() const = 0;

    // Posts one of our records and returns SQL_ERROR (the target was not involved).
    SQLRETURN fail(const char* sqlstate, std::string message);
    // The handle's last return code, for SQL_DIAG_RETURNCODE.
    void set_last_return(SQLRETURN rc) { last_return_.store(rc, std::memory_order_relaxed); }
    SQLRETURN last_return() const { return last_return_.load(std::memory_order_relaxed); }

  protected:
    HandleSlot* slot_ = nullptr;

  private:
    SQLSMALLINT odbc_type_;
    DiagArea diag_;
    std::atomic<SQLRETURN> last_return_{SQL_SUCCESS};
};

// An attribute value the application set, as an owned copy.
struct AttributeValue {
    SQLINTEGER attribute = 0;
    bool is_text = false;
    SQLPOINTER integer = nullptr;  // the value itself for integer attributes
    std::string text;              // UTF-8 for text attributes
    uint64_t sequence = 0;         // when it was set, among the session journal's entries
};

class Env final : public HandleBase {
  public:
    Env();
    ~Env() override;
    static Env* from(SQLHANDLE h) {
        return static_cast<Env*>(HandleRegistry::find(h, HandleKind::Env));
    }
    TargetDiagSource diag_source() const override { return {}; }

    SQLRETURN set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length);
    SQLRETURN get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                       SQLINTEGER* length);
    SQLRETURN end_tran(SQLSMALLINT completion);
    SQLRETURN alloc_connection(SQLHANDLE* out);
    SQLRETURN free_handle();

    // The target environment for `driver`, allocated on first use with this Env's attributes.
    SQLHENV target_env(const std::shared_ptr<const TargetDriver>& driver, std::string& error);
    void forget(Connection* c);
    SQLINTEGER odbc_version() const { return odbc_version_; }

  private:
    std::mutex mutex_;
    SQLINTEGER odbc_version_ = SQL_OV_ODBC2;
    SQLUINTEGER connection_pooling_ = SQL_CP_OFF;
    SQLUINTEGER cp_match_ = SQL_CP_STRICT_MATCH;
    SQLINTEGER output_nts_ = SQL_TRUE;
    struct TargetEnv {
        std::shared_ptr<const TargetDriver> driver;
        SQLHENV handle;
    };
    std::vector<TargetEnv> targets_;
    std::vector<Connection*> connections_;
    // Driver-specific environment attributes the application set: applied to every target
    // environment, also those allocated later. A buffer value (length > 0) is an owned copy.
    struct DriverEnvAttr {
        SQLINTEGER attribute;
        SQLPOINTER value;
        SQLINTEGER length;
        std::vector<char> bytes;
    };
    std::vector<DriverEnvAttr> driver_attrs_;
    static SQLRETURN apply(const TargetEnv& target, const DriverEnvAttr& a);
};

class Connection final : public HandleBase {
  public:
    explicit Connection(Env* env);
    ~Connection() override;
    static Connection* from(SQLHANDLE h) {
        return static_cast<Connection*>(HandleRegistry::find(h, HandleKind::Dbc));
    }
    TargetDiagSource diag_source() const override {
        return {api_, SQL_HANDLE_DBC, target_, diag_via_sqlerror_};
    }
    bool diag_via_sqlerror() const { return diag_via_sqlerror_; }
    // What the target's SQLGetFunctions says (true when it has no SQLGetFunctions).
    bool target_supports(SQLUSMALLINT function) const {
        return !target_functions_known_ || SQL_FUNC_EXISTS(target_functions_, function) == SQL_TRUE;
    }

    SQLRETURN connect(InText dsn, InText user, InText password);
    SQLRETURN driver_connect(SQLHWND window, InText in, OutText out, SQLSMALLINT* out_length,
                             SQLUSMALLINT completion);
    SQLRETURN browse_connect(InText in, OutText out, SQLSMALLINT* out_length);
    SQLRETURN disconnect();
    SQLRETURN set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length, bool wide);
    SQLRETURN get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                       SQLINTEGER* length, bool wide);
    SQLRETURN get_info(SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                       SQLSMALLINT* length, bool wide);
    SQLRETURN get_functions(SQLUSMALLINT function, SQLUSMALLINT* supported);
    SQLRETURN end_tran(SQLSMALLINT completion);
    SQLRETURN native_sql(InText in, OutText out, SQLINTEGER* out_length);
    SQLRETURN cancel_handle();
    SQLRETURN alloc_statement(SQLHANDLE* out);
    SQLRETURN alloc_descriptor(SQLHANDLE* out);
    SQLRETURN free_handle();

    bool connected() const { return connected_; }
    const TargetApi* api() const { return api_; }
    SQLHDBC target() const { return target_; }
    const std::shared_ptr<const TargetDriver>& driver() const { return driver_; }
    Env* env() const { return env_; }
    const Settings& settings() const { return config_.settings; }
    bool autocommit() const { return autocommit_.load(std::memory_order_relaxed); }
    const Classifier& classifier() const { return *classifier_; }
    TargetState& target_state() const { return *target_state_; }
    const std::string& target_description() const { return target_description_; }
    const std::vector<std::string>& secrets() const { return secrets_; }
    void forget(Statement* s);
    void forget(Descriptor* d);
    // The explicit descriptor of this connection whose target handle is `target`, if any.
    Descriptor* explicit_descriptor(SQLHDESC target);

    // ---- recovery (shim/recovery/recovery.cpp) ----
    // The session the statements were built for changes with every recovery; a statement
    // compares its own with current() before each call (two relaxed loads).
    uint64_t session() const { return session_.load(std::memory_order_acquire); }
    bool current(uint64_t statement_session) const {
        return statement_session == session_.load(std::memory_order_relaxed) &&
               (!epoch_ || epoch_->load(std::memory_order_relaxed) == target_epoch_);
    }
    // Brings the connection up to date before a call: validates it when another connection to
    // the target was lost, recovers it when it is lost. SQL_SUCCESS or an error posted on `report`.
    SQLRETURN catch_up(HandleBase& report, std::atomic<bool>* cancel);
    // Re-establishes a lost connection through the retry policy and restores its session. Only
    // one thread recovers; others wait and see the result. `seen_session` is the session the
    // caller failed on: when it is no longer current, another thread has recovered already.
    SQLRETURN recover(HandleBase& report, uint64_t seen_session, const char* why,
                      std::atomic<bool>* cancel);
    bool lost() const { return lost_.load(std::memory_order_acquire); }
    // Frees the retired target connections that no statement refers to any more (skipped while
    // a recovery runs).
    void release_retired();
    bool session_state_lost() const { return session_state_.load(std::memory_order_relaxed); }
    // Whether reads are tracked so that one interrupted mid-fetch can resume (ReplayResumeFetch).
    bool resume_fetch_enabled() const { return resume_fetch_enabled_; }
    // How the target's SQL text quotes strings (from its driver family).
    SqlDialect dialect() const {
        return family_ == DriverFamily::Postgres ? SqlDialect::Postgres
               : family_ == DriverFamily::MySql  ? SqlDialect::MySql
                                                 : SqlDialect::Generic;
    }
    // Transaction bookkeeping for the replay rules: a statement ran (its effects found at
    // execute). Only a real end of the transaction clears what it may have written.
    void note_executed(const SessionEffects& effects, std::string_view sql);
    // Work that is not a statement (SQLSetPos, SQLBulkOperations) changed data.
    void note_work() {
        if (in_transaction_mode())
            statements_in_transaction_.fetch_add(1, std::memory_order_relaxed);
    }
    // The transaction ended (SQLEndTran, COMMIT / ROLLBACK as text, autocommit turned on).
    void transaction_ended(bool committed);
    int statements_in_transaction() const {
        return statements_in_transaction_.load(std::memory_order_relaxed);
    }
    void mark_transaction_lost() { transaction_lost_.store(true, std::memory_order_relaxed); }
    bool transaction_lost() const { return transaction_lost_.load(std::memory_order_relaxed); }
    // True once after a recovery that another call triggered lost this connection's transaction:
    // the next statement is told, instead of running in a new transaction as if nothing happened.
    bool take_unreported_transaction_loss() { return transaction_loss_unreported_.exchange(false); }
    // Whether the transaction was opened with SQL text (BEGIN / START TRANSACTION).
    bool sql_transaction() const { return sql_transaction_.load(std::memory_order_relaxed); }
    // Autocommit off, or a transaction opened with BEGIN / START TRANSACTION.
    bool in_transaction_mode() const {
        return !autocommit_.load(std::memory_order_relaxed) ||
               sql_transaction_.load(std::memory_order_relaxed);
    }
    // The application ends a transaction that was lost (COMMIT or ROLLBACK as SQL text or
    // SQLEndTran): the target's transaction is rolled back. Returns whether it was a lost one.
    bool finish_lost_transaction();
    // A lost transaction held only the statement that was just replayed: it goes on, on the new
    // connection, with that statement as its first.
    void transaction_restarted() {
        transaction_lost_.store(false, std::memory_order_relaxed);
        transaction_loss_unreported_.store(false, std::memory_order_relaxed);
        statements_in_transaction_.store(1, std::memory_order_relaxed);
    }
    // Classifies the records of a failed call on this connection (asks the target whether the
    // connection is dead when the records alone do not say so).
    Classifier::Verdict classify_failure(const std::vector<DiagRecord>& records, Phase phase,
                                         SQLHANDLE target_handle, SQLSMALLINT target_type);
    // Whether the target said the failed call never reached the server.
    bool not_sent(const std::vector<DiagRecord>& records) const;

  private:
    // A user name or password the application gave SQLConnect: an owned copy of its characters
    // and the application's own length, so that the target's SQLConnect (also in a recovery)
    // gets exactly what the application passed.
    struct ConnectArgument {
        bool is_null = true;
        bool wide = false;
        std::string a;
        WString w;
        long length = SQL_NTS;
        static ConnectArgument copy(const InText& in);
        InText text() const;
    };
    // How the target is connected: a connection string odbc-retry built (SQLDriverConnect), or
    // the target's SQLConnect with the application's own user name and password (the
    // application called SQLConnect and the target is a TargetDSN with nothing to forward).
    enum class ConnectPath { ConnectionString, TargetSqlConnect };
    SQLRETURN connect_with(const std::vector<KeyValue>& pairs, const std::string& dsn, bool wide,
                           SQLHWND window, SQLUSMALLINT completion,
                           const std::vector<KeyValue>* credentials = nullptr);
    SQLRETURN target_sql_connect(bool wide);
    void keep_connect_tail(const InText& in);
    // After the target failed to allocate a handle: recovers when the connection was lost.
    bool recovered_after_failed_alloc();
    SQLRETURN prepare_target(const std::vector<KeyValue>& pairs, const std::string& dsn,
                             std::string& target_connection_string);
    SQLRETURN set_target_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length, bool wide);
    SQLRETURN open_target_dbc(std::chrono::milliseconds attempt_limit);
    void close_target_dbc();
    SQLRETURN target_driver_connect(const std::string& connection_string, bool wide, SQLHWND window,
                                    SQLUSMALLINT completion);
    // Connects the target through the retry policy (breaker, budget, deadline). A recovery
    // (recovering = true) waits for an open breaker's probe within its deadline; a new connect
    // fails fast unless CircuitBreakerWait allows it to wait.
    SQLRETURN establish(const std::string& target_cs, bool wide, SQLHWND window,
                        SQLUSMALLINT completion, const char* operation, bool recovering = false,
                        std::atomic<bool>* cancel = nullptr);
    std::chrono::milliseconds app_login_timeout() const;
    // SQL_SUCCESS when there is a target connection to call, after recovering a lost one if
    // needed; else 08S01 posted here.
    SQLRETURN need_target();

    Env* env_;
    std::shared_ptr<const TargetDriver> driver_;
    const TargetApi* api_ = nullptr;
    SQLHDBC target_ = nullptr;
    bool connected_ = false;
    bool browsing_ = false;
    ResolvedConfig config_;
    SQLHENV target_env_ = nullptr;
    std::string target_cs_;
    bool connect_wide_ = false;
    ConnectPath connect_path_ = ConnectPath::ConnectionString;
    // What the application's connection string had past its first NUL, within the length it
    // gave (applications pass the size of their buffer). odbc-retry reads only the text before
    // it, as psqlODBC and SQLite ODBC do; the target gets the tail after its own connection
    // string, so that a driver that reads on (MariaDB) sees what it would have seen alone.
    std::string connect_tail_;
    WString connect_tail_w_;
    bool connect_tail_is_wide_ = false;
    bool connect_text_ends_with_separator_ = true;
    ConnectArgument app_user_, app_password_;
    DriverFamily family_ = DriverFamily::Generic;
    TargetState* target_state_ = nullptr;
    uint64_t target_epoch_ = 0;  // the target's epoch this connection was validated in
    std::unique_ptr<Classifier> classifier_;
    std::string target_description_;
    std::string server_host_, server_port_;  // where RetryWakeOnListen checks (empty: nowhere)
    std::vector<std::string> secrets_;
    bool mariadb_conn_timeout_ = false;
    std::atomic<bool> cancel_{false};
    std::atomic<bool> autocommit_{true};
    std::vector<AttributeValue> preconnect_attributes_;
    // Recovery state and the session journal (attributes set after connect, SET statements).
    SQLRETURN validate(HandleBase& report, std::atomic<bool>* cancel);
    SQLRETURN restore_session(std::string& failure, std::vector<DiagRecord>* records);
    SQLRETURN end_tran_lost(SQLSMALLINT completion, const std::vector<DiagRecord>& records);
    // Adds a SET to the journal, replacing an earlier one of the same setting (journal_mutex_).
    void journal_set(std::string key, std::string sql);
    // After SQL run to build the session: commits it when the target starts in manual commit.
    void commit_if_manual();
    std::atomic<uint64_t> session_{1};
    std::atomic<uint64_t>* epoch_ = nullptr;  // the target's epoch counter
    std::atomic<bool> lost_{false};
    std::atomic<bool> transaction_lost_{false};
    std::atomic<bool> transaction_loss_unreported_{false};
    std::atomic<bool> sql_transaction_{false};
    std::atomic<int> statements_in_transaction_{0};
    std::atomic<bool> session_state_{false};
    std::mutex recovery_mutex_;
    std::vector<AttributeValue> session_attributes_;
    struct SessionSet {
        std::string key;  // session_set_key()
        std::string sql;
        uint64_t sequence = 0;
    };
    std::vector<SessionSet> session_sets_;
    // SETs run inside a transaction on PostgreSQL, where a rollback undoes them: journaled when
    // the transaction commits. The text of the BEGIN that opened an SQL-text transaction.
    std::vector<SessionSet> pending_sets_;
    std::string sql_begin_text_;
    uint64_t journal_sequence_ = 0;
    // The lost transaction was opened with SQL text: it is opened again on the new session, so
    // that what the application runs next is still inside a transaction (recovery_mutex_).
    bool reopen_sql_transaction_ = false;
    // Lost target connections, each with the session it served: freed once no statement refers
    // to it (free_unreferenced_retired), else at disconnect. Guarded by recovery_mutex_.
    struct RetiredTarget {
        SQLHDBC handle;
        uint64_t session;
    };
    std::vector<RetiredTarget> retired_targets_;
    // Consecutive recoveries whose session restore failed, and when the next may try (guarded
    // by recovery_mutex_).
    int restore_failures_ = 0;
    std::chrono::steady_clock::time_point next_restore_{};
    void free_unreferenced_retired();
    std::mutex journal_mutex_;
    // Runs `sql` on the target connection; a failure names it by `label` (never its text) and
    // adds the target's records to `records` when given.
    SQLRETURN run_sql(const std::string& sql, const std::string& label, std::string& failure,
                      std::vector<DiagRecord>* records);
    SQLRETURN reset_connection();
    SQLULEN initial_isolation_ = 0;
    bool diag_via_sqlerror_ = false;
    bool resume_fetch_enabled_ = false;
    bool target_functions_known_ = false;
    SQLUSMALLINT target_functions_[SQL_API_ODBC3_ALL_FUNCTIONS_SIZE] = {};
    bool hang_protection_login_timeout_ = false;  // odbc-retry set the target's login timeout
    SQLUINTEGER target_default_login_timeout_ = 0;
    void learn_target_functions();
    bool dead_probe(bool& dead);
    std::mutex children_mutex_;
    std::vector<Statement*> statements_;
    std::vector<Descriptor*> descriptors_;
};

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

    // ---- recovery (shim/recovery/recovery.cpp) ----
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

class Descriptor final : public HandleBase {
  public:
    Descriptor(Connection* connection, Statement* owner, SQLHDESC target);
    ~Descriptor() override;
    static Descriptor* from(SQLHANDLE h) {
        return static_cast<Descriptor*>(HandleRegistry::find(h, HandleKind::Desc));
    }
    TargetDiagSource diag_source() const override { return {api_, SQL_HANDLE_DESC, target_}; }

    template <auto Member, class... Args>
    SQLRETURN forward(Args... args) {
        auto function = api_->*Member;
        if (!function) [[unlikely]]
            return fail("IM001",
                        "[odbc-retry] the target driver does not support this descriptor function");
        return function(target_, args...);
    }
    SQLRETURN get_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER capacity,
                        SQLINTEGER* length, bool wide);
    SQLRETURN set_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER length,
                        bool wide);
    SQLRETURN get_rec(SQLSMALLINT rec, OutText name, SQLSMALLINT* name_length, SQLSMALLINT* type,
                      SQLSMALLINT* subtype, SQLLEN* length, SQLSMALLINT* precision,
                      SQLSMALLINT* scale, SQLSMALLINT* nullable);
    SQLRETURN copy_to(Descriptor& target);
    SQLRETURN free_handle();

    bool implicit() const { return owner_ != nullptr; }
    const Statement* owner() const { return owner_; }
    SQLHDESC target() const { return target_; }
    SQLINTEGER implicit_attribute() const { return implicit_attribute_; }
    void note_edited();
    void set_implicit_attribute(SQLINTEGER attribute) { implicit_attribute_ = attribute; }
    void retarget(SQLHDESC target, const TargetApi* api) {
        target_ = target;
        api_ = api;
    }
    Connection* connection() const { return connection_; }

  private:
    Connection* connection_;
    Statement* owner_;  // the statement of an implicit descriptor, null for explicit ones
    SQLINTEGER implicit_attribute_ = 0;  // SQL_ATTR_APP_ROW_DESC... for implicit ones
    const TargetApi* api_;
    SQLHDESC target_;
};

}  // namespace odbcretry
