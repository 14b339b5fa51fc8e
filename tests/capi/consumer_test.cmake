# The package as an app sees it: `cmake --install` of this build into a temporary
# prefix, then tests/capi/consumer configured against it with find_package(fieldsync),
# built (C and C++ consumers; then the C consumer alone with COMPONENTS c) and run, and
# the C consumer built once more with pkg-config's flags when pkg-config is there.
# Run as: cmake -DBUILD_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DC_COMPILER=...
#   -DCXX_COMPILER=... -DC_FLAGS=... -DCXX_FLAGS=... -DLINKER_FLAGS=... -DBUILD_TYPE=...
#   -DLAUNCHER=... -P consumer_test.cmake
cmake_policy(VERSION 3.22)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE failed OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(failed)
    string(REPLACE ";" " " command "${ARGN}")
    message(FATAL_ERROR "failed (${failed}): ${command}\n${out}\n${err}")
  endif()
  set(output "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})

foreach(variant IN ITEMS both-components c-component)
  set(build ${WORK_DIR}/build-${variant})
  set(c_only OFF)
  if(variant STREQUAL "c-component")
    set(c_only ON)
  endif()
  run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=${BUILD_TYPE}
    -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER}
    -DCMAKE_C_COMPILER_LAUNCHER=${LAUNCHER} -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}
    "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_CXX_FLAGS=${CXX_FLAGS}"
    "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}" -DCONSUMER_C_ONLY=${c_only})
  run(${CMAKE_COMMAND} --build ${build})
  run(${build}/c_consumer ${WORK_DIR}/${variant}-c.db)
  message(STATUS "${output}")
  if(NOT c_only)
    run(${build}/cpp_consumer ${WORK_DIR}/${variant}-cpp.db)
    message(STATUS "${output}")
  endif()
endforeach()

find_program(PKG_CONFIG pkg-config)
if(PKG_CONFIG)
  # The .pc file locates itself: no prefix is passed but its folder.
  file(GLOB pc_dirs ${prefix}/lib*/pkgconfig ${prefix}/lib/*/pkgconfig)
  string(REPLACE ";" ":" pc_path "${pc_dirs}")
  set(ENV{PKG_CONFIG_PATH} "${pc_path}")
  run(${PKG_CONFIG} --cflags --libs fieldsync)
  string(STRIP "${output}" flags)
  separate_arguments(flags UNIX_COMMAND "${flags}")
  separate_arguments(c_flags UNIX_COMMAND "${C_FLAGS} ${LINKER_FLAGS}")
  string(REGEX REPLACE ".*-L([^ ]+).*" "\\1" libdir "${output}")
  run(${C_COMPILER} -std=c99 -Wall -Wextra -Wpedantic -Werror ${c_flags}
    ${SOURCE_DIR}/consumer.c ${flags} -Wl,-rpath,${libdir} -o ${WORK_DIR}/c_consumer_pc)
  run(${WORK_DIR}/c_consumer_pc ${WORK_DIR}/pkg-config.db)
  message(STATUS "pkg-config: ${output}")
endif()
