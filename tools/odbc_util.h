// SPDX-License-Identifier: Apache-2.0
// ODBC and odbcinst helpers of the odbc-retry command: ini files through the odbcinst API,
// driver lookup, diagnostic records.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <sql.h>
#include <sqlext.h>

#include "shim/config/connstr.h"

namespace odbcretry::tool {

// Which odbc.ini / odbcinst.ini: the user's ($ODBCINI or ~/.odbc.ini; ~/.odbcinst.ini) or the
// system's ($ODBCSYSINI/odbc.ini, $ODBCSYSINI/odbcinst.ini, /etc by default).
enum class Scope { User, System };

// ---- odbc.ini (DSNs), through SQLGetPrivateProfileString / SQLWritePrivateProfileString ------

std::string odbc_ini_path(Scope scope);
std::vector<std::string> dsn_sections(Scope scope);
// Every key of a section in file order; nullopt when there is no such section.
std::optional<std::vector<KeyValue>> read_dsn_section(Scope scope, const std::string& name);
// The keys of a section without checking that it exists (for [ODBC Data Sources], which the
// section list leaves out).
std::vector<KeyValue> read_dsn_keys(Scope scope, const std::string& name);
// Both scopes, as the driver manager sees them (user file first).
std::optional<std::vector<KeyValue>> read_dsn_any(const std::string& name);
bool write_dsn_key(Scope scope, const std::string& section, const std::string& key,
                   const std::string& value, std::string& error);
bool delete_dsn_key(Scope scope, const std::string& section, const std::string& key,
                    std::string& error);
bool delete_dsn_section(Scope scope, const std::string& section, std::string& error);

// ---- odbcinst.ini (drivers) ----------------------------------------------------------------

// The file `install` writes: $ODBCSYSINI/odbcinst.ini (System), ~/.odbcinst.ini (User).
std::string odbcinst_path(Scope scope);
// Makes every later odbcinst call of this process use the user's ~/.odbcinst.ini as "the"
// odbcinst.ini (call before any other odbcinst call).
void use_user_odbcinst();
// A driver's key in the drivers known to the driver manager (system and user files).
std::string driver_key(const std::string& driver, const std::string& key);
// The library of a driver given by name or path ("" when unknown).
std::string driver_library(const std::string& driver);
// Whether a driver name or library is odbc-retry.
bool is_odbc_retry_driver(const std::string& driver);
// The last odbcinst error message (SQLInstallerError), or "".
std::string installer_error();

// ---- diagnostics -------------------------------------------------------------------------

struct DiagRecord {
    std::string sqlstate;
    long native = 0;
    std::string message;
};
std::vector<DiagRecord> diag_records(SQLSMALLINT type, SQLHANDLE handle);

// Masks secrets (passwords, tokens) in a value of key `key`.
std::string masked_value(const std::string& key, const std::string& value);

}  // namespace odbcretry::tool
