# SPDX-License-Identifier: Apache-2.0
# Where the packages put the driver library, whatever CMAKE_INSTALL_PREFIX says (that one is for
# `cmake --install`). Included by the top-level CMakeLists.txt before the directories that install.
#
#   .deb      /usr/lib/<multiarch>/odbc/libodbcretry.so   (next to Debian's ODBC drivers)
#   .rpm      /usr/lib64/odbc/libodbcretry.so             (/usr/lib/odbc/ on 32-bit systems)
#   .tar.gz   <prefix>/<CMAKE_INSTALL_LIBDIR>/odbc/, as `cmake --install`
#
# One build tree makes all three: CPack runs the install once per generator, and
# CPackProjectConfig.cmake tells which one through the environment variable
# ODBC_RETRY_PACKAGE_FORMAT (deb, rpm, archive; unset for `cmake --install`).
# ODBC_RETRY_INSTALL_LIBDIR_CODE is the install code that sets ODBC_RETRY_LIBDIR
# accordingly, for a DESTINATION of "\${ODBC_RETRY_LIBDIR}/odbc".

set(ODBC_RETRY_PKG_PREFIX /usr)
set(_multiarch "${CMAKE_LIBRARY_ARCHITECTURE}")
if(NOT _multiarch)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch OUTPUT_VARIABLE _multiarch
                  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
if(_multiarch)
  set(ODBC_RETRY_DEB_LIBDIR lib/${_multiarch})
else()
  set(ODBC_RETRY_DEB_LIBDIR lib)
endif()
if(CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(ODBC_RETRY_RPM_LIBDIR lib64)
else()
  set(ODBC_RETRY_RPM_LIBDIR lib)
endif()

set(ODBC_RETRY_INSTALL_LIBDIR_CODE "
if(\"\$ENV{ODBC_RETRY_PACKAGE_FORMAT}\" STREQUAL \"deb\")
  set(ODBC_RETRY_LIBDIR \"${ODBC_RETRY_DEB_LIBDIR}\")
elseif(\"\$ENV{ODBC_RETRY_PACKAGE_FORMAT}\" STREQUAL \"rpm\")
  set(ODBC_RETRY_LIBDIR \"${ODBC_RETRY_RPM_LIBDIR}\")
else()
  set(ODBC_RETRY_LIBDIR \"${CMAKE_INSTALL_LIBDIR}\")
endif()
")
