// SPDX-License-Identifier: Apache-2.0
// Text helpers of the fake driver: errors, UTF-8/UTF-16, application buffers, connection strings.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_odbc.h"

namespace odbcfake {

// One diagnostic record, as a server would report it.
struct ErrorRecord {
    std::string sqlstate;
    long native = 0;
    std::string message;
};

// Thrown by the core; the gateway in fake_api.cpp turns it into a record and SQL_ERROR.
struct SqlError {
    ErrorRecord record;
};

[[noreturn]] void fail(std::string sqlstate, long native, std::string message);

// Text passed by the application: length is SQL_NTS or a count (bytes for SQLCHAR, characters
// for SQLWCHAR). Internally all text is UTF-8.
std::string narrowText(const SQLCHAR* text, long length);
std::string wideText(const SQLWCHAR* text, long length);
std::u16string toUtf16(std::string_view utf8);
std::string toUtf8(std::u16string_view utf16);

std::string lower(std::string_view text);
bool iequals(std::string_view a, std::string_view b);
bool icontains(std::string_view haystack, std::string_view needle);
std::string trim(std::string_view text);

// Strict decimal integer ("-12"); throws SqlError HY000 naming `what` when the text is not one.
long long parseInteger(std::string_view text, std::string_view what);

// Copies text into an application buffer, NUL-terminated and truncated to fit. wide: UTF-16
// output. capacityInBytes: capacity and the returned length count bytes, else characters.
struct CopyResult {
    bool truncated = false;
    long length = 0;  // full length of the text, in the unit of the capacity
};
CopyResult copyText(std::string_view utf8, void* buffer, long capacity, bool wide,
                    bool capacityInBytes);

// "KEY=value;KEY2={va;lue}" in order of appearance; keys compare case-insensitively.
using KeyValues = std::vector<std::pair<std::string, std::string>>;
KeyValues parseConnectionString(std::string_view text);
const std::string* findKey(const KeyValues& keys, std::string_view key);
void setKey(KeyValues& keys, const std::string& key, const std::string& value);
// The connection string with passwords replaced by "***", for the event log.
std::string maskedConnectionString(std::string_view text);

// A double-quoted, escaped rendering of text for the event log.
std::string quoted(std::string_view text);

}  // namespace odbcfake
