# Packages: .deb, .rpm and .tar.gz with the driver library, the odbc-retry command, the ini
# templates, a sample /etc/odbc-retry.ini and the docs. Included by the top-level CMakeLists.txt.
#
#   cmake -S . -B build-pkg -DCMAKE_INSTALL_PREFIX=/usr -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DODBC_RETRY_BUILD_TESTS=OFF -DODBC_RETRY_BUILD_BENCH=OFF
#   cmake --build build-pkg -j
#   (cd build-pkg && cpack -G DEB)     # or RPM, TGZ; `cpack` alone builds all three
#
# With the prefix /usr (on Debian) the library goes to /usr/lib/<multiarch>/odbc/, next to the
# other ODBC drivers, and the sample configuration to /etc/odbc-retry.ini (a conffile).
# The maintainer scripts register the driver with `odbc-retry install --system` (postinst, %post)
# and unregister it on removal but not on upgrade (prerm, postrm, %preun). They never touch
# odbc.ini. Dependencies: the driver manager (unixodbc) and what dpkg-shlibdeps finds (libc6,
# libstdc++6, libgcc-s1, libodbc2, libodbcinst2); spdlog, fmt and inih are compiled in.

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "odbc-retry packages: the install prefix is ${CMAKE_INSTALL_PREFIX}; configure with "
                 "-DCMAKE_INSTALL_PREFIX=/usr for packages that install into /usr and /etc")
endif()

set(ODBC_RETRY_PKG_BINARY "${CMAKE_INSTALL_FULL_BINDIR}/odbc-retry")
set(ODBC_RETRY_PKG_LIBRARY "${CMAKE_INSTALL_FULL_LIBDIR}/odbc/libodbcretry.so")
set(ODBC_RETRY_PKG_SAMPLE_CONFIG "${CMAKE_INSTALL_FULL_SYSCONFDIR}/odbc-retry.ini")

# The sample global configuration: every line commented out, so installing the package changes
# no behaviour.
install(FILES ${CMAKE_CURRENT_LIST_DIR}/odbc-retry.ini DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR})

# Maintainer scripts, with the installed paths filled in.
set(ODBC_RETRY_PKG_SCRIPTS ${CMAKE_BINARY_DIR}/packaging)
foreach(script postinst prerm postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/${script}.in ${ODBC_RETRY_PKG_SCRIPTS}/deb/${script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                  WORLD_READ WORLD_EXECUTE)
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/conffiles.in ${ODBC_RETRY_PKG_SCRIPTS}/deb/conffiles @ONLY
               FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
foreach(script post preun)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/rpm/${script}.in ${ODBC_RETRY_PKG_SCRIPTS}/rpm/${script} @ONLY)
endforeach()

set(CPACK_PACKAGE_NAME "odbc-retry")
set(CPACK_PACKAGE_VENDOR "odbc-retry")
set(CPACK_PACKAGE_CONTACT "odbc-retry maintainers <maintainers@odbc-retry.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "ODBC driver that adds classified retry and recovery in front of any ODBC driver")
set(CPACK_PACKAGE_DESCRIPTION
    "odbc-retry loads a real ODBC driver (psqlODBC, MariaDB Connector/ODBC, SQLite ODBC, FreeTDS, ...) "
    "and forwards every call to it. Connects that fail because the server is restarting are retried "
    "with backoff behind a circuit breaker, statements the server rolled back are retried, and lost "
    "connections are recovered under the application's handles where replaying cannot run a write "
    "twice. The odbc-retry command checks health (check --wait), shows per-target counters (stats, "
    "also as Prometheus text), explains classifications and wraps existing DSNs.")
set(CPACK_PACKAGING_INSTALL_PREFIX "${CMAKE_INSTALL_PREFIX}")
# Absolute destinations (/etc) go into the staging directory, never onto the build machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR "DEB;RPM;TGZ")
set(CPACK_SOURCE_GENERATOR "")

# Debian
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "database")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_DEPENDS "unixodbc (>= 2.3)")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${ODBC_RETRY_PKG_SCRIPTS}/deb/postinst ${ODBC_RETRY_PKG_SCRIPTS}/deb/prerm
    ${ODBC_RETRY_PKG_SCRIPTS}/deb/postrm ${ODBC_RETRY_PKG_SCRIPTS}/deb/conffiles)

# RPM
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_GROUP "Applications/Databases")
set(CPACK_RPM_PACKAGE_REQUIRES "unixODBC >= 2.3")
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${ODBC_RETRY_PKG_SCRIPTS}/rpm/post)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${ODBC_RETRY_PKG_SCRIPTS}/rpm/preun)
set(CPACK_RPM_USER_FILELIST "%config(noreplace) ${ODBC_RETRY_PKG_SAMPLE_CONFIG}")
# Directories that belong to the system or to other packages.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    ${CMAKE_INSTALL_FULL_SYSCONFDIR} ${CMAKE_INSTALL_FULL_LIBDIR} ${CMAKE_INSTALL_FULL_LIBDIR}/odbc
    ${CMAKE_INSTALL_FULL_DATADIR}/doc)

include(CPack)
