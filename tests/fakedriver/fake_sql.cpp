// SPDX-License-Identifier: Apache-2.0
#include "fake_sql.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <memory>

#include "fake_text.h"

namespace odbcfake {
namespace {

// "c1", "c2" ...: the name of the operand at `index`. (Appended, not "c" + std::to_string():
// GCC 12's -Wrestrict misfires on that at -O3, GCC bug 105329.)
std::string columnName(size_t index) {
    std::string name = "c";
    name += std::to_string(index + 1);
    return name;
}

constexpr long long kMaxSeqRows = 1000000;

struct Token {
    enum class Kind { Word, Int, Str, Sym, End } kind = Kind::End;
    std::string text;  // word (lower-cased), digits, string contents or the symbol
    std::string raw;   // as written, for error messages
};

std::vector<Token> tokenize(std::string_view sql) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < sql.size()) {
        unsigned char c = static_cast<unsigned char>(sql[i]);
        if (std::isspace(c)) {
            ++i;
        } else if (std::isalpha(c) || c == '_') {
            size_t start = i;
            while (i < sql.size() &&
                   (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
                ++i;
            }
            std::string raw(sql.substr(start, i - start));
            tokens.push_back({Token::Kind::Word, lower(raw), raw});
        } else if (std::isdigit(c)) {
            size_t start = i;
            while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) ++i;
            std::string raw(sql.substr(start, i - start));
            tokens.push_back({Token::Kind::Int, raw, raw});
        } else if (c == '\'') {
            size_t start = i++;
            std::string text;
            bool closed = false;
            while (i < sql.size()) {
                if (sql[i] == '\'') {
                    if (i + 1 < sql.size() && sql[i + 1] == '\'') {
                        text.push_back('\'');
                        i += 2;
                        continue;
                    }
                    ++i;
                    closed = true;
                    break;
                }
                text.push_back(sql[i++]);
            }
            std::string raw(sql.substr(start, i - start));
            if (!closed) fail("42000", 1, "[Fake]syntax error near \"" + raw + "\"");
            tokens.push_back({Token::Kind::Str, text, raw});
        } else {
            std::string raw(1, sql[i++]);
            tokens.push_back({Token::Kind::Sym, raw, raw});
        }
    }
    tokens.push_back({Token::Kind::End, "", ""});
    return tokens;
}

class Parser {
  public:
    explicit Parser(std::string_view sql) : tokens_(tokenize(sql)) {}

    Plan parse() {
        Plan plan;
        const Token& first = next();
        if (isWord(first, "select")) {
            parseSelect(plan);
        } else if (isWord(first, "insert")) {
            plan.kind = Plan::Kind::Insert;
            expectWord("into");
            expectTable();
            expectWord("values");
            do {
                expectSym("(");
                Operand value = parseOperand();
                if (!value.isParam && !std::holds_alternative<long long>(value.value)) {
                    errorNear(previous());
                }
                plan.operands.push_back(value);
                expectSym(")");
            } while (acceptSym(","));
        } else if (isWord(first, "delete")) {
            plan.kind = Plan::Kind::Delete;
            expectWord("from");
            expectTable();
        } else if (isWord(first, "set")) {
            plan.kind = Plan::Kind::Set;
            plan.variable = expectName();
            if (!acceptSym("=")) expectWord("to");
            plan.operands.push_back(parseOperand());
        } else if (isWord(first, "show")) {
            plan.kind = Plan::Kind::Show;
            plan.variable = expectName();
        } else {
            errorNear(first);
        }
        acceptSym(";");
        if (peek().kind != Token::Kind::End) errorNear(peek());
        plan.params = params_;
        return plan;
    }

  private:
    void parseSelect(Plan& plan) {
        const Token& head = peek();
        const Token& after = tokens_[std::min(pos_ + 1, tokens_.size() - 1)];
        if (isWord(head, "n") && isWord(after, "from")) {
            plan.kind = Plan::Kind::SelectSeq;
            next(), next();
            expectWord("seq");
            expectSym("(");
            Operand count = parseOperand();
            if (!count.isParam && !std::holds_alternative<long long>(count.value)) {
                errorNear(previous());
            }
            plan.operands.push_back(count);
            expectSym(")");
        } else if (isWord(head, "v") && isWord(after, "from")) {
            plan.kind = Plan::Kind::SelectTable;
            next(), next();
            expectTable();
            if (acceptWord("order")) {
                expectWord("by");
                expectWord("v");
                plan.ordered = true;
                if (acceptWord("desc")) {
                    plan.descending = true;
                } else {
                    acceptWord("asc");
                }
            }
        } else if (isWord(head, "count") && after.kind == Token::Kind::Sym && after.text == "(") {
            plan.kind = Plan::Kind::SelectCount;
            next(), next();
            expectSym("*");
            expectSym(")");
            expectWord("from");
            expectTable();
        } else if (isWord(head, "fake_self_calls")) {
            plan.kind = Plan::Kind::SelectSelfCalls;
            next();
            expectSym("(");
            expectSym(")");
        } else {
            plan.kind = Plan::Kind::SelectLiterals;
            do {
                plan.operands.push_back(parseOperand());
            } while (acceptSym(","));
        }
    }

    Operand parseOperand() {
        const Token& t = next();
        Operand op;
        if (t.kind == Token::Kind::Sym && t.text == "?") {
            op.isParam = true;
            op.param = params_++;
        } else if (t.kind == Token::Kind::Int) {
            op.value = toInteger(t.text, false, t);
        } else if (t.kind == Token::Kind::Sym && t.text == "-" && peek().kind == Token::Kind::Int) {
            const Token& digits = next();
            op.value = toInteger(digits.text, true, digits);
        } else if (t.kind == Token::Kind::Str) {
            op.value = t.text;
        } else if (isWord(t, "null")) {
            op.value = std::monostate{};
        } else {
            errorNear(t);
        }
        return op;
    }

    static long long toInteger(const std::string& digits, bool negative, const Token& t) {
        std::string text = negative ? "-" : "";
        text += digits;
        long long value = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec != std::errc() || end != text.data() + text.size()) {
            fail("22003", 1, "[Fake]integer out of range: " + t.raw);
        }
        return value;
    }

    void expectTable() {
        const Token& t = next();
        if (t.kind != Token::Kind::Word) errorNear(t);
        if (t.text != "t") fail("42S02", 1, "[Fake]table \"" + t.raw + "\" does not exist");
    }

    std::string expectName() {
        const Token& t = next();
        if (t.kind != Token::Kind::Word) errorNear(t);
        return t.text;
    }

    void expectWord(std::string_view word) {
        if (!acceptWord(word)) errorNear(peek());
    }
    bool acceptWord(std::string_view word) {
        if (!isWord(peek(), word)) return false;
        next();
        return true;
    }
    void expectSym(std::string_view sym) {
        if (!acceptSym(sym)) errorNear(peek());
    }
    bool acceptSym(std::string_view sym) {
        if (peek().kind != Token::Kind::Sym || peek().text != sym) return false;
        next();
        return true;
    }

    static bool isWord(const Token& t, std::string_view word) {
        return t.kind == Token::Kind::Word && t.text == word;
    }

    [[noreturn]] static void errorNear(const Token& t) {
        if (t.kind == Token::Kind::End) fail("42000", 1, "[Fake]syntax error at end of input");
        fail("42000", 1, "[Fake]syntax error near \"" + t.raw + "\"");
    }

    const Token& peek() const { return tokens_[pos_]; }
    const Token& previous() const { return tokens_[pos_ == 0 ? 0 : pos_ - 1]; }
    const Token& next() {
        const Token& t = tokens_[pos_];
        if (pos_ + 1 < tokens_.size()) ++pos_;
        return t;
    }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
    int params_ = 0;
};

Column describeValue(std::string name, const Value& value) {
    Column c;
    c.name = std::move(name);
    if (const long long* i = std::get_if<long long>(&value)) {
        bool fitsInt = *i >= std::numeric_limits<SQLINTEGER>::min() &&
                       *i <= std::numeric_limits<SQLINTEGER>::max();
        c.type = fitsInt ? SQL_INTEGER : SQL_BIGINT;
        c.size = fitsInt ? 10 : 19;
    } else if (const std::string* s = std::get_if<std::string>(&value)) {
        c.type = SQL_VARCHAR;
        c.size = std::max<SQLULEN>(1, s->size());
    } else {
        c.type = SQL_VARCHAR;
        c.size = 1;
        c.nullable = SQL_NULLABLE;
    }
    return c;
}

Column integerColumn(std::string name, SQLSMALLINT type = SQL_INTEGER) {
    Column c;
    c.name = std::move(name);
    c.type = type;
    c.size = type == SQL_BIGINT ? 19 : 10;
    return c;
}

const Value& resolve(const Operand& op, const std::vector<Value>& params) {
    return op.isParam ? params.at(static_cast<size_t>(op.param)) : op.value;
}

long long integerOperand(const Operand& op, const std::vector<Value>& params) {
    const Value& v = resolve(op, params);
    if (const long long* i = std::get_if<long long>(&v)) return *i;
    if (const std::string* s = std::get_if<std::string>(&v)) {
        std::string t = trim(*s);
        long long value = 0;
        auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
        if (!t.empty() && ec == std::errc() && end == t.data() + t.size()) return value;
    }
    fail("22018", 1, "[Fake]invalid integer value: " + valueText(v));
}

}  // namespace

Plan parseSql(std::string_view sql) {
    return Parser(sql).parse();
}

std::vector<Column> describePlan(const Plan& plan) {
    switch (plan.kind) {
        case Plan::Kind::SelectSeq:
            return {integerColumn("n")};
        case Plan::Kind::SelectTable:
            return {integerColumn("v")};
        case Plan::Kind::SelectCount:
            return {integerColumn("count", SQL_BIGINT)};
        case Plan::Kind::SelectSelfCalls:
            return {integerColumn("fake_self_calls")};
        case Plan::Kind::Show: {
            Column c;
            c.name = plan.variable;
            c.type = SQL_VARCHAR;
            c.size = 255;
            c.nullable = SQL_NULLABLE;
            return {c};
        }
        case Plan::Kind::SelectLiterals: {
            std::vector<Column> columns;
            for (size_t i = 0; i < plan.operands.size(); ++i) {
                std::string name = columnName(i);
                if (plan.operands[i].isParam) {
                    Column c;
                    c.name = name;
                    c.type = SQL_VARCHAR;
                    c.size = 255;
                    c.nullable = SQL_NULLABLE_UNKNOWN;
                    columns.push_back(c);
                } else {
                    columns.push_back(describeValue(name, plan.operands[i].value));
                }
            }
            return columns;
        }
        case Plan::Kind::Insert:
        case Plan::Kind::Delete:
        case Plan::Kind::Set:
            return {};
    }
    return {};
}

Database& databaseNamed(const std::string& name) {
    static std::mutex mutex;
    // Databases live as long as the process: connections keep plain pointers to them.
    static std::map<std::string, std::unique_ptr<Database>> databases;
    std::lock_guard lock(mutex);
    auto& slot = databases[name];
    if (!slot) slot = std::make_unique<Database>();
    return *slot;
}

void Session::commit() {
    if (pending.empty()) return;
    std::lock_guard lock(database->mutex);
    for (const PendingChange& change : pending) {
        if (change.isInsert) {
            database->t.insert(change.value);
        } else {
            database->t.clear();
        }
    }
    pending.clear();
}

std::multiset<long long> Session::visibleRows() const {
    std::multiset<long long> rows;
    {
        std::lock_guard lock(database->mutex);
        rows = database->t;
    }
    for (const PendingChange& change : pending) {
        if (change.isInsert) {
            rows.insert(change.value);
        } else {
            rows.clear();
        }
    }
    return rows;
}

Outcome executePlan(const Plan& plan, const std::vector<Value>& params, Session& session) {
    Outcome out;
    auto resultOf = [&](std::vector<Column> columns) {
        out.hasResultSet = true;
        out.result.columns = std::move(columns);
    };
    switch (plan.kind) {
        case Plan::Kind::SelectSeq: {
            long long count = integerOperand(plan.operands.at(0), params);
            if (count > kMaxSeqRows) fail("54000", 1, "[Fake]seq() is limited to 1000000 rows");
            resultOf(describePlan(plan));
            for (long long n = 1; n <= count; ++n) out.result.rows.push_back({Value{n}});
            break;
        }
        case Plan::Kind::SelectLiterals: {
            std::vector<Column> columns;
            std::vector<Value> row;
            for (size_t i = 0; i < plan.operands.size(); ++i) {
                const Value& v = resolve(plan.operands[i], params);
                columns.push_back(describeValue(columnName(i), v));
                row.push_back(v);
            }
            resultOf(std::move(columns));
            out.result.rows.push_back(std::move(row));
            break;
        }
        case Plan::Kind::SelectTable: {
            resultOf(describePlan(plan));
            std::multiset<long long> rows = session.visibleRows();
            // A multiset iterates in ascending order; without ORDER BY any order is correct.
            for (long long v : rows) out.result.rows.push_back({Value{v}});
            if (plan.ordered && plan.descending) {
                std::reverse(out.result.rows.begin(), out.result.rows.end());
            }
            break;
        }
        case Plan::Kind::SelectCount: {
            resultOf(describePlan(plan));
            out.result.rows.push_back(
                {Value{static_cast<long long>(session.visibleRows().size())}});
            break;
        }
        case Plan::Kind::SelectSelfCalls: {
            resultOf(describePlan(plan));
            out.result.rows.push_back({Value{session.selfCalls}});
            break;
        }
        case Plan::Kind::Show: {
            // SHOW returns the value as text, as servers do; an unset variable is NULL.
            resultOf(describePlan(plan));
            Value shown;
            auto it = session.variables.find(plan.variable);
            if (it != session.variables.end()) {
                if (const long long* i = std::get_if<long long>(&it->second)) {
                    shown = std::to_string(*i);
                } else {
                    shown = it->second;
                }
            }
            out.result.rows.push_back({shown});
            break;
        }
        case Plan::Kind::Insert: {
            std::vector<long long> values;
            for (const Operand& op : plan.operands) {
                long long v = integerOperand(op, params);
                if (v < std::numeric_limits<SQLINTEGER>::min() ||
                    v > std::numeric_limits<SQLINTEGER>::max()) {
                    fail("22003", 1, "[Fake]integer out of range for t.v: " + std::to_string(v));
                }
                values.push_back(v);
            }
            if (session.autocommit) {
                std::lock_guard lock(session.database->mutex);
                session.database->t.insert(values.begin(), values.end());
            } else {
                for (long long v : values) session.pending.push_back({true, v});
            }
            out.rowCount = static_cast<long long>(values.size());
            break;
        }
        case Plan::Kind::Delete: {
            if (session.autocommit) {
                std::lock_guard lock(session.database->mutex);
                out.rowCount = static_cast<long long>(session.database->t.size());
                session.database->t.clear();
            } else {
                out.rowCount = static_cast<long long>(session.visibleRows().size());
                session.pending.push_back({false, 0});
            }
            break;
        }
        case Plan::Kind::Set: {
            session.variables[plan.variable] = resolve(plan.operands.at(0), params);
            out.rowCount = 0;
            break;
        }
    }
    if (out.hasResultSet) out.rowCount = static_cast<long long>(out.result.rows.size());
    return out;
}

std::string valueText(const Value& value) {
    if (const long long* i = std::get_if<long long>(&value)) return std::to_string(*i);
    if (const std::string* s = std::get_if<std::string>(&value)) {
        std::string out = "'";
        for (char c : *s) {
            out.push_back(c);
            if (c == '\'') out.push_back('\'');
        }
        return out + "'";
    }
    return "NULL";
}

}  // namespace odbcfake
