/* The seed tutorial's FastAPI program, in C with brisk.
 *
 * /fast answers at once; /slow awaits 3 s without holding up anybody else: bk_sleep suspends only
 * the request that calls it, exactly like `await asyncio.sleep(3)` in an `async def` endpoint. */
#include <brisk.h>

static void reply_message(bk_req *req, const char *message)
{
    bk_json *j = bk_json_begin(req, 200);
    if (!j)
        return;
    bk_json_object_begin(j);
    bk_json_key(j, "message");
    bk_json_string(j, message);
    bk_json_object_end(j);
    bk_json_send(req);
}

static void say_hello(bk_req *req)
{
    reply_message(req, "Hello!");
}

static void wait_one_second(bk_req *req)
{
    if (bk_sleep(req, 1000) == 0) /* BK_ECANCELED: the client left, nobody to answer */
        reply_message(req, "Waited 1 second");
}

static void read_items(bk_req *req)
{
    if (bk_sleep(req, 1000) == 0) /* simulate a slow task */
        reply_message(req, "Done waiting");
}

static void fast_response(bk_req *req)
{
    reply_message(req, "Fast response");
}

static void slow_response(bk_req *req)
{
    if (bk_sleep(req, 3000) == 0) /* simulate a slow task */
        reply_message(req, "Slow response after 3 seconds");
}

int main(int argc, char **argv)
{
    bk_app *app = bk_app_new();
    if (!app)
        return 1;
    bk_get(app, "/hello", say_hello);
    bk_get(app, "/wait", wait_one_second);
    bk_get(app, "/items", read_items);
    bk_get(app, "/fast", fast_response);
    bk_get(app, "/slow", slow_response);
    int code = bk_run(app, argc, argv);
    bk_app_free(app);
    return code;
}
