// SPDX-License-Identifier: Apache-2.0
#include "shim/recovery/sql_text.h"

#include <cctype>
#include <cstring>
#include <string>

namespace odbcretry {

namespace {

bool word_equals(std::string_view word, std::string_view keyword) {
    if (word.size() != keyword.size()) return false;
    for (size_t i = 0; i < word.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(word[i])) != keyword[i]) return false;
    return true;
}

bool is_word_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// Calls `on_code(i)` for every character outside quotes and comments; stops when it returns false.
template <class F>
void scan_code(std::string_view sql, SqlDialect dialect, F&& on_code) {
    size_t i = 0, n = sql.size();
    while (i < n) {
        char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            char q = c;
            // Where a backslash escapes the next character: MySQL's strings, PostgreSQL's E'...'.
            bool backslash = false;
            if (dialect == SqlDialect::MySql)
                backslash = q != '`';
            else if (dialect == SqlDialect::Postgres && q == '\'' && i > 0 &&
                     (sql[i - 1] == 'E' || sql[i - 1] == 'e'))
                backslash = i < 2 || !is_word_char(sql[i - 2]);
            ++i;
            while (i < n) {
                if (sql[i] == q) {
                    if (i + 1 < n && sql[i + 1] == q) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                if (backslash && sql[i] == '\\' && i + 1 < n) ++i;
                ++i;
            }
            ++i;
            continue;
        }
        if (c == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n') ++i;
            continue;
        }
        if (c == '/' && i + 1 < n && sql[i + 1] == '*') {
            size_t end = sql.find("*/", i + 2);
            i = end == std::string_view::npos ? n : end + 2;
            continue;
        }
        bool after_identifier = i > 0 && is_word_char(sql[i - 1]);
        if (c == '$' && !after_identifier) {  // PostgreSQL dollar quoting: $tag$ ... $tag$
            size_t j = i + 1;
            while (j < n && is_word_char(sql[j])) ++j;
            if (j < n && sql[j] == '$') {
                std::string_view tag = sql.substr(i, j - i + 1);
                size_t end = sql.find(tag, j + 1);
                i = end == std::string_view::npos ? n : end + tag.size();
                continue;
            }
        }
        if (!on_code(i)) return;
        ++i;
    }
}

}  // namespace

bool is_single_statement(std::string_view sql, SqlDialect dialect) {
    bool seen_semicolon = false, more_after = false;
    scan_code(sql, dialect, [&](size_t i) {
        char c = sql[i];
        if (c == ';') {
            seen_semicolon = true;
        } else if (seen_semicolon && !std::isspace(static_cast<unsigned char>(c))) {
            more_after = true;
            return false;
        }
        return true;
    });
    return !more_after;
}

StatementKind classify_statement(std::string_view sql, SqlDialect dialect) {
    // A batch is never a read or a session setting, whatever its first statement is.
    if (!is_single_statement(sql, dialect)) return StatementKind::Write;
    // The words of the statement outside quotes and comments, upper-cased on comparison.
    std::string words;
    scan_code(sql, dialect, [&](size_t i) {
        char c = sql[i];
        words += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : ' ';
        return words.size() < 100000;
    });
    size_t pos = 0;
    auto next_word = [&]() -> std::string_view {
        while (pos < words.size() && words[pos] == ' ') ++pos;
        size_t start = pos;
        while (pos < words.size() && words[pos] != ' ') ++pos;
        return std::string_view(words).substr(start, pos - start);
    };
    std::string_view first = next_word();
    if (first.empty()) return StatementKind::Unknown;
    static constexpr std::string_view kWriting[] = {
        "INSERT", "UPDATE", "DELETE", "MERGE",   "UPSERT", "REPLACE", "INTO",
        "COPY",   "CALL",   "LOCK",   "NEXTVAL", "SETVAL", "FOR",     "TRUNCATE"};
    auto any_writing_word = [&]() {
        // SELECT ... INTO, SELECT ... FOR UPDATE, nextval(): not a plain read.
        std::string_view w;
        while (!(w = next_word()).empty())
            for (auto k : kWriting)
                if (word_equals(w, k)) return true;
        return false;
    };
    if (word_equals(first, "SELECT") || word_equals(first, "WITH") ||
        word_equals(first, "VALUES") || word_equals(first, "TABLE"))
        return any_writing_word() ? StatementKind::Write : StatementKind::Read;
    if (word_equals(first, "SHOW") || word_equals(first, "DESCRIBE") || word_equals(first, "DESC"))
        return StatementKind::Read;
    if (word_equals(first, "EXPLAIN")) {
        // EXPLAIN ANALYZE (also inside an option list) runs the statement.
        std::string_view w;
        while (!(w = next_word()).empty())
            if (word_equals(w, "ANALYZE") || word_equals(w, "ANALYSE")) return StatementKind::Write;
        return StatementKind::Read;
    }
    if (word_equals(first, "SET"))
        return session_effects(sql, dialect).session_set ? StatementKind::SessionSet
                                                         : StatementKind::Write;
    return StatementKind::Write;
}

}  // namespace odbcretry

namespace odbcretry {

namespace {

// What one statement of a text is, for the transaction and session bookkeeping.
enum class StatementRole { None, Begin, End, JournaledSet, UnrebuildableSet, Other };

// From the first three words of a statement (upper case) and whether ROLLBACK ... TO was seen.
StatementRole statement_role(std::string_view first, std::string_view second,
                             std::string_view third, bool rollback_to) {
    if (first.empty()) return StatementRole::None;
    if (first == "BEGIN") {
        // BEGIN [WORK | TRANSACTION | TRAN] [modes]; not T-SQL's BEGIN TRY / CATCH / END blocks.
        static constexpr std::string_view kAfterBegin[] = {
            "",    "WORK",       "TRANSACTION", "TRAN",      "ISOLATION", "READ",
            "NOT", "DEFERRABLE", "DEFERRED",    "IMMEDIATE", "EXCLUSIVE"};
        for (auto w : kAfterBegin)
            if (second == w) return StatementRole::Begin;
        return StatementRole::Other;
    }
    if (first == "START")
        return second == "TRANSACTION" ? StatementRole::Begin : StatementRole::Other;
    if (first == "COMMIT" || first == "END" || first == "ABORT" || first == "ROLLBACK") {
        // ROLLBACK TO SAVEPOINT keeps the transaction; COMMIT / ROLLBACK PREPARED end another.
        if (rollback_to || second == "PREPARED") return StatementRole::Other;
        return StatementRole::End;
    }
    if (first != "SET") return StatementRole::Other;
    std::string_view name = second;
    if (second == "SESSION") {
        if (third == "CHARACTERISTICS" || third == "AUTHORIZATION")
            return StatementRole::JournaledSet;
        name = third;
    }
    // Transaction-scoped, or not the session's: nothing to journal.
    if (name == "TRANSACTION" || name == "CONSTRAINTS" || name == "LOCAL" || name == "GLOBAL" ||
        name == "PERSIST" || name == "PERSIST_ONLY" || name == "PASSWORD" || name.empty())
        return StatementRole::Other;
    // The transaction mode, set behind the driver's back: a new session cannot be given it.
    if (name == "AUTOCOMMIT" || name == "IMPLICIT_TRANSACTIONS")
        return StatementRole::UnrebuildableSet;
    return StatementRole::JournaledSet;
}

}  // namespace

SessionEffects session_effects(std::string_view sql, SqlDialect dialect) {
    // Whole words outside quotes and comments, compared upper-cased in fixed buffers: no
    // allocation, as this runs for every statement executed directly.
    SessionEffects e;
    char word[32];
    size_t length = 0;
    bool too_long = false;
    char previous[32] = {};
    size_t previous_length = 0;
    // The current statement: its first three words, and whether it is ROLLBACK ... TO.
    char heads[3][32];
    size_t head_lengths[3] = {};
    size_t words = 0;  // in the current statement
    bool rollback_to = false;
    size_t statements = 0;
    bool control_seen = false, work_after_control = false, set_seen = false;
    StatementRole single = StatementRole::None;
    auto finish_word = [&]() {
        if (length == 0 && !too_long) return;
        std::string_view w(word, too_long ? 0 : length);
        std::string_view before(previous, previous_length);
        if (words < 3) {
            std::memcpy(heads[words], word, too_long ? 0 : length);
            head_lengths[words] = too_long ? 0 : length;
        }
        if (words == 0 && (w == "PREPARE" || w == "LISTEN" || w == "DECLARE"))
            e.session_state = true;
        if (words > 0 && w == "TO" && std::string_view(heads[0], head_lengths[0]) == "ROLLBACK")
            rollback_to = true;
        if (w == "TEMPORARY" || (w == "TABLE" && before == "TEMP") ||
            (w == "TEMP" &&
             (before == "INTO" || before == "CREATE" || before == "LOCAL" || before == "GLOBAL")) ||
            w == "GET_LOCK" || w == "PG_ADVISORY_LOCK" || w == "PG_ADVISORY_LOCK_SHARED" ||
            w == "PG_TRY_ADVISORY_LOCK" || w == "PG_TRY_ADVISORY_LOCK_SHARED" ||
            ((w == "TABLE" || w == "TABLES") && before == "LOCK"))
            e.session_state = true;
        std::memcpy(previous, word, too_long ? 0 : length);
        previous_length = too_long ? 0 : length;
        ++words;
        length = 0;
        too_long = false;
    };
    auto finish_statement = [&]() {
        finish_word();
        if (words == 0) return;
        auto head = [&](int k) {
            return words > static_cast<size_t>(k) ? std::string_view(heads[k], head_lengths[k])
                                                  : std::string_view();
        };
        StatementRole role = statement_role(head(0), head(1), head(2), rollback_to);
        switch (role) {
            case StatementRole::Begin:
            case StatementRole::End:
                control_seen = true;
                work_after_control = false;
                e.transaction_begin = role == StatementRole::Begin;
                e.transaction_end = role == StatementRole::End;
                e.transaction_rollback =
                    e.transaction_end && (head(0) == "ROLLBACK" || head(0) == "ABORT");
                break;
            case StatementRole::UnrebuildableSet:
                e.session_state = true;
                [[fallthrough]];
            case StatementRole::JournaledSet:
                set_seen = true;
                work_after_control = true;
                break;
            default:
                work_after_control = true;
                if (rollback_to && head(0) == "ROLLBACK") e.savepoint_rollback = true;
                break;
        }
        single = role;
        ++statements;
        words = 0;
        rollback_to = false;
        previous_length = 0;
    };
    scan_code(sql, dialect, [&](size_t i) {
        char c = sql[i];
        if (is_word_char(c)) {
            if (length < sizeof word)
                word[length++] = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            else
                too_long = true;
        } else if (c == ';') {
            finish_statement();
        } else {
            finish_word();
        }
        return true;
    });
    finish_statement();
    e.batch = statements > 1;
    e.work = statements > 0 && (!control_seen || work_after_control);
    e.session_set = !e.batch && single == StatementRole::JournaledSet;
    // A SET inside a batch cannot be journaled alone: the session cannot be rebuilt.
    if (e.batch && set_seen) e.session_state = true;
    return e;
}

std::string session_set_key(std::string_view sql) {
    // After SET [SESSION] (or @@session.), the name up to '=', ' ' or "TO". A top-level comma
    // may assign several settings (MySQL): then the whole text is the key.
    std::string text(sql);
    size_t i = 0;
    auto skip_space = [&]() {
        for (;;) {
            while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
            if (text.compare(i, 2, "/*") == 0) {
                size_t e = text.find("*/", i + 2);
                i = e == std::string::npos ? text.size() : e + 2;
            } else if (text.compare(i, 2, "--") == 0) {
                while (i < text.size() && text[i] != '\n') ++i;
            } else {
                return;
            }
        }
    };
    auto word_at = [&](std::string_view w) {
        if (i + w.size() > text.size()) return false;
        for (size_t k = 0; k < w.size(); ++k)
            if (std::toupper(static_cast<unsigned char>(text[i + k])) != w[k]) return false;
        return i + w.size() == text.size() || !is_word_char(text[i + w.size()]);
    };
    skip_space();
    if (!word_at("SET")) return {};
    i += 3;
    skip_space();
    if (word_at("SESSION")) {
        i += 7;
        skip_space();
    }
    if (text.compare(i, 10, "@@session.") == 0 || text.compare(i, 10, "@@SESSION.") == 0) i += 10;
    size_t start = i;
    while (i < text.size() && (is_word_char(text[i]) || text[i] == '.' || text[i] == '@' ||
                               text[i] == '"' || text[i] == '`'))
        ++i;
    std::string key = text.substr(start, i - start);
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (key.empty()) return text;
    int depth = 0;
    bool several = false;
    scan_code(std::string_view(text).substr(i), SqlDialect::Generic, [&](size_t k) {
        char c = text[i + k];
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if (c == ',' && depth == 0) several = true;
        return !several;
    });
    return several ? text : key;
}

}  // namespace odbcretry
