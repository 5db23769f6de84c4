// SPDX-License-Identifier: Apache-2.0
// Connection owns its target HDBC (allocated at connect, when the target is known), records the
// attributes set before connect, and keeps what a recovery needs: the session journal, the
// transaction bookkeeping and the target connections a recovery retired.
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
#include "shim/target_driver/diag.h"
#include "shim/config/retry_settings.h"
#include "shim/recovery/replay.h"
#include "shim/recovery/sql_text.h"
#include "shim/retry/classifier.h"
#include "shim/target_driver/library.h"
#include "shim/target_driver/text.h"
#include "shim/handles/handle_base.h"

namespace odbcretry {

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

    // ---- recovery (defined in shim/recovery/) ----
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
    // Sets a kept attribute (set before connect, or journaled) on the target connection, in the
    // form the target has.
    SQLRETURN apply_attribute(const AttributeValue& a);
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
    // Hang protection: the key that bounds each connect attempt in the target's connection
    // string (MariaDB's CONN_TIMEOUT), empty when the target has none or the user set one.
    std::string_view connect_timeout_key_;
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

}  // namespace odbcretry
