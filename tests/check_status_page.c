/* check_status_page.c - unit tests for compiler/status_page.c: the page drawn
 * from a plan has one box per component and per ring, one band per thread,
 * columns that follow the records (each box right of what feeds it), and
 * nothing loaded from elsewhere. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include "check_util.h"
#include "status_page.h"

static compilation C;

static char *page_of(const char *text)
{
    char errs[4096], *page = NULL;
    size_t len = 0;
    ck_assert_msg(compile_capture(&C, text, errs, sizeof errs) == 0, "%s", errs);
    FILE *f = open_memstream(&page, &len);
    ck_assert(f);
    status_page_write(f, C.plan);
    fclose(f);
    return page;
}

/* The x of the one box whose attribute ATTR is NAME; fails unless there is exactly one. */
static int box_x(const char *page, const char *attr, const char *name)
{
    char want[160];
    snprintf(want, sizeof want, "%s=\"%s\" ", attr, name);
    const char *at = strstr(page, want);
    ck_assert_msg(at, "no box %s", want);
    ck_assert_msg(!strstr(at + 1, want), "two boxes %s", want);
    int x = -1, y = -1;
    const char *tr = strstr(at, "transform=\"translate(");
    ck_assert(tr && sscanf(tr, "transform=\"translate(%d,%d)", &x, &y) == 2);
    return x;
}

START_TEST(test_boxes_follow_the_records)
{
    char *page = page_of("options { threads: 4 }\n"
                         "schema R { k: u32, v: f64, ts: time }\n"
                         "source a = stdin as csv(R)\n"
                         "source b = file(\"b.csv\") as csv(R)\n"
                         "stage both = merge(a, b) | where v >= 0.0\n"
                         "route split = both { small: v < 50.0, default: large }\n"
                         "sink s = stdout as csv <- small\n"
                         "sink l = file(\"l.csv\") as csv <- large\n");
    int a = box_x(page, "data-id", "a"), b = box_x(page, "data-id", "b"), both = box_x(page, "data-id", "both");
    int ring = box_x(page, "data-ring", "both"), split = box_x(page, "data-id", "split");
    int small = box_x(page, "data-id", "small"), large = box_x(page, "data-id", "large");
    int s = box_x(page, "data-id", "s"), l = box_x(page, "data-id", "l");
    ck_assert_int_eq(a, b);   /* the sources: the first column */
    ck_assert(a < both && both < ring && ring < split && split < small && small < s);
    ck_assert_int_eq(small, large);
    ck_assert_int_eq(s, l);
    int bands = 0;
    for (const char *q = page; (q = strstr(q, "<g class=\"thread\">")); q++) bands++;
    ck_assert_int_eq(bands, C.plan->nthreads);   /* every thread runs something here */
    ck_assert(strstr(page, ">thread a.parse: parses the source</text>"));
    ck_assert(strstr(page, ">thread both&lt;-b: "));   /* a thread's name escaped */
    ck_assert(!strncmp(page, "<!DOCTYPE html>\n", 16));
    /* self-contained: the one URL is the SVG namespace, the one url() the arrow head */
    const char *http = strstr(page, "http");
    ck_assert(http && !strncmp(http, "http://www.w3.org/2000/svg\"", 27) && !strstr(http + 1, "http"));
    ck_assert(!strstr(page, " src=") && !strstr(page, " href=") && !strstr(page, "<link"));
    free(page);
    driver_free(&C);
}
END_TEST

START_TEST(test_names_are_escaped)
{
    char *page = page_of("schema R { k: u32 }\n"
                         "source a = file(\"x<&\\\"y.csv\") as csv(R)\n"
                         "sink o = stdout as csv <- a\n");
    ck_assert(strstr(page, "<title>source a: x&lt;&amp;&quot;y.csv</title>"));
    free(page);
    driver_free(&C);
}
END_TEST

Suite *status_page_suite(void)
{
    Suite *s = suite_create("status_page");
    TCase *tc = tcase_create("status_page");
    tcase_add_test(tc, test_boxes_follow_the_records);
    tcase_add_test(tc, test_names_are_escaped);
    suite_add_tcase(s, tc);
    return s;
}
