/* Numbers and strings printed the way pydantic's error messages print them.
 *
 * Two printers of doubles are needed because pydantic uses both: a ctx value or an input echoed
 * in the 422 body is a Python float, written by json.dumps as repr(float) ("0.0", "1e+20",
 * "1e-05", "0.30000000000000004"), while the *msg* text is rendered by pydantic-core in Rust with
 * f64's Display ("0", "100000000000000000000", "0.00001", "NaN"): `Field(gt=0.0)` on a float
 * field gives ctx {"gt": 0.0} and msg "Input should be greater than 0". Both print the shortest
 * digits that read back as the same double. Everything here is pure and buffer-based. */
#ifndef BK_MODEL_PYFMT_H
#define BK_MODEL_PYFMT_H

#include "brisk.h"

#include <stddef.h>

/* Longest repr(float) ("-2.2250738585072014e-308" is 24 bytes), with room for the NUL. */
#define BK__PY_FLOAT_REPR_MAX 32

/* Writes Python's repr(v) into `buf` (NUL-terminated): shortest round-trip digits, fixed
 * notation for 1e-4 <= |v| < 1e16 with at least one decimal ("11.0", "-0.0"), otherwise
 * d.ddde+XX ("1e+16", "1e-05"); "inf", "-inf", "nan". Returns its length. */
size_t bk__py_float_repr(char buf[BK__PY_FLOAT_REPR_MAX], double v);
/* Appends Rust's `format!("{}", v)` for an f64: the same digits, never an exponent, no ".0" for
 * integral values ("0", "-0", "1.5", "100000000000000000000", "0.00001"), "inf", "-inf", "NaN".
 * Up to ~330 bytes for extreme values. Returns 0 or BK_ENOMEM. */
int bk__rust_float_display(bk_buf *out, double v);
/* Appends Python's repr() of a str given as UTF-8: single quotes unless the text holds a ' and
 * no ", backslash escapes for \\, the quote, \t \n \r, \xNN for other control characters and
 * non-printable code points. Non-ASCII printability follows Python for the control, format,
 * separator and private-use blocks; unassigned code points (which Python escapes) are written
 * as they are. Invalid UTF-8 bytes are written as U+FFFD. Returns 0 or BK_ENOMEM. */
int bk__py_str_repr(bk_buf *out, const char *s, size_t len);

/* Appends Python's `s.title().replace("_", " ")` for the `len` bytes of `s`: a letter after a
 * letter is lowered, any other letter raised ("read_item" -> "Read Item", "x-token" ->
 * "X-Token", "get2fa" -> "Get2Fa", "userName" -> "Username"). Only ASCII letters change case;
 * other bytes (UTF-8 sequences) count as letters that keep theirs. Returns 0 or BK_ENOMEM. */
int bk__py_title(bk_buf *out, const char *s, size_t len);

#endif
