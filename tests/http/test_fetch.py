"""Outbound HTTP (bk_fetch) against a real upstream server (tests/lib/upstream.py) through
test_app's /fetch and /fetch-many routes: what passes through, connection reuse, every error the
client maps, concurrency, cancellation when the client leaves, and shutdown with fetches in flight.
"""

import signal
import threading
import time
from urllib.parse import quote

import pytest
from httpclient import (
    RawConn,
    build_request,
    fast_latency,
    free_port,
    get,
    get_json,
    latency_limit,
    probe_fast,
    request,
    wait_for,
)
from upstream import Upstream

ECONNREFUSED, ETIMEDOUT, EMSGSIZE, EPROTO, EINVAL, EAI_NONAME = -111, -110, -90, -71, -22, -3008


@pytest.fixture
def upstream():
    up = Upstream().start()
    yield up
    up.stop()


def fetch_path(url, **params):
    extra = "".join(f"&{k}={quote(str(v), safe='')}" for k, v in params.items())
    return f"/fetch?url={quote(url, safe='')}{extra}"


def fetch(port, url, **params):
    """GET /fetch of `url`: (status of the route, its JSON)."""
    r = get(port, fetch_path(url, **params), timeout=30)
    return r.status, r.json()


def assert_fetch_error(port, url, code, **params):
    start = time.monotonic()
    status, doc = fetch(port, url, **params)
    assert (status, doc.get("error")) == (502, code), doc
    return time.monotonic() - start


def test_get_passes_status_headers_and_body(app_server, upstream):
    status, doc = fetch(app_server.port, upstream.url("/hello"))
    assert status == 200, doc
    assert doc["status"] == 200
    assert doc["body"] == "hello from upstream"
    assert doc["x_upstream"] == "hello"
    assert doc["content_type"] == "text/plain"
    method, path, headers, body = upstream.seen[-1]
    assert (method, path, body) == ("GET", "/hello", b"")
    assert headers["x-from"] == "test_app"  # the caller's headers go out
    assert headers["user-agent"].startswith("brisk/")


@pytest.mark.parametrize("code", [404, 418, 500, 503])
def test_upstream_error_status_is_a_result(app_server, upstream, code):
    status, doc = fetch(app_server.port, upstream.url(f"/status?code={code}"))
    assert status == 200, doc
    assert (doc["status"], doc["body"]) == (code, f"status {code}")


def test_post_with_body(app_server, upstream):
    url = fetch_path(upstream.url("/echo"))
    r = request(app_server.port, "POST", url, body=b'{"a": 1}', headers={"Content-Type": "application/json"})
    doc = r.json()
    assert r.status == 200, doc
    assert doc["status"] == 200 and doc["x_method"] == "POST"
    assert doc["body"] == '{"a": 1}'
    assert doc["x_seen_content_type"] == "application/json"
    method, _, headers, body = upstream.seen[-1]
    assert (method, body) == ("POST", b'{"a": 1}')
    assert "expect" not in headers  # no 100-continue round trip


def test_put_and_bodyless_post(app_server, upstream):
    r = request(app_server.port, "POST", fetch_path(upstream.url("/echo"), method="PUT"), body=b"data")
    assert r.json()["x_method"] == "PUT" and r.json()["body"] == "data"
    # curl would label a body without Content-Type a form: brisk sends none.
    assert upstream.seen[-1][2].get("content-type") is None
    status, doc = fetch(app_server.port, upstream.url("/echo"), method="POST")
    assert status == 200 and doc["x_method"] == "POST" and doc["body"] == ""
    assert upstream.seen[-1][2].get("content-length") == "0"


def test_connections_are_reused(spawn, upstream):
    server = spawn("test_app")
    for _ in range(10):
        status, doc = fetch(server.port, upstream.url("/hello"))
        assert status == 200 and doc["status"] == 200, doc
    assert upstream.requests == 10
    assert upstream.connections == 1, f"{upstream.connections} connections for 10 sequential fetches"


def test_connection_refused(app_server):
    elapsed = assert_fetch_error(app_server.port, f"http://127.0.0.1:{free_port()}/", ECONNREFUSED)
    assert elapsed < 2.0, f"a refused connect took {elapsed:.2f} s"


def test_dns_failure(app_server):
    assert_fetch_error(app_server.port, "http://no-such-host.invalid/", EAI_NONAME)


def test_timeout_closes_the_connection(app_server, upstream):
    elapsed = assert_fetch_error(app_server.port, upstream.url("/hang"), ETIMEDOUT, timeout=300)
    assert elapsed < 3.0, f"a 300 ms timeout took {elapsed:.2f} s"
    assert upstream.wait_for(lambda u: u.hung_closed == 1), "the timed-out connection stayed open"


@pytest.mark.parametrize("chunked", [0, 1])
def test_response_size_limit(app_server, upstream, chunked):
    big = upstream.url(f"/big?n=200000&chunked={chunked}")
    assert_fetch_error(app_server.port, big, EMSGSIZE, max=100000)
    status, doc = fetch(app_server.port, upstream.url(f"/big?n=100000&chunked={chunked}"), max=100000)
    assert status == 200 and len(doc["body"]) == 100000, "a response of exactly the limit passes"


def test_default_size_limit_is_10_mib(app_server, upstream):
    assert_fetch_error(app_server.port, upstream.url(f"/big?n={10 * 2**20 + 1}"), EMSGSIZE)


@pytest.mark.parametrize("path", ["/garbage", "/truncated"])
def test_malformed_response(app_server, upstream, path):
    assert_fetch_error(app_server.port, upstream.url(path), EPROTO)


@pytest.mark.parametrize("kind", ["fold", "space", "nul"])
def test_malformed_header_line(app_server, upstream, kind):
    assert_fetch_error(app_server.port, upstream.url(f"/badheader?kind={kind}"), EPROTO)


@pytest.mark.parametrize(
    "url,params",
    [("ftp://127.0.0.1/x", {}), ("not a url", {}), ("http://127.0.0.1:1/", {"method": "GET /x HTTP/1.1\r\nX:"})],
)
def test_bad_arguments(app_server, url, params):
    assert_fetch_error(app_server.port, url, EINVAL, **params)


def test_gather_of_many_concurrent_fetches(app_server, upstream):
    n = 120
    start = time.monotonic()
    doc = get_json(app_server.port, "/fetch-many?n=%d&url=%s" % (n, quote(upstream.url("/wait?ms=500"), safe="")), timeout=60)
    elapsed = time.monotonic() - start
    assert doc == {"calls": n, "ok": n, "error": 0}
    assert elapsed < 10.0, f"{n} fetches of 0.5 s took {elapsed:.2f} s: they did not overlap"


def test_client_disconnect_cancels_the_fetch(spawn, upstream):
    server = spawn("test_app")
    port = server.port
    # Sets the worker's client up (libcurl's own fds) without keeping a connection.
    assert fetch(port, upstream.url("/hello?close=1"))[0] == 200
    baseline = server.stable_fd_count()
    with RawConn(port, timeout=5) as c:
        c.send(build_request("GET", fetch_path(upstream.url("/hang"))))
        assert upstream.wait_for(lambda u: u.hung == 1), "the fetch did not reach the upstream"
    assert upstream.wait_for(lambda u: u.hung_closed == 1), "the upstream connection stayed open"
    assert wait_for(lambda: get_json(port, "/stats")["fetch_cancelled"] == 1, 3.0), get_json(port, "/stats")
    fds = server.stable_fd_count()
    assert fds == baseline, f"server holds {fds} fds, {baseline} before the cancelled fetch"


def test_fast_stays_fast_while_fetches_are_in_flight(spawn, upstream):
    server = spawn("test_app")
    port = server.port
    idle = [fast_latency(port) for _ in range(10)]
    result = {}

    def many():
        url = "/fetch-many?n=100&url=" + quote(upstream.url("/wait?ms=1500"), safe="")
        result["doc"] = get_json(port, url, timeout=30)

    t = threading.Thread(target=many)
    t.start()
    assert upstream.wait_for(lambda u: u.requests >= 100), "the fetches did not start"
    probe = probe_fast(port, 1.0)
    t.join(30)
    assert not probe["errors"], probe["errors"][:3]
    limit = latency_limit(idle)
    assert max(probe["lat"]) < limit, f"/fast took {max(probe['lat']) * 1000:.0f} ms during fetches (limit {limit * 1000:.0f} ms)"
    assert result.get("doc") == {"calls": 100, "ok": 100, "error": 0}


def test_graceful_stop_lets_a_fetch_finish(spawn, upstream):
    server = spawn("test_app", "--graceful-timeout", "5")
    with RawConn(server.port, timeout=10) as c:
        c.send(build_request("GET", fetch_path(upstream.url("/wait?ms=800"))))
        assert upstream.wait_for(lambda u: u.requests == 1)
        server.send_signal(signal.SIGTERM)
        r = c.read_response()
    assert r.status == 200 and r.json()["body"] == "waited", r
    assert server.wait(10) == 0, server.stderr()


def test_grace_period_end_cancels_a_fetch(spawn, upstream):
    server = spawn("test_app", "--graceful-timeout", "0.5")
    with RawConn(server.port, timeout=10) as c:
        c.send(build_request("GET", fetch_path(upstream.url("/hang"))))
        assert upstream.wait_for(lambda u: u.hung == 1)
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(10) == 0, server.stderr()
    assert time.monotonic() - start < 5.0
    assert upstream.wait_for(lambda u: u.hung_closed == 1), "the upstream connection stayed open"


def test_gateway_example(spawn, upstream, monkeypatch):
    monkeypatch.setenv("UPSTREAM_URL", f"http://127.0.0.1:{upstream.port}")
    server = spawn("gateway")
    start = time.monotonic()
    assert get_json(server.port, "/aggregate?n=20", timeout=30) == {"calls": 20, "ok": 20}
    assert time.monotonic() - start < 5.0
    assert get(server.port, "/aggregate?n=0").status == 422
