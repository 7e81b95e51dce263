/* Collecting validation errors and writing FastAPI's 422 body. See verror.h. */
#include "model/verror.h"
#include "model/json_parse.h"
#include "util/json.h"

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
    v->msg_json = v->ctx_json = NULL;
    v->next = NULL;
    *e->tail = v;
    e->tail = &v->next;
    e->last = v;
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
    case BK__INPUT_TEXT:
        bk_json_string_len(j, v->text, v->text_len);
        break;
    case BK__INPUT_JSON:
        bk__jval_write(j, v->json);
        break;
    case BK__INPUT_EMPTY_OBJECT:
        bk_json_object_begin(j);
        bk_json_object_end(j);
        break;
    default:
        bk_json_null(j);
        break;
    }
}

/* Writes the error's msg: its own, or rendered from its type and ctx into `scratch`. */
static void write_msg(bk_json *j, const bk__verr *v, bk_buf *scratch)
{
    if (v->msg_json) {
        bk_json_raw(j, v->msg_json, strlen(v->msg_json));
        return;
    }
    if (v->msg || !bk__etype_has_ctx(v->type)) { /* a template without a {placeholder} */
        bk_json_string(j, v->msg ? v->msg : bk__etype_template(v->type));
        return;
    }
    scratch->len = 0;
    if (bk__msg_render(scratch, v->type, &v->ctx) != 0) {
        bk_json_string(j, ""); /* out of memory: the writer's error follows */
        return;
    }
    bk_json_string_len(j, scratch->data, scratch->len);
}

void bk__verrs_write(const bk__verrs *e, bk_json *j)
{
    bk_json_object_begin(j);
    bk__json_plain_key(j, "detail", 6);
    bk__verrs_write_list(e, j);
    bk_json_object_end(j);
}

void bk__verrs_write_list(const bk__verrs *e, bk_json *j)
{
    bk_buf scratch = {0};
#define KEY(j, k) bk__json_plain_key((j), (k), sizeof(k) - 1)
    bk_json_array_begin(j);
    for (const bk__verr *v = e->head; v; v = v->next) {
        const char *type = bk__etype_name(v->type); /* pydantic's names: plain ASCII */
        bk_json_object_begin(j);
        KEY(j, "type");
        bk__json_plain_string(j, type, strlen(type));
        KEY(j, "loc");
        write_loc(j, v);
        KEY(j, "msg");
        write_msg(j, v, &scratch);
        KEY(j, "input");
        write_input(j, v);
        if (bk__etype_has_ctx(v->type)) {
            KEY(j, "ctx");
            if (v->ctx_json)
                bk_json_raw(j, v->ctx_json, strlen(v->ctx_json));
            else
                bk__ctx_write_json(j, v->type, &v->ctx);
        }
        bk_json_object_end(j);
    }
    bk_json_array_end(j);
    bk_buf_free(&scratch);
#undef KEY
}

void bk__jval_write(bk_json *j, const bk__jval *v)
{
    switch (v->type) {
    case BK__J_NULL:
        bk_json_null(j);
        return;
    case BK__J_FALSE:
        bk_json_bool(j, 0);
        return;
    case BK__J_TRUE:
        bk_json_bool(j, 1);
        return;
    case BK__J_INT:
        if (v->big)
            bk_json_raw(j, v->text, v->text_len);
        else
            bk_json_int(j, v->i);
        return;
    case BK__J_FLOAT:
        bk_json_double(j, v->f);
        return;
    case BK__J_STRING:
        bk_json_string_len(j, v->s, v->len);
        return;
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
