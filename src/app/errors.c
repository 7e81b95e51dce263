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

int bk_raise(bk_req *req, const bk_error_kind *kind, void *arg)
{
    if (!req || !kind || !req->target)
        return BK_EINVAL;
    const bk_app *app = req->target->op ? bk__op_app(req->target->op) : NULL;
    for (const bk__error_handler *h = app ? app->error_handlers : NULL; h; h = h->next)
        if (h->kind == kind)
            return h->fn(req, arg);
    bk__log(BK_LOG_ERROR, "%s %s raised %s, which has no handler: answering 500",
            bk_req_method_name(req), bk_req_path(req), kind->name ? kind->name : "an error");
    bk__response_clear(req);
    return bk_send_text(req, 500, "Internal Server Error");
}
