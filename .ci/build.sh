#!/usr/bin/env bash
# Installs what is missing, then configures and builds fieldsync into build/
# (or the folder named by FIELDSYNC_BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/deps.sh
# ccache keys on paths: make them relative to the checkout so that another clone (CI's)
# hits the same cache entries.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
build_dir="${FIELDSYNC_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
