/* The in-process test client (bk_test_client in brisk.h): the app is served by a worker of its
 * own, set up and run on the caller's thread exactly as a server's worker thread runs it (its
 * subsystems, lifespan hooks, scheduler, thread pool, timeouts), but with no listener. Each
 * request gets a socketpair: one end is attached to the worker's connection code as if it had
 * been accepted (src/loop/conn.c), so the bytes go through the same parser, pipeline, routing and
 * response writer as on the wire; the other end is the client's, whose response parser reads
 * back what the worker wrote. Nothing runs between calls: each call runs the worker's loop until
 * what it waits for is there, or its timeout passes. */
#include "loop/conn.h"
#include "testclient/response.h"
#include "util/log.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS 10000
/* Who the app sees as its client: Starlette's TestClient says ("testclient", 50000). */
#define PEER "testclient:50000"

typedef struct tc_conn tc_conn;

struct bk_test_client {
    bk_config cfg;
    bk__pool pool; /* blocking routes and bk_run_blocking, as a server's */
    bk__worker *w;
    uv_timer_t timer; /* bounds each wait */
    uint64_t timeout_ms;
    int started;   /* the worker's start-up is over (w->start_error says how) */
    int timed_out; /* the timer fired during the current wait */
    int bounded;   /* waits end at the timeout (not once their memory is known to be in use) */
    char rbuf[64 * 1024];
};

/* The client's end of one request's connection. */
struct tc_conn {
    uv_pipe_t pipe; /* first: libuv hands callbacks the handle */
    bk_test_client *tc;
    bk__resp_parser parser;
    int finished; /* the response is whole, or failed (`error`) */
    int error;
};

/* A request on its way: the bytes live until libuv has written them. */
typedef struct tc_write {
    uv_write_t req;
    bk_buf data;
} tc_write;

/* ---- SIGPIPE ---- */

/* A write to a socketpair whose other end closed raises SIGPIPE, which would kill the test. A
 * server's worker threads block it; the caller's thread is not ours to change, so it is
 * blocked only while a call runs the loop, and one raised meanwhile is dropped. */
static void block_sigpipe(sigset_t *old)
{
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, old);
}

static void restore_sigpipe(const sigset_t *old)
{
    if (sigismember(old, SIGPIPE))
        return; /* the caller blocks it itself */
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    struct timespec none = {0, 0};
    while (sigtimedwait(&pipe, NULL, &none) > 0)
        ; /* pending for this thread: take it before it is unblocked */
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

/* ---- running the loop ---- */

static void on_timeout(uv_timer_t *t)
{
    ((bk_test_client *)t->data)->timed_out = 1;
}

/* Runs the worker's loop until `*flag` is set or the client's timeout passes. Returns 0 or
 * BK_ETIMEDOUT. */
static int run_until(bk_test_client *tc, const int *flag)
{
    uv_loop_t *loop = &tc->w->loop;
    tc->timed_out = 0;
    if (tc->bounded) {
        uv_update_time(loop); /* the loop's clock stood still since the last call */
        uv_timer_start(&tc->timer, on_timeout, tc->timeout_ms, 0);
    }
    while (!*flag && !tc->timed_out)
        uv_run(loop, UV_RUN_ONCE);
    uv_timer_stop(&tc->timer);
    return *flag ? 0 : BK_ETIMEDOUT;
}

/* ---- the worker's host ---- */

static void on_started(bk__worker *w)
{
    ((bk_test_client *)w->host_ctx)->started = 1;
}

/* Lifespan lines are uvicorn's, a server's: a test client says nothing, as Starlette's does. */
static const bk__worker_host client_host = {.started = on_started};

/* ---- creating and freeing ---- */

/* The settings: the caller's, or the defaults without the access log. */
static int client_config(bk_test_client *tc, const bk_config *cfg)
{
    if (cfg) {
        tc->cfg = *cfg;
        bk__log_set_level(cfg->log_level);
    } else {
        bk_config_default(&tc->cfg);
        tc->cfg.access_log = 0;
    }
    tc->cfg.host = "testserver"; /* not the caller's string, which may go; nothing binds it */
    tc->cfg.workers = 1;
    return bk__config_check(&tc->cfg);
}

static bk__worker *client_worker(bk_test_client *tc, const bk_app *app)
{
    bk__worker *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->id = 0;
    w->nworkers = 1;
    w->listen_fd = -1;
    w->pipeline.app = app;
    w->cfg = &tc->cfg;
    w->host = &client_host;
    w->host_ctx = tc;
    w->pool = &tc->pool;
    return w;
}

/* Stops the worker as a server stops it (in-flight requests finish, then the shutdown hooks),
 * waits for its loop to end, and releases it. Past the timeout, what still runs is cancelled. */
static void stop_worker(bk_test_client *tc)
{
    bk__worker *w = tc->w;
    if (!w->draining)
        bk__worker_stop(w);
    if (run_until(tc, &w->stopped) != 0) {
        bk__log(BK_LOG_ERROR,
                "bk_test_client: the app did not stop within %llu ms (a request or a shutdown "
                "hook still runs): cancelling it",
                (unsigned long long)tc->timeout_ms);
        bk__worker_abort(w);
        tc->bounded = 0; /* as long as it takes now: what runs uses the worker's memory */
        run_until(tc, &w->stopped);
    }
    uv_close((uv_handle_t *)&tc->timer, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT); /* the handles' close callbacks */
    bk__worker_close(w);
}

static void client_free(bk_test_client *tc)
{
    bk__pool_close(&tc->pool);
    free(tc->w);
    free(tc);
}

/* Opens the worker and waits for its start-up hooks. Returns 0 or why it did not start. */
static int start_worker(bk_test_client *tc)
{
    bk__worker *w = tc->w;
    int err = bk__worker_open(w);
    if (err) {
        bk__worker_close(w);
        return err;
    }
    uv_timer_init(&w->loop, &tc->timer); /* cannot fail: it only fills the struct in */
    tc->timer.data = tc;
    tc->bounded = 1;
    if (run_until(tc, &tc->started) != 0) {
        bk__log(BK_LOG_ERROR,
                "bk_test_client_new: the start-up hooks did not return within %llu ms: "
                "cancelling them",
                (unsigned long long)tc->timeout_ms);
        bk__task_cancel(&w->lifespan, BK_ETIMEDOUT);
        tc->bounded = 0; /* a hook that ignores its cancellation still runs on our memory */
        run_until(tc, &tc->started);
        tc->bounded = 1;
        err = BK_ETIMEDOUT;
    }
    if (!err)
        err = w->start_error;
    if (err) /* the shutdown hooks release what the start-up hooks that succeeded acquired */
        stop_worker(tc);
    return err;
}

int bk_test_client_new(bk_app *app, const bk_config *cfg, bk_test_client **out)
{
    if (!out)
        return BK_EINVAL;
    *out = NULL;
    bk_test_client *tc = app ? calloc(1, sizeof(*tc)) : NULL;
    if (!tc)
        return app ? BK_ENOMEM : BK_EINVAL;
    tc->timeout_ms = DEFAULT_TIMEOUT_MS;
    int err = client_config(tc, cfg);
    if (err) {
        bk__log(BK_LOG_ERROR, "bk_test_client_new: invalid configuration");
        free(tc);
        return err;
    }
    /* As a server: /openapi.json and the docs pages exist, as with FastAPI's TestClient. */
    err = bk__app_prepare(app);
    if (err) {
        free(tc);
        return err;
    }
    err = bk__pool_init(&tc->pool, tc->cfg.threads, (size_t)tc->cfg.thread_queue);
    if (err) {
        free(tc);
        return err;
    }
    tc->w = client_worker(tc, app);
    sigset_t old;
    block_sigpipe(&old);
    err = tc->w ? start_worker(tc) : BK_ENOMEM;
    restore_sigpipe(&old);
    if (err) {
        client_free(tc);
        return err;
    }
    *out = tc;
    return 0;
}

void bk_test_client_free(bk_test_client *tc)
{
    if (!tc)
        return;
    sigset_t old;
    block_sigpipe(&old);
    stop_worker(tc);
    restore_sigpipe(&old);
    client_free(tc);
}

void bk_test_client_set_timeout(bk_test_client *tc, uint64_t ms)
{
    if (tc)
        tc->timeout_ms = ms ? ms : DEFAULT_TIMEOUT_MS;
}

/* ---- the client's end of a connection ---- */

static void on_conn_closed(uv_handle_t *h)
{
    tc_conn *c = (tc_conn *)h;
    bk__resp_parser_free(&c->parser);
    free(c);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    bk_test_client *tc = ((tc_conn *)h)->tc;
    (void)suggested;
    *buf = uv_buf_init(tc->rbuf, sizeof(tc->rbuf));
}

static void conn_finish(tc_conn *c, int error)
{
    c->finished = 1;
    c->error = error;
    uv_read_stop((uv_stream_t *)&c->pipe);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    tc_conn *c = (tc_conn *)s;
    if (c->finished || nread == 0)
        return;
    bk__resp_result r;
    if (nread > 0) {
        size_t used;
        r = bk__resp_parse(&c->parser, buf->base, (size_t)nread, &used);
    } else {
        r = bk__resp_parse_eof(&c->parser);
    }
    if (r != BK__RESP_MORE)
        conn_finish(c, r == BK__RESP_DONE ? 0 : c->parser.error);
}

static void on_written(uv_write_t *req, int status)
{
    tc_write *wr = (tc_write *)req;
    (void)status; /* a worker that refused the request early still answers it: read that */
    bk_buf_free(&wr->data);
    free(wr);
}

/* A connection to the worker for one request, its response parsed for a `head` request or
 * not. Returns 0 with `*out` set, or a BK_E* code. */
static int conn_open(bk_test_client *tc, int head, tc_conn **out)
{
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
        return BK_EAGAIN; /* out of file descriptors: the one error a test can act on */
    tc_conn *c = calloc(1, sizeof(*c));
    int err = c ? bk__resp_parser_init(&c->parser, head) : BK_ENOMEM;
    if (!err)
        err = uv_pipe_init(&tc->w->loop, &c->pipe, 0);
    if (err) {
        if (c)
            bk__resp_parser_free(&c->parser);
        free(c);
        close(fds[0]);
        close(fds[1]);
        return err;
    }
    c->tc = tc;
    err = bk__conn_attach(tc->w, fds[0], PEER); /* which owns fds[0] from here */
    if (!err)
        err = uv_pipe_open(&c->pipe, fds[1]);
    if (err)
        close(fds[1]); /* not the pipe's: libuv owns it once uv_pipe_open succeeded */
    else
        err = uv_read_start((uv_stream_t *)&c->pipe, on_alloc, on_read);
    if (err) {
        uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
        return err;
    }
    *out = c;
    return 0;
}

/* Sends `data` (taken over, emptied) on `c`. Returns 0 or a BK_E* code. */
static int conn_send(tc_conn *c, bk_buf *data)
{
    tc_write *wr = calloc(1, sizeof(*wr));
    if (!wr)
        return BK_ENOMEM;
    wr->data = *data;
    *data = (bk_buf){0};
    uv_buf_t b = uv_buf_init(wr->data.data, (unsigned)wr->data.len);
    int err = uv_write(&wr->req, (uv_stream_t *)&c->pipe, &b, 1, on_written);
    if (err) {
        bk_buf_free(&wr->data);
        free(wr);
    }
    return err;
}

/* Lets go of `c`: its end closes, which the worker reads as the client leaving (an awaiting
 * handler is cancelled then). */
static void conn_close(tc_conn *c)
{
    uv_close((uv_handle_t *)&c->pipe, on_conn_closed);
}

/* ---- building a request ---- */

/* A request-target: visible characters only (percent-encode the rest). */
static int is_target(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if ((unsigned char)*s <= ' ' || *s == 0x7f)
            return 0;
    return 1;
}

/* A field value may hold anything but the line breaks that would end it. */
static int is_value(const char *s)
{
    return s && !strpbrk(s, "\r\n");
}

/* Whether `headers` (name, value, ..., NULL) has one named `name`. */
static int has_header(const char *const *headers, const char *name)
{
    for (size_t i = 0; headers && headers[i]; i += 2)
        if (strcasecmp(headers[i], name) == 0)
            return 1;
    return 0;
}

static int check_request(const char *method, const char *target, const char *const *headers,
                         const void *body, size_t body_len)
{
    if (!bk__http_token(method) || !is_target(target) || (!body && body_len))
        return BK_EINVAL;
    for (size_t i = 0; headers && headers[i]; i += 2)
        if (!bk__http_token(headers[i]) || !is_value(headers[i + 1]))
            return BK_EINVAL;
    return 0;
}

static int append_header(bk_buf *out, const char *name, const char *value)
{
    int err = bk_buf_append_str(out, name);
    err = err ? err : bk_buf_append(out, ": ", 2);
    err = err ? err : bk_buf_append_str(out, value);
    return err ? err : bk_buf_append(out, "\r\n", 2);
}

/* The request's bytes: request line, the caller's headers, the defaults they do not replace
 * (Starlette's TestClient's), framing, body. Returns 0 or BK_ENOMEM. */
static int build_request(bk_buf *out, const char *method, const char *target,
                         const char *const *headers, const void *body, size_t body_len)
{
    static const char *const defaults[] = {"Host",       "testserver", "Accept", "*/*",
                                           "User-Agent", "testclient", NULL};
    int err = bk_buf_append_str(out, method);
    err = err ? err : bk_buf_append(out, " ", 1);
    err = err ? err : bk_buf_append_str(out, target);
    err = err ? err : bk_buf_append_str(out, " HTTP/1.1\r\n");
    for (size_t i = 0; !err && defaults[i]; i += 2)
        if (!has_header(headers, defaults[i]))
            err = append_header(out, defaults[i], defaults[i + 1]);
    for (size_t i = 0; !err && headers && headers[i]; i += 2)
        err = append_header(out, headers[i], headers[i + 1]);
    /* like httpx: a body is framed, and so is the empty one of a method that expects one */
    int wants_body =
        body_len || !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    if (!err && wants_body && !has_header(headers, "Content-Length") &&
        !has_header(headers, "Transfer-Encoding")) {
        char len[32];
        snprintf(len, sizeof(len), "%zu", body_len);
        err = append_header(out, "Content-Length", len);
    }
    err = err ? err : bk_buf_append(out, "\r\n", 2);
    return err || !body_len ? err : bk_buf_append(out, body, body_len);
}

/* ---- requests ---- */

/* Sends the request and waits for its response. Returns 0 with `*res` set, or a BK_E* code. */
static int exchange(bk_test_client *tc, const char *method, const char *target, bk_buf *request,
                    bk_test_response **res)
{
    tc_conn *c;
    int err = conn_open(tc, strcmp(method, "HEAD") == 0, &c);
    if (err)
        return err;
    err = conn_send(c, request);
    if (!err && run_until(tc, &c->finished) != 0) {
        bk__log(BK_LOG_ERROR,
                "bk_test_request: %s %s: no complete response within %llu ms (a handler that "
                "never answers?): the connection is closed, which cancels the handler",
                method, target, (unsigned long long)tc->timeout_ms);
        err = BK_ETIMEDOUT;
    }
    if (!err)
        err = c->error;
    if (!err)
        *res = bk__resp_take(&c->parser);
    conn_close(c);
    return err;
}

int bk_test_request(bk_test_client *tc, const char *method, const char *target,
                    const char *const *headers, const void *body, size_t body_len,
                    bk_test_response **res)
{
    if (!res)
        return BK_EINVAL;
    *res = NULL;
    if (!tc || check_request(method, target, headers, body, body_len) != 0)
        return BK_EINVAL;
    bk_buf request = {0};
    int err = build_request(&request, method, target, headers, body, body_len);
    if (!err) {
        sigset_t old;
        block_sigpipe(&old);
        err = exchange(tc, method, target, &request, res);
        restore_sigpipe(&old);
    }
    bk_buf_free(&request);
    return err;
}

int bk_test_get(bk_test_client *tc, const char *target, bk_test_response **res)
{
    return bk_test_request(tc, "GET", target, NULL, NULL, 0, res);
}

int bk_test_post_json(bk_test_client *tc, const char *target, const char *json,
                      bk_test_response **res)
{
    static const char *const headers[] = {"Content-Type", "application/json", NULL};
    if (!json) {
        if (res)
            *res = NULL;
        return BK_EINVAL;
    }
    return bk_test_request(tc, "POST", target, headers, json, strlen(json), res);
}
