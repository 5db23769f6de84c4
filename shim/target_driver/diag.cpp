// SPDX-License-Identifier: Apache-2.0
#include "shim/target_driver/diag.h"

#include <cstring>

#include "shim/target_driver/convert.h"
#include "shim/target_driver/library.h"

#include <algorithm>

namespace odbcretry {

void DiagArea::reset() {
    std::lock_guard lock(mutex_);
    own_.clear();
    captured_.clear();
    captured_mode_ = false;
    sqlerror_next_ = 1;
    dirty_.store(false, std::memory_order_relaxed);
}

void DiagArea::post(const char* sqlstate, std::string message, SQLINTEGER native) {
    std::lock_guard lock(mutex_);
    own_.push_back({sqlstate, native, std::move(message)});
    dirty_.store(true, std::memory_order_relaxed);
}

void DiagArea::post_alone(const char* sqlstate, std::string message, SQLINTEGER native) {
    std::lock_guard lock(mutex_);
    if (!captured_mode_) {
        captured_.clear();
        captured_mode_ = true;
    }
    own_.push_back({sqlstate, native, std::move(message)});
    dirty_.store(true, std::memory_order_relaxed);
}

bool DiagArea::read_target_record(const TargetDiagSource& s, int rec, DiagRecord& out) {
    const TargetApi& api = *s.api;
    SQLRETURN rc;
    if (api.SQLGetDiagRec) {
        SQLCHAR state[6] = {};
        SQLINTEGER native = 0;
        std::string text(1024, '\0');
        SQLSMALLINT len = 0;
        rc = api.SQLGetDiagRec(s.type, s.handle, static_cast<SQLSMALLINT>(rec), state, &native,
                               reinterpret_cast<SQLCHAR*>(text.data()),
                               static_cast<SQLSMALLINT>(text.size()), &len);
        if (rc == SQL_SUCCESS_WITH_INFO && len >= static_cast<SQLSMALLINT>(text.size())) {
            text.assign(static_cast<size_t>(len) + 1, '\0');
            rc = api.SQLGetDiagRec(s.type, s.handle, static_cast<SQLSMALLINT>(rec), state, &native,
                                   reinterpret_cast<SQLCHAR*>(text.data()),
                                   static_cast<SQLSMALLINT>(text.size()), &len);
        }
        if (!SQL_SUCCEEDED(rc)) return false;
        text.resize(strnlen(text.c_str(), text.size()));
        out = {
            std::string(reinterpret_cast<char*>(state), strnlen(reinterpret_cast<char*>(state), 5)),
            native, std::move(text)};
        return true;
    }
    if (api.SQLGetDiagRecW) {
        SQLWCHAR state[6] = {};
        SQLINTEGER native = 0;
        WString text(1024, 0);
        SQLSMALLINT len = 0;
        rc = api.SQLGetDiagRecW(s.type, s.handle, static_cast<SQLSMALLINT>(rec), state, &native,
                                text.data(), static_cast<SQLSMALLINT>(text.size()), &len);
        if (rc == SQL_SUCCESS_WITH_INFO && len >= static_cast<SQLSMALLINT>(text.size())) {
            text.assign(static_cast<size_t>(len) + 1, 0);
            rc = api.SQLGetDiagRecW(s.type, s.handle, static_cast<SQLSMALLINT>(rec), state, &native,
                                    text.data(), static_cast<SQLSMALLINT>(text.size()), &len);
        }
        if (!SQL_SUCCEEDED(rc)) return false;
        out = {to_utf8(state, SQL_NTS), native, to_utf8(text.data(), SQL_NTS)};
        return true;
    }
    return false;
}

void DiagArea::capture_once(const TargetDiagSource& s) {
    if (captured_mode_ || !s.via_sqlerror || !s.usable() || s.type == SQL_HANDLE_DESC) return;
    const TargetApi& api = *s.api;
    std::vector<DiagRecord> copies;
    SQLHENV env = s.type == SQL_HANDLE_ENV ? s.handle : SQL_NULL_HENV;
    SQLHDBC dbc = s.type == SQL_HANDLE_DBC ? s.handle : SQL_NULL_HDBC;
    SQLHSTMT stmt = s.type == SQL_HANDLE_STMT ? s.handle : SQL_NULL_HSTMT;
    for (int i = 0; i < 1000; ++i) {
        DiagRecord r;
        SQLINTEGER native = 0;
        SQLSMALLINT len = 0;
        SQLRETURN rc;
        if (api.SQLError) {
            SQLCHAR state[6] = {};
            std::string text(SQL_MAX_MESSAGE_LENGTH * 4, '\0');
            rc = api.SQLError(env, dbc, stmt, state, &native,
                              reinterpret_cast<SQLCHAR*>(text.data()),
                              static_cast<SQLSMALLINT>(text.size()), &len);
            if (!SQL_SUCCEEDED(rc)) break;
            text.resize(strnlen(text.c_str(), text.size()));
            r = {std::string(reinterpret_cast<char*>(state),
                             strnlen(reinterpret_cast<char*>(state), 5)),
                 native, text};
        } else if (api.SQLErrorW) {
            SQLWCHAR state[6] = {};
            WString text(SQL_MAX_MESSAGE_LENGTH * 2, 0);
            rc = api.SQLErrorW(env, dbc, stmt, state, &native, text.data(),
                               static_cast<SQLSMALLINT>(text.size()), &len);
            if (!SQL_SUCCEEDED(rc)) break;
            r = {to_utf8(state, SQL_NTS), native, to_utf8(text.data(), SQL_NTS)};
        } else {
            return;
        }
        copies.push_back(std::move(r));
    }
    captured_ = std::move(copies);
    captured_mode_ = true;
    dirty_.store(true, std::memory_order_relaxed);
}

int DiagArea::target_count(const TargetDiagSource& s) const {
    if (captured_mode_ || !s.usable()) return 0;
    const TargetApi& api = *s.api;
    SQLINTEGER n = 0;
    if (api.SQLGetDiagField &&
        SQL_SUCCEEDED(api.SQLGetDiagField(s.type, s.handle, 0, SQL_DIAG_NUMBER, &n, 0, nullptr)))
        return n;
    if (api.SQLGetDiagFieldW &&
        SQL_SUCCEEDED(api.SQLGetDiagFieldW(s.type, s.handle, 0, SQL_DIAG_NUMBER, &n, 0, nullptr)))
        return n;
    int count = 0;
    DiagRecord r;
    while (count < 1000 && read_target_record(s, count + 1, r)) ++count;
    return count;
}

std::vector<DiagRecord> DiagArea::records_snapshot(const TargetDiagSource& s) const {
    std::lock_guard lock(mutex_);
    const_cast<DiagArea*>(this)->capture_once(s);
    std::vector<DiagRecord> out;
    if (captured_mode_) {
        out = captured_;
    } else if (s.usable()) {
        int n = target_count(s);
        for (int i = 1; i <= n; ++i) {
            DiagRecord r;
            if (read_target_record(s, i, r)) out.push_back(std::move(r));
        }
    }
    out.insert(out.end(), own_.begin(), own_.end());
    return out;
}

void DiagArea::set_captured(std::vector<DiagRecord> records) {
    std::lock_guard lock(mutex_);
    own_.clear();
    captured_ = std::move(records);
    captured_mode_ = true;
    sqlerror_next_ = 1;
    dirty_.store(true, std::memory_order_relaxed);
}

void DiagArea::set_leading(const char* sqlstate, std::string message,
                           std::vector<DiagRecord> records) {
    records.insert(records.begin(), DiagRecord{sqlstate, 0, std::move(message)});
    set_captured(std::move(records));
}

void DiagArea::capture_target(const TargetDiagSource& s) {
    std::vector<DiagRecord> copies;
    if (s.usable()) {
        std::lock_guard lock(mutex_);
        capture_once(s);
        if (captured_mode_) return;
        int n = target_count(s);
        for (int i = 1; i <= n; ++i) {
            DiagRecord r;
            if (read_target_record(s, i, r)) copies.push_back(std::move(r));
        }
    }
    std::lock_guard lock(mutex_);
    captured_ = std::move(copies);
    captured_mode_ = true;
    dirty_.store(true, std::memory_order_relaxed);
}

namespace {

// Writes a text value to a diagnostic output buffer: characters for SQLGetDiagRec's message.
SQLRETURN put_message(const std::string& text, bool wide, void* buffer, SQLSMALLINT capacity,
                      SQLSMALLINT* length) {
    long full = 0;
    bool truncated;
    if (wide)
        truncated = copy_out(to_utf16(text), static_cast<SQLWCHAR*>(buffer), capacity, &full);
    else
        truncated = copy_out(text, static_cast<SQLCHAR*>(buffer), capacity, &full);
    if (length) *length = static_cast<SQLSMALLINT>(full);
    return truncated ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

void put_state(const std::string& state, bool wide, SQLCHAR* out) {
    if (!out) return;
    if (wide) {
        auto* w = reinterpret_cast<SQLWCHAR*>(out);
        for (size_t i = 0; i < 5; ++i)
            w[i] = i < state.size() ? static_cast<SQLWCHAR>(state[i]) : u' ';
        w[5] = 0;
    } else {
        for (size_t i = 0; i < 5; ++i)
            out[i] = i < state.size() ? static_cast<SQLCHAR>(state[i]) : ' ';
        out[5] = 0;
    }
}

SQLRETURN put_record(const DiagRecord& r, bool wide, SQLCHAR* state, SQLINTEGER* native,
                     void* message, SQLSMALLINT capacity, SQLSMALLINT* length) {
    put_state(r.sqlstate, wide, state);
    if (native) *native = r.native;
    return put_message(r.message, wide, message, capacity, length);
}

// Forwards to the target's SQLGetDiagRec in the application's form, converting if needed.
SQLRETURN forward_rec(const TargetDiagSource& s, SQLSMALLINT rec, bool wide, SQLCHAR* state,
                      SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                      SQLSMALLINT* length) {
    const TargetApi& api = *s.api;
    if (!wide && api.SQLGetDiagRec)
        return api.SQLGetDiagRec(s.type, s.handle, rec, state, native,
                                 static_cast<SQLCHAR*>(message), capacity, length);
    if (wide && api.SQLGetDiagRecW)
        return api.SQLGetDiagRecW(s.type, s.handle, rec, reinterpret_cast<SQLWCHAR*>(state), native,
                                  static_cast<SQLWCHAR*>(message), capacity, length);
    return SQL_NO_DATA;  // converted below by the caller through read_target_record
}

}  // namespace

SQLRETURN DiagArea::get_rec(const TargetDiagSource& s, SQLSMALLINT rec, bool wide, SQLCHAR* state,
                            SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                            SQLSMALLINT* length) {
    if (rec <= 0 || capacity < 0) return SQL_ERROR;
    std::lock_guard lock(mutex_);
    capture_once(s);
    bool direct = !captured_mode_ && s.usable() &&
                  (wide ? s.api->SQLGetDiagRecW != nullptr : s.api->SQLGetDiagRec != nullptr);
    if (direct && own_.empty())
        return forward_rec(s, rec, wide, state, native, message, capacity, length);
    int base = captured_mode_ ? static_cast<int>(captured_.size()) : target_count(s);
    if (rec <= base) {
        if (captured_mode_)
            return put_record(captured_[static_cast<size_t>(rec - 1)], wide, state, native, message,
                              capacity, length);
        if (direct) return forward_rec(s, rec, wide, state, native, message, capacity, length);
        DiagRecord r;
        if (!read_target_record(s, rec, r)) return SQL_NO_DATA;
        return put_record(r, wide, state, native, message, capacity, length);
    }
    size_t index = static_cast<size_t>(rec - base - 1);
    if (index >= own_.size()) return SQL_NO_DATA;
    return put_record(own_[index], wide, state, native, message, capacity, length);
}

SQLRETURN DiagArea::next_error(const TargetDiagSource& s, bool wide, SQLCHAR* state,
                               SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                               SQLSMALLINT* length) {
    int rec;
    {
        std::lock_guard lock(mutex_);
        rec = sqlerror_next_++;
        dirty_.store(true, std::memory_order_relaxed);
    }
    SQLRETURN rc =
        get_rec(s, static_cast<SQLSMALLINT>(rec), wide, state, native, message, capacity, length);
    if (rc == SQL_NO_DATA && state) put_state("00000", wide, state);
    return rc;
}

SQLRETURN DiagArea::get_field(const TargetDiagSource& s, SQLSMALLINT rec, SQLSMALLINT field,
                              bool wide, SQLPOINTER value, SQLSMALLINT capacity,
                              SQLSMALLINT* length, SQLRETURN last_return) {
    std::lock_guard lock(mutex_);
    capture_once(s);
    auto forward = [&]() -> SQLRETURN {
        const TargetApi& api = *s.api;
        if (wide && api.SQLGetDiagFieldW)
            return api.SQLGetDiagFieldW(s.type, s.handle, rec, field, value, capacity, length);
        if (!wide && api.SQLGetDiagField)
            return api.SQLGetDiagField(s.type, s.handle, rec, field, value, capacity, length);
        auto* other = wide ? api.SQLGetDiagField : api.SQLGetDiagFieldW;
        if (!other) return SQL_ERROR;
        bool is_string = field == SQL_DIAG_SQLSTATE || field == SQL_DIAG_MESSAGE_TEXT ||
                         field == SQL_DIAG_CLASS_ORIGIN || field == SQL_DIAG_SUBCLASS_ORIGIN ||
                         field == SQL_DIAG_CONNECTION_NAME || field == SQL_DIAG_SERVER_NAME ||
                         field == SQL_DIAG_DYNAMIC_FUNCTION;
        // Numeric fields are the same in both forms: the application's buffer is passed on.
        if (!is_string) return other(s.type, s.handle, rec, field, value, capacity, length);
        long full = 0;
        bool truncated = false;
        SQLRETURN rc = call_other_form<SQLSMALLINT>(
            OutText::bytes(value, capacity, wide), &full, !wide, truncated,
            [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
                return other(s.type, s.handle, rec, field, buffer, c, l);
            });
        if (length && SQL_SUCCEEDED(rc)) *length = static_cast<SQLSMALLINT>(full);
        return rc;
    };
    bool target_live = !captured_mode_ && s.usable();
    if (rec == 0) {  // header fields
        if (field == SQL_DIAG_NUMBER) {
            if (target_live && own_.empty()) return forward();
            int base = captured_mode_ ? static_cast<int>(captured_.size()) : target_count(s);
            if (value)
                *static_cast<SQLINTEGER*>(value) = base + static_cast<SQLINTEGER>(own_.size());
            return SQL_SUCCESS;
        }
        if (field == SQL_DIAG_RETURNCODE) {
            if (value) *static_cast<SQLRETURN*>(value) = last_return;
            return SQL_SUCCESS;
        }
        // The other header fields describe the target's statement, not its records: a target
        // read through SQLError (its records are copies) still answers them, as it does for the
        // driver manager when it is used alone.
        if (target_live || (s.via_sqlerror && s.usable())) return forward();
        return SQL_NO_DATA;
    }
    if (rec < 0) return SQL_ERROR;
    if (target_live && own_.empty()) return forward();
    int base = captured_mode_ ? static_cast<int>(captured_.size()) : target_count(s);
    const DiagRecord* r = nullptr;
    if (rec <= base) {
        if (!captured_mode_) return forward();
        r = &captured_[static_cast<size_t>(rec - 1)];
    } else {
        size_t index = static_cast<size_t>(rec - base - 1);
        if (index >= own_.size()) return SQL_NO_DATA;
        r = &own_[index];
    }
    auto put_text = [&](const std::string& text) -> SQLRETURN {
        long full = 0;
        bool truncated;
        if (wide) {
            truncated = copy_out(to_utf16(text), static_cast<SQLWCHAR*>(value),
                                 capacity / static_cast<long>(sizeof(SQLWCHAR)), &full);
            full *= sizeof(SQLWCHAR);
        } else {
            truncated = copy_out(text, static_cast<SQLCHAR*>(value), capacity, &full);
        }
        if (length) *length = static_cast<SQLSMALLINT>(full);
        return truncated ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
    };
    bool odbc_class = r->sqlstate.rfind("IM", 0) == 0 || r->sqlstate.rfind("HY", 0) == 0 ||
                      r->sqlstate.rfind("01S", 0) == 0;
    switch (field) {
        case SQL_DIAG_SQLSTATE:
            return put_text(r->sqlstate);
        case SQL_DIAG_MESSAGE_TEXT:
            return put_text(r->message);
        case SQL_DIAG_NATIVE:
            if (value) *static_cast<SQLINTEGER*>(value) = r->native;
            return SQL_SUCCESS;
        case SQL_DIAG_CLASS_ORIGIN:
            return put_text(odbc_class ? "ODBC 3.0" : "ISO 9075");
        case SQL_DIAG_SUBCLASS_ORIGIN:
            return put_text(odbc_class ? "ODBC 3.0" : "ISO 9075");
        case SQL_DIAG_CONNECTION_NAME:
        case SQL_DIAG_SERVER_NAME:
            return put_text("");
        case SQL_DIAG_ROW_NUMBER:
            if (value) *static_cast<SQLLEN*>(value) = SQL_NO_ROW_NUMBER;
            return SQL_SUCCESS;
        case SQL_DIAG_COLUMN_NUMBER:
            if (value) *static_cast<SQLINTEGER*>(value) = SQL_NO_COLUMN_NUMBER;
            return SQL_SUCCESS;
        default:
            return SQL_ERROR;
    }
}

}  // namespace odbcretry
