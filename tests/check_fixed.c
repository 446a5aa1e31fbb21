/* check_fixed.c - unit tests for stdlib/rgp_fixed.h: fixed(x, N) must give the
 * bytes of snprintf("%.*f") for every double and every N, ties and the values
 * just beside them included. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rgp_std.h"

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

/* fails with the value's bits when fixed and printf disagree */
static void expect_printf(double v, int n)
{
    char got[RGP_FIXED_MAX + 1], want[RGP_FIXED_MAX + 1];
    size_t len = rgp_fmt_fixed(got, v, n);
    if (len >= RGP_FIXED_MAX) ck_abort_msg("%a with %d decimals: %zu bytes", v, n, len);   /* no ck_assert per value: each one is a write to Check's pipe */
    got[len] = 0;
    snprintf(want, sizeof want, "%.*f", n, v);
    if (strcmp(got, want)) ck_abort_msg("%a with %d decimals: \"%s\", printf says \"%s\"", v, n, got, want);
}

START_TEST(test_fixed_cases)
{
    static const struct { double v; int n; const char *want; } cases[] = {
        {2.675, 2, "2.67"},    /* 2.67499999999999982236431605997495353221893310546875 */
        {0.125, 2, "0.12"},    /* an exact tie: to even */
        {0.375, 2, "0.38"},
        {0.5, 0, "0"},
        {1.5, 0, "2"},
        {2.5, 0, "2"},
        {-0.0, 2, "-0.00"},
        {-0.001, 2, "-0.00"},
        {0.0, 0, "0"},
        {1.0, 3, "1.000"},
        {-12.345678, 4, "-12.3457"},
        {1e21, 1, "1000000000000000000000.0"},
        {9007199254740993.0, 2, "9007199254740992.00"},
        {18446744073709551616.0, 0, "18446744073709551616"},
        {5e-324, 17, "0.00000000000000000"},
        {0.1, 17, "0.10000000000000001"},
        {1.0 / 0.0, 2, "inf"},
        {-1.0 / 0.0, 0, "-inf"},
    };
    char got[RGP_FIXED_MAX + 1];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len = rgp_fmt_fixed(got, cases[i].v, cases[i].n);
        got[len] = 0;
        ck_assert_msg(!strcmp(got, cases[i].want), "%.17g, %d: \"%s\", expected \"%s\"", cases[i].v, cases[i].n, got, cases[i].want);
        expect_printf(cases[i].v, cases[i].n);
    }
    /* NaN as printf writes it, with its sign */
    ck_assert_uint_eq(rgp_fmt_fixed(got, from_bits(UINT64_C(0x7ff8000000000000)), 2), 3);
    ck_assert(!memcmp(got, "nan", 3));
    ck_assert_uint_eq(rgp_fmt_fixed(got, from_bits(UINT64_C(0xfff8000000000001)), 2), 4);
    ck_assert(!memcmp(got, "-nan", 4));
    /* the scratch wrapper that fixed() calls */
    rgp_scratch sc = {0};
    rgp_str s = rgp_fixed(&sc, 2.675, 2);
    ck_assert(s.len == 4 && !memcmp(s.ptr, "2.67", 4));
    rgp_scratch_free(&sc);
}
END_TEST

/* A million doubles, with 0 to 6 decimals: a quarter any bit pattern (NaN,
 * infinities, subnormals, 1e300; each with one N), a quarter bit patterns of moderate
 * size (2^-30 to 2^60, where the integer path runs), and half decimals k / 10^d
 * as data holds them, many on or beside a tie at the printed digit. */
START_TEST(test_fixed_matches_printf)
{
    uint64_t seed = 11;
    for (int it = 0; it < 1000000; it++) {
        uint64_t r = rgp_splitmix64(&seed);
        double v;
        switch (it % 4) {
        case 0: v = from_bits(r); break;
        case 1: v = from_bits((r & UINT64_C(0x800fffffffffffff)) | ((uint64_t)(1023 - 30 + (r >> 52) % 91) << 52)); break;
        case 2: v = (double)(int64_t)(r % 2000001 - 1000000) / 100.0; break;
        default: {
            static const double p10[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
            int64_t k = (int64_t)(r >> 24) - (int64_t)(UINT64_C(1) << 39);
            v = (double)k / p10[(r & 0xff) % 9];
        }
        }
        if (it % 4 == 0) expect_printf(v, it / 4 % 7);   /* mostly 1e-300 or 1e300: printf alone takes microseconds */
        else for (int n = 0; n <= 6; n++) expect_printf(v, n);
    }
}
END_TEST

/* Exact ties (k + 1/2 at the printed digit) and their neighbours one ulp away,
 * and every N up to 17 on values of every size. */
START_TEST(test_fixed_ties_and_wide)
{
    uint64_t seed = 5;
    for (int it = 0; it < 100000; it++) {
        uint64_t r = rgp_splitmix64(&seed);
        int n = (int)(r % 4);
        /* (2k+1) / 2^(n+1) times 10^n is (2k+1) 5^n / 2: an odd number of halves, a tie at n decimals */
        double tie = (double)(2 * (int64_t)(r >> 40) + 1) / (double)(2 << n);
        uint64_t b;
        memcpy(&b, &tie, sizeof b);
        expect_printf(tie, n);
        expect_printf(from_bits(b + 1), n);
        expect_printf(from_bits(b - 1), n);
        expect_printf(-tie, n);
        expect_printf(from_bits(rgp_splitmix64(&seed)), (int)((r >> 8) % 18));
        expect_printf((double)(int64_t)(r >> 20) / 1e6, 7 + (int)((r >> 4) % 11));
    }
}
END_TEST

Suite *fixed_suite(void)
{
    Suite *s = suite_create("fixed");
    TCase *tc = tcase_create("fixed");
    tcase_set_timeout(tc, 60);   /* seven million printf calls: seconds */
    tcase_add_test(tc, test_fixed_cases);
    tcase_add_test(tc, test_fixed_matches_printf);
    tcase_add_test(tc, test_fixed_ties_and_wide);
    suite_add_tcase(s, tc);
    return s;
}
