/* nats(...) in the generated C: libnats is named (linked, included) only by a
 * program that uses it; the drain of a nats source waits for every reader
 * downstream, ring by ring, upstream first, through a fan-out and a merge; a
 * sink's subject is built from the record's fields; and gcc takes the whole
 * standalone text with warnings as errors (where libnats-dev is installed). */
#include <check.h>
#include <stdlib.h>
#include <unistd.h>
#include "check_util.h"
#include "emit.h"

static char *nats_text(const char *src, bool standalone)
{
    compilation c;
    char errs[2048];
    ck_assert_msg(compile_capture(&c, src, errs, sizeof errs) == 0, "%s", errs);
    emit_options o = {.line_directives = true, .standalone = standalone};
    const char *c_name;
    char *text = emit_program(c.plan, &o, &c_name);
    driver_free(&c);
    return text;
}

#define SCHEMA_E "schema E { key: str, seq: u64, ok: bool }\n" \
                 "source e = nats(\"nats://127.0.0.1:4222\", stream: \"EVENTS\", subject: \"ev.>\", idle: 2 s) as jsonl(E)\n"

static const char *fanned =
    SCHEMA_E
    "stage a = e | where ok with { thread: own }\n"
    "stage b = e | where not ok with { thread: own }\n"
    "stage both = merge(a, b) | select { key, seq }\n"
    "sink out = file(\"out.jsonl\") as jsonl <- both with { thread: own }\n"
    "sink alerts = nats(\"nats://127.0.0.1:4222\", subject: \"alerts.{key}.s{seq}\") as jsonl <- a\n";

/* Where in text s first occurs, or fails. */
static const char *at(const char *text, const char *s)
{
    const char *p = strstr(text, s);
    ck_assert_msg(p != NULL, "missing: %s", s);
    return p;
}

START_TEST(test_links_only_when_used)
{
    char *text = nats_text(fanned, false);
    ck_assert_msg(!strncmp(text, "// rgp-link: nats\n", 18), "the first line names libnats: %.40s", text);
    at(text, "#include <nats/nats.h>");
    free(text);
    text = nats_text(SCHEMA_R "sink o = stdout as csv <- src\n", true);
    ck_assert_ptr_null(strstr(text, "rgp-link: nats"));
    ck_assert_ptr_null(strstr(text, "nats.h"));
    ck_assert_ptr_null(strstr(text, "rgp_drain"));
    ck_assert_ptr_null(strstr(text, "done_"));
    free(text);
}
END_TEST

START_TEST(test_drain_walks_downstream)
{
    char *text = nats_text(fanned, false);
    const char *f = at(text, "static int drain_e(uint64_t end_e)");
    /* ring e's readers first, then the merge's ring as they left it, then its reader */
    const char *wa = at(f, "if (!rgp_drain_wait(&done_a_run, end_e)) return 0;");
    const char *wb = at(f, "if (!rgp_drain_wait(&done_b_run, end_e)) return 0;");
    const char *pub = at(f, "uint64_t end_both = rgp_drain_published(&ring_both);");
    const char *wo = at(f, "if (!rgp_drain_wait(&done_out_run, end_both)) return 0;");
    ck_assert(wa < pub && wb < pub && pub < wo);
    /* every reader says when it is done: before it waits, after its flush; at a batch end when asked */
    at(text, "rgp_drain_done(&done_out_run, next);");
    at(text, "if (rgp_drain_wanted()) {");
    at(text, "rgp_drain_done(&done_a_run, end);");
    /* the source acks after the drain, and at exit after the sinks */
    const char *d = at(text, "int drained = drain_e(published);");
    ck_assert(at(d, "rgp_nats_source_ack(&nats_e, drained);") > d);
    const char *sc = at(text, "rgp_nats_sink_close(&natss_alerts, &writers[");
    ck_assert(at(sc, "rgp_nats_source_close(&nats_e, &stats_e, !rgp_load_acquire_u32(&rgp_failed));") > sc);
    free(text);
}
END_TEST

/* A filter the parser applies in place: the drain starts at the ring it fills. */
START_TEST(test_drain_after_filter_in_parser)
{
    char *text = nats_text(SCHEMA_E "stage a = e | where ok\n"
                                    "sink out = file(\"out.jsonl\") as jsonl <- a\n", false);
    const char *f = at(text, "static int drain_e(uint64_t end_a)");
    at(f, "if (!rgp_drain_wait(&done_out_run, end_a)) return 0;");
    at(text, "rgp_disruptor *ring = &ring_a;");
    free(text);
}
END_TEST

START_TEST(test_sink_subject)
{
    char *text = nats_text(fanned, false);
    const char *b = at(text, "rgp_nats_subject_begin(&natss_alerts);");
    const char *t1 = at(b, "rgp_nats_subj_text(&natss_alerts, \"alerts.\", 7);");
    const char *k = at(b, "rgp_nats_subj_str(&natss_alerts, ");
    const char *t2 = at(b, "rgp_nats_subj_text(&natss_alerts, \".s\", 2);");
    const char *s = at(b, "rgp_nats_subj_u64(&natss_alerts, ");
    const char *w = at(b, "write_rec_");
    const char *put = at(b, "rgp_nats_sink_put(&natss_alerts, sink_w[");
    ck_assert(t1 < k && k < t2 && t2 < s && s < w && w < put);
    /* its thread waits for the publish acks before it waits for input */
    at(text, "rgp_nats_sink_flush(&natss_alerts, sink_w[");
    free(text);
}
END_TEST

/* partition: I of partitions: N: the consumer reads PREFIX.I.> as DURABLE-pI;
 * from env(...), the variable is checked at start-up before the open. */
START_TEST(test_partitions)
{
    const char *fixed = "schema E { key: str }\n"
                        "source e = nats(\"nats://127.0.0.1:4222\", stream: \"EV\", subject: \"ev.>\", partition: 2, partitions: 3) as jsonl(E)\n"
                        "sink o = stdout as jsonl <- e\n";
    char *text = nats_text(fixed, false);
    at(text, "\"EV\", \"ev.>\", \"e\", 0, 30000, 2, 3) != 0) return 1;");
    free(text);
    const char *from_env = "schema E { key: str }\n"
                           "source e = nats(\"nats://127.0.0.1:4222\", stream: \"EV\", subject: \"ev.>\", partition: env(\"P\"), partitions: 4) as jsonl(E)\n"
                           "sink o = stdout as jsonl <- e\n";
    text = nats_text(from_env, false);
    const char *rd = at(text, "rgp_env_read(RGP_PROGRAM, \"P\", NULL, ");
    const char *chk = at(text, "rgp_nats_partition_env(RGP_PROGRAM, &endpoints[0], env_0, \"P\", 4, &partition_e) != 0) return 1;");
    const char *open = at(text, "\"e\", 0, 30000, partition_e, 4) != 0) return 1;");
    ck_assert(rd < chk && chk < open);
    free(text);
}
END_TEST

START_TEST(test_partition_errors)
{
    static const struct { const char *opts, *want; } cases[] = {
        {"subject: \"ev.>\", partition: 3, partitions: 3", ":2:84: error: partition 3 is not below partitions: 3"},
        {"subject: \"ev.>\", partition: 1", ":2:73: error: 'partition' and 'partitions' come together"},
        {"subject: \"ev.>\", partitions: 2", ":2:12: error: 'partition' and 'partitions' come together"},
        {"subject: \"ev.*\", partition: 0, partitions: 2", ":2:65: error: a partitioned nats source needs subject: \"PREFIX.>\""},
        {"subject: \"ev.>\", partition: 0, partitions: 0", ":2:99: error: 'partitions' takes how many partitions"},
        {"subject: \"ev.>\", partition: \"1\", partitions: 2", ":2:84: error: 'partition' takes this process's partition"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char src[512], errs[2048];
        snprintf(src, sizeof src, "schema E { key: str }\nsource e = nats(\"nats://127.0.0.1:4222\", stream: \"EV\", %s) as jsonl(E)\n"
                 "sink o = stdout as jsonl <- e\n", cases[i].opts);
        compilation c;
        ck_assert_int_ne(compile_capture(&c, src, errs, sizeof errs), 0);
        ck_assert_msg(strstr(errs, cases[i].want) != NULL, "case %zu: want %s, got %s", i, cases[i].want, errs);
        driver_free(&c);
    }
}
END_TEST

START_TEST(test_standalone_compiles_cleanly)
{
    if (access("/usr/include/nats/nats.h", R_OK) != 0) return;   /* libnats-dev: a test dependency (scripts/deps.sh test) */
    char *text = nats_text(fanned, true);
    FILE *cc = popen("cc -std=c11 -Wall -Wextra -Werror -Wno-unused-function -fsyntax-only -x c - 2>&1", "w");
    ck_assert_ptr_nonnull(cc);
    fputs(text, cc);
    ck_assert_int_eq(pclose(cc), 0);
    free(text);
}
END_TEST

Suite *nats_suite(void)
{
    Suite *s = suite_create("nats");
    TCase *tc = tcase_create("emit");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_links_only_when_used);
    tcase_add_test(tc, test_drain_walks_downstream);
    tcase_add_test(tc, test_drain_after_filter_in_parser);
    tcase_add_test(tc, test_sink_subject);
    tcase_add_test(tc, test_partitions);
    tcase_add_test(tc, test_partition_errors);
    tcase_add_test(tc, test_standalone_compiles_cleanly);
    suite_add_tcase(s, tc);
    return s;
}
