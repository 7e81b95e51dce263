/* The six TechEmpower test types on brisk, following TechEmpower's rules
 * (https://github.com/TechEmpower/FrameworkBenchmarks/wiki/Project-Information-Framework-Tests-Overview):
 *
 *   GET /json            {"message":"Hello, World!"}, serialised per request
 *   GET /plaintext       Hello, World!
 *   GET /db              one random World row: one SELECT
 *   GET /queries?queries=N   N random rows, one SELECT each (N clamped to 1..500, not a number: 1),
 *                        sent together: one round trip
 *   GET /fortunes        every Fortune row plus one added at request time, sorted by message in
 *                        the app, HTML-escaped, UTF-8 kept
 *   GET /updates?queries=N   N rows read (one SELECT each), given new random numbers, written with
 *                        one bulk UPDATE before answering
 *
 * And, for the benchmark that shows what batching buys: GET /queries-sequential?queries=N, the
 * same N SELECTs awaited one after another (N round trips).
 *
 * brisk adds Server and Date to every response. The tables are TechEmpower's (techempower.sql);
 * `make techempower` sets up a PostgreSQL with them and serves this on 127.0.0.1:8080. The
 * database is $DATABASE_URL (one bk_db: statements of concurrent requests are pipelined). */
#include <brisk.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORLD_ROWS  10000
#define MAX_QUERIES 500

static const char SELECT_WORLD[] = "SELECT id, randomnumber FROM world WHERE id = $1";

static bk_db *db;

/* xorshift64*, one state per worker thread: random ids need no lock and no shared state. */
static _Thread_local uint64_t rng_state;

static int random_id(void)
{
    if (!rng_state)
        rng_state = (uint64_t)(uintptr_t)&rng_state ^ 0x9e3779b97f4a7c15ull;
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (int)((rng_state * 2685821657736338717ull) >> 33) % WORLD_ROWS + 1;
}

/* TechEmpower's rule for ?queries=: an integer clamped to 1..500, anything else 1. */
static int queries_param(bk_req *req)
{
    const char *s = bk_req_query(req, "queries");
    char *end;
    long n = s ? strtol(s, &end, 10) : 1;
    if (!s || end == s || *end)
        return 1;
    return n < 1 ? 1 : n > MAX_QUERIES ? MAX_QUERIES : (int)n;
}

/* The database is unreachable or refused: 503 for the first, 500 for the others. */
static void db_failed(bk_req *req, int rc)
{
    if (rc == BK_ECANCELED)
        return;
    bk_send_error(req, rc == BK_ECONNREFUSED || rc == BK_ECONNRESET ? 503 : 500, bk_strerror(rc));
}

static void json(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "message");
    bk_json_string(j, "Hello, World!");
    bk_json_object_end(j);
    bk_json_send(req);
}

static void plaintext(bk_req *req)
{
    bk_send(req, 200, "text/plain", "Hello, World!", 13);
}

static void write_world(bk_json *j, int64_t id, int64_t number)
{
    bk_json_object_begin(j);
    bk_json_key(j, "id");
    bk_json_int(j, id);
    bk_json_key(j, "randomNumber");
    bk_json_int(j, number);
    bk_json_object_end(j);
}

static int read_world(const bk_rows *r, int64_t *id, int64_t *number)
{
    if (bk_rows_count(r) != 1 || bk_rows_int(r, 0, 0, id) || bk_rows_int(r, 0, 1, number))
        return BK_EINVAL;
    return 0;
}

static void single(bk_req *req)
{
    bk_db_value id = BK_DB_INTV(random_id());
    bk_rows *r;
    int rc = bk_db_query(bk_req_task(req), db, SELECT_WORLD, 1, &id, &r);
    int64_t wid, number;
    if (rc == 0 && read_world(r, &wid, &number) == 0) {
        bk_json *j = bk_json_begin(req, 200);
        write_world(j, wid, number);
        bk_json_send(req);
    } else {
        db_failed(req, rc ? rc : BK_EINVAL);
    }
    bk_rows_free(r);
}

typedef struct worlds {
    int n;
    bk_db_value *ids;
    bk_db_stmt *stmts;
    bk_rows **rows;
    int64_t *id, *number;
} worlds;

static void free_rows(worlds *w)
{
    for (int i = 0; i < w->n; i++)
        bk_rows_free(w->rows[i]);
}

/* Reads n random rows, one SELECT each, sent together. Returns 0 or the failure. */
static int read_worlds(bk_req *req, worlds *w, int n)
{
    w->n = n;
    w->ids = bk_req_alloc(req, (size_t)n * sizeof(*w->ids));
    w->stmts = bk_req_alloc(req, (size_t)n * sizeof(*w->stmts));
    w->rows = bk_req_alloc(req, (size_t)n * sizeof(*w->rows));
    w->id = bk_req_alloc(req, (size_t)n * sizeof(*w->id));
    w->number = bk_req_alloc(req, (size_t)n * sizeof(*w->number));
    if (!w->ids || !w->stmts || !w->rows || !w->id || !w->number)
        return BK_ENOMEM;
    for (int i = 0; i < n; i++) {
        w->ids[i] = BK_DB_INTV(random_id());
        w->stmts[i] = (bk_db_stmt){SELECT_WORLD, 1, &w->ids[i]};
    }
    int rc = bk_db_query_many(bk_req_task(req), db, n, w->stmts, w->rows);
    if (rc == BK_EQUERY)
        free_rows(w);
    if (rc)
        return rc;
    for (int i = 0; i < n && !rc; i++)
        rc = read_world(w->rows[i], &w->id[i], &w->number[i]);
    free_rows(w);
    return rc;
}

static void send_worlds(bk_req *req, const worlds *w)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_array_begin(j);
    for (int i = 0; i < w->n; i++)
        write_world(j, w->id[i], w->number[i]);
    bk_json_array_end(j);
    bk_json_send(req);
}

static void queries(bk_req *req)
{
    worlds w;
    int rc = read_worlds(req, &w, queries_param(req));
    if (rc)
        return db_failed(req, rc);
    send_worlds(req, &w);
}

/* A row to write: id, new number, and its place in the answer. */
typedef struct write_row {
    int64_t id, number;
    int index;
} write_row;

/* /queries the slow way: one await per row. */
static void queries_sequential(bk_req *req)
{
    int n = queries_param(req);
    int64_t *id = bk_req_alloc(req, (size_t)n * sizeof(*id));
    int64_t *number = bk_req_alloc(req, (size_t)n * sizeof(*number));
    if (!id || !number)
        return db_failed(req, BK_ENOMEM);
    for (int i = 0; i < n; i++) {
        bk_db_value v = BK_DB_INTV(random_id());
        bk_rows *r;
        int rc = bk_db_query(bk_req_task(req), db, SELECT_WORLD, 1, &v, &r);
        if (rc == 0)
            rc = read_world(r, &id[i], &number[i]);
        bk_rows_free(r);
        if (rc)
            return db_failed(req, rc);
    }
    worlds w = {.n = n, .id = id, .number = number};
    send_worlds(req, &w);
}

static int by_id(const void *a, const void *b)
{
    const write_row *x = a, *y = b;
    if (x->id != y->id)
        return (x->id > y->id) - (x->id < y->id);
    return (x->index > y->index) - (x->index < y->index);
}

/* One bulk UPDATE for every row (TechEmpower allows it), rows in id order so that concurrent
 * requests lock them in the same order and never deadlock. */
/* Appends `v` and a comma to an array literal being built. */
static int append_int(bk_buf *b, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof(num), "%lld,", (long long)v);
    return bk_buf_append(b, num, (size_t)n);
}

/* Ends an array literal: its last comma becomes the closing brace, then a NUL. */
static int close_array(bk_buf *b)
{
    b->data[b->len - 1] = '}';
    return bk_buf_append(b, "", 1);
}

static const char UPDATE_WORLDS[] = "UPDATE world SET randomnumber = v.r "
                                    "FROM (SELECT unnest($1::int[]) AS id, unnest($2::int[]) AS r) "
                                    "AS v WHERE world.id = v.id";

/* One bulk UPDATE for every row (TechEmpower allows it), with the ids and the new numbers as two
 * array parameters: one prepared statement whatever the count. Rows in id order, so that
 * concurrent requests lock them in the same order and never deadlock. */
static int write_worlds(bk_req *req, worlds *w)
{
    write_row *rows = bk_req_alloc(req, (size_t)w->n * sizeof(*rows));
    if (!rows)
        return BK_ENOMEM;
    for (int i = 0; i < w->n; i++)
        rows[i] = (write_row){w->id[i], w->number[i], i};
    qsort(rows, (size_t)w->n, sizeof(*rows), by_id);
    bk_buf ids = {0}, numbers = {0};
    int rc = bk_buf_append(&ids, "{", 1) || bk_buf_append(&numbers, "{", 1) ? BK_ENOMEM : 0;
    for (int i = 0; i < w->n && !rc; i++) {
        int last = i;
        while (last + 1 < w->n && rows[last + 1].id == rows[i].id)
            last++;
        for (int k = i; k < last; k++) /* the same row twice: one write, the last value */
            w->number[rows[k].index] = rows[last].number;
        rc = append_int(&ids, rows[last].id) || append_int(&numbers, rows[last].number) ? BK_ENOMEM
                                                                                        : 0;
        i = last;
    }
    rc = rc ? rc : close_array(&ids) || close_array(&numbers) ? BK_ENOMEM : 0;
    bk_rows *r = NULL;
    if (!rc) {
        bk_db_value params[2] = {BK_DB_TEXTV(ids.data), BK_DB_TEXTV(numbers.data)};
        rc = bk_db_query(bk_req_task(req), db, UPDATE_WORLDS, 2, params, &r);
    }
    bk_rows_free(r);
    bk_buf_free(&ids);
    bk_buf_free(&numbers);
    return rc;
}

static void updates(bk_req *req)
{
    worlds w;
    int rc = read_worlds(req, &w, queries_param(req));
    for (int i = 0; !rc && i < w.n; i++) {
        int64_t fresh;
        do
            fresh = random_id();
        while (fresh == w.number[i]); /* a new value, so every row really changes */
        w.number[i] = fresh;
    }
    rc = rc ? rc : write_worlds(req, &w);
    if (rc)
        return db_failed(req, rc);
    send_worlds(req, &w);
}

typedef struct fortune {
    int64_t id;
    const char *message;
} fortune;

static int by_message(const void *a, const void *b)
{
    return strcmp(((const fortune *)a)->message, ((const fortune *)b)->message);
}

static int append_escaped(bk_buf *out, const char *s)
{
    int rc = 0;
    for (const char *run = s;; s++) {
        const char *esc = NULL;
        switch (*s) {
        case '&':
            esc = "&amp;";
            break;
        case '<':
            esc = "&lt;";
            break;
        case '>':
            esc = "&gt;";
            break;
        case '"':
            esc = "&quot;";
            break;
        case '\'':
            esc = "&#39;";
            break;
        case '\0':
            break;
        default:
            continue;
        }
        rc = rc ? rc : bk_buf_append(out, run, (size_t)(s - run));
        if (!esc)
            return rc;
        rc = rc ? rc : bk_buf_append_str(out, esc);
        run = s + 1;
    }
}

static int render_fortunes(bk_buf *out, const fortune *f, int n)
{
    int rc =
        bk_buf_append_str(out, "<!DOCTYPE html><html><head><title>Fortunes</title></head><body>"
                               "<table><tr><th>id</th><th>message</th></tr>");
    for (int i = 0; i < n && !rc; i++) {
        char id[32];
        snprintf(id, sizeof(id), "<tr><td>%lld</td><td>", (long long)f[i].id);
        rc = bk_buf_append_str(out, id);
        rc = rc ? rc : append_escaped(out, f[i].message);
        rc = rc ? rc : bk_buf_append_str(out, "</td></tr>");
    }
    return rc ? rc : bk_buf_append_str(out, "</table></body></html>");
}

static void fortunes(bk_req *req)
{
    bk_rows *r;
    int rc = bk_db_query(bk_req_task(req), db, "SELECT id, message FROM fortune", 0, NULL, &r);
    if (rc) {
        bk_rows_free(r);
        return db_failed(req, rc);
    }
    int n = bk_rows_count(r);
    fortune *f = bk_req_alloc(req, ((size_t)n + 1) * sizeof(*f));
    for (int i = 0; f && i < n; i++) {
        f[i].message = bk_rows_text(r, i, 1, NULL);
        if (bk_rows_int(r, i, 0, &f[i].id) || !f[i].message)
            f = NULL;
    }
    bk_buf html = {0};
    if (f) {
        f[n] = (fortune){0, "Additional fortune added at request time."};
        qsort(f, (size_t)n + 1, sizeof(*f), by_message);
        rc = render_fortunes(&html, f, n + 1);
    }
    if (f && !rc)
        bk_send(req, 200, "text/html; charset=utf-8", html.data, html.len);
    else
        db_failed(req, rc ? rc : BK_EINVAL);
    bk_buf_free(&html);
    bk_rows_free(r);
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app || bk_db_open(app, NULL, &db) != 0)
        return 2;
    int rc = bk_get(app, "/json", json) | bk_get(app, "/plaintext", plaintext) |
             bk_get(app, "/db", single) | bk_get(app, "/queries", queries) |
             bk_get(app, "/fortunes", fortunes) | bk_get(app, "/updates", updates) |
             bk_get(app, "/queries-sequential", queries_sequential);
    if (rc) {
        fprintf(stderr, "techempower: cannot register the routes\n");
        return 2;
    }
    rc = bk_run(app, argc, argv);
    bk_app_free(app);
    return rc;
}
