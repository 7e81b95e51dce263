/* Descriptions of brisk's error codes. */
#include "brisk.h"

#include <string.h>

const char *bk_strerror(int err)
{
    switch (err) {
    case BK_OK:
        return "success";
    case BK_ENOMEM:
        return "out of memory";
    case BK_EINVAL:
        return "invalid argument";
    case BK_ENOENT:
        return "not found";
    case BK_ERANGE:
        return "value out of range";
    case BK_EEXIST:
        return "already exists";
    case BK_ECANCELED:
        return "cancelled";
    case BK_EAGAIN:
        return "resource temporarily unavailable";
    case BK_EADDRINUSE:
        return "address already in use";
    case BK_ETIMEDOUT:
        return "timed out";
    case BK_EPROTO:
        return "malformed response";
    case BK_EMSGSIZE:
        return "response too large";
    case BK_ECONNRESET:
        return "connection lost";
    case BK_ECONNREFUSED:
        return "connection refused";
    case BK_EHOSTUNREACH:
        return "host unreachable";
    case BK_EAI_NONAME:
        return "host name not found"; /* not an errno: strerror cannot name it */
    case BK_EQUERY:
        return "the database refused the query";
    case BK_ESTARTUP:
        return "a start-up hook failed";
    default:
        /* any other negated errno (from libuv or the system): glibc's strerror returns a
         * constant string for every valid code, so it is safe from any thread */
        return err < 0 ? strerror(-err) : "unknown error";
    }
}
