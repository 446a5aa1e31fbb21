/* check_follow.c - unit tests for runtime/follow.h on real files in a
 * temporary folder: a partial last line waits for its newline, appends are
 * read, a truncation starts again from 0, a rotation finishes the old file
 * and goes on in the new one (a cut last line rejected and counted), and the
 * state file: saved, taken back at the same place, refused for another file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "follow.h"

static char dir[64], path[96], state[96];
static rgp_source_stats st;

static void put(const char *mode, const char *text)
{
    FILE *f = fopen(path, mode);
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Every whole line now readable, joined by '|'. */
static void read_lines(rgp_follow *f, rgp_reader *r, char *out, size_t cap)
{
    out[0] = 0;
    for (int guard = 0; guard < 100; guard++) {
        rgp_str t;
        uint64_t line;
        int rc = rgp_line_next(r, &t, &line);
        if (rc == RGP_ROW_OK) {
            snprintf(out + strlen(out), cap - strlen(out), "%s%.*s", out[0] ? "|" : "", (int)t.len, t.ptr);
            continue;
        }
        ck_assert_int_eq(rc, RGP_ROW_NEED_INPUT);   /* a followed file never ends */
        int k = rgp_follow_fill(f, r, &st);
        ck_assert_int_ge(k, 0);
        if (k == 0) return;
    }
    ck_abort_msg("no end to the lines");
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/rgp-check-follow.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/in.log", dir);
    snprintf(state, sizeof state, "%s/in.state", dir);
    st = (rgp_source_stats){.prog = "check", .name = "s", .display = "in.log"};
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_follow_append_truncate_rotate)
{
    char got[256], old[128];
    rgp_reader r;
    rgp_follow f;
    put("w", "1\n2\npar");
    ck_assert_int_eq(rgp_reader_open(&r, path, "in.log"), 0);
    ck_assert_int_eq(rgp_follow_open(&f, &r, "check", path, "in.log", NULL), 0);
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "1|2");   /* "par" waits for its newline */
    ck_assert_uint_eq(rgp_follow_position(&f, &r), 4);
    put("a", "tial\n3\n");
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "partial|3");
    /* truncated and written again, shorter */
    put("w", "a\n");
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "a");
    ck_assert_uint_eq(f.truncations, 1);
    ck_assert_uint_eq(rgp_follow_position(&f, &r), 2);
    /* rotated: the old file gets a last line and one cut short, then a new file comes */
    put("a", "b\ncut");
    snprintf(old, sizeof old, "%s.1", path);
    ck_assert_int_eq(rename(path, old), 0);
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "b");   /* no new file yet: the old one is still read */
    put("w", "c\nd\n");
    uint64_t rejected = st.rejected;
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "c|d");
    ck_assert_uint_eq(f.rotations, 1);
    ck_assert_uint_eq(st.rejected, rejected + 1);   /* "cut", rejected and counted */
    ck_assert_uint_eq(rgp_follow_position(&f, &r), 4);
    rgp_reader_close(&r);
}
END_TEST

START_TEST(test_follow_state)
{
    char got[256], text[256];
    rgp_reader r;
    rgp_follow f;
    put("w", "1\n2\n3\n");
    ck_assert_int_eq(rgp_reader_open(&r, path, "in.log"), 0);
    ck_assert_int_eq(rgp_follow_open(&f, &r, "check", path, "in.log", "in.state"), 0);
    ck_assert_str_eq(f.state, state);   /* beside the followed file */
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "1|2|3");
    ck_assert_int_eq(rgp_follow_save(&f, rgp_follow_position(&f, &r), r.line), 0);
    rgp_reader_close(&r);
    FILE *sf = fopen(state, "r");
    ck_assert_ptr_nonnull(sf);
    ck_assert_ptr_nonnull(fgets(text, sizeof text, sf));
    fclose(sf);
    ck_assert_msg(strstr(text, " offset 6 line 4\n") && !strncmp(text, "rgp-follow 1 dev ", 17), "state: %s", text);
    snprintf(text, sizeof text, "%s.tmp", state);
    ck_assert_int_ne(access(text, F_OK), 0);   /* renamed over, none left behind */

    /* a restart takes the place back: it reads on from line 4 */
    put("a", "4\n");
    ck_assert_int_eq(rgp_reader_open(&r, path, "in.log"), 0);
    ck_assert_int_eq(rgp_follow_open(&f, &r, "check", path, "in.log", "in.state"), 0);
    ck_assert_uint_eq(r.line, 4);
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "4");
    rgp_reader_close(&r);

    /* the same inode with other first bytes is another file: from the start */
    FILE *w = fopen(path, "r+");
    ck_assert_ptr_nonnull(w);
    fputc('9', w);
    fclose(w);
    ck_assert_int_eq(rgp_reader_open(&r, path, "in.log"), 0);
    ck_assert_int_eq(rgp_follow_open(&f, &r, "check", path, "in.log", "in.state"), 0);
    read_lines(&f, &r, got, sizeof got);
    ck_assert_str_eq(got, "9|2|3|4");
    rgp_reader_close(&r);

    /* a state file that is not one is an error, not a silent restart */
    sf = fopen(state, "w");
    fputs("hello\n", sf);
    fclose(sf);
    ck_assert_int_eq(rgp_reader_open(&r, path, "in.log"), 0);
    ck_assert_int_eq(rgp_follow_open(&f, &r, "check", path, "in.log", "in.state"), -1);
    rgp_reader_close(&r);
}
END_TEST

Suite *follow_suite(void);
Suite *follow_suite(void)
{
    Suite *s = suite_create("follow");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_follow_append_truncate_rotate);
    tcase_add_test(tc, test_follow_state);
    suite_add_tcase(s, tc);
    return s;
}
