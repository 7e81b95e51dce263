/* The docs routes (docs.h): installed by bk__app_prepare when the app starts being served,
 * from the app's info as it is then. */
#include "app/docs.h"
#include "util/log.h"

/* Sends `html` (or a 500 when rendering it ran out of memory) and frees it. */
static void send_html(bk_req *req, bk_buf *html, int err)
{
    if (err)
        bk_send_error(req, 500, "Internal Server Error");
    else
        bk_send(req, 200, "text/html; charset=utf-8", html->data, html->len);
    bk_buf_free(html);
}

/* FastAPI's pages put the request's root_path (the server's --root-path, where a proxy mounts
 * the app) before the URLs of the document and the OAuth2 redirect. */
static void swagger_page(bk_req *req)
{
    const bk_app *app = bk_req_udata(req);
    bk__docs_page page = {.info = &app->info,
                          .root_path = bk_req_root_path(req),
                          .local_assets = bk__docs_embedded(BK__DOCS_SWAGGER_JS) != NULL};
    bk_buf html = {0};
    send_html(req, &html, bk__docs_swagger_html(&html, &page));
}

static void redoc_page(bk_req *req)
{
    const bk_app *app = bk_req_udata(req);
    bk__docs_page page = {.info = &app->info,
                          .root_path = bk_req_root_path(req),
                          .local_assets = bk__docs_embedded(BK__DOCS_REDOC_JS) != NULL};
    bk_buf html = {0};
    send_html(req, &html, bk__docs_redoc_html(&html, &page));
}

static void oauth2_redirect_page(bk_req *req)
{
    size_t len;
    const char *html = bk__docs_oauth2_redirect_html(&len);
    bk_send(req, 200, "text/html; charset=utf-8", html, len);
}

/* An embedded file. Cached for a day, then revalidated with its ETag (304): its URL stays the
 * same when a new brisk embeds another version. */
static void asset(bk_req *req)
{
    bk__docs_asset_id id = (bk__docs_asset_id)(uintptr_t)bk_req_udata(req);
    const bk__docs_blob *b = bk__docs_embedded(id);
    if (bk_set_header(req, "ETag", b->etag) ||
        bk_set_header(req, "Cache-Control", "public, max-age=86400")) {
        bk_send_error(req, 500, "Internal Server Error");
        return;
    }
    if (bk__docs_etag_matches(bk_req_header(req, "If-None-Match"), b->etag))
        bk_send(req, 304, NULL, NULL, 0);
    else
        bk_send(req, 200, bk__docs_asset_type(id), b->data, (size_t)(b->end - b->data));
}

int bk__docs_add_route(bk_app *app, const char *path, bk_handler handler, void *udata)
{
    int err = bk__router_add(app->router, BK_GET, path, handler, udata);
    if (err == BK_EEXIST) {
        bk__log(BK_LOG_WARNING,
                "GET %s is a route of the app: brisk's docs (or OpenAPI) route is not added", path);
        return 0;
    }
    if (err == BK_EINVAL)
        bk__log(BK_LOG_ERROR, "docs URL '%s' is not a route path (bk_app_set_info)", path);
    return err;
}

/* Registers GET <base>/<name>. */
static int add_sub_route(bk_app *app, const char *base, const char *name, bk_handler handler,
                         void *udata)
{
    bk_buf path = {0};
    int err = bk__docs_join_url(&path, "", base, name);
    if (!err)
        err = bk_buf_append(&path, "", 1);
    if (!err)
        err = bk__docs_add_route(app, path.data, handler, udata);
    bk_buf_free(&path);
    return err;
}

/* Registers the embedded files `ids` under the page at `base` (none when not embedded). */
static int add_assets(bk_app *app, const char *base, const bk__docs_asset_id *ids, int n)
{
    for (int i = 0; i < n; i++) {
        if (!bk__docs_embedded(ids[i]))
            continue;
        int err =
            add_sub_route(app, base, bk__docs_asset_name(ids[i]), asset, (void *)(uintptr_t)ids[i]);
        if (err)
            return err;
    }
    return 0;
}

static int install_swagger(bk_app *app)
{
    static const bk__docs_asset_id ids[] = {BK__DOCS_SWAGGER_JS, BK__DOCS_SWAGGER_CSS,
                                            BK__DOCS_FAVICON};
    const char *base = app->info.docs_url;
    int err = bk__docs_add_route(app, base, swagger_page, app);
    if (!err)
        err = add_sub_route(app, base, "oauth2-redirect", oauth2_redirect_page, NULL);
    if (!err)
        err = add_assets(app, base, ids, (int)(sizeof(ids) / sizeof(ids[0])));
    return err;
}

static int install_redoc(bk_app *app)
{
    static const bk__docs_asset_id ids[] = {BK__DOCS_REDOC_JS, BK__DOCS_FAVICON};
    const char *base = app->info.redoc_url;
    int err = bk__docs_add_route(app, base, redoc_page, app);
    if (!err)
        err = add_assets(app, base, ids, (int)(sizeof(ids) / sizeof(ids[0])));
    return err;
}

int bk__docs_install(bk_app *app)
{
    const bk__app_info *info = &app->info;
    if (!*info->openapi_url) /* no document, nothing to show: FastAPI's setup() */
        return 0;
    int err = *info->docs_url ? install_swagger(app) : 0;
    if (!err && *info->redoc_url)
        err = install_redoc(app);
    return err;
}
