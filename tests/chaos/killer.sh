#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The chaos tests' killer: for SECONDS seconds, kills sessions of the test user on one of the
# project's servers at random every 200-600 ms, and restarts that server a few times (2 or 3)
# at random moments spread over the run. Leaves the server running when it ends.
#
# usage: killer.sh pg|mariadb SECONDS [SEED]
#
# Each tick kills either every session of the user (scripts/pg kill-backends, scripts/mariadb
# kill-backends) or one to three sessions picked at random (pg_terminate_backend, KILL
# CONNECTION). A restart is the script's own restart (fast shutdown + start for PostgreSQL,
# SIGTERM + start for MariaDB). Prints one line per restart and a summary line at the end:
#   killer: done after 40.1 s: 97 kill rounds (61 all, 36 random), 3 restarts (down 0.6..2.4 s)
# The exit status is non-zero only when the server could not be started again.
#
# Environment: the project's (scripts/lib/env.sh; ORT_RUN picks the servers). The killer stops
# early when the process that started it is gone.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
scripts=$here/../../scripts
backend=${1:-}
seconds=${2:-}
seed=${3:-$$}
case $backend in
  pg | mariadb) ;;
  *)
    echo "usage: killer.sh pg|mariadb SECONDS [SEED]" >&2
    exit 2
    ;;
esac
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds == 0)); then
  echo "killer: SECONDS must be a positive integer, not '$seconds'" >&2
  exit 2
fi
RANDOM=$((seed % 32768))
parent=$PPID
user=${ORT_DB_USER:-odbc}

now_ms() { date +%s%3N; }
fmt_ms() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

t0=$(now_ms)
end=$((t0 + seconds * 1000))

# Restart moments: 2 or 3, one in each equal slice of the run (not in its first or last 10%).
restarts=$((2 + RANDOM % 2))
restart_at=()
span=$((seconds * 800 / restarts))
for ((i = 0; i < restarts; i++)); do
  restart_at+=($((t0 + seconds * 100 + i * span + RANDOM * span / 32768)))
done

kill_all() { "$scripts/$backend" kill-backends >/dev/null 2>&1; }

kill_random() {
  local n=$((1 + RANDOM % 3)) ids id
  if [[ $backend == pg ]]; then
    "$scripts/pg" psql -X -q -At -v ON_ERROR_STOP=1 -c "SELECT count(pg_terminate_backend(pid))
       FROM (SELECT pid FROM pg_stat_activity
              WHERE usename = '$user' AND backend_type = 'client backend'
              ORDER BY random() LIMIT $n) s" >/dev/null 2>&1
  else
    ids=$("$scripts/mariadb" sql -N -B -e "SELECT ID FROM information_schema.PROCESSLIST
             WHERE USER = '$user' AND ID <> CONNECTION_ID() ORDER BY RAND() LIMIT $n" 2>/dev/null) || return 1
    for id in $ids; do
      # the session may have ended meanwhile ("Unknown thread id"): not a failure
      "$scripts/mariadb" sql -e "KILL CONNECTION $id" >/dev/null 2>&1
    done
    return 0
  fi
}

rounds=0 all=0 random=0 done_restarts=0 failed_rounds=0 down_min="" down_max=0 status=0
next=0
while :; do
  now=$(now_ms)
  ((now < end)) || break
  kill -0 "$parent" 2>/dev/null || {
    echo "killer: the test process is gone; stopping"
    break
  }
  if ((next < restarts && now >= restart_at[next])); then
    next=$((next + 1))
    t=$(now_ms)
    if "$scripts/$backend" restart >/dev/null 2>&1; then
      d=$(($(now_ms) - t))
      done_restarts=$((done_restarts + 1))
      ((d > down_max)) && down_max=$d
      [[ -z $down_min || $d -lt $down_min ]] && down_min=$d
      echo "killer: +$(fmt_ms $((t - t0))) s restart $done_restarts of $backend took $(fmt_ms "$d") s"
    else
      echo "killer: +$(fmt_ms $((t - t0))) s restart of $backend FAILED; starting it again"
      "$scripts/$backend" start >/dev/null 2>&1 || status=1
    fi
    continue
  fi
  # 200..600 ms between kills
  sleep "0.$((200 + RANDOM % 401))" 2>/dev/null || sleep 0.4
  (($(now_ms) < end)) || break
  rounds=$((rounds + 1))
  if ((RANDOM % 10 < 6)); then
    if kill_all; then all=$((all + 1)); else failed_rounds=$((failed_rounds + 1)); fi
  else
    if kill_random; then random=$((random + 1)); else failed_rounds=$((failed_rounds + 1)); fi
  fi
done

# The run ends with the server up, whatever happened.
if ! "$scripts/$backend" status >/dev/null 2>&1; then
  "$scripts/$backend" start >/dev/null 2>&1 || status=1
fi
echo "killer: done after $(fmt_ms $(($(now_ms) - t0))) s: $rounds kill rounds ($all all, $random random," \
  "$failed_rounds failed), $done_restarts restarts (down ${down_min:-0}..${down_max} ms), seed $seed"
((status == 0)) || echo "killer: the $backend server could not be started again" >&2
exit "$status"
