/* The items API (examples/items_api.c) in the in-process test client, as a FastAPI user tests
 * theirs with TestClient: the start-up hook's items, typed reads and writes, FastAPI's 422 and
 * HTTP errors with their headers, the token dependency, the session dependency's cleanup and the
 * background task after the response, the custom error handler. The expected bytes are the
 * reference FastAPI program's (../shared/reference/items_api.py), as tests/http/data records. */
#define ITEMS_API_NO_MAIN
#include "../../examples/items_api.c"

#include "check.h"

static bk_test_client *tc;

/* Sends a request and checks its status and exact body; returns the response (free it). */
static bk_test_response *expect(const char *method, const char *target, const char *json,
                                int status, const char *body)
{
    static const char *const token[] = {"X-Token", "secret-token", "Content-Type",
                                        "application/json", NULL};
    bk_test_response *r = NULL;
    int rc = bk_test_request(tc, method, target, token, json, json ? strlen(json) : 0, &r);
    CHECK(rc == 0 && r);
    if (!r)
        return NULL;
    size_t len;
    const char *got = bk_test_body(r, &len);
    if (bk_test_status(r) != status || (body && (len != strlen(body) || memcmp(got, body, len)))) {
        fprintf(stderr, "%s %s: expected %d %s\n  got %d %.*s\n", method, target, status,
                body ? body : "", bk_test_status(r), (int)len, got);
        check_failures++;
    }
    return r;
}

static void expect_free(const char *method, const char *target, const char *json, int status,
                        const char *body)
{
    bk_test_response_free(expect(method, target, json, status, body));
}

int main(void)
{
    bk_app *app = items_app();
    CHECK(app != NULL);
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);

    /* The start-up hook stored two items. */
    expect_free("GET", "/items/1", NULL, 200,
                "{\"id\":1,\"name\":\"Hammer\",\"description\":null,\"price\":9.5,\"tax\":1.5,"
                "\"tags\":[\"tools\"],\"images\":null,\"quantity\":1,\"in_stock\":true,"
                "\"price_with_tax\":11.0}");
    bk_test_response *r = expect("GET", "/items?tag=toys", NULL, 200, NULL);
    CHECK(r && bk_test_header(r, "X-Total-Count") &&
          !strcmp(bk_test_header(r, "X-Total-Count"), "1"));
    bk_test_response_free(r);

    /* A typed body, lax coercion, the response model. */
    expect_free("POST", "/items", "{\"name\":\"Saw\",\"price\":\"12.5\",\"quantity\":\"5.0\"}", 201,
                "{\"id\":3,\"name\":\"Saw\",\"description\":null,\"price\":12.5,\"tax\":null,"
                "\"tags\":[],\"images\":null,\"quantity\":5,\"in_stock\":true,"
                "\"price_with_tax\":12.5}");
    /* FastAPI's 422: every error, in its order. */
    expect_free("POST", "/items", "{\"name\":\"\",\"price\":0}", 422,
                "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"name\"],"
                "\"msg\":\"String should have at least 1 character\",\"input\":\"\","
                "\"ctx\":{\"min_length\":1}},{\"type\":\"greater_than\",\"loc\":[\"body\","
                "\"price\"],\"msg\":\"Input should be greater than 0\",\"input\":0,"
                "\"ctx\":{\"gt\":0.0}}]}");
    /* An HTTP error with its header. */
    r = expect("GET", "/items/42", NULL, 404, "{\"detail\":\"Item not found\"}");
    CHECK(r && bk_test_header(r, "X-Error") &&
          !strcmp(bk_test_header(r, "X-Error"), "item-missing"));
    bk_test_response_free(r);
    /* PATCH with presence: only what was sent changes. */
    expect_free("PATCH", "/items/2", "{\"price\":4.5,\"name\":null}", 200,
                "{\"id\":2,\"name\":\"Yo-yo\",\"description\":null,\"price\":4.5,\"tax\":null,"
                "\"tags\":[\"toys\"],\"images\":null,\"quantity\":40,\"in_stock\":true,"
                "\"price_with_tax\":4.5}");
    /* The custom error handler. */
    expect_free("GET", "/teapots/earl", NULL, 418,
                "{\"message\":\"earl is a teapot, not an item\"}");
    /* A background task after the response, then the session cleanups are counted. */
    expect_free("POST", "/items/1/notify", "{\"message\":\"hello\"}", 202, "{\"queued\":true}");
    expect_free("GET", "/notifications", NULL, 200, "[{\"item_id\":1,\"message\":\"hello\"}]");
    expect_free("DELETE", "/items/3", NULL, 204, "");
    /* Two POSTs opened a session each (the 422 too: dependencies run before the body is
     * validated), and both closed after their response. */
    expect_free("GET", "/stats", NULL, 200,
                "{\"items\":2,\"sessions_opened\":2,\"sessions_closed\":2}");

    bk_test_client_free(tc);
    bk_app_free(app);
    return check_result("test_items_api");
}
