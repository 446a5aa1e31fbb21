/* check_metrics.c - unit tests for runtime/counters.h and runtime/metrics.h:
 * the status of each kind of request, the exact Prometheus text of a small
 * table (slots of one series summed, label values escaped), /health's answers,
 * /metrics.json's exact text, GET / serving the page, --stats deltas, and
 * --metrics on the command line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

static RGP_ATOMIC(uint64_t) slots[8];

static const rgp_component comps[] = {
    {"src", "source", "file"},
    {"odd\"name", "stage", "where"},
    {"out", "sink", "stdout"},
};
static const rgp_counter table_counters[] = {
    {RGP_M_RECEIVED_RECORDS, 0, -1, NULL, &slots[0]},
    {RGP_M_DISCARDED, 0, RGP_LOSS_REJECTED, NULL, &slots[1]},
    {RGP_M_STATE, 0, -1, NULL, &slots[2]},
    {RGP_M_RECEIVED_RECORDS, 1, -1, NULL, &slots[3]},
    {RGP_M_RECEIVED_RECORDS, 1, -1, NULL, &slots[4]},   /* a second thread's share of the same series */
    {RGP_M_ERRORS, 2, -1, "write_error", &slots[5]},
};
static const rgp_counters table = {"p", comps, 3, table_counters, 6};

static rgp_metrics_server server;   /* no socket: only what it says */

static void reset(void)
{
    for (int i = 0; i < 8; i++) rgp_store_relaxed_u64(&slots[i], 0);
    memset(&server, 0, sizeof server);
    server.t = &table;
    rgp_store_relaxed_u32(&rgp_stop, 0);
}

/* The response to one request head, as the client would read it. */
static const char *answer(const char *req)
{
    static rgp__mclient cl;
    free(cl.out.p);
    memset(&cl, 0, sizeof cl);
    size_t n = strlen(req);
    ck_assert(n < sizeof cl.req);
    memcpy(cl.req, req, n);
    rgp__metrics_handle(&server, &cl, n);
    rgp__mbuf_printf(&cl.out, "%s", "");   /* a NUL after the bytes */
    return cl.out.p;
}

static int status_of(const char *req)
{
    const char *a = answer(req);
    return strncmp(a, "HTTP/1.1 ", 9) ? -1 : atoi(a + 9);
}

START_TEST(test_request_status)
{
    static const struct { const char *req; int status; } cases[] = {
        {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200},
        {"GET /metrics?x=1 HTTP/1.1\r\nHost: x\r\n\r\n", 200},
        {"GET /health HTTP/1.0\r\n\r\n", 200},           /* 1.0 needs no Host */
        {"GET /metrics HTTP/1.1\r\n\r\n", 400},           /* 1.1 does */
        {"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 404},
        {"GET /metricsx HTTP/1.1\r\nHost: x\r\n\r\n", 404},
        {"POST /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405},
        {"HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n", 405},
        {"get /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET /metrics HTTP/2.0\r\nHost: x\r\n\r\n", 400},
        {"GET /metrics\r\nHost: x\r\n\r\n", 400},
        {"GET /metrics HTTP/1.1\r\nno colon here\r\n\r\n", 400},
        {"hello\r\n\r\n", 400},
    };
    reset();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        ck_assert_msg(status_of(cases[i].req) == cases[i].status, "%s: %d, want %d", cases[i].req, status_of(cases[i].req),
                      cases[i].status);
    ck_assert(strstr(answer("DELETE /metrics HTTP/1.1\r\nHost: x\r\n\r\n"), "\r\nAllow: GET\r\n"));
}
END_TEST

START_TEST(test_prometheus_text)
{
    reset();
    rgp_store_relaxed_u64(&slots[0], 12);
    rgp_store_relaxed_u64(&slots[1], 2);
    rgp_store_relaxed_u64(&slots[3], 4);
    rgp_store_relaxed_u64(&slots[4], 6);
    rgp__mbuf b = {0};
    rgp__metrics_text(&server, &b);
    rgp__mbuf_printf(&b, "%s", "");
    ck_assert(strstr(b.p, "# TYPE rgp_component_received_records_total counter\n"
                          "rgp_component_received_records_total{pipeline=\"p\",component_id=\"src\",component_kind=\"source\","
                          "component_type=\"file\"} 12\n"
                          "rgp_component_received_records_total{pipeline=\"p\",component_id=\"odd\\\"name\",component_kind=\"stage\","
                          "component_type=\"where\"} 10\n# HELP "));
    ck_assert(strstr(b.p, "rgp_component_discarded_records_total{pipeline=\"p\",component_id=\"src\",component_kind=\"source\","
                          "component_type=\"file\",reason=\"rejected\"} 2\n"));
    ck_assert(strstr(b.p, ",error_type=\"write_error\"} 0\n"));
    ck_assert(!strstr(b.p, "(null)"));   /* the state is no family */
    free(b.p);
    const char *a = answer("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert(strstr(a, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    ck_assert(strstr(a, "\r\nConnection: close\r\n\r\n# HELP rgp_component_received_records_total "));
}
END_TEST

START_TEST(test_metrics_json)
{
    reset();
    rgp_store_relaxed_u64(&slots[0], 12);
    rgp_store_relaxed_u64(&slots[1], 2);
    rgp_store_relaxed_u64(&slots[2], RGP_SOURCE_ENDED);
    rgp_store_relaxed_u64(&slots[3], 4);
    rgp_store_relaxed_u64(&slots[4], 6);
    const char *a = answer("GET /metrics.json HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert(strstr(a, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"));
    a = strstr(a, "\r\n\r\n");
    ck_assert_str_eq(a + 4, "{\"pipeline\":\"p\",\"components\":["
                            "\n{\"id\":\"src\",\"kind\":\"source\",\"type\":\"file\",\"received_records\":12,"
                            "\"discarded\":{\"rejected\":2},\"state\":\"ended\"},"
                            "\n{\"id\":\"odd\\\"name\",\"kind\":\"stage\",\"type\":\"where\",\"received_records\":10},"
                            "\n{\"id\":\"out\",\"kind\":\"sink\",\"type\":\"stdout\",\"errors\":{\"write_error\":0}}],"
                            "\n\"rings\":[]}\n");
}
END_TEST

START_TEST(test_status_page)
{
    reset();
    ck_assert_int_eq(status_of("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 404);   /* no page: nothing at / */
    server.page = "<!DOCTYPE html><p>hi</p>\n";
    const char *a = answer("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert(strstr(a, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 25\r\n"));
    ck_assert(strstr(a, "\r\n\r\n<!DOCTYPE html><p>hi</p>\n"));
    ck_assert_int_eq(status_of("GET /?x HTTP/1.1\r\nHost: x\r\n\r\n"), 200);
    ck_assert_int_eq(status_of("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    ck_assert_int_eq(status_of("GET /metrics.jsonx HTTP/1.1\r\nHost: x\r\n\r\n"), 404);
    ck_assert_int_eq(status_of("POST / HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
    ck_assert_int_eq(status_of("PUT /metrics.json HTTP/1.1\r\nHost: x\r\n\r\n"), 405);
}
END_TEST

START_TEST(test_health)
{
    reset();
    const char *a = answer("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert(strstr(a, "HTTP/1.1 200 OK\r\n") && strstr(a, "\r\n\r\n{\"status\":\"ok\"}\n"));
    rgp_store_relaxed_u64(&slots[2], RGP_SOURCE_ENDED);
    a = answer("GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    ck_assert(strstr(a, "HTTP/1.1 503 Service Unavailable\r\n"));
    ck_assert(strstr(a, "\r\n\r\n{\"status\":\"draining\",\"reason\":\"source 'src' has ended\"}\n"));
    rgp_store_relaxed_u64(&slots[2], RGP_SOURCE_LIVE);
    rgp_store_relaxed_u64(&slots[5], 1);
    ck_assert(strstr(answer("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
                     "{\"status\":\"failed\",\"reason\":\"sink 'out' could not be written\"}\n"));
    rgp_store_relaxed_u64(&slots[5], 0);
    rgp_store_relaxed_u32(&rgp_stop, SIGTERM);
    ck_assert(strstr(answer("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
                     "{\"status\":\"draining\",\"reason\":\"stopping: SIGTERM\"}\n"));
    rgp_store_relaxed_u32(&rgp_stop, 0);
}
END_TEST

START_TEST(test_stats_deltas)
{
    reset();
    uint64_t prev[9] = {0};
    char buf[2048];
    FILE *f = fmemopen(buf, sizeof buf, "w");
    rgp_store_relaxed_u64(&slots[0], 5);
    rgp_counters_print_stats(f, "p", &table, prev);
    rgp_store_relaxed_u64(&slots[0], 8);
    rgp_store_relaxed_u64(&slots[1], 1);
    rgp_counters_print_stats(f, "p", &table, prev);
    fclose(f);
    ck_assert(strstr(buf, "p: stats: source src              in          5  out          0  dropped 0\n"));
    ck_assert(strstr(buf, "p: stats: source src              in          3  out          0  dropped 1\n"));
}
END_TEST

START_TEST(test_metrics_argument)
{
    static const struct { const char *arg, *next; int rc; const char *addr; } cases[] = {
        {"--metrics", "127.0.0.1:9598", 0, "127.0.0.1:9598"},
        {"--metrics=[::1]:80", NULL, 0, "[::1]:80"},
        {"--metrics=:9598", NULL, 0, ":9598"},
        {"--metrics", NULL, -1, NULL},
        {"--metrics=localhost", NULL, -1, NULL},
        {"--metrics=h:0", NULL, -1, NULL},
        {"--metrics=h:65536", NULL, -1, NULL},
        {"--metrics=h:1x", NULL, -1, NULL},
    };
    rgp_endpoint eps[] = {{.name = "src", .path = "-", .display = "stdin", .format = "csv(R)"}};
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[] = {"p", (char *)cases[i].arg, (char *)cases[i].next, NULL};
        rgp_metrics_addr = NULL;
        int rc = rgp_parse_args("p", "p.rgp", cases[i].next ? 3 : 2, argv, eps, 1);
        ck_assert_msg(rc == cases[i].rc, "%s: %d", cases[i].arg, rc);
        if (!rc) ck_assert_str_eq(rgp_metrics_addr, cases[i].addr);
    }
    fclose(stderr);
    stderr = saved;
    rgp_metrics_addr = NULL;
}
END_TEST

Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    tcase_add_test(tc, test_request_status);
    tcase_add_test(tc, test_prometheus_text);
    tcase_add_test(tc, test_metrics_json);
    tcase_add_test(tc, test_status_page);
    tcase_add_test(tc, test_health);
    tcase_add_test(tc, test_stats_deltas);
    tcase_add_test(tc, test_metrics_argument);
    suite_add_tcase(s, tc);
    return s;
}
