"""The header-size limit must not depend on how TCP splits the request."""
import time

import pytest

from httpclient import RawConn

LIMIT = 16 * 1024


def near_limit_request(extra):
    """A GET whose header section is `extra` bytes away from the 16 KiB limit, by brisk's count
    (request-target + every header's name, value and 4 bytes of separators)."""
    fixed = len("/fast") + len("Host") + len("x") + 4 + len("X-Pad") + 4
    pad = LIMIT - fixed + extra
    return b"GET /fast HTTP/1.1\r\nHost: x\r\nX-Pad: " + b"p" * pad + b"\r\n\r\n"


def send_in_pieces(port, data, cuts):
    with RawConn(port) as c:
        last = 0
        for cut in cuts:
            c.send(data[last:cut])
            time.sleep(0.02)  # let each piece arrive as its own read
            last = cut
        c.send(data[last:])
        return c.read_response(timeout=5.0).status


@pytest.mark.parametrize("extra,status", [(0, 200), (1, 431)])
def test_same_status_whole_or_split_inside_header_names(app_server, extra, status):
    data = near_limit_request(extra)
    name_at = data.index(b"X-Pad")
    assert send_in_pieces(app_server.port, data, []) == status
    assert send_in_pieces(app_server.port, data, [name_at + 1, name_at + 2, name_at + 3]) == status
