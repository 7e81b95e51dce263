/* db_app — the application the database tests (tests/http/test_db_*.py) drive: SQL in, rows out
 * as JSON, on the database of $DATABASE_URL. Public API only (jansson reads the request bodies:
 * a test app may use it; libbrisk does not).
 *
 *   POST /sql       {"sql": "...", "params": [1, "a", 2.5, true, null]}
 *   POST /sql-many  {"stmts": [{"sql": ..., "params": [...]}, ...]}
 *   POST /tx        {"stmts": [...], "end": "commit" | "rollback" | "none"}
 *
 * Answers 200 {"columns": [...], "types": [...], "rows": [[...]], "affected": n} (a list of those
 * for several statements), 400 {"error", "sqlstate"} for BK_EQUERY, 503 when the database is
 * unreachable, 504 on a timeout. ?timeout_ms=N sets bk_task_timeout first. */
#include <brisk.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bk_db *db;

static void send_status_for(bk_req *req, int rc)
{
    if (rc == BK_ECONNREFUSED || rc == BK_ECONNRESET)
        bk_send_error(req, 503, bk_strerror(rc));
    else if (rc == BK_ETIMEDOUT)
        bk_send_error(req, 504, "database timeout");
    else if (rc != BK_ECANCELED)
        bk_send_error(req, 500, bk_strerror(rc));
}

static void write_value(bk_json *j, const bk_rows *r, int row, int col)
{
    int64_t i;
    double f;
    int b;
    switch (bk_rows_type(r, row, col)) {
    case BK_DB_INT:
        bk_rows_int(r, row, col, &i);
        bk_json_int(j, i);
        break;
    case BK_DB_FLOAT:
        bk_rows_float(r, row, col, &f);
        bk_json_double(j, f);
        break;
    case BK_DB_BOOL:
        bk_rows_bool(r, row, col, &b);
        bk_json_bool(j, b);
        break;
    case BK_DB_TEXT:
        bk_json_string(j, bk_rows_text(r, row, col, NULL));
        break;
    default:
        bk_json_null(j);
    }
}

static void write_rows(bk_json *j, const bk_rows *r)
{
    static const char *const type_names[] = {"null", "int", "float", "text", "bool"};
    bk_json_object_begin(j);
    if (bk_rows_error(r)) {
        bk_json_key(j, "error");
        bk_json_string(j, bk_rows_error(r));
        bk_json_key(j, "sqlstate");
        bk_json_string(j, bk_rows_sqlstate(r));
        bk_json_object_end(j);
        return;
    }
    bk_json_key(j, "columns");
    bk_json_array_begin(j);
    for (int c = 0; c < bk_rows_columns(r); c++)
        bk_json_string(j, bk_rows_name(r, c));
    bk_json_array_end(j);
    bk_json_key(j, "types");
    bk_json_array_begin(j);
    for (int c = 0; c < bk_rows_columns(r) && bk_rows_count(r) > 0; c++)
        bk_json_string(j, type_names[bk_rows_type(r, 0, c)]);
    bk_json_array_end(j);
    bk_json_key(j, "rows");
    bk_json_array_begin(j);
    for (int i = 0; i < bk_rows_count(r); i++) {
        bk_json_array_begin(j);
        for (int c = 0; c < bk_rows_columns(r); c++)
            write_value(j, r, i, c);
        bk_json_array_end(j);
    }
    bk_json_array_end(j);
    bk_json_key(j, "affected");
    bk_json_int(j, bk_rows_affected(r));
    bk_json_object_end(j);
}

/* A statement from {"sql": ..., "params": [...]}, its values in request memory. */
static int read_stmt(bk_req *req, json_t *o, bk_db_stmt *st)
{
    json_t *sql = json_object_get(o, "sql"), *params = json_object_get(o, "params");
    if (!json_is_string(sql))
        return BK_EINVAL;
    size_t n = json_is_array(params) ? json_array_size(params) : 0;
    bk_db_value *v = bk_req_alloc(req, (n ? n : 1) * sizeof(*v));
    char *text = bk_req_alloc(req, strlen(json_string_value(sql)) + 1);
    if (!v || !text)
        return BK_ENOMEM;
    strcpy(text, json_string_value(sql));
    for (size_t i = 0; i < n; i++) {
        json_t *p = json_array_get(params, i);
        if (json_is_integer(p)) {
            v[i] = BK_DB_INTV(json_integer_value(p));
        } else if (json_is_real(p)) {
            v[i] = BK_DB_FLOATV(json_real_value(p));
        } else if (json_is_boolean(p)) {
            v[i] = BK_DB_BOOLV(json_is_true(p));
        } else if (json_is_string(p)) {
            char *s = bk_req_alloc(req, json_string_length(p) + 1);
            if (!s)
                return BK_ENOMEM;
            memcpy(s, json_string_value(p), json_string_length(p) + 1);
            v[i] = BK_DB_TEXTV(s);
        } else {
            v[i] = BK_DB_NULLV;
        }
    }
    *st = (bk_db_stmt){text, (int)n, v};
    return 0;
}

static void free_json(void *p)
{
    json_decref(p);
}

/* The request's JSON body, freed with the request; NULL after answering 422. */
static json_t *body_json(bk_req *req)
{
    size_t len;
    const char *body = bk_req_body(req, &len);
    json_t *doc = body ? json_loadb(body, len, 0, NULL) : NULL;
    if (!doc || bk_defer(req, free_json, doc) != 0) {
        bk_send_error(req, 422, "a JSON body is required");
        return NULL;
    }
    return doc;
}

/* The statements of {"stmts": [...]}, or of the body itself for /sql. */
static int read_stmts(bk_req *req, json_t *doc, bk_db_stmt **out, int *n)
{
    json_t *list = json_object_get(doc, "stmts");
    int count = json_is_array(list) ? (int)json_array_size(list) : 1;
    bk_db_stmt *st = bk_req_alloc(req, (size_t)count * sizeof(*st));
    if (!st)
        return BK_ENOMEM;
    for (int i = 0; i < count; i++) {
        int rc =
            read_stmt(req, json_is_array(list) ? json_array_get(list, (size_t)i) : doc, &st[i]);
        if (rc)
            return rc;
    }
    *out = st;
    *n = count;
    return 0;
}

static void apply_timeout(bk_req *req)
{
    const char *t = bk_req_query(req, "timeout_ms");
    if (t)
        bk_task_timeout(bk_req_task(req), strtoull(t, NULL, 10));
}

static void answer_rows(bk_req *req, bk_rows **rows, int n, int list)
{
    int failed = 0;
    for (int i = 0; i < n; i++)
        failed |= bk_rows_error(rows[i]) != NULL;
    bk_json *j = bk_json_begin(req, failed && !list ? 400 : 200);
    if (list)
        bk_json_array_begin(j);
    for (int i = 0; i < n; i++)
        write_rows(j, rows[i]);
    if (list)
        bk_json_array_end(j);
    bk_json_send(req);
    for (int i = 0; i < n; i++)
        bk_rows_free(rows[i]);
}

static void sql(bk_req *req)
{
    json_t *doc = body_json(req);
    bk_db_stmt *st;
    int n;
    if (!doc)
        return;
    if (read_stmts(req, doc, &st, &n) != 0)
        return (void)bk_send_error(req, 422, "bad statement");
    apply_timeout(req);
    bk_rows *rows = NULL;
    int rc = bk_db_query(bk_req_task(req), db, st->sql, st->nparams, st->params, &rows);
    if (rc == 0 || rc == BK_EQUERY)
        answer_rows(req, &rows, 1, 0);
    else
        send_status_for(req, rc);
}

static void sql_many(bk_req *req)
{
    json_t *doc = body_json(req);
    bk_db_stmt *st;
    int n;
    if (!doc)
        return;
    if (read_stmts(req, doc, &st, &n) != 0)
        return (void)bk_send_error(req, 422, "bad statements");
    apply_timeout(req);
    bk_rows **rows = bk_req_alloc(req, (size_t)n * sizeof(*rows));
    if (!rows)
        return;
    int rc = bk_db_query_many(bk_req_task(req), db, n, st, rows);
    if (rc == 0 || rc == BK_EQUERY)
        answer_rows(req, rows, n, 1);
    else
        send_status_for(req, rc);
}

/* BEGIN, the statements (stopping at the first error), then the asked-for end. */
static void tx(bk_req *req)
{
    json_t *doc = body_json(req);
    bk_db_stmt *st;
    int n;
    if (!doc)
        return;
    if (read_stmts(req, doc, &st, &n) != 0)
        return (void)bk_send_error(req, 422, "bad statements");
    json_t *end = json_object_get(doc, "end");
    const char *how = json_is_string(end) ? json_string_value(end) : "commit";
    apply_timeout(req);
    bk_task *t = bk_req_task(req);
    bk_tx *x;
    int rc = bk_db_begin(t, db, &x);
    if (rc)
        return send_status_for(req, rc);
    bk_rows **rows = bk_req_alloc(req, (size_t)n * sizeof(*rows));
    int done = 0;
    for (; rows && done < n; done++) {
        rc = bk_tx_query(t, x, st[done].sql, st[done].nparams, st[done].params, &rows[done]);
        if (rc) {
            if (rc == BK_EQUERY)
                done++;
            break;
        }
    }
    if (rc && rc != BK_EQUERY) {
        for (int i = 0; i < done; i++)
            bk_rows_free(rows[i]);
        return send_status_for(req, rc); /* the transaction is rolled back when we return */
    }
    if (strcmp(how, "none") != 0) {
        int erc = strcmp(how, "rollback") == 0 ? bk_tx_rollback(t, x) : bk_tx_commit(t, x);
        if (erc && erc != BK_EQUERY) {
            for (int i = 0; i < done; i++)
                bk_rows_free(rows[i]);
            return send_status_for(req, erc);
        }
        if (erc == BK_EQUERY) {
            for (int i = 0; i < done; i++)
                bk_rows_free(rows[i]);
            return (void)bk_send_error(req, 409, "commit failed: rolled back");
        }
    }
    answer_rows(req, rows, done, 1);
}

static void fast(bk_req *req)
{
    bk_send_json(req, 200, "{\"message\":\"Fast response\"}");
}

static void kind(bk_req *req)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"kind\":\"%s\"}", bk_db_kind(db));
    bk_send_json(req, 200, body);
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app || bk_db_open(app, NULL, &db) != 0) {
        fprintf(stderr, "db_app: cannot set up the app or its database\n");
        return 1;
    }
    int rc = bk_post(app, "/sql", sql) | bk_post(app, "/sql-many", sql_many) |
             bk_post(app, "/tx", tx) | bk_get(app, "/fast", fast) | bk_get(app, "/kind", kind);
    if (rc) {
        fprintf(stderr, "db_app: route registration failed\n");
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
