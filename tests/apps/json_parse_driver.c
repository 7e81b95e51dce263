/* json_parse_driver — feeds request bodies to brisk's JSON parser (src/model/json_parse.c) for
 * tests/http/test_json_parse_python.py, which compares the answers with Python's json.loads.
 *
 *   json_parse_driver [MAX_DEPTH]      reads cases from stdin: "<length>\n<bytes>" each
 *
 * and prints one line per case: the DOM in jdom_render's canonical form (tests/lib/jdom.h), or
 * "ERR 422 <pos> <msg>" (Python's JSONDecodeError: FastAPI's 422), or "ERR 400" (any other
 * exception: FastAPI's 400). Each parse also checks that bk__json_get finds every member of
 * every object ("LOOKUP-MISMATCH" otherwise). */
#include "brisk.h"
#include "jdom.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int max_depth = argc > 1 ? atoi(argv[1]) : BK__JSON_MAX_DEPTH;
    bk_buf body = {0}, line = {0};
    size_t len;
    int status = 0;
    while (scanf("%zu", &len) == 1 && getchar() == '\n') {
        if (bk_buf_reserve(&body, len + 1) != 0 || fread(body.data, 1, len, stdin) != len) {
            fprintf(stderr, "json_parse_driver: short case\n");
            status = 1;
            break;
        }
        int rc = jdom_answer(&line, body.data, len, max_depth);
        if (rc == 0)
            rc = bk_buf_append(&line, "\n", 1);
        if (rc != 0) {
            fprintf(stderr, "json_parse_driver: %s\n", bk_strerror(rc));
            status = 1;
            break;
        }
        fwrite(line.data, 1, line.len, stdout);
    }
    fflush(stdout);
    bk_buf_free(&body);
    bk_buf_free(&line);
    return status;
}
