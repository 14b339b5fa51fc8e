# A C library exports exactly the functions its header declares (those marked with
# MACRO, at least MIN_COUNT of them): nothing of the C++ inside it (core, sync,
# cpprestsdk, nlohmann_json, the standard library) and no declared function missing.
# Run as: cmake -DNM=... -DLIBRARY=... -DHEADER=... -DMACRO=FIELDSYNC_C_API
#   -DMIN_COUNT=30 -P exports_test.cmake
execute_process(COMMAND ${NM} -D --defined-only ${LIBRARY}
  OUTPUT_VARIABLE symbols RESULT_VARIABLE failed)
if(failed)
  message(FATAL_ERROR "${NM} failed on ${LIBRARY}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${symbols}")
set(exported "")
foreach(line IN LISTS lines)
  # "0000000000012345 T fieldsync_version@@FIELDSYNC_1"; the version node itself is "A".
  if(line MATCHES "^[0-9a-f]* A ")
    continue()
  endif()
  string(REGEX REPLACE "^[0-9a-f]* [A-Za-z] ([^@]+).*$" "\\1" name "${line}")
  list(APPEND exported ${name})
endforeach()

file(READ ${HEADER} header)
# A declaration may be wrapped after its return type.
string(REGEX MATCHALL "${MACRO}[^;(]*[ \n*](fieldsync_[a-z_0-9]+)\\(" declarations
  "${header}")
set(declared "")
foreach(declaration IN LISTS declarations)
  string(REGEX REPLACE ".*(fieldsync_[a-z_0-9]+)\\($" "\\1" name "${declaration}")
  list(APPEND declared ${name})
endforeach()

list(LENGTH declared declared_count)
if(declared_count LESS MIN_COUNT)
  message(FATAL_ERROR "found only ${declared_count} declarations in ${HEADER}: "
                      "the pattern no longer matches the header")
endif()
set(unexpected ${exported})
list(REMOVE_ITEM unexpected ${declared})
set(missing ${declared})
list(REMOVE_ITEM missing ${exported})
if(unexpected OR missing)
  message(FATAL_ERROR "exported but not declared: ${unexpected}\n"
                      "declared but not exported: ${missing}")
endif()
list(LENGTH exported exported_count)
message(STATUS "${LIBRARY} exports the ${exported_count} functions of ${HEADER}, no more")
