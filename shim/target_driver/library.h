// SPDX-License-Identifier: Apache-2.0
// A loaded target driver library and its function table.
//
// Owns: the dlopen handle of one library (never closed: drivers keep threads and atexit handlers
// that must not outlive their code) and the table of its entry points, resolved once. Shared by
// every connection that uses the library; immutable after load, so any thread may read it.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "shim/target_driver/odbc.h"

namespace odbcretry {

struct TargetApi {
#define TARGET_FN(name) decltype(&::name) name = nullptr;
#include "shim/target_driver/target_api.def"
#undef TARGET_FN
};

class TargetDriver {
  public:
    // Loads (or returns the already loaded) library at `path`. On failure returns null and sets
    // `error` to a message naming the path and the loader's reason.
    static std::shared_ptr<const TargetDriver> load(const std::string& path, std::string& error);

    const TargetApi& api() const { return api_; }
    const std::string& path() const { return path_; }
    // Whether the library exports at least one W function: a Unicode driver.
    bool unicode() const { return unicode_; }

    TargetDriver(std::string path, void* handle);

  private:
    std::string path_;
    void* handle_;
    TargetApi api_;
    bool unicode_ = false;
};

// The target's own SQL_ATTR_CONNECTION_DEAD for `dbc` (its A or W SQLGetConnectAttr): empty when
// it has neither or does not answer. `length` goes to the target as is.
std::optional<bool> target_connection_dead(const TargetApi& api, SQLHDBC dbc,
                                           SQLINTEGER* length = nullptr);

// Resolves a TargetDriver value (an odbcinst.ini driver name or a library path) to a library
// path. Returns empty and sets `error` when the name is not registered.
std::string resolve_driver_library(const std::string& name_or_path, std::string& error);

// Returns the Driver= of a DSN in odbc.ini (user or system), or empty when the DSN is unknown.
std::string dsn_driver(const std::string& dsn);

}  // namespace odbcretry
