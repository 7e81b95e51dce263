"""Request smuggling and malformed requests: a table of raw byte vectors, each sent on a fresh
connection to `limits_server` (test_app --max-body-size 1024 --timeout-header 1).

Every vector is followed on the same connection by a valid `GET /fast`, so the table checks the
smuggling property directly: what follows a request the server refused is never parsed.

- REJECT: exactly one response, with the expected status, `Connection: close` and a JSON
  {"detail": str}; then the server closes (FIN, not RST: it lingers) within 3 s and the trailing
  GET is never answered. `before` lists statuses of valid requests earlier in the same bytes.
- ACCEPT: the vector is answered (status, optional body check), then the trailing
  GET /fast (sent with `Connection: close`) is answered too: the body was framed exactly.
- ACCEPT_CLOSE (HTTP/1.0 without keep-alive): answered, `Connection: close`, closed, and the
  trailing GET is not answered.

The accepted vectors are controls: the table cannot pass by rejecting everything.
Vectors brisk gets wrong today are kept, marked xfail(strict=True) with what it does now.
docs/security.md carries the same table: `python3 tests/http/test_smuggling.py` prints it.
"""

import json
import re
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

if __name__ == "__main__":  # run as a script (prints the table): find tests/lib as pytest.ini does
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lib"))

from httpclient import RawConn, assert_serves_fast, build_request, error_detail, parse_all_responses  # noqa: E402

FAST = b"GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
FAST_CLOSE = b"GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
FAST_BODY = b'{"message":"Fast response"}'

RESPONSE_TIMEOUT = 2.0  # the first response; good and bad requests are answered in milliseconds
CLOSE_TIMEOUT = 3.0  # after an error the server must close within this

REJECT, ACCEPT, ACCEPT_CLOSE = "reject", "accept", "accept_close"

POST = b"POST /echo HTTP/1.1\r\nHost: x\r\n"
POST10 = b"POST /echo HTTP/1.0\r\nHost: x\r\n"
TE = b"Transfer-Encoding: chunked\r\n"
HELLO_CHUNKED = b"5\r\nhello\r\n0\r\n\r\n"


def get(headers=b"", target=b"/fast", version=b"HTTP/1.1"):
    return build_request(b"GET", target, headers, version=version)


def chunked(head_extra=b"", body=HELLO_CHUNKED):
    return POST + TE + head_extra + b"\r\n" + body


def json_of(key, value):
    return lambda body: json.loads(body) == {key: value}


@dataclass
class Vector:
    id: str
    group: str
    data: bytes
    outcome: str  # REJECT, ACCEPT or ACCEPT_CLOSE
    status: int
    note: str = ""
    body: object = None  # ACCEPT*: bytes, or a predicate on the body
    before: tuple = ()  # REJECT: statuses of valid requests answered before the bad one
    xfail: str = ""  # why brisk is wrong today (the test is then xfail(strict=True))
    now: str = ""  # xfail: what brisk does today


def reject(id, group, data, status=400, note="", **kw):
    return Vector(id, group, data, REJECT, status, note, **kw)


def accept(id, group, data, status=200, note="", **kw):
    return Vector(id, group, data, ACCEPT, status, note, **kw)


def accept_close(id, group, data, status=200, note="", **kw):
    return Vector(id, group, data, ACCEPT_CLOSE, status, note, **kw)


BIG_HEADERS = b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"a" * 1000) for i in range(20))

VECTORS = [
    # ---- controls: valid requests that must be served ------------------------------------
    accept("plain_get", "control", get(b"Host: x\r\n"), body=FAST_BODY),
    accept("get_content_length_0", "control", get(b"Host: x\r\nContent-Length: 0\r\n"), body=FAST_BODY),
    accept("empty_value_then_header", "control", get(b"Host: x\r\nX-Empty:\r\nX-Next: y\r\n"), body=FAST_BODY,
           note="an empty value is not a fold"),
    accept(
        "get_with_body", "control", get(b"Host: x\r\nContent-Length: 5\r\n") + b"hello", body=FAST_BODY,
        note="a GET body is read and dropped; the next request starts after it",
    ),
    accept("post_content_length", "control", POST + b"Content-Length: 5\r\n\r\nhello", body=b"hello"),
    accept("post_chunked", "control", chunked(), body=b"hello"),
    accept(
        "post_chunked_trailers", "control",
        chunked(body=b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\nX-U: 2\r\n\r\n"), body=b"hello world",
    ),
    accept(
        "content_length_in_trailer_ignored", "control",
        chunked(body=b"5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n"), body=b"hello",
        note="framing fields in the trailer section have no effect",
    ),
    accept("chunk_ext_token", "chunk", chunked(body=b"5;a=b\r\nhello\r\n0\r\n\r\n"), body=b"hello"),
    accept("chunk_ext_quoted", "chunk", chunked(body=b'5;a="b c"\r\nhello\r\n0\r\n\r\n'), body=b"hello"),
    accept("chunk_ext_name_only", "chunk", chunked(body=b"5;foo\r\nhello\r\n0\r\n\r\n"), body=b"hello"),
    accept("chunk_ext_on_last_chunk", "chunk", chunked(body=b"5\r\nhello\r\n0;a=b\r\n\r\n"), body=b"hello"),
    accept("chunk_size_leading_zeros", "chunk", chunked(body=b"0005\r\nhello\r\n0\r\n\r\n"), body=b"hello"),
    accept("te_chunked_mixed_case", "control", POST + b"Transfer-Encoding: ChUnKeD\r\n\r\n" + HELLO_CHUNKED, body=b"hello"),
    accept("te_leading_spaces", "control", POST + b"Transfer-Encoding:    chunked\r\n\r\n" + HELLO_CHUNKED, body=b"hello"),
    accept(
        "te_empty_list_element", "control", POST + b"Transfer-Encoding: ,chunked\r\n\r\n" + HELLO_CHUNKED,
        body=b"hello", note="empty list elements are allowed (RFC 9110 5.6.1)",
    ),
    accept("content_length_leading_zeros", "control", POST + b"Content-Length: 005\r\n\r\nhello", body=b"hello"),
    accept(
        "content_length_trailing_space", "control", POST + b"Content-Length: 5 \r\n\r\nhello", body=b"hello",
        note="trailing OWS is not part of the value (RFC 9110 5.5): this is 5",
    ),
    accept(
        "header_value_tabs", "control", get(b"Host: x\r\nUser-Agent:\ta\tb\r\n", b"/headers"),
        body=json_of("user_agent", "a\tb"),
    ),
    accept(
        "header_value_obs_text", "control",
        get(b"Host: x\r\nUser-Agent: \x80\xff caf\xc3\xa9\r\n", b"/headers"),
        body=json_of("user_agent", "\ufffd\ufffd caf\u00e9"),
        note="0x80-0xFF allowed; the JSON writer shows invalid UTF-8 as U+FFFD",
    ),
    accept(
        "header_value_15000_bytes", "control", get(b"Host: x\r\nUser-Agent: " + b"a" * 15000 + b"\r\n", b"/headers"),
        body=json_of("user_agent", "a" * 15000), note="under the 16 KiB header limit",
    ),
    accept(
        "exactly_100_headers", "limits",
        get(b"".join(b"X-P%d: a\r\n" % i for i in range(99)) + b"Host: x\r\n"), body=FAST_BODY,
    ),
    accept(
        "upgrade_header_ignored", "control", get(b"Host: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"),
        body=FAST_BODY, note="no WebSocket/h2c: answered as plain HTTP/1.1",
    ),
    accept(
        "request_line_double_space", "request line", b"GET  /fast HTTP/1.1\r\nHost: x\r\n\r\n", body=FAST_BODY,
        note="tolerated: RFC 9112 3 lets a recipient split on whitespace runs",
    ),
    accept("known_method_propfind", "method", get(b"Host: x\r\n").replace(b"GET", b"PROPFIND", 1), 405),
    accept("known_method_trace", "method", get(b"Host: x\r\n").replace(b"GET", b"TRACE", 1), 405),
    accept_close("http10_get_no_host", "control", get(version=b"HTTP/1.0"), body=FAST_BODY,
                 note="HTTP/1.0 needs no Host"),
    reject("te_in_http10", "CL+TE", POST10 + TE + b"\r\n" + HELLO_CHUNKED,
           note="HTTP/1.0 has no chunked framing: refused, as nginx does (RFC 9112 6.1 at least closes)"),
    # ---- Content-Length and Transfer-Encoding together ---------------------------------------
    reject("cl_then_te", "CL+TE", POST + b"Content-Length: 5\r\n" + TE + b"\r\n" + HELLO_CHUNKED),
    reject("te_then_cl", "CL+TE", POST + TE + b"Content-Length: 5\r\n\r\n" + HELLO_CHUNKED),
    reject(
        "cl_te_smuggle", "CL+TE", POST + b"Content-Length: 35\r\n" + TE + b"\r\n0\r\n\r\n" + FAST,
        note="CL.TE: a TE-reading server would answer the embedded GET",
    ),
    reject(
        "te_cl_smuggle", "CL+TE", POST + b"Content-Length: 4\r\n" + TE + b"\r\n1e\r\n" + FAST + b"\r\n0\r\n\r\n",
        note="TE.CL: a CL-reading server would answer the embedded GET",
    ),
    reject("te_padded_with_cl", "CL+TE", POST + b"Transfer-Encoding:  chunked \r\nContent-Length: 5\r\n\r\n" + HELLO_CHUNKED),
    reject("te_content_length_0", "CL+TE", POST + TE + b"Content-Length: 0\r\n\r\n" + HELLO_CHUNKED),
    reject("te_xchunked_with_cl", "CL+TE", POST + b"Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\nhello"),
    reject("te_chunked_identity_with_cl", "CL+TE", POST + b"Transfer-Encoding: chunked, identity\r\nContent-Length: 5\r\n\r\nhello"),
    reject("te_in_http10_with_cl", "CL+TE", POST10 + TE + b"Content-Length: 5\r\n\r\n" + HELLO_CHUNKED),
    reject(
        "te_in_http10_keep_alive", "CL+TE", POST10 + b"Connection: keep-alive\r\n" + TE + b"\r\n" + HELLO_CHUNKED,
    ),
    reject(
        "te_empty_with_cl", "CL+TE", POST + b"Transfer-Encoding: \r\nContent-Length: 5\r\n\r\nhello",
    ),
    # ---- Transfer-Encoding alone --------------------------------------------------------------
    reject("te_xchunked", "TE", POST + b"Transfer-Encoding: xchunked\r\n\r\nhello"),
    reject("te_chunked_identity", "TE", POST + b"Transfer-Encoding: chunked, identity\r\n\r\n" + HELLO_CHUNKED,
           note="chunked must be the final coding"),
    reject("te_chunked_twice_in_list", "TE", POST + b"Transfer-Encoding: chunked, chunked\r\n\r\n" + HELLO_CHUNKED),
    reject("te_chunked_two_lines", "TE", POST + TE + TE + b"\r\n" + HELLO_CHUNKED),
    reject("te_gzip_only", "TE", POST + b"Transfer-Encoding: gzip\r\n\r\nhello"),
    reject("te_quoted", "TE", POST + b'Transfer-Encoding: "chunked"\r\n\r\n' + HELLO_CHUNKED),
    reject("te_vertical_tab", "TE", POST + b"Transfer-Encoding:\x0bchunked\r\n\r\n" + HELLO_CHUNKED),
    reject("te_space_before_colon", "TE", POST + b"Transfer-Encoding : chunked\r\n\r\n" + HELLO_CHUNKED),
    reject("te_trailing_comma", "TE", POST + b"Transfer-Encoding: chunked,\r\n\r\n" + HELLO_CHUNKED,
           note="conservative: RFC 9110 list syntax would allow it"),
    reject("te_trailing_tab", "TE", POST + b"Transfer-Encoding: chunked\t\r\n\r\n" + HELLO_CHUNKED,
           note="conservative: trailing OWS is legal (a trailing space is accepted)"),
    reject(
        "te_empty", "TE", POST + b"Transfer-Encoding: \r\n\r\nhello",
    ),
    reject(
        "te_gzip_chunked", "TE", POST + b"Transfer-Encoding: gzip, chunked\r\n\r\n" + HELLO_CHUNKED, 501,
    ),
    reject(
        "te_identity_chunked", "TE", POST + b"Transfer-Encoding: identity, chunked\r\n\r\n" + HELLO_CHUNKED, 501,
    ),
    # ---- Content-Length -------------------------------------------------------------------------
    reject("cl_duplicate_same", "CL", POST + b"Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
    reject("cl_duplicate_different", "CL", POST + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
    reject("cl_then_empty_cl", "CL", POST + b"Content-Length: 5\r\nContent-Length: \r\n\r\nhello"),
    reject("cl_plus_sign", "CL", POST + b"Content-Length: +5\r\n\r\nhello"),
    reject("cl_negative", "CL", POST + b"Content-Length: -5\r\n\r\nhello"),
    reject("cl_inner_space", "CL", POST + b"Content-Length: 5 5\r\n\r\nhello"),
    reject("cl_list", "CL", POST + b"Content-Length: 5, 5\r\n\r\nhello"),
    reject("cl_list_no_space", "CL", POST + b"Content-Length: 5,5\r\n\r\nhello"),
    reject("cl_hex", "CL", POST + b"Content-Length: 0x5\r\n\r\nhello"),
    reject("cl_empty", "CL", POST + b"Content-Length: \r\n\r\nhello"),
    reject("cl_huge", "CL", POST + b"Content-Length: 99999999999999999999\r\n\r\nhello", note="overflow"),
    reject("cl_2_pow_64", "CL", POST + b"Content-Length: 18446744073709551616\r\n\r\nhello", note="overflow"),
    reject("cl_2_pow_64_minus_1", "CL", POST + b"Content-Length: 18446744073709551615\r\n\r\nhello", 413,
           note="fits in 64 bits: over --max-body-size"),
    # ---- chunk framing --------------------------------------------------------------------------
    reject("chunk_size_not_hex", "chunk", chunked(body=b"zz\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_negative", "chunk", chunked(body=b"-5\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_0x_prefix", "chunk", chunked(body=b"0x5\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_overflow", "chunk", chunked(body=b"ffffffffffffffffff\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_trailing_space", "chunk", chunked(body=b"5 \r\nhello\r\n0\r\n\r\n")),
    reject("chunk_size_bare_lf", "chunk", chunked(body=b"5\nhello\n0\n\n")),
    reject("chunk_data_no_crlf", "chunk", chunked(body=b"5\r\nhelloXX0\r\n\r\n")),
    reject("chunk_data_longer_than_size", "chunk", chunked(body=b"3\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_data_bare_lf", "chunk", chunked(body=b"5\r\nhello\n0\r\n\r\n")),
    reject("chunk_data_bare_cr", "chunk", chunked(body=b"5\r\nhello\r0\r\n\r\n")),
    reject("last_chunk_without_final_crlf", "chunk", chunked(body=b"5\r\nhello\r\n0\r\n"),
           note="the trailing GET is read as a trailer line and refused"),
    reject("trailer_bad_name", "chunk", chunked(body=b"5\r\nhello\r\n0\r\nX T: 1\r\n\r\n")),
    reject("chunk_ext_nul", "chunk", chunked(body=b"5;a\x00b\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_space_in_name", "chunk", chunked(body=b"5;a b\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_at_sign", "chunk", chunked(body=b"5;a@b\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_control_in_value", "chunk", chunked(body=b"5;a=\x01\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_bare_lf", "chunk", chunked(body=b"5;a\nb\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_bare_cr", "chunk", chunked(body=b"5;a\rb\r\nhello\r\n0\r\n\r\n")),
    reject("chunk_ext_bws", "chunk", chunked(body=b"5 ;a=b\r\nhello\r\n0\r\n\r\n"),
           note="conservative: RFC 9112 7.1.1 allows BWS around `;`"),
    reject(
        "chunk_size_over_limit", "chunk", chunked(body=b"401\r\nhello"), 413,
    ),
    reject(
        "chunk_size_2_pow_64_minus_1", "chunk", chunked(body=b"ffffffffffffffff\r\nhello\r\n0\r\n\r\n"), 413,
    ),
    # ---- header syntax --------------------------------------------------------------------------
    reject("space_before_colon", "header", get(b"Host: x\r\nX-A : b\r\n")),
    reject("tab_before_colon", "header", get(b"Host: x\r\nX-A\t: b\r\n")),
    reject("space_in_name", "header", get(b"Host: x\r\nX A: b\r\n")),
    reject("non_token_in_name", "header", get(b"Host: x\r\nX-A@: b\r\n")),
    reject("obs_text_in_name", "header", get(b"Host: x\r\nX-\xe9: b\r\n")),
    reject("nul_in_name", "header", get(b"Host: x\r\nX\x00A: b\r\n")),
    reject("no_colon", "header", get(b"Host: x\r\nXA\r\n")),
    reject("whitespace_before_first_header", "header", get(b" Host: x\r\n")),
    reject("nul_in_value", "header", get(b"Host: x\r\nX-A: a\x00b\r\n")),
    reject("control_in_value", "header", get(b"Host: x\r\nX-A: a\x01b\r\n")),
    reject("del_in_value", "header", get(b"Host: x\r\nX-A: a\x7fb\r\n")),
    reject("bare_cr_in_value", "header", get(b"Host: x\r\nX-A: a\rb\r\n")),
    reject("bare_lf_in_value", "header", get(b"Host: x\r\nX-A: a\nX-B: c\r\n")),
    reject("bare_lf_header_lines", "header", b"GET /fast HTTP/1.1\r\nHost: x\nX-A: b\n\n"),
    reject("bare_lf_everywhere", "header", b"GET /fast HTTP/1.1\nHost: x\n\n"),
    reject("bare_cr_ends_header_section", "header", b"GET /fast HTTP/1.1\r\nHost: x\r\r\n"),
    accept(
        "trailing_whitespace_not_in_value", "header", get(b"Host: x\r\nUser-Agent: ua \t\r\n", b"/headers"),
        body=json_of("user_agent", "ua"),
    ),
    reject(
        "empty_header_name", "header", get(b"Host: x\r\n: v\r\n"),
    ),
    reject(
        "obs_fold_space", "header", get(b"Host: x\r\nX-A: a\r\n b\r\n"),
    ),
    reject(
        "obs_fold_tab", "header", get(b"Host: x\r\nX-A: a\r\n\tb\r\n"),
    ),
    reject(
        "obs_fold_transfer_encoding", "header", POST + b"Transfer-Encoding:\r\n chunked\r\n\r\n" + HELLO_CHUNKED,
    ),
    reject(
        "obs_fold_content_length", "header", POST + b"Content-Length:\r\n 5\r\n\r\nhello",
    ),
    # ---- request line ---------------------------------------------------------------------------
    reject("garbage", "request line", b"GARBAGE\r\n\r\n"),
    reject("method_with_space", "method", b"G ET /fast HTTP/1.1\r\nHost: x\r\n\r\n"),
    reject("method_lowercase", "method", b"get /fast HTTP/1.1\r\nHost: x\r\n\r\n"),
    reject("method_unknown_token", "method", b"FOO /fast HTTP/1.1\r\nHost: x\r\n\r\n",
           note="llhttp knows no such method: 400 rather than RFC 9110's suggested 501"),
    reject("h2_preface", "request line", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    reject("version_1_2", "version", get(b"Host: x\r\n", version=b"HTTP/1.2"),
           note="conservative: RFC 9110 2.5 suggests serving it as 1.1"),
    reject("version_0_9", "version", b"GET /fast\r\n\r\n", 505, note="no version: HTTP/0.9"),
    reject("version_2_0", "version", get(b"Host: x\r\n", version=b"HTTP/2.0"), 505),
    reject("version_3_0", "version", get(b"Host: x\r\n", version=b"HTTP/3.0")),
    reject("version_lowercase", "version", get(b"Host: x\r\n", version=b"http/1.1")),
    reject("version_two_digit_minor", "version", get(b"Host: x\r\n", version=b"HTTP/1.10")),
    reject("version_no_minor", "version", get(b"Host: x\r\n", version=b"HTTP/2")),
    reject("request_line_trailing_space", "request line", b"GET /fast HTTP/1.1 \r\nHost: x\r\n\r\n"),
    reject("request_line_tab", "request line", b"GET\t/fast HTTP/1.1\r\nHost: x\r\n\r\n"),
    reject("request_line_bare_cr", "request line", b"GET /fast HTTP/1.1\rHost: x\r\n\r\n"),
    reject(
        "request_line_bare_lf", "request line", b"GET /fast HTTP/1.1\nHost: x\r\n\r\n",
    ),
    reject("space_in_target", "target", get(b"Host: x\r\n", b"/fa st")),
    reject("control_in_target", "target", get(b"Host: x\r\n", b"/fa\x01st")),
    reject("nul_in_target", "target", get(b"Host: x\r\n", b"/fa\x00st")),
    reject("del_in_target", "target", get(b"Host: x\r\n", b"/fa\x7fst")),
    reject("obs_text_in_target", "target", get(b"Host: x\r\n", b"/fa\xffst")),
    reject("encoded_nul_in_path", "target", get(b"Host: x\r\n", b"/fa%00st")),
    reject("absolute_form", "target", get(b"Host: x\r\n", b"http://x/fast"),
           note="deliberate: RFC 9112 3.2.2 says servers MUST accept it"),
    reject("connect", "target", b"CONNECT x:443 HTTP/1.1\r\nHost: x:443\r\n\r\n"),
    reject(
        "fragment_in_target", "target", get(b"Host: x\r\n", b"/fast#frag"),
    ),
    reject(
        "asterisk_form_get", "target", get(b"Host: x\r\n", b"*"),
    ),
    # ---- Host -----------------------------------------------------------------------------------
    reject("host_missing", "host", get()),
    reject("host_twice", "host", get(b"Host: x\r\nHost: y\r\n")),
    reject("host_twice_same", "host", get(b"Host: x\r\nHost: x\r\n")),
    reject("host_list", "host", get(b"Host: x, y\r\n")),
    reject("host_with_slash", "host", get(b"Host: x/y\r\n")),
    # ---- pipelining -----------------------------------------------------------------------------
    reject("valid_then_garbage", "pipeline", FAST + b"GARBAGE\r\n\r\n", before=(200,),
           note="the valid request is answered; nothing after the bad one"),
    reject("valid_then_cl_te", "pipeline", FAST + POST + b"Content-Length: 5\r\n" + TE + b"\r\n" + HELLO_CHUNKED,
           before=(200,)),
    # ---- limits (limits_server: --max-body-size 1024) -------------------------------------------
    reject("url_9_kib", "limits", get(b"Host: x\r\n", b"/" + b"a" * 9216), 414),
    reject("headers_20_kib", "limits", get(b"Host: x\r\n" + BIG_HEADERS), 431),
    reject("header_value_17_kib", "limits", get(b"Host: x\r\nX-A: " + b"a" * 17000 + b"\r\n"), 431),
    reject("headers_101", "limits", get(b"Host: x\r\n" + b"".join(b"X-P%d: a\r\n" % i for i in range(100))), 431),
    reject("body_content_length_over_limit", "limits", POST + b"Content-Length: 2048\r\n\r\n" + b"a" * 2048, 413),
    reject("body_chunked_over_limit", "limits",
           chunked(body=b"400\r\n" + b"a" * 1024 + b"\r\n400\r\n" + b"a" * 1024 + b"\r\n0\r\n\r\n"), 413),
]

_ids = [v.id for v in VECTORS]
assert len(_ids) == len(set(_ids)), "duplicate vector ids"


def _param(v):
    marks = [pytest.mark.xfail(strict=True, reason=v.xfail)] if v.xfail else []
    return pytest.param(v, id=v.id, marks=marks)


def _check_body(v, body):
    if v.body is None:
        return
    if callable(v.body):
        assert v.body(body), f"{v.id}: unexpected body {body[:200]!r}"
    else:
        assert body == v.body, f"{v.id}: unexpected body {body[:200]!r}"


def _read_until_closed(c, what):
    try:
        data = c.read_until_closed(timeout=CLOSE_TIMEOUT)
    except TimeoutError:
        pytest.fail(f"server did not close the connection within {CLOSE_TIMEOUT} s {what}")
    assert not c.reset, f"connection reset instead of closed {what} (no lingering close?)"
    return data


def check_reject(c, v):
    for status in v.before:
        r = c.read_response(timeout=RESPONSE_TIMEOUT)
        assert r.status == status, r
    r = c.read_response(timeout=RESPONSE_TIMEOUT)
    assert r.status == v.status, r
    error_detail(r)
    assert (r.header("Connection") or "").lower() == "close", r
    rest = _read_until_closed(c, f"after a {r.status}")
    assert rest == b"", f"bytes after a rejected request were answered: {rest[:300]!r}"


def _dribble(c, data):
    """Sends one byte per send() (TCP_NODELAY), pausing now and then so reads split."""
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(len(data)):
        try:
            c.sock.sendall(data[i : i + 1])
        except (BrokenPipeError, ConnectionResetError):
            return  # answered and closed: the rest would never be read anyway
        if i % 8 == 7:
            time.sleep(0.0005)


def run_vector(port, v, dribble=False):
    with RawConn(port, timeout=RESPONSE_TIMEOUT) as c:
        data = v.data + (FAST_CLOSE if v.outcome == ACCEPT else FAST)
        if dribble:
            _dribble(c, data)
        else:
            c.send(data)
        if v.outcome == REJECT:
            check_reject(c, v)
            return
        first = c.read_response(timeout=RESPONSE_TIMEOUT)
        assert first.status == v.status, first
        _check_body(v, first.body)
        responses = [first] + parse_all_responses(_read_until_closed(c, "after the last response"))
        if v.outcome == ACCEPT:
            assert [r.status for r in responses] == [v.status, 200], responses
            assert responses[1].body == FAST_BODY, responses
        else:
            assert (first.header("Connection") or "").lower() == "close", first
            assert len(responses) == 1, f"answered bytes after an HTTP/1.0 request: {responses}"


@pytest.mark.parametrize("v", [_param(v) for v in VECTORS])
def test_vector(limits_server, v):
    run_vector(limits_server.port, v)
    assert_serves_fast(limits_server.port)


# Smuggling vectors again, one byte per send(): the outcome must not depend on how the bytes are
# split across reads.
DRIBBLED = ["cl_te_smuggle", "te_cl_smuggle", "te_xchunked_with_cl", "cl_duplicate_different",
            "chunk_size_overflow", "chunk_data_no_crlf", "bare_cr_in_value", "post_chunked_trailers",
            "valid_then_cl_te"]


@pytest.mark.parametrize("v", [_param(v) for v in VECTORS if v.id in DRIBBLED])
def test_vector_one_byte_per_send(limits_server, v):
    run_vector(limits_server.port, v, dribble=True)


def test_table_covers_required_classes():
    outcomes = {v.outcome for v in VECTORS}
    assert outcomes == {REJECT, ACCEPT, ACCEPT_CLOSE}
    statuses = {v.status for v in VECTORS if v.outcome == REJECT and not v.xfail}
    assert {400, 413, 414, 431, 505} <= statuses
    assert sum(1 for v in VECTORS if v.outcome != REJECT and not v.xfail) >= 10


def test_security_doc_lists_every_vector():
    doc = Path(__file__).resolve().parents[2] / "docs" / "security.md"
    text = doc.read_text()
    missing = [v.id for v in VECTORS if f"`{v.id}`" not in text]
    assert not missing, f"docs/security.md lacks vectors {missing}: regenerate with python3 {__file__}"


# ---- the table for docs/security.md ------------------------------------------------------------


GAPS = {}  # short names of xfail root causes, as docs/security.md lists them (none open now)

ABBREVIATIONS = [(POST, "<POST>"), (POST10, "<POST10>"), (TE, "<TE>")]


def _show(data, limit=90):
    s = data.decode("latin-1")
    for full, short in ABBREVIATIONS:
        s = s.replace(full.decode("latin-1"), short)
    s = re.sub(r"([a-z])\1{7,}", lambda m: f"{m.group(1)}{{{len(m.group(0))}}}", s)
    s = s.encode("unicode_escape").decode("ascii").replace("|", "\\|").replace("`", "'")
    return s if len(s) <= limit else s[: limit - 3] + "..."


def markdown_table():
    rows = ["| vector | group | bytes sent (then `GET /fast`) | outcome | note |", "|---|---|---|---|---|"]
    for v in VECTORS:
        if v.outcome == REJECT:
            want = f"{v.status} + close"
            if v.before:
                want = " + ".join(map(str, v.before)) + " then " + want
        elif v.outcome == ACCEPT:
            want = f"{v.status}, next request served"
        else:
            want = f"{v.status} + close (HTTP/1.0)"
        outcome = f"**xfail** ({GAPS[v.xfail]}): should be {want}; now {v.now}" if v.xfail else want
        rows.append(f"| `{v.id}` | {v.group} | `{_show(v.data)}` | {outcome} | {v.note} |")
    return "\n".join(rows)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
