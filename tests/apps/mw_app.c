/* mw_app — middleware, routing and runner behaviours for tests/http/test_middleware.py and
 * test_proxy_headers.py. Public API only.
 *
 *   mw_app [runner flags...] --app NAME [runner flags...]
 *
 * NAME picks the middleware stack, the way a FastAPI program would add_middleware: plain (none),
 * cors_list, cors_star, cors_cred, cors_regex, cors_default, gzip, gzip_cors, trusted,
 * trusted_nowww, https, custom (the test middleware below). Every app has the same routes. */
#include <brisk.h>

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the test middleware saw (one worker in the tests that read them). */
static _Atomic long mw_entered, mw_cancelled, mw_cleaned;

/* ---- routes ---------------------------------------------------------------------------- */

static void items(bk_req *req)
{
    bk_send_json(req, 200, "[{\"id\":1}]");
}
static void items_post(bk_req *req)
{
    bk_send_json(req, 200, "{\"ok\":true}");
}
static void dir(bk_req *req)
{
    bk_send_json(req, 200, "{\"dir\":true}");
}
static void cafe(bk_req *req)
{
    bk_send_json(req, 200, "{}");
}

/* `n` repetitions of `ch` as text/plain. */
static void repeat(bk_req *req, int status, const char *type, char ch, size_t n)
{
    char *body = bk_req_alloc(req, n + 1);
    if (!body)
        return;
    memset(body, ch, n);
    bk_send(req, status, type, body, n);
}

static void big(bk_req *req)
{
    repeat(req, 200, "text/plain; charset=utf-8", 'x', 1000);
}
static void small(bk_req *req)
{
    repeat(req, 200, "text/plain; charset=utf-8", 'x', 10);
}
static void exact(bk_req *req)
{
    const char *n = bk_req_query(req, "n");
    repeat(req, 200, "text/plain; charset=utf-8", 'y', n ? strtoul(n, NULL, 10) : 500);
}
static void encoded(bk_req *req)
{
    bk_set_header(req, "Content-Encoding", "br");
    repeat(req, 200, NULL, 'z', 1000);
}
static void sse(bk_req *req)
{
    static const char event[] = "data: x\n\n";
    char body[sizeof(event) * 200];
    for (int i = 0; i < 200; i++)
        memcpy(body + i * (sizeof(event) - 1), event, sizeof(event) - 1);
    bk_send(req, 200, "text/event-stream; charset=utf-8", body, 200 * (sizeof(event) - 1));
}
static void vary(bk_req *req)
{
    bk_set_header(req, "Vary", "Cookie");
    repeat(req, 200, "text/plain; charset=utf-8", 'v', 1000);
}
/* brisk's analog of an endpoint that raises: it returns without answering */
static void crash(bk_req *req)
{
    (void)req;
}
static void teapot(bk_req *req)
{
    bk_send_error(req, 418, "teapot");
}
/* Answers after ?ms= milliseconds. */
static void sleepy(bk_req *req)
{
    const char *ms = bk_req_query(req, "ms");
    if (bk_sleep(req, ms ? strtoull(ms, NULL, 10) : 1000) == 0)
        bk_send_json(req, 200, "{\"slept\":true}");
}
/* What the request says of where it came from. */
static void client(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "peer");
    bk_json_string(j, bk_req_peer(req));
    bk_json_key(j, "scheme");
    bk_json_string(j, bk_req_scheme(req));
    bk_json_key(j, "root_path");
    bk_json_string(j, bk_req_root_path(req));
    bk_json_key(j, "path");
    bk_json_string(j, bk_req_path(req));
    bk_json_object_end(j);
    bk_json_send(req);
}
static void stats(bk_req *req)
{
    char json[160];
    snprintf(json, sizeof json, "{\"entered\":%ld,\"cancelled\":%ld,\"cleaned\":%ld}",
             atomic_load(&mw_entered), atomic_load(&mw_cancelled), atomic_load(&mw_cleaned));
    bk_send_json(req, 200, json);
}

/* ---- the test middleware (app "custom") -------------------------------------------------- */

/* Appends X-Order: <arg> on the way out: tells the order layers ran in. */
static void order(bk_req *req, void *arg)
{
    if (bk_next(req) == 0)
        bk_add_header(req, "X-Order", arg);
}

/* Answers /short itself: its inside never runs. */
static void short_circuit(bk_req *req, void *arg)
{
    (void)arg;
    if (strcmp(bk_req_path(req), "/short") == 0) {
        bk_set_header(req, "X-Short", "1");
        bk_send_text(req, 403, "short-circuited");
        return;
    }
    bk_next(req);
}

static void cleanup(void *arg)
{
    free(arg);
    atomic_fetch_add(&mw_cleaned, 1);
}

/* With X-Mw-Sleep: MS, awaits before and after the inside, holding memory released by a
 * deferred call (a leak if a cancelled request skipped it); X-Next-Again reports what a
 * second bk_next returns; X-Mw-Status and X-Mw-Upper change the answer afterwards. */
static void awaiting(bk_req *req, void *arg)
{
    (void)arg;
    const char *ms = bk_req_header(req, "x-mw-sleep");
    if (!ms) {
        bk_next(req);
        return;
    }
    atomic_fetch_add(&mw_entered, 1);
    char *held = malloc(64);
    if (!held || bk_defer(req, cleanup, held) != 0)
        return;
    uint64_t wait = strtoull(ms, NULL, 10);
    int rc = bk_sleep(req, wait);
    if (rc == 0)
        rc = bk_next(req);
    if (rc == 0)
        rc = bk_sleep(req, wait);
    if (rc == BK_ECANCELED) {
        atomic_fetch_add(&mw_cancelled, 1);
        return;
    }
    if (rc != 0)
        return;
    char again[16];
    snprintf(again, sizeof again, "%d", bk_next(req));
    bk_set_header(req, "X-Next-Again", again);
    const char *status = bk_req_header(req, "x-mw-status");
    if (status)
        bk_response_set_status(req, atoi(status));
    if (bk_req_header(req, "x-mw-upper")) {
        size_t len;
        const char *body = bk_response_body(req, &len);
        char *up = bk_req_alloc(req, len + 1);
        for (size_t i = 0; up && i < len; i++)
            up[i] = (char)toupper((unsigned char)body[i]);
        if (up)
            bk_response_set_body(req, up, len);
    }
}

/* Reports what bk_next returns when the inside answered nothing (/crash). */
static void observer(bk_req *req, void *arg)
{
    (void)arg;
    int rc = bk_next(req);
    if (strcmp(bk_req_path(req), "/crash") == 0) {
        char line[64];
        snprintf(line, sizeof line, "observer: bk_next returned %d", rc);
        fprintf(stderr, "%s\n", line);
        bk_set_header(req, "X-Observer", "dropped with the 500");
    }
}

static int add_custom(bk_app *app)
{
    int rc = bk_app_use(app, order, "first");
    rc |= bk_app_use(app, awaiting, NULL);
    rc |= bk_app_use(app, short_circuit, NULL);
    rc |= bk_app_use(app, observer, NULL);
    rc |= bk_app_use(app, order, "second");
    return rc;
}

/* ---- the stacks ---------------------------------------------------------------------- */

static int add_stack(bk_app *app, const char *name)
{
    static const char *const list_origins[] = {"https://a.example", "https://b.example", NULL};
    static const char *const star[] = {"*", NULL};
    static const char *const get_post[] = {"GET", "POST", NULL};
    static const char *const x_token[] = {"X-Token", NULL};
    static const char *const expose[] = {"X-Total", "X-Other", NULL};
    static const char *const a_origin[] = {"https://a.example", NULL};
    static const char *const hosts[] = {"example.com", "*.example.org", "www.site.com", NULL};
    static const char *const www_only[] = {"www.site.com", NULL};
    if (strcmp(name, "plain") == 0)
        return 0;
    if (strcmp(name, "cors_list") == 0)
        return bk_cors(app, &(bk_cors_opts){.allow_origins = list_origins,
                                            .allow_methods = get_post,
                                            .allow_headers = x_token,
                                            .expose_headers = expose,
                                            .max_age = 300});
    if (strcmp(name, "cors_star") == 0)
        return bk_cors(
            app,
            &(bk_cors_opts){.allow_origins = star, .allow_methods = star, .allow_headers = star});
    if (strcmp(name, "cors_cred") == 0)
        return bk_cors(app, &(bk_cors_opts){.allow_origins = star,
                                            .allow_methods = star,
                                            .allow_headers = star,
                                            .allow_credentials = 1});
    if (strcmp(name, "cors_regex") == 0)
        return bk_cors(app, &(bk_cors_opts){.allow_origin_regex = "https://.*\\.example\\.org",
                                            .allow_credentials = 1});
    if (strcmp(name, "cors_default") == 0)
        return bk_cors(app, &(bk_cors_opts){0});
    if (strcmp(name, "gzip") == 0)
        return bk_gzip(app, 500, 9);
    if (strcmp(name, "gzip_cors") == 0)
        return bk_gzip(app, 500, 9) | bk_cors(app, &(bk_cors_opts){.allow_origins = a_origin});
    if (strcmp(name, "trusted") == 0)
        return bk_trusted_host(app, hosts, 1);
    if (strcmp(name, "trusted_nowww") == 0)
        return bk_trusted_host(app, www_only, 0);
    if (strcmp(name, "https") == 0)
        return bk_https_redirect(app);
    if (strcmp(name, "custom") == 0)
        return add_custom(app);
    fprintf(stderr, "mw_app: no app named %s\n", name);
    return -1;
}

int main(int argc, char **argv)
{
    const char *name = "plain";
    for (int i = 1; i + 1 < argc; i++) { /* --app NAME is ours; the rest are the runner's */
        if (strcmp(argv[i], "--app") != 0)
            continue;
        name = argv[i + 1];
        memmove(argv + i, argv + i + 2, (size_t)(argc - i - 1) * sizeof(*argv));
        argc -= 2;
        break;
    }
    bk_app *app = bk_app_new();
    if (!app)
        return 1;
    int rc = bk_get(app, "/items", items);
    rc |= bk_post(app, "/items", items_post);
    rc |= bk_get(app, "/dir/", dir);
    rc |= bk_get(app, "/caf\xc3\xa9", cafe);
    rc |= bk_get(app, "/big", big);
    rc |= bk_get(app, "/small", small);
    rc |= bk_get(app, "/exact", exact);
    rc |= bk_get(app, "/encoded", encoded);
    rc |= bk_get(app, "/sse", sse);
    rc |= bk_get(app, "/vary", vary);
    rc |= bk_get(app, "/crash", crash);
    rc |= bk_get(app, "/teapot", teapot);
    rc |= bk_get(app, "/sleep", sleepy);
    rc |= bk_get(app, "/client", client);
    rc |= bk_get(app, "/mw-stats", stats);
    rc |= bk_get(app, "/short", items);
    rc |= bk_route_with(app, BK_GET, "/deadline", sleepy, &(bk_route_opts){.timeout_ms = 100});
    if (rc != 0 || add_stack(app, name) != 0) {
        fprintf(stderr, "mw_app: setting up %s failed\n", name);
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
