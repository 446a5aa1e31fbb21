/* The CSV reader and the generated CSV row parser (parse_All_csv, for a field
 * of every type) under libFuzzer, as a built pipeline's source thread runs
 * them; see fuzz_readers.h for what is checked.  It must return, whatever the
 * bytes: no crash, no hang, no difference between the two readings.
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus_csv. */
#include "fuzz_readers.h"

#define FUZZ_MAX_ROW 300 /* readers.rgp: source rows ... max_row: 300 B */
#define FUZZ_FIELDS 9    /* the schema's 8, and one to notice extra fields */

static int csv_next(rgp_reader *r, rgp_str *f, int *nf, uint64_t *line, const char **why)
{
    for (;;) {
        int st = rgp_csv_next_row(r, ',', f, FUZZ_FIELDS, nf, line, why);
        if (st != RGP_ROW_NEED_INPUT) return st;
        if (rgp_reader_fill(r) < 0) abort();
    }
}

/* Writes rec as a csv sink does and reads it back as a csv source does. */
static void csv_round_trip(rgp_writer *w, const rec_All *rec)
{
    rgp_reader r;
    rgp_str f[FUZZ_FIELDS];
    int nf;
    uint64_t line;
    const char *why;
    slot_rec_All back = {0};
    rgp_source_stats st = {.prog = "fuzz", .name = "back", .display = "fuzz"};
    write_rec_All_csv(w, rec, ',');
    rgp_str text = fuzz_writer_take(w);
    fuzz_reader_open(&r, (const uint8_t *)text.ptr, text.len, 64);
    if (csv_next(&r, f, &nf, &line, &why) != RGP_ROW_OK) abort();
    if (parse_All_csv(&st, f, nf, line, &back, 0) != 0 || !fuzz_all_same(rec, &back.rec)) abort();
    if (csv_next(&r, f, &nf, &line, &why) != RGP_ROW_EOF) abort();
    rgp__slot_strs_free(&back.strs);
    rgp_reader_close(&r);
}

/* The first row as the header of a Some source: its column map, as main makes
 * it; 0 when it does not match, or names a column past the FUZZ_FIELDS kept. */
static int csv_header_map(const rgp_str *f, int nf, rgp_csv_header *h)
{
    int bad, bad_col;
    if (nf > FUZZ_FIELDS) return 0;
    if (rgp_csv_header_match(f, nf, columns_Some, defaults_Some, 7, h->col, &bad, &bad_col) != RGP_HDR_OK) return 0;
    rgp_csv_header_plan(h, nf, 7);
    return h->fcap <= FUZZ_FIELDS;
}

/* Reads every row with a buffer of cap bytes; the first row is also taken as
 * the header of a Some source, and the rows after it parsed by column name. */
static fuzz_trace csv_read(const uint8_t *data, size_t size, size_t cap, rgp_writer *w)
{
    rgp_reader r;
    rgp_str f[FUZZ_FIELDS];
    int nf, st;
    uint64_t line;
    const char *why;
    slot_rec_All slot = {0};
    slot_rec_Some some = {0};
    int col[7], named_ok = 0;
    rgp_csv_header named = {.col = col};
    rgp_source_stats stats = {.prog = "fuzz", .name = "rows", .display = "fuzz"};
    fuzz_trace t = {UINT64_C(0xcbf29ce484222325), 0};
    fuzz_reader_open(&r, data, size, cap);
    rgp_reader_set_max_row(&r, FUZZ_MAX_ROW);
    while ((st = csv_next(&r, f, &nf, &line, &why)) != RGP_ROW_EOF) {
        fuzz_trace_u64(&t, (uint64_t)st);
        fuzz_trace_u64(&t, line);
        if (st == RGP_ROW_BAD) {
            fuzz_trace_add(&t, why, strlen(why));
            continue;
        }
        fuzz_trace_u64(&t, (uint64_t)nf);
        for (int i = 0; i < nf && i < FUZZ_FIELDS; i++) fuzz_trace_str(&t, f[i]);
        if (stats.rows++ == 0) named_ok = csv_header_map(f, nf, &named);
        else if (named_ok) fuzz_trace_u64(&t, (uint64_t)parse_Some_csv_named(&stats, f, nf, line, &some, 0, &named));
        if (parse_All_csv(&stats, f, nf, line, &slot, 0) != 0) continue;
        if (w) csv_round_trip(w, &slot.rec);
    }
    fuzz_trace_u64(&t, r.line);
    fuzz_trace_u64(&t, stats.rejected);
    rgp__slot_strs_free(&slot.strs);
    rgp__slot_strs_free(&some.strs);
    rgp_reader_close(&r);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rgp_writer w;
    fuzz_init();
    if (!w.buf) fuzz_writer_open(&w);
    fuzz_trace whole = csv_read(data, size, size + 16, &w), pieces = csv_read(data, size, fuzz_small_cap(size), NULL);
    if (whole.h != pieces.h || whole.n != pieces.n) abort(); /* how the input arrived changed the rows */
    return 0;
}
