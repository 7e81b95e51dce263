"""bk_cors, bk_gzip, bk_trusted_host, bk_https_redirect: the answers FastAPI 0.141 / Starlette 0.47.3
gives with CORSMiddleware, GZipMiddleware, TrustedHostMiddleware and HTTPSRedirectMiddleware over
the same routes (tests/apps/mw_app.c mirrors a FastAPI program; every expected value below was
read off that program served by uvicorn). Header order and case are free; names, values, status
and body are not."""

import gzip
import time

import pytest

from conftest import _session_server
from httpclient import raw_request


def _app(name):
    @pytest.fixture(scope="module")
    def server(tmp_path_factory):
        yield from _session_server(tmp_path_factory, "mw_app", "--app", name, "--no-access-log")

    return server


cors_list = _app("cors_list")
cors_star = _app("cors_star")
cors_cred = _app("cors_cred")
cors_regex = _app("cors_regex")
cors_default = _app("cors_default")
gzip_app = _app("gzip")
gzip_cors = _app("gzip_cors")
trusted = _app("trusted")
trusted_nowww = _app("trusted_nowww")
https = _app("https")

A = ("Origin", "https://a.example")
EVIL = ("Origin", "https://evil.example")
REGEX_ORIGIN = ("Origin", "https://x.example.org")
COOKIE = ("Cookie", "a=1")


def acrm(method):
    return ("Access-Control-Request-Method", method)


def acrh(value):
    return ("Access-Control-Request-Headers", value)


def cors_view(r):
    """What CORS decides: status, body, and every Access-Control-* and Vary header."""
    hdrs = {}
    for k, v in r.headers:
        k = k.lower()
        if k.startswith("access-control-") or k == "vary":
            assert k not in hdrs, f"{k} twice: {r.headers}"
            hdrs[k] = v
    return r.status, r.body, hdrs


SAFE = "Accept, Accept-Language, Content-Language, Content-Type"
LIST_PREFLIGHT = {
    "vary": "Origin",
    "access-control-allow-methods": "GET, POST",
    "access-control-max-age": "300",
    "access-control-allow-headers": SAFE + ", X-Token",
}
LIST_SIMPLE = {"access-control-expose-headers": "X-Total, X-Other"}
LIST_ECHO = {**LIST_SIMPLE, "access-control-allow-origin": "https://a.example", "vary": "Origin"}


# ---- CORS: explicit origins, methods, headers, exposed headers, max_age ------------------------


@pytest.mark.parametrize(
    "headers,status,body,extra",
    [
        ([A, acrm("GET")], 200, b"OK", {"access-control-allow-origin": "https://a.example"}),
        ([A, acrm("POST"), acrh("X-Token, content-type")], 200, b"OK",
         {"access-control-allow-origin": "https://a.example"}),
        ([EVIL, acrm("DELETE"), acrh("X-Bad")], 400, b"Disallowed CORS origin, method, headers", {}),
        ([A, acrm("GET"), acrh("")], 400, b"Disallowed CORS headers",
         {"access-control-allow-origin": "https://a.example"}),
        ([A, acrm("GET"), acrh("x-token,")], 400, b"Disallowed CORS headers",
         {"access-control-allow-origin": "https://a.example"}),
        ([A, acrm("get")], 400, b"Disallowed CORS method", {"access-control-allow-origin": "https://a.example"}),
        ([REGEX_ORIGIN, acrm("GET")], 400, b"Disallowed CORS origin", {}),
    ],
    ids=["allowed", "allowed-headers", "all-disallowed", "empty-headers", "trailing-comma", "method-case", "origin"],
)
def test_cors_preflight(cors_list, headers, status, body, extra):
    r = raw_request(cors_list.port, "OPTIONS", "/items", headers)
    assert cors_view(r) == (status, body, {**LIST_PREFLIGHT, **extra}), r
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    assert r.header("Content-Length") == str(len(body))


def test_cors_preflight_is_answered_before_routing(cors_list):
    """A preflight never reaches the router: a path no route has is answered the same."""
    r = raw_request(cors_list.port, "OPTIONS", "/nothing", [A, acrm("GET")])
    assert r.status == 200 and r.body == b"OK", r


@pytest.mark.parametrize(
    "method,target,headers,status,extra",
    [
        ("GET", "/items", [A], 200, LIST_ECHO),
        ("GET", "/items", [EVIL], 200, LIST_SIMPLE),
        ("GET", "/items", [A, COOKIE], 200, LIST_ECHO),
        ("GET", "/items", [REGEX_ORIGIN], 200, LIST_SIMPLE),
        ("GET", "/items", [], 200, {}),
        ("GET", "/vary", [A], 200, {**LIST_ECHO, "vary": "Cookie, Origin"}),
        ("GET", "/nothing", [A], 404, LIST_ECHO),
        ("OPTIONS", "/items", [A], 405, LIST_ECHO),  # no Access-Control-Request-Method: no preflight
        ("OPTIONS", "/items", [acrm("GET")], 405, {}),  # no Origin: not CORS at all
        ("GET", "/items/", [A], 307, LIST_ECHO),
        ("GET", "/teapot", [A], 418, LIST_ECHO),
        ("POST", "/items", [A], 200, LIST_ECHO),
    ],
    ids=["allowed", "disallowed", "cookie", "other", "no-origin", "vary-appended", "404", "options-405",
         "options-no-origin", "redirect", "http-exception", "post"],
)
def test_cors_simple_requests(cors_list, method, target, headers, status, extra):
    r = raw_request(cors_list.port, method, target, headers)
    assert r.status == status, r
    assert cors_view(r)[2] == extra, r
    if status == 405:  # unchanged by CORS: GET /items's methods (POST /items came after it)
        assert r.header("Allow") == "GET, HEAD", r


def test_cors_passes_over_a_500(cors_list):
    """The 500 of an endpoint that fails comes from outside the middleware (Starlette's
    ServerErrorMiddleware): no CORS header, plain text."""
    r = raw_request(cors_list.port, "GET", "/crash", [A])
    assert cors_view(r) == (500, b"Internal Server Error", {}), r
    assert r.header("Content-Type") == "text/plain; charset=utf-8"


# ---- CORS: wildcards ------------------------------------------------------------------------

ALL = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


@pytest.mark.parametrize(
    "headers,extra",
    [
        ([A, acrm("GET")], {}),
        ([A, acrm("POST"), acrh("X-Token, content-type")], {"access-control-allow-headers": "X-Token, content-type"}),
        ([EVIL, acrm("DELETE"), acrh("X-Bad")], {"access-control-allow-headers": "X-Bad"}),
        ([A, acrm("GET"), acrh("")], {"access-control-allow-headers": ""}),
    ],
    ids=["plain", "mirrored", "anything", "empty"],
)
def test_cors_wildcard_preflight(cors_star, headers, extra):
    r = raw_request(cors_star.port, "OPTIONS", "/items", headers)
    want = {"access-control-allow-origin": "*", "access-control-allow-methods": ALL,
            "access-control-max-age": "600", **extra}
    assert cors_view(r) == (200, b"OK", want), r


@pytest.mark.parametrize(
    "headers,extra",
    [
        ([A], {"access-control-allow-origin": "*"}),
        ([EVIL], {"access-control-allow-origin": "*"}),
        ([A, COOKIE], {"access-control-allow-origin": "https://a.example", "vary": "Origin"}),
        ([], {}),
    ],
    ids=["origin", "any-origin", "cookie", "no-origin"],
)
def test_cors_wildcard_simple(cors_star, headers, extra):
    assert cors_view(raw_request(cors_star.port, "GET", "/items", headers))[2] == extra


# ---- CORS: credentials ------------------------------------------------------------------------


@pytest.mark.parametrize("origin", [A, EVIL], ids=["listed", "any"])
def test_cors_credentials_preflight_names_the_origin(cors_cred, origin):
    r = raw_request(cors_cred.port, "OPTIONS", "/items", [origin, acrm("GET")])
    want = {"vary": "Origin", "access-control-allow-methods": ALL, "access-control-max-age": "600",
            "access-control-allow-credentials": "true", "access-control-allow-origin": origin[1]}
    assert cors_view(r) == (200, b"OK", want), r


@pytest.mark.parametrize(
    "target,headers,status,extra",
    [
        ("/items", [A], 200, {"access-control-allow-origin": "*"}),
        ("/items", [A, COOKIE], 200, {"access-control-allow-origin": "https://a.example", "vary": "Origin"}),
        ("/nothing", [A], 404, {"access-control-allow-origin": "*"}),
    ],
    ids=["star", "cookie", "404"],
)
def test_cors_credentials_simple(cors_cred, target, headers, status, extra):
    r = raw_request(cors_cred.port, "GET", target, headers)
    assert r.status == status
    assert cors_view(r)[2] == {"access-control-allow-credentials": "true", **extra}


# ---- CORS: origin regex, defaults -------------------------------------------------------------


def test_cors_origin_regex(cors_regex):
    base = {"vary": "Origin", "access-control-allow-methods": "GET", "access-control-max-age": "600",
            "access-control-allow-headers": SAFE, "access-control-allow-credentials": "true"}
    r = raw_request(cors_regex.port, "OPTIONS", "/items", [REGEX_ORIGIN, acrm("GET")])
    assert cors_view(r) == (200, b"OK", {**base, "access-control-allow-origin": "https://x.example.org"}), r
    r = raw_request(cors_regex.port, "OPTIONS", "/items", [A, acrm("GET")])
    assert cors_view(r) == (400, b"Disallowed CORS origin", base), r
    # the pattern must match the whole origin (fullmatch)
    r = raw_request(cors_regex.port, "OPTIONS", "/items", [("Origin", "https://x.example.org.evil"), acrm("GET")])
    assert r.status == 400, r
    r = raw_request(cors_regex.port, "GET", "/items", [REGEX_ORIGIN])
    assert cors_view(r)[2] == {"access-control-allow-credentials": "true",
                               "access-control-allow-origin": "https://x.example.org", "vary": "Origin"}
    r = raw_request(cors_regex.port, "GET", "/items", [A])
    assert cors_view(r)[2] == {"access-control-allow-credentials": "true"}


def test_cors_defaults_allow_nothing(cors_default):
    base = {"vary": "Origin", "access-control-allow-methods": "GET", "access-control-max-age": "600",
            "access-control-allow-headers": SAFE}
    r = raw_request(cors_default.port, "OPTIONS", "/items", [A, acrm("POST"), acrh("X-Token")])
    assert cors_view(r) == (400, b"Disallowed CORS origin, method, headers", base), r
    assert cors_view(raw_request(cors_default.port, "GET", "/items", [A]))[2] == {}


# ---- GZip --------------------------------------------------------------------------------------

GZ = ("Accept-Encoding", "gzip")


def gzipped(r):
    """Checks a gzip member as Python's GzipFile writes it; returns the decoded body."""
    assert r.header("Content-Encoding") == "gzip", r
    assert r.header("Content-Length") == str(len(r.body))
    head = r.body[:10]
    assert head[:4] == b"\x1f\x8b\x08\x00", head  # magic, deflate, no flags (no file name)
    assert abs(int.from_bytes(head[4:8], "little") - time.time()) < 60, head  # mtime: now
    assert head[8:] == b"\x02\xff", head  # XFL 2 (level 9), OS 255
    return gzip.decompress(r.body)


def test_gzip_compresses_at_and_above_the_minimum(gzip_app):
    r = raw_request(gzip_app.port, "GET", "/big", [GZ])
    assert r.status == 200
    assert gzipped(r) == b"x" * 1000
    assert len(r.body) == 29  # zlib at level 9, as FastAPI sends it
    assert r.header_all("Vary") == ["Accept-Encoding"]
    assert r.header("Content-Type") == "text/plain; charset=utf-8"
    r = raw_request(gzip_app.port, "GET", "/exact?n=500", [GZ])
    assert gzipped(r) == b"y" * 500 and len(r.body) == 26


def test_gzip_large_body_round_trips(gzip_app):
    r = raw_request(gzip_app.port, "GET", "/exact?n=100000", [GZ])
    assert gzipped(r) == b"y" * 100000


@pytest.mark.parametrize(
    "target,headers,vary",
    [
        ("/big", [], ["Accept-Encoding"]),  # large enough: Vary even though not compressed
        ("/big", [("Accept-Encoding", "br")], ["Accept-Encoding"]),
        ("/big", [("Accept-Encoding", "GZIP")], ["Accept-Encoding"]),  # the test is case-sensitive
        ("/small", [GZ], []),
        ("/exact?n=499", [GZ], []),
        ("/exact?n=499", [], []),
        ("/encoded", [GZ], []),
        ("/sse", [GZ], []),
        ("/nothing", [GZ], []),
        ("/vary", [], ["Cookie, Accept-Encoding"]),
    ],
    ids=["no-accept", "br", "uppercase", "small", "below", "below-no-accept", "encoded", "sse", "404", "vary-no-accept"],
)
def test_gzip_leaves_these_uncompressed(gzip_app, target, headers, vary):
    plain = raw_request(gzip_app.port, "GET", target)
    r = raw_request(gzip_app.port, "GET", target, headers)
    assert r.header("Content-Encoding") == plain.header("Content-Encoding")  # "br" for /encoded
    assert r.body == plain.body and r.header("Content-Length") == str(len(r.body)), r
    assert r.header_all("Vary") == vary, r


def test_gzip_substring_match_and_existing_vary(gzip_app):
    r = raw_request(gzip_app.port, "GET", "/big", [("Accept-Encoding", "x-gzip;q=0")])
    assert gzipped(r) == b"x" * 1000  # Starlette looks for "gzip" anywhere in the header
    r = raw_request(gzip_app.port, "GET", "/vary", [GZ])
    assert gzipped(r) == b"v" * 1000
    assert r.header_all("Vary") == ["Cookie, Accept-Encoding"]


def test_gzip_skips_a_500(gzip_app):
    r = raw_request(gzip_app.port, "GET", "/crash", [GZ])
    assert (r.status, r.body, r.header("Vary")) == (500, b"Internal Server Error", None)


def test_gzip_inside_cors(gzip_cors):
    """CORS added last is the outermost: it sees the compressed answer and appends to its Vary."""
    r = raw_request(gzip_cors.port, "GET", "/big", [GZ, A])
    assert gzipped(r) == b"x" * 1000
    assert r.header_all("Vary") == ["Accept-Encoding, Origin"]
    assert r.header("Access-Control-Allow-Origin") == "https://a.example"


# ---- TrustedHost -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host,status,location",
    [
        ("example.com", 200, None),
        ("example.com:8000", 200, None),
        ("Example.com", 400, None),  # compared case-sensitively
        ("a.example.org", 200, None),
        ("x.a.example.org:1", 200, None),
        ("example.org", 400, None),  # "*.example.org" is not example.org itself
        ("evil.com", 400, None),
        ("site.com", 307, "http://www.site.com/items?x=1"),
        ("site.com:8080", 307, "http://www.site.com:8080/items?x=1"),
        ("www.site.com", 200, None),
        ("[::1]:80", 400, None),
    ],
)
def test_trusted_host(trusted, host, status, location):
    r = raw_request(trusted.port, "GET", "/items?x=1", host=host)
    assert r.status == status, r
    assert r.header("Location") == location
    if status == 400:
        assert r.body == b"Invalid host header"
        assert r.header("Content-Type") == "text/plain; charset=utf-8"
    if status == 307:
        assert r.body == b"" and r.header("Content-Length") == "0"


def test_trusted_host_without_host_header(trusted):
    r = raw_request(trusted.port, "GET", "/items", version="HTTP/1.0")
    assert (r.status, r.body) == (400, b"Invalid host header"), r


def test_trusted_host_www_redirect_off(trusted_nowww):
    r = raw_request(trusted_nowww.port, "GET", "/items", host="site.com")
    assert (r.status, r.body) == (400, b"Invalid host header"), r
    assert raw_request(trusted_nowww.port, "GET", "/items", host="www.site.com").status == 200


# ---- HTTPSRedirect -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host,location",
    [
        ("example.com", "https://example.com/a%20b/c?x=%20y"),
        ("example.com:80", "https://example.com/a%20b/c?x=%20y"),
        ("Example.COM:443", "https://example.com/a%20b/c?x=%20y"),  # the bare host name, lower-cased
        ("EXAMPLE.com:8443", "https://EXAMPLE.com:8443/a%20b/c?x=%20y"),
        ("[::1]:80", "https://::1/a%20b/c?x=%20y"),  # Starlette drops the brackets with the port
        ("[::1]:8000", "https://[::1]:8000/a%20b/c?x=%20y"),
    ],
)
def test_https_redirect(https, host, location):
    r = raw_request(https.port, "GET", "/a%20b/c?x=%20y", host=host)
    assert (r.status, r.header("Location"), r.body) == (307, location, b""), r


@pytest.mark.parametrize("host", ["example.com:abc", "[::1", "[nothost]:80", "h:99999"])
def test_https_redirect_of_a_host_urllib_refuses_is_a_500(https, host):
    r = raw_request(https.port, "GET", "/items", host=host)
    assert (r.status, r.body) == (500, b"Internal Server Error"), r


def test_https_redirect_without_host_names_the_server(https):
    r = raw_request(https.port, "GET", "/items", version="HTTP/1.0")
    assert (r.status, r.header("Location")) == (307, f"https://127.0.0.1:{https.port}/items"), r


@pytest.mark.parametrize(
    "proto,status,location",
    [
        ("https", 200, None),
        ("wss", 200, None),
        ("ws", 307, "wss://example.com/items"),  # ws goes to wss
        ("http", 307, "https://example.com/items"),
    ],
)
def test_https_redirect_follows_forwarded_proto(https, proto, status, location):
    """From a trusted proxy (127.0.0.1, uvicorn's default) X-Forwarded-Proto is the scheme."""
    r = raw_request(https.port, "GET", "/items", [("X-Forwarded-Proto", proto)], host="example.com")
    assert (r.status, r.header("Location")) == (status, location), r
