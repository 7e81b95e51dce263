/* Responses: what handlers call to answer (bk_send*, bk_json_begin), and their serialisation
 * into the connection's output. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *bk_status_reason(int status)
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

static int has_crlf_or_nul(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

int bk_set_header(bk_req *req, const char *name, const char *value)
{
    if (!name || !value || !*name || has_crlf_or_nul(name) || strchr(name, ':') ||
        has_crlf_or_nul(value))
        return BK_EINVAL;
    bk_buf *h = &req->res_headers;
    if (bk_buf_append_str(h, name) || bk_buf_append(h, ": ", 2) || bk_buf_append_str(h, value) ||
        bk_buf_append(h, "\r\n", 2))
        return BK_ENOMEM;
    return 0;
}

static int may_respond(bk_req *req)
{
    if (req->cancelled)
        return BK_ECANCELED;
    if (req->responded || req->json_open)
        return BK_EINVAL;
    return 0;
}

int bk_send(bk_req *req, int status, const char *content_type, const void *body, size_t len)
{
    int err = may_respond(req);
    if (err)
        return err;
    if (status < 100 || status > 999)
        return BK_EINVAL;
    req->res_body.len = 0;
    if (len && bk_buf_append(&req->res_body, body, len))
        return BK_ENOMEM;
    req->status = status;
    req->content_type = content_type;
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
        return req->cancelled ? BK_ECANCELED : BK_EINVAL;
    bk_json_object_begin(j);
    bk_json_key(j, "detail");
    bk_json_string(j, detail);
    bk_json_object_end(j);
    return bk_json_send(req);
}

bk_json *bk_json_begin(bk_req *req, int status)
{
    if (may_respond(req) || status < 100 || status > 999)
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
    if (err || req->json.depth != 0) {
        bk_log(BK_LOG_ERROR, "JSON response of %s %s is malformed (%s): answering 500",
               bk_req_method_name(req), bk_req_path(req), bk_strerror(err ? err : BK_EINVAL));
        req->res_body.len = 0;
        return bk_send_error(req, 500, "Internal Server Error") ? BK_ENOMEM
                                                                : (err ? err : BK_EINVAL);
    }
    req->content_type = "application/json";
    req->responded = 1;
    return 0;
}

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

static size_t status_line(char *dst, int status)
{
    const char *reason = bk_status_reason(status);
    size_t rlen = strlen(reason);
    memcpy(dst, "HTTP/1.1 ", 9);
    size_t n = 9 + format_size(dst + 9, (size_t)status);
    dst[n++] = ' ';
    memcpy(dst + n, reason, rlen);
    n += rlen;
    memcpy(dst + n, "\r\n", 2);
    return n + 2;
}

/* Appends everything up to the blank line; `body_len` goes in Content-Length. */
static int write_head(bk_buf *out, int status, const char *content_type, size_t body_len,
                      const bk_buf *extra, const char *date_hdr, size_t date_len,
                      const char *connection)
{
    size_t ct_len = content_type ? strlen(content_type) : 0;
    size_t conn_len = connection ? strlen(connection) : 0;
    size_t extra_len = extra ? extra->len : 0;
    size_t need = 64 + date_len + ct_len + 16 + 40 + conn_len + extra_len + 2;
    if (bk_buf_reserve(out, need))
        return BK_ENOMEM;
    char *p = out->data + out->len;
    p += status_line(p, status);
    memcpy(p, date_hdr, date_len);
    p += date_len;
    if (content_type) {
        memcpy(p, "Content-Type: ", 14);
        memcpy(p + 14, content_type, ct_len);
        p += 14 + ct_len;
        *p++ = '\r';
        *p++ = '\n';
    }
    memcpy(p, "Content-Length: ", 16);
    p += 16;
    p += format_size(p, body_len);
    *p++ = '\r';
    *p++ = '\n';
    if (connection) {
        memcpy(p, "Connection: ", 12);
        memcpy(p + 12, connection, conn_len);
        p += 12 + conn_len;
        *p++ = '\r';
        *p++ = '\n';
    }
    if (extra && extra->len) {
        memcpy(p, extra->data, extra->len);
        p += extra->len;
    }
    *p++ = '\r';
    *p++ = '\n';
    out->len = (size_t)(p - out->data);
    return 0;
}

static const char *connection_value(const bk_req *req, int closing)
{
    if (closing)
        return "close";
    if (req->http_minor == 0) /* HTTP/1.0 keeps the connection only when told so */
        return "keep-alive";
    return NULL;
}

int bk_response_write(bk_req *req, bk_buf *out, const char *date_hdr, size_t date_len, int closing)
{
    size_t body_len = req->res_body.len;
    int status = req->status;
    /* 1xx, 204 and 304 carry no body (RFC 9110 §6.4.1). */
    int bodiless = status < 200 || status == 204 || status == 304;
    if (write_head(out, status, bodiless ? NULL : req->content_type, bodiless ? 0 : body_len,
                   &req->res_headers, date_hdr, date_len, connection_value(req, closing)))
        return BK_ENOMEM;
    if (bodiless || req->method == BK_HEAD || body_len == 0)
        return 0;
    return bk_buf_append(out, req->res_body.data, body_len);
}

int bk_response_write_error(bk_buf *out, int status, const char *detail, const char *date_hdr,
                            size_t date_len, int closing, int head_only)
{
    bk_buf body = {0};
    int err = bk_buf_append_str(&body, "{\"detail\":");
    if (!err)
        err = bk_json_escape(&body, detail, strlen(detail));
    if (!err)
        err = bk_buf_append(&body, "}", 1);
    if (!err)
        err = write_head(out, status, "application/json", body.len, NULL, date_hdr, date_len,
                         closing ? "close" : NULL);
    if (!err && !head_only)
        err = bk_buf_append(out, body.data, body.len);
    bk_buf_free(&body);
    return err;
}
