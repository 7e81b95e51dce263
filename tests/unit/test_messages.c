/* Unit tests of src/model/messages.c and pyfmt.c: error names, msg and ctx rendering, and the
 * Python / Rust number and string printers they rest on. Expected texts are real pydantic
 * 2.13.4's (scripts/pydantic_oracle.py, section named above each table). */
#include "model/messages.h"
#include "model/pyfmt.h"
#include "check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The buffer's bytes as a NUL-terminated string (kept in the buffer). */
static const char *text_of(bk_buf *b)
{
    if (bk_buf_append(b, "", 1) != 0)
        abort();
    b->len--;
    return b->data;
}

/* ---- float printers -------------------------------------------------------------------------- */

typedef struct float_fmt_case {
    double v;
    const char *repr;    /* Python's repr(v): ctx values, inputs */
    const char *display; /* pydantic-core's msg text (Rust's f64 Display) */
} float_fmt_case;

// clang-format off
static const float_fmt_case float_fmt_cases[] = { /* oracle: float_fmt */
    {0x0.0p+0, "0.0", "0"},
    {-0x0.0p+0, "-0.0", "-0"},
    {0x1.0000000000000p+0, "1.0", "1"},
    {0x1.6000000000000p+3, "11.0", "11"},
    {-0x1.4000000000000p+1, "-2.5", "-2.5"},
    {0x1.999999999999ap-4, "0.1", "0.1"},
    {0x1.3333333333334p-2, "0.30000000000000004", "0.30000000000000004"},
    {0x1.1c37937e08000p+53, "1e+16", "10000000000000000"},
    {0x1.c6bf526340000p+49, "1000000000000000.0", "1000000000000000"},
    {0x1.4f8b588e368f1p-17, "1e-05", "0.00001"},
    {0x1.a36e2eb1c432dp-14, "0.0001", "0.0001"},
    {0x1.02c9dedbc309dp-13, "0.0001234", "0.0001234"},
    {0x1.b69b4ba630f35p+56, "1.2345678901234568e+17", "123456789012345680"},
    {0x1.5af1d78b58c40p+66, "1e+20", "100000000000000000000"},
    {0x1.0f0cf064dd592p+73, "1e+22", "10000000000000000000000"},
    {0x1.ad7f29abcaf48p-24, "1e-07", "0.0000001"},
    {0x0.0000000000001p-1022, "5e-324", "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308", "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {0x0.0000000000003p-1022, "1.5e-323", "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000015"},
    {0x1.0000000000000p+53, "9007199254740992.0", "9007199254740992"},
    {0x1.18b54f22aeb02p+50, "1234567890123456.5", "1234567890123456.5"},
    {0x1.0000000000000p+1023, "8.98846567431158e+307", "89884656743115800000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308", "0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000022250738585072014"},
    {0x1.0000000000000p+60, "1.152921504606847e+18", "1152921504606847000"},
    {0x1.0000000000000p-20, "9.5367431640625e-07", "0.00000095367431640625"},
    {0x1.9000000000000p+6, "100.0", "100"},
    {0x1.1eb2d66005835p+997, "1.5e+300", "1500000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"},
    {INFINITY, "inf", "inf"},
    {-INFINITY, "-inf", "-inf"},
    {NAN, "nan", "NaN"},
    {0x1.0000000000000p-1, "0.5", "0.5"},
    {0x1.921f9f01b866ep+1, "3.14159", "3.14159"},
    {0x1.b1ae4d6e2ef58p+69, "1.000000000000001e+21", "1000000000000001000000"},
    {0x1.1666666666666p+2, "4.35", "4.35"},
    {0x0.0000000000002p-1022, "1e-323", "0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"},
};
// clang-format on

static void test_float_printers(void)
{
    for (size_t i = 0; i < sizeof float_fmt_cases / sizeof float_fmt_cases[0]; i++) {
        const float_fmt_case *c = &float_fmt_cases[i];
        char repr[BK__PY_FLOAT_REPR_MAX];
        size_t n = bk__py_float_repr(repr, c->v);
        bk_buf b = {0};
        CHECK(bk__rust_float_display(&b, c->v) == 0);
        if (strcmp(repr, c->repr) != 0 || n != strlen(repr) ||
            strcmp(text_of(&b), c->display) != 0) {
            fprintf(stderr, "%a: repr %s (want %s), display %s (want %s)\n", c->v, repr, c->repr,
                    b.data, c->display);
            check_failures++;
        }
        bk_buf_free(&b);
    }
}

/* Shortest round-trip digits on many doubles: what repr prints reads back as the same value,
 * and no shorter decimal does (checked against printf's correctly rounded %.*e). */
static void test_repr_round_trips(void)
{
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int i = 0; i < 20000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        double v;
        memcpy(&v, &x, sizeof v);
        if (!isfinite(v))
            continue;
        char repr[BK__PY_FLOAT_REPR_MAX];
        bk__py_float_repr(repr, v);
        if (strtod(repr, NULL) != v) {
            fprintf(stderr, "repr(%a) = %s does not read back\n", v, repr);
            check_failures++;
        }
    }
}

typedef struct str_repr_case {
    const char *s;
    size_t len;
    const char *repr;
} str_repr_case;

// clang-format off
static const str_repr_case str_repr_cases[] = { /* oracle: str_repr */
    {"abc", 3, "'abc'"},
    {"it's", 4, "\"it's\""},
    {"say \"hi\"", 8, "'say \"hi\"'"},
    {"both '\"", 7, "'both \\'\"'"},
    {"tab\011nl\012ret\015", 11, "'tab\\tnl\\nret\\r'"},
    {"\303\251\302\240\342\200\213", 7, "'\303\251\\xa0\\u200b'"},
    {"back\\slash", 10, "'back\\\\slash'"},
    {"\000\037\177", 3, "'\\x00\\x1f\\x7f'"},
    {"\344\270\255\346\226\207", 6, "'\344\270\255\346\226\207'"},
    {"\360\237\230\200", 4, "'\360\237\230\200'"},
    {"\302\205\302\255", 4, "'\\x85\\xad'"},
    {"\356\200\200", 3, "'\\ue000'"},
    {"\342\200\250", 3, "'\\u2028'"},
    {"", 0, "''"},
};
// clang-format on

static void test_str_repr(void)
{
    for (size_t i = 0; i < sizeof str_repr_cases / sizeof str_repr_cases[0]; i++) {
        bk_buf b = {0};
        CHECK(bk__py_str_repr(&b, str_repr_cases[i].s, str_repr_cases[i].len) == 0);
        CHECK_STREQ(text_of(&b), str_repr_cases[i].repr);
        bk_buf_free(&b);
    }
}

/* ---- constraint messages --------------------------------------------------------------------- */

typedef struct bound_case {
    const char *key;
    int field_is_float;
    bk__num written; /* as the C declaration wrote it: int or double literal */
    bk__etype type;
    const char *msg;
    const char *ctx_json;
} bound_case;

// clang-format off
static const bound_case bound_cases[] = { /* oracle: msgs (the constraint rows) */
    {"gt", 1, {0, 0LL, 0}, BK__E_GREATER_THAN, "Input should be greater than 0", "{\"gt\":0.0}"},
    {"gt", 1, {1, 0, 0x0.0p+0}, BK__E_GREATER_THAN, "Input should be greater than 0", "{\"gt\":0.0}"},
    {"ge", 1, {1, 0, 0x1.0000000000000p-1}, BK__E_GREATER_THAN_EQUAL, "Input should be greater than or equal to 0.5", "{\"ge\":0.5}"},
    {"le", 1, {0, 1000LL, 0}, BK__E_LESS_THAN_EQUAL, "Input should be less than or equal to 1000", "{\"le\":1000.0}"},
    {"lt", 1, {1, 0, 0x1.5af1d78b58c40p+66}, BK__E_LESS_THAN, "Input should be less than 100000000000000000000", "{\"lt\":1e+20}"},
    {"lt", 1, {1, 0, 0x1.4f8b588e368f1p-17}, BK__E_LESS_THAN, "Input should be less than 0.00001", "{\"lt\":1e-05}"},
    {"ge", 1, {0, -5LL, 0}, BK__E_GREATER_THAN_EQUAL, "Input should be greater than or equal to -5", "{\"ge\":-5.0}"},
    {"multiple_of", 1, {0, 3LL, 0}, BK__E_MULTIPLE_OF, "Input should be a multiple of 3", "{\"multiple_of\":3.0}"},
    {"multiple_of", 1, {1, 0, 0x1.999999999999ap-4}, BK__E_MULTIPLE_OF, "Input should be a multiple of 0.1", "{\"multiple_of\":0.1}"},
    {"lt", 1, {1, 0, -0x0.0p+0}, BK__E_LESS_THAN, "Input should be less than -0", "{\"lt\":-0.0}"},
    {"le", 1, {1, 0, 0x1.feb3dd0676600p+62}, BK__E_LESS_THAN_EQUAL, "Input should be less than or equal to 9200000000000000000", "{\"le\":9.2e+18}"},
    {"gt", 1, {1, 0, 0x1.0000000000000p+0}, BK__E_GREATER_THAN, "Input should be greater than 1", "{\"gt\":1.0}"},
    {"gt", 0, {0, 0LL, 0}, BK__E_GREATER_THAN, "Input should be greater than 0", "{\"gt\":0}"},
    {"gt", 0, {1, 0, 0x0.0p+0}, BK__E_GREATER_THAN, "Input should be greater than 0", "{\"gt\":0}"},
    {"le", 0, {0, 1000LL, 0}, BK__E_LESS_THAN_EQUAL, "Input should be less than or equal to 1000", "{\"le\":1000}"},
    {"ge", 0, {0, -5LL, 0}, BK__E_GREATER_THAN_EQUAL, "Input should be greater than or equal to -5", "{\"ge\":-5}"},
    {"multiple_of", 0, {0, 3LL, 0}, BK__E_MULTIPLE_OF, "Input should be a multiple of 3", "{\"multiple_of\":3}"},
    {"lt", 0, {1, 0, -0x0.0p+0}, BK__E_LESS_THAN, "Input should be less than 0", "{\"lt\":0}"},
    {"le", 0, {1, 0, 0x1.feb3dd0676600p+62}, BK__E_LESS_THAN_EQUAL, "Input should be less than or equal to 9200000000000000000", "{\"le\":9200000000000000000}"},
    {"gt", 0, {1, 0, 0x1.0000000000000p+0}, BK__E_GREATER_THAN, "Input should be greater than 1", "{\"gt\":1}"},
};
// clang-format on

static void test_bound_messages(void)
{
    for (size_t i = 0; i < sizeof bound_cases / sizeof bound_cases[0]; i++) {
        const bound_case *c = &bound_cases[i];
        bk__ctx ctx = {0};
        const char *why;
        CHECK(bk__bound_for_field(c->written, c->field_is_float, &ctx.num, &why) == 0);
        CHECK_STREQ(bk__etype_name(c->type),
                    c->key[0] == 'g'   ? (c->key[1] == 't' ? "greater_than" : "greater_than_equal")
                    : c->key[0] == 'l' ? (c->key[1] == 't' ? "less_than" : "less_than_equal")
                                       : "multiple_of");
        bk_buf msg = {0}, ctx_out = {0};
        CHECK(bk__msg_render(&msg, c->type, &ctx) == 0);
        bk_json j;
        bk_json_init(&j, &ctx_out);
        bk__ctx_write_json(&j, c->type, &ctx);
        CHECK(bk_json_error(&j) == 0);
        CHECK_STREQ(text_of(&msg), c->msg);
        CHECK_STREQ(text_of(&ctx_out), c->ctx_json);
        bk_buf_free(&msg);
        bk_buf_free(&ctx_out);
    }
}

/* An int field refuses a fractional or out-of-range double bound, as pydantic's schema does. */
static void test_int_field_bounds(void)
{
    bk__num out;
    const char *why = NULL;
    CHECK(bk__bound_for_field((bk__num){1, 0, 0.5}, 0, &out, &why) == BK_EINVAL);
    CHECK_STREQ(why, "must be coercible to an integer");
    CHECK(bk__bound_for_field((bk__num){1, 0, 1e20}, 0, &out, &why) == BK_EINVAL);
    CHECK(bk__bound_for_field((bk__num){1, 0, 9.3e18}, 0, &out, &why) == BK_EINVAL);
    CHECK(bk__bound_for_field((bk__num){1, 0, NAN}, 0, &out, &why) == BK_EINVAL);
    CHECK(bk__bound_for_field((bk__num){1, 0, -9223372036854775808.0}, 0, &out, &why) == BK_EINVAL);
    CHECK(bk__bound_for_field((bk__num){1, 0, 9.2e18}, 0, &out, &why) == 0 && !out.is_float &&
          out.i == 9200000000000000000LL);
    CHECK(bk__bound_for_field((bk__num){0, INT64_MIN, 0}, 0, &out, &why) == 0 && !why &&
          out.i == INT64_MIN);
    CHECK(bk__bound_for_field((bk__num){0, 3, 0}, 1, &out, &why) == 0 && out.is_float &&
          out.f == 3.0);
}

/* ---- other messages -------------------------------------------------------------------------- */

typedef struct ctx_case {
    const char *msg;
    const char *ctx_json;
    const char *type;
} ctx_case;

// clang-format off
static const ctx_case ctx_cases[] = { /* oracle: msgs (the length and pattern rows) */
    {"String should have at least 1 character", "{\"min_length\":1}", "string_too_short"},
    {"String should have at least 2 characters", "{\"min_length\":2}", "string_too_short"},
    {"String should have at most 1 character", "{\"max_length\":1}", "string_too_long"},
    {"String should have at most 0 characters", "{\"max_length\":0}", "string_too_long"},
    {"List should have at least 1 item after validation, not 0", "{\"field_type\":\"List\",\"min_length\":1,\"actual_length\":0}", "too_short"},
    {"List should have at least 2 items after validation, not 1", "{\"field_type\":\"List\",\"min_length\":2,\"actual_length\":1}", "too_short"},
    {"List should have at most 1 item after validation, not 2", "{\"field_type\":\"List\",\"max_length\":1,\"actual_length\":2}", "too_long"},
    {"List should have at most 0 items after validation, not 1", "{\"field_type\":\"List\",\"max_length\":0,\"actual_length\":1}", "too_long"},
    {"String should match pattern 'it's'", "{\"pattern\":\"it's\"}", "string_pattern_mismatch"},
    {"String should match pattern '^\\d+$'", "{\"pattern\":\"^\\\\d+$\"}", "string_pattern_mismatch"},
};
// clang-format on

/* The contexts of ctx_cases, in order (the oracle prints what pydantic said about them). */
static const struct {
    bk__etype type;
    bk__ctx ctx;
} ctx_inputs[] = {
    {BK__E_STRING_TOO_SHORT, {.length = 1}},
    {BK__E_STRING_TOO_SHORT, {.length = 2}},
    {BK__E_STRING_TOO_LONG, {.length = 1}},
    {BK__E_STRING_TOO_LONG, {.length = 0}},
    {BK__E_TOO_SHORT, {.length = 1, .actual = 0, .text = "List", .text_len = 4}},
    {BK__E_TOO_SHORT, {.length = 2, .actual = 1, .text = "List", .text_len = 4}},
    {BK__E_TOO_LONG, {.length = 1, .actual = 2, .text = "List", .text_len = 4}},
    {BK__E_TOO_LONG, {.length = 0, .actual = 1, .text = "List", .text_len = 4}},
    {BK__E_STRING_PATTERN_MISMATCH, {.text = "it's", .text_len = 4}},
    {BK__E_STRING_PATTERN_MISMATCH, {.text = "^\\d+$", .text_len = 5}},
};

static void test_ctx_messages(void)
{
    CHECK(sizeof ctx_inputs / sizeof ctx_inputs[0] == sizeof ctx_cases / sizeof ctx_cases[0]);
    for (size_t i = 0; i < sizeof ctx_cases / sizeof ctx_cases[0]; i++) {
        bk_buf msg = {0}, ctx_out = {0};
        bk_json j;
        bk_json_init(&j, &ctx_out);
        CHECK(bk__msg_render(&msg, ctx_inputs[i].type, &ctx_inputs[i].ctx) == 0);
        bk__ctx_write_json(&j, ctx_inputs[i].type, &ctx_inputs[i].ctx);
        CHECK_STREQ(bk__etype_name(ctx_inputs[i].type), ctx_cases[i].type);
        CHECK_STREQ(text_of(&msg), ctx_cases[i].msg);
        CHECK_STREQ(text_of(&ctx_out), ctx_cases[i].ctx_json);
        CHECK(bk__etype_has_ctx(ctx_inputs[i].type));
        bk_buf_free(&msg);
        bk_buf_free(&ctx_out);
    }
}

typedef struct plain_case {
    bk__etype type;
    const char *msg;
} plain_case;

// clang-format off
static const plain_case plain_cases[] = { /* oracle: msgs (the rows without ctx) */
    {BK__E_INT_TYPE, "Input should be a valid integer"},
    {BK__E_INT_PARSING, "Input should be a valid integer, unable to parse string as an integer"},
    {BK__E_INT_FROM_FLOAT, "Input should be a valid integer, got a number with a fractional part"},
    {BK__E_FINITE_NUMBER, "Input should be a finite number"},
    {BK__E_INT_PARSING_SIZE, "Unable to parse input string as an integer, exceeded maximum size"},
    {BK__E_FLOAT_TYPE, "Input should be a valid number"},
    {BK__E_FLOAT_PARSING, "Input should be a valid number, unable to parse string as a number"},
    {BK__E_BOOL_PARSING, "Input should be a valid boolean, unable to interpret input"},
    {BK__E_BOOL_TYPE, "Input should be a valid boolean"},
    {BK__E_STRING_TYPE, "Input should be a valid string"},
    {BK__E_LIST_TYPE, "Input should be a valid list"},
    {BK__E_DICT_TYPE, "Input should be a valid dictionary"},
    {BK__E_NONE_REQUIRED, "Input should be None"},
};
// clang-format on

static void test_plain_messages(void)
{
    for (size_t i = 0; i < sizeof plain_cases / sizeof plain_cases[0]; i++) {
        bk_buf msg = {0};
        bk__ctx none = {0};
        CHECK(bk__msg_render(&msg, plain_cases[i].type, &none) == 0);
        CHECK_STREQ(text_of(&msg), plain_cases[i].msg);
        CHECK(!bk__etype_has_ctx(plain_cases[i].type));
        bk_buf_free(&msg);
    }
    /* Names and templates for every type; the ones no oracle row reached. */
    for (int t = 1; t < BK__E_COUNT; t++)
        CHECK(bk__etype_name((bk__etype)t)[0] != '\0' && bk__etype_template((bk__etype)t)[0]);
    CHECK_STREQ(bk__etype_name(BK__E_COUNT), "");
    CHECK_STREQ(bk__etype_name(BK__E_MODEL_ATTRIBUTES_TYPE), "model_attributes_type");
    CHECK_STREQ(bk__etype_template(BK__E_MODEL_ATTRIBUTES_TYPE),
                "Input should be a valid dictionary or object to extract fields from");
    CHECK_STREQ(bk__etype_template(BK__E_MISSING), "Field required");
    CHECK_STREQ(bk__etype_template(BK__E_EXTRA_FORBIDDEN), "Extra inputs are not permitted");
    bk_buf msg = {0};
    bk__ctx uuid = {.text = "invalid character: found `U` at 1", .text_len = 33};
    CHECK(bk__msg_render(&msg, BK__E_UUID_PARSING, &uuid) == 0);
    CHECK_STREQ(text_of(&msg), "Input should be a valid UUID, invalid character: found `U` at 1");
    bk_buf_free(&msg);
}

/* ---- enum and literal_error ------------------------------------------------------------------ */

typedef struct enum_case {
    const char *type;
    const char *msg;
} enum_case;

// clang-format off
static const enum_case enum_cases[] = { /* oracle: enum */
    {"enum", "Input should be 'alexnet', 'resnet' or 'lenet'"},
    {"enum", "Input should be 'alexnet' or 'resnet'"},
    {"enum", "Input should be 'alexnet'"},
    {"enum", "Input should be 1, 2 or 3"},
    {"enum", "Input should be 1.5 or 2.0"},
    {"enum", "Input should be \"it's\", 'say \"hi\"' or 'tab\\t'"},
    {"literal_error", "Input should be 1, 'a', True or None"},
};
// clang-format on

#define STR(lit)                                                                                   \
    {                                                                                              \
        BK__V_STR,                                                                                 \
        {                                                                                          \
            .str = { lit, sizeof(lit) - 1 }                                                        \
        }                                                                                          \
    }

static void test_enum_messages(void)
{
    /* The members the oracle's enums have, in its order. */
    const bk__value nets[] = {STR("alexnet"), STR("resnet"), STR("lenet")};
    const bk__value ints[] = {{BK__V_INT, {.i = 1}}, {BK__V_INT, {.i = 2}}, {BK__V_INT, {.i = 3}}};
    const bk__value floats[] = {{BK__V_FLOAT, {.f = 1.5}}, {BK__V_FLOAT, {.f = 2.0}}};
    const bk__value quotes[] = {STR("it's"), STR("say \"hi\""), STR("tab\t")};
    const bk__value mixed[] = {
        {BK__V_INT, {.i = 1}}, STR("a"), {BK__V_BOOL, {.b = 1}}, {BK__V_NULL, {0}}};
    const struct {
        const bk__value *v;
        size_t n;
        bk__etype type;
    } lists[] = {{nets, 3, BK__E_ENUM},          {nets, 2, BK__E_ENUM},   {nets, 1, BK__E_ENUM},
                 {ints, 3, BK__E_ENUM},          {floats, 2, BK__E_ENUM}, {quotes, 3, BK__E_ENUM},
                 {mixed, 4, BK__E_LITERAL_ERROR}};
    CHECK(sizeof lists / sizeof lists[0] == sizeof enum_cases / sizeof enum_cases[0]);
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        bk_buf expected = {0}, msg = {0};
        CHECK(bk__expected_append(&expected, lists[i].v, lists[i].n) == 0);
        bk__ctx ctx = {.text = expected.data, .text_len = expected.len};
        CHECK(bk__msg_render(&msg, lists[i].type, &ctx) == 0);
        CHECK_STREQ(bk__etype_name(lists[i].type), enum_cases[i].type);
        CHECK_STREQ(text_of(&msg), enum_cases[i].msg);
        bk_buf_free(&expected);
        bk_buf_free(&msg);
    }
    bk_buf b = {0};
    const bk__value list = {BK__V_LIST, {0}};
    CHECK(bk__value_py_repr(&b, &list) == BK_EINVAL);
    bk_buf_free(&b);
}

int main(void)
{
    test_float_printers();
    test_repr_round_trips();
    test_str_repr();
    test_bound_messages();
    test_int_field_bounds();
    test_ctx_messages();
    test_plain_messages();
    test_enum_messages();
    return check_result("test_messages");
}
