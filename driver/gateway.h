// SPDX-License-Identifier: Apache-2.0
// The one way into odbc-retry from the C ABI.
//
// Every entry point finds its handle in the registry (a wrong or freed handle gets
// SQL_INVALID_HANDLE), clears the handle's own diagnostics, runs one core method and turns any
// exception into a diagnostic record: nothing escapes into the driver manager.
//
// Entry points never call an exported SQL* function, ours or anyone's: with the driver manager
// loading drivers RTLD_LOCAL, such a call from inside a driver lands in the driver manager's
// copy, which would treat our handle as its own. The core reaches the target only through the
// target's function table.
#pragma once
#include <exception>
#include <new>
#include <string>

#include "shim/handles/handles.h"

namespace odbcretry::driver {

// `clear_diagnostics` is false for SQLCancel, which may run on another thread while the
// statement's owner reads its diagnostics; it then leaves the return code of that owner's call
// (SQL_DIAG_RETURNCODE) alone too. `owns_handle` is false for calls that may free the handle.
template <class Object, class Body>
inline SQLRETURN with(SQLHANDLE handle, Body&& body, bool clear_diagnostics = true,
                      bool owns_handle = true) noexcept {
    Object* object = Object::from(handle);
    if (!object) [[unlikely]]
        return SQL_INVALID_HANDLE;
    if (clear_diagnostics) object->diag().begin_call();
    try {
        SQLRETURN rc = body(*object);
        if (clear_diagnostics && owns_handle) object->set_last_return(rc);
        return rc;
    } catch (const std::bad_alloc&) {
        try {
            return object->fail("HY001", "[odbc-retry] Memory allocation error");
        } catch (...) {
            return SQL_ERROR;
        }
    } catch (const std::exception& e) {
        try {
            return object->fail("HY000", std::string("[odbc-retry] internal error: ") + e.what());
        } catch (...) {
            return SQL_ERROR;
        }
    } catch (...) {
        try {
            return object->fail("HY000", "[odbc-retry] internal error");
        } catch (...) {
            return SQL_ERROR;
        }
    }
}

// Any of our handles, by its ODBC type, for the diagnostic functions.
inline HandleBase* any_handle(SQLSMALLINT type, SQLHANDLE handle) {
    switch (type) {
        case SQL_HANDLE_ENV:
            return Env::from(handle);
        case SQL_HANDLE_DBC:
            return Connection::from(handle);
        case SQL_HANDLE_STMT:
            return Statement::from(handle);
        case SQL_HANDLE_DESC:
            return Descriptor::from(handle);
        default:
            return nullptr;
    }
}

inline InText a_text(SQLCHAR* s, long n) {
    return InText::narrow(s, n);
}
inline InText w_text(SQLWCHAR* s, long n) {
    return InText::of(s, n);
}

}  // namespace odbcretry::driver

#define ODBCRETRY_EXPORT extern "C" __attribute__((visibility("default")))
