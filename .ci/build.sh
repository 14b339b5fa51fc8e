#!/usr/bin/env bash
# Installs what is missing, then configures and builds fieldsync into build/
# (or the folder named by FIELDSYNC_BUILD_DIR). Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/deps.sh
build_dir="${FIELDSYNC_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
