/* Logging in uvicorn's shape ("INFO:     message"). The threshold is set once before workers
 * start and only read afterwards. */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

/* Written once before any server starts, read by every worker afterwards. */
static bk_log_level threshold = BK_LOG_INFO;

static const char *const level_prefix[] = {
    "TRACE:    ", "DEBUG:    ", "INFO:     ", "WARNING:  ", "ERROR:    ", "CRITICAL: ",
};

void bk__log_set_level(bk_log_level level)
{
    threshold = level;
}

int bk__log_enabled(bk_log_level level)
{
    return level >= threshold;
}

void bk__log(bk_log_level level, const char *fmt, ...)
{
    if (level < threshold)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    /* one fprintf per line: stdio locks the stream, so lines from workers never interleave */
    fprintf(stderr, "%s%s\n", level_prefix[level], line);
}
