#include "shim/sql_text.h"

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

// Calls `on_code(i)` for every character outside quotes and comments; stops when it returns false.
template <class F>
void scan_code(std::string_view sql, F&& on_code) {
    size_t i = 0, n = sql.size();
    while (i < n) {
        char c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            char q = c;
            ++i;
            while (i < n) {
                if (sql[i] == q) {
                    if (i + 1 < n && sql[i + 1] == q) {
                        i += 2;
                        continue;
                    }
                    break;
                }
                if (sql[i] == '\\' && q == '\'' && i + 1 < n) ++i;  // MySQL-style escapes
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
        bool after_identifier =
            i > 0 && (std::isalnum(static_cast<unsigned char>(sql[i - 1])) || sql[i - 1] == '_');
        if (c == '$' && !after_identifier) {  // PostgreSQL dollar quoting: $tag$ ... $tag$
            size_t j = i + 1;
            while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_'))
                ++j;
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

bool is_single_statement(std::string_view sql) {
    bool seen_semicolon = false, more_after = false;
    scan_code(sql, [&](size_t i) {
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

StatementKind classify_statement(std::string_view sql) {
    // The words of the statement outside quotes and comments, upper-cased on comparison.
    std::string words;
    scan_code(sql, [&](size_t i) {
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
    if (word_equals(first, "SET")) {
        std::string_view second = next_word();
        if (word_equals(second, "TRANSACTION") || word_equals(second, "CONSTRAINTS"))
            return StatementKind::Write;
        return StatementKind::SessionSet;
    }
    return StatementKind::Write;
}

}  // namespace odbcretry

namespace odbcretry {

SessionEffects session_effects(std::string_view sql) {
    // Whole words outside quotes and comments, compared upper-cased in a fixed buffer: no
    // allocation, as this runs for every statement executed directly.
    SessionEffects e;
    char word[32];
    size_t length = 0, words = 0;
    bool too_long = false;
    char previous[32] = {};
    size_t previous_length = 0;
    auto is_word = [](std::string_view w, std::string_view k) { return w == k; };
    auto finish = [&]() {
        if (length == 0 && !too_long) return;
        std::string_view w(word, too_long ? 0 : length);
        std::string_view before(previous, previous_length);
        if (words == 0) {
            e.transaction_begin = is_word(w, "BEGIN") || is_word(w, "START");
            e.transaction_end = is_word(w, "COMMIT") || is_word(w, "ROLLBACK") ||
                                is_word(w, "END") || is_word(w, "ABORT");
            e.session_set = is_word(w, "SET");
            if (is_word(w, "PREPARE") || is_word(w, "LISTEN") || is_word(w, "DECLARE"))
                e.session_state = true;
        } else if (words == 1 && e.session_set) {
            // SET TRANSACTION / SET CONSTRAINTS change only the current transaction.
            if (is_word(w, "TRANSACTION") || is_word(w, "CONSTRAINTS") || is_word(w, "LOCAL"))
                e.session_set = false;
        } else if (words == 1 && e.transaction_begin && is_word(before, "START")) {
            e.transaction_begin = is_word(w, "TRANSACTION");
        }
        if (is_word(w, "TEMPORARY") || (is_word(w, "TABLE") && is_word(before, "TEMP")) ||
            (is_word(w, "TEMP") && (is_word(before, "INTO") || is_word(before, "CREATE") ||
                                    is_word(before, "LOCAL") || is_word(before, "GLOBAL"))) ||
            is_word(w, "GET_LOCK") || is_word(w, "PG_ADVISORY_LOCK") ||
            is_word(w, "PG_ADVISORY_LOCK_SHARED") || is_word(w, "PG_TRY_ADVISORY_LOCK") ||
            is_word(w, "PG_TRY_ADVISORY_LOCK_SHARED") ||
            ((is_word(w, "TABLE") || is_word(w, "TABLES")) && is_word(before, "LOCK")))
            e.session_state = true;
        std::memcpy(previous, word, too_long ? 0 : length);
        previous_length = too_long ? 0 : length;
        ++words;
        length = 0;
        too_long = false;
    };
    scan_code(sql, [&](size_t i) {
        char c = sql[i];
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            if (length < sizeof word)
                word[length++] = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            else
                too_long = true;
        } else {
            finish();
        }
        return true;
    });
    finish();
    if (e.transaction_begin && words == 1) e.transaction_begin = true;  // a bare BEGIN
    return e;
}

}  // namespace odbcretry
