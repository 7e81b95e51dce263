/* The worker's HTTP client behind bk_fetch: one libcurl multi handle per worker, driven by the
 * worker's libuv loop (see fetch.c). Every app has it as a subsystem (bk_app_new registers
 * bk__fetch_subsystem), whose per-worker init puts the client in
 * sched.services[BK__SVC_FETCH]; unit tests may make one on a bare loop instead. */
#ifndef BK_CLIENT_FETCH_H
#define BK_CLIENT_FETCH_H

#include "app/app.h"

#include <uv.h>

typedef struct bk__fetch_client bk__fetch_client;

/* Creates a client on `loop`. libcurl itself is set up at the client's first fetch. `w`, when
 * not NULL, is told (bk__worker_maybe_finish) when the client becomes idle while draining.
 * Returns 0 with `*out` set, or BK_ENOMEM. */
int bk__fetch_client_new(uv_loop_t *loop, bk__worker *w, bk__fetch_client **out);
/* Graceful stop began: fetches in flight finish (their tasks are cancelled at the end of the
 * grace period, which takes them out). */
void bk__fetch_client_drain(bk__fetch_client *cl);
/* Nonzero while a fetch is in flight. */
int bk__fetch_client_busy(const bk__fetch_client *cl);
/* Closes the kept connections and the client; no fetch may be in flight. Its memory is freed by
 * the loop once its handles closed (run the loop after). */
void bk__fetch_client_close(bk__fetch_client *cl);

/* The subsystem bk_app_new adds to every app. */
extern const bk__subsystem bk__fetch_subsystem;

#endif
