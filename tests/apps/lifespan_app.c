/* lifespan_app — an app with start-up and shutdown hooks, for tests/http/test_lifespan.py.
 * Public API only.
 *
 * Each worker's start-up hook awaits (as opening a pool would) and seeds the worker's state; a
 * second one can be made to fail on one worker (LIFESPAN_FAIL_WORKER=N). The shutdown hooks
 * await too, report how many requests their worker completed, and free the state; one can be
 * made to fail (LIFESPAN_FAIL_SHUTDOWN=1). Hooks say what they do on stderr, one line each. */
#include <brisk.h>

#include <stdio.h>
#include <stdlib.h>

/* One per worker: set up by its start-up hook, reached by its handlers, freed at shutdown. */
typedef struct worker_state {
    int worker;
    char seed[48];
    long completed; /* /sleep requests answered */
} worker_state;

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    return s && *s ? atoi(s) : dflt;
}

static int seed(bk_task *task, void *arg)
{
    (void)arg;
    int err = bk_task_sleep(task, 50);
    if (err)
        return err;
    worker_state *st = calloc(1, sizeof(*st));
    if (!st)
        return BK_ENOMEM;
    st->worker = bk_worker_index(task);
    snprintf(st->seed, sizeof(st->seed), "seeded by worker %d", st->worker);
    fprintf(stderr, "lifespan: startup worker %d\n", st->worker);
    return bk_worker_set_state(task, st);
}

static int maybe_fail(bk_task *task, void *arg)
{
    (void)arg;
    return bk_worker_index(task) == env_int("LIFESPAN_FAIL_WORKER", -1) ? BK_ECONNREFUSED : 0;
}

static int report_and_free(bk_task *task, void *arg)
{
    (void)arg;
    worker_state *st = bk_worker_state(task);
    int err = bk_task_sleep(task, 50); /* a shutdown hook may await: the loop still runs */
    fprintf(stderr, "lifespan: shutdown worker %d after %ld request(s)%s\n", bk_worker_index(task),
            st ? st->completed : 0L, st ? "" : " (no state)");
    free(st);
    bk_worker_set_state(task, NULL);
    return err;
}

static int maybe_fail_shutdown(bk_task *task, void *arg)
{
    (void)task;
    (void)arg;
    return env_int("LIFESPAN_FAIL_SHUTDOWN", 0) ? BK_ECONNRESET : 0;
}

static void state(bk_req *req)
{
    const worker_state *st = bk_worker_state(bk_req_task(req));
    if (!st) {
        bk_send_error(req, 500, "no worker state");
        return;
    }
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "worker");
    bk_json_int(j, st->worker);
    bk_json_key(j, "seed");
    bk_json_string(j, st->seed);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void sleep_then_count(bk_req *req)
{
    const char *ms = bk_req_query(req, "ms");
    if (bk_sleep(req, ms ? strtoull(ms, NULL, 10) : 0) != 0)
        return;
    worker_state *st = bk_worker_state(bk_req_task(req));
    if (st)
        st->completed++;
    bk_send_json(req, 200, "{\"slept\":true}");
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app || bk_get(app, "/state", state) || bk_get(app, "/sleep", sleep_then_count) ||
        bk_app_on_startup(app, seed, NULL) || bk_app_on_startup(app, maybe_fail, NULL) ||
        bk_app_on_shutdown(app, report_and_free, NULL) ||
        bk_app_on_shutdown(app, maybe_fail_shutdown, NULL)) {
        fprintf(stderr, "lifespan_app: cannot set up the app\n");
        return 1;
    }
    int rc = bk_run(app, argc, argv);
    bk_app_free(app);
    return rc;
}
