/* Responses: what handlers call to answer (bk_send*, bk_json_begin, the header calls), and their
 * serialisation into the connection's output.
 *
 * Headers are kept as name/value pairs until the response is written, so that middleware can
 * read, replace and remove them; brisk alone writes the framing (Content-Length, Connection,
 * Transfer-Encoding), so no handler can make a response say one length and carry another. */
#include "http/request.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *bk__status_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 101:
        return "Switching Protocols";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 307:
        return "Temporary Redirect";
    case 308:
        return "Permanent Redirect";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 418:
        return "I'm a Teapot";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Unknown";
    }
}

/* RFC 9110 §5.6.2: token = 1*tchar */
static int is_tchar(unsigned char ch)
{
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))
        return 1;
    return ch && strchr("!#$%&'*+-.^_`|~", ch) != NULL;
}

int bk__http_token(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!is_tchar((unsigned char)*s))
            return 0;
    return 1;
}

/* RFC 9110 §5.5: field-value is visible characters, SP, HTAB and obs-text; any other control
 * character (CR and LF above all) would let a value end the header and start another. */
static int valid_value(const char *s)
{
    if (!s)
        return 0;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
            return 0;
    }
    return 1;
}

/* Framing is brisk's: a second Content-Length or a Transfer-Encoding from a handler would make
 * the response mean different things to different proxies. */
static int framing_header(const char *name)
{
    return strcasecmp(name, "content-length") == 0 || strcasecmp(name, "transfer-encoding") == 0 ||
           strcasecmp(name, "connection") == 0;
}

static int check_header(const char *name, const char *value)
{
    if (!bk__http_token(name) || !valid_value(value) || framing_header(name))
        return BK_EINVAL;
    return 0;
}

static const char *res_name(const bk_req *req, const bk__header *h)
{
    return req->res_raw.data + h->name_off;
}

static int res_matches(const bk_req *req, const bk__header *h, const char *name)
{
    return h->name_len && bk__header_is(req->res_raw.data, h, name);
}

/* Which of brisk's own lines (Server, Date) a header named `name` replaces: a BK__OWN_* bit. */
static uint8_t own_bit(const char *name, size_t len)
{
    if (len == 6 && strncasecmp(name, "server", 6) == 0)
        return BK__OWN_SERVER;
    if (len == 4 && strncasecmp(name, "date", 4) == 0)
        return BK__OWN_DATE;
    return 0;
}

static int add_header_len(bk_req *req, const char *name, size_t nlen, const char *value,
                          size_t vlen)
{
    if (req->nres == req->res_cap) {
        uint32_t cap = req->res_cap ? req->res_cap * 2 : 8;
        bk__header *h = realloc(req->res_headers, cap * sizeof(*h));
        if (!h)
            return BK_ENOMEM;
        req->res_headers = h;
        req->res_cap = cap;
    }
    bk_buf *raw = &req->res_raw;
    if (bk_buf_reserve(raw, nlen + vlen + 2))
        return BK_ENOMEM;
    bk__header *h = &req->res_headers[req->nres++];
    h->name_off = (uint32_t)raw->len;
    h->name_len = (uint32_t)nlen;
    memcpy(raw->data + raw->len, name, nlen + 1);
    raw->len += nlen + 1;
    h->value_off = (uint32_t)raw->len;
    h->value_len = (uint32_t)vlen;
    memcpy(raw->data + raw->len, value, vlen + 1);
    raw->len += vlen + 1;
    req->res_own |= own_bit(name, nlen);
    return 0;
}

static int add_header(bk_req *req, const char *name, const char *value)
{
    return add_header_len(req, name, strlen(name), value, strlen(value));
}

/* Marks every header named `name` removed; returns how many there were. */
static int remove_headers(bk_req *req, const char *name)
{
    int n = 0;
    for (uint32_t i = 0; i < req->nres; i++) {
        if (res_matches(req, &req->res_headers[i], name)) {
            req->res_headers[i].name_len = 0;
            n++;
        }
    }
    if (n)
        req->res_own &= (uint8_t)~own_bit(name, strlen(name));
    return n;
}

static int replace_header_len(bk_req *req, const char *name, size_t nlen, const char *value,
                              size_t vlen)
{
    if (req->nres)
        remove_headers(req, name);
    return add_header_len(req, name, nlen, value, vlen);
}

static int replace_header(bk_req *req, const char *name, const char *value)
{
    return replace_header_len(req, name, strlen(name), value, strlen(value));
}

int bk_set_header(bk_req *req, const char *name, const char *value)
{
    int err = check_header(name, value);
    return err ? err : replace_header(req, name, value);
}

int bk_add_header(bk_req *req, const char *name, const char *value)
{
    int err = check_header(name, value);
    return err ? err : add_header(req, name, value);
}

const char *bk_response_header(const bk_req *req, const char *name)
{
    for (uint32_t i = 0; i < req->nres; i++)
        if (res_matches(req, &req->res_headers[i], name))
            return req->res_raw.data + req->res_headers[i].value_off;
    return NULL;
}

int bk__response_add_vary(bk_req *req, const char *value)
{
    const char *existing = bk_response_header(req, "vary");
    if (!existing)
        return bk_set_header(req, "Vary", value);
    size_t a = strlen(existing), b = strlen(value);
    char *joined = malloc(a + 2 + b + 1);
    if (!joined)
        return BK_ENOMEM;
    memcpy(joined, existing, a);
    memcpy(joined + a, ", ", 2);
    memcpy(joined + a + 2, value, b + 1);
    int err = bk_set_header(req, "Vary", joined);
    free(joined);
    return err;
}

int bk_remove_header(bk_req *req, const char *name)
{
    return remove_headers(req, name) ? 0 : BK_ENOENT;
}

int bk_response_status(const bk_req *req)
{
    return req->status;
}

const char *bk_response_body(const bk_req *req, size_t *len)
{
    if (len)
        *len = req->res_body.len;
    return req->res_body.len ? req->res_body.data : NULL;
}

int bk_response_set_status(bk_req *req, int status)
{
    if (!req->responded || status < 200 || status > 599)
        return BK_EINVAL;
    req->status = status;
    return 0;
}

int bk_response_set_body(bk_req *req, const void *body, size_t len)
{
    if (!req->responded || (len && !body))
        return BK_EINVAL;
    if (len && body >= (const void *)req->res_body.data &&
        body < (const void *)(req->res_body.data + req->res_body.cap)) {
        /* a slice of the body itself (cutting it down): move, do not copy over itself */
        if ((const char *)body + len > req->res_body.data + req->res_body.len)
            return BK_EINVAL;
        memmove(req->res_body.data, body, len);
        req->res_body.len = len;
        return 0;
    }
    size_t have = req->res_body.len;
    if (bk_buf_reserve(&req->res_body, len > have ? len - have : 0))
        return BK_ENOMEM; /* the body is left as it was */
    if (len)
        memcpy(req->res_body.data, body, len);
    req->res_body.len = len;
    return 0;
}

void bk__response_clear(bk_req *req)
{
    req->res_raw.len = 0;
    req->nres = 0;
    req->res_own = 0;
    req->res_body.len = 0;
    req->status = 0;
    req->responded = 0;
    req->json_open = 0;
}

static int may_respond(const bk_req *req, int status)
{
    /* A cancelled handler's answer is dropped (its client left, or brisk answered 504 for it);
     * once the task has ended, the pipeline itself may answer. */
    if (req->task.coro && bk_task_cancelled(&req->task))
        return req->task.reason;
    if (req->responded || req->json_open)
        return BK_EINVAL;
    /* 1xx are interim responses: as a final answer the client would wait for another forever */
    if (status < 200 || status > 599)
        return BK_EINVAL;
    return 0;
}

int bk_send(bk_req *req, int status, const char *content_type, const void *body, size_t len)
{
    int err = may_respond(req, status);
    if (err)
        return err;
    if (content_type && !valid_value(content_type))
        return BK_EINVAL;
    if (content_type && (err = replace_header(req, "Content-Type", content_type)) != 0)
        return err;
    req->res_body.len = 0;
    if (len && bk_buf_append(&req->res_body, body, len))
        return BK_ENOMEM;
    req->status = status;
    req->responded = 1;
    return 0;
}

int bk_send_json(bk_req *req, int status, const char *json)
{
    return bk_send(req, status, "application/json", json, strlen(json));
}

int bk_send_text(bk_req *req, int status, const char *text)
{
    return bk_send(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

int bk_send_error(bk_req *req, int status, const char *detail)
{
    bk_json *j = bk_json_begin(req, status);
    if (!j)
        return req->task.coro && bk_task_cancelled(&req->task) ? req->task.reason : BK_EINVAL;
    bk_json_object_begin(j);
    bk_json_key(j, "detail");
    bk_json_string(j, detail);
    bk_json_object_end(j);
    return bk_json_send(req);
}

bk_json *bk_json_begin(bk_req *req, int status)
{
    if (may_respond(req, status))
        return NULL;
    req->res_body.len = 0;
    bk_json_init(&req->json, &req->res_body);
    req->status = status;
    req->json_open = 1;
    return &req->json;
}

int bk_json_send(bk_req *req)
{
    if (!req->json_open)
        return BK_EINVAL;
    req->json_open = 0;
    int err = bk_json_error(&req->json);
    if (!err && req->json.depth != 0)
        err = BK_EINVAL;
    if (!err) /* the common case, every JSON response: no strlen */
        err = replace_header_len(req, "Content-Type", 12, "application/json", 16);
    if (err) {
        bk__log(BK_LOG_ERROR, "JSON response of %s %s is malformed (%s): answering 500",
                bk_req_method_name(req), bk_req_path(req), bk_strerror(err));
        req->res_body.len = 0;
        return bk_send_error(req, 500, "Internal Server Error") ? BK_ENOMEM : err;
    }
    req->responded = 1;
    return 0;
}

/* ---- serialisation ------------------------------------------------------------------------ */

#define SERVER_LINE     "Server: brisk\r\n"
#define STATUS_LINE_MAX (sizeof("HTTP/1.1 999 \r\n") + 40) /* the longest reason is 31 */
#define CL_LINE_MAX     (sizeof("Content-Length: 18446744073709551615\r\n"))
#define CONN_LINE_MAX   (sizeof("Connection: keep-alive\r\n"))

/* Writes the decimal digits of v; returns how many. */
static size_t format_size(char *dst, size_t v)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        dst[i] = tmp[n - 1 - i];
    return n;
}

static char *put(char *p, const char *s, size_t len)
{
    memcpy(p, s, len);
    return p + len;
}

static char *put_status_line(char *p, int status)
{
    const char *reason = bk__status_reason(status);
    p = put(p, "HTTP/1.1 ", 9);
    p[0] = (char)('0' + status / 100); /* 200-599: checked when the response was sent */
    p[1] = (char)('0' + status / 10 % 10);
    p[2] = (char)('0' + status % 10);
    p[3] = ' ';
    p += 4;
    while (*reason)
        *p++ = *reason++;
    return put(p, "\r\n", 2);
}

static char *put_content_length(char *p, size_t len)
{
    p = put(p, "Content-Length: ", 16);
    p += format_size(p, len);
    return put(p, "\r\n", 2);
}

/* brisk's Server and Date lines (`date_hdr` holds both, Server first), minus any of the two
 * the response sets itself. */
static char *put_server_date(char *p, const bk_req *req, const char *date_hdr, size_t date_len)
{
    size_t server_len = sizeof(SERVER_LINE) - 1;
    if (!(req->res_own & BK__OWN_SERVER))
        p = put(p, date_hdr, server_len);
    if (!(req->res_own & BK__OWN_DATE))
        p = put(p, date_hdr + server_len, date_len - server_len);
    return p;
}

static const char *connection_value(const bk_req *req, int closing)
{
    if (closing)
        return "close";
    if (req->http_minor == 0) /* HTTP/1.0 keeps the connection only when told so */
        return "keep-alive";
    return NULL;
}

/* 1xx, 204 and 304 carry no body and no Content-Length (RFC 9110 §6.4.1, §8.6). */
static int bodiless(int status)
{
    return status < 200 || status == 204 || status == 304;
}

static size_t head_size(const bk_req *req, size_t date_len)
{
    size_t n = STATUS_LINE_MAX + date_len + CL_LINE_MAX + CONN_LINE_MAX + 2;
    for (uint32_t i = 0; i < req->nres; i++)
        n += req->res_headers[i].name_len + req->res_headers[i].value_len + 4;
    return n;
}

int bk__response_write(const bk_req *req, bk_buf *out, const char *date_hdr, size_t date_len,
                       int closing)
{
    int no_body = bodiless(req->status);
    size_t body_len = req->res_body.len;
    int send_body = !no_body && req->method != BK_HEAD && body_len;
    if (bk_buf_reserve(out, head_size(req, date_len) + (send_body ? body_len : 0)))
        return BK_ENOMEM;
    char *p = put_status_line(out->data + out->len, req->status);
    p = put_server_date(p, req, date_hdr, date_len);
    for (uint32_t i = 0; i < req->nres; i++) {
        const bk__header *h = &req->res_headers[i];
        if (!h->name_len) /* Starlette keeps a 204's Content-Type: so does brisk */
            continue;
        p = put(p, res_name(req, h), h->name_len);
        p = put(p, ": ", 2);
        p = put(p, req->res_raw.data + h->value_off, h->value_len);
        p = put(p, "\r\n", 2);
    }
    if (!no_body) /* HEAD: the length the GET would have had */
        p = put_content_length(p, body_len);
    const char *conn = connection_value(req, closing);
    if (conn) {
        p = put(p, "Connection: ", 12);
        p = put(p, conn, strlen(conn));
        p = put(p, "\r\n", 2);
    }
    p = put(p, "\r\n", 2);
    if (send_body)
        p = put(p, req->res_body.data, body_len);
    out->len = (size_t)(p - out->data);
    return 0;
}

int bk__response_write_refusal(bk_buf *out, int status, const char *detail, const char *date_hdr,
                               size_t date_len, int head_only)
{
    static const char ct[] = "Content-Type: application/json\r\n";
    static const char close[] = "Connection: close\r\n\r\n";
    bk_buf body = {0};
    int err = bk_buf_append_str(&body, "{\"detail\":");
    if (!err)
        err = bk_json_escape(&body, detail, strlen(detail));
    if (!err)
        err = bk_buf_append(&body, "}", 1);
    if (!err)
        err = bk_buf_reserve(out, STATUS_LINE_MAX + date_len + sizeof(ct) + CL_LINE_MAX +
                                      sizeof(close) + body.len);
    if (!err) {
        char *p = put_status_line(out->data + out->len, status);
        p = put(p, date_hdr, date_len);
        p = put(p, ct, sizeof(ct) - 1);
        p = put_content_length(p, body.len);
        p = put(p, close, sizeof(close) - 1);
        if (!head_only)
            p = put(p, body.data, body.len);
        out->len = (size_t)(p - out->data);
    }
    bk_buf_free(&body);
    return err;
}
