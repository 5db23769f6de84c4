// SPDX-License-Identifier: Apache-2.0
#include "tools/cli.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace odbcretry::tool {

namespace {
bool looks_like_number(std::string_view s) {
    if (s.empty()) return false;
    char* end = nullptr;
    std::string copy(s);
    std::strtod(copy.c_str(), &end);
    return end && *end == '\0';
}
}  // namespace

Args::Args(std::vector<std::string> words, std::initializer_list<OptionSpec> specs) {
    bool options_done = false;
    for (std::size_t i = 0; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (options_done || w.size() < 2 || w[0] != '-' || looks_like_number(w)) {
            positional_.push_back(w);
            continue;
        }
        if (w == "--") {
            options_done = true;
            continue;
        }
        if (w == "-h" || w == "--help") {
            help_ = true;
            continue;
        }
        std::string name = w;
        std::optional<std::string> inline_value;
        if (auto eq = w.find('='); eq != std::string::npos && w.rfind("--", 0) == 0) {
            name = w.substr(0, eq);
            inline_value = w.substr(eq + 1);
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name) spec = &s;
        if (!spec) throw UsageError("unknown option '" + name + "'");
        if (!spec->takes_value) {
            if (inline_value) throw UsageError("option " + name + " takes no value");
            options_[name] = std::nullopt;
            continue;
        }
        if (inline_value) {
            options_[name] = inline_value;
        } else if (spec->optional_value) {
            if (i + 1 < words.size() && looks_like_number(words[i + 1]))
                options_[name] = words[++i];
            else
                options_[name] = std::nullopt;
        } else {
            if (i + 1 >= words.size()) throw UsageError("option " + name + " needs a value");
            options_[name] = words[++i];
        }
    }
}

bool Args::has(std::string_view name) const {
    return options_.find(name) != options_.end();
}

std::optional<std::string> Args::value(std::string_view name) const {
    auto it = options_.find(name);
    if (it == options_.end()) return std::nullopt;
    return it->second;
}

void Args::expect_positional(std::size_t min, std::size_t max, std::string_view what) const {
    if (positional_.size() < min) throw UsageError("missing " + std::string(what));
    if (positional_.size() > max)
        throw UsageError("unexpected argument '" + positional_[max] + "'");
}

std::optional<double> Args::number(std::string_view name, double min) const {
    auto v = value(name);
    if (!v) return std::nullopt;
    char* end = nullptr;
    double d = std::strtod(v->c_str(), &end);
    if (v->empty() || !end || *end != '\0' || !std::isfinite(d) || d < min)
        throw UsageError("option " + std::string(name) + " needs a number" +
                         (min > 0 ? " of at least " + format_number(min) : std::string(" >= 0")) +
                         ", not '" + *v + "'");
    return d;
}

// ---- JSON --------------------------------------------------------------------------------------

Json& Json::operator[](std::string_view key) {
    if (kind_ == Kind::Null) kind_ = Kind::Object;
    for (auto& [k, v] : members_)
        if (k == key) return v;
    members_.emplace_back(std::string(key), Json());
    return members_.back().second;
}

Json& Json::push(Json value) {
    if (kind_ == Kind::Null) kind_ = Kind::Array;
    items_.push_back(std::move(value));
    return items_.back();
}

std::string json_escape(std::string_view text) {
    std::string out;
    out.reserve(text.size() + 2);
    for (unsigned char c : text) {
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
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out;
}

void Json::write(std::string& out, int indent) const {
    auto newline = [&](int level) {
        out += '\n';
        out.append(static_cast<std::size_t>(level) * 2, ' ');
    };
    switch (kind_) {
        case Kind::Null:
            out += "null";
            break;
        case Kind::Bool:
            out += b_ ? "true" : "false";
            break;
        case Kind::Int:
            out += std::to_string(i_);
            break;
        case Kind::UInt:
            out += std::to_string(u_);
            break;
        case Kind::Double: {
            if (!std::isfinite(d_)) {
                out += "null";
                break;
            }
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.3f", d_);
            std::string s = buf;
            while (s.find('.') != std::string::npos && (s.back() == '0')) s.pop_back();
            if (s.back() == '.') s.pop_back();
            out += s;
            break;
        }
        case Kind::String:
            out += '"';
            out += json_escape(s_);
            out += '"';
            break;
        case Kind::Array:
            if (items_.empty()) {
                out += "[]";
                break;
            }
            out += '[';
            for (std::size_t i = 0; i < items_.size(); ++i) {
                if (i) out += ',';
                newline(indent + 1);
                items_[i].write(out, indent + 1);
            }
            newline(indent);
            out += ']';
            break;
        case Kind::Object:
            if (members_.empty()) {
                out += "{}";
                break;
            }
            out += '{';
            for (std::size_t i = 0; i < members_.size(); ++i) {
                if (i) out += ',';
                newline(indent + 1);
                out += '"';
                out += json_escape(members_[i].first);
                out += "\": ";
                members_[i].second.write(out, indent + 1);
            }
            newline(indent);
            out += '}';
            break;
    }
}

std::string Json::dump() const {
    std::string out;
    write(out, 0);
    return out;
}

// ---- formatting --------------------------------------------------------------------------------

std::string format_ms(double ms) {
    char buf[64];
    if (ms < 1000)
        std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    else
        std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000.0);
    return buf;
}

std::string format_seconds(double s) {
    long total = static_cast<long>(s + 0.5);
    if (total < 60) return std::to_string(total) + " s";
    if (total < 3600)
        return std::to_string(total / 60) + " min " + std::to_string(total % 60) + " s";
    return std::to_string(total / 3600) + " h " + std::to_string((total % 3600) / 60) + " min";
}

std::string trim(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
        text.remove_prefix(1);
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
        text.remove_suffix(1);
    return std::string(text);
}

std::string format_number(double value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
}

bool parse_long(std::string_view text, long& out) {
    if (text.empty()) return false;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && p == text.data() + text.size();
}

}  // namespace odbcretry::tool
