# SPDX-License-Identifier: Apache-2.0
# Before removal: names, on standard error, what still goes through odbc-retry in the system's
# ini files and stops working once the library is gone: DSNs of odbc.ini whose Driver is
# "ODBC Retry" (or the library itself), and odbcinst.ini entries under another name whose Driver
# is the library (made by `odbc-retry wrap --driver`). Only warns: the removal goes on.
odbc_retry_warn_wrapped() {
  sysini=/etc/odbc.ini instini=/etc/odbcinst.ini
  if command -v odbcinst >/dev/null 2>&1; then
    f=$(odbcinst -j 2>/dev/null | sed -n 's/^SYSTEM DATA SOURCES: *//p')
    [ -n "$f" ] && sysini=$f
    f=$(odbcinst -j 2>/dev/null | sed -n 's/^DRIVERS\.*: *//p')
    [ -n "$f" ] && instini=$f
  fi
  # print "section" for each section whose Driver value matches (ini syntax as unixODBC reads it:
  # [section], key = value, ';' or '#' comments)
  # shellcheck disable=SC2016 # an awk program: its $0 is awk's
  list='
    /^[ \t]*[;#]/ { next }
    /^[ \t]*\[/ { s = $0; sub(/^[ \t]*\[/, "", s); sub(/\][ \t\r]*$/, "", s); section = s; next }
    index($0, "=") > 0 {
      key = substr($0, 1, index($0, "=") - 1); gsub(/[ \t]/, "", key)
      if (tolower(key) != "driver" || section == "" || section == "ODBC Retry" || section == "ODBC Data Sources") next
      value = substr($0, index($0, "=") + 1); sub(/^[ \t]+/, "", value); sub(/[ \t\r]+$/, "", value)
      lib = value; sub(/.*\//, "", lib)
      if (lib == "libodbcretry.so" || (mode == "dsn" && tolower(value) == "odbc retry")) print section
    }'
  dsns=$( (awk -v mode=dsn "$list" "$sysini" || :) 2>/dev/null | sort -u)
  drivers=$( (awk -v mode=driver "$list" "$instini" || :) 2>/dev/null | sort -u)
  [ -n "$dsns$drivers" ] || return 0
  {
    echo "odbc-retry: warning: these still go through odbc-retry and stop working once it is removed:"
    [ -n "$dsns" ] && echo "$dsns" | sed "s|^|  DSN      |; s|\$| (in $sysini)|"
    [ -n "$drivers" ] && echo "$drivers" | sed "s|^|  driver   |; s|\$| (in $instini, made by 'odbc-retry wrap --driver')|"
    echo "odbc-retry: to restore them, install the package again and run 'odbc-retry unwrap DSN --system'"
    echo "  or 'odbc-retry unwrap --driver NAME --system' before removing it, or put back the"
    echo "  backups that wrap left next to the files (*.odbc-retry-*.bak). The users' own odbc.ini"
    echo "  files, in their home directories, were not checked."
  } >&2
  return 0
}
