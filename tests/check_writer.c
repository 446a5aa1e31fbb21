/* check_writer.c - unit tests for runtime/writer.h: exact bytes of every
 * value format, CSV quoting, JSON escapes, buffering past 64 KiB, and how
 * write errors are remembered. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writer.h"

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* A writer on an unlinked temp file; *keep is a second fd to read back. */
static void open_temp(rgp_writer *w, int *keep)
{
    char path[] = "/tmp/rgp_check_writer_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    *keep = dup(fd);
    ck_assert_int_ge(*keep, 0);
    ck_assert_int_eq(rgp_writer_open_fd(w, fd, "out"), 0);
}

/* Closes the writer and returns everything it wrote (malloc'd, NUL-ended). */
static char *finish(rgp_writer *w, int keep, size_t *len)
{
    off_t size;
    char *buf;
    size_t off = 0;
    ck_assert_int_eq(rgp_writer_close(w), 0);
    size = lseek(keep, 0, SEEK_END);
    ck_assert_int_ge(size, 0);
    ck_assert_int_eq(lseek(keep, 0, SEEK_SET), 0);
    buf = malloc((size_t)size + 1);
    ck_assert_ptr_nonnull(buf);
    while (off < (size_t)size) {
        ssize_t k = read(keep, buf + off, (size_t)size - off);
        ck_assert_int_gt(k, 0);
        off += (size_t)k;
    }
    buf[off] = 0;
    close(keep);
    *len = off;
    return buf;
}

static rgp_str S(const char *s)
{
    rgp_str r;
    r.ptr = s;
    r.len = strlen(s);
    return r;
}

START_TEST(test_ints)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    open_temp(&w, &keep);
    rgp_w_i64(&w, 0);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, -1);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, 7);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, -1234567890);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, INT64_MIN);
    rgp_w_char(&w, ' ');
    rgp_w_i64(&w, INT64_MAX);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, 0);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, 10);
    rgp_w_char(&w, ' ');
    rgp_w_u64(&w, UINT64_MAX);
    rgp_w_char(&w, ' ');
    rgp_w_bool(&w, true);
    rgp_w_char(&w, ' ');
    rgp_w_bool(&w, false);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "0 -1 7 -1234567890 -9223372036854775808 9223372036854775807 "
                          "0 10 18446744073709551615 true false");
    free(out);
}
END_TEST

struct fcase {
    double v;
    const char *want;
};

START_TEST(test_f64)
{
    const struct fcase cases[] = {
        {0.0, "0"},
        {from_bits(UINT64_C(0x8000000000000000)), "-0"},
        {0.1, "0.1"},
        {1.0 / 3.0, "0.3333333333333333"},
        {2.0 / 3.0, "0.6666666666666666"},
        {0.1 + 0.2, "0.30000000000000004"},
        {1e21, "1e21"},
        {1e15, "1e15"},
        {1e100, "1e100"},
        {1e-7, "1e-7"},
        {1.5e-10, "1.5e-10"},
        {5e-324, "5e-324"},
        {from_bits(3), "1.5e-323"},
        {2.2250738585072009e-308, "2.225073858507201e-308"},
        {DBL_MIN, "2.2250738585072014e-308"},
        {DBL_MAX, "1.7976931348623157e308"},
        {80.0, "80"},
        {80.5, "80.5"},
        {-2.5, "-2.5"},
        {100.0, "100"},
        {1.0, "1"},
        {-1.0, "-1"},
        {-80.0, "-80"},
        {999999999999999.0, "999999999999999"},
        {-999999999999999.0, "-999999999999999"},
        {999999999999999.5, "999999999999999.5"},
        {4503599627370495.5, "4503599627370495.5"},
        {-1e15, "-1e15"},
        {123456.0, "123456"},
        {123456789012345.0, "123456789012345"},
        {1234567890123456.0, "1234567890123456"},
        {12345678901234567.0, "12345678901234568"},
        {123456789012345678.0, "1.2345678901234568e17"},
        {9007199254740993.0, "9007199254740992"},
        {0.001, "0.001"},
        {0.0001, "0.0001"},
        {0.00001, "1e-5"},
        {3.14159, "3.14159"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        double back;
        open_temp(&w, &keep);
        rgp_w_f64(&w, cases[i].v);
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "%a: got '%s', want '%s'", cases[i].v, out, cases[i].want);
        /* and it reads back to the same double */
        ck_assert_int_eq(rgp_parse_f64(out, len, &back), RGP_PARSE_OK);
        ck_assert(memcmp(&back, &cases[i].v, sizeof back) == 0);
        free(out);
    }
}
END_TEST

START_TEST(test_f64_special)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    double nan = from_bits(UINT64_C(0x7ff8000000000000));
    double nnan = from_bits(UINT64_C(0xfff8000000000001));
    double inf = from_bits(UINT64_C(0x7ff0000000000000));
    double ninf = from_bits(UINT64_C(0xfff0000000000000));
    double mzero = from_bits(UINT64_C(0x8000000000000000));

    open_temp(&w, &keep);
    rgp_w_f64(&w, nan);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, nnan);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, inf);
    rgp_w_char(&w, ' ');
    rgp_w_f64(&w, ninf);
    rgp_w_char(&w, '|');
    rgp_w_json_f64(&w, nan);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, nnan);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, inf);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, ninf);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, mzero);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, 0.5);
    rgp_w_char(&w, ' ');
    rgp_w_json_f64(&w, 1e21);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "nan nan inf -inf|null null null null -0 0.5 1e21");
    free(out);
}
END_TEST

struct scase {
    const char *in;
    char delim;
    const char *want;
};

START_TEST(test_csv_str)
{
    static const struct scase cases[] = {
        {"", ',', ""},
        {"abc", ',', "abc"},
        {" a b ", ',', " a b "},
        {"a,b", ',', "\"a,b\""},
        {"a;b", ',', "a;b"},
        {"a;b", ';', "\"a;b\""},
        {"a,b", ';', "a,b"},
        {"a\tb", '\t', "\"a\tb\""},
        {"a\"b", ',', "\"a\"\"b\""},
        {"\"", ',', "\"\"\"\""},
        {"\"\"", ',', "\"\"\"\"\"\""},
        {"\"x\"", ',', "\"\"\"x\"\"\""},
        {"a\nb", ',', "\"a\nb\""},
        {"a\rb", ',', "\"a\rb\""},
        {"a\r\n", ',', "\"a\r\n\""},
        {"caf\xc3\xa9", ',', "caf\xc3\xa9"},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        open_temp(&w, &keep);
        rgp_w_csv_str(&w, S(cases[i].in), cases[i].delim);
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

START_TEST(test_json_str)
{
    static const struct scase cases[] = {
        {"", 0, "\"\""},
        {"abc", 0, "\"abc\""},
        {"a\"b", 0, "\"a\\\"b\""},
        {"a\\b", 0, "\"a\\\\b\""},
        {"\n\r\t\b\f", 0, "\"\\n\\r\\t\\b\\f\""},
        {"\x01\x1f", 0, "\"\\u0001\\u001f\""},
        {"x\x7fy", 0, "\"x\x7fy\""},
        {"/", 0, "\"/\""},
        {"caf\xc3\xa9 \xe2\x82\xac", 0, "\"caf\xc3\xa9 \xe2\x82\xac\""},
        {"\xff\xfe", 0, "\"\xff\xfe\""},
        {"end\\", 0, "\"end\\\\\""},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rgp_writer w;
        int keep;
        size_t len;
        char *out;
        open_temp(&w, &keep);
        rgp_w_json_str(&w, S(cases[i].in));
        out = finish(&w, keep, &len);
        ck_assert_msg(strcmp(out, cases[i].want) == 0, "case %zu: got '%s', want '%s'", i, out, cases[i].want);
        free(out);
    }
}
END_TEST

START_TEST(test_json_str_nul)
{
    rgp_writer w;
    int keep;
    size_t len;
    char *out;
    rgp_str s = {"a\0b", 3};
    open_temp(&w, &keep);
    rgp_w_json_str(&w, s);
    out = finish(&w, keep, &len);
    ck_assert_str_eq(out, "\"a\\u0000b\"");
    free(out);
}
END_TEST

/* Several buffers' worth, through small writes, buffer-sized writes and
 * chunks that bypass the buffer; the bytes must come out in order. */
START_TEST(test_large_output)
{
    rgp_writer w;
    int keep;
    size_t len, i, n = 0;
    char *out, *want, *chunk;
    const size_t total = 5 * RGP_WRITER_CAP + 1234;
    size_t sizes[] = {1, 7, RGP_WRITER_CAP - 1, RGP_WRITER_CAP, RGP_WRITER_CAP + 1, 3 * RGP_WRITER_CAP, 100};

    want = malloc(total * 2);
    chunk = malloc(3 * RGP_WRITER_CAP + 1);
    ck_assert_ptr_nonnull(want);
    ck_assert_ptr_nonnull(chunk);
    open_temp(&w, &keep);
    for (i = 0; i < total; i++) { /* byte at a time across buffer edges */
        char c = (char)('a' + i % 23);
        rgp_w_char(&w, c);
        want[n++] = c;
    }
    out = NULL;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t j;
        char *big;
        for (j = 0; j < sizes[i]; j++)
            chunk[j] = (char)('A' + (i + j) % 19);
        if (n + sizes[i] > total * 2) {
            big = realloc(want, n + sizes[i]);
            ck_assert_ptr_nonnull(big);
            want = big;
        }
        rgp_w_bytes(&w, chunk, sizes[i]);
        memcpy(want + n, chunk, sizes[i]);
        n += sizes[i];
    }
    out = finish(&w, keep, &len);
    ck_assert_uint_eq(len, n);
    ck_assert(memcmp(out, want, n) == 0);
    free(out);
    free(want);
    free(chunk);
}
END_TEST

/* A write error is sticky: later output is dropped, close reports it. */
START_TEST(test_write_error_bad_fd)
{
    rgp_writer w;
    char big[RGP_WRITER_CAP + 10];
    memset(big, 'x', sizeof big);
    ck_assert_int_eq(rgp_writer_open_fd(&w, -1, "bad"), 0);
    rgp_w_bytes(&w, "hello", 5);
    ck_assert(!w.failed); /* still buffered */
    errno = 0;
    ck_assert_int_eq(rgp_writer_flush(&w), -1);
    ck_assert(w.failed);
    ck_assert_int_eq(w.err, EBADF);
    rgp_w_bytes(&w, big, sizeof big); /* no-ops now, must not crash */
    rgp_w_i64(&w, 42);
    rgp_w_f64(&w, 0.5);
    ck_assert_int_eq(rgp_writer_flush(&w), -1);
    errno = 0;
    ck_assert_int_eq(rgp_writer_close(&w), -1);
    ck_assert_int_eq(errno, EBADF);
}
END_TEST

START_TEST(test_write_error_closed_fd)
{
    rgp_writer w;
    int p[2], i;
    ck_assert_int_eq(pipe(p), 0);
    close(p[0]);
    close(p[1]); /* p[1] is now a closed descriptor */
    ck_assert_int_eq(rgp_writer_open_fd(&w, p[1], "closed"), 0);
    for (i = 0; i < 100000; i++) /* fills the buffer: flushes by itself */
        rgp_w_u64(&w, (uint64_t)i);
    ck_assert(w.failed);
    ck_assert_int_eq(w.err, EBADF);
    w.owns_fd = 0; /* do not close a number that may be reused */
    ck_assert_int_eq(rgp_writer_close(&w), -1);
}
END_TEST

START_TEST(test_write_error_full)
{
    rgp_writer w;
    if (access("/dev/full", W_OK) != 0)
        return;
    ck_assert_int_eq(rgp_writer_open(&w, "/dev/full", NULL), 0);
    ck_assert_str_eq(w.display, "/dev/full");
    rgp_w_bytes(&w, "data\n", 5);
    errno = 0;
    ck_assert_int_eq(rgp_writer_close(&w), -1);
    ck_assert_int_eq(errno, ENOSPC);
}
END_TEST

START_TEST(test_writer_open)
{
    rgp_writer w;
    char path[] = "/tmp/rgp_check_wopen_XXXXXX";
    char buf[64];
    int fd = mkstemp(path), stdout_open;
    ssize_t k;
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old contents that are longer", 28), 28);
    close(fd);

    ck_assert_int_eq(rgp_writer_open(&w, path, "out.csv"), 0);
    ck_assert_str_eq(w.display, "out.csv");
    rgp_w_bytes(&w, "new\n", 4);
    ck_assert_int_eq(rgp_writer_close(&w), 0);
    fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    k = read(fd, buf, sizeof buf);
    ck_assert_int_eq(k, 4); /* truncated */
    ck_assert(memcmp(buf, "new\n", 4) == 0);
    close(fd);
    unlink(path);

    errno = 0;
    ck_assert_int_eq(rgp_writer_open(&w, "/nonexistent/dir/out.csv", NULL), -1);
    ck_assert_int_eq(errno, ENOENT);
    ck_assert_int_eq(rgp_writer_close(&w), 0); /* harmless after a failed open */

    stdout_open = fcntl(STDOUT_FILENO, F_GETFD) != -1;
    ck_assert_int_eq(rgp_writer_open(&w, "-", "<stdout>"), 0);
    ck_assert_int_eq(w.fd, STDOUT_FILENO);
    ck_assert(!w.owns_fd);
    ck_assert_int_eq(rgp_writer_close(&w), 0);
    if (stdout_open) /* the writer must not close stdout */
        ck_assert_int_ne(fcntl(STDOUT_FILENO, F_GETFD), -1);
}
END_TEST

/* The shortest-decimal fast path must print exactly what the general path
 * (%.15g, %.16g or %.17g, whichever reads back) prints, for normal numbers
 * of every shape: few decimals, many, large, small, and random bit patterns. */
static size_t reference_f64(char *out, double v)
{
    char tmp[40];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        double back = strtod(tmp, NULL);
        if (prec == 17 || memcmp(&back, &v, sizeof v) == 0) break;
    }
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        out[o++] = tmp[i];
        if (tmp[i] == 'e') {   /* 1e+21 -> 1e21, 1e-07 -> 1e-7 */
            i++;
            if (tmp[i] == '-') out[o++] = '-';
            if (tmp[i] == '-' || tmp[i] == '+') i++;
            while (tmp[i] == '0' && i + 1 < n) i++;
            for (; i < n; i++) out[o++] = tmp[i];
        }
    }
    return o;
}

START_TEST(test_f64_fast_path_matches_general)
{
    unsigned seed = 11;
    for (int it = 0; it < 400000; it++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r1 = seed >> 3;
        seed = seed * 1103515245u + 12345u;
        unsigned r2 = seed >> 3;
        double v;
        switch (it % 5) {
        case 0: v = ((int)(r1 % 2000000) - 1000000) / 100.0; break;
        case 1: v = (double)r1 / 268435456.0 * 1000.0 - 80.0; break;
        case 2: v = (r1 % 1000) * 1e-4 + 1e-4; break;
        case 3: v = (double)r1 * r2 / 1e3; break;
        default: {
            uint64_t b = ((uint64_t)r1 << 35) ^ ((uint64_t)r2 << 6) ^ r1;
            memcpy(&v, &b, sizeof v);
            if (v != v || (v < DBL_MIN && v > -DBL_MIN)) continue;   /* NaN and subnormals: other tests */
        }
        }
        char got[64], want[64];
        size_t ng = rgp__fmt_f64(got, v), nw = reference_f64(want, v);
        ck_assert_msg(ng == nw && memcmp(got, want, ng) == 0, "%.17g: got %.*s, want %.*s", v, (int)ng, got, (int)nw, want);
    }
}
END_TEST

Suite *writer_suite(void)
{
    Suite *s = suite_create("writer");
    TCase *tc = tcase_create("format");
    tcase_add_test(tc, test_ints);
    tcase_add_test(tc, test_f64);
    tcase_add_test(tc, test_f64_special);
    tcase_add_test(tc, test_f64_fast_path_matches_general);
    tcase_add_test(tc, test_csv_str);
    tcase_add_test(tc, test_json_str);
    tcase_add_test(tc, test_json_str_nul);
    suite_add_tcase(s, tc);

    tc = tcase_create("io");
    tcase_add_test(tc, test_large_output);
    tcase_add_test(tc, test_write_error_bad_fd);
    tcase_add_test(tc, test_write_error_closed_fd);
    tcase_add_test(tc, test_write_error_full);
    tcase_add_test(tc, test_writer_open);
    suite_add_tcase(s, tc);
    return s;
}
