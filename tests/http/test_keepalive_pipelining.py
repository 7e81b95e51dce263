"""(b) Keep-alive and pipelining, (i) the idle keep-alive timeout."""

import http.client
import json
import time

from httpclient import HOST, RawConn, build_request


def _expected(i):
    """Alternates /fast and /items/{i} so the order of responses is checkable."""
    if i % 2 == 0:
        return f"/items/{i}", {"item_id": str(i)}
    return "/fast", {"message": "Fast response"}


def test_keepalive_100_requests_on_one_connection(app_server):
    conn = http.client.HTTPConnection(HOST, app_server.port, timeout=10)
    try:
        socknames = set()
        for i in range(100):
            path, doc = _expected(i)
            conn.request("GET", path)
            socknames.add(conn.sock.getsockname())
            resp = conn.getresponse()
            body = resp.read()
            assert resp.status == 200, (i, resp.status, body)
            assert json.loads(body) == doc, (i, body)
            assert (resp.getheader("Connection") or "").lower() != "close", f"server closed after request {i}"
        assert len(socknames) == 1, f"http.client had to reconnect: {len(socknames)} connections used"
    finally:
        conn.close()


def test_pipelined_50_requests_answered_in_order(app_server):
    paths = [_expected(i) for i in range(50)]
    with RawConn(app_server.port) as c:
        c.send(b"".join(build_request("GET", p) for p, _ in paths))
        for i, (path, doc) in enumerate(paths):
            r = c.read_response(timeout=10)
            assert r.status == 200, (i, path, r)
            assert r.json() == doc, (i, path, r)
        # the connection stays usable afterwards
        c.send(build_request("GET", "/text"))
        r = c.read_response()
        assert r.status == 200 and r.body == b"hello"


def test_pipelined_requests_around_a_sleeping_one_stay_in_order(app_server):
    paths = ["/items/0", "/items/1", "/sleep?ms=200", "/items/3", "/fast", "/items/5"]
    expected = [{"item_id": "0"}, {"item_id": "1"}, {"slept": 200}, {"item_id": "3"}, {"message": "Fast response"}, {"item_id": "5"}]
    with RawConn(app_server.port) as c:
        start = time.monotonic()
        c.send(b"".join(build_request("GET", p) for p in paths))
        got = []
        for p in paths:
            r = c.read_response(timeout=10)
            assert r.status == 200, (p, r)
            got.append(r.json())
        elapsed = time.monotonic() - start
    assert got == expected
    assert 0.19 <= elapsed < 2.0, f"pipeline took {elapsed:.3f} s"


def test_idle_keepalive_connection_closed_after_timeout(spawn):
    server = spawn("test_app", "--timeout-keep-alive", "1")
    with RawConn(server.port) as c:
        c.send(build_request("GET", "/fast"))
        r = c.read_response()
        assert r.status == 200
        assert (r.header("Connection") or "").lower() != "close"
        idle_from = time.monotonic()
        c.assert_closed(timeout=3.0)
        idle = time.monotonic() - idle_from
    assert idle >= 0.7, f"connection closed after only {idle:.2f} s idle (timeout is 1 s)"


def test_keepalive_connection_survives_short_idle(spawn):
    server = spawn("test_app", "--timeout-keep-alive", "2")
    with RawConn(server.port) as c:
        for _ in range(3):
            c.send(build_request("GET", "/fast"))
            assert c.read_response().status == 200
            time.sleep(0.5)


def test_keepalive_continues_after_a_large_response(app_server):
    """A response over the 256 KiB output mark that the socket takes in one write must not leave
    the connection deaf (found by the soak: the next request went unanswered)."""
    with RawConn(app_server.port) as c:
        for kb in (300, 1024, 300):
            c.send(build_request("GET", f"/big?kb={kb}"))
            r = c.read_response(timeout=5.0)
            assert r.status == 200 and len(r.body) == kb * 1024, r
            c.send(build_request("GET", "/fast"))
            assert c.read_response(timeout=5.0).status == 200
