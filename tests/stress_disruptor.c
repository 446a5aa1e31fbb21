/* stress_disruptor.c - stress runs of runtime/sequencer.h: every shape with
 * every wait strategy, order and sum checked at every consumer, drop counts
 * checked exactly. (Speed is measured by make bench-ring, not here.) */

/* Usage:
 *     stress_disruptor [--quick] [SCALE]   one line per run, then
 *                                          "stress: N passed, M failed";
 *                                          exit 1 on any failure
 * SCALE multiplies the record counts; --quick is sized for ThreadSanitizer. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sequencer.h"

/* ---- records and checks -------------------------------------------------- */

/* v identifies the record (producer << 40 | its count); chk makes a torn or
 * misplaced copy visible; a and b are written by pipeline stages in place. */
struct rec {
    uint64_t v, chk, a, b;
};

#define PRODUCER_SHIFT 40

static uint64_t mix(uint64_t v) { return (v ^ 0x5bd1e995u) * 0x9E3779B97F4A7C15ull; }
static uint64_t stage_a(uint64_t v) { return v * 3 + 1; }
static uint64_t stage_b(uint64_t v) { return v ^ 0xA5A5A5A5A5A5A5A5ull; }

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static void *aligned_new(size_t size)
{
    void *p = NULL;
    if (posix_memalign(&p, RGP_CACHE_LINE, size) != 0) {
        fprintf(stderr, "stress: out of memory\n");
        exit(2);
    }
    memset(p, 0, size);
    return p;
}

/* ---- consumers ----------------------------------------------------------- */

enum role {
    ROLE_CHECK,      /* order (per producer) and sum */
    ROLE_PIPE_A,     /* first stage: checks v, writes a */
    ROLE_PIPE_B,     /* second stage: checks a, writes b */
    ROLE_PIPE_C,     /* last stage: checks a and b */
    ROLE_DIAMOND_B,  /* beside A: checks v, writes b */
    ROLE_LOSSY,      /* drop_oldest, stalled: copies, checks chk and order */
    ROLE_RELAY       /* drop_newest through a relay, stalled */
};

struct cons {
    rgp_disruptor *d;
    rgp_consumer *c;
    enum role role;
    uint64_t max_batch;
    int producers;           /* how many producers' counts to track */
    int stall;               /* sleep now and then */
    /* results */
    uint64_t received, sum, torn;
    uint64_t last[4];        /* next expected count per producer (lossless) or last seen + 1 */
    char err[200];
};

static void cons_fail(struct cons *k, const char *fmt, ...)
{
    va_list ap;
    if (k->err[0])
        return;
    va_start(ap, fmt);
    vsnprintf(k->err, sizeof k->err, fmt, ap);
    va_end(ap);
}

/* Checks one record's identity and, for a lossless consumer, its order. */
static void check_rec(struct cons *k, uint64_t seq, const struct rec *r, int lossless)
{
    uint64_t p = r->v >> PRODUCER_SHIFT, n = r->v & (((uint64_t)1 << PRODUCER_SHIFT) - 1);

    if (r->chk != mix(r->v) || p >= (uint64_t)k->producers) {
        cons_fail(k, "seq %llu: bad record v=%llx chk=%llx", (unsigned long long)seq,
                  (unsigned long long)r->v, (unsigned long long)r->chk);
        return;
    }
    if (lossless ? n != k->last[p] : n < k->last[p])
        cons_fail(k, "seq %llu: producer %llu count %llu, expected %s%llu", (unsigned long long)seq,
                  (unsigned long long)p, (unsigned long long)n, lossless ? "" : ">= ",
                  (unsigned long long)k->last[p]);
    k->last[p] = n + 1;
    k->sum += n;
    k->received++;
}

static void process(struct cons *k, uint64_t seq, struct rec *r)
{
    switch (k->role) {
    case ROLE_CHECK:
        check_rec(k, seq, r, 1);
        break;
    case ROLE_PIPE_A:
        check_rec(k, seq, r, 1);
        if (r->a != 0)
            cons_fail(k, "seq %llu: a already written", (unsigned long long)seq);
        r->a = stage_a(r->v);
        break;
    case ROLE_PIPE_B:
        check_rec(k, seq, r, 1);
        if (r->a != stage_a(r->v))
            cons_fail(k, "seq %llu: stage A's field not there", (unsigned long long)seq);
        r->b = stage_b(r->v);
        break;
    case ROLE_DIAMOND_B:
        check_rec(k, seq, r, 1);
        if (r->b != 0)
            cons_fail(k, "seq %llu: b already written", (unsigned long long)seq);
        r->b = stage_b(r->v);
        break;
    case ROLE_PIPE_C:
        check_rec(k, seq, r, 1);
        if (r->a != stage_a(r->v) || r->b != stage_b(r->v))
            cons_fail(k, "seq %llu: a stage's field not there", (unsigned long long)seq);
        break;
    default:
        break;
    }
}

static void *cons_main(void *arg)
{
    struct cons *k = arg;
    uint64_t next = rgp_disruptor_first_seq(k->d), end, batches = 0;
    struct rec copy;

    if (k->stall)
        sleep_us(2000); /* a slow start: the others run ahead */
    for (;;) {
        if (k->role == ROLE_LOSSY) {
            end = rgp_consumer_wait_lossy(k->c, &next, k->max_batch);
            if (end == next)
                break;
            for (uint64_t s = next; s != end; s++) {
                if (rgp_consumer_copy(k->c, s, &copy))
                    check_rec(k, s, &copy, 0);
                else
                    k->torn++;
            }
        } else {
            end = rgp_consumer_wait(k->c, next, k->max_batch);
            if (end == next)
                break;
            if (k->role == ROLE_RELAY) {
                for (uint64_t s = next; s != end; s++)
                    check_rec(k, s, rgp_disruptor_slot(k->d, s), 0);
            } else {
                for (uint64_t s = next; s != end; s++)
                    process(k, s, rgp_disruptor_slot(k->d, s));
            }
        }
        rgp_consumer_release(k->c, end);
        next = end;
        if (k->stall && ++batches % 16 == 0)
            sleep_us(200);
    }
    return NULL;
}

/* ---- producers ----------------------------------------------------------- */

struct prod {
    rgp_disruptor *d;
    int id;
    uint64_t count;
    rgp_relay *relay;        /* also offer every record here */
};

static void fill(rgp_disruptor *d, uint64_t seq, uint64_t v, rgp_relay *relay)
{
    struct rec *r = rgp_disruptor_slot(d, seq);
    r->v = v;
    r->chk = mix(v);
    r->a = r->b = 0;
    if (relay)
        rgp_relay_offer(relay, r, sizeof *r);
}

static void *prod_main(void *arg)
{
    struct prod *p = arg;
    rgp_disruptor *d = p->d;
    rgp_producer h;
    uint64_t k = 0, batch = 0, base = (uint64_t)p->id << PRODUCER_SHIFT;
    uint64_t cap_batch = rgp_disruptor_capacity(d) < 64 ? rgp_disruptor_capacity(d) : 64;

    rgp_producer_init(&h, d);
    while (k < p->count) {
        uint64_t n = 1 + (batch * 7) % cap_batch, seq, s;
        if (n > p->count - k)
            n = p->count - k;
        /* every fourth batch tries first, and claims the blocking way if full */
        if (batch++ % 4 != 0 ||
            (d->multi ? rgp_mp_try_claim(&h, n, &seq) : rgp_sp_try_claim(d, n, &seq)) != 0)
            seq = d->multi ? rgp_mp_claim(&h, n) : rgp_sp_claim(d, n);
        for (s = seq; s != seq + n; s++, k++)
            fill(d, s, base | k, p->relay);
        if (d->multi)
            rgp_mp_publish(d, seq, seq + n);
        else
            rgp_sp_publish(d, seq + n);
    }
    rgp_disruptor_close(d);
    if (p->relay)
        rgp_relay_close(p->relay);
    return NULL;
}

/* ---- shapes -------------------------------------------------------------- */

static const struct {
    int kind;
    const char *name;
} waits[] = {
    {RGP_WAIT_SPIN, "spin"},
    {RGP_WAIT_YIELD, "yield"},
    {RGP_WAIT_BLOCK, "block"},
    {RGP_WAIT_ADAPTIVE, "adaptive"},
};

enum shape { S_1P1C, S_1P3C, S_PIPELINE, S_DIAMOND, S_3P1C, S_DROP_1P, S_DROP_3P };

static const char *shape_names[] = {"1P->1C", "1P->3C multicast", "pipeline A->B->C", "diamond (C after A,B)",
                                    "3P->1C", "drops 1P", "drops 3P"};

static int passed, failed;

static void report(const char *shape, const char *wait, int ok, uint64_t records, double secs, const char *detail)
{
    printf("%-22s %-9s %s  %10llu records %7.3f s  %s\n", shape, wait, ok ? "ok  " : "FAIL",
           (unsigned long long)records, secs, detail);
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

/* One run: build the ring and its consumers for the shape, run, check. */
static double run_shape(enum shape sh, int wi, uint64_t n)
{
    int producers = (sh == S_3P1C || sh == S_DROP_3P) ? 3 : 1;
    uint64_t cap = (sh == S_DROP_1P || sh == S_DROP_3P) ? 1024 : 256;
    uint64_t start = sh % 2 ? UINT64_MAX - n / 2 : ((uint64_t)1 << 32) - n / 3;
    rgp_disruptor *d = aligned_new(sizeof *d);
    rgp_relay *relay = NULL;
    struct cons k[4];
    struct prod p[3];
    pthread_t tc[4], tp[3];
    int nc = 0, i, ok = 1;
    uint64_t each = n / (uint64_t)producers, total, expect_sum;
    char detail[400] = "";
    double t0;

    memset(k, 0, sizeof k);
    if (rgp_disruptor_init_at(d, cap, sizeof(struct rec), (uint32_t)producers, waits[wi].kind, start) != 0) {
        perror("stress: rgp_disruptor_init_at");
        exit(2);
    }
    total = each * (uint64_t)producers;
    expect_sum = (uint64_t)producers * (each * (each - 1) / 2);
    for (i = 0; i < 4; i++) {
        k[i].d = d;
        k[i].producers = producers;
        k[i].max_batch = i % 2 ? 100 : UINT64_MAX;
    }
#define ADD(deps, nd, pol, lim, r)                                                      \
    do {                                                                                \
        k[nc].c = rgp_disruptor_add_consumer(d, deps, nd, pol, lim);                    \
        if (!k[nc].c) {                                                                 \
            perror("stress: rgp_disruptor_add_consumer");                               \
            exit(2);                                                                    \
        }                                                                               \
        k[nc++].role = r;                                                               \
    } while (0)
    switch (sh) {
    case S_1P1C:
    case S_3P1C:
        ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_CHECK);
        break;
    case S_1P3C:
        for (i = 0; i < 3; i++)
            ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_CHECK);
        break;
    case S_PIPELINE:
        ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_PIPE_A);
        ADD(&k[0].c, 1, RGP_POLICY_BLOCK, 0, ROLE_PIPE_B);
        ADD(&k[1].c, 1, RGP_POLICY_BLOCK, 0, ROLE_PIPE_C);
        break;
    case S_DIAMOND: {
        ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_PIPE_A);
        ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_DIAMOND_B);
        rgp_consumer *ab[2] = {k[0].c, k[1].c};
        ADD(ab, 2, RGP_POLICY_BLOCK, 0, ROLE_PIPE_C);
        break;
    }
    case S_DROP_1P:
    case S_DROP_3P:
        ADD(NULL, 0, RGP_POLICY_BLOCK, 0, ROLE_CHECK);
        ADD(NULL, 0, RGP_POLICY_DROP_OLDEST, cap / 2, ROLE_LOSSY);
        k[1].stall = 1;
        if (sh == S_DROP_1P) {
            relay = aligned_new(sizeof *relay);
            if (rgp_relay_init(relay, 256, sizeof(struct rec), waits[wi].kind) != 0) {
                perror("stress: rgp_relay_init");
                exit(2);
            }
            k[nc].d = &relay->ring;
            k[nc].c = rgp_relay_consumer(relay);
            k[nc].role = ROLE_RELAY;
            k[nc++].stall = 1;
        }
        break;
    }
#undef ADD

    t0 = now_s();
    for (i = 0; i < nc; i++)
        if (pthread_create(&tc[i], NULL, cons_main, &k[i]) != 0)
            exit(2);
    for (i = 0; i < producers; i++) {
        p[i].d = d;
        p[i].id = i;
        p[i].count = each;
        p[i].relay = relay;
        if (pthread_create(&tp[i], NULL, prod_main, &p[i]) != 0)
            exit(2);
    }
    for (i = 0; i < producers; i++)
        pthread_join(tp[i], NULL);
    for (i = 0; i < nc; i++)
        pthread_join(tc[i], NULL);
    t0 = now_s() - t0;

    for (i = 0; i < nc; i++) {
        size_t len = strlen(detail);
        uint64_t dropped = rgp_consumer_dropped(k[i].c);
        int j;
        if (k[i].err[0]) {
            ok = 0;
            snprintf(detail + len, sizeof detail - len, "C%d: %s; ", i, k[i].err);
            continue;
        }
        if (k[i].role == ROLE_LOSSY || k[i].role == ROLE_RELAY) {
            /* received + dropped == published, exactly; and the stall made it drop */
            if (k[i].received + dropped != total || dropped == 0) {
                ok = 0;
                snprintf(detail + len, sizeof detail - len, "C%d: received %llu + dropped %llu != %llu; ", i,
                         (unsigned long long)k[i].received, (unsigned long long)dropped,
                         (unsigned long long)total);
            } else {
                snprintf(detail + len, sizeof detail - len, "%s got %llu dropped %llu%s; ",
                         k[i].role == ROLE_LOSSY ? "drop_oldest" : "drop_newest",
                         (unsigned long long)k[i].received, (unsigned long long)dropped,
                         k[i].role == ROLE_LOSSY ? (k[i].torn ? " (some torn)" : " (none torn)") : "");
            }
            continue;
        }
        if (k[i].received != total || k[i].sum != expect_sum || dropped != 0) {
            ok = 0;
            snprintf(detail + len, sizeof detail - len, "C%d: received %llu sum %llu, expected %llu sum %llu; ", i,
                     (unsigned long long)k[i].received, (unsigned long long)k[i].sum,
                     (unsigned long long)total, (unsigned long long)expect_sum);
        }
        for (j = 0; j < producers; j++)
            if (k[i].last[j] != each) {
                ok = 0;
                len = strlen(detail);
                snprintf(detail + len, sizeof detail - len, "C%d: producer %d ended at %llu; ", i, j,
                         (unsigned long long)k[i].last[j]);
            }
        if (rgp_consumer_lag(k[i].c) != 0) {
            ok = 0;
            len = strlen(detail);
            snprintf(detail + len, sizeof detail - len, "C%d: lag %llu after the end; ", i,
                     (unsigned long long)rgp_consumer_lag(k[i].c));
        }
    }
    report(shape_names[sh], waits[wi].name, ok, total, t0, detail);
    if (relay) {
        rgp_relay_destroy(relay);
        free(relay);
    }
    rgp_disruptor_destroy(d);
    free(d);
    return t0;
}

/* Spinning with more threads than online CPUs (3 producers and a consumer,
 * all busy-spinning): the sums and sequences are checked by run_shape, and
 * the run must end in bounded time. A SPIN waiter that never gives its core
 * away moves the ring on only when the scheduler preempts it, about a ring's
 * worth (256) per time slice: 3M records took minutes. */
static void run_oversubscribed(uint64_t n, double limit_s)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double secs = run_shape(S_3P1C, 0, n);
    char detail[96];

    snprintf(detail, sizeof detail, "4 spinning threads on %ld CPUs: %.3f s, limit %.0f s", cpus, secs, limit_s);
    report("oversubscribed spin", "spin", secs < limit_s, n, secs, detail);
}

int main(int argc, char **argv)
{
    double scale = 1.0;
    int quick = 0, a, wi, sh;

    for (a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--quick")) {
            quick = 1;
        } else {
            char *end;
            errno = 0;
            scale = strtod(argv[a], &end);
            if (errno || *end || scale <= 0) {
                fprintf(stderr, "usage: %s [--quick] [SCALE]\n", argv[0]);
                return 2;
            }
        }
    }
    for (sh = S_1P1C; sh <= S_DROP_3P; sh++) {
        for (wi = 0; wi < (int)(sizeof waits / sizeof waits[0]); wi++) {
            /* Base counts keep the whole run near 10 s on 2 vCPUs. Spinning
             * with more threads than cores moves on only when the scheduler
             * switches threads (a ring's worth per time slice), so less. */
            uint64_t n = sh == S_1P1C ? 8000000 : 3000000;
            if (waits[wi].kind == RGP_WAIT_SPIN && sh != S_1P1C)
                n /= 200;
            if (quick) /* for ThreadSanitizer: a few seconds in all */
                n /= sh == S_1P1C ? 100 : 20;
            n = (uint64_t)(n * scale);
            if (n < 3000)
                n = 3000;
            run_shape((enum shape)sh, wi, n);
        }
    }
    run_oversubscribed((uint64_t)((quick ? 150000 : 3000000) * scale), 10.0);
    printf("stress: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
