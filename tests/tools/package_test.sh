#!/usr/bin/env bash
# The packages, installed for real: builds a tree configured for /usr, makes the .deb, .rpm and
# .tar.gz with CPack, checks their metadata, installs the .deb with dpkg into this machine,
# checks that `odbcinst -q -d` lists "ODBC Retry" and that isql connects through a DSN wrapped
# with the installed `odbc-retry wrap`, reinstalls (the upgrade path), removes and purges it, and
# checks that the registration is gone and that odbc.ini was never touched.
#
# usage: tests/tools/package_test.sh [--build-dir DIR]
#   --build-dir DIR  where to configure and build (default: $ORT_BUILD/package-build); kept for
#                    the next run, which only rebuilds what changed
#
# Changes the system while it runs (as root): /usr/bin/odbc-retry, the driver library,
# /etc/odbcinst.ini, /etc/odbc-retry.ini. On exit, whatever happened, the package is purged and
# /etc/odbcinst.ini and /etc/odbc-retry.ini are put back as they were. Other tests use private
# ini files (ODBCSYSINI, ODBC_RETRY_CONFIG), so they may run meanwhile. Refuses to run when an
# odbc-retry package is already installed. Exit 77 (skipped) when not root or without dpkg.
# Needs the PostgreSQL server of scripts/servers (for the isql connect).
set -euo pipefail
# shellcheck source=scripts/lib/env.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/env.sh"

BUILD_DIR=$ORT_BUILD/package-build
while (($#)); do
  case $1 in
    --build-dir)
      BUILD_DIR=$2
      shift
      ;;
    -h | --help)
      awk 'NR == 1 { next } /^# shellcheck/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
      exit 0
      ;;
    *)
      echo "package_test.sh: unknown argument '$1'" >&2
      exit 2
      ;;
  esac
  shift
done

PASSED=0 FAILED=0
step() { printf '\n== %s\n' "$*"; }
ok() {
  PASSED=$((PASSED + 1))
  printf 'ok    %s\n' "$*"
}
bad() {
  FAILED=$((FAILED + 1))
  printf 'FAIL  %s\n' "$*"
}
check() { # check DESCRIPTION COMMAND...
  local what=$1
  shift
  if "$@"; then ok "$what"; else bad "$what"; fi
}
die() {
  echo "package_test.sh: $*" >&2
  exit 1
}

if ((EUID != 0)); then
  echo "package_test.sh: skipped: installing a package needs root"
  exit 77
fi
for tool in dpkg dpkg-deb cpack cmake isql odbcinst; do
  command -v "$tool" >/dev/null || {
    echo "package_test.sh: skipped: $tool is not installed"
    exit 77
  }
done
[[ -n ${ORT_PG_PORT:-} && -n ${ORT_DB_PASSWORD:-} ]] ||
  die "ORT_PG_PORT/ORT_DB_PASSWORD are not set: start the servers (scripts/servers start)"
if dpkg-query -W -f='${db:Status-Status}' odbc-retry 2>/dev/null | grep -q installed; then
  die "an odbc-retry package is already installed; remove it first (dpkg -P odbc-retry)"
fi

WORK=$(mktemp -d /tmp/odbc-retry-package-test.XXXXXX)
SYSTEM_FILES=(/etc/odbcinst.ini /etc/odbc-retry.ini /etc/odbc.ini)
mkdir -p "$WORK/saved"
for f in "${SYSTEM_FILES[@]}"; do
  [[ -e $f ]] && cp -p "$f" "$WORK/saved/$(basename "$f")"
done
odbc_ini_sum=$(md5sum /etc/odbc.ini 2>/dev/null || true)

restore() {
  local rc=$?
  if dpkg-query -W -f='${db:Status-Status}' odbc-retry 2>/dev/null | grep -q .; then
    env -u ODBCSYSINI -u ODBCINI dpkg -P odbc-retry >/dev/null 2>&1 || true
  fi
  for f in "${SYSTEM_FILES[@]}"; do
    if [[ -e $WORK/saved/$(basename "$f") ]]; then
      cp -p "$WORK/saved/$(basename "$f")" "$f"
    else
      rm -f "$f"
    fi
  done
  rm -rf "$WORK"
  exit "$rc"
}
trap restore EXIT

# The system's files from here on: the package must not see the test environment's.
unset ODBCSYSINI ODBCINSTINI ODBC_RETRY_CONFIG ODBC_RETRY_STATE_DIR
export HOME=$WORK/home ODBCINI=$WORK/odbc.ini
mkdir -p "$HOME"

step "build (prefix /usr) and cpack"
t0=$(date +%s)
cmake -S "$ORT_ROOT" -B "$BUILD_DIR" -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DODBC_RETRY_BUILD_TESTS=OFF -DODBC_RETRY_BUILD_BENCH=OFF -DODBC_RETRY_BUILD_FUZZ=OFF >"$WORK/cmake.log" 2>&1 ||
  {
    tail -n 30 "$WORK/cmake.log"
    die "cmake failed"
  }
cmake --build "$BUILD_DIR" -j"$(nproc)" >"$WORK/build.log" 2>&1 || {
  tail -n 40 "$WORK/build.log"
  die "build failed"
}
rm -f "$BUILD_DIR"/odbc-retry*.deb "$BUILD_DIR"/odbc-retry*.rpm "$BUILD_DIR"/odbc-retry*.tar.gz
(cd "$BUILD_DIR" && cpack -G "DEB;RPM;TGZ") >"$WORK/cpack.log" 2>&1 || {
  tail -n 40 "$WORK/cpack.log"
  die "cpack failed"
}
echo "built in $(($(date +%s) - t0)) s"
DEB=$(ls "$BUILD_DIR"/odbc-retry_*.deb)
RPM=$(ls "$BUILD_DIR"/odbc-retry-*.rpm)
TGZ=$(ls "$BUILD_DIR"/odbc-retry-*.tar.gz)
ls -l "$DEB" "$RPM" "$TGZ"

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
LIB=/usr/lib/$MULTIARCH/odbc/libodbcretry.so

step ".deb metadata"
dpkg-deb -I "$DEB" >"$WORK/info"
dpkg-deb -c "$DEB" | awk '{ print $6 }' | sed 's|^\./|/|' >"$WORK/contents"
depends=$(dpkg-deb -f "$DEB" Depends)
echo "Depends: $depends"
for dep in 'unixodbc (>= 2.3)' libodbcinst2 libodbc2 libc6 libstdc++6; do
  check "Depends has $dep" grep -qF "$dep" <<<"$depends"
done
for dep in spdlog fmt inih; do
  check "Depends has no $dep (compiled in)" bash -c "! grep -q '$dep' <<<'$depends'"
done
for f in "$LIB" /usr/bin/odbc-retry /etc/odbc-retry.ini /usr/share/odbc-retry/templates/odbcinst.ini \
  /usr/share/doc/odbc-retry/README.md; do
  check "contains $f" grep -qxF "$f" "$WORK/contents"
done
check "conffiles lists /etc/odbc-retry.ini" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles | grep -qx /etc/odbc-retry.ini"
for script in postinst prerm postrm; do
  check "has $script" grep -q " $script" "$WORK/info"
done

step ".rpm and .tar.gz"
if command -v rpm >/dev/null; then
  check "rpm requires unixODBC" bash -c "rpm -qpR '$RPM' 2>/dev/null | grep -q '^unixODBC >= 2.3'"
  check "rpm %post registers" bash -c "rpm -qp --scripts '$RPM' 2>/dev/null | grep -q 'odbc-retry install --system'"
  check "rpm %preun unregisters on erase only" bash -c "rpm -qp --scripts '$RPM' 2>/dev/null | grep -q 'if \[ \"\$1\" = 0 \]'"
  check "rpm marks /etc/odbc-retry.ini %config" bash -c "rpm -qpc '$RPM' 2>/dev/null | grep -qx /etc/odbc-retry.ini"
  check "rpm has the library" bash -c "rpm -qpl '$RPM' 2>/dev/null | grep -qx '$LIB'"
fi
check "tar.gz has the command and the library" bash -c \
  "tar -tzf '$TGZ' | grep -q 'usr/bin/odbc-retry\$' && tar -tzf '$TGZ' | grep -q 'odbc/libodbcretry.so\$'"

step "dpkg -i"
before_drivers=$(odbcinst -q -d 2>/dev/null || true)
if dpkg -i --force-confold "$DEB" >"$WORK/dpkg-i.log" 2>&1; then ok "dpkg -i"; else
  cat "$WORK/dpkg-i.log"
  bad "dpkg -i"
fi
check "odbcinst -q -d lists ODBC Retry" bash -c "odbcinst -q -d | grep -qxF '[ODBC Retry]'"
check "registered with $LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$LIB'"
check "/etc/odbc-retry.ini has no active setting" bash -c "! grep -Eqv '^[[:space:]]*(;|#|$)' /etc/odbc-retry.ini"
check "odbc-retry --version" /usr/bin/odbc-retry --version

step "a DSN wrapped by the installed command, through isql"
cat >"$ODBCINI" <<EOF
[pkg_pg]
Description=package test
Driver=/usr/lib/$MULTIARCH/odbc/psqlodbcw.so
Servername=127.0.0.1
Port=$ORT_PG_PORT
Database=$ORT_DB_NAME
Username=$ORT_DB_USER
Password=$ORT_DB_PASSWORD
EOF
check "odbc-retry wrap pkg_pg" /usr/bin/odbc-retry wrap pkg_pg
check "pkg_pg is behind odbc-retry" grep -q '^TargetDSN=pkg_pg_target' "$ODBCINI"
echo "SELECT 40 + 2" | isql -b -v pkg_pg >"$WORK/isql.out" 2>&1 || true
check "isql connects through the wrapped DSN" grep -qw 42 "$WORK/isql.out" || cat "$WORK/isql.out"
check "odbc-retry check pkg_pg" /usr/bin/odbc-retry check pkg_pg
check "odbc-retry explain through the installed driver" bash -c \
  "/usr/bin/odbc-retry explain 08S01 --dsn pkg_pg --json | grep -q '\"family\": \"postgres\"'"

step "dpkg -i again (the upgrade path)"
if dpkg -i --force-confold "$DEB" >"$WORK/dpkg-i2.log" 2>&1; then ok "dpkg -i again"; else
  cat "$WORK/dpkg-i2.log"
  bad "dpkg -i again"
fi
check "registered once" bash -c "[ \"\$(grep -c '^\[ODBC Retry\]' /etc/odbcinst.ini)\" = 1 ]"
check "still registered with $LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$LIB'"

step "dpkg -r, dpkg -P"
if dpkg -r odbc-retry >"$WORK/dpkg-r.log" 2>&1; then ok "dpkg -r"; else
  cat "$WORK/dpkg-r.log"
  bad "dpkg -r"
fi
check "the registration is gone" bash -c "! odbcinst -q -d 2>/dev/null | grep -qxF '[ODBC Retry]'"
check "the command is gone" test ! -e /usr/bin/odbc-retry
check "the library is gone" test ! -e "$LIB"
check "the conffile stays after remove" test -e /etc/odbc-retry.ini
if dpkg -P odbc-retry >"$WORK/dpkg-p.log" 2>&1; then ok "dpkg -P"; else
  cat "$WORK/dpkg-p.log"
  bad "dpkg -P"
fi
check "the conffile is gone after purge" test ! -e /etc/odbc-retry.ini
after_drivers=$(odbcinst -q -d 2>/dev/null || true)
check "the other drivers are as before" test "$before_drivers" = "$after_drivers"
check "the system odbc.ini was not touched" test "$odbc_ini_sum" = "$(md5sum /etc/odbc.ini 2>/dev/null || true)"
check "the wrapped DSN is still in the user's odbc.ini" grep -q '^\[pkg_pg_target\]' "$ODBCINI"

echo
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
