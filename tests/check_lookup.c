/* check_lookup.c - runtime/lookup.h on its own: a table's strings kept in
 * blocks that never move, and the swap of the live table: a reader sees the
 * new one at its next enter, and a swap returns the old one only once no
 * reader's hazard names it. */
#include <check.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "lookup.h"

START_TEST(strings_stay_put_across_blocks)
{
    rgp_lookup_strs a = {0};
    enum { N = 20000 };
    static rgp_str kept[N];
    char text[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(text, sizeof text, "row-%d", i);
        kept[i] = rgp_lookup_keep(&a, (rgp_str){text, (size_t)n});   /* 20000 * ~9 bytes: several blocks */
    }
    char big[RGP_LOOKUP_BLOCK + 10];
    memset(big, 'x', sizeof big);
    rgp_str b = rgp_lookup_keep(&a, (rgp_str){big, sizeof big});   /* longer than a block: one of its own */
    ck_assert_uint_eq(b.len, sizeof big);
    ck_assert(memcmp(b.ptr, big, sizeof big) == 0);
    for (int i = 0; i < N; i++) {
        int n = snprintf(text, sizeof text, "row-%d", i);
        ck_assert_uint_eq(kept[i].len, (size_t)n);
        ck_assert(memcmp(kept[i].ptr, text, (size_t)n) == 0);
    }
    rgp_str empty = rgp_lookup_keep(&a, (rgp_str){NULL, 0});
    ck_assert_uint_eq(empty.len, 0);
    rgp_lookup_strs_free(&a);
    ck_assert_ptr_null(a.block);
    rgp_lookup_strs_free(&a);   /* twice is fine */
}
END_TEST

static RGP_ATOMIC(uint64_t) hazards[2];
static rgp_lookup lk = {"t", 0, hazards, 2};
static int table_a = 1, table_b = 2;
static RGP_ATOMIC(uint32_t) reader_in, reader_go;

/* Enters (it reads table a), says so, waits to be let go, then leaves. */
static void *reader(void *arg)
{
    (void)arg;
    const int *t = rgp_lookup_enter(&lk, 1);
    ck_assert_ptr_eq(t, &table_a);
    rgp_store_release_u32(&reader_in, 1);   /* pairs with the acquire load in the test */
    while (!rgp_load_acquire_u32(&reader_go)) {   /* pairs with the release store in the test */
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(*t, 1);   /* still readable: the swap waits for this leave */
    rgp_lookup_leave(&lk, 1);
    return NULL;
}

static RGP_ATOMIC(uint64_t) swapped_out;   /* the old table, once the swap has returned it */

static void *swapper(void *arg)
{
    (void)arg;
    /* pairs with the acquire loads in the test */
    rgp_store_release_u64(&swapped_out, (uint64_t)(uintptr_t)rgp_lookup_swap(&lk, &table_b));
    return NULL;
}

START_TEST(swap_waits_for_readers_of_the_old_table)
{
    rgp_lookup_publish(&lk, &table_a);
    ck_assert_ptr_eq(rgp_lookup_current(&lk), &table_a);
    pthread_t r, s;
    ck_assert_int_eq(pthread_create(&r, NULL, reader, NULL), 0);
    while (!rgp_load_acquire_u32(&reader_in)) {   /* pairs with the release store in reader */
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_int_eq(pthread_create(&s, NULL, swapper, NULL), 0);
    /* the swap is made at once, but it cannot return while the reader is in */
    for (int i = 0; i < 1000 && rgp_lookup_current(&lk) != &table_b; i++) {
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    ck_assert_ptr_eq(rgp_lookup_current(&lk), &table_b);
    ck_assert_ptr_eq(rgp_lookup_enter(&lk, 0), &table_b);   /* a new batch sees the new table */
    rgp_lookup_leave(&lk, 0);
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    ck_assert_uint_eq(rgp_load_acquire_u64(&swapped_out), 0);   /* still waiting for the reader */
    rgp_store_release_u32(&reader_go, 1);   /* pairs with the acquire load in reader */
    pthread_join(r, NULL);
    pthread_join(s, NULL);
    ck_assert_ptr_eq((void *)(uintptr_t)rgp_load_acquire_u64(&swapped_out), &table_a);
}
END_TEST

START_TEST(swap_with_no_reader_in_returns_at_once)
{
    rgp_lookup_publish(&lk, &table_a);
    ck_assert_ptr_eq(rgp_lookup_swap(&lk, &table_b), &table_a);
    ck_assert_ptr_eq(rgp_lookup_enter(&lk, 1), &table_b);
    rgp_lookup_leave(&lk, 1);
}
END_TEST

Suite *lookup_suite(void)
{
    Suite *s = suite_create("lookup");
    TCase *tc = tcase_create("lookup");
    tcase_add_test(tc, strings_stay_put_across_blocks);
    tcase_add_test(tc, swap_waits_for_readers_of_the_old_table);
    tcase_add_test(tc, swap_with_no_reader_in_returns_at_once);
    suite_add_tcase(s, tc);
    return s;
}
