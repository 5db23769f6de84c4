// SPDX-License-Identifier: Apache-2.0
#include "fake_text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace odbcfake {

void fail(std::string sqlstate, long native, std::string message) {
    throw SqlError{ErrorRecord{std::move(sqlstate), native, std::move(message)}};
}

std::string narrowText(const SQLCHAR* text, long length) {
    if (text == nullptr) return {};
    const char* chars = reinterpret_cast<const char*>(text);
    if (length == SQL_NTS) return std::string(chars);
    if (length < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
    return std::string(chars, static_cast<size_t>(length));
}

std::string wideText(const SQLWCHAR* text, long length) {
    if (text == nullptr) return {};
    size_t count = 0;
    if (length == SQL_NTS) {
        while (text[count] != 0) ++count;
    } else if (length < 0) {
        fail("HY090", 0, "[Fake]Invalid string or buffer length");
    } else {
        count = static_cast<size_t>(length);
    }
    std::u16string units(count, u'\0');
    for (size_t i = 0; i < count; ++i) units[i] = static_cast<char16_t>(text[i]);
    return toUtf8(units);
}

std::u16string toUtf16(std::string_view utf8) {
    std::u16string out;
    out.reserve(utf8.size());
    for (size_t i = 0; i < utf8.size();) {
        unsigned char lead = static_cast<unsigned char>(utf8[i]);
        char32_t cp = 0xFFFD;
        size_t extra = 0;
        if (lead < 0x80) {
            cp = lead;
        } else if ((lead & 0xE0) == 0xC0) {
            cp = lead & 0x1F, extra = 1;
        } else if ((lead & 0xF0) == 0xE0) {
            cp = lead & 0x0F, extra = 2;
        } else if ((lead & 0xF8) == 0xF0) {
            cp = lead & 0x07, extra = 3;
        }
        ++i;
        for (size_t k = 0; k < extra; ++k, ++i) {
            if (i >= utf8.size() || (static_cast<unsigned char>(utf8[i]) & 0xC0) != 0x80) {
                cp = 0xFFFD;
                break;
            }
            cp = (cp << 6) | (static_cast<unsigned char>(utf8[i]) & 0x3F);
        }
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
    }
    return out;
}

std::string toUtf8(std::u16string_view utf16) {
    std::string out;
    out.reserve(utf16.size());
    for (size_t i = 0; i < utf16.size(); ++i) {
        char32_t cp = utf16[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < utf16.size() && utf16[i + 1] >= 0xDC00 &&
            utf16[i + 1] < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (utf16[i + 1] - 0xDC00);
            ++i;
        } else if (cp >= 0xD800 && cp < 0xE000) {
            cp = 0xFFFD;
        }
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
    return out;
}

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

bool icontains(std::string_view haystack, std::string_view needle) {
    return lower(haystack).find(lower(needle)) != std::string::npos;
}

std::string trim(std::string_view text) {
    size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return std::string(text.substr(begin, end - begin));
}

long long parseInteger(std::string_view text, std::string_view what) {
    std::string t = trim(text);
    long long value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
        fail("HY000", 0,
             "[Fake]bad value for " + std::string(what) + ": '" + std::string(text) +
                 "' (expected an integer)");
    }
    return value;
}

CopyResult copyText(std::string_view utf8, void* buffer, long capacity, bool wide,
                    bool capacityInBytes) {
    CopyResult result;
    if (!wide) {
        result.length = static_cast<long>(utf8.size());
        result.truncated = static_cast<long>(utf8.size()) >= capacity;
        if (buffer != nullptr && capacity > 0) {
            size_t n = std::min(utf8.size(), static_cast<size_t>(capacity - 1));
            std::memcpy(buffer, utf8.data(), n);
            static_cast<char*>(buffer)[n] = '\0';
        }
        return result;
    }
    std::u16string units = toUtf16(utf8);
    long capacityChars = capacityInBytes ? capacity / 2 : capacity;
    long unit = capacityInBytes ? 2 : 1;
    result.length = static_cast<long>(units.size()) * unit;
    result.truncated = static_cast<long>(units.size()) >= capacityChars;
    if (buffer != nullptr && capacityChars > 0) {
        size_t n = std::min(units.size(), static_cast<size_t>(capacityChars - 1));
        SQLWCHAR* out = static_cast<SQLWCHAR*>(buffer);
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<SQLWCHAR>(units[i]);
        out[n] = 0;
    }
    return result;
}

KeyValues parseConnectionString(std::string_view text) {
    KeyValues keys;
    size_t i = 0;
    while (i < text.size()) {
        size_t eq = text.find('=', i);
        size_t semi = text.find(';', i);
        if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
            // A segment without '=' (e.g. a stray ';'): skip it.
            if (semi == std::string_view::npos) break;
            i = semi + 1;
            continue;
        }
        std::string key = trim(text.substr(i, eq - i));
        std::string value;
        size_t j = eq + 1;
        while (j < text.size() && text[j] == ' ') ++j;
        if (j < text.size() && text[j] == '{') {
            // Braced value: may hold ';', a doubled '}}' stands for '}'.
            ++j;
            while (j < text.size()) {
                if (text[j] == '}') {
                    if (j + 1 < text.size() && text[j + 1] == '}') {
                        value.push_back('}');
                        j += 2;
                        continue;
                    }
                    ++j;
                    break;
                }
                value.push_back(text[j++]);
            }
            size_t next = text.find(';', j);
            i = next == std::string_view::npos ? text.size() : next + 1;
        } else {
            size_t next = text.find(';', j);
            size_t stop = next == std::string_view::npos ? text.size() : next;
            value = trim(text.substr(j, stop - j));
            i = next == std::string_view::npos ? text.size() : next + 1;
        }
        if (!key.empty()) setKey(keys, key, value);
    }
    return keys;
}

const std::string* findKey(const KeyValues& keys, std::string_view key) {
    for (const auto& [k, v] : keys) {
        if (iequals(k, key)) return &v;
    }
    return nullptr;
}

void setKey(KeyValues& keys, const std::string& key, const std::string& value) {
    for (auto& [k, v] : keys) {
        if (iequals(k, key)) {
            v = value;
            return;
        }
    }
    keys.emplace_back(key, value);
}

std::string maskedConnectionString(std::string_view text) {
    std::string out;
    for (const auto& [k, v] : parseConnectionString(text)) {
        bool secret = iequals(k, "PWD") || iequals(k, "Password");
        bool braces = v.find_first_of(";{}") != std::string::npos || v != trim(v);
        std::string value = secret ? "***" : v;
        if (braces && !secret) {
            std::string escaped;
            for (char c : value) {
                escaped.push_back(c);
                if (c == '}') escaped.push_back('}');
            }
            value = "{" + escaped + "}";
        }
        out += k + "=" + value + ";";
    }
    return out;
}

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out.push_back(c);
        }
    }
    out.push_back('"');
    return out;
}

}  // namespace odbcfake
