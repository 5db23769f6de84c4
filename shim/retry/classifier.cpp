// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/classifier.h"
#include "shim/ascii.h"

#include <charconv>

namespace odbcretry {
namespace {

constexpr ErrorClass kTransient = ErrorClass::Transient;
constexpr ErrorClass kLost = ErrorClass::ConnectionLost;
constexpr ErrorClass kRolledBack = ErrorClass::RolledBack;
constexpr ErrorClass kTimeout = ErrorClass::Timeout;
constexpr ErrorClass kFatal = ErrorClass::Fatal;

// Table-building shorthands. Names start with the family so that `explain` says where a rule
// comes from.
Rule by_state(std::string state, ErrorClass cls, std::string name, PhaseMask phases = kAnyPhase) {
    return Rule{std::move(state), std::nullopt, {}, cls, std::move(name), phases, 0};
}
Rule by_native(long native, ErrorClass cls, std::string name, PhaseMask phases = kAnyPhase) {
    return Rule{{}, native, {}, cls, std::move(name), phases, 0};
}
Rule by_text(std::string text, ErrorClass cls, std::string name, PhaseMask phases = kAnyPhase) {
    return Rule{{}, std::nullopt, std::move(text), cls, std::move(name), phases, 0};
}

// psqlODBC (driver-errors.md): every connect failure is 08001/101 and only the libpq text tells
// them apart, so the connect rules match text in any SQLSTATE; fatal texts come first because
// they are the more specific ones. An 08001 with a text none of them knows is fatal (an explicit
// rule, so that the generic "08001 at connect is transient" does not apply to psqlODBC).
// On an established connection: 57P01/57P02 (administrator command, crash of another backend),
// 25P03 (idle-in-transaction timeout) and the texts of a dropped socket (psqlODBC's prepared
// path reports those as HY000/1) mean the connection is gone; 57014 is the application's own
// SQL_ATTR_QUERY_TIMEOUT, statement_timeout or a cancel: timeout. 55P03 (lock timeout) only
// cancels the statement: fatal by default. 40001/40P01/08S01/08003/08007/HYT00/HYT01 come from
// the generic rules.
std::vector<Rule> postgres_rules() {
    return {
        by_text("authentication failed", kFatal, "postgres: authentication failed", kConnectPhase),
        by_text("does not exist", kFatal, "postgres: database or role does not exist",
                kConnectPhase),
        by_text("no pg_hba.conf entry", kFatal, "postgres: no pg_hba.conf entry", kConnectPhase),
        by_text("is not permitted to log in", kFatal, "postgres: role is not permitted to log in",
                kConnectPhase),
        by_text("permission denied for database", kFatal, "postgres: no CONNECT privilege",
                kConnectPhase),
        by_text("starting up", kTransient, "postgres: server is starting up", kConnectPhase),
        by_text("shutting down", kTransient, "postgres: server is shutting down", kConnectPhase),
        by_text("recovery mode", kTransient, "postgres: server is in recovery mode", kConnectPhase),
        by_text("not yet accepting connections", kTransient,
                "postgres: server is not yet accepting connections", kConnectPhase),
        by_text("not accepting connections", kTransient,
                "postgres: server is not accepting connections", kConnectPhase),
        by_text("too many clients", kTransient, "postgres: too many clients", kConnectPhase),
        by_text("remaining connection slots", kTransient,
                "postgres: remaining connection slots are reserved", kConnectPhase),
        by_text("too many connections for role", kTransient,
                "postgres: too many connections for role", kConnectPhase),
        by_text("connection refused", kTransient, "postgres: connection refused", kConnectPhase),
        by_text("is the server running", kTransient, "postgres: server not running", kConnectPhase),
        by_text("timeout expired", kTransient, "postgres: connect timeout expired", kConnectPhase),
        by_text("could not connect", kTransient, "postgres: could not connect", kConnectPhase),
        by_text("server closed the connection unexpectedly", kTransient,
                "postgres: server closed the connection while connecting", kConnectPhase),
        by_text("terminating connection", kTransient,
                "postgres: connection terminated while connecting", kConnectPhase),
        by_state("57P01", kTransient, "postgres: 57P01 admin shutdown while connecting",
                 kConnectPhase),
        by_state("57P02", kTransient, "postgres: 57P02 crash shutdown while connecting",
                 kConnectPhase),
        by_state("57P03", kTransient, "postgres: 57P03 cannot connect now", kConnectPhase),
        by_state("53300", kTransient, "postgres: 53300 too many connections", kConnectPhase),
        by_state("08001", kFatal, "postgres: unrecognised connect failure (08001)", kConnectPhase),

        by_state("57P01", kLost, "postgres: 57P01 terminated by administrator command",
                 kEstablishedPhases),
        by_state("57P02", kLost, "postgres: 57P02 crash shutdown", kEstablishedPhases),
        by_state("25P03", kLost, "postgres: 25P03 idle-in-transaction timeout", kEstablishedPhases),
        by_text("server closed the connection unexpectedly", kLost,
                "postgres: server closed the connection unexpectedly", kEstablishedPhases),
        by_text("terminating connection", kLost, "postgres: terminating connection",
                kEstablishedPhases),
        by_text("the connection has been lost", kLost, "postgres: the connection has been lost",
                kEstablishedPhases),
        by_text("connection lost", kLost, "postgres: unable due to the connection lost",
                kEstablishedPhases),
        by_state("57014", kTimeout, "postgres: 57014 statement cancelled or timed out"),
    };
}

// MariaDB Connector/ODBC and MySQL (driver-errors.md): the native code is the reliable part.
// Connect: 2002/2003 (can't connect), 1040 (too many connections), 1226 (per-user connection
// limit, reported as 42000), 1053 (shutdown in progress), 2006/2013 (handshake lost) are
// transient; 1044/1045/1049 (access denied, unknown database) fatal; 2005 (unknown host) is
// fatal too: a misspelt host name should fail at once (add "*:2005" to the transient rules for
// a DNS name that appears later). Established: 2006/2013/2055/4031/5014/1927/1053 and the texts
// "has gone away"/"Lost connection" mean the connection is gone. 1213 is a deadlock (InnoDB
// rolled the transaction back). 1205 (lock wait timeout) rolls back only the statement unless
// the server runs with innodb_rollback_on_timeout, so the transaction is still open and
// retrying the statement alone would be wrong inside it: fatal by default. 1317 (interrupted:
// KILL QUERY or SQLCancel), 1969 (max_statement_time) and 3024 (MySQL max_execution_time) are
// timeouts.
std::vector<Rule> mysql_rules() {
    return {
        by_native(2002, kTransient, "mysql: 2002 can't connect (local socket or server down)",
                  kConnectPhase),
        by_native(2003, kTransient, "mysql: 2003 can't connect to server", kConnectPhase),
        by_native(1040, kTransient, "mysql: 1040 too many connections", kConnectPhase),
        by_native(1226, kTransient, "mysql: 1226 max_user_connections exceeded", kConnectPhase),
        by_native(1053, kTransient, "mysql: 1053 server shutdown in progress", kConnectPhase),
        by_native(2006, kTransient, "mysql: 2006 server gone away while connecting", kConnectPhase),
        by_native(2013, kTransient, "mysql: 2013 lost connection while connecting", kConnectPhase),
        by_native(1045, kFatal, "mysql: 1045 access denied", kConnectPhase),
        by_native(1044, kFatal, "mysql: 1044 access denied to database", kConnectPhase),
        by_native(1049, kFatal, "mysql: 1049 unknown database", kConnectPhase),
        by_native(2005, kFatal, "mysql: 2005 unknown server host", kConnectPhase),

        by_native(2006, kLost, "mysql: 2006 server has gone away", kEstablishedPhases),
        by_native(2013, kLost, "mysql: 2013 lost connection during query", kEstablishedPhases),
        by_native(2055, kLost, "mysql: 2055 lost connection (system error)", kEstablishedPhases),
        by_native(4031, kLost, "mysql: 4031 disconnected by the server (inactivity)",
                  kEstablishedPhases),
        by_native(5014, kLost, "mysql: 5014 write error (broken pipe / reset)", kEstablishedPhases),
        by_native(1927, kLost, "mysql: 1927 connection was killed", kEstablishedPhases),
        by_native(1053, kLost, "mysql: 1053 server shutdown in progress", kEstablishedPhases),
        by_text("has gone away", kLost, "mysql: server has gone away", kEstablishedPhases),
        by_text("lost connection", kLost, "mysql: lost connection", kEstablishedPhases),

        by_native(1213, kRolledBack, "mysql: 1213 deadlock, transaction rolled back"),
        by_native(1205, kFatal, "mysql: 1205 lock wait timeout (only the statement rolled back)"),
        by_native(1317, kTimeout, "mysql: 1317 query execution was interrupted"),
        by_native(1969, kTimeout, "mysql: 1969 max_statement_time exceeded"),
        by_native(3024, kTimeout, "mysql: 3024 max_execution_time exceeded"),
    };
}

// sqliteodbc (driver-errors.md): HY000 with the SQLite result code as native. 5 (SQLITE_BUSY,
// "database is locked") and 6 (SQLITE_LOCKED) mean the statement did not run: transient, the
// statement can be retried. 14 (cannot open), 26 (not a database) and 8 (read-only) do not
// cure themselves: fatal. SQLite has no connection to lose.
std::vector<Rule> sqlite_rules() {
    return {
        by_text("database is locked", kTransient, "sqlite: database is locked (busy)"),
        by_text("database table is locked", kTransient, "sqlite: database table is locked"),
        Rule{"HY000", 5, {}, kTransient, "sqlite: 5 SQLITE_BUSY", kAnyPhase, 0},
        Rule{"HY000", 6, {}, kTransient, "sqlite: 6 SQLITE_LOCKED", kAnyPhase, 0},
        Rule{"HY000", 14, {}, kFatal, "sqlite: 14 cannot open the database file", kAnyPhase, 0},
        Rule{"HY000", 26, {}, kFatal, "sqlite: 26 file is not a database", kAnyPhase, 0},
        Rule{"HY000", 8, {}, kFatal, "sqlite: 8 read-only database", kAnyPhase, 0},
    };
}

// FreeTDS and msodbcsql: 20009 "Unable to connect" (with 08S01) and HYT00 while connecting (the
// login timeout) are transient; 18456 (login failed) and 4060 (cannot open database) fatal;
// 1205 is the deadlock victim (40001); FreeTDS's 20004/20006/20047 (read/write failed, DBPROCESS
// dead) on an established connection mean it is gone.
std::vector<Rule> sqlserver_rules() {
    return {
        by_native(20009, kTransient, "sqlserver: 20009 unable to connect", kConnectPhase),
        by_state("HYT00", kTransient, "sqlserver: HYT00 login timeout", kConnectPhase),
        by_native(18456, kFatal, "sqlserver: 18456 login failed"),
        by_native(4060, kFatal, "sqlserver: 4060 cannot open database"),
        by_native(1205, kRolledBack, "sqlserver: 1205 deadlock victim"),
        by_native(20004, kLost, "sqlserver: 20004 read from the server failed", kEstablishedPhases),
        by_native(20006, kLost, "sqlserver: 20006 write to the server failed", kEstablishedPhases),
        by_native(20047, kLost, "sqlserver: 20047 DBPROCESS is dead", kEstablishedPhases),
    };
}

// A refused login, whatever the driver: SQLSTATE class 28 (invalid authorization) and the texts
// of the drivers known to word it under another SQLSTATE (psqlODBC: 08001/101 with libpq's
// text; MariaDB/MySQL: 28000 or HY000/1045 "Access denied for user"; SQL Server: 28000/18456
// "Login failed for user"; Oracle ORA-01017 "invalid username/password; logon denied"; DB2
// SQL30082N "USERNAME AND/OR PASSWORD INVALID"; Snowflake "Incorrect username or password").
std::vector<Rule> authentication_rule_table() {
    return {
        by_state("28", kFatal, "any driver: 28xxx invalid authorization", kConnectPhase),
        by_text("authentication fail", kFatal, "any driver: authentication failed", kConnectPhase),
        by_text("no password supplied", kFatal, "any driver: no password supplied", kConnectPhase),
        by_text("access denied for user", kFatal, "any driver: access denied for user",
                kConnectPhase),
        by_text("login failed", kFatal, "any driver: login failed", kConnectPhase),
        by_text("logon denied", kFatal, "any driver: logon denied", kConnectPhase),
        by_text("invalid username/password", kFatal, "any driver: invalid username/password",
                kConnectPhase),
        by_text("password invalid", kFatal, "any driver: password invalid", kConnectPhase),
        by_text("invalid password", kFatal, "any driver: invalid password", kConnectPhase),
        by_text("incorrect password", kFatal, "any driver: incorrect password", kConnectPhase),
        by_text("incorrect username or password", kFatal,
                "any driver: incorrect username or password", kConnectPhase),
        by_text("password is incorrect", kFatal, "any driver: password is incorrect",
                kConnectPhase),
        by_text("invalid authorization specification", kFatal,
                "any driver: invalid authorization specification", kConnectPhase),
    };
}

// SQLSTATE classes, for every family after its own rules. HYT00 while connecting is the login
// timeout (the shim's deadline bounds the whole connect, so one timed-out attempt is transient);
// elsewhere it is the application's query timeout.
std::vector<Rule> generic_rule_table() {
    return {
        Rule{"08001",
             std::nullopt,
             {},
             kTransient,
             "generic: 08001 unable to connect (at most 3 attempts: it may be a refused login)",
             kConnectPhase,
             3},
        by_state("08004", kTransient, "generic: 08004 server rejected the connection",
                 kConnectPhase),
        by_state("08S01", kTransient, "generic: 08S01 communication failure while connecting",
                 kConnectPhase),
        by_state("HYT00", kTransient, "generic: HYT00 login timeout", kConnectPhase),
        by_state("08S01", kLost, "generic: 08S01 communication link failure", kEstablishedPhases),
        by_state("08003", kLost, "generic: 08003 connection not open", kEstablishedPhases),
        by_state("08007", kLost, "generic: 08007 connection failure during transaction",
                 kEstablishedPhases),
        by_state("40001", kRolledBack, "generic: 40001 serialization failure"),
        by_state("40P01", kRolledBack, "generic: 40P01 deadlock detected"),
        by_state("40003", kRolledBack, "generic: 40003 statement completion unknown"),
        by_state("HYT00", kTimeout, "generic: HYT00 timeout expired"),
        by_state("HY008", kTimeout, "generic: HY008 operation canceled"),
        by_state("HYT01", kTransient, "generic: HYT01 connection timeout expired"),
        by_state("28", kFatal, "generic: 28xxx invalid authorization"),
        by_state("3D000", kFatal, "generic: 3D000 invalid catalog name"),
        by_state("42", kFatal, "generic: 42xxx syntax error or access rule violation"),
    };
}

const std::vector<Rule>& table(DriverFamily family) {
    static const std::vector<Rule> postgres = postgres_rules();
    static const std::vector<Rule> mysql = mysql_rules();
    static const std::vector<Rule> sqlite = sqlite_rules();
    static const std::vector<Rule> sqlserver = sqlserver_rules();
    static const std::vector<Rule> none;
    switch (family) {
        case DriverFamily::Postgres:
            return postgres;
        case DriverFamily::MySql:
            return mysql;
        case DriverFamily::Sqlite:
            return sqlite;
        case DriverFamily::SqlServer:
            return sqlserver;
        case DriverFamily::Generic:
            return none;
    }
    return none;
}

const Rule& connection_dead_rule() {
    static const Rule rule{
        {}, std::nullopt, {}, kLost, "target reports SQL_ATTR_CONNECTION_DEAD", kEstablishedPhases,
        0};
    return rule;
}

constexpr std::string_view kNoRuleMatched = "no rule matched: fatal by default";
constexpr std::string_view kNoRecords = "no diagnostic record: fatal by default";

// Higher wins; see the ranking in classifier.h.
int rank(const Classifier::Verdict& v) {
    switch (v.cls) {
        case ErrorClass::ConnectionLost:
            return 5;
        case ErrorClass::Fatal:
            return v.rule ? 4 : 0;
        case ErrorClass::Transient:
            return 3;
        case ErrorClass::RolledBack:
            return 2;
        case ErrorClass::Timeout:
            return 1;
    }
    return 0;
}

bool is_sqlstate_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

std::string quoted(std::string_view item) {
    // (Built with append: GCC 12 at -O3 warns falsely, -Wrestrict, on "\"" + std::string.)
    std::string out;
    out.reserve(item.size() + 2);
    out.append(1, '"').append(item).append(1, '"');
    return out;
}

// One item of parse_rules (already split at separators, trimmed, not empty).
ParseResult<Rule> parse_rule_item(std::string_view item, ErrorClass cls) {
    auto fail = [&](std::string_view why) {
        return ParseResult<Rule>::failure("bad rule " + quoted(item) + ": " + std::string(why));
    };
    Rule rule;
    rule.cls = cls;
    rule.name = "user rule " + quoted(item);

    std::string_view head = item;
    std::size_t tilde = item.find('~');
    if (tilde != std::string_view::npos) {
        head = item.substr(0, tilde);
        std::string_view text = trim_blanks(item.substr(tilde + 1));
        if (!text.empty() && text.front() == '"') {
            std::string unquoted;
            std::size_t i = 1;
            bool closed = false;
            while (i < text.size()) {
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        unquoted += '"';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                unquoted += text[i++];
            }
            if (!closed) return fail("unterminated quote in the message");
            if (!trim_blanks(text.substr(i)).empty()) return fail("text after the closing quote");
            rule.message_substring = std::move(unquoted);
        } else {
            if (text.find('"') != std::string_view::npos)
                return fail("a quote inside an unquoted message (quote the whole message)");
            rule.message_substring = std::string(text);
        }
        if (rule.message_substring.empty()) return fail("empty message after '~'");
    }

    head = trim_blanks(head);
    std::string_view state = head;
    std::size_t colon = head.find(':');
    if (colon != std::string_view::npos) {
        state = trim_blanks(head.substr(0, colon));
        std::string_view native = trim_blanks(head.substr(colon + 1));
        if (native.empty()) return fail("missing native error code after ':'");
        long value = 0;
        const char* first = native.data();
        const char* last = native.data() + native.size();
        if (*first == '+') ++first;
        auto [end, ec] = std::from_chars(first, last, value);
        if (ec != std::errc() || end != last || first == last)
            return fail("native error code " + quoted(native) + " is not an integer");
        rule.native = value;
    }
    if (!state.empty() && state != "*") {
        bool well_formed = state.size() == 5 || state.size() == 2;
        for (char c : state) well_formed = well_formed && is_sqlstate_char(c);
        if (!well_formed)
            return fail("SQLSTATE " + quoted(state) +
                        " must be 5 characters, a 2-character class, or *");
        for (char c : state) rule.sqlstate += upper_ascii(c);
    }
    if (rule.sqlstate.empty() && !rule.native && rule.message_substring.empty())
        return fail("matches every error; give a SQLSTATE, a native code or a message");
    return ParseResult<Rule>::success(std::move(rule));
}

}  // namespace

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::Connect:
            return "connect";
        case Phase::Statement:
            return "statement";
        case Phase::Commit:
            return "commit";
    }
    return "statement";
}

bool Rule::matches(const Failure& failure, Phase phase) const {
    if ((phases & phase_bit(phase)) == 0) return false;
    if (!sqlstate.empty()) {
        if (sqlstate.size() == 2) {
            if (failure.sqlstate.size() < 2 || !iequals(failure.sqlstate.substr(0, 2), sqlstate))
                return false;
        } else if (!iequals(failure.sqlstate, sqlstate)) {
            return false;
        }
    }
    if (native && *native != failure.native) return false;
    return contains_ignoring_case(failure.message, message_substring);
}

std::span<const Rule> builtin_rules(DriverFamily family) {
    return table(family);
}

std::span<const Rule> generic_rules() {
    static const std::vector<Rule> rules = generic_rule_table();
    return rules;
}

std::span<const Rule> authentication_rules() {
    static const std::vector<Rule> rules = authentication_rule_table();
    return rules;
}

bool is_authentication_failure(std::span<const Failure> records) {
    for (const Failure& f : records)
        for (const Rule& rule : authentication_rules())
            if (rule.matches(f, Phase::Connect)) return true;
    return false;
}

Classifier::Classifier(DriverFamily family, std::vector<Rule> user_rules)
    : family_(family), user_rules_(std::move(user_rules)), family_rules_(builtin_rules(family)) {}

Classifier::Verdict Classifier::classify_record(const Failure& failure, Phase phase) const {
    for (std::span<const Rule> rules : {std::span<const Rule>(user_rules_), authentication_rules(),
                                        family_rules_, generic_rules()}) {
        for (const Rule& rule : rules)
            if (rule.matches(failure, phase)) return Verdict{rule.cls, &rule, rule.name, 0};
    }
    return Verdict{ErrorClass::Fatal, nullptr, kNoRuleMatched, 0};
}

Classifier::Verdict Classifier::classify(std::span<const Failure> records, Phase phase,
                                         std::optional<bool> target_reports_dead) const {
    if (phase != Phase::Connect && target_reports_dead.value_or(false)) {
        const Rule& dead = connection_dead_rule();
        return Verdict{dead.cls, &dead, dead.name, 0};
    }
    if (records.empty()) return Verdict{ErrorClass::Fatal, nullptr, kNoRecords, 0};
    Verdict best = classify_record(records[0], phase);
    for (std::size_t i = 1; i < records.size(); ++i) {
        Verdict v = classify_record(records[i], phase);
        v.record = i;
        if (rank(v) > rank(best)) best = v;
    }
    return best;
}

ParseResult<std::vector<Rule>> parse_rules(std::string_view value, ErrorClass cls) {
    std::vector<Rule> rules;
    std::size_t start = 0;
    bool in_quotes = false;
    for (std::size_t i = 0; i <= value.size(); ++i) {
        bool at_end = i == value.size();
        if (!at_end && value[i] == '"') {
            in_quotes = !in_quotes;  // a doubled "" toggles twice: stays inside
            continue;
        }
        if (!at_end && (in_quotes || (value[i] != ',' && value[i] != ';'))) continue;
        std::string_view item = trim_blanks(value.substr(start, i - start));
        start = i + 1;
        if (item.empty()) continue;
        ParseResult<Rule> rule = parse_rule_item(item, cls);
        if (!rule) return ParseResult<std::vector<Rule>>::failure(rule.error());
        rules.push_back(std::move(rule).value());
    }
    return ParseResult<std::vector<Rule>>::success(std::move(rules));
}

}  // namespace odbcretry
