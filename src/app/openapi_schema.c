/* JSON schemas of fields and models, as pydantic 2 generates them for FastAPI's OpenAPI document
 * (see openapi.h for the two styles). A field's schema is its type's (with the constraints that
 * apply to it), wrapped in anyOf with null when None is a value, then the field's own keys:
 * title, description, default, deprecated, examples. */
#include "app/openapi.h"
#include "model/json_parse.h"
#include "model/pyfmt.h"

#include <stddef.h>
#include <string.h>

/* A failure the writer cannot see itself (memory for a title): made its sticky error, so the
 * document's one check at the end sees it. */
static void fail(bk_json *j, int err)
{
    if (!j->error)
        j->error = err;
}

void bk__oas_ref_key(bk_json *j, const char *name)
{
    bk_buf ref = {0};
    if (bk_buf_append_str(&ref, BK__OAS_REF) || bk_buf_append_str(&ref, name)) {
        fail(j, BK_ENOMEM);
    } else {
        bk_json_key(j, "$ref");
        bk_json_string_len(j, ref.data, ref.len);
    }
    bk_buf_free(&ref);
}

void bk__oas_ref(bk_json *j, const char *name)
{
    bk_json_object_begin(j);
    bk__oas_ref_key(j, name);
    bk_json_object_end(j);
}

void bk__oas_title(bk_json *j, const char *name, int strip)
{
    bk_buf t = {0};
    if (bk__py_title(&t, name, strlen(name))) {
        fail(j, BK_ENOMEM);
        return;
    }
    size_t from = 0, to = t.len;
    while (strip && from < to && t.data[from] == ' ')
        from++;
    while (strip && to > from && t.data[to - 1] == ' ')
        to--;
    bk_json_string_len(j, t.data + from, to - from);
    bk_buf_free(&t);
}

/* ---- JSON values (defaults, examples) ---------------------------------------------------- */

/* Writes `v` as FastAPI's jsonable_encoder(exclude_none=True) leaves it: object members that are
 * null dropped, at any depth (array items stay). Floats are written as Python's repr. */
static void write_value(bk_json *j, const bk__jval *v)
{
    switch ((bk__jtype)v->type) {
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
            write_value(j, &v->items[i]);
        bk_json_array_end(j);
        return;
    case BK__J_OBJECT:
        bk_json_object_begin(j);
        for (uint32_t i = 0; i < v->len; i++) {
            if (v->members[i].value.type == BK__J_NULL)
                continue;
            bk_json_key(j, v->members[i].key);
            write_value(j, &v->members[i].value);
        }
        bk_json_object_end(j);
        return;
    }
}

/* "default": the field's, unless it has none or it is None (dropped as every null is). */
static void write_default(bk_json *j, const bk__cfield *f)
{
    if (!f->default_value || f->default_value->type == BK__J_NULL)
        return;
    bk_json_key(j, "default");
    write_value(j, f->default_value);
}

/* "examples": [BK_EXAMPLE's value], pydantic's Field(examples=[...]). */
static void write_examples(bk_json *j, const bk__cfield *f)
{
    if (!f->example_value)
        return;
    bk_json_key(j, "examples");
    bk_json_array_begin(j);
    write_value(j, f->example_value);
    bk_json_array_end(j);
}

/* ---- types and their constraints --------------------------------------------------------- */

/* A bound: a float where FastAPI's Schema model holds it (its float fields), else as declared. */
static void write_bound(bk_json *j, const char *key, const bk__bound *b, bk__oas_style st)
{
    bk_json_key(j, key);
    if (st == BK__OAS_MODEL || b->is_float)
        bk_json_double(j, b->is_float ? b->f : (double)b->i);
    else
        bk_json_int(j, b->i);
}

typedef struct bound_key {
    unsigned flag;
    const char *key;
    size_t offset; /* of the bk__bound in bk__cfield */
} bound_key;

#define BOUND(flag, key, member)                                                                   \
    {                                                                                              \
        flag, key, offsetof(bk__cfield, member)                                                    \
    }

/* multipleOf, maximum, minimum, exclusiveMaximum, exclusiveMinimum: pydantic's order (its
 * multiple_of, le, ge, lt, gt), or the Schema model's. */
static void write_numeric(bk_json *j, const bk__cfield *f, bk__oas_style st)
{
    static const bound_key raw[] = {
        BOUND(BK__F_HAS_MULT, "multipleOf", mult), BOUND(BK__F_HAS_LE, "maximum", le),
        BOUND(BK__F_HAS_GE, "minimum", ge), BOUND(BK__F_HAS_LT, "exclusiveMaximum", lt),
        BOUND(BK__F_HAS_GT, "exclusiveMinimum", gt)};
    static const bound_key model[] = {
        BOUND(BK__F_HAS_MULT, "multipleOf", mult), BOUND(BK__F_HAS_LE, "maximum", le),
        BOUND(BK__F_HAS_LT, "exclusiveMaximum", lt), BOUND(BK__F_HAS_GE, "minimum", ge),
        BOUND(BK__F_HAS_GT, "exclusiveMinimum", gt)};
    const bound_key *keys = st == BK__OAS_RAW ? raw : model;
    for (int i = 0; i < 5; i++)
        if (f->flags & keys[i].flag)
            write_bound(j, keys[i].key, (const bk__bound *)((const char *)f + keys[i].offset), st);
}

static void write_int_key(bk_json *j, const char *key, int64_t v)
{
    if (v < 0)
        return;
    bk_json_key(j, key);
    bk_json_int(j, v);
}

/* Two length keys in pydantic's order (min first) or the Schema model's (max first). */
static void write_lengths(bk_json *j, const bk__cfield *f, const char *min, const char *max,
                          bk__oas_style st)
{
    write_int_key(j, st == BK__OAS_RAW ? min : max, st == BK__OAS_RAW ? f->min_len : f->max_len);
    write_int_key(j, st == BK__OAS_RAW ? max : min, st == BK__OAS_RAW ? f->max_len : f->min_len);
}

static void write_type_key(bk_json *j, const char *type)
{
    bk_json_key(j, "type");
    bk_json_string(j, type);
}

/* An unnamed enum, as pydantic writes a Literal: "enum" (or "const" for a single value) and
 * "type", in pydantic's order or the Schema model's. */
static void write_literal(bk_json *j, const bk__cfield *f, bk__oas_style st)
{
    if (st == BK__OAS_MODEL)
        write_type_key(j, "string");
    if (f->nenums == 1) {
        bk_json_key(j, "const");
        bk_json_string(j, f->enums[0].name);
    } else {
        bk_json_key(j, "enum");
        bk_json_array_begin(j);
        for (size_t i = 0; i < f->nenums; i++)
            bk_json_string(j, f->enums[i].name);
        bk_json_array_end(j);
    }
    if (st == BK__OAS_RAW)
        write_type_key(j, "string");
}

static void write_type(bk_json *j, const bk__cfield *f, bk_kind kind, int elem, bk__oas_style st);

/* A list: its items' schema (the numeric bounds and the pattern apply to them) and its length
 * bounds, in pydantic's order or the Schema model's. */
static void write_array(bk_json *j, const bk__cfield *f, bk__oas_style st)
{
    if (st == BK__OAS_RAW)
        write_type_key(j, "array");
    bk_json_key(j, "items");
    bk_json_object_begin(j);
    write_type(j, f, f->elem, 1, st);
    bk_json_object_end(j);
    if (st == BK__OAS_MODEL)
        write_type_key(j, "array");
    write_lengths(j, f, "minItems", "maxItems", st);
}

/* The keys of the schema of a `kind` value of `f` (`elem`: a list's item, whose length bounds
 * are the list's). */
static void write_type(bk_json *j, const bk__cfield *f, bk_kind kind, int elem, bk__oas_style st)
{
    switch (kind) {
    case BK_K_BOOL:
    case BK_K_OPT_BOOL:
        write_type_key(j, "boolean");
        return;
    case BK_K_INT:
    case BK_K_OPT_INT:
        write_type_key(j, "integer");
        write_numeric(j, f, st);
        return;
    case BK_K_FLOAT:
    case BK_K_OPT_FLOAT:
        write_type_key(j, "number");
        write_numeric(j, f, st);
        return;
    case BK_K_STR:
        write_type_key(j, "string");
        if (!elem)
            write_lengths(j, f, "minLength", "maxLength", st);
        if (f->pattern) {
            bk_json_key(j, "pattern");
            bk_json_string(j, f->pattern);
        }
        return;
    case BK_K_UUID:
        write_type_key(j, "string");
        bk_json_key(j, "format");
        bk_json_string(j, "uuid");
        return;
    case BK_K_ENUM:
        if (f->enum_class)
            bk__oas_ref_key(j, f->enum_class->title);
        else
            write_literal(j, f, st);
        return;
    case BK_K_MODEL:
        bk__oas_ref_key(j, f->model->src->title);
        return;
    case BK_K_LIST:
        write_array(j, f, st);
        return;
    case BK_K_UNKNOWN:
        fail(j, BK_EINVAL);
        return;
    }
}

/* The type's keys, or {"anyOf": [type, {"type": "null"}]} when None is a value. */
static void write_value_schema(bk_json *j, const bk__cfield *f, bk__oas_style st)
{
    if (!(f->flags & BK__F_NULLABLE)) {
        write_type(j, f, f->kind, 0, st);
        return;
    }
    bk_json_key(j, "anyOf");
    bk_json_array_begin(j);
    bk_json_object_begin(j);
    write_type(j, f, f->kind, 0, st);
    bk_json_object_end(j);
    bk_json_object_begin(j);
    write_type_key(j, "null");
    bk_json_object_end(j);
    bk_json_array_end(j);
}

/* A model or a named enum: pydantic's schema of it is a $ref, which gets no title of its own. */
static int is_ref_kind(const bk__cfield *f)
{
    return f->kind == BK_K_MODEL || (f->kind == BK_K_ENUM && f->enum_class);
}

static void write_str_key(bk_json *j, const char *key, const char *value)
{
    if (!value)
        return;
    bk_json_key(j, key);
    bk_json_string(j, value);
}

static void write_deprecated(bk_json *j, const bk__cfield *f)
{
    if (!(f->flags & BK__F_DEPRECATED))
        return;
    bk_json_key(j, "deprecated");
    bk_json_bool(j, 1);
}

/* ---- fields, models, enums --------------------------------------------------------------- */

void bk__oas_property(bk_json *j, const bk__cfield *f)
{
    bk_json_object_begin(j);
    write_value_schema(j, f, BK__OAS_MODEL);
    if (f->title) {
        write_str_key(j, "title", f->title);
    } else if (!is_ref_kind(f)) { /* pydantic's field_title_should_be_set */
        bk_json_key(j, "title");
        bk__oas_title(j, f->name, 1);
    }
    write_str_key(j, "description", f->description);
    write_default(j, f);
    write_deprecated(j, f);
    write_examples(j, f);
    bk_json_object_end(j);
}

void bk__oas_param_schema(bk_json *j, const bk__cfield *f)
{
    bk_json_object_begin(j);
    write_value_schema(j, f, BK__OAS_RAW);
    write_str_key(j, "title", f->title);
    write_str_key(j, "description", f->description);
    write_deprecated(j, f);
    write_examples(j, f);
    write_default(j, f);
    /* FastAPI's get_schema_from_model_field: a title from the name unless the schema is a $ref */
    if (!f->title && !(is_ref_kind(f) && !(f->flags & BK__F_NULLABLE))) {
        bk_json_key(j, "title");
        bk__oas_title(j, f->name, 0);
    }
    bk_json_object_end(j);
}

static int in_object(const bk__cfield *f, int body_only)
{
    return !body_only || f->in == BK_IN_BODY;
}

static void write_required(bk_json *j, const bk__cmodel *m, int body_only)
{
    int any = 0;
    for (int i = 0; i < m->nfields; i++) {
        const bk__cfield *f = &m->fields[i];
        if (!in_object(f, body_only) || !(f->flags & BK__F_REQUIRED))
            continue;
        if (!any++) {
            bk_json_key(j, "required");
            bk_json_array_begin(j);
        }
        bk_json_string_len(j, f->name, f->name_len);
    }
    if (any)
        bk_json_array_end(j);
}

void bk__oas_object(bk_json *j, const char *title, const bk__cmodel *m, int body_only)
{
    bk_json_object_begin(j);
    bk_json_key(j, "properties");
    bk_json_object_begin(j);
    for (int i = 0; i < m->nfields; i++) {
        if (!in_object(&m->fields[i], body_only))
            continue;
        bk_json_key(j, m->fields[i].name);
        bk__oas_property(j, &m->fields[i]);
    }
    bk_json_object_end(j);
    if (m->forbid_extra) { /* extra="forbid" */
        bk_json_key(j, "additionalProperties");
        bk_json_bool(j, 0);
    }
    write_type_key(j, "object");
    write_required(j, m, body_only);
    write_str_key(j, "title", title);
    bk_json_object_end(j);
}

void bk__oas_enum(bk_json *j, const bk_enum *e)
{
    bk_json_object_begin(j);
    write_type_key(j, "string");
    bk_json_key(j, "enum");
    bk_json_array_begin(j);
    for (const bk_enum_value *v = e->values; v->name; v++)
        bk_json_string(j, v->name);
    bk_json_array_end(j);
    write_str_key(j, "title", e->title);
    bk_json_object_end(j);
}
