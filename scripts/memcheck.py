#!/usr/bin/env python3
"""valgrind memcheck of a brisk app under a short scripted load.

Starts the app under `valgrind --leak-check=full`, sends a mix of requests a real server meets
(plain, keep-alive, pipelined, awaiting, POST bodies, chunked, malformed, clients that leave
mid-request), stops it with SIGTERM and reports valgrind's verdict. Exit 0 only when valgrind saw
no error and no leak and the app exited 0. Loopback only; every loop is bounded.

  scripts/memcheck.py build/test_app
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time

HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def exchange(port, data, timeout=10.0, close_early=False):
    """Sends raw bytes, reads until the server closes or goes quiet; returns what came back."""
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        s.sendall(data)
        if close_early:
            time.sleep(0.2)
            return b""
        s.settimeout(timeout)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            out += chunk
        return out


def req(method, path, body=b"", headers=(), close=True):
    lines = [f"{method} {path} HTTP/1.1", "Host: memcheck"]
    lines += [f"{k}: {v}" for k, v in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def load(port):
    """Returns a list of problems seen by the client (wrong answers)."""
    problems = []

    def expect(data, status, **kw):
        out = exchange(port, data, **kw)
        if not out.startswith(f"HTTP/1.1 {status}".encode()):
            problems.append(f"expected {status} for {data[:50]!r}, got {out[:60]!r}")

    for _ in range(20):
        expect(req("GET", "/fast"), 200)
        expect(req("GET", "/items/a%20b"), 200)
        expect(req("GET", "/query?q=x+y"), 200)
        expect(req("POST", "/echo", b"x" * 5000), 200)
        expect(req("GET", "/nowhere"), 404)
        expect(req("POST", "/fast"), 405)
    pipelined = b"".join(req("GET", "/fast", close=False) for _ in range(30)) + req("GET", "/fast")
    out = exchange(port, pipelined)
    if out.count(b"HTTP/1.1 200") != 31:
        problems.append(f"pipelined: {out.count(b'HTTP/1.1 200')} of 31 answered")
    expect(req("GET", "/sleep?ms=50"), 200)
    chunked = (b"POST /echo HTTP/1.1\r\nHost: m\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               b"5\r\nhello\r\n0\r\n\r\n")
    expect(chunked, 200)
    expect(b"GARBAGE\r\n\r\n", 400)
    expect(req("GET", "/" + "a" * 9000), 414)
    expect(req("GET", "/fast", headers=[("X-Pad", "p" * 20000)]), 431)
    for _ in range(10):  # clients that leave while their handler awaits: cancellation path
        exchange(port, req("GET", "/sleep?ms=2000"), close_early=True)
    exchange(port, b"GET /fast HTTP/1.1\r\nHost: m\r\n", close_early=True)  # leaves mid-headers
    time.sleep(0.5)
    return problems


def main():
    app = sys.argv[1] if len(sys.argv) > 1 else "build/test_app"
    port = free_port()
    log = tempfile.NamedTemporaryFile(prefix="memcheck-", suffix=".log", delete=False).name
    cmd = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
           "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
           f"--log-file={log}", app, "--port", str(port), "--no-access-log", "--log-level", "warning"]
    print("[memcheck] " + " ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection((HOST, port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    print("[memcheck] app up; sending the scripted load", flush=True)
    problems = load(port)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    report = open(log).read()
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", report)
    errors = int(summary.group(1)) if summary else -1
    print(report[-1500:])
    print(f"[memcheck] exit code {code}, valgrind errors {errors}, client problems {len(problems)}")
    for p in problems:
        print("  " + p)
    ok = code == 0 and errors == 0 and not problems
    print(f"memcheck: {'1 passed, 0 failed' if ok else '0 passed, 1 failed'}")
    os.unlink(log)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
