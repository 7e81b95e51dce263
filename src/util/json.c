/* Streaming JSON writer: compact output, as Python's json.dumps(obj, separators=(",", ":"),
 * ensure_ascii=False) writes it, plus \u007f, \u2028 and \u2029 escaped so the output can be
 * embedded in HTML <script> and JavaScript source too. */
#include "brisk.h"
#include "util/json.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- string escaping ------------------------------------------------------------------- */

/* Bytes copied verbatim: printable ASCII except '"' and '\\'. A table beats four compares in the
 * byte loop that finishes each run. */
static const unsigned char plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x00 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x10 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x30 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x40 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x60 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, /* 0x70: DEL */
};

/* Eight bytes at once (SWAR): nonzero when none of them is a control byte, '"', '\\', DEL or
 * non-ASCII. Each term flags a byte's high bit; carries may flag a neighbour too, which only sends
 * that word to the exact byte loop. */
static int word_is_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t quote = w ^ (ones * '"'), bslash = w ^ (ones * '\\');
    uint64_t below_space = (w - ones * 0x20) & ~w;
    uint64_t is_quote = (quote - ones) & ~quote;
    uint64_t is_bslash = (bslash - ones) & ~bslash;
    uint64_t del_or_high = (w + ones) | w;
    return ((below_space | is_quote | is_bslash | del_or_high) & highs) == 0;
}

static const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
    uint64_t w;
    while (end - p >= 8 && (memcpy(&w, p, 8), word_is_plain(w)))
        p += 8;
    if (p < end && end - p < 8) {
        /* Short strings and tails: padded with spaces, they are one word to test too. */
        w = 0x2020202020202020u;
        memcpy(&w, p, (size_t)(end - p));
        if (word_is_plain(w))
            return end;
    }
    while (p < end && plain_ascii[*p])
        p++;
    return p;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7, which excludes overlongs,
 * surrogates and code points above U+10FFFF), or 0 when it is ill-formed. Then *bad is the
 * length of its maximal subpart: replacing that with one U+FFFD is Unicode's recommended
 * practice and what Python's errors="replace" does. */
static size_t utf8_sequence(const unsigned char *p, size_t avail, size_t *bad)
{
    unsigned char c = p[0], lo = 0x80, hi = 0xBF;
    size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    *bad = 1;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    /* Only the second byte's range depends on the lead byte. */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (avail < 2 || p[1] < lo || p[1] > hi)
        return 0;
    size_t i = 2;
    while (i < need && i < avail && (p[i] & 0xC0) == 0x80)
        i++;
    if (i == need)
        return need;
    *bad = i;
    return 0;
}

static char short_escape(unsigned char c)
{
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '\b':
        return 'b';
    case '\f':
        return 'f';
    case '\n':
        return 'n';
    case '\r':
        return 'r';
    case '\t':
        return 't';
    default:
        return 0;
    }
}

/* How the character at which skip_plain() stopped is written. */
typedef struct special {
    size_t in_len;  /* input bytes it covers */
    size_t out_len; /* 0: copy the input unchanged (well-formed UTF-8) */
    char out[6];
} special;

static void ascii_escape(special *sp, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char e = short_escape(c);
    sp->out[0] = '\\';
    if (e) {
        sp->out[1] = e;
        sp->out_len = 2;
        return;
    }
    memcpy(sp->out + 1, "u00", 3);
    sp->out[4] = hex[c >> 4];
    sp->out[5] = hex[c & 15];
    sp->out_len = 6;
}

/* U+2028/U+2029 end a line in JavaScript source, which breaks JSON embedded in a script. */
static int is_js_line_break(const unsigned char *p, size_t n)
{
    return n == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9);
}

static special classify(const unsigned char *p, const unsigned char *end)
{
    special sp = {1, 0, {0}};
    if (*p < 0x80) {
        ascii_escape(&sp, *p);
        return sp;
    }
    size_t bad = 0, n = utf8_sequence(p, (size_t)(end - p), &bad);
    if (!n) {
        sp.in_len = bad;
        sp.out_len = 3;
        memcpy(sp.out, "\xEF\xBF\xBD", 3);
    } else if (is_js_line_break(p, n)) {
        sp.in_len = n;
        sp.out_len = 6;
        memcpy(sp.out, p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
    } else {
        sp.in_len = n;
    }
    return sp;
}

/* The writer appends a few bytes at a time: checking for room inline, and calling out only to
 * grow, keeps those appends cheap. Unlike bk_buf_append, `data` must not point into `b`. */
static inline int ensure(bk_buf *b, size_t len)
{
    return len <= b->cap - b->len ? BK_OK : bk_buf_reserve(b, len);
}

static inline int append_byte(bk_buf *b, char c)
{
    if (ensure(b, 1))
        return BK_ENOMEM;
    b->data[b->len++] = c;
    return BK_OK;
}

static inline int append(bk_buf *b, const void *data, size_t len)
{
    if (ensure(b, len))
        return BK_ENOMEM;
    if (len) {
        memcpy(b->data + b->len, data, len);
        b->len += len;
    }
    return BK_OK;
}

/* Copies runs of bytes that need no change (plain ASCII and well-formed UTF-8) with one append
 * each; only escapes and replacements break a run. */
static int append_escaped(bk_buf *out, const unsigned char *p, size_t len)
{
    const unsigned char *end = p + len, *run = p;
    if (len > PTRDIFF_MAX - 2 || ensure(out, len + 2))
        return BK_ENOMEM;
    out->data[out->len++] = '"';
    while ((p = skip_plain(p, end)) < end) {
        special sp = classify(p, end);
        if (sp.out_len) {
            if (append(out, run, (size_t)(p - run)) || append(out, sp.out, sp.out_len))
                return BK_ENOMEM;
            run = p + sp.in_len;
        }
        p += sp.in_len;
    }
    return append(out, run, (size_t)(end - run)) || append_byte(out, '"') ? BK_ENOMEM : BK_OK;
}

static int overlaps(const bk_buf *b, const char *s, size_t len)
{
    uintptr_t lo = (uintptr_t)b->data, hi = lo + b->cap, p = (uintptr_t)s;
    return b->data && len && p < hi && p + len > lo;
}

/* Escaping part of a buffer into itself: the growth could move the input, so escape a copy. */
static int append_escaped_copy(bk_buf *out, const char *s, size_t len)
{
    char *copy = malloc(len);
    if (!copy)
        return BK_ENOMEM;
    memcpy(copy, s, len);
    int rc = append_escaped(out, (const unsigned char *)copy, len);
    free(copy);
    return rc;
}

int bk_json_escape(bk_buf *out, const char *s, size_t len)
{
    if (!out || (!s && len))
        return BK_EINVAL;
    if (!s)
        s = ""; /* even a zero offset from NULL is undefined */
    size_t mark = out->len;
    int rc = overlaps(out, s, len) ? append_escaped_copy(out, s, len)
                                   : append_escaped(out, (const unsigned char *)s, len);
    if (rc)
        out->len = mark; /* callers get their buffer back as it was, not a half string */
    return rc;
}

/* ---- numbers --------------------------------------------------------------------------- */

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* Writes the decimal digits of u so that they end just before `end`; returns their start.
 * Two digits per division halves the slow 64-bit divisions. */
static char *digits_before(char *end, uint64_t u)
{
    while (u >= 100) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * (u % 100), 2);
        u /= 100;
    }
    if (u >= 10) {
        end -= 2;
        memcpy(end, digit_pairs + 2 * u, 2);
    } else {
        *--end = (char)('0' + u);
    }
    return end;
}

/* The magnitude is taken in unsigned arithmetic because -INT64_MIN does not fit an int64_t. */
static char *int_before(char *end, int64_t v)
{
    uint64_t magnitude = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    char *p = digits_before(end, magnitude);
    if (v < 0)
        *--p = '-';
    return p;
}

/* "%.17g" prints 1e16 <= |v| < 1e17 as 17 bare digits, which a Python client would decode as an
 * int: write it as Python does, 1.2345678901234567e+16. */
static size_t bare_digits_to_exponent(char *s, size_t n, size_t size)
{
    size_t first = s[0] == '-';
    int exponent = (int)(n - first) - 1;
    while (n > first + 1 && s[n - 1] == '0')
        n--;
    size_t fraction = n - first - 1;
    if (fraction) {
        memmove(s + first + 2, s + first + 1, fraction);
        s[first + 1] = '.';
        n++;
    }
    int written = snprintf(s + n, size - n, "e+%d", exponent);
    return written > 0 && (size_t)written < size - n ? n + (size_t)written : 0;
}

/* printf and strtod follow LC_NUMERIC, so a program that set a locale may get "0,5" or a
 * multibyte separator: every run of bytes that cannot be part of a %g number becomes one '.'. */
static size_t to_json_number(char *s, size_t len, size_t size)
{
    size_t n = 0;
    int bare_digits = 1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
            s[n++] = c;
            continue;
        }
        bare_digits = 0;
        if (c == 'e')
            s[n++] = c;
        else if (n == 0 || s[n - 1] != '.')
            s[n++] = '.';
    }
    return bare_digits ? bare_digits_to_exponent(s, n, size) : n;
}

/* The shortest of %.15g, %.16g and %.17g that reads back as v: 17 digits always do, fewer usually
 * do and read better (0.1 rather than 0.10000000000000001). Any double with a 15-digit form gets
 * it from %.15g, except subnormals, whose lower precision allows fewer digits (5e-324): they,
 * rare as they are, try every precision. */
static size_t format_with_printf(char *buf, size_t size, double v)
{
    int n = 0;
    for (int precision = fabs(v) < DBL_MIN ? 1 : 15; precision <= 17; precision++) {
        n = snprintf(buf, size, "%.*g", precision, v);
        if (n > 0 && (size_t)n < size && strtod(buf, NULL) == v)
            break;
    }
    return n > 0 && (size_t)n < size ? to_json_number(buf, (size_t)n, size) : 0;
}

/* Integral values below 1e16 are written as digits plus ".0", which is what Python writes too
 * (2.0, -0.0). */
static size_t format_integral(char *buf, size_t size, double v)
{
    char *end = buf + size;
    memcpy(end - 2, ".0", 2);
    char *p = int_before(end - 2, (int64_t)v);
    if (v == 0 && signbit(v))
        *--p = '-';
    size_t n = (size_t)(end - p);
    memmove(buf, p, n);
    return n;
}

/* m / 10^k as text with exactly k decimals ("0.05" for m = 5, k = 2). */
static size_t format_fixed(char *buf, uint64_t m, int k, int negative)
{
    char digits[24];
    char *end = digits + sizeof digits, *p = digits_before(end, m);
    while (end - p <= k)
        *--p = '0'; /* one digit before the point at least */
    size_t whole = (size_t)(end - p) - (size_t)k, n = 0;
    if (negative)
        buf[n++] = '-';
    memcpy(buf + n, p, whole);
    n += whole;
    buf[n++] = '.';
    memcpy(buf + n, p + whole, (size_t)k);
    return n + (size_t)k;
}

/* Decimals with few digits (prices, coordinates: 12.5, 51.507351) without printf. When
 * m / 10^k == |v| for an integer m < 2^53, m with k decimals reads back as v: strtod and that
 * division round the same real number to nearest. The smallest such k gives the shortest text,
 * which is what Python writes too for 1e-4 <= |v| < 1e16. Returns 0 when no k up to 15 fits. */
static size_t format_short_decimal(char *buf, double v)
{
    static const double pow10[] = {1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7, 1e8,
                                   1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    double a = fabs(v);
    if (FLT_EVAL_METHOD != 0 || a < 1e-4)
        return 0; /* extra precision would break the exactness argument; tiny values use e-XX */
    for (int k = 0; k < (int)(sizeof pow10 / sizeof pow10[0]); k++) {
        double scaled = a * pow10[k];
        if (scaled >= 9007199254740992.0) /* 2^53 */
            break;
        uint64_t whole = (uint64_t)scaled; /* round to nearest; the subtraction is exact */
        uint64_t m = whole + (scaled - (double)whole >= 0.5);
        if ((double)m / pow10[k] == a)
            return format_fixed(buf, m, k + 1, signbit(v) != 0);
    }
    return 0;
}

/* Three tiers, cheapest first. `buf` holds at least 32 bytes. Rounding is done with casts
 * rather than trunc()/nearbyint() so that libbrisk needs no libm. */
static size_t format_double(char *buf, size_t size, double v)
{
    if (fabs(v) < 1e16 && v == (double)(int64_t)v)
        return format_integral(buf, size, v);
    size_t n = format_short_decimal(buf, v);
    return n ? n : format_with_printf(buf, size, v);
}

/* ---- writer ---------------------------------------------------------------------------- */

/* has_items[] holds two flags per level: whether the level already holds a value (a comma is
 * due) and whether it is an object (keys are required there and refused elsewhere). Level 0 is
 * the document itself, which takes exactly one value. */
enum { LEVEL_HAS_ITEMS = 1, LEVEL_IS_OBJECT = 2 };
enum { MAX_DEPTH = 63 };
_Static_assert(sizeof((bk_json){0}.has_items) == MAX_DEPTH + 1, "one has_items[] per level");

static int fail(bk_json *j, int err)
{
    if (!j->error)
        j->error = err;
    return -1;
}

static int put(bk_json *j, const void *data, size_t len)
{
    return append(j->out, data, len) ? fail(j, BK_ENOMEM) : 0;
}

static int put_byte(bk_json *j, char c)
{
    return append_byte(j->out, c) ? fail(j, BK_ENOMEM) : 0;
}

/* Checks that a value may come here, writes the comma that must precede it and records it.
 * Returns 0 when the caller may write the value. */
static int value_slot(bk_json *j)
{
    if (!j || j->error)
        return -1;
    uint8_t *level = &j->has_items[j->depth];
    if (*level & LEVEL_IS_OBJECT) {
        if (!j->after_key)
            return fail(j, BK_EINVAL);
        j->after_key = 0;
        return 0;
    }
    if (*level & LEVEL_HAS_ITEMS) {
        if (j->depth == 0)
            return fail(j, BK_EINVAL); /* a second top-level value would not be JSON */
        if (put_byte(j, ','))
            return -1;
    }
    *level |= LEVEL_HAS_ITEMS;
    return 0;
}

static void write_value(bk_json *j, const void *data, size_t len)
{
    if (value_slot(j) == 0)
        put(j, data, len);
}

static int write_string(bk_json *j, const char *s, size_t len)
{
    return bk_json_escape(j->out, s, len) ? fail(j, BK_ENOMEM) : 0;
}

void bk_json_init(bk_json *j, bk_buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
    if (!out)
        j->error = BK_EINVAL;
}

static void container_begin(bk_json *j, char open, uint8_t kind)
{
    if (!j || j->error)
        return;
    if (j->depth >= MAX_DEPTH) {
        fail(j, BK_ERANGE);
        return;
    }
    if (value_slot(j) || put_byte(j, open))
        return;
    j->has_items[++j->depth] = kind;
}

static void container_end(bk_json *j, char close, uint8_t kind)
{
    if (!j || j->error)
        return;
    int mismatched = j->depth == 0 || (j->has_items[j->depth] & LEVEL_IS_OBJECT) != kind;
    if (mismatched || j->after_key) {
        fail(j, BK_EINVAL);
        return;
    }
    if (put_byte(j, close) == 0)
        j->depth--;
}

void bk_json_object_begin(bk_json *j)
{
    container_begin(j, '{', LEVEL_IS_OBJECT);
}

void bk_json_object_end(bk_json *j)
{
    container_end(j, '}', LEVEL_IS_OBJECT);
}

void bk_json_array_begin(bk_json *j)
{
    container_begin(j, '[', 0);
}

void bk_json_array_end(bk_json *j)
{
    container_end(j, ']', 0);
}

/* Checks that a key may come here and writes the comma that must precede it. Returns 0 when
 * the caller may write the key. */
static int key_slot(bk_json *j, const char *key)
{
    if (!j || j->error)
        return -1;
    uint8_t *level = &j->has_items[j->depth];
    if (!key || !(*level & LEVEL_IS_OBJECT) || j->after_key)
        return fail(j, BK_EINVAL);
    if ((*level & LEVEL_HAS_ITEMS) && put_byte(j, ','))
        return -1;
    *level |= LEVEL_HAS_ITEMS;
    return 0;
}

void bk_json_key(bk_json *j, const char *key)
{
    if (key_slot(j, key) == 0 && write_string(j, key, strlen(key)) == 0 && put_byte(j, ':') == 0)
        j->after_key = 1;
}

/* A NULL string is written as null, the way Python writes None. */
void bk_json_string(bk_json *j, const char *s)
{
    if (!s)
        bk_json_null(j);
    else
        bk_json_string_len(j, s, strlen(s));
}

void bk_json_string_len(bk_json *j, const char *s, size_t len)
{
    if (j && !j->error && !s && len) {
        fail(j, BK_EINVAL);
        return;
    }
    if (value_slot(j) == 0)
        write_string(j, s, len);
}

void bk_json_int(bk_json *j, int64_t v)
{
    char buf[20]; /* "-9223372036854775808" */
    char *p = int_before(buf + sizeof buf, v);
    write_value(j, p, (size_t)(buf + sizeof buf - p));
}

void bk_json_double(bk_json *j, double v)
{
    char buf[40];
    size_t n = isfinite(v) ? format_double(buf, sizeof buf, v) : 0;
    if (n)
        write_value(j, buf, n);
    else
        bk_json_null(j);
}

void bk_json_bool(bk_json *j, int v)
{
    if (v)
        write_value(j, "true", 4);
    else
        write_value(j, "false", 5);
}

void bk_json_null(bk_json *j)
{
    write_value(j, "null", 4);
}

/* The quoted text of a plain key or string (util/json.h). */
static int put_quoted(bk_json *j, const char *s, size_t len)
{
    return put_byte(j, '"') || put(j, s, len) || put_byte(j, '"');
}

void bk__json_plain_key(bk_json *j, const char *key, size_t len)
{
    if (key_slot(j, key) == 0 && put_quoted(j, key, len) == 0 && put_byte(j, ':') == 0)
        j->after_key = 1;
}

void bk__json_plain_string(bk_json *j, const char *s, size_t len)
{
    if (value_slot(j) == 0)
        put_quoted(j, s, len);
}

bk_buf *bk__json_value_buf(bk_json *j)
{
    return value_slot(j) == 0 ? j->out : NULL;
}

void bk_json_raw(bk_json *j, const char *json, size_t len)
{
    if (j && !j->error && (!json || !len)) {
        fail(j, BK_EINVAL); /* an empty value would leave "[1,]" or "{"k":}" behind */
        return;
    }
    if (value_slot(j) == 0 && bk_buf_append(j->out, json, len)) /* json may point into out */
        fail(j, BK_ENOMEM);
}

/* An unfinished document (open containers, a key without its value, no value at all) is not
 * JSON either, so it is reported here rather than sent. */
int bk_json_error(const bk_json *j)
{
    if (!j)
        return BK_EINVAL;
    if (j->error)
        return j->error;
    if (j->depth || j->after_key || !(j->has_items[0] & LEVEL_HAS_ITEMS))
        return BK_EINVAL;
    return BK_OK;
}
