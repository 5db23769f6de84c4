#!/usr/bin/env bash
# Builds odbc_retry_bench (Release, in build-bench/) and runs it: odbc-retry against the SQLite
# ODBC driver alone, side by side in one process, with the ratio retry/direct per case at the end.
#   bench/run.sh                 1,000,000 rows, 100,000 executions, median of 7 rounds (~1-2 min)
#   bench/run.sh --quick         100,000 rows, 10,000 executions, 3 rounds (seconds; for CI)
#   bench/run.sh --rounds N      rounds to take the median over
#   bench/run.sh --no-build      run what is already built
#   bench/run.sh --dir DIR       build directory (default build-bench; relative: to the repo root)
#   bench/run.sh --callgrind     instructions instead of time: each case and side once under
#                                valgrind (20,000 rows, 5,000 executions), ratio retry/direct;
#                                exact on a busy machine, where timings cannot resolve 1%
#   bench/run.sh ... -- ARGS     more arguments for odbc_retry_bench, e.g. --benchmark_filter=a_
# Environment: ORT_JOBS (default 2); ORT_RUN (the temporary database and ini files go under it,
# and the callgrind profiles in $ORT_RUN/bench-callgrind); ORT_BENCH_CMAKE_ARGS (more cmake
# arguments, split on spaces); ORT_BENCH_RETRY_KEYS (odbc-retry keys for the retry DSN, e.g.
# Recovery=no). The run does not fail when a ratio is above its goal (timings on a shared machine
# are no test); it fails on errors.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib/common.sh"

usage() { sed -n '2,17s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

dir=build-bench build=1 callgrind=""
bench_args=()
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
    --rounds=*)
      bench_args+=("$1")
      shift
      ;;
    --callgrind)
      callgrind=1
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

if [[ -n $build ]]; then
  command -v cmake >/dev/null || die "cmake not found (run scripts/deps)"
  # shellcheck disable=SC2206 # split on purpose
  extra=(${ORT_BENCH_CMAKE_ARGS:-})
  info "configure $dir (Release)"
  cmake -S "$ORT_ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DODBC_RETRY_BUILD_TESTS=OFF \
    -DODBC_RETRY_BUILD_BENCH=ON "${extra[@]}" >/dev/null || die "cmake configure failed"
  info "build odbc_retry_bench (-j${ORT_JOBS:-2})"
  log=$dir/odbc_retry_bench.build.log
  if ! cmake --build "$dir" -j"${ORT_JOBS:-2}" --target odbc_retry_bench >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    die "build failed (whole log: $log)"
  fi
fi
bench=$dir/bench/odbc_retry_bench
[[ -x $bench ]] || die "$bench is not built (drop --no-build)"

mkdir -p "$ORT_RUN"

# Instructions executed in run_case (one warm-up and one counted run of the case; connections
# are opened before, outside it) for each case and side, and their ratio.
run_callgrind() {
  command -v valgrind >/dev/null || die "valgrind not found (apt-get install valgrind)"
  local out=$ORT_RUN/bench-callgrind case side log collected
  local sizes=(--rounds=1 --rows=20000 --executions=5000)
  local -A ir=()
  mkdir -p "$out"
  local cases
  cases=$("$bench" "${sizes[@]}" --rows=10 --executions=10 --benchmark_list_tests=true 2>/dev/null |
    sed -n 's|^\([^/]*\)/direct/round:0/.*$|\1|p')
  [[ -n $cases ]] || die "$bench listed no cases"
  printf '%-22s %16s %16s %8s\n' case "direct Ir" "retry Ir" ratio
  for case in $cases; do
    for side in direct retry; do
      log=$out/$case.$side.log
      valgrind --tool=callgrind --callgrind-out-file="$out/$case.$side.out" \
        --toggle-collect='*run_case*' "$bench" "${sizes[@]}" "${bench_args[@]}" \
        --benchmark_filter="^$case/$side/" >"$log" 2>&1 || die "valgrind run failed, see $log"
      collected=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log")
      [[ -n $collected ]] || die "no instruction count in $log"
      ir[$side]=$collected
    done
    printf '%-22s %16d %16d %8s\n' "$case" "${ir[direct]}" "${ir[retry]}" \
      "$(awk -v r="${ir[retry]}" -v d="${ir[direct]}" 'BEGIN { printf "%.4f", r / d }')"
  done
  info "profiles: $out/<case>.<side>.out (callgrind_annotate; callgrind merges functions of the same name, e.g. the driver manager's SQLFetch and ours)"
}
if [[ -n $callgrind ]]; then
  run_callgrind
  exit 0
fi

info "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on the machine skews timings)"
exec "$bench" "${bench_args[@]}"
