// odbc-retry wrap / unwrap: put an existing DSN behind odbc-retry without losing any of its
// keys, and take it back out, through the odbcinst API on the user's (or the system's) odbc.ini.
#include <fstream>
#include <iostream>

#include "shim/config.h"
#include "shim/connstr.h"
#include "tools/cli.h"
#include "tools/commands.h"
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

// A copy of the file before it is changed, next to it.
bool back_up(const std::string& path, std::string& backup, std::string& error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return true;  // nothing to back up yet
    backup = path + ".odbc-retry.bak";
    std::ofstream out(backup, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
    if (!out) {
        error = "cannot write the backup " + backup;
        return false;
    }
    return true;
}

// Replaces a whole section: removes it, then writes its keys in order.
bool write_section(Scope scope, const Section& s, std::string& error) {
    if (section_exists(scope, s.name) && !delete_dsn_section(scope, s.name, error)) return false;
    for (const auto& kv : s.keys)
        if (!write_dsn_key(scope, s.name, kv.key, kv.value, error)) return false;
    // Read back: every key must be there with its value.
    auto back = read_dsn_section(scope, s.name);
    if (!back) {
        error = "[" + s.name + "] is missing after writing it";
        return false;
    }
    for (const auto& kv : s.keys)
        if (value_of(*back, kv.key) != kv.value) {
            error = "[" + s.name + "] " + kv.key + " did not keep its value";
            return false;
        }
    return true;
}

// Keeps [ODBC Data Sources] (the list of DSNs and their drivers) in step, when the file has one.
void update_sources(Scope scope, const std::vector<std::pair<std::string, std::string>>& set,
                    const std::vector<std::string>& remove) {
    if (read_dsn_keys(scope, kSourcesSection).empty()) return;
    std::string ignored;
    for (const auto& [dsn, driver] : set)
        write_dsn_key(scope, kSourcesSection, dsn, driver, ignored);
    for (const auto& dsn : remove) delete_dsn_key(scope, kSourcesSection, dsn, ignored);
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

}  // namespace

int run_wrap(const std::vector<std::string>& words) {
    Args args(words, {{"--as", true}, {"--dry-run"}, {"--user"}, {"--system"}});
    if (args.help()) {
        std::cout << command_help("wrap");
        return kExitOk;
    }
    args.expect_positional(1, 1, "DSN");
    const std::string dsn = args.positional()[0];
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    int rc = kExitFailed;
    auto original = find_dsn(scope, dsn, "wrap", rc);
    if (!original) return rc;
    const std::string driver = value_of(*original, "Driver");
    if (driver.empty()) return fail("wrap", "data source '" + dsn + "' has no Driver");
    if (is_odbc_retry_driver(driver))
        return fail("wrap", "data source '" + dsn +
                                "' already goes through odbc-retry (Driver=" + driver + ")");

    const std::string description = value_of(*original, "Description");
    std::vector<Section> result;
    std::string wrapper_name, target_name;
    if (auto as = args.value("--as")) {
        wrapper_name = *as;
        target_name = dsn;
        if (trim(wrapper_name).empty() || wrapper_name.find_first_of("[]=;{}") != std::string::npos)
            throw UsageError("bad DSN name '" + wrapper_name + "'");
        if (iequals(wrapper_name, dsn))
            throw UsageError("--as must name a new DSN, not '" + dsn + "' itself");
    } else {
        wrapper_name = dsn;
        target_name = dsn + "_target";
        result.push_back({target_name, *original});
    }
    if (section_exists(scope, target_name) && !iequals(target_name, dsn))
        return fail("wrap", "data source '" + target_name + "' already exists in " +
                                odbc_ini_path(scope) + "; use --as NEWNAME to keep '" + dsn +
                                "' and add a new DSN in front of it");
    if (!iequals(wrapper_name, dsn) &&
        (section_exists(Scope::User, wrapper_name) || section_exists(Scope::System, wrapper_name)))
        return fail("wrap", "data source '" + wrapper_name + "' already exists");
    Section wrapper{wrapper_name,
                    {{"Description", description.empty() ? dsn + " through odbc-retry"
                                                         : description + " (through odbc-retry)"},
                     {"Driver", kDriverName},
                     {"TargetDSN", target_name}}};
    result.push_back(wrapper);

    if (driver_key(kDriverName, "Driver").empty())
        std::cerr << "odbc-retry wrap: warning: the driver \"" << kDriverName
                  << "\" is not registered in odbcinst.ini; run `odbc-retry install` (or install "
                     "the package)\n";

    if (dry) {
        std::cout << "; odbc-retry wrap " << dsn << " --dry-run: the sections that "
                  << odbc_ini_path(scope) << " would get (secrets masked)\n";
        if (iequals(wrapper_name, dsn))
            std::cout << "; [" << dsn << "] is renamed to [" << target_name
                      << "], every key kept\n";
        else
            std::cout << "; [" << dsn << "] stays as it is\n";
        std::cout << "\n";
        for (const auto& s : result) print_section(s);
        return kExitOk;
    }

    std::string error, backup;
    if (!back_up(odbc_ini_path(scope), backup, error)) return fail("wrap", error);
    // The copy of the original first: if anything fails later, nothing is lost.
    for (const auto& s : result)
        if (!write_section(scope, s, error))
            return fail("wrap", error + (backup.empty() ? "" : " (backup: " + backup + ")"));
    if (iequals(wrapper_name, dsn))
        update_sources(scope, {{target_name, driver}, {dsn, kDriverName}}, {});
    else
        update_sources(scope, {{wrapper_name, kDriverName}}, {});
    std::cout << "wrapped '" << dsn << "' in " << odbc_ini_path(scope) << ": ";
    if (iequals(wrapper_name, dsn))
        std::cout << "[" << dsn << "] now goes through odbc-retry to [" << target_name
                  << "], which holds the original keys\n";
    else
        std::cout << "[" << wrapper_name << "] goes through odbc-retry to [" << dsn
                  << "], which is unchanged\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    std::cout << "try it: odbc-retry check " << wrapper_name << "\n";
    return kExitOk;
}

int run_unwrap(const std::vector<std::string>& words) {
    Args args(words, {{"--dry-run"}, {"--user"}, {"--system"}});
    if (args.help()) {
        std::cout << command_help("unwrap");
        return kExitOk;
    }
    args.expect_positional(1, 1, "DSN");
    const std::string dsn = args.positional()[0];
    const Scope scope = parse_scope(args);
    const bool dry = args.has("--dry-run");
    int rc = kExitFailed;
    auto wrapper = find_dsn(scope, dsn, "unwrap", rc);
    if (!wrapper) return rc;
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

    std::optional<Section> restored;  // [dsn] as it will be
    std::string remove_target;        // a section to remove
    if (!target.empty()) {
        auto target_keys = read_dsn_section(scope, target);
        if (!target_keys)
            return fail("unwrap",
                        "its TargetDSN '" + target + "' is not in " + odbc_ini_path(scope));
        if (iequals(target, dsn + "_target")) {
            // Made by `wrap DSN`: the original keys come back under the original name.
            Section s{dsn, *target_keys};
            for (const auto& kv : passed) {
                bool replaced = false;
                for (auto& t : s.keys)
                    if (iequals(t.key, kv.key)) {
                        t.value = kv.value;
                        replaced = true;
                    }
                if (!replaced) s.keys.push_back(kv);
            }
            restored = s;
            remove_target = target;
        } else {
            // Made by `wrap TARGET --as DSN`: the wrapper goes, TARGET stays.
            if (!passed.empty())
                for (const auto& kv : passed) dropped.push_back(kv);
        }
    } else if (!target_driver.empty()) {
        Section s{dsn, {}};
        for (const auto& kv : *wrapper) {
            if (iequals(kv.key, "Driver"))
                s.keys.push_back({kv.key, target_driver});
            else if (iequals(kv.key, "TargetDriver") || is_reserved_key(kv.key))
                continue;
            else
                s.keys.push_back(kv);
        }
        restored = s;
    } else {
        return fail("unwrap", "data source '" + dsn + "' names neither TargetDSN nor TargetDriver");
    }

    if (dry) {
        std::cout << "; odbc-retry unwrap " << dsn << " --dry-run: changes to "
                  << odbc_ini_path(scope) << " (secrets masked)\n";
        if (restored) {
            std::cout << "\n";
            print_section(*restored);
        } else {
            std::cout << "; [" << dsn << "] is removed; [" << target << "] stays as it is\n";
        }
        if (!remove_target.empty())
            std::cout << "; [" << remove_target << "] is removed (its keys are above)\n";
        for (const auto& kv : dropped)
            std::cout << "; dropped: " << kv.key << "=" << masked_value(kv.key, kv.value) << "\n";
        return kExitOk;
    }

    std::string error, backup;
    if (!back_up(odbc_ini_path(scope), backup, error)) return fail("unwrap", error);
    if (restored) {
        if (!write_section(scope, *restored, error)) return fail("unwrap", error);
        if (!remove_target.empty() && !delete_dsn_section(scope, remove_target, error))
            return fail("unwrap", error);
        update_sources(scope, {{dsn, value_of(restored->keys, "Driver")}},
                       remove_target.empty() ? std::vector<std::string>{}
                                             : std::vector<std::string>{remove_target});
        std::cout << "unwrapped '" << dsn << "': it uses " << value_of(restored->keys, "Driver")
                  << " directly again"
                  << (remove_target.empty() ? "" : " ([" + remove_target + "] removed)") << "\n";
    } else {
        if (!delete_dsn_section(scope, dsn, error)) return fail("unwrap", error);
        update_sources(scope, {}, {dsn});
        std::cout << "unwrapped '" << dsn << "': removed it; '" << target << "' is unchanged\n";
    }
    for (const auto& kv : dropped)
        std::cout << "dropped " << kv.key << "=" << masked_value(kv.key, kv.value)
                  << " (it was set on [" << dsn << "] only)\n";
    if (!backup.empty()) std::cout << "backup of the file before the change: " << backup << "\n";
    return kExitOk;
}

}  // namespace odbcretry::tool
