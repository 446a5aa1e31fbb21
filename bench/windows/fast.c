/* fast.c - the windowed-aggregation benchmark as a performance engineer
 * writes it: the practical limit rgp is measured against. The same job,
 * semantics and output as handwritten.c (see there), but the input is
 * read() in 4 MiB blocks and scanned in place, ts parsed while scanning, x
 * parsed as an integer mantissa over a power of ten (exact, see fast.h),
 * the keys interned through an open-addressing table into an array of
 * states, and the output built in a buffer written once per block.
 * Single-threaded, cc -O2.
 * Usage: fast events.csv out.csv */
#include <stdbool.h>

#include "../fast.h"

#define MAX_KEYS 65536
#define NAME_MAX_LEN 31

typedef struct {
    char name[NAME_MAX_LEN + 1];
    uint8_t len;
    bool open;
    uint64_t n;
    double sum, hi;
    fast_dec hi_text; /* hi as parsed: printed without a float conversion */
    /* p99: keep a quantile sketch here when rgp's lands */
} key_state;

static key_state keys[MAX_KEYS]; /* in the order keys first came */
static uint32_t nkeys;
static uint32_t slots[2 * MAX_KEYS]; /* key number + 1; 0 is empty */
static uint32_t opened[MAX_KEYS];    /* key numbers, in the order their window opened */
static uint32_t nopened;

static uint32_t hash_name(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return (uint32_t)(h ^ (h >> 29));
}

static key_state *find(const char *s, size_t n)
{
    const uint32_t mask = 2 * MAX_KEYS - 1;
    uint32_t i = hash_name(s, n) & mask;
    for (; slots[i]; i = (i + 1) & mask) {
        key_state *k = &keys[slots[i] - 1];
        if (k->len == n && memcmp(k->name, s, n) == 0)
            return k;
    }
    if (nkeys == MAX_KEYS) {
        fprintf(stderr, "fast: more than %d keys\n", MAX_KEYS);
        exit(1);
    }
    key_state *k = &keys[nkeys];
    memcpy(k->name, s, n);
    k->len = (uint8_t)n;
    slots[i] = ++nkeys;
    return k;
}

/* Writes every open window, keys in the order their window opened, and closes it. */
static void close_windows(fast_out *out, int64_t start)
{
    for (uint32_t i = 0; i < nopened; i++) {
        key_state *k = &keys[opened[i]];
        fast_put(out, k->name, k->len);
        fast_putc(out, ',');
        fast_put_u64(out, (uint64_t)start);
        fast_putc(out, ',');
        fast_put_u64(out, (uint64_t)start + 1000);
        fast_putc(out, ',');
        fast_put_u64(out, k->n);
        fast_putc(out, ',');
        fast_put_f64(out, k->sum / (double)k->n);
        fast_putc(out, ',');
        fast_put_dec(out, k->hi_text);
        fast_putc(out, '\n');
        k->open = false;
    }
    nopened = 0;
}

/* Splits "TS,KEY,X": ts as digits (event times are positive), x as a plain
 * decimal. Returns 0 for a bad row. */
static int parse_row(const char *p, const char *end, int64_t *ts, const char **name, size_t *len,
                     fast_dec *x)
{
    const char *start = p;
    uint64_t t = 0;
    for (; p < end && (unsigned)(*p - '0') <= 9 && p - start < 18; p++)
        t = t * 10 + (uint64_t)(*p - '0');
    if (p == start || p == end || *p != ',')
        return 0;
    *ts = (int64_t)t;
    *name = p + 1;
    const char *comma = memchr(*name, ',', (size_t)(end - *name));
    if (!comma || comma - *name > NAME_MAX_LEN)
        return 0;
    *len = (size_t)(comma - *name);
    return fast_parse_dec(comma + 1, end, x);
}

int main(int argc, char **argv)
{
    fast_in in;
    fast_out out;
    const char *line, *end;
    int64_t watermark = INT64_MIN, edge = INT64_MIN;
    long late = 0, bad = 0, lineno = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: fast events.csv out.csv\n");
        return 1;
    }
    fast_open_in(&in, argv[1]);
    fast_open_out(&out, argv[2]);
    if (!fast_line(&in, &line)) /* the header: ts,key,x */
        return 0;
    fast_put(&out, "key,window_start,window_end,n,mean,hi\n", 38);
    while ((end = fast_line(&in, &line)) != NULL) {
        int64_t ts;
        const char *name;
        size_t len;
        fast_dec d;

        lineno++;
        if (!parse_row(line, end, &ts, &name, &len, &d)) {
            fprintf(stderr, "fast: %s:%ld: bad row, skipped\n", argv[1], lineno);
            bad++;
            continue;
        }
        if (ts > watermark) {
            watermark = ts;
            int64_t second = ts - ts % 1000;
            if (second > edge) {
                if (edge != INT64_MIN)
                    close_windows(&out, edge);
                edge = second;
            }
        }
        if (ts < edge) {
            late++; /* its window has closed */
            continue;
        }
        double x = fast_dec_value(d);
        key_state *k = find(name, len);
        if (!k->open) {
            opened[nopened++] = (uint32_t)(k - keys);
            k->open = true;
            k->n = 0;
            k->sum = 0;
            k->hi = x;
            k->hi_text = d;
        }
        k->n++;
        k->sum += x;
        if (x > k->hi)
            k->hi = x, k->hi_text = d;
    }
    if (edge != INT64_MIN)
        close_windows(&out, edge);
    if (late)
        fprintf(stderr, "fast: %ld late rows dropped\n", late);
    if (bad)
        fprintf(stderr, "fast: %s: %ld bad rows skipped\n", argv[1], bad);
    fast_close_out(&out);
    return 0;
}
