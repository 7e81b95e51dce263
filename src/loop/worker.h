/* Workers: one libuv loop per thread with its own listener, scheduler, output buffer, date
 * header, timeout queues and subsystem instances. Nothing here is shared between workers, so
 * the request path takes no locks. */
#ifndef BK_LOOP_WORKER_H
#define BK_LOOP_WORKER_H

#include "app/app.h"
#include "await/pool.h"
#include "await/task.h"
#include "http/parser.h"

#include <uv.h>

typedef struct bk__conn bk__conn;

/* ---- timeout queues ---- */

/* Connections waiting on one kind of deadline. Every entry of a queue has the same timeout, so
 * appending at the tail keeps the queue sorted and expiry only ever looks at the head. */
typedef enum bk__tq_kind {
    BK__TQ_NONE,
    BK__TQ_HEADER,
    BK__TQ_BODY,
    BK__TQ_IDLE,
    BK__TQ_LINGER,
    BK__TQ_COUNT
} bk__tq_kind;

typedef struct bk__tq_link {
    bk__conn *prev, *next;
    uint64_t deadline; /* loop time, ms */
    bk__tq_kind kind;
} bk__tq_link;

typedef struct bk__tq {
    bk__conn *head, *tail;
    uint64_t timeout_ms;
} bk__tq;

/* Moves `c` to the tail of queue `kind` with deadline now + that queue's timeout. */
void bk__tq_set(bk__worker *w, bk__conn *c, bk__tq_kind kind);
/* Takes `c` off whatever queue holds it. */
void bk__tq_clear(bk__worker *w, bk__conn *c);

/* ---- workers ---- */

/* Who runs a worker and hears how it goes: the server (a thread per worker, server.c) or a test
 * client (in-process, on the caller's thread). Called on the worker's thread; NULL members are
 * skipped. */
typedef struct bk__worker_host {
    /* Start-up is over: the worker serves, or it failed (w->start_error) and winds down. */
    void (*started)(bk__worker *w);
    /* The worker has drained and runs its shutdown hooks; they returned `err` (0: all did
     * well). */
    void (*shutdown_begins)(bk__worker *w);
    void (*shutdown_ended)(bk__worker *w, int err);
    /* Its loop is about to close: no more stop requests may reach it. */
    void (*exiting)(bk__worker *w);
    /* It has finished: nothing of it runs any more. */
    void (*done)(bk__worker *w);
} bk__worker_host;

/* Where a worker is in its lifespan. */
typedef enum bk__life {
    BK__LIFE_STARTING, /* its start-up hooks run */
    BK__LIFE_SERVING,  /* start-up is over (also when it failed): shutdown hooks are due */
    BK__LIFE_STOPPING, /* its shutdown hooks run */
    BK__LIFE_OVER,     /* they returned: the worker may close */
} bk__life;

struct bk__worker {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_timer_t date_timer, tick_timer, grace_timer;
    uv_async_t stop_async;
    uv_prepare_t log_flush;
    uv_idle_t accept_idle;   /* keeps the poll from blocking while an accept is deferred */
    uv_check_t accept_check; /* takes the deferred accept after the I/O of open connections */
    uv_idle_t drain_idle;    /* at shutdown: polls without blocking until idle ones close */
    uv_check_t drain_check;  /* closes idle connections once their input has been polled */
    int drain_polls;         /* loop iterations since the stop */
    unsigned accepted;       /* connections accepted in this loop iteration */
    int accept_deferred;     /* libuv holds an accepted connection for us to take */
    uv_thread_t thread;
    int id;
    int nworkers;
    int listen_fd; /* the bound socket to accept on; -1 for none (a test client's worker) */
    const bk_config *cfg;
    bk__http_limits limits;
    const bk__worker_host *host;
    void *host_ctx;
    int stoppable; /* the loop takes stop requests (guarded by the server's lock) */
    bk__life life;
    bk_task lifespan;      /* the task running the start-up or shutdown hooks */
    int lifespan_result;   /* what they returned */
    uint8_t loop_open;     /* uv_loop_init succeeded */
    uint8_t listener_open; /* the listener handle owns listen_fd */
    bk__sched sched;
    bk__pipeline pipeline;
    bk__pool *pool;         /* the server's thread pool */
    bk__pool_port blocking; /* this worker's connection to it */
    bk_buf out; /* responses of one burst of work on one connection, flushed before returning */
    bk_buf log; /* access log lines, flushed once per loop iteration */
    bk__tq tq[BK__TQ_COUNT];
    bk__conn *conns; /* every open connection */
    size_t nconns;
    void **subsystem_state; /* one per subsystem of the app */
    int nsubsystems;        /* initialised, in the app's order */
    int draining;
    int stopped;
    int start_error;     /* why the worker could not start (0: it runs) */
    unsigned date_ticks; /* seconds since start, counted by the date timer */
    char date_hdr[96];   /* "Server: brisk\r\nDate: ...\r\n" */
    size_t date_len;
    char *altstack;
    char rbuf[64 * 1024];
};

/* Sets the worker up on the calling thread (loop, handles, subsystems) and starts its start-up
 * hooks; w->host->started follows once they returned, from the loop (or from here, at once).
 * Returns 0: run the loop until it ends; or the error that kept it from starting (the host
 * heard it, nothing runs). Either way, bk__worker_close after. */
int bk__worker_open(bk__worker *w);
/* Releases what is left of the worker once its loop has ended (or bk__worker_open failed). */
void bk__worker_close(bk__worker *w);
/* bk__worker_open, the loop until the worker has drained and run its shutdown hooks, and
 * bk__worker_close: a server's worker thread. */
void bk__worker_run(bk__worker *w);
/* Starts a graceful stop (thread-safe: may be called from any thread). */
void bk__worker_stop(bk__worker *w);
/* Ends the graceful period at once (on the worker's thread): in-flight requests and the
 * lifespan hooks running are cancelled through their shields. */
void bk__worker_abort(bk__worker *w);
/* Ends the worker's loop if it is draining and nothing is left: no connection, no subsystem
 * busy. Connections and subsystems call it when they finish. */
void bk__worker_maybe_finish(bk__worker *w);
/* Queues an access-log line for `req`. */
void bk__worker_access_log(bk__worker *w, bk_req *req);

/* 0 when `cfg` is one a server (or a test client) can run with, else BK_EINVAL. */
int bk__config_check(const bk_config *cfg);
/* bk_server_start that calls on_bound(arg) once the listeners are bound, before the start-up
 * hooks run: the runner logs "Started server process" there, where uvicorn does. */
int bk__server_start(bk_server **server, bk_app *app, const bk_config *cfg,
                     void (*on_bound)(void *arg), void *arg);
/* The runner: `a` is sent when every worker has finished. */
void bk__server_notify_exit(bk_server *s, uv_async_t *a);

#endif
