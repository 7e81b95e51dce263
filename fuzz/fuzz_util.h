/* Helpers shared by the libFuzzer harnesses: an invariant check that aborts (libFuzzer saves the
 * input as a crash artifact), and small reference implementations written independently of the
 * code under test (UTF-8 repair, percent-decoding) to compare its output against. */
#ifndef BK_FUZZ_UTIL_H
#define BK_FUZZ_UTIL_H

#include "brisk.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ASan keeps its own SIGSEGV handler even when brisk's workers install theirs (coro.c): a crash
 * must end in an ASan report and a saved input, not in a plain re-raised signal. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allow_user_segv_handler=0:detect_leaks=1";
}
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
#ifdef BRISK_FUZZ_UBSAN_SUPP /* known findings, see fuzz/ubsan.supp */
    return "print_stacktrace=1:halt_on_error=1:suppressions=" BRISK_FUZZ_UBSAN_SUPP;
#else
    return "print_stacktrace=1:halt_on_error=1";
#endif
}

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "\n%s:%d: INVARIANT FAILED: %s\n  ", __FILE__, __LINE__, #cond);       \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
            fflush(stderr);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Appends or aborts: the harnesses themselves do not run out of memory. */
static inline void fz_append(bk_buf *b, const void *p, size_t n)
{
    if (n && bk_buf_append(b, p, n) != 0) {
        fprintf(stderr, "fuzz: out of memory\n");
        abort();
    }
}

/* memcmp that accepts NULL for an empty range (bk_buf data is NULL until first use). */
static inline int fz_memeq(const void *a, const void *b, size_t n)
{
    return n == 0 || memcmp(a, b, n) == 0;
}

/* Prints up to `max` bytes C-escaped, for failure messages. */
static inline void fz_dump(FILE *f, const char *label, const void *p, size_t n, size_t max)
{
    const unsigned char *s = p;
    fprintf(f, "%s (%zu bytes): \"", label, n);
    for (size_t i = 0; i < n && i < max; i++) {
        if (s[i] == '\\' || s[i] == '"')
            fprintf(f, "\\%c", s[i]);
        else if (s[i] >= 0x20 && s[i] < 0x7f)
            fputc(s[i], f);
        else if (s[i] == '\r')
            fputs("\\r", f);
        else if (s[i] == '\n')
            fputs("\\n", f);
        else
            fprintf(f, "\\x%02x", s[i]);
    }
    fprintf(f, "\"%s\n", n > max ? "..." : "");
}

/* ---- UTF-8: the reference repair (Unicode 15 §3.9, "maximal subpart" replacement) --------- */

/* Length of the well-formed sequence at p (1..4), or 0 with *subpart = the number of bytes one
 * U+FFFD replaces. Written from Table 3-7 directly, not from brisk's code. */
static inline size_t fz_utf8_seq(const unsigned char *p, size_t n, size_t *subpart)
{
    unsigned c = p[0];
    size_t need;
    unsigned lo = 0x80, hi = 0xBF;
    *subpart = 1;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c == 0xE0)
        need = 3, lo = 0xA0;
    else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        need = 3;
    else if (c == 0xED)
        need = 3, hi = 0x9F;
    else if (c == 0xF0)
        need = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        need = 4;
    else if (c == 0xF4)
        need = 4, hi = 0x8F;
    else
        return 0;
    for (size_t i = 1; i < need; i++) {
        unsigned l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (i >= n || p[i] < l || p[i] > h) {
            *subpart = i;
            return 0;
        }
    }
    return need;
}

static inline int fz_utf8_valid(const void *s, size_t n)
{
    const unsigned char *p = s;
    size_t i = 0, sub;
    while (i < n) {
        size_t k = fz_utf8_seq(p + i, n - i, &sub);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

/* Appends `s` with every ill-formed subpart replaced by U+FFFD (what Python's
 * errors="replace" gives). */
static inline void fz_utf8_repair(bk_buf *out, const void *s, size_t n)
{
    const unsigned char *p = s;
    size_t i = 0, sub;
    while (i < n) {
        size_t k = fz_utf8_seq(p + i, n - i, &sub);
        if (k) {
            fz_append(out, p + i, k);
            i += k;
        } else {
            fz_append(out, "\xEF\xBF\xBD", 3);
            i += sub;
        }
    }
}

/* ---- percent-decoding: the reference (malformed escapes kept verbatim) -------------------- */

static inline int fz_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static inline void fz_percent_decode(bk_buf *out, const void *s, size_t n, int plus_is_space)
{
    const unsigned char *p = s;
    for (size_t i = 0; i < n;) {
        if (p[i] == '%' && n - i >= 3 && fz_hex(p[i + 1]) >= 0 && fz_hex(p[i + 2]) >= 0) {
            char c = (char)(fz_hex(p[i + 1]) * 16 + fz_hex(p[i + 2]));
            fz_append(out, &c, 1);
            i += 3;
        } else {
            char c = (p[i] == '+' && plus_is_space) ? ' ' : (char)p[i];
            fz_append(out, &c, 1);
            i++;
        }
    }
}

#endif
