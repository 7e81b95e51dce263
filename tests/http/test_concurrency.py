"""(c) 1,000 concurrent slow requests finish together while fast ones stay fast."""

import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpclient
from httpclient import HOST, build_request, latency_limit, raise_nofile_limit, read_response_async

N_SLOW = 1000
SLOW_S = 3.0  # what each /slow sleeps

# Runs in its own process so the load generator's GIL cannot inflate its latencies: sequential
# GET /fast on fresh connections, first for 0.3 s on the idle server (the baseline), then, after
# "go" on stdin, for the given seconds under load; prints both as JSON.
PROBER = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from httpclient import probe_fast
port, duration = int(sys.argv[2]), float(sys.argv[3])
idle = probe_fast(port, 0.3)
print("ready", flush=True)
sys.stdin.readline()
print(json.dumps({"idle": idle, "load": probe_fast(port, duration)}), flush=True)
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
    lib = str(Path(httpclient.__file__).parent)
    prober = subprocess.Popen(
        [sys.executable, "-c", PROBER, lib, str(seed_server.port), "3.5"],
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
    # Concurrent, not queued: had any /slow waited for another one to finish, it would have taken
    # at least two sleeps. Everything beyond one sleep is connection set-up on a busy machine.
    assert wall < 2 * SLOW_S, f"{N_SLOW} concurrent /slow took {wall:.2f} s (each sleeps {SLOW_S:.0f} s)"

    probe = json.loads(out.strip().splitlines()[-1])
    idle, lat = probe["idle"]["lat"], probe["load"]["lat"]
    assert not probe["idle"]["errors"] and not probe["load"]["errors"], f"/fast failed: {probe}"
    assert len(idle) >= 5 and len(lat) >= 20, f"only {len(idle)} idle and {len(lat)} loaded /fast probes ran"
    limit = latency_limit(idle)  # a /fast that waited behind a /slow takes 3 s
    summary = (
        f"/fast idle: max {max(idle) * 1000:.1f} ms; during the load: n={len(lat)} "
        f"p50={statistics.median(lat) * 1000:.1f} ms p99={_pct(lat, 99) * 1000:.1f} ms max={max(lat) * 1000:.1f} ms; "
        f"limit {limit * 1000:.0f} ms"
    )
    assert max(lat) < limit, summary
