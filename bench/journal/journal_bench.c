/* The journal's speed: appends N records of a sensor reading's size with the
 * default group commit (sync every 100 ms) and prints MB/s; then replays them
 * (every frame's CRC checked, every payload touched) and prints MB/s.
 * bench/journal/run.sh compares the first with dd conv=fdatasync on the same disk.
 * Usage: journal_bench DIR RECORDS PAYLOAD_BYTES */
#include <stdio.h>
#include "journal.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: journal_bench DIR RECORDS PAYLOAD_BYTES\n");
        return 2;
    }
    long n = atol(argv[2]);
    uint32_t size = (uint32_t)atol(argv[3]);
    unsigned char *rec = malloc(size);
    for (uint32_t i = 0; i < size; i++) rec[i] = (unsigned char)(i * 7 + 3);
    static rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_INTERVAL};
    if (rgp_journal_writer_open(&w, argv[1], "id:u64;v:f64;name:str", &o) != 0) {
        fprintf(stderr, "%s\n", w.err);
        return 1;
    }
    uint64_t t0 = rgp_journal_now_ns();
    for (long i = 0; i < n; i++) {
        rgp_le64_put(rec, (uint64_t)i);
        if (rgp_journal_append(&w, rec, size) == RGP_JOURNAL_END || (i % 4096 == 0 && rgp_journal_tick(&w) != 0)) {
            fprintf(stderr, "%s\n", w.err);
            return 1;
        }
    }
    if (rgp_journal_writer_close(&w) != 0) {
        fprintf(stderr, "%s\n", w.err);
        return 1;
    }
    uint64_t t1 = rgp_journal_now_ns();
    double mb = (double)n * (size + RGP_JOURNAL_FRAME_HEADER) / 1e6;
    printf("write %.1f MB in %.3f s: %.0f MB/s, %.2f M records/s\n", mb, (t1 - t0) / 1e9, mb / ((t1 - t0) / 1e9),
           n / ((t1 - t0) / 1e3));
    static rgp_journal_reader r;
    if (rgp_journal_reader_open(&r, argv[1], 0, 0, 0) != 0) {
        fprintf(stderr, "%s\n", r.err);
        return 1;
    }
    const unsigned char *p;
    uint32_t len;
    uint64_t off, sum = 0, got = 0;
    while (rgp_journal_next(&r, &p, &len, &off) == 1) {
        sum += rgp_le64_get(p) + p[len - 1];
        got++;
    }
    uint64_t t2 = rgp_journal_now_ns();
    printf("replay %llu records in %.3f s: %.0f MB/s, %.2f M records/s (checksum %llu)\n", (unsigned long long)got,
           (t2 - t1) / 1e9, mb / ((t2 - t1) / 1e9), got / ((t2 - t1) / 1e3), (unsigned long long)sum);
    return got == (uint64_t)n ? 0 : 1;
}
