/* handwritten.c - the log-counting benchmark as a C programmer would write it
 * by hand: fgets a line, cut the first three space-separated fields, count
 * errors per (minute, service) in an open-addressing hash table that also
 * remembers the order keys first came, print JSON lines at the end.
 * Single-threaded, cc -O2; the practical limit rgp is measured against.
 * Usage: handwritten app.log counts.jsonl */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    long long minute;
    char service[32];
    unsigned long long errors;
} group;

static group *groups; /* in the order keys first came */
static size_t ngroups, cap_groups;
static uint32_t *slots; /* group number + 1; 0 is empty */
static size_t nslots;

static uint64_t hash_key(long long minute, const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)minute; /* FNV-1a over the name */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    return h ^ (h >> 29);
}

static void grow(void)
{
    size_t n = nslots ? 2 * nslots : 1024;
    uint32_t *fresh = calloc(n, sizeof *fresh);
    if (!fresh) {
        perror("handwritten");
        exit(1);
    }
    for (size_t g = 0; g < ngroups; g++) {
        size_t i = hash_key(groups[g].minute, groups[g].service, strlen(groups[g].service)) & (n - 1);
        while (fresh[i])
            i = (i + 1) & (n - 1);
        fresh[i] = (uint32_t)g + 1;
    }
    free(slots);
    slots = fresh;
    nslots = n;
}

static group *find(long long minute, const char *s, size_t n)
{
    if (2 * (ngroups + 1) > nslots)
        grow();
    size_t i = hash_key(minute, s, n) & (nslots - 1);
    for (; slots[i]; i = (i + 1) & (nslots - 1)) {
        group *g = &groups[slots[i] - 1];
        if (g->minute == minute && strncmp(g->service, s, n) == 0 && g->service[n] == '\0')
            return g;
    }
    if (ngroups == cap_groups) {
        cap_groups = cap_groups ? 2 * cap_groups : 1024;
        groups = realloc(groups, cap_groups * sizeof *groups);
        if (!groups) {
            perror("handwritten");
            exit(1);
        }
    }
    group *g = &groups[ngroups];
    g->minute = minute;
    snprintf(g->service, sizeof g->service, "%.*s", (int)n, s);
    g->errors = 0;
    slots[i] = (uint32_t)++ngroups;
    return g;
}

int main(int argc, char **argv)
{
    static char inbuf[1 << 16], outbuf[1 << 16];
    char line[4096];

    if (argc != 3) {
        fprintf(stderr, "usage: handwritten app.log counts.jsonl\n");
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

    while (fgets(line, sizeof line, in)) {
        char *end, *service, *level;
        long long ts = strtoll(line, &end, 10);
        if (end == line || *end != ' ' || line[0] == ' ' || line[0] == '-')
            continue; /* no timestamp: a stack trace or a marker, not an entry */
        service = end + 1;
        level = strchr(service, ' ');
        if (!level || strncmp(level + 1, "ERROR", 5) != 0 || !strchr(" \n", level[6]))
            continue; /* strchr also finds the terminating NUL: "ERROR" ends the line */
        size_t n = (size_t)(level - service);
        if (n >= sizeof groups->service) {
            fprintf(stderr, "handwritten: service name too long, skipped\n");
            continue;
        }
        find(ts - ts % 60000, service, n)->errors++;
    }
    for (size_t g = 0; g < ngroups; g++)
        fprintf(out, "{\"minute\":%lld,\"service\":\"%s\",\"errors\":%llu}\n", groups[g].minute,
                groups[g].service, groups[g].errors);
    if (fclose(out) != 0) {
        perror(argv[2]);
        return 1;
    }
    fclose(in);
    return 0;
}
