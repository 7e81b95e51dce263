/* Outbound HTTP: bk_fetch over libcurl's multi-socket API, driven by the worker's libuv loop.
 *
 * One client per worker (fetch.h), holding one CURLM: a multi handle is single-threaded, like a
 * worker, and keeps the connection cache and the DNS cache, so the worker's fetches reuse each
 * other's connections. Each fetch is one easy handle added to it; the task awaits until curl
 * reports it done (CURLMSG_DONE), and a cancelled task takes its handle out at once.
 *
 * The loop glue is curl's docs/examples/multi-uv.c, with these changes, each against a known
 * failure (notes/io-research.md B2):
 *  - brisk opens and closes the sockets itself (CURLOPT_OPENSOCKETFUNCTION/CLOSESOCKETFUNCTION)
 *    and closes a socket's uv_poll_t before the fd: curl may otherwise close a socket and open
 *    another with the same number while libuv still watches it, and libuv asserts
 *    loop->watchers[fd] == w (pyuv #210, libuv #1495, curl #14976);
 *  - a poll error is passed on as CURL_CSELECT_ERR, so curl reads the socket's error (a refused
 *    connect shows up as POLLERR) instead of waiting for its timeout;
 *  - curl's callbacks never call back into curl: they record what curl wants (sockets, bytes,
 *    the timer), and curl_multi_socket_action, curl_multi_info_read and
 *    curl_multi_remove_handle are only called from libuv callbacks, bk_fetch and cancel hooks.
 *
 * Ownership: a transfer lives in its bk_fetch call's frame; the task awaits until the transfer
 * is out of the multi (done, or taken out by the cancel hook), so curl never holds a pointer to a
 * frame that returned. The client owns the socket contexts (freed in their close callbacks) and
 * is freed in its timer's close callback, after curl_multi_cleanup. */
#include "client/fetch.h"
#include "loop/worker.h"
#include "util/log.h"

#include <curl/curl.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_TIMEOUT_MS         (30 * 1000) /* curl has none */
#define DEFAULT_CONNECT_TIMEOUT_MS (10 * 1000) /* curl's is 300 s */
#define DEFAULT_MAX_RESPONSE       (10u << 20)
/* The response's header section: beyond it, BK_EMSGSIZE (curl's own limit is per line). */
#define MAX_HEADER_BYTES (64u << 10)
/* Idle connections a worker keeps (curl's default grows with the handles ever added). */
#define MAX_KEPT_CONNECTIONS 64L

/* A socket curl uses, and the uv_poll_t that watches it. */
typedef struct sock_ctx {
    uv_poll_t poll;
    bk__fetch_client *cl;
    curl_socket_t fd;
    uint8_t ours; /* opened by open_socket: released at close_socket, not at CURL_POLL_REMOVE */
} sock_ctx;

struct bk__fetch_client {
    uv_loop_t *loop;
    bk__worker *worker; /* NULL on a bare loop */
    CURLM *multi;       /* NULL until the first fetch */
    uv_timer_t timer;   /* the one timeout curl asks for (CURLMOPT_TIMERFUNCTION) */
    sock_ctx **socks;   /* indexed by fd, as libuv's own watcher table is */
    size_t nsocks;      /* length of `socks` */
    size_t inflight;    /* easy handles in the multi */
    int draining;
};

/* One fetch: its easy handle and what has arrived. In bk_fetch's frame. */
typedef struct transfer {
    bk__op op; /* first: the cancel hook gets the transfer from it */
    bk__fetch_client *cl;
    CURL *easy;
    struct curl_slist *headers;
    bk_fetch_result *res; /* filled in as the response arrives; the caller's on success */
    size_t max_body;
    int error;     /* the BK_E* code a callback of ours stopped the transfer with */
    int added;     /* in cl->multi */
    int in_body;   /* the body began: header lines now are trailers */
    CURLcode code; /* curl's result, at CURLMSG_DONE */
} transfer;

struct bk_fetch_result {
    int status;
    bk_buf head; /* the header fields as "name\0value\0" pairs */
    bk_buf body; /* NUL-terminated once complete */
};

/* ---- sockets ---- */

static sock_ctx *socks_get(const bk__fetch_client *cl, curl_socket_t fd)
{
    return fd >= 0 && (size_t)fd < cl->nsocks ? cl->socks[fd] : NULL;
}

static int socks_put(bk__fetch_client *cl, sock_ctx *s)
{
    size_t fd = (size_t)s->fd;
    if (fd >= cl->nsocks) {
        size_t n = cl->nsocks ? cl->nsocks : 64;
        while (n <= fd)
            n *= 2;
        sock_ctx **grown = realloc(cl->socks, n * sizeof(*grown));
        if (!grown)
            return BK_ENOMEM;
        memset(grown + cl->nsocks, 0, (n - cl->nsocks) * sizeof(*grown));
        cl->socks = grown;
        cl->nsocks = n;
    }
    cl->socks[fd] = s;
    return 0;
}

static void free_sock(uv_handle_t *h)
{
    free(h->data);
}

/* Stops watching `s`'s fd and forgets it. uv_close takes the fd out of the loop's watcher table
 * and out of epoll at once (only the memory waits for the close callback), so the fd may be
 * closed, and its number reused, right after. */
static void sock_retire(sock_ctx *s)
{
    s->cl->socks[s->fd] = NULL;
    uv_close((uv_handle_t *)&s->poll, free_sock);
}

/* A context for `fd` watched on `cl`'s loop, registered in the table. NULL on failure. */
static sock_ctx *sock_new(bk__fetch_client *cl, curl_socket_t fd, int ours)
{
    sock_ctx *stale = socks_get(cl, fd);
    if (stale) /* an fd curl closed without CURL_POLL_REMOVE, its number now reused */
        sock_retire(stale);
    sock_ctx *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    if (uv_poll_init_socket(cl->loop, &s->poll, fd) != 0) {
        free(s);
        return NULL;
    }
    s->poll.data = s;
    s->cl = cl;
    s->fd = fd;
    s->ours = (uint8_t)ours;
    if (socks_put(cl, s) != 0) {
        uv_close((uv_handle_t *)&s->poll, free_sock);
        return NULL;
    }
    return s;
}

/* CURLOPT_OPENSOCKETFUNCTION: brisk makes every socket curl connects with, so that it knows the
 * fd before curl can use it. */
static curl_socket_t open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    bk__fetch_client *cl = clientp;
    if (purpose != CURLSOCKTYPE_IPCXN)
        return CURL_SOCKET_BAD; /* CURLSOCKTYPE_ACCEPT is FTP's, and only http(s) is allowed */
    int fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd < 0)
        return CURL_SOCKET_BAD; /* curl reports the connect as failed */
    if (!sock_new(cl, fd, 1)) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

/* CURLOPT_CLOSESOCKETFUNCTION: the poll goes first, then the fd. */
static int close_socket(void *clientp, curl_socket_t fd)
{
    sock_ctx *s = socks_get(clientp, fd);
    if (s)
        sock_retire(s);
    return close(fd);
}

/* ---- driving curl from the loop ---- */

static void finish_done(bk__fetch_client *cl);

/* Tells curl what happened on `fd` (or CURL_SOCKET_TIMEOUT), then completes what finished. */
static void drive(bk__fetch_client *cl, curl_socket_t fd, int flags)
{
    int running = 0;
    CURLMcode mc = curl_multi_socket_action(cl->multi, fd, flags, &running);
    if (mc != CURLM_OK)
        bk__log(BK_LOG_WARNING, "fetch: curl_multi_socket_action: %s", curl_multi_strerror(mc));
    finish_done(cl);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    sock_ctx *s = h->data;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else
        flags = ((events & UV_READABLE) ? CURL_CSELECT_IN : 0) |
                ((events & UV_WRITABLE) ? CURL_CSELECT_OUT : 0);
    drive(s->cl, s->fd, flags); /* may retire `s`: not touched after */
}

/* CURLMOPT_SOCKETFUNCTION: what to watch on a socket. Our own sockets keep their context after
 * CURL_POLL_REMOVE (a kept connection is not watched while idle) until close_socket; the few
 * curl opens itself (the threaded resolver's socketpair) are dropped at CURL_POLL_REMOVE, which
 * curl sends before it closes them. */
static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    (void)socketp;
    bk__fetch_client *cl = userp;
    sock_ctx *s = socks_get(cl, fd);
    if (what == CURL_POLL_REMOVE) {
        if (s && s->ours)
            uv_poll_stop(&s->poll);
        else if (s)
            sock_retire(s);
        return 0;
    }
    if (!s && !(s = sock_new(cl, fd, 0)))
        return -1; /* curl fails every transfer of the multi: out of memory */
    int events =
        ((what & CURL_POLL_IN) ? UV_READABLE : 0) | ((what & CURL_POLL_OUT) ? UV_WRITABLE : 0);
    return uv_poll_start(&s->poll, events, on_poll) ? -1 : 0;
}

static void on_timer(uv_timer_t *h)
{
    drive(h->data, CURL_SOCKET_TIMEOUT, 0);
}

/* CURLMOPT_TIMERFUNCTION. 0 means "as soon as possible", but not from inside this callback (no
 * re-entrant call into curl): 1 ms rather than 0, because a 0 ms libuv timer started from a
 * timer callback runs again in the same pass over the timers, so a curl asking for 0 again and
 * again would keep the loop from polling. −1: no timeout. */
static int timer_cb(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    bk__fetch_client *cl = userp;
    if (timeout_ms < 0)
        return uv_timer_stop(&cl->timer) ? -1 : 0;
    uint64_t ms = timeout_ms == 0 ? 1 : (uint64_t)timeout_ms;
    return uv_timer_start(&cl->timer, on_timer, ms, 0) ? -1 : 0;
}

/* Takes the transfer's handle out of the multi (never from inside a curl callback): an
 * unfinished exchange closes its connection, a finished one goes back to the cache. */
static void transfer_detach(transfer *tr)
{
    if (!tr->added)
        return;
    tr->added = 0;
    tr->cl->inflight--;
    CURLMcode mc = curl_multi_remove_handle(tr->cl->multi, tr->easy);
    if (mc != CURLM_OK)
        bk__log(BK_LOG_WARNING, "fetch: curl_multi_remove_handle: %s", curl_multi_strerror(mc));
}

/* Completes every transfer curl reports done. */
static void finish_done(bk__fetch_client *cl)
{
    CURLMsg *m;
    int left = 0;
    while ((m = curl_multi_info_read(cl->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *priv = NULL;
        CURLcode code = m->data.result; /* `m` does not survive curl_multi_remove_handle */
        if (curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv) != CURLE_OK || !priv)
            continue; /* cannot happen: every easy handle of ours has one */
        transfer *tr = (transfer *)(void *)priv;
        tr->code = code;
        transfer_detach(tr);
        bk__op_complete(&tr->op, 0);
    }
    if (cl->draining && !cl->inflight && cl->worker)
        bk__worker_maybe_finish(cl->worker);
}

/* ---- the client ---- */

int bk__fetch_client_new(uv_loop_t *loop, bk__worker *w, bk__fetch_client **out)
{
    bk__fetch_client *cl = calloc(1, sizeof(*cl));
    if (!cl)
        return BK_ENOMEM;
    int err = uv_timer_init(loop, &cl->timer);
    if (err) {
        free(cl);
        return err;
    }
    cl->timer.data = cl;
    cl->loop = loop;
    cl->worker = w;
    *out = cl;
    return 0;
}

/* Checks once per client what this libcurl can do. */
static int check_curl(void)
{
    const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
    /* Each worker sets libcurl up on its own thread (curl_global_init counts its callers): safe
     * only where curl_global_init is thread-safe (7.84 on, built with threads). */
    if (!(v->features & CURL_VERSION_THREADSAFE)) {
        bk__log(BK_LOG_ERROR, "fetch: libcurl %s is not thread-safe: bk_fetch is disabled",
                v->version);
        return BK_EINVAL;
    }
    /* Debian's libcurl resolves names on threads of its own (the threaded resolver; c-ares
     * would do too): both report CURL_VERSION_ASYNCHDNS, and then a fetch by name never blocks
     * the loop. Without it, curl calls getaddrinfo on the worker's thread. */
    if (!(v->features & CURL_VERSION_ASYNCHDNS))
        bk__log(BK_LOG_WARNING,
                "fetch: libcurl %s resolves names synchronously: every fetch by host name "
                "blocks its worker while the name is looked up",
                v->version);
    return 0;
}

/* The multi handle, made at the first fetch rather than at worker start: an app that never
 * fetches costs nothing (no libcurl and OpenSSL setup, no fds, no threads). */
static int client_start(bk__fetch_client *cl)
{
    if (cl->multi)
        return 0;
    int err = check_curl();
    if (err)
        return err;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return BK_ENOMEM;
    CURLM *m = curl_multi_init();
    if (!m) {
        curl_global_cleanup();
        return BK_ENOMEM;
    }
    CURLMcode mc = curl_multi_setopt(m, CURLMOPT_SOCKETFUNCTION, socket_cb);
    mc = mc ? mc : curl_multi_setopt(m, CURLMOPT_SOCKETDATA, cl);
    mc = mc ? mc : curl_multi_setopt(m, CURLMOPT_TIMERFUNCTION, timer_cb);
    mc = mc ? mc : curl_multi_setopt(m, CURLMOPT_TIMERDATA, cl);
    mc = mc ? mc : curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, MAX_KEPT_CONNECTIONS);
    if (mc != CURLM_OK) {
        bk__log(BK_LOG_ERROR, "fetch: curl_multi_setopt: %s", curl_multi_strerror(mc));
        curl_multi_cleanup(m);
        curl_global_cleanup();
        return BK_EINVAL;
    }
    cl->multi = m;
    return 0;
}

void bk__fetch_client_drain(bk__fetch_client *cl)
{
    cl->draining = 1;
}

int bk__fetch_client_busy(const bk__fetch_client *cl)
{
    return cl->inflight > 0;
}

static void free_client(uv_handle_t *h)
{
    free(h->data);
}

void bk__fetch_client_close(bk__fetch_client *cl)
{
    if (cl->multi) {
        /* Closes the kept connections, through close_socket. */
        CURLMcode mc = curl_multi_cleanup(cl->multi);
        if (mc != CURLM_OK)
            bk__log(BK_LOG_WARNING, "fetch: curl_multi_cleanup: %s", curl_multi_strerror(mc));
        cl->multi = NULL;
        curl_global_cleanup();
    }
    for (size_t fd = 0; fd < cl->nsocks; fd++) {
        sock_ctx *s = cl->socks[fd];
        if (!s)
            continue;
        sock_retire(s); /* only curl leaving one behind would get here */
        if (s->ours)
            close((int)fd);
    }
    free(cl->socks);
    cl->socks = NULL;
    cl->nsocks = 0;
    uv_close((uv_handle_t *)&cl->timer, free_client);
}

/* ---- the subsystem ---- */

static int subsystem_init(bk__worker *w, void *udata, void **state)
{
    (void)udata;
    bk__fetch_client *cl = NULL;
    int err = bk__fetch_client_new(&w->loop, w, &cl);
    if (err)
        return err;
    w->sched.services[BK__SVC_FETCH] = cl;
    *state = cl;
    return 0;
}

static void subsystem_drain(void *state)
{
    bk__fetch_client_drain(state);
}

static int subsystem_busy(void *state)
{
    return bk__fetch_client_busy(state);
}

static void subsystem_close(void *state)
{
    bk__fetch_client *cl = state;
    if (cl->worker)
        cl->worker->sched.services[BK__SVC_FETCH] = NULL;
    bk__fetch_client_close(cl);
}

const bk__subsystem bk__fetch_subsystem = {
    .name = "the HTTP client",
    .init = subsystem_init,
    .drain = subsystem_drain,
    .busy = subsystem_busy,
    .close = subsystem_close,
};

/* ---- receiving ---- */

/* Whether the `n` bytes at `s` are an RFC 9110 token (a method, a field name). */
static int is_token(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && (!c || !strchr("!#$%&'*+-.^_`|~", c))) /* strchr would match the NUL */
            return 0;
    }
    return 1;
}

/* Whether a field value is free of control characters (HTAB aside): a NUL would also cut it
 * short in the "name\0value\0" store. */
static int is_field_value(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Appends one header field, trimmed of optional whitespace, as "name\0value\0". */
static int add_field(bk_fetch_result *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    /* Strict, as brisk's server side is: no obsolete line folding (RFC 9112 §5.2), no
     * whitespace before the colon (§5.1), no control characters in the value (RFC 9110 §5.5). */
    if (!colon || !is_token(line, (size_t)(colon - line)))
        return BK_EPROTO;
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (!is_field_value(v, (size_t)(end - v)))
        return BK_EPROTO;
    int err = bk_buf_append(&r->head, line, (size_t)(colon - line));
    err = err ? err : bk_buf_append(&r->head, "", 1);
    err = err ? err : bk_buf_append(&r->head, v, (size_t)(end - v));
    return err ? err : bk_buf_append(&r->head, "", 1);
}

/* CURLOPT_HEADERFUNCTION: one line of a header section (status line included), with its CRLF. */
static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    transfer *tr = arg;
    size_t len = size * n;
    if (tr->in_body)
        return len; /* trailer fields of a chunked body: not headers */
    if (tr->res->head.len + len > MAX_HEADER_BYTES) {
        tr->error = BK_EMSGSIZE;
        return 0; /* anything but len stops the transfer */
    }
    size_t l = len;
    while (l && (data[l - 1] == '\n' || data[l - 1] == '\r'))
        l--;
    if (l >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        tr->res->head.len = 0; /* a new response (after a 1xx): its fields replace those before */
        return len;
    }
    if (l == 0)
        return len; /* the end of the section */
    int err = add_field(tr->res, data, l);
    if (err) {
        tr->error = err;
        return 0;
    }
    return len;
}

/* CURLOPT_WRITEFUNCTION: body bytes, up to the limit. */
static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    transfer *tr = arg;
    size_t len = size * n;
    tr->in_body = 1;
    if (len > tr->max_body - tr->res->body.len) {
        tr->error = BK_EMSGSIZE;
        return 0;
    }
    if (bk_buf_append(&tr->res->body, data, len) != 0) {
        tr->error = BK_ENOMEM;
        return 0;
    }
    return len;
}

/* What a failed transfer's CURLcode means for the caller. */
static int curl_error(const transfer *tr)
{
    long os_errno = 0;
    switch (tr->code) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return BK_EAI_NONAME;
    case CURLE_COULDNT_CONNECT:
        if (curl_easy_getinfo(tr->easy, CURLINFO_OS_ERRNO, &os_errno) != CURLE_OK)
            os_errno = 0;
        if (os_errno == EHOSTUNREACH || os_errno == ENETUNREACH)
            return BK_EHOSTUNREACH;
        return os_errno == ETIMEDOUT ? BK_ETIMEDOUT : BK_ECONNREFUSED;
    case CURLE_OPERATION_TIMEDOUT:
        return BK_ETIMEDOUT;
    case CURLE_FILESIZE_EXCEEDED: /* an announced Content-Length over the limit */
        return BK_EMSGSIZE;
    case CURLE_OUT_OF_MEMORY:
        return BK_ENOMEM;
    case CURLE_URL_MALFORMAT:
        return BK_EINVAL;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING: /* closed before a response */
        return BK_ECONNRESET;
    default: /* CURLE_WEIRD_SERVER_REPLY, CURLE_PARTIAL_FILE, HTTP/0.9, TLS failures, ... */
        return BK_EPROTO;
    }
}

/* The outcome of a transfer curl finished. */
static int transfer_outcome(transfer *tr)
{
    if (tr->error)
        return tr->error; /* one of our callbacks stopped it, and knows why */
    if (tr->code != CURLE_OK) {
        bk__log(BK_LOG_DEBUG, "fetch: %s", curl_easy_strerror(tr->code));
        return curl_error(tr);
    }
    long status = 0;
    if (curl_easy_getinfo(tr->easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status < 100 ||
        status > 999)
        return BK_EPROTO;
    tr->res->status = (int)status;
    bk_buf *b = &tr->res->body;
    if (bk_buf_reserve(b, 1) != 0)
        return BK_ENOMEM;
    b->data[b->len] = '\0';
    return 0;
}

/* ---- sending ---- */

/* Whether the caller's header lines name header `name`. */
static int has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (; headers && *headers; headers++)
        if (strncasecmp(*headers, name, n) == 0 && ((*headers)[n] == ':' || (*headers)[n] == ';'))
            return 1;
    return 0;
}

/* Appends a header line to `list`. */
static int add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*list, line);
    if (!grown)
        return BK_ENOMEM;
    *list = grown;
    return 0;
}

/* The request's header list: the caller's lines, checked (a CR or LF would let them inject
 * lines of their own), and what curl would add that a JSON API client does not want. */
static int build_headers(transfer *tr, const bk_fetch_opts *o)
{
    for (const char *const *h = o->headers; h && *h; h++) {
        if (strpbrk(*h, "\r\n") || !strpbrk(*h, ":;"))
            return BK_EINVAL;
        int err = add_header(&tr->headers, *h);
        if (err)
            return err;
    }
    int err = 0;
    /* A body sent as POSTFIELDS would otherwise go out as a form (x-www-form-urlencoded), and a
     * large one after an `Expect: 100-continue` round trip. */
    if (o->body_len && !has_header(o->headers, "Content-Type"))
        err = add_header(&tr->headers, "Content-Type:");
    if (!err && o->body_len && !has_header(o->headers, "Expect"))
        err = add_header(&tr->headers, "Expect:");
    return err;
}

/* The method and body options. */
static CURLcode set_method(CURL *e, const bk_fetch_opts *o)
{
    const char *method = o->method ? o->method : o->body_len ? "POST" : "GET";
    CURLcode rc = CURLE_OK;
    if (o->body_len || strcmp(method, "POST") == 0) {
        /* Not copied: the caller's body outlives the transfer (bk_fetch waits for it). */
        rc = curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
        rc = rc ? rc : curl_easy_setopt(e, CURLOPT_POSTFIELDS, o->body ? o->body : "");
    }
    if (!rc && strcmp(method, "HEAD") == 0)
        rc = curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    else if (!rc && strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        rc = curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    return rc;
}

/* The options every fetch has: callbacks, brisk's defaults instead of curl's, http(s) only. */
static CURLcode set_common(transfer *tr, const char *url, const bk_fetch_opts *o)
{
    CURL *e = tr->easy;
    long timeout = (long)(o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS);
    long connect =
        (long)(o->connect_timeout_ms ? o->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS);
    CURLcode rc = curl_easy_setopt(e, CURLOPT_URL, url);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_PRIVATE, tr);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L); /* no SIGALRM in a server */
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)tr->max_body);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_USERAGENT, "brisk/" BRISK_VERSION);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_socket);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, tr->cl);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, close_socket);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, tr->cl);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_HEADERDATA, tr);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_WRITEDATA, tr);
    rc = rc ? rc : curl_easy_setopt(e, CURLOPT_HTTPHEADER, tr->headers);
    return rc ? rc : set_method(e, o);
}

/* Whether `url` is http:// or https:// (curl is restricted to them; checking here tells a bad
 * argument from a server speaking another protocol). */
static int http_url(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0;
}

static int transfer_setup(transfer *tr, const char *url, const bk_fetch_opts *o)
{
    if (!http_url(url) || (o->method && !is_token(o->method, strlen(o->method))) ||
        (o->body_len && !o->body))
        return BK_EINVAL;
    tr->max_body = o->max_response_size ? o->max_response_size : DEFAULT_MAX_RESPONSE;
    tr->res = calloc(1, sizeof(*tr->res));
    tr->easy = curl_easy_init();
    if (!tr->res || !tr->easy)
        return BK_ENOMEM;
    int err = build_headers(tr, o);
    if (err)
        return err;
    CURLcode rc = set_common(tr, url, o);
    if (rc == CURLE_OUT_OF_MEMORY)
        return BK_ENOMEM;
    return rc == CURLE_OK ? 0 : BK_EINVAL; /* a URL curl refuses, ... */
}

static int transfer_add(transfer *tr)
{
    CURLMcode mc = curl_multi_add_handle(tr->cl->multi, tr->easy);
    if (mc != CURLM_OK)
        return mc == CURLM_OUT_OF_MEMORY ? BK_ENOMEM : BK_EINVAL;
    tr->added = 1;
    tr->cl->inflight++;
    return 0;
}

/* Frees what the transfer owns; may be called again. */
static void transfer_free(transfer *tr)
{
    transfer_detach(tr);
    if (tr->easy)
        curl_easy_cleanup(tr->easy);
    tr->easy = NULL;
    curl_slist_free_all(tr->headers);
    tr->headers = NULL;
    bk_fetch_result_free(tr->res);
    tr->res = NULL;
}

/* The task was cancelled or timed out mid-fetch: the handle leaves the multi now (closing its
 * connection) and nothing of the transfer is left for curl to touch. */
static int cancel_fetch(bk__op *op)
{
    transfer_free((transfer *)op);
    return BK__CANCEL_DETACH;
}

int bk_fetch(bk_task *task, const char *url, const bk_fetch_opts *opts, bk_fetch_result **out)
{
    if (out)
        *out = NULL;
    int err = bk__task_may_await(task);
    if (err)
        return err;
    bk__fetch_client *cl = task->sched->services[BK__SVC_FETCH];
    if (!url || !out || !cl)
        return BK_EINVAL;
    err = client_start(cl);
    if (err)
        return err;
    transfer tr = {.cl = cl};
    err = transfer_setup(&tr, url, opts ? opts : &(bk_fetch_opts){0});
    err = err ? err : transfer_add(&tr);
    err = err ? err : bk__task_await(task, &tr.op, cancel_fetch);
    err = err ? err : transfer_outcome(&tr);
    if (!err) {
        *out = tr.res;
        tr.res = NULL;
    }
    transfer_free(&tr);
    return err;
}

/* ---- results ---- */

int bk_fetch_status(const bk_fetch_result *r)
{
    return r ? r->status : 0;
}

const char *bk_fetch_body(const bk_fetch_result *r, size_t *len)
{
    if (len)
        *len = r && r->body.data ? r->body.len : 0;
    return r && r->body.data ? r->body.data : "";
}

const char *bk_fetch_header(const bk_fetch_result *r, const char *name)
{
    if (!r || !name || !r->head.data)
        return NULL; /* no header field at all: head.data is still NULL */
    const char *p = r->head.data, *end = p + r->head.len;
    while (p < end) {
        const char *value = p + strlen(p) + 1;
        if (strcasecmp(p, name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return NULL;
}

void bk_fetch_result_free(bk_fetch_result *r)
{
    if (!r)
        return;
    bk_buf_free(&r->head);
    bk_buf_free(&r->body);
    free(r);
}
