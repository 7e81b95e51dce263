/* Where parameters are read from, decoded the way Starlette decodes them, so a value reaches
 * validation as the same string FastAPI would see:
 * - query: parse_qsl(keep_blank_values=True) — pairs split on '&', '+' is a space, %XX runs
 *   decoded as UTF-8 with bad bytes replaced by U+FFFD, raw non-ASCII bytes read as Latin-1;
 * - path: the decoded path's segment, bad UTF-8 replaced;
 * - header: every header line of the name, its value read as Latin-1;
 * - cookie: the first Cookie header, split as Starlette's cookie_parser splits it (later
 *   duplicates win). */
#include "http/request.h"
#include "model/text.h"
#include "model/validate.h"

#include <string.h>
#include <strings.h>

/* Appends code point `cp` as UTF-8. */
static char *put_utf8(char *p, unsigned cp)
{
    if (cp < 0x80) {
        *p++ = (char)cp;
    } else if (cp < 0x800) {
        *p++ = (char)(0xC0 | (cp >> 6));
        *p++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *p++ = (char)(0xE0 | (cp >> 12));
        *p++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *p++ = (char)(0x80 | (cp & 0x3F));
    }
    return p;
}

/* Copies bytes decoded as UTF-8 with errors="replace" (model/text.h); ASCII, the common case,
 * is copied as it is. `p` has room for 3 bytes per input byte. */
static char *put_replacing(char *p, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n && s[i] < 0x80)
        i++;
    memcpy(p, s, i);
    if (i == n)
        return p + n;
    bk_buf b = {0};
    if (bk__utf8_decode_replace(&b, (const char *)s + i, n - i) != 0) {
        bk_buf_free(&b);
        return p + i; /* out of memory: the value is cut short */
    }
    memcpy(p + i, b.data, b.len);
    p += i + b.len;
    bk_buf_free(&b);
    return p;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a query key or value into arena memory, NUL-terminated. */
static int decode_query_part(bk__arena *a, const char *s, size_t n, bk__text *out)
{
    /* Worst case: every byte a Latin-1 character of 2 bytes, or a replaced byte of 3. */
    char *buf = bk__arena_alloc(a, n * 3 + 1), *p = buf;
    unsigned char run[256];
    size_t nrun = 0;
    if (!buf)
        return BK_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            if (nrun == sizeof(run)) {
                p = put_replacing(p, run, nrun);
                nrun = 0;
            }
            run[nrun++] = (unsigned char)(hi << 4 | lo);
            i += 2;
            continue;
        }
        if (nrun) {
            p = put_replacing(p, run, nrun);
            nrun = 0;
        }
        unsigned char c = (unsigned char)s[i];
        p = put_utf8(p, c == '+' ? ' ' : c);
    }
    if (nrun)
        p = put_replacing(p, run, nrun);
    *p = '\0';
    *out = (bk__text){buf, (size_t)(p - buf)};
    return 0;
}

static int parse_query(bk__sources *src)
{
    src->have_query = 1;
    const char *q = bk_req_query_string(src->req);
    size_t n = q ? strlen(q) : 0, count = 1;
    for (size_t i = 0; i < n; i++)
        count += q[i] == '&';
    if (!n)
        return 0;
    src->query = bk__arena_alloc(src->arena, count * sizeof(*src->query));
    if (!src->query)
        return BK_ENOMEM;
    const char *p = q, *end = q + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (stop > p) { /* empty pairs are skipped */
            const char *eq = memchr(p, '=', (size_t)(stop - p));
            const char *kend = eq ? eq : stop, *v = eq ? eq + 1 : stop;
            bk__text k, val;
            if (decode_query_part(src->arena, p, (size_t)(kend - p), &k) ||
                decode_query_part(src->arena, v, (size_t)(stop - v), &val))
                return BK_ENOMEM;
            src->query[src->nquery++] = (bk__pair){k.s, val.s, k.n, val.n};
        }
        p = stop + 1;
    }
    return 0;
}

/* A header value read as Latin-1, as UTF-8. */
static int latin1(bk__arena *a, const char *s, size_t n, bk__text *out)
{
    char *buf = bk__arena_alloc(a, n * 2 + 1), *p = buf;
    if (!buf)
        return BK_ENOMEM;
    for (size_t i = 0; i < n; i++)
        p = put_utf8(p, (unsigned char)s[i]);
    *p = '\0';
    *out = (bk__text){buf, (size_t)(p - buf)};
    return 0;
}

/* Copies a bk_buf's bytes into arena memory, NUL-terminated. */
static int keep(bk__arena *a, const bk_buf *b, bk__text *out)
{
    char *s = bk__arena_alloc(a, b->len + 1);
    if (!s)
        return BK_ENOMEM;
    if (b->len)
        memcpy(s, b->data, b->len);
    s[b->len] = '\0';
    *out = (bk__text){s, b->len};
    return 0;
}

static int parse_cookies(bk__sources *src)
{
    src->have_cookies = 1;
    const char *h = bk_req_header(src->req, "cookie");
    if (!h)
        return 0;
    size_t len = strlen(h), count = 1, pos = 0;
    for (size_t i = 0; i < len; i++)
        count += h[i] == ';';
    src->cookies = bk__arena_alloc(src->arena, count * sizeof(*src->cookies));
    if (!src->cookies)
        return BK_ENOMEM;
    bk__span k, v;
    bk_buf kb = {0}, vb = {0};
    int err = 0;
    while (!err && bk__cookie_next(h, len, &pos, &k, &v)) {
        bk__text key, val;
        kb.len = vb.len = 0;
        err = bk__latin1_to_utf8(&kb, k.s, k.len) || bk__cookie_unquote(&vb, v.s, v.len) ||
              keep(src->arena, &kb, &key) || keep(src->arena, &vb, &val);
        if (!err)
            src->cookies[src->ncookies++] = (bk__pair){key.s, val.s, key.n, val.n};
    }
    bk_buf_free(&kb);
    bk_buf_free(&vb);
    return err ? BK_ENOMEM : 0;
}

static size_t from_pairs(const bk__pair *pairs, size_t n, const char *name, size_t len,
                         bk__text *out, size_t max, int last_wins)
{
    size_t found = 0;
    for (size_t i = 0; i < n; i++) {
        if (pairs[i].key_len != len || memcmp(pairs[i].key, name, len) != 0)
            continue;
        if (last_wins) {
            if (max)
                out[0] = (bk__text){pairs[i].value, pairs[i].value_len};
            found = 1;
            continue;
        }
        if (found < max)
            out[found] = (bk__text){pairs[i].value, pairs[i].value_len};
        found++;
    }
    return found;
}

static size_t from_headers(bk__sources *src, const char *name, size_t len, bk__text *out,
                           size_t max)
{
    bk_req *req = src->req;
    size_t found = 0;
    for (uint32_t i = 0; i < req->nheaders; i++) {
        const bk__header *h = &req->headers[i];
        if (h->name_len != len || strncasecmp(req->raw.data + h->name_off, name, len) != 0)
            continue;
        if (found < max &&
            latin1(src->arena, req->raw.data + h->value_off, h->value_len, &out[found]) != 0)
            src->oom = 1;
        found++;
    }
    return found;
}

static size_t from_path(bk__sources *src, const char *name, size_t len, bk__text *out, size_t max)
{
    bk_req *req = src->req;
    for (int i = 0; i < req->nparams; i++) {
        if (strlen(req->params[i].name) != len || memcmp(req->params[i].name, name, len) != 0)
            continue;
        if (max) {
            const char *v = req->raw.data + req->params[i].value_off;
            size_t n = req->params[i].value_len;
            char *buf = bk__arena_alloc(src->arena, n * 3 + 1);
            if (!buf) {
                src->oom = 1;
                return 0;
            }
            char *e = put_replacing(buf, (const unsigned char *)v, n);
            *e = '\0';
            out[0] = (bk__text){buf, (size_t)(e - buf)};
        }
        return 1;
    }
    return 0;
}

size_t bk__sources_values(bk__sources *src, bk_in in, const char *name, size_t len, bk__text *out,
                          size_t max)
{
    switch (in) {
    case BK_IN_PATH:
        return from_path(src, name, len, out, max);
    case BK_IN_HEADER:
        return from_headers(src, name, len, out, max);
    case BK_IN_QUERY:
        if (!src->have_query && parse_query(src))
            src->oom = 1;
        return from_pairs(src->query, src->nquery, name, len, out, max, 0);
    case BK_IN_COOKIE:
        if (!src->have_cookies && parse_cookies(src))
            src->oom = 1;
        return from_pairs(src->cookies, src->ncookies, name, len, out, max, 1);
    default:
        return 0;
    }
}
