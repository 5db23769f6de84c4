# SPDX-License-Identifier: Apache-2.0
# odbc_retry_bench: odbc-retry against the target driver alone, side by side (see
# odbc_retry_bench.cpp; bench/run.sh builds it in Release and runs it).
# Needs Debian's libbenchmark-dev, the driver manager (unixodbc-dev) and libsqliteodbc.
# odbc_retry_recovery_bench: time to the first successful call after a PostgreSQL restart,
# through odbc-retry and with psqlODBC alone (see odbc_retry_recovery_bench.cpp; bench/run.sh
# --recovery builds and runs it). Needs the test servers of scripts/ at run time.
find_package(benchmark REQUIRED)
if(NOT TARGET PkgConfig::ODBC)
  pkg_check_modules(ODBC REQUIRED IMPORTED_TARGET odbc)
endif()

# The SQLite ODBC driver, where Debian and others put it; the run can override its directory
# with ORT_ODBC_LIBDIR, as scripts/odbc-ini does.
find_file(ODBC_RETRY_SQLITE_ODBC libsqlite3odbc.so
  PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/odbc /usr/lib64/odbc /usr/lib/odbc /usr/local/lib/odbc
  NO_DEFAULT_PATH
  DOC "The SQLite ODBC driver the benchmarks run against")
if(NOT ODBC_RETRY_SQLITE_ODBC)
  message(WARNING "libsqlite3odbc.so not found (install libsqliteodbc or set ODBC_RETRY_SQLITE_ODBC); "
                  "odbc_retry_bench will need ORT_ODBC_LIBDIR at run time")
  set(ODBC_RETRY_SQLITE_ODBC libsqlite3odbc.so)
endif()

add_executable(odbc_retry_bench ${CMAKE_CURRENT_LIST_DIR}/odbc_retry_bench.cpp)
target_link_libraries(odbc_retry_bench PRIVATE benchmark::benchmark PkgConfig::ODBC)
target_compile_definitions(odbc_retry_bench PRIVATE
  ODBC_RETRY_BENCH_DRIVER="$<TARGET_FILE:odbcretry>"
  ODBC_RETRY_BENCH_SQLITE_DRIVER="${ODBC_RETRY_SQLITE_ODBC}")
# The driver is loaded by the driver manager at run time, not linked: build it with the benchmark.
add_dependencies(odbc_retry_bench odbcretry)

add_executable(odbc_retry_recovery_bench ${CMAKE_CURRENT_LIST_DIR}/odbc_retry_recovery_bench.cpp)
target_link_libraries(odbc_retry_recovery_bench PRIVATE benchmark::benchmark PkgConfig::ODBC
  Threads::Threads)
# The source tree gives scripts/pg and the default $ORT_RUN; ORT_ROOT overrides it at run time.
target_compile_definitions(odbc_retry_recovery_bench PRIVATE
  ODBC_RETRY_BENCH_DRIVER="$<TARGET_FILE:odbcretry>"
  ODBC_RETRY_BENCH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(odbc_retry_recovery_bench odbcretry)
