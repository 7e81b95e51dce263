"""Overload and forced stops: --limit-concurrency sheds load with 503 + Retry-After, a second
signal exits at once."""

import signal
import time

from httpclient import (RawConn, assert_serves_fast, build_request, connect_refused, error_detail, get_json,
                        wait_for, wait_for_status)


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
        # Once all four are inside their handler (well before their 1.5 s end), /fast is shed.
        r = wait_for_status(server.port, "/fast", 503, 1.0)
        assert r, "no 503 with four requests in flight and --limit-concurrency 4"
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
    started = get_json(server.port, "/stats")["started"]
    held = _hold_sleepers(server.port, 3, 10000)  # in flight: the first signal waits for them
    try:
        assert wait_for(lambda: get_json(server.port, "/stats")["started"] - started >= 3, 2.0)
        server.send_signal(signal.SIGTERM)
        assert wait_for(lambda: connect_refused(server.port), 1.0), "the first signal did not close the listener"
        assert server.wait(0.3) is None, "the first signal must wait for the in-flight requests"
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
