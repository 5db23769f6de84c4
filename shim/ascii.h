// SPDX-License-Identifier: Apache-2.0
// ASCII text helpers shared by every folder: key names, rule texts and SQL keywords are ASCII,
// and none of these depend on the process's locale. No allocation except to_lower_ascii.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace odbcretry {

constexpr char lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
constexpr char upper_ascii(char c) {
    return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

// Equal but for the case of ASCII letters.
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
    return true;
}
constexpr bool istarts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}
// Case-insensitive substring search.
constexpr bool contains_ignoring_case(std::string_view text, std::string_view needle) {
    if (needle.empty()) return true;
    if (needle.size() > text.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= text.size(); ++i) {
        std::size_t j = 0;
        while (j < needle.size() && lower_ascii(text[i + j]) == lower_ascii(needle[j])) ++j;
        if (j == needle.size()) return true;
    }
    return false;
}

// Without leading and trailing spaces and tabs (a value inside one line).
constexpr std::string_view trim_blanks(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}
// Without leading and trailing white space of any kind (space, \t \n \v \f \r).
constexpr bool is_space_ascii(char c) {
    return c == ' ' || (c >= '\t' && c <= '\r');
}
constexpr std::string_view trim_space(std::string_view s) {
    while (!s.empty() && is_space_ascii(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space_ascii(s.back())) s.remove_suffix(1);
    return s;
}

inline std::string to_lower_ascii(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower_ascii(c);
    return out;
}

}  // namespace odbcretry
