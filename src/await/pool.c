/* brisk's thread pool and bk_run_blocking: see pool.h. */
#include "await/pool.h"
#include "util/log.h"

#include <stdlib.h>

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

struct bk__job {
    bk__op op; /* first: the cancel hook gets the job from it */
    void (*fn)(void *arg);
    void *arg;
    bk__pool_port *port;
    bk__job *next;
    job_state state;             /* pool lock */
    void (*detached)(void *arg); /* for no task: called back instead of completing an op */
};

static void on_port_async(uv_async_t *h);

int bk__pool_init(bk__pool *p, int max_threads, size_t max_queued)
{
    if (max_threads < 1)
        return BK_EINVAL;
    *p = (bk__pool){.max_threads = max_threads, .max_queued = max_queued};
    p->threads = calloc((size_t)max_threads, sizeof(*p->threads));
    if (!p->threads)
        return BK_ENOMEM;
    int err = uv_mutex_init(&p->lock);
    if (err) {
        free(p->threads);
        return err;
    }
    err = uv_cond_init(&p->work);
    if (err) {
        uv_mutex_destroy(&p->lock);
        free(p->threads);
    }
    return err;
}

void bk__pool_close(bk__pool *p)
{
    uv_mutex_lock(&p->lock);
    p->closing = 1;
    uv_cond_broadcast(&p->work);
    uv_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        uv_thread_join(&p->threads[i]);
    uv_cond_destroy(&p->work);
    uv_mutex_destroy(&p->lock);
    free(p->threads);
    p->threads = NULL;
}

int bk__pool_port_init(bk__pool_port *port, bk__pool *p, uv_loop_t *loop)
{
    *port = (bk__pool_port){.pool = p};
    int err = uv_async_init(loop, &port->async, on_port_async);
    if (err)
        return err;
    port->async.data = port;
    uv_unref((uv_handle_t *)&port->async); /* only jobs in flight keep a loop alive */
    return 0;
}

void bk__pool_port_close(bk__pool_port *port)
{
    /* Under the lock: a thread that just queued a completion may still be inside
     * uv_async_send, which it calls with the lock held. */
    uv_mutex_lock(&port->pool->lock);
    uv_mutex_unlock(&port->pool->lock);
    uv_close((uv_handle_t *)&port->async, NULL);
}

/* ---- the threads ---- */

static bk__job *take_job(bk__pool *p)
{
    bk__job *j = p->head;
    p->head = j->next;
    if (!p->head)
        p->tail = NULL;
    p->queued--;
    j->state = JOB_RUNNING;
    return j;
}

static void finish_job(bk__job *j)
{
    bk__pool_port *port = j->port;
    j->state = JOB_DONE;
    j->next = port->done;
    port->done = j;
    /* With the lock held, so the port cannot be closed between the push and the send. */
    uv_async_send(&port->async);
}

static void pool_thread(void *arg)
{
    bk__pool *p = arg;
    uv_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->closing) {
            p->idle++;
            uv_cond_wait(&p->work, &p->lock);
            p->idle--;
        }
        if (!p->head)
            break; /* closing, and nothing left to run */
        bk__job *j = take_job(p);
        uv_mutex_unlock(&p->lock);
        j->fn(j->arg);
        uv_mutex_lock(&p->lock);
        finish_job(j);
    }
    uv_mutex_unlock(&p->lock);
}

/* With the lock held: a thread more when every started one is busy. A pool that cannot grow
 * still runs the job, on the threads it has; one that has none cannot. */
static int grow(bk__pool *p)
{
    if (p->idle >= (int)p->queued || p->nthreads == p->max_threads)
        return 0;
    int err = uv_thread_create(&p->threads[p->nthreads], pool_thread, p);
    if (err) {
        bk__log(BK_LOG_WARNING, "cannot start a pool thread (%d running): %s", p->nthreads,
                bk_strerror(err));
        return p->nthreads ? 0 : err;
    }
    p->nthreads++;
    return 0;
}

/* Queues `j`. Returns 0, BK_EAGAIN when the queue is full, or why no thread could start. */
static int submit(bk__pool *p, bk__job *j)
{
    uv_mutex_lock(&p->lock);
    int err = p->queued >= p->max_queued && p->idle == 0 ? BK_EAGAIN : 0;
    if (!err) {
        j->state = JOB_QUEUED;
        j->next = NULL;
        if (p->tail)
            p->tail->next = j;
        else
            p->head = j;
        p->tail = j;
        p->queued++;
        err = grow(p);
        if (err) { /* not even one thread: take it back */
            p->head = p->tail = NULL;
            p->queued = 0;
        } else {
            uv_cond_signal(&p->work);
        }
    }
    uv_mutex_unlock(&p->lock);
    return err;
}

/* ---- back on the loop ---- */

static void on_port_async(uv_async_t *h)
{
    bk__pool_port *port = h->data;
    uv_mutex_lock(&port->pool->lock);
    bk__job *j = port->done;
    port->done = NULL;
    uv_mutex_unlock(&port->pool->lock);
    while (j) {
        bk__job *next = j->next; /* the task may end, and its frame with `j`, when it resumes */
        if (j->detached) {
            j->detached(j->arg);
            free(j);
        } else {
            bk__op_complete(&j->op, 0);
        }
        if (--port->inflight == 0) {
            uv_unref((uv_handle_t *)&port->async);
            if (port->on_idle)
                port->on_idle(port->idle_arg);
        }
        j = next;
    }
}

int bk__pool_run_detached(bk__pool_port *port, void (*fn)(void *arg), void (*done)(void *arg),
                          void *arg)
{
    bk__job *j = calloc(1, sizeof(*j));
    if (!j)
        return BK_ENOMEM;
    *j = (bk__job){.fn = fn, .arg = arg, .port = port, .detached = done};
    int err = submit(port->pool, j);
    if (err) {
        free(j);
        return err;
    }
    if (port->inflight++ == 0)
        uv_ref((uv_handle_t *)&port->async);
    return 0;
}

/* The task is cancelled, or its timeout passed: a job still queued is taken off the queue and
 * never runs; a running one cannot be stopped, so the task waits for it. */
static int cancel_job(bk__op *op)
{
    bk__job *j = (bk__job *)op;
    bk__pool *p = j->port->pool;
    int detach = 0;
    uv_mutex_lock(&p->lock);
    if (j->state == JOB_QUEUED) {
        bk__job **pp = &p->head, *prev = NULL;
        while (*pp != j) {
            prev = *pp;
            pp = &(*pp)->next;
        }
        *pp = j->next;
        if (p->tail == j)
            p->tail = prev;
        p->queued--;
        detach = 1;
    }
    uv_mutex_unlock(&p->lock);
    if (!detach)
        return BK__CANCEL_WAIT;
    if (--j->port->inflight == 0)
        uv_unref((uv_handle_t *)&j->port->async);
    return BK__CANCEL_DETACH;
}

int bk_run_blocking(bk_task *task, void (*fn)(void *arg), void *arg)
{
    int err = bk__task_may_await(task);
    if (err)
        return err;
    bk__pool_port *port = task->sched->blocking;
    if (!port || !fn)
        return BK_EINVAL;
    bk__job job = {.fn = fn, .arg = arg, .port = port};
    task->on_pool = 1; /* before a thread can run fn (the queue's lock orders it): no awaits */
    err = submit(port->pool, &job);
    if (err) {
        task->on_pool = 0;
        return err;
    }
    if (port->inflight++ == 0)
        uv_ref((uv_handle_t *)&port->async);
    err = bk__task_await(task, &job.op, cancel_job);
    task->on_pool = 0;
    return err;
}
