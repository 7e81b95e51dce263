/* docs_app — the app tests/http/test_docs.py serves /docs and /redoc of: three item operations,
 * whose OpenAPI document brisk generates at the OpenAPI URL. Public API only.
 *
 * Flags before the server's own: --title T, --openapi-url U, --docs-url U, --redoc-url U (each
 * into bk_app_info; "" turns a URL off). */
#include <brisk.h>

#include <stdio.h>
#include <string.h>

static void list_items(bk_req *req)
{
    bk_send_json(req, 200, "[{\"item_id\":1,\"name\":\"Hammer\"}]");
}

static void create_item(bk_req *req)
{
    bk_send_json(req, 201, "{\"item_id\":2,\"name\":\"Saw\"}");
}

typedef struct item_id_in {
    int64_t item_id;
} item_id_in;
static const bk_field item_id_fields[] = {BK_FIELD(item_id_in, item_id, BK_FROM_PATH), BK_END};
static const bk_model item_id_params = BK_MODEL(item_id_in, "read_item", item_id_fields);

static void read_item(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "item_id");
    bk_json_int(j, BK_PARAMS(req, item_id_in)->item_id);
    bk_json_object_end(j);
    bk_json_send(req);
}

/* Takes this app's flags out of argv (the rest goes to bk_run) into `info`. Returns the new
 * argc, or -1 for a flag without its value. */
static int take_info_flags(int argc, char **argv, bk_app_info *info)
{
    static const struct {
        const char *flag;
        size_t offset;
    } flags[] = {
        {"--title", offsetof(bk_app_info, title)},
        {"--openapi-url", offsetof(bk_app_info, openapi_url)},
        {"--docs-url", offsetof(bk_app_info, docs_url)},
        {"--redoc-url", offsetof(bk_app_info, redoc_url)},
    };
    int out = 1;
    for (int i = 1; i < argc; i++) {
        size_t f = 0;
        while (f < sizeof(flags) / sizeof(flags[0]) && strcmp(argv[i], flags[f].flag) != 0)
            f++;
        if (f == sizeof(flags) / sizeof(flags[0])) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 == argc)
            return -1;
        *(const char **)((char *)info + flags[f].offset) = argv[++i];
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    bk_app_info info = {.title = "Docs Test"};
    argc = take_info_flags(argc, argv, &info);
    bk_app *app = argc < 0 ? NULL : bk_app_new();
    if (!app) {
        fprintf(stderr, "docs_app: %s\n", argc < 0 ? "a flag lacks its value" : "out of memory");
        return 2;
    }
    int rc = bk_app_set_info(app, &info);
    rc |= BK_OP(app, BK_GET, "/items", list_items);
    rc |= BK_OP(app, BK_POST, "/items", create_item, .status = 201);
    rc |= BK_OP(app, BK_GET, "/items/{item_id}", read_item, .params = &item_id_params);
    if (rc != 0) {
        fprintf(stderr, "docs_app: setting up the app failed\n");
        bk_app_free(app);
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
