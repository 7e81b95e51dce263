"""Responses that cannot break framing: brisk alone writes Content-Length, Transfer-Encoding and
Connection; header names and values are checked; 204/304 carry no length and no body; a 1xx
cannot be a final answer; middleware-style header operations (replace, append, remove, read)."""

import urllib.parse

import pytest

from httpclient import RawConn, build_request

BK_EINVAL = -22
BK_ENOENT = -2


def exchange(port, target, method="GET"):
    """One request on a fresh connection, then /fast on the same one: proves the first response
    was framed exactly (a wrong length would swallow or garble the second)."""
    with RawConn(port) as c:
        c.send(build_request(method, target) + build_request("GET", "/fast"))
        first = c.read_response(head=method == "HEAD")
        second = c.read_response()
    assert second.status == 200 and second.json() == {"message": "Fast response"}, second
    return first


def framing(port, name, value):
    q = urllib.parse.urlencode({"name": name, "value": value})
    return exchange(port, f"/framing?{q}")


@pytest.mark.parametrize("name", ["Content-Length", "content-length", "Transfer-Encoding", "Connection"])
def test_framing_headers_are_brisks(app_server, name):
    r = framing(app_server.port, name, "999" if "length" in name.lower() else "chunked")
    assert r.json() == {"rc": BK_EINVAL}
    assert r.header_all("Content-Length") == [str(len(r.body))]
    assert r.header("Transfer-Encoding") is None
    assert len(r.header_all("Connection")) <= 1


@pytest.mark.parametrize(
    "name,value",
    [
        ("Bad Name", "v"),  # space: not a token
        ("X:Y", "v"),
        ("", "v"),
        ("X-\u00e9", "v"),  # non-ASCII
        ("X(Y)", "v"),  # separators are not tchars
        ("X-Ok", "a\r\nX-Injected: 1"),
        ("X-Ok", "a\nb"),
        ("X-Ok", "a\x01b"),
        ("X-Ok", "a\x7fb"),
    ],
)
def test_bad_names_and_values_are_refused(app_server, name, value):
    r = framing(app_server.port, name, value)
    assert r.json() == {"rc": BK_EINVAL}
    assert r.header("X-Injected") is None
    assert r.header(name) is None or name == ""


def test_good_header_goes_out(app_server):
    r = framing(app_server.port, "X-Ok", "a b\tc \u00e9")
    assert r.json() == {"rc": 0}
    assert r.header("X-Ok") == "a b\tc \u00e9".encode().decode("latin-1")


@pytest.mark.parametrize("code", [204, 304])
def test_no_content_has_no_length_and_no_body(app_server, code):
    r = exchange(app_server.port, f"/status?code={code}")
    assert r.status == code
    assert r.header("Content-Length") is None
    # Starlette (so FastAPI) keeps the Content-Type its response class set, body or not.
    assert r.header("Content-Type") == "text/plain"
    assert r.body == b""  # and exchange() proved no body bytes preceded the next response


@pytest.mark.parametrize("code", [100, 103, 199, 600, 0])
def test_interim_or_invalid_status_is_not_a_final_answer(app_server, code):
    r = exchange(app_server.port, f"/status?code={code}")
    assert r.status == 200
    assert r.json() == {"rc": BK_EINVAL}


def test_head_gets_the_gets_headers_without_body(app_server):
    get = exchange(app_server.port, "/status?code=201")
    head = exchange(app_server.port, "/status?code=201", method="HEAD")
    assert head.status == get.status == 201
    assert head.header("Content-Length") == get.header("Content-Length") == "4"
    assert head.header("Content-Type") == get.header("Content-Type")
    assert head.body == b""


def test_header_operations(app_server):
    r = exchange(app_server.port, "/header-ops")
    assert r.json() == {"read": "new", "removed": 0, "removed_again": BK_ENOENT}
    assert r.header_all("X-Replaced") == ["new"]
    assert r.header_all("Set-Cookie") == ["a=1", "b=2"]
    assert r.header("X-Removed") is None
    assert r.header_all("Server") == ["custom"]  # replaces brisk's own, not added to it
    assert len(r.header_all("Date")) == 1


def test_default_server_and_date_once(app_server):
    r = exchange(app_server.port, "/fast")
    assert r.header_all("Server") == ["brisk"]
    assert len(r.header_all("Date")) == 1
    assert r.header_all("Content-Length") == [str(len(r.body))]
