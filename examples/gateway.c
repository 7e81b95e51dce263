/* An API gateway in a few lines: GET /aggregate?n=N calls an upstream service N times at once
 * and answers {"calls": N, "ok": K}, K being the calls that got a 200.
 *
 * The upstream is $UPSTREAM_URL (e.g. http://127.0.0.1:9000); each call is GET $UPSTREAM_URL/wait.
 * The N calls run as child tasks of the request (asyncio.gather), so they take as long as the
 * slowest one, not their sum, and the worker serves other requests meanwhile. Connections to
 * the upstream are kept and reused by later calls. If the client goes away, the calls in flight
 * are cancelled and their connections closed.
 *
 *   UPSTREAM_URL=http://127.0.0.1:9000 ./gateway --port 8000 */
#include <brisk.h>

#include <stdio.h>
#include <stdlib.h>

#define MAX_CALLS 1000

/* One call to the upstream: 0 when it answered 200. */
static int call_upstream(bk_task *task, void *arg)
{
    bk_fetch_result *r = NULL;
    int rc = bk_fetch(task, arg, NULL, &r);
    if (rc == 0 && bk_fetch_status(r) != 200)
        rc = BK_EPROTO;
    bk_fetch_result_free(r);
    return rc;
}

static void aggregate(bk_req *req)
{
    const char *url = bk_req_udata(req);
    const char *n_arg = bk_req_query(req, "n");
    long n = n_arg ? strtol(n_arg, NULL, 10) : 1;
    if (n < 1 || n > MAX_CALLS)
        return (void)bk_send_error(req, 422, "n must be 1..1000");
    int *results = bk_req_alloc(req, (size_t)n * sizeof(*results));
    bk_group *g = bk_group_new(bk_req_task(req), 0);
    if (!results || !g)
        return (void)bk_send_error(req, 503, "out of memory");
    for (long i = 0; i < n; i++)
        if (bk_group_spawn(g, call_upstream, (void *)url) != 0)
            break;
    int calls = bk_group_size(g);
    if (bk_group_wait(g, results) == BK_ECANCELED)
        return; /* the client left: nobody to answer */
    int ok = 0;
    for (int i = 0; i < calls; i++)
        ok += results[i] == 0;
    char body[64];
    snprintf(body, sizeof(body), "{\"calls\":%ld,\"ok\":%d}", n, ok);
    bk_send_json(req, 200, body);
}

int main(int argc, char **argv)
{
    const char *upstream = getenv("UPSTREAM_URL");
    if (!upstream || !*upstream) {
        fprintf(stderr, "gateway: set UPSTREAM_URL (e.g. http://127.0.0.1:9000)\n");
        return 2;
    }
    char url[2048];
    if (snprintf(url, sizeof(url), "%s/wait", upstream) >= (int)sizeof(url)) {
        fprintf(stderr, "gateway: UPSTREAM_URL is too long\n");
        return 2;
    }
    bk_app *app = bk_app_new();
    if (!app || bk_route(app, BK_GET, "/aggregate", aggregate, url) != 0) {
        fprintf(stderr, "gateway: out of memory\n");
        bk_app_free(app);
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
