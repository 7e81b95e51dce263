/* pydantic 2's lax-mode coercions (Python mode, as FastAPI validates), as pure functions.
 * Each returns BK__E_NONE or the error type pydantic reports; none allocates.
 *
 * From text (query, path, header and cookie values, and JSON strings in bodies):
 *   int    Tried first as one JSON integer over the raw text (jiter's NumberInt): "-12", "0".
 *          If that fails, the text is cleaned and tried again: surrounding Rust whitespace
 *          (bk__rust_trim) removed, one leading '+' dropped (not before '-'), leading zeros and
 *          underscores among them dropped ("007", "0_7", "00.0"), a fraction of only zeros
 *          dropped ("5.0", "5.000"), underscores between digits dropped ("1_000", "5_0.0")
 *          unless they lead, trail or double up ("_1", "1_", "1__0"). Anything else is
 *          int_parsing: "1e2", "5.5", "0x10", "", " ", "inf", "5.", ".0", "1_0.0_0".
 *          Quirk kept: a '-' after leading zeros is taken as the sign ("0-5" is -5).
 *          int_parsing_size only comes from the first, raw try: a run of digits (with its '-')
 *          longer than 4300 characters at the very start of the text ("1"*4301, "1"*4301+"x",
 *          "-"+"1"*4300); after cleaning, too many digits are int_parsing (" "+"1"*4301).
 *          Values beyond int64 are valid ints for pydantic: bk__int says so with `overflow`.
 *   float  Rust's f64 parse of the trimmed text: [+-] then digits with an optional '.' and
 *          exponent ("1e2", ".5", "5.", "+.5", "1E-2"), or inf/infinity/nan in any case
 *          ("-Infinity", "NaN", "+inf"). Overflow gives inf ("1e400"), underflow 0. If that
 *          fails, the *untrimmed* text with its underscores removed is tried, when they neither
 *          lead, trail nor double up ("1_0.5", "1_e5", "1e_5"; " 1_0.5" fails). Else
 *          float_parsing.
 *   bool   Exactly (no trimming) "0", "1", or case-insensitively f, n, no, off, false / t, y,
 *          on, yes, true. Else bool_parsing.
 *   uuid   The uuid crate's parse_str: 32 hex digits, 36 hyphenated, {hyphenated} or
 *          urn:uuid:hyphenated (lowercase prefix), hex in any case, no trimming. Else
 *          uuid_parsing with the crate's message as ctx.error (bk__uuid_from_text).
 *
 * From JSON values (bk__value; pydantic's lax rules for Python objects):
 *   field  null        bool        int          bigint       float             str     list/obj
 *   int    int_type    0 / 1       value        overflow     see (a)           as text int_type
 *   float  float_type  0.0 / 1.0   (double)     see (b)      value             as text float_type
 *   bool   bool_type   value       see (c)      bool_type    see (d)           as text bool_type
 *   str    string_type string_type string_type  string_type  string_type       value   string_type
 *   uuid   uuid_type   uuid_type   uuid_type    uuid_type    uuid_type         as text uuid_type
 *   (a) nan/inf -> finite_number; a fraction -> int_from_float (5.5, 1e-300); outside
 *       (-2^63, 2^63) -> int_parsing_size (1e20, -2^63 itself); else the integer (5.0, -0.0).
 *   (b) correctly rounded; a magnitude that rounds past DBL_MAX -> float_type (float(10**400)
 *       raises OverflowError in Python).
 *   (c) 0 -> false, 1 -> true, any other int -> bool_parsing.
 *   (d) integral and inside (-2^63, 2^63): 0.0 / -0.0 -> false, 1.0 -> true, else bool_parsing;
 *       fractional, nan, inf or outside that range -> bool_type.
 * Bounds, multiple_of and lengths are the validator's: see messages.h for their order and
 * bk__float_multiple_of for the float tolerance. */
#ifndef BK_MODEL_COERCE_H
#define BK_MODEL_COERCE_H

#include "model/messages.h"
#include "model/value.h"

#include <stddef.h>
#include <stdint.h>

/* An int as pydantic reads it. `overflow` is -1 below INT64_MIN and +1 above INT64_MAX (then
 * `value` holds INT64_MIN / INT64_MAX, so comparisons with any int64 bound still come out as
 * pydantic's do), 0 when `value` is exact. */
typedef struct bk__int {
    int64_t value;
    int overflow;
} bk__int;

/* Room for a uuid_parsing ctx.error ("invalid group length in group 4: expected 12, found 13",
 * "invalid character: found `<one UTF-8 char>` at <index>"). */
#define BK__UUID_ERROR_MAX 80

bk__etype bk__int_from_text(const char *s, size_t len, bk__int *out);
bk__etype bk__float_from_text(const char *s, size_t len, double *out);
bk__etype bk__bool_from_text(const char *s, size_t len, int *out);
/* Parses into 16 bytes. On BK__E_UUID_PARSING, `error` (BK__UUID_ERROR_MAX bytes) receives the
 * NUL-terminated detail: "invalid character: found `x` at 1" (1-based byte index, prefix
 * included), "invalid length: expected length 32 for simple format, found 31", "invalid group
 * count: expected 5, found 1", "invalid group length in group 0: expected 8, found 7". */
bk__etype bk__uuid_from_text(const char *s, size_t len, uint8_t out[16], char *error);
/* The canonical form pydantic returns (and FastAPI serialises): 36 lowercase hyphenated
 * characters and a NUL. */
void bk__uuid_format(const uint8_t u[16], char out[37]);

bk__etype bk__int_from_value(const bk__value *v, bk__int *out);
bk__etype bk__float_from_value(const bk__value *v, double *out);
bk__etype bk__bool_from_value(const bk__value *v, int *out);
/* A str field takes only a str: *s / *len point into the value. */
bk__etype bk__str_from_value(const bk__value *v, const char **s, size_t *len);
bk__etype bk__uuid_from_value(const bk__value *v, uint8_t out[16], char *error);

/* pydantic's float multiple_of test: |v - round(v / m) * m| <= 1e-9 (round half away from
 * zero). 1 when v passes. */
int bk__float_multiple_of(double v, double m);
/* pydantic's int multiple_of test for an int given as text or a JSON big integer (exact, as
 * Python's arbitrary-precision %): 1 when the integer the text denotes is divisible by m (m != 0).
 * The text must be one bk__int_from_text accepted. For values inside int64 use v % m == 0. */
int bk__int_text_multiple_of(const char *s, size_t len, int64_t m);

#endif
