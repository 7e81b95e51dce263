/* The application: its routes and subsystems. */
#include "app/app.h"
#include "client/fetch.h"
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

bk_app *bk_app_new(void)
{
    bk_app *app = calloc(1, sizeof(*app));
    if (!app)
        return NULL;
    app->router = bk__router_new();
    /* Every app can fetch: the client costs a timer per worker until its first fetch. */
    if (!app->router || bk__app_add_subsystem(app, &bk__fetch_subsystem) != 0) {
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
    bk__db_free_all(app);
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
