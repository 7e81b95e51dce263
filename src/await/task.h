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
 *  - the cancel hook runs once, after the op is detached: it stops the source if it can (a timer)
 *    or leaves it running and lets it free its own memory when it ends (a thread-pool job);
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

/* One operation a task awaits; embedded in the operation's own state. */
struct bk__op {
    bk_task *task; /* the awaiting task; NULL once the op completed or was cancelled */
    uint32_t gen;  /* the task's generation when the await began */
    /* Called (on the loop) when the task is cancelled mid-await, with the op already detached. */
    void (*cancel)(bk__op *op);
};

typedef void (*bk__task_fn)(bk_task *t, void *arg);

struct bk_task {
    bk__sched *sched;
    bk__coro *coro; /* while the task runs or awaits */
    bk__op *op;     /* the await in progress; NULL when running or queued */
    uint32_t gen;   /* counts awaits */
    int result;     /* what the pending await returns */
    uint8_t cancelled;
    uint8_t queued; /* on the scheduler's ready queue */
    bk_task *next_ready;
    bk__task_fn fn;
    void *arg;
    /* The owner's: called on the loop when `fn` returned after having awaited (when it returns
     * without awaiting, bk__task_start says so instead). The task may be freed from here. */
    void (*on_done)(bk_task *t);
    /* Optional: names the task in warnings ("handler for GET /items"). */
    void (*describe)(const bk_task *t, char *buf, size_t size);
};

/* A worker's tasks: their coroutine pool and the queue of tasks due to resume. */
struct bk__sched {
    uv_loop_t *loop;
    bk__coro_pool pool;
    uv_idle_t ready_idle;   /* keeps the poll from blocking while tasks are due */
    uv_check_t ready_check; /* resumes due tasks, a bounded batch per loop iteration */
    bk_task *ready_head, *ready_tail;
    size_t live; /* tasks started and not finished */
    void *owner; /* whoever runs tasks on it (the worker's request pipeline) */
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
/* Cancels `t`: its await in progress (if any) is cancelled and returns BK_ECANCELED, and so
 * does every later one. The task still runs until its function returns. */
void bk__task_cancel(bk_task *t);

/* Called on `t`'s coroutine, after the operation was started: suspends `t` until bk__op_complete
 * or cancellation. Returns the operation's result, or BK_ECANCELED — always when the task was
 * cancelled, even if the result arrived first. */
int bk__task_await(bk_task *t, bk__op *op, void (*cancel)(bk__op *op));
/* Checks that an awaiting function may wait on `t` now: 0, BK_ECANCELED when cancelled, or
 * BK_EINVAL when `t` is not the task running on this thread. */
int bk__task_may_await(const bk_task *t);
/* Delivers an operation's result (on the loop). A detached or stale op is ignored. */
void bk__op_complete(bk__op *op, int result);

#endif
