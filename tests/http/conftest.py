"""Fixtures for brisk's black-box HTTP tests.

The servers under test are the binaries CMake builds (seed_app, test_app) in $BRISK_BUILD_DIR
(default: <repo>/build). Each is started on a free port, with stdout/stderr captured to files,
and is considered up once it printed `brisk running on http://HOST:PORT (N worker[s])` on stderr.

The helpers (servers, clients, /proc readers) live in tests/lib/httpclient.py, which pytest.ini
puts on sys.path: test modules import them with `from httpclient import ...`, and take only the
build settings (BUILD_DIR, SANITIZE, binary) from here.
"""

import os
from pathlib import Path

import httpclient
import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_DIR = Path(os.environ.get("BRISK_BUILD_DIR") or (REPO / "build"))
SANITIZE = os.environ.get("BRISK_SANITIZE") == "1"

httpclient.raise_nofile_limit()


def binary(name):
    path = BUILD_DIR / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"{path} is not built: build with CMake (or set BRISK_BUILD_DIR)", pytrace=False)
    return path


class Server(httpclient.Server):
    """httpclient.Server for a binary of the build, failing the test (not raising) when it does
    not come up."""

    def __init__(self, name, args=(), **kw):
        super().__init__(binary(name), args, **kw)

    def fail(self, message):
        pytest.fail(message, pytrace=False)


@pytest.fixture
def spawn(tmp_path):
    """Factory for fresh servers: spawn("test_app", "--stack-size", 65536) -> Server (started).
    Every server it started is stopped (SIGTERM, SIGKILL after 10 s) at teardown."""
    servers = []

    def _spawn(name, *args, wait=True, expect_crash=False, **kw):
        server = Server(name, args, workdir=tmp_path, **kw)
        server.expect_crash = expect_crash  # its sanitizer report is the point of the test
        servers.append(server)
        return server.start(wait=wait)

    yield _spawn
    reports = []
    for server in servers:
        server.stop()
        report = None if getattr(server, "expect_crash", False) else sanitizer_report(server)
        if report:
            reports.append(f"{server.name}: {report}")
    if reports:
        pytest.fail("sanitizer reports at exit:\n" + "\n".join(reports), pytrace=False)


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def sanitizer_report(server):
    """The first lines of an ASan/LSan/UBSan report in the server's stderr, or None."""
    err = server.stderr()
    for mark in SANITIZER_MARKS:
        at = err.find(mark)
        if at >= 0:
            return err[at:at + 2000]
    return None


def _session_server(tmp_path_factory, name, *args):
    server = Server(name, args, workdir=tmp_path_factory.mktemp(name))
    try:
        server.start()
        yield server
    finally:
        server.stop()
    report = sanitizer_report(server)
    if report:
        pytest.fail(f"{name}: sanitizer report at exit:\n{report}", pytrace=False)


@pytest.fixture(scope="session")
def pg():
    """A PostgreSQL server of the test session (tests/lib/pgserver.py), stopped at the end."""
    import pgserver

    server = pgserver.start_server()
    yield server
    server.destroy()


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
