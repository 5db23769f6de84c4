// SPDX-License-Identifier: Apache-2.0
// The exported ODBC entry points of libodbcfake.so (A and W), nothing else.
//
// Every entry point goes through gateway(): it finds the handle in the registry (a bad handle
// gets SQL_INVALID_HANDLE), locks it, clears its diagnostics, runs one core function declared
// in fake_core.h (defined per handle kind in fake_*.cpp), turns exceptions into diagnostic
// records and writes the event log line.
//
// Isolation self-check (deliberate, unlike a production driver): SQLExecDirect(W) calls the
// library's own EXPORTED SQLPrepare(W) and SQLExecute by their normal names, not internal
// helpers. Those calls must land in this library's copies, never in the driver manager's or
// odbc-retry's exported functions of the same name. Note that RTLD_LOCAL alone does not ensure
// that: it only keeps this library's symbols out of the global scope, while this library's
// own references are still looked up in the global scope first (the executable and libodbc.so,
// which export SQLPrepare). What binds them here is -Wl,-Bsymbolic-functions in
// CMakeLists.txt. The check is observable: SQLPrepare counts the calls that reached it from
// SQLExecDirect (`SELECT fake_self_calls()` returns that count, which equals the number of
// SQLExecDirect calls on the connection), and SQLExecDirect fails with HY000 "[Fake]isolation
// failure ..." when its call went elsewhere.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <memory>
#include <new>

#include "fake_core.h"

using namespace odbcfake;

namespace {

// Depth of entry-point calls on this thread: 1 for a call from outside, 2 for SQLExecDirect's
// calls of SQLPrepare/SQLExecute. Only calls from outside are logged.
thread_local int t_depth = 0;

// Statements inside a held SQLCancel (CancelHoldMs), each with whether a free of it is waiting.
struct CancelHolds {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<const Stmt*, bool> inside;
};
CancelHolds& cancelHolds() {
    static auto* holds = new CancelHolds;  // never destroyed: entry points may run at exit
    return *holds;
}

// Holds SQLCancel inside the driver for up to `ms`, or until a free of the statement wakes it.
void holdCancel(const Stmt* s, long ms) {
    auto& h = cancelHolds();
    std::unique_lock lock(h.mutex);
    h.inside[s] = false;
    h.changed.wait_for(lock, std::chrono::milliseconds(ms), [&] { return h.inside[s]; });
    h.inside.erase(s);
    h.changed.notify_all();
}

// SQLFreeHandle of a statement inside a held SQLCancel: the caller freed a handle that another
// thread is still using. Lets the cancel leave first (so the fake itself stays sound) and says so.
bool waitOutCancel(const Stmt* s) {
    auto& h = cancelHolds();
    std::unique_lock lock(h.mutex);
    auto it = h.inside.find(s);
    if (it == h.inside.end()) return false;
    it->second = true;
    h.changed.notify_all();
    h.changed.wait(lock, [&] { return h.inside.find(s) == h.inside.end(); });
    return true;
}

struct Depth {
    Depth() { ++t_depth; }
    ~Depth() { --t_depth; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;
};

const char* returnCodeName(SQLRETURN rc) {
    switch (rc) {
        case SQL_SUCCESS:
            return "SQL_SUCCESS";
        case SQL_SUCCESS_WITH_INFO:
            return "SQL_SUCCESS_WITH_INFO";
        case SQL_ERROR:
            return "SQL_ERROR";
        case SQL_NO_DATA:
            return "SQL_NO_DATA";
        case SQL_INVALID_HANDLE:
            return "SQL_INVALID_HANDLE";
        case SQL_NEED_DATA:
            return "SQL_NEED_DATA";
        case SQL_STILL_EXECUTING:
            return "SQL_STILL_EXECUTING";
        default:
            return "SQL_?";
    }
}

Dbc* dbcOf(Handle& h) {
    switch (h.kind) {
        case Kind::Dbc:
            return &static_cast<Dbc&>(h);
        case Kind::Stmt:
            return static_cast<Stmt&>(h).dbc;
        case Kind::Desc:
            return static_cast<Desc&>(h).dbc;
        case Kind::Env:
            return nullptr;
    }
    return nullptr;
}

std::recursive_mutex& mutexOf(Handle& h) {
    Dbc* dbc = dbcOf(h);
    return dbc != nullptr ? dbc->mutex : static_cast<Env&>(h).mutex;
}

std::string handleLabel(Handle& h) {
    switch (h.kind) {
        case Kind::Env:
            return "env=" + std::to_string(h.id);
        case Kind::Dbc:
            return "dbc=" + std::to_string(h.id);
        case Kind::Stmt:
            return "stmt=" + std::to_string(h.id) + " dbc=" + std::to_string(dbcOf(h)->id);
        case Kind::Desc:
            return "desc=" + std::to_string(h.id) + " dbc=" + std::to_string(dbcOf(h)->id);
    }
    return "?";
}

std::string logLine(const char* function, const std::string& label, const Call& call, SQLRETURN rc,
                    const Diag* diag) {
    std::string line = "pid=" + std::to_string(::getpid()) + " " + function + " " + label +
                       call.args + " -> " + returnCodeName(rc);
    if (diag != nullptr && !diag->records.empty() &&
        (rc == SQL_ERROR || rc == SQL_SUCCESS_WITH_INFO)) {
        line += " " + diag->records.front().sqlstate;
    }
    return line;
}

// Writes the line to the handle's log: a connection's FakeLog, or ODBCFAKE_LOG for env calls.
void writeLog(Handle& h, const std::string& line) {
    if (t_depth != 1) return;
    try {
        if (Dbc* dbc = dbcOf(h)) {
            dbc->log(line);
        } else {
            appendLogLine(environmentLogPath(), line);
        }
    } catch (...) {
        // The log is an aid for tests; it never changes a call's result.
    }
}

SQLRETURN recordFailure(Diag& diag, ErrorRecord record) {
    try {
        diag.add(std::move(record));
    } catch (...) {
    }
    return SQL_ERROR;
}

// The one path of every entry point: validate, lock, clear diagnostics, run, log.
template <class H, class Body>
SQLRETURN gateway(const char* function, SQLHANDLE handle, Kind kind, Body&& body,
                  bool diagnosticCall = false) {
    Depth depth;
    H* h = static_cast<H*>(findHandle(handle, kind));
    if (h == nullptr) return SQL_INVALID_HANDLE;
    std::unique_lock lock(mutexOf(*h));
    if (!diagnosticCall) h->diag.clear();
    Call call;
    SQLRETURN rc = SQL_ERROR;
    try {
        rc = body(*h, call);
    } catch (const SqlError& e) {
        rc = recordFailure(h->diag, e.record);
    } catch (const std::bad_alloc&) {
        rc = recordFailure(h->diag, {"HY001", 0, "[Fake]Memory allocation error"});
    } catch (const std::exception& e) {
        rc = recordFailure(h->diag, {"HY000", 0, std::string("[Fake]internal error: ") + e.what()});
    } catch (...) {
        rc = recordFailure(h->diag, {"HY000", 0, "[Fake]internal error"});
    }
    if (!diagnosticCall) h->diag.returnCode = rc;
    if (!call.unlogged) {
        try {
            writeLog(*h, logLine(function, handleLabel(*h), call, rc, &h->diag));
        } catch (...) {
        }
    }
    return rc;
}

Kind kindOf(SQLSMALLINT handleType, bool& valid) {
    valid = true;
    switch (handleType) {
        case SQL_HANDLE_ENV:
            return Kind::Env;
        case SQL_HANDLE_DBC:
            return Kind::Dbc;
        case SQL_HANDLE_STMT:
            return Kind::Stmt;
        case SQL_HANDLE_DESC:
            return Kind::Desc;
        default:
            valid = false;
            return Kind::Env;
    }
}

// A diagnostic function on any kind of handle.
template <class Body>
SQLRETURN diagnosticGateway(const char* function, SQLSMALLINT handleType, SQLHANDLE handle,
                            Body&& body) {
    bool valid = false;
    Kind kind = kindOf(handleType, valid);
    if (!valid) return SQL_ERROR;
    auto run = [&](Handle& h, Call& call) -> SQLRETURN {
        call.arg("type", handleType);
        return body(h);
    };
    switch (kind) {
        case Kind::Env:
            return gateway<Env>(function, handle, kind, run, true);
        case Kind::Dbc:
            return gateway<Dbc>(function, handle, kind, run, true);
        case Kind::Stmt:
            return gateway<Stmt>(function, handle, kind, run, true);
        case Kind::Desc:
            return gateway<Desc>(function, handle, kind, run, true);
    }
    return SQL_ERROR;
}

SQLRETURN connectToDataSource(Dbc& c, const std::string& dsn, const std::string& uid,
                              const std::string& pwd, Call& call) {
    call.arg("dsn", quoted(dsn));
    call.arg("uid", quoted(uid));
    KeyValues keys = keysOfDataSource(dsn);
    setKey(keys, "DSN", dsn);
    if (!uid.empty()) setKey(keys, "UID", uid);
    if (!pwd.empty()) setKey(keys, "PWD", pwd);
    return connect(c, keys, call);
}

SQLRETURN driverConnect(Dbc& c, const std::string& in, void* out, SQLSMALLINT outCapacity,
                        SQLSMALLINT* outLength, bool wide, Call& call) {
    call.arg("connstr", quoted(maskedConnectionString(in)));
    KeyValues keys = parseConnectionString(in);
    if (const std::string* dsn = findKey(keys, "DSN"); dsn != nullptr && !dsn->empty()) {
        // The DSN's keys from odbc.ini, overridden by the connection string's.
        KeyValues merged = keysOfDataSource(*dsn);
        for (const auto& [k, v] : keys) setKey(merged, k, v);
        keys = std::move(merged);
    }
    SQLRETURN rc = connect(c, keys, call);
    SQLRETURN copied = putText<SQLSMALLINT>(c.diag, in, out, outCapacity, outLength, wide, false);
    return copied == SQL_SUCCESS_WITH_INFO ? copied : rc;
}

// SQLExecDirect = the exported SQLPrepare + the exported SQLExecute (see the file comment).
template <class CallPrepare>
SQLRETURN execDirect(Stmt& s, SQLHSTMT handle, CallPrepare callPrepare) {
    s.selfCallPending = true;
    s.selfCallReached = false;
    SQLRETURN prepared = callPrepare();
    bool reached = s.selfCallReached;
    s.selfCallPending = false;
    if (!reached) {
        fail("HY000", 0,
             "[Fake]isolation failure: SQLExecDirect called the exported SQLPrepare and it "
             "reached another library's SQLPrepare (returned " +
                 std::string(returnCodeName(prepared)) + "), not libodbcfake's");
    }
    if (!SQL_SUCCEEDED(prepared)) return prepared;
    s.selfCallPending = true;
    s.selfCallReached = false;
    SQLRETURN executed = ::SQLExecute(handle);
    reached = s.selfCallReached;
    s.selfCallPending = false;
    if (!reached) {
        fail("HY000", 0,
             "[Fake]isolation failure: SQLExecDirect called the exported SQLExecute and it "
             "reached another library's SQLExecute (returned " +
                 std::string(returnCodeName(executed)) + "), not libodbcfake's");
    }
    return executed == SQL_SUCCESS && prepared == SQL_SUCCESS_WITH_INFO ? prepared : executed;
}

// Marks that a call made by SQLExecDirect reached this library; true if it came from there.
bool arrivedFromExecDirect(Stmt& s) {
    if (!s.selfCallPending) return false;
    s.selfCallPending = false;
    s.selfCallReached = true;
    return true;
}

void freeStatement(Stmt* s) {
    auto& list = s->dbc->statements;
    list.erase(std::remove(list.begin(), list.end(), s), list.end());
    unregisterHandle(s);
    delete s;
}

const char* completionName(SQLSMALLINT completion) {
    return completion == SQL_COMMIT ? "COMMIT" : completion == SQL_ROLLBACK ? "ROLLBACK" : "?";
}

}  // namespace

extern "C" {

// ---- handles ---------------------------------------------------------------------------

SQLRETURN SQL_API SQLAllocHandle(SQLSMALLINT type, SQLHANDLE input, SQLHANDLE* output) {
    if (type == SQL_HANDLE_ENV) {
        Depth depth;
        if (output == nullptr) return SQL_ERROR;
        Env* env = nullptr;
        try {
            env = new Env();
            registerHandle(env);
        } catch (...) {
            delete env;
            *output = SQL_NULL_HENV;
            return SQL_ERROR;
        }
        *output = env;
        writeLog(*env, logLine("SQLAllocHandle", handleLabel(*env), Call{}, SQL_SUCCESS, nullptr));
        return SQL_SUCCESS;
    }
    if (type == SQL_HANDLE_DBC) {
        return gateway<Env>(
            "SQLAllocHandle", input, Kind::Env, [&](Env& env, Call& call) -> SQLRETURN {
                if (output == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
                auto dbc = std::make_unique<Dbc>(&env);
                env.connections.push_back(dbc.get());
                try {
                    registerHandle(dbc.get());
                } catch (...) {
                    env.connections.pop_back();
                    throw;
                }
                *output = dbc.get();
                call.arg("new", "dbc=" + std::to_string(dbc->id));
                // Logged by the connection (written once its log is known), not the environment.
                call.unlogged = true;
                if (t_depth == 1) {
                    Call shown;
                    shown.arg("env", env.id);
                    dbc->log(
                        logLine("SQLAllocHandle", handleLabel(*dbc), shown, SQL_SUCCESS, nullptr));
                }
                dbc.release();
                return SQL_SUCCESS;
            });
    }
    if (type == SQL_HANDLE_STMT || type == SQL_HANDLE_DESC) {
        return gateway<Dbc>(
            "SQLAllocHandle", input, Kind::Dbc, [&](Dbc& dbc, Call& call) -> SQLRETURN {
                if (output == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
                if (!dbc.connected) fail("08003", 0, "[Fake]Connection not open");
                if (type == SQL_HANDLE_STMT && !dbc.faults.controlPath.empty() &&
                    readControl(dbc.faults.controlPath).failAllocStmt) {
                    if (auto spec = consumeControl(dbc.faults.controlPath, "fail_alloc_stmt"))
                        throw SqlError{parseCountedError(*spec, "fail_alloc_stmt").record};
                }
                if (type == SQL_HANDLE_STMT) {
                    auto stmt = std::make_unique<Stmt>(&dbc);
                    dbc.statements.push_back(stmt.get());
                    try {
                        registerHandle(stmt.get());
                    } catch (...) {
                        dbc.statements.pop_back();
                        throw;
                    }
                    call.arg("new", "stmt=" + std::to_string(stmt->id));
                    *output = stmt.release();
                } else {
                    auto desc = std::make_unique<Desc>(&dbc);
                    dbc.descriptors.push_back(desc.get());
                    try {
                        registerHandle(desc.get());
                    } catch (...) {
                        dbc.descriptors.pop_back();
                        throw;
                    }
                    call.arg("new", "desc=" + std::to_string(desc->id));
                    *output = desc.release();
                }
                return SQL_SUCCESS;
            });
    }
    return SQL_ERROR;
}

SQLRETURN SQL_API SQLFreeHandle(SQLSMALLINT type, SQLHANDLE handle) {
    Depth depth;
    bool valid = false;
    Kind kind = kindOf(type, valid);
    Handle* h = valid ? findHandle(handle, kind) : nullptr;
    if (h == nullptr) return SQL_INVALID_HANDLE;
    std::string label = handleLabel(*h);
    auto done = [&](Dbc* logTo, SQLRETURN rc) {
        std::string line = logLine("SQLFreeHandle", label, Call{}, rc, &h->diag);
        if (t_depth == 1 && logTo != nullptr) logTo->log(line);
        if (t_depth == 1 && logTo == nullptr) appendLogLine(environmentLogPath(), line);
        return rc;
    };
    auto sequenceError = [&](const char* why) {
        h->diag.clear();
        h->diag.add({"HY010", 0, std::string("[Fake]Function sequence error: ") + why});
        h->diag.returnCode = SQL_ERROR;
        return SQL_ERROR;
    };
    try {
        switch (kind) {
            case Kind::Env: {
                Env* env = static_cast<Env*>(h);
                std::unique_lock lock(env->mutex);
                if (!env->connections.empty())
                    return done(nullptr, sequenceError("connections remain"));
                done(nullptr, SQL_SUCCESS);
                unregisterHandle(env);
                lock.unlock();
                delete env;
                return SQL_SUCCESS;
            }
            case Kind::Dbc: {
                Dbc* dbc = static_cast<Dbc*>(h);
                std::unique_lock envLock(dbc->env->mutex);
                std::unique_lock lock(dbc->mutex);
                if (dbc->connected) return done(dbc, sequenceError("still connected"));
                done(dbc, SQL_SUCCESS);
                auto& list = dbc->env->connections;
                list.erase(std::remove(list.begin(), list.end(), dbc), list.end());
                unregisterHandle(dbc);
                lock.unlock();
                delete dbc;
                return SQL_SUCCESS;
            }
            case Kind::Stmt: {
                Stmt* stmt = static_cast<Stmt*>(h);
                Dbc* dbc = stmt->dbc;
                if (waitOutCancel(stmt))
                    dbc->log("SQLFreeHandle " + label + " FREED-DURING-CANCEL");
                std::unique_lock lock(dbc->mutex);
                done(dbc, SQL_SUCCESS);
                freeStatement(stmt);
                return SQL_SUCCESS;
            }
            case Kind::Desc: {
                Desc* desc = static_cast<Desc*>(h);
                Dbc* dbc = desc->dbc;
                std::unique_lock lock(dbc->mutex);
                if (desc->implicitOf != nullptr) {
                    h->diag.clear();
                    h->diag.add({"HY017", 0,
                                 "[Fake]Invalid use of an automatically allocated descriptor "
                                 "handle"});
                    return done(dbc, SQL_ERROR);
                }
                for (Stmt* s : dbc->statements) {
                    if (s->ard == desc) s->ard = s->implicitDescs[0].get();
                    if (s->apd == desc) s->apd = s->implicitDescs[1].get();
                }
                auto& list = dbc->descriptors;
                list.erase(std::remove(list.begin(), list.end(), desc), list.end());
                done(dbc, SQL_SUCCESS);
                unregisterHandle(desc);
                delete desc;
                return SQL_SUCCESS;
            }
        }
    } catch (...) {
        return SQL_ERROR;
    }
    return SQL_ERROR;
}

// ---- environment -----------------------------------------------------------------------

SQLRETURN SQL_API SQLSetEnvAttr(SQLHENV henv, SQLINTEGER attribute, SQLPOINTER value,
                                SQLINTEGER /*length*/) {
    return gateway<Env>("SQLSetEnvAttr", henv, Kind::Env, [&](Env& env, Call& call) -> SQLRETURN {
        call.arg("attr", attribute);
        call.arg("value", static_cast<long long>(reinterpret_cast<intptr_t>(value)));
        return setEnvAttr(env, attribute, value);
    });
}

SQLRETURN SQL_API SQLGetEnvAttr(SQLHENV henv, SQLINTEGER attribute, SQLPOINTER value,
                                SQLINTEGER /*capacity*/, SQLINTEGER* length) {
    return gateway<Env>("SQLGetEnvAttr", henv, Kind::Env, [&](Env& env, Call& call) -> SQLRETURN {
        call.arg("attr", attribute);
        return getEnvAttr(env, attribute, value, length);
    });
}

// ---- connecting ------------------------------------------------------------------------

SQLRETURN SQL_API SQLConnect(SQLHDBC hdbc, SQLCHAR* dsn, SQLSMALLINT dsnLength, SQLCHAR* uid,
                             SQLSMALLINT uidLength, SQLCHAR* pwd, SQLSMALLINT pwdLength) {
    return gateway<Dbc>("SQLConnect", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        return connectToDataSource(c, narrowText(dsn, dsnLength), narrowText(uid, uidLength),
                                   narrowText(pwd, pwdLength), call);
    });
}

SQLRETURN SQL_API SQLConnectW(SQLHDBC hdbc, SQLWCHAR* dsn, SQLSMALLINT dsnLength, SQLWCHAR* uid,
                              SQLSMALLINT uidLength, SQLWCHAR* pwd, SQLSMALLINT pwdLength) {
    return gateway<Dbc>("SQLConnectW", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        return connectToDataSource(c, wideText(dsn, dsnLength), wideText(uid, uidLength),
                                   wideText(pwd, pwdLength), call);
    });
}

SQLRETURN SQL_API SQLDriverConnect(SQLHDBC hdbc, SQLHWND /*hwnd*/, SQLCHAR* in,
                                   SQLSMALLINT inLength, SQLCHAR* out, SQLSMALLINT outCapacity,
                                   SQLSMALLINT* outLength, SQLUSMALLINT /*completion*/) {
    return gateway<Dbc>("SQLDriverConnect", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        return driverConnect(c, narrowText(in, inLength), out, outCapacity, outLength, false, call);
    });
}

SQLRETURN SQL_API SQLDriverConnectW(SQLHDBC hdbc, SQLHWND /*hwnd*/, SQLWCHAR* in,
                                    SQLSMALLINT inLength, SQLWCHAR* out, SQLSMALLINT outCapacity,
                                    SQLSMALLINT* outLength, SQLUSMALLINT /*completion*/) {
    return gateway<Dbc>("SQLDriverConnectW", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        return driverConnect(c, wideText(in, inLength), out, outCapacity, outLength, true, call);
    });
}

SQLRETURN SQL_API SQLDisconnect(SQLHDBC hdbc) {
    return gateway<Dbc>("SQLDisconnect", hdbc, Kind::Dbc,
                        [&](Dbc& c, Call&) -> SQLRETURN { return disconnect(c); });
}

// ---- connection information and attributes ---------------------------------------------

SQLRETURN SQL_API SQLGetInfo(SQLHDBC hdbc, SQLUSMALLINT type, SQLPOINTER value,
                             SQLSMALLINT capacity, SQLSMALLINT* length) {
    return gateway<Dbc>("SQLGetInfo", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        call.arg("type", type);
        return getInfo(c, type, value, capacity, length, false);
    });
}

SQLRETURN SQL_API SQLGetInfoW(SQLHDBC hdbc, SQLUSMALLINT type, SQLPOINTER value,
                              SQLSMALLINT capacity, SQLSMALLINT* length) {
    return gateway<Dbc>("SQLGetInfoW", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        call.arg("type", type);
        return getInfo(c, type, value, capacity, length, true);
    });
}

SQLRETURN SQL_API SQLGetFunctions(SQLHDBC hdbc, SQLUSMALLINT function, SQLUSMALLINT* supported) {
    return gateway<Dbc>("SQLGetFunctions", hdbc, Kind::Dbc, [&](Dbc&, Call& call) -> SQLRETURN {
        call.arg("function", function);
        return getFunctions(function, supported);
    });
}

SQLRETURN SQL_API SQLSetConnectAttr(SQLHDBC hdbc, SQLINTEGER attribute, SQLPOINTER value,
                                    SQLINTEGER length) {
    return gateway<Dbc>("SQLSetConnectAttr", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        return setConnectAttr(c, attribute, value, length, false, call);
    });
}

SQLRETURN SQL_API SQLSetConnectAttrW(SQLHDBC hdbc, SQLINTEGER attribute, SQLPOINTER value,
                                     SQLINTEGER length) {
    return gateway<Dbc>("SQLSetConnectAttrW", hdbc, Kind::Dbc,
                        [&](Dbc& c, Call& call) -> SQLRETURN {
                            return setConnectAttr(c, attribute, value, length, true, call);
                        });
}

SQLRETURN SQL_API SQLGetConnectAttr(SQLHDBC hdbc, SQLINTEGER attribute, SQLPOINTER value,
                                    SQLINTEGER capacity, SQLINTEGER* length) {
    return gateway<Dbc>("SQLGetConnectAttr", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
        call.arg("attr", connectAttributeName(attribute));
        return getConnectAttr(c, attribute, value, capacity, length, false, call);
    });
}

SQLRETURN SQL_API SQLGetConnectAttrW(SQLHDBC hdbc, SQLINTEGER attribute, SQLPOINTER value,
                                     SQLINTEGER capacity, SQLINTEGER* length) {
    return gateway<Dbc>(
        "SQLGetConnectAttrW", hdbc, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
            call.arg("attr", connectAttributeName(attribute));
            return getConnectAttr(c, attribute, value, capacity, length, true, call);
        });
}

// ---- statement attributes (no string-valued ones, so A and W are the same) --------------

SQLRETURN SQL_API SQLSetStmtAttr(SQLHSTMT hstmt, SQLINTEGER attribute, SQLPOINTER value,
                                 SQLINTEGER /*length*/) {
    return gateway<Stmt>(
        "SQLSetStmtAttr", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("attr", attribute);
            call.arg("value", static_cast<long long>(reinterpret_cast<intptr_t>(value)));
            return setStmtAttr(s, attribute, value);
        });
}

SQLRETURN SQL_API SQLSetStmtAttrW(SQLHSTMT hstmt, SQLINTEGER attribute, SQLPOINTER value,
                                  SQLINTEGER /*length*/) {
    return gateway<Stmt>(
        "SQLSetStmtAttrW", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("attr", attribute);
            call.arg("value", static_cast<long long>(reinterpret_cast<intptr_t>(value)));
            return setStmtAttr(s, attribute, value);
        });
}

SQLRETURN SQL_API SQLGetStmtAttr(SQLHSTMT hstmt, SQLINTEGER attribute, SQLPOINTER value,
                                 SQLINTEGER /*capacity*/, SQLINTEGER* length) {
    return gateway<Stmt>("SQLGetStmtAttr", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN {
                             call.arg("attr", attribute);
                             return getStmtAttr(s, attribute, value, length);
                         });
}

SQLRETURN SQL_API SQLGetStmtAttrW(SQLHSTMT hstmt, SQLINTEGER attribute, SQLPOINTER value,
                                  SQLINTEGER /*capacity*/, SQLINTEGER* length) {
    return gateway<Stmt>("SQLGetStmtAttrW", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN {
                             call.arg("attr", attribute);
                             return getStmtAttr(s, attribute, value, length);
                         });
}

// ---- preparing and executing -----------------------------------------------------------

SQLRETURN SQL_API SQLPrepare(SQLHSTMT hstmt, SQLCHAR* text, SQLINTEGER length) {
    return gateway<Stmt>("SQLPrepare", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        bool fromExecDirect = arrivedFromExecDirect(s);
        if (fromExecDirect) ++s.dbc->session.selfCalls;
        std::string sql = narrowText(text, length);
        call.arg("sql", quoted(sql));
        return prepare(s, sql, !fromExecDirect);
    });
}

SQLRETURN SQL_API SQLPrepareW(SQLHSTMT hstmt, SQLWCHAR* text, SQLINTEGER length) {
    return gateway<Stmt>("SQLPrepareW", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        bool fromExecDirect = arrivedFromExecDirect(s);
        if (fromExecDirect) ++s.dbc->session.selfCalls;
        std::string sql = wideText(text, length);
        call.arg("sql", quoted(sql));
        return prepare(s, sql, !fromExecDirect);
    });
}

SQLRETURN SQL_API SQLExecute(SQLHSTMT hstmt) {
    return gateway<Stmt>("SQLExecute", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        arrivedFromExecDirect(s);
        call.arg("sql", quoted(s.sql));
        return execute(s, call);
    });
}

SQLRETURN SQL_API SQLExecDirect(SQLHSTMT hstmt, SQLCHAR* text, SQLINTEGER length) {
    return gateway<Stmt>("SQLExecDirect", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        call.arg("sql", quoted(narrowText(text, length)));
        // Deliberately the exported symbols: see the comment at the top of this file.
        SQLRETURN rc = execDirect(s, hstmt, [&] { return ::SQLPrepare(hstmt, text, length); });
        if (!s.shownParameters.empty()) call.arg("params", s.shownParameters);
        return rc;
    });
}

SQLRETURN SQL_API SQLExecDirectW(SQLHSTMT hstmt, SQLWCHAR* text, SQLINTEGER length) {
    return gateway<Stmt>(
        "SQLExecDirectW", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("sql", quoted(wideText(text, length)));
            // Deliberately the exported symbols: see the comment at the top of this file.
            SQLRETURN rc = execDirect(s, hstmt, [&] { return ::SQLPrepareW(hstmt, text, length); });
            if (!s.shownParameters.empty()) call.arg("params", s.shownParameters);
            return rc;
        });
}

SQLRETURN SQL_API SQLNumParams(SQLHSTMT hstmt, SQLSMALLINT* count) {
    return gateway<Stmt>("SQLNumParams", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call&) -> SQLRETURN { return numParams(s, count); });
}

SQLRETURN SQL_API SQLBindParameter(SQLHSTMT hstmt, SQLUSMALLINT number, SQLSMALLINT ioType,
                                   SQLSMALLINT cType, SQLSMALLINT sqlType, SQLULEN columnSize,
                                   SQLSMALLINT digits, SQLPOINTER buffer, SQLLEN capacity,
                                   SQLLEN* indicator) {
    return gateway<Stmt>(
        "SQLBindParameter", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("param", number);
            call.arg("ctype", cType);
            call.arg("sqltype", sqlType);
            return bindParameter(s, number,
                                 BoundParameter{ioType, cType, sqlType, columnSize, digits, buffer,
                                                capacity, indicator});
        });
}

SQLRETURN SQL_API SQLCancel(SQLHSTMT hstmt) {
    // No handle lock: SQLCancel comes from another thread while the statement executes.
    Depth depth;
    auto* s = static_cast<Stmt*>(findHandle(hstmt, Kind::Stmt));
    if (s == nullptr) return SQL_INVALID_HANDLE;
    requestCancel(*s);
    if (t_depth == 1) {
        appendLogLine(s->dbc->logPath,
                      logLine("SQLCancel", handleLabel(*s), Call{}, SQL_SUCCESS, nullptr));
    }
    if (long hold = s->dbc->faults.cancelHoldMs; hold > 0) {
        appendLogLine(s->dbc->logPath, "SQLCancel " + handleLabel(*s) + " HOLDING");
        holdCancel(s, hold);
    }
    return SQL_SUCCESS;
}

// ---- results ---------------------------------------------------------------------------

SQLRETURN SQL_API SQLNumResultCols(SQLHSTMT hstmt, SQLSMALLINT* count) {
    return gateway<Stmt>("SQLNumResultCols", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call&) -> SQLRETURN { return numResultCols(s, count); });
}

SQLRETURN SQL_API SQLDescribeCol(SQLHSTMT hstmt, SQLUSMALLINT column, SQLCHAR* name,
                                 SQLSMALLINT capacity, SQLSMALLINT* nameLength, SQLSMALLINT* type,
                                 SQLULEN* size, SQLSMALLINT* digits, SQLSMALLINT* nullable) {
    return gateway<Stmt>("SQLDescribeCol", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN {
                             call.arg("col", column);
                             return describeCol(s, column, name, capacity, nameLength, type, size,
                                                digits, nullable, false);
                         });
}

SQLRETURN SQL_API SQLDescribeColW(SQLHSTMT hstmt, SQLUSMALLINT column, SQLWCHAR* name,
                                  SQLSMALLINT capacity, SQLSMALLINT* nameLength, SQLSMALLINT* type,
                                  SQLULEN* size, SQLSMALLINT* digits, SQLSMALLINT* nullable) {
    return gateway<Stmt>("SQLDescribeColW", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN {
                             call.arg("col", column);
                             return describeCol(s, column, name, capacity, nameLength, type, size,
                                                digits, nullable, true);
                         });
}

SQLRETURN SQL_API SQLColAttribute(SQLHSTMT hstmt, SQLUSMALLINT column, SQLUSMALLINT field,
                                  SQLPOINTER text, SQLSMALLINT capacity, SQLSMALLINT* length,
                                  SQLLEN* number) {
    return gateway<Stmt>(
        "SQLColAttribute", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("col", column);
            call.arg("field", field);
            return colAttribute(s, column, field, text, capacity, length, number, false);
        });
}

SQLRETURN SQL_API SQLColAttributeW(SQLHSTMT hstmt, SQLUSMALLINT column, SQLUSMALLINT field,
                                   SQLPOINTER text, SQLSMALLINT capacity, SQLSMALLINT* length,
                                   SQLLEN* number) {
    return gateway<Stmt>(
        "SQLColAttributeW", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
            call.arg("col", column);
            call.arg("field", field);
            return colAttribute(s, column, field, text, capacity, length, number, true);
        });
}

SQLRETURN SQL_API SQLBindCol(SQLHSTMT hstmt, SQLUSMALLINT column, SQLSMALLINT cType,
                             SQLPOINTER buffer, SQLLEN capacity, SQLLEN* indicator) {
    return gateway<Stmt>("SQLBindCol", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        call.arg("col", column);
        call.arg("ctype", cType);
        return bindCol(s, column, cType, buffer, capacity, indicator);
    });
}

SQLRETURN SQL_API SQLFetch(SQLHSTMT hstmt) {
    return gateway<Stmt>("SQLFetch", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN { return fetch(s, call); });
}

SQLRETURN SQL_API SQLFetchScroll(SQLHSTMT hstmt, SQLSMALLINT orientation, SQLLEN /*offset*/) {
    return gateway<Stmt>("SQLFetchScroll", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call& call) -> SQLRETURN {
                             call.arg("orientation", orientation);
                             if (orientation != SQL_FETCH_NEXT)
                                 fail("HY106", 0, "[Fake]Fetch type out of range");
                             return fetch(s, call);
                         });
}

SQLRETURN SQL_API SQLGetData(SQLHSTMT hstmt, SQLUSMALLINT column, SQLSMALLINT cType,
                             SQLPOINTER buffer, SQLLEN capacity, SQLLEN* indicator) {
    return gateway<Stmt>("SQLGetData", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        call.arg("col", column);
        call.arg("ctype", cType);
        return getData(s, column, cType, buffer, capacity, indicator);
    });
}

SQLRETURN SQL_API SQLRowCount(SQLHSTMT hstmt, SQLLEN* count) {
    return gateway<Stmt>("SQLRowCount", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call&) -> SQLRETURN { return rowCount(s, count); });
}

SQLRETURN SQL_API SQLMoreResults(SQLHSTMT hstmt) {
    return gateway<Stmt>("SQLMoreResults", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call&) -> SQLRETURN { return moreResults(s); });
}

SQLRETURN SQL_API SQLCloseCursor(SQLHSTMT hstmt) {
    return gateway<Stmt>("SQLCloseCursor", hstmt, Kind::Stmt,
                         [&](Stmt& s, Call&) -> SQLRETURN { return closeCursor(s, true); });
}

SQLRETURN SQL_API SQLFreeStmt(SQLHSTMT hstmt, SQLUSMALLINT option) {
    if (option == SQL_DROP) {
        // ODBC 2's way of freeing the handle.
        Depth depth;
        auto* s = static_cast<Stmt*>(findHandle(hstmt, Kind::Stmt));
        if (s == nullptr) return SQL_INVALID_HANDLE;
        Dbc* dbc = s->dbc;
        std::unique_lock lock(dbc->mutex);
        Call call;
        call.arg("option", "SQL_DROP");
        if (t_depth == 1)
            dbc->log(logLine("SQLFreeStmt", handleLabel(*s), call, SQL_SUCCESS, nullptr));
        freeStatement(s);
        return SQL_SUCCESS;
    }
    return gateway<Stmt>("SQLFreeStmt", hstmt, Kind::Stmt, [&](Stmt& s, Call& call) -> SQLRETURN {
        switch (option) {
            case SQL_CLOSE:
                call.arg("option", "SQL_CLOSE");
                return closeCursor(s, false);
            case SQL_UNBIND:
                call.arg("option", "SQL_UNBIND");
                s.boundColumns.clear();
                return SQL_SUCCESS;
            case SQL_RESET_PARAMS:
                call.arg("option", "SQL_RESET_PARAMS");
                s.parameters.clear();
                return SQL_SUCCESS;
            default:
                call.arg("option", option);
                fail("HY092", 0, "[Fake]Invalid attribute/option identifier");
        }
    });
}

// ---- transactions ----------------------------------------------------------------------

SQLRETURN SQL_API SQLEndTran(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT completion) {
    if (type == SQL_HANDLE_DBC) {
        return gateway<Dbc>("SQLEndTran", handle, Kind::Dbc, [&](Dbc& c, Call& call) -> SQLRETURN {
            call.arg("completion", completionName(completion));
            return endTransaction(c, completion);
        });
    }
    if (type == SQL_HANDLE_ENV) {
        return gateway<Env>("SQLEndTran", handle, Kind::Env,
                            [&](Env& env, Call& call) -> SQLRETURN {
                                call.arg("completion", completionName(completion));
                                SQLRETURN rc = SQL_SUCCESS;
                                for (Dbc* c : env.connections) {
                                    std::lock_guard lock(c->mutex);
                                    if (!c->connected) continue;
                                    try {
                                        endTransaction(*c, completion);
                                    } catch (const SqlError& e) {
                                        env.diag.add(e.record);
                                        rc = SQL_ERROR;
                                    }
                                }
                                return rc;
                            });
    }
    return SQL_INVALID_HANDLE;
}

// ---- diagnostics -----------------------------------------------------------------------

SQLRETURN SQL_API SQLGetDiagRec(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT record,
                                SQLCHAR* state, SQLINTEGER* native, SQLCHAR* message,
                                SQLSMALLINT capacity, SQLSMALLINT* length) {
    return diagnosticGateway("SQLGetDiagRec", type, handle, [&](Handle& h) -> SQLRETURN {
        return getDiagRec(h, record, state, native, message, capacity, length, false);
    });
}

SQLRETURN SQL_API SQLGetDiagRecW(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT record,
                                 SQLWCHAR* state, SQLINTEGER* native, SQLWCHAR* message,
                                 SQLSMALLINT capacity, SQLSMALLINT* length) {
    return diagnosticGateway("SQLGetDiagRecW", type, handle, [&](Handle& h) -> SQLRETURN {
        return getDiagRec(h, record, state, native, message, capacity, length, true);
    });
}

SQLRETURN SQL_API SQLGetDiagField(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT record,
                                  SQLSMALLINT field, SQLPOINTER value, SQLSMALLINT capacity,
                                  SQLSMALLINT* length) {
    return diagnosticGateway("SQLGetDiagField", type, handle, [&](Handle& h) -> SQLRETURN {
        return getDiagField(h, record, field, value, capacity, length, false);
    });
}

SQLRETURN SQL_API SQLGetDiagFieldW(SQLSMALLINT type, SQLHANDLE handle, SQLSMALLINT record,
                                   SQLSMALLINT field, SQLPOINTER value, SQLSMALLINT capacity,
                                   SQLSMALLINT* length) {
    return diagnosticGateway("SQLGetDiagFieldW", type, handle, [&](Handle& h) -> SQLRETURN {
        return getDiagField(h, record, field, value, capacity, length, true);
    });
}

SQLRETURN SQL_API SQLError(SQLHENV henv, SQLHDBC hdbc, SQLHSTMT hstmt, SQLCHAR* state,
                           SQLINTEGER* native, SQLCHAR* message, SQLSMALLINT capacity,
                           SQLSMALLINT* length) {
    SQLSMALLINT type = hstmt != nullptr  ? SQL_HANDLE_STMT
                       : hdbc != nullptr ? SQL_HANDLE_DBC
                                         : SQL_HANDLE_ENV;
    SQLHANDLE handle = hstmt != nullptr ? hstmt : hdbc != nullptr ? hdbc : henv;
    return diagnosticGateway("SQLError", type, handle, [&](Handle& h) -> SQLRETURN {
        return sqlError(h, state, native, message, capacity, length, false);
    });
}

SQLRETURN SQL_API SQLErrorW(SQLHENV henv, SQLHDBC hdbc, SQLHSTMT hstmt, SQLWCHAR* state,
                            SQLINTEGER* native, SQLWCHAR* message, SQLSMALLINT capacity,
                            SQLSMALLINT* length) {
    SQLSMALLINT type = hstmt != nullptr  ? SQL_HANDLE_STMT
                       : hdbc != nullptr ? SQL_HANDLE_DBC
                                         : SQL_HANDLE_ENV;
    SQLHANDLE handle = hstmt != nullptr ? hstmt : hdbc != nullptr ? hdbc : henv;
    return diagnosticGateway("SQLErrorW", type, handle, [&](Handle& h) -> SQLRETURN {
        return sqlError(h, state, native, message, capacity, length, true);
    });
}

}  // extern "C"
