// SPDX-License-Identifier: Apache-2.0
// The application's handles: odbc-retry objects that own the target driver's handles.
//
// Env owns one target environment per target library it has connected through. Connection owns
// its target HDBC (allocated at connect, when the target is known) and records the attributes
// set before connect. Statement owns its target HSTMT; Descriptor owns an explicit target HDESC
// or wraps one of a statement's implicit descriptors.
//
// Threads: ODBC lets different statements of one connection run on different threads. A
// Statement's forwarding path reads only immutable state (the function table and its own target
// handle), so it takes no lock. Lists of children are guarded by their parent's mutex, which is
// taken only to allocate and free.
#pragma once
#include "shim/handles/connection.h"
#include "shim/handles/descriptor.h"
#include "shim/handles/env.h"
#include "shim/handles/statement.h"
