// SPDX-License-Identifier: Apache-2.0
// Strings crossing the ABI in either encoding: the application's A (UTF-8 bytes) or W (UTF-16
// SQLWCHAR) form. A shim method receives an InText/OutText and calls the target's matching form
// with the application's own pointers; only when the target lacks that form does it convert.
#pragma once
#include <cstring>
#include <string>

#include "shim/target_driver/odbc.h"
#include "shim/target_driver/unicode.h"

namespace odbcretry {

// An application's input text: its own pointer and length, passed on unchanged to a target that
// has the same form. What odbc-retry reads of it itself (connection strings, the names given to
// SQLConnect, the journal of SQL text, attributes and cursor names, a conversion to the other
// form) ends at the first NUL even when the length says more, as the driver manager and the
// drivers read it (psqlODBC's make_string, MariaDB's and SQLite ODBC's connection-string
// parsers): many applications pass the size of their buffer, not the length of the text.
struct InText {
    const void* data = nullptr;
    long length = SQL_NTS;  // characters (A: bytes), or SQL_NTS
    bool wide = false;

    static InText narrow(const SQLCHAR* s, long n) { return {s, n, false}; }
    static InText of(const SQLWCHAR* s, long n) { return {s, n, true}; }
    const SQLCHAR* a() const { return static_cast<const SQLCHAR*>(data); }
    const SQLWCHAR* w() const { return static_cast<const SQLWCHAR*>(data); }
    bool null() const { return data == nullptr; }
    // Characters up to the first NUL, within `length` when one is given.
    size_t units() const {
        if (!data) return 0;
        bool bounded = length != SQL_NTS && length >= 0;
        auto limit = static_cast<size_t>(length);
        size_t n = 0;
        if (wide) {
            while ((!bounded || n < limit) && w()[n] != 0) ++n;
        } else {
            const char* s = static_cast<const char*>(data);
            n = bounded ? strnlen(s, limit) : strlen(s);
        }
        return n;
    }
    std::string utf8() const {
        if (!data) return {};
        if (wide) return to_utf8(w(), static_cast<long>(units()));
        return std::string(static_cast<const char*>(data), units());
    }
    WString utf16() const {
        if (!data) return {};
        if (wide) return WString(w(), units());
        return to_utf16(a(), static_cast<long>(units()));
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

    // A buffer whose capacity counts characters (names, connection strings, SQL text).
    static OutText chars(SQLCHAR* buffer, long capacity) {
        return {buffer, capacity, false, false};
    }
    static OutText chars(SQLWCHAR* buffer, long capacity) {
        return {buffer, capacity, true, false};
    }
    // A buffer whose capacity counts bytes (attribute, field and information values), in the A
    // or the W form.
    static OutText bytes(SQLPOINTER buffer, long capacity, bool wide) {
        return {buffer, capacity, wide, true};
    }
    static OutText narrow_bytes(SQLPOINTER buffer, long capacity) {
        return bytes(buffer, capacity, false);
    }
    static OutText wide_bytes(SQLPOINTER buffer, long capacity) {
        return bytes(buffer, capacity, true);
    }
};

}  // namespace odbcretry
