// SPDX-License-Identifier: Apache-2.0
// Connecting: the configuration is resolved, the target loaded and connected through the retry
// policy (establish), and the session built.
#include <algorithm>
#include <cstring>
#include <optional>
#include <span>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"
#include "shim/config/retry_settings.h"
#include "shim/config/log.h"
#include "shim/retry/clock.h"
#include "shim/retry/listen_probe.h"
#include "shim/retry/loop.h"
#include "shim/retry/random.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

namespace {

std::string read_text(const InText& t) {
    return t.utf8();
}

}  // namespace

// ---- connecting ----------------------------------------------------------------------------

namespace {

// The value of the first of `keys` present in `pairs` (case-insensitive), else "".
std::string first_of(const std::vector<KeyValue>& pairs, std::span<const std::string_view> keys) {
    for (std::string_view k : keys)
        if (const KeyValue* kv = find_key(pairs, k); kv && !kv->value.empty()) return kv->value;
    return {};
}
std::string first_of(const std::vector<KeyValue>& pairs,
                     std::initializer_list<std::string_view> keys) {
    return first_of(pairs, std::span<const std::string_view>(keys.begin(), keys.size()));
}

}  // namespace

SQLRETURN Connection::prepare_target(const std::vector<KeyValue>& pairs, const std::string& dsn,
                                     std::string& target_connection_string) {
    ConfigInputs inputs;
    inputs.dsn = dsn;
    inputs.connection_string = pairs;
    if (auto error = resolve_config(inputs, config_))
        return fail(error->sqlstate.c_str(), error->message);
    configure_logging(config_);
    for (const auto& warning : config_.warnings) logger().warn("{}", warning);
    const Settings& s = config_.settings;

    std::string error;
    std::string library;
    std::vector<KeyValue> target_pairs;
    std::vector<KeyValue> target_dsn_section;
    if (!s.target_dsn.empty()) {
        std::string driver = dsn_driver(s.target_dsn);
        if (driver.empty())
            return fail("IM002", "[odbc-retry] TargetDSN '" + s.target_dsn + "' (from " +
                                     config_.values["TargetDSN"].origin +
                                     ") is not a data source in odbc.ini");
        if (driver == "ODBC Retry" || driver.find("libodbcretry") != std::string::npos)
            return fail("HY000",
                        "[odbc-retry] TargetDSN '" + s.target_dsn +
                            "' points at odbc-retry itself; it must name a DSN of the real driver");
        library = resolve_driver_library(driver, error);
        target_pairs.push_back({"DSN", s.target_dsn});
        target_dsn_section = read_odbc_ini_section(s.target_dsn);
    } else {
        library = resolve_driver_library(s.target_driver, error);
        target_pairs.push_back({"DRIVER", s.target_driver});
    }
    if (library.empty())
        return fail("IM002",
                    "[odbc-retry] " + error + " (TargetDriver/TargetDSN from " +
                        config_.values[s.target_dsn.empty() ? "TargetDriver" : "TargetDSN"].origin +
                        ")");
    auto driver = TargetDriver::load(library, error);
    if (!driver) return fail("IM003", "[odbc-retry] " + error);
    if (driver->path().find("libodbcretry") != std::string::npos)
        return fail("HY000", "[odbc-retry] the target driver is odbc-retry itself");

    SQLHENV henv = env_->target_env(driver, error);
    if (!henv) return fail("IM004", "[odbc-retry] " + error);
    if (target_ && driver_ != driver) {
        api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
        target_ = nullptr;
    }
    driver_ = driver;
    api_ = &driver->api();
    target_env_ = henv;

    // What identifies the target for the breaker, budget and epoch: the server and database,
    // wherever they were given, and the driver family.
    std::vector<KeyValue> all = target_dsn_section;
    for (const auto& kv : config_.forwarded) all.push_back(kv);
    family_ = detect_family(driver->path() + " " + s.target_driver + " " +
                            (s.target_dsn.empty() ? std::string() : dsn_driver(s.target_dsn)));
    std::string host =
        first_of(all, {"Server", "Servername", "Host", "Hostname", "Address", "Addr"});
    std::string port = first_of(all, {"Port"});
    std::string database = first_of(all, {"Database", "DB", "Dbname", "DatabaseName"});
    target_description_ =
        (s.target_dsn.empty() ? "driver " + s.target_driver : "DSN " + s.target_dsn);
    std::string key = std::string(to_string(family_)) + "://" + (host.empty() ? "-" : host) + ":" +
                      (port.empty() ? "-" : port) + "/" + (database.empty() ? "-" : database);
    if (host.empty() && database.empty()) key += "?" + target_description_;
    target_description_ += " (" + key + ")";
    server_host_ = host;
    server_port_ = port.empty() ? default_port_for(family_) : port;
    target_state_ = &odbcretry::target_state(key, family_, s);
    classifier_ = std::make_unique<Classifier>(family_, make_user_rules(s));
    secrets_.clear();
    for (const auto& kv : all)
        if (is_secret_key(kv.key) && !kv.value.empty()) secrets_.push_back(kv.value);

    // MariaDB ignores SQL_ATTR_LOGIN_TIMEOUT: its own CONN_TIMEOUT bounds a connect, unless the
    // application or the DSN chose a value.
    // Resuming an interrupted read only makes sense where rows still come from the server while
    // they are fetched; elsewhere the whole result is in the client once execute returns.
    const DriverProfile& family = profile(family_);
    auto key_is_on = [&](std::span<const std::string_view> keys) {
        std::string v = first_of(all, keys);
        return v == "1" || iequals(v, "yes") || iequals(v, "true") || iequals(v, "on");
    };
    if (s.replay_resume_fetch == "yes")
        resume_fetch_enabled_ = s.recovery;
    else if (s.replay_resume_fetch == "no")
        resume_fetch_enabled_ = false;
    else if (family.resume_fetch == ResumeFetch::WhenStreaming)
        resume_fetch_enabled_ = s.recovery && key_is_on(family.streaming_keys);
    else
        resume_fetch_enabled_ = s.recovery && family.resume_fetch == ResumeFetch::Always;
    connect_timeout_key_ = {};
    if (s.hang_protection && !family.connect_timeout_key.empty() &&
        std::none_of(family.connect_timeout_keys.begin(), family.connect_timeout_keys.end(),
                     [&](std::string_view k) { return find_key(all, k) != nullptr; }))
        connect_timeout_key_ = family.connect_timeout_key;
    for (const auto& kv : config_.forwarded) target_pairs.push_back(kv);
    target_connection_string = format_connection_string(target_pairs);
    return SQL_SUCCESS;
}

SQLRETURN Connection::open_target_dbc(std::chrono::milliseconds attempt_limit) {
    if (!target_) {
        SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_DBC, target_env_, &target_);
        if (!SQL_SUCCEEDED(rc) || !target_) {
            target_ = nullptr;
            return fail("IM005",
                        "[odbc-retry] the target driver could not allocate a connection handle");
        }
    }
    bool app_login_timeout = false;
    // Attributes the application set before connect, in the order it set them.
    for (const auto& a : preconnect_attributes_) {
        if (a.attribute == SQL_ATTR_LOGIN_TIMEOUT) app_login_timeout = true;
        SQLRETURN rc = apply_attribute(a);
        (void)rc;  // as a driver would have: an attribute the target rejects keeps its default
    }
    // Hang protection: an attempt may not outlive the deadline, also on a server that accepts
    // and never answers. The application's own login timeout is applied as it set it.
    // MariaDB ignores it (CONN_TIMEOUT is used instead) and SQLite has no network to wait on.
    hang_protection_login_timeout_ = false;
    if (!app_login_timeout && attempt_limit.count() > 0 && config_.settings.hang_protection &&
        profile(family_).login_timeout_attribute) {
        auto seconds = static_cast<intptr_t>((attempt_limit.count() + 999) / 1000);
        if (seconds < 1) seconds = 1;
        auto* set = api_->SQLSetConnectAttr ? api_->SQLSetConnectAttr : api_->SQLSetConnectAttrW;
        auto* get = api_->SQLGetConnectAttr ? api_->SQLGetConnectAttr : api_->SQLGetConnectAttrW;
        SQLUINTEGER current = 0;
        if (get &&
            SQL_SUCCEEDED(get(target_, SQL_ATTR_LOGIN_TIMEOUT, &current, sizeof current, nullptr)))
            target_default_login_timeout_ = current;
        if (set && SQL_SUCCEEDED(set(target_, SQL_ATTR_LOGIN_TIMEOUT,
                                     reinterpret_cast<SQLPOINTER>(seconds), 0)))
            hang_protection_login_timeout_ = true;
    }
    return SQL_SUCCESS;
}

void Connection::close_target_dbc() {
    if (!target_) return;
    api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
    target_ = nullptr;
}

SQLRETURN Connection::target_driver_connect(const std::string& built, bool wide, SQLHWND window,
                                            SQLUSMALLINT completion) {
    // The application's tail past its first NUL follows the built string, which ends like the
    // application's text did (with or without its last ';'), and the length covers it.
    const bool tail = connect_tail_is_wide_ ? !connect_tail_w_.empty() : !connect_tail_.empty();
    std::string cs = built;
    if (tail && !connect_text_ends_with_separator_ && !cs.empty() && cs.back() == ';')
        cs.pop_back();
    // The target's output string is not shown to the application (it gets its own back), but a
    // buffer too small for it would add the target's 01004 to a successful connect: room for
    // the whole input and what a driver appends, within SQLSMALLINT.
    SQLSMALLINT out_length = 0;
    auto capacity = static_cast<SQLSMALLINT>(std::min<size_t>(cs.size() + 4096, 32767));
    if ((wide && api_->SQLDriverConnectW) || !api_->SQLDriverConnect) {
        WString w = to_utf16(cs);
        SQLSMALLINT length = SQL_NTS;
        if (tail) {
            w += connect_tail_is_wide_ ? connect_tail_w_ : to_utf16(connect_tail_);
            length = static_cast<SQLSMALLINT>(std::min<size_t>(w.size(), 32767));
        }
        WString out(static_cast<size_t>(capacity), 0);
        return api_->SQLDriverConnectW(target_, window, w.data(), length, out.data(), capacity,
                                       &out_length, completion);
    }
    SQLSMALLINT length = SQL_NTS;
    if (tail) {
        cs += connect_tail_is_wide_ ? to_utf8(connect_tail_w_) : connect_tail_;
        length = static_cast<SQLSMALLINT>(std::min<size_t>(cs.size(), 32767));
    }
    std::string out(static_cast<size_t>(capacity), '\0');
    return api_->SQLDriverConnect(
        target_, window, reinterpret_cast<SQLCHAR*>(const_cast<char*>(cs.c_str())), length,
        reinterpret_cast<SQLCHAR*>(out.data()), capacity, &out_length, completion);
}

std::chrono::milliseconds Connection::app_login_timeout() const {
    for (const auto& a : preconnect_attributes_)
        if (a.attribute == SQL_ATTR_LOGIN_TIMEOUT)
            return std::chrono::seconds(reinterpret_cast<intptr_t>(a.integer));
    return std::chrono::milliseconds(0);
}

SQLRETURN Connection::establish(const std::string& target_cs, bool wide, SQLHWND window,
                                SQLUSMALLINT completion, const char* operation, bool recovering,
                                std::atomic<bool>* cancel) {
    if (!cancel) cancel = &cancel_;
    const Settings& s = config_.settings;
    RetrySettings policy = make_retry_settings(s);
    // The application is already waiting on a call that hides the outage: ride out the breaker.
    if (recovering) policy.breaker_wait = std::chrono::milliseconds::max();
    cancel->store(false, std::memory_order_relaxed);
    target_state_->refill_budget(steady_clock_instance().now());
    RetryState state(policy, steady_clock_instance(), default_random(), app_login_timeout(),
                     &target_state_->budget(), target_state_->breaker_for(s), cancel);
    TargetCounters& counters = target_state_->counters();
    std::vector<DiagRecord> last_records;
    Classifier::Verdict verdict;
    std::optional<TcpListenProbe> probe;  // RetryWakeOnListen; resolved at its first check
    if (!server_host_.empty() && wake_on_listen(s.retry_wake_on_listen, family_))
        probe.emplace(server_host_, server_port_, 5 * kListenCheckInterval);
    SQLRETURN rc = SQL_ERROR;
    auto attempt = [&]() {
        // Each attempt gets at most what is left of the deadline.
        std::chrono::milliseconds limit(0);
        if (auto deadline = state.deadline())
            limit = std::chrono::duration_cast<std::chrono::milliseconds>(
                *deadline - steady_clock_instance().now());
        if (rc = open_target_dbc(limit); rc != SQL_SUCCESS) return AttemptOutcome::ended();
        std::string cs = target_cs;
        if (!connect_timeout_key_.empty() && limit.count() > 0) {
            cs += connect_timeout_key_;
            cs += '=';
            cs += std::to_string(std::max<long long>(1, (limit.count() + 999) / 1000));
            cs += ';';
        }
        rc = connect_path_ == ConnectPath::TargetSqlConnect
                 ? target_sql_connect(wide)
                 : target_driver_connect(cs, wide, window, completion);
        if (SQL_SUCCEEDED(rc)) return AttemptOutcome::succeeded();
        if (rc == SQL_NO_DATA) return AttemptOutcome::ended();  // the user cancelled a prompt
        last_records = diag().records_snapshot(diag_source());
        verdict = classify(*classifier_, last_records, Phase::Connect);
        return AttemptOutcome::failed(
            {verdict.cls, false, verdict.rule ? verdict.rule->attempt_cap : 0});
    };
    auto before_wait = [&](const Decision& decision) {
        counters.connect_retries.fetch_add(1, std::memory_order_relaxed);
        AttemptReport report{operation,
                             state.attempts(),
                             policy.max_attempts,
                             &verdict,
                             last_records.empty() ? nullptr : &last_records[verdict.record],
                             decision.delay,
                             &target_description_};
        log_retry(report, secrets_);
        close_target_dbc();
    };
    auto wait = [&](std::chrono::milliseconds delay) {
        WaitEnd end = wait_out_backoff(real_sleeper(), steady_clock_instance(), delay, cancel,
                                       probe ? &*probe : nullptr, kListenCheckInterval);
        if (end == WaitEnd::Listening) {
            // A server that has just started to listen may still refuse sessions for a moment
            // (PostgreSQL: "the database system is starting up"): the delays start small again.
            state.restart_backoff();
            logger().info("{} accepts connections again: retrying before the backoff ends",
                          target_description_);
        }
        return end;
    };
    auto wait_admission = [&](std::chrono::milliseconds delay) {
        return real_sleeper().sleep_for(delay, cancel);
    };
    RetrySteps steps{attempt, before_wait, wait, true, wait_admission};
    switch (run_retry_loop(state, Phase::Connect, steps)) {
        case RetryEnd::Succeeded:
            counters.connects.fetch_add(1, std::memory_order_relaxed);
            if (state.attempts() > 1) diag().reset();  // earlier attempts' records are history
            return rc;
        case RetryEnd::Ended:
            return rc;
        case RetryEnd::Refused:
            if (state.stop_reason() == StopReason::Breaker)
                counters.breaker_rejections.fetch_add(1, std::memory_order_relaxed);
            break;
        case RetryEnd::Stopped:
            if (state.stop_reason() == StopReason::NotRetryable) {
                // A fatal error (wrong password, missing database) is returned exactly as the
                // target reported it, after one attempt.
                diag().capture_target(diag_source());
                close_target_dbc();
                counters.connect_failures.fetch_add(1, std::memory_order_relaxed);
                log_give_up(operation,
                            "not retryable (" + std::string(to_string(verdict.cls)) + ", " +
                                std::string(verdict.rule_name) + ")",
                            target_description_,
                            last_records.empty() ? nullptr : &last_records[verdict.record],
                            secrets_);
                return SQL_ERROR;
            }
            break;
        case RetryEnd::Cancelled:
            break;
    }
    // Given up: the target's last records, then ours saying why.
    close_target_dbc();
    {
        // The target's last records, kept as copies (its handle is gone), then the give-up record.
        DiagArea& d = diag();
        d.set_captured(last_records);
        if (state.stop_reason() == StopReason::Attempts && policy.max_attempts <= 1) {
            // Retrying is off (RetryMaxAttempts=1): the target's answer exactly, as it gave it.
            counters.connect_failures.fetch_add(1, std::memory_order_relaxed);
            return SQL_ERROR;
        }
        std::string message = give_up_message(state);
        if (state.stop_reason() == StopReason::Breaker) {
            if (CircuitBreaker* b = target_state_->breaker_for(s)) {
                auto now = steady_clock_instance().now();
                auto next = std::chrono::duration_cast<std::chrono::milliseconds>(
                    b->next_allowed(now) - now);
                message += "; target " + target_description_ + "; next probe in " +
                           std::to_string(std::max<long long>(0, next.count())) + " ms";
            }
        }
        d.post("08001", message);
        counters.give_ups.fetch_add(1, std::memory_order_relaxed);
        counters.connect_failures.fetch_add(1, std::memory_order_relaxed);
        log_give_up(operation, message, target_description_,
                    last_records.empty() ? nullptr : &last_records.back(), secrets_);
    }
    return SQL_ERROR;
}

SQLRETURN Connection::connect_with(const std::vector<KeyValue>& pairs, const std::string& dsn,
                                   bool wide, SQLHWND window, SQLUSMALLINT completion,
                                   const std::vector<KeyValue>* credentials) {
    if (connected_ || browsing_) return fail("08002", "[odbc-retry] connection already in use");
    std::string target_cs;
    SQLRETURN rc = prepare_target(pairs, dsn, target_cs);
    if (rc != SQL_SUCCESS) return rc;
    connect_path_ = ConnectPath::ConnectionString;
    if (credentials) {
        // SQLConnect. A TargetDSN with no key to forward is connected the way the application
        // connected: the target's SQLConnect with the application's own arguments, so that the
        // target alone decides what an empty or missing user name or password means (psqlODBC
        // and MariaDB then take the DSN's). Otherwise the target gets a connection string, where
        // an empty user name or password is one not given.
        if (!config_.settings.target_dsn.empty() && config_.forwarded.empty() &&
            (api_->SQLConnect || api_->SQLConnectW)) {
            connect_path_ = ConnectPath::TargetSqlConnect;
        } else {
            std::vector<KeyValue> given;
            for (const auto& kv : *credentials)
                if (!kv.value.empty()) given.push_back(kv);
            target_cs += format_connection_string(given);
        }
        for (const auto& kv : *credentials)
            if (is_secret_key(kv.key) && !kv.value.empty()) secrets_.push_back(kv.value);
    }
    target_cs_ = target_cs;
    rc = establish(target_cs, wide, window, completion, "connect");
    if (SQL_SUCCEEDED(rc)) {
        std::string failure;
        const auto& init = config_.settings.session_init_sql;
        for (size_t i = 0; i < init.size(); ++i) {
            std::vector<DiagRecord> records;
            if (run_sql(init[i], "OdbcRetrySessionInitSQL statement " + std::to_string(i + 1),
                        failure, &records) == SQL_ERROR) {
                api_->SQLDisconnect(target_);
                close_target_dbc();
                diag().set_leading("HY000", "[odbc-retry] " + failure, std::move(records));
                return SQL_ERROR;
            }
        }
        // Autocommit off before connect: the settings are committed, not left in a
        // transaction that the application's first ROLLBACK would undo.
        if (!config_.settings.session_init_sql.empty()) commit_if_manual();
        learn_target_functions();
        // What SQL_ATTR_RESET_CONNECTION restores the isolation level to.
        if (auto* get =
                api_->SQLGetConnectAttr ? api_->SQLGetConnectAttr : api_->SQLGetConnectAttrW) {
            SQLUINTEGER isolation = 0;
            if (SQL_SUCCEEDED(
                    get(target_, SQL_ATTR_TXN_ISOLATION, &isolation, sizeof isolation, nullptr)))
                initial_isolation_ = isolation;
        }
        connected_ = true;
        connect_wide_ = wide;
        epoch_ = &target_state_->epoch();
        target_epoch_ = epoch_->load(std::memory_order_acquire);
        session_.fetch_add(1, std::memory_order_acq_rel);
        log_connected(config_, dsn);
    }
    return rc;
}

Connection::ConnectArgument Connection::ConnectArgument::copy(const InText& in) {
    ConnectArgument c;
    c.is_null = in.null();
    c.wide = in.wide;
    c.length = in.length;
    if (c.is_null) return c;
    // Everything the application's length covers (the target reads it its own way), else the
    // text up to its terminator.
    size_t n = in.length >= 0 ? static_cast<size_t>(in.length) : in.units();
    if (in.wide)
        c.w.assign(in.w(), n);
    else
        c.a.assign(reinterpret_cast<const char*>(in.a()), n);
    return c;
}

InText Connection::ConnectArgument::text() const {
    if (is_null) return wide ? InText::of(nullptr, length) : InText::narrow(nullptr, length);
    return wide ? InText::of(w.c_str(), length)
                : InText::narrow(reinterpret_cast<const SQLCHAR*>(a.c_str()), length);
}

void Connection::keep_connect_tail(const InText& in) {
    connect_tail_.clear();
    connect_tail_w_.clear();
    connect_tail_is_wide_ = in.wide;
    connect_text_ends_with_separator_ = true;
    if (in.null() || in.length < 0) return;
    size_t text = in.units(), length = static_cast<size_t>(in.length);
    if (length <= text) return;
    if (in.wide) {
        connect_tail_w_.assign(in.w() + text, length - text);
        connect_text_ends_with_separator_ = text > 0 && in.w()[text - 1] == SQLWCHAR(';');
    } else {
        connect_tail_.assign(reinterpret_cast<const char*>(in.a()) + text, length - text);
        connect_text_ends_with_separator_ = text > 0 && in.a()[text - 1] == ';';
    }
}

SQLRETURN Connection::target_sql_connect(bool wide) {
    const std::string& dsn = config_.settings.target_dsn;
    InText user = app_user_.text(), password = app_password_.text();
    bool call_wide = (wide && api_->SQLConnectW) || !api_->SQLConnect;
    auto length = [](long n) { return static_cast<SQLSMALLINT>(n); };
    if (call_wide) {
        WString d = to_utf16(dsn);
        if (user.wide)  // the application's own arguments
            return api_->SQLConnectW(target_, d.data(), SQL_NTS, const_cast<SQLWCHAR*>(user.w()),
                                     length(user.length), const_cast<SQLWCHAR*>(password.w()),
                                     length(password.length));
        ConvertedText u = ConvertedText::from(user, true), p = ConvertedText::from(password, true);
        return api_->SQLConnectW(target_, d.data(), SQL_NTS, u.w(), length(u.length), p.w(),
                                 length(p.length));
    }
    auto* d = reinterpret_cast<SQLCHAR*>(const_cast<char*>(dsn.c_str()));
    if (!user.wide)
        return api_->SQLConnect(target_, d, SQL_NTS, const_cast<SQLCHAR*>(user.a()),
                                length(user.length), const_cast<SQLCHAR*>(password.a()),
                                length(password.length));
    ConvertedText u = ConvertedText::from(user, false), p = ConvertedText::from(password, false);
    return api_->SQLConnect(target_, d, SQL_NTS, u.a(), length(u.length), p.a(), length(p.length));
}

SQLRETURN Connection::connect(InText dsn, InText user, InText password) {
    std::string name = read_text(dsn);
    if (name.empty()) name = "DEFAULT";
    // (Not over a connection in use: its arguments are the ones a recovery connects with.)
    if (connected_ || browsing_) return fail("08002", "[odbc-retry] connection already in use");
    app_user_ = ConnectArgument::copy(user);
    app_password_ = ConnectArgument::copy(password);
    keep_connect_tail(InText{});
    std::vector<KeyValue> credentials;
    if (!user.null()) credentials.push_back({"UID", read_text(user)});
    if (!password.null()) credentials.push_back({"PWD", read_text(password)});
    return connect_with({{"DSN", name}}, name, dsn.wide, nullptr, SQL_DRIVER_NOPROMPT,
                        &credentials);
}

SQLRETURN Connection::driver_connect(SQLHWND window, InText in, OutText out,
                                     SQLSMALLINT* out_length, SQLUSMALLINT completion) {
    if (in.null()) return fail("HY009", "[odbc-retry] null connection string");
    std::string text = in.utf8();
    std::string error;
    auto pairs = parse_connection_string(text, error);
    if (!pairs) return fail("HY000", "[odbc-retry] " + error);
    if (!connected_ && !browsing_) keep_connect_tail(in);
    std::string dsn;
    if (const KeyValue* k = find_key(*pairs, "DSN")) dsn = k->value;
    if (find_key(*pairs, "FILEDSN") && !find_key(*pairs, "DRIVER"))
        return fail("HY000",
                    "[odbc-retry] FILEDSN is resolved by the driver manager, not odbc-retry");
    if (dsn.empty() && !find_key(*pairs, "DRIVER")) dsn = "DEFAULT";
    SQLRETURN rc = connect_with(*pairs, dsn, in.wide, window, completion);
    if (!SQL_SUCCEEDED(rc)) return rc;
    // The output connection string is the application's own: it holds no secret it did not give.
    long full = 0;
    bool truncated = false;
    if (out.buffer || out_length) {
        if (in.wide)
            truncated =
                copy_out(in.utf16(), static_cast<SQLWCHAR*>(out.buffer), out.capacity, &full);
        else
            truncated = copy_out(text, static_cast<SQLCHAR*>(out.buffer), out.capacity, &full);
        if (out_length) *out_length = static_cast<SQLSMALLINT>(full);
    }
    if (truncated) {
        diag().post("01004",
                    "[odbc-retry] String data, right truncated: the output connection string "
                    "buffer is too small");
        return SQL_SUCCESS_WITH_INFO;
    }
    return rc;
}

SQLRETURN Connection::browse_connect(InText in, OutText out, SQLSMALLINT* out_length) {
    if (connected_) return fail("08002", "[odbc-retry] connection already in use");
    if (in.null()) return fail("HY009", "[odbc-retry] null connection string");
    std::string text = in.utf8();
    std::string target_text = text;
    if (!browsing_) {
        std::string error;
        auto pairs = parse_connection_string(text, error);
        if (!pairs) return fail("HY000", "[odbc-retry] " + error);
        std::string dsn;
        if (const KeyValue* k = find_key(*pairs, "DSN")) dsn = k->value;
        if (dsn.empty() && !find_key(*pairs, "DRIVER")) dsn = "DEFAULT";
        SQLRETURN rc = prepare_target(*pairs, dsn, target_text);
        if (rc != SQL_SUCCESS) return rc;
        rc = open_target_dbc(std::chrono::milliseconds(0));
        if (rc != SQL_SUCCESS) return rc;
    }
    if (!api_->SQLBrowseConnect && !api_->SQLBrowseConnectW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLBrowseConnect");
    long full = 0;
    bool truncated = false;
    bool target_wide = api_->SQLBrowseConnectW && (in.wide || !api_->SQLBrowseConnect);
    bool need_data = false;
    SQLRETURN rc = call_converting(
        out, &full, target_wide, truncated, [&](SQLPOINTER buffer, long cap, long* len) {
            SQLSMALLINT l = 0;
            auto c = static_cast<SQLSMALLINT>(std::min<long>(cap, 32766));
            SQLRETURN r;
            if (target_wide) {
                WString w = to_utf16(target_text);
                r = api_->SQLBrowseConnectW(target_, w.data(), static_cast<SQLSMALLINT>(w.size()),
                                            static_cast<SQLWCHAR*>(buffer), c, &l);
            } else {
                r = api_->SQLBrowseConnect(target_, reinterpret_cast<SQLCHAR*>(target_text.data()),
                                           static_cast<SQLSMALLINT>(target_text.size()),
                                           static_cast<SQLCHAR*>(buffer), c, &l);
            }
            *len = l;
            if (r == SQL_NEED_DATA) {  // more keys wanted: the output string is valid
                need_data = true;
                return static_cast<SQLRETURN>(SQL_SUCCESS);
            }
            return r;
        });
    if (need_data && SQL_SUCCEEDED(rc)) rc = SQL_NEED_DATA;
    if (out_length) *out_length = static_cast<SQLSMALLINT>(full);
    if (rc == SQL_NEED_DATA)
        browsing_ = true;
    else if (SQL_SUCCEEDED(rc))
        browsing_ = false, connected_ = true;
    else if (rc == SQL_ERROR)
        browsing_ = false;
    return rc;
}

}  // namespace odbcretry
