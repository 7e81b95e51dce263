#!/usr/bin/env python3
"""`make techempower`: a throwaway PostgreSQL with TechEmpower's tables (examples/techempower.sql),
and examples/techempower serving on 127.0.0.1:8080 against it until Ctrl-C; both are stopped
and the database deleted afterwards. Arguments after the build directory go to the server."""

import os
import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import pgserver  # noqa: E402


def on_term(signum, frame):
    raise KeyboardInterrupt  # SIGTERM stops it like Ctrl-C: the database is still deleted


def main():
    signal.signal(signal.SIGTERM, on_term)
    build = Path(sys.argv[1] if len(sys.argv) > 1 else REPO / "build")
    args = sys.argv[2:] or ["--host", "127.0.0.1", "--port", "8080", "--no-access-log"]
    pg = pgserver.PgServer(database="hello_world").init().start().create_database()
    try:
        pg.psql(open(REPO / "examples" / "techempower.sql").read())
        print(f"PostgreSQL on 127.0.0.1:{pg.port} with World (10,000 rows) and Fortune (12 rows)", flush=True)
        env = {**os.environ, "DATABASE_URL": pg.url}
        server = subprocess.Popen([str(build / "techempower"), *args], env=env)
        try:
            return server.wait()
        except KeyboardInterrupt:
            server.send_signal(signal.SIGINT)
            return server.wait()
    finally:
        pg.destroy()


if __name__ == "__main__":
    sys.exit(main())
