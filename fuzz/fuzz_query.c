/* fuzz_query — URL splitting and percent-decoding (bk__req_split_url, bk_req_query in
 * src/http/request.c) on a zeroed bk_req laid out exactly as the llhttp callbacks of
 * src/http/parser.c leave it: raw = URL, NUL, then header names and values, each NUL-terminated,
 * with url_off = 0 and url_len = the URL's length.
 *
 * Input: the URL up to the first '\n' (any bytes, even those llhttp would refuse), then
 * '\n'-separated query parameter names to look up (C strings: cut at a NUL).
 *
 * The request is an OPTIONS request the first time, then (reused, as on a keep-alive
 * connection) a GET: '*' is a valid target only for OPTIONS.
 *
 * Invariants: the result is 0 or BK_EINVAL (with a reason: not origin-form, a fragment, '*' outside
 * OPTIONS, a decoded NUL); on 0 the decoded path is the reference
 * decoding of the part before '?', NUL-terminated, no longer than the URL, without NUL bytes;
 * the query string is the bytes after the first '?', NUL-terminated; both lie inside raw.len; the
 * URL and the headers stored before them are left intact; bk_req_query returns the reference
 * decoding ('+' is a space) of the first pair whose decoded key equals the name. Bytes of raw past
 * raw.len are poisoned for ASan, and the initial buffer has the exact size, so any read past the
 * stored request is reported.
 */
#include "fuzz_util.h"
#include "http/request.h"

#include <sanitizer/asan_interface.h>

static const char headers[] = "host\0example.com\0x-empty\0\0"; /* as parser.c stores them */
#define HEADERS_LEN (sizeof(headers) - 1)

/* Lays out raw as parser.c does; `exact` gives the buffer no spare capacity. */
static void fill_raw(bk_req *req, const uint8_t *url, size_t len, int exact, bk_method method)
{
    req->method = (uint8_t)method; /* on_headers_complete sets it before splitting */
    size_t need = len + 1 + HEADERS_LEN;
    if (exact) {
        req->raw.data = malloc(need);
        FUZZ_CHECK(req->raw.data != NULL, "malloc");
        req->raw.cap = need;
    } else {
        FUZZ_CHECK(bk_buf_reserve(&req->raw, need) == 0, "reserve");
    }
    if (len)
        memcpy(req->raw.data, url, len);
    req->raw.data[len] = '\0';
    memcpy(req->raw.data + len + 1, headers, HEADERS_LEN);
    req->raw.len = need;
    req->url_off = 0;
    req->url_len = (uint32_t)len;
    req->headers = NULL;
    req->nheaders = 0;
}

static void poison_tail(bk_req *req)
{
    if (req->raw.cap > req->raw.len)
        ASAN_POISON_MEMORY_REGION(req->raw.data + req->raw.len, req->raw.cap - req->raw.len);
}

static void unpoison_tail(bk_req *req)
{
    if (req->raw.cap > req->raw.len)
        ASAN_UNPOISON_MEMORY_REGION(req->raw.data + req->raw.len, req->raw.cap - req->raw.len);
}

/* The reference for bk_req_query: the first '&'-separated pair whose key (up to '=', decoded
 * with '+' as space) equals name; its decoded value. */
static int ref_query(const char *q, size_t qlen, const char *name, bk_buf *value)
{
    size_t name_len = strlen(name);
    size_t i = 0;
    while (i < qlen) {
        size_t j = i;
        while (j < qlen && q[j] != '&')
            j++;
        size_t k = i;
        while (k < j && q[k] != '=')
            k++;
        bk_buf key = {0}; /* keys of any length: brisk has no key-size cap */
        fz_percent_decode(&key, q + i, k - i, 1);
        int eq = key.len == name_len && (name_len == 0 || memcmp(key.data, name, name_len) == 0);
        bk_buf_free(&key);
        if (eq) {
            size_t v = k < j ? k + 1 : j;
            fz_percent_decode(value, q + v, j - v, 1);
            return 1;
        }
        i = j + 1;
    }
    return 0;
}

static void check_query(bk_req *req, const char *qref, size_t qref_len, const char *name)
{
    bk_buf want = {0};
    int found = ref_query(qref, qref_len, name, &want);
    const char *got = bk_req_query(req, name);
    FUZZ_CHECK(!got == !found, "bk_req_query(\"%s\") %s, the reference %s", name,
               got ? "found a value" : "found none", found ? "finds one" : "does not");
    if (got) {
        size_t n = strlen(got);
        /* The value may hold a decoded NUL: compare the bytes up to the reference length. */
        int same = memcmp(got, want.len ? want.data : "", want.len < n ? want.len : n) == 0 &&
                   (n == want.len || (n < want.len && want.data[n] == '\0'));
        if (!same) {
            fz_dump(stderr, "name", name, strlen(name), 200);
            fz_dump(stderr, "got", got, n, 200);
            fz_dump(stderr, "want", want.data, want.len, 200);
        }
        FUZZ_CHECK(same, "bk_req_query value differs from the reference");
        FUZZ_CHECK(n <= req->query_len, "decoded value longer than the query string");
    }
    bk_buf_free(&want);
}

static void run(const uint8_t *url, size_t len, const uint8_t *names, size_t names_len, bk_req *req,
                int exact, bk_method method)
{
    fill_raw(req, url, len, exact, method);
    size_t before = req->raw.len;
    const char *detail = NULL;
    int rc = bk__req_split_url(req, &detail);

    /* The reference. */
    int origin = len > 0 && url[0] == '/';
    int asterisk = len == 1 && url[0] == '*';
    const uint8_t *qm = memchr(url, '?', len);
    size_t path_raw_len = qm ? (size_t)(qm - url) : len;
    bk_buf path = {0};
    fz_percent_decode(&path, url, path_raw_len, 0);
    int has_nul = path.len && memchr(path.data, '\0', path.len) != NULL;

    FUZZ_CHECK(req->raw.len >= before && req->raw.len <= req->raw.cap, "raw.len out of range");
    FUZZ_CHECK(memcmp(req->raw.data, url, len) == 0 && req->raw.data[len] == '\0' &&
                   memcmp(req->raw.data + len + 1, headers, HEADERS_LEN) == 0,
               "bk__req_split_url changed the stored URL or headers");
    if (!origin && !asterisk) {
        FUZZ_CHECK(rc == BK_EINVAL && detail && *detail, "non-origin-form target: rc %d", rc);
    } else if (memchr(url, '#', len)) {
        FUZZ_CHECK(rc == BK_EINVAL && detail && *detail, "fragment in the target: rc %d", rc);
    } else if (asterisk && method != BK_OPTIONS) {
        FUZZ_CHECK(rc == BK_EINVAL && detail && *detail, "'*' for method %d: rc %d", (int)method,
                   rc);
    } else if (has_nul) {
        FUZZ_CHECK(rc == BK_EINVAL && detail && *detail, "decoded NUL in the path: rc %d", rc);
    } else {
        FUZZ_CHECK(rc == 0, "valid target refused: rc %d (%s)", rc, detail ? detail : "");
        const char *p = bk_req_path(req);
        FUZZ_CHECK(p == req->raw.data + req->path_off, "bk_req_path");
        FUZZ_CHECK((size_t)req->path_off + req->path_len < req->raw.len && req->path_off >= before,
                   "path [%u, +%u) outside the new part of raw (len %zu)", req->path_off,
                   req->path_len, req->raw.len);
        FUZZ_CHECK(req->path_len <= len, "decoded path longer than the URL");
        FUZZ_CHECK(p[req->path_len] == '\0' && strlen(p) == req->path_len,
                   "path is not a NUL-terminated string of path_len bytes");
        if (req->path_len != path.len || !fz_memeq(p, path.data, path.len)) {
            fz_dump(stderr, "url", url, len, 300);
            fz_dump(stderr, "path", p, req->path_len, 300);
            fz_dump(stderr, "want", path.data, path.len, 300);
        }
        FUZZ_CHECK(req->path_len == path.len && fz_memeq(p, path.data, path.len),
                   "decoded path differs from the reference");
        const char *q = bk_req_query_string(req);
        const uint8_t *qwant = qm ? qm + 1 : url + len;
        size_t qwant_len = qm ? len - path_raw_len - 1 : 0;
        FUZZ_CHECK(req->query_len == qwant_len, "query_len %u, want %zu", req->query_len,
                   qwant_len);
        FUZZ_CHECK((size_t)req->query_off + req->query_len < req->raw.len, "query outside raw.len");
        FUZZ_CHECK(q[req->query_len] == '\0' && memcmp(q, qwant, qwant_len) == 0,
                   "query string is not the URL's part after '?', NUL-terminated");

        /* Everything past raw.len is off limits from here on. */
        poison_tail(req);
        static const char *const fixed[] = {"a", "", "q", "x y", "a b", "%", "+", "=", "&", "key"};
        for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
            check_query(req, (const char *)qwant, qwant_len, fixed[i]);
        /* Each key of the query, decoded, looked up by its own name. */
        size_t i = 0;
        while (i < qwant_len) {
            const uint8_t *amp = memchr(qwant + i, '&', qwant_len - i);
            size_t j = amp ? (size_t)(amp - qwant) : qwant_len;
            const uint8_t *eq = memchr(qwant + i, '=', j - i);
            size_t k = eq ? (size_t)(eq - qwant) : j;
            bk_buf key = {0};
            fz_percent_decode(&key, qwant + i, k - i, 1);
            fz_append(&key, "", 1);
            check_query(req, (const char *)qwant, qwant_len, key.data);
            bk_buf_free(&key);
            i = j + 1;
        }
        /* Names from the input. */
        size_t pos = 0;
        while (pos < names_len) {
            const uint8_t *nl = memchr(names + pos, '\n', names_len - pos);
            size_t end = nl ? (size_t)(nl - names) : names_len;
            bk_buf name = {0};
            fz_append(&name, names + pos, end - pos);
            fz_append(&name, "", 1);
            check_query(req, (const char *)qwant, qwant_len, name.data);
            bk_buf_free(&name);
            pos = end + 1;
        }
        unpoison_tail(req);
    }
    bk_buf_free(&path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > UINT32_MAX / 4)
        return 0;
    if (!data)
        data = (const uint8_t *)""; /* libFuzzer may pass NULL for the empty input */
    const uint8_t *nl = memchr(data, '\n', size);
    size_t url_len = nl ? (size_t)(nl - data) : size;
    const uint8_t *names = nl ? nl + 1 : data + size;
    size_t names_len = nl ? size - url_len - 1 : 0;

    /* A fresh request with an exact-size buffer, then the same request reused (keep-alive:
     * bk__req_reset keeps the capacity) for the URL once more. */
    bk_req req;
    memset(&req, 0, sizeof(req));
    run(data, url_len, names, names_len, &req, 1, BK_OPTIONS);
    bk__req_end(&req); /* the request's allocations (bk_req_query values) */
    bk__req_reset(&req);
    run(data, url_len, names, names_len, &req, 0, BK_GET);
    bk__req_free(&req);
    return 0;
}
