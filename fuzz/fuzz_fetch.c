/* fuzz_fetch — bk_fetch's response path, from arbitrary bytes sent by an upstream.
 *
 * Everything runs on one libuv loop in the fuzzer's thread: a scheduler and a fetch client, as
 * a worker has them, and an upstream (a uv_tcp_t listener on 127.0.0.1) that reads the request
 * and answers with the input bytes, then closes. For each input a task fetches from it; the loop
 * runs until the task returned. What goes through curl is curl's own parsing, but what brisk
 * builds on it is under test: the header and body callbacks (field splitting, trimming, the
 * size limits, 1xx and trailer handling), the error mapping, the socket and timer glue
 * (connections closed by the upstream, reused or not across inputs: the client lives as long as
 * the process), and the result accessors.
 *
 * Invariants:
 *  - bk_fetch returns, within its own timeout (the upstream always closes, so curl never waits
 *    for more than the input);
 *  - 0 comes with a result: a status 100-999, a body no larger than the limit and NUL-terminated
 *    at its length, header lookups that return NUL-terminated values without OWS at the ends;
 *  - any other result is one of the errors bk_fetch documents, and comes with no result;
 *  - (ASan/LSan) no memory error, nothing of a transfer leaked.
 *
 * Input: the response bytes, as the upstream sends them. */
#include "await/task.h"
#include "client/fetch.h"
#include "fuzz_util.h"

#include <uv.h>

#define MAX_BODY         4096
#define FETCH_TIMEOUT_MS 5000

static uv_loop_t loop;
static bk__sched sched;
static bk__fetch_client *client;
static uv_tcp_t upstream;
static char url[64];
static const uint8_t *input;
static size_t input_len;

/* ---- the upstream ---- */

typedef struct up_conn {
    uv_tcp_t tcp;
    uv_write_t write;
    uv_shutdown_t shutdown;
    int answered;
} up_conn;

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    static char mem[65536];
    *buf = uv_buf_init(mem, sizeof(mem));
}

static void free_conn(uv_handle_t *h)
{
    free(h->data);
}

static void on_shutdown(uv_shutdown_t *s, int status)
{
    (void)status;
    up_conn *c = s->data;
    uv_close((uv_handle_t *)&c->tcp, free_conn);
}

static void on_written(uv_write_t *w, int status)
{
    up_conn *c = w->data;
    if (status != 0 || uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0)
        uv_close((uv_handle_t *)&c->tcp, free_conn);
}

/* The first bytes of a request get the input as the answer; later ones are read and dropped
 * until the client closes (the answer ends with our shutdown). */
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    up_conn *c = s->data;
    if (n < 0) {
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, free_conn);
        return;
    }
    if (n == 0 || c->answered)
        return;
    c->answered = 1;
    uv_buf_t out = uv_buf_init((char *)input, (unsigned)input_len);
    if (uv_write(&c->write, s, &out, 1, on_written) != 0)
        uv_close((uv_handle_t *)s, free_conn);
}

static void on_conn(uv_stream_t *server, int status)
{
    up_conn *c = calloc(1, sizeof(*c));
    FUZZ_CHECK(c && status == 0 && uv_tcp_init(&loop, &c->tcp) == 0, "upstream accept");
    c->tcp.data = c->write.data = c->shutdown.data = c;
    if (uv_accept(server, (uv_stream_t *)&c->tcp) != 0 ||
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0)
        uv_close((uv_handle_t *)&c->tcp, free_conn);
}

static void setup(void)
{
    struct sockaddr_in addr;
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    FUZZ_CHECK(uv_loop_init(&loop) == 0, "loop");
    FUZZ_CHECK(bk__sched_init(&sched, &loop, 64 * 1024) == 0, "scheduler");
    FUZZ_CHECK(bk__fetch_client_new(&loop, NULL, &client) == 0, "client");
    sched.services[BK__SVC_FETCH] = client;
    FUZZ_CHECK(uv_ip4_addr("127.0.0.1", 0, &addr) == 0 && uv_tcp_init(&loop, &upstream) == 0 &&
                   uv_tcp_bind(&upstream, (const struct sockaddr *)&addr, 0) == 0 &&
                   uv_listen((uv_stream_t *)&upstream, 128, on_conn) == 0 &&
                   uv_tcp_getsockname(&upstream, (struct sockaddr *)&bound, &len) == 0,
               "upstream listener");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/fuzz",
             ntohs(((struct sockaddr_in *)&bound)->sin_port));
}

/* ---- the fetching task ---- */

typedef struct run {
    bk_task task;
    int done;
} run;

static int known_error(int rc)
{
    return rc == BK_EPROTO || rc == BK_EMSGSIZE || rc == BK_ECONNRESET || rc == BK_ETIMEDOUT ||
           rc == BK_ECONNREFUSED || rc == BK_ENOMEM;
}

static void check_header(const bk_fetch_result *r, const char *name)
{
    const char *v = bk_fetch_header(r, name);
    if (!v)
        return;
    size_t n = strlen(v);
    FUZZ_CHECK(n == 0 || (v[0] != ' ' && v[0] != '\t' && v[n - 1] != ' ' && v[n - 1] != '\t'),
               "header %s value not trimmed: \"%s\"", name, v);
}

static void fetch_task(bk_task *t, void *arg)
{
    (void)arg;
    bk_fetch_opts o = {.timeout_ms = FETCH_TIMEOUT_MS, .max_response_size = MAX_BODY};
    bk_fetch_result *r = NULL;
    int rc = bk_fetch(t, url, &o, &r);
    if (rc != 0) {
        FUZZ_CHECK(known_error(rc), "bk_fetch returned %d (%s)", rc, bk_strerror(rc));
        FUZZ_CHECK(r == NULL, "a result with error %d", rc);
        return;
    }
    FUZZ_CHECK(r != NULL, "no result with 0");
    int status = bk_fetch_status(r);
    FUZZ_CHECK(status >= 100 && status <= 999, "status %d", status);
    size_t len = 0;
    const char *body = bk_fetch_body(r, &len);
    FUZZ_CHECK(body && len <= MAX_BODY && body[len] == '\0', "body of %zu bytes", len);
    check_header(r, "Content-Type");
    check_header(r, "content-length");
    check_header(r, "X");
    bk_fetch_result_free(r);
}

static void on_done(bk_task *t)
{
    ((run *)t)->done = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!client)
        setup();
    input = data;
    input_len = size;
    run r = {0};
    int started = bk__task_start(&sched, &r.task, fetch_task, NULL, on_done);
    FUZZ_CHECK(started >= 0, "task start: %d", started);
    if (started == 1)
        r.done = 1;
    uint64_t deadline = uv_now(&loop) + FETCH_TIMEOUT_MS + 2000;
    while (!r.done) {
        uv_run(&loop, UV_RUN_ONCE);
        FUZZ_CHECK(uv_now(&loop) < deadline, "bk_fetch did not return within its timeout");
    }
    /* Lets the upstream finish its side of the connection before the next input. */
    uv_run(&loop, UV_RUN_NOWAIT);
    return 0;
}
