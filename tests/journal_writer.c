/* A journal writer for tests/journal_kill.sh: appends records "id:u64;name:str",
 * record k = {k, "rec-k" repeated}, from wherever the journal ends, until it has
 * written COUNT or is killed. Every write(2) is split in two with a pause in the
 * middle, so that a kill -9 often leaves half a frame: the torn tail that the next
 * writer must cut. Usage: journal_writer DIR always|interval|never COUNT */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static ssize_t split_write(int fd, const void *p, size_t n)
{
    size_t half = n > 1 ? n / 2 : n;
    ssize_t k = write(fd, p, half);
    struct timespec pause = {0, 300000};
    nanosleep(&pause, NULL);
    return k;
}
#define RGP_JOURNAL_WRITE split_write
#include "journal.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: journal_writer DIR always|interval|never COUNT\n");
        return 2;
    }
    rgp_journal_opts o = {.segment_bytes = 64 * 1024, .sync_ns = 2000000};
    o.sync = argv[2][0] == 'a' ? RGP_JOURNAL_SYNC_ALWAYS : argv[2][0] == 'i' ? RGP_JOURNAL_SYNC_INTERVAL : RGP_JOURNAL_SYNC_NEVER;
    long count = atol(argv[3]);
    static rgp_journal_writer w;
    if (rgp_journal_writer_open(&w, argv[1], "id:u64;name:str", &o) != 0) {
        fprintf(stderr, "journal_writer: %s\n", w.err);
        return 1;
    }
    if (w.cut_bytes) fprintf(stderr, "journal_writer: cut a torn tail of %llu bytes\n", (unsigned long long)w.cut_bytes);
    unsigned char rec[512];
    for (long i = 0; i < count; i++) {
        uint64_t k = w.next;
        char name[256];
        int n = 0;
        for (uint64_t r = 0; r <= k % 5; r++) n += sprintf(name + n, "rec-%llu", (unsigned long long)k);
        rgp_le64_put(rec, k);
        rgp_le32_put(rec + 8, (uint32_t)n);
        memcpy(rec + 12, name, (size_t)n);
        if (rgp_journal_append(&w, rec, (uint32_t)(12 + n)) != k) {
            fprintf(stderr, "journal_writer: %s\n", w.err);
            return 1;
        }
        if (i % 64 == 63 && (rgp_journal_flush(&w) != 0 || rgp_journal_tick(&w) != 0)) {
            fprintf(stderr, "journal_writer: %s\n", w.err);
            return 1;
        }
    }
    if (rgp_journal_writer_close(&w) != 0) {
        fprintf(stderr, "journal_writer: %s\n", w.err);
        return 1;
    }
    return 0;
}
