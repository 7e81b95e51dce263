/* Collecting validation errors and writing FastAPI's 422 body. See verror.h. */
#include "model/verror.h"
#include "model/json_parse.h"
#include "util/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bk__verrs_init(bk__verrs *e, bk__arena *a)
{
    *e = (bk__verrs){.arena = a};
    e->tail = &e->head;
}

static int loc_depth(const bk__loc *l)
{
    int n = 0;
    for (; l; l = l->up)
        n++;
    return n;
}

/* The location as an array, root first, in arena memory. */
static bk__loc *copy_loc(bk__arena *a, const bk__loc *l, int n)
{
    bk__loc *out = bk__arena_alloc(a, (size_t)n * sizeof(*out));
    if (!out)
        return NULL;
    for (int i = n - 1; i >= 0; i--, l = l->up)
        out[i] = (bk__loc){.key = l->key, .key_len = l->key_len, .index = l->index};
    return out;
}

void bk__verrs_add(bk__verrs *e, bk__etype type, const bk__loc *loc, bk__input_kind ik,
                   const char *text, size_t text_len, const bk__jval *json, const bk__ctx *ctx)
{
    bk__verr *v = bk__arena_alloc(e->arena, sizeof(*v));
    int n = loc_depth(loc);
    if (!v || !(v->loc = copy_loc(e->arena, loc, n))) {
        e->oom = 1;
        return;
    }
    v->type = type;
    v->nloc = n;
    v->input_kind = ik;
    v->text = text;
    v->text_len = text_len;
    v->json = json;
    v->ctx = ctx ? *ctx : (bk__ctx){0};
    v->msg = NULL; /* rendered when written, into one scratch buffer for the whole list */
    v->msg_json = v->ctx_json = v->head_json = v->tail_json = NULL;
    v->next = NULL;
    *e->tail = v;
    e->tail = &v->next;
    e->last = v;
    e->count++;
}

/* ---- echoing the input ------------------------------------------------------------------ */

/* One open container of the value being echoed, and the next of its items to write. */
typedef struct frame {
    const bk__jval *v;
    uint32_t next;
} frame;

/* The open containers: a body nests up to BK__JSON_MAX_DEPTH levels, far past bk_json's 63 and
 * deeper than a handler's 64 KiB stack should recurse, so the echo is a loop over a heap stack. */
typedef struct walk {
    frame *st;
    size_t n, cap;
} walk;

static int push(walk *w, const bk__jval *v)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        frame *st = realloc(w->st, cap * sizeof(*st));
        if (!st)
            return BK_ENOMEM;
        w->st = st;
        w->cap = cap;
    }
    w->st[w->n++] = (frame){v, 0};
    return 0;
}

/* A scalar as bk_json writes it (floats as Python's repr), appended to `out`. */
static int put_scalar(bk_buf *out, const bk__jval *v)
{
    if (v->type == BK__J_STRING)
        return bk_json_escape(out, v->s, v->len);
    if (v->type == BK__J_INT && v->big)
        return bk_buf_append(out, v->text, v->text_len);
    bk_json j;
    bk_json_init(&j, out);
    switch (v->type) {
    case BK__J_NULL:
        bk_json_null(&j);
        break;
    case BK__J_FALSE:
        bk_json_bool(&j, 0);
        break;
    case BK__J_TRUE:
        bk_json_bool(&j, 1);
        break;
    case BK__J_INT:
        bk_json_int(&j, v->i);
        break;
    default:
        bk_json_double(&j, v->f);
        break;
    }
    return j.error;
}

/* What Starlette cannot render: json.dumps(allow_nan=False) refuses NaN and the infinities,
 * and encoding the text as UTF-8 refuses a lone surrogate. */
static int unencodable(const bk__jval *v)
{
    return (v->type == BK__J_FLOAT && !isfinite(v->f)) || (v->type == BK__J_STRING && v->surrogate);
}

/* The next value to write after the one just written: closes the containers it finished, then
 * writes the separator (and the key) before the next item. NULL when the echo is done. */
static const bk__jval *step(walk *w, bk_buf *out, int *rc)
{
    while (w->n) {
        frame *top = &w->st[w->n - 1];
        int obj = top->v->type == BK__J_OBJECT;
        if (top->next == top->v->len) {
            w->n--;
            if ((*rc = bk_buf_append(out, obj ? "}" : "]", 1)) != 0)
                return NULL;
            continue;
        }
        uint32_t i = top->next++;
        if (i && (*rc = bk_buf_append(out, ",", 1)) != 0)
            return NULL;
        if (!obj)
            return &top->v->items[i];
        const bk__jmember *m = &top->v->members[i];
        if (m->key_surrogate)
            *rc = 1;
        else if ((*rc = bk_json_escape(out, m->key, m->key_len)) == 0)
            *rc = bk_buf_append(out, ":", 1);
        return *rc ? NULL : &m->value;
    }
    return NULL;
}

/* Writes `root` to `out` as json.dumps(separators=(",", ":"), ensure_ascii=False) writes what
 * json.loads made of it. Returns 0; 1 when it holds an unencodable value (`out` then holds part
 * of it); BK_ENOMEM. */
static int echo_value(bk_buf *out, const bk__jval *root)
{
    walk w = {0};
    int rc = 0;
    for (const bk__jval *v = root; v && rc == 0; v = rc ? NULL : step(&w, out, &rc)) {
        if (unencodable(v))
            rc = 1;
        else if (v->type != BK__J_ARRAY && v->type != BK__J_OBJECT)
            rc = put_scalar(out, v);
        else if ((rc = bk_buf_append(out, v->type == BK__J_ARRAY ? "[" : "{", 1)) == 0)
            rc = push(&w, v);
    }
    free(w.st);
    return rc;
}

/* ---- one error object ------------------------------------------------------------------- */

/* An error object is appended to one buffer with a few copies of constant text, and goes into
 * the writer as one raw value: bk_json's per-byte bookkeeping would cost more than the
 * validation it reports (bench/typed.py compares a rejected request with an accepted one). */
static inline int put(bk_buf *b, const void *data, size_t len)
{
    if (b->cap - b->len < len) /* rarely: the body buffer keeps its capacity between requests */
        return bk_buf_append(b, data, len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
    return 0;
}
#define PUT(b, lit) put((b), (lit), sizeof(lit) - 1)

static int put_index(bk_buf *b, int64_t i)
{
    char digits[24];
    int n = snprintf(digits, sizeof(digits), "%lld", (long long)i);
    return put(b, digits, (size_t)n);
}

static int put_loc(bk_buf *b, const bk__verr *v)
{
    int rc = PUT(b, "[");
    for (int i = 0; i < v->nloc && !rc; i++) {
        if (i)
            rc = PUT(b, ",");
        if (!rc)
            rc = v->loc[i].key ? bk_json_escape(b, v->loc[i].key, v->loc[i].key_len)
                               : put_index(b, v->loc[i].index);
    }
    return rc ? rc : PUT(b, "]");
}

/* The msg: rendered at registration, its template when it has no placeholder, or rendered from
 * its type and ctx into `tmp`. */
static int put_msg(bk_buf *b, const bk__verr *v, bk_buf *tmp)
{
    if (v->msg_json)
        return put(b, v->msg_json, v->msg_json_len);
    if (v->msg || !bk__etype_has_ctx(v->type)) {
        const char *m = v->msg ? v->msg : bk__etype_template(v->type);
        return bk_json_escape(b, m, strlen(m));
    }
    tmp->len = 0;
    int rc = bk__msg_render(tmp, v->type, &v->ctx);
    return rc ? rc : bk_json_escape(b, tmp->data, tmp->len);
}

/* The input echo; 1 when it is a value Starlette cannot render. */
static int put_input(bk_buf *b, const bk__verr *v)
{
    switch (v->input_kind) {
    case BK__INPUT_TEXT: return bk_json_escape(b, v->text, v->text_len);
    case BK__INPUT_JSON: return echo_value(b, v->json);
    case BK__INPUT_EMPTY_OBJECT: return PUT(b, "{}");
    default: return PUT(b, "null");
    }
}

static int put_ctx(bk_buf *b, const bk__verr *v)
{
    if (v->ctx_json)
        return put(b, v->ctx_json, v->ctx_json_len);
    bk_json j;
    bk_json_init(&j, b); /* appends to b */
    bk__ctx_write_json(&j, v->type, &v->ctx);
    return j.error;
}

/* Appends error `v` as a JSON object. 0, 1 (an input Starlette cannot render) or BK_ENOMEM. */
static int put_error(bk_buf *b, const bk__verr *v, bk_buf *tmp)
{
    if (v->head_json) { /* rendered at registration but for the input */
        int rc = put(b, v->head_json, v->head_json_len);
        rc = rc ? rc : put_input(b, v);
        return rc ? rc : put(b, v->tail_json, v->tail_json_len);
    }
    const char *type = bk__etype_name(v->type); /* pydantic's names: plain ASCII */
    int rc = PUT(b, "{\"type\":\"");
    rc = rc ? rc : put(b, type, strlen(type));
    rc = rc ? rc : PUT(b, "\",\"loc\":");
    rc = rc ? rc : put_loc(b, v);
    rc = rc ? rc : PUT(b, ",\"msg\":");
    rc = rc ? rc : put_msg(b, v, tmp);
    rc = rc ? rc : PUT(b, ",\"input\":");
    rc = rc ? rc : put_input(b, v);
    if (!rc && bk__etype_has_ctx(v->type)) {
        rc = PUT(b, ",\"ctx\":");
        rc = rc ? rc : put_ctx(b, v);
    }
    return rc ? rc : PUT(b, "}");
}

int bk__verrs_write_list(const bk__verrs *e, bk_json *j)
{
    bk_buf tmp = {0};
    int rc = 0;
    bk_json_array_begin(j);
    for (const bk__verr *v = e->head; v && !rc; v = v->next) {
        bk_buf *out = bk__json_value_buf(j); /* the object goes straight into the body */
        rc = out ? put_error(out, v, &tmp) : BK_ENOMEM;
    }
    if (!rc)
        bk_json_array_end(j);
    bk_buf_free(&tmp);
    return rc ? rc : j->error;
}

int bk__verrs_write(const bk__verrs *e, bk_json *j)
{
    bk_json_object_begin(j);
    bk__json_plain_key(j, "detail", 6);
    int rc = bk__verrs_write_list(e, j);
    if (rc == 0)
        bk_json_object_end(j);
    return rc;
}
