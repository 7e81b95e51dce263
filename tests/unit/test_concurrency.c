/* Unit tests of what a task can wait on besides a timer, on a plain libuv loop with tasks that
 * belong to no request: blocking jobs on brisk's pool (bk_run_blocking), child tasks and their
 * gather (bk_group), timeouts (bk_task_timeout) and shielded sections. */
#include "await/pool.h"
#include "await/task.h"
#include "brisk.h"
#include "check.h"
#include "looptask.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uv_loop_t loop;
static bk__sched sched;
static bk__pool pool;
static bk__pool_port port;

/* Cancels a task from a timer, as a client leaving would. */
typedef struct canceller {
    uv_timer_t timer;
    bk_task *task;
    int abort; /* through shields, as at the end of the graceful period */
} canceller;

static void on_cancel_timer(uv_timer_t *h)
{
    canceller *c = h->data;
    if (c->abort)
        bk__task_abort(c->task);
    else
        bk__task_cancel(c->task, BK_ECANCELED);
    uv_close((uv_handle_t *)h, NULL);
}

static void cancel_after(canceller *c, bk_task *t, uint64_t ms, int abort)
{
    c->task = t;
    c->abort = abort;
    uv_timer_init(&loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, on_cancel_timer, ms, 0);
}

/* ---- bk_run_blocking ---------------------------------------------------------------------- */

typedef struct job_arg {
    unsigned ms;       /* how long the job blocks */
    pthread_t thread;  /* where it ran */
    int ran;           /* it started */
    int finished;      /* it returned: it wrote here last, as a result would */
    int await_result;  /* what bk_run_blocking returned */
    int seen_finished; /* `finished` as the task saw it when it resumed */
    bk_task *task;     /* for the job that tries to await */
    int sleep_result;  /* what that attempt returned */
    uv_sem_t *gate;    /* when set, the job waits for it instead of sleeping */
} job_arg;

static void blocking_job(void *arg)
{
    job_arg *j = arg;
    j->ran = 1;
    j->thread = pthread_self();
    if (j->gate)
        uv_sem_wait(j->gate);
    else
        usleep(j->ms * 1000);
    if (j->task)
        j->sleep_result = bk_task_sleep(j->task, 1);
    j->finished = 1;
}

static void run_job(bk_task *t, void *arg)
{
    job_arg *j = arg;
    j->await_result = bk_run_blocking(t, blocking_job, j);
    j->seen_finished = j->finished;
}

static void nap(bk_task *t, void *arg)
{
    *(int *)arg = bk_task_sleep(t, 10);
}

/* The job runs on another thread while the loop keeps serving: a 10 ms sleep started after a
 * 200 ms job finishes long before it. */
static void test_blocking_runs_off_the_loop(void)
{
    job_arg j = {.ms = 200};
    looptask job, sleeper;
    int slept = 1;
    uint64_t t0 = looptask_now_ms();
    looptask_start(&sched, &job, run_job, &j);
    looptask_start(&sched, &sleeper, nap, &slept);
    looptask_wait(&loop, &sleeper);
    CHECK(slept == 0);
    CHECK(looptask_now_ms() - t0 < 150);
    CHECK(!job.done);
    looptask_wait(&loop, &job);
    CHECK(j.await_result == 0);
    CHECK(j.ran && j.seen_finished);
    CHECK(!pthread_equal(j.thread, pthread_self()));
}

/* Cancelled while its job runs, the task resumes only once the job has returned: its memory
 * (here the task's own frame and `j`) is never freed under the job. */
static void test_cancel_waits_for_a_running_job(void)
{
    job_arg j = {.ms = 100};
    looptask job;
    canceller c;
    looptask_start(&sched, &job, run_job, &j);
    cancel_after(&c, &job.task, 20, 0);
    uint64_t t0 = looptask_now_ms();
    looptask_wait(&loop, &job);
    CHECK(j.await_result == BK_ECANCELED);
    CHECK(j.seen_finished);
    CHECK(looptask_now_ms() - t0 >= 90);
}

/* A job still queued when its task is cancelled never runs, and the task resumes at once. */
static void test_cancel_drops_a_queued_job(void)
{
    uv_sem_t gate;
    CHECK(uv_sem_init(&gate, 0) == 0);
    job_arg first = {.gate = &gate}, second = {.ms = 1};
    looptask a, b;
    canceller c;
    looptask_start(&sched, &a, run_job, &first); /* the pool's only thread, held at the gate */
    while (!first.ran)
        usleep(1000);
    looptask_start(&sched, &b, run_job, &second);
    cancel_after(&c, &b.task, 10, 0);
    looptask_wait(&loop, &b);
    CHECK(second.await_result == BK_ECANCELED);
    CHECK(!second.ran);
    uv_sem_post(&gate);
    looptask_wait(&loop, &a);
    CHECK(first.await_result == 0);
    uv_sem_destroy(&gate);
}

/* Beyond the queue's bound the call fails at once with BK_EAGAIN instead of queuing. */
static void test_full_queue_refuses(void)
{
    uv_sem_t gate;
    CHECK(uv_sem_init(&gate, 0) == 0);
    job_arg running = {.gate = &gate}, queued = {.ms = 1}, refused = {.ms = 1};
    looptask a, b, c;
    looptask_start(&sched, &a, run_job, &running);
    while (!running.ran) /* on the thread, so the next one queues */
        usleep(1000);
    looptask_start(&sched, &b, run_job, &queued);
    looptask_start(&sched, &c, run_job, &refused);
    CHECK(c.done);
    CHECK(refused.await_result == BK_EAGAIN);
    CHECK(!refused.ran);
    uv_sem_post(&gate);
    looptask_wait(&loop, &a);
    looptask_wait(&loop, &b);
    CHECK(running.await_result == 0 && queued.await_result == 0);
    uv_sem_destroy(&gate);
}

/* Code on the pool may not await: the loop's coroutines are not its to switch. */
static void test_job_cannot_await(void)
{
    looptask job;
    job_arg j = {.ms = 1};
    j.task = &job.task;
    looptask_start(&sched, &job, run_job, &j);
    looptask_wait(&loop, &job);
    CHECK(j.await_result == 0);
    CHECK(j.sleep_result == BK_EINVAL);
}

/* ---- groups -------------------------------------------------------------------------------- */

typedef struct kid {
    uint64_t ms;
    int fail_with; /* returned after the sleep */
    int slept;     /* what its sleep returned */
    int returned;
} kid;

static int kid_main(bk_task *t, void *arg)
{
    kid *k = arg;
    k->slept = bk_task_sleep(t, k->ms);
    k->returned = 1;
    return k->slept ? k->slept : k->fail_with;
}

typedef struct gather {
    kid kids[3];
    int flags;
    int spawn_err;
    int wait_result;
    int results[3];
    int all_returned; /* every child had returned when the wait did */
    int skip_wait;    /* return without waiting */
    uint64_t elapsed;
} gather;

static void gather_main(bk_task *t, void *arg)
{
    gather *g = arg;
    uint64_t t0 = looptask_now_ms();
    bk_group *grp = bk_group_new(t, g->flags);
    CHECK(grp != NULL);
    for (int i = 0; i < 3; i++)
        g->spawn_err |= bk_group_spawn(grp, kid_main, &g->kids[i]);
    CHECK(bk_group_size(grp) == 3);
    if (g->skip_wait)
        return;
    g->wait_result = bk_group_wait(grp, g->results);
    g->all_returned = g->kids[0].returned && g->kids[1].returned && g->kids[2].returned;
    g->elapsed = looptask_now_ms() - t0;
}

/* Children wait concurrently: three sleeps of 60, 40 and 20 ms take about 60 ms, not 120. A
 * child's error reaches the parent, in spawn order, and the others still looptask to their end. */
static void test_gather_runs_children_concurrently(void)
{
    gather g = {.kids = {{.ms = 60}, {.ms = 40, .fail_with = BK_ERANGE}, {.ms = 20}}};
    looptask r;
    looptask_start(&sched, &r, gather_main, &g);
    looptask_wait(&loop, &r);
    CHECK(g.spawn_err == 0);
    CHECK(g.elapsed >= 60 && g.elapsed < 110);
    CHECK(g.wait_result == BK_ERANGE);
    CHECK(g.results[0] == 0 && g.results[1] == BK_ERANGE && g.results[2] == 0);
    CHECK(g.kids[0].slept == 0); /* not cancelled by its sibling's failure */
    CHECK(g.all_returned);
    CHECK(sched.live == 0);
}

/* BK_GROUP_FAIL_FAST: the first failure cancels the siblings (TaskGroup). */
static void test_fail_fast_cancels_siblings(void)
{
    gather g = {.flags = BK_GROUP_FAIL_FAST,
                .kids = {{.ms = 5000}, {.ms = 10, .fail_with = BK_ERANGE}, {.ms = 5000}}};
    looptask r;
    looptask_start(&sched, &r, gather_main, &g);
    looptask_wait(&loop, &r);
    CHECK(g.elapsed < 1000);
    CHECK(g.wait_result == BK_ERANGE);
    CHECK(g.results[0] == BK_ECANCELED && g.results[2] == BK_ECANCELED);
    CHECK(g.all_returned);
}

/* The parent's client leaves while it waits: the children are cancelled, and the wait returns
 * BK_ECANCELED only once each of them has returned. */
static void test_cancelled_parent_cancels_children(void)
{
    gather g = {.kids = {{.ms = 5000}, {.ms = 5000}, {.ms = 5}}};
    looptask r;
    canceller c;
    looptask_start(&sched, &r, gather_main, &g);
    cancel_after(&c, &r.task, 20, 0);
    looptask_wait(&loop, &r);
    CHECK(g.wait_result == BK_ECANCELED);
    CHECK(g.all_returned);
    CHECK(g.results[0] == BK_ECANCELED && g.results[1] == BK_ECANCELED && g.results[2] == 0);
    CHECK(g.elapsed < 1000);
    CHECK(sched.live == 0);
}

/* A parent that returns without waiting does not leave orphans: its children are cancelled
 * and have returned by the time the parent is done. */
static void test_unwaited_group_is_closed(void)
{
    gather g = {.skip_wait = 1, .kids = {{.ms = 5000}, {.ms = 5000}, {.ms = 5000}}};
    looptask r;
    uint64_t t0 = looptask_now_ms();
    looptask_start(&sched, &r, gather_main, &g);
    looptask_wait(&loop, &r);
    CHECK(g.kids[0].returned && g.kids[1].returned && g.kids[2].returned);
    CHECK(g.kids[0].slept == BK_ECANCELED);
    CHECK(looptask_now_ms() - t0 < 1000);
    CHECK(sched.live == 0);
}

/* A cancelled parent cannot start children. */
static void spawn_after_cancel(bk_task *t, void *arg)
{
    kid k = {.ms = 1};
    bk__task_cancel(t, BK_ECANCELED);
    bk_group *g = bk_group_new(t, 0);
    *(int *)arg = bk_group_spawn(g, kid_main, &k);
    CHECK(bk_group_wait(g, NULL) == BK_ECANCELED);
}

static void test_no_spawn_when_cancelled(void)
{
    int err = 0;
    looptask r;
    looptask_start(&sched, &r, spawn_after_cancel, &err);
    looptask_wait(&loop, &r);
    CHECK(err == BK_ECANCELED);
    CHECK(bk_group_new(NULL, 0) == NULL);
    CHECK(bk_group_spawn(NULL, kid_main, NULL) == BK_EINVAL);
    CHECK(bk_group_wait(NULL, NULL) == BK_EINVAL);
}

/* ---- timeouts ------------------------------------------------------------------------------- */

typedef struct timed {
    int first, second, third, gather;
    uint64_t first_ms;
} timed;

static void timeout_main(bk_task *t, void *arg)
{
    timed *r = arg;
    uint64_t t0 = looptask_now_ms();
    CHECK(bk_task_timeout(t, 20) == 0);
    r->first = bk_task_sleep(t, 5000);
    r->first_ms = looptask_now_ms() - t0;
    r->second = bk_task_sleep(t, 1); /* still past the deadline */
    CHECK(bk_task_timeout(t, 0) == 0);
    r->third = bk_task_sleep(t, 1);
    /* a timeout over a gather cancels its children */
    kid k[2] = {{.ms = 5000}, {.ms = 5000}};
    CHECK(bk_task_timeout(t, 20) == 0);
    bk_group *g = bk_group_new(t, 0);
    bk_group_spawn(g, kid_main, &k[0]);
    bk_group_spawn(g, kid_main, &k[1]);
    r->gather = bk_group_wait(g, NULL);
    CHECK(k[0].slept == BK_ECANCELED && k[1].slept == BK_ECANCELED);
}

static void test_timeout_ends_awaits(void)
{
    timed r = {0};
    looptask t;
    looptask_start(&sched, &t, timeout_main, &r);
    looptask_wait(&loop, &t);
    CHECK(r.first == BK_ETIMEDOUT);
    /* The deadline counts from the loop's cached time, which may be a little older than t0: the
     * check is that the await ended at the deadline, not before it was due nor long after. */
    CHECK(r.first_ms >= 10 && r.first_ms < 1000);
    CHECK(r.second == BK_ETIMEDOUT);
    CHECK(r.third == 0);
    CHECK(r.gather == BK_ETIMEDOUT);
    CHECK(sched.live == 0);
}

/* ---- shields -------------------------------------------------------------------------------- */

typedef struct shielded {
    int inside, end, after;
} shielded;

static void shield_main(bk_task *t, void *arg)
{
    shielded *s = arg;
    CHECK(bk_shield_begin(t) == 0);
    s->inside = bk_task_sleep(t, 40); /* the client leaves at 5 ms: the COMMIT still finishes */
    s->end = bk_shield_end(t);
    s->after = bk_task_sleep(t, 1000);
}

static void test_shield_holds_cancellation_back(void)
{
    shielded s = {1, 1, 1};
    looptask r;
    canceller c;
    looptask_start(&sched, &r, shield_main, &s);
    cancel_after(&c, &r.task, 5, 0);
    looptask_wait(&loop, &r);
    CHECK(s.inside == 0);
    CHECK(s.end == BK_ECANCELED);
    CHECK(s.after == BK_ECANCELED);
    CHECK(bk_shield_end(&r.task) == BK_EINVAL);
}

/* The end of the graceful period goes through shields: nothing may keep a server up. */
static void test_abort_breaks_the_shield(void)
{
    shielded s = {1, 1, 1};
    looptask r;
    canceller c;
    uint64_t t0 = looptask_now_ms();
    looptask_start(&sched, &r, shield_main, &s);
    cancel_after(&c, &r.task, 5, 1);
    looptask_wait(&loop, &r);
    CHECK(s.inside == BK_ECANCELED);
    CHECK(looptask_now_ms() - t0 < 35);
}

int main(void)
{
    CHECK(uv_loop_init(&loop) == 0);
    CHECK(bk__sched_init(&sched, &loop, 64 * 1024) == 0);
    CHECK(bk__pool_init(&pool, 1, 1) == 0); /* one thread, one queued job: easy to fill */
    CHECK(bk__pool_port_init(&port, &pool, &loop) == 0);
    sched.blocking = &port;

    test_blocking_runs_off_the_loop();
    test_cancel_waits_for_a_running_job();
    test_cancel_drops_a_queued_job();
    test_full_queue_refuses();
    test_job_cannot_await();
    test_gather_runs_children_concurrently();
    test_fail_fast_cancels_siblings();
    test_cancelled_parent_cancels_children();
    test_unwaited_group_is_closed();
    test_no_spawn_when_cancelled();
    test_timeout_ends_awaits();
    test_shield_holds_cancellation_back();
    test_abort_breaks_the_shield();

    CHECK(sched.live == 0);
    CHECK(port.inflight == 0);
    bk__pool_port_close(&port);
    bk__sched_close(&sched);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    bk__pool_close(&pool);
    return check_result("test_concurrency");
}
