// SPDX-License-Identifier: Apache-2.0
// Reads that resume where they were: every delivered row is counted and hashed, so that a read
// interrupted by a lost connection can run again, skip and check what the application already
// has, and go on (ReplayResumeFetch). The parameter values of the open result are kept for it.
#include <algorithm>
#include <cstring>
#include <optional>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"
#include "shim/config/log.h"
#include "shim/recovery/replay.h"
#include "shim/retry/clock.h"
#include "shim/shared/target_state.h"

namespace odbcretry {

namespace {

// A fast, order-sensitive hash of what the application received: eight bytes at a time. It only
// has to tell "the same rows" from "other rows", not resist an adversary.
inline uint64_t mix(uint64_t h, uint64_t word) {
    h = (h ^ word) * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

uint64_t fold(uint64_t h, const void* data, size_t n) {
    const auto* p = static_cast<const unsigned char*>(data);
    const size_t length = n;
    while (n >= 8) {
        uint64_t word;
        std::memcpy(&word, p, 8);
        h = mix(h, word);
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    std::memcpy(&tail, p, n);
    return mix(h, tail ^ (static_cast<uint64_t>(length) << 56));
}

uint64_t fold_value(uint64_t h, uint64_t v) {
    return fold(h, &v, sizeof v);
}

// The size of a fixed-length C type, 0 for variable-length ones (char, wchar, binary).
size_t c_type_size(SQLSMALLINT c_type) {
    switch (c_type) {
        case SQL_C_BIT:
        case SQL_C_TINYINT:
        case SQL_C_STINYINT:
        case SQL_C_UTINYINT:
            return 1;
        case SQL_C_SHORT:
        case SQL_C_SSHORT:
        case SQL_C_USHORT:
            return 2;
        case SQL_C_LONG:
        case SQL_C_SLONG:
        case SQL_C_ULONG:
        case SQL_C_FLOAT:
            return 4;
        case SQL_C_SBIGINT:
        case SQL_C_UBIGINT:
        case SQL_C_DOUBLE:
            return 8;
        case SQL_C_TYPE_DATE:
        case SQL_C_DATE:
            return sizeof(SQL_DATE_STRUCT);
        case SQL_C_TYPE_TIME:
        case SQL_C_TIME:
            return sizeof(SQL_TIME_STRUCT);
        case SQL_C_TYPE_TIMESTAMP:
        case SQL_C_TIMESTAMP:
            return sizeof(SQL_TIMESTAMP_STRUCT);
        case SQL_C_NUMERIC:
            return sizeof(SQL_NUMERIC_STRUCT);
        case SQL_C_GUID:
            return sizeof(SQLGUID);
        default:
            return 0;
    }
}

size_t terminator_size(SQLSMALLINT c_type) {
    return c_type == SQL_C_CHAR ? 1 : c_type == SQL_C_WCHAR ? sizeof(SQLWCHAR) : 0;
}

// The bytes of one value the driver wrote: fixed types by size, others by the indicator.
size_t value_bytes(SQLSMALLINT c_type, SQLLEN capacity, const SQLLEN* indicator) {
    if (size_t fixed = c_type_size(c_type)) return fixed;
    if (capacity <= 0) return 0;
    auto cap = static_cast<size_t>(capacity);
    if (!indicator || *indicator == SQL_NO_TOTAL || *indicator < 0)
        return cap - std::min(cap, terminator_size(c_type));
    auto n = static_cast<size_t>(*indicator);
    return std::min(n, cap - std::min(cap, terminator_size(c_type)));
}

}  // namespace

void Statement::keep_parameters() {
    parameters_kept_ = false;
    // Only what a re-execution of this result could use: the open result of a prepared
    // statement, single parameter sets, input values whose length is known.
    if (!result_open_ || !executed_read_ || !executed_prepared_ || paramset_size_ > 1 ||
        !rows_resumable())
        return;
    for (const auto& a : attributes_)
        if (a.attribute == SQL_ATTR_PARAM_BIND_OFFSET_PTR && a.value) return;
    size_t total = 0, count = 0;
    auto bytes_of = [](const ParameterBinding& p) -> std::optional<size_t> {
        const SQLLEN ind = p.indicator ? *p.indicator : SQL_NTS;
        if (ind == SQL_NULL_DATA || !p.value) return 0;
        if (ind == SQL_DATA_AT_EXEC || ind <= SQL_LEN_DATA_AT_EXEC_OFFSET) return std::nullopt;
        if (size_t fixed = c_type_size(p.c_type)) return fixed;
        if (ind >= 0) return static_cast<size_t>(ind);
        if (ind != SQL_NTS) return std::nullopt;
        if (p.c_type == SQL_C_CHAR) return std::strlen(static_cast<const char*>(p.value)) + 1;
        if (p.c_type == SQL_C_WCHAR) {
            const auto* w = static_cast<const SQLWCHAR*>(p.value);
            size_t n = 0;
            while (w[n]) ++n;
            return (n + 1) * sizeof(SQLWCHAR);
        }
        return std::nullopt;  // binary without a length, SQL_C_DEFAULT: not known here
    };
    for (const auto& p : parameters_) {
        if (!p.bound) continue;
        if (p.io_type != SQL_PARAM_INPUT) return;
        auto n = bytes_of(p);
        if (!n) return;
        total += (*n + 7) & ~size_t{7};
        ++count;
    }
    if (count == 0) return;
    kept_parameters_.assign(parameters_.begin(), parameters_.end());
    kept_values_.resize(total + 8);  // an empty value still has an address of its own
    kept_indicators_.resize(kept_parameters_.size());
    size_t offset = 0;
    for (size_t i = 0; i < kept_parameters_.size(); ++i) {
        ParameterBinding& k = kept_parameters_[i];
        if (!k.bound) continue;
        size_t n = *bytes_of(k);
        if (n) std::memcpy(kept_values_.data() + offset, k.value, n);
        if (k.value) k.value = kept_values_.data() + offset;
        if (k.indicator) {  // none stays none: the driver reads it as NTS or "not NULL"
            kept_indicators_[i] = *k.indicator;
            k.indicator = &kept_indicators_[i];
        }
        offset += (n + 7) & ~size_t{7};
    }
    parameters_kept_ = true;
}

bool Statement::rows_resumable() const {
    // Nothing delivered yet: executing the read again is all it takes, tracked or not.
    return !fetched_ || (track_rows_ && rows_verifiable_);
}

void Statement::note_rows_fetched() {
    // Called after every successful fetch of a result that could be resumed.
    if (!getdata_calls_.empty() || rows_delivered_ > 0) {
        if (rows_delivered_ == 1 && getdata_signature_.empty())
            getdata_signature_ = getdata_calls_;
        else if (getdata_calls_ != getdata_signature_)
            rows_verifiable_ = false;
        getdata_calls_.clear();
    }
    SQLULEN rows = 1;
    if (row_array_size_ > 1) {
        if (!rows_fetched_ptr_) {
            rows_verifiable_ = false;
            return;
        }
        rows = *rows_fetched_ptr_;
    }
    uint64_t h = rows_hash_;
    SQLULEN offset = bind_offset_ptr_ ? *bind_offset_ptr_ : 0;
    for (SQLULEN r = 0; r < rows; ++r) {
        for (size_t col = 0; col < columns_.size(); ++col) {
            const ColumnBinding& b = columns_[col];
            if (!b.value && !b.indicator) continue;
            size_t stride = row_bind_type_ != SQL_BIND_BY_COLUMN ? row_bind_type_ : 0;
            size_t value_stride = stride
                                      ? stride
                                      : (c_type_size(b.c_type) ? c_type_size(b.c_type)
                                                               : static_cast<size_t>(b.capacity));
            size_t ind_stride = stride ? stride : sizeof(SQLLEN);
            const SQLLEN* ind =
                b.indicator
                    ? reinterpret_cast<const SQLLEN*>(reinterpret_cast<const char*>(b.indicator) +
                                                      offset + r * ind_stride)
                    : nullptr;
            h = fold_value(h, col);
            if (ind && *ind == SQL_NULL_DATA) {
                h = fold_value(h, 0x4e554c4cULL);
                continue;
            }
            if (b.value) {
                const char* value = static_cast<const char*>(b.value) + offset + r * value_stride;
                h = fold(h, value, value_bytes(b.c_type, b.capacity, ind));
            }
        }
    }
    rows_hash_ = h;
    rows_delivered_ += rows;
}

void Statement::fold_getdata(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                             SQLLEN capacity, const SQLLEN* indicator, SQLRETURN rc) {
    if (row_array_size_ > 1) {
        rows_verifiable_ = false;
        return;
    }
    if (getdata_calls_.size() < 4096) getdata_calls_.push_back({column, c_type, capacity});
    uint64_t h = fold_value(rows_hash_,
                            (static_cast<uint64_t>(column) << 16) ^ static_cast<uint16_t>(c_type));
    h = fold_value(h, static_cast<uint64_t>(rc));
    if (SQL_SUCCEEDED(rc)) {
        if (indicator && *indicator == SQL_NULL_DATA)
            h = fold_value(h, 0x4e554c4cULL);
        else if (value)
            h = fold(h, value, value_bytes(c_type, capacity, indicator));
    }
    rows_hash_ = h;
}

SQLRETURN Statement::get_data_tracked(SQLUSMALLINT column, SQLSMALLINT c_type, SQLPOINTER value,
                                      SQLLEN capacity, SQLLEN* indicator) {
    // The data the application reads is part of what a resumed read must find again. A private
    // indicator is used when the application passes none, so the length is always known.
    SQLLEN own = 0;
    SQLLEN* ind = indicator ? indicator : &own;
    SQLRETURN rc =
        forward<&TargetApi::SQLGetData>(Op::GetData, column, c_type, value, capacity, ind);
    if (SQL_SUCCEEDED(rc) || rc == SQL_NO_DATA)
        fold_getdata(column, c_type, value, capacity, ind, rc);
    return rc;
}

SQLRETURN Statement::resume_fetch(std::string& failure) {
    // Re-execute the statement whose rows were being read and skip what the application already
    // has, checking that it is the same, in the same order.
    SQLRETURN rc;
    // Parameters the application reset after the execution are bound again for it, and reset
    // afterwards, so the statement is left as the application left it.
    bool rebind = executed_prepared_ && parameters_kept_ &&
                  std::none_of(parameters_.begin(), parameters_.end(),
                               [](const ParameterBinding& p) { return p.bound; });
    if (rebind) {
        for (size_t i = 1; i < kept_parameters_.size(); ++i) {
            const auto& p = kept_parameters_[i];
            if (!p.bound) continue;
            api_->SQLBindParameter(target_, static_cast<SQLUSMALLINT>(i), p.io_type, p.c_type,
                                   p.sql_type, p.size, p.digits, p.value, p.capacity, p.indicator);
        }
    }
    if (executed_prepared_) {
        rc = api_->SQLExecute(target_);
        if (rebind) api_->SQLFreeStmt(target_, SQL_RESET_PARAMS);
    } else if (api_->SQLExecDirect) {
        rc =
            api_->SQLExecDirect(target_, reinterpret_cast<SQLCHAR*>(executed_sql_.data()), SQL_NTS);
    } else {
        rc = api_->SQLExecDirectW(target_, to_utf16(executed_sql_).data(), SQL_NTS);
    }
    if (!SQL_SUCCEEDED(rc)) {
        failure = "executing the statement again failed";
        return SQL_ERROR;
    }
    const uint64_t delivered = rows_delivered_;
    const uint64_t expected = rows_hash_;
    if (!getdata_calls_.empty() && !getdata_signature_.empty() &&
        getdata_calls_ != getdata_signature_) {
        failure = "the rows were read with different SQLGetData calls";
        return SQL_ERROR;
    }
    std::vector<GetDataCall> signature =
        getdata_signature_.empty() ? getdata_calls_ : getdata_signature_;
    rows_delivered_ = 0;
    rows_hash_ = 0;
    getdata_calls_.clear();
    getdata_signature_.clear();
    std::vector<char> scratch;
    while (rows_delivered_ < delivered) {
        rc = row_array_size_ > 1 ? api_->SQLFetchScroll(target_, SQL_FETCH_NEXT, 0)
                                 : api_->SQLFetch(target_);
        if (!SQL_SUCCEEDED(rc)) {
            failure = "the result now has fewer rows than were already delivered";
            return SQL_ERROR;
        }
        note_rows_fetched();
        for (const auto& call : signature) {
            scratch.assign(static_cast<size_t>(std::max<SQLLEN>(call.capacity, 64)), 0);
            SQLLEN ind = 0;
            SQLRETURN r = api_->SQLGetData(target_, call.column, call.c_type, scratch.data(),
                                           call.capacity, &ind);
            fold_getdata(call.column, call.c_type, scratch.data(), call.capacity, &ind, r);
        }
    }
    if (rows_delivered_ != delivered || rows_hash_ != expected) {
        failure = "the result changed: the rows already delivered are not the same when read again";
        rows_hash_ = expected;
        return SQL_ERROR;
    }
    getdata_calls_.clear();
    return SQL_SUCCESS;
}

}  // namespace odbcretry
