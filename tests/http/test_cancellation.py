"""(f) A client that disconnects during a suspended handler cancels it, its deferred cleanups
run, and the server's file descriptors go back to their baseline."""

import time

from httpclient import RawConn, assert_serves_fast, build_request, get_json, wait_for

N_CLIENTS = 20


def test_client_disconnect_cancels_sleeping_handlers(spawn):
    server = spawn("test_app")
    port = server.port
    assert_serves_fast(port)  # warm up lazily created resources
    baseline_fds = server.stable_fd_count()
    before = get_json(port, "/stats")

    conns = []
    try:
        for _ in range(N_CLIENTS):
            c = RawConn(port, timeout=5)
            conns.append(c)
            c.send(build_request("GET", "/sleep?ms=3000"))
        sent_at = time.monotonic()
        started = wait_for(lambda: get_json(port, "/stats")["started"] - before["started"] >= N_CLIENTS, 2.0)
        assert started, f"handlers did not start: {get_json(port, '/stats')} (before: {before})"
        time.sleep(max(0.0, 0.3 - (time.monotonic() - sent_at)))
        assert server.fd_count() >= baseline_fds + N_CLIENTS
    finally:
        for c in conns:
            c.close()

    def cancelled_and_cleaned():
        s = get_json(port, "/stats")
        done = s["cancelled"] - before["cancelled"] >= N_CLIENTS and s["deferred"] == s["started"]
        return s if done else None

    stats = wait_for(cancelled_and_cleaned, 2.0)
    elapsed = time.monotonic() - sent_at
    last = get_json(port, "/stats")
    assert stats, f"after closing {N_CLIENTS} clients: {last} (before: {before}); cancelled must grow by {N_CLIENTS} and deferred == started"
    assert elapsed < 3.0, f"cancellation took until {elapsed:.2f} s, i.e. the 3 s sleeps were not interrupted"

    fds = wait_for(lambda: server.fd_count() <= baseline_fds, 3.0)
    assert fds, f"server holds {server.fd_count()} fds, baseline was {baseline_fds}"
    assert_serves_fast(port)


def test_completed_sleep_runs_deferred_once(app_server):
    port = app_server.port
    before = get_json(port, "/stats")
    assert get_json(port, "/sleep?ms=50") == {"slept": 50}
    after = wait_for(lambda: (lambda s: s if s["deferred"] - before["deferred"] >= 1 else None)(get_json(port, "/stats")), 1.0)
    assert after, get_json(port, "/stats")
    assert after["started"] - before["started"] == 1
    assert after["deferred"] - before["deferred"] == 1
    assert after["cancelled"] == before["cancelled"]
