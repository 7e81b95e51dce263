/* Validation errors, collected: every error of a request goes into one list, written as
 * FastAPI's 422 body {"detail": [{"type", "loc", "msg", "input", "ctx"}, ...]} in the order they
 * were found (dependencies, path, query, header, cookie, body — the order brisk validates in). */
#ifndef BK_MODEL_VERROR_H
#define BK_MODEL_VERROR_H

#include "brisk.h"
#include "model/messages.h"
#include "util/arena.h"

typedef struct bk__jval bk__jval;

/* One step of an error's location: a key (`key` set) or a list index. */
typedef struct bk__loc {
    const char *key;
    size_t key_len;
    int64_t index;
    const struct bk__loc *up; /* the enclosing step; NULL at the root ("body", "query") */
} bk__loc;

/* What an error echoes as "input". */
typedef enum bk__input_kind {
    BK__INPUT_NONE,   /* null: a missing parameter */
    BK__INPUT_TEXT,   /* a string: a parameter's text, a body that is not JSON */
    BK__INPUT_JSON,   /* a JSON value of the body */
    BK__INPUT_EMPTY_OBJECT, /* {}: json_invalid's input */
} bk__input_kind;

typedef struct bk__verr {
    bk__etype type;
    int nloc;
    bk__loc *loc; /* root first */
    bk__input_kind input_kind;
    const char *text;
    size_t text_len;
    const bk__jval *json;
    bk__ctx ctx; /* read as bk__ctx_write_json reads it */
    const char *msg; /* NULL: rendered from type and ctx when written */
    const char *msg_json, *ctx_json; /* rendered at registration (bk__cfield.pre_*), or NULL */
    size_t msg_json_len, ctx_json_len;
    const char *head_json, *tail_json; /* the object around the input (bk__cfield.pre_head) */
    size_t head_json_len, tail_json_len;
    struct bk__verr *next;
} bk__verr;

typedef struct bk__verrs {
    bk__arena *arena;
    bk__verr *head, **tail, *last;
    int count;
    int oom;
} bk__verrs;

void bk__verrs_init(bk__verrs *e, bk__arena *a);
/* Adds an error at `loc` (copied) with its input and ctx; the message is rendered from them. On
 * out-of-memory the list remembers it (oom) and the request answers 503. */
void bk__verrs_add(bk__verrs *e, bk__etype type, const bk__loc *loc, bk__input_kind ik,
                   const char *text, size_t text_len, const bk__jval *json, const bk__ctx *ctx);
/* Writes the 422 body, each "input" of the body echoed as Python's json.dumps writes it. Returns
 * 0; 1 when an input holds what Starlette cannot render (NaN or an infinity, refused by
 * json.dumps(allow_nan=False); a lone surrogate, refused by UTF-8): FastAPI then answers 500
 * instead, and so must the caller; BK_ENOMEM. `j` is unfinished unless it returned 0. */
int bk__verrs_write(const bk__verrs *e, bk_json *j);
/* Writes the errors list alone (FastAPI's exc.errors()), with the same results. */
int bk__verrs_write_list(const bk__verrs *e, bk_json *j);

#endif
