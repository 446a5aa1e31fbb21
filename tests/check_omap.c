/* check_omap.c - the sorted map template of runtime/omap.h against a brute-force
 * reference (a sorted array): random puts, deletes and reads with a fixed seed,
 * every key's value, nth for every rank, the free list reusing nodes, str keys
 * and values keeping their own copies, and f64 keys' order with NaN. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "rgp_std.h"
#include "omap.h"

RGP_OMAP_PROTOTYPE(ii, int64_t, int64_t, rgp_omap_cmp_i64, RGP_OMAP_ASSIGN, RGP_OMAP_NOTHING, RGP_OMAP_NOTHING)
RGP_OMAP_PROTOTYPE(fi, double, int64_t, rgp_omap_cmp_f64, RGP_OMAP_ASSIGN, RGP_OMAP_NOTHING, RGP_OMAP_NOTHING)
RGP_OMAP_PROTOTYPE(ss, rgp_str, rgp_str, rgp_str_cmp, rgp_omap_str_copy, rgp_omap_str_free, rgp_omap_str_free)

/* The reference: keys kept sorted in a plain array. */
enum { REF_MAX = 4096 };
static int64_t ref_k[REF_MAX], ref_v[REF_MAX];
static int ref_n;
static int ref_find(int64_t k)
{
    for (int i = 0; i < ref_n; i++) if (ref_k[i] == k) return i;
    return -1;
}
static void ref_add(int64_t k, int64_t d)
{
    int i = ref_find(k);
    if (i >= 0) { ref_v[i] += d; return; }
    for (i = ref_n; i > 0 && ref_k[i - 1] > k; i--) ref_k[i] = ref_k[i - 1], ref_v[i] = ref_v[i - 1];
    ref_k[i] = k, ref_v[i] = d, ref_n++;
}
static bool ref_del(int64_t k)
{
    int i = ref_find(k);
    if (i < 0) return false;
    memmove(&ref_k[i], &ref_k[i + 1], sizeof ref_k[0] * (size_t)(ref_n - i - 1));
    memmove(&ref_v[i], &ref_v[i + 1], sizeof ref_v[0] * (size_t)(ref_n - i - 1));
    ref_n--;
    return true;
}

static uint64_t rng = 42;
static uint64_t next(void) { rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17; return rng; }

static void same_as_reference(struct rgp_omap_ii *m)
{
    ck_assert_uint_eq(m->len, (unsigned)ref_n);
    for (int i = 0; i < ref_n; i++) {
        uint32_t t = rgp_omap_nth_ii(m, (uint64_t)i);
        ck_assert_uint_ne(t, 0);
        ck_assert_int_eq(m->n[t].key, ref_k[i]);
        ck_assert_int_eq(m->n[t].val, ref_v[i]);
        ck_assert_int_eq(rgp_omap_get_ii(m, ref_k[i]), ref_v[i]);
    }
    ck_assert_uint_eq(rgp_omap_nth_ii(m, (uint64_t)ref_n), 0);   /* past the end */
    /* the iterators, up and down, with a full stack and with one so small the walk goes by rank */
    int spine[2] = {0, 0};   /* the start fits a stack this deep; later paths may not: the switch mid-walk */
    for (uint32_t t = m->root; t; t = m->n[t].l) spine[0]++;
    for (uint32_t t = m->root; t; t = m->n[t].r) spine[1]++;
    for (int c = 0; c < 4; c++)
        for (int desc = 0; desc < 2; desc++) {
            int caps[] = {RGP_OMAP_ITER_DEPTH, 3, 1, spine[desc] ? spine[desc] : 1};
            struct rgp_omap_iter_ii it;
            rgp_omap__iter_start_ii(&it, m, desc, caps[c]);
            for (int i = 0; i < ref_n; i++) {
                uint32_t t = rgp_omap_iter_next_ii(&it, m);
                int r = desc ? ref_n - 1 - i : i;
                ck_assert_uint_ne(t, 0);
                ck_assert_int_eq(m->n[t].key, ref_k[r]);
                ck_assert_int_eq(m->n[t].val, ref_v[r]);
            }
            ck_assert_uint_eq(rgp_omap_iter_next_ii(&it, m), 0);
        }
}

START_TEST(random_ops_match_reference)
{
    struct rgp_omap_ii m = {0};
    ref_n = 0;
    for (int step = 0; step < 200000; step++) {
        int64_t k = (int64_t)(next() % 600) - 300;   /* keys collide often: modifies and deletes hit */
        uint64_t op = next() % 10;
        if (op < 5) {
            int64_t d = (int64_t)(next() % 100) + 1;
            *rgp_omap_put_ii(&m, k) += d;
            ref_add(k, d);
        } else if (op < 8) {
            ck_assert(rgp_omap_del_ii(&m, k) == ref_del(k));
        } else {
            int i = ref_find(k);
            ck_assert((rgp_omap_find_ii(&m, k) != NULL) == (i >= 0));
            ck_assert_int_eq(rgp_omap_get_ii(&m, k), i >= 0 ? ref_v[i] : 0);   /* a missing key reads 0 */
        }
        if (step % 997 == 0) same_as_reference(&m);
    }
    same_as_reference(&m);
    ck_assert_uint_le(m.cap, 2048);   /* the free list kept the array near the most keys ever held (<= 600) */
    rgp_omap_free_ii(&m);
    ck_assert_uint_eq(m.len, 0);
    ck_assert_uint_eq(rgp_omap_nth_ii(&m, 0), 0);
    ck_assert_ptr_null(rgp_omap_find_ii(&m, 1));   /* an empty map finds nothing */
}
END_TEST

START_TEST(deletes_reuse_nodes)
{
    struct rgp_omap_ii m = {0};
    for (int round = 0; round < 100; round++) {
        for (int64_t k = 0; k < 1000; k++) *rgp_omap_put_ii(&m, k * 7 + round) = k;
        for (int64_t k = 0; k < 1000; k++) ck_assert(rgp_omap_del_ii(&m, k * 7 + round));
        ck_assert_uint_eq(m.len, 0);
    }
    ck_assert_uint_le(m.cap, 1024);   /* one round's worth of nodes */
    rgp_omap_free_ii(&m);
}
END_TEST

START_TEST(sorted_insert_stays_shallow)
{
    struct rgp_omap_ii m = {0};
    enum { N = 1 << 18 };
    for (int64_t k = 0; k < N; k++) *rgp_omap_put_ii(&m, k) = -k;   /* ascending: a plain BST would be a list */
    for (uint64_t i = 0; i < N; i += 4099) ck_assert_int_eq(m.n[rgp_omap_nth_ii(&m, i)].val, -(int64_t)i);
    int depth = 0;
    for (uint32_t t = m.root; t; t = m.n[t].l) depth++;
    ck_assert_int_lt(depth, 80);
    rgp_omap_free_ii(&m);
}
END_TEST

START_TEST(f64_keys_order_with_nan)
{
    struct rgp_omap_fi m = {0};
    double keys[] = {2.5, -1.0, NAN, 0.0, 100.25, -0.0};
    for (int i = 0; i < 6; i++) *rgp_omap_put_fi(&m, keys[i]) += 1;
    ck_assert_uint_eq(m.len, 5);   /* -0.0 is 0.0 */
    double want[] = {-1.0, 0.0, 2.5, 100.25};
    for (int i = 0; i < 4; i++) ck_assert(m.n[rgp_omap_nth_fi(&m, (uint64_t)i)].key == want[i]);
    ck_assert(isnan(m.n[rgp_omap_nth_fi(&m, 4)].key));   /* NaN last, one key */
    ck_assert_int_eq(rgp_omap_get_fi(&m, 0.0), 2);
    ck_assert(rgp_omap_del_fi(&m, NAN));
    ck_assert_uint_eq(m.len, 4);
    rgp_omap_free_fi(&m);
}
END_TEST

static rgp_str S(const char *s) { return (rgp_str){s, strlen(s)}; }

START_TEST(str_keys_keep_copies)
{
    struct rgp_omap_ss m = {0};
    char buf[8];
    const char *words[] = {"pear", "apple", "fig", "apples", "", "fig"};
    for (int i = 0; i < 6; i++) {
        strcpy(buf, words[i]);
        rgp_str *v = rgp_omap_put_ss(&m, S(buf));
        rgp_str_keep_copy(v, S(buf));
        memset(buf, 'x', sizeof buf - 1);   /* the record's text is reused: the map has its own */
    }
    ck_assert_uint_eq(m.len, 5);
    const char *want[] = {"", "apple", "apples", "fig", "pear"};
    for (int i = 0; i < 5; i++) {
        uint32_t t = rgp_omap_nth_ss(&m, (uint64_t)i);
        ck_assert(rgp_str_eq(m.n[t].key, S(want[i])));
        ck_assert(rgp_str_eq(m.n[t].val, S(want[i])));
    }
    ck_assert(rgp_omap_del_ss(&m, S("apple")));
    ck_assert(!rgp_omap_del_ss(&m, S("apple")));
    ck_assert_uint_eq(rgp_omap_get_ss(&m, S("apple")).len, 0);   /* missing: "" */
    rgp_str_keep_copy(rgp_omap_put_ss(&m, S("kiwi")), S("k"));   /* takes the freed node */
    ck_assert_uint_eq(m.len, 5);
    rgp_omap_free_ss(&m);   /* valgrind/ASan: every copy freed */
}
END_TEST

Suite *omap_suite(void)
{
    Suite *s = suite_create("omap");
    TCase *tc = tcase_create("omap");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, random_ops_match_reference);
    tcase_add_test(tc, deletes_reuse_nodes);
    tcase_add_test(tc, sorted_insert_stays_shallow);
    tcase_add_test(tc, f64_keys_order_with_nan);
    tcase_add_test(tc, str_keys_keep_copies);
    suite_add_tcase(s, tc);
    return s;
}
