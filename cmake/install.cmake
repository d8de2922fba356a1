# install.cmake - install rules (included from CMakeLists.txt).
#
#   bin/hivekit
#   lib/libhivekit.a, lib/libhivekit.so.0.1.0 (SONAME libhivekit.so.0)
#                                       + symlinks
#   include/hivekit/regf.h              the library's only public header
#   lib/pkgconfig/hivekit.pc            pkg-config --cflags --libs hivekit
#   lib/cmake/hivekit/                  find_package(hivekit): hivekit::hivekit
#                                       (shared), hivekit::hivekit_static
#   share/man/man1/hivekit.1, share/man/man3/hivekit.3
#   share/bash-completion/completions/hivekit
#
# None of these paths is one of Debian's libregf-dev/libregf1 (libyal's
# libregf): tests/cli/test_install.sh checks it against
# fixtures/debian-libregf-files.txt.
#
# The driver injection library (src/inject) is not installed: its API is
# internal to the hivekit command and may change; use `hivekit inject`.
include(CMakePackageConfigHelpers)

# libhivekit.so exports the functions hivekit/regf.h declares and nothing
# else (the internal regf_* helpers stay local): a version script made from
# the header.
set(_regf_h ${PROJECT_SOURCE_DIR}/include/hivekit/regf.h)
file(STRINGS ${_regf_h} _regf_decls
     REGEX "^[a-z].*[ *]regf_[a-z0-9_]+\\(")
set(_libhivekit.map "{\n  global:\n")
foreach(_d IN LISTS _regf_decls)
  if(_d MATCHES "^typedef")
    continue()
  endif()
  string(REGEX MATCH "regf_[a-z0-9_]+\\(" _f "${_d}")
  string(REPLACE "(" "" _f "${_f}")
  string(APPEND _libhivekit.map "    ${_f};\n")
endforeach()
string(APPEND _libhivekit.map "  local: *;\n};\n")
file(WRITE ${PROJECT_BINARY_DIR}/libhivekit.map "${_libhivekit.map}")
set_property(TARGET libhivekit_shared APPEND PROPERTY LINK_OPTIONS
             "-Wl,--version-script=${PROJECT_BINARY_DIR}/libhivekit.map")
set_property(TARGET libhivekit_shared APPEND PROPERTY LINK_DEPENDS ${_regf_h})

set(HIVEKIT_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/hivekit)

install(TARGETS hivekit RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS libhivekit libhivekit_shared EXPORT hivekitTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${_regf_h} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hivekit)

# pkg-config
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(HIVEKIT_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(HIVEKIT_PC_LIBDIR "\${exec_prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HIVEKIT_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(HIVEKIT_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/hivekit.pc.in
               ${PROJECT_BINARY_DIR}/hivekit.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/hivekit.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CMake package: find_package(hivekit) -> hivekit::hivekit (shared),
# hivekit::hivekit_static
install(EXPORT hivekitTargets NAMESPACE hivekit::
  DESTINATION ${HIVEKIT_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hivekitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/hivekitConfig.cmake
  INSTALL_DESTINATION ${HIVEKIT_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/hivekitConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hivekitConfig.cmake
              ${PROJECT_BINARY_DIR}/hivekitConfigVersion.cmake
  DESTINATION ${HIVEKIT_CMAKEDIR})

# documentation and shell completion
install(FILES ${PROJECT_SOURCE_DIR}/man/hivekit.1
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/hivekit.3
  DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
install(FILES ${PROJECT_SOURCE_DIR}/completion/hivekit.bash
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
  RENAME hivekit)
