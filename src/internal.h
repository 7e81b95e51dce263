/* Internal structures shared by the loop, HTTP, coroutine and app layers. Not installed. */
#ifndef BK_INTERNAL_H
#define BK_INTERNAL_H

#include "brisk.h"
#include "app/router.h"
#include "coro/coro.h"

#include <llhttp.h>
#include <uv.h>

typedef struct bk_worker bk_worker;
typedef struct bk_conn bk_conn;
typedef struct bk_server bk_server;

/* ---- logging (util/log.c) ---- */

/* Logs one line "LEVEL:    message" to stderr when `level` passes the configured threshold. */
void bk_log(bk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the threshold for bk_log (set once at start-up, before workers run). */
void bk_log_set_level(bk_log_level level);
int bk_log_enabled(bk_log_level level);

/* ---- timeout queues (loop/worker.c) ---- */

/* Connections waiting on one kind of deadline. Every entry of a queue has the same timeout, so
 * appending at the tail keeps the queue sorted and expiry only ever looks at the head. */
typedef enum bk_tq_kind {
    BK_TQ_NONE,
    BK_TQ_HEADER,
    BK_TQ_BODY,
    BK_TQ_IDLE,
    BK_TQ_LINGER,
    BK_TQ_COUNT
} bk_tq_kind;

typedef struct bk_tq_link {
    bk_conn *prev, *next;
    uint64_t deadline; /* loop time, ms */
    bk_tq_kind kind;
} bk_tq_link;

typedef struct bk_tq {
    bk_conn *head, *tail;
    uint64_t timeout_ms;
} bk_tq;

/* Moves `c` to the tail of queue `kind` with deadline now + that queue's timeout. */
void bk_tq_set(bk_worker *w, bk_conn *c, bk_tq_kind kind);
/* Takes `c` off whatever queue holds it. */
void bk_tq_clear(bk_worker *w, bk_conn *c);

/* ---- requests (http/) ---- */

typedef struct bk_header {
    uint32_t name_off, name_len, value_off, value_len;
} bk_header;

typedef struct bk_req_param_slot {
    const char *name;
    uint32_t value_off, value_len;
} bk_req_param_slot;

typedef struct bk_defer_node bk_defer_node;
typedef struct bk_alloc_node bk_alloc_node;

/* One request and its response. Each connection owns exactly one: requests on a connection are
 * handled one after another (pipelined ones wait, parsed later), and its buffers keep their
 * capacity from request to request. */
struct bk_req {
    bk_conn *conn;
    bk_coro *coro; /* while the handler runs or awaits */
    bk_buf raw;    /* URL, header names and values, decoded path, params: NUL-terminated */
    bk_header *headers;
    uint32_t nheaders, headers_cap;
    uint32_t url_off, url_len;
    uint32_t path_off, path_len;
    uint32_t query_off, query_len;
    size_t header_bytes;
    bk_buf body;
    const bk_route_target *target;
    bk_req_param_slot params[BK_MAX_PARAMS];
    int nparams;
    uint8_t method; /* bk_method, or BK_METHOD_COUNT for others */
    uint8_t http_minor;
    uint8_t keep_alive;
    uint8_t in_field, in_value; /* a header name / value is being assembled */
    uint8_t header_open;        /* headers[nheaders] has a name: its value may follow */
    uint8_t cancelled;
    uint8_t responded;
    uint8_t json_open; /* bk_json_begin called, bk_json_send not yet */
    /* the response */
    int status;
    const char *content_type;
    bk_buf res_headers; /* "Name: value\r\n" lines */
    bk_buf res_body;
    bk_json json;
    bk_defer_node *defers;
    bk_alloc_node *allocs;
};

/* Nonzero when header `h` of `req` is named `name` (case-insensitive). */
int bk_header_is(const bk_req *req, const bk_header *h, const char *name);
/* Makes `req` ready for the next request on its connection, keeping buffer capacity. */
void bk_req_reset(bk_req *req);
/* Releases everything the request owns (when its connection closes). */
void bk_req_free(bk_req *req);
/* Runs the request's deferred calls and frees its allocations: the end of the request. */
void bk_req_end(bk_req *req);
/* Percent-decodes the URL's path into req->raw and splits off the query. Returns 0, or the HTTP
 * status to answer with `*detail` saying why (400 for a target that is not a path, or %00). */
int bk_req_split_url(bk_req *req, const char **detail);

/* llhttp callbacks assembling requests for connections, and the llhttp_execute of a connection
 * that keeps their state across reads (http/parser.c). */
void bk_parser_settings_init(llhttp_settings_t *s);
llhttp_errno_t bk_parser_execute(bk_conn *c, const char *data, size_t len);

/* Appends the serialised response of `req` (status line, headers, body) to `out`, with
 * Connection: close when `closing`. */
int bk_response_write(bk_req *req, bk_buf *out, const char *date_hdr, size_t date_len, int closing);
/* Appends a complete {"detail": ...} error response with Connection: close to `out`. */
int bk_response_write_error(bk_buf *out, int status, const char *detail, const char *date_hdr,
                            size_t date_len, int closing, int head_only);
/* The reason phrase for `status` ("Not Found"), "Unknown" if brisk has none. */
const char *bk_status_reason(int status);

/* ---- connections (loop/conn.c) ---- */

typedef enum bk_conn_state {
    BK_CONN_IDLE,    /* between requests */
    BK_CONN_HEAD,    /* reading a request's header section */
    BK_CONN_BODY,    /* reading its body */
    BK_CONN_HANDLER, /* its handler runs or awaits; later input waits in `pending` */
    BK_CONN_LINGER,  /* answered and shut down for writing: discarding input until EOF */
} bk_conn_state;

struct bk_conn {
    uv_tcp_t tcp; /* first: libuv hands callbacks the handle */
    bk_worker *w;
    llhttp_t parser;
    bk_req req;
    bk_buf pending;       /* input received but not parsed yet (while a handler awaits) */
    bk_conn *prev, *next; /* the worker's list of connections */
    bk_tq_link tq;
    uv_shutdown_t shutdown;
    size_t write_queued;      /* bytes handed to uv_write, not yet written */
    int error_status;         /* set by a parser callback that rejects the request */
    const char *error_detail; /* and why, for the {"detail": ...} answer (NULL: the reason) */
    const char *parse_start, *parse_end; /* the bytes llhttp is parsing now */
    const char *version_end;             /* where the request line's version ended */
    uint8_t version_end_pending;         /* it ended the last read: judge the next byte */
    char tail_byte;                      /* last byte of the stream so far that is not SP/HT */
    bk_conn_state state;
    uint8_t reading;      /* uv_read_start is in effect */
    uint8_t closing;      /* no more requests: close after the current response */
    uint8_t closed;       /* uv_close called */
    uint8_t peer_gone;    /* EOF or error from the client */
    uint8_t paused_write; /* parsing paused until queued output drains */
    uint8_t got_bytes;    /* the current request has at least one byte */
    uint8_t linger;       /* close with a lingering shutdown: input may still be arriving */
    char peer[64];        /* "IP:PORT", filled on first use */
};

/* Accepts a pending connection on the worker's listener. */
void bk_conn_accept(bk_worker *w);
/* Runs the request's handler, called when the parser completes a request. Returns 0 when the
 * response is ready, 1 when the handler awaits (the parser must pause). */
int bk_conn_dispatch(bk_conn *c);
/* Resumes the coroutine awaiting on behalf of `req` with `result` (an awaited event happened). */
void bk_conn_resume(bk_req *req, int result);
/* Closes `c` after writing an error response; `detail` NULL means the reason phrase. */
void bk_conn_fail(bk_conn *c, int status, const char *detail);
/* Closes `c` now, cancelling an awaiting handler. */
void bk_conn_close(bk_conn *c);
/* A connection's deadline passed (called by the worker's timeout queues). */
void bk_conn_timeout(bk_conn *c, bk_tq_kind kind);
/* Queues `data` (100 Continue) to go out with this read's responses. Returns 0 or BK_ENOMEM. */
int bk_conn_write_now(bk_conn *c, const char *data, size_t len);
/* Shutdown: close if idle, or after the response in progress. */
void bk_conn_drain(bk_conn *c);
/* Shutdown grace period over: cancel the handler and close. */
void bk_conn_abort(bk_conn *c);
const char *bk_conn_peer(bk_conn *c);

/* ---- workers (loop/worker.c) ---- */

struct bk_worker {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_timer_t date_timer, tick_timer, grace_timer;
    uv_async_t stop_async;
    uv_prepare_t log_flush;
    uv_idle_t ready_idle;   /* keeps the poll from blocking while coroutines are due */
    uv_check_t ready_check; /* resumes due coroutines, a bounded batch per loop iteration */
    bk_coro *ready_head, *ready_tail;
    unsigned accepted;   /* connections accepted in this loop iteration */
    int accept_deferred; /* libuv holds an accepted connection for us to take */
    uv_thread_t thread;
    int id;
    int nworkers;
    int listen_fd;
    const bk_app *app;
    const bk_config *cfg;
    bk_server *server;
    llhttp_settings_t settings;
    bk_coro_pool pool;
    bk_buf out; /* responses of one burst of work on one connection, flushed before returning */
    bk_buf log; /* access log lines, flushed once per loop iteration */
    bk_tq tq[BK_TQ_COUNT];
    bk_conn *conns; /* every open connection */
    size_t nconns;
    size_t inflight;       /* requests whose handler runs or awaits */
    size_t limit;          /* this worker's share of --limit-concurrency, 0 for none */
    uint64_t last_oom_log; /* loop time of the last "out of stacks" warning */
    int draining;
    int stopped;
    char date_hdr[96]; /* "Server: brisk\r\nDate: ...\r\n" */
    size_t date_len;
    char *altstack;
    char rbuf[64 * 1024];
};

/* Queues `req`'s coroutine to resume with `result` after the next poll for I/O. Awaited events
 * go through here so that thousands completing at once cannot starve other connections. */
void bk_worker_schedule(bk_worker *w, bk_req *req, int result);
/* Runs a worker's loop on the calling thread until it has drained. */
void bk_worker_run(bk_worker *w);
/* Starts a graceful stop (thread-safe: may be called from any thread). */
void bk_worker_stop(bk_worker *w);
/* The worker has no connections left while draining: let its loop end. */
void bk_worker_maybe_finish(bk_worker *w);
/* Queues an access-log line for `req` answered with `status`. */
void bk_worker_access_log(bk_worker *w, bk_req *req, int status);

/* ---- app (app/app.c) ---- */

/* Routes `req` and runs its handler on the current coroutine; answers 404/405/500 itself. */
void bk_app_handle(bk_req *req);
/* Looks the request up; returns 0 with req->target set, or the error status (404/405) with the
 * Allow header value in `allow`. */
int bk_app_route(const bk_app *app, bk_req *req, char *allow, size_t allow_size);

/* The server (loop/server.c): reports that worker `w` has finished. */
void bk_server_worker_done(bk_server *s);

#endif
