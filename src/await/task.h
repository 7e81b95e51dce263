/* Tasks and the one await primitive every kind of waiting uses.
 *
 * A task is a function running on a coroutine of a worker's scheduler. It waits by beginning an
 * *operation* (a timer, a socket, a thread-pool job, a child task...): the operation embeds a
 * bk__op, the task suspends in bk__task_await, and the loop later calls bk__op_complete with the
 * result, which queues the task to resume. Cancelling the task (its client left, the server
 * stops) calls the operation's cancel hook and resumes the task at once with BK_ECANCELED.
 *
 * Ownership, so that nothing is used after it is freed:
 *  - while a task awaits, the operation holds `op->task`; completing or cancelling clears it,
 *    and an operation whose `task` is NULL is *detached*: its completion is dropped without
 *    touching the task, which may be long gone;
 *  - the cancel hook runs once. It stops the source if it can (a timer) and returns
 *    BK__CANCEL_DETACH: the op is detached and the task resumes at once. An op that cannot let
 *    go of memory the task owns (a thread-pool job writing into it) returns BK__CANCEL_WAIT
 *    instead: it stays attached, and the task resumes — with BK_ECANCELED — when it completes;
 *  - a task's children (bk_group) are cancelled with it, and never outlive it: the task's
 *    function cannot finish before each of its groups was waited for;
 *  - in a shielded section (bk_shield_begin) a cancellation is held back until the section
 *    ends, except the one at the end of the graceful period (bk__task_abort);
 *  - each await bumps the task's generation, and a completion carries the generation it was
 *    begun with, so a late completion of an earlier await can never resume a later one;
 *  - a task is only ever freed by its owner's on_done, which runs after the task's function has
 *    returned, so it is never freed while suspended or queued. */
#ifndef BK_AWAIT_TASK_H
#define BK_AWAIT_TASK_H

#include "brisk.h"
#include "coro/coro.h"

#include <uv.h>

typedef struct bk__sched bk__sched;
typedef struct bk__op bk__op;
typedef struct bk__pool_port bk__pool_port;
typedef struct bk__deadline bk__deadline;

/* What an op's cancel hook answers. */
enum {
    BK__CANCEL_DETACH, /* stopped, or frees itself later: the task may resume now */
    BK__CANCEL_WAIT,   /* still uses the task's memory: resume the task when it completes */
};

/* One operation a task awaits; embedded in the operation's own state. */
struct bk__op {
    bk_task *task; /* the awaiting task; NULL once the op completed or was cancelled */
    uint32_t gen;  /* the task's generation when the await began */
    /* Called (on the loop) when the task is cancelled or its timeout passes mid-await, with
     * the op still attached; returns BK__CANCEL_DETACH or BK__CANCEL_WAIT. Must not complete
     * the op itself. */
    int (*cancel)(bk__op *op);
};

typedef void (*bk__task_fn)(bk_task *t, void *arg);

/* Something a task holds that must be released when its function returns, however it returns
 * (a transaction to roll back). Embedded in what it releases. `run` is called on the task's
 * coroutine in a shielded section, so it may await even when the task was cancelled. */
typedef struct bk__cleanup bk__cleanup;
struct bk__cleanup {
    void (*run)(bk_task *t, bk__cleanup *c);
    bk__cleanup *prev, *next;
};

struct bk_task {
    bk__sched *sched;
    bk__coro *coro;    /* while the task runs or awaits */
    bk__op *op;        /* the await in progress; NULL when running or queued */
    uint32_t gen;      /* counts awaits */
    int result;        /* what the pending await returns */
    int reason;        /* why it was cancelled: BK_ECANCELED, or BK_ETIMEDOUT (a route deadline) */
    uint8_t cancelled; /* read from pool threads too: atomic accesses */
    uint8_t queued;    /* on the scheduler's ready queue */
    uint8_t fresh;     /* queued to start (a child task) rather than to resume */
    uint8_t timed_out; /* the bk_task_timeout deadline passed: awaits fail until it is cleared */
    uint8_t on_pool;   /* its code runs on a pool thread now: it may not await */
    uint8_t aborted;   /* cancelled through shields: the graceful period is over */
    uint8_t may_block; /* the owner's: no request waits on this loop while it runs (lifespan
                          hooks), so running long without awaiting is not warned about */
    uint16_t shield;   /* bk_shield_begin depth: a cancellation waits until it is 0 */
    bk__deadline *deadline;  /* bk_task_timeout's timer, NULL when none is set */
    struct bk_group *groups; /* groups of children not yet waited for */
    bk__cleanup *cleanups;   /* run when `fn` returns, most recent first */
    bk_task *next_ready;
    bk__task_fn fn;
    void *arg;
    /* The owner's: called on the loop when `fn` returned after having awaited (when it returns
     * without awaiting, bk__task_start says so instead). The task may be freed from here. */
    void (*on_done)(bk_task *t);
    /* Optional: names the task in warnings ("handler for GET /items"). */
    void (*describe)(const bk_task *t, char *buf, size_t size);
};

/* Per-worker services that awaiting functions reach through their task's scheduler. Each is
 * a subsystem of the app (app.h) whose per-worker init puts its state here; unit tests may set
 * them on a bare scheduler. */
typedef enum bk__service {
    BK__SVC_FETCH, /* outbound HTTP: the worker's curl multi handle (src/client) */
    BK__SVC_DB,    /* databases: the worker's pools, one per bk_db (src/db) */
    BK__SVC_COUNT
} bk__service;

/* A worker's tasks: their coroutine pool and the queue of tasks due to resume. */
struct bk__sched {
    uv_loop_t *loop;
    bk__coro_pool pool;
    uv_idle_t ready_idle;   /* keeps the poll from blocking while tasks are due */
    uv_check_t ready_check; /* resumes due tasks, a bounded batch per loop iteration */
    bk_task *ready_head, *ready_tail;
    size_t live;             /* tasks started and not finished */
    void *owner;             /* whoever runs tasks on it (the worker's request pipeline) */
    bk__pool_port *blocking; /* where bk_run_blocking sends jobs; NULL: it answers BK_EINVAL */
    void *services[BK__SVC_COUNT];
};

/* Sets up a scheduler on `loop` (its handles stay unreferenced until tasks are due). Returns 0
 * or a BK_E* code. */
int bk__sched_init(bk__sched *s, uv_loop_t *loop, size_t stack_size);
/* Closes the scheduler's handles and unmaps its idle stacks; every task must have ended. */
void bk__sched_close(bk__sched *s);

/* Runs fn(t, arg) on a coroutine until it first awaits or returns. Returns 1 when it returned
 * (on_done is not called), 0 when it awaits (on_done will be), BK_ENOMEM when no stack could
 * be mapped (fn did not run). `t` is the caller's, zeroed or reused. */
int bk__task_start(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg,
                   void (*on_done)(bk_task *t));
/* Queues `t` to start fn(t, arg) on a fresh coroutine at the scheduler's next turn (a child
 * task). Returns 0, or BK_ENOMEM when no stack could be mapped. on_done is always called. */
int bk__task_spawn(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg,
                   void (*on_done)(bk_task *t));
/* Cancels `t` with `reason` (BK_ECANCELED: its client left; BK_ETIMEDOUT: its deadline passed):
 * its await in progress (if any) is cancelled and returns `reason`, and so does every later one;
 * its children are cancelled too. Held back while `t` is shielded. The task still runs until its
 * function returns. */
void bk__task_cancel(bk_task *t, int reason);
/* bk__task_cancel(t, BK_ECANCELED) through any shield: the graceful period is over. */
void bk__task_abort(bk_task *t);

/* Called on `t`'s coroutine, after the operation was started: suspends `t` until bk__op_complete
 * or cancellation. Returns the operation's result, or BK_ECANCELED — always when the task was
 * cancelled, even if the result arrived first. */
int bk__task_await(bk_task *t, bk__op *op, int (*cancel)(bk__op *op));
/* Checks that an awaiting function may wait on `t` now: 0, the cancellation reason when
 * cancelled, BK_ETIMEDOUT when its timeout passed, or BK_EINVAL when `t` is not the task
 * running on this thread. */
int bk__task_may_await(const bk_task *t);
/* Delivers an operation's result (on the loop). A detached or stale op is ignored. */
void bk__op_complete(bk__op *op, int result);
/* Whether `t`'s cancellation applies now: a shielded section holds it back, except once the
 * graceful period is over. */
static inline int bk__task_cancel_applies(const bk_task *t)
{
    return t->cancelled && (!t->shield || t->aborted);
}
/* Registers / unregisters a cleanup of `t` (see bk__cleanup). */
void bk__task_add_cleanup(bk_task *t, bk__cleanup *c);
void bk__task_remove_cleanup(bk_task *t, bk__cleanup *c);
/* Ends `t`'s await in progress early through its op's cancel hook (its flags say why). */
void bk__task_interrupt(bk_task *t);

/* ---- children (group.c) and timeouts (timeout.c), which task.c drives ---- */

/* Cancels every child of every open group of `t`. */
void bk__group_cancel_all(bk_task *t);
/* Called on `g`'s parent task: cancels its children, waits for them, frees the group. */
void bk__group_close(struct bk_group *g);
/* Stops and forgets `t`'s bk_task_timeout deadline, if any. */
void bk__task_clear_timeout(bk_task *t);
/* Calls fire(t) on `loop` in `ms` unless stopped first. NULL when out of memory. The deadline
 * frees itself after firing or being stopped. */
bk__deadline *bk__deadline_start(uv_loop_t *loop, bk_task *t, uint64_t ms,
                                 void (*fire)(bk_task *t));
/* Stops a deadline that has not fired. */
void bk__deadline_stop(bk__deadline *d);

#endif
