// SPDX-License-Identifier: Apache-2.0
// What every application handle shares: its slot in the registry, its diagnostics and its last
// return code. The four kinds are declared in env.h, connection.h, statement.h and
// descriptor.h (handles.h includes all four).
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

#include "shim/handles/registry.h"
#include "shim/target_driver/diag.h"

namespace odbcretry {

class Env;
class Connection;
class Statement;
class Descriptor;
class TargetState;

class HandleBase {
  public:
    HandleBase(SQLSMALLINT odbc_type, HandleKind kind);
    virtual ~HandleBase();
    HandleBase(const HandleBase&) = delete;
    HandleBase& operator=(const HandleBase&) = delete;

    SQLHANDLE handle() const { return slot_; }
    SQLSMALLINT odbc_type() const { return odbc_type_; }
    DiagArea& diag() { return diag_; }
    virtual TargetDiagSource diag_source() const = 0;

    // Posts one of our records and returns SQL_ERROR (the target was not involved).
    SQLRETURN fail(const char* sqlstate, std::string message);
    // The handle's last return code, for SQL_DIAG_RETURNCODE.
    void set_last_return(SQLRETURN rc) { last_return_.store(rc, std::memory_order_relaxed); }
    SQLRETURN last_return() const { return last_return_.load(std::memory_order_relaxed); }

  protected:
    HandleSlot* slot_ = nullptr;

  private:
    SQLSMALLINT odbc_type_;
    DiagArea diag_;
    std::atomic<SQLRETURN> last_return_{SQL_SUCCESS};
};

// An attribute value the application set, as an owned copy.
struct AttributeValue {
    SQLINTEGER attribute = 0;
    bool is_text = false;
    SQLPOINTER integer = nullptr;  // the value itself for integer attributes
    std::string text;              // UTF-8 for text attributes
    uint64_t sequence = 0;         // when it was set, among the session journal's entries
};

}  // namespace odbcretry
