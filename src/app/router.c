/* Segment trie router; see router.h for the matching rules. */
#include "app/router.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One registered (method, pattern). Param names live per route, not per trie node: "/i/{a}/x"
 * and "/i/{b}/y" share the {param} node but name their parameter differently. */
typedef struct route {
    bk__route_target target;
    unsigned
        methods; /* what it answers, bit (1u << method): its method, HEAD too for a plain GET */
    size_t seq;  /* registration order: a 405 answers with the first matching route's methods */
    int nparams;
    const char *names[BK__MAX_PARAMS];
    char text[]; /* the pattern, then each name NUL-terminated: both fit in 2 * (len + 1) */
} route;

typedef struct rnode rnode;
struct rnode {
    rnode **kids; /* static children, sorted by label for binary search */
    size_t nkids, kids_cap;
    rnode *param; /* {name}: any one non-empty segment */
    rnode *rest;  /* {name:path}: the remainder (empty too), always a leaf */
    route *routes[BK_METHOD_COUNT];
    const route *first; /* the first registered of routes[], NULL while there is none */
    size_t label_len;
    char label[];
};

struct bk__router {
    rnode *root;
    size_t nroutes; /* registered so far: the next route's seq */
};

/* ---- pattern parsing ------------------------------------------------------------------ */

typedef enum seg_kind { SEG_STATIC, SEG_PARAM, SEG_REST } seg_kind;

typedef struct segment {
    seg_kind kind;
    const char *text; /* static text, or the parameter's name */
    size_t len;
} segment;

/* Walks a pattern's segments. "/" has none; "/a/" has "a" then "" (a trailing slash counts). */
typedef struct seg_iter {
    const char *p;
    int done;
} seg_iter;

static void seg_iter_init(seg_iter *it, const char *pattern)
{
    it->p = pattern + 1;
    it->done = *it->p == '\0';
}

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static int is_valid_name(const char *s, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!is_name_char(s[i]))
            return 0;
    return 1;
}

/* Braces are reserved for parameters, so a stray one in a static segment is a typo, not text. */
static int parse_static(const char *s, size_t len, segment *out)
{
    if (memchr(s, '{', len) || memchr(s, '}', len))
        return BK_EINVAL;
    *out = (segment){SEG_STATIC, s, len};
    return 0;
}

static int parse_param(const char *s, size_t len, segment *out)
{
    if (len < 2 || s[len - 1] != '}')
        return BK_EINVAL;
    const char *inner = s + 1;
    size_t inner_len = len - 2;
    const char *colon = memchr(inner, ':', inner_len);
    size_t name_len = colon ? (size_t)(colon - inner) : inner_len;
    if (!is_valid_name(inner, name_len))
        return BK_EINVAL;
    if (colon && (inner_len - name_len - 1 != 4 || memcmp(colon + 1, "path", 4) != 0))
        return BK_EINVAL;
    *out = (segment){colon ? SEG_REST : SEG_PARAM, inner, name_len};
    return 0;
}

/* Returns 1 with the next segment in *out, 0 at the end, or BK_EINVAL. */
static int seg_iter_next(seg_iter *it, segment *out)
{
    if (it->done)
        return 0;
    const char *s = it->p;
    size_t len = strcspn(s, "/");
    it->p = s + len;
    if (*it->p == '/')
        it->p++;
    else
        it->done = 1;
    int err = len > 0 && s[0] == '{' ? parse_param(s, len, out) : parse_static(s, len, out);
    return err ? err : 1;
}

static int name_taken(const segment *names, int n, const segment *s)
{
    for (int i = 0; i < n; i++)
        if (names[i].len == s->len && memcmp(names[i].text, s->text, s->len) == 0)
            return 1;
    return 0;
}

/* Checks the whole pattern before the trie is touched, so a bad one leaves no trace. */
static int validate_pattern(const char *pattern)
{
    if (!pattern || pattern[0] != '/')
        return BK_EINVAL;
    segment names[BK__MAX_PARAMS];
    int nnames = 0, after_rest = 0, rc;
    seg_iter it;
    segment s;
    seg_iter_init(&it, pattern);
    while ((rc = seg_iter_next(&it, &s)) == 1) {
        if (after_rest)
            return BK_EINVAL;
        if (s.kind == SEG_STATIC)
            continue;
        if (nnames == BK__MAX_PARAMS || name_taken(names, nnames, &s))
            return BK_EINVAL;
        names[nnames++] = s;
        after_rest = s.kind == SEG_REST;
    }
    return rc;
}

/* ---- routes and nodes ----------------------------------------------------------------- */

/* Starlette's Route adds HEAD to a GET; FastAPI's APIRoute (exact_methods) does not. */
static unsigned route_methods(bk_method method, const bk__route_target *t)
{
    unsigned m = 1u << method;
    return method == BK_GET && !t->exact_methods ? m | (1u << BK_HEAD) : m;
}

static route *route_new(bk_method method, const char *pattern, const bk__route_target *tmpl)
{
    size_t len = strlen(pattern);
    route *rt = malloc(sizeof(*rt) + 2 * (len + 1));
    if (!rt)
        return NULL;
    memcpy(rt->text, pattern, len + 1);
    rt->target = *tmpl;
    rt->target.pattern = rt->text;
    rt->methods = route_methods(method, tmpl);
    rt->nparams = 0;
    char *names = rt->text + len + 1;
    seg_iter it;
    segment s;
    seg_iter_init(&it, pattern);
    while (seg_iter_next(&it, &s) == 1) {
        if (s.kind == SEG_STATIC)
            continue;
        memcpy(names, s.text, s.len);
        names[s.len] = '\0';
        rt->names[rt->nparams++] = names;
        names += s.len + 1;
    }
    return rt;
}

static rnode *node_new(const char *label, size_t label_len)
{
    rnode *n = calloc(1, sizeof(*n) + label_len + 1);
    if (!n)
        return NULL;
    memcpy(n->label, label, label_len);
    n->label_len = label_len;
    return n;
}

static void node_free(rnode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->nkids; i++)
        node_free(n->kids[i]);
    free(n->kids);
    node_free(n->param);
    node_free(n->rest);
    for (int m = 0; m < BK_METHOD_COUNT; m++)
        free(n->routes[m]);
    free(n);
}

static int label_cmp(const rnode *n, const char *s, size_t len)
{
    size_t common = n->label_len < len ? n->label_len : len;
    int c = memcmp(n->label, s, common);
    if (c != 0)
        return c;
    return (n->label_len > len) - (n->label_len < len);
}

/* Index of the static child labelled s, or of where it would be inserted; *found says which. */
static size_t kid_search(const rnode *n, const char *s, size_t len, int *found)
{
    size_t lo = 0, hi = n->nkids;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = label_cmp(n->kids[mid], s, len);
        if (c == 0) {
            *found = 1;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = 0;
    return lo;
}

static int kids_grow(rnode *n)
{
    if (n->nkids < n->kids_cap)
        return 0;
    size_t cap = n->kids_cap ? 2 * n->kids_cap : 4;
    rnode **kids = realloc(n->kids, cap * sizeof(*kids));
    if (!kids)
        return BK_ENOMEM;
    n->kids = kids;
    n->kids_cap = cap;
    return 0;
}

static rnode *static_child_get_or_add(rnode *n, const char *s, size_t len)
{
    int found;
    size_t at = kid_search(n, s, len, &found);
    if (found)
        return n->kids[at];
    rnode *kid = node_new(s, len);
    if (!kid || kids_grow(n) != 0) {
        free(kid);
        return NULL;
    }
    memmove(n->kids + at + 1, n->kids + at, (n->nkids - at) * sizeof(*n->kids));
    n->kids[at] = kid;
    n->nkids++;
    return kid;
}

static rnode *slot_get_or_add(rnode **slot)
{
    if (!*slot)
        *slot = node_new("", 0);
    return *slot;
}

static rnode *child_get_or_add(rnode *n, const segment *s)
{
    switch (s->kind) {
    case SEG_PARAM:
        return slot_get_or_add(&n->param);
    case SEG_REST:
        return slot_get_or_add(&n->rest);
    default:
        return static_child_get_or_add(n, s->text, s->len);
    }
}

/* Nodes created before an allocation failure stay behind without routes: they never match. */
static rnode *node_for_pattern(rnode *root, const char *pattern)
{
    rnode *n = root;
    seg_iter it;
    segment s;
    seg_iter_init(&it, pattern);
    while (n && seg_iter_next(&it, &s) == 1)
        n = child_get_or_add(n, &s);
    return n;
}

/* ---- public API: building ------------------------------------------------------------- */

bk__router *bk__router_new(void)
{
    bk__router *r = malloc(sizeof(*r));
    if (!r)
        return NULL;
    r->root = node_new("", 0);
    r->nroutes = 0;
    if (!r->root) {
        free(r);
        return NULL;
    }
    return r;
}

void bk__router_free(bk__router *r)
{
    if (!r)
        return;
    node_free(r->root);
    free(r);
}

int bk__router_add(bk__router *r, bk_method method, const char *pattern, bk_handler handler,
                   void *udata)
{
    bk__route_target t = {.handler = handler, .udata = udata};
    return bk__router_add_target(r, method, pattern, &t);
}

int bk__router_add_target(bk__router *r, bk_method method, const char *pattern,
                          const bk__route_target *tmpl)
{
    if (!r || (unsigned)method >= BK_METHOD_COUNT || !tmpl->handler)
        return BK_EINVAL;
    int err = validate_pattern(pattern);
    if (err)
        return err;
    rnode *n = node_for_pattern(r->root, pattern);
    if (!n)
        return BK_ENOMEM;
    if (n->routes[method])
        return BK_EEXIST;
    route *rt = route_new(method, pattern, tmpl);
    if (!rt)
        return BK_ENOMEM;
    rt->seq = r->nroutes++;
    n->routes[method] = rt;
    if (!n->first)
        n->first = rt;
    return 0;
}

/* ---- public API: matching ------------------------------------------------------------- */

typedef struct match_ctx {
    const char *end;
    unsigned method; /* BK_METHOD_COUNT or above: unknown, never found */
    bk__match *m;
    const route *found;
    const route *first; /* the earliest registered route of every node the path reached: the
                           one Starlette's Router, trying routes in order, answers a 405 with */
} match_ctx;

/* The node's route for `method`: its own, else for HEAD a GET route that answers HEAD too. An
 * explicit HEAD route wins over the GET wherever each was registered. */
static const route *route_for(const rnode *n, unsigned method)
{
    if (method >= BK_METHOD_COUNT)
        return NULL;
    if (n->routes[method])
        return n->routes[method];
    const route *get = n->routes[BK_GET];
    return method == BK_HEAD && get && (get->methods & (1u << BK_HEAD)) ? get : NULL;
}

static int match_end(match_ctx *c, const rnode *n)
{
    if (!n->first)
        return 0;
    if (!c->first || n->first->seq < c->first->seq)
        c->first = n->first;
    const route *rt = route_for(n, c->method);
    if (!rt)
        return 0;
    c->found = rt;
    return 1;
}

static const rnode *static_child(const rnode *n, const char *s, size_t len)
{
    int found;
    size_t at = kid_search(n, s, len, &found);
    return found ? n->kids[at] : NULL;
}

static void capture(match_ctx *c, int i, const char *value, size_t len)
{
    c->m->params[i].value = value;
    c->m->params[i].value_len = len;
}

/* `seg` starts the next path segment, or is NULL once the path is used up. Tries static, then
 * {param}, then the catch-all, so a specific branch that dead-ends falls back to a generic one.
 * Recursion depth is bounded by the trie's depth, not by the request path. */
static int match_from(match_ctx *c, const rnode *n, const char *seg, int nparams)
{
    if (!seg)
        return match_end(c, n);
    const char *slash = memchr(seg, '/', (size_t)(c->end - seg));
    const char *seg_end = slash ? slash : c->end;
    const char *next = slash ? slash + 1 : NULL;
    size_t seg_len = (size_t)(seg_end - seg);
    const rnode *kid = static_child(n, seg, seg_len);
    if (kid && match_from(c, kid, next, nparams))
        return 1;
    if (n->param && seg_len > 0) {
        capture(c, nparams, seg, seg_len);
        if (match_from(c, n->param, next, nparams + 1))
            return 1;
    }
    if (n->rest && seg <= c->end) { /* Starlette's path convertor: .*, so "" too */
        capture(c, nparams, seg, (size_t)(c->end - seg));
        return match_end(c, n->rest);
    }
    return 0;
}

bk__route_result bk__router_match(const bk__router *r, bk_method method, const char *path,
                                  size_t len, bk__match *m)
{
    m->target = NULL;
    m->allowed = 0;
    m->nparams = 0;
    if (len == 0 || path[0] != '/')
        return BK__ROUTE_NOT_FOUND;
    match_ctx c = {path + len, (unsigned)method, m, NULL, NULL};
    if (match_from(&c, r->root, len > 1 ? path + 1 : NULL, 0)) {
        m->target = &c.found->target;
        m->allowed = c.found->methods;
        m->nparams = c.found->nparams;
        for (int i = 0; i < m->nparams; i++)
            m->params[i].name = c.found->names[i];
        return BK__ROUTE_FOUND;
    }
    if (!c.first)
        return BK__ROUTE_NOT_FOUND;
    m->allowed = c.first->methods;
    return BK__ROUTE_METHOD_NOT_ALLOWED;
}

const char *bk__method_name(bk_method m)
{
    static const char *const names[BK_METHOD_COUNT] = {"GET",    "HEAD",  "POST",   "PUT",
                                                       "DELETE", "PATCH", "OPTIONS"};
    return (unsigned)m < BK_METHOD_COUNT ? names[m] : NULL;
}

size_t bk__router_allow(unsigned allowed, char *buf, size_t size)
{
    size_t len = 0;
    if (size == 0)
        return 0;
    buf[0] = '\0';
    for (int i = 0; i < BK_METHOD_COUNT; i++) {
        if (!(allowed & (1u << i)))
            continue;
        const char *sep = len ? ", " : "";
        int n = snprintf(buf + len, size - len, "%s%s", sep, bk__method_name((bk_method)i));
        if (n < 0 || (size_t)n >= size - len)
            return size - 1;
        len += (size_t)n;
    }
    return len;
}

int bk__path_format(bk_buf *out, const char *pattern)
{
    int rc = bk_buf_reserve(out, strlen(pattern));
    int in_param = 0, in_convertor = 0; /* inside "{...}", and past its ':' */
    for (const char *p = pattern; *p && rc == 0; p++) {
        if (*p == '{')
            in_param = 1;
        else if (*p == '}')
            in_param = in_convertor = 0;
        else if (*p == ':' && in_param)
            in_convertor = 1;
        if (!in_convertor)
            rc = bk_buf_append(out, p, 1);
    }
    return rc;
}
