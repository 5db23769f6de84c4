// SPDX-License-Identifier: Apache-2.0
// The per-user directories where odbc-retry keeps state shared between processes (the circuit
// breaker table, the per-process stats files): checked before a file is created in them.
#pragma once
#include <string>

namespace odbcretry {

// "WHAT PATH: strerror(errno)".
std::string errno_text(const std::string& what, const std::string& path);

// Makes sure `directory` exists (created 0700) and is a directory. With `private_dir` (one of
// our per-user directories, not one the user named) it must also be a real directory of this
// user that nobody else can write to. `purpose` names what the directory is for in the error.
bool prepare_state_directory(const std::string& directory, bool private_dir, const char* purpose,
                             std::string& error);

}  // namespace odbcretry
