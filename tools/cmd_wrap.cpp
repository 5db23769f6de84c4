// SPDX-License-Identifier: Apache-2.0
// odbc-retry wrap / unwrap: put an existing DSN (or, with --driver, every connection made by a
// driver's name) behind odbc-retry without losing any of its keys, and take it back out. The
// files are edited as text (ini_text.h): every line the change does not concern stays as it
// was, and a timestamped copy of the file before the change is left next to it.
#include <algorithm>
#include <iostream>

#include "shim/config/config.h"
#include "shim/config/connstr.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/ini_text.h"
#include "tools/odbc_util.h"

namespace odbcretry::tool {

namespace {

constexpr const char* kDriverName = "ODBC Retry";
constexpr const char* kSourcesSection = "ODBC Data Sources";

struct Section {
    std::string name;
    std::vector<KeyValue> keys;
};

Scope parse_scope(const Args& args) {
    if (args.has("--user") && args.has("--system"))
        throw UsageError("choose one of --user and --system");
    return args.has("--system") ? Scope::System : Scope::User;
}

const char* scope_flag(Scope s) {
    return s == Scope::User ? "--user" : "--system";
}

bool section_exists(Scope scope, const std::string& name) {
    for (const auto& s : dsn_sections(scope))
        if (iequals(s, name)) return true;
    return false;
}

std::string value_of(const std::vector<KeyValue>& keys, std::string_view key) {
    const KeyValue* kv = find_key(keys, key);
    return kv ? kv->value : std::string();
}

void print_section(const Section& s) {
    std::cout << "[" << s.name << "]\n";
    for (const auto& kv : s.keys)
        std::cout << kv.key << "=" << masked_value(kv.key, kv.value) << "\n";
    std::cout << "\n";
}

int fail(const std::string& command, const std::string& message) {
    std::cerr << "odbc-retry " << command << ": " << message << "\n";
    return kExitFailed;
}

std::optional<std::vector<KeyValue>> find_dsn(Scope scope, const std::string& dsn,
                                              const std::string& command, int& rc) {
    auto keys = read_dsn_section(scope, dsn);
    if (keys) return keys;
    const Scope other = scope == Scope::User ? Scope::System : Scope::User;
    if (section_exists(other, dsn))
        rc = fail(command, "data source '" + dsn + "' is not in " + odbc_ini_path(scope) +
                               " but in " + odbc_ini_path(other) + "; add " + scope_flag(other));
    else
        rc = fail(command, "data source '" + dsn + "' not found in " + odbc_ini_path(scope));
    return std::nullopt;
}

// The DSNs of a file that go through odbc-retry to `target` (TargetDSN = target).
std::vector<std::string> wrappers_of(const IniText& ini, const std::string& target) {
    std::vector<std::string> out;
    for (const auto& name : ini.sections()) {
        if (iequals(name, kSourcesSection)) continue;
        auto keys = ini.keys(name);
        if (!keys || !iequals(value_of(*keys, "TargetDSN"), target)) continue;
        if (is_odbc_retry_driver(value_of(*keys, "Driver"))) out.push_back(name);
    }
    return out;
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + ("[" + n + "]");
    return out;
}

// Backs up `path`, then writes `ini` over it.
bool commit(const std::string& command, const std::string& path, const IniText& ini,
            std::string& backup, int& rc) {
    std::string error;
    if (!back_up(path, backup, error)) {
        rc = fail(command, error + "; nothing was changed");
        return false;
    }
    if (!ini.save(path, error)) {
        rc = fail(command, error + (backup.empty() ? "" : " (backup: " + backup + ")"));
        return false;
    }
    return true;
}

std::optional<IniText> load_file(const std::string& command, const std::string& path, int& rc) {
    std::string error;
    auto ini = IniText::load(path, error);
    if (!ini) rc = fail(command, error);
    return ini;
}

// ---- wrap --driver / unwrap --driver: odbcinst.ini ------------------------------------------

std::string direct_name(const std::string& driver) {
    return driver + " (direct)";
}

constexpr const char* kDriversSection = "ODBC Drivers";

// Keys of the real driver's entry that the driver manager reads under the name applications
// use, so they go with the name onto odbc-retry's entry too (connection pooling, threading).
bool is_driver_manager_key(const std::string& key) {
    for (const char* k : {"CPTimeout", "CPTimeToLive", "Threading", "UsageCount"})
        if (iequals(key, k)) return true;
    return false;
}

int wrap_driver(const Args& args, const std::string& name) {
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    const std::string path = odbcinst_path(scope);
    int rc = kExitFailed;
    auto ini = load_file("wrap", path, rc);
    if (!ini) return rc;
    auto original = ini->keys(name);
    if (!original)
        return fail("wrap", "driver '" + name + "' is not in " + path +
                                (scope == Scope::System ? "" : " (add --system?)"));
    const std::string library = value_of(*original, "Driver");
    if (library.empty()) return fail("wrap", "driver '" + name + "' has no Driver= library");
    if (is_odbc_retry_driver(library) || !value_of(*original, "TargetDriver").empty())
        return fail("wrap", "driver '" + name +
                                "' already goes through odbc-retry (Driver=" + library + ")");
    const std::string target = args.value("--target-name").value_or(direct_name(name));
    if (trim(target).empty() || target.find_first_of("[]=;{}") != std::string::npos)
        throw UsageError("bad driver name '" + target + "'");
    if (ini->has_section(target))
        return fail("wrap", "driver '" + target + "' already exists in " + path +
                                "; choose another with --target-name");
    std::string ours = args.value("--library").value_or(driver_library(kDriverName));
    if (ours.empty() || ours[0] != '/')
        return fail("wrap",
                    "the odbc-retry library is not known: register it first (`odbc-retry "
                    "install`) or give --library PATH");

    std::vector<KeyValue> wrapper = {
        {"Description", name + " through odbc-retry (the real driver: [" + target + "])"},
        {"Driver", ours},
        {"TargetDriver", target}};
    for (const auto& kv : *original)
        if (is_driver_manager_key(kv.key)) wrapper.push_back(kv);
    IniText edited = *ini;
    edited.rename_section(name, target);
    edited.insert_section(name, wrapper, target);
    if (edited.has_section(kDriversSection)) edited.set_key(kDriversSection, target, "Installed");

    if (dry) {
        std::cout << "; odbc-retry wrap --driver " << name << " --dry-run: " << path << " would "
                  << "get these sections; [" << name << "] is renamed to [" << target
                  << "], every key kept\n\n";
        print_section({name, wrapper});
        print_section({target, *original});
        return kExitOk;
    }
    std::string backup;
    if (!commit("wrap", path, edited, backup, rc)) return rc;
    std::cout << "wrapped driver '" << name << "' in " << path << ": connections by the name '"
              << name << "' (DRIVER={" << name << "}, and DSNs with Driver=" << name
              << ") now go through odbc-retry to [" << target
              << "], which holds the original keys\n"
              << "odbc-retry's settings for them go into [" << name
              << "] (Retry*, Circuit*, ...)\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    return kExitOk;
}

int unwrap_driver(const Args& args, const std::string& name) {
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    const std::string path = odbcinst_path(scope);
    int rc = kExitFailed;
    auto ini = load_file("unwrap", path, rc);
    if (!ini) return rc;
    auto wrapper = ini->keys(name);
    if (!wrapper) return fail("unwrap", "driver '" + name + "' is not in " + path);
    const std::string target = value_of(*wrapper, "TargetDriver");
    if (!is_odbc_retry_driver(value_of(*wrapper, "Driver")) || target.empty())
        return fail("unwrap", "driver '" + name + "' does not go through odbc-retry (Driver=" +
                                  value_of(*wrapper, "Driver") + ")");
    auto original = ini->keys(target);
    if (!original)
        return fail("unwrap", "its TargetDriver '" + target + "' is not in " + path +
                                  "; nothing was changed");
    std::vector<KeyValue> dropped;
    for (const auto& kv : *wrapper)
        if (!iequals(kv.key, "Driver") && !iequals(kv.key, "TargetDriver") &&
            !iequals(kv.key, "Description") && !is_driver_manager_key(kv.key))
            dropped.push_back(kv);
    IniText edited = *ini;
    edited.remove_section(name);
    edited.rename_section(target, name);
    if (edited.has_section(kDriversSection)) edited.remove_key(kDriversSection, target);
    if (dry) {
        std::cout << "; odbc-retry unwrap --driver " << name << " --dry-run: [" << name
                  << "] is removed and [" << target << "] gets its name back:\n\n";
        print_section({name, *original});
        for (const auto& kv : dropped)
            std::cout << "; dropped: " << kv.key << "=" << masked_value(kv.key, kv.value) << "\n";
        return kExitOk;
    }
    std::string backup;
    if (!commit("unwrap", path, edited, backup, rc)) return rc;
    std::cout << "unwrapped driver '" << name << "': it is the real driver ("
              << value_of(*original, "Driver") << ") again\n";
    for (const auto& kv : dropped)
        std::cout << "dropped " << kv.key << "=" << masked_value(kv.key, kv.value) << "\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    return kExitOk;
}

}  // namespace

int run_wrap(const std::vector<std::string>& words) {
    Args args(words, {{"--as", true},
                      {"--dry-run"},
                      {"--user"},
                      {"--system"},
                      {"--driver", true},
                      {"--target-name", true},
                      {"--library", true}});
    if (args.help()) {
        std::cout << command_help("wrap");
        return kExitOk;
    }
    if (auto d = args.value("--driver")) {
        args.expect_positional(0, 0, "nothing besides --driver NAME");
        if (args.has("--as")) throw UsageError("--as is for DSNs, not with --driver");
        if (trim(*d).empty()) throw UsageError("empty driver name");
        return wrap_driver(args, *d);
    }
    if (args.has("--target-name") || args.has("--library"))
        throw UsageError("--target-name and --library go with --driver");
    args.expect_positional(1, 1, "DSN");
    const std::string dsn = args.positional()[0];
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    int rc = kExitFailed;
    const std::string path = odbc_ini_path(scope);
    if (!find_dsn(scope, dsn, "wrap", rc)) return rc;
    auto ini = load_file("wrap", path, rc);
    if (!ini) return rc;
    auto original = ini->keys(dsn);
    if (!original) return fail("wrap", "data source '" + dsn + "' not found in " + path);
    const std::string driver = value_of(*original, "Driver");
    if (driver.empty()) return fail("wrap", "data source '" + dsn + "' has no Driver");
    if (is_odbc_retry_driver(driver))
        return fail("wrap", "data source '" + dsn +
                                "' already goes through odbc-retry (Driver=" + driver + ")");

    const std::string description = value_of(*original, "Description");
    std::string wrapper_name, target_name;
    const bool renaming = !args.has("--as");
    if (!renaming) {
        wrapper_name = *args.value("--as");
        target_name = dsn;
        if (trim(wrapper_name).empty() || wrapper_name.find_first_of("[]=;{}") != std::string::npos)
            throw UsageError("bad DSN name '" + wrapper_name + "'");
        if (iequals(wrapper_name, dsn))
            throw UsageError("--as must name a new DSN, not '" + dsn + "' itself");
    } else {
        wrapper_name = dsn;
        target_name = dsn + "_target";
    }
    if (renaming && ini->has_section(target_name))
        return fail("wrap", "data source '" + target_name + "' already exists in " + path +
                                "; use --as NEWNAME to keep '" + dsn +
                                "' and add a new DSN in front of it");
    if (!renaming &&
        (section_exists(Scope::User, wrapper_name) || section_exists(Scope::System, wrapper_name)))
        return fail("wrap", "data source '" + wrapper_name + "' already exists");

    // DSNs already in front of this one (a canary made with --as): renaming DSN would leave them
    // pointing at odbc-retry itself. In this file they follow the rename to DSN_target; in the
    // other file (which this command does not edit) they make it refuse.
    std::vector<std::string> followers;
    if (renaming) {
        followers = wrappers_of(*ini, dsn);
        const Scope other = scope == Scope::User ? Scope::System : Scope::User;
        std::string ignored;
        if (odbc_ini_path(other) != path)
            if (auto other_ini = IniText::load(odbc_ini_path(other), ignored)) {
                auto elsewhere = wrappers_of(*other_ini, dsn);
                if (!elsewhere.empty())
                    return fail("wrap", odbc_ini_path(other) +
                                            " has DSNs that go through "
                                            "odbc-retry to '" +
                                            dsn + "': " + joined(elsewhere) + "; renaming '" + dsn +
                                            "' would loop them back into odbc-retry. Point them at "
                                            "another DSN first, or use --as NEWNAME");
            }
    }

    std::vector<KeyValue> wrapper = {
        {"Description",
         description.empty() ? dsn + " through odbc-retry" : description + " (through odbc-retry)"},
        {"Driver", kDriverName},
        {"TargetDSN", target_name}};
    IniText edited = *ini;
    if (renaming) {
        edited.rename_section(dsn, target_name);
        edited.insert_section(dsn, wrapper, target_name);
        for (const auto& f : followers) edited.set_key(f, "TargetDSN", target_name);
        if (edited.has_section(kSourcesSection)) {
            edited.set_key(kSourcesSection, dsn, kDriverName);
            edited.set_key(kSourcesSection, target_name, driver);
        }
    } else {
        edited.insert_section(wrapper_name, wrapper);
        if (edited.has_section(kSourcesSection))
            edited.set_key(kSourcesSection, wrapper_name, kDriverName);
    }

    if (driver_key(kDriverName, "Driver").empty())
        std::cerr << "odbc-retry wrap: warning: the driver \"" << kDriverName
                  << "\" is not registered in odbcinst.ini; run `odbc-retry install` (or install "
                     "the package)\n";

    if (dry) {
        std::cout << "; odbc-retry wrap " << dsn << " --dry-run: the sections that " << path
                  << " would get (secrets masked)\n";
        if (renaming)
            std::cout << "; [" << dsn << "] is renamed to [" << target_name
                      << "], every key kept\n";
        else
            std::cout << "; [" << dsn << "] stays as it is\n";
        for (const auto& f : followers)
            std::cout << "; [" << f << "] goes to [" << target_name << "] instead of [" << dsn
                      << "]: TargetDSN=" << target_name << "\n";
        std::cout << "\n";
        print_section({wrapper_name, wrapper});
        if (renaming) print_section({target_name, *original});
        return kExitOk;
    }

    std::string backup;
    if (!commit("wrap", path, edited, backup, rc)) return rc;
    std::cout << "wrapped '" << dsn << "' in " << path << ": ";
    if (renaming)
        std::cout << "[" << dsn << "] now goes through odbc-retry to [" << target_name
                  << "], which holds the original keys\n";
    else
        std::cout << "[" << wrapper_name << "] goes through odbc-retry to [" << dsn
                  << "], which is unchanged\n";
    for (const auto& f : followers)
        std::cout << "[" << f << "] went to [" << dsn << "]: it now goes to [" << target_name
                  << "] (TargetDSN=" << target_name << ")\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    std::cout << "try it: odbc-retry check " << wrapper_name << "\n";
    return kExitOk;
}

int run_unwrap(const std::vector<std::string>& words) {
    Args args(words, {{"--dry-run"}, {"--user"}, {"--system"}, {"--driver", true}});
    if (args.help()) {
        std::cout << command_help("unwrap");
        return kExitOk;
    }
    if (auto d = args.value("--driver")) {
        args.expect_positional(0, 0, "nothing besides --driver NAME");
        return unwrap_driver(args, *d);
    }
    args.expect_positional(1, 1, "DSN");
    const std::string dsn = args.positional()[0];
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    const std::string path = odbc_ini_path(scope);
    int rc = kExitFailed;
    if (!find_dsn(scope, dsn, "unwrap", rc)) return rc;
    auto ini = load_file("unwrap", path, rc);
    if (!ini) return rc;
    auto wrapper = ini->keys(dsn);
    if (!wrapper) return fail("unwrap", "data source '" + dsn + "' not found in " + path);
    const std::string driver = value_of(*wrapper, "Driver");
    if (!is_odbc_retry_driver(driver))
        return fail("unwrap", "data source '" + dsn +
                                  "' does not go through odbc-retry (Driver=" + driver + ")");
    const std::string target = value_of(*wrapper, "TargetDSN");
    const std::string target_driver = value_of(*wrapper, "TargetDriver");

    // What the wrapper section holds besides Driver, TargetDSN/TargetDriver and Description:
    // odbc-retry's own settings are dropped (said so), keys for the target are kept.
    std::vector<KeyValue> dropped, passed;
    for (const auto& kv : *wrapper) {
        if (iequals(kv.key, "Driver") || iequals(kv.key, "TargetDSN") ||
            iequals(kv.key, "TargetDriver") || iequals(kv.key, "Description"))
            continue;
        (is_reserved_key(kv.key) ? dropped : passed).push_back(kv);
    }

    IniText edited = *ini;
    std::vector<std::string> followers;  // other wrappers of DSN_target, pointed back at DSN
    std::string restored_driver;
    std::string summary;
    if (!target.empty()) {
        auto target_keys = ini->keys(target);
        if (!target_keys) return fail("unwrap", "its TargetDSN '" + target + "' is not in " + path);
        if (iequals(target, dsn + "_target")) {
            // Made by `wrap DSN`: the original keys come back under the original name.
            restored_driver = value_of(*target_keys, "Driver");
            followers = wrappers_of(*ini, target);
            followers.erase(std::remove_if(followers.begin(), followers.end(),
                                           [&](const std::string& f) { return iequals(f, dsn); }),
                            followers.end());
            edited.remove_section(dsn);
            edited.rename_section(target, dsn);
            for (const auto& kv : passed) edited.set_key(dsn, kv.key, kv.value);
            for (const auto& f : followers) edited.set_key(f, "TargetDSN", dsn);
            if (edited.has_section(kSourcesSection)) {
                edited.set_key(kSourcesSection, dsn, restored_driver);
                edited.remove_key(kSourcesSection, target);
            }
            summary = "unwrapped '" + dsn + "': it uses " + restored_driver + " directly again ([" +
                      target + "] removed)";
        } else {
            // Made by `wrap TARGET --as DSN`: the wrapper goes, TARGET stays.
            for (const auto& kv : passed) dropped.push_back(kv);
            edited.remove_section(dsn);
            if (edited.has_section(kSourcesSection)) edited.remove_key(kSourcesSection, dsn);
            summary = "unwrapped '" + dsn + "': removed it; '" + target + "' is unchanged";
        }
    } else if (!target_driver.empty()) {
        restored_driver = target_driver;
        edited.set_key(dsn, "Driver", target_driver);
        edited.remove_key(dsn, "TargetDriver");
        for (const auto& kv : *wrapper)
            if (is_reserved_key(kv.key) && !iequals(kv.key, "TargetDriver"))
                edited.remove_key(dsn, kv.key);
        if (edited.has_section(kSourcesSection))
            edited.set_key(kSourcesSection, dsn, target_driver);
        summary = "unwrapped '" + dsn + "': it uses " + target_driver + " directly again";
    } else {
        return fail("unwrap", "data source '" + dsn + "' names neither TargetDSN nor TargetDriver");
    }

    if (dry) {
        std::cout << "; odbc-retry unwrap " << dsn << " --dry-run: changes to " << path
                  << " (secrets masked)\n";
        if (auto keys = edited.keys(dsn)) {
            std::cout << "\n";
            print_section({dsn, *keys});
        } else {
            std::cout << "; [" << dsn << "] is removed; [" << target << "] stays as it is\n";
        }
        if (!restored_driver.empty() && !target.empty())
            std::cout << "; [" << target << "] is removed (its keys are above)\n";
        for (const auto& f : followers)
            std::cout << "; [" << f << "] goes to [" << dsn << "] again\n";
        for (const auto& kv : dropped)
            std::cout << "; dropped: " << kv.key << "=" << masked_value(kv.key, kv.value) << "\n";
        return kExitOk;
    }

    std::string backup;
    if (!commit("unwrap", path, edited, backup, rc)) return rc;
    std::cout << summary << "\n";
    for (const auto& f : followers)
        std::cout << "[" << f << "] goes to [" << dsn << "] again (TargetDSN=" << dsn << ")\n";
    for (const auto& kv : dropped)
        std::cout << "dropped " << kv.key << "=" << masked_value(kv.key, kv.value)
                  << " (it was set on [" << dsn << "] only)\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    return kExitOk;
}

}  // namespace odbcretry::tool
