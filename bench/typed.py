#!/usr/bin/env python3
"""bench/typed.py — what a typed operation costs (`make bench-typed`). A developer tool: it
needs ../shared/reference (the FastAPI items API) and wrk.

Measures, each for --seconds with wrk -t1 -c64, in one run (brisk's figures: the medians of
--rounds interleaved runs):
  - brisk's seed app `/fast` (1 worker): the untyped baseline;
  - build/items_api (1 worker) `PUT /items/1?dry=1&trace=0` with an X-Token header and a
    validated JSON body of 5 fields: a path parameter, the token dependency, the body model and
    the response model (the query parameters are ones the route does not declare, so they are
    only parsed past, as FastAPI does);
  - the same PUT with an invalid body (a 422 with three errors): a rejected request must cost no
    more than an accepted one;
  - the reference FastAPI items API (../shared/reference/run.sh, uvicorn, 1 process), the same
    PUT.
For each: requests per second and the server's CPU time per request (utime + stime of its
process from /proc, over the run). Prints the ratios the issue sets targets for:
PUT ÷ /fast req/s (≥ 0.8), FastAPI CPU ÷ brisk CPU per request (≥ 20), rejected ÷ accepted CPU
(≤ 1). Writes them to $BENCH_OUT/typed.txt when BENCH_OUT is set.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
from httpclient import free_port  # noqa: E402

REFERENCE = REPO.parent / "shared" / "reference"
TICKS = os.sysconf("SC_CLK_TCK")
GOOD = {"name": "Hammer", "price": 9.5, "tax": 1.5, "quantity": 3, "in_stock": True}
BAD = {"name": "", "price": -1, "tax": 1.5, "quantity": 5000, "in_stock": True}


def lua_put(body):
    """A wrk script sending PUT /items/1 with the token and `body`."""
    f = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    f.write('wrk.method = "PUT"\n'
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            'wrk.headers["X-Token"] = "secret-token"\n')
    f.close()
    return f.name


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def wait_http(port, path, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def wrk(port, path, seconds, script=None):
    argv = ["wrk", "-t1", "-c64", f"-d{seconds}s"] + (["-s", script] if script else [])
    out = subprocess.run(argv + [f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 30).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return total, rate, int(bad.group(1)) if bad else 0


def measure(proc, port, path, seconds, script=None):
    """(req/s, CPU µs per request, non-2xx count) of one wrk run against `proc`."""
    wrk(port, path, 1, script)  # warm-up: connections, caches, stacks
    before = cpu_seconds(proc.pid)
    total, rate, bad = wrk(port, path, seconds, script)
    used = cpu_seconds(proc.pid) - before
    return rate, used / max(total, 1) * 1e6, bad


def serve(argv, port, ready="/"):
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if not wait_http(port, ready):
        proc.kill()
        sys.exit(f"bench/typed.py: {argv[0]} did not start")
    return proc


def stop(proc):
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--seconds", type=int, default=6)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if not (REFERENCE / "run.sh").exists():
        sys.exit(f"bench/typed.py needs the FastAPI reference at {REFERENCE}")
    good, bad = lua_put(GOOD), lua_put(BAD)
    path = "/items/1?dry=1&trace=0"
    rows = {}

    # Each brisk figure is the median of --rounds runs, the servers' runs interleaved, so that
    # a noisy neighbour (2 cores, wrk beside the server) moves every figure alike.
    seed_port, items_port = free_port(), free_port()
    seed = serve([f"{args.build}/seed_app", "--port", str(seed_port), "--no-access-log",
                  "--workers", "1"], seed_port, "/fast")
    items = serve([f"{args.build}/items_api", "--port", str(items_port), "--no-access-log"],
                  items_port)
    runs = {"brisk /fast": [], "brisk PUT": [], "brisk PUT rejected (422)": []}
    for _ in range(args.rounds):
        runs["brisk /fast"].append(measure(seed, seed_port, "/fast", args.seconds))
        runs["brisk PUT"].append(measure(items, items_port, path, args.seconds, good))
        runs["brisk PUT rejected (422)"].append(measure(items, items_port, path, args.seconds, bad))
    stop(seed)
    stop(items)
    for name, got in runs.items():
        rows[name] = tuple(statistics.median(r[i] for r in got) for i in range(3))

    port = free_port()
    p = serve([str(REFERENCE / "run.sh"), "items_api:app", "--port", str(port), "--no-access-log"],
              port)
    rows["FastAPI PUT"] = measure(p, port, path, args.seconds, good)
    stop(p)

    lines = [f"{name:28} {rate:>10,.0f} req/s {cpu:>8.2f} µs CPU/request  non-2xx {nb}"
             for name, (rate, cpu, nb) in rows.items()]
    fast, put, rej, ref = (rows[k] for k in ("brisk /fast", "brisk PUT", "brisk PUT rejected (422)",
                                             "FastAPI PUT"))
    lines += [f"PUT ÷ /fast req/s: {put[0] / fast[0]:.2f} (target ≥ 0.8)",
              f"FastAPI ÷ brisk CPU per PUT: {ref[1] / put[1]:.1f} (target ≥ 20)",
              f"rejected ÷ accepted CPU per request: {rej[1] / put[1]:.2f} (target ≤ 1)"]
    print("\n".join(lines))
    if os.environ.get("BENCH_OUT"):
        Path(os.environ["BENCH_OUT"], "typed.txt").write_text("\n".join(lines) + "\n")
    os.unlink(good)
    os.unlink(bad)


if __name__ == "__main__":
    main()
