/* The application: its routes and subsystems. */
#include "app/app.h"
#include "app/op.h"
#include "app/docs.h"
#include "app/openapi.h"
#include "client/fetch.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

static void free_info(bk__app_info *i)
{
    free(i->title);
    free(i->version);
    free(i->description);
    free(i->openapi_url);
    free(i->docs_url);
    free(i->redoc_url);
}

/* A copy of `s`, or of `fallback` when `s` is NULL. */
static char *dup_or(const char *s, const char *fallback)
{
    return strdup(s ? s : fallback);
}

int bk_app_set_info(bk_app *app, const bk_app_info *info)
{
    if (!app || !info)
        return BK_EINVAL;
    bk__app_info n = {
        .title = dup_or(info->title, "FastAPI"),
        .version = dup_or(info->version, "0.1.0"),
        .description = dup_or(info->description, ""),
        .openapi_url = dup_or(info->openapi_url, "/openapi.json"),
        .docs_url = dup_or(info->docs_url, "/docs"),
        .redoc_url = dup_or(info->redoc_url, "/redoc"),
    };
    if (!n.title || !n.version || !n.description || !n.openapi_url || !n.docs_url || !n.redoc_url) {
        free_info(&n);
        return BK_ENOMEM;
    }
    free_info(&app->info);
    app->info = n;
    return 0;
}

bk_app *bk_app_new(void)
{
    bk_app *app = calloc(1, sizeof(*app));
    if (!app)
        return NULL;
    app->router = bk__router_new();
    app->redirect_slashes = 1; /* FastAPI's default */
    static const bk_app_info defaults = {0};
    /* Every app can fetch: the client costs a timer per worker until its first fetch. */
    if (!app->router || bk_app_set_info(app, &defaults) != 0 ||
        bk__app_add_subsystem(app, &bk__fetch_subsystem) != 0) {
        bk_app_free(app);
        return NULL;
    }
    return app;
}

void bk_app_free(bk_app *app)
{
    if (!app)
        return;
    bk__router_free(app->router);
    bk__ops_free(app);
    bk__error_handlers_free(app);
    bk__app_free_middleware(app);
    free_info(&app->info);
    bk_buf_free(&app->openapi);
    bk__db_free_all(app);
    bk__lifespan_free(app);
    free(app->subsystems);
    free(app);
}

int bk_route(bk_app *app, bk_method method, const char *pattern, bk_handler handler, void *udata)
{
    if (!app || !pattern || !handler)
        return BK_EINVAL;
    return bk__router_add(app->router, method, pattern, handler, udata);
}

int bk_route_with(bk_app *app, bk_method method, const char *pattern, bk_handler handler,
                  const bk_route_opts *opts)
{
    if (!app || !pattern || !handler || !opts)
        return BK_EINVAL;
    bk__route_target t = {.handler = handler,
                          .udata = opts->udata,
                          .blocking = opts->blocking != 0,
                          .timeout_ms = opts->timeout_ms};
    return bk__router_add_target(app->router, method, pattern, &t);
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

void bk_app_redirect_slashes(bk_app *app, int on)
{
    if (app)
        app->redirect_slashes = on != 0;
}

int bk__app_add_subsystem(bk_app *app, const bk__subsystem *s)
{
    bk__subsystem *grown =
        realloc(app->subsystems, (size_t)(app->nsubsystems + 1) * sizeof(*grown));
    if (!grown)
        return BK_ENOMEM;
    app->subsystems = grown;
    app->subsystems[app->nsubsystems++] = *s;
    return 0;
}

int bk__app_prepare(bk_app *app)
{
    if (app->prepared)
        return 0;
    int err = bk__openapi_install(app);
    if (!err)
        err = bk__docs_install(app);
    if (err)
        return err;
    app->prepared = 1;
    return 0;
}
