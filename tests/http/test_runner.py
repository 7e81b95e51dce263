"""(h) The uvicorn-like runner: flags, exit codes, startup line, access log, workers."""

import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import binary
from httpclient import (HOST, RawConn, assert_serves_fast, build_request, error_detail, free_port, get, get_json,
                        thread_cpu_seconds, thread_states, wait_for, wait_for_status)


def _run(name, *args, timeout=5.0):
    try:
        return subprocess.run(
            [str(binary(name)), *map(str, args)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} {' '.join(map(str, args))} was still running after {timeout} s (it should have exited)")


def _lines(text):
    return [line for line in text.splitlines() if line.strip()]


def test_help_prints_usage_and_exits_0():
    out = _run("test_app", "--help")
    assert out.returncode == 0, out
    assert "usage" in out.stdout.lower(), out.stdout
    for flag in ("--host", "--port", "--workers", "--log-level", "--max-body-size", "--stack-size",
                 "--proxy-headers", "--no-proxy-headers", "--forwarded-allow-ips", "--root-path"):
        assert flag in out.stdout, f"{flag} missing from --help"


@pytest.mark.parametrize(
    "args",
    [
        ["--port", "abc"],
        ["--port", "70000"],
        ["--workers", "-1"],
        ["--bogus"],
        ["--log-level", "loud"],
        ["--max-body-size", "lots"],
        ["--backlog", "0"],
        ["--limit-concurrency", "none"],
        ["--timeout-header", "-1"],
        ["--port"],
        ["--root-path"],
        ["--forwarded-allow-ips"],
    ],
    ids=lambda a: " ".join(a),
)
def test_bad_flag_exits_2_with_one_stderr_line(args):
    # a valid --port first, so a binary that wrongly starts does not collide with anything
    out = _run("test_app", "--host", HOST, "--port", free_port(), *args)
    assert out.returncode == 2, f"exit {out.returncode}; stderr: {out.stderr!r}"
    assert len(_lines(out.stderr)) == 1, f"expected one stderr line, got {out.stderr!r}"
    assert "brisk running" not in out.stderr


def test_port_in_use_exits_2_with_one_clear_line():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        s.listen(1)
        port = s.getsockname()[1]
        out = _run("test_app", "--host", HOST, "--port", port)
    assert out.returncode == 2, f"exit {out.returncode}; stderr: {out.stderr!r}"
    lines = _lines(out.stderr)
    assert len(lines) == 1, f"expected one stderr line, got {out.stderr!r}"
    assert str(port) in lines[0], lines[0]


@pytest.mark.parametrize("name", ["seed_app", "test_app"])
def test_startup_line_format(spawn, name):
    server = spawn(name)
    m = server.startup_match
    assert m.group("host") == HOST
    assert int(m.group("port")) == server.port
    assert m.group(0).endswith("(1 worker)"), m.group(0)


ACCESS_RE = r'INFO:\s+127\.0\.0\.1:{port} - "{method} {target} HTTP/1\.1" {status}\b'


def test_access_log_line_on_stdout(spawn):
    server = spawn("test_app")
    r = get(server.port, "/items/7")
    assert r.status == 200
    r404 = get(server.port, "/missing")
    assert r404.status == 404
    ok_re = re.compile(ACCESS_RE.format(port=r.sockname[1], method="GET", target=re.escape("/items/7"), status=200))
    nf_re = re.compile(ACCESS_RE.format(port=r404.sockname[1], method="GET", target="/missing", status=404))
    found = wait_for(lambda: ok_re.search(server.stdout()) and nf_re.search(server.stdout()), 3.0)
    assert found, f"access log lines not on stdout within 3 s; stdout:\n{server.stdout()!r}"
    assert not re.search(r'"GET /items/7 ', server.stderr()), "access log went to stderr"


def test_no_access_log_suppresses_it(spawn):
    server = spawn("test_app", "--no-access-log")
    assert get(server.port, "/fast").status == 200
    time.sleep(0.3)
    assert server.stop() == 0
    assert "/fast" not in server.stdout() + server.stderr()


# Which threads ran handlers. The main thread only waits for signals; each worker is a thread with
# its own SO_REUSEPORT listener, and the kernel spreads connections over the listeners by a hash of
# the client's port. /block spins its worker's CPU for BLOCK_MS, so every thread that ran one
# accrues CPU time a tick counter can see (/proc reports it in 10 ms ticks); an idle worker accrues
# next to none. With N_BLOCKING connections the chance that all land on one of two workers is
# 2 * 2**-16.
N_BLOCKING = 16
BLOCK_MS = 40


def _threads_that_ran_handlers(server):
    """Sends GET /block?ms=BLOCK_MS on N_BLOCKING connections at once; returns {tid: CPU seconds}
    of the threads other than the main one that accrued at least half a /block meanwhile."""
    before = thread_cpu_seconds(server.pid)
    conns = [RawConn(server.port) for _ in range(N_BLOCKING)]
    try:
        for c in conns:
            c.send(build_request("GET", f"/block?ms={BLOCK_MS}"))
        for c in conns:
            r = c.read_response(timeout=10.0)
            assert r.status == 200 and r.body == b"blocked", r
    finally:
        for c in conns:
            c.close()
    spent = {tid: cpu - before.get(tid, 0.0) for tid, cpu in thread_cpu_seconds(server.pid).items()}
    return {tid: cpu for tid, cpu in spent.items() if tid != server.pid and cpu >= BLOCK_MS / 2000}


def test_two_workers_both_serve_requests(spawn):
    server = spawn("test_app", "--workers", "2", "--no-access-log")
    assert server.startup_match.group(0).endswith("(2 workers)"), server.startup_match.group(0)
    busy = _threads_that_ran_handlers(server)
    assert len(busy) >= 2, f"only {len(busy)} thread(s) ran the {N_BLOCKING} handlers (CPU s by thread: {busy})"
    assert server.stop() == 0, server.stderr()


def test_one_worker_runs_every_handler_on_one_thread(spawn):
    """The control for the test above: the same load on --workers 1 shows one busy thread, so the
    count does tell one worker from two."""
    server = spawn("test_app", "--workers", "1", "--no-access-log")
    busy = _threads_that_ran_handlers(server)
    assert len(busy) == 1, f"CPU s by thread: {busy}"


def _queued_connections(port, most):
    """Opens connections one after the other until one does not complete its handshake within
    0.3 s (or `most` did); returns the open sockets."""
    socks = []
    for _ in range(most):
        try:
            socks.append(socket.create_connection((HOST, port), timeout=0.3))
        except OSError:  # the kernel dropped the SYN: its accept queue is full
            break
    return socks


@pytest.mark.parametrize("backlog", [4, None], ids=["backlog-4", "default"])
def test_backlog_bounds_connections_waiting_to_be_accepted(spawn, backlog):
    """What --backlog promises is observable while the server accepts nothing: stopped (SIGSTOP),
    the kernel still completes handshakes, but only into a queue of about `backlog`. The default
    (2048) takes all of a dozen. Once resumed, the queued clients are served."""
    server = spawn("test_app", "--no-access-log", *(["--backlog", backlog] if backlog else []))
    server.send_signal(signal.SIGSTOP)
    try:
        stopped = wait_for(lambda: set(thread_states(server.pid).values()) == {"T"}, 2.0)
        assert stopped, "SIGSTOP did not stop every thread of the server"
        socks = _queued_connections(server.port, 12)
    finally:
        server.send_signal(signal.SIGCONT)
    try:
        if backlog:
            # Linux queues one more than asked, and a last client may see its handshake complete
            # while the server drops the final ACK of a full queue (it is queued later).
            assert backlog <= len(socks) <= backlog + 2, f"{len(socks)} connections queued with --backlog {backlog}"
        else:
            assert len(socks) == 12, f"only {len(socks)} connections queued with the default backlog"
        for s in socks[:4]:  # surely in the accept queue, in order
            s.settimeout(5.0)
            s.sendall(build_request("GET", "/fast", close=True))
            assert s.recv(65536).startswith(b"HTTP/1.1 200 "), "a queued connection was not served"
    finally:
        for s in socks:
            s.close()


def test_limit_concurrency_admits_exactly_that_many(spawn):
    server = spawn("test_app", "--limit-concurrency", 2)
    port = server.port
    started = get_json(port, "/stats")["started"]
    held = [RawConn(port)]
    try:
        held[0].send(build_request("GET", "/sleep?ms=5000"))
        # One in flight: a second request is admitted (it is /stats itself, answered with 200).
        assert wait_for(lambda: get_json(port, "/stats")["started"] == started + 1, 3.0), "the sleeper never started"
        held.append(RawConn(port))
        held[1].send(build_request("GET", "/sleep?ms=5000"))
        # Two in flight: the next one is shed.
        r = wait_for_status(port, "/fast", 503, 3.0)
        assert r, "a third request was served with --limit-concurrency 2 and two in flight"
        assert r.headers.get("Retry-After"), r.headers
        error_detail(r)
    finally:
        for c in held:
            c.close()  # cancels the sleepers
    assert wait_for(lambda: get(port, "/fast").status == 200, 3.0), "capacity did not come back"


def test_timeout_body_sets_the_body_silence_timeout(spawn):
    server = spawn("test_app", "--timeout-body", 0.5)
    with RawConn(server.port) as c:
        c.send(build_request("POST", "/echo", [("Content-Length", 100)]) + b"x" * 10)
        start = time.monotonic()
        r = c.read_response(timeout=10.0)
        elapsed = time.monotonic() - start
    assert r.status == 408, r
    # The default is 30 s; the upper bound is generous for a busy machine.
    assert 0.4 <= elapsed < 5.0, f"408 after {elapsed:.2f} s of body silence with --timeout-body 0.5"
    assert_serves_fast(server.port)
