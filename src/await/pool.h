/* brisk's own thread pool for blocking code (bk_run_blocking, blocking routes).
 *
 * Not libuv's pool: that one is process-wide, four threads by default, and shared with file
 * system and DNS work, so a few slow handlers would stall every getaddrinfo of the process. One
 * bk__pool per server, shared by its workers; threads start on demand up to `max_threads` and
 * stay until the pool is closed. Each worker talks to it through a bk__pool_port: the job's
 * completion comes back to the worker's loop through the port's uv_async_t.
 *
 * A job cannot be interrupted. Its memory lives in the awaiting task's frame and the task
 * resumes only once the job is back on the loop (or was taken off the queue before it started),
 * so nothing a job touches is ever freed under it: a cancelled task's job runs to its end, and
 * its result is dropped. */
#ifndef BK_AWAIT_POOL_H
#define BK_AWAIT_POOL_H

#include "await/task.h"

#include <uv.h>

typedef struct bk__job bk__job;

typedef struct bk__pool {
    uv_mutex_t lock; /* guards everything below and every port's done list */
    uv_cond_t work;  /* a job was queued, or the pool closes */
    bk__job *head, *tail;
    size_t queued;     /* jobs waiting for a thread */
    size_t max_queued; /* beyond this, submitting fails with BK_EAGAIN */
    int max_threads;
    int nthreads; /* started */
    int idle;     /* waiting for work */
    int closing;
    uv_thread_t *threads;
} bk__pool;

struct bk__pool_port {
    bk__pool *pool;
    uv_async_t async; /* a job of this port is done */
    bk__job *done;    /* finished jobs, not yet handed back (pool lock) */
    size_t inflight;  /* jobs submitted and not yet handed back (loop only) */
    /* Called on the loop when the last job in flight came back (the worker's drain waits). */
    void (*on_idle)(void *arg);
    void *idle_arg;
};

/* Prepares a pool of up to `max_threads` threads (none started yet) that queues up to
 * `max_queued` jobs. Returns 0 or a BK_E* code. */
int bk__pool_init(bk__pool *p, int max_threads, size_t max_queued);
/* Stops and joins the threads. Every port must have been closed. */
void bk__pool_close(bk__pool *p);
/* Connects `loop` to the pool. Returns 0 or a BK_E* code. */
int bk__pool_port_init(bk__pool_port *port, bk__pool *p, uv_loop_t *loop);
/* Closes the port's handle; no job of it may be in flight. */
void bk__pool_port_close(bk__pool_port *port);
/* Runs fn(arg) on the pool for no task (a PostgreSQL cancel request), then done(arg) back on
 * the port's loop. Returns 0, BK_ENOMEM, or BK_EAGAIN when the queue is full. */
int bk__pool_run_detached(bk__pool_port *port, void (*fn)(void *arg), void (*done)(void *arg),
                          void *arg);

#endif
