/* fuzz_request — request assembly through the real server, from arbitrary bytes split anywhere.
 *
 * A real server (bk_server_start, one worker) runs in background threads, started once; each
 * input is sent on a fresh TCP connection to 127.0.0.1, in pieces, and everything the server
 * answers is checked.
 *
 * Why a real socket: the parser alone is fuzzed in-process by fuzz_parser.c; this harness is for
 * what the connection does with it (src/loop/conn.c: handing requests to the app one at a time,
 * parking pipelined input in `pending` while a handler awaits, 100 Continue, lingering closes,
 * timeout queues), which a fake connection would skip. Waiting a fixed idle time per input would
 * cost ~50 ms each (20 exec/s), though; instead the harness asks the worker itself when it is
 * done: a uv_async_t, initialised once on the worker's loop from inside a handler (the loop's own
 * thread), runs a probe between two callbacks that reports whether our connection is settled —
 * no handler running or awaiting, every byte we sent
 * received and read, every response byte written and sent (TCP byte counters, so delayed ACKs do
 * not cost 40 ms), a shutdown in progress finished — or gone. ~1000 exec/s on one core. No
 * source file of the library is changed; loop/conn.h is only read.
 *
 * Input format: byte 0: bits 0-3 = number of cut bytes that follow (each: piece length - 1),
 * bit 7 = "abrupt": close the connection right after the last piece without waiting for the
 * answers (the server must cancel and clean up: LeakSanitizer checks). The rest is the byte
 * stream. Each piece is sent on its own and the server settles before the next one, so every cut
 * is a separate read on the server side.
 *
 * Oracle 1, differential: with cuts, the same bytes are also sent in one piece on a fresh
 * connection; both answers must be identical (Date values blanked), EOF included. Catches any
 * rule that only holds when its bytes arrive in one read, without modelling the rule.
 *
 * Oracle 2, a reference model: llhttp (same version, same strict mode) parses the stream in one
 * call, with brisk's rules restated on that contiguous input — CRLF after the version, no empty
 * header name, no obs-fold, trailing OWS trimmed, at most 100 headers (431; the size limits are
 * not modelled), a byte llhttp refuses inside a span coming after what is before it in the span
 * (brisk reports the open span first), then at the end of the head: 413 for a
 * Content-Length over the limit, 505, Transfer-Encoding (400/501), Host (400), the target (400:
 * not origin-form, fragment, '*' outside OPTIONS, decoded NUL), a chunk over the limit (413) —
 * and routing (200 / 404 / 405 with Allow / 307 slash redirect; GET /op is a path operation,
 * which does not answer HEAD). When brisk changes a rule, change it here too.
 * Invariants on what comes back:
 *  - it is a sequence of well-formed HTTP/1.1 responses: status line, token: value headers,
 *    exactly one Content-Length (1xx excepted), that many body bytes (none for HEAD);
 *    interim "100 Continue" only where the request asked for it;
 *  - response i answers request i as the model predicts (status, Connection header, Allow,
 *    Content-Type, the echoed body and X-Test header, the JSON of /items/{id});
 *  - a refusal has the status the model gives, Connection: close, and is the last thing on the
 *    wire: never more responses than complete requests + 1;
 *  - after Connection: close the server closes (EOF), and it never closes silently;
 *  - a connection that stays open has answered every complete request and refused nothing.
 */
#define _GNU_SOURCE
#include "fuzz_util.h"
#include "loop/conn.h"
#include "testserver.h"

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

/* GET /op, a path operation (FastAPI's APIRoute): HEAD is a 405 with Allow: GET. */
static void h_op(bk_req *req)
{
    bk_send_text(req, 200, "op");
}

/* ---- the probe: runs on the worker's loop thread ---------------------------------------- */

/* The kernel's struct tcp_info (linux/tcp.h, append-only ABI) up to the counters used here:
 * <linux/tcp.h> cannot be included next to the <netinet/tcp.h> that uv.h brings in. */
struct fz_tcp_info {
    uint8_t state, ca_state, retransmits, probes, backoff, options, wscale, flags;
    uint32_t rto, ato, snd_mss, rcv_mss, unacked, sacked, lost, retrans, fackets;
    uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
    uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
    uint32_t rcv_rtt, rcv_space, total_retrans;
    uint64_t pacing_rate, max_pacing_rate, bytes_acked, bytes_received;
    uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
    uint64_t delivery_rate, busy_time, rwnd_limited, sndbuf_limited;
    uint32_t delivered, delivered_ce;
    uint64_t bytes_sent, bytes_retrans;
};

typedef struct probe_state {
    int found;   /* a connection from our port is open */
    int closed;  /* ... or closed, not freed yet (any closed connection counts: one at a time) */
    int settled; /* nothing in flight on it inside the server */
    int reading; /* the server reads from it */
    int state;   /* its bk__conn_state */
    size_t inq;  /* bytes received, not read by the server */
    uint64_t bytes_received, bytes_sent; /* by the server's socket, in total */
    size_t notsent;                      /* written by the server, not sent yet */
    size_t pending;                      /* input parked while a handler awaits */
    size_t write_queued;
    int retransmitting; /* the server's socket is retransmitting */
} probe_state;

static pthread_mutex_t probe_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t probe_cv = PTHREAD_COND_INITIALIZER;
static uv_async_t probe_async;
static bk__worker *probe_worker; /* set once, on the worker thread */
static int probe_ready;
static unsigned probe_asked, probe_answered;
static int probe_port;
static probe_state probe_result;

static int peer_port(bk__conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getpeername(&c->sock.tcp, (struct sockaddr *)&ss, &len) != 0)
        return -1;
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void on_probe(uv_async_t *a)
{
    bk__worker *w = a->data;
    pthread_mutex_lock(&probe_mu);
    int port = probe_port;
    unsigned asked = probe_asked;
    pthread_mutex_unlock(&probe_mu);

    probe_state st;
    memset(&st, 0, sizeof(st));
    for (bk__conn *c = w->conns; c; c = c->next) {
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
        int inq = 0, notsent = 0;
        struct fz_tcp_info ti;
        memset(&ti, 0, sizeof(ti));
        if (uv_fileno((uv_handle_t *)&c->sock.tcp, &fd) == 0) {
            socklen_t tl = sizeof(ti);
            ioctl(fd, SIOCINQ, &inq);
            ioctl(fd, SIOCOUTQNSD, &notsent);
            if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0 || tl < sizeof(ti))
                memset(&ti, 0xff, sizeof(ti)); /* never matches: the harness reports a stall */
        }
        st.inq = (size_t)inq;
        st.notsent = (size_t)notsent;
        st.bytes_received = ti.bytes_received;
        /* tcpi_bytes_sent counts retransmitted bytes again: a segment the loaded loopback
         * dropped and TCP resent would make the client wait for bytes that never come. */
        st.bytes_sent = ti.bytes_sent - ti.bytes_retrans;
        st.retransmitting = ti.retransmits > 0 || ti.backoff > 0; /* see client_retransmitting */
        int parseable =
            c->state == BK__CONN_IDLE && c->pending.len && !c->closing && !c->paused_write;
        st.settled = c->state != BK__CONN_HANDLER && !c->req.task.coro && c->write_queued == 0 &&
                     c->sock.tcp.shutdown_req == NULL && (inq == 0 || !c->reading) && notsent == 0 &&
                     !parseable && !w->sched.ready_head;
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
        bk__worker *w = ((bk__conn *)req->io_ctx)->w;
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
static bk_server *server;
static int server_port;
static bk_config cfg; /* the server's, for the reference model's limits */

static void quiet(bk_config *c)
{
    c->log_level = BK_LOG_CRITICAL; /* the fuzzer sends garbage on purpose: no warning lines */
}

/* A connected socket (blocking connect; reads use MSG_DONTWAIT), its local port in *local. */
static int connect_client(int *local)
{
    return test_connect(server_port, 5, local);
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

static uint64_t client_sent;

/* Reports a stall with both ends' view: the server's connection and the client socket `fd`'s
 * TCP state (a stall that only the kernel explains shows up there). */
static void fail_stuck(const char *what, const probe_state *st, int fd)
{
    struct fz_tcp_info ti;
    socklen_t tl = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (fd >= 0)
        getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl);
    FUZZ_CHECK(0,
               "%s: found %d closed %d settled %d reading %d state %d inq %zu received %llu sent "
               "%llu notsent %zu pending %zu write_queued %zu | client sent %llu, its socket: "
               "tcp state %u retransmits %u probes %u backoff %u unacked %u notsent %u acked "
               "%llu total_retrans %u rto %u",
               what, st->found, st->closed, st->settled, st->reading, st->state, st->inq,
               (unsigned long long)st->bytes_received, (unsigned long long)st->bytes_sent,
               st->notsent, st->pending, st->write_queued, (unsigned long long)client_sent,
               ti.state, ti.retransmits, ti.probes, ti.backoff, ti.unacked, ti.notsent_bytes,
               (unsigned long long)ti.bytes_acked, ti.total_retrans, ti.rto);
}

/* Bytes sent on the current connection (client_sent, above): the server has them all when its
 * socket counted them. */

/* Nonzero while the kernel is retransmitting bytes of the client socket `fd`. Loopback drops
 * packets when its per-CPU backlog overflows on a loaded machine (the second column of
 * /proc/net/softnet_stat counts them), and TCP then retransmits with exponential backoff: after
 * a few losses the bytes take longer than 10 s to arrive. That time is the kernel's, not the
 * server's, so the stall limits below do not count it. */
static int client_retransmitting(int fd)
{
    struct fz_tcp_info ti;
    socklen_t tl = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) != 0)
        return 0;
    return ti.retransmits > 0 || ti.backoff > 0;
}

/* Waits until the server has dealt with everything sent so far on our connection and we hold
 * everything it wrote. Byte counters rather than unacknowledged-queue sizes: delayed ACKs would
 * keep those non-zero for up to 40 ms. Reads the answers meanwhile (a client that does not read
 * can stall the server). Returns the last probe. */
static probe_state wait_settled(int fd, int local, bk_buf *in, int *eof)
{
    double first = now_s(), start = first;
    for (int spin = 0;; spin++) {
        if (!*eof)
            *eof = drain(fd, in);
        probe_state st = probe(local);
        if (!st.found)
            return st; /* closed by the server */
        if (st.settled && (st.bytes_received == client_sent || !st.reading)) {
            if (!*eof)
                *eof = drain(fd, in);
            if (in->len == st.bytes_sent || *eof)
                return st;
        }
        if ((client_retransmitting(fd) || st.retransmitting) && now_s() - first < 300)
            start = now_s() - 5; /* the kernel's delay: the server gets its 10 s once it has them */
        if (now_s() - start > 10)
            fail_stuck("the server did not settle within 10 s", &st, fd);
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
            fail_stuck("the server kept a closed connection for 10 s", &st, -1);
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
            client_sent += (uint64_t)k;
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

/* llhttp parses the whole stream in one llhttp_execute call, so every look-back has the bytes
 * before it at hand; the server sees the same stream in pieces. The rules are brisk's (parser.c,
 * request.c), restated here on contiguous input: a rule that only holds when its bytes arrive
 * in one read shows up as a difference. */

typedef struct ref_req {
    uint8_t method;       /* llhttp_method_t */
    uint8_t method_known; /* the request line's method was parsed */
    uint8_t major, minor;
    uint8_t keep_alive;
    uint8_t headers_done, complete;
    uint8_t has_body;
    uint8_t field_open, header_open;
    int reject;      /* the status brisk must refuse this request with, 0 if none */
    const char *why; /* which rule (for failure messages) */
    bk_buf url, body, field, value;
    bk_buf xtest, expect;
    uint8_t have_xtest, have_expect;
    int hosts, bad_host;
    int nheaders;
    int te_seen, te_chunked_last, te_others;
    /* the prediction for a request that passes */
    int status;
    int route; /* 1 items, 2 echo, 3 sleep, 4 probe */
    const char *allow;
    bk_buf id; /* the decoded {id} of /items/{id} */
} ref_req;

typedef struct ref_stream {
    ref_req reqs[MAX_REQS];
    int n;                 /* requests begun */
    int ncomplete;         /* requests complete */
    int error;             /* llhttp stopped with an error, its own or a rule's */
    int overflow;          /* more requests than the model holds: skip the checks */
    const char *buf, *end; /* the stream */
    const char *version_end;
} ref_stream;

static ref_stream ref;

static ref_req *cur(llhttp_t *p)
{
    ref_stream *s = p->data;
    return &s->reqs[s->n - 1];
}

static int ref_reject(ref_req *r, int status, const char *why)
{
    r->reject = status;
    r->why = why;
    return -1;
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
    r->id.len = 0;
    r->headers_done = r->complete = r->has_body = r->field_open = r->header_open = 0;
    r->method_known = 0;
    r->have_xtest = r->have_expect = 0;
    r->reject = 0;
    r->why = NULL;
    r->hosts = r->bad_host = r->te_seen = r->te_chunked_last = r->te_others = 0;
    r->nheaders = 0;
    r->status = r->route = 0;
    r->allow = NULL;
    s->version_end = NULL;
    return 0;
}

static int ref_on_url(llhttp_t *p, const char *at, size_t len)
{
    fz_append(&cur(p)->url, at, len);
    return 0;
}

static int ref_on_version(llhttp_t *p, const char *at, size_t len)
{
    ref.version_end = at + len;
    return 0;
}

static int ref_on_version_complete(llhttp_t *p)
{
    /* The request line ends with CRLF; llhttp 8 also takes a bare LF. */
    if (ref.version_end && ref.version_end < ref.end && *ref.version_end != '\r')
        return ref_reject(cur(p), 400, "request line not ended by CRLF");
    return 0;
}

static int ref_on_field(llhttp_t *p, const char *at, size_t len)
{
    ref_req *r = cur(p);
    if (!r->field_open) {
        if (r->nheaders == 100)
            return ref_reject(r, 431, "more than 100 headers");
        r->field.len = r->value.len = 0;
        r->field_open = r->header_open = 1;
    }
    fz_append(&r->field, at, len);
    return 0;
}

static int ref_on_field_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    if (!r->field_open || r->field.len == 0)
        return ref_reject(r, 400, "empty header name");
    r->field_open = 0;
    return 0;
}

static int ref_on_value(llhttp_t *p, const char *at, size_t len)
{
    ref_req *r = cur(p);
    if (!r->header_open)
        return ref_reject(r, 400, "value without a header name");
    if (len) { /* obs-fold: a value span that starts a line, after optional SP/HT */
        const char *q = at;
        while (q > ref.buf && (q[-1] == ' ' || q[-1] == '\t'))
            q--;
        if (q > ref.buf && q[-1] == '\n')
            return ref_reject(r, 400, "obs-fold");
    }
    fz_append(&r->value, at, len);
    return 0;
}

static int token_eq(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

static int ref_on_value_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    if (!r->header_open)
        return ref_reject(r, 400, "value without a header name");
    r->header_open = 0;
    r->nheaders++;
    const char *v = r->value.len ? r->value.data : "";
    size_t vl = r->value.len;
    while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
        vl--; /* trailing OWS is not part of the value */
    const char *name = r->field.data;
    size_t nl = r->field.len;
    if (token_eq(name, nl, "x-test") && !r->have_xtest) {
        r->have_xtest = 1;
        fz_append(&r->xtest, v, vl);
    } else if (token_eq(name, nl, "expect") && !r->have_expect) {
        r->have_expect = 1;
        fz_append(&r->expect, v, vl);
    } else if (token_eq(name, nl, "host")) {
        r->hosts++;
        for (size_t i = 0; i < vl; i++)
            if (!v[i] || strchr(" \t,/\\@?#", v[i]))
                r->bad_host = 1;
    } else if (token_eq(name, nl, "transfer-encoding")) {
        r->te_seen = 1;
        size_t i = 0;
        while (i <= vl) { /* comma-separated codings, each trimmed of SP/HT */
            size_t j = i;
            while (j < vl && v[j] != ',')
                j++;
            size_t a = i, b = j;
            while (a < b && (v[a] == ' ' || v[a] == '\t'))
                a++;
            while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
                b--;
            if (b > a) {
                r->te_chunked_last = token_eq(v + a, b - a, "chunked");
                r->te_others += !r->te_chunked_last;
            }
            i = j + 1;
        }
    }
    return 0;
}

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

/* As brisk: from here on, a refusal of a HEAD request carries no body. */
static int ref_on_method_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    r->method = p->method;
    r->method_known = 1;
    return 0;
}

/* The fuzz app's route for decoded path [d, d + n): 1 items, 2 echo, 3 sleep, 4 probe, 0 none. */
static int ref_route(const char *d, size_t n)
{
    if (n > 7 && memcmp(d, "/items/", 7) == 0 && !memchr(d + 7, '/', n - 7))
        return 1;
    if (n == 5 && memcmp(d, "/echo", 5) == 0)
        return 2;
    if (n == 6 && memcmp(d, "/sleep", 6) == 0)
        return 3;
    if (n == 13 && memcmp(d, "/__fuzz_probe", 13) == 0)
        return 4;
    if (n == 3 && memcmp(d, "/op", 3) == 0)
        return 5;
    return 0;
}

/* As brisk (FastAPI's redirect_slashes): a path no route has, whose form without its trailing
 * slashes (or with one added) has a route, is answered 307. */
static int ref_slash_redirects(const char *d, size_t n)
{
    if (n <= 1)
        return 0;
    if (d[n - 1] != '/') {
        bk_buf other = {0};
        fz_append(&other, d, n);
        fz_append(&other, "/", 1);
        int found = ref_route(other.data, other.len) != 0;
        bk_buf_free(&other);
        return found;
    }
    while (n && d[n - 1] == '/')
        n--;
    return n && ref_route(d, n) != 0;
}

/* brisk's checks at the end of the head, in its order, then routing. Returns -1 to stop. */
static int ref_on_headers_complete(llhttp_t *p)
{
    ref_req *r = cur(p);
    r->method = p->method;
    r->major = p->http_major;
    r->minor = p->http_minor;
    r->keep_alive = (uint8_t)llhttp_should_keep_alive(p);
    r->has_body = (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length);
    r->headers_done = 1;
    p->upgrade = 0; /* as brisk does: no upgrades, the request is plain HTTP */
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > cfg.max_body_size)
        return ref_reject(r, 413, "Content-Length above the body limit");
    if (r->major != 1)
        return ref_reject(r, 505, "HTTP major version not 1");
    if (r->te_seen) {
        if (r->minor == 0 || !r->te_chunked_last)
            return ref_reject(r, 400, "Transfer-Encoding in HTTP/1.0 or not ending in chunked");
        if (r->te_others)
            return ref_reject(r, 501, "a transfer coding other than chunked");
    }
    if (r->bad_host || r->hosts > 1 || (r->hosts == 0 && r->minor >= 1))
        return ref_reject(r, 400, "missing, repeated or invalid Host");
    const char *url = r->url.len ? r->url.data : "";
    size_t len = r->url.len;
    int m = bk_method_of(r->method);
    if (!(len && url[0] == '/') && !(len == 1 && url[0] == '*'))
        return ref_reject(r, 400, "target not origin-form");
    if (memchr(url, '#', len))
        return ref_reject(r, 400, "fragment in the target");
    if (url[0] == '*' && m != BK_OPTIONS)
        return ref_reject(r, 400, "asterisk-form outside OPTIONS");
    const char *q = memchr(url, '?', len);
    bk_buf path = {0};
    fz_percent_decode(&path, url, q ? (size_t)(q - url) : len, 0);
    const char *d = path.len ? path.data : "";
    size_t n = path.len;
    if (n && memchr(d, '\0', n)) {
        bk_buf_free(&path);
        return ref_reject(r, 400, "decoded NUL in the path");
    }
    int get_like = m == BK_GET || m == BK_HEAD;
    r->route = ref_route(d, n);
    if (r->route == 1)
        fz_append(&r->id, d + 7, n - 7);
    if (!r->route)
        r->status = ref_slash_redirects(d, n) ? 307 : 404;
    else if (r->route == 2)
        r->status = m == BK_POST ? 200 : 405, r->allow = "POST";
    else if (r->route == 5)
        r->status = m == BK_GET ? 200 : 405, r->allow = "GET";
    else
        r->status = get_like ? 200 : 405, r->allow = "GET, HEAD";
    bk_buf_free(&path);
    return 0;
}

static int ref_on_chunk_header(llhttp_t *p)
{
    ref_req *r = cur(p);
    if (p->content_length > cfg.max_body_size - r->body.len)
        return ref_reject(r, 413, "chunk above the body limit");
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
        settings.on_method_complete = ref_on_method_complete;
        settings.on_version = ref_on_version;
        settings.on_version_complete = ref_on_version_complete;
        settings.on_header_field = ref_on_field;
        settings.on_header_field_complete = ref_on_field_complete;
        settings.on_header_value = ref_on_value;
        settings.on_header_value_complete = ref_on_value_complete;
        settings.on_headers_complete = ref_on_headers_complete;
        settings.on_chunk_header = ref_on_chunk_header;
        settings.on_body = ref_on_body;
        settings.on_message_complete = ref_on_complete;
    }
    llhttp_t p;
    llhttp_init(&p, HTTP_REQUEST, &settings);
    p.data = &ref;
    ref.n = ref.ncomplete = ref.error = ref.overflow = 0;
    ref.buf = (const char *)data;
    ref.end = ref.buf + size;
    ref.version_end = NULL;
    llhttp_errno_t err = llhttp_execute(&p, (const char *)data, size);
    if (err != HPE_OK && err != HPE_PAUSED && ref.n && !cur(&p)->reject && p._span_pos0) {
        /* llhttp refused a byte inside a span: the rules see the span's bytes before it */
        int (*span_cb)(llhttp_t *, const char *, const char *);
        memcpy(&span_cb, &p._span_cb0, sizeof(span_cb));
        span_cb(&p, p._span_pos0, p.error_pos);
    }
    ref.error = err != HPE_OK && err != HPE_PAUSED;
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
           (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
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
            FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f), "control byte 0x%02x in a header", c);
        }
        size_t nl = (size_t)(colon - p);
        if (token_eq(p, nl, "content-length")) {
            r->ncl++;
            size_t cl = 0;
            FUZZ_CHECK(vl > 0 && vl < 12, "bad Content-Length");
            for (size_t i = 0; i < vl; i++) {
                FUZZ_CHECK(v[i] >= '0' && v[i] <= '9', "bad Content-Length");
                cl = cl * 10 + (size_t)(v[i] - '0');
            }
            r->cl = cl;
        } else if (token_eq(p, nl, "connection")) {
            FUZZ_CHECK(!r->conn, "two Connection headers");
            r->conn = v, r->conn_len = vl;
        } else if (token_eq(p, nl, "content-type")) {
            r->ctype = v, r->ctype_len = vl;
        } else if (token_eq(p, nl, "allow")) {
            r->allow = v, r->allow_len = vl;
        } else if (token_eq(p, nl, "x-seen")) {
            r->seen = v, r->seen_len = vl;
        } else if (token_eq(p, nl, "date")) {
            r->has_date = 1;
        } else if (token_eq(p, nl, "server")) {
            r->has_server = 1;
        }
        p = e + 2;
    }
}

static int is_close(const response *r)
{
    return val_is(r->conn, r->conn_len, "close");
}

static const uint8_t *cur_in;
static size_t cur_in_len;
static const bk_buf *cur_out;

/* Printed before a failed check of the exchange: what was sent, what came back. */
static void dump_exchange(void)
{
    fz_dump(stderr, "sent", cur_in, cur_in_len, 4000);
    if (cur_out)
        fz_dump(stderr, "received", cur_out->data, cur_out->len, 4000);
}

#define EX_CHECK(cond, ...)                                                                        \
    do {                                                                                           \
        if (!(cond))                                                                               \
            dump_exchange();                                                                       \
        FUZZ_CHECK(cond, __VA_ARGS__);                                                             \
    } while (0)

static const char *method_str(uint8_t m)
{
    return llhttp_method_name((llhttp_method_t)m);
}

/* Checks the answer to request i, which passed every rule, against the prediction. */
static void check_answer(const ref_req *rq, int i, const response *r, const char *body,
                         size_t body_len)
{
    EX_CHECK(r->status == rq->status, "request %d (%s): status %d, predicted %d", i,
             method_str(rq->method), r->status, rq->status);
    if (rq->keep_alive)
        EX_CHECK(!r->conn || (rq->minor == 0 && val_is(r->conn, r->conn_len, "keep-alive")),
                 "request %d (HTTP/1.%d, keep-alive): Connection: %.*s", i, rq->minor,
                 (int)r->conn_len, r->conn ? r->conn : "");
    else
        EX_CHECK(is_close(r), "request %d without keep-alive answered without Connection: close",
                 i);
    if (rq->keep_alive && rq->minor == 0)
        EX_CHECK(r->conn, "HTTP/1.0 keep-alive request %d answered without Connection", i);
    if (rq->status == 405)
        EX_CHECK(val_is(r->allow, r->allow_len, rq->allow), "request %d: Allow: %.*s, want %s", i,
                 (int)r->allow_len, r->allow ? r->allow : "", rq->allow);
    if (rq->method == HTTP_HEAD)
        return; /* no body to look at */
    json_error_t jerr;
    if (rq->status == 200 && rq->route == 2) {
        EX_CHECK(val_is(r->ctype, r->ctype_len, "application/octet-stream"), "echo type");
        EX_CHECK(body_len == rq->body.len && fz_memeq(body, rq->body.data, body_len),
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
        int same = r->seen && r->seen_len == want.len && fz_memeq(r->seen, want.data, want.len);
        if (!same) {
            fz_dump(stderr, "X-Seen", r->seen ? r->seen : "", r->seen ? r->seen_len : 0, 300);
            fz_dump(stderr, "want", want.data, want.len, 300);
        }
        EX_CHECK(same, "request %d: the X-Test header reached the handler altered", i);
        bk_buf_free(&want);
    } else if (rq->status == 200 && rq->route == 1) {
        EX_CHECK(val_is(r->ctype, r->ctype_len, "application/json"), "items type");
        json_t *v = json_loadb(body, body_len, 0, &jerr);
        EX_CHECK(v && json_is_object(v) && json_is_string(json_object_get(v, "id")),
                 "request %d: /items answer is not {\"id\": string}: %s", i, v ? "" : jerr.text);
        bk_buf want = {0};
        fz_utf8_repair(&want, rq->id.data, rq->id.len);
        json_t *id = json_object_get(v, "id");
        EX_CHECK(json_string_length(id) == want.len &&
                     fz_memeq(json_string_value(id), want.data, want.len),
                 "request %d: /items/{id} got another id than the decoded path segment", i);
        bk_buf_free(&want);
        json_decref(v);
    } else if (rq->status == 200 && rq->route == 3) {
        EX_CHECK(body_len == 5 && memcmp(body, "slept", 5) == 0, "sleep body");
    } else if (rq->status == 200 && rq->route == 5) {
        EX_CHECK(body_len == 2 && memcmp(body, "op", 2) == 0, "op body");
    } else if (rq->status == 404 || rq->status == 405) {
        json_t *v = json_loadb(body, body_len, 0, &jerr);
        const char *want = rq->status == 404 ? "Not Found" : "Method Not Allowed";
        EX_CHECK(v && json_is_string(json_object_get(v, "detail")) &&
                     strcmp(json_string_value(json_object_get(v, "detail")), want) == 0,
                 "request %d: %d body is not {\"detail\": \"%s\"}", i, rq->status, want);
        json_decref(v);
    }
}

static int limit_status(int status)
{
    return status == 413 || status == 414 || status == 431;
}

static void check_exchange(const uint8_t *in, size_t in_len, const bk_buf *out, int eof)
{
    cur_in = in, cur_in_len = in_len, cur_out = out;
    const char *s = out->data ? out->data : "";
    size_t len = out->len, pos = 0;
    int nfinal = 0, closed = 0, last_error = 0;
    /* Only a big input can reach the 8 KiB URL / 16 KiB header limits. */
    int limits_possible = in_len > 8192;
    while (pos < len) {
        EX_CHECK(!closed, "%zu bytes after a Connection: close response", len - pos);
        response r;
        parse_head(s, len, pos, &r);
        const ref_req *rq = nfinal < ref.n ? &ref.reqs[nfinal] : NULL;
        if (r.status == 100) {
            EX_CHECK(r.head_len == 25 && memcmp(s + pos, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0,
                     "malformed 100 Continue");
            int expected = rq && rq->headers_done && !rq->reject && rq->has_body &&
                           rq->major == 1 && rq->minor == 1 && rq->have_expect &&
                           token_eq(rq->expect.data, rq->expect.len, "100-continue");
            EX_CHECK(expected, "100 Continue for request %d, which did not ask for it", nfinal);
            pos += r.head_len;
            continue;
        }
        EX_CHECK(r.status >= 200, "unexpected interim status %d", r.status);
        EX_CHECK(r.ncl == 1, "response %d has %d Content-Length headers", nfinal, r.ncl);
        EX_CHECK(r.has_date && r.has_server, "response %d lacks Date or Server", nfinal);
        size_t body_at = pos + r.head_len, rest = len - body_at;
        /* Normal: a complete request that passed every rule, answered as routing predicts. */
        int normal = rq && rq->complete && !rq->reject && r.status == rq->status;
        int head = rq && rq->method_known && rq->method == HTTP_HEAD;
        size_t body_len;
        if (r.status == 204 || r.status == 304 || head) {
            body_len = 0; /* HEAD: answers and refusals alike carry no body (RFC 9110 9.3.2) */
        } else {
            body_len = r.cl;
        }
        EX_CHECK(rest >= body_len, "response %d: body cut short: %zu of %zu bytes", nfinal, rest,
                 body_len);
        const char *body = s + body_at;
        if (normal) {
            check_answer(rq, nfinal, &r, body, body_len);
        } else {
            /* Anything else must be a refusal that ends the connection, for the reason the
             * model gives (or a size limit, for a big input). */
            int allowed;
            if (rq && rq->reject)
                allowed = r.status == rq->reject;
            else if (rq && rq->complete)
                allowed = 0; /* passed every rule: routing answers it */
            else
                allowed = ref.error && nfinal == ref.n - (rq ? 1 : 0) && r.status == 400;
            allowed = allowed || (limits_possible && limit_status(r.status));
            EX_CHECK(allowed, "response %d: status %d; the model says %s%s%s (expected %d)", nfinal,
                     r.status,
                     !rq            ? "no such request"
                     : rq->reject   ? "refused: "
                     : rq->complete ? "complete, routed"
                                    : "incomplete",
                     rq && rq->reject ? rq->why : "", ref.error ? ", stream invalid" : "",
                     rq ? (rq->reject     ? rq->reject
                           : rq->complete ? rq->status
                                          : 0)
                        : 0);
            EX_CHECK(is_close(&r), "error response %d (%d) without Connection: close", nfinal,
                     r.status);
            EX_CHECK(val_is(r.ctype, r.ctype_len, "application/json"), "error body type");
            last_error = 1;
        }
        if (is_close(&r))
            closed = 1;
        nfinal++;
        EX_CHECK(nfinal <= ref.ncomplete + 1, "%d responses to %d complete requests", nfinal,
                 ref.ncomplete);
        pos = body_at + body_len;
    }
    EX_CHECK(!closed || eof, "Connection: close sent, but the connection stays open");
    EX_CHECK(!eof || closed, "the server closed the connection without a closing response");
    if (!closed || !last_error) {
        /* Open, or closed after a normal last answer: every complete request answered, and the
         * stream held nothing to refuse. */
        EX_CHECK(nfinal == ref.ncomplete, "%d responses for %d complete requests", nfinal,
                 ref.ncomplete);
        EX_CHECK(!ref.error, "the model refuses request %d (%s), brisk did not", ref.n - 1,
                 ref.n && ref.reqs[ref.n - 1].why ? ref.reqs[ref.n - 1].why : "llhttp error");
    } else if (!limits_possible) {
        EX_CHECK(nfinal - 1 == ref.ncomplete, "refusal at response %d, %d requests complete",
                 nfinal - 1, ref.ncomplete);
    }
}

/* ---- one exchange ----------------------------------------------------------------------- */

/* Sends `payload` on a fresh connection in the pieces `cuts` gives (the rest in one last
 * piece), letting the server settle after each; collects the answer in `out`. With `abrupt`,
 * closes right after the last piece instead. Returns with the connection closed and freed. */
static void exchange(const uint8_t *payload, size_t plen, const size_t *cuts, size_t ncuts,
                     int abrupt, bk_buf *out, int *eof)
{
    out->len = 0;
    *eof = 0;
    client_sent = 0;
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
    size_t pos = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t n = i < ncuts ? cuts[i] : plen - pos;
        if (n > plen - pos)
            n = plen - pos;
        if (n && send_piece(fd, payload + pos, n, out, eof) != 0)
            break;
        pos += n;
        if (!abrupt)
            wait_settled(fd, local, out, eof);
        if (pos == plen)
            break;
    }
    if (!abrupt) {
        probe_state st = wait_settled(fd, local, out, eof);
        if ((!st.found || st.state == BK__CONN_LINGER) && !*eof) {
            /* Closed, or shut down for writing: the FIN has been sent; read up to it. */
            double t0 = now_s();
            while (!*eof && now_s() - t0 < 5) {
                struct pollfd pfd = {fd, POLLIN, 0};
                poll(&pfd, 1, 50);
                *eof = drain(fd, out);
            }
        } else if (!*eof) {
            *eof = drain(fd, out);
        }
    }
    close(fd);
    wait_gone(local);
}

/* The answer with every Date header's value blanked: two runs may straddle a second. */
static void normalise(bk_buf *b)
{
    char *p = b->data, *end = b->data + b->len;
    while (p && (p = memmem(p, (size_t)(end - p), "\r\nDate: ", 8)) != NULL) {
        p += 8;
        while (p < end && *p != '\r')
            *p++ = '#';
    }
}

/* ---- setup and the fuzz loop ------------------------------------------------------------ */

static int start_server(void)
{
    app = bk_app_new();
    if (!app || bk_get(app, "/items/{id}", h_item) || bk_post(app, "/echo", h_echo) ||
        bk_get(app, "/sleep", h_sleep) || bk_get(app, "/__fuzz_probe", h_probe) ||
        BK_OP(app, BK_GET, "/op", h_op))
        return -1;
    bk_config_default(&cfg);
    quiet(&cfg);
    server = test_server_start(app, quiet);
    if (!server)
        return -1;
    server_port = bk_server_port(server);
    int local, fd = connect_client(&local);
    if (fd < 0)
        return -1;
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

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (start_server() != 0) {
        fprintf(stderr, "fuzz_request: cannot start the server\n");
        exit(1);
    }
    fprintf(stderr, "fuzz_request: brisk serving on 127.0.0.1:%d\n", server_port);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bk_buf out, whole;
    if (!data)
        data = (const uint8_t *)""; /* libFuzzer may pass NULL for the empty input */
    size_t ncuts = 0, off = 0;
    int abrupt = 0;
    if (size) {
        ncuts = data[0] & 15;
        abrupt = data[0] >> 7;
        off = 1;
    }
    size_t cuts[16];
    if (ncuts > size - off)
        ncuts = size - off;
    for (size_t i = 0; i < ncuts; i++)
        cuts[i] = (size_t)data[off + i] + 1;
    off += ncuts;
    const uint8_t *payload = data + off;
    size_t plen = size - off;

    int eof;
    exchange(payload, plen, cuts, ncuts, abrupt, &out, &eof);
    if (abrupt)
        return 0; /* nothing to compare: the server only had to clean up */
    ref_parse(payload, plen);
    if (!ref.overflow)
        check_exchange(payload, plen, &out, eof);
    if (ncuts) {
        /* Where the reads were cut must not matter: the same bytes in one piece. */
        int whole_eof;
        exchange(payload, plen, NULL, 0, 0, &whole, &whole_eof);
        normalise(&out);
        normalise(&whole);
        cur_in = payload, cur_in_len = plen, cur_out = &out;
        if (out.len != whole.len || !fz_memeq(out.data, whole.data, out.len) || eof != whole_eof) {
            fprintf(stderr, "cuts:");
            for (size_t i = 0; i < ncuts; i++)
                fprintf(stderr, " %zu", cuts[i]);
            fprintf(stderr, "\n");
            fz_dump(stderr, "received in one piece", whole.data, whole.len, 4000);
        }
        EX_CHECK(out.len == whole.len && fz_memeq(out.data, whole.data, out.len) &&
                     eof == whole_eof,
                 "the answer depends on how the request bytes were split (EOF %d vs %d)", eof,
                 whole_eof);
    }
    return 0;
}
