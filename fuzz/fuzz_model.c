/* fuzz_model — a request body through what a typed operation does with it: the JSON parser,
 * validation into a model struct (nested models, lists, enums, optional and bounded fields), the
 * 422 body, and the response serialiser.
 *
 * Each run parses the input as a body and validates it as an `order`. It asserts:
 * 1. Rejected: the 422 body is JSON that brisk's own parser reads back, with a non-empty
 *    "detail" list.
 * 2. Accepted — the round trip: serialising the struct gives JSON that validates again without
 *    an error, and serialising that second struct gives the same bytes (what validates,
 *    serialises back to an equal value).
 * 3. Memory: everything lives in one capped arena, freed at the end (LSan: no leak).
 */
#include "fuzz_util.h"
#include "model/json_parse.h"
#include "model/model.h"
#include "model/serialize.h"
#include "model/validate.h"
#include "model/verror.h"
#include "util/arena.h"

enum colour { RED, GREEN, BLUE };
static const bk_enum_value colours[] = {{"red", RED}, {"green", GREEN}, {"blue", BLUE}, {0, 0}};

typedef struct line {
    bk_str sku;
    int32_t count;
    bk_uuid ref;
} line;
static const bk_field line_fields[] = {
    BK_FIELD(line, sku, BK_MIN_LEN(1), BK_MAX_LEN(12), BK_PATTERN("^[A-Z]")),
    BK_FIELD(line, count, BK_GE(1), BK_LE(1000)),
    BK_FIELD(line, ref, BK_DEFAULT("\"00000000-0000-0000-0000-000000000000\"")),
    BK_END,
};
static const bk_model line_model = BK_MODEL(line, "Line", line_fields);

typedef struct order {
    int64_t id;
    bk_str name;
    bk_str note;
    double price;
    bk_opt_float tax;
    BK_LIST(enum colour) colours;
    BK_LIST(line) lines;
    bk_opt_int priority;
    bool gift;
    enum colour wrap;
    uint64_t set;
} order;
static const bk_field order_fields[] = {
    BK_FIELD(order, id, BK_GE(1)),
    BK_FIELD(order, name, BK_MIN_LEN(1), BK_MAX_LEN(20)),
    BK_FIELD(order, note, BK_OPTIONAL, BK_MAX_LEN(50)),
    BK_FIELD(order, price, BK_GT(0), BK_LE(1e9)),
    BK_FIELD(order, tax, BK_OPTIONAL, BK_MULTIPLE_OF(0.5)),
    BK_LIST_FIELD(order, colours, BK_ENUM_OF(colours), BK_DEFAULT("[]"), BK_MAX_LEN(4)),
    BK_LIST_FIELD(order, lines, BK_MODEL_OF(&line_model), BK_OPTIONAL),
    BK_FIELD(order, priority, BK_NULLABLE, BK_GT(-5), BK_LT(5)),
    BK_FIELD(order, gift, BK_DEFAULT("false")),
    BK_FIELD(order, wrap, BK_ENUM_OF(colours), BK_DEFAULT("\"red\"")),
    BK_END,
};
static const bk_model order_model = BK_MODEL_SET(order, "Order", order_fields, set);

static const bk__cmodel *compiled(void)
{
    static bk__models ms; /* compiled once for the process: the harness is single-threaded */
    static const bk__cmodel *m;
    if (!m)
        m = bk__model_compile(&ms, &order_model);
    FUZZ_CHECK(m != NULL, "the model compiles");
    return m;
}

/* Validates `v` into a fresh struct; returns it, or NULL with the errors in `errs`. */
static order *validate(bk__arena *a, const bk__jval *v, bk__verrs *errs)
{
    order *o = bk__arena_alloc(a, sizeof(*o));
    FUZZ_CHECK(o != NULL, "arena");
    memset(o, 0, sizeof(*o));
    bk__loc body = {.key = "body", .key_len = 4};
    bk__verrs_init(errs, a);
    if (v->type != BK__J_OBJECT)
        return NULL;
    bk__validate_model(a, compiled(), v, &body, o, errs);
    return errs->count || errs->oom ? NULL : o;
}

static void serialize(const order *o, bk_buf *out)
{
    bk_json j;
    bk_json_init(&j, out);
    bk__ser_error e = {0};
    int err = bk__serialize(&j, compiled(), o, &e);
    FUZZ_CHECK(err == 0, "a validated struct serialises (%s: %s)", e.field ? e.field : "",
               e.why ? e.why : "");
}

static void check_422(bk__arena *a, const bk__verrs *errs)
{
    bk_buf out = {0};
    bk_json j;
    bk_json_init(&j, &out);
    bk__verrs_write(errs, &j);
    FUZZ_CHECK(bk_json_error(&j) == 0, "the 422 body is written");
    bk__jval *v;
    bk__json_error e;
    int rc = bk__json_parse(a, out.data, out.len, BK__JSON_MAX_DEPTH + 8, &v, &e);
    FUZZ_CHECK(rc == 0, "the 422 body parses: %s at %zu: %.*s", rc ? e.msg : "", e.pos,
               (int)out.len, out.data);
    const bk__jval *detail = bk__json_get(v, "detail", 6);
    FUZZ_CHECK(detail && detail->type == BK__J_ARRAY && detail->len > 0, "a non-empty detail");
    bk_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bk__arena a;
    bk__arena_init(&a, NULL, 0, 64u << 20);
    bk__jval *v;
    bk__json_error e;
    if (bk__json_parse(&a, (const char *)data, size, BK__JSON_MAX_DEPTH, &v, &e) != 0) {
        bk__arena_free(&a);
        return 0;
    }
    bk__verrs errs;
    const order *o = validate(&a, v, &errs);
    if (!o) {
        if (errs.count && !errs.oom)
            check_422(&a, &errs);
        bk__arena_free(&a);
        return 0;
    }
    bk_buf first = {0}, second = {0};
    serialize(o, &first);
    bk__jval *again;
    FUZZ_CHECK(bk__json_parse(&a, first.data, first.len, BK__JSON_MAX_DEPTH, &again, &e) == 0,
               "the serialised struct parses: %s", e.msg);
    bk__verrs errs2;
    const order *o2 = validate(&a, again, &errs2);
    FUZZ_CHECK(o2 != NULL, "the serialised struct validates again: %.*s", (int)first.len,
               first.data);
    serialize(o2, &second);
    FUZZ_CHECK(first.len == second.len && memcmp(first.data, second.data, first.len) == 0,
               "serialising twice gives the same bytes:\n  %.*s\n  %.*s", (int)first.len,
               first.data, (int)second.len, second.data);
    bk_buf_free(&first);
    bk_buf_free(&second);
    bk__arena_free(&a);
    return 0;
}
