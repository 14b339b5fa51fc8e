#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs every test.
# In CI (CI=true) it then runs the extra checks, each of which installs and builds what
# it needs in its own build folder: the libFuzzer targets (.ci/fuzz.sh, build-fuzz/)
# and the test suite under ASan+UBSan and TSan (.ci/sanitizers.sh, build-asan/ and
# build-tsan/).
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/build.sh
ctest --test-dir "${FIELDSYNC_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 600

if [ "${CI:-}" = true ]; then
  tested=$SECONDS
  bash .ci/fuzz.sh
  fuzzed=$SECONDS
  bash .ci/sanitizers.sh
  echo "test.sh: build and tests $tested s, fuzzing $((fuzzed - tested)) s," \
       "sanitizers $((SECONDS - fuzzed)) s"
fi
