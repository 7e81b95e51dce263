/* Workers: one libuv loop per thread with its own listener, coroutine pool, output buffer, date
 * header and timeout queues. Nothing here is shared between workers, so the request path takes
 * no locks. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS       100
#define LINGER_MS     2000
#define ALTSTACK_SIZE (64 * 1024)
/* Coroutines resumed per loop iteration before I/O is polled again: bounds how long a burst of
 * completions (10,000 timers set in the same millisecond) can delay a fresh request. */
#define READY_BATCH 32
/* Connections accepted per loop iteration: a connect storm is taken in slices, with the I/O of
 * connections already open polled in between. */
#define ACCEPT_BATCH 64

void bk_tq_clear(bk_worker *w, bk_conn *c)
{
    bk_tq_link *l = &c->tq;
    if (l->kind == BK_TQ_NONE)
        return;
    bk_tq *q = &w->tq[l->kind];
    if (l->prev)
        l->prev->tq.next = l->next;
    else
        q->head = l->next;
    if (l->next)
        l->next->tq.prev = l->prev;
    else
        q->tail = l->prev;
    l->prev = l->next = NULL;
    l->kind = BK_TQ_NONE;
}

void bk_tq_set(bk_worker *w, bk_conn *c, bk_tq_kind kind)
{
    bk_tq *q = &w->tq[kind];
    uint64_t deadline = uv_now(&w->loop) + q->timeout_ms;
    if (c->tq.kind == kind && q->tail == c) { /* already last: keep-alive traffic stays O(1) */
        c->tq.deadline = deadline;
        return;
    }
    bk_tq_clear(w, c);
    c->tq.kind = kind;
    c->tq.deadline = deadline;
    c->tq.prev = q->tail;
    c->tq.next = NULL;
    if (q->tail)
        q->tail->tq.next = c;
    else
        q->head = c;
    q->tail = c;
}

static void on_tick(uv_timer_t *t)
{
    bk_worker *w = t->data;
    uint64_t now = uv_now(&w->loop);
    for (int kind = BK_TQ_HEADER; kind < BK_TQ_COUNT; kind++) {
        bk_tq *q = &w->tq[kind];
        while (q->head && q->head->tq.deadline <= now) {
            bk_conn *c = q->head;
            bk_tq_clear(w, c);
            bk_conn_timeout(c, (bk_tq_kind)kind);
        }
    }
}

static void update_date(bk_worker *w)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    w->date_len = strftime(w->date_hdr, sizeof(w->date_hdr),
                           "Server: brisk\r\nDate: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

static void on_date_timer(uv_timer_t *t)
{
    update_date(t->data);
}

static void flush_log(bk_worker *w)
{
    size_t off = 0;
    while (off < w->log.len) {
        ssize_t n = write(STDOUT_FILENO, w->log.data + off, w->log.len - off);
        if (n <= 0)
            break; /* stdout gone: drop the log rather than stall the loop */
        off += (size_t)n;
    }
    w->log.len = 0;
}

static void on_prepare(uv_prepare_t *p)
{
    bk_worker *w = p->data;
    w->accepted = 0;
    if (w->log.len)
        flush_log(w);
}

void bk_worker_access_log(bk_worker *w, bk_req *req, int status)
{
    if (!w->cfg->access_log || !bk_log_enabled(BK_LOG_INFO))
        return;
    char line[256];
    const char *url = req->raw.data + req->url_off;
    int n = snprintf(line, sizeof(line), "INFO:     %s - \"%s ", bk_conn_peer(req->conn),
                     bk_req_method_name(req));
    if (n < 0)
        return;
    /* The URL is the client's: append it raw but bounded, like uvicorn does. */
    if (bk_buf_append(&w->log, line, (size_t)n) ||
        bk_buf_append(&w->log, url, req->url_len > 2048 ? 2048 : req->url_len))
        return;
    n = snprintf(line, sizeof(line), " HTTP/1.%d\" %d %s\n", req->http_minor, status,
                 bk_status_reason(status));
    if (n > 0 && bk_buf_append(&w->log, line, (size_t)n) == 0 && w->log.len > 32 * 1024)
        flush_log(w);
}

static void on_ready(uv_check_t *h)
{
    bk_worker *w = h->data;
    for (int i = 0; i < READY_BATCH && w->ready_head; i++) {
        bk_coro *co = w->ready_head;
        w->ready_head = co->next_ready;
        if (!w->ready_head)
            w->ready_tail = NULL;
        co->queued = 0;
        bk_conn_resume(co->arg, co->ready_value);
    }
    if (w->accept_deferred) {
        w->accept_deferred = 0;
        w->accepted = 0;
        if (!w->draining)
            bk_conn_accept(w); /* takes the connection libuv holds and resumes accepting */
    }
    if (!w->ready_head && !w->accept_deferred) {
        uv_idle_stop(&w->ready_idle);
        uv_check_stop(&w->ready_check);
    }
}

/* An active idle handle makes the loop poll without blocking; it has nothing to do itself. */
static void on_ready_idle(uv_idle_t *h)
{
    (void)h;
}

static void want_check(bk_worker *w)
{
    uv_idle_start(&w->ready_idle, on_ready_idle);
    uv_check_start(&w->ready_check, on_ready);
}

void bk_worker_schedule(bk_worker *w, bk_req *req, int result)
{
    bk_coro *co = req->coro;
    co->queued = 1;
    co->ready_value = result;
    co->next_ready = NULL;
    if (w->ready_tail) {
        w->ready_tail->next_ready = co;
    } else {
        w->ready_head = co;
        want_check(w);
    }
    w->ready_tail = co;
}

static void on_connection(uv_stream_t *server, int status)
{
    bk_worker *w = server->data;
    if (status < 0) {
        bk_log(BK_LOG_ERROR, "accept failed: %s", uv_strerror(status));
        return;
    }
    if (w->accepted >= ACCEPT_BATCH) {
        /* Leave it with libuv, which stops polling the listener until we take it. */
        w->accept_deferred = 1;
        want_check(w);
        return;
    }
    w->accepted++;
    bk_conn_accept(w);
}

static void on_grace_over(uv_timer_t *t)
{
    bk_worker *w = t->data;
    if (w->nconns)
        bk_log(BK_LOG_WARNING,
               "graceful timeout: cancelling %zu request(s), closing %zu connection(s)",
               w->inflight, w->nconns);
    for (bk_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        bk_conn_abort(c);
    }
}

static void on_stop(uv_async_t *a)
{
    bk_worker *w = a->data;
    if (w->draining)
        return;
    w->draining = 1;
    if (!uv_is_closing((uv_handle_t *)&w->listener))
        uv_close((uv_handle_t *)&w->listener, NULL);
    for (bk_conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        bk_conn_drain(c);
    }
    uv_timer_start(&w->grace_timer, on_grace_over, (uint64_t)(w->cfg->graceful_timeout * 1000), 0);
    bk_worker_maybe_finish(w);
}

void bk_worker_stop(bk_worker *w)
{
    uv_async_send(&w->stop_async);
}

void bk_worker_maybe_finish(bk_worker *w)
{
    if (!w->draining || w->nconns || w->stopped)
        return;
    w->stopped = 1;
    uv_close((uv_handle_t *)&w->date_timer, NULL);
    uv_close((uv_handle_t *)&w->tick_timer, NULL);
    uv_close((uv_handle_t *)&w->grace_timer, NULL);
    uv_close((uv_handle_t *)&w->stop_async, NULL);
    uv_close((uv_handle_t *)&w->log_flush, NULL);
    uv_close((uv_handle_t *)&w->ready_idle, NULL);
    uv_close((uv_handle_t *)&w->ready_check, NULL);
    bk_coro_pool_close(&w->pool);
}

static void worker_init_queues(bk_worker *w)
{
    const bk_config *cfg = w->cfg;
    w->tq[BK_TQ_HEADER].timeout_ms = (uint64_t)(cfg->header_timeout * 1000);
    w->tq[BK_TQ_BODY].timeout_ms = (uint64_t)(cfg->body_timeout * 1000);
    w->tq[BK_TQ_IDLE].timeout_ms = (uint64_t)(cfg->keepalive_timeout * 1000);
    w->tq[BK_TQ_LINGER].timeout_ms = LINGER_MS;
    if (cfg->limit_concurrency > 0) /* rounded up: each worker admits at least one */
        w->limit = ((size_t)cfg->limit_concurrency + (size_t)w->nworkers - 1) / (size_t)w->nworkers;
}

static void worker_init_handles(bk_worker *w)
{
    uv_loop_t *loop = &w->loop;
    uv_timer_init(loop, &w->date_timer);
    uv_timer_init(loop, &w->tick_timer);
    uv_timer_init(loop, &w->grace_timer);
    uv_async_init(loop, &w->stop_async, on_stop);
    uv_prepare_init(loop, &w->log_flush);
    uv_idle_init(loop, &w->ready_idle);
    uv_check_init(loop, &w->ready_check);
    w->ready_idle.data = w->ready_check.data = w;
    w->date_timer.data = w->tick_timer.data = w->grace_timer.data = w;
    w->stop_async.data = w->log_flush.data = w;
    uv_timer_start(&w->date_timer, on_date_timer, 1000, 1000);
    uv_timer_start(&w->tick_timer, on_tick, TICK_MS, TICK_MS);
    uv_prepare_start(&w->log_flush, on_prepare);
    uv_unref((uv_handle_t *)&w->date_timer);
    uv_unref((uv_handle_t *)&w->tick_timer);
    uv_unref((uv_handle_t *)&w->log_flush);
}

static int worker_listen(bk_worker *w)
{
    int err = uv_tcp_init(&w->loop, &w->listener);
    if (!err)
        err = uv_tcp_open(&w->listener, w->listen_fd);
    w->listener.data = w;
    if (!err)
        err = uv_listen((uv_stream_t *)&w->listener, w->cfg->backlog, on_connection);
    if (err)
        bk_log(BK_LOG_ERROR, "worker %d cannot listen: %s", w->id, uv_strerror(err));
    return err;
}

void bk_worker_run(bk_worker *w)
{
    if (uv_loop_init(&w->loop) != 0) {
        bk_log(BK_LOG_CRITICAL, "worker %d: cannot create its event loop", w->id);
        bk_server_worker_done(w->server);
        return;
    }
    w->altstack = malloc(ALTSTACK_SIZE);
    if (!w->altstack || bk_coro_thread_init(w->altstack, ALTSTACK_SIZE) != 0)
        bk_log(BK_LOG_WARNING,
               "worker %d: no alternate signal stack: stack overflows will not "
               "be reported",
               w->id);
    bk_parser_settings_init(&w->settings);
    bk_coro_pool_init(&w->pool, &w->loop, w->cfg->stack_size, 1024);
    worker_init_queues(w);
    update_date(w);
    worker_init_handles(w);
    if (worker_listen(w) != 0)
        on_stop(&w->stop_async);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    flush_log(w);
    if (uv_loop_close(&w->loop) != 0)
        bk_log(BK_LOG_WARNING, "worker %d: handles left open at exit", w->id);
    bk_buf_free(&w->out);
    bk_buf_free(&w->log);
    bk_coro_thread_fini();
    free(w->altstack);
    w->altstack = NULL;
    bk_server_worker_done(w->server);
}
