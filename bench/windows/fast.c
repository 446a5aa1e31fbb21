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

/* Scans "TS,KEY,X\n" at p, once: ts as digits (event times are positive),
 * x as a plain decimal. Returns the next row, or NULL for a bad row. */
static const char *parse_row(const char *p, int64_t *ts, const char **name, size_t *len, fast_dec *x)
{
    uint64_t t;
    p = fast_scan_u64(p, &t);
    if (!p || *p != ',')
        return NULL;
    *ts = (int64_t)t;
    *name = ++p;
    while (*p != ',' && *p != '\n')
        p++;
    if (*p != ',' || p - *name > NAME_MAX_LEN)
        return NULL;
    *len = (size_t)(p - *name);
    p = fast_scan_dec(p + 1, x);
    return p && *p == '\n' ? p + 1 : NULL;
}

/* The watermark moved to ts: when it enters a new second, every open window
 * is written. Returns the start of the second that is open now. */
static int64_t advance(fast_out *out, int64_t ts, int64_t edge)
{
    int64_t second = ts - ts % 1000;
    if (second <= edge)
        return edge;
    if (edge != INT64_MIN)
        close_windows(out, edge);
    return second;
}

/* x joins its key's open window, opening it when it is the first. */
static void add(key_state *k, fast_dec d)
{
    double x = fast_dec_value(d);
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
    while ((end = fast_lines(&in, &line)) != NULL) {
        for (const char *next; line < end; line = next) {
            int64_t ts;
            const char *name;
            size_t len;
            fast_dec d;

            lineno++;
            next = parse_row(line, &ts, &name, &len, &d);
            if (!next) {
                fprintf(stderr, "fast: %s:%ld: bad row, skipped\n", argv[1], lineno);
                bad++;
                next = (const char *)rawmemchr(line, '\n') + 1;
                continue;
            }
            if (ts > watermark)
                edge = advance(&out, watermark = ts, edge);
            if (ts < edge) {
                late++; /* its window has closed */
                continue;
            }
            add(find(name, len), d);
        }
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
