"""Slow and idle clients: thousands of idle or slowloris connections do not slow a fresh client,
and a client that never reads its responses is dropped instead of buffered for."""

import socket
import time

from httpclient import HOST, RawConn, build_request, fast_latency, latency_limit, probe_fast, wait_for

HELD = 5000


def _open_many(port, n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setblocking(True)
        s.settimeout(5)
        s.connect((HOST, port))
        socks.append(s)
    return socks


def test_idle_and_slowloris_connections_do_not_slow_fresh_clients(spawn):
    server = spawn("seed_app", "--no-access-log", "--timeout-header", 30)
    idle = probe_fast(server.port, 0.3)  # the baseline: /fast with nothing else connected
    assert not idle["errors"] and idle["lat"], idle
    socks = _open_many(server.port, HELD)
    try:
        half = HELD // 2
        for s in socks[:half]:  # slowloris: a request line, then a header byte now and then
            s.sendall(b"GET /fast HTTP/1.1\r\nX-Slow: ")
        latencies = []
        deadline = time.monotonic() + 3.0
        i = 0
        while time.monotonic() < deadline:
            socks[i % half].sendall(b"a")  # keep dripping
            i += 1
            if i % 50 == 0:
                latencies.append(fast_latency(server.port))
        assert len(latencies) >= 10
        worst = max(latencies)
        limit = latency_limit(idle["lat"])  # a /fast queued behind the slow clients would take seconds
        assert worst < limit, (f"/fast took up to {worst * 1000:.1f} ms with {HELD} slow connections held "
                               f"(idle: up to {max(idle['lat']) * 1000:.1f} ms; limit {limit * 1000:.0f} ms)")
        assert len(socks) == HELD and server.alive()
    finally:
        for s in socks:
            s.close()


def test_client_that_never_reads_is_closed(spawn):
    server = spawn("test_app", "--timeout-keep-alive", 1, "--no-access-log")
    baseline = server.fd_count()
    c = RawConn(server.port, rcvbuf=4096)
    try:
        c.send(b"".join(build_request("GET", "/big?kb=2048") for _ in range(10)))
        time.sleep(0.5)
        assert server.fd_count() == baseline + 1  # held while it might still read
        # No progress for longer than the keep-alive timeout: the server gives up on it.
        assert wait_for(lambda: server.fd_count() == baseline, timeout=6.0), (
            f"fds {server.fd_count()} vs baseline {baseline}: a client that never reads was kept")
    finally:
        c.abort()
