"""brisk's request-body JSON parser against CPython's own json module.

FastAPI parses a JSON body with `json.loads(body_bytes)`: a JSONDecodeError becomes a 422 whose
`ctx.error` is `e.msg` and whose `loc` is `["body", e.pos]`, any other exception (invalid UTF-8,
RecursionError, the 4300-digit int limit) a 400. brisk's parser (src/model/json_parse.c) must
agree on every body. json_parse_driver (tests/apps) parses each case and prints a canonical
rendering of the DOM, `ERR 422 <pos> <msg>` or `ERR 400`; this file computes the same line from
json.loads of the same bytes, and the two must be equal, for hand-written hostile cases and for
a few thousand seeded random mutations of them.

The one thing json.loads here cannot tell is the nesting depth at which FastAPI gives up: that
depends on the Python stack below it. The expectations for it come from the reference (a plain
FastAPI app parses 965 levels and answers 400 from 966 on: see BK__JSON_MAX_DEPTH).
"""

import json
import random
import subprocess
import sys

import pytest
from conftest import binary

MAX_DEPTH = 965


# ---- the oracle ---------------------------------------------------------------------------


def render_str(s):
    surrogate = any(0xD800 <= ord(c) < 0xE000 for c in s)
    out = []
    for c in s:
        o = ord(c)
        out.append(c if 0x20 <= o < 0x7F and c not in '"\\' else "\\x{%X}" % o)
    return ("S" if surrogate else "s") + '"' + "".join(out) + '"'


def render(v):
    if v is None:
        return "n"
    if v is True:
        return "t"
    if v is False:
        return "f"
    if isinstance(v, int):
        return "i%d" % v
    if isinstance(v, float):
        return "d%.17g" % v
    if isinstance(v, str):
        return render_str(v)
    if isinstance(v, list):
        return "[" + ",".join(render(x) for x in v) + "]"
    return "{" + ",".join(render_str(k) + ":" + render(x) for k, x in v.items()) + "}"


def python_answer(body):
    """What FastAPI makes of `body`, in the driver's notation."""
    try:
        value = json.loads(body)
    except json.JSONDecodeError as e:
        return "ERR 422 %d %s" % (e.pos, e.msg)
    except Exception:  # noqa: BLE001 - FastAPI's own `except Exception` -> 400
        return "ERR 400"
    return render(value)


def depth(body):
    """Nesting depth of brackets outside strings (an upper bound on what the parser sees)."""
    d = best = 0
    in_str = esc = False
    for b in body:
        if in_str:
            if esc:
                esc = False
            elif b == 0x5C:
                esc = True
            elif b == 0x22:
                in_str = False
        elif b == 0x22:
            in_str = True
        elif b in (0x5B, 0x7B):
            d += 1
            best = max(best, d)
        elif b in (0x5D, 0x7D):
            d -= 1
    return best


def driver_answers(bodies, max_depth=None):
    args = [str(binary("json_parse_driver"))] + ([str(max_depth)] if max_depth else [])
    data = b"".join(b"%d\n" % len(b) + b for b in bodies)
    run = subprocess.run(args, input=data, capture_output=True, timeout=120)
    assert run.returncode == 0, run.stderr.decode(errors="replace")
    lines = run.stdout.decode("ascii").split("\n")
    assert lines[-1] == "" and len(lines) == len(bodies) + 1, "driver answered %d of %d cases" % (
        len(lines) - 1, len(bodies))
    return lines[:-1]


def assert_same(bodies):
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20000))  # Python's own limit is not what is compared here
    try:
        want = [python_answer(b) for b in bodies]
    finally:
        sys.setrecursionlimit(old)
    got = driver_answers(bodies)
    bad = [(b, g, w) for b, g, w in zip(bodies, got, want) if g != w]
    report = "\n".join("  body %r\n    brisk:  %s\n    python: %s" % (b[:200], g[:300], w[:300])
                       for b, g, w in bad[:15])
    assert not bad, "%d of %d bodies differ:\n%s" % (len(bad), len(bodies), report)


# ---- hand-written cases -------------------------------------------------------------------

VALID = [
    b"null", b"true", b"false", b"0", b"-0", b"1", b"-1", b"123", b"-0.0", b"0.0", b"1.5",
    b"1E5", b"1e5", b"1e+5", b"1e-5", b"1E-0", b"0e0", b"-0e-0", b"2.5E+3", b'""', b'"a"',
    b"[]", b"{}", b"[[]]", b"[{}]", b'{"a":{}}', b" [ 1 , 2 ] ", b"\t\n\r 1 \r\n\t",
    b'{"a": 1, "b": [true, false, null], "c": {"d": "e"}}',
    b"NaN", b"Infinity", b"-Infinity", b"[NaN,Infinity,-Infinity]", b'{"x":NaN}',
    # integers around int64 and the 4300-digit limit
    b"9223372036854775807", b"9223372036854775808", b"-9223372036854775808",
    b"-9223372036854775809", b"18446744073709551615", b"18446744073709551616",
    b"99999999999999999999999999999", b"-99999999999999999999999999999",
    b"1" * 4300, b"-" + b"9" * 4300, b"1" * 4301, b"-" + b"1" * 4301, b"[1," + b"2" * 4301 + b"]",
    b"1" * 4301 + b".0", b"1" * 4301 + b"e0",
    # floats that need correct rounding
    b"0.1", b"0.2", b"0.3", b"1e23", b"8.98846567431158e307", b"1.7976931348623157e308",
    b"1.7976931348623158e308", b"1.7976931348623159e308", b"2.2250738585072011e-308",
    b"2.2250738585072012e-308", b"4.9406564584124654e-324", b"2.4703282292062327e-324",
    b"2.4703282292062328e-324", b"5e-324", b"1e-400", b"-1e-400", b"1e400", b"-1e400",
    b"9007199254740993", b"9007199254740993.0", b"9007199254740992.0", b"9007199254740994.5",
    b"123456789012345678901234567890.0", b"0.000000000000000000000000000001",
    b"1" + b"0" * 400 + b".0", b"0." + b"0" * 400 + b"1", b"1." + b"3" * 800,
    b"3.141592653589793238462643383279", b"1e22", b"1e-22", b"123e-22", b"4503599627370497.5",
    b"1e00000000000000000000000005", b"1e-00000000000000000000000005", b"0.5e1000000000000",
    b"7.0e-10", b"100000000000000000000000.0", b"2e-7",
    # strings
    b'"\\"\\\\\\/\\b\\f\\n\\r\\t"', b'"\\u0000"', b'"a\\u0000b"', b'"\\u00e9"', b'"\\u00E9"',
    b'"\\uFFFF"', b'"\\u2028\\u2029"', b'"\\ud83d\\ude00"', b'"\\uD83D\\uDE00"', b'"\\ud800"',
    b'"\\udc00"', b'"\\ud800\\ud800"', b'"\\udc00\\ud800"', b'"\\ud800x"', b'"\\ud800\\n"',
    b'"\\ud800\\\\ud800"', b'"\\ud800\\udbff\\udfff"', b'"x\\udfff"', b'"\\ud800\\u0041"',
    "\"é€😀\"".encode(), b'"\x7f"', "\"\u2028\"".encode(), b'"\xed\xa0\x80"',
    b'"\xed\xa0\x80\xed\xb0\x80"', b'"\xed\x9f\xbf"', b'"\\ud83d\xed\xb8\x80"', b'"\xef\xbb\xbf"',
    b'"' + b"a" * 10000 + b'"', b'"' + "é".encode() * 3000 + b'"', b'"' + b"\\n" * 3000 + b'"',
    b'"abcdefgh\\u0041bcdefgh"', b'"1234567\\"', b'"\\"1234567"',
    # objects: duplicate keys keep the first position, take the last value
    b'{"a":1,"a":2}', b'{"a":1,"b":2,"a":3}', b'{"b":1,"a":2,"b":3,"a":4}', b'{"":1,"":2}',
    b'{"a":1,"a\\u0000":2,"a":3}', b'{"\\u0061":1,"a":2}', b'{"\\ud800":1,"\xed\xa0\x80":2}',
    b'{"k":{"a":1},"k":[2]}', b'{"a":[1,{"a":2,"a":3}],"a":{"b":4,"b":5}}',
    # BOMs and other encodings
    b"\xef\xbb\xbf[1]", b"\xef\xbb\xbf\xef\xbb\xbf[1]", b"\xef\xbb\xbf", b" \xef\xbb\xbf1",
]

INVALID = [
    b" ", b"   ", b"\n", b"x", b"nul", b"nulll", b"tru", b"True", b"fals", b"FALSE", b"None",
    b"nan", b"NAN", b"inf", b"-inf", b"Infinit", b"-Infinit", b"-Infinityx", b"+1", b"-",
    b"--1", b"- 1", b"01", b"00", b"-01", b"1.", b"1.e5", b".5", b"-.5", b"1e", b"1e+", b"1e-",
    b"1E", b"1ee5", b"1e5.0", b"1.5.5", b"0x10", b"1_000", b"1 2", b"[1 2]", b"[1,]", b"[,1]",
    b"[", b"]", b"[1", b"[1,", b"[1 ,", b"{", b"}", b"{,}", b'{"a"', b'{"a":', b'{"a":1',
    b'{"a":1,', b'{"a":1,}', b'{"a" 1}', b'{"a":1 "b":2}', b"{'a':1}", b"{a:1}", b'{1:1}',
    b'{"a":1}}', b"[]]", b"[][]", b"{}{}", b"1 x", b"[1] x", b'"a" "b"', b'"', b'"abc',
    b'"abc\\', b'"\\', b'"\\"', b'"\\x"', b'"\\a"', b'"\\U0041"', b'"\\u"', b'"\\u1"',
    b'"\\u12"', b'"\\u123"', b'"\\u1234', b'"\\u123g"', b'"\\uG123"', b'"\\u-123"',
    b'"\\u 123"', b'"\\ud800\\u"', b'"\\ud800\\u12"', b'"\\ud800\\uzzzz"', b'"\\ud800\\udc00',
    b'"\\ud800\\udc0"', b'"\\ud800\\udc0g"', b'"\\ud800\\ud800', b'"\\ud800\\"', b'"\\ud800\\',
    b'"\\ud800', b'"\\ud800\\u0041', b'"\x00"', b'"\x01"', b'"\x1f"', b'"\t"', b'"\n"',
    b'"a\nb"', b'"\\n\n"', b'"\\q\x01"', b'"\x01\\q"', b'["a\x02"]', b'{"a\x03":1}',
    b"\x00", b"1\x00", b"[1]\x00", b"\x00[1]", b"[\x00]", b"\x0b1", b"\x0c1", b"1\x0c",
    b"\xa01", "\u00a01".encode(), "\u20001".encode(), "\u30001".encode(), b"\xef\xbb\xbf ",
    # code-point positions: non-ASCII before the error
    '["é", x]'.encode(), '["😀😀", x]'.encode(), '{"€": 1 "b": 2}'.encode(),
    '"€€€\\x"'.encode(), '["\\u00e9é", 1,]'.encode(), '"é\x01"'.encode(), '[é]'.encode(),
    '{"é"}'.encode(), '{"a":"é"} é'.encode(), '"😀'.encode(), '["😀",'.encode(),
    b'["\xed\xa0\x80", x]',
    # invalid UTF-8: a UnicodeDecodeError before any parsing, whatever the JSON around it
    b'"\xff"', b'"\xc0\x80"', b'"\xc1\xbf"', b'"\xe0\x80\x80"', b'"\xe0\x9f\xbf"', b'"\xf0\x80\x80\x80"',
    b'"\xf0\x8f\xbf\xbf"', b'"\xf4\x90\x80\x80"', b'"\xf5\x80\x80\x80"', b'"\xed\xa0"', b'"\xed"',
    b'"\xc3"', b'"\xe2\x82"', b'"\xf0\x9f\x98"', b'"\x80"', b'"\xbf"', b"\xff", b"[1] \xff",
    b"[1, \xff]", b"\xc3\xa9", b'{"a":1,}\xff', b'"\\x" \xff', b'"abc\xe9"', b"[\xed\xa0\x80]",
    # UTF-16/32 guessed from NUL bytes (detect_encoding), and their decoding errors
    b"1\x00", b"\x001", b"[\x00]\x00", b"\x00[\x00]", b"1\x00\x00", b"1\x00\x00\x00",
    b"\x00\x00\x001", b"1\x002\x00", b"[\x001\x00]\x00", b"[\x001\x00]", b'"\x00\x00\xd8"\x00',
    b'"\x00\x00\xdc"\x00', b'"\x00\x00\xd8\x00\xdc"\x00', b'"\x00\x00\xd8\x00\xd8"\x00',
    b"\x00\x00\x11\x00", b"\x00\x11\x00\x00", b"\x00\x00\x00\x00", b"\xff\xfe\x00\x00",
    b"\xff\xfe", b"\xfe\xff", b"\xff\xfe1", b"\xff\xfe1\x00", b"\xfe\xff\x001", b"\xff\xfe1\x00\x00",
    b"\x00\x00\xfe\xff\x00\x00\x001", b"\xff\xfe\x00\x001\x00\x00\x00", b"\xff\xfe\x00\x001\x00",
    b"\x00\x00\xfe\xff", b"\x00\xd8", b"\xd8\x00", b'\x00"\x00\xd8\x00"',
]


def encodings_of(text):
    """`text` as every encoding json.loads reads, BOM or not, surrogates passed through."""
    out = []
    for enc in ("utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
        try:
            out.append(text.encode(enc, "surrogatepass"))
        except UnicodeEncodeError:
            pass
    return out


ENCODED = [e for t in ['[1, "é", {"a": null}]', '"\U0001F600"', '"\ud800"', '["\ud800\udc00"]',
                       '[1, x]', '{"é": 1,}', '  "abc', '12', '1', '"', '[]', '"\ud83d\ude00\ud800"',
                       '{"a":"\x01"}']
           for e in encodings_of(t)]


def utf8_sequences():
    """A string holding each 1..4-byte sequence of interesting bytes: Python's decoder with
    surrogatepass is the judge of which are valid."""
    bodies = []
    leads = list(range(0x80, 0x100))
    conts = [0x00, 0x22, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF]
    for lead in leads:
        bodies.append(b'"' + bytes([lead]) + b'"')
        for c1 in conts:
            bodies.append(b'"' + bytes([lead, c1]) + b'"')
            if lead >= 0xE0:
                for c2 in (0x80, 0xBF, 0x41, 0xC0):
                    bodies.append(b'"' + bytes([lead, c1, c2]) + b'"')
                    if lead >= 0xF0:
                        bodies.append(b'"' + bytes([lead, c1, c2, 0x80]) + b'"')
                        bodies.append(b'"' + bytes([lead, c1, c2, 0x22]) + b'"')
    return bodies


def big_objects():
    keys = ['"k%d"' % i for i in range(3000)]
    rnd = random.Random(7)
    dup = [rnd.choice(keys) for _ in range(6000)]
    return [
        ("{" + ",".join("%s:%d" % (k, i) for i, k in enumerate(keys)) + "}").encode(),
        ("{" + ",".join("%s:%d" % (k, i) for i, k in enumerate(dup)) + "}").encode(),
        ("{" + ",".join('"%s":%d' % ("a" * (i % 40), i) for i in range(500)) + "}").encode(),
        ("{" + ",".join('"%s":[%d]' % (chr(0x41 + i % 26) * (1 + i % 3), i) for i in range(100)) + "}").encode(),
        # sixteen and seventeen members: both sides of BK__JSON_LINEAR_MAX
        ("{" + ",".join('"m%d":%d' % (i % 16, i) for i in range(40)) + "}").encode(),
        ("{" + ",".join('"m%d":%d' % (i % 17, i) for i in range(40)) + "}").encode(),
        ("[" + ",".join(str(i) for i in range(20000)) + "]").encode(),
        ("[" + ",".join('{"a":%d,"a":%d}' % (i, -i) for i in range(2000)) + "]").encode(),
    ]


def nested_cases():
    d = MAX_DEPTH - 1  # deep, but within the limit: the oracle can judge them
    return [b"[" * d + b"]" * d, b"[" * d, b'{"a":' * d + b"1" + b"}" * d, b'{"a":' * d,
            b"[" * d + b"1,]" + b"]" * (d - 1), b'[{"a":' * (d // 2) + b"x" + b"}]" * (d // 2)]


HAND_WRITTEN = VALID + INVALID + ENCODED + utf8_sequences() + big_objects() + nested_cases()


def test_hand_written_cases_match_python():
    assert len(HAND_WRITTEN) > 500
    assert_same(HAND_WRITTEN)


# ---- random mutations ---------------------------------------------------------------------

ALPHABET = [b"[", b"]", b"{", b"}", b",", b":", b'"', b"\\", b"u", b"d8", b"dc", b"0", b"1", b"-",
            b"+", b".", b"e", b"E", b" ", b"\t", b"\n", b"\r", b"\x00", b"\x01", b"\x1f", b"\x7f",
            b"\x80", b"\xbf", b"\xc3", b"\xa9", b"\xed", b"\xa0", b"\xf0", b"\x9f", b"\xff", b"n",
            b"t", b"f", b"N", b"I", b"a", "é".encode(), "😀".encode(), b"\xef\xbb\xbf", b"null",
            b"true", b"NaN", b"Infinity", b"\\u", b"\\ud800", b"\\udc00", b'"k":', b"9" * 20]


def mutate(rnd, body):
    b = bytearray(body)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(7)
        at = rnd.randint(0, len(b))
        if op == 0:
            b[at:at] = rnd.choice(ALPHABET)
        elif op == 1 and b:
            del b[at:at + rnd.randint(1, 3)]
        elif op == 2 and b:
            b[at:at + 1] = rnd.choice(ALPHABET)
        elif op == 3:
            del b[at:]
        elif op == 4 and b:
            start = rnd.randint(0, len(b) - 1)
            b[at:at] = b[start:start + rnd.randint(1, 12)]
        elif op == 5:
            b[at:at] = bytes([rnd.randrange(256)])
        elif b:
            i, j = rnd.randrange(len(b)), rnd.randrange(len(b))
            b[i], b[j] = b[j], b[i]
    return bytes(b)


WS = [b"", b"", b" ", b"\n", b"\t", b"\r\n  "]


def gen_number(rnd):
    kind = rnd.randrange(6)
    if kind == 0:
        return str(rnd.randint(-10**20, 10**20)).encode()
    if kind == 1:
        return repr(rnd.uniform(-1e6, 1e6)).encode()
    if kind == 2:  # random bits: subnormals, huge, tiny
        import struct
        f = struct.unpack("<d", struct.pack("<Q", rnd.getrandbits(64)))[0]
        return (repr(f) if f == f and abs(f) != float("inf") else "0.5").encode()
    if kind == 3:  # mantissa digits and an exponent, written freely
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 30)))
        digits = digits.lstrip("0") or "0"
        frac = "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 25))) if rnd.random() < 0.7 else ""
        exp = rnd.choice("eE") + rnd.choice(["", "+", "-"]) + str(rnd.randint(0, 400)).zfill(rnd.randint(1, 4)) if rnd.random() < 0.6 else ""
        return (rnd.choice(["", "-"]) + digits + frac + exp).encode()
    if kind == 4:
        return rnd.choice([b"0", b"-0", b"-0.0", b"1E5", b"NaN", b"Infinity", b"-Infinity", b"1e308", b"1e309"])
    return str(rnd.choice([2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, 10**19, -10**19])).encode()


def gen_string(rnd):
    out = [b'"']
    for _ in range(rnd.randint(0, 12)):
        c = rnd.choice([0x41, 0x20, 0x7F, 0x22, 0x5C, 0x2F, 0x00, 0x0A, 0xE9, 0x20AC, 0xFEFF, 0x1F600,
                        0xD800, 0xDBFF, 0xDC00, 0xDFFF, 0x10FFFF, rnd.randrange(0x110000)])
        how = rnd.randrange(3)
        if 0xD800 <= c < 0xE000 or c < 0x20 or c in (0x22, 0x5C) or how == 0:
            if c >= 0x10000:
                c -= 0x10000
                out.append(b"\\u%04x\\u%04X" % (0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF)))
            elif how == 1 and 0xD800 <= c < 0xE000:
                out.append(chr(c).encode("utf-8", "surrogatepass"))  # raw, as surrogatepass takes it
            else:
                out.append(rnd.choice([b"\\u%04x", b"\\u%04X"]) % c)
        else:
            out.append(chr(c).encode())
    out.append(b'"')
    return b"".join(out)


def gen_value(rnd, depth=0):
    kind = rnd.randrange(7 if depth < 6 else 4)
    if kind == 0:
        return rnd.choice([b"null", b"true", b"false"])
    if kind in (1, 2):
        return gen_number(rnd)
    if kind == 3:
        return gen_string(rnd)
    ws = lambda: rnd.choice(WS)  # noqa: E731
    if kind == 4:
        items = [gen_value(rnd, depth + 1) for _ in range(rnd.randint(0, 5))]
        return b"[" + ws() + (ws() + b"," + ws()).join(items) + ws() + b"]"
    keys = [gen_string(rnd) for _ in range(rnd.randint(1, 4))]
    members = [rnd.choice(keys) + ws() + b":" + ws() + gen_value(rnd, depth + 1)
               for _ in range(rnd.randint(0, 6))]
    return b"{" + ws() + (ws() + b"," + ws()).join(members) + ws() + b"}"


def test_random_documents_match_python():
    """Generated documents (numbers in every spelling, strings with every escape, duplicate
    keys, surrogates raw and escaped), as they are and lightly mutated, in all encodings."""
    rnd = random.Random(8675309)
    bodies = []
    for _ in range(3000):
        body = rnd.choice(WS) + gen_value(rnd) + rnd.choice(WS)
        bodies.append(body)
        if rnd.random() < 0.3:
            bodies.append(mutate(rnd, body))
        if rnd.random() < 0.1:
            text = body.decode("utf-8", "surrogatepass")
            bodies.append(rnd.choice(encodings_of(text)))
    assert_same(bodies)


def test_random_mutations_match_python():
    rnd = random.Random(20240611)
    seeds = [s for s in VALID + INVALID + ENCODED if len(s) < 2000]
    bodies = []
    while len(bodies) < 6000:
        body = mutate(rnd, rnd.choice(seeds))
        if body and depth(body) < MAX_DEPTH:
            bodies.append(body)
    assert_same(bodies)


# ---- nesting: where FastAPI's RecursionError starts -----------------------------------------


def nest_mixed(n):
    opens = [b"[" if i % 2 == 0 else b'{"k":' for i in range(n)]
    closes = [b"]" if i % 2 == 0 else b"}" for i in reversed(range(n))]
    return b"".join(opens) + b"0" + b"".join(closes)


NESTINGS = {
    "arrays": lambda n: b"[" * n + b"]" * n,
    "objects": lambda n: b'{"a":' * n + b"0" + b"}" * n,
    "mixed": nest_mixed,
    "unclosed": lambda n: b"[" * n,
}


@pytest.mark.parametrize("shape", sorted(NESTINGS))
def test_nesting_limit_is_fastapis(shape):
    """MAX_DEPTH levels are parsed as Python parses them; one more is FastAPI's 400 (from
    RecursionError), whether or not the document would be complete."""
    make = NESTINGS[shape]
    assert_same([make(MAX_DEPTH)])
    assert driver_answers([make(MAX_DEPTH + 1), make(3 * MAX_DEPTH)]) == ["ERR 400", "ERR 400"]


def test_errors_before_the_limit_still_422():
    body = b"[" * 10 + b"1,]" + b"[" * 2000
    assert driver_answers([body]) == ["ERR 422 12 Expecting value"]
    assert driver_answers([b"[" * MAX_DEPTH]) == ["ERR 422 %d Expecting value" % MAX_DEPTH]
