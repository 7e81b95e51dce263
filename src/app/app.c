/* The application: its routes, and routing a request to its handler. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

struct bk_app {
    bk_router *router;
};

bk_app *bk_app_new(void)
{
    bk_app *app = calloc(1, sizeof(*app));
    if (!app)
        return NULL;
    app->router = bk_router_new();
    if (!app->router) {
        free(app);
        return NULL;
    }
    return app;
}

void bk_app_free(bk_app *app)
{
    if (!app)
        return;
    bk_router_free(app->router);
    free(app);
}

int bk_route(bk_app *app, bk_method method, const char *pattern, bk_handler handler, void *udata)
{
    if (!app || !pattern || !handler)
        return BK_EINVAL;
    return bk_router_add(app->router, method, pattern, handler, udata);
}

int bk_get(bk_app *app, const char *pattern, bk_handler handler)
{
    return bk_route(app, BK_GET, pattern, handler, NULL);
}

int bk_post(bk_app *app, const char *pattern, bk_handler handler)
{
    return bk_route(app, BK_POST, pattern, handler, NULL);
}

int bk_put(bk_app *app, const char *pattern, bk_handler handler)
{
    return bk_route(app, BK_PUT, pattern, handler, NULL);
}

int bk_delete(bk_app *app, const char *pattern, bk_handler handler)
{
    return bk_route(app, BK_DELETE, pattern, handler, NULL);
}

int bk_patch(bk_app *app, const char *pattern, bk_handler handler)
{
    return bk_route(app, BK_PATCH, pattern, handler, NULL);
}

/* Copies the matched parameter values, slices of the decoded path, to the end of the request's
 * storage NUL-terminated, so handlers get C strings. */
static int copy_params(bk_req *req, const bk_match *m)
{
    size_t src_off[BK_MAX_PARAMS], need = 0;
    for (int i = 0; i < m->nparams; i++) {
        src_off[i] = (size_t)(m->params[i].value - req->raw.data);
        need += m->params[i].value_len + 1;
    }
    if (bk_buf_reserve(&req->raw, need))
        return 503;
    for (int i = 0; i < m->nparams; i++) {
        size_t len = m->params[i].value_len;
        req->params[i].name = m->params[i].name;
        req->params[i].value_off = (uint32_t)req->raw.len;
        req->params[i].value_len = (uint32_t)len;
        memmove(req->raw.data + req->raw.len, req->raw.data + src_off[i], len);
        req->raw.data[req->raw.len + len] = '\0';
        req->raw.len += len + 1;
    }
    req->nparams = m->nparams;
    return 0;
}

int bk_app_route(const bk_app *app, bk_req *req, char *allow, size_t allow_size)
{
    bk_match m;
    const char *path = req->raw.data + req->path_off;
    bk_route_result res =
        bk_router_match(app->router, (bk_method)req->method, path, req->path_len, &m);
    if (res == BK_ROUTE_NOT_FOUND)
        return 404;
    if (res == BK_ROUTE_METHOD_NOT_ALLOWED) {
        bk_router_allow(m.allowed, allow, allow_size);
        return 405;
    }
    req->target = m.target;
    return copy_params(req, &m);
}
