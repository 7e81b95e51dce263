"""The items API's cases (tests/compat/items_cases.py) as requests, and their answers as the
records tests/http/data/items_expected.json holds.

One implementation for both sides: scripts/record_items_expectations.py sends the cases to the
FastAPI reference and writes what it answered; tests/http/test_items_api.py sends them to
build/items_api and compares. Requests are built as the reference's diff.py builds them (Host:
testserver, Content-Length for a body and for POST/PUT/PATCH, a JSON body from "json" with
Content-Type: application/json unless the case sets one), so the recorded answers are the ones
diff.py compares. Standard library only: the project's tests run on Debian's python3.
"""

import gzip
import hashlib
import http.client
import json
import runpy
import sys
import time
from pathlib import Path

# Answers echo bodies nested ~950 levels deep; json.loads and json.dumps recurse per level, and
# under pytest the default limit of 1000 frames is too little for them.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10000))

REPO = Path(__file__).resolve().parents[2]
CASES_FILE = REPO / "tests" / "compat" / "items_cases.py"
EXPECTED_FILE = REPO / "tests" / "http" / "data" / "items_expected.json"

# The headers an answer is judged by (diff.py's list); comma lists among them compare as sets.
COMPARED_HEADERS = ("content-type", "allow", "www-authenticate", "x-error", "x-total-count",
                    "location", "content-encoding", "vary")
SET_HEADERS = {"allow", "vary", "access-control-allow-methods", "access-control-allow-headers",
               "access-control-expose-headers"}
# Bodies longer than this are recorded by their SHA-256 (a 10 MB echo stays out of git).
INLINE_BODY_MAX = 4096
INLINE_NESTING_MAX = 32
TIMEOUT_S = 20


def load_cases(path=CASES_FILE):
    return runpy.run_path(str(path))["CASES"]


def build_request(case):
    """(method, target, [(name, value)], body bytes or None), as diff.py builds them."""
    method = case.get("method", "GET")
    headers = case.get("headers") or []
    headers = list(headers.items()) if isinstance(headers, dict) else [tuple(h) for h in headers]
    names = {k.lower() for k, _ in headers}
    body = None
    if "json" in case:
        body = json.dumps(case["json"]).encode()
        if "content-type" not in names:
            headers.append(("Content-Type", "application/json"))
    elif case.get("body") is not None:
        body = case["body"].encode() if isinstance(case["body"], str) else case["body"]
    if "content-length" not in names and (body is not None or method.upper() in ("POST", "PUT", "PATCH")):
        headers.append(("Content-Length", str(len(body or b""))))
    if "host" not in names:
        headers.insert(0, ("Host", "testserver"))
    return method, case["path"], headers, body


class Client:
    """One keep-alive connection, plus a fresh one for cases with conn="new"."""

    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port, self.conn = host, port, None

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None

    def send(self, case):
        """The answer to `case` as (status, [(name, value)], raw body bytes)."""
        method, target, headers, body = build_request(case)
        fresh = case.get("conn", "keep") == "new"
        for attempt in (1, 2):
            if fresh or self.conn is None:
                conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
            else:
                conn = self.conn
            if not fresh:
                self.conn = conn
            try:
                conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
                for k, v in headers:
                    conn.putheader(k, v)
                conn.endheaders(body)
                resp = conn.getresponse()
                raw = resp.read()
                if fresh or resp.will_close:
                    conn.close()
                    if not fresh:
                        self.conn = None
                return resp.status, resp.getheaders(), raw
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                conn.close()
                if not fresh:
                    self.conn = None
                if attempt == 2 or fresh:
                    raise
        raise AssertionError("unreachable")


def header(headers, name):
    vals = [v for k, v in headers if k.lower() == name]
    return ", ".join(vals) if vals else None


def norm_header(name, value):
    if name == "content-type":
        return ";".join(p.strip() for p in value.strip().lower().split(";"))
    if name in SET_HEADERS:
        toks = {t.strip() for t in value.split(",") if t.strip()}
        keep_case = name in ("allow", "access-control-allow-methods")
        return sorted(t if keep_case else t.lower() for t in toks)
    return value.strip()


def is_json_type(ct):
    ct = (ct or "").split(";")[0].strip().lower()
    return ct == "application/json" or ct.endswith("+json")


def canonical_json(value):
    """A text equal for two parsed JSON values exactly when they are the same JSON: object key
    order aside, 1 and 1.0, 0.0 and -0.0, true and 1 stay apart (json.dumps writes them so)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def parse_json(body):
    """(value,) for a JSON body, None for one that is not JSON (an empty 204, a 307)."""
    try:
        return (json.loads(body.decode("utf-8")),)
    except (ValueError, UnicodeDecodeError):
        return None


def nesting(value):
    """How deeply containers nest in a parsed JSON value (a scalar: 0)."""
    depth, level = 0, [(value, 0)]
    while level:
        v, d = level.pop()
        if isinstance(v, (list, dict)):
            depth = max(depth, d + 1)
            level.extend((x, d + 1) for x in (v.values() if isinstance(v, dict) else v))
    return depth


def digest(data):
    return hashlib.sha256(data).hexdigest()


def record(case, status, headers, raw):
    """What an answer is judged by: status, the compared headers, the body (gzip-decoded) as
    parsed JSON or text, and the body's exact bytes (inline or as a digest when long)."""
    rec = {"id": case["id"], "status": status, "headers": {}}
    names = {k.lower() for k, _ in headers}
    wanted = list(COMPARED_HEADERS) + sorted(n for n in names if n.startswith("access-control-"))
    for name in wanted:
        value = header(headers, name)
        if value is not None:
            rec["headers"][name] = norm_header(name, value)
    body = raw
    if (header(headers, "content-encoding") or "").strip().lower() == "gzip" and raw:
        body = gzip.decompress(raw)
    parsed = parse_json(body) if is_json_type(header(headers, "content-type")) else None
    if parsed is not None:
        rec["json_canonical_sha256"] = digest(canonical_json(parsed[0]).encode())
        if len(body) <= INLINE_BODY_MAX and nesting(parsed[0]) <= INLINE_NESTING_MAX:
            rec["json"] = parsed[0]
    elif len(body) <= INLINE_BODY_MAX:
        rec["text"] = body.decode("utf-8", "replace")
    rec["body_len"] = len(body)
    rec["body_sha256"] = digest(body)
    if case.get("compare"):
        rec["compare"] = case["compare"]
    return rec


def differences(expected, got, exact_bytes=True):
    """How the record `got` differs from `expected` (both from record()), as readable lines."""
    aspects = expected.get("compare") or ("status", "body", "content-type", "headers")
    out = []
    if "status" in aspects and expected["status"] != got["status"]:
        out.append(f"status {got['status']}, expected {expected['status']}")
    for name in sorted(set(expected["headers"]) | set(got["headers"])):
        if name == "content-type" and "content-type" not in aspects:
            continue
        if name != "content-type" and "headers" not in aspects:
            continue
        a, b = expected["headers"].get(name), got["headers"].get(name)
        if a != b:
            out.append(f"header {name}: {b!r}, expected {a!r}")
    if "body" in aspects:
        if "json_canonical_sha256" in expected:
            if expected["json_canonical_sha256"] != got.get("json_canonical_sha256"):
                shown = got.get("json", got.get("text", f"<{got['body_len']} bytes>"))
                out.append(f"JSON body {json.dumps(shown)[:300]}, expected "
                           f"{json.dumps(expected.get('json', '<long>'))[:300]}")
            elif exact_bytes and expected["body_sha256"] != got["body_sha256"]:
                out.append("JSON body equal as JSON but not byte for byte")
        elif expected["body_sha256"] != got["body_sha256"]:
            out.append(f"body {got.get('text', '<long>')[:200]!r}, expected "
                       f"{expected.get('text', '<long>')[:200]!r}")
    return out


def run_cases(port, cases, host="127.0.0.1"):
    """Sends every case in order (their delays honoured) and returns {id: record}."""
    client = Client(port, host)
    out = {}
    try:
        for case in cases:
            if case.get("delay"):
                time.sleep(case["delay"])
            out[case["id"]] = record(case, *client.send(case))
    finally:
        client.close()
    return out
