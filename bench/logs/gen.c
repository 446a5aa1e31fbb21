/* gen.c - writes the log-counting benchmark's input: LINES lines of service
 * logs from a fixed seed, so every run and every machine gets the same bytes.
 * The shape of examples/make_data.sh's app.log, busier: a line every 0 to 19 ms,
 * "1767225600123 web ERROR disk full on /var", eight services, 4% errors,
 * and the lines a real log has that are not entries: a stack trace after
 * some errors (indented, no timestamp) and a rotation marker now and then.
 * Usage: gen LINES > app.log */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64, as in bench/sensors/gen.c: tiny and the same everywhere. */
static uint64_t state = 7;

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

int main(int argc, char **argv)
{
    /* web and api are the busiest: a service is picked from this list */
    static const char *const services[] = {"web", "web", "web", "api", "api", "auth",
                                           "db", "cache", "queue", "search", "billing"};
    static const char *const messages[] = {
        "request served", "cache miss for key user:%u", "slow query took %u ms",
        "disk full on /var", "connection reset by peer", "token expired for session %u",
        "retrying upstream call", "GET /api/v1/items/%u 200"};
    static char buf[1 << 16];
    char *end;
    long long lines = argc == 2 ? strtoll(argv[1], &end, 10) : -1;
    long long ts = 1767225600000LL;

    if (argc != 2 || *end || lines < 0) {
        fprintf(stderr, "usage: gen LINES > app.log\n");
        return 1;
    }
    setvbuf(stdout, buf, _IOFBF, sizeof buf);
    for (long long i = 0; i < lines; i++) {
        if (i % 100000 == 99999) { /* not an entry: no timestamp */
            puts("-- log rotated --");
            continue;
        }
        unsigned r = below(100);
        const char *level = r < 4 ? "ERROR" : r < 14 ? "WARN" : r < 84 ? "INFO" : "DEBUG";
        ts += below(20);
        printf("%lld %s %s ", ts, services[below(sizeof services / sizeof *services)], level);
        printf(messages[below(sizeof messages / sizeof *messages)], below(5000));
        putchar('\n');
        if (r == 0 && i + 3 < lines) { /* a quarter of the errors come with a trace */
            puts("    at handler.process(handler.c:212)");
            puts("    at server.dispatch(server.c:87)");
            i += 2;
        }
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("gen: writing stdout");
        return 1;
    }
    return 0;
}
