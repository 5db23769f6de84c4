// SPDX-License-Identifier: Apache-2.0
// The fake's tiny SQL dialect and its in-memory databases.
//
// Statements understood (keywords and names case-insensitive, an optional trailing ';'):
//   SELECT n FROM seq(K)                 K rows, one INTEGER column n = 1..K
//   SELECT <lit>[, <lit>...]             one row; literals are integers, 'strings', NULL or ?
//   SELECT v FROM t [ORDER BY v [ASC|DESC]]
//   SELECT count(*) FROM t
//   SELECT fake_self_calls()             how many SQLExecDirect calls on this connection reached
//                                        the fake's own exported SQLPrepare (see fake_api.cpp)
//   INSERT INTO t VALUES (<int>)[, (<int>)...]
//   DELETE FROM t
//   SET <name> = <lit>  /  SHOW <name>   a per-connection session variable (lost with the
//                                        connection, so tests can see whether it was restored)
// Anything else is 42000 "[Fake]syntax error near ..."; another table name is 42S02.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fake_odbc.h"

namespace odbcfake {

// A cell: SQL NULL, an integer or a string.
using Value = std::variant<std::monostate, long long, std::string>;

struct Column {
    std::string name;
    SQLSMALLINT type = SQL_INTEGER;  // SQL_INTEGER, SQL_BIGINT or SQL_VARCHAR
    SQLULEN size = 10;
    SQLSMALLINT nullable = SQL_NO_NULLS;
};

struct ResultSet {
    std::vector<Column> columns;
    std::vector<std::vector<Value>> rows;
};

// A literal or a parameter marker in a parsed statement.
struct Operand {
    bool isParam = false;
    int param = 0;  // 0-based index of the '?' when isParam
    Value value;
};

// A parsed statement; `?` markers are resolved only at execution.
struct Plan {
    enum class Kind {
        SelectSeq,
        SelectLiterals,
        SelectTable,
        SelectCount,
        SelectSelfCalls,
        Insert,
        Delete,
        Set,
        Show
    };
    Kind kind = Kind::SelectLiterals;
    std::vector<Operand> operands;  // seq: {K}; literals: the items; insert: the values; set: {v}
    bool descending = false;
    bool ordered = false;
    std::string variable;  // SET / SHOW
    int params = 0;        // number of '?' markers
};

// Throws SqlError 42000 (syntax) or 42S02 (unknown table).
Plan parseSql(std::string_view sql);
// Result columns known before execution (a '?' item is described as VARCHAR).
std::vector<Column> describePlan(const Plan& plan);

// One named database, shared by every connection in the process that names it.
struct Database {
    std::mutex mutex;
    std::multiset<long long> t;  // guarded by mutex
};
Database& databaseNamed(const std::string& name);

// A change an open transaction has made but not committed.
struct PendingChange {
    bool isInsert = true;  // false: DELETE FROM t
    long long value = 0;
};

// The server side of one connection: its database, transaction and session variables.
// Owned by a Dbc and used under that Dbc's lock.
struct Session {
    Database* database = nullptr;
    bool autocommit = true;
    std::vector<PendingChange> pending;
    std::map<std::string, Value> variables;
    long long selfCalls = 0;

    void commit();
    void rollback() { pending.clear(); }
    std::multiset<long long> visibleRows() const;  // committed rows plus own pending changes
};

struct Outcome {
    bool hasResultSet = false;
    ResultSet result;
    long long rowCount = -1;
};

// Runs a parsed statement; params hold one value per '?'. Throws SqlError (22018 when a
// parameter of INSERT is not an integer).
Outcome executePlan(const Plan& plan, const std::vector<Value>& params, Session& session);

std::string valueText(const Value& value);  // NULL, 42 or 'text' for the event log

}  // namespace odbcfake
