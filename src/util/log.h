/* Logging in uvicorn's shape ("INFO:     message") to stderr. */
#ifndef BK_UTIL_LOG_H
#define BK_UTIL_LOG_H

#include "brisk.h"

/* Logs one line when `level` passes the threshold. */
void bk__log(bk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets the threshold. It is process-wide, like stderr itself: set it before servers start. */
void bk__log_set_level(bk_log_level level);
/* Nonzero when a line of `level` would be written (to skip building it otherwise). */
int bk__log_enabled(bk_log_level level);

#endif
