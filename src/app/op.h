/* Path operations: a bk_op compiled at registration (its models, dependencies and OpenAPI
 * names), and the per-request state its handler runs with. The request flow follows FastAPI's
 * get_request_handler: read and parse the body (a json_invalid 422 or a 400 stops here), solve
 * the dependencies (each may answer and stop), validate path, query, header, cookie and body,
 * answer 422 with every error, or run the handler. */
#ifndef BK_APP_OP_H
#define BK_APP_OP_H

#include "app/app.h"
#include "model/model.h"
#include "model/validate.h"
#include "util/arena.h"

/* A dependency, compiled once per app. */
typedef struct bk__cdep {
    const bk_dep *src;
    const bk__cmodel *params;
    struct bk__cdep **subs;
    int nsubs;
    struct bk__cdep *next;
} bk__cdep;

typedef struct bk__pathop {
    bk_op decl;
    const bk_app *app;
    const bk__cmodel *params, *body, *response;
    int body_fields;      /* params has BK_FROM_BODY fields (an embedded body) */
    bk__cdep **deps;
    int ndeps;
    char *operation_id;   /* FastAPI's generate_unique_id */
    char *summary;        /* decl.summary or the name in title case */
    bk__arena kept;       /* decl's strings and lists (tags, responses), copied */
    struct bk__pathop *next;
} bk__pathop;

/* What a dependency produced for one request. */
typedef struct bk__depval {
    const bk__cdep *dep;
    void *value; /* NULL: its parameters had errors, it did not run */
} bk__depval;

/* Work that runs after the response: background tasks, then dependency cleanups. */
typedef struct bk__after {
    int (*fn)(bk_task *task, void *arg);
    void (*cleanup)(void *arg); /* background: after fn, or instead of it */
    void (*dep_cleanup)(bk_task *task, void *value);
    void *arg;
    struct bk__after *next;
} bk__after;

/* A request's operation state. Heap-owned (not request memory) because background tasks and
 * cleanups outlive the request; freed when the last of them has run. */
typedef struct bk__opstate {
    bk__arena arena;
    const bk__pathop *op;
    bk_req *req; /* NULL once the request ended */
    void *params, *body;
    bk__depval *vals;
    int nvals, vals_cap;
    bk__after *background, **bg_tail; /* in the order added */
    bk__after *cleanups;              /* most recent first, as an exit stack unwinds */
    int sent;                         /* the response went out: background tasks run */
} bk__opstate;

/* Solves the op's dependencies in order. Returns 1 when one answered the request (stop), 0 to go
 * on (errors may have joined `errs`). */
int bk__deps_solve(bk__opstate *st, bk__sources *src, bk__verrs *errs);
/* Compiles `d` (and its sub-dependencies), once per app. NULL on a malformed declaration. */
bk__cdep *bk__dep_compile(bk_app *app, const bk_dep *d);
/* The request ended: schedules what runs after it, or frees `st`. Called via bk_defer. */
void bk__opstate_end(void *st);
/* Out of memory mid-request: answers 503 with Retry-After, whatever was prepared dropped. */
void bk__op_answer_oom(bk_req *req);
/* Answers 422 with `errs`, through the app's validation error handler if it has one. */
void bk__app_answer_validation(bk_req *req, const bk__verrs *errs);
/* Frees the app's compiled operations and dependencies. */
void bk__ops_free(bk_app *app);

#endif
