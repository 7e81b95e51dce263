/* fuzz_json — the JSON writer (src/util/json.c).
 *
 * 1. bk_json_escape of arbitrary bytes: the output is one JSON string that jansson parses
 *    (JSON_DECODE_ANY | JSON_ALLOW_NUL); its value is the input with ill-formed UTF-8 replaced by
 *    U+FFFD (exactly the input when that is valid UTF-8); the output itself is valid UTF-8 with
 *    no raw control byte, DEL, U+2028 or U+2029; escaping a slice of the output buffer into
 *    itself gives the same bytes as escaping a copy.
 * 2. A program of bk_json_* calls decoded from the input, run against a reference model of the
 *    writer's rules: bk_json_error() must be the model's error, and when it is 0 the output must
 *    parse with jansson into a value equal (json_equal) to the model's tree.
 */
#include "fuzz_util.h"

#include <jansson.h>
#include <math.h>

/* ---- 1. escaping ----------------------------------------------------------------------- */

static void check_escaped_output(const char *out, size_t out_len, const uint8_t *in, size_t len)
{
    FUZZ_CHECK(out_len >= 2 && out[0] == '"' && out[out_len - 1] == '"',
               "escape output is not a quoted string");
    for (size_t i = 0; i < out_len; i++) {
        unsigned char c = (unsigned char)out[i];
        FUZZ_CHECK(c >= 0x20 && c != 0x7f, "raw control byte 0x%02x at %zu of the output", c, i);
        if (c == 0xE2 && i + 2 < out_len && (unsigned char)out[i + 1] == 0x80)
            FUZZ_CHECK((unsigned char)out[i + 2] != 0xA8 && (unsigned char)out[i + 2] != 0xA9,
                       "raw U+2028/U+2029 in the output at %zu", i);
    }
    FUZZ_CHECK(fz_utf8_valid(out, out_len), "escape output is not valid UTF-8");

    json_error_t err;
    json_t *v = json_loadb(out, out_len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
    if (!v) {
        fz_dump(stderr, "input", in, len, 400);
        fz_dump(stderr, "output", out, out_len, 400);
    }
    FUZZ_CHECK(v != NULL, "jansson rejects the escaped string: %s (col %d)", err.text, err.column);
    FUZZ_CHECK(json_is_string(v), "escaped output parses to a non-string");

    bk_buf want = {0};
    fz_utf8_repair(&want, in, len);
    const char *got = json_string_value(v);
    size_t got_len = json_string_length(v);
    if (got_len != want.len || (want.len && memcmp(got, want.data, want.len) != 0)) {
        fz_dump(stderr, "input", in, len, 400);
        fz_dump(stderr, "decoded", got, got_len, 400);
        fz_dump(stderr, "expected", want.data, want.len, 400);
    }
    FUZZ_CHECK(got_len == want.len && (want.len == 0 || memcmp(got, want.data, want.len) == 0),
               "escaped string does not round-trip (valid UTF-8 input: %d)",
               fz_utf8_valid(in, len));
    bk_buf_free(&want);
    json_decref(v);
}

static void fuzz_escape(const uint8_t *data, size_t size)
{
    /* Appending to a buffer that already holds bytes must leave them alone. */
    bk_buf out = {0};
    fz_append(&out, "[x", 2);
    int rc = bk_json_escape(&out, (const char *)data, size);
    FUZZ_CHECK(rc == 0, "bk_json_escape returned %d", rc);
    FUZZ_CHECK(out.len >= 2 && memcmp(out.data, "[x", 2) == 0, "escape clobbered the prefix");
    check_escaped_output(out.data + 2, out.len - 2, data, size);

    if (!size) {
        bk_buf_free(&out);
        return;
    }
    /* The same bytes, escaped from inside the destination buffer (the overlap path). */
    size_t start = size / 3, n = size - start;
    bk_buf self = {0};
    fz_append(&self, data, size);
    size_t mark = self.len;
    rc = bk_json_escape(&self, self.data + start, n);
    FUZZ_CHECK(rc == 0, "bk_json_escape into its own buffer returned %d", rc);
    FUZZ_CHECK(memcmp(self.data, data, size) == 0, "escaping into itself changed the source");
    bk_buf ref = {0};
    FUZZ_CHECK(bk_json_escape(&ref, (const char *)data + start, n) == 0, "escape of a copy failed");
    FUZZ_CHECK(self.len - mark == ref.len && memcmp(self.data + mark, ref.data, ref.len) == 0,
               "escaping a slice of the buffer into itself differs from escaping a copy");
    bk_buf_free(&ref);
    bk_buf_free(&self);
    bk_buf_free(&out);
}

/* ---- 2. the writer against a model ------------------------------------------------------- */

enum { MAX_DEPTH = 63 };

typedef struct level {
    int is_object;
    int has_items;
    json_t *value; /* borrowed: owned by its parent (or by the model for level 0) */
    char *key;     /* pending key (objects), repaired UTF-8 */
} level;

typedef struct model {
    level lv[MAX_DEPTH + 1];
    int depth;
    int after_key;
    int error;
    json_t *top;
} model;

static int model_fail(model *m, int err)
{
    if (!m->error)
        m->error = err;
    return -1;
}

static int model_slot(model *m)
{
    if (m->error)
        return -1;
    level *l = &m->lv[m->depth];
    if (l->is_object) {
        if (!m->after_key)
            return model_fail(m, BK_EINVAL);
        m->after_key = 0;
        return 0;
    }
    if (l->has_items && m->depth == 0)
        return model_fail(m, BK_EINVAL);
    l->has_items = 1;
    return 0;
}

/* Stores v (a new reference) where the slot just taken says. */
static void model_put(model *m, json_t *v)
{
    level *l = &m->lv[m->depth];
    if (m->depth == 0) {
        m->top = v;
    } else if (l->is_object) {
        json_object_set_new(l->value, l->key, v);
        free(l->key);
        l->key = NULL;
    } else {
        json_array_append_new(l->value, v);
    }
}

static void model_value(model *m, json_t *v)
{
    if (model_slot(m) == 0)
        model_put(m, v);
    else
        json_decref(v);
}

static void model_begin(model *m, int is_object)
{
    if (m->error)
        return;
    if (m->depth >= MAX_DEPTH) {
        model_fail(m, BK_ERANGE);
        return;
    }
    if (model_slot(m))
        return;
    json_t *v = is_object ? json_object() : json_array();
    model_put(m, v);
    m->depth++;
    m->lv[m->depth] = (level){is_object, 0, v, NULL};
}

static void model_end(model *m, int is_object)
{
    if (m->error)
        return;
    if (m->depth == 0 || m->lv[m->depth].is_object != is_object || m->after_key) {
        model_fail(m, BK_EINVAL);
        return;
    }
    m->depth--;
}

static void model_key(model *m, const char *key)
{
    if (m->error)
        return;
    level *l = &m->lv[m->depth];
    if (!key || !l->is_object || m->after_key) {
        model_fail(m, BK_EINVAL);
        return;
    }
    l->has_items = 1;
    bk_buf k = {0};
    fz_utf8_repair(&k, key, strlen(key));
    fz_append(&k, "", 1);
    free(l->key);
    l->key = k.data;
    m->after_key = 1;
}

static json_t *repaired_string(const char *s, size_t len)
{
    bk_buf b = {0};
    fz_utf8_repair(&b, s, len);
    json_t *v = json_stringn(b.len ? b.data : "", b.len);
    bk_buf_free(&b);
    FUZZ_CHECK(v != NULL, "jansson refused a repaired string");
    return v;
}

static int model_result(const model *m)
{
    if (m->error)
        return m->error;
    if (m->depth || m->after_key || !m->lv[0].has_items)
        return BK_EINVAL;
    return 0;
}

static void model_free(model *m)
{
    for (int i = 0; i <= MAX_DEPTH; i++)
        free(m->lv[i].key);
    json_decref(m->top);
}

typedef struct reader {
    const uint8_t *p;
    size_t n;
} reader;

static unsigned rd_byte(reader *r)
{
    if (!r->n)
        return 0;
    r->n--;
    return *r->p++;
}

static uint64_t rd_u64(reader *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | rd_byte(r);
    return v;
}

/* A length-prefixed slice of the input (at most 255 bytes). */
static const char *rd_bytes(reader *r, size_t *len)
{
    size_t n = rd_byte(r);
    if (n > r->n)
        n = r->n;
    const char *s = (const char *)r->p;
    r->p += n;
    r->n -= n;
    *len = n;
    return s;
}

static const char *const raw_snippets[] = {"1",  "\"r\"", "[]",   "{}", "[1,{\"a\":null}]",
                                           "-0.5e3", "true", "\"\\u00e9\\n\""};
static const double special_doubles[] = {0.1, 1e16, -0.0, 5e-324, 1.7976931348623157e308, 1e-5,
                                         123456789012345678.0, 9007199254740993.0, 0.3, 2.5e-308,
                                         1e21, 1e-7, 100.0, NAN, INFINITY, -INFINITY};

static void fuzz_writer(const uint8_t *data, size_t size)
{
    bk_buf out = {0};
    fz_append(&out, "prefix", 6); /* bk_json_init appends to what the buffer holds */
    bk_json j;
    bk_json_init(&j, &out);
    model m;
    memset(&m, 0, sizeof(m));
    reader r = {data, size};
    char tmp[256];
    for (int ops = 0; r.n && ops < 4096; ops++) {
        unsigned op = rd_byte(&r) % 16;
        size_t len;
        const char *s;
        switch (op) {
        case 0:
            bk_json_object_begin(&j);
            model_begin(&m, 1);
            break;
        case 1:
            bk_json_object_end(&j);
            model_end(&m, 1);
            break;
        case 2:
            bk_json_array_begin(&j);
            model_begin(&m, 0);
            break;
        case 3:
            bk_json_array_end(&j);
            model_end(&m, 0);
            break;
        case 4: /* a key: a C string, so cut at the first NUL */
            s = rd_bytes(&r, &len);
            memcpy(tmp, s, len);
            tmp[len] = '\0';
            bk_json_key(&j, tmp);
            model_key(&m, tmp);
            break;
        case 5: /* a string with explicit length: NUL bytes included */
            s = rd_bytes(&r, &len);
            bk_json_string_len(&j, s, len);
            model_value(&m, repaired_string(s, len));
            break;
        case 6:
            s = rd_bytes(&r, &len);
            memcpy(tmp, s, len);
            tmp[len] = '\0';
            bk_json_string(&j, tmp);
            model_value(&m, repaired_string(tmp, strlen(tmp)));
            break;
        case 7: {
            int64_t v = (int64_t)rd_u64(&r);
            bk_json_int(&j, v);
            model_value(&m, json_integer((json_int_t)v));
            break;
        }
        case 8:
        case 13: {
            double v;
            if (op == 8) {
                uint64_t bits = rd_u64(&r);
                memcpy(&v, &bits, sizeof(v));
            } else {
                v = special_doubles[rd_byte(&r) % (sizeof special_doubles / sizeof(double))];
            }
            bk_json_double(&j, v);
            model_value(&m, isfinite(v) ? json_real(v) : json_null());
            break;
        }
        case 9: {
            int v = (int)(rd_byte(&r) & 1);
            bk_json_bool(&j, v);
            model_value(&m, json_boolean(v));
            break;
        }
        case 10:
            bk_json_null(&j);
            model_value(&m, json_null());
            break;
        case 11: {
            const char *snip = raw_snippets[rd_byte(&r) % (sizeof raw_snippets / sizeof(char *))];
            bk_json_raw(&j, snip, strlen(snip));
            json_t *v = json_loads(snip, JSON_DECODE_ANY, NULL);
            FUZZ_CHECK(v != NULL, "bad snippet");
            model_value(&m, v);
            break;
        }
        case 12: /* NULL string: written as null */
            bk_json_string(&j, NULL);
            model_value(&m, json_null());
            break;
        case 14: /* misuse: a NULL key */
            bk_json_key(&j, NULL);
            model_key(&m, NULL);
            break;
        default: /* misuse: an empty raw value */
            bk_json_raw(&j, "", 0);
            if (!m.error)
                model_fail(&m, BK_EINVAL);
            break;
        }
    }
    int got = bk_json_error(&j), want = model_result(&m);
    FUZZ_CHECK(got == want, "bk_json_error() = %d, the model says %d (depth %d)", got, want,
               m.depth);
    FUZZ_CHECK(out.len >= 6 && memcmp(out.data, "prefix", 6) == 0, "writer clobbered the prefix");
    if (got == 0) {
        json_error_t err;
        json_t *v = json_loadb(out.data + 6, out.len - 6, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
        if (!v)
            fz_dump(stderr, "output", out.data + 6, out.len - 6, 2000);
        FUZZ_CHECK(v != NULL, "writer output does not parse: %s (col %d)", err.text, err.column);
        if (!json_equal(v, m.top)) {
            fz_dump(stderr, "output", out.data + 6, out.len - 6, 2000);
            char *want_s = json_dumps(m.top, JSON_ENCODE_ANY | JSON_COMPACT);
            if (want_s)
                fz_dump(stderr, "model", want_s, strlen(want_s), 2000);
            free(want_s);
        }
        FUZZ_CHECK(json_equal(v, m.top), "writer output parses to another value than written");
        json_decref(v);
    }
    model_free(&m);
    bk_buf_free(&out);
}

static void fuzz_null_writer(void)
{
    /* Every call on a NULL writer does nothing; a NULL buffer is an error, not a crash. */
    bk_json_object_begin(NULL);
    bk_json_key(NULL, "k");
    bk_json_string(NULL, "v");
    bk_json_double(NULL, 1.5);
    bk_json_object_end(NULL);
    FUZZ_CHECK(bk_json_error(NULL) == BK_EINVAL, "bk_json_error(NULL)");
    bk_json j;
    bk_json_init(&j, NULL);
    bk_json_null(&j);
    FUZZ_CHECK(bk_json_error(&j) == BK_EINVAL, "writer without a buffer");
    FUZZ_CHECK(bk_json_escape(NULL, "x", 1) == BK_EINVAL, "escape into NULL");
    bk_buf b = {0};
    FUZZ_CHECK(bk_json_escape(&b, NULL, 1) == BK_EINVAL && b.len == 0, "escape of NULL, 1");
    FUZZ_CHECK(bk_json_escape(&b, NULL, 0) == 0 && b.len == 2 && memcmp(b.data, "\"\"", 2) == 0,
               "escape of NULL, 0");
    bk_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!data)
        data = (const uint8_t *)""; /* libFuzzer may pass NULL for the empty input */
    if (!once) {
        once = 1;
        fuzz_null_writer();
    }
    fuzz_escape(data, size);
    fuzz_writer(data, size);
    return 0;
}
