/* The server: binds the listeners, starts the workers, and turns SIGINT/SIGTERM into a graceful
 * drain. The main thread only waits for signals; all requests are served by worker threads. */
#include "internal.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

struct bk_server {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_async_t worker_exit;
    bk_worker *workers;
    int nworkers;
    atomic_int finished;
    int signals;
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
        return -1;
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

static void set_port(struct sockaddr_storage *ss, int port)
{
    if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
    else
        ((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

/* Opens one listening socket. SO_REUSEPORT only with several workers, so that a second server
 * started by mistake on a busy port fails instead of silently sharing it. */
static int open_listener(struct sockaddr_storage *ss, socklen_t len, int reuseport, int backlog)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    int one = 1;
    /* Accepted sockets inherit TCP_NODELAY on Linux: set once here, not once per connection.
     * Responses go out in one write per burst, so Nagle would only add delay. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
        bind(fd, (struct sockaddr *)ss, len) != 0 || listen(fd, backlog) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static int open_listeners(bk_server *s, const bk_config *cfg, int *port)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (resolve(cfg->host, cfg->port, &ss, &len) != 0) {
        fprintf(stderr, "brisk: cannot resolve host '%s'\n", cfg->host);
        return -1;
    }
    for (int i = 0; i < s->nworkers; i++) {
        int fd = open_listener(&ss, len, s->nworkers > 1, cfg->backlog);
        if (fd < 0) {
            fprintf(stderr, "brisk: cannot listen on %s:%d: %s\n", cfg->host, cfg->port,
                    strerror(-fd));
            for (int j = 0; j < i; j++)
                close(s->workers[j].listen_fd);
            return -1;
        }
        if (i == 0) { /* --port 0: the kernel picks one, the other workers share it */
            socklen_t alen = sizeof(ss);
            getsockname(fd, (struct sockaddr *)&ss, &alen);
            set_port(&ss, sockaddr_port(&ss));
        }
        s->workers[i].listen_fd = fd;
    }
    *port = sockaddr_port(&ss);
    return 0;
}

void bk_server_worker_done(bk_server *s)
{
    atomic_fetch_add(&s->finished, 1);
    uv_async_send(&s->worker_exit);
}

static void close_main_handles(bk_server *s)
{
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->worker_exit, NULL);
}

static void on_worker_exit(uv_async_t *a)
{
    bk_server *s = a->data;
    if (atomic_load(&s->finished) == s->nworkers)
        close_main_handles(s);
}

static void on_signal(uv_signal_t *h, int signum)
{
    bk_server *s = h->data;
    if (++s->signals > 1) {
        bk_log(BK_LOG_WARNING, "Second signal: exiting at once");
        fflush(stdout);
        _exit(1);
    }
    bk_log(BK_LOG_INFO, "Shutting down (%s): finishing in-flight requests",
           signum == SIGINT ? "SIGINT" : "SIGTERM");
    for (int i = 0; i < s->nworkers; i++)
        bk_worker_stop(&s->workers[i]);
}

static void worker_thread(void *arg)
{
    bk_worker_run(arg);
}

static int start_workers(bk_server *s, const bk_app *app, const bk_config *cfg)
{
    for (int i = 0; i < s->nworkers; i++) {
        bk_worker *w = &s->workers[i];
        w->id = i;
        w->nworkers = s->nworkers;
        w->app = app;
        w->cfg = cfg;
        w->server = s;
        if (uv_thread_create(&w->thread, worker_thread, w) != 0) {
            fprintf(stderr, "brisk: cannot start worker thread %d\n", i);
            for (int j = i; j < s->nworkers; j++)
                close(s->workers[j].listen_fd);
            s->nworkers = i; /* stop and join only the ones running */
            return -1;
        }
    }
    return 0;
}

static int init_main_loop(bk_server *s)
{
    if (uv_loop_init(&s->loop) != 0)
        return -1;
    uv_signal_init(&s->loop, &s->sigint);
    uv_signal_init(&s->loop, &s->sigterm);
    uv_async_init(&s->loop, &s->worker_exit, on_worker_exit);
    s->sigint.data = s->sigterm.data = s->worker_exit.data = s;
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    return 0;
}

/* Each connection is a file descriptor: use all the kernel allows, as nginx's
 * worker_rlimit_nofile does, instead of failing at the distribution's default soft limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int bk_serve(bk_app *app, const bk_config *cfg)
{
    bk_server s;
    memset(&s, 0, sizeof(s));
    signal(SIGPIPE, SIG_IGN); /* a client gone mid-write is an error code, not a process kill */
    raise_fd_limit();
    bk_log_set_level(cfg->log_level);
    s.nworkers = cfg->workers > 0 ? cfg->workers : (int)uv_available_parallelism();
    s.workers = calloc((size_t)s.nworkers, sizeof(bk_worker));
    int port;
    if (!s.workers || open_listeners(&s, cfg, &port) != 0 || init_main_loop(&s) != 0) {
        free(s.workers);
        return 2;
    }
    bk_log(BK_LOG_INFO, "Started server process [%d]", (int)getpid());
    int started = start_workers(&s, app, cfg) == 0;
    const char *host = cfg->host;
    int v6 = strchr(host, ':') != NULL;
    bk_log(BK_LOG_INFO, "brisk running on http://%s%s%s:%d (%d worker%s) (Press CTRL+C to quit)",
           v6 ? "[" : "", host, v6 ? "]" : "", port, s.nworkers, s.nworkers > 1 ? "s" : "");
    fflush(stderr);
    if (!started)
        on_signal(&s.sigterm, SIGTERM);
    uv_run(&s.loop, UV_RUN_DEFAULT);
    for (int i = 0; i < s.nworkers; i++)
        uv_thread_join(&s.workers[i].thread);
    uv_loop_close(&s.loop);
    free(s.workers);
    bk_log(BK_LOG_INFO, "Finished server process [%d]", (int)getpid());
    return started ? 0 : 2;
}
