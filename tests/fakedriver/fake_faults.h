// SPDX-License-Identifier: Apache-2.0
// The fault script: connection-string keys, process-wide budgets and the control file.
// README.md documents every key and the control file format.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fake_text.h"

namespace odbcfake {

// "N:SQLSTATE:native:message" (the message may contain ':').
struct CountedError {
    long count = 0;
    ErrorRecord record;
};
CountedError parseCountedError(std::string_view text, std::string_view what);
// "SQLSTATE:native:message".
ErrorRecord parseErrorRecord(std::string_view text, std::string_view what);

// Where LoseAt drops the connection; nth counts such events on one connection (1 = first).
struct LoseSpec {
    enum class Point {
        Prepare,         // at SQLPrepare(W) called by the application
        ExecuteBefore,   // at SQLExecute / SQLExecDirect(W), before the statement runs
        ExecuteAfter,    // the statement ran (a write is applied), then the connection drops
        Fetch,           // when SQLFetch / SQLFetchScroll reaches row `row` of a result set
        Describe,        // at SQLColAttribute(W) of a result (asking the server, as psqlODBC does)
        CommitBefore,    // SQLEndTran(COMMIT), before the transaction is applied
        CommitAfter,     // SQLEndTran(COMMIT), after it is applied
        AfterStatements  // after `nth` statements completed; seen by the next server call
    };
    Point point = Point::ExecuteBefore;
    long row = 0;
    long nth = 1;
};
LoseSpec parseLoseSpec(std::string_view text);

// What the connection string asks for. Built at connect; bad values throw SqlError HY000.
struct FaultConfig {
    std::string database = "default";
    std::string controlPath;  // FakeControl
    std::string logPath;      // FakeLog (or the ODBCFAKE_LOG environment variable)

    std::optional<CountedError> failConnect;
    std::string failConnectText;
    long connectDelayMs = 0;
    long executeDelayMs = 0;
    // SQLCancel stays inside the driver this long (woken early when the statement is freed, which
    // the event log then reports as a free during a cancel): shows whether a caller can free a
    // statement handle while another thread is cancelling it.
    long cancelHoldMs = 0;

    std::optional<LoseSpec> loseAt;
    std::string loseAtText;
    long loseTimes = 1;  // connections in this process (and database) that LoseAt hits; 0 = all
    ErrorRecord loseRecord{"08S01", 35, "[Fake]server closed the connection unexpectedly"};
    ErrorRecord lostRecord{"08S01", 35, "[Fake]connection lost"};

    long deadlockOn = 0;  // the n-th (matching) execute of each connection fails 40001/1213
    std::optional<CountedError> failExecute;
    std::string failExecuteText;
    std::string faultMatch;  // statement faults count only statements containing this text

    bool activeDeadCheck = true;  // SQL_ATTR_CONNECTION_DEAD looks at the control file

    static FaultConfig fromKeys(const KeyValues& keys);
    bool matches(std::string_view sql) const {
        return faultMatch.empty() || icontains(sql, faultMatch);
    }
};

// A process-wide budget named `key`: true (and one shot used) while fewer than `limit` shots
// have been taken; limit 0 means unlimited.
bool takeShot(const std::string& key, long limit);

// The control file, read again at each call that could fail. A missing file is all defaults.
struct ControlState {
    bool present = false;
    long epoch = 0;
    bool down = false;
    std::optional<CountedError> failConnect;  // remaining budget in .count
    long connectDelayMs = 0;
    long executeDelayMs = 0;
    long deadlock = 0;  // remaining budget
    std::optional<CountedError> failExecute;
    std::optional<CountedError> failAllocStmt;
    std::string match;

    bool matches(std::string_view sql) const { return match.empty() || icontains(sql, match); }
};
ControlState readControl(const std::string& path);
// Takes one from the budget on line `key` (fail_connect, deadlock, fail_execute,
// fail_alloc_stmt) under an
// exclusive flock, rewriting the line with the count lowered. Returns the line's value as it
// was before, or nothing when the budget was absent or already 0.
std::optional<std::string> consumeControl(const std::string& path, std::string_view key);

}  // namespace odbcfake
