// SPDX-License-Identifier: Apache-2.0
// UTF-8 <-> UTF-16 (SQLWCHAR, as unixODBC defines it) for calling a target that lacks the A or
// the W form of a function. Invalid input is replaced (U+FFFD), never rejected or crashed on.
#pragma once
#include <string>
#include <string_view>

#include "shim/target_driver/odbc.h"

namespace odbcretry {

using WString = std::basic_string<SQLWCHAR>;

// Length of a null-terminated SQLWCHAR string.
size_t wide_length(const SQLWCHAR* s);

// `length` in the ODBC sense: characters (or bytes for char), or SQL_NTS. Null gives "".
std::string to_utf8(const SQLWCHAR* s, long length);
WString to_utf16(const SQLCHAR* s, long length);
std::string to_utf8(const WString& s);
WString to_utf16(std::string_view s);

// Copies `text` into an application buffer of `capacity` units (chars or SQLWCHARs, including
// the terminator), truncating at a character boundary. Returns true when it was truncated.
// `*written_units` (may be null) receives the full length of `text` in units, as ODBC asks.
bool copy_out(std::string_view text, SQLCHAR* buffer, long capacity, long* full_units);
bool copy_out(const WString& text, SQLWCHAR* buffer, long capacity, long* full_units);

}  // namespace odbcretry
