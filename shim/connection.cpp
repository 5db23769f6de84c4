#include <algorithm>
#include <cstring>

#include "shim/convert.h"
#include "shim/handles.h"
#include "shim/log.h"

namespace odbcretry {

namespace {

// The SQL_API_* numbers of every function odbc-retry exports, with the target's A and W forms.
struct FunctionEntry {
    SQLUSMALLINT id;
    bool (*present)(const TargetApi&);
};
#define PRESENT(a) [](const TargetApi& t) { return t.a != nullptr; }
#define PRESENT2(a) [](const TargetApi& t) { return t.a != nullptr || t.a##W != nullptr; }
const FunctionEntry kExported[] = {
    {SQL_API_SQLALLOCHANDLE, PRESENT(SQLAllocHandle)}, {SQL_API_SQLFREEHANDLE, PRESENT(SQLFreeHandle)},
    {SQL_API_SQLFREESTMT, PRESENT(SQLFreeStmt)}, {SQL_API_SQLSETENVATTR, PRESENT(SQLSetEnvAttr)},
    {SQL_API_SQLGETENVATTR, PRESENT(SQLGetEnvAttr)}, {SQL_API_SQLSETCONNECTATTR, PRESENT2(SQLSetConnectAttr)},
    {SQL_API_SQLGETCONNECTATTR, PRESENT2(SQLGetConnectAttr)}, {SQL_API_SQLSETSTMTATTR, PRESENT2(SQLSetStmtAttr)},
    {SQL_API_SQLGETSTMTATTR, PRESENT2(SQLGetStmtAttr)}, {SQL_API_SQLCONNECT, PRESENT2(SQLDriverConnect)},
    {SQL_API_SQLDRIVERCONNECT, PRESENT2(SQLDriverConnect)}, {SQL_API_SQLBROWSECONNECT, PRESENT2(SQLBrowseConnect)},
    {SQL_API_SQLDISCONNECT, PRESENT(SQLDisconnect)}, {SQL_API_SQLGETINFO, PRESENT2(SQLGetInfo)},
    {SQL_API_SQLGETFUNCTIONS, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETTYPEINFO, PRESENT2(SQLGetTypeInfo)}, {SQL_API_SQLPREPARE, PRESENT2(SQLPrepare)},
    {SQL_API_SQLEXECUTE, PRESENT(SQLExecute)}, {SQL_API_SQLEXECDIRECT, PRESENT2(SQLExecDirect)},
    {SQL_API_SQLNATIVESQL, PRESENT2(SQLNativeSql)}, {SQL_API_SQLBINDPARAMETER, PRESENT(SQLBindParameter)},
    {SQL_API_SQLDESCRIBEPARAM, PRESENT(SQLDescribeParam)}, {SQL_API_SQLNUMPARAMS, PRESENT(SQLNumParams)},
    {SQL_API_SQLPARAMDATA, PRESENT(SQLParamData)}, {SQL_API_SQLPUTDATA, PRESENT(SQLPutData)},
    {SQL_API_SQLNUMRESULTCOLS, PRESENT(SQLNumResultCols)}, {SQL_API_SQLDESCRIBECOL, PRESENT2(SQLDescribeCol)},
    {SQL_API_SQLCOLATTRIBUTE, PRESENT2(SQLColAttribute)}, {SQL_API_SQLBINDCOL, PRESENT(SQLBindCol)},
    {SQL_API_SQLFETCH, PRESENT(SQLFetch)}, {SQL_API_SQLFETCHSCROLL, PRESENT(SQLFetchScroll)},
    {SQL_API_SQLEXTENDEDFETCH, PRESENT(SQLExtendedFetch)}, {SQL_API_SQLGETDATA, PRESENT(SQLGetData)},
    {SQL_API_SQLSETPOS, PRESENT(SQLSetPos)}, {SQL_API_SQLBULKOPERATIONS, PRESENT(SQLBulkOperations)},
    {SQL_API_SQLMORERESULTS, PRESENT(SQLMoreResults)}, {SQL_API_SQLROWCOUNT, PRESENT(SQLRowCount)},
    {SQL_API_SQLCLOSECURSOR, PRESENT(SQLCloseCursor)}, {SQL_API_SQLCANCEL, PRESENT(SQLCancel)},
    {SQL_API_SQLCANCELHANDLE, PRESENT(SQLCancel)}, {SQL_API_SQLENDTRAN, PRESENT(SQLEndTran)},
    {SQL_API_SQLGETCURSORNAME, PRESENT2(SQLGetCursorName)}, {SQL_API_SQLSETCURSORNAME, PRESENT2(SQLSetCursorName)},
    {SQL_API_SQLGETDIAGREC, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETDIAGFIELD, [](const TargetApi&) { return true; }},
    {SQL_API_SQLERROR, [](const TargetApi&) { return true; }},
    {SQL_API_SQLGETDESCFIELD, PRESENT2(SQLGetDescField)}, {SQL_API_SQLGETDESCREC, PRESENT2(SQLGetDescRec)},
    {SQL_API_SQLSETDESCFIELD, PRESENT2(SQLSetDescField)}, {SQL_API_SQLSETDESCREC, PRESENT(SQLSetDescRec)},
    {SQL_API_SQLCOPYDESC, PRESENT(SQLCopyDesc)}, {SQL_API_SQLTABLES, PRESENT2(SQLTables)},
    {SQL_API_SQLCOLUMNS, PRESENT2(SQLColumns)}, {SQL_API_SQLSTATISTICS, PRESENT2(SQLStatistics)},
    {SQL_API_SQLSPECIALCOLUMNS, PRESENT2(SQLSpecialColumns)}, {SQL_API_SQLPRIMARYKEYS, PRESENT2(SQLPrimaryKeys)},
    {SQL_API_SQLFOREIGNKEYS, PRESENT2(SQLForeignKeys)}, {SQL_API_SQLPROCEDURES, PRESENT2(SQLProcedures)},
    {SQL_API_SQLPROCEDURECOLUMNS, PRESENT2(SQLProcedureColumns)},
    {SQL_API_SQLTABLEPRIVILEGES, PRESENT2(SQLTablePrivileges)},
    {SQL_API_SQLCOLUMNPRIVILEGES, PRESENT2(SQLColumnPrivileges)},
};
#undef PRESENT
#undef PRESENT2

constexpr int kBitmapWords = SQL_API_ODBC3_ALL_FUNCTIONS_SIZE;

bool exported_and_present(const TargetApi& api, SQLUSMALLINT id) {
    for (const auto& e : kExported)
        if (e.id == id) return e.present(api);
    return false;
}

std::string read_text(const InText& t) { return t.utf8(); }

}  // namespace

Connection::Connection(Env* env) : HandleBase(SQL_HANDLE_DBC, HandleKind::Dbc), env_(env) {}

Connection::~Connection() = default;

SQLRETURN Connection::set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length, bool wide) {
    if (!target_) {
        // Before connect the target is unknown: keep an owned copy and apply it at connect.
        AttributeValue a;
        a.attribute = attribute;
        if (connect_attr_is_text(attribute)) {
            a.is_text = true;
            if (value) {
                if (wide)
                    a.text = to_utf8(static_cast<const SQLWCHAR*>(value),
                                     length == SQL_NTS || length < 0 ? SQL_NTS
                                                                     : length / static_cast<SQLINTEGER>(sizeof(SQLWCHAR)));
                else
                    a.text = length == SQL_NTS || length < 0
                                 ? std::string(static_cast<const char*>(value))
                                 : std::string(static_cast<const char*>(value), static_cast<size_t>(length));
            }
        } else {
            a.integer = value;
        }
        auto it = std::find_if(preconnect_attributes_.begin(), preconnect_attributes_.end(),
                               [&](const AttributeValue& v) { return v.attribute == attribute; });
        if (it != preconnect_attributes_.end()) *it = std::move(a);
        else preconnect_attributes_.push_back(std::move(a));
        return SQL_SUCCESS;
    }
    if (wide ? api_->SQLSetConnectAttrW != nullptr : api_->SQLSetConnectAttr != nullptr)
        return wide ? api_->SQLSetConnectAttrW(target_, attribute, value, length)
                    : api_->SQLSetConnectAttr(target_, attribute, value, length);
    if (!api_->SQLSetConnectAttr && !api_->SQLSetConnectAttrW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLSetConnectAttr");
    if (!connect_attr_is_text(attribute) || !value)
        return wide ? api_->SQLSetConnectAttr(target_, attribute, value, length)
                    : api_->SQLSetConnectAttrW(target_, attribute, value, length);
    InText in = wide ? InText::of(static_cast<const SQLWCHAR*>(value),
                                  length < 0 ? SQL_NTS : length / static_cast<SQLINTEGER>(sizeof(SQLWCHAR)))
                     : InText::narrow(static_cast<const SQLCHAR*>(value), length < 0 ? SQL_NTS : length);
    ConvertedText c = ConvertedText::from(in, !wide);
    if (wide)
        return api_->SQLSetConnectAttr(target_, attribute, c.a(), SQL_NTS);
    return api_->SQLSetConnectAttrW(target_, attribute, c.w(), SQL_NTS);
}

SQLRETURN Connection::get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                               SQLINTEGER* length, bool wide) {
    if (!target_ || !connected_) {
        for (const auto& a : preconnect_attributes_) {
            if (a.attribute != attribute) continue;
            if (a.is_text) {
                long full = 0;
                bool truncated =
                    wide ? copy_out(to_utf16(a.text), static_cast<SQLWCHAR*>(value),
                                    capacity / static_cast<long>(sizeof(SQLWCHAR)), &full)
                         : copy_out(a.text, static_cast<SQLCHAR*>(value), capacity, &full);
                if (length) *length = static_cast<SQLINTEGER>(wide ? full * sizeof(SQLWCHAR) : full);
                if (truncated) {
                    diag().post("01004", "[odbc-retry] String data, right truncated");
                    return SQL_SUCCESS_WITH_INFO;
                }
                return SQL_SUCCESS;
            }
            if (value) *static_cast<SQLULEN*>(value) = reinterpret_cast<SQLULEN>(a.integer);
            if (length) *length = sizeof(SQLULEN);
            return SQL_SUCCESS;
        }
        SQLULEN v;
        switch (attribute) {
            case SQL_ATTR_CONNECTION_DEAD: v = SQL_CD_TRUE; break;
            case SQL_ATTR_AUTOCOMMIT: v = SQL_AUTOCOMMIT_ON; break;
            case SQL_ATTR_ACCESS_MODE: v = SQL_MODE_READ_WRITE; break;
            case SQL_ATTR_LOGIN_TIMEOUT: v = 0; break;
            case SQL_ATTR_CONNECTION_TIMEOUT: v = 0; break;
            case SQL_ATTR_ODBC_CURSORS: v = SQL_CUR_USE_DRIVER; break;
            case SQL_ATTR_TRACE: v = SQL_OPT_TRACE_OFF; break;
            default:
                return fail("08003", "[odbc-retry] connection not open: attribute " +
                                         std::to_string(attribute) + " is known only after connect");
        }
        if (value) {
            if (attribute == SQL_ATTR_CONNECTION_DEAD || attribute == SQL_ATTR_LOGIN_TIMEOUT ||
                attribute == SQL_ATTR_CONNECTION_TIMEOUT || attribute == SQL_ATTR_AUTOCOMMIT ||
                attribute == SQL_ATTR_ACCESS_MODE || attribute == SQL_ATTR_TRACE)
                *static_cast<SQLUINTEGER*>(value) = static_cast<SQLUINTEGER>(v);
            else
                *static_cast<SQLULEN*>(value) = v;
        }
        if (length) *length = sizeof(SQLUINTEGER);
        return SQL_SUCCESS;
    }
    if (wide ? api_->SQLGetConnectAttrW != nullptr : api_->SQLGetConnectAttr != nullptr)
        return wide ? api_->SQLGetConnectAttrW(target_, attribute, value, capacity, length)
                    : api_->SQLGetConnectAttr(target_, attribute, value, capacity, length);
    if (!api_->SQLGetConnectAttr && !api_->SQLGetConnectAttrW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetConnectAttr");
    if (!connect_attr_is_text(attribute))
        return wide ? api_->SQLGetConnectAttr(target_, attribute, value, capacity, length)
                    : api_->SQLGetConnectAttrW(target_, attribute, value, capacity, length);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_converting(
        OutText{value, capacity, wide, true}, &full, !wide, truncated,
        [&](SQLPOINTER buffer, long cap, long* len) {
            SQLINTEGER l = 0;
            SQLRETURN r = wide ? api_->SQLGetConnectAttr(target_, attribute, buffer, static_cast<SQLINTEGER>(cap), &l)
                               : api_->SQLGetConnectAttrW(target_, attribute, buffer, static_cast<SQLINTEGER>(cap), &l);
            *len = l;
            return r;
        });
    if (length) *length = static_cast<SQLINTEGER>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Connection::get_info(SQLUSMALLINT type, SQLPOINTER value, SQLSMALLINT capacity,
                               SQLSMALLINT* length, bool wide) {
    if (!connected_) {
        const char* text = nullptr;
        switch (type) {
            case SQL_DRIVER_NAME: text = "libodbcretry.so"; break;
            case SQL_DRIVER_VER: text = "00.01.0000"; break;
            case SQL_DRIVER_ODBC_VER: text = "03.51"; break;
            default:
                return fail("08003", "[odbc-retry] connection not open: SQLGetInfo(" +
                                         std::to_string(type) + ") is answered by the target after connect");
        }
        long full = 0;
        bool truncated = wide ? copy_out(to_utf16(text), static_cast<SQLWCHAR*>(value),
                                         capacity / static_cast<long>(sizeof(SQLWCHAR)), &full)
                              : copy_out(text, static_cast<SQLCHAR*>(value), capacity, &full);
        if (length) *length = static_cast<SQLSMALLINT>(wide ? full * sizeof(SQLWCHAR) : full);
        if (truncated) {
            diag().post("01004", "[odbc-retry] String data, right truncated");
            return SQL_SUCCESS_WITH_INFO;
        }
        return SQL_SUCCESS;
    }
    if (wide ? api_->SQLGetInfoW != nullptr : api_->SQLGetInfo != nullptr)
        return wide ? api_->SQLGetInfoW(target_, type, value, capacity, length)
                    : api_->SQLGetInfo(target_, type, value, capacity, length);
    if (!api_->SQLGetInfo && !api_->SQLGetInfoW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetInfo");
    if (!info_is_text(type))
        return wide ? api_->SQLGetInfo(target_, type, value, capacity, length)
                    : api_->SQLGetInfoW(target_, type, value, capacity, length);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_converting(
        OutText{value, capacity, wide, true}, &full, !wide, truncated,
        [&](SQLPOINTER buffer, long cap, long* len) {
            SQLSMALLINT l = 0;
            auto c = static_cast<SQLSMALLINT>(std::min<long>(cap, 32766));
            SQLRETURN r = wide ? api_->SQLGetInfo(target_, type, buffer, c, &l)
                               : api_->SQLGetInfoW(target_, type, buffer, c, &l);
            *len = l;
            return r;
        });
    if (length) *length = static_cast<SQLSMALLINT>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Connection::get_functions(SQLUSMALLINT function, SQLUSMALLINT* supported) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!supported) return fail("HY009", "[odbc-retry] null output pointer");
    const TargetApi& api = *api_;
    SQLUSMALLINT target_answer[kBitmapWords] = {};
    bool asked = false;
    if (api.SQLGetFunctions) {
        SQLRETURN rc = api.SQLGetFunctions(target_, SQL_API_ODBC3_ALL_FUNCTIONS, target_answer);
        asked = SQL_SUCCEEDED(rc);
    }
    auto yes = [&](SQLUSMALLINT id) -> bool {
        if (!exported_and_present(api, id)) return false;
        if (!asked || id == SQL_API_SQLGETDIAGREC || id == SQL_API_SQLGETDIAGFIELD ||
            id == SQL_API_SQLERROR || id == SQL_API_SQLGETFUNCTIONS || id == SQL_API_SQLCANCELHANDLE)
            return true;
        return SQL_FUNC_EXISTS(target_answer, id) == SQL_TRUE;
    };
    if (function == SQL_API_ODBC3_ALL_FUNCTIONS) {
        std::memset(supported, 0, sizeof(SQLUSMALLINT) * kBitmapWords);
        for (const auto& e : kExported)
            if (yes(e.id)) supported[e.id >> 4] |= static_cast<SQLUSMALLINT>(1 << (e.id & 0xF));
        return SQL_SUCCESS;
    }
    if (function == SQL_API_ALL_FUNCTIONS) {
        std::memset(supported, 0, sizeof(SQLUSMALLINT) * 100);
        for (const auto& e : kExported)
            if (e.id < 100 && yes(e.id)) supported[e.id] = SQL_TRUE;
        return SQL_SUCCESS;
    }
    *supported = yes(function) ? SQL_TRUE : SQL_FALSE;
    return SQL_SUCCESS;
}

SQLRETURN Connection::end_tran(SQLSMALLINT completion) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!api_->SQLEndTran) return fail("IM001", "[odbc-retry] the target driver does not support SQLEndTran");
    return api_->SQLEndTran(SQL_HANDLE_DBC, target_, completion);
}

SQLRETURN Connection::native_sql(InText in, OutText out, SQLINTEGER* out_length) {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    auto* a = api_->SQLNativeSql;
    auto* w = api_->SQLNativeSqlW;
    if (!in.wide && a)
        return a(target_, const_cast<SQLCHAR*>(in.a()), static_cast<SQLINTEGER>(in.length),
                 static_cast<SQLCHAR*>(out.buffer), static_cast<SQLINTEGER>(out.capacity), out_length);
    if (in.wide && w)
        return w(target_, const_cast<SQLWCHAR*>(in.w()), static_cast<SQLINTEGER>(in.length),
                 static_cast<SQLWCHAR*>(out.buffer), static_cast<SQLINTEGER>(out.capacity), out_length);
    if (!a && !w) return fail("IM001", "[odbc-retry] the target driver does not support SQLNativeSql");
    ConvertedText c = ConvertedText::from(in, !in.wide);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_converting(out, &full, !in.wide, truncated, [&](SQLPOINTER buffer, long cap, long* len) {
        SQLINTEGER l = 0;
        SQLRETURN r = in.wide ? a(target_, c.a(), static_cast<SQLINTEGER>(c.length), static_cast<SQLCHAR*>(buffer),
                                  static_cast<SQLINTEGER>(cap), &l)
                              : w(target_, c.w(), static_cast<SQLINTEGER>(c.length), static_cast<SQLWCHAR*>(buffer),
                                  static_cast<SQLINTEGER>(cap), &l);
        *len = l;
        return r;
    });
    if (out_length) *out_length = static_cast<SQLINTEGER>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Connection::cancel_handle() {
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    if (!api_->SQLCancelHandle)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLCancelHandle on a connection");
    return api_->SQLCancelHandle(SQL_HANDLE_DBC, target_);
}

SQLRETURN Connection::alloc_statement(SQLHANDLE* out) {
    if (!out) return fail("HY009", "[odbc-retry] null output handle pointer");
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    SQLHSTMT target = nullptr;
    SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_STMT, target_, &target);
    if (!SQL_SUCCEEDED(rc)) return rc;
    auto s = std::make_unique<Statement>(this, target);
    {
        std::lock_guard lock(children_mutex_);
        statements_.push_back(s.get());
    }
    *out = s.release()->handle();
    return rc;
}

SQLRETURN Connection::alloc_descriptor(SQLHANDLE* out) {
    if (!out) return fail("HY009", "[odbc-retry] null output handle pointer");
    if (!connected_) return fail("08003", "[odbc-retry] connection not open");
    SQLHDESC target = nullptr;
    SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_DESC, target_, &target);
    if (!SQL_SUCCEEDED(rc)) return rc;
    auto d = std::make_unique<Descriptor>(this, nullptr, target);
    {
        std::lock_guard lock(children_mutex_);
        descriptors_.push_back(d.get());
    }
    *out = d.release()->handle();
    return rc;
}

void Connection::forget(Statement* s) {
    std::lock_guard lock(children_mutex_);
    statements_.erase(std::remove(statements_.begin(), statements_.end(), s), statements_.end());
}

void Connection::forget(Descriptor* d) {
    std::lock_guard lock(children_mutex_);
    descriptors_.erase(std::remove(descriptors_.begin(), descriptors_.end(), d), descriptors_.end());
}

Descriptor* Connection::explicit_descriptor(SQLHDESC target) {
    std::lock_guard lock(children_mutex_);
    for (Descriptor* d : descriptors_)
        if (d->target() == target) return d;
    return nullptr;
}

SQLRETURN Connection::disconnect() {
    if (!connected_ && !browsing_) return fail("08003", "[odbc-retry] connection not open");
    SQLRETURN rc = api_->SQLDisconnect(target_);
    if (rc == SQL_ERROR) return rc;
    if (rc == SQL_SUCCESS_WITH_INFO) diag().capture_target(diag_source());
    // The target freed its statements and descriptors with the connection: so do we.
    std::vector<Statement*> statements;
    std::vector<Descriptor*> descriptors;
    {
        std::lock_guard lock(children_mutex_);
        statements.swap(statements_);
        descriptors.swap(descriptors_);
    }
    for (Statement* s : statements) delete s;
    for (Descriptor* d : descriptors) delete d;
    api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
    target_ = nullptr;
    api_ = nullptr;
    driver_.reset();
    connected_ = false;
    browsing_ = false;
    return rc;
}

SQLRETURN Connection::free_handle() {
    if (connected_ || browsing_)
        return fail("HY010", "[odbc-retry] the connection is still open; call SQLDisconnect first");
    if (target_) api_->SQLFreeHandle(SQL_HANDLE_DBC, target_);
    target_ = nullptr;
    env_->forget(this);
    delete this;
    return SQL_SUCCESS;
}

// ---- connecting ----------------------------------------------------------------------------

SQLRETURN Connection::prepare_target(const std::vector<KeyValue>& pairs, const std::string& dsn,
                                     std::string& target_connection_string) {
    ConfigInputs inputs;
    inputs.dsn = dsn;
    inputs.connection_string = pairs;
    if (auto error = resolve_config(inputs, config_)) return fail(error->sqlstate.c_str(), error->message);
    configure_logging(config_);
    const Settings& s = config_.settings;

    std::string error;
    std::string library;
    std::vector<KeyValue> target_pairs;
    if (!s.target_dsn.empty()) {
        std::string driver = dsn_driver(s.target_dsn);
        if (driver.empty())
            return fail("IM002", "[odbc-retry] TargetDSN '" + s.target_dsn + "' (from " +
                                     config_.values["TargetDSN"].origin + ") is not a data source in odbc.ini");
        if (driver == "ODBC Retry" || driver.find("libodbcretry") != std::string::npos)
            return fail("HY000", "[odbc-retry] TargetDSN '" + s.target_dsn +
                                     "' points at odbc-retry itself; it must name a DSN of the real driver");
        library = resolve_driver_library(driver, error);
        target_pairs.push_back({"DSN", s.target_dsn});
    } else {
        library = resolve_driver_library(s.target_driver, error);
        target_pairs.push_back({"DRIVER", s.target_driver});
    }
    if (library.empty())
        return fail("IM002", "[odbc-retry] " + error + " (TargetDriver/TargetDSN from " +
                                 config_.values[s.target_dsn.empty() ? "TargetDriver" : "TargetDSN"].origin + ")");
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
    if (!target_) {
        SQLRETURN rc = api_->SQLAllocHandle(SQL_HANDLE_DBC, henv, &target_);
        if (!SQL_SUCCEEDED(rc) || !target_) {
            target_ = nullptr;
            api_ = nullptr;
            driver_.reset();
            return fail("IM005", "[odbc-retry] the target driver could not allocate a connection handle");
        }
    }
    // Attributes the application set before connect, in the order it set them.
    for (const auto& a : preconnect_attributes_) {
        SQLRETURN rc;
        if (a.is_text) {
            if (api_->SQLSetConnectAttr)
                rc = api_->SQLSetConnectAttr(target_, a.attribute, const_cast<char*>(a.text.c_str()), SQL_NTS);
            else {
                WString w = to_utf16(a.text);
                rc = api_->SQLSetConnectAttrW(target_, a.attribute, w.data(), SQL_NTS);
            }
        } else {
            rc = api_->SQLSetConnectAttr ? api_->SQLSetConnectAttr(target_, a.attribute, a.integer, 0)
                                         : api_->SQLSetConnectAttrW(target_, a.attribute, a.integer, 0);
        }
        (void)rc;  // as a driver would have: an attribute the target rejects keeps its default
    }
    for (const auto& kv : config_.forwarded) target_pairs.push_back(kv);
    target_connection_string = format_connection_string(target_pairs);
    return SQL_SUCCESS;
}

SQLRETURN Connection::target_driver_connect(const std::string& cs, bool wide, SQLHWND window,
                                            SQLUSMALLINT completion) {
    SQLSMALLINT out_length = 0;
    if ((wide && api_->SQLDriverConnectW) || !api_->SQLDriverConnect) {
        WString w = to_utf16(cs);
        SQLWCHAR out[1024];
        return api_->SQLDriverConnectW(target_, window, w.data(), static_cast<SQLSMALLINT>(w.size()), out,
                                       1024, &out_length, completion);
    }
    SQLCHAR out[4096];
    return api_->SQLDriverConnect(target_, window, reinterpret_cast<SQLCHAR*>(const_cast<char*>(cs.c_str())),
                                  static_cast<SQLSMALLINT>(cs.size()), out, sizeof out, &out_length, completion);
}

SQLRETURN Connection::connect_with(const std::vector<KeyValue>& pairs, const std::string& dsn, bool wide,
                                   SQLHWND window, SQLUSMALLINT completion) {
    if (connected_ || browsing_) return fail("08002", "[odbc-retry] connection already in use");
    std::string target_cs;
    SQLRETURN rc = prepare_target(pairs, dsn, target_cs);
    if (rc != SQL_SUCCESS) return rc;
    rc = target_driver_connect(target_cs, wide, window, completion);
    if (SQL_SUCCEEDED(rc)) {
        connected_ = true;
        log_connected(config_, dsn);
    } else if (rc == SQL_ERROR) {
        log_connect_failed(config_, dsn, diag().records_snapshot(diag_source()));
    }
    return rc;
}

SQLRETURN Connection::connect(InText dsn, InText user, InText password) {
    std::vector<KeyValue> pairs;
    std::string name = read_text(dsn);
    if (name.empty()) name = "DEFAULT";
    pairs.push_back({"DSN", name});
    if (!user.null()) pairs.push_back({"UID", read_text(user)});
    if (!password.null()) pairs.push_back({"PWD", read_text(password)});
    return connect_with(pairs, name, dsn.wide, nullptr, SQL_DRIVER_NOPROMPT);
}

SQLRETURN Connection::driver_connect(SQLHWND window, InText in, OutText out, SQLSMALLINT* out_length,
                                     SQLUSMALLINT completion) {
    if (in.null()) return fail("HY009", "[odbc-retry] null connection string");
    std::string text = in.utf8();
    std::string error;
    auto pairs = parse_connection_string(text, error);
    if (!pairs) return fail("HY000", "[odbc-retry] " + error);
    std::string dsn;
    if (const KeyValue* k = find_key(*pairs, "DSN")) dsn = k->value;
    if (find_key(*pairs, "FILEDSN") && !find_key(*pairs, "DRIVER"))
        return fail("HY000", "[odbc-retry] FILEDSN is resolved by the driver manager, not odbc-retry");
    if (dsn.empty() && !find_key(*pairs, "DRIVER")) dsn = "DEFAULT";
    SQLRETURN rc = connect_with(*pairs, dsn, in.wide, window, completion);
    if (!SQL_SUCCEEDED(rc)) return rc;
    // The output connection string is the application's own: it holds no secret it did not give.
    long full = 0;
    bool truncated = false;
    if (out.buffer || out_length) {
        if (in.wide)
            truncated = copy_out(in.utf16(), static_cast<SQLWCHAR*>(out.buffer), out.capacity, &full);
        else
            truncated = copy_out(text, static_cast<SQLCHAR*>(out.buffer), out.capacity, &full);
        if (out_length) *out_length = static_cast<SQLSMALLINT>(full);
    }
    if (truncated) {
        diag().post("01004", "[odbc-retry] String data, right truncated: the output connection string buffer is too small");
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
    }
    if (!api_->SQLBrowseConnect && !api_->SQLBrowseConnectW)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLBrowseConnect");
    long full = 0;
    bool truncated = false;
    bool target_wide = api_->SQLBrowseConnectW && (in.wide || !api_->SQLBrowseConnect);
    bool need_data = false;
    SQLRETURN rc = call_converting(out, &full, target_wide, truncated, [&](SQLPOINTER buffer, long cap, long* len) {
        SQLSMALLINT l = 0;
        auto c = static_cast<SQLSMALLINT>(std::min<long>(cap, 32766));
        SQLRETURN r;
        if (target_wide) {
            WString w = to_utf16(target_text);
            r = api_->SQLBrowseConnectW(target_, w.data(), static_cast<SQLSMALLINT>(w.size()),
                                        static_cast<SQLWCHAR*>(buffer), c, &l);
        } else {
            r = api_->SQLBrowseConnect(target_, reinterpret_cast<SQLCHAR*>(target_text.data()),
                                       static_cast<SQLSMALLINT>(target_text.size()), static_cast<SQLCHAR*>(buffer), c, &l);
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
    if (rc == SQL_NEED_DATA) browsing_ = true;
    else if (SQL_SUCCEEDED(rc)) browsing_ = false, connected_ = true;
    else if (rc == SQL_ERROR) browsing_ = false;
    return rc;
}

}  // namespace odbcretry
