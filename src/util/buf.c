/* Growable byte buffer. */
#include "brisk.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { BUF_MIN_CAP = 64 };

/* Capacities stop at PTRDIFF_MAX: larger objects break pointer subtraction and malloc refuses
 * them anyway, so asking would only fail later (or abort under ASan). */
static size_t grown_capacity(size_t cap, size_t need)
{
    size_t c = cap < BUF_MIN_CAP ? BUF_MIN_CAP : cap;
    while (c < need)
        c = c > PTRDIFF_MAX / 2 ? need : c * 2;
    return c;
}

int bk_buf_reserve(bk_buf *b, size_t extra)
{
    if (extra <= b->cap - b->len)
        return BK_OK;
    if (b->len > PTRDIFF_MAX || extra > PTRDIFF_MAX - b->len)
        return BK_ENOMEM;
    size_t cap = grown_capacity(b->cap, b->len + extra);
    char *data = realloc(b->data, cap);
    if (!data)
        return BK_ENOMEM;
    b->data = data;
    b->cap = cap;
    return BK_OK;
}

/* Appending a slice of the buffer to itself must survive the realloc that may move it. */
static int points_into(const bk_buf *b, const void *p, size_t *offset)
{
    uintptr_t base = (uintptr_t)b->data, addr = (uintptr_t)p;
    if (!b->data || addr < base || addr >= base + b->len)
        return 0;
    *offset = addr - base;
    return 1;
}

int bk_buf_append(bk_buf *b, const void *data, size_t len)
{
    if (len == 0)
        return BK_OK;
    size_t offset;
    int inside = points_into(b, data, &offset);
    if (bk_buf_reserve(b, len))
        return BK_ENOMEM;
    memcpy(b->data + b->len, inside ? b->data + offset : data, len);
    b->len += len;
    return BK_OK;
}

int bk_buf_append_str(bk_buf *b, const char *s)
{
    return bk_buf_append(b, s, strlen(s));
}

void bk_buf_free(bk_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}
