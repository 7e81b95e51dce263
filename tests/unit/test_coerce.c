/* Unit tests of src/model/coerce.c: pydantic's lax coercions of text and JSON values. Every
 * expected outcome below is real pydantic 2.13.4's: the rows are scripts/pydantic_oracle.py's
 * output (section named above each table), so re-running it shows what a newer pydantic
 * changed. */
#include "model/coerce.h"
#include "model/pyfmt.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- int from text --------------------------------------------------------------------------- */

typedef struct int_case {
    const char *text;
    size_t len;
    bk__etype want;
    int overflow;
    int64_t value;
} int_case;

// clang-format off
static const int_case int_cases[] = { /* oracle: int */
    {" 42 ", 4, BK__E_NONE, 0, 42LL},
    {"+42", 3, BK__E_NONE, 0, 42LL},
    {"007", 3, BK__E_NONE, 0, 7LL},
    {"1_000", 5, BK__E_NONE, 0, 1000LL},
    {"5.0", 3, BK__E_NONE, 0, 5LL},
    {"-0", 2, BK__E_NONE, 0, 0LL},
    {"1e2", 3, BK__E_INT_PARSING, 0, 0},
    {"5.5", 3, BK__E_INT_PARSING, 0, 0},
    {"1__0", 4, BK__E_INT_PARSING, 0, 0},
    {"_1", 2, BK__E_INT_PARSING, 0, 0},
    {"1_", 2, BK__E_INT_PARSING, 0, 0},
    {"", 0, BK__E_INT_PARSING, 0, 0},
    {"0x10", 4, BK__E_INT_PARSING, 0, 0},
    {" ", 1, BK__E_INT_PARSING, 0, 0},
    {"\01142\012", 4, BK__E_NONE, 0, 42LL},
    {"42.", 3, BK__E_INT_PARSING, 0, 0},
    {".0", 2, BK__E_INT_PARSING, 0, 0},
    {"5.00", 4, BK__E_NONE, 0, 5LL},
    {"5.0000000001", 12, BK__E_INT_PARSING, 0, 0},
    {"-5.0", 4, BK__E_NONE, 0, -5LL},
    {"+-5", 3, BK__E_INT_PARSING, 0, 0},
    {"--5", 3, BK__E_INT_PARSING, 0, 0},
    {"-+1", 3, BK__E_INT_PARSING, 0, 0},
    {"++5", 3, BK__E_INT_PARSING, 0, 0},
    {"\331\241\331\242", 4, BK__E_INT_PARSING, 0, 0},
    {"0b1", 3, BK__E_INT_PARSING, 0, 0},
    {"1 2", 3, BK__E_INT_PARSING, 0, 0},
    {"99999999999999999999", 20, BK__E_NONE, 1, INT64_MAX},
    {"-99999999999999999999", 21, BK__E_NONE, -1, INT64_MIN},
    {"9223372036854775807", 19, BK__E_NONE, 0, 9223372036854775807LL},
    {"9223372036854775808", 19, BK__E_NONE, 1, INT64_MAX},
    {"-9223372036854775808", 20, BK__E_NONE, 0, INT64_MIN},
    {"-9223372036854775809", 20, BK__E_NONE, -1, INT64_MIN},
    {"5.0_0", 5, BK__E_INT_PARSING, 0, 0},
    {"5_0.0", 5, BK__E_NONE, 0, 50LL},
    {"inf", 3, BK__E_INT_PARSING, 0, 0},
    {"nan", 3, BK__E_INT_PARSING, 0, 0},
    {"+0", 2, BK__E_NONE, 0, 0LL},
    {"-", 1, BK__E_INT_PARSING, 0, 0},
    {"+", 1, BK__E_INT_PARSING, 0, 0},
    {"00", 2, BK__E_NONE, 0, 0LL},
    {"0_0", 3, BK__E_NONE, 0, 0LL},
    {"0__0", 4, BK__E_NONE, 0, 0LL},
    {"0_", 2, BK__E_INT_PARSING, 0, 0},
    {"_0", 2, BK__E_INT_PARSING, 0, 0},
    {"\302\24042", 4, BK__E_NONE, 0, 42LL},
    {"42\000", 3, BK__E_INT_PARSING, 0, 0},
    {"5.", 2, BK__E_INT_PARSING, 0, 0},
    {"1_000.0", 7, BK__E_NONE, 0, 1000LL},
    {"1.5e3", 5, BK__E_INT_PARSING, 0, 0},
    {"42\015", 3, BK__E_NONE, 0, 42LL},
    {"\01342", 3, BK__E_NONE, 0, 42LL},
    {"\01442", 3, BK__E_NONE, 0, 42LL},
    {"\342\200\21342", 5, BK__E_INT_PARSING, 0, 0},
    {"\343\200\20042", 5, BK__E_NONE, 0, 42LL},
    {"\03442", 3, BK__E_INT_PARSING, 0, 0},
    {"\341\240\21642", 5, BK__E_INT_PARSING, 0, 0},
    {"\357\273\27742", 5, BK__E_INT_PARSING, 0, 0},
    {"\342\200\25042\342\200\251", 8, BK__E_NONE, 0, 42LL},
    {"\302\20542", 4, BK__E_NONE, 0, 42LL},
    {"0-5", 3, BK__E_NONE, 0, -5LL},
    {"00-5", 4, BK__E_NONE, 0, -5LL},
    {"-0-5", 4, BK__E_INT_PARSING, 0, 0},
    {"0_-5", 4, BK__E_NONE, 0, -5LL},
    {"0.-5", 4, BK__E_INT_PARSING, 0, 0},
    {"0.0", 3, BK__E_NONE, 0, 0LL},
    {"00.0", 4, BK__E_NONE, 0, 0LL},
    {"0_.0", 4, BK__E_INT_PARSING, 0, 0},
    {"0_0.0", 5, BK__E_NONE, 0, 0LL},
    {"-00", 3, BK__E_NONE, 0, 0LL},
    {"-0_0", 4, BK__E_NONE, 0, 0LL},
    {"\302\240+5\302\240", 6, BK__E_NONE, 0, 5LL},
    {"-\302\2405", 4, BK__E_INT_PARSING, 0, 0},
    {"5\302\240.0", 5, BK__E_INT_PARSING, 0, 0},
    {"1.00_0", 6, BK__E_INT_PARSING, 0, 0},
    {"10_000.000", 10, BK__E_NONE, 0, 10000LL},
    {"-1_000.0", 8, BK__E_NONE, 0, -1000LL},
    {"1_0.0_0", 7, BK__E_INT_PARSING, 0, 0},
    {"1.0.0", 5, BK__E_INT_PARSING, 0, 0},
    {"12345678901234567890123", 23, BK__E_NONE, 1, INT64_MAX},
    {"-007", 4, BK__E_NONE, 0, -7LL},
};
// clang-format on

static void test_int_from_text(void)
{
    for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
        const int_case *c = &int_cases[i];
        bk__int got = {12345, 7};
        bk__etype e = bk__int_from_text(c->text, c->len, &got);
        if (e != c->want ||
            (e == BK__E_NONE && (got.value != c->value || got.overflow != c->overflow))) {
            fprintf(stderr, "int_from_text(\"%s\"): got %s %lld/%d, want %s %lld/%d\n", c->text,
                    bk__etype_name(e), (long long)got.value, got.overflow, bk__etype_name(c->want),
                    (long long)c->value, c->overflow);
            check_failures++;
        }
    }
}

/* prefix + rep * count + suffix, in a buffer the caller frees. */
static char *repeated(const char *prefix, const char *rep, size_t count, const char *suffix,
                      size_t *len)
{
    size_t p = strlen(prefix), r = strlen(rep), s = strlen(suffix);
    char *t = malloc(p + r * count + s + 1);
    if (!t)
        abort();
    memcpy(t, prefix, p);
    for (size_t i = 0; i < count; i++)
        memcpy(t + p + i * r, rep, r);
    memcpy(t + p + r * count, suffix, s + 1);
    *len = p + r * count + s;
    return t;
}

typedef struct long_int_case {
    const char *prefix, *rep;
    size_t count;
    const char *suffix;
    bk__etype want;
} long_int_case;

// clang-format off
static const long_int_case long_int_cases[] = { /* oracle: int_long */
    {"", "1", 4300, "", BK__E_NONE},
    {"", "1", 4301, "", BK__E_INT_PARSING_SIZE},
    {"-", "1", 4299, "", BK__E_NONE},
    {"-", "1", 4300, "", BK__E_INT_PARSING_SIZE},
    {"  ", "1", 4299, "  ", BK__E_NONE},
    {" ", "1", 4301, "", BK__E_INT_PARSING},
    {"+", "1", 4301, "", BK__E_INT_PARSING},
    {"", "1", 4300, ".0", BK__E_NONE},
    {"", "1", 4301, ".5", BK__E_INT_PARSING_SIZE},
    {"0", "1", 4301, "", BK__E_INT_PARSING},
    {"", "1", 4300, "_1", BK__E_INT_PARSING},
    {"", "1", 4301, "_1", BK__E_INT_PARSING_SIZE},
    {"", "1", 4301, "x", BK__E_INT_PARSING_SIZE},
    {"", "1", 4300, "x", BK__E_INT_PARSING},
    {"", "0", 5000, "1", BK__E_NONE},
    {"", "x", 5000, "", BK__E_INT_PARSING},
    {"", "1_", 2200, "1", BK__E_NONE},
};
// clang-format on

/* The 4300-digit limit: int_parsing_size only for a raw leading digit run past it. */
static void test_int_digit_limit(void)
{
    for (size_t i = 0; i < sizeof long_int_cases / sizeof long_int_cases[0]; i++) {
        const long_int_case *c = &long_int_cases[i];
        size_t len;
        char *t = repeated(c->prefix, c->rep, c->count, c->suffix, &len);
        bk__int got;
        bk__etype e = bk__int_from_text(t, len, &got);
        if (e != c->want) {
            fprintf(stderr, "int_from_text(\"%s\" + \"%s\" * %zu + \"%s\"): got %s, want %s\n",
                    c->prefix, c->rep, c->count, c->suffix, bk__etype_name(e),
                    bk__etype_name(c->want));
            check_failures++;
        }
        if (e == BK__E_NONE && strcmp(c->rep, "1") == 0) /* hundreds of ones: beyond int64 */
            CHECK(got.overflow == (c->prefix[0] == '-' ? -1 : 1));
        free(t);
    }
}

/* Python's % on the exact integer, for texts beyond int64. */
static void test_int_text_multiple_of(void)
{
    CHECK(bk__int_text_multiple_of("99999999999999999999", 20, 3));
    CHECK(!bk__int_text_multiple_of("99999999999999999999", 20, 7));
    CHECK(bk__int_text_multiple_of("-1_000_000_000_000_000_000_000.00", 33, 1000));
    CHECK(bk__int_text_multiple_of(" 0-5 ", 5, -5));
    CHECK(!bk__int_text_multiple_of("18446744073709551617", 20, 2));
    CHECK(bk__int_text_multiple_of("18446744073709551617", 20, 1));
    CHECK(bk__int_text_multiple_of("36893488147419103232", 20, INT64_MIN)); /* 2^65 */
}

/* ---- float from text ------------------------------------------------------------------------- */

typedef struct float_case {
    const char *text;
    size_t len;
    bk__etype want;
    const char *repr; /* Python's repr of the float pydantic returns */
} float_case;

// clang-format off
static const float_case float_cases[] = { /* oracle: float */
    {"inf", 3, BK__E_NONE, "inf"},
    {"nan", 3, BK__E_NONE, "nan"},
    {"-Infinity", 9, BK__E_NONE, "-inf"},
    {"Infinity", 8, BK__E_NONE, "inf"},
    {"+inf", 4, BK__E_NONE, "inf"},
    {"INF", 3, BK__E_NONE, "inf"},
    {"iNfInItY", 8, BK__E_NONE, "inf"},
    {"NaN", 3, BK__E_NONE, "nan"},
    {"-nan", 4, BK__E_NONE, "nan"},
    {"+nan", 4, BK__E_NONE, "nan"},
    {"infinit", 7, BK__E_FLOAT_PARSING, ""},
    {"infinityy", 9, BK__E_FLOAT_PARSING, ""},
    {" 1.5 ", 5, BK__E_NONE, "1.5"},
    {"1_0.5", 5, BK__E_NONE, "10.5"},
    {" 1_0.5", 6, BK__E_FLOAT_PARSING, ""},
    {"1_0.5 ", 6, BK__E_FLOAT_PARSING, ""},
    {"1__0.5", 6, BK__E_FLOAT_PARSING, ""},
    {"_1.5", 4, BK__E_FLOAT_PARSING, ""},
    {"1.5_", 4, BK__E_FLOAT_PARSING, ""},
    {"1_e5", 4, BK__E_NONE, "100000.0"},
    {"1e_5", 4, BK__E_NONE, "100000.0"},
    {"i_nf", 4, BK__E_NONE, "inf"},
    {"1e2", 3, BK__E_NONE, "100.0"},
    {".5", 2, BK__E_NONE, "0.5"},
    {"5.", 2, BK__E_NONE, "5.0"},
    {".", 1, BK__E_FLOAT_PARSING, ""},
    {"", 0, BK__E_FLOAT_PARSING, ""},
    {" ", 1, BK__E_FLOAT_PARSING, ""},
    {"e5", 2, BK__E_FLOAT_PARSING, ""},
    {"1e", 2, BK__E_FLOAT_PARSING, ""},
    {"1e+", 3, BK__E_FLOAT_PARSING, ""},
    {"1e+2", 4, BK__E_NONE, "100.0"},
    {"1E-2", 4, BK__E_NONE, "0.01"},
    {"0x10", 4, BK__E_FLOAT_PARSING, ""},
    {"1e400", 5, BK__E_NONE, "inf"},
    {"-1e400", 6, BK__E_NONE, "-inf"},
    {"1e-400", 6, BK__E_NONE, "0.0"},
    {"1.7976931348623157e308", 22, BK__E_NONE, "1.7976931348623157e+308"},
    {"1.7976931348623159e308", 22, BK__E_NONE, "inf"},
    {"00.5", 4, BK__E_NONE, "0.5"},
    {"+.5", 3, BK__E_NONE, "0.5"},
    {"-.5", 3, BK__E_NONE, "-0.5"},
    {"1,5", 3, BK__E_FLOAT_PARSING, ""},
    {"\331\241.\331\245", 5, BK__E_FLOAT_PARSING, ""},
    {"\302\2401.5\302\240", 7, BK__E_NONE, "1.5"},
    {"5d", 2, BK__E_FLOAT_PARSING, ""},
    {"5f", 2, BK__E_FLOAT_PARSING, ""},
    {"1.5e3_0", 7, BK__E_NONE, "1.5e+30"},
    {"0.1", 3, BK__E_NONE, "0.1"},
    {"1_000", 5, BK__E_NONE, "1000.0"},
    {"+-1", 3, BK__E_FLOAT_PARSING, ""},
    {"--1", 3, BK__E_FLOAT_PARSING, ""},
    {"nan(123)", 8, BK__E_FLOAT_PARSING, ""},
    {"1.0e", 4, BK__E_FLOAT_PARSING, ""},
    {"1..0", 4, BK__E_FLOAT_PARSING, ""},
    {"  inf  ", 7, BK__E_NONE, "inf"},
    {"\011-inf\012", 6, BK__E_NONE, "-inf"},
    {"0b1", 3, BK__E_FLOAT_PARSING, ""},
    {"-0", 2, BK__E_NONE, "-0.0"},
    {"-0.0", 4, BK__E_NONE, "-0.0"},
    {"1.e5", 4, BK__E_NONE, "100000.0"},
    {"4.9e-324", 8, BK__E_NONE, "5e-324"},
    {"2.4703282292062328e-324", 23, BK__E_NONE, "5e-324"},
    {"2.4703282292062327e-324", 23, BK__E_NONE, "0.0"},
    {"0.30000000000000004", 19, BK__E_NONE, "0.30000000000000004"},
    {"123456789012345678901234567890", 30, BK__E_NONE, "1.2345678901234568e+29"},
    {"9007199254740993", 16, BK__E_NONE, "9007199254740992.0"},
    {"1e99999999999999999999", 22, BK__E_NONE, "inf"},
    {"\342\200\203-2.5e-3\342\200\203", 13, BK__E_NONE, "-0.0025"},
};
// clang-format on

static void check_float(const char *what, bk__etype e, double got, bk__etype want, const char *repr)
{
    char buf[BK__PY_FLOAT_REPR_MAX] = "";
    if (e == BK__E_NONE)
        bk__py_float_repr(buf, got);
    if (e != want || (e == BK__E_NONE && strcmp(buf, repr) != 0)) {
        fprintf(stderr, "float_from_text(%s): got %s %s, want %s %s\n", what, bk__etype_name(e),
                buf, bk__etype_name(want), repr);
        check_failures++;
    }
}

static void test_float_from_text(void)
{
    for (size_t i = 0; i < sizeof float_cases / sizeof float_cases[0]; i++) {
        const float_case *c = &float_cases[i];
        double got = -1;
        bk__etype e = bk__float_from_text(c->text, c->len, &got);
        check_float(c->text, e, got, c->want, c->repr);
    }
}

typedef struct long_float_case {
    const char *prefix, *rep;
    size_t count;
    const char *suffix;
    bk__etype want;
    const char *repr;
} long_float_case;

// clang-format off
static const long_float_case long_float_cases[] = { /* oracle: float_long */
    {"0.", "0", 400, "1", BK__E_NONE, "0.0"},
    {"", "1", 400, "", BK__E_NONE, "inf"},
    {"0.1", "0", 900, "1", BK__E_NONE, "0.1"},
    {"0.1", "0", 900, "", BK__E_NONE, "0.1"},
    {"", "9", 5000, "e-4990", BK__E_NONE, "10000000000.0"},
    {"1", "0", 800, "1e-800", BK__E_NONE, "10.0"},
    {"", "1", 5000, ".5", BK__E_NONE, "inf"},
    {"1.00000000000000011102230246251565404236316680908203125", "0", 800, "1", BK__E_NONE, "1.0000000000000002"},
    {"1.00000000000000011102230246251565404236316680908203125", "0", 800, "", BK__E_NONE, "1.0"},
};
// clang-format on

/* Many digits still round correctly: the dropped ones are remembered as one sticky digit. */
static void test_float_many_digits(void)
{
    for (size_t i = 0; i < sizeof long_float_cases / sizeof long_float_cases[0]; i++) {
        const long_float_case *c = &long_float_cases[i];
        size_t len;
        char *t = repeated(c->prefix, c->rep, c->count, c->suffix, &len), what[160];
        snprintf(what, sizeof what, "\"%.40s\" + \"%s\" * %zu + \"%s\"", c->prefix, c->rep,
                 c->count, c->suffix);
        double got = -1;
        bk__etype e = bk__float_from_text(t, len, &got);
        check_float(what, e, got, c->want, c->repr);
        free(t);
    }
}

/* pydantic-core's tolerance: |v - round(v / m) * m| <= 1e-9. */
static void test_float_multiple_of(void)
{
    CHECK(bk__float_multiple_of(0.3, 0.1));
    CHECK(!bk__float_multiple_of(0.35, 0.1));
    CHECK(bk__float_multiple_of(4.0, 2.0));
    CHECK(!bk__float_multiple_of(4.0, 3.0));
    CHECK(bk__float_multiple_of(-4.5, 1.5));
    CHECK(bk__float_multiple_of(1e-10, 3.0)); /* within the tolerance of 0 */
    CHECK(bk__float_multiple_of(NAN, 3.0));   /* NaN comparisons are false: it passes */
    CHECK(bk__float_multiple_of(2.5, 1.0) == 0);
}

/* ---- bool and UUID from text ----------------------------------------------------------------- */

typedef struct bool_case {
    const char *text;
    size_t len;
    bk__etype want;
    int value;
} bool_case;

// clang-format off
static const bool_case bool_cases[] = { /* oracle: bool */
    {" true", 5, BK__E_BOOL_PARSING, 0},
    {"true ", 5, BK__E_BOOL_PARSING, 0},
    {"TRUE", 4, BK__E_NONE, 1},
    {"Yes", 3, BK__E_NONE, 1},
    {"oN", 2, BK__E_NONE, 1},
    {"0", 1, BK__E_NONE, 0},
    {"1", 1, BK__E_NONE, 1},
    {"00", 2, BK__E_BOOL_PARSING, 0},
    {"01", 2, BK__E_BOOL_PARSING, 0},
    {"+1", 2, BK__E_BOOL_PARSING, 0},
    {"-0", 2, BK__E_BOOL_PARSING, 0},
    {"tr", 2, BK__E_BOOL_PARSING, 0},
    {"yess", 4, BK__E_BOOL_PARSING, 0},
    {"", 0, BK__E_BOOL_PARSING, 0},
    {"\302\240true", 6, BK__E_BOOL_PARSING, 0},
    {"0.0", 3, BK__E_BOOL_PARSING, 0},
    {"1.0", 3, BK__E_BOOL_PARSING, 0},
    {"t", 1, BK__E_NONE, 1},
    {"F", 1, BK__E_NONE, 0},
    {"N", 1, BK__E_NONE, 0},
    {"Y", 1, BK__E_NONE, 1},
    {"off", 3, BK__E_NONE, 0},
    {"OFF", 3, BK__E_NONE, 0},
    {"no", 2, BK__E_NONE, 0},
    {"false", 5, BK__E_NONE, 0},
    {"FaLsE", 5, BK__E_NONE, 0},
    {"y\000", 2, BK__E_BOOL_PARSING, 0},
};
// clang-format on

static void test_bool_from_text(void)
{
    for (size_t i = 0; i < sizeof bool_cases / sizeof bool_cases[0]; i++) {
        const bool_case *c = &bool_cases[i];
        int got = -1;
        bk__etype e = bk__bool_from_text(c->text, c->len, &got);
        if (e != c->want || (e == BK__E_NONE && got != c->value)) {
            fprintf(stderr, "bool_from_text(\"%s\"): got %s %d\n", c->text, bk__etype_name(e), got);
            check_failures++;
        }
    }
}

typedef struct uuid_case {
    const char *text;
    size_t len;
    bk__etype want;
    const char *out; /* the canonical form, or ctx.error */
} uuid_case;

// clang-format off
static const uuid_case uuid_cases[] = { /* oracle: uuid */
    {"12345678-1234-5678-1234-567812345678", 36, BK__E_NONE, "12345678-1234-5678-1234-567812345678"},
    {"12345678123456781234567812345678", 32, BK__E_NONE, "12345678-1234-5678-1234-567812345678"},
    {"{12345678-1234-5678-1234-567812345678}", 38, BK__E_NONE, "12345678-1234-5678-1234-567812345678"},
    {"urn:uuid:12345678-1234-5678-1234-567812345678", 45, BK__E_NONE, "12345678-1234-5678-1234-567812345678"},
    {"URN:UUID:12345678-1234-5678-1234-567812345678", 45, BK__E_UUID_PARSING, "invalid character: found `U` at 1"},
    {"{12345678123456781234567812345678}", 34, BK__E_UUID_PARSING, "invalid group count: expected 5, found 1"},
    {"urn:uuid:12345678123456781234567812345678", 41, BK__E_UUID_PARSING, "invalid group count: expected 5, found 1"},
    {"ABCDEF01-ABCD-ABCD-ABCD-ABCDEF012345", 36, BK__E_NONE, "abcdef01-abcd-abcd-abcd-abcdef012345"},
    {" 12345678-1234-5678-1234-567812345678", 37, BK__E_UUID_PARSING, "invalid character: found ` ` at 1"},
    {"12345678-1234-5678-1234-567812345678 ", 37, BK__E_UUID_PARSING, "invalid character: found ` ` at 37"},
    {"x", 1, BK__E_UUID_PARSING, "invalid character: found `x` at 1"},
    {"", 0, BK__E_UUID_PARSING, "invalid length: expected length 32 for simple format, found 0"},
    {"1", 1, BK__E_UUID_PARSING, "invalid length: expected length 32 for simple format, found 1"},
    {"12345678-1234-5678-1234-56781234567", 35, BK__E_UUID_PARSING, "invalid group length in group 4: expected 12, found 11"},
    {"12345678-1234-5678-1234-5678123456789", 37, BK__E_UUID_PARSING, "invalid group length in group 4: expected 12, found 13"},
    {"12345678-1234-5678-1234-56781234567x", 36, BK__E_UUID_PARSING, "invalid character: found `x` at 36"},
    {"1x345678-1234-5678-1234-567812345678", 36, BK__E_UUID_PARSING, "invalid character: found `x` at 2"},
    {"12345678-1234-5678-1234_567812345678", 36, BK__E_UUID_PARSING, "invalid character: found `_` at 24"},
    {"1234567-81234-5678-1234-567812345678", 36, BK__E_UUID_PARSING, "invalid group length in group 0: expected 8, found 7"},
    {"12345678-1234-5678-12345-67812345678", 36, BK__E_UUID_PARSING, "invalid group length in group 3: expected 4, found 5"},
    {"12345678-1234-5678-1234-5678-12345678", 37, BK__E_UUID_PARSING, "invalid group count: expected 5, found 6"},
    {"1234567812345678123456781234567", 31, BK__E_UUID_PARSING, "invalid length: expected length 32 for simple format, found 31"},
    {"123456781234567812345678123456789", 33, BK__E_UUID_PARSING, "invalid length: expected length 32 for simple format, found 33"},
    {"1234567812345678123456781234567x", 32, BK__E_UUID_PARSING, "invalid character: found `x` at 32"},
    {"{12345678-1234-5678-1234-567812345678", 37, BK__E_UUID_PARSING, "invalid character: found `{` at 1"},
    {"12345678-1234-5678-1234-567812345678}", 37, BK__E_UUID_PARSING, "invalid character: found `}` at 37"},
    {"{x}", 3, BK__E_UUID_PARSING, "invalid character: found `x` at 2"},
    {"urn:uuid:x", 10, BK__E_UUID_PARSING, "invalid character: found `x` at 10"},
    {"urn:uuid:", 9, BK__E_UUID_PARSING, "invalid group count: expected 5, found 1"},
    {"\303\2512345678", 9, BK__E_UUID_PARSING, "invalid character: found `\303\251` at 1"},
    {"12345678-1234-5678-1234-56781234567\303\251", 37, BK__E_UUID_PARSING, "invalid character: found `\303\251` at 36"},
    {"\344\270\255", 3, BK__E_UUID_PARSING, "invalid character: found `\344\270\255` at 1"},
    {"-", 1, BK__E_UUID_PARSING, "invalid group count: expected 5, found 2"},
    {"-----", 5, BK__E_UUID_PARSING, "invalid group count: expected 5, found 6"},
    {"1234-5678", 9, BK__E_UUID_PARSING, "invalid group count: expected 5, found 2"},
    {"12345678-1234-5678-1234-567812345678-", 37, BK__E_UUID_PARSING, "invalid group count: expected 5, found 6"},
    {"{}", 2, BK__E_UUID_PARSING, "invalid group count: expected 5, found 1"},
    {"{1}", 3, BK__E_UUID_PARSING, "invalid group count: expected 5, found 1"},
    {"a-b-c-d-e", 9, BK__E_UUID_PARSING, "invalid group length in group 0: expected 8, found 1"},
    {"{", 1, BK__E_UUID_PARSING, "invalid character: found `{` at 1"},
    {"}", 1, BK__E_UUID_PARSING, "invalid character: found `}` at 1"},
    {"{{}", 3, BK__E_UUID_PARSING, "invalid character: found `{` at 2"},
    {"\012", 1, BK__E_UUID_PARSING, "invalid character: found `\012` at 1"},
    {"{12345678-1234-5678-1234-56781234567}", 37, BK__E_UUID_PARSING, "invalid group length in group 4: expected 12, found 13"},
    {"urn:uuid:12345678-1234-5678-1234-56781234567", 44, BK__E_UUID_PARSING, "invalid group length in group 4: expected 12, found 20"},
    {"{1-2-3-4-5}", 11, BK__E_UUID_PARSING, "invalid group length in group 0: expected 8, found 1"},
    {"urn:uuid:1-2-3-4-5", 18, BK__E_UUID_PARSING, "invalid group length in group 0: expected 8, found 1"},
    {"{12345678-123-5678-1234-567812345678}", 37, BK__E_UUID_PARSING, "invalid group length in group 1: expected 4, found 3"},
    {"urn:uuid:{12345678-1234-5678-1234-567812345678}", 47, BK__E_UUID_PARSING, "invalid character: found `{` at 10"},
    {"1-2-3-4-", 8, BK__E_UUID_PARSING, "invalid group length in group 0: expected 8, found 1"},
    {"----x", 5, BK__E_UUID_PARSING, "invalid character: found `x` at 5"},
    {"urn:uuid", 8, BK__E_UUID_PARSING, "invalid character: found `u` at 1"},
    {"12345678-1234-5678-1234-", 24, BK__E_UUID_PARSING, "invalid group length in group 4: expected 12, found 0"},
    {"00000000-0000-0000-0000-000000000000", 36, BK__E_NONE, "00000000-0000-0000-0000-000000000000"},
    {"FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", 36, BK__E_NONE, "ffffffff-ffff-ffff-ffff-ffffffffffff"},
    {"{urn:uuid:12345678-1234-5678-1234-567812345678}", 47, BK__E_UUID_PARSING, "invalid character: found `u` at 2"},
};
// clang-format on

static void test_uuid_from_text(void)
{
    for (size_t i = 0; i < sizeof uuid_cases / sizeof uuid_cases[0]; i++) {
        const uuid_case *c = &uuid_cases[i];
        uint8_t u[16];
        char error[BK__UUID_ERROR_MAX] = "", text[37] = "";
        bk__etype e = bk__uuid_from_text(c->text, c->len, u, error);
        if (e == BK__E_NONE)
            bk__uuid_format(u, text);
        const char *got = e == BK__E_NONE ? text : error;
        if (e != c->want || strcmp(got, c->out) != 0) {
            fprintf(stderr, "uuid_from_text(\"%s\"): got %s \"%s\", want %s \"%s\"\n", c->text,
                    bk__etype_name(e), got, bk__etype_name(c->want), c->out);
            check_failures++;
        }
    }
}

/* ---- from JSON values ------------------------------------------------------------------------ */

typedef struct int_value_case {
    bk__value v;
    bk__etype want;
    int64_t value;
} int_value_case;

typedef struct float_value_case {
    bk__value v;
    bk__etype want;
    double value;
} float_value_case;

typedef struct bool_value_case {
    bk__value v;
    bk__etype want;
    int value;
} bool_value_case;

// clang-format off
static const int_value_case int_value_cases[] = { /* oracle: int_value */
    {{BK__V_NULL, {0}}, BK__E_INT_TYPE, 0},
    {{BK__V_BOOL, {.b = 1}}, BK__E_NONE, 1LL},
    {{BK__V_BOOL, {.b = 0}}, BK__E_NONE, 0LL},
    {{BK__V_INT, {.i = 0LL}}, BK__E_NONE, 0LL},
    {{BK__V_INT, {.i = 1LL}}, BK__E_NONE, 1LL},
    {{BK__V_INT, {.i = 2LL}}, BK__E_NONE, 2LL},
    {{BK__V_INT, {.i = -1LL}}, BK__E_NONE, -1LL},
    {{BK__V_INT, {.i = 5LL}}, BK__E_NONE, 5LL},
    {{BK__V_INT, {.i = 9223372036854775807LL}}, BK__E_NONE, 9223372036854775807LL},
    {{BK__V_INT, {.i = INT64_MIN}}, BK__E_NONE, INT64_MIN},
    {{BK__V_BIGINT, {.str = {"9223372036854775808", 19}}}, BK__E_NONE, INT64_MAX},
    {{BK__V_BIGINT, {.str = {"-9223372036854775809", 20}}}, BK__E_NONE, INT64_MIN},
    {{BK__V_BIGINT, {.str = {"1000000000000000000000000000000", 31}}}, BK__E_NONE, INT64_MAX},
    {{BK__V_BIGINT, {.str = {"10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 401}}}, BK__E_NONE, INT64_MAX},
    {{BK__V_BIGINT, {.str = {"-1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 311}}}, BK__E_NONE, INT64_MIN},
    {{BK__V_BIGINT, {.str = {"200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 309}}}, BK__E_NONE, INT64_MAX},
    {{BK__V_FLOAT, {.f = 0x0.0p+0}}, BK__E_NONE, 0LL},
    {{BK__V_FLOAT, {.f = -0x0.0p+0}}, BK__E_NONE, 0LL},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+0}}, BK__E_NONE, 1LL},
    {{BK__V_FLOAT, {.f = 0x1.4000000000000p+2}}, BK__E_NONE, 5LL},
    {{BK__V_FLOAT, {.f = 0x1.6000000000000p+2}}, BK__E_INT_FROM_FLOAT, 0},
    {{BK__V_FLOAT, {.f = -0x1.6000000000000p+2}}, BK__E_INT_FROM_FLOAT, 0},
    {{BK__V_FLOAT, {.f = 0x1.56e1fc2f8f359p-997}}, BK__E_INT_FROM_FLOAT, 0},
    {{BK__V_FLOAT, {.f = 0x1.5af1d78b58c40p+66}}, BK__E_INT_PARSING_SIZE, 0},
    {{BK__V_FLOAT, {.f = -0x1.5af1d78b58c40p+66}}, BK__E_INT_PARSING_SIZE, 0},
    {{BK__V_FLOAT, {.f = 0x1.feb3dd0676600p+62}}, BK__E_NONE, 9200000000000000000LL},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+63}}, BK__E_INT_PARSING_SIZE, 0},
    {{BK__V_FLOAT, {.f = -0x1.0000000000000p+63}}, BK__E_INT_PARSING_SIZE, 0},
    {{BK__V_FLOAT, {.f = 0x1.fffffffffffffp+62}}, BK__E_NONE, 9223372036854774784LL},
    {{BK__V_FLOAT, {.f = -0x1.fffffffffffffp+62}}, BK__E_NONE, -9223372036854774784LL},
    {{BK__V_FLOAT, {.f = INFINITY}}, BK__E_FINITE_NUMBER, 0},
    {{BK__V_FLOAT, {.f = -INFINITY}}, BK__E_FINITE_NUMBER, 0},
    {{BK__V_FLOAT, {.f = NAN}}, BK__E_FINITE_NUMBER, 0},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+1}}, BK__E_NONE, 2LL},
    {{BK__V_STR, {.str = {"5", 1}}}, BK__E_NONE, 5LL},
    {{BK__V_STR, {.str = {" 5 ", 3}}}, BK__E_NONE, 5LL},
    {{BK__V_STR, {.str = {"5.0", 3}}}, BK__E_NONE, 5LL},
    {{BK__V_STR, {.str = {"5.5", 3}}}, BK__E_INT_PARSING, 0},
    {{BK__V_STR, {.str = {"yes", 3}}}, BK__E_INT_PARSING, 0},
    {{BK__V_STR, {.str = {"", 0}}}, BK__E_INT_PARSING, 0},
    {{BK__V_STR, {.str = {"1e2", 3}}}, BK__E_INT_PARSING, 0},
    {{BK__V_STR, {.str = {"nan", 3}}}, BK__E_INT_PARSING, 0},
    {{BK__V_LIST, {0}}, BK__E_INT_TYPE, 0},
    {{BK__V_OBJECT, {0}}, BK__E_INT_TYPE, 0},
};
static const float_value_case float_value_cases[] = { /* oracle: float_value */
    {{BK__V_NULL, {0}}, BK__E_FLOAT_TYPE, 0},
    {{BK__V_BOOL, {.b = 1}}, BK__E_NONE, 0x1.0000000000000p+0},
    {{BK__V_BOOL, {.b = 0}}, BK__E_NONE, 0x0.0p+0},
    {{BK__V_INT, {.i = 0LL}}, BK__E_NONE, 0x0.0p+0},
    {{BK__V_INT, {.i = 1LL}}, BK__E_NONE, 0x1.0000000000000p+0},
    {{BK__V_INT, {.i = 2LL}}, BK__E_NONE, 0x1.0000000000000p+1},
    {{BK__V_INT, {.i = -1LL}}, BK__E_NONE, -0x1.0000000000000p+0},
    {{BK__V_INT, {.i = 5LL}}, BK__E_NONE, 0x1.4000000000000p+2},
    {{BK__V_INT, {.i = 9223372036854775807LL}}, BK__E_NONE, 0x1.0000000000000p+63},
    {{BK__V_INT, {.i = INT64_MIN}}, BK__E_NONE, -0x1.0000000000000p+63},
    {{BK__V_BIGINT, {.str = {"9223372036854775808", 19}}}, BK__E_NONE, 0x1.0000000000000p+63},
    {{BK__V_BIGINT, {.str = {"-9223372036854775809", 20}}}, BK__E_NONE, -0x1.0000000000000p+63},
    {{BK__V_BIGINT, {.str = {"1000000000000000000000000000000", 31}}}, BK__E_NONE, 0x1.93e5939a08ceap+99},
    {{BK__V_BIGINT, {.str = {"10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 401}}}, BK__E_FLOAT_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"-1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 311}}}, BK__E_FLOAT_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 309}}}, BK__E_FLOAT_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x0.0p+0}}, BK__E_NONE, 0x0.0p+0},
    {{BK__V_FLOAT, {.f = -0x0.0p+0}}, BK__E_NONE, -0x0.0p+0},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+0}}, BK__E_NONE, 0x1.0000000000000p+0},
    {{BK__V_FLOAT, {.f = 0x1.4000000000000p+2}}, BK__E_NONE, 0x1.4000000000000p+2},
    {{BK__V_FLOAT, {.f = 0x1.6000000000000p+2}}, BK__E_NONE, 0x1.6000000000000p+2},
    {{BK__V_FLOAT, {.f = -0x1.6000000000000p+2}}, BK__E_NONE, -0x1.6000000000000p+2},
    {{BK__V_FLOAT, {.f = 0x1.56e1fc2f8f359p-997}}, BK__E_NONE, 0x1.56e1fc2f8f359p-997},
    {{BK__V_FLOAT, {.f = 0x1.5af1d78b58c40p+66}}, BK__E_NONE, 0x1.5af1d78b58c40p+66},
    {{BK__V_FLOAT, {.f = -0x1.5af1d78b58c40p+66}}, BK__E_NONE, -0x1.5af1d78b58c40p+66},
    {{BK__V_FLOAT, {.f = 0x1.feb3dd0676600p+62}}, BK__E_NONE, 0x1.feb3dd0676600p+62},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+63}}, BK__E_NONE, 0x1.0000000000000p+63},
    {{BK__V_FLOAT, {.f = -0x1.0000000000000p+63}}, BK__E_NONE, -0x1.0000000000000p+63},
    {{BK__V_FLOAT, {.f = 0x1.fffffffffffffp+62}}, BK__E_NONE, 0x1.fffffffffffffp+62},
    {{BK__V_FLOAT, {.f = -0x1.fffffffffffffp+62}}, BK__E_NONE, -0x1.fffffffffffffp+62},
    {{BK__V_FLOAT, {.f = INFINITY}}, BK__E_NONE, INFINITY},
    {{BK__V_FLOAT, {.f = -INFINITY}}, BK__E_NONE, -INFINITY},
    {{BK__V_FLOAT, {.f = NAN}}, BK__E_NONE, NAN},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+1}}, BK__E_NONE, 0x1.0000000000000p+1},
    {{BK__V_STR, {.str = {"5", 1}}}, BK__E_NONE, 0x1.4000000000000p+2},
    {{BK__V_STR, {.str = {" 5 ", 3}}}, BK__E_NONE, 0x1.4000000000000p+2},
    {{BK__V_STR, {.str = {"5.0", 3}}}, BK__E_NONE, 0x1.4000000000000p+2},
    {{BK__V_STR, {.str = {"5.5", 3}}}, BK__E_NONE, 0x1.6000000000000p+2},
    {{BK__V_STR, {.str = {"yes", 3}}}, BK__E_FLOAT_PARSING, 0},
    {{BK__V_STR, {.str = {"", 0}}}, BK__E_FLOAT_PARSING, 0},
    {{BK__V_STR, {.str = {"1e2", 3}}}, BK__E_NONE, 0x1.9000000000000p+6},
    {{BK__V_STR, {.str = {"nan", 3}}}, BK__E_NONE, NAN},
    {{BK__V_LIST, {0}}, BK__E_FLOAT_TYPE, 0},
    {{BK__V_OBJECT, {0}}, BK__E_FLOAT_TYPE, 0},
};
static const bool_value_case bool_value_cases[] = { /* oracle: bool_value */
    {{BK__V_NULL, {0}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BOOL, {.b = 1}}, BK__E_NONE, 1},
    {{BK__V_BOOL, {.b = 0}}, BK__E_NONE, 0},
    {{BK__V_INT, {.i = 0LL}}, BK__E_NONE, 0},
    {{BK__V_INT, {.i = 1LL}}, BK__E_NONE, 1},
    {{BK__V_INT, {.i = 2LL}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_INT, {.i = -1LL}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_INT, {.i = 5LL}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_INT, {.i = 9223372036854775807LL}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_INT, {.i = INT64_MIN}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_BIGINT, {.str = {"9223372036854775808", 19}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"-9223372036854775809", 20}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"1000000000000000000000000000000", 31}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 401}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"-1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 311}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_BIGINT, {.str = {"200000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", 309}}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x0.0p+0}}, BK__E_NONE, 0},
    {{BK__V_FLOAT, {.f = -0x0.0p+0}}, BK__E_NONE, 0},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+0}}, BK__E_NONE, 1},
    {{BK__V_FLOAT, {.f = 0x1.4000000000000p+2}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_FLOAT, {.f = 0x1.6000000000000p+2}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = -0x1.6000000000000p+2}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x1.56e1fc2f8f359p-997}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x1.5af1d78b58c40p+66}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = -0x1.5af1d78b58c40p+66}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x1.feb3dd0676600p+62}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+63}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = -0x1.0000000000000p+63}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x1.fffffffffffffp+62}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_FLOAT, {.f = -0x1.fffffffffffffp+62}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_FLOAT, {.f = INFINITY}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = -INFINITY}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = NAN}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_FLOAT, {.f = 0x1.0000000000000p+1}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"5", 1}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {" 5 ", 3}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"5.0", 3}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"5.5", 3}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"yes", 3}}}, BK__E_NONE, 1},
    {{BK__V_STR, {.str = {"", 0}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"1e2", 3}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_STR, {.str = {"nan", 3}}}, BK__E_BOOL_PARSING, 0},
    {{BK__V_LIST, {0}}, BK__E_BOOL_TYPE, 0},
    {{BK__V_OBJECT, {0}}, BK__E_BOOL_TYPE, 0},
};
// clang-format on

static void test_int_from_value(void)
{
    for (size_t i = 0; i < sizeof int_value_cases / sizeof int_value_cases[0]; i++) {
        const int_value_case *c = &int_value_cases[i];
        bk__int got = {0, 0};
        bk__etype e = bk__int_from_value(&c->v, &got);
        if (e != c->want || (e == BK__E_NONE && got.value != c->value)) {
            fprintf(stderr, "int_from_value(#%zu kind %d): got %s %lld, want %s %lld\n", i,
                    (int)c->v.kind, bk__etype_name(e), (long long)got.value,
                    bk__etype_name(c->want), (long long)c->value);
            check_failures++;
        }
        if (e == BK__E_NONE)
            CHECK(got.overflow == (c->v.kind == BK__V_BIGINT ? (c->value < 0 ? -1 : 1) : 0));
    }
}

static void test_float_from_value(void)
{
    for (size_t i = 0; i < sizeof float_value_cases / sizeof float_value_cases[0]; i++) {
        const float_value_case *c = &float_value_cases[i];
        double got = 0;
        bk__etype e = bk__float_from_value(&c->v, &got);
        int same =
            isnan(c->value) ? isnan(got) : got == c->value && signbit(got) == signbit(c->value);
        if (e != c->want || (e == BK__E_NONE && !same)) {
            fprintf(stderr, "float_from_value(#%zu kind %d): got %s %a, want %s %a\n", i,
                    (int)c->v.kind, bk__etype_name(e), got, bk__etype_name(c->want), c->value);
            check_failures++;
        }
    }
}

static void test_bool_from_value(void)
{
    for (size_t i = 0; i < sizeof bool_value_cases / sizeof bool_value_cases[0]; i++) {
        const bool_value_case *c = &bool_value_cases[i];
        int got = -1;
        bk__etype e = bk__bool_from_value(&c->v, &got);
        if (e != c->want || (e == BK__E_NONE && got != c->value)) {
            fprintf(stderr, "bool_from_value(#%zu kind %d): got %s %d, want %s %d\n", i,
                    (int)c->v.kind, bk__etype_name(e), got, bk__etype_name(c->want), c->value);
            check_failures++;
        }
    }
}

/* str fields take only str; UUID fields only text. */
static void test_str_and_uuid_from_value(void)
{
    const bk__value str = {BK__V_STR, {.str = {"12345678123456781234567812345678", 32}}};
    const bk__value others[] = {{BK__V_NULL, {0}},
                                {BK__V_BOOL, {.b = 1}},
                                {BK__V_INT, {.i = 5}},
                                {BK__V_FLOAT, {.f = 5.0}},
                                {BK__V_BIGINT, {.str = {"99999999999999999999", 20}}},
                                {BK__V_LIST, {0}},
                                {BK__V_OBJECT, {0}}};
    const char *s = NULL;
    size_t len = 0;
    uint8_t u[16];
    char error[BK__UUID_ERROR_MAX], text[37];
    CHECK(bk__str_from_value(&str, &s, &len) == BK__E_NONE && s == str.u.str.s && len == 32);
    CHECK(bk__uuid_from_value(&str, u, error) == BK__E_NONE);
    bk__uuid_format(u, text);
    CHECK_STREQ(text, "12345678-1234-5678-1234-567812345678");
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        CHECK(bk__str_from_value(&others[i], &s, &len) == BK__E_STRING_TYPE);
        CHECK(bk__uuid_from_value(&others[i], u, error) == BK__E_UUID_TYPE);
    }
}

int main(void)
{
    test_int_from_text();
    test_int_digit_limit();
    test_int_text_multiple_of();
    test_float_from_text();
    test_float_many_digits();
    test_float_multiple_of();
    test_bool_from_text();
    test_uuid_from_text();
    test_int_from_value();
    test_float_from_value();
    test_bool_from_value();
    test_str_and_uuid_from_value();
    return check_result("test_coerce");
}
