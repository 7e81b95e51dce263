/* The application and the request pipeline: what happens to a request between "its bytes are
 * parsed" and "its response is ready", whatever carries it.
 *
 * The carrier (a connection) calls bk__app_handle() with a complete request. The app routes it,
 * answers 404/405 and load shedding (503) itself, or starts the handler as a task. It answers
 * "done" (the response is in the request) or "awaiting": then the request's io->done is called
 * once the handler has finished. Middleware, dependencies and validation belong here. */
#ifndef BK_APP_APP_H
#define BK_APP_APP_H

#include "app/router.h"
#include "model/model.h"
#include "await/task.h"
#include "http/request.h"

typedef struct bk__worker bk__worker;

/* A per-worker service of the application (a database pool, an HTTP client): set up on each
 * worker's thread before it serves, told when the worker starts draining, waited for until idle,
 * and closed last. All calls come on the worker's loop. */
typedef struct bk__subsystem {
    const char *name;
    /* Creates the worker's instance in `*state`. Returns 0 or a BK_E* code (the server then
     * fails to start). */
    int (*init)(bk__worker *w, void *udata, void **state);
    /* Graceful stop began: finish in-flight work, take no more. May be NULL. */
    void (*drain)(void *state);
    /* Nonzero while work is in flight. The instance calls bk__worker_maybe_finish() when it
     * becomes idle during a drain. May be NULL (never busy). */
    int (*busy)(void *state);
    /* Releases the instance; libuv handles it closes are waited for before the loop ends. */
    void (*close)(void *state);
    void *udata;
} bk__subsystem;

/* The app's bk_app_info, every string owned and non-NULL (defaults filled in). */
typedef struct bk__app_info {
    char *title, *version, *description, *openapi_url, *docs_url, *redoc_url;
} bk__app_info;

/* A handler for an application error kind (bk_app_error_handler). */
typedef struct bk__error_handler {
    const bk_error_kind *kind;
    int (*fn)(bk_req *req, void *arg);
    struct bk__error_handler *next;
} bk__error_handler;

/* The app a path operation belongs to. */
const bk_app *bk__op_app(const struct bk__pathop *op);
/* Nonzero when the request's app has a handler for `kind`. */
int bk__has_error_handler(const bk_req *req, const bk_error_kind *kind);
/* Frees the app's error handlers. */
void bk__error_handlers_free(bk_app *app);
/* A start-up or shutdown hook (bk_app_on_startup / bk_app_on_shutdown). */
typedef struct bk__hook {
    bk_lifespan_fn fn;
    void *arg;
} bk__hook;

/* The hooks of one phase, in registration order. */
typedef struct bk__hooks {
    bk__hook *list;
    int n;
} bk__hooks;
/* One middleware of the chain; `free_arg` (may be NULL) releases `arg` with the app. */
typedef struct bk__mw {
    bk_middleware_fn fn;
    void *arg;
    void (*free_arg)(void *arg);
} bk__mw;

typedef struct bk__trust bk__trust;

struct bk_app {
    bk__router *router;
    bk__mw *mw; /* in the order added: the last is the outermost */
    int nmw;
    int redirect_slashes;
    bk__app_info info;
    struct bk_db *dbs; /* declared with bk_db_open, most recent first */
    int ndbs;
    bk__subsystem *subsystems; /* in the order they were added: set up in it, closed in reverse */
    int nsubsystems;
    bk__models models;        /* compiled model tables, shared by the operations */
    struct bk__pathop *ops;   /* path operations, most recent first */
    struct bk__cdep *deps;    /* compiled dependencies */
    bk__error_handler *error_handlers;
    int prepared; /* bk__app_prepare has added brisk's own routes */
    bk_buf openapi; /* the OpenAPI document (app/openapi.h), built by bk__app_prepare */
    bk__hooks startup, shutdown;
};

/* Completes the app before it is first served: builds its OpenAPI document and adds the routes
 * brisk serves for it from its info (the document, the docs pages). Idempotent: a later server
 * of the same app adds nothing. Not thread-safe: servers of one app start one after the other.
 * Returns 0, BK_EINVAL for an info URL that is no route path or declarations that make no
 * OpenAPI document (logged), or BK_ENOMEM. */
int bk__app_prepare(bk_app *app);

/* Adds a per-worker subsystem (before the app is served). Returns 0 or BK_ENOMEM. */
int bk__app_add_subsystem(bk_app *app, const bk__subsystem *s);
/* bk_app_use for a middleware whose `arg` the app owns: free_arg(arg) runs with bk_app_free, or
 * at once when this fails. Returns 0 or BK_ENOMEM. */
int bk__app_use_owned(bk_app *app, bk_middleware_fn fn, void *arg, void (*free_arg)(void *arg));
/* Frees the app's middleware. */
void bk__app_free_middleware(bk_app *app);

/* What the pipeline needs of a worker: one per worker, only touched on its loop. */
typedef struct bk__pipeline {
    const bk_app *app;
    bk__sched *sched;
    int worker;            /* the worker's index (bk_worker_index) */
    void *state;           /* the app's per-worker state (bk_worker_state) */
    size_t inflight;       /* requests admitted and not yet finished */
    size_t limit;          /* this worker's share of --limit-concurrency, 0 for none */
    uint64_t last_oom_log; /* loop time of the last "out of stacks" warning */
    const char *root_path;  /* the server's --root-path, "" for none */
    const bk__trust *trust; /* --forwarded-allow-ips; NULL: proxy headers are not read */
    struct bk__after_task *after; /* background tasks and cleanups running (src/app/deps.c) */
    /* Told when the last of them ended: a draining worker may be done. */
    void (*on_after_idle)(void *arg);
    void *after_idle_arg;
} bk__pipeline;

typedef enum bk__app_result {
    BK__APP_DONE,     /* the response is ready in the request */
    BK__APP_AWAITING, /* the handler awaits: req->io->done(req) follows */
} bk__app_result;

/* Runs the app's start-up hooks on `t`, a task of worker `p`, in registration order until one
 * fails. Returns 0, or BK_ESTARTUP after logging which hook failed and its code. */
int bk__lifespan_startup(bk__pipeline *p, bk_task *t);
/* Runs every shutdown hook on `t`, the most recent first. Returns 0, or the first failure's code
 * (each failure is logged). */
int bk__lifespan_shutdown(bk__pipeline *p, bk_task *t);
/* Frees the app's hook lists. */
void bk__lifespan_free(bk_app *app);

/* Handles a complete request. */
bk__app_result bk__app_handle(bk__pipeline *p, bk_req *req);
/* The chain's innermost step, inside the request's task: routes `req` (404, 405, the slash
 * redirect) and runs its handler. Returns what bk_next returns. */
int bk__app_endpoint(bk_req *req);
/* What bk_next returns once the inside of a layer has run: 0 with a response, the reason of a
 * cancellation that applies, or BK_EINVAL when there is no response. */
int bk__app_outcome(const bk_req *req);
/* Starts the middleware chain of `req` on its task (see bk__app_handle). */
void bk__app_run_chain(bk_task *t, void *arg);

/* The graceful period is over: background tasks still running are aborted (their awaits fail;
 * the cleanups still run). */
void bk__app_abort_background(bk__pipeline *p);
/* Cancels the awaiting handler of `req` (its client left, the grace period ended): its awaits
 * return BK_ECANCELED, and io->done follows when it has returned. */
void bk__app_cancel(bk_req *req);
/* bk__app_cancel through the handler's shields: the graceful period is over. */
void bk__app_abort(bk_req *req);

#endif
