"""Out of file descriptors on accept: existing connections keep being served, the server does not
spin, the connections it could not take are closed, and it accepts again once fds free up."""

import shutil
import socket
import subprocess
import time

import pytest

from conftest import SANITIZE
from httpclient import HOST, assert_serves_fast, build_request, cpu_seconds, fast_latency, vm_kib, wait_for


def _send_on_new_connections(conns, port, n, target):
    """Opens n connections (appended to `conns`), each with one GET `target` sent."""
    for _ in range(n):
        s = socket.create_connection((HOST, port), timeout=5)
        conns.append(s)
        s.sendall(build_request("GET", target))


def _serves_fast(port):
    try:
        fast_latency(port, timeout=2.0)
    except (AssertionError, OSError):  # refused, reset or closed unanswered
        return False
    return True


@pytest.mark.skipif(not shutil.which("prlimit"), reason="needs prlimit (util-linux)")
def test_out_of_fds_on_accept(spawn):
    server = spawn("seed_app", "--no-access-log")
    subprocess.run(["prlimit", "--nofile=48:48", "--pid", str(server.pid)], check=True, timeout=10)
    conns = []
    try:
        _send_on_new_connections(conns, server.port, 80, "/slow")
        before, start = cpu_seconds(server.pid), time.monotonic()
        time.sleep(1.0)
        spent, window = cpu_seconds(server.pid) - before, time.monotonic() - start
        # Guards against an accept loop that spins on EMFILE: that burns all of a core it gets. The
        # server's own CPU time is not inflated by a busy machine (unlike wall-clock bounds), and
        # the handlers here only sleep, so a server that waits uses next to nothing.
        assert spent < 0.3 * window, f"server used {spent:.2f} s of CPU in {window:.2f} s while out of fds (spinning?)"
        answered = closed = 0
        for s in conns:
            s.settimeout(6)
            try:
                data = s.recv(4096)
            except ConnectionResetError:  # closed by the server with our request unread
                data = b""
            if data.startswith(b"HTTP/1.1 200"):
                answered += 1
            elif data == b"":
                closed += 1
        assert answered >= 20, f"only {answered} of the accepted connections were served"
        assert answered + closed == len(conns), "every connection is either served or closed"
        assert closed > 0, "with 48 fds the server cannot have taken all 80 connections"
    finally:
        for s in conns:
            s.close()
    assert wait_for(lambda: _serves_fast(server.port), 3.0), "not serving again once the fds were freed"
    assert server.alive()


@pytest.mark.skipif(SANITIZE or not shutil.which("prlimit"),
                    reason="needs prlimit; ASan reserves address space of its own")
def test_out_of_stack_memory_answers_503(spawn):
    server = spawn("test_app", "--no-access-log")
    limit = (vm_kib(server.pid, "VmSize") + 1024) * 1024  # room for a dozen or so more coroutine stacks
    subprocess.run(["prlimit", f"--as={limit}:{limit}", "--pid", str(server.pid)], check=True, timeout=10)
    conns = []
    try:
        _send_on_new_connections(conns, server.port, 60, "/sleep?ms=1500")
        statuses = []
        for s in conns:
            s.settimeout(6)
            statuses.append(s.recv(4096).split(b" ", 2)[1])
    finally:
        for s in conns:
            s.close()
    assert statuses.count(b"200") > 0 and statuses.count(b"503") > 0, statuses
    assert statuses.count(b"200") + statuses.count(b"503") == len(conns), statuses
    assert "cannot map a coroutine stack" in server.stderr()
    assert_serves_fast(server.port)
    assert server.alive()
