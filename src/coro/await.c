/* Awaiting: functions a handler calls to wait without blocking its worker. Each suspends the
 * calling request's coroutine; the event it waits for resumes it through bk_conn_resume, and so
 * does cancellation (client gone, grace period over), with BK_ECANCELED. */
#include "internal.h"

static void on_sleep_done(uv_timer_t *t)
{
    bk_coro *co = t->data;
    bk_req *req = co->arg;
    bk_worker_schedule(req->conn->w, req, 0);
}

int bk_sleep(bk_req *req, uint64_t ms)
{
    if (req->cancelled)
        return BK_ECANCELED;
    if (!req->coro)
        return BK_EINVAL; /* not called from a handler */
    bk_coro *co = req->coro;
    uv_timer_start(&co->timer, on_sleep_done, ms, 0);
    uv_ref((uv_handle_t *)&co->timer);
    int r = bk_coro_yield(co);
    uv_timer_stop(&co->timer); /* cancelled early: the timer must not fire into the next job */
    uv_unref((uv_handle_t *)&co->timer);
    return r;
}
