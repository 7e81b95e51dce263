/* Compiling model tables: every check a declaration can fail is made here, once, at
 * registration, so a malformed table stops the app at start-up with a line naming the model and
 * the field instead of misbehaving on some request. See model.h. */
#include "model/model.h"
#include "model/json_parse.h"
#include "model/pattern.h"
#include "util/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static int field_error(const bk_model *m, const bk_field *f, const char *why)
{
    bk__log(BK_LOG_ERROR, "model %s, field %s: %s", m->title ? m->title : "?", f->name, why);
    return BK_EINVAL;
}

static bk__bound bound_of(const bk_field_opt *o)
{
    return (bk__bound){.is_float = o->is_float, .i = o->i, .f = o->f};
}

/* A header parameter x_token is read from "x-token": FastAPI's convert_underscores. */
static char *header_name(const char *member)
{
    char *s = strdup(member);
    for (char *p = s; p && *p; p++)
        *p = *p == '_' ? '-' : (char)tolower((unsigned char)*p);
    return s;
}

static size_t count_enums(const bk_enum_value *v)
{
    size_t n = 0;
    while (v[n].name)
        n++;
    return n;
}

/* BK_ENUM_CLASS: the values of a named enum, and its name for OpenAPI. */
static int apply_enum_class(const bk_model *m, bk__cfield *cf, const bk_enum *e)
{
    if (!e || !e->values || !e->title || !*e->title)
        return field_error(m, cf->src, "BK_ENUM_CLASS needs a bk_enum with a title and values");
    cf->enums = e->values;
    cf->nenums = count_enums(cf->enums);
    cf->enum_class = e;
    return 0;
}

/* Applies one option to `cf`. */
static int apply_opt(bk__models *ms, const bk_model *m, bk__cfield *cf, const bk_field_opt *o)
{
    const bk_field *f = cf->src;
    switch (o->kind) {
    case BK__O_IN:
        cf->in = (bk_in)o->i;
        return 0;
    case BK__O_GT:
        cf->gt = bound_of(o);
        cf->flags |= BK__F_HAS_GT;
        return 0;
    case BK__O_GE:
        cf->ge = bound_of(o);
        cf->flags |= BK__F_HAS_GE;
        return 0;
    case BK__O_LT:
        cf->lt = bound_of(o);
        cf->flags |= BK__F_HAS_LT;
        return 0;
    case BK__O_LE:
        cf->le = bound_of(o);
        cf->flags |= BK__F_HAS_LE;
        return 0;
    case BK__O_MULTIPLE_OF:
        cf->mult = bound_of(o);
        cf->flags |= BK__F_HAS_MULT;
        return 0;
    case BK__O_MIN_LEN:
        cf->min_len = o->i;
        return 0;
    case BK__O_MAX_LEN:
        cf->max_len = o->i;
        return 0;
    case BK__O_PATTERN:
        cf->pattern = o->p;
        return 0;
    case BK__O_DEFAULT:
        cf->default_json = o->p;
        cf->flags &= ~BK__F_REQUIRED;
        return 0;
    case BK__O_OPTIONAL:
        cf->flags = (cf->flags & ~BK__F_REQUIRED) | BK__F_NULLABLE;
        return 0;
    case BK__O_NULLABLE:
        cf->flags |= BK__F_NULLABLE;
        return 0;
    case BK__O_ENUM:
        cf->enums = o->p;
        cf->nenums = count_enums(cf->enums);
        return 0;
    case BK__O_ENUM_CLASS:
        return apply_enum_class(m, cf, o->p);
    case BK__O_MODEL:
        cf->model = bk__model_compile(ms, o->p);
        return cf->model ? 0 : field_error(m, f, "its nested model does not compile");
    case BK__O_ALIAS:
        cf->name = o->p;
        return 0;
    case BK__O_TITLE:
        cf->title = o->p;
        return 0;
    case BK__O_DESC:
        cf->description = o->p;
        return 0;
    case BK__O_EXAMPLE:
        cf->example_json = o->p;
        return 0;
    case BK__O_DEPRECATED:
        cf->flags |= BK__F_DEPRECATED;
        return 0;
    case BK__O_FORBID_EXTRA:
        return 0; /* a model option; ignored on a field */
    default:
        return field_error(m, f, "unknown option");
    }
}

/* Resolves the kind inferred from the member's C type with the options that refine it: an
 * int-sized integer with BK_ENUM_OF is an enum, a struct with BK_MODEL_OF a nested model. */
static int resolve_kind(const bk_model *m, bk__cfield *cf, bk_kind *kind, size_t size)
{
    const bk_field *f = cf->src;
    if (cf->enums) {
        if (*kind != BK_K_INT || size != sizeof(int))
            return field_error(m, f, "BK_ENUM_OF needs a C enum (int-sized) member");
        if (cf->nenums == 0)
            return field_error(m, f, "its enum has no values");
        *kind = BK_K_ENUM;
    } else if (cf->model) {
        if (*kind != BK_K_UNKNOWN)
            return field_error(m, f, "BK_MODEL_OF needs a struct member");
        if (size != cf->model->src->size)
            return field_error(m, f, "the member's size is not its model's struct size");
        *kind = BK_K_MODEL;
    } else if (*kind == BK_K_UNKNOWN) {
        return field_error(m, f,
                           "its C type has no kind: use bool, int64_t, double, bk_str, "
                           "bk_uuid, bk_opt_*, or give BK_MODEL_OF / BK_ENUM_OF");
    }
    if (*kind == BK_K_INT && size != 1 && size != 2 && size != 4 && size != 8)
        return field_error(m, f, "unsupported integer size");
    return 0;
}

/* Nullable (None) needs a C type that can hold None: a bool/int/float member cannot. */
static int check_nullable(const bk_model *m, const bk__cfield *cf)
{
    if (!(cf->flags & BK__F_NULLABLE))
        return 0;
    switch (cf->kind) {
    case BK_K_STR:
    case BK_K_OPT_BOOL:
    case BK_K_OPT_INT:
    case BK_K_OPT_FLOAT:
    case BK_K_LIST:
        return 0;
    default:
        return field_error(m, cf->src,
                           "None needs a member that can hold it (bk_str, bk_opt_int, "
                           "bk_opt_float, bk_opt_bool or a list)");
    }
}

/* Parses the JSON text of a BK_DEFAULT or BK_EXAMPLE into the field's arena. */
static int parse_json_opt(const bk_model *m, bk__cfield *cf, const char *text, const char *what,
                          bk__jval **out)
{
    bk__json_error e;
    int err = bk__json_parse(cf->default_arena, text, strlen(text), BK__JSON_MAX_DEPTH, out, &e);
    if (err == BK_EINVAL) {
        bk__log(BK_LOG_ERROR, "model %s, field %s: its %s is not valid JSON (%s)",
                m->title ? m->title : "?", cf->src->name, what, e.msg);
        return BK_EINVAL;
    }
    return err;
}

static int compile_json_opts(const bk_model *m, bk__cfield *cf)
{
    if (!cf->default_json && !cf->example_json)
        return 0;
    if (!(cf->default_arena = malloc(sizeof(*cf->default_arena))))
        return BK_ENOMEM;
    bk__arena_init(cf->default_arena, NULL, 0, 0);
    int err = 0;
    if (cf->default_json)
        err = parse_json_opt(m, cf, cf->default_json, "BK_DEFAULT", &cf->default_value);
    if (!err && cf->example_json)
        err = parse_json_opt(m, cf, cf->example_json, "BK_EXAMPLE", &cf->example_value);
    return err;
}

static int compile_pattern(const bk_model *m, bk__cfield *cf)
{
    if (!cf->pattern)
        return 0;
    char why[BK__PATTERN_ERROR_MAX];
    cf->re = bk__pattern_compile(cf->pattern, strlen(cf->pattern), why);
    if (!cf->re) {
        bk__log(BK_LOG_ERROR, "model %s, field %s: pattern '%s' does not compile: %s",
                m->title ? m->title : "?", cf->src->name, cf->pattern, why);
        return BK_EINVAL;
    }
    return 0;
}

static int compile_field(bk__models *ms, const bk_model *m, const bk_field *f, int index,
                         bk__cfield *cf)
{
    *cf = (bk__cfield){.src = f,
                       .name = f->name,
                       .index = index,
                       .kind = f->kind,
                       .elem = f->elem,
                       .flags = BK__F_REQUIRED,
                       .min_len = -1,
                       .max_len = -1};
    for (const bk_field_opt *o = f->opts; o && o->kind != BK__O_END; o++) {
        int err = apply_opt(ms, m, cf, o);
        if (err)
            return err;
    }
    if (cf->kind == BK_K_OPT_BOOL || cf->kind == BK_K_OPT_INT || cf->kind == BK_K_OPT_FLOAT)
        cf->flags |= BK__F_NULLABLE; /* what the member type is for */
    int err = cf->kind == BK_K_LIST ? resolve_kind(m, cf, &cf->elem, f->elem_size)
                                    : resolve_kind(m, cf, &cf->kind, f->size);
    if (err || (err = check_nullable(m, cf)) || (err = compile_json_opts(m, cf)) ||
        (err = compile_pattern(m, cf)))
        return err;
    if (cf->in == BK_IN_HEADER && cf->name == f->name) {
        char *h = header_name(f->name);
        if (!h)
            return BK_ENOMEM;
        cf->name = cf->owned_name = h;
    }
    cf->name_len = strlen(cf->name);
    return bk__field_prerender(cf);
}

static void free_fields(bk__cmodel *cm)
{
    for (int i = 0; i < cm->nfields; i++) {
        bk__cfield *cf = &cm->fields[i];
        free(cf->owned_name);
        for (int k = 0; k < BK__PRE_COUNT; k++) {
            free(cf->pre_msg[k]);
            free(cf->pre_ctx[k]);
            free(cf->pre_head[k]);
            free(cf->pre_tail[k]);
        }
        bk__pattern_free(cf->re);
        if (cf->default_arena) {
            bk__arena_free(cf->default_arena);
            free(cf->default_arena);
        }
    }
    free(cm->fields);
}

static int count_fields(const bk_model *m)
{
    int n = 0;
    while (m->fields[n].name)
        n++;
    return n;
}

const bk__cmodel *bk__model_find(const bk__models *ms, const bk_model *m)
{
    for (const bk__cmodel *c = ms->head; c; c = c->next)
        if (c->src == m)
            return c;
    return NULL;
}

const bk__cmodel *bk__model_compile(bk__models *ms, const bk_model *m)
{
    const bk__cmodel *found = bk__model_find(ms, m);
    if (found)
        return found;
    if (!m || !m->fields) {
        bk__log(BK_LOG_ERROR, "a model without a field table");
        return NULL;
    }
    int n = count_fields(m);
    if (m->set_offset != (size_t)-1 && n > 64) {
        bk__log(BK_LOG_ERROR, "model %s: BK_MODEL_SET tracks at most 64 fields", m->title);
        return NULL;
    }
    bk__cmodel *cm = calloc(1, sizeof(*cm));
    if (!cm || !(cm->fields = calloc((size_t)n + 1, sizeof(*cm->fields)))) {
        free(cm);
        return NULL;
    }
    cm->src = m;
    for (int i = 0; i < n; i++) {
        cm->nfields = i + 1; /* so that a failure frees what this field took too */
        if (compile_field(ms, m, &m->fields[i], i, &cm->fields[i]) != 0) {
            free_fields(cm);
            free(cm);
            return NULL;
        }
    }
    cm->next = ms->head;
    ms->head = cm;
    char why[256];
    if (bk__model_check_layout(cm, why, sizeof(why)) == BK_EINVAL)
        bk__log(BK_LOG_WARNING, "%s", why);
    return cm;
}

void bk__models_free(bk__models *ms)
{
    bk__cmodel *c = ms->head;
    while (c) {
        bk__cmodel *next = c->next;
        free_fields(c);
        free(c);
        c = next;
    }
    ms->head = NULL;
}

const bk__cfield *bk__model_field(const bk__cmodel *m, const char *name, size_t len)
{
    for (int i = 0; i < m->nfields; i++)
        if (m->fields[i].name_len == len && memcmp(m->fields[i].name, name, len) == 0)
            return &m->fields[i];
    return NULL;
}

const char *bk__enum_name(const bk__cfield *f, int v)
{
    for (size_t i = 0; i < f->nenums; i++)
        if (f->enums[i].value == v)
            return f->enums[i].name;
    return NULL;
}

int bk_model_isset(const bk_model *model, const void *obj, const char *name)
{
    if (!model || !obj || !name || model->set_offset == (size_t)-1)
        return 0;
    uint64_t set;
    memcpy(&set, (const char *)obj + model->set_offset, sizeof(set));
    for (int i = 0; model->fields[i].name; i++)
        if (strcmp(model->fields[i].name, name) == 0)
            return (set >> i) & 1;
    return 0;
}
