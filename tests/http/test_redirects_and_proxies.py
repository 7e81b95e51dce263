"""Router answers and runner flags as FastAPI under uvicorn gives them: redirect_slashes (307 to
the path with or without its trailing slash, Location built as Starlette's URL(scope) and quoted
as RedirectResponse quotes it), --proxy-headers / --forwarded-allow-ips / FORWARDED_ALLOW_IPS
(X-Forwarded-Proto and X-Forwarded-For from trusted peers), --root-path. The expected Locations
were read off FastAPI; for the proxy and root-path rules brisk follows modern uvicorn (0.30 on),
which differs from Debian's 0.17.6 in the cases docs/architecture.md lists."""

import re

import pytest

from conftest import _session_server
from httpclient import get_json, raw_request, wait_for


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    yield from _session_server(tmp_path_factory, "mw_app", "--app", "plain")


# ---- redirect_slashes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "target,location",
    [
        ("/items/", "http://testserver/items"),
        ("/items//", "http://testserver/items"),  # every trailing slash goes
        ("/items/?a=b", "http://testserver/items?a=b"),
        ("/dir", "http://testserver/dir/"),
        ("/dir?x=1&y=%20", "http://testserver/dir/?x=1&y=%20"),  # the query as it came
        ("/caf%C3%A9/", "http://testserver/caf%C3%A9"),  # the decoded path, quoted again
        ("/items/?a={}|^'\"\\[]!*()~%zz", "http://testserver/items?a=%7B%7D%7C%5E'%22%5C[]!*()~%zz"),
    ],
)
def test_slash_redirect(plain, target, location):
    r = raw_request(plain.port, "GET", target, host="testserver")
    assert (r.status, r.header("Location"), r.body, r.header("Content-Length")) == (307, location, b"", "0"), r
    assert r.header("Content-Type") is None


@pytest.mark.parametrize("target", ["/", "//", "/nothing/", "/nothing"])
def test_no_redirect_without_a_route_there(plain, target):
    r = raw_request(plain.port, "GET", target, host="testserver")
    assert (r.status, r.body) == (404, b'{"detail":"Not Found"}'), r


@pytest.mark.parametrize("method", ["POST", "DELETE", "PUT"])
def test_slash_redirect_for_any_method_the_path_has_routes_for(plain, method):
    """Starlette redirects on any match of the path, even one whose method differs (a 405
    follows there)."""
    r = raw_request(plain.port, method, "/items/", host="testserver")
    assert (r.status, r.header("Location")) == (307, "http://testserver/items"), r


def test_slash_redirect_host_as_sent(plain):
    r = raw_request(plain.port, "GET", "/items/", host=b"Ex\xe9mple.com:8000")  # the byte 0xE9
    assert r.header("Location") == "http://Ex%C3%A9mple.com:8000/items"  # latin-1, quoted as UTF-8
    r = raw_request(plain.port, "GET", "/items/", host="[::1]:8000")
    assert r.header("Location") == "http://[::1]:8000/items"


def test_slash_redirect_without_host_names_the_server(plain):
    r = raw_request(plain.port, "GET", "/items/", version="HTTP/1.0")
    assert (r.status, r.header("Location")) == (307, f"http://127.0.0.1:{plain.port}/items"), r


def test_redirect_slashes_follows_forwarded_proto(plain):
    r = raw_request(plain.port, "GET", "/items/", [("X-Forwarded-Proto", "https")], host="api.example")
    assert r.header("Location") == "https://api.example/items"


# ---- proxy headers --------------------------------------------------------------------------


def client(port, headers=()):
    return get_json(port, "/client", headers=dict(headers))


def test_proxy_headers_from_a_trusted_peer(plain):
    """uvicorn trusts 127.0.0.1 by default: the forwarded client, with port 0, and scheme."""
    c = client(plain.port, [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")])
    assert (c["peer"], c["scheme"]) == ("203.0.113.7:0", "https")


@pytest.mark.parametrize(
    "forwarded_for,peer",
    [
        ("203.0.113.7, 10.1.2.3", "203.0.113.7:0"),  # the last untrusted entry: 10/8 is trusted
        ("198.51.100.1, 203.0.113.7, 10.1.2.3", "203.0.113.7:0"),
        ("10.9.9.9, 10.1.2.3", "10.9.9.9:0"),  # all trusted: the first
        ("unknown, 10.1.2.3", "unknown:0"),
        ("2001:db8::1", "2001:db8::1:0"),
        ("", None),  # nothing usable: the connection's own peer
    ],
)
def test_forwarded_for_with_trusted_networks(spawn, forwarded_for, peer):
    server = spawn("mw_app", "--app", "plain", "--forwarded-allow-ips", "127.0.0.1, 10.0.0.0/8")
    c = client(server.port, [("X-Forwarded-For", forwarded_for)])
    if peer is None:
        assert re.fullmatch(r"127\.0\.0\.1:\d+", c["peer"]) and not c["peer"].endswith(":0"), c
    else:
        assert c["peer"] == peer, c


@pytest.mark.parametrize(
    "proto,scheme",
    [("https", "https"), (" wss ", "wss"), ("ws", "ws"), ("http", "http"), ("HTTPS", "http"), ("ftp", "http")],
)
def test_forwarded_proto_values(plain, proto, scheme):
    """Modern uvicorn takes only http, https, ws and wss (0.17.6 took anything)."""
    assert client(plain.port, [("X-Forwarded-Proto", proto)])["scheme"] == scheme


def test_untrusted_peer_is_not_believed(spawn):
    server = spawn("mw_app", "--app", "plain", "--forwarded-allow-ips", "10.0.0.1")
    c = client(server.port, [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")])
    assert c["scheme"] == "http" and c["peer"].startswith("127.0.0.1:") and not c["peer"].endswith(":0"), c


def test_no_proxy_headers(spawn):
    server = spawn("mw_app", "--app", "plain", "--no-proxy-headers")
    c = client(server.port, [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")])
    assert c["scheme"] == "http" and c["peer"].startswith("127.0.0.1:"), c


def test_forwarded_allow_ips_from_the_environment(spawn):
    server = spawn("mw_app", "--app", "plain", env={"FORWARDED_ALLOW_IPS": "10.0.0.1"})
    assert client(server.port, [("X-Forwarded-Proto", "https")])["scheme"] == "http"
    server = spawn("mw_app", "--app", "plain", "--forwarded-allow-ips", "*", env={"FORWARDED_ALLOW_IPS": "10.0.0.1"})
    c = client(server.port, [("X-Forwarded-For", "198.51.100.1, 203.0.113.7"), ("X-Forwarded-Proto", "https")])
    assert (c["peer"], c["scheme"]) == ("198.51.100.1:0", "https")  # "*": the first entry


def test_the_last_of_repeated_proxy_headers_counts(plain):
    r = raw_request(plain.port, "GET", "/client",
                    [("X-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "ws"), ("X-Forwarded-For", "1.1.1.1"),
                     ("X-Forwarded-For", "2.2.2.2")])
    c = r.json()
    assert (c["scheme"], c["peer"]) == ("ws", "2.2.2.2:0")


def test_access_log_names_the_forwarded_client(spawn):
    server = spawn("mw_app", "--app", "plain")
    assert client(server.port, [("X-Forwarded-For", "203.0.113.7")])["peer"] == "203.0.113.7:0"
    line = re.compile(r'INFO:\s+203\.0\.113\.7:0 - "GET /client HTTP/1\.1" 200')
    assert wait_for(lambda: line.search(server.stdout()), 3.0), server.stdout()


# ---- root path --------------------------------------------------------------------------------


def test_root_path(spawn):
    """The app is mounted under /api by a proxy that strips it: routing sees /client, the URLs
    brisk builds carry the prefix (modern uvicorn puts it in front of scope["path"])."""
    server = spawn("mw_app", "--app", "plain", "--root-path", "/api")
    c = client(server.port)
    assert (c["root_path"], c["path"]) == ("/api", "/client")
    r = raw_request(server.port, "GET", "/items/?q=1", host="testserver")
    assert (r.status, r.header("Location")) == (307, "http://testserver/api/items?q=1"), r
    assert raw_request(server.port, "GET", "/api/items").status == 404  # the prefix is not routed


def test_root_path_in_https_redirect(spawn):
    server = spawn("mw_app", "--app", "https", "--root-path", "/api")
    r = raw_request(server.port, "GET", "/items", host="example.com")
    assert r.header("Location") == "https://example.com/api/items"


def test_default_root_path_is_empty(plain):
    assert client(plain.port)["root_path"] == ""
