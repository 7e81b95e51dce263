/* Descriptions of brisk's error codes. */
#include "brisk.h"

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
        return "request cancelled";
    case BK_EAGAIN:
        return "resource temporarily unavailable";
    default:
        return "unknown error";
    }
}
