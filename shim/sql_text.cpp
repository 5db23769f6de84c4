#include "shim/sql_text.h"

#include <cctype>
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
                    if (i + 1 < n && sql[i + 1] == q) { i += 2; continue; }
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
        if (c == '$') {  // PostgreSQL dollar quoting: $tag$ ... $tag$
            size_t j = i + 1;
            while (j < n && (std::isalnum(static_cast<unsigned char>(sql[j])) || sql[j] == '_')) ++j;
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
    static constexpr std::string_view kWriting[] = {"INSERT", "UPDATE", "DELETE", "MERGE", "UPSERT", "REPLACE",
                                                    "INTO",   "COPY",   "CALL",   "LOCK",  "NEXTVAL", "SETVAL",
                                                    "FOR",    "TRUNCATE"};
    auto any_writing_word = [&]() {
        // SELECT ... INTO, SELECT ... FOR UPDATE, nextval(): not a plain read.
        std::string_view w;
        while (!(w = next_word()).empty())
            for (auto k : kWriting)
                if (word_equals(w, k)) return true;
        return false;
    };
    if (word_equals(first, "SELECT") || word_equals(first, "WITH") || word_equals(first, "VALUES") ||
        word_equals(first, "TABLE"))
        return any_writing_word() ? StatementKind::Write : StatementKind::Read;
    if (word_equals(first, "SHOW") || word_equals(first, "DESCRIBE") || word_equals(first, "DESC"))
        return StatementKind::Read;
    if (word_equals(first, "EXPLAIN")) {
        std::string_view second = next_word();
        if (word_equals(second, "ANALYZE") || word_equals(second, "ANALYSE")) return StatementKind::Write;
        return StatementKind::Read;
    }
    if (word_equals(first, "SET")) {
        std::string_view second = next_word();
        if (word_equals(second, "TRANSACTION") || word_equals(second, "CONSTRAINTS")) return StatementKind::Write;
        return StatementKind::SessionSet;
    }
    return StatementKind::Write;
}

}  // namespace odbcretry

namespace odbcretry {

SessionEffects session_effects(std::string_view sql) {
    SessionEffects e;
    size_t i = 0;
    while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
    auto upper_at = [&](size_t k) { return static_cast<char>(std::toupper(static_cast<unsigned char>(sql[k]))); };
    auto starts = [&](size_t k, std::string_view word) {
        if (k + word.size() > sql.size()) return false;
        for (size_t j = 0; j < word.size(); ++j)
            if (upper_at(k + j) != word[j]) return false;
        return true;
    };
    if (starts(i, "SET") && i + 3 < sql.size() && std::isspace(static_cast<unsigned char>(sql[i + 3])))
        e.session_set = classify_statement(sql) == StatementKind::SessionSet;
    // Words that create state living only in this session.
    static constexpr std::string_view kMarkers[] = {"TEMPORARY", "TEMP ", "GET_LOCK", "PG_ADVISORY_LOCK",
                                                    "PG_ADVISORY_XACT_LOCK", "LOCK TABLE", "LISTEN ",
                                                    "PREPARE ", "DECLARE "};
    for (size_t k = i; k < sql.size(); ++k) {
        char c = upper_at(k);
        if (c != 'T' && c != 'G' && c != 'P' && c != 'L' && c != 'D') continue;
        for (auto m : kMarkers)
            if (starts(k, m)) {
                e.session_state = true;
                return e;
            }
    }
    return e;
}

}  // namespace odbcretry
