/* fuzz_request — request assembly through the real server, from arbitrary bytes split anywhere.
 *
 * A real bk_serve (one worker) runs in a background thread, started once; each input is sent on a
 * fresh TCP connection to 127.0.0.1, in pieces, and everything the server answers is checked
 * against a reference model of the byte stream.
 *
 * Why a real socket and not llhttp on a fake bk_conn: the callbacks of parser.c call into
 * conn.c (bk_conn_dispatch runs handlers on coroutines, pauses the parser for awaiting handlers,
 * keeps pipelined input in `pending`, writes responses, lingers on close) and worker.c (timeout
 * queues): a fake connection would need a hand-built worker and would skip exactly the
 * pause/resume/pending paths where pipelining and split input go wrong. Waiting a fixed idle time
 * per input would cost ~50 ms each, though; instead the harness asks the worker itself when it is
 * done: a uv_async_t, initialised once on the worker's loop from inside a handler (the loop's own
 * thread), runs a probe between two callbacks that reports whether our connection is settled —
 * no handler running or awaiting, every received byte read, every response byte written and
 * acknowledged, a shutdown in progress finished — or gone. No source file of the library is
 * changed; internal.h is only read.
 *
 * Input format: byte 0: bits 0-3 = number of cut bytes that follow (each: piece length - 1),
 * bit 7 = "abrupt": close the connection right after the last piece without waiting for the
 * answers (the server must cancel and clean up: LeakSanitizer checks). The rest is the byte
 * stream. Each piece is sent on its own and the server settles before the next one, so every cut
 * is a separate read on the server side.
 *
 * The model: llhttp (same version, same strict mode) parses the stream once, with brisk's
 * upgrade handling and stopping after a request without keep-alive, and records each request's
 * method, version, keep-alive, target, body, first X-Test and Expect headers. From the target it
 * predicts the answer: 505 for HTTP/x.y with x != 1, 400 for a target that is not origin-form or
 * decodes to a NUL, else routing (200 / 404 / 405 with Allow).
 *
 * Invariants on what comes back:
 *  - it is a sequence of well-formed HTTP/1.1 responses: status line, token: value headers,
 *    exactly one Content-Length (1xx excepted), that many body bytes (none for HEAD);
 *    interim "100 Continue" only where the request asked for it;
 *  - response i answers request i as the model predicts (status, Connection header, Allow,
 *    Content-Type, the echoed body and header, the JSON of /items/{id});
 *  - any other answer is an error (400, 505, or a size limit) with Connection: close, and it is
 *    the last thing on the wire: never more responses than complete requests + 1;
 *  - after Connection: close the server closes (EOF), and it never closes silently;
 *  - a connection that stays open has answered every complete request.
 */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_REQS 1024

/* ---- the app ---------------------------------------------------------------------------- */

static void h_item(bk_req *req)
{
    const char *id = bk_req_param(req, "id");
    bk_buf out = {0};
    bk_json j;
    bk_json_init(&j, &out);
    bk_json_object_begin(&j);
    bk_json_key(&j, "id");
    bk_json_string(&j, id);
    bk_json_object_end(&j);
    if (bk_json_error(&j) || bk_buf_append(&out, "", 1))
        bk_send_error(req, 500, "JSON writer failed");
    else
        bk_send_json(req, 200, out.data);
    bk_buf_free(&out);
}

static void h_echo(bk_req *req)
{
    size_t len;
    const char *body = bk_req_body(req, &len);
    const char *seen = bk_req_header(req, "X-Test");
    size_t n = seen ? strlen(seen) : 0;
    char *v = bk_req_alloc(req, n + 2);
    if (!v) {
        bk_send_error(req, 500, "out of memory");
        return;
    }
    v[0] = seen ? '=' : '-'; /* "=value", or "-" when there is no X-Test */
    memcpy(v + 1, seen ? seen : "", n + 1);
    bk_set_header(req, "X-Seen", v);
    bk_send(req, 200, "application/octet-stream", body, len);
}

static void h_sleep(bk_req *req)
{
    if (bk_sleep(req, 1) == 0)
        bk_send_text(req, 200, "slept");
}

/* ---- the probe: runs on the worker's loop thread ---------------------------------------- */

typedef struct probe_state {
    int found;      /* a connection from our port is open */
    int closed;     /* ... or closed, not freed yet (any closed connection counts: one at a time) */
    int settled;    /* nothing in flight on it */
    int reading;    /* the server reads from it */
    int state;      /* its bk_conn_state */
    size_t inq;     /* bytes received, not read by the server */
    size_t outq;    /* bytes the server sent, not acknowledged yet */
    size_t pending; /* input parked while a handler awaits */
    size_t write_queued;
} probe_state;

static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cv = PTHREAD_COND_INITIALIZER;
static uv_async_t probe_async;
static bk_worker *probe_worker; /* set once, on the worker thread */
static int probe_ready;
static unsigned probe_asked, probe_answered;
static int probe_port;
static probe_state probe_result;

static int peer_port(bk_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void on_probe(uv_async_t *a)
{
    bk_worker *w = a->data;
    pthread_mutex_lock(&probe_mu);
    int port = probe_port;
    unsigned asked = probe_asked;
    pthread_mutex_unlock(&probe_mu);

    probe_state st;
    memset(&st, 0, sizeof(st));
    for (bk_conn *c = w->conns; c; c = c->next) {
        if (c->closed) {
            st.closed = 1;
            continue;
        }
        if (peer_port(c) != port)
            continue;
        st.found = 1;
        st.state = (int)c->state;
        st.reading = c->reading;
        st.pending = c->pending.len;
        st.write_queued = c->write_queued;
        uv_os_fd_t fd;
        int inq = 0, outq = 0;
        if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
            ioctl(fd, SIOCINQ, &inq);
            ioctl(fd, SIOCOUTQ, &outq);
        }
        st.inq = (size_t)inq;
        st.outq = (size_t)outq;
        int parseable = c->state == BK_CONN_IDLE && c->pending.len && !c->closing &&
                        !c->paused_write;
        st.settled = c->state != BK_CONN_HANDLER && !c->req.coro && c->write_queued == 0 &&
                     c->tcp.shutdown_req == NULL && (inq == 0 || !c->reading) && outq == 0 &&
                     !parseable && !w->ready_head;
    }
    pthread_mutex_lock(&probe_mu);
    probe_result = st;
    probe_answered = asked;
    pthread_cond_broadcast(&probe_cv);
    pthread_mutex_unlock(&probe_mu);
}

/* GET /__fuzz_probe, sent once by LLVMFuzzerInitialize: installs the probe on the loop. */
static void h_probe(bk_req *req)
{
    if (!probe_worker) {
        bk_worker *w = req->conn->w;
        probe_async.data = w;
        if (uv_async_init(&w->loop, &probe_async, on_probe) == 0) {
            uv_unref((uv_handle_t *)&probe_async);
            pthread_mutex_lock(&probe_mu);
            probe_worker = w;
            probe_ready = 1;
            pthread_mutex_unlock(&probe_mu);
        }
    }
    bk_send_text(req, 200, "probe");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static probe_state probe(int port)
{
    pthread_mutex_lock(&probe_mu);
    probe_port = port;
    unsigned mine = ++probe_asked;
    uv_async_send(&probe_async);
    while (probe_answered != mine) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        if (pthread_cond_timedwait(&probe_cv, &probe_mu, &ts) == ETIMEDOUT) {
            pthread_mutex_unlock(&probe_mu);
            FUZZ_CHECK(0, "the worker's loop did not answer the probe within 5 s (stuck loop?)");
        }
    }
    probe_state st = probe_result;
    pthread_mutex_unlock(&probe_mu);
    return st;
}

/* ---- the server ------------------------------------------------------------------------- */

static bk_app *app;
static bk_config cfg;
static int server_port;
static volatile int server_exited;

static void *server_main(void *arg)
{
    (void)arg;
    bk_serve(app, &cfg);
    server_exited = 1;
    return NULL;
}

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* A connected socket (blocking connect, then non-blocking), its local port in *local. */
static int connect_client(int *local)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)server_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    socklen_t len = sizeof(a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    *local = ntohs(a.sin_port);
    return fd;
}

/* Reads what is there without blocking. Returns 1 at EOF (or a reset), else 0. */
static int drain(int fd, bk_buf *in)
{
    for (;;) {
        FUZZ_CHECK(bk_buf_reserve(in, 65536) == 0, "out of memory");
        ssize_t n = recv(fd, in->data + in->len, in->cap - in->len, MSG_DONTWAIT);
        if (n > 0) {
            in->len += (size_t)n;
            continue;
        }
        if (n == 0)
            return 1;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return 1; /* ECONNRESET */
    }
}

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static void fail_stuck(const char *what, const probe_state *st)
{
    FUZZ_CHECK(0,
               "%s: found %d closed %d settled %d reading %d state %d inq %zu outq %zu pending %zu "
               "write_queued %zu",
               what, st->found, st->closed, st->settled, st->reading, st->state, st->inq, st->outq,
               st->pending, st->write_queued);
}

/* Waits until the server has dealt with everything sent so far on our connection. Reads the
 * answers meanwhile (a client that does not read can stall the server). Returns the last probe. */
static probe_state wait_settled(int fd, int local, bk_buf *in, int *eof)
{
    double start = now_s();
    for (int spin = 0;; spin++) {
        if (!*eof)
            *eof = drain(fd, in);
        int client_outq = 0;
        ioctl(fd, SIOCOUTQ, &client_outq);
        probe_state st = probe(local);
        if (!st.found)
            return st; /* closed by the server */
        if (st.settled && (client_outq == 0 || !st.reading))
            return st;
        if (now_s() - start > 10)
            fail_stuck("the server did not settle within 10 s", &st);
        if (spin > 2)
            sleep_us(spin > 50 ? 200 : 20);
    }
}

/* After our close(): the server must notice and free the connection. */
static void wait_gone(int local)
{
    double start = now_s();
    for (int spin = 0;; spin++) {
        probe_state st = probe(local);
        if (!st.found && !st.closed)
            return;
        if (now_s() - start > 10)
            fail_stuck("the server kept a closed connection for 10 s", &st);
        if (spin > 2)
            sleep_us(spin > 50 ? 200 : 20);
    }
}

static int send_piece(int fd, const uint8_t *p, size_t n, bk_buf *in, int *eof)
{
    double start = now_s();
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) {
            p += k;
            n -= (size_t)k;
            continue;
        }
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!*eof)
                *eof = drain(fd, in);
            FUZZ_CHECK(now_s() - start < 10, "send blocked for 10 s");
            sleep_us(50);
            continue;
        }
        return -1; /* the server closed: that is for the checks to judge */
    }
    return 0;
}

/* ---- the reference model of the request stream ------------------------------------------ */

typedef struct ref_req {
    uint8_t method; /* llhttp_method_t */
    uint8_t major, minor;
    uint8_t keep_alive;
    uint8_t headers_done, complete;
    uint8_t has_body;
    uint8_t in_value;
    bk_buf url, body, field, value;
    bk_buf xtest, expect;
    uint8_t have_xtest, have_expect;
    uint8_t too_big; /* Content-Length above max_body_size */
} ref_req;

typedef struct ref_stream {
    ref_req reqs[MAX_REQS];
    int n;          /* requests begun */
    int ncomplete;  /* requests complete */
    int error;      /* llhttp stopped with a parse error (not a pause) */
    int overflow;   /* more requests than the model holds: skip the checks */
} ref_stream;

static ref_stream ref;

static ref_req *cur(llhttp_t *p)
{
    ref_stream *s = p->data;
    return &s->reqs[s->n - 1];
}

static int ref_on_begin(llhttp_t *p)
{
    ref_stream *s = p->data;
    if (s->n == MAX_REQS) {
        s->overflow = 1;
        return HPE_PAUSED;
    }
    ref_req *r = &s->reqs[s->n++];
    r->url.len = r->body.len = r->field.len = r->value.len = r->xtest.len = r->expect.len = 0;
    r->headers_done = r->complete = r->has_body = r->in_value = 0;
    r->have_xtest = r->have_expect = r->too_big = 0;
    return 0;
}

static int ref_on_url(llhttp_t *p, const char *at, size_t len)
{
    fz_append(&cur(p)->url, at, len);
    return 0;
}

static void ref_header_done(ref_req *r)
{
    if (!r->in_value && !r->field.len)
        return;
    if (r->field.len == 6 && strncasecmp(r->field.data, "x-test", 6) == 0 && !r->have_xtest) {
        r->have_xtest = 1;
        fz_append(&r->xtest, r->value.data, r->value.len);
    }
    if (r->field.len == 6 && strncasecmp(r->field.data, "expect", 6) == 0 && !r->have_expect) {
        r->have_expect = 1;
        fz_append(&r->expect, r->value.data, r->value.len);
    }
    r->field.len = r->value.len = 0;
    r->in_value = 0;
}

static int ref_on_field(llhttp_t *p, const char *at, size_t len)
{
    ref_req *r = cur(p);
    if (r->in_value)
        ref_header_done(r);
    fz_append(&r->field, at, len);
    return 0;
}

static int ref_on_value(llhttp_t *p, const char *at, size_t len)
{
    ref_req *r = cur(p);
    r->in_value = 1;
    fz_append(&r->value, at, len);
    return 0;
}

static int ref_on_value_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    r->in_value = 1;
    ref_header_done(r);
    return 0;
}

static int ref_on_headers_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    r->method = p->method;
    r->major = p->http_major;
    r->minor = p->http_minor;
    r->keep_alive = (uint8_t)llhttp_should_keep_alive(p);
    r->has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length);
    r->too_big = (p->flags & F_CONTENT_LENGTH) && p->content_length > cfg.max_body_size;
    r->headers_done = 1;
    p->upgrade = 0; /* as brisk does: no upgrades, the request is plain HTTP */
    return 0;
}

static int ref_on_body(llhttp_t *p, const char *at, size_t len)
{
    fz_append(&cur(p)->body, at, len);
    return 0;
}

static int ref_on_complete(llhttp_t *p)
{
    ref_stream *s = p->data;
    ref_req *r = cur(p);
    r->complete = 1;
    s->ncomplete++;
    return r->keep_alive ? 0 : HPE_PAUSED; /* brisk parses nothing after a closing request */
}

static void ref_parse(const uint8_t *data, size_t size)
{
    static llhttp_settings_t settings;
    static int init;
    if (!init) {
        init = 1;
        llhttp_settings_init(&settings);
        settings.on_message_begin = ref_on_begin;
        settings.on_url = ref_on_url;
        settings.on_header_field = ref_on_field;
        settings.on_header_value = ref_on_value;
        settings.on_header_value_complete = ref_on_value_complete;
        settings.on_headers_complete = ref_on_headers_complete;
        settings.on_body = ref_on_body;
        settings.on_message_complete = ref_on_complete;
    }
    llhttp_t p;
    llhttp_init(&p, HTTP_REQUEST, &settings);
    p.data = &ref;
    ref.n = ref.ncomplete = ref.error = ref.overflow = 0;
    llhttp_errno_t err = llhttp_execute(&p, (const char *)data, size);
    ref.error = err != HPE_OK && err != HPE_PAUSED;
}

/* What brisk answers to a request whose head is complete. */
typedef struct prediction {
    int status;
    int error;           /* answered by bk_conn_fail: Connection: close, the last answer */
    const char *allow;   /* for 405 */
    int route;           /* 1 items, 2 echo, 3 sleep, 4 probe */
    bk_buf id;           /* the decoded {id} of /items/{id} */
} prediction;

static int bk_method_of(uint8_t m)
{
    switch (m) {
    case HTTP_GET:
        return BK_GET;
    case HTTP_HEAD:
        return BK_HEAD;
    case HTTP_POST:
        return BK_POST;
    case HTTP_PUT:
        return BK_PUT;
    case HTTP_DELETE:
        return BK_DELETE;
    case HTTP_PATCH:
        return BK_PATCH;
    case HTTP_OPTIONS:
        return BK_OPTIONS;
    default:
        return BK_METHOD_COUNT;
    }
}

static void predict(const ref_req *r, prediction *pr)
{
    pr->status = 0;
    pr->error = 0;
    pr->allow = NULL;
    pr->route = 0;
    pr->id.len = 0;
    if (r->too_big) { /* refused as soon as it is announced, before anything else */
        pr->status = 413, pr->error = 1;
        return;
    }
    if (r->major != 1) {
        pr->status = 505, pr->error = 1;
        return;
    }
    const char *url = r->url.data;
    size_t len = r->url.len;
    if (!(len && url[0] == '/') && !(len == 1 && url[0] == '*')) {
        pr->status = 400, pr->error = 1;
        return;
    }
    const char *q = memchr(url, '?', len);
    bk_buf path = {0};
    fz_percent_decode(&path, url, q ? (size_t)(q - url) : len, 0);
    if (path.len && memchr(path.data, '\0', path.len)) {
        pr->status = 400, pr->error = 1;
        bk_buf_free(&path);
        return;
    }
    int m = bk_method_of(r->method);
    int get_like = m == BK_GET || m == BK_HEAD;
    const char *p = path.len ? path.data : "";
    size_t n = path.len;
    if (n > 7 && memcmp(p, "/items/", 7) == 0 && !memchr(p + 7, '/', n - 7)) {
        pr->route = 1;
        fz_append(&pr->id, p + 7, n - 7);
    } else if (n == 5 && memcmp(p, "/echo", 5) == 0) {
        pr->route = 2;
    } else if (n == 6 && memcmp(p, "/sleep", 6) == 0) {
        pr->route = 3;
    } else if (n == 13 && memcmp(p, "/__fuzz_probe", 13) == 0) {
        pr->route = 4;
    }
    if (!pr->route)
        pr->status = 404;
    else if (pr->route == 2)
        pr->status = m == BK_POST ? 200 : 405, pr->allow = "POST";
    else
        pr->status = get_like ? 200 : 405, pr->allow = "GET, HEAD";
    bk_buf_free(&path);
}

/* ---- the response stream ---------------------------------------------------------------- */

typedef struct response {
    int status;
    size_t start, head_len;
    int ncl;
    size_t cl;
    const char *conn; /* value of Connection, or NULL */
    size_t conn_len;
    const char *ctype, *allow, *seen;
    size_t ctype_len, allow_len, seen_len;
    int has_date, has_server;
} response;

static int is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int hdr_is(const char *name, size_t len, const char *want)
{
    return strlen(want) == len && strncasecmp(name, want, len) == 0;
}

static int val_is(const char *v, size_t len, const char *want)
{
    return v && strlen(want) == len && memcmp(v, want, len) == 0;
}

/* Parses the head of the response at `pos`. */
static void parse_head(const char *s, size_t len, size_t pos, response *r)
{
    memset(r, 0, sizeof(*r));
    r->start = pos;
    const char *head = s + pos;
    const char *end = memmem(head, len - pos, "\r\n\r\n", 4);
    FUZZ_CHECK(end != NULL, "a response head is cut short (offset %zu of %zu)", pos, len);
    r->head_len = (size_t)(end - head) + 4;
    const char *line_end = memmem(head, r->head_len, "\r\n", 2);
    size_t ll = (size_t)(line_end - head);
    FUZZ_CHECK(ll > 13 && memcmp(head, "HTTP/1.1 ", 9) == 0 && head[9] >= '1' && head[9] <= '5' &&
                   head[10] >= '0' && head[10] <= '9' && head[11] >= '0' && head[11] <= '9' &&
                   head[12] == ' ',
               "malformed status line at offset %zu", pos);
    r->status = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
    for (size_t i = 13; i < ll; i++)
        FUZZ_CHECK((unsigned char)head[i] >= 0x20 && head[i] != 0x7f, "control byte in reason");
    const char *p = line_end + 2;
    while (p < end + 2) {
        const char *e = memmem(p, (size_t)(end + 2 - p), "\r\n", 2);
        size_t n = (size_t)(e - p);
        const char *colon = memchr(p, ':', n);
        FUZZ_CHECK(colon && colon > p && colon + 1 < p + n && colon[1] == ' ',
                   "malformed header line in response at offset %zu", (size_t)(p - s));
        for (const char *c = p; c < colon; c++)
            FUZZ_CHECK(is_tchar((unsigned char)*c), "bad header name byte 0x%02x",
                       (unsigned char)*c);
        const char *v = colon + 2;
        size_t vl = (size_t)(p + n - v);
        for (size_t i = 0; i < vl; i++) {
            unsigned char c = (unsigned char)v[i];
            FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f), "control byte 0x%02x in a header",
                       c);
        }
        size_t nl = (size_t)(colon - p);
        if (hdr_is(p, nl, "content-length")) {
            r->ncl++;
            size_t cl = 0;
            FUZZ_CHECK(vl > 0 && vl < 12, "bad Content-Length");
            for (size_t i = 0; i < vl; i++) {
                FUZZ_CHECK(v[i] >= '0' && v[i] <= '9', "bad Content-Length");
                cl = cl * 10 + (size_t)(v[i] - '0');
            }
            r->cl = cl;
        } else if (hdr_is(p, nl, "connection")) {
            FUZZ_CHECK(!r->conn, "two Connection headers");
            r->conn = v, r->conn_len = vl;
        } else if (hdr_is(p, nl, "content-type")) {
            r->ctype = v, r->ctype_len = vl;
        } else if (hdr_is(p, nl, "allow")) {
            r->allow = v, r->allow_len = vl;
        } else if (hdr_is(p, nl, "x-seen")) {
            r->seen = v, r->seen_len = vl;
        } else if (hdr_is(p, nl, "date")) {
            r->has_date = 1;
        } else if (hdr_is(p, nl, "server")) {
            r->has_server = 1;
        }
        p = e + 2;
    }
}

static int is_close(const response *r)
{
    return val_is(r->conn, r->conn_len, "close");
}

static void dump_exchange(const uint8_t *in, size_t in_len, const bk_buf *out)
{
    fz_dump(stderr, "sent", in, in_len, 3000);
    fz_dump(stderr, "received", out->data, out->len, 3000);
}

static const char *method_str(uint8_t m)
{
    return llhttp_method_name((llhttp_method_t)m);
}

/* Checks a normal (non-error) answer to request i against the prediction. */
static void check_answer(const ref_req *rq, int i, const prediction *pr, const response *r,
                         const char *body, size_t body_len)
{
    int head = rq->method == HTTP_HEAD;
    FUZZ_CHECK(r->status == pr->status, "request %d: status %d, predicted %d", i, r->status,
               pr->status);
    if (rq->keep_alive)
        FUZZ_CHECK(!r->conn || (rq->minor == 0 && val_is(r->conn, r->conn_len, "keep-alive")),
                   "request %d (HTTP/1.%d, keep-alive): Connection: %.*s", i, rq->minor,
                   (int)r->conn_len, r->conn ? r->conn : "");
    else
        FUZZ_CHECK(is_close(r), "request %d without keep-alive answered without Connection: close",
                   i);
    if (rq->keep_alive && rq->minor == 0)
        FUZZ_CHECK(r->conn, "HTTP/1.0 keep-alive request %d answered without Connection", i);
    if (pr->status == 405)
        FUZZ_CHECK(val_is(r->allow, r->allow_len, pr->allow), "request %d: Allow: %.*s, want %s",
                   i, (int)r->allow_len, r->allow ? r->allow : "", pr->allow);
    if (head)
        return; /* no body to look at */
    json_error_t jerr;
    if (pr->status == 200 && pr->route == 2) {
        FUZZ_CHECK(val_is(r->ctype, r->ctype_len, "application/octet-stream"), "echo type");
        FUZZ_CHECK(body_len == rq->body.len && memcmp(body, rq->body.data, body_len) == 0,
                   "request %d: echoed body (%zu bytes) differs from the body sent (%zu bytes)", i,
                   body_len, rq->body.len);
        bk_buf want = {0};
        if (rq->have_xtest) {
            fz_append(&want, "=", 1);
            size_t n = rq->xtest.len;
            const char *nul = n ? memchr(rq->xtest.data, '\0', n) : NULL;
            fz_append(&want, rq->xtest.data, nul ? (size_t)(nul - rq->xtest.data) : n);
        } else {
            fz_append(&want, "-", 1);
        }
        if (!(r->seen && r->seen_len == want.len && memcmp(r->seen, want.data, want.len) == 0)) {
            fz_dump(stderr, "X-Seen", r->seen ? r->seen : "", r->seen ? r->seen_len : 0, 300);
            fz_dump(stderr, "want", want.data, want.len, 300);
        }
        FUZZ_CHECK(r->seen && r->seen_len == want.len && memcmp(r->seen, want.data, want.len) == 0,
                   "request %d: the X-Test header reached the handler altered", i);
        bk_buf_free(&want);
    } else if (pr->status == 200 && pr->route == 1) {
        FUZZ_CHECK(val_is(r->ctype, r->ctype_len, "application/json"), "items type");
        json_t *v = json_loadb(body, body_len, 0, &jerr);
        FUZZ_CHECK(v && json_is_object(v) && json_is_string(json_object_get(v, "id")),
                   "request %d: /items answer is not {\"id\": string}: %s", i, v ? "" : jerr.text);
        bk_buf want = {0};
        fz_utf8_repair(&want, pr->id.data, pr->id.len);
        json_t *id = json_object_get(v, "id");
        FUZZ_CHECK(json_string_length(id) == want.len &&
                       memcmp(json_string_value(id), want.data, want.len) == 0,
                   "request %d: /items/{id} got another id than the decoded path segment", i);
        bk_buf_free(&want);
        json_decref(v);
    } else if (pr->status == 200 && pr->route == 3) {
        FUZZ_CHECK(body_len == 5 && memcmp(body, "slept", 5) == 0, "sleep body");
    } else if (pr->status == 404 || pr->status == 405) {
        json_t *v = json_loadb(body, body_len, 0, &jerr);
        const char *want = pr->status == 404 ? "Not Found" : "Method Not Allowed";
        FUZZ_CHECK(v && json_is_string(json_object_get(v, "detail")) &&
                       strcmp(json_string_value(json_object_get(v, "detail")), want) == 0,
                   "request %d: %d body is not {\"detail\": \"%s\"}", i, pr->status, want);
        json_decref(v);
    }
}

static int limit_status(int status)
{
    return status == 413 || status == 414 || status == 431;
}

static int head_error_body_seen;

static void check_exchange(const uint8_t *in, size_t in_len, const bk_buf *out, int eof)
{
    const char *s = out->data ? out->data : "";
    size_t len = out->len, pos = 0;
    int nfinal = 0, closed = 0;
    static prediction pr;
    /* Only a big input can reach the 8 KiB URL / 16 KiB header / 1 MiB body limits. */
    int limits_possible = in_len > 8192;
    while (pos < len) {
        FUZZ_CHECK(!closed, "%zu bytes after a Connection: close response",
                   len - pos + (dump_exchange(in, in_len, out), 0));
        response r;
        parse_head(s, len, pos, &r);
        const ref_req *rq = nfinal < ref.n ? &ref.reqs[nfinal] : NULL;
        if (r.status == 100) {
            FUZZ_CHECK(r.head_len == 25 && memcmp(s + pos, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0,
                       "malformed 100 Continue");
            if (rq && rq->headers_done)
                predict(rq, &pr);
            int expected = rq && rq->headers_done && !pr.error && rq->has_body && rq->major == 1 &&
                           rq->minor == 1 && rq->have_expect && rq->expect.len == 12 &&
                           strncasecmp(rq->expect.data, "100-continue", 12) == 0;
            if (!expected)
                dump_exchange(in, in_len, out);
            FUZZ_CHECK(expected, "100 Continue for request %d, which did not ask for it", nfinal);
            pos += r.head_len;
            continue;
        }
        FUZZ_CHECK(r.status >= 200, "unexpected interim status %d", r.status);
        FUZZ_CHECK(r.ncl == 1, "response %d has %d Content-Length headers", nfinal, r.ncl);
        FUZZ_CHECK(r.has_date && r.has_server, "response %d lacks Date or Server", nfinal);
        size_t body_at = pos + r.head_len, rest = len - body_at;
        int normal = 0;
        if (rq && rq->headers_done) {
            predict(rq, &pr);
            normal = rq->complete && !pr.error && r.status == pr.status;
        }
        size_t body_len;
        int bodiless = r.status == 204 || r.status == 304;
        if (bodiless) {
            body_len = 0;
        } else if (normal && rq->method == HTTP_HEAD) {
            body_len = 0;
        } else if (!normal && rq && rq->headers_done && rq->method == HTTP_HEAD && is_close(&r) &&
                   rest == r.cl && r.cl) {
            /* An error answered by bk_conn_fail carries its body even for HEAD. */
            body_len = r.cl;
            head_error_body_seen = 1;
        } else if (!normal && rq && rq->headers_done && rq->method == HTTP_HEAD) {
            body_len = 0;
        } else {
            body_len = r.cl;
        }
        if (rest < body_len)
            dump_exchange(in, in_len, out);
        FUZZ_CHECK(rest >= body_len, "response %d: body cut short: %zu of %zu bytes", nfinal, rest,
                   body_len);
        const char *body = s + body_at;
        if (normal) {
            check_answer(rq, nfinal, &pr, &r, body, body_len);
        } else {
            /* Not what routing answers: must be an error that ends the connection. */
            int allowed;
            if (rq && rq->headers_done && pr.error)
                allowed = r.status == pr.status || (limits_possible && limit_status(r.status));
            else if (rq && rq->headers_done && rq->complete)
                allowed = limits_possible && limit_status(r.status);
            else /* a request the model saw no complete head of: a parse error or a limit */
                allowed = r.status == 400 || (limits_possible && limit_status(r.status));
            if (!allowed || !is_close(&r))
                dump_exchange(in, in_len, out);
            FUZZ_CHECK(allowed, "response %d: unexpected status %d (model: %s, predicted %d)",
                       nfinal, r.status,
                       !rq ? "no such request"
                           : !rq->headers_done ? "head incomplete or invalid"
                                               : rq->complete ? "complete" : "body incomplete",
                       rq && rq->headers_done ? pr.status : 0);
            FUZZ_CHECK(is_close(&r), "error response %d (%d) without Connection: close", nfinal,
                       r.status);
            FUZZ_CHECK(val_is(r.ctype, r.ctype_len, "application/json"), "error body type");
        }
        if (is_close(&r))
            closed = 1;
        nfinal++;
        FUZZ_CHECK(nfinal <= ref.ncomplete + 1, "%d responses to %d complete requests", nfinal,
                   ref.ncomplete);
        pos = body_at + body_len;
    }
    if (closed && !eof)
        dump_exchange(in, in_len, out);
    FUZZ_CHECK(!closed || eof, "Connection: close sent, but the connection stays open");
    if (eof && !closed)
        dump_exchange(in, in_len, out);
    FUZZ_CHECK(!eof || closed, "the server closed the connection without a closing response");
    if (!closed) {
        /* Still open: every complete request is answered, and nothing was refused. */
        if (nfinal != ref.ncomplete || ref.error)
            dump_exchange(in, in_len, out);
        FUZZ_CHECK(nfinal == ref.ncomplete, "%d responses for %d complete requests, connection open",
                   nfinal, ref.ncomplete);
        FUZZ_CHECK(!ref.error, "invalid request bytes, yet no 400 and the connection stays open");
        for (int i = 0; i < ref.n; i++) {
            if (!ref.reqs[i].headers_done)
                continue;
            predict(&ref.reqs[i], &pr);
            FUZZ_CHECK(!pr.error, "request %d (%s) should have been refused with %d", i,
                       method_str(ref.reqs[i].method), pr.status);
        }
    }
}

/* ---- setup and the fuzz loop ------------------------------------------------------------ */

static int start_server(void)
{
    app = bk_app_new();
    if (!app || bk_get(app, "/items/{id}", h_item) || bk_post(app, "/echo", h_echo) ||
        bk_get(app, "/sleep", h_sleep) || bk_get(app, "/__fuzz_probe", h_probe))
        return -1;
    bk_config_default(&cfg);
    cfg.host = "127.0.0.1";
    cfg.workers = 1;
    cfg.access_log = 0;
    cfg.log_level = BK_LOG_CRITICAL; /* the fuzzer sends garbage on purpose: no warning lines */
    for (int attempt = 0; attempt < 20; attempt++) {
        server_port = free_port();
        cfg.port = server_port;
        server_exited = 0;
        pthread_t t;
        if (pthread_create(&t, NULL, server_main, NULL) != 0)
            return -1;
        pthread_detach(t);
        for (int i = 0; i < 500 && !server_exited; i++) {
            int local, fd = connect_client(&local);
            if (fd < 0) {
                sleep_us(10000);
                continue;
            }
            /* Install the probe on the worker's loop. */
            static const char req[] = "GET /__fuzz_probe HTTP/1.1\r\nHost: fuzz\r\n"
                                      "Connection: close\r\n\r\n";
            bk_buf in = {0};
            int eof = 0;
            send_piece(fd, (const uint8_t *)req, sizeof(req) - 1, &in, &eof);
            double start = now_s();
            while (!eof && now_s() - start < 5) {
                struct pollfd pfd = {fd, POLLIN, 0};
                poll(&pfd, 1, 100);
                eof = drain(fd, &in);
            }
            close(fd);
            bk_buf_free(&in);
            pthread_mutex_lock(&probe_mu);
            int ready = probe_ready;
            pthread_mutex_unlock(&probe_mu);
            return ready ? 0 : -1;
        }
    }
    return -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (start_server() != 0) {
        fprintf(stderr, "fuzz_request: cannot start the server\n");
        exit(1);
    }
    /* bk_serve turned SIGINT/SIGTERM into a graceful drain; give them back to libFuzzer (it only
     * installs its handlers where none is set), so Ctrl-C and -max_total_time end the run. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    fprintf(stderr, "fuzz_request: brisk serving on 127.0.0.1:%d\n", server_port);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t ncuts = 0, abrupt = 0, off = 0;
    if (size) {
        ncuts = data[0] & 15;
        abrupt = data[0] >> 7;
        off = 1;
    }
    size_t cuts[16];
    size_t ncut_bytes = ncuts < size - off ? ncuts : size - off;
    for (size_t i = 0; i < ncut_bytes; i++)
        cuts[i] = (size_t)data[off + i] + 1;
    off += ncut_bytes;
    const uint8_t *payload = data + off;
    size_t plen = size - off;

    ref_parse(payload, plen);

    int local, fd = -1;
    for (int i = 0; i < 100 && fd < 0; i++) {
        fd = connect_client(&local);
        if (fd < 0)
            sleep_us(1000);
    }
    FUZZ_CHECK(fd >= 0, "cannot connect to the server: %s", strerror(errno));
    double start = now_s();
    while (!probe(local).found) { /* accepted, so that "not found" later means closed */
        FUZZ_CHECK(now_s() - start < 10, "the server did not accept within 10 s");
        sleep_us(20);
    }

    bk_buf in = {0};
    int eof = 0;
    size_t pos = 0;
    for (size_t i = 0; i <= ncut_bytes && pos <= plen; i++) {
        size_t n = i < ncut_bytes ? cuts[i] : plen - pos;
        if (n > plen - pos)
            n = plen - pos;
        if (n && send_piece(fd, payload + pos, n, &in, &eof) != 0)
            break;
        pos += n;
        if (!abrupt)
            wait_settled(fd, local, &in, &eof);
        if (pos == plen)
            break;
    }
    if (!abrupt) {
        probe_state st = wait_settled(fd, local, &in, &eof);
        if ((!st.found || st.state == BK_CONN_LINGER) && !eof) {
            /* Closed, or shut down for writing: the FIN has been sent; read up to it. */
            double t0 = now_s();
            while (!eof && now_s() - t0 < 5) {
                struct pollfd pfd = {fd, POLLIN, 0};
                poll(&pfd, 1, 50);
                eof = drain(fd, &in);
            }
        } else if (!eof) {
            eof = drain(fd, &in);
        }
        if (!ref.overflow)
            check_exchange(payload, plen, &in, eof);
    }
    close(fd);
    wait_gone(local);
    bk_buf_free(&in);
    return 0;
}
