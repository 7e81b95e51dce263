/* Unit tests of brisk as a library (src/loop/server.c, worker.c): bk_server_start / stop / wait
 * embedded in a process that keeps its own signals and limits, a graceful stop that waits for
 * in-flight requests and for the app's per-worker subsystems, and start-up failures that return
 * an error instead of hanging. */
#include "loop/worker.h"
#include "brisk.h"
#include "check.h"
#include "testserver.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void h_hello(bk_req *req)
{
    bk_send_text(req, 200, "hello");
}

static void h_sleep(bk_req *req)
{
    if (bk_sleep(req, 300) == 0)
        bk_send_text(req, 200, "slept");
}

/* Sends a GET and reads the whole answer (the server closes: Connection: close). */
static int get(int port, const char *path, char *out, size_t size)
{
    int fd = test_connect(port, 5, NULL);
    if (fd < 0)
        return -1;
    char req[256];
    int n =
        snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    size_t len = 0;
    if (send(fd, req, (size_t)n, 0) == n) {
        ssize_t r;
        while (len + 1 < size && (r = recv(fd, out + len, size - 1 - len, 0)) > 0)
            len += (size_t)r;
    }
    out[len] = '\0';
    close(fd);
    return (int)len;
}

static void two_workers(bk_config *cfg)
{
    cfg->workers = 2;
}

/* ---- embedded: no process-wide changes, stop from code --------------------------------- */

static void test_embedded_start_stop(void)
{
    struct sigaction pipe_before, segv_before, segv_after;
    struct rlimit nofile_before, nofile_after;
    sigaction(SIGPIPE, NULL, &pipe_before);
    sigaction(SIGSEGV, NULL, &segv_before);
    getrlimit(RLIMIT_NOFILE, &nofile_before);

    bk_app *app = bk_app_new();
    CHECK(app && bk_get(app, "/hello", h_hello) == 0);
    bk_server *s = test_server_start(app, two_workers);
    CHECK(s != NULL);
    if (!s)
        return;
    int port = bk_server_port(s);
    CHECK(port > 0);
    char buf[4096];
    CHECK(get(port, "/hello", buf, sizeof(buf)) > 0 && strstr(buf, "\r\n\r\nhello"));

    struct sigaction pipe_during;
    sigaction(SIGPIPE, NULL, &pipe_during);
    CHECK(pipe_during.sa_handler == pipe_before.sa_handler); /* SIGPIPE left to the app */
    getrlimit(RLIMIT_NOFILE, &nofile_after);
    CHECK(nofile_after.rlim_cur == nofile_before.rlim_cur);

    bk_server_stop(s);
    bk_server_stop(s); /* twice is fine */
    CHECK(bk_server_wait(s) == 0);
    sigaction(SIGSEGV, NULL, &segv_after);
    CHECK(segv_after.sa_handler == segv_before.sa_handler); /* the overflow handler is undone */
    CHECK(get(port, "/hello", buf, sizeof(buf)) < 0);       /* nobody listens any more */
    bk_app_free(app);
}

/* ---- a graceful stop waits for the request in flight ------------------------------------ */

struct getter {
    int port;
    char buf[4096];
    int len;
};

static void *get_sleep(void *arg)
{
    struct getter *g = arg;
    g->len = get(g->port, "/sleep", g->buf, sizeof(g->buf));
    return NULL;
}

static void test_stop_waits_for_inflight(void)
{
    bk_app *app = bk_app_new();
    CHECK(app && bk_get(app, "/sleep", h_sleep) == 0);
    bk_server *s = test_server_start(app, NULL);
    CHECK(s != NULL);
    if (!s)
        return;
    struct getter g = {bk_server_port(s), {0}, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, get_sleep, &g) == 0);
    struct timespec ms50 = {0, 50 * 1000 * 1000};
    nanosleep(&ms50, NULL); /* the request is in flight (it takes 300 ms) */
    bk_server_stop(s);
    CHECK(bk_server_wait(s) == 0);
    pthread_join(t, NULL);
    CHECK(g.len > 0 && strstr(g.buf, "200 OK") && strstr(g.buf, "slept"));
    bk_app_free(app);
}

/* ---- subsystems: per worker, drained and waited for, closed last ------------------------ */

typedef struct fake_sub {
    bk__worker *w;
    uv_timer_t work; /* "work in flight": ends 300 ms after the drain */
    int busy;
} fake_sub;

static atomic_int inits, drains, closes, busy_at_close;
static _Atomic double drained_at, idle_at;
static atomic_int fail_init_on; /* 1-based init call that fails, 0: none */

static void on_work_done(uv_timer_t *h)
{
    fake_sub *f = h->data;
    f->busy = 0;
    idle_at = now_s();
    bk__worker_maybe_finish(f->w);
}

static int sub_init(bk__worker *w, void *udata, void **state)
{
    (void)udata;
    int n = atomic_fetch_add(&inits, 1) + 1;
    if (n == atomic_load(&fail_init_on))
        return BK_EADDRINUSE; /* any error: the server must not start */
    fake_sub *f = calloc(1, sizeof(*f));
    if (!f)
        return BK_ENOMEM;
    f->w = w;
    uv_timer_init(&w->loop, &f->work);
    f->work.data = f;
    *state = f;
    return 0;
}

static void sub_drain(void *state)
{
    fake_sub *f = state;
    atomic_fetch_add(&drains, 1);
    drained_at = now_s();
    f->busy = 1;
    uv_timer_start(&f->work, on_work_done, 300, 0);
}

static int sub_busy(void *state)
{
    return ((fake_sub *)state)->busy;
}

static void free_sub(uv_handle_t *h)
{
    free(h->data);
}

static void sub_close(void *state)
{
    fake_sub *f = state;
    atomic_fetch_add(&closes, 1);
    if (f->busy)
        atomic_fetch_add(&busy_at_close, 1);
    uv_close((uv_handle_t *)&f->work, free_sub);
}

static const bk__subsystem fake = {"fake", sub_init, sub_drain, sub_busy, sub_close, NULL};

static void test_subsystems_drained_before_stop(void)
{
    inits = drains = closes = busy_at_close = 0;
    fail_init_on = 0;
    bk_app *app = bk_app_new();
    CHECK(app && bk_get(app, "/hello", h_hello) == 0);
    CHECK(bk__app_add_subsystem(app, &fake) == 0);
    bk_server *s = test_server_start(app, two_workers);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK(inits == 2); /* one instance per worker, before start returned */
    double t0 = now_s();
    bk_server_stop(s);
    CHECK(bk_server_wait(s) == 0);
    double waited = now_s() - t0;
    CHECK(drains == 2);
    CHECK(closes == 2);
    CHECK(busy_at_close == 0);
    CHECK(waited >= 0.29); /* the subsystems' 300 ms of in-flight work was waited for */
    CHECK(idle_at >= drained_at);
    bk_app_free(app);
}

/* ---- start-up failures return an error and leave nothing running ------------------------ */

static void test_worker_start_failure(void)
{
    inits = drains = closes = 0;
    fail_init_on = 2; /* the second worker's subsystem fails */
    bk_app *app = bk_app_new();
    CHECK(app && bk__app_add_subsystem(app, &fake) == 0);
    bk_server *s = (bk_server *)1;
    bk_config cfg;
    bk_config_default(&cfg);
    cfg.port = 0;
    cfg.workers = 2;
    cfg.log_level = BK_LOG_CRITICAL;
    double t0 = now_s();
    int err = bk_server_start(&s, app, &cfg);
    CHECK(err == BK_EADDRINUSE); /* the worker's own error */
    CHECK(s == NULL);
    CHECK(now_s() - t0 < 5);
    CHECK(closes == 1); /* the instance that did start was closed */
    bk_app_free(app);
    fail_init_on = 0;
}

static void test_busy_port(void)
{
    bk_app *app = bk_app_new();
    CHECK(app && bk_get(app, "/hello", h_hello) == 0);
    bk_server *first = test_server_start(app, NULL);
    CHECK(first != NULL);
    if (!first)
        return;
    bk_config cfg;
    bk_config_default(&cfg);
    cfg.port = bk_server_port(first);
    cfg.log_level = BK_LOG_CRITICAL;
    bk_server *second = NULL;
    CHECK(bk_server_start(&second, app, &cfg) == BK_EADDRINUSE);
    CHECK(second == NULL);
    cfg.host = "no such host.invalid";
    CHECK(bk_server_start(&second, app, &cfg) == BK_EINVAL);
    cfg.host = "127.0.0.1";
    cfg.workers = -1;
    CHECK(bk_server_start(&second, app, &cfg) == BK_EINVAL);
    CHECK(test_server_stop(first) == 0);
    bk_app_free(app);
}

/* A worker thread that cannot be created (out of address space for its stack): in a child
 * process with a low RLIMIT_AS, bk_server_start must return an error, not hang or crash, and
 * leave nothing running. Not under ASan, which reserves terabytes of shadow memory up front. */
static void test_thread_start_failure(void)
{
#if !defined(BRISK_ASAN)
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        bk_app *app = bk_app_new();
        if (!app)
            _exit(3);
        struct rlimit as;
        getrlimit(RLIMIT_AS, &as);
        /* room for what the process maps now plus a few 8 MiB thread stacks, not 64 */
        FILE *f = fopen("/proc/self/statm", "r");
        unsigned long pages = 0;
        if (!f || fscanf(f, "%lu", &pages) != 1)
            _exit(3);
        fclose(f);
        as.rlim_cur = pages * (unsigned long)sysconf(_SC_PAGESIZE) + 64ul * 1024 * 1024;
        if (setrlimit(RLIMIT_AS, &as) != 0)
            _exit(3);
        bk_config cfg;
        bk_config_default(&cfg);
        cfg.port = 0;
        cfg.workers = 64;
        cfg.log_level = BK_LOG_CRITICAL;
        bk_server *s = NULL;
        int err = bk_server_start(&s, app, &cfg);
        _exit(err != 0 && s == NULL ? 0 : 4);
    }
    int status = 0;
    double t0 = now_s();
    while (waitpid(pid, &status, WNOHANG) == 0 && now_s() - t0 < 20) {
        struct timespec ms10 = {0, 10 * 1000 * 1000};
        nanosleep(&ms10, NULL);
    }
    int exited = WIFEXITED(status);
    if (!exited) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
    }
    CHECK(exited && WEXITSTATUS(status) == 0); /* returned an error, in time */
#endif
}

int main(void)
{
    test_embedded_start_stop();
    test_stop_waits_for_inflight();
    test_subsystems_drained_before_stop();
    test_worker_start_failure();
    test_thread_start_failure();
    test_busy_port();
    return check_result("test_server");
}
