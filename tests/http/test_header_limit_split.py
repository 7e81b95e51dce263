"""The header-size limit (16 KiB for the request line and headers, brisk.h) must not depend on how
TCP splits the request: a header section inside the limit is served, one well over it gets 431,
and the answer is the same whether the bytes come in one read or in many, cut inside header names
and values."""

import time

import pytest

from httpclient import FAST_BODY, RawConn, error_detail

LIMIT = 16 * 1024
MARGIN = 64  # beyond any way of counting separators: request line framing, ": ", CRLFs
N_PADS = 4  # long headers, each cut inside its name and inside its value when split
START = b"GET /fast HTTP/1.1\r\nHost: x\r\n"


def _request(pad_bytes):
    """GET /fast with N_PADS headers whose names and values total `pad_bytes`; returns the bytes
    and where to cut them (the middle of every pad header's name and value)."""
    out, cuts = bytearray(START), []
    for i in range(N_PADS):
        size = pad_bytes // N_PADS + (pad_bytes % N_PADS if i == 0 else 0)
        name = f"X-Pad-{i}-".encode().ljust(size // 2, b"n")
        value = b"v" * (size - len(name))
        cuts += [len(out) + len(name) // 2, len(out) + len(name) + 2 + len(value) // 2]
        out += name + b": " + value + b"\r\n"
    return bytes(out + b"\r\n"), cuts


def under_limit():
    """Every byte from the request line to the blank line counted: MARGIN bytes inside the limit."""
    framing = len(START) + N_PADS * 4 + 2  # ": " and CRLF on each pad line, the blank line
    data, cuts = _request(LIMIT - MARGIN - framing)
    assert len(data) == LIMIT - MARGIN
    return data, cuts


def over_limit():
    """The pad headers' names and values alone are MARGIN bytes over the limit."""
    return _request(LIMIT + MARGIN)


def send(port, data, cuts):
    """Sends data in pieces (cut at `cuts`, a pause after each so it arrives as its own read) and
    returns the response."""
    with RawConn(port) as c:
        last = 0
        for cut in [*cuts, len(data)]:
            try:
                c.send(data[last:cut])
            except (BrokenPipeError, ConnectionResetError):
                break  # answered and closed before the rest: the answer is still to be read
            time.sleep(0.02)
            last = cut
        return c.read_response(timeout=5.0)


@pytest.mark.parametrize("split", [False, True], ids=["whole", "split"])
def test_header_section_inside_the_limit_is_served(app_server, split):
    data, cuts = under_limit()
    r = send(app_server.port, data, cuts if split else [])
    assert r.status == 200 and r.body == FAST_BODY, r


@pytest.mark.parametrize("split", [False, True], ids=["whole", "split"])
def test_header_section_over_the_limit_gets_431(app_server, split):
    data, cuts = over_limit()
    assert max(b - a for a, b in zip([0, *cuts], [*cuts, len(data)])) < LIMIT // 2  # no piece alone is over
    r = send(app_server.port, data, cuts if split else [])
    assert r.status == 431, r
    error_detail(r)
    assert (r.header("Connection") or "").lower() == "close", r
