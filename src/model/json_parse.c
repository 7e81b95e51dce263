/* The request-body JSON parser (json_parse.h): CPython 3.11's json.loads, reimplemented over
 * bytes. Written here rather than taken from a library because what matters is not JSON but
 * Python's reading of it: NaN/Infinity, its error messages and their positions in code points,
 * surrogatepass, the 4300-digit integer limit, dict semantics for duplicate keys. Every branch
 * below follows Modules/_json.c (scanstring_unicode, _parse_object_unicode, _parse_array_unicode,
 * scan_once_unicode, _match_number_unicode) and json/decoder.py; tests/http/
 * test_json_parse_python.py holds it against /usr/bin/python3's own json module.
 *
 * Shape: one loop with an explicit stack of "slots" (key + value) instead of recursion. A value
 * is parsed into the top slot; a container's own slot is its header while it is open (type, and
 * the parent's header index in `len`), its children are the slots above it, and closing copies
 * them into the arena and turns the header into the finished value. */
#include "model/json_parse.h"

#include "brisk.h"
#include "model/json_object.h"
#include "model/json_text.h"

#include <langinfo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    INLINE_SLOTS = 16,     /* the stack's first slots live in bk__json_parse's frame */
    MAX_INT_DIGITS = 4300, /* Python's int("...") limit (sys.int_info.default_max_str_digits) */
    NO_OPEN = -1,          /* no container open: the value is the root */
    MAX_FAST_EXPONENT = 100000, /* exponents are only read exactly for the fast path */
};

typedef struct parser {
    bk__arena *a;
    const unsigned char *text, *end; /* the decoded text */
    bk__jmember *stack;              /* slots: stack[0] is the root's */
    size_t top, cap;
    bk__jmember *inline_stack; /* stack == inline_stack until it grows */
    int nomem;
    /* the first error: where, what, and whether Python raises JSONDecodeError for it */
    const unsigned char *err_at;
    const char *err_msg;
    int err_unreadable;
} parser;

/* ---- errors and the slot stack ------------------------------------------------------------ */

/* Records a JSONDecodeError at `at`; returns NULL so that scanners can `return fail(...)`. */
static const unsigned char *fail(parser *ps, const unsigned char *at, const char *msg)
{
    ps->err_at = at;
    ps->err_msg = msg;
    ps->err_unreadable = 0;
    return NULL;
}

/* Records an error Python raises as something other than JSONDecodeError (the 400 case). */
static const unsigned char *fail_unreadable(parser *ps, const unsigned char *at, const char *msg)
{
    fail(ps, at, msg);
    ps->err_unreadable = 1;
    return NULL;
}

static const unsigned char *out_of_memory(parser *ps)
{
    ps->nomem = 1;
    return NULL;
}

/* The stack doubles on the heap; it counts against the arena's cap, so that a body of a million
 * values is refused by the same limit as the DOM it would become. */
static int grow_stack(parser *ps)
{
    size_t cap = ps->cap * 2;
    if (cap > SIZE_MAX / sizeof(bk__jmember) ||
        (ps->a->cap && cap * sizeof(bk__jmember) > ps->a->cap))
        return -1;
    bk__jmember *s;
    if (ps->stack == ps->inline_stack) {
        s = malloc(cap * sizeof(bk__jmember));
        if (s)
            memcpy(s, ps->stack, ps->top * sizeof(bk__jmember));
    } else {
        s = realloc(ps->stack, cap * sizeof(bk__jmember));
    }
    if (!s)
        return -1;
    ps->stack = s;
    ps->cap = cap;
    return 0;
}

/* A new empty slot on top: the place the next value (or key) is parsed into. */
static inline int push_slot(parser *ps)
{
    if (ps->top == ps->cap && grow_stack(ps) != 0) {
        ps->nomem = 1;
        return -1;
    }
    bk__jmember *m = &ps->stack[ps->top++];
    m->key = NULL;
    m->key_len = 0;
    m->key_surrogate = 0;
    return 0;
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static inline int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* ---- strings -------------------------------------------------------------------------------- */

/* Eight bytes at once (SWAR): nonzero when none is a control byte, '"', '\\' or non-ASCII. A
 * carry may flag a neighbour too, which only sends that word to the byte loop. */
static inline int word_is_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
    uint64_t below_space = (w - ones * 0x20) & ~w;
    uint64_t is_quote = (quote - ones) & ~quote;
    uint64_t is_bslash = (bslash - ones) & ~bslash;
    return ((below_space | is_quote | is_bslash | w) & highs) == 0;
}

static inline const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
    uint64_t w;
    while (end - p >= 8 && (memcpy(&w, p, 8), word_is_plain(w)))
        p += 8;
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    return p;
}

static inline int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The four hex digits at p, or -1. */
static inline long hex4(const unsigned char *p)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hex_value(p[i]);
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static inline int is_high_surrogate(long c)
{
    return c >= 0xD800 && c < 0xDC00;
}

static inline int is_low_surrogate(long c)
{
    return c >= 0xDC00 && c < 0xE000;
}

/* Checks the escape at q (a backslash) as scanstring_unicode reads it; returns the byte after
 * it. A \uXXXX needs at least one character after its digits (Python tests `end >= len` before
 * reading them), and a high surrogate takes a following \uXXXX along only when one more
 * character follows that (`end + 6 < len`). Counting bytes instead of code points changes
 * nothing: where the two differ, both paths end in "Invalid \uXXXX escape" at the same 'u'. */
static const unsigned char *check_escape(parser *ps, const unsigned char *begin,
                                         const unsigned char *q, int *surrogate)
{
    const unsigned char *end = ps->end;
    if (end - q < 2)
        return fail(ps, begin, "Unterminated string starting at");
    unsigned char e = q[1];
    if (e != 'u') {
        if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
            e == 't')
            return q + 2;
        return fail(ps, q, "Invalid \\escape");
    }
    long c = end - q <= 6 ? -1 : hex4(q + 2);
    if (c < 0)
        return fail(ps, q + 1, "Invalid \\uXXXX escape");
    q += 6;
    if (is_high_surrogate(c) && end - q > 6 && q[0] == '\\' && q[1] == 'u') {
        long c2 = hex4(q + 2);
        if (c2 < 0)
            return fail(ps, q + 1, "Invalid \\uXXXX escape");
        if (is_low_surrogate(c2))
            return q + 6;
    }
    if (c >= 0xD800 && c < 0xE000)
        *surrogate = 1;
    return q;
}

/* Decodes the checked string body [p, end) that holds escapes into `out`; returns its length. */
static size_t unescape(unsigned char *out, const unsigned char *p, const unsigned char *end)
{
    unsigned char *o = out;
    while (p < end) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(end - p));
        size_t run = (size_t)((bs ? bs : end) - p);
        memcpy(o, p, run);
        o += run;
        p += run;
        if (!bs)
            break;
        unsigned char e = p[1];
        p += 2;
        switch (e) {
        case 'b':
            *o++ = '\b';
            break;
        case 'f':
            *o++ = '\f';
            break;
        case 'n':
            *o++ = '\n';
            break;
        case 'r':
            *o++ = '\r';
            break;
        case 't':
            *o++ = '\t';
            break;
        case 'u': {
            long c = hex4(p);
            p += 4;
            /* check_escape accepted a following \uXXXX: here it is inside the string. */
            if (is_high_surrogate(c) && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                long c2 = hex4(p + 2);
                if (is_low_surrogate(c2)) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
                    p += 6;
                }
            }
            o = bk__json_put_code_point(o, (uint32_t)c);
            break;
        }
        default: /* '"', '\\', '/' */
            *o++ = e;
        }
    }
    return (size_t)(o - out);
}

/* The string whose opening quote is at `begin`, copied into the arena (NUL-terminated). Checks
 * everything first, in the order Python meets it, then copies: the checked body's length bounds
 * the decoded one. Returns the byte after the closing quote. */
static const unsigned char *parse_string(parser *ps, const unsigned char *begin, const char **s,
                                         uint32_t *len, uint8_t *has_surrogate)
{
    const unsigned char *q = begin + 1, *end = ps->end;
    int escapes = 0, surrogate = 0;
    for (;;) {
        q = skip_plain(q, end);
        if (q == end)
            return fail(ps, begin, "Unterminated string starting at");
        unsigned char c = *q;
        if (c == '"')
            break;
        if (c == '\\') {
            escapes = 1;
            q = check_escape(ps, begin, q, &surrogate);
            if (!q)
                return NULL;
        } else if (c < 0x20) {
            return fail(ps, q, "Invalid control character at");
        } else {
            size_t n = bk__json_utf8_seq(q, (size_t)(end - q), &surrogate);
            if (!n)
                return fail_unreadable(ps, q, "the body is not valid UTF-8");
            q += n;
        }
    }
    size_t span = (size_t)(q - begin - 1);
    unsigned char *out = bk__arena_alloc(ps->a, span + 1);
    if (!out)
        return out_of_memory(ps);
    size_t n = escapes ? unescape(out, begin + 1, q) : (memcpy(out, begin + 1, span), span);
    out[n] = '\0';
    *s = (const char *)out;
    *len = (uint32_t)n;
    *has_surrogate = (uint8_t)surrogate;
    return q + 1;
}

/* ---- numbers -------------------------------------------------------------------------------- */

/* strtod reads the locale's radix character: a program that called setlocale() may have ','.
 * JSON's '.' is then put in its place (in a copy), as jansson does. */
static double c_locale_strtod(parser *ps, const char *text, size_t len)
{
    const char *radix = nl_langinfo(RADIXCHAR);
    if (!radix || !radix[0] || (radix[0] == '.' && !radix[1]))
        return strtod(text, NULL);
    size_t rlen = strlen(radix);
    char *copy = bk__arena_alloc(ps->a, len + rlen + 1);
    if (!copy)
        return strtod(text, NULL); /* wrong only in that locale, and only out of memory */
    char *o = copy;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '.') {
            memcpy(o, radix, rlen);
            o += rlen;
        } else {
            *o++ = text[i];
        }
    }
    *o = '\0';
    return strtod(copy, NULL);
}

static const double exact_powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* A float's value, correctly rounded as Python's float() gives it. Clinger's fast path when the
 * digits fit 2^53 and the power of ten is exact (one rounding: exact); strtod otherwise. */
static double float_value(parser *ps, const unsigned char *digits, const unsigned char *int_end,
                          const unsigned char *frac_end, const unsigned char *exp,
                          const unsigned char *num_end, const char *text, size_t text_len)
{
    uint64_t m = 0;
    int nd = 0;
    long e10 = 0;
    for (const unsigned char *p = digits; p < frac_end; p++) {
        if (p == int_end)
            continue; /* the '.' */
        if (++nd > 19)
            return c_locale_strtod(ps, text, text_len);
        m = m * 10 + (uint64_t)(*p - '0');
        if (p > int_end)
            e10--;
    }
    if (exp) {
        int neg = *exp == '-';
        long x = 0;
        for (const unsigned char *p = exp + (*exp == '-' || *exp == '+'); p < num_end; p++)
            if (x < MAX_FAST_EXPONENT)
                x = x * 10 + (*p - '0');
        e10 += neg ? -x : x;
    }
    if (m > (uint64_t)1 << 53 || e10 < -22 || e10 > 22)
        return c_locale_strtod(ps, text, text_len);
    double d = (double)m;
    d = e10 >= 0 ? d * exact_powers_of_ten[e10] : d / exact_powers_of_ten[-e10];
    return text[0] == '-' ? -d : d;
}

/* An integer's value: int64 when it fits, else `big` (its digits are in text). */
static void int_value(bk__jval *v, const unsigned char *digits, const unsigned char *end, int neg)
{
    uint64_t u = 0;
    size_t n = (size_t)(end - digits);
    v->big = 0;
    if (n > 19) {
        v->big = 1;
        v->i = 0;
        return;
    }
    for (const unsigned char *p = digits; p < end; p++) {
        uint64_t d = (uint64_t)(*p - '0');
        if (u > (UINT64_MAX - d) / 10) {
            v->big = 1;
            v->i = 0;
            return;
        }
        u = u * 10 + d;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (u > limit) {
        v->big = 1;
        v->i = 0;
    } else {
        v->i = neg ? -(int64_t)(u - 1) - 1 : (int64_t)u; /* -2^63 without overflow */
    }
}

/* _match_number_unicode: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, the fraction and the
 * exponent taken only when complete; anything else there is "Expecting value" at the start. */
static const unsigned char *parse_number(parser *ps, const unsigned char *start, bk__jval *v)
{
    const unsigned char *p = start, *end = ps->end;
    int neg = *p == '-';
    if (neg && ++p == end)
        return fail(ps, start, "Expecting value");
    const unsigned char *digits = p;
    if (*p >= '1' && *p <= '9') {
        while (++p < end && is_digit(*p))
            ;
    } else if (*p == '0') {
        p++;
    } else {
        return fail(ps, start, "Expecting value");
    }
    const unsigned char *int_end = p, *exp = NULL;
    int is_float = 0;
    if (end - p > 1 && *p == '.' && is_digit(p[1])) {
        is_float = 1;
        p += 2;
        while (p < end && is_digit(*p))
            p++;
    }
    const unsigned char *frac_end = p;
    if (end - p > 1 && (*p == 'e' || *p == 'E')) {
        const unsigned char *q = p + 1;
        if (end - q > 1 && (*q == '-' || *q == '+'))
            q++;
        while (q < end && is_digit(*q))
            q++;
        if (is_digit(q[-1])) {
            is_float = 1;
            exp = p + 1;
            p = q;
        }
    }
    if (!is_float && int_end - digits > MAX_INT_DIGITS)
        return fail_unreadable(ps, start, "an integer of more than 4300 digits (Python's limit)");
    size_t len = (size_t)(p - start);
    char *text = bk__arena_alloc(ps->a, len + 1);
    if (!text)
        return out_of_memory(ps);
    memcpy(text, start, len);
    text[len] = '\0';
    v->text = text;
    v->text_len = (uint32_t)len;
    v->len = 0;
    v->surrogate = 0;
    if (is_float) {
        v->type = BK__J_FLOAT;
        v->big = 0;
        v->f = float_value(ps, digits, int_end, frac_end, exp, p, text, len);
    } else {
        v->type = BK__J_INT;
        int_value(v, digits, int_end, neg);
    }
    return p;
}

/* ---- literals ------------------------------------------------------------------------------- */

static inline int has_word(const unsigned char *p, const unsigned char *end, const char *w,
                           size_t n)
{
    return (size_t)(end - p) >= n && memcmp(p, w, n) == 0;
}

/* Fills a literal's value; returns the byte after its `n` characters. */
static const unsigned char *constant(bk__jval *v, uint8_t type, double f, const char *text,
                                     const unsigned char *p, size_t n)
{
    v->type = type;
    v->big = v->surrogate = 0;
    v->len = 0;
    v->f = f;
    v->text = text;
    v->text_len = text ? (uint32_t)strlen(text) : 0;
    if (type != BK__J_FLOAT)
        v->i = 0;
    return p + n;
}

/* null/true/false/NaN/Infinity/-Infinity at p, or a number (scan_once_unicode's switch). */
static const unsigned char *parse_scalar(parser *ps, const unsigned char *p, bk__jval *v)
{
    const unsigned char *end = ps->end;
    switch (*p) {
    case 'n':
        if (has_word(p, end, "null", 4))
            return constant(v, BK__J_NULL, 0, NULL, p, 4);
        break;
    case 't':
        if (has_word(p, end, "true", 4))
            return constant(v, BK__J_TRUE, 0, NULL, p, 4);
        break;
    case 'f':
        if (has_word(p, end, "false", 5))
            return constant(v, BK__J_FALSE, 0, NULL, p, 5);
        break;
    case 'N':
        if (has_word(p, end, "NaN", 3))
            return constant(v, BK__J_FLOAT, NAN, "NaN", p, 3);
        break;
    case 'I':
        if (has_word(p, end, "Infinity", 8))
            return constant(v, BK__J_FLOAT, INFINITY, "Infinity", p, 8);
        break;
    case '-':
        if (has_word(p, end, "-Infinity", 9))
            return constant(v, BK__J_FLOAT, -INFINITY, "-Infinity", p, 9);
        return parse_number(ps, p, v);
    default:
        if (is_digit(*p))
            return parse_number(ps, p, v);
    }
    return fail(ps, p, "Expecting value");
}

/* ---- containers ----------------------------------------------------------------------------- */

/* Opens a container in slot `at`: its header remembers the type and the enclosing header. */
static int open_container(parser *ps, size_t at, uint8_t type, long *open, int *depth,
                          int max_depth)
{
    if (++*depth > max_depth)
        return -1;
    bk__jval *h = &ps->stack[at].value;
    h->type = type;
    h->len = (uint32_t)(*open + 1); /* +1: NO_OPEN stored as 0 */
    *open = (long)at;
    return 0;
}

/* Closes the innermost container: its children (the slots above its header) become its items
 * or members, in the arena, and the header becomes the value. Returns 0 or BK_ENOMEM. */
static int close_container(parser *ps, long *open, int *depth)
{
    size_t at = (size_t)*open, first = at + 1, n = ps->top - first;
    bk__jval *v = &ps->stack[at].value;
    long parent = (long)v->len - 1;
    if (v->type == BK__J_OBJECT) {
        if (bk__json_object_build(ps->a, ps->stack + first, n, v) != 0)
            return BK_ENOMEM;
    } else {
        bk__jval *items = NULL;
        if (n) {
            items = bk__arena_alloc(ps->a, n * sizeof(bk__jval));
            if (!items)
                return BK_ENOMEM;
            for (size_t i = 0; i < n; i++)
                items[i] = ps->stack[first + i].value;
        }
        v->big = v->surrogate = 0;
        v->len = (uint32_t)n;
        v->items = items;
        v->text = NULL;
        v->text_len = 0;
    }
    ps->top = first;
    *open = parent;
    --*depth;
    return 0;
}

/* ---- the document --------------------------------------------------------------------------- */

/* decode() + scan_once: one value between optional whitespace, then nothing ("Extra data").
 * Returns the end of the text, or NULL with the error in ps (nomem or err_*). */
static const unsigned char *parse_document(parser *ps, int max_depth)
{
    const unsigned char *p = ps->text, *end = ps->end;
    long open = NO_OPEN;
    int depth = 0;
    if (push_slot(ps) != 0)
        return NULL;
    p = skip_ws(p, end);
value: /* a value into the top slot */
    if (p == end)
        return fail(ps, p, "Expecting value");
    {
        size_t at = ps->top - 1;
        bk__jval *v = &ps->stack[at].value;
        if (*p == '[' || *p == '{') {
            uint8_t type = *p == '[' ? BK__J_ARRAY : BK__J_OBJECT;
            if (open_container(ps, at, type, &open, &depth, max_depth) != 0)
                return fail_unreadable(ps, p, "nested too deeply (Python's RecursionError)");
            p = skip_ws(p + 1, end);
            if (p < end && *p == (type == BK__J_ARRAY ? ']' : '}')) {
                if (close_container(ps, &open, &depth) != 0)
                    return out_of_memory(ps);
                p++;
                goto after_value;
            }
            if (type == BK__J_OBJECT)
                goto member;
            if (push_slot(ps) != 0)
                return NULL;
            goto value;
        }
        if (*p == '"') {
            v->type = BK__J_STRING;
            v->big = 0;
            v->text = NULL;
            v->text_len = 0;
            p = parse_string(ps, p, &v->s, &v->len, &v->surrogate);
        } else {
            p = parse_scalar(ps, p, v);
        }
        if (!p)
            return NULL;
    }
after_value: /* a value ended: what its container (if any) expects next */
    if (open == NO_OPEN)
        goto done;
    p = skip_ws(p, end);
    {
        char close = ps->stack[open].value.type == BK__J_ARRAY ? ']' : '}';
        if (p < end && *p == close) {
            if (close_container(ps, &open, &depth) != 0)
                return out_of_memory(ps);
            p++;
            goto after_value;
        }
        if (p == end || *p != ',')
            return fail(ps, p, "Expecting ',' delimiter");
        p = skip_ws(p + 1, end);
        if (close == '}')
            goto member;
        if (push_slot(ps) != 0)
            return NULL;
        goto value;
    }
member: /* "key": then the value, into one new slot */
    if (p == end || *p != '"')
        return fail(ps, p, "Expecting property name enclosed in double quotes");
    if (push_slot(ps) != 0)
        return NULL;
    {
        bk__jmember *m = &ps->stack[ps->top - 1];
        p = parse_string(ps, p, &m->key, &m->key_len, &m->key_surrogate);
        if (!p)
            return NULL;
    }
    p = skip_ws(p, end);
    if (p == end || *p != ':')
        return fail(ps, p, "Expecting ':' delimiter");
    p = skip_ws(p + 1, end);
    goto value;
done:
    p = skip_ws(p, end);
    if (p != end)
        return fail(ps, p, "Extra data");
    return p;
}

size_t bk__json_codepoints(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Python decodes the whole body before parsing: invalid UTF-8 anywhere beats any syntax error.
 * The parser only checked the strings it read, so a failure checks all the text. */
static void report(const parser *ps, bk__json_error *err)
{
    size_t at = (size_t)(ps->err_at - ps->text);
    err->unreadable = ps->err_unreadable;
    err->msg = ps->err_msg;
    if (!bk__json_utf8_valid(ps->text, (size_t)(ps->end - ps->text))) {
        err->unreadable = 1;
        err->msg = "the body is not valid UTF-8";
    }
    err->pos = err->unreadable ? at : bk__json_codepoints((const char *)ps->text, at);
}

int bk__json_parse(bk__arena *a, const char *data, size_t len, int max_depth, bk__jval **out,
                   bk__json_error *err)
{
    bk__jmember inline_stack[INLINE_SLOTS];
    parser ps = {.a = a, .stack = inline_stack, .cap = INLINE_SLOTS, .inline_stack = inline_stack};
    *out = NULL;
    err->unreadable = 0;
    err->msg = NULL;
    err->pos = 0;
    if (!data)
        len = 0;
    if (len >= UINT32_MAX)
        return BK_ENOMEM; /* lengths in the DOM are 32-bit */
    size_t text_len;
    int rc = bk__json_text(a, data ? data : "", len, &ps.text, &text_len);
    if (rc == 1) {
        err->unreadable = 1;
        err->msg = "the body does not decode in the encoding json.detect_encoding gives it";
        return BK_EINVAL;
    }
    if (rc != 0)
        return rc;
    if (text_len >= UINT32_MAX)
        return BK_ENOMEM; /* UTF-16 grows by half in UTF-8 */
    ps.end = ps.text + text_len;
    rc = parse_document(&ps, max_depth) ? 0 : -1;
    if (rc == 0) {
        bk__jval *root = bk__arena_alloc(a, sizeof(bk__jval));
        if (root) {
            *root = ps.stack[0].value;
            *out = root;
        } else {
            ps.nomem = 1;
        }
    }
    if (ps.stack != inline_stack)
        free(ps.stack);
    if (ps.nomem)
        return BK_ENOMEM;
    if (rc != 0) {
        report(&ps, err);
        return BK_EINVAL;
    }
    return 0;
}
