// Small facts about SQL text, found without parsing it fully: only what retry and replay
// decisions need. Quotes, identifiers in double quotes or backticks, dollar-quoted strings and
// comments are skipped.
#pragma once
#include <string_view>

namespace odbcretry {

// True when the text holds one statement (a trailing ';' allowed).
bool is_single_statement(std::string_view sql);

enum class StatementKind { Read, SessionSet, Write, Unknown };
// Read: SELECT, VALUES, SHOW, EXPLAIN (without ANALYZE), WITH ... SELECT without data-changing
// clauses, TABLE. SessionSet: SET (session settings, not SET TRANSACTION). Write: anything else
// that is known to change data or state. Unknown: cannot tell (treated as a write).
StatementKind classify_statement(std::string_view sql);

}  // namespace odbcretry

namespace odbcretry {

// What executing a statement does to the session, beyond its result: found by a quick scan of
// the text when it is prepared or executed directly.
struct SessionEffects {
    bool session_set = false;    // SET name = value (not SET TRANSACTION): journaled and replayed
    bool session_state = false;  // temporary tables, session or advisory locks, LISTEN, PREPARE
    bool transaction_begin = false;  // BEGIN / START TRANSACTION: a transaction opened by SQL text
    bool transaction_end = false;    // COMMIT / ROLLBACK / END / ABORT by SQL text
};
SessionEffects session_effects(std::string_view sql);

}  // namespace odbcretry
