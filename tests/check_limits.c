/*
 * check_limits.c - the request limits that protect the service from slow or
 * greedy clients (issue 5): a body trickling in past MOTCUA_REQUEST_TIMEOUT
 * is cut, and while it trickles other clients are still served.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testlib.h"

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)tl_env.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = { 10, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may have cut us: that is what some tests want */
        s += w;
        n -= (size_t)w;
    }
}

START_TEST(test_trickling_body_is_cut)
{
    tl_server_stop();
    tl_env.cfg.request_timeout_s = 1;
    tl_server_start();
    int fd = connect_server();
    char head[512];
    snprintf(head, sizeof head,
             "POST /v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n",
             tl_env.key);
    send_all(fd, head);
    /* one byte a second, each well within the 30 s idle timeout */
    time_t start = time(NULL);
    char buf[256];
    ssize_t got = 1;
    for (int i = 0; i < 6 && got != 0; i++) {
        send_all(fd, " ");
        /* meanwhile, another client is served at once */
        json_decref(tl_get("/healthz", 200));
        struct timeval tv = { 1, 0 };
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        got = recv(fd, buf, sizeof buf, 0);
    }
    ck_assert_msg(got == 0 || (got < 0 && time(NULL) - start < 6),
                  "the trickling body was not cut (recv %zd)", got);
    close(fd);
    /* the service still serves */
    json_decref(tl_get("/healthz", 200));
}
END_TEST

Suite *make_limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("slow clients");
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_trickling_body_is_cut);
    suite_add_tcase(s, tc);
    return s;
}
