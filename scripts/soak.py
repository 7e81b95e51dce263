#!/usr/bin/env python3
"""Soak test: a brisk app under mixed load for a long stretch (default 10 minutes).

Starts the app (one worker, --no-access-log) on a free loopback port and runs load generators in
separate processes so they do not starve each other:

  fast        keep-alive clients looping GET /fast and /items/{id}; every few hundred requests a
              client reconnects, sometimes with `Connection: close` (server must then close)
  pipeline    keep-alive clients sending batches of 16 GET /fast in one write
  sleep       a few hundred GET /sleep?ms=200..1000 in flight at any time (awaiting handlers)
  echo        POST /echo with Content-Length, chunked and `Expect: 100-continue` bodies
  disconnect  clients that leave mid-await (/sleep?ms=2000, close after 100 ms) and mid-response
              (/big?kb=512, close without reading)
  malformed   garbage request line, bad chunk size, oversized header, oversized URL
              (expect 400/431/414 with `Connection: close`, then the server's close)
  idle        connections that make one request and then sit until the keep-alive timeout closes
              them (5 s), and a few that never send a byte (closed by the header timeout, 10 s)

Every client checks the status and body it gets; a wrong answer, a refused/reset connection or a
timeout where none is expected is an *unexpected error*. Each second the script samples the server's
RSS (VmRSS), open fds (/proc/PID/fd), CPU% and the requests/errors the generators counted.

Pass: zero unexpected errors; after the load stops and the clients are gone, the server's fd count
returns to the baseline taken before the load (within 2 s); RSS grows < 5% between the end of
warm-up (first 10% of the run) and the end (median of 30 samples each); every /sleep handler that
started also ran its deferred calls (/stats); the server survives and exits 0 on SIGTERM.

Environment:
  SOAK_SECONDS   load duration in seconds (default 600)
  SOAK_OUT       CSV of the samples: a file path, or a directory for soak.csv (default /tmp/brisk-soak.csv)
  SOAK_PLOT      PNG plot path (e.g. docs/soak.png); needs gnuplot, skipped with a message otherwise
  SOAK_SLEEPERS  concurrent /sleep requests (default 300)
  SOAK_KINDS     comma-separated subset of the generators above (default: all), to reproduce a finding
  SOAK_ECHO_MAX  largest /echo body in bytes (default 1000000)
  SOAK_BIG_KB    size of the /big response the mid-response clients leave unread (default 512)

  scripts/soak.py build/test_app
  scripts/soak.py --plot /tmp/brisk-soak.csv docs/soak.png   (only re-draws the plot of a CSV)
"""
import asyncio
import csv
import multiprocessing as mp
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
from httpclient import (HOST, FAST_BODY, Server, ServerError, build_request, cpu_seconds, fd_count,  # noqa: E402
                        get_json, read_response_async, rss_kib, settle_fds)

REQ_TIMEOUT = 10.0  # seconds a client waits for any single answer before calling it an error
MAX_ITERS = 10_000_000  # count bound on every generator loop (time is the other bound)
MAX_REPORTED = 30  # error details each generator sends back; all errors are still counted

KINDS = ["fast", "pipeline", "sleep", "echo", "disconnect", "malformed", "idle"]
# Shared counters, per kind: ok (answers verified), err (unexpected errors), aborted (deliberate
# client-side disconnects), inflight (gauge).
F_OK, F_ERR, F_ABORT, F_INFLIGHT, NF = 0, 1, 2, 3, 4


class Unexpected(Exception):
    """An answer that is not what the request should get."""


# ---------------------------------------------------------------------------------------------
# HTTP helpers (asyncio streams)


async def read_answer(reader):
    """One response, bounded by REQ_TIMEOUT: (status, headers with lower-case names, body)."""
    r = await asyncio.wait_for(read_response_async(reader), REQ_TIMEOUT)
    return r.status, {k.lower(): v for k, v in r.headers}, r.body


def expect(cond, what):
    if not cond:
        raise Unexpected(what)


async def wait_eof(reader, timeout):
    """True when the server closes within `timeout` (after any leftover bytes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = await asyncio.wait_for(reader.read(65536), max(0.01, deadline - time.monotonic()))
        if not data:
            return True
    return False


def close_writer(writer):
    try:
        writer.close()
    except Exception:
        pass


# ---------------------------------------------------------------------------------------------
# Generators. Each runs in its own process with an asyncio loop; every loop is bounded by
# MAX_ITERS, by the shared stop flag and by a hard deadline.


class Gen:
    def __init__(self, kind, port, counters, stop, errq, hard_deadline):
        self.kind = kind
        self.base = KINDS.index(kind) * NF
        self.port = port
        self.counters = counters
        self.stop = stop
        self.errq = errq
        self.hard_deadline = hard_deadline
        self.reported = 0
        self.summary = {}

    def running(self):
        return not self.stop.value and time.monotonic() < self.hard_deadline

    def ok(self, n=1):
        self.counters[self.base + F_OK] += n

    def aborted(self):
        self.counters[self.base + F_ABORT] += 1

    def inflight(self, delta):
        self.counters[self.base + F_INFLIGHT] += delta

    def error(self, what):
        self.counters[self.base + F_ERR] += 1
        key = re.sub(r"\d+(\.\d+)?", "N", what.splitlines()[0])[:120]  # group alike errors
        self.summary[key] = self.summary.get(key, 0) + 1
        if self.reported < MAX_REPORTED:
            self.reported += 1
            self.errq.put((time.time(), self.kind, what))

    async def connect(self):
        return await asyncio.wait_for(asyncio.open_connection(HOST, self.port), REQ_TIMEOUT)

    async def guarded(self, coro_fn, *args):
        """Runs one client loop; turns exceptions into counted errors and carries on."""
        for _ in range(MAX_ITERS):
            if not self.running():
                return
            try:
                await coro_fn(*args)
            except asyncio.CancelledError:
                raise
            except Unexpected as e:
                self.error(str(e))
            except asyncio.TimeoutError:
                self.error(f"timeout ({coro_fn.__name__})")
            except asyncio.IncompleteReadError as e:
                self.error(f"server closed mid-answer ({coro_fn.__name__}, {len(e.partial)} bytes read)")
            except OSError as e:
                self.error(f"{type(e).__name__}: {e} ({coro_fn.__name__})")
            except Exception as e:
                self.error(f"client exception {type(e).__name__}: {e} ({coro_fn.__name__})")
            await asyncio.sleep(0.01)  # no hot loop when something is persistently wrong


async def client_fast(g: Gen, rng):
    """One keep-alive connection for a few hundred requests; sometimes ends with Connection: close."""
    reader, writer = await g.connect()
    try:
        n = rng.randint(200, 2000)
        for i in range(n):
            if not g.running():
                return
            last = i == n - 1
            close = last and rng.random() < 0.5
            if rng.random() < 0.2:
                item = str(rng.randint(0, 10**9))
                writer.write(build_request("GET", f"/items/{item}", close=close))
                want = b'{"item_id":"' + item.encode() + b'"}'
            else:
                writer.write(build_request("GET", "/fast", close=close))
                want = FAST_BODY
            status, _, body = await read_answer(reader)
            expect(status == 200 and body == want, f"fast: got {status} {body[:60]!r}")
            g.ok()
            if close:
                expect(await wait_eof(reader, REQ_TIMEOUT), "fast: no close after Connection: close")
    finally:
        close_writer(writer)


async def client_pipeline(g: Gen, rng):
    reader, writer = await g.connect()
    batch = build_request("GET", "/fast") * 16
    try:
        for _ in range(rng.randint(50, 500)):
            if not g.running():
                return
            writer.write(batch)
            for _ in range(16):
                status, _, body = await read_answer(reader)
                expect(status == 200 and body == FAST_BODY, f"pipeline: got {status} {body[:60]!r}")
            g.ok(16)
    finally:
        close_writer(writer)


async def client_sleep(g: Gen, rng):
    reader, writer = await g.connect()
    try:
        for _ in range(rng.randint(5, 50)):
            if not g.running():
                return
            ms = rng.randint(200, 1000)
            writer.write(build_request("GET", f"/sleep?ms={ms}"))
            g.inflight(1)
            try:
                status, _, body = await read_answer(reader)
            finally:
                g.inflight(-1)
            expect(status == 200 and body == b'{"slept":%d}' % ms, f"sleep {ms}: got {status} {body[:60]!r}")
            g.ok()
    finally:
        close_writer(writer)


ECHO_SIZES = [0, 1, 100, 1500, 4096, 16384, 65536, 200_000, 1_000_000]
ECHO_MAX = int(os.environ.get("SOAK_ECHO_MAX", "1000000"))  # cap on /echo body sizes
BIG_KB = int(os.environ.get("SOAK_BIG_KB", "512"))  # size of the response left unread


async def client_echo(g: Gen, rng, pool):
    reader, writer = await g.connect()
    try:
        for _ in range(rng.randint(10, 100)):
            if not g.running():
                return
            size = rng.choice([n for n in ECHO_SIZES if n <= ECHO_MAX])
            off = rng.randint(0, len(pool) - size)
            body = pool[off:off + size]
            mode = rng.random()
            if mode < 0.45:  # Content-Length
                writer.write(build_request("POST", "/echo", body=body))
            elif mode < 0.9:  # chunked, random chunk sizes
                out = [b"POST /echo HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n"]
                pos = 0
                for _ in range(10_000):
                    if pos >= size:
                        break
                    n = min(size - pos, rng.randint(1, 70_000))
                    out.append(b"%x\r\n" % n + body[pos:pos + n] + b"\r\n")
                    pos += n
                out.append(b"0\r\n\r\n")
                writer.write(b"".join(out))
            else:  # Expect: 100-continue: the body goes only after the interim 100 answer
                if not size:
                    size, body = 1, b"x"
                writer.write(b"POST /echo HTTP/1.1\r\nHost: soak\r\nExpect: 100-continue\r\n"
                             b"Content-Length: %d\r\n\r\n" % size)
                status, _, _ = await read_answer(reader)
                expect(status == 100, f"echo expect-100: got {status} before the body")
                writer.write(body)
            status, headers, got = await read_answer(reader)
            expect(status == 200 and got == body and headers.get("x-body-length") == str(size),
                   f"echo {size} bytes: got {status}, {len(got)} bytes, X-Body-Length {headers.get('x-body-length')}")
            g.ok()
    finally:
        close_writer(writer)


async def client_leave_await(g: Gen, rng):
    """/sleep?ms=2000, then close after 100 ms: the server must cancel the handler."""
    reader, writer = await g.connect()
    writer.write(build_request("GET", "/sleep?ms=2000"))
    await asyncio.sleep(0.1)
    close_writer(writer)
    g.aborted()
    await asyncio.sleep(rng.uniform(0.05, 0.3))


async def client_leave_response(g: Gen, rng):
    """/big?kb=512, close without reading: the server's write fails mid-response."""
    reader, writer = await g.connect()
    writer.write(build_request("GET", f"/big?kb={BIG_KB}"))
    await writer.drain()
    await asyncio.sleep(rng.uniform(0.0, 0.05))
    close_writer(writer)
    g.aborted()
    await asyncio.sleep(rng.uniform(0.05, 0.3))


MALFORMED = [
    ("garbage line", b"GARBAGE\r\n\r\n", 400),
    ("bad chunk", b"POST /echo HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n"
                  b"zz\r\nhello\r\n0\r\n\r\n", 400),
    ("oversized header", build_request("GET", "/fast", headers=[("X-Pad", "p" * 20000)]), 431),
    ("oversized URL", build_request("GET", "/" + "a" * 9000), 414),
]


async def client_malformed(g: Gen, rng):
    name, data, want = rng.choice(MALFORMED)
    reader, writer = await g.connect()
    try:
        writer.write(data)
        status, headers, body = await read_answer(reader)
        expect(status == want and body.startswith(b'{"detail":'),
               f"malformed ({name}): got {status} {body[:60]!r}, want {want}")
        expect(headers.get("connection", "").lower() == "close",
               f"malformed ({name}): no Connection: close")
        expect(await wait_eof(reader, REQ_TIMEOUT), f"malformed ({name}): server did not close")
        g.ok()
    finally:
        close_writer(writer)
    await asyncio.sleep(rng.uniform(0.05, 0.2))


async def wait_close_or_stop(g: Gen, reader, limit):
    """Waits for the server's close, polling the stop flag; returns seconds waited or None if stopped."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if not g.running():
            return None
        try:
            data = await asyncio.wait_for(reader.read(1), 0.25)
        except asyncio.TimeoutError:
            continue
        if data:
            raise Unexpected(f"idle: unexpected bytes {data!r}")
        return time.monotonic() - t0
    raise asyncio.TimeoutError()


async def expect_close(g: Gen, reader, what, lo, hi, limit):
    """The server closes the connection between `lo` and `hi` s from now (one verified answer);
    nothing is checked when the soak stops first."""
    g.inflight(1)
    try:
        waited = await wait_close_or_stop(g, reader, limit)
    finally:
        g.inflight(-1)
    if waited is None:
        return
    expect(lo <= waited <= hi, f"{what}: closed after {waited:.2f} s, want {lo}-{hi} s")
    g.ok()


async def client_idle(g: Gen, rng):
    """One request, then idle: the keep-alive timeout (5 s) must close the connection."""
    reader, writer = await g.connect()
    try:
        writer.write(build_request("GET", "/fast"))
        status, _, body = await read_answer(reader)
        expect(status == 200 and body == FAST_BODY, f"idle: got {status} {body[:60]!r}")
        await expect_close(g, reader, "idle (keep-alive timeout)", 4.5, 7.0, 9.0)
    finally:
        close_writer(writer)


async def client_silent(g: Gen, rng):
    """Connects and never sends a byte: the header timeout (10 s) must close it."""
    reader, writer = await g.connect()
    try:
        await expect_close(g, reader, "silent (header timeout)", 9.5, 12.0, 14.0)
    finally:
        close_writer(writer)


async def gen_main(g: Gen, sleepers):
    rng = random.Random(hash((g.kind, os.getpid())))
    tasks = []

    def spawn(n, fn, *args):
        for i in range(n):
            r = random.Random(rng.random())
            tasks.append(asyncio.ensure_future(g.guarded(fn, g, r, *args)))

    if g.kind == "fast":
        spawn(4, client_fast)
    elif g.kind == "pipeline":
        spawn(2, client_pipeline)
    elif g.kind == "sleep":
        spawn(sleepers, client_sleep)
    elif g.kind == "echo":
        spawn(4, client_echo, os.urandom(1_100_000))
    elif g.kind == "disconnect":
        spawn(3, client_leave_await)
        spawn(3, client_leave_response)
    elif g.kind == "malformed":
        spawn(3, client_malformed)
    elif g.kind == "idle":
        spawn(20, client_idle)
        spawn(3, client_silent)
    # guarded() loops end on the stop flag; in-flight requests finish (each bounded by REQ_TIMEOUT).
    await asyncio.gather(*tasks)


def gen_process(kind, port, counters, stop, errq, hard_deadline, sleepers):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    g = Gen(kind, port, counters, stop, errq, hard_deadline)
    try:
        asyncio.run(gen_main(g, sleepers))
    except Exception:
        g.error("generator crashed:\n" + traceback.format_exc())
    if g.summary:
        errq.put((time.time(), kind, g.summary))


# ---------------------------------------------------------------------------------------------
# Server and sampling


def proc_or_gone(fn, pid):
    """fn(pid) from /proc, or -1 once the process is gone (the sampling loop reports its exit)."""
    try:
        return fn(pid)
    except OSError:
        return -1


def fd_targets(pid):
    out = {}
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                out[int(fd)] = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                pass
    except OSError:
        pass
    return out


def csv_path():
    out = os.environ.get("SOAK_OUT", "/tmp/brisk-soak.csv")
    if out.endswith("/") or os.path.isdir(out):
        os.makedirs(out, exist_ok=True)
        return os.path.join(out, "soak.csv")
    return out


def plot(csv_file, png, warmup_end, duration):
    gp = shutil.which("gnuplot")
    if not gp:
        print("[soak] gnuplot not found: plot skipped (apt-get install -y gnuplot-nox)", flush=True)
        return
    script = f"""
set terminal pngcairo size 1200,800 font "Sans,11"
set output "{png}"
set datafile separator ","
set key autotitle columnhead
set grid
set multiplot layout 2,1 title "brisk soak: build/test_app, 1 worker, {duration} s mixed load" noenhanced
set xlabel "time (s)"
set autoscale xfix
set arrow 1 from {warmup_end},graph 0 to {warmup_end},graph 1 nohead dashtype 2 lc rgb "gray50"
set label 1 "end of warm-up" at {warmup_end},graph 0.06 offset 0.5,0 textcolor rgb "gray40" front
set arrow 2 from {duration},graph 0 to {duration},graph 1 nohead dashtype 2 lc rgb "gray50"
set label 2 "load stops" at {duration},graph 0.06 right offset -0.5,0 textcolor rgb "gray40" front
set ylabel "RSS (MiB)"
set y2label "open fds"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key outside top center horizontal
set lmargin 10
set rmargin 10
plot "{csv_file}" using 1:($2/1024) with lines lw 2 lc rgb "#1f77b4" title "server RSS (MiB)", \\
     "" using 1:3 axes x1y2 with lines lw 1.5 lc rgb "#ff7f0e" title "server fds"
set ylabel "requests / s"
set y2label "unexpected errors / s"
set y2range [0:1<*]
set yrange [0:*]
plot "{csv_file}" using 1:5 axes x1y2 with impulses lw 1 lc rgb "#d62728" title "unexpected errors/s (right axis)", \\
     "" using 1:4 with lines lw 1.5 lc rgb "#2ca02c" title "requests/s"
unset multiplot
"""
    r = subprocess.run([gp], input=script.encode(), capture_output=True, timeout=60)
    if r.returncode == 0:
        print(f"[soak] plot: {png}", flush=True)
    else:
        print(f"[soak] gnuplot failed: {r.stderr.decode()[-500:]}", flush=True)


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--plot":  # re-plot a CSV: --plot CSV PNG
        with open(sys.argv[2]) as f:
            rows = list(csv.DictReader(f))
        duration = round(max(float(r["t_s"]) for r in rows if r["phase"] == "load"))
        plot(sys.argv[2], sys.argv[3], max(1, round(duration * 0.10)), duration)
        return 0
    app = sys.argv[1] if len(sys.argv) > 1 else "build/test_app"
    duration = int(float(os.environ.get("SOAK_SECONDS", "600")))
    sleepers = int(os.environ.get("SOAK_SLEEPERS", "300"))
    png = os.environ.get("SOAK_PLOT", "")
    out_csv = csv_path()
    warmup = max(1, round(duration * 0.10))
    window = max(1, min(30, (duration - warmup) // 3))

    workdir = tempfile.mkdtemp(prefix="brisk-soak-")
    # Own session: a Ctrl-C in the terminal reaches only this script, which then stops cleanly.
    server = Server(app, ["--workers", "1", "--no-access-log"], workdir=workdir,
                    new_session=True)
    print(f"[soak] {' '.join(server.argv)}  ({duration} s, warm-up {warmup} s, CSV {out_csv})", flush=True)
    try:
        server.start()
    except ServerError as e:
        print(f"soak: 0 passed, 1 failed: the server did not come up: {e}")
        return 1
    try:
        return run(server, duration, sleepers, png, out_csv, warmup, window)
    finally:
        server.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def run(server, duration, sleepers, png, out_csv, warmup, window):
    failures = []
    pid, port = server.pid, server.port
    baseline_fds = settle_fds(pid, None, 3.0)
    baseline_set = fd_targets(pid)
    print(f"[soak] server pid {pid} on port {port}; baseline fds {baseline_fds}", flush=True)

    counters = mp.RawArray("q", len(KINDS) * NF)
    stop = mp.RawValue("b", 0)
    errq = mp.Queue()
    t0 = time.monotonic()
    hard_deadline = t0 + duration + 60
    kinds = [k for k in os.environ.get("SOAK_KINDS", ",".join(KINDS)).split(",") if k in KINDS]
    procs = [mp.Process(target=gen_process, name=f"soak-{k}",
                        args=(k, port, counters, stop, errq, hard_deadline, sleepers), daemon=True)
             for k in kinds]
    for p in procs:
        p.start()

    interrupted = False

    def on_sigint(signum, frame):
        nonlocal interrupted
        interrupted = True

    signal.signal(signal.SIGINT, on_sigint)

    samples = []  # (t, rss_kib, fds, req_s, err_s, cpu_pct, sleep_inflight, aborted_s, phase)
    errors = []
    summaries = {}

    def totals():
        ok = sum(counters[i * NF + F_OK] for i in range(len(KINDS)))
        err = sum(counters[i * NF + F_ERR] for i in range(len(KINDS)))
        ab = sum(counters[i * NF + F_ABORT] for i in range(len(KINDS)))
        return ok, err, ab

    def drain_errors():
        for _ in range(1000):
            try:
                ts, kind, what = errq.get_nowait()
            except Exception:
                return
            if isinstance(what, dict):
                summaries[kind] = what
                continue
            errors.append((ts, kind, what))
            rel = ts - (time.time() - (time.monotonic() - t0))
            print(f"[soak] ERROR at {rel:.1f} s [{kind}] {what}", flush=True)

    last_ok, last_err, last_ab = 0, 0, 0
    last_cpu, last_t = proc_or_gone(cpu_seconds, pid), time.monotonic()
    next_tick = t0 + 1
    phase = "load"
    drain_deadline = None
    for _ in range(duration + 120):  # one iteration per second; bounded
        time.sleep(max(0.0, next_tick - time.monotonic()))
        next_tick += 1
        now = time.monotonic()
        cpu_s = proc_or_gone(cpu_seconds, pid)
        ok, err, ab = totals()
        cpu = 100.0 * (cpu_s - last_cpu) / max(1e-6, now - last_t)
        dt = max(1e-6, now - last_t)
        sample = (round(now - t0, 2), proc_or_gone(rss_kib, pid), proc_or_gone(fd_count, pid), round((ok - last_ok) / dt),
                  round((err - last_err) / dt), round(cpu, 1), counters[KINDS.index("sleep") * NF + F_INFLIGHT],
                  round((ab - last_ab) / dt), phase)
        samples.append(sample)
        last_ok, last_err, last_ab, last_cpu, last_t = ok, err, ab, cpu_s, now
        drain_errors()
        elapsed = now - t0
        if not server.alive():
            failures.append(f"server exited with code {server.returncode} at {elapsed:.0f} s")
            break
        if phase == "load":
            if int(round(elapsed)) % 10 == 0:
                print(f"[soak] {elapsed:.0f}/{duration} s  rss {sample[1] / 1024:.1f} MiB  fds {sample[2]}  "
                      f"req/s {sample[3]}  errors {err}  cpu {sample[5]:.0f}%  sleeping {sample[6]}", flush=True)
            if elapsed >= duration - 0.5 or interrupted:
                phase = "drain"
                stop.value = 1
                drain_deadline = now + 30
                print(f"[soak] load stopped at {elapsed:.0f} s; waiting for in-flight requests", flush=True)
        elif all(not p.is_alive() for p in procs) or now >= drain_deadline:
            break
    load_seconds = min(duration, max(s[0] for s in samples if s[8] == "load")) if samples else 0

    for p in procs:
        p.join(timeout=max(0.1, (drain_deadline or time.monotonic()) - time.monotonic()))
        if p.is_alive():
            failures.append(f"generator {p.name} did not stop within 30 s (requests hung?)")
            p.terminate()
            p.join(5)
    drain_errors()
    ok, err, ab = totals()
    per_kind = {k: (counters[i * NF + F_OK], counters[i * NF + F_ERR], counters[i * NF + F_ABORT])
                for i, k in enumerate(KINDS)}

    # Checks after the load: fds back to baseline, every request ended, clean exit.
    final_fds = settle_fds(pid, baseline_fds, 2.0) if server.alive() else -1
    if server.alive() and final_fds != baseline_fds:
        # Diagnostics: which fds are extra, their TCP state, and whether they go away later.
        extra = {fd: t for fd, t in fd_targets(pid).items() if baseline_set.get(fd) != t}
        print(f"[soak] fds after 2 s: {final_fds} (baseline {baseline_fds}); extra: "
              + ", ".join(f"{fd}->{t}" for fd, t in sorted(extra.items())[:20]), flush=True)
        ss = subprocess.run(["ss", "-tan", f"( sport = :{port} )"],
                            capture_output=True, text=True).stdout if shutil.which("ss") else ""
        states = {}
        for line in ss.splitlines()[1:]:
            states[line.split()[0]] = states.get(line.split()[0], 0) + 1
        print(f"[soak] server-side TCP states now: {states} (an fd whose socket is in no state is a "
              f"connection the peer reset that the server has not closed yet)", flush=True)
        later = settle_fds(pid, baseline_fds, 10.0)
        print(f"[soak] fds after 10 s more: {later}", flush=True)
    stats = None
    if server.alive():
        try:
            stats = get_json(port, "/stats", timeout=5.0)
        except Exception as e:
            failures.append(f"/stats after the load failed: {e}")
        settle_fds(pid, baseline_fds, 2.0)
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=20)
        if code is None:
            server.kill()
            code = server.returncode
            failures.append("server did not exit within 20 s of SIGTERM")
        if code != 0:
            failures.append(f"server exited {code} on SIGTERM")

    with open(out_csv, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["t_s", "rss_kib", "fds", "req_per_s", "errors_per_s", "cpu_pct", "sleep_inflight",
                    "aborts_per_s", "phase"])
        w.writerows(samples)

    load = [s for s in samples if s[8] == "load"]
    after_warmup = [s[1] for s in load if s[0] > warmup][:window]
    at_end = [s[1] for s in load][-window:]
    rss_warm = statistics.median(after_warmup) if after_warmup else float("nan")
    rss_end = statistics.median(at_end) if at_end else float("nan")
    growth = 100.0 * (rss_end - rss_warm) / rss_warm if after_warmup and at_end else float("nan")
    cpus = [s[5] for s in load if s[0] > 1]
    reqs = [s[3] for s in load]
    inflight = [s[6] for s in load if s[0] > warmup]

    if err:
        failures.append(f"{err} unexpected errors")
    if final_fds != baseline_fds:
        failures.append(f"fd count {final_fds} after the load, baseline {baseline_fds}")
    if not (growth < 5.0):
        failures.append(f"RSS grew {growth:.1f}% after warm-up ({rss_warm / 1024:.2f} -> {rss_end / 1024:.2f} MiB)")
    if stats is not None and stats.get("started") != stats.get("deferred"):
        failures.append(f"/sleep handlers started {stats.get('started')} but ended {stats.get('deferred')}")
    if interrupted:
        failures.append("interrupted")
    server_log = server.stderr() + server.stdout()

    print(f"[soak] duration        {load_seconds:.0f} s of load (+{len(samples) - len(load)} s drain)")
    print(f"[soak] requests        {ok} verified answers, {ok / max(1, load_seconds):.0f} req/s mean, "
          f"{statistics.median(reqs) if reqs else 0:.0f} median, plus {ab} deliberate disconnects")
    for k, (k_ok, k_err, k_ab) in per_kind.items():
        print(f"[soak]   {k:<11} ok {k_ok:>10}  errors {k_err:>4}  aborted {k_ab:>6}")
    print(f"[soak] errors          {err} unexpected")
    for kind, summ in summaries.items():
        for what, n in sorted(summ.items(), key=lambda kv: -kv[1])[:5]:
            print(f"[soak]   {n:>6} x [{kind}] {what}")
    if errors:
        print(f"[soak] first unexpected error at {errors[0][0] - (time.time() - (time.monotonic() - t0)):.1f} s")
    print(f"[soak] fds             baseline {baseline_fds}, final {final_fds}, "
          f"max during load {max((s[2] for s in load), default=-1)}")
    print(f"[soak] RSS             {rss_warm / 1024:.2f} MiB after warm-up, {rss_end / 1024:.2f} MiB at end, "
          f"growth {growth:+.2f}% (medians of {window} samples), max {max((s[1] for s in load), default=0) / 1024:.2f} MiB")
    after_all = [s[1] for s in load if s[0] > warmup]
    if after_all:  # information: a leak lifts the floor; transient large buffers only the peaks
        half = len(after_all) // 2 or 1
        lo1, lo2 = min(after_all[:half]), min(after_all[half:] or after_all)
        print(f"[soak] RSS floor       {lo1 / 1024:.2f} MiB (first half after warm-up), {lo2 / 1024:.2f} MiB "
              f"(second half), {100.0 * (lo2 - lo1) / lo1:+.2f}%")
    if cpus:
        print(f"[soak] server CPU      mean {statistics.mean(cpus):.0f}%, median {statistics.median(cpus):.0f}%, "
              f"max {max(cpus):.0f}% (of one core)")
    if inflight:
        print(f"[soak] /sleep in flight median {statistics.median(inflight):.0f}, min {min(inflight)}")
    if stats is not None:
        print(f"[soak] /stats          {stats}")
    lines = server_log.splitlines()
    invalid = [line for line in lines if "Invalid HTTP request received" in line]
    warn_lines = [line for line in lines if line.strip() and line not in invalid and not any(
        x in line for x in ("Started server", "running on", "Shutting down", "Finished server"))]
    print(f"[soak] server log: {len(invalid)} 'Invalid HTTP request' warnings (the malformed clients), "
          f"{len(warn_lines)} other lines")
    if warn_lines:
        for line in warn_lines[:10]:
            print("    " + line)
    print(f"[soak] samples: {out_csv}")
    if png:
        plot(out_csv, png, warmup, duration)
    if failures:
        print("soak: 0 passed, 1 failed: " + "; ".join(failures))
        return 1
    print("soak: 1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
