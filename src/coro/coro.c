/* Stackful coroutines: see coro.h for the memory layout and pooling. */
#include "coro/coro.h"
#include "brisk.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Boost.Context's C ABI (libboost_context): the assembly behind boost::context. CMake checks at
 * configure time that these link with the declared shapes. */
typedef struct {
    bk__fctx fctx;
    void *data;
} bk__transfer;
extern bk__transfer jump_fcontext(bk__fctx const to, void *vp);
extern bk__fctx make_fcontext(void *sp, size_t size, void (*fn)(bk__transfer));

/* Under valgrind, coroutine stacks must be announced or every switch looks like a stack smash
 * (BK_HAVE_VALGRIND is set by CMake when valgrind's header is installed). */
#ifdef BK_HAVE_VALGRIND
#include <valgrind/valgrind.h>
#endif

#if defined(BRISK_ASAN)
#include <sanitizer/common_interface_defs.h>
#define ASAN_START(save, bottom, size)  __sanitizer_start_switch_fiber(save, bottom, size)
#define ASAN_FINISH(save, bottom, size) __sanitizer_finish_switch_fiber(save, bottom, size)
#else
#define ASAN_START(save, bottom, size)  ((void)(save), (void)(bottom), (void)(size))
#define ASAN_FINISH(save, bottom, size) ((void)(save), (void)(bottom), (void)(size))
#endif

/* Smallest usable stack: below this even libc's printf family can overflow. */
#define MIN_STACK (16 * 1024)
/* How far below the guard page a fault still counts as an overflow: a frame with a big local
 * array moves the stack pointer past the guard in one step. */
#define GUARD_REACH (64 * 1024)

/* The SIGSEGV handler needs to know which coroutine faulted; a signal handler can reach nothing
 * but globals, so each worker thread publishes its pool here (read only by the handler). */
static __thread bk__coro_pool *thread_pool;

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

void bk__coro_pool_init(bk__coro_pool *p, size_t stack_size)
{
    memset(p, 0, sizeof(*p));
    p->page = (size_t)sysconf(_SC_PAGESIZE);
    p->stack_size = round_up(stack_size < MIN_STACK ? MIN_STACK : stack_size, p->page);
    int n = snprintf(p->overflow_msg, sizeof(p->overflow_msg),
                     "brisk: FATAL: stack overflow in a request handler (coroutine stack of %zu "
                     "bytes); use less stack or raise --stack-size\n",
                     p->stack_size);
    p->overflow_len = n > 0 ? (size_t)n : 0;
}

static void *stack_bottom(const bk__coro *co)
{
    return co->map + co->pool->page;
}

static size_t stack_usable(const bk__coro *co)
{
    return (size_t)((char *)co - (char *)stack_bottom(co));
}

static void coro_main(bk__transfer t)
{
    bk__coro *co = t.data;
    co->caller = t.fctx;
    ASAN_FINISH(NULL, &co->asan_caller_bottom, &co->asan_caller_size);
    for (;;) {
        co->fn(co->arg);
        co->done = 1;
        ASAN_START(&co->asan_fake_stack, co->asan_caller_bottom, co->asan_caller_size);
        t = jump_fcontext(co->caller, co);
        co->caller = t.fctx;
        ASAN_FINISH(co->asan_fake_stack, &co->asan_caller_bottom, &co->asan_caller_size);
    }
}

static bk__coro *coro_map(bk__coro_pool *p)
{
    size_t page = p->page;
    size_t record = round_up(sizeof(bk__coro), 64);
    /* The record ends the mapping, so it shares the top page with the first frames: a handler
     * that awaits with a shallow stack keeps one resident page, not two. */
    size_t size = round_up(page + p->stack_size + record, page);
    char *map = mmap(NULL, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (map == MAP_FAILED)
        return NULL;
    if (mprotect(map, page, PROT_NONE) != 0) {
        munmap(map, size);
        return NULL;
    }
    bk__coro *co = (bk__coro *)(map + size - record);
    memset(co, 0, sizeof(*co));
    co->pool = p;
    co->map = map;
    co->map_size = size;
#ifdef BK_HAVE_VALGRIND
    co->valgrind_id = VALGRIND_STACK_REGISTER(map + page, (char *)co);
#endif
    /* The stack grows down from just below the record, 16-byte aligned for the ABI. */
    co->ctx = make_fcontext(co, stack_usable(co), coro_main);
    p->live++;
    return co;
}

static void coro_unmap(bk__coro *co)
{
    co->pool->live--;
#ifdef BK_HAVE_VALGRIND
    VALGRIND_STACK_DEREGISTER(co->valgrind_id);
#endif
    munmap(co->map, co->map_size);
}

bk__coro *bk__coro_acquire(bk__coro_pool *p)
{
    bk__coro *co = p->free;
    if (!co)
        return coro_map(p);
    p->free = co->next_free;
    p->idle--;
    if (p->idle < p->idle_low)
        p->idle_low = p->idle;
    return co;
}

void bk__coro_release(bk__coro *co)
{
    bk__coro_pool *p = co->pool;
    co->next_free = p->free;
    p->free = co;
    p->idle++;
}

/* Unmaps up to `n` idle coroutines from the free list: the coldest are at its end, but walking
 * there costs as much as the unmapping, and any idle stack serves as well as another. */
static size_t unmap_idle(bk__coro_pool *p, size_t n)
{
    size_t done = 0;
    while (done < n && p->free) {
        bk__coro *co = p->free;
        p->free = co->next_free;
        p->idle--;
        coro_unmap(co);
        done++;
    }
    return done;
}

size_t bk__coro_pool_trim(bk__coro_pool *p)
{
    size_t n = unmap_idle(p, p->idle_low);
    p->idle_low = p->idle;
    return n;
}

size_t bk__coro_pool_close(bk__coro_pool *p)
{
    size_t n = unmap_idle(p, p->idle);
    p->idle_low = 0;
    return n;
}

static int coro_switch_in(bk__coro *co)
{
    bk__coro_pool *p = co->pool;
    bk__coro *outer = p->current;
    void *fake = NULL;
    p->current = co;
    ASAN_START(&fake, stack_bottom(co), stack_usable(co));
    bk__transfer t = jump_fcontext(co->ctx, co);
    ASAN_FINISH(fake, NULL, NULL);
    co->ctx = t.fctx;
    p->current = outer;
    return co->done;
}

int bk__coro_start(bk__coro *co, void (*fn)(void *), void *arg)
{
    co->fn = fn;
    co->arg = arg;
    co->done = 0;
    return coro_switch_in(co);
}

int bk__coro_resume(bk__coro *co)
{
    return coro_switch_in(co);
}

void bk__coro_yield(bk__coro *co)
{
    ASAN_START(&co->asan_fake_stack, co->asan_caller_bottom, co->asan_caller_size);
    bk__transfer t = jump_fcontext(co->caller, co);
    co->caller = t.fctx;
    ASAN_FINISH(co->asan_fake_stack, &co->asan_caller_bottom, &co->asan_caller_size);
}

int bk__coro_is_overflow(const void *addr)
{
    const bk__coro_pool *p = thread_pool;
    if (!p || !p->current)
        return 0;
    const char *a = addr, *guard = p->current->map;
    return a >= guard - GUARD_REACH && a < guard + p->page;
}

/* ---- the stack-overflow report ----------------------------------------------------------
 * A signal disposition belongs to the whole process, so the handler is installed once for all
 * worker threads of all servers (counted under a lock), and the actions found before are put
 * back when the last thread leaves. This is the only process-wide state brisk keeps. */

static pthread_mutex_t handler_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned handler_users;
static struct sigaction saved_segv, saved_bus;

static void crash_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    const bk__coro_pool *p = thread_pool;
    if (p && bk__coro_is_overflow(info->si_addr) &&
        write(STDERR_FILENO, p->overflow_msg, p->overflow_len) < 0)
        p = NULL; /* nothing more can be done about a failed write here */
    /* Put back what was there before and return: the faulting instruction runs again and
     * faults into that action (the default one kills the process with a core dump, exactly as
     * it would have without us). Only async-signal-safe calls here. */
    sigaction(sig, sig == SIGBUS ? &saved_bus : &saved_segv, NULL);
}

static int install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &saved_segv) != 0)
        return -errno;
    if (sigaction(SIGBUS, &sa, &saved_bus) != 0) {
        int err = -errno;
        sigaction(SIGSEGV, &saved_segv, NULL);
        return err;
    }
    return 0;
}

int bk__coro_thread_init(bk__coro_pool *p, void *altstack, size_t size)
{
    stack_t ss = {0};
    ss.ss_sp = altstack;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) != 0)
        return -errno;
    int err = 0;
    pthread_mutex_lock(&handler_lock);
    if (handler_users == 0)
        err = install_handler();
    if (!err)
        handler_users++;
    pthread_mutex_unlock(&handler_lock);
    if (err) {
        ss.ss_flags = SS_DISABLE;
        sigaltstack(&ss, NULL);
        return err;
    }
    thread_pool = p;
    return 0;
}

void bk__coro_thread_fini(void)
{
    if (!thread_pool)
        return;
    thread_pool = NULL;
    pthread_mutex_lock(&handler_lock);
    if (--handler_users == 0) {
        sigaction(SIGSEGV, &saved_segv, NULL);
        sigaction(SIGBUS, &saved_bus, NULL);
    }
    pthread_mutex_unlock(&handler_lock);
    stack_t ss = {0};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}
