/* check_ring.c - Check suite for runtime/ring.h: setup and slot layout,
 * single-thread claim/publish/wait/release, sequence wrap-around past 2^32
 * and 2^64, and two-thread stress runs with a racing close. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "ring.h"

/* ---- setup and layout ---------------------------------------------------- */

static const struct {
    uint64_t capacity;
    size_t slot_size;
    int err; /* expected errno, 0 for success */
} init_cases[] = {
    {0, 8, EINVAL},
    {1, 8, EINVAL},
    {3, 8, EINVAL},
    {6, 8, EINVAL},
    {1000, 8, EINVAL},
    {((uint64_t)1 << 40) + 1, 8, EINVAL},
    {UINT64_MAX, 8, EINVAL},
    {8, 0, EINVAL},
    {2, SIZE_MAX, EINVAL},
    {(uint64_t)1 << 62, 64, ENOMEM}, /* capacity * stride overflows */
    {2, 1, 0},
    {4, 8, 0},
    {1024, 64, 0},
};

START_TEST(test_init_validates)
{
    rgp_ring r;
    int rc;

    errno = 0;
    rc = rgp_ring_init(&r, init_cases[_i].capacity, init_cases[_i].slot_size);
    if (init_cases[_i].err) {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(errno, init_cases[_i].err);
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_ptr_nonnull(r.slots);
        rgp_ring_destroy(&r);
        ck_assert_ptr_null(r.slots);
    }
}
END_TEST

static const struct {
    uint64_t capacity;
    size_t slot_size;
    size_t stride; /* expected distance between slots */
} layout_cases[] = {
    {2, 1, 1},     {8, 3, 4},     {16, 8, 8},    {16, 12, 16},
    {64, 24, 32},  {8, 64, 64},   {8, 65, 128},  {4, 100, 128},
    {1024, 8, 8},  {4, 200, 256}, {2, 4096, 4096},
};

START_TEST(test_slot_layout)
{
    uint64_t cap = layout_cases[_i].capacity;
    size_t size = layout_cases[_i].slot_size;
    size_t stride = layout_cases[_i].stride;
    size_t align = stride < RGP_CACHE_LINE ? stride : RGP_CACHE_LINE;
    uint64_t starts[] = {0, 5, UINT64_MAX - 2};
    rgp_ring r;
    size_t k;

    ck_assert_int_eq(rgp_ring_init(&r, cap, size), 0);
    ck_assert_uint_eq(r.stride, stride);
    ck_assert_uint_eq((uintptr_t)r.slots % RGP_CACHE_LINE, 0);
    ck_assert_uint_eq(r.mask, cap - 1);

    /* Preallocated and zeroed. */
    for (k = 0; k < cap * stride; k++)
        ck_assert_int_eq(((unsigned char *)r.slots)[k], 0);

    for (k = 0; k < sizeof starts / sizeof starts[0]; k++) {
        uint64_t i;
        for (i = 0; i < cap; i++) {
            uint64_t seq = starts[k] + i;
            char *p = rgp_ring_slot(&r, seq);
            /* Distinct, in bounds, aligned, and the same slot every lap. */
            ck_assert_ptr_eq(p, (char *)r.slots + ((starts[k] + i) % cap) * stride);
            ck_assert_uint_eq((uintptr_t)p % align, 0);
            ck_assert_ptr_eq(rgp_ring_slot(&r, seq + cap), p);
            ck_assert_ptr_eq(rgp_ring_slot(&r, seq - cap), p);
            ck_assert_ptr_eq(rgp_ring_slot(&r, seq + 7 * cap), p);
        }
    }
    /* Filling every slot with its own byte never disturbs another slot. */
    for (k = 0; k < cap; k++)
        memset(rgp_ring_slot(&r, k), (int)(k % 255) + 1, size);
    for (k = 0; k < cap; k++) {
        unsigned char *p = rgp_ring_slot(&r, k);
        size_t b;
        for (b = 0; b < size; b++)
            ck_assert_int_eq(p[b], (int)(k % 255) + 1);
    }
    rgp_ring_destroy(&r);
}
END_TEST

START_TEST(test_layout_lines)
{
    rgp_ring r;

    ck_assert_int_eq(rgp_ring_init(&r, 4, 8), 0);
    /* The two shared cursors and the two private caches sit on four
     * different lines (also checked by _Static_assert in ring.h). */
    ck_assert_uint_eq((uintptr_t)&r.cursor / RGP_CACHE_LINE + 1,
                      (uintptr_t)&r.consumed / RGP_CACHE_LINE);
    ck_assert_uint_eq((uintptr_t)&r.consumed / RGP_CACHE_LINE + 1,
                      (uintptr_t)&r.claimed / RGP_CACHE_LINE);
    ck_assert_uint_eq((uintptr_t)&r.claimed / RGP_CACHE_LINE + 1,
                      (uintptr_t)&r.cached_cursor / RGP_CACHE_LINE);
    ck_assert_uint_eq((uintptr_t)&r.cached_consumed / RGP_CACHE_LINE,
                      (uintptr_t)&r.claimed / RGP_CACHE_LINE);
    rgp_ring_destroy(&r);
}
END_TEST

/* ---- single thread ------------------------------------------------------- */

START_TEST(test_claim_bounded_by_free)
{
    rgp_ring r;
    uint64_t got, seq, end;

    ck_assert_int_eq(rgp_ring_init_at(&r, 8, sizeof(uint64_t), 100), 0);
    ck_assert_uint_eq(rgp_ring_first_seq(&r), 100);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 8);

    seq = rgp_ring_claim(&r, 0, &got);
    ck_assert_uint_eq(seq, 100);
    ck_assert_uint_eq(got, 0);

    seq = rgp_ring_claim(&r, 3, &got);
    ck_assert_uint_eq(seq, 100);
    ck_assert_uint_eq(got, 3);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 5);

    /* Asking for more than is free gets exactly what is free. */
    seq = rgp_ring_claim(&r, 50, &got);
    ck_assert_uint_eq(seq, 103);
    ck_assert_uint_eq(got, 5);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 0);
    rgp_ring_publish(&r, 108);

    end = rgp_ring_wait(&r, 100);
    ck_assert_uint_eq(end, 108);
    rgp_ring_release(&r, 102);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 2);
    seq = rgp_ring_claim(&r, 50, &got);
    ck_assert_uint_eq(seq, 108);
    ck_assert_uint_eq(got, 2);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 0);
    rgp_ring_destroy(&r);
}
END_TEST

/* Claims, writes, publishes, waits, checks and releases in batches whose
 * sizes cycle through a table, for laps enough to wrap the ring many times. */
static void run_cycles(uint64_t cap, uint64_t start, uint64_t total)
{
    static const uint64_t batch[] = {1, 3, 2, 8, 5, 1, 7, 64, 4};
    rgp_ring r;
    uint64_t written = 0, read = 0, next, k = 0;

    ck_assert_int_eq(rgp_ring_init_at(&r, cap, sizeof(uint64_t), start), 0);
    next = rgp_ring_first_seq(&r);
    while (read < total) {
        uint64_t want = batch[k++ % (sizeof batch / sizeof batch[0])];
        uint64_t got, seq, end, s;

        if (want > total - written)
            want = total - written;
        ck_assert_uint_eq(rgp_ring_free_slots(&r), cap);
        seq = rgp_ring_claim(&r, want, &got);
        ck_assert_uint_eq(seq, start + written);
        ck_assert_uint_eq(got, want < cap ? want : cap);
        ck_assert_uint_eq(rgp_ring_free_slots(&r), cap - got);
        for (s = seq; s != seq + got; s++) {
            ck_assert_ptr_eq(rgp_ring_slot(&r, s),
                             (char *)r.slots + (s & (cap - 1)) * sizeof(uint64_t));
            *(uint64_t *)rgp_ring_slot(&r, s) = s;
        }
        rgp_ring_publish(&r, seq + got);
        written += got;

        end = rgp_ring_wait(&r, next);
        ck_assert_uint_eq(end - next, written - read);
        for (s = next; s != end; s++)
            ck_assert_uint_eq(*(uint64_t *)rgp_ring_slot(&r, s), s);
        rgp_ring_release(&r, end);
        read += end - next;
        next = end;
    }
    rgp_ring_close(&r);
    ck_assert_uint_eq(rgp_ring_wait(&r, next), next);
    ck_assert_uint_eq(next, start + total);
    rgp_ring_destroy(&r);
}

START_TEST(test_cycles)
{
    run_cycles(16, 0, 1000);
    run_cycles(2, 0, 100);
}
END_TEST

/* Sequences that cross 2^32 and 2^64 during the test: the mask must pick
 * the right slot and every comparison must survive the overflow. */
static const struct {
    uint64_t capacity;
    uint64_t start;
} wrap_cases[] = {
    {16, UINT32_MAX - 40},
    {16, UINT64_MAX - 16 * 3},
    {64, UINT64_MAX - 64 * 3},
    {2, UINT64_MAX - 2 * 3},
    {8, UINT64_MAX},
};

START_TEST(test_wraparound)
{
    uint64_t cap = wrap_cases[_i].capacity;
    uint64_t start = wrap_cases[_i].start;

    run_cycles(cap, start, cap * 40);
}
END_TEST

START_TEST(test_wrap_full_ring)
{
    /* The free-space arithmetic at the moment the sequences overflow. */
    rgp_ring r;
    uint64_t got, seq;

    ck_assert_int_eq(rgp_ring_init_at(&r, 4, 8, UINT64_MAX - 1), 0);
    seq = rgp_ring_claim(&r, 4, &got);
    ck_assert_uint_eq(seq, UINT64_MAX - 1);
    ck_assert_uint_eq(got, 4);
    ck_assert_uint_eq(r.claimed, 2);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 0);
    rgp_ring_publish(&r, seq + got);
    ck_assert_uint_eq(rgp_ring_wait(&r, UINT64_MAX - 1), 2);
    rgp_ring_release(&r, 0);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 2);
    seq = rgp_ring_claim(&r, 4, &got);
    ck_assert_uint_eq(seq, 2);
    ck_assert_uint_eq(got, 2);
    rgp_ring_destroy(&r);
}
END_TEST

START_TEST(test_close_empty)
{
    rgp_ring r;
    uint64_t got, seq;

    ck_assert_int_eq(rgp_ring_init_at(&r, 4, 8, 77), 0);
    rgp_ring_close(&r);
    ck_assert_uint_eq(rgp_ring_wait(&r, 77), 77);
    ck_assert_uint_eq(rgp_ring_wait(&r, 77), 77);
    rgp_ring_destroy(&r);

    /* Closed with records still unread: those come first, then the end. */
    ck_assert_int_eq(rgp_ring_init_at(&r, 4, 8, 77), 0);
    seq = rgp_ring_claim(&r, 2, &got);
    rgp_ring_publish(&r, seq + got);
    rgp_ring_close(&r);
    ck_assert_uint_eq(rgp_ring_wait(&r, 77), 79);
    rgp_ring_release(&r, 79);
    ck_assert_uint_eq(rgp_ring_wait(&r, 79), 79);
    rgp_ring_destroy(&r);
}
END_TEST

START_TEST(test_poll)
{
    rgp_ring r;
    uint64_t got, seq;

    ck_assert_int_eq(rgp_ring_init_at(&r, 8, 8, UINT64_MAX - 1), 0);
    ck_assert_uint_eq(rgp_ring_poll(&r, UINT64_MAX - 1), UINT64_MAX - 1);
    seq = rgp_ring_claim(&r, 4, &got);
    rgp_ring_publish(&r, seq + got);
    ck_assert_uint_eq(rgp_ring_poll(&r, UINT64_MAX - 1), 2);
    /* Never waits, and agrees with wait once the batch is consumed. */
    rgp_ring_release(&r, 2);
    ck_assert_uint_eq(rgp_ring_poll(&r, 2), 2);
    ck_assert_uint_eq(rgp_ring_poll(&r, 2), 2);
    rgp_ring_close(&r);
    ck_assert_uint_eq(rgp_ring_wait(&r, 2), 2);
    rgp_ring_destroy(&r);
}
END_TEST

/* A claim on a full ring must wait until the consumer releases a slot. */
struct blocked_claim {
    rgp_ring *r;
    uint64_t seq, got;
    RGP_ATOMIC(uint32_t) done;
};

static void *claim_thread(void *arg)
{
    struct blocked_claim *b = arg;

    b->seq = rgp_ring_claim(b->r, 3, &b->got);
    rgp_store_release_u32(&b->done, 1);
    return NULL;
}

START_TEST(test_full_ring_claim_waits)
{
    rgp_ring r;
    struct blocked_claim b;
    pthread_t t;
    uint64_t got;
    struct timespec pause = {0, 50 * 1000 * 1000};

    ck_assert_int_eq(rgp_ring_init(&r, 4, 8), 0);
    rgp_ring_claim(&r, 4, &got);
    ck_assert_uint_eq(got, 4);
    rgp_ring_publish(&r, 4);
    ck_assert_uint_eq(rgp_ring_free_slots(&r), 0);

    memset(&b, 0, sizeof b);
    b.r = &r;
    rgp_store_relaxed_u32(&b.done, 0);
    ck_assert_int_eq(pthread_create(&t, NULL, claim_thread, &b), 0);
    nanosleep(&pause, NULL);
    ck_assert_uint_eq(rgp_load_acquire_u32(&b.done), 0);

    ck_assert_uint_eq(rgp_ring_wait(&r, 0), 4);
    rgp_ring_release(&r, 1);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(rgp_load_acquire_u32(&b.done), 1);
    ck_assert_uint_eq(b.seq, 4);
    ck_assert_uint_eq(b.got, 1);
    rgp_ring_destroy(&r);
}
END_TEST

/* ---- two-thread stress --------------------------------------------------- */

#define STRESS_RECORDS 10000000u

/* A cache line of record: the sequence twice and its complement between,
 * so a slot read while half-written cannot pass the check. */
struct wide_record {
    uint64_t seq;
    uint64_t fill[6];
    uint64_t seq_again;
};

static const struct {
    uint64_t capacity;
    uint64_t start;
    int wide; /* 64-byte records instead of u64 */
} stress_cases[] = {
    {1024, 0, 0},
    {4096, UINT64_MAX - 4096 * 3, 0},
    {1024, UINT32_MAX - 1000, 1},
    {4096, UINT64_MAX - 5000000, 1},
};

struct stress {
    rgp_ring r;
    uint64_t n;
    int wide;
    /* Filled by the consumer, checked by the main thread: Check's asserts
     * are not for use off the main thread. */
    uint64_t received, sum, bad_index, bad_value;
    int bad;
};

static void *stress_producer(void *arg)
{
    static const uint64_t batch[] = {1, 17, 256, 3, 1024, 64, 5, 4096, 2, 100};
    struct stress *st = arg;
    rgp_ring *r = &st->r;
    uint64_t first = rgp_ring_first_seq(r), i = 0, k = 0;

    while (i < st->n) {
        uint64_t want = batch[k++ % (sizeof batch / sizeof batch[0])];
        uint64_t got, seq, j;

        if (want > st->n - i)
            want = st->n - i;
        seq = rgp_ring_claim(r, want, &got);
        for (j = 0; j < got; j++) {
            uint64_t v = seq + j - first;
            if (st->wide) {
                struct wide_record *w = rgp_ring_slot(r, seq + j);
                int f;
                w->seq = v;
                for (f = 0; f < 6; f++)
                    w->fill[f] = ~v;
                w->seq_again = v;
            } else {
                *(uint64_t *)rgp_ring_slot(r, seq + j) = v;
            }
        }
        rgp_ring_publish(r, seq + got);
        i += got;
    }
    /* Close straight after the last publish, racing the consumer's drain. */
    rgp_ring_close(r);
    return NULL;
}

static void *stress_consumer(void *arg)
{
    static const uint64_t piece[] = {UINT64_MAX, 1, 7, UINT64_MAX, 300, 33};
    struct stress *st = arg;
    rgp_ring *r = &st->r;
    uint64_t first = rgp_ring_first_seq(r), next = first, k = 0;

    for (;;) {
        uint64_t end = rgp_ring_wait(r, next), s;

        if (end == next)
            break;
        /* Sometimes take only part of what is ready, so wait's cached
         * cursor and partial releases get exercised too. */
        if (end - next > piece[k % (sizeof piece / sizeof piece[0])])
            end = next + piece[k % (sizeof piece / sizeof piece[0])];
        k++;
        for (s = next; s != end; s++) {
            uint64_t want = st->received;
            int ok;
            if (st->wide) {
                const struct wide_record *w = rgp_ring_slot(r, s);
                int f;
                ok = w->seq == want && w->seq_again == want;
                for (f = 0; f < 6; f++)
                    ok = ok && w->fill[f] == ~want;
                if (!ok && !st->bad)
                    st->bad_value = w->seq != want ? w->seq : w->seq_again;
            } else {
                uint64_t v = *(const uint64_t *)rgp_ring_slot(r, s);
                ok = v == want;
                if (!ok && !st->bad)
                    st->bad_value = v;
            }
            if (!ok && !st->bad) {
                st->bad = 1;
                st->bad_index = want;
            }
            st->sum += want;
            st->received++;
        }
        rgp_ring_release(r, end);
        next = end;
    }
    return NULL;
}

START_TEST(test_stress)
{
    struct stress *st;
    pthread_t prod, cons;
    uint64_t n = STRESS_RECORDS;

    /* malloc only promises 16-byte alignment; the ring wants its lines. */
    ck_assert_int_eq(posix_memalign((void **)&st, RGP_CACHE_LINE, sizeof *st), 0);
    memset(st, 0, sizeof *st);
    st->n = n;
    st->wide = stress_cases[_i].wide;
    ck_assert_int_eq(rgp_ring_init_at(&st->r, stress_cases[_i].capacity,
                                      st->wide ? sizeof(struct wide_record) : sizeof(uint64_t),
                                      stress_cases[_i].start), 0);

    ck_assert_int_eq(pthread_create(&cons, NULL, stress_consumer, st), 0);
    ck_assert_int_eq(pthread_create(&prod, NULL, stress_producer, st), 0);
    ck_assert_int_eq(pthread_join(prod, NULL), 0);
    ck_assert_int_eq(pthread_join(cons, NULL), 0);

    ck_assert_msg(!st->bad, "record %llu carried %llu",
                  (unsigned long long)st->bad_index, (unsigned long long)st->bad_value);
    ck_assert_uint_eq(st->received, n);
    ck_assert_uint_eq(st->sum, n * (n - 1) / 2);
    ck_assert_uint_eq(rgp_load_relaxed_u64(&st->r.cursor), stress_cases[_i].start + n);
    rgp_ring_destroy(&st->r);
    free(st);
}
END_TEST

/* Many tiny runs where the consumer is already waiting when the producer
 * publishes its only batch and closes at once: a wait that sees closed
 * without re-reading the cursor loses the batch. The producer's delay sweeps
 * a range so the close lands at many points of the consumer's wait loop. */
#define CLOSE_TRIALS 200000u

struct close_race {
    rgp_ring r;
    RGP_ATOMIC(uint32_t) ready; /* trial number the ring was set up for */
    RGP_ATOMIC(uint32_t) done;  /* trial number the consumer finished */
    uint32_t lost_trial, lost;  /* first trial that lost records */
};

static void *close_race_consumer(void *arg)
{
    struct close_race *cr = arg;
    uint32_t t;

    for (t = 1; t <= CLOSE_TRIALS; t++) {
        uint64_t next, end, got = 0;
        /* pairs with the release of ready in test_close_race */
        while (rgp_load_acquire_u32(&cr->ready) != t)
            rgp_cpu_relax();
        next = rgp_ring_first_seq(&cr->r);
        while ((end = rgp_ring_wait(&cr->r, next)) != next) {
            got += end - next;
            rgp_ring_release(&cr->r, end);
            next = end;
        }
        if (got != 3 && !cr->lost) {
            cr->lost = 1;
            cr->lost_trial = t;
        }
        /* pairs with the acquire of done in test_close_race */
        rgp_store_release_u32(&cr->done, t);
    }
    return NULL;
}

START_TEST(test_close_race)
{
    struct close_race *cr;
    pthread_t cons;
    uint32_t t;

    ck_assert_int_eq(posix_memalign((void **)&cr, RGP_CACHE_LINE, sizeof *cr), 0);
    memset(cr, 0, sizeof *cr);
    ck_assert_int_eq(rgp_ring_init(&cr->r, 8, sizeof(uint64_t)), 0);
    ck_assert_int_eq(pthread_create(&cons, NULL, close_race_consumer, cr), 0);
    for (t = 1; t <= CLOSE_TRIALS; t++) {
        uint64_t got, seq;
        unsigned spin;

        /* Reset the ring for this trial; the consumer is idle until ready. */
        rgp_store_relaxed_u32(&cr->r.closed, 0);
        cr->r.claimed = cr->r.cached_consumed = cr->r.cached_cursor = t * 16u;
        cr->r.first_seq = t * 16u;
        rgp_store_relaxed_u64(&cr->r.cursor, t * 16u);
        rgp_store_relaxed_u64(&cr->r.consumed, t * 16u);
        /* pairs with the acquire of ready in close_race_consumer */
        rgp_store_release_u32(&cr->ready, t);

        for (spin = 0; spin < (t * 7u) % 97u; spin++)
            rgp_cpu_relax();
        seq = rgp_ring_claim(&cr->r, 3, &got);
        rgp_ring_publish(&cr->r, seq + got);
        rgp_ring_close(&cr->r);
        /* pairs with the release of done in close_race_consumer */
        while (rgp_load_acquire_u32(&cr->done) != t)
            rgp_cpu_relax();
    }
    ck_assert_int_eq(pthread_join(cons, NULL), 0);
    ck_assert_msg(!cr->lost, "trial %u lost its records to the close", cr->lost_trial);
    rgp_ring_destroy(&cr->r);
    free(cr);
}
END_TEST

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

Suite *ring_suite(void)
{
    Suite *s = suite_create("ring");
    TCase *tc = tcase_create("layout");
    TCase *st;

    tcase_add_loop_test(tc, test_init_validates, 0, COUNT(init_cases));
    tcase_add_loop_test(tc, test_slot_layout, 0, COUNT(layout_cases));
    tcase_add_test(tc, test_layout_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("single_thread");
    tcase_add_test(tc, test_claim_bounded_by_free);
    tcase_add_test(tc, test_cycles);
    tcase_add_loop_test(tc, test_wraparound, 0, COUNT(wrap_cases));
    tcase_add_test(tc, test_wrap_full_ring);
    tcase_add_test(tc, test_close_empty);
    tcase_add_test(tc, test_poll);
    tcase_add_test(tc, test_full_ring_claim_waits);
    suite_add_tcase(s, tc);

    st = tcase_create("stress");
    tcase_set_timeout(st, 120);
    tcase_add_loop_test(st, test_stress, 0, COUNT(stress_cases));
    tcase_add_test(st, test_close_race);
    suite_add_tcase(s, st);
    return s;
}
