#!/usr/bin/env python3
"""Prints real pydantic's (and Starlette's) answers for the inputs brisk's src/model unit tests use.

Developer tool, not run by `make test` (the project's tests run with Debian's python3, which has no
pydantic 2). Each section prints C table rows in exactly the form tests/unit/test_coerce.c,
test_messages.c, test_text.c and test_pattern.c hold them, so re-checking brisk against a newer
pydantic is a diff:

    python3 scripts/pydantic_oracle.py int > /tmp/int.rows
    grep '^    {' tests/unit/test_coerce.c | ...   # or just eyeball the changed rows

Sections: int int_long float float_long bool uuid int_value float_value bool_value float_fmt str_repr msgs
enum utf8 cookie pattern (no argument: all of them, each after a "/* section */" line).
Needs pydantic 2 on this python3 (`python3 -c 'import pydantic'`); the cookie section also needs
Starlette: --vendor DIR (default ../shared/reference/vendor) is put first on sys.path.
"""
import argparse
import math
import os
import sys
from typing import Annotated, List

HERE = os.path.dirname(os.path.abspath(__file__))


def c_str(s):
    """A C string literal of s's UTF-8 bytes (octal escapes: they never swallow a next digit)."""
    if isinstance(s, str):
        s = s.encode('utf-8', 'surrogatepass')
    out = []
    for b in s:
        ch = chr(b)
        if ch in '"\\?':
            out.append('\\' + ch)
        elif 0x20 <= b < 0x7F:
            out.append(ch)
        else:
            out.append('\\%03o' % b)
    return '"' + ''.join(out) + '"'


def c_double(f):
    if math.isnan(f):
        return 'NAN'
    if math.isinf(f):
        return 'INFINITY' if f > 0 else '-INFINITY'
    return f.hex()


def etype(err_type):
    return 'BK__E_' + err_type.upper() if err_type else 'BK__E_NONE'


def validate(tp, value):
    """(None, result) or (error dict, None) for the first error."""
    from pydantic import TypeAdapter, ValidationError
    try:
        return None, TypeAdapter(tp).validate_python(value)
    except ValidationError as e:
        return e.errors(include_url=False)[0], None


# ---- inputs ------------------------------------------------------------------------------------

INT_TEXTS = [
    " 42 ", "+42", "007", "1_000", "5.0", "-0", "1e2", "5.5", "1__0", "_1", "1_", "", "0x10", " ",
    "\t42\n", "42.", ".0", "5.00", "5.0000000001", "-5.0", "+-5", "--5", "-+1", "++5", "\u0661\u0662",
    "0b1", "1 2", "99999999999999999999", "-99999999999999999999", "9223372036854775807",
    "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "5.0_0", "5_0.0",
    "inf", "nan", "+0", "-", "+", "00", "0_0", "0__0", "0_", "_0", "\u00a042", "42\x00", "5.",
    "1_000.0", "1.5e3", "42\r", "\v42", "\f42", "\u200b42", "\u300042", "\x1c42", "\u180e42",
    "\ufeff42", "\u202842\u2029", "\u008542", "0-5", "00-5", "-0-5", "0_-5", "0.-5", "0.0", "00.0",
    "0_.0", "0_0.0", "-00", "-0_0", "\u00a0+5\u00a0", "-\u00a05", "5\u00a0.0", "1.00_0",
    "10_000.000", "-1_000.0", "1_0.0_0", "1.0.0", "12345678901234567890123", "-007",
]

# (prefix, repeated, count, suffix): texts too long to spell out.
INT_LONG = [
    ("", "1", 4300, ""), ("", "1", 4301, ""), ("-", "1", 4299, ""), ("-", "1", 4300, ""),
    ("  ", "1", 4299, "  "), (" ", "1", 4301, ""), ("+", "1", 4301, ""), ("", "1", 4300, ".0"),
    ("", "1", 4301, ".5"), ("0", "1", 4301, ""), ("", "1", 4300, "_1"), ("", "1", 4301, "_1"),
    ("", "1", 4301, "x"), ("", "1", 4300, "x"), ("", "0", 5000, "1"), ("", "x", 5000, ""),
    ("", "1_", 2200, "1"),
]

FLOAT_TEXTS = [
    "inf", "nan", "-Infinity", "Infinity", "+inf", "INF", "iNfInItY", "NaN", "-nan", "+nan",
    "infinit", "infinityy", " 1.5 ", "1_0.5", " 1_0.5", "1_0.5 ", "1__0.5", "_1.5", "1.5_", "1_e5",
    "1e_5", "i_nf", "1e2", ".5", "5.", ".", "", " ", "e5", "1e", "1e+", "1e+2", "1E-2", "0x10",
    "1e400", "-1e400", "1e-400", "1.7976931348623157e308", "1.7976931348623159e308", "00.5", "+.5",
    "-.5", "1,5", "\u0661.\u0665", "\u00a01.5\u00a0", "5d", "5f", "1.5e3_0", "0.1", "1_000", "+-1",
    "--1", "nan(123)", "1.0e", "1..0", "  inf  ", "\t-inf\n", "0b1", "-0", "-0.0", "1.e5",
    "4.9e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "0.30000000000000004",
    "123456789012345678901234567890", "9007199254740993", "1e99999999999999999999",
    "\u2003-2.5e-3\u2003",
]

FLOAT_LONG = [
    ("0.", "0", 400, "1"), ("", "1", 400, ""), ("0.1", "0", 900, "1"), ("0.1", "0", 900, ""),
    ("", "9", 5000, "e-4990"), ("1", "0", 800, "1e-800"), ("", "1", 5000, ".5"),
    # 1 + 2**-53 exactly: a tie (to even: 1.0) unless a nonzero digit follows, however far away
    ("1.00000000000000011102230246251565404236316680908203125", "0", 800, "1"),
    ("1.00000000000000011102230246251565404236316680908203125", "0", 800, ""),
]

BOOL_TEXTS = [
    " true", "true ", "TRUE", "Yes", "oN", "0", "1", "00", "01", "+1", "-0", "tr", "yess", "",
    "\u00a0true", "0.0", "1.0", "t", "F", "N", "Y", "off", "OFF", "no", "false", "FaLsE", "y\u0000",
]

UUID_TEXTS = [
    "12345678-1234-5678-1234-567812345678", "12345678123456781234567812345678",
    "{12345678-1234-5678-1234-567812345678}", "urn:uuid:12345678-1234-5678-1234-567812345678",
    "URN:UUID:12345678-1234-5678-1234-567812345678", "{12345678123456781234567812345678}",
    "urn:uuid:12345678123456781234567812345678", "ABCDEF01-ABCD-ABCD-ABCD-ABCDEF012345",
    " 12345678-1234-5678-1234-567812345678", "12345678-1234-5678-1234-567812345678 ", "x", "", "1",
    "12345678-1234-5678-1234-56781234567", "12345678-1234-5678-1234-5678123456789",
    "12345678-1234-5678-1234-56781234567x", "1x345678-1234-5678-1234-567812345678",
    "12345678-1234-5678-1234_567812345678", "1234567-81234-5678-1234-567812345678",
    "12345678-1234-5678-12345-67812345678", "12345678-1234-5678-1234-5678-12345678",
    "1234567812345678123456781234567", "123456781234567812345678123456789",
    "1234567812345678123456781234567x", "{12345678-1234-5678-1234-567812345678",
    "12345678-1234-5678-1234-567812345678}", "{x}", "urn:uuid:x", "urn:uuid:", "\u00e92345678",
    "12345678-1234-5678-1234-56781234567\u00e9", "\u4e2d", "-", "-----", "1234-5678",
    "12345678-1234-5678-1234-567812345678-", "{}", "{1}", "a-b-c-d-e", "{", "}", "{{}", "\n",
    "{12345678-1234-5678-1234-56781234567}", "urn:uuid:12345678-1234-5678-1234-56781234567",
    "{1-2-3-4-5}", "urn:uuid:1-2-3-4-5", "{12345678-123-5678-1234-567812345678}",
    "urn:uuid:{12345678-1234-5678-1234-567812345678}", "1-2-3-4-", "----x", "urn:uuid",
    "12345678-1234-5678-1234-", "00000000-0000-0000-0000-000000000000",
    "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", "{urn:uuid:12345678-1234-5678-1234-567812345678}",
]

# JSON values as json.loads gives them, each with its C bk__value initialiser.
def json_values():
    vals = [
        (None, '{BK__V_NULL, {0}}'), (True, '{BK__V_BOOL, {.b = 1}}'),
        (False, '{BK__V_BOOL, {.b = 0}}'),
    ]
    for i in [0, 1, 2, -1, 5, 9223372036854775807, -9223372036854775808]:
        vals.append((i, '{BK__V_INT, {.i = %s}}' % (
            'INT64_MIN' if i == -2**63 else '%dLL' % i)))
    for i in [2**63, -2**63 - 1, 10**30, 10**400, -10**309, 2 * 10**308]:
        vals.append((i, '{BK__V_BIGINT, {.str = {%s, %d}}}' % (c_str(str(i)), len(str(i)))))
    for f in [0.0, -0.0, 1.0, 5.0, 5.5, -5.5, 1e-300, 1e20, -1e20, 9.2e18, 2.0**63, -2.0**63,
              9223372036854774784.0, -9223372036854774784.0, math.inf, -math.inf, math.nan, 2.0]:
        vals.append((f, '{BK__V_FLOAT, {.f = %s}}' % c_double(f)))
    for s in ["5", " 5 ", "5.0", "5.5", "yes", "", "1e2", "nan"]:
        vals.append((s, '{BK__V_STR, {.str = {%s, %d}}}' % (c_str(s), len(s.encode()))))
    vals += [([], '{BK__V_LIST, {0}}'), ({}, '{BK__V_OBJECT, {0}}')]
    return vals


FLOAT_FMT = [
    0.0, -0.0, 1.0, 11.0, -2.5, 0.1, 0.30000000000000004, 1e16, 1e15, 1e-5, 1e-4, 0.0001234,
    123456789012345678.0, 1e20, 1e22, 1e-7, 5e-324, 1.7976931348623157e308, 2.0**-1074 * 3,
    9007199254740993.0, 1234567890123456.5, 2.0**1023, 2.0**-1022, 2.0**60, 2.0**-20, 100.0,
    1.5e300, math.inf, -math.inf, math.nan, 0.5, 3.14159, 1e21 + 2**20, 4.35, 2.0**-1073,
]

STR_REPRS = [
    "abc", "it's", 'say "hi"', 'both \'"', "tab\tnl\nret\r", "\u00e9\u00a0\u200b", "back\\slash",
    "\x00\x1f\x7f", "\u4e2d\u6587", "\U0001F600", "\u0085\u00ad", "\ue000", "\u2028", "",
]

UTF8_BYTES = [
    b"abc", b"\xc3\xa9", b"\xff", b"\xe2\x82", b"\xe2\x82\xac", b"\xf0\x80\x80", b"\xed\xa0\x80",
    b"\xc0\xaf", b"\xf4\x90\x80\x80", b"a\x80b", b"\xf0\x9f\x98", b"\xf0\x9f\x98\x80",
    b"\xe0\x80\xaf", b"\xc2", b"\xc2\xc2\xa9", b"\xf8\x88\x80\x80\x80", b"\xe1\x80\xe1\x80\x80",
    b"\xef\xbf\xbf", b"\xf4\x8f\xbf\xbf",
]

COOKIES = [
    ("a=1; b=2", "a"), ("a=1; b=2", "b"), ("a=1; a=2", "a"), (" a = 1 ;b", "a"), ("b", ""),
    ("a=\"x y\"", "a"), ("a=\"\\101\\102\"", "a"), ("a=\"\\\"q\\\"\"", "a"), ("a=\"\\477\"", "a"),
    ("a=\"x\\", "a"), ("a=\"\"", "a"), ("a=\"", "a"), ("a=b=c", "a"), ("=v", ""), (";;a=1;", "a"),
    ("a=\"\\351\"", "a"), ("a=\xe9", "a"), ("\xe9=1", "\xe9"), ("a=1\x1c", "a"), ("a=\xa0x\xa0", "a"),
    ("a=\"\\\\\"", "a"), ("c=1", "a"), ("a=\"\\\n\"", "a"), (" ; a=1", "a"), ("A=1", "a"),
]

PATTERNS = [
    ("^a+$", "aaa"), ("^a+$", "b"), ("a", "bab"), ("^a$", "a\n"), ("a$", "a\n"), ("^b", "a\nb"),
    ("(?m)^b", "a\nb"), ("(?m)a$", "a\nb"), ("^.$", "\n"), ("^.$", "\r"), ("(?s)^.$", "\n"),
    ("^\\d+$", "\u0661\u0662"), ("^\\d$", "\uff11"), ("^\\D$", "\u0661"), ("^\\w+$", "\u00e9\u4e2d"),
    ("^\\w$", "\u00b2"), ("^\\w\\w$", "e\u0301"), ("^\\w$", "\u203f"), ("^\\s$", "\u00a0"),
    ("^\\s$", "\u0085"), ("^\\s$", "\u001c"), ("^\\s$", "\u180e"), ("^\\S$", "\u180e"),
    ("^[[:alpha:]]+$", "ab\u00e9"), ("^[[:alpha:]]+$", "ab"), ("^[[:^alpha:]]$", "1"),
    ("^[^[:digit:]]$", "\u0661"), ("\\bfoo\\b", "\u00e9 foo"), ("\\bfoo\\b", "\u00e9foo"),
    ("a\\B", "ab"), ("(?i)\u00c9", "\u00e9"), ("(?i)k", "\u212a"), ("^\\p{L}+$", "\u00e9"),
    ("^\\p{Greek}+$", "\u03b1\u03b2"), ("^.$", "\U0001F600"), ("^..$", "\u00e9"), ("a{2,}", "aaa"),
    ("\\Aa\\z", "a"), ("(?P<n>a)", "a"), ("(?<n>a)", "a"), ("a++", "a"), ("a**", "a"),
    ("(a+)+b", "a" * 40), ("^x{3}{2}$", "xxxxxx"), ("\\x41", "A"), ("\\u0041", "A"),
    ("\\u{41}", "A"), ("\\U{1F600}", "\U0001F600"), ("\\x{e9}", "\u00e9"), ("(?x) a b # c", "ab"),
    ("(?x)[a b]", " "), ("(?x)a\\ b", "a b"), ("a{ 2 }", "aa"), ("^\\v$", "\x0b"),
    ("^\\v$", "\n"), ("\\<a", "a"), ("a\\>", "a"), ("\\b{start}a", "ba"), ("a\\b{end}", "ab"),
    ("(?U)a+", "a"), ("(?i:a)A", "aA"), ("(?i:a)A", "aa"), ("(?:)", "x"), ("a||b", "b"), ("^*", "a"),
    ("[]a]", "]"), ("[^]a]", "b"), ("[a-]", "-"), ("\\%", "%"), ("\\@", "@"), ("\\p{Lu}", "a"),
    ("\\PL", "a"), ("\\p{Letter}", "a"), ("\\p{gc=Lu}", "A"), ("\\p{Uppercase_Letter}", "A"),
    ("[\\d-]", "-"), ("[\\p{Greek}x]", "x"), ("^[^\\s]$", "a"), ("[\\w]", "\u00e9"),
    # refused by pydantic (its Rust regex): a schema error, brisk refuses them at registration
    ("^(?=.*\\d)", "a1"), ("(?<=a)b", "ab"), ("(?!a)", "b"), ("(a)\\1", "aa"), ("\\Z", "a"),
    ("[", "a"), ("\\", "a"), ("(?>a)", "a"), ("\\e", "a"), ("\\h", "a"), ("\\Qa\\E", "a"),
    ("a(?#c)", "a"), ("\\cA", "\x01"), ("\\0", "\x00"), ("\\N{U+41}", "A"), ("[a-\\d]", "a"),
    ("[z-a]", "a"), ("a{,3}", "a"), ("a{", "a"), ("{", "{"), ("a{2", "a"), ("a{x}", "a"),
    ("a{3,2}", "a"), ("*a", "a"), ("(*)", "a"), ("a|*", "a"), ("(?P<n>a)(?P<n>b)", "ab"),
    ("(?P<1a>x)", "x"), ("(?ii)a", "a"), ("(?)a", "a"), ("(?i-)a", "a"), ("(a", "a"), ("a)", "a"),
    ("[]", "a"), ("[^]", "a"), ("\\x{110000}", "a"), ("\\x{D800}", "a"), ("\\x7", "a"), ("\\\u00e9", "a"),
    ("[\\b]", "a"), ("\\b{foo}", "a"), ("\\p{L&}", "a"), ("\\p{^Greek}", "a"), ("\\X", "a"),
    ("\\R", "a"), ("\\K", "a"), ("\\G", "a"),
]


# ---- sections ------------------------------------------------------------------------------------

def sec_int():
    for s in INT_TEXTS:
        err, r = validate(int, s)
        if err:
            print('    {%s, %d, %s, 0, 0},' % (c_str(s), len(s.encode()), etype(err['type'])))
        elif -2**63 <= r < 2**63:
            print('    {%s, %d, BK__E_NONE, 0, %s},' % (c_str(s), len(s.encode()),
                  'INT64_MIN' if r == -2**63 else '%dLL' % r))
        else:
            print('    {%s, %d, BK__E_NONE, %d, %s},' % (c_str(s), len(s.encode()),
                  1 if r > 0 else -1, 'INT64_MAX' if r > 0 else 'INT64_MIN'))


def sec_int_long():
    for prefix, rep, n, suffix in INT_LONG:
        err, r = validate(int, prefix + rep * n + suffix)
        print('    {%s, %s, %d, %s, %s},' % (c_str(prefix), c_str(rep), n, c_str(suffix),
                                             etype(err['type'] if err else None)))


def sec_float():
    for s in FLOAT_TEXTS:
        err, r = validate(float, s)
        print('    {%s, %d, %s, %s},' % (c_str(s), len(s.encode()),
              etype(err['type'] if err else None), c_str('' if err else repr(r))))


def sec_float_long():
    for prefix, rep, n, suffix in FLOAT_LONG:
        err, r = validate(float, prefix + rep * n + suffix)
        print('    {%s, %s, %d, %s, %s, %s},' % (c_str(prefix), c_str(rep), n, c_str(suffix),
              etype(err['type'] if err else None), c_str('' if err else repr(r))))


def sec_bool():
    for s in BOOL_TEXTS:
        err, r = validate(bool, s)
        print('    {%s, %d, %s, %d},' % (c_str(s), len(s.encode()),
              etype(err['type'] if err else None), 0 if err else int(r)))


def sec_uuid():
    from uuid import UUID
    for s in UUID_TEXTS:
        err, r = validate(UUID, s)
        out = err['ctx']['error'] if err else str(r)
        print('    {%s, %d, %s, %s},' % (c_str(s), len(s.encode()),
              etype(err['type'] if err else None), c_str(out)))


def sec_value(tp, show):
    for value, c_init in json_values():
        err, r = validate(tp, value)
        print('    {%s, %s, %s},' % (c_init, etype(err['type'] if err else None),
                                     '0' if err else show(r)))


def sec_float_fmt():
    from pydantic import Field
    for f in FLOAT_FMT:
        err, _ = validate(Annotated[float, Field(lt=f)], math.inf)
        shown = err['msg'][len('Input should be less than '):]
        print('    {%s, %s, %s},' % (c_double(f), c_str(repr(f)), c_str(shown)))


def sec_str_repr():
    for s in STR_REPRS:
        print('    {%s, %d, %s},' % (c_str(s), len(s.encode()), c_str(repr(s))))


def constraint_rows():
    """(annotation, input, C bk__num literal as the lead would write the bound, field is float)."""
    from pydantic import Field
    rows = []
    for kind, tp in (("float", float), ("int", int)):
        for key, bound, value in [("gt", 0, -1), ("gt", 0.0, -1), ("ge", 0.5, 0), ("le", 1000, 1001),
                                  ("lt", 1e20, 10**21), ("lt", 1e-5, 1), ("ge", -5, -10),
                                  ("multiple_of", 3, 4), ("multiple_of", 0.1, 0.35),
                                  ("lt", -0.0, 1), ("le", 9.2e18, 2**63), ("gt", 1.0, 1)]:
            if tp is int and isinstance(bound, float) and bound != int(bound):
                continue
            rows.append((kind, key, bound, Annotated[tp, Field(**{key: bound})], value))
    return rows


def sec_msgs():
    from pydantic import Field
    import json
    for kind, key, bound, ann, value in constraint_rows():
        try:
            err, _ = validate(ann, value)
        except Exception as e:  # the schema itself is refused
            print('    /* %s %s=%r: schema refused: %s */' % (kind, key, bound, str(e).split('\n')[-1].strip()))
            continue
        num = ('{1, 0, %s}' % c_double(bound)) if isinstance(bound, float) else '{0, %dLL, 0}' % bound
        print('    {%s, %d, %s, %s, %s, %s},' % (
            c_str(key), 1 if kind == "float" else 0, num, etype(err['type']), c_str(err['msg']),
            c_str(json.dumps(err['ctx'], separators=(',', ':')))))
    for ann, value in [(Annotated[str, Field(min_length=1)], ''), (Annotated[str, Field(min_length=2)], 'a'),
                       (Annotated[str, Field(max_length=1)], 'ab'), (Annotated[str, Field(max_length=0)], 'a'),
                       (Annotated[List[int], Field(min_length=1)], []),
                       (Annotated[List[int], Field(min_length=2)], [1]),
                       (Annotated[List[int], Field(max_length=1)], [1, 2]),
                       (Annotated[List[int], Field(max_length=0)], [1]),
                       (Annotated[str, Field(pattern="it's")], 'b'),
                       (Annotated[str, Field(pattern='^\\d+$')], 'b')]:
        err, _ = validate(ann, value)
        print('    /* %s */ {%s, %s, %s},' % (err['type'], c_str(err['msg']),
              c_str(json.dumps(err.get('ctx'), separators=(',', ':'))), c_str(err['type'])))
    for tp, value in [(int, None), (int, '5.5'), (int, 5.5), (int, math.inf), (int, 1e20), (float, None),
                      (float, 'x'), (bool, 'x'), (bool, 5.5), (str, 5), (List[int], 'x'),
                      (dict, []), (None, 1)]:
        err, _ = validate(tp, value)
        print('    {%s, %s},' % (etype(err['type']), c_str(err['msg'])))


def sec_enum():
    from enum import Enum, IntEnum
    from typing import Literal

    class Nets(str, Enum):
        a = 'alexnet'
        r = 'resnet'
        l = 'lenet'

    class Two(Enum):
        a = 'alexnet'
        r = 'resnet'

    class One(Enum):
        a = 'alexnet'

    class Ints(IntEnum):
        a = 1
        b = 2
        c = 3

    class Floats(Enum):
        a = 1.5
        b = 2.0

    class Quotes(Enum):
        a = "it's"
        b = 'say "hi"'
        c = 'tab\t'

    for tp in (Nets, Two, One, Ints, Floats, Quotes, Literal[1, 'a', True, None]):
        err, _ = validate(tp, 'nope')
        print('    {%s, %s},' % (c_str(err['type']), c_str(err['msg'])))


def sec_utf8():
    for b in UTF8_BYTES:
        print('    {%s, %d, %s},' % (c_str(b), len(b), c_str(b.decode('utf-8', 'replace'))))


def sec_cookie(vendor):
    sys.path.insert(0, vendor)
    from starlette.requests import cookie_parser
    for header, name in COOKIES:
        got = cookie_parser(header)
        hb = header.encode('latin-1')
        if name in got:
            print('    {%s, %d, %s, 1, %s},' % (c_str(hb), len(hb), c_str(name), c_str(got[name])))
        else:
            print('    {%s, %d, %s, 0, ""},' % (c_str(hb), len(hb), c_str(name)))


def sec_pattern():
    from pydantic import Field
    for pat, s in PATTERNS:
        try:
            err, _ = validate(Annotated[str, Field(pattern=pat)], s)
            result = 0 if err else 1
        except Exception:
            result = -1
        print('    {%s, %s, %d},' % (c_str(pat), c_str(s), result))


SECTIONS = {
    'int': sec_int, 'int_long': sec_int_long, 'float': sec_float, 'float_long': sec_float_long,
    'bool': sec_bool,
    'uuid': sec_uuid,
    'int_value': lambda: sec_value(int, lambda r: 'INT64_MAX' if r >= 2**63 else
                                   'INT64_MIN' if r < -2**63 else '%dLL' % r if r != -2**63 else 'INT64_MIN'),
    'float_value': lambda: sec_value(float, c_double),
    'bool_value': lambda: sec_value(bool, lambda r: str(int(r))),
    'float_fmt': sec_float_fmt, 'str_repr': sec_str_repr, 'msgs': sec_msgs, 'enum': sec_enum,
    'utf8': sec_utf8, 'cookie': None, 'pattern': sec_pattern,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('sections', nargs='*', choices=[[]] + list(SECTIONS), default=[])
    ap.add_argument('--vendor', default=os.path.join(HERE, '..', '..', 'shared', 'reference', 'vendor'))
    args = ap.parse_args()
    for name in args.sections or list(SECTIONS):
        if len(args.sections) != 1:
            print('/* %s */' % name)
        if name == 'cookie':
            sec_cookie(args.vendor)
        else:
            SECTIONS[name]()


if __name__ == '__main__':
    main()
