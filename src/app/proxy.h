/* Proxy headers: from a trusted peer, X-Forwarded-Proto sets the request's scheme and
 * X-Forwarded-For its client (bk_req_peer), as uvicorn's ProxyHeadersMiddleware does. */
#ifndef BK_APP_PROXY_H
#define BK_APP_PROXY_H

#include "app/app.h"

/* Parses a --forwarded-allow-ips value ("127.0.0.1, 10.0.0.0/8", "*"). Returns 0 with `*out`
 * set, or BK_ENOMEM. Entries that are no IP or network are kept as text. */
int bk__trust_parse(const char *spec, bk__trust **out);
void bk__trust_free(bk__trust *t);
/* Whether `host` (`len` bytes: an IP, or any text) is trusted. */
int bk__trust_contains(const bk__trust *t, const char *host, size_t len);
/* Applies the proxy headers of `req` when its peer is trusted. Called once, before routing. */
void bk__proxy_apply(const bk__trust *t, bk_req *req);

#endif
