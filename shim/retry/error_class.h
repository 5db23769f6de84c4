// SPDX-License-Identifier: Apache-2.0
// The five classes every failure of the target is sorted into, and sets of them.
//
// Pure values, no state: usable from any thread.
//
//   transient        the server could not be reached or refused for now: retry the connect
//   connection_lost  an established connection is gone: mark dead, recover, replay if safe
//   rolled_back      the server rolled the transaction back (deadlock, serialization failure)
//   timeout          the application's own timeout or cancel: never retried by default
//   fatal            everything else: returned at once
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace odbcretry {

enum class ErrorClass : std::uint8_t { Transient, ConnectionLost, RolledBack, Timeout, Fatal };

inline constexpr std::array<ErrorClass, 5> kAllErrorClasses = {
    ErrorClass::Transient, ErrorClass::ConnectionLost, ErrorClass::RolledBack, ErrorClass::Timeout,
    ErrorClass::Fatal};

// The configuration and log spelling: "transient", "connection_lost", "rolled_back", "timeout",
// "fatal".
constexpr std::string_view to_string(ErrorClass cls) {
    switch (cls) {
        case ErrorClass::Transient:
            return "transient";
        case ErrorClass::ConnectionLost:
            return "connection_lost";
        case ErrorClass::RolledBack:
            return "rolled_back";
        case ErrorClass::Timeout:
            return "timeout";
        case ErrorClass::Fatal:
            return "fatal";
    }
    return "fatal";
}

// Accepts the spellings of to_string, ASCII case-insensitively; nullopt for anything else.
std::optional<ErrorClass> parse_error_class(std::string_view text);

// A set of error classes (for "which classes are retried in this phase").
class ClassSet {
  public:
    constexpr ClassSet() = default;
    constexpr ClassSet(std::initializer_list<ErrorClass> classes) {
        for (ErrorClass cls : classes) add(cls);
    }
    constexpr bool contains(ErrorClass cls) const { return (bits_ & bit(cls)) != 0; }
    constexpr ClassSet& add(ErrorClass cls) {
        bits_ = static_cast<std::uint8_t>(bits_ | bit(cls));
        return *this;
    }
    constexpr ClassSet& remove(ErrorClass cls) {
        bits_ = static_cast<std::uint8_t>(bits_ & ~bit(cls));
        return *this;
    }
    constexpr bool empty() const { return bits_ == 0; }
    constexpr std::uint8_t bits() const { return bits_; }
    friend constexpr bool operator==(ClassSet, ClassSet) = default;

  private:
    static constexpr std::uint8_t bit(ErrorClass cls) {
        return static_cast<std::uint8_t>(1u << static_cast<unsigned>(cls));
    }
    std::uint8_t bits_ = 0;
};

// "transient,connection_lost" (',' or ';' separated, spaces ignored); "none" or "" is the empty
// set. nullopt when an item is not a class name; `bad_item` then holds that item.
std::optional<ClassSet> parse_class_set(std::string_view text, std::string* bad_item = nullptr);
// The set in parse_class_set's syntax, in enum order; "none" for the empty set.
std::string to_string(ClassSet set);

}  // namespace odbcretry
