// SPDX-License-Identifier: Apache-2.0
// The statement handle's functions before a result: prepare, execute, parameters, attributes,
// cancel.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "fake_core.h"
#include "fake_fate.h"
#include "fake_values.h"

namespace odbcfake {

using Point = LoseSpec::Point;

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

}  // namespace odbcfake
