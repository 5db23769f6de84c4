#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The packages, installed for real: builds a tree with the default prefix (the packages install
# under /usr whatever it is), makes the .deb, .rpm and .tar.gz with CPack and a second .deb and
# .rpm with a higher release (the upgrade), and checks
#   - the .deb's control fields (no ';' in the Description, Homepage, Section, Depends on odbcinst
#     and unixodbc, nothing on what is compiled in), its file list (the library under
#     /usr/lib/<multiarch>/odbc, no .so symlink, /etc/odbc-retry.ini the only conffile, copyright
#     and changelog.Debian.gz) and lintian (no error; warnings are printed);
#   - the .rpm's header (License: Apache-2.0, URL, Group, the description, %changelog), its file
#     list (the library under /usr/lib64/odbc, %config /etc/odbc-retry.ini, %license) and
#     rpmlint (no error);
#   - dpkg -i (registered as "ODBC Retry", isql through a DSN wrapped by the installed command),
#     the upgrade (an edited conffile kept, registered once, no warning), dpkg -r (a warning that
#     names the wrapped DSN and the driver made by `wrap --driver`, the registration, command and
#     library gone, the conffile kept), dpkg -P (the conffile gone);
#   - the same cycle for the .rpm with rpm -i, -U and -e, in this machine's root with a private
#     rpm database (--dbpath, --nodeps: Debian's rpm knows none of the dependencies), so %post
#     and %preun run the installed command for real.
#
# usage: tests/tools/package_test.sh [--build-dir DIR]
#   --build-dir DIR  where to configure and build (default: $ORT_BUILD/package-build); kept for
#                    the next run, which only rebuilds what changed
#
# Changes the system while it runs (as root): /usr/bin/odbc-retry, the driver library,
# /etc/odbcinst.ini, /etc/odbc.ini, /etc/odbc-retry.ini. On exit, whatever happened, the packages
# are removed and those files are put back as they were. Other tests use private ini files
# (ODBCSYSINI, ODBC_RETRY_CONFIG), so they may run meanwhile. Refuses to run when odbc-retry is
# already installed. Exit 77 (skipped) when not root or without dpkg, rpm, lintian or rpmlint.
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
      awk 'NR == 1 { next } /^# (shellcheck|SPDX-License-Identifier)/ { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"
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
for tool in dpkg dpkg-deb cpack cmake isql odbcinst rpm lintian rpmlint; do
  command -v "$tool" >/dev/null || {
    echo "package_test.sh: skipped: $tool is not installed (scripts/deps installs it)"
    exit 77
  }
done
[[ -n ${ORT_PG_PORT:-} && -n ${ORT_DB_PASSWORD:-} ]] ||
  die "ORT_PG_PORT/ORT_DB_PASSWORD are not set: start the servers (scripts/servers start)"
if dpkg-query -W -f='${db:Status-Status}' odbc-retry 2>/dev/null | grep -q installed; then
  die "an odbc-retry package is already installed; remove it first (dpkg -P odbc-retry)"
fi
[[ -e /usr/bin/odbc-retry ]] && die "/usr/bin/odbc-retry exists (installed by hand?); remove it first"

WORK=$(mktemp -d /tmp/odbc-retry-package-test.XXXXXX)
RPMDB=$WORK/rpmdb
SYSTEM_FILES=(/etc/odbcinst.ini /etc/odbc-retry.ini /etc/odbc.ini)
mkdir -p "$WORK/saved" "$RPMDB"
for f in "${SYSTEM_FILES[@]}"; do
  [[ -e $f ]] && cp -p "$f" "$WORK/saved/$(basename "$f")"
done

LINTIAN_PID=""
restore() {
  local rc=$?
  if [[ -n $LINTIAN_PID ]]; then
    kill "$LINTIAN_PID" 2>/dev/null || true
    wait "$LINTIAN_PID" 2>/dev/null || true
  fi
  if dpkg-query -W -f='${db:Status-Status}' odbc-retry 2>/dev/null | grep -q .; then
    env -u ODBCSYSINI -u ODBCINI dpkg -P odbc-retry >/dev/null 2>&1 || true
  fi
  if rpm --dbpath "$RPMDB" -q odbc-retry >/dev/null 2>&1; then
    env -u ODBCSYSINI -u ODBCINI rpm --dbpath "$RPMDB" -e --nodeps odbc-retry >/dev/null 2>&1 || true
  fi
  for f in "${SYSTEM_FILES[@]}"; do
    if [[ -e $WORK/saved/$(basename "$f") ]]; then
      cp -p "$WORK/saved/$(basename "$f")" "$f"
    else
      rm -f "$f"
    fi
  done
  rm -f /etc/odbc-retry.ini.rpmsave /etc/odbc-retry.ini.rpmnew
  rmdir /usr/lib64/odbc /usr/share/licenses/odbc-retry 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap restore EXIT

# The system's files from here on: the packages must not see the test environment's.
unset ODBCSYSINI ODBCINSTINI ODBC_RETRY_CONFIG ODBC_RETRY_STATE_DIR
export HOME=$WORK/home ODBCINI=$WORK/odbc.ini
mkdir -p "$HOME"

step "build (default prefix) and cpack"
t0=$(date +%s)
cmake -S "$ORT_ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
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
# The upgrade: the same build packaged again with a later release.
(cd "$BUILD_DIR" && cpack -G "DEB;RPM" -B "$WORK/next" -D CPACK_DEBIAN_PACKAGE_RELEASE=99 \
  -D CPACK_RPM_PACKAGE_RELEASE=99) >"$WORK/cpack-next.log" 2>&1 || {
  tail -n 40 "$WORK/cpack-next.log"
  die "cpack (the next release) failed"
}
echo "built in $(($(date +%s) - t0)) s"
DEB=$(ls "$BUILD_DIR"/odbc-retry_*.deb)
RPM=$(ls "$BUILD_DIR"/odbc-retry-*.rpm)
TGZ=$(ls "$BUILD_DIR"/odbc-retry-*.tar.gz)
DEB_NEXT=$(ls "$WORK"/next/odbc-retry_*.deb)
RPM_NEXT=$(ls "$WORK"/next/odbc-retry-*.rpm)
ls -l "$DEB" "$RPM" "$TGZ" "$DEB_NEXT" "$RPM_NEXT"

# lintian takes half a minute or more: it checks the .deb while the steps below run, and its
# result is checked at the end. --fail-on error: warnings are printed (each one is fixed,
# overridden with its reason in packaging/deb/lintian-overrides, or explained in
# docs/operations.md); errors fail the test.
(
  rc=0
  lintian --fail-on error --display-level '>=warning' --show-overrides "$DEB" >"$WORK/lintian.log" 2>&1 || rc=$?
  echo "$rc" >"$WORK/lintian.rc"
) &
LINTIAN_PID=$!

MULTIARCH=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
LIB=/usr/lib/$MULTIARCH/odbc/libodbcretry.so
RPM_LIB=/usr/lib64/odbc/libodbcretry.so
WARNING='warning: these still go through odbc-retry'

step ".deb control fields"
dpkg-deb -f "$DEB" | tee "$WORK/control"
field() { dpkg-deb -f "$DEB" "$1"; }
depends=$(field Depends)
for dep in odbcinst 'unixodbc (>= 2.3)' libodbcinst2 libodbc2 libc6 libstdc++6; do
  check "Depends has $dep" grep -qF "$dep" <<<"$depends"
done
for dep in spdlog fmt inih; do
  check "Depends has no $dep (compiled in)" bash -c "! grep -q '$dep' <<<'$depends'"
done
check "Version is <project version>-<release>" grep -Eqx '[0-9]+\.[0-9]+\.[0-9]+-[0-9]+' <<<"$(field Version)"
check "Section: database" test "$(field Section)" = database
check "Priority: optional" test "$(field Priority)" = optional
check "Homepage is set" grep -Eq '^https?://' <<<"$(field Homepage)"
check "the Description has no ';' (a CMake list)" bash -c "! dpkg-deb -f '$DEB' Description | grep -q ';'"
check "the Description has a summary and a long text" test "$(field Description | wc -l)" -gt 3
check "the Description's paragraphs are separated by ' .'" grep -qx ' \.' <(field Description)

step ".deb file list"
dpkg-deb -c "$DEB" >"$WORK/listing"
awk '{ print $6 }' "$WORK/listing" | sed 's|^\./|/|; s|/$||' >"$WORK/contents"
for f in "$LIB" /usr/bin/odbc-retry /etc/odbc-retry.ini /usr/share/odbc-retry/templates/odbcinst.ini \
  /usr/share/doc/odbc-retry/README.md /usr/share/doc/odbc-retry/copyright \
  /usr/share/doc/odbc-retry/changelog.Debian.gz /usr/share/man/man1/odbc-retry.1.gz; do
  check "contains $f" grep -qxF "$f" "$WORK/contents"
done
check "nothing under /usr/local" bash -c "! grep -q '^/usr/local' '$WORK/contents'"
check "only /etc and /usr" bash -c "! grep -Ev '^(|/etc|/etc/.*|/usr|/usr/.*)\$' '$WORK/contents'"
check "one .so file and no symlink" bash -c \
  "[ \"\$(grep -c '\\.so' '$WORK/contents')\" = 1 ] && ! grep -q '^l' '$WORK/listing'"
check "conffiles is /etc/odbc-retry.ini alone" bash -c \
  "[ \"\$(dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./conffiles)\" = /etc/odbc-retry.ini ]"
check "the copyright file is DEP-5 and names Apache-2.0" bash -c \
  "dpkg-deb --fsys-tarfile '$DEB' | tar -xO ./usr/share/doc/odbc-retry/copyright >'$WORK/copyright' &&
   head -n1 '$WORK/copyright' | grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' &&
   grep -qx 'License: Apache-2.0' '$WORK/copyright'"
for lib in spdlog fmt inih; do
  check "the copyright file covers $lib" grep -qi "^Files: .*$lib" "$WORK/copyright"
done
check "changelog.Debian.gz is for this version" bash -c \
  "dpkg-deb --fsys-tarfile '$DEB' | tar -xO ./usr/share/doc/odbc-retry/changelog.Debian.gz | gzip -dc |
   head -n1 | grep -qF 'odbc-retry ($(field Version))'"
for script in postinst prerm postrm; do
  check "has $script" bash -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -t | grep -qx './$script'"
done

step ".rpm header and file list"
rpm -qpi "$RPM" 2>/dev/null
tag() { rpm -qp --qf "%{$1}" "$RPM" 2>/dev/null; }
check "License: Apache-2.0" test "$(tag LICENSE)" = Apache-2.0
check "URL is set" grep -Eq '^https?://' <<<"$(tag URL)"
check "Group is set" bash -c "[ -n '$(tag GROUP)' ] && [ '$(tag GROUP)' != Unspecified ]"
check "the description is ours, not CPack's placeholder" bash -c \
  "rpm -qp --qf '%{DESCRIPTION}' '$RPM' | grep -q 'loads the real driver' &&
   ! rpm -qp --qf '%{DESCRIPTION}' '$RPM' | grep -q 'DESCRIPTION'"
check "the version-release matches the .deb's" test "$(tag VERSION)-$(tag RELEASE)" = "$(field Version)"
check "%changelog" bash -c "rpm -qp --changelog '$RPM' | grep -qF -- '- $(field Version)'"
rpm -qpl "$RPM" 2>/dev/null >"$WORK/rpm-contents"
check "rpm has the library in /usr/lib64/odbc" grep -qxF "$RPM_LIB" "$WORK/rpm-contents"
check "rpm has nothing under /usr/lib/<multiarch>" bash -c "! grep -q '^/usr/lib/$MULTIARCH' '$WORK/rpm-contents'"
check "rpm has one .so file" test "$(grep -c '\.so' "$WORK/rpm-contents")" = 1
check "rpm marks /etc/odbc-retry.ini %config" bash -c "rpm -qpc '$RPM' 2>/dev/null | grep -qx /etc/odbc-retry.ini"
check "rpm marks LICENSE %license" bash -c "rpm -qpL '$RPM' 2>/dev/null | grep -q '/LICENSE\$'"
check "rpm marks the docs and the copyright file %doc" bash -c \
  "rpm -qpd '$RPM' 2>/dev/null | grep -qx /usr/share/doc/odbc-retry/README.md &&
   rpm -qpd '$RPM' 2>/dev/null | grep -qx /usr/share/doc/odbc-retry/copyright"
check "rpm owns no system directory" bash -c \
  "! grep -Exq '/etc|/usr|/usr/lib64|/usr/bin|/usr/share|/usr/share/doc|/usr/share/licenses' '$WORK/rpm-contents'"
check "rpm requires unixODBC" bash -c "rpm -qpR '$RPM' 2>/dev/null | grep -q '^unixODBC >= 2.3'"
check "rpm %post registers the library in /usr/lib64" bash -c \
  "rpm -qp --scripts '$RPM' 2>/dev/null | grep -q 'odbc-retry install --system --library $RPM_LIB'"
check "tar.gz has the command and the library" bash -c \
  "tar -tzf '$TGZ' | grep -q 'usr/bin/odbc-retry\$' && tar -tzf '$TGZ' | grep -q 'odbc/libodbcretry.so\$'"

step "rpmlint"
# rpmlint exits non-zero when it finds an error; warnings are printed. packaging/rpm/rpmlint.toml
# holds the settings (the valid licence, the filters), each with its reason.
rpmlint_rc=0
rpmlint -c "$ORT_ROOT/packaging/rpm/rpmlint.toml" "$RPM" >"$WORK/rpmlint.log" 2>&1 || rpmlint_rc=$?
cat "$WORK/rpmlint.log"
check "rpmlint: no error" bash -c "[ '$rpmlint_rc' = 0 ] && ! grep -q ': E: ' '$WORK/rpmlint.log'"

before_drivers=$(odbcinst -q -d 2>/dev/null || true)

# wrapped_setup LIB: a DSN of the system odbc.ini behind odbc-retry and a driver entry as
# `wrap --driver` makes it, with the library LIB, for the warning on removal.
wrapped_setup() {
  printf '\n[pkg_wrapped]\nDriver=ODBC Retry\nTargetDSN=pkg_wrapped_target\n' >>/etc/odbc.ini
  printf '\n[Pkg Wrapped Driver]\nDriver=%s\nTargetDriver=PostgreSQL Unicode\n' "$1" >>/etc/odbcinst.ini
}
wrapped_cleanup() {
  odbcinst -u -d -n "Pkg Wrapped Driver" >/dev/null 2>&1 || true
  if [[ -e $WORK/saved/odbc.ini ]]; then cp -p "$WORK/saved/odbc.ini" /etc/odbc.ini; else rm -f /etc/odbc.ini; fi
}

step "dpkg -i"
if dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1; then ok "dpkg -i"; else
  cat "$WORK/dpkg-i.log"
  bad "dpkg -i"
fi
check "odbcinst -q -d lists ODBC Retry" bash -c "odbcinst -q -d | grep -qxF '[ODBC Retry]'"
check "registered with $LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$LIB'"
check "/etc/odbc-retry.ini is a conffile" bash -c \
  "dpkg-query -W -f='\${Conffiles}' odbc-retry | grep -q '^ /etc/odbc-retry.ini '"
check "/etc/odbc-retry.ini has no active setting" bash -c "! grep -Eqv '^[[:space:]]*(;|#|$)' /etc/odbc-retry.ini"
check "odbc-retry --version" /usr/bin/odbc-retry --version

step "a DSN wrapped by the installed command, through isql"
printf '%s\n' '[pkg_pg]' 'Description=package test' "Driver=/usr/lib/$MULTIARCH/odbc/psqlodbcw.so" \
  'Servername=127.0.0.1' "Port=$ORT_PG_PORT" "Database=$ORT_DB_NAME" "Username=$ORT_DB_USER" \
  "Password=$ORT_DB_PASSWORD" >"$ODBCINI"
check "odbc-retry wrap pkg_pg" /usr/bin/odbc-retry wrap pkg_pg
check "pkg_pg is behind odbc-retry" grep -q '^TargetDSN=pkg_pg_target' "$ODBCINI"
echo "SELECT 40 + 2" | isql -b -v pkg_pg >"$WORK/isql.out" 2>&1 || true
check "isql connects through the wrapped DSN" grep -qw 42 "$WORK/isql.out" || cat "$WORK/isql.out"
check "odbc-retry check pkg_pg" /usr/bin/odbc-retry check pkg_pg
check "odbc-retry explain through the installed driver" bash -c \
  "/usr/bin/odbc-retry explain 08S01 --dsn pkg_pg --json | grep -q '\"family\": \"postgres\"'"

step "dpkg -i of the next release (upgrade)"
echo "; edited by the operator" >>/etc/odbc-retry.ini
wrapped_setup "$LIB"
if dpkg -i --force-confold "$DEB_NEXT" >"$WORK/dpkg-up.log" 2>&1; then ok "dpkg -i (upgrade)"; else
  bad "dpkg -i (upgrade)"
fi
cat "$WORK/dpkg-up.log"
check "the next release is installed" \
  test "$(dpkg-query -W -f='${Version}' odbc-retry)" = "$(dpkg-deb -f "$DEB_NEXT" Version)"
check "the edited conffile is kept" grep -qx '; edited by the operator' /etc/odbc-retry.ini
check "registered once" bash -c "[ \"\$(grep -c '^\[ODBC Retry\]' /etc/odbcinst.ini)\" = 1 ]"
check "still registered with $LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$LIB'"
check "no removal warning on upgrade" bash -c "! grep -q '$WARNING' '$WORK/dpkg-up.log'"

step "dpkg -r, dpkg -P"
odbc_ini_sum=$(md5sum /etc/odbc.ini)
if dpkg -r odbc-retry >"$WORK/dpkg-r.log" 2>&1; then ok "dpkg -r"; else bad "dpkg -r"; fi
cat "$WORK/dpkg-r.log"
check "prerm warns about the wrapped DSN" grep -q 'DSN *pkg_wrapped (in /etc/odbc.ini)' "$WORK/dpkg-r.log"
check "prerm warns about the wrapped driver" grep -q 'driver *Pkg Wrapped Driver (in /etc/odbcinst.ini' "$WORK/dpkg-r.log"
check "the warning says how to unwrap" grep -q 'odbc-retry unwrap' "$WORK/dpkg-r.log"
check "the registration is gone" bash -c "! odbcinst -q -d 2>/dev/null | grep -qxF '[ODBC Retry]'"
check "the wrapped driver entry is left alone" bash -c "odbcinst -q -d | grep -qxF '[Pkg Wrapped Driver]'"
check "the system odbc.ini was not touched" test "$odbc_ini_sum" = "$(md5sum /etc/odbc.ini)"
wrapped_cleanup
check "the command is gone" test ! -e /usr/bin/odbc-retry
check "the library is gone" test ! -e "$LIB"
check "the conffile stays after remove" test -e /etc/odbc-retry.ini
if dpkg -P odbc-retry >"$WORK/dpkg-p.log" 2>&1; then ok "dpkg -P"; else
  cat "$WORK/dpkg-p.log"
  bad "dpkg -P"
fi
check "the conffile is gone after purge" test ! -e /etc/odbc-retry.ini
check "the other drivers are as before" test "$before_drivers" = "$(odbcinst -q -d 2>/dev/null || true)"
check "the wrapped DSN is still in the user's odbc.ini" grep -q '^\[pkg_pg_target\]' "$ODBCINI"

step "rpm -i (this machine's root, a private rpm database)"
RPMQ=(rpm --dbpath "$RPMDB")
if "${RPMQ[@]}" -i --nodeps "$RPM" >"$WORK/rpm-i.log" 2>&1; then ok "rpm -i"; else
  cat "$WORK/rpm-i.log"
  bad "rpm -i"
fi
check "the library is in /usr/lib64/odbc" test -f "$RPM_LIB"
check "registered with $RPM_LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$RPM_LIB'"
check "/etc/odbc-retry.ini installed" test -f /etc/odbc-retry.ini
check "LICENSE in /usr/share/licenses/odbc-retry" test -f /usr/share/licenses/odbc-retry/LICENSE
echo "SELECT 40 + 2" | isql -b -v pkg_pg >"$WORK/isql-rpm.out" 2>&1 || true
check "isql connects through the rpm's driver" grep -qw 42 "$WORK/isql-rpm.out" || cat "$WORK/isql-rpm.out"

step "rpm -U to the next release"
echo "; edited by the operator" >>/etc/odbc-retry.ini
wrapped_setup "$RPM_LIB"
if "${RPMQ[@]}" -U --nodeps "$RPM_NEXT" >"$WORK/rpm-up.log" 2>&1; then ok "rpm -U"; else bad "rpm -U"; fi
cat "$WORK/rpm-up.log"
check "the next release is installed" test "$("${RPMQ[@]}" -q --qf '%{RELEASE}' odbc-retry)" = 99
check "the edited %config file is kept" grep -qx '; edited by the operator' /etc/odbc-retry.ini
check "registered once" bash -c "[ \"\$(grep -c '^\[ODBC Retry\]' /etc/odbcinst.ini)\" = 1 ]"
check "still registered with $RPM_LIB" bash -c "odbcinst -q -d -n 'ODBC Retry' | grep -qxF 'Driver=$RPM_LIB'"
check "no removal warning on upgrade" bash -c "! grep -q '$WARNING' '$WORK/rpm-up.log'"

step "rpm -e"
if "${RPMQ[@]}" -e --nodeps odbc-retry >"$WORK/rpm-e.log" 2>&1; then ok "rpm -e"; else bad "rpm -e"; fi
cat "$WORK/rpm-e.log"
check "%preun warns about the wrapped DSN" grep -q 'DSN *pkg_wrapped (in /etc/odbc.ini)' "$WORK/rpm-e.log"
check "%preun warns about the wrapped driver" grep -q 'driver *Pkg Wrapped Driver' "$WORK/rpm-e.log"
wrapped_cleanup
check "the registration is gone" bash -c "! odbcinst -q -d 2>/dev/null | grep -qxF '[ODBC Retry]'"
check "the command is gone" test ! -e /usr/bin/odbc-retry
check "the library is gone" test ! -e "$RPM_LIB"
check "the edited %config file is saved as .rpmsave" test -e /etc/odbc-retry.ini.rpmsave
check "the other drivers are as before" test "$before_drivers" = "$(odbcinst -q -d 2>/dev/null || true)"

step "lintian"
wait "$LINTIAN_PID" || true
LINTIAN_PID=""
cat "$WORK/lintian.log"
check "lintian: no error" test "$(cat "$WORK/lintian.rc" 2>/dev/null)" = 0

echo
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
