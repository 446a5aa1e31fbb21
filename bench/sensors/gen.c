/* gen.c - writes the sensor-readings benchmark's input: ROWS CSV rows of
 * sensor_id,site,value,ts from a fixed seed, so every run and every machine
 * gets the same bytes. Like examples/make_data.sh: 16 sensors, 5 sites,
 * values with two decimals, 1% of them faulty (outside -40..125). Values lie
 * in 15..35, so a sensor's running mean stays near 25, and 0.2% of them are
 * spikes of 100..125: over three times that mean, the job's alerts. It has
 * its own generator instead of awk's rand(), which differs between mawk and
 * gawk, and no deliberately broken rows: every contender sees valid CSV.
 * Usage: gen ROWS > readings.csv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: tiny, fast, and the same on every platform. */
static uint64_t state = 42;

static uint64_t next_u64(void)
{
    uint64_t z = (state += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double uniform(void)
{
    return (double)(next_u64() >> 11) * 0x1p-53;
}

int main(int argc, char **argv)
{
    static const char *const sites[] = {"north", "south", "east", "west", "roof"};
    static char buf[1 << 16];
    char *end;
    long long rows = argc == 2 ? strtoll(argv[1], &end, 10) : -1;
    long long ts = 1767225600000LL;

    if (argc != 2 || *end || rows < 0) {
        fprintf(stderr, "usage: gen ROWS > readings.csv\n");
        return 1;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    fputs("sensor_id,site,value,ts\n", stdout);
    for (long long i = 0; i < rows; i++) {
        unsigned id = (unsigned)(uniform() * 16) + 1;
        double v = uniform() < 0.002 ? 100 + uniform() * 25 : 15 + uniform() * 20;
        if (uniform() < 0.01) /* a faulty sensor: far above or far below its range */
            v = uniform() < 0.5 ? 900 + uniform() * 100 : -200 + uniform() * 100;
        ts += (long long)(uniform() * 2000);
        printf("%u,%s,%.2f,%lld\n", id, sites[id % 5], v, ts);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: writing stdout");
        return 1;
    }
    return 0;
}
