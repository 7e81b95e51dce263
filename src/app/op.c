/* Path operations: registration (every declaration checked once, at start-up) and the request
 * flow in FastAPI's order. See op.h. */
#include "app/op.h"
#include "model/json_parse.h"
#include "model/pyfmt.h"
#include "model/serialize.h"
#include "util/log.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Request-scope model memory: parsed bodies, decoded parameters, structs, errors. Beyond it a
 * request is answered 503, so a hostile body cannot make brisk allocate without bound. */
#define OP_ARENA_LIMIT (64u << 20)
/* The arena's first chunk, inside the request's state allocation (a multiple of 16). */
#define OP_INLINE_ARENA 2048

/* ---- registration ----------------------------------------------------------------------- */

/* FastAPI's generate_unique_id: re.sub(r"\W", "_", name + path_format) + "_" + the method in
 * lower case ("read_file_files__file_path__get" for "/files/{file_path:path}"). Bytes >= 0x80
 * stay: Python's \w takes the non-ASCII letters a UTF-8 path would hold. */
static char *operation_id(const bk_op *op)
{
    bk_buf b = {0};
    int rc = bk_buf_append_str(&b, op->name);
    rc = rc ? rc : bk__path_format(&b, op->path);
    for (size_t i = 0; rc == 0 && i < b.len; i++) {
        unsigned char c = (unsigned char)b.data[i];
        if (c < 0x80 && !isalnum(c) && c != '_')
            b.data[i] = '_';
    }
    rc = rc ? rc : bk_buf_append(&b, "_", 1);
    for (const char *m = bk__method_name(op->method); rc == 0 && *m; m++) {
        char c = (char)tolower((unsigned char)*m);
        rc = bk_buf_append(&b, &c, 1);
    }
    if (rc || bk_buf_append(&b, "", 1)) {
        bk_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* "read_item" → "Read Item": FastAPI's default summary, name.replace("_", " ").title(). */
static char *title_case(const char *name)
{
    bk_buf b = {0};
    if (bk__py_title(&b, name, strlen(name)) || bk_buf_append(&b, "", 1)) {
        bk_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int op_error(const bk_op *op, const char *why)
{
    bk__log(BK_LOG_ERROR, "operation %s %s: %s", bk__method_name(op->method), op->path, why);
    return BK_EINVAL;
}

/* Every {name} of the path must be a BK_FROM_PATH field of the params, and the reverse. */
static int check_path_params(const bk_op *op, const bk__cmodel *params)
{
    for (const char *p = strchr(op->path, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strpbrk(p, ":}");
        if (!end)
            return op_error(op, "malformed path");
        const bk__cfield *f = params ? bk__model_field(params, p + 1, (size_t)(end - p - 1)) : NULL;
        if (!f || f->in != BK_IN_PATH)
            return op_error(op, "a path parameter has no BK_FROM_PATH field in .params");
    }
    for (int i = 0; params && i < params->nfields; i++) {
        const bk__cfield *f = &params->fields[i];
        char want[256];
        snprintf(want, sizeof(want), "{%s", f->name);
        if (f->in == BK_IN_PATH && !strstr(op->path, want))
            return op_error(op, "a BK_FROM_PATH field is not in the path");
        if (f->in == BK_IN_NONE)
            return op_error(op, "a .params field says nowhere where it is read (BK_FROM_*)");
    }
    return 0;
}

static int compile_models(bk_app *app, bk__pathop *po)
{
    const bk_op *op = &po->decl;
    if (op->params && !(po->params = bk__model_compile(&app->models, op->params)))
        return op_error(op, "its params model does not compile");
    if (op->body && !(po->body = bk__model_compile(&app->models, op->body)))
        return op_error(op, "its body model does not compile");
    if (op->response && !(po->response = bk__model_compile(&app->models, op->response)))
        return op_error(op, "its response model does not compile");
    /* The documented responses' models too: OpenAPI describes them, bk_send_model sends them. */
    for (const bk_response_doc *r = op->responses; r && r->status; r++)
        if (r->model && !bk__model_compile(&app->models, r->model))
            return op_error(op, "the model of one of its .responses does not compile");
    for (int i = 0; po->params && i < po->params->nfields; i++)
        po->body_fields |= po->params->fields[i].in == BK_IN_BODY;
    if (po->body && po->body_fields)
        return op_error(op, "both a body model and BK_FROM_BODY fields: embed the model as a "
                            "BK_FROM_BODY field instead");
    return check_path_params(op, po->params);
}

static int compile_deps(bk_app *app, bk__pathop *po)
{
    int n = 0;
    while (po->decl.deps && po->decl.deps[n])
        n++;
    po->deps = calloc((size_t)n + 1, sizeof(*po->deps));
    if (!po->deps)
        return BK_ENOMEM;
    for (int i = 0; i < n; i++)
        if (!(po->deps[i] = bk__dep_compile(app, po->decl.deps[i])))
            return op_error(&po->decl, "a dependency does not compile");
    po->ndeps = n;
    return 0;
}

/* A copy of `s` in the op's arena (NULL stays NULL); sets *oom when memory ran out. */
static const char *keep_str(bk__pathop *po, const char *s, int *oom)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = bk__arena_alloc(&po->kept, n);
    if (!p) {
        *oom = 1;
        return NULL;
    }
    return memcpy(p, s, n);
}

static const char *const *keep_tags(bk__pathop *po, const char *const *tags, int *oom)
{
    size_t n = 0;
    while (tags && tags[n])
        n++;
    const char **copy = tags ? bk__arena_alloc(&po->kept, (n + 1) * sizeof(*copy)) : NULL;
    if (tags && !copy)
        *oom = 1;
    for (size_t i = 0; copy && i <= n; i++)
        copy[i] = keep_str(po, tags[i], oom);
    return copy;
}

static const bk_response_doc *keep_responses(bk__pathop *po, const bk_response_doc *rs, int *oom)
{
    size_t n = 0;
    while (rs && rs[n].status)
        n++;
    bk_response_doc *copy = rs ? bk__arena_alloc(&po->kept, (n + 1) * sizeof(*copy)) : NULL;
    if (rs && !copy)
        *oom = 1;
    for (size_t i = 0; copy && i <= n; i++) {
        copy[i] = i < n ? rs[i] : (bk_response_doc){0};
        copy[i].description = keep_str(po, copy[i].description, oom);
    }
    return copy;
}

/* The declaration keeps its own copies of its strings and lists: BK_TAGS(), a compound literal
 * of responses, a formatted path live only as long as the block that registered the op, and
 * the OpenAPI document is written from them later. */
static int keep_decl(bk__pathop *po)
{
    bk_op *d = &po->decl;
    int oom = 0;
    bk__arena_init(&po->kept, NULL, 0, 0);
    d->path = keep_str(po, d->path, &oom);
    d->name = keep_str(po, d->name, &oom);
    d->summary = keep_str(po, d->summary, &oom);
    d->description = keep_str(po, d->description, &oom);
    d->operation_id = keep_str(po, d->operation_id, &oom);
    d->tags = keep_tags(po, d->tags, &oom);
    d->responses = keep_responses(po, d->responses, &oom);
    return oom ? BK_ENOMEM : 0;
}

static void free_op(bk__pathop *po)
{
    bk__arena_free(&po->kept);
    free(po->deps);
    free(po->operation_id);
    free(po->summary);
    free(po);
}

static void op_entry(bk_req *req);

int bk_add_op(bk_app *app, const bk_op *op)
{
    if (!app || !op || !op->path || !op->handler || op->method >= BK_METHOD_COUNT)
        return BK_EINVAL;
    bk__pathop *po = calloc(1, sizeof(*po));
    if (!po)
        return BK_ENOMEM;
    po->decl = *op;
    po->app = app;
    if (!po->decl.name)
        po->decl.name = "handler";
    int err = keep_decl(po);
    if (!err)
        err = compile_models(app, po);
    if (!err)
        err = compile_deps(app, po);
    po->decl.deps = NULL; /* compiled into po->deps; the list itself may be gone */
    if (!err) {
        po->operation_id = op->operation_id ? strdup(op->operation_id) : operation_id(&po->decl);
        po->summary = op->summary ? strdup(op->summary) : title_case(po->decl.name);
        if (!po->operation_id || !po->summary)
            err = BK_ENOMEM;
    }
    bk__route_target t = {.handler = op_entry,
                          .udata = op->route.udata,
                          .blocking = op->route.blocking != 0,
                          .timeout_ms = op->route.timeout_ms,
                          .op = po,
                          .exact_methods = 1}; /* FastAPI's APIRoute: a GET is not a HEAD */
    if (!err)
        err = bk__router_add_target(app->router, op->method, op->path, &t);
    if (err) {
        free_op(po);
        return err;
    }
    po->next = app->ops;
    app->ops = po;
    return 0;
}

const bk_app *bk__op_app(const bk__pathop *op)
{
    return op->app;
}

void bk__ops_free(bk_app *app)
{
    while (app->ops) {
        bk__pathop *next = app->ops->next;
        free_op(app->ops);
        app->ops = next;
    }
    while (app->deps) {
        bk__cdep *next = app->deps->next;
        free(app->deps->subs);
        free(app->deps);
        app->deps = next;
    }
    bk__models_free(&app->models);
}

/* ---- the request flow ------------------------------------------------------------------- */

static bk__opstate *state_of(const bk_req *req)
{
    return req->op_state;
}

static bk__opstate *state_new(bk_req *req, const bk__pathop *op)
{
    /* One allocation: the state, then the arena's first chunk, which a typical request (a
     * small body, a few parameters) never outgrows. The chunk is not zeroed: the arena's
     * callers initialise what they take. */
    bk__opstate *st = malloc(sizeof(*st) + OP_INLINE_ARENA);
    if (!st)
        return NULL;
    memset(st, 0, sizeof(*st));
    bk__arena_init(&st->arena, st + 1, OP_INLINE_ARENA, OP_ARENA_LIMIT);
    st->op = op;
    st->req = req;
    st->bg_tail = &st->background;
    if (bk_defer(req, bk__opstate_end, st) != 0)
        return NULL; /* the deferred call ran at once and freed it */
    req->op_state = st;
    return st;
}

/* application/json and application/<anything>+json, parameters ignored, as FastAPI reads the
 * header with email.message. */
static int is_json_type(const char *ct)
{
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n < 12 || strncasecmp(ct, "application/", 12) != 0)
        return 0;
    const char *sub = ct + 12;
    size_t sn = n - 12;
    return (sn == 4 && strncasecmp(sub, "json", 4) == 0) ||
           (sn > 5 && strncasecmp(sub + sn - 5, "+json", 5) == 0);
}

static void answer_json_invalid(bk_req *req, bk__opstate *st, const bk__json_error *e)
{
    bk__verrs errs;
    bk__verrs_init(&errs, &st->arena);
    bk__loc body = {.key = "body", .key_len = 4};
    bk__loc at = {.index = (int64_t)e->pos, .up = &body};
    bk__ctx ctx = {.text = e->msg, .text_len = strlen(e->msg)};
    bk__verrs_add(&errs, BK__E_JSON_INVALID, &at, BK__INPUT_EMPTY_OBJECT, NULL, 0, NULL, &ctx);
    if (errs.head)
        errs.head->msg = "JSON decode error"; /* FastAPI's own, not pydantic's template */
    bk__app_answer_validation(req, &errs);
}

/* Reads the body as FastAPI does. Returns 0 with *json (NULL: no JSON body) and *raw (a body that
 * is not JSON), or 1 when the request was answered (422 json_invalid, 400, 503). */
static int read_body(bk_req *req, bk__opstate *st, const bk__jval **json, bk__text *raw)
{
    size_t len;
    const char *data = bk_req_body(req, &len);
    *json = NULL;
    *raw = (bk__text){NULL, 0};
    if (!len)
        return 0;
    const char *ct = bk_req_header(req, "content-type");
    if (!ct || !is_json_type(ct)) {
        *raw = (bk__text){data, len};
        return 0;
    }
    bk__json_error e;
    bk__jval *v;
    int err = bk__json_parse(&st->arena, data, len, BK__JSON_MAX_DEPTH, &v, &e);
    if (err == BK_ENOMEM) {
        bk_send_error(req, 503, "Service Unavailable");
        return 1;
    }
    if (err) {
        if (e.unreadable)
            bk_send_error(req, 400, "There was an error parsing the body");
        else
            answer_json_invalid(req, st, &e);
        return 1;
    }
    *json = v;
    return 0;
}

static void *alloc_struct(bk__opstate *st, const bk__cmodel *m)
{
    void *p = bk__arena_alloc(&st->arena, m->src->size ? m->src->size : 1);
    if (p)
        memset(p, 0, m->src->size);
    return p;
}

static void validate_body(bk__opstate *st, const bk__jval *json, bk__text raw, bk__verrs *errs)
{
    const bk__pathop *op = st->op;
    bk__loc body = {.key = "body", .key_len = 4};
    if (op->body_fields) {
        /* Embedded fields: a body that is not an object has none of them (FastAPI). */
        const bk__jval *obj = json && json->type == BK__J_OBJECT ? json : NULL;
        bk__validate_body_fields(&st->arena, op->params, obj, st->params, errs);
        return;
    }
    if (!op->body)
        return;
    if (raw.s) {
        bk__validate_raw_body(&body, raw.s, raw.n, errs);
        return;
    }
    if (!json || json->type == BK__J_NULL) { /* no body, or null: a required body is missing */
        bk__verrs_add(errs, BK__E_MISSING, &body, BK__INPUT_NONE, NULL, 0, NULL, NULL);
        return;
    }
    if (json->type != BK__J_OBJECT) {
        bk__verrs_add(errs, BK__E_MODEL_ATTRIBUTES_TYPE, &body, BK__INPUT_JSON, NULL, 0, json,
                      NULL);
        return;
    }
    bk__validate_model(&st->arena, op->body, json, &body, st->body, errs);
}

void bk__op_answer_oom(bk_req *req)
{
    bk__response_clear(req);
    bk_set_header(req, "Retry-After", "1");
    bk_send_error(req, 503, "Service Unavailable");
}

static void op_entry(bk_req *req)
{
    const bk__pathop *op = req->target->op;
    bk__opstate *st = state_new(req, op);
    if (!st) {
        bk__op_answer_oom(req);
        return;
    }
    const bk__jval *json = NULL;
    bk__text raw = {NULL, 0};
    if ((op->body || op->body_fields) && read_body(req, st, &json, &raw))
        return;
    bk__verrs errs;
    bk__verrs_init(&errs, &st->arena);
    bk__sources src = {.req = req, .arena = &st->arena};
    if ((op->params && !(st->params = alloc_struct(st, op->params))) ||
        (op->body && !(st->body = alloc_struct(st, op->body)))) {
        bk__op_answer_oom(req);
        return;
    }
    if (bk__deps_solve(st, &src, &errs))
        return; /* a dependency answered */
    if (op->params)
        bk__validate_all_params(&src, op->params, st->params, &errs);
    validate_body(st, json, raw, &errs);
    if (errs.oom || src.oom) {
        bk__op_answer_oom(req);
        return;
    }
    if (errs.count) {
        bk__app_answer_validation(req, &errs);
        return;
    }
    op->decl.handler(req);
    st->sent = req->responded && !bk_req_cancelled(req);
}

/* The app's own RequestValidationError handler gets the errors list as JSON and the body. */
static void answer_validation_custom(bk_req *req, const bk__verrs *errs)
{
    bk_buf out = {0};
    bk_json j;
    bk_json_init(&j, &out);
    bk__verrs_write_list(errs, &j);
    if (bk_json_error(&j) != 0) {
        bk_buf_free(&out);
        bk__op_answer_oom(req);
        return;
    }
    bk_validation_info info = {.errors_json = out.data, .errors_len = out.len};
    info.body = bk_req_body(req, &info.body_len);
    bk_raise(req, &bk_validation_error, &info);
    bk_buf_free(&out);
}

void bk__app_answer_validation(bk_req *req, const bk__verrs *errs)
{
    if (bk__has_error_handler(req, &bk_validation_error)) {
        answer_validation_custom(req, errs);
        return;
    }
    bk_json *j = bk_json_begin(req, 422);
    if (!j)
        return;
    int rc = bk__verrs_write(errs, j);
    if (rc == 1) {
        /* FastAPI's handler raises rendering this 422 (json.dumps(allow_nan=False), or UTF-8
         * on a lone surrogate): the client gets Starlette's plain 500. */
        bk__log(BK_LOG_ERROR,
                "%s %s: a validation error's input cannot be rendered as JSON "
                "(NaN, an infinity or a lone surrogate): answering 500",
                bk_req_method_name(req), bk_req_path(req));
        req->json_open = 0;
        bk__response_clear(req);
        bk_send_text(req, 500, "Internal Server Error");
        return;
    }
    if (rc == BK_ENOMEM || bk_json_send(req) == BK_ENOMEM)
        bk__op_answer_oom(req);
}

/* ---- typed access and responses --------------------------------------------------------- */

static const void *typed(bk_req *req, const bk__cmodel *m, void *value, size_t size,
                         const char *what)
{
    if (!m || m->src->size != size) {
        bk__log(BK_LOG_CRITICAL, "%s %s: BK_%s with a struct that is not the op's %s model",
                bk_req_method_name(req), bk_req_path(req), what, what);
        abort(); /* a programming error that would read memory as the wrong type */
    }
    return value;
}

const void *bk__typed_params(bk_req *req, size_t size)
{
    bk__opstate *st = state_of(req);
    return st ? typed(req, st->op->params, st->params, size, "PARAMS") : NULL;
}

const void *bk__typed_body(bk_req *req, size_t size)
{
    bk__opstate *st = state_of(req);
    return st ? typed(req, st->op->body, st->body, size, "BODY") : NULL;
}

static int answer_unserialisable(bk_req *req, const bk__ser_error *e)
{
    bk__log(BK_LOG_ERROR,
            "%s %s: the response does not fit its model (field %s: %s): answering "
            "500",
            bk_req_method_name(req), bk_req_path(req), e->field, e->why);
    bk__response_clear(req);
    return bk_send_text(req, 500, "Internal Server Error");
}

static int send_models(bk_req *req, int status, const bk__cmodel *m, const void *values, size_t n,
                       int as_list)
{
    if (status == 204 || !m) /* FastAPI's 204: no body, its JSON content type kept */
        return bk_send(req, status, "application/json", NULL, 0);
    bk_json *j = bk_json_begin(req, status);
    if (!j)
        return BK_EINVAL;
    bk__ser_error e = {0};
    int err = 0;
    if (as_list)
        bk_json_array_begin(j);
    for (size_t i = 0; i < n && !err; i++)
        err = bk__serialize(j, m, (const char *)values + i * m->src->size, &e);
    if (as_list)
        bk_json_array_end(j);
    if (err == BK_EINVAL) {
        req->json_open = 0;
        return answer_unserialisable(req, &e);
    }
    return bk_json_send(req);
}

int bk_respond(bk_req *req, const void *value)
{
    bk__opstate *st = req ? state_of(req) : NULL;
    if (!st)
        return BK_EINVAL;
    const bk__pathop *op = st->op;
    int status = op->decl.status ? op->decl.status : 200;
    if (op->decl.response_list)
        return send_models(req, status, op->response, value, value ? 1 : 0, 1);
    return send_models(req, status, op->response, value, value ? 1 : 0, 0);
}

int bk_respond_list(bk_req *req, const void *values, size_t n)
{
    bk__opstate *st = req ? state_of(req) : NULL;
    if (!st)
        return BK_EINVAL;
    const bk__pathop *op = st->op;
    int status = op->decl.status ? op->decl.status : 200;
    return send_models(req, status, op->response, values, n, 1);
}

int bk_send_model(bk_req *req, int status, const bk_model *model, const void *value)
{
    if (!req || !model || !value)
        return BK_EINVAL;
    bk__opstate *st = state_of(req);
    /* Only models compiled at registration: compiling here would write the app's model list
     * from several workers at once. */
    const bk__cmodel *m = st ? bk__model_find(&st->op->app->models, model) : NULL;
    if (!m) {
        bk__log(BK_LOG_ERROR, "bk_send_model: model %s is not used by any operation",
                model->title ? model->title : "?");
        return BK_EINVAL;
    }
    return send_models(req, status, m, value, 1, 0);
}

int bk_send_error_json(bk_req *req, int status, const char *detail_json)
{
    bk_json *j = bk_json_begin(req, status);
    if (!j)
        return BK_EINVAL;
    bk_json_object_begin(j);
    bk_json_key(j, "detail");
    bk_json_raw(j, detail_json, strlen(detail_json));
    bk_json_object_end(j);
    return bk_json_send(req);
}
