/* Deadlines of tasks: bk_task_timeout (Trio's fail_after without the block) and the one-shot
 * timer it and the pipeline's per-route deadline are built on.
 *
 * When a task's timeout passes, the await in progress ends through its op's cancel hook and
 * returns BK_ETIMEDOUT, and so does every later await until the timeout is cleared: a handler
 * that ignores one timed-out call cannot go on waiting. The task itself is not cancelled. */
#include "await/task.h"

#include <stdlib.h>

/* Its own allocation, like a sleep's timer: the close completes a loop iteration after the
 * deadline was stopped, when the task may be gone. */
struct bk__deadline {
    uv_timer_t timer;
    bk_task *task;
    void (*fire)(bk_task *t);
};

static void free_deadline(uv_handle_t *h)
{
    free(h->data);
}

static void on_deadline(uv_timer_t *h)
{
    bk__deadline *d = h->data;
    uv_close((uv_handle_t *)h, free_deadline);
    d->fire(d->task);
}

bk__deadline *bk__deadline_start(uv_loop_t *loop, bk_task *t, uint64_t ms, void (*fire)(bk_task *t))
{
    bk__deadline *d = malloc(sizeof(*d));
    if (!d)
        return NULL;
    if (uv_timer_init(loop, &d->timer) != 0) {
        free(d);
        return NULL;
    }
    d->timer.data = d;
    d->task = t;
    d->fire = fire;
    if (uv_timer_start(&d->timer, on_deadline, ms, 0) != 0) {
        uv_close((uv_handle_t *)&d->timer, free_deadline);
        return NULL;
    }
    return d;
}

void bk__deadline_stop(bk__deadline *d)
{
    uv_timer_stop(&d->timer);
    uv_close((uv_handle_t *)&d->timer, free_deadline);
}

static void on_timeout(bk_task *t)
{
    t->deadline = NULL; /* the timer is closing itself */
    t->timed_out = 1;
    bk__task_interrupt(t);
}

void bk__task_clear_timeout(bk_task *t)
{
    if (!t->deadline)
        return;
    bk__deadline_stop(t->deadline);
    t->deadline = NULL;
}

int bk_task_timeout(bk_task *task, uint64_t ms)
{
    if (!task || !task->coro || task->on_pool)
        return BK_EINVAL;
    bk__task_clear_timeout(task);
    task->timed_out = 0;
    if (ms == 0)
        return 0;
    task->deadline = bk__deadline_start(task->sched->loop, task, ms, on_timeout);
    return task->deadline ? 0 : BK_ENOMEM;
}
