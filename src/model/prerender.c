/* Errors whose msg and ctx depend only on their field — a bound, a length, a pattern, the enum's
 * values — rendered once, at registration, as JSON text: the 422 of a rejected request then
 * costs a few copies (bench/typed.py holds it to no more than an accepted request). For a field
 * at the top of its location (["body", name], ["query", name]) the whole error object is
 * rendered but for its input. See model.h (bk__cfield.pre_*) and verror.c. */
#include "model/validate.h"

#include <stdlib.h>
#include <string.h>

int bk__pre_slot_of(int t)
{
    switch (t) {
    case BK__E_GREATER_THAN:
        return BK__PRE_GT;
    case BK__E_GREATER_THAN_EQUAL:
        return BK__PRE_GE;
    case BK__E_LESS_THAN:
        return BK__PRE_LT;
    case BK__E_LESS_THAN_EQUAL:
        return BK__PRE_LE;
    case BK__E_MULTIPLE_OF:
        return BK__PRE_MULT;
    case BK__E_STRING_TOO_SHORT:
        return BK__PRE_MIN_LEN;
    case BK__E_STRING_TOO_LONG:
        return BK__PRE_MAX_LEN;
    case BK__E_STRING_PATTERN_MISMATCH:
        return BK__PRE_PATTERN;
    case BK__E_ENUM:
        return BK__PRE_ENUM;
    default:
        return BK__PRE_COUNT;
    }
}

/* A NUL-terminated copy of what `j` wrote. */
static char *take(bk_buf *b)
{
    char *s = malloc(b->len + 1);
    if (s) {
        memcpy(s, b->data, b->len);
        s[b->len] = '\0';
    }
    b->len = 0;
    return s;
}

/* The error object of `f` at the top of its location, but for the input: head and tail. */
static int prerender_object(bk__cfield *f, bk__etype t, int slot)
{
    const char *type = bk__etype_name(t), *root = bk__in_name(f->in);
    bk_buf b = {0};
    int err = bk_buf_append_str(&b, "{\"type\":\"") || bk_buf_append_str(&b, type) ||
              bk_buf_append_str(&b, "\",\"loc\":[") || bk_json_escape(&b, root, strlen(root)) ||
              bk_buf_append_str(&b, ",") || bk_json_escape(&b, f->name, f->name_len) ||
              bk_buf_append_str(&b, "],\"msg\":") ||
              bk_buf_append(&b, f->pre_msg[slot], f->pre_msg_len[slot]) ||
              bk_buf_append_str(&b, ",\"input\":");
    if (!err && (f->pre_head[slot] = take(&b)) != NULL) {
        f->pre_head_len[slot] = strlen(f->pre_head[slot]);
        err = bk_buf_append_str(&b, ",\"ctx\":") ||
              bk_buf_append(&b, f->pre_ctx[slot], f->pre_ctx_len[slot]) ||
              bk_buf_append_str(&b, "}");
        if (!err && (f->pre_tail[slot] = take(&b)) != NULL)
            f->pre_tail_len[slot] = strlen(f->pre_tail[slot]);
        else
            err = 1;
    } else {
        err = 1;
    }
    bk_buf_free(&b);
    return err ? BK_ENOMEM : 0;
}

/* Renders error type `t` of `f` with `ctx` into its slot. */
static int prerender(bk__cfield *f, bk__etype t, const bk__ctx *ctx)
{
    int slot = bk__pre_slot_of(t);
    bk_buf msg = {0}, out = {0};
    bk_json j;
    int err = bk__msg_render(&msg, t, ctx);
    if (!err) {
        bk_json_init(&j, &out);
        bk_json_string_len(&j, msg.data, msg.len);
        err = bk_json_error(&j);
    }
    if (!err && (f->pre_msg[slot] = take(&out))) {
        f->pre_msg_len[slot] = strlen(f->pre_msg[slot]);
        bk_json_init(&j, &out);
        bk__ctx_write_json(&j, t, ctx);
        err = bk_json_error(&j);
        if (!err && !(f->pre_ctx[slot] = take(&out)))
            err = BK_ENOMEM;
        if (!err)
            f->pre_ctx_len[slot] = strlen(f->pre_ctx[slot]);
        if (!err)
            err = prerender_object(f, t, slot);
    } else if (!err) {
        err = BK_ENOMEM;
    }
    bk_buf_free(&msg);
    bk_buf_free(&out);
    return err;
}

int bk__field_prerender(bk__cfield *f)
{
    static const struct {
        unsigned flag;
        bk__etype type;
    } bounds[] = {{BK__F_HAS_GT, BK__E_GREATER_THAN},
                  {BK__F_HAS_GE, BK__E_GREATER_THAN_EQUAL},
                  {BK__F_HAS_LT, BK__E_LESS_THAN},
                  {BK__F_HAS_LE, BK__E_LESS_THAN_EQUAL},
                  {BK__F_HAS_MULT, BK__E_MULTIPLE_OF}};
    const bk__bound *b[] = {&f->gt, &f->ge, &f->lt, &f->le, &f->mult};
    int err = 0;
    for (int i = 0; i < 5 && !err; i++) {
        if (f->flags & bounds[i].flag) {
            bk__ctx ctx = bk__ctx_bound(f, *b[i]);
            err = prerender(f, bounds[i].type, &ctx);
        }
    }
    int is_str = f->kind == BK_K_STR || (f->kind == BK_K_LIST && f->elem == BK_K_STR);
    if (!err && is_str && f->min_len >= 0)
        err = prerender(f, BK__E_STRING_TOO_SHORT, &(bk__ctx){.length = f->min_len});
    if (!err && is_str && f->max_len >= 0)
        err = prerender(f, BK__E_STRING_TOO_LONG, &(bk__ctx){.length = f->max_len});
    if (!err && f->pattern)
        err = prerender(f, BK__E_STRING_PATTERN_MISMATCH,
                        &(bk__ctx){.text = f->pattern, .text_len = strlen(f->pattern)});
    if (!err && f->nenums) {
        bk__arena a;
        bk__arena_init(&a, NULL, 0, 0);
        const char *expected = bk__enum_expected(&a, f);
        err = expected ? prerender(f, BK__E_ENUM,
                                   &(bk__ctx){.text = expected, .text_len = strlen(expected)})
                       : BK_ENOMEM;
        bk__arena_free(&a);
    }
    return err;
}
