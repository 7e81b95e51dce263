/* Unit tests of src/model/pattern.c: Rust regex syntax (pydantic's pattern=) compiled to PCRE2
 * and searched. Expected outcomes are real pydantic 2.13.4's (scripts/pydantic_oracle.py
 * pattern): 1 the value passes, 0 string_pattern_mismatch, -1 pydantic refuses the pattern. */
#include "model/pattern.h"
#include "brisk.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

typedef struct pattern_case {
    const char *pattern;
    const char *input;
    int want;
} pattern_case;

// clang-format off
static const pattern_case pattern_cases[] = { /* oracle: pattern */
    {"^a+$", "aaa", 1},
    {"^a+$", "b", 0},
    {"a", "bab", 1},
    {"^a$", "a\012", 0},
    {"a$", "a\012", 0},
    {"^b", "a\012b", 0},
    {"(\?m)^b", "a\012b", 1},
    {"(\?m)a$", "a\012b", 1},
    {"^.$", "\012", 0},
    {"^.$", "\015", 1},
    {"(\?s)^.$", "\012", 1},
    {"^\\d+$", "\331\241\331\242", 1},
    {"^\\d$", "\357\274\221", 1},
    {"^\\D$", "\331\241", 0},
    {"^\\w+$", "\303\251\344\270\255", 1},
    {"^\\w$", "\302\262", 0},
    {"^\\w\\w$", "e\314\201", 1},
    {"^\\w$", "\342\200\277", 1},
    {"^\\s$", "\302\240", 1},
    {"^\\s$", "\302\205", 1},
    {"^\\s$", "\034", 0},
    {"^\\s$", "\341\240\216", 0},
    {"^\\S$", "\341\240\216", 1},
    {"^[[:alpha:]]+$", "ab\303\251", 0},
    {"^[[:alpha:]]+$", "ab", 1},
    {"^[[:^alpha:]]$", "1", 1},
    {"^[^[:digit:]]$", "\331\241", 1},
    {"\\bfoo\\b", "\303\251 foo", 1},
    {"\\bfoo\\b", "\303\251foo", 0},
    {"a\\B", "ab", 1},
    {"(\?i)\303\211", "\303\251", 1},
    {"(\?i)k", "\342\204\252", 1},
    {"^\\p{L}+$", "\303\251", 1},
    {"^\\p{Greek}+$", "\316\261\316\262", 1},
    {"^.$", "\360\237\230\200", 1},
    {"^..$", "\303\251", 0},
    {"a{2,}", "aaa", 1},
    {"\\Aa\\z", "a", 1},
    {"(\?P<n>a)", "a", 1},
    {"(\?<n>a)", "a", 1},
    {"a++", "a", 1},
    {"a**", "a", 1},
    {"(a+)+b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0},
    {"^x{3}{2}$", "xxxxxx", 1},
    {"\\x41", "A", 1},
    {"\\u0041", "A", 1},
    {"\\u{41}", "A", 1},
    {"\\U{1F600}", "\360\237\230\200", 1},
    {"\\x{e9}", "\303\251", 1},
    {"(\?x) a b # c", "ab", 1},
    {"(\?x)[a b]", " ", 0},
    {"(\?x)a\\ b", "a b", 1},
    {"a{ 2 }", "aa", 1},
    {"^\\v$", "\013", 1},
    {"^\\v$", "\012", 0},
    {"\\<a", "a", 1},
    {"a\\>", "a", 1},
    {"\\b{start}a", "ba", 0},
    {"a\\b{end}", "ab", 0},
    {"(\?U)a+", "a", 1},
    {"(\?i:a)A", "aA", 1},
    {"(\?i:a)A", "aa", 0},
    {"(\?:)", "x", 1},
    {"a||b", "b", 1},
    {"^*", "a", 1},
    {"[]a]", "]", 1},
    {"[^]a]", "b", 1},
    {"[a-]", "-", 1},
    {"\\%", "%", 1},
    {"\\@", "@", 1},
    {"\\p{Lu}", "a", 0},
    {"\\PL", "a", 0},
    {"\\p{Letter}", "a", 1},
    {"\\p{gc=Lu}", "A", 1},
    {"\\p{Uppercase_Letter}", "A", 1},
    {"[\\d-]", "-", 1},
    {"[\\p{Greek}x]", "x", 1},
    {"^[^\\s]$", "a", 1},
    {"[\\w]", "\303\251", 1},
    {"^(\?=.*\\d)", "a1", -1},
    {"(\?<=a)b", "ab", -1},
    {"(\?!a)", "b", -1},
    {"(a)\\1", "aa", -1},
    {"\\Z", "a", -1},
    {"[", "a", -1},
    {"\\", "a", -1},
    {"(\?>a)", "a", -1},
    {"\\e", "a", -1},
    {"\\h", "a", -1},
    {"\\Qa\\E", "a", -1},
    {"a(\?#c)", "a", -1},
    {"\\cA", "\001", -1},
    {"\\0", "\000", -1},
    {"\\N{U+41}", "A", -1},
    {"[a-\\d]", "a", -1},
    {"[z-a]", "a", -1},
    {"a{,3}", "a", -1},
    {"a{", "a", -1},
    {"{", "{", -1},
    {"a{2", "a", -1},
    {"a{x}", "a", -1},
    {"a{3,2}", "a", -1},
    {"*a", "a", -1},
    {"(*)", "a", -1},
    {"a|*", "a", -1},
    {"(\?P<n>a)(\?P<n>b)", "ab", -1},
    {"(\?P<1a>x)", "x", -1},
    {"(\?ii)a", "a", -1},
    {"(\?)a", "a", -1},
    {"(\?i-)a", "a", -1},
    {"(a", "a", -1},
    {"a)", "a", -1},
    {"[]", "a", -1},
    {"[^]", "a", -1},
    {"\\x{110000}", "a", -1},
    {"\\x{D800}", "a", -1},
    {"\\x7", "a", -1},
    {"\\\303\251", "a", -1},
    {"[\\b]", "a", -1},
    {"\\b{foo}", "a", -1},
    {"\\p{L&}", "a", -1},
    {"\\p{^Greek}", "a", -1},
    {"\\X", "a", -1},
    {"\\R", "a", -1},
    {"\\K", "a", -1},
    {"\\G", "a", -1},
};
// clang-format on

/* Patterns pydantic accepts and brisk refuses on purpose (pattern.h says why). */
static const char *const unsupported[] = {"[a[bc]]", "[a[^b]]", "[a~~b]", "[\\d--5]",
                                          "[a&&b]",  "(?-u)a",  "(?R)a",  "[[:foo:]]"};

static void test_patterns(void)
{
    for (size_t i = 0; i < sizeof pattern_cases / sizeof pattern_cases[0]; i++) {
        const pattern_case *c = &pattern_cases[i];
        char error[BK__PATTERN_ERROR_MAX] = "";
        bk__pattern *p = bk__pattern_compile(c->pattern, strlen(c->pattern), error);
        int got = p ? bk__pattern_search(p, c->input, strlen(c->input)) : -1;
        if (got != c->want) {
            fprintf(stderr, "pattern '%s' on \"%s\": got %d, want %d %s\n", c->pattern, c->input,
                    got, c->want, error);
            check_failures++;
        }
        if (!p)
            CHECK(strncmp(error, "regex parse error at offset ", 28) == 0);
        bk__pattern_free(p);
    }
}

static void test_unsupported(void)
{
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        char error[BK__PATTERN_ERROR_MAX] = "";
        bk__pattern *p = bk__pattern_compile(unsupported[i], strlen(unsupported[i]), error);
        CHECK(p == NULL);
        if (!strstr(error, "not supported by brisk")) {
            fprintf(stderr, "'%s': %s\n", unsupported[i], error);
            check_failures++;
        }
        bk__pattern_free(p);
    }
}

/* The message a route registration reports, and what a compiled pattern keeps. */
static void test_messages_and_source(void)
{
    char error[BK__PATTERN_ERROR_MAX];
    CHECK(bk__pattern_compile("^(?=.*\\d)", 9, error) == NULL);
    CHECK_STREQ(error, "regex parse error at offset 1: look-around, including look-ahead and "
                       "look-behind, is not supported");
    CHECK(bk__pattern_compile("(a)\\1", 5, error) == NULL);
    CHECK_STREQ(error, "regex parse error at offset 3: backreferences are not supported");
    CHECK(bk__pattern_compile("a\xff", 2, error) == NULL);
    CHECK_STREQ(error, "regex parse error at offset 0: pattern is not valid UTF-8");
    bk__pattern *p = bk__pattern_compile("^[a-z]+$", 8, error);
    CHECK(p != NULL);
    size_t len = 0;
    CHECK_STREQ(bk__pattern_source(p, &len), "^[a-z]+$");
    CHECK(len == 8);
    CHECK(bk__pattern_search(p, "ab\xff", 3) == BK_EINVAL); /* not UTF-8 */
    CHECK(bk__pattern_search(p, "", 0) == 0);
    bk__pattern_free(p);
    bk__pattern_free(NULL);
}

/* A pattern exponential for a backtracking matcher, on an input it does not match: the search
 * stops at its step limit (BK_ERANGE) instead of running for minutes; a matching input still
 * matches, and a linear pattern on the same long input answers. */
static void test_no_catastrophic_backtracking(void)
{
    char error[BK__PATTERN_ERROR_MAX];
    bk__pattern *p = bk__pattern_compile("^(a+)+$", 7, error);
    CHECK(p != NULL);
    size_t n = 20000;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    memset(s, 'a', n);
    s[n] = '!';
    CHECK(bk__pattern_search(p, s, n + 1) == BK_ERANGE);
    CHECK(bk__pattern_search(p, s, n) == 1);
    bk__pattern_free(p);
    p = bk__pattern_compile("^a+$", 4, error);
    CHECK(p != NULL && bk__pattern_search(p, s, n + 1) == 0);
    free(s);
    bk__pattern_free(p);
}

int main(void)
{
    test_patterns();
    test_unsupported();
    test_messages_and_source();
    test_no_catastrophic_backtracking();
    return check_result("test_pattern");
}
