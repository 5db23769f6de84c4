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
