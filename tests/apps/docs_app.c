/* docs_app — the app tests/http/test_docs.py serves /docs and /redoc of: three item routes and
 * an OpenAPI 3.1 document describing them, written by hand (brisk generates none yet), at the
 * OpenAPI URL. Public API only.
 *
 * Flags before the server's own: --title T, --openapi-url U, --docs-url U, --redoc-url U (each
 * into bk_app_info; "" turns a URL off). */
#include <brisk.h>

#include <stdio.h>
#include <string.h>

/* What FastAPI would generate for the routes below (operation ids, summaries, the path
 * parameter), less the validation error schemas. */
static const char openapi_doc[] =
    "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Docs Test\",\"version\":\"0.1.0\"},"
    "\"paths\":{"
    "\"/items\":{"
    "\"get\":{\"summary\":\"List Items\",\"operationId\":\"list_items_items_get\","
    "\"responses\":{\"200\":{\"description\":\"Successful Response\","
    "\"content\":{\"application/json\":{\"schema\":{}}}}}},"
    "\"post\":{\"summary\":\"Create Item\",\"operationId\":\"create_item_items_post\","
    "\"responses\":{\"201\":{\"description\":\"Successful Response\","
    "\"content\":{\"application/json\":{\"schema\":{}}}}}}},"
    "\"/items/{item_id}\":{"
    "\"get\":{\"summary\":\"Read Item\",\"operationId\":\"read_item_items__item_id__get\","
    "\"parameters\":[{\"name\":\"item_id\",\"in\":\"path\",\"required\":true,"
    "\"schema\":{\"type\":\"integer\",\"title\":\"Item Id\"}}],"
    "\"responses\":{\"200\":{\"description\":\"Successful Response\","
    "\"content\":{\"application/json\":{\"schema\":{}}}}}}}}}";

static void openapi(bk_req *req)
{
    bk_send_json(req, 200, openapi_doc);
}

static void list_items(bk_req *req)
{
    bk_send_json(req, 200, "[{\"item_id\":1,\"name\":\"Hammer\"}]");
}

static void create_item(bk_req *req)
{
    bk_send_json(req, 201, "{\"item_id\":2,\"name\":\"Saw\"}");
}

static void read_item(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    bk_json_object_begin(j);
    bk_json_key(j, "item_id");
    bk_json_string(j, bk_req_param(req, "item_id"));
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
    const char *openapi_url = info.openapi_url ? info.openapi_url : "/openapi.json";
    int rc = bk_app_set_info(app, &info);
    rc |= bk_get(app, "/items", list_items);
    rc |= bk_post(app, "/items", create_item);
    rc |= bk_get(app, "/items/{item_id}", read_item);
    if (*openapi_url)
        rc |= bk_get(app, openapi_url, openapi);
    if (rc != 0) {
        fprintf(stderr, "docs_app: setting up the app failed\n");
        bk_app_free(app);
        return 1;
    }
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
