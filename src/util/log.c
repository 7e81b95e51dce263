/* Logging in uvicorn's shape ("INFO:     message"). The threshold is set once before workers
 * start and only read afterwards. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>

static bk_log_level threshold = BK_LOG_INFO;

static const char *const level_prefix[] = {
    "TRACE:    ", "DEBUG:    ", "INFO:     ", "WARNING:  ", "ERROR:    ", "CRITICAL: ",
};

void bk_log_set_level(bk_log_level level)
{
    threshold = level;
}

int bk_log_enabled(bk_log_level level)
{
    return level >= threshold;
}

void bk_log(bk_log_level level, const char *fmt, ...)
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
