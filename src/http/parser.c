/* Request assembly: llhttp callbacks copy the request line and headers of each request into its
 * connection's bk_req, enforce the size limits, and hand complete requests to the connection.
 * Callbacks may see any piece of the stream split anywhere, so every field is appended. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 100

static bk_conn *conn_of(llhttp_t *p)
{
    return p->data;
}

/* Makes llhttp stop with an error; `detail` (a constant) goes in the {"detail": ...} answer. */
static int reject_with(bk_conn *c, int status, const char *detail)
{
    c->error_status = status;
    c->error_detail = detail;
    return -1;
}

static int reject(bk_conn *c, int status)
{
    return reject_with(c, status, NULL);
}

/* Counts bytes of the header section; the caller answers 431 (or 414) past the limit. */
static int count_header_bytes(bk_conn *c, size_t len)
{
    c->req.header_bytes += len;
    return c->req.header_bytes > c->w->cfg->max_header_size ? -1 : 0;
}

static int on_message_begin(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    bk_req_reset(&c->req);
    c->state = BK_CONN_HEAD;
    c->got_bytes = 1;
    bk_tq_set(c->w, c, BK_TQ_HEADER);
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    if (r->url_len == 0)
        r->url_off = (uint32_t)r->raw.len;
    r->url_len += (uint32_t)len;
    if (r->url_len > c->w->cfg->max_url_size)
        return reject(c, 414);
    if (count_header_bytes(c, len))
        return reject(c, 431);
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_url_complete(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    if (bk_buf_append(&c->req.raw, "", 1))
        return reject(c, 503);
    return 0;
}

static int grow_headers(bk_req *r)
{
    if (r->nheaders < r->headers_cap)
        return 0;
    uint32_t cap = r->headers_cap ? r->headers_cap * 2 : 16;
    bk_header *h = realloc(r->headers, cap * sizeof(*h));
    if (!h)
        return -1;
    r->headers = h;
    r->headers_cap = cap;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    if (!r->in_field) {
        if (r->nheaders >= MAX_HEADERS || grow_headers(r))
            return reject(c, 431);
        bk_header *h = &r->headers[r->nheaders];
        h->name_off = (uint32_t)r->raw.len;
        h->name_len = 0;
        h->value_len = 0;
        h->value_off = 0;
        r->in_field = 1;
    }
    if (count_header_bytes(c, len))
        return reject(c, 431);
    r->headers[r->nheaders].name_len += (uint32_t)len;
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    c->req.in_field = 0;
    if (count_header_bytes(c, 4)) /* ": " and CRLF, once per header however it was split */
        return reject(c, 431);
    return bk_buf_append(&c->req.raw, "", 1) ? reject(c, 503) : 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    bk_header *h = &r->headers[r->nheaders];
    if (!r->in_value) {
        h->value_off = (uint32_t)r->raw.len;
        r->in_value = 1;
    }
    if (count_header_bytes(c, len))
        return reject(c, 431);
    h->value_len += (uint32_t)len;
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    bk_header *h = &r->headers[r->nheaders];
    if (!r->in_value) /* an empty value: llhttp calls no on_header_value */
        h->value_off = (uint32_t)r->raw.len;
    r->in_value = 0;
    r->nheaders++;
    return bk_buf_append(&r->raw, "", 1) ? reject(c, 503) : 0;
}

static bk_method method_of(uint8_t m)
{
    switch (m) {
    case HTTP_GET:
        return BK_GET;
    case HTTP_HEAD:
        return BK_HEAD;
    case HTTP_POST:
        return BK_POST;
    case HTTP_PUT:
        return BK_PUT;
    case HTTP_DELETE:
        return BK_DELETE;
    case HTTP_PATCH:
        return BK_PATCH;
    case HTTP_OPTIONS:
        return BK_OPTIONS;
    default:
        return BK_METHOD_COUNT;
    }
}

static int expects_continue(const bk_req *r)
{
    const char *expect = bk_req_header(r, "expect");
    return expect && strcasecmp(expect, "100-continue") == 0;
}

static int on_headers_complete(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    r->method = (uint8_t)method_of(p->method);
    r->http_minor = p->http_minor;
    r->keep_alive = (uint8_t)llhttp_should_keep_alive(p);
    if (p->upgrade) /* no WebSocket or h2c yet: answer the request as plain HTTP */
        p->upgrade = 0;
    int has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length);
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->w->cfg->max_body_size)
        return reject(c, 413);
    if (p->http_major != 1)
        return reject_with(c, 505, "Only HTTP/1.0 and HTTP/1.1 are supported");
    const char *detail = NULL;
    int status = bk_req_split_url(r, &detail);
    if (status)
        return reject_with(c, status, detail);
    if (has_body) {
        c->state = BK_CONN_BODY;
        bk_tq_set(c->w, c, BK_TQ_BODY);
        if (p->http_major == 1 && p->http_minor == 1 && expects_continue(r)) {
            static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            bk_conn_write_now(c, cont, sizeof(cont) - 1);
        }
    }
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    bk_conn *c = conn_of(p);
    bk_req *r = &c->req;
    if (r->body.len + len > c->w->cfg->max_body_size)
        return reject(c, 413);
    return bk_buf_append(&r->body, at, len) ? reject(c, 503) : 0;
}

static int on_message_complete(llhttp_t *p)
{
    bk_conn *c = conn_of(p);
    if (!c->req.keep_alive || c->w->draining)
        c->closing = 1;
    if (bk_conn_dispatch(c))
        return HPE_PAUSED; /* the handler awaits: later requests wait their turn */
    /* Stop at the boundary when no more requests should be parsed now: the connection closes,
     * or the client is not reading its responses (do not buffer without bound). */
    if (c->closing || c->paused_write)
        return HPE_PAUSED;
    return 0;
}

void bk_parser_settings_init(llhttp_settings_t *s)
{
    llhttp_settings_init(s);
    s->on_message_begin = on_message_begin;
    s->on_url = on_url;
    s->on_url_complete = on_url_complete;
    s->on_header_field = on_header_field;
    s->on_header_field_complete = on_header_field_complete;
    s->on_header_value = on_header_value;
    s->on_header_value_complete = on_header_value_complete;
    s->on_headers_complete = on_headers_complete;
    s->on_body = on_body;
    s->on_message_complete = on_message_complete;
}
