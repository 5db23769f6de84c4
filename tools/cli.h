// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the odbc-retry command: argument parsing, exit codes, JSON output.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace odbcretry::tool {

// Exit codes every subcommand keeps: scripts rely on them.
inline constexpr int kExitOk = 0;      // done; healthy
inline constexpr int kExitFailed = 1;  // unhealthy, not found, could not be done
inline constexpr int kExitUsage = 2;   // bad command line

// A bad command line: main prints "odbc-retry CMD: MESSAGE" and a hint, exits kExitUsage.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct OptionSpec {
    std::string_view name;        // "--timeout"
    bool takes_value = false;     // "--timeout S" or "--timeout=S"
    bool optional_value = false;  // "--watch [SECONDS]": takes the next word only if it is a number
};

// Options anywhere on the line, "--" ends them. "-h" and "--help" are always known.
class Args {
  public:
    Args(std::vector<std::string> words, std::initializer_list<OptionSpec> specs);

    bool help() const { return help_; }
    bool has(std::string_view name) const;
    std::optional<std::string> value(std::string_view name) const;
    const std::vector<std::string>& positional() const { return positional_; }

    // Positional count checks with a usage error naming what is missing or extra.
    void expect_positional(std::size_t min, std::size_t max, std::string_view what) const;
    // A number option ("--timeout 30", "--timeout 1.5"); usage error when malformed or < min.
    std::optional<double> number(std::string_view name, double min = 0) const;

  private:
    bool help_ = false;
    std::map<std::string, std::optional<std::string>, std::less<>> options_;
    std::vector<std::string> positional_;
};

// A JSON value, built in code and printed with 2-space indentation. Objects keep insertion
// order.
class Json {
  public:
    enum class Kind { Null, Bool, Int, UInt, Double, String, Array, Object };

    Json() = default;
    Json(std::nullptr_t) {}
    Json(bool b) : kind_(Kind::Bool), b_(b) {}
    Json(int v) : kind_(Kind::Int), i_(v) {}
    Json(long v) : kind_(Kind::Int), i_(v) {}
    Json(long long v) : kind_(Kind::Int), i_(v) {}
    Json(unsigned v) : kind_(Kind::UInt), u_(v) {}
    Json(unsigned long v) : kind_(Kind::UInt), u_(v) {}
    Json(unsigned long long v) : kind_(Kind::UInt), u_(v) {}
    Json(double v) : kind_(Kind::Double), d_(v) {}
    Json(const char* s) : kind_(Kind::String), s_(s) {}
    Json(std::string s) : kind_(Kind::String), s_(std::move(s)) {}
    Json(std::string_view s) : kind_(Kind::String), s_(s) {}

    static Json array() {
        Json j;
        j.kind_ = Kind::Array;
        return j;
    }
    static Json object() {
        Json j;
        j.kind_ = Kind::Object;
        return j;
    }

    // Object member (added at the end on first use).
    Json& operator[](std::string_view key);
    // Array element.
    Json& push(Json value);

    std::string dump() const;  // pretty-printed, ends without a newline

  private:
    void write(std::string& out, int indent) const;

    Kind kind_ = Kind::Null;
    bool b_ = false;
    long long i_ = 0;
    unsigned long long u_ = 0;
    double d_ = 0;
    std::string s_;
    std::vector<Json> items_;
    std::vector<std::pair<std::string, Json>> members_;
};

std::string json_escape(std::string_view text);  // the text between the quotes

// Formatting helpers.
std::string format_ms(double ms);      // "12.3 ms", "1.25 s"
std::string format_seconds(double s);  // "42 s", "3 min 5 s", "2 h 1 min"
std::string trim(std::string_view text);
std::string format_number(double value);  // "1.5", "30"
bool parse_long(std::string_view text, long& out);

// The help text of a subcommand, printed by --help and on usage errors' hint.
struct CommandInfo {
    const char* name;
    const char* summary;  // one line for `odbc-retry --help`
    const char* help;     // the full text of `odbc-retry NAME --help`
    int (*run)(const std::vector<std::string>& args);
};
const std::vector<CommandInfo>& commands();

}  // namespace odbcretry::tool
