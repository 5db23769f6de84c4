// SPDX-License-Identifier: Apache-2.0
#include "shim/target_driver/unicode.h"

#include <cstring>

namespace odbcretry {

size_t wide_length(const SQLWCHAR* s) {
    size_t n = 0;
    if (s)
        while (s[n]) ++n;
    return n;
}

namespace {
void append_utf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

void append_utf16(WString& out, char32_t c) {
    if (c >= 0x10000) {
        c -= 0x10000;
        out += static_cast<SQLWCHAR>(0xD800 + (c >> 10));
        out += static_cast<SQLWCHAR>(0xDC00 + (c & 0x3FF));
    } else {
        out += static_cast<SQLWCHAR>(c);
    }
}
}  // namespace

std::string to_utf8(const SQLWCHAR* s, long length) {
    if (!s) return {};
    size_t n = length == SQL_NTS || length < 0 ? wide_length(s) : static_cast<size_t>(length);
    std::string out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        char32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        append_utf8(out, c);
    }
    return out;
}

std::string to_utf8(const WString& s) {
    return to_utf8(s.data(), static_cast<long>(s.size()));
}

WString to_utf16(std::string_view s) {
    WString out;
    out.reserve(s.size());
    size_t i = 0;
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    while (i < s.size()) {
        unsigned char b = byte(i);
        char32_t c;
        size_t extra;
        if (b < 0x80) {
            c = b, extra = 0;
        } else if ((b & 0xE0) == 0xC0) {
            c = b & 0x1F, extra = 1;
        } else if ((b & 0xF0) == 0xE0) {
            c = b & 0x0F, extra = 2;
        } else if ((b & 0xF8) == 0xF0) {
            c = b & 0x07, extra = 3;
        } else {
            append_utf16(out, 0xFFFD);
            ++i;
            continue;
        }
        bool ok = true;
        for (size_t k = 1; k <= extra; ++k) {
            if (i + k >= s.size() || (byte(i + k) & 0xC0) != 0x80) {
                ok = false;
                break;
            }
            c = (c << 6) | (byte(i + k) & 0x3F);
        }
        static constexpr char32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
        if (!ok || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || c < kMinimum[extra]) {
            append_utf16(out, 0xFFFD);
            ++i;
            continue;
        }
        append_utf16(out, c);
        i += extra + 1;
    }
    return out;
}

WString to_utf16(const SQLCHAR* s, long length) {
    if (!s) return {};
    size_t n = length == SQL_NTS || length < 0 ? strlen(reinterpret_cast<const char*>(s))
                                               : static_cast<size_t>(length);
    return to_utf16(std::string_view(reinterpret_cast<const char*>(s), n));
}

namespace {

// Copies `text` (code units of Char) into `buffer` of `capacity` units with its terminator;
// `cut` moves a truncation point back to the start of a whole character.
template <class Char, class Text, class Cut>
bool copy_units(const Text& text, Char* buffer, long capacity, long* full_units, Cut cut) {
    if (full_units) *full_units = static_cast<long>(text.size());
    if (!buffer) return false;
    if (capacity <= 0) return !text.empty();
    size_t n = text.size();
    bool truncated = false;
    if (n + 1 > static_cast<size_t>(capacity)) {
        n = cut(static_cast<size_t>(capacity) - 1);
        truncated = true;
    }
    memcpy(buffer, text.data(), n * sizeof(Char));
    buffer[n] = 0;
    return truncated;
}

}  // namespace

bool copy_out(std::string_view text, SQLCHAR* buffer, long capacity, long* full_units) {
    return copy_units(text, buffer, capacity, full_units, [&](size_t n) {
        while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;  // whole chars
        return n;
    });
}

bool copy_out(const WString& text, SQLWCHAR* buffer, long capacity, long* full_units) {
    return copy_units(text, buffer, capacity, full_units, [&](size_t n) {
        if (n > 0 && text[n - 1] >= 0xD800 && text[n - 1] <= 0xDBFF) --n;  // keep pairs whole
        return n;
    });
}

}  // namespace odbcretry
