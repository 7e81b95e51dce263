/* UTF-8, Latin-1 and Cookie header text with Python's and Starlette's semantics (see text.h). */
#include "model/text.h"

#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD"

/* ---- UTF-8 ------------------------------------------------------------------------------- */

/* The range the second byte of a sequence must fall in, by lead byte (Unicode table 3-7); the
 * third and fourth are always 0x80..0xBF. Returns the sequence length, 0 for a byte that cannot
 * start one. */
static int lead_info(unsigned char b, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0)
            *lo = 0xA0;
        else if (b == 0xED)
            *hi = 0x9F; /* no surrogates */
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0)
            *lo = 0x90;
        else if (b == 0xF4)
            *hi = 0x8F; /* nothing beyond U+10FFFF */
        return 4;
    }
    return 0;
}

/* How many bytes from s form a valid prefix of the sequence s[0] starts (its maximal subpart);
 * sets *need to the length the whole sequence needs (0: s[0] starts none). */
static size_t valid_prefix(const unsigned char *s, size_t len, int *need)
{
    unsigned char lo, hi;
    *need = lead_info(s[0], &lo, &hi);
    if (*need == 0)
        return 0;
    size_t i = 1;
    while (i < (size_t)*need && i < len) {
        if (s[i] < lo || s[i] > hi)
            break;
        lo = 0x80;
        hi = 0xBF;
        i++;
    }
    return i;
}

size_t bk__utf8_next(const char *str, size_t len, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 0)
        return 0;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    int need;
    size_t got = valid_prefix(s, len, &need);
    if (need == 0 || got != (size_t)need)
        return 0;
    uint32_t c = s[0] & (0x7F >> need);
    for (int i = 1; i < need; i++)
        c = (c << 6) | (s[i] & 0x3F);
    *cp = c;
    return (size_t)need;
}

size_t bk__utf8_length(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

int bk__utf8_valid(const char *s, size_t len)
{
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t n = bk__utf8_next(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

int bk__utf8_decode_replace(bk_buf *out, const char *s, size_t len)
{
    int rc = bk_buf_reserve(out, len);
    size_t i = 0;
    while (i < len && rc == 0) {
        size_t run = i; /* copy valid stretches whole */
        uint32_t cp;
        size_t n;
        while (run < len && (n = bk__utf8_next(s + run, len - run, &cp)) != 0)
            run += n;
        rc = bk_buf_append(out, s + i, run - i);
        if (run == len || rc)
            break;
        int need;
        size_t bad = valid_prefix((const unsigned char *)s + run, len - run, &need);
        rc = bk_buf_append(out, REPLACEMENT, 3);
        i = run + (bad ? bad : 1);
    }
    return rc;
}

int bk__latin1_to_utf8(bk_buf *out, const char *s, size_t len)
{
    int rc = bk_buf_reserve(out, len * 2 < len ? len : len * 2);
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char b = (unsigned char)s[i];
        if (b < 0x80) {
            rc = bk_buf_append(out, &s[i], 1);
        } else {
            char two[2] = {(char)(0xC0 | (b >> 6)), (char)(0x80 | (b & 0x3F))};
            rc = bk_buf_append(out, two, 2);
        }
    }
    return rc;
}

/* ---- whitespace --------------------------------------------------------------------------- */

int bk__rust_is_whitespace(uint32_t c)
{
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* Start of the code point that ends at s[end - 1] (walks back over continuation bytes). */
static size_t code_point_start(const char *s, size_t end)
{
    size_t i = end - 1;
    while (i > 0 && end - i < 4 && ((unsigned char)s[i] & 0xC0) == 0x80)
        i--;
    return i;
}

bk__span bk__rust_trim(const char *s, size_t len)
{
    size_t b = 0, e = len, n;
    uint32_t cp;
    while (b < e && (n = bk__utf8_next(s + b, e - b, &cp)) != 0 && bk__rust_is_whitespace(cp))
        b += n;
    while (e > b) {
        size_t start = code_point_start(s, e);
        if (start < b || bk__utf8_next(s + start, e - start, &cp) != e - start ||
            !bk__rust_is_whitespace(cp))
            break;
        e = start;
    }
    return (bk__span){s + b, e - b};
}

/* str.isspace() for a Latin-1 code point. */
static int py_latin1_space(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0;
}

static bk__span py_strip(const char *s, size_t len)
{
    size_t b = 0, e = len;
    while (b < e && py_latin1_space((unsigned char)s[b]))
        b++;
    while (e > b && py_latin1_space((unsigned char)s[e - 1]))
        e--;
    return (bk__span){s + b, e - b};
}

/* ---- cookies ------------------------------------------------------------------------------- */

int bk__cookie_next(const char *h, size_t len, size_t *pos, bk__span *key, bk__span *value)
{
    while (*pos <= len) {
        size_t start = *pos;
        const char *semi = memchr(h + start, ';', len - start);
        size_t end = semi ? (size_t)(semi - h) : len;
        /* A header ending in ';' still has an (empty) last chunk: step past the end then. */
        *pos = semi ? end + 1 : len + 1;
        const char *eq = memchr(h + start, '=', end - start);
        if (eq) {
            *key = py_strip(h + start, (size_t)(eq - h) - start);
            *value = py_strip(eq + 1, end - (size_t)(eq + 1 - h));
        } else {
            *key = (bk__span){h + start, 0};
            *value = py_strip(h + start, end - start);
        }
        if (key->len || value->len)
            return 1;
    }
    return 0;
}

static int is_octal(char c, char max)
{
    return c >= '0' && c <= max;
}

int bk__cookie_unquote(bk_buf *out, const char *v, size_t len)
{
    if (len < 2 || v[0] != '"' || v[len - 1] != '"')
        return bk__latin1_to_utf8(out, v, len);
    v++;
    len -= 2;
    int rc = 0;
    size_t i = 0, lit = 0; /* v[lit..i) is pending literal text */
    while (i < len && rc == 0) {
        if (v[i] != '\\' || i + 1 >= len) {
            i++;
            continue;
        }
        /* _OctalPatt (\\[0-3][0-7][0-7]) wins over _QuotePatt (\\.) at the same backslash. */
        int octal = i + 3 < len && is_octal(v[i + 1], '3') && is_octal(v[i + 2], '7') &&
                    is_octal(v[i + 3], '7');
        if (!octal && v[i + 1] == '\n') { /* '.' does not match a newline: stays as it is */
            i++;
            continue;
        }
        rc = bk__latin1_to_utf8(out, v + lit, i - lit);
        char c = octal ? (char)((v[i + 1] - '0') * 64 + (v[i + 2] - '0') * 8 + (v[i + 3] - '0'))
                       : v[i + 1];
        if (rc == 0)
            rc = bk__latin1_to_utf8(out, &c, 1);
        i += octal ? 4 : 2;
        lit = i;
    }
    return rc ? rc : bk__latin1_to_utf8(out, v + lit, len - lit);
}

/* Whether Latin-1 text equals UTF-8 text as strings of code points. */
static int latin1_equals_utf8(const char *l1, size_t l1_len, const char *u8, size_t u8_len)
{
    size_t j = 0;
    for (size_t i = 0; i < l1_len; i++) {
        uint32_t cp;
        size_t n = bk__utf8_next(u8 + j, u8_len - j, &cp);
        if (n == 0 || cp != (unsigned char)l1[i])
            return 0;
        j += n;
    }
    return j == u8_len;
}

int bk__cookie_find(const char *h, size_t len, const char *name, size_t name_len, bk_buf *out)
{
    size_t pos = 0;
    bk__span key, value, found = {NULL, 0};
    int have = 0;
    while (bk__cookie_next(h, len, &pos, &key, &value))
        if (latin1_equals_utf8(key.s, key.len, name, name_len)) {
            found = value;
            have = 1;
        }
    if (!have)
        return 0;
    int rc = bk__cookie_unquote(out, found.s, found.len);
    return rc ? rc : 1;
}
