/* Absolute URLs of a request, for the redirects brisk answers (a slash redirect, the HTTPS and
 * www redirects): Starlette's URL(scope=scope), quoted as its RedirectResponse quotes Location. */
#ifndef BK_APP_URL_H
#define BK_APP_URL_H

#include "http/request.h"

/* What changes from the request's own URL. */
typedef struct bk__url_parts {
    const char *scheme; /* "http", "https", ... */
    const char *netloc; /* NULL: the Host header, else the server's address */
    const char *path;   /* decoded; the root path goes before it */
    size_t path_len;
} bk__url_parts;

/* Appends `len` bytes of `s` to `out` as urllib.parse.quote(s, safe=":/%#?=@[]!$&'()*+,;")
 * does; with `latin1`, bytes >= 0x80 are latin-1 characters (a header Starlette decoded so),
 * quoted as their UTF-8. Returns 0 or BK_ENOMEM. */
int bk__url_quote(bk_buf *out, const char *s, size_t len, int latin1);
/* 443 for https and wss, 80 otherwise. */
int bk__url_default_port(const char *scheme);
/* The server's address as Starlette writes it for a request without Host: "IP:PORT", without
 * the port when it is the scheme's default. Returns 0 or BK_ENOENT (the carrier has none). */
int bk__url_server_netloc(const bk_req *req, const char *scheme, char *buf, size_t size);
/* Appends the quoted URL scheme://netloc root_path path?query (the request's query) to `out`.
 * Returns 0 or BK_ENOMEM. */
int bk__url_build(bk_buf *out, const bk_req *req, const bk__url_parts *u);
/* Answers `req` with Starlette's RedirectResponse to that URL: 307, Location, an empty body.
 * Returns 0 or the error of bk_set_header / bk_send. */
int bk__url_redirect(bk_req *req, const bk__url_parts *u);

#endif
