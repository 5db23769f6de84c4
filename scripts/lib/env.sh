# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# The project's runtime environment. Sourced (never executed) by the scripts in scripts/ and by
# tests; it only sets and exports variables, so it is safe under `set -euo pipefail`.
#
#   ORT_ROOT          repo root (found from this file's location)
#   ORT_BUILD         build directory               (default $ORT_ROOT/build)
#   ORT_RUN           servers, ini files, password  (default $ORT_ROOT/.run)
#   ODBCSYSINI        $ORT_RUN (holds odbcinst.ini) -- never the system's files
#   ODBCINI           $ORT_RUN/odbc.ini
#   ORT_DB_USER       odbc
#   ORT_DB_NAME       odbcretry
#   ORT_SQLITE_DB     $ORT_RUN/sqlite/test.db
#   ORT_DB_PASSWORD   contents of $ORT_RUN/password      (when the file exists)
#   ORT_PG_PORT       contents of $ORT_RUN/pg.port       (when the file exists)
#   ORT_MARIADB_PORT  contents of $ORT_RUN/mariadb.port  (when the file exists)

ORT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
export ORT_ROOT

# Relative overrides are taken relative to the current directory, then made absolute.
_ort_abs() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
ORT_BUILD=$(_ort_abs "${ORT_BUILD:-$ORT_ROOT/build}")
ORT_RUN=$(_ort_abs "${ORT_RUN:-$ORT_ROOT/.run}")
unset -f _ort_abs
export ORT_BUILD ORT_RUN

export ODBCSYSINI=$ORT_RUN
export ODBCINI=$ORT_RUN/odbc.ini
export ORT_DB_USER=odbc
export ORT_DB_NAME=odbcretry
export ORT_SQLITE_DB=$ORT_RUN/sqlite/test.db

if [[ -r $ORT_RUN/password ]]; then
  ORT_DB_PASSWORD=$(<"$ORT_RUN/password")
  export ORT_DB_PASSWORD
fi
if [[ -r $ORT_RUN/pg.port ]]; then
  ORT_PG_PORT=$(<"$ORT_RUN/pg.port")
  export ORT_PG_PORT
fi
if [[ -r $ORT_RUN/mariadb.port ]]; then
  ORT_MARIADB_PORT=$(<"$ORT_RUN/mariadb.port")
  export ORT_MARIADB_PORT
fi
