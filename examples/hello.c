/* Hello, typed world: FastAPI's first steps in brisk. GET /items/{item_id}?q=... and
 * POST /items with a validated body; /docs shows both. */
#include <brisk.h>

typedef struct item {
    bk_str name;
    double price;
    bk_opt_float tax;
} item;
static const bk_field item_fields[] = {
    BK_FIELD(item, name, BK_MIN_LEN(1)),
    BK_FIELD(item, price, BK_GT(0)),
    BK_FIELD(item, tax, BK_OPTIONAL),
    BK_END,
};
static const bk_model item_model = BK_MODEL(item, "Item", item_fields);

typedef struct read_in {
    int64_t item_id;
    bk_str q;
} read_in;
static const bk_field read_fields[] = {
    BK_FIELD(read_in, item_id, BK_FROM_PATH, BK_GE(1)),
    BK_FIELD(read_in, q, BK_FROM_QUERY, BK_OPTIONAL, BK_MAX_LEN(50)),
    BK_END,
};
static const bk_model read_params = BK_MODEL(read_in, "read_item", read_fields);

static void read_item(bk_req *req)
{
    const read_in *in = BK_PARAMS(req, read_in); /* validated: a 422 went out otherwise */
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "item_id");
    bk_json_int(j, in->item_id);
    bk_json_key(j, "q");
    in->q.ptr ? bk_json_string(j, in->q.ptr) : bk_json_null(j);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void create_item(bk_req *req)
{
    bk_respond(req, BK_BODY(req, item)); /* serialised through item_model */
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    BK_OP(app, BK_GET, "/items/{item_id}", read_item, .params = &read_params);
    BK_OP(app, BK_POST, "/items", create_item, .body = &item_model, .response = &item_model);
    return bk_run(app, argc, argv); /* --host, --port, --workers, --log-level, --help ... */
}
