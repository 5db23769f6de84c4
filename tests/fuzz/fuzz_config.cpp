// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: odbc-retry's configuration (shim/config/config.h) and the parsers of its
// values.
//
// One input is split (FuzzedDataProvider) into a DSN name, an application connection string, a
// global configuration file (written to a private temporary file and named by
// ConfigInputs::global_file) and single values for parse_duration, parse_rules,
// parse_budget_settings and apply_setting. odbc.ini is not read.
//
// Invariants:
//   - resolve_config either fails with HY000/IM002 and a message starting "[odbc-retry] ", which
//     never quotes the value of a secret key (PWD, Password, ...) of the connection string; or it
//     succeeds with exactly one of TargetDSN/TargetDriver, every setting inside its documented
//     range, only known keys in `values`, and every other key forwarded with its last value;
//   - user rules that were accepted build a classifier that classifies anything;
//   - parse_duration accepts only non-negative durations and reads its own output back;
//   - apply_setting never leaves a setting out of range.
// Plus, from the sanitizers: no crash, no leak, no undefined behaviour.
#include <fuzzer/FuzzedDataProvider.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "shim/config/config.h"
#include "shim/config/connstr.h"
#include "shim/config/retry_settings.h"
#include "shim/retry/budget.h"
#include "shim/retry/classifier.h"

using namespace odbcretry;

namespace {

[[noreturn]] void fail(const char* what, const std::string& detail) {
    std::fprintf(stderr, "fuzz_config: %s\n%s\n", what, detail.c_str());
    std::abort();
}

const std::string& temp_path() {
    static const std::string path = [] {
        char name[] = "/tmp/fuzz_config-XXXXXX";
        int fd = mkstemp(name);
        if (fd < 0) std::abort();
        close(fd);
        return std::string(name);
    }();
    return path;
}

struct RemoveAtExit {
    ~RemoveAtExit() { std::remove(temp_path().c_str()); }
} remove_at_exit;

// LogLevel and LogFile, old names of ours that are also target drivers' keys, are ours or the
// target's by their value: either is right.
// An old name that target drivers use too (LogLevel, LogFile): odbc-retry's or the target's,
// depending on its value and on whether the new name is set; both outcomes are right.
bool shared_old_name(const std::string& key) {
    for (const KeyRename& r : renamed_keys())
        if (r.shared_with_targets && iequals(key, r.old_name)) return true;
    return false;
}

bool reserved_or_special(const std::string& key) {
    if (shared_old_name(key)) return true;
    return is_reserved_key(key) || iequals(key, "DSN") || iequals(key, "DRIVER") ||
           iequals(key, "FILEDSN") || iequals(key, "SAVEFILE");
}

void check_settings(const Settings& s, const std::string& context) {
    if (s.retry_max_attempts < 1 || s.retry_max_attempts > 1000)
        fail("RetryMaxAttempts out of range", context);
    if (s.circuit_breaker_threshold < 0 || s.circuit_breaker_threshold > 65535)
        fail("threshold out of range", context);
    if (!(s.retry_multiplier >= 1.0 && s.retry_multiplier <= 100.0))
        fail("RetryMultiplier out of range", context);
    for (Millis d :
         {s.retry_base_delay, s.retry_max_delay, s.retry_deadline, s.circuit_breaker_cooldown})
        if (d.count() < 0) fail("negative duration", context);
    if (!parse_budget_settings(s.retry_budget))
        fail("RetryBudget kept an unparsable value", context);
    for (const std::string* rules : {&s.rules_transient, &s.rules_connection_lost,
                                     &s.rules_rolled_back, &s.rules_timeout, &s.rules_fatal})
        if (!parse_rules(*rules, ErrorClass::Fatal))
            fail("a rules setting kept an unparsable value", context);
    static const char* levels[] = {"trace", "debug", "info", "warn", "error", "off"};
    bool level_ok = false;
    for (const char* l : levels) level_ok = level_ok || s.log_level == l;
    if (!level_ok) fail("LogLevel out of range", s.log_level);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    unsetenv("ODBC_RETRY_LOG_LEVEL");
    unsetenv("ODBC_RETRY_LOG_FILE");
    unsetenv("ODBC_RETRY_CONFIG");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzedDataProvider in(data, size);
    std::string dsn = in.ConsumeRandomLengthString(40);
    std::string connection_string = in.ConsumeRandomLengthString(600);
    std::string global_file = in.ConsumeRandomLengthString(1200);
    std::string single = in.ConsumeRandomLengthString(200);
    std::string failure_text = in.ConsumeRandomLengthString(100);
    int key_index = in.ConsumeIntegral<int>();

    // ---- resolve_config ----
    std::string error;
    auto pairs = parse_connection_string(connection_string, error);
    if (pairs) {
        {
            std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
            out << global_file;
        }
        ConfigInputs inputs;
        inputs.dsn = dsn;
        inputs.connection_string = *pairs;
        inputs.global_file = temp_path();
        inputs.read_odbc_ini = false;
        ResolvedConfig config;
        std::string context = "dsn [" + dsn + "]\nconnection string [" + connection_string +
                              "]\nglobal file [" + global_file + "]";
        if (auto problem = resolve_config(inputs, config)) {
            if (problem->sqlstate != "HY000" && problem->sqlstate != "IM002")
                fail("unexpected SQLSTATE", problem->sqlstate + "\n" + context);
            if (problem->message.rfind("[odbc-retry] ", 0) != 0)
                fail("message without prefix", problem->message);
            // No secret of the application's connection string in the message: the same input
            // with every secret value replaced by a marker fails the same way, without the marker.
            // The marker is one that no other part of the input contains (a key or a file line
            // may spell the dictionary's marker, and quoting those is allowed).
            std::string marker = "S3CR3T-MARKER";
            while (context.find(marker) != std::string::npos) marker += "X";
            ConfigInputs marked = inputs;
            bool any_secret = false;
            for (auto& kv : marked.connection_string)
                if (is_secret_key(kv.key)) kv.value = marker, any_secret = true;
            if (any_secret) {
                ResolvedConfig ignored;
                auto marked_problem = resolve_config(marked, ignored);
                if (!marked_problem)
                    fail("a secret value changed the outcome of resolve_config", context);
                if (marked_problem->message.find(marker) != std::string::npos)
                    fail("a secret value is quoted in a configuration error",
                         marked_problem->message + "\n" + context);
            }
        } else {
            const Settings& s = config.settings;
            if (s.target_dsn.empty() == s.target_driver.empty())
                fail("not exactly one target", context);
            check_settings(s, context);
            for (auto& [key, value] : config.values) {
                bool known = false;
                for (auto& k : known_keys()) known = known || key == k.name;
                if (!known) fail("an unknown key in values", key);
            }
            for (auto& kv : config.forwarded) {
                if (reserved_or_special(kv.key) && !shared_old_name(kv.key))
                    fail("a reserved key was forwarded", kv.key + "\n" + context);
                const KeyValue* last = find_key(*pairs, kv.key);
                if (last && last->value != kv.value)
                    fail("a forwarded key lost its last value", kv.key + "\n" + context);
            }
            for (auto& kv : *pairs)
                if (!reserved_or_special(kv.key) && !find_key(config.forwarded, kv.key))
                    fail("a key was not forwarded", kv.key + "\n" + context);
            // The accepted rules build a classifier that classifies anything.
            std::vector<Rule> rules = make_user_rules(s);
            for (DriverFamily family :
                 {DriverFamily::Postgres, DriverFamily::MySql, DriverFamily::Sqlite,
                  DriverFamily::SqlServer, DriverFamily::Generic}) {
                Classifier classifier(family, rules);
                std::string state = failure_text.substr(0, 5);
                Failure f{state, static_cast<long>(key_index), failure_text};
                for (Phase phase : {Phase::Connect, Phase::Statement, Phase::Commit}) {
                    auto verdict = classifier.classify(std::span<const Failure>(&f, 1), phase);
                    if (verdict.rule_name.empty()) fail("a verdict without a name", failure_text);
                }
            }
            RetrySettings retry = make_retry_settings(s);
            if (retry.max_attempts != s.retry_max_attempts)
                fail("make_retry_settings lost max_attempts", context);
        }
    }

    // ---- single values ----
    if (auto d = parse_duration(single)) {
        if (d->count() < 0) fail("negative duration", single);
        auto again = parse_duration(std::to_string(d->count()) + "ms");
        if (!again || *again != *d) fail("parse_duration does not read its own output", single);
    }
    for (ErrorClass cls : kAllErrorClasses) {
        auto rules = parse_rules(single, cls);
        if (rules) {
            for (auto& r : rules.value()) {
                if (r.cls != cls) fail("rule with the wrong class", single);
                if (r.sqlstate.empty() && !r.native && r.message_substring.empty())
                    fail("a rule matching everything", single);
            }
        } else if (rules.error().empty()) {
            fail("rules rejected without a message", single);
        }
    }
    if (auto budget = parse_budget_settings(single)) {
        auto& b = budget.value();
        if (b.enabled && (b.max_tokens < 1 || !(b.token_ratio > 0)))
            fail("budget out of range", single);
        auto again = parse_budget_settings(to_string(b));
        if (!again) fail("to_string(budget) does not parse", to_string(b));
    }
    const auto& keys = known_keys();
    const KeyInfo& key =
        keys[static_cast<size_t>(key_index < 0 ? -(key_index + 1) : key_index) % keys.size()];
    Settings settings;
    if (!apply_setting(settings, key.name, single))
        check_settings(settings, std::string(key.name) + "=" + single);
    return 0;
}
