/* The SQLite backend (sqlite:// URLs): the aiosqlite model, with one writer.
 *
 * SQLite is a library: a statement runs on the calling thread and blocks it, so no statement
 * ever runs on the loop. Each worker opens its own set of database threads, each owning one
 * connection: one writer (read-write, WAL) and R readers (read-only; ?readers=N, default 2;
 * ?busy_timeout=MS, default 5000).
 * Per worker rather than per process because brisk keeps no state outside a worker's struct;
 * the cost is that W workers have W writers of the same file, which take turns on SQLite's
 * file lock, waiting up to the busy timeout (5 s) for it, as separate processes would.
 *
 * Routing. A query that looks like a read (it starts with SELECT, WITH or VALUES) goes to the
 * readers' queue; the reader that takes it prepares its statements (into its cache) and asks
 * SQLite whether they only read (sqlite3_stmt_readonly, the reliable test: a WITH may end in
 * an INSERT); if one does not, the query moves on to the writer's queue. Everything else goes
 * to the writer, which runs its queue in order. WAL lets the readers run while it writes.
 *
 * Transactions pin the writer: BEGIN (run as BEGIN IMMEDIATE, so that taking the write lock
 * waits through the busy timeout instead of failing later, at the first write) makes the
 * writer take only that transaction's queries until its COMMIT or ROLLBACK. Other queries for
 * the writer wait; one that waited longer than the busy timeout fails with "database is
 * locked" (55P03) — as it would against another process's transaction, and so that a handler
 * writing outside its own open transaction gets an error instead of a deadlock. As on
 * PostgreSQL, a transaction whose statement failed is aborted: its further statements fail
 * with 25P02, and COMMIT rolls it back and fails.
 *
 * ":memory:" (sqlite://:memory: or sqlite://) is a private database of one connection, so
 * there are no readers: every query goes to the writer. Each worker has its own: with several
 * workers, run one (--workers 1) or use a file. (A shared-cache in-memory database would let
 * connections share it, but shared-cache locking fails with SQLITE_LOCKED instead of waiting
 * for the busy timeout.)
 *
 * Cancellation. A query waits in a queue as a job, which points into the awaiting task's frame
 * (its statements and parameters). A queued job of a cancelled task is dropped and the task
 * resumes at once (BK__CANCEL_DETACH). A running job cannot be taken back: its thread reads
 * the task's parameters and the task resumes only when the job is back on the loop
 * (BK__CANCEL_WAIT), its results dropped — a shared query completes, as brisk.h promises. A
 * transaction's running statement is interrupted (sqlite3_interrupt: the pinned writer runs
 * nothing else then, so the interruption cannot hit another task's statement). A cancelled
 * BEGIN that pinned the writer, a cancelled queued COMMIT/ROLLBACK, and release() all hand the
 * writer an orphaned transaction to roll back, with no job and no waiter.
 *
 * Locking: one mutex per state guards the queues, the pin and the done list; the threads hand
 * finished jobs back through a uv_async_t, sent with the mutex held (as pool.c does), so that
 * close() cannot free the handle under a thread still sending. */
#include "db/sqlite.h"
#include "util/log.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_READERS 2
#define MAX_READERS     64
#define BUSY_TIMEOUT_MS 5000

typedef enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

typedef struct sq_job sq_job;
struct sq_job {
    bk__db_query *q; /* the waiter's query (loop only): valid while the job is in `all` */
    const bk_tx *tx; /* BEGIN / IN_TX / END: the transaction, only compared on the threads */
    bk__db_pin pin;
    int n;
    const bk_db_stmt *stmts; /* the waiter's, or one of the constants below */
    int result;
    job_state state;   /* lock */
    int cancelled;     /* lock: the task is cancelled, its results are dropped */
    int pinned;        /* BEGIN: it pinned the writer (written by the writer before DONE) */
    int for_writer;    /* in (or bound for) the writer's queue */
    uint64_t since_ns; /* when it joined the writer's queue */
    sq_job *next;      /* in a queue or the done list (lock) */
    sq_job *all_prev, *all_next; /* jobs not yet handed back (loop only) */
    bk_rows *rows[];             /* results, moved to q->rows when handed back */
};

typedef struct sq_state sq_state;

typedef struct sq_thread {
    bk__sqlite_conn conn;
    uv_thread_t thread;
    int started;
    int writer;
    sq_state *st;
} sq_thread;

typedef struct sq_queue {
    sq_job *head, *tail;
} sq_queue;

struct sq_state {
    uv_mutex_t lock;
    uv_cond_t writer_work, reader_work;
    sq_queue wq, rq;       /* the writer's and the readers' queues (lock) */
    sq_queue done;         /* finished, for the loop (lock) */
    const bk_tx *pinned;   /* the transaction the writer serves (lock) */
    const bk_tx *orphaned; /* the pinned transaction lost its task: roll it back (lock) */
    sq_job *running_tx;    /* the writer's job while it is a transaction's query (lock) */
    int tx_failed;         /* a statement of the pinned transaction failed (writer only) */
    int closing;           /* lock */
    uv_async_t async;
    sq_job *all;  /* loop only */
    int nreaders; /* threads */
    int busy_ms;  /* SQLite's busy timeout, and how long a query waits for a pinned writer */
    char *path;   /* the file, or ":memory:" */
    sq_thread writer;
    sq_thread readers[];
};

static const bk_db_stmt BEGIN_STMT = {"BEGIN IMMEDIATE", 0, NULL};
static const bk_db_stmt COMMIT_STMT = {"COMMIT", 0, NULL};
static const bk_db_stmt ROLLBACK_STMT = {"ROLLBACK", 0, NULL};

/* ---- URLs ---- */

typedef struct sq_url {
    char *path; /* malloc'd */
    int readers;
    int busy_ms;
} sq_url;

/* Reads one numeric option `name`=N into `*out` when `opt` (of length `len`) is it: 1, 0 when
 * it is another option, or BK_EINVAL (logged) for a value outside [lo, hi]. */
static int int_option(const char *url, const char *opt, size_t len, const char *name, long lo,
                      long hi, int *out)
{
    size_t n = strlen(name);
    if (len <= n + 1 || strncmp(opt, name, n) != 0 || opt[n] != '=')
        return 0;
    char *end;
    long v = strtol(opt + n + 1, &end, 10);
    if (end != opt + len || v < lo || v > hi) {
        bk__log(BK_LOG_ERROR, "database URL '%s': %s must be %ld to %ld", url, name, lo, hi);
        return BK_EINVAL;
    }
    *out = (int)v;
    return 1;
}

/* Reads the query string: readers=N (threads), busy_timeout=MS. 0, or BK_EINVAL (logged). */
static int parse_options(const char *url, const char *query, sq_url *u)
{
    while (query && *query) {
        size_t len = strcspn(query, "&");
        int got = int_option(url, query, len, "readers", 0, MAX_READERS, &u->readers);
        if (!got)
            got = int_option(url, query, len, "busy_timeout", 0, 3600 * 1000, &u->busy_ms);
        if (got < 0)
            return got;
        if (!got) {
            bk__log(BK_LOG_ERROR,
                    "database URL '%s': unknown option '%.*s' (sqlite:// takes "
                    "readers=N and busy_timeout=MS)",
                    url, (int)len, query);
            return BK_EINVAL;
        }
        query += len + (query[len] == '&');
    }
    return 0;
}

/* SQLAlchemy's spelling: sqlite:///relative.db, sqlite:////absolute/path.db, and
 * sqlite://:memory: or sqlite:// for an in-memory database. 0, BK_EINVAL (logged), BK_ENOMEM. */
static int parse_url(const char *url, sq_url *u)
{
    *u = (sq_url){.readers = DEFAULT_READERS, .busy_ms = BUSY_TIMEOUT_MS};
    const char *rest = url + strlen("sqlite://");
    size_t plen = strcspn(rest, "?");
    const char *query = rest[plen] ? rest + plen + 1 : NULL;
    const char *path = rest;
    if ((plen == 8 && strncmp(rest, ":memory:", 8) == 0) || plen == 0 ||
        (plen == 9 && strncmp(rest, "/:memory:", 9) == 0)) {
        path = ":memory:";
        plen = 8;
    } else if (rest[0] == '/' && plen > 1) {
        path++; /* what follows the third slash */
        plen--;
    } else {
        bk__log(BK_LOG_ERROR,
                "database URL '%s': write sqlite:///relative/path.db, "
                "sqlite:////absolute/path.db or sqlite://:memory:",
                url);
        return BK_EINVAL;
    }
    int err = parse_options(url, query, u);
    if (err)
        return err;
    u->path = strndup(path, plen);
    return u->path ? 0 : BK_ENOMEM;
}

static int sq_check_url(const char *url)
{
    sq_url u;
    int err = parse_url(url, &u);
    free(u.path);
    return err == BK_ENOMEM ? BK_EINVAL : err;
}

/* ---- queues (lock held) ---- */

static void queue_push(sq_queue *qu, sq_job *j)
{
    j->next = NULL;
    if (qu->tail)
        qu->tail->next = j;
    else
        qu->head = j;
    qu->tail = j;
}

/* Takes `j` out of `qu`, whose element `prev` precedes it (NULL: j is the head). */
static void queue_unlink(sq_queue *qu, sq_job *prev, sq_job *j)
{
    if (prev)
        prev->next = j->next;
    else
        qu->head = j->next;
    if (qu->tail == j)
        qu->tail = prev;
    j->next = NULL;
}

static int queue_remove(sq_queue *qu, sq_job *j)
{
    for (sq_job *prev = NULL, *it = qu->head; it; prev = it, it = it->next)
        if (it == j) {
            queue_unlink(qu, prev, j);
            return 1;
        }
    return 0;
}

static void push_writer(sq_state *s, sq_job *j)
{
    j->for_writer = 1;
    j->since_ns = uv_hrtime();
    queue_push(&s->wq, j);
    uv_cond_signal(&s->writer_work);
}

/* The job is finished: hand it to the loop. */
static void finish_locked(sq_state *s, sq_job *j)
{
    j->state = JOB_DONE;
    queue_push(&s->done, j);
    uv_async_send(&s->async); /* with the lock held: close() waits for it */
}

/* A job that waited too long for a transaction to release the writer fails, as SQLite fails a
 * write that waited its busy timeout for another connection's lock. */
static void fail_locked(sq_state *s, sq_job *j)
{
    j->result = BK_EQUERY;
    for (int i = 0; i < j->n; i++) {
        j->rows[i] = bk__rows_error("database is locked: a transaction holds the writer", "55P03");
        if (!j->rows[i])
            j->result = BK_ENOMEM;
    }
    finish_locked(s, j);
}

/* The writer's next job: the first of the queue, or while a transaction is pinned the first of
 * that transaction's. Expires those that waited past the busy timeout; `*wait_ns` says how
 * long until the next one would (0: none waits). */
static sq_job *writer_take(sq_state *s, uint64_t *wait_ns)
{
    uint64_t now = uv_hrtime(), limit = (uint64_t)s->busy_ms * 1000000;
    *wait_ns = 0;
    for (sq_job *prev = NULL, *j = s->wq.head, *next; j; j = next) {
        next = j->next;
        if (!s->pinned || j->tx == s->pinned) {
            queue_unlink(&s->wq, prev, j);
            return j;
        }
        if (now - j->since_ns >= limit) {
            queue_unlink(&s->wq, prev, j);
            fail_locked(s, j);
            continue;
        }
        uint64_t left = limit - (now - j->since_ns);
        if (!*wait_ns || left < *wait_ns)
            *wait_ns = left;
        prev = j;
    }
    return NULL;
}

static sq_job *reader_take(sq_state *s)
{
    sq_job *j = s->rq.head;
    if (j)
        queue_unlink(&s->rq, NULL, j);
    return j;
}

/* ---- running jobs (database threads, lock not held) ---- */

/* Runs the job's statements on `c` into j->rows: each its own result, all of them run (as
 * PostgreSQL runs a pipeline's statements, each in its own implicit transaction). */
static void run_stmts(bk__sqlite_conn *c, sq_job *j)
{
    j->result = 0;
    for (int i = 0; i < j->n; i++) {
        int err = bk__sqlite_exec(c, &j->stmts[i], &j->rows[i]);
        if (err == BK_ENOMEM || (err && !j->result))
            j->result = err;
    }
}

/* The reader's part: 1 when a statement may write, and the job belongs to the writer. */
static int run_on_reader(sq_thread *t, sq_job *j)
{
    for (int i = 0; i < j->n; i++)
        if (bk__sqlite_conn_readonly(&t->conn, j->stmts[i].sql) == 0)
            return 1;
    run_stmts(&t->conn, j);
    return 0;
}

/* Rolls back what the writer's connection has open. */
static void rollback_writer(sq_thread *w)
{
    if (!sqlite3_get_autocommit(w->conn.db) &&
        bk__sqlite_exec_quiet(&w->conn, "ROLLBACK", NULL) != 0)
        bk__log(BK_LOG_ERROR, "sqlite: cannot roll back: %s", sqlite3_errmsg(w->conn.db));
}

static void unpin(sq_state *s)
{
    uv_mutex_lock(&s->lock);
    s->pinned = NULL;
    uv_mutex_unlock(&s->lock);
    s->tx_failed = 0;
}

static void run_begin(sq_state *s, sq_job *j)
{
    run_stmts(&s->writer.conn, j);
    if (j->result)
        return;
    uv_mutex_lock(&s->lock);
    int cancelled = j->cancelled;
    if (!cancelled) {
        s->pinned = j->tx;
        j->pinned = 1;
    }
    uv_mutex_unlock(&s->lock);
    if (cancelled) /* nobody will end it */
        rollback_writer(&s->writer);
    s->tx_failed = 0;
}

static int set_error(sq_job *j, const char *message, const char *sqlstate)
{
    j->rows[0] = bk__rows_error(message, sqlstate);
    return j->rows[0] ? BK_EQUERY : BK_ENOMEM;
}

/* COMMIT or ROLLBACK, then the writer is free. A COMMIT that fails rolls back. */
static void run_end(sq_state *s, sq_job *j)
{
    sqlite3 *db = s->writer.conn.db;
    if (j->stmts == &COMMIT_STMT && s->tx_failed) {
        rollback_writer(&s->writer);
        j->result =
            set_error(j, "the transaction was rolled back: one of its statements failed", "25P02");
    } else if (j->stmts == &ROLLBACK_STMT && sqlite3_get_autocommit(db)) {
        /* SQLite already rolled it back (an interrupted or ON CONFLICT ROLLBACK statement) */
        j->rows[0] = bk__rows_new(0);
        j->result = j->rows[0] ? 0 : BK_ENOMEM;
    } else {
        run_stmts(&s->writer.conn, j);
        if (j->result)
            rollback_writer(&s->writer);
    }
    unpin(s);
}

static int starts_with_word(const char *sql, const char *word)
{
    sql += strspn(sql, " \t\r\n(");
    size_t n = strlen(word);
    return strncasecmp(sql, word, n) == 0 && !(sql[n] >= 'a' && sql[n] <= 'z') &&
           !(sql[n] >= 'A' && sql[n] <= 'Z') && sql[n] != '_';
}

/* A statement of the pinned transaction. After a failure only ROLLBACK TO may run. */
static void run_in_tx(sq_state *s, sq_job *j)
{
    if (s->tx_failed && !starts_with_word(j->stmts[0].sql, "ROLLBACK")) {
        j->result = set_error(j,
                              "current transaction is aborted, commands ignored until end of "
                              "transaction block",
                              "25P02");
        return;
    }
    run_stmts(&s->writer.conn, j);
    s->tx_failed = j->result != 0;
}

/* A query outside any transaction. One that left a transaction open (its SQL was a BEGIN) is
 * rolled back: the writer is shared, and transactions are what bk_db_begin is for. */
static void run_shared(sq_state *s, sq_job *j)
{
    run_stmts(&s->writer.conn, j);
    if (sqlite3_get_autocommit(s->writer.conn.db))
        return;
    rollback_writer(&s->writer);
    for (int i = 0; i < j->n; i++) {
        bk_rows_free(j->rows[i]);
        j->rows[i] = bk__rows_error("transactions take bk_db_begin, not BEGIN in a query", "25000");
        j->result = j->rows[i] ? BK_EQUERY : BK_ENOMEM;
    }
}

static void run_on_writer(sq_state *s, sq_job *j)
{
    switch (j->pin) {
    case BK__DB_BEGIN:
        run_begin(s, j);
        break;
    case BK__DB_END:
        run_end(s, j);
        break;
    case BK__DB_IN_TX:
        run_in_tx(s, j);
        break;
    default:
        run_shared(s, j);
        break;
    }
}

/* Waits for the thread's next job; NULL when the state closes. Rolls back an orphaned
 * transaction on the way (the writer). */
static sq_job *next_job(sq_thread *t)
{
    sq_state *s = t->st;
    for (;;) {
        if (s->closing)
            return NULL;
        if (!t->writer) {
            sq_job *j = reader_take(s);
            if (j)
                return j;
            uv_cond_wait(&s->reader_work, &s->lock);
            continue;
        }
        if (s->orphaned) {
            s->orphaned = NULL;
            uv_mutex_unlock(&s->lock);
            rollback_writer(t);
            unpin(s);
            uv_mutex_lock(&s->lock);
            continue;
        }
        uint64_t wait_ns;
        sq_job *j = writer_take(s, &wait_ns);
        if (j)
            return j;
        if (wait_ns)
            uv_cond_timedwait(&s->writer_work, &s->lock, wait_ns);
        else
            uv_cond_wait(&s->writer_work, &s->lock);
    }
}

static void db_thread(void *arg)
{
    sq_thread *t = arg;
    sq_state *s = t->st;
    uv_mutex_lock(&s->lock);
    for (;;) {
        sq_job *j = next_job(t);
        if (!j)
            break;
        j->state = JOB_RUNNING;
        if (t->writer && j->pin == BK__DB_IN_TX)
            s->running_tx = j;
        uv_mutex_unlock(&s->lock);
        int to_writer = 0;
        if (t->writer)
            run_on_writer(s, j);
        else
            to_writer = run_on_reader(t, j);
        uv_mutex_lock(&s->lock);
        if (t->writer)
            s->running_tx = NULL;
        if (to_writer && !j->cancelled) {
            j->state = JOB_QUEUED;
            push_writer(s, j);
        } else {
            finish_locked(s, j);
        }
    }
    uv_mutex_unlock(&s->lock);
}

/* ---- back on the loop ---- */

static void all_unlink(sq_state *s, sq_job *j)
{
    if (j->all_prev)
        j->all_prev->all_next = j->all_next;
    else
        s->all = j->all_next;
    if (j->all_next)
        j->all_next->all_prev = j->all_prev;
    if (!s->all)
        uv_unref((uv_handle_t *)&s->async); /* only jobs in flight keep a loop alive */
}

static void free_job(sq_job *j)
{
    for (int i = 0; i < j->n; i++)
        bk_rows_free(j->rows[i]);
    free(j);
}

/* Gives the writer an orphaned transaction to roll back: its task is gone. */
static void release_locked(sq_state *s, const bk_tx *tx)
{
    if (s->pinned != tx)
        return; /* not (or no longer) holding the writer */
    s->orphaned = tx;
    uv_cond_signal(&s->writer_work);
}

/* Hands a finished job's results to its task, or drops them for a cancelled one. */
static void deliver(sq_state *s, sq_job *j)
{
    bk__db_query *q = j->q;
    q->backend_call = NULL;
    all_unlink(s, j);
    if (j->cancelled) {
        if (j->pinned) { /* a BEGIN that pinned the writer for a task that left */
            uv_mutex_lock(&s->lock);
            release_locked(s, j->tx);
            uv_mutex_unlock(&s->lock);
        }
    } else {
        for (int i = 0; i < j->n; i++) {
            q->rows[i] = j->rows[i];
            j->rows[i] = NULL;
        }
        if (j->pinned)
            q->tx->conn = &s->writer;
    }
    q->result = j->result;
    free_job(j);
    bk__op_complete(&q->op, q->result); /* the task resumes later, from the ready queue */
}

static void on_async(uv_async_t *h)
{
    sq_state *s = h->data;
    uv_mutex_lock(&s->lock);
    sq_job *j = s->done.head;
    s->done.head = s->done.tail = NULL;
    uv_mutex_unlock(&s->lock);
    for (sq_job *next; j; j = next) {
        next = j->next;
        deliver(s, j);
    }
}

/* Whether every statement of `q` may be a read, to try it on a reader first. */
static int looks_like_read(const bk__db_query *q)
{
    for (int i = 0; i < q->n; i++) {
        const char *sql = q->stmts[i].sql;
        if (!sql || !(starts_with_word(sql, "SELECT") || starts_with_word(sql, "WITH") ||
                      starts_with_word(sql, "VALUES")))
            return 0;
    }
    return 1;
}

static sq_job *new_job(bk__db_query *q)
{
    sq_job *j = calloc(1, sizeof(*j) + (size_t)q->n * sizeof(bk_rows *));
    if (!j)
        return NULL;
    j->q = q;
    j->tx = q->tx;
    j->pin = q->pin;
    j->n = q->n;
    j->stmts = q->stmts;
    if (q->pin == BK__DB_BEGIN) {
        j->stmts = &BEGIN_STMT;
    } else if (q->pin == BK__DB_END) { /* db.c's COMMIT or ROLLBACK, as the constants */
        j->stmts = strcasecmp(q->stmts[0].sql, "COMMIT") == 0 ? &COMMIT_STMT : &ROLLBACK_STMT;
        j->n = 1;
    }
    return j;
}

static int sq_submit(void *state, bk__db_query *q)
{
    sq_state *s = state;
    if (q->pin != BK__DB_SHARED && q->pin != BK__DB_BEGIN && !q->tx)
        return BK_EINVAL;
    if (q->pin == BK__DB_IN_TX && q->n != 1)
        return BK_EINVAL;
    sq_job *j = new_job(q);
    if (!j)
        return BK_ENOMEM;
    q->backend_call = j; /* for sq_cancel: the job lives until it is handed back or dropped */
    if (!s->all)
        uv_ref((uv_handle_t *)&s->async);
    j->all_next = s->all;
    if (s->all)
        s->all->all_prev = j;
    s->all = j;
    uv_mutex_lock(&s->lock);
    if (q->pin == BK__DB_SHARED && s->nreaders && looks_like_read(q)) {
        queue_push(&s->rq, j);
        uv_cond_signal(&s->reader_work);
    } else {
        push_writer(s, j);
    }
    uv_mutex_unlock(&s->lock);
    return 0;
}

/* The awaiting task is cancelled (see the top of the file). */
static int sq_cancel(void *state, bk__db_query *q)
{
    sq_state *s = state;
    sq_job *j = q->backend_call;
    if (!j)
        return BK__CANCEL_DETACH;
    int detach = 0;
    uv_mutex_lock(&s->lock);
    if (j->state == JOB_QUEUED) {
        detach = queue_remove(j->for_writer ? &s->wq : &s->rq, j);
        if (detach && j->pin == BK__DB_END)
            release_locked(s, j->tx);
    } else {
        j->cancelled = 1;
        if (s->running_tx == j) /* the pinned writer runs only this transaction's queries */
            sqlite3_interrupt(s->writer.conn.db);
    }
    uv_mutex_unlock(&s->lock);
    if (!detach)
        return BK__CANCEL_WAIT;
    q->backend_call = NULL;
    all_unlink(s, j);
    free_job(j);
    return BK__CANCEL_DETACH;
}

static void sq_release(void *state, bk_tx *tx)
{
    sq_state *s = state;
    uv_mutex_lock(&s->lock);
    release_locked(s, tx);
    uv_mutex_unlock(&s->lock);
}

/* Nothing to stop: the worker admits no new requests while it drains, and the queries of those
 * it still serves must run for them to finish (refusing them would fail the very requests a
 * graceful stop waits for). busy() covers them. */
static void sq_drain(void *state)
{
    (void)state;
}

static int sq_busy(void *state)
{
    const sq_state *s = state;
    return s->all != NULL;
}

/* ---- opening and closing ---- */

static void on_state_closed(uv_handle_t *h)
{
    sq_state *s = h->data;
    uv_cond_destroy(&s->writer_work);
    uv_cond_destroy(&s->reader_work);
    uv_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

/* Stops the threads, closes the connections and the handle; the loop frees the state. */
static void sq_close(void *state)
{
    sq_state *s = state;
    uv_mutex_lock(&s->lock);
    s->closing = 1;
    uv_cond_broadcast(&s->writer_work);
    uv_cond_broadcast(&s->reader_work);
    uv_mutex_unlock(&s->lock);
    sq_thread *threads[MAX_READERS + 1] = {&s->writer};
    for (int i = 0; i < s->nreaders; i++)
        threads[i + 1] = &s->readers[i];
    for (int i = 0; i <= s->nreaders; i++) {
        if (threads[i]->started)
            uv_thread_join(&threads[i]->thread);
        bk__sqlite_conn_close(&threads[i]->conn); /* rolls back an orphaned transaction */
    }
    /* Every task has ended, so no job is left but those a late thread finished unseen. */
    for (sq_job *j = s->done.head, *next; j; j = next) {
        next = j->next;
        free_job(j);
    }
    uv_close((uv_handle_t *)&s->async, on_state_closed);
}

static int open_conn(sq_state *s, sq_thread *t, int readonly, const char *url)
{
    char why[512];
    t->st = s;
    int err = bk__sqlite_conn_open(&t->conn, s->path, readonly, s->busy_ms, why, sizeof(why));
    if (err)
        bk__log(BK_LOG_ERROR, "sqlite database '%s' (%s): %s", s->path, url, why);
    return err;
}

static int start_threads(sq_state *s)
{
    s->writer.writer = 1;
    int err = uv_thread_create(&s->writer.thread, db_thread, &s->writer);
    s->writer.started = !err;
    for (int i = 0; !err && i < s->nreaders; i++) {
        err = uv_thread_create(&s->readers[i].thread, db_thread, &s->readers[i]);
        s->readers[i].started = !err;
    }
    if (err)
        bk__log(BK_LOG_ERROR, "sqlite: cannot start a database thread: %s", bk_strerror(err));
    return err;
}

/* Opens the writer first: it creates the file and turns WAL on, which readers then find. */
static int open_all(sq_state *s, const char *url)
{
    int err = open_conn(s, &s->writer, 0, url);
    for (int i = 0; !err && i < s->nreaders; i++)
        err = open_conn(s, &s->readers[i], 1, url);
    return err ? err : start_threads(s);
}

static int init_sync(sq_state *s, uv_loop_t *loop)
{
    int err = uv_mutex_init(&s->lock);
    if (err)
        return err;
    err = uv_cond_init(&s->writer_work);
    if (!err && (err = uv_cond_init(&s->reader_work)) != 0)
        uv_cond_destroy(&s->writer_work);
    if (!err && (err = uv_async_init(loop, &s->async, on_async)) != 0) {
        uv_cond_destroy(&s->writer_work);
        uv_cond_destroy(&s->reader_work);
    }
    if (err)
        uv_mutex_destroy(&s->lock);
    return err;
}

static int sq_open(bk_db *db, bk__sched *sched, void **state)
{
    sq_url u;
    int err = parse_url(db->url, &u);
    if (err)
        return err;
    int nreaders = strcmp(u.path, ":memory:") == 0 ? 0 : u.readers;
    sq_state *s = calloc(1, sizeof(*s) + (size_t)nreaders * sizeof(sq_thread));
    err = s ? init_sync(s, sched->loop) : BK_ENOMEM;
    if (err) {
        free(s);
        free(u.path);
        return err;
    }
    s->async.data = s;
    uv_unref((uv_handle_t *)&s->async);
    s->path = u.path;
    s->nreaders = nreaders;
    s->busy_ms = u.busy_ms;
    err = open_all(s, db->url);
    if (err) {
        sq_close(s);
        return err;
    }
    *state = s;
    return 0;
}

const bk__db_backend bk__sqlite_backend = {
    .kind = "sqlite",
    .check_url = sq_check_url,
    .open = sq_open,
    .drain = sq_drain,
    .busy = sq_busy,
    .close = sq_close,
    .submit = sq_submit,
    .cancel = sq_cancel,
    .release = sq_release,
};
