/* Unit tests of the coroutine layer (src/coro/coro.c): starting, yielding and resuming, separate
 * stacks, the stack pool (LIFO reuse, trimming idle stacks), deep stacks, and the guard page
 * turning a stack overflow into a reported SIGSEGV. The coroutine layer carries no values across
 * a switch; the tests hand them over in `mailbox`, as the await layer does in its task. */
#include "brisk.h"
#include "check.h"
#include "coro/coro.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static bk__coro_pool pool;

/* What a resumed coroutine finds: set just before each switch into it. */
static int mailbox;

static int resume_with(bk__coro *co, int value)
{
    mailbox = value;
    return bk__coro_resume(co);
}

static int yield_value(bk__coro *co)
{
    bk__coro_yield(co);
    return mailbox;
}

/* ---- helpers --------------------------------------------------------------------------- */

/* A shared log of one-character events, to check how coroutine and caller interleave. */
static char event_log[128];
static size_t event_len;

static void log_reset(void)
{
    event_len = 0;
    event_log[0] = '\0';
}

static void log_event(char ch)
{
    if (event_len + 1 < sizeof(event_log)) {
        event_log[event_len++] = ch;
        event_log[event_len] = '\0';
    }
}

/* Is `p` inside the usable stack of `co` (between its guard page and its record)? */
static int on_stack_of(const bk__coro *co, const void *p)
{
    const char *a = p;
    return a >= co->map + sysconf(_SC_PAGESIZE) && a < (const char *)co;
}

/* Does [addr, addr + one page) belong to a mapping? (msync fails with ENOMEM when it does not.) */
static int is_mapped(void *addr)
{
    return msync(addr, (size_t)sysconf(_SC_PAGESIZE), MS_ASYNC) == 0 || errno != ENOMEM;
}

/* Dirties the caller's own stack, so that a coroutine sharing it would find its locals changed
 * (fn_locals checks them after each yield). */
static __attribute__((noinline)) void scribble_stack(int seed)
{
    volatile unsigned char junk[8192];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(seed + (int)i);
}

/* ---- finishing without yielding -------------------------------------------------------- */

struct simple_ctx {
    bk__coro *co;
    int value;
    int current_ok;
};

static void fn_simple(void *arg)
{
    struct simple_ctx *s = arg;
    s->value = 42;
    s->current_ok = pool.current == s->co;
}

static void test_no_yield(void)
{
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co != NULL);
    if (!co)
        return;
    struct simple_ctx s = {co, 0, 0};
    CHECK(pool.current == NULL);
    CHECK(bk__coro_start(co, fn_simple, &s) == 1);
    CHECK(s.value == 42);
    CHECK(s.current_ok);
    CHECK(co->done);
    CHECK(pool.current == NULL);
    bk__coro_release(co);
}

/* ---- yielding three times -------------------------------------------------------------- */

struct yield_ctx {
    bk__coro *co;
    int got[3];
    int current_ok;
};

static void fn_yield3(void *arg)
{
    struct yield_ctx *y = arg;
    log_event('a');
    y->current_ok = pool.current == y->co;
    for (int i = 0; i < 3; i++) {
        y->got[i] = yield_value(y->co);
        y->current_ok &= pool.current == y->co;
        log_event((char)('b' + i));
    }
    log_event('z');
}

static void test_yield_values(void)
{
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co != NULL);
    if (!co)
        return;
    struct yield_ctx y = {co, {0, 0, 0}, 0};
    log_reset();
    CHECK(bk__coro_start(co, fn_yield3, &y) == 0);
    CHECK(pool.current == NULL);
    log_event('1');
    CHECK(resume_with(co, 100) == 0);
    CHECK(pool.current == NULL);
    log_event('2');
    CHECK(resume_with(co, -200) == 0);
    log_event('3');
    CHECK(resume_with(co, 300) == 1);
    CHECK(pool.current == NULL);
    CHECK_STREQ(event_log, "a1b2c3dz");
    CHECK(y.got[0] == 100);
    CHECK(y.got[1] == -200);
    CHECK(y.got[2] == 300);
    CHECK(y.current_ok);
    bk__coro_release(co);
}

/* ---- locals survive yields; two coroutines keep separate stacks ------------------------ */

struct locals_ctx {
    bk__coro *co;
    int id;
    int intact; /* every check of the locals after a yield passed */
    const void *local_addr;
};

static void fn_locals(void *arg)
{
    struct locals_ctx *l = arg;
    volatile int local[256];
    for (int i = 0; i < 256; i++)
        local[i] = l->id * 1000 + i;
    l->local_addr = (const void *)local;
    l->intact = 1;
    for (int round = 0; round < 3; round++) {
        log_event((char)('A' + l->id));
        bk__coro_yield(l->co);
        for (int i = 0; i < 256; i++)
            if (local[i] != l->id * 1000 + round * 100000 + i)
                l->intact = 0;
        for (int i = 0; i < 256; i++)
            local[i] = l->id * 1000 + (round + 1) * 100000 + i;
    }
    log_event((char)('a' + l->id));
}

static void test_locals_and_interleaving(void)
{
    bk__coro *a = bk__coro_acquire(&pool);
    bk__coro *b = bk__coro_acquire(&pool);
    CHECK(a != NULL && b != NULL && a != b);
    if (!a || !b || a == b)
        return;
    struct locals_ctx la = {a, 0, 0, NULL}, lb = {b, 1, 0, NULL};
    log_reset();
    CHECK(bk__coro_start(a, fn_locals, &la) == 0);
    scribble_stack(1);
    CHECK(bk__coro_start(b, fn_locals, &lb) == 0); /* B runs while A is suspended */
    scribble_stack(2);
    for (int round = 0; round < 2; round++) {
        CHECK(resume_with(a, 0) == 0);
        scribble_stack(3 + round);
        CHECK(resume_with(b, 0) == 0);
    }
    CHECK(resume_with(a, 0) == 1);
    CHECK(resume_with(b, 0) == 1);
    CHECK_STREQ(event_log, "ABABABab");
    CHECK(la.intact);
    CHECK(lb.intact);
    CHECK(la.local_addr != lb.local_addr);
    CHECK(on_stack_of(a, la.local_addr));
    CHECK(on_stack_of(b, lb.local_addr));
    CHECK(pool.current == NULL);
    bk__coro_release(b);
    bk__coro_release(a);
}

/* ---- a coroutine starting another one: pool.current is restored ----------------------- */

struct nested_ctx {
    bk__coro *outer, *inner;
    int ok;
};

static void fn_inner(void *arg)
{
    struct nested_ctx *n = arg;
    n->ok &= pool.current == n->inner;
    log_event('i');
    n->ok &= yield_value(n->inner) == 7;
    n->ok &= pool.current == n->inner;
    log_event('j');
}

static void fn_outer(void *arg)
{
    struct nested_ctx *n = arg;
    n->ok &= pool.current == n->outer;
    log_event('o');
    n->inner = bk__coro_acquire(&pool);
    if (!n->inner) {
        n->ok = 0;
        return;
    }
    n->ok &= bk__coro_start(n->inner, fn_inner, n) == 0;
    n->ok &= pool.current == n->outer;
    log_event('p');
    n->ok &= resume_with(n->inner, 7) == 1;
    n->ok &= pool.current == n->outer;
    bk__coro_release(n->inner);
    log_event('q');
}

static void test_nested(void)
{
    struct nested_ctx n = {bk__coro_acquire(&pool), NULL, 1};
    CHECK(n.outer != NULL);
    if (!n.outer)
        return;
    log_reset();
    CHECK(bk__coro_start(n.outer, fn_outer, &n) == 1);
    CHECK(n.ok);
    CHECK_STREQ(event_log, "oipjq");
    CHECK(pool.current == NULL);
    bk__coro_release(n.outer);
}

/* ---- a loop of yields ended by the value it is resumed with (as cancellation ends one) -- */

struct cancel_ctx {
    bk__coro *co;
    int wakeups;
    int last;
    int cleaned_up;
};

/* Awaits in a loop, as a handler waiting for events would, until it is cancelled. */
static void fn_cancellable(void *arg)
{
    struct cancel_ctx *c = arg;
    int r;
    while ((r = yield_value(c->co)) == 0)
        c->wakeups++;
    c->last = r;
    c->cleaned_up = 1;
}

static void test_cancel(void)
{
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co != NULL);
    if (!co)
        return;
    struct cancel_ctx c = {co, 0, 0, 0};
    CHECK(bk__coro_start(co, fn_cancellable, &c) == 0);
    CHECK(resume_with(co, 0) == 0);
    CHECK(resume_with(co, 0) == 0);
    CHECK(c.wakeups == 2);
    CHECK(!c.cleaned_up);
    CHECK(resume_with(co, BK_ECANCELED) == 1);
    CHECK(c.last == BK_ECANCELED);
    CHECK(c.cleaned_up);
    CHECK(co->done);
    bk__coro_release(co);
}

/* ---- the pool: LIFO reuse and trimming ------------------------------------------------- */

static void test_reuse(void)
{
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co != NULL);
    if (!co)
        return;
    struct simple_ctx s = {co, 0, 0};
    CHECK(bk__coro_start(co, fn_simple, &s) == 1);
    bk__coro_release(co);
    size_t live = pool.live, idle = pool.idle;
    bk__coro *again = bk__coro_acquire(&pool);
    CHECK(again == co);
    CHECK(pool.live == live); /* no new mapping */
    CHECK(pool.idle == idle - 1);
    if (!again)
        return;
    /* The reused coroutine runs a new job from the start. */
    s.co = again;
    s.value = 0;
    CHECK(bk__coro_start(again, fn_simple, &s) == 1);
    CHECK(s.value == 42);
    bk__coro_release(again);
}

/* Idle stacks are kept while they are needed and returned to the system one trim period after
 * a burst: the first trim after the burst keeps them (they were in use during the period), the
 * next one unmaps those that nothing took meanwhile. */
static void test_trim(void)
{
    enum { N = 7 };
    bk__coro *cos[N];
    void *maps[N];
    bk__coro_pool_trim(&pool); /* a period starts now */
    size_t idle_before = pool.idle;
    for (int i = 0; i < N; i++) {
        cos[i] = bk__coro_acquire(&pool);
        CHECK(cos[i] != NULL);
        if (!cos[i])
            return;
        maps[i] = cos[i]->map;
        struct simple_ctx s = {cos[i], 0, 0};
        CHECK(bk__coro_start(cos[i], fn_simple, &s) == 1);
    }
    CHECK(pool.idle == 0);
    size_t live = pool.live;
    for (int i = 0; i < N; i++)
        bk__coro_release(cos[i]);
    CHECK(pool.idle == (size_t)N + (idle_before > N ? idle_before - N : 0));
    CHECK(bk__coro_pool_trim(&pool) == 0); /* every idle stack was taken during the burst */
    for (int i = 0; i < N; i++)
        CHECK(is_mapped(maps[i]));
    /* LIFO: the idle ones come back last released first. */
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co == cos[N - 1]);
    if (co)
        bk__coro_release(co);
    /* One idle stack was taken in this period; the others were not needed. */
    size_t idle = pool.idle;
    CHECK(bk__coro_pool_trim(&pool) == idle - 1);
    CHECK(pool.live == live - (idle - 1));
    CHECK(pool.idle == 1);
    CHECK(bk__coro_pool_trim(&pool) == 1); /* and the last one after another idle period */
    CHECK(pool.idle == 0);
    int unmapped = 0;
    for (int i = 0; i < N; i++)
        unmapped += !is_mapped(maps[i]);
    CHECK(unmapped == N);
}

/* ---- deep stacks ----------------------------------------------------------------------- */

struct deep_ctx {
    bk__coro *co;
    size_t target; /* how far below the stack top to go */
    const char *lowest;
    int depth;
    int corrupt;
};

/* Recurses with 1 KiB frames until the frame lies `target` bytes below the top of the stack,
 * then checks on the way back that no frame was overwritten. Frame addresses rather than the
 * arrays' addresses measure the depth: under ASan the arrays may live on a fake stack. */
static __attribute__((noinline)) int deep(struct deep_ctx *d, int n)
{
    volatile unsigned char buf[1024];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)(n + (int)i);
    const char *fp = __builtin_frame_address(0);
    if (fp < d->lowest)
        d->lowest = fp;
    int r = 0;
    if ((size_t)((const char *)d->co - fp) < d->target)
        r = deep(d, n + 1);
    else
        d->depth = n;
    for (size_t i = 0; i < sizeof(buf); i++)
        if (buf[i] != (unsigned char)(n + (int)i))
            d->corrupt = 1;
    return r + buf[n % 1024];
}

static void fn_deep(void *arg)
{
    struct deep_ctx *d = arg;
    deep(d, 0);
    bk__coro_yield(d->co); /* the deep frames are gone; the stack must still work after a yield */
    deep(d, 0);
}

static void test_deep_stack(void)
{
    bk__coro *co = bk__coro_acquire(&pool);
    CHECK(co != NULL);
    if (!co)
        return;
    CHECK(pool.stack_size >= 64 * 1024);
    struct deep_ctx d = {co, 48 * 1024, (const char *)co, 0, 0};
    CHECK(bk__coro_start(co, fn_deep, &d) == 0);
    CHECK(resume_with(co, 0) == 1);
    CHECK(d.depth > 0);
    CHECK(!d.corrupt);
    CHECK((size_t)((const char *)co - d.lowest) >= 48 * 1024);
    CHECK(on_stack_of(co, d.lowest));
    bk__coro_release(co);
}

/* ---- many cycles ----------------------------------------------------------------------- */

struct cycle_ctx {
    bk__coro *co;
    long sum;
};

static void fn_cycle(void *arg)
{
    struct cycle_ctx *c = arg;
    c->sum += yield_value(c->co);
}

static void test_many_cycles(void)
{
    size_t live = pool.live;
    long want = 0;
    struct cycle_ctx c = {NULL, 0};
    int failures = 0;
    for (int i = 0; i < 10000; i++) {
        c.co = bk__coro_acquire(&pool);
        if (!c.co) {
            failures++;
            break;
        }
        failures += bk__coro_start(c.co, fn_cycle, &c) != 0;
        failures += pool.current != NULL;
        failures += resume_with(c.co, i) != 1;
        want += i;
        bk__coro_release(c.co);
    }
    CHECK(failures == 0);
    CHECK(c.sum == want);
    CHECK(pool.live == live);
}

/* ---- stack overflow in a child process ------------------------------------------------- */

static volatile int recursion_limit = 1 << 30;

static __attribute__((noinline)) int unbounded(int n)
{
    volatile char buf[512];
    buf[0] = (char)n;
    buf[sizeof(buf) - 1] = (char)n;
    int r = n < recursion_limit ? unbounded(n + 1) : 0;
    return r + buf[n % (int)sizeof(buf)];
}

static void fn_overflow(void *arg)
{
    (void)arg;
    unbounded(0);
}

/* In the child: a 16 KiB coroutine stack, recursion without bound. Exit codes 3-5: set-up failed
 * or the recursion ended, which it must not. */
static void overflow_child(int err_fd)
{
    if (dup2(err_fd, STDERR_FILENO) < 0)
        _exit(3);
    static bk__coro_pool child_pool;
    bk__coro_pool_init(&child_pool, 16 * 1024);
    void *altstack = malloc(64 * 1024);
    if (!altstack || bk__coro_thread_init(&child_pool, altstack, 64 * 1024) != 0)
        _exit(3);
    bk__coro *co = bk__coro_acquire(&child_pool);
    if (!co)
        _exit(4);
    bk__coro_start(co, fn_overflow, NULL);
    _exit(5);
}

static void test_stack_overflow(void)
{
    int fds[2];
    CHECK(pipe(fds) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid < 0)
        return;
    if (pid == 0) {
        close(fds[0]);
        overflow_child(fds[1]);
    }
    close(fds[1]);
    char out[8192];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(fds[0], out + len, sizeof(out) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof(out) - 1)
            len = 0; /* keep the tail: the message we look for comes last */
    }
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    CHECK(w == pid);
    int before = check_failures;
#if defined(BRISK_ASAN)
    /* ASan may catch the fault itself and exit(1) after its report: any abnormal death will do,
     * but not one of the child's own set-up failure codes. */
    int died = WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                                       (WEXITSTATUS(status) < 3 || WEXITSTATUS(status) > 5));
    CHECK(died);
#else
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
    CHECK(strstr(out, "stack overflow") != NULL);
#endif
    if (check_failures != before)
        fprintf(stderr, "overflow child: status 0x%x, stderr:\n%s\n", status, out);
}

int main(void)
{
    test_stack_overflow(); /* first: the child forks a process that holds no coroutines yet */

    bk__coro_pool_init(&pool, 64 * 1024);
    CHECK(pool.current == NULL);

    test_no_yield();
    test_yield_values();
    test_locals_and_interleaving();
    test_nested();
    test_cancel();
    test_reuse();
    test_trim();
    test_deep_stack();
    test_many_cycles();
    CHECK(pool.current == NULL);

    size_t live = pool.live;
    CHECK(bk__coro_pool_close(&pool) == live); /* every coroutine was released: all are idle */
    CHECK(pool.idle == 0);
    CHECK(pool.live == 0);
    return check_result("test_coro");
}
