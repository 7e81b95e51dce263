/* The OpenAPI 3.1 document of an app, FastAPI's app.openapi(): generated from the path operations
 * once, when the app is first served (bk__app_prepare), and served at info.openapi_url.
 *
 * The document is the one FastAPI 0.141 generates for the same program, as parsed JSON, key
 * order included. Two details of FastAPI's own come through here: its output is
 * jsonable_encoder(OpenAPI(**doc), exclude_none=True), so
 * - every null member of an object is dropped (a default of None is not written, and neither is
 *   {"a": null}'s member inside a default);
 * - what pydantic re-validates into FastAPI's OpenAPI models is reordered in their field order
 *   and its bounds become floats ("maximum": 1000.0 on an int field): that is every schema in
 *   components, and the path items without parameters. A path item with a parameter fails
 *   the strict pass of that validation (its "in" is an Enum) and stays FastAPI's dict as it
 *   built it (pydantic's key order, bounds as declared). bk__oas_style names the two. */
#ifndef BK_APP_OPENAPI_H
#define BK_APP_OPENAPI_H

#include "app/app.h"
#include "model/model.h"

/* Where $refs point: "#/components/schemas/" + the schema's name. */
#define BK__OAS_REF "#/components/schemas/"

/* How a schema is written (see above). */
typedef enum bk__oas_style {
    BK__OAS_RAW,   /* FastAPI's dict: pydantic's key order, bounds as declared (BK_GT(0) is 0) */
    BK__OAS_MODEL, /* re-validated: fastapi.openapi.models.Schema's key order, bounds floats */
} bk__oas_style;

/* Writes {"$ref": BK__OAS_REF + name} as a value. */
void bk__oas_ref(bk_json *j, const char *name);
/* Writes the keys of a {"$ref": ...} into the object being written. */
void bk__oas_ref_key(bk_json *j, const char *name);
/* Writes the schema of a model's field: pydantic's (components; BK__OAS_MODEL). */
void bk__oas_property(bk_json *j, const bk__cfield *f);
/* Writes the schema of a path, query, header or cookie parameter: pydantic's, with FastAPI's
 * title (BK__OAS_RAW, as the path item holding it stays a dict). */
void bk__oas_param_schema(bk_json *j, const bk__cfield *f);
/* Writes an object schema titled `title` of the fields of `m`: every field, or with `body_only`
 * those read from the body (BK_FROM_BODY: FastAPI's Body_<operation_id> model). */
void bk__oas_object(bk_json *j, const char *title, const bk__cmodel *m, int body_only);
/* Writes the schema of a named enum: {"type": "string", "enum": [...], "title": ...}. */
void bk__oas_enum(bk_json *j, const bk_enum *e);
/* Writes Python's title of a name: `name.title().replace("_", " ")`, stripped of spaces around
 * when `strip` (pydantic's, for properties; FastAPI's parameter titles are not stripped). */
void bk__oas_title(bk_json *j, const char *name, int strip);

struct bk__pathop;
/* Writes the "responses" key of `op` (with FastAPI's 422 when `validation_error`). */
void bk__oas_responses(bk_json *j, const struct bk__pathop *op, int validation_error,
                       bk__oas_style st);

/* Appends the app's OpenAPI document to `out` (compact JSON, no "servers": see
 * bk__openapi_install). Returns 0, BK_EINVAL when the declarations make no sound document (two
 * schemas of one name; logged), or BK_ENOMEM. */
int bk__openapi_build(const bk_app *app, bk_buf *out);
/* Builds the document into app->openapi and registers GET info.openapi_url for it, unless the
 * URL is "" (no document) or the app has a route there itself (it stays; a warning says so).
 * Served with FastAPI's "servers": [{"url": root path}] first when the server has a root path.
 * Returns 0, the codes of bk__openapi_build, or BK_EINVAL for a URL that is no route path. */
int bk__openapi_install(bk_app *app);

#endif
