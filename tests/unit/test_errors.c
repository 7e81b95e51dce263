/* Errors a handler raises, through the in-process test client: bk_abort (FastAPI's
 * HTTPException) with a JSON detail and headers, and through an app's own handler for it; an
 * application error kind with and without a handler (500); the app's own handler replacing the
 * 422 (RequestValidationError); a handler that answers nothing (500). */
#include "brisk.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

typedef struct qty_in {
    int64_t qty;
} qty_in;
static const bk_field qty_fields[] = {BK_FIELD(qty_in, qty, BK_FROM_QUERY, BK_GE(1)), BK_END};
static const bk_model qty_params = BK_MODEL(qty_in, "qty", qty_fields);

static const bk_error_kind out_of_stock = {"OutOfStock"};
static const bk_error_kind unhandled = {"Unhandled"};

static void order(bk_req *req)
{
    int64_t q = BK_PARAMS(req, qty_in)->qty;
    if (q > 100) {
        bk_set_header(req, "X-Limit", "100");
        bk_abort(req, 409, "{\"reason\":\"too many\",\"max\":100}");
    } else if (q > 10) {
        bk_raise(req, &out_of_stock, &q);
    } else if (q > 5) {
        bk_raise(req, &unhandled, NULL);
    } else if (q > 1) {
        return; /* no answer */
    } else {
        bk_send_json(req, 200, "{\"ok\":true}");
    }
}

static int out_of_stock_handler(bk_req *req, void *arg)
{
    char body[64];
    snprintf(body, sizeof(body), "{\"message\":\"only 10 left, not %lld\"}",
             (long long)*(int64_t *)arg);
    return bk_send_json(req, 418, body);
}

static int http_error_handler(bk_req *req, void *arg)
{
    const bk_http_error_info *e = arg;
    char body[128];
    snprintf(body, sizeof(body), "{\"error\":%s,\"status\":%d}", e->detail_json, e->status);
    return bk_send_json(req, e->status, body);
}

static int validation_handler(bk_req *req, void *arg)
{
    const bk_validation_info *v = arg;
    bk_buf b = {0};
    bk_buf_append_str(&b, "{\"errors\":");
    bk_buf_append(&b, v->errors_json, v->errors_len);
    bk_buf_append_str(&b, "}");
    bk_buf_append(&b, "", 1);
    int rc = bk_send_json(req, 400, b.data);
    bk_buf_free(&b);
    return rc;
}

static bk_app *make_app(int custom)
{
    bk_app *app = bk_app_new();
    CHECK(app != NULL);
    CHECK(BK_OP(app, BK_GET, "/order", order, .params = &qty_params) == 0);
    CHECK(bk_app_error_handler(app, &out_of_stock, out_of_stock_handler) == 0);
    if (custom) {
        CHECK(bk_app_error_handler(app, &bk_http_error, http_error_handler) == 0);
        CHECK(bk_app_error_handler(app, &bk_validation_error, validation_handler) == 0);
    }
    return app;
}

static void expect(bk_test_client *tc, const char *target, int status, const char *body)
{
    bk_test_response *r = NULL;
    CHECK(bk_test_get(tc, target, &r) == 0);
    if (!r)
        return;
    size_t len;
    const char *got = bk_test_body(r, &len);
    if (bk_test_status(r) != status || len != strlen(body) || memcmp(got, body, len) != 0) {
        fprintf(stderr, "%s: expected %d %s, got %d %.*s\n", target, status, body,
                bk_test_status(r), (int)len, got);
        check_failures++;
    }
    if (status == 409)
        CHECK_STREQ(bk_test_header(r, "X-Limit"), "100");
    bk_test_response_free(r);
}

int main(void)
{
    bk_app *app = make_app(0);
    bk_test_client *tc = NULL;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);
    expect(tc, "/order?qty=1", 200, "{\"ok\":true}");
    expect(tc, "/order?qty=500", 409, "{\"detail\":{\"reason\":\"too many\",\"max\":100}}");
    expect(tc, "/order?qty=20", 418, "{\"message\":\"only 10 left, not 20\"}");
    expect(tc, "/order?qty=7", 500, "Internal Server Error");
    expect(tc, "/order?qty=3", 500, "Internal Server Error");
    expect(tc, "/order?qty=0", 422,
           "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"qty\"],"
           "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
           "\"ctx\":{\"ge\":1}}]}");
    bk_test_client_free(tc);
    bk_app_free(app);

    app = make_app(1);
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);
    expect(tc, "/order?qty=500", 409,
           "{\"error\":{\"reason\":\"too many\",\"max\":100},\"status\":409}");
    expect(tc, "/order?qty=x", 400,
           "{\"errors\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"qty\"],"
           "\"msg\":\"Input should be a valid integer, unable to parse string as an integer\","
           "\"input\":\"x\"}]}");
    bk_test_client_free(tc);
    bk_app_free(app);
    return check_result("test_errors");
}
