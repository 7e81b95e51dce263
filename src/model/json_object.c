/* OBJECT building and lookup (json_object.h, bk__json_get).
 *
 * Duplicate keys are found by sorting, not hashing: a hash with a fixed function lets a client
 * send 10,000 keys that collide (O(n^2)), and a secret seed would be state. A stable merge sort
 * of member positions by key is O(n log n) whatever the keys, and the sorted positions are the
 * lookup index afterwards. Small objects, most of them, skip all that: a pairwise scan of up to
 * BK__JSON_LINEAR_MAX members is cheaper than sorting. */
#include "model/json_object.h"

#include "brisk.h"

#include <string.h>

/* The order of the index: bytewise, a prefix before the longer key. */
static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

static int same_key(const bk__jmember *x, const bk__jmember *y)
{
    return x->key_len == y->key_len && memcmp(x->key, y->key, x->key_len) == 0;
}

/* Pairwise, in place: returns the number of members kept. */
static size_t dedupe_small(bk__jmember *m, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < kept && !same_key(&m[j], &m[i]))
            j++;
        if (j < kept)
            m[j].value = m[i].value;
        else
            m[kept++] = m[i];
    }
    return kept;
}

/* Stable bottom-up merge sort of the positions in `idx` by their members' keys; `tmp` is as
 * large. Returns the array that holds the result (idx or tmp). */
static uint32_t *sort_positions(const bk__jmember *m, uint32_t *idx, uint32_t *tmp, size_t n)
{
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) {
                const bk__jmember *x = &m[idx[i]], *y = &m[idx[j]];
                /* <= keeps equal keys in document order: stability */
                if (key_cmp(x->key, x->key_len, y->key, y->key_len) <= 0)
                    tmp[k++] = idx[i++];
                else
                    tmp[k++] = idx[j++];
            }
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        uint32_t *swap = idx;
        idx = tmp;
        tmp = swap;
    }
    return idx;
}

/* Dedupes `m` in place through a sort; *index gets the kept members' new positions in key
 * order. Returns the number kept, or 0 with *index NULL when out of memory. */
static size_t dedupe_sorted(bk__arena *a, bk__jmember *m, size_t n, uint32_t **index)
{
    uint32_t *idx = bk__arena_alloc(a, n * sizeof(uint32_t));
    uint32_t *tmp = bk__arena_alloc(a, n * sizeof(uint32_t));
    *index = NULL;
    if (!idx || !tmp)
        return 0;
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    uint32_t *sorted = sort_positions(m, idx, tmp, n);
    uint32_t *slot = sorted == idx ? tmp : idx; /* free again: per position, alive or new place */
    /* In each run of equal keys the first position stays, with the last position's value. */
    for (size_t r = 0, e; r < n; r = e) {
        slot[sorted[r]] = 1;
        for (e = r + 1; e < n && same_key(&m[sorted[r]], &m[sorted[e]]); e++)
            slot[sorted[e]] = 0;
        if (e - r > 1)
            m[sorted[r]].value = m[sorted[e - 1]].value;
    }
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (slot[i]) {
            slot[i] = (uint32_t)kept;
            m[kept++] = m[i];
        } else {
            slot[i] = UINT32_MAX;
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (slot[sorted[i]] != UINT32_MAX)
            sorted[k++] = slot[sorted[i]];
    *index = sorted;
    return kept;
}

int bk__json_object_build(bk__arena *a, bk__jmember *m, size_t n, bk__jval *v)
{
    uint32_t *index = NULL;
    size_t kept;
    if (n <= BK__JSON_LINEAR_MAX) {
        kept = dedupe_small(m, n);
    } else {
        kept = dedupe_sorted(a, m, n, &index);
        if (!index)
            return BK_ENOMEM;
    }
    bk__jmember *members = NULL;
    if (kept) {
        members = bk__arena_alloc(a, kept * sizeof(bk__jmember));
        if (!members)
            return BK_ENOMEM;
        memcpy(members, m, kept * sizeof(bk__jmember));
    }
    v->type = BK__J_OBJECT;
    v->big = v->surrogate = 0;
    v->len = (uint32_t)kept;
    v->members = members;
    v->text_len = 0; /* the rest of the union `index` shares */
    v->index = kept > BK__JSON_LINEAR_MAX ? index : NULL;
    return 0;
}

const bk__jval *bk__json_get(const bk__jval *object, const char *key, size_t key_len)
{
    if (!object || object->type != BK__J_OBJECT)
        return NULL;
    const bk__jmember *m = object->members;
    if (!object->index) {
        for (uint32_t i = 0; i < object->len; i++)
            if (m[i].key_len == key_len && memcmp(m[i].key, key, key_len) == 0)
                return &m[i].value;
        return NULL;
    }
    size_t lo = 0, hi = object->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const bk__jmember *x = &m[object->index[mid]];
        int c = key_cmp(x->key, x->key_len, key, key_len);
        if (c == 0)
            return &x->value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}
