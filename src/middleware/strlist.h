/* NULL-terminated string lists, as the built-in middleware copy their options: the lists a user
 * passes (origins, methods, hosts) are theirs, so every middleware keeps its own copy. */
#ifndef BK_MIDDLEWARE_STRLIST_H
#define BK_MIDDLEWARE_STRLIST_H

#include "brisk.h"

/* A copy of `list` (NULL: an empty list) with its length in `*n`, or NULL when out of memory. */
char **bk__strlist_dup(const char *const *list, int *n);
/* Frees a copy (NULL is fine). */
void bk__strlist_free(char **list);
/* Whether `list` holds `s` exactly. */
int bk__strlist_has(char *const *list, const char *s);
/* The items joined by ", " (Python's ", ".join), or NULL when out of memory. */
char *bk__strlist_join(char *const *list);

#endif
