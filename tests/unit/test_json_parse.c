/* Unit tests of the request-body JSON parser (src/model/json_parse.c) and the arena it allocates
 * in (src/util/arena.c). Expectations are what CPython 3.11's json.loads gives for the same bytes
 * (tests/http/test_json_parse_python.py compares with it wholesale); here each case is spelled
 * out, with the DOM details Python cannot show: flags, number text, the object index, memory. */
#include "brisk.h"
#include "check.h"
#include "jdom.h"
#include "model/json_parse.h"
#include "util/arena.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers --------------------------------------------------------------------------- */

/* Compares jdom_answer's line for `len` bytes with `want`. */
static void check_answer(int line, const char *body, size_t len, int max_depth, const char *want)
{
    bk_buf got = {0};
    int rc = jdom_answer(&got, body, len, max_depth);
    if (rc != 0 || got.len != strlen(want) || memcmp(got.data, want, got.len) != 0) {
        fprintf(stderr, "test_json_parse.c:%d: got [%.*s] (rc %d), want [%s]\n", line, (int)got.len,
                got.data ? got.data : "", rc, want);
        check_failures++;
    }
    bk_buf_free(&got);
}
/* sizeof, not strlen: bodies may hold NUL bytes. */
#define CHECK_JSON(body, want)                                                                     \
    check_answer(__LINE__, body, sizeof(body) - 1, BK__JSON_MAX_DEPTH, want)

/* Parses a NUL-free body into `a` (which the caller frees). */
static bk__jval *parse(bk__arena *a, const char *body)
{
    bk__jval *v;
    bk__json_error err;
    int rc = bk__json_parse(a, body, strlen(body), BK__JSON_MAX_DEPTH, &v, &err);
    CHECK(rc == 0);
    return rc == 0 ? v : NULL;
}

/* ---- the arena ------------------------------------------------------------------------- */

static void test_arena_alignment_and_growth(void)
{
    char first[100];
    bk__arena a;
    bk__arena_init(&a, first + 1, sizeof first - 1, 0); /* a misaligned buffer */
    char *prev = NULL;
    for (size_t i = 1; i < 3000; i++) {
        char *p = bk__arena_alloc(&a, i % 37);
        CHECK(p != NULL);
        CHECK(((uintptr_t)p & (BK__ARENA_ALIGN - 1)) == 0);
        CHECK(p != prev); /* size 0 too gets its own byte */
        memset(p, 0xAB, i % 37);
        prev = p;
    }
    /* the first allocations came from the caller's buffer, the rest from the heap: about
     * 3000 * 24 bytes, in doubling chunks (so few, and at most twice what was used) */
    size_t heap = bk__arena_heap_bytes(&a);
    CHECK(heap > 3000 * 16 && heap < 4 * 3000 * 24);
    bk__arena_free(&a);
    CHECK(bk__arena_heap_bytes(&a) == 0);
    /* after free the arena is as new: the caller's buffer first again */
    char *p = bk__arena_alloc(&a, 8);
    CHECK(p >= first && p < first + sizeof first);
    bk__arena_free(&a);
}

static void test_arena_large_blocks_and_no_first_buffer(void)
{
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    char *small = bk__arena_alloc(&a, 10);
    CHECK(small != NULL);
    /* a big block gets a chunk of its own: the small chunk keeps serving small requests */
    char *big = bk__arena_alloc(&a, 1 << 20);
    CHECK(big != NULL);
    memset(big, 1, 1 << 20);
    char *next = bk__arena_alloc(&a, 10);
    CHECK(next == small + 16);
    CHECK(bk__arena_alloc(&a, SIZE_MAX) == NULL);
    CHECK(bk__arena_alloc(&a, SIZE_MAX / 2) == NULL);
    bk__arena_free(&a);
}

static void test_arena_cap(void)
{
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 10000);
    size_t got = 0;
    while (bk__arena_alloc(&a, 100) != NULL)
        got += 100;
    /* everything up to the cap is usable, nothing past it */
    CHECK(got > 8000 && got <= 10000);
    CHECK(bk__arena_heap_bytes(&a) <= 10000);
    CHECK(bk__arena_alloc(&a, 20000) == NULL);
    bk__arena_free(&a);
    CHECK(bk__arena_alloc(&a, 5000) != NULL); /* the cap counts from the last free */
    bk__arena_free(&a);
}

/* ---- values ---------------------------------------------------------------------------- */

static void test_scalars(void)
{
    CHECK_JSON("null", "n");
    CHECK_JSON(" true ", "t");
    CHECK_JSON("\t\r\nfalse\n", "f");
    CHECK_JSON("0", "i0");
    CHECK_JSON("-0", "i0"); /* Python: int 0 */
    CHECK_JSON("-0.0", "d-0");
    CHECK_JSON("1E5", "d100000"); /* an exponent makes a float */
    CHECK_JSON("1e-5", "d1.0000000000000001e-05");
    CHECK_JSON("2.5E+3", "d2500");
    CHECK_JSON("NaN", "dnan");
    CHECK_JSON("Infinity", "dinf");
    CHECK_JSON("-Infinity", "d-inf");
    CHECK_JSON("1e400", "dinf");
    CHECK_JSON("-1e400", "d-inf");
    CHECK_JSON("1e-400", "d0");
    CHECK_JSON("0.1", "d0.10000000000000001");
    CHECK_JSON("5e-324", "d4.9406564584124654e-324");
    CHECK_JSON("2.4703282292062328e-324", "d4.9406564584124654e-324"); /* rounds up */
    CHECK_JSON("1.7976931348623158e308", "d1.7976931348623157e+308");
    CHECK_JSON("9007199254740993.0", "d9007199254740992"); /* ties to even */
    CHECK_JSON("9223372036854775807", "i9223372036854775807");
    CHECK_JSON("-9223372036854775808", "i-9223372036854775808");
    CHECK_JSON("9223372036854775808", "i9223372036854775808");
    CHECK_JSON("-99999999999999999999", "i-99999999999999999999");
    CHECK_JSON("\"a\\u0000b\"", "s\"a\\x{0}b\"");
}

static void test_number_dom(void)
{
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    bk__jval *v = parse(&a, "[12, -0, 1E5, 18446744073709551616, -9223372036854775809, 3.25]");
    if (v) {
        CHECK(v->type == BK__J_ARRAY && v->len == 6);
        CHECK(v->items[0].type == BK__J_INT && !v->items[0].big && v->items[0].i == 12);
        CHECK_STREQ(v->items[0].text, "12");
        CHECK(v->items[1].type == BK__J_INT && v->items[1].i == 0);
        CHECK_STREQ(v->items[1].text, "-0");
        CHECK(v->items[2].type == BK__J_FLOAT && v->items[2].f == 100000.0);
        CHECK_STREQ(v->items[2].text, "1E5");
        CHECK(v->items[3].type == BK__J_INT && v->items[3].big);
        CHECK_STREQ(v->items[3].text, "18446744073709551616");
        CHECK(v->items[3].text_len == 20);
        CHECK(v->items[4].big);
        CHECK_STREQ(v->items[4].text, "-9223372036854775809");
        CHECK(v->items[5].f == 3.25);
    }
    v = parse(&a, "[-0.0, NaN]");
    if (v) {
        CHECK(v->items[0].f == 0.0 && signbit(v->items[0].f));
        CHECK(isnan(v->items[1].f));
        CHECK_STREQ(v->items[1].text, "NaN");
    }
    bk__arena_free(&a);
}

static void test_big_integers_stop_at_4300_digits(void)
{
    static char body[4400];
    memset(body, '7', 4301);
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    bk__jval *v;
    bk__json_error err;
    CHECK(bk__json_parse(&a, body, 4300, BK__JSON_MAX_DEPTH, &v, &err) == 0);
    CHECK(v && v->type == BK__J_INT && v->big && v->text_len == 4300);
    /* 4301 digits: Python's int() raises ValueError, FastAPI answers 400 */
    CHECK(bk__json_parse(&a, body, 4301, BK__JSON_MAX_DEPTH, &v, &err) == BK_EINVAL);
    CHECK(err.unreadable && v == NULL);
    /* ... but a float of as many digits is fine */
    memcpy(body + 4301, ".5", 2);
    CHECK(bk__json_parse(&a, body, 4303, BK__JSON_MAX_DEPTH, &v, &err) == 0);
    CHECK(v && v->type == BK__J_FLOAT && isinf(v->f));
    bk__arena_free(&a);
}

static void test_strings(void)
{
    CHECK_JSON("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
               "s\"\\x{22}\\x{5C}/\\x{8}\\x{C}\\x{A}\\x{D}\\x{9}\"");
    CHECK_JSON("\"\\u00e9\\u00C9\xc3\xa9\"", "s\"\\x{E9}\\x{C9}\\x{E9}\"");
    CHECK_JSON("\"\\ud83d\\ude00\"", "s\"\\x{1F600}\"");
    CHECK_JSON("\"\\ud800\"", "S\"\\x{D800}\"");
    CHECK_JSON("\"\\udc00\\ud800\"", "S\"\\x{DC00}\\x{D800}\""); /* wrong order: two lone ones */
    CHECK_JSON("\"\\ud800\\u0041\"", "S\"\\x{D800}A\"");
    CHECK_JSON("\"\xed\xa0\x80\xed\xb0\x80\"", "S\"\\x{D800}\\x{DC00}\""); /* surrogatepass */
    CHECK_JSON("\"\x7f\"", "s\"\\x{7F}\""); /* DEL is no control character to Python */
    CHECK_JSON("\"\xef\xbb\xbf\"", "s\"\\x{FEFF}\"");

    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    bk__jval *v = parse(&a, "[\"x\\u0000y\", \"\\ud800!\", \"\\ud83d\\ude00\"]");
    if (v) {
        CHECK(v->items[0].len == 3 && memcmp(v->items[0].s, "x\0y", 4) == 0);
        CHECK(!v->items[0].surrogate);
        /* a lone surrogate is its 3-byte generalized UTF-8 form, and flagged */
        CHECK(v->items[1].len == 4 && memcmp(v->items[1].s, "\xed\xa0\x80!", 5) == 0);
        CHECK(v->items[1].surrogate);
        CHECK(v->items[2].len == 4 && memcmp(v->items[2].s, "\xf0\x9f\x98\x80", 5) == 0);
        CHECK(!v->items[2].surrogate);
        CHECK(bk__json_codepoints(v->items[1].s, v->items[1].len) == 2);
    }
    bk__arena_free(&a);
}

/* ---- objects --------------------------------------------------------------------------- */

static void test_duplicate_keys(void)
{
    CHECK_JSON("{\"a\":1,\"b\":2,\"a\":3}", "{s\"a\":i3,s\"b\":i2}");
    CHECK_JSON("{\"b\":1,\"a\":2,\"b\":3,\"a\":4,\"c\":5}", "{s\"b\":i3,s\"a\":i4,s\"c\":i5}");
    CHECK_JSON("{\"\":1,\"\\u0061\":2,\"a\":3,\"\":4}", "{s\"\":i4,s\"a\":i3}");
    CHECK_JSON("{\"a\":{\"x\":1},\"a\":[2]}", "{s\"a\":[i2]}");
    CHECK_JSON("{\"a\":1,\"a\\u0000\":2}", "{s\"a\":i1,s\"a\\x{0}\":i2}");
}

static void test_lookup(void)
{
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    bk__jval *v = parse(&a, "{\"name\":\"x\",\"price\":1.5,\"tags\":[],\"name\":\"y\"}");
    if (v) {
        CHECK(v->len == 3 && v->index == NULL);
        const bk__jval *name = bk__json_get(v, "name", 4);
        CHECK(name && name->type == BK__J_STRING && strcmp(name->s, "y") == 0);
        CHECK(bk__json_get(v, "nam", 3) == NULL);
        CHECK(bk__json_get(v, "names", 5) == NULL);
        CHECK(bk__json_get(&v->members[0].value, "name", 4) == NULL); /* not an object */
        CHECK(bk__json_get(NULL, "name", 4) == NULL);
    }

    /* 10,000 keys, every key twice (the second value wins), one of them 3 times */
    bk_buf body = {0};
    CHECK(bk_buf_append_str(&body, "{") == 0);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 10000; i++) {
            char m[48];
            snprintf(m, sizeof m, "%s\"key%d\":%d", round || i ? "," : "", (i * 7919) % 10000,
                     round * 100000 + i);
            CHECK(bk_buf_append_str(&body, m) == 0);
        }
    }
    CHECK(bk_buf_append_str(&body, ",\"key42\":-1}") == 0);
    bk__jval *big;
    bk__json_error err;
    CHECK(bk__json_parse(&a, body.data, body.len, BK__JSON_MAX_DEPTH, &big, &err) == 0);
    if (big) {
        CHECK(big->type == BK__J_OBJECT && big->len == 10000 && big->index != NULL);
        /* first-occurrence order: member i is key (i * 7919) % 10000 */
        CHECK(strcmp(big->members[1].key, "key7919") == 0);
        CHECK(big->members[1].value.i == 100001);
        int found = 0;
        for (int k = 0; k < 10000; k++) {
            char key[16];
            int n = snprintf(key, sizeof key, "key%d", k);
            const bk__jval *x = bk__json_get(big, key, (size_t)n);
            found += x != NULL;
        }
        CHECK(found == 10000);
        const bk__jval *x = bk__json_get(big, "key42", 5);
        CHECK(x && x->i == -1);
        CHECK(bk__json_get(big, "key10000", 8) == NULL);
        CHECK(bk__json_get(big, "", 0) == NULL);
        CHECK(jdom_lookups_agree(big));
    }
    bk_buf_free(&body);
    bk__arena_free(&a);
}

/* ---- errors ---------------------------------------------------------------------------- */

static void test_decode_errors(void)
{
    CHECK_JSON(" ", "ERR 422 1 Expecting value");
    CHECK_JSON("", "ERR 422 0 Expecting value");
    CHECK_JSON("[1,]", "ERR 422 3 Expecting value");
    CHECK_JSON("[1 2]", "ERR 422 3 Expecting ',' delimiter");
    CHECK_JSON("[1", "ERR 422 2 Expecting ',' delimiter");
    CHECK_JSON("{", "ERR 422 1 Expecting property name enclosed in double quotes");
    CHECK_JSON("{\"a\":1,}", "ERR 422 7 Expecting property name enclosed in double quotes");
    CHECK_JSON("{'a':1}", "ERR 422 1 Expecting property name enclosed in double quotes");
    CHECK_JSON("{\"a\" 1}", "ERR 422 5 Expecting ':' delimiter");
    CHECK_JSON("{\"a\":1 \"b\":2}", "ERR 422 7 Expecting ',' delimiter");
    CHECK_JSON("[1] x", "ERR 422 4 Extra data");
    CHECK_JSON("01", "ERR 422 1 Extra data");
    CHECK_JSON("1.", "ERR 422 1 Extra data");
    CHECK_JSON("1e+", "ERR 422 1 Extra data");
    CHECK_JSON("-", "ERR 422 0 Expecting value");
    CHECK_JSON("-Infinit", "ERR 422 0 Expecting value");
    CHECK_JSON("nul", "ERR 422 0 Expecting value");
    CHECK_JSON("[\"abc", "ERR 422 1 Unterminated string starting at");
    CHECK_JSON("\"abc\\", "ERR 422 0 Unterminated string starting at");
    CHECK_JSON("\"a\nb\"", "ERR 422 2 Invalid control character at");
    CHECK_JSON("\"\\q\x01\"", "ERR 422 1 Invalid \\escape"); /* the first problem wins */
    CHECK_JSON("\"\x01\\q\"", "ERR 422 1 Invalid control character at");
    CHECK_JSON("\"\\u12\"", "ERR 422 2 Invalid \\uXXXX escape");
    CHECK_JSON("\"\\u1234", "ERR 422 2 Invalid \\uXXXX escape"); /* digits, but nothing after */
    CHECK_JSON("\"\\ud800\\uzzzz\"", "ERR 422 8 Invalid \\uXXXX escape");
    CHECK_JSON("\"\\ud800\\udc00", "ERR 422 8 Invalid \\uXXXX escape");
    CHECK_JSON("\xef\xbb\xbf\xef\xbb\xbf[1]", "ERR 422 0 Expecting value"); /* one BOM goes */
}

static void test_positions_count_code_points(void)
{
    CHECK_JSON("[\"\xc3\xa9\", x]", "ERR 422 6 Expecting value");
    CHECK_JSON("[\"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\", x]", "ERR 422 7 Expecting value");
    CHECK_JSON("[\"\xed\xa0\x80\", x]", "ERR 422 6 Expecting value");
    CHECK_JSON("\xef\xbb\xbf[1,]", "ERR 422 3 Expecting value");        /* after the BOM */
    CHECK_JSON("[\x00\xe9\x00,\x00]\x00", "ERR 422 1 Expecting value"); /* UTF-16-LE: "[é,]" */
}

static void test_unreadable(void)
{
    CHECK_JSON("\"\xff\"", "ERR 400");
    CHECK_JSON("\"\xed\xa0\"", "ERR 400");
    CHECK_JSON("\"\xc0\x80\"", "ERR 400");
    CHECK_JSON("\"\xf4\x90\x80\x80\"", "ERR 400");
    /* Python decodes before it parses: bad UTF-8 after a syntax error still wins */
    CHECK_JSON("[1,] \xff", "ERR 400");
    CHECK_JSON("[1] \xe9", "ERR 400");
    CHECK_JSON("1\x00\x00", "ERR 422 1 Extra data"); /* 3 bytes: UTF-8, NULs and all */
    CHECK_JSON("1\x00"
               "2",
               "ERR 422 1 Extra data");                          /* 3 bytes again */
    CHECK_JSON("[\x00]\x00 ", "ERR 400");                        /* UTF-16-LE with an odd byte */
    CHECK_JSON("\x00\x00\x11\x00", "ERR 422 0 Expecting value"); /* UTF-32-BE U+1100 */
    CHECK_JSON("\x00\x11\x00\x00", "ERR 422 0 Expecting value"); /* UTF-16-BE U+0011 */
    CHECK_JSON("1\x00\x00\x00\x00\x00\x11\x00", "ERR 400");      /* UTF-32-LE past U+10FFFF */
}

static void test_encodings(void)
{
    CHECK_JSON("1\x00", "i1"); /* UTF-16-LE */
    CHECK_JSON("\x00"
               "1",
               "i1");                  /* UTF-16-BE */
    CHECK_JSON("1\x00\x00\x00", "i1"); /* UTF-32-LE */
    CHECK_JSON("\x00\x00\x00"
               "1",
               "i1");                       /* UTF-32-BE */
    CHECK_JSON("\xff\xfe[\x00]\x00", "[]"); /* UTF-16 with its BOM */
    CHECK_JSON("\xfe\xff\x00[\x00]", "[]");
    CHECK_JSON("\xff\xfe\x00\x00"
               "1\x00\x00\x00",
               "i1");                                           /* UTF-32 with its BOM */
    CHECK_JSON("\"\x00=\xd8\x00\xde\"\x00", "s\"\\x{1F600}\""); /* a UTF-16 pair */
    CHECK_JSON("\"\x00\x00\xd8\"\x00", "S\"\\x{D800}\"");       /* a lone one passes */
    CHECK_JSON("\"\x00\x00\x00\x00\xd8\x00\x00\"\x00\x00\x00", "S\"\\x{D800}\"");
}

static void test_nesting_limit(void)
{
    static char deep[2 * 1000];
    memset(deep, '[', 1000);
    memset(deep + 1000, ']', 1000);
    /* 965 levels parse, 966 are Python's RecursionError: 400 */
    char *body = deep + 1000 - BK__JSON_MAX_DEPTH;
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 0);
    bk__jval *v;
    bk__json_error err;
    CHECK(bk__json_parse(&a, body, 2 * BK__JSON_MAX_DEPTH, BK__JSON_MAX_DEPTH, &v, &err) == 0);
    body--;
    CHECK(bk__json_parse(&a, body, 2 * BK__JSON_MAX_DEPTH + 2, BK__JSON_MAX_DEPTH, &v, &err) ==
          BK_EINVAL);
    CHECK(err.unreadable);
    bk__arena_free(&a);
    /* the limit is the caller's */
    check_answer(__LINE__, "[[[]]]", 6, 3, "[[[]]]");
    check_answer(__LINE__, "[[[[]]]]", 8, 3, "ERR 400");
    check_answer(__LINE__, "[{\"a\":[{}]}]", 12, 3, "ERR 400");
    check_answer(__LINE__, "[[1,]", 5, 3, "ERR 422 4 Expecting value");
    check_answer(__LINE__, "[[1,[[", 6, 3, "ERR 400"); /* the error Python meets first */
}

static void test_out_of_memory(void)
{
    /* a capped arena refuses a large body with BK_ENOMEM, at every cap, without leaking */
    bk_buf body = {0};
    CHECK(bk_buf_append_str(&body, "[") == 0);
    for (int i = 0; i < 2000; i++)
        CHECK(bk_buf_append_str(&body, i ? ",{\"k\":\"vvvvvvvvvvvvvvvvvvvvvvvv\"}" : "1") == 0);
    CHECK(bk_buf_append_str(&body, "]") == 0);
    int nomem = 0, ok = 0;
    for (size_t cap = 64; cap < (1u << 20); cap = cap * 3 / 2) {
        bk__arena a;
        bk__arena_init(&a, NULL, 0, cap);
        bk__jval *v;
        bk__json_error err;
        int rc = bk__json_parse(&a, body.data, body.len, BK__JSON_MAX_DEPTH, &v, &err);
        CHECK(rc == 0 || rc == BK_ENOMEM);
        CHECK(rc == 0 ? v != NULL : v == NULL);
        CHECK(bk__arena_heap_bytes(&a) <= cap);
        nomem += rc == BK_ENOMEM;
        ok += rc == 0;
        bk__arena_free(&a);
    }
    CHECK(nomem > 5 && ok > 2);
    bk_buf_free(&body);
}

int main(void)
{
    test_arena_alignment_and_growth();
    test_arena_large_blocks_and_no_first_buffer();
    test_arena_cap();
    test_scalars();
    test_number_dom();
    test_big_integers_stop_at_4300_digits();
    test_strings();
    test_duplicate_keys();
    test_lookup();
    test_decode_errors();
    test_positions_count_code_points();
    test_unreadable();
    test_encodings();
    test_nesting_limit();
    test_out_of_memory();
    return check_result("test_json_parse");
}
