#!/usr/bin/env python3
"""Records what the FastAPI reference answers to tests/compat/items_cases.py into
tests/http/data/items_expected.json, which tests/http/test_items_api.py compares brisk with.

    python3 scripts/record_items_expectations.py [--reference ../shared/reference] [--runs 2]

A developer tool: it needs the reference (../shared/reference: run.sh, items_api.py and its
vendored FastAPI), which the tests themselves never do. It starts a fresh reference for each run
(`run.sh items_api:app`, the same as diff.py starts), sends the cases in order through
tests/lib/items_compat.py (the code the test sends them with), and writes the records only when
every run gave the same answers, so an unsteady case cannot be recorded.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import http.client
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "lib"))
import items_compat  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_reference(ref_dir, port, log):
    return subprocess.Popen([str(ref_dir / "run.sh"), "items_api:app", "--host", "127.0.0.1", "--port", str(port),
                             "--no-access-log"], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)


def wait_ready(proc, port, timeout=40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the reference exited with status {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/", headers={"Host": "testserver"})
            c.getresponse().read()
            c.close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"the reference did not answer on port {port} within {timeout:.0f} s")


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=8)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def one_run(ref_dir, cases):
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = start_reference(ref_dir, port, log)
        try:
            wait_ready(proc, port)
            return items_compat.run_cases(port, cases)
        finally:
            stop(proc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reference", default=str(REPO / ".." / "shared" / "reference"),
                    help="the reference folder (run.sh, items_api.py)")
    ap.add_argument("--runs", type=int, default=2, help="fresh reference runs that must agree (default 2)")
    ap.add_argument("--out", default=str(items_compat.EXPECTED_FILE))
    args = ap.parse_args()
    ref_dir = Path(args.reference).resolve()
    if not (ref_dir / "run.sh").is_file() or not (ref_dir / "items_api.py").is_file():
        print(f"no reference at {ref_dir} (run.sh and items_api.py): pass --reference DIR", file=sys.stderr)
        return 2
    cases = items_compat.load_cases()
    runs = [one_run(ref_dir, cases) for _ in range(max(1, args.runs))]
    unsteady = [c["id"] for c in cases if any(r[c["id"]] != runs[0][c["id"]] for r in runs[1:])]
    if unsteady:
        print("the reference answered these differently from one run to the next; not recorded:\n  "
              + "\n  ".join(unsteady), file=sys.stderr)
        return 1
    doc = {
        "about": "What the FastAPI reference (FastAPI 0.141.1, Starlette 0.47.3, pydantic 2) answered to "
                 "tests/compat/items_cases.py, in order, from a fresh start. Written by "
                 "scripts/record_items_expectations.py; read by tests/http/test_items_api.py.",
        "cases": [runs[0][c["id"]] for c in cases],
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # One case a line: a re-recording shows in `git diff` as the cases whose answers changed.
    lines = [json.dumps(c, ensure_ascii=False, sort_keys=True) for c in doc["cases"]]
    out.write_text('{"about": ' + json.dumps(doc["about"]) + ',\n"cases": [\n' + ",\n".join(lines) + "\n]}\n")
    print(f"{len(cases)} cases recorded into {os.path.relpath(out)} ({args.runs} agreeing runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
