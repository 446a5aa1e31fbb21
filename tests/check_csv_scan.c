/* check_csv_scan.c - unit tests for runtime/csv_scan.h, the one-pass parser's
 * field scanners: floats bit for bit against strtod over many random and edge
 * texts, integers and times against the rgp_parse_* functions the two-pass
 * parser uses, text scans across 16-byte blocks, and where each scan stops. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv_scan.h"

/* A field as the reader holds it: the text, a terminator, then the LF that
 * rgp_csv_scan_begin writes, then RGP_READER_PAD zero bytes. */
typedef struct field_buf {
    char b[512 + 2 + RGP_READER_PAD];
} field_buf;

static const char *put_field(field_buf *f, const char *text, char terminator)
{
    size_t n = strlen(text);
    ck_assert_uint_lt(n, 512);
    memset(f->b, 0, sizeof f->b);
    memcpy(f->b, text, n);
    f->b[n] = terminator;
    f->b[n + 1] = '\n';
    return f->b;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* Deterministic: the same texts on every run. */
static uint64_t rng = 0x9e3779b97f4a7c15u;
static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The float text in: scanned up to its end, and bit for bit strtod's value.
 * Returns 0 when the scanner left it to the two-pass parser. */
static int f64_agrees(const char *in)
{
    field_buf f;
    double got = 12345.0;
    const char *p = put_field(&f, in, ',');
    const char *e = rgp_scan_f64(p, &got);
    if (!e)
        return 0;
    ck_assert_msg(*e == ',' && (size_t)(e - p) == strlen(in), "'%s': stopped at offset %td", in, e - p);
    double want = strtod(in, NULL);
    ck_assert_msg(bits_of(got) == bits_of(want), "'%s': scanned %.17g (%016llx), strtod %.17g (%016llx)", in, got,
                  (unsigned long long)bits_of(got), want, (unsigned long long)bits_of(want));
    return 1;
}

START_TEST(test_f64_edges)
{
    static const char *const taken[] = {
        "0", "-0", "0.0", "-0.0", "5.", ".5", "-.5", "20.57", "-40.00", "125", "0.1", "0.2", "0.3",
        "9007199254740992",      /* 2^53: the fast path's last exact mantissa */
        "9007199254740993",      /* 2^53 + 1: no double; strtod rounds to even */
        "9007199254740995", "90071992547409921", "18446744073709551615", "18446744073709551616",
        "1234567890123456789", "12345678901234567890", "0.0000000000000000000001", /* 10^-22 */
        "0.00000000000000000000001",                                                  /* 10^-23: the slow path */
        "0.00000005474844979021211", /* 23 decimals: m / 1e23 (inexact) would be one unit off */
        "1.7976931348623157", "2.2250738585072014", "4.9406564584124654", "123456789012345.678",
        "0.1000000000000000055511151231257827", "3.141592653589793238462643383279",
        "00000000000000000000000000000012.5", "1e0", "1e22", "1e23", "1.5E-3", "-2.5e+10", "1e-320",
        "2.2250738585072011e-308", "4.9e-324", "2e-324", "1.7976931348623157e308", "123.456e-5",
        "0.000000000000000000000000000000000000000000000000001",
    };
    for (size_t i = 0; i < sizeof taken / sizeof *taken; i++)
        ck_assert_msg(f64_agrees(taken[i]), "'%s' was left to the two-pass parser", taken[i]);
    /* the scanner stops short, or leaves the field: the two-pass parser decides */
    static const char *const left[] = {"", "-", ".", "-.", "+1", "inf", "nan", "-Infinity", "1e", "1e+", "1e400",
                                       "1.5e-", ".e5"};
    for (size_t i = 0; i < sizeof left / sizeof *left; i++) {
        field_buf f;
        double v;
        ck_assert_msg(rgp_scan_f64(put_field(&f, left[i], ','), &v) == NULL, "'%s' was taken", left[i]);
    }
    /* trailing text: the scan stops before it, and the caller sees no delimiter */
    field_buf f;
    double v;
    const char *p = put_field(&f, "12.5x", ',');
    ck_assert_ptr_eq(rgp_scan_f64(p, &v), p + 4);
    p = put_field(&f, "12.5", '\r');
    ck_assert_ptr_eq(rgp_scan_f64(p, &v), p + 4);
    ck_assert(v == 12.5);
}
END_TEST

/* Random decimals of every length around the fast path's limits: 0 to 24
 * digits before the point, 0 to 26 after, a sign, sometimes an exponent. */
START_TEST(test_f64_random_against_strtod)
{
    char in[96];
    int taken = 0;
    for (int k = 0; k < 200000; k++) {
        uint64_t r = next_rand();
        int whole = (int)(r % 25), frac = (int)((r >> 8) % 27), n = 0;
        int point = frac > 0 || (r >> 16) % 4 == 0;
        if (whole == 0 && frac == 0)
            whole = 1;
        if ((r >> 20) % 3 == 0)
            in[n++] = '-';
        for (int i = 0; i < whole; i++)   /* leading zeros now and then */
            in[n++] = (char)('0' + ((i == 0 && (r >> 24) % 4 != 0) ? 1 + next_rand() % 9 : next_rand() % 10));
        if (point)
            in[n++] = '.';
        for (int i = 0; i < frac; i++)
            in[n++] = (char)('0' + next_rand() % 10);
        if ((r >> 28) % 8 == 0)
            n += snprintf(in + n, sizeof in - (size_t)n, "e%d", (int)(next_rand() % 700) - 350);
        in[n] = 0;
        double want = strtod(in, NULL);
        int finite = (bits_of(want) & UINT64_C(0x7ff0000000000000)) != UINT64_C(0x7ff0000000000000);
        int ok = f64_agrees(in);
        ck_assert_msg(ok == finite, "'%s': %s", in, ok ? "taken, but strtod overflows" : "left to the two-pass parser");
        taken += ok;
    }
    ck_assert_int_gt(taken, 190000);
}
END_TEST

/* Short decimals as sensors write them, every one of them up to 4 digits and
 * 3 decimals: the fast path itself, exhaustively. */
START_TEST(test_f64_short_decimals_exhaustive)
{
    static const int tens[] = {1, 10, 100, 1000, 10000};
    char in[32];
    for (int m = 0; m < 100000; m++)
        for (int d = 0; d <= 4; d++) { /* m with d of its digits after the point: 12.345, -0.05 */
            const char *sign = m % 3 == 0 ? "-" : "";
            if (d == 0) snprintf(in, sizeof in, "%s%d", sign, m);
            else snprintf(in, sizeof in, "%s%d.%0*d", sign, m / tens[d], d, m % tens[d]);
            ck_assert_msg(f64_agrees(in), "'%s' was left to the two-pass parser", in);
        }
}
END_TEST

/* Integers: whatever a scanner takes, the two-pass parser reads the same. */
START_TEST(test_integers_against_parse)
{
    static const char *const cases[] = {
        "0", "7", "-0", "-7", "42", "007", "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967295",
        "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999999999999999", "1767225600076", "12345678",
        "123456789", "1234567812345678", "-", "", "+5", "1x", "2026-01-01T00:00:00Z", "00000000000000000001",
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *in = cases[i];
        size_t n = strlen(in);
        field_buf f;
        const char *p = put_field(&f, in, ','), *e;
        uint32_t u32;
        uint64_t u64;
        int32_t i32;
        int64_t i64, t;
        /* each: if taken, it ends at the delimiter and agrees with rgp_parse_* */
        if ((e = rgp_scan_u32(p, &u32)) && *e == ',') {
            uint32_t w;
            ck_assert_msg(rgp_parse_u32(in, n, &w) == RGP_PARSE_OK && w == u32, "u32 '%s'", in);
        }
        if ((e = rgp_scan_u64(p, &u64)) && *e == ',') {
            uint64_t w;
            ck_assert_msg(rgp_parse_u64(in, n, &w) == RGP_PARSE_OK && w == u64, "u64 '%s'", in);
        }
        if ((e = rgp_scan_i32(p, &i32)) && *e == ',') {
            int32_t w;
            ck_assert_msg(rgp_parse_i32(in, n, &w) == RGP_PARSE_OK && w == i32, "i32 '%s'", in);
        }
        if ((e = rgp_scan_i64(p, &i64)) && *e == ',') {
            int64_t w;
            ck_assert_msg(rgp_parse_i64(in, n, &w) == RGP_PARSE_OK && w == i64, "i64 '%s'", in);
        }
        if ((e = rgp_scan_time(p, &t)) && *e == ',') {
            int64_t w;
            ck_assert_msg(rgp_parse_time(in, n, &w) == RGP_PARSE_OK && w == t, "time '%s'", in);
        }
    }
    /* and the plain cases are taken, not left to the two-pass parser */
    field_buf f;
    uint32_t u32;
    int32_t i32;
    int64_t i64;
    uint64_t u64;
    ck_assert_ptr_nonnull(rgp_scan_u32(put_field(&f, "4294967295", ','), &u32));
    ck_assert_uint_eq(u32, UINT32_MAX);
    ck_assert_ptr_null(rgp_scan_u32(put_field(&f, "4294967296", ','), &u32));
    ck_assert_ptr_nonnull(rgp_scan_i32(put_field(&f, "-2147483648", ','), &i32));
    ck_assert_int_eq(i32, INT32_MIN);
    ck_assert_ptr_null(rgp_scan_i32(put_field(&f, "2147483648", ','), &i32));
    ck_assert_ptr_nonnull(rgp_scan_i64(put_field(&f, "-9223372036854775808", ','), &i64));
    ck_assert(i64 == INT64_MIN);
    ck_assert_ptr_null(rgp_scan_i64(put_field(&f, "9223372036854775808", ','), &i64));
    ck_assert_ptr_nonnull(rgp_scan_u64(put_field(&f, "9999999999999999999", ','), &u64));
    ck_assert(u64 == UINT64_C(9999999999999999999));
    ck_assert_ptr_null(rgp_scan_u64(put_field(&f, "18446744073709551615", ','), &u64));   /* 20 digits: two-pass */
    ck_assert_ptr_nonnull(rgp_scan_time(put_field(&f, "1767225600076", ','), &i64));
    ck_assert(i64 == INT64_C(1767225600076));
    const char *p = put_field(&f, "2026-01-01T00:00:00Z", ',');
    ck_assert_ptr_eq(rgp_scan_time(p, &i64), p + 4);   /* stops at the '-': not a delimiter, so two-pass */
}
END_TEST

/* Random integers of 1 to 21 digits, signed or not, against rgp_parse_*. */
START_TEST(test_integers_random)
{
    char in[40];
    for (int k = 0; k < 100000; k++) {
        uint64_t r = next_rand();
        int digits = 1 + (int)(r % 21), n = 0;
        if ((r >> 8) % 2)
            in[n++] = '-';
        for (int i = 0; i < digits; i++)
            in[n++] = (char)('0' + next_rand() % 10);
        in[n] = 0;
        field_buf f;
        const char *p = put_field(&f, in, ',');
        uint64_t u64, wu = 0;
        int64_t i64, wi = 0;
        int su = rgp_parse_u64(in, (size_t)n, &wu), si = rgp_parse_i64(in, (size_t)n, &wi);
        const char *e = rgp_scan_u64(p, &u64);
        if (e) ck_assert_msg(su == RGP_PARSE_OK && wu == u64 && *e == ',', "u64 '%s'", in);
        else ck_assert_msg(su != RGP_PARSE_OK || in[0] == '-' || digits > 19, "u64 '%s' left", in);
        e = rgp_scan_i64(p, &i64);
        if (e) ck_assert_msg(si == RGP_PARSE_OK && wi == i64 && *e == ',', "i64 '%s'", in);
        else ck_assert_msg(si != RGP_PARSE_OK || digits > 19, "i64 '%s' left", in);
    }
}
END_TEST

/* Text scans stop at the delimiter, the LF or a quote, in any of the 16
 * positions of a block and in any block; and at the LF written after the input. */
START_TEST(test_text_stops)
{
    static const char stops[] = {';', '\n', '"'};
    for (size_t len = 0; len < 70; len++)
        for (size_t s = 0; s < sizeof stops; s++) {
            field_buf f;
            memset(f.b, 0, sizeof f.b);
            for (size_t i = 0; i < len; i++) f.b[i] = i % 5 == 4 ? ',' : 'a';   /* another delimiter is text */
            f.b[len] = stops[s];
            f.b[len + 1] = '\n';
            ck_assert_ptr_eq(rgp_scan_text(f.b, ';'), f.b + len);
        }
    field_buf f;
    const char *p = put_field(&f, "ab\rc", '\n');   /* a CR is text: the caller trims one before the LF */
    ck_assert_ptr_eq(rgp_scan_text(p, ','), p + 4);
}
END_TEST

/* The reader side: rgp_csv_scan_begin writes the LF after the bytes read,
 * and declines while a row search is under way. */
START_TEST(test_scan_begin)
{
    rgp_reader r;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_int_eq(write(fds[1], "12,ab", 5), 5);
    ck_assert_int_eq(rgp_reader_open_fd(&r, fds[0], "pipe", 16), 0);
    ck_assert_int_gt(rgp_reader_fill(&r), 0);
    const char *p = rgp_csv_scan_begin(&r);
    ck_assert_ptr_eq(p, r.buf);
    ck_assert_int_eq(r.buf[r.end], '\n');
    uint32_t id;
    p = rgp_scan_u32(p, &id);
    ck_assert_uint_eq(id, 12);
    p = rgp_scan_text(p + 1, ',');
    ck_assert_ptr_eq(p, r.buf + r.end);   /* stopped at the LF after the input: the row is not whole */
    /* a row search under way (the row ran out of input): no scan */
    rgp_str fields[4];
    int nf;
    uint64_t line;
    const char *why;
    ck_assert_int_eq(rgp_csv_next_row(&r, ',', fields, 4, &nf, &line, &why), RGP_ROW_NEED_INPUT);
    ck_assert_ptr_null(rgp_csv_scan_begin(&r));
    close(fds[1]);
    rgp_reader_close(&r);
}
END_TEST

Suite *csv_scan_suite(void)
{
    Suite *s = suite_create("csv_scan");
    TCase *t = tcase_create("scan");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, test_f64_edges);
    tcase_add_test(t, test_f64_random_against_strtod);
    tcase_add_test(t, test_f64_short_decimals_exhaustive);
    tcase_add_test(t, test_integers_against_parse);
    tcase_add_test(t, test_integers_random);
    tcase_add_test(t, test_text_stops);
    tcase_add_test(t, test_scan_begin);
    suite_add_tcase(s, t);
    return s;
}
