// SPDX-License-Identifier: Apache-2.0
// parse_rules: the syntax of the user's rule keys, and its error messages.
#include <gtest/gtest.h>

#include "shim/retry/classifier.h"

namespace odbcretry {
namespace {

std::vector<Rule> parse_ok(std::string_view text, ErrorClass cls = ErrorClass::Transient) {
    auto r = parse_rules(text, cls);
    EXPECT_TRUE(r.ok()) << text << ": " << r.error();
    return r.ok() ? r.value() : std::vector<Rule>{};
}

std::string parse_error(std::string_view text) {
    auto r = parse_rules(text, ErrorClass::Transient);
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? std::string() : r.error();
}

TEST(ParseRules, SqlstateOnly) {
    auto rules = parse_ok("08S01", ErrorClass::ConnectionLost);
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].sqlstate, "08S01");
    EXPECT_FALSE(rules[0].native);
    EXPECT_TRUE(rules[0].message_substring.empty());
    EXPECT_EQ(rules[0].cls, ErrorClass::ConnectionLost);
    EXPECT_EQ(rules[0].phases, kAnyPhase);
    EXPECT_EQ(rules[0].name, "user rule \"08S01\"");
}

TEST(ParseRules, SqlstateClassIsUpperCased) {
    auto rules = parse_ok("08, hy000");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].sqlstate, "08");
    EXPECT_EQ(rules[1].sqlstate, "HY000");
}

TEST(ParseRules, SqlstateWithNative) {
    auto rules = parse_ok("HY000:2006");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].sqlstate, "HY000");
    EXPECT_EQ(rules[0].native, 2006);
}

TEST(ParseRules, NativeOnly) {
    for (const char* text : {"*:2006", ":2006", " * : 2006 "}) {
        auto rules = parse_ok(text);
        ASSERT_EQ(rules.size(), 1u) << text;
        EXPECT_TRUE(rules[0].sqlstate.empty()) << text;
        EXPECT_EQ(rules[0].native, 2006) << text;
    }
    auto negative = parse_ok("*:-911");
    ASSERT_EQ(negative.size(), 1u);
    EXPECT_EQ(negative[0].native, -911);
}

TEST(ParseRules, Message) {
    auto rules = parse_ok("~has gone away");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_TRUE(rules[0].sqlstate.empty());
    EXPECT_EQ(rules[0].message_substring, "has gone away");
}

TEST(ParseRules, QuotedMessageMayHoldSeparatorsAndQuotes) {
    auto rules = parse_ok("08001~\"starting up, again; soon\", ~\"say \"\"hi\"\"\"");
    ASSERT_EQ(rules.size(), 2u);
    EXPECT_EQ(rules[0].sqlstate, "08001");
    EXPECT_EQ(rules[0].message_substring, "starting up, again; soon");
    EXPECT_EQ(rules[1].message_substring, "say \"hi\"");
}

TEST(ParseRules, AllParts) {
    auto rules = parse_ok("HY000:1~\"server closed the connection unexpectedly\"");
    ASSERT_EQ(rules.size(), 1u);
    EXPECT_EQ(rules[0].sqlstate, "HY000");
    EXPECT_EQ(rules[0].native, 1);
    EXPECT_EQ(rules[0].message_substring, "server closed the connection unexpectedly");
    EXPECT_TRUE(rules[0].matches(
        {"HY000", 1, "FATAL: x\nServer closed the connection unexpectedly"}, Phase::Statement));
    EXPECT_FALSE(rules[0].matches({"HY000", 2, "server closed the connection unexpectedly"},
                                  Phase::Statement));
}

TEST(ParseRules, ListsWithBothSeparatorsAndEmptyItems) {
    auto rules = parse_ok(" 08S01, HY000:2006; ~has gone away ;, ");
    ASSERT_EQ(rules.size(), 3u);
    EXPECT_EQ(rules[2].message_substring, "has gone away");
    EXPECT_TRUE(parse_ok("").empty());
    EXPECT_TRUE(parse_ok(" ; , ").empty());
}

TEST(ParseRules, ErrorsNameTheBadItem) {
    std::string e = parse_error("08S01, HY00:1, 40001");
    EXPECT_NE(e.find("\"HY00:1\""), std::string::npos) << e;
    EXPECT_NE(e.find("SQLSTATE"), std::string::npos) << e;
    EXPECT_EQ(e.find("40001"), std::string::npos) << e;

    EXPECT_NE(parse_error("HY000:").find("missing native"), std::string::npos);
    EXPECT_NE(parse_error("HY000:abc").find("not an integer"), std::string::npos);
    EXPECT_NE(parse_error("HY000:12x").find("not an integer"), std::string::npos);
    EXPECT_NE(parse_error("*").find("matches every error"), std::string::npos);
    EXPECT_NE(parse_error("*:").find("missing native"), std::string::npos);
    EXPECT_NE(parse_error("~").find("empty message"), std::string::npos);
    EXPECT_NE(parse_error("~  ").find("empty message"), std::string::npos);
    EXPECT_NE(parse_error("~\"\"").find("empty message"), std::string::npos);
    EXPECT_NE(parse_error("~\"abc").find("unterminated"), std::string::npos);
    EXPECT_NE(parse_error("~\"a\"b").find("after the closing quote"), std::string::npos);
    EXPECT_NE(parse_error("~a\"b\"").find("quote"), std::string::npos);
    EXPECT_NE(parse_error("08S0!").find("SQLSTATE"), std::string::npos);
    EXPECT_NE(parse_error("08S011").find("SQLSTATE"), std::string::npos);
    EXPECT_NE(parse_error("HY000:99999999999999999999").find("not an integer"), std::string::npos);
}

}  // namespace
}  // namespace odbcretry
