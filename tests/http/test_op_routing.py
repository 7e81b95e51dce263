"""HEAD and 405 for path operations (bk_add_op), as FastAPI answers them, on examples/items_api.

A path operation is FastAPI's APIRoute: a GET operation does not answer HEAD (405, Allow: GET),
unlike a Starlette Route (bk_route, the docs pages), whose GET serves HEAD too. A 405's Allow is
the method set of the first registered route the path matches (Starlette's Router tries routes
in order), not every method of the path. items_api registers GET /items before POST /items, and
GET /items/{item_id} before PUT, PATCH and DELETE on it. The bytes below are FastAPI 0.141's.
"""

import pytest

from conftest import _session_server
from httpclient import RawConn, build_request, raw_request

NOT_ALLOWED = b'{"detail":"Method Not Allowed"}'
ORIGIN = ("Origin", "https://app.example.com")


@pytest.fixture(scope="module")
def items(tmp_path_factory):
    yield from _session_server(tmp_path_factory, "items_api", "--no-access-log")


@pytest.mark.parametrize(
    "method,target,allow",
    [
        ("DELETE", "/items", "GET"),
        ("PUT", "/items", "GET"),
        ("OPTIONS", "/items", "GET"),
        ("POST", "/items/1", "GET"),
        ("GET", "/items/1/notify", "POST"),
    ],
    ids=["delete-list", "put-list", "options-list", "post-item", "get-notify"],
)
def test_405_allows_the_first_registered_route(items, method, target, allow):
    r = raw_request(items.port, method, target)
    assert (r.status, r.body) == (405, NOT_ALLOWED), r
    assert r.header("Allow") == allow
    assert r.content_type() == "application/json"


@pytest.mark.parametrize("target", ["/items", "/items/1"])
def test_head_on_a_get_operation_is_405_without_body(items, target):
    with RawConn(items.port) as c:
        # pipelined: had the 405 a body, the next response would not parse
        c.send(build_request("HEAD", target) + build_request("GET", "/"))
        h = c.read_response(head=True)
        assert h.status == 405, h
        assert h.header("Allow") == "GET"
        assert h.header("Content-Length") == str(len(NOT_ALLOWED))
        assert h.content_type() == "application/json"
        root = c.read_response()
        assert root.status == 200 and root.json() == {"service": "items", "version": "1.0.0"}, root


def test_405_passes_through_cors(items):
    """CORS adds its headers to the 405 and leaves Allow alone; an OPTIONS without
    Access-Control-Request-Method is no preflight: the router answers it."""
    r = raw_request(items.port, "OPTIONS", "/items", [ORIGIN])
    assert (r.status, r.body) == (405, NOT_ALLOWED), r
    assert r.header("Allow") == "GET"
    assert r.header("Access-Control-Allow-Origin") == "https://app.example.com"
    assert r.header("Access-Control-Allow-Credentials") == "true"
    assert r.header("Vary") == "Origin"


def test_preflight_is_answered_by_cors_not_405(items):
    r = raw_request(items.port, "OPTIONS", "/items", [ORIGIN, ("Access-Control-Request-Method", "DELETE")])
    assert (r.status, r.body) == (200, b"OK"), r
    assert r.header("Allow") is None
    assert r.header("Access-Control-Allow-Methods") == "GET, POST, PUT, PATCH, DELETE"


def test_docs_pages_are_plain_routes(items):
    """The docs pages are Starlette routes in FastAPI: HEAD answers with GET's headers, and a 405
    allows GET and HEAD."""
    page = raw_request(items.port, "GET", "/docs")
    head = raw_request(items.port, "HEAD", "/docs")
    assert page.status == 200 and head.status == 200, (page, head)
    assert head.body == b""
    assert head.header("Content-Length") == str(len(page.body))
    assert head.header("Content-Type") == page.header("Content-Type") == "text/html; charset=utf-8"
    r = raw_request(items.port, "POST", "/docs")
    assert (r.status, r.body) == (405, NOT_ALLOWED), r
    assert r.header("Allow") == "GET, HEAD"
