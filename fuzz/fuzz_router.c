/* fuzz_router — the segment-trie router (src/app/router.c), against a brute-force model.
 *
 * Input: lines separated by '\n'. A line whose first byte has its high bit set registers the
 * rest of the line (a C string: cut at a NUL) as a pattern for method (byte & 7) — 7 is out of
 * range and must be refused — as a path operation (exact_methods: its GET does not answer HEAD)
 * when bit 0x08 is set too; any other line matches the rest of the line (raw bytes, NULs
 * included) as a path with method (byte % 8), 7 standing for a method brisk has no routes for.
 * A fixed set of routes is registered first.
 *
 * Invariants: bk__router_add's result equals the model's (BK_EINVAL for what the pattern grammar
 * refuses, BK_EEXIST for a second route on the same method and segment shape); bk__router_match
 * finds a route exactly when one of the registered patterns matches and its route's methods
 * (its own; HEAD too for a GET that is no operation) hold the request's, finds the one the
 * static > {param} > {name:path} precedence picks, with the parameters that pattern captures
 * (names from the pattern, values slices of the path itself); the allowed set is the found
 * route's methods, or for a 405 the methods of the first registered route the path matches
 * (Starlette's Router); bk__router_allow writes a NUL-terminated string of the length it
 * returns at every buffer size; bk__router_free releases everything (LeakSanitizer).
 */
#include "fuzz_util.h"
#include "app/router.h"

#include <stdint.h>

enum { MAX_ROUTES = 512, MAX_SEGS = 256 };

typedef enum { K_STATIC = 0, K_PARAM = 1, K_REST = 2 } kind;

typedef struct pseg {
    kind k;
    const char *text; /* static label, or the parameter name */
    size_t len;
} pseg;

typedef struct mroute { /* routes[] holds them in registration order */
    bk_method method;
    unsigned methods; /* what it answers: 1u << method, HEAD too for a plain GET */
    char *pattern;
    pseg segs[MAX_SEGS];
    int nsegs;
    int nparams;
} mroute;

typedef struct fmodel {
    mroute routes[MAX_ROUTES];
    int n;
} fmodel;

static void dummy_handler(bk_req *req)
{
    (void)req;
}

static void other_handler(bk_req *req)
{
    (void)req;
}

static int name_ok(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* The grammar of brisk.h: '/'-separated segments; "{name}" or a last "{name:path}"; names
 * [A-Za-z0-9_]+ and distinct, at most BK__MAX_PARAMS; braces nowhere else. Returns 0 or
 * BK_EINVAL, filling segs. */
static int model_parse(const char *pat, pseg *segs, int *nsegs, int *nparams)
{
    *nsegs = *nparams = 0;
    if (pat[0] != '/')
        return BK_EINVAL;
    if (pat[1] == '\0')
        return 0; /* "/": no segments */
    const char *p = pat + 1;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (*nsegs == MAX_SEGS)
            return -1; /* beyond the model: skip */
        if (*nsegs && segs[*nsegs - 1].k == K_REST)
            return BK_EINVAL; /* nothing after a catch-all */
        pseg s;
        if (len && p[0] == '{') {
            if (len < 2 || p[len - 1] != '}')
                return BK_EINVAL;
            const char *in = p + 1;
            size_t in_len = len - 2, name_len = in_len;
            const char *colon = memchr(in, ':', in_len);
            if (colon) {
                name_len = (size_t)(colon - in);
                if (in_len - name_len - 1 != 4 || memcmp(colon + 1, "path", 4) != 0)
                    return BK_EINVAL;
            }
            if (!name_ok(in, name_len))
                return BK_EINVAL;
            for (int i = 0; i < *nsegs; i++)
                if (segs[i].k != K_STATIC && segs[i].len == name_len &&
                    memcmp(segs[i].text, in, name_len) == 0)
                    return BK_EINVAL;
            if (*nparams == BK__MAX_PARAMS)
                return BK_EINVAL;
            (*nparams)++;
            s = (pseg){colon ? K_REST : K_PARAM, in, name_len};
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len))
                return BK_EINVAL;
            s = (pseg){K_STATIC, p, len};
        }
        segs[(*nsegs)++] = s;
        if (!slash)
            return 0;
        p = slash + 1;
    }
}

/* Same node in the trie: same segment kinds and static labels (parameter names do not count). */
static int same_shape(const mroute *a, const pseg *segs, int nsegs)
{
    if (a->nsegs != nsegs)
        return 0;
    for (int i = 0; i < nsegs; i++) {
        if (a->segs[i].k != segs[i].k)
            return 0;
        if (segs[i].k == K_STATIC &&
            (a->segs[i].len != segs[i].len || memcmp(a->segs[i].text, segs[i].text, segs[i].len)))
            return 0;
    }
    return 1;
}

typedef struct capture {
    size_t off, len;
} capture;

/* Does route rt match path? Fills the captures and the kind of each segment. */
static int model_match(const mroute *rt, const char *path, size_t len, capture *caps)
{
    if (len == 0 || path[0] != '/')
        return 0;
    size_t pos = 1;
    int more = len > 1; /* a segment starts at pos */
    int ncap = 0;
    for (int i = 0; i < rt->nsegs; i++) {
        const pseg *s = &rt->segs[i];
        if (!more)
            return 0;
        if (s->k == K_REST) { /* Starlette's path convertor is .*: the rest may be empty */
            caps[ncap++] = (capture){pos, len - pos};
            return 1;
        }
        const char *slash = memchr(path + pos, '/', len - pos);
        size_t end = slash ? (size_t)(slash - path) : len;
        size_t seg_len = end - pos;
        if (s->k == K_STATIC) {
            if (seg_len != s->len || memcmp(path + pos, s->text, seg_len) != 0)
                return 0;
        } else {
            if (seg_len == 0)
                return 0;
            caps[ncap++] = (capture){pos, seg_len};
        }
        more = slash != NULL;
        pos = end + 1;
    }
    return !more;
}

/* Precedence: the first segment where two matching shapes differ decides, static before
 * {param} before {name:path}. Negative when a wins. */
static int precedence(const mroute *a, const mroute *b)
{
    for (int i = 0; i < a->nsegs && i < b->nsegs; i++)
        if (a->segs[i].k != b->segs[i].k)
            return (int)a->segs[i].k - (int)b->segs[i].k;
    return a->nsegs - b->nsegs; /* cannot both match then; keeps the order total */
}

static unsigned route_methods(bk_method method, int exact)
{
    unsigned m = 1u << method;
    return method == BK_GET && !exact ? m | (1u << BK_HEAD) : m;
}

static const char *const method_names[] = {"GET",    "HEAD",  "POST",   "PUT",
                                           "DELETE", "PATCH", "OPTIONS"};

static void check_allow(unsigned allowed)
{
    char full[128];
    size_t n = 0;
    full[0] = '\0';
    for (int i = 0; i < BK_METHOD_COUNT; i++)
        if (allowed & (1u << i))
            n += (size_t)snprintf(full + n, sizeof(full) - n, "%s%s", n ? ", " : "",
                                  method_names[i]);
    for (size_t size = 0; size <= n + 2; size++) {
        char buf[130];
        memset(buf, 'Z', sizeof(buf));
        size_t got = bk__router_allow(allowed, buf, size);
        if (size == 0) {
            FUZZ_CHECK(got == 0 && buf[0] == 'Z', "bk__router_allow wrote into a 0-byte buffer");
            continue;
        }
        FUZZ_CHECK(memchr(buf, '\0', size) != NULL, "Allow not NUL-terminated (size %zu)", size);
        FUZZ_CHECK(strlen(buf) == got, "Allow length %zu but returned %zu (size %zu)", strlen(buf),
                   got, size);
        FUZZ_CHECK(got < size && buf[size] == 'Z', "bk__router_allow wrote past size %zu", size);
        FUZZ_CHECK(strncmp(buf, full, got) == 0 && (size <= n || got == n),
                   "Allow \"%s\" is not (a prefix of) \"%s\"", buf, full);
    }
}

static void do_match(const bk__router *r, const fmodel *fm, bk_method method, const char *path,
                     size_t len)
{
    bk__match m;
    memset(&m, 0xA5, sizeof(m));
    bk__route_result res = bk__router_match(r, method, path, len, &m);
    FUZZ_CHECK(res == BK__ROUTE_FOUND || res == BK__ROUTE_NOT_FOUND ||
                   res == BK__ROUTE_METHOD_NOT_ALLOWED,
               "bad result %d", (int)res);

    /* The model: every route whose pattern matches; the best one acceptable for the method,
     * and the first registered one, which answers a 405. */
    const mroute *best = NULL, *first = NULL;
    for (int i = 0; i < fm->n; i++) {
        const mroute *rt = &fm->routes[i];
        capture caps[BK__MAX_PARAMS + 1];
        if (!model_match(rt, path, len, caps))
            continue;
        if (!first)
            first = rt;
        int ok = (unsigned)method < BK_METHOD_COUNT && (rt->methods & (1u << method));
        if (ok && (!best || precedence(rt, best) < 0))
            best = rt;
    }
    if (best) {
        /* Same node as best: HEAD prefers its own route over GET's. */
        for (int i = 0; i < fm->n; i++) {
            const mroute *rt = &fm->routes[i];
            if (rt->method == method && same_shape(rt, best->segs, best->nsegs))
                best = rt;
        }
    }
    bk__route_result want = best    ? BK__ROUTE_FOUND
                            : first ? BK__ROUTE_METHOD_NOT_ALLOWED
                                    : BK__ROUTE_NOT_FOUND;
    if (res != want)
        fz_dump(stderr, "path", path, len, 300);
    FUZZ_CHECK(res == want, "method %d: result %d, model expects %s (best pattern %s)", (int)method,
               (int)res,
               best    ? "FOUND"
               : first ? "405"
                       : "404",
               best ? best->pattern : "-");

    if (res == BK__ROUTE_FOUND) {
        FUZZ_CHECK(m.target != NULL && m.target->pattern != NULL, "FOUND without a target");
        FUZZ_CHECK(m.target->handler == dummy_handler, "target has the wrong handler");
        const mroute *got = m.target->udata;
        FUZZ_CHECK(got >= fm->routes && got < fm->routes + fm->n, "target udata is not a route");
        FUZZ_CHECK(strcmp(m.target->pattern, got->pattern) == 0,
                   "target pattern \"%s\" is not the registered \"%s\"", m.target->pattern,
                   got->pattern);
        if (got != best)
            fz_dump(stderr, "path", path, len, 300);
        FUZZ_CHECK(got == best, "found \"%s\" (method %d), the model picks \"%s\" (method %d)",
                   got->pattern, (int)got->method, best->pattern, (int)best->method);
        FUZZ_CHECK(m.allowed == best->methods, "allowed %#x, the route's methods %#x", m.allowed,
                   best->methods);
        capture caps[BK__MAX_PARAMS + 1];
        model_match(best, path, len, caps);
        FUZZ_CHECK(m.nparams == best->nparams && m.nparams >= 0 && m.nparams <= BK__MAX_PARAMS,
                   "%d params, pattern has %d", m.nparams, best->nparams);
        int k = 0;
        for (int i = 0; i < best->nsegs; i++) {
            const pseg *s = &best->segs[i];
            if (s->k == K_STATIC)
                continue;
            const bk__param *p = &m.params[k];
            FUZZ_CHECK(p->name && strlen(p->name) == s->len &&
                           memcmp(p->name, s->text, s->len) == 0,
                       "param %d is named \"%s\"", k, p->name ? p->name : "(null)");
            FUZZ_CHECK(p->value >= path && p->value <= path + len &&
                           p->value_len <= (size_t)(path + len - p->value),
                       "param %d's value lies outside the path", k);
            FUZZ_CHECK(p->value == path + caps[k].off && p->value_len == caps[k].len,
                       "param %s = [%zu, +%zu), model [%zu, +%zu)", p->name,
                       (size_t)(p->value - path), p->value_len, caps[k].off, caps[k].len);
            FUZZ_CHECK(p->value_len > 0, "empty parameter value");
            k++;
        }
    } else {
        FUZZ_CHECK(m.nparams == 0, "no route but %d params", m.nparams);
        FUZZ_CHECK(m.target == NULL, "no route but a target");
        unsigned want_allowed = first ? first->methods : 0;
        FUZZ_CHECK(m.allowed == want_allowed, "allowed %#x, the first route's (\"%s\") %#x",
                   m.allowed, first ? first->pattern : "-", want_allowed);
    }
    check_allow(m.allowed);
}

static int do_add(bk__router *r, fmodel *fm, unsigned method, int exact, const char *pattern)
{
    pseg segs[MAX_SEGS];
    int nsegs, nparams;
    int want = model_parse(pattern, segs, &nsegs, &nparams);
    if (want < 0 && want != BK_EINVAL)
        return 0; /* beyond the model's limits: do not register */
    if (method >= BK_METHOD_COUNT)
        want = BK_EINVAL;
    if (want == 0)
        for (int i = 0; i < fm->n; i++)
            if (fm->routes[i].method == (bk_method)method &&
                same_shape(&fm->routes[i], segs, nsegs))
                want = BK_EEXIST;
    if (want == 0 && fm->n == MAX_ROUTES)
        return 0;
    mroute *rt = &fm->routes[fm->n];
    bk__route_target t = {.handler = dummy_handler, .udata = rt, .exact_methods = exact};
    int got = bk__router_add_target(r, (bk_method)method, pattern, &t);
    if (got != want)
        fz_dump(stderr, "pattern", pattern, strlen(pattern), 300);
    FUZZ_CHECK(got == want, "bk__router_add(%u, \"%s\") = %d, model %d", method, pattern, got,
               want);
    if (got == 0) {
        rt->method = (bk_method)method;
        rt->methods = route_methods(rt->method, exact);
        rt->pattern = strdup(pattern);
        FUZZ_CHECK(rt->pattern != NULL, "strdup");
        /* Re-parse against the copy so segment pointers stay valid. */
        model_parse(rt->pattern, rt->segs, &rt->nsegs, &rt->nparams);
        fm->n++;
        /* A second registration of the same shape is refused and changes nothing. */
        FUZZ_CHECK(bk__router_add(r, (bk_method)method, pattern, other_handler, NULL) == BK_EEXIST,
                   "duplicate of \"%s\" accepted", pattern);
    }
    return got;
}

static const struct {
    bk_method method;
    const char *pattern;
    int exact; /* a path operation's route */
} fixed[] = {
    {BK_GET, "/", 0},
    {BK_GET, "/items", 0},
    {BK_POST, "/items", 0},
    {BK_GET, "/items/{id}", 0},
    {BK_PUT, "/items/{item_id}", 0},
    {BK_DELETE, "/items/{id}", 0},
    {BK_GET, "/items/{id}/tags/{tag}", 0},
    {BK_GET, "/items/special", 0},
    {BK_GET, "/users/me", 0},
    {BK_GET, "/users/{user_id}", 0},
    {BK_GET, "/files/{file_path:path}", 0},
    {BK_PATCH, "/files/readme", 0},
    {BK_GET, "/a/", 0},
    {BK_GET, "/a/{x}/c", 0},
    {BK_HEAD, "/a/b/{y}", 0},
    {BK_GET, "/a/b/{y}", 0},
    {BK_OPTIONS, "/a/{rest:path}", 0},
    {BK_GET,
     "/x/{p1}/{p2}/{p3}/{p4}/{p5}/{p6}/{p7}/{p8}/{p9}/{p10}/{p11}/{p12}/{p13}/{p14}/{p15}/"
     "{p16:path}",
     0},
    {BK_GET, "/caf\xc3\xa9/{n}", 0},
    {BK_GET, "/dup//{d}", 0},
    /* path operations: a GET that does not answer HEAD, beside plain routes */
    {BK_GET, "/ops", 1},
    {BK_POST, "/ops", 1},
    {BK_GET, "/ops/{id}", 1},
    {BK_GET, "/ops/{id}/x", 1},
    {BK_GET, "/ops/{id}/{any:path}", 0},
    {BK_HEAD, "/ops/{id}/h", 0},
    {BK_GET, "/ops/{id}/h", 1},
    /* registration order across nodes: a 405 answers with the first */
    {BK_POST, "/ord/b", 0},
    {BK_GET, "/ord/{x}", 0},
    {BK_PUT, "/ord/{x}/c", 1},
    {BK_GET, "/ord/b/c", 0},
};

static fmodel model_storage;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fmodel *fm = &model_storage;
    fm->n = 0;
    bk__router *r = bk__router_new();
    FUZZ_CHECK(r != NULL, "bk__router_new");
    FUZZ_CHECK(bk__router_add(r, BK_GET, "/ok", NULL, NULL) == BK_EINVAL, "NULL handler accepted");
    FUZZ_CHECK(bk__router_add(r, BK_GET, NULL, dummy_handler, NULL) == BK_EINVAL, "NULL pattern");
    FUZZ_CHECK(bk__router_add(NULL, BK_GET, "/", dummy_handler, NULL) == BK_EINVAL, "NULL router");
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        FUZZ_CHECK(do_add(r, fm, fixed[i].method, fixed[i].exact, fixed[i].pattern) == 0,
                   "fixed route %s", fixed[i].pattern);

    char *pat = malloc(size + 1);
    FUZZ_CHECK(pat != NULL, "malloc");
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t end = nl ? (size_t)(nl - data) : size;
        if (end > pos) {
            unsigned sel = data[pos];
            const char *body = (const char *)data + pos + 1;
            size_t len = end - pos - 1;
            if (sel & 0x80) {
                memcpy(pat, body, len);
                pat[len] = '\0';
                do_add(r, fm, sel & 7, (sel & 0x08) != 0, pat);
            } else {
                unsigned m = sel % 8;
                /* An exact-size copy, so ASan sees any read past the path's end. */
                char *path = malloc(len ? len : 1);
                FUZZ_CHECK(path != NULL, "malloc");
                memcpy(path, body, len);
                do_match(r, fm, m == 7 ? BK_METHOD_COUNT : (bk_method)m, path, len);
                free(path);
            }
        }
        pos = end + 1;
    }
    /* Each registered pattern, taken literally as a path, is a path of its own. */
    for (int i = 0; i < fm->n && i < 64; i++)
        do_match(r, fm, BK_GET, fm->routes[i].pattern, strlen(fm->routes[i].pattern));

    free(pat);
    bk__router_free(r);
    for (int i = 0; i < fm->n; i++)
        free(fm->routes[i].pattern);
    return 0;
}
