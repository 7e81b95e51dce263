/* The HTTP/1 request parser: llhttp plus brisk's own checks, as a function over bytes.
 *
 * bk__parser_execute() fills a bk_req from whatever piece of the stream it is given and reports
 * what it saw in flags; it never touches a socket, a timer or a handler. It stops at the end of
 * every message so that the caller (the connection, a test, a fuzzer) decides what happens next
 * and resumes it with bk__parser_next(). Input may be split anywhere: the result must not depend
 * on where (fuzz/fuzz_parser.c checks that). */
#ifndef BK_HTTP_PARSER_H
#define BK_HTTP_PARSER_H

#include "http/request.h"

#include <llhttp.h>

/* Limits a request must keep to (from bk_config). */
typedef struct bk__http_limits {
    size_t max_header_size; /* request line + headers; beyond → 431 (414 for the URL) */
    size_t max_url_size;    /* request-target; beyond → 414 */
    size_t max_body_size;   /* beyond → 413, announced sizes refused before reading */
} bk__http_limits;

typedef enum bk__parse_result {
    BK__PARSE_MORE,    /* every byte was taken; the message (if any) is not complete */
    BK__PARSE_MESSAGE, /* a whole request is in the bk_req; bytes after it were not taken */
    BK__PARSE_ERROR,   /* the input is refused: answer error_status with error_detail */
} bk__parse_result;

typedef struct bk__parser {
    llhttp_t ll;
    const bk__http_limits *limits;
    bk_req *req;
    /* What the current message has reached (reset by bk__parser_next). */
    uint8_t started;         /* its first byte was seen */
    uint8_t head_done;       /* the header section is complete and valid */
    uint8_t body_expected;   /* ... and announces a body */
    uint8_t expect_continue; /* ... and asks for 100 Continue before sending it */
    /* A refusal: the HTTP status to answer with and why (NULL: llhttp's reason). */
    int error_status;
    const char *error_detail;
    /* Assembly state of the current header. */
    uint8_t in_field, in_value; /* a header name / value is being assembled */
    uint8_t header_open;        /* headers[nheaders] has a name: its value may follow */
    /* For checks that look at bytes across the boundary between two execute calls. */
    const char *parse_start, *parse_end; /* the bytes being parsed now */
    const char *version_end;             /* where the request line's version ended */
    uint8_t version_end_pending;         /* ... at the end of a read: judge the next byte */
    char tail_byte; /* last byte before trailing SP/HT of the previous execute */
} bk__parser;

/* Prepares `p` to parse requests into `req` under `limits` (both must outlive the parser). */
void bk__parser_init(bk__parser *p, const bk__http_limits *limits, bk_req *req);
/* Parses `len` bytes. `*used` is how many were taken: all of them for BK__PARSE_MORE, up to the
 * end of the message for BK__PARSE_MESSAGE. After BK__PARSE_ERROR the parser is dead. */
bk__parse_result bk__parser_execute(bk__parser *p, const char *data, size_t len, size_t *used);
/* Lets the parser go on to the next message after BK__PARSE_MESSAGE. */
void bk__parser_next(bk__parser *p);
/* llhttp's description of the error behind BK__PARSE_ERROR, for the log. */
const char *bk__parser_error_name(const bk__parser *p);

#endif
