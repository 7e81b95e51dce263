/* bk_https_redirect: Starlette 0.47's HTTPSRedirectMiddleware
 * (starlette/middleware/httpsredirect.py): a request whose scheme is http (or ws, which
 * X-Forwarded-Proto can say) gets a 307 to the same URL on https (wss). Its netloc is the one of
 * Starlette's URL: the Host header (or the server's address); when the port there is 80 or 443
 * it becomes the bare host name, lower-cased, as urllib's `hostname` gives it. A netloc urllib
 * refuses (a port that is no number, unbalanced brackets) makes Starlette fail with a 500: so
 * does this middleware, by answering nothing. */
#include "http/request.h"
#include "app/app.h"
#include "app/url.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* urllib's view of a netloc: host name (brackets removed) and port text. */
typedef struct hostinfo {
    const char *host, *port;
    size_t host_len, port_len;
} hostinfo;

/* Python 3.11.4+'s urlsplit checks what brackets hold: an IPv6 address, or an IPvFuture. */
static int bracketed_host_ok(const char *s, size_t n)
{
    char ip[INET6_ADDRSTRLEN + 1];
    unsigned char addr[16];
    if (n >= sizeof(ip))
        return 0;
    memcpy(ip, s, n);
    ip[n] = '\0';
    return ip[0] == 'v' || ip[0] == 'V' || inet_pton(AF_INET6, ip, addr) == 1;
}

/* Splits `netloc` as urlsplit and SplitResult._hostinfo do. Returns 0, or -1 where urllib
 * raises ValueError. */
static int split_netloc(const char *netloc, hostinfo *h)
{
    const char *at = strrchr(netloc, '@');
    const char *s = at ? at + 1 : netloc;
    const char *open = strchr(netloc, '['), *close = strchr(netloc, ']');
    if (!open != !close)
        return -1; /* "Invalid IPv6 URL" */
    open = strchr(s, '[');
    if (open) {
        close = strchr(open, ']');
        if (!close)
            return -1;
        size_t n = (size_t)(close - open - 1);
        if (!bracketed_host_ok(open + 1, n))
            return -1;
        h->host = open + 1;
        h->host_len = n;
        const char *colon = strchr(close, ':');
        h->port = colon ? colon + 1 : "";
    } else {
        h->host = s;
        h->host_len = strcspn(s, ":");
        h->port = s[h->host_len] ? s + h->host_len + 1 : "";
    }
    h->port_len = strlen(h->port);
    return 0;
}

/* urllib's `port`: -1 for none, -2 where it raises ValueError, else the number. */
static long parse_port(const hostinfo *h)
{
    if (h->port_len == 0)
        return -1;
    long v = 0;
    for (size_t i = 0; i < h->port_len; i++) {
        if (!isdigit((unsigned char)h->port[i]) || v > 65535)
            return -2;
        v = v * 10 + (h->port[i] - '0');
    }
    return v <= 65535 ? v : -2;
}

static void https_redirect(bk_req *req, const char *to)
{
    char server[80];
    const char *netloc = bk_req_header(req, "host");
    if (!netloc && bk__url_server_netloc(req, bk_req_scheme(req), server, sizeof(server)) == 0)
        netloc = server;
    hostinfo h;
    long port = -1;
    if (netloc && (split_netloc(netloc, &h) != 0 || (port = parse_port(&h)) == -2))
        return; /* Starlette's ValueError: a 500 */
    char *lower = NULL;
    if (netloc && (port == 80 || port == 443)) {
        if (!(lower = malloc(h.host_len + 1)))
            return;
        for (size_t i = 0; i < h.host_len; i++)
            lower[i] = (char)tolower((unsigned char)h.host[i]);
        lower[h.host_len] = '\0';
        netloc = lower;
    }
    bk__url_parts u = {to, netloc ? netloc : "", bk_req_path(req), strlen(bk_req_path(req))};
    bk__url_redirect(req, &u);
    free(lower);
}

static void https_middleware(bk_req *req, void *arg)
{
    (void)arg;
    const char *scheme = bk_req_scheme(req);
    if (strcmp(scheme, "http") == 0)
        https_redirect(req, "https");
    else if (strcmp(scheme, "ws") == 0)
        https_redirect(req, "wss");
    else
        bk_next(req);
}

int bk_https_redirect(bk_app *app)
{
    if (!app)
        return BK_EINVAL;
    return bk__app_use_owned(app, https_middleware, NULL, NULL);
}
