/* Route table: a segment trie, so lookup cost depends on the path's length, not on how many
 * routes are registered. Static segments are matched before a {param} segment, which is matched
 * before a trailing {name:path} catch-all (FastAPI/Starlette match in registration order; a trie
 * gives the specific-before-generic order people expect without scanning every route). Where
 * no route takes the method, registration order does count, as in Starlette: the 405's Allow is
 * the first registered matching route's methods, not the union of the path's. */
#ifndef BK_APP_ROUTER_H
#define BK_APP_ROUTER_H

#include "brisk.h"

#define BK__MAX_PARAMS 16

typedef struct bk__router bk__router;

/* What a route leads to. */
typedef struct bk__route_target {
    bk_handler handler;
    void *udata;
    const char *pattern;         /* as registered, owned by the router: for logs and OpenAPI */
    int blocking;                /* the handler runs on the thread pool */
    uint64_t timeout_ms;         /* the request's deadline (504), 0 for none */
    const struct bk__pathop *op; /* a path operation's declaration (src/app/op.c), or NULL */
    /* Answers its own method only: FastAPI's APIRoute (a path operation) does not add HEAD to a
     * GET as Starlette's Route (bk_route) does. */
    int exact_methods;
} bk__route_target;

/* One captured path parameter: name from the pattern, value a slice of the matched path. */
typedef struct bk__param {
    const char *name;
    const char *value;
    size_t value_len;
} bk__param;

typedef enum bk__route_result {
    BK__ROUTE_FOUND,
    BK__ROUTE_NOT_FOUND,          /* no route matches the path: 404 */
    BK__ROUTE_METHOD_NOT_ALLOWED, /* the path matches, the method does not: 405 + Allow */
} bk__route_result;

typedef struct bk__match {
    const bk__route_target *target; /* set when BK__ROUTE_FOUND */
    /* Bit (1u << bk_method) for each method of a route: the found one's, or for a 405 the first
     * registered route's among those the path matches (Starlette answers with the first partial
     * match). A route's methods: its own, and HEAD too for a GET without exact_methods. */
    unsigned allowed;
    int nparams;
    bk__param params[BK__MAX_PARAMS];
} bk__match;

/* Creates an empty router, or NULL when out of memory. */
bk__router *bk__router_new(void);
/* Frees the router and everything it owns. */
void bk__router_free(bk__router *r);
/* Adds a route (a Starlette one: a GET also answers HEAD); see bk_route() in brisk.h for the
 * pattern syntax and results. Each route is one registration: its order counts for a 405. */
int bk__router_add(bk__router *r, bk_method method, const char *pattern, bk_handler handler,
                   void *udata);
/* bk__router_add with every field of the target (its pattern is ignored: the router's copy). */
int bk__router_add_target(bk__router *r, bk_method method, const char *pattern,
                          const bk__route_target *tmpl);
/* Looks up `path` (already percent-decoded, `len` bytes, starting with '/') for `method`
 * (BK_METHOD_COUNT for a method brisk has no routes for). A HEAD with no HEAD route falls back to
 * a GET route without exact_methods. Parameter values point into `path`. */
bk__route_result bk__router_match(const bk__router *r, bk_method method, const char *path,
                                  size_t len, bk__match *m);
/* Appends `pattern` as Starlette's path_format: each "{name:path}" as "{name}" (the path key of
 * OpenAPI and the path in FastAPI's operation ids). Returns 0 or BK_ENOMEM. */
int bk__path_format(bk_buf *out, const char *pattern);
/* The name of `m` ("GET"), NULL for BK_METHOD_COUNT. */
const char *bk__method_name(bk_method m);
/* The longest Allow value: every method's name and a ", " between each two. */
#define BK__ALLOW_MAX (sizeof("GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS"))
/* Writes the Allow header value for `allowed` ("GET, HEAD, POST") into buf; returns its length. */
size_t bk__router_allow(unsigned allowed, char *buf, size_t size);

#endif
