/* Reading a `time` field: ISO 8601 text (rgp_parse_time's ISO path) against
 * epoch milliseconds (its integer path), over the same instants. Interleaved
 * rounds, median per-call nanoseconds; under callgrind, instructions per call
 * come from running one mode at a time: time_bench iso|ms N.
 * Build: cc -O2 -Istdlib bench/time/time_bench.c -o build/time_bench */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "rgp_std.h"

#define N 100000
static char iso[N][32], ms[N][24];
static size_t iso_len[N], ms_len[N];

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int64_t run(int use_iso, int reps)
{
    int64_t sum = 0, v;
    for (int r = 0; r < reps; r++)
        for (int i = 0; i < N; i++) {
            if (use_iso ? rgp_parse_time(iso[i], iso_len[i], &v) : rgp_parse_time(ms[i], ms_len[i], &v)) abort();
            sum += v;
        }
    return sum;
}

static int cmp(const void *a, const void *b) { double x = *(const double *)a, y = *(const double *)b; return (x > y) - (x < y); }

int main(int argc, char **argv)
{
    uint64_t st = 7;
    for (int i = 0; i < N; i++) {   /* 2020-2030, with milliseconds */
        int64_t t = INT64_C(1577836800000) + (int64_t)(rgp_splitmix64(&st) % UINT64_C(315360000000));
        iso_len[i] = rgp_time_format_to(iso[i], t, "%Y-%m-%dT%H:%M:%S.%fZ", 21, 0);
        ms_len[i] = (size_t)snprintf(ms[i], sizeof ms[i], "%lld", (long long)t);
    }
    if (argc == 3) {   /* one mode, for callgrind */
        int64_t s = run(!strcmp(argv[1], "iso"), atoi(argv[2]));
        printf("%lld\n", (long long)s);
        return 0;
    }
    if (run(1, 1) != run(0, 1)) { puts("mismatch"); return 1; }
    enum { ROUNDS = 21 };
    double t_iso[ROUNDS], t_ms[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {   /* A B A B */
        double a = now_ns(); volatile int64_t x = run(1, 10); double b = now_ns();
        x = run(0, 10); double c = now_ns(); (void)x;
        t_iso[r] = (b - a) / (10.0 * N), t_ms[r] = (c - b) / (10.0 * N);
    }
    qsort(t_iso, ROUNDS, sizeof(double), cmp);
    qsort(t_ms, ROUNDS, sizeof(double), cmp);
    printf("iso %.2f ns/field, epoch ms %.2f ns/field, ratio %.2f (medians of %d interleaved rounds)\n",
           t_iso[ROUNDS / 2], t_ms[ROUNDS / 2], t_iso[ROUNDS / 2] / t_ms[ROUNDS / 2], ROUNDS);
    return 0;
}
