#!/usr/bin/env python3
"""bench/gateway.py — examples/gateway fanning out N concurrent bk_fetch calls to an upstream
that waits 1 s per call (`make bench-gateway`). Target: 1,000 calls finish in < 1.5 s. Reports
the time of GET /aggregate?n=N (3 runs), and the gateway's memory per in-flight call (peak RSS
during the fan-out minus RSS before, over N).

The upstream is an asyncio server in its own process (uvloop when installed), keep-alive, that
answers GET /wait after 1 s."""

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
from httpclient import free_port, rss_kib  # noqa: E402

UPSTREAM = r"""
import asyncio, sys
try:
    import uvloop; uvloop.install()
except ImportError:
    pass
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"GET /wait"):
                await asyncio.sleep(1.0)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nwaited")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()
asyncio.run(main())
"""


def get(url, timeout=30):
    t0 = time.monotonic()
    with urllib.request.urlopen(url, timeout=timeout) as r:
        body = r.read().decode()
    return time.monotonic() - t0, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--build", default=str(REPO / "build"))
    args = ap.parse_args()
    up_port, gw_port = free_port(), free_port()
    upstream = subprocess.Popen([sys.executable, "-c", UPSTREAM, str(up_port)], stdout=subprocess.PIPE, text=True)
    assert upstream.stdout.readline().strip() == "ready"
    gateway = subprocess.Popen([str(Path(args.build) / "gateway"), "--host", "127.0.0.1", "--port", str(gw_port),
                                "--workers", "1", "--no-access-log"],
                               env={**os.environ, "UPSTREAM_URL": f"http://127.0.0.1:{up_port}"},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                get(f"http://127.0.0.1:{gw_port}/aggregate?n=1")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        times = []
        for _ in range(3):
            base = rss_kib(gateway.pid)
            peak = [base]
            done = threading.Event()

            def sample():
                while not done.is_set():
                    peak[0] = max(peak[0], rss_kib(gateway.pid))
                    time.sleep(0.01)

            sampler = threading.Thread(target=sample)
            sampler.start()
            elapsed, body = get(f"http://127.0.0.1:{gw_port}/aggregate?n={args.n}")
            done.set()
            sampler.join()
            times.append(elapsed)
            print(f"  /aggregate?n={args.n}: {elapsed:.3f} s  {body}  "
                  f"RSS {base} KiB -> peak {peak[0]} KiB ({(peak[0] - base) / args.n:.1f} KiB per call)", flush=True)
        times.sort()
        print(f"median {times[1]:.3f} s for {args.n} concurrent 1 s upstream calls (target < 1.5 s)")
    finally:
        gateway.send_signal(signal.SIGINT)
        upstream.kill()
        gateway.wait(15)


if __name__ == "__main__":
    main()
