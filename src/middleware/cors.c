/* bk_cors: Starlette 0.47's CORSMiddleware, rule for rule (starlette/middleware/cors.py).
 *
 * A request without Origin passes untouched. A preflight (OPTIONS with Origin and
 * Access-Control-Request-Method) is answered here: 200 "OK" or 400 "Disallowed CORS ...", with
 * the preflight headers either way. Any other request with an Origin runs the chain, and its
 * answer — whatever it is, 404 and 405 included — gets the simple-response headers. The origin
 * regex is POSIX extended (regcomp) instead of Python's re: PCRE would be closer, and is not a
 * dependency of brisk yet. */
#include "http/request.h"
#include "app/app.h"
#include "middleware/strlist.h"

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const all_methods[] = {"DELETE", "GET",  "HEAD", "OPTIONS",
                                          "PATCH",  "POST", "PUT",  NULL};
static const char *const default_methods[] = {"GET", NULL};
/* sorted, as Starlette sorts them with the allowed headers */
static const char *const safelisted[] = {"Accept", "Accept-Language", "Content-Language",
                                         "Content-Type", NULL};

typedef struct cors {
    char **origins;
    int allow_all_origins;
    int has_regex;
    regex_t regex;
    char **methods;       /* allowed, in the given order (all seven for "*") */
    char **allow_headers; /* safelisted + given, sorted, lower-cased: what requests may ask */
    int allow_all_headers;
    int credentials;
    int explicit_origin; /* preflights name the origin (not "*") */
    char *methods_text;  /* Access-Control-Allow-Methods */
    char *headers_text;  /* Access-Control-Allow-Headers, NULL when not sent */
    char *expose_text;   /* Access-Control-Expose-Headers, NULL when none */
    char max_age[24];
} cors;

static void cors_free(void *arg)
{
    cors *c = arg;
    if (!c)
        return;
    bk__strlist_free(c->origins);
    if (c->has_regex)
        regfree(&c->regex);
    bk__strlist_free(c->methods);
    bk__strlist_free(c->allow_headers);
    free(c->methods_text);
    free(c->headers_text);
    free(c->expose_text);
    free(c);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* sorted(SAFELISTED_HEADERS | set(allow_headers)) into c->allow_headers, its ", " text (unless
 * "*" is among them) into c->headers_text, and then the list lower-cased for the checks. */
static int build_allow_headers(cors *c, const char *const *given)
{
    int ngiven = 0, nsafe = 4;
    char **g = bk__strlist_dup(given, &ngiven);
    char **all = calloc((size_t)(ngiven + nsafe + 1), sizeof(*all));
    int n = 0, err = !g || !all;
    for (int i = 0; !err && i < nsafe + ngiven; i++) {
        const char *h = i < nsafe ? safelisted[i] : g[i - nsafe];
        int dup = 0;
        for (int j = 0; j < n; j++)
            dup |= strcmp(all[j], h) == 0;
        if (!dup && !(all[n++] = strdup(h)))
            err = 1;
    }
    bk__strlist_free(g);
    if (err) {
        bk__strlist_free(all);
        return BK_ENOMEM;
    }
    qsort(all, (size_t)n, sizeof(*all), cmp_str);
    c->allow_headers = all;
    c->allow_all_headers = bk__strlist_has(all, "*");
    if (!c->allow_all_headers && !(c->headers_text = bk__strlist_join(all)))
        return BK_ENOMEM;
    for (int i = 0; i < n; i++)
        for (char *p = all[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
    return 0;
}

static int cors_init(cors *c, const bk_cors_opts *o)
{
    int n;
    if (!(c->origins = bk__strlist_dup(o->allow_origins, &n)))
        return BK_ENOMEM;
    c->allow_all_origins = bk__strlist_has(c->origins, "*");
    if (o->allow_origin_regex) {
        if (regcomp(&c->regex, o->allow_origin_regex, REG_EXTENDED) != 0)
            return BK_EINVAL;
        c->has_regex = 1;
    }
    const char *const *methods = o->allow_methods ? o->allow_methods : default_methods;
    for (int i = 0; methods[i]; i++)
        if (strcmp(methods[i], "*") == 0)
            methods = all_methods;
    if (!(c->methods = bk__strlist_dup(methods, &n)) ||
        !(c->methods_text = bk__strlist_join(c->methods)))
        return BK_ENOMEM;
    int err = build_allow_headers(c, o->allow_headers);
    if (err)
        return err;
    c->credentials = o->allow_credentials != 0;
    c->explicit_origin = !c->allow_all_origins || c->credentials;
    if (o->expose_headers && o->expose_headers[0]) {
        char **e = bk__strlist_dup(o->expose_headers, &n);
        c->expose_text = e ? bk__strlist_join(e) : NULL;
        bk__strlist_free(e);
        if (!c->expose_text)
            return BK_ENOMEM;
    }
    snprintf(c->max_age, sizeof(c->max_age), "%d",
             o->max_age == 0  ? 600
             : o->max_age < 0 ? 0
                              : o->max_age);
    return 0;
}

static int origin_allowed(const cors *c, const char *origin)
{
    if (c->allow_all_origins)
        return 1;
    regmatch_t m;
    if (c->has_regex && regexec(&c->regex, origin, 1, &m, 0) == 0 && m.rm_so == 0 &&
        (size_t)m.rm_eo == strlen(origin))
        return 1; /* POSIX finds the leftmost-longest match: whole, when a whole one exists */
    return bk__strlist_has(c->origins, origin);
}

/* Python's str.strip() on [s, s + len), for what a header holds: spaces and tabs. */
static void strip(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

/* Whether every comma-separated item of `requested` is an allowed header (case-insensitive).
 * An empty item (",", or an empty value) is not. */
static int headers_allowed(const cors *c, const char *requested)
{
    for (const char *p = requested;;) {
        size_t n = strcspn(p, ",");
        const char *item = p;
        size_t len = n;
        strip(&item, &len);
        int found = 0;
        for (char **h = c->allow_headers; *h && !found; h++)
            found = strlen(*h) == len && strncasecmp(*h, item, len) == 0;
        if (!found)
            return 0;
        if (!p[n])
            return 1;
        p += n + 1;
    }
}

static int preflight_headers(const cors *c, bk_req *req, const char *origin, int origin_ok,
                             const char *requested)
{
    int err = c->explicit_origin ? bk_set_header(req, "Vary", "Origin")
                                 : bk_set_header(req, "Access-Control-Allow-Origin", "*");
    err = err || bk_set_header(req, "Access-Control-Allow-Methods", c->methods_text) ||
          bk_set_header(req, "Access-Control-Max-Age", c->max_age);
    if (!err && c->headers_text)
        err = bk_set_header(req, "Access-Control-Allow-Headers", c->headers_text);
    if (!err && c->credentials)
        err = bk_set_header(req, "Access-Control-Allow-Credentials", "true");
    if (!err && origin_ok && c->explicit_origin)
        err = bk_set_header(req, "Access-Control-Allow-Origin", origin);
    if (!err && c->allow_all_headers && requested) /* mirrored back */
        err = bk_set_header(req, "Access-Control-Allow-Headers", requested);
    return err;
}

static void preflight(const cors *c, bk_req *req, const char *origin)
{
    const char *method = bk_req_header(req, "access-control-request-method");
    const char *requested = bk_req_header(req, "access-control-request-headers");
    int origin_ok = origin_allowed(c, origin);
    int method_ok = bk__strlist_has(c->methods, method);
    int headers_ok = c->allow_all_headers || !requested || headers_allowed(c, requested);
    if (preflight_headers(c, req, origin, origin_ok, requested) != 0)
        return; /* a header brisk refuses (a control character in it): 500 */
    if (origin_ok && method_ok && headers_ok) {
        bk_send_text(req, 200, "OK");
        return;
    }
    char text[64] = "Disallowed CORS ";
    const char *sep = "";
    if (!origin_ok)
        strcat(text, "origin"), sep = ", ";
    if (!method_ok)
        strcat(text, sep), strcat(text, "method"), sep = ", ";
    if (!headers_ok)
        strcat(text, sep), strcat(text, "headers");
    bk_send_text(req, 400, text);
}

static void simple_headers(const cors *c, bk_req *req, const char *origin)
{
    int err = 0;
    if (c->allow_all_origins)
        err = bk_set_header(req, "Access-Control-Allow-Origin", "*");
    if (!err && c->credentials)
        err = bk_set_header(req, "Access-Control-Allow-Credentials", "true");
    if (!err && c->expose_text)
        err = bk_set_header(req, "Access-Control-Expose-Headers", c->expose_text);
    /* with a cookie, "*" would not do: the origin itself */
    int explicit =
        c->allow_all_origins ? bk_req_header(req, "cookie") != NULL : origin_allowed(c, origin);
    if (!err && explicit && bk_set_header(req, "Access-Control-Allow-Origin", origin) == 0)
        bk__response_add_vary(req, "Origin");
}

static void cors_middleware(bk_req *req, void *arg)
{
    const cors *c = arg;
    const char *origin = bk_req_header(req, "origin");
    if (!origin) {
        bk_next(req);
        return;
    }
    if (bk_req_method(req) == BK_OPTIONS && bk_req_header(req, "access-control-request-method")) {
        preflight(c, req, origin);
        return;
    }
    if (bk_next(req) == 0)
        simple_headers(c, req, origin);
}

int bk_cors(bk_app *app, const bk_cors_opts *opts)
{
    if (!app || !opts)
        return BK_EINVAL;
    cors *c = calloc(1, sizeof(*c));
    if (!c)
        return BK_ENOMEM;
    int err = cors_init(c, opts);
    if (err) {
        cors_free(c);
        return err;
    }
    return bk__app_use_owned(app, cors_middleware, c, cors_free);
}
