# SPDX-License-Identifier: Apache-2.0
"""The demo's workload: what odbc-retry lets an unchanged application survive.

Run by scripts/demo with Debian's /usr/bin/python3 (pyodbc) after the private PostgreSQL server
and the ini files are set up. Every step prints what it does and what the application saw; the
script exits non-zero if the application saw any error.
"""
import os
import subprocess
import sys
import threading
import time

import pyodbc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PG = os.path.join(ROOT, "scripts", "pg")
DSN = sys.argv[1] if len(sys.argv) > 1 else "pg_retry"
# The demo's writes are upserts: repeating one cannot change the result, so the DSN may declare
# its writes idempotent and odbc-retry replays them too (see docs/error-contract.md).
CONN = f"DSN={DSN};ReplayWrites=idempotent"
SECONDS = float(os.environ.get("ORT_DEMO_SECONDS", "12"))


def say(text):
    print(f"\n>>> {text}", flush=True)


def pg(*args):
    subprocess.run([PG, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def part_connect_while_starting():
    say("1. connect while the database is still down: odbc-retry waits for it (no code change in the app)")
    pg("stop")
    starter = threading.Timer(2.0, lambda: pg("start"))
    starter.start()
    began = time.monotonic()
    try:
        conn = pyodbc.connect(CONN, autocommit=True)
    finally:
        starter.join()
    value = conn.cursor().execute("SELECT 'connected'").fetchone()[0]
    print(f"    server started 2.0 s after the connect began; connect returned after "
          f"{time.monotonic() - began:.1f} s: {value}")
    return conn


def part_workload(setup_conn):
    say(f"2. {SECONDS:.0f} s of reads and writes on 4 threads while the database restarts and backends are killed")
    cur = setup_conn.cursor()
    cur.execute("DROP TABLE IF EXISTS demo_counters")
    cur.execute("CREATE TABLE demo_counters (worker int, n int, PRIMARY KEY (worker, n))")
    stop = threading.Event()
    stats = {"reads": 0, "writes": 0}
    errors = []
    lock = threading.Lock()

    def worker(wid):
        conn = pyodbc.connect(CONN, autocommit=True)
        cur = conn.cursor()
        n = 0
        while not stop.is_set():
            try:
                n += 1
                cur.execute("INSERT INTO demo_counters VALUES (?, ?) ON CONFLICT DO NOTHING", wid, n)
                got = cur.execute("SELECT count(*) FROM demo_counters WHERE worker = ?", wid).fetchone()[0]
                if got != n:
                    raise AssertionError(f"worker {wid}: expected {n} rows, read {got}")
                with lock:
                    stats["writes"] += 1
                    stats["reads"] += 1
            except Exception as e:  # the point of the demo: there should be none
                with lock:
                    errors.append(f"worker {wid}: {e}")
                n -= 1
                time.sleep(0.2)
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    time.sleep(SECONDS / 3)
    print("    restarting PostgreSQL (scripts/pg restart) ...", flush=True)
    pg("restart")
    time.sleep(SECONDS / 3)
    print("    killing every backend of the application (scripts/pg kill-backends) ...", flush=True)
    pg("kill-backends")
    time.sleep(SECONDS / 3)
    stop.set()
    for t in threads:
        t.join()
    rows = setup_conn.cursor().execute("SELECT count(*) FROM demo_counters").fetchone()[0]
    print(f"    {stats['writes']} writes and {stats['reads']} reads; {rows} rows in the table; "
          f"errors seen by the application: {len(errors)}")
    for e in errors[:10]:
        print(f"      {e}")
    return not errors and rows == stats["writes"]


def show_stats():
    """`odbc-retry stats` while this process lives: it lists the counters of live processes."""
    tool = os.environ.get("ORT_ODBC_RETRY_TOOL")
    if not tool or not os.access(tool, os.X_OK):
        return
    say("4. odbc-retry stats: what odbc-retry did for this process, per target")
    sys.stdout.flush()
    args = [tool, "stats"]
    if os.environ.get("ODBC_RETRY_STATE_DIR"):
        args += ["--state-dir", os.environ["ODBC_RETRY_STATE_DIR"]]
    subprocess.run(args, check=False, timeout=30)


def main():
    conn = part_connect_while_starting()
    ok = part_workload(conn)
    conn.close()
    say("3. the workload finished " + ("without an error" if ok else "WITH ERRORS"))
    show_stats()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
