// SPDX-License-Identifier: Apache-2.0
// The fake driver's handles, their registry and the event log.
//
// Locking: an Env's calls hold Env::mutex; a Dbc's calls, and the calls on its statements and
// descriptors, hold Dbc::mutex (recursive, because SQLExecDirect calls the exported SQLPrepare
// and SQLExecute on the same thread). SQLCancel takes no handle lock: it only sets
// Stmt::cancelRequested and wakes a waiting execute. Lock order: Env before Dbc.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_faults.h"
#include "fake_sql.h"
#include "fake_text.h"

namespace odbcfake {

// The diagnostic area of one handle.
struct Diag {
    std::vector<ErrorRecord> records;
    SQLRETURN returnCode = SQL_SUCCESS;
    SQLLEN rowCount = 0;
    size_t nextForSqlError = 0;  // SQLError (ODBC 2) hands out each record once

    void clear() {
        records.clear();
        returnCode = SQL_SUCCESS;
        rowCount = 0;
        nextForSqlError = 0;
    }
    void add(ErrorRecord record) { records.push_back(std::move(record)); }
};

enum class Kind { Env, Dbc, Stmt, Desc };
constexpr uint32_t kMagic = 0x46414b45;  // "FAKE"

struct Dbc;
struct Stmt;

struct Handle {
    explicit Handle(Kind k);
    virtual ~Handle();
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    uint32_t magic = kMagic;
    Kind kind;
    long id;  // per kind, from 1, in allocation order; shown in the event log
    Diag diag;
};

// An environment: its attributes and connections.
struct Env : Handle {
    Env();
    std::recursive_mutex mutex;
    SQLINTEGER odbcVersion = SQL_OV_ODBC3;
    SQLUINTEGER pooling = SQL_CP_OFF;
    SQLUINTEGER cpMatch = SQL_CP_STRICT_MATCH;
    std::vector<Dbc*> connections;
};

// An explicitly allocated descriptor, or one of a statement's four implicit ones. The fake
// keeps no descriptor fields: descriptors exist so that handles can be handed out and freed.
struct Desc : Handle {
    explicit Desc(Dbc* owner, Stmt* implicitOf = nullptr);
    Dbc* dbc;
    Stmt* implicitOf;
};

// A connection: attributes, the fault script and, once connected, the server-side session.
struct Dbc : Handle {
    explicit Dbc(Env* env);
    ~Dbc() override;

    Env* env;
    std::recursive_mutex mutex;

    // Attributes (kept across connects, as ODBC wants).
    SQLUINTEGER loginTimeout = 0;
    SQLULEN queryTimeout = 0;
    std::map<SQLINTEGER, SQLULEN> integerAttributes;
    std::map<SQLINTEGER, std::string> stringAttributes;

    // Event log: until the first connect attempt names the log (FakeLog or ODBCFAKE_LOG),
    // lines wait in pendingLog; resolveLog() writes them out.
    std::string logPath;
    bool logResolved = false;
    std::vector<std::string> pendingLog;
    void log(const std::string& line);
    void resolveLog(const std::string& path);

    // Connection state.
    bool connected = false;
    KeyValues keys;
    FaultConfig faults;
    std::string dataSource, user;
    long epoch = 0;     // control-file epoch at connect
    bool lost = false;  // the "server" side is gone
    bool lossReported = false;
    bool doomed = false;  // LoseAt=after:N fired: lost at the next server call
    // Events counted for the fault script (only statements that match FaultMatch count).
    long prepares = 0, executes = 0, commits = 0, completed = 0, fetchHits = 0, describes = 0;
    Session session;
    std::vector<Stmt*> statements;
    std::vector<Desc*> descriptors;  // explicitly allocated
};

struct BoundColumn {
    SQLSMALLINT cType = SQL_C_DEFAULT;
    SQLPOINTER buffer = nullptr;
    SQLLEN capacity = 0;
    SQLLEN* indicator = nullptr;
};

struct BoundParameter {
    SQLSMALLINT ioType = SQL_PARAM_INPUT;
    SQLSMALLINT cType = SQL_C_DEFAULT;
    SQLSMALLINT sqlType = SQL_VARCHAR;
    SQLULEN columnSize = 0;
    SQLSMALLINT digits = 0;
    SQLPOINTER buffer = nullptr;
    SQLLEN capacity = 0;
    SQLLEN* indicator = nullptr;
};

// A statement: prepared plan, result set and cursor, bindings, attributes.
struct Stmt : Handle {
    explicit Stmt(Dbc* dbc);
    ~Stmt() override;

    Dbc* dbc;

    std::string sql;
    std::optional<Plan> plan;
    std::vector<Column> columns;  // of the prepared or executed statement
    std::optional<ResultSet> result;
    bool cursorOpen = false;
    bool onRow = false;  // the last fetch delivered a row (SQLGetData may read it)
    size_t rowsDelivered = 0;
    SQLLEN rowCount = -1;

    std::map<SQLUSMALLINT, BoundColumn> boundColumns;
    std::map<SQLUSMALLINT, BoundParameter> parameters;
    std::string shownParameters;  // the last execute's parameter values, for the event log

    // SQLGetData progress on the current row.
    SQLUSMALLINT getDataColumn = 0;
    size_t getDataOffset = 0;
    bool getDataDone = false;

    // Attributes.
    SQLULEN queryTimeout = 0;
    SQLULEN* rowsFetchedPtr = nullptr;
    SQLUSMALLINT* rowStatusPtr = nullptr;
    std::map<SQLINTEGER, SQLULEN> integerAttributes;
    std::unique_ptr<Desc> implicitDescs[4];  // ARD, APD, IRD, IPD
    Desc* ard = nullptr;
    Desc* apd = nullptr;

    // SQLCancel from another thread.
    std::atomic<bool> cancelRequested{false};
    std::mutex waitMutex;
    std::condition_variable waitCondition;

    // Isolation self-check: set by SQLExecDirect before it calls the exported SQLPrepare,
    // consumed by SQLPrepare (see fake_api.cpp).
    bool selfCallPending = false;
    bool selfCallReached = false;

    void closeCursor() {
        cursorOpen = false;
        onRow = false;
        result.reset();
        rowsDelivered = 0;
        getDataColumn = 0;
    }
};

// Every live handle is registered; a handle is only cast after it was found here.
void registerHandle(Handle* handle);
void unregisterHandle(Handle* handle);
Handle* findHandle(void* pointer, Kind kind);

// Appends one line to the log file (one write(2) with O_APPEND, so processes can share it).
void appendLogLine(const std::string& path, const std::string& line);
// The log for environment-level calls: the ODBCFAKE_LOG environment variable, if set.
std::string environmentLogPath();

}  // namespace odbcfake
