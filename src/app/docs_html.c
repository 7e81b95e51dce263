/* The docs pages' HTML (docs.h): pure functions of the app's info, so that a unit test can hold
 * them to FastAPI's bytes. The templates are FastAPI 0.141's (fastapi/openapi/docs.py), with
 * their indentation and blank lines: brisk answers /docs and /redoc with the same document. */
#include "app/docs.h"

#include <string.h>

/* FastAPI's CDN URLs (get_swagger_ui_html / get_redoc_html defaults), for a build that embedded
 * no assets. */
#define CDN_SWAGGER_JS  "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"
#define CDN_SWAGGER_CSS "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"
#define CDN_REDOC_JS    "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"
#define CDN_FAVICON     "https://fastapi.tiangolo.com/img/favicon.png"
#define GOOGLE_FONTS                                                                               \
    "<link href=\"https://fonts.googleapis.com/css?family=Montserrat:300,400,700|"                 \
    "Roboto:300,400,700\" rel=\"stylesheet\">"

/* Each file's URL name (docs.c serves it under the page's URL) and Content-Type. */
static const struct {
    const char *name, *type;
} assets[BK__DOCS_NASSETS] = {
    [BK__DOCS_SWAGGER_JS] = {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
    [BK__DOCS_SWAGGER_CSS] = {"swagger-ui.css", "text/css; charset=utf-8"},
    [BK__DOCS_FAVICON] = {"favicon-32x32.png", "image/png"},
    [BK__DOCS_REDOC_JS] = {"redoc.standalone.js", "text/javascript; charset=utf-8"},
};

/* get_swagger_ui_oauth2_redirect_html(), copied by FastAPI from Swagger UI 4.14's
 * dist/oauth2-redirect.html. */
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

const char *bk__docs_asset_name(bk__docs_asset_id id)
{
    return assets[id].name;
}

const char *bk__docs_asset_type(bk__docs_asset_id id)
{
    return assets[id].type;
}

const char *bk__docs_oauth2_redirect_html(size_t *len)
{
    *len = sizeof(oauth2_redirect) - 1;
    return oauth2_redirect;
}

/* Appends `s` less its trailing '/'s, as FastAPI's root_path.rstrip("/"): a URL joined to it
 * then has one '/' between the two. */
static int append_trimmed(bk_buf *out, const char *s)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '/')
        n--;
    return bk_buf_append(out, s, n);
}

int bk__docs_join_url(bk_buf *out, const char *root_path, const char *base, const char *name)
{
    int err = append_trimmed(out, root_path);
    err |= append_trimmed(out, base);
    err |= bk_buf_append_str(out, "/");
    err |= bk_buf_append_str(out, name);
    return err ? BK_ENOMEM : 0;
}

/* Appends the URL of asset `id` of the page at `base`: the local one or FastAPI's CDN one. */
static int append_asset_url(bk_buf *out, const bk__docs_page *page, const char *base,
                            bk__docs_asset_id id, const char *cdn)
{
    if (!page->local_assets)
        return bk_buf_append_str(out, cdn);
    return bk__docs_join_url(out, page->root_path, base, assets[id].name);
}

/* Appends root_path + openapi_url, as FastAPI's swagger_ui_html and redoc_html build it. */
static int append_openapi_url(bk_buf *out, const bk__docs_page *page)
{
    int err = append_trimmed(out, page->root_path);
    err |= bk_buf_append_str(out, page->info->openapi_url);
    return err ? BK_ENOMEM : 0;
}

int bk__docs_swagger_html(bk_buf *out, const bk__docs_page *page)
{
    const char *base = page->info->docs_url;
    int err = bk_buf_append_str(out, "\n    <!DOCTYPE html>\n    <html>\n    <head>\n"
                                     "    <meta name=\"viewport\" content=\"width=device-width, "
                                     "initial-scale=1.0\">\n"
                                     "    <link type=\"text/css\" rel=\"stylesheet\" href=\"");
    err |= append_asset_url(out, page, base, BK__DOCS_SWAGGER_CSS, CDN_SWAGGER_CSS);
    err |= bk_buf_append_str(out, "\">\n    <link rel=\"shortcut icon\" href=\"");
    err |= append_asset_url(out, page, base, BK__DOCS_FAVICON, CDN_FAVICON);
    err |= bk_buf_append_str(out, "\">\n    <title>");
    /* Not escaped, as in FastAPI: the title is the developer's, and the bytes must match. */
    err |= bk_buf_append_str(out, page->info->title);
    err |= bk_buf_append_str(out, " - Swagger UI</title>\n    </head>\n    <body>\n"
                                  "    <div id=\"swagger-ui\">\n    </div>\n    <script src=\"");
    err |= append_asset_url(out, page, base, BK__DOCS_SWAGGER_JS, CDN_SWAGGER_JS);
    err |= bk_buf_append_str(out, "\"></script>\n"
                                  "    <!-- `SwaggerUIBundle` is now available on the page -->\n"
                                  "    <script>\n    const ui = SwaggerUIBundle({\n"
                                  "        url: '");
    err |= append_openapi_url(out, page);
    /* swagger_ui_default_parameters, one json.dumps'd pair a line, then the redirect URL
     * (root_path + swagger_ui_oauth2_redirect_url) without a newline of its own. */
    err |= bk_buf_append_str(out, "',\n    \"dom_id\": \"#swagger-ui\",\n"
                                  "\"layout\": \"BaseLayout\",\n\"deepLinking\": true,\n"
                                  "\"showExtensions\": true,\n\"showCommonExtensions\": true,\n"
                                  "oauth2RedirectUrl: window.location.origin + '");
    err |= bk__docs_join_url(out, page->root_path, base, "oauth2-redirect");
    err |= bk_buf_append_str(out, "',\n    presets: [\n        SwaggerUIBundle.presets.apis,\n"
                                  "        SwaggerUIBundle.SwaggerUIStandalonePreset\n"
                                  "        ],\n    })\n    </script>\n    </body>\n"
                                  "    </html>\n    ");
    return err ? BK_ENOMEM : 0;
}

int bk__docs_redoc_html(bk_buf *out, const bk__docs_page *page)
{
    const char *base = page->info->redoc_url;
    int err = bk_buf_append_str(out, "\n    <!DOCTYPE html>\n    <html>\n    <head>\n"
                                     "    <title>");
    err |= bk_buf_append_str(out, page->info->title);
    err |= bk_buf_append_str(out, " - ReDoc</title>\n    <!-- needed for adaptive design -->\n"
                                  "    <meta charset=\"utf-8\"/>\n"
                                  "    <meta name=\"viewport\" content=\"width=device-width, "
                                  "initial-scale=1\">\n    ");
    if (!page->local_assets)
        err |= bk_buf_append_str(out, "\n    " GOOGLE_FONTS "\n    ");
    err |= bk_buf_append_str(out, "\n    <link rel=\"shortcut icon\" href=\"");
    err |= append_asset_url(out, page, base, BK__DOCS_FAVICON, CDN_FAVICON);
    err |= bk_buf_append_str(out, "\">\n    <!--\n    ReDoc doesn't change outer page styles\n"
                                  "    -->\n    <style>\n      body {\n        margin: 0;\n"
                                  "        padding: 0;\n      }\n    </style>\n    </head>\n"
                                  "    <body>\n    <noscript>\n        ReDoc requires Javascript "
                                  "to function. Please enable it to browse the documentation.\n"
                                  "    </noscript>\n    <redoc spec-url=\"");
    err |= append_openapi_url(out, page);
    err |= bk_buf_append_str(out, "\"></redoc>\n    <script src=\"");
    err |= append_asset_url(out, page, base, BK__DOCS_REDOC_JS, CDN_REDOC_JS);
    err |= bk_buf_append_str(out, "\"> </script>\n    </body>\n    </html>\n    ");
    return err ? BK_ENOMEM : 0;
}

/* The next entity-tag of an If-None-Match list at `*p` (RFC 9110 §8.8.3: `W/"x"` or `"x"`),
 * without its W/ prefix: its start and length, and `*p` past it and its comma. 0 when the list
 * is over or malformed. */
static int next_etag(const char **p, const char **tag, size_t *len)
{
    const char *s = *p;
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    if (s[0] == 'W' && s[1] == '/')
        s += 2;
    if (*s != '"')
        return 0;
    const char *end = strchr(s + 1, '"');
    if (!end)
        return 0;
    *tag = s;
    *len = (size_t)(end + 1 - s);
    *p = end + 1;
    return 1;
}

int bk__docs_etag_matches(const char *if_none_match, const char *etag)
{
    if (!if_none_match)
        return 0;
    const char *p = if_none_match;
    while (*p == ' ' || *p == '\t')
        p++;
    if (p[0] == '*' && (p[1] == '\0' || p[1] == ' ' || p[1] == '\t'))
        return 1;
    size_t want = strlen(etag), len;
    const char *tag;
    while (next_etag(&p, &tag, &len))
        if (len == want && memcmp(tag, etag, len) == 0)
            return 1;
    return 0;
}
