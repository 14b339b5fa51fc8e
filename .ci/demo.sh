#!/usr/bin/env bash
# The README's run command: installs what is missing, builds, and plays a field day
# against a real fieldsync-server serving HTTPS on 127.0.0.1 with a throwaway CA's
# certificate (see platform/demo/field_day.cpp). `--keep-serving` leaves the server
# running at the end, with the office console, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/build.sh
"${FIELDSYNC_BUILD_DIR:-build}/platform/fieldsync-demo" "$@"
