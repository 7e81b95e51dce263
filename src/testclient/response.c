/* The test client's response parser and the public accessors of a response: see response.h. */
#include "testclient/response.h"

#include <stdlib.h>
#include <string.h>

static bk__resp_parser *parser_of(llhttp_t *ll)
{
    return ll->data;
}

/* Stops llhttp with `err` (BK_ENOMEM) remembered. */
static int fail(bk__resp_parser *p, int err)
{
    p->error = err;
    return -1;
}

static bk__header *current_header(bk__resp_parser *p)
{
    return &p->res->headers[p->res->nheaders];
}

static int on_header_field(llhttp_t *ll, const char *at, size_t len)
{
    bk__resp_parser *p = parser_of(ll);
    bk_test_response *r = p->res;
    if (!p->in_field) {
        if (r->nheaders == r->cap) {
            size_t cap = r->cap ? r->cap * 2 : 16;
            bk__header *h = realloc(r->headers, cap * sizeof(*h));
            if (!h)
                return fail(p, BK_ENOMEM);
            r->headers = h;
            r->cap = cap;
        }
        *current_header(p) = (bk__header){.name_off = (uint32_t)r->raw.len};
        p->in_field = 1;
    }
    current_header(p)->name_len += (uint32_t)len;
    return bk_buf_append(&r->raw, at, len) ? fail(p, BK_ENOMEM) : 0;
}

static int on_header_field_complete(llhttp_t *ll)
{
    bk__resp_parser *p = parser_of(ll);
    p->in_field = 0;
    return bk_buf_append(&p->res->raw, "", 1) ? fail(p, BK_ENOMEM) : 0;
}

static int on_header_value(llhttp_t *ll, const char *at, size_t len)
{
    bk__resp_parser *p = parser_of(ll);
    if (!p->in_value) {
        current_header(p)->value_off = (uint32_t)p->res->raw.len;
        p->in_value = 1;
    }
    current_header(p)->value_len += (uint32_t)len;
    return bk_buf_append(&p->res->raw, at, len) ? fail(p, BK_ENOMEM) : 0;
}

static int on_header_value_complete(llhttp_t *ll)
{
    bk__resp_parser *p = parser_of(ll);
    if (!p->in_value) /* an empty value: no data callback came */
        current_header(p)->value_off = (uint32_t)p->res->raw.len;
    p->in_value = 0;
    p->res->nheaders++;
    return bk_buf_append(&p->res->raw, "", 1) ? fail(p, BK_ENOMEM) : 0;
}

static int on_headers_complete(llhttp_t *ll)
{
    bk__resp_parser *p = parser_of(ll);
    p->res->status = ll->status_code;
    return p->head ? 1 : 0; /* 1: llhttp expects no body, whatever Content-Length says */
}

static int on_body(llhttp_t *ll, const char *at, size_t len)
{
    bk__resp_parser *p = parser_of(ll);
    return bk_buf_append(&p->res->body, at, len) ? fail(p, BK_ENOMEM) : 0;
}

static int on_message_complete(llhttp_t *ll)
{
    bk__resp_parser *p = parser_of(ll);
    bk_test_response *r = p->res;
    if (r->status < 200) { /* 100 Continue and the like: the final response follows */
        r->nheaders = 0;
        r->raw.len = 0;
        r->body.len = 0;
        return 0;
    }
    if (bk_buf_append(&r->body, "", 1))
        return fail(p, BK_ENOMEM);
    r->body.len--; /* the NUL is there, not counted */
    p->done = 1;
    return HPE_PAUSED;
}

/* Constant: llhttp_settings_init would only zero what is not set here. */
static const llhttp_settings_t settings = {
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

int bk__resp_parser_init(bk__resp_parser *p, int head)
{
    memset(p, 0, sizeof(*p));
    p->res = calloc(1, sizeof(*p->res));
    if (!p->res)
        return BK_ENOMEM;
    llhttp_init(&p->ll, HTTP_RESPONSE, &settings);
    p->ll.data = p;
    p->head = head != 0;
    return 0;
}

bk__resp_result bk__resp_parse(bk__resp_parser *p, const char *data, size_t len, size_t *used)
{
    *used = 0;
    if (p->done)
        return BK__RESP_DONE;
    if (p->error)
        return BK__RESP_ERROR;
    llhttp_errno_t err = llhttp_execute(&p->ll, data, len);
    if (err == HPE_OK) {
        *used = len;
        return BK__RESP_MORE;
    }
    if (err == HPE_PAUSED && p->done) {
        *used = (size_t)(llhttp_get_error_pos(&p->ll) - data);
        return BK__RESP_DONE;
    }
    if (!p->error)
        p->error = BK_EPROTO;
    return BK__RESP_ERROR;
}

bk__resp_result bk__resp_parse_eof(bk__resp_parser *p)
{
    if (p->done)
        return BK__RESP_DONE;
    if (!p->error && llhttp_message_needs_eof(&p->ll) && llhttp_finish(&p->ll) == HPE_OK && p->done)
        return BK__RESP_DONE;
    if (!p->error)
        p->error = BK_ECONNRESET;
    return BK__RESP_ERROR;
}

int bk__resp_keep_alive(const bk__resp_parser *p)
{
    return llhttp_should_keep_alive(&p->ll);
}

bk_test_response *bk__resp_take(bk__resp_parser *p)
{
    bk_test_response *r = p->res;
    p->res = NULL;
    return r;
}

void bk__resp_parser_free(bk__resp_parser *p)
{
    bk_test_response_free(p->res);
    p->res = NULL;
}

/* ---- the public accessors ---- */

int bk_test_status(const bk_test_response *r)
{
    return r ? r->status : 0;
}

size_t bk_test_header_count(const bk_test_response *r)
{
    return r ? r->nheaders : 0;
}

const char *bk_test_header_at(const bk_test_response *r, size_t i, const char **name)
{
    if (!r || i >= r->nheaders)
        return NULL;
    if (name)
        *name = r->raw.data + r->headers[i].name_off;
    return r->raw.data + r->headers[i].value_off;
}

const char *bk_test_header(const bk_test_response *r, const char *name)
{
    if (!r || !name)
        return NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (bk__header_is(r->raw.data, &r->headers[i], name))
            return r->raw.data + r->headers[i].value_off;
    return NULL;
}

const char *bk_test_body(const bk_test_response *r, size_t *len)
{
    if (len)
        *len = r ? r->body.len : 0;
    return r && r->body.data ? r->body.data : "";
}

void bk_test_response_free(bk_test_response *r)
{
    if (!r)
        return;
    bk_buf_free(&r->raw);
    bk_buf_free(&r->body);
    free(r->headers);
    free(r);
}
