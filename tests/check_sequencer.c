/* check_sequencer.c - Check suite for runtime/wait.h and runtime/sequencer.h:
 * both sequencers, barriers and gating, close, statistics, drop policies, wrap
 * past 2^32 and 2^64, lost wake-ups, and the CPU an idle waiter uses. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sequencer.h"

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Rings want their lines: allocate them aligned. */
static rgp_disruptor *ring_new(uint64_t cap, size_t size, uint32_t producers, int wait, uint64_t start)
{
    void *mem = NULL;
    rgp_disruptor *d;

    ck_assert_int_eq(posix_memalign(&mem, RGP_CACHE_LINE, sizeof *d), 0);
    d = mem;
    ck_assert_int_eq(rgp_disruptor_init_at(d, cap, size, producers, wait, start), 0);
    return d;
}

static void ring_free(rgp_disruptor *d)
{
    rgp_disruptor_destroy(d);
    free(d);
}

static rgp_consumer *add(rgp_disruptor *d, rgp_consumer *const *deps, uint32_t ndeps, int policy, uint64_t limit)
{
    rgp_consumer *c = rgp_disruptor_add_consumer(d, deps, ndeps, policy, limit);
    ck_assert_ptr_nonnull(c);
    return c;
}

static uint64_t *u64_slot(rgp_disruptor *d, uint64_t seq)
{
    return rgp_disruptor_slot(d, seq);
}

static double thread_cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- setup and layout ---------------------------------------------------- */

static const struct {
    uint64_t capacity;
    size_t slot_size;
    uint32_t producers;
    int wait;
    int err; /* expected errno, 0 for success */
} init_cases[] = {
    {0, 8, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {1, 8, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {3, 8, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {1000, 8, 2, RGP_WAIT_ADAPTIVE, EINVAL},
    {UINT64_MAX, 8, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {(uint64_t)1 << 63, 8, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {8, 0, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {8, SIZE_MAX, 1, RGP_WAIT_ADAPTIVE, EINVAL},
    {8, 8, 0, RGP_WAIT_ADAPTIVE, EINVAL},
    {8, 8, 1, -1, EINVAL},
    {8, 8, 1, 4, EINVAL},
    {(uint64_t)1 << 62, 64, 1, RGP_WAIT_SPIN, ENOMEM},
    {2, 1, 1, RGP_WAIT_SPIN, 0},
    {8, 8, 3, RGP_WAIT_YIELD, 0},
    {1024, 100, 1, RGP_WAIT_BLOCK, 0},
    {64, 8, 2, RGP_WAIT_ADAPTIVE, 0},
};

START_TEST(test_init_validates)
{
    void *mem = NULL;
    rgp_disruptor *d;
    int rc;

    ck_assert_int_eq(posix_memalign(&mem, RGP_CACHE_LINE, sizeof *d), 0);
    d = mem;
    errno = 0;
    rc = rgp_disruptor_init(d, init_cases[_i].capacity, init_cases[_i].slot_size,
                            init_cases[_i].producers, init_cases[_i].wait);
    if (init_cases[_i].err) {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(errno, init_cases[_i].err);
    } else {
        ck_assert_int_eq(rc, 0);
        ck_assert_ptr_nonnull(d->slots);
        ck_assert_uint_eq((uintptr_t)d->slots % RGP_CACHE_LINE, 0);
        ck_assert_int_eq(d->multi, init_cases[_i].producers > 1);
        ck_assert_int_eq(d->stamps != NULL, init_cases[_i].producers > 1);
        ck_assert(!rgp_disruptor_closed(d));
        rgp_disruptor_destroy(d);
        ck_assert_ptr_null(d->slots);
    }
    free(d);
}
END_TEST

START_TEST(test_layout_lines)
{
    rgp_disruptor *d = ring_new(8, 24, 2, RGP_WAIT_ADAPTIVE, 0);
    rgp_consumer *c = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_producer p;
    uintptr_t line0 = (uintptr_t)&d->cursor / RGP_CACHE_LINE;

    /* Every line has one writer (also checked by _Static_assert). */
    ck_assert_uint_eq((uintptr_t)&d->open / RGP_CACHE_LINE, line0);
    ck_assert_uint_eq((uintptr_t)&d->claim / RGP_CACHE_LINE, line0 + 1);
    ck_assert_uint_eq((uintptr_t)&d->sp_next / RGP_CACHE_LINE, line0 + 2);
    ck_assert_uint_eq((uintptr_t)&d->waiter.epoch / RGP_CACHE_LINE, line0 + 3);
    ck_assert_uint_eq((uintptr_t)&d->capacity / RGP_CACHE_LINE, line0 + 4);
    ck_assert_uint_eq((uintptr_t)c % RGP_CACHE_LINE, 0);
    ck_assert_uint_eq((uintptr_t)&c->dropped - (uintptr_t)&c->cursor, RGP_CACHE_LINE);
    ck_assert_uint_eq((uintptr_t)&c->cached_end - (uintptr_t)&c->cursor, 2 * RGP_CACHE_LINE);
    ck_assert_uint_eq(d->stride, 32);
    ck_assert_uint_eq(sizeof p, RGP_CACHE_LINE);
    /* Slots are distinct, aligned, and the same every lap. */
    for (uint64_t s = 0; s < 8; s++) {
        char *slot = rgp_disruptor_slot(d, s);
        ck_assert_ptr_eq(slot, (char *)d->slots + s * 32);
        ck_assert_ptr_eq(rgp_disruptor_slot(d, s + 8), slot);
        ck_assert_ptr_eq(rgp_disruptor_slot(d, s - 8 * 1000), slot);
    }
    ring_free(d);
}
END_TEST

START_TEST(test_add_consumer_validates)
{
    rgp_disruptor *d = ring_new(8, 8, 1, RGP_WAIT_ADAPTIVE, 0);
    rgp_disruptor *other = ring_new(8, 8, 1, RGP_WAIT_ADAPTIVE, 0);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *lossy = add(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 8);
    rgp_consumer *x = add(other, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *many[RGP_MAX_DEPS + 1];
    int i;

    for (i = 0; i < COUNT(many); i++)
        many[i] = a;
#define REJECT(call)                        \
    do {                                    \
        errno = 0;                          \
        ck_assert_ptr_null(call);           \
        ck_assert_int_eq(errno, EINVAL);    \
    } while (0)
    REJECT(rgp_disruptor_add_consumer(d, &lossy, 1, RGP_POLICY_BLOCK, 0));  /* on a lossy one */
    REJECT(rgp_disruptor_add_consumer(d, &x, 1, RGP_POLICY_BLOCK, 0));      /* another ring's */
    REJECT(rgp_disruptor_add_consumer(d, NULL, 1, RGP_POLICY_BLOCK, 0));
    REJECT(rgp_disruptor_add_consumer(d, many, RGP_MAX_DEPS + 1, RGP_POLICY_BLOCK, 0));
    REJECT(rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_DROP_NEWEST, 4)); /* use a relay */
    REJECT(rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 0));
    REJECT(rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 9));
    REJECT(rgp_disruptor_add_consumer(d, NULL, 0, 7, 0));
#undef REJECT
    ck_assert_ptr_nonnull(rgp_disruptor_add_consumer(d, many, RGP_MAX_DEPS, RGP_POLICY_BLOCK, 0));
    while (d->nconsumers < RGP_MAX_CONSUMERS)
        add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    errno = 0;
    ck_assert_ptr_null(rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_BLOCK, 0));
    ck_assert_int_eq(errno, EINVAL);
    ring_free(d);
    ring_free(other);
}
END_TEST

/* ---- sequencers, single thread ------------------------------------------- */

/* Claim, try-claim, publish and consume through one sequencer, sp or mp,
 * with one producer handle for mp. */
struct seqr {
    rgp_disruptor *d;
    rgp_producer p;
};

static uint64_t s_claim(struct seqr *q, uint64_t n)
{
    return q->d->multi ? rgp_mp_claim(&q->p, n) : rgp_sp_claim(q->d, n);
}

static int s_try(struct seqr *q, uint64_t n, uint64_t *seq)
{
    return q->d->multi ? rgp_mp_try_claim(&q->p, n, seq) : rgp_sp_try_claim(q->d, n, seq);
}

static void s_publish(struct seqr *q, uint64_t lo, uint64_t end)
{
    if (q->d->multi)
        rgp_mp_publish(q->d, lo, end);
    else
        rgp_sp_publish(q->d, end);
}

START_TEST(test_try_claim_full)
{
    uint32_t producers = _i ? 2 : 1;
    struct seqr q;
    rgp_consumer *c;
    uint64_t seq = 0, s, end;

    q.d = ring_new(8, sizeof(uint64_t), producers, RGP_WAIT_ADAPTIVE, 100);
    rgp_producer_init(&q.p, q.d);
    c = add(q.d, NULL, 0, RGP_POLICY_BLOCK, 0);

    /* Fill the ring: a batch of 3 and a batch of 5. */
    ck_assert_uint_eq(s_claim(&q, 3), 100);
    ck_assert_int_eq(s_try(&q, 5, &seq), 0);
    ck_assert_uint_eq(seq, 103);
    for (s = 100; s < 108; s++)
        *u64_slot(q.d, s) = s * 7;
    s_publish(&q, 100, 103);
    s_publish(&q, 103, 108);

    /* Full: nothing is claimed. */
    errno = 0;
    ck_assert_int_eq(s_try(&q, 1, &seq), -1);
    ck_assert_int_eq(errno, EAGAIN);
    errno = 0;
    ck_assert_int_eq(s_try(&q, 0, &seq), -1);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert_int_eq(s_try(&q, 9, &seq), -1);
    ck_assert_int_eq(errno, EINVAL);

    /* Consume one: exactly one slot comes free. */
    end = rgp_consumer_wait(c, 100, UINT64_MAX);
    ck_assert_uint_eq(end, 108);
    ck_assert_uint_eq(rgp_consumer_wait(c, 100, 3), 103); /* the caller bounds the batch */
    ck_assert_uint_eq(*u64_slot(q.d, 100), 700);
    rgp_consumer_release(c, 101);
    ck_assert_int_eq(s_try(&q, 2, &seq), -1);
    ck_assert_int_eq(errno, EAGAIN);
    ck_assert_int_eq(s_try(&q, 1, &seq), 0);
    ck_assert_uint_eq(seq, 108);
    ck_assert_int_eq(s_try(&q, 1, &seq), -1);
    ck_assert_int_eq(errno, EAGAIN);
    *u64_slot(q.d, 108) = 108 * 7;
    s_publish(&q, 108, 109);

    /* The rest drains in order. */
    for (s = 101; s < 109;) {
        end = rgp_consumer_wait(c, s, UINT64_MAX);
        ck_assert_uint_gt(end, s);
        ck_assert_uint_le(end, 109);
        for (; s != end; s++)
            ck_assert_uint_eq(*u64_slot(q.d, s), s * 7);
        rgp_consumer_release(c, end);
    }
    ck_assert_int_eq(s_try(&q, 8, &seq), 0);
    ck_assert_uint_eq(seq, 109);
    ring_free(q.d);
}
END_TEST

/* Several producers publish out of order: a consumer sees only the
 * contiguous published prefix, and never a claimed but unwritten slot. */
START_TEST(test_mp_out_of_order)
{
    rgp_disruptor *d = ring_new(16, sizeof(uint64_t), 3, RGP_WAIT_ADAPTIVE, 50);
    rgp_producer p1, p2, p3;
    rgp_consumer *c = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    uint64_t a, b, e, s;

    rgp_producer_init(&p1, d);
    rgp_producer_init(&p2, d);
    rgp_producer_init(&p3, d);
    a = rgp_mp_claim(&p1, 2);
    b = rgp_mp_claim(&p2, 3);
    e = rgp_mp_claim(&p3, 1);
    ck_assert_uint_eq(a, 50);
    ck_assert_uint_eq(b, 52);
    ck_assert_uint_eq(e, 55);
    for (s = 50; s < 56; s++)
        *u64_slot(d, s) = s;

    rgp_mp_publish(d, b, b + 3);
    ck_assert_uint_eq(rgp_consumer_poll(c, 50), 50);
    rgp_mp_publish(d, e, e + 1);
    ck_assert_uint_eq(rgp_consumer_poll(c, 50), 50);
    rgp_mp_publish(d, a, a + 1); /* half of p1's claim */
    ck_assert_uint_eq(rgp_consumer_poll(c, 50), 51);
    ck_assert_uint_eq(rgp_consumer_wait(c, 50, UINT64_MAX), 51);
    rgp_consumer_release(c, 51);
    rgp_mp_publish(d, a + 1, a + 2);
    ck_assert_uint_eq(rgp_consumer_wait(c, 51, UINT64_MAX), 56);
    ck_assert_uint_eq(rgp_consumer_lag(c), 5);
    rgp_consumer_release(c, 56);
    ck_assert_uint_eq(rgp_consumer_lag(c), 0);

    /* A lap later the old stamps do not count as published. */
    a = rgp_mp_claim(&p1, 16);
    ck_assert_uint_eq(a, 56);
    ck_assert_uint_eq(rgp_consumer_poll(c, 56), 56);
    rgp_mp_publish(d, a + 1, a + 16);
    ck_assert_uint_eq(rgp_consumer_poll(c, 56), 56);
    rgp_mp_publish(d, a, a + 1);
    ck_assert_uint_eq(rgp_consumer_poll(c, 56), 72);
    ring_free(d);
}
END_TEST

/* Many laps with batch sizes from a table, sequences starting near a wrap:
 * a three-stage pipeline A -> B -> C over one ring, each stage checking its
 * predecessor's field, single-threaded. */
static const struct {
    uint32_t producers;
    uint64_t cap;
    uint64_t start;
} wrap_cases[] = {
    {1, 8, 0},
    {1, 8, ((uint64_t)1 << 32) - 5},
    {1, 16, UINT64_MAX - 20},
    {1, 4, ((uint64_t)1 << 63) - 3},
    {2, 8, ((uint64_t)1 << 32) - 5},
    {2, 16, UINT64_MAX - 20},
    {3, 4, UINT64_MAX},
};

struct prec {
    uint64_t v, a, b;
};

START_TEST(test_wraparound)
{
    static const uint64_t batch[] = {1, 3, 2, 8, 5, 1, 7, 4};
    uint64_t cap = wrap_cases[_i].cap, start = wrap_cases[_i].start, total = 40 * cap;
    struct seqr q;
    rgp_consumer *st[3];
    uint64_t next[3], written = 0, k = 0;
    int i;

    q.d = ring_new(cap, sizeof(struct prec), wrap_cases[_i].producers, RGP_WAIT_BLOCK, start);
    rgp_producer_init(&q.p, q.d);
    st[0] = add(q.d, NULL, 0, RGP_POLICY_BLOCK, 0);
    st[1] = add(q.d, &st[0], 1, RGP_POLICY_BLOCK, 0);
    st[2] = add(q.d, &st[1], 1, RGP_POLICY_BLOCK, 0);
    ck_assert_uint_eq(q.d->ngating, 1);
    ck_assert_ptr_eq(q.d->gating[0], st[2]);
    for (i = 0; i < 3; i++)
        next[i] = rgp_disruptor_first_seq(q.d);

    while (next[2] != start + total) {
        uint64_t want = batch[k++ % COUNT(batch)], seq, s, got;
        if (want > cap)
            want = cap;
        if (want > total - written)
            want = total - written;
        if (want && s_try(&q, want, &seq) == 0) {
            ck_assert_uint_eq(seq, start + written);
            for (s = seq; s != seq + want; s++) {
                struct prec *r = rgp_disruptor_slot(q.d, s);
                r->v = s - start;
                r->a = r->b = 0;
            }
            s_publish(&q, seq, seq + want);
            written += want;
        }
        /* Each stage takes part of what it may, in a rotating order. */
        for (i = 0; i < 3; i++) {
            rgp_consumer *c = st[(i + k) % 3];
            int n = (int)((i + k) % 3);
            uint64_t end = rgp_consumer_poll(c, next[n]);
            if (end == next[n])
                continue;
            got = end - next[n];
            if (got > batch[(k + 3) % COUNT(batch)])
                end = next[n] + batch[(k + 3) % COUNT(batch)];
            for (s = next[n]; s != end; s++) {
                struct prec *r = rgp_disruptor_slot(q.d, s);
                ck_assert_uint_eq(r->v, s - start);
                if (n == 0) {
                    ck_assert_uint_eq(r->a, 0);
                    r->a = r->v * 3 + 1;
                } else if (n == 1) {
                    ck_assert_uint_eq(r->a, r->v * 3 + 1);
                    r->b = r->a + 5;
                } else {
                    ck_assert_uint_eq(r->b, r->v * 3 + 6);
                }
            }
            /* never past its predecessor */
            if (n > 0)
                ck_assert_int_le((int64_t)(end - rgp_load_relaxed_u64(&st[n - 1]->cursor)), 0);
            rgp_consumer_release(c, end);
            next[n] = end;
        }
    }
    ck_assert_uint_eq(written, total);
    rgp_disruptor_close(q.d);
    for (i = 1; i < (int)wrap_cases[_i].producers; i++)
        rgp_disruptor_close(q.d);
    for (i = 0; i < 3; i++)
        ck_assert_uint_eq(rgp_consumer_wait(st[i], next[i], UINT64_MAX), next[i]);
    ring_free(q.d);
}
END_TEST

/* ---- barriers and gating ------------------------------------------------- */

START_TEST(test_diamond_barrier)
{
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), 1, RGP_WAIT_ADAPTIVE, UINT64_MAX - 2);
    uint64_t f = rgp_disruptor_first_seq(d), seq;
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *b = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *ab[] = {a, b};
    rgp_consumer *c = add(d, ab, 2, RGP_POLICY_BLOCK, 0);

    /* Only C, the end of both chains, gates the producer. */
    ck_assert_uint_eq(d->ngating, 1);
    ck_assert_ptr_eq(d->gating[0], c);

    seq = rgp_sp_claim(d, 5);
    rgp_sp_publish(d, seq + 5);
    ck_assert_uint_eq(rgp_consumer_poll(a, f), f + 5);
    ck_assert_uint_eq(rgp_consumer_poll(c, f), f);
    rgp_consumer_release(a, f + 3);
    ck_assert_uint_eq(rgp_consumer_poll(c, f), f); /* B has done nothing */
    rgp_consumer_release(b, f + 2);
    ck_assert_uint_eq(rgp_consumer_poll(c, f), f + 2);
    ck_assert_uint_eq(rgp_consumer_wait(c, f, UINT64_MAX), f + 2);
    rgp_consumer_release(b, f + 5);
    ck_assert_uint_eq(rgp_consumer_wait(c, f + 2, UINT64_MAX), f + 3); /* now A is behind */
    rgp_consumer_release(a, f + 5);
    ck_assert_uint_eq(rgp_consumer_wait(c, f + 3, UINT64_MAX), f + 5);

    /* A and B done with everything, C not: the producer is held by C. */
    ck_assert_int_eq(rgp_sp_try_claim(d, 3, &seq), 0);
    ck_assert_int_eq(rgp_sp_try_claim(d, 1, &seq), -1);
    ck_assert_int_eq(errno, EAGAIN);
    rgp_consumer_release(c, f + 1);
    ck_assert_int_eq(rgp_sp_try_claim(d, 1, &seq), 0);
    ring_free(d);
}
END_TEST

START_TEST(test_gating_set)
{
    rgp_disruptor *d = ring_new(4, sizeof(uint64_t), 1, RGP_WAIT_BLOCK, 0);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *lossy = add(d, &a, 1, RGP_POLICY_DROP_OLDEST, 2);
    rgp_consumer *lossy2 = add(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 4);
    uint64_t i, seq;

    /* A lossy consumer depending on A does not take A out of the gating set. */
    ck_assert_uint_eq(d->ngating, 1);
    ck_assert_ptr_eq(d->gating[0], a);
    /* The drop_oldest consumers never read; the producer never waits for them. */
    for (i = 0; i < 100; i++) {
        ck_assert_int_eq(rgp_sp_try_claim(d, 1, &seq), 0);
        ck_assert_uint_eq(seq, i);
        rgp_sp_publish(d, seq + 1);
        ck_assert_uint_eq(rgp_consumer_wait(a, i, UINT64_MAX), i + 1);
        rgp_consumer_release(a, i + 1);
    }
    ck_assert_uint_eq(rgp_consumer_lag(lossy), 100);
    ck_assert_uint_eq(rgp_consumer_lag(lossy2), 100);
    ring_free(d);

    /* With nothing lossless at all the producer runs free. */
    d = ring_new(4, sizeof(uint64_t), 2, RGP_WAIT_BLOCK, 0);
    add(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 1);
    ck_assert_uint_eq(d->ngating, 0);
    {
        rgp_producer p;
        rgp_producer_init(&p, d);
        for (i = 0; i < 100; i++) {
            seq = rgp_mp_claim(&p, 3);
            ck_assert_uint_eq(seq, 3 * i);
            rgp_mp_publish(d, seq, seq + 3);
        }
    }
    ring_free(d);
}
END_TEST

/* ---- close --------------------------------------------------------------- */

/* A wait with a time limit: gives up with nothing once the limit passes
 * (and only then), returns at once what is there, and tells a close apart
 * from a time-out. _i picks the wait strategy. */
START_TEST(test_wait_for)
{
    static const int kinds[] = {RGP_WAIT_SPIN, RGP_WAIT_YIELD, RGP_WAIT_BLOCK, RGP_WAIT_ADAPTIVE};
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), 1, kinds[_i], 0);
    rgp_consumer *c = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    bool timed_out = false;
    int64_t t0 = rgp__mono_ms();
    ck_assert_uint_eq(rgp_consumer_wait_for(c, 0, 8, 30, &timed_out), 0);
    int64_t took = rgp__mono_ms() - t0;
    ck_assert(timed_out);
    ck_assert_msg(took >= 30 && took < 1000, "waited %lld ms for a 30 ms limit", (long long)took);
    rgp_sp_publish(d, rgp_sp_claim(d, 2) + 2);
    ck_assert_uint_eq(rgp_consumer_wait_for(c, 0, 8, 10000, &timed_out), 2);
    ck_assert(!timed_out);
    rgp_consumer_release(c, 2);
    rgp_disruptor_close(d);
    t0 = rgp__mono_ms();
    ck_assert_uint_eq(rgp_consumer_wait_for(c, 2, 8, 10000, &timed_out), 2);
    ck_assert(!timed_out);   /* closed and drained: the end, not a time-out */
    ck_assert_int_lt(rgp__mono_ms() - t0, 5000);
    ring_free(d);
}
END_TEST

START_TEST(test_close_drains)
{
    uint32_t producers = _i ? 2 : 1;
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), producers, RGP_WAIT_BLOCK, 1000);
    rgp_consumer *c = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *dep = add(d, &c, 1, RGP_POLICY_BLOCK, 0);
    rgp_producer p;
    uint64_t seq;

    rgp_producer_init(&p, d);
    seq = producers > 1 ? rgp_mp_claim(&p, 3) : rgp_sp_claim(d, 3);
    if (producers > 1)
        rgp_mp_publish(d, seq, seq + 3);
    else
        rgp_sp_publish(d, seq + 3);
    rgp_disruptor_close(d);
    if (producers > 1) {
        ck_assert(!rgp_disruptor_closed(d));
        seq = rgp_mp_claim(&p, 2);
        rgp_mp_publish(d, seq, seq + 2);
        rgp_disruptor_close(d);
    }
    ck_assert(rgp_disruptor_closed(d));
    /* Everything published before the close, then the end, every time asked. */
    ck_assert_uint_eq(rgp_consumer_wait(c, 1000, UINT64_MAX), producers > 1 ? 1005 : 1003);
    rgp_consumer_release(c, 1002);
    ck_assert_uint_eq(rgp_consumer_wait(dep, 1000, UINT64_MAX), 1002);
    rgp_consumer_release(dep, 1002);
    rgp_consumer_release(c, producers > 1 ? 1005 : 1003);
    ck_assert_uint_eq(rgp_consumer_wait(c, producers > 1 ? 1005 : 1003, UINT64_MAX), producers > 1 ? 1005 : 1003);
    ck_assert_uint_eq(rgp_consumer_wait(c, producers > 1 ? 1005 : 1003, UINT64_MAX), producers > 1 ? 1005 : 1003);
    ck_assert_uint_eq(rgp_consumer_wait(dep, 1002, UINT64_MAX), producers > 1 ? 1005 : 1003);
    ring_free(d);
}
END_TEST

/* A consumer that depends on another does not see the end of the stream
 * while the one it depends on still has records to finish. */
struct dep_wait {
    rgp_consumer *c;
    uint64_t next, got;
    RGP_ATOMIC(uint32_t) done;
};

static void *dep_waiter(void *arg)
{
    struct dep_wait *w = arg;
    uint64_t end;

    while ((end = rgp_consumer_wait(w->c, w->next, UINT64_MAX)) != w->next) {
        w->got += end - w->next;
        rgp_consumer_release(w->c, end);
        w->next = end;
    }
    /* pairs with the acquire of done in test_close_dependent */
    rgp_store_release_u32(&w->done, 1);
    return NULL;
}

START_TEST(test_close_dependent)
{
    static const int kinds[] = {RGP_WAIT_BLOCK, RGP_WAIT_ADAPTIVE, RGP_WAIT_YIELD};
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), 1, kinds[_i], 0);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    struct dep_wait w = {add(d, &a, 1, RGP_POLICY_BLOCK, 0), 0, 0, 0};
    pthread_t t;
    uint64_t seq;

    seq = rgp_sp_claim(d, 6);
    rgp_sp_publish(d, seq + 6);
    rgp_disruptor_close(d);
    ck_assert_int_eq(pthread_create(&t, NULL, dep_waiter, &w), 0);
    sleep_ms(50);
    /* pairs with the release of done in dep_waiter */
    ck_assert_uint_eq(rgp_load_acquire_u32(&w.done), 0);
    ck_assert_uint_eq(rgp_consumer_wait(a, 0, 2), 2);
    rgp_consumer_release(a, 2);
    sleep_ms(20);
    ck_assert_uint_eq(rgp_load_acquire_u32(&w.done), 0);
    ck_assert_uint_eq(rgp_consumer_wait(a, 2, UINT64_MAX), 6);
    rgp_consumer_release(a, 6);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(w.got, 6);
    ring_free(d);
}
END_TEST

/* The consumer is already waiting when the producer publishes its only batch
 * and closes at once; the producer's delay sweeps so the close lands at many
 * points of the consumer's wait loop. A wait that sees closed without
 * re-reading what is published loses the batch. */
#define CLOSE_TRIALS 3000u

struct close_race {
    rgp_disruptor *d[CLOSE_TRIALS];
    rgp_consumer *c[CLOSE_TRIALS];
    RGP_ATOMIC(uint32_t) ready;
    uint32_t lost, lost_trial;
};

static void *close_race_consumer(void *arg)
{
    struct close_race *cr = arg;
    uint32_t t;

    for (t = 0; t < CLOSE_TRIALS; t++) {
        uint64_t next, end, got = 0;
        /* pairs with the release of ready in test_close_race */
        while (rgp_load_acquire_u32(&cr->ready) <= t)
            rgp_cpu_relax();
        next = rgp_disruptor_first_seq(cr->d[t]);
        while ((end = rgp_consumer_wait(cr->c[t], next, UINT64_MAX)) != next) {
            got += end - next;
            rgp_consumer_release(cr->c[t], end);
            next = end;
        }
        if (got != 6 && !cr->lost) {
            cr->lost = 1;
            cr->lost_trial = t;
        }
    }
    return NULL;
}

START_TEST(test_close_race)
{
    static const int kinds[] = {RGP_WAIT_BLOCK, RGP_WAIT_ADAPTIVE, RGP_WAIT_SPIN};
    uint32_t producers = _i / 3 ? 2 : 1;
    struct close_race *cr = calloc(1, sizeof *cr);
    pthread_t cons;
    uint32_t t;

    for (t = 0; t < CLOSE_TRIALS; t++) {
        cr->d[t] = ring_new(8, sizeof(uint64_t), producers, kinds[_i % 3], t * 16u);
        cr->c[t] = add(cr->d[t], NULL, 0, RGP_POLICY_BLOCK, 0);
    }
    ck_assert_int_eq(pthread_create(&cons, NULL, close_race_consumer, cr), 0);
    for (t = 0; t < CLOSE_TRIALS; t++) {
        rgp_disruptor *d = cr->d[t];
        rgp_producer p, p2;
        unsigned spin;
        uint64_t seq;

        /* pairs with the acquire of ready in close_race_consumer */
        rgp_store_release_u32(&cr->ready, t + 1);
        for (spin = 0; spin < (t * 7u) % 97u; spin++)
            rgp_cpu_relax();
        if (producers == 1) {
            seq = rgp_sp_claim(d, 6);
            rgp_sp_publish(d, seq + 6);
            rgp_disruptor_close(d);
        } else {
            rgp_producer_init(&p, d);
            rgp_producer_init(&p2, d);
            seq = rgp_mp_claim(&p, 4);
            rgp_mp_publish(d, seq, seq + 4);
            rgp_disruptor_close(d);
            seq = rgp_mp_claim(&p2, 2);
            rgp_mp_publish(d, seq, seq + 2);
            rgp_disruptor_close(d);
        }
    }
    ck_assert_int_eq(pthread_join(cons, NULL), 0);
    ck_assert_msg(!cr->lost, "trial %u lost records to the close", cr->lost_trial);
    for (t = 0; t < CLOSE_TRIALS; t++)
        ring_free(cr->d[t]);
    free(cr);
}
END_TEST

/* ---- statistics and drop policies ---------------------------------------- */

START_TEST(test_stats)
{
    uint32_t producers = _i ? 2 : 1;
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), producers, RGP_WAIT_ADAPTIVE, UINT64_MAX - 3);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *b = add(d, &a, 1, RGP_POLICY_BLOCK, 0);
    struct seqr q = {d, {0}};
    uint64_t f = rgp_disruptor_first_seq(d), seq;

    rgp_producer_init(&q.p, d);
    ck_assert_uint_eq(rgp_consumer_lag(a), 0);
    ck_assert(rgp_consumer_backpressure(a) == 0.0);
    seq = s_claim(&q, 6);
    s_publish(&q, seq, seq + 6);
    ck_assert_uint_eq(rgp_consumer_lag(a), 6);
    ck_assert(rgp_consumer_backpressure(a) == 0.75);
    rgp_consumer_wait(a, f, UINT64_MAX);
    rgp_consumer_release(a, f + 4);
    ck_assert_uint_eq(rgp_consumer_lag(a), 2);
    ck_assert(rgp_consumer_backpressure(a) == 0.25);
    ck_assert_uint_eq(rgp_consumer_lag(b), 6);
    rgp_consumer_release(b, f + 4);
    ck_assert_uint_eq(rgp_consumer_lag(b), 2);
    ck_assert_uint_eq(rgp_consumer_dropped(a), 0);
    ck_assert_uint_eq(rgp_consumer_dropped(b), 0);
    ring_free(d);
}
END_TEST

/* drop_oldest, single thread: skipping ahead, torn copies, exact counts. */
START_TEST(test_drop_oldest)
{
    uint32_t producers = _i ? 2 : 1;
    rgp_disruptor *d = ring_new(8, sizeof(struct prec), producers, RGP_WAIT_ADAPTIVE, ((uint64_t)1 << 32) - 3);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *lossy = add(d, NULL, 0, RGP_POLICY_DROP_OLDEST, 2);
    struct seqr q = {d, {0}};
    uint64_t f = rgp_disruptor_first_seq(d), next = f, end, published = 0, received = 0, s;
    struct prec r;

    rgp_producer_init(&q.p, d);
    /* Publish 6 (A keeps up): the lossy consumer skips to the last 2. */
    for (s = 0; s < 6; s++) {
        uint64_t seq = s_claim(&q, 1);
        struct prec *slot = rgp_disruptor_slot(d, seq);
        slot->v = seq;
        slot->a = ~seq;
        s_publish(&q, seq, seq + 1);
        published++;
    }
    rgp_consumer_release(a, rgp_consumer_wait(a, f, UINT64_MAX));
    end = rgp_consumer_wait_lossy(lossy, &next, UINT64_MAX);
    ck_assert_uint_eq(next, f + 4);
    ck_assert_uint_eq(end, f + 6);
    ck_assert_uint_eq(rgp_consumer_dropped(lossy), 4);
    ck_assert(rgp_consumer_copy(lossy, next, &r));
    ck_assert_uint_eq(r.v, next);
    ck_assert_uint_eq(r.a, ~next);
    received++;
    /* The producer laps the rest of the window before it is copied: torn. */
    for (s = 0; s < 8; s++) {
        uint64_t seq = s_claim(&q, 1);
        struct prec *slot = rgp_disruptor_slot(d, seq);
        slot->v = seq;
        slot->a = ~seq;
        s_publish(&q, seq, seq + 1);
        published++;
        rgp_consumer_release(a, rgp_consumer_wait(a, seq, UINT64_MAX));
    }
    ck_assert(!rgp_consumer_copy(lossy, next + 1, &r));
    ck_assert_uint_eq(rgp_consumer_dropped(lossy), 5);
    rgp_consumer_release(lossy, end);
    next = end;
    ck_assert_uint_eq(rgp_consumer_lag(lossy), 8);
    ck_assert(rgp_consumer_backpressure(lossy) == 1.0);
    /* Close: the lossy consumer skips to the last 2 and drains. */
    rgp_disruptor_close(d);
    if (producers > 1)
        rgp_disruptor_close(d);
    while ((end = rgp_consumer_wait_lossy(lossy, &next, UINT64_MAX)) != next) {
        for (s = next; s != end; s++) {
            if (rgp_consumer_copy(lossy, s, &r)) {
                ck_assert_uint_eq(r.v, s);
                ck_assert_uint_eq(r.a, ~s);
                received++;
            }
        }
        rgp_consumer_release(lossy, end);
        next = end;
    }
    ck_assert_uint_eq(received, 3);
    ck_assert_uint_eq(received + rgp_consumer_dropped(lossy), published);
    ck_assert_uint_eq(next, f + published);
    ring_free(d);
}
END_TEST

START_TEST(test_relay_drop_newest)
{
    rgp_relay *r;
    void *mem = NULL;
    rgp_consumer *c;
    uint64_t next, end, i, offered = 0, received = 0, expect = 0;

    ck_assert_int_eq(posix_memalign(&mem, RGP_CACHE_LINE, sizeof *r), 0);
    r = mem;
    ck_assert_int_eq(rgp_relay_init(r, 4, sizeof(uint64_t), RGP_WAIT_BLOCK), 0);
    c = rgp_relay_consumer(r);
    ck_assert_int_eq(c->policy, RGP_POLICY_DROP_NEWEST);
    next = rgp_disruptor_first_seq(&r->ring);
    for (i = 0; i < 6; i++, offered++)
        ck_assert_int_eq(rgp_relay_offer(r, &i, sizeof i), i < 4);
    ck_assert_uint_eq(rgp_consumer_dropped(c), 2);
    ck_assert_uint_eq(rgp_consumer_lag(c), 4);
    ck_assert(rgp_consumer_backpressure(c) == 1.0);
    end = rgp_consumer_wait(c, next, 2);
    for (; next != end; next++, received++)
        ck_assert_uint_eq(*(uint64_t *)rgp_disruptor_slot(&r->ring, next), expect++);
    rgp_consumer_release(c, end);
    for (i = 10; i < 13; i++, offered++) /* the newest are the ones dropped */
        ck_assert_int_eq(rgp_relay_offer(r, &i, sizeof i), i < 12);
    ck_assert_uint_eq(rgp_consumer_dropped(c), 3);
    rgp_relay_close(r);
    while ((end = rgp_consumer_wait(c, next, UINT64_MAX)) != next) {
        for (; next != end; next++, received++) {
            uint64_t v = *(uint64_t *)rgp_disruptor_slot(&r->ring, next);
            ck_assert_uint_eq(v, expect < 4 ? expect : expect + 6);
            expect++;
        }
        rgp_consumer_release(c, end);
    }
    ck_assert_uint_eq(received, 6);
    ck_assert_uint_eq(received + rgp_consumer_dropped(c), offered);
    rgp_relay_destroy(r);
    free(r);
}
END_TEST

/* ---- wait strategies ----------------------------------------------------- */

/* With nobody asleep a signal makes no system call: epoch never moves. */
START_TEST(test_signal_without_sleepers)
{
    rgp_disruptor *d = ring_new(8, sizeof(uint64_t), 1, RGP_WAIT_BLOCK, 0);
    rgp_consumer *c = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    uint64_t i;

    for (i = 0; i < 1000; i++) {
        uint64_t seq = rgp_sp_claim(d, 1);
        rgp_sp_publish(d, seq + 1);
        ck_assert_uint_eq(rgp_consumer_wait(c, i, UINT64_MAX), i + 1);
        rgp_consumer_release(c, i + 1);
    }
    ck_assert_uint_eq(rgp_load_relaxed_u32(&d->waiter.epoch), 0);
    ck_assert_uint_eq(rgp_load_relaxed_u32(&d->waiter.sleepers), 0);
    ring_free(d);
}
END_TEST

/* Idle waiters use no measurable CPU under BLOCK and ADAPTIVE: a consumer
 * waiting for the producer, one waiting for an upstream consumer (which itself
 * has work to hold on to), and a producer waiting for room. */
struct idle {
    rgp_disruptor *d;
    rgp_consumer *c;
    uint64_t from;
    double cpu_ms;
    uint64_t got;
};

static void *idle_consumer(void *arg)
{
    struct idle *w = arg;
    double t0 = thread_cpu_ms();
    uint64_t end = rgp_consumer_wait(w->c, w->from, UINT64_MAX);

    w->cpu_ms = thread_cpu_ms() - t0;
    w->got = end - w->from;
    rgp_consumer_release(w->c, end);
    return NULL;
}

static void *idle_producer(void *arg)
{
    struct idle *w = arg;
    double t0 = thread_cpu_ms();
    uint64_t seq = rgp_sp_claim(w->d, 1);

    w->cpu_ms = thread_cpu_ms() - t0;
    rgp_sp_publish(w->d, seq + 1);
    w->got = 1;
    return NULL;
}

START_TEST(test_idle_cpu)
{
    static const int kinds[] = {RGP_WAIT_BLOCK, RGP_WAIT_ADAPTIVE};
    rgp_disruptor *d = ring_new(4, sizeof(uint64_t), 1, kinds[_i], 0);
    rgp_consumer *a = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    rgp_consumer *b = add(d, &a, 1, RGP_POLICY_BLOCK, 0);
    rgp_consumer *a2 = add(d, NULL, 0, RGP_POLICY_BLOCK, 0);
    struct idle wa = {d, a2, 0, 0, 0}, wb = {d, b, 0, 0, 0}, wp = {d, NULL, 0, 0, 0};
    pthread_t ta, tb, tp;
    uint64_t seq;

    /* a2 waits for the producer; b waits for a, which holds its records. */
    seq = rgp_sp_claim(d, 2);
    rgp_sp_publish(d, seq + 2);
    ck_assert_uint_eq(rgp_consumer_wait(a, 0, UINT64_MAX), 2);
    wa.from = 2;
    rgp_consumer_release(a2, 2);
    ck_assert_int_eq(pthread_create(&ta, NULL, idle_consumer, &wa), 0);
    ck_assert_int_eq(pthread_create(&tb, NULL, idle_consumer, &wb), 0);
    sleep_ms(300);
    rgp_consumer_release(a, 2);
    ck_assert_int_eq(pthread_join(tb, NULL), 0);
    seq = rgp_sp_claim(d, 1);
    rgp_sp_publish(d, seq + 1);
    ck_assert_int_eq(pthread_join(ta, NULL), 0);
    ck_assert_uint_eq(wa.got, 1);
    ck_assert_uint_eq(wb.got, 2);
    ck_assert_msg(wa.cpu_ms < 20, "idle consumer used %.1f ms of CPU", wa.cpu_ms);
    ck_assert_msg(wb.cpu_ms < 20, "idle dependent consumer used %.1f ms of CPU", wb.cpu_ms);

    /* Fill the ring while a2 stays at 3: the producer waits for room. */
    rgp_consumer_release(a, 3);
    rgp_consumer_release(b, 3);
    seq = rgp_sp_claim(d, 4);
    rgp_sp_publish(d, seq + 4);
    rgp_consumer_release(a, 7);
    rgp_consumer_release(b, 7);
    ck_assert_int_eq(pthread_create(&tp, NULL, idle_producer, &wp), 0);
    sleep_ms(300);
    rgp_consumer_release(a2, 4);
    ck_assert_int_eq(pthread_join(tp, NULL), 0);
    ck_assert_uint_eq(wp.got, 1);
    ck_assert_msg(wp.cpu_ms < 20, "idle producer used %.1f ms of CPU", wp.cpu_ms);
    ring_free(d);
}
END_TEST

/* Ping-pong through two blocking rings: every round trip puts each side to
 * sleep, so a lost wake-up hangs the test (and the Check timeout fails it). */
#define PINGS 20000u

struct pingpong {
    rgp_disruptor *there, *back;
    rgp_consumer *c_there, *c_back;
};

static void *ponger(void *arg)
{
    struct pingpong *pp = arg;
    uint64_t next = 0, end;

    while ((end = rgp_consumer_wait(pp->c_there, next, UINT64_MAX)) != next) {
        for (; next != end; next++) {
            uint64_t v = *(uint64_t *)rgp_disruptor_slot(pp->there, next);
            uint64_t seq = rgp_sp_claim(pp->back, 1);
            *(uint64_t *)rgp_disruptor_slot(pp->back, seq) = v + 1;
            rgp_sp_publish(pp->back, seq + 1);
        }
        rgp_consumer_release(pp->c_there, end);
    }
    rgp_disruptor_close(pp->back);
    return NULL;
}

START_TEST(test_pingpong_no_lost_wakeup)
{
    static const int kinds[] = {RGP_WAIT_BLOCK, RGP_WAIT_ADAPTIVE};
    struct pingpong pp;
    pthread_t t;
    uint64_t i;

    pp.there = ring_new(4, sizeof(uint64_t), 1, kinds[_i], 0);
    pp.back = ring_new(4, sizeof(uint64_t), 1, kinds[_i], 0);
    pp.c_there = add(pp.there, NULL, 0, RGP_POLICY_BLOCK, 0);
    pp.c_back = add(pp.back, NULL, 0, RGP_POLICY_BLOCK, 0);
    ck_assert_int_eq(pthread_create(&t, NULL, ponger, &pp), 0);
    for (i = 0; i < PINGS; i++) {
        uint64_t seq = rgp_sp_claim(pp.there, 1);
        *(uint64_t *)rgp_disruptor_slot(pp.there, seq) = i * 2;
        rgp_sp_publish(pp.there, seq + 1);
        ck_assert_uint_eq(rgp_consumer_wait(pp.c_back, i, UINT64_MAX), i + 1);
        ck_assert_uint_eq(*(uint64_t *)rgp_disruptor_slot(pp.back, i), i * 2 + 1);
        rgp_consumer_release(pp.c_back, i + 1);
    }
    rgp_disruptor_close(pp.there);
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    ck_assert_uint_eq(rgp_consumer_wait(pp.c_back, PINGS, UINT64_MAX), PINGS);
    ring_free(pp.there);
    ring_free(pp.back);
}
END_TEST

/* ---- several producers, threads ------------------------------------------ */

#define MP_PRODUCERS 3
#define MP_EACH 30000u

struct mp_run {
    rgp_disruptor *d;
    RGP_ATOMIC(uint32_t) id;
};

static void *mp_producer(void *arg)
{
    struct mp_run *m = arg;
    uint64_t p_id = rgp_fetch_add_u32(&m->id, 1), k = 0;
    rgp_producer p;

    rgp_producer_init(&p, m->d);
    while (k < MP_EACH) {
        uint64_t n = 1 + (k % 7), seq, s;
        if (n > MP_EACH - k)
            n = MP_EACH - k;
        if (k % 3 == 0) {
            while (rgp_mp_try_claim(&p, n, &seq) != 0)
                sched_yield(); /* more threads than cores: let the consumer run */
        } else {
            seq = rgp_mp_claim(&p, n);
        }
        for (s = seq; s != seq + n; s++, k++)
            *(uint64_t *)rgp_disruptor_slot(m->d, s) = p_id << 32 | k;
        rgp_mp_publish(m->d, seq, seq + n);
    }
    rgp_disruptor_close(m->d);
    return NULL;
}

START_TEST(test_mp_threads)
{
    static const int kinds[] = {RGP_WAIT_ADAPTIVE, RGP_WAIT_BLOCK};
    struct mp_run m = {ring_new(64, sizeof(uint64_t), MP_PRODUCERS, kinds[_i], ((uint64_t)1 << 32) - 100), 0};
    rgp_consumer *c = add(m.d, NULL, 0, RGP_POLICY_BLOCK, 0);
    uint64_t last[MP_PRODUCERS], next = rgp_disruptor_first_seq(m.d), end, total = 0;
    pthread_t t[MP_PRODUCERS];
    int i;

    for (i = 0; i < MP_PRODUCERS; i++) {
        last[i] = UINT64_MAX;
        ck_assert_int_eq(pthread_create(&t[i], NULL, mp_producer, &m), 0);
    }
    while ((end = rgp_consumer_wait(c, next, 50)) != next) {
        for (; next != end; next++, total++) {
            uint64_t v = *(uint64_t *)rgp_disruptor_slot(m.d, next);
            uint32_t p = (uint32_t)(v >> 32);
            ck_assert_uint_lt(p, MP_PRODUCERS);
            ck_assert_uint_eq((uint32_t)v, last[p] + 1); /* each producer in order */
            last[p] = (uint32_t)v;
        }
        rgp_consumer_release(c, end);
    }
    for (i = 0; i < MP_PRODUCERS; i++) {
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
        ck_assert_uint_eq(last[i], MP_EACH - 1);
    }
    ck_assert_uint_eq(total, MP_PRODUCERS * (uint64_t)MP_EACH);
    ring_free(m.d);
}
END_TEST

Suite *sequencer_suite(void)
{
    Suite *s = suite_create("sequencer");
    TCase *tc = tcase_create("setup");

    tcase_add_loop_test(tc, test_init_validates, 0, COUNT(init_cases));
    tcase_add_test(tc, test_layout_lines);
    tcase_add_test(tc, test_add_consumer_validates);
    suite_add_tcase(s, tc);

    tc = tcase_create("single_thread");
    tcase_add_loop_test(tc, test_try_claim_full, 0, 2);
    tcase_add_test(tc, test_mp_out_of_order);
    tcase_add_loop_test(tc, test_wraparound, 0, COUNT(wrap_cases));
    tcase_add_test(tc, test_diamond_barrier);
    tcase_add_test(tc, test_gating_set);
    tcase_add_loop_test(tc, test_close_drains, 0, 2);
    tcase_add_loop_test(tc, test_wait_for, 0, 4);
    tcase_add_loop_test(tc, test_stats, 0, 2);
    tcase_add_loop_test(tc, test_drop_oldest, 0, 2);
    tcase_add_test(tc, test_relay_drop_newest);
    tcase_add_test(tc, test_signal_without_sleepers);
    suite_add_tcase(s, tc);

    tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, test_close_dependent, 0, 3);
    tcase_add_loop_test(tc, test_close_race, 0, 6);
    tcase_add_loop_test(tc, test_idle_cpu, 0, 2);
    tcase_add_loop_test(tc, test_pingpong_no_lost_wakeup, 0, 2);
    tcase_add_loop_test(tc, test_mp_threads, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}
