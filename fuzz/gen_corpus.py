#!/usr/bin/env python3
"""Writes the seed corpus of each harness into fuzz/corpus/<harness>/ (run from anywhere).

Seeds are small, meaningful inputs; see each harness's header comment for its input format.
Crash inputs found by fuzzing do not belong here: reproduce them from build-fuzz/artifacts/.
"""
import hashlib
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(harness, name, data):
    d = os.path.join(ROOT, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# ---- fuzz_request: byte 0 = cut count (low 4 bits) | 0x80 abrupt; cut bytes; the stream -----
def req(stream, cuts=(), abrupt=False):
    assert len(cuts) < 16 and all(1 <= c <= 256 for c in cuts)
    return bytes([len(cuts) | (0x80 if abrupt else 0)]) + bytes(c - 1 for c in cuts) + stream


H = b"Host: fuzz\r\n"
get_item = b"GET /items/42?verbose=1 HTTP/1.1\r\n" + H + b"X-Test: first\r\nX-Empty:\r\n\r\n"
post_cl = b"POST /echo HTTP/1.1\r\n" + H + b"X-Test: hello\r\nContent-Length: 11\r\n\r\nhello world"
post_chunked = (b"POST /echo HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n"
                b"5\r\nabcde\r\na;ext=1\r\nfghijklmno\r\n0\r\nTrailer: x\r\n\r\n")
get_close = b"GET /items/a%20b%C3%A9 HTTP/1.1\r\n" + H + b"Connection: close\r\n\r\n"
sleep = b"GET /sleep HTTP/1.1\r\n" + H + b"\r\n"

write("request", "pipelined", req(get_item + post_cl + post_chunked + get_close))
write("request", "pipelined_split", req(get_item + post_cl + post_chunked + get_close,
                                        cuts=(1, 5, 17, 40, 3, 64, 2, 100, 7)))
write("request", "chunked_split", req(post_chunked, cuts=(30, 25, 4, 3, 9, 6)))
write("request", "sleep_pipelined", req(sleep + get_item + sleep + post_cl, cuts=(10, 30)))
write("request", "sleep_abrupt", req(sleep + sleep, abrupt=True))
write("request", "long_header", req(b"GET /items/x HTTP/1.1\r\n" + H + b"X-Long: " + b"v" * 3000
                                    + b"\r\n\r\n", cuts=(200, 200, 200)))
write("request", "http10", req(b"GET /sleep HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                               b"HEAD /items/1 HTTP/1.0\r\n\r\n"))
write("request", "head_and_405", req(b"HEAD /items/7 HTTP/1.1\r\n" + H + b"\r\n"
                                     b"DELETE /echo HTTP/1.1\r\n" + H + b"\r\n"
                                     b"PROPFIND /nowhere HTTP/1.1\r\n" + H + b"\r\n"))
# GET /op is a path operation: HEAD is a 405 (Allow: GET, no body), then GET and the slash redirect
write("request", "op_head", req(b"HEAD /op HTTP/1.1\r\n" + H + b"\r\n"
                                b"GET /op HTTP/1.1\r\n" + H + b"\r\n"
                                b"POST /op HTTP/1.1\r\n" + H + b"Content-Length: 2\r\n\r\nhi"
                                b"HEAD /op/ HTTP/1.1\r\n" + H + b"\r\n", cuts=(30,)))
write("request", "expect_continue", req(b"POST /echo HTTP/1.1\r\n" + H +
                                        b"Expect: 100-continue\r\nContent-Length: 4\r\n\r\nbody",
                                        cuts=(60,)))
write("request", "bad_target", req(b"GET http://example.com/ HTTP/1.1\r\n" + H + b"\r\n" + get_item))
write("request", "nul_in_path", req(b"GET /items/a%00b HTTP/1.1\r\n" + H + b"\r\n"))
write("request", "bad_version", req(b"GET / HTTP/2.0\r\n" + H + b"\r\n"))
write("request", "garbage", req(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n"))
write("request", "too_big", req(b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 99999999\r\n\r\n"))
write("request", "upgrade", req(b"GET /items/u HTTP/1.1\r\n" + H +
                                b"Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n" + sleep))
write("request", "incomplete", req(b"POST /echo HTTP/1.1\r\n" + H + b"Content-Length: 10\r\n\r\nabc"))
# The request line's end when the version ends a read (found by fuzz_request): the byte after the
# version arrives first in the next read. Both seeds send the version's read-ending cut.
write("request", "version_end_split",
      req(b"GET /items/4=1 HTTP/1.120b%C3%A9 HTTP/1.1\r\nHost: f HT\r\nConnection: close\r\n\r\n",
          cuts=(1, 5, 17, 40, 3)))
write("request", "version_bare_lf_split",
      req(b"GET /items/1 HTTP/1.1\nHost: f\r\nConnection: close\r\n\r\n", cuts=(21,)))
# A byte llhttp refuses inside a span, after a limit broke in it (here the header count, the one
# limit a seed's cuts can reach): the read cut inside the 101st name must not change the answer.
many = b"GET /items/1 HTTP/1.1\r\n" + H + b"".join(b"X-P%d: a\r\n" % i for i in range(99))
at = len(many) + 2  # inside "Bad"
write("request", "header_count_split",
      req(many + b"Bad\x01: v\r\n\r\n", cuts=(256,) * (at // 256) + (at % 256,)))

# ---- fuzz_router: 0x80|method + pattern to register; method (0-7) + path to match ---------------
def pat(method, p):
    return bytes([0x80 | method]) + p + b"\n"


def path(method, p):
    return bytes([method]) + p + b"\n"


write("router", "basic", path(0, b"/items/42") + path(0, b"/items/special") +
      path(1, b"/items/42") + path(2, b"/items") + path(6, b"/items/42") + path(7, b"/"))
write("router", "params", path(0, b"/items/1/tags/red") + path(0, b"/users/me") +
      path(0, b"/users/bob") + path(0, b"/files/a/b/c.txt") + path(5, b"/files/readme"))
write("router", "backtrack", path(0, b"/a/b/c") + path(1, b"/a/b/z") + path(0, b"/a/b/") +
      path(6, b"/a/x/y/z") + path(0, b"/a/") + path(0, b"/a//c"))
write("router", "register", pat(0, b"/v1/{a}/{b}") + pat(2, b"/v1/{x}/{y}") + pat(0, b"/v1/{c}/{d}") +
      pat(3, b"/v2/{rest:path}") + pat(0, b"/bad/{x") + pat(0, b"/bad/{x:int}") + pat(7, b"/m") +
      pat(0, b"/v1/{a}/{a}") + path(0, b"/v1/p/q") + path(2, b"/v1/p/q") + path(3, b"/v2/a/b"))
# 0x08 in a registration: a path operation (its GET does not answer HEAD)
write("router", "ops", path(1, b"/ops") + path(4, b"/ops") + path(1, b"/ops/7") + path(1, b"/ops/7/x") +
      path(1, b"/ops/7/h") + path(0, b"/ops/7/h") + path(3, b"/ops/7/y/z") + path(3, b"/ord/b") +
      path(1, b"/ord/b") + path(3, b"/ord/b/c") + path(7, b"/ord/z") + pat(8, b"/o2/{a}") +
      pat(0, b"/o2/b") + path(1, b"/o2/b") + path(1, b"/o2/q") + path(4, b"/o2/b"))
write("router", "odd_paths", path(0, b"") + path(0, b"items") + path(0, b"//") +
      path(0, b"/caf\xc3\xa9/1") + path(0, b"/dup//d") + path(0, b"/items/\x00x") +
      path(0, b"/x/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17"))

# ---- fuzz_query: URL, then '\n'-separated names ----------------------------------------------
write("query", "plain", b"/items/42?q=hello&limit=10\nq\nlimit\nmissing")
write("query", "percent", b"/caf%C3%A9/a%20b%2Fc?name=J%C3%BCrgen+M&x=%zz&y=%4\nname\nx\ny")
write("query", "plus", b"/search?q=a+b%2Bc&a+b=1&empty=&novalue\nq\na b\nempty\nnovalue")
write("query", "nul", b"/a%00b?x=1\nx")
write("query", "nul_query", b"/ok?k%00=v&v=%00z\nk\nv")
write("query", "asterisk", b"*")
write("query", "absolute", b"http://example.com/?a=1\na")
write("query", "dup_keys", b"/?a=1&a=2&&=3&%61=4\na\n")
write("query", "long_key", b"/?" + b"k" * 300 + b"=v&short=1\nshort\n" + b"k" * 300)
write("query", "trailing_percent", b"/x%?a=%\na")

# ---- fuzz_json: the raw bytes are both the string to escape and the writer program ----------
write("json", "ascii", b'hello "world" \\ /')
write("json", "controls", bytes(range(0, 32)) + b"\x7f")
write("json", "utf8", "héllo — 日本 🎉 \u2028\u2029".encode())
write("json", "invalid_utf8", b"a\xc3(b\xe2\x82\xf0\x9f\x98\xed\xa0\x80\xf4\x90\x80\x80\xff\xc0\xaf")
write("json", "nul", b"a\x00b\x00")


def op(code, *rest):
    return bytes([code]) + b"".join(rest)


def lp(b):
    return bytes([len(b)]) + b


program = (op(0) + op(4, lp(b"name")) + op(5, lp("Jürgen\x00\n".encode())) +
           op(4, lp(b"n")) + op(7, struct.pack(">q", -2**63)) +
           op(4, lp(b"d")) + op(8, struct.pack(">d", 0.1)) +
           op(4, lp(b"arr")) + op(2) + op(9, b"\x01") + op(10) + op(11, b"\x04") +
           op(13, b"\x06") + op(13, b"\x0d") + op(12) + op(3) + op(1))
write("json", "writer_object", program)
write("json", "writer_misuse", op(2) + op(4, lp(b"k")) + op(3))
write("json", "writer_deep", op(2) * 70 + op(3) * 70)

# ---- fuzz_json_parse: the bytes are a request body ------------------------------------------
write("json_parse", "model", b'{"name": "Widget", "price": 12.5, "tax": null, "tags": ["a", "b"],'
                             b' "in_stock": true, "count": -0, "big": 123456789012345678901234}')
write("json_parse", "numbers", b"[0, -0, -0.0, 1E5, 1e-400, 1e400, 2.5e+3, 9223372036854775808,"
                               b" 5e-324, 0.1, NaN, Infinity, -Infinity, 1.7976931348623157e308]")
write("json_parse", "escapes", b'"\\"\\\\\\/\\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 \\ud800 \\udc00x\\u0000"')
write("json_parse", "utf8", '{"é": "日本 🎉", "k": "\u2028"}'.encode())
write("json_parse", "surrogatepass", b'["\xed\xa0\x80\xed\xb0\x80", "\\ud800\xed\xb0\x80"]')
write("json_parse", "duplicates", b'{"a": 1, "b": 2, "a": {"a": 3, "a": [4]}, "": 5, "": 6}')
write("json_parse", "wide_object", ("{" + ",".join('"k%d":%d' % (i % 23, i) for i in range(60)) +
                                    "}").encode())
write("json_parse", "deep", b"[" * 20 + b'{"a":' * 20 + b"1" + b"}" * 20 + b"]" * 20)
write("json_parse", "utf16", '[1, "é", {"a": "\U0001F600"}]'.encode("utf-16"))
write("json_parse", "utf16le", '{"x": [true, false]}'.encode("utf-16-le"))
write("json_parse", "utf32be", '["\ud800"]'.encode("utf-32-be", "surrogatepass"))
write("json_parse", "bom", b'\xef\xbb\xbf{"a": [1, 2]}')
write("json_parse", "syntax_error", b'{"a": [1, 2,], "b" 3}')
write("json_parse", "bad_escape", b'["\\u12x", "\\q"]')
write("json_parse", "invalid_utf8", b'{"a": "\xc3("} \xff')
write("json_parse", "control", b'"a\x01b"')

# ---- fuzz_model: the bytes are a body validated as the harness's Order ----------------------
write("model", "valid", b'{"id": 7, "name": "Box", "price": 12.5, "tax": 1.5, "colours": ["red", "blue"],'
                        b' "lines": [{"sku": "AB-1", "count": 3, "ref": "12345678123456781234567812345678"}],'
                        b' "priority": null, "gift": "yes", "wrap": "green"}')
write("model", "lax", b'{"id": "42", "name": "x", "price": "1e2", "priority": "4", "gift": 1,'
                      b' "lines": [{"sku": "Z", "count": 5.0}], "note": null}')
write("model", "errors", b'{"id": 0, "name": "", "price": -1, "tax": 0.3, "colours": ["pink", 1],'
                         b' "lines": [{"sku": "lower", "count": 1001, "ref": "nope"}, 5], "priority": 9,'
                         b' "gift": "maybe", "wrap": null}')
write("model", "missing", b'{"lines": [{}], "extra": {"deep": [1, 2, 3]}}')
write("model", "not_object", b'[1, 2, {"id": 1}]')
