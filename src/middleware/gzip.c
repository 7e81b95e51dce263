/* bk_gzip: Starlette 0.47's GZipMiddleware (starlette/middleware/gzip.py) for whole responses.
 *
 * Its rules: a response that already has a Content-Encoding, or is text/event-stream, passes
 * untouched; one shorter than minimum_size too; any other gets Vary: Accept-Encoding — whether
 * or not the client accepts gzip — and, when the request's Accept-Encoding contains "gzip" (a
 * substring test, as Starlette's), is compressed. The gzip member is written as Python's
 * gzip.GzipFile writes it (no file name, the current time, XFL from the level, OS 255), so the
 * bytes are those FastAPI sends, the timestamp aside. */
#include "http/request.h"
#include "app/app.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

typedef struct gz {
    size_t minimum_size;
    int level;
} gz;

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* Python's _write_gzip_header: magic, deflate, no flags, mtime, XFL (2 at level 9, 4 at 1). */
static void gzip_header(unsigned char *h, int level)
{
    h[0] = 0x1f;
    h[1] = 0x8b;
    h[2] = 8;
    h[3] = 0;
    put_le32(h + 4, (uint32_t)time(NULL));
    h[8] = level == 9 ? 2 : level == 1 ? 4 : 0;
    h[9] = 0xff;
}

/* Compresses `len` bytes into `out` as one gzip member. Returns 0, BK_ENOMEM, or BK_ERANGE for
 * a body zlib cannot take in one call. */
static int gzip_compress(const char *in, size_t len, int level, bk_buf *out)
{
    if (len > UINT_MAX)
        return BK_ERANGE;
    z_stream z = {0};
    /* raw deflate (negative window bits), Python's zlib.compressobj for GzipFile */
    if (deflateInit2(&z, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return BK_ENOMEM;
    size_t bound = deflateBound(&z, (uLong)len);
    int err = bk_buf_reserve(out, 10 + bound + 8);
    if (!err) {
        unsigned char *p = (unsigned char *)out->data;
        gzip_header(p, level);
        z.next_in = (Bytef *)in;
        z.avail_in = (uInt)len;
        z.next_out = p + 10;
        z.avail_out = (uInt)bound;
        err = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : BK_ENOMEM;
        size_t n = 10 + z.total_out;
        put_le32(p + n, (uint32_t)crc32(0, (const Bytef *)in, (uInt)len));
        put_le32(p + n + 4, (uint32_t)len); /* ISIZE: the length modulo 2^32 */
        out->len = n + 8;
    }
    deflateEnd(&z);
    return err;
}

/* Whether Starlette's GZipResponder would touch this response at all. */
static int compressible(const bk_req *req)
{
    if (bk_response_header(req, "content-encoding"))
        return 0;
    const char *type = bk_response_header(req, "content-type");
    return !type || strncmp(type, "text/event-stream", 17) != 0;
}

static void gzip_middleware(bk_req *req, void *arg)
{
    const gz *g = arg;
    const char *accept = bk_req_header(req, "accept-encoding");
    int wanted = accept && strstr(accept, "gzip");
    if (bk_next(req) != 0 || !compressible(req))
        return;
    size_t len;
    const char *body = bk_response_body(req, &len);
    if (len < g->minimum_size)
        return;
    if (bk__response_add_vary(req, "Accept-Encoding") != 0 || !wanted)
        return;
    bk_buf z = {0};
    if (gzip_compress(body ? body : "", len, g->level, &z) == 0 &&
        bk_set_header(req, "Content-Encoding", "gzip") == 0 &&
        bk_response_set_body(req, z.data, z.len) != 0)
        bk_remove_header(req, "Content-Encoding"); /* no memory: the body goes out as it was */
    bk_buf_free(&z);
}

int bk_gzip(bk_app *app, size_t minimum_size, int compresslevel)
{
    if (!app || compresslevel < 0 || compresslevel > 9)
        return BK_EINVAL;
    gz *g = malloc(sizeof(*g));
    if (!g)
        return BK_ENOMEM;
    g->minimum_size = minimum_size;
    g->level = compresslevel;
    return bk__app_use_owned(app, gzip_middleware, g, free);
}
