/* Stackful coroutines on Boost.Context's fcontext, with a per-worker pool of mmap'd stacks.
 *
 * Each stack is one mapping: a PROT_NONE guard page at the bottom (so an overflow faults instead
 * of silently overwriting a neighbour), the usable stack, and the bk_coro record at the top, so a
 * coroutine that barely uses its stack touches a single page. A coroutine runs jobs in a loop and
 * goes back to the pool's free list between jobs; the LIFO free list keeps hot stacks in cache. */
#ifndef BK_CORO_H
#define BK_CORO_H

#include <stddef.h>
#include <uv.h>

typedef void *bk_fctx;
typedef struct bk_coro bk_coro;
typedef struct bk_coro_pool bk_coro_pool;

struct bk_coro {
    bk_fctx ctx;    /* where the coroutine resumes */
    bk_fctx caller; /* where it returns to when it yields or finishes */
    void (*fn)(void *arg);
    void *arg;
    int resume_value; /* what the pending bk_coro_yield returns */
    int done;         /* the current job has returned */
    bk_coro_pool *pool;
    bk_coro *next_free;
    char *map; /* the whole mapping, guard page included */
    size_t map_size;
    uv_timer_t timer;    /* owned by whoever awaits on this coroutine (bk_sleep) */
    bk_coro *next_ready; /* the worker's queue of coroutines due to resume */
    int ready_value;     /* what they resume with */
    int queued;          /* on that queue */
    unsigned valgrind_id; /* the stack's registration with valgrind, when built with it */
    void *asan_fake_stack;
    const void *asan_caller_bottom;
    size_t asan_caller_size;
};

struct bk_coro_pool {
    uv_loop_t *loop;
    size_t page;       /* the system's page size */
    size_t stack_size; /* usable bytes, page-rounded */
    size_t max_idle;   /* idle coroutines kept for reuse; the rest are unmapped */
    size_t idle;
    size_t live; /* coroutines mapped, idle or busy */
    bk_coro *free;
    bk_coro *current; /* the coroutine running now, NULL on the loop's own stack */
};

/* Prepares an empty pool; stacks are mapped on demand. */
void bk_coro_pool_init(bk_coro_pool *p, uv_loop_t *loop, size_t stack_size, size_t max_idle);
/* Unmaps every idle coroutine. Their timers are closed first, so run the loop once afterwards
 * (bk_coro_pool_close returns how many close callbacks are outstanding). */
size_t bk_coro_pool_close(bk_coro_pool *p);
/* Takes an idle coroutine or maps a new one; NULL when out of memory or address space. */
bk_coro *bk_coro_acquire(bk_coro_pool *p);
/* Returns a finished coroutine to the pool. */
void bk_coro_release(bk_coro *co);
/* Runs fn(arg) on the coroutine until it finishes or yields. Returns 1 when it finished. */
int bk_coro_start(bk_coro *co, void (*fn)(void *), void *arg);
/* Resumes a yielded coroutine; its bk_coro_yield returns `value`. Returns 1 when it finished. */
int bk_coro_resume(bk_coro *co, int value);
/* Called on a coroutine: suspends it and returns the value given to bk_coro_resume. */
int bk_coro_yield(bk_coro *co);
/* Nonzero when `addr` lies in the guard page of the coroutine running on this thread: lets the
 * SIGSEGV handler tell a stack overflow from any other crash. */
int bk_coro_is_overflow(const void *addr);
/* Installs the SIGSEGV/SIGBUS handler that reports coroutine stack overflows and makes `altstack`
 * (owned by the caller, >= 32 KiB) the calling thread's signal stack: an overflowed stack has no
 * room left for the handler. Returns 0 or -1. */
int bk_coro_thread_init(void *altstack, size_t size);
/* Undoes bk_coro_thread_init for the calling thread, so its altstack can be freed. */
void bk_coro_thread_fini(void);

#endif
