#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the odbc-retry command against the real servers.

usage: tools_test.py --tool PATH --driver PATH [--fake PATH] [--source DIR]
                     --group cli|check|check_wait|stats [unittest options]

  cli         --help of every subcommand, usage errors (exit 2), config (sources, masking,
              --reference), explain (classes, rules, outcomes, JSON), install/uninstall on a
              private odbcinst.ini, wrap/unwrap on a private odbc.ini (and a connect through the
              wrapped DSN)
  check       check against PostgreSQL (Unicode and ANSI), MariaDB and SQLite through odbc-retry
              and directly: text, JSON (parsed with json), exit codes, bad query, bad password,
              unknown DSN, a server that is down
  check_wait  check --wait: fails at the timeout; succeeds when a PostgreSQL server of its own
              is started during the wait
  stats       two client processes (pyodbc) whose connects are retried: stats sums them per
              target; the Prometheus text is checked line by line against the exposition format;
              JSON; --watch; the file of a killed process is removed; a breaker that opened

Each run writes its own odbcinst.ini (this build's driver), odbc.ini (the project's DSNs plus
test DSNs), global odbc-retry.ini and state directory in a temporary directory, so it runs beside
every other test. It needs the project's runtime environment (scripts/lib/env.sh: ODBCSYSINI,
ODBCINI, ORT_PG_PORT, ORT_MARIADB_PORT, ORT_DB_PASSWORD) and the servers (scripts/servers start),
and FAILS without them.
"""
import argparse
import configparser
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

OPTS = None  # the parsed command line
ENV = None  # the TestEnvironment of this run

COMMANDS = ["check", "stats", "explain", "config", "install", "uninstall", "wrap", "unwrap"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_ini(path):
    """unixODBC-style ini file -> {section: {key: value}} (keys keep their case)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, delimiters=("=",),
                                       comment_prefixes=(";", "#"), inline_comment_prefixes=None)
    parser.optionxform = str
    parser.read(path)
    return {s: dict(parser[s]) for s in parser.sections()}


class TestEnvironment:
    """Private ini files and state directory for this run."""

    def __init__(self):
        problems = []
        for name in ("ODBCSYSINI", "ODBCINI", "ORT_PG_PORT", "ORT_MARIADB_PORT", "ORT_DB_PASSWORD"):
            if not os.environ.get(name):
                problems.append("%s is not set" % name)
        for path in (OPTS.tool, OPTS.driver):
            if not os.access(path, os.R_OK):
                problems.append("%s does not exist (build it first)" % path)
        if problems:
            sys.stderr.write("tools_test.py: missing runtime environment:\n  %s\n"
                             "Source scripts/lib/env.sh and run `scripts/servers start` (or scripts/test).\n"
                             % "\n  ".join(problems))
            sys.exit(2)
        self.password = os.environ["ORT_DB_PASSWORD"]
        self.dir = tempfile.mkdtemp(prefix="odbc-retry-tools-test-")
        self.state = os.path.join(self.dir, "state")
        self.home = os.path.join(self.dir, "home")
        os.makedirs(self.home)
        self.sysini = os.path.join(self.dir, "sys")
        os.makedirs(self.sysini)
        self.odbcini = os.path.join(self.dir, "odbc.ini")
        self.global_config = os.path.join(self.dir, "odbc-retry.ini")
        open(self.global_config, "w").close()
        self._write_odbcinst()
        self.down_port = free_port()
        self.fake_db = "toolstest%d" % os.getpid()
        self.base_odbc_ini = open(os.environ["ODBCINI"]).read()
        self.extra_dsns = self._extra_dsns()
        with open(self.odbcini, "w") as f:
            f.write(self.base_odbc_ini + "\n" + self.extra_dsns)
        self.env = dict(os.environ)
        self.env.update({
            "ODBCSYSINI": self.sysini,
            "ODBCINI": self.odbcini,
            "ODBC_RETRY_STATE_DIR": self.state,
            "ODBC_RETRY_CONFIG": self.global_config,
            "HOME": self.home,
        })
        for name in ("ODBCINSTINI", "ODBC_RETRY_LOG_LEVEL", "ODBC_RETRY_LOG_FILE"):
            self.env.pop(name, None)

    def _write_odbcinst(self):
        lines = open(os.path.join(os.environ["ODBCSYSINI"], "odbcinst.ini")).read().splitlines()
        ours = {"ODBC Retry": OPTS.driver}
        if OPTS.fake:
            ours["ODBC Fake"] = OPTS.fake
        out, section, done = [], None, set()
        for line in lines:
            m = re.match(r"^\s*\[(.*)\]\s*$", line)
            if m:
                section = m.group(1)
            elif section in ours and re.match(r"^\s*Driver\s*=", line):
                line = "Driver=" + ours[section]
                done.add(section)
            out.append(line)
        for name, path in ours.items():
            if name not in done:
                out += ["", "[%s]" % name, "Driver=" + path]
        with open(os.path.join(self.sysini, "odbcinst.ini"), "w") as f:
            f.write("\n".join(out) + "\n")

    def _extra_dsns(self):
        return """
[pg_down_direct]
Driver=PostgreSQL Unicode
Servername=127.0.0.1
Port={down}
Database=odbcretry
Username=odbc
Password={pw}

[pg_down]
Driver=ODBC Retry
TargetDSN=pg_down_direct
RetryBaseDelay=20ms
RetryMaxDelay=200ms

[pg_badpw_direct]
Driver=PostgreSQL Unicode
Servername=127.0.0.1
Port={pg}
Database=odbcretry
Username=odbc
Password=not-the-password

[pg_badpw]
Driver=ODBC Retry
TargetDSN=pg_badpw_direct

[pg_rules]
Driver=ODBC Retry
TargetDSN=pg_direct
RetryRulesTransient=HY000:4242~"try again later"
Recovery=no

[fake_flaky]
Driver=ODBC Retry
TargetDriver=ODBC Fake
Database={fake}
FailConnect=2:08001:0:[Fake]connection refused
RetryBaseDelay=10ms
RetryMaxDelay=50ms
""".format(down=self.down_port, pw=self.password, pg=os.environ["ORT_PG_PORT"], fake=self.fake_db)

    def run(self, *args, env=None, timeout=120, input=None):
        e = dict(self.env)
        if env:
            e.update(env)
        return subprocess.run([OPTS.tool] + list(args), env=e, capture_output=True, text=True,
                              timeout=timeout, input=input)

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def tool(*args, **kwargs):
    return ENV.run(*args, **kwargs)


def describe(r):
    return "exit %s\n--- stdout\n%s\n--- stderr\n%s" % (r.returncode, r.stdout, r.stderr)


# ==== cli ===========================================================================================

class HelpAndUsage(unittest.TestCase):
    def test_overview(self):
        r = tool("--help")
        self.assertEqual(r.returncode, 0, describe(r))
        for c in COMMANDS:
            self.assertRegex(r.stdout, r"\n  %s +\S" % c)
        self.assertEqual(tool("help").stdout, r.stdout)
        r = tool()
        self.assertEqual(r.returncode, 2, describe(r))
        self.assertIn("usage: odbc-retry COMMAND", r.stderr)
        r = tool("frobnicate")
        self.assertEqual(r.returncode, 2, describe(r))
        self.assertIn("unknown command 'frobnicate'", r.stderr)
        r = tool("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^odbc-retry \d+\.\d+\.\d+\n$")

    def test_every_subcommand_has_help(self):
        for c in COMMANDS:
            with self.subTest(command=c):
                for args in ([c, "--help"], [c, "-h"], ["help", c]):
                    r = tool(*args)
                    self.assertEqual(r.returncode, 0, describe(r))
                    self.assertTrue(r.stdout.startswith("usage: odbc-retry %s" % c), r.stdout[:80])
                    self.assertIn("Exit status", r.stdout)
                    self.assertEqual(r.stderr, "")
        # --help wins over everything else on the line
        r = tool("check", "--help", "--bogus")
        self.assertEqual(r.returncode, 2)  # an unknown option is still an error
        r = tool("check", "x", "--json", "--help")
        self.assertEqual(r.returncode, 0)
        r = tool("help", "nothing")
        self.assertEqual(r.returncode, 2)

    def test_usage_errors_exit_2(self):
        cases = [
            ["check"], ["check", "a", "b"], ["check", "x", "--timeout", "abc"], ["check", "x", "--timeout", "0"],
            ["check", "x", "--timeout"], ["check", "--bogus", "x"], ["check", "DSN=x;PWD={unclosed"],
            ["stats", "extra"], ["stats", "--prometheus", "--json"], ["stats", "--count", "2"],
            ["stats", "--watch", "--count", "0"], ["stats", "--state-dir", "/tmp", "--all-users"],
            ["explain"], ["explain", "0800"], ["explain", "08S01", "x", "y"], ["explain", "08S01", "--phase", "x"],
            ["explain", "08S01", "--family", "oracle"], ["explain", "08S01", "--native", "x"],
            ["explain", "1", "2", "3", "4"],
            ["config"], ["config", "a", "b"], ["config", "--reference", "x"],
            ["install", "--user", "--system"], ["install", "--library", "relative/lib.so"], ["install", "x"],
            ["uninstall", "x"], ["wrap"], ["wrap", "a", "--as"], ["wrap", "a", "b"], ["unwrap"],
            ["unwrap", "a", "--as", "b"],
        ]
        for args in cases:
            with self.subTest(args=args):
                r = tool(*args)
                self.assertEqual(r.returncode, 2, describe(r))
                self.assertIn("odbc-retry %s: " % args[0], r.stderr)
                self.assertIn("(see odbc-retry %s --help)" % args[0], r.stderr)
                self.assertEqual(r.stdout, "")


class ConfigCommand(unittest.TestCase):
    def reference_rows(self):
        r = tool("config", "--reference")
        self.assertEqual(r.returncode, 0, describe(r))
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "| Key | Default | Values | Description |")
        self.assertEqual(lines[1], "|---|---|---|---|")
        rows = []
        for line in lines[2:]:
            self.assertTrue(line.startswith("| `") and line.endswith(" |"), line)
            cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            self.assertEqual(len(cells), 4, line)
            rows.append(cells)
        return lines, rows

    def test_reference(self):
        _, rows = self.reference_rows()
        r = tool("config", "--reference", "--json")
        keys = json.loads(r.stdout)
        self.assertEqual([("`%s`" % k["name"]) for k in keys], [row[0] for row in rows])
        for k, row in zip(keys, rows):
            self.assertEqual(row[1], "`%s`" % k["default"] if k["default"] else "(none)")
            self.assertEqual(row[2], k["values"])
            self.assertEqual(row[3], k["description"])
        names = [k["name"] for k in keys]
        for must in ("TargetDSN", "TargetDriver", "RetryMaxAttempts", "RetryDeadline", "CircuitBreakerThreshold",
                     "ReplayWrites", "OdbcRetryLogLevel", "OdbcRetryRecovery"):
            self.assertIn(must, names)

    def test_reference_matches_the_docs(self):
        doc = os.path.join(OPTS.source, "docs", "configuration.md") if OPTS.source else None
        if not doc or not os.path.exists(doc):
            self.skipTest("docs/configuration.md does not exist yet")
        text = open(doc).read()
        lines, _ = self.reference_rows()
        missing = [line for line in lines if line not in text]
        self.assertEqual(missing, [], "docs/configuration.md lacks these lines of `odbc-retry config --reference`")

    def test_durations_show_their_unit_and_old_names_their_deprecation(self):
        cs = "DRIVER={ORT Wrapped MariaDB};RetryDeadline=30;CircuitBreakerWait=250ms;Recovery=no"
        r = tool("config", cs)
        self.assertEqual(r.returncode, 0, describe(r))
        # A bare number is seconds, and every duration is shown with its unit.
        self.assertRegex(r.stdout, r"\nRetryDeadline +30s +connection string\n")
        self.assertRegex(r.stdout, r"\nCircuitBreakerWait +250ms +connection string\n")
        self.assertRegex(r.stdout, r"\nRetryBaseDelay +200ms +default\n")
        self.assertRegex(r.stdout, r"\nCircuitBreakerCooldown +5s +default\n")
        # The old name still works, under its new name, and is flagged.
        self.assertRegex(r.stdout, r"\nOdbcRetryRecovery +no +connection string\n")
        self.assertIn("\nDeprecated:\n", r.stdout)
        self.assertIn("'Recovery' (from connection string) is deprecated: rename it OdbcRetryRecovery",
                      r.stdout)
        r = tool("config", "--json", cs)
        self.assertEqual(r.returncode, 0, describe(r))
        j = json.loads(r.stdout)
        settings = {k["key"]: k for k in j["settings"]}
        self.assertEqual(settings["RetryDeadline"]["value"], "30")
        self.assertEqual(settings["RetryDeadline"]["shown"], "30s")
        self.assertEqual(settings["RetryDeadline"]["milliseconds"], 30000)
        self.assertEqual(len(j["warnings"]), 1, j["warnings"])
        self.assertIn("OdbcRetryRecovery", j["warnings"][0])
        # A target driver's LogLevel is passed on, not taken.
        r = tool("config", "--json", "DRIVER={ORT Wrapped MariaDB};LogLevel=6")
        self.assertEqual(r.returncode, 0, describe(r))
        j = json.loads(r.stdout)
        self.assertIn({"key": "LogLevel", "value": "6"}, j["forwarded"])
        self.assertEqual(j["warnings"], [])
        # A near miss is an error naming the key and the likely one.
        r = tool("config", "DRIVER={ORT Wrapped MariaDB};Recovry=no")
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("unknown key 'Recovry' (from connection string): did you mean OdbcRetryRecovery?",
                      r.stdout)

    def test_driver_section_of_odbcinst_is_a_source(self):
        # scripts/odbc-ini registers odbc-retry as "ORT Wrapped MariaDB" with odbc-retry keys, as
        # an operator registers it under the driver name DSN-less applications use.
        r = tool("config", "DRIVER={ORT Wrapped MariaDB};SERVER=127.0.0.1;PWD=sekrit-value")
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertNotIn("sekrit-value", r.stdout)
        self.assertRegex(r.stdout, r"\nTargetDriver +MariaDB +odbcinst\.ini \[ORT Wrapped MariaDB\]\n")
        self.assertRegex(r.stdout, r"\nOdbcRetrySessionInitSQL +SET @ort_wrapped = 'ort_wrapped' +odbcinst\.ini \[ORT Wrapped MariaDB\]\n")
        self.assertRegex(r.stdout, r"\nRetryMaxAttempts +30 +default\n")
        r = tool("config", "--json", "DRIVER={ORT Wrapped MariaDB};RetryMaxAttempts=3")
        self.assertEqual(r.returncode, 0, describe(r))
        settings = {k["key"]: k for k in json.loads(r.stdout)["settings"]}
        self.assertEqual(settings["TargetDriver"]["source"], "odbcinst.ini driver")
        self.assertEqual(settings["RetryMaxAttempts"]["source"], "connection string")
        # The driver manager's keys of the entry (Description, UsageCount, CPTimeout ...) are not
        # forwarded to the target.
        self.assertEqual(json.loads(r.stdout)["forwarded"], [])

    def test_effective_configuration_and_sources(self):
        with open(ENV.global_config, "w") as f:
            f.write("[defaults]\nRetryMaxAttempts = 7\nOdbcRetryLogLevel = info\n\n[dsn pg_retry]\nRetryMaxDelay = 3s\n")
        try:
            r = tool("config", "DSN=pg_retry;RetryDeadline=5s;PWD=sekrit-value",
                     env={"ODBC_RETRY_LOG_LEVEL": "debug"})
            self.assertEqual(r.returncode, 0, describe(r))
            self.assertNotIn("sekrit-value", r.stdout)
            self.assertNotIn(ENV.password, r.stdout)
            self.assertRegex(r.stdout, r"\nTargetDSN +pg_direct +odbc.ini \[pg_retry\]\n")
            self.assertRegex(r.stdout, r"\nRetryDeadline +5s +connection string\n")
            self.assertRegex(r.stdout, r"\nRetryMaxAttempts +7 +%s \[defaults\]\n" % re.escape(ENV.global_config))
            self.assertRegex(r.stdout, r"\nRetryMaxDelay +3s +%s \[dsn pg_retry\]\n" % re.escape(ENV.global_config))
            self.assertRegex(r.stdout, r"\nOdbcRetryLogLevel +debug +ODBC_RETRY_LOG_LEVEL\n")
            self.assertRegex(r.stdout, r"\nRetryBaseDelay +200ms +default\n")
            self.assertIn("family postgres", r.stdout)
            self.assertRegex(r.stdout, r"Password += \*\*\*")

            r = tool("config", "DSN=pg_retry;RetryDeadline=5s;PWD=sekrit-value", "--json")
            self.assertEqual(r.returncode, 0, describe(r))
            self.assertNotIn("sekrit-value", r.stdout)
            self.assertNotIn(ENV.password, r.stdout)
            j = json.loads(r.stdout)
            self.assertTrue(j["valid"])
            settings = {s["key"]: s for s in j["settings"]}
            ref = json.loads(tool("config", "--reference", "--json").stdout)
            self.assertEqual(list(settings), [k["name"] for k in ref])
            self.assertEqual(settings["RetryDeadline"]["source"], "connection string")
            self.assertEqual(settings["RetryMaxAttempts"]["source"], "global file [defaults]")
            self.assertEqual(settings["RetryMaxDelay"]["source"], "global file [dsn]")
            self.assertEqual(settings["TargetDSN"]["source"], "odbc.ini")
            self.assertEqual(settings["RetryJitter"]["source"], "default")
            self.assertEqual(j["target"]["family"], "postgres")
            self.assertEqual(j["target"]["dsn"], "pg_direct")
            self.assertTrue(j["target"]["library"].endswith("psqlodbcw.so"))
            forwarded = {k["key"]: k["value"] for k in j["forwarded"]}
            self.assertEqual(forwarded.get("PWD"), "***")
            target_keys = {k["key"]: k["value"] for k in j["target"]["keys"]}
            self.assertEqual(target_keys["Password"], "***")
            self.assertEqual(target_keys["Port"], os.environ["ORT_PG_PORT"])
        finally:
            open(ENV.global_config, "w").close()

    def test_invalid_missing_and_direct(self):
        r = tool("config", "DSN=pg_retry;RetryDeadline=soon")
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("NOT VALID", r.stdout)
        self.assertIn("RetryDeadline", r.stdout)
        self.assertIn("'soon'", r.stdout)
        r = tool("config", "DSN=pg_retry;RetryDeadline=soon", "--json")
        self.assertEqual(r.returncode, 1)
        self.assertFalse(json.loads(r.stdout)["valid"])
        r = tool("config", "no_such_dsn")
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("not found", r.stderr)
        r = tool("config", "pg_direct")
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("does not go through odbc-retry", r.stderr)
        self.assertIn("odbc-retry wrap pg_direct", r.stderr)
        for dsn, family in (("maria_retry", "mysql"), ("sqlite_retry", "sqlite"), ("fake_flaky", "generic")):
            r = tool("config", dsn, "--json")
            self.assertEqual(r.returncode, 0, describe(r))
            self.assertEqual(json.loads(r.stdout)["target"]["family"], family)


class ExplainCommand(unittest.TestCase):
    def explain(self, *args):
        r = tool("explain", *args, "--json")
        self.assertEqual(r.returncode, 0, describe(r))
        j = json.loads(r.stdout)
        return j, {p["phase"]: p for p in j["phases"]}

    def test_postgres_lost_connection(self):
        j, p = self.explain("08S01", "0", "server closed the connection unexpectedly", "--dsn", "pg_retry")
        self.assertEqual(j["family"], "postgres")
        self.assertTrue(j["via_odbc_retry"])
        self.assertEqual(p["connect"]["class"], "transient")
        self.assertEqual(p["connect"]["action"], "retried")
        self.assertEqual(p["statement"]["class"], "connection_lost")
        self.assertEqual(p["statement"]["action"], "recovered")
        self.assertEqual(p["commit"]["action"], "returned")
        self.assertIn("08007", p["commit"]["description"])
        for phase in p.values():
            self.assertTrue(phase["rule"])
            self.assertIn("built-in", phase["rule_source"])

    def test_wrong_password_is_fatal_at_once(self):
        j, p = self.explain("08001", "101", 'FATAL:  password authentication failed for user "app"',
                            "--dsn", "pg_retry", "--phase", "connect")
        self.assertEqual(list(p), ["connect"])
        self.assertEqual(p["connect"]["class"], "fatal")
        self.assertEqual(p["connect"]["rule"], "any driver: authentication failed")
        self.assertEqual(p["connect"]["action"], "returned")

    def test_mysql_gone_away_and_deadlock(self):
        j, p = self.explain("HY000", "2006", "MySQL server has gone away", "--dsn", "maria_retry")
        self.assertEqual(j["family"], "mysql")
        self.assertEqual(p["statement"]["class"], "connection_lost")
        j, p = self.explain("40001", "1213", "Deadlock found", "--dsn", "maria_retry", "--phase", "statement")
        self.assertEqual(p["statement"]["class"], "rolled_back")
        self.assertEqual(p["statement"]["action"], "retried")

    def test_user_rules_and_settings_of_the_dsn(self):
        j, p = self.explain("HY000", "4242", "please try again later", "--dsn", "pg_rules")
        self.assertEqual(j["user_rules"], 1)
        self.assertEqual(p["connect"]["class"], "transient")
        self.assertIn("user rule", p["connect"]["rule_source"])
        self.assertIn("RetryRulesTransient", p["connect"]["rule_source"])
        self.assertIn("odbc.ini [pg_rules]", p["connect"]["rule_source"])
        # Recovery=no in that DSN
        j, p = self.explain("08S01", "--dsn", "pg_rules", "--phase", "statement")
        self.assertEqual(p["statement"]["class"], "connection_lost")
        self.assertEqual(p["statement"]["action"], "returned")
        self.assertIn("Recovery=no", p["statement"]["description"])
        # The same error without the rule: fatal by default.
        j, p = self.explain("HY000", "4242", "please try again later", "--dsn", "pg_retry", "--phase", "connect")
        self.assertEqual(p["connect"]["class"], "fatal")

    def test_family_and_defaults(self):
        j, p = self.explain("HYT00")
        self.assertEqual(j["family"], "generic")
        self.assertEqual(p["statement"]["class"], "timeout")
        self.assertEqual(p["statement"]["action"], "returned")
        j, p = self.explain("HY000", "5", "database is locked", "--family", "sqlite", "--phase", "statement")
        self.assertEqual(j["family"], "sqlite")
        self.assertEqual(p["statement"]["class"], "transient")
        j, p = self.explain("42601", "--dsn", "pg_direct")
        self.assertFalse(j["via_odbc_retry"])
        for phase in p.values():
            self.assertEqual(phase["action"], "returned")
            self.assertIn("does not go through odbc-retry", phase["description"])
        # A message in place of NATIVE
        j, p = self.explain("08S01", "Lost connection", "--phase", "statement")
        self.assertEqual(j["native"], 0)
        self.assertEqual(j["message"], "Lost connection")

    def test_family_guessed_without_a_dsn(self):
        # psqlODBC reports a wrong password as 08001/101: fatal, not transient.
        j, p = self.explain("08001", "101",
                            'connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
                            'password authentication failed for user "odbc"')
        self.assertEqual(p["connect"]["class"], "fatal")
        # MariaDB's "server has gone away" on an established connection: lost, from its code.
        j, p = self.explain("HY000", "2006", "[ma-3.1.15]MySQL server has gone away")
        self.assertEqual(j["family"], "mysql")
        self.assertFalse(j["family_assumed"])
        self.assertEqual(p["statement"]["class"], "connection_lost")
        # Nothing points at a driver: the answer says loudly what it assumes.
        r = tool("explain", "08001", "0", "could not reach it")
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("assumes no driver", r.stderr)
        self.assertIn("ASSUMED", r.stdout)
        j, p = self.explain("08001", "0", "could not reach it")
        self.assertTrue(j["family_assumed"])

    def test_authentication_is_fatal_for_every_family(self):
        cases = [("28000", "1045", "Access denied for user 'x'@'localhost' (using password: YES)"),
                 ("08001", "0", "[Acme][ODBC] Login failed for user 'sa'."),
                 ("HY000", "1017", "ORA-01017: invalid username/password; logon denied"),
                 ("08001", "0", "FATAL: password authentication failed for user \"x\"")]
        for family in ("postgres", "mysql", "sqlite", "sqlserver", "generic"):
            for state, native, message in cases:
                with self.subTest(family=family, message=message):
                    j, p = self.explain(state, native, message, "--family", family,
                                        "--phase", "connect")
                    self.assertEqual(p["connect"]["class"], "fatal", j)

    def test_text_output_and_failures(self):
        r = tool("explain", "40P01", "--dsn", "pg_retry")
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("rolled_back", r.stdout)
        self.assertIn('rule "', r.stdout)
        self.assertRegex(r.stdout, r"\nstatement +rolled_back +rule ")
        r = tool("explain", "08S01", "--dsn", "no_such_dsn")
        self.assertEqual(r.returncode, 1, describe(r))
        r = tool("explain", "08S01", "--dsn", "DSN=pg_retry;RetryMaxAttempts=many")
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("RetryMaxAttempts", r.stderr)


class InstallCommand(unittest.TestCase):
    def setUp(self):
        self.sysdir = tempfile.mkdtemp(dir=ENV.dir)
        self.home = tempfile.mkdtemp(dir=ENV.dir)
        self.env = {"ODBCSYSINI": self.sysdir, "HOME": self.home}
        self.expected_lib = os.path.join(os.path.realpath(os.path.dirname(OPTS.driver)), "libodbcretry.so")

    def drivers(self):
        r = subprocess.run(["odbcinst", "-q", "-d"], env=dict(ENV.env, **self.env), capture_output=True, text=True)
        return r.stdout.splitlines()

    def test_install_is_idempotent_and_uninstall_reverses_it(self):
        ini = os.path.join(self.sysdir, "odbcinst.ini")
        r = tool("install", "--system", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("registered", r.stdout)
        sections = read_ini(ini)
        self.assertEqual(sections["ODBC Retry"]["Driver"], self.expected_lib)
        self.assertIn("[ODBC Retry]", self.drivers())
        before = open(ini).read()
        r = tool("install", "--system", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("already registered", r.stdout)
        self.assertEqual(open(ini).read(), before)
        # Another library: updated in place, once.
        other = os.path.join(self.home, "libodbcretry.so")
        shutil.copy(self.expected_lib, other)
        r = tool("install", "--system", "--library", other, env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("updated", r.stdout)
        self.assertEqual(read_ini(ini)["ODBC Retry"]["Driver"], other)
        self.assertEqual(open(ini).read().count("[ODBC Retry]"), 1)
        # uninstall --library of another path leaves it
        r = tool("uninstall", "--system", "--library", self.expected_lib, env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("left alone", r.stdout)
        self.assertIn("ODBC Retry", read_ini(ini))
        r = tool("uninstall", "--system", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertNotIn("ODBC Retry", read_ini(ini))
        self.assertNotIn("[ODBC Retry]", self.drivers())
        r = tool("uninstall", "--system", "--quiet", env=self.env)
        self.assertEqual((r.returncode, r.stdout), (0, ""), describe(r))

    def test_user_scope_and_errors(self):
        r = tool("install", "--user", "--name", "ODBC Retry Test", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        user_ini = os.path.join(self.home, ".odbcinst.ini")
        self.assertEqual(read_ini(user_ini)["ODBC Retry Test"]["Driver"], self.expected_lib)
        self.assertFalse(os.path.exists(os.path.join(self.sysdir, "odbcinst.ini")))
        self.assertIn("[ODBC Retry Test]", self.drivers())
        r = tool("uninstall", "--user", "--name", "ODBC Retry Test", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertNotIn("ODBC Retry Test", read_ini(user_ini))
        r = tool("install", "--system", "--library", "/nonexistent/libodbcretry.so", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("does not exist", r.stderr)
        os.chmod(self.sysdir, 0o500)
        try:
            if os.geteuid() != 0:
                r = tool("install", "--system", env=self.env)
                self.assertEqual(r.returncode, 1, describe(r))
        finally:
            os.chmod(self.sysdir, 0o700)

    def test_a_registered_driver_connects(self):
        r = tool("install", "--system", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        # The real drivers, for pg_retry's target; "ODBC Retry" is the one `install` wrote.
        with open(os.path.join(self.sysdir, "odbcinst.ini"), "a") as f:
            f.write(open(os.path.join(ENV.sysini, "odbcinst.ini")).read().replace("[ODBC Retry]", "[Old Retry]"))
        r = tool("check", "pg_retry", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))


class WrapCommand(unittest.TestCase):
    def setUp(self):
        self.ini = os.path.join(tempfile.mkdtemp(dir=ENV.dir, prefix="wrap-"), "odbc.ini")
        with open(self.ini, "w") as f:
            f.write(ENV.base_odbc_ini)
        self.env = {"ODBCINI": self.ini}

    def sections(self):
        return read_ini(self.ini)

    def test_wrap_and_unwrap_by_renaming(self):
        original = self.sections()["pg_direct"]
        before = open(self.ini).read()
        r = tool("wrap", "pg_direct", "--dry-run", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(open(self.ini).read(), before)
        self.assertIn("[pg_direct_target]", r.stdout)
        self.assertIn("TargetDSN=pg_direct_target", r.stdout)
        self.assertNotIn(ENV.password, r.stdout)
        self.assertIn("Password=***", r.stdout)

        r = tool("wrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        s = self.sections()
        self.assertEqual(s["pg_direct_target"], original)  # every key, every value
        self.assertEqual(s["pg_direct"]["Driver"], "ODBC Retry")
        self.assertEqual(s["pg_direct"]["TargetDSN"], "pg_direct_target")
        self.assertEqual(len(self.backups()), 1)
        for other in ("pga_direct", "maria_direct", "pga_retry"):
            self.assertEqual(s[other], read_ini(ENV.odbcini)[other])
        # pg_retry went through odbc-retry to pg_direct: it follows to pg_direct_target (or it
        # would loop back into odbc-retry), and only its TargetDSN changed.
        expected = dict(read_ini(ENV.odbcini)["pg_retry"], TargetDSN="pg_direct_target")
        self.assertEqual(s["pg_retry"], expected)
        self.assertIn("[pg_retry]", r.stdout)
        # The application's DSN name now goes through odbc-retry.
        r = tool("check", "pg_direct", "--json", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        j = json.loads(r.stdout)
        self.assertTrue(j["odbc_retry"]["used"])
        self.assertTrue(j["odbc_retry"]["target"].startswith("postgres://"))

        r = tool("wrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("already goes through odbc-retry", r.stderr)

        r = tool("unwrap", "pg_direct", "--dry-run", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(self.sections()["pg_direct"]["Driver"], "ODBC Retry")
        r = tool("unwrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        s = self.sections()
        self.assertEqual(s["pg_direct"], original)
        self.assertNotIn("pg_direct_target", s)
        self.assertEqual(s["pg_retry"], read_ini(ENV.odbcini)["pg_retry"])
        self.assertEqual(open(self.ini).read(), before)  # byte for byte
        r = tool("unwrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("does not go through odbc-retry", r.stderr)

    def backups(self):
        d = os.path.dirname(self.ini)
        base = os.path.basename(self.ini) + ".odbc-retry-"
        return sorted(os.path.join(d, n) for n in os.listdir(d)
                      if n.startswith(base) and n.endswith(".bak"))

    def test_backups_and_a_rewrite_that_keeps_the_file(self):
        # A file as an operator keeps it: comments, odd spacing, a section list, mode 0640.
        text = ("; data sources of this host\n# managed by hand\n\n[ODBC Data Sources]\n"
                "pg_direct = PostgreSQL Unicode\n\n" + ENV.base_odbc_ini.replace(
                    "[pg_direct]", "; the main database\n[pg_direct]", 1) +
                "\n; trailing comment\n")
        with open(self.ini, "w") as f:
            f.write(text)
        os.chmod(self.ini, 0o640)
        r = tool("wrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        after = open(self.ini).read()
        self.assertEqual(os.stat(self.ini).st_mode & 0o777, 0o640)
        backups = self.backups()
        self.assertEqual(len(backups), 1)
        self.assertEqual(open(backups[0]).read(), text)
        self.assertEqual(os.stat(backups[0]).st_mode & 0o777, 0o640)
        self.assertEqual(os.stat(backups[0]).st_uid, os.stat(self.ini).st_uid)
        # Only the wrapped section changed: the lines removed and added, as multisets.
        from collections import Counter
        old_lines, new_lines = Counter(text.splitlines()), Counter(after.splitlines())
        removed = sorted((old_lines - new_lines).elements())
        added = sorted((new_lines - old_lines).elements())
        # [pg_retry] (in front of pg_direct) follows it; the section list is kept in step.
        self.assertEqual(removed, ["TargetDSN=pg_direct", "pg_direct = PostgreSQL Unicode"])
        self.assertEqual(added, sorted([
            "", "[pg_direct_target]", "Description=%s (through odbc-retry)"
            % read_ini(ENV.odbcini)["pg_direct"]["Description"], "Driver=ODBC Retry",
            "TargetDSN=pg_direct_target", "TargetDSN=pg_direct_target",
            "pg_direct = ODBC Retry", "pg_direct_target=PostgreSQL Unicode"]))
        self.assertTrue(after.startswith("; data sources of this host\n# managed by hand\n"))
        self.assertTrue(after.endswith("; trailing comment\n"))
        # The comment above the section stays above the name it described.
        self.assertIn("; the main database\n[pg_direct]\nDescription=", after)
        # A second change keeps the first backup and adds another.
        time.sleep(1.1)
        r = tool("unwrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(open(self.ini).read(), text)
        self.assertEqual(len(self.backups()), 2)
        self.assertEqual(open(backups[0]).read(), text)
        # Even within the same second, a backup never replaces another.
        for _ in range(2):
            r = tool("wrap", "maria_direct", "--as", "m%d" % _, env=self.env)
            self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(len(self.backups()), 4)

    def test_wrapping_a_dsn_that_a_canary_points_at(self):
        # The canary flow: a new DSN in front first, then the DSN itself.
        r = tool("wrap", "pg_direct", "--as", "canary", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        r = tool("wrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("[canary]", r.stdout)
        s = self.sections()
        self.assertEqual(s["canary"]["TargetDSN"], "pg_direct_target")
        for dsn in ("canary", "pg_direct"):
            r = tool("check", dsn, env=self.env)
            self.assertEqual(r.returncode, 0, describe(r))
        r = tool("unwrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(self.sections()["canary"]["TargetDSN"], "pg_direct")
        r = tool("check", "canary", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        # A canary in the other file (not edited by this command): refused, and listed.
        other = os.path.join(os.path.dirname(self.ini), "sys")
        os.makedirs(other, exist_ok=True)
        shutil.copy(os.path.join(ENV.sysini, "odbcinst.ini"), other)
        with open(os.path.join(other, "odbc.ini"), "w") as f:
            f.write("[sys_canary]\nDriver=ODBC Retry\nTargetDSN=maria_direct\n")
        before = open(self.ini).read()
        r = tool("wrap", "maria_direct", env=dict(self.env, ODBCSYSINI=other))
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("[sys_canary]", r.stderr)
        self.assertEqual(open(self.ini).read(), before)

    def test_wrap_a_driver_by_name(self):
        sysdir = os.path.join(os.path.dirname(self.ini), "sys")
        os.makedirs(sysdir, exist_ok=True)
        inst = os.path.join(sysdir, "odbcinst.ini")
        original_text = open(os.path.join(ENV.sysini, "odbcinst.ini")).read()
        with open(inst, "w") as f:
            f.write("; drivers\n" + original_text)
        env = dict(self.env, ODBCSYSINI=sysdir)
        before = read_ini(inst)
        real = before["PostgreSQL Unicode"]
        r = tool("wrap", "--driver", "PostgreSQL Unicode", "--system", "--dry-run", env=env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(read_ini(inst), before)
        r = tool("wrap", "--driver", "PostgreSQL Unicode", "--system", env=env)
        self.assertEqual(r.returncode, 0, describe(r))
        after = read_ini(inst)
        self.assertEqual(after["PostgreSQL Unicode (direct)"], real)  # every key kept
        ours = after["PostgreSQL Unicode"]
        self.assertEqual(ours["Driver"], OPTS.driver)
        self.assertEqual(ours["TargetDriver"], "PostgreSQL Unicode (direct)")
        for name in before:
            if name != "PostgreSQL Unicode":
                self.assertEqual(after[name], before[name])
        self.assertTrue(open(inst).read().startswith("; drivers\n"))
        # The layout a connect understands: the renamed entry is a working TargetDriver.
        cs = ("DRIVER={PostgreSQL Unicode};TargetDriver=PostgreSQL Unicode (direct);"
              "Servername=127.0.0.1;Port=%s;Database=odbcretry;Username=odbc;Password=%s"
              % (os.environ["ORT_PG_PORT"], ENV.password))
        r = tool("check", cs, env=env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertIn("odbc-retry  target", r.stdout)
        # Idempotent: a second wrap refuses and changes nothing.
        text = open(inst).read()
        r = tool("wrap", "--driver", "PostgreSQL Unicode", "--system", env=env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("already goes through odbc-retry", r.stderr)
        self.assertEqual(open(inst).read(), text)
        r = tool("unwrap", "--driver", "PostgreSQL Unicode", "--system", env=env)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(open(inst).read(), "; drivers\n" + original_text)
        r = tool("unwrap", "--driver", "PostgreSQL Unicode", "--system", env=env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("does not go through odbc-retry", r.stderr)
        d = [n for n in os.listdir(sysdir) if n.endswith(".bak")]
        self.assertEqual(len(d), 2, d)

    def test_wrap_as_a_new_name(self):
        original = self.sections()["maria_direct"]
        r = tool("wrap", "maria_direct", "--as", "maria_safe", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        s = self.sections()
        self.assertEqual(s["maria_direct"], original)
        self.assertEqual(s["maria_safe"]["TargetDSN"], "maria_direct")
        r = tool("check", "maria_safe", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        r = tool("wrap", "maria_direct", "--as", "maria_safe", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        r = tool("unwrap", "maria_safe", env=self.env)
        self.assertEqual(r.returncode, 0, describe(r))
        s = self.sections()
        self.assertNotIn("maria_safe", s)
        self.assertEqual(s["maria_direct"], original)

    def test_refusals(self):
        r = tool("wrap", "no_such_dsn", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("not found", r.stderr)
        with open(self.ini, "a") as f:
            f.write("\n[sqlite_direct_target]\nDriver=SQLite3\nDatabase=/nonexistent\n")
        before = open(self.ini).read()
        r = tool("wrap", "sqlite_direct", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertIn("already exists", r.stderr)
        self.assertEqual(open(self.ini).read(), before)
        r = tool("wrap", "pg_retry", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        r = tool("unwrap", "pg_direct", env=self.env)
        self.assertEqual(r.returncode, 1, describe(r))
        # A DSN that is only in the system file.
        r = tool("wrap", "pg_direct", env={"ODBCINI": os.path.join(ENV.dir, "empty.ini")})
        self.assertEqual(r.returncode, 1, describe(r))


# ==== check =========================================================================================

class CheckCommand(unittest.TestCase):
    def check_json(self, *args, rc=0):
        r = tool("check", *args, "--json", timeout=90)
        self.assertEqual(r.returncode, rc, describe(r))
        return json.loads(r.stdout)

    def test_every_backend_through_odbc_retry_and_directly(self):
        cases = [("pg_retry", "PostgreSQL", True), ("pga_retry", "PostgreSQL", True),
                 ("maria_retry", "(MariaDB|MySQL)", True), ("sqlite_retry", "SQLite", True),
                 ("pg_direct", "PostgreSQL", False), ("maria_direct", "(MariaDB|MySQL)", False)]
        for dsn, dbms, via in cases:
            with self.subTest(dsn=dsn):
                j = self.check_json(dsn)
                self.assertTrue(j["healthy"])
                self.assertTrue(j["reachable"])
                self.assertEqual(j["result"], "1")
                self.assertRegex(j["dbms"]["name"], dbms)
                self.assertTrue(j["dbms"]["version"])
                self.assertTrue(j["driver"]["name"].endswith(".so"), j["driver"])
                self.assertTrue(j["driver"]["version"])
                self.assertGreater(j["latency_ms"]["connect"], 0)
                self.assertGreaterEqual(j["latency_ms"]["query"], 0)
                self.assertEqual(j["attempts"], 1)
                self.assertIsNone(j["error"])
                self.assertEqual(j["odbc_retry"]["used"], via)
                if via:
                    self.assertRegex(j["odbc_retry"]["target"], r"^(postgres|mysql|sqlite)://")
                    self.assertEqual(j["odbc_retry"]["breaker"]["state"], "closed")
                else:
                    self.assertIsNone(j["odbc_retry"]["target"])
                r = tool("check", dsn)
                self.assertEqual(r.returncode, 0, describe(r))
                self.assertTrue(r.stdout.startswith(dsn + ": healthy\n"), r.stdout)
                self.assertIn("  server ", r.stdout)

    def test_connection_string_is_masked(self):
        cs = "DRIVER={ODBC Retry};TargetDSN=pg_direct;PWD=%s;RetryDeadline=10s" % ENV.password
        r = tool("check", cs)
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertNotIn(ENV.password, r.stdout + r.stderr)
        self.assertIn("PWD=***", r.stdout)
        j = self.check_json(cs)
        self.assertNotIn(ENV.password, json.dumps(j))

    def test_failures_exit_1(self):
        j = self.check_json("pg_retry", "--query", "SELECT * FROM no_such_table_at_all", rc=1)
        self.assertFalse(j["healthy"])
        self.assertTrue(j["reachable"])
        self.assertEqual(j["failed_step"], "query")
        self.assertEqual(j["error"]["sqlstate"], "42P01")

        t0 = time.monotonic()
        j = self.check_json("pg_badpw", rc=1)
        self.assertLess(time.monotonic() - t0, 10, "a wrong password must not be retried")
        # The server answered (it refused the login): reachable, as pg_isready reports it.
        self.assertTrue(j["reachable"])
        self.assertTrue(j["authentication_failed"])
        self.assertEqual(j["classification"]["class"], "fatal")
        self.assertEqual(j["failed_step"], "connect")
        self.assertIn("password", j["error"]["message"])
        self.assertNotIn("not-the-password", json.dumps(j))

        j = self.check_json("no_such_dsn", rc=1)
        self.assertEqual(j["error"]["sqlstate"], "IM002")
        r = tool("check", "no_such_dsn")
        self.assertEqual(r.returncode, 1)
        self.assertIn("NOT healthy", r.stdout)

    def test_connect_only(self):
        j = self.check_json("sqlite_retry", "--query", "")
        self.assertTrue(j["healthy"])
        self.assertIsNone(j["query"])
        self.assertIsNone(j["result"])

    def test_server_down_gives_up_at_the_timeout(self):
        t0 = time.monotonic()
        j = self.check_json("pg_down", "--timeout", "2", rc=1)
        elapsed = time.monotonic() - t0
        self.assertLess(elapsed, 9)
        self.assertFalse(j["reachable"])
        self.assertEqual(j["error"]["sqlstate"], "08001")
        self.assertTrue(j["odbc_retry"]["used"])
        self.assertTrue(j["odbc_retry"]["target"].startswith("postgres://127.0.0.1:%d/" % ENV.down_port))
        self.assertIn(j["odbc_retry"]["breaker"]["state"], ("closed", "open", "half_open"))


    def test_one_bounded_attempt_that_leaves_the_breaker_alone(self):
        # The driver alone answers a closed port at once; a probe through odbc-retry must too,
        # not after the whole retry policy, and must not open the host-wide breaker that every
        # application shares (its threshold is 10 failures).
        for i in range(12):
            t0 = time.monotonic()
            j = self.check_json("pg_down", "--timeout", "20", rc=1)
            elapsed = time.monotonic() - t0
            self.assertLess(elapsed, 3, "check %d took %.1f s: it retried" % (i, elapsed))
            self.assertEqual(j["attempts"], 1)
            breaker = j["odbc_retry"]["breaker"]
            self.assertIsNotNone(breaker)
            self.assertEqual(breaker["state"], "closed", j)
            self.assertEqual(breaker["consecutive_failures"], 0, j)

    def test_the_driver_writes_nothing_into_the_applications_output(self):
        # A library must not write into its host's output (CGI pages, cron mail, pipelines): by
        # default odbc-retry logs to syslog; standard error only when asked for.
        code = ("import pyodbc, sys\n"
                "try:\n    pyodbc.connect(sys.argv[1])\n"
                "except pyodbc.Error as e:\n    print('failed')\n")
        cs = "DSN=pg_down;RetryDeadline=400ms;RetryMaxDelay=50ms;LogLevel=info"
        for extra, expect_log in (("", False), (";LogFile=stderr", True)):
            r = subprocess.run(["/usr/bin/python3", "-c", code, cs + extra], env=ENV.env,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(r.stdout, "failed\n", describe(r))
            if expect_log:
                self.assertIn("odbc-retry", r.stderr)
            else:
                self.assertEqual(r.stderr, "", describe(r))

    def test_wait_ends_at_once_on_a_fatal_class(self):
        for dsn in ("pg_badpw", "pg_badpw_direct"):
            with self.subTest(dsn=dsn):
                t0 = time.monotonic()
                r = tool("check", dsn, "--wait", "--timeout", "30", "--json", "--quiet")
                elapsed = time.monotonic() - t0
                self.assertEqual(r.returncode, 1, describe(r))
                self.assertLess(elapsed, 8, "--wait kept trying a wrong password")
                j = json.loads(r.stdout)
                self.assertEqual(j["attempts"], 1)
                self.assertTrue(j["reachable"])
                self.assertTrue(j["authentication_failed"])
        r = tool("check", "pg_badpw", "--wait", "--timeout", "30")
        self.assertIn("refused the login", r.stdout)
        self.assertIn("waiting cannot cure it", r.stdout)


# ==== check --wait ==================================================================================

class PrivatePostgres:
    """A PostgreSQL server of this test's own (scripts/pg with its own ORT_RUN)."""

    def __init__(self, port, password):
        self.run_dir = os.path.join(ENV.dir, "pgrun")
        os.makedirs(self.run_dir)
        with open(os.path.join(self.run_dir, "pg.port"), "w") as f:
            f.write("%d\n" % port)
        with open(os.path.join(self.run_dir, "password"), "w") as f:
            f.write(password + "\n")
        os.chmod(os.path.join(self.run_dir, "password"), 0o600)
        self.env = dict(os.environ, ORT_RUN=self.run_dir)
        self.env.pop("ORT_PG_PORT", None)
        self.env.pop("ORT_DB_PASSWORD", None)
        self.script = os.path.join(OPTS.source, "scripts", "pg")

    def start(self):
        return subprocess.run([self.script, "start"], env=self.env, capture_output=True, text=True, timeout=180)

    def halt(self):
        """Stops the server and keeps its data: the next start is a restart."""
        return subprocess.run([self.script, "stop"], env=self.env, capture_output=True, text=True, timeout=120)

    def stop(self):
        subprocess.run([self.script, "stop"], env=self.env, capture_output=True, text=True, timeout=120)
        # scripts/pg keeps data in /tmp when the server's user cannot reach ORT_RUN (see pg_base).
        digest = hashlib.md5(self.run_dir.encode()).hexdigest()[:8]
        for name in ("pg", "pgsock"):
            shutil.rmtree("/tmp/odbc-retry-%s-%d-%s" % (name, os.getuid(), digest), ignore_errors=True)
        link = os.path.join(self.run_dir, "pg")
        if os.path.islink(link):
            shutil.rmtree(os.path.realpath(link), ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)


class CheckWait(unittest.TestCase):
    def test_wait_fails_at_the_timeout(self):
        t0 = time.monotonic()
        r = tool("check", "pg_down", "--wait", "--timeout", "3", "--json", timeout=60)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.returncode, 1, describe(r))
        j = json.loads(r.stdout)
        self.assertFalse(j["healthy"])
        self.assertGreaterEqual(j["attempts"], 2)
        self.assertGreaterEqual(elapsed, 2.5)
        self.assertLess(elapsed, 9)
        self.assertIn("not healthy yet", r.stderr)
        r = tool("check", "pg_down", "--wait", "--timeout", "1", "--quiet", timeout=60)
        self.assertEqual(r.returncode, 1, describe(r))
        self.assertNotIn("not healthy yet", r.stderr)

    def test_wait_succeeds_when_the_server_starts(self):
        if not OPTS.source:
            self.fail("--source is needed to start a PostgreSQL server (scripts/pg)")
        port = free_port()
        password = "waitpw%d" % os.getpid()
        with open(ENV.odbcini, "a") as f:
            f.write("""
[wait_pg_direct]
Driver=PostgreSQL Unicode
Servername=127.0.0.1
Port={port}
Database=odbcretry
Username=odbc
Password={pw}

[wait_pg]
Driver=ODBC Retry
TargetDSN=wait_pg_direct
RetryDeadline=3s
""".format(port=port, pw=password))
        pg = PrivatePostgres(port, password)
        try:
            # Made once and stopped, so that the server the check waits for has its user when it
            # accepts connections (as a restarted server does): a refused login ends a wait.
            made = pg.start()
            self.assertEqual(made.returncode, 0, made.stdout + made.stderr)
            halted = pg.halt()
            self.assertEqual(halted.returncode, 0, halted.stdout + halted.stderr)
            t0 = time.monotonic()
            waiter = subprocess.Popen([OPTS.tool, "check", "wait_pg", "--wait", "--timeout", "150", "--json"],
                                      env=ENV.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(3)
            self.assertIsNone(waiter.poll(), "check --wait ended before the server started")
            started = pg.start()
            self.assertEqual(started.returncode, 0, started.stdout + started.stderr)
            started_after = time.monotonic() - t0
            out, err = waiter.communicate(timeout=120)
            elapsed = time.monotonic() - t0
            self.assertEqual(waiter.returncode, 0, "exit %s\n%s\n%s" % (waiter.returncode, out, err))
            j = json.loads(out)
            self.assertTrue(j["healthy"])
            self.assertGreaterEqual(j["attempts"], 2)
            self.assertEqual(j["dbms"]["name"], "PostgreSQL")
            self.assertGreaterEqual(elapsed, started_after - 1)
            self.assertIn("not healthy yet", err)
            sys.stderr.write("check --wait: server up after %.1f s, healthy after %.1f s, %d attempts\n"
                             % (started_after, elapsed, j["attempts"]))
        finally:
            pg.stop()


# ==== stats =========================================================================================

CLIENT = r"""
import sys, pyodbc
conns = []
for dsn in sys.argv[1:]:
    try:
        conns.append(pyodbc.connect(dsn if "=" in dsn else "DSN=" + dsn, autocommit=True))
        conns[-1].cursor().execute("SELECT 1").fetchall()
        print("connected", dsn, flush=True)
    except pyodbc.Error as e:
        print("failed", dsn, e.args[0], flush=True)
print("ready", flush=True)
sys.stdin.read()
"""

METRIC_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL_NAME = r"[a-zA-Z_][a-zA-Z0-9_]*"
LABEL_VALUE = r'"(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE_LINE = re.compile(r"^(%s)(\{(?:%s=%s(?:,%s=%s)*,?)?\})? ([^ ]+)(?: (-?\d+))?$"
                         % (METRIC_NAME, LABEL_NAME, LABEL_VALUE, LABEL_NAME, LABEL_VALUE))
HELP_LINE = re.compile(r"^# HELP (%s) (.*)$" % METRIC_NAME)
TYPE_LINE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % METRIC_NAME)
FLOAT = re.compile(r"^(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?Inf|NaN)$")


LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def unescape_label(value):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), value)


def parse_prometheus(test, text):
    """Checks the text exposition format line by line; returns {(name, labels): value}."""
    test.assertTrue(text.endswith("\n"), "the exposition must end with a newline")
    types, helps, samples = {}, {}, {}
    current = None  # the metric family whose lines are being read
    finished = set()  # families whose lines are over (a family's lines are contiguous)
    for number, line in enumerate(text.split("\n")[:-1], 1):
        where = "line %d: %r" % (number, line)
        test.assertTrue(line.strip(), "empty line, " + where)
        if line.startswith("#"):
            m = HELP_LINE.match(line) or TYPE_LINE.match(line)
            test.assertIsNotNone(m, "malformed comment, " + where)
            name = m.group(1)
            if line.startswith("# HELP"):
                test.assertNotIn(name, helps, "second HELP, " + where)
                test.assertNotIn("\\", m.group(2).replace("\\\\", "").replace("\\n", ""), where)
                helps[name] = m.group(2)
            else:
                test.assertNotIn(name, types, "second TYPE, " + where)
                test.assertFalse(any(k[0] == name for k in samples), "TYPE after samples, " + where)
                types[name] = m.group(2)
            if current != name:
                test.assertNotIn(name, finished, "family lines not contiguous, " + where)
                if current:
                    finished.add(current)
                current = name
            continue
        m = SAMPLE_LINE.match(line)
        test.assertIsNotNone(m, "malformed sample, " + where)
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        test.assertRegex(value, FLOAT, where)
        test.assertIn(name, types, "sample without TYPE, " + where)
        if current != name:
            test.assertNotIn(name, finished, "family lines not contiguous, " + where)
            if current:
                finished.add(current)
            current = name
        key = (name, labels)
        test.assertNotIn(key, samples, "duplicate series, " + where)
        samples[key] = float(value)
        if types[name] == "counter":
            test.assertTrue(name.endswith("_total"), "a counter's name ends with _total, " + where)
            test.assertGreaterEqual(float(value), 0, where)
    for name in types:
        test.assertIn(name, helps, "no HELP for " + name)
        test.assertTrue(name.startswith("odbc_retry_"), name)
    # And a real parser: Debian's python3-prometheus-client (scripts/deps installs it) reads the
    # same samples, by name, labels and value.
    from prometheus_client.parser import text_string_to_metric_families
    parsed = sorted((s.name, tuple(sorted(s.labels.items())), s.value)
                    for family in text_string_to_metric_families(text) for s in family.samples)
    ours = sorted((name, tuple(sorted(LABEL_PAIR.findall(labels))), value)
                  for (name, labels), value in samples.items())
    test.assertEqual(parsed, [(n, tuple((k, unescape_label(v)) for k, v in l), v) for n, l, v in ours])
    return samples


def series(samples, name, target, **extra):
    """The value of the series `name` with label target=TARGET (and the labels in `extra`)."""
    want = ['target="%s"' % target.replace("\\", "\\\\").replace('"', '\\"')]
    want += ['%s="%s"' % kv for kv in extra.items()]
    found = [v for (n, labels), v in samples.items()
             if n == name and all(w in labels for w in want)]
    return found[0] if len(found) == 1 else None


class StatsCommand(unittest.TestCase):
    def start_client(self, *dsns):
        p = subprocess.Popen(["/usr/bin/python3", "-c", CLIENT] + list(dsns), env=ENV.env, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: p.kill() if p.poll() is None else None)
        lines = []
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line.strip())
            if line.strip() == "ready":
                return p, lines
        p.kill()
        self.fail("client did not get ready: %s %s" % (lines, p.stderr.read()))

    def stats_json(self, *args):
        r = tool("stats", "--json", *args)
        self.assertEqual(r.returncode, 0, describe(r))
        return json.loads(r.stdout)

    def find(self, j, needle):
        found = [t for t in j["targets"] if needle in t["target"]]
        self.assertEqual(len(found), 1, "%s in %s" % (needle, [t["target"] for t in j["targets"]]))
        return found[0]

    def test_two_client_processes(self):
        if not OPTS.fake:
            self.fail("--fake (libodbcfake.so) is needed")
        a, a_lines = self.start_client("fake_flaky", "pg_retry")
        b, b_lines = self.start_client("fake_flaky", "pg_retry")
        for lines in (a_lines, b_lines):
            self.assertIn("connected fake_flaky", lines)
            self.assertIn("connected pg_retry", lines)

        j = self.stats_json()
        pids = {p["pid"] for p in j["processes"]}
        self.assertTrue({a.pid, b.pid} <= pids, j["processes"])
        fake = self.find(j, ENV.fake_db)
        self.assertEqual(fake["family"], "generic")
        self.assertEqual(fake["processes"], 2)
        self.assertEqual(sorted(fake["pids"]), sorted([a.pid, b.pid]))
        self.assertEqual(fake["counters"]["connects"], 2)
        self.assertEqual(fake["counters"]["connect_retries"], 4)  # FailConnect=2 in each process
        self.assertEqual(fake["counters"]["connect_failures"], 0)
        self.assertEqual(fake["counters"]["give_ups"], 0)
        self.assertTrue(fake["budget"]["enabled"])
        self.assertLessEqual(fake["budget"]["tokens"], fake["budget"]["max_tokens"])
        self.assertEqual(fake["breaker"]["mode"], "shared")
        self.assertEqual(fake["breaker"]["state"], "closed")
        pg = self.find(j, "postgres://127.0.0.1:%s/" % os.environ["ORT_PG_PORT"])
        self.assertEqual(pg["processes"], 2)
        self.assertEqual(pg["counters"]["connects"], 2)
        self.assertEqual(pg["counters"]["connect_retries"], 0)

        # The table
        r = tool("stats")
        self.assertEqual(r.returncode, 0, describe(r))
        header = r.stdout.splitlines()[0].split()
        self.assertEqual(header[:4], ["TARGET", "PROCS", "CONNECTS", "CONN-RETRIES"])
        row = [l for l in r.stdout.splitlines() if ENV.fake_db in l][0].split()
        self.assertEqual(row[1:4], ["2", "2", "4"])
        self.assertEqual(row[-2:], ["closed", fake_budget(fake)])
        self.assertIn("2 processes", r.stdout)
        r = tool("stats", "--processes")
        self.assertIn("pid %d" % a.pid, r.stdout)
        self.assertIn("connect_retries=2", r.stdout)

        # Prometheus
        r = tool("stats", "--prometheus")
        self.assertEqual(r.returncode, 0, describe(r))
        samples = parse_prometheus(self, r.stdout)
        self.assertEqual(series(samples, "odbc_retry_connect_retries_total", fake["target"]), 4)
        self.assertEqual(series(samples, "odbc_retry_connects_total", fake["target"]), 2)
        self.assertEqual(series(samples, "odbc_retry_processes", fake["target"]), 2)
        self.assertEqual(series(samples, "odbc_retry_breaker_state", fake["target"], state="closed"), 1)
        self.assertEqual(series(samples, "odbc_retry_breaker_state", fake["target"], state="open"), 0)
        self.assertEqual(series(samples, "odbc_retry_connects_total", fake["target"], family="generic"), 2)
        self.assertIn(("odbc_retry_build_info", '{version="%s"}' % tool("--version").stdout.split()[1]),
                      samples)
        self.assertEqual(series(samples, "odbc_retry_connects_total", pg["target"]), 2)
        for metric in ("odbc_retry_give_ups_total", "odbc_retry_recoveries_total", "odbc_retry_replays_total",
                       "odbc_retry_replay_refusals_total", "odbc_retry_unknown_outcomes_total",
                       "odbc_retry_budget_tokens", "odbc_retry_breaker_open_seconds"):
            self.assertIsNotNone(series(samples, metric, fake["target"]), metric)

        # A killed process: its file is removed, its counters stay in the sums (retired totals):
        # a counter never goes down, or Prometheus sees a reset on every process exit.
        b.kill()
        b.wait()
        j = self.stats_json()
        self.assertEqual(len(j["removed_stale_files"]), 1)
        self.assertIn("stats-%d-" % b.pid, j["removed_stale_files"][0])
        fake = self.find(j, ENV.fake_db)
        self.assertEqual(fake["processes"], 1)
        self.assertEqual(fake["counters"]["connect_retries"], 4)
        self.assertEqual(fake["counters"]["connects"], 2)
        self.assertNotIn(b.pid, {p["pid"] for p in j["processes"]})
        self.assertFalse([f for f in os.listdir(ENV.state) if f.startswith("stats-%d-" % b.pid)])

        # A process that exits normally retires its own file.
        a.stdin.close()
        a.wait(timeout=30)
        self.assertFalse([f for f in os.listdir(ENV.state) if f.startswith("stats-%d-" % a.pid)])
        j = self.stats_json()
        self.assertEqual(j["removed_stale_files"], [])
        fake = self.find(j, ENV.fake_db)
        self.assertEqual(fake["processes"], 0)
        self.assertEqual(fake["counters"]["connect_retries"], 4)
        self.assertEqual(fake["counters"]["connects"], 2)
        pg = self.find(j, "postgres://127.0.0.1:%s/" % os.environ["ORT_PG_PORT"])
        self.assertEqual(pg["counters"]["connects"], 2)
        r = tool("stats", "--prometheus")
        self.assertEqual(r.returncode, 0)
        samples = parse_prometheus(self, r.stdout)
        self.assertEqual(series(samples, "odbc_retry_connect_retries_total", fake["target"]), 4)
        self.assertEqual(series(samples, "odbc_retry_processes", fake["target"]), 0)

    def test_open_breaker_and_give_up(self):
        c, lines = self.start_client("DSN=pg_down;RetryDeadline=3s")
        self.assertEqual(lines[0].split()[:3], ["failed", "DSN=pg_down;RetryDeadline=3s", "08001"], lines)
        j = self.stats_json()
        down = self.find(j, "postgres://127.0.0.1:%d/" % ENV.down_port)
        self.assertEqual(down["pids"], [c.pid])
        self.assertEqual(down["counters"]["connects"], 0)
        # pyodbc tries SQLDriverConnectW, then SQLDriverConnect: one or two connects failed.
        self.assertIn(down["counters"]["connect_failures"], (1, 2))
        self.assertEqual(down["counters"]["give_ups"], down["counters"]["connect_failures"])
        self.assertGreaterEqual(down["counters"]["connect_retries"], 1)
        self.assertEqual(down["breaker"]["state"], "open")
        self.assertGreaterEqual(down["breaker"]["consecutive_failures"], 10)
        self.assertIsNotNone(down["breaker"]["seconds_in_state"])
        r = tool("stats", "--prometheus")
        samples = parse_prometheus(self, r.stdout)
        self.assertEqual(series(samples, "odbc_retry_breaker_state", down["target"], state="open"), 1)
        self.assertEqual(series(samples, "odbc_retry_breaker_state", down["target"], state="closed"), 0)
        self.assertGreaterEqual(series(samples, "odbc_retry_breaker_consecutive_failures", down["target"]), 10)
        r = tool("stats")
        row = [l for l in r.stdout.splitlines() if str(ENV.down_port) in l][0]
        self.assertRegex(row, r" open \d+ s ")
        # check reads the same shared breaker
        r = tool("check", "pg_down", "--timeout", "2", "--json")
        self.assertEqual(r.returncode, 1)
        self.assertIn(json.loads(r.stdout)["odbc_retry"]["breaker"]["state"], ("open", "half_open"))
        c.stdin.close()
        c.wait(timeout=30)
        # The process that opened the breaker is gone; the breaker is not: stats shows it from
        # the shared table.
        j = self.stats_json()
        down = self.find(j, "postgres://127.0.0.1:%d/" % ENV.down_port)
        self.assertEqual(down["processes"], 0)
        self.assertIn(down["breaker"]["state"], ("open", "half_open"))

    def test_watch(self):
        t0 = time.monotonic()
        r = tool("stats", "--watch", "0.2", "--count", "3")
        self.assertEqual(r.returncode, 0, describe(r))
        self.assertEqual(r.stdout.count("odbc-retry stats  "), 3)
        self.assertLess(time.monotonic() - t0, 10)
        r = tool("stats", "--watch", "0.2", "--count", "2", "--json")
        frames = [json.loads(f) for f in r.stdout.strip().split("\n\n")]
        self.assertEqual(len(frames), 2)
        p = subprocess.Popen([OPTS.tool, "stats", "--watch", "0.1"], env=ENV.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        time.sleep(1)
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=10)
        self.assertEqual(p.returncode, 0, err)
        self.assertGreaterEqual(out.count("odbc-retry stats  "), 2)

    def test_other_state_directory(self):
        empty = os.path.join(ENV.dir, "empty-state")
        j = self.stats_json("--state-dir", empty)
        self.assertEqual((j["processes"], j["targets"]), ([], []))
        os.makedirs(empty)
        # The file of a process that never existed
        with open(os.path.join(empty, "stats-999999999-1"), "w") as f:
            f.write("x" * 100)
        j = self.stats_json("--state-dir", empty)
        self.assertEqual(len(j["removed_stale_files"]), 1)
        self.assertEqual(os.listdir(empty), [])


def fake_budget(target):
    b = target["budget"]
    tokens = b["tokens"]
    text = ("%.3f" % tokens).rstrip("0").rstrip(".")
    return "%s/%d" % (text, b["max_tokens"])


GROUPS = {
    "cli": [HelpAndUsage, ConfigCommand, ExplainCommand, InstallCommand, WrapCommand],
    "check": [CheckCommand],
    "check_wait": [CheckWait],
    "stats": [StatsCommand],
}


def main():
    global OPTS, ENV
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tool", required=True)
    parser.add_argument("--driver", required=True)
    parser.add_argument("--fake")
    parser.add_argument("--source")
    parser.add_argument("--group", choices=sorted(GROUPS), action="append")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    OPTS, rest = parser.parse_known_args()
    ENV = TestEnvironment()
    try:
        loader = unittest.TestLoader()
        suite = unittest.TestSuite()
        for group in OPTS.group or sorted(GROUPS):
            for case in GROUPS[group]:
                suite.addTests(loader.loadTestsFromTestCase(case))
        if rest:
            names = [r for r in rest if not r.startswith("-")]
            if names:
                suite = unittest.TestSuite(t for t in _flatten(suite) if any(n in t.id() for n in names))
        result = unittest.TextTestRunner(verbosity=2).run(suite)
        ok = result.wasSuccessful()
        print("%d passed, %d failed, %d skipped" % (result.testsRun - len(result.failures) - len(result.errors)
                                                     - len(result.skipped),
                                                     len(result.failures) + len(result.errors),
                                                     len(result.skipped)))
        return 0 if ok else 1
    finally:
        if OPTS.keep:
            sys.stderr.write("kept %s\n" % ENV.dir)
        else:
            ENV.cleanup()


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


if __name__ == "__main__":
    sys.exit(main())
