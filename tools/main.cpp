// SPDX-License-Identifier: Apache-2.0
// odbc-retry: the command-line tool of the odbc-retry ODBC driver.
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli.h"
#include "tools/commands.h"

#ifndef ODBC_RETRY_VERSION
#define ODBC_RETRY_VERSION "unknown"
#endif

namespace odbcretry::tool {

namespace {

const char* const kOverview =
    "usage: odbc-retry COMMAND [ARGS...]\n"
    "\n"
    "The command-line tool of odbc-retry, the ODBC driver that adds classified retry and\n"
    "recovery in front of any real ODBC driver.\n"
    "\n"
    "Commands:\n";

const char* const kFooter =
    "\n"
    "`odbc-retry COMMAND --help` describes a command. Exit codes, for every command: 0 done\n"
    "(healthy), 1 failed (unhealthy, not found, could not be done), 2 bad command line.\n"
    "Environment: ODBCINI, ODBCSYSINI (which odbc.ini and odbcinst.ini), ODBC_RETRY_CONFIG (the\n"
    "global settings file, default /etc/odbc-retry.ini), ODBC_RETRY_STATE_DIR (where processes\n"
    "publish breaker state and stats, default /dev/shm/odbc-retry-UID).\n";

}  // namespace

const std::vector<CommandInfo>& commands() {
    static const std::vector<CommandInfo> list = {
        {"check",
         "connect to a data source, run a probe query, report health (--wait for init containers)",
         "usage: odbc-retry check DSN|CONNSTR [--wait] [--timeout S] [--query SQL] [--json] "
         "[--quiet]\n"
         "\n"
         "Connects to the data source through the driver manager, as an application would (behind\n"
         "odbc-retry: ONE attempt, and the shared circuit breaker is only read, never changed), "
         "runs the probe query and\n"
         "prints the status: reachable, connect and query latency, the server's DBMS name and "
         "version\n"
         "and the driver's name and version (SQLGetInfo), and for a data source behind odbc-retry "
         "its\n"
         "target and the target's circuit breaker state.\n"
         "\n"
         "  DSN|CONNSTR    a data source name, or a connection string (anything with '=')\n"
         "  --wait         keep trying (backoff from 0.5 s up to 5 s) until healthy or the "
         "timeout;\n"
         "                 a fatal class (wrong password, unknown database) ends it at once\n"
         "  --timeout S    give up after S seconds (default 60); an attempt that hangs is ended 5 "
         "s\n"
         "                 after it\n"
         "  --query SQL    the probe query (default SELECT 1; '' to only connect)\n"
         "  --json         print the status as one JSON object\n"
         "  --quiet        do not report failed attempts of --wait on standard error, and limit\n"
         "                 odbc-retry's own log in this process to errors (unless\n"
         "                 ODBC_RETRY_LOG_LEVEL is set)\n"
         "\n"
         "Exit status: 0 healthy, 1 not healthy (or not found), 2 bad command line.\n"
         "\n"
         "Examples:\n"
         "  odbc-retry check orders\n"
         "  odbc-retry check orders --wait --timeout 120        # a Kubernetes init container\n"
         "  odbc-retry check 'DSN=orders;RetryDeadline=5s' --json\n",
         run_check},
        {"stats", "per-target counters of every process on this host that uses odbc-retry",
         "usage: odbc-retry stats [--prometheus | --json] [--watch [SECONDS] [--count N]]\n"
         "                        [--processes] [--state-dir DIR | --all-users]\n"
         "\n"
         "Every process that uses odbc-retry publishes its per-target counters in a small file in "
         "the\n"
         "state directory (no cost on the hot path). This command adds them up per target over "
         "every\n"
         "live process, and removes the files of processes that are gone. Columns: processes,\n"
         "connects, connect retries, connects that failed, statement retries, give-ups, "
         "recoveries,\n"
         "replays, replay refusals, unknown outcomes, circuit breaker state (and for how long it "
         "has\n"
         "been open), retry budget tokens left (lowest of the processes / size).\n"
         "\n"
         "  --prometheus      Prometheus text exposition format (for node_exporter's textfile\n"
         "                    collector): odbc_retry_*_total counters, odbc_retry_breaker_state "
         "...\n"
         "  --json            everything as one JSON object\n"
         "  --watch [SECONDS] print again every SECONDS (default 2) until interrupted\n"
         "  --count N         with --watch: stop after N prints\n"
         "  --processes       list the processes and their own counters too\n"
         "  --state-dir DIR   read DIR instead of the default state directory\n"
         "  --all-users       read every user's state directory (as root)\n"
         "\n"
         "Exit status: 0, or 2 for a bad command line. Counters never go down: a process that "
         "exits\n"
         "leaves its counters in the state directory's totals, which the sums include.\n",
         run_stats},
        {"explain",
         "how an error would be classified, by which rule, and what the application sees",
         "usage: odbc-retry explain SQLSTATE [NATIVE] [MESSAGE] [--dsn DSN] [--family F]\n"
         "                          [--phase connect|statement|commit] [--json]\n"
         "\n"
         "Classifies one diagnostic record as odbc-retry would: prints its class (transient,\n"
         "connection_lost, rolled_back, timeout, fatal), the rule that decided it (user rules "
         "from\n"
         "the configuration first, then the driver family's built-in rules, then the generic\n"
         "SQLSTATE rules) and what the application would see: retried, recovered or returned.\n"
         "\n"
         "  SQLSTATE        five characters, e.g. 08S01\n"
         "  NATIVE          the driver's native error code (default 0)\n"
         "  MESSAGE         the message text (rules may match a part of it)\n"
         "  --dsn DSN       use that data source's effective configuration (its user rules,\n"
         "                  OdbcRetryRecovery, ReplayWrites, ...) and the family of its target\n"
         "                  driver\n"
         "  --family F      postgres, mysql, sqlite, sqlserver or generic (overrides the DSN's)\n"
         "  --phase P       only this phase (default: all three)\n"
         "  --json          print the result as JSON\n"
         "\n"
         "Exit status: 0 explained, 1 the DSN is unknown or its configuration invalid, 2 bad\n"
         "command line.\n"
         "\n"
         "Example:\n"
         "  odbc-retry explain HY000 2006 'MySQL server has gone away' --dsn inventory\n",
         run_explain},
        {"config", "the effective configuration of a data source, and where each value comes from",
         "usage: odbc-retry config DSN|CONNSTR [--json]\n"
         "       odbc-retry config --reference [--json]\n"
         "\n"
         "Resolves the configuration of a data source behind odbc-retry as a connect would: "
         "built-in\n"
         "defaults, [defaults] and [dsn NAME] of the global file (ODBC_RETRY_CONFIG or\n"
         "/etc/odbc-retry.ini), the DSN's section in odbc.ini, the connection string, and the\n"
         "environment (ODBC_RETRY_LOG_LEVEL, ODBC_RETRY_LOG_FILE). Prints every key with its "
         "value\n"
         "and its source, the target driver and family, and the keys passed to the target. "
         "Secrets\n"
         "are masked.\n"
         "\n"
         "  --reference   the table of every key (name, default, values, description) in Markdown\n"
         "  --json        print as JSON\n"
         "\n"
         "Exit status: 0 valid, 1 not found, not behind odbc-retry, or invalid, 2 bad command "
         "line.\n",
         run_config},
        {"install", "register the driver (\"ODBC Retry\") in odbcinst.ini",
         "usage: odbc-retry install [--user | --system] [--library PATH] [--name NAME] [--quiet]\n"
         "\n"
         "Registers the driver through the odbcinst API (SQLInstallDriverEx), idempotently: "
         "running it\n"
         "again changes nothing, or only the library path when it moved.\n"
         "\n"
         "  --system        $ODBCSYSINI/odbcinst.ini (/etc/odbcinst.ini by default); the default "
         "as root\n"
         "  --user          ~/.odbcinst.ini (read by the driver manager too); the default "
         "otherwise\n"
         "  --library PATH  the driver library (default: the libodbcretry.so that belongs to this\n"
         "                  command: next to it in a build tree, or in its installation)\n"
         "  --name NAME     the driver's name (default \"ODBC Retry\")\n"
         "\n"
         "Exit status: 0 registered (or already), 1 failed, 2 bad command line.\n",
         run_install},
        {"uninstall", "remove the driver's registration from odbcinst.ini",
         "usage: odbc-retry uninstall [--user | --system] [--library PATH] [--name NAME] "
         "[--quiet]\n"
         "\n"
         "Removes the \"ODBC Retry\" section (whatever its UsageCount) from the odbcinst.ini that\n"
         "`install` writes. DSNs in odbc.ini are never touched. Idempotent.\n"
         "\n"
         "  --library PATH  remove it only if it points at PATH (the packages use this)\n"
         "  --user, --system, --name: as for install\n"
         "\n"
         "Exit status: 0 removed (or was not there), 1 failed, 2 bad command line.\n",
         run_uninstall},
        {"wrap", "put an existing DSN behind odbc-retry, keeping every key",
         "usage: odbc-retry wrap DSN [--as NEWNAME] [--dry-run] [--user | --system]\n"
         "       odbc-retry wrap --driver NAME [--target-name NEW] [--library PATH] [--dry-run]\n"
         "                       [--user | --system]\n"
         "\n"
         "Without --as, the DSN keeps its name, so applications need no change: its section is\n"
         "renamed to DSN_target with every key, and [DSN] becomes Driver=ODBC Retry,\n"
         "TargetDSN=DSN_target. With --as NEWNAME, DSN stays as it is and NEWNAME is added in "
         "front\n"
         "of it. DSNs that went through odbc-retry to DSN follow it to DSN_target. The file is "
         "edited\n"
         "as text (comments, spacing and order kept) and replaced atomically with its owner and "
         "mode;\n"
         "a copy of it before the change is left next to it as FILE.odbc-retry-TIMESTAMP.bak "
         "(never\n"
         "overwritten, same owner and mode).\n"
         "\n"
         "With --driver NAME, in odbcinst.ini: the real driver's entry [NAME] is renamed to\n"
         "[NAME (direct)] (or --target-name) with every key, and odbc-retry is registered as "
         "[NAME]\n"
         "with TargetDriver=NAME (direct), so that applications connecting with DRIVER={NAME} "
         "gain\n"
         "retry with no change. odbc-retry's settings for them go into [NAME].\n"
         "\n"
         "  --as NEWNAME  add NEWNAME instead of renaming DSN\n"
         "  --dry-run     print the resulting sections and change nothing (secrets masked)\n"
         "  --user        the user's odbc.ini ($ODBCINI or ~/.odbc.ini; the default)\n"
         "  --system      the system's odbc.ini ($ODBCSYSINI/odbc.ini, /etc/odbc.ini)\n"
         "\n"
         "Exit status: 0 done, 1 failed (not found, already wrapped, name taken), 2 bad command "
         "line.\n",
         run_wrap},
        {"unwrap", "take a DSN back out from behind odbc-retry",
         "usage: odbc-retry unwrap DSN [--dry-run] [--user | --system]\n"
         "       odbc-retry unwrap --driver NAME [--dry-run] [--user | --system]\n"
         "\n"
         "Reverses wrap. For a DSN made by `wrap DSN`, the keys of DSN_target come back under DSN "
         "and\n"
         "DSN_target is removed; for one made by `wrap TARGET --as DSN`, DSN is removed and "
         "TARGET\n"
         "stays; for one with TargetDriver=, the section gets that Driver back. odbc-retry's own\n"
         "settings in the section (Retry*, Circuit*, ...) are dropped, and said so. With --driver "
         "NAME,\n"
         "the odbc-retry entry [NAME] is removed and its TargetDriver gets the name NAME back.\n"
         "\n"
         "Exit status: 0 done, 1 failed (not found, not behind odbc-retry), 2 bad command line.\n",
         run_unwrap},
    };
    return list;
}

std::string command_help(const std::string& name) {
    for (const auto& c : commands())
        if (name == c.name) return c.help;
    return "";
}

namespace {
std::string overview() {
    std::string text = kOverview;
    for (const auto& c : commands()) {
        std::string n = c.name;
        text += "  " + n + std::string(11 - n.size(), ' ') + c.summary + "\n";
    }
    text += kFooter;
    return text;
}
}  // namespace

}  // namespace odbcretry::tool

int main(int argc, char** argv) {
    using namespace odbcretry::tool;
    std::vector<std::string> words(argv + 1, argv + argc);
    if (words.empty()) {
        std::cerr << overview();
        return kExitUsage;
    }
    std::string name = words[0];
    words.erase(words.begin());
    if (name == "-h" || name == "--help" || name == "help") {
        if (!words.empty()) {
            std::string help = command_help(words[0]);
            if (help.empty()) {
                std::cerr << "odbc-retry: unknown command '" << words[0] << "'\n\n" << overview();
                return kExitUsage;
            }
            std::cout << help;
            return kExitOk;
        }
        std::cout << overview();
        return kExitOk;
    }
    if (name == "--version" || name == "version") {
        std::cout << "odbc-retry " << ODBC_RETRY_VERSION << "\n";
        return kExitOk;
    }
    for (const auto& c : commands()) {
        if (name != c.name) continue;
        try {
            return c.run(words);
        } catch (const UsageError& e) {
            std::cerr << "odbc-retry " << name << ": " << e.what() << "\n"
                      << "(see odbc-retry " << name << " --help)\n";
            return kExitUsage;
        } catch (const std::exception& e) {
            std::cerr << "odbc-retry " << name << ": " << e.what() << "\n";
            return kExitFailed;
        }
    }
    std::cerr << "odbc-retry: unknown command '" << name << "'\n\n" << overview();
    return kExitUsage;
}
