/* Python's repr(float), str repr and str.title(), Rust's f64 Display (see pyfmt.h). */
#include "model/pyfmt.h"
#include "model/text.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- shortest round-trip digits ---------------------------------------------------------- */

/* A finite nonzero |v| as digits d[0..n) (no leading zero) and the exponent of d[0]:
 * |v| = d.ddd x 10^exp. */
typedef struct digits {
    char d[20];
    int n;
    int exp;
} digits;

/* Reads "%.*e" output into digits. printf's decimal point follows LC_NUMERIC: every byte that is
 * not a digit before the 'e' is skipped rather than expected to be '.'. */
static void read_sci(const char *s, digits *out)
{
    out->n = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && out->n < (int)sizeof out->d)
            out->d[out->n++] = *s;
    out->exp = *s == 'e' ? atoi(s + 1) : 0;
}

/* Whether d x 10^exp (as d[0].d[1..]) reads back as a. The text handed to strtod has no
 * decimal point ("12345e-3"), so the locale cannot change how it reads. */
static int reads_back(const digits *g, double a)
{
    char buf[48];
    int k = snprintf(buf, sizeof buf, "%.*se%d", g->n, g->d, g->exp - (g->n - 1));
    return k > 0 && (size_t)k < sizeof buf && strtod(buf, NULL) == a;
}

/* Adds `delta` (+1 or -1) to the last digit of g, carrying; keeps n digits (a carry out of the
 * first digit shifts the exponent; a borrow to a leading zero is refused). */
static int nudge_last_digit(digits *g, int delta)
{
    int i = g->n - 1;
    while (i >= 0) {
        int v = g->d[i] - '0' + delta;
        if (v >= 0 && v <= 9) {
            g->d[i] = (char)('0' + v);
            break;
        }
        g->d[i] = delta > 0 ? '0' : '9';
        i--;
    }
    if (i < 0) { /* 999 + 1: becomes 100 with the exponent one higher */
        if (delta < 0)
            return 0;
        g->d[0] = '1';
        g->exp++;
    }
    return g->d[0] != '0';
}

/* The shortest digits that read back as a (> 0, finite), and among those the nearest to a — what
 * Python's repr and Rust's Display both print. The correctly rounded p-digit candidate is the
 * nearest p-digit decimal; when it does not read back, a neighbour still can at a power of two
 * (the gap below is half the gap above), so both neighbours are tried too. */
static void shortest_digits(double a, digits *out)
{
    char buf[48];
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, a);
        read_sci(buf, out);
        if (reads_back(out, a))
            return;
        for (int delta = -1; delta <= 1; delta += 2) {
            digits g = *out;
            if (nudge_last_digit(&g, delta) && reads_back(&g, a)) {
                *out = g;
                return;
            }
        }
    }
    snprintf(buf, sizeof buf, "%.16e", a); /* 17 digits always read back */
    read_sci(buf, out);
}

/* Drops trailing zeros (printf pads "%.*e" to the precision asked). */
static void trim_zeros(digits *g)
{
    while (g->n > 1 && g->d[g->n - 1] == '0')
        g->n--;
}

/* ---- writers -------------------------------------------------------------------------------- */

/* Writes c n times at p; returns p + n. */
static char *fill(char *p, char c, int n)
{
    for (int i = 0; i < n; i++)
        *p++ = c;
    return p;
}

/* Digits in fixed notation into p: "123.45", "0.001", "1200" (+ ".0" when `point_zero`). */
static char *write_fixed(char *p, const digits *g, int point_zero)
{
    if (g->exp < 0) {
        *p++ = '0';
        *p++ = '.';
        p = fill(p, '0', -g->exp - 1);
        memcpy(p, g->d, (size_t)g->n);
        return p + g->n;
    }
    int whole = g->exp + 1;
    int from_digits = g->n < whole ? g->n : whole;
    memcpy(p, g->d, (size_t)from_digits);
    p = fill(p + from_digits, '0', whole - from_digits);
    if (g->n > whole) {
        *p++ = '.';
        memcpy(p, g->d + whole, (size_t)(g->n - whole));
        p += g->n - whole;
    } else if (point_zero) {
        *p++ = '.';
        *p++ = '0';
    }
    return p;
}

/* "d.ddde+XX" with at least two exponent digits, as Python writes it. */
static char *write_sci(char *p, const digits *g)
{
    *p++ = g->d[0];
    if (g->n > 1) {
        *p++ = '.';
        memcpy(p, g->d + 1, (size_t)(g->n - 1));
        p += g->n - 1;
    }
    int e = g->exp < 0 ? -g->exp : g->exp;
    p += snprintf(p, 8, "e%c%02d", g->exp < 0 ? '-' : '+', e);
    return p;
}

size_t bk__py_float_repr(char buf[BK__PY_FLOAT_REPR_MAX], double v)
{
    char *p = buf;
    if (isnan(v))
        return (size_t)snprintf(buf, BK__PY_FLOAT_REPR_MAX, "nan");
    if (signbit(v))
        *p++ = '-';
    if (isinf(v)) {
        memcpy(p, "inf", 4);
        return (size_t)(p + 3 - buf);
    }
    if (v == 0) {
        memcpy(p, "0.0", 4);
        return (size_t)(p + 3 - buf);
    }
    digits g;
    shortest_digits(fabs(v), &g);
    trim_zeros(&g);
    p = g.exp >= -4 && g.exp < 16 ? write_fixed(p, &g, 1) : write_sci(p, &g);
    *p = '\0';
    return (size_t)(p - buf);
}

int bk__rust_float_display(bk_buf *out, double v)
{
    if (isnan(v))
        return bk_buf_append_str(out, "NaN");
    if (isinf(v))
        return bk_buf_append_str(out, v < 0 ? "-inf" : "inf");
    /* 309 integer digits for DBL_MAX, or "0." + 323 zeros + 17 digits for the smallest
     * subnormals. */
    char buf[360], *p = buf;
    if (signbit(v))
        *p++ = '-';
    if (v == 0) {
        *p++ = '0';
    } else {
        digits g;
        shortest_digits(fabs(v), &g);
        trim_zeros(&g);
        p = write_fixed(p, &g, 0);
    }
    return bk_buf_append(out, buf, (size_t)(p - buf));
}

/* ---- str repr ------------------------------------------------------------------------------ */

/* Non-ASCII code points that str.isprintable() calls unprintable, by block: Cc, Zs, Zl, Zp, Cf,
 * Co (Cs cannot occur in UTF-8). Unassigned code points (Cn) need the Unicode database and are
 * left out. */
static const uint32_t unprintable[][2] = {
    {0x80, 0xA0},       {0xAD, 0xAD},        {0x600, 0x605},     {0x61C, 0x61C},
    {0x6DD, 0x6DD},     {0x70F, 0x70F},      {0x890, 0x891},     {0x8E2, 0x8E2},
    {0x1680, 0x1680},   {0x180E, 0x180E},    {0x2000, 0x200F},   {0x2028, 0x202F},
    {0x205F, 0x2064},   {0x2066, 0x206F},    {0x3000, 0x3000},   {0xE000, 0xF8FF},
    {0xFEFF, 0xFEFF},   {0xFFF9, 0xFFFB},    {0x110BD, 0x110BD}, {0x110CD, 0x110CD},
    {0x13430, 0x1343F}, {0x1BCA0, 0x1BCA3},  {0x1D173, 0x1D17A}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
};

static int is_printable(uint32_t c)
{
    if (c < 0x80)
        return c >= 0x20 && c != 0x7F;
    for (size_t i = 0; i < sizeof unprintable / sizeof unprintable[0]; i++)
        if (c >= unprintable[i][0] && c <= unprintable[i][1])
            return 0;
    return 1;
}

/* One code point of the repr body. */
static int repr_code_point(bk_buf *out, uint32_t c, const char *raw, size_t raw_len, char quote)
{
    char esc[12];
    if (c == '\\' || c == (uint32_t)quote) {
        esc[0] = '\\';
        esc[1] = (char)c;
        return bk_buf_append(out, esc, 2);
    }
    if (c == '\t' || c == '\n' || c == '\r')
        return bk_buf_append(out, c == '\t' ? "\\t" : c == '\n' ? "\\n" : "\\r", 2);
    if (is_printable(c))
        return bk_buf_append(out, raw, raw_len);
    int n = c < 0x100     ? snprintf(esc, sizeof esc, "\\x%02x", (unsigned)c)
            : c < 0x10000 ? snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c)
                          : snprintf(esc, sizeof esc, "\\U%08x", (unsigned)c);
    return bk_buf_append(out, esc, (size_t)n);
}

int bk__py_str_repr(bk_buf *out, const char *s, size_t len)
{
    int has_single = memchr(s, '\'', len) != NULL, has_double = memchr(s, '"', len) != NULL;
    char quote = has_single && !has_double ? '"' : '\'';
    int rc = bk_buf_append(out, &quote, 1);
    for (size_t i = 0; i < len && rc == 0;) {
        uint32_t c;
        size_t n = bk__utf8_next(s + i, len - i, &c);
        if (n == 0) { /* invalid byte: as U+FFFD, like a decode with errors='replace' */
            rc = bk_buf_append(out, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        rc = repr_code_point(out, c, s + i, n, quote);
        i += n;
    }
    return rc ? rc : bk_buf_append(out, &quote, 1);
}

/* ---- str.title() ------------------------------------------------------------------------- */

int bk__py_title(bk_buf *out, const char *s, size_t len)
{
    int rc = bk_buf_reserve(out, len);
    int after_cased = 0; /* the previous character is a letter */
    for (size_t i = 0; i < len && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        int upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z';
        char o = (char)c;
        if (upper && after_cased)
            o = (char)(c - 'A' + 'a');
        else if (lower && !after_cased)
            o = (char)(c - 'a' + 'A');
        else if (c == '_')
            o = ' ';
        after_cased = upper || lower || c >= 0x80;
        rc = bk_buf_append(out, &o, 1);
    }
    return rc;
}
