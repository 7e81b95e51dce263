"""Out of file descriptors on accept: existing connections keep being served, the server does not
spin, the connections it could not take are closed, and it accepts again once fds free up."""

import shutil
import socket
import subprocess
import time

import pytest

from conftest import SANITIZE
from httpclient import HOST, assert_serves_fast, cpu_seconds


@pytest.mark.skipif(not shutil.which("prlimit"), reason="needs prlimit (util-linux)")
def test_out_of_fds_on_accept(spawn):
    server = spawn("seed_app", "--no-access-log")
    subprocess.run(["prlimit", "--nofile=48:48", "--pid", str(server.pid)], check=True, timeout=10)
    conns = []
    try:
        for _ in range(80):
            s = socket.create_connection((HOST, server.port), timeout=5)
            s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(s)
        before = cpu_seconds(server.pid)
        time.sleep(1.0)
        spent = cpu_seconds(server.pid) - before
        assert spent < 0.3, f"server used {spent:.2f} s of CPU in 1 s while out of fds (spinning?)"
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
    time.sleep(0.3)
    assert_serves_fast(server.port)
    assert server.alive()


@pytest.mark.skipif(SANITIZE or not shutil.which("prlimit"),
                    reason="needs prlimit; ASan reserves address space of its own")
def test_out_of_stack_memory_answers_503(spawn):
    server = spawn("test_app", "--no-access-log")
    with open(f"/proc/{server.pid}/status") as f:
        vm_kib = next(int(line.split()[1]) for line in f if line.startswith("VmSize:"))
    limit = (vm_kib + 1024) * 1024  # room for a dozen or so more coroutine stacks
    subprocess.run(["prlimit", f"--as={limit}:{limit}", "--pid", str(server.pid)], check=True, timeout=10)
    conns = []
    try:
        for _ in range(60):
            s = socket.create_connection((HOST, server.port), timeout=5)
            s.sendall(b"GET /sleep?ms=1500 HTTP/1.1\r\nHost: x\r\n\r\n")
            conns.append(s)
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
