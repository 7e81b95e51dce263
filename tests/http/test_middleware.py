"""The middleware chain (bk_app_use, bk_next) as a FastAPI user sees Starlette's: the last added
is the outermost; a layer may answer without running its inside, await before and after it,
change the answer; 404, 405 and redirects pass through it (Starlette routes inside the stack),
a 500 of an endpoint that answered nothing does not (ServerErrorMiddleware is outside). The
layers are the "custom" app of tests/apps/mw_app.c, outermost first: order("second"), observer,
short_circuit, awaiting, order("first")."""

import socket
import threading
import time

import pytest

from conftest import _session_server
from httpclient import HOST, build_request, get_json, raw_request, wait_for

BK_EINVAL = -22


@pytest.fixture(scope="module")
def custom(tmp_path_factory):
    yield from _session_server(tmp_path_factory, "mw_app", "--app", "custom", "--no-access-log")


def test_last_added_is_outermost(custom):
    r = raw_request(custom.port, "GET", "/items")
    assert r.status == 200 and r.body == b'[{"id":1}]'
    assert r.header_all("X-Order") == ["first", "second"]  # the inner one appends first


@pytest.mark.parametrize(
    "method,target,status,body",
    [
        ("GET", "/nothing", 404, b'{"detail":"Not Found"}'),
        ("DELETE", "/items", 405, b'{"detail":"Method Not Allowed"}'),
        ("GET", "/items/", 307, b""),
        ("GET", "/teapot", 418, b'{"detail":"teapot"}'),
    ],
    ids=["404", "405", "slash-redirect", "http-error"],
)
def test_router_answers_pass_through_middleware(custom, method, target, status, body):
    r = raw_request(custom.port, method, target, host="testserver")
    assert (r.status, r.body) == (status, body), r
    assert r.header_all("X-Order") == ["first", "second"]
    if status == 405:  # GET /items came before POST /items: the first route's methods
        assert r.header("Allow") == "GET, HEAD"
    if status == 307:
        assert r.header("Location") == "http://testserver/items"


def test_short_circuit_skips_the_inside(custom):
    r = raw_request(custom.port, "GET", "/short")
    assert (r.status, r.body, r.header("X-Short")) == (403, b"short-circuited", "1"), r
    assert r.header_all("X-Order") == ["second"]  # the layers inside it never ran


def test_an_answer_missing_is_a_500_outside_every_layer(custom):
    r = raw_request(custom.port, "GET", "/crash")
    assert (r.status, r.body) == (500, b"Internal Server Error"), r
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    assert r.header("X-Order") is None and r.header("X-Observer") is None
    assert wait_for(lambda: f"observer: bk_next returned {BK_EINVAL}" in custom.stderr(), 3.0)


def test_route_timeout_is_a_504_outside_the_layers(custom):
    r = raw_request(custom.port, "GET", "/deadline?ms=2000")
    assert (r.status, r.body) == (504, b'{"detail":"Gateway Timeout"}'), r
    assert r.header("X-Order") is None


def test_awaiting_layer_changes_the_answer(custom):
    r = raw_request(custom.port, "GET", "/big", [("X-Mw-Sleep", "20"), ("X-Mw-Upper", "1"), ("X-Mw-Status", "202")])
    assert r.status == 202, r
    assert r.body == b"X" * 1000 and r.header("Content-Length") == "1000"
    assert r.header("X-Next-Again") == str(BK_EINVAL)  # a layer runs its inside once
    assert r.header_all("X-Order") == ["first", "second"]


def test_awaiting_layer_does_not_hold_up_others(custom):
    """A layer that awaits suspends its request only: another one is answered meanwhile."""
    done = {}

    def slow():
        done["slow"] = raw_request(custom.port, "GET", "/items", [("X-Mw-Sleep", "600")])
        done["slow_at"] = time.monotonic()

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.1)
    fast = raw_request(custom.port, "GET", "/items")
    fast_at = time.monotonic()
    t.join(10)
    assert fast.status == 200 and done["slow"].status == 200
    assert fast_at < done["slow_at"] - 0.5, "the awaiting layer blocked the worker"


def _leave_during(port, target, headers, after):
    with socket.create_connection((HOST, port)) as s:
        s.sendall(build_request("GET", target, headers))
        time.sleep(after)


@pytest.mark.parametrize(
    "target,sleep,where",
    [("/sleep?ms=3000", "50", "inside bk_next"), ("/items", "3000", "in the layer's own await")],
    ids=["in-handler", "in-layer"],
)
def test_client_leaving_mid_middleware_cancels_and_cleans_up(spawn, target, sleep, where):
    """The cancellation reaches the await in progress, the layer sees BK_ECANCELED, and its
    deferred cleanup runs (under `make test-asan` a leak fails the spawn fixture)."""
    server = spawn("mw_app", "--app", "custom", "--no-access-log")
    _leave_during(server.port, target, [("X-Mw-Sleep", sleep)], 0.3)
    stats = wait_for(lambda: (lambda s: s if s["cancelled"] == 1 else None)(get_json(server.port, "/mw-stats")), 3.0)
    assert stats, f"no cancellation seen {where}: {get_json(server.port, '/mw-stats')}"
    assert stats == {"entered": 1, "cancelled": 1, "cleaned": 1}
    r = raw_request(server.port, "GET", "/items", [("X-Mw-Sleep", "1")])  # and it goes on serving
    assert r.status == 200 and r.header_all("X-Order") == ["first", "second"]
