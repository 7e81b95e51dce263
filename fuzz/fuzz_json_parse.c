/* fuzz_json_parse — the request-body JSON parser (src/model/json_parse.c) on arbitrary bytes.
 *
 * The input is a body. Each run parses it and asserts:
 * 1. The answer is well-formed: 0 with a root, or BK_EINVAL with a message (and, for a
 *    JSONDecodeError, a position no further than the text's code points); never BK_ENOMEM with
 *    an uncapped arena.
 * 2. The DOM is sound: every string and key is NUL-terminated generalized UTF-8 whose
 *    `surrogate` flag says whether it holds a surrogate; numbers have their text; bk__json_get
 *    finds every member of every object (the index agrees with the members) and no key twice.
 * 3. Round trip: jdom_serialize(DOM) parses to an equal DOM (jdom_equal), and serialising that
 *    gives the same bytes again.
 * 4. Limits only ever refuse: with max_depth 8 the parse gives the same result or a 400; with a
 *    small arena cap the same result or BK_ENOMEM, within the cap; with no leak (LSan) either way.
 */
#include "fuzz_util.h"
#include "jdom.h"
#include "model/json_parse.h"
#include "model/json_text.h"
#include "util/arena.h"

enum { SMALL_DEPTH = 8, SMALL_CAP = 4096 };

typedef struct result {
    bk__arena arena;
    int rc;
    bk__jval *root;
    bk__json_error err;
} result;

static void parse_into(result *r, const uint8_t *data, size_t size, int max_depth, size_t cap)
{
    bk__arena_init(&r->arena, NULL, 0, cap);
    r->rc = bk__json_parse(&r->arena, (const char *)data, size, max_depth, &r->root, &r->err);
}

static int has_surrogate(const char *s, size_t len)
{
    for (size_t i = 0; i + 1 < len; i++)
        if ((unsigned char)s[i] == 0xED && (unsigned char)s[i + 1] >= 0xA0)
            return 1;
    return 0;
}

static void check_text(const char *s, size_t len, int surrogate, const char *what)
{
    FUZZ_CHECK(s != NULL && s[len] == '\0', "%s not NUL-terminated", what);
    FUZZ_CHECK(bk__json_utf8_valid((const unsigned char *)s, len), "%s is not generalized UTF-8",
               what);
    FUZZ_CHECK(has_surrogate(s, len) == surrogate, "%s: surrogate flag %d is wrong", what,
               surrogate);
}

static void check_dom(const bk__jval *v)
{
    switch (v->type) {
    case BK__J_NULL:
    case BK__J_FALSE:
    case BK__J_TRUE:
        break;
    case BK__J_INT:
    case BK__J_FLOAT:
        FUZZ_CHECK(v->text && v->text_len && v->text[v->text_len] == '\0', "number without text");
        FUZZ_CHECK(v->type == BK__J_INT || !v->big, "a big float");
        break;
    case BK__J_STRING:
        check_text(v->s, v->len, v->surrogate, "string");
        break;
    case BK__J_ARRAY:
        FUZZ_CHECK((v->len == 0) == (v->items == NULL), "array items/len disagree");
        for (uint32_t i = 0; i < v->len; i++)
            check_dom(&v->items[i]);
        break;
    case BK__J_OBJECT:
        FUZZ_CHECK((v->len == 0) == (v->members == NULL), "object members/len disagree");
        FUZZ_CHECK((v->index != NULL) == (v->len > BK__JSON_LINEAR_MAX), "index presence");
        for (uint32_t i = 0; i < v->len; i++) {
            const bk__jmember *m = &v->members[i];
            check_text(m->key, m->key_len, m->key_surrogate, "key");
            /* no duplicates left: the lookup of each key lands on its own member */
            FUZZ_CHECK(bk__json_get(v, m->key, m->key_len) == &m->value,
                       "bk__json_get misses member %u of %u", i, v->len);
            check_dom(&m->value);
        }
        break;
    default:
        FUZZ_CHECK(0, "bad type %d", v->type);
    }
}

static void check_answer(const result *r, size_t size)
{
    if (r->rc == 0) {
        FUZZ_CHECK(r->root != NULL, "success without a root");
        return;
    }
    FUZZ_CHECK(r->rc == BK_EINVAL, "bk__json_parse returned %d", r->rc);
    FUZZ_CHECK(r->root == NULL && r->err.msg != NULL, "an error without its message");
    if (!r->err.unreadable) /* code points never outnumber bytes */
        FUZZ_CHECK(r->err.pos <= size, "error position %zu past %zu bytes", r->err.pos, size);
}

static void check_round_trip(const bk__jval *root)
{
    bk_buf once = {0}, twice = {0};
    FUZZ_CHECK(jdom_serialize(&once, root) == 0, "serialize failed");
    result again;
    parse_into(&again, (const uint8_t *)once.data, once.len, BK__JSON_MAX_DEPTH, 0);
    if (again.rc != 0)
        fz_dump(stderr, "serialized", once.data, once.len, 2000);
    FUZZ_CHECK(again.rc == 0, "the serialized DOM does not parse: %s at %zu", again.err.msg,
               again.err.pos);
    FUZZ_CHECK(jdom_equal(root, again.root), "the serialized DOM parses to another DOM");
    FUZZ_CHECK(jdom_serialize(&twice, again.root) == 0, "serialize failed");
    FUZZ_CHECK(once.len == twice.len && fz_memeq(once.data, twice.data, once.len),
               "serializing is not stable");
    bk__arena_free(&again.arena);
    bk_buf_free(&once);
    bk_buf_free(&twice);
}

/* A limited parse agrees with the full one or refuses the way the limit does. */
static void check_limited(const result *full, const result *lim, int refusal)
{
    if (lim->rc == 0) {
        FUZZ_CHECK(full->rc == 0 && jdom_equal(full->root, lim->root),
                   "a limited parse succeeded with another result");
        return;
    }
    if (refusal == BK_ENOMEM && lim->rc == BK_ENOMEM)
        return;
    if (refusal == BK_EINVAL && lim->rc == BK_EINVAL && lim->err.unreadable)
        return; /* the depth limit (or what the full parse refused too) */
    FUZZ_CHECK(lim->rc == full->rc, "limited parse rc %d, full %d", lim->rc, full->rc);
    FUZZ_CHECK(lim->err.unreadable == full->err.unreadable && lim->err.pos == full->err.pos &&
                   strcmp(lim->err.msg, full->err.msg) == 0,
               "a limited parse failed otherwise: %s at %zu, full: %s at %zu", lim->err.msg,
               lim->err.pos, full->err.msg, full->err.pos);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!data)
        data = (const uint8_t *)""; /* libFuzzer may pass NULL for the empty input */
    result full, shallow, capped;
    parse_into(&full, data, size, BK__JSON_MAX_DEPTH, 0);
    check_answer(&full, size);
    if (full.rc == 0) {
        check_dom(full.root);
        check_round_trip(full.root);
    }
    parse_into(&shallow, data, size, SMALL_DEPTH, 0);
    check_answer(&shallow, size);
    check_limited(&full, &shallow, BK_EINVAL);
    parse_into(&capped, data, size, BK__JSON_MAX_DEPTH, SMALL_CAP);
    FUZZ_CHECK(bk__arena_heap_bytes(&capped.arena) <= SMALL_CAP, "the arena passed its cap");
    check_limited(&full, &capped, BK_ENOMEM);
    bk__arena_free(&full.arena);
    bk__arena_free(&shallow.arena);
    bk__arena_free(&capped.arena);
    return 0;
}
