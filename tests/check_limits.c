/*
 * check_limits.c - the request limits that protect the service from slow or
 * greedy clients (issue 5): a body trickling in past MOTCUA_REQUEST_TIMEOUT
 * is cut, and so is a client dribbling its request headers past
 * MOTCUA_HEADER_TIMEOUT (slowloris), while other clients are still served;
 * keep-alive clients and slow but complete headers are not cut. Bounds on
 * time are generous: the sanitizer build is slow.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hdrwatch.h"
#include "testlib.h"

static double mono_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

/* 1 when the peer closed fd (end of stream or reset) within wait_ms, 0 when
 * nothing arrived, -1 when data arrived instead. */
static int peer_closed(int fd, int wait_ms)
{
    struct pollfd p = { fd, POLLIN, 0 };
    if (poll(&p, 1, wait_ms) <= 0)
        return 0;
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && (errno == ECONNRESET || errno == EPIPE)))
        return 1;
    return n > 0 ? -1 : 0;
}

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

/* ---- the header watchdog on its own (socket pairs, no server) ------------ */

START_TEST(test_watch_cuts_only_late_headers)
{
    int a[2], b[2], c[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, c), 0);
    hdrwatch *w = hdrwatch_start(300);
    ck_assert_ptr_nonnull(w);
    hdrwatch_conn *ca = hdrwatch_open(w, a[0]);   /* never sends its headers */
    hdrwatch_conn *cb = hdrwatch_open(w, b[0]);   /* headers arrive at once */
    hdrwatch_conn *cc = hdrwatch_open(w, c[0]);   /* left registered: freed with the watch */
    ck_assert_ptr_nonnull(ca);
    ck_assert_ptr_nonnull(cb);
    ck_assert_ptr_nonnull(cc);
    hdrwatch_headers_done(w, cb);
    double t0 = mono_s();
    int closed = peer_closed(a[1], 5000);
    double took = mono_s() - t0;
    ck_assert_msg(closed == 1, "the late connection was not cut");
    ck_assert_msg(took >= 0.2 && took < 4.0, "cut after %.2f s, deadline 0.3 s", took);
    /* the connection inside a request is left alone, however long it takes */
    ck_assert_int_eq(peer_closed(b[1], 600), 0);
    ck_assert_int_eq(hdrwatch_cut_count(w), 2);   /* a and c */
    /* its request done, its next headers are due within the deadline */
    hdrwatch_request_done(w, cb);
    ck_assert_int_eq(peer_closed(b[1], 5000), 1);
    ck_assert_int_eq(hdrwatch_cut_count(w), 3);
    hdrwatch_close(w, ca);
    hdrwatch_close(w, cb);
    hdrwatch_stop(w);
    hdrwatch_stop(w);                 /* twice is harmless */
    hdrwatch_free(w);                 /* frees cc too (ASan's leak check) */
    for (int i = 0; i < 2; i++) {
        close(a[i]);
        close(b[i]);
        close(c[i]);
    }
    /* NULL everywhere is a no-op: the server passes NULL when the watch is off */
    ck_assert_ptr_null(hdrwatch_start(0));
    ck_assert_ptr_null(hdrwatch_open(NULL, 3));
    hdrwatch_headers_done(NULL, NULL);
    hdrwatch_request_done(NULL, NULL);
    hdrwatch_close(NULL, NULL);
    hdrwatch_free(NULL);
}
END_TEST

/* ---- against the server ----------------------------------------------------- */

/* Reads one response on a keep-alive connection (headers, then
 * Content-Length bytes); its status, or 0 when the connection ended first. */
static int read_response(int fd)
{
    char buf[8192];
    size_t n = 0;
    char *end = NULL;
    while (!end) {
        if (n == sizeof buf - 1)
            return 0;
        ssize_t r = recv(fd, buf + n, sizeof buf - 1 - n, 0);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = 0;
    if (sscanf(buf, "HTTP/1.1 %d", &status) != 1)
        return 0;
    const char *cl = strstr(buf, "\r\nContent-Length:"); /* as libmicrohttpd spells it */
    size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
    size_t have = n - (size_t)(end + 4 - buf);
    while (have < want) {
        ssize_t r = recv(fd, buf, sizeof buf < want - have ? sizeof buf : want - have, 0);
        if (r <= 0)
            return 0;
        have += (size_t)r;
    }
    return status;
}

START_TEST(test_dribbling_headers_are_cut)
{
    tl_server_stop();
    tl_env.cfg.header_timeout_s = 2;
    tl_env.cfg.timeout_s = 30;
    tl_server_start();
    int fd = connect_server();
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    /* one byte every 250 ms, each well within the 30 s idle timeout */
    double t0 = mono_s(), last_served = 0;
    int closed = 0, served = 0;
    while (!closed && mono_s() - t0 < 20) {
        send(fd, "a", 1, MSG_NOSIGNAL);
        closed = peer_closed(fd, 250);
        if (mono_s() - last_served > 1) {  /* meanwhile another client is served */
            json_decref(tl_get("/healthz", 200));
            served++;
            last_served = mono_s();
        }
    }
    double took = mono_s() - t0;
    ck_assert_msg(closed == 1, "the dribbling client was not cut (%d after %.1f s)", closed, took);
    ck_assert_msg(took >= 1.5 && took < 15, "cut after %.1f s with a 2 s deadline", took);
    ck_assert_int_ge(served, 1);
    close(fd);
    json_decref(tl_get("/healthz", 200));   /* the service still serves */
}
END_TEST

START_TEST(test_keepalive_is_not_cut)
{
    tl_server_stop();
    tl_env.cfg.header_timeout_s = 2;
    tl_server_start();
    int fd = connect_server();
    /* 6 requests 0.7 s apart: 4 s on one connection, twice the deadline,
     * which starts again after each request */
    for (int i = 0; i < 6; i++) {
        send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        ck_assert_msg(read_response(fd) == 200, "request %d on the kept-alive connection", i);
        sleep_ms(700);
    }
    close(fd);
}
END_TEST

START_TEST(test_slow_complete_headers_are_served)
{
    tl_server_stop();
    tl_env.cfg.header_timeout_s = 4;
    tl_server_start();
    static const char *const parts[] = { "GET /heal", "thz HTTP/1.1\r\n", "Host: x\r\n",
                                         "Accept: application/json\r\n", "X-A: b",
                                         "\r\n", "\r\n" };
    int fd = connect_server();
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        send_all(fd, parts[i]);
        sleep_ms(150);   /* about 1 s in all, within the 4 s deadline */
    }
    ck_assert_int_eq(read_response(fd), 200);
    close(fd);
}
END_TEST

START_TEST(test_slow_body_after_headers_is_not_cut)
{
    tl_server_stop();
    tl_env.cfg.header_timeout_s = 1;
    tl_server_start();
    static const char rec[] =
        "{\"code\":\"SLOW-1\",\"agency_code\":\"A\",\"procedure_code\":\"P\","
        "\"channel\":\"online\",\"status\":\"received\",\"received_at\":\"2024-03-01\"}\n";
    char head[512];
    snprintf(head, sizeof head,
             "POST /v1/dossiers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
             "Content-Type: application/x-ndjson\r\nContent-Length: %zu\r\n\r\n",
             tl_env.key, sizeof rec - 1);
    int fd = connect_server();
    send_all(fd, head);
    /* the headers are complete: the body may take longer than the header
     * deadline (MOTCUA_REQUEST_TIMEOUT governs it) */
    size_t half = (sizeof rec - 1) / 2;
    char first[sizeof rec];
    memcpy(first, rec, half);
    first[half] = '\0';
    sleep_ms(1500);
    send_all(fd, first);
    sleep_ms(1500);
    send_all(fd, rec + half);
    ck_assert_int_eq(read_response(fd), 200);
    close(fd);
    ck_assert_int_eq(tl_sql_long("SELECT count(*) FROM dossier WHERE code = 'SLOW-1'"), 1);
}
END_TEST

START_TEST(test_header_deadline_off)
{
    tl_server_stop();
    tl_env.cfg.header_timeout_s = 0;
    tl_env.cfg.timeout_s = 30;
    tl_server_start();
    int fd = connect_server();
    send_all(fd, "GET /healthz HTTP/1.1\r\nHost: x\r\n");
    /* with the deadline off, only the idle timeout applies: 3 s of dribbling
     * is not cut */
    for (int i = 0; i < 12; i++) {
        send(fd, "X", 1, MSG_NOSIGNAL);
        ck_assert_int_eq(peer_closed(fd, 250), 0);
    }
    send_all(fd, ": y\r\n\r\n");
    ck_assert_int_eq(read_response(fd), 200);
    close(fd);
}
END_TEST

Suite *make_limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("slow clients");
    tcase_add_checked_fixture(tc, tl_setup, tl_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_trickling_body_is_cut);
    tcase_add_test(tc, test_dribbling_headers_are_cut);
    tcase_add_test(tc, test_keepalive_is_not_cut);
    tcase_add_test(tc, test_slow_complete_headers_are_served);
    tcase_add_test(tc, test_slow_body_after_headers_is_not_cut);
    tcase_add_test(tc, test_header_deadline_off);
    suite_add_tcase(s, tc);
    TCase *tw = tcase_create("header watchdog");
    tcase_set_timeout(tw, 30);
    tcase_add_test(tw, test_watch_cuts_only_late_headers);
    suite_add_tcase(s, tw);
    return s;
}
