/* The request pipeline: routing, the answers the app gives itself (404, 405, 503), and the
 * handler's task. See app.h. */
#include "app/app.h"
#include "util/log.h"

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

/* Routes `req`: 0 with req->target set, or the HTTP status to answer (404, 405 with its Allow
 * header set, 503 when memory ran out). */
static int route(const bk_app *app, bk_req *req)
{
    bk__match m;
    const char *path = req->raw.data + req->path_off;
    bk__route_result res =
        bk__router_match(app->router, (bk_method)req->method, path, req->path_len, &m);
    if (res == BK__ROUTE_NOT_FOUND)
        return 404;
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

/* The app's own answer with `status` (404, 405, 503: a 503 says when to retry). */
static void answer_refusal(bk_req *req, int status)
{
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
    bk__log(BK_LOG_ERROR, "handler for %s %s returned without a response: answering 500",
            bk_req_method_name(req), bk_req_path(req));
    bk__response_clear(req);
    bk_send_error(req, 500, "Internal Server Error");
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

bk__app_result bk__app_handle(bk__pipeline *p, bk_req *req)
{
    p->inflight++;
    int status = route(p->app, req);
    if (status == 0 && p->limit && p->inflight > p->limit)
        status = 503; /* --limit-concurrency: shed load before it costs a stack */
    if (status) {
        refuse(p, req, status);
        return BK__APP_DONE;
    }
    req->task.describe = describe_handler;
    if (req->target->timeout_ms)
        arm_deadline(p, req, req->target->timeout_ms);
    int r = bk__task_start(p->sched, &req->task, run_handler, req, on_handler_done);
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
