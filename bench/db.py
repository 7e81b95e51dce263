#!/usr/bin/env python3
"""bench/db.py — brisk's TechEmpower routes against pgbench and FastAPI + asyncpg, in one run
(`make bench-db`). A developer tool: it needs ../shared/bench (fastapi_tfb.py) and wrk.

Starts a throwaway PostgreSQL with TechEmpower's tables (tests/lib/pgserver.py,
examples/techempower.sql), then measures, each for --seconds with 64 clients (wrk -t1 -c64,
pgbench -c64 -j1):
  - pgbench select-only in TechEmpower's form: `SELECT randomNumber FROM World WHERE id = :id`,
    prepared (the ceiling a plain client reaches);
  - brisk (examples/techempower, 1 worker): /db, /queries?queries=20, /queries-sequential?queries=20,
    /fortunes, /updates?queries=20; and the two /queries forms again with 1, 2, 4, 8 and 16 clients;
  - FastAPI + asyncpg (shared/bench/fastapi_tfb.py, 1 uvicorn worker): the same routes.
Prints the figures and the ratios the issue sets targets for, and writes them to $BENCH_OUT/db.txt.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import pgserver  # noqa: E402
from httpclient import free_port  # noqa: E402

ROUTES = ["/db", "/queries?queries=20", "/queries-sequential?queries=20", "/fortunes", "/updates?queries=20"]
PGBENCH_SQL = "\\set id random(1, 10000)\nSELECT randomNumber FROM World WHERE id = :id;\n"


def wait_http(port, path, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.1)
    return False


def wrk(port, path, seconds, clients=64):
    out = subprocess.run(["wrk", "-t1", f"-c{clients}", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, timeout=seconds + 30).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    return rate, int(bad.group(1)) if bad else 0, errors.group(0) if errors else ""


def pgbench(pg, seconds):
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(PGBENCH_SQL)
    os.chmod(f.name, 0o644)
    out = subprocess.run([os.path.join(pg.bin, "pgbench"), "-n", "-M", "prepared", "-c", "64", "-j", "1",
                          "-T", str(seconds), "-f", f.name, "-h", "127.0.0.1", "-p", str(pg.port), "-U", pg.user,
                          "hello_world"], capture_output=True, text=True, timeout=seconds + 60)
    os.unlink(f.name)
    m = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out.stdout)
    if not m:
        raise RuntimeError(f"pgbench failed:\n{out.stdout}\n{out.stderr}")
    return float(m.group(1))


def serve(argv, env, port):
    proc = subprocess.Popen(argv, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if not wait_http(port, "/db"):
        proc.kill()
        raise RuntimeError(f"{argv[0]} did not serve /db: {proc.stderr.read().decode()[-2000:]}")
    return proc


def stop(proc):
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def measure(name, port, seconds, results):
    for path in ROUTES:
        if name != "brisk" and "sequential" in path:
            continue  # brisk's own route, for the batching ratio
        rate, bad, errors = wrk(port, path, seconds)
        results[(name, path)] = rate
        print(f"  {name:8} {path:34} {rate:10.0f} req/s" + (f"  ({bad} non-2xx) {errors}" if bad or errors else ""),
              flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 10)))
    ap.add_argument("--build", default=str(REPO / "build"))
    ap.add_argument("--shared", default=os.environ.get("BRISK_SHARED_BENCH", str(REPO.parent / "shared" / "bench")))
    ap.add_argument("--skip-fastapi", action="store_true")
    args = ap.parse_args()
    out_dir = Path(os.environ.get("BENCH_OUT", "/tmp/brisk-bench"))
    out_dir.mkdir(parents=True, exist_ok=True)

    pg = pgserver.PgServer(database="hello_world").init().start().create_database()
    results = {}
    try:
        pg.psql(open(REPO / "examples" / "techempower.sql").read())
        url = pg.url
        print(f"PostgreSQL {pg.psql('SHOW server_version')} on 127.0.0.1:{pg.port}; {args.seconds} s per run, "
              f"64 clients, {os.cpu_count()} cores", flush=True)
        results[("pgbench", "select")] = rate = pgbench(pg, args.seconds)
        print(f"  pgbench  {'-S style, prepared':34} {rate:10.0f} queries/s", flush=True)

        port = free_port()
        brisk = serve([str(Path(args.build) / "techempower"), "--host", "127.0.0.1", "--port", str(port),
                       "--workers", "1", "--no-access-log"], {"DATABASE_URL": url}, port)
        try:
            measure("brisk", port, args.seconds, results)
            for clients in (1, 2, 4, 8, 16):  # where round trips, not CPU, bound the rate
                for path in ("/queries?queries=20", "/queries-sequential?queries=20"):
                    rate, _, _ = wrk(port, path, args.seconds, clients=clients)
                    results[(f"brisk-c{clients}", path)] = rate
                    print(f"  brisk    {path + f' ({clients} clients)':34} {rate:10.0f} req/s", flush=True)
        finally:
            stop(brisk)

        if not args.skip_fastapi:
            port = free_port()
            fastapi = serve([sys.executable, "-m", "uvicorn", "fastapi_tfb:app", "--app-dir", args.shared,
                             "--host", "127.0.0.1", "--port", str(port), "--http", "httptools", "--loop", "uvloop",
                             "--log-level", "error", "--no-access-log"], {"DATABASE_URL": url}, port)
            try:
                measure("fastapi", port, args.seconds, results)
            finally:
                stop(fastapi)
    finally:
        pg.destroy()

    lines = ["", "ratios (targets from the issue):"]
    b = lambda p: results.get(("brisk", p), 0)  # noqa: E731
    lines.append(f"  brisk /db vs pgbench select-only:      {b('/db') / results[('pgbench', 'select')]:.2f}x  (>= 1.0)")
    lines.append(f"  /queries=20 batched vs 20 sequential:  "
                 f"{b('/queries?queries=20') / max(b('/queries-sequential?queries=20'), 1):.2f}x  (>= 3)")
    for clients in (1, 2, 4, 8, 16):
        c = lambda p: results.get((f"brisk-c{clients}", p), 0)  # noqa: E731
        lines.append(f"  same with {clients:2} clients: "
                     f"{c('/queries?queries=20') / max(c('/queries-sequential?queries=20'), 1):.2f}x")
    for path in ("/db", "/queries?queries=20", "/fortunes", "/updates?queries=20"):
        f = results.get(("fastapi", path))
        if f:
            lines.append(f"  brisk vs FastAPI {path:24} {b(path) / f:.1f}x  (>= 5)")
    print("\n".join(lines))
    with open(out_dir / "db.txt", "w") as f:
        for (name, path), rate in results.items():
            f.write(f"{name}\t{path}\t{rate:.0f}\n")
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
