// SPDX-License-Identifier: Apache-2.0
// The subcommands of odbc-retry. Each takes the words after its name and returns an exit code
// (cli.h); a bad command line throws UsageError.
#pragma once
#include <string>
#include <vector>

namespace odbcretry::tool {

int run_check(const std::vector<std::string>& args);
int run_stats(const std::vector<std::string>& args);
int run_explain(const std::vector<std::string>& args);
int run_config(const std::vector<std::string>& args);
int run_install(const std::vector<std::string>& args);
int run_uninstall(const std::vector<std::string>& args);
int run_wrap(const std::vector<std::string>& args);
int run_unwrap(const std::vector<std::string>& args);

// The --help text of a subcommand.
std::string command_help(const std::string& name);

}  // namespace odbcretry::tool
