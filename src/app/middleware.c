/* The middleware chain: bk_app_use, bk_next, and the request task that runs the chain.
 *
 * The chain runs on the request's own task, one C call inside the other: the outermost
 * middleware calls bk_next, which calls the next one in, ..., and the innermost bk_next routes
 * and runs the handler (bk__app_endpoint). So a middleware may await before and after bk_next,
 * and a cancellation (the client left) reaches whatever is awaiting, as it does a handler.
 * req->mw_depth says which layer runs now; req->mw_reached how deep the request went, so that a
 * layer runs its inside at most once. */
#include "app/app.h"

#include <stdlib.h>

/* Deeper chains would say more about a bug than about an app; the counters are 16 bits. */
#define MAX_MIDDLEWARE 1000

int bk__app_use_owned(bk_app *app, bk_middleware_fn fn, void *arg, void (*free_arg)(void *arg))
{
    if (app->nmw == MAX_MIDDLEWARE) {
        if (free_arg)
            free_arg(arg);
        return BK_EINVAL;
    }
    bk__mw *grown = realloc(app->mw, (size_t)(app->nmw + 1) * sizeof(*grown));
    if (!grown) {
        if (free_arg)
            free_arg(arg);
        return BK_ENOMEM;
    }
    app->mw = grown;
    app->mw[app->nmw++] = (bk__mw){fn, arg, free_arg};
    return 0;
}

int bk_app_use(bk_app *app, bk_middleware_fn fn, void *arg)
{
    if (!app || !fn)
        return BK_EINVAL;
    return bk__app_use_owned(app, fn, arg, NULL);
}

void bk__app_free_middleware(bk_app *app)
{
    for (int i = 0; i < app->nmw; i++)
        if (app->mw[i].free_arg)
            app->mw[i].free_arg(app->mw[i].arg);
    free(app->mw);
    app->mw = NULL;
    app->nmw = 0;
}

/* Runs layer `depth` (1: the outermost, the last added). */
static void enter(bk_req *req, const bk_app *app, int depth)
{
    const bk__mw *m = &app->mw[app->nmw - depth];
    req->mw_depth = req->mw_reached = (uint16_t)depth;
    m->fn(req, m->arg);
    req->mw_depth = (uint16_t)(depth - 1);
}

static const bk_app *app_of(const bk_req *req)
{
    const bk__pipeline *p = req->task.sched->owner;
    return p->app;
}

void bk__app_run_chain(bk_task *t, void *arg)
{
    (void)t;
    bk_req *req = arg;
    enter(req, app_of(req), 1);
}

/* bk_next may only run on the request's own coroutine: not from a pool thread or a child. */
static int on_request_task(const bk_req *req)
{
    const bk_task *t = &req->task;
    return t->coro && !t->on_pool && t->sched->pool.current == t->coro;
}

int bk_next(bk_req *req)
{
    if (!req)
        return BK_EINVAL;
    int depth = req->mw_depth;
    if (depth == 0 || req->mw_reached != depth || !on_request_task(req))
        return BK_EINVAL;
    req->mw_reached = (uint16_t)(depth + 1); /* from here on, this layer's inside has run */
    if (bk__task_cancel_applies(&req->task))
        return req->task.reason;
    if (req->responded || req->json_open) /* it answered already: there is no inside to run */
        return BK_EINVAL;
    const bk_app *app = app_of(req);
    int err;
    if (depth < app->nmw) {
        enter(req, app, depth + 1);
        err = bk__app_outcome(req);
    } else {
        err = bk__app_endpoint(req);
    }
    req->mw_depth = (uint16_t)depth;
    return err;
}
