/* The "responses" of an operation (openapi.h): FastAPI's get_openapi_path from its status code
 * on. The success response comes first ("Successful Response", its content unless the status
 * allows no body), then the documented ones (bk_op.responses: a status already there is
 * updated), then the 422 of an operation with parameters or a body. */
#include "app/openapi.h"
#include "app/op.h"

#include <stdio.h>
#include <stdlib.h>

/* Python 3.11's http.client.responses: FastAPI's description of a documented response that has
 * none of its own. */
static const char *python_reason(int status)
{
    static const struct {
        int status;
        const char *phrase;
    } reasons[] = {
        {100, "Continue"},
        {101, "Switching Protocols"},
        {102, "Processing"},
        {103, "Early Hints"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {203, "Non-Authoritative Information"},
        {204, "No Content"},
        {205, "Reset Content"},
        {206, "Partial Content"},
        {207, "Multi-Status"},
        {208, "Already Reported"},
        {226, "IM Used"},
        {300, "Multiple Choices"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {305, "Use Proxy"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {402, "Payment Required"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {410, "Gone"},
        {411, "Length Required"},
        {412, "Precondition Failed"},
        {413, "Request Entity Too Large"},
        {414, "Request-URI Too Long"},
        {415, "Unsupported Media Type"},
        {416, "Requested Range Not Satisfiable"},
        {417, "Expectation Failed"},
        {418, "I'm a Teapot"},
        {421, "Misdirected Request"},
        {422, "Unprocessable Entity"},
        {423, "Locked"},
        {424, "Failed Dependency"},
        {425, "Too Early"},
        {426, "Upgrade Required"},
        {428, "Precondition Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {451, "Unavailable For Legal Reasons"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"},
        {506, "Variant Also Negotiates"},
        {507, "Insufficient Storage"},
        {508, "Loop Detected"},
        {510, "Not Extended"},
        {511, "Network Authentication Required"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
        if (reasons[i].status == status)
            return reasons[i].phrase;
    return NULL;
}

/* One entry of "responses", as FastAPI merges it: the success response, then each documented
 * one (updating an entry of the same status), then the 422. */
typedef struct resp {
    int status;
    const char *description;
    int content;               /* it has application/json content */
    const bk__cmodel *list_of; /* its schema is a list of these (the op's response_list) */
    const bk__cmodel *ref;     /* its schema is (or, merged into a list's, holds) this $ref */
    int validation;            /* FastAPI's 422: HTTPValidationError */
} resp;

/* FastAPI's is_body_allowed_for_status_code. */
static int body_allowed(int status)
{
    return status >= 200 && status != 204 && status != 205 && status != 304;
}

static const char *nonempty(const char *s)
{
    return s && *s ? s : NULL;
}

/* The entries of `op`'s responses into `rs` (room for every documented one and two more). */
static int collect_responses(const bk__pathop *op, int validation_error, resp *rs)
{
    int n = 0;
    rs[n] = (resp){.status = op->decl.status ? op->decl.status : 200,
                   .description = "Successful Response"};
    rs[n].content = body_allowed(rs[n].status);
    if (rs[n].content && op->decl.response_list)
        rs[n].list_of = op->response;
    else if (rs[n].content)
        rs[n].ref = op->response;
    n++;
    for (const bk_response_doc *r = op->decl.responses; r && r->status; r++) {
        int k = 0;
        while (k < n && rs[k].status != r->status)
            k++;
        if (k == n)
            rs[n++] = (resp){.status = r->status};
        const char *desc = nonempty(r->description);
        desc = desc ? desc : nonempty(rs[k].description);
        desc = desc ? desc : python_reason(r->status);
        rs[k].description = desc ? desc : "Additional Response";
        if (r->model) {
            rs[k].content = 1;
            rs[k].ref = bk__model_find(&op->app->models, r->model);
        }
    }
    if (validation_error)
        rs[n++] = (resp){.status = 422, .description = "Validation Error", .validation = 1};
    return n;
}

/* A list response's schema: titled "Response " + the operation id, Python's title of it. */
static void write_list_schema(bk_json *j, const resp *r, const bk__pathop *op, bk__oas_style st)
{
    if (st == BK__OAS_RAW) {
        bk_json_key(j, "type");
        bk_json_string(j, "array");
    }
    bk_json_key(j, "items");
    bk__oas_ref(j, r->list_of->src->title);
    if (st == BK__OAS_MODEL) {
        bk_json_key(j, "type");
        bk_json_string(j, "array");
    }
    bk_buf name = {0};
    if (bk_buf_append_str(&name, "Response_") || bk_buf_append_str(&name, op->operation_id) ||
        bk_buf_append(&name, "", 1)) {
        j->error = j->error ? j->error : BK_ENOMEM;
    } else {
        bk_json_key(j, "title");
        bk__oas_title(j, name.data, 0);
    }
    bk_buf_free(&name);
}

/* The response's schema: {} for an op without a response model, a $ref, or a list's; a $ref
 * merged into a list's comes last in FastAPI's dict and first in the Schema model. */
static void write_response_schema(bk_json *j, const resp *r, const bk__pathop *op, bk__oas_style st)
{
    bk_json_object_begin(j);
    if (r->ref && (st == BK__OAS_MODEL || !r->list_of))
        bk__oas_ref_key(j, r->ref->src->title);
    if (r->list_of)
        write_list_schema(j, r, op, st);
    if (r->ref && st == BK__OAS_RAW && r->list_of)
        bk__oas_ref_key(j, r->ref->src->title);
    bk_json_object_end(j);
}

static void write_response(bk_json *j, const resp *r, const bk__pathop *op, bk__oas_style st)
{
    char status[16];
    snprintf(status, sizeof(status), "%d", r->status);
    bk_json_key(j, status);
    bk_json_object_begin(j);
    bk_json_key(j, "description");
    bk_json_string(j, r->description);
    if (r->validation || r->content) {
        bk_json_key(j, "content");
        bk_json_object_begin(j);
        bk_json_key(j, "application/json");
        bk_json_object_begin(j);
        bk_json_key(j, "schema");
        if (r->validation)
            bk__oas_ref(j, "HTTPValidationError");
        else
            write_response_schema(j, r, op, st);
        bk_json_object_end(j);
        bk_json_object_end(j);
    }
    bk_json_object_end(j);
}

void bk__oas_responses(bk_json *j, const bk__pathop *op, int validation_error, bk__oas_style st)
{
    int n = 2;
    for (const bk_response_doc *r = op->decl.responses; r && r->status; r++)
        n++;
    resp *rs = malloc((size_t)n * sizeof(*rs));
    if (!rs) {
        j->error = j->error ? j->error : BK_ENOMEM;
        return;
    }
    n = collect_responses(op, validation_error, rs);
    bk_json_key(j, "responses");
    bk_json_object_begin(j);
    for (int i = 0; i < n; i++)
        write_response(j, &rs[i], op, st);
    bk_json_object_end(j);
    free(rs);
}
