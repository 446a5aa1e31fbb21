/* bench.h - what every C contender of `make bench-ring` shares: the clock, the
 * yielding pause between pings (LMAX's Pinger does the same), latency
 * statistics and the machine-readable result lines run_ring.sh reads. */
#ifndef RGP_BENCH_H
#define RGP_BENCH_H

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A warm-up pass never runs more events than this (the Java harness uses the
 * same cap), so SIZE=large does not triple the run time. */
#define BENCH_WARMUP_CAP 20000000ull

static inline uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Between round trips: give the core away until pause_ns have passed since t1,
 * as LMAX's PingPongSequencedLatencyTest does with Thread.yield(). */
static inline void bench_pause(uint64_t t1, uint64_t pause_ns)
{
    while (bench_now_ns() - t1 < pause_ns)
        sched_yield();
}

static inline void bench_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(2);
}

static inline void *bench_alloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 64, n ? n : 64) != 0)
        bench_die("out of memory");
    memset(p, 0, n);
    return p;
}

static inline void bench_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    if (pthread_create(t, NULL, fn, arg) != 0)
        bench_die("pthread_create failed");
}

/* Timing starts only once every consumer thread is running, so a pass
 * measures the ring and not how soon the scheduler starts a new thread (a
 * spinning producer can hold a new thread off its core for milliseconds).
 * The Java harness waits for BatchEventProcessor.isRunning() the same way. */
typedef struct bench_ready {
    _Alignas(64) _Atomic int n;
} bench_ready;

static inline void bench_ready_signal(bench_ready *r)
{
    atomic_fetch_add_explicit(&r->n, 1, memory_order_release);
}

static inline void bench_ready_wait(bench_ready *r, int n)
{
    while (atomic_load_explicit(&r->n, memory_order_acquire) < n)
        sched_yield();
}

static int bench__cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The value at quantile q of sorted samples (nearest rank, as the Java side). */
static inline uint64_t bench_pct(const uint64_t *s, uint64_t n, double q)
{
    double r = q * (double)n;
    uint64_t i = (uint64_t)r;
    if ((double)i < r)
        i++; /* ceil */
    if (i > 0)
        i--;
    return s[i < n ? i : n - 1];
}

/* Sorts the samples and prints "WHO pingpong STRAT mean_ns=... p50_ns=...". */
static inline void bench_print_latency(const char *who, const char *strat, uint64_t *s,
                                       uint64_t n, uint64_t pause_ns)
{
    double sum = 0;
    uint64_t i;

    qsort(s, n, sizeof *s, bench__cmp_u64);
    for (i = 0; i < n; i++)
        sum += (double)s[i];
    printf("%s pingpong %s mean_ns=%.0f p50_ns=%llu p99_ns=%llu p999_ns=%llu iterations=%llu pause_ns=%llu\n",
           who, strat, sum / (double)n, (unsigned long long)bench_pct(s, n, 0.50),
           (unsigned long long)bench_pct(s, n, 0.99), (unsigned long long)bench_pct(s, n, 0.999),
           (unsigned long long)n, (unsigned long long)pause_ns);
}

static inline void bench_print_throughput(const char *who, const char *shape, const char *strat,
                                          uint64_t n, uint64_t ns)
{
    printf("%s %s %s ops_per_sec=%.0f events=%llu ms=%.1f\n", who, shape, strat,
           (double)n * 1e9 / (double)ns, (unsigned long long)n, (double)ns / 1e6);
}

static inline void bench_check(const char *what, uint64_t got, uint64_t want)
{
    if (got != want) {
        fprintf(stderr, "bench: %s: got %llu, expected %llu\n", what, (unsigned long long)got,
                (unsigned long long)want);
        exit(2);
    }
}

/* argv: SHAPE STRATEGY [COUNT [WARMUP_PASSES [PAUSE_NS]]], as the Java harness.
 * COUNT defaults to the LMAX perf tests' own: 100M events, 20M for 3p1c, 3M
 * round trips for the ping-pong shapes. */
typedef struct bench_args {
    const char *shape, *strat;
    uint64_t count, pause_ns;
    int warmups;
} bench_args;

static inline bench_args bench_parse(int argc, char **argv, const char *usage)
{
    bench_args a;

    if (argc < 3) {
        fprintf(stderr, "usage: %s SHAPE STRATEGY [COUNT [WARMUP_PASSES [PAUSE_NS]]]\n%s", argv[0], usage);
        exit(1);
    }
    a.shape = argv[1];
    a.strat = argv[2];
    if (argc > 3)
        a.count = strtoull(argv[3], NULL, 10);
    else if (strcmp(a.shape, "3p1c") == 0)
        a.count = 20000000;
    else if (strstr(a.shape, "pingpong"))
        a.count = 3000000;
    else
        a.count = 100000000;
    a.warmups = argc > 4 ? atoi(argv[4]) : 3;
    a.pause_ns = argc > 5 ? strtoull(argv[5], NULL, 10) : 1000;
    if (a.count < 3) {
        fprintf(stderr, "%s: COUNT must be at least 3, got '%s'\n", argv[0], argv[3]); /* argc > 3 here */
        exit(1);
    }
    return a;
}

/* Round trips recorded after the untimed ones that warm a ping-pong pass. */
static inline uint64_t bench_pingpong_warm(uint64_t n)
{
    return n / 10 > 10000 ? n / 10 : 10000;
}

#endif /* RGP_BENCH_H */
