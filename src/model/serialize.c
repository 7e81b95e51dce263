/* Response structs to JSON through their compiled model: only the model's fields are written
 * (FastAPI's response_model filtering), in declaration order. A value the model cannot represent
 * is refused, as pydantic's response validation refuses it (FastAPI answers 500). */
#include "model/serialize.h"
#include "model/coerce.h"

#include <stdio.h>
#include <string.h>

static int refuse(bk__ser_error *err, const bk__cfield *f, const char *why)
{
    if (err) {
        err->field = f ? f->src->name : "?";
        err->why = why;
    }
    return BK_EINVAL;
}

static int64_t read_int(const void *p, size_t size)
{
    switch (size) {
    case 1:
        return *(const int8_t *)p;
    case 2:
        return *(const int16_t *)p;
    case 4:
        return *(const int32_t *)p;
    default: {
        int64_t v;
        memcpy(&v, p, sizeof(v));
        return v;
    }
    }
}

/* NaN and the infinities are written as null (bk_json_double does): FastAPI serialises a
 * response model in pydantic's mode="json" (ser_json_inf_nan="null") before Starlette's
 * json.dumps(allow_nan=False) sees it, so a price of 1e400 is answered "price": null. */
static int write_float(bk_json *j, double v)
{
    bk_json_double(j, v);
    return 0;
}

static void write_uuid(bk_json *j, const bk_uuid *u)
{
    char s[37];
    bk__uuid_format(u->bytes, s);
    bk_json_string_len(j, s, 36);
}

static int write_value(bk_json *j, const bk__cfield *f, bk_kind kind, size_t size, const void *p,
                       bk__ser_error *err);

static int write_list(bk_json *j, const bk__cfield *f, const void *p, bk__ser_error *err)
{
    const struct {
        const char *items;
        size_t len;
    } *list = p;
    if (!list->items) {
        if (f->flags & BK__F_NULLABLE) {
            bk_json_null(j);
            return 0;
        }
        if (list->len)
            return refuse(err, f, "a list of items with no array");
    }
    size_t elem_size = f->src->elem_size;
    bk_json_array_begin(j);
    for (size_t i = 0; i < list->len; i++) {
        int e = write_value(j, f, f->elem, elem_size, list->items + i * elem_size, err);
        if (e)
            return e;
    }
    bk_json_array_end(j);
    return 0;
}

static int write_value(bk_json *j, const bk__cfield *f, bk_kind kind, size_t size, const void *p,
                       bk__ser_error *err)
{
    switch (kind) {
    case BK_K_BOOL: bk_json_bool(j, *(const bool *)p); return 0;
    case BK_K_INT: bk_json_int(j, read_int(p, size)); return 0;
    case BK_K_FLOAT:
        return write_float(j, *(const double *)p);
    case BK_K_STR: {
        const bk_str *s = p;
        if (s->ptr)
            bk_json_string_len(j, s->ptr, s->len);
        else if (f->flags & BK__F_NULLABLE)
            bk_json_null(j);
        else
            return refuse(err, f, "None for a string that cannot be None");
        return 0;
    }
    case BK_K_UUID:
        write_uuid(j, p);
        return 0;
    case BK_K_OPT_BOOL: {
        const bk_opt_bool *o = p;
        o->has ? bk_json_bool(j, o->v) : bk_json_null(j);
        return 0;
    }
    case BK_K_OPT_INT: {
        const bk_opt_int *o = p;
        o->has ? bk_json_int(j, o->v) : bk_json_null(j);
        return 0;
    }
    case BK_K_OPT_FLOAT: {
        const bk_opt_float *o = p;
        if (!o->has) {
            bk_json_null(j);
            return 0;
        }
        return write_float(j, o->v);
    }
    case BK_K_ENUM: {
        const char *name = bk__enum_name(f, *(const int *)p);
        if (!name)
            return refuse(err, f, "a value that is not one of its enum's");
        bk_json_string(j, name);
        return 0;
    }
    case BK_K_MODEL:
        return bk__serialize(j, f->model, p, err);
    case BK_K_LIST:
        return write_list(j, f, p, err);
    default:
        return refuse(err, f, "a field of unknown kind");
    }
}

void bk_uuid_format(const bk_uuid *u, char out[37])
{
    bk__uuid_format(u->bytes, out);
}

int bk__serialize(bk_json *j, const bk__cmodel *m, const void *obj, bk__ser_error *err)
{
    bk_json_object_begin(j);
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        bk_json_key(j, f->name);
        int e = write_value(j, f, f->kind, f->src->size, (const char *)obj + f->src->offset, err);
        if (e)
            return e;
    }
    bk_json_object_end(j);
    return j->error; /* not bk_json_error(): the object may be inside a list or a model */
}
