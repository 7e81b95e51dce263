/* Stackful coroutines on Boost.Context's fcontext, with a per-worker pool of mmap'd stacks.
 *
 * Each stack is one mapping: a PROT_NONE guard page at the bottom (so an overflow faults instead
 * of silently overwriting a neighbour), the usable stack, and the bk__coro record at the top, so a
 * coroutine that barely uses its stack touches a single page. A coroutine runs jobs in a loop and
 * goes back to the pool's free list between jobs; the LIFO free list keeps hot stacks in cache.
 *
 * This layer knows nothing of event loops or waiting: src/await/ builds tasks on it. */
#ifndef BK_CORO_H
#define BK_CORO_H

#include <stddef.h>
#include <stdint.h>

typedef void *bk__fctx;
typedef struct bk__coro bk__coro;
typedef struct bk__coro_pool bk__coro_pool;

struct bk__coro {
    bk__fctx ctx;    /* where the coroutine resumes */
    bk__fctx caller; /* where it returns to when it yields or finishes */
    void (*fn)(void *arg);
    void *arg;
    int done; /* the current job has returned */
    bk__coro_pool *pool;
    bk__coro *next_free;
    char *map; /* the whole mapping, guard page included */
    size_t map_size;
    unsigned valgrind_id; /* the stack's registration with valgrind, when built with it */
    void *asan_fake_stack;
    const void *asan_caller_bottom;
    size_t asan_caller_size;
};

struct bk__coro_pool {
    size_t page;       /* the system's page size */
    size_t stack_size; /* usable bytes, page-rounded */
    size_t idle;       /* coroutines on the free list */
    size_t idle_low;   /* fewest idle since the last bk__coro_pool_trim: never needed meanwhile */
    size_t live;       /* coroutines mapped, idle or busy */
    bk__coro *free;
    bk__coro *current;      /* the coroutine running now, NULL on the loop's own stack */
    char overflow_msg[160]; /* written by the SIGSEGV handler, which may not format text */
    size_t overflow_len;
};

/* Prepares an empty pool; stacks are mapped on demand. */
void bk__coro_pool_init(bk__coro_pool *p, size_t stack_size);
/* Unmaps the idle coroutines that no acquire needed since the previous call: a burst's stacks
 * are returned to the system one trim period after it ends, without a fixed cap on the pool.
 * Returns how many were unmapped. */
size_t bk__coro_pool_trim(bk__coro_pool *p);
/* Unmaps every idle coroutine; returns how many. Busy ones must have been released first. */
size_t bk__coro_pool_close(bk__coro_pool *p);
/* Takes an idle coroutine or maps a new one; NULL when out of memory or address space. */
bk__coro *bk__coro_acquire(bk__coro_pool *p);
/* Returns a finished coroutine to the pool. */
void bk__coro_release(bk__coro *co);
/* Runs fn(arg) on the coroutine until it finishes or yields. Returns 1 when it finished. */
int bk__coro_start(bk__coro *co, void (*fn)(void *), void *arg);
/* Switches back into a yielded coroutine. Returns 1 when it finished. */
int bk__coro_resume(bk__coro *co);
/* Called on a coroutine: suspends it until the next bk__coro_resume. */
void bk__coro_yield(bk__coro *co);
/* Nonzero when `addr` lies in the guard page of the coroutine running on this thread: lets the
 * SIGSEGV handler tell a stack overflow from any other crash. */
int bk__coro_is_overflow(const void *addr);
/* Makes `altstack` (owned by the caller, >= 32 KiB) the calling thread's signal stack, so the
 * stack-overflow report has room to run, and points the report at `p`. The SIGSEGV/SIGBUS
 * handler itself is process-wide: the first thread installs it, the last one's
 * bk__coro_thread_fini restores what was there before. Returns 0 or a BK_E* code. */
int bk__coro_thread_init(bk__coro_pool *p, void *altstack, size_t size);
/* Undoes bk__coro_thread_init for the calling thread, so its altstack can be freed. */
void bk__coro_thread_fini(void);

#endif
