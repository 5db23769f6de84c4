// SPDX-License-Identifier: Apache-2.0
#include "fake_core.h"

#include <odbcinst.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <thread>

namespace odbcfake {
namespace {

using Point = LoseSpec::Point;

// ---- the connection's fate -------------------------------------------------------------

void loseNow(Dbc& c) {
    c.lost = true;
    c.doomed = false;
    c.session.rollback();  // the server rolled back whatever was open
}

[[noreturn]] void reportLoss(Dbc& c) {
    if (!c.lossReported) {
        c.lossReported = true;
        throw SqlError{c.faults.loseRecord};
    }
    throw SqlError{c.faults.lostRecord};
}

[[noreturn]] void dropConnection(Dbc& c) {
    loseNow(c);
    reportLoss(c);
}

// Whether LoseAt names this point, occurrence n, and its process-wide budget allows one more.
bool loseHere(Dbc& c, Point point, long n) {
    const FaultConfig& f = c.faults;
    return f.loseAt && f.loseAt->point == point && f.loseAt->nth == n &&
           takeShot(f.database + "|LoseAt|" + f.loseAtText, f.loseTimes);
}

long controlEpoch(const Dbc& c) {
    return c.faults.controlPath.empty() ? 0 : readControl(c.faults.controlPath).epoch;
}

// Start of every call that talks to the server: fails when the connection is (now) lost and
// returns the control file's current state for the call's own faults.
ControlState requireServer(Dbc& c) {
    if (!c.connected) fail("08003", 0, "[Fake]Connection not open");
    ControlState control;
    if (!c.lost) {
        if (!c.faults.controlPath.empty()) control = readControl(c.faults.controlPath);
        if (c.doomed || control.epoch > c.epoch) loseNow(c);
    }
    if (c.lost) reportLoss(c);
    return control;
}

[[noreturn]] void deadlock(Dbc& c) {
    c.session.rollback();  // as InnoDB does: the whole transaction is rolled back
    fail("40001", 1213, "[Fake]Deadlock found when trying to get lock; try restarting transaction");
}

// The "server" takes delayMs to answer; SQLCancel (HY008) and the query timeout (HYT00) end the
// wait early.
void serverWork(Stmt& s, long delayMs) {
    using namespace std::chrono;
    bool timesOut = s.queryTimeout > 0 && static_cast<SQLULEN>(delayMs) > s.queryTimeout * 1000;
    auto wait = timesOut ? milliseconds(s.queryTimeout * 1000) : milliseconds(delayMs);
    std::unique_lock lock(s.waitMutex);
    if (s.waitCondition.wait_for(lock, wait, [&] { return s.cancelRequested.load(); })) {
        fail("HY008", 0, "[Fake]Operation canceled");
    }
    if (timesOut) fail("HYT00", 0, "[Fake]Query timeout expired");
}

// ---- values ----------------------------------------------------------------------------

long long integerOf(const Value& v) {
    if (const long long* i = std::get_if<long long>(&v)) return *i;
    const std::string& s = std::get<std::string>(v);
    std::string t = trim(s);
    long long value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
        fail("22018", 0, "[Fake]Invalid character value for cast specification: " + valueText(v));
    }
    return value;
}

std::string textOf(const Value& v) {
    if (const long long* i = std::get_if<long long>(&v)) return std::to_string(*i);
    return std::get<std::string>(v);
}

template <class T>
void putInteger(long long value, SQLPOINTER buffer, SQLLEN* indicator) {
    if (value < static_cast<long long>(std::numeric_limits<T>::min()) ||
        (value > 0 && static_cast<unsigned long long>(value) >
                          static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
        fail("22003", 0, "[Fake]Numeric value out of range");
    }
    T out = static_cast<T>(value);
    std::memcpy(buffer, &out, sizeof out);
    if (indicator != nullptr) *indicator = sizeof out;
}

bool supportedCType(SQLSMALLINT cType) {
    switch (cType) {
        case SQL_C_DEFAULT:
        case SQL_C_CHAR:
        case SQL_C_WCHAR:
        case SQL_C_SLONG:
        case SQL_C_LONG:
        case SQL_C_ULONG:
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
        case SQL_C_USHORT:
        case SQL_C_SBIGINT:
        case SQL_C_UBIGINT:
        case SQL_C_DOUBLE:
            return true;
        default:
            return false;
    }
}

SQLSMALLINT defaultCType(SQLSMALLINT sqlType) {
    switch (sqlType) {
        case SQL_INTEGER:
            return SQL_C_SLONG;
        case SQL_BIGINT:
            return SQL_C_SBIGINT;
        case SQL_SMALLINT:
            return SQL_C_SSHORT;
        case SQL_WCHAR:
        case SQL_WVARCHAR:
        case SQL_WLONGVARCHAR:
            return SQL_C_WCHAR;
        default:
            return SQL_C_CHAR;
    }
}

// Converts one cell into an application buffer. offset/done carry SQLGetData's progress
// through a long text value; for a bound column they start at 0/false every row.
SQLRETURN putValue(Diag& diag, const Value& v, const Column& column, SQLSMALLINT cType,
                   SQLPOINTER buffer, SQLLEN capacity, SQLLEN* indicator, size_t& offset,
                   bool& done) {
    if (done) return SQL_NO_DATA;
    if (std::holds_alternative<std::monostate>(v)) {
        if (indicator == nullptr) {
            fail("22002", 0, "[Fake]Indicator variable required but not supplied");
        }
        *indicator = SQL_NULL_DATA;
        done = true;
        return SQL_SUCCESS;
    }
    if (cType == SQL_C_DEFAULT) cType = defaultCType(column.type);
    if (cType == SQL_C_CHAR || cType == SQL_C_WCHAR) {
        if (capacity < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
        std::string text = textOf(v);
        size_t unitSize = cType == SQL_C_WCHAR ? 2 : 1;
        std::u16string units = cType == SQL_C_WCHAR ? toUtf16(text) : std::u16string();
        size_t total = cType == SQL_C_WCHAR ? units.size() : text.size();
        size_t remaining = total - std::min(offset, total);
        if (indicator != nullptr) *indicator = static_cast<SQLLEN>(remaining * unitSize);
        size_t room = buffer == nullptr ? 0 : static_cast<size_t>(capacity) / unitSize;
        if (room == 0) {
            if (remaining == 0) {
                done = true;
                return SQL_SUCCESS;
            }
            return warn(diag, "01004", "[Fake]String data, right truncated");
        }
        size_t n = std::min(remaining, room - 1);
        if (cType == SQL_C_WCHAR) {
            SQLWCHAR* out = static_cast<SQLWCHAR*>(buffer);
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<SQLWCHAR>(units[offset + i]);
            out[n] = 0;
        } else {
            std::memcpy(buffer, text.data() + offset, n);
            static_cast<char*>(buffer)[n] = '\0';
        }
        offset += n;
        if (n < remaining) return warn(diag, "01004", "[Fake]String data, right truncated");
        done = true;
        return SQL_SUCCESS;
    }
    if (buffer == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
    switch (cType) {
        case SQL_C_SLONG:
        case SQL_C_LONG:
            putInteger<SQLINTEGER>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_ULONG:
            putInteger<SQLUINTEGER>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
            putInteger<SQLSMALLINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_USHORT:
            putInteger<SQLUSMALLINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_SBIGINT:
            putInteger<SQLBIGINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_UBIGINT:
            putInteger<SQLUBIGINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_DOUBLE: {
            SQLDOUBLE d = static_cast<SQLDOUBLE>(integerOf(v));
            std::memcpy(buffer, &d, sizeof d);
            if (indicator != nullptr) *indicator = sizeof d;
            break;
        }
        default:
            fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    done = true;
    return SQL_SUCCESS;
}

Value parameterValue(const BoundParameter& p, int number) {
    SQLLEN ind = p.indicator != nullptr ? *p.indicator : SQL_NTS;
    if (ind == SQL_NULL_DATA) return Value{};
    if (ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET) {
        fail("HYC00", 0, "[Fake]data-at-execution parameters are not supported");
    }
    if (p.buffer == nullptr)
        fail("HY009", 0, "[Fake]parameter " + std::to_string(number) + " has no buffer");
    SQLSMALLINT cType = p.cType == SQL_C_DEFAULT ? defaultCType(p.sqlType) : p.cType;
    auto read = [&](auto sample) {
        decltype(sample) v;
        std::memcpy(&v, p.buffer, sizeof v);
        return static_cast<long long>(v);
    };
    switch (cType) {
        case SQL_C_SLONG:
        case SQL_C_LONG:
            return read(SQLINTEGER{});
        case SQL_C_ULONG:
            return read(SQLUINTEGER{});
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
            return read(SQLSMALLINT{});
        case SQL_C_USHORT:
            return read(SQLUSMALLINT{});
        case SQL_C_SBIGINT:
            return read(SQLBIGINT{});
        case SQL_C_UBIGINT:
            return read(SQLUBIGINT{});
        case SQL_C_DOUBLE:
            return read(SQLDOUBLE{});
        case SQL_C_CHAR: {
            const char* text = static_cast<const char*>(p.buffer);
            return std::string(text, ind == SQL_NTS ? std::strlen(text) : static_cast<size_t>(ind));
        }
        case SQL_C_WCHAR:
            return wideText(static_cast<const SQLWCHAR*>(p.buffer),
                            ind == SQL_NTS ? SQL_NTS : static_cast<long>(ind / 2));
        default:
            fail("HYC00", 0, "[Fake]unsupported parameter C type " + std::to_string(cType));
    }
}

const Column& columnAt(Stmt& s, SQLUSMALLINT column) {
    if (column < 1 || column > s.columns.size()) {
        fail("07009", 0, "[Fake]Invalid descriptor index " + std::to_string(column));
    }
    return s.columns[column - 1];
}

const char* typeName(SQLSMALLINT type) {
    switch (type) {
        case SQL_INTEGER:
            return "INTEGER";
        case SQL_BIGINT:
            return "BIGINT";
        default:
            return "VARCHAR";
    }
}

// ---- attribute names for the event log -------------------------------------------------

bool isStringConnectAttribute(SQLINTEGER a) {
    return a == SQL_ATTR_CURRENT_CATALOG || a == SQL_ATTR_TRACEFILE || a == SQL_ATTR_TRANSLATE_LIB;
}

}  // namespace

std::string connectAttributeName(SQLINTEGER a) {
    switch (a) {
        case SQL_ATTR_AUTOCOMMIT:
            return "SQL_ATTR_AUTOCOMMIT";
        case SQL_ATTR_LOGIN_TIMEOUT:
            return "SQL_ATTR_LOGIN_TIMEOUT";
        case SQL_ATTR_CONNECTION_TIMEOUT:
            return "SQL_ATTR_CONNECTION_TIMEOUT";
        case SQL_ATTR_QUERY_TIMEOUT:
            return "SQL_ATTR_QUERY_TIMEOUT";
        case SQL_ATTR_ACCESS_MODE:
            return "SQL_ATTR_ACCESS_MODE";
        case SQL_ATTR_TXN_ISOLATION:
            return "SQL_ATTR_TXN_ISOLATION";
        case SQL_ATTR_CURRENT_CATALOG:
            return "SQL_ATTR_CURRENT_CATALOG";
        case SQL_ATTR_CONNECTION_DEAD:
            return "SQL_ATTR_CONNECTION_DEAD";
        case SQL_ATTR_ANSI_APP:
            return "SQL_ATTR_ANSI_APP";
        case SQL_ATTR_RESET_CONNECTION:
            return "SQL_ATTR_RESET_CONNECTION";
        case SQL_ATTR_PACKET_SIZE:
            return "SQL_ATTR_PACKET_SIZE";
        default:
            return std::to_string(a);
    }
}

SQLRETURN warn(Diag& diag, const char* sqlstate, const std::string& message) {
    diag.add(ErrorRecord{sqlstate, 0, message});
    return SQL_SUCCESS_WITH_INFO;
}

// ---- environment -----------------------------------------------------------------------

SQLRETURN setEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value) {
    auto n = static_cast<SQLUINTEGER>(reinterpret_cast<uintptr_t>(value));
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            if (n != SQL_OV_ODBC2 && n != SQL_OV_ODBC3 && n != SQL_OV_ODBC3_80) {
                fail("HY024", 0, "[Fake]Invalid attribute value");
            }
            env.odbcVersion = static_cast<SQLINTEGER>(n);
            return SQL_SUCCESS;
        case SQL_ATTR_CONNECTION_POOLING:
            env.pooling = n;
            return SQL_SUCCESS;
        case SQL_ATTR_CP_MATCH:
            env.cpMatch = n;
            return SQL_SUCCESS;
        case SQL_ATTR_OUTPUT_NTS:
            if (n != SQL_TRUE) fail("HYC00", 0, "[Fake]Optional feature not implemented");
            return SQL_SUCCESS;
        default:
            fail("HY092", 0, "[Fake]Invalid attribute/option identifier");
    }
}

SQLRETURN getEnvAttr(Env& env, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER* length) {
    SQLUINTEGER out = 0;
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            out = static_cast<SQLUINTEGER>(env.odbcVersion);
            break;
        case SQL_ATTR_CONNECTION_POOLING:
            out = env.pooling;
            break;
        case SQL_ATTR_CP_MATCH:
            out = env.cpMatch;
            break;
        case SQL_ATTR_OUTPUT_NTS:
            out = SQL_TRUE;
            break;
        default:
            fail("HY092", 0, "[Fake]Invalid attribute/option identifier");
    }
    if (value != nullptr) std::memcpy(value, &out, sizeof out);
    if (length != nullptr) *length = sizeof out;
    return SQL_SUCCESS;
}

// ---- connection ------------------------------------------------------------------------

KeyValues keysOfDataSource(const std::string& dsn) {
    KeyValues keys;
    if (dsn.empty()) return keys;
    std::vector<char> names(16384);
    int n = SQLGetPrivateProfileString(dsn.c_str(), nullptr, "", names.data(),
                                       static_cast<int>(names.size()), "odbc.ini");
    for (int i = 0; i < n && names[static_cast<size_t>(i)] != '\0';) {
        std::string key(&names[static_cast<size_t>(i)]);
        i += static_cast<int>(key.size()) + 1;
        std::vector<char> value(4096);
        SQLGetPrivateProfileString(dsn.c_str(), key.c_str(), "", value.data(),
                                   static_cast<int>(value.size()), "odbc.ini");
        setKey(keys, key, value.data());
    }
    return keys;
}

SQLRETURN connect(Dbc& c, const KeyValues& keys, Call& call) {
    if (c.connected) fail("08002", 0, "[Fake]Connection name in use");
    // The log first, so that a connect with a bad key still shows up in it.
    std::string logPath = environmentLogPath();
    if (const std::string* v = findKey(keys, "FakeLog"); v != nullptr && !v->empty()) {
        logPath = *v;
    }
    c.resolveLog(logPath);
    FaultConfig faults = FaultConfig::fromKeys(keys);
    call.arg("database", quoted(faults.database));

    ControlState control;
    if (!faults.controlPath.empty()) control = readControl(faults.controlPath);
    if (control.down) {
        fail("08001", 101, "[Fake]could not connect to server: Connection refused");
    }
    if (control.failConnect) {
        if (auto spec = consumeControl(faults.controlPath, "fail_connect")) {
            throw SqlError{parseCountedError(*spec, "fail_connect").record};
        }
    }
    if (faults.failConnect && faults.failConnect->count > 0 &&
        takeShot(faults.database + "|FailConnect|" + faults.failConnectText,
                 faults.failConnect->count)) {
        throw SqlError{faults.failConnect->record};
    }
    long delayMs = std::max(faults.connectDelayMs, control.connectDelayMs);
    if (delayMs > 0) {
        long timeoutMs = static_cast<long>(c.loginTimeout) * 1000;
        if (timeoutMs > 0 && delayMs > timeoutMs) {
            std::this_thread::sleep_for(std::chrono::milliseconds(timeoutMs));
            fail("HYT00", 0, "[Fake]Login timeout expired");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delayMs));
    }

    bool autocommit = c.session.autocommit;
    c.session = Session{};
    c.session.autocommit = autocommit;
    c.session.database = &databaseNamed(faults.database);
    c.faults = std::move(faults);
    c.keys = keys;
    const std::string* dsn = findKey(keys, "DSN");
    c.dataSource = dsn != nullptr ? *dsn : "";
    const std::string* uid = findKey(keys, "UID");
    c.user = uid != nullptr ? *uid : "";
    c.epoch = control.epoch;
    c.lost = c.lossReported = c.doomed = false;
    c.prepares = c.executes = c.commits = c.completed = c.fetchHits = 0;
    c.connected = true;
    call.arg("epoch", c.epoch);
    return SQL_SUCCESS;
}

SQLRETURN disconnect(Dbc& c) {
    if (!c.connected) fail("08003", 0, "[Fake]Connection not open");
    // An open transaction is rolled back, as the real drivers do (they return SQL_SUCCESS).
    c.session.rollback();
    for (Stmt* s : c.statements) {
        unregisterHandle(s);
        delete s;
    }
    c.statements.clear();
    for (Desc* d : c.descriptors) {
        unregisterHandle(d);
        delete d;
    }
    c.descriptors.clear();
    c.connected = false;
    return SQL_SUCCESS;
}

SQLRETURN getInfo(Dbc& c, SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                  SQLSMALLINT* length, bool wide) {
    enum class As { Text, Small, Int };
    As as = As::Int;
    std::string text;
    SQLUINTEGER number = 0;
    auto str = [&](std::string s) { as = As::Text, text = std::move(s); };
    auto small = [&](SQLUINTEGER n) { as = As::Small, number = n; };
    auto integer = [&](SQLUINTEGER n) { as = As::Int, number = n; };
    switch (type) {
        case SQL_DRIVER_NAME:
            str("libodbcfake.so");
            break;
        case SQL_DRIVER_VER:
            str("01.00.0000");
            break;
        case SQL_DRIVER_ODBC_VER:
            str("03.80");
            break;
        case SQL_DBMS_NAME:
            str("FakeDB");
            break;
        case SQL_DBMS_VER:
            str("01.00.0000");
            break;
        case SQL_DATA_SOURCE_NAME:
            str(c.dataSource);
            break;
        case SQL_DATABASE_NAME:
            str(c.connected ? c.faults.database : "");
            break;
        case SQL_SERVER_NAME:
            str("fake");
            break;
        case SQL_USER_NAME:
            str(c.user);
            break;
        case SQL_IDENTIFIER_QUOTE_CHAR:
            str("\"");
            break;
        case SQL_SEARCH_PATTERN_ESCAPE:
            str("\\");
            break;
        case SQL_DATA_SOURCE_READ_ONLY:
        case SQL_ACCESSIBLE_PROCEDURES:
        case SQL_PROCEDURES:
        case SQL_MULT_RESULT_SETS:
        case SQL_NEED_LONG_DATA_LEN:
        case SQL_ROW_UPDATES:
        case SQL_DESCRIBE_PARAMETER:
        case SQL_CATALOG_NAME:
        case SQL_INTEGRITY:
        case SQL_LIKE_ESCAPE_CLAUSE:
        case SQL_OUTER_JOINS:
        case SQL_MAX_ROW_SIZE_INCLUDES_LONG:
            str("N");
            break;
        case SQL_ACCESSIBLE_TABLES:
        case SQL_MULTIPLE_ACTIVE_TXN:
        case SQL_COLUMN_ALIAS:
        case SQL_ORDER_BY_COLUMNS_IN_SELECT:
        case SQL_EXPRESSIONS_IN_ORDERBY:
            str("Y");
            break;
        case SQL_CATALOG_NAME_SEPARATOR:
        case SQL_CATALOG_TERM:
        case SQL_SCHEMA_TERM:
        case SQL_PROCEDURE_TERM:
        case SQL_KEYWORDS:
        case SQL_SPECIAL_CHARACTERS:
        case SQL_COLLATION_SEQ:
            str("");
            break;
        case SQL_TABLE_TERM:
            str("table");
            break;
        case SQL_XOPEN_CLI_YEAR:
            str("1995");
            break;
        case SQL_TXN_CAPABLE:
            small(SQL_TC_DML);
            break;
        case SQL_CURSOR_COMMIT_BEHAVIOR:
        case SQL_CURSOR_ROLLBACK_BEHAVIOR:
            small(SQL_CB_PRESERVE);
            break;
        case SQL_MAX_DRIVER_CONNECTIONS:
        case SQL_MAX_CONCURRENT_ACTIVITIES:
        case SQL_ACTIVE_ENVIRONMENTS:
        case SQL_MAX_CATALOG_NAME_LEN:
        case SQL_MAX_SCHEMA_NAME_LEN:
        case SQL_MAX_PROCEDURE_NAME_LEN:
        case SQL_MAX_COLUMNS_IN_SELECT:
            small(0);
            break;
        case SQL_MAX_COLUMN_NAME_LEN:
        case SQL_MAX_TABLE_NAME_LEN:
        case SQL_MAX_CURSOR_NAME_LEN:
            small(128);
            break;
        case SQL_IDENTIFIER_CASE:
        case SQL_QUOTED_IDENTIFIER_CASE:
            small(SQL_IC_LOWER);
            break;
        case SQL_NULL_COLLATION:
            small(SQL_NC_HIGH);
            break;
        case SQL_NON_NULLABLE_COLUMNS:
            small(SQL_NNC_NON_NULL);
            break;
        case SQL_CONCAT_NULL_BEHAVIOR:
            small(SQL_CB_NULL);
            break;
        case SQL_CORRELATION_NAME:
            small(SQL_CN_NONE);
            break;
        case SQL_FILE_USAGE:
            small(SQL_FILE_NOT_SUPPORTED);
            break;
        case SQL_GROUP_BY:
            small(SQL_GB_NOT_SUPPORTED);
            break;
        case SQL_CATALOG_LOCATION:
            small(0);
            break;
        case SQL_TXN_ISOLATION_OPTION:
        case SQL_DEFAULT_TXN_ISOLATION:
            integer(SQL_TXN_READ_COMMITTED);
            break;
        case SQL_GETDATA_EXTENSIONS:
            integer(SQL_GD_ANY_COLUMN | SQL_GD_ANY_ORDER);
            break;
        case SQL_SCROLL_OPTIONS:
            integer(SQL_SO_FORWARD_ONLY);
            break;
        case SQL_FETCH_DIRECTION:
            integer(SQL_FD_FETCH_NEXT);
            break;
        case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1:
            integer(SQL_CA1_NEXT);
            break;
        case SQL_ODBC_INTERFACE_CONFORMANCE:
            integer(SQL_OIC_CORE);
            break;
        case SQL_SQL_CONFORMANCE:
            integer(SQL_SC_SQL92_ENTRY);
            break;
        case SQL_PARAM_ARRAY_ROW_COUNTS:
            integer(SQL_PARC_NO_BATCH);
            break;
        case SQL_PARAM_ARRAY_SELECTS:
            integer(SQL_PAS_NO_SELECT);
            break;
        case SQL_ASYNC_MODE:
            integer(SQL_AM_NONE);
            break;
        case SQL_CURSOR_SENSITIVITY:
            integer(SQL_UNSPECIFIED);
            break;
        case SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2:
        case SQL_STATIC_CURSOR_ATTRIBUTES1:
        case SQL_STATIC_CURSOR_ATTRIBUTES2:
        case SQL_KEYSET_CURSOR_ATTRIBUTES1:
        case SQL_KEYSET_CURSOR_ATTRIBUTES2:
        case SQL_DYNAMIC_CURSOR_ATTRIBUTES1:
        case SQL_DYNAMIC_CURSOR_ATTRIBUTES2:
        case SQL_MAX_ASYNC_CONCURRENT_STATEMENTS:
        case SQL_BATCH_SUPPORT:
        case SQL_BATCH_ROW_COUNT:
        case SQL_BOOKMARK_PERSISTENCE:
        case SQL_POS_OPERATIONS:
        case SQL_LOCK_TYPES:
        case SQL_STATIC_SENSITIVITY:
        case SQL_SCROLL_CONCURRENCY:
        case SQL_MAX_STATEMENT_LEN:
        case SQL_MAX_ROW_SIZE:
        case SQL_STRING_FUNCTIONS:
        case SQL_NUMERIC_FUNCTIONS:
        case SQL_SYSTEM_FUNCTIONS:
        case SQL_TIMEDATE_FUNCTIONS:
        case SQL_CONVERT_FUNCTIONS:
        case SQL_SQL92_PREDICATES:
        case SQL_SQL92_VALUE_EXPRESSIONS:
        case SQL_AGGREGATE_FUNCTIONS:
        case SQL_SUBQUERIES:
        case SQL_UNION:
        case SQL_CATALOG_USAGE:
        case SQL_SCHEMA_USAGE:
        case SQL_OJ_CAPABILITIES:
            integer(0);
            break;
        default:
            fail("HY096", 0, "[Fake]Information type out of range: " + std::to_string(type));
    }
    switch (as) {
        case As::Text:
            return putText<SQLSMALLINT>(c.diag, text, value, capacity, length, wide, true);
        case As::Small: {
            auto n = static_cast<SQLUSMALLINT>(number);
            if (value != nullptr) std::memcpy(value, &n, sizeof n);
            if (length != nullptr) *length = sizeof n;
            return SQL_SUCCESS;
        }
        case As::Int:
            if (value != nullptr) std::memcpy(value, &number, sizeof number);
            if (length != nullptr) *length = sizeof number;
            return SQL_SUCCESS;
    }
    return SQL_SUCCESS;
}

namespace {
// What SQLGetFunctions reports: exactly the functions fake_api.cpp implements.
constexpr SQLUSMALLINT kImplementedFunctions[] = {
    SQL_API_SQLALLOCHANDLE,    SQL_API_SQLFREEHANDLE,     SQL_API_SQLSETENVATTR,
    SQL_API_SQLGETENVATTR,     SQL_API_SQLCONNECT,        SQL_API_SQLDRIVERCONNECT,
    SQL_API_SQLDISCONNECT,     SQL_API_SQLGETINFO,        SQL_API_SQLGETFUNCTIONS,
    SQL_API_SQLSETCONNECTATTR, SQL_API_SQLGETCONNECTATTR, SQL_API_SQLSETSTMTATTR,
    SQL_API_SQLGETSTMTATTR,    SQL_API_SQLEXECDIRECT,     SQL_API_SQLPREPARE,
    SQL_API_SQLEXECUTE,        SQL_API_SQLNUMRESULTCOLS,  SQL_API_SQLDESCRIBECOL,
    SQL_API_SQLCOLATTRIBUTE,   SQL_API_SQLBINDCOL,        SQL_API_SQLFETCH,
    SQL_API_SQLFETCHSCROLL,    SQL_API_SQLGETDATA,        SQL_API_SQLROWCOUNT,
    SQL_API_SQLMORERESULTS,    SQL_API_SQLFREESTMT,       SQL_API_SQLCLOSECURSOR,
    SQL_API_SQLBINDPARAMETER,  SQL_API_SQLNUMPARAMS,      SQL_API_SQLENDTRAN,
    SQL_API_SQLCANCEL,         SQL_API_SQLGETDIAGREC,     SQL_API_SQLGETDIAGFIELD,
    SQL_API_SQLERROR,
};
}  // namespace

SQLRETURN getFunctions(SQLUSMALLINT function, SQLUSMALLINT* supported) {
    if (supported == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
    if (function == SQL_API_ODBC3_ALL_FUNCTIONS) {
        std::fill(supported, supported + SQL_API_ODBC3_ALL_FUNCTIONS_SIZE, 0);
        for (SQLUSMALLINT f : kImplementedFunctions) {
            supported[f >> 4] = static_cast<SQLUSMALLINT>(supported[f >> 4] | (1 << (f & 0xF)));
        }
    } else if (function == SQL_API_ALL_FUNCTIONS) {
        std::fill(supported, supported + 100, 0);
        for (SQLUSMALLINT f : kImplementedFunctions) {
            if (f < 100) supported[f] = SQL_TRUE;
        }
    } else {
        const auto* end = std::end(kImplementedFunctions);
        *supported = std::find(std::begin(kImplementedFunctions), end, function) != end ? SQL_TRUE
                                                                                        : SQL_FALSE;
    }
    return SQL_SUCCESS;
}

SQLRETURN setConnectAttr(Dbc& c, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length,
                         bool wide, Call& call) {
    auto n = static_cast<SQLULEN>(reinterpret_cast<uintptr_t>(value));
    call.arg("attr", connectAttributeName(attribute));
    if (isStringConnectAttribute(attribute)) {
        std::string text =
            wide ? wideText(static_cast<const SQLWCHAR*>(value),
                            length == SQL_NTS ? SQL_NTS : static_cast<long>(length / 2))
                 : narrowText(static_cast<const SQLCHAR*>(value), length);
        call.arg("value", quoted(text));
        c.stringAttributes[attribute] = text;
        return SQL_SUCCESS;
    }
    call.arg("value", static_cast<long long>(n));
    switch (attribute) {
        case SQL_ATTR_AUTOCOMMIT: {
            bool on = n == SQL_AUTOCOMMIT_ON;
            if (c.connected) {
                requireServer(c);
                if (on && !c.session.autocommit) c.session.commit();  // as ODBC specifies
            }
            c.session.autocommit = on;
            return SQL_SUCCESS;
        }
        case SQL_ATTR_LOGIN_TIMEOUT:
            c.loginTimeout = static_cast<SQLUINTEGER>(n);
            return SQL_SUCCESS;
        case SQL_ATTR_QUERY_TIMEOUT:
            c.queryTimeout = n;
            return SQL_SUCCESS;
        case SQL_ATTR_CONNECTION_DEAD:
            fail("HY092", 0, "[Fake]SQL_ATTR_CONNECTION_DEAD is read-only");
        case SQL_ATTR_RESET_CONNECTION:
            // Sent by a driver manager when the connection returns to its pool.
            if (c.connected) c.session.rollback();
            c.session.autocommit = true;
            return SQL_SUCCESS;
        default:
            c.integerAttributes[attribute] = n;
            return SQL_SUCCESS;
    }
}

SQLRETURN getConnectAttr(Dbc& c, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                         SQLINTEGER* length, bool wide, Call& call) {
    if (isStringConnectAttribute(attribute)) {
        auto it = c.stringAttributes.find(attribute);
        std::string text = it != c.stringAttributes.end() ? it->second
                           : attribute == SQL_ATTR_CURRENT_CATALOG && c.connected
                               ? c.faults.database
                               : "";
        return putText<SQLINTEGER>(c.diag, text, value, capacity, length, wide, true);
    }
    SQLULEN out = 0;
    switch (attribute) {
        case SQL_ATTR_AUTOCOMMIT:
            out = c.session.autocommit ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF;
            break;
        case SQL_ATTR_LOGIN_TIMEOUT:
            out = c.loginTimeout;
            break;
        case SQL_ATTR_QUERY_TIMEOUT:
            out = c.queryTimeout;
            break;
        case SQL_ATTR_CONNECTION_DEAD: {
            // Active (default): notices an epoch bump before any statement, like MariaDB's
            // ping. Passive: only what a failed call has seen, like psqlODBC.
            if (c.connected && !c.lost && c.faults.activeDeadCheck &&
                (c.doomed || controlEpoch(c) > c.epoch)) {
                loseNow(c);
            }
            out = !c.connected || c.lost ? SQL_CD_TRUE : SQL_CD_FALSE;
            break;
        }
        default: {
            auto it = c.integerAttributes.find(attribute);
            if (it != c.integerAttributes.end()) {
                out = it->second;
            } else if (attribute == SQL_ATTR_ACCESS_MODE) {
                out = SQL_MODE_READ_WRITE;
            } else if (attribute == SQL_ATTR_TXN_ISOLATION) {
                out = SQL_TXN_READ_COMMITTED;
            } else if (attribute == SQL_ATTR_CONNECTION_TIMEOUT ||
                       attribute == SQL_ATTR_ASYNC_ENABLE || attribute == SQL_ATTR_AUTO_IPD ||
                       attribute == SQL_ATTR_METADATA_ID || attribute == SQL_ATTR_PACKET_SIZE) {
                out = 0;
            } else {
                fail("HY092", 0,
                     "[Fake]Invalid attribute/option identifier " + std::to_string(attribute));
            }
        }
    }
    // Connection attributes are 32-bit integers.
    auto n = static_cast<SQLUINTEGER>(out);
    call.arg("value", static_cast<long long>(n));
    if (value != nullptr) std::memcpy(value, &n, sizeof n);
    if (length != nullptr) *length = sizeof n;
    return SQL_SUCCESS;
}

SQLRETURN endTransaction(Dbc& c, SQLSMALLINT completion) {
    if (completion != SQL_COMMIT && completion != SQL_ROLLBACK) {
        fail("HY012", 0, "[Fake]Invalid transaction operation code");
    }
    requireServer(c);
    if (completion == SQL_ROLLBACK) {
        c.session.rollback();
        return SQL_SUCCESS;
    }
    long n = ++c.commits;
    if (loseHere(c, Point::CommitBefore, n)) dropConnection(c);
    c.session.commit();
    if (loseHere(c, Point::CommitAfter, n)) dropConnection(c);
    return SQL_SUCCESS;
}

// ---- statement -------------------------------------------------------------------------

SQLRETURN prepare(Stmt& s, const std::string& sql, bool fromApplication) {
    Dbc& c = *s.dbc;
    requireServer(c);
    if (s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    if (fromApplication && c.faults.matches(sql)) {
        long n = ++c.prepares;
        if (loseHere(c, Point::Prepare, n)) dropConnection(c);
    }
    s.plan.reset();
    s.columns.clear();
    s.rowCount = -1;
    s.sql = sql;
    s.plan = parseSql(sql);
    s.columns = describePlan(*s.plan);
    return SQL_SUCCESS;
}

SQLRETURN execute(Stmt& s, Call& call) {
    Dbc& c = *s.dbc;
    ControlState control = requireServer(c);
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    std::vector<Value> params;
    std::string shown;
    s.shownParameters.clear();
    for (int i = 1; i <= s.plan->params; ++i) {
        auto it = s.parameters.find(static_cast<SQLUSMALLINT>(i));
        if (it == s.parameters.end()) {
            fail("07002", 0,
                 "[Fake]COUNT field incorrect: parameter " + std::to_string(i) + " is not bound");
        }
        params.push_back(parameterValue(it->second, i));
        // Appended piece by piece: GCC 12's -Wrestrict misfires on `const char* + std::string`
        // inlined at -O3 (GCC bug 105329).
        if (i > 1) shown += ',';
        shown += valueText(params.back());
    }
    s.shownParameters = params.empty() ? "" : "[" + shown + "]";
    if (!params.empty()) call.arg("params", s.shownParameters);
    s.rowCount = -1;
    s.cancelRequested = false;

    const FaultConfig& f = c.faults;
    bool matches = f.matches(s.sql);
    long n = matches ? ++c.executes : 0;
    if (matches && loseHere(c, Point::ExecuteBefore, n)) dropConnection(c);
    if (control.deadlock > 0 && control.matches(s.sql) &&
        consumeControl(f.controlPath, "deadlock")) {
        deadlock(c);
    }
    if (matches && f.deadlockOn == n) deadlock(c);
    if (control.failExecute && control.matches(s.sql)) {
        if (auto spec = consumeControl(f.controlPath, "fail_execute")) {
            throw SqlError{parseCountedError(*spec, "fail_execute").record};
        }
    }
    if (matches && f.failExecute && f.failExecute->count > 0 &&
        takeShot(f.database + "|FailExecute|" + f.failExecuteText, f.failExecute->count)) {
        throw SqlError{f.failExecute->record};
    }
    if (long delayMs = std::max(f.executeDelayMs, control.executeDelayMs); delayMs > 0) {
        serverWork(s, delayMs);
    }

    Outcome out = executePlan(*s.plan, params, c.session);
    if (matches && loseHere(c, Point::ExecuteAfter, n)) dropConnection(c);
    if (matches && loseHere(c, Point::AfterStatements, ++c.completed)) c.doomed = true;

    s.rowCount = static_cast<SQLLEN>(out.rowCount);
    if (out.hasResultSet) {
        s.columns = std::move(out.result.columns);
        out.result.columns.clear();
        s.result = std::move(out.result);
        s.cursorOpen = true;
        s.onRow = false;
        s.rowsDelivered = 0;
        s.getDataColumn = 0;
    } else {
        s.columns.clear();
    }
    return SQL_SUCCESS;
}

SQLRETURN numResultCols(Stmt& s, SQLSMALLINT* count) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (count != nullptr) *count = static_cast<SQLSMALLINT>(s.columns.size());
    return SQL_SUCCESS;
}

SQLRETURN describeCol(Stmt& s, SQLUSMALLINT column, void* name, SQLSMALLINT capacity,
                      SQLSMALLINT* nameLength, SQLSMALLINT* type, SQLULEN* size,
                      SQLSMALLINT* digits, SQLSMALLINT* nullable, bool wide) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    const Column& col = columnAt(s, column);
    if (type != nullptr) *type = col.type;
    if (size != nullptr) *size = col.size;
    if (digits != nullptr) *digits = 0;
    if (nullable != nullptr) *nullable = col.nullable;
    return putText<SQLSMALLINT>(s.diag, col.name, name, capacity, nameLength, wide, false);
}

SQLRETURN colAttribute(Stmt& s, SQLUSMALLINT column, SQLUSMALLINT field, void* text,
                       SQLSMALLINT capacity, SQLSMALLINT* length, SQLLEN* number, bool wide) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    Dbc& c = *s.dbc;
    const FaultConfig& f = c.faults;
    if (f.loseAt && f.loseAt->point == Point::Describe && f.matches(s.sql)) {
        // Like psqlODBC looking up a column's table: the call asks the server.
        requireServer(c);
        if (loseHere(c, Point::Describe, ++c.describes)) dropConnection(c);
    }
    auto setNumber = [&](SQLLEN n) {
        if (number != nullptr) *number = n;
        return SQL_SUCCESS;
    };
    auto setText = [&](const std::string& t) {
        return putText<SQLSMALLINT>(s.diag, t, text, capacity, length, wide, true);
    };
    if (field == SQL_DESC_COUNT || field == SQL_COLUMN_COUNT) {
        return setNumber(static_cast<SQLLEN>(s.columns.size()));
    }
    const Column& col = columnAt(s, column);
    bool isText = col.type == SQL_VARCHAR;
    SQLLEN precision = col.type == SQL_BIGINT ? 19 : col.type == SQL_INTEGER ? 10 : col.size;
    switch (field) {
        case SQL_DESC_NAME:
        case SQL_COLUMN_NAME:
        case SQL_DESC_LABEL:
        case SQL_DESC_BASE_COLUMN_NAME:
            return setText(col.name);
        case SQL_DESC_TYPE_NAME:
            return setText(typeName(col.type));
        case SQL_DESC_LITERAL_PREFIX:
        case SQL_DESC_LITERAL_SUFFIX:
            return setText(isText ? "'" : "");
        case SQL_DESC_TABLE_NAME:
        case SQL_DESC_BASE_TABLE_NAME:
        case SQL_DESC_SCHEMA_NAME:
        case SQL_DESC_CATALOG_NAME:
        case SQL_DESC_LOCAL_TYPE_NAME:
            return setText("");
        case SQL_DESC_TYPE:
        case SQL_DESC_CONCISE_TYPE:
            return setNumber(col.type);
        case SQL_DESC_LENGTH:
        case SQL_COLUMN_LENGTH:
        case SQL_DESC_PRECISION:
        case SQL_COLUMN_PRECISION:
            return setNumber(precision);
        case SQL_DESC_OCTET_LENGTH:
            return setNumber(col.type == SQL_BIGINT ? 8 : col.type == SQL_INTEGER ? 4 : col.size);
        case SQL_DESC_DISPLAY_SIZE:
            return setNumber(isText ? col.size : precision + 1);
        case SQL_DESC_SCALE:
        case SQL_COLUMN_SCALE:
            return setNumber(0);
        case SQL_DESC_NULLABLE:
        case SQL_COLUMN_NULLABLE:
            return setNumber(col.nullable);
        case SQL_DESC_UNSIGNED:
            return setNumber(isText ? SQL_TRUE : SQL_FALSE);
        case SQL_DESC_CASE_SENSITIVE:
            return setNumber(isText ? SQL_TRUE : SQL_FALSE);
        case SQL_DESC_NUM_PREC_RADIX:
            return setNumber(isText ? 0 : 10);
        case SQL_DESC_FIXED_PREC_SCALE:
        case SQL_DESC_AUTO_UNIQUE_VALUE:
            return setNumber(SQL_FALSE);
        case SQL_DESC_SEARCHABLE:
            return setNumber(SQL_PRED_SEARCHABLE);
        case SQL_DESC_UPDATABLE:
            return setNumber(SQL_ATTR_READONLY);
        case SQL_DESC_UNNAMED:
            return setNumber(SQL_NAMED);
        default:
            fail("HY091", 0, "[Fake]Invalid descriptor field identifier " + std::to_string(field));
    }
}

SQLRETURN bindCol(Stmt& s, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator) {
    if (column == 0) fail("07009", 0, "[Fake]Bookmarks are not supported");
    if (buffer == nullptr && indicator == nullptr) {
        s.boundColumns.erase(column);
        return SQL_SUCCESS;
    }
    if (!supportedCType(cType)) {
        fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    if (capacity < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
    s.boundColumns[column] = BoundColumn{cType, buffer, capacity, indicator};
    return SQL_SUCCESS;
}

SQLRETURN fetch(Stmt& s, Call& call) {
    Dbc& c = *s.dbc;
    requireServer(c);
    if (!s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    long row = static_cast<long>(s.rowsDelivered) + 1;
    call.arg("row", row);
    const FaultConfig& f = c.faults;
    if (f.loseAt && f.loseAt->point == Point::Fetch && f.loseAt->row == row && f.matches(s.sql) &&
        loseHere(c, Point::Fetch, ++c.fetchHits)) {
        dropConnection(c);
    }
    s.getDataColumn = 0;
    if (s.rowsDelivered >= s.result->rows.size()) {
        s.onRow = false;
        if (s.rowsFetchedPtr != nullptr) *s.rowsFetchedPtr = 0;
        return SQL_NO_DATA;
    }
    const std::vector<Value>& values = s.result->rows[s.rowsDelivered++];
    s.onRow = true;
    SQLRETURN rc = SQL_SUCCESS;
    for (const auto& [number, bound] : s.boundColumns) {
        const Column& col = columnAt(s, number);
        size_t offset = 0;
        bool done = false;
        if (putValue(s.diag, values[number - 1], col, bound.cType, bound.buffer, bound.capacity,
                     bound.indicator, offset, done) == SQL_SUCCESS_WITH_INFO) {
            rc = SQL_SUCCESS_WITH_INFO;
        }
    }
    if (s.rowsFetchedPtr != nullptr) *s.rowsFetchedPtr = 1;
    if (s.rowStatusPtr != nullptr) {
        *s.rowStatusPtr = rc == SQL_SUCCESS ? SQL_ROW_SUCCESS : SQL_ROW_SUCCESS_WITH_INFO;
    }
    return rc;
}

SQLRETURN getData(Stmt& s, SQLUSMALLINT column, SQLSMALLINT cType, SQLPOINTER buffer,
                  SQLLEN capacity, SQLLEN* indicator) {
    if (!s.cursorOpen || !s.onRow) fail("24000", 0, "[Fake]Invalid cursor state");
    const Column& col = columnAt(s, column);
    if (!supportedCType(cType)) {
        fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    if (column != s.getDataColumn) {
        s.getDataColumn = column;
        s.getDataOffset = 0;
        s.getDataDone = false;
    }
    const Value& v = s.result->rows[s.rowsDelivered - 1][column - 1];
    return putValue(s.diag, v, col, cType, buffer, capacity, indicator, s.getDataOffset,
                    s.getDataDone);
}

SQLRETURN rowCount(Stmt& s, SQLLEN* count) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (count != nullptr) *count = s.rowCount;
    return SQL_SUCCESS;
}

SQLRETURN moreResults(Stmt& s) {
    // Every statement has at most one result set.
    s.closeCursor();
    return SQL_NO_DATA;
}

SQLRETURN closeCursor(Stmt& s, bool strict) {
    if (strict && !s.cursorOpen) fail("24000", 0, "[Fake]Invalid cursor state");
    s.closeCursor();
    return SQL_SUCCESS;
}

SQLRETURN bindParameter(Stmt& s, SQLUSMALLINT number, const BoundParameter& parameter) {
    if (number == 0) fail("07009", 0, "[Fake]Invalid descriptor index 0");
    if (!supportedCType(parameter.cType)) {
        fail("HY003", 0,
             "[Fake]Invalid application buffer type " + std::to_string(parameter.cType));
    }
    s.parameters[number] = parameter;
    return SQL_SUCCESS;
}

SQLRETURN numParams(Stmt& s, SQLSMALLINT* count) {
    if (!s.plan) fail("HY010", 0, "[Fake]Function sequence error: no prepared statement");
    if (count != nullptr) *count = static_cast<SQLSMALLINT>(s.plan->params);
    return SQL_SUCCESS;
}

SQLRETURN setStmtAttr(Stmt& s, SQLINTEGER attribute, SQLPOINTER value) {
    auto n = static_cast<SQLULEN>(reinterpret_cast<uintptr_t>(value));
    auto changed = [&](const char* what) {
        return warn(s.diag, "01S02", std::string("[Fake]Option value changed: ") + what);
    };
    switch (attribute) {
        case SQL_ATTR_QUERY_TIMEOUT:
            s.queryTimeout = n;
            return SQL_SUCCESS;
        case SQL_ATTR_ROW_ARRAY_SIZE:
        case SQL_ATTR_PARAMSET_SIZE:
            return n == 1 ? SQL_SUCCESS : changed("only one row at a time");
        case SQL_ATTR_ROWS_FETCHED_PTR:
            s.rowsFetchedPtr = static_cast<SQLULEN*>(value);
            return SQL_SUCCESS;
        case SQL_ATTR_ROW_STATUS_PTR:
            s.rowStatusPtr = static_cast<SQLUSMALLINT*>(value);
            return SQL_SUCCESS;
        case SQL_ATTR_CURSOR_TYPE:
            return n == SQL_CURSOR_FORWARD_ONLY ? SQL_SUCCESS : changed("forward-only cursor");
        case SQL_ATTR_CONCURRENCY:
            return n == SQL_CONCUR_READ_ONLY ? SQL_SUCCESS : changed("read-only cursor");
        case SQL_ATTR_APP_ROW_DESC:
        case SQL_ATTR_APP_PARAM_DESC: {
            Desc* d = s.implicitDescs[attribute == SQL_ATTR_APP_ROW_DESC ? 0 : 1].get();
            if (value != nullptr) {
                d = static_cast<Desc*>(findHandle(value, Kind::Desc));
                if (d == nullptr) fail("HY024", 0, "[Fake]Invalid attribute value");
            }
            (attribute == SQL_ATTR_APP_ROW_DESC ? s.ard : s.apd) = d;
            return SQL_SUCCESS;
        }
        case SQL_ATTR_IMP_ROW_DESC:
        case SQL_ATTR_IMP_PARAM_DESC:
            fail("HY017", 0, "[Fake]Invalid use of an automatically allocated descriptor handle");
        default:
            s.integerAttributes[attribute] = n;
            return SQL_SUCCESS;
    }
}

SQLRETURN getStmtAttr(Stmt& s, SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER* length) {
    auto putPointer = [&](void* p) {
        if (value != nullptr) std::memcpy(value, &p, sizeof p);
        if (length != nullptr) *length = sizeof p;
        return SQL_SUCCESS;
    };
    SQLULEN out = 0;
    switch (attribute) {
        case SQL_ATTR_ROWS_FETCHED_PTR:
            return putPointer(s.rowsFetchedPtr);
        case SQL_ATTR_ROW_STATUS_PTR:
            return putPointer(s.rowStatusPtr);
        case SQL_ATTR_APP_ROW_DESC:
            return putPointer(s.ard);
        case SQL_ATTR_APP_PARAM_DESC:
            return putPointer(s.apd);
        case SQL_ATTR_IMP_ROW_DESC:
            return putPointer(s.implicitDescs[2].get());
        case SQL_ATTR_IMP_PARAM_DESC:
            return putPointer(s.implicitDescs[3].get());
        case SQL_ATTR_QUERY_TIMEOUT:
            out = s.queryTimeout;
            break;
        case SQL_ATTR_ROW_ARRAY_SIZE:
        case SQL_ATTR_PARAMSET_SIZE:
            out = 1;
            break;
        case SQL_ATTR_CURSOR_TYPE:
            out = SQL_CURSOR_FORWARD_ONLY;
            break;
        case SQL_ATTR_CONCURRENCY:
            out = SQL_CONCUR_READ_ONLY;
            break;
        case SQL_ATTR_ROW_NUMBER:
            out = s.onRow ? s.rowsDelivered : 0;
            break;
        case SQL_ATTR_CURSOR_SCROLLABLE:
            out = SQL_NONSCROLLABLE;
            break;
        case SQL_ATTR_CURSOR_SENSITIVITY:
            out = SQL_UNSPECIFIED;
            break;
        case SQL_ATTR_RETRIEVE_DATA:
            out = SQL_RD_ON;
            break;
        default: {
            auto it = s.integerAttributes.find(attribute);
            if (it != s.integerAttributes.end()) {
                out = it->second;
            } else if (attribute == SQL_ATTR_MAX_ROWS || attribute == SQL_ATTR_MAX_LENGTH ||
                       attribute == SQL_ATTR_NOSCAN || attribute == SQL_ATTR_ASYNC_ENABLE ||
                       attribute == SQL_ATTR_USE_BOOKMARKS || attribute == SQL_ATTR_KEYSET_SIZE ||
                       attribute == SQL_ATTR_METADATA_ID || attribute == SQL_ATTR_ENABLE_AUTO_IPD ||
                       attribute == SQL_ATTR_ROW_BIND_TYPE ||
                       attribute == SQL_ATTR_PARAM_BIND_TYPE ||
                       attribute == SQL_ATTR_SIMULATE_CURSOR) {
                out = 0;
            } else {
                fail("HY092", 0,
                     "[Fake]Invalid attribute/option identifier " + std::to_string(attribute));
            }
        }
    }
    if (value != nullptr) std::memcpy(value, &out, sizeof out);
    if (length != nullptr) *length = sizeof out;
    return SQL_SUCCESS;
}

void requestCancel(Stmt& s) {
    {
        std::lock_guard lock(s.waitMutex);
        s.cancelRequested = true;
    }
    s.waitCondition.notify_all();
}

// ---- diagnostics -----------------------------------------------------------------------
// These never throw: a diagnostic function posts no diagnostics of its own.

SQLRETURN getDiagRec(Handle& h, SQLSMALLINT record, void* state, SQLINTEGER* native, void* message,
                     SQLSMALLINT capacity, SQLSMALLINT* length, bool wide) {
    if (record < 1 || capacity < 0) return SQL_ERROR;
    if (static_cast<size_t>(record) > h.diag.records.size()) return SQL_NO_DATA;
    const ErrorRecord& r = h.diag.records[static_cast<size_t>(record - 1)];
    if (state != nullptr) copyText(r.sqlstate, state, 6, wide, false);
    if (native != nullptr) *native = static_cast<SQLINTEGER>(r.native);
    CopyResult c = copyText(r.message, message, capacity, wide, false);
    if (length != nullptr) *length = static_cast<SQLSMALLINT>(c.length);
    return c.truncated && message != nullptr ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN getDiagField(Handle& h, SQLSMALLINT record, SQLSMALLINT field, SQLPOINTER value,
                       SQLSMALLINT capacity, SQLSMALLINT* length, bool wide) {
    auto put = [&](auto n) {
        if (value != nullptr) std::memcpy(value, &n, sizeof n);
        if (length != nullptr) *length = sizeof n;
        return SQL_SUCCESS;
    };
    auto text = [&](const std::string& t) -> SQLRETURN {
        if (capacity < 0) return SQL_ERROR;
        CopyResult c = copyText(t, value, capacity, wide, true);
        if (length != nullptr) *length = static_cast<SQLSMALLINT>(c.length);
        return c.truncated && value != nullptr ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
    };
    // Header fields.
    switch (field) {
        case SQL_DIAG_NUMBER:
            return put(static_cast<SQLINTEGER>(h.diag.records.size()));
        case SQL_DIAG_RETURNCODE:
            return put(static_cast<SQLRETURN>(h.diag.returnCode));
        case SQL_DIAG_ROW_COUNT:
        case SQL_DIAG_CURSOR_ROW_COUNT: {
            if (h.kind != Kind::Stmt) return SQL_ERROR;
            return put(static_cast<SQLLEN>(static_cast<Stmt&>(h).rowCount));
        }
        case SQL_DIAG_DYNAMIC_FUNCTION:
            return text("");
        case SQL_DIAG_DYNAMIC_FUNCTION_CODE:
            return put(static_cast<SQLINTEGER>(SQL_DIAG_UNKNOWN_STATEMENT));
        default:
            break;
    }
    if (record < 1) return SQL_ERROR;
    if (static_cast<size_t>(record) > h.diag.records.size()) return SQL_NO_DATA;
    const ErrorRecord& r = h.diag.records[static_cast<size_t>(record - 1)];
    switch (field) {
        case SQL_DIAG_SQLSTATE:
            return text(r.sqlstate);
        case SQL_DIAG_NATIVE:
            return put(static_cast<SQLINTEGER>(r.native));
        case SQL_DIAG_MESSAGE_TEXT:
            return text(r.message);
        case SQL_DIAG_CLASS_ORIGIN:
            return text(r.sqlstate.rfind("IM", 0) == 0 ? "ODBC 3.0" : "ISO 9075");
        case SQL_DIAG_SUBCLASS_ORIGIN:
            return text(r.sqlstate.size() == 5 && r.sqlstate.substr(2) == "000" ? "ISO 9075"
                                                                                : "ODBC 3.0");
        case SQL_DIAG_CONNECTION_NAME:
            return text("");
        case SQL_DIAG_SERVER_NAME: {
            Dbc* dbc = h.kind == Kind::Dbc    ? &static_cast<Dbc&>(h)
                       : h.kind == Kind::Stmt ? static_cast<Stmt&>(h).dbc
                                              : nullptr;
            return text(dbc != nullptr ? dbc->dataSource : "");
        }
        case SQL_DIAG_COLUMN_NUMBER:
            return put(static_cast<SQLINTEGER>(SQL_COLUMN_NUMBER_UNKNOWN));
        case SQL_DIAG_ROW_NUMBER:
            return put(static_cast<SQLLEN>(SQL_ROW_NUMBER_UNKNOWN));
        default:
            return SQL_ERROR;
    }
}

SQLRETURN sqlError(Handle& h, void* state, SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                   SQLSMALLINT* length, bool wide) {
    if (h.diag.nextForSqlError >= h.diag.records.size()) return SQL_NO_DATA;
    auto record = static_cast<SQLSMALLINT>(++h.diag.nextForSqlError);
    return getDiagRec(h, record, state, native, message, capacity, length, wide);
}

}  // namespace odbcfake
