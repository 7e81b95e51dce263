/* Unit tests for the trusted-proxy set (src/app/proxy.c) and the quoting of redirect URLs
 * (src/app/url.c): the rules of uvicorn's _TrustedHosts and of urllib.parse.quote as
 * RedirectResponse calls it. */
#include "app/proxy.h"
#include "app/url.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

static int trusted(const bk__trust *t, const char *host)
{
    return bk__trust_contains(t, host, strlen(host));
}

static void test_addresses_networks_literals(void)
{
    bk__trust *t;
    CHECK(bk__trust_parse(" 127.0.0.1, 10.0.0.0/8,2001:db8::/32 ,::1, unix:/run/x, 192.168.1.1/24",
                          &t) == 0);
    CHECK(trusted(t, "127.0.0.1"));
    CHECK(!trusted(t, "127.0.0.2"));
    CHECK(trusted(t, "10.255.1.2"));
    CHECK(!trusted(t, "11.0.0.1"));
    CHECK(trusted(t, "2001:db8:ffff::1"));
    CHECK(trusted(t, "0:0::1")); /* compared as addresses, not as text */
    CHECK(!trusted(t, "2001:db9::1"));
    CHECK(!trusted(t, "::ffff:127.0.0.1")); /* another address, as for Python's ipaddress */
    CHECK(trusted(t, "unix:/run/x"));       /* not an IP: a literal */
    CHECK(!trusted(t, "192.168.1.5"));      /* host bits set: not a network... */
    CHECK(trusted(t, "192.168.1.1/24"));    /* ...only its text */
    CHECK(!trusted(t, ""));
    CHECK(!trusted(t, "unknown"));
    bk__trust_free(t);
}

static void test_star(void)
{
    bk__trust *t;
    CHECK(bk__trust_parse("*", &t) == 0);
    CHECK(trusted(t, "203.0.113.9") && trusted(t, "anything"));
    bk__trust_free(t);
    /* only the whole value "*" trusts all (modern uvicorn); in a list it is text */
    CHECK(bk__trust_parse("10.0.0.1, *", &t) == 0);
    CHECK(!trusted(t, "203.0.113.9"));
    CHECK(trusted(t, "*"));
    bk__trust_free(t);
}

static void check_quote(const char *in, int latin1, const char *want)
{
    bk_buf b = {0};
    CHECK(bk__url_quote(&b, in, strlen(in), latin1) == 0);
    CHECK(bk_buf_append(&b, "", 1) == 0);
    CHECK_STREQ(b.data, want);
    bk_buf_free(&b);
}

static void test_quote(void)
{
    check_quote("http://h/a b?q={x}|^\"\\", 0, "http://h/a%20b?q=%7Bx%7D%7C%5E%22%5C");
    check_quote("/_.-~:/%#?=@[]!$&'()*+,;", 0, "/_.-~:/%#?=@[]!$&'()*+,;"); /* all safe */
    check_quote("/caf\xc3\xa9", 0, "/caf%C3%A9");                           /* bytes as they are */
    check_quote("Ex\xe9mple", 1, "Ex%C3%A9mple"); /* a latin-1 header: its UTF-8 */
    check_quote("<\x01\x7f>", 0, "%3C%01%7F%3E");
}

int main(void)
{
    test_addresses_networks_literals();
    test_star();
    test_quote();
    return check_result("test_proxy");
}
