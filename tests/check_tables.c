/* The generated per-key tables and window bookkeeping, run for real: programs
 * compiled by the driver and run by the JIT over generated input, their output
 * compared with answers worked out here by brute force. Many keys make the
 * tables grow their index and entries several times; many windows make them
 * close, compact and rebuild. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "driver.h"
#include "emit.h"
#include "heap.h"
#include "jit.h"

/* A seeded generator of our own, so the input is the same everywhere. */
static uint64_t lcg_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Compiles `text` with file paths relative to a fresh directory that holds
 * in.csv (`input`), runs it with the JIT, and returns out.csv's content. */
static char *run_pipeline(const char *text, const char *input)
{
    char dir[] = "/tmp/rgp-tables.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/in.csv", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(input, f);
    fclose(f);

    compilation c;
    ck_assert_int_eq(driver_compile_text(&c, "t.rgp", text, dir, stderr), 0);
    emit_options o = {.line_directives = true, .standalone = true};
    const char *c_name;
    char *csrc = emit_program(c.plan, &o, &c_name);
    char *argv[] = {"t", NULL};
    ck_assert_int_eq(jit_run(csrc, c_name, 1, argv), 0);
    free(csrc);
    driver_free(&c);

    snprintf(path, sizeof path, "%s/out.csv", dir);
    f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *out = malloc((size_t)n + 1);
    ck_assert_uint_eq(fread(out, 1, (size_t)n, f), (size_t)n);
    out[n] = 0;
    fclose(f);
    unlink(path);
    snprintf(path, sizeof path, "%s/in.csv", dir);
    unlink(path);
    rmdir(dir);
    return out;
}

/* Appends to a growing text buffer. */
typedef struct text { char *p; size_t len, cap; } text;
static void put(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (t->p && t->len + (size_t)n < t->cap) { t->len += (size_t)n; return; }
        t->cap = t->cap ? 2 * t->cap + (size_t)n : 4096 + (size_t)n;
        t->p = realloc(t->p, t->cap);
        ck_assert_ptr_nonnull(t->p);
    }
}

static int cmp_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The lines of `s` after its header, sorted (the caller frees the array, not the lines). */
static char **sorted_lines(char *s, size_t *n)
{
    size_t cap = 1024, k = 0;
    char **lines = malloc(cap * sizeof *lines);
    char *save = NULL;
    strtok_r(s, "\n", &save);   /* the header */
    for (char *l = strtok_r(NULL, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
        if (k == cap) lines = realloc(lines, (cap *= 2) * sizeof *lines);
        lines[k++] = l;
    }
    qsort(lines, k, sizeof *lines, cmp_lines);
    *n = k;
    return lines;
}

static void assert_same_lines(char *got, char *want)
{
    size_t ng, nw;
    char **g = sorted_lines(got, &ng), **w = sorted_lines(want, &nw);
    ck_assert_uint_eq(ng, nw);
    for (size_t i = 0; i < ng; i++) ck_assert_msg(!strcmp(g[i], w[i]), "line %zu: got %s, want %s", i, g[i], w[i]);
    free(g);
    free(w);
}

/* 100k integer keys and 30k string keys: the index grows from 1024 slots
 * past 2^17, the entries past 2^16; every key's count must survive that. */
START_TEST(test_group_many_keys)
{
    enum { NKEYS = 100000, NSTR = 30000 };
    static unsigned counts[NKEYS], scounts[NSTR];
    memset(counts, 0, sizeof counts);
    memset(scounts, 0, sizeof scounts);
    uint64_t seed = 42;
    text in = {0};
    for (int i = 0; i < 3 * NKEYS; i++) {
        unsigned k = (unsigned)(lcg_next(&seed) % NKEYS), s = (unsigned)(lcg_next(&seed) % NSTR);
        counts[k]++;
        scounts[s]++;
        put(&in, "%u,key-%u\n", k, s);
    }
    char *out = run_pipeline("schema R { id: u64, name: str }\n"
                             "source src = file(\"in.csv\") as csv(R)\n"
                             "stage g = src | group by id { n: count() }\n"
                             "sink o = file(\"out.csv\") as csv <- g\n", in.p);
    text want = {0};
    put(&want, "id,n\n");
    for (int k = 0; k < NKEYS; k++) if (counts[k]) put(&want, "%d,%u\n", k, counts[k]);
    assert_same_lines(out, want.p);
    free(out);
    out = run_pipeline("schema R { id: u64, name: str }\n"
                       "source src = file(\"in.csv\") as csv(R)\n"
                       "stage g = src | group by name { n: count() }\n"
                       "sink o = file(\"out.csv\") as csv <- g\n", in.p);
    want.len = 0;
    put(&want, "name,n\n");
    for (int s = 0; s < NSTR; s++) if (scounts[s]) put(&want, "key-%d,%u\n", s, scounts[s]);
    assert_same_lines(out, want.p);
    free(out);
    free(in.p);
    free(want.p);
}
END_TEST

/* Sliding windows over a long stream that arrives out of order by less than
 * the lateness: nothing is late, so every window holding a record comes out
 * once with that record counted. Thousands of windows close, so the table
 * compacts and rebuilds its index over and over. */
START_TEST(test_sliding_windows_brute_force)
{
    enum { NEV = 40000, NK = 50, SIZE = 1000, SLIDE = 250, LATE = 400 };
    static int64_t ts[NEV];
    static int key[NEV];
    uint64_t seed = 7;
    text in = {0};
    int64_t t = 0;
    for (int i = 0; i < NEV; i++) {
        t += (int64_t)(lcg_next(&seed) % 20);
        ts[i] = t - (int64_t)(lcg_next(&seed) % LATE);   /* out of order, but never by the lateness */
        key[i] = (int)(lcg_next(&seed) % NK);
        put(&in, "%d,%lld\n", key[i], (long long)ts[i]);
    }
    char *out = run_pipeline("schema E { k: i32, ts: time }\n"
                             "source src = file(\"in.csv\") as csv(E)\n"
                             "stage w = src | window ts every 1 s slide 250 ms lateness 400 ms by k { n: count() }\n"
                             "sink o = file(\"out.csv\") as csv <- w\n", in.p);
    /* brute force: count per (key, window start) */
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int i = 0; i < NEV; i++) { if (ts[i] < lo) lo = ts[i]; if (ts[i] > hi) hi = ts[i]; }
    int64_t first = (lo / SLIDE - SIZE / SLIDE - 1) * SLIDE;
    size_t nwin = (size_t)((hi - first) / SLIDE + 2);
    unsigned *n = calloc(nwin * NK, sizeof *n);
    for (int i = 0; i < NEV; i++)
        for (size_t w = 0; w < nwin; w++) {
            int64_t ws = first + (int64_t)w * SLIDE;
            if (ws <= ts[i] && ts[i] < ws + SIZE) n[w * NK + (size_t)key[i]]++;
        }
    text want = {0};
    put(&want, "k,window_start,window_end,n\n");
    for (size_t w = 0; w < nwin; w++)
        for (int k = 0; k < NK; k++)
            if (n[w * NK + (size_t)k])
                put(&want, "%d,%lld,%lld,%u\n", k, (long long)(first + (int64_t)w * SLIDE),
                    (long long)(first + (int64_t)w * SLIDE + SIZE), n[w * NK + (size_t)k]);
    assert_same_lines(out, want.p);
    free(n);
    free(out);
    free(in.p);
    free(want.p);
}
END_TEST

/* Sessions over an ordered stream: a key's session runs while its records
 * come less than the gap apart; checked against a direct walk per key. */
START_TEST(test_session_windows_brute_force)
{
    enum { NEV = 20000, NK = 40, GAP = 500 };
    uint64_t seed = 11;
    text in = {0}, want = {0};
    static int64_t start[NK], last[NK];
    static unsigned n[NK];
    memset(n, 0, sizeof n);
    int64_t t = 0;
    char line[96];
    text expect = {0};
    for (int i = 0; i < NEV; i++) {
        t += (int64_t)(lcg_next(&seed) % 30);
        int k = (int)(lcg_next(&seed) % NK);
        put(&in, "%d,%lld\n", k, (long long)t);
        if (n[k] && t - last[k] >= GAP) {
            snprintf(line, sizeof line, "%d,%lld,%lld,%u\n", k, (long long)start[k], (long long)(last[k] + GAP), n[k]);
            put(&expect, "%s", line);
            n[k] = 0;
        }
        if (!n[k]) start[k] = t;
        last[k] = t;
        n[k]++;
    }
    for (int k = 0; k < NK; k++)
        if (n[k]) put(&expect, "%d,%lld,%lld,%u\n", k, (long long)start[k], (long long)(last[k] + GAP), n[k]);
    put(&want, "k,window_start,window_end,n\n%s", expect.p);
    char *out = run_pipeline("schema E { k: i32, ts: time }\n"
                             "source src = file(\"in.csv\") as csv(E)\n"
                             "stage w = src | window ts gap 500 ms by k { n: count() }\n"
                             "sink o = file(\"out.csv\") as csv <- w\n", in.p);
    assert_same_lines(out, want.p);
    free(out);
    free(in.p);
    free(want.p);
    free(expect.p);
}
END_TEST

/* The closing heap against a plain list searched for its least item: random
 * pushes and pops, many equal times, must come off by time, then entry. */
START_TEST(test_heap_against_list)
{
    enum { N = 20000 };
    static rgp_heap_item list[N];
    size_t nlist = 0;
    rgp_heap h = {0};
    uint64_t seed = 3;
    for (int step = 0; step < 4 * N; step++) {
        bool push = nlist == 0 || (nlist < N && lcg_next(&seed) % 3 != 0);
        if (push) {
            rgp_heap_item it = {(int64_t)(lcg_next(&seed) % 500) - 250, (size_t)(lcg_next(&seed) % 1000)};
            ck_assert(rgp_heap_push(&h, it.at, it.entry));
            list[nlist++] = it;
        } else {
            size_t least = 0;
            for (size_t i = 1; i < nlist; i++)
                if (list[i].at < list[least].at || (list[i].at == list[least].at && list[i].entry < list[least].entry)) least = i;
            rgp_heap_item got = rgp_heap_pop(&h);
            if (got.at != list[least].at || got.entry != list[least].entry)
                ck_abort_msg("popped (%lld, %zu), want (%lld, %zu)", (long long)got.at, got.entry, (long long)list[least].at, list[least].entry);
            list[least] = list[--nlist];
        }
        if (h.len != nlist) ck_abort_msg("heap of %zu items, want %zu", h.len, nlist);
    }
    rgp_heap_free(&h);
    ck_assert_uint_eq(h.len, 0);
}
END_TEST

/* Due and first close count `after` from an item's time, saturating at the
 * end of time; an empty heap has nothing due even by the end of time. */
START_TEST(test_heap_due_saturates)
{
    rgp_heap h = {0};
    ck_assert(!rgp_heap_due(&h, 0, INT64_MAX));
    ck_assert_int_eq(rgp_heap_first_close(&h, 10), INT64_MAX);
    ck_assert(rgp_heap_push(&h, INT64_MAX - 5, 1));
    ck_assert(rgp_heap_push(&h, 100, 2));
    ck_assert_int_eq(rgp_heap_first_close(&h, 10), 110);
    ck_assert(!rgp_heap_due(&h, 10, 109));
    ck_assert(rgp_heap_due(&h, 10, 110));
    ck_assert_uint_eq(rgp_heap_pop(&h).entry, 2);
    ck_assert_int_eq(rgp_heap_first_close(&h, 10), INT64_MAX);   /* saturated */
    ck_assert(rgp_heap_due(&h, 10, INT64_MAX));
    rgp_heap_clear(&h);
    ck_assert(!rgp_heap_due(&h, 10, INT64_MAX));
    rgp_heap_free(&h);
}
END_TEST

/* A window expected of a brute force: when it closes (the index of the record
 * whose watermark move closes it, or the record count for the end of input),
 * its start and end, the record that made its entry (the key's first record
 * in it, or ever for a session), its key and count. */
typedef struct expected_window { size_t batch; int64_t start, end; size_t first; int key; unsigned n; } expected_window;

/* The documented order: by close, oldest first, then by entry. */
static int cmp_expected(const void *a, const void *b)
{
    const expected_window *x = a, *y = b;
    if (x->batch != y->batch) return x->batch < y->batch ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->first < y->first ? -1 : x->first > y->first;
}

/* The first record whose watermark (runmax: the running maximum of event
 * times) reaches `at`, or n for none: its watermark move closes what ends by at. */
static size_t first_reaching(const int64_t *runmax, size_t n, int64_t at)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (runmax[mid] >= at) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static text expected_text(expected_window *w, size_t n)
{
    qsort(w, n, sizeof *w, cmp_expected);
    text want = {0};
    put(&want, "k,window_start,window_end,n\n");
    for (size_t i = 0; i < n; i++) put(&want, "%d,%lld,%lld,%u\n", w[i].key, (long long)w[i].start, (long long)w[i].end, w[i].n);
    return want;
}

/* A (window start, key, record) the brute force sorts to find each window's count and first record. */
typedef struct membership { int64_t ws; int key; size_t rec; } membership;

static int cmp_membership(const void *a, const void *b)
{
    const membership *x = a, *y = b;
    if (x->ws != y->ws) return x->ws < y->ws ? -1 : 1;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->rec < y->rec ? -1 : x->rec > y->rec;
}

/* 50k keys of sliding windows, out of order by less than the lateness: the
 * closing heap and the compaction that renumbers it must give every window,
 * in the documented order (compared line for line, not as a set). */
START_TEST(test_sliding_many_keys_in_order)
{
    enum { NEV = 120000, NK = 50000, SIZE = 1000, SLIDE = 250, LATE = 400, PER = SIZE / SLIDE };
    static int64_t ts[NEV], runmax[NEV];
    static int key[NEV];
    uint64_t seed = 5;
    text in = {0};
    int64_t t = 100000;
    for (int i = 0; i < NEV; i++) {
        t += (int64_t)(lcg_next(&seed) % 3);
        ts[i] = t - (int64_t)(lcg_next(&seed) % LATE);
        key[i] = (int)(lcg_next(&seed) % NK);
        runmax[i] = i && runmax[i - 1] > ts[i] ? runmax[i - 1] : ts[i];
        put(&in, "%d,%lld\n", key[i], (long long)ts[i]);
    }
    char *out = run_pipeline("schema E { k: i32, ts: time }\n"
                             "source src = file(\"in.csv\") as csv(E)\n"
                             "stage w = src | window ts every 1 s slide 250 ms lateness 400 ms by k { n: count() }\n"
                             "sink o = file(\"out.csv\") as csv <- w\n", in.p);
    membership *m = malloc((size_t)NEV * PER * sizeof *m);
    size_t nm = 0;
    for (int i = 0; i < NEV; i++)
        for (int64_t ws = ts[i] / SLIDE * SLIDE, k = 0; k < PER; k++, ws -= SLIDE) m[nm++] = (membership){ws, key[i], (size_t)i};
    qsort(m, nm, sizeof *m, cmp_membership);
    expected_window *w = malloc(nm * sizeof *w);
    size_t nw = 0;
    for (size_t i = 0; i < nm; i++) {
        if (i && m[i].ws == m[i - 1].ws && m[i].key == m[i - 1].key) { w[nw - 1].n++; continue; }
        w[nw++] = (expected_window){first_reaching(runmax, NEV, m[i].ws + SIZE + LATE), m[i].ws, m[i].ws + SIZE, m[i].rec, m[i].key, 1};
    }
    text want = expected_text(w, nw);
    ck_assert_uint_eq(strlen(out), want.len);
    ck_assert_msg(!strcmp(out, want.p), "sliding windows over 50k keys: not the brute force's windows in order");
    free(m);
    free(w);
    free(out);
    free(in.p);
    free(want.p);
}
END_TEST

/* 50k keys of sessions in time order, most of them going on past several
 * records (their heap items come due early and move on), some ending past
 * the gap: every session, in the documented order. */
START_TEST(test_sessions_many_keys_in_order)
{
    enum { NEV = 150000, NK = 50000, GAP = 60000 };
    static int64_t ts[NEV], start[NK], last[NK];
    static size_t first_seen[NK];
    static unsigned n[NK];
    memset(n, 0, sizeof n);
    for (int k = 0; k < NK; k++) first_seen[k] = SIZE_MAX;
    uint64_t seed = 13;
    text in = {0};
    int64_t t = 0;
    expected_window *w = malloc(NEV * sizeof *w);
    size_t nw = 0;
    static int key[NEV];
    for (int i = 0; i < NEV; i++) {
        t += (int64_t)(lcg_next(&seed) % 3);
        ts[i] = t;
        key[i] = (int)(lcg_next(&seed) % NK);
        put(&in, "%d,%lld\n", key[i], (long long)t);
    }
    for (int i = 0; i < NEV; i++) {
        int k = key[i];
        if (first_seen[k] == SIZE_MAX) first_seen[k] = (size_t)i;
        if (n[k] && ts[i] - last[k] >= GAP) {
            w[nw++] = (expected_window){first_reaching(ts, NEV, last[k] + GAP), start[k], last[k] + GAP, first_seen[k], k, n[k]};
            n[k] = 0;
        }
        if (!n[k]) start[k] = ts[i];
        last[k] = ts[i];
        n[k]++;
    }
    for (int k = 0; k < NK; k++)
        if (n[k]) w[nw++] = (expected_window){first_reaching(ts, NEV, last[k] + GAP), start[k], last[k] + GAP, first_seen[k], k, n[k]};
    text want = expected_text(w, nw);
    char *out = run_pipeline("schema E { k: i32, ts: time }\n"
                             "source src = file(\"in.csv\") as csv(E)\n"
                             "stage w = src | window ts gap 60 s by k { n: count() }\n"
                             "sink o = file(\"out.csv\") as csv <- w\n", in.p);
    ck_assert_uint_eq(strlen(out), want.len);
    ck_assert_msg(!strcmp(out, want.p), "sessions over 50k keys: not the brute force's sessions in order");
    free(w);
    free(out);
    free(in.p);
    free(want.p);
}
END_TEST

/* Buckets by start against a plain list: entries added under random starts
 * (a few near ones and, for the index's growth and deletions, many far
 * apart), starts closing earliest first, each giving its entries in the
 * order they were added; cleared and reused. */
START_TEST(test_starts_against_list)
{
    enum { N = 10000 };
    static int64_t start_of[N];
    static bool closed[N];
    rgp_starts s = {0};
    uint64_t seed = 17;
    for (int round = 0; round < 2; round++) {
        size_t added = 0;
        int64_t upto = -1;
        memset(closed, 0, sizeof closed);
        for (int step = 0; step < 3 * N; step++) {
            if (added < N && lcg_next(&seed) % 4 != 0) {
                int64_t st = lcg_next(&seed) % 2 ? upto + 1 + (int64_t)(lcg_next(&seed) % 8) : upto + 1 + (int64_t)(lcg_next(&seed) % 100000);
                ck_assert(rgp_starts_add(&s, st, added));
                start_of[added++] = st;
                continue;
            }
            upto += (int64_t)(lcg_next(&seed) % 2000);
            for (const rgp_start_bucket *b; (b = rgp_starts_due(&s, 5, upto)); rgp_starts_close_first(&s)) {
                int64_t least = INT64_MAX;   /* the earliest open start */
                for (size_t i = 0; i < added; i++) if (!closed[i] && start_of[i] < least) least = start_of[i];
                if (b->start != least || b->start + 5 > upto) ck_abort_msg("start %lld came due, not %lld", (long long)b->start, (long long)least);
                size_t k = 0;
                for (size_t i = 0; i < added; i++)   /* (a ck_assert per item would cost a write to the parent) */
                    if (!closed[i] && start_of[i] == least) {
                        if (k >= b->len || b->entries[k] != i) ck_abort_msg("start %lld: entry %zu missing or out of order", (long long)least, i);
                        k++;
                        closed[i] = true;
                    }
                ck_assert_uint_eq(k, b->len);
            }
            for (size_t i = 0; i < added; i++)
                if (!closed[i] && start_of[i] + 5 <= upto) ck_abort_msg("entry %zu (start %lld) not closed by %lld", i, (long long)start_of[i], (long long)upto);
        }
        rgp_starts_clear(&s);
        ck_assert_ptr_null(rgp_starts_due(&s, 0, INT64_MAX));
    }
    rgp_starts_free(&s);
}
END_TEST

Suite *tables_suite(void)
{
    Suite *s = suite_create("tables");
    TCase *tc = tcase_create("generated");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_group_many_keys);
    tcase_add_test(tc, test_sliding_windows_brute_force);
    tcase_add_test(tc, test_session_windows_brute_force);
    tcase_add_test(tc, test_sliding_many_keys_in_order);
    tcase_add_test(tc, test_sessions_many_keys_in_order);
    suite_add_tcase(s, tc);
    TCase *heap = tcase_create("heap");
    tcase_add_test(heap, test_heap_against_list);
    tcase_add_test(heap, test_heap_due_saturates);
    tcase_add_test(heap, test_starts_against_list);
    suite_add_tcase(s, heap);
    return s;
}
