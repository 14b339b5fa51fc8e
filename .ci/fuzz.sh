#!/usr/bin/env bash
# CI only (test.sh runs it when CI=true), or by hand: builds the libFuzzer targets of
# tests/fuzz with clang into build-fuzz/ (libFuzzer + ASan + UBSan, no cpprestsdk) and
# runs each for FIELDSYNC_FUZZ_SECONDS (60 by default) on a scratch copy of its seed
# corpus, tests/fuzz/corpus/<target>/, with its dictionary tests/fuzz/<target>.dict. Fails on any crash, sanitizer report or broken
# invariant; the input that did it is kept in build-fuzz/findings/<target>/.
# FIELDSYNC_FUZZ_TARGETS names a subset ("csv_import_fuzzer ...").
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/deps.sh fuzz
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
dir=build-fuzz
seconds="${FIELDSYNC_FUZZ_SECONDS:-60}"
targets=(${FIELDSYNC_FUZZ_TARGETS:-protocol_decode_fuzzer schema_validation_fuzzer csv_import_fuzzer
                                   http_front_fuzzer})

start=$SECONDS
CC=clang CXX=clang++ cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFIELDSYNC_FUZZ=ON \
  -DFIELDSYNC_BUILD_HTTP=OFF -DFIELDSYNC_BUILD_TESTS=OFF -DFIELDSYNC_BUILD_BENCH=OFF >/dev/null
cmake --build "$dir" -j "$(nproc)" --target "${targets[@]}"
echo "fuzz: build $((SECONDS - start)) s"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
status=0
for target in "${targets[@]}"; do
  seeds="tests/fuzz/corpus/$target"
  work="$dir/corpus/$target"      # grows as the fuzzer finds new coverage; never committed
  findings="$dir/findings/$target"
  rm -rf "$work" "$findings"
  mkdir -p "$work" "$findings"
  cp "$seeds"/* "$work"/
  log="$dir/$target.log"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1
           -artifact_prefix="$findings/")
  [ -f "tests/fuzz/$target.dict" ] && options+=(-dict="tests/fuzz/$target.dict")
  echo "fuzz: $target for ${seconds} s on $(ls "$seeds" | wc -l) seeds"
  if ! "$dir/tests/fuzz/$target" "${options[@]}" "$work" >"$log" 2>&1; then
    echo "fuzz: $target FAILED; the input is in $findings/:" >&2
    ls -l "$findings" >&2
    tail -n 80 "$log" >&2
    status=1
    continue
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  cov="$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)"
  echo "fuzz: $target ok: ${runs:-?} executions, $cov, corpus $(ls "$work" | wc -l) inputs"
done
echo "fuzz: total $((SECONDS - start)) s"
exit $status
