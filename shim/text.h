// Strings crossing the ABI in either encoding: the application's A (UTF-8 bytes) or W (UTF-16
// SQLWCHAR) form. A shim method receives an InText/OutText and calls the target's matching form
// with the application's own pointers; only when the target lacks that form does it convert.
#pragma once
#include <string>

#include "shim/odbc.h"
#include "shim/unicode.h"

namespace odbcretry {

struct InText {
    const void* data = nullptr;
    long length = SQL_NTS;  // characters (A: bytes), or SQL_NTS
    bool wide = false;

    static InText narrow(const SQLCHAR* s, long n) { return {s, n, false}; }
    static InText of(const SQLWCHAR* s, long n) { return {s, n, true}; }
    const SQLCHAR* a() const { return static_cast<const SQLCHAR*>(data); }
    const SQLWCHAR* w() const { return static_cast<const SQLWCHAR*>(data); }
    bool null() const { return data == nullptr; }
    std::string utf8() const {
        if (!data) return {};
        if (wide) return to_utf8(w(), length);
        if (length == SQL_NTS || length < 0)
            return std::string(reinterpret_cast<const char*>(data));
        return std::string(reinterpret_cast<const char*>(data), static_cast<size_t>(length));
    }
    WString utf16() const {
        if (!data) return {};
        if (wide) {
            size_t n =
                length == SQL_NTS || length < 0 ? wide_length(w()) : static_cast<size_t>(length);
            return WString(w(), n);
        }
        return to_utf16(a(), length);
    }
};

// A converted copy of an InText in the other encoding, kept alive for the duration of a call.
// `length` is SQL_NTS when the input was null-terminated and a count otherwise (null stays null).
struct ConvertedText {
    std::string narrow;
    WString wide;
    bool is_null = true;
    long length = SQL_NTS;

    static ConvertedText from(const InText& in, bool want_wide) {
        ConvertedText c;
        c.is_null = in.null();
        if (c.is_null) return c;
        if (want_wide) {
            c.wide = in.utf16();
            c.length = in.length == SQL_NTS ? SQL_NTS : static_cast<long>(c.wide.size());
        } else {
            c.narrow = in.utf8();
            c.length = in.length == SQL_NTS ? SQL_NTS : static_cast<long>(c.narrow.size());
        }
        return c;
    }
    SQLCHAR* a() { return is_null ? nullptr : reinterpret_cast<SQLCHAR*>(narrow.data()); }
    SQLWCHAR* w() { return is_null ? nullptr : wide.data(); }
};

// An application's output buffer for text. `capacity` is in the units the function uses:
// characters for most functions, bytes where ODBC says so (attributes, SQLGetInfo,
// SQLColAttribute, descriptor and diagnostic fields).
struct OutText {
    void* buffer = nullptr;
    long capacity = 0;
    bool wide = false;
    bool in_bytes = false;
};

}  // namespace odbcretry
