/* The request pipeline: routing, the answers the app gives itself (404, 405, the slash redirect,
 * 503), and the handler's task. See app.h.
 *
 * Without middleware a request is routed before any task exists, so a 404 costs no stack. With
 * middleware, routing is the chain's innermost step (bk__app_endpoint), on the request's task:
 * Starlette routes inside its middleware stack, so middleware sees 404s and 405s too. */
#include "app/app.h"
#include "app/proxy.h"
#include "app/url.h"
#include "util/log.h"

#include <stdlib.h>

#include <stdio.h>
#include <string.h>

/* Copies the matched parameter values, slices of the decoded path, to the end of the request's
 * storage NUL-terminated, so handlers get C strings. */
static int copy_params(bk_req *req, const bk__match *m)
{
    size_t src_off[BK__MAX_PARAMS], need = 0;
    for (int i = 0; i < m->nparams; i++) {
        src_off[i] = (size_t)(m->params[i].value - req->raw.data);
        need += m->params[i].value_len + 1;
    }
    if (bk_buf_reserve(&req->raw, need))
        return BK_ENOMEM;
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

/* Whether `path` (`len` bytes) matches a route for any method: Starlette's Match != NONE. */
static int path_matches(const bk_app *app, bk_method method, const char *path, size_t len)
{
    bk__match m;
    return len && bk__router_match(app->router, method, path, len, &m) != BK__ROUTE_NOT_FOUND;
}

/* Starlette's redirect_slashes: when "/items/" matches nothing but "/items" does (or the reverse),
 * answers 307 to it. Returns 307 when it did, 0 when there is no such route, 503 when memory ran
 * out. */
static int redirect_slash(const bk_app *app, bk_req *req)
{
    const char *path = bk_req_path(req);
    size_t len = req->path_len;
    if (len == 1 && path[0] == '/')
        return 0;
    char *other = malloc(len + 2);
    if (!other)
        return 503;
    size_t n = len;
    memcpy(other, path, len);
    if (len && path[len - 1] == '/')
        while (n && other[n - 1] == '/') /* rstrip("/"): every trailing slash */
            n--;
    else
        other[n++] = '/';
    int status = 0;
    if (path_matches(app, (bk_method)req->method, other, n)) {
        bk__url_parts u = {bk_req_scheme(req), NULL, other, n};
        status = bk__url_redirect(req, &u) == 0 ? 307 : 503;
    }
    free(other);
    return status;
}

/* Routes `req`: 0 with req->target set, or the HTTP status to answer (404; 405 with its Allow
 * header set; 307 answered already, the slash redirect; 503 when memory ran out). */
static int route(const bk_app *app, bk_req *req)
{
    bk__match m;
    const char *path = req->raw.data + req->path_off;
    bk__route_result res =
        bk__router_match(app->router, (bk_method)req->method, path, req->path_len, &m);
    if (res == BK__ROUTE_NOT_FOUND) {
        int status = app->redirect_slashes ? redirect_slash(app, req) : 0;
        return status ? status : 404;
    }
    if (res == BK__ROUTE_METHOD_NOT_ALLOWED) {
        char allow[BK__ALLOW_MAX];
        bk__router_allow(m.allowed, allow, sizeof(allow));
        return bk_set_header(req, "Allow", allow) ? 503 : 405;
    }
    req->target = m.target;
    return copy_params(req, &m) ? 503 : 0;
}

/* The request whose handler runs as task `t`. */
static bk_req *req_of(const bk_task *t)
{
    return (bk_req *)((char *)t - offsetof(bk_req, task));
}

/* A route's deadline cancels the handler with BK_ETIMEDOUT; finish() then answers 504. */
static void on_route_deadline(bk_task *t)
{
    req_of(t)->deadline = NULL; /* the timer is closing itself */
    bk__task_cancel(t, BK_ETIMEDOUT);
}

/* Arms the route's deadline; without memory for it the request runs without one. */
static void arm_deadline(bk__pipeline *p, bk_req *req, uint64_t ms)
{
    req->deadline = bk__deadline_start(p->sched->loop, &req->task, ms, on_route_deadline);
    if (!req->deadline)
        bk__log(BK_LOG_WARNING, "no memory for the deadline of %s %s", bk_req_method_name(req),
                bk_req_path(req));
}

static void disarm_deadline(bk_req *req)
{
    if (!req->deadline)
        return;
    bk__deadline_stop(req->deadline);
    req->deadline = NULL;
}

/* The app's own answer with `status` (404, 405, 503: a 503 says when to retry; a 307 was
 * answered by route() itself). */
static void answer_refusal(bk_req *req, int status)
{
    if (status == 307)
        return;
    if (status == 503 && !bk_response_header(req, "Retry-After"))
        bk_set_header(req, "Retry-After", "1");
    if (bk_send_error(req, status, bk__status_reason(status)) != 0)
        bk__response_clear(req); /* out of memory: the connection answers 503 itself */
}

static void call_handler(void *arg)
{
    bk_req *req = arg;
    req->target->handler(req);
}

static void run_handler(bk_task *t, void *arg)
{
    bk_req *req = arg;
    if (!req->target->blocking) {
        req->target->handler(req);
        return;
    }
    req->io->peer(req); /* formatted here on the loop, not lazily on the pool thread */
    int err = bk_run_blocking(t, call_handler, req);
    if (err == BK_EAGAIN) {
        bk__log(BK_LOG_WARNING, "thread pool queue full: answering 503 to %s %s",
                bk_req_method_name(req), bk_req_path(req));
        answer_refusal(req, 503);
    }
}

static void describe_handler(const bk_task *t, char *buf, size_t size)
{
    bk_req *req = req_of(t);
    snprintf(buf, size, "handler for %s %s", bk_req_method_name(req), bk_req_path(req));
}

/* The handler returned: make sure there is a response. */
static void finish(bk__pipeline *p, bk_req *req)
{
    p->inflight--;
    disarm_deadline(req);
    if (req->task.cancelled && req->task.reason == BK_ETIMEDOUT) {
        bk__response_clear(req); /* whatever the handler had prepared */
        bk_send_error(req, 504, "Gateway Timeout");
        return;
    }
    if (req->task.cancelled || req->responded)
        return;
    bk__log(BK_LOG_ERROR, "%s %s: the handler %sreturned without a response: answering 500",
            bk_req_method_name(req), bk_req_path(req), p->app->nmw ? "or a middleware " : "");
    bk__response_clear(req);
    /* what Starlette's ServerErrorMiddleware answers, outside any user middleware */
    bk_send_text(req, 500, "Internal Server Error");
}

static void on_handler_done(bk_task *t)
{
    bk_req *req = req_of(t);
    finish(t->sched->owner, req);
    req->io->done(req);
}

static void refuse(bk__pipeline *p, bk_req *req, int status)
{
    answer_refusal(req, status);
    p->inflight--;
}

static void warn_no_stack(bk__pipeline *p)
{
    uint64_t now = uv_now(p->sched->loop);
    if (now - p->last_oom_log < 1000) /* at most one line a second */
        return;
    p->last_oom_log = now;
    bk__log(BK_LOG_WARNING, "cannot map a coroutine stack (%zu in use): answering 503",
            p->sched->pool.live);
}

int bk__app_outcome(const bk_req *req)
{
    if (bk__task_cancel_applies(&req->task))
        return req->task.reason;
    return req->responded ? 0 : BK_EINVAL;
}

int bk__app_endpoint(bk_req *req)
{
    bk__pipeline *p = req->task.sched->owner;
    int status = route(p->app, req);
    if (status) {
        answer_refusal(req, status);
        return bk__app_outcome(req);
    }
    if (req->target->timeout_ms)
        arm_deadline(p, req, req->target->timeout_ms);
    run_handler(&req->task, req);
    disarm_deadline(req);
    return bk__app_outcome(req);
}

bk__app_result bk__app_handle(bk__pipeline *p, bk_req *req)
{
    p->inflight++;
    req->root_path = p->root_path;
    if (p->trust)
        bk__proxy_apply(p->trust, req);
    int status = 0;
    bk__task_fn fn = bk__app_run_chain;
    if (!p->app->nmw) {
        status = route(p->app, req);
        fn = run_handler;
    }
    if (status == 0 && p->limit && p->inflight > p->limit)
        status = 503; /* --limit-concurrency: shed load before it costs a stack */
    if (status) {
        refuse(p, req, status);
        return BK__APP_DONE;
    }
    req->task.describe = describe_handler;
    if (req->target && req->target->timeout_ms)
        arm_deadline(p, req, req->target->timeout_ms);
    int r = bk__task_start(p->sched, &req->task, fn, req, on_handler_done);
    if (r == BK_ENOMEM) { /* out of memory or address space for stacks */
        disarm_deadline(req);
        warn_no_stack(p);
        refuse(p, req, 503);
        return BK__APP_DONE;
    }
    if (r == 0)
        return BK__APP_AWAITING;
    finish(p, req);
    return BK__APP_DONE;
}

void bk__app_cancel(bk_req *req)
{
    bk__task_cancel(&req->task, BK_ECANCELED);
}

void bk__app_abort(bk_req *req)
{
    bk__task_abort(&req->task);
}
