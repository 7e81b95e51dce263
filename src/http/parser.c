/* Request assembly: llhttp callbacks copy the request line and headers of each request into a
 * bk_req, enforce the size limits and brisk's framing rules, and pause at the end of each
 * message. Callbacks may see any piece of the stream split anywhere, so every field is appended.
 * See parser.h for what the caller gets. */
#include "http/parser.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_HEADERS 100

static bk__parser *parser_of(llhttp_t *ll)
{
    return ll->data;
}

/* Makes llhttp stop with an error; `detail` (a constant) goes in the {"detail": ...} answer. */
static int reject_with(bk__parser *c, int status, const char *detail)
{
    c->error_status = status;
    c->error_detail = detail;
    return -1;
}

static int reject(bk__parser *c, int status)
{
    return reject_with(c, status, NULL);
}

/* Counts bytes of the header section; the caller answers 431 (or 414) past the limit. */
static int count_header_bytes(bk__parser *c, size_t len)
{
    c->req->header_bytes += len;
    return c->req->header_bytes > c->limits->max_header_size ? -1 : 0;
}

static int on_message_begin(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    bk__req_reset(c->req);
    c->started = 1;
    c->in_field = c->in_value = c->header_open = 0;
    return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req;
    if (r->url_len == 0)
        r->url_off = (uint32_t)r->raw.len;
    r->url_len += (uint32_t)len;
    if (r->url_len > c->limits->max_url_size)
        return reject(c, 414);
    if (count_header_bytes(c, len))
        return reject(c, 431);
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_url_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    if (bk_buf_append(&c->req->raw, "", 1))
        return reject(c, 503);
    return 0;
}

static int grow_headers(bk_req *r)
{
    if (r->nheaders < r->headers_cap)
        return 0;
    uint32_t cap = r->headers_cap ? r->headers_cap * 2 : 16;
    bk__header *h = realloc(r->headers, cap * sizeof(*h));
    if (!h)
        return -1;
    r->headers = h;
    r->headers_cap = cap;
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req;
    if (!c->in_field) {
        if (r->nheaders >= MAX_HEADERS || grow_headers(r))
            return reject(c, 431);
        bk__header *h = &r->headers[r->nheaders];
        h->name_off = (uint32_t)r->raw.len;
        h->name_len = 0;
        h->value_len = 0;
        h->value_off = 0;
        c->in_field = 1;
        c->header_open = 1;
    }
    if (count_header_bytes(c, len))
        return reject(c, 431);
    r->headers[r->nheaders].name_len += (uint32_t)len;
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    /* ": value": llhttp reports an empty name (a zero-length span) */
    if (!c->in_field || c->req->headers[c->req->nheaders].name_len == 0)
        return reject_with(c, 400, "Empty header name");
    c->in_field = 0;
    if (count_header_bytes(c, 4)) /* ": " and CRLF, once per header however it was split */
        return reject(c, 431);
    return bk_buf_append(&c->req->raw, "", 1) ? reject(c, 503) : 0;
}

/* The byte before `at`, looking back across the read boundary when `at` starts this read. */
static int skips_back_to_lf(const bk__parser *c, const char *at)
{
    const char *q = at;
    while (q > c->parse_start && (q[-1] == ' ' || q[-1] == '\t'))
        q--;
    char before = q > c->parse_start ? q[-1] : c->tail_byte;
    return before == '\n';
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req;
    if (!c->header_open)
        return reject_with(c, 400, "Empty header name");
    /* A value never starts right after a line break, except in obs-fold ("X: a\r\n b"), which
     * llhttp unfolds even in strict mode; RFC 9112 lets us reject it, and folded framing
     * headers are a smuggling vector. */
    if (len && skips_back_to_lf(c, at)) /* an empty value comes as a 0-byte span after CRLF */
        return reject_with(c, 400, "Header line folding (obs-fold) is not allowed");
    bk__header *h = &r->headers[r->nheaders];
    if (!c->in_value) {
        h->value_off = (uint32_t)r->raw.len;
        c->in_value = 1;
    }
    if (count_header_bytes(c, len))
        return reject(c, 431);
    h->value_len += (uint32_t)len;
    return bk_buf_append(&r->raw, at, len) ? reject(c, 503) : 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req;
    if (!c->header_open)
        return reject_with(c, 400, "Empty header name");
    bk__header *h = &r->headers[r->nheaders];
    if (!c->in_value) /* an empty value: llhttp calls no on_header_value */
        h->value_off = (uint32_t)r->raw.len;
    while (h->value_len && (r->raw.data[h->value_off + h->value_len - 1] == ' ' ||
                            r->raw.data[h->value_off + h->value_len - 1] == '\t'))
        h->value_len--; /* trailing OWS is not part of the value (RFC 9110 §5.5) */
    r->raw.len = h->value_off + h->value_len;
    c->in_value = 0;
    c->header_open = 0;
    r->nheaders++;
    return bk_buf_append(&r->raw, "", 1) ? reject(c, 503) : 0;
}

/* The request line must end in CRLF: llhttp 8 also takes a bare LF after the version. The rule
 * judges one byte, the one right after the version, and must judge it the same way wherever the
 * reads were cut. llhttp reports the version complete as soon as it has its last digit, before
 * it looks at the next byte: when the version ends a read, that byte is the first of the next
 * read, and llhttp then checks it alone, with another answer ("Expected CRLF after version"),
 * and lets a bare LF through. So the byte is judged where it arrives: here when this read holds
 * it, else first thing in the next read, before llhttp sees it (bk__parser_execute). */
static int check_version_end(bk__parser *c, char next)
{
    return next == '\r' ? 0 : reject_with(c, 400, "Request line must end with CRLF");
}

static int on_version(llhttp_t *p, const char *at, size_t len)
{
    parser_of(p)->version_end = at + len; /* the last call has the end of the span */
    return 0;
}

static int on_version_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    if (c->version_end < c->parse_end)
        return check_version_end(c, *c->version_end);
    c->version_end_pending = 1;
    return 0;
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

static int token_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/* Transfer-Encoding framing, where request smuggling lives (RFC 9112 §6.1, §6.3): brisk decodes
 * exactly one coding, chunked, and it must come last. Anything else is refused instead of being
 * guessed at, and HTTP/1.0 has no chunked framing at all. */
static int check_transfer_encoding(const bk_req *r, const llhttp_t *p, const char **why)
{
    int seen = 0, chunked_last = 0, others = 0;
    for (uint32_t i = 0; i < r->nheaders; i++) {
        const bk__header *h = &r->headers[i];
        if (!bk__header_is(r->raw.data, h, "transfer-encoding"))
            continue;
        seen = 1;
        const char *v = r->raw.data + h->value_off, *end = v + h->value_len;
        while (v < end) {
            const char *comma = memchr(v, ',', (size_t)(end - v));
            const char *item_end = comma ? comma : end;
            while (v < item_end && (*v == ' ' || *v == '\t'))
                v++;
            const char *e = item_end;
            while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (e > v) {
                chunked_last = token_is(v, (size_t)(e - v), "chunked");
                others += !chunked_last;
            }
            v = item_end + (comma ? 1 : 0);
        }
    }
    if (!seen)
        return 0;
    *why = "Invalid Transfer-Encoding";
    if (p->http_minor == 0)
        return 400; /* HTTP/1.0 has no Transfer-Encoding: refuse it, as nginx does */
    if (!chunked_last)
        return 400; /* the body's length cannot be determined (RFC 9112 §6.3) */
    if (others) {
        *why = "Only the chunked transfer coding is supported";
        return 501;
    }
    return 0;
}

/* HTTP/1.1 requests carry exactly one Host, a valid authority (RFC 9112 §3.2). */
static int check_host(const bk_req *r, const llhttp_t *p, const char **why)
{
    int hosts = 0;
    for (uint32_t i = 0; i < r->nheaders; i++) {
        const bk__header *h = &r->headers[i];
        if (!bk__header_is(r->raw.data, h, "host"))
            continue;
        hosts++;
        const char *v = r->raw.data + h->value_off;
        if (strcspn(v, " \t,/\\@?#") != h->value_len) {
            *why = "Invalid Host header";
            return 400;
        }
    }
    if (hosts > 1 || (hosts == 0 && p->http_minor >= 1)) {
        *why = hosts ? "More than one Host header" : "Missing Host header";
        return 400;
    }
    return 0;
}

static int on_chunk_header(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    /* llhttp holds the announced chunk size here: refuse it before reading the chunk */
    if (p->content_length > c->limits->max_body_size - c->req->body.len)
        return reject(c, 413);
    return 0;
}

/* Known as soon as the request line has it: a refusal of a HEAD request must have no body. */
static int on_method_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    c->req->method = (uint8_t)method_of(p->method);
    if (c->req->method == BK_METHOD_COUNT) /* brisk's own table names the others */
        c->req->method_name = llhttp_method_name((llhttp_method_t)p->method);
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req; /* r->method was set by on_method_complete */
    r->http_minor = p->http_minor;
    r->keep_alive = (uint8_t)llhttp_should_keep_alive(p);
    if (p->upgrade) /* no WebSocket or h2c yet: answer the request as plain HTTP */
        p->upgrade = 0;
    int has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length);
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->limits->max_body_size)
        return reject(c, 413);
    if (p->http_major != 1)
        return reject_with(c, 505, "Only HTTP/1.0 and HTTP/1.1 are supported");
    const char *why = NULL;
    int bad = check_transfer_encoding(r, p, &why);
    if (!bad)
        bad = check_host(r, p, &why);
    if (bad)
        return reject_with(c, bad, why);
    const char *detail = NULL;
    int err = bk__req_split_url(r, &detail);
    if (err)
        return err == BK_ENOMEM ? reject(c, 503) : reject_with(c, 400, detail);
    c->head_done = 1;
    c->body_expected = (uint8_t)has_body;
    /* 1.x only (checked above); 1.0 clients do not know 100 Continue */
    c->expect_continue = (uint8_t)(has_body && p->http_minor == 1 && expects_continue(r));
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
    bk__parser *c = parser_of(p);
    bk_req *r = c->req;
    if (r->body.len + len > c->limits->max_body_size)
        return reject(c, 413);
    return bk_buf_append(&r->body, at, len) ? reject(c, 503) : 0;
}

/* Always pause at the end of a message: the caller handles it before the next one is parsed. */
static int on_message_complete(llhttp_t *p)
{
    (void)p;
    return HPE_PAUSED;
}

static const llhttp_settings_t *parser_settings(void)
{
    static llhttp_settings_t s;
    static int ready;
    if (!ready) { /* idempotent: racing threads write the same values */
        llhttp_settings_init(&s);
        s.on_message_begin = on_message_begin;
        s.on_url = on_url;
        s.on_url_complete = on_url_complete;
        s.on_header_field = on_header_field;
        s.on_header_field_complete = on_header_field_complete;
        s.on_header_value = on_header_value;
        s.on_header_value_complete = on_header_value_complete;
        s.on_method_complete = on_method_complete;
        s.on_version = on_version;
        s.on_version_complete = on_version_complete;
        s.on_chunk_header = on_chunk_header;
        s.on_headers_complete = on_headers_complete;
        s.on_body = on_body;
        s.on_message_complete = on_message_complete;
        ready = 1;
    }
    return &s;
}

void bk__parser_init(bk__parser *p, const bk__http_limits *limits, bk_req *req)
{
    memset(p, 0, sizeof(*p));
    p->limits = limits;
    p->req = req;
    llhttp_init(&p->ll, HTTP_REQUEST, parser_settings());
    p->ll.data = p;
}

/* Keeps the last significant byte of what was parsed, for checks that look back across reads
 * (obs-fold detection above). */
static void remember_tail(bk__parser *p, const char *data, size_t len)
{
    while (len && (data[len - 1] == ' ' || data[len - 1] == '\t'))
        len--;
    if (len)
        p->tail_byte = data[len - 1];
}

/* The span callbacks above refuse a request on the bytes llhttp has reported so far (the size
 * limits, the header count). llhttp reports a span when it ends, and what is open of it at the
 * end of every read; but when a byte it refuses lies inside the span, it stops without reporting
 * the part before: whole, "GET /<9000 bytes>\x01" got llhttp's 400, while cut after the 8 KiB
 * it got 414. So at llhttp's own error, the open span's bytes up to the refused byte are reported
 * first, as llhttp does at the end of a read (llhttp__internal_execute, with the same two fields
 * of llhttp_t, which llhttp 8 and 9 both have): the callbacks have then seen the same bytes
 * before the error, however they were cut, and the earliest offending byte decides. */
static llhttp_errno_t report_open_span(bk__parser *c, llhttp_errno_t err)
{
    llhttp_t *p = &c->ll;
    const char *start = p->_span_pos0;
    if (err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE || err == HPE_PAUSED_H2_UPGRADE ||
        c->error_status)
        return err; /* not llhttp's refusal: a pause, or a callback's */
    if (!start || start < c->parse_start || p->error_pos < start || p->error_pos > c->parse_end)
        return err; /* nothing open in this read (an error left from an earlier one) */
    int (*span_cb)(llhttp_t *, const char *, const char *);
    memcpy(&span_cb, &p->_span_cb0, sizeof(span_cb)); /* llhttp's wrapper, e.g. llhttp__on_url */
    p->_span_pos0 = NULL;
    int cb_err = span_cb(p, start, p->error_pos);
    if (cb_err == 0)
        return err;
    p->error = cb_err; /* as when the span ends: the callback's error replaces llhttp's */
    return (llhttp_errno_t)cb_err;
}

/* The byte after a version that ended the previous read, judged before llhttp sees it. Returns
 * 0, or an error left in llhttp as a failing on_version_complete leaves it. */
static llhttp_errno_t check_pending_version_end(bk__parser *p, const char *data, size_t len)
{
    if (!p->version_end_pending || !len)
        return HPE_OK;
    p->version_end_pending = 0;
    if (!check_version_end(p, data[0]))
        return HPE_OK;
    p->ll.error = HPE_CB_VERSION_COMPLETE;
    p->ll.error_pos = data;
    llhttp_set_error_reason(&p->ll, "`on_version_complete` callback error");
    return HPE_CB_VERSION_COMPLETE;
}

bk__parse_result bk__parser_execute(bk__parser *p, const char *data, size_t len, size_t *used)
{
    p->parse_start = data;
    p->parse_end = data + len;
    llhttp_errno_t err = check_pending_version_end(p, data, len);
    if (err == HPE_OK)
        err = llhttp_execute(&p->ll, data, len);
    if (err != HPE_OK)
        err = report_open_span(p, err);
    *used = err == HPE_PAUSED ? (size_t)(llhttp_get_error_pos(&p->ll) - data) : len;
    remember_tail(p, data, *used);
    if (err == HPE_OK)
        return BK__PARSE_MORE;
    if (err == HPE_PAUSED)
        return BK__PARSE_MESSAGE;
    if (!p->error_status)
        p->error_status = 400;
    if (!p->error_detail && p->error_status == 400)
        p->error_detail = llhttp_get_error_reason(&p->ll);
    return BK__PARSE_ERROR;
}

void bk__parser_next(bk__parser *p)
{
    p->started = p->head_done = p->body_expected = p->expect_continue = 0;
    /* Bytes refused before the next message has a method must not be answered as the last
     * request was: a refusal after a HEAD carried no body, yet announced one. */
    p->req->method = BK_METHOD_COUNT;
    if (llhttp_get_errno(&p->ll) == HPE_PAUSED)
        llhttp_resume(&p->ll);
}

const char *bk__parser_error_name(const bk__parser *p)
{
    return llhttp_errno_name(llhttp_get_errno(&p->ll));
}
