// SPDX-License-Identifier: Apache-2.0
// What the fake server does to a connection on cue: loses it (LoseAt, the control file's epoch),
// deadlocks, takes time to answer. Shared by the connection, statement and result functions.
#pragma once

#include "fake_handles.h"

namespace odbcfake {

// The connection is gone now: the server rolled back what was open.
void loseNow(Dbc& c);
// Loses the connection and throws its loss record (the first time) or "not open" (later).
[[noreturn]] void dropConnection(Dbc& c);
// Whether LoseAt names this point, occurrence n, and its process-wide budget allows one more.
bool loseHere(Dbc& c, LoseSpec::Point point, long n);
// The control file's epoch (0 without a control file).
long controlEpoch(const Dbc& c);
// Start of every call that talks to the server: fails when the connection is (now) lost and
// returns the control file's current state for the call's own faults.
ControlState requireServer(Dbc& c);
// A deadlock: the whole transaction is rolled back and 40001 thrown.
[[noreturn]] void deadlock(Dbc& c);
// The "server" takes delayMs to answer; SQLCancel (HY008) and the query timeout (HYT00) end the
// wait early.
void serverWork(Stmt& s, long delayMs);

}  // namespace odbcfake
