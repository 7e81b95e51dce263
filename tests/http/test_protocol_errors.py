"""(d) Malformed requests and limits: the right status with a JSON {"detail"} body and
`Connection: close`, then the connection is closed, and the server keeps serving others.

Runs against `limits_server`: test_app --max-body-size 1024 --timeout-header 1."""

import time

import pytest

from httpclient import RawConn, assert_serves_fast, build_request, error_detail, parse_all_responses


def _chunked(*chunks):
    return b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"


def _many_headers(total):
    n = total // 1024 + 1
    return [(f"X-Pad-{i:02d}", "a" * 1000) for i in range(n)]


POST_CHUNKED = b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"

CASES = [
    ("garbage_request_line", b"GARBAGE\r\n\r\n", 400),
    ("space_before_header_colon", b"GET /fast HTTP/1.1\r\nHost: x\r\nX-Bad : v\r\n\r\n", 400),
    ("nul_in_header_value", b"GET /fast HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n", 400),
    ("invalid_chunk_size", POST_CHUNKED + b"ZZ\r\nabc\r\n0\r\n\r\n", 400),
    (
        "content_length_and_chunked",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + _chunked(b"hello"),
        400,
    ),
    (
        "conflicting_content_lengths",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        400,
    ),
    ("url_9_kib", build_request("GET", "/" + "a" * (9 * 1024)), 414),
    ("headers_20_kib", build_request("GET", "/fast", headers=_many_headers(20 * 1024)), 431),
    (
        "content_length_over_limit_body_not_sent",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n",
        413,
    ),
    ("chunked_body_over_limit", POST_CHUNKED + _chunked(b"a" * 600, b"b" * 600), 413),
    (
        "expect_100_continue_over_limit",
        b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\nExpect: 100-continue\r\n\r\n",
        413,
    ),
    ("absolute_form_target", b"GET http://example.com/fast HTTP/1.1\r\nHost: example.com\r\n\r\n", 400),
    ("connect_method", b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n", 400),
    ("encoded_nul_in_path", b"GET /fa%00st HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("http_2_0_request_line", b"GET /fast HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    ("unknown_transfer_coding", b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
]


def test_error_detail_says_what_was_wrong(limits_server):
    """A rejected request is told why in words, not with a parser's internal error name."""
    with RawConn(limits_server.port) as c:
        c.send(b"GET /fa%00st HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response(timeout=3.0)
    assert r.status == 400, r
    assert "NUL" in error_detail(r), r


@pytest.mark.parametrize("request_bytes,status", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_request_gets_error_then_close(limits_server, request_bytes, status):
    with RawConn(limits_server.port) as c:
        c.send(request_bytes)
        r = c.read_response(timeout=3.0)
        assert r.status == status, r
        error_detail(r)
        assert (r.header("Connection") or "").lower() == "close", r
        c.assert_closed(timeout=3.0)
    assert_serves_fast(limits_server.port)


def test_header_timeout_gets_408_then_close(limits_server):
    with RawConn(limits_server.port) as c:
        start = time.monotonic()
        c.send(b"GET /fast HTTP/1.1\r\n")
        r = c.read_response(timeout=4.0)
        elapsed = time.monotonic() - start
        assert r.status == 408, r
        error_detail(r)
        assert (r.header("Connection") or "").lower() == "close", r
        c.assert_closed(timeout=3.0)
    assert 0.8 <= elapsed < 3.0, f"408 came after {elapsed:.2f} s with --timeout-header 1"
    assert_serves_fast(limits_server.port)


def test_bytes_after_a_bad_request_are_never_answered(limits_server):
    with RawConn(limits_server.port) as c:
        c.send(b"GARBAGE\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            data = c.read_until_closed(timeout=3.0)
        except TimeoutError:
            pytest.fail("server did not close the connection after a 400")
    responses = parse_all_responses(data)
    assert [r.status for r in responses] == [400], responses
    assert_serves_fast(limits_server.port)


def test_expect_100_continue_over_limit_never_sends_100(limits_server):
    with RawConn(limits_server.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n")
        try:
            data = c.read_until_closed(timeout=3.0)
        except TimeoutError:
            pytest.fail("server neither refused nor closed a 4 KiB Expect: 100-continue upload (limit 1 KiB)")
    assert [r.status for r in parse_all_responses(data)] == [413]


def test_body_exactly_at_limit_is_accepted(limits_server):
    body = bytes(range(256)) * 4  # 1024 bytes
    with RawConn(limits_server.port) as c:
        c.send(build_request("POST", "/echo", body=body))
        r = c.read_response()
        assert r.status == 200, r
        assert r.body == body
        c.send(build_request("POST", "/echo", body=body + b"!"))
        r = c.read_response()
        assert r.status == 413, r
        c.assert_closed()


def test_large_but_allowed_url_and_headers_are_accepted(limits_server):
    # 6 KiB request-target + ~8 KiB of headers: under both the 8 KiB and the 16 KiB limit
    q = "a" * (6 * 1024)
    with RawConn(limits_server.port) as c:
        c.send(build_request("GET", f"/query?q={q}", headers=_many_headers(7 * 1024)))
        r = c.read_response()
        assert r.status == 200, r
        assert r.json() == {"q": q}


def test_refusal_after_a_head_request_carries_its_body(app_server):
    """Found by fuzz_request: garbage after an answered HEAD on the same connection was refused
    with a Content-Length but without the body (the refusal took the HEAD's method), so the client
    waited for bytes that never came. The stream is the fuzzer's."""
    stream = (
        b"HEAD /sl/42?verbose=1 HTTP/1.1\r\nHost: fuzz\r\nX-Test:kkkkkkkktzz\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\na;ext=1\r\nfghijklmno\r\n0\r\n"
        b"Trailer:/1.1z\r\nConnection: close\r\n\r\n\xbaDat\x060\x18\x03\x02\x08\x05"
        b"POST /echo HTTP/1.1\r\nst\n\r\r\r\nHost:euond\x09\x09\x09d\n\r"
    )
    with RawConn(app_server.port) as c:
        c.send(stream)
        head = c.read_response(head=True)
        assert head.status == 404 and head.body == b""
        r = c.read_response(timeout=3)
        assert r.status == 400, r
        assert len(r.body) == int(r.header("Content-Length")) and r.json()["detail"], r
