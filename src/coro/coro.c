/* Stackful coroutines: see coro.h for the memory layout and pooling. */
#include "coro/coro.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Boost.Context's C ABI (libboost_context): the assembly behind boost::context. */
typedef struct {
    bk_fctx fctx;
    void *data;
} bk_transfer;
extern bk_transfer jump_fcontext(bk_fctx const to, void *vp);
extern bk_fctx make_fcontext(void *sp, size_t size, void (*fn)(bk_transfer));

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

/* The SIGSEGV handler needs to know which coroutine faulted; a signal handler can reach nothing
 * but globals, so each worker thread publishes its pool here (read only by the handler). */
static __thread bk_coro_pool *thread_pool;

static size_t page_size(void)
{
    return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t round_up(size_t n, size_t to)
{
    return (n + to - 1) / to * to;
}

void bk_coro_pool_init(bk_coro_pool *p, uv_loop_t *loop, size_t stack_size, size_t max_idle)
{
    memset(p, 0, sizeof(*p));
    p->loop = loop;
    p->page = page_size();
    p->stack_size = round_up(stack_size < 16384 ? 16384 : stack_size, p->page);
    p->max_idle = max_idle;
    thread_pool = p;
}

static void *stack_bottom(const bk_coro *co)
{
    return co->map + co->pool->page;
}

static size_t stack_usable(const bk_coro *co)
{
    return (size_t)((char *)co - (char *)stack_bottom(co));
}

static void coro_main(bk_transfer t)
{
    bk_coro *co = t.data;
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

static bk_coro *coro_map(bk_coro_pool *p)
{
    size_t page = p->page;
    size_t record = round_up(sizeof(bk_coro), 64);
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
    bk_coro *co = (bk_coro *)(map + size - record);
    memset(co, 0, sizeof(*co));
    co->pool = p;
    co->map = map;
    co->map_size = size;
#ifdef BK_HAVE_VALGRIND
    co->valgrind_id = VALGRIND_STACK_REGISTER(map + page, (char *)co);
#endif
    /* The stack grows down from just below the record, 16-byte aligned for the ABI. */
    co->ctx = make_fcontext(co, stack_usable(co), coro_main);
    uv_timer_init(p->loop, &co->timer);
    uv_unref((uv_handle_t *)&co->timer);
    co->timer.data = co;
    p->live++;
    return co;
}

static void coro_unmap_cb(uv_handle_t *h)
{
    bk_coro *co = h->data;
#ifdef BK_HAVE_VALGRIND
    VALGRIND_STACK_DEREGISTER(co->valgrind_id);
#endif
    munmap(co->map, co->map_size);
}

static void coro_unmap(bk_coro *co)
{
    co->pool->live--;
    uv_close((uv_handle_t *)&co->timer, coro_unmap_cb);
}

bk_coro *bk_coro_acquire(bk_coro_pool *p)
{
    bk_coro *co = p->free;
    if (!co)
        return coro_map(p);
    p->free = co->next_free;
    p->idle--;
    return co;
}

void bk_coro_release(bk_coro *co)
{
    bk_coro_pool *p = co->pool;
    if (p->idle >= p->max_idle) {
        coro_unmap(co);
        return;
    }
    co->next_free = p->free;
    p->free = co;
    p->idle++;
}

size_t bk_coro_pool_close(bk_coro_pool *p)
{
    size_t closing = 0;
    while (p->free) {
        bk_coro *co = p->free;
        p->free = co->next_free;
        coro_unmap(co);
        closing++;
    }
    p->idle = 0;
    return closing;
}

static int coro_switch_in(bk_coro *co)
{
    bk_coro_pool *p = co->pool;
    bk_coro *outer = p->current;
    void *fake = NULL;
    p->current = co;
    ASAN_START(&fake, stack_bottom(co), stack_usable(co));
    bk_transfer t = jump_fcontext(co->ctx, co);
    ASAN_FINISH(fake, NULL, NULL);
    co->ctx = t.fctx;
    p->current = outer;
    return co->done;
}

int bk_coro_start(bk_coro *co, void (*fn)(void *), void *arg)
{
    co->fn = fn;
    co->arg = arg;
    co->done = 0;
    co->resume_value = 0;
    return coro_switch_in(co);
}

int bk_coro_resume(bk_coro *co, int value)
{
    co->resume_value = value;
    return coro_switch_in(co);
}

int bk_coro_yield(bk_coro *co)
{
    ASAN_START(&co->asan_fake_stack, co->asan_caller_bottom, co->asan_caller_size);
    bk_transfer t = jump_fcontext(co->caller, co);
    co->caller = t.fctx;
    ASAN_FINISH(co->asan_fake_stack, &co->asan_caller_bottom, &co->asan_caller_size);
    return co->resume_value;
}

int bk_coro_is_overflow(const void *addr)
{
    const bk_coro_pool *p = thread_pool;
    if (!p || !p->current)
        return 0;
    const char *a = addr, *guard = p->current->map;
    /* A big frame can jump past the guard page; anything below the usable stack counts. */
    return a >= guard - (64 << 10) && a < guard + p->page;
}

static void crash_handler(int sig, siginfo_t *info, void *uctx)
{
    (void)uctx;
    if (bk_coro_is_overflow(info->si_addr)) {
        char msg[200];
        int n = snprintf(msg, sizeof(msg),
                         "brisk: FATAL: stack overflow in a request handler (coroutine stack of "
                         "%zu bytes); use less stack or raise --stack-size\n",
                         thread_pool->stack_size);
        if (n > 0 && write(STDERR_FILENO, msg, (size_t)n) < 0)
            n = 0;
    }
    /* Re-raise with the default action so the process dies by the signal (core dump, exit
     * status) exactly as it would have without us. */
    signal(sig, SIG_DFL);
    raise(sig);
}

int bk_coro_thread_init(void *altstack, size_t size)
{
    stack_t ss = {0};
    ss.ss_sp = altstack;
    ss.ss_size = size;
    if (sigaltstack(&ss, NULL) != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = crash_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, NULL) != 0 || sigaction(SIGBUS, &sa, NULL) != 0)
        return -1;
    return 0;
}

void bk_coro_thread_fini(void)
{
    stack_t ss = {0};
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    thread_pool = NULL;
}
