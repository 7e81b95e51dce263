/* Tasks on coroutines, their ready queue, and the await primitive: see task.h. */
#include "await/task.h"
#include "util/log.h"

#include <stddef.h>
#include <string.h>

/* Tasks resumed per loop iteration before I/O is polled again: bounds how long a burst of
 * completions (10,000 timers set in the same millisecond) can delay a fresh request. */
#define READY_BATCH 32

/* Like asyncio's slow-callback warning: a task that runs this long between two awaits held up
 * every other connection of its worker meanwhile. */
#define BLOCKING_WARN_NS (100 * 1000 * 1000)

static void on_ready(uv_check_t *h);

/* An active idle handle makes the loop poll without blocking; it has nothing to do itself. */
static void on_ready_idle(uv_idle_t *h)
{
    (void)h;
}

int bk__sched_init(bk__sched *s, uv_loop_t *loop, size_t stack_size)
{
    memset(s, 0, sizeof(*s));
    s->loop = loop;
    bk__coro_pool_init(&s->pool, stack_size);
    int err = uv_idle_init(loop, &s->ready_idle);
    if (err)
        return err;
    err = uv_check_init(loop, &s->ready_check);
    if (err) {
        uv_close((uv_handle_t *)&s->ready_idle, NULL);
        return err;
    }
    s->ready_idle.data = s->ready_check.data = s;
    return 0;
}

void bk__sched_close(bk__sched *s)
{
    uv_close((uv_handle_t *)&s->ready_idle, NULL);
    uv_close((uv_handle_t *)&s->ready_check, NULL);
    bk__coro_pool_close(&s->pool);
}

static void queue_ready(bk_task *t, int result)
{
    bk__sched *s = t->sched;
    t->result = result;
    if (t->queued)
        return;
    t->queued = 1;
    t->next_ready = NULL;
    if (s->ready_tail) {
        s->ready_tail->next_ready = t;
    } else {
        s->ready_head = t;
        uv_idle_start(&s->ready_idle, on_ready_idle);
        uv_check_start(&s->ready_check, on_ready);
    }
    s->ready_tail = t;
}

static void warn_if_blocking(const bk_task *t, uint64_t since)
{
    uint64_t ran = uv_hrtime() - since;
    if (ran < BLOCKING_WARN_NS)
        return;
    char name[160] = "a task";
    if (t->describe)
        t->describe(t, name, sizeof(name));
    bk__log(BK_LOG_WARNING,
            "%s ran %.0f ms without awaiting: it blocked every other request of its worker "
            "meanwhile (use an awaiting call, e.g. bk_sleep, instead of blocking)",
            name, (double)ran / 1e6);
}

static void task_main(void *arg)
{
    bk_task *t = arg;
    t->fn(t, t->arg);
}

/* The task's function returned: give its coroutine back. */
static void task_finish(bk_task *t)
{
    bk__coro_release(t->coro);
    t->coro = NULL;
    t->sched->live--;
}

int bk__task_start(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg, void (*on_done)(bk_task *t))
{
    bk__coro *co = bk__coro_acquire(&s->pool);
    if (!co)
        return BK_ENOMEM;
    t->sched = s;
    t->coro = co;
    t->op = NULL;
    t->result = 0;
    t->cancelled = 0;
    t->queued = 0;
    t->fn = fn;
    t->arg = arg;
    t->on_done = on_done;
    s->live++;
    uint64_t t0 = uv_hrtime();
    int done = bk__coro_start(co, task_main, t);
    warn_if_blocking(t, t0);
    if (done)
        task_finish(t);
    return done;
}

static void task_resume(bk_task *t)
{
    uint64_t t0 = uv_hrtime();
    int done = bk__coro_resume(t->coro);
    warn_if_blocking(t, t0);
    if (!done)
        return;
    task_finish(t);
    t->on_done(t); /* last: the owner may free the task */
}

static void on_ready(uv_check_t *h)
{
    bk__sched *s = h->data;
    for (int i = 0; i < READY_BATCH && s->ready_head; i++) {
        bk_task *t = s->ready_head;
        s->ready_head = t->next_ready;
        if (!s->ready_head)
            s->ready_tail = NULL;
        t->queued = 0;
        task_resume(t);
    }
    if (!s->ready_head) {
        uv_idle_stop(&s->ready_idle);
        uv_check_stop(&s->ready_check);
    }
}

int bk__task_may_await(const bk_task *t)
{
    if (!t || !t->coro || t->sched->pool.current != t->coro)
        return BK_EINVAL;
    return t->cancelled ? BK_ECANCELED : 0;
}

int bk__task_await(bk_task *t, bk__op *op, void (*cancel)(bk__op *op))
{
    if (t->cancelled) { /* an awaiting function that did not ask bk__task_may_await first */
        op->task = NULL;
        cancel(op);
        return BK_ECANCELED;
    }
    op->task = t;
    op->gen = ++t->gen;
    op->cancel = cancel;
    t->op = op;
    bk__coro_yield(t->coro);
    /* Cancellation wins over a result that was queued just before it: the caller was told
     * BK_ECANCELED means "stop", and must not go on as if nothing happened. */
    return t->cancelled ? BK_ECANCELED : t->result;
}

void bk__op_complete(bk__op *op, int result)
{
    bk_task *t = op->task;
    if (!t)
        return; /* detached: the task was cancelled and may be gone */
    op->task = NULL;
    if (t->op != op || t->gen != op->gen)
        return; /* not the await the task is in */
    t->op = NULL;
    queue_ready(t, result);
}

void bk__task_cancel(bk_task *t)
{
    if (!t->coro || t->cancelled)
        return;
    t->cancelled = 1;
    bk__op *op = t->op;
    if (!op)
        return; /* running, or queued: it finds itself cancelled when it resumes */
    t->op = NULL;
    op->task = NULL;
    op->cancel(op);
    queue_ready(t, BK_ECANCELED);
}

int bk_task_cancelled(const bk_task *task)
{
    return task->cancelled;
}
