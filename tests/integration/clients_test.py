#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Real clients through odbc-retry: the same workload through a direct DSN and through its
odbc-retry DSN must give identical results.

  * isql and iusql (unixODBC's clients, `-b -v`) run one SQL script; their whole output must be
    identical;
  * pyodbc (Debian's python3-pyodbc, hence /usr/bin/python3) runs a workload: create, insert with
    parameters, select of the common types (non-ASCII text and NULL included), executemany,
    fetchmany, cursor.columns() and cursor.tables(), getinfo, errors; every result and every
    exception (SQLSTATE and message) must be identical.

usage: clients_test.py [--backend sqlite|pg|mariadb]... [--verbose]
       (no --backend: all three; ctest runs one label each)

Needs the project's runtime environment (scripts/lib/env.sh: ODBCSYSINI, ODBCINI, ...) and the
servers (scripts/servers start); fails, not skips, without them. Exit status 0 only when every
comparison matched.
"""
import argparse
import datetime
import decimal
import difflib
import os
import shutil
import subprocess
import sys

PAIRS = {
    "sqlite": [("sqlite", "sqlite_direct", "sqlite_retry")],
    "pg": [("pg", "pg_direct", "pg_retry"), ("pga", "pga_direct", "pga_retry")],
    "mariadb": [("maria", "maria_direct", "maria_retry")],
}
NEEDS = {"sqlite": "ORT_SQLITE_DB", "pg": "ORT_PG_PORT", "mariadb": "ORT_MARIADB_PORT"}
GREETING = "h\u00e9llo w\u00f6rld \u2713 \u65e5\u672c"  # héllo wörld ✓ 日本


def fail_environment(problems):
    sys.stderr.write("clients_test.py: missing runtime environment:\n")
    for p in problems:
        sys.stderr.write("  %s\n" % p)
    sys.stderr.write("Source scripts/lib/env.sh and run `scripts/servers start` (or run scripts/test).\n")
    sys.exit(2)


def check_environment(labels):
    problems = []
    for name in ["ODBCSYSINI", "ODBCINI"] + [NEEDS[l] for l in labels]:
        if not os.environ.get(name):
            problems.append("%s is not set" % name)
    sysini = os.environ.get("ODBCSYSINI")
    if sysini and not os.access(os.path.join(sysini, "odbcinst.ini"), os.R_OK):
        problems.append("%s/odbcinst.ini is not readable" % sysini)
    ini = os.environ.get("ODBCINI")
    if ini and not os.access(ini, os.R_OK):
        problems.append("ODBCINI=%s is not readable" % ini)
    for tool in ("isql", "iusql"):
        if not shutil.which(tool):
            problems.append("%s is not installed (unixodbc package)" % tool)
    if problems:
        fail_environment(problems)


# ---- dialects ---------------------------------------------------------------------------------

def types_ddl(kind, table):
    if kind == "sqlite":
        return ("CREATE TABLE %s (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_big BIGINT, c_num NUMERIC(12,3),"
                " c_double DOUBLE, c_varchar VARCHAR(60), c_text TEXT, c_date DATE, c_time TIME, c_ts TIMESTAMP,"
                " c_bool BOOLEAN, c_bin BLOB)" % table)
    if kind in ("pg", "pga"):
        return ("CREATE TABLE %s (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_big BIGINT, c_num NUMERIC(12,3),"
                " c_double DOUBLE PRECISION, c_varchar VARCHAR(60), c_text TEXT, c_date DATE, c_time TIME,"
                " c_ts TIMESTAMP, c_bool BOOLEAN, c_bin BYTEA)" % table)
    return ("CREATE TABLE %s (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_big BIGINT, c_num NUMERIC(12,3),"
            " c_double DOUBLE, c_varchar VARCHAR(60), c_text TEXT, c_date DATE, c_time TIME, c_ts DATETIME,"
            " c_bool BOOLEAN, c_bin VARBINARY(64)) DEFAULT CHARSET=utf8mb4" % table)


def bin_literal(kind, hexdigits):
    return ("'\\x%s'::bytea" % hexdigits) if kind in ("pg", "pga") else ("X'%s'" % hexdigits)


# ---- isql / iusql -----------------------------------------------------------------------------

def isql_script(kind, table):
    cols = "(c_id, c_int, c_big, c_num, c_double, c_varchar, c_text, c_date, c_time, c_ts, c_bool, c_bin)"
    lines = [
        "DROP TABLE IF EXISTS %s" % table,
        types_ddl(kind, table),
        "INSERT INTO %s %s VALUES (1, 42, 9007199254740993, 12345.678, 2.5, '%s', 'text %s', '2024-02-29',"
        " '13:45:59', '2024-02-29 13:45:59', TRUE, %s)" % (table, cols, GREETING, GREETING, bin_literal(kind, "00ff10")),
        "INSERT INTO %s %s VALUES (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)" % (table, cols),
        "INSERT INTO %s %s VALUES (3, -7, -1, -0.5, -1e-3, '', 'x', '1970-01-01', '00:00:00',"
        " '1999-12-31 23:59:59', FALSE, %s)" % (table, cols, bin_literal(kind, "")),
        "SELECT * FROM %s ORDER BY c_id" % table,
        "SELECT c_id, c_varchar FROM %s WHERE c_varchar = '%s'" % (table, GREETING),
        "UPDATE %s SET c_int = c_int + 1 WHERE c_id < 3" % table,
        "UPDATE %s SET c_int = 0 WHERE c_id > 100" % table,
        "INSERT INTO %s (c_id) VALUES (1)" % table,
        "SELEC broken syntax",
        "SELECT * FROM ort_no_such_table_%s" % kind,
        "SELECT COUNT(*), SUM(c_int) FROM %s" % table,
        "DELETE FROM %s WHERE c_id = 3" % table,
        "SELECT c_id FROM %s ORDER BY c_id" % table,
        "DROP TABLE %s" % table,
    ]
    return "\n".join(lines) + "\n"


def run_client(tool, dsn, script):
    proc = subprocess.run([tool, "-b", "-v", dsn], input=script.encode("utf-8"), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=120, env=os.environ.copy())
    return "exit status %d\n%s" % (proc.returncode, proc.stdout.decode("utf-8", "backslashreplace"))


# ---- pyodbc -----------------------------------------------------------------------------------

def describe(exc):
    """An exception as the application sees it: class, SQLSTATE, message."""
    args = getattr(exc, "args", ())
    return "%s%r" % (type(exc).__name__, tuple(args))


def pyodbc_workload(kind, dsn):
    import pyodbc  # Debian's python3-pyodbc

    out = []

    def note(label, value):
        out.append("%s: %r" % (label, value))

    def attempt(label, fn):
        try:
            value = fn()
            note(label, value)
            return value
        except Exception as e:  # noqa: BLE001 - every exception is part of the result
            out.append("%s raised %s" % (label, describe(e)))
            return None

    conn = pyodbc.connect("DSN=%s" % dsn, autocommit=True)
    try:
        cur = conn.cursor()
        table = "ort_pyodbc_%s" % kind
        attempt("drop", lambda: cur.execute("DROP TABLE IF EXISTS %s" % table).rowcount)
        attempt("create", lambda: cur.execute(types_ddl(kind, table)).rowcount)
        cols = "(c_id, c_int, c_big, c_num, c_double, c_varchar, c_text, c_date, c_time, c_ts, c_bool, c_bin)"
        insert = "INSERT INTO %s %s VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" % (table, cols)
        rows = [
            (1, 42, 9007199254740993, decimal.Decimal("12345.678"), 2.5, GREETING, "text " + GREETING,
             datetime.date(2024, 2, 29), datetime.time(13, 45, 59), datetime.datetime(2024, 2, 29, 13, 45, 59),
             True, b"\x00\xff\x10"),
            (2, None, None, None, None, None, None, None, None, None, None, None),
            (3, -7, -1, decimal.Decimal("-0.5"), -1e-3, "", "x", datetime.date(1970, 1, 1), datetime.time(0, 0, 0),
             datetime.datetime(1999, 12, 31, 23, 59, 59), False, b""),
        ]
        for row in rows:
            attempt("insert %d" % row[0], lambda row=row: cur.execute(insert, row).rowcount)
        many = [(10 + i, i, i * 1000, decimal.Decimal("%d.125" % i), i / 4.0, "many-%d \u00fc" % i, "t" * i,
                 datetime.date(2000, 1, 1 + i), datetime.time(1, 2, i), datetime.datetime(2000, 1, 1, 1, 2, i),
                 i % 2 == 0, bytes([i, 255 - i])) for i in range(1, 8)]
        attempt("executemany", lambda: cur.executemany(insert, many))
        cur.fast_executemany = True
        many_fast = [(100 + r[0],) + r[1:] for r in many]
        attempt("executemany (fast_executemany)", lambda: cur.executemany(insert, many_fast))
        cur.fast_executemany = False

        def select_all():
            cur.execute("SELECT * FROM %s ORDER BY c_id" % table)
            description = [(d[0], d[1].__name__ if d[1] else None, d[2], d[3], d[4], d[5], d[6])
                           for d in cur.description]
            return description, [tuple(r) for r in cur.fetchall()]
        attempt("select all", select_all)

        def fetch_many():
            cur.execute("SELECT c_id, c_varchar FROM %s ORDER BY c_id" % table)
            batches = []
            while True:
                batch = cur.fetchmany(4)
                if not batch:
                    break
                batches.append([tuple(r) for r in batch])
            return batches
        attempt("fetchmany", fetch_many)
        attempt("select by non-ASCII parameter",
                lambda: [tuple(r) for r in cur.execute("SELECT c_id FROM %s WHERE c_varchar = ?" % table,
                                                       GREETING).fetchall()])
        # Named: an unnamed column is named by its non-ASCII text, and sqliteodbc alone reports
        # that name's length in SQLDescribeColW past what it wrote, so pyodbc decodes heap garbage
        # (an error only when the garbage is no valid UTF-16: at random).
        attempt("select non-ASCII literal",
                lambda: cur.execute("SELECT '%s' AS greeting" % GREETING).fetchone()[0])
        attempt("update rowcount", lambda: cur.execute("UPDATE %s SET c_int = c_int + 1 WHERE c_id < 10" % table).rowcount)
        attempt("update nothing", lambda: cur.execute("UPDATE %s SET c_int = 0 WHERE c_id > 1000" % table).rowcount)
        attempt("scalar", lambda: cur.execute("SELECT COUNT(*), SUM(c_int) FROM %s" % table).fetchone()[:])

        # Catalog functions.
        attempt("columns", lambda: [tuple(r)[:18] for r in cur.columns(table=table)])
        attempt("tables", lambda: [tuple(r) for r in cur.tables(table=table)])
        attempt("primaryKeys", lambda: [tuple(r) for r in cur.primaryKeys(table=table)])
        # CARDINALITY and PAGES (columns 11 and 12) are the server's estimates (InnoDB's sampled
        # statistics, PostgreSQL's reltuples), updated by the server whenever it likes: compared
        # by type only, so that two runs of the same driver agree.
        def statistics():
            return [tuple(r)[:10] + tuple(type(v).__name__ for v in tuple(r)[10:12]) + tuple(r)[12:]
                    for r in cur.statistics(table=table)]
        attempt("statistics", statistics)
        attempt("getTypeInfo(VARCHAR)", lambda: [tuple(r) for r in cur.getTypeInfo(pyodbc.SQL_VARCHAR)])

        # SQLGetInfo. Left out: SQL_DATA_SOURCE_NAME, which the driver manager answers with the
        # DSN the application connected to (sqlite_direct vs sqlite_retry).
        for name in sorted(n for n in dir(pyodbc) if n.startswith("SQL_") and n not in ("SQL_DATA_SOURCE_NAME",)):
            number = getattr(pyodbc, name)
            if not isinstance(number, int) or name.startswith(("SQL_WCHAR", "SQL_WVARCHAR", "SQL_WLONGVARCHAR")):
                continue
            if name in INFO_TYPES:
                attempt("getinfo %s" % name, lambda number=number: conn.getinfo(number))

        # Errors.
        attempt("syntax error", lambda: cur.execute("SELEC broken syntax"))
        attempt("missing table", lambda: cur.execute("SELECT * FROM ort_no_such_table_%s" % kind))
        attempt("duplicate key", lambda: cur.execute(insert, rows[0]))
        attempt("wrong parameter count", lambda: cur.execute(insert, (99,)))
        attempt("after errors", lambda: cur.execute("SELECT COUNT(*) FROM %s" % table).fetchone()[0])

        # A transaction.
        conn.autocommit = False
        attempt("insert in transaction", lambda: cur.execute("INSERT INTO %s (c_id) VALUES (500)" % table).rowcount)
        attempt("rollback", lambda: conn.rollback())
        attempt("after rollback", lambda: cur.execute("SELECT COUNT(*) FROM %s WHERE c_id = 500" % table).fetchone()[0])
        attempt("insert and commit", lambda: (cur.execute("INSERT INTO %s (c_id) VALUES (501)" % table).rowcount,
                                              conn.commit()))
        attempt("after commit", lambda: cur.execute("SELECT COUNT(*) FROM %s WHERE c_id = 501" % table).fetchone()[0])
        conn.commit()
        conn.autocommit = True
        attempt("drop", lambda: cur.execute("DROP TABLE %s" % table).rowcount)
        cur.close()
    finally:
        conn.close()
    return out


# The SQLGetInfo types pyodbc knows how to read (pyodbc raises for the others).
INFO_TYPES = {
    "SQL_ACCESSIBLE_PROCEDURES", "SQL_ACCESSIBLE_TABLES", "SQL_ACTIVE_ENVIRONMENTS", "SQL_AGGREGATE_FUNCTIONS",
    "SQL_ALTER_DOMAIN", "SQL_ALTER_TABLE", "SQL_BATCH_ROW_COUNT", "SQL_BATCH_SUPPORT", "SQL_BOOKMARK_PERSISTENCE",
    "SQL_CATALOG_LOCATION", "SQL_CATALOG_NAME", "SQL_CATALOG_NAME_SEPARATOR", "SQL_CATALOG_TERM",
    "SQL_CATALOG_USAGE", "SQL_COLLATION_SEQ", "SQL_COLUMN_ALIAS", "SQL_CONCAT_NULL_BEHAVIOR",
    "SQL_CONVERT_FUNCTIONS", "SQL_CORRELATION_NAME", "SQL_CURSOR_COMMIT_BEHAVIOR",
    "SQL_CURSOR_ROLLBACK_BEHAVIOR", "SQL_CURSOR_SENSITIVITY", "SQL_DATABASE_NAME", "SQL_DATA_SOURCE_READ_ONLY",
    "SQL_DATETIME_LITERALS", "SQL_DBMS_NAME", "SQL_DBMS_VER", "SQL_DDL_INDEX", "SQL_DEFAULT_TXN_ISOLATION",
    "SQL_DESCRIBE_PARAMETER", "SQL_DRIVER_NAME", "SQL_DRIVER_ODBC_VER", "SQL_DRIVER_VER",
    "SQL_DYNAMIC_CURSOR_ATTRIBUTES1", "SQL_DYNAMIC_CURSOR_ATTRIBUTES2", "SQL_EXPRESSIONS_IN_ORDERBY",
    "SQL_FILE_USAGE", "SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES1", "SQL_FORWARD_ONLY_CURSOR_ATTRIBUTES2",
    "SQL_GETDATA_EXTENSIONS", "SQL_GROUP_BY", "SQL_IDENTIFIER_CASE", "SQL_IDENTIFIER_QUOTE_CHAR",
    "SQL_INDEX_KEYWORDS", "SQL_INFO_SCHEMA_VIEWS", "SQL_INSERT_STATEMENT", "SQL_INTEGRITY", "SQL_KEYWORDS",
    "SQL_LIKE_ESCAPE_CLAUSE", "SQL_MAX_BINARY_LITERAL_LEN", "SQL_MAX_CATALOG_NAME_LEN",
    "SQL_MAX_CHAR_LITERAL_LEN", "SQL_MAX_COLUMN_NAME_LEN", "SQL_MAX_COLUMNS_IN_GROUP_BY",
    "SQL_MAX_COLUMNS_IN_INDEX", "SQL_MAX_COLUMNS_IN_ORDER_BY", "SQL_MAX_COLUMNS_IN_SELECT",
    "SQL_MAX_COLUMNS_IN_TABLE", "SQL_MAX_CONCURRENT_ACTIVITIES", "SQL_MAX_CURSOR_NAME_LEN",
    "SQL_MAX_DRIVER_CONNECTIONS", "SQL_MAX_IDENTIFIER_LEN", "SQL_MAX_INDEX_SIZE", "SQL_MAX_PROCEDURE_NAME_LEN",
    "SQL_MAX_ROW_SIZE", "SQL_MAX_ROW_SIZE_INCLUDES_LONG", "SQL_MAX_SCHEMA_NAME_LEN", "SQL_MAX_STATEMENT_LEN",
    "SQL_MAX_TABLE_NAME_LEN", "SQL_MAX_TABLES_IN_SELECT", "SQL_MAX_USER_NAME_LEN", "SQL_MULTIPLE_ACTIVE_TXN",
    "SQL_MULT_RESULT_SETS", "SQL_NEED_LONG_DATA_LEN", "SQL_NON_NULLABLE_COLUMNS", "SQL_NULL_COLLATION",
    "SQL_NUMERIC_FUNCTIONS", "SQL_ODBC_INTERFACE_CONFORMANCE", "SQL_ODBC_VER", "SQL_OJ_CAPABILITIES",
    "SQL_ORDER_BY_COLUMNS_IN_SELECT", "SQL_PARAM_ARRAY_ROW_COUNTS", "SQL_PARAM_ARRAY_SELECTS",
    "SQL_PROCEDURES", "SQL_PROCEDURE_TERM", "SQL_QUOTED_IDENTIFIER_CASE", "SQL_ROW_UPDATES", "SQL_SCHEMA_TERM",
    "SQL_SCHEMA_USAGE", "SQL_SCROLL_OPTIONS", "SQL_SEARCH_PATTERN_ESCAPE", "SQL_SERVER_NAME",
    "SQL_SPECIAL_CHARACTERS", "SQL_SQL_CONFORMANCE", "SQL_STATIC_CURSOR_ATTRIBUTES1",
    "SQL_STATIC_CURSOR_ATTRIBUTES2", "SQL_STRING_FUNCTIONS", "SQL_SUBQUERIES", "SQL_SYSTEM_FUNCTIONS",
    "SQL_TABLE_TERM", "SQL_TIMEDATE_ADD_INTERVALS", "SQL_TIMEDATE_DIFF_INTERVALS", "SQL_TIMEDATE_FUNCTIONS",
    "SQL_TXN_CAPABLE", "SQL_TXN_ISOLATION_OPTION", "SQL_UNION", "SQL_USER_NAME", "SQL_XOPEN_CLI_YEAR",
}


def run_pyodbc(kind, dsn):
    """The workload in a child process of its own: a crash of one side is a result, not the end."""
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--pyodbc-child", kind, dsn],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300, env=os.environ.copy())
    text = proc.stdout.decode("utf-8", "backslashreplace")
    if proc.returncode != 0:
        text += "\nexit status %d\n%s" % (proc.returncode, proc.stderr.decode("utf-8", "backslashreplace")[-3000:])
    return text


# ---- comparing --------------------------------------------------------------------------------

def compare(what, direct_name, retry_name, direct, retry, verbose):
    if direct == retry:
        print("ok    %s: %s and %s identical (%d lines)" % (what, direct_name, retry_name, direct.count("\n")))
        if verbose:
            print(direct)
        return True
    print("FAIL  %s: %s and %s differ" % (what, direct_name, retry_name))
    diff = difflib.unified_diff(direct.splitlines(), retry.splitlines(), direct_name, retry_name, lineterm="", n=2)
    lines = list(diff)
    for line in lines[:200]:
        print("      " + line)
    if len(lines) > 200:
        print("      ... (%d more diff lines)" % (len(lines) - 200))
    return False


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--pyodbc-child":
        for line in pyodbc_workload(sys.argv[2], sys.argv[3]):
            print(line)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", action="append", choices=sorted(PAIRS), help="sqlite, pg or mariadb (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="print the outputs that matched too")
    args = parser.parse_args()
    labels = args.backend or sorted(PAIRS)
    check_environment(labels)
    try:
        import pyodbc  # noqa: F401
    except ImportError:
        fail_environment(["pyodbc is not importable by %s (Debian package python3-pyodbc)" % sys.executable])

    failures = 0
    for label in labels:
        for kind, direct, retry in PAIRS[label]:
            for tool in ("isql", "iusql"):
                script = isql_script(kind, "ort_%s_%s" % (tool, kind))
                if not compare("%s %s" % (tool, kind), direct, retry, run_client(tool, direct, script),
                               run_client(tool, retry, script), args.verbose):
                    failures += 1
            if not compare("pyodbc %s" % kind, direct, retry, run_pyodbc(kind, direct), run_pyodbc(kind, retry),
                           args.verbose):
                failures += 1
    print("%d comparison(s) failed" % failures if failures else "all comparisons identical")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
