/* Connections: reading, parsing, handing requests to the app in order, writing, closing.
 *
 * Requests on one connection are handled one at a time. The parser stops at the end of each
 * request; the connection hands it to the app (bk__app_handle) and goes on parsing only once it
 * is answered. When a handler awaits, later (pipelined) input waits in `pending`; responses of
 * requests answered without awaiting collect in the worker's output buffer and go out in one
 * write. */
#include "loop/conn.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Input held while a handler awaits; past it we stop reading (and lose early EOF detection). */
#define PENDING_CAP (64 * 1024)
/* Output queued to a client that does not read: stop answering its pipelined requests above the
 * high mark, resume below the low one. Bounds memory per slow reader. */
#define WRITE_HIGH (256 * 1024)
#define WRITE_LOW  (64 * 1024)

typedef struct bk_write {
    uv_write_t req;
    bk__conn *c;
    size_t len;
    char data[];
} bk_write;

static void conn_settle(bk__conn *c);

static uv_stream_t *stream_of(bk__conn *c)
{
    return &c->sock.stream;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    /* One buffer per worker: everything a request needs is copied out while parsing. */
    bk__worker *w = ((bk__conn *)h)->w;
    buf->base = w->rbuf;
    buf->len = sizeof(w->rbuf);
}

static void on_close(uv_handle_t *h)
{
    bk__conn *c = (bk__conn *)h;
    bk__worker *w = c->w;
    if (c->prev)
        c->prev->next = c->next;
    else
        w->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    w->nconns--;
    bk__req_free(&c->req);
    bk_buf_free(&c->pending);
    free(c);
    bk__worker_maybe_finish(w);
}

void bk__conn_close(bk__conn *c)
{
    if (c->closed)
        return;
    if (c->state == BK__CONN_HANDLER) {
        /* The handler must return before its request may go: cancel its await, and finish the
         * close when the app reports it done (conn_request_done). */
        c->peer_gone = 1;
        c->closing = 1;
        if (c->reading) {
            uv_read_stop(stream_of(c));
            c->reading = 0;
        }
        bk__app_cancel(&c->req);
        return;
    }
    c->closed = 1;
    bk__tq_clear(c->w, c);
    uv_close(&c->sock.handle, on_close);
}

static void on_write(uv_write_t *req, int status)
{
    bk_write *wr = (bk_write *)req;
    bk__conn *c = wr->c;
    c->write_queued -= wr->len;
    free(wr);
    if (c->closed)
        return;
    if (status < 0) {
        c->peer_gone = 1;
        bk__conn_close(c);
        return;
    }
    if (c->state == BK__CONN_IDLE)
        bk__tq_set(c->w, c, BK__TQ_IDLE); /* a slow reader making progress is not idle */
    if (c->paused_write && c->write_queued <= WRITE_LOW) {
        c->paused_write = 0;
        conn_settle(c);
    }
}

static int queue_write(bk__conn *c, const char *data, size_t len)
{
    bk_write *wr = malloc(sizeof(*wr) + len);
    if (!wr)
        return BK_ENOMEM;
    wr->c = c;
    wr->len = len;
    memcpy(wr->data, data, len);
    uv_buf_t b = uv_buf_init(wr->data, (unsigned)len);
    int err = uv_write(&wr->req, stream_of(c), &b, 1, on_write);
    if (err) {
        free(wr);
        return err;
    }
    c->write_queued += len;
    return 0;
}

/* Sends the worker's output buffer to `c`: directly when the socket takes it, else queued. */
static void conn_flush(bk__conn *c)
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
            bk__conn_close(c);
            return;
        }
    }
    int err = off < out->len ? queue_write(c, out->data + off, out->len - off) : 0;
    out->len = 0;
    if (err) {
        c->peer_gone = 1;
        bk__conn_close(c);
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void conn_update_reading(bk__conn *c)
{
    int want = !c->closed && !c->peer_gone && !c->paused_write && c->pending.len < PENDING_CAP;
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
    bk__conn *c = req->data;
    if (c->closed)
        return;
    if (status < 0 || c->peer_gone)
        bk__conn_close(c);
}

/* The last response is queued: half-close and read until the client closes too, so unread
 * input does not turn our FIN into a RST that could destroy the response in flight. */
static void conn_shutdown(bk__conn *c)
{
    c->state = BK__CONN_LINGER;
    c->pending.len = 0;
    c->paused_write = 0;
    bk__tq_set(c->w, c, BK__TQ_LINGER);
    c->shutdown.data = c;
    if (uv_shutdown(&c->shutdown, stream_of(c), on_shutdown) != 0) {
        bk__conn_close(c);
        return;
    }
    conn_update_reading(c);
}

/* Writes the answer of the request just handled (unless nobody is left to read it), and makes
 * the connection ready for the next one. */
static void conn_finish_request(bk__conn *c)
{
    bk_req *r = &c->req;
    bk__worker *w = c->w;
    if (!c->peer_gone) { /* a cancelled handler of a client still there: a deadline's 504 */
        if (w->draining)
            c->closing = 1;
        if (!r->responded ||
            bk__response_write(r, &w->out, w->date_hdr, w->date_len, c->closing) != 0) {
            c->closing = 1; /* out of memory: a short answer, and no more requests */
            r->status = 503;
            bk__response_write_refusal(&w->out, 503, "Service Unavailable", w->date_hdr,
                                       w->date_len, r->method == BK_HEAD);
        }
        bk__worker_access_log(w, r);
        if (w->out.len + c->write_queued > WRITE_HIGH)
            c->paused_write = 1;
    }
    bk__req_end(r);
    c->state = BK__CONN_IDLE;
    bk__parser_next(&c->parser);
}

/* Hands the complete request to the app. Returns 1 when its handler awaits. */
static int conn_dispatch(bk__conn *c)
{
    c->state = BK__CONN_HANDLER;
    bk__tq_clear(c->w, c);
    if (bk__app_handle(&c->w->pipeline, &c->req) == BK__APP_AWAITING)
        return 1;
    conn_finish_request(c);
    return 0;
}

/* The app finished a request whose handler awaited. */
static void conn_request_done(bk_req *req)
{
    bk__conn *c = req->io_ctx;
    conn_finish_request(c);
    conn_settle(c);
}

/* Formats a socket address as "IP:PORT" into `buf`. */
static void format_addr(const struct sockaddr_storage *ss, int ok, char *buf, size_t size)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (ok && ss->ss_family == AF_INET6) {
        uv_ip6_name((const struct sockaddr_in6 *)ss, ip, sizeof(ip));
        port = ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    } else if (ok) {
        uv_ip4_name((const struct sockaddr_in *)ss, ip, sizeof(ip));
        port = ntohs(((const struct sockaddr_in *)ss)->sin_port);
    }
    snprintf(buf, size, "%s:%d", ip, port);
}

static const char *conn_peer(const bk_req *req)
{
    bk__conn *c = req->io_ctx;
    if (c->peer[0])
        return c->peer;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    int ok = uv_tcp_getpeername(&c->sock.tcp, (struct sockaddr *)&ss, &len) == 0;
    format_addr(&ss, ok, c->peer, sizeof(c->peer));
    return c->peer;
}

static const char *conn_local(const bk_req *req)
{
    bk__conn *c = req->io_ctx;
    if (c->local[0])
        return c->local;
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    if (uv_tcp_getsockname(&c->sock.tcp, (struct sockaddr *)&ss, &len) != 0)
        return NULL;
    format_addr(&ss, 1, c->local, sizeof(c->local));
    return c->local;
}

static const bk__req_io conn_io = {conn_peer, conn_request_done, conn_local};

/* Keeps the unparsed rest of the input; `from` may point into `pending` itself. */
static int conn_save_pending(bk__conn *c, const char *from, size_t len)
{
    if (c->pending.data && from >= c->pending.data && from < c->pending.data + c->pending.cap) {
        memmove(c->pending.data, from, len);
        c->pending.len = len;
        return 0;
    }
    c->pending.len = 0;
    return bk_buf_append(&c->pending, from, len);
}

static void conn_fail(bk__conn *c, int status, const char *detail);

static void conn_parse_error(bk__conn *c)
{
    int status = c->parser.error_status;
    const char *detail = c->parser.error_detail;
    if (status == 400)
        bk__log(BK_LOG_WARNING, "Invalid HTTP request received from %s: %s (%s)",
                conn_peer(&c->req), detail ? detail : "?", bk__parser_error_name(&c->parser));
    if (!detail || !*detail)
        detail = bk__status_reason(status);
    conn_fail(c, status, detail);
}

/* Follows what the parser reached with the connection's state: header and body timeouts, and
 * the interim 100 Continue a client waits for before it sends its body. Returns 0, or
 * BK_ENOMEM when 100 Continue could not be queued. */
static int conn_follow_parser(bk__conn *c)
{
    const bk__parser *p = &c->parser;
    if (c->state == BK__CONN_IDLE && p->started) {
        c->state = BK__CONN_HEAD;
        bk__tq_set(c->w, c, BK__TQ_HEADER);
    }
    if (c->state == BK__CONN_HEAD && p->head_done && p->body_expected) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        c->state = BK__CONN_BODY;
        bk__tq_set(c->w, c, BK__TQ_BODY);
        if (p->expect_continue && bk_buf_append(&c->w->out, cont, sizeof(cont) - 1))
            return BK_ENOMEM;
    }
    return 0;
}

/* Feeds bytes to the parser and hands each complete request to the app; whatever must wait
 * (the handler awaits, the client does not read) goes to `pending`. */
static void conn_parse(bk__conn *c, const char *data, size_t len)
{
    for (;;) {
        size_t used;
        bk__parse_result r = bk__parser_execute(&c->parser, data, len, &used);
        if (r == BK__PARSE_ERROR) {
            conn_parse_error(c);
            return;
        }
        if (conn_follow_parser(c)) {
            conn_fail(c, 503, NULL);
            return;
        }
        data += used;
        len -= used;
        if (r == BK__PARSE_MORE) {
            c->pending.len = 0;
            return;
        }
        if (!c->req.keep_alive || c->w->draining)
            c->closing = 1;
        int awaiting = conn_dispatch(c);
        if (c->closing) {
            c->pending.len = 0; /* nothing after a closing request is answered */
            c->linger |= len > 0;
            return;
        }
        if (awaiting || c->paused_write) {
            if (conn_save_pending(c, data, len))
                conn_fail(c, 503, NULL);
            return;
        }
        if (!len) {
            c->pending.len = 0;
            return;
        }
    }
}

static void conn_parse_pending(bk__conn *c)
{
    conn_parse(c, c->pending.data, c->pending.len);
}

/* After any event: parse what waits if we can, send what was produced, close when done, and
 * put the connection back on the right timeout queue. */
static void conn_settle(bk__conn *c)
{
    for (;;) {
        if (c->closed)
            return;
        if (c->state == BK__CONN_IDLE && !c->closing && !c->paused_write && c->pending.len)
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
    if (c->closing && c->state == BK__CONN_IDLE) {
        /* Linger only when the client may still be sending: then a plain close would answer
         * its bytes with a RST that can destroy the response before the client reads it. */
        if (c->peer_gone || (!c->linger && !c->pending.len && !c->write_queued))
            bk__conn_close(c);
        else
            conn_shutdown(c);
        return;
    }
    if (c->state == BK__CONN_IDLE)
        bk__tq_set(c->w, c, BK__TQ_IDLE);
    else if (c->state == BK__CONN_BODY)
        bk__tq_set(c->w, c, BK__TQ_BODY); /* the body timeout is a silence timeout */
    conn_update_reading(c);
}

static void conn_on_data(bk__conn *c, const char *data, size_t len)
{
    if (c->state == BK__CONN_LINGER)
        return;
    if (c->state == BK__CONN_HANDLER || c->paused_write || c->pending.len) {
        if (bk_buf_append(&c->pending, data, len)) {
            bk__conn_close(c);
            return;
        }
        if (c->state != BK__CONN_HANDLER && !c->paused_write)
            conn_parse_pending(c);
    } else {
        conn_parse(c, data, len);
    }
    conn_settle(c);
}

static void conn_on_eof(bk__conn *c)
{
    c->peer_gone = 1;
    if (c->state == BK__CONN_LINGER && c->write_queued)
        return; /* the shutdown callback closes once the response is out */
    bk__conn_close(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    bk__conn *c = (bk__conn *)s;
    if (nread > 0)
        conn_on_data(c, buf->base, (size_t)nread);
    else if (nread < 0)
        conn_on_eof(c);
}

/* Refuses the connection's input: an error answer, then a (lingering) close. */
static void conn_fail(bk__conn *c, int status, const char *detail)
{
    bk__worker *w = c->w;
    if (c->closed)
        return;
    if (!detail)
        detail = bk__status_reason(status);
    if (bk__response_write_refusal(&w->out, status, detail, w->date_hdr, w->date_len,
                                   c->req.method == BK_HEAD) == 0 &&
        bk__log_enabled(BK_LOG_DEBUG))
        bk__log(BK_LOG_DEBUG, "%s - answered %d and closing: %s", conn_peer(&c->req), status,
                detail);
    c->closing = 1;
    c->linger = 1; /* the rest of a rejected request may still be on its way */
    c->state = BK__CONN_IDLE;
    c->pending.len = 0;
    conn_settle(c);
}

void bk__conn_timeout(bk__conn *c, bk__tq_kind kind)
{
    if ((kind == BK__TQ_HEADER && c->state == BK__CONN_HEAD) || kind == BK__TQ_BODY)
        conn_fail(c, 408, NULL);
    else
        bk__conn_close(c); /* idle, silent since connect, or lingering */
}

void bk__conn_drain(bk__conn *c)
{
    c->closing = 1; /* a request that still arrives is answered with Connection: close */
}

void bk__conn_close_if_idle(bk__conn *c)
{
    if (c->state == BK__CONN_IDLE && !c->write_queued && !c->pending.len)
        bk__conn_close(c);
}

void bk__conn_abort(bk__conn *c)
{
    c->peer_gone = 1;
    if (c->state == BK__CONN_HANDLER)
        bk__app_abort(&c->req); /* through shields: the graceful period is over */
    bk__conn_close(c);
}

/* Puts `c`, whose handle is initialised, on its worker's list (on_close takes it off). */
static void conn_link(bk__conn *c)
{
    bk__worker *w = c->w;
    c->next = w->conns;
    if (w->conns)
        w->conns->prev = c;
    w->conns = c;
    w->nconns++;
}

/* Waits for the first request of a connection whose handle is open. */
static void conn_start(bk__conn *c)
{
    bk__worker *w = c->w;
    bk__parser_init(&c->parser, &w->limits, &c->req);
    c->req.io = &conn_io;
    c->req.io_ctx = c;
    bk__req_reset(&c->req);
    c->state = BK__CONN_IDLE;
    bk__tq_set(w, c, BK__TQ_HEADER); /* the first request must come within the header timeout */
    conn_update_reading(c);
}

void bk__conn_accept(bk__worker *w)
{
    bk__conn *c = calloc(1, sizeof(*c));
    if (!c) {
        bk__log(BK_LOG_ERROR, "out of memory accepting a connection");
        return;
    }
    c->w = w;
    int err = uv_tcp_init(&w->loop, &c->sock.tcp);
    if (err) {
        bk__log(BK_LOG_ERROR, "cannot accept a connection: %s", uv_strerror(err));
        free(c);
        return;
    }
    conn_link(c);
    if (uv_accept((uv_stream_t *)&w->listener, stream_of(c)) != 0) {
        c->closed = 1;
        uv_close(&c->sock.handle, on_close);
        return;
    }
    conn_start(c);
}

int bk__conn_attach(bk__worker *w, uv_os_sock_t fd, const char *peer)
{
    bk__conn *c = calloc(1, sizeof(*c));
    int err = c ? uv_pipe_init(&w->loop, &c->sock.pipe, 0) : BK_ENOMEM;
    if (err) {
        free(c);
        close(fd);
        return err;
    }
    c->w = w;
    conn_link(c);
    err = uv_pipe_open(&c->sock.pipe, fd);
    if (err) {
        close(fd); /* libuv owns it only once uv_pipe_open succeeded */
        c->closed = 1;
        uv_close(&c->sock.handle, on_close);
        return err;
    }
    /* the peer is known, not asked of the socket: a socketpair end has no address */
    snprintf(c->peer, sizeof(c->peer), "%s", peer);
    conn_start(c);
    return 0;
}
