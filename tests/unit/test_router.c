/* Unit tests for the segment-trie router (src/app/router.c). */
#include "app/router.h"
#include "check.h"

#include <stdint.h>
#include <stdlib.h>

static void handler_a(bk_req *req)
{
    (void)req;
}

static void handler_b(bk_req *req)
{
    (void)req;
}

static int tag(void *udata)
{
    return (int)(intptr_t)udata;
}

static void *udata_of(int n)
{
    return (void *)(intptr_t)n;
}

static int add(bk__router *r, bk_method method, const char *pattern, int n)
{
    return bk__router_add(r, method, pattern, handler_a, udata_of(n));
}

/* A path operation's route (FastAPI's APIRoute): it answers its own method only. */
static int add_op(bk__router *r, bk_method method, const char *pattern, int n)
{
    bk__route_target t = {.handler = handler_a, .udata = udata_of(n), .exact_methods = 1};
    return bk__router_add_target(r, method, pattern, &t);
}

static bk__route_result match(const bk__router *r, bk_method method, const char *path, bk__match *m)
{
    return bk__router_match(r, method, path, strlen(path), m);
}

/* The udata tag of the route `path` finds for `method`, or -1 when none does. */
static int found(const bk__router *r, bk_method method, const char *path)
{
    bk__match m;
    if (match(r, method, path, &m) != BK__ROUTE_FOUND)
        return -1;
    return tag(m.target->udata);
}

static int param_is(const bk__param *p, const char *name, const char *value)
{
    return strcmp(p->name, name) == 0 && p->value_len == strlen(value) &&
           memcmp(p->value, value, p->value_len) == 0;
}

static void test_static(void)
{
    bk__router *r = bk__router_new();
    CHECK(r != NULL);
    CHECK(add(r, BK_GET, "/", 1) == 0);
    CHECK(add(r, BK_GET, "/items", 2) == 0);
    CHECK(add(r, BK_GET, "/items/all", 3) == 0);
    CHECK(add(r, BK_GET, "/users", 4) == 0);
    CHECK(bk__router_add(r, BK_POST, "/items", handler_b, udata_of(5)) == 0);

    CHECK(found(r, BK_GET, "/") == 1);
    CHECK(found(r, BK_GET, "/items") == 2);
    CHECK(found(r, BK_GET, "/items/all") == 3);
    CHECK(found(r, BK_GET, "/users") == 4);
    CHECK(found(r, BK_POST, "/items") == 5);
    CHECK(found(r, BK_GET, "/item") == -1);
    CHECK(found(r, BK_GET, "/itemsx") == -1);
    CHECK(found(r, BK_GET, "/items/all/more") == -1);

    bk__match m;
    CHECK(match(r, BK_POST, "/items", &m) == BK__ROUTE_FOUND);
    CHECK(m.target->handler == handler_b);
    CHECK_STREQ(m.target->pattern, "/items");
    CHECK(m.nparams == 0);
    bk__router_free(r);
}

static void test_not_nul_terminated(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/ab", 1) == 0);
    CHECK(add(r, BK_GET, "/ab/{id}", 2) == 0);
    bk__match m;
    /* Only `len` bytes count: what follows in memory is not part of the path. */
    CHECK(bk__router_match(r, BK_GET, "/ab/cd", 3, &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(bk__router_match(r, BK_GET, "/ab/cdXYZ", 6, &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 2);
    CHECK(m.params[0].value_len == 2);
    CHECK(bk__router_match(r, BK_GET, "/abc", 0, &m) == BK__ROUTE_NOT_FOUND);
    CHECK(bk__router_match(r, BK_GET, "ab", 2, &m) == BK__ROUTE_NOT_FOUND);
    bk__router_free(r);
}

static void test_params(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/items/{item_id}", 1) == 0);
    CHECK(add(r, BK_GET, "/users/{user}/posts/{post}", 2) == 0);
    CHECK(add(r, BK_GET, "/{a}/{b}/{c}", 3) == 0);

    bk__match m;
    CHECK(match(r, BK_GET, "/items/42", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(m.nparams == 1);
    CHECK(param_is(&m.params[0], "item_id", "42"));

    const char *path = "/users/ann/posts/7";
    CHECK(match(r, BK_GET, path, &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 2);
    CHECK(m.nparams == 2);
    CHECK(param_is(&m.params[0], "user", "ann"));
    CHECK(param_is(&m.params[1], "post", "7"));
    CHECK(m.params[0].value == path + 7); /* values are slices of the path, not copies */

    CHECK(match(r, BK_GET, "/x/y/z", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 3);
    CHECK(m.nparams == 3);
    CHECK(param_is(&m.params[0], "a", "x"));
    CHECK(param_is(&m.params[1], "b", "y"));
    CHECK(param_is(&m.params[2], "c", "z"));

    /* A parameter is exactly one non-empty segment. */
    CHECK(found(r, BK_GET, "/items/") == -1);
    CHECK(found(r, BK_GET, "/items") == -1);
    CHECK(found(r, BK_GET, "/items/4/2/1") == -1);
    CHECK(found(r, BK_GET, "/x//z") == -1);
    bk__router_free(r);
}

static void test_param_names_per_route(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/i/{a}/x", 1) == 0);
    CHECK(add(r, BK_GET, "/i/{b}/y", 2) == 0);
    CHECK(add(r, BK_POST, "/i/{c}/x", 3) == 0);
    bk__match m;
    CHECK(match(r, BK_GET, "/i/1/x", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "a", "1"));
    CHECK(match(r, BK_GET, "/i/2/y", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "b", "2"));
    CHECK(match(r, BK_POST, "/i/3/x", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "c", "3"));
    bk__router_free(r);
}

static void test_catch_all(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/files/{path:path}", 1) == 0);
    CHECK(add(r, BK_GET, "/static/{dir}/{rest:path}", 2) == 0);
    CHECK(add(r, BK_GET, "/{all:path}", 3) == 0);

    bk__match m;
    CHECK(match(r, BK_GET, "/files/a/b/c.txt", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(m.nparams == 1);
    CHECK(param_is(&m.params[0], "path", "a/b/c.txt"));
    CHECK(match(r, BK_GET, "/files/x", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "path", "x"));
    CHECK(match(r, BK_GET, "/files/x/", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "path", "x/"));

    CHECK(match(r, BK_GET, "/static/css/a/b.css", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 2);
    CHECK(m.nparams == 2);
    CHECK(param_is(&m.params[0], "dir", "css"));
    CHECK(param_is(&m.params[1], "rest", "a/b.css"));

    /* An empty remainder matches, as Starlette's path convertor (.*) does. */
    CHECK(match(r, BK_GET, "/files/", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(param_is(&m.params[0], "path", ""));
    CHECK(match(r, BK_GET, "/anything/else", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "all", "anything/else"));
    CHECK(found(r, BK_GET, "/") == -1);
    bk__router_free(r);

    r = bk__router_new();
    CHECK(add(r, BK_GET, "/files/{p:path}", 1) == 0);
    CHECK(found(r, BK_GET, "/files/") == 1);
    CHECK(found(r, BK_GET, "/files") == -1); /* no segment for the catch-all: redirect_slashes' */
    bk__router_free(r);
}

static void test_precedence(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/users/{id}", 1) == 0);
    CHECK(add(r, BK_GET, "/users/me", 2) == 0); /* registered later, still wins */
    CHECK(add(r, BK_GET, "/users/{p:path}", 3) == 0);
    CHECK(found(r, BK_GET, "/users/me") == 2);
    CHECK(found(r, BK_GET, "/users/42") == 1);
    CHECK(found(r, BK_GET, "/users/42/x") == 3);
    bk__router_free(r);
}

static void test_backtracking(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/a/b/c", 1) == 0);
    CHECK(add(r, BK_GET, "/a/{x}/d", 2) == 0);
    CHECK(add(r, BK_GET, "/a/{y:path}", 3) == 0);
    CHECK(add(r, BK_GET, "/a/b", 4) == 0);

    bk__match m;
    CHECK(found(r, BK_GET, "/a/b/c") == 1);
    CHECK(match(r, BK_GET, "/a/b/d", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 2);
    CHECK(m.nparams == 1);
    CHECK(param_is(&m.params[0], "x", "b"));
    CHECK(match(r, BK_GET, "/a/b/e", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 3);
    CHECK(m.nparams == 1);
    CHECK(param_is(&m.params[0], "y", "b/e"));
    CHECK(found(r, BK_GET, "/a/b") == 4);
    bk__router_free(r);

    /* Backtracking also happens when the specific node exists but lacks the method. */
    r = bk__router_new();
    CHECK(add(r, BK_GET, "/a/b", 1) == 0);
    CHECK(add(r, BK_POST, "/a/{x}", 2) == 0);
    CHECK(match(r, BK_POST, "/a/b", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 2);
    CHECK(param_is(&m.params[0], "x", "b"));
    /* The 405 answers with the first registered route the path matches: GET /a/b. */
    CHECK(match(r, BK_PUT, "/a/b", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    bk__router_free(r);
}

static void test_404_405(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/items", 1) == 0);
    CHECK(add(r, BK_POST, "/items", 2) == 0);
    CHECK(add(r, BK_DELETE, "/only-delete", 3) == 0);
    CHECK(add(r, BK_GET, "/a/b/c", 4) == 0);

    bk__match m;
    /* Allow is the first registered route's methods (Starlette's first partial match), not the
     * union of the path's: the POST route is not listed. */
    CHECK(match(r, BK_PUT, "/items", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.target == NULL);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    char allow[64];
    CHECK(bk__router_allow(m.allowed, allow, sizeof(allow)) == strlen("GET, HEAD"));
    CHECK_STREQ(allow, "GET, HEAD");

    /* HEAD is only offered alongside GET. */
    CHECK(match(r, BK_GET, "/only-delete", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_DELETE));
    CHECK(match(r, BK_HEAD, "/only-delete", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(bk__router_allow(m.allowed, allow, sizeof(allow)) == 6);
    CHECK_STREQ(allow, "DELETE");

    CHECK(match(r, BK_GET, "/nope", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(m.allowed == 0);
    CHECK(m.target == NULL);
    /* Intermediate nodes carry no handlers: not a match. */
    CHECK(match(r, BK_GET, "/a", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(match(r, BK_GET, "/a/b", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(match(r, BK_POST, "/a/b", &m) == BK__ROUTE_NOT_FOUND);
    bk__router_free(r);
}

static void test_allow_string(void)
{
    char buf[64];
    CHECK(bk__router_allow(0, buf, sizeof(buf)) == 0);
    CHECK_STREQ(buf, "");
    const char *all = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";
    CHECK(bk__router_allow((1u << BK_METHOD_COUNT) - 1, buf, sizeof(buf)) == strlen(all));
    CHECK_STREQ(buf, all);
    /* Enum order, whatever order the bits were set in; unknown bits ignored. */
    CHECK(bk__router_allow((1u << BK_OPTIONS) | (1u << BK_PUT) | (1u << 30), buf, sizeof(buf)) ==
          strlen("PUT, OPTIONS"));
    CHECK_STREQ(buf, "PUT, OPTIONS");

    /* Truncation: always NUL-terminated, the length is what was written. */
    char small[8];
    memset(small, 'x', sizeof(small));
    CHECK(bk__router_allow((1u << BK_GET) | (1u << BK_HEAD) | (1u << BK_POST), small,
                           sizeof(small)) == 7);
    CHECK_STREQ(small, "GET, HE");
    char one[1] = {'x'};
    CHECK(bk__router_allow(1u << BK_GET, one, 1) == 0);
    CHECK(one[0] == '\0');
    CHECK(bk__router_allow(1u << BK_GET, NULL, 0) == 0);
    char exact[4];
    CHECK(bk__router_allow(1u << BK_GET, exact, sizeof(exact)) == 3);
    CHECK_STREQ(exact, "GET");
}

static void test_head_fallback(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/page", 1) == 0);
    CHECK(add(r, BK_GET, "/both", 2) == 0);
    CHECK(add(r, BK_HEAD, "/both", 3) == 0);
    CHECK(add(r, BK_GET, "/p/{id}", 4) == 0);

    bk__match m;
    CHECK(match(r, BK_HEAD, "/page", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    CHECK(found(r, BK_HEAD, "/both") == 3);
    CHECK(found(r, BK_GET, "/both") == 2);
    CHECK(match(r, BK_HEAD, "/p/9", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "id", "9"));
    CHECK(match(r, BK_POST, "/page", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    bk__router_free(r);
}

static void test_first_route_answers_405(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_POST, "/p", 1) == 0);
    CHECK(add(r, BK_GET, "/p", 2) == 0);
    CHECK(add(r, BK_DELETE, "/p", 3) == 0);
    bk__match m;
    CHECK(match(r, BK_PUT, "/p", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_POST));
    /* Every route is still found for its own method. */
    CHECK(found(r, BK_GET, "/p") == 2);
    CHECK(found(r, BK_HEAD, "/p") == 2);
    CHECK(found(r, BK_DELETE, "/p") == 3);
    CHECK(match(r, BK_DELETE, "/p", &m) == BK__ROUTE_FOUND);
    CHECK(m.allowed == (1u << BK_DELETE)); /* the found route's own methods */

    /* Across nodes too: registration order decides, not the trie's precedence. */
    CHECK(add(r, BK_POST, "/c/d", 4) == 0);
    CHECK(add(r, BK_GET, "/c/{x}", 5) == 0);
    CHECK(add(r, BK_GET, "/e/{x}", 6) == 0);
    CHECK(add(r, BK_POST, "/e/f", 7) == 0);
    CHECK(match(r, BK_PUT, "/c/d", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_POST));
    CHECK(match(r, BK_PUT, "/c/z", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    CHECK(match(r, BK_PUT, "/e/f", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    CHECK(found(r, BK_POST, "/e/f") == 7);
    CHECK(found(r, BK_HEAD, "/c/d") == 5); /* the generic GET route answers HEAD */
    bk__router_free(r);
}

static void test_exact_methods(void)
{
    bk__router *r = bk__router_new();
    CHECK(add_op(r, BK_GET, "/items", 1) == 0);
    CHECK(add_op(r, BK_POST, "/items", 2) == 0);
    bk__match m;
    /* A GET operation does not answer HEAD: 405, Allow: GET (FastAPI's APIRoute). */
    CHECK(match(r, BK_HEAD, "/items", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_GET));
    char allow[BK__ALLOW_MAX];
    CHECK(bk__router_allow(m.allowed, allow, sizeof(allow)) == 3);
    CHECK_STREQ(allow, "GET");
    CHECK(match(r, BK_DELETE, "/items", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_GET));
    CHECK(match(r, BK_GET, "/items", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(m.allowed == (1u << BK_GET));

    /* HEAD passes an operation's GET by for a plain GET route that also matches. */
    CHECK(add_op(r, BK_GET, "/e/f", 3) == 0);
    CHECK(add(r, BK_GET, "/e/{x}", 4) == 0);
    CHECK(found(r, BK_HEAD, "/e/f") == 4);
    CHECK(found(r, BK_GET, "/e/f") == 3);
    CHECK(match(r, BK_PUT, "/e/f", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_GET)); /* the operation came first */
    CHECK(match(r, BK_PUT, "/e/g", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));

    /* An explicit HEAD route beside a GET operation answers HEAD. */
    CHECK(add_op(r, BK_GET, "/h", 5) == 0);
    CHECK(add(r, BK_HEAD, "/h", 6) == 0);
    CHECK(found(r, BK_HEAD, "/h") == 6);
    CHECK(found(r, BK_GET, "/h") == 5);
    /* exact_methods changes nothing for other methods. */
    CHECK(add_op(r, BK_HEAD, "/oh", 7) == 0);
    CHECK(found(r, BK_HEAD, "/oh") == 7);
    CHECK(match(r, BK_GET, "/oh", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == (1u << BK_HEAD));
    bk__router_free(r);
}

static void test_unknown_method(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/x", 1) == 0);
    CHECK(add(r, BK_OPTIONS, "/x", 2) == 0);
    bk__match m;
    CHECK(match(r, BK_METHOD_COUNT, "/x", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(m.allowed == ((1u << BK_GET) | (1u << BK_HEAD)));
    CHECK(match(r, BK_METHOD_COUNT, "/y", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(found(r, BK_OPTIONS, "/x") == 2);
    /* Routes cannot be registered for an unknown method. */
    CHECK(add(r, BK_METHOD_COUNT, "/z", 3) == BK_EINVAL);
    bk__router_free(r);
}

static void test_trailing_slash(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/items", 1) == 0);
    CHECK(add(r, BK_GET, "/dir/", 2) == 0);
    CHECK(add(r, BK_GET, "/u/{id}/", 3) == 0);
    CHECK(found(r, BK_GET, "/items") == 1);
    CHECK(found(r, BK_GET, "/items/") == -1);
    CHECK(found(r, BK_GET, "/dir/") == 2);
    CHECK(found(r, BK_GET, "/dir") == -1);
    CHECK(found(r, BK_GET, "/u/5/") == 3);
    CHECK(found(r, BK_GET, "/u/5") == -1);
    CHECK(add(r, BK_GET, "/items/", 4) == 0);
    CHECK(found(r, BK_GET, "/items/") == 4);
    CHECK(found(r, BK_GET, "/items") == 1);
    bk__router_free(r);
}

static void test_root(void)
{
    bk__router *r = bk__router_new();
    CHECK(found(r, BK_GET, "/") == -1);
    CHECK(add(r, BK_GET, "/", 1) == 0);
    CHECK(add(r, BK_GET, "/{id}", 2) == 0);
    bk__match m;
    CHECK(match(r, BK_GET, "/", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 1);
    CHECK(m.nparams == 0);
    CHECK(found(r, BK_GET, "/7") == 2);
    CHECK(found(r, BK_GET, "//") == -1);
    CHECK(match(r, BK_POST, "/", &m) == BK__ROUTE_METHOD_NOT_ALLOWED);
    CHECK(add(r, BK_GET, "/", 3) == BK_EEXIST);
    bk__router_free(r);
}

static void test_duplicates(void)
{
    bk__router *r = bk__router_new();
    CHECK(add(r, BK_GET, "/items/{id}", 1) == 0);
    CHECK(add(r, BK_GET, "/items/{id}", 2) == BK_EEXIST);
    CHECK(add(r, BK_GET, "/items/{other}", 3) == BK_EEXIST);
    CHECK(add(r, BK_POST, "/items/{other}", 4) == 0);
    CHECK(add(r, BK_GET, "/f/{a:path}", 5) == 0);
    CHECK(add(r, BK_GET, "/f/{b:path}", 6) == BK_EEXIST);
    CHECK(add(r, BK_GET, "/f/{a}", 7) == 0); /* a {param} is not a catch-all */
    /* The first registration is kept. */
    CHECK(found(r, BK_GET, "/items/1") == 1);
    CHECK(found(r, BK_POST, "/items/1") == 4);
    CHECK(found(r, BK_GET, "/f/x/y") == 5);
    CHECK(found(r, BK_GET, "/f/x") == 7);
    bk__router_free(r);
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",                /* empty */
        "items",           /* no leading slash */
        "/{}",             /* empty braces */
        "/{id",            /* unclosed */
        "/a/{id/x}",       /* unclosed within its segment */
        "/a{b}",           /* brace after text */
        "/{b}a",           /* text after brace */
        "/a{b}c",          /* brace in the middle */
        "/a}",             /* stray closing brace */
        "/{a{b}}",         /* nested */
        "/{a-b}",          /* not a name */
        "/{:path}",        /* catch-all without a name */
        "/{a:int}",        /* unknown converter */
        "/{a:}",           /* empty converter */
        "/{a}/{a}",        /* duplicate names */
        "/{a}/x/{a:path}", /* duplicate names across kinds */
        "/{p:path}/x",     /* catch-all not last */
        "/{p:path}/",      /* not last either: the trailing slash is a segment */
        "/{p:path}/{q}",   /* nor before a param */
        "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}", /* 17 params */
    };
    bk__router *r = bk__router_new();
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = add(r, BK_GET, bad[i], 1);
        if (rc != BK_EINVAL)
            fprintf(stderr, "pattern \"%s\" gave %d\n", bad[i], rc);
        CHECK(rc == BK_EINVAL);
    }
    CHECK(add(r, BK_GET, NULL, 1) == BK_EINVAL);
    CHECK(bk__router_add(r, BK_GET, "/ok", NULL, NULL) == BK_EINVAL);
    /* Rejected patterns leave nothing behind: these all 404. */
    bk__match m;
    CHECK(match(r, BK_GET, "/a", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(match(r, BK_GET, "/x/x", &m) == BK__ROUTE_NOT_FOUND);
    CHECK(match(r, BK_GET, "/x/x/x", &m) == BK__ROUTE_NOT_FOUND);

    /* Exactly BK__MAX_PARAMS parameters is fine, names and all. */
    const char *sixteen = "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}";
    CHECK(add(r, BK_GET, sixteen, 2) == 0);
    CHECK(match(r, BK_GET, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", &m) == BK__ROUTE_FOUND);
    CHECK(m.nparams == BK__MAX_PARAMS);
    CHECK(param_is(&m.params[0], "a", "1"));
    CHECK(param_is(&m.params[15], "p", "16"));
    /* A catch-all as the 16th parameter is a different route from a {param} there. */
    const char *rest16 = "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p:path}";
    CHECK(add(r, BK_GET, rest16, 3) == 0);
    CHECK(match(r, BK_GET, "/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17", &m) == BK__ROUTE_FOUND);
    CHECK(tag(m.target->udata) == 3);
    CHECK(m.nparams == BK__MAX_PARAMS);
    CHECK(param_is(&m.params[15], "p", "16/17"));
    CHECK(add(r, BK_POST, sixteen, 5) == 0);
    CHECK(add(r, BK_POST, sixteen, 5) == BK_EEXIST);
    /* Names may use letters, digits and underscores. */
    CHECK(add(r, BK_GET, "/n/{Item_ID2}", 4) == 0);
    CHECK(match(r, BK_GET, "/n/z", &m) == BK__ROUTE_FOUND);
    CHECK(param_is(&m.params[0], "Item_ID2", "z"));
    bk__router_free(r);
}

static void test_pattern_copied(void)
{
    bk__router *r = bk__router_new();
    char pattern[] = "/copy/{name}";
    CHECK(add(r, BK_GET, pattern, 1) == 0);
    memset(pattern, 'z', sizeof(pattern) - 1);
    bk__match m;
    CHECK(match(r, BK_GET, "/copy/v", &m) == BK__ROUTE_FOUND);
    CHECK_STREQ(m.target->pattern, "/copy/{name}");
    CHECK(param_is(&m.params[0], "name", "v"));
    bk__router_free(r);
}

enum { MANY = 10000 };

static void test_many_routes(void)
{
    bk__router *r = bk__router_new();
    char pattern[64], path[64], id[32];
    int ok = 1;
    for (int i = 0; i < MANY && ok; i++) {
        snprintf(pattern, sizeof(pattern), "/r%d/x/{id}", i);
        ok = add(r, BK_GET, pattern, i) == 0;
    }
    CHECK(ok);
    for (int i = 0; i < MANY && ok; i++) {
        snprintf(path, sizeof(path), "/r%d/x/%d", i, i * 7 + 1);
        snprintf(id, sizeof(id), "%d", i * 7 + 1);
        snprintf(pattern, sizeof(pattern), "/r%d/x/{id}", i);
        bk__match m;
        ok = match(r, BK_GET, path, &m) == BK__ROUTE_FOUND && tag(m.target->udata) == i &&
             m.nparams == 1 && param_is(&m.params[0], "id", id) &&
             strcmp(m.target->pattern, pattern) == 0;
        if (!ok)
            fprintf(stderr, "many routes: %s did not match route %d\n", path, i);
    }
    CHECK(ok);
    CHECK(found(r, BK_GET, "/r10000/x/1") == -1);
    CHECK(found(r, BK_GET, "/r5/y/1") == -1);
    CHECK(found(r, BK_GET, "/r5/x") == -1);
    CHECK(add(r, BK_GET, "/r123/x/{other}", 0) == BK_EEXIST);
    bk__router_free(r);
}

int main(void)
{
    test_static();
    test_not_nul_terminated();
    test_params();
    test_param_names_per_route();
    test_catch_all();
    test_precedence();
    test_backtracking();
    test_404_405();
    test_allow_string();
    test_head_fallback();
    test_first_route_answers_405();
    test_exact_methods();
    test_unknown_method();
    test_trailing_slash();
    test_root();
    test_duplicates();
    test_malformed();
    test_pattern_copied();
    test_many_routes();
    return check_result("test_router");
}
