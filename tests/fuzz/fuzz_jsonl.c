/* The lines reader and the generated JSON-lines parsers (parse_All_jsonl for a
 * field of every type, parse_Some_jsonl for fields with defaults) under
 * libFuzzer, as a built pipeline's source thread runs them; see
 * fuzz_readers.h for what is checked.  It must return, whatever the bytes.
 * `make fuzz` runs it; `make test` replays tests/fuzz/corpus_jsonl. */
#include "fuzz_readers.h"

static int line_next(rgp_reader *r, rgp_str *text, uint64_t *line)
{
    for (;;) {
        int st = rgp_line_next(r, text, line);
        if (st != RGP_ROW_NEED_INPUT) return st;
        if (rgp_reader_fill(r) < 0) abort();
    }
}

static int fuzz_some_same(const rec_Some *a, const rec_Some *b)
{
    return a->u == b->u && a->i == b->i && a->wide == b->wide && fuzz_f64_same(a->x, b->x) && a->ok == b->ok &&
           fuzz_str_same(a->s, b->s) && a->t == b->t;
}

/* Writes each record as a jsonl sink does and parses it back. */
static void all_round_trip(rgp_writer *w, const rec_All *rec)
{
    slot_rec_All back = {0};
    rgp_source_stats st = {.prog = "fuzz", .name = "back", .display = "fuzz"};
    write_rec_All_jsonl(w, rec);
    rgp_str text = fuzz_writer_take(w);
    if (text.len == 0 || text.ptr[text.len - 1] != '\n') abort();
    text.len--;
    if (parse_All_jsonl(&st, text, 1, &back, 0) != 0 || !fuzz_all_same(rec, &back.rec)) abort();
    rgp__slot_strs_free(&back.strs);
}

static void some_round_trip(rgp_writer *w, const rec_Some *rec)
{
    slot_rec_Some back = {0};
    rgp_source_stats st = {.prog = "fuzz", .name = "back", .display = "fuzz"};
    write_rec_Some_jsonl(w, rec);
    rgp_str text = fuzz_writer_take(w);
    if (text.len == 0 || text.ptr[text.len - 1] != '\n') abort();
    text.len--;
    if (parse_Some_jsonl(&st, text, 1, &back, 0) != 0 || !fuzz_some_same(rec, &back.rec)) abort();
    rgp__slot_strs_free(&back.strs);
}

/* Reads every line with a buffer of cap bytes and parses it
 * into both schemas. */
static fuzz_trace jsonl_read(const uint8_t *data, size_t size, size_t cap, rgp_writer *w)
{
    rgp_reader r;
    rgp_str text;
    uint64_t line;
    slot_rec_All all = {0};
    slot_rec_Some some = {0};
    rgp_source_stats st_all = {.prog = "fuzz", .name = "objs", .display = "fuzz"}, st_some = {.prog = "fuzz", .name = "some", .display = "fuzz"};
    fuzz_trace t = {UINT64_C(0xcbf29ce484222325), 0};
    fuzz_reader_open(&r, data, size, cap);
    while (line_next(&r, &text, &line) == RGP_ROW_OK) {
        fuzz_trace_u64(&t, line);
        fuzz_trace_str(&t, text);
        if (rgp_json_blank(text)) continue;   /* as the source thread does */
        st_all.rows++, st_some.rows++;
        if (parse_All_jsonl(&st_all, text, line, &all, 0) == 0 && w) all_round_trip(w, &all.rec);
        if (parse_Some_jsonl(&st_some, text, line, &some, 0) == 0 && w) some_round_trip(w, &some.rec);
    }
    fuzz_trace_u64(&t, r.line);
    fuzz_trace_u64(&t, st_all.rejected);
    fuzz_trace_u64(&t, st_some.rejected);
    rgp__slot_strs_free(&all.strs);
    rgp__slot_strs_free(&some.strs);
    rgp_reader_close(&r);
    return t;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static rgp_writer w;
    fuzz_init();
    if (!w.buf) fuzz_writer_open(&w);
    /* the second reading only reads lines: the parsers see the same text */
    fuzz_trace whole = jsonl_read(data, size, size + 16, &w), pieces = jsonl_read(data, size, fuzz_small_cap(size), NULL);
    if (whole.h != pieces.h || whole.n != pieces.n) abort(); /* how the input arrived changed the lines */
    return 0;
}
