"""A throwaway PostgreSQL server for the tests: initdb in a temporary directory, started on a free
port on 127.0.0.1 (and a unix socket in the same directory), stopped and deleted afterwards.

Debian's `postgresql` package puts the server binaries in /usr/lib/postgresql/<major>/bin.
initdb refuses to run as root: as root, the server runs as the `postgres` user the package
creates (runuser, from util-linux)."""

import glob
import os
import shutil
import subprocess
import tempfile
import time

from httpclient import free_port

HOST = "127.0.0.1"


def bindir():
    """The newest installed server's bin directory, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return os.path.dirname(found[-1])
    path = shutil.which("initdb")
    return os.path.dirname(path) if path else None


class PgServer:
    def __init__(self, user="brisk", database="brisk_test"):
        self.bin = bindir()
        if not self.bin:
            raise RuntimeError("no PostgreSQL server installed (Debian: apt-get install postgresql)")
        self.user, self.database = user, database
        self.dir = tempfile.mkdtemp(prefix="brisk-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")

    @property
    def url(self):
        return f"postgresql://{self.user}@{HOST}:{self.port}/{self.database}"

    def _run(self, *argv, check=True, timeout=60):
        cmd = [os.path.join(self.bin, argv[0]), *argv[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=check)

    def init(self):
        self._run("initdb", "-D", self.data, "-U", self.user, "--auth=trust", "-E", "UTF8", "--no-sync", "--locale=C")
        return self

    def start(self):
        opts = (
            f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        self._run("pg_ctl", "-D", self.data, "-o", opts, "-l", os.path.join(self.dir, "log"), "-w", "-t", "60", "start")
        return self

    def create_database(self):
        self.psql(f"CREATE DATABASE {self.database}", database="postgres")
        return self

    def psql(self, sql, database=None):
        out = self._run("psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", str(self.port),
                        "-U", self.user, "-d", database or self.database, "-c", sql)
        return out.stdout.strip()

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop", check=False)

    def wait_up(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self._run("pg_isready", "-h", HOST, "-p", str(self.port), check=False)
            if r.returncode == 0:
                return True
            time.sleep(0.1)
        return False

    def destroy(self):
        self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def start_server():
    """A running server with an empty database: the caller destroys it."""
    pg = PgServer().init().start()
    pg.create_database()
    return pg
