/* uvicorn's ProxyHeadersMiddleware (--proxy-headers, --forwarded-allow-ips), as modern uvicorn
 * (0.30 on) has it: the trusted set holds IP addresses, networks ("10.0.0.0/8") and other
 * literals; only X-Forwarded-Proto values http, https, ws and wss are taken; when every
 * X-Forwarded-For entry is trusted the first one is the client. Debian's uvicorn 0.17.6 differs
 * there (see docs/architecture.md, "Proxy headers"). */
#include "app/proxy.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct net {
    int family; /* AF_INET or AF_INET6 */
    unsigned prefix;
    unsigned char addr[16];
} net;

struct bk__trust {
    int always; /* the value was "*" */
    net *nets;  /* addresses are /32 and /128 networks */
    int nnets;
    char **literals; /* entries that are no IP or network: compared as text */
    int nliterals;
};

static int parse_ip(const char *s, net *out)
{
    if (inet_pton(AF_INET, s, out->addr) == 1) {
        out->family = AF_INET;
        out->prefix = 32;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->addr) == 1) {
        out->family = AF_INET6;
        out->prefix = 128;
        return 0;
    }
    return -1;
}

/* Whether bit `i` (from the most significant) of `addr` is set. */
static int bit(const unsigned char *addr, unsigned i)
{
    return addr[i / 8] >> (7 - i % 8) & 1;
}

/* "ADDR/PREFIX" as Python's ipaddress.ip_network (strict): host bits set is not a network. */
static int parse_net(const char *s, net *out)
{
    const char *slash = strchr(s, '/');
    char ip[64];
    if (!slash || (size_t)(slash - s) >= sizeof(ip))
        return -1;
    memcpy(ip, s, (size_t)(slash - s));
    ip[slash - s] = '\0';
    char *end;
    unsigned long prefix = strtoul(slash + 1, &end, 10);
    if (parse_ip(ip, out) != 0 || end == slash + 1 || *end || prefix > out->prefix)
        return -1;
    for (unsigned i = (unsigned)prefix; i < out->prefix; i++)
        if (bit(out->addr, i))
            return -1;
    out->prefix = (unsigned)prefix;
    return 0;
}

static int net_contains(const net *n, const net *ip)
{
    if (n->family != ip->family)
        return 0;
    for (unsigned i = 0; i < n->prefix; i++)
        if (bit(n->addr, i) != bit(ip->addr, i))
            return 0;
    return 1;
}

/* Python's str.strip() for what a header value can hold: spaces and tabs. */
static void strip(const char **s, size_t *len)
{
    while (*len && (**s == ' ' || **s == '\t'))
        (*s)++, (*len)--;
    while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
        (*len)--;
}

static int add_entry(bk__trust *t, const char *s, size_t len)
{
    char *text = strndup(s, len);
    if (!text)
        return BK_ENOMEM;
    net n;
    int is_net = strchr(text, '/') ? parse_net(text, &n) == 0 : parse_ip(text, &n) == 0;
    if (is_net) {
        net *grown = realloc(t->nets, (size_t)(t->nnets + 1) * sizeof(*grown));
        free(text);
        if (!grown)
            return BK_ENOMEM;
        t->nets = grown;
        t->nets[t->nnets++] = n;
        return 0;
    }
    char **grown = realloc(t->literals, (size_t)(t->nliterals + 1) * sizeof(*grown));
    if (!grown) {
        free(text);
        return BK_ENOMEM;
    }
    t->literals = grown;
    t->literals[t->nliterals++] = text;
    return 0;
}

int bk__trust_parse(const char *spec, bk__trust **out)
{
    *out = NULL;
    bk__trust *t = calloc(1, sizeof(*t));
    if (!t)
        return BK_ENOMEM;
    t->always = strcmp(spec, "*") == 0;
    const char *p = spec;
    while (!t->always) {
        size_t len = strcspn(p, ",");
        const char *item = p;
        size_t item_len = len;
        strip(&item, &item_len);
        if (add_entry(t, item, item_len) != 0) {
            bk__trust_free(t);
            return BK_ENOMEM;
        }
        if (!p[len])
            break;
        p += len + 1;
    }
    *out = t;
    return 0;
}

void bk__trust_free(bk__trust *t)
{
    if (!t)
        return;
    for (int i = 0; i < t->nliterals; i++)
        free(t->literals[i]);
    free(t->literals);
    free(t->nets);
    free(t);
}

int bk__trust_contains(const bk__trust *t, const char *host, size_t len)
{
    if (t->always)
        return 1;
    if (len == 0)
        return 0;
    char text[64];
    net ip;
    if (len < sizeof(text)) {
        memcpy(text, host, len);
        text[len] = '\0';
        if (parse_ip(text, &ip) == 0) {
            for (int i = 0; i < t->nnets; i++)
                if (net_contains(&t->nets[i], &ip))
                    return 1;
            return 0;
        }
    }
    for (int i = 0; i < t->nliterals; i++)
        if (strlen(t->literals[i]) == len && memcmp(t->literals[i], host, len) == 0)
            return 1;
    return 0;
}

/* The value of the last header named `name` (uvicorn reads dict(headers): the last one wins). */
static const char *last_header(const bk_req *req, const char *name, size_t name_len)
{
    const char *v = NULL;
    for (uint32_t i = 0; i < req->nheaders; i++) {
        const bk__header *h = &req->headers[i];
        if (h->name_len == name_len &&
            strncasecmp(req->raw.data + h->name_off, name, name_len) == 0)
            v = req->raw.data + h->value_off;
    }
    return v;
}

static const char *forwarded_scheme(const char *v)
{
    static const char *const schemes[] = {"http", "https", "ws", "wss"};
    size_t len = strlen(v);
    strip(&v, &len);
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (strlen(schemes[i]) == len && memcmp(schemes[i], v, len) == 0)
            return schemes[i];
    return NULL;
}

/* The client X-Forwarded-For names: the last entry not trusted (each proxy appends the address
 * it got the request from), or the first when all are. Sets *len; NULL for none. */
static const char *forwarded_client(const bk__trust *t, const char *v, size_t *len)
{
    const char *first = NULL, *pick = NULL;
    size_t first_len = 0, pick_len = 0;
    for (const char *p = v;;) {
        size_t n = strcspn(p, ",");
        const char *item = p;
        size_t item_len = n;
        strip(&item, &item_len);
        if (!first)
            first = item, first_len = item_len;
        if (!t->always && !bk__trust_contains(t, item, item_len))
            pick = item, pick_len = item_len; /* later ones override: the rightmost wins */
        if (!p[n])
            break;
        p += n + 1;
    }
    if (!pick)
        pick = first, pick_len = first_len;
    *len = pick_len;
    return pick_len ? pick : NULL;
}

/* The peer's IP: "IP:PORT" without its port. */
static size_t peer_ip_len(const char *peer)
{
    const char *colon = strrchr(peer, ':');
    return colon ? (size_t)(colon - peer) : strlen(peer);
}

void bk__proxy_apply(const bk__trust *t, bk_req *req)
{
    const char *proto = last_header(req, "x-forwarded-proto", 17);
    const char *fwd = last_header(req, "x-forwarded-for", 15);
    if (!proto && !fwd)
        return;
    const char *peer = req->io ? req->io->peer(req) : "";
    if (!bk__trust_contains(t, peer, peer_ip_len(peer)))
        return;
    const char *scheme = proto ? forwarded_scheme(proto) : NULL;
    if (scheme)
        req->scheme = scheme;
    size_t len;
    const char *client = fwd ? forwarded_client(t, fwd, &len) : NULL;
    if (!client)
        return;
    char *s = bk_req_alloc(req, len + 3);
    if (!s)
        return; /* out of memory: the connection's peer stays */
    memcpy(s, client, len);
    memcpy(s + len, ":0", 3); /* the client's port is not forwarded: uvicorn says 0 */
    req->peer_fwd = s;
}
