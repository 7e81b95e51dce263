/* Text the way Python and Starlette see it: UTF-8 code points, decoding with errors='replace',
 * Latin-1 header values, and Starlette's Cookie header parser.
 *
 * Starlette hands FastAPI every header and cookie value as bytes.decode("latin-1") (each byte is
 * one code point, U+0000..U+00FF), and query and path values as percent-decoded bytes decoded
 * with bytes.decode("utf-8", errors="replace"). One quirk of the query: parse_qsl runs on the
 * query string decoded as Latin-1 and decodes only the %XX runs as UTF-8, so a raw (unescaped)
 * byte >= 0x80 stays a Latin-1 character ("q=\xc3\xa9" gives "Ã©", "q=%C3%A9" gives "é").
 * pydantic counts min_length/max_length in code points. brisk keeps every value as UTF-8; these
 * functions produce the same strings. */
#ifndef BK_MODEL_TEXT_H
#define BK_MODEL_TEXT_H

#include "brisk.h"

#include <stddef.h>
#include <stdint.h>

/* A piece of a caller's buffer. */
typedef struct bk__span {
    const char *s;
    size_t len;
} bk__span;

/* Decodes the well-formed UTF-8 sequence at s into *cp and returns its length (1-4), or 0 when
 * the bytes there are not one (bad lead byte, missing continuation, overlong form, surrogate,
 * beyond U+10FFFF, or len == 0). */
size_t bk__utf8_next(const char *s, size_t len, uint32_t *cp);
/* Number of code points in valid UTF-8 (Python's len() of the str): bytes that are not
 * continuation bytes. */
size_t bk__utf8_length(const char *s, size_t len);
/* 1 when all `len` bytes are well-formed UTF-8. */
int bk__utf8_valid(const char *s, size_t len);
/* Appends bytes.decode("utf-8", errors="replace"): each maximal ill-formed subpart becomes one
 * U+FFFD, as CPython does (b"\xe2\x82" -> 1, b"\xf0\x80\x80" -> 3, b"\xed\xa0\x80" -> 3,
 * b"\xc0\xaf" -> 2). Returns 0 or BK_ENOMEM. */
int bk__utf8_decode_replace(bk_buf *out, const char *s, size_t len);
/* Appends bytes.decode("latin-1") as UTF-8 (bytes >= 0x80 become two bytes). 0 or BK_ENOMEM. */
int bk__latin1_to_utf8(bk_buf *out, const char *s, size_t len);

/* Rust's char::is_whitespace (Unicode White_Space), which pydantic's str.trim() strips around
 * numbers: \t \n \v \f \r, space, U+0085, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000. */
int bk__rust_is_whitespace(uint32_t cp);
/* The span without leading and trailing Rust whitespace (valid UTF-8 in, a sub-span out). */
bk__span bk__rust_trim(const char *s, size_t len);

/* ---- Cookie header (starlette.requests.cookie_parser) ---------------------------------------
 * The header value is split on ';'; a chunk with '=' splits at the first '=' into key and value,
 * one without is a value with an empty key; both are stripped of Python whitespace (str.strip()
 * over Latin-1: \t \n \v \f \r, 0x1C-0x1F, space, 0x85, 0xA0); a chunk whose key and value are
 * both empty is skipped; the value is unquoted by http.cookies._unquote; a later chunk with the
 * same key replaces an earlier one (it is a dict). Starlette reads the first Cookie header. */

/* Steps through the header's chunks from *pos (start at 0): sets the raw key and value (still
 * Latin-1, stripped, value still quoted) and returns 1, or 0 at the end. */
int bk__cookie_next(const char *header, size_t len, size_t *pos, bk__span *key, bk__span *value);
/* Appends a raw value (as bk__cookie_next gives it) unquoted and as UTF-8: a value that starts
 * and ends with '"' (2 bytes at least) loses them, and inside, \ooo (octal 000-377) becomes
 * that code point and \x (any character but a newline) becomes x. Returns 0 or BK_ENOMEM. */
int bk__cookie_unquote(bk_buf *out, const char *value, size_t len);
/* Finds cookie `name` (UTF-8) the way request.cookies[name] does: the last chunk whose key,
 * decoded as Latin-1, equals name. Appends its unquoted UTF-8 value to `out` and returns 1,
 * returns 0 when there is none, or BK_ENOMEM. */
int bk__cookie_find(const char *header, size_t len, const char *name, size_t name_len, bk_buf *out);

#endif
