/* bk_task_sleep: the first awaiting function built on the await primitive (task.h).
 *
 * The timer lives in its own small allocation rather than on the task's stack: a libuv handle
 * may only be freed after its close callback, which comes a loop iteration after a cancelled
 * sleep has already returned to its caller. The operation owns itself and frees itself there. */
#include "await/task.h"

#include <stdlib.h>

typedef struct sleep_op {
    bk__op op;
    uv_timer_t timer;
} sleep_op;

static void free_sleep(uv_handle_t *h)
{
    free(h->data);
}

static void on_sleep_done(uv_timer_t *h)
{
    sleep_op *s = h->data;
    bk__op_complete(&s->op, 0);
    uv_close((uv_handle_t *)h, free_sleep);
}

static int cancel_sleep(bk__op *op)
{
    sleep_op *s = (sleep_op *)op; /* op is the first member */
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, free_sleep);
    return BK__CANCEL_DETACH;
}

int bk_task_sleep(bk_task *task, uint64_t ms)
{
    int err = bk__task_may_await(task);
    if (err)
        return err;
    sleep_op *s = malloc(sizeof(*s));
    if (!s)
        return BK_ENOMEM;
    err = uv_timer_init(task->sched->loop, &s->timer);
    if (err) {
        free(s);
        return err;
    }
    s->timer.data = s;
    err = uv_timer_start(&s->timer, on_sleep_done, ms, 0);
    if (err) {
        uv_close((uv_handle_t *)&s->timer, free_sleep);
        return err;
    }
    return bk__task_await(task, &s->op, cancel_sleep);
}
