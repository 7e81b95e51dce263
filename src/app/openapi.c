/* The OpenAPI document (openapi.h): FastAPI's fastapi/openapi/utils.py get_openapi over brisk's
 * compiled path operations. Built once at bk__app_prepare; the operations no longer change then,
 * so the document is plain bytes shared read-only by every worker. */
#include "app/openapi.h"
#include "app/docs.h"
#include "app/op.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* FastAPI's validation error schemas, in the Schema model's key order (components). */
static const char validation_error_json[] =
    "{\"properties\":{"
    "\"loc\":{\"items\":{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"integer\"}]},"
    "\"type\":\"array\",\"title\":\"Location\"},"
    "\"msg\":{\"type\":\"string\",\"title\":\"Message\"},"
    "\"type\":{\"type\":\"string\",\"title\":\"Error Type\"},"
    "\"input\":{\"title\":\"Input\"},"
    "\"ctx\":{\"type\":\"object\",\"title\":\"Context\"}},"
    "\"type\":\"object\",\"required\":[\"loc\",\"msg\",\"type\"],\"title\":\"ValidationError\"}";
static const char http_validation_error_json[] =
    "{\"properties\":{"
    "\"detail\":{\"items\":{\"$ref\":\"" BK__OAS_REF "ValidationError\"},"
    "\"type\":\"array\",\"title\":\"Detail\"}},"
    "\"type\":\"object\",\"title\":\"HTTPValidationError\"}";

/* ---- what the document describes -------------------------------------------------------- */

/* One operation: its path as OpenAPI keys it, and its parameters, flattened as FastAPI's
 * _get_openapi_dependency_data and deduplicated as get_openapi_path does. */
typedef struct opdoc {
    const bk__pathop *op;
    char *path; /* Starlette's path_format */
    const bk__cfield **params;
    int nparams;
    int validation_error; /* it gets the 422 response */
} opdoc;

/* A schema of components.schemas. */
typedef struct comp {
    const char *name;
    const bk__cmodel *model; /* a model; or with `body`, the params holding the body fields */
    const bk_enum *enum_class;
    const char *raw_json; /* FastAPI's own schemas */
    char *owned_name;     /* Body_<operation_id> */
    int body;
} comp;

typedef struct builder {
    opdoc *ops;
    int nops;
    comp *comps;
    int ncomps, comps_cap;
    int err;
} builder;

static void set_err(builder *b, int err)
{
    if (!b->err)
        b->err = err;
}

/* ---- parameters ------------------------------------------------------------------------- */

/* The models whose path/query/header/cookie fields an operation reads: its own params, then its
 * dependencies' depth first in declaration order, each dependency once (FastAPI's cache key). */
typedef struct param_models {
    const bk__cmodel **v;
    const bk__cdep **seen;
    int n, cap, nseen, seen_cap;
} param_models;

static int grow(void **v, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    int c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *g = realloc(*v, (size_t)c * size);
    if (!g)
        return BK_ENOMEM;
    *v = g;
    *cap = c;
    return 0;
}

static int add_params_model(param_models *pm, const bk__cmodel *m)
{
    if (!m)
        return 0;
    if (grow((void **)&pm->v, &pm->cap, pm->n + 1, sizeof(*pm->v)))
        return BK_ENOMEM;
    pm->v[pm->n++] = m;
    return 0;
}

static int add_dep_models(param_models *pm, const bk__cdep *d)
{
    for (int i = 0; i < pm->nseen; i++)
        if (pm->seen[i] == d)
            return 0;
    if (grow((void **)&pm->seen, &pm->seen_cap, pm->nseen + 1, sizeof(*pm->seen)) ||
        add_params_model(pm, d->params))
        return BK_ENOMEM;
    pm->seen[pm->nseen++] = d;
    for (int i = 0; i < d->nsubs; i++)
        if (add_dep_models(pm, d->subs[i]))
            return BK_ENOMEM;
    return 0;
}

static int collect_param_models(param_models *pm, const bk__pathop *op)
{
    if (add_params_model(pm, op->params))
        return BK_ENOMEM;
    for (int i = 0; i < op->ndeps; i++)
        if (add_dep_models(pm, op->deps[i]))
            return BK_ENOMEM;
    return 0;
}

/* A later declaration of the same (in, name) replaces an earlier one, keeping its place; a
 * required one wins over those that are not (get_openapi_path's two dicts). */
static void add_param(opdoc *d, const bk__cfield *f)
{
    for (int i = 0; i < d->nparams; i++) {
        const bk__cfield *o = d->params[i];
        if (o->in == f->in && strcmp(o->name, f->name) == 0) {
            if ((f->flags & BK__F_REQUIRED) || !(o->flags & BK__F_REQUIRED))
                d->params[i] = f;
            return;
        }
    }
    d->params[d->nparams++] = f;
}

/* The parameters in FastAPI's order: by location (path, query, header, cookie), then models. */
static int flatten_params(opdoc *d)
{
    param_models pm = {0};
    int err = collect_param_models(&pm, d->op);
    int total = 0;
    for (int i = 0; !err && i < pm.n; i++)
        total += pm.v[i]->nfields;
    if (!err && total && !(d->params = malloc((size_t)total * sizeof(*d->params))))
        err = BK_ENOMEM;
    static const bk_in order[] = {BK_IN_PATH, BK_IN_QUERY, BK_IN_HEADER, BK_IN_COOKIE};
    for (size_t o = 0; !err && o < sizeof(order) / sizeof(order[0]); o++)
        for (int i = 0; i < pm.n; i++)
            for (int k = 0; k < pm.v[i]->nfields; k++)
                if (pm.v[i]->fields[k].in == order[o])
                    add_param(d, &pm.v[i]->fields[k]);
    free(pm.v);
    free(pm.seen);
    return err;
}

static int has_body(const bk__pathop *op)
{
    return op->body || op->body_fields;
}

static int documents_status(const bk__pathop *op, int status)
{
    for (const bk_response_doc *r = op->decl.responses; r && r->status; r++)
        if (r->status == status)
            return 1;
    return 0;
}

/* FastAPI's warning for an operation id given twice (two ops of one custom id): the document
 * is written anyway, as FastAPI's is, but clients generated from it will clash. */
static void warn_duplicate_ids(const builder *b)
{
    for (int i = 0; i < b->nops; i++)
        for (int k = 0; k < i; k++)
            if (strcmp(b->ops[i].op->operation_id, b->ops[k].op->operation_id) == 0) {
                bk__log(BK_LOG_WARNING, "Duplicate Operation ID %s for function %s",
                        b->ops[i].op->operation_id, b->ops[i].op->decl.name);
                break;
            }
}

/* The operations FastAPI documents (include_in_schema), in the order they were registered. */
static int collect_ops(builder *b, const bk_app *app)
{
    int n = 0;
    for (const bk__pathop *op = app->ops; op; op = op->next)
        n += !op->decl.include_in_schema_off;
    if (n && !(b->ops = calloc((size_t)n, sizeof(*b->ops))))
        return BK_ENOMEM;
    b->nops = n;
    for (const bk__pathop *op = app->ops; op; op = op->next) {
        if (op->decl.include_in_schema_off)
            continue;
        opdoc *d = &b->ops[--n];
        d->op = op;
        bk_buf path = {0};
        if (bk__path_format(&path, op->decl.path) || bk_buf_append(&path, "", 1)) {
            bk_buf_free(&path);
            return BK_ENOMEM;
        }
        d->path = path.data;
        int err = flatten_params(d);
        if (err)
            return err;
        d->validation_error = (d->nparams || has_body(op)) && !documents_status(op, 422);
    }
    warn_duplicate_ids(b);
    return 0;
}

/* ---- components ------------------------------------------------------------------------- */

static comp *add_comp(builder *b, const char *name)
{
    if (grow((void **)&b->comps, &b->comps_cap, b->ncomps + 1, sizeof(*b->comps))) {
        set_err(b, BK_ENOMEM);
        return NULL;
    }
    comp *c = &b->comps[b->ncomps++];
    *c = (comp){.name = name};
    return c;
}

static void add_model(builder *b, const bk__cmodel *m);

static void add_enum(builder *b, const bk_enum *e)
{
    for (int i = 0; i < b->ncomps; i++) {
        const bk_enum *o = b->comps[i].enum_class;
        if (o && (o == e || (o->values == e->values && strcmp(o->title, e->title) == 0)))
            return;
    }
    comp *c = add_comp(b, e->title);
    if (c)
        c->enum_class = e;
}

/* The schemas a field refers to. */
static void add_field_refs(builder *b, const bk__cfield *f)
{
    if (f->model)
        add_model(b, f->model);
    if (f->enum_class)
        add_enum(b, f->enum_class);
}

static void add_model(builder *b, const bk__cmodel *m)
{
    for (int i = 0; i < b->ncomps; i++)
        if (b->comps[i].model == m && !b->comps[i].body)
            return;
    if (!m->src->title || !*m->src->title) { /* its name in components: FastAPI's class name */
        bk__log(BK_LOG_ERROR, "OpenAPI: a model the operations use has no title (bk_model.title)");
        set_err(b, BK_EINVAL);
        return;
    }
    comp *c = add_comp(b, m->src->title);
    if (!c)
        return;
    c->model = m;
    for (int i = 0; i < m->nfields; i++)
        add_field_refs(b, &m->fields[i]);
}

static void add_body_model(builder *b, const bk__pathop *op)
{
    size_t n = strlen(op->operation_id) + sizeof("Body_");
    char *name = malloc(n);
    if (name)
        snprintf(name, n, "Body_%s", op->operation_id);
    comp *c = name ? add_comp(b, name) : NULL;
    if (!c) {
        free(name);
        set_err(b, BK_ENOMEM);
        return;
    }
    *c = (comp){.name = name, .owned_name = name, .model = op->params, .body = 1};
    for (int i = 0; i < op->params->nfields; i++)
        if (op->params->fields[i].in == BK_IN_BODY)
            add_field_refs(b, &op->params->fields[i]);
}

/* The schemas of one operation: its body, responses and parameters' types (FastAPI's
 * get_fields_from_routes). */
static void add_op_comps(builder *b, const opdoc *d)
{
    const bk__pathop *op = d->op;
    const bk__models *ms = &op->app->models;
    if (op->body)
        add_model(b, op->body);
    if (op->body_fields)
        add_body_model(b, op);
    if (op->response)
        add_model(b, op->response);
    for (const bk_response_doc *r = op->decl.responses; r && r->status; r++)
        if (r->model)
            add_model(b, bk__model_find(ms, r->model));
    for (int i = 0; i < d->nparams; i++)
        add_field_refs(b, d->params[i]);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const comp *)a)->name, ((const comp *)b)->name);
}

/* Every schema, sorted by name as FastAPI sorts them; two of one name make no document. */
static int collect_comps(builder *b)
{
    int validation_error = 0;
    for (int i = 0; i < b->nops; i++) {
        add_op_comps(b, &b->ops[i]);
        validation_error |= b->ops[i].validation_error;
    }
    comp *c;
    if (validation_error && (c = add_comp(b, "ValidationError")))
        c->raw_json = validation_error_json;
    if (validation_error && (c = add_comp(b, "HTTPValidationError")))
        c->raw_json = http_validation_error_json;
    if (b->err)
        return b->err;
    if (b->ncomps)
        qsort(b->comps, (size_t)b->ncomps, sizeof(*b->comps), by_name);
    for (int i = 1; i < b->ncomps; i++) {
        if (strcmp(b->comps[i - 1].name, b->comps[i].name) == 0) {
            bk__log(BK_LOG_ERROR,
                    "OpenAPI: two schemas are named '%s' (models, enums or FastAPI's own): give "
                    "them distinct titles, or turn the document off (openapi_url \"\")",
                    b->comps[i].name);
            return BK_EINVAL;
        }
    }
    return 0;
}

static void write_components(bk_json *j, const builder *b)
{
    if (!b->ncomps)
        return;
    bk_json_key(j, "components");
    bk_json_object_begin(j);
    bk_json_key(j, "schemas");
    bk_json_object_begin(j);
    for (int i = 0; i < b->ncomps; i++) {
        const comp *c = &b->comps[i];
        bk_json_key(j, c->name);
        if (c->raw_json)
            bk_json_raw(j, c->raw_json, strlen(c->raw_json));
        else if (c->enum_class)
            bk__oas_enum(j, c->enum_class);
        else
            bk__oas_object(j, c->name, c->model, c->body);
    }
    bk_json_object_end(j);
    bk_json_object_end(j);
}

/* ---- operations ------------------------------------------------------------------------- */

static void write_parameter(bk_json *j, const bk__cfield *f)
{
    static const char *const where[] = {[BK_IN_PATH] = "path",
                                        [BK_IN_QUERY] = "query",
                                        [BK_IN_HEADER] = "header",
                                        [BK_IN_COOKIE] = "cookie"};
    bk_json_object_begin(j);
    bk_json_key(j, "name");
    bk_json_string_len(j, f->name, f->name_len);
    bk_json_key(j, "in");
    bk_json_string(j, where[f->in]);
    bk_json_key(j, "required"); /* a path parameter always is: OpenAPI requires it */
    bk_json_bool(j, f->in == BK_IN_PATH || (f->flags & BK__F_REQUIRED));
    bk_json_key(j, "schema");
    bk__oas_param_schema(j, f);
    if (f->description && *f->description) {
        bk_json_key(j, "description");
        bk_json_string(j, f->description);
    }
    if (f->flags & BK__F_DEPRECATED) {
        bk_json_key(j, "deprecated");
        bk_json_bool(j, 1);
    }
    bk_json_object_end(j);
}

static void write_parameters(bk_json *j, const opdoc *d)
{
    if (!d->nparams)
        return;
    bk_json_key(j, "parameters");
    bk_json_array_begin(j);
    for (int i = 0; i < d->nparams; i++)
        write_parameter(j, d->params[i]);
    bk_json_array_end(j);
}

/* An embedded body is required when one of its fields is (FastAPI's get_body_field). */
static int body_required(const bk__pathop *op)
{
    if (op->body)
        return 1;
    for (int i = 0; i < op->params->nfields; i++)
        if (op->params->fields[i].in == BK_IN_BODY &&
            (op->params->fields[i].flags & BK__F_REQUIRED))
            return 1;
    return 0;
}

/* "content": {"application/json": {"schema": {"$ref": <the body's schema>}}}. */
static void write_body_content(bk_json *j, const bk__pathop *op)
{
    bk_buf name = {0};
    if (!op->body && (bk_buf_append_str(&name, "Body_") ||
                      bk_buf_append_str(&name, op->operation_id) || bk_buf_append(&name, "", 1))) {
        bk_buf_free(&name);
        j->error = j->error ? j->error : BK_ENOMEM;
        return;
    }
    bk_json_key(j, "content");
    bk_json_object_begin(j);
    bk_json_key(j, "application/json");
    bk_json_object_begin(j);
    bk_json_key(j, "schema");
    bk__oas_ref(j, op->body ? op->body->src->title : name.data);
    bk_json_object_end(j);
    bk_json_object_end(j);
    bk_buf_free(&name);
}

/* FastAPI's METHODS_WITH_BODY: all but OPTIONS. */
static void write_request_body(bk_json *j, const bk__pathop *op, bk__oas_style st)
{
    if (!has_body(op) || op->decl.method == BK_OPTIONS)
        return;
    int required = body_required(op);
    bk_json_key(j, "requestBody");
    bk_json_object_begin(j);
    if (required && st == BK__OAS_RAW) {
        bk_json_key(j, "required");
        bk_json_bool(j, 1);
    }
    write_body_content(j, op);
    if (required && st == BK__OAS_MODEL) {
        bk_json_key(j, "required");
        bk_json_bool(j, 1);
    }
    bk_json_object_end(j);
}

static void write_tags(bk_json *j, const char *const *tags)
{
    if (!tags || !tags[0])
        return;
    bk_json_key(j, "tags");
    bk_json_array_begin(j);
    for (; *tags; tags++)
        bk_json_string(j, *tags);
    bk_json_array_end(j);
}

static void write_deprecated(bk_json *j, const bk__pathop *op)
{
    if (!op->decl.deprecated)
        return;
    bk_json_key(j, "deprecated");
    bk_json_bool(j, 1);
}

/* FastAPI's route description: what comes before a form feed (the rest is for the code's
 * readers), stripped; none when that is empty. */
static void write_description(bk_json *j, const char *s)
{
    if (!s)
        return;
    static const char space[] = " \t\n\r\v\f";
    size_t len = strcspn(s, "\f");
    while (len && strchr(space, s[len - 1]))
        len--;
    while (len && strchr(space, *s))
        s++, len--;
    if (!len)
        return;
    bk_json_key(j, "description");
    bk_json_string_len(j, s, len);
}

/* One operation, in FastAPI's key order (RAW) or the Operation model's (deprecated last). */
static void write_operation(bk_json *j, const opdoc *d, bk__oas_style st)
{
    const bk__pathop *op = d->op;
    bk_json_object_begin(j);
    write_tags(j, op->decl.tags);
    bk_json_key(j, "summary");
    bk_json_string(j, op->summary);
    write_description(j, op->decl.description);
    bk_json_key(j, "operationId");
    bk_json_string(j, op->operation_id);
    if (st == BK__OAS_RAW)
        write_deprecated(j, op);
    write_parameters(j, d);
    write_request_body(j, op, st);
    bk__oas_responses(j, op, d->validation_error, st);
    if (st == BK__OAS_MODEL)
        write_deprecated(j, op);
    bk_json_object_end(j);
}

static void write_method_key(bk_json *j, bk_method m)
{
    char key[16];
    const char *name = bk__method_name(m);
    size_t n = 0;
    for (; name[n] && n + 1 < sizeof(key); n++)
        key[n] = (char)(name[n] - 'A' + 'a');
    key[n] = '\0';
    bk_json_key(j, key);
}

/* Each path once, where its first operation was registered, with all of its operations. */
static void write_paths(bk_json *j, const builder *b)
{
    bk_json_key(j, "paths");
    bk_json_object_begin(j);
    for (int i = 0; i < b->nops; i++) {
        int first = 1, any_params = 0;
        for (int k = 0; k < b->nops; k++) {
            int same = strcmp(b->ops[k].path, b->ops[i].path) == 0;
            first &= !(same && k < i);
            any_params |= same && b->ops[k].nparams;
        }
        if (!first)
            continue;
        bk__oas_style st = any_params ? BK__OAS_RAW : BK__OAS_MODEL;
        bk_json_key(j, b->ops[i].path);
        bk_json_object_begin(j);
        for (int k = i; k < b->nops; k++) {
            if (strcmp(b->ops[k].path, b->ops[i].path) != 0)
                continue;
            write_method_key(j, b->ops[k].op->decl.method);
            write_operation(j, &b->ops[k], st);
        }
        bk_json_object_end(j);
    }
    bk_json_object_end(j);
}

/* ---- the document ----------------------------------------------------------------------- */

static void write_info(bk_json *j, const bk__app_info *info)
{
    bk_json_key(j, "info");
    bk_json_object_begin(j);
    bk_json_key(j, "title");
    bk_json_string(j, info->title);
    if (*info->description) {
        bk_json_key(j, "description");
        bk_json_string(j, info->description);
    }
    bk_json_key(j, "version");
    bk_json_string(j, info->version);
    bk_json_object_end(j);
}

static void builder_free(builder *b)
{
    for (int i = 0; i < b->nops; i++) {
        free(b->ops[i].path);
        free(b->ops[i].params);
    }
    for (int i = 0; i < b->ncomps; i++)
        free(b->comps[i].owned_name);
    free(b->ops);
    free(b->comps);
}

int bk__openapi_build(const bk_app *app, bk_buf *out)
{
    builder b = {0};
    int err = collect_ops(&b, app);
    if (!err)
        err = collect_comps(&b);
    if (!err) {
        bk_json j;
        bk_json_init(&j, out);
        bk_json_object_begin(&j);
        bk_json_key(&j, "openapi");
        bk_json_string(&j, "3.1.0");
        write_info(&j, &app->info);
        write_paths(&j, &b);
        write_components(&j, &b);
        bk_json_object_end(&j);
        err = bk_json_error(&j);
    }
    builder_free(&b);
    return err;
}

/* ---- serving it ------------------------------------------------------------------------- */

/* FastAPI's openapi() route: the document, with "servers": [{"url": root_path}] added (last, as
 * FastAPI adds it to its copy) when the server has a root path other than "/". */
static void serve_openapi(bk_req *req)
{
    const bk_buf *doc = &((const bk_app *)bk_req_udata(req))->openapi;
    const char *root = bk_req_root_path(req);
    size_t root_len = strlen(root);
    while (root_len && root[root_len - 1] == '/') /* FastAPI's rstrip("/") */
        root_len--;
    if (!root_len) {
        bk_send(req, 200, "application/json", doc->data, doc->len);
        return;
    }
    bk_buf out = {0};
    int err = bk_buf_append(&out, doc->data, doc->len - 1); /* less its closing brace */
    err = err ? err : bk_buf_append_str(&out, ",\"servers\":[{\"url\":");
    err = err ? err : bk_json_escape(&out, root, root_len);
    err = err ? err : bk_buf_append_str(&out, "}]}");
    if (err)
        bk_send_error(req, 500, "Internal Server Error");
    else
        bk_send(req, 200, "application/json", out.data, out.len);
    bk_buf_free(&out);
}

int bk__openapi_install(bk_app *app)
{
    if (!*app->info.openapi_url) /* FastAPI(openapi_url=None): no document */
        return 0;
    bk_buf_free(&app->openapi);
    int err = bk__openapi_build(app, &app->openapi);
    if (!err)
        err = bk__docs_add_route(app, app->info.openapi_url, serve_openapi, app);
    if (err)
        bk_buf_free(&app->openapi);
    return err;
}
