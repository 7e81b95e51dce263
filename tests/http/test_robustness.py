"""(j) Handler stack overflow crashes loudly; (k) a slow reader cannot make the server buffer."""

import time

from conftest import SANITIZE
from httpclient import RawConn, assert_serves_fast, build_request, get, get_json, wait_for


def test_moderate_recursion_works_with_small_stack(spawn):
    server = spawn("test_app", "--stack-size", "65536")
    for _ in range(3):
        assert get_json(server.port, "/recurse?depth=10") == {"depth": 10}
    assert server.alive()
    assert_serves_fast(server.port)


def test_stack_overflow_kills_process_loudly(spawn):
    server = spawn("test_app", "--stack-size", "65536", expect_crash=True)
    assert get_json(server.port, "/recurse?depth=10") == {"depth": 10}
    with RawConn(server.port, timeout=5) as c:
        c.send(build_request("GET", "/recurse?depth=1000"))
        try:
            data = c.read_until_closed(timeout=5.0)
        except TimeoutError:
            data = None
    rc = server.wait(5)
    assert rc is not None, "server still running after a 1 MiB recursion on a 64 KiB coroutine stack"
    assert not (data or b"").startswith(b"HTTP/1.1 200"), "the overflowing request was answered 200"
    if SANITIZE:
        assert rc != 0, f"expected an abnormal exit, got {rc}"
    else:
        assert rc < 0, f"expected death by a signal, got exit code {rc}; stderr:\n{server.stderr()}"
        assert "stack overflow" in server.stderr().lower(), f"stderr does not mention the overflow:\n{server.stderr()}"


def test_slow_reader_does_not_make_server_buffer(spawn):
    server = spawn("test_app")
    warm = get(server.port, "/big?kb=1024")
    assert warm.status == 200
    assert warm.content_type() == "text/plain"
    assert len(warm.body) == 1024 * 1024 and warm.body.count(b"x") == len(warm.body)
    time.sleep(0.2)
    base_kib = server.rss_kib()

    c = RawConn(server.port, rcvbuf=4096)
    try:
        c.send(b"".join(build_request("GET", "/big?kb=1024") for _ in range(40)))
        time.sleep(2.0)
        grown_kib = server.rss_kib() - base_kib
        assert_serves_fast(server.port)
        assert grown_kib <= 16 * 1024, (
            f"RSS grew by {grown_kib / 1024:.1f} MiB for a client that never reads 40 x 1 MiB responses"
        )
    finally:
        c.abort()
    assert server.alive()
    assert_serves_fast(server.port)


def test_blocking_handler_is_reported(spawn):
    """A handler that holds its worker without awaiting gets a warning naming it, like asyncio's
    slow-callback warning; one that awaits does not."""
    server = spawn("test_app")
    assert get(server.port, "/sleep?ms=300").status == 200
    assert get(server.port, "/block?ms=150").status == 200
    assert wait_for(lambda: "without awaiting" in server.stderr(), timeout=3.0), server.stderr()
    lines = [l for l in server.stderr().splitlines() if "without awaiting" in l]
    assert len(lines) == 1 and "GET /block" in lines[0], lines
