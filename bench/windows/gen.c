/* gen.c - writes the windowed-aggregation benchmark's input: EVENTS CSV rows
 * of ts,key,x from a fixed seed, so every run and every machine gets the same
 * bytes. An event-time stream as devices report it: time advances about
 * 2000 events a second over 64 keys, each event arrives up to 30 ms after its
 * own time (so the rows are not quite in time order), and one in 500 arrives
 * up to 3 s late, after its window has closed. x is a latency-like number
 * with up to two decimals, written in its shortest form (12.5, not 12.50), so
 * a tool that copies input text and one that prints the double agree.
 * Usage: gen EVENTS > events.csv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define KEYS 64

/* splitmix64, as in bench/sensors/gen.c: tiny and the same everywhere. */
static uint64_t state = 1234;

static uint64_t next_u64(void)
{
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A uniform integer in [0, n). */
static unsigned below(unsigned n)
{
    return (unsigned)((next_u64() >> 11) % n);
}

/* hundredths as the shortest decimal: 1250 -> 12.5, 1200 -> 12, 5 -> 0.05 */
static void put_hundredths(unsigned v)
{
    unsigned whole = v / 100, frac = v % 100;
    if (frac == 0)
        printf("%u", whole);
    else if (frac % 10 == 0)
        printf("%u.%u", whole, frac / 10);
    else
        printf("%u.%02u", whole, frac);
}

int main(int argc, char **argv)
{
    static char buf[1 << 16];
    char *end;
    long long events = argc == 2 ? strtoll(argv[1], &end, 10) : -1;
    long long now = 1767225600000LL; /* event time advances; rows lag behind it */

    if (argc != 2 || *end || events < 0) {
        fprintf(stderr, "usage: gen EVENTS > events.csv\n");
        return 1;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    fputs("ts,key,x\n", stdout);
    for (long long i = 0; i < events; i++) {
        if (below(2) == 0)
            now++;
        long long ts = now - below(31);
        if (below(500) == 0)
            ts = now - below(3000); /* a straggler, mostly too late for its window */
        unsigned key = below(KEYS);
        /* most latencies 1..50 ms, a tail up to 2 s: hundredths of a millisecond */
        unsigned x = below(10) ? 100 + below(4900) : 100 + below(200000);
        printf("%lld,dev%02u,", ts, key);
        put_hundredths(x);
        putchar('\n');
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: writing stdout");
        return 1;
    }
    return 0;
}
