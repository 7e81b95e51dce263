"""The interactive docs (src/app/docs.c) of tests/apps/docs_app.c: FastAPI's /docs (Swagger UI),
/docs/oauth2-redirect and /redoc pages, whose scripts, style and icon brisk serves itself from
the files embedded into libbrisk (the npm packages in docs-ui/node_modules), and the same pages
rendered by headless Chromium with no network but loopback.

The expected pages are FastAPI 0.141's (get_swagger_ui_html, get_redoc_html with
with_google_fonts=False) for the same title and URLs, with the asset URLs brisk serves."""

import hashlib
import json
import re
from pathlib import Path

import browser
import pytest
from httpclient import HOST, get, request

REPO = Path(__file__).resolve().parents[2]
PACKAGES = REPO / "docs-ui" / "node_modules"

# URL name -> (file in docs-ui/node_modules, Content-Type)
ASSETS = {
    "swagger-ui-bundle.js": ("swagger-ui-dist/swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    "swagger-ui.css": ("swagger-ui-dist/swagger-ui.css", "text/css; charset=utf-8"),
    "favicon-32x32.png": ("swagger-ui-dist/favicon-32x32.png", "image/png"),
    "redoc.standalone.js": ("redoc/bundles/redoc.standalone.js", "text/javascript; charset=utf-8"),
}
SWAGGER_ASSETS = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
REDOC_ASSETS = ("redoc.standalone.js", "favicon-32x32.png")
HTML = "text/html; charset=utf-8"


def swagger_html(title, openapi_url, docs, root=""):
    """FastAPI's get_swagger_ui_html with its defaults, the assets at `docs`/<name>; behind a
    `root` path, the assets and the OAuth2 redirect are under it too."""
    docs = root + docs
    return f"""
    <!DOCTYPE html>
    <html>
    <head>
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <link type="text/css" rel="stylesheet" href="{docs}/swagger-ui.css">
    <link rel="shortcut icon" href="{docs}/favicon-32x32.png">
    <title>{title} - Swagger UI</title>
    </head>
    <body>
    <div id="swagger-ui">
    </div>
    <script src="{docs}/swagger-ui-bundle.js"></script>
    <!-- `SwaggerUIBundle` is now available on the page -->
    <script>
    const ui = SwaggerUIBundle({{
        url: '{openapi_url}',
    "dom_id": "#swagger-ui",
"layout": "BaseLayout",
"deepLinking": true,
"showExtensions": true,
"showCommonExtensions": true,
oauth2RedirectUrl: window.location.origin + '{docs}/oauth2-redirect',
    presets: [
        SwaggerUIBundle.presets.apis,
        SwaggerUIBundle.SwaggerUIStandalonePreset
        ],
    }})
    </script>
    </body>
    </html>
    """.encode()


def redoc_html(title, openapi_url, redoc, root=""):
    """FastAPI's get_redoc_html(with_google_fonts=False), the assets at `redoc`/<name> (under
    `root`)."""
    redoc = root + redoc
    return f"""
    <!DOCTYPE html>
    <html>
    <head>
    <title>{title} - ReDoc</title>
    <!-- needed for adaptive design -->
    <meta charset="utf-8"/>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    
    <link rel="shortcut icon" href="{redoc}/favicon-32x32.png">
    <!--
    ReDoc doesn't change outer page styles
    -->
    <style>
      body {{
        margin: 0;
        padding: 0;
      }}
    </style>
    </head>
    <body>
    <noscript>
        ReDoc requires Javascript to function. Please enable it to browse the documentation.
    </noscript>
    <redoc spec-url="{openapi_url}"></redoc>
    <script src="{redoc}/redoc.standalone.js"> </script>
    </body>
    </html>
    """.encode()


# get_swagger_ui_oauth2_redirect_html(): its size and SHA-256 as FastAPI 0.141.1 serves it (the
# whole page is in tests/unit/test_docs.c).
OAUTH2_REDIRECT_LEN = 3012
OAUTH2_REDIRECT_SHA256 = "f45d60bb9f054b1712b3f9e60547eb9e1d523afd6472a4137b89eb503b37f058"


def package_bytes(name):
    path = PACKAGES / ASSETS[name][0]
    if not path.is_file():
        pytest.fail(f"{path} is missing: scripts/deps.sh installs it (npm ci in docs-ui/)", pytrace=False)
    return path.read_bytes()


@pytest.fixture
def docs_app(spawn):
    server = spawn("docs_app")
    page = get(server.port, "/docs").body
    if b"cdn.jsdelivr.net" in page:
        pytest.fail("this build links FastAPI's CDN: docs-ui/node_modules was missing when CMake "
                    "configured it (scripts/deps.sh runs npm ci there; then configure again)", pytrace=False)
    return server


def test_swagger_page_is_fastapis(docs_app):
    r = get(docs_app.port, "/docs")
    assert r.status == 200 and r.headers["Content-Type"] == HTML, r
    assert r.body == swagger_html("Docs Test", "/openapi.json", "/docs")


def test_redoc_page_is_fastapis(docs_app):
    r = get(docs_app.port, "/redoc")
    assert r.status == 200 and r.headers["Content-Type"] == HTML, r
    assert r.body == redoc_html("Docs Test", "/openapi.json", "/redoc")


def test_oauth2_redirect_page_is_fastapis(docs_app):
    r = get(docs_app.port, "/docs/oauth2-redirect")
    assert r.status == 200 and r.headers["Content-Type"] == HTML, r
    assert b"<title>Swagger UI: OAuth2 Redirect</title>" in r.body
    assert b"window.opener.swaggerUIRedirectOauth2" in r.body
    assert len(r.body) == OAUTH2_REDIRECT_LEN
    assert hashlib.sha256(r.body).hexdigest() == OAUTH2_REDIRECT_SHA256


def local_urls(page):
    """The href and src URLs of a page."""
    return re.findall(rb'(?:href|src)="([^"]*)"', page)


@pytest.mark.parametrize("page,names", [("/docs", SWAGGER_ASSETS), ("/redoc", REDOC_ASSETS)])
def test_pages_load_only_brisks_assets(docs_app, page, names):
    urls = local_urls(get(docs_app.port, page).body)
    assert sorted(urls) == sorted(f"{page}/{n}".encode() for n in names)
    for url in urls:
        name = url.decode().rsplit("/", 1)[1]
        r = get(docs_app.port, url.decode())
        assert r.status == 200, (url, r)
        assert r.headers["Content-Type"] == ASSETS[name][1]
        assert r.body == package_bytes(name), url


@pytest.mark.parametrize("url", [f"/docs/{n}" for n in SWAGGER_ASSETS] + [f"/redoc/{n}" for n in REDOC_ASSETS])
def test_asset_validators(docs_app, url):
    """ETag and Cache-Control; If-None-Match with it answers 304 without a body; HEAD gives the
    headers only."""
    r = get(docs_app.port, url)
    assert r.status == 200, r
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{20}"', etag), etag
    assert r.headers["Cache-Control"] == "public, max-age=86400"
    for inm in (etag, f'"other", W/{etag}', "*"):
        r304 = get(docs_app.port, url, headers={"If-None-Match": inm})
        assert r304.status == 304 and r304.body == b"", (inm, r304)
        assert r304.headers["ETag"] == etag
        assert "Content-Length" not in r304.headers
    assert get(docs_app.port, url, headers={"If-None-Match": '"other"'}).status == 200
    head = request(docs_app.port, "HEAD", url)
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(r.body)


def test_same_favicon_under_both_pages(docs_app):
    a, b = get(docs_app.port, "/docs/favicon-32x32.png"), get(docs_app.port, "/redoc/favicon-32x32.png")
    assert a.body == b.body == package_bytes("favicon-32x32.png")
    assert a.headers["ETag"] == b.headers["ETag"]


def test_docs_routes_are_get_only(docs_app):
    for path in ("/docs", "/redoc", "/docs/swagger-ui.css", "/docs/oauth2-redirect"):
        r = request(docs_app.port, "POST", path)
        assert r.status == 405, (path, r)
        assert {m.strip() for m in r.headers["Allow"].split(",")} == {"GET", "HEAD"}


def test_app_routes_still_answer(docs_app):
    assert get(docs_app.port, "/items/7").json() == {"item_id": 7}
    assert get(docs_app.port, "/docs/nothing-here").status == 404


# FastAPI's document of docs_app's operations (data/docs_openapi.json, captured from the
# reference for the same three operations): the one the pages load, generated by brisk.
DOCS_OPENAPI = Path(__file__).resolve().parent / "data" / "docs_openapi.json"


def test_pages_load_the_generated_document(docs_app):
    r = get(docs_app.port, "/openapi.json")
    assert r.status == 200 and r.headers["Content-Type"] == "application/json", r
    want = json.loads(DOCS_OPENAPI.read_bytes())
    assert json.dumps(r.json()) == json.dumps(want)  # values, number types and key order
    got = [[m.upper(), p, op["summary"]] for p, item in r.json()["paths"].items() for m, op in item.items()]
    assert got == OPERATIONS


def test_custom_urls(spawn):
    s = spawn("docs_app", "--title", "Custom", "--openapi-url", "/spec.json", "--docs-url", "/api-docs",
              "--redoc-url", "/alt/redoc/")
    r = get(s.port, "/api-docs")
    assert r.status == 200 and r.body == swagger_html("Custom", "/spec.json", "/api-docs")
    # a trailing '/' of the page URL is not doubled in its assets' URLs
    r = get(s.port, "/alt/redoc/")
    assert r.status == 200 and r.body == redoc_html("Custom", "/spec.json", "/alt/redoc")
    assert get(s.port, "/api-docs/oauth2-redirect").status == 200
    assert get(s.port, "/api-docs/swagger-ui-bundle.js").body == package_bytes("swagger-ui-bundle.js")
    assert get(s.port, "/alt/redoc/redoc.standalone.js").body == package_bytes("redoc.standalone.js")
    for gone in ("/docs", "/redoc", "/docs/oauth2-redirect", "/docs/swagger-ui.css", "/openapi.json"):
        assert get(s.port, gone).status == 404, gone
    # the document the pages point at is there, titled as the app
    spec = get(s.port, "/spec.json")
    assert spec.status == 200 and spec.json()["info"] == {"title": "Custom", "version": "0.1.0"}
    assert spec.json()["paths"] == json.loads(DOCS_OPENAPI.read_bytes())["paths"]


def test_pages_and_document_behind_a_root_path(spawn):
    """FastAPI's pages load root_path + openapi_url, and its document names root_path its server."""
    s = spawn("docs_app", "--root-path", "/api/")
    assert get(s.port, "/docs").body == swagger_html("Docs Test", "/api/openapi.json", "/docs", root="/api")
    assert get(s.port, "/redoc").body == redoc_html("Docs Test", "/api/openapi.json", "/redoc", root="/api")
    assert get(s.port, "/openapi.json").json()["servers"] == [{"url": "/api"}]


@pytest.mark.parametrize("flags,off,on", [
    (("--redoc-url", ""), ["/redoc", "/redoc/redoc.standalone.js", "/redoc/favicon-32x32.png"],
     ["/docs", "/docs/swagger-ui-bundle.js", "/docs/oauth2-redirect"]),
    (("--docs-url", ""), ["/docs", "/docs/oauth2-redirect", "/docs/swagger-ui-bundle.js",
                          "/docs/swagger-ui.css", "/docs/favicon-32x32.png"],
     ["/redoc", "/redoc/redoc.standalone.js"]),
    # no OpenAPI document, no docs: FastAPI's setup() adds the pages only with an openapi_url
    (("--openapi-url", ""), ["/docs", "/redoc", "/docs/oauth2-redirect", "/docs/swagger-ui.css",
                             "/redoc/redoc.standalone.js", "/openapi.json"], []),
], ids=["redoc-off", "docs-off", "openapi-off"])
def test_url_turned_off_is_404(spawn, flags, off, on):
    s = spawn("docs_app", *flags)
    for path in off:
        r = get(s.port, path)
        assert r.status == 404 and r.json() == {"detail": "Not Found"}, (path, r)
    for path in on:
        assert get(s.port, path).status == 200, path


# ---- in a browser ------------------------------------------------------------------------

SWAGGER_OPERATIONS = """Array.from(document.querySelectorAll('.opblock')).map(b => [
    b.querySelector('.opblock-summary-method')?.textContent,
    b.querySelector('.opblock-summary-path')?.getAttribute('data-path'),
    b.querySelector('.opblock-summary-description')?.textContent])"""
# ReDoc: each operation's section, its HTTP verb, the path beside it, and its heading (summary).
REDOC_OPERATIONS = """Array.from(document.querySelectorAll('[data-section-id^="operation/"]')).map(s => {
    const verb = s.querySelector('.http-verb');
    return [verb?.textContent, verb?.nextElementSibling?.textContent, s.querySelector('h2')?.textContent.trim()];
})"""
# The operations of docs_app's OpenAPI document.
OPERATIONS = [["GET", "/items", "List Items"], ["POST", "/items", "Create Item"],
              ["GET", "/items/{item_id}", "Read Item"]]
# ReDoc's sidebar shows Redocly's logo from their CDN (an <img> of redoc.standalone.js itself, in
# FastAPI's page too): the one request outside loopback, refused here, the page whole without it.
REDOC_OWN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@pytest.fixture(scope="module")
def chromium():
    binary = browser.find_chromium()
    if binary:
        with browser.Browser(binary) as b:
            yield b
        return
    if browser.chromium_installable():
        pytest.fail("chromium is not installed but apt has it: run scripts/deps.sh test", pytrace=False)
    pytest.skip("chromium is not installed and cannot be installed here (apt has no chromium package)")


def check_rendered(page, expression, want):
    got = page.wait_for(expression)
    assert got == want, f"rendered {got}; page errors {page.errors()}; failed requests {page.failed_requests()}"


def check_offline_page(page, port, allowed_outside=()):
    origin = f"http://{HOST}:{port}/"
    urls = [u for u in page.requested_urls() if not u.startswith(("data:", "blob:"))]
    outside = [u for u in urls if not u.startswith(origin)]
    assert outside == list(allowed_outside), urls
    assert page.failed_requests() == [(u, "net::ERR_PROXY_CONNECTION_FAILED") for u in allowed_outside]
    assert page.errors() == []


def test_swagger_ui_renders_the_operations(docs_app, chromium):
    page = chromium.open(f"http://{HOST}:{docs_app.port}/docs")
    check_rendered(page, SWAGGER_OPERATIONS, OPERATIONS)
    assert page.evaluate("document.title") == "Docs Test - Swagger UI"
    check_offline_page(page, docs_app.port)
    origin = f"http://{HOST}:{docs_app.port}"
    for path in ("/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/openapi.json"):
        assert origin + path in page.requested_urls()


def test_redoc_renders_the_operations(docs_app, chromium):
    page = chromium.open(f"http://{HOST}:{docs_app.port}/redoc")
    want = [[m.lower(), p, s] for m, p, s in OPERATIONS]
    check_rendered(page, REDOC_OPERATIONS, want)
    assert page.evaluate("document.title") == "Docs Test - ReDoc"
    check_offline_page(page, docs_app.port, allowed_outside=[REDOC_OWN_LOGO])
    origin = f"http://{HOST}:{docs_app.port}"
    for path in ("/redoc/redoc.standalone.js", "/openapi.json"):
        assert origin + path in page.requested_urls()
