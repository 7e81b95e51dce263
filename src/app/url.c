/* The absolute URLs brisk puts in Location headers, built as Starlette builds them: URL(scope=...)
 * — scheme "://" Host header (or the server's address) root_path path "?" query — then quoted as
 * RedirectResponse quotes it. See url.h. */
#include "app/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* urllib.parse.quote's always-safe characters, plus RedirectResponse's `safe`. */
static int url_safe(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch && strchr("_.-~:/%#?=@[]!$&'()*+,;", ch) != NULL;
}

static int append_escape(bk_buf *out, unsigned char ch)
{
    static const char hex[] = "0123456789ABCDEF";
    char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
    return bk_buf_append(out, e, 3);
}

int bk__url_quote(bk_buf *out, const char *s, size_t len, int latin1)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        int err;
        if (url_safe(ch))
            err = bk_buf_append(out, s + i, 1);
        else if (latin1 && ch >= 0x80) /* one latin-1 character, quoted as its UTF-8 */
            err = append_escape(out, (unsigned char)(0xC0 | ch >> 6)) ||
                  append_escape(out, (unsigned char)(0x80 | (ch & 0x3F)));
        else
            err = append_escape(out, ch);
        if (err)
            return BK_ENOMEM;
    }
    return 0;
}

int bk__url_default_port(const char *scheme)
{
    if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
        return 443;
    return 80;
}

int bk__url_server_netloc(const bk_req *req, const char *scheme, char *buf, size_t size)
{
    const char *local = req->io && req->io->local ? req->io->local(req) : NULL;
    const char *colon = local ? strrchr(local, ':') : NULL;
    if (!colon)
        return BK_ENOENT;
    int port = atoi(colon + 1);
    /* Starlette writes the host as it is, without brackets for IPv6 ("::1:8000"): so do we */
    int n = port == bk__url_default_port(scheme)
                ? snprintf(buf, size, "%.*s", (int)(colon - local), local)
                : snprintf(buf, size, "%s", local);
    return n < 0 || (size_t)n >= size ? BK_ENOENT : 0;
}

int bk__url_build(bk_buf *out, const bk_req *req, const bk__url_parts *u)
{
    char server[80];
    const char *netloc = u->netloc;
    int netloc_latin1 = 1; /* a Host header: latin-1 text to Starlette */
    if (!netloc) {
        netloc = bk_req_header(req, "host");
        if (!netloc && bk__url_server_netloc(req, u->scheme, server, sizeof(server)) == 0) {
            netloc = server;
            netloc_latin1 = 0;
        }
    }
    const char *root = bk_req_root_path(req);
    const char *query = bk_req_query_string(req);
    int err = 0;
    if (netloc) /* no Host and no server address: Starlette's URL is the path alone */
        err = bk__url_quote(out, u->scheme, strlen(u->scheme), 0) || bk_buf_append(out, "://", 3) ||
              bk__url_quote(out, netloc, strlen(netloc), netloc_latin1);
    err = err || bk__url_quote(out, root, strlen(root), 0) ||
          bk__url_quote(out, u->path, u->path_len, 0);
    if (!err && *query)
        err = bk_buf_append(out, "?", 1) || bk__url_quote(out, query, strlen(query), 0);
    return err ? BK_ENOMEM : 0;
}

int bk__url_redirect(bk_req *req, const bk__url_parts *u)
{
    bk_buf loc = {0};
    int err = bk__url_build(&loc, req, u) || bk_buf_append(&loc, "", 1) ? BK_ENOMEM : 0;
    if (!err)
        err = bk_set_header(req, "Location", loc.data);
    bk_buf_free(&loc);
    if (!err)
        err = bk_send(req, 307, NULL, "", 0);
    return err;
}
