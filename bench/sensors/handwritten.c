/* handwritten.c - the sensor-alerts benchmark as a C programmer would write it
 * by hand in an afternoon: the practical limit rgp is measured against.
 * fgets a line, split it at the commas, strtod the value, drop faulty
 * readings, keep per sensor (an open-addressing hash table, sensors in the
 * order they first came) its count, sum, min and max; print an alert when a
 * reading is over 3x its sensor's mean so far, and one summary row per
 * sensor at the end. Single-threaded, no SIMD, no mmap; like awk it splits on
 * every comma, which is enough for the benchmark's data (no quoted fields).
 * Usage: handwritten readings.csv alerts.csv summary.csv */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t id;
    uint64_t n; /* valid readings so far */
    double sum, lo, hi;
} sensor;

static sensor *sensors; /* in the order sensors first came */
static size_t nsensors, cap_sensors;
static uint32_t *slots; /* sensor number + 1; 0 is empty */
static size_t nslots;

static size_t slot_of(uint32_t id, size_t nslots_)
{
    return (size_t)((id * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & (nslots_ - 1);
}

static void *grown(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        perror("handwritten");
        exit(1);
    }
    return p;
}

static void grow_slots(void)
{
    size_t n = nslots ? 2 * nslots : 64;
    uint32_t *fresh = calloc(n, sizeof *fresh);
    if (!fresh) {
        perror("handwritten");
        exit(1);
    }
    for (size_t s = 0; s < nsensors; s++) {
        size_t i = slot_of(sensors[s].id, n);
        while (fresh[i])
            i = (i + 1) & (n - 1);
        fresh[i] = (uint32_t)s + 1;
    }
    free(slots);
    slots = fresh;
    nslots = n;
}

static sensor *find(uint32_t id)
{
    if (2 * (nsensors + 1) > nslots)
        grow_slots();
    size_t i = slot_of(id, nslots);
    for (; slots[i]; i = (i + 1) & (nslots - 1))
        if (sensors[slots[i] - 1].id == id)
            return &sensors[slots[i] - 1];
    if (nsensors == cap_sensors) {
        cap_sensors = cap_sensors ? 2 * cap_sensors : 64;
        sensors = grown(sensors, cap_sensors * sizeof *sensors);
    }
    sensor *s = &sensors[nsensors];
    *s = (sensor){.id = id};
    slots[i] = (uint32_t)++nsensors;
    return s;
}

/* rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
 * (Values and means here lie in -40..125, so %g never chooses its exponent form.) */
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

static FILE *open_or_die(const char *path, const char *mode)
{
    FILE *f = fopen(path, mode);
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

int main(int argc, char **argv)
{
    static char inbuf[1 << 16], outbuf[1 << 16];
    char line[4096];
    long lineno = 1;

    if (argc != 4) {
        fprintf(stderr, "usage: handwritten readings.csv alerts.csv summary.csv\n");
        return 1;
    }
    FILE *in = open_or_die(argv[1], "r");
    FILE *out = open_or_die(argv[2], "w");
    setvbuf(in, inbuf, _IOFBF, sizeof inbuf);
    setvbuf(out, outbuf, _IOFBF, sizeof outbuf);

    fputs("ts,sensor_id,site,value,mean\n", out);
    if (!fgets(line, sizeof line, in)) /* the header: sensor_id,site,value,ts */
        line[0] = '\0';
    while (fgets(line, sizeof line, in)) {
        char *field[4], *p = line, *end_id, *end;
        int nf = 0;

        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        field[nf++] = p;
        while (nf < 4 && (p = strchr(p, ',')) != NULL) {
            *p++ = '\0';
            field[nf++] = p;
        }
        unsigned long id = nf == 4 ? strtoul(field[0], &end_id, 10) : 0;
        double value = nf == 4 ? strtod(field[2], &end) : 0;
        if (nf != 4 || end_id == field[0] || *end_id || id > UINT32_MAX || end == field[2] || *end) {
            fprintf(stderr, "handwritten: %s:%ld: bad row, skipped\n", argv[1], lineno);
            continue;
        }
        if (value < -40.0 || value > 125.0)
            continue;
        sensor *s = find((uint32_t)id);
        if (s->n >= 10 && value > 3.0 * s->sum / (double)s->n) {
            fprintf(out, "%s,%s,%s,", field[3], field[0], field[1]);
            put_f64(value, out);
            putc(',', out);
            put_f64(s->sum / (double)s->n, out);
            putc('\n', out);
        }
        if (s->n == 0 || value < s->lo)
            s->lo = value;
        if (s->n == 0 || value > s->hi)
            s->hi = value;
        s->n++;
        s->sum += value;
    }
    fclose(in);
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }

    out = open_or_die(argv[3], "w");
    fputs("sensor_id,readings,mean,lo,hi\n", out);
    for (size_t i = 0; i < nsensors; i++) {
        const sensor *s = &sensors[i];
        fprintf(out, "%u,%llu,", (unsigned)s->id, (unsigned long long)s->n);
        put_f64(s->sum / (double)s->n, out);
        putc(',', out);
        put_f64(s->lo, out);
        putc(',', out);
        put_f64(s->hi, out);
        putc('\n', out);
    }
    if (fclose(out) != 0) {
        perror(argv[3]);
        return 1;
    }
    return 0;
}
