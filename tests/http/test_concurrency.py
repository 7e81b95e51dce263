"""(c) 1,000 concurrent slow requests finish together while fast ones stay fast."""

import asyncio
import json
import statistics
import subprocess
import sys
import time

from httpclient import HOST, build_request, raise_nofile_limit, read_response_async

N_SLOW = 1000

# Runs in its own process so the load generator's GIL cannot inflate its latencies: sequential
# GET /fast on fresh connections for DURATION seconds, prints the latencies (s) as JSON.
PROBER = r"""
import json, socket, sys, time
host, port, duration = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
req = b"GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
print("ready", flush=True)
sys.stdin.readline()
lat, errors = [], []
end = time.monotonic() + duration
while time.monotonic() < end:
    t0 = time.perf_counter()
    try:
        with socket.create_connection((host, port), timeout=5) as s:
            s.sendall(req)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, sep, body = data.partition(b"\r\n\r\n")
                if sep and b'"Fast response"' in body:
                    break
        t1 = time.perf_counter()
        if not data.startswith(b"HTTP/1.1 200") or b'"Fast response"' not in data:
            errors.append(data[:200].decode("latin-1"))
        lat.append(t1 - t0)
    except OSError as e:
        errors.append(repr(e))
    time.sleep(0.01)
print(json.dumps({"lat": lat, "errors": errors}), flush=True)
"""


async def _slow_request(port):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        writer.write(build_request("GET", "/slow"))
        await writer.drain()
        r = await read_response_async(reader)
        return r.status, r.body
    finally:
        writer.close()


async def _run_slow_load(port, n):
    async def one():
        try:
            return await asyncio.wait_for(_slow_request(port), timeout=15)
        except Exception as e:  # noqa: BLE001 - reported in the assertion
            return None, repr(e)

    return await asyncio.gather(*(one() for _ in range(n)))


def _pct(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def test_1000_concurrent_slow_requests_while_fast_stays_fast(seed_server):
    raise_nofile_limit()
    prober = subprocess.Popen(
        [sys.executable, "-c", PROBER, HOST, str(seed_server.port), "3.5"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert prober.stdout.readline().strip() == "ready"
        prober.stdin.write("go\n")
        prober.stdin.flush()
        start = time.monotonic()
        results = asyncio.run(_run_slow_load(seed_server.port, N_SLOW))
        wall = time.monotonic() - start
        out, _ = prober.communicate(timeout=15)
    finally:
        if prober.poll() is None:
            prober.kill()
            prober.wait()

    failures = [r for r in results if r[0] != 200 or r[1] != b'{"message":"Slow response after 3 seconds"}']
    assert not failures, f"{len(failures)} of {N_SLOW} slow requests failed, e.g. {failures[:3]}"
    assert wall < 4.5, f"{N_SLOW} concurrent /slow took {wall:.2f} s (each sleeps 3 s)"

    probe = json.loads(out.strip().splitlines()[-1])
    lat = probe["lat"]
    assert not probe["errors"], f"/fast failed during the load: {probe['errors'][:3]}"
    assert len(lat) >= 20, f"only {len(lat)} /fast probes ran"
    summary = (
        f"/fast during load: n={len(lat)} p50={statistics.median(lat) * 1000:.1f} ms "
        f"p99={_pct(lat, 99) * 1000:.1f} ms max={max(lat) * 1000:.1f} ms"
    )
    assert max(lat) < 0.050, summary
