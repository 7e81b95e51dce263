/* NULL-terminated string lists; see strlist.h. */
#include "middleware/strlist.h"

#include <stdlib.h>
#include <string.h>

char **bk__strlist_dup(const char *const *list, int *n)
{
    int count = 0;
    while (list && list[count])
        count++;
    char **copy = calloc((size_t)count + 1, sizeof(*copy));
    if (!copy)
        return NULL;
    for (int i = 0; i < count; i++) {
        copy[i] = strdup(list[i]);
        if (!copy[i]) {
            bk__strlist_free(copy);
            return NULL;
        }
    }
    *n = count;
    return copy;
}

void bk__strlist_free(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

int bk__strlist_has(char *const *list, const char *s)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

char *bk__strlist_join(char *const *list)
{
    bk_buf b = {0};
    int err = bk_buf_reserve(&b, 1);
    for (int i = 0; !err && list && list[i]; i++)
        err = (i && bk_buf_append(&b, ", ", 2)) || bk_buf_append_str(&b, list[i]);
    if (!err)
        err = bk_buf_append(&b, "", 1);
    if (err) {
        bk_buf_free(&b);
        return NULL;
    }
    return b.data;
}
