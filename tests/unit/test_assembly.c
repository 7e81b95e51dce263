/* Request assembly through the real server: one byte stream of pipelined requests (path
 * parameter, headers, Content-Length body, chunked body, Connection: close) is sent whole, then
 * split at every offset, at sampled pairs of offsets, and one byte at a time. Wherever the reads
 * cut it, the server must answer exactly as it did to the whole stream. Then the same for
 * streams the server refuses: the refusal (status and detail) must not depend on the cuts
 * either. */
#define _GNU_SOURCE /* memmem */
#include "brisk.h"
#include "check.h"
#include "testserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* ---- the app ----------------------------------------------------------------------------- */

static void get_item(bk_req *req)
{
    const char *id = bk_req_param(req, "id");
    bk_buf out = {0};
    bk_json j;
    bk_json_init(&j, &out);
    bk_json_object_begin(&j);
    bk_json_key(&j, "id");
    bk_json_string(&j, id ? id : "");
    bk_json_object_end(&j);
    if (bk_json_error(&j) || bk_buf_append(&out, "", 1))
        bk_send_error(req, 500, "JSON writer failed");
    else
        bk_send_json(req, 200, out.data);
    bk_buf_free(&out);
}

static void post_echo(bk_req *req)
{
    size_t len;
    const char *body = bk_req_body(req, &len);
    const char *seen = bk_req_header(req, "X-Test");
    bk_set_header(req, "X-Seen-Header", seen ? seen : "none");
    bk_send(req, 200, "text/plain", body, len);
}

/* ---- the stream -------------------------------------------------------------------------- */

static const char stream[] = "GET /items/42?verbose=1 HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "X-Test: first\r\n"
                             "X-Empty:\r\n"
                             "Accept: */*\r\n"
                             "\r\n"
                             "POST /echo HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "Content-Type: text/plain\r\n"
                             "X-Test: hello-header\r\n"
                             "Content-Length: 11\r\n"
                             "\r\n"
                             "hello world"
                             "POST /echo HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "Transfer-Encoding: chunked\r\n"
                             "\r\n"
                             "5\r\n"
                             "abcde\r\n"
                             "a\r\n"
                             "fghijklmno\r\n"
                             "0\r\n"
                             "\r\n"
                             "GET /items/a%20b HTTP/1.1\r\n"
                             "Host: 127.0.0.1\r\n"
                             "Connection: close\r\n"
                             "\r\n";

#define STREAM_LEN (sizeof(stream) - 1)

/* What exchange() sends: the stream, then each refused stream in turn. */
static const char *sent = stream;
static size_t sent_len = STREAM_LEN;

/* ---- the server -------------------------------------------------------------------------- */

static int port;

static int connect_client(void)
{
    return test_connect(port, 5, NULL);
}

static int send_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads until EOF into `out`. Returns 0, or -1 on error or timeout. */
static int read_to_eof(int fd, bk_buf *out)
{
    for (;;) {
        if (bk_buf_reserve(out, 4096))
            return -1;
        ssize_t n = recv(fd, out->data + out->len, out->cap - out->len, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        out->len += (size_t)n;
    }
}

static void sleep_us(long us)
{
    struct timespec ts = {0, us * 1000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* One connection: sends the stream in pieces cut at `cuts` (ascending, inside (0, len)) with a
 * pause between pieces so that each arrives as its own read, and reads the reply to EOF. */
static int exchange(const size_t *cuts, size_t ncuts, long pause_us, bk_buf *reply)
{
    reply->len = 0;
    int fd = connect_client();
    if (fd < 0)
        return -1;
    size_t from = 0;
    int err = 0;
    for (size_t i = 0; i <= ncuts && !err; i++) {
        size_t to = i < ncuts ? cuts[i] : sent_len;
        err = send_all(fd, sent + from, to - from);
        from = to;
        if (i < ncuts && pause_us)
            sleep_us(pause_us);
    }
    if (!err)
        err = read_to_eof(fd, reply);
    close(fd);
    return err;
}

/* ---- responses --------------------------------------------------------------------------- */

struct response {
    int status;
    char content_type[64];
    char seen[64];       /* X-Seen-Header */
    char connection[16]; /* Connection */
    char body[64];
    size_t body_len;
};

/* Copies the value of header `name` out of the header block [h, end), or "" when absent. */
static void header_value(const char *h, const char *end, const char *name, char *dst, size_t cap)
{
    size_t nlen = strlen(name);
    dst[0] = '\0';
    while (h < end) {
        const char *eol = memmem(h, (size_t)(end - h), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - h) > nlen + 1 && strncasecmp(h, name, nlen) == 0 && h[nlen] == ':') {
            const char *v = h + nlen + 1;
            while (v < eol && *v == ' ')
                v++;
            size_t vlen = (size_t)(eol - v) < cap - 1 ? (size_t)(eol - v) : cap - 1;
            memcpy(dst, v, vlen);
            dst[vlen] = '\0';
            return;
        }
        h = eol + 2;
    }
}

/* Splits a reply into responses framed by Content-Length. Returns how many, or -1 when the
 * reply is not a sequence of complete responses. */
static int parse_responses(const char *p, size_t len, struct response *out, int max)
{
    const char *end = p + len;
    int n = 0;
    while (p < end) {
        if (n == max || (size_t)(end - p) < 12 || memcmp(p, "HTTP/1.1 ", 9) != 0)
            return -1;
        const char *head_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!head_end)
            return -1;
        struct response *r = &out[n++];
        memset(r, 0, sizeof(*r));
        r->status = atoi(p + 9);
        const char *headers = memmem(p, (size_t)(head_end - p), "\r\n", 2) + 2;
        char cl[24];
        header_value(headers, head_end + 2, "Content-Length", cl, sizeof(cl));
        header_value(headers, head_end + 2, "Content-Type", r->content_type,
                     sizeof(r->content_type));
        header_value(headers, head_end + 2, "X-Seen-Header", r->seen, sizeof(r->seen));
        header_value(headers, head_end + 2, "Connection", r->connection, sizeof(r->connection));
        if (!cl[0])
            return -1;
        r->body_len = strtoul(cl, NULL, 10);
        const char *body = head_end + 4;
        if ((size_t)(end - body) < r->body_len || r->body_len >= sizeof(r->body))
            return -1;
        memcpy(r->body, body, r->body_len);
        p = body + r->body_len;
    }
    return n;
}

/* Removes every "Date: ...\r\n" header line (the second may tick between two replies). */
static void strip_dates(bk_buf *b)
{
    size_t o = 0;
    for (size_t i = 0; i < b->len;) {
        int line_start = i == 0 || (i >= 2 && b->data[i - 2] == '\r' && b->data[i - 1] == '\n');
        if (line_start && b->len - i >= 6 && memcmp(b->data + i, "Date: ", 6) == 0) {
            const char *eol = memmem(b->data + i, b->len - i, "\r\n", 2);
            if (eol) {
                i = (size_t)(eol - b->data) + 2;
                continue;
            }
        }
        b->data[o++] = b->data[i++];
    }
    b->len = o;
}

static void check_reference(const bk_buf *ref)
{
    struct response r[8];
    int n = parse_responses(ref->data, ref->len, r, 8);
    CHECK(n == 4);
    if (n != 4) {
        fprintf(stderr, "reference reply (%zu bytes):\n%.*s\n", ref->len, (int)ref->len,
                ref->data ? ref->data : "");
        return;
    }
    for (int i = 0; i < 4; i++)
        CHECK(r[i].status == 200);
    CHECK_STREQ(r[0].content_type, "application/json");
    CHECK_STREQ(r[0].body, "{\"id\":\"42\"}");
    CHECK_STREQ(r[0].connection, "");
    CHECK_STREQ(r[1].content_type, "text/plain");
    CHECK_STREQ(r[1].body, "hello world");
    CHECK_STREQ(r[1].seen, "hello-header");
    CHECK_STREQ(r[2].content_type, "text/plain");
    CHECK_STREQ(r[2].body, "abcdefghijklmno");
    CHECK_STREQ(r[2].seen, "none");
    CHECK_STREQ(r[3].content_type, "application/json");
    CHECK_STREQ(r[3].body, "{\"id\":\"a b\"}");
    CHECK_STREQ(r[3].connection, "close");
}

/* ---- the runs ---------------------------------------------------------------------------- */

static bk_buf reference;
static int mismatches;
static const char *case_name = "the pipelined stream";

/* Sends the stream cut at `cuts` and compares the reply with the reference. */
static void run_split(const size_t *cuts, size_t ncuts, long pause_us)
{
    bk_buf reply = {0};
    int err = exchange(cuts, ncuts, pause_us, &reply);
    if (!err)
        strip_dates(&reply);
    if (err || reply.len != reference.len || memcmp(reply.data, reference.data, reply.len) != 0) {
        check_failures++;
        if (mismatches++ < 5) {
            fprintf(stderr, "%s: split at", case_name);
            for (size_t i = 0; i < ncuts && i < 8; i++)
                fprintf(stderr, " %zu", cuts[i]);
            fprintf(stderr, "%s: %s; reply (%zu bytes):\n%.*s\n", ncuts > 8 ? " ..." : "",
                    err ? "exchange failed" : "reply differs from the reference", reply.len,
                    (int)reply.len, reply.data ? reply.data : "");
        }
    }
    bk_buf_free(&reply);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- refused streams --------------------------------------------------------------------- */

/* Streams the server refuses, after `nok` answered requests: whole, the last answer must be
 * `status` {"detail": `detail`}; split anywhere, the same bytes as whole. */
struct refusal {
    const char *name;
    char *data;
    size_t len;
    int nok, status;
    const char *detail;
};

/* `head`, then `n` copies of byte `fill`, then `tail`. */
static char *padded(const char *head, char fill, size_t n, const char *tail)
{
    size_t h = strlen(head), t = strlen(tail);
    char *s = malloc(h + n + t + 1);
    if (s) {
        memcpy(s, head, h);
        memset(s + h, fill, n);
        memcpy(s + h + n, tail, t + 1);
    }
    return s;
}

/* A GET with Host and `n` more "X-Pn: a" headers, then `tail`. */
static char *many_headers(int n, const char *tail)
{
    bk_buf b = {0};
    static const char head[] = "GET /items/1 HTTP/1.1\r\nHost: x\r\n";
    int err = bk_buf_append(&b, head, sizeof(head) - 1);
    for (int i = 0; i < n && !err; i++) {
        char line[32];
        int len = snprintf(line, sizeof(line), "X-P%d: a\r\n", i);
        err = bk_buf_append(&b, line, (size_t)len);
    }
    if (!err)
        err = bk_buf_append(&b, tail, strlen(tail) + 1);
    if (err)
        bk_buf_free(&b);
    return err ? NULL : b.data;
}

/* The reference reply: `nok` 200 answers, then the refusal with its detail. */
static void check_refusal(const struct refusal *rf, const bk_buf *ref)
{
    struct response r[8];
    int n = parse_responses(ref->data, ref->len, r, 8);
    char want[128];
    snprintf(want, sizeof(want), "{\"detail\":\"%s\"}", rf->detail);
    int ok = n == rf->nok + 1;
    for (int i = 0; ok && i < rf->nok; i++)
        ok = r[i].status == 200;
    ok = ok && r[n - 1].status == rf->status && strcmp(r[n - 1].body, want) == 0 &&
         strcmp(r[n - 1].connection, "close") == 0;
    if (!ok) {
        check_failures++;
        fprintf(stderr, "%s: sent whole, expected %d %s; reply (%zu bytes):\n%.*s\n", rf->name,
                rf->status, want, ref->len, (int)ref->len, ref->data ? ref->data : "");
    }
}

/* Cuts a refused stream at every offset (for a long one, every offset near its end, where the
 * offending bytes are, and a sample elsewhere), with a one-byte middle piece at every offset,
 * and one byte at a time. Returns the number of runs. */
static size_t run_refusal(const struct refusal *rf)
{
    sent = rf->data;
    sent_len = rf->len;
    case_name = rf->name;
    mismatches = 0;
    reference.len = 0;
    CHECK(exchange(NULL, 0, 0, &reference) == 0);
    check_refusal(rf, &reference);
    strip_dates(&reference);
    const long pause = 1000;
    size_t runs = 0, near = 160;
    int is_long = sent_len > 2 * near;
    for (size_t k = 1; k < sent_len && mismatches < 5; k++) {
        if (is_long && k + near < sent_len && k % 97)
            continue;
        run_split(&k, 1, pause);
        runs++;
    }
    if (is_long)
        return runs;
    for (size_t i = 1; i + 1 < sent_len && mismatches < 5; i++, runs++) {
        size_t cuts[2] = {i, i + 1};
        run_split(cuts, 2, pause);
    }
    size_t *all = malloc((sent_len - 1) * sizeof(*all));
    CHECK(all != NULL);
    if (all) {
        for (size_t k = 1; k < sent_len; k++)
            all[k - 1] = k;
        run_split(all, sent_len - 1, 200);
        runs++;
        free(all);
    }
    return runs;
}

static void run_refusals(void)
{
    struct refusal cases[] = {
        /* The version must be followed by CRLF, also when it ends a read (found by fuzz_request:
         * split right after "HTTP/1.1", llhttp's own check answered with another detail, and a
         * bare LF was let through). */
        {"bytes after the version",
         strdup("GET /items/4=1 HTTP/1.120b%C3%A9 HTTP/1.1\r\nHost: f HT\r\n"
                "Connection: close\r\n\r\n"),
         0, 0, 400, "Request line must end with CRLF"},
        {"bare LF after the version",
         strdup("GET /items/1 HTTP/1.1\nHost: x\r\nConnection: close\r\n\r\n"), 0, 0, 400,
         "Request line must end with CRLF"},
        {"space after the version",
         strdup("GET /items/1 HTTP/1.1 \r\nHost: x\r\nConnection: close\r\n\r\n"), 0, 0, 400,
         "Request line must end with CRLF"},
        {"bare LF after the version of a pipelined request",
         strdup("GET /items/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                "GET /items/2 HTTP/1.0\nHost: x\r\n\r\n"),
         0, 1, 400, "Request line must end with CRLF"},
        /* A size limit passed, then a byte llhttp refuses in the same span: the limit, which the
         * earlier byte broke, must win however the span was cut. */
        {"URL over the limit, then a byte llhttp refuses",
         padded("GET /", 'a', 9000, "\x01 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 0, 0,
         414, "URI Too Long"},
        {"header name over the limit, then a byte llhttp refuses",
         padded("GET /items/1 HTTP/1.1\r\nHost: x\r\nX", 'a', 17000,
                "\x01: v\r\nConnection: close\r\n\r\n"),
         0, 0, 431, "Request Header Fields Too Large"},
        {"101st header, a name llhttp refuses", many_headers(99, "Bad\x01: v\r\n\r\n"), 0, 0, 431,
         "Request Header Fields Too Large"},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]), runs = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        CHECK(cases[i].data != NULL);
        if (!cases[i].data)
            continue;
        cases[i].len = strlen(cases[i].data);
        runs += run_refusal(&cases[i]);
        free(cases[i].data);
    }
    printf("%zu refused streams: %zu runs %.3f s\n", n, runs, now_s() - t0);
}

static void errors_only(bk_config *cfg)
{
    cfg->log_level = BK_LOG_ERROR; /* the refused streams are logged as warnings */
}

int main(void)
{
    bk_app *app = bk_app_new();
    CHECK(app != NULL);
    if (!app)
        return check_result("test_assembly");
    CHECK(bk_get(app, "/items/{id}", get_item) == 0);
    CHECK(bk_post(app, "/echo", post_echo) == 0);
    /* bk_server_start returns once the worker serves: no need to poll for it */
    bk_server *server = test_server_start(app, errors_only);
    int ready = server != NULL;
    CHECK(ready);
    if (ready)
        port = bk_server_port(server);
    if (ready) {
        double t0 = now_s();
        CHECK(exchange(NULL, 0, 0, &reference) == 0);
        check_reference(&reference);
        strip_dates(&reference);
        double t1 = now_s();

        /* Two pieces: every offset. */
        const long pause = 1000;
        for (size_t k = 1; k < STREAM_LEN && mismatches < 20; k++)
            run_split(&k, 1, pause);
        double t2 = now_s();

        /* Three pieces: a one-byte middle piece at every offset, and pseudo-random pairs. */
        size_t pairs = 0;
        for (size_t i = 1; i + 1 < STREAM_LEN && mismatches < 20; i += 3, pairs++) {
            size_t cuts[2] = {i, i + 1};
            run_split(cuts, 2, pause);
        }
        unsigned seed = 12345;
        for (int t = 0; t < 150 && mismatches < 20; t++, pairs++) {
            seed = seed * 1103515245u + 12345u;
            size_t i = 1 + (seed >> 8) % (STREAM_LEN - 2);
            seed = seed * 1103515245u + 12345u;
            size_t j = i + 1 + (seed >> 8) % (STREAM_LEN - 1 - i);
            size_t cuts[2] = {i, j};
            run_split(cuts, 2, pause);
        }
        double t3 = now_s();

        /* One byte at a time. */
        size_t *all = malloc((STREAM_LEN - 1) * sizeof(*all));
        CHECK(all != NULL);
        if (all) {
            for (size_t k = 1; k < STREAM_LEN; k++)
                all[k - 1] = k;
            run_split(all, STREAM_LEN - 1, 200);
            free(all);
        }
        double t4 = now_s();
        printf("stream of %zu bytes: whole %.3f s, %zu two-piece splits %.3f s, %zu three-piece "
               "splits %.3f s, byte by byte %.3f s\n",
               STREAM_LEN, t1 - t0, STREAM_LEN - 1, t2 - t1, pairs, t3 - t2, t4 - t3);
        run_refusals();
    }

    if (ready)
        CHECK(test_server_stop(server) == 0);
    bk_app_free(app);
    bk_buf_free(&reference);
    return check_result("test_assembly");
}
