/* Unit tests of the SQLite backend through the public query API, on a plain libuv loop: a bare
 * worker struct carries the scheduler and the app, and the database subsystem is set up on it
 * as a worker would (its init and close), on real database files in a temporary directory. */
#include "app/app.h"
#include "brisk.h"
#include "check.h"
#include "looptask.h"
#include "db/db.h"
#include "loop/worker.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bk__worker w; /* only its loop, scheduler and app */
static bk_app *app;
static bk_db *db;
static void *db_state;
static char dir[] = "/tmp/brisk-sqlite-XXXXXX";

/* A recursive count that keeps a thread busy for a while (SQLite has no sleep()). */
#define SLOW_COUNT "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) "
#define SLOW_N     3000000

/* Opens `url` (relative paths are in `dir`) on the bare worker. */
static int setup(const char *url)
{
    app = bk_app_new();
    int err = bk_db_open(app, url, &db);
    if (err) {
        bk_app_free(app);
        return err;
    }
    CHECK(uv_loop_init(&w.loop) == 0);
    CHECK(bk__sched_init(&w.sched, &w.loop, 256 * 1024) == 0);
    w.pipeline.app = app;
    const bk__subsystem *sub =
        &app->subsystems[app->nsubsystems - 1]; /* the database: the last added */
    err = sub->init(&w, sub->udata, &db_state);
    if (err)
        db_state = NULL;
    return err;
}

static void teardown(void)
{
    if (db_state)
        app->subsystems[app->nsubsystems - 1].close(db_state);
    db_state = NULL;
    CHECK(w.sched.live == 0);
    bk__sched_close(&w.sched);
    uv_run(&w.loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&w.loop) == 0);
    bk_app_free(app);
    app = NULL;
}

/* ---- tasks ---- */

/* Runs fn as a task to its end. */
static void run_task(void (*fn)(bk_task *t, void *arg), void *arg)
{
    looptask r;
    looptask_start(&w.sched, &r, fn, arg);
    looptask_wait(&w.loop, &r);
}

/* Runs `sql` and checks it succeeded; returns its rows (free them). */
static bk_rows *ok_query(bk_task *t, const char *sql, int n, const bk_db_value *p)
{
    bk_rows *rows = NULL;
    int err = bk_db_query(t, db, sql, n, p, &rows);
    if (err)
        fprintf(stderr, "query '%s': %s (%s)\n", sql, bk_strerror(err), bk_rows_error(rows));
    CHECK(err == 0);
    return rows;
}

static void exec_ok(bk_task *t, const char *sql)
{
    bk_rows_free(ok_query(t, sql, 0, NULL));
}

static int64_t count_rows(bk_task *t, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    bk_rows *rows = ok_query(t, sql, 0, NULL);
    int64_t n = -1;
    CHECK(bk_rows_int(rows, 0, 0, &n) == 0);
    bk_rows_free(rows);
    return n;
}

/* ---- results and parameters ---- */

static void typed_results(bk_task *t, void *arg)
{
    (void)arg;
    exec_ok(t, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
               "price REAL, qty INTEGER CHECK (qty >= 0), note TEXT, data BLOB)");
    bk_db_value p[] = {BK_DB_TEXTV("apple"), BK_DB_FLOATV(1.5), BK_DB_INTV(3), BK_DB_NULLV};
    bk_rows *rows =
        ok_query(t,
                 "INSERT INTO items (name, price, qty, note, data) VALUES ($1, $2, $3, $4, "
                 "x'610062') RETURNING id",
                 4, p);
    CHECK(bk_rows_affected(rows) == 1);
    CHECK(bk_rows_count(rows) == 1);
    int64_t id = 0;
    CHECK(bk_rows_int(rows, 0, 0, &id) == 0 && id == 1);
    bk_rows_free(rows);

    rows = ok_query(t, "SELECT id, name, price, qty, note, data FROM items", 0, NULL);
    CHECK(bk_rows_count(rows) == 1 && bk_rows_columns(rows) == 6);
    CHECK(bk_rows_affected(rows) == 0); /* not the INSERT's count */
    CHECK_STREQ(bk_rows_name(rows, 1), "name");
    CHECK(bk_rows_column(rows, "qty") == 3);
    CHECK(bk_rows_column(rows, "nope") == BK_ENOENT);
    CHECK(bk_rows_type(rows, 0, 0) == BK_DB_INT);
    CHECK(bk_rows_type(rows, 0, 1) == BK_DB_TEXT);
    CHECK(bk_rows_type(rows, 0, 2) == BK_DB_FLOAT);
    CHECK(bk_rows_type(rows, 0, 4) == BK_DB_NULL);
    CHECK_STREQ(bk_rows_text(rows, 0, bk_rows_column(rows, "name"), NULL), "apple");
    double f = 0;
    CHECK(bk_rows_float(rows, 0, 2, &f) == 0 && f == 1.5);
    CHECK_STREQ(bk_rows_text(rows, 0, 2, NULL), "1.5");
    CHECK_STREQ(bk_rows_text(rows, 0, 3, NULL), "3");
    CHECK(bk_rows_text(rows, 0, 4, NULL) == NULL);
    int64_t i;
    CHECK(bk_rows_int(rows, 0, 4, &i) == BK_ENOENT);
    size_t len = 0;
    const char *blob = bk_rows_text(rows, 0, 5, &len); /* a BLOB's bytes, as TEXT */
    CHECK(bk_rows_type(rows, 0, 5) == BK_DB_TEXT && len == 3 && memcmp(blob, "a\0b", 3) == 0);
    bk_rows_free(rows);

    rows = ok_query(t, "SELECT * FROM items WHERE id = 42", 0, NULL);
    CHECK(bk_rows_count(rows) == 0 && bk_rows_columns(rows) == 6);
    bk_rows_free(rows);
}

static void params_of_every_type(bk_task *t, void *arg)
{
    (void)arg;
    bk_db_value p[] = {BK_DB_INTV(-9007199254740993LL),
                       BK_DB_FLOATV(0.25),
                       BK_DB_TEXTV("héllo"),
                       BK_DB_BOOLV(7),
                       BK_DB_NULLV,
                       (bk_db_value){.type = BK_DB_TEXT, .s = "abcdef", .len = 3}};
    bk_rows *rows = ok_query(t, "SELECT $1, $2, $3, $4, $5, $6, $1 = $1 AS same, typeof($6)", 6, p);
    int64_t i = 0;
    CHECK(bk_rows_int(rows, 0, 0, &i) == 0 && i == -9007199254740993LL);
    double f = 0;
    CHECK(bk_rows_float(rows, 0, 1, &f) == 0 && f == 0.25);
    CHECK_STREQ(bk_rows_text(rows, 0, 2, NULL), "héllo");
    int b = 0;
    CHECK(bk_rows_bool(rows, 0, 3, &b) == 0 && b == 1);
    CHECK(bk_rows_type(rows, 0, 4) == BK_DB_NULL);
    CHECK_STREQ(bk_rows_text(rows, 0, 5, NULL), "abc");
    CHECK(bk_rows_int(rows, 0, 6, &i) == 0 && i == 1); /* $1 twice in one statement */
    CHECK_STREQ(bk_rows_text(rows, 0, 7, NULL), "text");
    bk_rows_free(rows);

    /* out of order; and ?NNN, which is SQLite's spelling of the same */
    bk_db_value q[] = {BK_DB_INTV(1), BK_DB_INTV(2)};
    rows = ok_query(t, "SELECT $2 - $1", 2, q);
    CHECK(bk_rows_int(rows, 0, 0, &i) == 0 && i == 1);
    bk_rows_free(rows);
    rows = ok_query(t, "SELECT ?2, ?1", 2, q);
    CHECK(bk_rows_int(rows, 0, 0, &i) == 0 && i == 2);
    bk_rows_free(rows);

    /* a parameter the call does not give, and one brisk does not bind */
    rows = NULL;
    CHECK(bk_db_query(t, db, "SELECT $3", 2, q, &rows) == BK_EQUERY);
    CHECK_STREQ(bk_rows_sqlstate(rows), "08P01");
    bk_rows_free(rows);
    rows = NULL;
    CHECK(bk_db_query(t, db, "SELECT :name", 2, q, &rows) == BK_EQUERY);
    bk_rows_free(rows);
}

static void check_error(bk_task *t, const char *sql, int n, const bk_db_value *p,
                        const char *sqlstate)
{
    bk_rows *rows = NULL;
    int err = bk_db_query(t, db, sql, n, p, &rows);
    CHECK(err == BK_EQUERY);
    if (err != BK_EQUERY || !bk_rows_sqlstate(rows) ||
        strcmp(bk_rows_sqlstate(rows), sqlstate) != 0)
        fprintf(stderr, "'%s': %s %s, wanted %s\n", sql, bk_rows_sqlstate(rows),
                bk_rows_error(rows), sqlstate);
    CHECK_STREQ(bk_rows_sqlstate(rows), sqlstate);
    CHECK(bk_rows_error(rows) != NULL);
    bk_rows_free(rows);
}

static void errors(bk_task *t, void *arg)
{
    (void)arg;
    exec_ok(t, "CREATE TABLE parent (id INTEGER PRIMARY KEY)");
    exec_ok(t, "CREATE TABLE child (id INTEGER PRIMARY KEY, "
               "parent INTEGER NOT NULL REFERENCES parent(id), n INTEGER CHECK (n > 0))");
    exec_ok(t, "INSERT INTO parent VALUES (1)");
    check_error(t, "INSERT INTO parent VALUES (1)", 0, NULL, "23505");
    check_error(t, "INSERT INTO child (parent) VALUES (NULL)", 0, NULL, "23502");
    check_error(t, "INSERT INTO child (parent) VALUES (2)", 0, NULL, "23503"); /* foreign_keys */
    check_error(t, "INSERT INTO child (parent, n) VALUES (1, 0)", 0, NULL, "23514");
    check_error(t, "SELEKT 1", 0, NULL, "42601");
    check_error(t, "SELECT * FROM nowhere", 0, NULL, "42P01");
    check_error(t, "SELECT nocolumn FROM parent", 0, NULL, "42703");
    check_error(t, "SELECT 1; SELECT 2", 0, NULL, "42601");
    check_error(t, "BEGIN", 0, NULL, "25000"); /* transactions take bk_db_begin */
    CHECK(count_rows(t, "parent") == 1);       /* and the writer is not left in one */
    exec_ok(t, "INSERT INTO parent VALUES (2)");
}

static void query_many(bk_task *t, void *arg)
{
    (void)arg;
    exec_ok(t, "CREATE TABLE m (k TEXT PRIMARY KEY)");
    bk_db_value a = BK_DB_TEXTV("a");
    bk_db_stmt stmts[] = {{"INSERT INTO m VALUES ($1)", 1, &a},
                          {"INSERT INTO m VALUES ($1)", 1, &a},
                          {"SELECT count(*) AS n FROM m", 0, NULL}};
    bk_rows *rows[3];
    CHECK(bk_db_query_many(t, db, 3, stmts, rows) == BK_EQUERY);
    CHECK(bk_rows_error(rows[0]) == NULL && bk_rows_affected(rows[0]) == 1);
    CHECK_STREQ(bk_rows_sqlstate(rows[1]), "23505");
    int64_t n = 0;
    CHECK(bk_rows_int(rows[2], 0, bk_rows_column(rows[2], "n"), &n) == 0 && n == 1);
    for (int i = 0; i < 3; i++)
        bk_rows_free(rows[i]);

    bk_db_stmt reads[] = {{"SELECT 1", 0, NULL}, {"SELECT 2", 0, NULL}};
    CHECK(bk_db_query_many(t, db, 2, reads, rows) == 0);
    CHECK_STREQ(bk_rows_text(rows[1], 0, 0, NULL), "2");
    bk_rows_free(rows[0]);
    bk_rows_free(rows[1]);

    /* a WITH that writes is sent to a reader first, which hands it to the writer */
    bk_rows *r = ok_query(t, "WITH v(k) AS (VALUES ('b')) INSERT INTO m SELECT k FROM v", 0, NULL);
    CHECK(bk_rows_affected(r) == 1);
    bk_rows_free(r);
    CHECK(count_rows(t, "m") == 2);
    /* UPDATE of no row: 0, not the count of the last INSERT */
    r = ok_query(t, "UPDATE m SET k = 'z' WHERE k = 'nope'", 0, NULL);
    CHECK(bk_rows_affected(r) == 0);
    bk_rows_free(r);
    r = ok_query(t, "DELETE FROM m", 0, NULL);
    CHECK(bk_rows_affected(r) == 2);
    bk_rows_free(r);
}

/* ---- transactions ---- */

static void transactions(bk_task *t, void *arg)
{
    (void)arg;
    exec_ok(t, "CREATE TABLE acct (id INTEGER PRIMARY KEY, n INTEGER)");
    bk_tx *tx = NULL;
    CHECK(bk_db_begin(t, db, &tx) == 0 && tx);
    bk_rows *rows = NULL;
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (1, 10)", 0, NULL, &rows) == 0);
    bk_rows_free(rows);
    CHECK(count_rows(t, "acct") == 0); /* a reader does not see it yet */
    CHECK(bk_tx_query(t, tx, "SELECT count(*) FROM acct", 0, NULL, &rows) == 0);
    int64_t n = 0;
    CHECK(bk_rows_int(rows, 0, 0, &n) == 0 && n == 1); /* the transaction does */
    bk_rows_free(rows);
    CHECK(bk_tx_commit(t, tx) == 0);
    CHECK(count_rows(t, "acct") == 1);

    CHECK(bk_db_begin(t, db, &tx) == 0);
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (2, 20)", 0, NULL, &rows) == 0);
    bk_rows_free(rows);
    CHECK(bk_tx_rollback(t, tx) == 0);
    CHECK(count_rows(t, "acct") == 1);

    /* a failed statement aborts the transaction, as on PostgreSQL */
    CHECK(bk_db_begin(t, db, &tx) == 0);
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (3, 30)", 0, NULL, &rows) == 0);
    bk_rows_free(rows);
    rows = NULL;
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (1, 0)", 0, NULL, &rows) == BK_EQUERY);
    CHECK_STREQ(bk_rows_sqlstate(rows), "23505");
    bk_rows_free(rows);
    rows = NULL;
    CHECK(bk_tx_query(t, tx, "SELECT 1", 0, NULL, &rows) == BK_EQUERY);
    CHECK_STREQ(bk_rows_sqlstate(rows), "25P02");
    bk_rows_free(rows);
    CHECK(bk_tx_commit(t, tx) == BK_EQUERY);
    CHECK(count_rows(t, "acct") == 1);
}

static void leave_tx_open(bk_task *t, void *arg)
{
    (void)arg;
    bk_tx *tx = NULL;
    CHECK(bk_db_begin(t, db, &tx) == 0);
    bk_rows *rows = NULL;
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (4, 40)", 0, NULL, &rows) == 0);
    bk_rows_free(rows);
    /* returns with it open: the task's cleanup rolls it back */
}

static void after_open_tx(bk_task *t, void *arg)
{
    (void)arg;
    CHECK(count_rows(t, "acct") == 1);
    bk_tx *tx = NULL; /* and the writer is free again */
    CHECK(bk_db_begin(t, db, &tx) == 0);
    CHECK(bk_tx_commit(t, tx) == 0);
}

/* ---- concurrency: readers beside the writer, and cancellation ---- */

typedef struct timed {
    const char *sql;
    int result;
} timed;

static void timed_query(bk_task *t, void *arg)
{
    timed *q = arg;
    bk_rows *rows = NULL;
    q->result = bk_db_query(t, db, q->sql, 0, NULL, &rows);
    bk_rows_free(rows);
}

static char slow_write[256], slow_read[256];

static void readers_beside_writer(void)
{
    timed wq = {slow_write, 1}, rq = {"SELECT count(*) FROM acct", 1};
    looptask a, b;
    uint64_t t0 = looptask_now_ms();
    looptask_start(&w.sched, &a, timed_query, &wq);
    looptask_start(&w.sched, &b, timed_query, &rq);
    looptask_wait(&w.loop, &b);
    looptask_wait(&w.loop, &a);
    CHECK(wq.result == 0 && rq.result == 0);
    fprintf(stderr, "slow write %llu ms, read beside it %llu ms\n",
            (unsigned long long)(a.done_ms - t0), (unsigned long long)(b.done_ms - t0));
    CHECK(b.done_ms < a.done_ms); /* the read did not wait for the write */
}

/* A timer that cancels a task, as a client leaving would. */
typedef struct canceller {
    uv_timer_t timer;
    bk_task *task;
} canceller;

static void on_cancel_timer(uv_timer_t *h)
{
    canceller *c = h->data;
    bk__task_cancel(c->task, BK_ECANCELED);
    uv_close((uv_handle_t *)h, NULL);
}

static void cancel_after(canceller *c, bk_task *t, uint64_t ms)
{
    c->task = t;
    uv_timer_init(&w.loop, &c->timer);
    c->timer.data = c;
    uv_timer_start(&c->timer, on_cancel_timer, ms, 0);
}

static void cancellation(void)
{
    /* queued behind a slow write: dropped, the task resumes at once */
    timed wq = {slow_write, 1}, queued = {"INSERT INTO acct VALUES (50, 0)", 1};
    looptask a, b;
    canceller c;
    looptask_start(&w.sched, &a, timed_query, &wq);
    looptask_start(&w.sched, &b, timed_query, &queued);
    uint64_t t0 = looptask_now_ms();
    cancel_after(&c, &b.task, 20);
    looptask_wait(&w.loop, &b);
    CHECK(queued.result == BK_ECANCELED);
    CHECK(!a.done);
    looptask_wait(&w.loop, &a);
    CHECK(wq.result == 0);
    fprintf(stderr, "queued job cancelled after %llu ms\n", (unsigned long long)(b.done_ms - t0));

    /* running on a reader: the task waits for it, and gets BK_ECANCELED */
    timed rq = {slow_read, 1};
    looptask_start(&w.sched, &a, timed_query, &rq);
    cancel_after(&c, &a.task, 20);
    looptask_wait(&w.loop, &a);
    CHECK(rq.result == BK_ECANCELED);
}

static void count_acct_50(bk_task *t, void *arg)
{
    (void)arg;
    bk_rows *rows = ok_query(t, "SELECT count(*) FROM acct WHERE id = 50", 0, NULL);
    int64_t n = -1;
    CHECK(bk_rows_int(rows, 0, 0, &n) == 0 && n == 0); /* the dropped INSERT never ran */
    bk_rows_free(rows);
}

/* A transaction's slow statement is interrupted when its task is cancelled; the transaction is
 * rolled back and the writer serves others. */
static void slow_in_tx(bk_task *t, void *arg)
{
    int *result = arg;
    bk_tx *tx = NULL;
    CHECK(bk_db_begin(t, db, &tx) == 0);
    bk_rows *rows = NULL;
    CHECK(bk_tx_query(t, tx, "INSERT INTO acct VALUES (60, 0)", 0, NULL, &rows) == 0);
    bk_rows_free(rows);
    rows = NULL;
    *result = bk_tx_query(t, tx, slow_write, 0, NULL, &rows);
    CHECK(rows == NULL);
    /* returns with the transaction open: rolled back by the task's cleanup */
}

static void cancel_in_tx(void)
{
    int result = 1;
    looptask a;
    canceller c;
    uint64_t t0 = looptask_now_ms();
    looptask_start(&w.sched, &a, slow_in_tx, &result);
    cancel_after(&c, &a.task, 30);
    looptask_wait(&w.loop, &a);
    CHECK(result == BK_ECANCELED);
    uint64_t took = a.done_ms - t0;
    fprintf(stderr, "transaction cancelled mid-statement after %llu ms\n",
            (unsigned long long)took);
    run_task(after_open_tx, NULL); /* no row 60, and the writer is free */
}

static void hold_tx(bk_task *t, void *arg)
{
    (void)arg;
    bk_tx *tx = NULL;
    CHECK(bk_db_begin(t, db, &tx) == 0);
    bk_task_sleep(t, 600);
    CHECK(bk_tx_rollback(t, tx) == 0);
}

/* A write outside a transaction that holds the writer waits, then fails after the busy timeout
 * (instead of waiting forever for a task that may be waiting for it). */
static void pinned_writer_times_out(void)
{
    looptask a, b;
    timed wq = {"INSERT INTO acct VALUES (70, 0)", 1};
    looptask_start(&w.sched, &a, hold_tx, NULL);
    looptask_start(&w.sched, &b, timed_query, &wq);
    looptask_wait(&w.loop, &b);
    CHECK(wq.result == BK_EQUERY);
    CHECK(!a.done);
    looptask_wait(&w.loop, &a);
}

static void memory_db(bk_task *t, void *arg)
{
    (void)arg;
    exec_ok(t, "CREATE TABLE t (x)");
    exec_ok(t, "INSERT INTO t VALUES (1)");
    CHECK(count_rows(t, "t") == 1); /* the same (only) connection sees it */
}

int main(void)
{
    CHECK(mkdtemp(dir) != NULL);
    CHECK(chdir(dir) == 0);
    snprintf(slow_write, sizeof(slow_write),
             "INSERT INTO acct " SLOW_COUNT "SELECT -x, x FROM c WHERE x < 0", SLOW_N);
    snprintf(slow_read, sizeof(slow_read), SLOW_COUNT "SELECT count(*) FROM c", SLOW_N);

    CHECK(setup("sqlite:///test.db?busy_timeout=200") == 0);
    run_task(typed_results, NULL);
    run_task(params_of_every_type, NULL);
    run_task(errors, NULL);
    run_task(query_many, NULL);
    run_task(transactions, NULL);
    run_task(leave_tx_open, NULL);
    run_task(after_open_tx, NULL);
    teardown();

    CHECK(setup("sqlite:///test.db?readers=2") == 0); /* again: the file persists */
    run_task(after_open_tx, NULL);
    teardown();

    CHECK(setup("sqlite:///slow.db?busy_timeout=300") == 0);
    run_task(transactions, NULL);
    readers_beside_writer();
    cancellation();
    run_task(count_acct_50, NULL);
    cancel_in_tx();
    pinned_writer_times_out();
    teardown();

    CHECK(setup("sqlite://:memory:") == 0);
    run_task(memory_db, NULL);
    teardown();

    /* URLs brisk refuses, and a file that cannot be opened */
    bk_app *a = bk_app_new();
    bk_db *d = NULL;
    CHECK(bk_db_open(a, "sqlite://host/x.db", &d) == BK_EINVAL);
    CHECK(bk_db_open(a, "sqlite:///x.db?readers=lots", &d) == BK_EINVAL);
    CHECK(bk_db_open(a, "sqlite:///x.db?color=red", &d) == BK_EINVAL);
    CHECK(bk_db_open(a, "sqlite:///x.db?readers=3", &d) == 0 &&
          strcmp(bk_db_kind(d), "sqlite") == 0);
    bk_app_free(a);
    CHECK(setup("sqlite:////nonexistent-dir/x.db") != 0);
    teardown();

    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_result("test_sqlite");
}
