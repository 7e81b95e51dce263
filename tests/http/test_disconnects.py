"""Clients that leave at the worst moment: mid-body, mid-response, mid-pipeline. Every fd and
handler is released and the server keeps serving."""

import time

from httpclient import RawConn, assert_serves_fast, build_request, get_json, settle_fds, wait_for


def _settles(server, baseline):
    return settle_fds(server.pid, baseline, limit=5.0) == baseline


def test_body_silence_gets_408(spawn):
    server = spawn("test_app", "--timeout-body", 1)
    with RawConn(server.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        start = time.monotonic()
        r = c.read_response(timeout=5.0)
        assert r.status == 408, r
        assert 0.8 < time.monotonic() - start < 3.0
        c.assert_closed(timeout=3.0)
    assert_serves_fast(server.port)


def test_disconnect_during_partial_response(spawn):
    server = spawn("test_app", "--no-access-log")
    baseline = server.fd_count()
    for _ in range(20):
        c = RawConn(server.port, rcvbuf=4096)
        c.send(build_request("GET", "/big?kb=4096"))
        assert c.sock.recv(1024).startswith(b"HTTP/1.1 200")  # the response has started
        c.abort()
    assert _settles(server, baseline), f"fds {server.fd_count()} vs {baseline}"
    assert_serves_fast(server.port)


def test_disconnect_during_pipelined_batch(spawn):
    server = spawn("test_app", "--no-access-log")
    baseline = server.fd_count()
    batch = b"".join(build_request("GET", f"/items/{i}") for i in range(200))
    batch += build_request("GET", "/sleep?ms=2000") + build_request("GET", "/fast")
    for _ in range(20):
        c = RawConn(server.port)
        c.send(batch)
        c.sock.recv(512)
        c.abort()  # leaves with most answers unread and a handler awaiting
    assert _settles(server, baseline), f"fds {server.fd_count()} vs {baseline}"
    def all_ended():
        stats = get_json(server.port, "/stats")
        return stats["started"] >= 20 and stats["deferred"] == stats["started"]

    assert wait_for(all_ended, timeout=5.0), get_json(server.port, "/stats")
    assert_serves_fast(server.port)
