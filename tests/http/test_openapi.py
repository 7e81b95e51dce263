"""The OpenAPI document brisk generates (src/app/openapi.c) against FastAPI 0.141's for the same
program, and against an OpenAPI 3.1 validator.

The expected documents in data/ were captured from the reference (../shared/reference, FastAPI
0.141.1 + pydantic 2.13 on CPython 3.11):
    items_openapi.json   run.sh items_api:app, curl /openapi.json  (examples/items_api.c)
    openapi_edges.json   run.sh openapi_edges:app --app-dir tests/http/data  (tests/apps/openapi_app.c)
They are compared as parsed JSON with number types and key order kept: 1000 is not 1000.0 (FastAPI
writes bounds in components as floats, in parameters as declared), and brisk writes FastAPI's
key order."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Server, binary
from httpclient import HOST, free_port, get, request

DATA = Path(__file__).resolve().parent / "data"
TOOLS = Path(__file__).resolve().parents[1] / "tools"
REDOCLY = TOOLS / "node_modules" / ".bin" / "redocly"


def expected(name):
    return (DATA / name).read_bytes()


def canonical(body):
    """The parsed document written back in its own key order: equal for equal values of equal
    types (1 and 1.0 differ, true and 1 differ) in the same key order."""
    return json.dumps(json.loads(body), ensure_ascii=False)


def walk(node, path="$"):
    """Every (path, value) of a parsed document, depth first."""
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


@pytest.fixture(scope="module")
def items_doc(tmp_path_factory):
    server = Server("items_api", ["--no-access-log"], workdir=tmp_path_factory.mktemp("items_api"))
    server.start()
    try:
        r = get(server.port, "/openapi.json")
    finally:
        server.stop()
    assert r.status == 200, r
    return r


def test_items_api_document_is_fastapis(items_doc):
    assert items_doc.headers["Content-Type"] == "application/json"
    assert canonical(items_doc.body) == canonical(expected("items_openapi.json"))


def test_items_api_operation_ids_and_summaries(items_doc):
    doc = items_doc.json()
    got = [(m, p, op["operationId"], op["summary"]) for p, m, op in operations(doc)]
    assert got == [
        ("get", "/", "root__get", "Service root"),
        ("get", "/items", "list_items_items_get", "List items"),
        ("post", "/items", "create_item_items_post", "Create an item"),
        ("get", "/items/{item_id}", "read_item_items__item_id__get", "Read an item"),
        ("put", "/items/{item_id}", "replace_item_items__item_id__put", "Replace an item"),
        ("patch", "/items/{item_id}", "update_item_items__item_id__patch", "Update an item"),
        ("delete", "/items/{item_id}", "delete_item_items__item_id__delete", "Delete an item"),
        ("post", "/items/{item_id}/notify", "notify_items__item_id__notify_post",
         "Notify about an item after the response"),
        ("get", "/notifications", "list_notifications_notifications_get", "List Notifications"),
        ("get", "/teapots/{name}", "teapot_teapots__name__get", "Teapot"),
        ("get", "/models/{model_name}", "get_model_models__model_name__get", "Get Model"),
        # the path's {file_path:path} is {file_path} in the key and in the id
        ("get", "/files/{file_path}", "read_file_files__file_path__get", "Read File"),
        ("get", "/orders/{order_id}", "read_order_orders__order_id__get", "Read Order"),
        ("get", "/whoami", "whoami_whoami_get", "Whoami"),
        ("get", "/measure", "measure_measure_get", "Measure"),
        ("get", "/stats", "stats_stats_get", "Stats"),
    ]


def test_items_api_422_exactly_on_operations_with_inputs(items_doc):
    doc = items_doc.json()
    for path, method, op in operations(doc):
        has_inputs = bool(op.get("parameters")) or "requestBody" in op
        assert ("422" in op["responses"]) == has_inputs, (method, path)
        if has_inputs:
            assert op["responses"]["422"] == {
                "description": "Validation Error",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}


def test_items_api_parameters_from_dependencies(items_doc):
    doc = items_doc.json()
    names = [(p["in"], p["name"], p["required"]) for p in doc["paths"]["/items"]["get"]["parameters"]]
    # the operation's own query parameters, then pagination's
    assert names == [("query", "q", False), ("query", "tag", False), ("query", "min_price", False),
                     ("query", "in_stock", False), ("query", "skip", False), ("query", "limit", False)]
    for method in ("post", "put", "patch", "delete"):
        path = "/items" if method == "post" else "/items/{item_id}"
        params = doc["paths"][path][method]["parameters"]
        assert {"name": "x-token", "in": "header", "required": True,
                "schema": {"type": "string", "title": "X-Token"}} in params, method


def test_items_api_components(items_doc):
    schemas = items_doc.json()["components"]["schemas"]
    assert list(schemas) == ["Body_notify_items__item_id__notify_post", "HTTPValidationError", "Image",
                             "ItemIn", "ItemOut", "ItemPatch", "ModelName", "Notification", "Tag",
                             "ValidationError"]
    assert schemas["Tag"] == {"type": "string", "enum": ["tools", "toys", "books"], "title": "Tag"}
    assert schemas["ItemIn"]["required"] == ["name", "price"]
    # FastAPI's OpenAPI model holds bounds as floats in components; parameters keep them as declared
    quantity = schemas["ItemIn"]["properties"]["quantity"]
    assert quantity == {"type": "integer", "maximum": 1000.0, "minimum": 0.0, "title": "Quantity", "default": 1}
    assert isinstance(quantity["maximum"], float) and isinstance(quantity["default"], int)
    item_id = items_doc.json()["paths"]["/items/{item_id}"]["get"]["parameters"][0]["schema"]
    assert item_id == {"type": "integer", "maximum": 1000000, "minimum": 1, "title": "Item Id"}
    assert isinstance(item_id["maximum"], int)
    # FastAPI 0.141's ValidationError has input and ctx, not only loc, msg and type
    assert list(schemas["ValidationError"]["properties"]) == ["loc", "msg", "type", "input", "ctx"]


def test_items_api_document_has_no_nulls(items_doc):
    """FastAPI drops every null member (jsonable_encoder exclude_none): `description: str | None =
    None` has no "default": null."""
    nulls = [p for p, v in walk(items_doc.json()) if v is None]
    assert nulls == []


def test_openapi_route_methods(spawn):
    s = spawn("items_api", "--no-access-log")
    head = request(s.port, "HEAD", "/openapi.json")
    assert head.status == 200 and head.body == b""
    assert int(head.headers["Content-Length"]) == len(get(s.port, "/openapi.json").body)
    r = request(s.port, "POST", "/openapi.json")
    assert r.status == 405 and r.json() == {"detail": "Method Not Allowed"}


@pytest.mark.parametrize("root_path,servers", [("/api/", [{"url": "/api"}]), ("/a/b", [{"url": "/a/b"}]),
                                               ("/", None)])
def test_root_path_is_the_server(spawn, root_path, servers):
    """FastAPI's openapi route: a root path other than "/" (less its trailing '/') is the first of
    "servers", added last to the document; nothing else changes."""
    s = spawn("items_api", "--no-access-log", "--root-path", root_path)
    got = json.loads(get(s.port, "/openapi.json").body)
    want = json.loads(expected("items_openapi.json"))
    if servers:
        want["servers"] = servers
        assert list(got)[-1] == "servers"
    assert got == want


def test_edge_cases_document_is_fastapis(spawn):
    """Every field kind and option, aliases, titles, named and unnamed enums, defaults holding
    null, shared dependencies, embedded bodies, merged responses, custom operation ids, HEAD and
    OPTIONS, an operation left out of the schema (tests/apps/openapi_app.c)."""
    s = spawn("openapi_app", "--no-access-log")
    r = get(s.port, "/openapi.json")
    assert r.status == 200, r
    assert canonical(r.body) == canonical(expected("openapi_edges.json"))


def test_edge_cases_targeted(spawn):
    s = spawn("openapi_app", "--no-access-log")
    doc = get(s.port, "/openapi.json").json()
    params = doc["paths"]["/params/{color}"]["get"]["parameters"]
    # dep_a's required q took the place of the operation's optional q; dep_c's `shared`, reached
    # through both dependencies, is there once
    assert [p["name"] for p in params if p["in"] == "query"] == [
        "q", "f", "c2", "lq", "m", "lit", "lit1", "d", "class_", "flag", "shared"]
    assert params[1] == {"name": "q", "in": "query", "required": True, "schema": {"type": "string", "title": "Q"}}
    # a default's null member is dropped, an unnamed enum is inline, a parameter title unstripped
    thing = doc["components"]["schemas"]["Thing"]["properties"]
    assert thing["opt"] == {"$ref": "#/components/schemas/Opt", "default": {"b": 1}}
    assert thing["lit1"] == {"type": "string", "const": "only", "title": "Lit1"}
    assert thing["class_"]["title"] == "Class"
    assert [p for p in params if p["name"] == "class_"][0]["schema"]["title"] == "Class "
    assert "/hidden" not in doc["paths"] and "Hidden" not in doc["components"]["schemas"]
    assert "requestBody" not in doc["paths"]["/opt"]["options"]  # OPTIONS takes no body
    assert doc["paths"]["/gone/{k}"]["delete"]["responses"] == {
        "204": {"description": "Successful Response"}, "422": {"description": "Custom"}}


@pytest.mark.parametrize("flag,message", [
    ("--clash-model", "OpenAPI: two schemas are named 'Sub'"),
    ("--clash-builtin", "OpenAPI: two schemas are named 'HTTPValidationError'"),
])
def test_schema_name_clash_stops_the_start(flag, message):
    out = subprocess.run([str(binary("openapi_app")), flag, "--host", HOST, "--port", str(free_port())],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert out.returncode == 2, out
    assert message in out.stderr, out.stderr
    assert "brisk running" not in out.stderr


def test_example_that_is_no_json_stops_the_registration():
    out = subprocess.run([str(binary("openapi_app")), "--bad-example", "--host", HOST, "--port",
                          str(free_port())], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1, out
    assert "model BadExample, field x: its BK_EXAMPLE is not valid JSON" in out.stderr, out.stderr


def test_duplicate_operation_id_is_warned(spawn):
    s = spawn("openapi_app", "--duplicate-id")
    doc = get(s.port, "/openapi.json").json()
    assert doc["paths"]["/dup"]["get"]["operationId"] == doc["paths"]["/camel"]["get"]["operationId"]
    assert "WARNING:  Duplicate Operation ID listThingsV2 for function broken" in s.stderr()


# ---- a real OpenAPI 3.1 validator --------------------------------------------------------------

@pytest.fixture(scope="module")
def redocly():
    if not REDOCLY.is_file():
        if shutil.which("npm"):
            pytest.fail(f"{REDOCLY} is missing: scripts/deps.sh test installs it (npm ci in tests/tools/)",
                        pytrace=False)
        pytest.skip("npm is not installed: Redocly's linter cannot be installed here")
    return REDOCLY


def lint(redocly, path):
    """`redocly lint` with the `spec` rules: OpenAPI 3.1's structure and types, not Redocly's style
    advice (licenses, security schemes). No telemetry, no update check."""
    env = {**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"}
    return subprocess.run([str(redocly), "lint", "--extends=spec", "--format=stylish", str(path)],
                          capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("app,args", [("items_api", ()), ("items_api", ("--root-path", "/api")),
                                      ("openapi_app", ()), ("docs_app", ())],
                         ids=["items_api", "items_api-root-path", "openapi_app", "docs_app"])
def test_generated_documents_are_valid_openapi_31(spawn, redocly, tmp_path, app, args):
    s = spawn(app, "--no-access-log", *args)
    doc = tmp_path / f"{app}.json"
    doc.write_bytes(get(s.port, "/openapi.json").body)
    out = lint(redocly, doc)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Your API description is valid" in out.stdout + out.stderr


def test_validator_refuses_a_broken_document(redocly, tmp_path):
    """The linter does fail a document that is not OpenAPI 3.1 (a parameter "in": "body")."""
    doc = json.loads(expected("items_openapi.json"))
    doc["paths"]["/items"]["get"]["parameters"][0]["in"] = "body"
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(doc))
    out = lint(redocly, path)
    assert out.returncode != 0
    assert "`in` can be one of the following only" in out.stdout + out.stderr
