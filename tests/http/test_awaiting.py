"""Awaiting beyond timers, end to end: blocking code on brisk's thread pool (blocking routes and
bk_run_blocking), child tasks gathered by a handler, shielded sections, and per-route deadlines
(504) — each with a client that stays and one that leaves."""

import time
from concurrent.futures import ThreadPoolExecutor

from httpclient import RawConn, assert_serves_fast, build_request, error_detail, get, get_json, wait_for


def _stats_delta(port, before, key):
    return get_json(port, "/stats")[key] - before[key]


def test_blocking_route_runs_on_the_pool_and_fast_stays_fast(spawn):
    server = spawn("test_app")
    port = server.port
    assert_serves_fast(port)
    with ThreadPoolExecutor(8) as ex:
        t0 = time.monotonic()
        slow = [ex.submit(get, port, "/blocking?ms=800") for _ in range(4)]
        time.sleep(0.1)
        fast = get(port, "/fast")
        results = [f.result() for f in slow]
        total = time.monotonic() - t0
    assert fast.status == 200 and fast.elapsed < 0.3, fast.elapsed  # the loop was never held
    assert all(r.status == 200 and r.json() == {"slept": 800} for r in results), results
    assert total < 1.6, f"4 blocking handlers of 0.8 s took {total:.2f} s: they did not run in parallel"
    assert "without awaiting" not in server.stderr()  # nothing blocked the worker's loop


def test_run_blocking_from_an_async_handler(spawn):
    server = spawn("test_app")
    port = server.port
    with ThreadPoolExecutor(4) as ex:
        slow = ex.submit(get, port, "/offload?ms=500")
        time.sleep(0.1)
        fast = get(port, "/fast")
        r = slow.result()
    assert r.status == 200 and r.json() == {"slept": 500}
    assert fast.elapsed < 0.3


def test_full_pool_queues_then_answers_503(spawn):
    server = spawn("test_app", "--threads", "1", "--thread-queue", "1")
    port = server.port
    with ThreadPoolExecutor(4) as ex:
        running = ex.submit(get, port, "/blocking?ms=600")
        time.sleep(0.15)
        queued = ex.submit(get, port, "/blocking?ms=10")
        time.sleep(0.15)
        refused = get(port, "/blocking?ms=10")
        assert refused.status == 503, refused
        assert refused.headers["Retry-After"] == "1"
        assert error_detail(refused) == "Service Unavailable"
        assert running.result().status == 200
        assert queued.result().status == 200  # queued, not refused: it ran after the first
    assert "thread pool queue full" in server.stderr()


def test_client_leaving_mid_job_leaks_nothing(spawn):
    server = spawn("test_app")
    port = server.port
    assert_serves_fast(port)
    baseline_fds = server.stable_fd_count()
    before = get_json(port, "/stats")
    conns = []
    for path in ("/blocking?ms=400", "/offload?ms=400"):
        c = RawConn(port, timeout=5)
        c.send(build_request("GET", path))
        conns.append(c)
    assert wait_for(lambda: _stats_delta(port, before, "blocking_started") == 2, 2.0)
    for c in conns:
        c.abort()
    assert_serves_fast(port)  # while the jobs still run
    # The jobs cannot be interrupted: they finish, their results are dropped, and the
    # connections' memory was kept for them until then.
    assert wait_for(lambda: _stats_delta(port, before, "blocking_finished") == 2, 2.0)
    assert server.stable_fd_count() == baseline_fds
    assert get(port, "/fast").status == 200


def test_route_deadline_answers_504_and_the_connection_goes_on(spawn):
    server = spawn("test_app")
    port = server.port
    assert get(port, "/deadline?ms=5").json() == {"slept": 5}
    with RawConn(port) as c:
        t0 = time.monotonic()
        c.send(build_request("GET", "/deadline?ms=3000"))
        r = c.read_response()
        elapsed = time.monotonic() - t0
        assert r.status == 504, r
        assert r.json() == {"detail": "Gateway Timeout"}
        assert 0.09 <= elapsed < 1.0, elapsed
        c.send(build_request("GET", "/fast"))  # the same connection still serves
        assert c.read_response().status == 200


def test_deadline_of_a_blocking_route_waits_for_its_job(spawn):
    server = spawn("test_app")
    port = server.port
    t0 = time.monotonic()
    r = get(port, "/deadline-blocking?ms=400")
    elapsed = time.monotonic() - t0
    assert r.status == 504, r
    assert elapsed >= 0.39, "answered while the job could still write into the request"
    assert get(port, "/deadline-blocking?ms=5").json() == {"slept": 5}


def test_gather_of_many_children_waits_once(spawn):
    server = spawn("test_app")
    port = server.port
    r = get(port, "/gather?n=1000&ms=300")
    assert r.status == 200, r
    assert r.json() == {"children": 1000, "ok": 1000, "error": ""}
    assert r.elapsed < 1.5, f"1,000 concurrent 0.3 s children took {r.elapsed:.2f} s"


def test_gather_reports_a_child_error(spawn):
    server = spawn("test_app")
    port = server.port
    r = get(port, "/gather?n=5&ms=200&fail=2")  # gather: the others still run to their end
    assert r.json() == {"children": 5, "ok": 4, "error": "value out of range"}
    assert r.elapsed >= 0.19
    # fail fast (TaskGroup): child 0 fails at once, its four 5 s siblings are cancelled
    before = get_json(port, "/stats")
    r = get(port, "/gather?n=5&ms=5000&fail=0&fast=1")
    assert r.json() == {"children": 5, "ok": 0, "error": "value out of range"}
    assert r.elapsed < 1.0
    assert _stats_delta(port, before, "children_cancelled") == 4


def test_client_leaving_cancels_the_children(spawn):
    server = spawn("test_app")
    port = server.port
    assert_serves_fast(port)
    baseline_fds = server.stable_fd_count()
    before = get_json(port, "/stats")
    c = RawConn(port, timeout=5)
    c.send(build_request("GET", "/gather?n=200&ms=10000"))
    time.sleep(0.2)
    c.abort()
    assert wait_for(lambda: _stats_delta(port, before, "children_cancelled") == 200, 2.0), get_json(port, "/stats")
    assert server.stable_fd_count() == baseline_fds
    assert_serves_fast(port)


def test_shielded_work_finishes_after_the_client_left(spawn):
    server = spawn("test_app")
    port = server.port
    before = get_json(port, "/stats")
    c = RawConn(port, timeout=5)
    c.send(build_request("GET", "/shield?ms=300"))
    time.sleep(0.05)
    c.abort()
    time.sleep(0.1)
    assert _stats_delta(port, before, "shielded_done") == 0  # still running, client gone
    assert wait_for(lambda: _stats_delta(port, before, "shielded_done") == 1, 2.0)
    assert get(port, "/shield?ms=1").json() == {"slept": 1}


def test_thread_flags_are_checked(spawn, tmp_path):
    from conftest import binary
    import subprocess

    out = subprocess.run([binary("test_app"), "--help"], capture_output=True, text=True, timeout=10)
    assert "--threads INTEGER" in out.stdout and "--thread-queue INTEGER" in out.stdout
    bad = subprocess.run([binary("test_app"), "--threads", "0"], capture_output=True, text=True, timeout=10)
    assert bad.returncode == 2
    assert bad.stderr.strip() == "Error: Invalid value for '--threads': '0' (try --help)"
