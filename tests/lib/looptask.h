/* A task that a C unit test starts on a bare scheduler (no server, no request) and runs the
 * libuv loop for, until the task's function has returned. */
#ifndef BK_TEST_LOOPTASK_H
#define BK_TEST_LOOPTASK_H

#include "await/task.h"

#include <string.h>

typedef struct looptask {
    bk_task task; /* first: the task's callbacks get the looptask from it */
    void (*fn)(bk_task *t, void *arg);
    void *arg;
    int done;         /* the function returned */
    uint64_t done_ms; /* when, on looptask_now_ms's clock */
} looptask;

static inline uint64_t looptask_now_ms(void)
{
    return uv_hrtime() / 1000000;
}

static inline void looptask_on_done(bk_task *t)
{
    ((looptask *)t)->done = 1;
    ((looptask *)t)->done_ms = looptask_now_ms();
}

static inline void looptask_body(bk_task *t, void *arg)
{
    looptask *r = arg;
    r->fn(t, r->arg);
}

/* Starts fn(task, arg) on `s`; it runs until its first await before this returns. */
static inline void looptask_start(bk__sched *s, looptask *r, void (*fn)(bk_task *t, void *arg),
                                  void *arg)
{
    memset(r, 0, sizeof(*r));
    r->fn = fn;
    r->arg = arg;
    if (bk__task_start(s, &r->task, looptask_body, r, looptask_on_done) == 1)
        looptask_on_done(&r->task);
}

/* Runs `loop` until the task's function has returned. */
static inline void looptask_wait(uv_loop_t *loop, const looptask *r)
{
    while (!r->done)
        uv_run(loop, UV_RUN_ONCE);
}

#endif
