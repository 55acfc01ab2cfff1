#!/usr/bin/env bash
# Runs every check Sensate has, in one command:
#   1. formatting (cargo fmt --check)
#   2. lints (cargo clippy --all-targets -D warnings), and the dependencies'
#      licences and sources (cargo deny, deny.toml)
#   3. the Rust tests: unit, store conformance, HTTP, CLI — on SQLite, and on
#      PostgreSQL too when SENSATE_TEST_POSTGRES_URL is set
#   4. the API checked against its OpenAPI document (Schemathesis, as an
#      anonymous visitor, a client and the owner of a demo practice)
#   5. the browser tests (Playwright driving Debian's Chromium, axe-core)
# It sets up what a fresh Debian machine lacks (Node.js, Chromium, npm
# packages, Schemathesis) and ends with a summary. Exit status is non-zero if any step failed.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log_dir="$(mktemp -d)"
trap 'rm -rf "$log_dir"' EXIT
declare -a names=() results=() seconds=()
failed=0

run_step() {
  local name="$1"
  shift
  echo
  echo "==> $name"
  local started=$SECONDS
  local log="$log_dir/${#names[@]}.log"
  if "$@" 2>&1 | tee "$log"; then
    results+=("ok")
  else
    results+=("FAILED")
    failed=1
  fi
  names+=("$name")
  seconds+=($((SECONDS - started)))
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2
    return 1
  fi
}

ensure_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && return 0
  echo "Installing Node.js and npm from Debian's packages (needed for the browser tests)"
  as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nodejs npm
}

# The server's allocator (jemalloc) is compiled from C source: it needs a C
# compiler and make, which Debian's Rust set-ups usually have already.
ensure_build_tools() {
  command -v make >/dev/null 2>&1 && command -v cc >/dev/null 2>&1 && return 0
  echo "Installing make and a C compiler from Debian's packages (the allocator is built from C source)"
  as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make gcc libc6-dev
}

# The calendar feed tests read Sensate's iCalendar output with an independent
# parser, Python's icalendar package.
ensure_icalendar() {
  python3 -c 'import icalendar' >/dev/null 2>&1 && return 0
  echo "Installing Python's icalendar package (the calendar feed tests parse feeds with it)"
  if command -v python3 >/dev/null 2>&1 && python3 -m pip install --quiet icalendar >/dev/null 2>&1; then
    return 0
  fi
  as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-icalendar
}

# cargo-deny: on PATH, else built once (a few minutes, from crates.io) into
# Cargo's own bin directory, so that every checkout on this machine finds it.
deny_dependencies() {
  local deny=cargo-deny
  if ! command -v "$deny" >/dev/null 2>&1; then
    local root="${CARGO_HOME:-$HOME/.cargo}"
    deny="$root/bin/cargo-deny"
    if [ ! -x "$deny" ]; then
      echo "Installing cargo-deny from crates.io into $root/bin (once per machine)"
      cargo install cargo-deny --version '~0.20' --locked --no-default-features --root "$root" || return 1
    fi
  fi
  "$deny" --locked check licenses bans sources
}

rust_tests() {
  if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
  else
    cargo test --workspace --locked --no-fail-fast
  fi
}

if [ -n "${SENSATE_TEST_POSTGRES_URL:-}" ]; then
  echo "PostgreSQL: engine tests run on SQLite and on the server in SENSATE_TEST_POSTGRES_URL"
else
  echo "PostgreSQL: SENSATE_TEST_POSTGRES_URL is not set, so engine tests run on SQLite only"
  echo "            (e.g. SENSATE_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres)"
fi

ensure_build_tools || echo "warning: could not install make and a C compiler; the build will fail"
run_step "format" cargo fmt --all -- --check
run_step "lints" cargo clippy --workspace --all-targets --locked -- -D warnings
run_step "dependencies" deny_dependencies
ensure_icalendar || echo "warning: could not install Python's icalendar; the calendar feed test will fail"
run_step "rust tests" rust_tests
run_step "build server for browser tests" cargo build --locked -p sensate-server
run_step "API schema check" env SENSATE_BIN="$PWD/target/debug/sensate" scripts/api-check.sh
if ensure_node; then
  run_step "browser tests" env SENSATE_BIN="$PWD/target/debug/sensate" e2e/run.sh
else
  run_step "browser tests" false
fi

# Test counts, from the runners' own closing lines.
rust_log="$log_dir/3.log"
browser_log="$log_dir/6.log"
sum() { awk '{ total += $1 } END { print total + 0 }'; }
if grep -Eq 'tests? run: ' "$rust_log"; then # nextest
  rust_passed=$(grep -Eo 'tests? run: [0-9]+ passed' "$rust_log" | tail -1 | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+')
  rust_failed=$(grep -Eo 'tests? run: [0-9]+ passed(, [0-9]+ [a-z]+)*' "$rust_log" | tail -1 | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' | sum)
else # cargo test: one "test result" line per test binary
  rust_passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$rust_log" | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+' | sum)
  rust_failed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$rust_log" | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+' | sum)
fi
browser_passed=$(grep -Eo '^ *[0-9]+ passed' "$browser_log" | tail -1 | grep -Eo '[0-9]+' || true)
browser_failed=$(grep -Eo '^ *[0-9]+ failed' "$browser_log" | tail -1 | grep -Eo '[0-9]+' || true)

echo
echo "==> Summary"
for i in "${!names[@]}"; do
  printf '  %-32s %-7s %4ss\n' "${names[$i]}" "${results[$i]}" "${seconds[$i]}"
done
echo "  Rust tests: ${rust_passed:-0} passed, ${rust_failed:-0} failed; browser tests: ${browser_passed:-0} passed, ${browser_failed:-0} failed"
total_passed=$(( ${rust_passed:-0} + ${browser_passed:-0} ))
total_failed=$(( ${rust_failed:-0} + ${browser_failed:-0} ))
if [ "$failed" -ne 0 ] && [ "$total_failed" -eq 0 ]; then
  total_failed=1 # a step failed without a test failing (fmt, lints, build, set-up)
fi
echo "tests: $total_passed passed, $total_failed failed"
exit "$failed"
