/* pydantic's error types as brisk reports them: names, Python-mode message templates, and the
 * rendering of `msg` and `ctx` from a context, byte for byte as pydantic 2 (pydantic-core 2.46)
 * prints them in FastAPI's 422 body.
 *
 * Numbers in ctx and msg (constraints gt/ge/lt/le/multiple_of):
 *   - float field: the bound is converted to float whatever was written (`gt=0` and `gt=0.0`
 *     both): ctx {"gt": 0.0} (JSON of repr(float)), msg "greater than 0" (Rust's f64 Display:
 *     "0", "1.5", "0.00001", "100000000000000000000" for 1e20, "-0", "NaN", "inf").
 *   - int field: the bound is converted to int: ctx {"le": 1000}, msg "... 1000". A float bound
 *     must be integral and strictly inside (-2^63, 2^63) ("gt=1.0" is 1; "ge=0.5" and "le=1e20"
 *     make pydantic refuse the schema: "'ge' must be coercible to an integer").
 *   So the C declaration's int-vs-double literal (_Generic) does not change what is printed:
 *   the *field's* type does. bk__bound_for_field() applies this.
 * Check order when several constraints fail (only the first is reported): multiple_of, le, lt,
 * ge, gt — for ints and floats alike; for floats with allow_inf_nan=False, finite_number first.
 * A NaN fails every bound (NaN > 0 and NaN < 0 are both false).
 * str fields: string_too_short, then string_too_long, then string_pattern_mismatch (first only;
 * lengths in code points). Lists: the items' own errors (all of them, one per index) and, only
 * when every item is valid, too_short; but a list longer than max_length gets one too_long and
 * no item errors, its actual_length being the whole list's length. */
#ifndef BK_MODEL_MESSAGES_H
#define BK_MODEL_MESSAGES_H

#include "brisk.h"
#include "model/value.h"

#include <stddef.h>
#include <stdint.h>

typedef enum bk__etype {
    BK__E_NONE = 0, /* no error */
    BK__E_MISSING,
    BK__E_INT_TYPE,
    BK__E_INT_PARSING,
    BK__E_INT_FROM_FLOAT,
    BK__E_INT_PARSING_SIZE,
    BK__E_FLOAT_TYPE,
    BK__E_FLOAT_PARSING,
    BK__E_FINITE_NUMBER,
    BK__E_BOOL_TYPE,
    BK__E_BOOL_PARSING,
    BK__E_STRING_TYPE,
    BK__E_STRING_UNICODE,
    BK__E_STRING_TOO_SHORT,
    BK__E_STRING_TOO_LONG,
    BK__E_STRING_PATTERN_MISMATCH,
    BK__E_GREATER_THAN,
    BK__E_GREATER_THAN_EQUAL,
    BK__E_LESS_THAN,
    BK__E_LESS_THAN_EQUAL,
    BK__E_MULTIPLE_OF,
    BK__E_ENUM,
    BK__E_LITERAL_ERROR,
    BK__E_LIST_TYPE,
    BK__E_SET_TYPE,
    BK__E_TUPLE_TYPE,
    BK__E_DICT_TYPE,
    BK__E_TOO_SHORT,
    BK__E_TOO_LONG,
    BK__E_MODEL_TYPE,
    BK__E_MODEL_ATTRIBUTES_TYPE,
    BK__E_UUID_TYPE,
    BK__E_UUID_PARSING,
    BK__E_JSON_INVALID,
    BK__E_EXTRA_FORBIDDEN,
    BK__E_VALUE_ERROR,
    BK__E_NONE_REQUIRED,
    BK__E_COUNT
} bk__etype;

/* A constraint's number: an int64 or a double, as the field's type made it. */
typedef struct bk__num {
    int is_float;
    int64_t i;
    double f;
} bk__num;

/* What a message may need; each type reads only its own members (see bk__etype_ctx_keys):
 *   gt/ge/lt/le/multiple_of          num
 *   string_too_short/_long           length (min_length / max_length)
 *   too_short/too_long               length, actual, text = field_type ("List", "Set", "Tuple",
 *                                    "Dictionary")
 *   string_pattern_mismatch          text = the pattern as written
 *   enum, literal_error              text = expected (bk__expected_append builds it)
 *   uuid_parsing, json_invalid       text = error
 *   value_error                      text = error (the exception's message)
 *   model_type                       text = class_name */
typedef struct bk__ctx {
    bk__num num;
    int64_t length;
    int64_t actual;
    const char *text;
    size_t text_len;
} bk__ctx;

/* pydantic's name of the type ("int_parsing"); "" for BK__E_NONE or out of range. */
const char *bk__etype_name(bk__etype t);
/* The Python-mode template as pydantic lists it ("Input should be greater than {gt}"). */
const char *bk__etype_template(bk__etype t);
/* 1 when the error carries a ctx object in the 422 body, 0 when it has none. */
int bk__etype_has_ctx(bk__etype t);
/* Appends the rendered msg ("Input should be greater than 0", "List should have at least 1
 * item after validation, not 0"). Returns 0 or BK_ENOMEM. */
int bk__msg_render(bk_buf *out, bk__etype t, const bk__ctx *ctx);
/* Writes the ctx object ({"gt": 0.0}, {"field_type": "List", "min_length": 1,
 * "actual_length": 0}, ...) as the next value of `j`; writes nothing when the type has none.
 * Float numbers go through bk_json_double (json.dumps writes repr(float)). */
void bk__ctx_write_json(bk_json *j, bk__etype t, const bk__ctx *ctx);

/* A constraint written in C as an int or a double literal, turned into what pydantic stores
 * for a field of the given kind: for a float field always a double; for an int field an int,
 * failing (BK_EINVAL, with *why naming the rule) when a double is not integral or not strictly
 * inside (-2^63, 2^63), as pydantic refuses such a schema. */
int bk__bound_for_field(bk__num written, int field_is_float, bk__num *out, const char **why);

/* Appends Python's repr() of a literal: 'text' (bk__py_str_repr), 12, 1.5 / 2.0 (repr(float)),
 * True, False, None. Lists and objects are not literals: BK_EINVAL. */
int bk__value_py_repr(bk_buf *out, const bk__value *v);
/* Appends the `expected` text of an enum or literal_error: the values' reprs joined by ", " with
 * " or " before the last ("'alexnet', 'resnet' or 'lenet'", "1, 2 or 3", "'a'"). */
int bk__expected_append(bk_buf *out, const bk__value *values, size_t n);

#endif
