/* Building an OBJECT from its parsed members: Python's dict semantics for duplicate keys, and the
 * sorted index that bk__json_get searches (json_object.c). */
#ifndef BK_MODEL_JSON_OBJECT_H
#define BK_MODEL_JSON_OBJECT_H

#include "model/json_parse.h"

/* Makes `v` the OBJECT of the `n` members at `m` (in document order; `m` is scratch and is
 * reordered): a repeated key keeps its first position and takes its last value, as
 * `d[k] = v` does. Copies the result into the arena. Returns 0 or BK_ENOMEM. O(n log n). */
int bk__json_object_build(bk__arena *a, bk__jmember *m, size_t n, bk__jval *v);

#endif
