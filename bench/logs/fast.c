/* fast.c - the log-counting benchmark as a performance engineer writes it:
 * the practical limit rgp is measured against. The same job and output as
 * handwritten.c, but the input is read() in 4 MiB blocks and scanned in
 * place (the timestamp parsed while scanning, the service interned as a
 * small number), the counts kept in an open-addressing table keyed by
 * (minute, service number), and the JSON lines built in a buffer written
 * once per block. Single-threaded, cc -O2.
 * Usage: fast app.log counts.jsonl */
#include "../fast.h"

#define MAX_SERVICES 256
#define NAME_MAX_LEN 31
static char services[MAX_SERVICES][NAME_MAX_LEN + 1];
static uint8_t service_len[MAX_SERVICES];
static unsigned nservices;

/* The service's number: a linear search, since a log has a handful of them. */
static unsigned intern(const char *s, size_t n)
{
    for (unsigned i = 0; i < nservices; i++)
        if (service_len[i] == n && memcmp(services[i], s, n) == 0)
            return i;
    if (nservices == MAX_SERVICES) {
        fprintf(stderr, "fast: more than %d services\n", MAX_SERVICES);
        exit(1);
    }
    memcpy(services[nservices], s, n);
    service_len[nservices] = (uint8_t)n;
    return nservices++;
}

typedef struct {
    uint64_t minute;
    unsigned service;
    uint64_t errors;
} group;

static group *groups; /* in the order keys first came */
static size_t ngroups, cap_groups;
static uint32_t *slots; /* group number + 1; 0 is empty */
static size_t nslots;

static size_t slot_of(uint64_t minute, unsigned service, size_t mask)
{
    return (size_t)(((minute * 64 + service) * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & mask;
}

static void grow_table(void)
{
    size_t n = nslots ? 2 * nslots : 4096;
    uint32_t *fresh = calloc(n, sizeof *fresh);
    if (!fresh)
        fast_die("fast");
    for (size_t g = 0; g < ngroups; g++) {
        size_t i = slot_of(groups[g].minute, groups[g].service, n - 1);
        while (fresh[i])
            i = (i + 1) & (n - 1);
        fresh[i] = (uint32_t)g + 1;
    }
    free(slots);
    slots = fresh;
    nslots = n;
}

static group *find(uint64_t minute, unsigned service)
{
    if (2 * (ngroups + 1) > nslots)
        grow_table();
    size_t i = slot_of(minute, service, nslots - 1);
    for (; slots[i]; i = (i + 1) & (nslots - 1)) {
        group *g = &groups[slots[i] - 1];
        if (g->minute == minute && g->service == service)
            return g;
    }
    if (ngroups == cap_groups) {
        cap_groups = cap_groups ? 2 * cap_groups : 4096;
        groups = realloc(groups, cap_groups * sizeof *groups);
        if (!groups)
            fast_die("fast");
    }
    groups[ngroups] = (group){.minute = minute, .service = service};
    slots[i] = (uint32_t)++ngroups;
    return &groups[ngroups - 1];
}

/* Counts the line at p when it is an entry at level ERROR: "TS SERVICE
 * ERROR ...\n". A line that does not start with a timestamp (a stack trace,
 * a marker) is not an entry. Returns the next line. */
static const char *count_line(const char *p)
{
    uint64_t ts;
    const char *after = fast_scan_u64(p, &ts);
    if (!after || *after != ' ')
        return (const char *)rawmemchr(p, '\n') + 1;
    p = after;
    const char *service = ++p;
    while (*p != ' ' && *p != '\n')
        p++;
    size_t n = (size_t)(p - service);
    if (*p != ' ' || memcmp(p + 1, "ERROR", 5) != 0 || (p[6] != ' ' && p[6] != '\n'))
        return (const char *)rawmemchr(p, '\n') + 1; /* memcmp may read past a short line: FAST_SLACK */
    if (n > NAME_MAX_LEN)
        fprintf(stderr, "fast: service name too long, skipped\n");
    else
        find(ts - ts % 60000, intern(service, n))->errors++;
    return (const char *)rawmemchr(p + 6, '\n') + 1;
}

int main(int argc, char **argv)
{
    fast_in in;
    fast_out out;
    const char *line, *end;

    if (argc != 3) {
        fprintf(stderr, "usage: fast app.log counts.jsonl\n");
        return 1;
    }
    fast_open_in(&in, argv[1]);
    fast_open_out(&out, argv[2]);
    while ((end = fast_lines(&in, &line)) != NULL)
        while (line < end)
            line = count_line(line);
    for (size_t g = 0; g < ngroups; g++) {
        fast_put(&out, "{\"minute\":", 10);
        fast_put_u64(&out, groups[g].minute);
        fast_put(&out, ",\"service\":\"", 12);
        fast_put(&out, services[groups[g].service], service_len[groups[g].service]);
        fast_put(&out, "\",\"errors\":", 11);
        fast_put_u64(&out, groups[g].errors);
        fast_put(&out, "}\n", 2);
    }
    fast_close_out(&out);
    return 0;
}
