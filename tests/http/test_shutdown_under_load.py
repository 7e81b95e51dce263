"""SIGTERM while wrk hammers /fast and 1,000 /slow are in flight: the listener closes at once,
every in-flight request completes with 200, keep-alive connections close after their current
response, and the process exits 0 within the grace period."""

import asyncio
import shutil
import signal
import socket
import subprocess
import time

import pytest

from httpclient import HOST, RawConn, build_request

N_SLOW = 1000


async def _slow(port, results):
    try:
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        results.append(int(head.split(b" ", 2)[1]))
        writer.close()
    except Exception as e:  # noqa: BLE001 - counted as a failure below
        results.append(repr(e))


async def _run(server, wrk):
    results = []
    tasks = [asyncio.create_task(_slow(server.port, results)) for _ in range(N_SLOW)]
    await asyncio.sleep(1.0)  # all sent and suspended in their handlers
    idle, busy = RawConn(server.port), RawConn(server.port)
    for c in (idle, busy):
        c.send(build_request("GET", "/fast"))
        assert c.read_response(timeout=5).status == 200
    busy.send(build_request("GET", "/slow"))  # a keep-alive connection with a response to come
    await asyncio.sleep(0.2)
    server.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    await asyncio.sleep(0.3)
    with pytest.raises(OSError):  # the listener closed at once
        socket.create_connection((HOST, server.port), timeout=1).close()
    idle.assert_closed(timeout=3)  # nothing in progress: closed right away
    await asyncio.gather(*tasks)
    last = busy.read_response(timeout=5)  # its current response still comes, then the close
    assert last.status == 200 and (last.header("Connection") or "").lower() == "close", last
    busy.assert_closed(timeout=3)
    return results, signalled


@pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk")
def test_sigterm_under_load_loses_nothing(spawn):
    server = spawn("seed_app", "--no-access-log", "--graceful-timeout", 10)
    wrk = subprocess.Popen(["wrk", "-t1", "-c16", "-d6s", f"http://{HOST}:{server.port}/fast"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        results, signalled = asyncio.run(_run(server, wrk))
        code = server.wait(timeout=10)
        exited = time.monotonic() - signalled
    finally:
        wrk.kill()
        wrk.wait(timeout=10)
    failures = [r for r in results if r != 200]
    assert not failures, f"{len(failures)} of {N_SLOW} in-flight /slow lost: {failures[:3]}"
    assert code == 0, server.stderr()
    assert exited < 10, f"exit took {exited:.1f} s (grace period 10 s)"
