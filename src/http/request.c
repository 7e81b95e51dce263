/* Request accessors, URL decoding and the request's own resources (allocations, deferred calls). */
#include "http/request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct bk__defer_node {
    bk__defer_node *next;
    void (*fn)(void *arg);
    void *arg;
};

struct bk__alloc_node {
    bk__alloc_node *next;
    max_align_t data[];
};

/* Past this, a finished request's buffer is freed rather than kept for the next request: a large
 * upload or response should not pin its memory to an idle keep-alive connection. */
#define KEEP_BUFFER_MAX (64 * 1024)

void bk__req_reset(bk_req *req)
{
    req->raw.len = 0;
    req->body.len = 0;
    bk__response_clear(req);
    req->nheaders = 0;
    req->url_off = req->url_len = 0;
    req->path_off = req->path_len = 0;
    req->query_off = req->query_len = 0;
    req->header_bytes = 0;
    req->target = NULL;
    req->nparams = 0;
    req->method = BK_METHOD_COUNT;
    req->method_name = NULL;
    req->scheme = "http";
    req->peer_fwd = NULL;
    req->root_path = "";
    req->mw_depth = req->mw_reached = 0;
    req->task.cancelled = 0;
}

void bk__req_end(bk_req *req)
{
    while (req->defers) {
        bk__defer_node *d = req->defers;
        req->defers = d->next;
        d->fn(d->arg);
        free(d);
    }
    while (req->allocs) {
        bk__alloc_node *a = req->allocs;
        req->allocs = a->next;
        free(a);
    }
    if (req->body.cap > KEEP_BUFFER_MAX)
        bk_buf_free(&req->body);
    if (req->res_body.cap > KEEP_BUFFER_MAX)
        bk_buf_free(&req->res_body);
}

void bk__req_free(bk_req *req)
{
    bk__req_end(req);
    bk_buf_free(&req->raw);
    bk_buf_free(&req->body);
    bk_buf_free(&req->res_raw);
    bk_buf_free(&req->res_body);
    free(req->headers);
    req->headers = NULL;
    req->headers_cap = 0;
    free(req->res_headers);
    req->res_headers = NULL;
    req->res_cap = 0;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes src into dst (which may be src itself); malformed escapes are kept as they
 * are, as Starlette does. Returns the decoded length. */
static size_t percent_decode(char *dst, const char *src, size_t len, int plus_is_space)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int hi, lo;
        if (src[i] == '%' && i + 2 < len && (hi = hex_value(src[i + 1])) >= 0 &&
            (lo = hex_value(src[i + 2])) >= 0) {
            dst[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else if (src[i] == '+' && plus_is_space) {
            dst[o++] = ' ';
        } else {
            dst[o++] = src[i];
        }
    }
    return o;
}

int bk__req_split_url(bk_req *req, const char **detail)
{
    const char *url = req->raw.data + req->url_off;
    size_t len = req->url_len;
    if (len == 0 || url[0] != '/') {
        /* absolute-form (a proxy request) and asterisk-form are not for an origin server */
        if (!(len == 1 && url[0] == '*')) {
            *detail = "Request target must be a path (origin-form)";
            return BK_EINVAL;
        }
    }
    if (memchr(url, '#', len)) {
        *detail = "Request target must not contain a fragment";
        return BK_EINVAL;
    }
    if (url[0] == '*' && req->method != BK_OPTIONS) {
        *detail = "Asterisk-form is only for OPTIONS";
        return BK_EINVAL;
    }
    const char *q = memchr(url, '?', len);
    size_t path_len = q ? (size_t)(q - url) : len;
    if (q) {
        req->query_off = (uint32_t)(q + 1 - req->raw.data);
        req->query_len = (uint32_t)(len - path_len - 1);
    } else {
        req->query_off = (uint32_t)(req->url_off + len); /* the URL's NUL: an empty string */
        req->query_len = 0;
    }
    size_t path_off = req->raw.len;
    if (bk_buf_reserve(&req->raw, path_len + 1 + req->query_len + 1))
        return BK_ENOMEM;
    url = req->raw.data + req->url_off; /* reserve may have moved the buffer */
    char *dst = req->raw.data + path_off;
    size_t n = percent_decode(dst, url, path_len, 0);
    if (memchr(dst, '\0', n)) { /* %00 would cut the path short in C strings: refuse, like nginx */
        *detail = "Path contains an encoded NUL byte";
        return BK_EINVAL;
    }
    dst[n] = '\0';
    req->path_off = (uint32_t)path_off;
    req->path_len = (uint32_t)n;
    req->raw.len = path_off + n + 1;
    if (req->query_len) {
        size_t qoff = req->raw.len;
        memcpy(req->raw.data + qoff, req->raw.data + req->query_off, req->query_len);
        req->raw.data[qoff + req->query_len] = '\0';
        req->query_off = (uint32_t)qoff;
        req->raw.len = qoff + req->query_len + 1;
    }
    return 0;
}

bk_method bk_req_method(const bk_req *req)
{
    return (bk_method)req->method;
}

const char *bk_req_method_name(const bk_req *req)
{
    if (req->method < BK_METHOD_COUNT)
        return bk__method_name((bk_method)req->method);
    return req->method_name ? req->method_name : "?";
}

const char *bk_req_path(const bk_req *req)
{
    return req->raw.data + req->path_off;
}

const char *bk_req_query_string(const bk_req *req)
{
    return req->raw.data + req->query_off;
}

const char *bk_req_body(const bk_req *req, size_t *len)
{
    if (len)
        *len = req->body.len;
    return req->body.len ? req->body.data : NULL;
}

const char *bk_req_header(const bk_req *req, const char *name)
{
    for (uint32_t i = 0; i < req->nheaders; i++)
        if (bk__header_is(req->raw.data, &req->headers[i], name))
            return req->raw.data + req->headers[i].value_off;
    return NULL;
}

const char *bk_req_param(const bk_req *req, const char *name)
{
    for (int i = 0; i < req->nparams; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->raw.data + req->params[i].value_off;
    return NULL;
}

/* Does the raw query key [k, k + klen) decode (%XX, '+' as space) to exactly `name`? Compared as
 * it decodes, so a key of any length can match. */
static int query_key_is(const char *k, size_t klen, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < klen; i++, n++) {
        char ch = k[i];
        int hi, lo;
        if (ch == '%' && i + 2 < klen && (hi = hex_value(k[i + 1])) >= 0 &&
            (lo = hex_value(k[i + 2])) >= 0) {
            ch = (char)(hi << 4 | lo);
            i += 2;
        } else if (ch == '+') {
            ch = ' ';
        }
        if (name[n] == '\0' || name[n] != ch)
            return 0;
    }
    return name[n] == '\0';
}

/* Finds `name` among the '&'-separated pairs of the query; returns the raw value or NULL. */
static const char *query_find(const char *q, size_t qlen, const char *name, size_t *vlen)
{
    const char *end = q + qlen;
    while (q < end) {
        const char *amp = memchr(q, '&', (size_t)(end - q));
        const char *pair_end = amp ? amp : end;
        const char *eq = memchr(q, '=', (size_t)(pair_end - q));
        const char *key_end = eq ? eq : pair_end;
        if (query_key_is(q, (size_t)(key_end - q), name)) {
            const char *v = eq ? eq + 1 : pair_end;
            *vlen = (size_t)(pair_end - v);
            return v;
        }
        q = pair_end + 1;
    }
    return NULL;
}

const char *bk_req_query(bk_req *req, const char *name)
{
    size_t vlen;
    const char *v = query_find(bk_req_query_string(req), req->query_len, name, &vlen);
    if (!v)
        return NULL;
    char *out = bk_req_alloc(req, vlen + 1);
    if (!out)
        return NULL;
    size_t n = percent_decode(out, v, vlen, 1);
    out[n] = '\0';
    return out;
}

const char *bk_req_peer(const bk_req *req)
{
    if (req->peer_fwd)
        return req->peer_fwd;
    return req->io ? req->io->peer(req) : "?";
}

const char *bk_req_scheme(const bk_req *req)
{
    return req->scheme ? req->scheme : "http";
}

const char *bk_req_root_path(const bk_req *req)
{
    return req->root_path ? req->root_path : "";
}

void *bk_req_udata(const bk_req *req)
{
    return req->target ? req->target->udata : NULL;
}

void *bk_req_alloc(bk_req *req, size_t size)
{
    if (size > SIZE_MAX - sizeof(bk__alloc_node))
        return NULL;
    bk__alloc_node *a = malloc(sizeof(*a) + size);
    if (!a)
        return NULL;
    a->next = req->allocs;
    req->allocs = a;
    return a->data;
}

int bk_defer(bk_req *req, void (*fn)(void *arg), void *arg)
{
    bk__defer_node *d = malloc(sizeof(*d));
    if (!d) {
        fn(arg);
        return BK_ENOMEM;
    }
    d->fn = fn;
    d->arg = arg;
    d->next = req->defers;
    req->defers = d;
    return 0;
}

int bk_req_cancelled(const bk_req *req)
{
    return bk_task_cancelled(&req->task);
}

bk_task *bk_req_task(bk_req *req)
{
    return &req->task;
}

int bk_sleep(bk_req *req, uint64_t ms)
{
    return bk_task_sleep(&req->task, ms);
}
