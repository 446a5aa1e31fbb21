/* handwritten.c - the windowed-aggregation benchmark as a C programmer would
 * write it by hand: fgets a row, split it at the commas, keep per key its
 * open 1 s window (count, sum, max) in an open-addressing hash table, and
 * the order keys first came in the open window. The watermark is the latest ts seen;
 * when it enters a new second every open window is written (they all share
 * one start) and a row older than that second is late and dropped, as rgp
 * does. Single-threaded, cc -O2; the practical limit rgp is measured against.
 * Usage: handwritten events.csv out.csv */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char name[32];
    bool open;
    unsigned long long n;
    double sum, hi;
    /* p99: keep a quantile sketch here when rgp's lands */
} key_state;

static key_state *keys; /* in the order keys first came */
static size_t nkeys, cap_keys;
static uint32_t *opened; /* key numbers, in the order their window opened */
static size_t nopened;
static uint32_t *slots; /* key number + 1; 0 is empty */
static size_t nslots;

static uint64_t hash_name(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void grow(void)
{
    size_t n = nslots ? 2 * nslots : 256;
    uint32_t *fresh = calloc(n, sizeof *fresh);
    if (!fresh) {
        perror("handwritten");
        exit(1);
    }
    for (size_t k = 0; k < nkeys; k++) {
        size_t i = hash_name(keys[k].name, strlen(keys[k].name)) & (n - 1);
        while (fresh[i])
            i = (i + 1) & (n - 1);
        fresh[i] = (uint32_t)k + 1;
    }
    free(slots);
    slots = fresh;
    nslots = n;
}

static key_state *find(const char *s, size_t n)
{
    if (2 * (nkeys + 1) > nslots)
        grow();
    size_t i = hash_name(s, n) & (nslots - 1);
    for (; slots[i]; i = (i + 1) & (nslots - 1)) {
        key_state *k = &keys[slots[i] - 1];
        if (strncmp(k->name, s, n) == 0 && k->name[n] == '\0')
            return k;
    }
    if (nkeys == cap_keys) {
        cap_keys = cap_keys ? 2 * cap_keys : 256;
        keys = realloc(keys, cap_keys * sizeof *keys);
        if (!keys) {
            perror("handwritten");
            exit(1);
        }
    }
    key_state *k = &keys[nkeys];
    memset(k, 0, sizeof *k);
    memcpy(k->name, s, n);
    slots[i] = (uint32_t)++nkeys;
    return k;
}

/* rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
 * (Means and maxima here lie in 1..2000: %g never picks its exponent form.) */
static void put_f64(double x, FILE *out)
{
    char s[32];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, x);
        if (prec == 17 || strtod(s, NULL) == x)
            break;
    }
    fputs(s, out);
}

/* Writes every open window, keys in the order their window opened, and closes it. */
static void close_windows(long long start, FILE *out)
{
    for (size_t i = 0; i < nopened; i++) {
        key_state *k = &keys[opened[i]];
        fprintf(out, "%s,%lld,%lld,%llu,", k->name, start, start + 1000, k->n);
        put_f64(k->sum / (double)k->n, out);
        putc(',', out);
        put_f64(k->hi, out);
        putc('\n', out);
        k->open = false;
    }
    nopened = 0;
}

int main(int argc, char **argv)
{
    static char inbuf[1 << 16], outbuf[1 << 16];
    char line[4096];
    long long watermark = INT64_MIN, edge = INT64_MIN, late = 0;

    if (argc != 3) {
        fprintf(stderr, "usage: handwritten events.csv out.csv\n");
        return 1;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 1;
    }
    FILE *out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 1;
    }
    setvbuf(in, inbuf, _IOFBF, sizeof inbuf);
    setvbuf(out, outbuf, _IOFBF, sizeof outbuf);

    if (!fgets(line, sizeof line, in)) /* the header: ts,key,x */
        return 0;
    fputs("key,window_start,window_end,n,mean,hi\n", out);
    while (fgets(line, sizeof line, in)) {
        char *end, *name = NULL, *comma = NULL;
        long long ts = strtoll(line, &end, 10);
        double x = 0;
        if (end != line && *end == ',') {
            name = end + 1;
            comma = strchr(name, ',');
        }
        if (comma)
            x = strtod(comma + 1, &end);
        if (!comma || end == comma + 1 || (*end != '\n' && *end != '\0') || comma - name >= 32) {
            fprintf(stderr, "handwritten: bad row, skipped: %s", line);
            continue;
        }
        if (ts > watermark) {
            watermark = ts;
            long long second = ts - ts % 1000; /* ts > 0 here: % rounds down */
            if (second > edge) {
                if (edge != INT64_MIN)
                    close_windows(edge, out);
                edge = second;
            }
        }
        if (ts < edge) {
            late++; /* its window has closed */
            continue;
        }
        key_state *k = find(name, (size_t)(comma - name));
        if (!k->open) {
            if (!opened) /* no more windows open at once than there are keys */
                opened = malloc(sizeof *opened * (1u << 20));
            if (!opened || nopened == 1u << 20) {
                perror("handwritten");
                return 1;
            }
            opened[nopened++] = (uint32_t)(k - keys);
            k->open = true;
            k->n = 0;
            k->sum = 0;
            k->hi = x;
        }
        k->n++;
        k->sum += x;
        if (x > k->hi)
            k->hi = x;
    }
    if (edge != INT64_MIN)
        close_windows(edge, out);
    if (late)
        fprintf(stderr, "handwritten: %lld late rows dropped\n", late);
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }
    fclose(in);
    return 0;
}
