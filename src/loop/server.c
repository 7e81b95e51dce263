/* The server: binds the listeners, starts one worker thread each, and stops them on request.
 *
 * A library call: it installs no signal handler and changes no process-wide setting (the
 * runner, src/app/runner.c, does that for a process that is only a server). Worker threads
 * block asynchronous signals, so SIGINT/SIGTERM reach the application's own threads and a write
 * to a closed socket fails with EPIPE instead of raising SIGPIPE. */
#include "app/proxy.h"
#include "loop/worker.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct bk_server {
    bk_config cfg;
    char *host;       /* cfg.host points here: the caller's string may go */
    char *root_path;  /* cfg.root_path likewise, "" when none */
    bk__trust *trust; /* the parsed --forwarded-allow-ips; NULL: proxy headers off */
    const bk_app *app;
    bk__worker *workers;
    int nworkers;
    int port;
    uv_mutex_t lock; /* guards what follows: workers report from their threads */
    uv_cond_t cond;
    int reported;        /* workers that said they serve or failed */
    int start_error;     /* the first worker's failure */
    int finished;        /* workers whose loop ended */
    int shutting_down;   /* workers that began their shutdown hooks */
    int shut_down;       /* ... and whose hooks returned */
    int shutdown_error;  /* the first failure of a shutdown hook */
    int serving;         /* bk_server_start succeeded */
    uv_async_t *on_exit; /* the runner's: signalled when every worker finished */
    bk__pool pool;       /* blocking jobs of every worker (threads start on demand) */
};

static int resolve(const char *host, int port, struct sockaddr_storage *ss, socklen_t *len)
{
    struct addrinfo hints = {0}, *res = NULL;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host, service, &hints, &res) != 0 || !res)
        return BK_EINVAL;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static int sockaddr_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Opens one listening socket. SO_REUSEPORT only with several workers, so that a second server
 * started by mistake on a busy port fails instead of silently sharing it. */
static int open_listener(const struct sockaddr_storage *ss, socklen_t len, int reuseport,
                         int backlog)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    /* Accepted sockets inherit TCP_NODELAY on Linux: set once here, not once per connection.
     * Responses go out in one write per burst, so Nagle would only add delay. */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        bind(fd, (const struct sockaddr *)ss, len) != 0 || listen(fd, backlog) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

/* The port the first listener got (--port 0: the kernel picks one, the others share it). */
static int bound_port(int fd, struct sockaddr_storage *ss)
{
    socklen_t alen = sizeof(*ss);
    if (getsockname(fd, (struct sockaddr *)ss, &alen) != 0)
        return -errno;
    return sockaddr_port(ss);
}

static int open_listeners(bk_server *s)
{
    struct sockaddr_storage ss;
    socklen_t len;
    const bk_config *cfg = &s->cfg;
    if (resolve(cfg->host, cfg->port, &ss, &len) != 0) {
        bk__log(BK_LOG_ERROR, "cannot resolve host '%s'", cfg->host);
        return BK_EINVAL;
    }
    for (int i = 0; i < s->nworkers; i++) {
        int fd = open_listener(&ss, len, s->nworkers > 1, cfg->backlog);
        if (fd >= 0 && i == 0) {
            s->port = bound_port(fd, &ss);
            if (s->port < 0) {
                close(fd);
                fd = s->port;
            }
        }
        if (fd < 0) {
            bk__log(BK_LOG_ERROR, "cannot listen on %s:%d: %s", cfg->host, cfg->port,
                    strerror(-fd));
            for (int j = 0; j < i; j++)
                close(s->workers[j].listen_fd);
            return fd;
        }
        s->workers[i].listen_fd = fd;
    }
    return 0;
}

/* ---- what the workers report (their host, worker.h), from their threads ---- */

static void worker_started(bk__worker *w)
{
    bk_server *s = w->host_ctx;
    uv_mutex_lock(&s->lock);
    if (w->start_error && !s->start_error)
        s->start_error = w->start_error;
    w->stoppable = !w->start_error;
    s->reported++;
    uv_cond_signal(&s->cond);
    uv_mutex_unlock(&s->lock);
}

/* uvicorn's lines for the application's shutdown, said once for the server: when the first
 * worker begins its hooks and when the last one's returned. A server that never started (a
 * start-up failed) says nothing of it, as uvicorn does, though its workers run their hooks. */
static void worker_shutdown_begins(bk__worker *w)
{
    bk_server *s = w->host_ctx;
    uv_mutex_lock(&s->lock);
    if (s->shutting_down++ == 0 && s->serving)
        bk__log(BK_LOG_INFO, "Waiting for application shutdown.");
    uv_mutex_unlock(&s->lock);
}

static void worker_shutdown_ended(bk__worker *w, int err)
{
    bk_server *s = w->host_ctx;
    uv_mutex_lock(&s->lock);
    if (err && !s->shutdown_error)
        s->shutdown_error = err;
    if (++s->shut_down == s->nworkers && s->serving) {
        if (s->shutdown_error)
            bk__log(BK_LOG_ERROR, "Application shutdown failed. Exiting.");
        else
            bk__log(BK_LOG_INFO, "Application shutdown complete.");
    }
    uv_mutex_unlock(&s->lock);
}

static void worker_exiting(bk__worker *w)
{
    bk_server *s = w->host_ctx;
    uv_mutex_lock(&s->lock);
    w->stoppable = 0;
    uv_mutex_unlock(&s->lock);
}

static void worker_done(bk__worker *w)
{
    bk_server *s = w->host_ctx;
    uv_mutex_lock(&s->lock);
    if (++s->finished == s->nworkers && s->on_exit)
        uv_async_send(s->on_exit);
    uv_mutex_unlock(&s->lock);
}

static const bk__worker_host server_host = {
    .started = worker_started,
    .shutdown_begins = worker_shutdown_begins,
    .shutdown_ended = worker_shutdown_ended,
    .exiting = worker_exiting,
    .done = worker_done,
};

void bk__server_notify_exit(bk_server *s, uv_async_t *a)
{
    uv_mutex_lock(&s->lock);
    s->on_exit = a;
    if (s->finished == s->nworkers)
        uv_async_send(a);
    uv_mutex_unlock(&s->lock);
}

static void worker_thread(void *arg)
{
    bk__worker_run(arg);
}

/* Starts the worker threads with every asynchronous signal blocked (a new thread inherits its
 * creator's mask); the caller's mask is restored after. Returns how many threads run. */
static int start_threads(bk_server *s)
{
    sigset_t all, old;
    sigfillset(&all);
    static const int synchronous[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT};
    for (size_t i = 0; i < sizeof(synchronous) / sizeof(synchronous[0]); i++)
        sigdelset(&all, synchronous[i]);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int n = 0;
    for (; n < s->nworkers; n++) {
        bk__worker *w = &s->workers[n];
        w->id = n;
        w->nworkers = s->nworkers;
        w->pipeline.app = s->app;
        w->pipeline.root_path = s->root_path;
        w->pipeline.trust = s->trust; /* read-only from here on: shared without a lock */
        w->cfg = &s->cfg;
        w->host = &server_host;
        w->host_ctx = s;
        w->pool = &s->pool;
        if (uv_thread_create(&w->thread, worker_thread, w) != 0)
            break;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return n;
}

/* Waits until the first `n` workers reported; returns the first start-up error or 0. */
static int wait_started(bk_server *s, int n)
{
    uv_mutex_lock(&s->lock);
    while (s->reported < n)
        uv_cond_wait(&s->cond, &s->lock);
    int err = s->start_error;
    uv_mutex_unlock(&s->lock);
    return err;
}

/* Frees what server_new allocated before its lock, condition and pool. */
static void server_discard(bk_server *s)
{
    free(s->workers);
    free(s->host);
    free(s->root_path);
    bk__trust_free(s->trust);
    free(s);
}

static void server_free(bk_server *s)
{
    bk__pool_close(&s->pool); /* joins its threads: every worker has finished */
    uv_cond_destroy(&s->cond);
    uv_mutex_destroy(&s->lock);
    server_discard(s);
}

/* The server's copies of the config's strings, and its parsed trusted proxies. */
static int server_own_strings(bk_server *s, const bk_config *cfg)
{
    s->host = strdup(cfg->host);
    s->root_path = strdup(cfg->root_path ? cfg->root_path : "");
    if (!s->host || !s->root_path)
        return BK_ENOMEM;
    s->cfg.host = s->host;
    s->cfg.root_path = s->root_path;
    if (!cfg->proxy_headers)
        return 0;
    const char *ips = cfg->forwarded_allow_ips;
    if (!ips) /* uvicorn reads the variable when the flag is not given */
        ips = getenv("FORWARDED_ALLOW_IPS");
    s->cfg.forwarded_allow_ips = NULL; /* the caller's string may go: only the parsed set stays */
    return bk__trust_parse(ips ? ips : "127.0.0.1", &s->trust);
}

static int server_new(bk_server **out, const bk_app *app, const bk_config *cfg)
{
    bk_server *s = calloc(1, sizeof(*s));
    if (!s)
        return BK_ENOMEM;
    s->cfg = *cfg;
    s->app = app;
    s->nworkers = cfg->workers > 0 ? cfg->workers : (int)uv_available_parallelism();
    s->workers = calloc((size_t)s->nworkers, sizeof(bk__worker));
    int err = s->workers ? server_own_strings(s, cfg) : BK_ENOMEM;
    if (err || uv_mutex_init(&s->lock) != 0) {
        server_discard(s);
        return BK_ENOMEM;
    }
    err = uv_cond_init(&s->cond);
    if (err == 0) {
        err = bk__pool_init(&s->pool, cfg->threads, (size_t)cfg->thread_queue);
        if (err)
            uv_cond_destroy(&s->cond);
    }
    if (err) {
        uv_mutex_destroy(&s->lock);
        server_discard(s);
        return err;
    }
    *out = s;
    return 0;
}

int bk__config_check(const bk_config *cfg)
{
    if (!cfg->host || cfg->port < 0 || cfg->port > 65535 || cfg->workers < 0 || cfg->backlog < 1 ||
        cfg->stack_size == 0 || cfg->threads < 1 || cfg->thread_queue < 0 ||
        !(cfg->graceful_timeout > 0) || !(cfg->keepalive_timeout > 0) ||
        !(cfg->header_timeout > 0) || !(cfg->body_timeout > 0))
        return BK_EINVAL;
    return 0;
}

/* uvicorn's last line of the start-up: complete, or failed when a start-up hook did. */
static void log_startup_result(int err)
{
    if (!err)
        bk__log(BK_LOG_INFO, "Application startup complete.");
    else if (err == BK_ESTARTUP)
        bk__log(BK_LOG_ERROR, "Application startup failed. Exiting.");
}

int bk__server_start(bk_server **out, bk_app *app, const bk_config *cfg,
                     void (*on_bound)(void *arg), void *arg)
{
    *out = NULL;
    if (cfg)
        bk__log_set_level(cfg->log_level); /* brisk's log is the process's stderr: one level */
    if (!app || !cfg || bk__config_check(cfg)) {
        bk__log(BK_LOG_ERROR, "bk_server_start: invalid configuration");
        return BK_EINVAL;
    }
    /* Before any worker reads the routes: from here on they are only read. */
    int err = bk__app_prepare(app);
    if (err) {
        bk__log(BK_LOG_ERROR, "bk_server_start: cannot add the app's OpenAPI and docs routes: %s",
                bk_strerror(err));
        return err;
    }
    bk_server *s;
    err = server_new(&s, app, cfg);
    if (err)
        return err;
    err = open_listeners(s);
    if (err) {
        server_free(s);
        return err;
    }
    if (on_bound)
        on_bound(arg);
    /* Bound first, unlike uvicorn: a busy port fails at once with one line, not after the
     * application's start-up (workers take no connection before their hooks returned). */
    bk__log(BK_LOG_INFO, "Waiting for application startup.");
    int running = start_threads(s);
    if (running < s->nworkers) {
        bk__log(BK_LOG_ERROR, "cannot start worker thread %d", running);
        for (int i = running; i < s->nworkers; i++)
            close(s->workers[i].listen_fd);
        err = BK_EAGAIN;
    }
    int start_err = wait_started(s, running);
    if (!err)
        err = start_err;
    log_startup_result(err);
    if (err) { /* stop the ones that run, and wait for them */
        uv_mutex_lock(&s->lock);
        s->nworkers = running;
        uv_mutex_unlock(&s->lock);
        bk_server_stop(s);
        bk_server_wait(s);
        return err;
    }
    uv_mutex_lock(&s->lock);
    s->serving = 1;
    uv_mutex_unlock(&s->lock);
    *out = s;
    return 0;
}

int bk_server_start(bk_server **out, bk_app *app, const bk_config *cfg)
{
    return bk__server_start(out, app, cfg, NULL, NULL);
}

int bk_server_port(const bk_server *s)
{
    return s->port;
}

void bk_server_stop(bk_server *s)
{
    uv_mutex_lock(&s->lock);
    for (int i = 0; i < s->nworkers; i++)
        if (s->workers[i].stoppable)
            bk__worker_stop(&s->workers[i]);
    uv_mutex_unlock(&s->lock);
}

int bk_server_wait(bk_server *s)
{
    for (int i = 0; i < s->nworkers; i++)
        uv_thread_join(&s->workers[i].thread);
    server_free(s);
    return 0;
}
