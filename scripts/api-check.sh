#!/usr/bin/env bash
# Checks the JSON API against its own OpenAPI document with Schemathesis:
# every operation is called with generated valid and invalid input, and
# every answer must be one the document lists, in the shape it gives, and
# never a server error. Three callers, each a run of its own: an anonymous
# visitor, a signed-in client and the practice owner (past the second step).
#
# Runs against a fresh `sensate demo` from a built binary (SENSATE_BIN,
# default target/debug/sensate). Installs Schemathesis from PyPI when it is
# missing. The generated cases follow SCHEMATHESIS_SEED, so a run can be
# repeated exactly; SCHEMATHESIS_EXAMPLES sets how many per operation.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bin="${SENSATE_BIN:-target/debug/sensate}"
seed="${SCHEMATHESIS_SEED:-20261207}"
examples="${SCHEMATHESIS_EXAMPLES:-150}"
password="demo-practice-2026"

die() {
  echo "api-check: $*" >&2
  exit 1
}

[ -x "$bin" ] || die "no sensate binary at $bin; build it first: cargo build -p sensate-server"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root (or sudo) to run: $*" >&2
    return 1
  fi
}

# Schemathesis: on PATH, else from PyPI into the user's Python, else (where
# the system Python is managed by Debian and refuses pip) into a virtual
# environment under target/.
st=schemathesis
venv="target/tools/schemathesis"
wanted='schemathesis>=4,<5'
if ! command -v "$st" >/dev/null 2>&1; then
  st="$venv/bin/schemathesis"
  if [ ! -x "$st" ]; then
    echo "Installing Schemathesis from PyPI"
    if python3 -m pip install --quiet "$wanted" >/dev/null 2>&1 && command -v schemathesis >/dev/null 2>&1; then
      st=schemathesis
    else
      python3 -m venv "$venv" 2>/dev/null ||
        { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv && python3 -m venv "$venv"; } ||
        die "could not make a Python virtual environment for schemathesis"
      "$venv/bin/pip" install --quiet "$wanted" || die "could not install schemathesis from PyPI"
    fi
  fi
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
"$bin" demo --listen "127.0.0.1:$port" --data-dir "$work/data" >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; die "the demo server stopped"; }
  sleep 1
done
curl -fsS "$base/healthz" >/dev/null || die "the demo server did not answer within 60 s"

# A cookie's value from a curl cookie jar.
cookie() { awk -v name="$2" '$6 == name { print $7 }' "$1"; }

# Signs in through the API as $1 into cookie jar $2 and prints the
# anti-forgery token. Staff also pass the second step: the demo's
# second-step page shows the current code of its fictional accounts.
# The anti-forgery token of the session in cookie jar $1 (signing in gives a new one).
csrf_token() {
  curl -fsS -c "$1" -b "$1" "$base/api/v1/session" | python3 -c 'import json, sys; print(json.load(sys.stdin)["csrf_token"])'
}

sign_in() {
  local email="$1" jar="$2" code
  curl -fsS -o /dev/null -c "$jar" -b "$jar" -H "X-CSRF-Token: $(csrf_token "$jar")" -H 'Content-Type: application/json' \
    -d "{\"email\": \"$email\", \"password\": \"$password\"}" "$base/api/v1/session" || die "could not sign in as $email"
  code="$(curl -fsS -b "$jar" "$base/mfa" | grep -Eo 'current code for this fictional account is [0-9]{6}' | grep -Eo '[0-9]{6}' || true)"
  if [ -n "$code" ]; then
    curl -fsS -o /dev/null -c "$jar" -b "$jar" -H "X-CSRF-Token: $(csrf_token "$jar")" -H 'Content-Type: application/json' \
      -d "{\"code\": \"$code\"}" "$base/api/v1/session/mfa" || die "could not pass the second step as $email"
  fi
  csrf_token "$jar"
}

failed=0
# One Schemathesis run; extra arguments (headers, exclusions) follow the label.
check() {
  local label="$1"
  shift
  echo
  echo "--> API checked as $label"
  if ! "$st" --config-file scripts/schemathesis.toml run "$base/api/openapi.json" --url "$base" --checks all \
    --max-examples "$examples" --seed "$seed" --no-color "$@"; then
    failed=1
  fi
}

# Everyone signs in first: the runs try many wrong passwords, and enough of
# them from one address close sign-in to that address for a while (429).
people=(jordan@client.example owner@harbor.example)
declare -A tokens
for who in "${people[@]}"; do
  tokens[$who]="$(sign_in "$who" "$work/$who.jar")"
done

# A visitor who is not signed in still has the anti-forgery token (a
# request without it is refused before anything runs, as the Rust tests
# check), so that sign-in, resets and acceptances are exercised too.
jar="$work/anonymous.jar"
token="$(csrf_token "$jar")"
check "an anonymous visitor" -H "Cookie: sensate_csrf=$(cookie "$jar" sensate_csrf)" -H "X-CSRF-Token: $token"

for who in "${people[@]}"; do
  jar="$work/$who.jar"
  headers=(-H "Cookie: sensate_session=$(cookie "$jar" sensate_session); sensate_csrf=$(cookie "$jar" sensate_csrf)"
    -H "X-CSRF-Token: ${tokens[$who]}")
  # Signing out would leave the rest of the run anonymous, which the first
  # run covers; it is checked there.
  check "$who" "${headers[@]}" --exclude-name 'DELETE /api/v1/session'
done

exit "$failed"
