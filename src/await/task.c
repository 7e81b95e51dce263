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
    if (ran < BLOCKING_WARN_NS || t->may_block)
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
    /* Children never outlive their parent: a group left open is cancelled and waited for here,
     * on the task's own coroutine, before the task may finish. */
    while (t->groups)
        bk__group_close(t->groups);
    bk__task_clear_timeout(t);
    t->shield++; /* what a cleanup awaits (a ROLLBACK) completes, unless the server aborts */
    while (t->cleanups) {
        bk__cleanup *c = t->cleanups;
        bk__task_remove_cleanup(t, c);
        c->run(t, c);
    }
    t->shield--;
}

void bk__task_add_cleanup(bk_task *t, bk__cleanup *c)
{
    c->prev = NULL;
    c->next = t->cleanups;
    if (t->cleanups)
        t->cleanups->prev = c;
    t->cleanups = c;
}

void bk__task_remove_cleanup(bk_task *t, bk__cleanup *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        t->cleanups = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

/* The task's function returned: give its coroutine back. */
static void task_finish(bk_task *t)
{
    bk__coro_release(t->coro);
    t->coro = NULL;
    t->sched->live--;
}

static int task_prepare(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg,
                        void (*on_done)(bk_task *t))
{
    bk__coro *co = bk__coro_acquire(&s->pool);
    if (!co)
        return BK_ENOMEM;
    t->sched = s;
    t->coro = co;
    t->op = NULL;
    t->result = 0;
    t->reason = 0;
    t->cancelled = 0;
    t->queued = 0;
    t->fresh = 0;
    t->timed_out = 0;
    t->on_pool = 0;
    t->aborted = 0;
    t->shield = 0;
    t->deadline = NULL;
    t->groups = NULL;
    t->cleanups = NULL;
    t->fn = fn;
    t->arg = arg;
    t->on_done = on_done;
    s->live++;
    return 0;
}

int bk__task_start(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg, void (*on_done)(bk_task *t))
{
    int err = task_prepare(s, t, fn, arg, on_done);
    if (err)
        return err;
    uint64_t t0 = uv_hrtime();
    int done = bk__coro_start(t->coro, task_main, t);
    warn_if_blocking(t, t0);
    if (done)
        task_finish(t);
    return done;
}

int bk__task_spawn(bk__sched *s, bk_task *t, bk__task_fn fn, void *arg, void (*on_done)(bk_task *t))
{
    int err = task_prepare(s, t, fn, arg, on_done);
    if (err)
        return err;
    t->fresh = 1;
    queue_ready(t, 0);
    return 0;
}

static void task_resume(bk_task *t)
{
    uint64_t t0 = uv_hrtime();
    int done;
    if (t->fresh) {
        t->fresh = 0;
        done = bk__coro_start(t->coro, task_main, t);
    } else {
        done = bk__coro_resume(t->coro);
    }
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
    if (!t || !t->coro || t->on_pool || t->sched->pool.current != t->coro)
        return BK_EINVAL;
    if (bk__task_cancel_applies(t))
        return t->reason;
    return t->timed_out ? BK_ETIMEDOUT : 0;
}

/* What an await returns once the task resumes: a cancellation wins over a result that was
 * queued just before it, because the caller was told that BK_ECANCELED means "stop" and must
 * not go on as if nothing happened; a passed timeout likewise. */
static int await_result(const bk_task *t)
{
    if (bk__task_cancel_applies(t))
        return t->reason;
    return t->timed_out ? BK_ETIMEDOUT : t->result;
}

int bk__task_await(bk_task *t, bk__op *op, int (*cancel)(bk__op *op))
{
    op->task = t;
    op->gen = ++t->gen;
    op->cancel = cancel;
    t->op = op;
    if (bk__task_cancel_applies(t) || t->timed_out) { /* a caller that skipped bk__task_may_await */
        bk__task_interrupt(t);
        if (!t->op && !t->queued)
            return await_result(t);
    }
    bk__coro_yield(t->coro);
    return await_result(t);
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

/* Ends the await in progress early (cancelled, timed out) through its op's cancel hook; the
 * task finds out why from its flags when it resumes. */
void bk__task_interrupt(bk_task *t)
{
    bk__op *op = t->op;
    if (!op || op->cancel(op) == BK__CANCEL_WAIT)
        return; /* running or queued, or it resumes when its op completes */
    t->op = NULL;
    op->task = NULL;
    if (t->coro != t->sched->pool.current)
        queue_ready(t, 0);
}

/* The cancellation takes effect: children first, then the await in progress. */
static void cancel_effect(bk_task *t)
{
    bk__group_cancel_all(t);
    bk__task_interrupt(t);
}

void bk__task_cancel(bk_task *t, int reason)
{
    if (!t->coro || t->cancelled)
        return;
    __atomic_store_n(&t->cancelled, 1, __ATOMIC_RELEASE);
    t->reason = reason;
    if (!t->shield)
        cancel_effect(t);
}

void bk__task_abort(bk_task *t)
{
    if (!t->coro || t->aborted)
        return;
    t->aborted = 1;
    if (!t->cancelled) {
        __atomic_store_n(&t->cancelled, 1, __ATOMIC_RELEASE);
        t->reason = BK_ECANCELED;
    }
    cancel_effect(t);
}

int bk_task_cancelled(const bk_task *task)
{
    return __atomic_load_n(&task->cancelled, __ATOMIC_ACQUIRE);
}

int bk_shield_begin(bk_task *task)
{
    if (!task || !task->coro || task->shield == UINT16_MAX)
        return BK_EINVAL;
    task->shield++;
    return 0;
}

int bk_shield_end(bk_task *task)
{
    if (!task || !task->coro || !task->shield)
        return BK_EINVAL;
    if (--task->shield || !task->cancelled)
        return 0;
    if (!task->aborted)
        bk__group_cancel_all(task); /* held back until now */
    return task->reason;
}
