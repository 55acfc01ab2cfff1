#!/usr/bin/env bash
# Runs Sensate's browser tests (Playwright + Debian's Chromium + axe-core)
# against a built `sensate` binary. Extra arguments go to `playwright test`,
# e.g. `e2e/run.sh tests/auth.spec.js` or `e2e/run.sh -g "sign-in"`.
#
# Sets itself up on a fresh Debian machine: installs the chromium package if
# needed and the npm dependencies from package-lock.json. Playwright's own
# browser downloads are never used.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() {
  echo "e2e: $*" >&2
  exit 1
}

# Resolve SENSATE_BIN before changing directory: a relative value is taken
# relative to the caller's working directory; the default is relative to e2e/.
if [ -n "${SENSATE_BIN:-}" ]; then
  case "$SENSATE_BIN" in
    /*) bin="$SENSATE_BIN" ;;
    *) bin="$PWD/$SENSATE_BIN" ;;
  esac
else
  bin="$here/../target/debug/sensate"
fi
bin_dir="$(cd "$(dirname "$bin")" 2>/dev/null && pwd)" || bin_dir=""
if [ -z "$bin_dir" ] || [ ! -f "$bin_dir/$(basename "$bin")" ] || [ ! -x "$bin_dir/$(basename "$bin")" ]; then
  die "sensate binary not found at $bin — build it first: cargo build -p sensate-server (or set SENSATE_BIN)"
fi
SENSATE_BIN="$bin_dir/$(basename "$bin")"
export SENSATE_BIN

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

chromium="${SENSATE_E2E_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$chromium" != /usr/bin/chromium ]; then
    die "SENSATE_E2E_CHROMIUM=$chromium is not an executable"
  fi
  command -v apt-get >/dev/null 2>&1 || die "/usr/bin/chromium is missing and apt-get is not available; install Chromium first"
  echo "e2e: installing Debian's chromium package" >&2
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
fi

command -v node >/dev/null 2>&1 || die "node is not installed (Node.js 20 or newer is needed)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"

cd "$here"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "e2e: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund
fi

exec npx --no-install playwright test "$@"
