/* Unit tests of typed path operations through the in-process test client: a small app declared
 * with BK_OP (path and query parameters, a body model with defaults and presence, a header-
 * checking dependency, a dependency with a cleanup, a background task), driven as a user would
 * drive theirs. The expected bytes are FastAPI's: the same app in FastAPI 0.141 + pydantic 2,
 *
 *     class Widget(BaseModel):
 *         name: str = Field(min_length=1, max_length=10)
 *         price: float = Field(gt=0)
 *         count: int | None = None
 *         qty: int = Field(default=3, ge=0, le=9)
 *         active: bool = True
 *         tags: list[str] = []
 *     def api_key(x_key: Annotated[str, Header()]):   # 401 "bad key" unless "k"
 *     async def conn():                               # log "o", yield, log "c"
 *     @app.post("/widgets/{widget_id}", status_code=201)
 *     async def create(widget_id: Annotated[int, Path(ge=1)], w: Widget, tasks: BackgroundTasks,
 *                      key=Depends(api_key), c=Depends(conn), verbose: bool = False):
 *         log "h"; tasks.add_task(log.append, "b")
 *         return {widget_id, name, price, count, qty, active, tags,
 *                 "set": sorted(w.model_fields_set), verbose, key}
 *
 * answered these requests with these bytes (curl against run.sh), and its log read
 * o c  o h b c  o h b c: a dependency with a cleanup opens even for a 422, closes after the
 * response and after the background tasks, and is not opened when an earlier one answered. */
#include "brisk.h"
#include "check.h"

#include <stdio.h>
#include <string.h>

/* What the dependencies, the handler and the background task did, in order. */
static struct {
    char log[64];
} seen;

static void logc(char c)
{
    size_t n = strlen(seen.log);
    if (n + 1 < sizeof(seen.log))
        seen.log[n] = c;
}

/* ---- the app ---- */

typedef struct widget {
    bk_str name;
    double price;
    bk_opt_int count;
    int64_t qty;
    bool active;
    BK_LIST(bk_str) tags;
    uint64_t set;
} widget;
static const bk_field widget_fields[] = {
    BK_FIELD(widget, name, BK_MIN_LEN(1), BK_MAX_LEN(10)),
    BK_FIELD(widget, price, BK_GT(0)),
    BK_FIELD(widget, count, BK_OPTIONAL),
    BK_FIELD(widget, qty, BK_DEFAULT("3"), BK_GE(0), BK_LE(9)),
    BK_FIELD(widget, active, BK_DEFAULT("true")),
    BK_LIST_FIELD(widget, tags, BK_DEFAULT("[]")),
    BK_END,
};
static const bk_model widget_model = BK_MODEL_SET(widget, "Widget", widget_fields, set);

typedef struct create_params {
    int64_t widget_id;
    bool verbose;
} create_params;
static const bk_field create_fields[] = {
    BK_FIELD(create_params, widget_id, BK_FROM_PATH, BK_GE(1)),
    BK_FIELD(create_params, verbose, BK_FROM_QUERY, BK_DEFAULT("false")),
    BK_END,
};
static const bk_model create_model = BK_MODEL(create_params, "create", create_fields);

typedef struct key_params {
    bk_str x_key;
} key_params;
static const bk_field key_fields[] = {BK_FIELD(key_params, x_key, BK_FROM_HEADER), BK_END};
static const bk_model key_model = BK_MODEL(key_params, "api_key", key_fields);

typedef struct key_value {
    bk_str key;
} key_value;

static int api_key(bk_req *req, const void *params, void *out)
{
    const key_params *in = params;
    if (strcmp(in->x_key.ptr, "k") != 0) {
        bk_send_error(req, 401, "bad key");
        return 1;
    }
    ((key_value *)out)->key = in->x_key;
    return 0;
}
static const bk_dep key_dep = {
    .name = "api_key", .params = &key_model, .size = sizeof(key_value), .fn = api_key};

typedef struct conn_value {
    int n;
} conn_value;

static int open_conn(bk_req *req, const void *params, void *out)
{
    (void)req;
    (void)params;
    logc('o');
    ((conn_value *)out)->n = 1;
    return 0;
}

static void close_conn(bk_task *task, void *value)
{
    (void)task;
    CHECK(((conn_value *)value)->n == 1); /* the value the dependency made, still there */
    logc('c');
}
static const bk_dep conn_dep = {
    .name = "conn", .size = sizeof(conn_value), .fn = open_conn, .cleanup = close_conn};

static int append_b(bk_task *task, void *arg)
{
    (void)task;
    (void)arg;
    logc('b');
    return 0;
}

static void json_set_fields(bk_json *j, const widget *w)
{
    /* sorted(w.model_fields_set) */
    static const char *const sorted[] = {"active", "count", "name", "price", "qty", "tags"};
    bk_json_array_begin(j);
    for (size_t i = 0; i < sizeof(sorted) / sizeof(sorted[0]); i++)
        if (bk_model_isset(&widget_model, w, sorted[i]))
            bk_json_string(j, sorted[i]);
    bk_json_array_end(j);
}

static void create(bk_req *req)
{
    const create_params *p = BK_PARAMS(req, create_params);
    const widget *w = BK_BODY(req, widget);
    const key_value *k = BK_DEP(req, &key_dep, key_value);
    const conn_value *c = BK_DEP(req, &conn_dep, conn_value);
    CHECK(k && c && c->n == 1);
    size_t n = strlen(seen.log);
    CHECK(n > 0 && seen.log[n - 1] == 'o'); /* this request's conn is open, not yet closed */
    logc('h');
    CHECK(bk_background(req, append_b, NULL, NULL) == 0);
    bk_json *j = bk_json_begin(req, 201);
    bk_json_object_begin(j);
    bk_json_key(j, "widget_id");
    bk_json_int(j, p->widget_id);
    bk_json_key(j, "name");
    bk_json_string_len(j, w->name.ptr, w->name.len);
    bk_json_key(j, "price");
    bk_json_double(j, w->price);
    bk_json_key(j, "count");
    if (w->count.has)
        bk_json_int(j, w->count.v);
    else
        bk_json_null(j);
    bk_json_key(j, "qty");
    bk_json_int(j, w->qty);
    bk_json_key(j, "active");
    bk_json_bool(j, w->active);
    bk_json_key(j, "tags");
    bk_json_array_begin(j);
    for (size_t i = 0; i < w->tags.len; i++)
        bk_json_string_len(j, w->tags.items[i].ptr, w->tags.items[i].len);
    bk_json_array_end(j);
    bk_json_key(j, "set");
    json_set_fields(j, w);
    bk_json_key(j, "verbose");
    bk_json_bool(j, p->verbose);
    bk_json_key(j, "key");
    bk_json_string_len(j, k->key.ptr, k->key.len);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void get_log(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_array_begin(j);
    for (const char *p = seen.log; *p; p++)
        bk_json_string_len(j, p, 1);
    bk_json_array_end(j);
    bk_json_send(req);
}

static bk_app *make_app(void)
{
    bk_app *app = bk_app_new();
    CHECK(app != NULL);
    CHECK(BK_OP(app, BK_POST, "/widgets/{widget_id}", create, .params = &create_model,
                .body = &widget_model, .deps = BK_DEPS(&key_dep, &conn_dep), .status = 201) == 0);
    CHECK(BK_OP(app, BK_GET, "/log", get_log) == 0);
    return app;
}

/* ---- the tests ---- */

static const char *const json_key_k[] = {"Content-Type", "application/json", "X-Key", "k", NULL};

/* POSTs `json` to `target` with `headers`; checks the status and the exact body. */
static void expect_post(bk_test_client *tc, const char *target, const char *const *headers,
                        const char *json, int status, const char *body)
{
    bk_test_response *r = NULL;
    CHECK(bk_test_request(tc, "POST", target, headers, json, strlen(json), &r) == 0);
    CHECK(bk_test_status(r) == status);
    CHECK_STREQ(bk_test_header(r, "content-type"), "application/json");
    CHECK_STREQ(bk_test_body(r, NULL), body);
    bk_test_response_free(r);
}

/* Every error of the request in one 422, in FastAPI's order: the dependency's header, then
 * path, query and body; the body errors with list indexes in their loc. */
static void test_422_is_fastapis_bytes(bk_test_client *tc)
{
    static const char *const json_only[] = {"Content-Type", "application/json", NULL};
    expect_post(
        tc, "/widgets/0?verbose=maybe", json_only,
        "{\"name\":\"\",\"price\":\"x\",\"qty\":10,\"tags\":[1]}", 422,
        "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-key\"],\"msg\":\"Field "
        "required\",\"input\":null},{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"widget_"
        "id\"],\"msg\":\"Input should be greater than or equal to "
        "1\",\"input\":\"0\",\"ctx\":{\"ge\":1}},{\"type\":\"bool_parsing\",\"loc\":[\"query\","
        "\"verbose\"],\"msg\":\"Input should be a valid boolean, unable to interpret "
        "input\",\"input\":\"maybe\"},{\"type\":\"string_too_short\",\"loc\":[\"body\",\"name\"],"
        "\"msg\":\"String should have at least 1 "
        "character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},{\"type\":\"float_parsing\","
        "\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number, unable to parse "
        "string as a number\",\"input\":\"x\"},{\"type\":\"less_than_equal\",\"loc\":[\"body\","
        "\"qty\"],\"msg\":\"Input should be less than or equal to "
        "9\",\"input\":10,\"ctx\":{\"le\":9}},{\"type\":\"string_type\",\"loc\":[\"body\","
        "\"tags\",0],\"msg\":\"Input should be a valid string\",\"input\":1}]}");
}

/* Typed access: the parameters, the body with its defaults (qty 3, active true) and what the
 * input set (count: null is set; qty, active left out are not), the dependency's value. */
static void test_typed_values_defaults_and_presence(bk_test_client *tc)
{
    expect_post(tc, "/widgets/7?verbose=yes", json_key_k,
                "{\"name\":\"bolt\",\"price\":2,\"count\":null,\"tags\":[\"a\",\"b\"]}", 201,
                "{\"widget_id\":7,\"name\":\"bolt\",\"price\":2.0,\"count\":null,\"qty\":3,"
                "\"active\":true,\"tags\":[\"a\",\"b\"],\"set\":[\"count\",\"name\",\"price\","
                "\"tags\"],\"verbose\":true,\"key\":\"k\"}");
    /* Lax coercion: "4" is 4, "off" is false; verbose takes its default. */
    expect_post(tc, "/widgets/8", json_key_k,
                "{\"name\":\"nut\",\"price\":0.5,\"qty\":\"4\",\"active\":\"off\",\"count\":12}",
                201,
                "{\"widget_id\":8,\"name\":\"nut\",\"price\":0.5,\"count\":12,\"qty\":4,"
                "\"active\":false,\"tags\":[],\"set\":[\"active\",\"count\",\"name\",\"price\","
                "\"qty\"],\"verbose\":false,\"key\":\"k\"}");
}

/* A dependency that answers stops the request: the body is not validated, the later
 * dependency is not opened. */
static void test_dependency_answer_stops_the_request(bk_test_client *tc)
{
    static const char *const bad_key[] = {"Content-Type", "application/json", "X-Key", "bad", NULL};
    size_t before = strlen(seen.log);
    expect_post(tc, "/widgets/8", bad_key, "{\"name\":\"\"}", 401, "{\"detail\":\"bad key\"}");
    CHECK(strlen(seen.log) == before);
}

/* The log FastAPI's app ends with: background tasks after the response, then the cleanups. */
static void test_after_the_response_order(bk_test_client *tc)
{
    const char *want = "[\"o\",\"c\",\"o\",\"h\",\"b\",\"c\",\"o\",\"h\",\"b\",\"c\"]";
    const char *body = NULL;
    bk_test_response *r = NULL;
    /* what runs after a response is its own task: a few requests give it its turn */
    for (int i = 0; i < 20; i++) {
        bk_test_response_free(r);
        r = NULL;
        CHECK(bk_test_get(tc, "/log", &r) == 0);
        body = bk_test_body(r, NULL);
        if (strcmp(body, want) == 0)
            break;
    }
    CHECK_STREQ(body, want);
    bk_test_response_free(r);
}

int main(void)
{
    bk_app *app = make_app();
    bk_test_client *tc = NULL;
    CHECK(bk_test_client_new(app, NULL, &tc) == 0);
    if (tc) {
        test_422_is_fastapis_bytes(tc);
        test_typed_values_defaults_and_presence(tc);
        test_dependency_answer_stops_the_request(tc);
        test_after_the_response_order(tc);
    }
    bk_test_client_free(tc);
    bk_app_free(app);
    return check_result("test_models");
}
