"""Background tasks (bk_background, FastAPI's BackgroundTasks): they run after the response, may
await, and a server that stops aborts them at the end of its graceful period — their cleanups
still run, and nothing leaks (the spawn fixture fails on a sanitizer report)."""
import signal
import time

from httpclient import get, wait_for


def test_background_task_runs_after_the_response_and_may_await(spawn):
    server = spawn("test_app")
    started = time.monotonic()
    r = get(server.port, "/bg?ms=300")
    assert r.status == 202 and r.json() == {"queued": True}
    assert time.monotonic() - started < 0.25  # the answer did not wait for the task
    assert "background done" not in server.stderr()
    assert wait_for(lambda: "background done 300" in server.stderr(), timeout=5)
    assert "background cleanup" in server.stderr()


def test_a_stopping_server_aborts_background_tasks_at_its_graceful_timeout(spawn):
    server = spawn("test_app", "--graceful-timeout", "1")
    assert get(server.port, "/bg?ms=60000").status == 202
    time.sleep(0.1)
    server.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    assert server.wait(timeout=10) == 0
    assert time.monotonic() - stopped < 5  # not the task's 60 s
    err = server.stderr()
    assert "background aborted 60000" in err and "background cleanup" in err
