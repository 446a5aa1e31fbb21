/* Emitter tests: the shape of the generated C, its #line directives, and that
 * gcc accepts the standalone text with warnings as errors. */
#include <check.h>
#include <stdlib.h>
#include "check_util.h"
#include <unistd.h>
#include "emit.h"
#include "jit.h"
#include "jit_runtime.h"
#include <stdint.h>
#include <stdio.h>

/* A growing string for the test's program text. */
typedef struct sbuf_t { char *s; size_t len; } sbuf_t;
static void text_add(sbuf_t *b, const char *t)
{
    size_t n = strlen(t);
    b->s = realloc(b->s, b->len + n + 1);
    memcpy(b->s + b->len, t, n + 1);
    b->len += n;
}

static const char *pipeline =
    SCHEMA_R
    "stage hot = src | where v > 80.0 and id != 3\n"
    "    | select { id, over: v - 80.0, s, twice: small * 2, late: t + 1000, q: n / 0 }\n"
    "sink o = stdout as csv <- hot with { thread: own }\n"
    "sink j = file(\"out.jsonl\") as jsonl <- hot\n";

static char *emit_text(const char *src, bool lines, bool standalone)
{
    compilation c;
    char errs[2048];
    ck_assert_msg(compile_capture(&c, src, errs, sizeof errs) == 0, "%s", errs);
    emit_options o = {.line_directives = lines, .standalone = standalone};
    const char *c_name;
    char *text = emit_program(c.plan, &o, &c_name);
    ck_assert_str_eq(c_name, "t.c");
    driver_free(&c);
    return text;
}

START_TEST(test_shape)
{
    char *text = emit_text(pipeline, true, false);
    static const char *const must[] = {
        "typedef struct rec_R {", "typedef struct rec_hot {", "static int parse_R_csv(",
        "static void *thread_src_parse(void *arg)", "static void *thread_hot_run(void *arg)",
        "static void *thread_o_run(void *arg)", "static rgp_disruptor ring_hot;", "rgp_sp_try_claim(&ring_hot, 1, &seq)",
        "/* stage hot (t.rgp:3) */", "/* sink o (t.rgp:5) */", "write_rec_hot_csv(sink_w[1]",
        "write_rec_hot_jsonl(sink_w[2]", "#line 3 \"t.rgp\"", "rgp_div_i64(in->n, INT64_C(0))",
        "rgp_mul_i32(in->small, 2)", "#include \"rgp_runtime.h\"", "\"/data/out.jsonl\"",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(text, must[i]) != NULL, "missing: %s", must[i]);
    ck_assert_msg(strstr(text, "switch") == NULL, "no opcode switch in generated code");
    free(text);
}
END_TEST

/* Every `#line N "t.c"` must name the line that follows it. */
START_TEST(test_line_directives_point_back)
{
    char *text = emit_text(pipeline, true, false);
    int line = 1, checked = 0;
    for (char *p = text; *p; p++) {
        if ((p == text || p[-1] == '\n') && !strncmp(p, "#line ", 6)) {
            int n;
            char file[64];
            if (sscanf(p, "#line %d \"%63[^\"]\"", &n, file) == 2 && !strcmp(file, "t.c")) {
                ck_assert_int_eq(n, line + 1);
                checked++;
            }
        }
        if (*p == '\n') line++;
    }
    ck_assert_int_gt(checked, 0);
    free(text);
    text = emit_text(pipeline, false, false);
    ck_assert_ptr_null(strstr(text, "#line"));
    free(text);
}
END_TEST

START_TEST(test_standalone_compiles_cleanly)
{
    char *text = emit_text(pipeline, true, true);
    ck_assert_ptr_null(strstr(text, "#include \"rgp_runtime.h\""));
    FILE *cc = popen("cc -std=c11 -Wall -Wextra -Werror -Wno-unused-function -fsyntax-only -x c - 2>&1", "w");
    ck_assert_ptr_nonnull(cc);
    fputs(text, cc);
    ck_assert_int_eq(pclose(cc), 0);
    free(text);
}
END_TEST

/* Windows over merges: per-input watermarks, lanes passed through a merge of a
 * merge and a fan-out ring, idle inputs, ahead, late streams, drop_oldest
 * readers skipping end markers; gcc takes it with warnings as errors. */
static const char *merged =
    SCHEMA_R
    "source west = file(\"w.csv\") as csv(R) with { idle: 2 s }\n"
    "source east = file(\"e.csv\") as csv(R)\n"
    "stage two = merge(src, west)\n"
    "stage three = merge(two, east) | where id != 0\n"
    "stage fan = three | select { id, s, t }\n"
    "stage per = fan | window t every 10 s ahead 1 h late odd by s { n: count() }\n"
    "stage odd_n = odd | window t gap 1 m { n: count() }\n"
    "stage slid = three | window t every 10 s slide 5 s lateness 1 s by id { n: count() }\n"
    "sink a = file(\"a.csv\") as csv <- per\n"
    "sink b = file(\"b.csv\") as csv <- odd_n\n"
    "sink c = file(\"c.csv\") as csv <- slid\n"
    "sink d = file(\"d.csv\") as csv <- fan with { policy: drop_oldest(64) }\n"
    "stage lim = three | throttle 5 every 1 s by s on t\n"
    "sink l = file(\"l.csv\") as csv <- lim\n";

START_TEST(test_merged_windows)
{
    char *text = emit_text(merged, true, true);
    static const char *const must[] = {
        "static uint32_t *lanes_two;", "static uint32_t *lanes_three;", "static uint32_t *lanes_fan;",
        "lanes_three = calloc(4096, sizeof *lanes_three)",
        "static int64_t window_per_0_lane_max[3] = {INT64_MIN, INT64_MIN, INT64_MIN};",
        "static const int64_t window_per_0_lane_idle[3] = {INT64_C(0), INT64_C(0), INT64_C(2000)};",   /* lanes: east, src, west */
        "static int64_t window_odd_n_0_lane_max[3]", "static int64_t window_slid_0_lane_max[3]",
        "window_per_0_idle_due(rgp_now_ms())", "markers_d_run++;", "rgp_consumer_dropped(cons_d_run) - (",
        "rgp_time_reached(ts, window_per_0_lane_max[lane], INT64_C(3600001))",
        "static void throttle_lim_0_forget(int64_t upto)", "throttle_lim_0_key key = {in->s, ws};",
        "throttle_lim_0_late++;",
    };
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        ck_assert_msg(strstr(text, must[i]) != NULL, "missing: %s", must[i]);
    FILE *cc = popen("cc -std=c11 -Wall -Wextra -Werror -Wno-unused-function -fsyntax-only -x c - 2>&1", "w");
    ck_assert_ptr_nonnull(cc);
    fputs(text, cc);
    ck_assert_int_eq(pclose(cc), 0);
    free(text);
    /* one input: one watermark, as before */
    text = emit_text(SCHEMA_R "stage per = src | window t every 10 s { n: count() }\nsink a = stdout as csv <- per\n", true, false);
    ck_assert_ptr_null(strstr(text, "lane"));
    free(text);
}
END_TEST

/* The JIT runs what compiles, and turns tcc's errors into an internal error that
 * names the generated line, with exit status 2. */
START_TEST(test_jit_runs_and_reports)
{
    char *argv[] = {"p", NULL};
    ck_assert_int_eq(jit_run("int rgp_program_main(int c, char **v) { return c + 6; }", "p.c", 1, argv), 7);

    FILE *err = tmpfile();
    int saved = dup(2);
    dup2(fileno(err), 2);
    int rc = jit_run("int rgp_program_main(int c, char **v) {\n  return nope;\n}", "p.c", 1, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(rc, 2);
    char text[1024] = {0};
    rewind(err);
    fread(text, 1, sizeof text - 1, err);
    fclose(err);
    ck_assert_msg(strstr(text, "rgp: internal error: the generated C did not compile with libtcc") == text, "got: %s", text);
    ck_assert_msg(strstr(text, ":2: error:") != NULL, "names the generated line: %s", text);
}
END_TEST

/* Under the JIT, the runtime's linked functions (stdlib/rgp_linked.h) are rgp's
 * own compiled copies: the runtime text compiles with their declarations only,
 * and each name the generated code calls is the address jit_runtime.c holds. */
START_TEST(test_jit_links_runtime)
{
    sbuf_t text = {0};
    text_add(&text, rgp_runtime_text);
    text_add(&text, "int rgp_program_main(int c, char **v)\n{\n    int same = 0;\n");
    char **argv = calloc((size_t)jit_runtime_nsymbols + 2, sizeof *argv);
    argv[0] = "p";
    for (int i = 0; i < jit_runtime_nsymbols; i++) {
        char line[160];
        argv[i + 1] = malloc(32);
        snprintf(argv[i + 1], 32, "%llu", (unsigned long long)(uintptr_t)jit_runtime_symbols[i].addr);
        snprintf(line, sizeof line, "    same += strtoull(v[%d], NULL, 10) == (unsigned long long)(uintptr_t)%s;\n", i + 1,
                 jit_runtime_symbols[i].name);
        text_add(&text, line);
    }
    text_add(&text, "    return c - 1 - same;   /* 0: every one of them is rgp's */\n}\n");
    ck_assert_int_ge(jit_runtime_nsymbols, 20);
    ck_assert_int_eq(jit_run(text.s, "linked.c", jit_runtime_nsymbols + 1, argv), 0);
    for (int i = 0; i < jit_runtime_nsymbols; i++) free(argv[i + 1]);
    free(argv);
    free(text.s);
}
END_TEST

Suite *emit_suite(void)
{
    Suite *s = suite_create("emit");
    TCase *tc = tcase_create("c");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, test_shape);
    tcase_add_test(tc, test_line_directives_point_back);
    tcase_add_test(tc, test_standalone_compiles_cleanly);
    tcase_add_test(tc, test_merged_windows);
    tcase_add_test(tc, test_jit_runs_and_reports);
    tcase_add_test(tc, test_jit_links_runtime);
    suite_add_tcase(s, tc);
    return s;
}
