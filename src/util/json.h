/* Internal additions to the JSON writer (include/brisk.h): keys and strings brisk writes itself,
 * known to need no escaping (ASCII letters, digits, '_', ' ', punctuation but '"' and '\\'), go
 * out without the escaper's scan — the 422 body is mostly such text. */
#ifndef BK_UTIL_JSON_H
#define BK_UTIL_JSON_H

#include "brisk.h"

/* bk_json_key for a key that needs no escaping. */
void bk__json_plain_key(bk_json *j, const char *key, size_t len);
/* bk_json_string_len for a string that needs no escaping. */
void bk__json_plain_string(bk_json *j, const char *s, size_t len);
/* Claims the next value's place (the separator written) and returns the output buffer, for the
 * caller to append one complete JSON value to itself; NULL when the writer failed or no value
 * may come here. */
bk_buf *bk__json_value_buf(bk_json *j);

#endif
