// SPDX-License-Identifier: Apache-2.0
#include "shim/retry/error_class.h"
#include "shim/ascii.h"

namespace odbcretry {

std::optional<ErrorClass> parse_error_class(std::string_view text) {
    for (ErrorClass cls : kAllErrorClasses)
        if (iequals(text, to_string(cls))) return cls;
    return std::nullopt;
}

std::optional<ClassSet> parse_class_set(std::string_view text, std::string* bad_item) {
    ClassSet set;
    if (iequals(trim_blanks(text), "none")) return set;
    while (!text.empty()) {
        std::size_t end = text.find_first_of(",;");
        std::string_view item = trim_blanks(text.substr(0, end));
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
