/* The PostgreSQL backend: reading results off a connection and decoding them into bk_rows, in
 * the order the connection's FIFO expects them. See pg.h. */
#include "db/pg.h"
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The type a column's values are read as, from its type OID (pg_type.dat). */
static bk_db_type column_type(Oid oid)
{
    switch (oid) {
    case 16: /* bool */
        return BK_DB_BOOL;
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */
    case 26: /* oid */
        return BK_DB_INT;
    case 700:  /* float4 */
    case 701:  /* float8 */
    case 1700: /* numeric: as a double; its exact text stays available */
        return BK_DB_FLOAT;
    default:
        return BK_DB_TEXT;
    }
}

/* A result's rows, or NULL when out of memory or when the server sent values that do not
 * read as their type. */
static bk_rows *decode_tuples(const PGresult *r)
{
    int ncols = PQnfields(r), nrows = PQntuples(r);
    bk_rows *rows = bk__rows_new(ncols);
    if (!rows)
        return NULL;
    bk_db_type types[ncols > 0 ? ncols : 1];
    for (int c = 0; c < ncols; c++) {
        const char *name = PQfname(r, c);
        types[c] = column_type(PQftype(r, c));
        if (bk__rows_set_name(rows, c, name, strlen(name)) != 0)
            goto fail;
    }
    for (int i = 0; i < nrows; i++) {
        if (bk__rows_add_row(rows) != 0)
            goto fail;
        for (int c = 0; c < ncols; c++) {
            if (PQgetisnull(r, i, c))
                continue;
            if (bk__rows_set_text(rows, c, types[c], PQgetvalue(r, i, c),
                                  (size_t)PQgetlength(r, i, c)) != 0)
                goto fail;
        }
    }
    return rows;
fail:
    bk_rows_free(rows);
    return NULL;
}

static bk_rows *decode_error(const PGresult *r)
{
    const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
    return bk__rows_error(msg ? msg : PQresultErrorMessage(r),
                          PQresultErrorField(r, PG_DIAG_SQLSTATE));
}

/* What a statement's result becomes. COMMIT of a failed transaction succeeds on the wire with
 * the tag ROLLBACK: the caller must hear that it did not commit. */
static bk_rows *decode_result(const PGresult *r, const pg_call *call)
{
    switch (PQresultStatus(r)) {
    case PGRES_TUPLES_OK: {
        bk_rows *rows = decode_tuples(r);
        return rows ? rows
                    : bk__rows_error("cannot read the result (out of memory, or a "
                                     "value that does not read as its type)",
                                     NULL);
    }
    case PGRES_COMMAND_OK: {
        if (call->pin == BK__DB_END && strcmp(PQcmdStatus((PGresult *)r), "ROLLBACK") == 0 &&
            call->q && strcmp(call->q->stmts[0].sql, "COMMIT") == 0)
            return bk__rows_error("the transaction was rolled back: one of its statements "
                                  "failed",
                                  "40000");
        bk_rows *rows = bk__rows_new(0);
        if (rows)
            bk__rows_set_affected(rows, strtoll(PQcmdTuples((PGresult *)r), NULL, 10));
        return rows;
    }
    case PGRES_PIPELINE_ABORTED:
        return bk__rows_error("not run: an earlier statement of its batch failed", NULL);
    default:
        return decode_error(r);
    }
}

/* One result for the head of the FIFO (NULL results end a statement's results). */
static void take_result(pg_conn *c, const pg_expect *e, PGresult *r)
{
    switch (e->kind) {
    case EXPECT_PREPARE:
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            /* the statement's query will be aborted: its error is the prepare's */
            if (e->call && !e->call->rows[e->index])
                e->call->rows[e->index] = decode_error(r);
            free(c->stmts[e->stmt].sql); /* prepare it again next time */
            c->stmts[e->stmt].sql = NULL;
        }
        return;
    case EXPECT_QUERY:
        if (e->call && !e->call->rows[e->index])
            e->call->rows[e->index] = decode_result(r, e->call);
        return;
    case EXPECT_SETUP:
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            bk__log(BK_LOG_WARNING, "PostgreSQL: session setup: %s", PQresultErrorMessage(r));
        return;
    case EXPECT_SYNC:
        return;
    }
}

static void pop(pg_conn *c)
{
    c->head = (c->head + 1) % c->cap;
    c->count--;
}

/* The session is gone: fail what is in flight on it, and reconnect. */
static void conn_lost(pg_conn *c)
{
    char why[256];
    snprintf(why, sizeof(why), "connection lost: %s", PQerrorMessage(c->pg));
    why[strcspn(why, "\n")] = '\0';
    bk__pg_conn_fail(c, BK_ECONNRESET, why);
}

void bk__pg_conn_read(pg_conn *c)
{
    if (!PQconsumeInput(c->pg)) {
        conn_lost(c);
        return;
    }
    while (c->status == CONN_READY && c->count && !PQisBusy(c->pg)) {
        pg_expect e = c->fifo[c->head];
        PGresult *r = PQgetResult(c->pg);
        if (!r) { /* the end of this statement's results */
            if (e.kind != EXPECT_SYNC) {
                pop(c);
                continue;
            }
            /* No result where a Sync is due: the session ended (a FATAL error, the server
             * shutting down) and libpq has nothing more to give. Looping would spin. */
            if (PQstatus(c->pg) == CONNECTION_BAD || PQpipelineStatus(c->pg) == PQ_PIPELINE_OFF) {
                conn_lost(c);
                return;
            }
            break;
        }
        if (PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            while (c->count && c->fifo[c->head].kind != EXPECT_SYNC)
                pop(c); /* entries that got no result of their own (cannot happen in step) */
            if (!c->count)
                break;
            e = c->fifo[c->head];
            pop(c);
            bk__pg_statement_done(e.call, e.index);
            continue;
        }
        take_result(c, &e, r);
        PQclear(r);
    }
    if (c->status == CONN_READY && PQstatus(c->pg) == CONNECTION_BAD) {
        conn_lost(c);
        return;
    }
    if (c->status == CONN_READY)
        bk__pg_conn_flush(c); /* libpq may have output left after reading */
}
