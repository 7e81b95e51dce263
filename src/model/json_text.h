/* The text json.loads(bytes) parses: json.detect_encoding, the decode with
 * errors="surrogatepass", and the generalized UTF-8 that brisk keeps the result in (every code
 * point encoded on its own, lone surrogates included; see json_parse.h). */
#ifndef BK_MODEL_JSON_TEXT_H
#define BK_MODEL_JSON_TEXT_H

#include "util/arena.h"

#include <stddef.h>
#include <stdint.h>

/* Length (2..4) of the sequence at p that Python's UTF-8 decoder with surrogatepass accepts,
 * `p[0]` >= 0x80 and `avail` >= 1 bytes readable, or 0. *surrogate is set to 1 for ED A0..BF xx
 * (a surrogate code point, which only surrogatepass lets through), left alone otherwise. */
static inline size_t bk__json_utf8_seq(const unsigned char *p, size_t avail, int *surrogate)
{
    unsigned c = p[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0xC2 || c > 0xF4)
        return 0;
    need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (avail < need)
        return 0;
    /* Only the second byte's range depends on the lead byte (Unicode table 3-7); ED keeps its
     * full 80..BF range because surrogates pass. */
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if (c == 0xED && p[1] >= 0xA0)
        *surrogate = 1;
    return need;
}

/* Writes code point `c` (below 0x110000, surrogates included) as generalized UTF-8; returns the
 * byte after it. */
static inline unsigned char *bk__json_put_code_point(unsigned char *o, uint32_t c)
{
    if (c < 0x80) {
        *o++ = (unsigned char)c;
    } else if (c < 0x800) {
        *o++ = (unsigned char)(0xC0 | c >> 6);
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (unsigned char)(0xE0 | c >> 12);
        *o++ = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (unsigned char)(0xF0 | c >> 18);
        *o++ = (unsigned char)(0x80 | (c >> 12 & 0x3F));
        *o++ = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        *o++ = (unsigned char)(0x80 | (c & 0x3F));
    }
    return o;
}

/* Nonzero when all `len` bytes decode as Python's UTF-8 with surrogatepass decodes them. */
int bk__json_utf8_valid(const unsigned char *p, size_t len);

/* The text json.loads parses from `len` bytes at `data`: a BOM removed, UTF-16/32 decoded into
 * generalized UTF-8 in the arena. UTF-8 is returned in place and NOT validated (the parser checks
 * strings as it goes, and the whole text when it fails). Returns 0; 1 when the bytes do not
 * decode (Python's UnicodeDecodeError); BK_ENOMEM. */
int bk__json_text(bk__arena *a, const char *data, size_t len, const unsigned char **text,
                  size_t *text_len);

#endif
