"""(g) Graceful shutdown on SIGTERM/SIGINT: stop accepting, drain in-flight requests, exit 0."""

import signal
import threading
import time

import pytest

from httpclient import RawConn, build_request, connect_refused, cpu_seconds, get, get_json, wait_for

WAIT_BODY = b'{"message":"Waited 1 second"}'


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_graceful_shutdown_finishes_in_flight_requests(spawn, sig):
    server = spawn("seed_app")
    results = [None] * 10

    def worker(i):
        try:
            results[i] = get(server.port, "/wait", timeout=10)
        except Exception as e:  # noqa: BLE001 - reported below
            results[i] = e

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(10)]
    for t in threads:
        t.start()
    time.sleep(0.2)
    server.send_signal(sig)
    signalled = time.monotonic()

    refused_while_running = False
    while time.monotonic() - signalled < 0.7:
        if connect_refused(server.port):
            refused_while_running = server.alive()
            break
        time.sleep(0.02)

    for t in threads:
        t.join(timeout=5)
    rc = server.wait(5)
    elapsed = time.monotonic() - signalled

    bad = [r for r in results if not (getattr(r, "status", None) == 200 and r.body == WAIT_BODY)]
    assert not bad, f"in-flight requests not completed: {bad}"
    assert rc == 0, f"exit code {rc}; stderr:\n{server.stderr()}"
    assert elapsed < 5.0
    assert refused_while_running, "new connections were still accepted during the drain"


def test_idle_keepalive_connection_does_not_delay_shutdown(spawn):
    server = spawn("test_app")
    with RawConn(server.port) as c:
        c.send(build_request("GET", "/fast"))
        assert c.read_response().status == 200
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        rc = server.wait(5)
        elapsed = time.monotonic() - start
        assert rc == 0, f"exit code {rc}; stderr:\n{server.stderr()}"
        assert elapsed < 1.0, f"shutdown took {elapsed:.2f} s with one idle keep-alive connection"
        c.assert_closed(timeout=1.0)


def test_graceful_timeout_bounds_shutdown(spawn):
    server = spawn("test_app", "--graceful-timeout", "1")
    with RawConn(server.port) as c:
        c.send(build_request("GET", "/sleep?ms=10000"))
        assert wait_for(lambda: get_json(server.port, "/stats")["started"] == 1, 2.0), "the request did not start"
        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        rc = server.wait(15)
        elapsed = time.monotonic() - start
    assert rc == 0, f"exit code {rc}; stderr:\n{server.stderr()}"
    # Exits after the 1 s grace period, long before the 10 s request would end (generous upper
    # bound for a busy machine; a shutdown that waits for the request takes 10 s).
    assert 0.8 <= elapsed < 5.0, f"shutdown with a 10 s request and --graceful-timeout 1 took {elapsed:.2f} s"


def test_request_arriving_on_idle_connection_at_shutdown_is_answered(spawn):
    """A keep-alive client whose next request reaches the server together with the stop must get
    an answer (with Connection: close), not a reset: behind a load balancer every deploy is such
    a stop. The worker is held busy by /block while the signal is handled by the main thread and
    the request is sent, so both wait for the worker's same poll, the stop first."""
    server = spawn("test_app")
    idle = RawConn(server.port)
    idle.send(build_request("GET", "/fast"))
    assert idle.read_response().status == 200
    with RawConn(server.port) as busy:
        cpu0 = cpu_seconds(server.pid)
        busy.send(build_request("GET", "/block?ms=1500"))
        # /block spins: CPU time going up means the worker is inside it, deaf to its sockets
        assert wait_for(lambda: cpu_seconds(server.pid) - cpu0 > 0.1, 3.0), "/block did not start"
        server.send_signal(signal.SIGTERM)
        assert wait_for(lambda: "Shutting down" in server.stderr(), 2.0), server.stderr()
        idle.send(build_request("GET", "/fast"))
        r = idle.read_response(timeout=5)
        assert r.status == 200 and r.json() == {"message": "Fast response"}, r
        assert (r.header("Connection") or "").lower() == "close"
        idle.assert_closed(timeout=3)
        b = busy.read_response(timeout=5)
        assert b.status == 200, b
    idle.close()
    assert server.wait(5) == 0, server.stderr()
