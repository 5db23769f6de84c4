// SPDX-License-Identifier: Apache-2.0
#include "fake_values.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "fake_core.h"

namespace odbcfake {
namespace {

long long integerOf(const Value& v) {
    if (const long long* i = std::get_if<long long>(&v)) return *i;
    const std::string& s = std::get<std::string>(v);
    std::string t = trim(s);
    long long value = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size()) {
        fail("22018", 0, "[Fake]Invalid character value for cast specification: " + valueText(v));
    }
    return value;
}

std::string textOf(const Value& v) {
    if (const long long* i = std::get_if<long long>(&v)) return std::to_string(*i);
    return std::get<std::string>(v);
}

template <class T>
void putInteger(long long value, SQLPOINTER buffer, SQLLEN* indicator) {
    if (value < static_cast<long long>(std::numeric_limits<T>::min()) ||
        (value > 0 && static_cast<unsigned long long>(value) >
                          static_cast<unsigned long long>(std::numeric_limits<T>::max()))) {
        fail("22003", 0, "[Fake]Numeric value out of range");
    }
    T out = static_cast<T>(value);
    std::memcpy(buffer, &out, sizeof out);
    if (indicator != nullptr) *indicator = sizeof out;
}

SQLSMALLINT defaultCType(SQLSMALLINT sqlType) {
    switch (sqlType) {
        case SQL_INTEGER:
            return SQL_C_SLONG;
        case SQL_BIGINT:
            return SQL_C_SBIGINT;
        case SQL_SMALLINT:
            return SQL_C_SSHORT;
        case SQL_WCHAR:
        case SQL_WVARCHAR:
        case SQL_WLONGVARCHAR:
            return SQL_C_WCHAR;
        default:
            return SQL_C_CHAR;
    }
}

}  // namespace

bool supportedCType(SQLSMALLINT cType) {
    switch (cType) {
        case SQL_C_DEFAULT:
        case SQL_C_CHAR:
        case SQL_C_WCHAR:
        case SQL_C_SLONG:
        case SQL_C_LONG:
        case SQL_C_ULONG:
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
        case SQL_C_USHORT:
        case SQL_C_SBIGINT:
        case SQL_C_UBIGINT:
        case SQL_C_DOUBLE:
            return true;
        default:
            return false;
    }
}

SQLRETURN putValue(Diag& diag, const Value& v, const Column& column, SQLSMALLINT cType,
                   SQLPOINTER buffer, SQLLEN capacity, SQLLEN* indicator, size_t& offset,
                   bool& done) {
    if (done) return SQL_NO_DATA;
    if (std::holds_alternative<std::monostate>(v)) {
        if (indicator == nullptr) {
            fail("22002", 0, "[Fake]Indicator variable required but not supplied");
        }
        *indicator = SQL_NULL_DATA;
        done = true;
        return SQL_SUCCESS;
    }
    if (cType == SQL_C_DEFAULT) cType = defaultCType(column.type);
    if (cType == SQL_C_CHAR || cType == SQL_C_WCHAR) {
        if (capacity < 0) fail("HY090", 0, "[Fake]Invalid string or buffer length");
        std::string text = textOf(v);
        size_t unitSize = cType == SQL_C_WCHAR ? 2 : 1;
        std::u16string units = cType == SQL_C_WCHAR ? toUtf16(text) : std::u16string();
        size_t total = cType == SQL_C_WCHAR ? units.size() : text.size();
        size_t remaining = total - std::min(offset, total);
        if (indicator != nullptr) *indicator = static_cast<SQLLEN>(remaining * unitSize);
        size_t room = buffer == nullptr ? 0 : static_cast<size_t>(capacity) / unitSize;
        if (room == 0) {
            if (remaining == 0) {
                done = true;
                return SQL_SUCCESS;
            }
            return warn(diag, "01004", "[Fake]String data, right truncated");
        }
        size_t n = std::min(remaining, room - 1);
        if (cType == SQL_C_WCHAR) {
            SQLWCHAR* out = static_cast<SQLWCHAR*>(buffer);
            for (size_t i = 0; i < n; ++i) out[i] = static_cast<SQLWCHAR>(units[offset + i]);
            out[n] = 0;
        } else {
            std::memcpy(buffer, text.data() + offset, n);
            static_cast<char*>(buffer)[n] = '\0';
        }
        offset += n;
        if (n < remaining) return warn(diag, "01004", "[Fake]String data, right truncated");
        done = true;
        return SQL_SUCCESS;
    }
    if (buffer == nullptr) fail("HY009", 0, "[Fake]Invalid use of null pointer");
    switch (cType) {
        case SQL_C_SLONG:
        case SQL_C_LONG:
            putInteger<SQLINTEGER>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_ULONG:
            putInteger<SQLUINTEGER>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
            putInteger<SQLSMALLINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_USHORT:
            putInteger<SQLUSMALLINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_SBIGINT:
            putInteger<SQLBIGINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_UBIGINT:
            putInteger<SQLUBIGINT>(integerOf(v), buffer, indicator);
            break;
        case SQL_C_DOUBLE: {
            SQLDOUBLE d = static_cast<SQLDOUBLE>(integerOf(v));
            std::memcpy(buffer, &d, sizeof d);
            if (indicator != nullptr) *indicator = sizeof d;
            break;
        }
        default:
            fail("HY003", 0, "[Fake]Invalid application buffer type " + std::to_string(cType));
    }
    done = true;
    return SQL_SUCCESS;
}

Value parameterValue(const BoundParameter& p, int number) {
    SQLLEN ind = p.indicator != nullptr ? *p.indicator : SQL_NTS;
    if (ind == SQL_NULL_DATA) return Value{};
    if (ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET) {
        fail("HYC00", 0, "[Fake]data-at-execution parameters are not supported");
    }
    if (p.buffer == nullptr)
        fail("HY009", 0, "[Fake]parameter " + std::to_string(number) + " has no buffer");
    SQLSMALLINT cType = p.cType == SQL_C_DEFAULT ? defaultCType(p.sqlType) : p.cType;
    auto read = [&](auto sample) {
        decltype(sample) v;
        std::memcpy(&v, p.buffer, sizeof v);
        return static_cast<long long>(v);
    };
    switch (cType) {
        case SQL_C_SLONG:
        case SQL_C_LONG:
            return read(SQLINTEGER{});
        case SQL_C_ULONG:
            return read(SQLUINTEGER{});
        case SQL_C_SSHORT:
        case SQL_C_SHORT:
            return read(SQLSMALLINT{});
        case SQL_C_USHORT:
            return read(SQLUSMALLINT{});
        case SQL_C_SBIGINT:
            return read(SQLBIGINT{});
        case SQL_C_UBIGINT:
            return read(SQLUBIGINT{});
        case SQL_C_DOUBLE:
            return read(SQLDOUBLE{});
        case SQL_C_CHAR: {
            const char* text = static_cast<const char*>(p.buffer);
            return std::string(text, ind == SQL_NTS ? std::strlen(text) : static_cast<size_t>(ind));
        }
        case SQL_C_WCHAR:
            return wideText(static_cast<const SQLWCHAR*>(p.buffer),
                            ind == SQL_NTS ? SQL_NTS : static_cast<long>(ind / 2));
        default:
            fail("HYC00", 0, "[Fake]unsupported parameter C type " + std::to_string(cType));
    }
}

const Column& columnAt(Stmt& s, SQLUSMALLINT column) {
    if (column < 1 || column > s.columns.size()) {
        fail("07009", 0, "[Fake]Invalid descriptor index " + std::to_string(column));
    }
    return s.columns[column - 1];
}

const char* typeName(SQLSMALLINT type) {
    switch (type) {
        case SQL_INTEGER:
            return "INTEGER";
        case SQL_BIGINT:
            return "BIGINT";
        default:
            return "VARCHAR";
    }
}

}  // namespace odbcfake
