"""Helpers for the database tests: test_app's /db/* routes (served when $DATABASE_URL is set).

A parameter is given as a Python value and sent typed: int -> "i:", float -> "f:", bool -> "b:",
None -> "n:", str -> "t:" (see db_params in tests/apps/test_app.c)."""

from urllib.parse import urlencode

from httpclient import get


def _typed(value):
    if value is None:
        return "n:"
    if isinstance(value, bool):
        return f"b:{int(value)}"
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, float):
        return f"f:{value!r}"
    return f"t:{value}"


def db_path(route, sql, *params, **extra):
    """The path of a /db/* request for `sql` with typed `params` and other query `extra`."""
    query = {"sql": sql, **{f"p{i + 1}": _typed(p) for i, p in enumerate(params)}, **extra}
    return f"/db/{route}?{urlencode(query)}"


def query(port, sql, *params, timeout=30.0, **extra):
    """GET /db/query: returns the Result (200 with rows, 400 with error and sqlstate)."""
    return get(port, db_path("query", sql, *params, **extra), timeout=timeout)


def rows(port, sql, *params, **kw):
    """The rows of a query that must succeed."""
    r = query(port, sql, *params, **kw)
    assert r.status == 200, r
    return r.json()["rows"]
