/* check_program.c - unit tests for runtime/program.h: what a ring slot keeps of
 * its strings (bounded, except where a drop_oldest reader may be copying), the
 * loss summary's exact text and its 1% warning, and the order of exit statuses. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "program.h"

#define NSLOTS 512
#define LONG_RECORD (128 * 1024)

static rgp_str text_of(const char *p, size_t n) { return (rgp_str){p, n}; }

/* Puts one record of `len` string bytes in a slot, as a producer does. */
static void put_record(rgp_slot_strs *s, const char *bytes, size_t len, int copied)
{
    ck_assert_int_eq(rgp_slot_strs_begin(s, len, copied), 0);
    rgp_str kept = rgp_slot_strs_keep(s, text_of(bytes, len));
    ck_assert(len == 0 || memcmp(kept.ptr, bytes, len) == 0);
}

static size_t held_bytes(const rgp_slot_strs *slots, int n)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) total += slots[i].heap_cap;
    return total;
}

/* Long records through every slot, then short ones: the long buffers go. */
START_TEST(test_slot_strs_long_records_are_not_kept)
{
    rgp_slot_strs *slots = calloc(NSLOTS, sizeof *slots);
    char *big = malloc(LONG_RECORD);
    memset(big, 'x', LONG_RECORD);
    for (int i = 0; i < NSLOTS; i++) put_record(&slots[i], big, LONG_RECORD, 0);
    ck_assert_uint_ge(held_bytes(slots, NSLOTS), (size_t)NSLOTS * LONG_RECORD);
    for (int i = 0; i < NSLOTS; i++) put_record(&slots[i], "short", 5, 0);
    ck_assert_uint_eq(held_bytes(slots, NSLOTS), 0);
    /* a record of medium length keeps a buffer, but never more than the limit */
    for (int i = 0; i < NSLOTS; i++) put_record(&slots[i], big, 1000 + (size_t)i * 100, 0);
    for (int i = 0; i < NSLOTS; i++) ck_assert_uint_le(slots[i].heap_cap, RGP_SLOT_STR_KEEP);
    for (int i = 0; i < NSLOTS; i++) ck_assert_ptr_null(slots[i].retired);
    for (int i = 0; i < NSLOTS; i++) rgp__slot_strs_free(&slots[i]);
    free(big);
    free(slots);
}
END_TEST

/* The steady state allocates nothing: a slot reuses its buffer, and growing
 * records double it only up to the limit, so it is never freed for them. */
START_TEST(test_slot_strs_reuse_within_the_limit)
{
    rgp_slot_strs s = {0};
    char *bytes = malloc(RGP_SLOT_STR_KEEP);
    memset(bytes, 'y', RGP_SLOT_STR_KEEP);
    put_record(&s, bytes, 1000, 0);
    char *buffer = s.heap;
    put_record(&s, bytes, 900, 0);
    put_record(&s, bytes, 10, 0);
    put_record(&s, bytes, 1000, 0);
    ck_assert_ptr_eq(s.heap, buffer);
    for (size_t len = 200; len <= RGP_SLOT_STR_KEEP; len += 4099) {
        put_record(&s, bytes, len, 0);
        ck_assert_uint_le(s.heap_cap, RGP_SLOT_STR_KEEP);
    }
    put_record(&s, bytes, RGP_SLOT_STR_KEEP, 0);
    buffer = s.heap;
    put_record(&s, bytes, 3, 0);
    put_record(&s, bytes, RGP_SLOT_STR_KEEP, 0);
    ck_assert_ptr_eq(s.heap, buffer);
    rgp__slot_strs_free(&s);
    free(bytes);
}
END_TEST

/* With a drop_oldest reader nothing is freed while the ring lives: the old
 * buffer stays readable for a copy in flight, and goes at the end. */
START_TEST(test_slot_strs_copied_ring_keeps_buffers)
{
    rgp_slot_strs s = {0};
    char *big = malloc(2 * LONG_RECORD);
    memset(big, 'z', 2 * LONG_RECORD);
    put_record(&s, big, LONG_RECORD, 1);
    char *first = s.heap;
    put_record(&s, "short", 5, 1);
    ck_assert_ptr_eq(s.heap, first);
    ck_assert_uint_ge(s.heap_cap, LONG_RECORD);
    put_record(&s, big, 2 * LONG_RECORD, 1);
    ck_assert_ptr_eq(s.retired, first);   /* outgrown: retired, not freed */
    ck_assert_int_eq(first[LONG_RECORD - 1], 'z');
    rgp__slot_strs_free(&s);
    ck_assert_ptr_null(s.retired);
    free(big);
}
END_TEST

/* Runs rgp_report_losses with stderr captured; returns its result. */
static uint64_t report_captured(const rgp_loss *l, int n, char *out, size_t cap)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    dup2(fileno(tmp), 2);
    uint64_t lost = rgp_report_losses("p", l, n);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t len = fread(out, 1, cap - 1, tmp);
    out[len] = 0;
    fclose(tmp);
    return lost;
}

START_TEST(test_loss_summary_text)
{
    const rgp_loss losses[] = {
        {"source", "rows", RGP_LOSS_REJECTED, 2, 10, "data/rows.csv", NULL, NULL},
        {"stage", "clean", RGP_LOSS_REJECTED, 0, 10, NULL, NULL, NULL},
        {"stage", "per", RGP_LOSS_LATE, 30, 400, NULL, "ts", NULL},
        {"stage", "per", RGP_LOSS_AHEAD, 10, 400, NULL, "ts", NULL},
        {"stage", "quiet", RGP_LOSS_LATE, 4, 400, NULL, "at", NULL},
        {"stage", "kept", RGP_LOSS_LATE, 5, 400, NULL, "ts", "tardy"},
        {"stage", "few", RGP_LOSS_THROTTLED, 7, 9, "1 per 1 m", NULL, NULL},
        {"sink", "slow", RGP_LOSS_DROPPED_NEWEST, 1, 8, "drop_newest(4)", NULL, NULL},
    };
    char out[4096];
    uint64_t lost = report_captured(losses, 8, out, sizeof out);
    ck_assert_uint_eq(lost, 2 + 30 + 10 + 4 + 1);
    ck_assert_str_eq(out,
        "p: warning: stage 'per': 40 of 400 records (10.0%) were late or ahead; is the input sorted by ts? see lateness and ahead\n"
        "p: warning: stage 'kept': 5 of 400 records (1.2%) were late (sent to 'tardy'); is the input sorted by ts? see lateness and ahead\n"
        "p: 54 records did not reach a sink (47 unintended, 7 intended):\n"
        "p:   source 'rows': 2 of 10 rejected (did not fit the schema; data/rows.csv)\n"
        "p:   stage 'per': 30 of 400 late (came after their window had closed)\n"
        "p:   stage 'per': 10 of 400 ahead (were too far ahead of the watermark)\n"
        "p:   stage 'quiet': 4 of 400 late (came after their window had closed)\n"
        "p:   stage 'few': 7 of 9 throttled (intended: over the limit; 1 per 1 m)\n"
        "p:   sink 'slow': 1 of 8 dropped_newest (found the reader's buffer full; drop_newest(4))\n");
}
END_TEST

/* Nothing lost, or only records sent to a late stream: no summary at all. */
START_TEST(test_loss_summary_silent_when_nothing_lost)
{
    const rgp_loss losses[] = {
        {"source", "rows", RGP_LOSS_REJECTED, 0, 10, "stdin", NULL, NULL},
        {"stage", "kept", RGP_LOSS_LATE, 1, 400, NULL, "ts", "tardy"},
    };
    char out[1024];
    ck_assert_uint_eq(report_captured(losses, 2, out, sizeof out), 0);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_exit_status_order)
{
    rgp_strict = 0;
    ck_assert_int_eq(rgp_exit_status(0, 0, 5), 0);     /* without --strict, losses do not change it */
    rgp_strict = 1;
    ck_assert_int_eq(rgp_exit_status(0, 0, 0), 0);
    ck_assert_int_eq(rgp_exit_status(0, 0, 5), 3);
    ck_assert_int_eq(rgp_exit_status(0, 130, 5), 130); /* a signal before a loss */
    ck_assert_int_eq(rgp_exit_status(1, 143, 5), 1);   /* a failure before both */
    rgp_strict = 0;
}
END_TEST

Suite *program_suite(void)
{
    Suite *s = suite_create("program");
    TCase *tc = tcase_create("program");
    tcase_add_test(tc, test_slot_strs_long_records_are_not_kept);
    tcase_add_test(tc, test_slot_strs_reuse_within_the_limit);
    tcase_add_test(tc, test_slot_strs_copied_ring_keeps_buffers);
    tcase_add_test(tc, test_loss_summary_text);
    tcase_add_test(tc, test_loss_summary_silent_when_nothing_lost);
    tcase_add_test(tc, test_exit_status_order);
    suite_add_tcase(s, tc);
    return s;
}
