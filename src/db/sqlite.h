/* The SQLite backend's two halves: sqlite.c runs the database threads and their queues and talks
 * to the loop; sqlite_conn.c is one connection as a thread uses it (opening it with brisk's
 * pragmas, its statement cache, binding $1 parameters, turning a statement's rows or error into
 * a bk_rows). A connection is only ever used by one thread at a time. */
#ifndef BK_DB_SQLITE_H
#define BK_DB_SQLITE_H

#include "db/db.h"

#include <sqlite3.h>

typedef struct bk__sqlite_cached bk__sqlite_cached;

typedef struct bk__sqlite_conn {
    sqlite3 *db;
    bk__sqlite_cached *cache; /* prepared statements by SQL text, BK__SQLITE_CACHE of them */
    int ncached;
    uint64_t clock; /* counts lookups: the least recently used entry is evicted */
} bk__sqlite_conn;

/* Statements kept prepared per connection: an app has a few dozen distinct ones; one that
 * builds SQL text on the fly must not grow the cache without bound. */
#define BK__SQLITE_CACHE 128

/* Opens `path` (":memory:" for a private in-memory database) read-write, creating it, or
 * read-only for a reader, and sets brisk's pragmas (WAL, synchronous=NORMAL, foreign keys, the
 * busy timeout). Returns 0, or BK_ECONNREFUSED with SQLite's reason in `why`. */
int bk__sqlite_conn_open(bk__sqlite_conn *c, const char *path, int readonly, int busy_ms, char *why,
                         size_t why_size);
/* Finalises the cached statements and closes the connection (an open transaction is rolled
 * back). */
void bk__sqlite_conn_close(bk__sqlite_conn *c);
/* Prepares `sql` into the cache and says whether it only reads: 1, 0, or -1 when it does not
 * prepare (running it reports why). */
int bk__sqlite_conn_readonly(bk__sqlite_conn *c, const char *sql);
/* Runs one statement with its parameters. Returns 0 with its rows in `*out`, BK_EQUERY with
 * the error in `*out`, or BK_ENOMEM (`*out` NULL). */
int bk__sqlite_exec(bk__sqlite_conn *c, const bk_db_stmt *st, bk_rows **out);
/* Runs parameterless `sql` whose rows nobody reads (BEGIN IMMEDIATE, ROLLBACK). 0 or
 * BK_EQUERY, with the error in `*err` when `err` is not NULL (free it). */
int bk__sqlite_exec_quiet(bk__sqlite_conn *c, const char *sql, bk_rows **err);
/* A failed query's result with SQLite's message and the SQLSTATE closest to `code` (an
 * extended result code). NULL when out of memory. */
bk_rows *bk__sqlite_error(int code, const char *message, int at_prepare);

#endif
