/* Databases: declaring one on the app, its per-worker states, and the awaiting query calls.
 * The backends (pg.c, sqlite.c) do the talking; see db.h. */
#include "db/db.h"
#include "loop/worker.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_URL "sqlite:///brisk.db"

/* The worker's table of database states, one slot per database of the app, reached by queries
 * through sched->services[BK__SVC_DB]. */
typedef struct db_slots {
    int open; /* slots filled */
    void *state[];
} db_slots;

/* The subsystem state of one database on one worker. */
typedef struct db_worker {
    bk_db *db;
    bk__sched *sched;
    void *state; /* the backend's */
} db_worker;

/* The backends brisk is built with, by URL scheme. */
static const bk__db_backend *const backends[] = {
    &bk__pg_backend, &bk__sqlite_backend, NULL, /* keeps the table non-empty */
};

static const bk__db_backend *backend_for(const char *url)
{
    if (strncmp(url, "postgres://", 11) == 0)
        return &bk__pg_backend;
    for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
        if (!backends[i])
            continue;
        size_t n = strlen(backends[i]->kind);
        if (strncmp(url, backends[i]->kind, n) == 0 && strncmp(url + n, "://", 3) == 0)
            return backends[i];
    }
    return NULL;
}

static int db_worker_init(bk__worker *w, void *udata, void **state)
{
    bk_db *db = udata;
    db_slots *slots = w->sched.services[BK__SVC_DB];
    if (!slots) {
        int n = w->pipeline.app->ndbs;
        slots = calloc(1, sizeof(*slots) + (size_t)n * sizeof(void *));
        if (!slots)
            return BK_ENOMEM;
        w->sched.services[BK__SVC_DB] = slots;
    }
    db_worker *dw = calloc(1, sizeof(*dw));
    int err = dw ? db->backend->open(db, &w->sched, &dw->state) : BK_ENOMEM;
    if (err) {
        bk__log(BK_LOG_ERROR, "worker %d cannot set up its %s database: %s", w->id,
                db->backend->kind, bk_strerror(err));
        free(dw);
        if (!slots->open) {
            free(slots);
            w->sched.services[BK__SVC_DB] = NULL;
        }
        return err;
    }
    dw->db = db;
    dw->sched = &w->sched;
    slots->state[db->index] = dw->state;
    slots->open++;
    *state = dw;
    return 0;
}

static void db_worker_drain(void *state)
{
    db_worker *dw = state;
    if (dw->db->backend->drain)
        dw->db->backend->drain(dw->state);
}

static int db_worker_busy(void *state)
{
    db_worker *dw = state;
    return dw->db->backend->busy ? dw->db->backend->busy(dw->state) : 0;
}

static void db_worker_close(void *state)
{
    db_worker *dw = state;
    db_slots *slots = dw->sched->services[BK__SVC_DB];
    dw->db->backend->close(dw->state);
    slots->state[dw->db->index] = NULL;
    if (--slots->open == 0) {
        free(slots);
        dw->sched->services[BK__SVC_DB] = NULL;
    }
    free(dw);
}

void *bk__db_state(const bk_task *task, const bk_db *db)
{
    const db_slots *slots = task->sched->services[BK__SVC_DB];
    return slots ? slots->state[db->index] : NULL;
}

int bk_db_open(bk_app *app, const char *url, bk_db **out)
{
    if (!app || !out)
        return BK_EINVAL;
    *out = NULL;
    if (!url)
        url = getenv("DATABASE_URL");
    if (!url || !*url)
        url = DEFAULT_URL;
    const bk__db_backend *be = backend_for(url);
    if (!be) {
        bk__log(BK_LOG_ERROR, "database URL '%s': brisk knows postgresql:// and sqlite://", url);
        return BK_EINVAL;
    }
    if (be->check_url && be->check_url(url) != 0)
        return BK_EINVAL;
    bk_db *db = calloc(1, sizeof(*db));
    if (!db || !(db->url = strdup(url))) {
        free(db);
        return BK_ENOMEM;
    }
    db->backend = be;
    db->index = app->ndbs;
    bk__subsystem sub = {.name = be->kind,
                         .init = db_worker_init,
                         .drain = db_worker_drain,
                         .busy = db_worker_busy,
                         .close = db_worker_close,
                         .udata = db};
    int err = bk__app_add_subsystem(app, &sub);
    if (err) {
        free(db->url);
        free(db);
        return err;
    }
    db->next = app->dbs;
    app->dbs = db;
    app->ndbs++;
    *out = db;
    return 0;
}

void bk__db_free_all(bk_app *app)
{
    for (bk_db *db = app->dbs, *next; db; db = next) {
        next = db->next;
        free(db->url);
        free(db);
    }
    app->dbs = NULL;
    app->ndbs = 0;
}

const char *bk_db_kind(const bk_db *db)
{
    return db ? db->backend->kind : NULL;
}

/* ---- queries ---- */

static int cancel_query(bk__op *op)
{
    bk__db_query *q = (bk__db_query *)op;
    return q->db->backend->cancel(q->state, q);
}

/* Hands `q` to the worker's backend and waits for it. */
static int run(bk_task *task, bk__db_query *q)
{
    for (int i = 0; i < q->n; i++) /* set on every path: callers free them unconditionally */
        q->rows[i] = NULL;
    int err = bk__task_may_await(task);
    if (err)
        return err;
    q->state = bk__db_state(task, q->db);
    if (!q->state)
        return BK_EINVAL; /* a task outside a worker that serves this app */
    q->result = 0;
    q->op = (bk__op){0};
    err = q->db->backend->submit(q->state, q);
    if (err)
        return err;
    q->submitted = 1;
    return bk__task_await(task, &q->op, cancel_query);
}

int bk_db_query_many(bk_task *task, bk_db *db, int n, const bk_db_stmt *stmts, bk_rows **rows)
{
    if (!db || n < 1 || !stmts || !rows)
        return BK_EINVAL;
    bk__db_query q = {.db = db, .n = n, .stmts = stmts, .rows = rows, .pin = BK__DB_SHARED};
    return run(task, &q);
}

int bk_db_query(bk_task *task, bk_db *db, const char *sql, int nparams, const bk_db_value *params,
                bk_rows **rows)
{
    if (!sql || nparams < 0 || (nparams && !params) || !rows)
        return BK_EINVAL;
    bk_db_stmt st = {sql, nparams, params};
    return bk_db_query_many(task, db, 1, &st, rows);
}

/* Ends the transaction with `sql` (COMMIT or ROLLBACK) and frees it. */
static int end_tx(bk_task *task, bk_tx *tx, const char *sql)
{
    bk_db_stmt st = {sql, 0, NULL};
    bk_rows *rows = NULL;
    bk__db_query q = {
        .db = tx->db, .n = 1, .stmts = &st, .rows = &rows, .pin = BK__DB_END, .tx = tx};
    bk__task_remove_cleanup(task, &tx->cleanup);
    int err = run(task, &q);
    if (!q.submitted) { /* cancelled before it could be sent: the backend ends it itself */
        void *state = bk__db_state(task, tx->db);
        if (state)
            tx->db->backend->release(state, tx);
    }
    bk_rows_free(rows);
    free(tx);
    return err;
}

/* The task returned with the transaction open: roll it back (shielded, see bk__cleanup). */
static void rollback_on_exit(bk_task *task, bk__cleanup *c)
{
    bk_tx *tx = (bk_tx *)c;
    bk__task_add_cleanup(task, &tx->cleanup); /* end_tx takes it off again */
    end_tx(task, tx, "ROLLBACK");
}

int bk_db_begin(bk_task *task, bk_db *db, bk_tx **out)
{
    if (!db || !out)
        return BK_EINVAL;
    *out = NULL;
    bk_tx *tx = calloc(1, sizeof(*tx));
    if (!tx)
        return BK_ENOMEM;
    tx->db = db;
    tx->cleanup.run = rollback_on_exit;
    bk_db_stmt st = {"BEGIN", 0, NULL};
    bk_rows *rows = NULL;
    bk__db_query q = {.db = db, .n = 1, .stmts = &st, .rows = &rows, .pin = BK__DB_BEGIN, .tx = tx};
    int err = run(task, &q);
    bk_rows_free(rows);
    if (err) { /* the backend released any connection it had pinned */
        free(tx);
        return err;
    }
    bk__task_add_cleanup(task, &tx->cleanup);
    *out = tx;
    return 0;
}

int bk_tx_query(bk_task *task, bk_tx *tx, const char *sql, int nparams, const bk_db_value *params,
                bk_rows **rows)
{
    if (!tx || !sql || nparams < 0 || (nparams && !params) || !rows)
        return BK_EINVAL;
    bk_db_stmt st = {sql, nparams, params};
    bk__db_query q = {
        .db = tx->db, .n = 1, .stmts = &st, .rows = rows, .pin = BK__DB_IN_TX, .tx = tx};
    return run(task, &q);
}

int bk_tx_commit(bk_task *task, bk_tx *tx)
{
    return tx ? end_tx(task, tx, "COMMIT") : BK_EINVAL;
}

int bk_tx_rollback(bk_task *task, bk_tx *tx)
{
    return tx ? end_tx(task, tx, "ROLLBACK") : BK_EINVAL;
}
