/* Query results: rows of typed values that both backends build the same way, so a handler reads
 * a PostgreSQL and a SQLite result with the same calls. Every non-NULL value keeps its text as
 * the database printed it (bk_rows_text works for any type) and, for numbers and booleans, the
 * parsed value. One allocation for the cells, one buffer for all text. */
#include "db/db.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct cell {
    uint8_t type; /* bk_db_type */
    uint32_t off, len;
    union {
        int64_t i;
        double f;
    } v;
} cell;

struct bk_rows {
    int nrows, ncols, cap_rows;
    int64_t affected;
    uint32_t *names; /* offsets into text */
    cell *cells;     /* nrows * ncols */
    bk_buf text;     /* names and values, each NUL-terminated */
    char *error;     /* a failed query's message, NULL when it succeeded */
    char sqlstate[6];
};

bk_rows *bk__rows_new(int ncols)
{
    if (ncols < 0)
        return NULL;
    bk_rows *r = calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->ncols = ncols;
    r->names = calloc((size_t)ncols + 1, sizeof(*r->names));
    if (!r->names) {
        free(r);
        return NULL;
    }
    /* offset 0 is an empty string: unnamed columns and NULL cells point at it */
    if (bk_buf_append(&r->text, "", 1)) {
        bk_rows_free(r);
        return NULL;
    }
    return r;
}

bk_rows *bk__rows_error(const char *message, const char *sqlstate)
{
    bk_rows *r = bk__rows_new(0);
    if (!r)
        return NULL;
    r->error = strdup(message && *message ? message : "query failed");
    if (!r->error) {
        bk_rows_free(r);
        return NULL;
    }
    size_t n = strcspn(r->error, "\n"); /* libpq ends messages with a newline */
    r->error[n] = '\0';
    if (sqlstate)
        snprintf(r->sqlstate, sizeof(r->sqlstate), "%s", sqlstate);
    return r;
}

/* Appends `len` bytes and a NUL to the text buffer; returns the offset, or -1. */
static int64_t add_text(bk_rows *r, const char *s, size_t len)
{
    if (len > UINT32_MAX - r->text.len - 1 || bk_buf_reserve(&r->text, len + 1))
        return -1;
    int64_t off = (int64_t)r->text.len;
    if (len)
        memcpy(r->text.data + r->text.len, s, len);
    r->text.data[r->text.len + len] = '\0';
    r->text.len += len + 1;
    return off;
}

int bk__rows_set_name(bk_rows *r, int col, const char *name, size_t len)
{
    if (col < 0 || col >= r->ncols)
        return BK_EINVAL;
    int64_t off = add_text(r, name, len);
    if (off < 0)
        return BK_ENOMEM;
    r->names[col] = (uint32_t)off;
    return 0;
}

int bk__rows_add_row(bk_rows *r)
{
    if (r->nrows == r->cap_rows) {
        int cap = r->cap_rows ? r->cap_rows * 2 : 8;
        if (cap <= r->nrows || (size_t)cap > SIZE_MAX / sizeof(cell) / ((size_t)r->ncols + 1))
            return BK_ENOMEM;
        cell *grown = realloc(r->cells, (size_t)cap * (size_t)r->ncols * sizeof(cell) + 1);
        if (!grown)
            return BK_ENOMEM;
        r->cells = grown;
        r->cap_rows = cap;
    }
    if (r->ncols)
        memset(&r->cells[(size_t)r->nrows * (size_t)r->ncols], 0, (size_t)r->ncols * sizeof(cell));
    r->nrows++;
    return 0;
}

static cell *last_row_cell(bk_rows *r, int col)
{
    if (!r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return &r->cells[(size_t)(r->nrows - 1) * (size_t)r->ncols + (size_t)col];
}

/* Parses the text just stored at `c` as `type`. 0 or BK_EINVAL. */
static int parse_value(cell *c, const char *s, bk_db_type type)
{
    char *end;
    switch (type) {
    case BK_DB_INT:
        errno = 0;
        c->v.i = strtoll(s, &end, 10);
        return (errno || end == s || *end) ? BK_EINVAL : 0;
    case BK_DB_FLOAT: /* PostgreSQL prints NaN, Infinity, -Infinity: strtod reads all three */
        errno = 0;
        c->v.f = strtod(s, &end);
        return (end == s || *end) ? BK_EINVAL : 0;
    case BK_DB_BOOL:
        if ((s[0] == 't' || s[0] == '1') && !s[1])
            c->v.i = 1;
        else if ((s[0] == 'f' || s[0] == '0') && !s[1])
            c->v.i = 0;
        else
            return BK_EINVAL;
        return 0;
    case BK_DB_TEXT:
        return 0;
    default:
        return BK_EINVAL;
    }
}

/* Stores the text of a value of the last row's column `col`; its type is set by the caller
 * once the value is known good. Returns 0, BK_EINVAL or BK_ENOMEM. */
static int store_text(bk_rows *r, int col, bk_db_type type, const char *text, size_t len,
                      cell **out)
{
    cell *c = last_row_cell(r, col);
    if (!c || type == BK_DB_NULL)
        return BK_EINVAL;
    int64_t off = add_text(r, text, len);
    if (off < 0)
        return BK_ENOMEM;
    c->off = (uint32_t)off;
    c->len = (uint32_t)len;
    *out = c;
    return 0;
}

int bk__rows_set_text(bk_rows *r, int col, bk_db_type type, const char *text, size_t len)
{
    cell *c;
    int err = store_text(r, col, type, text, len, &c);
    if (err)
        return err;
    if (memchr(text, '\0', len) && type != BK_DB_TEXT)
        return BK_EINVAL;
    err = parse_value(c, r->text.data + c->off, type);
    if (err)
        return err;
    c->type = (uint8_t)type;
    return 0;
}

int bk__rows_set_typed(bk_rows *r, int col, bk_db_type type, int64_t i, double f, const char *text,
                       size_t len)
{
    cell *c;
    int err = store_text(r, col, type, text, len, &c);
    if (err)
        return err;
    c->type = (uint8_t)type;
    if (type == BK_DB_FLOAT)
        c->v.f = f;
    else
        c->v.i = i;
    return 0;
}

void bk__rows_set_affected(bk_rows *r, int64_t n)
{
    r->affected = n;
}

/* ---- reading ---- */

static const cell *cell_at(const bk_rows *r, int row, int col)
{
    if (!r || row < 0 || row >= r->nrows || col < 0 || col >= r->ncols)
        return NULL;
    return &r->cells[(size_t)row * (size_t)r->ncols + (size_t)col];
}

int bk_rows_count(const bk_rows *rows)
{
    return rows ? rows->nrows : 0;
}

int bk_rows_columns(const bk_rows *rows)
{
    return rows ? rows->ncols : 0;
}

int64_t bk_rows_affected(const bk_rows *rows)
{
    return rows ? rows->affected : 0;
}

const char *bk_rows_name(const bk_rows *rows, int col)
{
    if (!rows || col < 0 || col >= rows->ncols)
        return NULL;
    return rows->text.data + rows->names[col];
}

int bk_rows_column(const bk_rows *rows, const char *name)
{
    for (int i = 0; rows && name && i < rows->ncols; i++)
        if (strcmp(rows->text.data + rows->names[i], name) == 0)
            return i;
    return BK_ENOENT;
}

bk_db_type bk_rows_type(const bk_rows *rows, int row, int col)
{
    const cell *c = cell_at(rows, row, col);
    return c ? (bk_db_type)c->type : BK_DB_NULL;
}

int bk_rows_int(const bk_rows *rows, int row, int col, int64_t *out)
{
    const cell *c = cell_at(rows, row, col);
    if (!c || c->type == BK_DB_NULL)
        return BK_ENOENT;
    if (c->type == BK_DB_INT || c->type == BK_DB_BOOL) {
        *out = c->v.i;
        return 0;
    }
    if (c->type == BK_DB_FLOAT) { /* an integral float (SQLite's REAL 3.0) is fine */
        double f = c->v.f;
        if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0))
            return f != f ? BK_EINVAL : BK_ERANGE; /* NaN, or beyond int64 */
        if ((double)(int64_t)f != f)
            return BK_EINVAL; /* has a fraction */
        *out = (int64_t)f;
        return 0;
    }
    return BK_EINVAL;
}

int bk_rows_float(const bk_rows *rows, int row, int col, double *out)
{
    const cell *c = cell_at(rows, row, col);
    if (!c || c->type == BK_DB_NULL)
        return BK_ENOENT;
    if (c->type == BK_DB_FLOAT)
        *out = c->v.f;
    else if (c->type == BK_DB_INT)
        *out = (double)c->v.i;
    else
        return BK_EINVAL;
    return 0;
}

int bk_rows_bool(const bk_rows *rows, int row, int col, int *out)
{
    const cell *c = cell_at(rows, row, col);
    if (!c || c->type == BK_DB_NULL)
        return BK_ENOENT;
    if (c->type != BK_DB_BOOL && c->type != BK_DB_INT) /* SQLite has no booleans: 0 and 1 */
        return BK_EINVAL;
    if (c->type == BK_DB_INT && c->v.i != 0 && c->v.i != 1)
        return BK_ERANGE;
    *out = c->v.i != 0;
    return 0;
}

const char *bk_rows_text(const bk_rows *rows, int row, int col, size_t *len)
{
    const cell *c = cell_at(rows, row, col);
    if (!c || c->type == BK_DB_NULL)
        return NULL;
    if (len)
        *len = c->len;
    return rows->text.data + c->off;
}

const char *bk_rows_error(const bk_rows *rows)
{
    return rows ? rows->error : NULL;
}

const char *bk_rows_sqlstate(const bk_rows *rows)
{
    return rows && rows->error ? rows->sqlstate : NULL;
}

void bk_rows_free(bk_rows *rows)
{
    if (!rows)
        return;
    free(rows->names);
    free(rows->cells);
    bk_buf_free(&rows->text);
    free(rows->error);
    free(rows);
}
