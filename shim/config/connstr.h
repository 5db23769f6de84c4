// SPDX-License-Identifier: Apache-2.0
// ODBC connection strings: "KEY=value;KEY={value with ; and }} inside};..."
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shim/ascii.h"

namespace odbcretry {

struct KeyValue {
    std::string key;
    std::string value;
};

// Parses a connection string. Returns nullopt and sets `error` on malformed input (an unclosed
// brace, a key without '='). Empty segments are skipped. Keys keep their spelling.
std::optional<std::vector<KeyValue>> parse_connection_string(std::string_view text,
                                                             std::string& error);

// Formats pairs back, bracing values that need it.
std::string format_connection_string(const std::vector<KeyValue>& pairs);

// Whether a key holds a secret (PWD, Password, tokens, keys...): never logged or echoed.
bool is_secret_key(std::string_view key);

// The connection string with every secret value replaced by "***", for logs and messages.
std::string mask_secrets(std::string_view text);

// Finds a key (case-insensitively); the last occurrence wins, as in drivers.
const KeyValue* find_key(const std::vector<KeyValue>& pairs, std::string_view key);

}  // namespace odbcretry
