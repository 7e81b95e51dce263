/* Application error kinds and their handlers: FastAPI's @app.exception_handler(SomeError). A
 * handler raises with bk_raise(req, &kind, arg); the app answers through the handler registered
 * for the kind, or with a logged 500 when there is none (an unhandled exception). */
#include "app/app.h"
#include "http/request.h"
#include "util/log.h"

#include <stdlib.h>

int bk_app_error_handler(bk_app *app, const bk_error_kind *kind,
                         int (*handler)(bk_req *req, void *arg))
{
    if (!app || !kind || !handler)
        return BK_EINVAL;
    bk__error_handler *h = malloc(sizeof(*h));
    if (!h)
        return BK_ENOMEM;
    *h = (bk__error_handler){.kind = kind, .fn = handler, .next = app->error_handlers};
    app->error_handlers = h; /* the latest registration for a kind wins, as in Starlette */
    return 0;
}

void bk__error_handlers_free(bk_app *app)
{
    while (app->error_handlers) {
        bk__error_handler *next = app->error_handlers->next;
        free(app->error_handlers);
        app->error_handlers = next;
    }
}

const bk_error_kind bk_http_error = {"HTTPException"};
const bk_error_kind bk_validation_error = {"RequestValidationError"};

/* The handler the request's app has for `kind`, or NULL. */
static const bk__error_handler *handler_for(const bk_req *req, const bk_error_kind *kind)
{
    const bk_app *app = req->target && req->target->op ? bk__op_app(req->target->op) : NULL;
    for (const bk__error_handler *h = app ? app->error_handlers : NULL; h; h = h->next)
        if (h->kind == kind)
            return h;
    return NULL;
}

int bk__has_error_handler(const bk_req *req, const bk_error_kind *kind)
{
    return handler_for(req, kind) != NULL;
}

int bk_abort(bk_req *req, int status, const char *detail_json)
{
    if (!req || !detail_json)
        return BK_EINVAL;
    const bk__error_handler *h = handler_for(req, &bk_http_error);
    if (h) {
        bk_http_error_info info = {status, detail_json};
        return h->fn(req, &info);
    }
    return bk_send_error_json(req, status, detail_json);
}

int bk_raise(bk_req *req, const bk_error_kind *kind, void *arg)
{
    if (!req || !kind || !req->target)
        return BK_EINVAL;
    const bk__error_handler *h = handler_for(req, kind);
    if (h)
        return h->fn(req, arg);
    bk__log(BK_LOG_ERROR, "%s %s raised %s, which has no handler: answering 500",
            bk_req_method_name(req), bk_req_path(req), kind->name ? kind->name : "an error");
    bk__response_clear(req);
    return bk_send_text(req, 500, "Internal Server Error");
}
