// SPDX-License-Identifier: Apache-2.0
// odbc-retry explain: how an error would be classified, by which rule, and what the
// application would see, under a DSN's effective configuration and driver family.
#include <cctype>
#include <iostream>
#include <map>

#include "shim/config/retry_settings.h"
#include "shim/retry/policy.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/dsn_view.h"

namespace odbcretry::tool {

namespace {

struct Outcome {
    const char* action;  // "retried", "recovered", "returned"
    std::string text;
};

bool in_span(const Rule* rule, std::span<const Rule> rules) {
    return rule && !rules.empty() && rule >= rules.data() && rule < rules.data() + rules.size();
}

const char* rule_key(ErrorClass cls) {
    switch (cls) {
        case ErrorClass::Transient:
            return "RetryRulesTransient";
        case ErrorClass::ConnectionLost:
            return "RetryRulesConnectionLost";
        case ErrorClass::RolledBack:
            return "RetryRulesRolledBack";
        case ErrorClass::Timeout:
            return "RetryRulesTimeout";
        case ErrorClass::Fatal:
            return "RetryRulesFatal";
    }
    return "";
}

std::string seconds_text(std::chrono::milliseconds d) {
    return d.count() == 0 ? std::string("no deadline")
                          : format_number(static_cast<double>(d.count()) / 1000.0) + " s";
}

Outcome outcome(Phase phase, ErrorClass cls, const Settings& s, const RetrySettings& r,
                bool via_retry) {
    if (!via_retry)
        return {"returned",
                "this data source does not go through odbc-retry: the application gets the error "
                "as the "
                "driver reported it"};
    const std::string retry_limits =
        "up to " + std::to_string(r.max_attempts) + " attempts within " + seconds_text(r.deadline) +
        " (RetryMaxAttempts, RetryDeadline; the application's own timeout wins when "
        "smaller), behind the target's retry budget and circuit breaker";
    switch (phase) {
        case Phase::Connect:
            if (r.retry_on_connect.contains(cls))
                return {
                    "retried",
                    "the connect is tried again with backoff, " + retry_limits +
                        "; the application sees success as soon as an attempt succeeds, or 08001 "
                        "\"[odbc-retry] gave up ...\" after the target's last error"};
            return {
                "returned",
                "the connect fails at once with the target's own error (one attempt, no retry)"};
        case Phase::Statement:
            if (cls == ErrorClass::ConnectionLost) {
                if (!s.recovery)
                    return {"returned",
                            "OdbcRetryRecovery=no: the error is returned and the connection "
                            "reports itself dead "
                            "(SQL_ATTR_CONNECTION_DEAD), so a pool discards it"};
                return {"recovered",
                        "the connection is re-established under the application's handles and its "
                        "session restored; "
                        "a read in autocommit, or the first statement of a transaction, is "
                        "replayed and succeeds; " +
                            std::string(s.replay_writes == "idempotent"
                                            ? "a write in autocommit is replayed too "
                                              "(ReplayWrites=idempotent); "
                                            : "a write in autocommit is not replayed "
                                              "(ReplayWrites=never) and fails "
                                              "with 08S01, its outcome unknown; ") +
                            "inside a transaction with earlier statements the application gets "
                            "08S01 (the server "
                            "rolled the transaction back); other connections to the target are "
                            "checked before "
                            "their next use"};
            }
            if (r.retry_on_statement.contains(cls))
                return {"retried",
                        "in autocommit, a single statement is executed again with backoff (" +
                            std::to_string(r.max_attempts) + " attempts within " +
                            seconds_text(r.deadline) +
                            "); inside a transaction the error is returned (the server rolled the "
                            "transaction back: only the application can redo it)"};
            if (cls == ErrorClass::RolledBack)
                return {"returned", "RetryDeadlocks=no: returned as is"};
            if (cls == ErrorClass::Timeout)
                return {"returned",
                        "the application's own timeout or cancel: returned as is, never retried"};
            return {"returned", "returned to the application as the target reported it"};
        case Phase::Commit:
            if (r.retry_on_commit.contains(cls))
                return {"retried", "the commit is tried again with backoff (" + retry_limits + ")"};
            if (cls == ErrorClass::ConnectionLost)
                return {
                    "returned",
                    "the connection was lost during the commit: its outcome is unknown, the "
                    "application gets 08007; the connection is recovered for the next transaction"};
            return {"returned", "returned to the application as the target reported it"};
    }
    return {"returned", ""};
}

// The driver family a record most likely comes from, when no DSN says it: the driver's tag in
// the message ("[psqlODBC]", "[ma-3.1.15]", "[SQLite]", "[FreeTDS]"), SQLSTATEs only PostgreSQL
// uses, native codes of MySQL/MariaDB and SQL Server. nullopt when nothing points anywhere.
std::optional<std::pair<DriverFamily, std::string>> guess_family(const std::string& sqlstate,
                                                                 long native,
                                                                 const std::string& message) {
    DriverFamily by_text = detect_family(message);
    if (by_text != DriverFamily::Generic) return std::pair{by_text, std::string("the message")};
    auto has = [&](const char* tag) { return message.find(tag) != std::string::npos; };
    if (has("[ma-") || has("[mysql]") || has("has gone away") || has("Lost connection to"))
        return std::pair{DriverFamily::MySql, std::string("the message")};
    if (has("server closed the connection unexpectedly") || has("fe_sendauth") ||
        has("pg_hba.conf") || has("terminating connection due to"))
        return std::pair{DriverFamily::Postgres, std::string("the message")};
    static const char* const kPostgresStates[] = {"28P01", "57P01", "57P02", "57P03", "40P01",
                                                  "53300", "25P03", "3D000", "57014", "55P03"};
    for (const char* st : kPostgresStates)
        if (sqlstate == st)
            return std::pair{DriverFamily::Postgres, "SQLSTATE " + sqlstate + " (PostgreSQL's)"};
    static const long kMySqlNatives[] = {1040, 1044, 1045, 1049, 1053, 1205, 1213, 1226, 1317,
                                         1927, 1969, 2002, 2003, 2005, 2006, 2013, 2055, 4031};
    for (long n : kMySqlNatives)
        if (native == n)
            return std::pair{DriverFamily::MySql,
                             "native code " + std::to_string(native) + " (MySQL/MariaDB's)"};
    static const long kSqlServerNatives[] = {18456, 4060, 20009, 20004, 20006, 20047};
    for (long n : kSqlServerNatives)
        if (native == n)
            return std::pair{DriverFamily::SqlServer,
                             "native code " + std::to_string(native) + " (SQL Server's)"};
    return std::nullopt;
}

}  // namespace

int run_explain(const std::vector<std::string>& words) {
    Args args(words, {{"--dsn", true},
                      {"--family", true},
                      {"--phase", true},
                      {"--native", true},
                      {"--message", true},
                      {"--json"}});
    if (args.help()) {
        std::cout << command_help("explain");
        return kExitOk;
    }
    args.expect_positional(1, 3, "SQLSTATE");
    const auto& pos = args.positional();
    std::string sqlstate = pos[0];
    for (auto& c : sqlstate) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (sqlstate.size() != 5 ||
        sqlstate.find_first_not_of("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != std::string::npos)
        throw UsageError("'" + pos[0] + "' is not a SQLSTATE (5 letters or digits, e.g. 08S01)");
    long native = 0;
    std::string message;
    // explain SQLSTATE [NATIVE] [MESSAGE]; a second word that is not a number is the message.
    if (pos.size() >= 2) {
        if (parse_long(pos[1], native)) {
            if (pos.size() == 3) message = pos[2];
        } else {
            if (pos.size() == 3)
                throw UsageError("NATIVE must be an integer, not '" + pos[1] + "'");
            message = pos[1];
        }
    }
    if (auto n = args.value("--native")) {
        if (!parse_long(*n, native))
            throw UsageError("--native must be an integer, not '" + *n + "'");
    }
    if (auto m = args.value("--message")) message = *m;
    std::vector<Phase> phases = {Phase::Connect, Phase::Statement, Phase::Commit};
    if (auto p = args.value("--phase")) {
        if (*p == "connect")
            phases = {Phase::Connect};
        else if (*p == "statement")
            phases = {Phase::Statement};
        else if (*p == "commit")
            phases = {Phase::Commit};
        else
            throw UsageError("--phase takes connect, statement or commit, not '" + *p + "'");
    }
    std::optional<DriverFamily> family_override;
    if (auto f = args.value("--family")) {
        family_override = parse_driver_family(*f);
        if (!family_override)
            throw UsageError("--family takes postgres, mysql, sqlite, sqlserver or generic, not '" +
                             *f + "'");
    }

    // The configuration: a DSN's effective one, or the defaults.
    Settings settings;
    std::vector<Rule> user_rules;
    std::map<std::string, SourcedValue> values;
    bool via_retry = true;
    DriverFamily family = DriverFamily::Generic;
    std::string family_source = "default (no --dsn)";
    std::string dsn;
    if (auto d = args.value("--dsn")) {
        dsn = *d;
        std::string error;
        auto view = view_dsn(*d, error);
        if (!view) throw UsageError("--dsn: " + error);
        if (!view->exists && view->driver.empty()) {
            std::cerr << "odbc-retry explain: data source '" << *d << "' not found in odbc.ini\n";
            return kExitFailed;
        }
        if (view->error) {
            std::cerr << "odbc-retry explain: the configuration of '" << view->input
                      << "' is not valid: " << view->error->message << "\n";
            return kExitFailed;
        }
        via_retry = view->via_retry;
        if (via_retry) {
            settings = view->config.settings;
            values = view->config.values;
            user_rules = make_user_rules(settings);
        }
        family = view->family;
        family_source =
            "detected from " +
            (view->target_driver.empty()
                 ? std::string("nothing (no target driver)")
                 : "the target driver '" + view->target_driver + "'" +
                       (view->target_library.empty() || view->target_library == view->target_driver
                            ? std::string()
                            : " (" + view->target_library + ")"));
    }
    if (family_override) {
        family = *family_override;
        family_source = "--family";
    } else if (dsn.empty()) {
        if (auto guessed = guess_family(sqlstate, native, message)) {
            family = guessed->first;
            family_source = "guessed from " + guessed->second + " (no --dsn)";
        } else {
            family_source =
                "ASSUMED: no --dsn, and nothing in the record names a driver; this answer assumes "
                "no driver (generic rules only), the real driver's rules may decide otherwise: "
                "give --dsn or --family";
        }
    }
    const bool assumed = family_source.rfind("ASSUMED", 0) == 0;
    if (assumed && !args.has("--json"))
        std::cerr << "odbc-retry explain: warning: " << family_source << "\n";
    const RetrySettings retry = make_retry_settings(settings);
    Classifier classifier(family, user_rules);
    const Failure failure{sqlstate, native, message};

    Json out = Json::object();
    out["sqlstate"] = sqlstate;
    out["native"] = native;
    out["message"] = message;
    out["dsn"] = dsn.empty() ? Json() : Json(dsn);
    out["via_odbc_retry"] = via_retry;
    out["family"] = std::string(to_string(family));
    out["family_source"] = family_source;
    out["family_assumed"] = assumed;
    out["user_rules"] = static_cast<unsigned long long>(user_rules.size());
    Json list = Json::array();
    std::string text;
    text += sqlstate + " (native " + std::to_string(native) + ")" +
            (message.empty() ? "" : " \"" + message + "\"") + "\n";
    text += (dsn.empty() ? std::string("built-in defaults") : "DSN " + dsn) + ": family " +
            std::string(to_string(family)) + ", " + family_source + "; " +
            std::to_string(user_rules.size()) + " user rule" + (user_rules.size() == 1 ? "" : "s") +
            (via_retry ? "" : "; NOT behind odbc-retry") + "\n\n";

    for (Phase phase : phases) {
        Classifier::Verdict v = classifier.classify(std::span<const Failure>(&failure, 1), phase);
        std::string source;
        if (!v.rule)
            source = "no rule matched: fatal by default";
        else if (in_span(v.rule, std::span<const Rule>(classifier.user_rules())))
            source = std::string("user rule from ") + rule_key(v.cls) +
                     (values.count(rule_key(v.cls)) ? " in " + values[rule_key(v.cls)].origin
                                                    : std::string());
        else if (in_span(v.rule, authentication_rules()))
            source = "built-in authentication rule (every family)";
        else if (in_span(v.rule, builtin_rules(family)))
            source = "built-in " + std::string(to_string(family)) + " rule";
        else
            source = "built-in generic rule";
        Outcome o = outcome(phase, v.cls, settings, retry, via_retry);
        Json p = Json::object();
        p["phase"] = std::string(to_string(phase));
        p["class"] = std::string(to_string(v.cls));
        p["rule"] = std::string(v.rule_name);
        p["rule_source"] = source;
        p["action"] = o.action;
        p["description"] = o.text;
        list.push(p);
        std::string phase_name(to_string(phase));
        std::string cls(to_string(v.cls));
        text += phase_name + std::string(11 - phase_name.size(), ' ') + cls +
                std::string(17 - cls.size(), ' ') + "rule \"" + std::string(v.rule_name) + "\" (" +
                source + ")\n";
        text += std::string(11, ' ') + o.action + ": " + o.text + "\n";
    }
    out["phases"] = list;
    if (args.has("--json"))
        std::cout << out.dump() << "\n";
    else
        std::cout << text;
    return kExitOk;
}

}  // namespace odbcretry::tool
