// SPDX-License-Identifier: Apache-2.0
// The ODBC C headers as the fake driver sees them.
//
// The project builds with -fvisibility=hidden. The entry points defined in fake_api.cpp take
// their visibility from these declarations, so the headers are read with default visibility;
// odbcfake.map then keeps everything but the SQL* names out of the dynamic symbol table.
#pragma once

#pragma GCC visibility push(default)
#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>
#pragma GCC visibility pop
