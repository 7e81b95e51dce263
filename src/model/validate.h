/* Validation: request parameters (text) and JSON bodies (a parsed DOM) into model structs, with
 * pydantic's lax coercions and FastAPI's error list. See verror.h for the errors. */
#ifndef BK_MODEL_VALIDATE_H
#define BK_MODEL_VALIDATE_H

#include "model/model.h"
#include "model/verror.h"

typedef struct bk__jval bk__jval;

/* A request's parameter values as FastAPI reads them: query pairs percent-decoded (with '+' as
 * space, bad UTF-8 replaced), header values decoded from Latin-1, cookies parsed. Built once per
 * request, on first use. */
typedef struct bk__pair {
    const char *key, *value;
    size_t key_len, value_len;
} bk__pair;

/* A text value (NUL-terminated). */
typedef struct bk__text {
    const char *s;
    size_t n;
} bk__text;

typedef struct bk__sources {
    bk_req *req;
    bk__arena *arena;
    bk__pair *query, *cookies;
    size_t nquery, ncookies;
    int have_query, have_cookies;
    int oom; /* a value could not be decoded for want of memory: answer 503 */
} bk__sources;

/* Fills `out` with up to `max` values of parameter `name` at `in`, in request order, and
 * returns how many there are in all (0: absent). */
size_t bk__sources_values(bk__sources *src, bk_in in, const char *name, size_t len, bk__text *out,
                          size_t max);
#define bk__sources_count(src, in, name, len)                                                      \
    bk__sources_values((src), (in), (name), (len), NULL, 0)

/* Validates the fields of `m` read from location `in` (path, query, header or cookie) into
 * `out` (a zeroed struct of m's size); errors join `errs`. */
void bk__validate_params(bk__sources *src, const bk__cmodel *m, bk_in in, void *out,
                         bk__verrs *errs);
/* bk__validate_params for every parameter location, in FastAPI's order: path, query, header,
 * cookie (the body comes after, from the caller). */
void bk__validate_all_params(bk__sources *src, const bk__cmodel *m, void *out, bk__verrs *errs);
/* Validates `value` (NULL: absent) as model `m` into `out`, at location `loc` ("body"). */
void bk__validate_model(bk__arena *a, const bk__cmodel *m, const bk__jval *value,
                        const bk__loc *loc, void *out, bk__verrs *errs);
/* Validates the embedded body fields (BK_FROM_BODY) of `m` from the body object `value` (NULL:
 * no body) into `out`. */
void bk__validate_body_fields(bk__arena *a, const bk__cmodel *m, const bk__jval *value, void *out,
                              bk__verrs *errs);
/* Stores a text that is not JSON as the body's input for a model_attributes_type error. */
void bk__validate_raw_body(const bk__loc *loc, const char *text, size_t len, bk__verrs *errs);

/* The ctx of bound `b` of `f`, typed as pydantic types it: as the field (gt=0 on a float field
 * is {"gt": 0.0}). */
bk__ctx bk__ctx_bound(const bk__cfield *f, bk__bound b);
/* "'a', 'b' or 'c'": the enum's values as pydantic lists them, in `a`; NULL without memory. */
char *bk__enum_expected(bk__arena *a, const bk__cfield *f);
/* The first step of a parameter's location: "path", "query", "header", "cookie" or "body". */
const char *bk__in_name(bk_in in);

#endif
