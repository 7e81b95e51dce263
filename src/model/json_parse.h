/* The request-body JSON parser: exactly what FastAPI's `json.loads(body_bytes)` (CPython 3.11's
 * json module, C scanner) accepts, rejects, and reports, into a DOM in an arena.
 *
 * What Python does, and so what this does:
 * - Encoding: json.detect_encoding: a UTF-32/UTF-16/UTF-8 BOM, else UTF-16/32 BE/LE guessed
 *   from NUL bytes among the first four, else UTF-8; decoded with errors="surrogatepass", so a
 *   UTF-8-encoded surrogate (ED A0..BF xx) or a lone UTF-16/32 surrogate is accepted. Anything
 *   else undecodable is a UnicodeDecodeError, raised before parsing starts: `unreadable`.
 * - Grammar: RFC 8259 plus NaN, Infinity, -Infinity; whitespace is only space, \t, \n, \r;
 *   control characters (< 0x20) inside strings are refused; numbers are int unless they have a
 *   fraction or an exponent (1E5 is a float, -0 is the int 0, -0.0 the float -0.0); floats are
 *   correctly rounded, 1e400 is inf. Integers of more than 4300 digits make Python raise
 *   ValueError (sys.int_info.default_max_str_digits): `unreadable`.
 * - Objects: a duplicate key keeps the position of its first occurrence and the last value.
 * - Errors: JSONDecodeError's msg and pos, pos counted in code points of the decoded text (after
 *   a BOM). Nesting deeper than `max_depth` is Python's RecursionError: `unreadable`.
 *
 * Strings in the DOM are "generalized UTF-8": every code point of the Python str encoded on its
 * own, so a lone surrogate (from "\ud800", or passed through by surrogatepass) is the 3-byte
 * sequence ED A0..BF 80..BF, which is not valid UTF-8; such a string has `surrogate` set, and
 * its validator decides (pydantic refuses a str holding one). An escaped pair "\ud83d\ude00" is
 * one code point, encoded normally. Code points = bytes that are not 10xxxxxx.
 *
 * A parser is a pure function over bytes: no global state, nothing kept between calls. It is
 * iterative (its nesting lives on a heap stack, not the C stack: handler coroutines have 64 KiB).
 */
#ifndef BK_MODEL_JSON_PARSE_H
#define BK_MODEL_JSON_PARSE_H

#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest nesting FastAPI parses. Measured against the reference (FastAPI 0.141, CPython 3.11):
 * a plain app parses 965 nested arrays/objects and answers 400 from 966 on. The real limit is
 * Python's recursion limit (1000) minus the frames below json.loads, so it depends on the app:
 * accepted depths measured were GZipMiddleware 963, CORSMiddleware 964, both 962, the route in
 * an included APIRouter 963, an @app.middleware("http") 968 (it runs the app in a new task). */
#define BK__JSON_MAX_DEPTH 965

/* Objects with more members than this get a sorted index (bk__json_get binary-searches it);
 * smaller ones are scanned, which is faster for them. */
#define BK__JSON_LINEAR_MAX 16

typedef enum bk__jtype {
    BK__J_NULL,
    BK__J_FALSE,
    BK__J_TRUE,
    BK__J_INT,
    BK__J_FLOAT,
    BK__J_STRING,
    BK__J_ARRAY,
    BK__J_OBJECT
} bk__jtype;

typedef struct bk__jval bk__jval;
typedef struct bk__jmember bk__jmember;

struct bk__jval {
    uint8_t type;      /* bk__jtype */
    uint8_t big;       /* INT that does not fit int64_t: only `text` holds it */
    uint8_t surrogate; /* STRING holding a lone surrogate (see above) */
    uint32_t len;      /* STRING: bytes (without the NUL); ARRAY, OBJECT: items/members */
    union {
        int64_t i;            /* INT (0 when big) */
        double f;             /* FLOAT, NaN and +-Infinity included */
        const char *s;        /* STRING: NUL-terminated (it may hold NULs: use len) */
        bk__jval *items;      /* ARRAY (NULL when empty) */
        bk__jmember *members; /* OBJECT, in first-occurrence order (NULL when empty) */
    };
    union {
        struct {
            const char *text; /* INT, FLOAT: the number as written, NUL-terminated */
            uint32_t text_len;
        };
        /* OBJECT with more than BK__JSON_LINEAR_MAX members: member positions sorted by key
         * (bytewise, then shorter first); NULL otherwise. */
        const uint32_t *index;
    };
};

struct bk__jmember {
    const char *key; /* NUL-terminated generalized UTF-8, like a STRING's `s` */
    uint32_t key_len;
    uint8_t key_surrogate; /* the key holds a lone surrogate */
    bk__jval value;
};

/* Why a parse failed. */
typedef struct bk__json_error {
    /* 1: Python raises something other than JSONDecodeError (UnicodeDecodeError, RecursionError,
     * ValueError): FastAPI answers 400 "There was an error parsing the body". `msg` then says
     * what, for logs, and `pos` is the byte offset where it was found (0 when the
     * bytes do not decode at all).
     * 0: JSONDecodeError: FastAPI answers 422 json_invalid with ctx.error = msg, loc = pos. */
    int unreadable;
    const char *msg; /* static string */
    size_t pos;
} bk__json_error;

/* Parses the `len` bytes at `data` (a request body, any encoding json.loads accepts) into a
 * DOM allocated in `a`; *out is its root. Nesting deeper than `max_depth` (BK__JSON_MAX_DEPTH
 * for FastAPI's default) is refused as unreadable. Returns 0; BK_EINVAL with *err filled (*out
 * NULL); or BK_ENOMEM when the arena (or its cap) gives out, or len >= 4 GiB. Memory taken
 * before a failure stays in the arena until bk__arena_free. `data` (NULL: no bytes) is not
 * referenced after the call: the DOM holds copies. */
int bk__json_parse(bk__arena *a, const char *data, size_t len, int max_depth, bk__jval **out,
                   bk__json_error *err);

/* The value of member `key` (`key_len` bytes) of `object`, or NULL when it has none or is not
 * an OBJECT. O(log n) for large objects, a scan for small ones. */
const bk__jval *bk__json_get(const bk__jval *object, const char *key, size_t key_len);

/* Code points in `len` bytes of generalized UTF-8 (what Python's len() gives for the str). */
size_t bk__json_codepoints(const char *s, size_t len);

#endif
