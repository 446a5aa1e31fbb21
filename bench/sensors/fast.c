/* fast.c - the sensor-alerts benchmark as a performance engineer writes it:
 * the practical limit rgp is measured against. The same job and output as
 * handwritten.c, but the input is read() in 4 MiB blocks and scanned in
 * place, the id parsed while scanning, the value parsed as an integer
 * mantissa over a power of ten (exact, see fast.h), per-sensor state in an
 * array found through a small open-addressing table, and the output built in
 * a buffer written once per block. Single-threaded, cc -O2.
 * Usage: fast readings.csv alerts.csv summary.csv */
#include "../fast.h"

typedef struct {
    uint32_t id;
    uint64_t n; /* valid readings so far */
    double sum;
    double lo, hi;
    fast_dec lo_text, hi_text; /* lo and hi as parsed: printed without a float conversion */
} sensor;

#define MAX_SENSORS 65536
static sensor sensors[MAX_SENSORS]; /* in the order sensors first came */
static uint32_t nsensors;
static uint32_t slots[2 * MAX_SENSORS]; /* sensor number + 1; 0 is empty */

static sensor *find(uint32_t id)
{
    const uint32_t mask = 2 * MAX_SENSORS - 1;
    uint32_t i = (uint32_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 40) & mask;
    for (; slots[i]; i = (i + 1) & mask)
        if (sensors[slots[i] - 1].id == id)
            return &sensors[slots[i] - 1];
    if (nsensors == MAX_SENSORS) {
        fprintf(stderr, "fast: more than %d sensors\n", MAX_SENSORS);
        exit(1);
    }
    sensor *s = &sensors[nsensors];
    *s = (sensor){.id = id};
    slots[i] = ++nsensors;
    return s;
}

/* An alert row, ts,sensor_id,site,value,mean: the first three copied from
 * the input line, the value as it was parsed, the mean printed as rgp does. */
static void alert(fast_out *out, const char *line, const char *value, const char *ts, const char *nl,
                  fast_dec d, double mean)
{
    char *o = fast_room(out, (size_t)(nl - line) + 2);
    memcpy(o, ts, (size_t)(nl - ts)); /* ts, */
    o += nl - ts;
    *o++ = ',';
    memcpy(o, line, (size_t)(value - line)); /* sensor_id,site, */
    out->len = (size_t)(o + (value - line) - out->buf);
    fast_put_dec(out, d);
    fast_putc(out, ',');
    fast_put_f64(out, mean);
    fast_putc(out, '\n');
}

/* The valid reading's alert, if it is one, then its sensor's sums. */
static void reading(fast_out *out, uint32_t id, double v, fast_dec d, const char *line,
                    const char *value, const char *ts, const char *nl)
{
    if (v < -40.0 || v > 125.0)
        return;
    sensor *s = find(id);
    if (s->n >= 10 && v > 3.0 * s->sum / (double)s->n)
        alert(out, line, value, ts, nl, d, s->sum / (double)s->n);
    if (s->n == 0 || v < s->lo)
        s->lo = v, s->lo_text = d;
    if (s->n == 0 || v > s->hi)
        s->hi = v, s->hi_text = d;
    s->n++;
    s->sum += v;
}

/* One row, "ID,SITE,VALUE,TS\n", scanned once from its start. Returns the
 * next row, or NULL (after counting it) when the row is bad. */
static const char *row(fast_out *out, const char *line)
{
    const char *p = line, *value, *ts;
    uint64_t id = 0;
    fast_dec d;

    for (; (unsigned)(*p - '0') <= 9 && id <= UINT32_MAX; p++)
        id = id * 10 + (uint64_t)(*p - '0');
    if (p == line || *p != ',' || id > UINT32_MAX)
        return NULL;
    while (*++p != ',' && *p != '\n') /* the site */
        ;
    if (*p != ',')
        return NULL;
    value = p + 1;
    p = fast_scan_dec(value, &d);
    if (!p || *p != ',')
        return NULL;
    ts = p + 1;
    const char *nl = rawmemchr(ts, '\n');
    reading(out, (uint32_t)id, fast_dec_value(d), d, line, value, ts, nl);
    return nl + 1;
}

int main(int argc, char **argv)
{
    fast_in in;
    fast_out out;
    const char *line, *end;
    long lineno = 1, bad = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: fast readings.csv alerts.csv summary.csv\n");
        return 1;
    }
    fast_open_in(&in, argv[1]);
    fast_open_out(&out, argv[2]);
    fast_put(&out, "ts,sensor_id,site,value,mean\n", 29);
    fast_line(&in, &line); /* the header: sensor_id,site,value,ts */
    while ((end = fast_lines(&in, &line)) != NULL) {
        while (line < end) {
            const char *next = *line == '\n' ? line + 1 : row(&out, line);
            lineno++;
            if (!next) {
                fprintf(stderr, "fast: %s:%ld: bad row, skipped\n", argv[1], lineno);
                bad++;
                next = (const char *)rawmemchr(line, '\n') + 1;
            }
            line = next;
        }
    }
    fast_close_out(&out);
    if (bad)
        fprintf(stderr, "fast: %s: %ld bad rows skipped\n", argv[1], bad);

    fast_open_out(&out, argv[3]);
    fast_put(&out, "sensor_id,readings,mean,lo,hi\n", 30);
    for (uint32_t i = 0; i < nsensors; i++) {
        const sensor *s = &sensors[i];
        fast_put_u64(&out, s->id);
        fast_putc(&out, ',');
        fast_put_u64(&out, s->n);
        fast_putc(&out, ',');
        fast_put_f64(&out, s->sum / (double)s->n);
        fast_putc(&out, ',');
        fast_put_dec(&out, s->lo_text);
        fast_putc(&out, ',');
        fast_put_dec(&out, s->hi_text);
        fast_putc(&out, '\n');
    }
    fast_close_out(&out);
    return 0;
}
