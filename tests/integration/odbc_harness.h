// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the integration tests: the runtime-environment check, text helpers,
// transcripts with a readable diff, and a few small ODBC helpers.
//
// Everything here goes through the unixODBC driver manager (libodbc), exactly as an application
// would: the tests never load a driver themselves. The private odbcinst.ini and odbc.ini come
// from the environment (ODBCSYSINI, ODBCINI; see scripts/lib/env.sh).
#pragma once
#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>
#include <unistd.h>

#include <algorithm>
#include <clocale>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "../common/odbc_names.h"

namespace ort_it {

// ---- runtime environment ---------------------------------------------------------------------

inline std::string env_value(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

// What is missing from the runtime environment the contract defines, one line per problem;
// empty when everything is there.
inline std::string environment_problems(std::initializer_list<const char*> extra = {}) {
    std::string out;
    auto need = [&](const char* name) {
        if (env_value(name).empty()) out += std::string("  ") + name + " is not set\n";
    };
    need("ODBCSYSINI");
    need("ODBCINI");
    for (const char* name : extra) need(name);
    if (std::string dir = env_value("ODBCSYSINI");
        !dir.empty() && access((dir + "/odbcinst.ini").c_str(), R_OK) != 0)
        out += "  " + dir + "/odbcinst.ini is not readable\n";
    if (std::string ini = env_value("ODBCINI"); !ini.empty() && access(ini.c_str(), R_OK) != 0)
        out += "  ODBCINI=" + ini + " is not readable\n";
    return out;
}

inline const char* environment_hint() {
    return "The integration tests need the project's runtime environment: source "
           "scripts/lib/env.sh, "
           "then `scripts/servers start` (starts PostgreSQL and MariaDB and writes odbcinst.ini "
           "and "
           "odbc.ini), or simply run scripts/test.";
}

// A gtest environment that fails the whole program (it does not skip) when the private ODBC
// configuration is missing.
//
// It also switches the process to the C.UTF-8 locale. unixODBC converts between UTF-16 and the
// application's 8-bit encoding with iconv, picking the 8-bit side from nl_langinfo(CODESET) of the
// process locale; a Unicode-aware application (pyodbc, any program that calls setlocale) runs in
// a UTF-8 locale, and so do these tests, so that non-ASCII text means the same on every path.
class RequireOdbcEnvironment : public ::testing::Environment {
  public:
    explicit RequireOdbcEnvironment(std::vector<const char*> extra = {})
        : extra_(std::move(extra)) {}
    void SetUp() override {
        std::setlocale(LC_ALL, "C.UTF-8");
        std::string problems = environment_problems({});
        for (const char* name : extra_)
            if (env_value(name).empty()) problems += std::string("  ") + name + " is not set\n";
        if (!problems.empty())
            FAIL() << "missing runtime environment:\n" << problems << environment_hint();
    }

  private:
    std::vector<const char*> extra_;
};

// ---- text --------------------------------------------------------------------------------------

using WString = std::basic_string<SQLWCHAR>;

// UTF-8 to UTF-16 (unixODBC's SQLWCHAR). Invalid bytes become U+FFFD.
inline WString to_w(std::string_view s) {
    WString out;
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        uint32_t cp = 0xFFFD;
        size_t n = 1;
        if (c < 0x80) {
            cp = c;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < s.size()) {
            cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
            n = 2;
        } else if ((c & 0xF0) == 0xE0 && i + 2 < s.size()) {
            cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
            n = 3;
        } else if ((c & 0xF8) == 0xF0 && i + 3 < s.size()) {
            cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
                 ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
            n = 4;
        }
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<SQLWCHAR>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<SQLWCHAR>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<SQLWCHAR>(cp));
        }
    }
    return out;
}

// UTF-16 to UTF-8; a lone surrogate is shown as \u{XXXX} so that nothing is lost silently.
inline std::string from_w(const SQLWCHAR* w, size_t n) {
    std::string out;
    auto put = [&](uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    };
    for (size_t i = 0; i < n; ++i) {
        uint32_t c = w[i];
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < n && w[i + 1] >= 0xDC00 && w[i + 1] < 0xE000) {
            put(0x10000 + ((c - 0xD800) << 10) + (w[i + 1] - 0xDC00));
            ++i;
        } else if (c >= 0xD800 && c < 0xE000) {
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\u{%04X}", static_cast<unsigned>(c));
            out += buf;
        } else {
            put(c);
        }
    }
    return out;
}

inline std::string from_w(const WString& w) {
    return from_w(w.data(), w.size());
}

inline size_t wlen(const SQLWCHAR* w, size_t max) {
    size_t n = 0;
    while (n < max && w[n]) ++n;
    return n;
}

// Bytes as readable text: valid UTF-8 stays, control characters, backslashes and invalid bytes
// are escaped, so two different byte strings never print the same.
inline std::string printable(std::string_view b) {
    std::string out;
    size_t i = 0;
    auto esc = [&](unsigned char c) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
    };
    while (i < b.size()) {
        auto c = static_cast<unsigned char>(b[i]);
        size_t n = c < 0x80             ? 1
                   : (c & 0xE0) == 0xC0 ? 2
                   : (c & 0xF0) == 0xE0 ? 3
                   : (c & 0xF8) == 0xF0 ? 4
                                        : 0;
        bool valid = n > 0 && i + n <= b.size();
        for (size_t k = 1; valid && k < n; ++k)
            valid = (static_cast<unsigned char>(b[i + k]) & 0xC0) == 0x80;
        if (!valid || (n == 1 && (c < 0x20 || c == 0x7F || c == '\\'))) {
            esc(c);
            ++i;
            continue;
        }
        out.append(b.substr(i, n));
        i += n;
    }
    return out;
}

inline std::string printable(const void* p, size_t n) {
    return printable(std::string_view(static_cast<const char*>(p), n));
}

inline std::string hex(const void* p, size_t n) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    auto b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
        out += digits[b[i] >> 4];
        out += digits[b[i] & 15];
    }
    return out;
}

inline uint64_t fnv1a(const void* p, size_t n) {
    uint64_t h = 1469598103934665603ull;
    auto b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

inline std::string hash_str(const void* p, size_t n) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a(p, n)));
    return buf;
}

// "#" and the hash, made in one buffer: `"#" + hash_str(...)` trips GCC 12's -Wrestrict false
// positive in Release (-O3) builds.
inline std::string hash_tag(const void* p, size_t n) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "#%016llx", static_cast<unsigned long long>(fnv1a(p, n)));
    return buf;
}

template <class... Args>
std::string fmt(const char* format, Args... args) {
    int n = std::snprintf(nullptr, 0, format, args...);
    std::string out(static_cast<size_t>(n > 0 ? n : 0), '\0');
    std::snprintf(out.data(), out.size() + 1, format, args...);
    return out;
}

using ort_test::rc_name;

inline std::string len_str(SQLLEN n) {
    if (n == SQL_NULL_DATA) return "NULL_DATA";
    if (n == SQL_NO_TOTAL) return "NO_TOTAL";
    return std::to_string(n);
}

// Every diagnostic record of a handle on one line each (for failure messages, not transcripts).
inline std::string diag_text(SQLSMALLINT type, SQLHANDLE handle) {
    std::string out;
    for (SQLSMALLINT i = 1; i < 20; ++i) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        SQLCHAR message[2048] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc =
            SQLGetDiagRec(type, handle, i, state, &native, message, sizeof message, &length);
        if (!SQL_SUCCEEDED(rc)) break;
        out += fmt("[%s native=%d] %s\n", reinterpret_cast<char*>(state), static_cast<int>(native),
                   reinterpret_cast<char*>(message));
    }
    return out.empty() ? std::string("(no diagnostic records)") : out;
}

// ---- transcripts -------------------------------------------------------------------------------

// Every observable output of a sequence of ODBC calls, one line per fact, in call order.
class Transcript {
  public:
    void add(std::string line) { lines_.push_back(prefix_ + std::move(line)); }
    const std::vector<std::string>& lines() const { return lines_; }
    // Put in front of every line added from now on ("" for none).
    void set_prefix(std::string prefix) { prefix_ = std::move(prefix); }
    const std::string& prefix() const { return prefix_; }
    std::string text() const {
        std::string out;
        for (const auto& l : lines_) out += l + "\n";
        return out;
    }

  private:
    std::vector<std::string> lines_;
    std::string prefix_;
};

// A readable line diff (`-` only in a, `+` only in b, three lines of context), at most
// `max_lines` lines long. Common prefix and suffix are skipped; the middle is aligned with a
// longest-common-subsequence table when it is small enough, else shown side by side.
inline std::string diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b,
                              const std::string& a_name, const std::string& b_name,
                              size_t max_lines = 300) {
    size_t prefix = 0;
    while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
           a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    const size_t n = a.size() - prefix - suffix, m = b.size() - prefix - suffix;
    struct Op {
        char kind;  // ' ', '-', '+'
        const std::string* line;
        size_t a_line;
    };
    std::vector<Op> ops;
    for (size_t i = prefix >= 3 ? prefix - 3 : 0; i < prefix; ++i) ops.push_back({' ', &a[i], i});
    if (n * m <= 4'000'000) {
        std::vector<std::vector<uint32_t>> l(n + 1, std::vector<uint32_t>(m + 1, 0));
        for (size_t i = n; i-- > 0;)
            for (size_t j = m; j-- > 0;)
                l[i][j] = a[prefix + i] == b[prefix + j] ? l[i + 1][j + 1] + 1
                                                         : std::max(l[i + 1][j], l[i][j + 1]);
        size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a[prefix + i] == b[prefix + j]) {
                ops.push_back({' ', &a[prefix + i], prefix + i});
                ++i, ++j;
            } else if (j < m && (i == n || l[i][j + 1] >= l[i + 1][j])) {
                ops.push_back({'+', &b[prefix + j], prefix + i});
                ++j;
            } else {
                ops.push_back({'-', &a[prefix + i], prefix + i});
                ++i;
            }
        }
    } else {
        for (size_t i = 0; i < n; ++i) ops.push_back({'-', &a[prefix + i], prefix + i});
        for (size_t j = 0; j < m; ++j) ops.push_back({'+', &b[prefix + j], prefix + n});
    }
    for (size_t i = a.size() - suffix; i < a.size() && i < a.size() - suffix + 3; ++i)
        ops.push_back({' ', &a[i], i});

    // Keep changed lines and three lines of context around each.
    std::vector<bool> keep(ops.size(), false);
    for (size_t k = 0; k < ops.size(); ++k)
        if (ops[k].kind != ' ')
            for (size_t c = k >= 3 ? k - 3 : 0; c < ops.size() && c <= k + 3; ++c) keep[c] = true;
    std::string out = "--- " + a_name + "\n+++ " + b_name + "\n";
    size_t shown = 0;
    bool gap = true;
    for (size_t k = 0; k < ops.size(); ++k) {
        if (!keep[k]) {
            gap = true;
            continue;
        }
        if (gap) out += fmt("@@ line %zu of %s @@\n", ops[k].a_line + 1, a_name.c_str());
        gap = false;
        if (++shown > max_lines) {
            out += "... (diff cut at " + std::to_string(max_lines) + " lines)\n";
            break;
        }
        out += ops[k].kind;
        out += ' ';
        out += *ops[k].line;
        out += '\n';
    }
    return out;
}

// ---- handles -----------------------------------------------------------------------------------

// An environment (ODBC 3) and a connection handle, freed (and disconnected) on destruction.
struct EnvDbc {
    SQLHENV env = SQL_NULL_HENV;
    SQLHDBC dbc = SQL_NULL_HDBC;
    bool connected = false;

    EnvDbc() {
        SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &env);
        SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
        SQLAllocHandle(SQL_HANDLE_DBC, env, &dbc);
    }
    ~EnvDbc() {
        if (connected) SQLDisconnect(dbc);
        if (dbc) SQLFreeHandle(SQL_HANDLE_DBC, dbc);
        if (env) SQLFreeHandle(SQL_HANDLE_ENV, env);
    }
    EnvDbc(const EnvDbc&) = delete;
    EnvDbc& operator=(const EnvDbc&) = delete;

    // SQLDriverConnect (ANSI) with `connection_string`; returns the return code and keeps the
    // output connection string in `out`.
    SQLRETURN driver_connect(const std::string& connection_string, std::string* out = nullptr) {
        SQLCHAR buffer[2048] = {};
        SQLSMALLINT length = 0;
        SQLRETURN rc = SQLDriverConnect(
            dbc, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(connection_string.c_str())),
            SQL_NTS, buffer, sizeof buffer, &length, SQL_DRIVER_NOPROMPT);
        if (SQL_SUCCEEDED(rc)) connected = true;
        if (out) *out = reinterpret_cast<char*>(buffer);
        return rc;
    }
};

}  // namespace ort_it
