/* Validating request values into model structs, as pydantic does in FastAPI: every error is
 * collected (never the first only), coercion is lax (pydantic's rules, src/model/coerce.c), and
 * each error carries the location, the input as received and the constraint that failed.
 *
 * Values come as text (path, query, header and cookie parameters) or as JSON (bodies); both end
 * in the same store-and-check code, so a bound behaves the same wherever it is declared. */
#include "model/validate.h"
#include "model/coerce.h"
#include "model/json_parse.h"
#include "model/pattern.h"
#include "model/text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The value being validated: a text (a parameter) or a JSON value. */
typedef struct val {
    const char *s; /* text, or NULL */
    size_t n;
    const bk__jval *j; /* JSON, or NULL */
} val;

typedef struct vctx {
    bk__arena *arena;
    bk__verrs *errs;
} vctx;

/* A JSON value as the coercion rules take it (coerce.h): the Python type json.loads made. */
static bk__value value_of(const bk__jval *j)
{
    switch (j->type) {
    case BK__J_NULL:
        return (bk__value){.kind = BK__V_NULL};
    case BK__J_FALSE:
        return (bk__value){.kind = BK__V_BOOL, .u.b = 0};
    case BK__J_TRUE:
        return (bk__value){.kind = BK__V_BOOL, .u.b = 1};
    case BK__J_INT:
        if (j->big)
            return (bk__value){.kind = BK__V_BIGINT, .u.str = {j->text, j->text_len}};
        return (bk__value){.kind = BK__V_INT, .u.i = j->i};
    case BK__J_FLOAT:
        return (bk__value){.kind = BK__V_FLOAT, .u.f = j->f};
    case BK__J_STRING:
        return (bk__value){.kind = BK__V_STR, .u.str = {j->s, j->len}};
    case BK__J_ARRAY:
        return (bk__value){.kind = BK__V_LIST};
    default:
        return (bk__value){.kind = BK__V_OBJECT};
    }
}

static void fail(vctx *c, bk__etype t, const bk__loc *loc, val v, const bk__ctx *ctx)
{
    if (v.j)
        bk__verrs_add(c->errs, t, loc, BK__INPUT_JSON, NULL, 0, v.j, ctx);
    else
        bk__verrs_add(c->errs, t, loc, BK__INPUT_TEXT, v.s, v.n, NULL, ctx);
}

/* fail() for an error whose msg and ctx were rendered at registration. */

/* Is `loc` [root, f's name], where f's prerendered error object applies? */
static int at_top(const bk__cfield *f, const bk__loc *loc)
{
    return loc->key == f->name && loc->up && !loc->up->up && loc->up->key &&
           strcmp(loc->up->key, bk__in_name(f->in)) == 0;
}

static void fail_field(vctx *c, const bk__cfield *f, bk__etype t, const bk__loc *loc, val v,
                       const bk__ctx *ctx)
{
    int before = c->errs->count;
    fail(c, t, loc, v, ctx);
    int slot = bk__pre_slot_of(t);
    if (c->errs->count > before && slot < BK__PRE_COUNT && f->pre_msg[slot]) {
        bk__verr *e = c->errs->last;
        e->msg_json = f->pre_msg[slot];
        e->msg_json_len = f->pre_msg_len[slot];
        e->ctx_json = f->pre_ctx[slot];
        e->ctx_json_len = f->pre_ctx_len[slot];
        if (f->pre_head[slot] && at_top(f, loc)) {
            e->head_json = f->pre_head[slot];
            e->head_json_len = f->pre_head_len[slot];
            e->tail_json = f->pre_tail[slot];
            e->tail_json_len = f->pre_tail_len[slot];
        }
    }
}

bk__ctx bk__ctx_bound(const bk__cfield *f, bk__bound b)
{
    /* pydantic reports a bound as the field's type: gt=0 on a float field is {"gt": 0.0}. */
    int float_field = f->kind == BK_K_FLOAT || f->kind == BK_K_OPT_FLOAT ||
                      (f->kind == BK_K_LIST && f->elem == BK_K_FLOAT);
    if (float_field)
        return (bk__ctx){.num = {.is_float = 1, .f = b.is_float ? b.f : (double)b.i}};
    return (bk__ctx){.num = {.i = b.is_float ? (int64_t)b.f : b.i}};
}

static double bound_value(bk__bound b)
{
    return b.is_float ? b.f : (double)b.i;
}

/* Checks the numeric bounds of `f` against `x` (`overflow`: beyond int64, with its sign), in
 * pydantic's order: multiple_of, le, lt, ge, gt; only the first failure is reported. */
static int check_number(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, double x,
                        int overflow)
{
    if ((f->flags & BK__F_HAS_MULT) && !overflow) {
        double m = bound_value(f->mult);
        int is_int = f->kind == BK_K_INT || f->kind == BK_K_OPT_INT ||
                     (f->kind == BK_K_LIST && f->elem == BK_K_INT);
        int ok = m == 0 || (is_int ? (int64_t)x % (int64_t)m == 0 : bk__float_multiple_of(x, m));
        if (!ok) {
            bk__ctx ctx = bk__ctx_bound(f, f->mult);
            fail_field(c, f, BK__E_MULTIPLE_OF, loc, v, &ctx);
            return -1;
        }
    }
    static const struct {
        unsigned flag;
        bk__etype type;
        int below; /* the bound is an upper one */
        int strict;
    } bounds[] = {
        {BK__F_HAS_LE, BK__E_LESS_THAN_EQUAL, 1, 0},
        {BK__F_HAS_LT, BK__E_LESS_THAN, 1, 1},
        {BK__F_HAS_GE, BK__E_GREATER_THAN_EQUAL, 0, 0},
        {BK__F_HAS_GT, BK__E_GREATER_THAN, 0, 1},
    };
    const bk__bound *b[] = {&f->le, &f->lt, &f->ge, &f->gt};
    for (int i = 0; i < 4; i++) {
        if (!(f->flags & bounds[i].flag))
            continue;
        double lim = bound_value(*b[i]);
        int ok;
        if (overflow)
            ok = bounds[i].below ? overflow < 0 : overflow > 0;
        else if (bounds[i].below)
            ok = bounds[i].strict ? x < lim : x <= lim;
        else
            ok = bounds[i].strict ? x > lim : x >= lim;
        if (!ok) {
            bk__ctx ctx = bk__ctx_bound(f, *b[i]);
            fail_field(c, f, bounds[i].type, loc, v, &ctx);
            return -1;
        }
    }
    return 0;
}

static void store_int(void *dst, size_t size, int64_t x)
{
    switch (size) {
    case 1:
        *(int8_t *)dst = (int8_t)x;
        break;
    case 2:
        *(int16_t *)dst = (int16_t)x;
        break;
    case 4:
        *(int32_t *)dst = (int32_t)x;
        break;
    default:
        memcpy(dst, &x, sizeof(x));
        break;
    }
}

/* The range a C integer member of `size` bytes holds. */
static int fits(int64_t x, size_t size)
{
    if (size >= 8)
        return 1;
    int64_t lim = (int64_t)1 << (size * 8 - 1);
    return x >= -lim && x < lim;
}

static int validate_int(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, size_t size,
                        void *dst)
{
    bk__int bi = {0};
    bk__value jv;
    bk__etype t =
        v.j ? (jv = value_of(v.j), bk__int_from_value(&jv, &bi)) : bk__int_from_text(v.s, v.n, &bi);
    int64_t x = bi.value;
    int overflow = bi.overflow;
    if (t != BK__E_NONE) {
        fail(c, t, loc, v, NULL);
        return -1;
    }
    if (check_number(c, f, loc, v, (double)x, overflow))
        return -1;
    /* pydantic's ints are unbounded: a value past what the member holds that passed the
     * field's bounds is valid, and stored saturated (documented with BK_FIELD in brisk.h), so
     * ?skip=10**20 behaves as pydantic's does wherever the exact value does not matter. */
    if (!fits(x, size)) {
        int64_t lim = (int64_t)1 << (size * 8 - 1);
        x = x < 0 ? -lim : lim - 1;
    }
    store_int(dst, size, x);
    return 0;
}

static int validate_float(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, double *dst)
{
    double x = 0;
    bk__value jv;
    bk__etype t = v.j ? (jv = value_of(v.j), bk__float_from_value(&jv, &x))
                      : bk__float_from_text(v.s, v.n, &x);
    if (t != BK__E_NONE) {
        fail(c, t, loc, v, NULL);
        return -1;
    }
    if (check_number(c, f, loc, v, x, 0))
        return -1;
    *dst = x;
    return 0;
}

static int validate_bool(vctx *c, const bk__loc *loc, val v, bool *dst)
{
    int b = 0;
    bk__value jv;
    bk__etype t =
        v.j ? (jv = value_of(v.j), bk__bool_from_value(&jv, &b)) : bk__bool_from_text(v.s, v.n, &b);
    if (t != BK__E_NONE) {
        fail(c, t, loc, v, NULL);
        return -1;
    }
    *dst = b != 0;
    return 0;
}

/* The text of a string value, or a string_type error. */
static int string_of(vctx *c, const bk__loc *loc, val v, const char **s, size_t *n)
{
    if (!v.j) {
        *s = v.s;
        *n = v.n;
        return 0;
    }
    if (v.j->type != BK__J_STRING) {
        fail(c, BK__E_STRING_TYPE, loc, v, NULL);
        return -1;
    }
    if (v.j->surrogate) { /* a lone surrogate: pydantic cannot make a Rust string of it */
        fail(c, BK__E_STRING_UNICODE, loc, v, NULL);
        return -1;
    }
    *s = v.j->s;
    *n = v.j->len;
    return 0;
}

static int validate_str(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, bk_str *dst)
{
    const char *s;
    size_t n;
    if (string_of(c, loc, v, &s, &n))
        return -1;
    if (f->min_len >= 0 || f->max_len >= 0) {
        size_t chars = bk__utf8_length(s, n);
        if (f->min_len >= 0 && chars < (size_t)f->min_len) {
            bk__ctx ctx = {.length = f->min_len};
            fail_field(c, f, BK__E_STRING_TOO_SHORT, loc, v, &ctx);
            return -1;
        }
        if (f->max_len >= 0 && chars > (size_t)f->max_len) {
            bk__ctx ctx = {.length = f->max_len};
            fail_field(c, f, BK__E_STRING_TOO_LONG, loc, v, &ctx);
            return -1;
        }
    }
    if (f->re && bk__pattern_search(f->re, s, n) != 1) {
        bk__ctx ctx = {.text = f->pattern, .text_len = strlen(f->pattern)};
        fail_field(c, f, BK__E_STRING_PATTERN_MISMATCH, loc, v, &ctx);
        return -1;
    }
    *dst = (bk_str){s, n};
    return 0;
}

static int validate_uuid(vctx *c, const bk__loc *loc, val v, bk_uuid *dst)
{
    const char *s = v.s;
    size_t n = v.n;
    if (v.j) {
        if (v.j->type != BK__J_STRING) {
            fail(c, BK__E_UUID_TYPE, loc, v, NULL);
            return -1;
        }
        s = v.j->s;
        n = v.j->len;
    }
    char *why = bk__arena_alloc(c->arena, BK__UUID_ERROR_MAX);
    if (!why) {
        c->errs->oom = 1;
        return -1;
    }
    why[0] = '\0';
    if (bk__uuid_from_text(s, n, dst->bytes, why) != BK__E_NONE) {
        bk__ctx ctx = {.text = why ? why : "", .text_len = why ? strlen(why) : 0};
        fail(c, BK__E_UUID_PARSING, loc, v, &ctx);
        return -1;
    }
    return 0;
}

/* "'a', 'b' or 'c'": pydantic's list of an enum's values, in its ctx and message. */
char *bk__enum_expected(bk__arena *a, const bk__cfield *f)
{
    size_t need = 1;
    for (size_t i = 0; i < f->nenums; i++)
        need += strlen(f->enums[i].name) + 6;
    char *out = bk__arena_alloc(a, need), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < f->nenums; i++) {
        const char *sep = i == 0 ? "" : i + 1 == f->nenums ? " or " : ", ";
        p += strlen(strcpy(p, sep));
        *p++ = '\'';
        p += strlen(strcpy(p, f->enums[i].name));
        *p++ = '\'';
    }
    *p = '\0';
    return out;
}

static int validate_enum(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, int *dst)
{
    const char *s = v.s;
    size_t n = v.n;
    if (v.j) {
        s = v.j->type == BK__J_STRING ? v.j->s : NULL;
        n = v.j->type == BK__J_STRING ? v.j->len : 0;
    }
    for (size_t i = 0; s && i < f->nenums; i++) {
        if (strlen(f->enums[i].name) == n && memcmp(f->enums[i].name, s, n) == 0) {
            *dst = f->enums[i].value;
            return 0;
        }
    }
    if (f->pre_msg[BK__PRE_ENUM]) { /* the usual case: rendered at registration */
        fail_field(c, f, BK__E_ENUM, loc, v, NULL);
        return -1;
    }
    const char *expected = bk__enum_expected(c->arena, f);
    bk__ctx ctx = {.text = expected ? expected : "", .text_len = expected ? strlen(expected) : 0};
    fail(c, BK__E_ENUM, loc, v, &ctx);
    return -1;
}

static int validate_value(vctx *c, const bk__cfield *f, bk_kind kind, size_t size,
                          const bk__loc *loc, val v, void *dst);

static int validate_nested(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, void *dst)
{
    if (!v.j || v.j->type != BK__J_OBJECT) {
        /* FastAPI validates with from_attributes=True, so a nested model refuses a non-object
         * as the body itself does: model_attributes_type, not pydantic's plain model_type. */
        fail(c, BK__E_MODEL_ATTRIBUTES_TYPE, loc, v, NULL);
        return -1;
    }
    int before = c->errs->count;
    bk__validate_model(c->arena, f->model, v.j, loc, dst, c->errs);
    return c->errs->count == before ? 0 : -1;
}

static int check_items(vctx *c, const bk__cfield *f, const bk__loc *loc, val v, size_t n)
{
    if (f->min_len >= 0 && n < (size_t)f->min_len) {
        bk__ctx ctx = {.length = f->min_len, .actual = (int64_t)n, .text = "List", .text_len = 4};
        fail(c, BK__E_TOO_SHORT, loc, v, &ctx);
        return -1;
    }
    if (f->max_len >= 0 && n > (size_t)f->max_len) {
        bk__ctx ctx = {.length = f->max_len, .actual = (int64_t)n, .text = "List", .text_len = 4};
        fail(c, BK__E_TOO_LONG, loc, v, &ctx);
        return -1;
    }
    return 0;
}

typedef struct raw_list {
    char *items;
    size_t len;
} raw_list;

/* An empty list still has a non-NULL array: NULL items mean None (brisk.h, BK_LIST). */
static char *alloc_items(vctx *c, size_t n, size_t elem_size)
{
    char *items = bk__arena_alloc(c->arena, n ? n * elem_size : 1);
    if (items)
        memset(items, 0, n ? n * elem_size : 1);
    return items;
}

static int validate_json_list(vctx *c, const bk__cfield *f, const bk__loc *loc, val v,
                              raw_list *dst)
{
    if (v.j->type != BK__J_ARRAY) {
        fail(c, BK__E_LIST_TYPE, loc, v, NULL);
        return -1;
    }
    size_t n = v.j->len, es = f->src->elem_size;
    char *items = alloc_items(c, n, es);
    if (!items) {
        c->errs->oom = 1;
        return -1;
    }
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bk__loc at = {.index = (int64_t)i, .up = loc};
        val e = {.j = &v.j->items[i]};
        bad |= validate_value(c, f, f->elem, es, &at, e, items + i * es) != 0;
    }
    if (bad)
        return -1;
    if (check_items(c, f, loc, v, n))
        return -1;
    *dst = (raw_list){items, n};
    return 0;
}

/* Stores None into a nullable member. */
static void store_none(bk_kind kind, void *dst, size_t size)
{
    memset(dst, 0, size); /* bk_str{NULL}, bk_opt_*{has = false}, a list with NULL items */
    (void)kind;
}

static bk__etype null_error(const bk__cfield *f, bk_kind kind)
{
    switch (kind) {
    case BK_K_BOOL:
        return BK__E_BOOL_TYPE;
    case BK_K_INT:
        return BK__E_INT_TYPE;
    case BK_K_FLOAT:
        return BK__E_FLOAT_TYPE;
    case BK_K_STR:
        return BK__E_STRING_TYPE;
    case BK_K_UUID:
        return BK__E_UUID_TYPE;
    case BK_K_ENUM:
        return BK__E_ENUM;
    case BK_K_MODEL:
        return BK__E_MODEL_ATTRIBUTES_TYPE;
    case BK_K_LIST:
        return BK__E_LIST_TYPE;
    default:
        (void)f;
        return BK__E_INT_TYPE;
    }
}

/* Validates one value of kind `kind` into `dst`. Returns 0 or -1 (the error was added). */
static int validate_value(vctx *c, const bk__cfield *f, bk_kind kind, size_t size,
                          const bk__loc *loc, val v, void *dst)
{
    int is_elem = kind != f->kind;
    if (v.j && v.j->type == BK__J_NULL) {
        int nullable = !is_elem && (f->flags & BK__F_NULLABLE);
        if (nullable) {
            store_none(kind, dst, size);
            return 0;
        }
        if (kind == BK_K_ENUM || kind == BK_K_MODEL)
            return kind == BK_K_ENUM ? validate_enum(c, f, loc, v, dst)
                                     : validate_nested(c, f, loc, v, dst);
        fail(c, null_error(f, kind), loc, v, NULL);
        return -1;
    }
    switch (kind) {
    case BK_K_BOOL:
        return validate_bool(c, loc, v, dst);
    case BK_K_INT:
        return validate_int(c, f, loc, v, size, dst);
    case BK_K_FLOAT:
        return validate_float(c, f, loc, v, dst);
    case BK_K_STR:
        return validate_str(c, f, loc, v, dst);
    case BK_K_UUID:
        return validate_uuid(c, loc, v, dst);
    case BK_K_ENUM:
        return validate_enum(c, f, loc, v, dst);
    case BK_K_MODEL:
        return validate_nested(c, f, loc, v, dst);
    case BK_K_OPT_BOOL: {
        bk_opt_bool *o = dst;
        o->has = validate_bool(c, loc, v, &o->v) == 0;
        return o->has ? 0 : -1;
    }
    case BK_K_OPT_INT: {
        bk_opt_int *o = dst;
        o->has = validate_int(c, f, loc, v, sizeof(o->v), &o->v) == 0;
        return o->has ? 0 : -1;
    }
    case BK_K_OPT_FLOAT: {
        bk_opt_float *o = dst;
        o->has = validate_float(c, f, loc, v, &o->v) == 0;
        return o->has ? 0 : -1;
    }
    case BK_K_LIST:
        if (!v.j) { /* a single text for a list field: a list of one */
            fail(c, BK__E_LIST_TYPE, loc, v, NULL);
            return -1;
        }
        return validate_json_list(c, f, loc, v, dst);
    default:
        return -1;
    }
}

/* Sets a left-out field to its default, or None; or adds `missing` when it is required. */
static void apply_missing(vctx *c, const bk__cfield *f, const bk__loc *loc, void *dst,
                          bk__input_kind ik, const bk__jval *parent)
{
    if (f->flags & BK__F_REQUIRED) {
        bk__verrs_add(c->errs, BK__E_MISSING, loc, ik, NULL, 0, parent, NULL);
        return;
    }
    if (!f->default_value) {
        store_none(f->kind, dst, f->src->size);
        return;
    }
    /* Defaults are not validated (pydantic's validate_default=False): errors are impossible
     * for a default that compiled, and dropped if a bound excludes it. */
    bk__verrs scratch;
    bk__verrs_init(&scratch, c->arena);
    vctx quiet = {c->arena, &scratch};
    validate_value(&quiet, f, f->kind, f->src->size, loc, (val){.j = f->default_value}, dst);
    c->errs->oom |= scratch.oom;
}

static void mark_set(const bk__cmodel *m, void *obj, int index)
{
    if (m->src->set_offset == (size_t)-1)
        return;
    uint64_t set;
    memcpy(&set, (char *)obj + m->src->set_offset, sizeof(set));
    set |= (uint64_t)1 << index;
    memcpy((char *)obj + m->src->set_offset, &set, sizeof(set));
}

void bk__validate_model(bk__arena *a, const bk__cmodel *m, const bk__jval *value,
                        const bk__loc *loc, void *out, bk__verrs *errs)
{
    vctx c = {a, errs};
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        bk__loc at = {.key = f->name, .key_len = f->name_len, .up = loc};
        void *dst = (char *)out + f->src->offset;
        const bk__jval *v = bk__json_get(value, f->name, f->name_len);
        if (!v) {
            apply_missing(&c, f, &at, dst, BK__INPUT_JSON, value);
            continue;
        }
        mark_set(m, out, f->index);
        validate_value(&c, f, f->kind, f->src->size, &at, (val){.j = v}, dst);
    }
}

void bk__validate_body_fields(bk__arena *a, const bk__cmodel *m, const bk__jval *value, void *out,
                              bk__verrs *errs)
{
    vctx c = {a, errs};
    bk__loc body = {.key = "body", .key_len = 4};
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        if (f->in != BK_IN_BODY)
            continue;
        bk__loc at = {.key = f->name, .key_len = f->name_len, .up = &body};
        void *dst = (char *)out + f->src->offset;
        const bk__jval *v =
            value && value->type == BK__J_OBJECT ? bk__json_get(value, f->name, f->name_len) : NULL;
        /* FastAPI reads an embedded field with body.get(): absent and null are both None, and
         * a required None is `missing` with input null. */
        if (!v || v->type == BK__J_NULL) {
            apply_missing(&c, f, &at, dst, BK__INPUT_NONE, NULL);
            continue;
        }
        validate_value(&c, f, f->kind, f->src->size, &at, (val){.j = v}, dst);
    }
}

void bk__validate_raw_body(const bk__loc *loc, const char *text, size_t len, bk__verrs *errs)
{
    bk__verrs_add(errs, BK__E_MODEL_ATTRIBUTES_TYPE, loc, BK__INPUT_TEXT, text, len, NULL, NULL);
}

/* ---- parameters ------------------------------------------------------------------------- */

const char *bk__in_name(bk_in in)
{
    switch (in) {
    case BK_IN_PATH:
        return "path";
    case BK_IN_QUERY:
        return "query";
    case BK_IN_HEADER:
        return "header";
    case BK_IN_COOKIE:
        return "cookie";
    default:
        return "body";
    }
}

/* The value of scalar parameter `f`, as Starlette's multi-dicts give it: the last of a repeated
 * query parameter (QueryParams.get), the first of a repeated header (Headers.get); a cookie's
 * duplicates are already merged, the last winning. 0 when it has none. */
static int scalar_value(vctx *c, bk__sources *src, const bk__cfield *f, val *out)
{
    bk__text one, *all = &one;
    size_t n = f->in == BK_IN_QUERY ? bk__sources_count(src, f->in, f->name, f->name_len) : 1;
    if (n > 1 && !(all = bk__arena_alloc(c->arena, n * sizeof(*all)))) {
        c->errs->oom = 1;
        return 0;
    }
    size_t found = bk__sources_values(src, f->in, f->name, f->name_len, all, n);
    if (found == 0)
        return 0;
    const bk__text *t = &all[(found < n ? found : n) - 1];
    *out = (val){.s = t->s, .n = t->n};
    return 1;
}

static void validate_param_list(vctx *c, bk__sources *src, const bk__cfield *f, const bk__loc *loc,
                                void *dst)
{
    size_t n = bk__sources_count(src, f->in, f->name, f->name_len);
    if (n == 0) {
        apply_missing(c, f, loc, dst, BK__INPUT_NONE, NULL);
        return;
    }
    size_t es = f->src->elem_size;
    char *items = alloc_items(c, n, es);
    bk__text *texts = bk__arena_alloc(c->arena, n * sizeof(*texts));
    if (!items || !texts) {
        c->errs->oom = 1;
        return;
    }
    bk__sources_values(src, f->in, f->name, f->name_len, texts, n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        bk__loc at = {.index = (int64_t)i, .up = loc};
        val v = {.s = texts[i].s, .n = texts[i].n};
        bad |= validate_value(c, f, f->elem, es, &at, v, items + i * es) != 0;
    }
    if (bad)
        return;
    raw_list *l = dst;
    *l = (raw_list){items, n};
}

void bk__validate_all_params(bk__sources *src, const bk__cmodel *m, void *out, bk__verrs *errs)
{
    static const bk_in order[] = {BK_IN_PATH, BK_IN_QUERY, BK_IN_HEADER, BK_IN_COOKIE};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        bk__validate_params(src, m, order[i], out, errs);
}

void bk__validate_params(bk__sources *src, const bk__cmodel *m, bk_in in, void *out,
                         bk__verrs *errs)
{
    vctx c = {src->arena, errs};
    const char *root = bk__in_name(in);
    bk__loc base = {.key = root, .key_len = strlen(root)};
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        if (f->in != in)
            continue;
        bk__loc at = {.key = f->name, .key_len = f->name_len, .up = &base};
        void *dst = (char *)out + f->src->offset;
        if (f->kind == BK_K_LIST) {
            validate_param_list(&c, src, f, &at, dst);
            continue;
        }
        val v = {0};
        if (!scalar_value(&c, src, f, &v)) {
            apply_missing(&c, f, &at, dst, BK__INPUT_NONE, NULL);
            continue;
        }
        mark_set(m, out, f->index);
        validate_value(&c, f, f->kind, f->src->size, &at, v, dst);
    }
}
