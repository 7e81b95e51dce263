/* fuzz_rows — decoding database values into bk_rows (src/db/rows.c), what the PostgreSQL
 * backend does with every value the server sends (bk__rows_set_text, typed by column OID) and
 * what a handler then reads back.
 *
 * Input: records of [type byte][length byte][that many bytes of text], filling rows of 3
 * columns named by the first records' texts. The type byte's low 3 bits pick BK_DB_INT, FLOAT,
 * TEXT or BOOL (others: left NULL).
 *
 * Invariants: set_text returns 0, BK_EINVAL or BK_ENOMEM; on 0 the value reads back as its type
 * (an INT equals strtoll of the text, a FLOAT strtod's, a BOOL is t/f/1/0) and its text is the
 * input bytes exactly, NUL-terminated; a refused value reads as NULL; reads out of range are
 * BK_ENOENT / NULL; column lookup by name finds the first column of that name. */
#include "db/db.h"
#include "fuzz_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NCOLS 3

typedef struct expect {
    bk_db_type type; /* BK_DB_NULL: refused */
    const uint8_t *text;
    size_t len;
} expect;

static void check_value(const bk_rows *r, int row, int col, const expect *e)
{
    size_t len = 0;
    const char *text = bk_rows_text(r, row, col, &len);
    FUZZ_CHECK(bk_rows_type(r, row, col) == e->type, "type %d, expected %d",
               bk_rows_type(r, row, col), e->type);
    if (e->type == BK_DB_NULL) {
        FUZZ_CHECK(text == NULL, "a refused value reads as text");
        return;
    }
    FUZZ_CHECK(text && len == e->len && memcmp(text, e->text, len) == 0 && text[len] == '\0',
               "text does not round-trip");
    char *copy = strndup(text, len);
    FUZZ_CHECK(copy != NULL, "strndup");
    int64_t i;
    double f;
    int b;
    if (e->type == BK_DB_INT) {
        FUZZ_CHECK(bk_rows_int(r, row, col, &i) == 0 && i == strtoll(copy, NULL, 10), "int value");
        FUZZ_CHECK(bk_rows_float(r, row, col, &f) == 0, "an int reads as a float");
    } else if (e->type == BK_DB_FLOAT) {
        double want = strtod(copy, NULL);
        FUZZ_CHECK(bk_rows_float(r, row, col, &f) == 0 && (f == want || (isnan(f) && isnan(want))),
                   "float value");
        int rc = bk_rows_int(r, row, col, &i);
        FUZZ_CHECK(rc == 0 || rc == BK_EINVAL || rc == BK_ERANGE, "float as int: %d", rc);
        FUZZ_CHECK(rc != 0 || (double)i == f, "float read as a different int");
    } else if (e->type == BK_DB_BOOL) {
        FUZZ_CHECK(bk_rows_bool(r, row, col, &b) == 0 && b == (copy[0] == 't' || copy[0] == '1'),
                   "bool value");
    } else {
        FUZZ_CHECK(bk_rows_int(r, row, col, &i) == BK_EINVAL, "text read as an int");
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const bk_db_type types[8] = {BK_DB_INT, BK_DB_FLOAT, BK_DB_TEXT, BK_DB_BOOL,
                                        BK_DB_INT, BK_DB_FLOAT, BK_DB_TEXT, BK_DB_NULL};
    bk_rows *r = bk__rows_new(NCOLS);
    FUZZ_CHECK(r != NULL, "rows");
    expect *want = calloc(size / 2 + 1, sizeof(*want));
    FUZZ_CHECK(want != NULL, "calloc");
    size_t n = 0, at = 0;
    int named = 0;
    while (at + 2 <= size) {
        bk_db_type type = types[data[at] & 7];
        size_t len = data[at + 1];
        at += 2;
        if (len > size - at)
            len = size - at;
        const uint8_t *text = data + at;
        at += len;
        if (named < NCOLS) { /* the first records name the columns */
            FUZZ_CHECK(bk__rows_set_name(r, named++, (const char *)text, len) == 0, "name");
            continue;
        }
        int col = (int)(n % NCOLS);
        if (col == 0)
            FUZZ_CHECK(bk__rows_add_row(r) == 0, "add row");
        expect e = {BK_DB_NULL, text, len};
        if (type != BK_DB_NULL) {
            int rc = bk__rows_set_text(r, col, type, (const char *)text, len);
            FUZZ_CHECK(rc == 0 || rc == BK_EINVAL, "set_text: %d", rc);
            if (rc == 0)
                e.type = type;
            FUZZ_CHECK(rc == 0 || type != BK_DB_TEXT || memchr(text, 0, len), "text refused");
        }
        want[n++] = e;
    }
    int rows = n ? (int)((n + NCOLS - 1) / NCOLS) : 0;
    FUZZ_CHECK(bk_rows_count(r) == rows && bk_rows_columns(r) == NCOLS, "shape");
    for (size_t k = 0; k < n; k++)
        check_value(r, (int)(k / NCOLS), (int)(k % NCOLS), &want[k]);
    int64_t i;
    FUZZ_CHECK(bk_rows_int(r, rows, 0, &i) == BK_ENOENT && bk_rows_text(r, -1, 0, NULL) == NULL &&
                   bk_rows_type(r, 0, NCOLS) == BK_DB_NULL,
               "out of range");
    for (int c = 0; c < named; c++) {
        const char *name = bk_rows_name(r, c);
        int found = bk_rows_column(r, name);
        FUZZ_CHECK(found >= 0 && found <= c && strcmp(bk_rows_name(r, found), name) == 0, "lookup");
    }
    bk_rows_free(r);
    free(want);
    return 0;
}
