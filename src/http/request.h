/* A request and its response, as the HTTP layer fills them and the app layer answers them.
 *
 * The request does not know what carries it: a connection (src/loop/conn.c) or, later, an
 * in-process test client gives it a bk__req_io for what only the carrier knows. */
#ifndef BK_HTTP_REQUEST_H
#define BK_HTTP_REQUEST_H

#include "app/router.h"
#include "await/task.h"
#include "brisk.h"

#include <string.h>
#include <strings.h>

/* A header: name and value as offsets into the owning buffer. */
typedef struct bk__header {
    uint32_t name_off, name_len, value_off, value_len;
} bk__header;

typedef struct bk__param_slot {
    const char *name;
    uint32_t value_off, value_len;
} bk__param_slot;

typedef struct bk__defer_node bk__defer_node;
typedef struct bk__alloc_node bk__alloc_node;

/* Bits of bk_req.res_own. */
#define BK__OWN_SERVER 1
#define BK__OWN_DATE   2

/* What the carrier of a request provides. */
typedef struct bk__req_io {
    /* The peer's address as "IP:PORT". */
    const char *(*peer)(const bk_req *req);
    /* The handler of a request that awaited has finished: the response is ready. */
    void (*done)(bk_req *req);
    /* The server's own address as "IP:PORT" (a URL for a request without Host names it), or
     * NULL when the carrier has none; the member itself may be NULL. */
    const char *(*local)(const bk_req *req);
} bk__req_io;

/* One request and its response. A connection owns exactly one and reuses it for the next
 * request (pipelined ones wait, parsed later), keeping its buffers' capacity. */
struct bk_req {
    bk_task task; /* the handler's */
    const bk__req_io *io;
    void *io_ctx; /* the carrier's (the connection) */
    bk_buf raw;   /* URL, header names and values, decoded path, params: NUL-terminated */
    bk__header *headers;
    uint32_t nheaders, headers_cap;
    uint32_t url_off, url_len;
    uint32_t path_off, path_len;
    uint32_t query_off, query_len;
    size_t header_bytes;
    bk_buf body;
    const bk__route_target *target;
    bk__deadline *deadline; /* the route's timeout, while the handler runs */
    bk__param_slot params[BK__MAX_PARAMS];
    int nparams;
    uint8_t method; /* bk_method, or BK_METHOD_COUNT for others */
    uint8_t http_minor;
    uint8_t keep_alive;
    uint8_t responded;
    uint8_t json_open;       /* bk_json_begin called, bk_json_send not yet */
    uint8_t res_own;         /* BK__OWN_SERVER / BK__OWN_DATE: the response sets its own */
    const char *method_name; /* for methods outside bk_method: llhttp's static name */
    const char *scheme;      /* "http", or X-Forwarded-Proto's from a trusted proxy (static) */
    const char *peer_fwd;    /* X-Forwarded-For's client as "HOST:0" (a request allocation) */
    const char *root_path;   /* the server's, "" when none */
    uint16_t mw_depth;       /* middleware layers entered and not yet returned from */
    uint16_t mw_reached;     /* the deepest layer entered: bk_next runs each layer once */
    /* the response */
    int status;
    bk_buf res_raw; /* response header names and values, each NUL-terminated */
    bk__header *res_headers;
    uint32_t nres, res_cap; /* entries with name_len 0 were removed */
    bk_buf res_body;
    bk_json json;
    struct bk__opstate *op_state; /* a path operation's parsed inputs (src/app/op.h) */
    bk__defer_node *defers;
    bk__alloc_node *allocs;
};

/* Nonzero when header `h` (offsets into `buf`) is named `name` (case-insensitive). Inline: the
 * parser and the response writer call it for every header. */
static inline int bk__header_is(const char *buf, const bk__header *h, const char *name)
{
    size_t name_len = strlen(name);
    return h->name_len == name_len && strncasecmp(buf + h->name_off, name, name_len) == 0;
}
/* Makes `req` ready for the next request on its connection, keeping buffer capacity. */
void bk__req_reset(bk_req *req);
/* Releases everything the request owns (when its connection closes). */
void bk__req_free(bk_req *req);
/* Runs the request's deferred calls and frees its allocations: the end of the request. */
void bk__req_end(bk_req *req);
/* Percent-decodes the URL's path into req->raw and splits off the query. Returns 0, BK_EINVAL
 * with `*detail` saying why the target is refused (not a path, a fragment, %00), or BK_ENOMEM. */
int bk__req_split_url(bk_req *req, const char **detail);

/* Appends the serialised response of `req` (status line, headers, body) to `out`, with
 * Connection: close when `closing`. `date_hdr` holds brisk's Server and Date lines. */
int bk__response_write(const bk_req *req, bk_buf *out, const char *date_hdr, size_t date_len,
                       int closing);
/* Appends a complete {"detail": ...} error response to `out`: a refusal of the connection's
 * input, so it always says Connection: close. No body when `head_only`. */
int bk__response_write_refusal(bk_buf *out, int status, const char *detail, const char *date_hdr,
                               size_t date_len, int head_only);
/* Starlette's MutableHeaders.add_vary_header: Vary becomes "<the first Vary>, <value>", or
 * `value` when there was none. Returns 0, BK_EINVAL or BK_ENOMEM. */
int bk__response_add_vary(bk_req *req, const char *value);
/* Forgets the response written so far (headers included), so another can be sent. */
void bk__response_clear(bk_req *req);
/* Nonzero when `s` is a non-empty RFC 9110 token (a method, a header name). */
int bk__http_token(const char *s);
/* The reason phrase for `status` ("Not Found"), "Unknown" if brisk has none. */
const char *bk__status_reason(int status);

#endif
