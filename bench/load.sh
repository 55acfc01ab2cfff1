#!/usr/bin/env bash
# Load benchmark: Sensate's HTTP throughput and latency as ratios to an axum
# hello-world baseline measured in the same run on the same machine.
#
#   bench/load.sh                       # full run (installs wrk, builds, measures)
#   DURATION=30s CONNECTIONS=64 bench/load.sh
#   SENSATE_BIN=... BASELINE_BIN=...    # use prebuilt binaries, skip cargo build
#   THERAPISTS=100000 bench/load.sh     # the demo directory with 100,000 synthetic therapists
#
# This is a benchmark, not a test: it reports figures, it does not pass/fail on
# them. It exits non-zero only when a measurement is invalid (a server did not
# start, or wrk saw socket errors or HTTP error responses). See bench/README.md.
set -euo pipefail

# ---- Endpoints measured on Sensate ---------------------------------------------
# One entry per endpoint: "PATH  LABEL" (the path has no spaces; the rest of the
# line is the label). To measure another page, add a line. Every path must
# answer GET with 2xx on a fresh `sensate demo` server, without signing in.
ENDPOINTS=(
    "/healthz  health check"
    "/         home page"
    "/therapists?format=telehealth&state=AK  directory: no one found (the page and the version check alone)"
    "/therapists?concerns=low-desire&format=telehealth&state=NY  directory: concern, telehealth in NY"
    "/therapists?near=10001&radius_km=25&format=in_person&sort=distance  directory: near a ZIP, 25 km, nearest first"
    "/therapists?concerns=erection-difficulties&insurance=aetna&near=60614&radius_km=40  directory: concern, in network, near a ZIP"
    "/therapists?concerns=low-desire&format=telehealth&state=NY&sort=soonest  directory: concern, telehealth in NY, soonest available first"
)

# ---- Knobs ------------------------------------------------------------------------
DURATION="${DURATION:-10s}"              # measured wrk run per endpoint
CONNECTIONS="${CONNECTIONS:-32}"         # open connections
THREADS="${THREADS:-1}"                  # wrk threads: 1 leaves a core for the server
WARMUP="${WARMUP:-2s}"                   # unmeasured wrk run before each measured one
STARTUP_TIMEOUT_SET="${STARTUP_TIMEOUT:-}"
STARTUP_TIMEOUT="${STARTUP_TIMEOUT:-60}" # seconds to wait for a server to answer
BENCH_SELFTEST="${BENCH_SELFTEST:-0}"    # 1: "Sensate" phase runs the baseline binary
THERAPISTS="${THERAPISTS:-0}"            # synthetic therapists in the demo directory (sensate demo --therapists)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RESULTS_DIR="$ROOT/bench/results"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench/load.sh: error: %s\n' "$*" >&2; exit 1; }

# shellcheck source=bench/lib/wrk.sh
source "$ROOT/bench/lib/wrk.sh"
# shellcheck source=bench/lib/server.sh
source "$ROOT/bench/lib/server.sh"

# ---- Validate knobs -----------------------------------------------------------------
duration_seconds "$DURATION" >/dev/null
duration_seconds "$WARMUP" >/dev/null
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "CONNECTIONS must be a positive integer (got '$CONNECTIONS')"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "THREADS must be a positive integer (got '$THREADS')"
((CONNECTIONS >= THREADS)) || die "CONNECTIONS ($CONNECTIONS) must be >= THREADS ($THREADS)"
[[ "$STARTUP_TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "STARTUP_TIMEOUT must be a positive integer of seconds"
[[ "$THERAPISTS" =~ ^(0|[1-9][0-9]*)$ ]] || die "THERAPISTS must be a whole number (got '$THERAPISTS')"
# Adding synthetic therapists takes a while (about 20 s for 100,000 on a small shared machine).
if ((THERAPISTS > 0)) && [[ -z "${STARTUP_TIMEOUT_SET:-}" ]]; then
    STARTUP_TIMEOUT=$((STARTUP_TIMEOUT + THERAPISTS / 500))
fi

if [[ "$BENCH_SELFTEST" == 1 ]]; then
    # Checks the script's own mechanics (servers, wrk, parsing, ratios, results
    # file) without Sensate: both phases run the hello-world, so every ratio
    # should come out near 100 % / 1.00x, give or take the machine's noise.
    ENDPOINTS=("/  selftest: hello-world standing in for Sensate")
fi

# ---- Clean-up: only the processes and directories this run created -------------------
WORK="$(mktemp -d -t sensate-bench.XXXXXX)"
DATA_DIR=""
cleanup() {
    stop_all_servers
    [[ -n "${BENCH_KEEP_WORK:-}" ]] && cp -r "$WORK" "$BENCH_KEEP_WORK"
    rm -rf "$WORK"
    [[ -n "$DATA_DIR" ]] && rm -rf "$DATA_DIR"
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- Set-up: wrk and release binaries -------------------------------------------------
ensure_wrk

TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
PREBUILT_SENSATE=""
[[ "$BENCH_SELFTEST" != 1 ]] && PREBUILT_SENSATE="${SENSATE_BIN:-}"
PREBUILT_BASELINE="${BASELINE_BIN:-}"
build=()
if [[ -z "${SENSATE_BIN:-}" && "$BENCH_SELFTEST" != 1 ]]; then
    build+=(-p sensate-server)
fi
[[ -z "${BASELINE_BIN:-}" ]] && build+=(-p sensate-bench-baseline)
if ((${#build[@]})); then
    say "cargo build --release ${build[*]}"
    (cd "$ROOT" && cargo build --release "${build[@]}") || die "cargo build --release ${build[*]} failed"
fi
BASELINE_BIN="${BASELINE_BIN:-$TARGET_DIR/release/hello-baseline}"
if [[ "$BENCH_SELFTEST" == 1 ]]; then
    SENSATE_BIN="$BASELINE_BIN"
else
    SENSATE_BIN="${SENSATE_BIN:-$TARGET_DIR/release/sensate}"
fi
[[ -x "$BASELINE_BIN" ]] || die "baseline binary not found or not executable: $BASELINE_BIN"
[[ -x "$SENSATE_BIN" ]] || die "sensate binary not found or not executable: $SENSATE_BIN"

# ---- Measuring --------------------------------------------------------------------------
ROW_NAME=() ROW_RPS=() ROW_P50=() ROW_P99=()
RUN_NO=0
RAW="$WORK/raw.md"
: >"$RAW"

# measure NAME PORT PATH PID [WRK ARGS...]: warm-up, then one measured run;
# appends a row.
measure() {
    local name="$1" port="$2" path="$3" pid="$4"
    shift 4
    local url="http://$BENCH_HOST:$port$path" out parsed rps p50 p99
    RUN_NO=$((RUN_NO + 1))
    out="$WORK/run-$RUN_NO.txt"

    say "warm-up: $name ($WARMUP)"
    run_wrk "$url" "$WARMUP" "$WORK/warmup.txt" "$@" \
        || { cat "$WORK/warmup.txt" >&2; die "wrk warm-up run against $url failed"; }
    say "measure: $name ($DURATION, $THREADS thread(s), $CONNECTIONS connections)"
    run_wrk "$url" "$DURATION" "$out" "$@" \
        || { cat "$out" >&2; die "wrk run against $url failed"; }
    parsed="$(wrk_parse "$out")" \
        || { cat "$out" >&2; die "invalid measurement for $name (GET $url): see wrk's report above"; }
    kill -0 "$pid" 2>/dev/null || die "the server exited while $name was being measured"
    read -r rps p50 p99 <<<"$parsed"

    ROW_NAME+=("$name") ROW_RPS+=("$rps") ROW_P50+=("$p50") ROW_P99+=("$p99")
    {
        printf '### %s\n\n```\n' "$name"
        cat "$out"
        printf '```\n\n'
    } >>"$RAW"
}

# preflight NAME PORT PATH: one plain GET, so a wrong path fails fast and clearly.
preflight() {
    local code
    code="$(http_status "$2" "$3")"
    case "$code" in
        2??) ;;
        3??) say "warning: $1 answers $code (a redirect); wrk measures the redirect, not the page" ;;
        000) die "$1: no answer" ;;
        *) die "$1 answered $code; endpoints must answer 2xx without signing in" ;;
    esac
}

START_DATE="$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
STAMP="$(date -u '+%Y%m%dT%H%M%SZ')"
LOADAVG="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

# Phase 1: the hello-world baseline.
BASE_PORT="$(free_port)"
say "starting baseline on $BENCH_HOST:$BASE_PORT"
start_server "$WORK/baseline.log" "$BASELINE_BIN" "$BENCH_HOST:$BASE_PORT"
wait_ready "the baseline" "$SERVER_PID" "$BASE_PORT" / "$STARTUP_TIMEOUT" "$WORK/baseline.log"
measure "baseline: hello-world GET /" "$BASE_PORT" / "$SERVER_PID"
stop_server "$SERVER_PID"

# Phase 2: Sensate with a demo practice (or, in selftest, the baseline again).
SENSATE_PORT="$(free_port "$BASE_PORT")"
if [[ "$BENCH_SELFTEST" == 1 ]]; then
    say "selftest: starting the baseline again as the stand-in for Sensate on $BENCH_HOST:$SENSATE_PORT"
    start_server "$WORK/sensate.log" "$SENSATE_BIN" "$BENCH_HOST:$SENSATE_PORT"
    HEALTH_PATH=/
else
    DATA_DIR="$(mktemp -d -t sensate-bench-data.XXXXXX)"
    say "starting sensate demo --therapists $THERAPISTS on $BENCH_HOST:$SENSATE_PORT (data dir $DATA_DIR)"
    start_server "$WORK/sensate.log" "$SENSATE_BIN" demo \
        --listen "$BENCH_HOST:$SENSATE_PORT" --data-dir "$DATA_DIR" --therapists "$THERAPISTS"
    HEALTH_PATH=/healthz
fi
SENSATE_PID="$SERVER_PID"
STARTED_AT="$(date +%s.%N)"
wait_ready "sensate" "$SENSATE_PID" "$SENSATE_PORT" "$HEALTH_PATH" "$STARTUP_TIMEOUT" "$WORK/sensate.log"
START_SECONDS="$(awk -v a="$STARTED_AT" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
RSS_AT_START="$(rss_mib "$SENSATE_PID")"
say "sensate answered after ${START_SECONDS}s; resident memory ${RSS_AT_START} MiB"

for entry in "${ENDPOINTS[@]}"; do
    path="${entry%%[[:space:]]*}"
    label="$(sed -e 's/^[^[:space:]]*[[:space:]]*//' <<<"$entry")"
    [[ "$path" == /* ]] || die "bad ENDPOINTS entry '$entry': it must start with a path like /healthz"
    name="GET $path${label:+ ($label)}"
    preflight "$name" "$SENSATE_PORT" "$path"
    measure "$name" "$SENSATE_PORT" "$path" "$SENSATE_PID"
done
# Resident memory once every public page, the directory's included, has been under load.
RSS_AFTER_LOAD="$(rss_mib "$SENSATE_PID")"
RSS_PEAK="$(rss_mib "$SENSATE_PID" VmHWM)"

# Signed in: a demo client (clients have no second step) signs in once; the
# session and anti-forgery cookies are replayed on every request.
LOGIN_EMAIL="jordan@client.example"
LOGIN_PASSWORD="demo-practice-2026"
if [[ "$BENCH_SELFTEST" != 1 ]]; then
    base="http://$BENCH_HOST:$SENSATE_PORT"
    jar="$WORK/cookies.txt"
    page="$(curl -fsS -c "$jar" "$base/login")" || die "could not load the sign-in page"
    csrf="$(sed -n 's/.*<meta name="csrf-token" content="\([0-9a-f]*\)".*/\1/p' <<<"$page" | head -n1)"
    [[ -n "$csrf" ]] || die "the sign-in page carries no anti-forgery token"
    code="$(curl -sS -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" -H "Origin: $base" \
        --data-urlencode "email=$LOGIN_EMAIL" --data-urlencode "password=$LOGIN_PASSWORD" \
        --data-urlencode "csrf_token=$csrf" "$base/login")"
    [[ "$code" == 303 ]] || die "signing in as $LOGIN_EMAIL answered $code, not 303"
    session="$(awk '$6 == "sensate_session" { print $7 }' "$jar")"
    [[ -n "$session" ]] || die "no session cookie after signing in"
    cookie="sensate_session=$session; sensate_csrf=$csrf"
    measure "GET /dashboard (signed-in client)" "$SENSATE_PORT" /dashboard "$SENSATE_PID" -H "Cookie: $cookie"

    # Sign-ins: every request checks an Argon2id hash (19 MiB, t=2) and
    # creates a session, so this measures the password hash, not the web stack.
    lua="$WORK/login.lua"
    cat >"$lua" <<LUA
wrk.method = "POST"
wrk.body = "email=$LOGIN_EMAIL&password=$LOGIN_PASSWORD&csrf_token=$csrf"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Cookie"] = "sensate_csrf=$csrf"
wrk.headers["Origin"] = "$base"
LUA
    # Few connections and a long timeout: each sign-in takes tens of
    # milliseconds of one core, so many connections only queue.
    saved_connections="$CONNECTIONS"
    CONNECTIONS="${LOGIN_CONNECTIONS:-4}"
    measure "POST /login (sign-in, $CONNECTIONS connections)" "$SENSATE_PORT" /login "$SENSATE_PID" -s "$lua" --timeout 10s
    CONNECTIONS="$saved_connections"
    # After the signed-in pages and the sign-ins: each concurrent sign-in
    # holds an Argon2 buffer (19 MiB) while it hashes, so the peak moves here.
    RSS_AFTER_SIGNIN="$(rss_mib "$SENSATE_PID")"
    RSS_PEAK_SIGNIN="$(rss_mib "$SENSATE_PID" VmHWM)"
fi
stop_server "$SENSATE_PID"

# ---- Report -------------------------------------------------------------------------------
# Markdown table; ratios are against row 0 (the baseline). Throughput ratio =
# rps / baseline rps as a percentage; p50 ratio = p50 / baseline p50.
render_table() {
    local i
    for i in "${!ROW_NAME[@]}"; do
        printf '%s\t%s\t%s\t%s\n' "${ROW_NAME[i]}" "${ROW_RPS[i]}" "${ROW_P50[i]}" "${ROW_P99[i]}"
    done | awk -F'\t' -v brps="${ROW_RPS[0]}" -v bp50="${ROW_P50[0]}" '
        {
            n = NR
            c[n, 1] = $1
            c[n, 2] = sprintf("%.0f", $2)
            c[n, 3] = sprintf("%.3f", $3)
            c[n, 4] = sprintf("%.3f", $4)
            c[n, 5] = (brps > 0) ? sprintf("%.1f %%", 100 * $2 / brps) : "n/a"
            c[n, 6] = (bp50 > 0) ? sprintf("%.2fx", $3 / bp50) : "n/a"
        }
        END {
            split("Endpoint|Requests/s|p50 ms|p99 ms|Throughput vs baseline|p50 vs baseline", h, "|")
            for (j = 1; j <= 6; j++) { c[0, j] = h[j]; w[j] = length(h[j]) }
            for (i = 1; i <= n; i++) for (j = 1; j <= 6; j++) if (length(c[i, j]) > w[j]) w[j] = length(c[i, j])
            for (i = 0; i <= n; i++) {
                line = "|"
                for (j = 1; j <= 6; j++) {
                    fmt = (j == 1) ? " %-" w[j] "s |" : " %" w[j] "s |"
                    line = line sprintf(fmt, c[i, j])
                }
                print line
                if (i == 0) {
                    line = "|"
                    for (j = 1; j <= 6; j++) {
                        dashes = sprintf("%" (w[j] + 1) "s", ""); gsub(/ /, "-", dashes)
                        line = line ((j == 1) ? " " substr(dashes, 2) " |" : " " substr(dashes, 3) ": |")
                    }
                    print line
                }
            }
        }'
}

TABLE="$(render_table)"
# Sign-ins are bound by the password hash: report them per core, too.
LOGIN_NOTE=""
for i in "${!ROW_NAME[@]}"; do
    if [[ "${ROW_NAME[i]}" == "POST /login"* ]]; then
        LOGIN_NOTE="$(awk -v rps="${ROW_RPS[i]}" -v cores="$(nproc)" \
            'BEGIN { printf "Sign-ins: %.0f per second on %d cores, about %.0f per core (each checks an Argon2id hash: 19 MiB, 2 passes). wrk shares the cores.", rps, cores, rps / cores }')"
    fi
done

MEMORY_NOTE=""
if [[ "$BENCH_SELFTEST" != 1 ]]; then
    MEMORY_NOTE="Server: answered ${START_SECONDS} s after starting (demo with $THERAPISTS synthetic therapists: adding them and building the search index); resident memory (VmRSS) ${RSS_AT_START} MiB when ready, ${RSS_AFTER_LOAD} MiB after the public pages were under load, peak (VmHWM) ${RSS_PEAK} MiB; ${RSS_AFTER_SIGNIN:-n/a} MiB after the signed-in page and the sign-ins, peak ${RSS_PEAK_SIGNIN:-n/a} MiB. Aims: at most 64 MiB without synthetic therapists, at most 200 MiB with 100,000."
fi

CPU_MODEL="$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
CPU_MODEL="${CPU_MODEL:-unknown}"
if COMMIT="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"; then
    [[ -n "$(git -C "$ROOT" status --porcelain 2>/dev/null)" ]] && COMMIT="$COMMIT (with uncommitted changes)"
else
    COMMIT="none (no commits yet)"
fi
WRK_VERSION="$( (wrk -v 2>&1 || true) | awk 'NR == 1 { print $1, $2 }')"
COMMAND="DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS WARMUP=$WARMUP"
((THERAPISTS > 0)) && COMMAND="THERAPISTS=$THERAPISTS $COMMAND"
[[ "$BENCH_SELFTEST" == 1 ]] && COMMAND="BENCH_SELFTEST=1 $COMMAND"
# Prebuilt binaries are part of what was measured: record where they came from.
[[ -n "$PREBUILT_BASELINE" ]] && COMMAND="BASELINE_BIN=$PREBUILT_BASELINE $COMMAND"
[[ -n "$PREBUILT_SENSATE" ]] && COMMAND="SENSATE_BIN=$PREBUILT_SENSATE $COMMAND"
COMMAND="$COMMAND bench/load.sh"

mkdir -p "$RESULTS_DIR"
SUFFIX=""
[[ "$BENCH_SELFTEST" == 1 ]] && SUFFIX="-selftest"
RESULT_FILE="$RESULTS_DIR/load-$STAMP$SUFFIX.md"
{
    if [[ "$BENCH_SELFTEST" == 1 ]]; then
        printf '# Load benchmark SELFTEST (no Sensate: both sides are the hello-world), %s\n\n' "$START_DATE"
    else
        printf '# Load benchmark, %s\n\n' "$START_DATE"
    fi
    printf -- '- Date: %s\n' "$START_DATE"
    printf -- '- Machine: %s cores (nproc), %s, %s\n' "$(nproc)" "$CPU_MODEL" "$(uname -sr)"
    printf -- '- Load average at start: %s\n' "$LOADAVG"
    printf -- '- Git commit: %s\n' "$COMMIT"
    printf -- '- wrk: %s, %s thread(s), %s connections, %s measured after a %s warm-up, all on 127.0.0.1\n' \
        "$WRK_VERSION" "$THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP"
    printf -- '- Command: `%s`\n\n' "$COMMAND"
    printf '%s\n\n' "$TABLE"
    if [[ -n "$LOGIN_NOTE" ]]; then printf '%s\n\n' "$LOGIN_NOTE"; fi
    if [[ -n "$MEMORY_NOTE" ]]; then printf '%s\n\n' "$MEMORY_NOTE"; fi
    printf 'Ratios are to the hello-world baseline measured in this run: throughput = requests/s ÷ baseline requests/s; p50 = p50 ÷ baseline p50 (lower is better). Aims: the home page at least 50 %% of the baseline throughput, directory searches at least 20 %%. See bench/README.md.\n\n'
    printf '## Raw wrk reports\n\n'
    cat "$RAW"
} >"$RESULT_FILE"

printf '\n%s\n\n' "$TABLE"
if [[ -n "$LOGIN_NOTE" ]]; then printf '%s\n\n' "$LOGIN_NOTE"; fi
if [[ -n "$MEMORY_NOTE" ]]; then printf '%s\n\n' "$MEMORY_NOTE"; fi
printf 'Results written to %s\n' "$RESULT_FILE"
