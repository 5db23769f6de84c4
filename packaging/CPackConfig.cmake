# SPDX-License-Identifier: Apache-2.0
# Packages: .deb, .rpm and .tar.gz with the driver library, the odbc-retry command, the ini
# templates, the settings file /etc/odbc-retry.ini and the docs. Included by the top-level
# CMakeLists.txt.
#
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=RelWithDebInfo \
#         -DODBC_RETRY_BUILD_TESTS=OFF -DODBC_RETRY_BUILD_BENCH=OFF
#   cmake --build build-pkg -j
#   (cd build-pkg && cpack -G DEB)     # or RPM, TGZ; `cpack` alone builds all three
#
# Whatever CMAKE_INSTALL_PREFIX says (it is for `cmake --install`), the packages install under
# /usr, with the settings file at /etc/odbc-retry.ini, where the driver reads it. The library
# goes where each distribution keeps ODBC drivers of its architecture: the .deb to
# /usr/lib/<multiarch>/odbc/, the .rpm to /usr/lib64/odbc/ (/usr/lib/odbc/ on 32-bit systems),
# the .tar.gz to <libdir>/odbc/ of this configuration. driver/CMakeLists.txt and the install code
# below read the format from the environment variable ODBC_RETRY_PACKAGE_FORMAT, which
# CPackProjectConfig.cmake sets for each generator.
#
# The maintainer scripts register the driver with `odbc-retry install --system` (postinst, %post),
# warn about DSNs that still use it before removal (prerm, %preun) and unregister it on removal
# but not on upgrade (prerm, postrm, %preun). They never touch odbc.ini. Dependencies: the driver
# manager (unixodbc, odbcinst) and what dpkg-shlibdeps finds (libc6, libstdc++6, libgcc-s1,
# libodbc2, libodbcinst2); spdlog, fmt and inih are compiled in (see packaging/copyright).

set(ODBC_RETRY_HOMEPAGE "https://odbc-retry.invalid/" CACHE STRING "Homepage written into the packages")

# ---- the packages' layout (ODBC_RETRY_PKG_PREFIX, ODBC_RETRY_DEB_LIBDIR, ODBC_RETRY_RPM_LIBDIR: see
# Layout.cmake) -----------------------------------------------------------------------------------
set(ODBC_RETRY_PKG_BINARY "${ODBC_RETRY_PKG_PREFIX}/bin/odbc-retry")
set(ODBC_RETRY_PKG_SAMPLE_CONFIG "/etc/odbc-retry.ini")
set(ODBC_RETRY_PKG_DOCDIR "${ODBC_RETRY_PKG_PREFIX}/share/doc/odbc-retry")

# The changelog, kept in Debian's format: gzip -9n for the .deb (no name, no time stamp, so the
# file is the same on every build), and converted to the %changelog of the .rpm. The manual page,
# compressed the same way.
set(ODBC_RETRY_PKG_BUILD ${CMAKE_BINARY_DIR}/packaging)
find_program(GZIP_PROGRAM gzip REQUIRED)
add_custom_command(OUTPUT ${ODBC_RETRY_PKG_BUILD}/changelog.Debian.gz
                   COMMAND ${GZIP_PROGRAM} -9nc ${CMAKE_CURRENT_LIST_DIR}/changelog
                           > ${ODBC_RETRY_PKG_BUILD}/changelog.Debian.gz
                   DEPENDS ${CMAKE_CURRENT_LIST_DIR}/changelog VERBATIM)
add_custom_command(OUTPUT ${ODBC_RETRY_PKG_BUILD}/odbc-retry.1.gz
                   COMMAND ${GZIP_PROGRAM} -9nc ${CMAKE_CURRENT_LIST_DIR}/odbc-retry.1
                           > ${ODBC_RETRY_PKG_BUILD}/odbc-retry.1.gz
                   DEPENDS ${CMAKE_CURRENT_LIST_DIR}/odbc-retry.1 VERBATIM)
add_custom_target(odbc-retry-package-docs ALL
                  DEPENDS ${ODBC_RETRY_PKG_BUILD}/changelog.Debian.gz ${ODBC_RETRY_PKG_BUILD}/odbc-retry.1.gz)
# The manual page, for every installation.
install(FILES ${ODBC_RETRY_PKG_BUILD}/odbc-retry.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
file(STRINGS ${CMAKE_CURRENT_LIST_DIR}/changelog _changelog_lines)
set(_rpm_changelog "")
set(_entries "")
foreach(line IN LISTS _changelog_lines)
  if(line MATCHES "^odbc-retry \\(([^)]+)\\)")
    set(_version ${CMAKE_MATCH_1})
    set(_entries "")
  elseif(line MATCHES "^  \\* (.*)$")
    string(APPEND _entries "- ${CMAKE_MATCH_1}\n")
  elseif(line MATCHES "^    (.*)$")
    string(APPEND _entries "  ${CMAKE_MATCH_1}\n")
  elseif(line MATCHES "^ -- (.*)  ([A-Z][a-z][a-z]), ([0-9]+) ([A-Z][a-z][a-z]) ([0-9]+) ")
    string(APPEND _rpm_changelog
           "* ${CMAKE_MATCH_2} ${CMAKE_MATCH_4} ${CMAKE_MATCH_3} ${CMAKE_MATCH_5} ${CMAKE_MATCH_1} - ${_version}\n"
           "${_entries}\n")
  endif()
endforeach()
file(WRITE ${ODBC_RETRY_PKG_BUILD}/rpm/changelog "${_rpm_changelog}")
if(NOT _rpm_changelog)
  message(FATAL_ERROR "packaging/changelog: no entry could be read")
endif()
# The package's version and release come from the latest changelog entry (0.1.0-1), which must
# match the project's version.
set(_latest "")
foreach(line IN LISTS _changelog_lines)
  if(line MATCHES "^odbc-retry \\(([^)]+)-([0-9]+)\\)")
    set(_latest ${CMAKE_MATCH_1})
    set(ODBC_RETRY_PKG_RELEASE ${CMAKE_MATCH_2})
    break()
  endif()
endforeach()
if(NOT _latest STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "packaging/changelog: the latest entry is for ${_latest}, the project is "
                      "${PROJECT_VERSION}: add an entry for ${PROJECT_VERSION}-1")
endif()

# ---- what only the packages install ------------------------------------------------------------
# The settings file goes to /etc (a conffile), never under a developer's prefix: `cmake --install`
# leaves /etc alone (the same sample is in <prefix>/share/odbc-retry/templates/). Licence files
# as each format wants them: the .deb a copyright file (DEP-5) and changelog.Debian.gz, the .rpm
# LICENSE and NOTICE under /usr/share/licenses (%license), `cmake --install` and the .tar.gz
# LICENSE, NOTICE and copyright in the doc directory.
install(CODE "
set(_format \"\$ENV{ODBC_RETRY_PACKAGE_FORMAT}\")
set(_docdir \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/doc/odbc-retry\")
if(_format)
  if(\"\$ENV{DESTDIR}\" STREQUAL \"\")
    message(FATAL_ERROR \"ODBC_RETRY_PACKAGE_FORMAT is set but DESTDIR is not: refusing to install into /etc\")
  endif()
  file(INSTALL DESTINATION /etc TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES \"${CMAKE_CURRENT_LIST_DIR}/odbc-retry.ini\")
endif()
if(_format STREQUAL \"deb\")
  file(INSTALL DESTINATION \"\${_docdir}\" TYPE FILE
       FILES \"${CMAKE_CURRENT_LIST_DIR}/copyright\" \"${CMAKE_SOURCE_DIR}/NOTICE\"
             \"${ODBC_RETRY_PKG_BUILD}/changelog.Debian.gz\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/share/lintian/overrides\" TYPE FILE
       RENAME odbc-retry FILES \"${CMAKE_CURRENT_LIST_DIR}/deb/lintian-overrides\")
elseif(_format STREQUAL \"rpm\")
  file(INSTALL DESTINATION \"\${CMAKE_INSTALL_PREFIX}/share/licenses/odbc-retry\" TYPE FILE
       FILES \"${CMAKE_SOURCE_DIR}/LICENSE\" \"${CMAKE_SOURCE_DIR}/NOTICE\")
  file(INSTALL DESTINATION \"\${_docdir}\" TYPE FILE FILES \"${CMAKE_CURRENT_LIST_DIR}/copyright\")
else()
  file(INSTALL DESTINATION \"\${_docdir}\" TYPE FILE
       FILES \"${CMAKE_SOURCE_DIR}/LICENSE\" \"${CMAKE_SOURCE_DIR}/NOTICE\" \"${CMAKE_CURRENT_LIST_DIR}/copyright\")
endif()
")

# Maintainer scripts, with the installed paths and the warning about wrapped DSNs (shared by
# prerm and %preun) filled in.
file(READ ${CMAKE_CURRENT_LIST_DIR}/warn-wrapped.sh ODBC_RETRY_PKG_WARN_WRAPPED)
set(ODBC_RETRY_PKG_LIBRARY "${ODBC_RETRY_PKG_PREFIX}/${ODBC_RETRY_DEB_LIBDIR}/odbc/libodbcretry.so")
foreach(script postinst prerm postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/${script}.in ${ODBC_RETRY_PKG_BUILD}/deb/${script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
                                  WORLD_READ WORLD_EXECUTE)
endforeach()
configure_file(${CMAKE_CURRENT_LIST_DIR}/deb/conffiles.in ${ODBC_RETRY_PKG_BUILD}/deb/conffiles @ONLY
               FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
set(ODBC_RETRY_PKG_LIBRARY "${ODBC_RETRY_PKG_PREFIX}/${ODBC_RETRY_RPM_LIBDIR}/odbc/libodbcretry.so")
foreach(script post preun)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/rpm/${script}.in ${ODBC_RETRY_PKG_BUILD}/rpm/${script} @ONLY)
endforeach()

configure_file(${CMAKE_CURRENT_LIST_DIR}/CPackProjectConfig.cmake.in
               ${ODBC_RETRY_PKG_BUILD}/CPackProjectConfig.cmake @ONLY)
set(CPACK_PROJECT_CONFIG_FILE ${ODBC_RETRY_PKG_BUILD}/CPackProjectConfig.cmake)

# ---- common ------------------------------------------------------------------------------------
set(CPACK_PACKAGE_NAME "odbc-retry")
set(CPACK_PACKAGE_VENDOR "odbc-retry")
set(CPACK_PACKAGE_CONTACT "odbc-retry maintainers <maintainers@odbc-retry.invalid>")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_HOMEPAGE_URL "${ODBC_RETRY_HOMEPAGE}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "ODBC driver adding retry and recovery to any ODBC driver")
# The long description: one string (a list would reach the control file with its ';'
# separators), wrapped at 75 columns as both formats want it; an empty line between paragraphs.
file(READ ${CMAKE_CURRENT_LIST_DIR}/description.txt CPACK_PACKAGE_DESCRIPTION)
string(STRIP "${CPACK_PACKAGE_DESCRIPTION}" CPACK_PACKAGE_DESCRIPTION)
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_SOURCE_DIR}/LICENSE)
# Every generator installs with DESTDIR into its staging directory and the prefix /usr: absolute
# destinations (/etc) never reach the build machine.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX ${ODBC_RETRY_PKG_PREFIX})
set(CPACK_PACKAGING_INSTALL_PREFIX ${ODBC_RETRY_PKG_PREFIX})
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR "DEB;RPM;TGZ")
set(CPACK_SOURCE_GENERATOR "")

# ---- Debian ------------------------------------------------------------------------------------
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ODBC_RETRY_PKG_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION "database")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
# odbcinst: the postrm calls it; unixodbc: the driver manager that loads the driver.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "odbcinst, unixodbc (>= 2.3)")
set(CPACK_DEBIAN_PACKAGE_ENHANCES "unixodbc")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${ODBC_RETRY_HOMEPAGE}")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${ODBC_RETRY_PKG_BUILD}/deb/postinst ${ODBC_RETRY_PKG_BUILD}/deb/prerm
    ${ODBC_RETRY_PKG_BUILD}/deb/postrm ${ODBC_RETRY_PKG_BUILD}/deb/conffiles)

# ---- RPM ---------------------------------------------------------------------------------------
set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_RELEASE ${ODBC_RETRY_PKG_RELEASE})
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_PACKAGE_RELOCATABLE OFF)
set(CPACK_RPM_PACKAGE_GROUP "Applications/Databases")
set(CPACK_RPM_PACKAGE_URL "${ODBC_RETRY_HOMEPAGE}")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RPM_PACKAGE_REQUIRES "unixODBC >= 2.3")
# Packager: who built the package (the distribution that rebuilds it sets its own).
set(CPACK_RPM_SPEC_MORE_DEFINE "%define packager ${CPACK_PACKAGE_CONTACT}\n%define _build_id_links none")
set(CPACK_RPM_CHANGELOG_FILE ${ODBC_RETRY_PKG_BUILD}/rpm/changelog)
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${ODBC_RETRY_PKG_BUILD}/rpm/post)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${ODBC_RETRY_PKG_BUILD}/rpm/preun)
set(CPACK_RPM_USER_FILELIST
    "%config(noreplace) ${ODBC_RETRY_PKG_SAMPLE_CONFIG}"
    "%license ${ODBC_RETRY_PKG_PREFIX}/share/licenses/odbc-retry/LICENSE"
    "%license ${ODBC_RETRY_PKG_PREFIX}/share/licenses/odbc-retry/NOTICE")
# Directories that belong to the system or to other packages.
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /etc ${ODBC_RETRY_PKG_PREFIX}/${ODBC_RETRY_RPM_LIBDIR} ${ODBC_RETRY_PKG_PREFIX}/share/doc
    ${ODBC_RETRY_PKG_PREFIX}/share/licenses ${ODBC_RETRY_PKG_PREFIX}/share/man
    ${ODBC_RETRY_PKG_PREFIX}/share/man/man1)

include(CPack)
