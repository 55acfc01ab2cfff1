# shellcheck shell=bash
# Server helpers for bench/load.sh: free loopback ports, readiness checks and
# starting/stopping the servers under test. Sourced, not executed; relies on
# `die`/`say` from bench/load.sh. Only ever talks to 127.0.0.1.

BENCH_HOST=127.0.0.1
BENCH_PIDS=()

# port_in_use PORT: true if something accepts connections on 127.0.0.1:PORT.
port_in_use() {
    timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$BENCH_HOST" "$1" 2>/dev/null
}

# free_port [EXCLUDE...]: a random unused port in 20000-49999 (bounded tries).
free_port() {
    local tries port ex taken
    for ((tries = 0; tries < 50; tries++)); do
        port=$((20000 + RANDOM % 30000))
        taken=0
        for ex in "$@"; do [[ "$ex" == "$port" ]] && taken=1; done
        ((taken)) && continue
        port_in_use "$port" || { echo "$port"; return 0; }
    done
    die "no free loopback port found after 50 tries"
}

# http_status PORT PATH -> the HTTP status code, or 000 if there was no answer.
# Plain bash /dev/tcp, so no curl is needed.
http_status() {
    local code
    code="$(timeout 3 bash -c '
        exec 3<>"/dev/tcp/$0/$1" || exit 1
        printf "GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$2" "$0" "$1" >&3
        read -r _ code _ <&3 && printf "%s" "${code%%[!0-9]*}"
    ' "$BENCH_HOST" "$1" "$2" 2>/dev/null)" || true
    [[ "$code" =~ ^[0-9]{3}$ ]] || code=000
    echo "$code"
}

# start_server LOGFILE CMD...: starts CMD in the background; sets SERVER_PID.
start_server() {
    local log="$1"; shift
    "$@" >"$log" 2>&1 &
    SERVER_PID=$!
    BENCH_PIDS+=("$SERVER_PID")
}

# wait_ready NAME PID PORT PATH TIMEOUT_S LOGFILE: polls GET PATH until 200,
# the process dies, or the deadline passes (then exits with a clear message).
wait_ready() {
    local name="$1" pid="$2" port="$3" path="$4" timeout_s="$5" log="$6"
    local deadline=$((SECONDS + timeout_s)) code=000
    while ((SECONDS < deadline)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            show_log "$log"
            die "$name exited during start-up (see its output above)"
        fi
        code="$(http_status "$port" "$path")"
        [[ "$code" == 200 ]] && return 0
        sleep 0.2
    done
    show_log "$log"
    die "$name did not answer GET $path with 200 within ${timeout_s}s (last status: $code)"
}

# stop_server PID: SIGTERM, up to 5 s grace, then SIGKILL. Only our own PIDs.
stop_server() {
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# rss_mib PID [FIELD]: a process's resident memory in MiB from /proc/PID/status
# (VmRSS by default; VmHWM is the peak so far), or "n/a".
rss_mib() {
    local field="${2:-VmRSS}"
    awk -v f="$field:" '$1 == f { printf "%.0f", $2 / 1024; found = 1 } END { if (!found) print "n/a" }' \
        "/proc/$1/status" 2>/dev/null || echo "n/a"
}

stop_all_servers() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do stop_server "$pid"; done
    BENCH_PIDS=()
}

show_log() {
    if [[ ! -s "$1" ]]; then
        echo "---- $(basename "$1" .log) printed nothing ----" >&2
        return 0
    fi
    echo "---- last lines of $(basename "$1") ----" >&2
    tail -n 40 "$1" >&2
    echo "----" >&2
}
