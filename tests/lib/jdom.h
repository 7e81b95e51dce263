/* Test helpers for the request-body JSON parser's DOM (src/model/json_parse.h), shared by its
 * unit test, its differential-test driver and its fuzzer:
 * - jdom_render: a canonical one-line rendering that tests/http/test_json_parse_python.py
 *   computes from Python's json.loads result too, so the two can be compared as text;
 * - jdom_serialize: the DOM back to JSON text that parses to an equal DOM;
 * - jdom_equal: structural equality (floats bitwise: -0.0 is not 0.0, NaN equals NaN). */
#ifndef BK_TEST_JDOM_H
#define BK_TEST_JDOM_H

#include "brisk.h"
#include "model/json_parse.h"
#include "util/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The next code point of generalized UTF-8 at *p (advanced), trusting the parser's output. */
static inline uint32_t jdom_next_code_point(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = s[0];
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > 1)
        c &= 0x3F >> (n - 1);
    for (int i = 1; i < n; i++)
        c = c << 6 | (s[i] & 0x3F);
    *p = s + n;
    return c;
}

static inline int jdom_put(bk_buf *b, const char *s, size_t n)
{
    return bk_buf_append(b, s, n);
}

/* `s"..."` (or `S"..."` when the surrogate flag is set): printable ASCII but '"' and '\\' as
 * is, every other code point as \x{HEX}. */
static inline int jdom_render_string(bk_buf *b, const char *s, size_t len, int surrogate)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int rc = jdom_put(b, surrogate ? "S\"" : "s\"", 2);
    while (!rc && p < end) {
        uint32_t c = jdom_next_code_point(&p);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            char ch = (char)c;
            rc = jdom_put(b, &ch, 1);
        } else {
            char tmp[16];
            int n = snprintf(tmp, sizeof tmp, "\\x{%X}", (unsigned)c);
            rc = jdom_put(b, tmp, (size_t)n);
        }
    }
    return rc ? rc : jdom_put(b, "\"", 1);
}

/* n t f, i<int>, d<%.17g>, strings as above, [a,b], {k:v,...}. */
static inline int jdom_render(bk_buf *b, const bk__jval *v)
{
    char tmp[64];
    int n, rc = 0;
    switch (v->type) {
    case BK__J_NULL:
        return jdom_put(b, "n", 1);
    case BK__J_FALSE:
        return jdom_put(b, "f", 1);
    case BK__J_TRUE:
        return jdom_put(b, "t", 1);
    case BK__J_INT:
        if (v->big)
            return jdom_put(b, "i", 1) || jdom_put(b, v->text, v->text_len);
        n = snprintf(tmp, sizeof tmp, "i%lld", (long long)v->i);
        return jdom_put(b, tmp, (size_t)n);
    case BK__J_FLOAT:
        n = snprintf(tmp, sizeof tmp, "d%.17g", v->f);
        return jdom_put(b, tmp, (size_t)n);
    case BK__J_STRING:
        return jdom_render_string(b, v->s, v->len, v->surrogate);
    case BK__J_ARRAY:
        rc = jdom_put(b, "[", 1);
        for (uint32_t i = 0; !rc && i < v->len; i++)
            rc = (i && jdom_put(b, ",", 1)) || jdom_render(b, &v->items[i]);
        return rc ? rc : jdom_put(b, "]", 1);
    default:
        rc = jdom_put(b, "{", 1);
        for (uint32_t i = 0; !rc && i < v->len; i++) {
            const bk__jmember *m = &v->members[i];
            rc = (i && jdom_put(b, ",", 1)) ||
                 jdom_render_string(b, m->key, m->key_len, m->key_surrogate) ||
                 jdom_put(b, ":", 1) || jdom_render(b, &m->value);
        }
        return rc ? rc : jdom_put(b, "}", 1);
    }
}

/* A JSON string for generalized UTF-8: every code point escaped (a supplementary one as its
 * escaped pair), except lone surrogates, which stay raw bytes: escaped, a high one followed by a
 * low one would parse back as one pair, raw they pass through as they came (surrogatepass). */
static inline int jdom_serialize_string(bk_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    int rc = jdom_put(b, "\"", 1);
    while (!rc && p < end) {
        uint32_t c = jdom_next_code_point(&p);
        char tmp[16];
        int n;
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            tmp[0] = (char)c;
            n = 1;
        } else if (c >= 0xD800 && c < 0xE000) {
            memcpy(tmp, p - 3, 3);
            n = 3;
        } else if (c >= 0x10000) {
            c -= 0x10000;
            n = snprintf(tmp, sizeof tmp, "\\u%04X\\u%04X", 0xD800 + (c >> 10),
                         0xDC00 + (c & 0x3FF));
        } else {
            n = snprintf(tmp, sizeof tmp, "\\u%04X", (unsigned)c);
        }
        rc = jdom_put(b, tmp, (size_t)n);
    }
    return rc ? rc : jdom_put(b, "\"", 1);
}

/* JSON text that parses back to an equal DOM: numbers as written (their text), containers
 * compact. */
static inline int jdom_serialize(bk_buf *b, const bk__jval *v)
{
    int rc = 0;
    switch (v->type) {
    case BK__J_NULL:
        return jdom_put(b, "null", 4);
    case BK__J_FALSE:
        return jdom_put(b, "false", 5);
    case BK__J_TRUE:
        return jdom_put(b, "true", 4);
    case BK__J_INT:
    case BK__J_FLOAT:
        return jdom_put(b, v->text, v->text_len);
    case BK__J_STRING:
        return jdom_serialize_string(b, v->s, v->len);
    case BK__J_ARRAY:
        rc = jdom_put(b, "[", 1);
        for (uint32_t i = 0; !rc && i < v->len; i++)
            rc = (i && jdom_put(b, ",", 1)) || jdom_serialize(b, &v->items[i]);
        return rc ? rc : jdom_put(b, "]", 1);
    default:
        rc = jdom_put(b, "{", 1);
        for (uint32_t i = 0; !rc && i < v->len; i++) {
            const bk__jmember *m = &v->members[i];
            rc = (i && jdom_put(b, ",", 1)) || jdom_serialize_string(b, m->key, m->key_len) ||
                 jdom_put(b, ":", 1) || jdom_serialize(b, &m->value);
        }
        return rc ? rc : jdom_put(b, "}", 1);
    }
}

static inline int jdom_equal(const bk__jval *x, const bk__jval *y)
{
    if (x->type != y->type || x->len != y->len)
        return 0;
    switch (x->type) {
    case BK__J_INT:
        if (x->big != y->big)
            return 0;
        return x->big ? x->text_len == y->text_len && !memcmp(x->text, y->text, x->text_len)
                      : x->i == y->i;
    case BK__J_FLOAT:
        return memcmp(&x->f, &y->f, sizeof x->f) == 0;
    case BK__J_STRING:
        return x->surrogate == y->surrogate && !memcmp(x->s, y->s, x->len);
    case BK__J_ARRAY:
        for (uint32_t i = 0; i < x->len; i++)
            if (!jdom_equal(&x->items[i], &y->items[i]))
                return 0;
        return 1;
    case BK__J_OBJECT:
        for (uint32_t i = 0; i < x->len; i++) {
            const bk__jmember *a = &x->members[i], *b = &y->members[i];
            if (a->key_len != b->key_len || a->key_surrogate != b->key_surrogate ||
                memcmp(a->key, b->key, a->key_len) || !jdom_equal(&a->value, &b->value))
                return 0;
        }
        return 1;
    default:
        return 1;
    }
}

/* Nonzero when bk__json_get finds every member of every object in `v` (the index agrees with
 * the members). */
static inline int jdom_lookups_agree(const bk__jval *v)
{
    if (v->type == BK__J_ARRAY) {
        for (uint32_t i = 0; i < v->len; i++)
            if (!jdom_lookups_agree(&v->items[i]))
                return 0;
    } else if (v->type == BK__J_OBJECT) {
        for (uint32_t i = 0; i < v->len; i++) {
            const bk__jmember *m = &v->members[i];
            if (bk__json_get(v, m->key, m->key_len) != &m->value || !jdom_lookups_agree(&m->value))
                return 0;
        }
    }
    return 1;
}

/* Parses `len` bytes (with a fresh arena) and writes into `line` (emptied first) what
 * json_parse_driver prints for them: jdom_render's line, "ERR 422 <pos> <msg>" or "ERR 400",
 * plus " LOOKUP-MISMATCH" when bk__json_get misses a member. Returns 0, or the parser's or
 * bk_buf's error (BK_ENOMEM). */
static inline int jdom_answer(bk_buf *line, const char *body, size_t len, int max_depth)
{
    char first[2048];
    bk__arena a;
    bk__arena_init(&a, first, sizeof first, 0);
    bk__jval *root;
    bk__json_error err;
    int rc = bk__json_parse(&a, body, len, max_depth, &root, &err);
    line->len = 0;
    if (rc == 0) {
        rc = jdom_render(line, root) ? BK_ENOMEM : 0;
        if (rc == 0 && !jdom_lookups_agree(root))
            rc = bk_buf_append_str(line, " LOOKUP-MISMATCH");
    } else if (rc == BK_EINVAL && err.unreadable) {
        rc = bk_buf_append_str(line, "ERR 400");
    } else if (rc == BK_EINVAL) {
        char head[64];
        snprintf(head, sizeof head, "ERR 422 %zu ", err.pos);
        rc = bk_buf_append_str(line, head) || bk_buf_append_str(line, err.msg) ? BK_ENOMEM : 0;
    }
    bk__arena_free(&a);
    return rc;
}

#endif
