/* check_csv_header.c - unit tests for runtime/csv_header.h: header cells
 * matched to a schema's columns by name (a table of cases), the in-order fast
 * path and how many fields a row keeps, and whole headers read from files
 * (a BOM, CRLF, quoted cells, a missing field, a column twice, no header). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_header.h"

#define MAXC 8

/* Splits "a,b,c" at commas into cells (no quotes in these tables). */
static int cells_of(const char *line, rgp_str *cells)
{
    int n = 0;
    const char *p = line;
    for (;;) {
        const char *d = strchr(p, ',');
        cells[n].ptr = p;
        cells[n++].len = d ? (size_t)(d - p) : strlen(p);
        if (!d) return n;
        p = d + 1;
    }
}

static const char *const names3[] = {"id", "name", "temp"};

static const struct {
    const char *header;
    unsigned char defaults[3];
    int rc, bad;          /* bad: the field reported */
    int col[3];
    int in_order, fcap;   /* after rgp_csv_header_plan (rc OK only) */
} match_cases[] = {
    {"id,name,temp", {0, 0, 0}, RGP_HDR_OK, 0, {0, 1, 2}, 1, 4},
    {"temp,id,name", {0, 0, 0}, RGP_HDR_OK, 0, {1, 2, 0}, 0, 4},
    {"id,name,temp,extra", {0, 0, 0}, RGP_HDR_OK, 0, {0, 1, 2}, 0, 4},
    {"x,y,z,w,id,name,temp,v", {0, 0, 0}, RGP_HDR_OK, 0, {4, 5, 6}, 0, 7},   /* v: counted, not kept */
    {"id,name", {0, 0, 1}, RGP_HDR_OK, 0, {0, 1, -1}, 0, 4},                 /* temp takes its default */
    {"id,name", {0, 0, 0}, RGP_HDR_MISSING, 2, {0, 1, -1}, 0, 0},
    {"ID,name,temp", {0, 0, 0}, RGP_HDR_MISSING, 0, {-1, 1, 2}, 0, 0},       /* names are matched as written */
    {"id,name,id,temp", {0, 0, 0}, RGP_HDR_TWICE, 0, {0, 1, 3}, 0, 0},
    {"a,name,a,temp,id", {0, 0, 0}, RGP_HDR_OK, 0, {4, 1, 3}, 0, 5},         /* unread columns may repeat */
};

START_TEST(test_header_match_table)
{
    for (size_t k = 0; k < sizeof match_cases / sizeof match_cases[0]; k++) {
        rgp_str cells[MAXC];
        int col[3], bad = -1, bad_col = -1;
        int n = cells_of(match_cases[k].header, cells);
        int rc = rgp_csv_header_match(cells, n, names3, match_cases[k].defaults, 3, col, &bad, &bad_col);
        ck_assert_msg(rc == match_cases[k].rc, "case %zu (%s): rc %d", k, match_cases[k].header, rc);
        for (int i = 0; i < 3; i++)
            ck_assert_msg(col[i] == match_cases[k].col[i], "case %zu: col[%d] = %d", k, i, col[i]);
        if (rc != RGP_HDR_OK) {
            ck_assert_int_eq(bad, match_cases[k].bad);
            continue;
        }
        rgp_csv_header h = {.col = col};
        rgp_csv_header_plan(&h, n, 3);
        ck_assert_msg(h.in_order == match_cases[k].in_order && h.fcap == match_cases[k].fcap && h.ncols == n,
                      "case %zu: in_order %d fcap %d", k, h.in_order, h.fcap);
    }
}
END_TEST

START_TEST(test_header_twice_names_second_column)
{
    rgp_str cells[MAXC];
    int col[3], bad = -1, bad_col = -1;
    static const unsigned char none[3] = {0, 0, 0};
    int n = cells_of("temp,name,id,name", cells);
    ck_assert_int_eq(rgp_csv_header_match(cells, n, names3, none, 3, col, &bad, &bad_col), RGP_HDR_TWICE);
    ck_assert_int_eq(bad, 1);
    ck_assert_int_eq(bad_col, 3);
}
END_TEST

START_TEST(test_header_line_shown_escapes)
{
    rgp_str cells[MAXC];
    char out[256];
    int n = cells_of("\xEF\xBB\xBFid,name\t,a\rb", cells);
    ck_assert_str_eq(rgp__header_line_shown(out, sizeof out, cells, n, ';'), "\\xEF\\xBB\\xBFid;name\\t;a\\rb");
    ck_assert(rgp__header_near(cells[1], "name"));
    ck_assert(rgp__header_near((rgp_str){"Name ", 5}, "name"));
    ck_assert(!rgp__header_near((rgp_str){"names", 5}, "name"));
}
END_TEST

/* Reads the header of a file holding data with rgp_csv_header_read; the rest
 * of the file is left to the reader. */
static int read_header(const char *data, char delim, const unsigned char *defaults, rgp_reader *r, rgp_csv_header *h)
{
    char path[] = "/tmp/rgp_check_csv_header_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, strlen(data)), (ssize_t)strlen(data));
    close(fd);
    ck_assert_int_eq(rgp_reader_open_sized(r, path, "t.csv", 4), 0);   /* tiny: the header arrives in pieces */
    unlink(path);
    rgp_endpoint ep = {.name = "t", .path = path, .display = "t.csv", .where = "t.rgp:1:1"};
    static const char *const fields[] = {"id", "name", "temp"};
    FILE *saved = stderr;
    stderr = fopen("/dev/null", "w");   /* messages are checked by the golden cases */
    int rc = rgp_csv_header_read("check", &ep, r, delim, "T", fields, names3, defaults, 3, h);
    fclose(stderr);
    stderr = saved;
    return rc;
}

START_TEST(test_header_read_files)
{
    static const unsigned char none[3] = {0, 0, 0}, temp_default[3] = {0, 0, 1};
    rgp_reader r;
    int col[3];
    rgp_csv_header h = {.col = col};
    rgp_str f[MAXC];
    int nf;
    uint64_t line;
    const char *why;

    /* a BOM, quoted cells, CRLF and ';': the map, then the next row is row 2 */
    ck_assert_int_eq(read_header("\xEF\xBB\xBF\"temp\";x;\"na;me\";id;name\r\n1.5;q;z;7;a\r\n", ';', none, &r, &h), 0);
    ck_assert_int_eq(col[0], 3);
    ck_assert_int_eq(col[1], 4);
    ck_assert_int_eq(col[2], 0);
    ck_assert(!h.in_order);
    ck_assert_int_eq(h.ncols, 5);
    ck_assert_int_eq(h.fcap, 5);
    int rc;
    while ((rc = rgp_csv_next_row(&r, ';', f, MAXC, &nf, &line, &why)) == RGP_ROW_NEED_INPUT) ck_assert_int_ge(rgp_reader_fill(&r), 0);
    ck_assert_int_eq(rc, RGP_ROW_OK);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(nf, 5);
    rgp_reader_close(&r);
    rgp_csv_header_free(&h);

    ck_assert_int_eq(read_header("id,name,temp\n", ',', none, &r, &h), 0);
    ck_assert(h.in_order);
    ck_assert_int_eq(h.fcap, 4);
    rgp_reader_close(&r);
    rgp_csv_header_free(&h);

    ck_assert_int_eq(read_header("name,id\n", ',', temp_default, &r, &h), 0);
    ck_assert_int_eq(col[2], -1);
    rgp_reader_close(&r);
    rgp_csv_header_free(&h);

    ck_assert_int_eq(read_header("", ',', none, &r, &h), 0);   /* no header, no rows */
    ck_assert(h.in_order);
    rgp_reader_close(&r);
    rgp_csv_header_free(&h);

    ck_assert_int_eq(read_header("name,id\n", ',', none, &r, &h), -1);
    rgp_reader_close(&r);
    ck_assert_int_eq(read_header("id,name,temp,id\n", ',', none, &r, &h), -1);
    rgp_reader_close(&r);
    ck_assert_int_eq(read_header("id,\"name\n", ',', none, &r, &h), -1);   /* an unterminated quote */
    rgp_reader_close(&r);
}
END_TEST

Suite *csv_header_suite(void)
{
    Suite *s = suite_create("csv_header");
    TCase *tc = tcase_create("csv_header");
    tcase_add_test(tc, test_header_match_table);
    tcase_add_test(tc, test_header_twice_names_second_column);
    tcase_add_test(tc, test_header_line_shown_escapes);
    tcase_add_test(tc, test_header_read_files);
    suite_add_tcase(s, tc);
    return s;
}
