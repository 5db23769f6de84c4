// SPDX-License-Identifier: Apache-2.0
#include "shim/config/connstr.h"
#include "shim/ascii.h"

#include <algorithm>
#include <cctype>

namespace odbcretry {

std::optional<std::vector<KeyValue>> parse_connection_string(std::string_view text,
                                                             std::string& error) {
    std::vector<KeyValue> out;
    size_t i = 0;
    const size_t n = text.size();
    while (i < n) {
        if (text[i] == ';' || std::isspace(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        if (text[i] == '\0') break;
        size_t eq = text.find_first_of("=;", i);
        if (eq == std::string_view::npos || text[eq] != '=') {
            if (!out.empty() && is_secret_key(out.back().key)) {
                // Most likely the rest of a password with a ';' in it: never quote it.
                error = "malformed connection string: the text after the value of '" +
                        out.back().key +
                        "' has no '=' (a value that contains ';' needs braces: " + out.back().key +
                        "={...})";
                return std::nullopt;
            }
            error = "malformed connection string: '" +
                    std::string(
                        trim_space(text.substr(i, eq == std::string_view::npos ? n - i : eq - i))) +
                    "' has no '='";
            return std::nullopt;
        }
        std::string key(trim_space(text.substr(i, eq - i)));
        if (key.empty()) {
            error = "malformed connection string: empty key before '='";
            return std::nullopt;
        }
        i = eq + 1;
        while (i < n && text[i] == ' ') ++i;
        std::string value;
        if (i < n && text[i] == '{') {
            ++i;
            bool closed = false;
            while (i < n) {
                if (text[i] == '}') {
                    if (i + 1 < n && text[i + 1] == '}') {
                        value += '}';
                        i += 2;
                        continue;
                    }
                    closed = true;
                    ++i;
                    break;
                }
                value += text[i++];
            }
            if (!closed) {
                error =
                    "malformed connection string: the value of '" + key + "' has no closing '}'";
                return std::nullopt;
            }
            while (i < n && text[i] != ';') ++i;  // ignore anything between '}' and ';'
        } else {
            size_t end = text.find(';', i);
            if (end == std::string_view::npos) end = n;
            value = std::string(trim_space(text.substr(i, end - i)));
            i = end;
        }
        out.push_back({std::move(key), std::move(value)});
    }
    return out;
}

std::string format_connection_string(const std::vector<KeyValue>& pairs) {
    std::string out;
    for (const auto& kv : pairs) {
        out += kv.key;
        out += '=';
        // Unbraced values are trimmed when parsed: any leading or trailing white space needs
        // braces.
        bool brace =
            kv.value.find_first_of(";{}") != std::string::npos ||
            (!kv.value.empty() && (std::isspace(static_cast<unsigned char>(kv.value.front())) ||
                                   std::isspace(static_cast<unsigned char>(kv.value.back()))));
        if (brace) {
            out += '{';
            for (char c : kv.value) {
                out += c;
                if (c == '}') out += '}';
            }
            out += '}';
        } else {
            out += kv.value;
        }
        out += ';';
    }
    return out;
}

namespace {
// The one table that decides which keys hold secrets, compared case-insensitively with the key
// without '_' and '-' (auth_token is authtoken). Masking in logs, messages and the tool all ask
// is_secret_key, nothing else.
struct SecretRule {
    enum Match { Whole, Part, End, PwdNumber } match;
    std::string_view text;
};
constexpr SecretRule kSecretKeys[] = {
    {SecretRule::Whole, "pass"},       // generic drivers
    {SecretRule::End, "pwd"},          // PWD, ENCRYPTPWD, PRIV_KEY_FILE_PWD
    {SecretRule::PwdNumber, "pwd"},    // MySQL/MariaDB's PWD1, PWD2, PWD3 (multi-factor)
    {SecretRule::Part, "password"},    // Password, SSLPassword (sslpassword), KeyStorePassword
    {SecretRule::Part, "passwd"},      //
    {SecretRule::Part, "passphrase"},  // SSLKeyPassphrase
    {SecretRule::Part, "secret"},      // Secret, ClientSecret, SecretAccessKey
    {SecretRule::Part, "token"},       // Token, AccessToken, RefreshToken, auth_token
    {SecretRule::Part, "apikey"},      // ApiKey, api_key
    {SecretRule::Part, "credential"},  // Credentials
    {SecretRule::Part, "privatekey"},  // private_key (the key itself; key file paths are not)
};
}  // namespace

bool is_secret_key(std::string_view key) {
    std::string k;
    k.reserve(key.size());
    for (char c : key)
        if (c != '_' && c != '-')
            k += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (const auto& rule : kSecretKeys) {
        switch (rule.match) {
            case SecretRule::Whole:
                if (k == rule.text) return true;
                break;
            case SecretRule::Part:
                if (k.find(rule.text) != std::string::npos) return true;
                break;
            case SecretRule::End:
                if (k.ends_with(rule.text)) return true;
                break;
            case SecretRule::PwdNumber:
                if (k.size() > rule.text.size() && k.starts_with(rule.text) &&
                    std::all_of(k.begin() + static_cast<std::ptrdiff_t>(rule.text.size()), k.end(),
                                [](char c) { return c >= '0' && c <= '9'; }))
                    return true;
                break;
        }
    }
    return false;
}

std::string mask_secrets(std::string_view text) {
    std::string error;
    auto pairs = parse_connection_string(text, error);
    if (!pairs) return "(unparsable connection string, not shown)";
    for (auto& kv : *pairs)
        if (is_secret_key(kv.key)) kv.value = "***";
    return format_connection_string(*pairs);
}

const KeyValue* find_key(const std::vector<KeyValue>& pairs, std::string_view key) {
    const KeyValue* found = nullptr;
    for (const auto& kv : pairs)
        if (iequals(kv.key, key)) found = &kv;
    return found;
}

}  // namespace odbcretry
