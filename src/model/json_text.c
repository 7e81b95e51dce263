/* json.loads(bytes)'s decoding step (json_text.h): json.detect_encoding, then
 * bytes.decode(encoding, "surrogatepass"), into generalized UTF-8. */
#include "model/json_text.h"

#include "brisk.h"

#include <stdint.h>
#include <string.h>

int bk__json_utf8_valid(const unsigned char *p, size_t len)
{
    size_t i = 0;
    int surrogate = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = bk__json_utf8_seq(p + i, len - i, &surrogate);
        if (!n)
            return 0;
        i += n;
    }
    return 1;
}

typedef enum encoding {
    UTF8,
    UTF8_SIG,
    UTF16,
    UTF16_BE,
    UTF16_LE,
    UTF32,
    UTF32_BE,
    UTF32_LE
} encoding;

/* json.detect_encoding, line by line. */
static encoding detect_encoding(const unsigned char *b, size_t n)
{
    if (n >= 4 && ((b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF) ||
                   (b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0)))
        return UTF32;
    if (n >= 2 && ((b[0] == 0xFE && b[1] == 0xFF) || (b[0] == 0xFF && b[1] == 0xFE)))
        return UTF16;
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF)
        return UTF8_SIG;
    if (n >= 4) {
        if (!b[0])
            return b[1] ? UTF16_BE : UTF32_BE;
        if (!b[1])
            return b[2] || b[3] ? UTF16_LE : UTF32_LE;
    } else if (n == 2) {
        if (!b[0])
            return UTF16_BE;
        if (!b[1])
            return UTF16_LE;
    }
    return UTF8;
}

static uint32_t unit16(const unsigned char *p, int big_endian)
{
    return big_endian ? (uint32_t)p[0] << 8 | p[1] : (uint32_t)p[1] << 8 | p[0];
}

/* UTF-16 as Python decodes it with surrogatepass: a high surrogate followed by a low one is a
 * pair; any other surrogate stands alone; an odd byte at the end is "truncated data". */
static int decode_utf16(bk__arena *a, const unsigned char *b, size_t n, int big_endian,
                        const unsigned char **text, size_t *text_len)
{
    if (n % 2)
        return 1;
    unsigned char *out = bk__arena_alloc(a, n / 2 * 3 + 1), *o = out;
    if (!out)
        return BK_ENOMEM;
    for (size_t i = 0; i < n; i += 2) {
        uint32_t c = unit16(b + i, big_endian);
        if (c >= 0xD800 && c < 0xDC00 && i + 4 <= n) {
            uint32_t lo = unit16(b + i + 2, big_endian);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            }
        }
        o = bk__json_put_code_point(o, c);
    }
    *text = out;
    *text_len = (size_t)(o - out);
    return 0;
}

/* UTF-32: each unit a code point, surrogates passed through, above U+10FFFF refused. */
static int decode_utf32(bk__arena *a, const unsigned char *b, size_t n, int big_endian,
                        const unsigned char **text, size_t *text_len)
{
    if (n % 4)
        return 1;
    unsigned char *out = bk__arena_alloc(a, n + 1), *o = out;
    if (!out)
        return BK_ENOMEM;
    for (size_t i = 0; i < n; i += 4) {
        const unsigned char *p = b + i;
        uint32_t c = big_endian ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3]
                                : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | p[1] << 8 | p[0];
        if (c > 0x10FFFF)
            return 1;
        o = bk__json_put_code_point(o, c);
    }
    *text = out;
    *text_len = (size_t)(o - out);
    return 0;
}

int bk__json_text(bk__arena *a, const char *data, size_t len, const unsigned char **text,
                  size_t *text_len)
{
    const unsigned char *b = (const unsigned char *)data;
    switch (detect_encoding(b, len)) {
    case UTF8:
        *text = b;
        *text_len = len;
        return 0;
    case UTF8_SIG:
        *text = b + 3;
        *text_len = len - 3;
        return 0;
    case UTF16: /* the BOM says the byte order, and goes */
        return decode_utf16(a, b + 2, len - 2, b[0] == 0xFE, text, text_len);
    case UTF16_BE:
        return decode_utf16(a, b, len, 1, text, text_len);
    case UTF16_LE:
        return decode_utf16(a, b, len, 0, text, text_len);
    case UTF32:
        return decode_utf32(a, b + 4, len - 4, b[0] == 0, text, text_len);
    case UTF32_BE:
        return decode_utf32(a, b, len, 1, text, text_len);
    default:
        return decode_utf32(a, b, len, 0, text, text_len);
    }
}
