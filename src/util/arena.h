/* A chunked bump allocator for request-scope memory: many small allocations, one release.
 *
 * The first chunk may be the caller's own buffer (on the stack, inside a request struct); more
 * chunks come from malloc, each twice the size of the last, so a request that allocates N bytes
 * makes O(log N) malloc calls. An optional cap bounds the bytes the arena mallocs in total: past
 * it bk__arena_alloc returns NULL, so a hostile body costs at most the cap. */
#ifndef BK_UTIL_ARENA_H
#define BK_UTIL_ARENA_H

#include <stddef.h>

/* Every allocation is aligned to this: enough for pointers, int64_t and double. */
#define BK__ARENA_ALIGN 8

typedef struct bk__arena_chunk bk__arena_chunk;

typedef struct bk__arena {
    char *cur, *end;         /* free space of the current chunk */
    bk__arena_chunk *chunks; /* malloc'd chunks, newest first */
    char *first;             /* the caller's buffer given to bk__arena_init (or NULL) */
    size_t first_size;
    size_t next_size; /* size of the next malloc'd chunk */
    size_t heap;      /* bytes malloc'd so far, chunk headers included */
    size_t cap;       /* limit on `heap`; 0: none */
} bk__arena;

/* Starts an empty arena. `first`/`first_size` (may be NULL/0) is a buffer to use before any
 * malloc; it is never freed and must outlive the arena. `cap` limits the bytes malloc'd in
 * total (0: no limit). */
void bk__arena_init(bk__arena *a, void *first, size_t first_size, size_t cap);
/* The slow path of bk__arena_alloc: `need` (already rounded) does not fit the current chunk. */
void *bk__arena_alloc_slow(bk__arena *a, size_t need);
/* `size` bytes aligned to BK__ARENA_ALIGN, valid until bk__arena_free. NULL when malloc fails
 * or the cap would be passed. Inline: the JSON parser calls it for every string and number. */
static inline void *bk__arena_alloc(bk__arena *a, size_t size)
{
    /* Size 0 is served as 1, so that the pointer is valid (and distinct) even before any chunk. */
    size_t need = ((size ? size : 1) + (BK__ARENA_ALIGN - 1)) & ~(size_t)(BK__ARENA_ALIGN - 1);
    if (need >= size && need <= (size_t)(a->end - a->cur)) {
        void *p = a->cur;
        a->cur += need;
        return p;
    }
    return need < size ? NULL : bk__arena_alloc_slow(a, need);
}
/* Releases every chunk; the arena is then empty again, as bk__arena_init left it. */
void bk__arena_free(bk__arena *a);
/* Bytes malloc'd so far (what the cap is compared with). */
size_t bk__arena_heap_bytes(const bk__arena *a);

#endif
