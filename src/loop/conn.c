/* Connections: reading, parsing, running handlers in order, writing, closing.
 *
 * Requests on one connection are handled one at a time. When a handler awaits, the parser pauses
 * at that request's end and later (pipelined) input waits in `pending`; responses of requests
 * answered without awaiting collect in the worker's output buffer and go out in one write. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Input held while a handler awaits; past it we stop reading (and lose early EOF detection). */
#define PENDING_CAP (64 * 1024)
/* Output queued to a client that does not read: stop answering its pipelined requests above the
 * high mark, resume below the low one. Bounds memory per slow reader. */
#define WRITE_HIGH (256 * 1024)
#define WRITE_LOW  (64 * 1024)

typedef struct bk_write {
    uv_write_t req;
    bk_conn *c;
    size_t len;
    char data[];
} bk_write;

static void conn_settle(bk_conn *c);

static uv_stream_t *stream_of(bk_conn *c)
{
    return (uv_stream_t *)&c->tcp;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* One buffer per worker: everything a request needs is copied out while parsing. */
    bk_worker *w = ((bk_conn *)h)->w;
    buf->base = w->rbuf;
    buf->len = sizeof(w->rbuf);
}

static void on_close(uv_handle_t *h)
{
    bk_conn *c = (bk_conn *)h;
    bk_worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    bk_req_free(&c->req);
    bk_buf_free(&c->pending);
    free(c);
    bk_worker_maybe_finish(w);
}

static void conn_cancel_handler(bk_conn *c)
{
    c->req.cancelled = 1;
    c->closing = 1;
    if (!c->req.coro->queued) /* else it is due anyway, and will find itself cancelled */
        bk_conn_resume(&c->req, BK_ECANCELED);
}

void bk_conn_close(bk_conn *c)
{
    if (c->closed)
        return;
    if (c->state == BK_CONN_HANDLER) {
        c->peer_gone = 1;
        conn_cancel_handler(c); /* its completion closes the connection */
        if (c->closed || (c->req.coro && c->req.coro->queued))
            return;
        if (c->state == BK_CONN_HANDLER) {
            bk_log(BK_LOG_CRITICAL, "a handler awaited again after cancellation; its connection "
                                    "stays open until it returns");
            return;
        }
    }
    c->closed = 1;
    bk_tq_clear(c->w, c);
    uv_close((uv_handle_t *)&c->tcp, on_close);
}

static void on_write(uv_write_t *req, int status)
{
    bk_write *wr = (bk_write *)req;
    bk_conn *c = wr->c;
    c->write_queued -= wr->len;
    free(wr);
    if (c->closed)
        return;
    if (status < 0) {
        c->peer_gone = 1;
        bk_conn_close(c);
        return;
    }
    if (c->state == BK_CONN_IDLE)
        bk_tq_set(c->w, c, BK_TQ_IDLE); /* a slow reader making progress is not idle */
    if (c->paused_write && c->write_queued <= WRITE_LOW) {
        c->paused_write = 0;
        conn_settle(c);
    }
}

static int queue_write(bk_conn *c, const char *data, size_t len)
{
    bk_write *wr = malloc(sizeof(*wr) + len);
    if (!wr)
        return BK_ENOMEM;
    wr->c = c;
    wr->len = len;
    memcpy(wr->data, data, len);
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)len);
    if (uv_write(&wr->req, stream_of(c), &b, 1, on_write) != 0) {
        free(wr);
        return BK_EINVAL;
    }
    c->write_queued += len;
    return 0;
}

/* Sends the worker's output buffer to `c`: directly when the socket takes it, else queued. */
static void conn_flush(bk_conn *c)
{
    bk_buf *out = &c->w->out;
    if (!out->len)
        return;
    size_t off = 0;
    if (c->closed || c->peer_gone) {
        out->len = 0;
        return;
    }
    if (c->write_queued == 0) {
        uv_buf_t b = uv_buf_init(out->data, (unsigned)out->len);
        int n = uv_try_write(stream_of(c), &b, 1);
        if (n >= 0)
            off = (size_t)n;
        else if (n != UV_EAGAIN) {
            out->len = 0;
            c->peer_gone = 1;
            bk_conn_close(c);
            return;
        }
    }
    int err = off < out->len ? queue_write(c, out->data + off, out->len - off) : 0;
    out->len = 0;
    if (err) {
        c->peer_gone = 1;
        bk_conn_close(c);
    }
}

int bk_conn_write_now(bk_conn *c, const char *data, size_t len)
{
    return bk_buf_append(&c->w->out, data, len);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void conn_update_reading(bk_conn *c)
{
    int want = !c->closed && !c->paused_write && c->pending.len < PENDING_CAP;
    if (want && !c->reading) {
        if (uv_read_start(stream_of(c), on_alloc, on_read) == 0)
            c->reading = 1;
    } else if (!want && c->reading) {
        uv_read_stop(stream_of(c));
        c->reading = 0;
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    bk_conn *c = req->data;
    if (c->closed)
        return;
    if (status < 0 || c->peer_gone)
        bk_conn_close(c);
}

/* The last response is queued: half-close and read until the client closes too, so unread
 * input does not turn our FIN into a RST that could destroy the response in flight. */
static void conn_shutdown(bk_conn *c)
{
    c->state = BK_CONN_LINGER;
    c->pending.len = 0;
    c->paused_write = 0;
    bk_tq_set(c->w, c, BK_TQ_LINGER);
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, stream_of(c), on_shutdown) != 0) {
        bk_conn_close(c);
        return;
    }
    conn_update_reading(c);
}

static void conn_finish_request(bk_conn *c)
{
    bk_req *r = &c->req;
    bk_worker *w = c->w;
    if (r->coro) {
        bk_coro_release(r->coro);
        r->coro = NULL;
    }
    w->inflight--;
    if (!r->cancelled && !c->peer_gone) {
        if (w->draining)
            c->closing = 1;
        if (!r->responded) {
            bk_log(BK_LOG_ERROR, "handler for %s %s returned without a response: answering 500",
                   bk_req_method_name(r), bk_req_path(r));
            r->json_open = 0;
            r->res_headers.len = 0;
            bk_send_error(r, 500, "Internal Server Error");
        }
        if (bk_response_write(r, &w->out, w->date_hdr, w->date_len, c->closing) != 0) {
            c->closing = 1;
            bk_response_write_error(&w->out, 503, "Service Unavailable", w->date_hdr, w->date_len,
                                    1, 0);
        }
        bk_worker_access_log(w, r, r->status);
        if (w->out.len + c->write_queued > WRITE_HIGH)
            c->paused_write = 1;
    }
    bk_req_end(r);
    c->state = BK_CONN_IDLE;
    c->got_bytes = 0;
}

/* Like asyncio's slow-callback warning: a handler that runs this long between two awaits held
 * up every other connection of its worker meanwhile. */
#define BLOCKING_WARN_NS (100 * 1000 * 1000)

static void warn_if_blocking(bk_conn *c, uint64_t since)
{
    uint64_t ran = uv_hrtime() - since;
    if (ran < BLOCKING_WARN_NS)
        return;
    bk_log(BK_LOG_WARNING,
           "handler for %s %s ran %.0f ms without awaiting: it blocked every other request of its "
           "worker meanwhile (use an awaiting call, e.g. bk_sleep, instead of blocking)",
           bk_req_method_name(&c->req), bk_req_path(&c->req), (double)ran / 1e6);
}

static void run_handler(void *arg)
{
    bk_req *r = arg;
    r->target->handler(r);
}

int bk_conn_dispatch(bk_conn *c)
{
    bk_req *r = &c->req;
    bk_worker *w = c->w;
    char allow[80];
    c->state = BK_CONN_HANDLER;
    bk_tq_clear(w, c);
    w->inflight++;
    int status = bk_app_route(w->app, r, allow, sizeof(allow));
    if (status == 0 && w->limit && w->inflight > w->limit)
        status = 503; /* --limit-concurrency: shed load before it costs a stack */
    if (status == 0) {
        r->coro = bk_coro_acquire(&w->pool);
        if (!r->coro) {
            status = 503; /* out of memory or address space for stacks */
            if (uv_now(&w->loop) - w->last_oom_log >= 1000) { /* at most one line a second */
                w->last_oom_log = uv_now(&w->loop);
                bk_log(BK_LOG_WARNING, "cannot map a coroutine stack (%zu in use): answering 503",
                       w->pool.live);
            }
        }
    }
    if (status) {
        if (status == 405)
            bk_set_header(r, "Allow", allow);
        if (status == 503)
            bk_set_header(r, "Retry-After", "1");
        bk_send_error(r, status, bk_status_reason(status));
        conn_finish_request(c);
        return 0;
    }
    uint64_t t0 = uv_hrtime();
    int done = bk_coro_start(r->coro, run_handler, r);
    warn_if_blocking(c, t0);
    if (done) {
        conn_finish_request(c);
        return 0;
    }
    return 1;
}

/* Keeps the unparsed rest of the input; `from` may point into `pending` itself. */
static int conn_save_pending(bk_conn *c, const char *from, size_t len)
{
    if (c->pending.data && from >= c->pending.data && from < c->pending.data + c->pending.cap) {
        memmove(c->pending.data, from, len);
        c->pending.len = len;
        return 0;
    }
    c->pending.len = 0;
    return bk_buf_append(&c->pending, from, len);
}

static void conn_parse_error(bk_conn *c, llhttp_errno_t err)
{
    int status = c->error_status ? c->error_status : 400;
    const char *detail = c->error_detail;
    if (status == 400) {
        if (!detail)
            detail = llhttp_get_error_reason(&c->parser);
        bk_log(BK_LOG_WARNING, "Invalid HTTP request received from %s: %s (%s)", bk_conn_peer(c),
               detail ? detail : "?", llhttp_errno_name(err));
    }
    if (!detail || !*detail)
        detail = bk_status_reason(status);
    bk_conn_fail(c, status, detail);
}

/* Feeds bytes to the parser; whatever it does not take (it paused) goes to `pending`. */
static void conn_parse(bk_conn *c, const char *data, size_t len)
{
    if (c->parser.error == HPE_PAUSED)
        llhttp_resume(&c->parser);
    llhttp_errno_t err = bk_parser_execute(c, data, len);
    if (c->closed)
        return;
    if (err == HPE_OK) {
        c->pending.len = 0;
        return;
    }
    if (err == HPE_PAUSED) {
        const char *pos = llhttp_get_error_pos(&c->parser);
        size_t rest = (size_t)(data + len - pos);
        if (c->closing) {
            c->pending.len = 0; /* nothing after a closing request is answered */
            c->linger |= rest > 0;
            return;
        }
        if (conn_save_pending(c, pos, rest) == 0)
            return;
        c->error_status = 503;
    }
    conn_parse_error(c, err);
}

static void conn_parse_pending(bk_conn *c)
{
    conn_parse(c, c->pending.data, c->pending.len);
}

/* After any event: parse what waits if we can, send what was produced, close when done, and
 * put the connection back on the right timeout queue. */
static void conn_settle(bk_conn *c)
{
    for (;;) {
        if (c->closed)
            return;
        if (c->state == BK_CONN_IDLE && !c->closing && !c->paused_write && c->pending.len)
            conn_parse_pending(c);
        if (c->closed)
            return;
        conn_flush(c);
        if (c->closed)
            return;
        /* The pause for a big response ends here when the socket took it all at once: no write
         * callback will come to end it. */
        if (!c->paused_write || c->write_queued > WRITE_LOW)
            break;
        c->paused_write = 0;
    }
    if (c->closing && c->state == BK_CONN_IDLE) {
        /* Linger only when the client may still be sending: then a plain close would answer
         * its bytes with a RST that can destroy the response before the client reads it. */
        if (c->peer_gone || (!c->linger && !c->pending.len && !c->write_queued))
            bk_conn_close(c);
        else
            conn_shutdown(c);
        return;
    }
    if (c->state == BK_CONN_IDLE)
        bk_tq_set(c->w, c, BK_TQ_IDLE);
    else if (c->state == BK_CONN_BODY)
        bk_tq_set(c->w, c, BK_TQ_BODY); /* the body timeout is a silence timeout */
    conn_update_reading(c);
}

static void conn_on_data(bk_conn *c, const char *data, size_t len)
{
    if (c->state == BK_CONN_LINGER)
        return;
    if (c->state == BK_CONN_HANDLER || c->paused_write || c->pending.len) {
        if (bk_buf_append(&c->pending, data, len)) {
            bk_conn_close(c);
            return;
        }
        if (c->state != BK_CONN_HANDLER && !c->paused_write)
            conn_parse_pending(c);
    } else {
        conn_parse(c, data, len);
    }
    conn_settle(c);
}

static void conn_on_eof(bk_conn *c)
{
    c->peer_gone = 1;
    if (c->state == BK_CONN_LINGER && c->write_queued)
        return; /* the shutdown callback closes once the response is out */
    bk_conn_close(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    bk_conn *c = (bk_conn *)s;
    if (nread > 0)
        conn_on_data(c, buf->base, (size_t)nread);
    else if (nread < 0)
        conn_on_eof(c);
}

void bk_conn_resume(bk_req *req, int result)
{
    bk_conn *c = req->conn;
    uint64_t t0 = uv_hrtime();
    int done = bk_coro_resume(req->coro, result);
    warn_if_blocking(c, t0);
    if (!done)
        return;
    conn_finish_request(c);
    conn_settle(c);
}

void bk_conn_fail(bk_conn *c, int status, const char *detail)
{
    bk_worker *w = c->w;
    if (c->closed)
        return;
    if (bk_response_write_error(&w->out, status, detail ? detail : bk_status_reason(status),
                                w->date_hdr, w->date_len, 1, c->req.method == BK_HEAD) == 0 &&
        bk_log_enabled(BK_LOG_DEBUG))
        bk_log(BK_LOG_DEBUG, "%s - answered %d and closing: %s", bk_conn_peer(c), status,
               detail ? detail : "");
    c->closing = 1;
    c->linger = 1; /* the rest of a rejected request may still be on its way */
    c->state = BK_CONN_IDLE;
    c->pending.len = 0;
    conn_settle(c);
}

void bk_conn_timeout(bk_conn *c, bk_tq_kind kind)
{
    if ((kind == BK_TQ_HEADER && c->state == BK_CONN_HEAD) || kind == BK_TQ_BODY)
        bk_conn_fail(c, 408, NULL);
    else
        bk_conn_close(c); /* idle, silent since connect, or lingering */
}

void bk_conn_drain(bk_conn *c)
{
    c->closing = 1;
    if (c->state == BK_CONN_IDLE && !c->got_bytes && !c->write_queued)
        bk_conn_close(c);
}

void bk_conn_abort(bk_conn *c)
{
    c->peer_gone = 1;
    bk_conn_close(c);
}

void bk_conn_accept(bk_worker *w)
{
    bk_conn *c = calloc(1, sizeof(*c));
    if (!c) {
        bk_log(BK_LOG_ERROR, "out of memory accepting a connection");
        return;
    }
    c->w = w;
    uv_tcp_init(&w->loop, &c->tcp);
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->nconns++;
    if (uv_accept((uv_stream_t *)&w->listener, stream_of(c)) != 0) {
        c->closed = 1;
        uv_close((uv_handle_t *)&c->tcp, on_close);
        return;
    }
#ifndef __linux__
    uv_tcp_nodelay(&c->tcp, 1); /* elsewhere it is not inherited from the listener */
#endif
    llhttp_init(&c->parser, HTTP_REQUEST, &w->settings);
    c->parser.data = c;
    c->req.conn = c;
    bk_req_reset(&c->req);
    c->state = BK_CONN_IDLE;
    bk_tq_set(w, c, BK_TQ_HEADER); /* the first request must come within the header timeout */
    conn_update_reading(c);
}

const char *bk_conn_peer(bk_conn *c)
{
    if (c->peer[0])
        return c->peer;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        } else {
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, port);
    return c->peer;
}
