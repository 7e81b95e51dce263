"""examples/techempower.c against TechEmpower's tables on the suite's PostgreSQL: each of the six
test types follows TechEmpower's rules (headers, Content-Types, the queries parameter, fortunes'
extra row, sorting and escaping, updates written before the answer)."""

import html
import re
from pathlib import Path

import pytest
from httpclient import get

SQL = Path(__file__).resolve().parents[2] / "examples" / "techempower.sql"


@pytest.fixture(scope="module")
def tfb_url(pg):
    pg.psql("DROP DATABASE IF EXISTS hello_world", database="postgres")
    pg.psql("CREATE DATABASE hello_world", database="postgres")
    pg._run("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(pg.port), "-U", pg.user,
            "-d", "hello_world", "-f", str(SQL))
    return pg.url.rsplit("/", 1)[0] + "/hello_world"


@pytest.fixture
def tfb(spawn, tfb_url):
    return spawn("techempower", env={"DATABASE_URL": tfb_url})


def world(pg, wid):
    return int(pg.psql(f"SELECT randomnumber FROM world WHERE id = {wid}", database="hello_world"))


def check_common(r, content_type):
    assert r.status == 200, r
    assert r.headers["Content-Type"] == content_type
    assert r.headers["Server"]
    assert re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT", r.headers["Date"])
    assert int(r.headers["Content-Length"]) == len(r.body)


def test_json_and_plaintext(tfb):
    r = get(tfb.port, "/json")
    check_common(r, "application/json")
    assert r.body == b'{"message":"Hello, World!"}'
    r = get(tfb.port, "/plaintext")
    check_common(r, "text/plain")
    assert r.body == b"Hello, World!"


def test_db_returns_a_real_row(tfb, pg):
    seen = set()
    for _ in range(20):
        r = get(tfb.port, "/db")
        check_common(r, "application/json")
        row = r.json()
        assert set(row) == {"id", "randomNumber"}
        assert 1 <= row["id"] <= 10000
        assert row["randomNumber"] == world(pg, row["id"])
        seen.add(row["id"])
    assert len(seen) > 10  # random ids


@pytest.mark.parametrize("param, count", [("", 1), ("?queries=", 1), ("?queries=foo", 1), ("?queries=0", 1),
                                          ("?queries=-5", 1), ("?queries=1", 1), ("?queries=20", 20),
                                          ("?queries=501", 500), ("?queries=2.5", 1)])
def test_queries_count_rule(tfb, param, count):
    r = get(tfb.port, "/queries" + param)
    check_common(r, "application/json")
    rows = r.json()
    assert isinstance(rows, list) and len(rows) == count
    assert all(set(x) == {"id", "randomNumber"} and 1 <= x["id"] <= 10000 for x in rows)


def test_queries_rows_are_real(tfb, pg):
    for row in get(tfb.port, "/queries?queries=10").json():
        assert row["randomNumber"] == world(pg, row["id"])


def test_fortunes(tfb):
    r = get(tfb.port, "/fortunes")
    check_common(r, "text/html; charset=utf-8")
    page = r.body.decode("utf-8")
    assert page.startswith("<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>")
    rows = re.findall(r"<tr><td>(\d+)</td><td>(.*?)</td></tr>", page)
    assert len(rows) == 13
    messages = [html.unescape(m) for _, m in rows]
    assert messages == sorted(messages)  # sorted by message, in code point order
    assert ("0", "Additional fortune added at request time.") in rows
    assert "&lt;script&gt;alert(&quot;This should not be displayed in a browser alert box.&quot;);&lt;/script&gt;" in page
    assert "<script>" not in page
    assert "フレームワークのベンチマーク" in page  # UTF-8 kept


def test_updates_are_written_before_the_answer(tfb, pg):
    for param, count in (("?queries=20", 20), ("?queries=x", 1), ("?queries=600", 500)):
        r = get(tfb.port, "/updates" + param)
        check_common(r, "application/json")
        rows = r.json()
        assert len(rows) == count
        last = {x["id"]: x["randomNumber"] for x in rows}  # an id drawn twice: its last value
        for wid, number in list(last.items())[:25]:
            assert world(pg, wid) == number
