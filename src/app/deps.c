/* Dependencies, background tasks and what runs after the response, as FastAPI orders them:
 * dependencies are solved before the endpoint's own parameters are validated (sub-dependencies
 * first, each once per request); one whose parameters failed is not called, and its errors join
 * the 422; one that answers stops the request. After the response, background tasks run in the
 * order they were added, then the cleanups of `yield` dependencies, most recent first — all in a
 * task of their own, since the request (and its connection) has moved on. */
#include "app/op.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

bk__cdep *bk__dep_compile(bk_app *app, const bk_dep *d)
{
    for (bk__cdep *c = app->deps; c; c = c->next)
        if (c->src == d)
            return c;
    if (!d || !d->fn) {
        bk__log(BK_LOG_ERROR, "dependency %s has no function", d && d->name ? d->name : "?");
        return NULL;
    }
    bk__cdep *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->src = d;
    int n = 0;
    while (d->deps && d->deps[n])
        n++;
    c->subs = calloc((size_t)n + 1, sizeof(*c->subs));
    if (!c->subs || (d->params && !(c->params = bk__model_compile(&app->models, d->params)))) {
        free(c->subs);
        free(c);
        return NULL;
    }
    /* Linked before its subs compile, so the list owns it whatever happens next. */
    c->next = app->deps;
    app->deps = c;
    for (int i = 0; i < n; i++) {
        if (d->deps[i] == d || !(c->subs[i] = bk__dep_compile(app, d->deps[i]))) {
            bk__log(BK_LOG_ERROR, "dependency %s: a sub-dependency does not compile",
                    d->name ? d->name : "?");
            return NULL;
        }
    }
    c->nsubs = n;
    return c;
}

static bk__depval *find_val(const bk__opstate *st, const bk_dep *d)
{
    for (int i = 0; i < st->nvals; i++)
        if (st->vals[i].dep->src == d)
            return &st->vals[i];
    return NULL;
}

static bk__depval *add_val(bk__opstate *st, const bk__cdep *d)
{
    if (st->nvals == st->vals_cap) {
        int cap = st->vals_cap ? st->vals_cap * 2 : 4;
        bk__depval *grown = bk__arena_alloc(&st->arena, (size_t)cap * sizeof(*grown));
        if (!grown)
            return NULL;
        if (st->nvals)
            memcpy(grown, st->vals, (size_t)st->nvals * sizeof(*grown));
        st->vals = grown;
        st->vals_cap = cap;
    }
    st->vals[st->nvals] = (bk__depval){.dep = d};
    return &st->vals[st->nvals++];
}

static int push_cleanup(bk__opstate *st, const bk__cdep *d, void *value)
{
    bk__after *a = bk__arena_alloc(&st->arena, sizeof(*a));
    if (!a)
        return BK_ENOMEM;
    *a = (bk__after){.dep_cleanup = d->src->cleanup, .arg = value, .next = st->cleanups};
    st->cleanups = a;
    return 0;
}

/* Solves `d`. Returns 1 when the request was answered, 0 otherwise. */
static int solve(bk__opstate *st, const bk__cdep *d, bk__sources *src, bk__verrs *errs)
{
    /* A value is cached for the request; a dependency whose parameters failed is not, so each
     * dependent validates it again and reports its errors again, as FastAPI does. */
    bk__depval *dv = find_val(st, d->src);
    if (dv && dv->value)
        return 0;
    int before = errs->count;
    for (int i = 0; i < d->nsubs; i++)
        if (solve(st, d->subs[i], src, errs))
            return 1;
    dv = find_val(st, d->src); /* again: solving the subs may have moved the cache */
    if (!dv)
        dv = add_val(st, d);
    void *params = NULL;
    if (!dv || (d->params && !(params = bk__arena_alloc(&st->arena, d->params->src->size)))) {
        bk__op_answer_oom(st->req);
        return 1;
    }
    if (params) {
        memset(params, 0, d->params->src->size);
        bk__validate_all_params(src, d->params, params, errs);
    }
    if (errs->count > before || errs->oom)
        return 0;
    void *value = bk__arena_alloc(&st->arena, d->src->size ? d->src->size : 1);
    if (!value) {
        bk__op_answer_oom(st->req);
        return 1;
    }
    memset(value, 0, d->src->size);
    bk_req *req = st->req;
    int r = d->src->fn(req, params, value);
    if (r != 0) {
        if (!req->responded && !bk_req_cancelled(req)) {
            bk__log(BK_LOG_ERROR, "dependency %s failed without answering %s %s: answering 500",
                    d->src->name ? d->src->name : "?", bk_req_method_name(req), bk_req_path(req));
            bk_send_text(req, 500, "Internal Server Error");
        }
        return 1;
    }
    dv->value = value;
    if (d->src->cleanup && push_cleanup(st, d, value) != 0) {
        bk__op_answer_oom(req);
        return 1;
    }
    return bk_req_cancelled(req) ? 1 : 0;
}

int bk__deps_solve(bk__opstate *st, bk__sources *src, bk__verrs *errs)
{
    for (int i = 0; i < st->op->ndeps; i++)
        if (solve(st, st->op->deps[i], src, errs))
            return 1;
    return 0;
}

void *bk__typed_dep(bk_req *req, const bk_dep *dep, size_t size)
{
    bk__opstate *st = req ? req->op_state : NULL;
    bk__depval *dv = st ? find_val(st, dep) : NULL;
    if (!dv || !dv->value)
        return NULL;
    if (dep->size != size) {
        bk__log(BK_LOG_CRITICAL, "BK_DEP(%s) with a type of another size than the dependency's",
                dep->name ? dep->name : "?");
        abort(); /* reading the value as the wrong type */
    }
    return dv->value;
}

int bk_background(bk_req *req, int (*fn)(bk_task *task, void *arg), void *arg,
                  void (*cleanup)(void *arg))
{
    bk__opstate *st = req ? req->op_state : NULL;
    bk__after *a = st && fn ? bk__arena_alloc(&st->arena, sizeof(*a)) : NULL;
    if (!a) {
        if (cleanup)
            cleanup(arg);
        return st && fn ? BK_ENOMEM : BK_EINVAL;
    }
    *a = (bk__after){.fn = fn, .cleanup = cleanup, .arg = arg};
    *st->bg_tail = a;
    st->bg_tail = &a->next;
    return 0;
}

/* ---- after the response ----------------------------------------------------------------- */

/* The task that runs a request's background tasks and cleanups, listed in its worker's
 * pipeline so that the end of the graceful period can abort it. */
typedef struct bk__after_task {
    bk_task task;
    bk__opstate *st;
    bk__pipeline *p;
    struct bk__after_task *prev, *next;
    int ran;
} after_task;

static void free_state(bk__opstate *st)
{
    bk__arena_free(&st->arena);
    free(st);
}

/* Background tasks (only when the response went out), then cleanups. An abort at the end of
 * the graceful period makes the remaining background tasks' awaits fail; their cleanups and
 * the dependencies' still run. */
static void run_after(bk_task *t, void *arg)
{
    bk__opstate *st = arg;
    ((after_task *)t)->ran = 1;
    for (bk__after *a = st->background; a; a = a->next) {
        if (st->sent && !bk_task_cancelled(t))
            a->fn(t, a->arg);
        if (a->cleanup)
            a->cleanup(a->arg);
    }
    for (bk__after *a = st->cleanups; a; a = a->next)
        a->dep_cleanup(t, a->arg);
}

static void drop_background(bk__opstate *st)
{
    for (bk__after *a = st->background; a; a = a->next)
        if (a->cleanup)
            a->cleanup(a->arg);
}

static void after_done(bk_task *t)
{
    after_task *at = (after_task *)t;
    if (at->prev)
        at->prev->next = at->next;
    else
        at->p->after = at->next;
    if (at->next)
        at->next->prev = at->prev;
    bk__pipeline *p = at->p;
    if (!at->ran) { /* no stack could be mapped for it */
        bk__log(BK_LOG_ERROR, "no coroutine stack for background tasks and cleanups: dropped");
        drop_background(at->st);
    }
    free_state(at->st);
    free(at);
    if (!p->after && p->on_after_idle)
        p->on_after_idle(p->after_idle_arg);
}

void bk__opstate_end(void *arg)
{
    bk__opstate *st = arg;
    bk_req *req = st->req;
    st->req = NULL;
    if (req)
        req->op_state = NULL;
    if (!st->background && !st->cleanups) {
        free_state(st);
        return;
    }
    after_task *at = calloc(1, sizeof(*at));
    if (at) {
        at->st = st;
        at->p = req->task.sched->owner;
        at->next = at->p->after;
        if (at->next)
            at->next->prev = at;
        at->p->after = at;
        /* after_done is called whatever happens, and frees the state. */
        bk__task_spawn(req->task.sched, &at->task, run_after, st, after_done);
        return;
    }
    bk__log(BK_LOG_ERROR, "no memory for background tasks and cleanups: dropped");
    drop_background(st);
    free_state(st);
}

void bk__app_abort_background(bk__pipeline *p)
{
    for (after_task *at = p->after; at; at = at->next)
        bk__task_abort(&at->task);
}
