/* The PostgreSQL backend: libpq in non-blocking pipeline mode on the worker's loop.
 *
 * Each worker has a few *shared* connections, over which the statements of concurrent tasks are
 * pipelined (each statement followed by its own Sync, as TechEmpower's rules require and as is
 * the only safe default: an error then aborts nothing but its own statement), and a small set of
 * *pinned* connections, each lent to one transaction at a time.
 *
 * What is in flight on a connection is a FIFO of expected results, each naming the pg_call it
 * belongs to. A call is the backend's copy of one bk__db_query: it is heap-owned, so a task that
 * is cancelled can leave at once (its call's `q` is cleared) while the server still answers; the
 * answers are then read and dropped, and the connection stays in step. pg.c builds and routes
 * calls and decodes results; pg_conn.c connects, reconnects and moves bytes. */
#ifndef BK_DB_PG_H
#define BK_DB_PG_H

#include "await/pool.h"
#include "db/db.h"

#include <libpq-fe.h>
#include <uv.h>

#if defined(LIBPQ_HAS_PIPELINING)
#define BK__PG_PIPELINE 1
#else
#error "brisk needs libpq 14 or newer (pipeline mode)"
#endif

typedef struct pg_state pg_state;
typedef struct pg_conn pg_conn;
typedef struct pg_call pg_call;

/* One call: the statements of one bk__db_query. */
struct pg_call {
    bk__db_query *q; /* NULL once the task left: results are dropped */
    pg_state *st;
    bk__db_pin pin;
    bk_tx *tx; /* BEGIN / IN_TX / END: the transaction (NULL: an internal ROLLBACK) */
    int n, done;
    int result;     /* the first failure: BK_EQUERY, BK_ECONNRESET... */
    bk_rows **rows; /* n results, owned here until handed to q */
    int sent;       /* on a connection (else queued in the state) */
    pg_call *next;  /* the state's queue */
    pg_conn *conn;  /* where it was sent */
};

typedef enum pg_expect_kind {
    EXPECT_PREPARE,
    EXPECT_QUERY,
    EXPECT_SYNC,
    EXPECT_SETUP
} pg_expect_kind;

/* A result the connection waits for, in the order the server sends them. */
typedef struct pg_expect {
    pg_expect_kind kind;
    pg_call *call; /* NULL for EXPECT_SETUP */
    int index;     /* the statement of the call */
    int stmt;      /* EXPECT_PREPARE: the cache slot being prepared */
} pg_expect;

typedef enum pg_conn_status { CONN_DOWN, CONN_CONNECTING, CONN_READY } pg_conn_status;

/* A prepared statement of a connection: the SQL it was prepared from and its name. */
typedef struct pg_stmt {
    char *sql;
    uint32_t hash;
} pg_stmt;

#define PG_STMT_CACHE 128 /* per connection; beyond, statements go unnamed (still correct) */

struct pg_conn {
    pg_state *st;
    PGconn *pg;
    uv_poll_t *poll; /* its own allocation: closes after the fd may be gone */
    int fd;
    int events; /* what the poll watches */
    pg_conn_status status;
    int pinned; /* a pinned connection (else shared) */
    bk_tx *tx;  /* the transaction it is lent to */
    int failed; /* the last connection attempt failed: calls fail fast until one works */
    int tcp;    /* over TCP (not a unix socket): its output can be corked */
    int corked; /* TCP_CORK is on: this iteration's statements go out together */
    unsigned backoff_ms;
    uv_timer_t *retry; /* reconnect timer, its own allocation */
    pg_expect *fifo;   /* ring of expected results */
    size_t head, count, cap;
    pg_stmt stmts[PG_STMT_CACHE];
    int nstmts;
};

struct pg_state {
    bk_db *db;
    uv_loop_t *loop;
    bk__pool_port *blocking; /* for PQcancel, which blocks (libpq < 17) */
    uv_prepare_t *uncork;    /* before the loop polls: sends what the iteration corked */
    char *conninfo;
    int nshared, npinned_max;
    pg_conn *shared;                  /* nshared */
    pg_conn *pinned;                  /* npinned_max, opened on demand */
    pg_call *queue_head, *queue_tail; /* shared calls waiting for a connection to be up */
    pg_call *pin_head, *pin_tail;     /* BEGINs waiting for a free pinned connection */
    size_t inflight;                  /* calls not finished, queued ones included */
    int draining;
    long statement_timeout_ms;
    /* What a pinned connection is lent to once its task has left (and freed its bk_tx) while
     * the connection still ends the transaction: nobody's, but not free yet. */
    bk_tx orphan;
};

/* ---- pg_conn.c ---- */

/* Starts connecting `c` (a reconnect when it was up before). */
void bk__pg_conn_start(pg_conn *c);
/* Closes `c` for good (server stop): in-flight calls fail with BK_ECANCELED. */
void bk__pg_conn_close(pg_conn *c);
/* Pushes buffered output to the server; watches for writability while some remains. A failed
 * connection is torn down (its calls fail with BK_ECONNRESET). */
void bk__pg_conn_flush(pg_conn *c);
/* The connection broke: fail what is in flight with `err`, and reconnect with backoff. */
void bk__pg_conn_fail(pg_conn *c, int err, const char *why);
/* Holds `c`'s output in the kernel until the loop is about to poll (see pg_conn.c). */
void bk__pg_conn_cork(pg_conn *c);
/* Sets up / closes the state's uncork handle. */
int bk__pg_uncork_init(pg_state *st);
void bk__pg_uncork_close(pg_state *st);
/* Appends an expected result. Returns 0 or BK_ENOMEM. */
int bk__pg_expect(pg_conn *c, pg_expect e);

/* ---- pg.c and pg_result.c, called by pg_conn.c ---- */

/* `c` became ready: send the setup statements, then queued calls. */
void bk__pg_conn_ready(pg_conn *c);
/* Reads every complete result available on `c`. */
void bk__pg_conn_read(pg_conn *c);
/* `c` went down: fail what waits for it when nothing else can take it. */
void bk__pg_conn_down(pg_conn *c);
/* Statement `index` of `call` is answered (its rows set, or an error). */
void bk__pg_statement_done(pg_call *call, int index);
/* Fails a call that was on a broken connection (or queued when it failed). */
void bk__pg_call_fail(pg_call *call, int err);
/* Frees the prepared-statement cache of `c` (a new session has none). */
void bk__pg_conn_forget_stmts(pg_conn *c);

#endif
