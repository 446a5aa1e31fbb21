/* check_net.c - unit tests for runtime/net.h and net_sink.h: one frame as a
 * csv row (a table of rows, good and bad), where a sink finds the end of a
 * record's text (csv quotes hold newlines), and a tcp source on a loopback
 * port read by next/wait as the parse thread does: three clients whose
 * frames come out in each one's order, a partial frame counted. */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "net.h"

typedef struct csv_frame_case {
    const char *in;
    const char *fields;   /* joined by '|'; NULL: rejected */
    const char *why;
} csv_frame_case;

static const csv_frame_case csv_cases[] = {
    {"1,abc,2.5", "1|abc|2.5", NULL},
    {"", "", NULL},
    {",,", "||", NULL},
    {"\"a,b\",c", "a,b|c", NULL},
    {"\"say \"\"hi\"\"\",x", "say \"hi\"|x", NULL},
    {"\"two\nlines\"", "two\nlines", NULL},
    {"\"\"", "", NULL},
    {"\"open", NULL, "a quoted field is not closed"},
    {"\"a\"b,c", NULL, "a quoted field goes on after its closing quote"},
    {"a\"b,c", NULL, "a quote inside a field that does not start with one"},
    {"x,\"y", NULL, "a quoted field is not closed"},
};

START_TEST(test_csv_frame)
{
    const csv_frame_case *c = &csv_cases[_i];
    char buf[64], got[128] = "";
    size_t n = strlen(c->in);
    memcpy(buf, c->in, n);
    rgp_str f[8];
    int nf = -1;
    const char *why = NULL;
    int rc = rgp_csv_frame((rgp_str){buf, n}, ',', f, 8, &nf, &why);
    if (!c->fields) {
        ck_assert_int_eq(rc, RGP_ROW_BAD);
        ck_assert_str_eq(why, c->why);
        return;
    }
    ck_assert_int_eq(rc, RGP_ROW_OK);
    for (int i = 0; i < nf; i++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.*s", i ? "|" : "", (int)f[i].len, f[i].ptr);
    ck_assert_str_eq(got, c->fields);
}
END_TEST

START_TEST(test_sink_text_end)
{
    ck_assert_uint_eq(rgp__ns_text_end(0, "{\"a\":\"x\\\"y\"}\nnext\n", 18), 13);
    ck_assert_uint_eq(rgp__ns_text_end(1, "1,\"a\nb\",2\n3\n", 12), 10);
    ck_assert_uint_eq(rgp__ns_text_end(1, "1,\"say \"\"hi\"\"\"\n", 15), 15);
    ck_assert_uint_eq(rgp__ns_text_end(1, "no end", 6), 6);
}
END_TEST

/* A client of the loopback source: its lines "C:I\n" for I in 1..n, in small writes, then tail. */
typedef struct client_arg { int port, id, n; const char *tail; } client_arg;

static void *client(void *p)
{
    client_arg *a = p;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)a->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) return NULL;
    char line[32];
    for (int i = 1; i <= a->n; i++) {
        int k = snprintf(line, sizeof line, "%d:%d\n", a->id, i);
        if (write(fd, line, (size_t)k) != k) break;
    }
    if (a->tail && write(fd, a->tail, strlen(a->tail)) < 0) {}
    close(fd);
    return NULL;
}

START_TEST(test_tcp_source_loopback)
{
    rgp_endpoint ep = {.name = "s", .path = "127.0.0.1:0", .display = "127.0.0.1:0", .where = "t.rgp:1:1"};
    rgp_net_source ns;
    ck_assert_int_eq(rgp_net_source_open("t", &ep, &ns, 0, RGP_FRAMING_NEWLINE, 64, 3), 0);
    struct sockaddr_in me;
    socklen_t ml = sizeof me;
    ck_assert_int_eq(getsockname(ns.fd, (struct sockaddr *)&me, &ml), 0);
    client_arg args[3] = {{ntohs(me.sin_port), 1, 3000, NULL}, {ntohs(me.sin_port), 2, 3000, "2:cut"},
                          {ntohs(me.sin_port), 3, 3000, NULL}};
    pthread_t t[3];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], NULL, client, &args[i]);
    rgp_source_stats st = {.prog = "t", .name = "s", .display = ep.display};
    int last[4] = {0}, bad_order = 0, rc;
    rgp_str text;
    uint64_t line;
    for (int rounds = 0; rounds < 100000; rounds++) {
        rc = rgp_net_source_next(&ns, &st, &text, &line);
        if (rc == RGP_ROW_EOF) break;
        if (rc == RGP_ROW_NEED_INPUT) {
            ck_assert_int_eq(rgp_net_source_wait(&ns), 0);
            continue;
        }
        int c = 0, i = 0;
        ck_assert_int_eq(sscanf(text.ptr, "%d:%d", &c, &i), 2);
        ck_assert(c >= 1 && c <= 3);
        bad_order += i != last[c] + 1;
        last[c] = i;
        ck_assert_uint_eq(line, (uint64_t)i);   /* its number in its connection */
    }
    for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
    ck_assert_int_eq(rc, RGP_ROW_EOF);
    ck_assert_int_eq(bad_order, 0);
    ck_assert_int_eq(last[1], 3000);
    ck_assert_int_eq(last[2], 3000);
    ck_assert_int_eq(last[3], 3000);
    ck_assert_uint_eq(st.rejected, 1);   /* client 2's "2:cut" at the close */
    rgp_net_source_close(&ns, &st);
}
END_TEST

Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_add_loop_test(tc, test_csv_frame, 0, (int)(sizeof csv_cases / sizeof csv_cases[0]));
    tcase_add_test(tc, test_sink_text_end);
    tcase_add_test(tc, test_tcp_source_loopback);
    tcase_set_timeout(tc, 20);
    suite_add_tcase(s, tc);
    return s;
}
