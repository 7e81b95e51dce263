/* test_app — the application the black-box HTTP suite (tests/http) drives. Public API only. */
#include <brisk.h>

#include <time.h>
#include <unistd.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Test-only counters for /stats (one worker in the tests that read them). */
static _Atomic long started_count;
static _Atomic long cancelled_count;
static _Atomic long deferred_count;
static _Atomic long blocking_started, blocking_finished; /* jobs on the thread pool */
static _Atomic long children_cancelled;                  /* /gather children that saw it */
static _Atomic long shielded_done;                       /* /shield sections that completed */
static _Atomic long fetch_cancelled;                     /* /fetch calls that saw BK_ECANCELED */

/* Parses a non-negative decimal query parameter; `dflt` when absent or malformed. */
static unsigned long long query_u64(bk_req *req, const char *name, unsigned long long dflt)
{
    const char *s = bk_req_query(req, name);
    if (!s || !*s)
        return dflt;
    char *end = NULL;
    unsigned long long v = strtoull(s, &end, 10);
    return (*end || s[0] == '-') ? dflt : v;
}

static void fast(bk_req *req)
{
    bk_send_json(req, 200, "{\"message\":\"Fast response\"}");
}

static void slow(bk_req *req)
{
    if (bk_sleep(req, 3000) != 0)
        return;
    bk_send_json(req, 200, "{\"message\":\"Slow response after 3 seconds\"}");
}

static void echo(bk_req *req)
{
    size_t len = 0;
    const char *body = bk_req_body(req, &len);
    char n[32];
    snprintf(n, sizeof n, "%zu", len);
    bk_set_header(req, "X-Body-Length", n);
    bk_send(req, 200, "application/octet-stream", body ? body : "", len);
}

/* {"<key>": <string or null>} through the JSON writer. */
static void send_one(bk_req *req, const char *key, const char *value)
{
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, key);
    if (value)
        bk_json_string(j, value);
    else
        bk_json_null(j);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void item(bk_req *req)
{
    send_one(req, "item_id", bk_req_param(req, "item_id"));
}
static void file(bk_req *req)
{
    send_one(req, "path", bk_req_param(req, "path"));
}
static void query(bk_req *req)
{
    send_one(req, "q", bk_req_query(req, "q"));
}
static void headers(bk_req *req)
{
    send_one(req, "user_agent", bk_req_header(req, "User-Agent"));
}

static void count_deferred(void *arg)
{
    (void)arg;
    atomic_fetch_add(&deferred_count, 1);
}

static void sleep_handler(bk_req *req)
{
    atomic_fetch_add(&started_count, 1);
    bk_defer(req, count_deferred, NULL);
    unsigned long long ms = query_u64(req, "ms", 0);
    if (bk_sleep(req, ms) == BK_ECANCELED) {
        atomic_fetch_add(&cancelled_count, 1);
        return;
    }
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "slept");
    bk_json_int(j, (int64_t)ms);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void stats(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "started");
    bk_json_int(j, atomic_load(&started_count));
    bk_json_key(j, "cancelled");
    bk_json_int(j, atomic_load(&cancelled_count));
    bk_json_key(j, "deferred");
    bk_json_int(j, atomic_load(&deferred_count));
    bk_json_key(j, "blocking_started");
    bk_json_int(j, atomic_load(&blocking_started));
    bk_json_key(j, "blocking_finished");
    bk_json_int(j, atomic_load(&blocking_finished));
    bk_json_key(j, "children_cancelled");
    bk_json_int(j, atomic_load(&children_cancelled));
    bk_json_key(j, "shielded_done");
    bk_json_int(j, atomic_load(&shielded_done));
    bk_json_key(j, "fetch_cancelled");
    bk_json_int(j, atomic_load(&fetch_cancelled));
    bk_json_object_end(j);
    bk_json_send(req);
}

/* ~1 KiB of stack per frame; the use after the call keeps it from becoming a tail call. */
static int recurse(unsigned long long depth)
{
    volatile char frame[1024];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (char)(depth + i);
    if (depth == 0)
        return frame[0];
    return recurse(depth - 1) + frame[sizeof frame - 1];
}

static void recurse_handler(bk_req *req)
{
    unsigned long long depth = query_u64(req, "depth", 0);
    volatile int sink = recurse(depth);
    (void)sink;
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "depth");
    bk_json_int(j, (int64_t)depth);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void big(bk_req *req)
{
    unsigned long long kb = query_u64(req, "kb", 0);
    if (kb > 64 * 1024) {
        bk_send_error(req, 422, "kb must be at most 65536");
        return;
    }
    size_t len = (size_t)kb * 1024;
    char *body = bk_req_alloc(req, len ? len : 1);
    if (!body) {
        bk_send_error(req, 500, "out of memory");
        return;
    }
    memset(body, 'x', len);
    bk_send(req, 200, "text/plain", body, len);
}

/* A quote, a backslash, a newline, a tab, U+0001, é, €, 😀 (1-, 2-, 3- and 4-byte UTF-8). */
static const char ESCAPE_VALUE[] = "q\"b\\n\nt\tc\x01"
                                   "e\xc3\xa9"
                                   "u\xe2\x82\xac"
                                   "s\xf0\x9f\x98\x80";

static void escape(bk_req *req)
{
    send_one(req, "value", ESCAPE_VALUE);
}

static void text(bk_req *req)
{
    bk_send_text(req, 200, "hello");
}

static void custom(bk_req *req)
{
    bk_set_header(req, "X-Custom", "yes");
    bk_send_json(req, 201, "{\"created\":true}");
}

static void noresponse(bk_req *req)
{
    (void)req;
}

/* /longkey: a query parameter with a 300-byte name (query keys have no length cap). */
static void longkey(bk_req *req)
{
    char name[301];
    memset(name, 'k', 300);
    name[300] = '\0';
    send_one(req, "value", bk_req_query(req, name));
}

/* {"rc": rc}: what a brisk call answered. */
static void send_rc(bk_req *req, int rc)
{
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "rc");
    bk_json_int(j, rc);
    bk_json_object_end(j);
    bk_json_send(req);
}

/* /framing?name=N&value=V: bk_set_header(N, V)'s answer; the header goes out when accepted. */
static void framing(bk_req *req)
{
    const char *name = bk_req_query(req, "name"), *value = bk_req_query(req, "value");
    send_rc(req, bk_set_header(req, name ? name : "", value ? value : ""));
}

/* /status?code=N: a "body" with status N; when bk_send refuses it, {"rc": rc} with 200. */
static void status_handler(bk_req *req)
{
    int code = (int)query_u64(req, "code", 200);
    int rc = bk_send(req, code, "text/plain", "body", 4);
    if (rc != 0)
        send_rc(req, rc);
}

/* What middleware does to a response's headers: replace, append, remove, read, override. */
static void header_ops(bk_req *req)
{
    bk_set_header(req, "X-Replaced", "old");
    bk_set_header(req, "x-replaced", "new");
    bk_add_header(req, "Set-Cookie", "a=1");
    bk_add_header(req, "Set-Cookie", "b=2");
    bk_set_header(req, "X-Removed", "gone");
    int removed = bk_remove_header(req, "x-removed");
    int removed_again = bk_remove_header(req, "X-Removed");
    bk_set_header(req, "Server", "custom");
    const char *read = bk_response_header(req, "X-REPLACED");
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "read");
    bk_json_string(j, read ? read : "");
    bk_json_key(j, "removed");
    bk_json_int(j, removed);
    bk_json_key(j, "removed_again");
    bk_json_int(j, removed_again);
    bk_json_object_end(j);
    bk_json_send(req);
}

/* What a handler must not do: hold the worker without awaiting (brisk warns about it). */
static void block(bk_req *req)
{
    const char *ms = bk_req_query(req, "ms");
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long wait_ns = (ms ? atol(ms) : 0) * 1000000L;
    do
        clock_gettime(CLOCK_MONOTONIC, &now);
    while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < wait_ns);
    bk_send_text(req, 200, "blocked");
}

/* Blocks its thread for `ms` like a synchronous library call would. */
static void blocking_sleep(unsigned long long ms)
{
    atomic_fetch_add(&blocking_started, 1);
    usleep((useconds_t)(ms * 1000));
    atomic_fetch_add(&blocking_finished, 1);
}

static void send_slept(bk_req *req, unsigned long long ms)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"slept\":%llu}", ms);
    bk_send_json(req, 200, body);
}

/* A blocking route (FastAPI's plain `def`): the whole handler runs on the thread pool. */
static void blocking_route(bk_req *req)
{
    unsigned long long ms = query_u64(req, "ms", 0);
    blocking_sleep(ms);
    send_slept(req, ms);
}

static void offload_job(void *arg)
{
    blocking_sleep(*(unsigned long long *)arg);
}

/* An async handler that sends one blocking call to the pool (run_in_threadpool). */
static void offload(bk_req *req)
{
    unsigned long long *ms = bk_req_alloc(req, sizeof(*ms));
    if (!ms)
        return;
    *ms = query_u64(req, "ms", 0);
    int rc = bk_run_blocking(bk_req_task(req), offload_job, ms);
    if (rc == BK_EAGAIN)
        bk_send_error(req, 503, "thread pool busy");
    else if (rc == 0)
        send_slept(req, *ms);
}

/* Registered with a 100 ms deadline. */
static void deadline(bk_req *req)
{
    unsigned long long ms = query_u64(req, "ms", 0);
    if (bk_sleep(req, ms) == 0)
        send_slept(req, ms);
}

typedef struct child_arg {
    unsigned long long ms;
    int fail;
} child_arg;

static int gather_child(bk_task *task, void *arg)
{
    child_arg *c = arg;
    if (c->fail)
        return BK_ERANGE; /* at once */
    int rc = bk_task_sleep(task, c->ms);
    if (rc == BK_ECANCELED)
        atomic_fetch_add(&children_cancelled, 1);
    return rc;
}

/* n children that each sleep ms concurrently; ?fail=i makes child i fail at once; ?fast=1 makes
 * the first failure cancel the rest. */
static void gather(bk_req *req)
{
    unsigned long long n = query_u64(req, "n", 1), ms = query_u64(req, "ms", 0);
    unsigned long long fail = query_u64(req, "fail", ~0ULL);
    if (n == 0 || n > 10000)
        return (void)bk_send_error(req, 422, "n must be 1..10000");
    child_arg *args = bk_req_alloc(req, n * sizeof(*args));
    int *results = bk_req_alloc(req, n * sizeof(*results));
    bk_group *g =
        bk_group_new(bk_req_task(req), query_u64(req, "fast", 0) ? BK_GROUP_FAIL_FAST : 0);
    if (!args || !results || !g)
        return (void)bk_send_error(req, 503, "out of memory");
    for (unsigned long long i = 0; i < n; i++) {
        args[i] = (child_arg){ms, i == fail};
        if (bk_group_spawn(g, gather_child, &args[i]) != 0)
            break;
    }
    int spawned = bk_group_size(g);
    int rc = bk_group_wait(g, results);
    if (rc == BK_ECANCELED)
        return;
    int ok = 0;
    for (int i = 0; i < spawned; i++)
        ok += results[i] == 0;
    char body[128];
    snprintf(body, sizeof(body), "{\"children\":%d,\"ok\":%d,\"error\":\"%s\"}", spawned, ok,
             rc ? bk_strerror(rc) : "");
    bk_send_json(req, 200, body);
}

/* Work that must finish even when the client leaves (a COMMIT): ms in a shielded section. */
static void shield(bk_req *req)
{
    bk_task *t = bk_req_task(req);
    unsigned long long ms = query_u64(req, "ms", 0);
    bk_shield_begin(t);
    int rc = bk_sleep(req, ms);
    if (rc == 0)
        atomic_fetch_add(&shielded_done, 1);
    if (bk_shield_end(t) == 0 && rc == 0)
        send_slept(req, ms);
}

/* {"error": code, "detail": text} with 502, for a failed bk_fetch. */
static void send_fetch_error(bk_req *req, int rc)
{
    char body[160];
    snprintf(body, sizeof(body), "{\"error\":%d,\"detail\":\"%s\"}", rc, bk_strerror(rc));
    bk_send_json(req, 502, body);
}

/* The upstream's answer as {"status", "body", "x_upstream", "content_type"}. */
static void send_fetched(bk_req *req, const bk_fetch_result *r)
{
    size_t len = 0;
    const char *body = bk_fetch_body(r, &len);
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "status");
    bk_json_int(j, bk_fetch_status(r));
    bk_json_key(j, "body");
    bk_json_string_len(j, body, len);
    const char *names[] = {"X-Upstream", "Content-Type", "X-Method", "X-Seen-Content-Type"};
    const char *keys[] = {"x_upstream", "content_type", "x_method", "x_seen_content_type"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = bk_fetch_header(r, names[i]);
        bk_json_key(j, keys[i]);
        if (v)
            bk_json_string(j, v);
        else
            bk_json_null(j);
    }
    bk_json_object_end(j);
    bk_json_send(req);
}

/* GET or POST /fetch?url=U[&method=M][&timeout=ms][&max=bytes]: fetches U, forwarding the
 * request body and its Content-Type, and answers what came back (send_fetched) or 502. */
static void fetch_handler(bk_req *req)
{
    const char *url = bk_req_query(req, "url");
    if (!url)
        return (void)bk_send_error(req, 422, "url is required");
    size_t len = 0;
    const char *body = bk_req_body(req, &len);
    const char *ct = bk_req_header(req, "Content-Type");
    char ct_line[256];
    snprintf(ct_line, sizeof(ct_line), "Content-Type: %s", ct ? ct : "");
    const char *headers[] = {"X-From: test_app", ct ? ct_line : NULL, NULL};
    bk_fetch_opts o = {.method = bk_req_query(req, "method"),
                       .headers = headers,
                       .body = body,
                       .body_len = len,
                       .timeout_ms = query_u64(req, "timeout", 0),
                       .max_response_size = (size_t)query_u64(req, "max", 0)};
    bk_fetch_result *r = NULL;
    int rc = bk_fetch(bk_req_task(req), url, &o, &r);
    if (rc == BK_ECANCELED)
        atomic_fetch_add(&fetch_cancelled, 1);
    else if (rc)
        send_fetch_error(req, rc);
    else
        send_fetched(req, r);
    bk_fetch_result_free(r);
}

/* One child of /fetch-many: 0 when the upstream answered 200. */
static int fetch_child(bk_task *task, void *arg)
{
    bk_fetch_result *r = NULL;
    int rc = bk_fetch(task, arg, NULL, &r);
    if (rc == 0 && bk_fetch_status(r) != 200)
        rc = BK_EPROTO;
    bk_fetch_result_free(r);
    return rc;
}

/* GET /fetch-many?n=N&url=U: N concurrent fetches of U as children; {"calls", "ok", "error"}. */
static void fetch_many(bk_req *req)
{
    unsigned long long n = query_u64(req, "n", 1);
    const char *url = bk_req_query(req, "url");
    if (!url || n == 0 || n > 10000)
        return (void)bk_send_error(req, 422, "url and n (1..10000) are required");
    int *results = bk_req_alloc(req, n * sizeof(*results));
    bk_group *g = bk_group_new(bk_req_task(req), 0);
    if (!results || !g)
        return (void)bk_send_error(req, 503, "out of memory");
    for (unsigned long long i = 0; i < n; i++)
        if (bk_group_spawn(g, fetch_child, (void *)url) != 0)
            break;
    int spawned = bk_group_size(g);
    if (bk_group_wait(g, results) == BK_ECANCELED)
        return;
    int ok = 0, first_error = 0;
    for (int i = 0; i < spawned; i++) {
        ok += results[i] == 0;
        if (results[i] && !first_error)
            first_error = results[i];
    }
    char body[128];
    snprintf(body, sizeof(body), "{\"calls\":%d,\"ok\":%d,\"error\":%d}", spawned, ok, first_error);
    bk_send_json(req, 200, body);
}

/* ---- databases: only when $DATABASE_URL is set (tests/http/test_sqlite.py) ---- */

static bk_db *test_db;

/* Query parameters p1..p9 as typed values: "i:5", "f:1.5", "t:text", "b:1", "n:" (NULL). */
static int db_params(bk_req *req, bk_db_value *vals)
{
    int n = 0;
    for (int i = 1; i <= 9; i++) {
        char name[4] = {'p', (char)('0' + i), 0};
        const char *v = bk_req_query(req, name);
        if (!v || strlen(v) < 2 || v[1] != ':')
            break;
        switch (v[0]) {
        case 'i':
            vals[n++] = BK_DB_INTV(strtoll(v + 2, NULL, 10));
            break;
        case 'f':
            vals[n++] = BK_DB_FLOATV(strtod(v + 2, NULL));
            break;
        case 'b':
            vals[n++] = BK_DB_BOOLV(v[2] == '1');
            break;
        case 'n':
            vals[n++] = BK_DB_NULLV;
            break;
        default:
            vals[n++] = BK_DB_TEXTV(v + 2);
        }
    }
    return n;
}

static void json_value(bk_json *j, const bk_rows *rows, int r, int c)
{
    int64_t i;
    double f;
    switch (bk_rows_type(rows, r, c)) {
    case BK_DB_INT:
        bk_rows_int(rows, r, c, &i);
        bk_json_int(j, i);
        break;
    case BK_DB_FLOAT:
        bk_rows_float(rows, r, c, &f);
        bk_json_double(j, f);
        break;
    case BK_DB_NULL:
        bk_json_null(j);
        break;
    default: {
        size_t len = 0;
        const char *s = bk_rows_text(rows, r, c, &len);
        bk_json_string_len(j, s, len);
    }
    }
}

/* Answers a query's outcome: 200 {"columns", "types", "rows", "affected"}, 400 {"error",
 * "sqlstate"} for BK_EQUERY, 503 {"detail"} for another failure. */
static void send_rows(bk_req *req, int err, const bk_rows *rows)
{
    if (err && err != BK_EQUERY) {
        if (err != BK_ECANCELED)
            bk_send_error(req, 503, bk_strerror(err));
        return;
    }
    bk_json *j = bk_json_begin(req, err ? 400 : 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    if (err) {
        bk_json_key(j, "error");
        bk_json_string(j, bk_rows_error(rows));
        bk_json_key(j, "sqlstate");
        bk_json_string(j, bk_rows_sqlstate(rows));
    } else {
        static const char *const types[] = {"null", "int", "float", "text", "bool"};
        bk_json_key(j, "columns");
        bk_json_array_begin(j);
        for (int c = 0; c < bk_rows_columns(rows); c++)
            bk_json_string(j, bk_rows_name(rows, c));
        bk_json_array_end(j);
        bk_json_key(j, "types");
        bk_json_array_begin(j);
        for (int c = 0; bk_rows_count(rows) && c < bk_rows_columns(rows); c++)
            bk_json_string(j, types[bk_rows_type(rows, 0, c)]);
        bk_json_array_end(j);
        bk_json_key(j, "rows");
        bk_json_array_begin(j);
        for (int r = 0; r < bk_rows_count(rows); r++) {
            bk_json_array_begin(j);
            for (int c = 0; c < bk_rows_columns(rows); c++)
                json_value(j, rows, r, c);
            bk_json_array_end(j);
        }
        bk_json_array_end(j);
        bk_json_key(j, "affected");
        bk_json_int(j, bk_rows_affected(rows));
    }
    bk_json_object_end(j);
    bk_json_send(req);
}

/* GET /db/query?sql=...&p1=...: one statement. */
static void db_query(bk_req *req)
{
    const char *sql = bk_req_query(req, "sql");
    if (!sql) {
        bk_send_error(req, 422, "sql is required");
        return;
    }
    bk_db_value vals[9];
    int n = db_params(req, vals);
    bk_rows *rows = NULL;
    int err = bk_db_query(bk_req_task(req), test_db, sql, n, vals, &rows);
    send_rows(req, err, rows);
    bk_rows_free(rows);
}

/* GET /db/many?sql=...&sql2=...&sql3=...: bk_db_query_many; answers the last statement's rows
 * and the number that failed. */
static void db_many(bk_req *req)
{
    bk_db_stmt st[3];
    int n = 0;
    const char *names[] = {"sql", "sql2", "sql3"};
    for (int i = 0; i < 3; i++) {
        const char *sql = bk_req_query(req, names[i]);
        if (sql)
            st[n++] = (bk_db_stmt){sql, 0, NULL};
    }
    bk_rows *rows[3] = {NULL, NULL, NULL};
    int err = n ? bk_db_query_many(bk_req_task(req), test_db, n, st, rows) : BK_EINVAL;
    int failed = 0;
    for (int i = 0; i < n; i++)
        failed += bk_rows_error(rows[i]) != NULL;
    char hdr[16];
    snprintf(hdr, sizeof(hdr), "%d", failed);
    bk_set_header(req, "X-Failed", hdr);
    send_rows(req, err == BK_EQUERY ? 0 : err, n ? rows[n - 1] : NULL);
    for (int i = 0; i < n; i++)
        bk_rows_free(rows[i]);
}

/* GET /db/tx?sql=...&end=commit|rollback|open[&ms=N]: the statement in a transaction, which
 * then commits, rolls back, or is left open when the handler returns (its cleanup rolls it
 * back). `ms` sleeps inside the transaction first. */
static void db_tx(bk_req *req)
{
    bk_task *t = bk_req_task(req);
    const char *sql = bk_req_query(req, "sql");
    const char *end = bk_req_query(req, "end");
    bk_tx *tx = NULL;
    int err = bk_db_begin(t, test_db, &tx);
    if (err) {
        send_rows(req, err, NULL);
        return;
    }
    bk_db_value vals[9];
    int n = db_params(req, vals);
    bk_rows *rows = NULL;
    err = bk_tx_query(t, tx, sql ? sql : "SELECT 1", n, vals, &rows);
    unsigned long long ms = query_u64(req, "ms", 0);
    if (!err && ms)
        err = bk_sleep(req, ms);
    if (!err && end && strcmp(end, "open") == 0) {
        send_rows(req, 0, rows); /* the task's cleanup rolls it back */
    } else if (!err) {
        err = end && strcmp(end, "rollback") == 0 ? bk_tx_rollback(t, tx) : bk_tx_commit(t, tx);
        send_rows(req, err, rows);
    } else {
        send_rows(req, err, rows); /* and the cleanup rolls back */
    }
    bk_rows_free(rows);
}

/* /bg?ms=N (a typed operation): answers 202 at once, then a background task awaits N ms and
 * logs "background done N"; its cleanup logs "background cleanup" whatever happened. */
typedef struct bg_in {
    int64_t ms;
} bg_in;
static const bk_field bg_fields[] = {BK_FIELD(bg_in, ms, BK_FROM_QUERY, BK_GE(0)), BK_END};
static const bk_model bg_params = BK_MODEL(bg_in, "bg", bg_fields);

static int bg_sleep(bk_task *task, void *arg)
{
    int64_t ms = *(int64_t *)arg;
    int rc = bk_task_sleep(task, (uint64_t)ms);
    fprintf(stderr, "background %s %lld\n", rc ? "aborted" : "done", (long long)ms);
    return rc;
}

static void bg_cleanup(void *arg)
{
    fprintf(stderr, "background cleanup\n");
    free(arg);
}

static void background(bk_req *req)
{
    int64_t *ms = malloc(sizeof(*ms));
    if (!ms) {
        bk_send_error(req, 503, "Service Unavailable");
        return;
    }
    *ms = BK_PARAMS(req, bg_in)->ms;
    if (bk_background(req, bg_sleep, ms, bg_cleanup) != 0) {
        bk_send_error(req, 503, "Service Unavailable");
        return;
    }
    bk_send_json(req, 202, "{\"queued\":true}");
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app) {
        fprintf(stderr, "test_app: out of memory\n");
        return 1;
    }
    int rc = 0;
    rc |= bk_get(app, "/fast", fast);
    rc |= bk_get(app, "/slow", slow);
    rc |= bk_post(app, "/echo", echo);
    rc |= bk_get(app, "/items/{item_id}", item);
    rc |= bk_get(app, "/files/{path:path}", file);
    rc |= bk_get(app, "/query", query);
    rc |= bk_get(app, "/headers", headers);
    rc |= bk_get(app, "/sleep", sleep_handler);
    rc |= bk_get(app, "/stats", stats);
    rc |= bk_get(app, "/recurse", recurse_handler);
    rc |= bk_get(app, "/big", big);
    rc |= bk_get(app, "/escape", escape);
    rc |= bk_get(app, "/text", text);
    rc |= bk_get(app, "/custom", custom);
    rc |= bk_get(app, "/noresponse", noresponse);
    rc |= bk_get(app, "/block", block);
    rc |= bk_get(app, "/framing", framing);
    rc |= bk_get(app, "/longkey", longkey);
    rc |= bk_get(app, "/status", status_handler);
    rc |= BK_OP(app, BK_GET, "/bg", background, .params = &bg_params, .status = 202);
    rc |= bk_get(app, "/header-ops", header_ops);
    rc |= bk_route_with(app, BK_GET, "/blocking", blocking_route, &(bk_route_opts){.blocking = 1});
    rc |= bk_get(app, "/offload", offload);
    rc |= bk_route_with(app, BK_GET, "/deadline", deadline, &(bk_route_opts){.timeout_ms = 100});
    rc |= bk_route_with(app, BK_GET, "/deadline-blocking", blocking_route,
                        &(bk_route_opts){.blocking = 1, .timeout_ms = 100});
    rc |= bk_get(app, "/gather", gather);
    rc |= bk_get(app, "/shield", shield);
    rc |= bk_get(app, "/fetch", fetch_handler);
    rc |= bk_post(app, "/fetch", fetch_handler);
    rc |= bk_get(app, "/fetch-many", fetch_many);
    if (getenv("DATABASE_URL")) {
        rc |= bk_db_open(app, NULL, &test_db);
        rc |= bk_get(app, "/db/query", db_query);
        rc |= bk_get(app, "/db/many", db_many);
        rc |= bk_get(app, "/db/tx", db_tx);
    }
    if (rc != 0) {
        fprintf(stderr, "test_app: route registration failed\n");
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
