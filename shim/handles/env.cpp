// SPDX-License-Identifier: Apache-2.0
#include <algorithm>
#include <cstring>

#include "shim/handles/handles.h"

namespace odbcretry {

HandleBase::HandleBase(SQLSMALLINT odbc_type, HandleKind kind) : odbc_type_(odbc_type) {
    slot_ = HandleRegistry::instance().acquire(kind, this);
    if (!slot_) throw std::bad_alloc();
}

HandleBase::~HandleBase() {
    HandleRegistry::instance().release(slot_);
}

SQLRETURN HandleBase::fail(const char* sqlstate, std::string message) {
    diag_.post_alone(sqlstate, std::move(message));
    return SQL_ERROR;
}

Env::Env() : HandleBase(SQL_HANDLE_ENV, HandleKind::Env) {}

Env::~Env() {
    for (auto& t : targets_) t.driver->api().SQLFreeHandle(SQL_HANDLE_ENV, t.handle);
}

SQLRETURN Env::set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length) {
    auto v = static_cast<SQLINTEGER>(reinterpret_cast<intptr_t>(value));
    std::lock_guard lock(mutex_);
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            if (v != SQL_OV_ODBC2 && v != SQL_OV_ODBC3 && v != SQL_OV_ODBC3_80)
                return fail("HY024",
                            "[odbc-retry] invalid SQL_ATTR_ODBC_VERSION " + std::to_string(v));
            if (!connections_.empty())
                return fail(
                    "HY010",
                    "[odbc-retry] SQL_ATTR_ODBC_VERSION cannot change while connections exist");
            odbc_version_ = v;
            return SQL_SUCCESS;
        case SQL_ATTR_CONNECTION_POOLING:
            connection_pooling_ = static_cast<SQLUINTEGER>(v);
            return SQL_SUCCESS;
        case SQL_ATTR_CP_MATCH:
            cp_match_ = static_cast<SQLUINTEGER>(v);
            return SQL_SUCCESS;
        case SQL_ATTR_OUTPUT_NTS:
            if (v != SQL_TRUE)
                return fail("HYC00", "[odbc-retry] SQL_ATTR_OUTPUT_NTS can only be SQL_TRUE");
            output_nts_ = v;
            return SQL_SUCCESS;
        default: {
            // Driver-specific environment attributes go to every target environment, now and
            // later (a connection to another driver allocates its environment when it connects).
            // (ODBC reserves no range for them; drivers use the one of connection attributes)
            if (attribute < SQL_DRIVER_CONN_ATTR_BASE)
                return fail("HY092", "[odbc-retry] invalid environment attribute " +
                                         std::to_string(attribute));
            DriverEnvAttr a{attribute, value, length, {}};
            if (length > 0) {
                if (!value)
                    return fail("HY009",
                                "[odbc-retry] null value for an environment attribute "
                                "with a length");
                a.bytes.assign(static_cast<const char*>(value),
                               static_cast<const char*>(value) + length);
                a.value = a.bytes.data();
            } else if (length == SQL_NTS && value) {
                const char* text = static_cast<const char*>(value);
                a.bytes.assign(text, text + std::strlen(text) + 1);
                a.value = a.bytes.data();
            }
            SQLRETURN result = SQL_SUCCESS;
            for (auto& t : targets_) {
                SQLRETURN rc = apply(t, a);
                if (rc == SQL_ERROR) result = rc;
            }
            if (result == SQL_ERROR) return result;
            auto same = [&](const DriverEnvAttr& d) { return d.attribute == attribute; };
            driver_attrs_.erase(std::remove_if(driver_attrs_.begin(), driver_attrs_.end(), same),
                                driver_attrs_.end());
            driver_attrs_.push_back(std::move(a));
            // (a vector's move keeps the buffer: value still points into bytes)
            return result;
        }
    }
}

SQLRETURN Env::apply(const TargetEnv& t, const DriverEnvAttr& a) {
    if (!t.driver->api().SQLSetEnvAttr) return SQL_SUCCESS;
    return t.driver->api().SQLSetEnvAttr(t.handle, a.attribute, a.value, a.length);
}

SQLRETURN Env::get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER, SQLINTEGER* length) {
    std::lock_guard lock(mutex_);
    SQLINTEGER v;
    switch (attribute) {
        case SQL_ATTR_ODBC_VERSION:
            v = odbc_version_;
            break;
        case SQL_ATTR_CONNECTION_POOLING:
            v = static_cast<SQLINTEGER>(connection_pooling_);
            break;
        case SQL_ATTR_CP_MATCH:
            v = static_cast<SQLINTEGER>(cp_match_);
            break;
        case SQL_ATTR_OUTPUT_NTS:
            v = output_nts_;
            break;
        default:
            return fail("HY092",
                        "[odbc-retry] unknown environment attribute " + std::to_string(attribute));
    }
    if (value) *static_cast<SQLINTEGER*>(value) = v;
    if (length) *length = sizeof(SQLINTEGER);
    return SQL_SUCCESS;
}

SQLRETURN Env::end_tran(SQLSMALLINT completion) {
    std::vector<Connection*> connections;
    {
        std::lock_guard lock(mutex_);
        connections = connections_;
    }
    SQLRETURN result = SQL_SUCCESS;
    for (Connection* c : connections) {
        if (!c->connected()) continue;
        SQLRETURN rc = c->end_tran(completion);
        if (rc == SQL_ERROR) {
            result = SQL_ERROR;
            diag().post("25S01",
                        "[odbc-retry] the transaction of one connection failed to end; "
                        "its diagnostics are on that connection");
        } else if (rc == SQL_SUCCESS_WITH_INFO && result == SQL_SUCCESS) {
            result = rc;
        }
    }
    return result;
}

SQLRETURN Env::alloc_connection(SQLHANDLE* out) {
    if (!out) return fail("HY009", "[odbc-retry] null output handle pointer");
    auto c = std::make_unique<Connection>(this);
    {
        std::lock_guard lock(mutex_);
        connections_.push_back(c.get());
    }
    *out = c.release()->handle();
    return SQL_SUCCESS;
}

void Env::forget(Connection* c) {
    std::lock_guard lock(mutex_);
    connections_.erase(std::remove(connections_.begin(), connections_.end(), c),
                       connections_.end());
}

SQLRETURN Env::free_handle() {
    {
        std::lock_guard lock(mutex_);
        if (!connections_.empty())
            return fail("HY010",
                        "[odbc-retry] the environment still has connections; free them first");
    }
    delete this;
    return SQL_SUCCESS;
}

SQLHENV Env::target_env(const std::shared_ptr<const TargetDriver>& driver, std::string& error) {
    std::lock_guard lock(mutex_);
    for (auto& t : targets_)
        if (t.driver == driver) return t.handle;
    const TargetApi& api = driver->api();
    SQLHENV handle = nullptr;
    if (!SQL_SUCCEEDED(api.SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &handle)) || !handle) {
        error = "the target driver '" + driver->path() + "' could not allocate an environment";
        return nullptr;
    }
    if (api.SQLSetEnvAttr) {
        SQLINTEGER version = odbc_version_;
        SQLRETURN rc =
            api.SQLSetEnvAttr(handle, SQL_ATTR_ODBC_VERSION,
                              reinterpret_cast<SQLPOINTER>(static_cast<intptr_t>(version)), 0);
        if (!SQL_SUCCEEDED(rc) &&
            version == SQL_OV_ODBC3_80)  // an older driver: 3.x is close enough
            api.SQLSetEnvAttr(handle, SQL_ATTR_ODBC_VERSION,
                              reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    }
    targets_.push_back({driver, handle});
    for (const auto& a : driver_attrs_) apply(targets_.back(), a);
    return handle;
}

}  // namespace odbcretry
