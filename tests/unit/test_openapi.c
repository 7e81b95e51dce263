/* Unit tests of the OpenAPI document's pieces: Python's str.title() (summaries, titles),
 * Starlette's path_format (path keys, operation ids), and the document an app serves through the
 * test client — its declaration copied at registration, the URL turned off, a root path. The
 * whole document against FastAPI's is tests/http/test_openapi.py's. */
#include "app/router.h"
#include "model/pyfmt.h"
#include "brisk.h"
#include "check.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void check_title(const char *name, const char *want)
{
    bk_buf b = {0};
    CHECK(bk__py_title(&b, name, strlen(name)) == 0);
    CHECK(bk_buf_append(&b, "", 1) == 0);
    CHECK_STREQ(b.data, want);
    bk_buf_free(&b);
}

/* What Python 3.11 prints for name.title().replace("_", " "). */
static void test_py_title(void)
{
    check_title("read_item", "Read Item");
    check_title("x-token", "X-Token");
    check_title("get2fa_userName", "Get2Fa Username");
    check_title("class_", "Class ");
    check_title("Response_listThingsV2", "Response Listthingsv2");
    check_title("listref_listref__k__get", "Listref Listref  K  Get");
    check_title("HTTP_ok", "Http Ok");
    check_title("a\xc3\xa9_b", "A\xc3\xa9 B"); /* "aé_b": é is a letter, the word goes on */
    check_title("", "");
}

static void check_path_format(const char *pattern, const char *want)
{
    bk_buf b = {0};
    CHECK(bk__path_format(&b, pattern) == 0);
    CHECK(bk_buf_append(&b, "", 1) == 0);
    CHECK_STREQ(b.data, want);
    bk_buf_free(&b);
}

static void test_path_format(void)
{
    check_path_format("/files/{file_path:path}", "/files/{file_path}");
    check_path_format("/items/{item_id}", "/items/{item_id}");
    check_path_format("/a:b/{x}/c:d", "/a:b/{x}/c:d"); /* a colon outside braces stays */
    check_path_format("/", "/");
}

/* ---- the document an app serves ---- */

static void hello(bk_req *req)
{
    bk_send_json(req, 200, "{}");
}

typedef struct id_in {
    int64_t id;
} id_in;
static const bk_field id_fields[] = {BK_FIELD(id_in, id, BK_FROM_PATH, BK_GE(1)), BK_END};
static const bk_model id_params = BK_MODEL(id_in, "hello", id_fields);

/* Registers GET /hello/{id} with tags and a description built in a buffer that is overwritten
 * afterwards, as a loop that formats them would: bk_add_op must have copied them. */
static int add_hello(bk_app *app)
{
    char tag[16], description[32];
    snprintf(tag, sizeof(tag), "greetings");
    snprintf(description, sizeof(description), "Says hello.");
    const char *tags[] = {tag, NULL};
    bk_response_doc docs[] = {{404, description, NULL}, {0, NULL, NULL}};
    int err = bk_add_op(app, &(bk_op){.method = BK_GET,
                                      .path = "/hello/{id}",
                                      .handler = hello,
                                      .name = "hello",
                                      .params = &id_params,
                                      .tags = tags,
                                      .description = description,
                                      .responses = docs});
    explicit_bzero(tag, sizeof(tag)); /* a memset here would be a dead store, optimised away */
    explicit_bzero(description, sizeof(description));
    explicit_bzero(docs, sizeof(docs));
    return err;
}

/* GET `target` through a test client of `app`: the status, and the body parsed (or NULL). */
static json_t *fetch(bk_app *app, const char *target, int *status)
{
    bk_test_client *tc = NULL;
    bk_test_response *r = NULL;
    json_t *doc = NULL;
    *status = 0;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);
    if (tc && bk_test_get(tc, target, &r) == 0) {
        size_t len;
        const char *body = bk_test_body(r, &len);
        *status = bk_test_status(r);
        doc = json_loadb(body, len, 0, NULL);
        if (*status == 200)
            CHECK_STREQ(bk_test_header(r, "content-type"), "application/json");
    }
    bk_test_response_free(r);
    bk_test_client_free(tc);
    return doc;
}

static void test_served_document(void)
{
    bk_app *app = bk_app_new();
    CHECK(app && bk_app_set_info(app, &(bk_app_info){.title = "Hi", .version = "3"}) == 0);
    CHECK(add_hello(app) == 0);
    int status;
    json_t *doc = fetch(app, "/openapi.json", &status);
    CHECK(status == 200 && doc);
    json_t *op =
        json_object_get(json_object_get(json_object_get(doc, "paths"), "/hello/{id}"), "get");
    CHECK_STREQ(json_string_value(json_object_get(json_object_get(doc, "info"), "title")), "Hi");
    CHECK(
        !json_object_get(json_object_get(doc, "info"), "description")); /* none set: none written */
    CHECK_STREQ(json_string_value(json_object_get(op, "operationId")), "hello_hello__id__get");
    CHECK_STREQ(json_string_value(json_object_get(op, "summary")), "Hello");
    CHECK_STREQ(json_string_value(json_array_get(json_object_get(op, "tags"), 0)), "greetings");
    CHECK_STREQ(json_string_value(json_object_get(op, "description")), "Says hello.");
    json_t *responses = json_object_get(op, "responses");
    CHECK_STREQ(
        json_string_value(json_object_get(json_object_get(responses, "404"), "description")),
        "Says hello.");
    CHECK(json_object_get(responses, "422") != NULL);
    json_t *schema =
        json_object_get(json_array_get(json_object_get(op, "parameters"), 0), "schema");
    CHECK(json_is_integer(json_object_get(schema, "minimum"))); /* as declared: BK_GE(1) */
    CHECK(!json_object_get(doc, "servers"));                    /* no root path */
    json_decref(doc);
    bk_app_free(app);
}

static void test_document_turned_off(void)
{
    bk_app *app = bk_app_new();
    CHECK(app && bk_app_set_info(app, &(bk_app_info){.openapi_url = ""}) == 0);
    CHECK(add_hello(app) == 0);
    int status;
    json_t *body = fetch(app, "/openapi.json", &status);
    CHECK(status == 404);
    json_decref(body);
    bk_app_free(app);
}

static void test_document_at_its_url(void)
{
    bk_app *app = bk_app_new();
    CHECK(app && bk_app_set_info(app, &(bk_app_info){.openapi_url = "/api/spec.json"}) == 0);
    CHECK(add_hello(app) == 0);
    int status;
    json_t *doc = fetch(app, "/api/spec.json", &status);
    CHECK(status == 200);
    CHECK_STREQ(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_decref(doc);
    bk_app_free(app);
}

int main(void)
{
    test_py_title();
    test_path_format();
    test_served_document();
    test_document_turned_off();
    test_document_at_its_url();
    return check_result("test_openapi");
}
