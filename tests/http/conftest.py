"""Fixtures and helpers for brisk's black-box HTTP tests.

The servers under test are the binaries CMake builds (seed_app, test_app) in $BRISK_BUILD_DIR
(default: <repo>/build). Each is started on a free port, with stdout/stderr captured to files,
and is considered up once it printed `brisk running on http://HOST:PORT (N worker[s])` on stderr.

Test modules import the helpers below with `from conftest import ...`.
"""

import http.client
import json
import os
import re
import resource
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("BRISK_BUILD_DIR") or (REPO / "build"))
SANITIZE = os.environ.get("BRISK_SANITIZE") == "1"
HOST = "127.0.0.1"

STARTUP_TIMEOUT = 10.0  # seconds for the startup line to appear
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL at teardown
STARTUP_RE = re.compile(
    r"brisk running on http://(?P<host>\[[^\]]*\]|[^\s:/]+):(?P<port>\d+) \((?P<workers>\d+) (?P<word>workers?)\)"
)


# ---- process environment -------------------------------------------------------------------


def raise_nofile_limit():
    """Raises the soft RLIMIT_NOFILE to the hard limit (servers started later inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if soft == resource.RLIM_INFINITY or soft >= target:
        return soft
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    except (ValueError, OSError):
        return soft
    return target


raise_nofile_limit()


def binary(name):
    path = BUILD_DIR / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is not built: build with CMake (or set BRISK_BUILD_DIR)", pytrace=False)
    return path


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout, interval=0.05):
    """Polls predicate() until it returns a truthy value or `timeout` seconds pass; returns the
    last value it returned."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# ---- servers -------------------------------------------------------------------------------


class Server:
    """One server process on its own port, stdout/stderr captured to files."""

    def __init__(self, name, args=(), workdir=None, port=None, host_args=True):
        self.name = name
        self.port = port if port is not None else free_port()
        self.argv = [str(binary(name))]
        if host_args:
            self.argv += ["--host", HOST, "--port", str(self.port)]
        self.argv += [str(a) for a in args]
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        stem = f"{name}-{self.port}-{time.monotonic_ns()}"
        self.stdout_path = workdir / f"{stem}.stdout"
        self.stderr_path = workdir / f"{stem}.stderr"
        self.proc = None
        self.startup_match = None

    def start(self, wait=True):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        if wait:
            self.wait_started()
        return self

    def wait_started(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = STARTUP_RE.search(self.stderr())
            if m:
                self.startup_match = m
                return m
            if self.proc.poll() is not None:
                pytest.fail(
                    f"{self.name} exited with {self.proc.returncode} before its startup line;\n"
                    f"argv: {self.argv}\nstderr:\n{self.stderr()}\nstdout:\n{self.stdout()}",
                    pytrace=False,
                )
            time.sleep(0.02)
        self.kill()
        pytest.fail(
            f"{self.name} printed no startup line within {timeout} s;\nstderr:\n{self.stderr()}",
            pytrace=False,
        )

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stdout(self):
        return self.stdout_path.read_bytes().decode("utf-8", "replace")

    def stderr(self):
        return self.stderr_path.read_bytes().decode("utf-8", "replace")

    def send_signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        """Waits for exit; returns the return code or None when still running after `timeout`."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """SIGTERM, wait up to `timeout` s, then SIGKILL. Returns the exit code."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            if self.wait(timeout) is None:
                self.kill()
        return self.proc.returncode

    def fd_count(self):
        return len(os.listdir(f"/proc/{self.pid}/fd"))

    def rss_kib(self):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS in /proc/PID/status")


@pytest.fixture
def spawn(tmp_path):
    """Factory for fresh servers: spawn("test_app", "--stack-size", 65536) -> Server (started).
    Every server it started is stopped (SIGTERM, SIGKILL after 10 s) at teardown."""
    servers = []

    def _spawn(name, *args, wait=True, **kw):
        server = Server(name, args, workdir=tmp_path, **kw)
        servers.append(server)
        return server.start(wait=wait)

    yield _spawn
    for server in servers:
        server.stop()


def _session_server(tmp_path_factory, name, *args):
    server = Server(name, args, workdir=tmp_path_factory.mktemp(name))
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def seed_server(tmp_path_factory):
    """A shared seed_app with default settings. Tests must not stop or crash it."""
    yield from _session_server(tmp_path_factory, "seed_app")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """A shared test_app with default settings (1 MiB body limit). Tests must not stop it."""
    yield from _session_server(tmp_path_factory, "test_app")


@pytest.fixture(scope="session")
def limits_server(tmp_path_factory):
    """A shared test_app with tight limits: 1 KiB bodies, 1 s to send the header section."""
    yield from _session_server(tmp_path_factory, "test_app", "--max-body-size", "1024", "--timeout-header", "1")


# ---- http.client helpers -------------------------------------------------------------------


class Result:
    """A complete response read with http.client, plus the time it took."""

    def __init__(self, resp, body, elapsed, sockname):
        self.status = resp.status
        self.reason = resp.reason
        self.headers = resp.headers  # http.client.HTTPMessage, case-insensitive
        self.body = body
        self.elapsed = elapsed
        self.sockname = sockname  # the client's (ip, port)

    def json(self):
        return json.loads(self.body)

    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def __repr__(self):
        return f"<{self.status} {dict(self.headers)} {self.body[:200]!r}>"


def request(port, method, path, body=None, headers=None, timeout=10.0, conn=None):
    """One request over http.client (a fresh connection unless `conn` is given)."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        start = time.perf_counter()
        conn.request(method, path, body=body, headers=headers or {})
        sockname = conn.sock.getsockname()
        resp = conn.getresponse()
        data = resp.read()
        return Result(resp, data, time.perf_counter() - start, sockname)
    finally:
        if own:
            conn.close()


def get(port, path, **kw):
    return request(port, "GET", path, **kw)


def get_json(port, path, **kw):
    r = get(port, path, **kw)
    assert r.status == 200, r
    return r.json()


def assert_serves_fast(port, timeout=5.0):
    """The server still answers GET /fast on a new connection."""
    r = get(port, "/fast", timeout=timeout)
    assert r.status == 200, r
    assert r.body == b'{"message":"Fast response"}'


# ---- raw socket helpers --------------------------------------------------------------------


def build_request(method, target, headers=None, body=b"", version="HTTP/1.1", host=True):
    """Serialises a request; adds Host (HTTP/1.1) and Content-Length (when a body is given)
    unless `headers` already names them. Header values are sent verbatim."""
    lines = [f"{method} {target} {version}".encode()]
    names = {k.lower() for k, _ in (headers or [])}
    if host and version == "HTTP/1.1" and "host" not in names:
        lines.append(b"Host: 127.0.0.1")
    for k, v in headers or []:
        lines.append(k.encode() + b": " + (v if isinstance(v, bytes) else str(v).encode()))
    if body and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(b"Content-Length: " + str(len(body)).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class ConnectionClosed(AssertionError):
    pass


class RawResponse:
    def __init__(self, version, status, reason, headers, body):
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value), as sent
        self.body = body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)

    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def __repr__(self):
        return f"<{self.version} {self.status} {self.headers} {self.body[:200]!r}>"


class RawConn:
    """A client socket with a byte-exact HTTP/1.x response reader. Every read is bounded."""

    def __init__(self, port, timeout=10.0, host=HOST, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((host, port))
        self.timeout = timeout
        self.buf = b""
        self.eof = False
        self.reset = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def abort(self):
        """Closes with an RST (SO_LINGER 0) so the server cannot flush anything to us."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self, deadline):
        """Reads more bytes into the buffer. False at EOF (or reset); TimeoutError at deadline."""
        if self.eof:
            return False
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no data from the server in time")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no data from the server in time") from None
        except ConnectionResetError:
            self.reset = True
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _closed_error(self, what):
        how = "reset (RST)" if self.reset else "closed"
        return ConnectionClosed(f"connection {how} by the server while waiting for {what}; got {self.buf[:300]!r}")

    def _take_until(self, marker, deadline, what):
        while True:
            i = self.buf.find(marker)
            if i >= 0:
                out, self.buf = self.buf[:i], self.buf[i + len(marker):]
                return out
            if not self._fill(deadline):
                raise self._closed_error(what)

    def _take(self, n, deadline, what):
        while len(self.buf) < n:
            if not self._fill(deadline):
                raise self._closed_error(what)
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_response(self, head=False, timeout=None):
        """Reads one response (a 1xx is returned on its own). `head`: the request was HEAD."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        raw_head = self._take_until(b"\r\n\r\n", deadline, "a response head")
        lines = raw_head.split(b"\r\n")
        parts = lines[0].decode("latin-1").split(" ", 2)
        assert len(parts) >= 2 and parts[0].startswith("HTTP/"), f"bad status line {lines[0]!r}"
        version, status, reason = parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            name, sep, value = line.decode("latin-1").partition(":")
            assert sep and name == name.strip() and name, f"bad response header line {line!r}"
            headers.append((name, value.strip()))
        resp = RawResponse(version, status, reason, headers, b"")
        te = (resp.header("Transfer-Encoding") or "").lower()
        cl = resp.header("Content-Length")
        if head or 100 <= status < 200 or status in (204, 304):
            return resp
        if "chunked" in te:
            body = b""
            while True:
                size_line = self._take_until(b"\r\n", deadline, "a chunk size")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self._take_until(b"\r\n", deadline, "the trailer section"):
                        pass
                    break
                body += self._take(size, deadline, "chunk data")
                assert self._take(2, deadline, "chunk CRLF") == b"\r\n"
            resp.body = body
        elif cl is not None:
            resp.body = self._take(int(cl), deadline, "the response body")
        else:
            while self._fill(deadline):
                pass
            resp.body, self.buf = self.buf, b""
        return resp

    def read_until_closed(self, timeout=3.0):
        """Reads until the server closes the connection; returns the unread bytes. Raises
        TimeoutError when the connection is still open after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while self._fill(deadline):
            pass
        out, self.buf = self.buf, b""
        return out

    def assert_closed(self, timeout=3.0):
        """The server closes the connection within `timeout` s without sending anything else."""
        try:
            extra = self.read_until_closed(timeout)
        except TimeoutError:
            raise AssertionError(f"server did not close the connection within {timeout} s") from None
        assert extra == b"", f"unexpected bytes after the response: {extra[:300]!r}"


def parse_all_responses(data):
    """Splits a byte stream into responses (used when reading everything until close)."""

    class _Buf(RawConn):
        def __init__(self, data):
            self.buf = data
            self.eof = True
            self.reset = False
            self.timeout = 1.0

    reader = _Buf(data)
    out = []
    while reader.buf:
        out.append(reader.read_response())
    return out


def error_detail(resp):
    """Asserts FastAPI's error shape {"detail": "..."} with a JSON content type."""
    assert resp.content_type() == "application/json", resp
    doc = json.loads(resp.body)
    assert isinstance(doc, dict) and isinstance(doc.get("detail"), str) and doc["detail"], resp
    return doc["detail"]
