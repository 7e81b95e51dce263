/* The items API: brisk's counterpart of the FastAPI reference program (items_api.py), answering
 * every request as it does. Everyday FastAPI in C: typed path, query, header and cookie
 * parameters with bounds; body models (nested, lists, enums, defaults); response models that
 * filter fields; status codes; HTTP errors with headers; a custom error handler; dependencies
 * (pagination, a token check, a session with a cleanup); a background task; a start-up hook;
 * CORS and GZip; OpenAPI metadata.
 *
 *     build/items_api --host 127.0.0.1 --port 8011
 *
 * The items live in memory, per worker (brisk's workers share nothing): it runs one worker
 * unless told otherwise, as the reference runs one process. */
#include "brisk.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#define TOKEN "secret-token"

/* ---- models ----------------------------------------------------------------------------- */

enum tag { TAG_TOOLS, TAG_TOYS, TAG_BOOKS };
static const bk_enum_value tag_values[] = {
    {"tools", TAG_TOOLS}, {"toys", TAG_TOYS}, {"books", TAG_BOOKS}, {NULL, 0}};
static const bk_enum tag_enum = {"Tag", tag_values};

typedef struct image {
    bk_str url;
    bk_str name;
} image;
static const bk_field image_fields[] = {
    BK_FIELD(image, url, BK_MIN_LEN(1), BK_MAX_LEN(2048)),
    BK_FIELD(image, name),
    BK_END,
};
static const bk_model image_model = BK_MODEL(image, "Image", image_fields);

typedef struct item_in {
    bk_str name;
    bk_str description;
    double price;
    bk_opt_float tax;
    BK_LIST(enum tag) tags;
    BK_LIST(image) images;
    int64_t quantity;
    bool in_stock;
} item_in;
static const bk_field item_in_fields[] = {
    BK_FIELD(item_in, name, BK_MIN_LEN(1), BK_MAX_LEN(50)),
    BK_FIELD(item_in, description, BK_OPTIONAL, BK_MAX_LEN(300)),
    BK_FIELD(item_in, price, BK_GT(0)),
    BK_FIELD(item_in, tax, BK_OPTIONAL, BK_GE(0)),
    BK_LIST_FIELD(item_in, tags, BK_ENUM_CLASS(&tag_enum), BK_DEFAULT("[]")),
    BK_LIST_FIELD(item_in, images, BK_MODEL_OF(&image_model), BK_OPTIONAL),
    BK_FIELD(item_in, quantity, BK_DEFAULT("1"), BK_GE(0), BK_LE(1000)),
    BK_FIELD(item_in, in_stock, BK_DEFAULT("true")),
    BK_END,
};
static const bk_model item_in_model = BK_MODEL(item_in, "ItemIn", item_in_fields);

typedef struct item_out {
    int64_t id;
    bk_str name;
    bk_str description;
    double price;
    bk_opt_float tax;
    BK_LIST(enum tag) tags;
    BK_LIST(image) images;
    int64_t quantity;
    bool in_stock;
    double price_with_tax;
} item_out;
static const bk_field item_out_fields[] = {
    BK_FIELD(item_out, id),
    BK_FIELD(item_out, name),
    BK_FIELD(item_out, description, BK_OPTIONAL),
    BK_FIELD(item_out, price),
    BK_FIELD(item_out, tax, BK_OPTIONAL),
    BK_LIST_FIELD(item_out, tags, BK_ENUM_CLASS(&tag_enum), BK_DEFAULT("[]")),
    BK_LIST_FIELD(item_out, images, BK_MODEL_OF(&image_model), BK_OPTIONAL),
    BK_FIELD(item_out, quantity),
    BK_FIELD(item_out, in_stock),
    BK_FIELD(item_out, price_with_tax),
    BK_END,
};
static const bk_model item_out_model = BK_MODEL(item_out, "ItemOut", item_out_fields);

typedef struct item_patch {
    bk_str name;
    bk_opt_float price;
    bk_opt_int quantity;
    uint64_t set;
} item_patch;
static const bk_field item_patch_fields[] = {
    BK_FIELD(item_patch, name, BK_OPTIONAL, BK_MIN_LEN(1), BK_MAX_LEN(50)),
    BK_FIELD(item_patch, price, BK_OPTIONAL, BK_GT(0)),
    BK_FIELD(item_patch, quantity, BK_OPTIONAL, BK_GE(0), BK_LE(1000)),
    BK_END,
};
static const bk_model item_patch_model =
    BK_MODEL_SET(item_patch, "ItemPatch", item_patch_fields, set);

typedef struct notification {
    int64_t item_id;
    bk_str message;
} notification;
static const bk_field notification_fields[] = {
    BK_FIELD(notification, item_id),
    BK_FIELD(notification, message),
    BK_END,
};
static const bk_model notification_model =
    BK_MODEL(notification, "Notification", notification_fields);

/* ---- the store: per worker ---------------------------------------------------------------- */

/* An item as stored: its strings and arrays owned by the store. */
typedef struct stored {
    item_out v;
} stored;

typedef struct store {
    stored *items;
    size_t n, cap;
    int64_t next_id;
    notification *notes;
    size_t nnotes, notes_cap;
    int64_t sessions_opened, sessions_closed;
} store;

static store *store_of(bk_req *req)
{
    return bk_worker_state(bk_req_task(req));
}

static bk_str copy_str(bk_str s)
{
    if (!s.ptr)
        return s;
    char *p = malloc(s.len + 1);
    if (!p)
        abort();
    memcpy(p, s.ptr, s.len);
    p[s.len] = '\0';
    return (bk_str){p, s.len};
}

static void *copy_array(const void *items, size_t n, size_t size)
{
    if (!items)
        return NULL;
    void *p = malloc(n ? n * size : 1);
    if (!p)
        abort();
    memcpy(p, items, n * size);
    return p;
}

static void free_item(item_out *it)
{
    free((char *)it->name.ptr);
    free((char *)it->description.ptr);
    free(it->tags.items);
    for (size_t i = 0; it->images.items && i < it->images.len; i++) {
        free((char *)it->images.items[i].url.ptr);
        free((char *)it->images.items[i].name.ptr);
    }
    free(it->images.items);
}

/* The stored copy of `in` with `id` (strings and arrays copied out of request memory). */
static item_out item_from(int64_t id, const item_in *in)
{
    item_out o = {.id = id,
                  .name = copy_str(in->name),
                  .description = copy_str(in->description),
                  .price = in->price,
                  .tax = in->tax,
                  .quantity = in->quantity,
                  .in_stock = in->in_stock,
                  .price_with_tax = in->price + (in->tax.has ? in->tax.v : 0)};
    o.tags.items = copy_array(in->tags.items, in->tags.len, sizeof(enum tag));
    o.tags.len = in->tags.len;
    o.images.items = copy_array(in->images.items, in->images.len, sizeof(image));
    o.images.len = in->images.len;
    for (size_t i = 0; o.images.items && i < o.images.len; i++) {
        o.images.items[i].url = copy_str(in->images.items[i].url);
        o.images.items[i].name = copy_str(in->images.items[i].name);
    }
    return o;
}

static item_out *store_add(store *s, const item_in *in)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = realloc(s->items, s->cap * sizeof(*s->items));
        if (!s->items)
            abort();
    }
    s->items[s->n].v = item_from(s->next_id++, in);
    return &s->items[s->n++].v;
}

static item_out *store_find(store *s, int64_t id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->items[i].v.id == id)
            return &s->items[i].v;
    return NULL;
}

static void store_remove(store *s, item_out *it)
{
    free_item(it);
    size_t i = (size_t)((stored *)it - s->items);
    memmove(&s->items[i], &s->items[i + 1], (s->n - i - 1) * sizeof(*s->items));
    s->n--;
}

/* The lifespan: two items exist before the first request. */
static int seed(bk_task *task, void *arg)
{
    (void)arg;
    store *s = calloc(1, sizeof(*s));
    if (!s)
        return BK_ENOMEM;
    s->next_id = 1;
    enum tag tools = TAG_TOOLS, toys = TAG_TOYS;
    item_in hammer = {.name = BK_STR("Hammer"),
                      .price = 9.5,
                      .tax = {true, 1.5},
                      .tags = {&tools, 1},
                      .quantity = 1,
                      .in_stock = true};
    item_in yoyo = {.name = BK_STR("Yo-yo"),
                    .price = 3.25,
                    .tags = {&toys, 1},
                    .quantity = 40,
                    .in_stock = true};
    store_add(s, &hammer);
    store_add(s, &yoyo);
    return bk_worker_set_state(task, s);
}

static int unseed(bk_task *task, void *arg)
{
    (void)arg;
    store *s = bk_worker_state(task);
    if (!s)
        return 0;
    for (size_t i = 0; i < s->n; i++)
        free_item(&s->items[i].v);
    for (size_t i = 0; i < s->nnotes; i++)
        free((char *)s->notes[i].message.ptr);
    free(s->items);
    free(s->notes);
    free(s);
    return bk_worker_set_state(task, NULL);
}

/* ---- dependencies ----------------------------------------------------------------------- */

typedef struct page {
    int64_t skip, limit;
} page;
static const bk_field page_fields[] = {
    BK_FIELD(page, skip, BK_FROM_QUERY, BK_GE(0), BK_DEFAULT("0")),
    BK_FIELD(page, limit, BK_FROM_QUERY, BK_GE(1), BK_LE(100), BK_DEFAULT("10")),
    BK_END,
};
static const bk_model page_params = BK_MODEL(page, "pagination", page_fields);

static int pagination(bk_req *req, const void *params, void *out)
{
    (void)req;
    *(page *)out = *(const page *)params;
    return 0;
}
static const bk_dep pagination_dep = {
    .name = "pagination", .params = &page_params, .size = sizeof(page), .fn = pagination};

typedef struct token_in {
    bk_str x_token;
} token_in;
static const bk_field token_fields[] = {BK_FIELD(token_in, x_token, BK_FROM_HEADER), BK_END};
static const bk_model token_params = BK_MODEL(token_in, "require_token", token_fields);

static int require_token(bk_req *req, const void *params, void *out)
{
    const token_in *in = params;
    (void)out;
    if (strcmp(in->x_token.ptr, TOKEN) != 0) {
        bk_set_header(req, "WWW-Authenticate", "Token");
        bk_send_error(req, 401, "Invalid X-Token header");
        return 1;
    }
    return 0;
}
static const bk_dep token_dep = {
    .name = "require_token", .params = &token_params, .size = 1, .fn = require_token};

/* A yield dependency: opened before the handler, closed after the response was sent. */
typedef struct session {
    store *s;
    int64_t number;
} session;

static int open_session(bk_req *req, const void *params, void *out)
{
    (void)params;
    session *se = out;
    se->s = store_of(req);
    se->number = ++se->s->sessions_opened;
    return 0;
}

static void close_session(bk_task *task, void *value)
{
    (void)task;
    session *se = value;
    se->s->sessions_closed++;
}
static const bk_dep session_dep = {
    .name = "session", .size = sizeof(session), .fn = open_session, .cleanup = close_session};

/* ---- errors ----------------------------------------------------------------------------- */

static const bk_error_kind teapot_error = {"TeapotError"};

static int teapot_handler(bk_req *req, void *arg)
{
    const char *name = arg;
    bk_json *j = bk_json_begin(req, 418);
    if (!j)
        return BK_ENOMEM;
    char msg[600];
    snprintf(msg, sizeof(msg), "%s is a teapot, not an item", name);
    bk_json_object_begin(j);
    bk_json_key(j, "message");
    bk_json_string(j, msg);
    bk_json_object_end(j);
    return bk_json_send(req);
}

/* FastAPI's HTTPException(404, "Item not found", headers={"X-Error": "item-missing"}). */
static item_out *find_or_404(bk_req *req, int64_t id)
{
    item_out *it = store_find(store_of(req), id);
    if (!it) {
        bk_set_header(req, "X-Error", "item-missing");
        bk_send_error(req, 404, "Item not found");
    }
    return it;
}

/* ---- operations ------------------------------------------------------------------------- */

static void root(bk_req *req)
{
    bk_send_json(req, 200, "{\"service\":\"items\",\"version\":\"1.0.0\"}");
}

typedef struct list_in {
    bk_str q;
    BK_LIST(enum tag) tag;
    bk_opt_float min_price;
    bk_opt_bool in_stock;
} list_in;
static const bk_field list_fields[] = {
    BK_FIELD(list_in, q, BK_FROM_QUERY, BK_OPTIONAL, BK_MIN_LEN(2), BK_MAX_LEN(50)),
    BK_LIST_FIELD(list_in, tag, BK_FROM_QUERY, BK_OPTIONAL, BK_ENUM_CLASS(&tag_enum)),
    BK_FIELD(list_in, min_price, BK_FROM_QUERY, BK_OPTIONAL, BK_GE(0)),
    BK_FIELD(list_in, in_stock, BK_FROM_QUERY, BK_OPTIONAL),
    BK_END,
};
static const bk_model list_params = BK_MODEL(list_in, "list_items", list_fields);

/* `s` lowered code point by code point (towlower, in main's C.UTF-8 LC_CTYPE) into `out`, which
 * holds `cap` wide characters; returns how many, or (size_t)-1 when `s` is not UTF-8 or too long.
 * A NUL is a character like any other (?q=a%00b matches nothing). */
static size_t lowered(bk_str s, wchar_t *out, size_t cap)
{
    mbstate_t st;
    memset(&st, 0, sizeof(st));
    size_t n = 0;
    for (size_t at = 0; at < s.len; n++) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s.ptr + at, s.len - at, &st);
        if (k == (size_t)-1 || k == (size_t)-2 || n == cap)
            return (size_t)-1;
        at += k ? k : 1; /* k == 0: a NUL */
        out[n] = (wchar_t)towlower((wint_t)wc);
    }
    return n;
}

/* Python's `q.lower() in name.lower()` (names and q are at most 50 characters). */
static int contains_folded(bk_str hay, bk_str needle)
{
    wchar_t h[64], q[64];
    size_t hn = lowered(hay, h, 64), qn = lowered(needle, q, 64);
    if (hn == (size_t)-1 || qn == (size_t)-1)
        return 0;
    for (size_t at = 0; at + qn <= hn; at++)
        if (wmemcmp(h + at, q, qn) == 0)
            return 1;
    return 0;
}

static int matches(const item_out *it, const list_in *in)
{
    if (in->q.ptr && !contains_folded(it->name, in->q))
        return 0;
    if (in->tag.items && in->tag.len) {
        int any = 0;
        for (size_t i = 0; i < in->tag.len; i++)
            for (size_t k = 0; k < it->tags.len; k++)
                any |= in->tag.items[i] == it->tags.items[k];
        if (!any)
            return 0;
    }
    if (in->min_price.has && it->price < in->min_price.v)
        return 0;
    return !in->in_stock.has || it->in_stock == in->in_stock.v;
}

static void list_items(bk_req *req)
{
    const list_in *in = BK_PARAMS(req, list_in);
    const page *pg = BK_DEP(req, &pagination_dep, page);
    store *s = store_of(req);
    item_out *found = bk_req_alloc(req, (s->n ? s->n : 1) * sizeof(*found));
    if (!found) {
        bk_send_error(req, 503, "Service Unavailable");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++)
        if (matches(&s->items[i].v, in))
            found[n++] = s->items[i].v;
    char total[24];
    snprintf(total, sizeof(total), "%zu", n);
    bk_set_header(req, "X-Total-Count", total);
    size_t from = (size_t)pg->skip < n ? (size_t)pg->skip : n;
    size_t count = n - from < (size_t)pg->limit ? n - from : (size_t)pg->limit;
    bk_respond_list(req, found + from, count);
}

static void create_item(bk_req *req)
{
    bk_respond(req, store_add(store_of(req), BK_BODY(req, item_in)));
}

typedef struct item_id_in {
    int64_t item_id;
} item_id_in;
static const bk_field read_fields[] = {
    BK_FIELD(item_id_in, item_id, BK_FROM_PATH, BK_GE(1), BK_LE(1000000)), BK_END};
static const bk_model read_params = BK_MODEL(item_id_in, "read_item", read_fields);
static const bk_field item_id_fields[] = {BK_FIELD(item_id_in, item_id, BK_FROM_PATH, BK_GE(1)),
                                          BK_END};
static const bk_model item_id_params = BK_MODEL(item_id_in, "item_id", item_id_fields);

static void read_item(bk_req *req)
{
    item_out *it = find_or_404(req, BK_PARAMS(req, item_id_in)->item_id);
    if (it)
        bk_respond(req, it);
}

static void replace_item(bk_req *req)
{
    int64_t id = BK_PARAMS(req, item_id_in)->item_id;
    item_out *it = find_or_404(req, id);
    if (!it)
        return;
    item_out fresh = item_from(id, BK_BODY(req, item_in));
    free_item(it);
    *it = fresh;
    bk_respond(req, it);
}

static void update_item(bk_req *req)
{
    item_out *it = find_or_404(req, BK_PARAMS(req, item_id_in)->item_id);
    if (!it)
        return;
    const item_patch *p = BK_BODY(req, item_patch);
    /* model_dump(exclude_unset=True, exclude_none=True): what the client set, and not null */
    if (bk_model_isset(&item_patch_model, p, "name") && p->name.ptr) {
        free((char *)it->name.ptr);
        it->name = copy_str(p->name);
    }
    if (bk_model_isset(&item_patch_model, p, "price") && p->price.has)
        it->price = p->price.v;
    if (bk_model_isset(&item_patch_model, p, "quantity") && p->quantity.has)
        it->quantity = p->quantity.v;
    it->price_with_tax = it->price + (it->tax.has ? it->tax.v : 0);
    bk_respond(req, it);
}

static void delete_item(bk_req *req)
{
    store *s = store_of(req);
    item_out *it = find_or_404(req, BK_PARAMS(req, item_id_in)->item_id);
    if (!it)
        return;
    store_remove(s, it);
    bk_respond(req, NULL);
}

typedef struct notify_in {
    int64_t item_id;
    bk_str message;
} notify_in;
static const bk_field notify_fields[] = {
    BK_FIELD(notify_in, item_id, BK_FROM_PATH, BK_GE(1)),
    BK_FIELD(notify_in, message, BK_FROM_BODY, BK_MIN_LEN(1), BK_MAX_LEN(200)),
    BK_END,
};
static const bk_model notify_params = BK_MODEL(notify_in, "notify", notify_fields);

typedef struct queued_note {
    store *s;
    notification n;
} queued_note;

static int append_notification(bk_task *task, void *arg)
{
    (void)task;
    queued_note *q = arg;
    store *s = q->s;
    if (s->nnotes == s->notes_cap) {
        s->notes_cap = s->notes_cap ? s->notes_cap * 2 : 16;
        s->notes = realloc(s->notes, s->notes_cap * sizeof(*s->notes));
        if (!s->notes)
            abort();
    }
    s->notes[s->nnotes++] = q->n;
    q->n.message.ptr = NULL; /* now the store's */
    return 0;
}

static void free_queued(void *arg)
{
    queued_note *q = arg;
    free((char *)q->n.message.ptr);
    free(q);
}

static void notify(bk_req *req)
{
    const notify_in *in = BK_PARAMS(req, notify_in);
    if (!find_or_404(req, in->item_id))
        return;
    queued_note *q = malloc(sizeof(*q));
    if (!q) {
        bk_send_error(req, 503, "Service Unavailable");
        return;
    }
    *q = (queued_note){store_of(req), {in->item_id, copy_str(in->message)}};
    if (bk_background(req, append_notification, q, free_queued) != 0) {
        bk_send_error(req, 503, "Service Unavailable");
        return;
    }
    bk_send_json(req, 202, "{\"queued\":true}");
}

static void list_notifications(bk_req *req)
{
    store *s = store_of(req);
    bk_respond_list(req, s->notes, s->nnotes);
}

typedef struct name_in {
    bk_str name;
} name_in;
static const bk_field name_fields[] = {BK_FIELD(name_in, name, BK_FROM_PATH), BK_END};
static const bk_model name_params = BK_MODEL(name_in, "teapot", name_fields);

static void teapot(bk_req *req)
{
    bk_raise(req, &teapot_error, (void *)BK_PARAMS(req, name_in)->name.ptr);
}

enum model_name { MODEL_ALEXNET, MODEL_RESNET, MODEL_LENET };
static const bk_enum_value model_names[] = {
    {"alexnet", MODEL_ALEXNET}, {"resnet", MODEL_RESNET}, {"lenet", MODEL_LENET}, {NULL, 0}};
static const bk_enum model_name_enum = {"ModelName", model_names};
typedef struct model_in {
    enum model_name model_name;
} model_in;
static const bk_field model_fields[] = {
    BK_FIELD(model_in, model_name, BK_FROM_PATH, BK_ENUM_CLASS(&model_name_enum)), BK_END};
static const bk_model model_params = BK_MODEL(model_in, "get_model", model_fields);

static void get_model(bk_req *req)
{
    enum model_name m = BK_PARAMS(req, model_in)->model_name;
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "model_name");
    bk_json_string(j, model_names[m].name);
    bk_json_key(j, "deep");
    bk_json_bool(j, m != MODEL_LENET);
    bk_json_object_end(j);
    bk_json_send(req);
}

typedef struct file_in {
    bk_str file_path;
} file_in;
static const bk_field file_fields[] = {BK_FIELD(file_in, file_path, BK_FROM_PATH), BK_END};
static const bk_model file_params = BK_MODEL(file_in, "read_file", file_fields);

static void read_file(bk_req *req)
{
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_str path = BK_PARAMS(req, file_in)->file_path;
    bk_json_object_begin(j);
    bk_json_key(j, "file_path");
    bk_json_string_len(j, path.ptr, path.len);
    bk_json_object_end(j);
    bk_json_send(req);
}

typedef struct order_in {
    bk_uuid order_id;
    bool verbose;
} order_in;
static const bk_field order_fields[] = {
    BK_FIELD(order_in, order_id, BK_FROM_PATH),
    BK_FIELD(order_in, verbose, BK_FROM_QUERY, BK_DEFAULT("false")),
    BK_END,
};
static const bk_model order_params = BK_MODEL(order_in, "read_order", order_fields);

static void read_order(bk_req *req)
{
    const order_in *in = BK_PARAMS(req, order_in);
    char id[37];
    bk_uuid_format(&in->order_id, id);
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "order_id");
    bk_json_string(j, id);
    bk_json_key(j, "verbose");
    bk_json_bool(j, in->verbose);
    bk_json_object_end(j);
    bk_json_send(req);
}

typedef struct whoami_in {
    bk_str user_agent, x_request_id, session_id, ads_id;
} whoami_in;
static const bk_field whoami_fields[] = {
    BK_FIELD(whoami_in, user_agent, BK_FROM_HEADER, BK_OPTIONAL),
    BK_FIELD(whoami_in, x_request_id, BK_FROM_HEADER, BK_OPTIONAL, BK_MAX_LEN(64)),
    BK_FIELD(whoami_in, session_id, BK_FROM_COOKIE, BK_OPTIONAL),
    BK_FIELD(whoami_in, ads_id, BK_FROM_COOKIE, BK_OPTIONAL),
    BK_END,
};
static const bk_model whoami_params = BK_MODEL(whoami_in, "whoami", whoami_fields);

static void json_str_or_null(bk_json *j, const char *key, bk_str s)
{
    bk_json_key(j, key);
    if (s.ptr)
        bk_json_string_len(j, s.ptr, s.len);
    else
        bk_json_null(j);
}

static void whoami(bk_req *req)
{
    const whoami_in *in = BK_PARAMS(req, whoami_in);
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    json_str_or_null(j, "user_agent", in->user_agent);
    json_str_or_null(j, "x_request_id", in->x_request_id);
    json_str_or_null(j, "session_id", in->session_id);
    json_str_or_null(j, "ads_id", in->ads_id);
    bk_json_object_end(j);
    bk_json_send(req);
}

typedef struct measure_in {
    double width, height;
    bk_str unit;
} measure_in;
static const bk_field measure_fields[] = {
    BK_FIELD(measure_in, width, BK_FROM_QUERY, BK_GT(0), BK_LE(1000)),
    BK_FIELD(measure_in, height, BK_FROM_QUERY, BK_GT(0), BK_LE(1000)),
    BK_FIELD(measure_in, unit, BK_FROM_QUERY, BK_PATTERN("^(cm|in)$"), BK_DEFAULT("\"cm\"")),
    BK_END,
};
static const bk_model measure_params = BK_MODEL(measure_in, "measure", measure_fields);

static void measure(bk_req *req)
{
    const measure_in *in = BK_PARAMS(req, measure_in);
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "area");
    bk_json_double(j, in->width * in->height);
    bk_json_key(j, "unit");
    bk_json_string_len(j, in->unit.ptr, in->unit.len);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void stats(bk_req *req)
{
    store *s = store_of(req);
    char body[160];
    snprintf(body, sizeof(body),
             "{\"items\":%zu,\"sessions_opened\":%lld,\"sessions_closed\":%lld}", s->n,
             (long long)s->sessions_opened, (long long)s->sessions_closed);
    bk_send_json(req, 200, body);
}

/* ---- the app ---------------------------------------------------------------------------- */

static int add_operations(bk_app *app)
{
    static const bk_response_doc not_found[] = {{404, "Item not found", NULL}, {0, NULL, NULL}};
    int err = 0;
    err |= BK_OP(app, BK_GET, "/", root, .tags = BK_TAGS("meta"), .summary = "Service root");
    err |= BK_OP(app, BK_GET, "/items", list_items, .params = &list_params,
                 .deps = BK_DEPS(&pagination_dep), .response = &item_out_model, .response_list = 1,
                 .tags = BK_TAGS("items"), .summary = "List items",
                 .description = "Lists items, filtered by name substring, tags, minimum price "
                                "and stock, paginated.");
    err |= BK_OP(app, BK_POST, "/items", create_item, .body = &item_in_model,
                 .deps = BK_DEPS(&token_dep, &session_dep), .response = &item_out_model,
                 .status = 201, .tags = BK_TAGS("items"), .summary = "Create an item");
    err |= BK_OP(app, BK_GET, "/items/{item_id}", read_item, .params = &read_params,
                 .response = &item_out_model, .tags = BK_TAGS("items"), .summary = "Read an item",
                 .responses = not_found);
    err |= BK_OP(app, BK_PUT, "/items/{item_id}", replace_item, .params = &item_id_params,
                 .body = &item_in_model, .deps = BK_DEPS(&token_dep), .response = &item_out_model,
                 .tags = BK_TAGS("items"), .summary = "Replace an item");
    err |=
        BK_OP(app, BK_PATCH, "/items/{item_id}", update_item, .params = &item_id_params,
              .body = &item_patch_model, .deps = BK_DEPS(&token_dep), .response = &item_out_model,
              .tags = BK_TAGS("items"), .summary = "Update an item");
    err |= BK_OP(app, BK_DELETE, "/items/{item_id}", delete_item, .params = &item_id_params,
                 .deps = BK_DEPS(&token_dep), .status = 204, .tags = BK_TAGS("items"),
                 .summary = "Delete an item");
    err |= BK_OP(app, BK_POST, "/items/{item_id}/notify", notify, .params = &notify_params,
                 .status = 202, .tags = BK_TAGS("items"),
                 .summary = "Notify about an item after the response");
    err |= BK_OP(app, BK_GET, "/notifications", list_notifications, .response = &notification_model,
                 .response_list = 1, .tags = BK_TAGS("items"));
    err |= BK_OP(app, BK_GET, "/teapots/{name}", teapot, .params = &name_params,
                 .tags = BK_TAGS("meta"));
    err |= BK_OP(app, BK_GET, "/models/{model_name}", get_model, .params = &model_params,
                 .tags = BK_TAGS("meta"));
    err |= BK_OP(app, BK_GET, "/files/{file_path:path}", read_file, .params = &file_params,
                 .tags = BK_TAGS("meta"));
    err |= BK_OP(app, BK_GET, "/orders/{order_id}", read_order, .params = &order_params,
                 .tags = BK_TAGS("meta"));
    err |= BK_OP(app, BK_GET, "/whoami", whoami, .params = &whoami_params, .tags = BK_TAGS("meta"));
    err |=
        BK_OP(app, BK_GET, "/measure", measure, .params = &measure_params, .tags = BK_TAGS("meta"));
    err |= BK_OP(app, BK_GET, "/stats", stats, .tags = BK_TAGS("meta"));
    return err ? BK_EINVAL : 0;
}

/* The whole app: operations, middleware, handlers and lifespan. Its tests build it too
 * (tests/unit/test_items_api.c runs it in the test client). NULL when it cannot be set up. */
static bk_app *items_app(void)
{
    bk_app *app = bk_app_new();
    if (!app)
        return NULL;
    bk_app_info info = {.title = "Items API",
                        .version = "1.0.0",
                        .description = "The reference items API: everyday FastAPI features."};
    static const char *const origins[] = {"https://app.example.com", NULL};
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", NULL};
    static const char *const headers[] = {"X-Token", "Content-Type", NULL};
    static const char *const exposed[] = {"X-Total-Count", NULL};
    bk_cors_opts cors = {.allow_origins = origins,
                         .allow_methods = methods,
                         .allow_headers = headers,
                         .allow_credentials = 1,
                         .expose_headers = exposed,
                         .max_age = 600};
    /* As the reference adds them: GZip first, then CORS, which is therefore the outermost. */
    if (bk_app_set_info(app, &info) || add_operations(app) || bk_gzip(app, 500, 9) ||
        bk_cors(app, &cors) || bk_app_error_handler(app, &teapot_error, teapot_handler) ||
        bk_app_on_startup(app, seed, NULL) || bk_app_on_shutdown(app, unseed, NULL)) {
        bk_app_free(app);
        return NULL;
    }
    return app;
}

#ifndef ITEMS_API_NO_MAIN
int main(int argc, char **argv)
{
    /* Unicode case folding for ?q= (towlower), nothing else: numbers keep the C locale. */
    setlocale(LC_CTYPE, "C.UTF-8");
    bk_app *app = items_app();
    if (!app) {
        fprintf(stderr, "items_api: the app could not be set up\n");
        return 2;
    }
    bk_config cfg;
    bk_config_default(&cfg);
    cfg.workers = 1; /* the items live in a worker's memory: one worker, as the reference */
    cfg.max_body_size = 32u << 20; /* uvicorn has no limit: a 10 MB body gets FastAPI's answer */
    int rc = bk_config_parse_args(&cfg, argc, argv);
    rc = rc == 0 ? bk_run_config(app, &cfg) : rc == 1 ? 0 : 2;
    bk_app_free(app);
    return rc;
}
#endif
