/* Unit tests of src/model/text.c: code points, UTF-8 decoding with errors='replace', Latin-1,
 * Rust whitespace, and Starlette's Cookie header parser. Expected strings are CPython's and
 * Starlette 0.47.3's (scripts/pydantic_oracle.py utf8 / cookie). */
#include "model/text.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static const char *text_of(bk_buf *b)
{
    if (bk_buf_append(b, "", 1) != 0)
        abort();
    b->len--;
    return b->data;
}

typedef struct decode_case {
    const char *bytes;
    size_t len;
    const char *decoded;
} decode_case;

// clang-format off
static const decode_case decode_cases[] = { /* oracle: utf8 */
    {"abc", 3, "abc"},
    {"\303\251", 2, "\303\251"},
    {"\377", 1, "\357\277\275"},
    {"\342\202", 2, "\357\277\275"},
    {"\342\202\254", 3, "\342\202\254"},
    {"\360\200\200", 3, "\357\277\275\357\277\275\357\277\275"},
    {"\355\240\200", 3, "\357\277\275\357\277\275\357\277\275"},
    {"\300\257", 2, "\357\277\275\357\277\275"},
    {"\364\220\200\200", 4, "\357\277\275\357\277\275\357\277\275\357\277\275"},
    {"a\200b", 3, "a\357\277\275b"},
    {"\360\237\230", 3, "\357\277\275"},
    {"\360\237\230\200", 4, "\360\237\230\200"},
    {"\340\200\257", 3, "\357\277\275\357\277\275\357\277\275"},
    {"\302", 1, "\357\277\275"},
    {"\302\302\251", 3, "\357\277\275\302\251"},
    {"\370\210\200\200\200", 5, "\357\277\275\357\277\275\357\277\275\357\277\275\357\277\275"},
    {"\341\200\341\200\200", 5, "\357\277\275\341\200\200"},
    {"\357\277\277", 3, "\357\277\277"},
    {"\364\217\277\277", 4, "\364\217\277\277"},
};
// clang-format on

/* One U+FFFD per maximal ill-formed subpart, as bytes.decode("utf-8", "replace"). */
static void test_decode_replace(void)
{
    for (size_t i = 0; i < sizeof decode_cases / sizeof decode_cases[0]; i++) {
        const decode_case *c = &decode_cases[i];
        bk_buf b = {0};
        CHECK(bk__utf8_decode_replace(&b, c->bytes, c->len) == 0);
        if (b.len != strlen(c->decoded) || memcmp(b.data, c->decoded, b.len) != 0) {
            fprintf(stderr, "decode_replace #%zu: got %zu bytes, want %zu\n", i, b.len,
                    strlen(c->decoded));
            check_failures++;
        }
        CHECK(bk__utf8_valid(c->decoded, strlen(c->decoded)));
        CHECK(bk__utf8_valid(c->bytes, c->len) == (strcmp(c->bytes, c->decoded) == 0));
        bk_buf_free(&b);
    }
}

static void test_code_points(void)
{
    uint32_t cp = 0;
    CHECK(bk__utf8_length("", 0) == 0);
    CHECK(bk__utf8_length("abc", 3) == 3);
    CHECK(bk__utf8_length("\xc3\xa9\xc3\xa9\xc3\xa9", 6) == 3);         /* "ééé": 3 characters */
    CHECK(bk__utf8_length("\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8) == 2); /* two emoji */
    CHECK(bk__utf8_length("e\xcc\x81", 3) == 2);                        /* e + combining acute */
    CHECK(bk__utf8_next("\xe2\x82\xac", 3, &cp) == 3 && cp == 0x20AC);
    CHECK(bk__utf8_next("\xf4\x8f\xbf\xbf", 4, &cp) == 4 && cp == 0x10FFFF);
    CHECK(bk__utf8_next("\xe2\x82", 2, &cp) == 0);
    CHECK(bk__utf8_next("\xc0\x80", 2, &cp) == 0);
    CHECK(bk__utf8_next("", 0, &cp) == 0);
}

static void test_latin1(void)
{
    bk_buf b = {0};
    CHECK(bk__latin1_to_utf8(&b, "caf\xe9 \xff\x80", 7) == 0);
    CHECK_STREQ(text_of(&b), "caf\xc3\xa9 \xc3\xbf\xc2\x80");
    bk_buf_free(&b);
}

static void test_rust_trim(void)
{
    const char *s = "\xe3\x80\x80\xc2\xa0 \t42\xe2\x80\xa8\xc2\x85";
    bk__span t = bk__rust_trim(s, strlen(s));
    CHECK(t.len == 2 && memcmp(t.s, "42", 2) == 0);
    t = bk__rust_trim("\x1c"
                      "42\xe2\x80\x8b",
                      6); /* U+001C and U+200B are not White_Space */
    CHECK(t.len == 6);
    t = bk__rust_trim(" \xc2\xa0 ", 4);
    CHECK(t.len == 0);
    CHECK(bk__rust_is_whitespace(0x3000) && bk__rust_is_whitespace(0x85));
    CHECK(!bk__rust_is_whitespace(0x180E) && !bk__rust_is_whitespace(0xFEFF));
}

typedef struct cookie_case {
    const char *header;
    size_t len;
    const char *name;
    int found;
    const char *value;
} cookie_case;

// clang-format off
static const cookie_case cookie_cases[] = { /* oracle: cookie */
    {"a=1; b=2", 8, "a", 1, "1"},
    {"a=1; b=2", 8, "b", 1, "2"},
    {"a=1; a=2", 8, "a", 1, "2"},
    {" a = 1 ;b", 9, "a", 1, "1"},
    {"b", 1, "", 1, "b"},
    {"a=\"x y\"", 7, "a", 1, "x y"},
    {"a=\"\\101\\102\"", 12, "a", 1, "AB"},
    {"a=\"\\\"q\\\"\"", 9, "a", 1, "\"q\""},
    {"a=\"\\477\"", 8, "a", 1, "477"},
    {"a=\"x\\", 5, "a", 1, "\"x\\"},
    {"a=\"\"", 4, "a", 1, ""},
    {"a=\"", 3, "a", 1, "\""},
    {"a=b=c", 5, "a", 1, "b=c"},
    {"=v", 2, "", 1, "v"},
    {";;a=1;", 6, "a", 1, "1"},
    {"a=\"\\351\"", 8, "a", 1, "\303\251"},
    {"a=\351", 3, "a", 1, "\303\251"},
    {"\351=1", 3, "\303\251", 1, "1"},
    {"a=1\034", 4, "a", 1, "1"},
    {"a=\240x\240", 5, "a", 1, "x"},
    {"a=\"\\\\\"", 6, "a", 1, "\\"},
    {"c=1", 3, "a", 0, ""},
    {"a=\"\\\012\"", 6, "a", 1, "\\\012"},
    {" ; a=1", 6, "a", 1, "1"},
    {"A=1", 3, "a", 0, ""},
};
// clang-format on

static void test_cookies(void)
{
    for (size_t i = 0; i < sizeof cookie_cases / sizeof cookie_cases[0]; i++) {
        const cookie_case *c = &cookie_cases[i];
        bk_buf b = {0};
        int rc = bk__cookie_find(c->header, c->len, c->name, strlen(c->name), &b);
        if (rc != c->found || (rc == 1 && strcmp(text_of(&b), c->value) != 0)) {
            fprintf(stderr, "cookie #%zu (%s in \"%s\"): got %d \"%.*s\"\n", i, c->name, c->header,
                    rc, (int)b.len, b.data ? b.data : "");
            check_failures++;
        }
        bk_buf_free(&b);
    }
    /* The chunks one by one, raw: stripped, empty ones skipped. */
    const char *h = " a = \"1\" ;; =; b ;c=";
    size_t pos = 0;
    bk__span k, v;
    CHECK(bk__cookie_next(h, strlen(h), &pos, &k, &v) == 1);
    CHECK(k.len == 1 && k.s[0] == 'a' && v.len == 3 && memcmp(v.s, "\"1\"", 3) == 0);
    CHECK(bk__cookie_next(h, strlen(h), &pos, &k, &v) == 1);
    CHECK(k.len == 0 && v.len == 1 && v.s[0] == 'b');
    CHECK(bk__cookie_next(h, strlen(h), &pos, &k, &v) == 1);
    CHECK(k.len == 1 && k.s[0] == 'c' && v.len == 0);
    CHECK(bk__cookie_next(h, strlen(h), &pos, &k, &v) == 0);
}

int main(void)
{
    test_decode_replace();
    test_code_points();
    test_latin1();
    test_rust_trim();
    test_cookies();
    return check_result("test_text");
}
