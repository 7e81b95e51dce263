/* Unit tests of the in-process test client (src/testclient): an app tested as a user would test
 * theirs, through brisk.h alone — plain, awaiting and blocking handlers, the app's own 404 and
 * 405, request bodies and headers, lifespan hooks that seed per-worker state and shutdown hooks
 * that release it, a failing start-up, and a handler that never answers. */
#include "brisk.h"
#include "check.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the app under test ---- */

/* What the start-up hooks seed for each worker, and the shutdown hooks release. */
typedef struct app_state {
    char greeting[32];
    int requests; /* counted by /state */
} app_state;

/* What the hooks saw, for the test to look at afterwards. */
static struct {
    char order[16];         /* hook calls in order: 'a', 'b' start-up; 'y', 'z' shutdown */
    int state_at_shutdown;  /* requests counted when the shutdown hooks ran */
    int never_result;       /* what /never's await returned */
    int never_returned;     /* /never's handler has returned */
    pthread_t loop_thread;  /* where the awaiting handlers ran */
    pthread_t block_thread; /* where the blocking one ran */
} seen;

static void saw(char c)
{
    size_t n = strlen(seen.order);
    if (n + 1 < sizeof(seen.order))
        seen.order[n] = c;
}

/* First start-up hook: awaits (as opening a pool would), then seeds the worker's state. */
static int seed_state(bk_task *task, void *arg)
{
    saw('a');
    int err = bk_task_sleep(task, 20);
    if (err)
        return err;
    app_state *st = calloc(1, sizeof(*st));
    if (!st)
        return BK_ENOMEM;
    snprintf(st->greeting, sizeof(st->greeting), "%s, worker %d", (const char *)arg,
             bk_worker_index(task));
    return bk_worker_set_state(task, st);
}

/* Second start-up hook: sees what the first one set up. */
static int check_seeded(bk_task *task, void *arg)
{
    (void)arg;
    saw('b');
    return bk_worker_state(task) ? 0 : BK_ENOENT;
}

/* Shutdown hooks, most recent first: 'z' (registered last) then 'y', which frees the state. */
static int shutdown_z(bk_task *task, void *arg)
{
    (void)arg;
    saw('z');
    return bk_task_sleep(task, 10); /* shutdown hooks may await too */
}

static int free_state(bk_task *task, void *arg)
{
    (void)arg;
    saw('y');
    app_state *st = bk_worker_state(task);
    if (st) /* NULL when the start-up failed before seeding it */
        seen.state_at_shutdown = st->requests;
    free(st);
    bk_worker_set_state(task, NULL);
    return 0;
}

static int fail_startup(bk_task *task, void *arg)
{
    (void)task;
    (void)arg;
    saw('!');
    return BK_ECONNREFUSED;
}

static void h_plain(bk_req *req)
{
    seen.loop_thread = pthread_self();
    bk_send_json(req, 200, "{\"hello\":\"world\"}");
}

static void h_sleep(bk_req *req)
{
    const char *ms = bk_req_query(req, "ms");
    long n = ms ? strtol(ms, NULL, 10) : 0;
    if (bk_sleep(req, (uint64_t)n) != 0)
        return;
    char body[64];
    snprintf(body, sizeof(body), "{\"slept\":%ld}", n);
    bk_send_json(req, 200, body);
}

static void h_blocking(bk_req *req)
{
    seen.block_thread = pthread_self();
    usleep(50 * 1000); /* blocking is allowed here: the handler runs on the thread pool */
    bk_send_text(req, 200, "blocked");
}

static void h_echo(bk_req *req)
{
    size_t len;
    const char *body = bk_req_body(req, &len);
    const char *type = bk_req_header(req, "Content-Type");
    bk_send(req, 201, type ? type : "application/octet-stream", body, len);
}

static void h_state(bk_req *req)
{
    app_state *st = bk_worker_state(bk_req_task(req));
    if (!st) {
        bk_send_error(req, 500, "no state");
        return;
    }
    st->requests++;
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "greeting");
    bk_json_string(j, st->greeting);
    bk_json_key(j, "requests");
    bk_json_int(j, st->requests);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void h_headers(bk_req *req)
{
    char body[256];
    snprintf(body, sizeof(body), "%s|%s|%s|%s", bk_req_header(req, "Host"),
             bk_req_header(req, "User-Agent"), bk_req_header(req, "X-Test") ?: "-",
             bk_req_peer(req));
    bk_send_text(req, 200, body);
}

static void h_never(bk_req *req)
{
    seen.never_result = bk_sleep(req, 3600 * 1000);
    seen.never_returned = 1;
}

static void send_name(bk_req *req, const char *name)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "name");
    bk_json_string(j, name);
    bk_json_object_end(j);
    bk_json_send(req);
}

static bk_app *make_app(void)
{
    bk_app *app = bk_app_new();
    CHECK(app != NULL);
    bk_route_opts blocking = {.blocking = 1};
    CHECK(bk_get(app, "/plain", h_plain) == 0);
    CHECK(bk_get(app, "/sleep", h_sleep) == 0);
    CHECK(bk_route_with(app, BK_GET, "/blocking", h_blocking, &blocking) == 0);
    CHECK(bk_post(app, "/echo", h_echo) == 0);
    CHECK(bk_get(app, "/state", h_state) == 0);
    CHECK(bk_get(app, "/headers", h_headers) == 0);
    CHECK(bk_get(app, "/never", h_never) == 0);
    CHECK(bk_app_on_startup(app, seed_state, "hello") == 0);
    CHECK(bk_app_on_startup(app, check_seeded, NULL) == 0);
    CHECK(bk_app_on_shutdown(app, free_state, NULL) == 0);
    CHECK(bk_app_on_shutdown(app, shutdown_z, NULL) == 0);
    return app;
}

/* ---- tests ---- */

static void test_plain_and_head(bk_test_client *tc)
{
    bk_test_response *r;
    CHECK(bk_test_get(tc, "/plain", &r) == 0);
    CHECK(bk_test_status(r) == 200);
    size_t len;
    CHECK_STREQ(bk_test_body(r, &len), "{\"hello\":\"world\"}");
    CHECK(len == 17);
    CHECK_STREQ(bk_test_header(r, "content-type"), "application/json");
    CHECK_STREQ(bk_test_header(r, "Content-Length"), "17");
    CHECK_STREQ(bk_test_header(r, "server"), "brisk");
    CHECK(bk_test_header(r, "Date") != NULL);
    CHECK(bk_test_header(r, "X-Nope") == NULL);
    /* every field, in order, by index */
    CHECK(bk_test_header_count(r) == 4);
    const char *name = NULL;
    CHECK(bk_test_header_at(r, 0, &name) != NULL && name != NULL);
    CHECK(bk_test_header_at(r, 4, &name) == NULL);
    CHECK(pthread_equal(seen.loop_thread, pthread_self())); /* the worker runs on our thread */
    bk_test_response_free(r);

    /* HEAD: the GET handler's headers, no body */
    CHECK(bk_test_request(tc, "HEAD", "/plain", NULL, NULL, 0, &r) == 0);
    CHECK(bk_test_status(r) == 200);
    CHECK_STREQ(bk_test_header(r, "Content-Length"), "17");
    CHECK(bk_test_body(r, &len) != NULL && len == 0);
    bk_test_response_free(r);
}

static void test_awaiting_handler(bk_test_client *tc)
{
    bk_test_response *r;
    double t0 = now_s();
    CHECK(bk_test_get(tc, "/sleep?ms=150", &r) == 0);
    double took = now_s() - t0;
    CHECK(took >= 0.14 && took < 5.0); /* the client ran the loop until the timer fired */
    CHECK(bk_test_status(r) == 200);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"slept\":150}");
    bk_test_response_free(r);
}

static void test_blocking_handler(bk_test_client *tc)
{
    bk_test_response *r;
    CHECK(bk_test_get(tc, "/blocking", &r) == 0);
    CHECK(bk_test_status(r) == 200);
    CHECK_STREQ(bk_test_body(r, NULL), "blocked");
    CHECK_STREQ(bk_test_header(r, "Content-Type"), "text/plain; charset=utf-8");
    CHECK(!pthread_equal(seen.block_thread, pthread_self())); /* on the client's thread pool */
    bk_test_response_free(r);
}

static void test_not_found_and_not_allowed(bk_test_client *tc)
{
    bk_test_response *r;
    CHECK(bk_test_get(tc, "/nope", &r) == 0);
    CHECK(bk_test_status(r) == 404);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"detail\":\"Not Found\"}");
    bk_test_response_free(r);

    CHECK(bk_test_request(tc, "DELETE", "/plain", NULL, NULL, 0, &r) == 0);
    CHECK(bk_test_status(r) == 405);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"detail\":\"Method Not Allowed\"}");
    CHECK_STREQ(bk_test_header(r, "Allow"), "GET, HEAD");
    bk_test_response_free(r);
}

static void test_post_bodies(bk_test_client *tc)
{
    bk_test_response *r;
    CHECK(bk_test_post_json(tc, "/echo", "{\"name\":\"Ada\",\"n\":1}", &r) == 0);
    CHECK(bk_test_status(r) == 201);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"name\":\"Ada\",\"n\":1}");
    CHECK_STREQ(bk_test_header(r, "Content-Type"), "application/json");
    bk_test_response_free(r);

    /* larger than a socket buffer: the client writes it while the worker reads */
    size_t big = 600 * 1024;
    char *data = malloc(big);
    CHECK(data != NULL);
    for (size_t i = 0; data && i < big; i++)
        data[i] = (char)('a' + i % 26);
    const char *const hdrs[] = {"Content-Type", "text/plain", NULL};
    CHECK(bk_test_request(tc, "POST", "/echo", hdrs, data, big, &r) == 0);
    size_t len = 0;
    const char *body = bk_test_body(r, &len);
    CHECK(bk_test_status(r) == 201 && len == big && data && memcmp(body, data, big) == 0);
    bk_test_response_free(r);
    free(data);

    /* the app's own limit, as on the wire: 413 */
    char *huge = calloc(1, 2 * 1024 * 1024);
    CHECK(bk_test_request(tc, "POST", "/echo", NULL, huge, 2 * 1024 * 1024, &r) == 0);
    CHECK(bk_test_status(r) == 413);
    bk_test_response_free(r);
    free(huge);
}

static void test_request_headers(bk_test_client *tc)
{
    bk_test_response *r;
    CHECK(bk_test_get(tc, "/headers", &r) == 0);
    CHECK_STREQ(bk_test_body(r, NULL), "testserver|testclient|-|testclient:50000");
    bk_test_response_free(r);

    const char *const hdrs[] = {"host", "example.com", "X-Test", "yes", NULL};
    CHECK(bk_test_request(tc, "GET", "/headers", hdrs, NULL, 0, &r) == 0);
    CHECK_STREQ(bk_test_body(r, NULL), "example.com|testclient|yes|testclient:50000");
    bk_test_response_free(r);

    /* what would change the request's framing is refused before anything is sent */
    const char *const split[] = {"X-Test", "a\r\nX-Evil: 1", NULL};
    r = (bk_test_response *)&r; /* any non-NULL: it must be reset */
    CHECK(bk_test_request(tc, "GET", "/headers", split, NULL, 0, &r) == BK_EINVAL && !r);
    CHECK(bk_test_request(tc, "GE T", "/headers", NULL, NULL, 0, &r) == BK_EINVAL);
    CHECK(bk_test_request(tc, "GET", "/a b", NULL, NULL, 0, &r) == BK_EINVAL);
    CHECK(bk_test_request(tc, "POST", "/echo", NULL, NULL, 5, &r) == BK_EINVAL);
}

static void test_state_seeded_by_startup(bk_test_client *tc)
{
    CHECK_STREQ(seen.order, "ab"); /* both start-up hooks, in order, and no shutdown hook yet */
    bk_test_response *r;
    CHECK(bk_test_get(tc, "/state", &r) == 0);
    CHECK(bk_test_status(r) == 200);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"greeting\":\"hello, worker 0\",\"requests\":1}");
    bk_test_response_free(r);
    CHECK(bk_test_get(tc, "/state", &r) == 0);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"greeting\":\"hello, worker 0\",\"requests\":2}");
    bk_test_response_free(r);
}

static void test_handler_that_never_answers(bk_test_client *tc)
{
    bk_test_client_set_timeout(tc, 300);
    bk_test_response *r;
    double t0 = now_s();
    CHECK(bk_test_get(tc, "/never", &r) == BK_ETIMEDOUT);
    CHECK(r == NULL);
    CHECK(now_s() - t0 < 3.0);
    bk_test_client_set_timeout(tc, 0); /* back to the default */
    /* the client goes on; its next call runs the loop, where the abandoned handler's
     * connection closes and cancels it, as when a client leaves */
    CHECK(bk_test_get(tc, "/plain", &r) == 0 && bk_test_status(r) == 200);
    bk_test_response_free(r);
    CHECK(seen.never_returned && seen.never_result == BK_ECANCELED);
}

static void test_lifespan_of_a_client(void)
{
    memset(&seen, 0, sizeof(seen));
    bk_app *app = make_app();
    bk_test_client *tc = NULL;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0 && tc != NULL);
    if (!tc) {
        bk_app_free(app);
        return;
    }
    test_state_seeded_by_startup(tc);
    test_plain_and_head(tc);
    test_awaiting_handler(tc);
    test_blocking_handler(tc);
    test_not_found_and_not_allowed(tc);
    test_post_bodies(tc);
    test_request_headers(tc);
    test_handler_that_never_answers(tc);
    bk_test_client_free(tc);
    /* shutdown hooks: the most recent first, after the requests, with the state still there */
    CHECK_STREQ(seen.order, "abzy");
    CHECK(seen.state_at_shutdown == 2);
    bk_app_free(app);
}

/* A start-up hook that fails: no client, the hooks after it do not run, the shutdown hooks do
 * (they release what the hooks before it acquired: LeakSanitizer checks the state is freed). */
static void test_failing_startup(void)
{
    memset(&seen, 0, sizeof(seen));
    bk_app *app = bk_app_new();
    CHECK(bk_app_on_startup(app, seed_state, "hi") == 0);
    CHECK(bk_app_on_startup(app, fail_startup, NULL) == 0);
    CHECK(bk_app_on_startup(app, check_seeded, NULL) == 0);
    CHECK(bk_app_on_shutdown(app, free_state, NULL) == 0);
    bk_test_client *tc = (bk_test_client *)&tc;
    CHECK(bk_test_client_new(app, NULL, &tc) == BK_ESTARTUP);
    CHECK(tc == NULL);
    CHECK_STREQ(seen.order, "a!y");
    bk_app_free(app);
}

/* ---- FastAPI's usual test: a database the lifespan seeds, read by a handler ---- */

static bk_db *items_db;

static int create_items(bk_task *task, void *arg)
{
    (void)arg;
    static const bk_db_stmt stmts[] = {
        {"CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)", 0, NULL},
        {"INSERT INTO items (id, name) VALUES (1, 'hammer'), (2, 'anvil')", 0, NULL},
    };
    bk_rows *rows[2] = {NULL, NULL};
    int err = bk_db_query_many(task, items_db, 2, stmts, rows);
    bk_rows_free(rows[0]);
    bk_rows_free(rows[1]);
    return err;
}

static void h_item(bk_req *req)
{
    bk_db_value id = BK_DB_TEXTV(bk_req_param(req, "id"));
    bk_rows *rows = NULL;
    int err = bk_db_query(bk_req_task(req), items_db, "SELECT name FROM items WHERE id = $1", 1,
                          &id, &rows);
    if (err)
        bk_send_error(req, 503, "database");
    else if (bk_rows_count(rows) == 0)
        bk_send_error(req, 404, "Item not found");
    else
        send_name(req, bk_rows_text(rows, 0, 0, NULL));
    bk_rows_free(rows);
}

static void test_database_seeded_at_startup(void)
{
    bk_app *app = bk_app_new();
    CHECK(bk_db_open(app, "sqlite://:memory:", &items_db) == 0);
    CHECK(bk_app_on_startup(app, create_items, NULL) == 0);
    CHECK(bk_get(app, "/items/{id}", h_item) == 0);
    bk_test_client *tc = NULL;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);
    bk_test_response *r = NULL;
    CHECK(bk_test_get(tc, "/items/2", &r) == 0);
    CHECK(bk_test_status(r) == 200);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"name\":\"anvil\"}");
    bk_test_response_free(r);
    CHECK(bk_test_get(tc, "/items/3", &r) == 0);
    CHECK(bk_test_status(r) == 404);
    CHECK_STREQ(bk_test_body(r, NULL), "{\"detail\":\"Item not found\"}");
    bk_test_response_free(r);
    bk_test_client_free(tc);
    bk_app_free(app);
}

static void test_bad_arguments(void)
{
    bk_app *app = bk_app_new();
    bk_config cfg;
    bk_config_default(&cfg);
    cfg.log_level = BK_LOG_CRITICAL; /* the refusal's error line is expected here */
    cfg.stack_size = 0;
    bk_test_client *tc = (bk_test_client *)&tc;
    CHECK(bk_test_client_new(app, &cfg, &tc) == BK_EINVAL && tc == NULL);
    CHECK(bk_test_client_new(NULL, NULL, &tc) == BK_EINVAL && tc == NULL);
    CHECK(bk_app_on_startup(app, NULL, NULL) == BK_EINVAL);
    CHECK(bk_app_on_shutdown(NULL, free_state, NULL) == BK_EINVAL);
    bk_test_client_free(NULL);
    bk_app_free(app);
}

int main(void)
{
    test_lifespan_of_a_client();
    test_failing_startup();
    test_database_seeded_at_startup();
    test_bad_arguments();
    return check_result("test_test_client");
}
