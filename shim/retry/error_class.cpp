// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/error_class.h"

namespace odbcretry {
namespace {

char lower_ascii(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower_ascii(a[i]) != lower_ascii(b[i])) return false;
    return true;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

std::optional<ErrorClass> parse_error_class(std::string_view text) {
    for (ErrorClass cls : kAllErrorClasses)
        if (equals_ignoring_case(text, to_string(cls))) return cls;
    return std::nullopt;
}

std::optional<ClassSet> parse_class_set(std::string_view text, std::string* bad_item) {
    ClassSet set;
    if (equals_ignoring_case(trim(text), "none")) return set;
    while (!text.empty()) {
        std::size_t end = text.find_first_of(",;");
        std::string_view item = trim(text.substr(0, end));
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (item.empty()) continue;
        std::optional<ErrorClass> cls = parse_error_class(item);
        if (!cls) {
            if (bad_item) *bad_item = std::string(item);
            return std::nullopt;
        }
        set.add(*cls);
    }
    return set;
}

std::string to_string(ClassSet set) {
    std::string out;
    for (ErrorClass cls : kAllErrorClasses) {
        if (!set.contains(cls)) continue;
        if (!out.empty()) out += ',';
        out += to_string(cls);
    }
    return out.empty() ? std::string("none") : out;
}

}  // namespace odbcretry
