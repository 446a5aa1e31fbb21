/* floors.c - the two floors of `make bench-ring`, written by hand with nothing
 * of rgp's runtime: a minimal SPSC ring (padded cursors, cached opposite
 * index, batch publish) for 1P->1C, and a raw cross-core round trip between
 * two padded flags. What rgp could reach if it did nothing else. Both spin
 * with pause, yielding only after 1000 pauses (see wait_step).
 *
 *   floors 1p1c spin [COUNT [WARMUP_PASSES]]        (COUNT defaults as in bench.h)
 *   floors pingpong spin [COUNT [WARMUP_PASSES [PAUSE_NS]]]
 *   floors ring-pingpong spin [COUNT [WARMUP_PASSES [PAUSE_NS]]]  (two rings, for reference)
 *   floors futex-pingpong block [COUNT [WARMUP_PASSES [PAUSE_NS]]] (two futex words, for reference) */
#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define LINE 64
#define RING_1P1C (1u << 16) /* LMAX's 1P->1C ring */
#define BATCH 256            /* what rgp's generated producers claim at once */

/* One step of a wait: pause, and after SPINS of them give the core away, so
 * that two threads the scheduler put on one CPU (it happens at thread start,
 * and when another process takes the other CPU) do not each burn a timeslice
 * waiting for the other. Past SPINS nothing is fast anyway. */
enum { SPINS = 1000 };

static inline void wait_step(unsigned *n)
{
    if (*n < SPINS) {
        ++*n;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#else
        atomic_signal_fence(memory_order_seq_cst);
#endif
    } else {
        sched_yield();
    }
}

/* ---- minimal SPSC ring --------------------------------------------------- */

typedef struct spsc {
    _Alignas(LINE) _Atomic uint64_t head; /* producer writes: published end */
    _Alignas(LINE) _Atomic uint64_t tail; /* consumer writes: released end */
    _Alignas(LINE) uint64_t mask;         /* read-only after setup */
    uint64_t n;
    uint64_t *slots;
    uint64_t sum; /* consumer's result, read after join */
    bench_ready ready;
} spsc;

_Static_assert(offsetof(spsc, tail) == LINE, "spsc: tail on its own line");
_Static_assert(offsetof(spsc, mask) == 2 * LINE, "spsc: config on its own line");

static void *spsc_consumer(void *arg)
{
    spsc *r = arg;
    uint64_t next = 0, sum = 0, n = r->n, mask = r->mask;
    const uint64_t *slots = r->slots;

    bench_ready_signal(&r->ready);
    while (next < n) {
        uint64_t head;
        unsigned w = 0;
        /* pairs with the release in the producer's publish */
        while ((head = atomic_load_explicit(&r->head, memory_order_acquire)) == next)
            wait_step(&w);
        for (; next != head; next++)
            sum += slots[next & mask];
        /* pairs with the acquire in the producer's wait for room */
        atomic_store_explicit(&r->tail, next, memory_order_release);
    }
    r->sum = sum;
    return NULL;
}

static uint64_t spsc_pass(uint64_t n)
{
    spsc *r = bench_alloc(sizeof *r);
    uint64_t cap = RING_1P1C, mask = cap - 1, cached_tail = 0, i = 0, t0, t1;
    uint64_t *slots = bench_alloc(cap * sizeof *slots);
    pthread_t c;

    r->mask = mask;
    r->n = n;
    r->slots = slots;
    bench_start(&c, spsc_consumer, r);
    bench_ready_wait(&r->ready, 1);
    t0 = bench_now_ns();
    while (i < n) {
        uint64_t end = n - i < BATCH ? n : i + BATCH;
        if (end - cached_tail > cap) {
            /* the cached tail says no room: look again, wait for one slot */
            unsigned w = 0;
            /* pairs with the release in the consumer */
            while (i - (cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire)) >= cap)
                wait_step(&w);
            if (end - cached_tail > cap)
                end = cached_tail + cap;
        }
        for (; i != end; i++)
            slots[i & mask] = i;
        /* pairs with the acquire in the consumer */
        atomic_store_explicit(&r->head, i, memory_order_release);
    }
    pthread_join(c, NULL);
    t1 = bench_now_ns();
    bench_check("floor 1p1c sum", r->sum, n * (n - 1) / 2);
    free(r->slots);
    free(r);
    return t1 - t0;
}

/* ---- raw round trip -------------------------------------------------------- */

typedef struct flags {
    _Alignas(LINE) _Atomic uint64_t ping; /* pinger writes */
    _Alignas(LINE) _Atomic uint64_t pong; /* ponger writes */
    _Alignas(LINE) uint64_t total;
    bench_ready ready;
} flags;

static void *flags_ponger(void *arg)
{
    flags *f = arg;
    uint64_t last = 0;

    bench_ready_signal(&f->ready);
    while (last != f->total) {
        uint64_t v;
        unsigned w = 0;
        /* pairs with the release store of ping */
        while ((v = atomic_load_explicit(&f->ping, memory_order_acquire)) == last)
            wait_step(&w);
        /* pairs with the pinger's acquire of pong */
        atomic_store_explicit(&f->pong, v, memory_order_release);
        last = v;
    }
    return NULL;
}

/* warm round trips unrecorded, then n recorded into s. */
static void flags_pass(uint64_t warm, uint64_t n, uint64_t pause_ns, uint64_t *s)
{
    flags *f = bench_alloc(sizeof *f);
    struct timespec settle = {0, 100 * 1000 * 1000};
    pthread_t p;
    uint64_t k;

    f->total = warm + n;
    bench_start(&p, flags_ponger, f);
    bench_ready_wait(&f->ready, 1);
    nanosleep(&settle, NULL); /* as LMAX's Pinger: let the other side start */
    for (k = 1; k <= warm + n; k++) {
        uint64_t t0 = bench_now_ns(), t1;
        unsigned w = 0;
        atomic_store_explicit(&f->ping, k, memory_order_release);
        /* pairs with the ponger's release store of pong */
        while (atomic_load_explicit(&f->pong, memory_order_acquire) != k)
            wait_step(&w);
        t1 = bench_now_ns();
        if (k > warm)
            s[k - warm - 1] = t1 - t0;
        if (k != warm + n)
            bench_pause(t1, pause_ns);
    }
    pthread_join(p, NULL);
    free(f);
}

/* ---- round trip over two minimal rings ------------------------------------- */

/* Not one of the two floors the issue asks for; it shows what a ring itself
 * adds to the raw round trip: each hop publishes through a cursor line and
 * carries the value in a slot line, where the raw round trip has one line. */
#define RING_PINGPONG 1024u /* LMAX's ping-pong rings */

typedef struct pp_ring {
    _Alignas(LINE) _Atomic uint64_t head; /* writer: published end */
    _Alignas(LINE) _Atomic uint64_t tail; /* reader: released end */
    _Alignas(LINE) uint64_t slots[RING_PINGPONG];
} pp_ring;

typedef struct pp_rings {
    pp_ring ping, pong;
    uint64_t total;
    bench_ready ready;
} pp_rings;

/* Writes v at sequence seq of r (one writer), waiting for room, and publishes. */
static inline void pp_put(pp_ring *r, uint64_t seq, uint64_t *cached_tail, uint64_t v)
{
    if (seq - *cached_tail >= RING_PINGPONG) {
        unsigned w = 0;
        /* pairs with the release of tail in the reader */
        while (seq - (*cached_tail = atomic_load_explicit(&r->tail, memory_order_acquire)) >= RING_PINGPONG)
            wait_step(&w);
    }
    r->slots[seq & (RING_PINGPONG - 1)] = v;
    /* pairs with the acquire of head in the reader */
    atomic_store_explicit(&r->head, seq + 1, memory_order_release);
}

static void *pp_ponger(void *arg)
{
    pp_rings *b = arg;
    uint64_t next = 0, out = 0, cached_tail = 0;

    bench_ready_signal(&b->ready);
    while (next != b->total) {
        uint64_t head;
        unsigned w = 0;
        /* pairs with the release of head in pp_put */
        while ((head = atomic_load_explicit(&b->ping.head, memory_order_acquire)) == next)
            wait_step(&w);
        for (; next != head; next++)
            pp_put(&b->pong, out++, &cached_tail, b->ping.slots[next & (RING_PINGPONG - 1)]);
        /* pairs with the acquire of tail in pp_put */
        atomic_store_explicit(&b->ping.tail, next, memory_order_release);
    }
    return NULL;
}

static void pp_pass(uint64_t warm, uint64_t n, uint64_t pause_ns, uint64_t *s)
{
    pp_rings *b = bench_alloc(sizeof *b);
    struct timespec settle = {0, 100 * 1000 * 1000};
    uint64_t k, cached_tail = 0;
    pthread_t p;

    b->total = warm + n;
    bench_start(&p, pp_ponger, b);
    bench_ready_wait(&b->ready, 1);
    nanosleep(&settle, NULL);
    for (k = 0; k < warm + n; k++) {
        uint64_t t0 = bench_now_ns(), t1;
        unsigned w = 0;
        pp_put(&b->ping, k, &cached_tail, k);
        /* pairs with the release of head in pp_put */
        while (atomic_load_explicit(&b->pong.head, memory_order_acquire) == k)
            wait_step(&w);
        t1 = bench_now_ns();
        bench_check("floor ring pingpong echo", b->pong.slots[k & (RING_PINGPONG - 1)], k);
        /* pairs with the acquire of tail in pp_put */
        atomic_store_explicit(&b->pong.tail, k + 1, memory_order_release);
        if (k >= warm)
            s[k - warm] = t1 - t0;
        if (k + 1 != warm + n)
            bench_pause(t1, pause_ns);
    }
    pthread_join(p, NULL);
    free(b);
}

/* ---- raw futex round trip --------------------------------------------------- */

/* Not one of the two floors the issue asks for; it bounds the blocking
 * ping-pong: each side sleeps in FUTEX_WAIT on its own word as soon as it has
 * nothing to do, and the other side stores and calls FUTEX_WAKE for one
 * waiter, every hop, without any bookkeeping. A blocking wait strategy that
 * uses no CPU while idle cannot go below one sleep and one wake per hop. */
typedef struct fx {
    _Alignas(LINE) _Atomic uint32_t ping; /* pinger writes, ponger sleeps on it */
    _Alignas(LINE) _Atomic uint32_t pong; /* ponger writes, pinger sleeps on it */
    _Alignas(LINE) uint32_t total;
    bench_ready ready;
} fx;

/* Sleeps while *word == v (returns at once if it moved on, or on a signal). */
static void fx_sleep(_Atomic uint32_t *word, uint32_t v)
{
    syscall(SYS_futex, (void *)word, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
}

static void fx_wake(_Atomic uint32_t *word)
{
    syscall(SYS_futex, (void *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *fx_ponger(void *arg)
{
    fx *f = arg;
    uint32_t last = 0, v;

    bench_ready_signal(&f->ready);
    while (last != f->total) {
        /* pairs with the pinger's release store of ping */
        while ((v = atomic_load_explicit(&f->ping, memory_order_acquire)) == last)
            fx_sleep(&f->ping, last);
        /* pairs with the pinger's acquire of pong */
        atomic_store_explicit(&f->pong, v, memory_order_release);
        fx_wake(&f->pong);
        last = v;
    }
    return NULL;
}

static void fx_pass(uint64_t warm, uint64_t n, uint64_t pause_ns, uint64_t *s)
{
    fx *f = bench_alloc(sizeof *f);
    struct timespec settle = {0, 100 * 1000 * 1000};
    pthread_t p;
    uint32_t k, v;

    if (warm + n > UINT32_MAX)
        bench_die("futex-pingpong: too many round trips");
    f->total = (uint32_t)(warm + n);
    bench_start(&p, fx_ponger, f);
    bench_ready_wait(&f->ready, 1);
    nanosleep(&settle, NULL);
    for (k = 1; k <= f->total; k++) {
        uint64_t t0 = bench_now_ns(), t1;
        /* pairs with the ponger's acquire of ping */
        atomic_store_explicit(&f->ping, k, memory_order_release);
        fx_wake(&f->ping);
        /* pairs with the ponger's release store of pong */
        while ((v = atomic_load_explicit(&f->pong, memory_order_acquire)) != k)
            fx_sleep(&f->pong, v);
        t1 = bench_now_ns();
        if (k > warm)
            s[k - warm - 1] = t1 - t0;
        if (k != f->total)
            bench_pause(t1, pause_ns);
    }
    pthread_join(p, NULL);
    free(f);
}

int main(int argc, char **argv)
{
    bench_args a = bench_parse(argc, argv,
                               "  SHAPE 1p1c, pingpong or ring-pingpong, STRATEGY spin; or futex-pingpong block\n");
    int w;

    if (strcmp(a.shape, "futex-pingpong") == 0) {
        uint64_t warm = bench_pingpong_warm(a.count);
        uint64_t *s;
        if (strcmp(a.strat, "block") != 0) {
            fprintf(stderr, "floors: unknown strategy '%s' for futex-pingpong, expected block\n", a.strat);
            return 1;
        }
        s = bench_alloc(a.count * sizeof *s);
        for (w = 0; w < a.warmups; w++)
            fx_pass(warm, warm < a.count ? warm : a.count, a.pause_ns, s);
        fx_pass(warm, a.count, a.pause_ns, s);
        bench_print_latency("floor", "block", s, a.count, a.pause_ns);
        free(s);
        return 0;
    }
    if (strcmp(a.strat, "spin") != 0) {
        fprintf(stderr, "floors: unknown strategy '%s', expected spin\n", a.strat);
        return 1;
    }
    if (strcmp(a.shape, "1p1c") == 0) {
        uint64_t warm = a.count < BENCH_WARMUP_CAP ? a.count : BENCH_WARMUP_CAP;
        for (w = 0; w < a.warmups; w++)
            spsc_pass(warm);
        bench_print_throughput("floor", "1p1c", "spin", a.count, spsc_pass(a.count));
    } else if (strcmp(a.shape, "pingpong") == 0) {
        uint64_t warm = bench_pingpong_warm(a.count);
        uint64_t *s = bench_alloc(a.count * sizeof *s);
        for (w = 0; w < a.warmups; w++)
            flags_pass(warm, warm < a.count ? warm : a.count, a.pause_ns, s);
        flags_pass(warm, a.count, a.pause_ns, s);
        bench_print_latency("floor", "spin", s, a.count, a.pause_ns);
        free(s);
    } else if (strcmp(a.shape, "ring-pingpong") == 0) {
        uint64_t warm = bench_pingpong_warm(a.count);
        uint64_t *s = bench_alloc(a.count * sizeof *s);
        for (w = 0; w < a.warmups; w++)
            pp_pass(warm, warm < a.count ? warm : a.count, a.pause_ns, s);
        pp_pass(warm, a.count, a.pause_ns, s);
        bench_print_latency("floor", "spin", s, a.count, a.pause_ns);
        free(s);
    } else {
        fprintf(stderr, "floors: unknown shape '%s', expected 1p1c, pingpong, ring-pingpong or futex-pingpong\n",
                a.shape);
        return 1;
    }
    return 0;
}
