/* handwritten.c - the sensor-alerts benchmark as a C programmer would write it
 * by hand in an afternoon: the practical limit rgp is measured against.
 * fgets a line, split it at the commas, strtod the value, filter, print.
 * Single-threaded, no SIMD, no mmap; like awk it splits on every comma, which
 * is enough for the benchmark's data (no quoted fields) and no more.
 * Usage: handwritten readings.csv alerts.csv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rgp's float text: the shortest of %.15g, %.16g, %.17g that reads back as x.
 * (Values here have 2 decimals, so %g never chooses its exponent form.) */
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

int main(int argc, char **argv)
{
    static char inbuf[1 << 16], outbuf[1 << 16];
    char line[4096];
    long lineno = 1;

    if (argc != 3) {
        fprintf(stderr, "usage: handwritten readings.csv alerts.csv\n");
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

    if (!fgets(line, sizeof line, in)) /* the header: sensor_id,site,value,ts */
        return 0;
    fputs("ts,sensor_id,site,value,over\n", out);
    while (fgets(line, sizeof line, in)) {
        char *field[4], *p = line, *end;
        int n = 0;

        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (!*line)
            continue;
        field[n++] = p;
        while (n < 4 && (p = strchr(p, ',')) != NULL) {
            *p++ = '\0';
            field[n++] = p;
        }
        double value = n == 4 ? strtod(field[2], &end) : 0;
        if (n != 4 || end == field[2] || *end) {
            fprintf(stderr, "handwritten: %s:%ld: bad row, skipped\n", argv[1], lineno);
            continue;
        }
        if (value < -40.0 || value > 125.0)
            continue;
        if (value > 80.0) {
            fprintf(out, "%s,%s,%s,", field[3], field[0], field[1]);
            put_f64(value, out);
            putc(',', out);
            put_f64(value - 80.0, out);
            putc('\n', out);
        }
    }
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }
    fclose(in);
    return 0;
}
