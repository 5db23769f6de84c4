// SPDX-License-Identifier: Apache-2.0
// The connection handle's functions: connect, disconnect, attributes, transactions.
#include <odbcinst.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>

#include "fake_core.h"
#include "fake_fate.h"

namespace odbcfake {
namespace {

using Point = LoseSpec::Point;

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

}  // namespace odbcfake
