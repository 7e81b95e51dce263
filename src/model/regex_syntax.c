/* Rust's regex syntax to PCRE2's: the main loop, groups, flags and repetition (escapes and
 * classes are in regex_escape.c). pattern.h lists the differences it bridges. */
#include "model/regex_syntax.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- output and errors ----------------------------------------------------------------------- */

void bk__rx_fail(bk__rx *t, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void bk__rx_fail(bk__rx *t, size_t at, const char *fmt, ...)
{
    if (t->error)
        return;
    t->error = BK_EINVAL;
    int k = snprintf(t->msg, sizeof t->msg, "regex parse error at offset %zu: ", at);
    va_list ap;
    va_start(ap, fmt);
    if (k > 0 && (size_t)k < sizeof t->msg)
        vsnprintf(t->msg + k, sizeof t->msg - (size_t)k, fmt, ap);
    va_end(ap);
}

void bk__rx_emit(bk__rx *t, const char *s, size_t len)
{
    if (!t->error && bk_buf_append(&t->out, s, len) != 0)
        t->error = BK_ENOMEM;
}

void bk__rx_emit_str(bk__rx *t, const char *s)
{
    bk__rx_emit(t, s, strlen(s));
}

void bk__rx_emit_code_point(bk__rx *t, uint32_t c)
{
    char buf[16];
    int k = snprintf(buf, sizeof buf, "\\x{%X}", (unsigned)c);
    bk__rx_emit(t, buf, (size_t)k);
}

/* Marks what was written from `start` as the last atom. */
void bk__rx_set_atom(bk__rx *t, size_t start, bk__rx_atom kind)
{
    t->atom_start = start;
    t->atom = kind;
}

/* ---- reading --------------------------------------------------------------------------------- */

/* x-mode: skips whitespace and # comments (to the end of the line). */
void bk__rx_skip_space(bk__rx *t)
{
    while (t->x && !bk__rx_at_end(t)) {
        uint32_t cp;
        size_t k = bk__utf8_next(t->p + t->i, t->n - t->i, &cp);
        if (k && bk__rust_is_whitespace(cp)) {
            t->i += k;
        } else if (bk__rx_cur(t) == '#') {
            while (!bk__rx_at_end(t) && bk__rx_cur(t) != '\n')
                t->i++;
        } else {
            break;
        }
    }
}

/* The code point at t->i (advancing past it), 0 and an error for invalid UTF-8. */
uint32_t bk__rx_take_code_point(bk__rx *t)
{
    uint32_t cp = 0;
    size_t k = bk__utf8_next(t->p + t->i, t->n - t->i, &cp);
    if (k == 0) {
        bk__rx_fail(t, t->i, "pattern is not valid UTF-8");
        t->i = t->n;
        return 0;
    }
    t->i += k;
    return cp;
}

/* ---- groups and flags ------------------------------------------------------------------------ */

static void push_group(bk__rx *t, size_t open)
{
    if (t->depth >= BK__RX_MAX_DEPTH) {
        bk__rx_fail(t, open, "exceeds the nesting limit of %d", BK__RX_MAX_DEPTH);
        return;
    }
    t->saved_x[t->depth] = (uint8_t)t->x;
    t->group_start[t->depth] = t->out.len;
    t->depth++;
    t->atom = BK__RX_ATOM_NONE;
}

/* (?P<name>  /  (?<name>  (t->i on the name). Names are checked as Rust checks them and dropped:
 * nothing refers to them, since backreferences are refused. */
static void read_group_name(bk__rx *t, size_t open)
{
    size_t start = t->i;
    while (!bk__rx_at_end(t) && bk__rx_cur(t) != '>')
        t->i++;
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, open, "unclosed capture group name");
        return;
    }
    bk__span name = {t->p + start, t->i - start};
    t->i++;
    if (name.len == 0) {
        bk__rx_fail(t, start, "empty capture group name");
        return;
    }
    for (size_t k = 0; k < name.len; k++) {
        char c = name.s[k];
        int ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (k > 0 && ((c >= '0' && c <= '9') || c == '.' || c == '[' || c == ']'));
        if (!ok) {
            bk__rx_fail(t, start + k, "invalid capture group character");
            return;
        }
    }
    for (int k = 0; k < t->nnames; k++)
        if (t->names[k].len == name.len && memcmp(t->names[k].s, name.s, name.len) == 0) {
            bk__rx_fail(t, start, "duplicate capture group name");
            return;
        }
    if (t->nnames < BK__RX_MAX_NAMES)
        t->names[t->nnames++] = name;
    push_group(t, open);
    bk__rx_emit_str(t, "(");
}

/* (?flags) or (?flags: (t->i on the first flag). i, m, s, U go to PCRE2 as they are (same
 * scoping rules); x is brisk's (it strips spaces itself); u is the default. */
static void read_flags(bk__rx *t, size_t open)
{
    char pcre[16];
    size_t k = 0;
    int seen = 0, negate = 0, x = t->x, any_after_dash = 0;
    for (; !bk__rx_at_end(t) && bk__rx_cur(t) != ':' && bk__rx_cur(t) != ')'; t->i++) {
        char c = bk__rx_cur(t);
        const char *known = "imsUuxR";
        const char *f = strchr(known, c);
        if (c == '-') {
            if (negate) {
                bk__rx_fail(t, t->i, "repeated negation");
                return;
            }
            negate = 1;
            if (k < sizeof pcre - 1)
                pcre[k++] = '-';
            continue;
        }
        if (!c || !f) {
            bk__rx_fail(t, t->i, "unrecognized flag");
            return;
        }
        if (seen & (1 << (f - known))) {
            bk__rx_fail(t, t->i, "duplicate flag");
            return;
        }
        seen |= 1 << (f - known);
        any_after_dash |= negate;
        if (c == 'x')
            x = !negate;
        else if (c == 'R' || (c == 'u' && negate))
            bk__rx_fail(t, t->i, "the (?%s%c) flag is valid for pydantic, not supported by brisk",
                        negate ? "-" : "", c);
        else if (c != 'u' && k < sizeof pcre - 1)
            pcre[k++] = c;
    }
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, open, "unclosed group");
        return;
    }
    if (negate && !any_after_dash) {
        bk__rx_fail(t, t->i - 1, "dangling flag negation operator");
        return;
    }
    if (!seen) {
        bk__rx_fail(t, t->i, "repetition operator missing expression");
        return;
    }
    while (k > 0 && pcre[k - 1] == '-')
        k--; /* only x or u followed the '-' */
    int scoped = bk__rx_cur(t) == ':';
    t->i++;
    if (scoped) {
        push_group(t, open);
        bk__rx_emit_str(t, "(?");
        bk__rx_emit(t, pcre, k);
        bk__rx_emit_str(t, ":");
    } else if (k) {
        bk__rx_emit_str(t, "(?");
        bk__rx_emit(t, pcre, k);
        bk__rx_emit_str(t, ")");
    }
    t->x = x;
    if (!scoped)
        t->atom = BK__RX_ATOM_NONE;
}

/* '(' at t->i. */
static void read_group_open(bk__rx *t)
{
    size_t open = t->i++;
    if (bk__rx_cur(t) != '?') {
        push_group(t, open);
        bk__rx_emit_str(t, "(");
        return;
    }
    t->i++;
    char c = bk__rx_cur(t);
    if (c == ':') {
        t->i++;
        push_group(t, open);
        bk__rx_emit_str(t, "(?:");
    } else if (c == 'P' && t->i + 1 < t->n && t->p[t->i + 1] == '<') {
        t->i += 2;
        read_group_name(t, open);
    } else if (c == '<' && t->i + 1 < t->n && t->p[t->i + 1] != '=' && t->p[t->i + 1] != '!') {
        t->i++;
        read_group_name(t, open);
    } else if (c == '=' || c == '!' || c == '<') {
        bk__rx_fail(t, open, "look-around, including look-ahead and look-behind, is not supported");
    } else {
        read_flags(t, open);
    }
}

static void read_group_close(bk__rx *t)
{
    if (t->depth == 0) {
        bk__rx_fail(t, t->i, "unopened group");
        return;
    }
    t->i++;
    t->depth--;
    t->x = t->saved_x[t->depth];
    bk__rx_emit_str(t, ")");
    bk__rx_set_atom(t, t->group_start[t->depth], BK__RX_ATOM_PLAIN);
}

/* ---- repetition ------------------------------------------------------------------------------ */

/* Digits of a counted repetition; -1 when there are none. */
static long read_count(bk__rx *t)
{
    while (!bk__rx_at_end(t) && (bk__rx_cur(t) == ' ' || bk__rx_cur(t) == '\t'))
        t->i++;
    if (!(bk__rx_cur(t) >= '0' && bk__rx_cur(t) <= '9'))
        return -1;
    long v = 0;
    while (bk__rx_cur(t) >= '0' && bk__rx_cur(t) <= '9') {
        if (v < 100000000L)
            v = v * 10 + (bk__rx_cur(t) - '0');
        t->i++;
    }
    while (!bk__rx_at_end(t) && (bk__rx_cur(t) == ' ' || bk__rx_cur(t) == '\t'))
        t->i++;
    return v;
}

/* {n}, {n,}, {n,m} (t->i on the '{'), written without spaces. */
static void read_counted(bk__rx *t)
{
    size_t open = t->i++;
    long lo = read_count(t), hi = lo;
    if (bk__rx_at_end(t)) {
        bk__rx_fail(t, open, "unclosed counted repetition");
        return;
    }
    if (lo < 0) {
        bk__rx_fail(t, t->i, "repetition quantifier expects a valid decimal");
        return;
    }
    int comma = bk__rx_cur(t) == ',';
    if (comma) {
        t->i++;
        hi = bk__rx_at_end(t) || bk__rx_cur(t) == '}' ? -1 : read_count(t);
        if (!bk__rx_at_end(t) && bk__rx_cur(t) != '}' && hi < 0) {
            bk__rx_fail(t, t->i, "repetition quantifier expects a valid decimal");
            return;
        }
    }
    if (bk__rx_at_end(t) || bk__rx_cur(t) != '}') {
        bk__rx_fail(t, open, "unclosed counted repetition");
        return;
    }
    t->i++;
    if (hi >= 0 && hi < lo) {
        bk__rx_fail(t, open, "invalid repetition count range, the start must be <= the end");
        return;
    }
    char buf[48];
    int k = !comma   ? snprintf(buf, sizeof buf, "{%ld}", lo)
            : hi < 0 ? snprintf(buf, sizeof buf, "{%ld,}", lo)
                     : snprintf(buf, sizeof buf, "{%ld,%ld}", lo, hi);
    bk__rx_emit(t, buf, (size_t)k);
}

/* A quantifier (t->i on it). Rust repeats a repetition ("a**", "a++": (a+)+) and an assertion;
 * PCRE2 reads a++ as possessive and refuses ^*, so those get a group first. */
static void read_quantifier(bk__rx *t)
{
    if (t->atom == BK__RX_ATOM_NONE) {
        bk__rx_fail(t, t->i, "repetition operator missing expression");
        return;
    }
    if (t->atom == BK__RX_ATOM_REPEATED || t->atom == BK__RX_ATOM_ASSERT) {
        size_t len = t->out.len - t->atom_start;
        bk__rx_emit(t, "(?:)", 4); /* room for the group: then moved into place */
        if (t->error)
            return;
        char *a = t->out.data + t->atom_start;
        memmove(a + 3, a, len);
        memcpy(a, "(?:", 3);
        a[len + 3] = ')';
    }
    char c = bk__rx_cur(t);
    if (c == '{') {
        read_counted(t);
    } else {
        bk__rx_emit(t, &c, 1);
        t->i++;
    }
    bk__rx_skip_space(t);
    if (bk__rx_cur(t) == '?') {
        bk__rx_emit_str(t, "?");
        t->i++;
    }
    t->atom = BK__RX_ATOM_REPEATED;
}

/* ---- the pattern ----------------------------------------------------------------------------- */

static void translate_one(bk__rx *t)
{
    size_t start = t->out.len;
    char c = bk__rx_cur(t);
    switch (c) {
    case '(':
        read_group_open(t);
        return;
    case ')':
        read_group_close(t);
        return;
    case '|':
        t->i++;
        bk__rx_emit_str(t, "|");
        t->atom = BK__RX_ATOM_NONE;
        return;
    case '*':
    case '+':
    case '?':
    case '{':
        read_quantifier(t);
        return;
    case '[':
        bk__rx_read_class(t);
        return;
    case '^':
    case '$':
        t->i++;
        bk__rx_emit(t, &c, 1);
        bk__rx_set_atom(t, start, BK__RX_ATOM_ASSERT);
        return;
    case '.':
        t->i++;
        bk__rx_emit_str(t, ".");
        bk__rx_set_atom(t, start, BK__RX_ATOM_PLAIN);
        return;
    case '\\': {
        uint32_t cp = 0;
        bk__rx_escape kind = bk__rx_read_escape(t, &cp);
        if (kind == BK__RX_ESC_CHAR)
            bk__rx_emit_code_point(t, cp);
        bk__rx_set_atom(t, start,
                        kind == BK__RX_ESC_ASSERT ? BK__RX_ATOM_ASSERT : BK__RX_ATOM_PLAIN);
        return;
    }
    default: {
        size_t from = t->i;
        uint32_t cp = bk__rx_take_code_point(t);
        if (cp < 0x80 && !bk__rx_is_alnum((char)cp))
            bk__rx_emit_code_point(t, cp); /* '}', ']', '#', '&', ' ', ...: no reading of PCRE2's */
        else
            bk__rx_emit(t, t->p + from, t->i - from);
        bk__rx_set_atom(t, start, BK__RX_ATOM_PLAIN);
    }
    }
}

int bk__regex_translate(const char *pattern, size_t len, bk_buf *out, char *error)
{
    bk__rx *t = calloc(1, sizeof *t);
    if (!t)
        return BK_ENOMEM;
    t->p = pattern;
    t->n = len;
    if (!bk__utf8_valid(pattern, len))
        bk__rx_fail(t, 0, "pattern is not valid UTF-8");
    while (!t->error) {
        bk__rx_skip_space(t);
        if (bk__rx_at_end(t))
            break;
        translate_one(t);
    }
    if (!t->error && t->depth > 0)
        bk__rx_fail(t, t->n, "unclosed group");
    int rc = t->error;
    if (rc == 0 && bk_buf_append(out, t->out.data, t->out.len) != 0)
        rc = BK_ENOMEM;
    if (rc == BK_EINVAL)
        snprintf(error, BK__PATTERN_ERROR_MAX, "%s", t->msg);
    bk_buf_free(&t->out);
    free(t);
    return rc;
}
