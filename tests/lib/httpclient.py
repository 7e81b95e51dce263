"""The client side of brisk's tests, in one place: servers, HTTP/1 clients, /proc readers.

Used by the black-box suite (tests/http, which puts this folder on sys.path through pytest.ini)
and by scripts/soak.py and scripts/memcheck.py (which add it relative to their own file). Only the
standard library: the scripts run without pytest.

- `Server`: one server process on its own port, stdout/stderr captured to files, up once it printed
  `brisk running on http://HOST:PORT (N worker[s])` on stderr.
- `build_request`: serialises a request. `RawConn`: a client socket with a byte-exact HTTP/1.x
  response reader; `read_response_async` reads the same way from an asyncio stream.
- `request`/`get`/`get_json`: one request through http.client, timed.
- `fd_count`, `rss_kib`, `cpu_seconds`, `thread_cpu_seconds`, `settle_fds`: what /proc says about
  a process (Linux only).
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

HOST = "127.0.0.1"
FAST_BODY = b'{"message":"Fast response"}'

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


def free_port(host=HOST):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
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


# ---- what /proc says about a process -------------------------------------------------------


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def vm_kib(pid, field="VmRSS"):
    """A memory figure of /proc/PID/status (VmRSS, VmSize, ...) in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/PID/status")


def rss_kib(pid):
    return vm_kib(pid, "VmRSS")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid, tid=None):
    """/proc/PID/stat (or a thread's) from the state field on: [0] state, [11] utime, [12] stime."""
    path = f"/proc/{pid}/stat" if tid is None else f"/proc/{pid}/task/{tid}/stat"
    with open(path) as f:
        return f.read().rsplit(")", 1)[1].split()  # the command name may contain spaces


def cpu_seconds(pid, tid=None):
    """User + system CPU time of a process, or of one of its threads (`tid`), in seconds."""
    fields = _stat_fields(pid, tid)
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def thread_states(pid):
    """{thread id: state letter} (R running, S sleeping, T stopped, ...) for every thread."""
    return {int(tid): _stat_fields(pid, tid)[0] for tid in os.listdir(f"/proc/{pid}/task")}


def thread_cpu_seconds(pid):
    """{thread id: CPU seconds} for every thread of the process (the main thread's id is pid)."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            out[int(tid)] = cpu_seconds(pid, tid)
        except OSError:  # the thread ended meanwhile
            pass
    return out


def settle_fds(pid, want=None, limit=2.0, stable=0.5):
    """Polls the fd count for up to `limit` s until it equals `want`, or (want None) until it has
    not changed for `stable` s; returns the last count."""
    deadline = time.monotonic() + limit
    last, stable_since = fd_count(pid), time.monotonic()
    while time.monotonic() < deadline:
        n = fd_count(pid)
        if want is not None and n == want:
            return n
        if n != last:
            last, stable_since = n, time.monotonic()
        elif want is None and time.monotonic() - stable_since >= stable:
            return n
        time.sleep(0.05)
    return fd_count(pid)


# ---- servers -------------------------------------------------------------------------------


class ServerError(AssertionError):
    pass


class Server:
    """One server process on its own port, stdout/stderr captured to files in `workdir`.

    `prefix` goes before the binary (e.g. a valgrind command line); `new_session` puts the server
    in its own session so a terminal's Ctrl-C reaches only the caller. Subclasses may override
    `fail` (the pytest fixtures turn it into pytest.fail)."""

    def __init__(self, path, args=(), workdir=None, port=None, host_args=True, prefix=(), new_session=False,
                 env=None):
        self.name = Path(path).name
        self.env = {**os.environ, **env} if env else None  # extra environment (DATABASE_URL)
        self.port = port if port is not None else free_port()
        self.argv = [*map(str, prefix), str(path)]
        if host_args:
            self.argv += ["--host", HOST, "--port", str(self.port)]
        self.argv += [str(a) for a in args]
        self.new_session = new_session
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        stem = f"{self.name}-{self.port}-{time.monotonic_ns()}"
        self.stdout_path = workdir / f"{stem}.stdout"
        self.stderr_path = workdir / f"{stem}.stderr"
        self.proc = None
        self.startup_match = None

    def fail(self, message):
        raise ServerError(message)

    def start(self, wait=True, timeout=STARTUP_TIMEOUT):
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                         start_new_session=self.new_session, env=self.env)
        if wait:
            self.wait_started(timeout)
        return self

    def wait_started(self, timeout=STARTUP_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = STARTUP_RE.search(self.stderr())
            if m:
                self.startup_match = m
                return m
            if self.proc.poll() is not None:
                self.fail(
                    f"{self.name} exited with {self.proc.returncode} before its startup line;\n"
                    f"argv: {self.argv}\nstderr:\n{self.stderr()}\nstdout:\n{self.stdout()}"
                )
            time.sleep(0.02)
        self.kill()
        self.fail(f"{self.name} printed no startup line within {timeout} s;\nstderr:\n{self.stderr()}")

    @property
    def pid(self):
        return self.proc.pid

    @property
    def returncode(self):
        return self.proc.returncode if self.proc is not None else None

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
        return fd_count(self.pid)

    def rss_kib(self):
        return rss_kib(self.pid)

    def stable_fd_count(self, stable=0.3, limit=3.0):
        """The fd count once it has not changed for `stable` s (waiting at most `limit` s)."""
        return settle_fds(self.pid, None, limit, stable)


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


def wait_for_status(port, path, status, timeout):
    """GETs `path` (a new connection each time) until the answer has `status`; returns that
    Result, or None when `timeout` s pass first."""
    return wait_for(lambda: (lambda r: r if r.status == status else None)(get(port, path)), timeout)


def connect_refused(port, host=HOST):
    """True when a connection to the port is refused (nothing listens there)."""
    try:
        socket.create_connection((host, port), timeout=0.5).close()
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    return False


def assert_serves_fast(port, timeout=5.0):
    """The server still answers GET /fast on a new connection."""
    r = get(port, "/fast", timeout=timeout)
    assert r.status == 200, r
    assert r.body == FAST_BODY


def error_detail(resp):
    """Asserts FastAPI's error shape {"detail": "..."} with a JSON content type."""
    assert resp.content_type() == "application/json", resp
    doc = json.loads(resp.body)
    assert isinstance(doc, dict) and isinstance(doc.get("detail"), str) and doc["detail"], resp
    return doc["detail"]


# ---- raw HTTP/1 ----------------------------------------------------------------------------


def _bytes(value):
    return value if isinstance(value, bytes) else str(value).encode()


def build_request(method, target, headers=(), body=None, version="HTTP/1.1", host=True, close=False):
    """Serialises a request. `headers` is a list of (name, value) pairs, sent verbatim; to them it
    adds Host (HTTP/1.1; `host` may name the value), Content-Length (when a body is given, even an
    empty one) and `Connection: close` (`close`) unless `headers` already names them.
    `headers` may instead be bytes: the header lines exactly as sent (each with its CRLF), with
    nothing added."""
    out = b" ".join(map(_bytes, (method, target, version))) + b"\r\n"
    if isinstance(headers, bytes):
        return out + headers + b"\r\n" + (body or b"")
    names = {k.lower() for k, _ in headers}
    lines = []
    if host and _bytes(version) == b"HTTP/1.1" and "host" not in names:
        lines.append(("Host", HOST if host is True else host))
    lines += headers
    if body is not None and "content-length" not in names and "transfer-encoding" not in names:
        lines.append(("Content-Length", len(body)))
    if close and "connection" not in names:
        lines.append(("Connection", "close"))
    return out + b"".join(_bytes(k) + b": " + _bytes(v) + b"\r\n" for k, v in lines) + b"\r\n" + (body or b"")


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


def _parse_head(raw_head):
    lines = raw_head.split(b"\r\n")
    parts = lines[0].decode("latin-1").split(" ", 2)
    assert len(parts) >= 2 and parts[0].startswith("HTTP/"), f"bad status line {lines[0]!r}"
    version, status, reason = parts[0], int(parts[1]), parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        name, sep, value = line.decode("latin-1").partition(":")
        assert sep and name == name.strip() and name, f"bad response header line {line!r}"
        headers.append((name, value.strip()))
    return RawResponse(version, status, reason, headers, b"")


# What the response reader asks its I/O for: the bytes up to a marker (the marker is consumed, not
# returned), exactly n bytes, or everything until the server closes.
UNTIL, EXACTLY, TO_EOF = "until", "exactly", "to_eof"


def _response_steps(head):
    """Reads one response without doing I/O: a generator that yields (UNTIL, marker, what),
    (EXACTLY, n, what) or (TO_EOF, None, what), is sent those bytes, and returns the RawResponse.
    A 1xx is returned on its own. `head`: the request was HEAD (no body follows)."""
    resp = _parse_head((yield UNTIL, b"\r\n\r\n", "a response head"))
    if head or 100 <= resp.status < 200 or resp.status in (204, 304):
        return resp
    te = (resp.header("Transfer-Encoding") or "").lower()
    cl = resp.header("Content-Length")
    if "chunked" in te:
        chunks = []
        while True:
            size = int((yield UNTIL, b"\r\n", "a chunk size").split(b";")[0].strip(), 16)
            if size == 0:
                while (yield UNTIL, b"\r\n", "the trailer section"):
                    pass
                break
            chunks.append((yield EXACTLY, size, "chunk data"))
            crlf = yield EXACTLY, 2, "chunk CRLF"
            assert crlf == b"\r\n", f"chunk data not followed by CRLF: {crlf!r}"
        resp.body = b"".join(chunks)
    elif cl is not None:
        resp.body = yield EXACTLY, int(cl), "the response body"
    else:
        resp.body = yield TO_EOF, None, "the end of the body"
    return resp


async def read_response_async(reader, head=False):
    """Reads one response from an asyncio StreamReader, as RawConn.read_response does. Callers
    bound it with asyncio.wait_for."""
    steps, data = _response_steps(head), None
    try:
        while True:
            op, arg, _ = steps.send(data)
            if op == UNTIL:
                data = (await reader.readuntil(arg))[: -len(arg)]
            elif op == EXACTLY:
                data = await reader.readexactly(arg)
            else:
                data = await reader.read()
    except StopIteration as done:
        return done.value


class RawConn:
    """A client socket with a byte-exact HTTP/1.x response reader. Every read is bounded."""

    def __init__(self, port, timeout=10.0, host=HOST, rcvbuf=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect((host, port))
        except OSError:
            self.sock.close()
            raise
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

    def _take(self, op, arg, what, deadline):
        """One read the response reader asks for (UNTIL, EXACTLY or TO_EOF), from the buffer and
        then the socket."""
        while True:
            if op == UNTIL and arg in self.buf:
                out, _, self.buf = self.buf.partition(arg)
                return out
            if op == EXACTLY and len(self.buf) >= arg:
                out, self.buf = self.buf[:arg], self.buf[arg:]
                return out
            if not self._fill(deadline):
                if op != TO_EOF:
                    raise self._closed_error(what)
                out, self.buf = self.buf, b""
                return out

    def read_response(self, head=False, timeout=None):
        """Reads one response (a 1xx is returned on its own). `head`: the request was HEAD."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        steps, data = _response_steps(head), None
        try:
            while True:
                data = self._take(*steps.send(data), deadline)
        except StopIteration as done:
            return done.value

    def read_until_closed(self, timeout=3.0):
        """Reads until the server closes the connection; returns the unread bytes. Raises
        TimeoutError when the connection is still open after `timeout` seconds."""
        return self._take(TO_EOF, None, "the close", time.monotonic() + timeout)

    def assert_closed(self, timeout=3.0):
        """The server closes the connection within `timeout` s without sending anything else."""
        try:
            extra = self.read_until_closed(timeout)
        except TimeoutError:
            raise AssertionError(f"server did not close the connection within {timeout} s") from None
        assert extra == b"", f"unexpected bytes after the response: {extra[:300]!r}"


def fast_latency(port, timeout=5.0):
    """Seconds one GET /fast takes on a fresh connection, connect to last byte. Raises
    AssertionError when the answer is not 200 with the /fast body (OSError when it fails)."""
    start = time.perf_counter()
    with RawConn(port, timeout=timeout) as c:
        c.send(build_request("GET", "/fast", close=True))
        r = c.read_response()
    elapsed = time.perf_counter() - start
    assert r.status == 200 and r.body == FAST_BODY, r
    return elapsed


def probe_fast(port, seconds, interval=0.01):
    """fast_latency again and again for `seconds`, `interval` s apart: {"lat": [s], "errors": [str]}."""
    lat, errors = [], []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            lat.append(fast_latency(port))
        except (AssertionError, OSError) as e:
            errors.append(repr(e))
        time.sleep(interval)
    return {"lat": lat, "errors": errors}


def latency_limit(idle_latencies, factor=10, floor=0.25):
    """How long a /fast may take under a test's load: `factor` times the worst /fast the same test
    measured on the idle server, and at least `floor` s. The floor absorbs a shared machine's
    scheduling noise, the factor a slow build (sanitizers); a /fast that waits behind a blocked
    or sleeping request (seconds) fails either way."""
    return max(floor, factor * max(idle_latencies))


def raw_request(port, method, target, headers=(), host=True, version="HTTP/1.1", timeout=10.0):
    """One request (build_request's arguments) on a fresh connection; returns its RawResponse
    (without a body for HEAD)."""
    with RawConn(port, timeout=timeout) as c:
        c.send(build_request(method, target, headers, host=host, version=version, close=True))
        return c.read_response(head=method == "HEAD", timeout=timeout)


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
