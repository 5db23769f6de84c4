// SPDX-License-Identifier: Apache-2.0
// Connection strings: parsing, formatting back, and masking secrets before anything is shown.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shim/config/connstr.h"

namespace odbcretry {
namespace {

using Pairs = std::vector<KeyValue>;

// Parses and expects success; the error text is shown when it fails.
Pairs parse_ok(std::string_view text) {
    std::string error;
    auto pairs = parse_connection_string(text, error);
    EXPECT_TRUE(pairs.has_value()) << "input: " << text << "\nerror: " << error;
    return pairs ? *pairs : Pairs{};
}

// Parses and expects failure; returns the error text.
std::string parse_error(std::string_view text) {
    std::string error;
    auto pairs = parse_connection_string(text, error);
    EXPECT_FALSE(pairs.has_value()) << "input: " << text << " was accepted";
    EXPECT_FALSE(error.empty()) << "input: " << text << " failed without an error text";
    return error;
}

std::string show(const Pairs& pairs) {
    std::string out;
    for (const auto& kv : pairs) out += "[" + kv.key + "]=[" + kv.value + "] ";
    return out;
}

void expect_pairs(std::string_view text, const Pairs& expected) {
    Pairs got = parse_ok(text);
    ASSERT_EQ(got.size(), expected.size()) << "input: " << text << "\ngot: " << show(got);
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].key, expected[i].key) << "input: " << text << " pair " << i;
        EXPECT_EQ(got[i].value, expected[i].value) << "input: " << text << " pair " << i;
    }
}

TEST(ConnectionStringParse, PlainPairsKeepOrderAndSpelling) {
    expect_pairs("DSN=pg;UID=odbc;Server=db.example",
                 {{"DSN", "pg"}, {"UID", "odbc"}, {"Server", "db.example"}});
    expect_pairs("dsn=pg", {{"dsn", "pg"}});
}

TEST(ConnectionStringParse, SpacesAroundKeysAndValuesAreTrimmed) {
    expect_pairs("  DSN = pg ;  UID=  odbc  ", {{"DSN", "pg"}, {"UID", "odbc"}});
    // Inside a value, spaces stay.
    expect_pairs("Description=my test db", {{"Description", "my test db"}});
}

TEST(ConnectionStringParse, EmptySegmentsAreSkipped) {
    expect_pairs(";;DSN=pg;;;UID=u;", {{"DSN", "pg"}, {"UID", "u"}});
    expect_pairs("", {});
    expect_pairs(";", {});
    expect_pairs("  ;  ; ", {});
}

TEST(ConnectionStringParse, EmptyValueIsKept) {
    expect_pairs("PWD=;UID=u", {{"PWD", ""}, {"UID", "u"}});
    expect_pairs("PWD=", {{"PWD", ""}});
    expect_pairs("PWD={}", {{"PWD", ""}});
}

TEST(ConnectionStringParse, ValueMayContainEquals) {
    expect_pairs("Options=a=b=c;X=1", {{"Options", "a=b=c"}, {"X", "1"}});
}

TEST(ConnectionStringParse, BracedValuesHoldSemicolonsAndBraces) {
    expect_pairs("PWD={a;b};UID=u", {{"PWD", "a;b"}, {"UID", "u"}});
    expect_pairs("PWD={x}}y};UID=u", {{"PWD", "x}y"}, {"UID", "u"}});
    expect_pairs("PWD={}}}", {{"PWD", "}"}});
    expect_pairs("PWD={{};UID=u", {{"PWD", "{"}, {"UID", "u"}});
    expect_pairs("PWD={ spaced ; out }", {{"PWD", " spaced ; out "}});
    expect_pairs("PWD=  {a;b}  ;UID=u", {{"PWD", "a;b"}, {"UID", "u"}});
    expect_pairs("SessionInitSQL={SET a=1;;SET b=2}", {{"SessionInitSQL", "SET a=1;;SET b=2"}});
}

TEST(ConnectionStringParse, UnclosedBraceIsAnErrorNamingTheKey) {
    std::string error = parse_error("DSN=pg;PWD={abc;UID=u");
    EXPECT_NE(error.find("PWD"), std::string::npos) << error;
    EXPECT_NE(error.find("}"), std::string::npos) << error;
    // A '}}' escape at the end does not close the value.
    error = parse_error("PWD={abc}}");
    EXPECT_NE(error.find("PWD"), std::string::npos) << error;
}

TEST(ConnectionStringParse, KeyWithoutEqualsIsAnErrorQuotingIt) {
    std::string error = parse_error("DSN=pg;garbage;UID=u");
    EXPECT_NE(error.find("'garbage'"), std::string::npos) << error;
    EXPECT_NE(error.find("="), std::string::npos) << error;
    error = parse_error("justakey");
    EXPECT_NE(error.find("justakey"), std::string::npos) << error;
}

TEST(ConnectionStringParse, TheRestOfAnUnbracedPasswordIsNeverQuoted) {
    std::string error = parse_error("DSN=pg;PWD=s3cr;et-tail;UID=u");
    EXPECT_EQ(error.find("et-tail"), std::string::npos) << error;
    EXPECT_NE(error.find("PWD={...}"), std::string::npos) << error;
    error = parse_error("DSN=pg;Password=ab;cd");
    EXPECT_EQ(error.find("cd'"), std::string::npos) << error;
    EXPECT_NE(error.find("Password"), std::string::npos) << error;
}

TEST(ConnectionStringParse, EmptyKeyIsAnError) {
    std::string error = parse_error("=value");
    EXPECT_NE(error.find("empty key"), std::string::npos) << error;
    parse_error("DSN=pg; =x");
}

TEST(ConnectionStringFormat, RoundTripsThroughParse) {
    const Pairs cases[] = {
        {{"DSN", "pg"}, {"UID", "odbc"}},
        {{"PWD", "a;b"}, {"X", "}"}, {"Y", "{"}, {"Z", "{x}}y}"}},
        {{"PWD", " leading"}, {"Q", "trailing "}, {"E", ""}},
        {{"SessionInitSQL", "SET a=1;;SET b='x;y'"}},
        {{"K", "a=b"}, {"U", "日本語"}},
    };
    for (const Pairs& pairs : cases) {
        std::string text = format_connection_string(pairs);
        std::string error;
        auto back = parse_connection_string(text, error);
        ASSERT_TRUE(back.has_value()) << text << ": " << error;
        ASSERT_EQ(back->size(), pairs.size()) << text << "\ngot: " << show(*back);
        for (size_t i = 0; i < pairs.size(); ++i) {
            EXPECT_EQ((*back)[i].key, pairs[i].key) << text;
            EXPECT_EQ((*back)[i].value, pairs[i].value) << text;
        }
    }
}

TEST(ConnectionStringFind, LastOccurrenceWinsCaseInsensitively) {
    Pairs pairs = {{"Server", "a"}, {"UID", "u"}, {"SERVER", "b"}};
    const KeyValue* kv = find_key(pairs, "server");
    ASSERT_NE(kv, nullptr);
    EXPECT_EQ(kv->value, "b");
    EXPECT_EQ(find_key(pairs, "Port"), nullptr);
}

TEST(SecretKeys, PasswordsTokensAndSecretsAreSecret) {
    for (const char* key :
         {"PWD", "pwd", "Password", "PASSWORD", "Passwd", "SSLPassword", "sslpassword", "Token",
          "AccessToken", "RefreshToken", "SessionToken", "auth_token", "Secret", "ClientSecret",
          "client_secret", "SecretAccessKey", "ApiKey", "ENCRYPTPWD"})
        EXPECT_TRUE(is_secret_key(key)) << key;
}

// MySQL's multi-factor passwords and other drivers' keys, from the one table of secret keys.
TEST(SecretKeys, MultiFactorPasswordsAndOtherDriversSecretsAreSecret) {
    for (const char* key : {"PWD1", "PWD2", "pwd3", "Pass", "api_key", "SSLKeyPassphrase",
                            "Credentials", "private_key", "PRIV_KEY_FILE_PWD"})
        EXPECT_TRUE(is_secret_key(key)) << key;
}

TEST(SecretKeys, OrdinaryKeysAreNotSecret) {
    for (const char* key :
         {"DSN", "UID", "User", "Username", "Server", "Port", "Database", "Driver", "SSLMode",
          "SSLKey", "KeyFilePath", "TargetDSN", "RetryMaxAttempts", "Description", "PWDX",
          "Passive", "PRIV_KEY_FILE", "SSLCert"})
        EXPECT_FALSE(is_secret_key(key)) << key;
}

// Every secret's value disappears, everything else is kept as it was.
TEST(MaskSecrets, SecretValuesAreNeverShown) {
    std::string masked =
        mask_secrets("DSN=pg;UID=odbc;PWD=hunter2;Server=db1;AccessToken=tok-123;Port=5432");
    for (const char* secret : {"hunter2", "tok-123"})
        EXPECT_EQ(masked.find(secret), std::string::npos) << masked;
    for (const char* kept :
         {"DSN=pg", "UID=odbc", "Server=db1", "Port=5432", "PWD=", "AccessToken="})
        EXPECT_NE(masked.find(kept), std::string::npos) << kept << " missing from " << masked;
    // The masked text still parses, with the same keys in the same order.
    std::string error;
    auto pairs = parse_connection_string(masked, error);
    ASSERT_TRUE(pairs.has_value()) << masked << ": " << error;
    ASSERT_EQ(pairs->size(), 6u) << masked;
    EXPECT_EQ((*pairs)[0].key, "DSN");
    EXPECT_EQ((*pairs)[2].key, "PWD");
    EXPECT_NE((*pairs)[2].value, "hunter2");
    EXPECT_EQ((*pairs)[3].value, "db1");
    EXPECT_EQ((*pairs)[5].value, "5432");
}

TEST(MaskSecrets, BracedAndCaseVariantSecretsAreHidden) {
    std::string masked = mask_secrets("Password={se;cr}}et};pwd=lower;PASSWORD=upper;UID=u");
    for (const char* secret : {"se;cr", "cr}et", "lower", "upper"})
        EXPECT_EQ(masked.find(secret), std::string::npos) << secret << " shown in " << masked;
    EXPECT_NE(masked.find("UID=u"), std::string::npos) << masked;
}

TEST(MaskSecrets, ValuesThatOnlyLookLikeSecretsAreKept) {
    // Only the key decides: a user called "password" is not a secret.
    std::string masked = mask_secrets("UID=password;Database=token_store;PWD=x");
    EXPECT_NE(masked.find("UID=password"), std::string::npos) << masked;
    EXPECT_NE(masked.find("Database=token_store"), std::string::npos) << masked;
}

TEST(MaskSecrets, UnparsableStringsShowNothingOfTheSecret) {
    for (const char* text : {"PWD={hunter2", "PWD=hunter2;garbage", "UID=u;PWD=hunter2;=x"}) {
        std::string masked = mask_secrets(text);
        EXPECT_EQ(masked.find("hunter2"), std::string::npos) << text << " -> " << masked;
        EXPECT_FALSE(masked.empty()) << text;
    }
}

TEST(MaskSecrets, StringWithoutSecretsIsKept) {
    std::string masked = mask_secrets("DSN=pg;UID=odbc");
    EXPECT_NE(masked.find("DSN=pg"), std::string::npos) << masked;
    EXPECT_NE(masked.find("UID=odbc"), std::string::npos) << masked;
    EXPECT_EQ(masked.find("***"), std::string::npos) << masked;
}

}  // namespace
}  // namespace odbcretry
