"""Overload and forced stops: --limit-concurrency sheds load with 503 + Retry-After, a second
signal exits at once."""

import signal
import time

from httpclient import RawConn, assert_serves_fast, build_request, error_detail, get


def _hold_sleepers(port, n, ms):
    """Starts n GET /sleep?ms=... on their own connections; returns the open RawConns."""
    conns = []
    for _ in range(n):
        c = RawConn(port)
        c.send(build_request("GET", f"/sleep?ms={ms}"))
        conns.append(c)
    return conns


def test_limit_concurrency_answers_503_with_retry_after(spawn):
    server = spawn("test_app", "--limit-concurrency", 4)
    held = _hold_sleepers(server.port, 4, 1500)
    try:
        time.sleep(0.3)  # all four are inside their handler now
        r = get(server.port, "/fast")
        assert r.status == 503, r
        assert r.headers.get("Retry-After") == "1", r.headers
        error_detail(r)
        for c in held:  # the admitted ones are not disturbed
            resp = c.read_response(timeout=5.0)
            assert resp.status == 200, resp
    finally:
        for c in held:
            c.close()
    assert_serves_fast(server.port)  # capacity is back once they are done


def test_second_signal_exits_at_once(spawn):
    server = spawn("test_app", "--graceful-timeout", 30)
    held = _hold_sleepers(server.port, 3, 10000)  # in flight: the first signal waits for them
    try:
        time.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        assert server.alive(), "the first signal must wait for the in-flight requests"
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        code = server.wait(timeout=2.0)
        assert code is not None, "a second signal must end the process at once"
        assert time.monotonic() - start < 1.0
        assert code > 0, f"a forced exit reports failure, got {code}"  # not killed by a signal
        assert "Second signal" in server.stderr()
    finally:
        for c in held:
            c.close()
