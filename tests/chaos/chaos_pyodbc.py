#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Chaos test through pyodbc with unixODBC connection pooling on (ctest label chaos).

The workload of tests/chaos/chaos_test.cpp, the way a Python application writes it: every
operation opens a connection (pyodbc.connect, served from unixODBC's pool), runs, and closes it
(back to the pool). Six threads run autocommit reads, autocommit inserts with unique keys and
short manual-commit transactions (3 inserts with one txn id, then COMMIT) while
tests/chaos/killer.sh kills the server's sessions every 200-600 ms and restarts it 2-3 times.
Afterwards a direct connection checks the same invariants as the C++ test:

  - reads (connect included) never fail, except with the documented record of a read whose
    replay lost its connection again (the killer struck twice);
  - an acknowledged insert is in the table exactly once, an "outcome unknown" one at most once,
    no key twice (no unique constraint on purpose), nothing that was never inserted;
  - a transaction is fully present or fully absent: present when its COMMIT was acknowledged,
    absent when refused or rolled back, either when the COMMIT's outcome was unknown (08007);
  - every error is documented: 08S01/08007 led by an [odbc-retry] record (or the target's records
    of a loss its replay caused, then ours), or 08001 "[odbc-retry] gave up" at connect.

Pooling: a private copy of odbcinst.ini with "[ODBC] Pooling=Yes" and CPTimeout=60 on the
"ODBC Retry" driver, in a temporary ODBCSYSINI; the test first checks that the pool is in effect
(consecutive connects reuse one server session).

usage: chaos_pyodbc.py --backend pg|mariadb --dsn DSN --direct DSN --killer PATH
                       [--threads N] [--seconds S] [--seed N]
Environment: ORT_CHAOS_SECONDS (default 40), ORT_CHAOS_SEED, ORT_CHAOS_THREADS (default 6), and
the project's runtime environment (ODBCSYSINI, ODBCINI, ORT_*; scripts/lib/env.sh).
Exit status 0 when every invariant held, 1 when one did not, 2 on a setup problem.
"""

import argparse
import collections
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

KEY_SPACE = 1000000
REF_ROWS = 200


def pooled_odbcinst(source_dir, target_dir):
    """Copies source_dir/odbcinst.ini to target_dir with pooling on for the ODBC Retry driver."""
    with open(os.path.join(source_dir, "odbcinst.ini"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    out, section, saw_odbc, saw_retry = [], None, False, False

    def close_section():
        if section == "ODBC":
            out.append("Pooling=Yes")
        elif section == "ODBC Retry":
            out.append("CPTimeout=60")

    for line in lines:
        m = re.match(r"\s*\[(.*)\]\s*$", line)
        if m:
            close_section()
            section = m.group(1)
            saw_odbc |= section == "ODBC"
            saw_retry |= section == "ODBC Retry"
        elif re.match(r"\s*(Pooling|CPTimeout)\s*=", line, re.I) and section in ("ODBC", "ODBC Retry"):
            continue
        out.append(line)
    close_section()
    if not saw_retry:
        raise RuntimeError("no [ODBC Retry] driver in %s/odbcinst.ini" % source_dir)
    if not saw_odbc:
        out = ["[ODBC]", "Pooling=Yes", ""] + out
    with open(os.path.join(target_dir, "odbcinst.ini"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", required=True, choices=["pg", "mariadb"])
    p.add_argument("--dsn", required=True)
    p.add_argument("--direct", required=True)
    p.add_argument("--killer", required=True)
    p.add_argument("--threads", type=int, default=int(os.environ.get("ORT_CHAOS_THREADS") or 6))
    p.add_argument("--seconds", type=int, default=int(os.environ.get("ORT_CHAOS_SECONDS") or 40))
    p.add_argument("--seed", type=int, default=int(os.environ.get("ORT_CHAOS_SEED") or 0))
    a = p.parse_args()
    if not a.seed:
        a.seed = int(time.time() * 1000) % 1000000007
    return a


ARGS = parse_args()
for name in ("ODBCSYSINI", "ODBCINI"):
    if not os.environ.get(name):
        print("chaos_pyodbc: %s is not set: source scripts/lib/env.sh and start the servers "
              "(scripts/servers start), or run scripts/test" % name, file=sys.stderr)
        sys.exit(2)

# The pool is configured before pyodbc allocates its environment (at the first connect).
POOL_DIR = tempfile.mkdtemp(prefix="ort-chaos-pool-")
pooled_odbcinst(os.environ["ODBCSYSINI"], POOL_DIR)
os.environ["ODBCSYSINI"] = POOL_DIR
LOG = os.path.abspath("chaos_pyodbc_%s.odbc-retry.log" % ARGS.backend)
if os.path.exists(LOG):
    os.remove(LOG)
os.environ.setdefault("ODBC_RETRY_LOG_LEVEL", "info")
os.environ.setdefault("ODBC_RETRY_LOG_FILE", LOG)
LOG = os.environ["ODBC_RETRY_LOG_FILE"]

import pyodbc  # noqa: E402  (after the environment is set)

pyodbc.pooling = True

T_INS, T_TXN, T_REF = "chaos_py_ins", "chaos_py_txn", "chaos_py_ref"


class Problems:
    """Problems grouped by kind: how often, and the first few examples of each."""

    def __init__(self):
        self.kinds = {}

    def add(self, kind, example):
        count, examples = self.kinds.get(kind, (0, []))
        if len(examples) < 3:
            examples.append(example)
        self.kinds[kind] = (count + 1, examples)

    def merge(self, other):
        for kind, (count, examples) in other.kinds.items():
            mine, mine_examples = self.kinds.get(kind, (0, []))
            self.kinds[kind] = (mine + count, (mine_examples + examples)[:3])

    def total(self):
        return sum(count for count, _ in self.kinds.values())

    def print(self, title):
        if not self.kinds:
            return
        print("\nFAIL: %d problem(s) %s:" % (self.total(), title))
        for kind in sorted(self.kinds):
            count, examples = self.kinds[kind]
            print("  %dx %s" % (count, kind))
            for x in examples:
                print("      e.g. %s" % x.replace("\n", "\\n"))


def error_text(e):
    return e.args[1] if len(e.args) > 1 else str(e)


def error_code(e):
    """'[SQLSTATE/native]' of the first record (pyodbc shows the native code in parentheses)."""
    m = re.match(r"\[(\w{5})\][^(]*?\((-?\d+)\)", error_text(e))
    state = e.args[0] if e.args else "?"
    return "[%s/%s]" % (state, m.group(2) if m and m.group(1) == state else "?")


# docs/error-contract.md: a call whose replay lost its connection again is taken as the cause;
# the target's records of the loss come first, then this one of odbc-retry.
CAUSE_RECORD = "[odbc-retry] the connection was lost again when the call was replayed"


def told(error, at_commit=False, in_transaction=False, at_connect=False):
    """What a pyodbc error means: a kind, or 'undocumented'."""
    state = error.args[0] if error.args else "?"
    text = error.args[1] if len(error.args) > 1 else str(error)
    # pyodbc joins the records as "[STATE] message (native) (function); [STATE] ...": the first
    # record is odbc-retry's when the text starts with its prefix (after the driver manager's).
    first_is_ours = re.match(r"\[\w{5}\] (\[unixODBC\])?\[odbc-retry\]", text) is not None
    if CAUSE_RECORD in text and not at_commit and not at_connect:
        # The replayed call lost its new connection too: the target's records come first.
        return state, ("transaction_rolled_back" if in_transaction else "unknown_outcome"), text
    if first_is_ours:
        if state == "08007" and at_commit:
            return state, "commit_unknown", text
        if state == "08S01" and at_commit:
            return state, "commit_refused", text
        if state == "08S01" and not at_connect:
            return state, ("transaction_rolled_back" if in_transaction else "unknown_outcome"), text
        if state == "08001" and "gave up" in text:
            return state, "gave_up", text
    return state, "undocumented", text


class Worker(threading.Thread):
    def __init__(self, index, stop):
        super().__init__(daemon=True)
        self.index = index
        self.stop = stop
        self.random = random.Random(ARGS.seed * 1000 + index)
        self.doing = "start"
        self.reads = 0
        self.insert_ok, self.insert_unknown, self.insert_not_sent = [], [], []
        self.txns = []  # dicts: id, outcome, mode, broken
        self.errors = collections.Counter()
        self.problems = Problems()
        self.next_seq = 0
        self.next_txn = 500000

    def fail(self, kind, example):
        self.problems.add(kind, "thread %d: %s" % (self.index, example))

    def record(self, where, error, **kind):
        state, meaning, text = told(error, **kind)
        self.errors["%s %s" % (where, state)] += 1
        if meaning == "undocumented":
            self.fail("undocumented error from %s %s" % (where, error_code(error)), text)
        return meaning

    def connect(self, autocommit, where):
        """A connection from the pool, or None after a recorded error."""
        try:
            cnxn = pyodbc.connect("DSN=" + ARGS.dsn, autocommit=autocommit)
        except pyodbc.Error as e:
            self.record(where + ":connect", e, at_connect=True)
            return None
        # pyodbc.connect(autocommit=True) does not set SQL_ATTR_AUTOCOMMIT (it assumes the ODBC
        # default), and unixODBC resets a pooled connection only for ODBC 3.80 applications
        # (pyodbc declares 3.0): without this, a connection that a transaction left with
        # autocommit off comes back from the pool still off, and its next user's "autocommit"
        # inserts are never committed. Pool-safe applications set it on every checkout.
        try:
            cnxn.autocommit = autocommit
        except pyodbc.Error as e:
            self.record(where + ":autocommit", e)
            self.close(cnxn)
            return None
        return cnxn

    def run(self):
        while not self.stop.is_set():
            pick = self.random.randrange(100)
            if pick < 40:
                self.read()
            elif pick < 75:
                self.insert()
            else:
                self.transaction()
        self.doing = "done"

    # ---- reads: any error at all is a failure
    def read(self):
        self.reads += 1
        kind = self.random.randrange(3)
        self.doing = "read %d: connect" % kind
        try:
            cnxn = pyodbc.connect("DSN=" + ARGS.dsn, autocommit=True)
            cnxn.autocommit = True  # see connect()
        except pyodbc.Error as e:
            self.errors["read:connect %s" % e.args[0]] += 1
            self.fail("a read failed: connect %s" % error_code(e), error_text(e))
            return
        try:
            cur = cnxn.cursor()
            if kind == 0:
                self.doing = "read count(*)"
                n = cur.execute("SELECT count(*) FROM %s" % T_INS).fetchone()[0]
                if n < len(self.insert_ok):
                    self.fail("a read returned a wrong result: SELECT count(*) too low", "SELECT count(*) says %d rows, but this thread alone had %d inserts acknowledged"
                              % (n, len(self.insert_ok)))
            elif kind == 1:
                self.doing = "read by key"
                key = self.random.choice(self.insert_ok) if self.insert_ok else -1
                rows = cur.execute("SELECT id, seq FROM %s WHERE id = ?" % T_INS, key).fetchall()
                want = [] if key < 0 else [(key, key % KEY_SPACE)]
                if [tuple(r) for r in rows] != want:
                    self.fail("a read returned a wrong result: SELECT of an acknowledged key",
                              "SELECT of acknowledged key %d returned %r" % (key, [tuple(r) for r in rows]))
            else:
                self.doing = "read reference table"
                rows = cur.execute("SELECT id, payload FROM %s ORDER BY id" % T_REF).fetchall()
                want = [(i, "ref-%04d" % i) for i in range(1, REF_ROWS + 1)]
                if [tuple(r) for r in rows] != want:
                    self.fail("a read returned a wrong result: reference table", "%d rows, not the %d expected ones" % (len(rows), REF_ROWS))
            cur.close()
        except pyodbc.Error as e:
            self.errors["read %s" % e.args[0]] += 1
            if CAUSE_RECORD not in error_text(e):  # documented: the killer struck the replay too
                self.fail("a read failed: %s %s" % (self.doing, error_code(e)), error_text(e))
        finally:
            self.close(cnxn)

    def close(self, cnxn):
        self.doing += ": close"
        try:
            cnxn.close()
        except pyodbc.Error as e:
            self.errors["close %s" % e.args[0]] += 1
            self.fail("closing a connection failed %s" % error_code(e), error_text(e))

    # ---- autocommit inserts
    def insert(self):
        seq = self.next_seq
        self.next_seq += 1
        key = (self.index + 1) * KEY_SPACE + seq
        self.doing = "insert: connect"
        cnxn = self.connect(True, "insert")
        if cnxn is None:
            self.insert_not_sent.append(key)  # the connect failed: the key must not be in the table
            return
        try:
            self.doing = "insert"
            cur = cnxn.cursor()
            if seq % 2 == 0:
                cur.execute("INSERT INTO %s (id, thread, seq, via) VALUES (?, ?, ?, 'param')" % T_INS,
                            key, self.index, seq)
            else:
                cur.execute("INSERT INTO %s (id, thread, seq, via) VALUES (%d, %d, %d, 'literal')"
                            % (T_INS, key, self.index, seq))
            cur.close()
            self.insert_ok.append(key)
        except pyodbc.Error as e:
            self.record("insert", e)
            self.insert_unknown.append(key)
        finally:
            self.close(cnxn)

    # ---- manual-commit transactions
    def transaction(self):
        txn = {"id": (self.index + 1) * KEY_SPACE + self.next_txn, "outcome": "rolled_back",
               "mode": ("stop", "commit_anyway", "carry_on")[self.random.randrange(3)], "broken": False}
        self.next_txn += 1
        self.doing = "transaction: connect"
        cnxn = self.connect(False, "txn")
        if cnxn is None:
            self.txns.append(txn)
            return
        try:
            cur = cnxn.cursor()
            end_with_commit = True
            for part in (1, 2, 3):
                self.doing = "transaction: insert %d" % part
                try:
                    if (txn["id"] + part) % 2 == 0:
                        cur.execute("INSERT INTO %s (txn_id, part, thread) VALUES (?, ?, ?)" % T_TXN,
                                    txn["id"], part, self.index)
                    else:
                        cur.execute("INSERT INTO %s (txn_id, part, thread) VALUES (%d, %d, %d)"
                                    % (T_TXN, txn["id"], part, self.index))
                except pyodbc.Error as e:
                    self.record("txn-insert", e, in_transaction=True)
                    txn["broken"] = True
                if txn["broken"] and txn["mode"] == "stop":
                    end_with_commit = False
                if txn["broken"] and txn["mode"] != "carry_on":
                    break
            if end_with_commit:
                self.doing = "transaction: COMMIT"
                try:
                    cnxn.commit()
                    txn["outcome"] = "committed"
                except pyodbc.Error as e:
                    meaning = self.record("COMMIT", e, at_commit=True, in_transaction=True)
                    txn["outcome"] = "refused" if meaning == "commit_refused" else "unknown"
                    if self.random.randrange(2) == 0:
                        self.rollback(cnxn)
            else:
                self.rollback(cnxn)
        finally:
            self.txns.append(txn)
            self.close(cnxn)

    def rollback(self, cnxn):
        self.doing = "transaction: ROLLBACK"
        try:
            cnxn.rollback()
        except pyodbc.Error as e:
            self.errors["ROLLBACK %s" % e.args[0]] += 1
            self.fail("ROLLBACK failed %s" % error_code(e), error_text(e))


def direct_connect():
    deadline = time.monotonic() + 60
    while True:
        try:
            return pyodbc.connect("DSN=" + ARGS.direct, autocommit=True)
        except pyodbc.Error:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def setup():
    cnxn = direct_connect()
    cur = cnxn.cursor()
    for t in (T_INS, T_TXN, T_REF):
        cur.execute("DROP TABLE IF EXISTS %s" % t)
    # No unique constraint on the keys: a write applied twice must show as a duplicate.
    cur.execute("CREATE TABLE %s (id BIGINT NOT NULL, thread INT NOT NULL, seq INT NOT NULL, "
                "via VARCHAR(10) NOT NULL)" % T_INS)
    cur.execute("CREATE TABLE %s (txn_id BIGINT NOT NULL, part INT NOT NULL, thread INT NOT NULL)" % T_TXN)
    cur.execute("CREATE TABLE %s (id INT NOT NULL, payload VARCHAR(40) NOT NULL)" % T_REF)
    cur.execute("INSERT INTO %s (id, payload) VALUES %s"
                % (T_REF, ", ".join("(%d, 'ref-%04d')" % (i, i) for i in range(1, REF_ROWS + 1))))
    cnxn.close()


def check_pooling():
    """Consecutive connect/close cycles through the pool reuse one server session."""
    sql = "SELECT pg_backend_pid()" if ARGS.backend == "pg" else "SELECT CONNECTION_ID()"
    sessions = set()
    for _ in range(10):
        cnxn = pyodbc.connect("DSN=" + ARGS.dsn, autocommit=True)
        sessions.add(cnxn.cursor().execute(sql).fetchone()[0])
        cnxn.close()
    return len(sessions)


def count_lines(needle):
    try:
        with open(LOG, encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if needle in line)
    except OSError:
        return 0


def main():
    t0 = time.monotonic()
    print("chaos pyodbc %s: %d threads through %s (pooled) for %d s, seed %d (ORT_CHAOS_SEED to repeat), "
          "odbc-retry log %s" % (ARGS.backend, ARGS.threads, ARGS.dsn, ARGS.seconds, ARGS.seed, LOG), flush=True)
    try:
        setup()
    except pyodbc.Error as e:
        print("chaos_pyodbc: setup failed: %s" % (e,), file=sys.stderr)
        return 2
    seen, held = Problems(), Problems()  # by the application during the run; in the database afterwards
    sessions = check_pooling()
    print("chaos pyodbc %s: pooling check: 10 connects used %d server session(s)" % (ARGS.backend, sessions),
          flush=True)
    if sessions != 1:
        seen.add("unixODBC pooling is not in effect", "10 consecutive connects used %d sessions" % sessions)

    stop = threading.Event()
    workers = [Worker(i, stop) for i in range(ARGS.threads)]
    killer = subprocess.Popen(["/bin/bash", ARGS.killer, ARGS.backend, str(ARGS.seconds), str(ARGS.seed)])
    for w in workers:
        w.start()
    status = 0
    if killer.wait() != 0:
        seen.add("the killer failed", "status %d" % killer.returncode)
    stop.set()
    print("chaos pyodbc %s: the killer stopped at +%.1f s; waiting for the workers"
          % (ARGS.backend, time.monotonic() - t0), flush=True)
    hang_limit = time.monotonic() + 90
    for w in workers:
        w.join(max(0.0, hang_limit - time.monotonic()))
    busy = [w for w in workers if w.is_alive()]
    if busy:
        print("FAIL: %d worker(s) still busy 90 s after the killer stopped:" % len(busy))
        for w in busy:
            print("  thread %d: %s" % (w.index, w.doing))
        sys.stdout.flush()
        shutil.rmtree(POOL_DIR, ignore_errors=True)
        os._exit(1)  # the stuck threads cannot be joined
    workload_seconds = time.monotonic() - t0

    insert_told, txn_told = {}, {}
    errors = collections.Counter()
    reads = 0
    for w in workers:
        reads += w.reads
        insert_told.update((k, "ok") for k in w.insert_ok)
        insert_told.update((k, "unknown") for k in w.insert_unknown)
        insert_told.update((k, "not_sent") for k in w.insert_not_sent)
        txn_told.update((t["id"], t) for t in w.txns)
        errors.update(w.errors)
        seen.merge(w.problems)

    cnxn = direct_connect()
    cur = cnxn.cursor()
    ins_count = {r[0]: r[1] for r in cur.execute("SELECT id, count(*) FROM %s GROUP BY id" % T_INS).fetchall()}
    txn_count = {r[0]: (r[1], r[2]) for r in
                 cur.execute("SELECT txn_id, count(*), count(DISTINCT part) FROM %s GROUP BY txn_id" % T_TXN)}
    cnxn.close()

    ok = unknown = unknown_present = not_sent = 0
    for key, how in insert_told.items():
        n = ins_count.get(key, 0)
        if how == "not_sent":
            not_sent += 1
            if n:
                held.add("an insert whose connect failed is in the table", "key %d: %d time(s)" % (key, n))
        elif how == "ok":
            ok += 1
            if n != 1:
                held.add("an acknowledged insert is in the table %s" % ("0 times (lost)" if n == 0 else "more than once"),
                         "key %d: %d time(s)" % (key, n))
        else:
            unknown += 1
            unknown_present += n == 1
            if n > 1:
                held.add("an insert with an unknown outcome is in the table more than once", "key %d: %d times" % (key, n))
    for key, n in ins_count.items():
        if key not in insert_told:
            held.add("a key is in the table that was never inserted", "key %d: %d time(s)" % (key, n))

    outcomes = collections.Counter()
    modes = collections.Counter()
    unknown_txn_present = broken = broken_ack = 0
    for tid, t in txn_told.items():
        outcomes[t["outcome"]] += 1
        if t["broken"]:
            broken += 1
            modes[t["mode"]] += 1
            broken_ack += t["outcome"] == "committed"
        rows, parts = txn_count.get(tid, (0, 0))
        told_text = {"committed": "COMMIT acknowledged", "refused": "COMMIT refused",
                     "unknown": "COMMIT outcome unknown", "rolled_back": "rolled back"}[t["outcome"]]
        if t["broken"]:
            told_text += ", after a failed statement, then " + t["mode"].replace("_", "-")
        example = "transaction %d: %d row(s), %d distinct part(s)" % (tid, rows, parts)
        if rows != 0 and not (rows == 3 and parts == 3):
            held.add("a transaction is partly present (%s)" % told_text, example)
            continue
        present = rows == 3
        if t["outcome"] == "committed" and not present:
            held.add("a false acknowledgement: the transaction is absent (%s)" % told_text, example)
        elif t["outcome"] in ("refused", "rolled_back") and present:
            held.add("the transaction is present (%s)" % told_text, example)
        elif t["outcome"] == "unknown" and present:
            unknown_txn_present += 1
    for tid, (rows, _) in txn_count.items():
        if tid not in txn_told:
            held.add("a transaction is in the table that was never started", "transaction %d: %d row(s)" % (tid, rows))

    print()
    print("chaos pyodbc %s: %.1f s of workload (%d threads, pooled connections)"
          % (ARGS.backend, workload_seconds, ARGS.threads))
    print("  reads            %d" % reads)
    print("  inserts          %d attempted: %d acknowledged, %d outcome unknown (%d of them in the table), "
          "%d not run (connect failed)" % (len(insert_told), ok, unknown, unknown_present, not_sent))
    print("  transactions     %d: %d committed, %d refused, %d outcome unknown (%d of them in the table), "
          "%d rolled back" % (len(txn_told), outcomes["committed"], outcomes["refused"], outcomes["unknown"],
                              unknown_txn_present, outcomes["rolled_back"]))
    print("                   %d with a failed statement (then: %d stop+rollback, %d commit anyway, "
          "%d carry on+commit), %d of those acknowledged"
          % (broken, modes["stop"], modes["commit_anyway"], modes["carry_on"], broken_ack))
    print("  errors seen by the application:%s" % ("" if errors else " none"))
    for k in sorted(errors):
        print("    %-50s %d" % (k, errors[k]))
    print("  odbc-retry log: %d lost, %d recovered, %d recovery failures, %d replays, %d refusals, "
          "%d COMMITs not acknowledged"
          % (count_lines("lost ("), count_lines("recovered connection"), count_lines("recovery of"),
             count_lines("after recovery:"), count_lines("replay refused"), count_lines("not acknowledged")))
    seen.print("seen by the application during the run")
    held.print("in the database afterwards")
    if seen.total() or held.total():
        status = 1
    print("chaos pyodbc %s: %s in %.1f s" % (ARGS.backend, "PASS" if status == 0 else "FAIL", time.monotonic() - t0))
    return status


if __name__ == "__main__":
    rc = 2
    try:
        rc = main()
    finally:
        shutil.rmtree(POOL_DIR, ignore_errors=True)
    sys.exit(rc)
