# shellcheck shell=bash
# wrk helpers for bench/load.sh: installing wrk, running it, and reading its
# `--latency` report. Sourced, not executed; relies on the caller's
# `set -euo pipefail` and on `die`/`say` from bench/load.sh.

# Installs wrk from the Debian package if it is not on PATH.
ensure_wrk() {
    if command -v wrk >/dev/null 2>&1 && command -v curl >/dev/null 2>&1; then
        return 0
    fi
    say "wrk or curl not found; installing the Debian packages"
    command -v apt-get >/dev/null 2>&1 \
        || die "wrk is missing and apt-get is not available; install wrk by hand"
    local sudo=()
    if [[ "$(id -u)" -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 \
            || die "wrk is missing; installing it needs root or sudo"
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update \
        || die "apt-get update failed"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk curl \
        || die "apt-get install -y wrk curl failed"
    command -v wrk >/dev/null 2>&1 || die "wrk still not on PATH after installing it"
}

# duration_seconds 10s|2m|1h|10 -> whole seconds. wrk accepts these forms too.
duration_seconds() {
    local d="$1"
    [[ "$d" =~ ^([0-9]+)([smh]?)$ ]] \
        || die "DURATION must look like 10s, 2m, 1h or 10 (got '$d')"
    local n="${BASH_REMATCH[1]}" unit="${BASH_REMATCH[2]}"
    case "$unit" in
        m) echo $((n * 60)) ;;
        h) echo $((n * 3600)) ;;
        *) echo "$n" ;;
    esac
}

# wrk_to_ms 280.00us|1.23ms|2.00s|1.00m|1.00h -> milliseconds.
# These are the units wrk's format_time_us prints.
wrk_to_ms() {
    awk -v v="$1" 'BEGIN {
        if (match(v, /^[0-9]+(\.[0-9]+)?/) == 0) exit 1
        n = substr(v, 1, RLENGTH); u = substr(v, RLENGTH + 1)
        if      (u == "us") f = 0.001
        else if (u == "ms") f = 1
        else if (u == "s")  f = 1000
        else if (u == "m")  f = 60000
        else if (u == "h")  f = 3600000
        else exit 1
        printf "%.6f\n", n * f
    }' || return 1
}

# wrk_parse FILE -> "RPS P50_MS P99_MS" from a `wrk --latency` report.
# Fails (with a message on stderr) if the report shows socket errors, HTTP
# errors (wrk counts status >= 400 as "Non-2xx or 3xx responses"), no
# requests, or lacks a figure.
wrk_parse() {
    local file="$1" rps p50 p99 requests
    if grep -q '^[[:space:]]*Socket errors:' "$file"; then
        echo "wrk reported socket errors: $(grep '^[[:space:]]*Socket errors:' "$file" | sed 's/^[[:space:]]*//')" >&2
        return 1
    fi
    if grep -q '^[[:space:]]*Non-2xx or 3xx responses:' "$file"; then
        echo "wrk reported error responses: $(grep '^[[:space:]]*Non-2xx or 3xx responses:' "$file" | sed 's/^[[:space:]]*//')" >&2
        return 1
    fi
    requests="$(awk '$2 == "requests" && $3 == "in" { print $1; exit }' "$file")"
    rps="$(awk '$1 == "Requests/sec:" { print $2; exit }' "$file")"
    p50="$(awk '$1 == "50%" { print $2; exit }' "$file")"
    p99="$(awk '$1 == "99%" { print $2; exit }' "$file")"
    if [[ -z "$requests" || -z "$rps" || -z "$p50" || -z "$p99" ]]; then
        echo "could not find requests / Requests/sec / 50% / 99% in wrk's report (was --latency passed?)" >&2
        return 1
    fi
    if [[ "$requests" == 0 ]]; then
        echo "wrk completed no requests" >&2
        return 1
    fi
    local p50_ms p99_ms
    p50_ms="$(wrk_to_ms "$p50")" || { echo "unknown latency unit in '$p50'" >&2; return 1; }
    p99_ms="$(wrk_to_ms "$p99")" || { echo "unknown latency unit in '$p99'" >&2; return 1; }
    echo "$rps $p50_ms $p99_ms"
}

# run_wrk URL SECONDS_LABEL OUTFILE [WRK ARGS...]: one bounded wrk run with the
# configured threads/connections; extra arguments (headers, a Lua script) go
# to wrk. The outer `timeout` is a backstop should wrk hang.
run_wrk() {
    local url="$1" duration="$2" out="$3" secs
    shift 3
    secs="$(duration_seconds "$duration")"
    timeout --kill-after=5 "$((secs + 30))" \
        wrk --latency -t "$THREADS" -c "$CONNECTIONS" -d "$duration" "$@" "$url" >"$out" 2>&1
}
