# The setup of the browser tests (ctest's browser.npm_ci): installs the packages of
# package-lock.json with `npm ci` into PREFIX/node_modules, unless the lockfile there
# is already the one installed. Run as
#   cmake -DNPM=<npm> -DSOURCE_DIR=<tests/browser> -DPREFIX=<build folder> -P npm_ci.cmake
# The source tree is never written: package.json and the lockfile are copied to PREFIX.
foreach(variable NPM SOURCE_DIR PREFIX)
  if(NOT ${variable})
    message(FATAL_ERROR "npm_ci.cmake needs -D${variable}=...")
  endif()
endforeach()

set(lockfile "${SOURCE_DIR}/package-lock.json")
set(stamp "${PREFIX}/installed-lockfile.sha256")
file(SHA256 "${lockfile}" wanted)
if(EXISTS "${stamp}" AND EXISTS "${PREFIX}/node_modules/puppeteer-core/package.json")
  file(READ "${stamp}" installed)
  if(installed STREQUAL wanted)
    message(STATUS "browser tests: node_modules in ${PREFIX} is up to date")
    return()
  endif()
endif()

file(MAKE_DIRECTORY "${PREFIX}")
file(REMOVE "${stamp}")
file(COPY "${SOURCE_DIR}/package.json" "${lockfile}" DESTINATION "${PREFIX}")
message(STATUS "browser tests: npm ci --prefix ${PREFIX}")
execute_process(COMMAND "${NPM}" ci --prefix "${PREFIX}" --no-audit --no-fund
                RESULT_VARIABLE result)
if(NOT result EQUAL 0)
  message(FATAL_ERROR "browser tests: `npm ci` of ${lockfile} failed (${result}): the "
                      "browser tests need the npm registry once per build folder, to install "
                      "puppeteer-core into ${PREFIX}/node_modules")
endif()
file(WRITE "${stamp}" "${wanted}")
