/* Unit tests of the docs pages (src/app/docs.h): the HTML is FastAPI 0.141's byte for byte —
 * the expected pages below are what FastAPI served for the same settings (get_swagger_ui_html,
 * get_redoc_html, get_swagger_ui_oauth2_redirect_html) — with FastAPI's CDN URLs or, for a build
 * that embeds the files, brisk's own URLs for them; and the If-None-Match comparison. */
#include "app/docs.h"
#include "check.h"

#include <stdlib.h>

/* FastAPI(title="Items & <Co>"): GET /docs and GET /redoc. */
static const char cdn_swagger[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
    "    <link type=\"text/css\" rel=\"stylesheet\" "
    "href=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css\">\n"
    "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
    "    <title>Items & <Co> - Swagger UI</title>\n"
    "    </head>\n"
    "    <body>\n"
    "    <div id=\"swagger-ui\">\n"
    "    </div>\n"
    "    <script "
    "src=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js\"></script>\n"
    "    <!-- `SwaggerUIBundle` is now available on the page -->\n"
    "    <script>\n"
    "    const ui = SwaggerUIBundle({\n"
    "        url: '/openapi.json',\n"
    "    \"dom_id\": \"#swagger-ui\",\n"
    "\"layout\": \"BaseLayout\",\n"
    "\"deepLinking\": true,\n"
    "\"showExtensions\": true,\n"
    "\"showCommonExtensions\": true,\n"
    "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',\n"
    "    presets: [\n"
    "        SwaggerUIBundle.presets.apis,\n"
    "        SwaggerUIBundle.SwaggerUIStandalonePreset\n"
    "        ],\n"
    "    })\n"
    "    </script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

static const char cdn_redoc[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <title>Items & <Co> - ReDoc</title>\n"
    "    <!-- needed for adaptive design -->\n"
    "    <meta charset=\"utf-8\"/>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "    \n"
    "    <link "
    "href=\"https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700\" "
    "rel=\"stylesheet\">\n"
    "    \n"
    "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
    "    <!--\n"
    "    ReDoc doesn't change outer page styles\n"
    "    -->\n"
    "    <style>\n"
    "      body {\n"
    "        margin: 0;\n"
    "        padding: 0;\n"
    "      }\n"
    "    </style>\n"
    "    </head>\n"
    "    <body>\n"
    "    <noscript>\n"
    "        ReDoc requires Javascript to function. Please enable it to browse the documentation.\n"
    "    </noscript>\n"
    "    <redoc spec-url=\"/openapi.json\"></redoc>\n"
    "    <script src=\"https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js\"> "
    "</script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

/* get_swagger_ui_html(openapi_url="/openapi.json", title="Docs Test - Swagger UI",
 * swagger_js_url="/docs/swagger-ui-bundle.js", swagger_css_url="/docs/swagger-ui.css",
 * swagger_favicon_url="/docs/favicon-32x32.png", oauth2_redirect_url="/docs/oauth2-redirect"),
 * and get_redoc_html(..., redoc_js_url="/redoc/redoc.standalone.js",
 * redoc_favicon_url="/redoc/favicon-32x32.png", with_google_fonts=False). */
static const char local_swagger[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
    "    <link type=\"text/css\" rel=\"stylesheet\" href=\"/docs/swagger-ui.css\">\n"
    "    <link rel=\"shortcut icon\" href=\"/docs/favicon-32x32.png\">\n"
    "    <title>Docs Test - Swagger UI</title>\n"
    "    </head>\n"
    "    <body>\n"
    "    <div id=\"swagger-ui\">\n"
    "    </div>\n"
    "    <script src=\"/docs/swagger-ui-bundle.js\"></script>\n"
    "    <!-- `SwaggerUIBundle` is now available on the page -->\n"
    "    <script>\n"
    "    const ui = SwaggerUIBundle({\n"
    "        url: '/openapi.json',\n"
    "    \"dom_id\": \"#swagger-ui\",\n"
    "\"layout\": \"BaseLayout\",\n"
    "\"deepLinking\": true,\n"
    "\"showExtensions\": true,\n"
    "\"showCommonExtensions\": true,\n"
    "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',\n"
    "    presets: [\n"
    "        SwaggerUIBundle.presets.apis,\n"
    "        SwaggerUIBundle.SwaggerUIStandalonePreset\n"
    "        ],\n"
    "    })\n"
    "    </script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

static const char local_redoc[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <title>Docs Test - ReDoc</title>\n"
    "    <!-- needed for adaptive design -->\n"
    "    <meta charset=\"utf-8\"/>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "    \n"
    "    <link rel=\"shortcut icon\" href=\"/redoc/favicon-32x32.png\">\n"
    "    <!--\n"
    "    ReDoc doesn't change outer page styles\n"
    "    -->\n"
    "    <style>\n"
    "      body {\n"
    "        margin: 0;\n"
    "        padding: 0;\n"
    "      }\n"
    "    </style>\n"
    "    </head>\n"
    "    <body>\n"
    "    <noscript>\n"
    "        ReDoc requires Javascript to function. Please enable it to browse the documentation.\n"
    "    </noscript>\n"
    "    <redoc spec-url=\"/openapi.json\"></redoc>\n"
    "    <script src=\"/redoc/redoc.standalone.js\"> </script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

/* FastAPI(title="Behind", root_path="/api/", openapi_url="/spec.json", docs_url="/swagger/",
 * redoc_url="/re"): GET /swagger/ and GET /re. */
static const char root_swagger[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
    "    <link type=\"text/css\" rel=\"stylesheet\" "
    "href=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css\">\n"
    "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
    "    <title>Behind - Swagger UI</title>\n"
    "    </head>\n"
    "    <body>\n"
    "    <div id=\"swagger-ui\">\n"
    "    </div>\n"
    "    <script "
    "src=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js\"></script>\n"
    "    <!-- `SwaggerUIBundle` is now available on the page -->\n"
    "    <script>\n"
    "    const ui = SwaggerUIBundle({\n"
    "        url: '/api/spec.json',\n"
    "    \"dom_id\": \"#swagger-ui\",\n"
    "\"layout\": \"BaseLayout\",\n"
    "\"deepLinking\": true,\n"
    "\"showExtensions\": true,\n"
    "\"showCommonExtensions\": true,\n"
    /* FastAPI's says '/api/docs/oauth2-redirect': its swagger_ui_oauth2_redirect_url is a
     * setting of its own; brisk's redirect page is under the docs URL (src/app/docs.h). */
    "oauth2RedirectUrl: window.location.origin + '/api/swagger/oauth2-redirect',\n"
    "    presets: [\n"
    "        SwaggerUIBundle.presets.apis,\n"
    "        SwaggerUIBundle.SwaggerUIStandalonePreset\n"
    "        ],\n"
    "    })\n"
    "    </script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

static const char root_redoc[] =
    "\n"
    "    <!DOCTYPE html>\n"
    "    <html>\n"
    "    <head>\n"
    "    <title>Behind - ReDoc</title>\n"
    "    <!-- needed for adaptive design -->\n"
    "    <meta charset=\"utf-8\"/>\n"
    "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "    \n"
    "    <link "
    "href=\"https://fonts.googleapis.com/css?family=Montserrat:300,400,700|Roboto:300,400,700\" "
    "rel=\"stylesheet\">\n"
    "    \n"
    "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
    "    <!--\n"
    "    ReDoc doesn't change outer page styles\n"
    "    -->\n"
    "    <style>\n"
    "      body {\n"
    "        margin: 0;\n"
    "        padding: 0;\n"
    "      }\n"
    "    </style>\n"
    "    </head>\n"
    "    <body>\n"
    "    <noscript>\n"
    "        ReDoc requires Javascript to function. Please enable it to browse the documentation.\n"
    "    </noscript>\n"
    "    <redoc spec-url=\"/api/spec.json\"></redoc>\n"
    "    <script src=\"https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js\"> "
    "</script>\n"
    "    </body>\n"
    "    </html>\n"
    "    ";

/* GET /docs/oauth2-redirect. */
static const char oauth2_redirect[] =
    "\n"
    "    <!doctype html>\n"
    "    <html lang=\"en-US\">\n"
    "    <head>\n"
    "        <title>Swagger UI: OAuth2 Redirect</title>\n"
    "    </head>\n"
    "    <body>\n"
    "    <script>\n"
    "        'use strict';\n"
    "        function run () {\n"
    "            var oauth2 = window.opener.swaggerUIRedirectOauth2;\n"
    "            var sentState = oauth2.state;\n"
    "            var redirectUrl = oauth2.redirectUrl;\n"
    "            var isValid, qp, arr;\n"
    "\n"
    "            if (/code|token|error/.test(window.location.hash)) {\n"
    "                qp = window.location.hash.substring(1).replace('?', '&');\n"
    "            } else {\n"
    "                qp = location.search.substring(1);\n"
    "            }\n"
    "\n"
    "            arr = qp.split(\"&\");\n"
    "            arr.forEach(function (v,i,_arr) { _arr[i] = '\"' + v.replace('=', '\":\"') + "
    "'\"';});\n"
    "            qp = qp ? JSON.parse('{' + arr.join() + '}',\n"
    "                    function (key, value) {\n"
    "                        return key === \"\" ? value : decodeURIComponent(value);\n"
    "                    }\n"
    "            ) : {};\n"
    "\n"
    "            isValid = qp.state === sentState;\n"
    "\n"
    "            if ((\n"
    "              oauth2.auth.schema.get(\"flow\") === \"accessCode\" ||\n"
    "              oauth2.auth.schema.get(\"flow\") === \"authorizationCode\" ||\n"
    "              oauth2.auth.schema.get(\"flow\") === \"authorization_code\"\n"
    "            ) && !oauth2.auth.code) {\n"
    "                if (!isValid) {\n"
    "                    oauth2.errCb({\n"
    "                        authId: oauth2.auth.name,\n"
    "                        source: \"auth\",\n"
    "                        level: \"warning\",\n"
    "                        message: \"Authorization may be unsafe, passed state was changed in "
    "server. The passed state wasn't returned from auth server.\"\n"
    "                    });\n"
    "                }\n"
    "\n"
    "                if (qp.code) {\n"
    "                    delete oauth2.state;\n"
    "                    oauth2.auth.code = qp.code;\n"
    "                    oauth2.callback({auth: oauth2.auth, redirectUrl: redirectUrl});\n"
    "                } else {\n"
    "                    let oauthErrorMsg;\n"
    "                    if (qp.error) {\n"
    "                        oauthErrorMsg = \"[\"+qp.error+\"]: \" +\n"
    "                            (qp.error_description ? qp.error_description+ \". \" : \"no "
    "accessCode received from the server. \") +\n"
    "                            (qp.error_uri ? \"More info: \"+qp.error_uri : \"\");\n"
    "                    }\n"
    "\n"
    "                    oauth2.errCb({\n"
    "                        authId: oauth2.auth.name,\n"
    "                        source: \"auth\",\n"
    "                        level: \"error\",\n"
    "                        message: oauthErrorMsg || \"[Authorization failed]: no accessCode "
    "received from the server.\"\n"
    "                    });\n"
    "                }\n"
    "            } else {\n"
    "                oauth2.callback({auth: oauth2.auth, token: qp, isValid: isValid, redirectUrl: "
    "redirectUrl});\n"
    "            }\n"
    "            window.close();\n"
    "        }\n"
    "\n"
    "        if (document.readyState !== 'loading') {\n"
    "            run();\n"
    "        } else {\n"
    "            document.addEventListener('DOMContentLoaded', function () {\n"
    "                run();\n"
    "            });\n"
    "        }\n"
    "    </script>\n"
    "    </body>\n"
    "    </html>\n"
    "        ";

/* Compares `got` with `want`, printing the first difference. */
static void check_bytes(int line, const bk_buf *got, const char *want)
{
    size_t n = strlen(want), i = 0;
    while (i < got->len && i < n && got->data[i] == want[i])
        i++;
    if (i == n && got->len == n)
        return;
    fprintf(stderr,
            "test_docs.c:%d: differs at byte %zu (got %zu bytes, want %zu): got [%.40s], want "
            "[%.40s]\n",
            line, i, got->len, n, got->data ? got->data + i : "", want + i);
    check_failures++;
}

typedef int (*render_fn)(bk_buf *, const bk__docs_page *);

static void check_page(int line, render_fn render, const bk__app_info *info, const char *root,
                       int local, const char *want)
{
    bk_buf out = {0};
    bk__docs_page page = {.info = info, .root_path = root, .local_assets = local};
    CHECK(render(&out, &page) == 0);
    check_bytes(line, &out, want);
    bk_buf_free(&out);
}
#define CHECK_PAGE(render, info, root, local, want)                                                \
    check_page(__LINE__, render, info, root, local, want)

/* bk_app_set_info's defaults but the title. */
static bk__app_info info_of(char *title, char *openapi, char *docs, char *redoc)
{
    return (bk__app_info){.title = title,
                          .version = "0.1.0",
                          .description = "",
                          .openapi_url = openapi,
                          .docs_url = docs,
                          .redoc_url = redoc};
}

static void test_cdn_pages(void)
{
    bk__app_info info = info_of("Items & <Co>", "/openapi.json", "/docs", "/redoc");
    CHECK_PAGE(bk__docs_swagger_html, &info, "", 0, cdn_swagger);
    CHECK_PAGE(bk__docs_redoc_html, &info, "", 0, cdn_redoc);
}

static void test_local_pages(void)
{
    bk__app_info info = info_of("Docs Test", "/openapi.json", "/docs", "/redoc");
    CHECK_PAGE(bk__docs_swagger_html, &info, "", 1, local_swagger);
    CHECK_PAGE(bk__docs_redoc_html, &info, "", 1, local_redoc);
}

/* root_path goes before the OpenAPI URL and the redirect (FastAPI's swagger_ui_html and
 * redoc_html), less its trailing '/'; a trailing '/' of the page URL is not doubled. */
static void test_root_path(void)
{
    bk__app_info info = info_of("Behind", "/spec.json", "/swagger/", "/re");
    CHECK_PAGE(bk__docs_swagger_html, &info, "/api/", 0, root_swagger);
    CHECK_PAGE(bk__docs_redoc_html, &info, "/api/", 0, root_redoc);
    /* brisk's own asset URLs get the prefix too: behind the proxy they are under it */
    bk_buf out = {0};
    bk__docs_page page = {.info = &info, .root_path = "/api/", .local_assets = 1};
    CHECK(bk__docs_swagger_html(&out, &page) == 0 && bk_buf_append(&out, "", 1) == 0);
    CHECK(strstr(out.data, "href=\"/api/swagger/swagger-ui.css\""));
    CHECK(strstr(out.data, "<script src=\"/api/swagger/swagger-ui-bundle.js\">"));
    CHECK(strstr(out.data, "href=\"/api/swagger/favicon-32x32.png\""));
    bk_buf_free(&out);
}

static void check_join(const char *root, const char *base, const char *name, const char *want)
{
    bk_buf out = {0};
    CHECK(bk__docs_join_url(&out, root, base, name) == 0);
    check_bytes(__LINE__, &out, want);
    bk_buf_free(&out);
}

static void test_join_url(void)
{
    check_join("", "/docs", "oauth2-redirect", "/docs/oauth2-redirect");
    check_join("", "/docs/", "swagger-ui.css", "/docs/swagger-ui.css");
    check_join("", "/", "swagger-ui.css", "/swagger-ui.css");
    check_join("/api//", "/a/b", "x.js", "/api/a/b/x.js");
}

static void test_oauth2_redirect(void)
{
    size_t len;
    const char *html = bk__docs_oauth2_redirect_html(&len);
    CHECK(len == strlen(oauth2_redirect) && memcmp(html, oauth2_redirect, len) == 0);
}

static void test_etag(void)
{
    const char *tag = "\"abc123\"";
    CHECK(bk__docs_etag_matches("\"abc123\"", tag));
    CHECK(bk__docs_etag_matches("W/\"abc123\"", tag)); /* If-None-Match compares weakly */
    CHECK(bk__docs_etag_matches("\"old\", \"abc123\"", tag));
    CHECK(bk__docs_etag_matches("\"old\",W/\"abc123\"", tag));
    CHECK(bk__docs_etag_matches("*", tag));
    CHECK(bk__docs_etag_matches(" * ", tag));
    CHECK(!bk__docs_etag_matches(NULL, tag));
    CHECK(!bk__docs_etag_matches("", tag));
    CHECK(!bk__docs_etag_matches("\"abc12\"", tag));
    CHECK(!bk__docs_etag_matches("\"abc1234\"", tag));
    CHECK(!bk__docs_etag_matches("abc123", tag)); /* not quoted: not an entity-tag */
    CHECK(!bk__docs_etag_matches("\"abc123", tag));
    CHECK(!bk__docs_etag_matches("*x", tag));
}

/* Every embedded file or none, each non-empty with a quoted ETag; the URL names and types. */
static void test_assets(void)
{
    int embedded = 0;
    for (int id = 0; id < BK__DOCS_NASSETS; id++) {
        const bk__docs_blob *b = bk__docs_embedded((bk__docs_asset_id)id);
        if (!b)
            continue;
        embedded++;
        CHECK(b->end > b->data);
        CHECK(strlen(b->etag) == 22 && b->etag[0] == '"' && b->etag[21] == '"');
    }
    CHECK(embedded == 0 || embedded == BK__DOCS_NASSETS);
    const bk__docs_blob *png = bk__docs_embedded(BK__DOCS_FAVICON);
    if (png)
        CHECK(png->end - png->data > 8 && memcmp(png->data, "\x89PNG\r\n\x1a\n", 8) == 0);
    CHECK_STREQ(bk__docs_asset_name(BK__DOCS_SWAGGER_JS), "swagger-ui-bundle.js");
    CHECK_STREQ(bk__docs_asset_type(BK__DOCS_SWAGGER_JS), "text/javascript; charset=utf-8");
    CHECK_STREQ(bk__docs_asset_type(BK__DOCS_SWAGGER_CSS), "text/css; charset=utf-8");
    CHECK_STREQ(bk__docs_asset_type(BK__DOCS_FAVICON), "image/png");
    CHECK_STREQ(bk__docs_asset_name(BK__DOCS_REDOC_JS), "redoc.standalone.js");
}

static void mine(bk_req *req)
{
    bk_send_text(req, 200, "mine");
}

/* The handler GET `path` leads to, or NULL. */
static bk_handler handler_at(const bk_app *app, const char *path)
{
    bk__match m;
    if (bk__router_match(app->router, BK_GET, path, strlen(path), &m) != BK__ROUTE_FOUND)
        return NULL;
    return m.target->handler;
}

/* bk__app_prepare adds the routes once; the app's own route at a docs path stays; no
 * openapi_url, no docs; a URL that is no route path is refused. */
static void test_prepare(void)
{
    int embedded = bk__docs_embedded(BK__DOCS_SWAGGER_JS) != NULL;
    bk_app *app = bk_app_new();
    CHECK(app && bk_get(app, "/redoc", mine) == 0);
    CHECK(!handler_at(app, "/docs"));
    CHECK(bk__app_prepare(app) == 0);
    bk_handler page = handler_at(app, "/docs");
    CHECK(page && page != mine);
    CHECK(handler_at(app, "/docs/oauth2-redirect"));
    CHECK((handler_at(app, "/docs/swagger-ui-bundle.js") != NULL) == embedded);
    CHECK((handler_at(app, "/redoc/redoc.standalone.js") != NULL) == embedded);
    CHECK(handler_at(app, "/redoc") == mine);
    CHECK(bk__app_prepare(app) == 0); /* idempotent */
    CHECK(handler_at(app, "/docs") == page);
    bk_app_free(app);

    app = bk_app_new();
    CHECK(app && bk_app_set_info(app, &(bk_app_info){.openapi_url = ""}) == 0);
    CHECK(bk__app_prepare(app) == 0);
    CHECK(!handler_at(app, "/docs") && !handler_at(app, "/redoc"));
    bk_app_free(app);

    app = bk_app_new();
    CHECK(app && bk_app_set_info(app, &(bk_app_info){.docs_url = "docs"}) == 0);
    CHECK(bk__app_prepare(app) == BK_EINVAL);
    bk_app_free(app);
}

int main(void)
{
    test_cdn_pages();
    test_local_pages();
    test_root_path();
    test_join_url();
    test_oauth2_redirect();
    test_etag();
    test_assets();
    test_prepare();
    return check_result("test_docs");
}
