/* openapi_app — the OpenAPI edge cases tests/http/test_openapi.py compares with FastAPI's
 * document for the same declarations (tests/http/data/openapi_edges.py, whose document is
 * tests/http/data/openapi_edges.json): every field kind and option, aliases and titles, named and
 * unnamed enums, defaults with nulls, parameters from shared dependencies, embedded bodies,
 * documented responses merged into the success one, custom operation ids, paths that hold
 * operations with and without parameters, HEAD and OPTIONS, an operation left out.
 *
 * The handlers answer {}: only the declarations matter here. Public API only.
 *
 * A flag among the server's own adds a declaration that makes no document, so the server must
 * not start: --clash-model (a second model titled "Sub"), --clash-builtin (a model titled
 * "HTTPValidationError", FastAPI's own schema), --bad-example (a BK_EXAMPLE that is no JSON).
 * --duplicate-id adds an operation whose id another has: it starts, with FastAPI's warning. */
#include <brisk.h>

#include <stdio.h>
#include <string.h>

static void answer(bk_req *req)
{
    bk_send_json(req, 200, "{}");
}

/* One handler per operation: its name is the operation's (summary, operation id). */
#define HANDLER(name)                                                                              \
    static void name(bk_req *req)                                                                  \
    {                                                                                              \
        answer(req);                                                                               \
    }
HANDLER(params)
HANDLER(plain)
HANDLER(camel)
HANDLER(embed)
HANDLER(embed2)
HANDLER(optembed)
HANDLER(r201)
HANDLER(listref)
HANDLER(gone)
HANDLER(hidden)
HANDLER(opt)
HANDLER(h)
HANDLER(multi_get)
HANDLER(multi_post)
HANDLER(multi2_get)
HANDLER(multi2_post)
HANDLER(get2fa_userName)
HANDLER(files)
HANDLER(order)

/* ---- models ----------------------------------------------------------------------------- */

enum color { RED, BLUE };
static const bk_enum_value color_values[] = {{"red", RED}, {"blue", BLUE}, {NULL, 0}};
static const bk_enum color_enum = {"Color", color_values};
enum ab { A, B };
static const bk_enum_value ab_values[] = {{"a", A}, {"b", B}, {NULL, 0}};
enum only { ONLY };
static const bk_enum_value only_values[] = {{"only", ONLY}, {NULL, 0}};

typedef struct sub {
    int64_t x;
} sub;
static const bk_field sub_fields[] = {BK_FIELD(sub, x), BK_END};
static const bk_model sub_model = BK_MODEL(sub, "Sub", sub_fields);

typedef struct empty {
    char unused;
} empty;
static const bk_field empty_fields[] = {BK_END};
static const bk_model empty_model = BK_MODEL(empty, "Empty", empty_fields);

typedef struct opt_model_t {
    bk_str a;
    int64_t b;
} opt_model_t;
static const bk_field opt_fields[] = {
    BK_FIELD(opt_model_t, a, BK_OPTIONAL),
    BK_FIELD(opt_model_t, b, BK_DEFAULT("0")),
    BK_END,
};
static const bk_model opt_model = BK_MODEL(opt_model_t, "Opt", opt_fields);

typedef struct hidden_t {
    bk_str secret;
} hidden_t;
static const bk_field hidden_fields[] = {BK_FIELD(hidden_t, secret), BK_END};
static const bk_model hidden_model = BK_MODEL(hidden_t, "Hidden", hidden_fields);

typedef struct thing {
    int64_t aliased;
    sub sub;
    opt_model_t opt;
    enum color color, color_desc;
    enum ab lit;
    enum only lit1;
    bk_str described;
    int64_t dep;
    double mult;
    int64_t imult;
    bk_str nullable_req;
    BK_LIST(int64_t) lst;
    BK_LIST(bk_str) tags;
    BK_LIST(double) nums;
    double fdef, fdef2;
    int64_t big, get2fa_userName, class_;
    bk_uuid u;
    bk_opt_float opt_f;
    bk_opt_bool flag;
    BK_LIST(enum color) colors;
    BK_LIST(sub) subs;
} thing;
static const bk_field thing_fields[] = {
    BK_FIELD(thing, aliased, BK_ALIAS("someAlias")),
    BK_FIELD(thing, sub, BK_MODEL_OF(&sub_model)),
    BK_FIELD(thing, opt, BK_MODEL_OF(&opt_model), BK_DEFAULT("{\"a\":null,\"b\":1}")),
    BK_FIELD(thing, color, BK_ENUM_CLASS(&color_enum), BK_DEFAULT("\"red\"")),
    BK_FIELD(thing, color_desc, BK_ENUM_CLASS(&color_enum), BK_DEFAULT("\"red\""), BK_DESC("c"),
             BK_TITLE("Colour")),
    BK_FIELD(thing, lit, BK_ENUM_OF(ab_values), BK_DEFAULT("\"a\"")),
    BK_FIELD(thing, lit1, BK_ENUM_OF(only_values)),
    BK_FIELD(thing, described, BK_DESC("desc here"), BK_TITLE("My Title"), BK_EXAMPLE("\"ex\"")),
    BK_FIELD(thing, dep, BK_DEFAULT("0"), BK_DEPRECATED),
    BK_FIELD(thing, mult, BK_DEFAULT("1.0"), BK_MULTIPLE_OF(0.5), BK_LT(10), BK_LE(9)),
    BK_FIELD(thing, imult, BK_DEFAULT("1"), BK_MULTIPLE_OF(2), BK_GT(-3)),
    BK_FIELD(thing, nullable_req, BK_NULLABLE),
    BK_LIST_FIELD(thing, lst, BK_DEFAULT("[1,2]"), BK_MIN_LEN(1), BK_MAX_LEN(3)),
    BK_LIST_FIELD(thing, tags, BK_PATTERN("^x"), BK_DEFAULT("[]")),
    BK_LIST_FIELD(thing, nums, BK_GE(1), BK_MAX_LEN(4), BK_DEFAULT("[]")),
    BK_FIELD(thing, fdef, BK_DEFAULT("1")),
    BK_FIELD(thing, fdef2, BK_DEFAULT("2.0")),
    BK_FIELD(thing, big, BK_DEFAULT("0"), BK_LE(1000000000000000000)),
    BK_FIELD(thing, get2fa_userName, BK_DEFAULT("0")),
    BK_FIELD(thing, class_, BK_DEFAULT("0")),
    BK_FIELD(thing, u),
    BK_FIELD(thing, opt_f, BK_OPTIONAL, BK_GE(0.5)),
    BK_FIELD(thing, flag, BK_OPTIONAL),
    BK_LIST_FIELD(thing, colors, BK_ENUM_CLASS(&color_enum), BK_OPTIONAL),
    BK_LIST_FIELD(thing, subs, BK_MODEL_OF(&sub_model), BK_DEFAULT("[]")),
    BK_END,
};
static const bk_model thing_model = BK_MODEL(thing, "Thing", thing_fields);

/* ---- dependencies: dep_a and dep_b share dep_c, whose parameter is documented once ------- */

static int dep_fn(bk_req *req, const void *params, void *out)
{
    (void)req, (void)params, (void)out;
    return 0;
}

typedef struct c_in {
    int64_t shared;
} c_in;
static const bk_field c_fields[] = {BK_FIELD(c_in, shared, BK_FROM_QUERY), BK_END};
static const bk_model c_params = BK_MODEL(c_in, "dep_c", c_fields);
static const bk_dep dep_c = {.name = "dep_c", .params = &c_params, .size = 1, .fn = dep_fn};

/* dep_a's required q replaces the operation's optional one, where that one was */
typedef struct a_in {
    bk_str q;
} a_in;
static const bk_field a_fields[] = {BK_FIELD(a_in, q, BK_FROM_QUERY), BK_END};
static const bk_model a_params = BK_MODEL(a_in, "dep_a", a_fields);
static const bk_dep dep_a = {
    .name = "dep_a", .params = &a_params, .size = 1, .fn = dep_fn, .deps = BK_DEPS(&dep_c)};

typedef struct b_in {
    bk_str x_trace;
} b_in;
static const bk_field b_fields[] = {BK_FIELD(b_in, x_trace, BK_FROM_HEADER, BK_OPTIONAL), BK_END};
static const bk_model b_params = BK_MODEL(b_in, "dep_b", b_fields);
static const bk_dep dep_b = {
    .name = "dep_b", .params = &b_params, .size = 1, .fn = dep_fn, .deps = BK_DEPS(&dep_c)};

/* ---- operations' parameters ------------------------------------------------------------- */

typedef struct params_in {
    enum color color, c2;
    bk_str q, d, h, user_agent, sid;
    double f;
    BK_LIST(int64_t) lq;
    int64_t m, class_;
    enum ab lit;
    enum only lit1;
    bk_opt_bool flag;
} params_in;
static const bk_field params_fields[] = {
    BK_FIELD(params_in, color, BK_FROM_PATH, BK_ENUM_CLASS(&color_enum)),
    BK_FIELD(params_in, q, BK_FROM_QUERY, BK_DEFAULT("\"x\""), BK_DESC("qd"), BK_TITLE("QT"),
             BK_DEPRECATED, BK_EXAMPLE("\"a\"")),
    BK_FIELD(params_in, f, BK_FROM_QUERY, BK_DEFAULT("1.0"), BK_GT(0.5),
             BK_LE(1000000000000000000)),
    BK_FIELD(params_in, c2, BK_FROM_QUERY, BK_ENUM_CLASS(&color_enum), BK_DEFAULT("\"blue\"")),
    BK_LIST_FIELD(params_in, lq, BK_FROM_QUERY, BK_DEFAULT("[1]"), BK_MIN_LEN(1), BK_MAX_LEN(5)),
    BK_FIELD(params_in, m, BK_FROM_QUERY, BK_DEFAULT("3"), BK_MULTIPLE_OF(3)),
    BK_FIELD(params_in, lit, BK_FROM_QUERY, BK_ENUM_OF(ab_values), BK_DEFAULT("\"a\"")),
    BK_FIELD(params_in, lit1, BK_FROM_QUERY, BK_ENUM_OF(only_values), BK_DEFAULT("\"only\"")),
    BK_FIELD(params_in, d, BK_FROM_QUERY, BK_OPTIONAL, BK_DESC("dd")),
    BK_FIELD(params_in, class_, BK_FROM_QUERY, BK_DEFAULT("0")),
    BK_FIELD(params_in, flag, BK_FROM_QUERY, BK_OPTIONAL),
    BK_FIELD(params_in, h, BK_FROM_HEADER, BK_ALIAS("X-Custom"), BK_DEFAULT("\"\"")),
    BK_FIELD(params_in, user_agent, BK_FROM_HEADER, BK_OPTIONAL),
    BK_FIELD(params_in, sid, BK_FROM_COOKIE, BK_OPTIONAL),
    BK_END,
};
static const bk_model params_params = BK_MODEL(params_in, "params", params_fields);

typedef struct embed_in {
    int64_t i, a;
    sub b;
    bk_str c;
} embed_in;
static const bk_field embed_fields[] = {
    BK_FIELD(embed_in, i, BK_FROM_PATH),
    BK_FIELD(embed_in, a, BK_FROM_BODY),
    BK_FIELD(embed_in, b, BK_FROM_BODY, BK_MODEL_OF(&sub_model)),
    BK_FIELD(embed_in, c, BK_FROM_BODY, BK_OPTIONAL),
    BK_END,
};
static const bk_model embed_params = BK_MODEL(embed_in, "embed", embed_fields);

typedef struct embed2_in {
    int64_t a;
} embed2_in;
static const bk_field embed2_fields[] = {BK_FIELD(embed2_in, a, BK_FROM_BODY, BK_GE(1)), BK_END};
static const bk_model embed2_params = BK_MODEL(embed2_in, "embed2", embed2_fields);

typedef struct optembed_in {
    bk_str c;
    int64_t d;
} optembed_in;
static const bk_field optembed_fields[] = {
    BK_FIELD(optembed_in, c, BK_FROM_BODY, BK_OPTIONAL),
    BK_FIELD(optembed_in, d, BK_FROM_BODY, BK_DEFAULT("0")),
    BK_END,
};
static const bk_model optembed_params = BK_MODEL(optembed_in, "optembed", optembed_fields);

typedef struct k_in {
    int64_t k;
} k_in;
static const bk_field k_fields[] = {BK_FIELD(k_in, k, BK_FROM_PATH), BK_END};
static const bk_model k_params = BK_MODEL(k_in, "k", k_fields);

typedef struct n_in {
    int64_t n;
} n_in;
static const bk_field n_fields[] = {BK_FIELD(n_in, n, BK_FROM_QUERY, BK_DEFAULT("0")), BK_END};
static const bk_model n_params = BK_MODEL(n_in, "n", n_fields);

typedef struct p_in {
    bk_str p;
} p_in;
static const bk_field p_fields[] = {BK_FIELD(p_in, p, BK_FROM_PATH), BK_END};
static const bk_model p_params = BK_MODEL(p_in, "files", p_fields);

typedef struct order_in {
    bk_uuid oid;
    bk_opt_float tax;
    bk_opt_int n;
} order_in;
static const bk_field order_fields[] = {
    BK_FIELD(order_in, oid, BK_FROM_PATH),
    BK_FIELD(order_in, tax, BK_FROM_QUERY, BK_OPTIONAL),
    BK_FIELD(order_in, n, BK_FROM_QUERY, BK_OPTIONAL),
    BK_END,
};
static const bk_model order_params = BK_MODEL(order_in, "order", order_fields);

/* ---- declarations that make no document ------------------------------------------------- */

HANDLER(broken)

static const bk_model other_sub_model = BK_MODEL(sub, "Sub", sub_fields);
static const bk_model builtin_model = BK_MODEL(sub, "HTTPValidationError", sub_fields);
static const bk_field bad_example_fields[] = {BK_FIELD(sub, x, BK_EXAMPLE("not json")), BK_END};
static const bk_model bad_example_model = BK_MODEL(sub, "BadExample", bad_example_fields);

/* The model of the broken operation a flag asks for, or NULL for an unknown flag. */
static const bk_model *broken_model(const char *flag)
{
    if (strcmp(flag, "--clash-model") == 0)
        return &other_sub_model;
    if (strcmp(flag, "--clash-builtin") == 0)
        return &builtin_model;
    if (strcmp(flag, "--bad-example") == 0)
        return &bad_example_model;
    return NULL;
}

/* Adds the operation a flag asks for. Returns 1 when `flag` is one of them, 0 when it is not,
 * -1 when the operation could not be added. */
static int add_flagged(bk_app *app, const char *flag)
{
    if (strcmp(flag, "--duplicate-id") == 0) /* a document, with FastAPI's warning */
        return BK_OP(app, BK_GET, "/dup", broken, .operation_id = "listThingsV2") ? -1 : 1;
    const bk_model *model = broken_model(flag);
    if (!model)
        return 0;
    return BK_OP(app, BK_GET, "/broken", broken, .response = model) ? -1 : 1;
}

/* ---- the app ---------------------------------------------------------------------------- */

static int add_operations(bk_app *app)
{
    static const bk_response_doc params_docs[] = {
        {404, NULL, NULL}, {418, "tea", &sub_model}, {200, "ok!", NULL}, {0, NULL, NULL}};
    int err = 0;
    err |= BK_OP(app, BK_GET, "/params/{color}", params, .params = &params_params,
                 .deps = BK_DEPS(&dep_a, &dep_b), .deprecated = 1, .tags = BK_TAGS("p", "q"),
                 .description = "Many parameters.", .responses = params_docs);
    err |= BK_OP(app, BK_POST, "/plain", plain, .body = &thing_model, .status = 201,
                 .response = &empty_model, .deprecated = 1);
    err |=
        BK_OP(app, BK_GET, "/camel", camel, .operation_id = "listThingsV2", .response = &sub_model,
              .response_list = 1, .description = "  Line one.\n\fFor the code's readers only.");
    err |= BK_OP(app, BK_PUT, "/embed/{i}", embed, .params = &embed_params, .status = 205);
    err |=
        BK_OP(app, BK_PUT, "/embed2", embed2, .params = &embed2_params, .operation_id = "embedTwo");
    err |= BK_OP(app, BK_POST, "/optembed", optembed, .params = &optembed_params);
    err |= BK_OP(app, BK_GET, "/r201", r201, .status = 201,
                 .responses = (const bk_response_doc[]){{201, NULL, &sub_model}, {0}});
    err |= BK_OP(app, BK_GET, "/listref/{k}", listref, .params = &k_params, .response = &sub_model,
                 .response_list = 1,
                 .responses = (const bk_response_doc[]){{200, NULL, &empty_model}, {0}});
    err |= BK_OP(app, BK_DELETE, "/gone/{k}", gone, .params = &k_params, .status = 204,
                 .responses = (const bk_response_doc[]){{422, "Custom", NULL}, {0}});
    err |= BK_OP(app, BK_GET, "/hidden", hidden, .response = &hidden_model,
                 .include_in_schema_off = 1);
    err |= BK_OP(app, BK_OPTIONS, "/opt", opt, .body = &sub_model);
    err |= BK_OP(app, BK_HEAD, "/h", h);
    err |= BK_OP(app, BK_GET, "/multi", multi_get);
    err |= BK_OP(app, BK_POST, "/multi", multi_post, .status = 202);
    err |= BK_OP(app, BK_GET, "/multi2", multi2_get, .response = &sub_model, .response_list = 1);
    err |= BK_OP(app, BK_POST, "/multi2", multi2_post, .params = &n_params);
    err |= BK_OP(app, BK_GET, "/get2fa", get2fa_userName);
    err |= BK_OP(app, BK_GET, "/files/{p:path}", files, .params = &p_params);
    err |= BK_OP(app, BK_GET, "/order/{oid}", order, .params = &order_params);
    return err ? BK_EINVAL : 0;
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app || bk_app_set_info(app, &(bk_app_info){.title = "Edges", .version = "2.0"}) ||
        add_operations(app)) {
        fprintf(stderr, "openapi_app: setting up the app failed\n");
        bk_app_free(app);
        return 1;
    }
    int out = 1; /* this app's flags, anywhere, are taken out of argv; the rest goes to bk_run */
    for (int i = 1; i < argc; i++) {
        int flagged = add_flagged(app, argv[i]);
        if (flagged < 0) {
            fprintf(stderr, "openapi_app: adding the operation of %s failed\n", argv[i]);
            bk_app_free(app);
            return 1;
        }
        if (!flagged)
            argv[out++] = argv[i];
    }
    argv[out] = NULL;
    argc = out;
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
