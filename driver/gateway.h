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

// How an entry point treats its handle around the core method.
enum class Entry {
    // The ordinary call: clears the handle's diagnostics and records its return code
    // (SQL_DIAG_RETURNCODE).
    Call,
    // A call that may free the handle: clears its diagnostics, records nothing after.
    Free,
    // SQLCancel / SQLCancelHandle, which may run on another thread while the handle's owner
    // reads its diagnostics: leaves both the diagnostics and the owner's return code alone.
    Cancel,
};

template <Entry kind, class Object, class Body>
inline SQLRETURN enter(SQLHANDLE handle, Body&& body) noexcept {
    Object* object = Object::from(handle);
    if (!object) [[unlikely]]
        return SQL_INVALID_HANDLE;
    if constexpr (kind != Entry::Cancel) object->diag().begin_call();
    try {
        SQLRETURN rc = body(*object);
        if constexpr (kind == Entry::Call) object->set_last_return(rc);
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

// The ordinary entry: `body` runs on the Object behind `handle`.
template <class Object, class Body>
inline SQLRETURN with(SQLHANDLE handle, Body&& body) noexcept {
    return enter<Entry::Call, Object>(handle, static_cast<Body&&>(body));
}
// SQLFreeHandle: `body` may free the object.
template <class Object, class Body>
inline SQLRETURN freeing(SQLHANDLE handle, Body&& body) noexcept {
    return enter<Entry::Free, Object>(handle, static_cast<Body&&>(body));
}
// SQLCancel / SQLCancelHandle: the owner's diagnostics and return code stay as they are.
template <class Object, class Body>
inline SQLRETURN cancelling(SQLHANDLE handle, Body&& body) noexcept {
    return enter<Entry::Cancel, Object>(handle, static_cast<Body&&>(body));
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

// An input text of the A form (SQLCHAR) or the W form (SQLWCHAR).
inline InText in_text(SQLCHAR* s, long n) {
    return InText::narrow(s, n);
}
inline InText in_text(SQLWCHAR* s, long n) {
    return InText::of(s, n);
}

}  // namespace odbcretry::driver

// Defines an entry point written once as DEFINE(NAME, CHAR, WIDE) twice: its A form (SQLCHAR)
// and its W form (SQLWCHAR, text in UTF-16).
#define ODBCRETRY_A_AND_W(DEFINE, NAME) DEFINE(NAME, SQLCHAR, false) DEFINE(NAME##W, SQLWCHAR, true)

namespace odbcretry::driver {}  // namespace odbcretry::driver

#define ODBCRETRY_EXPORT extern "C" __attribute__((visibility("default")))
