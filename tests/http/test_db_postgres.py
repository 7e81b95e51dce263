"""PostgreSQL through brisk's database API, against a real server the suite starts itself
(tests/lib/pgserver.py): typed results, errors with their SQLSTATE, batches, transactions,
pipelining across concurrent requests, cancellation, and a server that dies and comes back."""

import json
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pgserver
import pytest
from httpclient import RawConn, assert_serves_fast, build_request, get, request, wait_for


def sql(port, text, *params, timeout=10.0, path="/sql"):
    r = request(port, "POST", path, body=json.dumps({"sql": text, "params": list(params)}),
                headers={"Content-Type": "application/json"}, timeout=timeout)
    return r.status, (r.json() if r.body else None)


def post(port, path, doc, timeout=10.0):
    r = request(port, "POST", path, body=json.dumps(doc), headers={"Content-Type": "application/json"},
                timeout=timeout)
    return r.status, (r.json() if r.body else None)


@pytest.fixture
def dbapp(spawn, pg):
    server = spawn("db_app", env={"DATABASE_URL": pg.url})
    return server


def test_typed_values_and_nulls(dbapp):
    status, res = sql(dbapp.port, "SELECT 42::int4 AS i, 9007199254740993::int8 AS big, 2.5::float8 AS f, "
                      "'héllo'::text AS t, true AS b, NULL::int AS n, 1.10::numeric AS num")
    assert status == 200, res
    assert res["columns"] == ["i", "big", "f", "t", "b", "n", "num"]
    assert res["types"] == ["int", "int", "float", "text", "bool", "null", "float"]
    assert res["rows"] == [[42, 9007199254740993, 2.5, "héllo", True, None, 1.1]]


def test_parameters_of_every_type(dbapp):
    status, res = sql(dbapp.port, "SELECT $1::int8 + 1, $2::float8 * 2, $3::text || '!', NOT $4::bool, $5::int IS NULL",
                      41, 1.25, "hi", False, None)
    assert status == 200, res
    assert res["rows"] == [[42, 2.5, "hi!", True, True]]


def test_errors_carry_sqlstate_and_the_server_goes_on(dbapp, pg):
    pg.psql("DROP TABLE IF EXISTS uniq; CREATE TABLE uniq (k int PRIMARY KEY)")
    port = dbapp.port
    assert sql(port, "INSERT INTO uniq VALUES ($1)", 1)[1]["affected"] == 1
    status, res = sql(port, "INSERT INTO uniq VALUES ($1)", 1)
    assert status == 400 and res["sqlstate"] == "23505", res
    assert "duplicate key" in res["error"]
    status, res = sql(port, "SELEC 1")
    assert status == 400 and res["sqlstate"] == "42601", res
    status, res = sql(port, "SELECT * FROM no_such_table")
    assert status == 400 and res["sqlstate"] == "42P01", res
    # the same broken statement again: prepared again, same error (not "prepared statement missing")
    assert sql(port, "SELEC 1")[1]["sqlstate"] == "42601"
    assert sql(port, "SELECT 1 AS one")[1]["rows"] == [[1]]


def test_batch_sent_together(dbapp):
    stmts = [{"sql": "SELECT $1::int * 10 AS v", "params": [i]} for i in range(20)]
    stmts[5] = {"sql": "SELECT 1/0"}
    status, res = post(dbapp.port, "/sql-many", {"stmts": stmts})
    assert status == 200
    assert [r.get("rows", [[None]])[0][0] for r in res] == [i * 10 if i != 5 else None for i in range(20)]
    assert res[5]["sqlstate"] == "22012"  # one Sync per statement: the others still ran


def test_transactions_commit_rollback_and_abandoned(dbapp, pg):
    pg.psql("DROP TABLE IF EXISTS acct; CREATE TABLE acct (id int PRIMARY KEY, v int)")
    port = dbapp.port
    ins = lambda i: {"sql": "INSERT INTO acct VALUES ($1, 0)", "params": [i]}  # noqa: E731
    assert post(port, "/tx", {"stmts": [ins(1), ins(2)], "end": "commit"})[0] == 200
    assert post(port, "/tx", {"stmts": [ins(3)], "end": "rollback"})[0] == 200
    assert post(port, "/tx", {"stmts": [ins(4)], "end": "none"})[0] == 200  # returns with it open
    status, res = post(port, "/tx", {"stmts": [ins(5), ins(5)], "end": "commit"})
    assert status == 409, res  # the second insert failed: COMMIT rolled back
    assert pg.psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM acct") == "1,2"
    # every pinned connection is free again: more transactions than pinned connections succeed
    for i in range(10, 20):
        assert post(port, "/tx", {"stmts": [ins(i)]})[0] == 200


def test_concurrent_requests_are_pipelined(dbapp, pg):
    port = dbapp.port
    before = int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'brisk_test'"))
    with ThreadPoolExecutor(32) as ex:
        results = list(ex.map(lambda i: sql(port, "SELECT $1::int AS v", i), range(400)))
    assert all(s == 200 and r["rows"] == [[i]] for i, (s, r) in enumerate(results))
    after = int(pg.psql("SELECT count(*) FROM pg_stat_activity WHERE datname = 'brisk_test'"))
    assert after - before <= 4  # the worker's shared connections (default 4): not one per request


def test_cancelled_query_on_a_shared_connection_is_dropped(dbapp):
    port = dbapp.port
    assert_serves_fast(port)
    fds = dbapp.stable_fd_count()
    c = RawConn(port, timeout=5)
    body = json.dumps({"sql": "SELECT pg_sleep(0.5)"}).encode()
    c.send(build_request("POST", "/sql", headers=[("Content-Type", "application/json")], body=body))
    time.sleep(0.1)
    c.abort()
    # the connection it was pipelined on stays in step: the next answers are the right ones
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda i: sql(port, "SELECT $1::int AS v", i), range(50)))
    assert all(r["rows"] == [[i]] for i, (_, r) in enumerate(results))
    assert dbapp.stable_fd_count() == fds


def test_timeout_on_a_query(dbapp):
    status, res = sql(dbapp.port, "SELECT pg_sleep(2)", path="/sql?timeout_ms=100")
    assert status == 504, res
    assert sql(dbapp.port, "SELECT 7 AS v")[1]["rows"] == [[7]]


def test_fast_stays_fast_during_slow_queries(dbapp):
    port = dbapp.port
    with ThreadPoolExecutor(4) as ex:
        slow = [ex.submit(sql, port, "SELECT pg_sleep(0.6)") for _ in range(3)]
        time.sleep(0.1)
        fast = get(port, "/fast")
        assert all(f.result()[0] == 200 for f in slow)
    assert fast.elapsed < 0.3


def test_dead_server_fails_fast_then_recovers(spawn):
    pg = pgserver.start_server()
    try:
        app = spawn("db_app", env={"DATABASE_URL": pg.url})
        port = app.port
        assert sql(port, "SELECT 1 AS v")[1]["rows"] == [[1]]
        pg.stop("immediate")
        t0 = time.monotonic()
        statuses = [sql(port, "SELECT 1 AS v")[0] for _ in range(5)]
        assert all(s == 503 for s in statuses), statuses
        assert time.monotonic() - t0 < 1.0  # no hang while it is down
        assert get(port, "/fast").status == 200
        pg.start()
        back = time.monotonic()
        ok = wait_for(lambda: sql(port, "SELECT 2 AS v")[0] == 200, 5.0, interval=0.05)
        assert ok, app.stderr()
        assert time.monotonic() - back < 1.5, "took more than a second after the server's return"
        assert "reconnecting" in app.stderr() or "retrying" in app.stderr()
    finally:
        pg.destroy()


def test_server_restarted_mid_load(spawn):
    pg = pgserver.start_server()
    try:
        app = spawn("db_app", env={"DATABASE_URL": pg.url})
        port = app.port
        stop = threading.Event()
        seen = []

        def load():
            while not stop.is_set():
                try:
                    seen.append(sql(port, "SELECT 1 AS v", timeout=5)[0])
                except Exception as e:  # noqa: BLE001 - counted below
                    seen.append(repr(e))

        threads = [threading.Thread(target=load) for _ in range(8)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        pg.stop("immediate")
        time.sleep(0.5)
        pg.start()
        time.sleep(1.5)
        stop.set()
        for t in threads:
            t.join(10)
        assert set(seen) <= {200, 503}, [s for s in seen if s not in (200, 503)][:5]
        assert seen[-8:].count(200) == 8 or sql(port, "SELECT 1 AS v")[0] == 200
        assert 503 in seen
    finally:
        pg.destroy()


def test_client_leaving_mid_transaction_cancels_it_on_the_server(dbapp, pg):
    pg.psql("DROP TABLE IF EXISTS gone; CREATE TABLE gone (k int)")
    port = dbapp.port
    c = RawConn(port, timeout=5)
    body = json.dumps({"stmts": [{"sql": "INSERT INTO gone VALUES (1)"}, {"sql": "SELECT pg_sleep(5)"}]}).encode()
    c.send(build_request("POST", "/tx", headers=[("Content-Type", "application/json")], body=body))
    sleeping = "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(5)' AND state = 'active'"
    assert wait_for(lambda: pg.psql(sleeping) == "1", 2.0)
    t0 = time.monotonic()
    c.abort()
    assert wait_for(lambda: pg.psql(sleeping) == "0", 2.0), "the statement still runs on the server"
    assert time.monotonic() - t0 < 2.0
    assert pg.psql("SELECT count(*) FROM gone") == "0"  # rolled back, not committed
    # the pinned connection came back healthy: transactions still work, on as many connections
    ins = {"sql": "INSERT INTO gone VALUES (2)"}
    for _ in range(6):
        assert post(port, "/tx", {"stmts": [ins]})[0] == 200
    assert pg.psql("SELECT count(*) FROM gone") == "6"
    idle_in_tx = "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%'"
    assert pg.psql(idle_in_tx) == "0"


def test_pinned_pool_exhaustion_waits_then_succeeds(spawn, pg):
    # 2 pinned connections, 6 concurrent transactions of 0.3 s: they take turns, none fails
    url = pg.url + "?pinned=2"
    app = spawn("db_app", env={"DATABASE_URL": url})
    stmts = {"stmts": [{"sql": "SELECT pg_sleep(0.3)"}]}
    t0 = time.monotonic()
    with ThreadPoolExecutor(6) as ex:
        statuses = [s for s, _ in ex.map(lambda _: post(app.port, "/tx", stmts), range(6))]
    elapsed = time.monotonic() - t0
    assert statuses == [200] * 6
    assert elapsed >= 0.85, f"{elapsed:.2f} s: more than 2 transactions ran at once"
    active = "SELECT count(*) FROM pg_stat_activity WHERE datname = 'brisk_test' AND backend_type = 'client backend'"
    assert int(pg.psql(active)) <= 4 + 2 + 1  # shared (default 4) + pinned + psql itself


def test_graceful_stop_lets_a_query_finish(spawn, pg):
    app = spawn("db_app", env={"DATABASE_URL": pg.url})
    with ThreadPoolExecutor(1) as ex:
        slow = ex.submit(sql, app.port, "SELECT pg_sleep(0.5), 1 AS v")
        time.sleep(0.15)
        app.send_signal(signal.SIGTERM)
        status, res = slow.result()
    assert status == 200 and res["rows"][0][1] == 1
    assert app.wait(10) == 0, app.stderr()


def test_grace_period_end_cancels_a_query(spawn, pg):
    app = spawn("db_app", "--graceful-timeout", "0.5", env={"DATABASE_URL": pg.url})
    c = RawConn(app.port, timeout=5)
    body = json.dumps({"sql": "SELECT pg_sleep(30)"}).encode()
    c.send(build_request("POST", "/sql", headers=[("Content-Type", "application/json")], body=body))
    time.sleep(0.2)
    t0 = time.monotonic()
    app.send_signal(signal.SIGTERM)
    assert app.wait(10) == 0, app.stderr()  # its loop closed cleanly: no handle, no query left
    assert time.monotonic() - t0 < 3.0
    c.close()
