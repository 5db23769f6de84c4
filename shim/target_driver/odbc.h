// SPDX-License-Identifier: Apache-2.0
// The ODBC C headers, included once, without UNICODE so that every name means its ANSI form and
// the W forms are spelled out.
#pragma once
#include <sql.h>
#include <sqlext.h>
#include <sqlucode.h>
