/* Does a field table cover its struct? C cannot list a struct's members, so a member added to
 * the struct but not to the table would be silently left out of validation, serialisation and
 * the OpenAPI document. What can be seen is the layout: the fields' offsets and sizes leave
 * gaps, and a gap the compiler's padding cannot explain — as long as the next member's
 * alignment, or the struct's at its end — holds a member the table lacks. */
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct span {
    size_t offset, size, align;
    const char *name;
} span;

/* The alignment a field's member needs, from what its kind says of its C type. */
static size_t align_of(const bk__cfield *f)
{
    switch (f->kind) {
    case BK_K_BOOL:
    case BK_K_UUID:
        return 1;
    case BK_K_OPT_BOOL:
        return 1;
    case BK_K_INT:
        return f->src->size;
    case BK_K_ENUM:
        return sizeof(int);
    case BK_K_MODEL: {
        size_t a = 1;
        for (int i = 0; i < f->model->nfields; i++) {
            size_t fa = align_of(&f->model->fields[i]);
            a = fa > a ? fa : a;
        }
        return a;
    }
    default:
        return 8; /* double, bk_str, bk_opt_int/float, lists: pointers and 8-byte values */
    }
}

static int by_offset(const void *a, const void *b)
{
    const span *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Fills `why` and returns BK_EINVAL. */
static int gap_error(char *why, size_t n, const char *model, size_t at, size_t len,
                     const char *before)
{
    if (why && n)
        snprintf(why, n,
                 "model %s: %zu bytes at offset %zu%s%s are in no field (a member "
                 "missing from the table?)",
                 model, len, at, before ? " before " : " at the end", before ? before : "");
    return BK_EINVAL;
}

int bk__model_check_layout(const bk__cmodel *m, char *why, size_t n)
{
    const bk_model *src = m->src;
    const char *title = src->title ? src->title : "?";
    int count = m->nfields + (src->set_offset != (size_t)-1);
    span *s = calloc((size_t)count + 1, sizeof(*s));
    if (!s)
        return BK_ENOMEM;
    size_t max_align = 1;
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        s[i] = (span){f->src->offset, f->src->size, align_of(f), f->src->name};
        max_align = s[i].align > max_align ? s[i].align : max_align;
    }
    if (src->set_offset != (size_t)-1)
        s[m->nfields] = (span){src->set_offset, sizeof(uint64_t), sizeof(uint64_t), "(set)"};
    qsort(s, (size_t)count, sizeof(*s), by_offset);
    size_t end = 0;
    int err = 0;
    for (int i = 0; i < count && !err; i++) {
        if (s[i].offset > end && s[i].offset - end >= s[i].align)
            err = gap_error(why, n, title, end, s[i].offset - end, s[i].name);
        if (s[i].offset + s[i].size > end)
            end = s[i].offset + s[i].size;
    }
    if (!err && src->size > end && src->size - end >= max_align)
        err = gap_error(why, n, title, end, src->size - end, NULL);
    free(s);
    return err;
}

int bk_model_check(const bk_model *model, char *why, size_t n)
{
    if (why && n)
        why[0] = '\0';
    if (!model)
        return BK_EINVAL;
    bk__models ms = {0};
    const bk__cmodel *m = bk__model_compile(&ms, model);
    int err = m ? 0 : BK_EINVAL;
    if (!m && why && n)
        snprintf(why, n, "model %s: its table does not compile (the log says why)",
                 model->title ? model->title : "?");
    /* Every model compiled along (nested ones) is checked too. */
    for (const bk__cmodel *c = ms.head; c && !err; c = c->next)
        err = bk__model_check_layout(c, why, n);
    bk__models_free(&ms);
    return err;
}
