/* gen.c - writes the key-cost benchmark's input (bench/keys/run_keys.sh):
 * RECORDS CSV rows of ts,k,v from a fixed seed, so every machine gets the
 * same bytes. ts starts at 2026-01-01 and the rows are spread evenly over
 * SPAN_MS milliseconds of event time, in time order; k is one of KEYS keys,
 * drawn at random (random) or in turn (cycle: record i has key i % KEYS);
 * v is a whole number in 0..99, so a key repeats its value now and then.
 * With str, a key is written as text, "key" and its number.
 * With PART/PARTS (e.g. 0 2), only the records i with i % PARTS == PART:
 * the inputs of a merge, which together hold every record.
 * Usage: gen RECORDS KEYS random|cycle SPAN_MS u64|str [PART PARTS] > in.csv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64, as in the other generators: tiny and the same everywhere. */
static uint64_t state = 42;

static uint64_t next_u64(void)
{
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static long long number(const char *s, long long min)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || n < min) {
        fprintf(stderr, "gen: '%s' is not a whole number >= %lld\n", s, min);
        exit(2);
    }
    return n;
}

int main(int argc, char **argv)
{
    static char buf[1 << 16];
    if (argc != 6 && argc != 8) {
        fprintf(stderr, "usage: gen RECORDS KEYS random|cycle SPAN_MS u64|str [PART PARTS]\n");
        return 2;
    }
    long long records = number(argv[1], 0), keys = number(argv[2], 1);
    int cycle = strcmp(argv[3], "cycle") == 0;
    long long span = number(argv[4], 0);
    int str = strcmp(argv[5], "str") == 0;
    long long parts = argc == 8 ? number(argv[7], 1) : 1;
    long long part = argc == 8 ? number(argv[6], 0) : 0;
    if ((!cycle && strcmp(argv[3], "random") != 0) || (!str && strcmp(argv[5], "u64") != 0) || part >= parts) {
        fprintf(stderr, "usage: gen RECORDS KEYS random|cycle SPAN_MS u64|str [PART PARTS]\n");
        return 2;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    const long long t0 = 1767225600000LL;
    printf("ts,k,v\n");
    for (long long i = 0; i < records; i++) {
        uint64_t r = next_u64();
        long long k = cycle ? i % keys : (long long)((r >> 20) % (uint64_t)keys);
        long long ts = t0 + (records > 1 ? (long long)((__int128)i * span / records) : 0);
        if (i % parts != part)
            continue;
        printf("%lld,%s%lld,%u\n", ts, str ? "key" : "", k, (unsigned)(r % 100));
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
