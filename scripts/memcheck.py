#!/usr/bin/env python3
"""valgrind memcheck of a brisk app under a short scripted load.

Starts the app under `valgrind --leak-check=full`, sends a mix of requests a real server meets
(plain, keep-alive, pipelined, awaiting, POST bodies, chunked, malformed, clients that leave
mid-request) and every kind of waiting (the thread pool, gathers, deadlines, shields, outbound
fetches of the app's own routes, PostgreSQL queries and transactions on a throwaway server when
one is installed), stops it with SIGTERM and reports valgrind's verdict. Exit 0 only when valgrind saw
no error and no leak and the app exited 0. Loopback only; every loop is bounded.

Then runs examples/items_api (beside the app) through every case of tests/compat/items_cases.py,
the typed operations' whole path: parameters, bodies, 422s, dependencies with cleanups,
background tasks, middleware, OpenAPI. Its answers' statuses must be those recorded from FastAPI.

  scripts/memcheck.py build/test_app
"""
import json
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "lib"))
from dbclient import db_path  # noqa: E402
from httpclient import RawConn, Server, build_request  # noqa: E402
import items_compat  # noqa: E402

EXPECTED = Path(__file__).resolve().parents[1] / "tests" / "http" / "data" / "items_expected.json"

TIMEOUT = 10.0  # seconds for any one answer (valgrind makes the app ~20x slower)


def req(method, path, body=None, headers=(), close=True):
    return build_request(method, path, list(headers), body, close=close)


def load(port, with_db):
    """Returns a list of problems seen by the client (wrong answers)."""
    problems = []

    def expect(data, status, n=1):
        """Sends `data` on a fresh connection; its `n` answers must all have `status`."""
        try:
            with RawConn(port, timeout=TIMEOUT) as c:
                c.send(data)
                got = [c.read_response().status for _ in range(n)]
        except (AssertionError, OSError) as e:  # closed early, timed out, unparsable
            got = [repr(e)]
        if got != [status] * n:
            problems.append(f"expected {n} x {status} for {data[:50]!r}, got {got[:5]}")

    def leave(data):
        """Sends `data` and leaves before the answer."""
        with RawConn(port, timeout=TIMEOUT) as c:
            c.send(data)
            time.sleep(0.2)

    for _ in range(20):
        expect(req("GET", "/fast"), 200)
        expect(req("GET", "/items/a%20b"), 200)
        expect(req("GET", "/query?q=x+y"), 200)
        expect(req("POST", "/echo", b"x" * 5000), 200)
        expect(req("GET", "/nowhere"), 404)
        expect(req("POST", "/fast"), 405)
    expect(b"".join(req("GET", "/fast", close=False) for _ in range(30)) + req("GET", "/fast"), 200, n=31)
    expect(req("GET", "/sleep?ms=50"), 200)
    chunked = (b"POST /echo HTTP/1.1\r\nHost: m\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               b"5\r\nhello\r\n0\r\n\r\n")
    expect(chunked, 200)
    expect(b"GARBAGE\r\n\r\n", 400)
    expect(req("GET", "/" + "a" * 9000), 414)
    expect(req("GET", "/fast", headers=[("X-Pad", "p" * 20000)]), 431)
    for _ in range(10):  # clients that leave while their handler awaits: cancellation path
        leave(req("GET", "/sleep?ms=2000"))
    leave(b"GET /fast HTTP/1.1\r\nHost: m\r\n")  # leaves mid-headers
    # every kind of waiting, answered and abandoned
    me = f"http://127.0.0.1:{port}"
    for path, status in (("/blocking?ms=10", 200), ("/offload?ms=10", 200), ("/gather?n=20&ms=10", 200),
                         ("/gather?n=5&ms=5000&fail=0&fast=1", 200), ("/deadline?ms=3000", 504),
                         ("/deadline-blocking?ms=300", 504), ("/shield?ms=10", 200),
                         (f"/fetch?url={me}/fast", 200), (f"/fetch-many?n=10&url={me}/fast", 200),
                         ("/fetch?url=http://127.0.0.1:1/", 502)):
        expect(req("GET", path), status)
    for path in ("/blocking?ms=500", "/gather?n=10&ms=5000", "/shield?ms=300", f"/fetch?url={me}/sleep%3Fms%3D3000"):
        leave(req("GET", path))
    if with_db:
        expect(req("GET", db_path("query", "CREATE TABLE IF NOT EXISTS m (k int PRIMARY KEY, v text)")), 200)
        for i in range(10):
            expect(req("GET", db_path("query", "INSERT INTO m VALUES ($1, $2)", i, "v")), 200)
            expect(req("GET", db_path("query", "SELECT k, v FROM m WHERE k = $1", i)), 200)
        expect(req("GET", db_path("query", "INSERT INTO m VALUES ($1, $2)", 1, "dup")), 400)
        expect(req("GET", db_path("tx", "UPDATE m SET v = 'w' WHERE k = 1", end="commit")), 200)
        expect(req("GET", db_path("tx", "UPDATE m SET v = 'w' WHERE k = 2", end="none")), 200)
        slow = ("SELECT pg_sleep(2)" if with_db == "postgresql" else
                "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) "
                "SELECT count(*) FROM c")
        leave(req("GET", db_path("query", slow)))
        leave(req("GET", db_path("tx", slow, end="commit")))
    time.sleep(1.0)
    return problems


def items_load(port, _with_db):
    """Every compat case (but the 10 MB bodies, minutes under valgrind); statuses as FastAPI's."""
    expected = {r["id"]: r for r in json.loads(EXPECTED.read_text())["cases"]}
    cases = [c for c in items_compat.load_cases() if len(str(c.get("json", c.get("body", "")))) < 1 << 20]
    problems = []
    # Trailing blanks in a header value: brisk strips them (as uvicorn's h11 does), the reference's
    # httptools keeps them (docs/fastapi-comparison.md, "Known differences").
    known = {"create-token-spaces"}
    for case_id, got in items_compat.run_cases(port, cases).items():
        if got["status"] != expected[case_id]["status"] and case_id not in known:
            problems.append(f"{case_id}: {got['status']}, FastAPI {expected[case_id]['status']}")
    time.sleep(1.0)
    return problems


def memcheck(app, workdir, name, env, with_db, load=load):
    """One valgrind run of `app` under the load; True when clean."""
    log = Path(workdir) / f"valgrind-{name}.log"
    valgrind = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect,possible",
                "--errors-for-leak-kinds=definite,indirect,possible", "--error-exitcode=99",
                f"--log-file={log}"]
    server = Server(app, ["--no-access-log"], workdir=workdir, prefix=valgrind, env=env)
    print(f"[memcheck:{name}] " + " ".join(server.argv), flush=True)
    try:
        server.start(timeout=60)
        print(f"[memcheck:{name}] app up; sending the scripted load", flush=True)
        problems = load(server.port, with_db)
        code = server.stop(signal.SIGTERM, timeout=120)
        report = log.read_text()
    finally:
        server.kill()
    summary = re.search(r"ERROR SUMMARY: (\d+) errors", report)
    errors = int(summary.group(1)) if summary else -1
    print(report[-1500:])
    print(f"[memcheck:{name}] exit code {code}, valgrind errors {errors}, client problems {len(problems)}")
    for p in problems:
        print("  " + p)
    return code == 0 and errors == 0 and not problems


def main():
    app = sys.argv[1] if len(sys.argv) > 1 else "build/test_app"
    workdir = tempfile.mkdtemp(prefix="memcheck-")
    runs = {}
    pg = None
    try:
        import pgserver

        pg = pgserver.start_server() if pgserver.bindir() else None
    except Exception as e:  # noqa: BLE001 - memcheck the rest without PostgreSQL
        print(f"[memcheck] no PostgreSQL ({e}): its paths not checked", flush=True)
    try:
        if pg:
            runs["postgresql"] = memcheck(app, workdir, "postgresql", {"DATABASE_URL": pg.url}, "postgresql")
    finally:
        if pg:
            pg.destroy()
    sqlite_url = f"sqlite:///{workdir}/memcheck.db"  # three slashes and an absolute path: four
    runs["sqlite"] = memcheck(app, workdir, "sqlite", {"DATABASE_URL": sqlite_url}, "sqlite")
    items = str(Path(app).parent / "items_api")
    runs["items_api"] = memcheck(items, workdir, "items_api", {}, None, load=items_load)
    ok = all(runs.values())
    print(f"memcheck: {sum(runs.values())} passed, {len(runs) - sum(runs.values())} failed ({', '.join(runs)})")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
