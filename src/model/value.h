/* A tagged scalar as a JSON body's DOM hands it to the validator. FastAPI parses a body with
 * json.loads and validates the Python objects (pydantic's Python mode), so a JSON value's kind
 * is the Python type json.loads makes of it: null -> None, true/false -> bool, an integer ->
 * int (of any size; json.loads refuses more than 4300 digits with a ValueError, which FastAPI
 * answers with 400 "There was an error parsing the body"), a number with a fraction or an
 * exponent -> float (1e400 -> inf; NaN, Infinity and -Infinity are accepted too), a string ->
 * str, an array -> list, an object -> dict. */
#ifndef BK_MODEL_VALUE_H
#define BK_MODEL_VALUE_H

#include <stddef.h>
#include <stdint.h>

typedef enum bk__vkind {
    BK__V_NULL,
    BK__V_BOOL,
    BK__V_INT,    /* an integer that fits int64_t: u.i */
    BK__V_BIGINT, /* an integer beyond int64_t: u.str holds its JSON text ("-12345...") */
    BK__V_FLOAT,  /* u.f */
    BK__V_STR,    /* u.str: UTF-8 */
    BK__V_LIST,
    BK__V_OBJECT,
} bk__vkind;

typedef struct bk__value {
    bk__vkind kind;
    union {
        int b;
        int64_t i;
        double f;
        struct {
            const char *s;
            size_t len;
        } str;
    } u;
} bk__value;

#endif
