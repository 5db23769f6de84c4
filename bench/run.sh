#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds odbc_retry_bench (Release, in build-bench/) and runs it: odbc-retry against the SQLite
# ODBC driver alone, side by side in one process, with the ratio retry/direct per case at the end.
#   bench/run.sh                 1,000,000 rows, 100,000 executions, median of 7 rounds (~1-2 min)
#   bench/run.sh --quick         100,000 rows, 10,000 executions, 3 rounds (seconds; for CI)
#   bench/run.sh --rounds N      rounds to take the median over
#   bench/run.sh --no-build      run what is already built
#   bench/run.sh --dir DIR       build directory (default build-bench; relative: to the repo root)
#   bench/run.sh --callgrind     instructions instead of time: each case and side under valgrind
#                                at two sizes (10,000 and 20,000 rows; 2,500 and 5,000
#                                executions), ratio retry/direct and the marginal ratio per
#                                operation; exact on a busy machine, where timings cannot resolve 1%
#   bench/run.sh ... --backends=sqlite,pg,mariadb   which databases (default sqlite); pg and
#                                mariadb are the test servers: scripts/servers start first
#   bench/run.sh --recovery      instead: builds odbc_retry_recovery_bench and restarts the test
#                                PostgreSQL (scripts/pg stop/start) 5 times per side to time the
#                                first successful call after a restart, through odbc-retry and
#                                with psqlODBC alone (see bench/README.md); starts the test servers
#                                (scripts/servers start) when PostgreSQL is not running and leaves
#                                them as found. Other programs using that server see the restarts
#   bench/run.sh --recovery --restarts N --downtime MS   restarts per side; pause between stop
#                                and start (default 1000 ms)
#   bench/run.sh ... -- ARGS     more arguments for the benchmark, e.g. --benchmark_filter=a_
# Environment: ORT_JOBS (default 2); ORT_RUN (the temporary database and ini files go under it,
# and the callgrind profiles in $ORT_RUN/bench-callgrind); ORT_BENCH_CMAKE_ARGS (more cmake
# arguments, split on spaces); ORT_BENCH_RETRY_KEYS (odbc-retry keys for the retry DSN, e.g.
# OdbcRetryRecovery=no). The run does not fail when a ratio is above its goal (timings on a shared machine
# are no test); it fails on errors.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"

usage() { sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//p}' "${BASH_SOURCE[0]}"; }

dir=build-bench build=1 callgrind="" recovery=""
bench_args=() recovery_args=()
while (($#)); do
  case $1 in
    --quick)
      bench_args+=(--quick)
      shift
      ;;
    --rounds)
      (($# >= 2)) || die "--rounds needs a number"
      bench_args+=("--rounds=$2")
      shift 2
      ;;
    --rounds=* | --backends=*)
      bench_args+=("$1")
      shift
      ;;
    --callgrind)
      callgrind=1
      shift
      ;;
    --recovery)
      recovery=1
      shift
      ;;
    --restarts | --downtime)
      (($# >= 2)) || die "$1 needs a number"
      recovery_args+=("$1=$2")
      shift 2
      ;;
    --restarts=* | --downtime=*)
      recovery_args+=("$1")
      shift
      ;;
    --no-build)
      build=""
      shift
      ;;
    --dir)
      (($# >= 2)) || die "--dir needs a directory"
      dir=$2
      shift 2
      ;;
    --dir=*)
      dir=${1#*=}
      shift
      ;;
    --)
      shift
      bench_args+=("$@")
      break
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option '$1'"
      ;;
  esac
done
[[ $dir == /* ]] || dir=$ORT_ROOT/$dir
target=odbc_retry_bench
if [[ -n $recovery ]]; then
  target=odbc_retry_recovery_bench
  [[ -z $callgrind ]] || die "--callgrind does not go with --recovery"
  bench_args=("${recovery_args[@]}" "${bench_args[@]}")
else
  ((${#recovery_args[@]} == 0)) || die "--restarts and --downtime go with --recovery"
fi

if [[ -n $build ]]; then
  command -v cmake >/dev/null || die "cmake not found (run scripts/deps)"
  # shellcheck disable=SC2206 # split on purpose
  extra=(${ORT_BENCH_CMAKE_ARGS:-})
  info "configure $dir (Release)"
  cmake -S "$ORT_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DODBC_RETRY_BUILD_TESTS=OFF \
    -DODBC_RETRY_BUILD_BENCH=ON "${extra[@]}" >/dev/null || die "cmake configure failed"
  info "build $target (-j${ORT_JOBS:-2})"
  log=$dir/$target.build.log
  if ! cmake --build "$dir" -j"${ORT_JOBS:-2}" --target "$target" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "build failed (whole log: $log)"
  fi
fi
bench=$dir/bench/$target
[[ -x $bench ]] || die "$bench is not built (drop --no-build)"

mkdir -p "$ORT_RUN"

# Instructions executed in run_case (one warm-up and one counted run of the case; connections
# are opened and data made before, outside it) for each case and side, at two workload sizes.
# The marginal ratio compares what the extra work costs on each side, (retry at the large size -
# retry at the small) / (direct large - direct small): fixed costs (the first prepare, bindings,
# the warm-up's first calls) cancel out, leaving the cost per operation.
run_callgrind() {
  command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
  local out=$ORT_RUN/bench-callgrind case side size log collected
  local -A sizes=([small]="--rows=10000 --executions=2500" [large]="--rows=20000 --executions=5000")
  local -A ir=()
  mkdir -p "$out"
  local cases
  cases=$("$bench" --rounds=1 --rows=10 --executions=10 "${bench_args[@]}" \
    --benchmark_list_tests=true 2>/dev/null | sed -n 's|^\([^/]*\)/direct/round:0/.*$|\1|p')
  [[ -n $cases ]] || die "$bench listed no cases"
  printf '%-24s %14s %14s %14s %14s %8s %9s\n' case "direct Ir" "retry Ir" "direct Ir 2x" \
    "retry Ir 2x" ratio marginal
  for case in $cases; do
    for size in small large; do
      for side in direct retry; do
        log=$out/$case.$side.$size.log
        # shellcheck disable=SC2086 # the sizes are two options
        valgrind --tool=callgrind --callgrind-out-file="$out/$case.$side.$size.out" \
          --toggle-collect='*run_case*' "$bench" --rounds=1 ${sizes[$size]} "${bench_args[@]}" \
          --benchmark_filter="^$case/$side/" >"$log" 2>&1 || die "valgrind run failed, see $log"
        collected=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
        [[ -n $collected ]] || die "no instruction count in $log"
        ir[$side.$size]=$collected
      done
    done
    printf '%-24s %14d %14d %14d %14d %8s %9s\n' "$case" "${ir[direct.small]}" \
      "${ir[retry.small]}" "${ir[direct.large]}" "${ir[retry.large]}" \
      "$(awk -v r="${ir[retry.large]}" -v d="${ir[direct.large]}" 'BEGIN { printf "%.4f", r / d }')" \
      "$(awk -v r1="${ir[retry.small]}" -v r2="${ir[retry.large]}" -v d1="${ir[direct.small]}" \
        -v d2="${ir[direct.large]}" 'BEGIN { if (d2 > d1) printf "%.4f", (r2 - r1) / (d2 - d1); else print "n/a" }')"
  done
  info "ratio: retry/direct at the large size; marginal: (retry 2x - retry) / (direct 2x - direct)"
  info "profiles: $out/<case>.<side>.<size>.out (callgrind_annotate; callgrind merges functions of the same name, e.g. the driver manager's SQLFetch and ours)"
}
if [[ -n $callgrind ]]; then
  run_callgrind
  exit 0
fi

# PostgreSQL restarted under odbc_retry_recovery_bench. The servers are started when PostgreSQL
# is not running (or no odbc.ini names it) and stopped again at the end; PostgreSQL is started
# again at the end if the run left it down (the program does so itself, unless it was killed).
# Globals, not locals: the EXIT trap reads them after run_recovery has returned.
scripts=$ORT_ROOT/scripts pg_was_up="" maria_was_up="" started=""
# shellcheck disable=SC2317 # called by the trap
leave_as_found() {
  if [[ -n $pg_was_up ]]; then
    "$scripts/pg" status >/dev/null 2>&1 || "$scripts/pg" start || warn "PostgreSQL did not start again"
  elif [[ -n $started ]]; then
    "$scripts/pg" stop || true
  fi
  if [[ -n $started && -z $maria_was_up ]]; then "$scripts/mariadb" stop || true; fi
}
run_recovery() {
  local rc=0
  "$scripts/pg" status >/dev/null 2>&1 && pg_was_up=1
  "$scripts/mariadb" status >/dev/null 2>&1 && maria_was_up=1
  trap leave_as_found EXIT
  if [[ -z $pg_was_up ]] || ! grep -qs '^\[pg_direct\]' "$ODBCINI"; then
    info "starting the test servers (scripts/servers start)"
    started=1
    "$scripts/servers" start
  fi
  info "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine skews timings)"
  "$bench" "${bench_args[@]}" || rc=$?
  return "$rc"
}
if [[ -n $recovery ]]; then
  run_recovery
  exit 0
fi

info "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine skews timings)"
exec "$bench" "${bench_args[@]}"
