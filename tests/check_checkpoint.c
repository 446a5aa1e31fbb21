/* Checkpoints (runtime/checkpoint.h, runtime/journal_cut.h): the file round-trips;
 * a file cut at any byte or with any byte changed is refused and left as it is;
 * another program's fingerprint is refused naming the line that changed; the
 * section codec; a journal cut back to an offset. */
#include <check.h>
#include <stdlib.h>
#include "checkpoint.h"

static void fresh_dir(char *dir)
{
    strcpy(dir, "/tmp/rgp-ckpt.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void rm_dir(const char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static size_t file_bytes(const char *path, unsigned char *out, size_t cap)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(out, 1, cap, f);
    fclose(f);
    return n;
}

static void file_put(const char *path, const unsigned char *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(p, 1, n, f), n);
    fclose(f);
}

/* Two parts: a source's position, and a table with a string. */
static void setup(rgp_ckpt *c, rgp_ckpt_part *parts, const char *dir, const char *fingerprint)
{
    memset(c, 0, sizeof *c);
    memset(parts, 0, 2 * sizeof *parts);
    c->prog = "t";
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    c->fingerprint = fingerprint;
    c->parts = parts;
    c->nparts = 2;
    size_t at = rgp_ckpt_section_begin(&parts[0].buf[0], 0);
    rgp_ckpt_put_u64(&parts[0].buf[0], 12345);
    rgp_ckpt_section_end(&parts[0].buf[0], at);
    at = rgp_ckpt_section_begin(&parts[1].buf[0], 1);
    rgp_ckpt_put_u64(&parts[1].buf[0], 7);
    rgp_ckpt_put_str(&parts[1].buf[0], (rgp_str){"sensor-7", 8});
    rgp_ckpt_section_end(&parts[1].buf[0], at);
}

static void teardown(rgp_ckpt_part *parts)
{
    for (int i = 0; i < 2; i++) free(parts[i].buf[0].p), free(parts[i].buf[1].p);
}

/* Runs rgp_ckpt_load with stderr sent away (the refusals print their message there). */
static int quiet_load(rgp_ckpt *c, unsigned char **data, rgp_ckpt_in *in)
{
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    int rc = rgp_ckpt_load(c, data, in);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(null);
    return rc;
}

START_TEST(round_trip)
{
    char dir[64];
    fresh_dir(dir);
    rgp_ckpt c;
    rgp_ckpt_part parts[2];
    setup(&c, parts, dir, "source r: journal(k:u32)\nstage s: by k:u32 state {n:u64}\n");
    unsigned char *data;
    rgp_ckpt_in in;
    ck_assert_int_eq(rgp_ckpt_load(&c, &data, &in), 0);   /* none yet */
    ck_assert_int_eq(rgp_ckpt_write(&c, 5, 0), 0);
    ck_assert_int_eq(rgp_ckpt_load(&c, &data, &in), 1);
    ck_assert_uint_eq(c.resumed_epoch, 5);
    ck_assert_uint_eq(rgp_ckpt_get_u32(&in), 0);
    ck_assert_uint_eq(rgp_ckpt_get_u64(&in), 8);
    ck_assert_uint_eq(rgp_ckpt_get_u64(&in), 12345);
    ck_assert_uint_eq(rgp_ckpt_get_u32(&in), 1);
    ck_assert_uint_eq(rgp_ckpt_get_u64(&in), 8 + 4 + 8);
    ck_assert_uint_eq(rgp_ckpt_get_u64(&in), 7);
    rgp_str s = rgp_ckpt_get_str(&in);
    ck_assert_uint_eq(s.len, 8);
    ck_assert_int_eq(memcmp(s.ptr, "sensor-7", 8), 0);
    free((char *)s.ptr);
    ck_assert_ptr_eq(in.p, in.end);
    ck_assert_int_eq(in.bad, 0);
    (void)rgp_ckpt_get_u64(&in);   /* past the end: the section is damaged */
    ck_assert_int_eq(in.bad, 1);
    free(data);
    c.fresh = 1;   /* --fresh: as if there were none */
    ck_assert_int_eq(rgp_ckpt_load(&c, &data, &in), 0);
    teardown(parts);
    rm_dir(dir);
}
END_TEST

/* Cut at every length, and every byte changed: always refused, the file kept. */
START_TEST(damage_refused)
{
    char dir[64], path[128];
    fresh_dir(dir);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    rgp_ckpt c;
    rgp_ckpt_part parts[2];
    setup(&c, parts, dir, "source r: journal(k:u32)\n");
    ck_assert_int_eq(rgp_ckpt_write(&c, 9, 0), 0);
    unsigned char good[512], now[512];
    size_t n = file_bytes(path, good, sizeof good);
    ck_assert_uint_gt(n, 40);
    unsigned char *data;
    rgp_ckpt_in in;
    for (size_t cut = 0; cut < n; cut++) {
        file_put(path, good, cut);
        ck_assert_msg(quiet_load(&c, &data, &in) == -1, "cut at %zu taken", cut);
        ck_assert_uint_eq(file_bytes(path, now, sizeof now), cut);
    }
    for (size_t at = 0; at < n; at++) {
        unsigned char bad[512];
        memcpy(bad, good, n);
        bad[at] ^= 0x20;
        file_put(path, bad, n);
        ck_assert_msg(quiet_load(&c, &data, &in) == -1, "byte %zu changed taken", at);
        ck_assert_uint_eq(file_bytes(path, now, sizeof now), n);
        ck_assert_int_eq(memcmp(now, bad, n), 0);
    }
    file_put(path, good, n);
    ck_assert_int_eq(rgp_ckpt_load(&c, &data, &in), 1);
    free(data);
    teardown(parts);
    rm_dir(dir);
}
END_TEST

/* A failed write keeps the checkpoint there was: the new one is written beside it. */
START_TEST(old_one_kept)
{
    char dir[64], path[128];
    fresh_dir(dir);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    rgp_ckpt c;
    rgp_ckpt_part parts[2];
    setup(&c, parts, dir, "source r: journal(k:u32)\n");
    ck_assert_int_eq(rgp_ckpt_write(&c, 1, 0), 0);
    unsigned char before[512], after[512];
    size_t n = file_bytes(path, before, sizeof before);
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s/checkpoint.tmp", dir);
    ck_assert_int_eq(mkdir(tmp, 0755), 0);   /* the temporary file cannot be made */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    int rc = rgp_ckpt_write(&c, 2, 0);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(null);
    ck_assert_int_eq(rc, -1);
    ck_assert_uint_eq(file_bytes(path, after, sizeof after), n);
    ck_assert_int_eq(memcmp(before, after, n), 0);
    teardown(parts);
    rm_dir(dir);
}
END_TEST

START_TEST(what_changed)
{
    static const struct { const char *old, *now, *said; } cases[] = {
        {"a\nb\n", "a\nc\n", "it has 'b' where this program has 'c'"},
        {"a\n", "a\nb\n", "this program has 'b', which the checkpoint does not"},
        {"a\nb\n", "a\n", "it has 'b', which this program does not"},
        {"stage s: by k:u32 state {n:u64}\n", "stage s: by k:u64 state {n:u64}\n",
         "it has 'stage s: by k:u32 state {n:u64}' where this program has 'stage s: by k:u64 state {n:u64}'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512];
        rgp__ckpt_what_changed(cases[i].old, strlen(cases[i].old), cases[i].now, out, sizeof out);
        ck_assert_str_eq(out, cases[i].said);
    }
}
END_TEST

/* Another program's checkpoint: refused, and the file kept. */
START_TEST(other_program)
{
    char dir[64];
    fresh_dir(dir);
    rgp_ckpt c;
    rgp_ckpt_part parts[2];
    setup(&c, parts, dir, "source r: journal(k:u32)\n");
    ck_assert_int_eq(rgp_ckpt_write(&c, 3, 0), 0);
    c.fingerprint = "source r: journal(k:u64)\n";
    unsigned char *data;
    rgp_ckpt_in in;
    ck_assert_int_eq(quiet_load(&c, &data, &in), -1);
    c.fingerprint = "source r: journal(k:u32)\n";
    ck_assert_int_eq(rgp_ckpt_load(&c, &data, &in), 1);
    free(data);
    teardown(parts);
    rm_dir(dir);
}
END_TEST

static void write_records(const char *dir, uint64_t n, uint64_t segment_bytes)
{
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER, .segment_bytes = segment_bytes};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, "id:u64", &o), 0);
    for (uint64_t i = 0; i < n; i++) {
        unsigned char p[8];
        rgp_le64_put(p, i * 3);
        ck_assert_uint_eq(rgp_journal_append(&w, p, 8), i);
    }
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
}

/* Every record below upto is there and right, and nothing after; the next writer appends at upto. */
static void check_cut(const char *dir, uint64_t upto)
{
    rgp_journal_reader r;
    ck_assert_int_eq(rgp_journal_reader_open(&r, dir, 0, rgp_journal_fingerprint("id:u64"), 0), 0);
    const unsigned char *p;
    uint32_t len;
    uint64_t off, n = 0;
    while (rgp_journal_next(&r, &p, &len, &off) == 1) {
        ck_assert_uint_eq(off, n);
        ck_assert_uint_eq(rgp_le64_get(p), n * 3);
        n++;
    }
    rgp_journal_reader_close(&r);
    ck_assert_uint_eq(n, upto);
    rgp_journal_writer w;
    rgp_journal_opts o = {.sync = RGP_JOURNAL_SYNC_NEVER, .segment_bytes = 4096};
    ck_assert_int_eq(rgp_journal_writer_open(&w, dir, "id:u64", &o), 0);
    ck_assert_uint_eq(w.next, upto);
    ck_assert_uint_eq(w.cut_bytes, 0);   /* the cut left whole frames only */
    ck_assert_int_eq(rgp_journal_writer_close(&w), 0);
}

START_TEST(journal_cut)
{
    /* 4 KB segments of 24-byte frames: about 170 records each; cut inside one, at a boundary, at 0 and at the end */
    static const uint64_t cuts[] = {1000, 777, 500, 171, 170, 1, 0};
    char dir[64], err[4600];
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        fresh_dir(dir);
        write_records(dir, 1000, 4096);
        ck_assert_msg(rgp_journal_cut(dir, cuts[i], err, sizeof err) == 0, "cut to %llu: %s", (unsigned long long)cuts[i], err);
        check_cut(dir, cuts[i]);
        rm_dir(dir);
    }
    /* segment boundaries themselves */
    fresh_dir(dir);
    write_records(dir, 1000, 4096);
    rgp_journal_segs s;
    ck_assert_int_eq(rgp_journal_list(dir, &s, err, sizeof err), 0);
    ck_assert_int_gt(s.n, 3);
    uint64_t boundary = s.base[2];
    free(s.base);
    ck_assert_int_eq(rgp_journal_cut(dir, boundary, err, sizeof err), 0);
    check_cut(dir, boundary);
    /* past the end: records the checkpoint counts on are gone */
    ck_assert_int_eq(rgp_journal_cut(dir, boundary + 5, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "before the checkpoint's") != NULL, "%s", err);
    rm_dir(dir);
    /* no journal yet: nothing to cut back to 0 */
    ck_assert_int_eq(rgp_journal_cut("/tmp/rgp-ckpt-none-such", 0, err, sizeof err), 0);
}
END_TEST

Suite *checkpoint_suite(void)
{
    Suite *s = suite_create("checkpoint");
    TCase *tc = tcase_create("file");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, damage_refused);
    tcase_add_test(tc, old_one_kept);
    tcase_add_test(tc, what_changed);
    tcase_add_test(tc, other_program);
    tcase_add_test(tc, journal_cut);
    suite_add_tcase(s, tc);
    return s;
}
