/* `pattern=` constraints: pydantic 2 compiles them with Rust's regex crate and *searches*
 * (re.search, not fullmatch: 'a' matches "bab"); brisk compiles them once with PCRE2 (UTF) and
 * searches too. The pattern is written in Rust's syntax, so pattern.c reads it as Rust's parser
 * does and hands PCRE2 an equivalent pattern, refusing at registration what pydantic refuses.
 *
 * Where the dialects differ, and what brisk does:
 *   - Refused by Rust (so by pydantic: the app does not start) but valid PCRE2: look-around
 *     ((?=, (?!, (?<=, (?<!), backreferences (\1, \0), atomic groups (?>, comments (?#,
 *     \Z \h \H \R \X \K \G \Q..\E \e \cX \N \o \g, possessive-looking forms are *not* refused
 *     (Rust reads a++ as (a+)+; brisk writes that). brisk refuses them all, with Rust's wording.
 *   - $ is only the end of the text in Rust (PCRE2: also before a final \n): PCRE2_DOLLAR_ENDONLY.
 *     (?m)^ matches after a final \n in Rust: PCRE2_ALT_CIRCUMFLEX. '.' excludes only \n in both
 *     (newline is set to LF).
 *   - \d is \p{Nd} in both (PCRE2_UCP). \s is Unicode White_Space in Rust: brisk writes that
 *     set out (PCRE2's \s also takes U+180E). \w is Alphabetic + M + Nd + Pc + Join_Control in
 *     Rust: written out too (PCRE2 10.42's \w is L + N + _, missing combining marks, taking ²).
 *     \b, \B, \<, \>, \b{start}, \b{end}, \b{start-half}, \b{end-half} are built from that \w.
 *     Inside a bracket class \W and \S stay PCRE2's own (they cannot be written out there): they
 *     differ from Rust's on the few code points above.
 *   - [[:alpha:]] and the other POSIX classes are ASCII in Rust, Unicode in PCRE2 with UCP:
 *     written out as ASCII ranges. \p{Letter}, \p{gc=Lu} and the other long General_Category
 *     names Rust knows are written as PCRE2's short ones.
 *   - Rust's \u0041, \u{41}, \U0001F600, \x{..} escapes become \x{..}; Rust's \v is U+000B (PCRE2:
 *     any vertical space); counted repetitions may hold spaces ("a{ 2 }"); x-mode ignores spaces
 *     inside classes too: brisk strips them itself.
 *   - Not supported by brisk (refused with a message saying so, though pydantic accepts them):
 *     nested classes ([a[bc]]), class set operations (&&, --, ~~), the (?-u) and (?R) flags.
 *   - Matching: Rust's regex is linear time; PCRE2 backtracks. A search is given a step limit
 *     (about a million backtracking steps, a few milliseconds) and says BK_ERANGE when a
 *     pattern needs more on some input (^(a+)+$ on "aaa...a!"), where pydantic would answer.
 *     (PCRE2's DFA matcher was tried: its state count grows with the input on nested repeats,
 *     so it is no better bounded.) */
#ifndef BK_MODEL_PATTERN_H
#define BK_MODEL_PATTERN_H

#include <stddef.h>

typedef struct bk__pattern bk__pattern;

/* Room for a compile error message. */
#define BK__PATTERN_ERROR_MAX 256

/* Compiles `pattern` (Rust regex syntax, UTF-8). Returns NULL when pydantic would refuse it, or
 * brisk cannot support it, or memory ran out; `error` (BK__PATTERN_ERROR_MAX bytes) then holds a
 * NUL-terminated message for the route registration's error: "regex parse error at offset 1:
 * look-around, including look-ahead and look-behind, is not supported". */
bk__pattern *bk__pattern_compile(const char *pattern, size_t len, char *error);
/* Searches UTF-8 text: 1 when the pattern matches somewhere, 0 when not, BK_ERANGE when the
 * search passed its step limit (report it as string_pattern_mismatch: the value was not shown to
 * match), BK_EINVAL for text that is not valid UTF-8, BK_ENOMEM. Uses ~5 KiB of stack and no heap
 * for short inputs; safe to call from several threads at once on one pattern. */
int bk__pattern_search(const bk__pattern *p, const char *s, size_t len);
/* The pattern as written (for ctx.pattern and the msg). */
const char *bk__pattern_source(const bk__pattern *p, size_t *len);
void bk__pattern_free(bk__pattern *p);

#endif
