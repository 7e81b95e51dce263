/* Unit tests of the await primitive (src/await/task.c) and bk_task_sleep, on a plain libuv loop
 * with tasks that belong to no request: cancellation always wins, stale and late completions
 * are dropped without touching the task, and an operation that outlives its task is safe. */
#include "await/task.h"
#include "brisk.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static uv_loop_t loop;
static bk__sched sched;

/* A task the test owns on the heap, freed by its on_done like a request's owner would. */
typedef struct probe {
    bk_task task;
    uint64_t ms;
    int result;   /* what the await returned */
    int finished; /* the function returned */
    int *done_flag;
} probe;

static void on_probe_done(bk_task *t)
{
    probe *p = (probe *)t;
    if (p->done_flag)
        *p->done_flag = 1;
    free(p);
}

static void sleeper(bk_task *t, void *arg)
{
    probe *p = arg;
    p->result = bk_task_sleep(t, p->ms);
    p->finished = 1;
}

static probe *start_sleeper(uint64_t ms, int *done_flag)
{
    probe *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->ms = ms;
    p->result = 1;
    p->done_flag = done_flag;
    int r = bk__task_start(&sched, &p->task, sleeper, p, on_probe_done);
    CHECK(r == 0); /* it awaits */
    return p;
}

/* ---- a task without a request sleeps ---------------------------------------------------- */

static void test_sleep_without_request(void)
{
    int done = 0;
    probe *p = start_sleeper(5, &done);
    if (!p)
        return;
    CHECK(!p->finished);
    uint64_t t0 = uv_now(&loop);
    while (!done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(uv_now(&loop) - t0 >= 5);
    CHECK(sched.live == 0);
}

/* ---- the cancel race: the timer fired, the resume is queued, then the client leaves ------- */

typedef struct racer {
    probe *victim;
    int result;
    int finished;
} racer;

static void race_sleeper(bk_task *t, void *arg)
{
    racer *r = arg;
    r->result = bk_task_sleep(t, 10);
    r->finished = 1;
}

static void on_race_done(bk_task *t)
{
    (void)t;
}

static void cancel_after_sleep_fired(uv_timer_t *h)
{
    bk_task *t = h->data;
    CHECK(t->queued); /* the sleep's own timer (same timeout, started first) fired before us */
    bk__task_cancel(t, BK_ECANCELED);
}

static void test_cancel_after_completion_queued(void)
{
    static bk_task task;
    racer r = {NULL, 1, 0};
    memset(&task, 0, sizeof(task));
    CHECK(bk__task_start(&sched, &task, race_sleeper, &r, on_race_done) == 0);
    uv_timer_t canceller;
    uv_timer_init(&loop, &canceller);
    canceller.data = &task;
    uv_timer_start(&canceller, cancel_after_sleep_fired, 10, 0); /* runs after the sleep's */
    while (!r.finished)
        uv_run(&loop, UV_RUN_ONCE);
    /* The sleep had completed with 0, but the task was cancelled before it resumed: a handler
     * told "0" would go on as if its client were still there. */
    CHECK(r.result == BK_ECANCELED);
    uv_close((uv_handle_t *)&canceller, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
}

/* ---- cancelling mid-sleep ---------------------------------------------------------------- */

static void test_cancel_mid_sleep(void)
{
    int done = 0;
    probe *p = start_sleeper(60 * 1000, &done);
    if (!p)
        return;
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(!done);
    uint64_t t0 = uv_hrtime();
    bk__task_cancel(&p->task, BK_ECANCELED);
    while (!done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(uv_hrtime() - t0 < 5ull * 1000 * 1000 * 1000); /* not the minute */
    /* The loop has nothing left: the sleep's timer was stopped and closed, not left to fire
     * into a task that is gone. */
    CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0);
}

/* ---- an operation that outlives its task ------------------------------------------------- */

/* Like a thread-pool job: it cannot be stopped, owns its memory, and completes when it is done. */
typedef struct job {
    bk__op op;
    uv_timer_t timer;
    int cancelled;
    int *completed;
} job;

static void free_job(uv_handle_t *h)
{
    free(h->data);
}

static void on_job_done(uv_timer_t *h)
{
    job *j = h->data;
    *j->completed = 1;
    bk__op_complete(&j->op, 42); /* detached after cancellation: must be dropped */
    uv_close((uv_handle_t *)h, free_job);
}

static int cancel_job(bk__op *op)
{
    ((job *)op)->cancelled = 1; /* keeps running, frees itself */
    return BK__CANCEL_DETACH;
}

typedef struct job_task {
    bk_task task;
    int result;
    int *completed;
    int *done_flag;
    job *job;
} job_task;

static void run_job(bk_task *t, void *arg)
{
    job_task *jt = arg;
    job *j = calloc(1, sizeof(*j));
    if (!j) {
        jt->result = BK_ENOMEM;
        return;
    }
    j->completed = jt->completed;
    uv_timer_init(t->sched->loop, &j->timer);
    j->timer.data = j;
    uv_timer_start(&j->timer, on_job_done, 20, 0);
    jt->job = j;
    jt->result = bk__task_await(t, &j->op, cancel_job);
}

static void on_job_task_done(bk_task *t)
{
    job_task *jt = (job_task *)t;
    *jt->done_flag = 1;
    memset(jt, 0xa5, sizeof(*jt)); /* a use after this would read garbage (and ASan: freed) */
    free(jt);
}

static void test_operation_outlives_task(void)
{
    int completed = 0, done = 0;
    job_task *jt = calloc(1, sizeof(*jt));
    if (!jt)
        return;
    jt->completed = &completed;
    jt->done_flag = &done;
    CHECK(bk__task_start(&sched, &jt->task, run_job, jt, on_job_task_done) == 0);
    job *j = jt->job;
    bk__task_cancel(&jt->task, BK_ECANCELED);
    CHECK(j->cancelled);
    CHECK(j->op.task == NULL); /* detached before the hook ran */
    while (!done)
        uv_run(&loop, UV_RUN_ONCE);
    CHECK(!completed);                         /* the task ended first; its memory is gone */
    CHECK(uv_run(&loop, UV_RUN_DEFAULT) == 0); /* the job completes into nothing, frees itself */
    CHECK(completed);
}

/* ---- stale completions ------------------------------------------------------------------- */

typedef struct two_ops {
    bk__op first, second;
    int r1, r2;
    int step;
} two_ops;

static int no_cancel(bk__op *op)
{
    (void)op;
    return BK__CANCEL_DETACH;
}

static void await_twice(bk_task *t, void *arg)
{
    two_ops *o = arg;
    o->step = 1;
    o->r1 = bk__task_await(t, &o->first, no_cancel);
    o->step = 2;
    o->r2 = bk__task_await(t, &o->second, no_cancel);
    o->step = 3;
}

static void test_stale_completions(void)
{
    static bk_task task;
    two_ops o;
    memset(&o, 0, sizeof(o));
    memset(&task, 0, sizeof(task));
    CHECK(bk__task_start(&sched, &task, await_twice, &o, on_race_done) == 0);
    bk__op_complete(&o.first, 7);
    bk__op_complete(&o.first, 8); /* completed twice: the second is dropped */
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(o.step == 2);
    CHECK(o.r1 == 7);
    /* A copy of the first op's token, as a late completion source would still hold it: the
     * task is in a later await now, and the old generation must not resume it. */
    bk__op late = o.first;
    late.task = &task;
    bk__op_complete(&late, 9);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(o.step == 2);
    bk__op_complete(&o.second, 10);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(o.step == 3);
    CHECK(o.r2 == 10);
}

/* ---- misuse ---------------------------------------------------------------------------- */

static void sleep_twice_after_cancel(bk_task *t, void *arg)
{
    int *results = arg;
    results[0] = bk_task_sleep(t, 1000);
    results[1] = bk_task_sleep(t, 1000); /* cancelled: returns at once, does not suspend */
    results[2] = bk_task_cancelled(t);
}

static void test_await_after_cancel_and_misuse(void)
{
    static bk_task task;
    int results[3] = {1, 1, 0};
    memset(&task, 0, sizeof(task));
    CHECK(bk__task_start(&sched, &task, sleep_twice_after_cancel, results, on_race_done) == 0);
    bk__task_cancel(&task, BK_ECANCELED);
    uv_run(&loop, UV_RUN_NOWAIT);
    CHECK(results[0] == BK_ECANCELED);
    CHECK(results[1] == BK_ECANCELED);
    CHECK(results[2] != 0);
    CHECK(sched.live == 0);
    /* Not on the task's own coroutine (here: the loop's stack). */
    CHECK(bk_task_sleep(&task, 1) == BK_EINVAL);
    CHECK(bk_task_sleep(NULL, 1) == BK_EINVAL);
    uv_run(&loop, UV_RUN_DEFAULT);
}

int main(void)
{
    CHECK(uv_loop_init(&loop) == 0);
    CHECK(bk__sched_init(&sched, &loop, 64 * 1024) == 0);
    test_sleep_without_request();
    test_cancel_after_completion_queued();
    test_cancel_mid_sleep();
    test_operation_outlives_task();
    test_stale_completions();
    test_await_after_cancel_and_misuse();
    CHECK(sched.live == 0);
    bk__sched_close(&sched);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    return check_result("test_await");
}
