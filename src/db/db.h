/* Databases: what the public bk_db / bk_tx / bk_rows API (db.c, rows.c) shares with the
 * backends (pg.c for PostgreSQL, sqlite.c for SQLite).
 *
 * A bk_db belongs to the app and registers one subsystem: on every worker its backend opens a
 * per-worker state (connections, threads) on the worker's loop, found again through
 * sched->services[BK__SVC_DB]. An awaiting call fills a bk__db_query on the caller's stack,
 * hands it to the backend and suspends on its op; the backend completes the op once every
 * statement has a result. A cancelled task's query is detached from the task by the backend's
 * cancel hook, which must leave nothing pointing into the task's memory: the backend owns what
 * it still needs until the server answers (results are then dropped). */
#ifndef BK_DB_DB_H
#define BK_DB_DB_H

#include "app/app.h"
#include "await/task.h"
#include "brisk.h"

typedef struct bk__db_query bk__db_query;

/* What a query asks of the connection it runs on. */
typedef enum bk__db_pin {
    BK__DB_SHARED, /* any connection; on PostgreSQL pipelined with other tasks' queries */
    BK__DB_BEGIN,  /* pins a connection for a new transaction: q->tx gets it */
    BK__DB_IN_TX,  /* runs on q->tx's connection */
    BK__DB_END,    /* COMMIT / ROLLBACK on q->tx's connection, then unpins it */
} bk__db_pin;

/* One call's worth of statements, in flight. Lives in the awaiting function's frame. */
struct bk__db_query {
    bk__op op; /* first: the cancel hook gets the query from it */
    bk_db *db;
    int n;                   /* statements */
    const bk_db_stmt *stmts; /* valid until the op completes or is cancelled */
    bk_rows **rows;          /* out: one per statement, set by the backend */
    bk__db_pin pin;
    bk_tx *tx;          /* BK__DB_IN_TX / BK__DB_END: the transaction; BEGIN: set here */
    void *state;        /* the worker's state of `db` */
    int submitted;      /* the backend took it */
    void *backend_call; /* the backend's record of it, for cancel */
    int result;         /* 0, BK_EQUERY, BK_ECONNREFUSED...: what op completes with */
};

/* A transaction: the backend's pinned connection, released by COMMIT or ROLLBACK, or by the
 * task's cleanup when its function returns without either. */
struct bk_tx {
    bk__cleanup cleanup; /* first: the cleanup gets the transaction from it */
    bk_db *db;
    void *conn; /* the backend's pinned connection, set by a BK__DB_BEGIN query */
};

typedef struct bk__db_backend {
    const char *kind; /* "postgresql", "sqlite" */
    /* Checks the URL once, when the app declares the database. 0 or BK_EINVAL (logged). */
    int (*check_url)(const char *url);
    /* Opens the worker's state on the scheduler's loop (connections may still be connecting);
     * sched->blocking is the worker's thread pool, for blocking calls of the backend's own. */
    int (*open)(bk_db *db, bk__sched *sched, void **state);
    /* Graceful stop: finish in-flight queries, take no more; busy() says when idle. */
    void (*drain)(void *state);
    int (*busy)(void *state);
    /* Frees the state; handles it closes are waited for by the loop. */
    void (*close)(void *state);
    /* Takes `q`: completes q->op later (or at once) with q->result. Returns 0, or an error
     * (nothing taken, nothing set) such as BK_ECONNREFUSED or BK_EAGAIN (queue full). */
    int (*submit)(void *state, bk__db_query *q);
    /* The task awaiting `q` is cancelled or timed out: BK__CANCEL_DETACH or BK__CANCEL_WAIT.
     * A BK__DB_BEGIN or BK__DB_END query that is cancelled releases its pinned connection. */
    int (*cancel)(void *state, bk__db_query *q);
    /* A transaction ends without its COMMIT or ROLLBACK reaching the backend (the task was
     * cancelled first): roll it back without a waiter and release the connection. */
    void (*release)(void *state, bk_tx *tx);
} bk__db_backend;

struct bk_db {
    const bk__db_backend *backend;
    char *url;
    int index; /* among the app's databases: its slot in the worker's table */
    bk_db *next;
};

extern const bk__db_backend bk__pg_backend;
extern const bk__db_backend bk__sqlite_backend;

/* Frees the app's databases (bk_app_free). */
void bk__db_free_all(bk_app *app);
/* The worker's state of `db` for a query of `task`, or NULL when the worker has none. */
void *bk__db_state(const bk_task *task, const bk_db *db);

/* ---- result building (rows.c), for the backends ---- */

/* A result with `ncols` columns and no rows yet; NULL when out of memory. */
bk_rows *bk__rows_new(int ncols);
/* A failed query's result: the message and SQLSTATE (5 characters, or NULL). */
bk_rows *bk__rows_error(const char *message, const char *sqlstate);
/* Names column `col`. Returns 0 or BK_ENOMEM. */
int bk__rows_set_name(bk_rows *r, int col, const char *name, size_t len);
/* Appends a row of NULLs. Returns 0 or BK_ENOMEM. */
int bk__rows_add_row(bk_rows *r);
/* Sets a value of the last row from the database's text for it: the type says how to read it
 * (an INT that does not parse is refused with BK_EINVAL: the server sent nonsense). Returns 0,
 * BK_EINVAL, or BK_ENOMEM. */
int bk__rows_set_text(bk_rows *r, int col, bk_db_type type, const char *text, size_t len);
/* Sets a value of the last row from a typed value (SQLite's), with `text` its printed form. */
int bk__rows_set_typed(bk_rows *r, int col, bk_db_type type, int64_t i, double f, const char *text,
                       size_t len);
/* Records rows changed by the statement. */
void bk__rows_set_affected(bk_rows *r, int64_t n);

#endif
