/* Collecting validation errors and writing FastAPI's 422 body. See verror.h. */
#include "model/verror.h"
#include "model/json_parse.h"

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

/* The error's msg, rendered into arena memory. */
static const char *render_msg(bk__arena *a, bk__etype type, const bk__ctx *ctx)
{
    bk_buf b = {0};
    char *out = NULL;
    if (bk__msg_render(&b, type, ctx) == 0 && (out = bk__arena_alloc(a, b.len + 1))) {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    bk_buf_free(&b);
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
    if (!(v->msg = render_msg(e->arena, type, &v->ctx))) {
        e->oom = 1;
        return;
    }
    v->next = NULL;
    *e->tail = v;
    e->tail = &v->next;
    e->count++;
}

static void write_loc(bk_json *j, const bk__verr *v)
{
    bk_json_array_begin(j);
    for (int i = 0; i < v->nloc; i++) {
        if (v->loc[i].key)
            bk_json_string_len(j, v->loc[i].key, v->loc[i].key_len);
        else
            bk_json_int(j, v->loc[i].index);
    }
    bk_json_array_end(j);
}

static void write_input(bk_json *j, const bk__verr *v)
{
    switch (v->input_kind) {
    case BK__INPUT_TEXT: bk_json_string_len(j, v->text, v->text_len); break;
    case BK__INPUT_JSON: bk__jval_write(j, v->json); break;
    case BK__INPUT_EMPTY_OBJECT:
        bk_json_object_begin(j);
        bk_json_object_end(j);
        break;
    default: bk_json_null(j); break;
    }
}

void bk__verrs_write(const bk__verrs *e, bk_json *j)
{
    bk_json_object_begin(j);
    bk_json_key(j, "detail");
    bk_json_array_begin(j);
    for (const bk__verr *v = e->head; v; v = v->next) {
        bk_json_object_begin(j);
        bk_json_key(j, "type");
        bk_json_string(j, bk__etype_name(v->type));
        bk_json_key(j, "loc");
        write_loc(j, v);
        bk_json_key(j, "msg");
        bk_json_string(j, v->msg);
        bk_json_key(j, "input");
        write_input(j, v);
        if (bk__etype_has_ctx(v->type)) {
            bk_json_key(j, "ctx");
            bk__ctx_write_json(j, v->type, &v->ctx);
        }
        bk_json_object_end(j);
    }
    bk_json_array_end(j);
    bk_json_object_end(j);
}

void bk__jval_write(bk_json *j, const bk__jval *v)
{
    switch (v->type) {
    case BK__J_NULL: bk_json_null(j); return;
    case BK__J_FALSE: bk_json_bool(j, 0); return;
    case BK__J_TRUE: bk_json_bool(j, 1); return;
    case BK__J_INT:
        if (v->big)
            bk_json_raw(j, v->text, v->text_len);
        else
            bk_json_int(j, v->i);
        return;
    case BK__J_FLOAT: bk_json_double(j, v->f); return;
    case BK__J_STRING: bk_json_string_len(j, v->s, v->len); return;
    case BK__J_ARRAY:
        bk_json_array_begin(j);
        for (uint32_t i = 0; i < v->len; i++)
            bk__jval_write(j, &v->items[i]);
        bk_json_array_end(j);
        return;
    case BK__J_OBJECT:
        bk_json_object_begin(j);
        for (uint32_t i = 0; i < v->len; i++) {
            bk_json_key(j, v->members[i].key); /* keys are NUL-terminated */
            bk__jval_write(j, &v->members[i].value);
        }
        bk_json_object_end(j);
        return;
    }
}
