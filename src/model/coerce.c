/* pydantic's lax coercions: int, float, bool and UUID from text and from JSON values (see
 * coerce.h for the rules). Written from pydantic-core's str_as_int / clean_int_str /
 * str_as_float / str_as_bool (src/input/shared.rs), jiter's NumberInt parser and the uuid crate's
 * parser and error reporting, then checked input by input against pydantic 2.13.4
 * (scripts/pydantic_oracle.py prints its answers). */
#include "model/coerce.h"
#include "model/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a cursor over [optional '-'] + text, optionally without its underscores -------------- */

/* pydantic builds cleaned strings ("-" + digits, digits without '_'); brisk reads the original
 * bytes through this cursor instead of copying them. */
typedef struct cursor {
    int sign_pending; /* a '-' comes before s */
    const char *s;
    size_t len, i;
    int skip_underscores;
} cursor;

static int peek(cursor *c)
{
    if (c->sign_pending)
        return '-';
    while (c->skip_underscores && c->i < c->len && c->s[c->i] == '_')
        c->i++;
    return c->i < c->len ? (unsigned char)c->s[c->i] : -1;
}

static void advance(cursor *c)
{
    if (c->sign_pending)
        c->sign_pending = 0;
    else
        c->i++;
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* ---- int ----------------------------------------------------------------------------------- */

enum { MAX_INT_DIGITS = 4300 }; /* CPython's int_max_str_digits, which jiter enforces too */

/* jiter's NumberInt::from_bytes: the whole input must be one JSON integer ('-'? then 0 or
 * [1-9][0-9]*). Returns 1 with *out set, or 0; *too_long is set when the digit run, with its
 * sign, passed 4300 characters (jiter's NumberOutOfRange, raised before anything after it is
 * looked at). */
static int json_int(cursor *c, bk__int *out, int *too_long)
{
    *too_long = 0;
    size_t count = 0;
    int neg = peek(c) == '-';
    if (neg) {
        advance(c);
        count++;
    }
    int d = peek(c);
    if (!is_digit(d))
        return 0;
    uint64_t mag = 0;
    int big = 0;
    if (d == '0') {
        advance(c);
    } else {
        while (is_digit(d = peek(c))) {
            if (++count > MAX_INT_DIGITS) {
                *too_long = 1;
                return 0;
            }
            unsigned digit = (unsigned)(d - '0');
            if (mag > (UINT64_MAX - digit) / 10)
                big = 1;
            else
                mag = mag * 10 + digit;
            advance(c);
        }
    }
    if (peek(c) != -1)
        return 0; /* trailing bytes, a fraction, an exponent, a digit after a leading 0 */
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (big || mag > limit) {
        out->overflow = neg ? -1 : 1;
        out->value = neg ? INT64_MIN : INT64_MAX;
    } else {
        out->overflow = 0;
        out->value = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    }
    return 1;
}

/* pydantic-core's strip_leading_zeros: drops zeros (and underscores among them) before the
 * number, keeping a last zero when only zeros remain or a '.' follows. Returns 0 for a text that
 * does not start like a number. */
static int strip_leading_zeros(bk__span *t)
{
    const char *s = t->s;
    if (t->len == 0)
        return 0;
    if ((s[0] >= '1' && s[0] <= '9') || s[0] == '-')
        return 1;
    if (s[0] != '0')
        return 0;
    for (size_t i = 1; i < t->len; i++) {
        char c = s[i];
        if (c == '0' || c == '_')
            continue;
        if ((c >= '1' && c <= '9') || c == '-' || c == '.') {
            size_t from = c == '.' ? i - 1 : i;
            *t = (bk__span){s + from, t->len - from};
            return 1;
        }
        return 0;
    }
    *t = (bk__span){s + t->len - 1, 1};
    return 1;
}

/* pydantic-core's strip_underscores condition: some '_', none leading, trailing or doubled. */
static int underscores_strippable(const char *s, size_t len)
{
    if (len == 0 || s[0] == '_' || s[len - 1] == '_' || !memchr(s, '_', len))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (s[i] == '_' && s[i - 1] == '_')
            return 0;
    return 1;
}

/* Drops a fraction made only of zeros ("5.000" -> "5"); "5." keeps its point. */
static void strip_zero_fraction(bk__span *t)
{
    const char *dot = memchr(t->s, '.', t->len);
    if (!dot)
        return;
    size_t at = (size_t)(dot - t->s);
    if (at + 1 == t->len)
        return;
    for (size_t i = at + 1; i < t->len; i++)
        if (t->s[i] != '0')
            return;
    t->len = at;
}

/* pydantic-core's clean_int_str followed by the second NumberInt parse. */
static bk__etype int_from_cleaned(const char *s, size_t len, bk__int *out)
{
    bk__span t = bk__rust_trim(s, len);
    if (t.len && t.s[0] == '+') {
        if (t.len > 1 && t.s[1] == '-')
            return BK__E_INT_PARSING;
        t.s++, t.len--;
    }
    int neg = 0;
    if (t.len && t.s[0] == '-') {
        if (t.len > 1 && (t.s[1] == '-' || t.s[1] == '+'))
            return BK__E_INT_PARSING;
        neg = 1;
        t.s++, t.len--;
    }
    if (!strip_leading_zeros(&t))
        return BK__E_INT_PARSING;
    strip_zero_fraction(&t);
    int skip = underscores_strippable(t.s, t.len);
    if (!skip && t.len == len)
        return BK__E_INT_PARSING; /* nothing was cleaned: the first parse already said no */
    cursor c = {neg, t.s, t.len, 0, skip};
    int too_long;
    return json_int(&c, out, &too_long) ? BK__E_NONE : BK__E_INT_PARSING;
}

bk__etype bk__int_from_text(const char *s, size_t len, bk__int *out)
{
    cursor c = {0, s, len, 0, 0};
    int too_long;
    if (json_int(&c, out, &too_long))
        return BK__E_NONE;
    if (too_long)
        return BK__E_INT_PARSING_SIZE;
    return int_from_cleaned(s, len, out);
}

int bk__int_text_multiple_of(const char *s, size_t len, int64_t m)
{
    uint64_t mod = m < 0 ? 0 - (uint64_t)m : (uint64_t)m, r = 0;
    bk__span t = bk__rust_trim(s, len);
    for (size_t i = 0; i < t.len && t.s[i] != '.'; i++)
        if (is_digit((unsigned char)t.s[i]))
            r = (uint64_t)(((unsigned __int128)r * 10 + (unsigned)(t.s[i] - '0')) % mod);
    return r == 0;
}

/* ---- float --------------------------------------------------------------------------------- */

/* Significant digits kept: correct rounding of a decimal to a double never needs more than 768
 * of them, provided the rest is remembered as one nonzero "sticky" digit. */
enum { KEEP_DIGITS = 780 };

/* Case-insensitive match of the cursor's remaining input against `word`, to its end. */
static int rest_is_word(cursor c, const char *word)
{
    for (; *word; word++) {
        int ch = peek(&c);
        if (ch == -1 || (ch | 0x20) != *word)
            return 0;
        advance(&c);
    }
    return peek(&c) == -1;
}

/* Exponent digits, saturating (anything past 10^9 is inf or 0 either way). */
static int read_exponent(cursor *c, long *exp)
{
    int neg = 0, ch = peek(c);
    if (ch == '+' || ch == '-') {
        neg = ch == '-';
        advance(c);
    }
    if (!is_digit(peek(c)))
        return 0;
    long e = 0;
    while (is_digit(ch = peek(c))) {
        if (e < 1000000000L)
            e = e * 10 + (ch - '0');
        advance(c);
    }
    *exp = neg ? -e : e;
    return 1;
}

/* The decimal part of Rust's f64 grammar: digits [. digits] [e [+-] digits], one digit at least;
 * writes the significant digits into m (with a sticky digit for dropped nonzero ones) and the
 * power of ten that scales them. */
static int read_decimal(cursor *c, char *m, size_t *mlen, long *scale)
{
    size_t n = 0, seen = 0;
    long dropped = 0, frac = 0;
    int sticky = 0, in_frac = 0, ch;
    for (;; advance(c)) {
        ch = peek(c);
        if (ch == '.' && !in_frac) {
            in_frac = 1;
            continue;
        }
        if (!is_digit(ch))
            break;
        seen++;
        frac += in_frac;
        if (n == 0 && ch == '0')
            continue; /* leading zeros carry no digit */
        if (n < KEEP_DIGITS)
            m[n++] = (char)ch;
        else
            dropped++, sticky |= ch != '0';
    }
    if (seen == 0)
        return 0;
    long exp = 0;
    if (ch == 'e' || ch == 'E') {
        advance(c);
        if (!read_exponent(c, &exp))
            return 0;
    }
    if (peek(c) != -1)
        return 0;
    if (sticky)
        m[n++] = '1', dropped--;
    long total = exp - frac + dropped;
    *scale = total < -100000 ? -100000 : total > 100000 ? 100000 : total;
    *mlen = n;
    return 1;
}

/* Rust's `str::parse::<f64>()` (correctly rounded, like strtod, which does the arithmetic on a
 * text brisk has already checked and normalised: digits and an exponent, no decimal point for
 * the locale to disagree about). */
static int rust_parse_f64(const char *s, size_t len, int skip_underscores, double *out)
{
    cursor c = {0, s, len, 0, skip_underscores};
    int neg = 0, ch = peek(&c);
    if (ch == '+' || ch == '-') {
        neg = ch == '-';
        advance(&c);
    }
    if (rest_is_word(c, "inf") || rest_is_word(c, "infinity")) {
        *out = neg ? -HUGE_VAL : HUGE_VAL;
        return 1;
    }
    if (rest_is_word(c, "nan")) {
        *out = NAN;
        return 1;
    }
    char text[KEEP_DIGITS + 16];
    size_t n;
    long scale;
    if (!read_decimal(&c, text, &n, &scale))
        return 0;
    double v = 0;
    if (n) {
        snprintf(text + n, sizeof text - n, "e%ld", scale);
        v = strtod(text, NULL);
    }
    *out = neg ? -v : v;
    return 1;
}

bk__etype bk__float_from_text(const char *s, size_t len, double *out)
{
    bk__span t = bk__rust_trim(s, len);
    if (rust_parse_f64(t.s, t.len, 0, out))
        return BK__E_NONE;
    if (underscores_strippable(s, len) && rust_parse_f64(s, len, 1, out))
        return BK__E_NONE;
    return BK__E_FLOAT_PARSING;
}

static double round_half_away(double x)
{
    if (!(fabs(x) < 4503599627370496.0)) /* 2^52: already integral (or nan / inf) */
        return x;
    double t = (double)(int64_t)x;
    if (fabs(x - t) >= 0.5)
        t += x < 0 ? -1 : 1;
    return t;
}

int bk__float_multiple_of(double v, double m)
{
    double diff = fabs(v - round_half_away(v / m) * m);
    return !(diff > 1e-9);
}

/* ---- bool ---------------------------------------------------------------------------------- */

static int equals_nocase(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    if (len != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != word[i]) /* only ASCII letters map onto the lowercase words */
            return 0;
    return 1;
}

bk__etype bk__bool_from_text(const char *s, size_t len, int *out)
{
    static const char *const falses[] = {"f", "n", "no", "off", "false"};
    static const char *const trues[] = {"t", "y", "on", "yes", "true"};
    if (len == 1 && (s[0] == '0' || s[0] == '1')) {
        *out = s[0] == '1';
        return BK__E_NONE;
    }
    for (size_t i = 0; i < 5; i++) {
        if (equals_nocase(s, len, falses[i]) || equals_nocase(s, len, trues[i])) {
            *out = equals_nocase(s, len, trues[i]);
            return BK__E_NONE;
        }
    }
    return BK__E_BOOL_PARSING;
}

/* ---- UUID ---------------------------------------------------------------------------------- */

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* `n` hex digits (n even) from s into bytes; 0 when one is not a hex digit. */
static int read_hex(const char *s, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value((unsigned char)s[i]), lo = hex_value((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0)
            return 0;
        *out++ = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

static int parse_simple(const char *s, uint8_t out[16])
{
    return read_hex(s, 32, out);
}

static int parse_hyphenated(const char *s, uint8_t out[16])
{
    static const unsigned char starts[5] = {0, 9, 14, 19, 24}, lens[5] = {8, 4, 4, 4, 12};
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-')
        return 0;
    for (int g = 0, at = 0; g < 5; at += lens[g] / 2, g++)
        if (!read_hex(s + starts[g], lens[g], out + at))
            return 0;
    return 1;
}

static int has_urn_prefix(const char *s, size_t len)
{
    return len >= 9 && memcmp(s, "urn:uuid:", 9) == 0;
}

/* The uuid crate's InvalidUuid::into_err: scans the text again to say what is wrong. */
static void uuid_error(const char *s, size_t len, char *error)
{
    if (!bk__utf8_valid(s, len)) {
        snprintf(error, BK__UUID_ERROR_MAX, "non-UTF8 input");
        return;
    }
    size_t offset = 0, n = len;
    int simple = 0;
    if (len >= 2 && s[0] == '{' && s[len - 1] == '}')
        offset = 1, n = len - 2;
    else if (has_urn_prefix(s, len))
        offset = 9, n = len - 9;
    else
        simple = 1;
    const char *u = s + offset;
    size_t hyphens = 0, bounds[4] = {0};
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = bk__utf8_next(u + i, n - i, &cp);
        if (k > 1 || (u[i] != '-' && hex_value((unsigned char)u[i]) < 0)) {
            snprintf(error, BK__UUID_ERROR_MAX, "invalid character: found `%.*s` at %zu", (int)k,
                     u + i, i + offset + 1);
            return;
        }
        if (u[i] == '-' && hyphens < 4)
            bounds[hyphens] = i;
        hyphens += u[i] == '-';
        i += k;
    }
    if (hyphens == 0 && simple) {
        snprintf(error, BK__UUID_ERROR_MAX,
                 "invalid length: expected length 32 for simple format, found %zu", len);
        return;
    }
    if (hyphens != 4) {
        snprintf(error, BK__UUID_ERROR_MAX, "invalid group count: expected 5, found %zu",
                 hyphens + 1);
        return;
    }
    static const size_t starts[5] = {0, 9, 14, 19, 24}, expected[5] = {8, 4, 4, 4, 12};
    size_t group = 4, found = len - starts[4]; /* the crate measures the last group this way */
    for (size_t g = 0; g < 4; g++)
        if (bounds[g] != starts[g + 1] - 1) {
            group = g;
            found = bounds[g] - starts[g];
            break;
        }
    snprintf(error, BK__UUID_ERROR_MAX,
             "invalid group length in group %zu: expected %zu, found %zu", group, expected[group],
             found);
}

bk__etype bk__uuid_from_text(const char *s, size_t len, uint8_t out[16], char *error)
{
    int ok = (len == 32 && parse_simple(s, out)) || (len == 36 && parse_hyphenated(s, out)) ||
             (len == 38 && s[0] == '{' && s[37] == '}' && parse_hyphenated(s + 1, out)) ||
             (len == 45 && has_urn_prefix(s, len) && parse_hyphenated(s + 9, out));
    if (ok)
        return BK__E_NONE;
    uuid_error(s, len, error);
    return BK__E_UUID_PARSING;
}

void bk__uuid_format(const uint8_t u[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[u[i] >> 4];
        *p++ = hex[u[i] & 15];
    }
    *p = '\0';
}

/* ---- from JSON values ------------------------------------------------------------------------ */

/* Inside (-2^63, 2^63) exclusive, as pydantic-core's float_as_int tests it (false for NaN). */
static int inside_int64(double f)
{
    return f > -9223372036854775808.0 && f < 9223372036854775808.0;
}

bk__etype bk__int_from_value(const bk__value *v, bk__int *out)
{
    out->overflow = 0;
    switch (v->kind) {
    case BK__V_BOOL:
        out->value = v->u.b != 0;
        return BK__E_NONE;
    case BK__V_INT:
        out->value = v->u.i;
        return BK__E_NONE;
    case BK__V_BIGINT:
    case BK__V_STR:
        return bk__int_from_text(v->u.str.s, v->u.str.len, out);
    case BK__V_FLOAT: {
        double f = v->u.f;
        if (isnan(f) || isinf(f))
            return BK__E_FINITE_NUMBER;
        if (!inside_int64(f)) /* every double this large is integral */
            return BK__E_INT_PARSING_SIZE;
        if ((double)(int64_t)f != f)
            return BK__E_INT_FROM_FLOAT;
        out->value = (int64_t)f;
        return BK__E_NONE;
    }
    default:
        return BK__E_INT_TYPE;
    }
}

bk__etype bk__float_from_value(const bk__value *v, double *out)
{
    switch (v->kind) {
    case BK__V_BOOL:
        *out = v->u.b ? 1.0 : 0.0;
        return BK__E_NONE;
    case BK__V_INT:
        *out = (double)v->u.i;
        return BK__E_NONE;
    case BK__V_BIGINT:
        /* float(int): correctly rounded, OverflowError (float_type) past DBL_MAX. */
        if (bk__float_from_text(v->u.str.s, v->u.str.len, out) != BK__E_NONE || isinf(*out))
            return BK__E_FLOAT_TYPE;
        return BK__E_NONE;
    case BK__V_FLOAT:
        *out = v->u.f;
        return BK__E_NONE;
    case BK__V_STR:
        return bk__float_from_text(v->u.str.s, v->u.str.len, out);
    default:
        return BK__E_FLOAT_TYPE;
    }
}

bk__etype bk__bool_from_value(const bk__value *v, int *out)
{
    switch (v->kind) {
    case BK__V_BOOL:
        *out = v->u.b != 0;
        return BK__E_NONE;
    case BK__V_INT:
        if (v->u.i != 0 && v->u.i != 1)
            return BK__E_BOOL_PARSING;
        *out = v->u.i == 1;
        return BK__E_NONE;
    case BK__V_FLOAT: {
        double f = v->u.f;
        if (!inside_int64(f) || (double)(int64_t)f != f)
            return BK__E_BOOL_TYPE;
        if (f != 0 && f != 1)
            return BK__E_BOOL_PARSING;
        *out = f == 1;
        return BK__E_NONE;
    }
    case BK__V_STR:
        return bk__bool_from_text(v->u.str.s, v->u.str.len, out);
    default:
        return BK__E_BOOL_TYPE;
    }
}

bk__etype bk__str_from_value(const bk__value *v, const char **s, size_t *len)
{
    if (v->kind != BK__V_STR)
        return BK__E_STRING_TYPE;
    *s = v->u.str.s;
    *len = v->u.str.len;
    return BK__E_NONE;
}

bk__etype bk__uuid_from_value(const bk__value *v, uint8_t out[16], char *error)
{
    if (v->kind != BK__V_STR)
        return BK__E_UUID_TYPE;
    return bk__uuid_from_text(v->u.str.s, v->u.str.len, out, error);
}
