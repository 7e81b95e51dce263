/* fuzz_parser — the HTTP parser alone (src/http/parser.c), in-process: no socket, no loop.
 *
 * Input format, as fuzz_request's: byte 0, bits 0-3 = number of cut bytes that follow (each: a
 * piece length - 1); the rest is the byte stream. The stream is parsed twice into fresh parsers:
 * whole, and cut into those pieces (each piece one bk__parser_execute call, as each read of a
 * connection is), and both runs must tell the same story: the same requests — method, target,
 * decoded path, query, headers, body, version, keep-alive, whether a body and 100 Continue were
 * announced — then the same end: more input needed, or the same refusal (status and detail).
 * That is the property a connection relies on: its answer must not depend on how TCP cut the
 * bytes. Limits are small so that 413/414/431 paths are reached by short inputs.
 *
 * Invariants on each request besides: the decoded path is a C string without NUL bytes and the
 * stored sizes keep to the limits. */
#include "fuzz_util.h"
#include "http/parser.h"

static const bk__http_limits limits = {
    .max_header_size = 1024,
    .max_url_size = 256,
    .max_body_size = 2048,
};

static void put_str(bk_buf *t, const char *s, size_t n)
{
    char len[24];
    int k = snprintf(len, sizeof(len), "%zu:", n);
    fz_append(t, len, (size_t)k);
    fz_append(t, s, n);
    fz_append(t, ";", 1);
}

static void put_num(bk_buf *t, long v)
{
    char s[24];
    int k = snprintf(s, sizeof(s), "%ld;", v);
    fz_append(t, s, (size_t)k);
}

/* Appends what the parser made of one complete request to the trace. */
static void trace_request(bk_buf *t, const bk__parser *p)
{
    const bk_req *r = p->req;
    const char *path = bk_req_path(r);
    FUZZ_CHECK(strlen(path) == r->path_len, "the decoded path holds a NUL byte");
    FUZZ_CHECK(r->url_len <= limits.max_url_size, "URL of %u bytes kept", r->url_len);
    FUZZ_CHECK(r->header_bytes <= limits.max_header_size, "%zu header bytes kept", r->header_bytes);
    FUZZ_CHECK(r->body.len <= limits.max_body_size, "a body of %zu bytes kept", r->body.len);
    FUZZ_CHECK(p->head_done, "a message ended before its head was checked");
    fz_append(t, "REQ ", 4);
    put_str(t, bk_req_method_name(r), strlen(bk_req_method_name(r)));
    put_str(t, r->raw.data + r->url_off, r->url_len);
    put_str(t, path, r->path_len);
    put_str(t, bk_req_query_string(r), r->query_len);
    put_num(t, r->http_minor);
    put_num(t, r->keep_alive);
    put_num(t, p->body_expected);
    put_num(t, p->expect_continue);
    for (uint32_t i = 0; i < r->nheaders; i++) {
        const bk__header *h = &r->headers[i];
        put_str(t, r->raw.data + h->name_off, h->name_len);
        put_str(t, r->raw.data + h->value_off, h->value_len);
    }
    put_str(t, r->body.data ? r->body.data : "", r->body.len);
    fz_append(t, "\n", 1);
}

/* Feeds one piece; returns 0 to go on, 1 when the parser refused the stream. */
static int feed(bk__parser *p, const uint8_t *data, size_t len, bk_buf *t)
{
    for (;;) {
        size_t used;
        bk__parse_result r = bk__parser_execute(p, (const char *)data, len, &used);
        FUZZ_CHECK(used <= len, "used %zu of %zu bytes", used, len);
        if (r == BK__PARSE_ERROR) {
            fz_append(t, "ERR ", 4);
            put_num(t, p->error_status);
            const char *d = p->error_detail ? p->error_detail : "";
            put_str(t, d, strlen(d));
            FUZZ_CHECK(p->error_status >= 400 && p->error_status < 600, "status %d",
                       p->error_status);
            return 1;
        }
        if (r == BK__PARSE_MORE) {
            FUZZ_CHECK(used == len, "MORE after %zu of %zu bytes", used, len);
            return 0;
        }
        trace_request(t, p);
        bk__req_end(p->req);
        bk__parser_next(p);
        data += used;
        len -= used;
        if (!len)
            return 0;
    }
}

/* Parses `data` cut after each of `cuts` (lengths; the last piece takes the rest). */
static void run(const uint8_t *data, size_t len, const size_t *cuts, size_t ncuts, bk_buf *t)
{
    bk_req req;
    bk__parser p;
    memset(&req, 0, sizeof(req));
    bk__parser_init(&p, &limits, &req);
    t->len = 0;
    size_t off = 0;
    int refused = 0;
    for (size_t i = 0; i <= ncuts && !refused; i++) {
        size_t piece = i < ncuts ? cuts[i] : len - off;
        if (piece > len - off)
            piece = len - off;
        if (piece || i == ncuts)
            refused = feed(&p, data + off, piece, t);
        off += piece;
    }
    if (!refused)
        fz_append(t, p.started ? "MORE partial\n" : "MORE\n", p.started ? 13 : 5);
    bk__req_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bk_buf whole, split;
    if (!size)
        return 0;
    size_t ncuts = data[0] & 15, off = 1;
    if (ncuts > size - off)
        ncuts = size - off;
    size_t cuts[16];
    for (size_t i = 0; i < ncuts; i++)
        cuts[i] = (size_t)data[off + i] + 1;
    off += ncuts;
    const uint8_t *stream = data + off;
    size_t len = size - off;
    run(stream, len, NULL, 0, &whole);
    if (!ncuts)
        return 0;
    run(stream, len, cuts, ncuts, &split);
    if (whole.len != split.len || !fz_memeq(whole.data, split.data, whole.len)) {
        fprintf(stderr, "cuts:");
        for (size_t i = 0; i < ncuts; i++)
            fprintf(stderr, " %zu", cuts[i]);
        fprintf(stderr, "\n");
        fz_dump(stderr, "stream", stream, len, 4000);
        fz_dump(stderr, "parsed whole", whole.data, whole.len, 4000);
        fz_dump(stderr, "parsed in pieces", split.data, split.len, 4000);
    }
    FUZZ_CHECK(whole.len == split.len && fz_memeq(whole.data, split.data, whole.len),
               "what the parser makes of the bytes depends on how they were split");
    return 0;
}
