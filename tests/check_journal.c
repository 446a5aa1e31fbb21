/* The journal (runtime/journal.h): frames, segments, recovery of torn tails,
 * refusal of corruption, skipping, following, retention and a full disk. */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include "journal.h"

#define SCHEMA "id:u64;name:str"

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

/* Record i's payload: its text repeated a number of times that depends on i. */
static uint32_t payload_of(uint64_t i, char *out)
{
    uint32_t n = 0;
    for (uint64_t k = 0; k <= i % 7; k++) n += (uint32_t)sprintf(out + n, "rec-%llu;", (unsigned long long)i);
    return n;
}

static void fresh_dir(char *dir)
{
    strcpy(dir, "/tmp/rgp-journal.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void open_writer(rgp_journal_writer *w, const char *dir, uint64_t segment_bytes)
{
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER, .segment_bytes = segment_bytes};
    int rc = rgp_journal_writer_open(w, dir, SCHEMA, &o);
    ck_assert_msg(rc == 0, "open: %s", w->err);
}

static void append_range(rgp_journal_writer *w, uint64_t from, uint64_t to)
{
    char buf[256];
    for (uint64_t i = from; i < to; i++) {
        uint32_t n = payload_of(i, buf);
        ck_assert_uint_eq(rgp_journal_append(w, buf, n), i);
    }
}

static void write_journal(const char *dir, uint64_t n, uint64_t segment_bytes)
{
    rgp_journal_writer w;
    open_writer(&w, dir, segment_bytes);
    append_range(&w, 0, n);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
}

/* Reads everything from `from` and checks every record is the right one, in order:
 * returns how many; *last_rc gets the final status of rgp_journal_next. */
static uint64_t read_check(const char *dir, uint64_t from, int skip, int *last_rc, rgp_journal_reader *out)
{
    rgp_journal_reader r;
    int rc = rgp_journal_reader_open(&r, dir, from, rgp_journal_fingerprint(SCHEMA), skip);
    ck_assert_msg(rc == 0, "reader open: %s", r.err);
    const unsigned char *p;
    uint32_t len;
    uint64_t off, count = 0, prev = 0, start = r.next;
    char want[256];
    while ((rc = rgp_journal_next(&r, &p, &len, &off)) == 1) {
        if (!skip) ck_assert_uint_eq(off, start + count);
        uint32_t n = payload_of(off, want);
        ck_assert_uint_eq(len, n);
        ck_assert_int_eq(memcmp(p, want, n), 0);
        ck_assert(count == 0 || off > prev);
        prev = off;
        count++;
    }
    *last_rc = rc;
    if (out) *out = r;
    else rgp_journal_reader_close(&r);
    return count;
}

static off_t file_size(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_size;
}

START_TEST(crc32c_check_value)
{
    ck_assert_uint_eq(rgp_crc32c("123456789", 9), 0xE3069283u);
    /* sliced and bytewise paths agree, whatever the split */
    char buf[100];
    for (int i = 0; i < 100; i++) buf[i] = (char)(i * 37 + 1);
    uint32_t whole = rgp_crc32c(buf, sizeof buf);
    for (size_t k = 0; k <= sizeof buf; k++)
        ck_assert_uint_eq(rgp_crc32c_update(rgp_crc32c(buf, k), buf + k, sizeof buf - k), whole);
    /* the tables and the crc32 instruction agree (under tcc only the tables run) */
    uint64_t seed = 7;
    unsigned char big[4099];
    for (int trial = 0; trial < 200; trial++) {
        size_t n = rnd(&seed) % sizeof big;
        for (size_t i = 0; i < n; i++) big[i] = (unsigned char)rnd(&seed);
        ck_assert_uint_eq(rgp__crc32c_sw(0, big, n), rgp_crc32c(big, n));
    }
    ck_assert_uint_eq(rgp__crc32c_sw(0, (const unsigned char *)"123456789", 9), 0xE3069283u);
}
END_TEST

START_TEST(write_read_reopen)
{
    char dir[64];
    fresh_dir(dir);
    write_journal(dir, 1000, 0);
    int rc;
    ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), 1000);
    ck_assert_int_eq(rc, 0);
    rgp_journal_writer w;
    open_writer(&w, dir, 0);
    ck_assert_uint_eq(w.next, 1000);
    ck_assert_uint_eq(w.cut_bytes, 0);
    append_range(&w, 1000, 1500);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), 1500);
    ck_assert_uint_eq(read_check(dir, 1234, 0, &rc, NULL), 266);
    ck_assert_uint_eq(read_check(dir, RGP_JOURNAL_END, 0, &rc, NULL), 0);
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 1501, 0, 0), -1);
    ck_assert_ptr_nonnull(strstr(r.err, "past its end"));
    rgp_journal_reader_close(&r);
    rm_dir(dir);
}
END_TEST

START_TEST(segments_roll_and_seek)
{
    char dir[64];
    fresh_dir(dir);
    write_journal(dir, 3000, 4096);
    rgp_journal_segs s;
    char err[256];
    ck_assert_int_eq(rgp_journal_list(dir, &s, err, sizeof err), 0);
    ck_assert_int_gt(s.n, 10);
    ck_assert_uint_eq(s.base[0], 0);
    int rc;
    for (int i = 1; i < s.n; i++) {
        ck_assert_uint_gt(s.base[i], s.base[i - 1]);
        /* from the first record of a segment, and from the one before it */
        ck_assert_uint_eq(read_check(dir, s.base[i], 0, &rc, NULL), 3000 - s.base[i]);
        ck_assert_uint_eq(read_check(dir, s.base[i] - 1, 0, &rc, NULL), 3000 - s.base[i] + 1);
    }
    free(s.base);
    rm_dir(dir);
}
END_TEST

START_TEST(follows_appends)
{
    char dir[64];
    fresh_dir(dir);
    rgp_journal_writer w;
    open_writer(&w, dir, 2048);
    append_range(&w, 0, 10);
    ck_assert_int_eq(rgp_journal_flush(&w), 0);
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 5, 0, 0), 0);
    const unsigned char *p;
    uint32_t len;
    uint64_t off, seen = 5;
    while (rgp_journal_next(&r, &p, &len, &off) == 1) ck_assert_uint_eq(off, seen++);
    ck_assert_uint_eq(seen, 10);
    /* appends through several segment rolls, read while they happen */
    for (uint64_t round = 0; round < 20; round++) {
        append_range(&w, 10 + round * 50, 10 + (round + 1) * 50);
        ck_assert_int_eq(rgp_journal_flush(&w), 0);
        int rc;
        while ((rc = rgp_journal_next(&r, &p, &len, &off)) == 1) ck_assert_uint_eq(off, seen++);
        ck_assert_int_eq(rc, 0);
        ck_assert_uint_eq(seen, 10 + (round + 1) * 50);
    }
    rgp_journal_reader_close(&r);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    rm_dir(dir);
}
END_TEST

/* Cut the last segment at every byte of its last three frames: the writer opens,
 * cuts exactly the partial frame, keeps every whole one and goes on from there. */
START_TEST(torn_tail_every_byte)
{
    char dir[64];
    fresh_dir(dir);
    write_journal(dir, 40, 0);
    char seg[4200];
    rgp_journal_seg_path(seg, sizeof seg, dir, 0);
    off_t full = file_size(seg);
    char buf[256];
    off_t frame_end[41];                            /* frame_end[k]: the file size holding k whole frames */
    frame_end[0] = RGP_JOURNAL_SEG_HEADER + (off_t)strlen(SCHEMA);
    for (uint64_t i = 0; i < 40; i++) frame_end[i + 1] = frame_end[i] + RGP_JOURNAL_FRAME_HEADER + payload_of(i, buf);
    ck_assert_int_eq(frame_end[40], full);
    char *copy = malloc((size_t)full);
    FILE *f = fopen(seg, "rb");
    ck_assert_uint_eq(fread(copy, 1, (size_t)full, f), (size_t)full);
    fclose(f);
    for (off_t cut = frame_end[37] + 1; cut < full; cut++) {
        f = fopen(seg, "wb");
        fwrite(copy, 1, (size_t)cut, f);
        fclose(f);
        uint64_t whole = 37;
        while (frame_end[whole + 1] <= cut) whole++;
        int rc;
        /* a reader stops quietly before the torn frame */
        ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), whole);
        ck_assert_int_eq(rc, 0);
        rgp_journal_writer w;
        open_writer(&w, dir, 0);
        ck_assert_uint_eq(w.next, whole);
        ck_assert_uint_eq(w.cut_bytes, (uint64_t)(cut - frame_end[whole]));
        append_range(&w, whole, 40);
        ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
        ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), 40);
    }
    free(copy);
    rm_dir(dir);
}
END_TEST

/* A writer killed while it made a segment leaves a header cut short. A reader that
 * opens at that segment (the only one, or after whole ones) finds nothing in it yet,
 * quietly, whatever stdin is (it once read frames through a cursor never set up for
 * the segment, on fd 0: "read: Illegal seek" with stdin a pipe), and follows the
 * records once a writer has made the segment anew. */
START_TEST(torn_segment_header_at_reader_open)
{
    int pfd[2], saved = dup(0);
    ck_assert_int_eq(pipe(pfd), 0);
    ck_assert_int_eq(dup2(pfd[0], 0), 0);           /* stdin a pipe, as in tests/journal_kill.sh */
    for (int before = 0; before <= 1; before++) {
        for (uint64_t cut = 0; cut < RGP_JOURNAL_SEG_HEADER + strlen(SCHEMA); cut += 5) {
            char dir[64], seg[4200];
            fresh_dir(dir);
            uint64_t base = 0;
            if (before) {                           /* whole segments first, then the torn one */
                rgp_journal_writer w;
                open_writer(&w, dir, 2048);
                append_range(&w, 0, 100);
                base = w.next;
                ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
                ck_assert_uint_gt(base, 0);
            }
            /* the header the writer would have written, cut after `cut` bytes */
            unsigned char h[RGP_JOURNAL_SEG_HEADER + 64];
            memcpy(h, RGP_JOURNAL_MAGIC, 8);
            rgp_le64_put(h + 8, base);
            rgp_le64_put(h + 16, rgp_journal_fingerprint(SCHEMA));
            rgp_le32_put(h + 24, (uint32_t)strlen(SCHEMA));
            memcpy(h + RGP_JOURNAL_SEG_HEADER, SCHEMA, strlen(SCHEMA));
            rgp_le32_put(h + 28, rgp_crc32c_update(rgp_crc32c(h, 28), SCHEMA, strlen(SCHEMA)));
            rgp_journal_seg_path(seg, sizeof seg, dir, base);
            FILE *f = fopen(seg, "wb");
            ck_assert_uint_eq(fwrite(h, 1, (size_t)cut, f), (size_t)cut);
            fclose(f);
            int rc;
            rgp_journal_reader r;
            /* from the torn segment's base: nothing yet, and no error */
            ck_assert_uint_eq(read_check(dir, base, 0, &rc, &r), 0);
            ck_assert_msg(rc == 0, "cut %llu, %d before: next() %d: %s", (unsigned long long)cut, before, rc, r.err);
            ck_assert_uint_eq(r.next, base);
            /* from the start: every whole record, then nothing, no error */
            ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), base);
            ck_assert_int_eq(rc, 0);
            /* past the end is refused */
            rgp_journal_reader r2;
            ck_assert_int_eq(rgp_journal_reader_open(&r2, dir, base + 1, 0, 0), -1);
            rgp_journal_reader_close(&r2);
            /* a writer makes the segment anew: the reader follows into it */
            rgp_journal_writer w;
            open_writer(&w, dir, 2048);
            ck_assert_uint_eq(w.next, base);
            append_range(&w, base, base + 10);
            ck_assert_int_eq(rgp_journal_flush(&w), 0);
            const unsigned char *p;
            uint32_t len;
            uint64_t off;
            for (uint64_t k = base; k < base + 10; k++) {
                rc = rgp_journal_next(&r, &p, &len, &off);
                ck_assert_msg(rc == 1, "cut %llu: following: %d %s", (unsigned long long)cut, rc, r.err);
                ck_assert_uint_eq(off, k);
            }
            ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
            rgp_journal_reader_close(&r);
            rm_dir(dir);
        }
    }
    dup2(saved, 0);
    close(saved);
    close(pfd[0]);
    close(pfd[1]);
}
END_TEST

/* One bad byte in the middle: the writer refuses (cutting would lose the good frames
 * after it), the reader stops naming the segment and the byte, and with skip the
 * reader loses that one record only, counted. */
START_TEST(corrupt_middle_refused_or_skipped)
{
    char dir[64];
    fresh_dir(dir);
    write_journal(dir, 100, 0);
    char seg[4200], buf[256];
    rgp_journal_seg_path(seg, sizeof seg, dir, 0);
    off_t at = RGP_JOURNAL_SEG_HEADER + (off_t)strlen(SCHEMA);
    for (uint64_t i = 0; i < 50; i++) at += RGP_JOURNAL_FRAME_HEADER + payload_of(i, buf);
    int fd = open(seg, O_RDWR);
    unsigned char b;
    ck_assert_int_eq(pread(fd, &b, 1, at + 20), 1);
    b ^= 0x40;
    ck_assert_int_eq(pwrite(fd, &b, 1, at + 20), 1);
    close(fd);

    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, SCHEMA, &o), -1);
    ck_assert_msg(strstr(w.err, "corrupt frame at byte") && strstr(w.err, "offset 50"), "%s", w.err);
    rgp_journal_writer_close(&w);

    int rc;
    rgp_journal_reader r;
    ck_assert_uint_eq(read_check(dir, 0, 0, &rc, &r), 50);
    ck_assert_int_eq(rc, -1);
    char want[64];
    snprintf(want, sizeof want, "corrupt frame at byte %lld (offset 50)", (long long)at);
    ck_assert_msg(strstr(r.err, want) && strstr(r.err, ".seg"), "%s", r.err);
    rgp_journal_reader_close(&r);

    ck_assert_uint_eq(read_check(dir, 0, 1, &rc, &r), 99);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(r.skipped_frames, 1);
    ck_assert_uint_eq(r.skipped_bytes, RGP_JOURNAL_FRAME_HEADER + payload_of(50, buf));
    rgp_journal_reader_close(&r);
    rm_dir(dir);
}
END_TEST

/* Random bytes flipped (fixed seed): never a wrong record, never a crash; the
 * writer either opens or says why. */
START_TEST(random_flips_never_give_wrong_records)
{
    char dir[64];
    fresh_dir(dir);
    uint64_t seed = 42;
    for (int trial = 0; trial < 150; trial++) {
        rm_dir(dir);
        ck_assert_int_eq(mkdir(dir, 0755), 0);
        write_journal(dir, 60, 1024);
        rgp_journal_segs s;
        char err[256], seg[4200];
        ck_assert_int_eq(rgp_journal_list(dir, &s, err, sizeof err), 0);
        int nflips = 1 + (int)(rnd(&seed) % 3);
        for (int k = 0; k < nflips; k++) {
            rgp_journal_seg_path(seg, sizeof seg, dir, s.base[rnd(&seed) % (uint64_t)s.n]);
            off_t size = file_size(seg);
            off_t at = (off_t)(rnd(&seed) % (uint64_t)size);
            int fd = open(seg, O_RDWR);
            unsigned char b;
            ck_assert_int_eq(pread(fd, &b, 1, at), 1);
            b ^= (unsigned char)(1u << (rnd(&seed) % 8));
            ck_assert_int_eq(pwrite(fd, &b, 1, at), 1);
            close(fd);
        }
        free(s.base);
        int rc;
        rgp_journal_reader r;
        if (rgp_journal_reader_open(&r, dir, 0, 0, 0) == 0) {
            rgp_journal_reader_close(&r);
            read_check(dir, 0, 0, &rc, NULL);       /* checks every record it returns */
            read_check(dir, 0, 1, &rc, NULL);
        } else {
            ck_assert_msg(strstr(r.err, ".seg: "), "%s", r.err);  /* a damaged first header, named */
            rgp_journal_reader_close(&r);
        }
        rgp_journal_writer w;
        rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER, .segment_bytes = 1024};
        if (rgp_journal_writer_open(&w, dir, SCHEMA, &o) == 0) {
            append_range(&w, w.next, w.next + 5);
        } else {
            ck_assert_int_gt((int)strlen(w.err), 10);
        }
        rgp_journal_writer_close(&w);
    }
    rm_dir(dir);
}
END_TEST

START_TEST(another_record_type_is_refused)
{
    char dir[64];
    fresh_dir(dir);
    write_journal(dir, 3, 0);
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, "id:u64;name:str;extra:f64", &o), -1);
    ck_assert_msg(strstr(w.err, "another type") && strstr(w.err, "(id:u64;name:str)"), "%s", w.err);
    rgp_journal_writer_close(&w);
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 0, rgp_journal_fingerprint("x:i64"), 0), -1);
    ck_assert_ptr_nonnull(strstr(r.err, "another type"));
    rgp_journal_reader_close(&r);
    rm_dir(dir);
}
END_TEST

START_TEST(durable_offset_follows_sync)
{
    char dir[64], path[200];
    fresh_dir(dir);
    snprintf(path, sizeof path, "%s/durable", dir);
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_INTERVAL, .sync_ns = 3600ull * 1000000000ull};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, SCHEMA, &o), 0);
    append_range(&w, 0, 10);
    uint64_t d = 99;
    ck_assert_int_eq(rgp_journal_offset_read(path, &d), 1);
    ck_assert_uint_eq(d, 0);                        /* not synced yet: the period is an hour */
    ck_assert_int_eq(rgp_journal_tick(&w), 0);
    ck_assert_int_eq(rgp_journal_offset_read(path, &d), 1);
    ck_assert_uint_eq(d, 0);
    ck_assert_int_eq(rgp_journal_sync(&w), 0);
    ck_assert_int_eq(rgp_journal_offset_read(path, &d), 1);
    ck_assert_uint_eq(d, 10);
    w.o.sync_ns = 1;                                /* now every tick syncs */
    append_range(&w, 10, 12);
    ck_assert_int_eq(rgp_journal_tick(&w), 0);
    /* the tick hands the sync to the journal's sync thread: it lands soon after */
    for (int i = 0; i < 2000 && rgp_journal_offset_read(path, &d) == 1 && d != 12; i++) usleep(1000);
    ck_assert_uint_eq(d, 12);
    /* a record appended while that thread syncs is durable after the next sync */
    append_range(&w, 12, 13);
    ck_assert_int_eq(rgp_journal_tick(&w), 0);
    ck_assert_int_eq(rgp_journal_sync(&w), 0);
    ck_assert_int_eq(rgp_journal_offset_read(path, &d), 1);
    ck_assert_uint_eq(d, 13);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    rm_dir(dir);
}
END_TEST

/* The sync thread at work: ticks every few records through many segment rolls (each
 * roll hands the old segment to it to sync and close) while a reader follows; the
 * durable offset only grows and ends at the last record. */
START_TEST(sync_thread_through_rolls)
{
    char dir[64], path[200];
    fresh_dir(dir);
    snprintf(path, sizeof path, "%s/durable", dir);
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_INTERVAL, .sync_ns = 1, .segment_bytes = 8192};
    ck_assert_msg(rgp_journal_writer_open(&w, dir, SCHEMA, &o) == 0, "open: %s", w.err);
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 0, 0, 0), 0);
    const unsigned char *p;
    uint32_t len;
    uint64_t off, seen = 0, durable = 0, d;
    for (uint64_t i = 0; i < 5000; i += 25) {
        append_range(&w, i, i + 25);
        ck_assert_int_eq(rgp_journal_tick(&w), 0);
        if (rgp_journal_offset_read(path, &d) == 1) {
            ck_assert_uint_ge(d, durable);
            ck_assert_uint_le(d, i + 25);
            durable = d;
        }
        while (rgp_journal_next(&r, &p, &len, &off) == 1) ck_assert_uint_eq(off, seen++);
    }
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    ck_assert_int_eq(rgp_journal_offset_read(path, &d), 1);
    ck_assert_uint_eq(d, 5000);
    while (rgp_journal_next(&r, &p, &len, &off) == 1) ck_assert_uint_eq(off, seen++);
    ck_assert_uint_eq(seen, 5000);
    rgp_journal_reader_close(&r);
    int rc;
    ck_assert_uint_eq(read_check(dir, 0, 0, &rc, NULL), 5000);
    rm_dir(dir);
}
END_TEST

START_TEST(retention_keeps_what_a_group_needs)
{
    char dir[64], err[256];
    fresh_dir(dir);
    ck_assert_int_eq(rgp_journal_commit(dir, "billing", 500, err, sizeof err), 0);
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER, .segment_bytes = 4096, .keep_bytes = 8192};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, SCHEMA, &o), 0);
    append_range(&w, 0, 3000);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    rgp_journal_segs s;
    ck_assert_int_eq(rgp_journal_list(dir, &s, err, sizeof err), 0);
    /* records from 500 on are all still there, though they are far more than 8 KiB */
    ck_assert_uint_le(s.base[0], 500);
    ck_assert_uint_gt(s.base[0], 0);
    int rc;
    ck_assert_uint_eq(read_check(dir, 500, 0, &rc, NULL), 2500);
    free(s.base);
    /* the group moves on: the next roll deletes down to the limit */
    ck_assert_int_eq(rgp_journal_commit(dir, "billing", 3000, err, sizeof err), 0);
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, SCHEMA, &o), 0);
    append_range(&w, 3000, 3200);
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    ck_assert_int_eq(rgp_journal_list(dir, &s, err, sizeof err), 0);
    ck_assert_uint_gt(s.base[0], 2000);
    uint64_t c = 0;
    char path[200];
    snprintf(path, sizeof path, "%s/group.billing", dir);
    ck_assert_int_eq(rgp_journal_offset_read(path, &c), 1);
    ck_assert_uint_eq(c, 3000);
    free(s.base);
    rm_dir(dir);
}
END_TEST

START_TEST(big_records)
{
    char dir[64];
    fresh_dir(dir);
    rgp_journal_writer w;
    open_writer(&w, dir, 0);
    size_t n = 3u << 20;                            /* larger than the write buffer */
    unsigned char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (unsigned char)(i * 131);
    ck_assert_uint_eq(rgp_journal_append(&w, "a", 1), 0);
    ck_assert_uint_eq(rgp_journal_append(&w, big, (uint32_t)n), 1);
    ck_assert_uint_eq(rgp_journal_append(&w, "b", 1), 2);
    ck_assert_uint_eq(rgp_journal_append(&w, big, RGP_JOURNAL_MAX_PAYLOAD + 1), RGP_JOURNAL_END);
    ck_assert_ptr_nonnull(strstr(w.err, "over the limit"));
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 0, 0, 0), 0);
    const unsigned char *p;
    uint32_t len;
    uint64_t off;
    ck_assert_int_eq(rgp_journal_next(&r, &p, &len, &off), 1);
    ck_assert_int_eq(rgp_journal_next(&r, &p, &len, &off), 1);
    ck_assert_uint_eq(len, n);
    ck_assert_int_eq(memcmp(p, big, n), 0);
    ck_assert_int_eq(rgp_journal_next(&r, &p, &len, &off), 1);
    ck_assert_uint_eq(off, 2);
    ck_assert_int_eq(rgp_journal_next(&r, &p, &len, &off), 0);
    rgp_journal_reader_close(&r);
    free(big);
    rm_dir(dir);
}
END_TEST

/* A full disk (a file-size limit stands in for it): a clear error, nothing more is
 * appended, and the journal opens afterwards with every record that was whole. */
START_TEST(full_disk_leaves_a_journal_that_opens)
{
    char dir[64];
    fresh_dir(dir);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY};
    rgp_journal_writer w;
    open_writer(&w, dir, 0);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    char buf[256];
    uint64_t i = 0, got = 0;
    for (; i < 100000; i++) {
        uint32_t n = payload_of(i, buf);
        if ((got = rgp_journal_append(&w, buf, n)) == RGP_JOURNAL_END) break;
    }
    ck_assert_uint_eq(got, RGP_JOURNAL_END);
    ck_assert_msg(strstr(w.err, "write:") && strstr(w.err, "the journal ends at offset"), "%s", w.err);
    ck_assert_uint_eq(rgp_journal_append(&w, "x", 1), RGP_JOURNAL_END);
    rgp_journal_writer_close(&w);
    lim.rlim_cur = RLIM_INFINITY;
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    int rc;
    uint64_t kept = read_check(dir, 0, 0, &rc, NULL);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_gt(kept, 100);
    open_writer(&w, dir, 0);
    ck_assert_uint_eq(w.next, kept);
    ck_assert_uint_eq(w.cut_bytes, 0);              /* the failed write was cut back at once */
    rgp_journal_writer_close(&w);
    rm_dir(dir);
}
END_TEST

Suite *journal_suite(void)
{
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("journal");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, crc32c_check_value);
    tcase_add_test(tc, write_read_reopen);
    tcase_add_test(tc, segments_roll_and_seek);
    tcase_add_test(tc, follows_appends);
    tcase_add_test(tc, torn_tail_every_byte);
    tcase_add_test(tc, torn_segment_header_at_reader_open);
    tcase_add_test(tc, corrupt_middle_refused_or_skipped);
    tcase_add_test(tc, random_flips_never_give_wrong_records);
    tcase_add_test(tc, another_record_type_is_refused);
    tcase_add_test(tc, durable_offset_follows_sync);
    tcase_add_test(tc, sync_thread_through_rolls);
    tcase_add_test(tc, retention_keeps_what_a_group_needs);
    tcase_add_test(tc, big_records);
    tcase_add_test(tc, full_disk_leaves_a_journal_that_opens);
    suite_add_tcase(s, tc);
    return s;
}
