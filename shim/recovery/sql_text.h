// SPDX-License-Identifier: Apache-2.0
// Small facts about SQL text, found without parsing it fully: only what retry and replay
// decisions need. Quotes, identifiers in double quotes or backticks, dollar-quoted strings and
// comments are skipped, the way the target's dialect writes them.
#pragma once
#include <string>
#include <string_view>

namespace odbcretry {

// How string literals end. Generic: standard SQL ('' is the only escape). Postgres: standard
// strings ('C:\' ends at its quote), backslash escapes only in E'...' strings. MySql: a backslash
// escapes the next character in '...' and "...".
enum class SqlDialect { Generic, Postgres, MySql };

// True when the text holds one statement (a trailing ';' allowed).
bool is_single_statement(std::string_view sql, SqlDialect dialect = SqlDialect::Generic);

enum class StatementKind { Read, SessionSet, Write, Unknown };
// Read: SELECT, VALUES, SHOW, EXPLAIN (without ANALYZE), WITH ... SELECT without data-changing
// clauses, TABLE. SessionSet: one SET name = value of the session (not SET TRANSACTION, LOCAL,
// GLOBAL, autocommit). Write: anything else, and every batch of several statements. Unknown:
// cannot tell (treated as a write).
StatementKind classify_statement(std::string_view sql, SqlDialect dialect = SqlDialect::Generic);

}  // namespace odbcretry

namespace odbcretry {

// What executing a statement does to the session, beyond its result: found by a quick scan of
// the text when it is prepared or executed directly.
struct SessionEffects {
    // One SET [SESSION] name = value: journaled by name and run again on a new session.
    bool session_set = false;
    // State a new session cannot be given: temporary tables, session or advisory locks, LISTEN,
    // PREPARE, SET autocommit / IMPLICIT_TRANSACTIONS, a SET inside a batch.
    bool session_state = false;
    // The last transaction statement of the text: BEGIN [WORK|TRANSACTION] / START TRANSACTION
    // opens one; COMMIT / ROLLBACK / END / ABORT end it. ROLLBACK TO, SAVEPOINT, RELEASE and
    // T-SQL's BEGIN TRY are not either.
    bool transaction_begin = false;
    bool transaction_end = false;
    bool transaction_rollback = false;  // the end is ROLLBACK / ABORT
    bool savepoint_rollback = false;    // ROLLBACK TO [SAVEPOINT]
    // Something that may write ran after the last transaction statement (or there was none).
    bool work = true;
    bool batch = false;  // several statements
};
SessionEffects session_effects(std::string_view sql, SqlDialect dialect = SqlDialect::Generic);

// The journal's key of a single SET: the setting's name, lower case ("search_path"), or the
// whole text when it assigns several settings at once. Empty when it is not one.
std::string session_set_key(std::string_view sql);

}  // namespace odbcretry
