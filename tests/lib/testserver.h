/* A brisk server inside a test or fuzz harness process, and clients to talk to it: shared by
 * tests/unit/test_assembly.c and fuzz/fuzz_request.c. Header-only (static functions), so each
 * harness stays one file. */
#ifndef BK_TESTS_TESTSERVER_H
#define BK_TESTS_TESTSERVER_H

#include <brisk.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* Serves `app` on 127.0.0.1, on a port the kernel picks, with one worker, no access log and
 * warnings only; `tune` (may be NULL) adjusts the config first. Returns the server or NULL. */
static inline bk_server *test_server_start(bk_app *app, void (*tune)(bk_config *cfg))
{
    bk_config cfg;
    bk_config_default(&cfg);
    cfg.host = "127.0.0.1";
    cfg.port = 0;
    cfg.access_log = 0;
    cfg.log_level = BK_LOG_WARNING;
    if (tune)
        tune(&cfg);
    bk_server *s = NULL;
    return bk_server_start(&s, app, &cfg) == 0 ? s : NULL;
}

/* Stops the server gracefully and waits for it. Returns bk_server_wait's result. */
static inline int test_server_stop(bk_server *s)
{
    bk_server_stop(s);
    return bk_server_wait(s);
}

/* A client socket connected to 127.0.0.1:`port`, with TCP_NODELAY (each send leaves at once)
 * and a read timeout of `timeout_s` seconds; its local port in `*local` when not NULL. Returns
 * the fd or -1. */
static inline int test_connect(int port, int timeout_s, int *local)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    struct timeval tv = {timeout_s, 0};
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
        connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    if (local) {
        socklen_t len = sizeof(a);
        *local = getsockname(fd, (struct sockaddr *)&a, &len) == 0 ? ntohs(a.sin_port) : -1;
    }
    return fd;
}

#endif
