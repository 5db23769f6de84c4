# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# Helpers shared by the scripts in scripts/ (not meant for tests: tests source env.sh).
# Sourcing this also sources env.sh.

# shellcheck source=scripts/lib/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

ORT_PROG=${0##*/}

info() { printf '%s: %s\n' "$ORT_PROG" "$*"; }
warn() { printf '%s: warning: %s\n' "$ORT_PROG" "$*" >&2; }
die() {
  printf '%s: error: %s\n' "$ORT_PROG" "$*" >&2
  exit 1
}

# Prints the comment block at the top of script $1 (after the shebang) as its help text.
print_help() {
  awk 'NR == 1 { next } /^# (shellcheck|SPDX-License-Identifier)/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"
}

# Milliseconds since the epoch, for timings.
now_ms() { date +%s%3N; }
# Formats a duration in milliseconds as seconds with one decimal: 1234 -> 1.2
fmt_secs() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

# True when something listens on TCP port $1 (any address).
port_in_use() { [[ -n $(ss -Hltn "( sport = :$1 )" 2>/dev/null) ]]; }

# Prints the port stored in file $1; picks a free loopback port first if there is none or if the
# stored one is taken by another program (then says so). Call it only while our server is down.
ensure_port() {
  local file=$1 port="" try other
  [[ -r $file ]] && port=$(<"$file")
  if [[ -n $port ]]; then
    if ! port_in_use "$port"; then
      printf '%s\n' "$port"
      return 0
    fi
    warn "port $port (from $file) is in use by another program; picking a new one"
  fi
  for ((try = 0; try < 100; try++)); do
    port=$((20000 + RANDOM % 10000))
    # keep PostgreSQL and MariaDB apart even while one of them is stopped
    for other in "$ORT_RUN"/*.port; do
      [[ -r $other && $other != "$file" && $(<"$other") == "$port" ]] && continue 2
    done
    port_in_use "$port" && continue
    mkdir -p "$(dirname "$file")"
    printf '%s\n' "$port" >"$file"
    printf '%s\n' "$port"
    return 0
  done
  die "found no free TCP port in 20000-29999"
}

# Creates $ORT_RUN/password once (random, alphanumeric) and exports ORT_DB_PASSWORD.
ensure_password() {
  local file=$ORT_RUN/password pw=""
  mkdir -p "$ORT_RUN"
  [[ -e $file && ! -s $file ]] && rm -f "$file"
  if [[ ! -e $file ]]; then
    while ((${#pw} < 12)); do
      pw+=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    done
    # link(2) is atomic and never overwrites: when two scripts race, both end up with the winner's
    (umask 077 && printf '%s\n' "$pw" >"$file.tmp.$$")
    ln "$file.tmp.$$" "$file" 2>/dev/null || true
    rm -f "$file.tmp.$$"
  fi
  ORT_DB_PASSWORD=$(<"$file")
  export ORT_DB_PASSWORD
}

# Unix socket paths are limited to 107 bytes: returns $1 if short enough, else a directory
# under /tmp derived from ORT_RUN (stable across calls).
short_dir() {
  local dir=$1 name=$2
  if ((${#dir} + 24 > 107)); then
    dir=/tmp/odbc-retry-$name-$(id -u)-$(printf '%s' "$ORT_RUN" | md5sum | cut -c1-8)
  fi
  printf '%s\n' "$dir"
}

# True when process $1 exists, is not a zombie, and (if given) its command name is $2. A server
# killed with SIGKILL stays a zombie until init reaps it, and kill -0 still succeeds on it.
pid_alive() {
  local pid=$1 comm=${2:-} stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  [[ -z $comm || $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != [ZX] ]]
}

# Runs "$@" every 0.2 s until it succeeds or $1 seconds passed. Returns 1 on timeout.
wait_for() {
  local secs=$1 deadline
  shift
  deadline=$(($(now_ms) + secs * 1000))
  until "$@" >/dev/null 2>&1; do
    (($(now_ms) < deadline)) || return 1
    sleep 0.2
  done
}
