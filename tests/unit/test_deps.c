/* Dependencies that await, and the per-request cache: a dependency awaits a timer (as one opening
 * a database session would) before the handler gets its value; a sub-dependency two others share
 * runs once per request, before them; its errors and the handler's own join one 422. */
#include "brisk.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

static int shared_runs; /* how often `shared` ran, over the whole test */

typedef struct limit_in {
    int64_t limit;
} limit_in;
static const bk_field limit_fields[] = {
    BK_FIELD(limit_in, limit, BK_FROM_QUERY, BK_GE(1), BK_DEFAULT("10")), BK_END};
static const bk_model limit_params = BK_MODEL(limit_in, "shared", limit_fields);

/* The sub-dependency: awaits, then counts its runs. */
static int shared(bk_req *req, const void *params, void *out)
{
    int rc = bk_sleep(req, 30);
    if (rc)
        return rc;
    *(int64_t *)out = ((const limit_in *)params)->limit * 100 + ++shared_runs;
    return 0;
}
static const bk_dep shared_dep = {
    .name = "shared", .params = &limit_params, .size = sizeof(int64_t), .fn = shared};

static int left(bk_req *req, const void *params, void *out)
{
    (void)params;
    *(int64_t *)out = *BK_DEP(req, &shared_dep, int64_t) + 1;
    return 0;
}
static int right(bk_req *req, const void *params, void *out)
{
    (void)params;
    *(int64_t *)out = *BK_DEP(req, &shared_dep, int64_t) + 2;
    return 0;
}
static const bk_dep left_dep = {
    .name = "left", .size = sizeof(int64_t), .fn = left, .deps = BK_DEPS(&shared_dep)};
static const bk_dep right_dep = {
    .name = "right", .size = sizeof(int64_t), .fn = right, .deps = BK_DEPS(&shared_dep)};

typedef struct q_in {
    int64_t q;
} q_in;
static const bk_field q_fields[] = {BK_FIELD(q_in, q, BK_FROM_QUERY), BK_END};
static const bk_model q_params = BK_MODEL(q_in, "both", q_fields);

static void both(bk_req *req)
{
    char body[96];
    snprintf(body, sizeof(body), "{\"left\":%lld,\"right\":%lld,\"q\":%lld}",
             (long long)*BK_DEP(req, &left_dep, int64_t),
             (long long)*BK_DEP(req, &right_dep, int64_t), (long long)BK_PARAMS(req, q_in)->q);
    bk_send_json(req, 200, body);
}

static void expect(bk_test_client *tc, const char *target, int status, const char *body)
{
    bk_test_response *r = NULL;
    CHECK(bk_test_get(tc, target, &r) == 0 && r);
    if (!r)
        return;
    size_t len;
    const char *got = bk_test_body(r, &len);
    if (bk_test_status(r) != status || len != strlen(body) || memcmp(got, body, len) != 0) {
        fprintf(stderr, "%s: expected %d %s\n  got %d %.*s\n", target, status, body,
                bk_test_status(r), (int)len, got);
        check_failures++;
    }
    bk_test_response_free(r);
}

int main(void)
{
    bk_app *app = bk_app_new();
    CHECK(BK_OP(app, BK_GET, "/both", both, .params = &q_params,
                .deps = BK_DEPS(&left_dep, &right_dep)) == 0);
    bk_test_client *tc = NULL;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);

    /* shared ran once (run 1) for both dependents, after awaiting its timer (a failed await
     * would have answered 500) */
    expect(tc, "/both?q=7&limit=3", 200, "{\"left\":302,\"right\":303,\"q\":7}");
    expect(tc, "/both?q=8", 200, "{\"left\":1003,\"right\":1004,\"q\":8}"); /* run 2 */
    CHECK(shared_runs == 2);
    /* The sub-dependency's error and the handler's join one 422, dependencies' first, and
     * nothing ran. A failed dependency is not cached, so each dependent reports its error: twice
     * here, as FastAPI's answer for the same program is (checked on the reference). */
    expect(tc, "/both?limit=0", 422,
           "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],"
           "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
           "\"ctx\":{\"ge\":1}},{\"type\":\"greater_than_equal\",\"loc\":[\"query\","
           "\"limit\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
           "\"ctx\":{\"ge\":1}},{\"type\":\"missing\",\"loc\":[\"query\",\"q\"],"
           "\"msg\":\"Field required\",\"input\":null}]}");
    CHECK(shared_runs == 2);

    bk_test_client_free(tc);
    bk_app_free(app);
    return check_result("test_deps");
}
