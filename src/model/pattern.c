/* pattern= constraints: the Rust-syntax pattern is translated to PCRE2's (regex_syntax.c) and
 * compiled once; a search runs PCRE2's matcher under a step limit (see pattern.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "model/pattern.h"
#include "brisk.h"
#include "model/regex_syntax.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Backtracking steps (pcre2_match's "match limit") one search may take: a few milliseconds. */
enum { MATCH_LIMIT = 1000000, HEAP_LIMIT_KIB = 4096 };

struct bk__pattern {
    pcre2_code *code;
    size_t source_len;
    char source[]; /* NUL-terminated copy of the pattern as written */
};

static void no_memory(char *error)
{
    snprintf(error, BK__PATTERN_ERROR_MAX, "out of memory");
}

/* Newline is LF whatever PCRE2 was built with: '.' and (?m) then see only \n, as Rust does. */
static pcre2_code *compile_pcre2(const bk_buf *translated, char *error)
{
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    if (!cc) {
        no_memory(error);
        return NULL;
    }
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    int code;
    PCRE2_SIZE offset;
    uint32_t options = PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_CIRCUMFLEX |
                       PCRE2_NEVER_BACKSLASH_C;
    pcre2_code *re =
        pcre2_compile((PCRE2_SPTR)translated->data, translated->len, options, &code, &offset, cc);
    pcre2_compile_context_free(cc);
    if (!re) {
        char text[160];
        pcre2_get_error_message(code, (PCRE2_UCHAR *)text, sizeof text);
        snprintf(error, BK__PATTERN_ERROR_MAX, "pattern not supported by PCRE2: %s", text);
    }
    return re;
}

bk__pattern *bk__pattern_compile(const char *pattern, size_t len, char *error)
{
    bk_buf translated = {0};
    int rc = bk__regex_translate(pattern, len, &translated, error);
    if (rc == BK_ENOMEM)
        no_memory(error);
    pcre2_code *re = rc == 0 ? compile_pcre2(&translated, error) : NULL;
    bk_buf_free(&translated);
    if (!re)
        return NULL;
    bk__pattern *p = malloc(sizeof *p + len + 1);
    if (!p) {
        pcre2_code_free(re);
        no_memory(error);
        return NULL;
    }
    p->code = re;
    p->source_len = len;
    memcpy(p->source, pattern, len);
    p->source[len] = '\0';
    return p;
}

/* PCRE2's match data, contexts and backtracking frames come from this stack arena (malloc past
 * it), so a short search allocates nothing and needs no per-thread state. */
typedef struct arena {
    union {
        max_align_t align;
        char bytes[4096];
    } buf;
    size_t used;
} arena;

static void *arena_malloc(size_t size, void *data)
{
    arena *a = data;
    size_t need = (size + 15) & ~(size_t)15;
    if (need >= size && need <= sizeof a->buf.bytes - a->used) {
        void *p = a->buf.bytes + a->used;
        a->used += need;
        return p;
    }
    return malloc(size);
}

static void arena_free(void *p, void *data)
{
    arena *a = data;
    char *c = p;
    if (c >= a->buf.bytes && c < a->buf.bytes + sizeof a->buf.bytes)
        return;
    free(p);
}

static int search_result(int rc)
{
    if (rc >= 0)
        return 1;
    if (rc == PCRE2_ERROR_NOMATCH)
        return 0;
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
        return BK_EINVAL;
    if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
        return BK_ERANGE;
    return rc == PCRE2_ERROR_NOMEMORY ? BK_ENOMEM : BK_EINVAL;
}

int bk__pattern_search(const bk__pattern *p, const char *s, size_t len)
{
    arena a;
    a.used = 0;
    pcre2_general_context *gc = pcre2_general_context_create(arena_malloc, arena_free, &a);
    pcre2_match_data *md = gc ? pcre2_match_data_create(1, gc) : NULL;
    pcre2_match_context *mc = md ? pcre2_match_context_create(gc) : NULL;
    int rc = PCRE2_ERROR_NOMEMORY;
    if (mc) {
        pcre2_set_match_limit(mc, MATCH_LIMIT);
        pcre2_set_heap_limit(mc, HEAP_LIMIT_KIB);
        rc = pcre2_match(p->code, (PCRE2_SPTR)s, len, 0, 0, md, mc);
    }
    pcre2_match_context_free(mc);
    pcre2_match_data_free(md);
    pcre2_general_context_free(gc);
    return search_result(rc);
}

const char *bk__pattern_source(const bk__pattern *p, size_t *len)
{
    if (len)
        *len = p->source_len;
    return p->source;
}

void bk__pattern_free(bk__pattern *p)
{
    if (!p)
        return;
    pcre2_code_free(p->code);
    free(p);
}
