/* The uvicorn-like runner: defaults, command-line flags, and bk_run, which owns the process:
 * its signals, its fd limit, its log lines. Everything it serves with is the library's
 * bk_server_start / bk_server_stop / bk_server_wait. */
#include "loop/worker.h"
#include "util/log.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

void bk_config_default(bk_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->host = "127.0.0.1";
    cfg->port = 8000;
    cfg->workers = 1;
    cfg->backlog = 2048;
    cfg->log_level = BK_LOG_INFO;
    cfg->access_log = 1;
    cfg->graceful_timeout = 10;
    cfg->keepalive_timeout = 5;
    cfg->header_timeout = 10;
    cfg->body_timeout = 30;
    cfg->max_header_size = 16 * 1024;
    cfg->max_url_size = 8 * 1024;
    cfg->max_body_size = 1024 * 1024;
    cfg->stack_size = 64 * 1024;
    cfg->threads = 40;
    cfg->thread_queue = 1000;
    cfg->proxy_headers = 1;
    cfg->forwarded_allow_ips = NULL; /* $FORWARDED_ALLOW_IPS or 127.0.0.1, read at start */
    cfg->root_path = "";
}

static const char usage[] =
    "Usage: %s [OPTIONS]\n"
    "\n"
    "Serves this brisk application.\n"
    "\n"
    "Options:\n"
    "  --host TEXT                 Bind socket to this host.  [default: 127.0.0.1]\n"
    "  --port INTEGER              Bind socket to this port (0: any free port).  [default: 8000]\n"
    "  --workers INTEGER           Number of worker threads, 0 for one per core.  [default: 1]\n"
    "  --log-level LEVEL           critical, error, warning, info, debug or trace.  [default: "
    "info]\n"
    "  --no-access-log             Disable the access log.\n"
    "  --backlog INTEGER           Maximum number of connections waiting to be accepted.  "
    "[default: 2048]\n"
    "  --graceful-timeout FLOAT    Seconds in-flight requests get to finish at shutdown.  "
    "[default: 10]\n"
    "  --timeout-keep-alive FLOAT  Close keep-alive connections idle this long (s).  [default: 5]\n"
    "  --timeout-header FLOAT      Seconds a client gets to send a request's headers.  [default: "
    "10]\n"
    "  --timeout-body FLOAT        Longest silence while reading a request body (s).  [default: "
    "30]\n"
    "  --max-body-size BYTES       Larger request bodies get 413.  [default: 1048576]\n"
    "  --stack-size BYTES          Stack of each handler coroutine.  [default: 65536]\n"
    "  --limit-concurrency INTEGER Answer 503 beyond this many requests in flight.\n"
    "  --threads INTEGER           Threads for blocking code (bk_run_blocking, blocking routes).  "
    "[default: 40]\n"
    "  --thread-queue INTEGER      Blocking jobs that may wait for a thread; beyond, 503.  "
    "[default: 1000]\n"
    "  --proxy-headers / --no-proxy-headers\n"
    "                              Read X-Forwarded-Proto and X-Forwarded-For from trusted\n"
    "                              proxies for the scheme and the client.  [default: on]\n"
    "  --forwarded-allow-ips TEXT  Comma-separated IPs or networks to trust proxy headers from,\n"
    "                              '*' for all.  [default: $FORWARDED_ALLOW_IPS or 127.0.0.1]\n"
    "  --root-path TEXT            The path prefix a proxy serves the app under (redirects\n"
    "                              include it).\n"
    "  --help                      Show this message and exit.\n";

static int parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v > 0) || v > 86400 * 365)
        return -1;
    *out = v;
    return 0;
}

static int parse_level(const char *s, bk_log_level *out)
{
    static const char *const names[] = {"trace", "debug", "info", "warning", "error", "critical"};
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (bk_log_level)i;
            return 0;
        }
    return -1;
}

/* Applies one flag that takes a value; returns 0 or -1 when the value is invalid. */
static int apply_flag(bk_config *cfg, const char *flag, const char *value)
{
    long n;
    if (strcmp(flag, "--host") == 0) {
        cfg->host = value;
        return *value ? 0 : -1;
    }
    if (strcmp(flag, "--port") == 0)
        return parse_long(value, 0, 65535, &n) ? -1 : (cfg->port = (int)n, 0);
    if (strcmp(flag, "--workers") == 0)
        return parse_long(value, 0, 1024, &n) ? -1 : (cfg->workers = (int)n, 0);
    if (strcmp(flag, "--backlog") == 0)
        return parse_long(value, 1, 65535, &n) ? -1 : (cfg->backlog = (int)n, 0);
    if (strcmp(flag, "--log-level") == 0)
        return parse_level(value, &cfg->log_level);
    if (strcmp(flag, "--graceful-timeout") == 0)
        return parse_seconds(value, &cfg->graceful_timeout);
    if (strcmp(flag, "--timeout-keep-alive") == 0)
        return parse_seconds(value, &cfg->keepalive_timeout);
    if (strcmp(flag, "--timeout-header") == 0)
        return parse_seconds(value, &cfg->header_timeout);
    if (strcmp(flag, "--timeout-body") == 0)
        return parse_seconds(value, &cfg->body_timeout);
    if (strcmp(flag, "--max-body-size") == 0)
        return parse_long(value, 0, 1L << 40, &n) ? -1 : (cfg->max_body_size = (size_t)n, 0);
    if (strcmp(flag, "--limit-concurrency") == 0)
        return parse_long(value, 1, 1L << 30, &n) ? -1 : (cfg->limit_concurrency = (int)n, 0);
    if (strcmp(flag, "--threads") == 0)
        return parse_long(value, 1, 4096, &n) ? -1 : (cfg->threads = (int)n, 0);
    if (strcmp(flag, "--thread-queue") == 0)
        return parse_long(value, 0, 1L << 24, &n) ? -1 : (cfg->thread_queue = (int)n, 0);
    if (strcmp(flag, "--forwarded-allow-ips") == 0) {
        cfg->forwarded_allow_ips = value;
        return 0;
    }
    if (strcmp(flag, "--root-path") == 0) {
        cfg->root_path = value;
        return 0;
    }
    if (strcmp(flag, "--stack-size") == 0)
        return parse_long(value, 16384, 1L << 30, &n) ? -1 : (cfg->stack_size = (size_t)n, 0);
    return -2;
}

int bk_config_parse_args(bk_config *cfg, int argc, char **argv)
{
    const char *prog = argc > 0 ? argv[0] : "brisk";
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf(usage, prog);
            return 1;
        }
        if (strcmp(arg, "--no-access-log") == 0) {
            cfg->access_log = 0;
            continue;
        }
        if (strcmp(arg, "--proxy-headers") == 0 || strcmp(arg, "--no-proxy-headers") == 0) {
            cfg->proxy_headers = arg[2] == 'p';
            continue;
        }
        char flag[64];
        const char *value;
        const char *eq = strchr(arg, '=');
        if (eq && (size_t)(eq - arg) < sizeof(flag)) { /* --port=8000 */
            memcpy(flag, arg, (size_t)(eq - arg));
            flag[eq - arg] = '\0';
            value = eq + 1;
        } else {
            snprintf(flag, sizeof(flag), "%s", arg);
            value = i + 1 < argc ? argv[i + 1] : NULL;
            if (value)
                i++;
        }
        int r = value ? apply_flag(cfg, flag, value) : apply_flag(cfg, flag, "");
        if (r == -2) {
            fprintf(stderr, "Error: No such option: %s (try --help)\n", flag);
            return BK_EINVAL;
        }
        if (r != 0 || !value) {
            fprintf(stderr, "Error: Invalid value for '%s': '%s' (try --help)\n", flag,
                    value ? value : "");
            return BK_EINVAL;
        }
    }
    return 0;
}

/* The main thread's part: turn SIGINT/SIGTERM into a graceful stop, and wait. */
typedef struct runner {
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;
    uv_async_t exited;
    bk_server *server;
    int signals;
} runner;

static void close_runner_handles(runner *r)
{
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    uv_close((uv_handle_t *)&r->exited, NULL);
}

static void on_exited(uv_async_t *a)
{
    close_runner_handles(a->data);
}

static void on_signal(uv_signal_t *h, int signum)
{
    runner *r = h->data;
    if (++r->signals > 1) {
        bk__log(BK_LOG_WARNING, "Second signal: exiting at once");
        fflush(stdout);
        _exit(1);
    }
    bk__log(BK_LOG_INFO, "Shutting down (%s): finishing in-flight requests",
            signum == SIGINT ? "SIGINT" : "SIGTERM");
    bk_server_stop(r->server);
}

static int runner_init(runner *r, bk_server *s)
{
    memset(r, 0, sizeof(*r));
    r->server = s;
    int err = uv_loop_init(&r->loop);
    if (err)
        return err;
    uv_signal_init(&r->loop, &r->sigint);
    uv_signal_init(&r->loop, &r->sigterm);
    err = uv_async_init(&r->loop, &r->exited, on_exited);
    r->sigint.data = r->sigterm.data = r->exited.data = r;
    if (!err)
        err = uv_signal_start(&r->sigint, on_signal, SIGINT);
    if (!err)
        err = uv_signal_start(&r->sigterm, on_signal, SIGTERM);
    if (err) {
        close_runner_handles(r);
        uv_run(&r->loop, UV_RUN_DEFAULT);
        uv_loop_close(&r->loop);
    }
    return err;
}

/* Each connection is a file descriptor: use all the kernel allows, as nginx's
 * worker_rlimit_nofile does, instead of failing at the distribution's default soft limit. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            bk__log(BK_LOG_WARNING, "cannot raise the open-file limit: %s", strerror(errno));
    }
}

static void log_running(const bk_config *cfg, bk_server *s)
{
    const char *host = cfg->host;
    int v6 = strchr(host, ':') != NULL;
    int n = cfg->workers > 0 ? cfg->workers : (int)uv_available_parallelism();
    bk__log(BK_LOG_INFO, "brisk running on http://%s%s%s:%d (%d worker%s) (Press CTRL+C to quit)",
            v6 ? "[" : "", host, v6 ? "]" : "", bk_server_port(s), n, n > 1 ? "s" : "");
    fflush(stderr);
}

/* uvicorn's first line, said once the port is ours and before the application's start-up. */
static void log_started(void *arg)
{
    (void)arg;
    bk__log(BK_LOG_INFO, "Started server process [%d]", (int)getpid());
}

/* uvicorn's exit code for an application whose start-up failed. */
#define EXIT_STARTUP_FAILURE 3

int bk_run_config(bk_app *app, const bk_config *cfg)
{
    bk__log_set_level(cfg->log_level);
    raise_fd_limit();
    bk_server *s;
    int err = bk__server_start(&s, app, cfg, log_started, NULL);
    if (err) /* bk__server_start said why */
        return err == BK_ESTARTUP ? EXIT_STARTUP_FAILURE : 2;
    runner r;
    err = runner_init(&r, s);
    if (err) {
        bk__log(BK_LOG_ERROR, "cannot watch for signals: %s", bk_strerror(err));
        bk_server_stop(s);
    } else {
        log_running(cfg, s);
        bk__server_notify_exit(s, &r.exited);
        uv_run(&r.loop, UV_RUN_DEFAULT);
        uv_loop_close(&r.loop);
    }
    bk_server_wait(s);
    bk__log(BK_LOG_INFO, "Finished server process [%d]", (int)getpid());
    return err ? 2 : 0;
}

int bk_run(bk_app *app, int argc, char **argv)
{
    bk_config cfg;
    bk_config_default(&cfg);
    int r = bk_config_parse_args(&cfg, argc, argv);
    if (r == 1)
        return 0;
    if (r != 0)
        return 2;
    return bk_run_config(app, &cfg);
}
