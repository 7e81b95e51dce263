/* Unit tests of the fetch client on a plain libuv loop: tasks that belong to no request fetch
 * from an upstream served by the same loop (a uv_tcp_t server answering a canned response, or
 * never answering). Checks what the HTTP tests cannot see from outside: the connection is reused,
 * a cancelled or timed-out fetch closes its socket at once, and closing the client leaves no fd
 * and no handle behind (uv_loop_close succeeds). */
#include "await/task.h"
#include "brisk.h"
#include "check.h"
#include "client/fetch.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uv_loop_t loop;
static bk__sched sched;
static bk__fetch_client *client;

/* ---- the upstream, on the same loop ---- */

static uv_tcp_t upstream;
static int upstream_port;
static int accepted, closed; /* connections of the upstream */
static int answer = 1;       /* 0: read requests and never answer */

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello";

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    static char mem[4096];
    *buf = uv_buf_init(mem, sizeof(mem));
}

static void on_conn_closed(uv_handle_t *h)
{
    closed++;
    free(h);
}

static void on_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

/* One request per read is enough here: the client sends each in one piece and waits. */
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    if (n < 0) {
        uv_close((uv_handle_t *)s, on_conn_closed);
        return;
    }
    if (n == 0 || !answer)
        return;
    uv_write_t *w = malloc(sizeof(*w));
    uv_buf_t out = uv_buf_init((char *)RESPONSE, sizeof(RESPONSE) - 1);
    if (!w || uv_write(w, s, &out, 1, on_written) != 0)
        free(w);
}

static void on_upstream_conn(uv_stream_t *server, int status)
{
    uv_tcp_t *c = malloc(sizeof(*c));
    if (status != 0 || !c || uv_tcp_init(&loop, c) != 0) {
        free(c);
        return;
    }
    if (uv_accept(server, (uv_stream_t *)c) != 0 ||
        uv_read_start((uv_stream_t *)c, on_alloc, on_read) != 0) {
        uv_close((uv_handle_t *)c, on_conn_closed);
        return;
    }
    accepted++;
}

static void start_upstream(void)
{
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    CHECK(uv_ip4_addr("127.0.0.1", 0, &addr) == 0);
    CHECK(uv_tcp_init(&loop, &upstream) == 0);
    CHECK(uv_tcp_bind(&upstream, (const struct sockaddr *)&addr, 0) == 0);
    CHECK(uv_listen((uv_stream_t *)&upstream, 128, on_upstream_conn) == 0);
    CHECK(uv_tcp_getsockname(&upstream, (struct sockaddr *)&bound, &len) == 0);
    upstream_port = ntohs(((struct sockaddr_in *)&bound)->sin_port);
}

/* ---- tasks ---- */

typedef struct run {
    bk_task task;
    const char *url;
    uint64_t timeout_ms; /* bk_task_timeout, 0 for none */
    int rc;
    int status;
    char body[64];
    char header[16];
    int done;
} run;

static void on_run_done(bk_task *t)
{
    ((run *)t)->done = 1;
}

static void fetch_body(bk_task *t, void *arg)
{
    run *r = arg;
    if (r->timeout_ms)
        bk_task_timeout(t, r->timeout_ms);
    bk_fetch_result *res = NULL;
    r->rc = bk_fetch(t, r->url, NULL, &res);
    if (r->rc == 0) {
        size_t len = 0;
        const char *body = bk_fetch_body(res, &len);
        const char *h = bk_fetch_header(res, "x-test");
        r->status = bk_fetch_status(res);
        snprintf(r->body, sizeof(r->body), "%.*s", (int)len, body);
        snprintf(r->header, sizeof(r->header), "%s", h ? h : "(none)");
    }
    bk_fetch_result_free(res);
}

static void start_fetch(run *r, const char *url, uint64_t timeout_ms)
{
    memset(r, 0, sizeof(*r));
    r->url = url;
    r->timeout_ms = timeout_ms;
    if (bk__task_start(&sched, &r->task, fetch_body, r, on_run_done) == 1)
        r->done = 1;
}

/* Runs the loop until `r` is done or `ms` of loop time passed. */
static void run_until_done(run *r, uint64_t ms)
{
    uint64_t end = uv_now(&loop) + ms;
    while (!r->done && uv_now(&loop) < end)
        uv_run(&loop, UV_RUN_ONCE);
}

static void run_for(uint64_t ms)
{
    uint64_t end = uv_now(&loop) + ms;
    while (uv_now(&loop) < end) {
        uv_run(&loop, UV_RUN_NOWAIT);
        uv_sleep(1);
        uv_update_time(&loop);
    }
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static char url[64];

static void test_get_and_reuse(void)
{
    int before = accepted;
    run r;
    for (int i = 0; i < 3; i++) {
        start_fetch(&r, url, 0);
        run_until_done(&r, 5000);
        CHECK(r.done && r.rc == 0);
        CHECK(r.status == 200);
        CHECK_STREQ(r.body, "hello");
        CHECK_STREQ(r.header, "yes");
    }
    CHECK(accepted == before + 1); /* three fetches, one connection */
}

static void test_refused(void)
{
    run r;
    start_fetch(&r, "http://127.0.0.1:1/", 0);
    run_until_done(&r, 5000);
    CHECK(r.done && r.rc == BK_ECONNREFUSED);
}

static void test_cancel_closes_the_connection(void)
{
    answer = 0;
    int before = closed, fds = open_fds();
    run r;
    start_fetch(&r, url, 0);
    run_for(100); /* connected, request sent, waiting */
    CHECK(!r.done);
    CHECK(bk__fetch_client_busy(client));
    bk__task_cancel(&r.task, BK_ECANCELED);
    run_until_done(&r, 1000);
    CHECK(r.done && r.rc == BK_ECANCELED);
    CHECK(!bk__fetch_client_busy(client));
    run_for(100);
    CHECK(closed == before + 1); /* the upstream saw the connection go */
    CHECK(open_fds() <= fds);    /* the kept connection is dropped, the cancelled one closed */
    answer = 1;
}

static void test_task_timeout(void)
{
    answer = 0;
    int before = closed;
    run r;
    start_fetch(&r, url, 100);
    run_until_done(&r, 3000);
    CHECK(r.done && r.rc == BK_ETIMEDOUT);
    run_for(100);
    CHECK(closed == before + 1);
    answer = 1;
}

int main(void)
{
    CHECK(uv_loop_init(&loop) == 0);
    CHECK(bk__sched_init(&sched, &loop, 64 * 1024) == 0);
    CHECK(bk__fetch_client_new(&loop, NULL, &client) == 0);
    sched.services[BK__SVC_FETCH] = client;
    start_upstream();
    int fds_at_start = open_fds(); /* the loop's own and the listener's included */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", upstream_port);

    test_get_and_reuse();
    test_refused();
    test_cancel_closes_the_connection();
    test_task_timeout();
    test_get_and_reuse(); /* after the failures: a fresh connection works */

    CHECK(sched.live == 0);
    bk__fetch_client_close(client);
    sched.services[BK__SVC_FETCH] = NULL;
    run_for(50);                       /* the upstream sees the kept connection close */
    CHECK(open_fds() == fds_at_start); /* and libcurl's own fds are gone too */
    uv_close((uv_handle_t *)&upstream, NULL);
    bk__sched_close(&sched);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(uv_loop_close(&loop) == 0);
    return check_result("test_fetch");
}
