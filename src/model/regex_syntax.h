/* The Rust-regex-to-PCRE2 bk__rx behind pattern.c, shared by regex_syntax.c (groups, flags,
 * repetition, the main loop) and regex_escape.c (escapes, Unicode properties, bracket classes).
 * Not for use outside those files: the entry point is bk__regex_translate. */
#ifndef BK_MODEL_REGEX_SYNTAX_H
#define BK_MODEL_REGEX_SYNTAX_H

#include "brisk.h"
#include "model/pattern.h"
#include "model/text.h"

#include <stdint.h>

/* Translates a pattern in Rust's regex syntax (valid UTF-8) into PCRE2 syntax, appended to
 * `out`. Returns 0, BK_EINVAL with the reason in `error` (BK__PATTERN_ERROR_MAX bytes), or
 * BK_ENOMEM. */
int bk__regex_translate(const char *pattern, size_t len, bk_buf *out, char *error);

/* Rust's \w and \s (regex-syntax's Unicode perl classes), as PCRE2 class items. */
#define BK__RX_WORD_ITEMS "\\p{Alphabetic}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}"
#define BK__RX_SPACE_ITEMS                                                                         \
    "\\t\\n\\x{0B}\\f\\r\\x{20}\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}"       \
    "\\x{202F}\\x{205F}\\x{3000}"
#define BK__RX_W "[" BK__RX_WORD_ITEMS "]"

enum { BK__RX_MAX_DEPTH = 250, BK__RX_MAX_NAMES = 64 };

/* What the last thing written can take as a quantifier operand. */
typedef enum bk__rx_atom {
    BK__RX_ATOM_NONE,     /* nothing to repeat: "repetition operator missing expression" */
    BK__RX_ATOM_PLAIN,    /* a char, class or group */
    BK__RX_ATOM_REPEATED, /* already quantified: a second quantifier needs a group around it */
    BK__RX_ATOM_ASSERT,   /* an assertion: PCRE2 repeats it only inside a group */
} bk__rx_atom;

typedef struct bk__rx {
    const char *p;
    size_t n, i;
    bk_buf out;
    int error; /* BK_EINVAL (message in msg) or BK_ENOMEM */
    char msg[BK__PATTERN_ERROR_MAX];
    int x; /* x-mode (ignore whitespace, # comments) in the current group */
    int depth;
    uint8_t saved_x[BK__RX_MAX_DEPTH];
    size_t group_start[BK__RX_MAX_DEPTH];
    bk__rx_atom atom;
    size_t atom_start; /* offset in out where the last atom begins */
    bk__span names[BK__RX_MAX_NAMES];
    int nnames;
} bk__rx;

/* What an escape stands for. */
typedef enum bk__rx_escape {
    BK__RX_ESC_CHAR,   /* one code point: *cp */
    BK__RX_ESC_CLASS,  /* a class (written already) */
    BK__RX_ESC_ASSERT, /* an assertion (written already) */
} bk__rx_escape;

static inline int bk__rx_at_end(const bk__rx *t)
{
    return t->i >= t->n;
}

static inline char bk__rx_cur(const bk__rx *t)
{
    return bk__rx_at_end(t) ? '\0' : t->p[t->i];
}

static inline int bk__rx_is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int bk__rx_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
        return (c | 0x20) - 'a' + 10;
    return -1;
}

/* Records the first error: "regex parse error at offset N: ...". */
void bk__rx_fail(bk__rx *t, size_t at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void bk__rx_emit(bk__rx *t, const char *s, size_t len);
void bk__rx_emit_str(bk__rx *t, const char *s);
/* \x{H..} for one code point. */
void bk__rx_emit_code_point(bk__rx *t, uint32_t c);
/* Marks what was written from `start` as the last atom. */
void bk__rx_set_atom(bk__rx *t, size_t start, bk__rx_atom kind);
/* x-mode: skips whitespace and # comments. */
void bk__rx_skip_space(bk__rx *t);
/* The code point at t->i, advancing past it. */
uint32_t bk__rx_take_code_point(bk__rx *t);
/* An escape outside a class (t->i on the backslash); one-character escapes set *cp and write
 * nothing, the others write their PCRE2 form. */
bk__rx_escape bk__rx_read_escape(bk__rx *t, uint32_t *cp);
/* A bracket class (t->i on the '['). */
void bk__rx_read_class(bk__rx *t);

#endif
