/* The test client's responses, and their parser: llhttp in response mode over the bytes a brisk
 * connection wrote, as a function over bytes (no socket, no loop), so that what a test sees is
 * what a client on the wire would have read. */
#ifndef BK_TESTCLIENT_RESPONSE_H
#define BK_TESTCLIENT_RESPONSE_H

#include "http/request.h"

#include <llhttp.h>

struct bk_test_response {
    int status;
    bk_buf raw;          /* header names and values, each NUL-terminated */
    bk__header *headers; /* offsets into `raw`, in the order received */
    size_t nheaders, cap;
    bk_buf body; /* followed by a NUL not counted in its length */
};

typedef enum bk__resp_result {
    BK__RESP_MORE,  /* every byte was taken; the response is not whole yet */
    BK__RESP_DONE,  /* a final response is whole; bytes after it were not taken */
    BK__RESP_ERROR, /* malformed (BK_EPROTO) or out of memory (BK_ENOMEM): p->error */
} bk__resp_result;

typedef struct bk__resp_parser {
    llhttp_t ll;
    bk_test_response *res; /* being filled, NULL once taken */
    uint8_t head;          /* it answers a HEAD request: no body follows the headers */
    uint8_t in_field, in_value;
    uint8_t done;
    int error;
} bk__resp_parser;

/* Prepares `p` to parse the response to one request (`head`: to a HEAD request). Returns 0 or
 * BK_ENOMEM. */
int bk__resp_parser_init(bk__resp_parser *p, int head);
/* Parses `len` more bytes; `*used` says how many were taken. Interim (1xx) responses are
 * skipped. */
bk__resp_result bk__resp_parse(bk__resp_parser *p, const char *data, size_t len, size_t *used);
/* The stream ended: a response framed by its end is whole now, any other is cut short
 * (BK__RESP_ERROR with BK_ECONNRESET). */
bk__resp_result bk__resp_parse_eof(bk__resp_parser *p);
/* After BK__RESP_DONE: whether the connection may carry another request. */
int bk__resp_keep_alive(const bk__resp_parser *p);
/* After BK__RESP_DONE: hands the response over to the caller. */
bk_test_response *bk__resp_take(bk__resp_parser *p);
/* Frees what the parser still holds. */
void bk__resp_parser_free(bk__resp_parser *p);

#endif
