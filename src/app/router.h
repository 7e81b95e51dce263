/* Route table: a segment trie, so lookup cost depends on the path's length, not on how many
 * routes are registered. Static segments are matched before a {param} segment, which is matched
 * before a trailing {name:path} catch-all (FastAPI/Starlette match in registration order; a trie
 * gives the specific-before-generic order people expect without scanning every route). */
#ifndef BK_ROUTER_H
#define BK_ROUTER_H

#include "brisk.h"

#define BK_MAX_PARAMS 16

typedef struct bk_router bk_router;

/* What a route leads to. */
typedef struct bk_route_target {
    bk_handler handler;
    void *udata;
    const char *pattern; /* as registered, owned by the router: for logs and OpenAPI */
} bk_route_target;

/* One captured path parameter: name from the pattern, value a slice of the matched path. */
typedef struct bk_param {
    const char *name;
    const char *value;
    size_t value_len;
} bk_param;

typedef enum bk_route_result {
    BK_ROUTE_FOUND,
    BK_ROUTE_NOT_FOUND,          /* no route matches the path: 404 */
    BK_ROUTE_METHOD_NOT_ALLOWED, /* the path matches, the method does not: 405 + Allow */
} bk_route_result;

typedef struct bk_match {
    const bk_route_target *target; /* set when BK_ROUTE_FOUND */
    unsigned allowed;              /* methods the matched path accepts: bit (1u << bk_method) */
    int nparams;
    bk_param params[BK_MAX_PARAMS];
} bk_match;

/* Creates an empty router, or NULL when out of memory. */
bk_router *bk_router_new(void);
/* Frees the router and everything it owns. */
void bk_router_free(bk_router *r);
/* Adds a route; see bk_route() in brisk.h for the pattern syntax and results. */
int bk_router_add(bk_router *r, bk_method method, const char *pattern, bk_handler handler,
                  void *udata);
/* Looks up `path` (already percent-decoded, `len` bytes, starting with '/') for `method`
 * (BK_METHOD_COUNT for a method brisk has no routes for). HEAD falls back to GET. Parameter
 * values point into `path`. */
bk_route_result bk_router_match(const bk_router *r, bk_method method, const char *path, size_t len,
                                bk_match *m);
/* Writes the Allow header value for `allowed` ("GET, HEAD, POST") into buf; returns its length. */
size_t bk_router_allow(unsigned allowed, char *buf, size_t size);

#endif
