/* Chunked bump allocator (arena.h). */
#include "util/arena.h"

#include <stdint.h>
#include <stdlib.h>

/* Each malloc'd chunk starts with this header; its data follows, aligned. */
struct bk__arena_chunk {
    bk__arena_chunk *next;
    size_t size; /* data bytes */
};

enum {
    HEADER = (sizeof(bk__arena_chunk) + BK__ARENA_ALIGN - 1) & ~(BK__ARENA_ALIGN - 1),
    MIN_CHUNK = 4096, /* data bytes of the first malloc'd chunk, at least */
};

/* Chunks stop doubling here: past it, each new chunk is as large as the last. */
#define MAX_CHUNK ((size_t)64 << 20)

static char *align_up(char *p)
{
    uintptr_t u = (uintptr_t)p;
    return (char *)((u + BK__ARENA_ALIGN - 1) & ~(uintptr_t)(BK__ARENA_ALIGN - 1));
}

static void start_empty(bk__arena *a)
{
    a->chunks = NULL;
    a->heap = 0;
    a->cur = a->end = NULL;
    if (a->first && a->first_size >= BK__ARENA_ALIGN) {
        a->cur = align_up(a->first);
        a->end = a->first + a->first_size;
        if (a->cur > a->end)
            a->cur = a->end;
    }
    a->next_size = a->first_size > MIN_CHUNK / 2 ? a->first_size * 2 : MIN_CHUNK;
    if (a->next_size > MAX_CHUNK)
        a->next_size = MAX_CHUNK;
}

void bk__arena_init(bk__arena *a, void *first, size_t first_size, size_t cap)
{
    a->first = first;
    a->first_size = first ? first_size : 0;
    a->cap = cap;
    start_empty(a);
}

/* Bytes the cap still allows (SIZE_MAX without a cap). */
static size_t cap_left(const bk__arena *a)
{
    if (!a->cap)
        return SIZE_MAX;
    return a->heap < a->cap ? a->cap - a->heap : 0;
}

void *bk__arena_alloc_slow(bk__arena *a, size_t need)
{
    if (need > SIZE_MAX / 4)
        return NULL;
    /* A large request gets a chunk of its own and the current chunk stays current: its free
     * space is not thrown away for one big string. */
    int dedicated = need > a->next_size / 4;
    size_t size = dedicated ? need : a->next_size;
    size_t left = cap_left(a);
    if (left < HEADER + need)
        return NULL;
    if (size > left - HEADER)
        size = (left - HEADER) & ~(size_t)(BK__ARENA_ALIGN - 1); /* the last chunk the cap allows */
    bk__arena_chunk *c = malloc(HEADER + size);
    if (!c)
        return NULL;
    c->next = a->chunks;
    c->size = size;
    a->chunks = c;
    a->heap += HEADER + size;
    char *data = (char *)c + HEADER;
    if (!dedicated) {
        a->cur = data + need;
        a->end = data + size;
        if (a->next_size < MAX_CHUNK)
            a->next_size *= 2;
    }
    return data;
}

void bk__arena_free(bk__arena *a)
{
    bk__arena_chunk *c = a->chunks;
    while (c) {
        bk__arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    start_empty(a);
}

size_t bk__arena_heap_bytes(const bk__arena *a)
{
    return a->heap;
}
