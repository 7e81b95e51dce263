"""(a) The seed application's endpoints: exact bodies, JSON content type, and their delays."""

import shutil
import subprocess
import time

import pytest

from httpclient import HOST, get

SEED_ENDPOINTS = [
    # path, exact body, minimum seconds, maximum seconds
    ("/hello", b'{"message":"Hello!"}', 0.0, 0.5),
    ("/wait", b'{"message":"Waited 1 second"}', 0.95, 2.0),
    ("/items", b'{"message":"Done waiting"}', 0.95, 2.0),
    ("/fast", b'{"message":"Fast response"}', 0.0, 0.5),
    ("/slow", b'{"message":"Slow response after 3 seconds"}', 2.95, 4.5),
]


@pytest.mark.parametrize("path,body,min_s,max_s", SEED_ENDPOINTS, ids=[e[0] for e in SEED_ENDPOINTS])
def test_seed_endpoint_body_type_and_delay(seed_server, path, body, min_s, max_s):
    r = get(seed_server.port, path)
    assert r.status == 200, r
    assert r.body == body
    assert r.content_type() == "application/json", r.headers.get("Content-Type")
    assert r.headers.get("Content-Length") == str(len(body))
    assert min_s <= r.elapsed < max_s, f"{path} took {r.elapsed:.3f} s, expected [{min_s}, {max_s})"


def test_seed_wait_with_curl(seed_server):
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    start = time.perf_counter()
    out = subprocess.run(
        [curl, "-sS", "--max-time", "10", "-w", "\n%{http_code} %{content_type}", f"http://{HOST}:{seed_server.port}/wait"],
        capture_output=True,
        timeout=15,
    )
    elapsed = time.perf_counter() - start
    assert out.returncode == 0, out.stderr
    body, _, trailer = out.stdout.rpartition(b"\n")
    code, _, ctype = trailer.decode().partition(" ")
    assert code == "200"
    assert ctype.split(";")[0].strip() == "application/json"
    assert body == b'{"message":"Waited 1 second"}'
    assert 0.95 <= elapsed < 3.0, f"curl /wait took {elapsed:.3f} s"


def test_seed_unknown_path_is_404(seed_server):
    r = get(seed_server.port, "/does-not-exist")
    assert r.status == 404
    assert r.json() == {"detail": "Not Found"}
