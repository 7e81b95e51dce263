/* Connections: reading, parsing, handing requests to the app one at a time, writing, closing. */
#ifndef BK_LOOP_CONN_H
#define BK_LOOP_CONN_H

#include "loop/worker.h"

typedef enum bk__conn_state {
    BK__CONN_IDLE,    /* between requests */
    BK__CONN_HEAD,    /* reading a request's header section */
    BK__CONN_BODY,    /* reading its body */
    BK__CONN_HANDLER, /* the app has its request; later input waits in `pending` */
    BK__CONN_LINGER,  /* answered and shut down for writing: discarding input until EOF */
} bk__conn_state;

struct bk__conn {
    /* First: libuv hands callbacks the handle. A TCP socket accepted from the listener, or one
     * end of a socketpair attached by a test client: the same stream to everything else. */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tcp_t tcp;
        uv_pipe_t pipe;
    } sock;
    bk__worker *w;
    bk__parser parser;
    bk_req req;
    bk_buf pending;        /* input received but not parsed yet (while a handler awaits) */
    bk__conn *prev, *next; /* the worker's list of connections */
    bk__tq_link tq;
    uv_shutdown_t shutdown;
    size_t write_queued; /* bytes handed to uv_write, not yet written */
    bk__conn_state state;
    uint8_t reading;      /* uv_read_start is in effect */
    uint8_t closing;      /* no more requests: close after the current response */
    uint8_t closed;       /* uv_close called */
    uint8_t peer_gone;    /* EOF or error from the client */
    uint8_t paused_write; /* parsing paused until queued output drains */
    uint8_t linger;       /* close with a lingering shutdown: input may still be arriving */
    char peer[64];        /* "IP:PORT", filled on first use */
    char local[64];       /* the server's "IP:PORT", filled on first use */
};

/* Accepts a pending connection on the worker's listener. */
void bk__conn_accept(bk__worker *w);
/* Serves `fd`, a connected stream socket (a socketpair end), as if it had been accepted from a
 * client whose address reads `peer` ("IP:PORT" in the access log). The connection owns `fd`
 * from here on, also on failure. Returns 0 or a BK_E* code. */
int bk__conn_attach(bk__worker *w, uv_os_sock_t fd, const char *peer);
/* Closes `c` now, cancelling an awaiting handler (the close then waits for it to return). */
void bk__conn_close(bk__conn *c);
/* A connection's deadline passed (called by the worker's timeout queues). */
void bk__conn_timeout(bk__conn *c, bk__tq_kind kind);
/* Shutdown begins: no more requests after the one in progress (or one that is arriving). */
void bk__conn_drain(bk__conn *c);
/* Shutdown: closes `c` if it has no request in progress and nothing to write. */
void bk__conn_close_if_idle(bk__conn *c);
/* Shutdown grace period over: cancel the handler and close. */
void bk__conn_abort(bk__conn *c);

#endif
