#!/usr/bin/env bash
# Installs the Debian packages fieldsync needs, only those that are missing.
# Called by build.sh (and by fuzz.sh with the argument `fuzz`); safe to run again.
# Needs root (or sudo) the first time.
set -euo pipefail

# openssl makes the throwaway CA and certificates of the demo and the TLS tests
# (platform/loopback_tls.h); nginx (its ssl and proxy modules) runs in front of the
# server in tests/integration/nginx_test.cpp, as docs/server.md deploys it.
# libsodium (ISC licence) hashes the office console's passwords with Argon2id, a
# memory-hard hash from a maintained library (issue 14).
# libxlsxwriter (BSD-2-Clause) writes the console's XLSX downloads.
# libqrencode (LGPL-2.1) makes the QR codes of the console's enrollment codes; zbar
# (LGPL-2.1) decodes them in tests/integration/console_people_test.cpp.
# chromium (BSD-3-Clause) runs the office console's browser tests headless
# (tests/browser/), with fonts-noto-cjk (SIL OFL 1.1) so that its Chinese pages render.
packages=(cmake make g++ ccache pkg-config
          libsqlite3-dev libssl-dev libcpprest-dev nlohmann-json3-dev libboost-dev libgtest-dev
          libhowardhinnant-date-dev tzdata libicu-dev openssl nginx libsodium-dev libxlsxwriter-dev
          libqrencode-dev libzbar-dev
          chromium fonts-noto-cjk)
# Node.js (MIT) and npm (Artistic-2.0) run the browser tests' driver, puppeteer-core,
# which npm installs into the build folder (tests/browser/package-lock.json). Debian's
# nodejs 18 and npm 9 are taken only when no `node` or `npm` is on the PATH: a Node.js
# installed otherwise (a newer one) is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi
# `deps.sh fuzz` (from .ci/fuzz.sh): clang with libFuzzer and its sanitizer runtimes,
# and llvm-symbolizer for readable reports.
if [ "${1:-}" = fuzz ]; then
  packages+=(clang libclang-rt-14-dev llvm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "fieldsync: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "fieldsync: run as root or install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"

# Installing nginx starts Debian's own nginx on port 80 of every address. The tests run
# their own nginx on loopback; the system one installed just now for them is stopped
# and disabled, so installing fieldsync's test tools opens no port to the network.
if [[ " ${missing[*]} " == *" nginx "* ]]; then
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    $sudo systemctl disable --now nginx >/dev/null 2>&1 || true
  elif [ -x /etc/init.d/nginx ]; then
    $sudo /etc/init.d/nginx stop >/dev/null 2>&1 || true
    command -v update-rc.d >/dev/null && $sudo update-rc.d nginx disable >/dev/null 2>&1 || true
  fi
fi
