/* The PostgreSQL backend: calls, routing over shared and pinned connections, sending statements
 * in pipeline mode, and decoding results into bk_rows. See pg.h. */
#include "db/pg.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SHARED               4 /* filled one after the other: see pick_shared */
#define DEFAULT_PINNED               4
#define DEFAULT_STATEMENT_TIMEOUT_MS 30000

/* ---- the URL: libpq's, minus brisk's own parameters ---- */

typedef struct pg_opts {
    int shared, pinned;
    long statement_timeout_ms;
} pg_opts;

/* Splits brisk's parameters (pool, pinned, statement_timeout) off the URL's query string and
 * returns the rest as libpq's conninfo (malloc'd), or NULL after logging why. */
static char *split_url(const char *url, pg_opts *o)
{
    *o = (pg_opts){DEFAULT_SHARED, DEFAULT_PINNED, DEFAULT_STATEMENT_TIMEOUT_MS};
    char *out = malloc(strlen(url) + 1);
    if (!out)
        return NULL;
    const char *q = strchr(url, '?');
    size_t base = q ? (size_t)(q - url) : strlen(url);
    memcpy(out, url, base);
    out[base] = '\0';
    char sep = '?';
    for (const char *p = q ? q + 1 : NULL; p && *p;) {
        const char *amp = strchr(p, '&');
        size_t len = amp ? (size_t)(amp - p) : strlen(p);
        long v;
        char tail;
        if (sscanf(p, "pool=%ld%c", &v, &tail) >= 1 && (tail == '&' || !amp) && v >= 1 && v <= 64)
            o->shared = (int)v;
        else if (sscanf(p, "pinned=%ld%c", &v, &tail) >= 1 && v >= 0 && v <= 256)
            o->pinned = (int)v;
        else if (sscanf(p, "statement_timeout=%ld%c", &v, &tail) >= 1 && v >= 0)
            o->statement_timeout_ms = v;
        else if (strncmp(p, "pool=", 5) == 0 || strncmp(p, "pinned=", 7) == 0 ||
                 strncmp(p, "statement_timeout=", 18) == 0) {
            bk__log(BK_LOG_ERROR, "database URL: bad value in '%.*s'", (int)len, p);
            free(out);
            return NULL;
        } else {
            size_t n = strlen(out);
            out[n] = sep;
            memcpy(out + n + 1, p, len);
            out[n + 1 + len] = '\0';
            sep = '&';
        }
        p = amp ? amp + 1 : NULL;
    }
    return out;
}

static int pg_check_url(const char *url)
{
    pg_opts o;
    char *conninfo = split_url(url, &o);
    if (!conninfo)
        return BK_EINVAL;
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &err);
    free(conninfo);
    if (!opts) {
        bk__log(BK_LOG_ERROR, "database URL: %s", err ? err : "out of memory");
        PQfreemem(err);
        return BK_EINVAL;
    }
    PQconninfoFree(opts);
    return 0;
}

/* ---- the worker's state ---- */

static void conn_init(pg_state *st, pg_conn *c, int pinned)
{
    memset(c, 0, sizeof(*c));
    c->st = st;
    c->fd = -1;
    c->pinned = pinned;
}

static int pg_open(bk_db *db, bk__sched *sched, void **out)
{
    pg_state *st = calloc(1, sizeof(*st));
    if (!st)
        return BK_ENOMEM;
    pg_opts o;
    st->db = db;
    st->loop = sched->loop;
    st->blocking = sched->blocking;
    st->conninfo = split_url(db->url, &o);
    st->nshared = o.shared;
    st->npinned_max = o.pinned;
    st->statement_timeout_ms = o.statement_timeout_ms;
    st->shared = calloc((size_t)o.shared, sizeof(pg_conn));
    st->pinned = calloc((size_t)o.pinned + 1, sizeof(pg_conn));
    if (!st->conninfo || !st->shared || !st->pinned) {
        free(st->conninfo);
        free(st->shared);
        free(st->pinned);
        free(st);
        return BK_ENOMEM;
    }
    for (int i = 0; i < st->nshared; i++)
        conn_init(st, &st->shared[i], 0);
    for (int i = 0; i < st->npinned_max; i++)
        conn_init(st, &st->pinned[i], 1);
    if (bk__pg_uncork_init(st) != 0) /* without it statements go out one send each */
        bk__log(BK_LOG_WARNING, "PostgreSQL: cannot batch sends (out of memory)");
    for (int i = 0; i < st->nshared; i++) /* a server that is down is logged, not fatal */
        bk__pg_conn_start(&st->shared[i]);
    *out = st;
    return 0;
}

static void pg_drain(void *state)
{
    ((pg_state *)state)->draining = 1;
}

/* Busy while a task still waits for an answer; calls left by cancelled tasks do not count
 * (close drops them). */
static int pg_busy(void *state)
{
    const pg_state *st = state;
    return st->inflight > 0;
}

static void fail_queue(pg_call **head, pg_call **tail, int err)
{
    while (*head) {
        pg_call *call = *head;
        *head = call->next;
        call->next = NULL;
        for (int i = call->done; i < call->n; i++)
            bk__pg_call_fail(call, err);
    }
    *tail = NULL;
}

static void pg_close(void *state)
{
    pg_state *st = state;
    fail_queue(&st->queue_head, &st->queue_tail, BK_ECANCELED);
    fail_queue(&st->pin_head, &st->pin_tail, BK_ECANCELED);
    for (int i = 0; i < st->nshared; i++)
        bk__pg_conn_close(&st->shared[i]);
    for (int i = 0; i < st->npinned_max; i++)
        bk__pg_conn_close(&st->pinned[i]);
    bk__pg_uncork_close(st);
    free(st->shared);
    free(st->pinned);
    free(st->conninfo);
    free(st);
}

/* ---- calls ---- */

static pg_call *call_new(pg_state *st, bk__db_query *q, int n, bk__db_pin pin, bk_tx *tx)
{
    pg_call *call = calloc(1, sizeof(*call) + (size_t)n * sizeof(bk_rows *));
    if (!call)
        return NULL;
    call->q = q;
    call->st = st;
    call->n = n;
    call->pin = pin;
    call->tx = tx;
    call->rows = (bk_rows **)(call + 1);
    st->inflight += q != NULL;
    return call;
}

static void lend(pg_conn *c, bk_tx *tx)
{
    c->tx = tx;
    if (tx)
        tx->conn = c;
}

static void send_internal_rollback(pg_conn *c);
static void dispatch_pinned(pg_state *st);

/* Every statement of `call` has its result: hand them over, or drop them. */
static void call_finish(pg_call *call)
{
    pg_state *st = call->st;
    bk__db_query *q = call->q;
    pg_conn *c = call->conn;
    int ok = call->result == 0;
    if (call->pin == BK__DB_BEGIN && c) {
        if (!q && ok)
            send_internal_rollback(c); /* its task left: nobody will end this transaction */
        else if (!ok)
            lend(c, NULL);
    }
    if (call->pin == BK__DB_END && c) {
        lend(c, NULL);
        dispatch_pinned(st);
    }
    if (q) {
        for (int i = 0; i < call->n; i++)
            q->rows[i] = call->rows[i];
        q->result = call->result;
        st->inflight--;
        bk__op_complete(&q->op, call->result);
    } else {
        for (int i = 0; i < call->n; i++)
            bk_rows_free(call->rows[i]);
    }
    free(call);
}

void bk__pg_statement_done(pg_call *call, int index)
{
    if (!call)
        return; /* a setup statement */
    bk_rows *r = call->rows[index];
    if (!r || bk_rows_error(r)) {
        if (!call->result)
            call->result = BK_EQUERY;
        if (!r)
            call->rows[index] = bk__rows_error("no result from the server", NULL);
    }
    if (++call->done == call->n)
        call_finish(call);
}

void bk__pg_call_fail(pg_call *call, int err)
{
    if (!call)
        return;
    if (!call->result || call->result == BK_EQUERY)
        call->result = err;
    if (++call->done == call->n) {
        for (int i = 0; i < call->n; i++) { /* a transport failure: no rows at all */
            bk_rows_free(call->rows[i]);
            call->rows[i] = NULL;
        }
        if (call->pin == BK__DB_BEGIN || call->pin == BK__DB_END)
            call->conn = NULL; /* the connection is being torn down: nothing to release */
        if (call->tx && call->tx->conn && call->pin != BK__DB_IN_TX) {
            lend(call->tx->conn, NULL);
            call->tx->conn = NULL;
        }
        call_finish(call);
    }
}

/* ---- sending ---- */

/* A statement's Sync. libpq 17's PQsendPipelineSync queues it without flushing, so a call's
 * statements leave in send_call's one flush; libpq 14-16's PQpipelineSync flushes each (the cork
 * in pg_conn.c batches those on TCP). The libpq 17 path is not exercised here: Debian 12 has
 * libpq 15. */
static int send_sync(PGconn *pg)
{
#if defined(LIBPQ_HAS_SEND_PIPELINE_SYNC)
    return PQsendPipelineSync(pg);
#else
    return PQpipelineSync(pg);
#endif
}

static uint32_t hash_sql(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

/* The cache slot of `sql` on `c`, -1 when not prepared there. */
static int find_stmt(const pg_conn *c, const char *sql, uint32_t h)
{
    for (int i = 0; i < c->nstmts; i++)
        if (c->stmts[i].hash == h && c->stmts[i].sql && strcmp(c->stmts[i].sql, sql) == 0)
            return i;
    return -1;
}

void bk__pg_conn_forget_stmts(pg_conn *c)
{
    for (int i = 0; i < c->nstmts; i++)
        free(c->stmts[i].sql);
    c->nstmts = 0;
}

/* The protocol's limit: a Bind message counts its parameters in 16 bits. */
#define MAX_PARAMS 65535

/* Parameters as libpq's text values, in `buf` (each NUL-terminated); `values` and `offs` have
 * room for s->nparams. */
static int params_text(const bk_db_stmt *s, bk_buf *buf, const char **values, size_t *offs)
{
    if (s->nparams > MAX_PARAMS)
        return BK_EINVAL;
    buf->len = 0;
    for (int i = 0; i < s->nparams; i++) {
        const bk_db_value *v = &s->params[i];
        char num[40];
        const char *text = num;
        size_t len;
        switch (v->type) {
        case BK_DB_NULL:
            offs[i] = SIZE_MAX;
            continue;
        case BK_DB_INT:
            len = (size_t)snprintf(num, sizeof(num), "%lld", (long long)v->i);
            break;
        case BK_DB_FLOAT:
            len = (size_t)snprintf(num, sizeof(num), "%.17g", v->f);
            break;
        case BK_DB_BOOL:
            len = (size_t)snprintf(num, sizeof(num), "%s", v->i ? "t" : "f");
            break;
        case BK_DB_TEXT:
            text = v->s ? v->s : "";
            len = v->len == (size_t)-1 || !v->s ? strlen(text) : v->len;
            if (memchr(text, '\0', len)) /* text parameters cannot carry NUL on the wire */
                return BK_EINVAL;
            break;
        default:
            return BK_EINVAL;
        }
        offs[i] = buf->len;
        if (bk_buf_append(buf, text, len) || bk_buf_append(buf, "", 1))
            return BK_ENOMEM;
    }
    for (int i = 0; i < s->nparams; i++)
        values[i] = offs[i] == SIZE_MAX ? NULL : buf->data + offs[i];
    return 0;
}

/* Sends statement `index` of `call` with its Sync, preparing it first when it is new on `c`. */
static int send_statement(pg_conn *c, pg_call *call, int index, const bk_db_stmt *s)
{
    const char *small_values[16];
    size_t small_offs[16];
    int n = s->nparams > 0 ? s->nparams : 1;
    const char **values = n <= 16 ? small_values : malloc((size_t)n * sizeof(*values));
    size_t *offs = n <= 16 ? small_offs : malloc((size_t)n * sizeof(*offs));
    bk_buf buf = {0};
    int err = values && offs ? params_text(s, &buf, values, offs) : BK_ENOMEM;
    if (offs != small_offs)
        free(offs);
    if (err) {
        if (values != small_values)
            free(values);
        bk_buf_free(&buf);
        return err;
    }
    uint32_t h = hash_sql(s->sql);
    int slot = find_stmt(c, s->sql, h);
    char name[16];
    int ok = 1;
    if (slot < 0 && c->nstmts < PG_STMT_CACHE) {
        slot = c->nstmts;
        c->stmts[slot] = (pg_stmt){strdup(s->sql), h};
        snprintf(name, sizeof(name), "bk%d", slot);
        ok = c->stmts[slot].sql && PQsendPrepare(c->pg, name, s->sql, s->nparams, NULL) == 1 &&
             bk__pg_expect(c, (pg_expect){EXPECT_PREPARE, call, index, slot}) == 0;
        if (c->stmts[slot].sql)
            c->nstmts++;
    }
    if (ok && slot >= 0) {
        snprintf(name, sizeof(name), "bk%d", slot);
        ok = PQsendQueryPrepared(c->pg, name, s->nparams, values, NULL, NULL, 0) == 1;
    } else if (ok) { /* cache full: an unnamed statement */
        ok = PQsendQueryParams(c->pg, s->sql, s->nparams, NULL, values, NULL, NULL, 0) == 1;
    }
    bk_buf_free(&buf);
    if (values != small_values)
        free(values);
    ok = ok && bk__pg_expect(c, (pg_expect){EXPECT_QUERY, call, index, -1}) == 0 &&
         send_sync(c->pg) == 1 && bk__pg_expect(c, (pg_expect){EXPECT_SYNC, call, index, -1}) == 0;
    return ok ? 0 : BK_ECONNRESET;
}

/* Sends every statement of `call` on `c`. On a failure the connection is torn down, which
 * fails the statements already sent; the others fail here. */
static void send_call(pg_conn *c, pg_call *call)
{
    call->conn = c;
    call->sent = 1;
    bk__pg_conn_cork(c);
    const bk__db_query *q = call->q;
    for (int i = 0; i < call->n; i++) {
        const bk_db_stmt *s = q ? &q->stmts[i] : &(bk_db_stmt){"ROLLBACK", 0, NULL};
        int err = send_statement(c, call, i, s);
        if (err == BK_EINVAL || err == BK_ENOMEM) { /* this statement only */
            call->rows[i] = bk__rows_error(err == BK_ENOMEM ? "out of memory"
                                                            : "a text parameter contains a NUL "
                                                              "byte, or more than 65535 "
                                                              "parameters",
                                           err == BK_ENOMEM ? "53200" : "22023");
            if (bk__pg_expect(c, (pg_expect){EXPECT_SYNC, call, i, -1}) != 0 ||
                send_sync(c->pg) != 1)
                err = BK_ECONNRESET;
            else
                continue;
        }
        if (err) {
            char why[160];
            snprintf(why, sizeof(why), "cannot send a query: %s", PQerrorMessage(c->pg));
            why[strcspn(why, "\n")] = '\0';
            /* Statements i.. have no Sync expected (statement i failed before its own was), so
             * tearing the connection down would not fail them: fail them here. The earlier
             * ones are failed by the teardown, which keeps the call alive until then. */
            for (int j = i; j < call->n; j++)
                bk__pg_call_fail(call, BK_ECONNRESET);
            bk__pg_conn_fail(c, BK_ECONNRESET, why);
            return;
        }
    }
    bk__pg_conn_flush(c);
}

static void send_internal_rollback(pg_conn *c)
{
    pg_call *call = call_new(c->st, NULL, 1, BK__DB_END, NULL);
    if (!call) { /* no memory even for this: drop the session instead of leaving it open */
        bk__pg_conn_fail(c, BK_ENOMEM, "out of memory ending a transaction");
        lend(c, NULL);
        return;
    }
    send_call(c, call);
}

/* A READY shared connection, round robin; NULL when none. */
/* Results a connection may wait for before the next call goes to another one: about 64
 * statements (a statement expects two or three results). */
#define FILL_CAP 160

/* The shared connection for the next call: the first READY one whose pipeline is not full,
 * else the least loaded. Filling one connection before the next keeps light load on a single
 * backend, which answers a deep pipeline fastest (with /db at 64 clients, 1 connection served
 * 1.5x what round robin over 4 did); heavy load, such as 20-statement batches, spreads over
 * all of them and over PostgreSQL's cores. NULL when none is READY. */
static pg_conn *pick_shared(pg_state *st)
{
    pg_conn *best = NULL;
    for (int i = 0; i < st->nshared; i++) {
        pg_conn *c = &st->shared[i];
        if (c->status != CONN_READY)
            continue;
        if (c->count < FILL_CAP)
            return c;
        if (!best || c->count < best->count)
            best = c;
    }
    return best;
}

/* Nonzero when one of `n` connections may still come up soon (connecting for the first time
 * since it last worked): calls wait for it instead of failing at once. */
static int may_come_up(const pg_conn *conns, int n)
{
    for (int i = 0; i < n; i++)
        if (!conns[i].failed && conns[i].status == CONN_CONNECTING)
            return 1;
    return 0;
}

static void enqueue(pg_call **head, pg_call **tail, pg_call *call)
{
    call->next = NULL;
    if (*tail)
        (*tail)->next = call;
    else
        *head = call;
    *tail = call;
}

/* A free pinned connection for a BEGIN: a ready one not lent, else one started now. */
static pg_conn *pick_pinned(pg_state *st, int *starting)
{
    *starting = 0;
    for (int i = 0; i < st->npinned_max; i++)
        if (st->pinned[i].status == CONN_READY && !st->pinned[i].tx)
            return &st->pinned[i];
    for (int i = 0; i < st->npinned_max; i++) {
        pg_conn *c = &st->pinned[i];
        if (c->status == CONN_DOWN && !c->retry) {
            bk__pg_conn_start(c);
            *starting = 1;
            return NULL;
        }
    }
    *starting = may_come_up(st->pinned, st->npinned_max);
    return NULL;
}

static void dispatch_pinned(pg_state *st)
{
    while (st->pin_head) {
        int starting;
        pg_conn *c = pick_pinned(st, &starting);
        if (!c)
            return;
        pg_call *call = st->pin_head;
        st->pin_head = call->next;
        if (!st->pin_head)
            st->pin_tail = NULL;
        lend(c, call->tx);
        send_call(c, call);
    }
}

static int route_call(pg_state *st, pg_call *call)
{
    if (call->pin == BK__DB_SHARED) {
        pg_conn *c = pick_shared(st);
        if (c) {
            send_call(c, call);
            return 0;
        }
        if (!may_come_up(st->shared, st->nshared))
            return BK_ECONNREFUSED; /* the server is down: fail fast, reconnecting meanwhile */
        enqueue(&st->queue_head, &st->queue_tail, call);
        return 0;
    }
    if (call->pin == BK__DB_BEGIN) {
        int starting;
        pg_conn *c = pick_pinned(st, &starting);
        if (c) {
            lend(c, call->tx);
            send_call(c, call);
            return 0;
        }
        int lent = 0;
        for (int i = 0; i < st->npinned_max; i++)
            lent |= st->pinned[i].tx != NULL;
        if (!lent && !starting)
            return st->npinned_max ? BK_ECONNREFUSED : BK_EINVAL;
        enqueue(&st->pin_head, &st->pin_tail, call); /* waits for one to come up or be free */
        return 0;
    }
    pg_conn *c = call->tx ? call->tx->conn : NULL;
    if (!c || c->status != CONN_READY)
        return BK_ECONNRESET; /* the transaction's connection broke: the transaction is gone */
    send_call(c, call);
    return 0;
}

static int pg_submit(void *state, bk__db_query *q)
{
    pg_state *st = state;
    pg_call *call = call_new(st, q, q->n, q->pin, q->tx);
    if (!call)
        return BK_ENOMEM;
    q->backend_call = call;
    int err = route_call(st, call);
    if (err) {
        st->inflight--;
        free(call);
        q->backend_call = NULL;
        if (q->pin == BK__DB_END && q->tx && q->tx->conn) { /* nothing to end any more */
            lend(q->tx->conn, NULL);
            q->tx->conn = NULL;
        }
    }
    return err;
}

static int unqueue(pg_call **head, pg_call **tail, pg_call *call)
{
    pg_call *prev = NULL;
    for (pg_call **pp = head; *pp; prev = *pp, pp = &(*pp)->next) {
        if (*pp != call)
            continue;
        *pp = call->next;
        if (*tail == call)
            *tail = prev;
        return 1;
    }
    return 0;
}

/* ---- cancelling a transaction's statement on the server ---- */

typedef struct cancel_job {
    PGcancel *cancel;
    char err[256];
    int ok;
} cancel_job;

static void send_cancel(void *arg) /* on a pool thread: PQcancel blocks (libpq < 17) */
{
    cancel_job *j = arg;
    j->ok = PQcancel(j->cancel, j->err, sizeof(j->err));
    PQfreeCancel(j->cancel);
}

static void cancel_sent(void *arg)
{
    cancel_job *j = arg;
    if (!j->ok)
        bk__log(BK_LOG_WARNING, "PostgreSQL: cannot cancel a statement: %s", j->err);
    free(j);
}

/* Asks the server to stop what `c` runs. Only for a pinned connection: its session runs this
 * one transaction's statement, whereas a shared one may be running another task's. */
static void cancel_on_server(pg_conn *c)
{
    cancel_job *j = c->status == CONN_READY && c->st->blocking ? calloc(1, sizeof(*j)) : NULL;
    if (j)
        j->cancel = PQgetCancel(c->pg);
    if (!j || !j->cancel || bk__pool_run_detached(c->st->blocking, send_cancel, cancel_sent, j)) {
        if (j && j->cancel)
            PQfreeCancel(j->cancel);
        free(j); /* statement_timeout remains the backstop */
    }
}

/* The task left. A queued call is dropped; a sent one is answered by the server anyway (on a
 * shared connection other tasks' statements are pipelined with it, so it cannot be cancelled
 * there), and its results are dropped on arrival. */
/* The task that owns `tx` is leaving: its pinned connection (if any) now belongs to nobody
 * until the transaction's end has been answered. */
static void orphan_tx(pg_state *st, bk_tx *tx)
{
    pg_conn *c = tx->conn;
    tx->conn = NULL;
    if (c && c->tx == tx)
        lend(c, &st->orphan);
}

static int pg_cancel(void *state, bk__db_query *q)
{
    pg_state *st = state;
    pg_call *call = q->backend_call;
    q->backend_call = NULL;
    if (!call)
        return BK__CANCEL_DETACH;
    st->inflight--;
    call->q = NULL;
    if (call->tx && call->pin != BK__DB_IN_TX && call->sent)
        orphan_tx(st, call->tx); /* a BEGIN is rolled back on arrival; an END unlends */
    bk_tx *tx = call->tx;
    call->tx = NULL; /* the task frees it */
    if (!call->sent && (unqueue(&st->queue_head, &st->queue_tail, call) ||
                        unqueue(&st->pin_head, &st->pin_tail, call))) {
        free(call);
        return BK__CANCEL_DETACH;
    }
    if (call->pin == BK__DB_IN_TX && tx && call->conn && call->conn->pinned)
        cancel_on_server(call->conn); /* the task's ROLLBACK then follows at once */
    return BK__CANCEL_DETACH;
}

static void pg_release(void *state, bk_tx *tx)
{
    pg_conn *c = tx->conn;
    orphan_tx(state, tx);
    if (!c)
        return;
    if (c->status == CONN_READY)
        send_internal_rollback(c); /* unlent when its answer comes */
    else
        lend(c, NULL);
}

/* ---- connections coming up and going down ---- */

void bk__pg_conn_down(pg_conn *c)
{
    pg_state *st = c->st;
    if (c->tx) { /* the transaction died with its session */
        c->tx->conn = NULL;
        c->tx = NULL;
    }
    if (!c->pinned && !pick_shared(st) && !may_come_up(st->shared, st->nshared))
        fail_queue(&st->queue_head, &st->queue_tail, BK_ECONNREFUSED);
    if (c->pinned && !may_come_up(st->pinned, st->npinned_max)) {
        int lent = 0;
        for (int i = 0; i < st->npinned_max; i++)
            lent |= st->pinned[i].tx != NULL;
        if (!lent)
            fail_queue(&st->pin_head, &st->pin_tail, BK_ECONNREFUSED);
    }
}

void bk__pg_conn_ready(pg_conn *c)
{
    pg_state *st = c->st;
    char sql[64];
    snprintf(sql, sizeof(sql), "SET statement_timeout = %ld", st->statement_timeout_ms);
    if (PQsendQueryParams(c->pg, sql, 0, NULL, NULL, NULL, NULL, 0) != 1 ||
        bk__pg_expect(c, (pg_expect){EXPECT_SETUP, NULL, 0, -1}) != 0 || send_sync(c->pg) != 1 ||
        bk__pg_expect(c, (pg_expect){EXPECT_SYNC, NULL, 0, -1}) != 0) {
        bk__pg_conn_fail(c, BK_ECONNRESET, "cannot set up the session");
        return;
    }
    if (c->pinned) {
        dispatch_pinned(st);
    } else {
        while (st->queue_head && c->status == CONN_READY) {
            pg_call *call = st->queue_head;
            st->queue_head = call->next;
            if (!st->queue_head)
                st->queue_tail = NULL;
            send_call(c, call);
        }
    }
    bk__pg_conn_flush(c);
}

const bk__db_backend bk__pg_backend = {
    .kind = "postgresql",
    .check_url = pg_check_url,
    .open = pg_open,
    .drain = pg_drain,
    .busy = pg_busy,
    .close = pg_close,
    .submit = pg_submit,
    .cancel = pg_cancel,
    .release = pg_release,
};
