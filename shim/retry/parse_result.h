// SPDX-License-Identifier: Apache-2.0
// A parsed value or the message saying why the text was rejected (C++20 has no std::expected).
#pragma once
#include <optional>
#include <string>
#include <utility>

namespace odbcretry {

template <class T>
class ParseResult {
  public:
    static ParseResult success(T value) {
        ParseResult r;
        r.value_ = std::move(value);
        return r;
    }
    static ParseResult failure(std::string message) {
        ParseResult r;
        r.error_ = std::move(message);
        return r;
    }

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }
    // Only when ok().
    T& value() & { return *value_; }
    const T& value() const& { return *value_; }
    T&& value() && { return std::move(*value_); }
    // Only when !ok(): names the offending part of the input.
    const std::string& error() const { return error_; }

  private:
    ParseResult() = default;
    std::optional<T> value_;
    std::string error_;
};

}  // namespace odbcretry
