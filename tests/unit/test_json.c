/* Unit tests of the growable buffer (bk_buf_*) and the JSON writer (bk_json_*). Decoding goes
 * through jansson so that "valid JSON" is judged by an independent parser. */
#include "brisk.h"
#include "check.h"

#include <float.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"

/* ---- helpers --------------------------------------------------------------------------- */

static int bytes_equal(const bk_buf *b, const char *want, size_t want_len)
{
    return b->len == want_len && (want_len == 0 || memcmp(b->data, want, want_len) == 0);
}

static void report_mismatch(int line, const bk_buf *b, const char *want)
{
    fprintf(stderr, "test_json.c:%d: got [%.*s] (%zu bytes), want [%s]\n", line, (int)b->len,
            b->data ? b->data : "", b->len, want);
    check_failures++;
}

/* Escapes `len` bytes of `in` and compares with `want` (quotes included). */
static void check_escape(int line, const char *in, size_t len, const char *want)
{
    bk_buf b = {0};
    CHECK(bk_json_escape(&b, in, len) == 0);
    if (!bytes_equal(&b, want, strlen(want)))
        report_mismatch(line, &b, want);
    bk_buf_free(&b);
}
/* sizeof, not strlen: literals may hold NUL bytes. */
#define CHECK_ESCAPE(in, want) check_escape(__LINE__, in, sizeof(in) - 1, want)

/* Checks a finished document: no error and exactly the bytes `want`. */
static void check_doc(int line, const bk_json *j, const char *want)
{
    if (bk_json_error(j) != 0) {
        fprintf(stderr, "test_json.c:%d: writer error %d\n", line, bk_json_error(j));
        check_failures++;
    }
    if (!bytes_equal(j->out, want, strlen(want)))
        report_mismatch(line, j->out, want);
}
#define CHECK_DOC(j, want) check_doc(__LINE__, j, want)

/* Parses `len` bytes as one JSON value, or NULL. */
static json_t *parse(const char *data, size_t len)
{
    json_error_t err;
    json_t *v = json_loadb(data, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v)
        fprintf(stderr, "jansson: %s at %d\n", err.text, err.position);
    return v;
}

/* A small, deterministic generator (xorshift64*) so failures reproduce. */
typedef struct rng {
    uint64_t state;
} rng;

static uint64_t rng_next(rng *r)
{
    r->state ^= r->state >> 12;
    r->state ^= r->state << 25;
    r->state ^= r->state >> 27;
    return r->state * 0x2545F4914F6CDD1Du;
}

static uint32_t rng_below(rng *r, uint32_t n)
{
    return (uint32_t)(rng_next(r) % n);
}

/* A reference validator written differently from the one under test: decode, then check the
 * code point's range. */
static int is_valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t len;
        uint32_t cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xE0) == 0xC0) {
            len = 2, cp = c & 0x1F, min = 0x80;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3, cp = c & 0x0F, min = 0x800;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4, cp = c & 0x07, min = 0x10000;
        } else {
            return 0;
        }
        if (n - i < len)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static size_t encode_utf8(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (unsigned char)(0xC0 | cp >> 6);
        out[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (unsigned char)(0xE0 | cp >> 12);
        out[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        out[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | cp >> 18);
    out[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    out[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    out[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---- bk_buf ---------------------------------------------------------------------------- */

static void test_buf_growth(void)
{
    bk_buf b = {0};
    CHECK(bk_buf_append(&b, "abc", 3) == 0);
    CHECK(b.len == 3 && b.cap == 64 && memcmp(b.data, "abc", 3) == 0);
    CHECK(bk_buf_append_str(&b, "") == 0 && b.len == 3);
    CHECK(bk_buf_append(&b, NULL, 0) == 0 && b.len == 3);
    char block[61];
    memset(block, 'x', sizeof block);
    CHECK(bk_buf_append(&b, block, sizeof block) == 0);
    CHECK(b.len == 64 && b.cap == 64);
    CHECK(bk_buf_append_str(&b, "y") == 0);
    CHECK(b.len == 65 && b.cap == 128 && b.data[64] == 'y');
    CHECK(bk_buf_reserve(&b, 1000) == 0 && b.cap == 2048 && b.len == 65);
    bk_buf_free(&b);
    CHECK(b.data == NULL && b.len == 0 && b.cap == 0);
}

static void test_buf_self_append(void)
{
    bk_buf b = {0};
    CHECK(bk_buf_append_str(&b, "0123456789") == 0);
    /* Appending the buffer to itself until it must move: the source has to survive realloc. */
    for (int i = 0; i < 6; i++)
        CHECK(bk_buf_append(&b, b.data, b.len) == 0);
    CHECK(b.len == 640);
    for (size_t i = 0; i < b.len; i++)
        CHECK(b.data[i] == (char)('0' + i % 10));
    bk_buf_free(&b);
}

static void test_buf_overflow(void)
{
    bk_buf b = {0};
    CHECK(bk_buf_append_str(&b, "keep") == 0);
    char *data = b.data;
    size_t cap = b.cap;
    CHECK(bk_buf_reserve(&b, SIZE_MAX) == BK_ENOMEM);
    CHECK(bk_buf_reserve(&b, SIZE_MAX - 2) == BK_ENOMEM);
    CHECK(bk_buf_reserve(&b, (size_t)PTRDIFF_MAX) == BK_ENOMEM);
    CHECK(b.data == data && b.len == 4 && b.cap == cap && memcmp(b.data, "keep", 4) == 0);
    bk_buf_free(&b);
}

static void test_strerror(void)
{
    const int codes[] = {BK_ENOMEM, BK_EINVAL,    BK_ENOENT, BK_ERANGE,
                         BK_EEXIST, BK_ECANCELED, BK_EAGAIN};
    const char *unknown = bk_strerror(12345);
    CHECK(unknown && *unknown);
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        CHECK(bk_strerror(codes[i]) && *bk_strerror(codes[i]));
        CHECK(strcmp(bk_strerror(codes[i]), unknown) != 0);
        for (size_t k = 0; k < i; k++)
            CHECK(strcmp(bk_strerror(codes[i]), bk_strerror(codes[k])) != 0);
    }
    CHECK_STREQ(bk_strerror(BK_OK), "success");
}

/* ---- escaping -------------------------------------------------------------------------- */

static void test_escape_ascii(void)
{
    CHECK_ESCAPE("", "\"\"");
    CHECK_ESCAPE("Fast response", "\"Fast response\"");
    CHECK_ESCAPE("say \"hi\"", "\"say \\\"hi\\\"\"");
    CHECK_ESCAPE("C:\\dir\\", "\"C:\\\\dir\\\\\"");
    CHECK_ESCAPE("\\\"", "\"\\\\\\\"\"");
    CHECK_ESCAPE("/<>'&", "\"/<>'&\"");
    CHECK_ESCAPE("line1\nline2\r\n\ttab", "\"line1\\nline2\\r\\n\\ttab\"");
    /* Long enough for the eight-bytes-at-a-time scan, with specials at every offset. */
    CHECK_ESCAPE("abcdefghijklmnop\"qrstuvwxyz0123456789\\ABCDEFG\x7f",
                 "\"abcdefghijklmnop\\\"qrstuvwxyz0123456789\\\\ABCDEFG\\u007f\"");
}

static void test_escape_controls(void)
{
    static const char *const want[32] = {
        "\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005", "\\u0006", "\\u0007",
        "\\b",     "\\t",     "\\n",     "\\u000b", "\\f",     "\\r",     "\\u000e", "\\u000f",
        "\\u0010", "\\u0011", "\\u0012", "\\u0013", "\\u0014", "\\u0015", "\\u0016", "\\u0017",
        "\\u0018", "\\u0019", "\\u001a", "\\u001b", "\\u001c", "\\u001d", "\\u001e", "\\u001f",
    };
    for (int c = 0; c <= 0x20; c++) {
        int ch = c == 0x20 ? 0x7F : c;
        const char *esc = c == 0x20 ? "\\u007f" : want[c];
        char in[3] = {'a', (char)ch, 'b'}, expect[16];
        snprintf(expect, sizeof expect, "\"a%sb\"", esc);
        check_escape(__LINE__, in, sizeof in, expect);
        snprintf(expect, sizeof expect, "\"%s\"", esc);
        check_escape(__LINE__, in + 1, 1, expect);
    }
}

static void test_escape_valid_utf8(void)
{
    CHECK_ESCAPE("caf\xC3\xA9", "\"caf\xC3\xA9\"");
    CHECK_ESCAPE("\xE2\x82\xAC 5", "\"\xE2\x82\xAC 5\"");
    CHECK_ESCAPE("\xF0\x9F\x98\x80!", "\"\xF0\x9F\x98\x80!\"");
    CHECK_ESCAPE("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                 "\"\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\"");
    /* The edges of every range of table 3-7. */
    CHECK_ESCAPE("\xC2\x80\xDF\xBF", "\"\xC2\x80\xDF\xBF\"");
    CHECK_ESCAPE("\xE0\xA0\x80\xED\x9F\xBF", "\"\xE0\xA0\x80\xED\x9F\xBF\"");
    CHECK_ESCAPE("\xEE\x80\x80\xEF\xBF\xBF", "\"\xEE\x80\x80\xEF\xBF\xBF\"");
    CHECK_ESCAPE("\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", "\"\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");
    /* The neighbours of U+2028/U+2029 pass through. */
    CHECK_ESCAPE("\xE2\x80\xA7\xE2\x80\xAA", "\"\xE2\x80\xA7\xE2\x80\xAA\"");
}

static void test_escape_js_line_breaks(void)
{
    CHECK_ESCAPE("a\xE2\x80\xA8Z", "\"a\\u2028Z\"");
    CHECK_ESCAPE("\xE2\x80\xA9", "\"\\u2029\"");
    CHECK_ESCAPE("\xE2\x80\xA8\xE2\x80\xA9", "\"\\u2028\\u2029\"");
}

/* Each ill-formed sequence becomes U+FFFD per maximal subpart, as Python's errors="replace". */
static void test_escape_invalid_utf8(void)
{
    CHECK_ESCAPE("\x80", "\"" FFFD "\""); /* lone continuation */
    CHECK_ESCAPE("x\x80\xBFy", "\"x" FFFD FFFD "y\"");
    CHECK_ESCAPE("\xC0\x80", "\"" FFFD FFFD "\"");                            /* overlong NUL */
    CHECK_ESCAPE("\xC1\xBF", "\"" FFFD FFFD "\"");                            /* overlong */
    CHECK_ESCAPE("\xE0\x80\x80", "\"" FFFD FFFD FFFD "\"");                   /* overlong */
    CHECK_ESCAPE("\xE0\x9F\xBF", "\"" FFFD FFFD FFFD "\"");                   /* overlong */
    CHECK_ESCAPE("\xF0\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");          /* overlong */
    CHECK_ESCAPE("\xF0\x8F\xBF\xBF", "\"" FFFD FFFD FFFD FFFD "\"");          /* overlong */
    CHECK_ESCAPE("\xED\xA0\x80", "\"" FFFD FFFD FFFD "\"");                   /* U+D800 */
    CHECK_ESCAPE("\xED\xBF\xBF", "\"" FFFD FFFD FFFD "\"");                   /* U+DFFF */
    CHECK_ESCAPE("\xF4\x90\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");          /* U+110000 */
    CHECK_ESCAPE("\xF5\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD "\"");          /* lead > F4 */
    CHECK_ESCAPE("\xF8\x88\x80\x80\x80", "\"" FFFD FFFD FFFD FFFD FFFD "\""); /* 5-byte form */
    CHECK_ESCAPE("\xFE\xFF", "\"" FFFD FFFD "\"");
    CHECK_ESCAPE("\xC3", "\"" FFFD "\""); /* truncated at end */
    CHECK_ESCAPE("\xE2\x82", "\"" FFFD "\"");
    CHECK_ESCAPE("\xF0\x9F\x98", "\"" FFFD "\"");
    CHECK_ESCAPE("\xE2\x82Z", "\"" FFFD "Z\""); /* truncated early */
    CHECK_ESCAPE("\xF0\x9F\x98\"", "\"" FFFD "\\\"\"");
    CHECK_ESCAPE("\xE2(\xA1", "\"" FFFD "(" FFFD "\"");
    CHECK_ESCAPE("\xF0\x9F\x98\xF0\x9F\x98\x80", "\"" FFFD "\xF0\x9F\x98\x80\"");
    CHECK_ESCAPE("a\xE2\x82\xACz\xE2\x82", "\"a\xE2\x82\xACz" FFFD "\"");
    CHECK_ESCAPE("\xC3\n", "\"" FFFD "\\n\"");
}

static void test_escape_embedded_nul(void)
{
    CHECK_ESCAPE("a\0b", "\"a\\u0000b\"");
    bk_buf b = {0};
    CHECK(bk_json_escape(&b, NULL, 0) == 0 && bytes_equal(&b, "\"\"", 2));
    CHECK(bk_json_escape(&b, "x", 0) == 0 && bytes_equal(&b, "\"\"\"\"", 4));
    bk_buf_free(&b);
}

/* Escaping a buffer's own bytes into it: the growth must not pull the input from under it. */
static void test_escape_from_itself(void)
{
    bk_buf b = {0};
    CHECK(bk_buf_append_str(&b, "a\"b\n") == 0);
    for (int i = 0; i < 5; i++) {
        bk_buf want = {0};
        char *snapshot = malloc(b.len);
        CHECK(snapshot != NULL);
        if (!snapshot)
            break;
        memcpy(snapshot, b.data, b.len);
        CHECK(bk_buf_append(&want, snapshot, b.len) == 0);
        CHECK(bk_json_escape(&want, snapshot, b.len) == 0);
        CHECK(bk_json_escape(&b, b.data, b.len) == 0);
        CHECK(b.len == want.len && memcmp(b.data, want.data, b.len) == 0);
        free(snapshot);
        bk_buf_free(&want);
    }
    CHECK(b.cap > 64); /* it did grow */

    b.len = 0;
    CHECK(bk_buf_append_str(&b, "[1,2]") == 0);
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_raw(&j, b.data, 5);
    CHECK_DOC(&j, "[1,2][1,2]");
    bk_buf_free(&b);
}

/* ---- writer ---------------------------------------------------------------------------- */

static void test_writer_message(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_object_begin(&j);
    bk_json_key(&j, "message");
    bk_json_string(&j, "Fast response");
    bk_json_object_end(&j);
    CHECK_DOC(&j, "{\"message\":\"Fast response\"}");
    bk_buf_free(&b);
}

static void test_writer_nesting(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_object_begin(&j);
    bk_json_key(&j, "a");
    bk_json_array_begin(&j);
    bk_json_int(&j, 1);
    bk_json_int(&j, 2);
    bk_json_object_begin(&j);
    bk_json_key(&j, "b");
    bk_json_null(&j);
    bk_json_object_end(&j);
    bk_json_array_end(&j);
    bk_json_key(&j, "c");
    bk_json_object_begin(&j);
    bk_json_object_end(&j);
    bk_json_key(&j, "d");
    bk_json_array_begin(&j);
    bk_json_array_end(&j);
    bk_json_key(&j, "e");
    bk_json_array_begin(&j);
    bk_json_array_begin(&j);
    bk_json_array_end(&j);
    bk_json_array_begin(&j);
    bk_json_object_begin(&j);
    bk_json_object_end(&j);
    bk_json_array_end(&j);
    bk_json_array_end(&j);
    bk_json_key(&j, "f");
    bk_json_bool(&j, 1);
    bk_json_key(&j, "g");
    bk_json_bool(&j, 0);
    bk_json_key(&j, "k\"\n\xE2\x80\xA8");
    bk_json_string(&j, NULL);
    bk_json_object_end(&j);
    CHECK_DOC(&j, "{\"a\":[1,2,{\"b\":null}],\"c\":{},\"d\":[],\"e\":[[],[{}]],\"f\":true,"
                  "\"g\":false,\"k\\\"\\n\\u2028\":null}");
    bk_buf_free(&b);
}

static void test_writer_scalars_and_raw(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_array_begin(&j);
    bk_json_raw(&j, "{\"pre\":[1,2]}", 13);
    bk_json_string_len(&j, "two\0x", 5);
    bk_json_double(&j, 3.5);
    bk_json_bool(&j, 42);
    bk_json_null(&j);
    bk_json_raw(&j, "7", 1);
    bk_json_object_begin(&j);
    bk_json_key(&j, "r");
    bk_json_raw(&j, "[]", 2);
    bk_json_key(&j, "");
    bk_json_string_len(&j, NULL, 0);
    bk_json_object_end(&j);
    bk_json_array_end(&j);
    CHECK_DOC(&j, "[{\"pre\":[1,2]},\"two\\u0000x\",3.5,true,null,7,{\"r\":[],\"\":\"\"}]");
    bk_buf_free(&b);

    bk_json_init(&j, &b);
    bk_json_string(&j, "top");
    CHECK_DOC(&j, "\"top\"");
    bk_buf_free(&b);

    /* The writer appends to what the buffer already holds. */
    CHECK(bk_buf_append_str(&b, "data: ") == 0);
    bk_json_init(&j, &b);
    bk_json_int(&j, -5);
    CHECK_DOC(&j, "data: -5");
    bk_buf_free(&b);
}

static void check_int(int line, int64_t v, const char *want)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_int(&j, v);
    check_doc(line, &j, want);
    bk_buf_free(&b);
}

static void test_writer_ints(void)
{
    check_int(__LINE__, 0, "0");
    check_int(__LINE__, 7, "7");
    check_int(__LINE__, 10, "10");
    check_int(__LINE__, 99, "99");
    check_int(__LINE__, 100, "100");
    check_int(__LINE__, -1, "-1");
    check_int(__LINE__, -1000000, "-1000000");
    check_int(__LINE__, INT64_MAX, "9223372036854775807");
    check_int(__LINE__, INT64_MIN, "-9223372036854775808");
    check_int(__LINE__, INT64_MIN + 1, "-9223372036854775807");
    rng r = {42};
    for (int i = 0; i < 10000; i++) {
        int64_t v = (int64_t)(rng_next(&r) >> rng_below(&r, 64));
        char want[32];
        snprintf(want, sizeof want, "%" PRId64, v);
        check_int(__LINE__, v, want);
    }
}

/* Writes v as a one-value document; returns the writer's error. */
static int write_double(bk_buf *b, double v)
{
    bk_json j;
    b->len = 0;
    bk_json_init(&j, b);
    bk_json_double(&j, v);
    return bk_json_error(&j);
}

static void check_double(int line, double v, const char *want)
{
    bk_buf b = {0};
    CHECK(write_double(&b, v) == 0);
    if (!bytes_equal(&b, want, strlen(want)))
        report_mismatch(line, &b, want);
    bk_buf_free(&b);
}

/* The text must be a JSON number (jansson agrees) that reads back as exactly v. */
static int double_round_trips(bk_buf *b, double v)
{
    if (write_double(b, v) != 0)
        return 0;
    json_t *parsed = parse(b->data, b->len);
    int ok = parsed && json_is_number(parsed) && json_number_value(parsed) == v;
    char text[64];
    if (ok && b->len < sizeof text) {
        memcpy(text, b->data, b->len);
        text[b->len] = '\0';
        ok = strtod(text, NULL) == v && signbit(strtod(text, NULL)) == signbit(v);
    }
    json_decref(parsed);
    return ok;
}

static void test_writer_doubles(void)
{
    check_double(__LINE__, 0.1, "0.1");
    check_double(__LINE__, 1e300, "1e+300");
    check_double(__LINE__, -0.0, "-0.0");
    check_double(__LINE__, 0.0, "0.0");
    check_double(__LINE__, 2.0, "2.0");
    check_double(__LINE__, -1.5, "-1.5");
    check_double(__LINE__, 1e-5, "1e-05");
    check_double(__LINE__, 1e16, "1e+16");
    check_double(__LINE__, 13529456663262632.0, "1.3529456663262632e+16"); /* %.17g: no e */
    check_double(__LINE__, 123456789012345.0, "123456789012345.0");
    check_double(__LINE__, 0.1 + 0.2, "0.30000000000000004");
    check_double(__LINE__, 12.5, "12.5");
    check_double(__LINE__, 0.05, "0.05");
    check_double(__LINE__, -0.001, "-0.001");
    check_double(__LINE__, 0.0001, "0.0001");
    check_double(__LINE__, 51.507351, "51.507351");
    check_double(__LINE__, 123456.789, "123456.789");
    check_double(__LINE__, 1e15 + 0.5, "1000000000000000.5");
    check_double(__LINE__, 1.0 / 3, "0.3333333333333333");
    check_double(__LINE__, 84422.04838709677, "84422.04838709677"); /* the closest of two */
    check_double(__LINE__, 5e-324, "5e-324");
    check_double(__LINE__, -1.5e-323, "-1.5e-323");
    check_double(__LINE__, NAN, "null");
    check_double(__LINE__, INFINITY, "null");
    check_double(__LINE__, -INFINITY, "null");

    bk_buf b = {0};
    const double samples[] = {1.0 / 3,
                              2.0 / 3,
                              5e-324,
                              DBL_MIN,
                              DBL_MAX,
                              -DBL_MAX,
                              DBL_EPSILON,
                              9007199254740993.0,
                              1e15 + 0.5,
                              -0.0,
                              3.141592653589793,
                              1e-300};
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++)
        CHECK(double_round_trips(&b, samples[i]));
    /* Random bit patterns cover subnormals and every exponent. */
    rng r = {7};
    int failures = 0;
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng_next(&r);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (isfinite(v) && !double_round_trips(&b, v))
            failures++;
    }
    /* Decimals with few digits, the common case in APIs (prices, coordinates). */
    for (int i = 0; i < 20000; i++) {
        static const double scale[] = {1, 10, 100, 1e3, 1e4, 1e6, 1e9, 1e12, 1e15, 1e18};
        double v = (double)(int64_t)(rng_next(&r) >> rng_below(&r, 64)) / scale[rng_below(&r, 10)];
        if (!double_round_trips(&b, i % 2 ? v : -v))
            failures++;
    }
    CHECK(failures == 0);
    bk_buf_free(&b);
}

/* ---- errors ---------------------------------------------------------------------------- */

typedef void (*misuse_fn)(bk_json *j);

static void end_without_begin(bk_json *j)
{
    bk_json_object_end(j);
}
static void array_end_without_begin(bk_json *j)
{
    bk_json_array_end(j);
}
static void key_at_top_level(bk_json *j)
{
    bk_json_key(j, "k");
}
static void key_in_array(bk_json *j)
{
    bk_json_array_begin(j);
    bk_json_key(j, "k");
}
static void value_without_key(bk_json *j)
{
    bk_json_object_begin(j);
    bk_json_int(j, 1);
}
static void object_end_after_key(bk_json *j)
{
    bk_json_object_begin(j);
    bk_json_key(j, "k");
    bk_json_object_end(j);
}
static void two_keys(bk_json *j)
{
    bk_json_object_begin(j);
    bk_json_key(j, "a");
    bk_json_key(j, "b");
}
static void mismatched_end(bk_json *j)
{
    bk_json_array_begin(j);
    bk_json_object_end(j);
}
static void too_many_ends(bk_json *j)
{
    bk_json_array_begin(j);
    bk_json_array_end(j);
    bk_json_array_end(j);
}
static void two_top_level_values(bk_json *j)
{
    bk_json_int(j, 1);
    bk_json_int(j, 2);
}
static void null_key(bk_json *j)
{
    bk_json_object_begin(j);
    bk_json_key(j, NULL);
}
static void empty_raw(bk_json *j)
{
    bk_json_array_begin(j);
    bk_json_raw(j, "", 0);
}

/* Each misuse sets BK_EINVAL, which later calls neither clear nor replace, and nothing more is
 * written after it. */
static void test_errors_sticky(void)
{
    const misuse_fn misuses[] = {
        end_without_begin, array_end_without_begin, key_at_top_level, key_in_array,
        value_without_key, object_end_after_key,    two_keys,         mismatched_end,
        too_many_ends,     two_top_level_values,    null_key,         empty_raw};
    for (size_t i = 0; i < sizeof misuses / sizeof misuses[0]; i++) {
        bk_buf b = {0};
        bk_json j;
        bk_json_init(&j, &b);
        misuses[i](&j);
        CHECK(bk_json_error(&j) == BK_EINVAL);
        size_t len = b.len;
        for (int k = 0; k < 70; k++)
            bk_json_array_begin(&j); /* would be BK_ERANGE if it were not stuck */
        bk_json_string(&j, "more");
        bk_json_object_end(&j);
        CHECK(bk_json_error(&j) == BK_EINVAL && b.len == len);
        if (bk_json_error(&j) != BK_EINVAL)
            fprintf(stderr, "misuse #%zu not reported\n", i);
        bk_buf_free(&b);
    }
}

static void test_errors_unfinished(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    CHECK(bk_json_error(&j) == BK_EINVAL); /* nothing written yet */
    bk_json_object_begin(&j);
    CHECK(bk_json_error(&j) == BK_EINVAL);
    bk_json_key(&j, "k");
    CHECK(bk_json_error(&j) == BK_EINVAL);
    bk_json_int(&j, 1);
    CHECK(bk_json_error(&j) == BK_EINVAL);
    bk_json_object_end(&j);
    CHECK(bk_json_error(&j) == 0);
    bk_buf_free(&b);

    CHECK(bk_json_error(NULL) == BK_EINVAL);
    bk_json_int(NULL, 1); /* a NULL writer (bk_json_begin failed) must not crash */
    bk_json_key(NULL, "k");
    bk_json_object_end(NULL);
    bk_json_init(&j, NULL);
    bk_json_int(&j, 1);
    CHECK(bk_json_error(&j) == BK_EINVAL);
}

static void test_errors_depth(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    for (int i = 0; i < 63; i++)
        bk_json_array_begin(&j);
    CHECK(j.error == 0);
    for (int i = 0; i < 63; i++)
        bk_json_array_end(&j);
    CHECK(bk_json_error(&j) == 0 && b.len == 126);

    b.len = 0;
    bk_json_init(&j, &b);
    for (int i = 0; i < 63; i++) {
        bk_json_object_begin(&j);
        bk_json_key(&j, "k");
    }
    bk_json_array_begin(&j);
    CHECK(bk_json_error(&j) == BK_ERANGE);
    bk_json_object_end(&j); /* now a misuse too, but the first error stays */
    CHECK(bk_json_error(&j) == BK_ERANGE);
    bk_buf_free(&b);
}

/* A buffer that can take no more bytes: any growth would exceed PTRDIFF_MAX, so it fails
 * without calling the allocator (and without touching the fake data). */
static void test_errors_enomem(void)
{
    static char fake;
    bk_buf full = {&fake, (size_t)PTRDIFF_MAX, (size_t)PTRDIFF_MAX};
    CHECK(bk_buf_append_str(&full, "x") == BK_ENOMEM);
    CHECK(bk_json_escape(&full, "x", 1) == BK_ENOMEM && full.len == (size_t)PTRDIFF_MAX);

    bk_json j;
    bk_json_init(&j, &full);
    bk_json_object_begin(&j);
    CHECK(bk_json_error(&j) == BK_ENOMEM);
    bk_json_object_end(&j); /* a misuse now, but ENOMEM came first */
    bk_json_key(&j, "k");
    CHECK(bk_json_error(&j) == BK_ENOMEM && full.len == (size_t)PTRDIFF_MAX);

    bk_json_init(&j, &full);
    bk_json_string(&j, "value");
    CHECK(bk_json_error(&j) == BK_ENOMEM);
    bk_json_init(&j, &full);
    bk_json_double(&j, 0.25);
    CHECK(bk_json_error(&j) == BK_ENOMEM);
}

/* ---- large output ---------------------------------------------------------------------- */

static void test_large_string(void)
{
    const size_t n = 3u << 20;
    unsigned char *s = malloc(n);
    CHECK(s != NULL);
    if (!s)
        return;
    rng r = {99};
    size_t i = 0;
    while (i + 4 <= n) {
        uint32_t pick = rng_below(&r, 10);
        uint32_t cp = pick < 7    ? 0x20 + rng_below(&r, 0x5F)
                      : pick == 7 ? rng_below(&r, 0x20)
                      : pick == 8 ? 0xE9
                                  : 0x1F600;
        i += encode_utf8(cp, s + i);
    }
    bk_buf b = {0};
    CHECK(bk_json_escape(&b, (const char *)s, i) == 0);
    CHECK(b.len > n && b.cap >= b.len);
    json_t *v = parse(b.data, b.len);
    CHECK(v && json_is_string(v) && json_string_length(v) == i &&
          memcmp(json_string_value(v), s, i) == 0);
    json_decref(v);
    bk_buf_free(&b);
    free(s);
}

static void test_large_document(void)
{
    bk_buf b = {0};
    bk_json j;
    bk_json_init(&j, &b);
    bk_json_array_begin(&j);
    const int count = 40000;
    for (int i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, "item \"%d\"", i);
        bk_json_object_begin(&j);
        bk_json_key(&j, "id");
        bk_json_int(&j, i);
        bk_json_key(&j, "name");
        bk_json_string(&j, name);
        bk_json_key(&j, "price");
        bk_json_double(&j, i / 4.0);
        bk_json_object_end(&j);
    }
    bk_json_array_end(&j);
    CHECK(bk_json_error(&j) == 0 && b.len > (1u << 20));
    json_t *v = parse(b.data, b.len);
    CHECK(v && json_is_array(v) && json_array_size(v) == (size_t)count);
    json_t *last = json_array_get(v, (size_t)count - 1);
    CHECK(json_integer_value(json_object_get(last, "id")) == count - 1);
    CHECK_STREQ(json_string_value(json_object_get(last, "name")), "item \"39999\"");
    CHECK(json_real_value(json_object_get(last, "price")) == (count - 1) / 4.0);
    json_decref(v);
    bk_buf_free(&b);
}

/* ---- round-trip property ---------------------------------------------------------------- */

/* Mostly-interesting bytes: printable ASCII, specials, encoded code points of every length
 * (U+2028/9 included) and, unless `valid_only`, arbitrary bytes. */
static size_t random_text(rng *r, unsigned char *out, size_t max, int valid_only)
{
    size_t n = 0, tokens = rng_below(r, 48);
    for (size_t t = 0; t < tokens && n + 4 <= max; t++) {
        uint32_t pick = rng_below(r, 10);
        if (pick < 4) {
            out[n++] = (unsigned char)(0x20 + rng_below(r, 0x5F));
        } else if (pick == 4) {
            const char specials[] = "\"\\\x7f\n\t";
            out[n++] = rng_below(r, 3) ? (unsigned char)specials[rng_below(r, 5)]
                                       : (unsigned char)rng_below(r, 0x20);
        } else if (pick < 8 || valid_only) {
            static const uint32_t lo[] = {0x80, 0x800, 0xE000, 0x10000, 0x2028};
            static const uint32_t span[] = {0x780, 0xD000, 0x2000, 0x100000, 2};
            uint32_t k = rng_below(r, 5);
            n += encode_utf8(lo[k] + rng_below(r, span[k]), out + n);
        } else {
            out[n++] = (unsigned char)rng_below(r, 256);
        }
    }
    return n;
}

static int escaped_output_is_clean(const bk_buf *b)
{
    for (size_t i = 0; i < b->len; i++) {
        unsigned char c = (unsigned char)b->data[i];
        if (c < 0x20 || c == 0x7F)
            return 0;
        if (c == 0xE2 && i + 2 < b->len && (unsigned char)b->data[i + 1] == 0x80 &&
            ((unsigned char)b->data[i + 2] & 0xFE) == 0xA8)
            return 0;
    }
    return is_valid_utf8((const unsigned char *)b->data, b->len);
}

/* Valid input decodes to exactly itself; invalid input decodes to valid UTF-8 which escapes to
 * the same JSON again (the replacement is a fixed point). */
static int round_trips(const unsigned char *s, size_t n, bk_buf *b, bk_buf *again)
{
    b->len = again->len = 0;
    if (bk_json_escape(b, (const char *)s, n) != 0 || !escaped_output_is_clean(b))
        return 0;
    json_t *v = parse(b->data, b->len);
    if (!v || !json_is_string(v)) {
        json_decref(v);
        return 0;
    }
    const char *d = json_string_value(v);
    size_t dn = json_string_length(v);
    int ok;
    if (is_valid_utf8(s, n))
        ok = dn == n && memcmp(d, s, n) == 0;
    else
        ok = bk_json_escape(again, d, dn) == 0 && again->len == b->len &&
             memcmp(again->data, b->data, b->len) == 0;
    json_decref(v);
    return ok;
}

static void test_round_trip_random(void)
{
    rng r = {0x9E3779B97F4A7C15u};
    bk_buf b = {0}, again = {0};
    unsigned char s[256];
    int failures = 0, valid = 0;
    for (int i = 0; i < 10000; i++) {
        size_t n = random_text(&r, s, sizeof s, i % 2);
        valid += is_valid_utf8(s, n);
        if (!round_trips(s, n, &b, &again) && failures++ < 5)
            fprintf(stderr, "round trip failed for case %d (%zu bytes)\n", i, n);
    }
    CHECK(failures == 0);
    CHECK(valid > 5000 && valid < 10000); /* both kinds were exercised */
    bk_buf_free(&b);
    bk_buf_free(&again);
}

int main(void)
{
    test_buf_growth();
    test_buf_self_append();
    test_buf_overflow();
    test_strerror();
    test_escape_ascii();
    test_escape_controls();
    test_escape_valid_utf8();
    test_escape_js_line_breaks();
    test_escape_invalid_utf8();
    test_escape_embedded_nul();
    test_escape_from_itself();
    test_writer_message();
    test_writer_nesting();
    test_writer_scalars_and_raw();
    test_writer_ints();
    test_writer_doubles();
    test_errors_sticky();
    test_errors_unfinished();
    test_errors_depth();
    test_errors_enomem();
    test_large_string();
    test_large_document();
    test_round_trip_random();
    return check_result("test_json");
}
