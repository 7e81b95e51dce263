"""(e) Routing, error shapes, HEAD, HTTP/1.0, Expect, request bodies, parameters, responses."""

import email.utils
import json
import os
import time

import pytest

from httpclient import RawConn, build_request, get, request


# ---- 404 / 405 -----------------------------------------------------------------------------


def test_unknown_path_is_404_not_found(app_server):
    r = get(app_server.port, "/no/such/path")
    assert r.status == 404
    assert r.content_type() == "application/json"
    assert r.body == b'{"detail":"Not Found"}'


def _allow_set(value):
    return {m.strip() for m in (value or "").split(",") if m.strip()}


def test_wrong_method_on_get_route_is_405_with_allow(app_server):
    r = request(app_server.port, "POST", "/fast", body=b"x")
    assert r.status == 405
    assert r.content_type() == "application/json"
    assert r.body == b'{"detail":"Method Not Allowed"}'
    assert _allow_set(r.headers.get("Allow")) == {"GET", "HEAD"}, r.headers.get("Allow")


def test_wrong_method_on_post_route_is_405_with_allow(app_server):
    r = request(app_server.port, "DELETE", "/echo")
    assert r.status == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    assert _allow_set(r.headers.get("Allow")) == {"POST"}, r.headers.get("Allow")


def test_405_allow_is_the_first_route_of_the_path(app_server):
    """GET /fetch is registered before POST /fetch: a 405 lists the first route's methods only,
    as Starlette's Router hands the 405 to the first route whose path matches."""
    r = request(app_server.port, "DELETE", "/fetch")
    assert r.status == 405
    assert r.json() == {"detail": "Method Not Allowed"}
    assert _allow_set(r.headers.get("Allow")) == {"GET", "HEAD"}, r.headers.get("Allow")


# ---- HEAD ----------------------------------------------------------------------------------


def test_head_on_get_route_has_headers_and_no_body(app_server):
    full = get(app_server.port, "/items/77")
    assert full.status == 200
    with RawConn(app_server.port) as c:
        # pipelined: if HEAD leaked a body, the next response would not parse as /text
        c.send(build_request("HEAD", "/items/77") + build_request("GET", "/text"))
        h = c.read_response(head=True)
        assert h.status == 200, h
        assert h.header("Content-Length") == str(len(full.body))
        assert h.content_type() == "application/json"
        t = c.read_response()
        assert t.status == 200 and t.body == b"hello", t


# ---- server headers ------------------------------------------------------------------------


def test_responses_carry_server_and_date(app_server):
    r = get(app_server.port, "/fast")
    assert r.headers.get("Server") == "brisk"
    date = r.headers.get("Date")
    assert date, "no Date header"
    parsed = email.utils.parsedate_to_datetime(date)
    assert parsed.tzinfo is not None and date.endswith("GMT"), date
    assert abs(parsed.timestamp() - time.time()) < 5, date


# ---- HTTP/1.0 ------------------------------------------------------------------------------


def test_http10_request_is_answered_then_closed(app_server):
    with RawConn(app_server.port) as c:
        c.send(b"GET /fast HTTP/1.0\r\n\r\n")
        r = c.read_response()
        assert r.status == 200
        assert r.body == b'{"message":"Fast response"}'
        c.assert_closed()


def test_http10_keepalive_keeps_connection_open(app_server):
    with RawConn(app_server.port) as c:
        for i in range(3):
            c.send(f"GET /items/{i} HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".encode())
            r = c.read_response()
            assert r.status == 200, r
            assert r.json() == {"item_id": str(i)}
            assert (r.header("Connection") or "").lower() == "keep-alive", r


# ---- request bodies ------------------------------------------------------------------------


def test_expect_100_continue_gets_continue_then_response(app_server):
    with RawConn(app_server.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        interim = c.read_response(timeout=3.0)
        assert interim.status == 100, interim
        assert interim.version == "HTTP/1.1"
        c.send(b"hello")
        r = c.read_response()
        assert r.status == 200, r
        assert r.body == b"hello"


def test_chunked_request_body_is_echoed(app_server):
    chunks = [b"hello", b" ", b"chunked", b"x" * 3000, os.urandom(1000)]
    body = b"".join(chunks)
    payload = b"".join(b"%X\r\n%s\r\n" % (len(ch), ch) for ch in chunks) + b"0\r\n\r\n"
    with RawConn(app_server.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        c.send(payload[:10])  # split across writes
        time.sleep(0.05)
        c.send(payload[10:])
        r = c.read_response()
        assert r.status == 200, r
        assert r.body == body
        assert r.header("X-Body-Length") == str(len(body))
        assert r.content_type() == "application/octet-stream"


def test_post_echo_100kb_body(app_server):
    body = os.urandom(100_000)
    r = request(app_server.port, "POST", "/echo", body=body, headers={"Content-Type": "application/octet-stream"})
    assert r.status == 200
    assert r.headers.get("X-Body-Length") == "100000"
    assert r.content_type() == "application/octet-stream"
    assert r.body == body


def test_post_echo_empty_body(app_server):
    r = request(app_server.port, "POST", "/echo", body=b"")
    assert r.status == 200
    assert r.headers.get("X-Body-Length") == "0"
    assert r.body == b""


# ---- parameters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,expected",
    [
        ("/items/42", {"item_id": "42"}),
        ("/items/a%20b", {"item_id": "a b"}),
        ("/items/caf%C3%A9", {"item_id": "café"}),
        ("/files/a/b/c.txt", {"path": "a/b/c.txt"}),
        ("/files/x", {"path": "x"}),
        ("/query?q=hello", {"q": "hello"}),
        ("/query?q=a+b%26c%3D", {"q": "a b&c="}),
        ("/query?x=1&q=second", {"q": "second"}),
        ("/query?q=first&q=second", {"q": "first"}),
        ("/query", {"q": None}),
        ("/query?other=1", {"q": None}),
    ],
)
def test_path_and_query_parameters(app_server, path, expected):
    r = get(app_server.port, path)
    assert r.status == 200, r
    assert r.content_type() == "application/json"
    assert r.json() == expected


def test_header_access(app_server):
    assert get(app_server.port, "/headers", headers={"User-Agent": "brisk-test/1.0"}).json() == {
        "user_agent": "brisk-test/1.0"
    }
    assert get(app_server.port, "/headers", headers={"user-agent": "lower"}).json() == {"user_agent": "lower"}
    with RawConn(app_server.port) as c:  # http.client may add headers; a raw request has none
        c.send(b"GET /headers HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().json() == {"user_agent": None}


# ---- response shapes -----------------------------------------------------------------------


def test_json_escaping_round_trips(app_server):
    r = get(app_server.port, "/escape")
    assert r.status == 200
    assert r.content_type() == "application/json"
    text = r.body.decode("utf-8")  # valid UTF-8
    assert not any(ord(ch) < 0x20 for ch in text), f"raw control character in {r.body!r}"
    assert json.loads(text) == {"value": 'q"b\\n\nt\tc\x01eéu€s😀'}


def test_custom_status_and_header(app_server):
    r = get(app_server.port, "/custom")
    assert r.status == 201
    assert r.headers.get("X-Custom") == "yes"
    assert r.json() == {"created": True}


def test_handler_that_sends_nothing_gets_500(app_server):
    r = get(app_server.port, "/noresponse")
    assert r.status == 500, r


def test_text_response(app_server):
    r = get(app_server.port, "/text")
    assert r.status == 200
    assert r.content_type() == "text/plain"
    assert r.body == b"hello"
    assert r.headers.get("Content-Length") == "5"



@pytest.mark.parametrize("key", ["k" * 300, "k" * 150 + "%6B" * 150, "%6b" * 300], ids=["raw", "mixed", "encoded"])
def test_query_key_of_any_length_matches(app_server, key):
    """A query parameter's name is not cut at some buffer size (a 256-byte buffer once made
    longer keys silently never match); raw and percent-encoded forms decode to the same name."""
    r = get(app_server.port, f"/longkey?a=1&{key}=found&b=2")
    assert r.status == 200 and r.json() == {"value": "found"}, r
    r = get(app_server.port, f"/longkey?{'k' * 299}=short&{'k' * 301}=long")
    assert r.json() == {"value": None}
