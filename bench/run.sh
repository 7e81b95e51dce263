#!/usr/bin/env bash
# bench/run.sh — brisk against nginx and FastAPI, side by side, with the shared harness
# (../shared/bench beside the repo: throughput.py, inflight.py, nginx.conf, fastapi_seed.py).
#
#   bench/run.sh            (or: make bench)
#
# Environment (all optional):
#   BRISK_SHARED_BENCH  harness directory            (default: <repo>/../shared/bench)
#   BRISK_BIN           seed_app binary to measure   (default: make -C <repo> build → build/seed_app)
#   BENCH_SECONDS       wrk seconds per run           (default: throughput.py's, 8)
#   BENCH_ROUNDS        throughput rounds             (default: throughput.py's, 3)
#   BENCH_INFLIGHT      concurrent /slow requests     (default: 10000)
#   BENCH_OUT           where latest.txt and logs go  (default: /tmp/brisk-bench)
#   BENCH_PYTHON        Python that has FastAPI       (default: /usr/bin/python3)
#   BENCH_STRICT=1      exit 1 when a target is missed (default: report only)
#
# Ports 8000 (brisk), 8001 (FastAPI), 8002 (nginx, fixed by nginx.conf) must be free. Everything
# this script starts is stopped on exit, on failure and on Ctrl-C.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PY=${BENCH_PYTHON:-/usr/bin/python3}
OUT=${BENCH_OUT:-/tmp/brisk-bench}
INFLIGHT=${BENCH_INFLIGHT:-10000}
BRISK_PORT=8000
FASTAPI_PORT=8001
NGINX_PORT=8002                 # fixed by the shared nginx.conf
NGINX_PREFIX=/tmp/bench-nginx   # fixed by the shared nginx.conf (pid file, logs)
READY_TIMEOUT=10                # seconds for a server to answer /fast
PACKAGES="wrk nginx python3-fastapi python3-uvicorn python3-uvloop python3-httptools"

say() { printf '[bench] %s\n' "$*"; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

for v in BENCH_SECONDS BENCH_ROUNDS BENCH_INFLIGHT; do
    val=${!v:-}
    if [ -n "$val" ] && ! [[ $val =~ ^[1-9][0-9]*$ ]]; then die "$v must be a positive integer, not '$val'"; fi
done

# ---- harness -----------------------------------------------------------------------------
SHARED=${BRISK_SHARED_BENCH:-$REPO/../shared/bench}
for f in throughput.py inflight.py pipeline.lua nginx.conf fastapi_seed.py; do
    [ -f "$SHARED/$f" ] || die "harness not found: no $f in $SHARED (expected shared/bench beside the repo; set BRISK_SHARED_BENCH)"
done
SHARED=$(cd "$SHARED" && pwd -P)

# ---- set-up: tools and reference servers -----------------------------------------------------
have_all() {
    command -v wrk >/dev/null && command -v nginx >/dev/null && command -v pgrep >/dev/null \
        && [ -x "$PY" ] && "$PY" -c 'import fastapi, uvicorn, uvloop, httptools' 2>/dev/null
}
if ! have_all; then
    command -v pgrep >/dev/null || PACKAGES="$PACKAGES procps"
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing: $PACKAGES"
        export DEBIAN_FRONTEND=noninteractive
        # shellcheck disable=SC2086  # word splitting of the package list is intended
        if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null \
            || ! apt-get install -y -qq $PACKAGES >/dev/null; then
            apt-get update -qq
            apt-get install -y -qq $PACKAGES >/dev/null
        fi
        have_all || die "still missing a tool after apt-get install (wrk, nginx, pgrep, or $PY with fastapi/uvicorn/uvloop/httptools)"
    else
        echo "bench: missing wrk, nginx, pgrep, or $PY with fastapi, uvicorn, uvloop, httptools. Install them:" >&2
        echo "  Debian/Ubuntu:  sudo apt-get install -y $PACKAGES" >&2
        echo "  (brisk and this harness are Linux only: the harness reads /proc)" >&2
        exit 2
    fi
fi

# ---- ports: fail early, before a build; checked again right before each start ---------------
port_busy() { (exec 5<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port in $BRISK_PORT $FASTAPI_PORT $NGINX_PORT; do
    if port_busy "$port"; then
        die "port $port is already in use; stop whatever listens there first (ss -ltnp 'sport = :$port')"
    fi
done

# ---- brisk -----------------------------------------------------------------------------------
if [ -z "${BRISK_BIN:-}" ]; then
    say "building brisk: make -C $REPO build"
    make -C "$REPO" build
    BRISK_BIN=$REPO/build/seed_app
fi
[ -x "$BRISK_BIN" ] || die "brisk binary not found or not executable: $BRISK_BIN"

# ---- output ----------------------------------------------------------------------------------
mkdir -p "$OUT/logs"
OUT=$(cd "$OUT" && pwd -P)
exec 3>&1 4>&2
exec > >(tee "$OUT/latest.txt") 2>&1
TEE_PID=$!

# ---- processes we start, and their cleanup -------------------------------------------------
NGINX_PID=""
FASTAPI_PID=""
BRISK_PID=""

descendants() {
    local p
    for p in $(pgrep -P "$1" 2>/dev/null || true); do
        echo "$p"
        descendants "$p"
    done
}

any_alive() {
    local p
    for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done
    return 1
}

# TERM a process we started, wait up to 12 s (brisk drains for 10 s at most), then KILL it and
# whatever of its descendants is left.
stop_tree() {
    local pid=$1 kids k i
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
    kids=$(descendants "$pid")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 120; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    for ((i = 0; i < 30; i++)); do   # children may take a moment after their parent
        # shellcheck disable=SC2086
        any_alive $kids || break
        sleep 0.1
    done
    for k in $pid $kids; do
        if kill -0 "$k" 2>/dev/null; then
            echo "[bench] warning: PID $k did not stop on TERM; killing it"
            kill -KILL "$k" 2>/dev/null || true
        fi
    done
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$BRISK_PID$FASTAPI_PID$NGINX_PID" ]; then echo "[bench] stopping servers"; fi
    stop_tree "$BRISK_PID"
    stop_tree "$FASTAPI_PID"
    stop_tree "$NGINX_PID"
    if [ "$rc" != 0 ]; then echo "[bench] failed (exit $rc); server logs in $OUT/logs"; fi
    exec 1>&3 2>&4
    wait "$TEE_PID" 2>/dev/null
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- helpers -----------------------------------------------------------------------------------
answers_fast() {
    "$PY" -c 'import sys, urllib.request
sys.exit(urllib.request.urlopen("http://127.0.0.1:%s/fast" % sys.argv[1], timeout=1).status != 200)' "$1" 2>/dev/null
}

# wait_ready NAME PORT PID LOG: until PORT answers /fast with 200; fail if PID dies or after 10 s.
wait_ready() {
    local name=$1 port=$2 pid=$3 log=$4 deadline=$((SECONDS + READY_TIMEOUT))
    until answers_fast "$port"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$log" 2>/dev/null
            die "$name exited before answering on port $port (log: $log)"
        fi
        if ((SECONDS >= deadline)); then
            tail -n 20 "$log" 2>/dev/null
            die "$name did not answer http://127.0.0.1:$port/fast within ${READY_TIMEOUT} s (log: $log)"
        fi
        sleep 0.1
    done
}

require_free() {
    local port name
    for spec in "$@"; do
        port=${spec%%:*} name=${spec#*:}
        if port_busy "$port"; then
            die "port $port (for $name) is already in use; stop whatever listens there first (ss -ltnp 'sport = :$port')"
        fi
    done
}

# The process whose CPU throughput.py reads: brisk itself when it has no child processes (one
# process, threads included in its /proc stat), else its largest child (a worker).
work_pid() {
    local best=$1 max=-1 k rss
    for k in $(pgrep -P "$1" || true); do
        rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$k/status" 2>/dev/null || true)
        if [ -n "$rss" ] && ((rss > max)); then best=$k max=$rss; fi
    done
    echo "$best"
}

# CPU seconds (user + system) of PID and all its descendants, from /proc.
tree_cpu_ticks() {
    local p stat total=0
    for p in $1 $(descendants "$1"); do
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        stat=${stat##*) }
        # shellcheck disable=SC2086  # split the stat fields
        set -- $stat
        total=$((total + ${12} + ${13}))
    done
    echo "$total"
}

start_brisk() {
    local workers=$1 log="$OUT/logs/brisk-w$1.log"
    require_free "$BRISK_PORT:brisk"
    "$BRISK_BIN" --port "$BRISK_PORT" --workers "$workers" --no-access-log --log-level warning \
        </dev/null >"$log" 2>&1 &
    BRISK_PID=$!
    wait_ready "brisk (--workers $workers)" "$BRISK_PORT" "$BRISK_PID" "$log"
}

# ---- settings and estimates ------------------------------------------------------------------
SECS=${BENCH_SECONDS:-8}   # throughput.py's defaults when unset
ROUNDS=${BENCH_ROUNDS:-3}
TP_ARGS=()
if [ -n "${BENCH_SECONDS:-}" ]; then TP_ARGS+=(--seconds "$BENCH_SECONDS"); fi
if [ -n "${BENCH_ROUNDS:-}" ]; then TP_ARGS+=(--rounds "$BENCH_ROUNDS"); fi
T_THROUGHPUT=$((ROUNDS * SECS * 2 * 3 + ROUNDS * 2 * 3))
T_SCALING=$((ROUNDS * SECS * 2 + ROUNDS * 2))
T_INFLIGHT=$((2 * (4 + INFLIGHT / 1000)))
T_TOTAL=$((T_THROUGHPUT + T_SCALING + T_INFLIGHT + 30))

hard=$(ulimit -Hn)
if [ "$hard" = unlimited ]; then hard=1048576; fi
ulimit -n "$hard" 2>/dev/null || echo "[bench] warning: could not raise ulimit -n to $hard"
nofile=$(ulimit -n)
if [ "$nofile" != unlimited ] && ((nofile < INFLIGHT + 64)); then
    die "open-file limit is $nofile but BENCH_INFLIGHT=$INFLIGHT needs $((INFLIGHT + 64)); raise the hard limit (ulimit -Hn) or lower BENCH_INFLIGHT"
fi

# ---- header ------------------------------------------------------------------------------------
commit=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo "no commit")
echo "brisk benchmark — $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "host:     $(uname -s) $(uname -r), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
echo "brisk:    $commit ($BRISK_BIN)"
echo "nginx:    $(nginx -v 2>&1 | sed 's/^nginx version: //')"
echo "fastapi:  $("$PY" -c 'import sys, fastapi, uvicorn, uvloop, httptools
print("fastapi %s, uvicorn %s, uvloop %s, httptools %s, python %s" % (fastapi.__version__, uvicorn.__version__,
      uvloop.__version__, httptools.__version__, sys.version.split()[0]))')"
echo "wrk:      $({ wrk -v 2>&1 || true; } | head -n1 | awk '{print $2}')"
echo "settings: wrk -t1 -c64, ${SECS} s x ${ROUNDS} rounds (BENCH_SECONDS/BENCH_ROUNDS), ${INFLIGHT} in flight (BENCH_INFLIGHT), ulimit -n $nofile"
echo "harness:  $SHARED"
echo
say "whole run ≈ ${T_TOTAL} s (~$(((T_TOTAL + 59) / 60)) min)"

# ---- start the three servers -------------------------------------------------------------------
require_free "$BRISK_PORT:brisk" "$FASTAPI_PORT:FastAPI" "$NGINX_PORT:nginx"
say "starting nginx :$NGINX_PORT, FastAPI :$FASTAPI_PORT, brisk :$BRISK_PORT (1 worker each)"

mkdir -p "$NGINX_PREFIX/logs"
rm -f "$NGINX_PREFIX/nginx.pid"
nginx -p "$NGINX_PREFIX" -e "$NGINX_PREFIX/logs/error.log" -c "$SHARED/nginx.conf" </dev/null \
    >"$OUT/logs/nginx.log" 2>&1 || { cat "$OUT/logs/nginx.log"; die "nginx did not start"; }
for ((i = 0; i < 50; i++)); do
    [ -s "$NGINX_PREFIX/nginx.pid" ] && break
    sleep 0.1
done
NGINX_PID=$(cat "$NGINX_PREFIX/nginx.pid" 2>/dev/null || true)
[ -n "$NGINX_PID" ] || die "nginx wrote no pid file ($NGINX_PREFIX/nginx.pid)"
wait_ready nginx "$NGINX_PORT" "$NGINX_PID" "$NGINX_PREFIX/logs/error.log"

"$PY" -m uvicorn fastapi_seed:app --app-dir "$SHARED" --host 127.0.0.1 --port "$FASTAPI_PORT" \
    --http httptools --loop uvloop --no-access-log --log-level warning </dev/null >"$OUT/logs/fastapi.log" 2>&1 &
FASTAPI_PID=$!
wait_ready FastAPI "$FASTAPI_PORT" "$FASTAPI_PID" "$OUT/logs/fastapi.log"

start_brisk 1

NGINX_WORKER=$(pgrep -P "$NGINX_PID" | head -n1 || true)
[ -n "$NGINX_WORKER" ] || die "no nginx worker process under master $NGINX_PID"
BRISK_WORK=$(work_pid "$BRISK_PID")
echo "PIDs:     brisk $BRISK_WORK, nginx worker $NGINX_WORKER (master $NGINX_PID), FastAPI $FASTAPI_PID"
echo

# ---- throughput ----------------------------------------------------------------------------------
say "throughput: $ROUNDS rounds x $SECS s x 2 depths x 3 servers ≈ $T_THROUGHPUT s"
python3 "$SHARED/throughput.py" ${TP_ARGS[@]+"${TP_ARGS[@]}"} "brisk=$BRISK_PORT:$BRISK_WORK" "nginx=$NGINX_PORT:$NGINX_WORKER" \
    "fastapi=$FASTAPI_PORT:$FASTAPI_PID" | tee "$OUT/throughput.txt"
echo

# ---- in flight -------------------------------------------------------------------------------------
say "in flight: $INFLIGHT concurrent /slow against brisk ≈ $((4 + INFLIGHT / 2000)) s"
echo "brisk:"
python3 "$SHARED/inflight.py" --port "$BRISK_PORT" --n "$INFLIGHT" --pid "$BRISK_PID" | tee "$OUT/inflight-brisk.json"
say "in flight: $INFLIGHT concurrent /slow against FastAPI ≈ $((4 + INFLIGHT / 1000)) s"
echo "fastapi:"
python3 "$SHARED/inflight.py" --port "$FASTAPI_PORT" --n "$INFLIGHT" --pid "$FASTAPI_PID" | tee "$OUT/inflight-fastapi.json"
echo

# ---- scaling: brisk --workers 2 ------------------------------------------------------------------
say "restarting brisk with --workers 2"
stop_tree "$BRISK_PID"
BRISK_PID=""
for ((i = 0; i < 50; i++)); do
    port_busy "$BRISK_PORT" || break
    sleep 0.1
done
start_brisk 2
nkids=$(pgrep -P "$BRISK_PID" | wc -l || true)
BRISK_WORK=$(work_pid "$BRISK_PID")
echo "PIDs:     brisk --workers 2: $BRISK_PID ($nkids child processes; CPU read from $BRISK_WORK)"
say "throughput: brisk --workers 2, $ROUNDS rounds x $SECS s x 2 depths ≈ $T_SCALING s"
echo "brisk --workers 2:"
cpu_before=$(tree_cpu_ticks "$BRISK_PID")
python3 "$SHARED/throughput.py" ${TP_ARGS[@]+"${TP_ARGS[@]}"} --depths 1,16 "brisk-w2=$BRISK_PORT:$BRISK_WORK" | tee "$OUT/throughput-w2.txt"
cpu_after=$(tree_cpu_ticks "$BRISK_PID")
if ((nkids > 0)); then
    # Workers are processes: throughput.py read only one worker's CPU. Whole-tree figure too,
    # per request estimated from the median req/s (hence approximate).
    "$PY" - "$OUT/throughput-w2.txt" "$((cpu_after - cpu_before))" "$(getconf CLK_TCK)" "$SECS" "$ROUNDS" <<'EOF'
import sys
path, ticks, hz, secs, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
reqs = sum(float(l.split()[2]) * secs * rounds for l in open(path) if l.split()[:1] == ["brisk-w2"])
print(f"(workers are processes: the cpu column above is one worker's only; all brisk processes used "
      f"{ticks / hz:.1f} s CPU ≈ {ticks / hz * 1e6 / max(reqs, 1):.2f} us/req)")
EOF
fi
echo

# ---- summary against the targets ---------------------------------------------------------------
"$PY" - "$OUT" "$INFLIGHT" <<'EOF' | tee "$OUT/summary.txt"
import json, sys
out, n = sys.argv[1], int(sys.argv[2])

def rows(path):
    table = {}
    for line in open(path):
        f = line.split()
        if len(f) == 7 and f[1].isdigit():
            table[(f[0], int(f[1]))] = (float(f[2]), float(f[3]))
    return table

tp, w2 = rows(f"{out}/throughput.txt"), rows(f"{out}/throughput-w2.txt")
brisk, fast = (json.loads(open(f"{out}/inflight-{s}.json").read().strip().splitlines()[-1]) for s in ("brisk", "fastapi"))
misses = 0

def check(label, value, ok, target):
    global misses
    misses += not ok
    print(f"  {'ok  ' if ok else 'MISS'}  {label:<44}{value:>14}   target {target}")

b1, n1, b16, n16 = tp[("brisk", 1)], tp[("nginx", 1)], tp[("brisk", 16)], tp[("nginx", 16)]
print("summary (brisk against the project's targets; medians):")
check("/fast CPU us/req, brisk vs nginx", f"{b1[1]:.2f} vs {n1[1]:.2f}", b1[1] <= n1[1], "brisk <= nginx")
check("/fast req/s, brisk / nginx", f"{b1[0] / n1[0]:.2f}x", b1[0] >= 0.95 * n1[0], ">= 0.95x")
check("pipelined x16 req/s, brisk / nginx x16", f"{b16[0] / n16[0]:.2f}x", b16[0] >= 4 * n16[0], ">= 4x")
check(f"{n} concurrent /slow answered 200", f"{brisk['ok']}/{n}", brisk["ok"] == n, "all")
check("each /slow answered within (max)", f"{brisk['slow_max_s']} s", (brisk["slow_max_s"] or 99) <= 3.6, "<= 3.6 s")
p99 = brisk.get("fast_p99_ms")
check("/fast p99 while they wait", f"{p99} ms", p99 is not None and p99 <= 2 and brisk["fast_errors"] == 0, "<= 2 ms, no errors")
check("server memory per in-flight request", f"{brisk.get('kib_per_inflight')} KiB", (brisk.get("kib_per_inflight") or 99) <= 8, "<= 8 KiB")
print(f"  FastAPI, same {n}: {fast['ok']}/{n} ok, /slow max {fast['slow_max_s']} s, /fast p99 {fast['fast_p99_ms']} ms, "
      f"{fast.get('kib_per_inflight')} KiB per in-flight request")
for d in (1, 16):
    if ("brisk-w2", d) in w2:
        print(f"  brisk --workers 2, depth {d:>2}: {w2[('brisk-w2', d)][0]:.0f} req/s = "
              f"{w2[('brisk-w2', d)][0] / tp[('brisk', d)][0]:.2f}x one worker")
print(f"misses: {misses}")
EOF
echo
say "done; results in $OUT/latest.txt"
if [ "${BENCH_STRICT:-0}" = 1 ] && ! grep -qx 'misses: 0' "$OUT/summary.txt"; then exit 1; fi
