/* Lifespan: the app's start-up and shutdown hooks, and the per-worker state they set up.
 *
 * Workers share nothing, so hooks run once per worker, on its loop, as one task that may await:
 * a pool opened by a start-up hook belongs to that worker and is reached through its state
 * slot. When the hooks run is the worker's business (src/loop/worker.c); this is what they are
 * and what a phase does with them. */
#include "app/app.h"
#include "util/log.h"

#include <stdlib.h>

static int add_hook(bk__hooks *h, bk_lifespan_fn fn, void *arg)
{
    bk__hook *grown = realloc(h->list, (size_t)(h->n + 1) * sizeof(*grown));
    if (!grown)
        return BK_ENOMEM;
    h->list = grown;
    h->list[h->n++] = (bk__hook){fn, arg};
    return 0;
}

int bk_app_on_startup(bk_app *app, bk_lifespan_fn fn, void *arg)
{
    if (!app || !fn)
        return BK_EINVAL;
    return add_hook(&app->startup, fn, arg);
}

int bk_app_on_shutdown(bk_app *app, bk_lifespan_fn fn, void *arg)
{
    if (!app || !fn)
        return BK_EINVAL;
    return add_hook(&app->shutdown, fn, arg);
}

void bk__lifespan_free(bk_app *app)
{
    free(app->startup.list);
    free(app->shutdown.list);
    app->startup = app->shutdown = (bk__hooks){0};
}

static void log_failure(const bk__pipeline *p, const char *phase, int i, int n, int err)
{
    /* a hook may return any nonzero value: its number is as telling as a name */
    bk__log(BK_LOG_ERROR, "worker %d: %s hook %d of %d failed: %s (%d)", p->worker, phase, i + 1, n,
            err < 0 ? bk_strerror(err) : "nonzero result", err);
}

int bk__lifespan_startup(bk__pipeline *p, bk_task *t)
{
    const bk__hooks *h = &p->app->startup;
    for (int i = 0; i < h->n; i++) {
        int err = h->list[i].fn(t, h->list[i].arg);
        if (err) {
            log_failure(p, "start-up", i, h->n, err);
            return BK_ESTARTUP;
        }
    }
    return 0;
}

int bk__lifespan_shutdown(bk__pipeline *p, bk_task *t)
{
    const bk__hooks *h = &p->app->shutdown;
    int first = 0;
    /* all of them, even after a failure: each releases something of its own */
    for (int i = h->n - 1; i >= 0; i--) {
        int err = h->list[i].fn(t, h->list[i].arg);
        if (err) {
            log_failure(p, "shutdown", i, h->n, err);
            if (!first)
                first = err;
        }
    }
    return first;
}

/* The pipeline of `task`'s worker: the owner of its scheduler. NULL for a task on a bare
 * scheduler (a unit test's). */
static bk__pipeline *pipeline_of(const bk_task *task)
{
    return task && task->sched ? task->sched->owner : NULL;
}

void *bk_worker_state(const bk_task *task)
{
    const bk__pipeline *p = pipeline_of(task);
    return p ? p->state : NULL;
}

int bk_worker_set_state(bk_task *task, void *state)
{
    bk__pipeline *p = pipeline_of(task);
    if (!p)
        return BK_EINVAL;
    p->state = state;
    return 0;
}

int bk_worker_index(const bk_task *task)
{
    const bk__pipeline *p = pipeline_of(task);
    return p ? p->worker : -1;
}
