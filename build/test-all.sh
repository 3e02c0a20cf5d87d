#!/usr/bin/env bash
# Installs what the tests need (Debian packages when run as root, npm packages, the build)
# and runs every tier: static checks, unit, lab (real sshd in network namespaces) and
# browser (Debian's Chromium against `dvsan serve`). Ends with "N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
mkdir -p artifacts/results
rm -f artifacts/results/*.json

debs=(openssh-server openssh-client iproute2 util-linux tgt libiscsi-bin qemu-utils qemu-block-extra qemu-system-common qemu-system-x86 chromium fuse3 poppler-utils openssl)
if [ "$(id -u)" = 0 ]; then
  missing=()
  for p in "${debs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing Debian packages: ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || { echo "apt-get install failed"; exit 1; }
  fi
else
  echo "== not root: Debian packages are not installed and the lab tier is skipped (run with sudo for every tier)"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund || { echo "npm ci failed"; exit 1; }
fi
echo "== build"
npm run --silent build || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# Every lab prefix the test files use; a suite that dies before its own `lab down` leaves
# nothing behind for the next run.
lab_prefixes=(dva dvc dvd dve dvg dvh dvi dvk dvl dvm dvn dvq dvr dvt dvv dvw dvx)
cleanup() {
  [ "$(id -u)" = 0 ] || return 0
  for p in "${lab_prefixes[@]}"; do
    if [ -e "/run/netns/$p-sw" ] || [ -d "/var/lib/dvsan-lab/$p" ]; then node bin/dvsan.mjs lab down --prefix "$p" >/dev/null 2>&1; fi
  done
}
trap cleanup EXIT

checks_passed=0; checks_failed=0
check() {
  echo "== $1"
  if "${@:2}"; then checks_passed=$((checks_passed + 1)); else checks_failed=$((checks_failed + 1)); echo "FAILED: $1"; fi
}
check "typecheck" npm run --silent typecheck
check "lint" npx eslint --max-warnings 0 .
check "format" npx prettier --check --log-level warn .

tier() {
  echo "== $1 tests"
  npx vitest run --project "$1" --reporter=default --reporter=json --outputFile="artifacts/results/$1.json"
}
tier unit
if [ "$(id -u)" = 0 ]; then tier lab; fi
tier e2e

node build/summarize-tests.mjs "$checks_passed" "$checks_failed" artifacts/results/*.json
