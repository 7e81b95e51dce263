"""Lifespan with the real server: start-up hooks per worker before it serves, shutdown hooks after
it drained, and uvicorn's log lines and exit codes around them (tests/apps/lifespan_app.c).

The lines and codes are uvicorn's (0.17, FastAPI with a lifespan), learned from the reference:
  INFO:     Started server process [PID]
  INFO:     Waiting for application startup.
  INFO:     Application startup complete.
  ...
  INFO:     Waiting for application shutdown.
  INFO:     Application shutdown complete.
  INFO:     Finished server process [PID]
and for a lifespan that raises at start-up "ERROR:    Application startup failed. Exiting." and
exit code 3 (no "Finished" line); at shutdown "ERROR:    Application shutdown failed. Exiting."
and exit code 0."""

import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import binary
from httpclient import HOST, free_port, get, get_json, wait_for

STARTUP_LINES = [
    "INFO:     Started server process [{pid}]",
    "INFO:     Waiting for application startup.",
    "INFO:     Application startup complete.",
    "INFO:     brisk running on http://",
]
SHUTDOWN_LINES = [
    "INFO:     Shutting down (SIGTERM)",
    "INFO:     Waiting for application shutdown.",
    "INFO:     Application shutdown complete.",
    "INFO:     Finished server process [{pid}]",
]


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


def _index(lines, prefix):
    """The index of the first line starting with `prefix`; fails the test when there is none."""
    for i, line in enumerate(lines):
        if line.startswith(prefix):
            return i
    pytest.fail(f"no line starting with {prefix!r} in:\n" + "\n".join(lines), pytrace=False)


def _assert_in_order(lines, prefixes):
    at = [_index(lines, p) for p in prefixes]
    assert at == sorted(at), f"out of order {prefixes}:\n" + "\n".join(lines)
    return at


def _run_to_exit(*args, env=None, timeout=15.0):
    """Runs lifespan_app to its exit (a failing start-up exits on its own)."""
    try:
        return subprocess.run([str(binary("lifespan_app")), "--host", HOST, "--port", str(free_port()), *args],
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout,
                              env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"lifespan_app {' '.join(args)} was still running after {timeout} s", pytrace=False)


def test_uvicorn_log_lines_around_the_hooks(spawn):
    server = spawn("lifespan_app")
    assert get_json(server.port, "/state") == {"worker": 0, "seed": "seeded by worker 0"}
    assert server.stop() == 0, server.stderr()
    lines = _lines(server.stderr())
    pid = server.pid
    startup = [p.format(pid=pid) for p in STARTUP_LINES]
    at = _assert_in_order(lines, startup)
    # the hook ran between "Waiting" and "complete", before the server said it runs
    hook = _index(lines, "lifespan: startup worker 0")
    assert at[1] < hook < at[2], "\n".join(lines)
    shutdown = [p.format(pid=pid) for p in SHUTDOWN_LINES]
    at = _assert_in_order(lines, shutdown)
    hook = _index(lines, "lifespan: shutdown worker 0")
    assert at[1] < hook < at[2], "\n".join(lines)
    assert lines[-1] == shutdown[-1]
    assert "ERROR" not in server.stderr()


def test_hooks_run_per_worker_with_their_own_state(spawn):
    server = spawn("lifespan_app", "--workers", "2")
    lines = _lines(server.stderr())
    complete = _index(lines, "INFO:     Application startup complete.")
    for w in (0, 1):
        assert _index(lines, f"lifespan: startup worker {w}") < complete
    assert sum("Waiting for application startup." in line for line in lines) == 1  # said once
    # Each connection lands on one worker's listener (SO_REUSEPORT hashes the client's port):
    # over 24 connections both are seen (all on one: 2 * 2**-24), each with the state its own
    # start-up hook seeded.
    seen = {}
    for _ in range(24):
        s = get_json(server.port, "/state")
        seen[s["worker"]] = s["seed"]
    assert seen == {0: "seeded by worker 0", 1: "seeded by worker 1"}
    assert server.stop() == 0, server.stderr()
    lines = _lines(server.stderr())
    complete = _index(lines, "INFO:     Application shutdown complete.")
    for w in (0, 1):
        assert _index(lines, "INFO:     Waiting for application shutdown.") < _index(
            lines, f"lifespan: shutdown worker {w} after 0 request(s)") < complete
    assert sum("Application shutdown complete." in line for line in lines) == 1


@pytest.mark.parametrize("workers", ["1", "2"])
def test_failing_startup_exits_3_without_serving(workers):
    fail = "0" if workers == "1" else "1"
    out = _run_to_exit("--workers", workers, env={**os.environ, "LIFESPAN_FAIL_WORKER": fail})
    assert out.returncode == 3, f"exit {out.returncode}; stderr:\n{out.stderr}"
    lines = _lines(out.stderr)
    _assert_in_order(lines, [
        "INFO:     Started server process [",
        "INFO:     Waiting for application startup.",
        f"ERROR:    worker {fail}: start-up hook 2 of 2 failed: connection refused (-111)",
        "ERROR:    Application startup failed. Exiting.",
    ])
    for absent in ("Application startup complete.", "brisk running", "Waiting for application shutdown.",
                   "Finished server process"):
        assert absent not in out.stderr, out.stderr
    # Every worker that ran its start-up hooks runs its shutdown hooks, the failed one too: they
    # release what its first hook seeded.
    for w in range(int(workers)):
        assert f"lifespan: shutdown worker {w} after 0 request(s)\n" in out.stderr, out.stderr


def test_shutdown_hooks_run_after_the_drain(spawn):
    server = spawn("lifespan_app")
    result = {}

    def slow_request():
        result["r"] = get(server.port, "/sleep?ms=1000", timeout=10)

    t = threading.Thread(target=slow_request, daemon=True)
    t.start()
    time.sleep(0.3)  # the request is in flight
    server.send_signal(signal.SIGTERM)
    assert wait_for(lambda: "Shutting down" in server.stderr(), 2.0), server.stderr()
    # while the request is in flight the worker drains: no shutdown hook yet
    assert "Waiting for application shutdown." not in server.stderr()
    t.join(10)
    assert result["r"].status == 200 and result["r"].json() == {"slept": True}
    assert server.wait(10) == 0, server.stderr()
    lines = _lines(server.stderr())
    # the hook ran once the request was answered: it counts it, and it awaited on a loop that
    # still ran (its 50 ms sleep)
    _assert_in_order(lines, [
        "INFO:     Shutting down (SIGTERM)",
        "INFO:     Waiting for application shutdown.",
        "lifespan: shutdown worker 0 after 1 request(s)",
        "INFO:     Application shutdown complete.",
        "INFO:     Finished server process",
    ])


def test_failing_shutdown_hook_is_logged_and_exits_0(spawn):
    server = spawn("lifespan_app", env={**os.environ, "LIFESPAN_FAIL_SHUTDOWN": "1"})
    assert server.stop() == 0, server.stderr()
    lines = _lines(server.stderr())
    _assert_in_order(lines, [
        "INFO:     Waiting for application shutdown.",
        "ERROR:    worker 0: shutdown hook 2 of 2 failed: connection lost (-104)",
        "lifespan: shutdown worker 0 after 0 request(s)",  # the others still ran
        "ERROR:    Application shutdown failed. Exiting.",
        "INFO:     Finished server process",
    ])
    assert "Application shutdown complete." not in server.stderr()
