"""The SQLite backend end to end: test_app's /db/* routes on a real database file in the test's
temporary directory (DATABASE_URL=sqlite:////tmp/.../test.db: four slashes for an absolute path).
Queries run on the database threads, never on the loop: /fast stays fast beside a slow one."""

import threading
import time

import pytest
from dbclient import db_path, query, rows
from httpclient import RawConn, build_request, fast_latency, get, latency_limit

SLOW = 3_000_000  # rows a recursive count walks: most of a second on this machine
SLOW_CTE = f"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {SLOW}) "
SLOW_READ = SLOW_CTE + "SELECT count(*) FROM c"
SLOW_WRITE = "INSERT INTO t (v) " + SLOW_CTE + "SELECT 'x' FROM c WHERE x < 0"


@pytest.fixture
def db(spawn, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/test.db")
    server = spawn("test_app")
    r = query(server.port, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE, n INTEGER, f REAL)")
    assert r.status == 200, r
    return server


def test_typed_results_nulls_and_column_names(db):
    r = query(db.port, "INSERT INTO t (v, n, f) VALUES ($1, $2, $3) RETURNING id", "a", 7, 0.5)
    assert r.status == 200, r
    assert r.json()["rows"] == [[1]] and r.json()["affected"] == 1
    doc = query(db.port, "SELECT id, v, n, f, NULL AS nada FROM t").json()
    assert doc["columns"] == ["id", "v", "n", "f", "nada"]
    assert doc["types"] == ["int", "text", "int", "float", "null"]
    assert doc["rows"] == [[1, "a", 7, 0.5, None]]
    assert doc["affected"] == 0


def test_params_of_every_type(db):
    got = rows(db.port, "SELECT $1, $2, $3, $4, $5, $1 + 1, typeof($5)", 42, 2.5, "héllo wörld", True, None)
    assert got == [[42, 2.5, "héllo wörld", 1, None, 43, "null"]]
    assert rows(db.port, "SELECT $2 || $1", "b", "a") == [["ab"]]


def test_writes_report_affected_rows(db):
    for v in "abc":
        assert query(db.port, "INSERT INTO t (v, n) VALUES ($1, 1)", v).json()["affected"] == 1
    assert query(db.port, "UPDATE t SET n = n + 1").json()["affected"] == 3
    assert query(db.port, "DELETE FROM t WHERE v = $1", "zzz").json()["affected"] == 0


def test_errors_have_postgresql_sqlstates(db):
    assert query(db.port, "INSERT INTO t (v) VALUES ('dup')").status == 200
    r = query(db.port, "INSERT INTO t (v) VALUES ('dup')")
    assert r.status == 400 and r.json()["sqlstate"] == "23505", r
    assert "UNIQUE" in r.json()["error"]
    r = query(db.port, "SELEC 1")
    assert r.status == 400 and r.json()["sqlstate"] == "42601", r
    r = query(db.port, "SELECT * FROM missing")
    assert r.status == 400 and r.json()["sqlstate"] == "42P01", r


def test_query_many(db):
    r = get(db.port, db_path("many", "INSERT INTO t (v) VALUES ('m')", sql2="INSERT INTO t (v) VALUES ('m')",
                             sql3="SELECT count(*) FROM t"))
    assert r.status == 200, r
    assert r.headers["X-Failed"] == "1"  # the second one: a duplicate
    assert r.json()["rows"] == [[1]]  # the others ran, each on its own


def test_transactions_commit_rollback_and_left_open(db):
    sql = "INSERT INTO t (v) VALUES ($1)"
    assert get(db.port, db_path("tx", sql, "committed", end="commit")).status == 200
    assert get(db.port, db_path("tx", sql, "rolled back", end="rollback")).status == 200
    assert get(db.port, db_path("tx", sql, "left open", end="open")).status == 200
    r = get(db.port, db_path("tx", sql, "committed", end="commit"))  # fails: rolled back
    assert r.status == 400 and r.json()["sqlstate"] == "23505", r
    assert rows(db.port, "SELECT v FROM t ORDER BY id") == [["committed"]]
    # and the writer is free again after each
    assert query(db.port, "INSERT INTO t (v) VALUES ('after')").status == 200


def _in_thread(fn, *args):
    out = {}

    def body():
        start = time.monotonic()
        out["result"] = fn(*args)
        out["elapsed"] = time.monotonic() - start

    th = threading.Thread(target=body)
    th.start()
    return th, out


def test_readers_run_while_the_writer_writes(db):
    writer, w = _in_thread(query, db.port, SLOW_WRITE)
    time.sleep(0.05)
    readers = [_in_thread(query, db.port, "SELECT count(*) FROM t") for _ in range(6)]
    for th, _ in readers:
        th.join(30)
    writer.join(30)
    assert w["result"].status == 200, w["result"]
    for _, out in readers:
        assert out["result"].status == 200, out["result"]
        assert out["elapsed"] < w["elapsed"], (out["elapsed"], w["elapsed"])


def test_slow_queries_do_not_delay_fast(db):
    idle = [fast_latency(db.port) for _ in range(5)]
    slow = [_in_thread(query, db.port, sql) for sql in (SLOW_WRITE, SLOW_READ, SLOW_READ)]
    time.sleep(0.1)
    during = []
    while any(th.is_alive() for th, _ in slow):
        during.append(fast_latency(db.port))
        time.sleep(0.02)
    for th, out in slow:
        th.join(30)
        assert out["result"].status == 200, out["result"]
    assert during, "the slow queries ended before /fast was probed"
    assert max(during) < latency_limit(idle), (idle, during)


def _leave_mid_query(port, route, sql, **extra):
    c = RawConn(port)
    c.send(build_request("GET", db_path(route, sql, **extra), close=True))
    time.sleep(0.1)
    c.abort()  # the client leaves mid-query


def _leave_mid_queries(port):
    for sql in (SLOW_READ, SLOW_WRITE, SLOW_READ):
        _leave_mid_query(port, "query", sql)
    _leave_mid_query(port, "tx", SLOW_WRITE, end="commit")  # interrupted in its transaction


def test_cancelled_requests_leak_nothing(db):
    # A first round opens what connections open on first use (each reader's -wal file).
    _leave_mid_queries(db.port)
    baseline = db.stable_fd_count(stable=0.5, limit=15.0)
    for _ in range(3):
        _leave_mid_queries(db.port)
    assert db.stable_fd_count(stable=0.5, limit=15.0) <= baseline  # no fd left behind
    assert rows(db.port, "SELECT count(*) FROM t") == [[0]]
    assert get(db.port, db_path("tx", "INSERT INTO t (v) VALUES ('ok')", end="commit")).status == 200


def test_memory_database(spawn, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://:memory:")
    server = spawn("test_app", "--workers", "1")
    assert query(server.port, "CREATE TABLE m (x)").status == 200
    assert query(server.port, "INSERT INTO m VALUES ($1)", 5).status == 200
    assert rows(server.port, "SELECT x FROM m") == [[5]]


def test_unopenable_database_stops_the_start(spawn, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////nonexistent-dir/sub/app.db")
    server = spawn("test_app", wait=False)
    assert server.wait(15) not in (None, 0)
    err = server.stderr()
    assert "/nonexistent-dir/sub/app.db" in err and "unable to open database file" in err, err
