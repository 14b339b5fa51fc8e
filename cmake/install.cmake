# What `cmake --install` puts in the prefix, for apps that embed fieldsync:
#   include/fieldsync/*.h               the C++ headers of core and sync, and fieldsync.h (C)
#   lib/libfieldsync_core.a, _sync.a    the C++ API as static libraries
#   lib/libfieldsync.so*                the C API (when FIELDSYNC_BUILD_C_API)
#   lib/libfieldsync_cpprest.so*        its built-in HTTP stack (when FIELDSYNC_BUILD_C_CPPREST)
#   lib/cmake/fieldsync/                the CMake package: find_package(fieldsync), then
#                                       fieldsync::fieldsync (C++) or fieldsync::c (C)
#   lib/pkgconfig/fieldsync.pc          the C API for pkg-config
# Both the package and the .pc file are relocatable: the prefix may be moved.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(FIELDSYNC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/fieldsync)

# fieldsync::fieldsync: the C++ API in one name (core + sync; the host brings the
# HttpTransport).
add_library(fieldsync_cpp INTERFACE)
add_library(fieldsync::fieldsync ALIAS fieldsync_cpp)
target_link_libraries(fieldsync_cpp INTERFACE fieldsync::core fieldsync::sync)
set_target_properties(fieldsync_cpp PROPERTIES EXPORT_NAME fieldsync)
set_target_properties(fieldsync_core PROPERTIES EXPORT_NAME core)
set_target_properties(fieldsync_sync PROPERTIES EXPORT_NAME sync)
# Linked privately by the static libraries, so it is named in their link interface
# ($<LINK_ONLY:...>, which carries no compile options to the app).
set_target_properties(fieldsync_warnings PROPERTIES EXPORT_NAME internal_warnings)

install(TARGETS fieldsync_core fieldsync_sync fieldsync_cpp fieldsync_warnings
  EXPORT fieldsyncTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY core/include/ sync/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(EXPORT fieldsyncTargets NAMESPACE fieldsync:: DESTINATION ${FIELDSYNC_CMAKE_DIR})

if(TARGET fieldsync_c)
  install(TARGETS fieldsync_c
    EXPORT fieldsyncCTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(FILES platform/capi/include/fieldsync/fieldsync.h
    DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fieldsync)
  if(TARGET fieldsync_c_cpprest)
    install(TARGETS fieldsync_c_cpprest
      EXPORT fieldsyncCTargets
      LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
      RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
      ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
    install(FILES platform/capi/include/fieldsync/fieldsync_cpprest.h
      DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/fieldsync)
  endif()
  install(EXPORT fieldsyncCTargets NAMESPACE fieldsync:: DESTINATION ${FIELDSYNC_CMAKE_DIR})
  file(RELATIVE_PATH FIELDSYNC_PC_TO_PREFIX
    "${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "${CMAKE_INSTALL_PREFIX}")
  string(REGEX REPLACE "/$" "" FIELDSYNC_PC_TO_PREFIX "${FIELDSYNC_PC_TO_PREFIX}")
  configure_file(cmake/fieldsync.pc.in ${PROJECT_BINARY_DIR}/fieldsync.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/fieldsync.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endif()

configure_package_config_file(cmake/fieldsyncConfig.cmake.in
  ${PROJECT_BINARY_DIR}/fieldsyncConfig.cmake
  INSTALL_DESTINATION ${FIELDSYNC_CMAKE_DIR})
# 0.x: a new minor version may break the API; from 1.0 on, the same major version.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(fieldsync_compatibility SameMinorVersion)
else()
  set(fieldsync_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${PROJECT_BINARY_DIR}/fieldsyncConfigVersion.cmake
  COMPATIBILITY ${fieldsync_compatibility})
install(FILES ${PROJECT_BINARY_DIR}/fieldsyncConfig.cmake
  ${PROJECT_BINARY_DIR}/fieldsyncConfigVersion.cmake
  DESTINATION ${FIELDSYNC_CMAKE_DIR})
