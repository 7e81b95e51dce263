/* pydantic's error types: names, Python-mode templates, msg and ctx rendering (see messages.h).
 * The templates are pydantic-core's message_template_python, copied from
 * pydantic_core._pydantic_core.list_all_errors() of pydantic-core 2.46.4, and rendered by the
 * same {placeholder} substitution so that the text cannot drift from the list. */
#include "model/messages.h"
#include "model/pyfmt.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Which ctx object a type carries in the 422 body. */
typedef enum ctx_shape {
    CTX_NONE,
    CTX_NUM,        /* {"<key>": num} */
    CTX_LENGTH,     /* {"<key>": length} */
    CTX_COLLECTION, /* {"field_type": text, "<key>": length, "actual_length": actual} */
    CTX_TEXT,       /* {"<key>": text} */
} ctx_shape;

typedef struct etype_info {
    const char *name;
    const char *template;
    ctx_shape shape;
    const char *key; /* the ctx key of num / length / text */
} etype_info;

static const etype_info infos[BK__E_COUNT] = {
    [BK__E_NONE] = {"", "", CTX_NONE, NULL},
    [BK__E_MISSING] = {"missing", "Field required", CTX_NONE, NULL},
    [BK__E_INT_TYPE] = {"int_type", "Input should be a valid integer", CTX_NONE, NULL},
    [BK__E_INT_PARSING] = {"int_parsing",
                           "Input should be a valid integer, unable to parse string as an integer",
                           CTX_NONE, NULL},
    [BK__E_INT_FROM_FLOAT] = {"int_from_float",
                              "Input should be a valid integer, got a number with a fractional "
                              "part",
                              CTX_NONE, NULL},
    [BK__E_INT_PARSING_SIZE] = {"int_parsing_size",
                                "Unable to parse input string as an integer, exceeded maximum "
                                "size",
                                CTX_NONE, NULL},
    [BK__E_FLOAT_TYPE] = {"float_type", "Input should be a valid number", CTX_NONE, NULL},
    [BK__E_FLOAT_PARSING] = {"float_parsing",
                             "Input should be a valid number, unable to parse string as a number",
                             CTX_NONE, NULL},
    [BK__E_FINITE_NUMBER] = {"finite_number", "Input should be a finite number", CTX_NONE, NULL},
    [BK__E_BOOL_TYPE] = {"bool_type", "Input should be a valid boolean", CTX_NONE, NULL},
    [BK__E_BOOL_PARSING] = {"bool_parsing",
                            "Input should be a valid boolean, unable to interpret input", CTX_NONE,
                            NULL},
    [BK__E_STRING_TYPE] = {"string_type", "Input should be a valid string", CTX_NONE, NULL},
    [BK__E_STRING_UNICODE] = {"string_unicode",
                              "Input should be a valid string, unable to parse raw data as a "
                              "unicode string",
                              CTX_NONE, NULL},
    [BK__E_STRING_TOO_SHORT] = {"string_too_short",
                                "String should have at least {min_length} "
                                "character{expected_plural}",
                                CTX_LENGTH, "min_length"},
    [BK__E_STRING_TOO_LONG] = {"string_too_long",
                               "String should have at most {max_length} character{expected_plural}",
                               CTX_LENGTH, "max_length"},
    [BK__E_STRING_PATTERN_MISMATCH] = {"string_pattern_mismatch",
                                       "String should match pattern '{pattern}'", CTX_TEXT,
                                       "pattern"},
    [BK__E_GREATER_THAN] = {"greater_than", "Input should be greater than {gt}", CTX_NUM, "gt"},
    [BK__E_GREATER_THAN_EQUAL] = {"greater_than_equal",
                                  "Input should be greater than or equal to {ge}", CTX_NUM, "ge"},
    [BK__E_LESS_THAN] = {"less_than", "Input should be less than {lt}", CTX_NUM, "lt"},
    [BK__E_LESS_THAN_EQUAL] = {"less_than_equal", "Input should be less than or equal to {le}",
                               CTX_NUM, "le"},
    [BK__E_MULTIPLE_OF] = {"multiple_of", "Input should be a multiple of {multiple_of}", CTX_NUM,
                           "multiple_of"},
    [BK__E_ENUM] = {"enum", "Input should be {expected}", CTX_TEXT, "expected"},
    [BK__E_LITERAL_ERROR] = {"literal_error", "Input should be {expected}", CTX_TEXT, "expected"},
    [BK__E_LIST_TYPE] = {"list_type", "Input should be a valid list", CTX_NONE, NULL},
    [BK__E_SET_TYPE] = {"set_type", "Input should be a valid set", CTX_NONE, NULL},
    [BK__E_TUPLE_TYPE] = {"tuple_type", "Input should be a valid tuple", CTX_NONE, NULL},
    [BK__E_DICT_TYPE] = {"dict_type", "Input should be a valid dictionary", CTX_NONE, NULL},
    [BK__E_TOO_SHORT] = {"too_short",
                         "{field_type} should have at least {min_length} item{expected_plural} "
                         "after validation, not {actual_length}",
                         CTX_COLLECTION, "min_length"},
    [BK__E_TOO_LONG] = {"too_long",
                        "{field_type} should have at most {max_length} item{expected_plural} after "
                        "validation, not {actual_length}",
                        CTX_COLLECTION, "max_length"},
    [BK__E_MODEL_TYPE] = {"model_type",
                          "Input should be a valid dictionary or instance of "
                          "{class_name}",
                          CTX_TEXT, "class_name"},
    [BK__E_MODEL_ATTRIBUTES_TYPE] = {"model_attributes_type",
                                     "Input should be a valid dictionary or object to extract "
                                     "fields from",
                                     CTX_NONE, NULL},
    [BK__E_UUID_TYPE] = {"uuid_type", "UUID input should be a string, bytes or UUID object",
                         CTX_NONE, NULL},
    [BK__E_UUID_PARSING] = {"uuid_parsing", "Input should be a valid UUID, {error}", CTX_TEXT,
                            "error"},
    [BK__E_JSON_INVALID] = {"json_invalid", "Invalid JSON: {error}", CTX_TEXT, "error"},
    [BK__E_EXTRA_FORBIDDEN] = {"extra_forbidden", "Extra inputs are not permitted", CTX_NONE, NULL},
    [BK__E_VALUE_ERROR] = {"value_error", "Value error, {error}", CTX_TEXT, "error"},
    [BK__E_NONE_REQUIRED] = {"none_required", "Input should be None", CTX_NONE, NULL},
};

static const etype_info *info(bk__etype t)
{
    return (unsigned)t < BK__E_COUNT ? &infos[t] : &infos[BK__E_NONE];
}

const char *bk__etype_name(bk__etype t)
{
    return info(t)->name;
}

const char *bk__etype_template(bk__etype t)
{
    return info(t)->template;
}

int bk__etype_has_ctx(bk__etype t)
{
    return info(t)->shape != CTX_NONE;
}

/* ---- msg ----------------------------------------------------------------------------------- */

static int append_int(bk_buf *out, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return bk_buf_append(out, buf, (size_t)n);
}

/* A constraint's number inside msg: pydantic-core formats it in Rust. */
static int append_num_display(bk_buf *out, const bk__num *num)
{
    return num->is_float ? bk__rust_float_display(out, num->f) : append_int(out, num->i);
}

/* The value of one {placeholder}. */
static int append_placeholder(bk_buf *out, const char *key, size_t key_len, const etype_info *ti,
                              const bk__ctx *ctx)
{
#define KEY_IS(lit) (key_len == sizeof(lit) - 1 && memcmp(key, lit, key_len) == 0)
    if (KEY_IS("expected_plural"))
        return ctx->length == 1 ? 0 : bk_buf_append(out, "s", 1);
    if (KEY_IS("actual_length"))
        return append_int(out, ctx->actual);
    if (KEY_IS("field_type"))
        return bk_buf_append(out, ctx->text, ctx->text_len);
    switch (ti->shape) {
    case CTX_NUM:
        return append_num_display(out, &ctx->num);
    case CTX_LENGTH:
    case CTX_COLLECTION:
        return append_int(out, ctx->length);
    case CTX_TEXT:
        return bk_buf_append(out, ctx->text, ctx->text_len);
    default:
        return BK_EINVAL;
    }
#undef KEY_IS
}

int bk__msg_render(bk_buf *out, bk__etype t, const bk__ctx *ctx)
{
    const etype_info *ti = info(t);
    const char *p = ti->template;
    int rc = 0;
    while (*p && rc == 0) {
        const char *open = strchr(p, '{');
        if (!open)
            return bk_buf_append_str(out, p);
        const char *close = strchr(open, '}');
        rc = bk_buf_append(out, p, (size_t)(open - p));
        if (rc == 0)
            rc = append_placeholder(out, open + 1, (size_t)(close - open - 1), ti, ctx);
        p = close + 1;
    }
    return rc;
}

/* ---- ctx ----------------------------------------------------------------------------------- */

static void write_num(bk_json *j, const bk__num *num)
{
    if (num->is_float)
        bk_json_double(j, num->f);
    else
        bk_json_int(j, num->i);
}

void bk__ctx_write_json(bk_json *j, bk__etype t, const bk__ctx *ctx)
{
    const etype_info *ti = info(t);
    if (ti->shape == CTX_NONE)
        return;
    bk_json_object_begin(j);
    if (ti->shape == CTX_COLLECTION) {
        bk_json_key(j, "field_type");
        bk_json_string_len(j, ctx->text, ctx->text_len);
    }
    bk_json_key(j, ti->key);
    switch (ti->shape) {
    case CTX_NUM:
        write_num(j, &ctx->num);
        break;
    case CTX_TEXT:
        bk_json_string_len(j, ctx->text, ctx->text_len);
        break;
    default:
        bk_json_int(j, ctx->length);
        break;
    }
    if (ti->shape == CTX_COLLECTION) {
        bk_json_key(j, "actual_length");
        bk_json_int(j, ctx->actual);
    }
    bk_json_object_end(j);
}

/* ---- bounds -------------------------------------------------------------------------------- */

int bk__bound_for_field(bk__num written, int field_is_float, bk__num *out, const char **why)
{
    *why = NULL;
    if (field_is_float) {
        out->is_float = 1;
        out->f = written.is_float ? written.f : (double)written.i;
        out->i = 0;
        return 0;
    }
    out->is_float = 0;
    out->f = 0;
    if (!written.is_float) {
        out->i = written.i;
        return 0;
    }
    /* pydantic validates the bound as a lax int: float_as_int's rules (the range test is false
     * for NaN too). */
    double f = written.f;
    if (!(f > -9223372036854775808.0 && f < 9223372036854775808.0) || (double)(int64_t)f != f) {
        *why = "must be coercible to an integer";
        return BK_EINVAL;
    }
    out->i = (int64_t)f;
    return 0;
}

/* ---- literals -------------------------------------------------------------------------------- */

int bk__value_py_repr(bk_buf *out, const bk__value *v)
{
    char buf[BK__PY_FLOAT_REPR_MAX];
    switch (v->kind) {
    case BK__V_NULL:
        return bk_buf_append_str(out, "None");
    case BK__V_BOOL:
        return bk_buf_append_str(out, v->u.b ? "True" : "False");
    case BK__V_INT:
        return append_int(out, v->u.i);
    case BK__V_BIGINT:
        return bk_buf_append(out, v->u.str.s, v->u.str.len);
    case BK__V_FLOAT:
        return bk_buf_append(out, buf, bk__py_float_repr(buf, v->u.f));
    case BK__V_STR:
        return bk__py_str_repr(out, v->u.str.s, v->u.str.len);
    default:
        return BK_EINVAL;
    }
}

int bk__expected_append(bk_buf *out, const bk__value *values, size_t n)
{
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (i > 0)
            rc = bk_buf_append_str(out, i + 1 == n ? " or " : ", ");
        if (rc == 0)
            rc = bk__value_py_repr(out, &values[i]);
    }
    return rc;
}
