/* bk_trusted_host: Starlette 0.47's TrustedHostMiddleware (starlette/middleware/trustedhost.py).
 *
 * The Host header up to its first ':' must equal a listed host, or end with the ".example.com"
 * of a "*.example.com" — case-sensitively, as Starlette compares. Otherwise 400 "Invalid host
 * header", or, with www_redirect, a 307 to "www." + the Host when that form is listed. */
#include "http/request.h"
#include "app/app.h"
#include "app/url.h"
#include "middleware/strlist.h"

#include <stdlib.h>
#include <string.h>

typedef struct trusted {
    char **hosts;
    int allow_any;
    int www_redirect;
} trusted;

static void trusted_free(void *arg)
{
    trusted *t = arg;
    if (t) {
        bk__strlist_free(t->hosts);
        free(t);
    }
}

/* Starlette's assertion: '*' only alone or as the "*." of a leading label. */
static int valid_pattern(const char *p)
{
    if (p[0] && strchr(p + 1, '*'))
        return 0;
    return p[0] != '*' || strcmp(p, "*") == 0 || strncmp(p, "*.", 2) == 0;
}

static int host_matches(const char *pattern, const char *host, size_t len)
{
    if (strlen(pattern) == len && memcmp(pattern, host, len) == 0)
        return 1;
    if (pattern[0] != '*')
        return 0;
    size_t suffix = strlen(pattern + 1);
    return len >= suffix && memcmp(host + len - suffix, pattern + 1, suffix) == 0;
}

static int is_www_of(const char *pattern, const char *host, size_t len)
{
    return strncmp(pattern, "www.", 4) == 0 && strlen(pattern + 4) == len &&
           memcmp(pattern + 4, host, len) == 0;
}

static void www_redirect(bk_req *req)
{
    const char *netloc = bk_req_header(req, "host"); /* there is one: it matched a pattern */
    char *www = malloc(strlen(netloc) + 5);
    if (!www)
        return; /* 500 */
    strcpy(www, "www.");
    strcat(www, netloc);
    bk__url_parts u = {bk_req_scheme(req), www, bk_req_path(req), strlen(bk_req_path(req))};
    bk__url_redirect(req, &u);
    free(www);
}

static void trusted_middleware(bk_req *req, void *arg)
{
    const trusted *t = arg;
    if (t->allow_any) {
        bk_next(req);
        return;
    }
    const char *host = bk_req_header(req, "host");
    if (!host)
        host = "";
    size_t len = strcspn(host, ":");
    int found_www = 0;
    for (char **p = t->hosts; *p; p++) {
        if (host_matches(*p, host, len)) {
            bk_next(req);
            return;
        }
        found_www |= is_www_of(*p, host, len);
    }
    if (found_www && t->www_redirect)
        www_redirect(req);
    else
        bk_send_text(req, 400, "Invalid host header");
}

int bk_trusted_host(bk_app *app, const char *const *hosts, int www_redirect)
{
    static const char *const any[] = {"*", NULL};
    if (!app)
        return BK_EINVAL;
    if (!hosts)
        hosts = any;
    for (int i = 0; hosts[i]; i++)
        if (!valid_pattern(hosts[i]))
            return BK_EINVAL;
    trusted *t = calloc(1, sizeof(*t));
    int n;
    if (!t || !(t->hosts = bk__strlist_dup(hosts, &n))) {
        free(t);
        return BK_ENOMEM;
    }
    t->allow_any = bk__strlist_has(t->hosts, "*");
    t->www_redirect = www_redirect != 0;
    return bk__app_use_owned(app, trusted_middleware, t, trusted_free);
}
