// SPDX-License-Identifier: Apache-2.0
// Diagnostics of one odbc-retry handle.
//
// The target's records are not copied on the way through: SQLGetDiagRec for record n asks the
// target for its record n, and odbc-retry's own records (messages starting with "[odbc-retry]")
// come after the target's. When odbc-retry must answer without the target's current records
// (the call never reached the target, or a retry will reuse the target's handle), the target's
// records are captured as owned copies first and the target is no longer asked ("captured").
// Owned by its handle; the hot path only reads `dirty_`. The rest is guarded by a mutex because
// one handle's diagnostics may be read from another thread than the one that posts them.
#pragma once
#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "shim/target_driver/odbc.h"
#include "shim/target_driver/text.h"

namespace odbcretry {

struct TargetApi;

struct DiagRecord {
    std::string sqlstate;  // five characters
    SQLINTEGER native = 0;
    std::string message;  // UTF-8
};

// The target handle behind one of our handles, for reading its records.
struct TargetDiagSource {
    const TargetApi* api = nullptr;
    SQLSMALLINT type = 0;
    SQLHANDLE handle = nullptr;
    // The target's SQLGetFunctions denies SQLGetDiagRec (sqliteodbc): its records are read once,
    // through SQLError, and kept as copies, as the driver manager would read them.
    bool via_sqlerror = false;
    bool usable() const { return api && handle; }
};

class DiagArea {
  public:
    // Called at the start of every function except the diagnostic ones and SQLCancel.
    void begin_call() {
        if (dirty_.load(std::memory_order_relaxed)) [[unlikely]]
            reset();
    }
    void reset();

    // Adds one of odbc-retry's own records after the target's.
    void post(const char* sqlstate, std::string message, SQLINTEGER native = 0);
    // Posts a record and says the target's records are not part of this call's answer.
    void post_alone(const char* sqlstate, std::string message, SQLINTEGER native = 0);
    // Copies the target's current records so that they survive further calls on its handle.
    void capture_target(const TargetDiagSource& source);
    std::vector<DiagRecord> records_snapshot(const TargetDiagSource& source) const;
    // Replaces everything with these records as the target's (captured) records.
    void set_captured(std::vector<DiagRecord> records);
    // Replaces everything with our record first, then `records` (copies of the target's): for
    // answers whose meaning is ours (a refused replay), since most applications read record 1 only.
    void set_leading(const char* sqlstate, std::string message, std::vector<DiagRecord> records);

    SQLRETURN get_rec(const TargetDiagSource& source, SQLSMALLINT rec, bool wide, SQLCHAR* state,
                      SQLINTEGER* native, void* message, SQLSMALLINT capacity, SQLSMALLINT* length);
    SQLRETURN get_field(const TargetDiagSource& source, SQLSMALLINT rec, SQLSMALLINT field,
                        bool wide, SQLPOINTER value, SQLSMALLINT capacity, SQLSMALLINT* length,
                        SQLRETURN last_return);
    // ODBC 2 SQLError: the next record not yet returned, removing it from view.
    SQLRETURN next_error(const TargetDiagSource& source, bool wide, SQLCHAR* state,
                         SQLINTEGER* native, void* message, SQLSMALLINT capacity,
                         SQLSMALLINT* length);

  private:
    // For a read-once target: copies its records through SQLError on first access (lock held).
    void capture_once(const TargetDiagSource& source);
    int target_count(const TargetDiagSource& source) const;  // lock held
    static bool read_target_record(const TargetDiagSource& source, int rec, DiagRecord& out);

    std::atomic<bool> dirty_{false};
    mutable std::mutex mutex_;
    std::vector<DiagRecord> own_;
    std::vector<DiagRecord> captured_;
    bool captured_mode_ = false;
    int sqlerror_next_ = 1;
};

}  // namespace odbcretry
