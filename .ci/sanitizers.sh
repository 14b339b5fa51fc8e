#!/usr/bin/env bash
# CI only (test.sh runs it when CI=true): the test suite under sanitizers.
#   build-asan/  every test but the browser tests, GCC, AddressSanitizer + LeakSanitizer +
#                UBSan (the browser tests drive the console's pages, whose server calls
#                the integration tests make too; under ASan the command lines that make
#                their world take longer than a browser test's deadline);
#   build-tsan/  the sync, server and simulation tests (and the HTTP tests), GCC,
#                ThreadSanitizer.
# .ci/lsan.supp, .ci/ubsan.supp and .ci/tsan.supp hold suppressions for third-party code
# only.
# Every sanitizer writes its reports to files under <build>/sanitizer-logs/ (child
# processes too, such as the fieldsync-server the tests start); any report fails the
# run, as does any failing test. FIELDSYNC_SANITIZERS=asan or =tsan runs one half.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/deps.sh
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
# The simulation is about orderings, not volume: fewer seeds under the sanitizers.
export FIELDSYNC_SIM_SEEDS="${FIELDSYNC_SIM_SEEDS:-60}"
which="${FIELDSYNC_SANITIZERS:-asan tsan}"
jobs="$(nproc)"

# configure <dir> <sanitizer flags>: a GCC build of the tests at -O1 with line tables
# only (-g1): stack traces keep their file:line, and a cold build takes far less time
# than at -O2 -g.
configure() {
  local dir="$1" flags="$2"
  CC=gcc CXX=g++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
    -DFIELDSYNC_BUILD_BENCH=OFF -DFIELDSYNC_BUILD_TESTS=ON \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="$flags" -DCMAKE_SHARED_LINKER_FLAGS="$flags" >/dev/null
}

# fresh_logs <dir>: an empty folder for the sanitizers' report files.
fresh_logs() {
  rm -rf "$1/sanitizer-logs"
  mkdir -p "$1/sanitizer-logs"
}

# check_logs <dir> <name>: fails, printing them, when any sanitizer wrote a report.
check_logs() {
  local logs
  logs="$(find "$1/sanitizer-logs" -type f -size +0c | sort)"
  if [ -n "$logs" ]; then
    echo "sanitizers: $2 reported problems:" >&2
    for f in $logs; do echo "--- $f" >&2; cat "$f" >&2; done
    return 1
  fi
  echo "sanitizers: $2 clean"
}

run_asan() {
  local dir=build-asan
  local start=$SECONDS
  configure "$dir" "-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" ||
    return 1
  cmake --build "$dir" -j "$jobs" || return 1
  local built=$SECONDS
  fresh_logs "$dir"
  local logs="$PWD/$dir/sanitizer-logs"
  local status=0
  ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:check_initialization_order=1:log_path=$logs/asan" \
  LSAN_OPTIONS="suppressions=$PWD/.ci/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/.ci/ubsan.supp:print_suppressions=0:log_path=$logs/ubsan" \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 600 -LE browser || status=$?
  check_logs "$dir" "ASan+UBSan" || status=1
  echo "sanitizers: ASan+UBSan build $((built - start)) s, tests $((SECONDS - built)) s"
  return $status
}

run_tsan() {
  local dir=build-tsan
  local start=$SECONDS
  configure "$dir" "-fsanitize=thread -fno-omit-frame-pointer" || return 1
  local targets=(fieldsync_sync_tests fieldsync_server_tests fieldsync_simulation_tests
                 fieldsync_http_tests)
  cmake --build "$dir" -j "$jobs" --target "${targets[@]}" || return 1
  local built=$SECONDS
  fresh_logs "$dir"
  local logs="$PWD/$dir/sanitizer-logs"
  local status=0 test
  for test in "${targets[@]}"; do
    local binary
    binary="$(find "$dir/tests" -type f -name "$test" -perm -u+x | head -n 1)"
    echo "sanitizers: TSan $test"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:history_size=4:suppressions=$PWD/.ci/tsan.supp:print_suppressions=0:log_path=$logs/tsan" \
      "$binary" --gtest_brief=1 || { echo "sanitizers: $test failed under TSan" >&2; status=1; }
  done
  check_logs "$dir" "TSan" || status=1
  echo "sanitizers: TSan build $((built - start)) s, tests $((SECONDS - built)) s"
  return $status
}

# set -e does not reach into a function called as `f || ...`: each step above returns
# its own failure.
status=0
for s in $which; do
  case "$s" in
    asan) run_asan || status=1 ;;
    tsan) run_tsan || status=1 ;;
    *) echo "sanitizers: unknown FIELDSYNC_SANITIZERS entry '$s' (asan, tsan)" >&2; exit 2 ;;
  esac
done
exit $status
