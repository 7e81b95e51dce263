/* brisk — an async web framework for C.
 *
 * A handler is a plain sequential C function that runs as a task on its own stackful coroutine.
 * Where it waits (bk_sleep, outbound HTTP, the thread pool, and later PostgreSQL) it calls an
 * awaiting function that suspends only that task and returns when the result is there; the
 * worker's event loop serves everybody else meanwhile.
 *
 * Handlers must not block the loop: no sleep(), no blocking socket or file I/O, no long CPU loops.
 * A blocked handler stalls every connection of its worker, exactly as a blocking call inside an
 * `async def` stalls a FastAPI process.
 */
#ifndef BRISK_H
#define BRISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRISK_VERSION "0.1.0"

/* BK_EXTERN marks the public API, as UV_EXTERN does in libuv: libbrisk is compiled with
 * -fvisibility=hidden, so libbrisk.so exports exactly the functions declared with it and nothing
 * of its internals or of the llhttp it may embed. BRISK_BUILDING_SHARED / BRISK_USING_SHARED
 * matter only for Windows DLLs (brisk does not build there yet). */
#if defined(_WIN32)
#if defined(BRISK_BUILDING_SHARED)
#define BK_EXTERN __declspec(dllexport)
#elif defined(BRISK_USING_SHARED)
#define BK_EXTERN __declspec(dllimport)
#else
#define BK_EXTERN /* static library */
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define BK_EXTERN __attribute__((visibility("default")))
#else
#define BK_EXTERN
#endif

/* ---- errors ----------------------------------------------------------------------------- */

/* Results of brisk calls: 0 on success, a negative BK_E* code on failure. The codes are negated
 * errno values, as libuv's are on Unix, so a system or libuv error passes through unchanged;
 * the ones below are those brisk itself returns. */
enum {
    BK_OK = 0,
    BK_ENOENT = -2,         /* no such header / parameter */
    BK_EAGAIN = -11,        /* resource temporarily unavailable (a thread could not start) */
    BK_ENOMEM = -12,        /* out of memory */
    BK_EEXIST = -17,        /* a route with this method and pattern is already registered */
    BK_EINVAL = -22,        /* bad argument (malformed route pattern, bad flag value, ...) */
    BK_ERANGE = -34,        /* a value does not fit the requested type */
    BK_EPROTO = -71,        /* bk_fetch: the response was malformed or cut short */
    BK_EMSGSIZE = -90,      /* bk_fetch: the response is larger than allowed */
    BK_EADDRINUSE = -98,    /* the address to listen on is taken */
    BK_ECONNRESET = -104,   /* the connection was lost mid-exchange (an upstream, a database) */
    BK_ETIMEDOUT = -110,    /* a timeout or deadline passed */
    BK_ECONNREFUSED = -111, /* could not connect: nothing accepts connections there (or the
                               database is down) */
    BK_EHOSTUNREACH = -113, /* bk_fetch: no route to the host */
    BK_ECANCELED = -125,    /* the task was cancelled: its client went away or the server stops */
    BK_EAI_NONAME = -3008,  /* bk_fetch: the host name does not resolve (libuv's UV_EAI_NONAME) */
    BK_EQUERY = -4000,      /* the database refused the query: bk_rows_error() says why */
    BK_ESTARTUP = -4001,    /* a start-up hook failed (bk_app_on_startup): the log says which */
};

/* A short English description of a BK_E* code (or any negated errno), for logs and messages. */
BK_EXTERN const char *bk_strerror(int err);

/* ---- growable byte buffer ------------------------------------------------------------- */

/* A growable byte buffer; zero-initialise it ({0}) before first use, bk_buf_free when done.
 * `data` holds `len` bytes and is not NUL-terminated. */
typedef struct bk_buf {
    char *data;
    size_t len;
    size_t cap;
} bk_buf;

/* Ensures room for `extra` more bytes. Returns 0 or BK_ENOMEM. */
BK_EXTERN int bk_buf_reserve(bk_buf *b, size_t extra);
/* Appends `len` bytes. Returns 0 or BK_ENOMEM. */
BK_EXTERN int bk_buf_append(bk_buf *b, const void *data, size_t len);
/* Appends a NUL-terminated string (without its NUL). Returns 0 or BK_ENOMEM. */
BK_EXTERN int bk_buf_append_str(bk_buf *b, const char *s);
/* Releases the buffer's memory and resets it to empty. */
BK_EXTERN void bk_buf_free(bk_buf *b);

/* ---- JSON writer ---------------------------------------------------------------------- */

/* Streams compact JSON into a bk_buf, inserting commas itself. Strings are escaped per RFC 8259
 * (quotes, backslash, control characters); invalid UTF-8 is replaced by U+FFFD so the output is
 * always valid JSON. Errors are sticky: check bk_json_error() once at the end. Every call on a
 * NULL writer does nothing, so an unchecked NULL from bk_json_begin() cannot crash a handler. */
typedef struct bk_json {
    bk_buf *out;
    uint32_t depth;
    int error;             /* first error seen, 0 if none */
    uint8_t has_items[64]; /* per nesting level: holds a value yet? is it an object? (flags) */
    uint8_t after_key;     /* a key was just written: no comma before the value */
} bk_json;

/* Starts writing into `out` (appending to what it already holds). */
BK_EXTERN void bk_json_init(bk_json *j, bk_buf *out);
/* Opens / closes an object `{...}`. Nesting deeper than 63 levels sets BK_ERANGE. */
BK_EXTERN void bk_json_object_begin(bk_json *j);
BK_EXTERN void bk_json_object_end(bk_json *j);
/* Opens / closes an array `[...]`. */
BK_EXTERN void bk_json_array_begin(bk_json *j);
BK_EXTERN void bk_json_array_end(bk_json *j);
/* Writes an object key; the next call writes its value. */
BK_EXTERN void bk_json_key(bk_json *j, const char *key);
/* Scalar values. bk_json_double writes null for NaN and infinities (JSON has no such numbers). */
BK_EXTERN void bk_json_string(bk_json *j, const char *s);
BK_EXTERN void bk_json_string_len(bk_json *j, const char *s, size_t len);
BK_EXTERN void bk_json_int(bk_json *j, int64_t v);
BK_EXTERN void bk_json_double(bk_json *j, double v);
BK_EXTERN void bk_json_bool(bk_json *j, int v);
BK_EXTERN void bk_json_null(bk_json *j);
/* Inserts already-serialised JSON verbatim as one value (the caller vouches for its validity). */
BK_EXTERN void bk_json_raw(bk_json *j, const char *json, size_t len);
/* Returns the first error or 0: BK_ENOMEM, BK_ERANGE (too deep), BK_EINVAL for misuse (unbalanced
 * calls, a key outside an object, a second top-level value) and for a document not finished yet
 * (open containers, a key without its value, nothing written). Call it at the end. */
BK_EXTERN int bk_json_error(const bk_json *j);

/* Appends `len` bytes of `s` to `out` as a quoted, escaped JSON string. Returns 0, BK_ENOMEM
 * (`out` is then left as it was), or BK_EINVAL for a NULL `out`, or a NULL `s` with `len` > 0. */
BK_EXTERN int bk_json_escape(bk_buf *out, const char *s, size_t len);

/* ---- application and routes ----------------------------------------------------------- */

typedef struct bk_app bk_app;
typedef struct bk_req bk_req;
typedef struct bk_task bk_task;
typedef struct bk_server bk_server;

/* A request handler: runs as a task on its own coroutine and answers with one of the bk_send*
 * calls. */
typedef void (*bk_handler)(bk_req *req);

/* HTTP methods a route can be registered for. */
typedef enum bk_method {
    BK_GET,
    BK_HEAD,
    BK_POST,
    BK_PUT,
    BK_DELETE,
    BK_PATCH,
    BK_OPTIONS,
    BK_METHOD_COUNT
} bk_method;

/* Creates an empty application. Returns NULL when out of memory. */
BK_EXTERN bk_app *bk_app_new(void);
/* Frees the application and its routes. Call only after every server serving it stopped. */
BK_EXTERN void bk_app_free(bk_app *app);

/* What the OpenAPI document and the docs pages say of the app, and where they are served, like
 * FastAPI(title=..., version=..., description=..., openapi_url=..., docs_url=..., redoc_url=...).
 * Zero-initialise, then set what you need: NULL strings take FastAPI's defaults ("FastAPI",
 * "0.1.0", "/openapi.json", "/docs", "/redoc"); "" turns a URL off. Strings are copied. The
 * document (OpenAPI 3.1, FastAPI's for the same operations) is generated from the operations
 * (bk_add_op) when the app is first served; a route plain bk_route() adds is not in it. */
typedef struct bk_app_info {
    const char *title;
    const char *version;
    const char *description;
    const char *openapi_url;
    const char *docs_url;
    const char *redoc_url;
} bk_app_info;

/* Sets the app's title, version, description and documentation URLs (before serving). Returns 0
 * or BK_ENOMEM. */
BK_EXTERN int bk_app_set_info(bk_app *app, const bk_app_info *info);

/* Registers `handler` for `method` and `pattern`. A pattern is a path whose segments may be
 * parameters: "/items/{item_id}"; a last segment "{name:path}" captures the rest of the path (empty too, as Starlette's).
 * `udata` is handed back by bk_req_udata(). Returns 0, BK_EINVAL for a malformed pattern,
 * BK_EEXIST for a duplicate, or BK_ENOMEM. HEAD is served by the GET handler when not registered
 * (Starlette's Route). Another method answers 405, Allow listing the methods of the path's first
 * registered route (its method; "GET, HEAD" for a GET). */
BK_EXTERN int bk_route(bk_app *app, bk_method method, const char *pattern, bk_handler handler,
                       void *udata);
/* How a route runs, beyond its handler. Zero-initialise, then set what you need. */
typedef struct bk_route_opts {
    void *udata;         /* handed back by bk_req_udata() */
    int blocking;        /* nonzero: the whole handler runs on the thread pool, like FastAPI's
                            plain `def` endpoints. It may block and use the request and response
                            calls, but not await. A full pool queue answers 503. */
    uint64_t timeout_ms; /* 0: none. Past it the request is answered 504 and the handler is
                            cancelled with BK_ETIMEDOUT (a blocking one is waited for). */
} bk_route_opts;

/* bk_route with options. Same results, and BK_EINVAL for a NULL `opts`. */
BK_EXTERN int bk_route_with(bk_app *app, bk_method method, const char *pattern, bk_handler handler,
                            const bk_route_opts *opts);
/* Shorthands for bk_route(app, BK_GET / BK_POST / ..., pattern, handler, NULL). */
BK_EXTERN int bk_get(bk_app *app, const char *pattern, bk_handler handler);
BK_EXTERN int bk_post(bk_app *app, const char *pattern, bk_handler handler);
BK_EXTERN int bk_put(bk_app *app, const char *pattern, bk_handler handler);
BK_EXTERN int bk_delete(bk_app *app, const char *pattern, bk_handler handler);
BK_EXTERN int bk_patch(bk_app *app, const char *pattern, bk_handler handler);
/* FastAPI's redirect_slashes (on by default): a request no route matches, not even by path, for
 * "/items/" when "/items" exists (or the reverse) gets a 307 to the other one, its Location
 * built as Starlette builds it (scheme, Host, root path, path, query). `on` 0 turns it off. */
BK_EXTERN void bk_app_redirect_slashes(bk_app *app, int on);

/* ---- models: typed parameters, bodies and responses ----------------------------------- */

/* An operation's inputs and outputs are C structs described by field tables: brisk parses and
 * validates the request into the struct before the handler runs (one 422 with every error, in
 * FastAPI's shape), serialises response structs, and writes the OpenAPI document, all from the
 * same table. A field's kind is inferred from its member's C type with _Generic, so a table
 * cannot describe an int64_t member as a string. Strings and lists point into request memory. */

/* A string: UTF-8, NUL-terminated. `ptr` is NULL for None (an optional string left out, or a
 * JSON null). */
typedef struct bk_str {
    const char *ptr;
    size_t len;
} bk_str;
/* `str` from a C string (NULL gives None). */
static inline bk_str bk_str_of(const char *s)
{
    bk_str r = {s, s ? strlen(s) : 0};
    return r;
}
#define BK_STR(s) bk_str_of(s)

/* Optional scalars (`int | None`, `float | None`, `bool | None`): `has` is false for None. */
typedef struct bk_opt_int {
    bool has;
    int64_t v;
} bk_opt_int;
typedef struct bk_opt_float {
    bool has;
    double v;
} bk_opt_float;
typedef struct bk_opt_bool {
    bool has;
    bool v;
} bk_opt_bool;

/* A UUID (path, query or body `uuid.UUID`), serialised in its canonical lowercase form. */
typedef struct bk_uuid {
    uint8_t bytes[16];
} bk_uuid;

/* Writes `u` in its canonical form ("12345678-1234-5678-1234-567812345678") and a NUL. */
BK_EXTERN void bk_uuid_format(const bk_uuid *u, char out[37]);

/* A list of T (`list[T]`): `len` items. `items` is NULL only for a None list (a field declared
 * BK_OPTIONAL); a non-optional list with NULL items is serialised as []. */
#define BK_LIST(T)                                                                                 \
    struct {                                                                                       \
        T *items;                                                                                  \
        size_t len;                                                                                \
    }

/* One value of a string enum (`class Tag(str, Enum)`): its JSON text and its C value. A table
 * of them ends with {NULL, 0}. The member is a C enum (int-sized). */
typedef struct bk_enum_value {
    const char *name;
    int value;
} bk_enum_value;

/* A named string enum, `class Tag(str, Enum)`: its values and the name OpenAPI gives it (a
 * schema of its own in components.schemas, referenced by every field of it). Give it to a field
 * with BK_ENUM_CLASS(&e); BK_ENUM_OF(values) is an unnamed one, written inline in each field's
 * schema as pydantic writes a `Literal[...]`. */
typedef struct bk_enum {
    const char *title;
    const bk_enum_value *values; /* ends with {NULL, 0} */
} bk_enum;

/* What a field is, inferred by BK_FIELD from the member's type (bk__field.kind). */
typedef enum bk_kind {
    BK_K_UNKNOWN, /* not inferable: give BK_MODEL_OF() (a struct) or BK_ENUM_OF() */
    BK_K_BOOL,    /* bool */
    BK_K_INT,     /* int64_t, int, long, ... (stored at the member's size). pydantic's ints are
                     unbounded: a value beyond the member's range that passes the field's
                     bounds is stored saturated (INT64_MAX for 10**20 in an int64_t) */
    BK_K_FLOAT,   /* double */
    BK_K_STR,     /* bk_str */
    BK_K_UUID,    /* bk_uuid */
    BK_K_OPT_BOOL,
    BK_K_OPT_INT,
    BK_K_OPT_FLOAT,
    BK_K_ENUM,  /* a C enum with a bk_enum_value table */
    BK_K_MODEL, /* a nested struct with its bk_model */
    BK_K_LIST,  /* BK_LIST(T): elements of the kind in bk_field.elem */
} bk_kind;

/* Where a parameter comes from. Body fields of a model need none; a field of an operation's
 * parameter struct says where it is read (FastAPI's Path(), Query(), Header(), Cookie(),
 * Body(embed=True)). */
typedef enum bk_in {
    BK_IN_NONE,
    BK_IN_PATH,
    BK_IN_QUERY,
    BK_IN_HEADER,
    BK_IN_COOKIE,
    BK_IN_BODY
} bk_in;

/* One option of a field (a bound, a default, a location, docs): made by the BK_* option macros
 * below, never written by hand. */
typedef struct bk_field_opt {
    int kind; /* bk__opt_kind; 0 ends a list */
    int is_float;
    int64_t i;
    double f;
    const void *p;
} bk_field_opt;

typedef struct bk_model bk_model;

/* One field of a model: made by BK_FIELD / BK_LIST_FIELD. */
typedef struct bk_field {
    const char *name; /* the member's name: the JSON key and the parameter name */
    size_t offset, size;
    bk_kind kind;
    bk_kind elem;     /* BK_K_LIST: the elements' kind */
    size_t elem_size; /* BK_K_LIST: sizeof(T) */
    const bk_field_opt *opts;
} bk_field;

/* A model: a struct and its fields, like a pydantic BaseModel. `title` is its OpenAPI name.
 * `set_offset`: where a uint64_t of "fields present in the input" lives (bit i for field i),
 * or (size_t)-1 for none — PATCH handlers use it for exclude_unset. */
struct bk_model {
    const char *title;
    size_t size;
    const bk_field *fields; /* ends with BK_END */
    size_t set_offset;
};

/* A model of struct T titled `title` with the BK_END-terminated `fields`. */
#define BK_MODEL(T, title, fields)                                                                 \
    {                                                                                              \
        (title), sizeof(T), (fields), (size_t)-1                                                   \
    }
/* BK_MODEL that records which fields the input set in T's uint64_t member `set`. */
#define BK_MODEL_SET(T, title, fields, set)                                                        \
    {                                                                                              \
        (title), sizeof(T), (fields), offsetof(T, set)                                             \
    }
/* Checks that `model`'s table compiles and covers its struct: a member the table lacks shows as
 * bytes no field holds and padding cannot explain (one small enough to hide in the padding
 * before the next member, an int between a bool and a double, is not seen). Returns 0, or
 * BK_EINVAL with `why` (n bytes) saying where. Registration warns of it too; call it in a test
 * per model. */
BK_EXTERN int bk_model_check(const bk_model *model, char *why, size_t n);
/* Nonzero when the input of `obj` (a model with BK_MODEL_SET) carried field `name`. */
BK_EXTERN int bk_model_isset(const bk_model *model, const void *obj, const char *name);

#define BK__KIND_OF(x)                                                                             \
    _Generic((x), bool                                                                             \
             : BK_K_BOOL, int                                                                      \
             : BK_K_INT, long                                                                      \
             : BK_K_INT, long long                                                                 \
             : BK_K_INT, unsigned                                                                  \
             : BK_K_INT, short                                                                     \
             : BK_K_INT, double                                                                    \
             : BK_K_FLOAT, bk_str                                                                  \
             : BK_K_STR, bk_uuid                                                                   \
             : BK_K_UUID, bk_opt_bool                                                              \
             : BK_K_OPT_BOOL, bk_opt_int                                                           \
             : BK_K_OPT_INT, bk_opt_float                                                          \
             : BK_K_OPT_FLOAT, default                                                             \
             : BK_K_UNKNOWN)
#define BK__OPTS(...)    ((const bk_field_opt[]){__VA_ARGS__ __VA_OPT__(, ){0, 0, 0, 0, 0}})
#define BK__MEMBER(T, m) (((T *)0)->m)
#ifdef __CPPCHECK__
/* cppcheck 2.10 cannot parse these _Generic selections (nor __VA_OPT__ after braced arguments):
 * it checks the tables with plain stand-ins. */
#undef BK__KIND_OF
#define BK__KIND_OF(x) BK_K_UNKNOWN
#undef BK__OPTS
#define BK__OPTS(...) ((const bk_field_opt *)0)
#endif

/* A field for member `m` of struct T, its kind from the member's type, then options: a
 * location, bounds, a default, docs. BK_FIELD(item, price, BK_GT(0)). */
#define BK_FIELD(T, m, ...)                                                                        \
    {                                                                                              \
#m, offsetof(T, m), sizeof(BK__MEMBER(T, m)), BK__KIND_OF(BK__MEMBER(T, m)), BK_K_UNKNOWN, \
            0, BK__OPTS(__VA_ARGS__)                                                               \
    }
/* A field for BK_LIST(E) member `m`: the elements' kind from E (BK_ENUM_OF / BK_MODEL_OF for
 * enums and structs), then options. */
#define BK_LIST_FIELD(T, m, ...)                                                                   \
    {                                                                                              \
#m, offsetof(T, m), sizeof(BK__MEMBER(T, m)), BK_K_LIST,                                   \
            BK__KIND_OF(*BK__MEMBER(T, m).items), sizeof(*BK__MEMBER(T, m).items),                 \
            BK__OPTS(__VA_ARGS__)                                                                  \
    }
/* Ends a field table. */
#define BK_END                                                                                     \
    {                                                                                              \
        NULL, 0, 0, BK_K_UNKNOWN, BK_K_UNKNOWN, 0, NULL                                            \
    }

/* Option kinds (bk_field_opt.kind); use the macros. */
enum bk__opt_kind {
    BK__O_END,
    BK__O_IN,
    BK__O_GT,
    BK__O_GE,
    BK__O_LT,
    BK__O_LE,
    BK__O_MULTIPLE_OF,
    BK__O_MIN_LEN,
    BK__O_MAX_LEN,
    BK__O_PATTERN,
    BK__O_DEFAULT,
    BK__O_OPTIONAL,
    BK__O_NULLABLE,
    BK__O_ENUM,
    BK__O_MODEL,
    BK__O_ALIAS,
    BK__O_TITLE,
    BK__O_DESC,
    BK__O_EXAMPLE,
    BK__O_DEPRECATED,
    BK__O_FORBID_EXTRA,
    BK__O_ENUM_CLASS,
};
#define BK__NUM_OPT(k, x)                                                                          \
    {                                                                                              \
        (k), _Generic((x), double : 1, float : 1, default : 0),                                    \
            _Generic((x), double : 0, float : 0, default                                           \
                     : (int64_t)(x)),                                                              \
            (double)(x), NULL                                                                      \
    }
#define BK__PTR_OPT(k, x)                                                                          \
    {                                                                                              \
        (k), 0, 0, 0, (const void *)(x)                                                            \
    }
#define BK__INT_OPT(k, x)                                                                          \
    {                                                                                              \
        (k), 0, (int64_t)(x), 0, NULL                                                              \
    }
/* Where a parameter is read (see bk_in): BK_FROM_PATH, BK_FROM_QUERY, ... */
#define BK_FROM(where) BK__INT_OPT(BK__O_IN, where)
#define BK_FROM_PATH   BK_FROM(BK_IN_PATH)
#define BK_FROM_QUERY  BK_FROM(BK_IN_QUERY)
#define BK_FROM_HEADER BK_FROM(BK_IN_HEADER) /* x_token is read from header "x-token" */
#define BK_FROM_COOKIE BK_FROM(BK_IN_COOKIE)
#define BK_FROM_BODY   BK_FROM(BK_IN_BODY) /* a key of the JSON body, Body(embed=True) */
/* Numeric bounds, as pydantic's gt/ge/lt/le/multiple_of. */
#define BK_GT(x)          BK__NUM_OPT(BK__O_GT, x)
#define BK_GE(x)          BK__NUM_OPT(BK__O_GE, x)
#define BK_LT(x)          BK__NUM_OPT(BK__O_LT, x)
#define BK_LE(x)          BK__NUM_OPT(BK__O_LE, x)
#define BK_MULTIPLE_OF(x) BK__NUM_OPT(BK__O_MULTIPLE_OF, x)
/* Length bounds: characters of a string, items of a list. */
#define BK_MIN_LEN(n) BK__INT_OPT(BK__O_MIN_LEN, n)
#define BK_MAX_LEN(n) BK__INT_OPT(BK__O_MAX_LEN, n)
/* A regular expression the string must contain a match of (pydantic's `pattern`: a search). */
#define BK_PATTERN(re) BK__PTR_OPT(BK__O_PATTERN, re)
/* The value when the input leaves the field out, as JSON text: BK_DEFAULT("1"),
 * BK_DEFAULT("\"cm\""), BK_DEFAULT("[]"). Without one (and without BK_OPTIONAL) a field is
 * required. */
#define BK_DEFAULT(json) BK__PTR_OPT(BK__O_DEFAULT, json)
/* `T | None = None`: may be left out or null, and is then None. */
#define BK_OPTIONAL BK__INT_OPT(BK__O_OPTIONAL, 1)
/* `T | None` without a None default: required, but null is accepted. */
#define BK_NULLABLE BK__INT_OPT(BK__O_NULLABLE, 1)
/* The values of an enum member (or of a list's enum elements): unnamed (a `Literal[...]`), or
 * a named bk_enum (a `class Tag(str, Enum)`, its own schema in OpenAPI). */
#define BK_ENUM_OF(values) BK__PTR_OPT(BK__O_ENUM, values)
#define BK_ENUM_CLASS(e)   BK__PTR_OPT(BK__O_ENUM_CLASS, e)
/* The model of a struct member (or of a list's struct elements). */
#define BK_MODEL_OF(model) BK__PTR_OPT(BK__O_MODEL, model)
/* The name on the wire when it is not the member's (a header "user-agent" is found from
 * user_agent already). */
#define BK_ALIAS(name) BK__PTR_OPT(BK__O_ALIAS, name)
/* OpenAPI documentation of the field, as pydantic's Field(title=..., description=...,
 * examples=[...], deprecated=True): BK_EXAMPLE's JSON text is the one item of `examples`. A
 * parameter's description and deprecation are also written on the parameter, as FastAPI does. */
#define BK_TITLE(s)    BK__PTR_OPT(BK__O_TITLE, s)
#define BK_DESC(s)     BK__PTR_OPT(BK__O_DESC, s)
#define BK_EXAMPLE(js) BK__PTR_OPT(BK__O_EXAMPLE, js)
#define BK_DEPRECATED  BK__INT_OPT(BK__O_DEPRECATED, 1)

/* ---- operations: one declaration per path operation ----------------------------------- */

typedef struct bk_dep bk_dep;

/* An extra documented response of an operation (FastAPI's responses={404: {...}}). One of the
 * success status updates that response (its description, its schema). */
typedef struct bk_response_doc {
    int status;
    const char *description; /* NULL: the status's reason phrase, as Python names it */
    const bk_model *model;   /* NULL: no schema */
} bk_response_doc;

/* A path operation, like FastAPI's @app.get(...) and the function's signature: brisk reads and
 * validates `params` and `body` before `handler` runs (answering 422 with every error), runs the
 * dependencies, and documents it all in OpenAPI. Zero-initialise (a compound literal), then set
 * what you need; BK_OP() fills in `name` from the handler. */
typedef struct bk_op {
    bk_method method;
    const char *path; /* a bk_route pattern: "/items/{item_id}" */
    bk_handler handler;
    const char *name;         /* the handler's name, for operationId and summary */
    const bk_model *params;   /* path, query, header, cookie (and embedded body) fields */
    const bk_model *body;     /* the JSON request body, validated into this model */
    const bk_model *response; /* what bk_respond() serialises (fields filtered) */
    int response_list;        /* nonzero: the response is a list of `response` */
    int status;               /* the success status, default 200 (204: no body) */
    const char *const *tags;  /* NULL-terminated */
    const char *summary;      /* default: the name in title case ("Read Item") */
    const char *description;
    const char *operation_id;         /* default: FastAPI's generated id */
    const bk_response_doc *responses; /* extra responses, ending with {0} */
    const bk_dep *const *deps; /* dependencies, run in order before the handler; NULL-terminated */
    int deprecated;
    int include_in_schema_off; /* nonzero: left out of OpenAPI */
    bk_route_opts route;       /* udata, blocking, timeout_ms */
} bk_op;

/* Registers an operation. Its strings and lists (path, tags, summary, description, responses,
 * deps) are copied: they may be temporaries; the models, dependencies and enum tables they
 * point to must live as long as the app. Returns 0; BK_EINVAL for a malformed declaration (the
 * reason is logged: a pattern that does not compile, a struct the table does not fit, a path
 * parameter missing from `params`); BK_EEXIST, BK_ENOMEM as bk_route. Unlike bk_route, a GET
 * operation does not answer HEAD (FastAPI's APIRoute): HEAD gets 405 with Allow: GET. */
BK_EXTERN int bk_add_op(bk_app *app, const bk_op *op);
/* bk_add_op with the method, path and handler given first and its name taken from the
 * handler: BK_OP(app, BK_GET, "/items/{item_id}", read_item, .params = &read_params). */
#define BK_OP(app, m, p, h, ...)                                                                   \
    bk_add_op((app), &(bk_op){.method = (m), .path = (p), .handler = (h), .name = #h, __VA_ARGS__})
/* A NULL-terminated list for bk_op.tags and bk_op.deps. */
#define BK_TAGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define BK_DEPS(...) ((const bk_dep *const[]){__VA_ARGS__, NULL})

/* The validated parameters and body of the running operation, typed: T must be the struct of
 * the op's `params` / `body` model (checked by size; a mismatch aborts). */
#define BK_PARAMS(req, T) ((const T *)bk__typed_params((req), sizeof(T)))
#define BK_BODY(req, T)   ((const T *)bk__typed_body((req), sizeof(T)))
BK_EXTERN const void *bk__typed_params(bk_req *req, size_t size);
BK_EXTERN const void *bk__typed_body(bk_req *req, size_t size);

/* Answers with the op's success status and its response model serialised from `value` (a
 * pointer to the model's struct; for a list op, an array of `n` of them). A value the model
 * cannot represent (an enum out of range, None where the field takes none) answers 500 and
 * logs why, as FastAPI's ResponseValidationError does. NaN and infinities are written as null
 * (pydantic's JSON mode). Strings are written as UTF-8, an ill-formed sequence replaced by
 * U+FFFD. Returns 0 or a BK_E* code. */
BK_EXTERN int bk_respond(bk_req *req, const void *value);
BK_EXTERN int bk_respond_list(bk_req *req, const void *values, size_t n);
/* Serialises `value` with any model and status. */
BK_EXTERN int bk_send_model(bk_req *req, int status, const bk_model *model, const void *value);

/* A dependency (FastAPI's Depends): its own parameters, validated with the op's (their errors
 * join the same 422), a function producing a value of `size` bytes, and an optional cleanup
 * that runs after the response was sent (a `yield` dependency). Solved once per request, in
 * declaration order; sub-dependencies first. */
struct bk_dep {
    const char *name;
    const bk_model *params;
    size_t size;
    /* Fills `out` (size bytes, zeroed) from the validated `params`. May await. Returns 0, or
     * nonzero after answering the request (an HTTP error): the handler then does not run. */
    int (*fn)(bk_req *req, const void *params, void *out);
    /* Runs as a task after the response was sent (after background tasks), or when the request
     * ends without one; it may await. */
    void (*cleanup)(bk_task *task, void *out);
    const bk_dep *const *deps;
};
/* The value `dep` produced for this request, typed (T checked by size; NULL when it did not
 * run). */
#define BK_DEP(req, dep, T) ((T *)bk__typed_dep((req), (dep), sizeof(T)))
BK_EXTERN void *bk__typed_dep(bk_req *req, const bk_dep *dep, size_t size);

/* ---- errors a handler raises ------------------------------------------------------------ */

/* Answers {"detail": <json>} with `status`, FastAPI's HTTPException(status, detail) where the
 * detail is any JSON value (use bk_send_error for a string). Set headers first with
 * bk_set_header. */
BK_EXTERN int bk_send_error_json(bk_req *req, int status, const char *detail_json);

/* A kind of application error with its own handler, like a Python exception class and
 * @app.exception_handler(Cls). */
typedef struct bk_error_kind {
    const char *name;
} bk_error_kind;
/* Answers the request through the handler registered for `kind` with `arg` (or 500 when there
 * is none). Returns what the handler returned. */
BK_EXTERN int bk_raise(bk_req *req, const bk_error_kind *kind, void *arg);
/* Registers the handler for `kind`. */
BK_EXTERN int bk_app_error_handler(bk_app *app, const bk_error_kind *kind,
                                   int (*handler)(bk_req *req, void *arg));

/* FastAPI's HTTPException: answers {"detail": <detail_json>} with `status` (headers set before
 * stay), or through the handler registered for bk_http_error, which gets a bk_http_error_info.
 * Returns 0 or a BK_E* code. */
BK_EXTERN int bk_abort(bk_req *req, int status, const char *detail_json);
typedef struct bk_http_error_info {
    int status;
    const char *detail_json;
} bk_http_error_info;
BK_EXTERN extern const bk_error_kind bk_http_error;
/* The kind of a request that failed validation (RequestValidationError): its handler replaces
 * the 422 and gets a bk_validation_info. */
typedef struct bk_validation_info {
    const char *errors_json; /* the list FastAPI's exc.errors() gives, as JSON */
    size_t errors_len;
    const char *body; /* the request body as received (exc.body), `body_len` bytes */
    size_t body_len;
} bk_validation_info;
BK_EXTERN extern const bk_error_kind bk_validation_error;

/* ---- background tasks ------------------------------------------------------------------- */

/* Runs fn(task, arg) after the response was sent, as a task of its own that may await
 * (FastAPI's BackgroundTasks.add_task). `cleanup(arg)`, if given, runs after it, or instead of
 * it when the server stops first. Returns 0 or BK_ENOMEM (then `cleanup` ran). */
BK_EXTERN int bk_background(bk_req *req, int (*fn)(bk_task *task, void *arg), void *arg,
                            void (*cleanup)(void *arg));
/* ---- lifespan: start-up and shutdown hooks ------------------------------------------- */

/* A start-up or shutdown hook. It runs as a task on a worker's loop, so it may await
 * (bk_task_sleep, bk_db_query, bk_fetch, bk_run_blocking, bk_group...). Returns 0, or nonzero
 * when it failed (a BK_E* code says best why: it is logged). */
typedef int (*bk_lifespan_fn)(bk_task *task, void *arg);

/* Registers fn(task, arg) to run on every worker before that worker accepts a connection, in
 * registration order: FastAPI's lifespan up to its `yield` (on_startup). A hook that fails stops
 * the start: the hooks after it do not run and the server does not start ("Application startup
 * failed. Exiting."; bk_server_start returns BK_ESTARTUP, bk_run exits 3). Register before the
 * app is served. Returns 0, BK_EINVAL or BK_ENOMEM. */
BK_EXTERN int bk_app_on_startup(bk_app *app, bk_lifespan_fn fn, void *arg);
/* Registers fn(task, arg) to run on every worker once it has drained at shutdown (no request
 * left, subsystems still open): the lifespan after its `yield` (on_shutdown). The most recently
 * registered runs first, so each undoes what was set up after it (Starlette's on_shutdown list
 * keeps registration order). Each worker that ran its start-up hooks runs all its shutdown
 * hooks, also when a start-up hook failed (so they release what the others acquired: look at
 * what is there) and when another shutdown hook failed ("Application shutdown failed.
 * Exiting.", the exit code stays 0 as uvicorn's). Returns 0, BK_EINVAL or BK_ENOMEM. */
BK_EXTERN int bk_app_on_shutdown(bk_app *app, bk_lifespan_fn fn, void *arg);

/* The app's slot of `task`'s worker for its own state (a pool, a cache, seeded data): FastAPI's
 * lifespan state, one per worker, as workers share nothing. NULL until set; any task of the
 * worker reaches it (hooks, handlers through bk_req_task(req), their children). */
BK_EXTERN void *bk_worker_state(const bk_task *task);
/* Sets the slot, typically from a start-up hook (and frees what it holds in a shutdown hook);
 * not from a blocking route's pool thread. Returns 0, or BK_EINVAL for a task of no worker. */
BK_EXTERN int bk_worker_set_state(bk_task *task, void *state);
/* The index of `task`'s worker, from 0 to the number of workers - 1 (0 in a test client); -1 for
 * a task of no worker. */
BK_EXTERN int bk_worker_index(const bk_task *task);

/* ---- running -------------------------------------------------------------------------- */

/* Log levels, as uvicorn names them (--log-level). */
typedef enum bk_log_level {
    BK_LOG_TRACE,
    BK_LOG_DEBUG,
    BK_LOG_INFO,
    BK_LOG_WARNING,
    BK_LOG_ERROR,
    BK_LOG_CRITICAL
} bk_log_level;

/* Server settings. bk_config_default() fills in the defaults each field documents. */
typedef struct bk_config {
    const char *host;         /* "127.0.0.1" */
    int port;                 /* 8000 */
    int workers;              /* 1; 0 = one per core */
    int backlog;              /* 2048 */
    bk_log_level log_level;   /* BK_LOG_INFO */
    int access_log;           /* 1 */
    double graceful_timeout;  /* 10 s: how long in-flight requests may finish at shutdown */
    double keepalive_timeout; /* 5 s: idle keep-alive connections are closed after this */
    double header_timeout;    /* 10 s: a client must send its whole header section in time */
    double body_timeout;      /* 30 s: longest silence while a request body is read */
    size_t max_header_size;   /* 16 KiB: request line + headers; beyond → 431 (414 for the URL) */
    size_t max_url_size;      /* 8 KiB: request-target; beyond → 414 */
    size_t max_body_size;     /* 1 MiB: beyond → 413, announced sizes refused before reading */
    size_t stack_size;        /* 64 KiB: usable stack of each handler coroutine */
    int limit_concurrency;    /* 0 = none: beyond this many requests in flight, answer 503 with
                                 Retry-After (shared evenly among the workers) */
    int threads;              /* 40 (anyio's limit): the thread pool for blocking code, shared by
                                 the workers; threads start when first needed */
    int thread_queue;         /* 1000: blocking jobs that may wait for a free thread; beyond it,
                                 bk_run_blocking returns BK_EAGAIN and blocking routes 503 */
    int proxy_headers;        /* 1 (uvicorn's --proxy-headers): from a trusted peer,
                                 X-Forwarded-Proto sets bk_req_scheme and X-Forwarded-For
                                 bk_req_peer ("IP:0") */
    const char *forwarded_allow_ips; /* NULL: $FORWARDED_ALLOW_IPS, else "127.0.0.1". Comma-
                                        separated IPs, networks ("10.0.0.0/8") or "*" for any */
    const char *root_path; /* "": the ASGI root_path a proxy mounts the app under ("/api"):
                              part of the URLs brisk builds (redirects), not of routing */
} bk_config;

/* Fills `cfg` with the defaults. */
BK_EXTERN void bk_config_default(bk_config *cfg);

/* Parses uvicorn-like flags (--host, --port, --workers, --log-level, --no-access-log,
 * --graceful-timeout, --timeout-keep-alive, --timeout-header, --timeout-body, --max-body-size,
 * --stack-size, --limit-concurrency, --threads, --thread-queue, --backlog, --proxy-headers,
 * --no-proxy-headers, --forwarded-allow-ips, --root-path, --help) into `cfg`.
 * Returns 0, 1 when --help was printed, or BK_EINVAL after printing one clear line on stderr. */
BK_EXTERN int bk_config_parse_args(bk_config *cfg, int argc, char **argv);

/* Starts serving `app` with `cfg` (copied) in the background: binds the listeners and starts
 * cfg->workers threads, and returns once every worker serves, its start-up hooks done. The app's
 * first start adds the routes brisk serves for it (the docs pages of its bk_app_info); don't
 * change the app after. A library call: it installs no signal handler and changes no process
 * setting (but brisk's log level, which is process-wide like the stderr it writes to). Returns 0
 * with `*server` set, or a BK_E* code after logging why (BK_EADDRINUSE, BK_EINVAL for a bad
 * host, config or docs URL, BK_ESTARTUP when a start-up hook failed, BK_EAGAIN or the worker's
 * own error when one could not start; nothing is left running then: the shutdown hooks ran).
 * Servers of one app are started one after the other, not from two threads at once. */
BK_EXTERN int bk_server_start(bk_server **server, bk_app *app, const bk_config *cfg);
/* The port the server listens on (the one the kernel picked for cfg->port 0). */
BK_EXTERN int bk_server_port(const bk_server *server);
/* Starts a graceful stop: no new connections; idle ones close (a request that arrived with the
 * stop is still answered); in-flight requests get cfg->graceful_timeout seconds before they are
 * cancelled. Thread-safe; returns at once. */
BK_EXTERN void bk_server_stop(bk_server *server);
/* Waits until the server has stopped (after bk_server_stop), then frees it. Returns 0. */
BK_EXTERN int bk_server_wait(bk_server *server);

/* The runner for a process that is only this server: serves until SIGINT/SIGTERM (a second one
 * exits at once), raises the open-file limit, and logs like uvicorn. Returns the process exit
 * code: 0 after a clean stop, 2 when the server could not start, 3 (uvicorn's) when a start-up
 * hook failed. */
BK_EXTERN int bk_run_config(bk_app *app, const bk_config *cfg);

/* The uvicorn-like runner: bk_config_parse_args + bk_run_config. Returns the process exit code:
 * 0 after a clean stop or --help, 2 for a bad flag or a server that could not start, 3 when a
 * start-up hook failed. */
BK_EXTERN int bk_run(bk_app *app, int argc, char **argv);

/* ---- requests ------------------------------------------------------------------------- */

/* The request's method, as registered routes name it (HEAD requests report BK_HEAD). */
BK_EXTERN bk_method bk_req_method(const bk_req *req);
/* The method's name ("GET", ...). */
BK_EXTERN const char *bk_req_method_name(const bk_req *req);
/* The decoded path ("/items/42") and the raw query string without '?' ("" when none). */
BK_EXTERN const char *bk_req_path(const bk_req *req);
BK_EXTERN const char *bk_req_query_string(const bk_req *req);
/* The request body (NULL and 0 when there is none). The body is fully read before the handler. */
BK_EXTERN const char *bk_req_body(const bk_req *req, size_t *len);
/* The value of header `name` (case-insensitive), or NULL. Repeated headers: the first one. */
BK_EXTERN const char *bk_req_header(const bk_req *req, const char *name);
/* The value of path parameter `name` ("item_id" for "/items/{item_id}"), decoded, or NULL. */
BK_EXTERN const char *bk_req_param(const bk_req *req, const char *name);
/* The first value of query parameter `name`, percent-decoded ('+' is a space), or NULL. The
 * string lives as long as the request. */
BK_EXTERN const char *bk_req_query(bk_req *req, const char *name);
/* The peer's address as "IP:PORT" (for logs). The string lives as long as the request. Behind a
 * trusted proxy (bk_config.proxy_headers) the client X-Forwarded-For names, as "HOST:0". */
BK_EXTERN const char *bk_req_peer(const bk_req *req);
/* The request's scheme: "http", or what X-Forwarded-Proto from a trusted proxy says ("https",
 * "ws", "wss"). */
BK_EXTERN const char *bk_req_scheme(const bk_req *req);
/* The server's root path (bk_config.root_path, "" by default): where a proxy mounts the app. */
BK_EXTERN const char *bk_req_root_path(const bk_req *req);
/* The `udata` given to bk_route for the matched route. */
BK_EXTERN void *bk_req_udata(const bk_req *req);
/* Allocates `size` bytes owned by the request: freed when the request ends (however it ends). */
BK_EXTERN void *bk_req_alloc(bk_req *req, size_t size);

/* ---- responses ------------------------------------------------------------------------ */

/* Sets response header `name` to `value`, replacing any header of that name. The name must be
 * an RFC 9110 token and the value free of control characters (CR, LF, NUL...): BK_EINVAL
 * otherwise. Content-Length, Transfer-Encoding and Connection are brisk's (BK_EINVAL): it
 * frames every response itself. Server and Date set here replace brisk's. */
BK_EXTERN int bk_set_header(bk_req *req, const char *name, const char *value);
/* Adds a response header, keeping others of the same name (Set-Cookie). Same rules. */
BK_EXTERN int bk_add_header(bk_req *req, const char *name, const char *value);
/* The value of response header `name` set so far (case-insensitive; the first), or NULL. */
BK_EXTERN const char *bk_response_header(const bk_req *req, const char *name);
/* Removes every response header named `name`. Returns 0 or BK_ENOENT when there was none. */
BK_EXTERN int bk_remove_header(bk_req *req, const char *name);
/* The status of the response sent so far, 0 before one was. */
BK_EXTERN int bk_response_status(const bk_req *req);
/* The body of the response sent so far and its length in `*len` (NULL and 0 when empty). */
BK_EXTERN const char *bk_response_body(const bk_req *req, size_t *len);
/* Sends the whole response: status, content type (NULL for none) and body (copied). `status`
 * must be a final one (200-599: a 1xx would leave the client waiting). 204 and 304 go out
 * without body and Content-Length; HEAD requests get the headers only. Returns 0, BK_EINVAL for
 * a bad status or content type or when a response was already sent, BK_ECANCELED when the
 * client is gone, or BK_ENOMEM. */
BK_EXTERN int bk_send(bk_req *req, int status, const char *content_type, const void *body,
                      size_t len);
/* bk_send with application/json and a NUL-terminated body that is already JSON. */
BK_EXTERN int bk_send_json(bk_req *req, int status, const char *json);
/* bk_send with text/plain; charset=utf-8. */
BK_EXTERN int bk_send_text(bk_req *req, int status, const char *text);
/* Sends {"detail": detail} with `status`, FastAPI's shape for HTTP errors. */
BK_EXTERN int bk_send_error(bk_req *req, int status, const char *detail);
/* Starts a JSON response with `status`: write the body with the returned writer, then call
 * bk_json_send(). Returns NULL when a response was already sent, the status is not a final one,
 * or memory ran out. */
BK_EXTERN bk_json *bk_json_begin(bk_req *req, int status);
/* Finishes the response started by bk_json_begin. Returns 0, or the writer's error (a 500 is
 * sent). */
BK_EXTERN int bk_json_send(bk_req *req);

/* ---- middleware ----------------------------------------------------------------------- */

/* A middleware: runs for every request of the app, routed or not (404, 405, redirects), on the
 * request's task, so it may await. It calls bk_next() to run the rest of the chain, then may
 * read and change the response; or it answers itself (bk_send...) without calling bk_next. */
typedef void (*bk_middleware_fn)(bk_req *req, void *arg);

/* Adds a middleware (before serving), like Starlette's add_middleware: the last one added is
 * the outermost, the first to see the request and the last to see the response. `arg` is
 * handed to it. Returns 0, BK_EINVAL, or BK_ENOMEM. */
BK_EXTERN int bk_app_use(bk_app *app, bk_middleware_fn fn, void *arg);

/* Runs the rest of the chain (inner middleware, then routing and the handler) and returns when
 * its response is in `req`: 0. Otherwise the codes of bk_task_sleep (BK_ECANCELED: the client
 * left, return at once; BK_ETIMEDOUT: the route's timeout passed, brisk answers 504), or
 * BK_EINVAL: called twice, outside a middleware, or the inside returned without answering
 * (brisk answers 500 once the chain has returned, as Starlette's outermost error middleware does:
 * what the middleware set on the response is dropped). */
BK_EXTERN int bk_next(bk_req *req);

/* Changes the status of the response sent so far (a final one, 200-599). Returns 0 or
 * BK_EINVAL (no response yet, or a bad status). */
BK_EXTERN int bk_response_set_status(bk_req *req, int status);
/* Replaces the body of the response sent so far with `len` bytes of `body` (copied); brisk
 * writes the new Content-Length. Returns 0, BK_EINVAL (no response yet), or BK_ENOMEM. */
BK_EXTERN int bk_response_set_body(bk_req *req, const void *body, size_t len);

/* Starlette's CORSMiddleware options. Lists are NULL-terminated arrays of strings. */
typedef struct bk_cors_opts {
    const char *const *allow_origins;  /* exact origins, or "*" for any */
    const char *allow_origin_regex;    /* NULL, or an origin pattern that must match whole:
                                          POSIX extended syntax (not Python's: no \d, no (?:) */
    const char *const *allow_methods;  /* NULL: {"GET"}; "*" for all seven */
    const char *const *allow_headers;  /* besides the CORS-safelisted ones; "*" for any */
    int allow_credentials;             /* nonzero: Access-Control-Allow-Credentials: true */
    const char *const *expose_headers; /* Access-Control-Expose-Headers */
    int max_age;                       /* preflight cache seconds; 0: 600 (Starlette's); -1: 0 */
} bk_cors_opts;

/* Adds Starlette's CORSMiddleware: answers preflight requests (OPTIONS with Origin and
 * Access-Control-Request-Method: 200 "OK" or 400 "Disallowed CORS origin, method, headers")
 * and adds Access-Control-* and Vary: Origin to the answers of requests with an Origin. `opts`
 * is copied. Returns 0, BK_EINVAL (bad regex), or BK_ENOMEM. */
BK_EXTERN int bk_cors(bk_app *app, const bk_cors_opts *opts);

/* Adds Starlette's GZipMiddleware: an answer of at least `minimum_size` bytes (500 in FastAPI)
 * to a request whose Accept-Encoding contains "gzip" is compressed at `compresslevel` (0-9;
 * FastAPI's 9) unless it has a Content-Encoding or is text/event-stream; such answers also get
 * Vary: Accept-Encoding. Returns 0, BK_EINVAL, or BK_ENOMEM. */
BK_EXTERN int bk_gzip(bk_app *app, size_t minimum_size, int compresslevel);

/* Adds Starlette's TrustedHostMiddleware: requests whose Host (port aside) is none of `hosts`
 * (NULL-terminated; "example.com", "*.example.com", "*" for any; NULL: any) get 400 "Invalid
 * host header"; with `www_redirect`, a host whose "www." form is listed gets a 307 there.
 * Returns 0, BK_EINVAL (a '*' elsewhere than a leading "*."), or BK_ENOMEM. */
BK_EXTERN int bk_trusted_host(bk_app *app, const char *const *hosts, int www_redirect);

/* Adds Starlette's HTTPSRedirectMiddleware: an http (or ws) request gets a 307 to the same URL
 * on https (wss), without the port when it is 80 or 443. Returns 0 or BK_ENOMEM. */
BK_EXTERN int bk_https_redirect(bk_app *app);

/* ---- tasks and awaiting --------------------------------------------------------------- */

/* The task a request's handler runs as: what awaiting functions take. */
BK_EXTERN bk_task *bk_req_task(bk_req *req);
/* Suspends `task` for `ms` milliseconds while the worker serves others. Returns 0, BK_ECANCELED
 * (at once or early) when the task is cancelled — its client went away or the server is
 * stopping: return promptly then, anything sent is dropped — BK_ETIMEDOUT when its timeout
 * passed, or BK_EINVAL when not called from `task` itself. Every awaiting function returns
 * these three the same way. */
BK_EXTERN int bk_task_sleep(bk_task *task, uint64_t ms);
/* Nonzero once `task` was cancelled (even inside a shield); every await of a cancelled task
 * returns BK_ECANCELED. */
BK_EXTERN int bk_task_cancelled(const bk_task *task);
/* bk_task_sleep on the request's task: `await asyncio.sleep(ms / 1000)` in a handler. */
BK_EXTERN int bk_sleep(bk_req *req, uint64_t ms);
/* bk_task_cancelled of the request's task. */
BK_EXTERN int bk_req_cancelled(const bk_req *req);

/* Gives `task`'s awaits a deadline `ms` from now (0 clears it): when it passes, the await in
 * progress and every later one return BK_ETIMEDOUT until it is cleared or reset — asyncio's
 * `timeout()`. Returns 0, BK_ENOMEM, or BK_EINVAL. */
BK_EXTERN int bk_task_timeout(bk_task *task, uint64_t ms);

/* Starts a shielded section: until the matching bk_shield_end, cancelling the task (its client
 * left, a route deadline) is held back, so awaits inside — a COMMIT, a compensation — complete.
 * Its timeout still applies, and so does the end of the server's graceful period. Returns 0 or
 * BK_EINVAL. Sections nest. */
BK_EXTERN int bk_shield_begin(bk_task *task);
/* Ends the section. Returns 0, the held-back cancellation's code (BK_ECANCELED...) when the
 * task was cancelled meanwhile — it applies from now on — or BK_EINVAL without a section. */
BK_EXTERN int bk_shield_end(bk_task *task);

/* Runs fn(arg) on brisk's thread pool (--threads, shared by the server's workers; not libuv's)
 * and suspends `task` until it returned: FastAPI's run_in_threadpool, for blocking code such
 * as a library without an async API. `fn` may not await. It cannot be interrupted: when the
 * task is cancelled, a job not yet started is dropped, and a running one is waited for (its
 * result dropped, BK_ECANCELED returned), so what `arg` points to stays valid throughout.
 * Returns 0, BK_EAGAIN when the pool's queue is full (--thread-queue), or the codes of
 * bk_task_sleep. */
BK_EXTERN int bk_run_blocking(bk_task *task, void (*fn)(void *arg), void *arg);

/* A group of child tasks awaited together: asyncio.gather / TaskGroup. Children run
 * concurrently on the parent's worker, are cancelled with their parent and never outlive it. */
typedef struct bk_group bk_group;
/* A child task: returns 0 or an error code, which the group reports to its parent. */
typedef int (*bk_task_fn)(bk_task *task, void *arg);
/* Flag of bk_group_new: the first child that fails cancels its siblings (TaskGroup). Without
 * it every child runs to its end (gather). */
#define BK_GROUP_FAIL_FAST 1
/* Opens a group of children of `parent`. Returns NULL when out of memory or for a bad flag. */
BK_EXTERN bk_group *bk_group_new(bk_task *parent, int flags);
/* Starts fn(child, arg) as a child; it first runs when the parent next awaits. Returns 0,
 * BK_ENOMEM, BK_EINVAL, or BK_ECANCELED when the parent is cancelled (nothing started). */
BK_EXTERN int bk_group_spawn(bk_group *g, bk_task_fn fn, void *arg);
/* How many children were spawned (the length `results` of bk_group_wait needs). */
BK_EXTERN int bk_group_size(const bk_group *g);
/* Suspends the parent until every child returned, then frees the group. With `results`, stores
 * each child's code in spawn order. Returns 0, the code of the child that failed first, or —
 * when the parent was cancelled or its timeout passed, which cancels the children and still
 * waits for them to return — that code. A group never waited for is cancelled and
 * waited for when the parent returns. */
BK_EXTERN int bk_group_wait(bk_group *g, int *results);

/* ---- databases ------------------------------------------------------------------------ */

/* A database the app uses: PostgreSQL ("postgresql://user:pw@host:port/db?pool=4") or SQLite
 * ("sqlite:///app.db" relative to the working directory, "sqlite:////var/lib/app.db" absolute,
 * "sqlite://:memory:"). Every worker gets its own connections when it starts; queries of
 * concurrent requests on a PostgreSQL connection are pipelined. */
typedef struct bk_db bk_db;
/* A query's result: rows of typed values, or the database's error. Free with bk_rows_free. */
typedef struct bk_rows bk_rows;
/* A transaction: a connection pinned to one task until commit or rollback. */
typedef struct bk_tx bk_tx;

/* Types of query parameters and result values. */
typedef enum bk_db_type { BK_DB_NULL, BK_DB_INT, BK_DB_FLOAT, BK_DB_TEXT, BK_DB_BOOL } bk_db_type;

/* A query parameter ($1, $2... in the SQL, for both databases). Build with the macros below. */
typedef struct bk_db_value {
    bk_db_type type;
    int64_t i;     /* BK_DB_INT, BK_DB_BOOL */
    double f;      /* BK_DB_FLOAT */
    const char *s; /* BK_DB_TEXT: `len` bytes, or NUL-terminated when len is (size_t)-1 */
    size_t len;
} bk_db_value;
#define BK_DB_INTV(x)   ((bk_db_value){.type = BK_DB_INT, .i = (x)})
#define BK_DB_FLOATV(x) ((bk_db_value){.type = BK_DB_FLOAT, .f = (x)})
#define BK_DB_TEXTV(x)  ((bk_db_value){.type = BK_DB_TEXT, .s = (x), .len = (size_t)-1})
#define BK_DB_BOOLV(x)  ((bk_db_value){.type = BK_DB_BOOL, .i = !!(x)})
#define BK_DB_NULLV     ((bk_db_value){.type = BK_DB_NULL})

/* One statement of a batch (bk_db_query_many). */
typedef struct bk_db_stmt {
    const char *sql;
    int nparams;
    const bk_db_value *params;
} bk_db_stmt;

/* Declares a database for `app` (before it is served): `url`, or $DATABASE_URL when NULL, or
 * "sqlite:///brisk.db" (./brisk.db) when that is unset too. Connections open on each worker at
 * start-up. Returns 0 with `*db` set (owned by the app), BK_EINVAL for a URL brisk cannot use
 * (after logging why), or BK_ENOMEM. */
BK_EXTERN int bk_db_open(bk_app *app, const char *url, bk_db **db);
/* The database's kind: "postgresql" or "sqlite". */
BK_EXTERN const char *bk_db_kind(const bk_db *db);

/* Runs `sql` with `nparams` parameters and suspends `task` until its rows are there. Statements
 * are prepared once per connection, by their text. Returns 0 with `*rows` set; BK_EQUERY with
 * `*rows` holding the error (free it too); BK_ECONNREFUSED / BK_ECONNRESET when the database is
 * down (answer 503: brisk reconnects in the background); or the codes of bk_task_sleep (then,
 * as for those, `*rows` is NULL: bk_rows_free(*rows) is always right). When
 * the task is cancelled, a shared connection's query still completes on the server and its
 * result is dropped; a transaction's is cancelled on the server. */
BK_EXTERN int bk_db_query(bk_task *task, bk_db *db, const char *sql, int nparams,
                          const bk_db_value *params, bk_rows **rows);
/* Runs `n` statements sent together (one round trip on PostgreSQL), each in its own implicit
 * transaction, and waits for all: rows[i] gets statement i's result or error. Returns 0 when
 * all succeeded, BK_EQUERY when one failed (every rows[i] is set), or the other codes of
 * bk_db_query (no rows[i] set). */
BK_EXTERN int bk_db_query_many(bk_task *task, bk_db *db, int n, const bk_db_stmt *stmts,
                               bk_rows **rows);

/* Starts a transaction on a connection pinned to `task`. It must end with bk_tx_commit or
 * bk_tx_rollback; a task that returns without is rolled back. Returns 0 with `*tx` set, or the
 * codes of bk_db_query. */
BK_EXTERN int bk_db_begin(bk_task *task, bk_db *db, bk_tx **tx);
/* bk_db_query inside the transaction. */
BK_EXTERN int bk_tx_query(bk_task *task, bk_tx *tx, const char *sql, int nparams,
                          const bk_db_value *params, bk_rows **rows);
/* Commits (or rolls back) and releases the connection; `tx` is freed either way. Returns 0,
 * BK_EQUERY when the commit failed (the transaction was rolled back), or the codes of
 * bk_db_query. */
BK_EXTERN int bk_tx_commit(bk_task *task, bk_tx *tx);
BK_EXTERN int bk_tx_rollback(bk_task *task, bk_tx *tx);

/* The number of rows and of columns. */
BK_EXTERN int bk_rows_count(const bk_rows *rows);
BK_EXTERN int bk_rows_columns(const bk_rows *rows);
/* Rows an INSERT, UPDATE or DELETE changed. */
BK_EXTERN int64_t bk_rows_affected(const bk_rows *rows);
/* Column `col`'s name, or NULL; the index of the column named `name`, or BK_ENOENT. */
BK_EXTERN const char *bk_rows_name(const bk_rows *rows, int col);
BK_EXTERN int bk_rows_column(const bk_rows *rows, const char *name);
/* The type of a value (BK_DB_NULL for NULL and for a row or column out of range). */
BK_EXTERN bk_db_type bk_rows_type(const bk_rows *rows, int row, int col);
/* A value as an integer / float / bool. Return 0, BK_ENOENT for NULL or out of range, BK_EINVAL
 * when the value is not of a compatible type, BK_ERANGE when it does not fit. */
BK_EXTERN int bk_rows_int(const bk_rows *rows, int row, int col, int64_t *out);
BK_EXTERN int bk_rows_float(const bk_rows *rows, int row, int col, double *out);
BK_EXTERN int bk_rows_bool(const bk_rows *rows, int row, int col, int *out);
/* A value as text (any type but NULL, as the database prints it), NUL-terminated and living as
 * long as `rows`; NULL for NULL or out of range. `len` may be NULL. */
BK_EXTERN const char *bk_rows_text(const bk_rows *rows, int row, int col, size_t *len);
/* For a failed query: the database's message and its SQLSTATE ("23505": unique violation,
 * "42601": syntax error); NULL when the query succeeded. */
BK_EXTERN const char *bk_rows_error(const bk_rows *rows);
BK_EXTERN const char *bk_rows_sqlstate(const bk_rows *rows);
/* Frees the rows (NULL is fine). */
BK_EXTERN void bk_rows_free(bk_rows *rows);

/* A cleanup to run when the request ends, however it ends (answered, cancelled, failed): use it
 * for everything a handler acquires, so a client that leaves mid-await leaks nothing. Deferred
 * calls run in reverse order of registration. Returns 0 or BK_ENOMEM (the call then ran at once).
 */
BK_EXTERN int bk_defer(bk_req *req, void (*fn)(void *arg), void *arg);

/* ---- outbound HTTP -------------------------------------------------------------------- */

/* How bk_fetch makes its request. Zero-initialise, then set what you need. */
typedef struct bk_fetch_opts {
    const char *method;          /* NULL: GET, or POST when there is a body */
    const char *const *headers;  /* NULL-terminated "Name: value" lines added to the request
                                    (no CR or LF); "Name:" removes one brisk would send */
    const void *body;            /* the request body (not copied: it is read during the call) */
    size_t body_len;             /* its length in bytes */
    uint64_t timeout_ms;         /* whole exchange; 0: 30 s */
    uint64_t connect_timeout_ms; /* name lookup + connect; 0: 10 s */
    size_t max_response_size;    /* body bytes accepted; 0: 10 MiB. Beyond it: BK_EMSGSIZE */
} bk_fetch_opts;

/* A response received by bk_fetch: its status, header fields and body. */
typedef struct bk_fetch_result bk_fetch_result;

/* Sends an HTTP request to `url` (http:// or https://) and suspends `task` until the whole
 * response is there; redirects are not followed. Connections are kept and reused by the
 * worker's later fetches. `opts` NULL: a GET with the defaults. Returns 0 with `*out` set (free
 * it with bk_fetch_result_free) — whatever the status, 4xx and 5xx included — or an error with
 * `*out` NULL: BK_ECONNREFUSED, BK_EHOSTUNREACH, BK_EAI_NONAME (DNS), BK_ETIMEDOUT, BK_EMSGSIZE,
 * BK_EPROTO (a malformed or truncated response), BK_ECONNRESET, BK_EINVAL (bad URL, method or
 * header), BK_ENOMEM, or the codes of bk_task_sleep; a cancelled fetch closes its connection. */
BK_EXTERN int bk_fetch(bk_task *task, const char *url, const bk_fetch_opts *opts,
                       bk_fetch_result **out);
/* The response's status code (200, 404, ...). */
BK_EXTERN int bk_fetch_status(const bk_fetch_result *r);
/* The response body and its length in `*len` (may be NULL). It is followed by a NUL not counted
 * in `*len`, so a text body can be used as a string. "" when there was none. */
BK_EXTERN const char *bk_fetch_body(const bk_fetch_result *r, size_t *len);
/* The value of response header `name` (case-insensitive), or NULL. Repeated headers: the first. */
BK_EXTERN const char *bk_fetch_header(const bk_fetch_result *r, const char *name);
/* Frees a result (NULL is fine). */
BK_EXTERN void bk_fetch_result_free(bk_fetch_result *r);

/* ---- testing: an in-process client ----------------------------------------------------- */

/* Serves an app inside the test program, like FastAPI's TestClient: no socket listens, and each
 * request still goes through brisk's own HTTP parsing, pipeline, routing and response writing
 * (over a socketpair, on a worker of the client's own run on the calling thread), so handlers
 * behave exactly as on the wire. Nothing runs between calls: each call runs the worker until
 * what it waits for is there. One thread at a time per client. */
typedef struct bk_test_client bk_test_client;
/* A response the test client received: status, header fields and body. */
typedef struct bk_test_response bk_test_response;

/* Creates a client for `app` and runs its start-up: subsystems (databases) and start-up hooks.
 * `cfg` NULL: bk_config_default's settings without the access log; else its limits, timeouts,
 * threads, access_log and log level apply (not host, port, workers or backlog). Returns 0 with
 * `*tc` set, BK_ESTARTUP when a start-up hook failed, BK_ETIMEDOUT when the start-up took
 * longer than 10 s (its hooks are cancelled), BK_EINVAL, BK_ENOMEM, or a subsystem's error;
 * the shutdown hooks have run then, nothing is left. */
BK_EXTERN int bk_test_client_new(bk_app *app, const bk_config *cfg, bk_test_client **tc);
/* Stops the client as a server stops (requests in flight finish), runs the shutdown hooks, and
 * frees it. Past the client's timeout, what still runs is cancelled (and then waited for). NULL
 * is fine. */
BK_EXTERN void bk_test_client_free(bk_test_client *tc);
/* How long a request (and the stop in bk_test_client_free) may take: 10000 ms by default, also
 * for 0. */
BK_EXTERN void bk_test_client_set_timeout(bk_test_client *tc, uint64_t ms);

/* Sends `method` `target` ("/items/1?q=x", percent-encoded as on the wire) with `headers`
 * (NULL, or "Name", "value", ..., NULL) and `body_len` bytes of `body`, and waits for the whole
 * response: awaiting handlers, timers and blocking routes run meanwhile. Headers replace the
 * defaults of the same name (Host: testserver, User-Agent: testclient and an Accept of any
 * type, as Starlette's); Content-Length is added for a body and for POST, PUT and PATCH unless
 * given. Returns 0 with `*res` set, whatever the status (404 and 500 included); BK_EINVAL for a
 * method that is not a token, a target with spaces or controls, a header with CR or LF;
 * BK_ETIMEDOUT when no whole response came within the timeout (logged: the request's connection
 * closes, which cancels its handler); BK_ECONNRESET when the app closed without answering;
 * BK_EPROTO for a malformed response; BK_ENOMEM. */
BK_EXTERN int bk_test_request(bk_test_client *tc, const char *method, const char *target,
                              const char *const *headers, const void *body, size_t body_len,
                              bk_test_response **res);
/* bk_test_request with GET and nothing else. */
BK_EXTERN int bk_test_get(bk_test_client *tc, const char *target, bk_test_response **res);
/* bk_test_request with POST, Content-Type: application/json and the NUL-terminated `json`. */
BK_EXTERN int bk_test_post_json(bk_test_client *tc, const char *target, const char *json,
                                bk_test_response **res);

/* The response's status code. */
BK_EXTERN int bk_test_status(const bk_test_response *r);
/* The value of header `name` (case-insensitive), or NULL. Repeated headers: the first. */
BK_EXTERN const char *bk_test_header(const bk_test_response *r, const char *name);
/* The number of header fields, and field `i`'s value with its name in `*name` (may be NULL), in
 * the order received; NULL when `i` is out of range. */
BK_EXTERN size_t bk_test_header_count(const bk_test_response *r);
BK_EXTERN const char *bk_test_header_at(const bk_test_response *r, size_t i, const char **name);
/* The body and its length in `*len` (may be NULL); followed by a NUL not counted in `*len`. */
BK_EXTERN const char *bk_test_body(const bk_test_response *r, size_t *len);
/* Frees a response (NULL is fine). */
BK_EXTERN void bk_test_response_free(bk_test_response *r);

#ifdef __cplusplus
}
#endif
#endif /* BRISK_H */
