// SPDX-License-Identifier: Apache-2.0
// Configuration: where each value comes from, which source wins, and the errors for bad input.
//
// Every test names its global file through ConfigInputs.global_file (or ODBC_RETRY_CONFIG), so
// the machine's /etc/odbc-retry.ini is never read, and clears the ODBC_RETRY_* environment.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "shim/config/config.h"

namespace odbcretry {
namespace {

namespace fs = std::filesystem;

// Sets (or unsets) an environment variable for one scope.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = getenv(name)) old_ = old;
        if (value)
            setenv(name, value, 1);
        else
            unsetenv(name);
    }
    ~ScopedEnv() {
        if (old_)
            setenv(name_.c_str(), old_->c_str(), 1);
        else
            unsetenv(name_.c_str());
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

  private:
    std::string name_;
    std::optional<std::string> old_;
};

class ConfigTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::path(::testing::TempDir()) / "odbcretry-config-XXXXXX").string();
        ASSERT_NE(mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // Writes a global configuration file and returns its path.
    std::string write_global(const std::string& text, const std::string& name = "odbc-retry.ini") {
        std::string path = (fs::path(dir_) / name).string();
        std::ofstream(path) << text;
        return path;
    }

    // Inputs with a global file (empty unless given) and no odbc.ini.
    ConfigInputs inputs(const std::string& connection_string, const std::string& global = "",
                        const std::string& dsn = "") {
        ConfigInputs in;
        in.dsn = dsn;
        std::string error;
        auto pairs = parse_connection_string(connection_string, error);
        EXPECT_TRUE(pairs) << connection_string << ": " << error;
        if (pairs) in.connection_string = *pairs;
        in.global_file = write_global(global);
        in.read_odbc_ini = false;
        return in;
    }

    ResolvedConfig resolve_ok(const ConfigInputs& in) {
        ResolvedConfig out;
        auto error = resolve_config(in, out);
        EXPECT_FALSE(error.has_value()) << (error ? error->sqlstate + " " + error->message : "");
        return out;
    }

    ConfigError resolve_error(const ConfigInputs& in) {
        ResolvedConfig out;
        auto error = resolve_config(in, out);
        EXPECT_TRUE(error.has_value()) << "resolve_config accepted the input";
        return error.value_or(ConfigError{"", ""});
    }

    std::string dir_;
    ScopedEnv no_config_{"ODBC_RETRY_CONFIG", nullptr};
    ScopedEnv no_level_{"ODBC_RETRY_LOG_LEVEL", nullptr};
    ScopedEnv no_file_{"ODBC_RETRY_LOG_FILE", nullptr};
};

#define EXPECT_CONTAINS(haystack, needle)                            \
    EXPECT_NE(std::string(haystack).find(needle), std::string::npos) \
        << "'" << (needle) << "' not in: " << (haystack)

// ---- parse_duration, parse_bool ------------------------------------------------------------

TEST(ParseDuration, UnitsAndBareSeconds) {
    EXPECT_EQ(parse_duration("250ms"), Millis(250));
    EXPECT_EQ(parse_duration("2s"), Millis(2000));
    EXPECT_EQ(parse_duration("1.5s"), Millis(1500));
    EXPECT_EQ(parse_duration("1m"), Millis(60000));
    EXPECT_EQ(parse_duration("500ms"), Millis(500));
    // A bare number is seconds, as login timeouts, CPTimeout and connect_timeout are.
    EXPECT_EQ(parse_duration("30"), Millis(30000));
    EXPECT_EQ(parse_duration("0.5"), Millis(500));
    EXPECT_EQ(parse_duration("1h"), Millis(3600000));
    EXPECT_EQ(parse_duration("0"), Millis(0));
    EXPECT_EQ(parse_duration(" 2s "), Millis(2000));
    EXPECT_EQ(parse_duration("2S"), Millis(2000));
    EXPECT_EQ(parse_duration("0.25s"), Millis(250));
}

TEST(ParseDuration, GarbageIsRejected) {
    for (const char* text : {"", " ", "abc", "s", "ms", "-1s", "-5", "1.2.3s", ".", "2 parsecs",
                             "1e3", "2sec", "10ms5", "1,5s", "99999999999999999999"})
        EXPECT_EQ(parse_duration(text), std::nullopt) << "'" << text << "' was accepted";
}

TEST(ParseBool, AcceptedSpellings) {
    for (const char* yes : {"1", "yes", "YES", "true", "True", "on", " on "})
        EXPECT_EQ(parse_bool(yes), true) << yes;
    for (const char* no : {"0", "no", "false", "OFF", "off"})
        EXPECT_EQ(parse_bool(no), false) << no;
    for (const char* bad : {"", "2", "y", "maybe"}) EXPECT_EQ(parse_bool(bad), std::nullopt) << bad;
}

TEST(ReservedKeys, OursAndOurPrefixesAreReserved) {
    for (const char* key :
         {"TargetDSN", "targetdriver", "LogLevel", "RetryMaxAttempts", "OdbcRetryLogLevel",
          "OdbcRetryAnything", "RetryMaxAtempts", "ReplayWrites", "ReplaySomething",
          "CircuitBreakerThreshold", "SessionInitSQL", "Recovery", "ProbeQuery"})
        EXPECT_TRUE(is_reserved_key(key)) << key;
    for (const char* key : {"Server", "Port", "UID", "PWD", "Database", "SSLMode"})
        EXPECT_FALSE(is_reserved_key(key)) << key;
}

TEST(FormatDuration, ShowsTheUnit) {
    EXPECT_EQ(format_duration(Millis(0)), "0s");
    EXPECT_EQ(format_duration(Millis(250)), "250ms");
    EXPECT_EQ(format_duration(Millis(1500)), "1.5s");
    EXPECT_EQ(format_duration(Millis(30000)), "30s");
    EXPECT_EQ(format_duration(Millis(120000)), "2m");
    EXPECT_EQ(format_duration(Millis(3600000)), "1h");
    for (long long ms : {0LL, 1LL, 250LL, 1001LL, 1500LL, 30000LL, 90000LL, 3600000LL})
        EXPECT_EQ(parse_duration(format_duration(Millis(ms))), Millis(ms)) << ms;
}

// ---- one namespace: new names, old names, near misses ---------------------------------------

TEST(KeyNamespace, EveryKeyHasOneOfOurPrefixes) {
    for (const KeyInfo& k : known_keys()) {
        std::string name = k.name;
        bool prefixed = false;
        for (const char* prefix : {"Retry", "Replay", "Circuit", "Target", "OdbcRetry"})
            prefixed = prefixed || name.rfind(prefix, 0) == 0;
        EXPECT_TRUE(prefixed) << name;
    }
    for (const KeyRename& r : renamed_keys()) {
        EXPECT_STREQ(canonical_key(r.old_name), r.new_name);
        EXPECT_STREQ(canonical_key(r.new_name), r.new_name);
    }
}

TEST(KeyNamespace, NearMissesOfOurKeys) {
    EXPECT_STREQ(near_miss_of("Recovry"), "OdbcRetryRecovery");
    EXPECT_STREQ(near_miss_of("LogLevl"), "OdbcRetryLogLevel");
    EXPECT_STREQ(near_miss_of("RetyMaxAttempts"), "RetryMaxAttempts");
    EXPECT_STREQ(near_miss_of("CircuitBreakerTreshold"), "CircuitBreakerThreshold");
    EXPECT_STREQ(near_miss_of("RetryMaxAtempts"), "RetryMaxAttempts");
    EXPECT_STREQ(near_miss_of("OdbcRetryRecovry"), "OdbcRetryRecovery");
    EXPECT_NE(near_miss_of("RetrySomethingElse"), nullptr);  // our prefix, unknown rest
    EXPECT_EQ(near_miss_of("RetryMaxAttempts"), nullptr);    // ours, not a miss
    EXPECT_EQ(near_miss_of("LogLevel"), nullptr);            // an old name, not a miss
    // Keys of the target families are never near misses.
    for (const char* key : {"Server", "Servername", "Port", "UID", "PWD", "Database", "SSLMode",
                            "UseDeclareFetch", "NO_CACHE", "TDS_Version", "LogPath",
                            "target_session_attrs", "Debug", "CommLog", "OPTION", "Timeout"})
        EXPECT_EQ(near_miss_of(key), nullptr) << key;
    EXPECT_EQ(edit_distance("Recovery", "reCovrey"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
}

// ---- sources and precedence ----------------------------------------------------------------

// The fields of Settings that have a documented default, as text, for comparing two Settings.
std::string describe(const Settings& s) {
    std::ostringstream out;
    out << "target_dsn=" << s.target_dsn << " target_driver=" << s.target_driver
        << " log_level=" << s.log_level << " log_file=" << s.log_file
        << " retry_max_attempts=" << s.retry_max_attempts
        << " retry_base_delay=" << s.retry_base_delay.count()
        << " retry_max_delay=" << s.retry_max_delay.count()
        << " retry_multiplier=" << s.retry_multiplier << " retry_backoff=" << s.retry_backoff
        << " retry_jitter=" << s.retry_jitter << " retry_deadline=" << s.retry_deadline.count()
        << " retry_budget=" << s.retry_budget << " retry_deadlocks=" << s.retry_deadlocks
        << " circuit_breaker_threshold=" << s.circuit_breaker_threshold
        << " circuit_breaker_cooldown=" << s.circuit_breaker_cooldown.count()
        << " circuit_breaker_shared=" << s.circuit_breaker_shared
        << " retry_wake_on_listen=" << s.retry_wake_on_listen
        << " hang_protection=" << s.hang_protection << " recovery=" << s.recovery
        << " replay_writes=" << s.replay_writes << " session_init_sql=" << s.session_init_sql.size()
        << " probe_query=" << s.probe_query;
    return out.str();
}

// The documented defaults (known_keys, which the docs and `odbc-retry` show) are the code's.
TEST(KnownKeys, DocumentedDefaultsAreTheSettingsDefaults) {
    Settings from_table;
    for (const KeyInfo& k : known_keys()) {
        if (std::string(k.default_value).empty()) continue;
        auto problem = apply_setting(from_table, k.name, k.default_value);
        EXPECT_FALSE(problem.has_value())
            << k.name << " default '" << k.default_value << "': " << *problem;
    }
    EXPECT_EQ(describe(from_table), describe(Settings{}));
}

TEST(KnownKeys, EveryKnownKeyIsReservedAndAppliesItsDefault) {
    for (const KeyInfo& k : known_keys()) {
        EXPECT_TRUE(is_reserved_key(k.name)) << k.name;
        EXPECT_NE(std::string(k.description), "") << k.name;
        Settings s;
        std::string value = k.default_value;
        if (value.empty()) continue;
        EXPECT_EQ(apply_setting(s, k.name, value), std::nullopt) << k.name;
    }
    Settings s;
    EXPECT_TRUE(apply_setting(s, "RetryMaxAtempts", "3").has_value());
}

TEST_F(ConfigTest, BuiltInDefaultsWhenNothingIsSet) {
    ResolvedConfig c = resolve_ok(inputs("TargetDSN=pg_direct"));
    Settings defaults;
    defaults.target_dsn = "pg_direct";
    EXPECT_EQ(describe(c.settings), describe(defaults));
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::Default);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").origin, "default");
    EXPECT_EQ(c.values.at("TargetDSN").source, Source::ConnectionString);
    EXPECT_EQ(c.settings.target_dsn, "pg_direct");
    // Every key odbc-retry owns has an effective value with its source.
    for (const KeyInfo& k : known_keys()) EXPECT_EQ(c.values.count(k.name), 1u) << k.name;
}

TEST_F(ConfigTest, GlobalDefaultsOverrideBuiltIns) {
    ResolvedConfig c = resolve_ok(
        inputs("TargetDSN=pg_direct", "[defaults]\nRetryMaxAttempts = 3\nRetryBaseDelay=50ms\n"));
    EXPECT_EQ(c.settings.retry_max_attempts, 3);
    EXPECT_EQ(c.settings.retry_base_delay, Millis(50));
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::GlobalDefaults);
    EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "[defaults]");
    EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "odbc-retry.ini");
}

TEST_F(ConfigTest, GlobalDsnSectionOverridesGlobalDefaultsWhateverTheirOrderInTheFile) {
    const std::string dsn_first =
        "[dsn pg]\nRetryMaxAttempts=4\n[defaults]\nRetryMaxAttempts=3\nRetryMaxDelay=7s\n";
    const std::string defaults_first =
        "[defaults]\nRetryMaxAttempts=3\nRetryMaxDelay=7s\n[dsn pg]\nRetryMaxAttempts=4\n";
    for (const std::string& file : {dsn_first, defaults_first}) {
        ResolvedConfig c = resolve_ok(inputs("DSN=pg;TargetDSN=pg_direct", file, "pg"));
        EXPECT_EQ(c.settings.retry_max_attempts, 4) << file;
        EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::GlobalDsn) << file;
        EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "[dsn pg]");
        EXPECT_EQ(c.settings.retry_max_delay, Millis(7000)) << file;  // still from [defaults]
    }
}

TEST_F(ConfigTest, GlobalSectionOfAnotherDsnIsIgnored) {
    const int built_in = Settings{}.retry_max_attempts;
    ResolvedConfig c =
        resolve_ok(inputs("DSN=pg;TargetDSN=pg_direct", "[dsn maria]\nRetryMaxAttempts=4\n", "pg"));
    EXPECT_EQ(c.settings.retry_max_attempts, built_in);
    // And with DRIVER= (no DSN) no [dsn] section applies.
    c = resolve_ok(inputs("TargetDSN=pg_direct", "[dsn maria]\nRetryMaxAttempts=4\n", ""));
    EXPECT_EQ(c.settings.retry_max_attempts, built_in);
}

TEST_F(ConfigTest, DsnSectionNameIsMatchedCaseInsensitively) {
    ResolvedConfig c =
        resolve_ok(inputs("DSN=PG;TargetDSN=pg_direct", "[dsn pg]\nRetryMaxAttempts=4\n", "PG"));
    EXPECT_EQ(c.settings.retry_max_attempts, 4);
}

TEST_F(ConfigTest, ConnectionStringOverridesTheGlobalFile) {
    ResolvedConfig c =
        resolve_ok(inputs("DSN=pg;TargetDSN=pg_direct;RetryMaxAttempts=5",
                          "[defaults]\nRetryMaxAttempts=3\n[dsn pg]\nRetryMaxAttempts=4\n", "pg"));
    EXPECT_EQ(c.settings.retry_max_attempts, 5);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::ConnectionString);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").origin, "connection string");
}

TEST_F(ConfigTest, OurKeysAreMatchedCaseInsensitivelyAndStoredByCanonicalName) {
    ResolvedConfig c = resolve_ok(inputs("targetdsn=pg_direct;retrymaxattempts=2;LOGLEVEL=DEBUG"));
    EXPECT_EQ(c.settings.target_dsn, "pg_direct");
    EXPECT_EQ(c.settings.retry_max_attempts, 2);
    EXPECT_EQ(c.settings.log_level, "debug");
    EXPECT_EQ(c.values.count("retrymaxattempts"), 0u);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").value, "2");
}

TEST_F(ConfigTest, TypedValuesAreParsed) {
    ResolvedConfig c = resolve_ok(inputs(
        "TargetDriver=PostgreSQL Unicode;RetryDeadline=1m;RetryJitter=None;RetryDeadlocks=no;"
        "CircuitBreakerCooldown=1.5s;ReplayWrites=idempotent;RetryMultiplier=1.5;RetryBudget=off;"
        "SessionInitSQL={SET a=1;; SET b=2 ;;}"));
    EXPECT_EQ(c.settings.target_driver, "PostgreSQL Unicode");
    EXPECT_EQ(c.settings.retry_deadline, Millis(60000));
    EXPECT_EQ(c.settings.retry_jitter, "none");
    EXPECT_FALSE(c.settings.retry_deadlocks);
    EXPECT_EQ(c.settings.circuit_breaker_cooldown, Millis(1500));
    EXPECT_EQ(c.settings.replay_writes, "idempotent");
    EXPECT_DOUBLE_EQ(c.settings.retry_multiplier, 1.5);
    EXPECT_EQ(c.settings.retry_budget, "off");
    EXPECT_EQ(c.settings.session_init_sql, (std::vector<std::string>{"SET a=1", "SET b=2"}));
}

// odbc.ini is read through odbcinst; its precedence is checked in the driver tests. Here the
// odbc.ini layer is off, and the connection string's own later occurrence wins.
TEST_F(ConfigTest, LaterOccurrenceInTheConnectionStringWins) {
    ResolvedConfig c =
        resolve_ok(inputs("TargetDSN=pg_direct;RetryMaxAttempts=2;RetryMaxAttempts=6"));
    EXPECT_EQ(c.settings.retry_max_attempts, 6);
}

// ---- environment ---------------------------------------------------------------------------

TEST_F(ConfigTest, EnvironmentOverridesLoggingEverywhere) {
    ScopedEnv level("ODBC_RETRY_LOG_LEVEL", "trace");
    ScopedEnv file("ODBC_RETRY_LOG_FILE", "/tmp/odbc-retry-debug.log");
    ResolvedConfig c =
        resolve_ok(inputs("TargetDSN=pg_direct;LogLevel=error;LogFile=/var/log/x.log",
                          "[defaults]\nLogLevel=info\n"));
    EXPECT_EQ(c.settings.log_level, "trace");
    EXPECT_EQ(c.settings.log_file, "/tmp/odbc-retry-debug.log");
    EXPECT_EQ(c.values.at("OdbcRetryLogLevel").source, Source::Environment);
    EXPECT_EQ(c.values.at("OdbcRetryLogFile").source, Source::Environment);
}

TEST_F(ConfigTest, EmptyEnvironmentVariablesAreIgnored) {
    ScopedEnv level("ODBC_RETRY_LOG_LEVEL", "");
    ResolvedConfig c = resolve_ok(inputs("TargetDSN=pg_direct;LogLevel=error"));
    EXPECT_EQ(c.settings.log_level, "error");
}

TEST_F(ConfigTest, BadEnvironmentValueNamesTheVariable) {
    ScopedEnv level("ODBC_RETRY_LOG_LEVEL", "loud");
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct"));
    EXPECT_EQ(e.sqlstate, "HY000");
    EXPECT_CONTAINS(e.message, "ODBC_RETRY_LOG_LEVEL");
    EXPECT_CONTAINS(e.message, "loud");
    EXPECT_CONTAINS(e.message, "LogLevel");
}

TEST_F(ConfigTest, GlobalFileFromTheEnvironment) {
    std::string path = write_global("[defaults]\nRetryMaxAttempts=7\n", "from-env.ini");
    ScopedEnv config("ODBC_RETRY_CONFIG", path.c_str());
    ConfigInputs in = inputs("TargetDSN=pg_direct");
    in.global_file.reset();
    ResolvedConfig c = resolve_ok(in);
    EXPECT_EQ(c.settings.retry_max_attempts, 7);
    EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "from-env.ini");
}

TEST_F(ConfigTest, GlobalFileNamedByTheEnvironmentMustExist) {
    std::string path = (fs::path(dir_) / "missing.ini").string();
    ScopedEnv config("ODBC_RETRY_CONFIG", path.c_str());
    ConfigInputs in = inputs("TargetDSN=pg_direct");
    in.global_file.reset();
    ConfigError e = resolve_error(in);
    EXPECT_CONTAINS(e.message, "missing.ini");
    EXPECT_CONTAINS(e.message, "ODBC_RETRY_CONFIG");
}

// ODBC_RETRY_CONFIG= (set, but empty) means "not set": the optional /etc file, no error.
TEST_F(ConfigTest, EmptyConfigVariableMeansNoNamedFile) {
    if (fs::exists("/etc/odbc-retry.ini")) GTEST_SKIP() << "this machine has /etc/odbc-retry.ini";
    ScopedEnv config("ODBC_RETRY_CONFIG", "");
    ConfigInputs in = inputs("TargetDSN=pg_direct");
    in.global_file.reset();
    ResolvedConfig out;
    auto error = resolve_config(in, out);
    EXPECT_FALSE(error.has_value()) << error->message;
}

TEST_F(ConfigTest, ExplicitGlobalFileOverridesTheEnvironment) {
    std::string env_path = write_global("[defaults]\nRetryMaxAttempts=7\n", "from-env.ini");
    ScopedEnv config("ODBC_RETRY_CONFIG", env_path.c_str());
    ResolvedConfig c =
        resolve_ok(inputs("TargetDSN=pg_direct", "[defaults]\nRetryMaxAttempts=2\n"));
    EXPECT_EQ(c.settings.retry_max_attempts, 2);
}

// ---- errors --------------------------------------------------------------------------------

TEST_F(ConfigTest, UnknownReservedKeyInTheConnectionStringNamesKeyAndSource) {
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct;RetryMaxAtempts=3"));
    EXPECT_EQ(e.sqlstate, "HY000");
    EXPECT_CONTAINS(e.message, "[odbc-retry]");
    EXPECT_CONTAINS(e.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(e.message, "connection string");
}

TEST_F(ConfigTest, NewNamesAreTakenWithoutWarnings) {
    ResolvedConfig c = resolve_ok(inputs(
        "TargetDSN=pg_direct;OdbcRetryLogLevel=debug;OdbcRetryLogFile=none;"
        "OdbcRetryRecovery=no;OdbcRetrySessionInitSQL=SET a=1;OdbcRetryProbeQuery=SELECT 1"));
    EXPECT_EQ(c.settings.log_level, "debug");
    EXPECT_EQ(c.settings.log_file, "none");
    EXPECT_FALSE(c.settings.recovery);
    EXPECT_EQ(c.settings.session_init_sql, std::vector<std::string>{"SET a=1"});
    EXPECT_EQ(c.settings.probe_query, "SELECT 1");
    EXPECT_TRUE(c.warnings.empty());
    EXPECT_TRUE(c.forwarded.empty());
}

TEST_F(ConfigTest, OldNamesStillWorkWithADeprecationWarning) {
    ResolvedConfig c =
        resolve_ok(inputs("TargetDSN=pg_direct;LogLevel=debug;Recovery=no;SessionInitSQL=SET a=1;"
                          "ProbeQuery=SELECT 1",
                          "[defaults]\nLogFile=none\n"));
    EXPECT_EQ(c.settings.log_level, "debug");
    EXPECT_EQ(c.settings.log_file, "none");
    EXPECT_FALSE(c.settings.recovery);
    EXPECT_EQ(c.settings.session_init_sql, std::vector<std::string>{"SET a=1"});
    EXPECT_EQ(c.settings.probe_query, "SELECT 1");
    EXPECT_EQ(c.values.at("OdbcRetryRecovery").source, Source::ConnectionString);
    EXPECT_EQ(c.values.count("Recovery"), 0u);
    EXPECT_TRUE(c.forwarded.empty());
    ASSERT_EQ(c.warnings.size(), 5u);
    std::string all;
    for (const auto& w : c.warnings) all += w + "\n";
    for (const char* text :
         {"'Recovery' (from connection string) is deprecated: rename it OdbcRetryRecovery",
          "'LogLevel' (from connection string) is deprecated: rename it OdbcRetryLogLevel",
          "'LogFile' (from", "odbc-retry.ini [defaults]) is deprecated", "OdbcRetrySessionInitSQL",
          "OdbcRetryProbeQuery", "not passed to the target"})
        EXPECT_CONTAINS(all, text);
}

// LogLevel and LogFile are also keys of target drivers (LogLevel=0..6 of Simba-based drivers):
// the old name is ours only when its value is one of ours and the new name is set nowhere.
TEST_F(ConfigTest, ATargetsLogLevelIsForwardedNotTaken) {
    ResolvedConfig c = resolve_ok(inputs("TargetDSN=pg_direct;LogLevel=6;LogFile=simba.log"));
    EXPECT_EQ(c.settings.log_level, "warn");
    EXPECT_EQ(c.settings.log_file, "syslog");
    ASSERT_EQ(c.forwarded.size(), 2u);
    EXPECT_EQ(c.forwarded[0].key, "LogLevel");
    EXPECT_EQ(c.forwarded[0].value, "6");
    EXPECT_EQ(c.forwarded[1].key, "LogFile");
    EXPECT_TRUE(c.warnings.empty());

    // Once the new name is set, in any source, the old one is the target's whatever its value.
    c = resolve_ok(
        inputs("TargetDSN=pg_direct;LogLevel=debug", "[defaults]\nOdbcRetryLogLevel=info\n"));
    EXPECT_EQ(c.settings.log_level, "info");
    ASSERT_EQ(c.forwarded.size(), 1u);
    EXPECT_EQ(c.forwarded[0].value, "debug");
    c = resolve_ok(inputs("LogLevel=debug;TargetDSN=pg_direct;OdbcRetryLogLevel=error"));
    EXPECT_EQ(c.settings.log_level, "error");
    ASSERT_EQ(c.forwarded.size(), 1u);
    EXPECT_EQ(c.forwarded[0].key, "LogLevel");
    ScopedEnv level("ODBC_RETRY_LOG_LEVEL", "trace");
    c = resolve_ok(inputs("TargetDSN=pg_direct;LogLevel=debug"));
    ASSERT_EQ(c.forwarded.size(), 1u);
    EXPECT_EQ(c.settings.log_level, "trace");
}

TEST_F(ConfigTest, NearMissesAreErrorsNamingKeySourceAndTheLikelyKey) {
    struct Case {
        const char* pair;
        const char* likely;
    };
    for (const Case& c :
         {Case{"Recovry=no", "OdbcRetryRecovery"}, Case{"LogLevl=info", "OdbcRetryLogLevel"},
          Case{"RetyDeadline=5s", "RetryDeadline"},
          Case{"OdbcRetryLogLvel=info", "OdbcRetryLogLevel"},
          Case{"SessionInitSQLs=SET a=1", "OdbcRetrySessionInitSQL"},
          Case{"ReplayWrite=never", "ReplayWrites"}}) {
        ConfigError e = resolve_error(inputs(std::string("TargetDSN=pg_direct;") + c.pair));
        std::string key(c.pair, std::string_view(c.pair).find('='));
        EXPECT_EQ(e.sqlstate, "HY000") << c.pair;
        EXPECT_CONTAINS(e.message, "unknown key '" + key + "'");
        EXPECT_CONTAINS(e.message, "connection string");
        EXPECT_CONTAINS(e.message, std::string("did you mean ") + c.likely + "?");
    }
    // The global file: the likely key too.
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct", "[defaults]\nRecovry=no\n"));
    EXPECT_CONTAINS(e.message, "did you mean OdbcRetryRecovery?");
    // A target's key that looks like ours is forwarded.
    ResolvedConfig c = resolve_ok(inputs("TargetDSN=pg_direct;target_session_attrs=read-write"));
    ASSERT_EQ(c.forwarded.size(), 1u);
}

TEST_F(ConfigTest, BareDurationsAreSeconds) {
    ResolvedConfig c = resolve_ok(
        inputs("TargetDSN=pg_direct;RetryDeadline=30;RetryBaseDelay=0.2;CircuitBreakerCooldown=5"));
    EXPECT_EQ(c.settings.retry_deadline, Millis(30000));
    EXPECT_EQ(c.settings.retry_base_delay, Millis(200));
    EXPECT_EQ(c.settings.circuit_breaker_cooldown, Millis(5000));
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct;RetryDeadline=soon"));
    EXPECT_CONTAINS(e.message, "a bare number is seconds");
}

TEST_F(ConfigTest, UnknownKeyInTheGlobalFileNamesKeyFileAndSection) {
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct", "[defaults]\nRetryMaxAtempts=3\n"));
    EXPECT_EQ(e.sqlstate, "HY000");
    EXPECT_CONTAINS(e.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(e.message, "odbc-retry.ini");
    EXPECT_CONTAINS(e.message, "[defaults]");
    // The global file holds only odbc-retry's keys: a driver key there is an error too.
    e = resolve_error(inputs("DSN=pg;TargetDSN=pg_direct", "[dsn pg]\nServer=db1\n", "pg"));
    EXPECT_CONTAINS(e.message, "Server");
    EXPECT_CONTAINS(e.message, "dsn pg");
}

TEST_F(ConfigTest, UnknownSectionInTheGlobalFileIsAnError) {
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct", "[default]\nRetryMaxAttempts=3\n"));
    EXPECT_CONTAINS(e.message, "[default]");
    EXPECT_CONTAINS(e.message, "odbc-retry.ini");
}

TEST_F(ConfigTest, MalformedGlobalFileNamesTheLine) {
    ConfigError e = resolve_error(
        inputs("TargetDSN=pg_direct", "[defaults]\nRetryMaxAttempts=3\nthis is not ini\n"));
    EXPECT_CONTAINS(e.message, "line 3");
    EXPECT_CONTAINS(e.message, "odbc-retry.ini");
}

TEST_F(ConfigTest, BadValueInTheConnectionStringNamesKeyValueAndSource) {
    struct Case {
        const char* pair;
        const char* key;
        const char* value;
    };
    const Case cases[] = {
        {"RetryMaxAttempts=many", "RetryMaxAttempts", "many"},
        {"RetryMaxAttempts=0", "RetryMaxAttempts", "0"},
        {"RetryBaseDelay=soon", "RetryBaseDelay", "soon"},
        {"RetryJitter=lots", "RetryJitter", "lots"},
        {"RetryDeadlocks=perhaps", "RetryDeadlocks", "perhaps"},
        {"RetryMultiplier=0.5", "RetryMultiplier", "0.5"},
        {"RetryBudget=10:x", "RetryBudget", "10:x"},
        {"ReplayWrites=always", "ReplayWrites", "always"},
        {"OdbcRetryLogLevel=chatty", "OdbcRetryLogLevel", "chatty"},
    };
    for (const Case& c : cases) {
        ConfigError e = resolve_error(inputs(std::string("TargetDSN=pg_direct;") + c.pair));
        EXPECT_EQ(e.sqlstate, "HY000") << c.pair;
        EXPECT_CONTAINS(e.message, c.key);
        EXPECT_CONTAINS(e.message, std::string("'") + c.value + "'");
        EXPECT_CONTAINS(e.message, "connection string");
    }
}

TEST_F(ConfigTest, BadValueInTheGlobalFileNamesTheFileAndSection) {
    ConfigError e = resolve_error(
        inputs("DSN=pg;TargetDSN=pg_direct", "[dsn pg]\nRetryMaxDelay=forever\n", "pg"));
    EXPECT_CONTAINS(e.message, "RetryMaxDelay");
    EXPECT_CONTAINS(e.message, "'forever'");
    EXPECT_CONTAINS(e.message, "odbc-retry.ini [dsn pg]");
}

TEST_F(ConfigTest, BadValueOverriddenByAGoodOneIsNotAnError) {
    ResolvedConfig c = resolve_ok(
        inputs("TargetDSN=pg_direct;RetryMaxAttempts=3", "[defaults]\nRetryMaxAttempts=many\n"));
    EXPECT_EQ(c.settings.retry_max_attempts, 3);
}

TEST_F(ConfigTest, NoTargetIsIM002) {
    ConfigError e = resolve_error(inputs("Server=db1;Port=5432"));
    EXPECT_EQ(e.sqlstate, "IM002");
    EXPECT_CONTAINS(e.message, "TargetDSN");
    EXPECT_CONTAINS(e.message, "TargetDriver");
    e = resolve_error(inputs("DSN=pg;Server=db1", "", "pg"));
    EXPECT_EQ(e.sqlstate, "IM002");
    EXPECT_CONTAINS(e.message, "'pg'");
}

TEST_F(ConfigTest, EmptyTargetCountsAsNoTarget) {
    ConfigError e = resolve_error(inputs("TargetDSN=;TargetDriver=  "));
    EXPECT_EQ(e.sqlstate, "IM002");
}

TEST_F(ConfigTest, BothTargetDsnAndTargetDriverIsAnErrorNamingBoth) {
    ConfigError e = resolve_error(inputs("TargetDSN=pg_direct;TargetDriver=PostgreSQL Unicode"));
    EXPECT_EQ(e.sqlstate, "HY000");
    EXPECT_CONTAINS(e.message, "TargetDSN");
    EXPECT_CONTAINS(e.message, "pg_direct");
    EXPECT_CONTAINS(e.message, "TargetDriver");
    EXPECT_CONTAINS(e.message, "PostgreSQL Unicode");
}

TEST_F(ConfigTest, TargetDsnAndTargetDriverFromDifferentSourcesTheStrongerWins) {
    // Two ways to name the target: the stronger source's replaces the weaker's, as for any key
    // (an odbcinst.ini driver section's TargetDriver beside a DSN's TargetDSN).
    ResolvedConfig c =
        resolve_ok(inputs("TargetDriver=PostgreSQL Unicode", "[defaults]\nTargetDSN=pg_direct\n"));
    EXPECT_EQ(c.settings.target_driver, "PostgreSQL Unicode");
    EXPECT_EQ(c.settings.target_dsn, "");
    EXPECT_EQ(c.values.at("TargetDSN").source, Source::Default);
    c = resolve_ok(inputs("TargetDSN=pg_direct", "[defaults]\nTargetDriver=PostgreSQL Unicode\n"));
    EXPECT_EQ(c.settings.target_dsn, "pg_direct");
    EXPECT_EQ(c.settings.target_driver, "");
}

// ---- forwarded keys ------------------------------------------------------------------------

TEST_F(ConfigTest, ForeignKeysAreForwardedInOrderWithoutOursOrTheDriverManagers) {
    ResolvedConfig c = resolve_ok(
        inputs("DSN=pg;DRIVER=ODBC "
               "Retry;Server=db1;TargetDSN=pg_direct;Port=5432;RetryMaxAttempts=2;UID=u;PWD=p",
               "", "pg"));
    ASSERT_EQ(c.forwarded.size(), 4u);
    EXPECT_EQ(c.forwarded[0].key, "Server");
    EXPECT_EQ(c.forwarded[1].key, "Port");
    EXPECT_EQ(c.forwarded[2].key, "UID");
    EXPECT_EQ(c.forwarded[3].key, "PWD");
    EXPECT_EQ(c.forwarded[3].value, "p");
}

TEST_F(ConfigTest, RepeatedForeignKeyKeepsItsFirstPlaceAndTheLaterValue) {
    ResolvedConfig c = resolve_ok(inputs("TargetDSN=pg_direct;Server=a;Port=1;server=b"));
    ASSERT_EQ(c.forwarded.size(), 2u);
    EXPECT_TRUE(iequals(c.forwarded[0].key, "Server"));
    EXPECT_EQ(c.forwarded[0].value, "b");
    EXPECT_EQ(c.forwarded[1].key, "Port");
    EXPECT_EQ(c.forwarded[1].value, "1");
}

TEST_F(ConfigTest, ForwardedValuesAreKeptExactly) {
    ResolvedConfig c =
        resolve_ok(inputs("TargetDSN=pg_direct;Options={-c search_path=a;b};PWD={x}}y}"));
    ASSERT_EQ(c.forwarded.size(), 2u);
    EXPECT_EQ(c.forwarded[0].value, "-c search_path=a;b");
    EXPECT_EQ(c.forwarded[1].value, "x}y");
}

// ---- odbc.ini (through odbcinst, with a private ODBCSYSINI/ODBCINI) ---------------------------

class OdbcIniConfigTest : public ConfigTest {
  protected:
    // odbcinst remembers the system path once read, so the process gets one private directory.
    static void SetUpTestSuite() {
        static const std::string dir = [] {
            std::string pattern =
                (fs::path(::testing::TempDir()) / "odbcretry-odbcini-XXXXXX").string();
            if (!mkdtemp(pattern.data())) return std::string();
            // [Wrapped]: odbc-retry registered under a real driver's name, with the driver
            // manager's own keys beside odbc-retry's.
            std::ofstream(fs::path(pattern) / "odbcinst.ini")
                << "[ODBC]\n"
                   "[Wrapped]\nDescription=odbc-retry in front of Real\n"
                   "Driver=/opt/odbc-retry/libodbcretry.so\nSetup=/opt/x/libsetup.so\n"
                   "CPTimeout=60\nUsageCount=1\nFileUsage=0\nThreading=2\nDontDLClose=1\n"
                   "TargetDriver=Real\nRetryMaxAttempts=5\nRetryMaxDelay=7s\n"
                   "[Broken]\nDriver=/opt/odbc-retry/libodbcretry.so\nRetryMaxAtempts=3\n";
            std::ofstream(fs::path(pattern) / "odbc.ini")
                << "[pg]\nDriver=ODBC Retry\nDescription=through odbc-retry\nTargetDSN=pg_direct\n"
                   "RetryMaxAttempts=8\nServer=ini_server\nPort=1111\n"
                   "[pgbad]\nDriver=ODBC Retry\nTargetDSN=pg_direct\nRetryMaxAtempts=3\n"
                   "[pgvalue]\nDriver=ODBC Retry\nTargetDSN=pg_direct\nRetryBaseDelay=later\n"
                   "[pgwrapped]\nDriver=Wrapped\nTargetDSN=pg_direct\nRetryMaxAttempts=6\n";
            return pattern;
        }();
        static const bool cleanup = [] {
            std::atexit([] {
                std::error_code ec;
                fs::remove_all(dir, ec);
            });
            return true;
        }();
        (void)cleanup;
        ASSERT_FALSE(dir.empty());
        setenv("ODBCSYSINI", dir.c_str(), 1);
        setenv("ODBCINI", (fs::path(dir) / "odbc.ini").c_str(), 1);
    }

    ConfigInputs with_odbc_ini(const std::string& connection_string, const std::string& global,
                               const std::string& dsn) {
        ConfigInputs in = inputs(connection_string, global, dsn);
        in.read_odbc_ini = true;
        return in;
    }
};

TEST_F(OdbcIniConfigTest, SectionIsReadInFileOrder) {
    std::vector<KeyValue> keys = read_odbc_ini_section("pg");
    std::vector<std::string> names;
    for (const auto& kv : keys) names.push_back(kv.key);
    EXPECT_EQ(names, (std::vector<std::string>{"Driver", "Description", "TargetDSN",
                                               "RetryMaxAttempts", "Server", "Port"}));
    EXPECT_TRUE(read_odbc_ini_section("no_such_dsn").empty());
}

TEST_F(OdbcIniConfigTest, OdbcIniBeatsTheGlobalFileAndLosesToTheConnectionString) {
    const std::string global =
        "[defaults]\nRetryMaxAttempts=2\n[dsn pg]\nRetryMaxAttempts=4\nRetryMaxDelay=9s\n";
    ResolvedConfig c = resolve_ok(with_odbc_ini("DSN=pg;Port=2222", global, "pg"));
    EXPECT_EQ(c.settings.target_dsn, "pg_direct");
    EXPECT_EQ(c.settings.retry_max_attempts, 8);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::OdbcIni);
    EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "odbc.ini");
    EXPECT_CONTAINS(c.values.at("RetryMaxAttempts").origin, "pg");
    EXPECT_EQ(c.settings.retry_max_delay, Millis(9000));
    // Driver= and Description are odbc.ini's own; the rest goes to the target, in file order,
    // the connection string's value replacing the file's.
    ASSERT_EQ(c.forwarded.size(), 2u);
    EXPECT_EQ(c.forwarded[0].key, "Server");
    EXPECT_EQ(c.forwarded[0].value, "ini_server");
    EXPECT_EQ(c.forwarded[1].key, "Port");
    EXPECT_EQ(c.forwarded[1].value, "2222");

    c = resolve_ok(with_odbc_ini("DSN=pg;RetryMaxAttempts=9", global, "pg"));
    EXPECT_EQ(c.settings.retry_max_attempts, 9);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::ConnectionString);
}

TEST_F(OdbcIniConfigTest, UnknownKeyInOdbcIniNamesTheDsnSection) {
    ConfigError e = resolve_error(with_odbc_ini("DSN=pgbad", "", "pgbad"));
    EXPECT_CONTAINS(e.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(e.message, "odbc.ini [pgbad]");
}

TEST_F(OdbcIniConfigTest, BadValueInOdbcIniNamesKeyValueAndSection) {
    ConfigError e = resolve_error(with_odbc_ini("DSN=pgvalue", "", "pgvalue"));
    EXPECT_CONTAINS(e.message, "RetryBaseDelay");
    EXPECT_CONTAINS(e.message, "'later'");
    EXPECT_CONTAINS(e.message, "odbc.ini [pgvalue]");
}

// ---- odbcinst.ini: the section of the driver name the application connected with -------------

TEST_F(OdbcIniConfigTest, DriverSectionConfiguresConnectionsWithoutADsn) {
    ResolvedConfig c = resolve_ok(with_odbc_ini("DRIVER={Wrapped};Server=db1;UID=u", "", ""));
    EXPECT_EQ(c.settings.target_driver, "Real");
    EXPECT_EQ(c.settings.retry_max_attempts, 5);
    EXPECT_EQ(c.settings.retry_max_delay, Millis(7000));
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::OdbcInstDriver);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").origin, "odbcinst.ini [Wrapped]");
    EXPECT_STREQ(to_string(Source::OdbcInstDriver), "odbcinst.ini driver");
    // The driver manager's keys (Driver, Setup, CPTimeout, UsageCount, ...) are neither
    // forwarded to the target nor rejected: only the connection string's keys go to the target.
    ASSERT_EQ(c.forwarded.size(), 2u);
    EXPECT_EQ(c.forwarded[0].key, "Server");
    EXPECT_EQ(c.forwarded[1].key, "UID");
}

TEST_F(OdbcIniConfigTest, DriverSectionSitsBetweenTheGlobalFileAndTheDsn) {
    const std::string global =
        "[defaults]\nRetryMaxAttempts=2\nRetryMaxDelay=1s\n"
        "[dsn pgwrapped]\nRetryMaxDelay=3s\nRetryBaseDelay=50ms\n";
    // The global file loses to the driver section...
    ResolvedConfig c = resolve_ok(with_odbc_ini("DRIVER={Wrapped}", global, ""));
    EXPECT_EQ(c.settings.retry_max_attempts, 5);
    EXPECT_EQ(c.settings.retry_max_delay, Millis(7000));
    // ... which loses to the DSN's odbc.ini section (its TargetDSN replaces the driver section's
    // TargetDriver) and to the connection string. The DSN's Driver= names the section.
    c = resolve_ok(with_odbc_ini("DSN=pgwrapped;RetryMaxDelay=4s", global, "pgwrapped"));
    EXPECT_EQ(c.settings.retry_max_attempts, 6);
    EXPECT_EQ(c.values.at("RetryMaxAttempts").source, Source::OdbcIni);
    EXPECT_EQ(c.settings.retry_max_delay, Millis(4000));
    EXPECT_EQ(c.settings.retry_base_delay, Millis(50));
    EXPECT_EQ(c.settings.target_dsn, "pg_direct");
    EXPECT_EQ(c.settings.target_driver, "");
    // A connection string's TargetDriver replaces the DSN's TargetDSN in turn.
    c = resolve_ok(with_odbc_ini("DSN=pgwrapped;TargetDriver=Other", global, "pgwrapped"));
    EXPECT_EQ(c.settings.target_driver, "Other");
    EXPECT_EQ(c.settings.target_dsn, "");
    // A driver named by its library path has no section.
    c = resolve_ok(
        with_odbc_ini("DRIVER=/opt/odbc-retry/libodbcretry.so;TargetDriver=Real", global, ""));
    EXPECT_EQ(c.settings.retry_max_attempts, 2);
}

TEST_F(OdbcIniConfigTest, UnknownKeyInTheDriverSectionNamesIt) {
    ConfigError e = resolve_error(with_odbc_ini("DRIVER={Broken};TargetDriver=Real", "", ""));
    EXPECT_CONTAINS(e.message, "RetryMaxAtempts");
    EXPECT_CONTAINS(e.message, "odbcinst.ini [Broken]");
}

}  // namespace
}  // namespace odbcretry
