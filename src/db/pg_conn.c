/* PostgreSQL connections on the loop: non-blocking connect (PQconnectStart/PQconnectPoll), the
 * socket's poll handle, flushing, and reconnecting with backoff after a failure. See pg.h.
 *
 * The fd is libpq's. Its poll handle is stopped before libpq may close the fd (PQfinish, and
 * a reconnect, which opens a new socket that may reuse the number), and closed on its own
 * allocation: libuv frees nothing, but a handle's memory must outlive its close callback. */
#include "db/pg.h"
#include "util/log.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BACKOFF_FIRST_MS 50
#define BACKOFF_MAX_MS   500 /* a server that is back is used again within about half a second */

static void on_poll(uv_poll_t *h, int status, int events);

static void free_handle(uv_handle_t *h)
{
    free(h);
}

/* Stops watching the fd and lets the handle go. */
static void unwatch(pg_conn *c)
{
    if (!c->poll)
        return;
    uv_poll_stop(c->poll); /* removes the fd from epoll now: libpq may close it after this */
    uv_close((uv_handle_t *)c->poll, free_handle);
    c->poll = NULL;
    c->fd = -1;
    c->events = 0;
}

/* Watches `events` on libpq's current socket (a new one after a reconnect). */
static int watch(pg_conn *c, int events)
{
    int fd = PQsocket(c->pg);
    if (fd < 0)
        return BK_ECONNRESET;
    if (c->poll && c->fd != fd)
        unwatch(c);
    if (!c->poll) {
        c->poll = malloc(sizeof(*c->poll));
        if (!c->poll)
            return BK_ENOMEM;
        int err = uv_poll_init(c->st->loop, c->poll, fd);
        if (err) {
            free(c->poll);
            c->poll = NULL;
            return err;
        }
        c->poll->data = c;
        c->fd = fd;
        c->events = 0;
    }
    if (events == c->events)
        return 0;
    c->events = events;
    return uv_poll_start(c->poll, events, on_poll);
}

static void free_timer(uv_handle_t *h)
{
    free(h);
}

static void on_retry(uv_timer_t *t)
{
    pg_conn *c = t->data;
    uv_close((uv_handle_t *)t, free_timer);
    c->retry = NULL;
    bk__pg_conn_start(c);
}

/* Tries again later: 50 ms, doubling up to BACKOFF_MAX_MS, with jitter so that the workers
 * of a server do not all reconnect in the same millisecond. */
static void schedule_retry(pg_conn *c)
{
    if (c->st->draining || c->retry)
        return;
    unsigned ms = c->backoff_ms ? c->backoff_ms * 2 : BACKOFF_FIRST_MS;
    c->backoff_ms = ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
    uint64_t delay = c->backoff_ms / 2 + (uv_hrtime() % (c->backoff_ms / 2 + 1));
    c->retry = malloc(sizeof(*c->retry));
    if (!c->retry || uv_timer_init(c->st->loop, c->retry) != 0) {
        free(c->retry);
        c->retry = NULL;
        bk__log(BK_LOG_ERROR, "PostgreSQL: out of memory scheduling a reconnect");
        return;
    }
    c->retry->data = c;
    uv_timer_start(c->retry, on_retry, delay, 0);
}

/* Fails every call with statements on `c` and forgets what it expected. */
static void fail_inflight(pg_conn *c, int err)
{
    while (c->count) {
        pg_expect e = c->fifo[c->head];
        c->head = (c->head + 1) % c->cap;
        c->count--;
        if (e.kind == EXPECT_SYNC && e.call) /* once per statement, after its others */
            bk__pg_call_fail(e.call, err);
    }
    c->head = 0;
}

static void teardown(pg_conn *c)
{
    unwatch(c);
    if (c->pg) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    bk__pg_conn_forget_stmts(c);
    c->status = CONN_DOWN;
}

void bk__pg_conn_fail(pg_conn *c, int err, const char *why)
{
    int was_ready = c->status == CONN_READY;
    if (!c->failed || was_ready)
        bk__log(was_ready ? BK_LOG_ERROR : BK_LOG_WARNING, "PostgreSQL: %s%s", why,
                c->st->draining ? "" : (was_ready ? ": reconnecting" : ": retrying"));
    c->failed = 1;
    teardown(c);
    fail_inflight(c, err);
    bk__pg_conn_down(c);
    schedule_retry(c);
}

/* libpq's message, first line only, into `buf`. */
static const char *pg_message(PGconn *pg, char *buf, size_t size)
{
    const char *m = pg ? PQerrorMessage(pg) : NULL;
    snprintf(buf, size, "%s", m && *m ? m : "cannot connect");
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

static void connect_failed(pg_conn *c)
{
    char msg[256], why[320];
    snprintf(why, sizeof(why), "cannot connect: %s", pg_message(c->pg, msg, sizeof(msg)));
    bk__pg_conn_fail(c, BK_ECONNREFUSED, why);
}

static int is_tcp(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return 0;
    return ss.ss_family == AF_INET || ss.ss_family == AF_INET6;
}

static void connected(pg_conn *c)
{
    if (PQsetnonblocking(c->pg, 1) != 0 || PQenterPipelineMode(c->pg) != 1) {
        connect_failed(c);
        return;
    }
    c->tcp = is_tcp(PQsocket(c->pg));
    c->corked = 0;
    if (c->failed)
        bk__log(BK_LOG_INFO, "PostgreSQL: connected again");
    c->status = CONN_READY;
    c->failed = 0;
    c->backoff_ms = 0;
    if (watch(c, UV_READABLE) != 0) {
        bk__pg_conn_fail(c, BK_ECONNRESET, "cannot watch the connection");
        return;
    }
    bk__pg_conn_ready(c);
}

/* One step of PQconnectPoll: wait for what it asks for, or finish. */
static void connect_step(pg_conn *c)
{
    switch (PQconnectPoll(c->pg)) {
    case PGRES_POLLING_READING:
        if (watch(c, UV_READABLE) != 0)
            connect_failed(c);
        return;
    case PGRES_POLLING_WRITING:
        if (watch(c, UV_WRITABLE) != 0)
            connect_failed(c);
        return;
    case PGRES_POLLING_OK:
        connected(c);
        return;
    default:
        connect_failed(c);
        return;
    }
}

void bk__pg_conn_start(pg_conn *c)
{
    teardown(c);
    c->pg = PQconnectStart(c->st->conninfo);
    if (!c->pg || PQstatus(c->pg) == CONNECTION_BAD) {
        connect_failed(c);
        return;
    }
    c->status = CONN_CONNECTING;
    connect_step(c);
}

void bk__pg_conn_close(pg_conn *c)
{
    if (c->retry) {
        uv_timer_stop(c->retry);
        uv_close((uv_handle_t *)c->retry, free_timer);
        c->retry = NULL;
    }
    teardown(c);
    fail_inflight(c, BK_ECANCELED);
    free(c->fifo);
    c->fifo = NULL;
    c->cap = 0;
}

void bk__pg_conn_flush(pg_conn *c)
{
    if (c->status != CONN_READY)
        return;
    int r = PQflush(c->pg);
    if (r < 0) {
        char msg[256];
        bk__pg_conn_fail(c, BK_ECONNRESET, pg_message(c->pg, msg, sizeof(msg)));
        return;
    }
    if (watch(c, UV_READABLE | (r == 1 ? UV_WRITABLE : 0)) != 0)
        bk__pg_conn_fail(c, BK_ECONNRESET, "cannot watch the connection");
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    pg_conn *c = h->data;
    if (c->status == CONN_CONNECTING) {
        connect_step(c);
        return;
    }
    if (status < 0) {
        bk__pg_conn_fail(c, BK_ECONNRESET, uv_strerror(status));
        return;
    }
    if (events & UV_WRITABLE)
        bk__pg_conn_flush(c);
    if (c->status == CONN_READY && (events & UV_READABLE))
        bk__pg_conn_read(c);
}

/* ---- corking ----
 *
 * libpq 15's PQpipelineSync flushes after every statement: one send() each, and on loopback each
 * send wakes the server's backend, which then answers that one statement. Measured under /db
 * load, those sends and wake-ups were a third of the worker's time. With TCP_CORK on for the
 * rest of the loop iteration, the statements that the iteration's requests send pile up in the
 * kernel and leave together when the loop is about to poll: one wake-up for all of them, the
 * batching PostgreSQL 17's PQsendPipelineSync gives without a socket option. Each statement
 * still has its own Sync. Unix sockets have no cork: their statements go out one by one. */

static void set_cork(pg_conn *c, int on)
{
    int v = on;
    if (c->fd >= 0)
        (void)setsockopt(c->fd, IPPROTO_TCP, TCP_CORK, &v, sizeof(v)); /* best effort */
    c->corked = on;
}

static void uncork_all(pg_conn *conns, int n)
{
    for (int i = 0; i < n; i++)
        if (conns[i].corked)
            set_cork(&conns[i], 0);
}

static void on_uncork(uv_prepare_t *h)
{
    pg_state *st = h->data;
    uncork_all(st->shared, st->nshared);
    uncork_all(st->pinned, st->npinned_max);
    uv_prepare_stop(h);
}

void bk__pg_conn_cork(pg_conn *c)
{
    if (!c->tcp || c->corked || !c->st->uncork || c->fd < 0)
        return;
    set_cork(c, 1);
    uv_prepare_start(c->st->uncork, on_uncork);
}

int bk__pg_uncork_init(pg_state *st)
{
    st->uncork = malloc(sizeof(*st->uncork));
    if (!st->uncork)
        return BK_ENOMEM;
    int err = uv_prepare_init(st->loop, st->uncork);
    if (err) {
        free(st->uncork);
        st->uncork = NULL;
        return err;
    }
    st->uncork->data = st;
    uv_unref((uv_handle_t *)st->uncork);
    return 0;
}

void bk__pg_uncork_close(pg_state *st)
{
    if (st->uncork)
        uv_close((uv_handle_t *)st->uncork, free_handle);
    st->uncork = NULL;
}

int bk__pg_expect(pg_conn *c, pg_expect e)
{
    if (c->count == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        pg_expect *grown = malloc(cap * sizeof(*grown));
        if (!grown)
            return BK_ENOMEM;
        for (size_t i = 0; i < c->count; i++) /* unroll the ring */
            grown[i] = c->fifo[(c->head + i) % c->cap];
        free(c->fifo);
        c->fifo = grown;
        c->head = 0;
        c->cap = cap;
    }
    c->fifo[(c->head + c->count) % c->cap] = e;
    c->count++;
    return 0;
}
