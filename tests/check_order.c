/* check_order.c - the reorder buffer of a merge `on TIME` (runtime/order.h), on
 * its own: records leave in (time, lane, arrival) order once every live lane
 * has passed them, an ended lane stops holding them back, lateness lets a lane
 * come out of order by that much, records behind it are counted, and the
 * output is the same however the lanes' records interleave on arrival. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include "order.h"

typedef struct rec { int64_t at; uint32_t lane; int id; } rec;

/* Feeds n records (lane, at) in that arrival order; an `at` of -1 ends the lane.
 * Writes the ids (their index in in[]) in the order they leave into out[]; returns how many. */
static int run(const int64_t (*in)[2], int n, int nlanes, int64_t lateness, int *out, uint64_t *unordered)
{
    rgp_order o;
    ck_assert_int_eq(rgp_order_init(&o, nlanes, sizeof(rec), lateness), 0);
    int k = 0;
    for (int i = 0; i < n; i++) {
        uint32_t lane = (uint32_t)in[i][0];
        if (in[i][1] < 0) {
            rgp_order_end(&o, lane);
        } else if (rgp_order_admit(&o, lane, in[i][1])) {
            rec *r = rgp_order_push(&o, lane, in[i][1]);
            ck_assert_ptr_nonnull(r);
            *r = (rec){in[i][1], lane, i};
        }
        for (rec *r; (r = rgp_order_next(&o));) out[k++] = r->id;
    }
    if (unordered) *unordered = o.unordered;
    ck_assert_uint_eq(o.len, 0);   /* every lane ended: nothing is still held */
    rgp_order_free(&o);
    return k;
}

START_TEST(holds_until_every_lane_passes)
{
    /* lane 0: 10, 30; lane 1: 20, then ends; lane 0 ends */
    static const int64_t in[][2] = {{0, 10}, {0, 30}, {1, 20}, {1, -1}, {0, -1}};
    int out[8];
    rgp_order o;
    ck_assert_int_eq(rgp_order_init(&o, 2, sizeof(rec), 0), 0);
    ck_assert(rgp_order_admit(&o, 0, 10));
    *(rec *)rgp_order_push(&o, 0, 10) = (rec){10, 0, 0};
    ck_assert_ptr_null(rgp_order_next(&o));   /* lane 1 has sent nothing: it may still send 5 */
    rgp_order_free(&o);
    int n = run(in, 5, 2, 0, out, NULL);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(out[0], 0);
    ck_assert_int_eq(out[1], 2);
    ck_assert_int_eq(out[2], 1);
}
END_TEST

START_TEST(ties_go_by_lane_then_arrival)
{
    /* equal times: lane 0's before lane 1's, whichever came first */
    static const int64_t in[][2] = {{1, 5}, {1, 5}, {0, 5}, {0, 7}, {1, 9}, {0, -1}, {1, -1}};
    int out[8];
    int n = run(in, 7, 2, 0, out, NULL);
    ck_assert_int_eq(n, 5);
    static const int want[] = {2, 0, 1, 3, 4};
    for (int i = 0; i < n; i++) ck_assert_int_eq(out[i], want[i]);
}
END_TEST

START_TEST(unordered_records_are_counted_not_held)
{
    /* lane 0 goes back from 20 to 10: with no lateness that is unordered; with 10 ms it is not */
    static const int64_t in[][2] = {{0, 20}, {0, 10}, {1, 15}, {0, -1}, {1, -1}};
    int out[8];
    uint64_t unordered;
    int n = run(in, 5, 2, 0, out, &unordered);
    ck_assert_int_eq(n, 2);
    ck_assert_uint_eq(unordered, 1);
    ck_assert_int_eq(out[0], 2);
    ck_assert_int_eq(out[1], 0);
    n = run(in, 5, 2, 10, out, &unordered);
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(unordered, 0);
    ck_assert_int_eq(out[0], 1);   /* sorted within the lateness: 10, 15, 20 */
    ck_assert_int_eq(out[1], 2);
    ck_assert_int_eq(out[2], 0);
}
END_TEST

/* Three lanes of records, each in time order within the lateness, delivered in
 * many random interleavings: the output is the same every time, and sorted. */
START_TEST(any_interleaving_gives_one_output)
{
    enum { L = 3, PER = 1000, N = L * (PER + 1) };
    static int64_t lanes[L][PER];
    srand(7);
    for (int l = 0; l < L; l++) {
        int64_t t = 0;
        for (int i = 0; i < PER; i++) {
            t += rand() % 5;
            lanes[l][i] = t + rand() % 4;   /* up to 3 ms out of order */
        }
    }
    static int64_t in[N][2];
    static int first[N], out[N];
    static int64_t ids_first[N], ids_out[N];
    int nfirst = 0;
    for (int round = 0; round < 10; round++) {
        int pos[L] = {0};
        int n = 0;
        while (n < N) {   /* a random lane's next record, or its end once its records are in */
            int l = rand() % L;
            if (pos[l] > PER) continue;
            in[n][0] = l;
            in[n][1] = pos[l] < PER ? lanes[l][pos[l]] : -1;
            n++;
            pos[l]++;
        }
        uint64_t unordered;
        int k = run((const int64_t(*)[2])in, N, L, 3, out, &unordered);
        ck_assert_uint_eq(unordered, 0);
        ck_assert_int_eq(k, L * PER);
        /* an id is an arrival index, which varies; name each record by (lane, time) instead */
        for (int i = 0; i < k; i++) ids_out[i] = in[out[i]][0] << 40 | in[out[i]][1];
        for (int i = 1; i < k; i++) ck_assert(in[out[i - 1]][1] <= in[out[i]][1]);   /* in time order */
        if (round == 0) {
            nfirst = k;
            for (int i = 0; i < k; i++) ids_first[i] = ids_out[i], first[i] = out[i];
        } else {
            ck_assert_int_eq(k, nfirst);
            for (int i = 0; i < k; i++) ck_assert(ids_first[i] == ids_out[i]);
        }
    }
    (void)first;
}
END_TEST

Suite *order_suite(void)
{
    Suite *s = suite_create("order");
    TCase *tc = tcase_create("order");
    tcase_add_test(tc, holds_until_every_lane_passes);
    tcase_add_test(tc, ties_go_by_lane_then_arrival);
    tcase_add_test(tc, unordered_records_are_counted_not_held);
    tcase_add_test(tc, any_interleaving_gives_one_output);
    suite_add_tcase(s, tc);
    return s;
}
