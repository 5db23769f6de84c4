// SPDX-License-Identifier: Apache-2.0
#include "differential.h"

#include <sys/stat.h>

#include <fstream>

namespace ort_it {

Pass::Pass(const Backend& backend, std::string dsn_name, bool through_retry, Transcript& transcript)
    : b(backend), dsn(std::move(dsn_name)), retry(through_retry), t(transcript) {
    if (env_value(b.needs).empty()) {
        ADD_FAILURE() << b.needs << " is not set: backend " << b.name << " is not configured. "
                      << environment_hint();
        return;
    }
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
    SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
    std::string cs = "DSN=" + dsn + ";";
    SQLCHAR out[2048];
    SQLSMALLINT out_length = 0;
    SQLRETURN rc = SQLDriverConnect(dbc, nullptr, reinterpret_cast<SQLCHAR*>(cs.data()), SQL_NTS,
                                    out, sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
    // The output connection string is not recorded: a real driver returns its own complete
    // string (every key of the DSN), odbc-retry returns the application's string unchanged so
    // that no secret of the target DSN leaks (checked in bad_input_test.cpp).
    cn("SQLDriverConnect(DSN=<the backend's DSN>)", rc);
    ok = SQL_SUCCEEDED(rc);
    if (!ok) ADD_FAILURE() << "cannot connect to " << dsn << ": " << diag_text(SQL_HANDLE_DBC, dbc);
}

Pass::~Pass() {
    if (ok) {
        // Leave no transaction open, whatever the body did.
        SQLEndTran(SQL_HANDLE_DBC, dbc, SQL_ROLLBACK);
        SQLSetConnectAttr(dbc, SQL_ATTR_AUTOCOMMIT, reinterpret_cast<SQLPOINTER>(SQL_AUTOCOMMIT_ON),
                          0);
        SQLDisconnect(dbc);
    }
    if (dbc) SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    if (env) SQLFreeHandle(SQL_HANDLE_ENV, env);
}

void Pass::diag_lines(SQLSMALLINT type, SQLHANDLE handle) {
    if (w_emulated()) return diag_lines_w_rule(type, handle, false);  // DM-W5
    for (SQLSMALLINT i = 1; i < 100; ++i) {
        SQLCHAR state[8] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[4096];
        std::memset(message, 0xCC, sizeof message);
        SQLSMALLINT length = -1;
        SQLRETURN rc =
            SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (rc == SQL_NO_DATA) break;
        if (!SQL_SUCCEEDED(rc)) {
            t.add(fmt("  diag %d -> %s", i, rc_name(rc).c_str()));
            break;
        }
        size_t shown = strnlen(reinterpret_cast<char*>(message), sizeof message);
        t.add(fmt("  diag %d: %s native=%d len=%d '%s'", i,
                  printable(state, strnlen(reinterpret_cast<char*>(state), 6)).c_str(),
                  static_cast<int>(native), static_cast<int>(length),
                  printable(message, shown).c_str()));
    }
}

SQLRETURN Pass::rec(const std::string& what, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle) {
    t.add(what + " -> " + rc_name(rc));
    if (rc != SQL_INVALID_HANDLE && handle) diag_lines(type, handle);
    return rc;
}

std::string Pass::pointer(const void* p) const {
    if (!p) return "null";
    auto it = pointers_.find(p);
    if (it != pointers_.end()) return "&" + it->second;
    return "(a pointer not ours)";
}

// ---- W-form calls on an ANSI-only target: THE rule (see differential.h) ----------------------

namespace {
// DM-W5: the two texts of "this function is not supported" (the driver manager's, odbc-retry's),
// and what a record with either is recorded as.
const char* const kDmNotSupported =
    "[unixODBC][Driver Manager]Driver does not support this function";
const char* const kRetryNotSupported = "[odbc-retry] the target driver does not support ";
const char* const kNotSupported = "function not supported (text not compared: W rule DM-W5)";
}  // namespace

SQLRETURN Pass::w_rec(const std::string& what, SQLRETURN rc, SQLSMALLINT type, SQLHANDLE handle,
                      WOut out) {
    if (!w_emulated()) return rec(what, rc, type, handle);
    t.add(what + " -> " + (out == WOut::Text ? w_rc(rc) : rc_name(rc)));
    if (rc != SQL_INVALID_HANDLE && handle) diag_lines_w_rule(type, handle, out == WOut::Text);
    return rc;
}

std::string Pass::w_rc(SQLRETURN rc) const {
    if (w_emulated() && SQL_SUCCEEDED(rc))
        return "succeeded (W rule DM-W2: SUCCESS or SUCCESS_WITH_INFO)";
    return rc_name(rc);
}

void Pass::w_diag_lines(SQLSMALLINT type, SQLHANDLE handle) {
    if (w_emulated())
        diag_lines_w_rule(type, handle, true);
    else
        diag_lines(type, handle);
}

void Pass::diag_lines_w_rule(SQLSMALLINT type, SQLHANDLE handle, bool returns_text) {
    int shown = 0;
    for (SQLSMALLINT i = 1; i < 100; ++i) {
        SQLCHAR state[8] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[4096];
        std::memset(message, 0xCC, sizeof message);
        SQLSMALLINT length = -1;
        SQLRETURN rc =
            SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (rc == SQL_NO_DATA) break;
        if (!SQL_SUCCEEDED(rc)) {
            t.add(fmt("  diag %d -> %s", ++shown, rc_name(rc).c_str()));
            break;
        }
        const std::string sqlstate = printable(state, strnlen(reinterpret_cast<char*>(state), 6));
        if (returns_text && sqlstate == "01004") continue;  // DM-W2
        size_t n = strnlen(reinterpret_cast<char*>(message), sizeof message);
        const std::string text(reinterpret_cast<char*>(message), n);
        if (sqlstate == "IM001" &&
            (text == kDmNotSupported || text.rfind(kRetryNotSupported, 0) == 0)) {  // DM-W5
            t.add(fmt("  diag %d: IM001 native=%d %s", ++shown, static_cast<int>(native),
                      kNotSupported));
            continue;
        }
        t.add(fmt("  diag %d: %s native=%d len=%d '%s'", ++shown, sqlstate.c_str(),
                  static_cast<int>(native), static_cast<int>(length),
                  printable(message, n).c_str()));
    }
}

std::string Pass::w_len(long length) const {
    if (w_emulated()) return "len=(not compared: W rule DM-W3)";
    return "len=" + std::to_string(length);
}

std::string Pass::w_text(const SQLWCHAR* buffer, size_t capacity_chars, long reported_chars) const {
    if (capacity_chars == 0) return "";
    size_t n = wlen(buffer, capacity_chars);
    if (w_emulated()) n = reported_chars <= 0 ? 0 : std::min(n, capacity_chars - 1);
    return printable(from_w(buffer, n));
}

std::string Pass::w_buffer(const void* buffer, size_t bytes) const {
    if (w_emulated()) return "(not compared: W rule DM-W4)";
    return hash_tag(buffer, bytes);
}

std::string Pass::w_hex(const void* buffer, size_t bytes, size_t capacity_bytes) const {
    if (!w_emulated()) return hex(buffer, bytes);
    const size_t capacity_chars = capacity_bytes / sizeof(SQLWCHAR);
    if (capacity_chars == 0) return "";
    const size_t n =
        std::min(wlen(static_cast<const SQLWCHAR*>(buffer), capacity_chars), capacity_chars - 1);
    return hex(buffer, n * sizeof(SQLWCHAR));
}

Pass::WDependent::WDependent(Pass& r) : r_(r) {
    if (r_.w_emulated()) r_.t.set_prefix(kWDependent);
}

Pass::WDependent::~WDependent() {
    r_.t.set_prefix("");
}

std::string Pass::cursor_name(const std::string& name) {
    auto all_hex = [](const std::string& s) {
        return !s.empty() && s.find_first_not_of("0123456789abcdefABCDEFx") == std::string::npos;
    };
    if (name.rfind("SQL_CUR", 0) == 0 && all_hex(name.substr(7)))
        return "<generated: SQL_CUR + address>";
    if (name.rfind("CUR_", 0) == 0 && name.size() == 20 && all_hex(name.substr(4)))
        return "<generated: CUR_ + address>";
    return name;
}

SQLHSTMT Pass::alloc_stmt() {
    SQLHSTMT s = SQL_NULL_HSTMT;
    cn("SQLAllocHandle(STMT)", SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s));
    return s;
}

void Pass::free_stmt(SQLHSTMT s) {
    if (s)
        rec("SQLFreeHandle(STMT)", SQLFreeHandle(SQL_HANDLE_STMT, s), SQL_HANDLE_STMT,
            SQL_NULL_HANDLE);
}

SQLRETURN Pass::exec(SQLHSTMT s, const std::string& sql) {
    return st("SQLExecDirect[" + printable(sql.substr(0, 300)) + "]",
              SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS),
              s);
}

SQLRETURN Pass::execw(SQLHSTMT s, const std::string& sql) {
    WString w = to_w(sql);
    return w_st("SQLExecDirectW[" + printable(sql.substr(0, 300)) + "]",
                SQLExecDirectW(s, w.data(), SQL_NTS), s);
}

SQLRETURN Pass::prepare(SQLHSTMT s, const std::string& sql) {
    return st("SQLPrepare[" + printable(sql) + "]",
              SQLPrepare(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS),
              s);
}

SQLRETURN Pass::preparew(SQLHSTMT s, const std::string& sql) {
    WString w = to_w(sql);
    return w_st("SQLPrepareW[" + printable(sql) + "]",
                SQLPrepareW(s, w.data(), static_cast<SQLINTEGER>(w.size())), s);
}

SQLRETURN Pass::sql(const std::string& text) {
    Stmt s(*this);
    return exec(s, text);
}

void Pass::quiet(const std::string& sql) {
    SQLHSTMT s = SQL_NULL_HSTMT;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_STMT, dbc, &s))) return;
    SQLExecDirect(s, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    SQLFreeHandle(SQL_HANDLE_STMT, s);
}

// ---- C types ---------------------------------------------------------------------------------

SQLSMALLINT native_c_type(SQLSMALLINT sql_type) {
    switch (sql_type) {
        case SQL_INTEGER:
            return SQL_C_SLONG;
        case SQL_SMALLINT:
            return SQL_C_SSHORT;
        case SQL_TINYINT:
            return SQL_C_STINYINT;
        case SQL_BIGINT:
            return SQL_C_SBIGINT;
        case SQL_BIT:
            return SQL_C_BIT;
        case SQL_REAL:
            return SQL_C_FLOAT;
        case SQL_FLOAT:
        case SQL_DOUBLE:
            return SQL_C_DOUBLE;
        case SQL_NUMERIC:
        case SQL_DECIMAL:
            return SQL_C_NUMERIC;
        case SQL_TYPE_DATE:
        case SQL_DATE:
            return SQL_C_TYPE_DATE;
        case SQL_TYPE_TIME:
        case SQL_TIME:
            return SQL_C_TYPE_TIME;
        case SQL_TYPE_TIMESTAMP:
        case SQL_TIMESTAMP:
            return SQL_C_TYPE_TIMESTAMP;
        case SQL_BINARY:
        case SQL_VARBINARY:
        case SQL_LONGVARBINARY:
            return SQL_C_BINARY;
        case SQL_GUID:
            return SQL_C_GUID;
        case SQL_WCHAR:
        case SQL_WVARCHAR:
        case SQL_WLONGVARCHAR:
            return SQL_C_WCHAR;
        default:
            return SQL_C_CHAR;
    }
}

size_t fixed_c_size(SQLSMALLINT c_type) {
    switch (c_type) {
        case SQL_C_SLONG:
        case SQL_C_ULONG:
        case SQL_C_LONG:
            return sizeof(SQLINTEGER);
        case SQL_C_SSHORT:
        case SQL_C_USHORT:
        case SQL_C_SHORT:
            return sizeof(SQLSMALLINT);
        case SQL_C_SBIGINT:
        case SQL_C_UBIGINT:
            return sizeof(SQLBIGINT);
        case SQL_C_STINYINT:
        case SQL_C_UTINYINT:
        case SQL_C_TINYINT:
        case SQL_C_BIT:
            return 1;
        case SQL_C_DOUBLE:
            return sizeof(SQLDOUBLE);
        case SQL_C_FLOAT:
            return sizeof(SQLREAL);
        case SQL_C_TYPE_DATE:
        case SQL_C_DATE:
            return sizeof(SQL_DATE_STRUCT);
        case SQL_C_TYPE_TIME:
        case SQL_C_TIME:
            return sizeof(SQL_TIME_STRUCT);
        case SQL_C_TYPE_TIMESTAMP:
        case SQL_C_TIMESTAMP:
            return sizeof(SQL_TIMESTAMP_STRUCT);
        case SQL_C_NUMERIC:
            return sizeof(SQL_NUMERIC_STRUCT);
        case SQL_C_GUID:
            return sizeof(SQLGUID);
        default:
            return 0;
    }
}

const char* c_type_name(SQLSMALLINT c_type) {
    switch (c_type) {
        case SQL_C_CHAR:
            return "SQL_C_CHAR";
        case SQL_C_WCHAR:
            return "SQL_C_WCHAR";
        case SQL_C_BINARY:
            return "SQL_C_BINARY";
        case SQL_C_SLONG:
            return "SQL_C_SLONG";
        case SQL_C_ULONG:
            return "SQL_C_ULONG";
        case SQL_C_LONG:
            return "SQL_C_LONG";
        case SQL_C_SSHORT:
            return "SQL_C_SSHORT";
        case SQL_C_SBIGINT:
            return "SQL_C_SBIGINT";
        case SQL_C_STINYINT:
            return "SQL_C_STINYINT";
        case SQL_C_UTINYINT:
            return "SQL_C_UTINYINT";
        case SQL_C_BIT:
            return "SQL_C_BIT";
        case SQL_C_DOUBLE:
            return "SQL_C_DOUBLE";
        case SQL_C_FLOAT:
            return "SQL_C_FLOAT";
        case SQL_C_TYPE_DATE:
            return "SQL_C_TYPE_DATE";
        case SQL_C_TYPE_TIME:
            return "SQL_C_TYPE_TIME";
        case SQL_C_TYPE_TIMESTAMP:
            return "SQL_C_TYPE_TIMESTAMP";
        case SQL_C_NUMERIC:
            return "SQL_C_NUMERIC";
        case SQL_C_GUID:
            return "SQL_C_GUID";
        default:
            return "SQL_C_?";
    }
}

std::string format_fixed(SQLSMALLINT c_type, const void* p) {
    switch (c_type) {
        case SQL_C_SLONG:
        case SQL_C_LONG: {
            SQLINTEGER v;
            std::memcpy(&v, p, sizeof v);
            return std::to_string(v);
        }
        case SQL_C_ULONG: {
            SQLUINTEGER v;
            std::memcpy(&v, p, sizeof v);
            return std::to_string(v);
        }
        case SQL_C_SSHORT:
        case SQL_C_SHORT: {
            SQLSMALLINT v;
            std::memcpy(&v, p, sizeof v);
            return std::to_string(v);
        }
        case SQL_C_SBIGINT: {
            SQLBIGINT v;
            std::memcpy(&v, p, sizeof v);
            return std::to_string(v);
        }
        case SQL_C_STINYINT:
        case SQL_C_TINYINT:
            return std::to_string(static_cast<int>(*static_cast<const signed char*>(p)));
        case SQL_C_UTINYINT:
        case SQL_C_BIT:
            return std::to_string(static_cast<int>(*static_cast<const unsigned char*>(p)));
        case SQL_C_DOUBLE: {
            double v;
            std::memcpy(&v, p, sizeof v);
            return fmt("%.17g", v);
        }
        case SQL_C_FLOAT: {
            float v;
            std::memcpy(&v, p, sizeof v);
            return fmt("%.9g", static_cast<double>(v));
        }
        case SQL_C_TYPE_DATE:
        case SQL_C_DATE: {
            SQL_DATE_STRUCT d;
            std::memcpy(&d, p, sizeof d);
            return fmt("%04d-%02u-%02u", d.year, d.month, d.day);
        }
        case SQL_C_TYPE_TIME:
        case SQL_C_TIME: {
            SQL_TIME_STRUCT d;
            std::memcpy(&d, p, sizeof d);
            return fmt("%02u:%02u:%02u", d.hour, d.minute, d.second);
        }
        case SQL_C_TYPE_TIMESTAMP:
        case SQL_C_TIMESTAMP: {
            SQL_TIMESTAMP_STRUCT d;
            std::memcpy(&d, p, sizeof d);
            return fmt("%04d-%02u-%02u %02u:%02u:%02u.%09u", d.year, d.month, d.day, d.hour,
                       d.minute, d.second, static_cast<unsigned>(d.fraction));
        }
        case SQL_C_NUMERIC: {
            SQL_NUMERIC_STRUCT n;
            std::memcpy(&n, p, sizeof n);
            return fmt("numeric(precision=%u scale=%d sign=%u val=%s)", n.precision, n.scale,
                       n.sign, hex(n.val, sizeof n.val).c_str());
        }
        case SQL_C_GUID:
            return "guid " + hex(p, sizeof(SQLGUID));
        default:
            return "?";
    }
}

// ---- results ---------------------------------------------------------------------------------

void Pass::get_cell(SQLHSTMT s, SQLUSMALLINT column, SQLSMALLINT c_type, SQLLEN chunk,
                    const std::string& label, std::string* collect, bool show) {
    const size_t fixed = fixed_c_size(c_type);
    if (fixed) {
        unsigned char buffer[64];
        std::memset(buffer, 0xCC, sizeof buffer);
        SQLLEN indicator = -777;
        SQLRETURN rc =
            SQLGetData(s, column, c_type, buffer, static_cast<SQLLEN>(fixed), &indicator);
        std::string what =
            fmt("%s SQLGetData(col %u, %s) -> %s ind=%s", label.c_str(), column,
                c_type_name(c_type), rc_name(rc).c_str(), len_str(indicator).c_str());
        if (SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA)
            what += " value=" + format_fixed(c_type, buffer) + " bytes=" + hex(buffer, fixed);
        // Nothing may be written past the value's own size.
        what += " tail=" + hash_str(buffer + fixed, sizeof buffer - fixed);
        t.add(what);
        if (rc != SQL_SUCCESS) diag_lines(SQL_HANDLE_STMT, s);
        if (collect && SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA)
            collect->assign(reinterpret_cast<char*>(buffer), fixed);
        return;
    }
    // Variable length: SQL_C_CHAR / SQL_C_WCHAR (terminated) or SQL_C_BINARY.
    const size_t terminator = c_type == SQL_C_CHAR    ? 1
                              : c_type == SQL_C_WCHAR ? sizeof(SQLWCHAR)
                                                      : 0;
    std::vector<unsigned char> buffer(static_cast<size_t>(chunk) + 16);
    std::string value;
    for (int part = 0; part < 100000; ++part) {
        std::fill(buffer.begin(), buffer.end(), 0xCC);
        SQLLEN indicator = -777;
        SQLRETURN rc = SQLGetData(s, column, c_type, buffer.data(), chunk, &indicator);
        std::string what = fmt("%s SQLGetData(col %u, %s, %ld) part %d -> %s ind=%s", label.c_str(),
                               column, c_type_name(c_type), static_cast<long>(chunk), part,
                               rc_name(rc).c_str(), len_str(indicator).c_str());
        if (SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA) {
            size_t room = static_cast<size_t>(chunk) - terminator;
            if (c_type == SQL_C_WCHAR) room -= room % sizeof(SQLWCHAR);
            size_t got =
                indicator == SQL_NO_TOTAL || indicator < 0 || static_cast<size_t>(indicator) > room
                    ? room
                    : static_cast<size_t>(indicator);
            std::string piece(reinterpret_cast<char*>(buffer.data()), got);
            value += piece;
            if (show) {
                what += " data='" +
                        (c_type == SQL_C_WCHAR
                             ? printable(from_w(reinterpret_cast<const SQLWCHAR*>(piece.data()),
                                                piece.size() / sizeof(SQLWCHAR)))
                         : c_type == SQL_C_BINARY ? hex(piece.data(), piece.size())
                                                  : printable(piece)) +
                        "'";
            } else {
                what +=
                    fmt(" data=%zu bytes #%s", got, hash_str(piece.data(), piece.size()).c_str());
            }
        }
        // The whole buffer: the terminator and anything written past the data.
        what += " buffer=#" + hash_str(buffer.data(), buffer.size());
        t.add(what);
        if (rc != SQL_SUCCESS) diag_lines(SQL_HANDLE_STMT, s);
        bool truncated = rc == SQL_SUCCESS_WITH_INFO && indicator != SQL_NULL_DATA &&
                         (indicator == SQL_NO_TOTAL ||
                          indicator > static_cast<SQLLEN>(chunk - static_cast<SQLLEN>(terminator)));
        if (!truncated) {
            if (SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA && part > 0) {
                // After the last part the next call must say there is nothing left.
                SQLLEN after = -777;
                SQLRETURN rc2 = SQLGetData(s, column, c_type, buffer.data(), chunk, &after);
                t.add(fmt("%s SQLGetData(col %u) after the last part -> %s ind=%s", label.c_str(),
                          column, rc_name(rc2).c_str(), len_str(after).c_str()));
                if (rc2 != SQL_SUCCESS && rc2 != SQL_NO_DATA) diag_lines(SQL_HANDLE_STMT, s);
            }
            if (SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA && collect) *collect = value;
            if (!show && SQL_SUCCEEDED(rc))
                t.add(fmt("%s value: %zu bytes #%s", label.c_str(), value.size(),
                          hash_str(value.data(), value.size()).c_str()));
            return;
        }
    }
    t.add(label + " gave up after 100000 parts");
}

int Pass::dump_result(SQLHSTMT s, Fetch how, int max_rows) {
    SQLSMALLINT columns = -1;
    st("SQLNumResultCols", SQLNumResultCols(s, &columns), s);
    note(fmt("  columns=%d", columns));
    if (columns <= 0) return 0;
    std::vector<SQLSMALLINT> types(static_cast<size_t>(columns) + 1, SQL_CHAR);
    std::vector<SQLUSMALLINT> server_assigned;
    for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(columns); ++c) {
        SQLCHAR name[256];
        std::memset(name, 0xCC, sizeof name);
        SQLSMALLINT name_length = -1, type = -1, digits = -1, nullable = -1;
        SQLULEN size = 777;
        SQLRETURN rc =
            SQLDescribeCol(s, c, name, sizeof name, &name_length, &type, &size, &digits, &nullable);
        note(
            fmt("  SQLDescribeCol(%u) -> %s name='%s' name_length=%d type=%d size=%lu digits=%d "
                "nullable=%d",
                c, rc_name(rc).c_str(),
                SQL_SUCCEEDED(rc)
                    ? printable(name, strnlen(reinterpret_cast<char*>(name), sizeof name)).c_str()
                    : "",
                name_length, type, static_cast<unsigned long>(size), digits, nullable));
        if (rc != SQL_SUCCESS) diag_lines(SQL_HANDLE_STMT, s);
        types[c] = type;
        // psqlODBC's SQLColumns adds a "TABLE OID" column: the server assigns a new OID to
        // every CREATE TABLE, and each pass creates its tables afresh.
        if (SQL_SUCCEEDED(rc) && std::string(reinterpret_cast<char*>(name)) == "TABLE OID")
            server_assigned.push_back(c);
    }
    int rows = 0;
    for (; rows < max_rows; ++rows) {
        SQLRETURN rc = SQLFetch(s);
        if (rc == SQL_NO_DATA) {
            note(fmt("  SQLFetch -> SQL_NO_DATA after %d rows", rows));
            break;
        }
        st(fmt("  SQLFetch row %d", rows + 1), rc, s);
        if (!SQL_SUCCEEDED(rc)) break;
        for (SQLUSMALLINT c = 1; c <= static_cast<SQLUSMALLINT>(columns); ++c) {
            SQLSMALLINT c_type = how == Fetch::Char    ? SQL_C_CHAR
                                 : how == Fetch::WChar ? SQL_C_WCHAR
                                                       : native_c_type(types[c]);
            if (std::find(server_assigned.begin(), server_assigned.end(), c) !=
                server_assigned.end()) {
                SQLLEN ind = 0;
                char buffer[64];
                SQLRETURN rc2 = SQLGetData(s, c, SQL_C_CHAR, buffer, sizeof buffer, &ind);
                note(fmt(
                    "    r%d SQLGetData(col %u) -> %s (value not recorded: server-assigned OID)",
                    rows + 1, c, rc_name(rc2).c_str()));
                continue;
            }
            get_cell(s, c, c_type, 512, fmt("    r%d", rows + 1));
        }
    }
    return rows;
}

// ---- running both ----------------------------------------------------------------------------

void differential(const Backend& backend, const std::string& test_name, const Body& body) {
    Transcript direct, retry;
    {
        SCOPED_TRACE(std::string("direct DSN ") + backend.direct);
        Pass r(backend, backend.direct, false, direct);
        if (!r.ok) return;
        body(r);
    }
    // ORT_DIFFERENTIAL_SELF=1 runs the direct DSN twice instead: a difference then shows
    // output that is not reproducible with the driver alone (uninitialised memory, server-side
    // identifiers), which must be normalised, not reported as a bug of odbc-retry.
    const bool self_check = env_value("ORT_DIFFERENTIAL_SELF") == "1";
    const char* second = self_check ? backend.direct : backend.retry;
    {
        SCOPED_TRACE(std::string("second DSN ") + second);
        Pass r(backend, second, !self_check, retry);
        if (!r.ok) return;
        body(r);
    }
    if (std::string dir = env_value("ORT_TRANSCRIPT_DIR"); !dir.empty()) {
        mkdir(dir.c_str(), 0755);
        std::ofstream(dir + "/" + test_name + "." + backend.name + ".direct.txt") << direct.text();
        std::ofstream(dir + "/" + test_name + "." + backend.name +
                      (self_check ? ".self.txt" : ".retry.txt"))
            << retry.text();
    }
    EXPECT_GT(direct.lines().size(), 1u) << "the test recorded nothing";
    std::vector<std::string> a = direct.lines(), b = retry.lines();
    if (a != b) {
        ADD_FAILURE() << "the transcripts through " << backend.direct << " and " << second
                      << " differ (" << a.size() << " and " << b.size() << " lines):\n"
                      << diff_lines(a, b, backend.direct, second)
                      << "(set ORT_TRANSCRIPT_DIR=DIR to keep both transcripts)";
    }
}

}  // namespace ort_it
