// SPDX-License-Identifier: Apache-2.0
// odbc-retry config: the effective configuration of a data source, with the source of every
// value; `config --reference`: the table of every key, in Markdown.
#include <iostream>

#include "shim/config/config.h"
#include "shim/config/connstr.h"
#include "tools/cli.h"
#include "tools/commands.h"
#include "tools/dsn_view.h"
#include "tools/odbc_util.h"

namespace odbcretry::tool {

namespace {

std::string md_cell(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n')
            out += ' ';
        else
            out += c;
    }
    return out;
}

int print_reference() {
    std::cout << "| Key | Default | Values | Description |\n";
    std::cout << "|---|---|---|---|\n";
    for (const KeyInfo& k : known_keys()) {
        std::string def =
            k.default_value[0] ? "`" + md_cell(k.default_value) + "`" : std::string("(none)");
        std::cout << "| `" << k.name << "` | " << def << " | " << md_cell(k.unit) << " | "
                  << md_cell(k.description) << " |\n";
    }
    return kExitOk;
}

// A value as `config` shows it: a duration with its unit ("30" is shown "30s"), a secret masked.
std::string shown_value(const KeyInfo& k, const std::string& value) {
    if (std::string_view(k.unit) == "duration")
        if (auto d = parse_duration(value)) return format_duration(*d);
    return masked_value(k.name, value);
}

void print_keys_text(const std::vector<KeyValue>& keys, const std::string& indent) {
    std::size_t width = 0;
    for (const auto& kv : keys) width = std::max(width, kv.key.size());
    for (const auto& kv : keys)
        std::cout << indent << kv.key << std::string(width - kv.key.size(), ' ') << " = "
                  << masked_value(kv.key, kv.value) << "\n";
}

Json keys_json(const std::vector<KeyValue>& keys) {
    Json list = Json::array();
    for (const auto& kv : keys) {
        Json o = Json::object();
        o["key"] = kv.key;
        o["value"] = masked_value(kv.key, kv.value);
        list.push(o);
    }
    return list;
}

}  // namespace

int run_config(const std::vector<std::string>& words) {
    Args args(words, {{"--reference"}, {"--json"}});
    if (args.help()) {
        std::cout << command_help("config");
        return kExitOk;
    }
    if (args.has("--reference")) {
        args.expect_positional(0, 0, "");
        if (args.has("--json")) {
            Json list = Json::array();
            for (const KeyInfo& k : known_keys()) {
                Json o = Json::object();
                o["name"] = k.name;
                o["default"] = k.default_value;
                o["values"] = k.unit;
                o["description"] = k.description;
                list.push(o);
            }
            std::cout << list.dump() << "\n";
            return kExitOk;
        }
        return print_reference();
    }
    args.expect_positional(1, 1, "DSN or connection string");
    std::string error;
    auto view = view_dsn(args.positional()[0], error);
    if (!view) throw UsageError("bad connection string: " + error);
    const bool json = args.has("--json");

    if (!view->exists && view->driver.empty()) {
        std::cerr << "odbc-retry config: data source '" << view->input << "' not found in "
                  << odbc_ini_path(Scope::User) << " or " << odbc_ini_path(Scope::System) << "\n";
        return kExitFailed;
    }
    if (!view->via_retry) {
        if (json) {
            Json j = Json::object();
            j["input"] = view->input;
            j["via_odbc_retry"] = false;
            j["driver"] = view->driver;
            std::cout << j.dump() << "\n";
        }
        std::cerr << "odbc-retry config: '" << view->input
                  << "' does not go through odbc-retry (Driver=" << view->driver << ")"
                  << (view->exists
                          ? "; `odbc-retry wrap " + view->dsn + "` puts it behind odbc-retry"
                          : "")
                  << "\n";
        return kExitFailed;
    }

    if (json) {
        Json j = Json::object();
        j["input"] = view->input;
        j["via_odbc_retry"] = true;
        j["valid"] = !view->error;
        j["error"] = view->error ? Json(view->error->message) : Json();
        Json keys = Json::array();
        for (const KeyInfo& k : known_keys()) {
            const SourcedValue& sv = view->config.values[k.name];
            Json o = Json::object();
            o["key"] = k.name;
            o["value"] = masked_value(k.name, sv.value);
            if (std::string_view(k.unit) == "duration")
                if (auto d = parse_duration(sv.value)) {
                    o["shown"] = format_duration(*d);
                    o["milliseconds"] = static_cast<long long>(d->count());
                }
            o["source"] = to_string(sv.source);
            o["origin"] = sv.origin;
            o["default"] = k.default_value;
            keys.push(o);
        }
        j["settings"] = keys;
        Json warnings = Json::array();
        for (const auto& w : view->config.warnings) warnings.push(Json(w));
        j["warnings"] = warnings;
        j["forwarded"] = keys_json(view->config.forwarded);
        Json t = Json::object();
        t["dsn"] = view->target_dsn.empty() ? Json() : Json(view->target_dsn);
        t["driver"] = view->target_driver;
        t["library"] = view->target_library.empty() ? Json() : Json(view->target_library);
        t["family"] = std::string(to_string(view->family));
        t["problem"] = view->target_problem.empty() ? Json() : Json(view->target_problem);
        t["keys"] = keys_json(view->target_section);
        j["target"] = t;
        std::cout << j.dump() << "\n";
        return view->error ? kExitFailed : kExitOk;
    }

    std::cout << view->input << " (through odbc-retry)\n";
    if (view->error) std::cout << "  NOT VALID: " << view->error->message << "\n";
    std::cout << "\n";
    std::size_t kw = 3, vw = 5;
    for (const KeyInfo& k : known_keys()) {
        kw = std::max(kw, std::string_view(k.name).size());
        vw = std::max(vw, shown_value(k, view->config.values[k.name].value).size());
    }
    vw = std::min<std::size_t>(vw, 40);
    std::cout << "KEY" << std::string(kw - 3 + 2, ' ') << "VALUE" << std::string(vw - 5 + 2, ' ')
              << "SOURCE\n";
    for (const KeyInfo& k : known_keys()) {
        const SourcedValue& sv = view->config.values[k.name];
        std::string value = shown_value(k, sv.value);
        if (value.empty()) value = "-";
        std::string name = k.name;
        std::cout << name << std::string(kw - name.size() + 2, ' ') << value
                  << std::string(value.size() < vw ? vw - value.size() + 2 : 2, ' ') << sv.origin
                  << "\n";
    }
    if (!view->config.warnings.empty()) {
        std::cout << "\nDeprecated:\n";
        for (const auto& w : view->config.warnings) std::cout << "  " << w << "\n";
    }
    std::cout << "\nTarget: ";
    if (!view->target_dsn.empty()) std::cout << "DSN " << view->target_dsn << ", ";
    std::cout << "driver " << (view->target_driver.empty() ? "-" : view->target_driver);
    if (!view->target_library.empty() && view->target_library != view->target_driver)
        std::cout << " (" << view->target_library << ")";
    std::cout << ", family " << to_string(view->family) << "\n";
    if (!view->target_problem.empty()) std::cout << "  problem: " << view->target_problem << "\n";
    if (!view->target_section.empty()) {
        std::cout << "  [" << view->target_dsn << "] in odbc.ini:\n";
        print_keys_text(view->target_section, "    ");
    }
    if (!view->config.forwarded.empty()) {
        std::cout << "Passed to the target unchanged (from the DSN's section and the connection "
                     "string):\n";
        print_keys_text(view->config.forwarded, "    ");
    }
    return view->error ? kExitFailed : kExitOk;
}

}  // namespace odbcretry::tool
