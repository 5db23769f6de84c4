// SPDX-License-Identifier: Apache-2.0
// Calling a target function in the other text encoding than the application's.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "shim/target_driver/odbc.h"
#include "shim/target_driver/text.h"
#include "shim/target_driver/unicode.h"

namespace odbcretry {

// Runs `call(buffer, capacity, &length)` with a temporary buffer in the target's encoding
// (`target_wide`), units as `out.in_bytes` says, growing the buffer when the target truncated,
// then writes the text to the application's buffer in its encoding. `*app_length` receives the
// full length in the application's units. Sets `truncated` when the application's buffer was too
// small (the caller posts 01004).
template <class Call>
SQLRETURN call_converting(const OutText& out, long* app_length, bool target_wide, bool& truncated,
                          Call&& call) {
    truncated = false;
    const long unit = target_wide ? static_cast<long>(sizeof(SQLWCHAR)) : 1;
    long app_chars = out.in_bytes && out.wide ? out.capacity / static_cast<long>(sizeof(SQLWCHAR))
                                              : out.capacity;
    // Characters the target may need: UTF-8 takes up to 3 bytes per UTF-16 unit.
    long chars = target_wide ? app_chars + 1 : app_chars * 3 + 1;
    if (chars < 256) chars = 256;
    std::vector<char> buffer;
    SQLRETURN rc = SQL_ERROR;
    long length = 0;
    for (int attempt = 0; attempt < 3; ++attempt) {
        buffer.assign(static_cast<size_t>(chars * unit + unit), 0);
        long capacity = out.in_bytes ? chars * unit : chars;
        length = 0;
        rc = call(static_cast<SQLPOINTER>(buffer.data()), capacity, &length);
        if (!SQL_SUCCEEDED(rc)) return rc;
        long got_chars = out.in_bytes ? length / unit : length;
        if (got_chars < chars) break;
        chars = got_chars + 1;
    }
    long got_chars = out.in_bytes ? length / unit : length;
    if (got_chars < 0) got_chars = 0;
    if (got_chars >= chars) got_chars = chars - 1;
    long full = 0;
    if (out.wide) {
        WString text =
            target_wide ? WString(reinterpret_cast<const SQLWCHAR*>(buffer.data()),
                                  static_cast<size_t>(got_chars))
                        : to_utf16(std::string_view(buffer.data(), static_cast<size_t>(got_chars)));
        truncated = copy_out(text, static_cast<SQLWCHAR*>(out.buffer), app_chars, &full);
        if (out.in_bytes) full *= static_cast<long>(sizeof(SQLWCHAR));
    } else {
        std::string text =
            target_wide ? to_utf8(reinterpret_cast<const SQLWCHAR*>(buffer.data()), got_chars)
                        : std::string(buffer.data(), static_cast<size_t>(got_chars));
        truncated = copy_out(text, static_cast<SQLCHAR*>(out.buffer), out.capacity, &full);
    }
    if (app_length) *app_length = full;
    if (truncated && rc == SQL_SUCCESS) rc = SQL_SUCCESS_WITH_INFO;
    return rc;
}

// Whether an SQLGetInfo type answers with a character string.
bool info_is_text(SQLUSMALLINT type);
// Whether a SQLColAttribute / descriptor field is a character string.
bool desc_field_is_text(SQLSMALLINT field);
// Whether a connection attribute is a character string.
bool connect_attr_is_text(SQLINTEGER attribute);

// call_converting for a target function whose length arguments are `Length` (SQLSMALLINT or
// SQLINTEGER): `call(buffer, capacity, &length)` calls the target's other form; the capacity is
// capped to what a SQLSMALLINT holds where that is the type.
template <class Length, class Call>
SQLRETURN call_other_form(const OutText& out, long* app_length, bool target_wide, bool& truncated,
                          Call&& call) {
    return call_converting(out, app_length, target_wide, truncated,
                           [&](SQLPOINTER buffer, long cap, long* len) {
                               Length l = 0;
                               Length c;
                               if constexpr (sizeof(Length) == sizeof(SQLSMALLINT))
                                   c = static_cast<Length>(std::min<long>(cap, 32766));
                               else
                                   c = static_cast<Length>(cap);
                               SQLRETURN r = call(buffer, c, &l);
                               *len = l;
                               return r;
                           });
}

}  // namespace odbcretry
