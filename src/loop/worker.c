/* Workers: see worker.h. */
#include "loop/conn.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Timeout queues are looked at this often: deadlines are kept to a tenth of a second. */
#define TICK_MS 100
/* How long a closing connection keeps reading (and discarding) what the client still sends. */
#define LINGER_MS 2000
/* The signal stack of a worker thread, for the stack-overflow report. */
#define ALTSTACK_SIZE (64 * 1024)
/* Idle coroutine stacks not needed for this long are unmapped (see bk__coro_pool_trim). */
#define STACK_TRIM_MS 10000
/* The access log line before the URL ("INFO:     IP:PORT - \"METHOD ") and after it. */
#define LOG_LINE_MAX 256
/* URLs in the access log are cut here, as uvicorn's are not, so one line stays one write. */
#define LOG_URL_MAX 2048
/* The access log is written when this much has collected, else once per loop iteration. */
#define LOG_FLUSH_AT (32 * 1024)
/* Connections accepted per loop iteration: a connect storm is taken in slices, with the I/O of
 * connections already open polled in between. */
#define ACCEPT_BATCH 64

void bk__tq_clear(bk__worker *w, bk__conn *c)
{
    bk__tq_link *l = &c->tq;
    if (l->kind == BK__TQ_NONE)
        return;
    bk__tq *q = &w->tq[l->kind];
    if (l->prev)
        l->prev->tq.next = l->next;
    else
        q->head = l->next;
    if (l->next)
        l->next->tq.prev = l->prev;
    else
        q->tail = l->prev;
    l->prev = l->next = NULL;
    l->kind = BK__TQ_NONE;
}

void bk__tq_set(bk__worker *w, bk__conn *c, bk__tq_kind kind)
{
    bk__tq *q = &w->tq[kind];
    uint64_t deadline = uv_now(&w->loop) + q->timeout_ms;
    if (c->tq.kind == kind && q->tail == c) { /* already last: keep-alive traffic stays O(1) */
        c->tq.deadline = deadline;
        return;
    }
    bk__tq_clear(w, c);
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
    bk__worker *w = t->data;
    uint64_t now = uv_now(&w->loop);
    for (int kind = BK__TQ_HEADER; kind < BK__TQ_COUNT; kind++) {
        bk__tq *q = &w->tq[kind];
        while (q->head && q->head->tq.deadline <= now) {
            bk__conn *c = q->head;
            bk__tq_clear(w, c);
            bk__conn_timeout(c, (bk__tq_kind)kind);
        }
    }
}

static void update_date(bk__worker *w)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    w->date_len = strftime(w->date_hdr, sizeof(w->date_hdr),
                           "Server: brisk\r\nDate: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

static void on_date_timer(uv_timer_t *t)
{
    bk__worker *w = t->data;
    update_date(w);
    if (++w->date_ticks % (STACK_TRIM_MS / 1000) == 0)
        bk__coro_pool_trim(&w->sched.pool);
}

static void flush_log(bk__worker *w)
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
    bk__worker *w = p->data;
    w->accepted = 0;
    if (w->log.len)
        flush_log(w);
}

void bk__worker_access_log(bk__worker *w, bk_req *req)
{
    if (!w->cfg->access_log || !bk__log_enabled(BK_LOG_INFO))
        return;
    int status = req->status;
    char line[LOG_LINE_MAX];
    const char *url = req->raw.data + req->url_off;
    int n = snprintf(line, sizeof(line), "INFO:     %s - \"%s ", bk_req_peer(req),
                     bk_req_method_name(req));
    if (n < 0)
        return;
    /* The URL is the client's: append it raw but bounded, like uvicorn does. */
    if (bk_buf_append(&w->log, line, (size_t)n) ||
        bk_buf_append(&w->log, url, req->url_len > LOG_URL_MAX ? LOG_URL_MAX : req->url_len))
        return;
    n = snprintf(line, sizeof(line), " HTTP/1.%d\" %d %s\n", req->http_minor, status,
                 bk__status_reason(status));
    if (n > 0 && bk_buf_append(&w->log, line, (size_t)n) == 0 && w->log.len > LOG_FLUSH_AT)
        flush_log(w);
}

static void on_accept_check(uv_check_t *h)
{
    bk__worker *w = h->data;
    uv_idle_stop(&w->accept_idle);
    uv_check_stop(&w->accept_check);
    if (!w->accept_deferred)
        return;
    w->accept_deferred = 0;
    w->accepted = 0;
    if (!w->draining)
        bk__conn_accept(w); /* takes the connection libuv holds and resumes accepting */
}

/* An active idle handle makes the loop poll without blocking; it has nothing to do itself. */
static void on_accept_idle(uv_idle_t *h)
{
    (void)h;
}

static void on_connection(uv_stream_t *server, int status)
{
    bk__worker *w = server->data;
    if (status < 0) {
        bk__log(BK_LOG_ERROR, "accept failed: %s", uv_strerror(status));
        return;
    }
    if (w->accepted >= ACCEPT_BATCH) {
        /* Leave it with libuv, which stops polling the listener until we take it. */
        w->accept_deferred = 1;
        uv_idle_start(&w->accept_idle, on_accept_idle);
        uv_check_start(&w->accept_check, on_accept_check);
        return;
    }
    w->accepted++;
    bk__conn_accept(w);
}

static void on_grace_over(uv_timer_t *t)
{
    bk__worker *w = t->data;
    if (w->nconns)
        bk__log(BK_LOG_WARNING,
                "graceful timeout: cancelling %zu request(s), closing %zu connection(s)",
                w->pipeline.inflight, w->nconns);
    for (bk__conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        bk__conn_abort(c);
    }
    bk__app_abort_background(&w->pipeline);
}

/* Idle keep-alive connections are closed only after the loop has polled their sockets once
 * more since the stop: a request that reached the server together with the stop is then read
 * and answered (with Connection: close) instead of being destroyed by a reset. */
#define DRAIN_POLLS 2

static void on_drain_check(uv_check_t *h)
{
    bk__worker *w = h->data;
    if (++w->drain_polls < DRAIN_POLLS)
        return;
    uv_idle_stop(&w->drain_idle);
    uv_check_stop(&w->drain_check);
    for (bk__conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        bk__conn_close_if_idle(c);
    }
}

static void on_drain_idle(uv_idle_t *h)
{
    (void)h;
}

/* Stops serving: no new connection, idle ones close, in-flight requests get the graceful
 * period; the shutdown hooks follow once nothing is left (bk__worker_maybe_finish). */
static void worker_drain(bk__worker *w)
{
    if (w->draining)
        return;
    w->draining = 1;
    if (!uv_is_closing((uv_handle_t *)&w->listener))
        uv_close((uv_handle_t *)&w->listener, NULL);
    for (bk__conn *c = w->conns, *next; c; c = next) {
        next = c->next;
        bk__conn_drain(c);
    }
    uv_idle_start(&w->drain_idle, on_drain_idle);
    uv_check_start(&w->drain_check, on_drain_check);
    const bk_app *app = w->pipeline.app;
    for (int i = 0; i < w->nsubsystems; i++)
        if (app->subsystems[i].drain)
            app->subsystems[i].drain(w->subsystem_state[i]);
    uv_timer_start(&w->grace_timer, on_grace_over, (uint64_t)(w->cfg->graceful_timeout * 1000), 0);
    bk__worker_maybe_finish(w);
}

static void on_stop(uv_async_t *a)
{
    worker_drain(a->data);
}

void bk__worker_stop(bk__worker *w)
{
    uv_async_send(&w->stop_async);
}

void bk__worker_abort(bk__worker *w)
{
    if (w->life == BK__LIFE_STARTING || w->life == BK__LIFE_STOPPING)
        bk__task_abort(&w->lifespan); /* nothing when no hook runs: the task has no coroutine */
    on_grace_over(&w->grace_timer);
}

static int subsystems_busy(const bk__worker *w)
{
    const bk_app *app = w->pipeline.app;
    for (int i = 0; i < w->nsubsystems; i++)
        if (app->subsystems[i].busy && app->subsystems[i].busy(w->subsystem_state[i]))
            return 1;
    return 0;
}

static void close_subsystems(bk__worker *w)
{
    const bk_app *app = w->pipeline.app;
    for (int i = w->nsubsystems - 1; i >= 0; i--)
        app->subsystems[i].close(w->subsystem_state[i]);
    w->nsubsystems = 0;
    free(w->subsystem_state);
    w->subsystem_state = NULL;
}

/* Closes every handle of the worker's own; uv_run returns once their callbacks ran. */
static void close_handles(bk__worker *w)
{
    uv_close((uv_handle_t *)&w->date_timer, NULL);
    uv_close((uv_handle_t *)&w->tick_timer, NULL);
    uv_close((uv_handle_t *)&w->grace_timer, NULL);
    uv_close((uv_handle_t *)&w->stop_async, NULL);
    uv_close((uv_handle_t *)&w->log_flush, NULL);
    uv_close((uv_handle_t *)&w->accept_idle, NULL);
    uv_close((uv_handle_t *)&w->accept_check, NULL);
    uv_close((uv_handle_t *)&w->drain_idle, NULL);
    uv_close((uv_handle_t *)&w->drain_check, NULL);
    if (!uv_is_closing((uv_handle_t *)&w->listener))
        uv_close((uv_handle_t *)&w->listener, NULL);
    bk__pool_port_close(&w->blocking); /* no job in flight: every task has ended */
}

/* ---- lifespan: the start-up and the shutdown hooks, each phase as one task ---- */

static bk__worker *worker_of_lifespan(const bk_task *t)
{
    return (bk__worker *)((char *)t - offsetof(bk__worker, lifespan));
}

/* Runs fn on the lifespan task; done follows when it returned, at once when it did not await.
 * Returns 0, or BK_ENOMEM when no coroutine stack could be mapped (neither runs). */
static int run_lifespan(bk__worker *w, bk__task_fn fn, void (*done)(bk_task *t))
{
    w->lifespan.may_block = 1; /* before the listener, after the drain: it holds nobody up */
    int r = bk__task_start(&w->sched, &w->lifespan, fn, w, done);
    if (r == 1)
        done(&w->lifespan);
    return r < 0 ? r : 0;
}

static void startup_hooks(bk_task *t, void *arg)
{
    bk__worker *w = arg;
    w->lifespan_result = bk__lifespan_startup(&w->pipeline, t);
}

/* The start-up hooks returned: accept connections, or wind down when one failed. */
static void on_startup_done(bk_task *t)
{
    bk__worker *w = worker_of_lifespan(t);
    int err = w->lifespan_result;
    w->life = BK__LIFE_SERVING;
    if (!err && w->listener_open && !w->draining) {
        err = uv_listen((uv_stream_t *)&w->listener, w->cfg->backlog, on_connection);
        if (err)
            bk__log(BK_LOG_ERROR, "worker %d cannot listen: %s", w->id, bk_strerror(err));
    }
    w->start_error = err;
    if (w->host->started)
        w->host->started(w);
    if (err)
        worker_drain(w); /* nothing to serve: straight to the shutdown hooks, then the end */
    else
        bk__worker_maybe_finish(w); /* a stop that came meanwhile */
}

static void start_startup(bk__worker *w)
{
    w->life = BK__LIFE_STARTING;
    w->lifespan_result = 0;
    if (!w->pipeline.app->startup.n) { /* no stack mapped for nothing */
        on_startup_done(&w->lifespan);
        return;
    }
    if (run_lifespan(w, startup_hooks, on_startup_done) != 0) {
        bk__log(BK_LOG_ERROR, "worker %d cannot run its start-up hooks: out of memory", w->id);
        w->lifespan_result = BK_ENOMEM;
        on_startup_done(&w->lifespan);
    }
}

static void shutdown_hooks(bk_task *t, void *arg)
{
    bk__worker *w = arg;
    w->lifespan_result = bk__lifespan_shutdown(&w->pipeline, t);
}

static void on_shutdown_done(bk_task *t)
{
    bk__worker *w = worker_of_lifespan(t);
    w->life = BK__LIFE_OVER;
    if (w->host->shutdown_ended)
        w->host->shutdown_ended(w, w->lifespan_result);
    bk__worker_maybe_finish(w);
}

static void start_shutdown(bk__worker *w)
{
    w->life = BK__LIFE_STOPPING;
    w->lifespan_result = 0;
    if (w->host->shutdown_begins)
        w->host->shutdown_begins(w);
    if (!w->pipeline.app->shutdown.n) {
        on_shutdown_done(&w->lifespan);
        return;
    }
    if (run_lifespan(w, shutdown_hooks, on_shutdown_done) != 0) {
        bk__log(BK_LOG_ERROR, "worker %d cannot run its shutdown hooks: out of memory", w->id);
        w->lifespan_result = BK_ENOMEM;
        on_shutdown_done(&w->lifespan);
    }
}

void bk__worker_maybe_finish(bk__worker *w)
{
    if (!w->draining || w->nconns || w->stopped || w->sched.live || w->blocking.inflight ||
        subsystems_busy(w))
        return;
    if (w->life == BK__LIFE_SERVING) { /* drained: the shutdown hooks, with subsystems open */
        start_shutdown(w);
        return;
    }
    if (w->life != BK__LIFE_OVER)
        return;
    w->stopped = 1;
    close_subsystems(w);
    close_handles(w);
    bk__sched_close(&w->sched);
}

static void worker_init_queues(bk__worker *w)
{
    const bk_config *cfg = w->cfg;
    w->tq[BK__TQ_HEADER].timeout_ms = (uint64_t)(cfg->header_timeout * 1000);
    w->tq[BK__TQ_BODY].timeout_ms = (uint64_t)(cfg->body_timeout * 1000);
    w->tq[BK__TQ_IDLE].timeout_ms = (uint64_t)(cfg->keepalive_timeout * 1000);
    w->tq[BK__TQ_LINGER].timeout_ms = LINGER_MS;
    w->limits.max_header_size = cfg->max_header_size;
    w->limits.max_url_size = cfg->max_url_size;
    w->limits.max_body_size = cfg->max_body_size;
    if (cfg->limit_concurrency > 0) /* rounded up: each worker admits at least one */
        w->pipeline.limit =
            ((size_t)cfg->limit_concurrency + (size_t)w->nworkers - 1) / (size_t)w->nworkers;
}

/* Initialises the worker's own handles; on failure, closes those that were. */
static int worker_init_handles(bk__worker *w)
{
    uv_loop_t *loop = &w->loop;
    int err = uv_timer_init(loop, &w->date_timer);
    err = err ? err : uv_timer_init(loop, &w->tick_timer);
    err = err ? err : uv_timer_init(loop, &w->grace_timer);
    err = err ? err : uv_async_init(loop, &w->stop_async, on_stop);
    err = err ? err : uv_prepare_init(loop, &w->log_flush);
    err = err ? err : uv_idle_init(loop, &w->accept_idle);
    err = err ? err : uv_check_init(loop, &w->accept_check);
    err = err ? err : uv_idle_init(loop, &w->drain_idle);
    err = err ? err : uv_check_init(loop, &w->drain_check);
    err = err ? err : uv_tcp_init(loop, &w->listener);
    err = err ? err : bk__pool_port_init(&w->blocking, w->pool, loop);
    if (err)
        return err; /* only a loop that cannot make handles fails here: the loop goes too */
    w->accept_idle.data = w->accept_check.data = w;
    w->drain_idle.data = w->drain_check.data = w;
    w->date_timer.data = w->tick_timer.data = w->grace_timer.data = w;
    w->stop_async.data = w->log_flush.data = w->listener.data = w;
    uv_timer_start(&w->date_timer, on_date_timer, 1000, 1000);
    uv_timer_start(&w->tick_timer, on_tick, TICK_MS, TICK_MS);
    uv_prepare_start(&w->log_flush, on_prepare);
    uv_unref((uv_handle_t *)&w->date_timer);
    uv_unref((uv_handle_t *)&w->tick_timer);
    uv_unref((uv_handle_t *)&w->log_flush);
    return 0;
}

/* Closes the bound socket while it is still ours (not yet the listener handle's). */
static void drop_listen_fd(bk__worker *w)
{
    if (w->listen_fd >= 0 && !w->listener_open)
        close(w->listen_fd);
    w->listen_fd = -1;
}

/* Gives the bound socket to the listener handle; connections are taken once start-up is over.
 * A test client's worker has none. */
static int worker_open_listener(bk__worker *w)
{
    if (w->listen_fd < 0)
        return 0;
    int err = uv_tcp_open(&w->listener, w->listen_fd);
    if (err) {
        drop_listen_fd(w); /* libuv owns the fd only once uv_tcp_open succeeded */
        return err;
    }
    w->listener_open = 1;
    return 0;
}

static int worker_init_subsystems(bk__worker *w)
{
    const bk_app *app = w->pipeline.app;
    if (!app->nsubsystems)
        return 0;
    w->subsystem_state = calloc((size_t)app->nsubsystems, sizeof(void *));
    if (!w->subsystem_state)
        return BK_ENOMEM;
    for (int i = 0; i < app->nsubsystems; i++) {
        const bk__subsystem *s = &app->subsystems[i];
        int err = s->init(w, s->udata, &w->subsystem_state[i]);
        if (err) {
            bk__log(BK_LOG_ERROR, "worker %d: %s failed to start: %s", w->id, s->name,
                    bk_strerror(err));
            return err;
        }
        w->nsubsystems = i + 1;
    }
    return 0;
}

/* The last job on the thread pool came back: a draining worker may be done now. */
static void on_pool_idle(void *arg)
{
    bk__worker_maybe_finish(arg);
}

/* Everything the worker needs before it serves; 0 or the first error. */
static int worker_init(bk__worker *w)
{
    int err = bk__sched_init(&w->sched, &w->loop, w->cfg->stack_size);
    if (!err)
        err = worker_init_handles(w);
    if (err) {
        bk__log(BK_LOG_ERROR, "worker %d cannot start its loop: %s", w->id, bk_strerror(err));
        drop_listen_fd(w);
        return err;
    }
    w->sched.owner = &w->pipeline;
    w->pipeline.worker = w->id;
    w->sched.blocking = &w->blocking;
    w->blocking.on_idle = on_pool_idle;
    w->blocking.idle_arg = w;
    w->pipeline.on_after_idle = on_pool_idle; /* the same check: is the drain over? */
    w->pipeline.after_idle_arg = w;
    w->pipeline.sched = &w->sched;
    w->altstack = malloc(ALTSTACK_SIZE);
    if (!w->altstack || bk__coro_thread_init(&w->sched.pool, w->altstack, ALTSTACK_SIZE) != 0)
        bk__log(BK_LOG_WARNING,
                "worker %d: no alternate signal stack: stack overflows will not be reported",
                w->id);
    worker_init_queues(w);
    update_date(w);
    err = worker_open_listener(w);
    if (err)
        bk__log(BK_LOG_ERROR, "worker %d cannot listen: %s", w->id, bk_strerror(err));
    return err ? err : worker_init_subsystems(w); /* which says why itself */
}

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Start-up failed: close whatever was opened, in any state it was left. */
static void worker_abandon(bk__worker *w)
{
    close_subsystems(w);
    uv_walk(&w->loop, close_walk, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    bk__coro_pool_close(&w->sched.pool);
}

/* The worker could not start: tell the host. Returns `err`. */
static int fail_start(bk__worker *w, int err)
{
    w->start_error = err;
    if (w->host->started)
        w->host->started(w);
    return err;
}

int bk__worker_open(bk__worker *w)
{
    int err = uv_loop_init(&w->loop);
    if (err) {
        bk__log(BK_LOG_ERROR, "worker %d cannot create its loop: %s", w->id, bk_strerror(err));
        drop_listen_fd(w);
        return fail_start(w, err);
    }
    w->loop_open = 1;
    err = worker_init(w);
    if (err) {
        fail_start(w, err);
        worker_abandon(w);
        return err;
    }
    start_startup(w);
    return 0;
}

void bk__worker_close(bk__worker *w)
{
    flush_log(w);
    if (w->host->exiting)
        w->host->exiting(w);
    if (w->loop_open && uv_loop_close(&w->loop) != 0)
        bk__log(BK_LOG_WARNING, "worker %d: handles left open at exit", w->id);
    w->loop_open = 0;
    bk_buf_free(&w->out);
    bk_buf_free(&w->log);
    bk__coro_thread_fini();
    free(w->altstack);
    w->altstack = NULL;
    if (w->host->done)
        w->host->done(w);
}

void bk__worker_run(bk__worker *w)
{
    if (bk__worker_open(w) == 0)
        uv_run(&w->loop, UV_RUN_DEFAULT);
    bk__worker_close(w);
}
