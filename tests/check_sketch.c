/* check_sketch.c - the quantile sketch of stdlib/rgp_std.h against exact sorted
 * quantiles of seeded inputs: its 1% promise, its memory cap, its empty and
 * zeroed states, merge, and that libtcc compiles it to the same answers. */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rgp_std.h"
#include "emit.h"
#include "jit.h"

/* ck_assert records its place on every call; loops of a million checks report only failures. */
#define expect(cond, ...)                         \
    do {                                          \
        if (!(cond)) ck_abort_msg(__VA_ARGS__);   \
    } while (0)

static const double qs[] = {0, 0.01, 0.5, 0.9, 0.99, 1};
#define NQ (sizeof qs / sizeof qs[0])

static uint64_t rng = 1;
static double uniform(void)   /* [0, 1), xorshift64* */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}
static double normal(void)   /* near enough: twelve uniforms, centred */
{
    double z = -6;
    for (int k = 0; k < 12; k++) z += uniform();
    return z;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* The value of rank floor(q (n - 1)) among the non-NaN values, as the sketch defines it. */
static double exact_quantile(const double *sorted, size_t n, double q)
{
    return sorted[(size_t)(q * (double)(n - 1))];
}

/* Checks s, built from v[0..n), against the promise in rgp_std.h at every q of
 * qs and of a fine grid; returns how many ranks were folded by the cap. */
static int check_promise(const rgp_qsketch *s, const double *v, size_t n, const char *what)
{
    double *sorted = malloc((n ? n : 1) * sizeof *sorted);
    size_t m = 0;
    double max_pos = 0, max_neg = 0;   /* largest finite magnitude of each sign */
    for (size_t k = 0; k < n; k++) {
        if (v[k] != v[k]) continue;
        sorted[m++] = v[k];
        if (v[k] > 0 && v[k] < HUGE_VAL && v[k] > max_pos) max_pos = v[k];
        if (v[k] < 0 && v[k] > -HUGE_VAL && -v[k] > max_neg) max_neg = -v[k];
    }
    qsort(sorted, m, sizeof *sorted, by_value);
    expect(s->pos.len <= RGP_QSKETCH_MAX_BUCKETS && s->neg.len <= RGP_QSKETCH_MAX_BUCKETS,
                  "%s: %u and %u buckets", what, s->pos.len, s->neg.len);
    int folded = 0;
    for (int g = 0; g <= 1000 + (int)NQ; g++) {
        double q = g < (int)NQ ? qs[g] : (g - (int)NQ) / 1000.0;
        double got = rgp_qsketch_quantile(s, q);
        if (m == 0) {
            expect(got != got, "%s: empty gives NaN, got %g", what, got);
            continue;
        }
        double x = exact_quantile(sorted, m, q), max = x < 0 ? max_neg : max_pos;
        if (x == 0 || x == HUGE_VAL || x == -HUGE_VAL) {
            expect(got == x, "%s: q %g: %.17g, exact %.17g", what, q, got, x);
        } else if (fabs(x) >= 1e-17 * max) {
            expect(fabs(got - x) <= RGP_QSKETCH_ALPHA * fabs(x), "%s: q %g: %.17g, exact %.17g (error %.3g%%)", what, q,
                          got, x, 100 * fabs(got - x) / fabs(x));
        } else {   /* folded by the cap: right sign, absolute error below 1e-17 of the largest */
            folded++;
            expect((got < 0) == (x < 0) && fabs(got - x) < 1e-17 * max, "%s: q %g: folded %.17g, exact %.17g, max %g",
                          what, q, got, x, max);
        }
    }
    free(sorted);
    return folded;
}

static int check_values(const double *v, size_t n, const char *what)
{
    rgp_qsketch s;
    memset(&s, 0, sizeof s);
    for (size_t k = 0; k < n; k++) rgp_qsketch_add(&s, v[k]);
    int folded = check_promise(&s, v, n, what);
    rgp_qsketch_free(&s);
    return folded;
}

enum { N = 20000 };

/* One seeded input per shape the aggregates will meet; none wide enough to fold. */
START_TEST(test_shapes)
{
    static double v[N];
    rng = 12345;
    for (size_t k = 0; k < N; k++) v[k] = 1000 * uniform();
    ck_assert_int_eq(check_values(v, N, "uniform 0..1000"), 0);
    for (size_t k = 0; k < N; k++) v[k] = exp(2 * normal());
    ck_assert_int_eq(check_values(v, N, "log-normal"), 0);
    for (size_t k = 0; k < N; k++) v[k] = k % 3 ? 9 + 2 * uniform() : 1e6 * (0.95 + 0.1 * uniform());
    ck_assert_int_eq(check_values(v, N, "bimodal"), 0);
    for (size_t k = 0; k < N; k++) v[k] = -1 - 1e4 * uniform();
    ck_assert_int_eq(check_values(v, N, "all negative"), 0);
    for (size_t k = 0; k < N; k++) v[k] = k % 3 == 0 ? (k % 2 ? 0.0 : -0.0) : 1000 * uniform() - 500;
    ck_assert_int_eq(check_values(v, N, "mixed sign with zeros"), 0);
    for (size_t k = 0; k < N; k++) v[k] = 42.5;
    ck_assert_int_eq(check_values(v, N, "constant"), 0);
    for (size_t k = 0; k < N; k++) v[k] = (double)(1 + k % 1000);
    ck_assert_int_eq(check_values(v, N, "integers 1..1000"), 0);
    for (size_t k = 0; k < N; k++) v[k] = 1 + 1e5 * uniform() * uniform() * uniform();
    ck_assert_int_eq(check_values(v, N, "skewed latencies"), 0);
    v[0] = -3.25;
    ck_assert_int_eq(check_values(v, 1, "single value"), 0);
    v[0] = DBL_MAX, v[1] = -DBL_MAX, v[2] = DBL_MAX / 1.005, v[3] = -DBL_MAX / 1.01;
    ck_assert_int_eq(check_values(v, 4, "the top of the normal range"), 0);
    v[0] = DBL_MIN, v[1] = -DBL_MIN, v[2] = DBL_MIN * 1.005, v[3] = -DBL_MIN * 1.01;
    ck_assert_int_eq(check_values(v, 4, "the bottom of the normal range"), 0);
}
END_TEST

/* Infinities and zeros come back exactly; NaN is counted apart and not ranked. */
START_TEST(test_specials)
{
    static double v[N];
    rng = 99;
    for (size_t k = 0; k < N; k++) {
        switch (k % 7) {
        case 0: v[k] = HUGE_VAL; break;
        case 1: v[k] = -HUGE_VAL; break;
        case 2: v[k] = nan(""); break;
        case 3: v[k] = 0; break;
        default: v[k] = 200 * uniform() - 100; break;
        }
    }
    ck_assert_int_eq(check_values(v, N, "infinities, NaNs and zeros"), 0);

    rgp_qsketch s = {0};
    rgp_qsketch_add(&s, nan(""));
    rgp_qsketch_add(&s, -nan(""));
    ck_assert(rgp_qsketch_quantile(&s, 0.5) != rgp_qsketch_quantile(&s, 0.5));   /* only NaNs: empty */
    ck_assert_uint_eq(s.nans, 2);
    rgp_qsketch_add(&s, 7);
    ck_assert(fabs(rgp_qsketch_quantile(&s, 0.5) - 7) <= 0.07);
    ck_assert(rgp_qsketch_quantile(&s, -1) == rgp_qsketch_quantile(&s, 2));   /* q clamps to [0, 1] */
    ck_assert(rgp_qsketch_quantile(&s, nan("")) != rgp_qsketch_quantile(&s, nan("")));
    rgp_qsketch_add(&s, HUGE_VAL);
    ck_assert(rgp_qsketch_quantile(&s, 1) == HUGE_VAL);
    ck_assert(fabs(rgp_qsketch_quantile(&s, 0) - 7) <= 0.07);
    rgp_qsketch_free(&s);
}
END_TEST

/* The bucket arithmetic itself, bucket edge by bucket edge across the normal range
 * and at random bit patterns: the rounding margin must hold everywhere. */
START_TEST(test_every_bucket_edge)
{
    double a = RGP__QSKETCH_A;
    ck_assert(fabs(RGP__QSKETCH_LOG_GAMMA - 2 * atanh(a)) <= 2e-16 * RGP__QSKETCH_LOG_GAMMA);
    int32_t last = INT32_MIN;
    for (int32_t i = -35450; i <= 35495; i++) {
        double edge = exp(i * RGP__QSKETCH_LOG_GAMMA);
        if (edge < DBL_MIN || edge > DBL_MAX) continue;
        double near[3] = {nextafter(edge, 0), edge, nextafter(edge, HUGE_VAL)};
        for (int k = 0; k < 3; k++) {
            if (near[k] > DBL_MAX) continue;
            int32_t b = rgp__qsketch_index(near[k]);
            expect(b >= last, "bucket order at %.17g", near[k]);   /* monotone */
            last = b;
            double e = rgp__qsketch_value(b);
            expect(fabs(e - near[k]) <= RGP_QSKETCH_ALPHA * near[k], "%.17g comes back as %.17g", near[k], e);
        }
    }
    rng = 7;
    for (int k = 0; k < 1000000; k++) {
        uint64_t r = (uint64_t)(uniform() * 9007199254740992.0) << 11;
        uint64_t bits = (r & UINT64_C(0x000fffffffffffff)) | ((uint64_t)(1 + k % 2046) << 52);   /* every normal exponent */
        double x;
        memcpy(&x, &bits, sizeof x);
        double e = rgp__qsketch_value(rgp__qsketch_index(x));
        expect(fabs(e - x) <= RGP_QSKETCH_ALPHA * x, "%.17g comes back as %.17g", x, e);
    }
}
END_TEST

/* 1e-300..1e300 spans some 69000 buckets: the cap must hold, folding only the
 * smallest magnitudes, in every arrival order. */
START_TEST(test_huge_range_hits_the_cap)
{
    static double v[N];
    rng = 2024;
    for (size_t k = 0; k < N; k++) v[k] = pow(10, 600 * uniform() - 300);
    ck_assert_int_gt(check_values(v, N, "1e-300..1e300, random order"), 0);

    rgp_qsketch s = {0};
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(&s, v[k]);
    ck_assert_uint_eq(s.pos.len, RGP_QSKETCH_MAX_BUCKETS);
    rgp_qsketch_free(&s);

    for (size_t k = 0; k < N; k++) v[k] = pow(10, -300 + 600.0 * k / (N - 1));
    ck_assert_int_gt(check_values(v, N, "1e-300..1e300, rising"), 0);
    for (size_t k = 0; k < N; k++) v[k] = pow(10, 300 - 600.0 * k / (N - 1));
    ck_assert_int_gt(check_values(v, N, "1e-300..1e300, falling"), 0);
    for (size_t k = 0; k < N; k++) v[k] = (k % 2 ? -1 : 1) * pow(10, 600 * uniform() - 300) * (k % 5 ? 1 : 0);
    ck_assert_int_gt(check_values(v, N, "-1e300..1e300 with zeros"), 0);
    /* Just inside the promise: a factor of 1e17 never folds, in any order. */
    for (size_t k = 0; k < N; k++) v[k] = 1e3 * pow(10, 17 * uniform());
    ck_assert_int_eq(check_values(v, N, "a factor of 1e17"), 0);
    for (size_t k = 0; k < N; k++) v[k] = -1e-30 * pow(10, 17.0 * k / N);
    ck_assert_int_eq(check_values(v, N, "a factor of 1e17, falling"), 0);
    /* and what the cap itself keeps: 2016 buckets below the largest, a factor of 3e17 */
    for (int order = 0; order < 4; order++) {   /* random, rising, falling, and the two ends alone */
        size_t n = order == 3 ? 2 : N;
        for (size_t k = 0; k < n; k++) v[k] = pow(10, 17.48 * (order == 0 ? uniform() : order == 2 ? 1 - (double)k / n : (double)k / (n - 1)));
        double min = v[0];
        for (size_t k = 0; k < n; k++) rgp_qsketch_add(&s, v[k]), min = v[k] < min ? v[k] : min;
        ck_assert_int_le(s.pos.lo, rgp__qsketch_index(min));   /* the smallest has a bucket of its own */
        rgp_qsketch_free(&s);
    }
}
END_TEST

/* A sketch inside a zeroed table entry works; free leaves it empty and reusable. */
START_TEST(test_zeroed_empty_free_reuse)
{
    unsigned char table[3 * sizeof(rgp_qsketch)];
    memset(table, 0xa5, sizeof table);
    rgp_qsketch *s = (rgp_qsketch *)(void *)table + 1;
    memset(s, 0, sizeof *s);
    for (int k = 0; k < (int)NQ; k++) ck_assert(rgp_qsketch_quantile(s, qs[k]) != rgp_qsketch_quantile(s, qs[k]));

    static double v[N];
    rng = 5;
    for (size_t k = 0; k < N; k++) v[k] = 1e9 * uniform();
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(s, v[k]);
    ck_assert_int_eq(check_promise(s, v, N, "in a table"), 0);
    rgp_qsketch_free(s);
    ck_assert(s->pos.counts == NULL && s->pos.len == 0 && s->zeros == 0);
    ck_assert(rgp_qsketch_quantile(s, 0.5) != rgp_qsketch_quantile(s, 0.5));
    for (size_t k = 0; k < N; k++) v[k] = -1e-3 * uniform();   /* nothing of the first values remains */
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(s, v[k]);
    ck_assert_int_eq(check_promise(s, v, N, "reused"), 0);
    rgp_qsketch_free(s);
    rgp_qsketch_free(s);   /* twice is harmless */
    ck_assert(table[0] == 0xa5 && table[sizeof table - 1] == 0xa5);
}
END_TEST

/* Memory follows the range, not the count: 1..1000 stays small however many values. */
START_TEST(test_memory_follows_the_range)
{
    rgp_qsketch s = {0};
    rng = 77;
    for (int k = 0; k < 1000000; k++) rgp_qsketch_add(&s, 1 + 999 * uniform());
    /* 1..1000 spans 346 buckets; headroom adds at most 32 at either end */
    ck_assert_uint_ge(s.pos.len, 346);
    ck_assert_uint_le(s.pos.len, 346 + 2 * RGP__QSKETCH_HEADROOM);
    ck_assert_uint_eq(s.neg.len, 0);
    rgp_qsketch_free(&s);
    for (int k = 0; k < 1000; k++) rgp_qsketch_add(&s, 3.5);
    ck_assert_uint_eq(s.pos.len, 16);
    rgp_qsketch_free(&s);
}
END_TEST

/* Merging halves gives the very sketch of the whole, bucket for bucket's answers. */
START_TEST(test_merge)
{
    static double v[N];
    rng = 31;
    for (size_t k = 0; k < N; k++) v[k] = k % 11 == 0 ? 0 : (k % 4 ? 1 : -1) * exp(3 * normal());
    rgp_qsketch whole = {0}, a = {0}, b = {0}, none = {0};
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(&whole, v[k]);
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(k < N / 3 ? &a : &b, v[k]);
    rgp_qsketch_merge(&a, &b);
    rgp_qsketch_merge(&a, &none);
    for (int g = 0; g <= 1000; g++)
        ck_assert(bits_of(rgp_qsketch_quantile(&a, g / 1000.0)) == bits_of(rgp_qsketch_quantile(&whole, g / 1000.0)));
    ck_assert_int_eq(check_promise(&a, v, N, "merged"), 0);
    rgp_qsketch_merge(&none, &whole);   /* into an empty sketch */
    ck_assert_int_eq(check_promise(&none, v, N, "merged into empty"), 0);
    rgp_qsketch_free(&a);
    rgp_qsketch_free(&b);
    rgp_qsketch_free(&none);
    rgp_qsketch_free(&whole);

    for (size_t k = 0; k < N; k++) v[k] = pow(10, 600 * uniform() - 300);
    for (size_t k = 0; k < N; k++) rgp_qsketch_add(k % 2 ? &a : &b, v[k]);
    rgp_qsketch_merge(&a, &b);
    ck_assert_int_gt(check_promise(&a, v, N, "merged 1e-300..1e300"), 0);
    rgp_qsketch_free(&a);
    rgp_qsketch_free(&b);
}
END_TEST

/* The section as generated code meets it: the runtime text compiled by libtcc,
 * giving the same estimates bit for bit as the cc-compiled sketch here. */
START_TEST(test_tcc_compiles_the_sketch)
{
    rgp_qsketch s = {0};
    for (int k = 1; k <= 1000; k++) rgp_qsketch_add(&s, k % 7 ? k * 0.37 : -k * 1e5);
    rgp_qsketch_add(&s, 0);
    rgp_qsketch_add(&s, nan(""));
    rgp_qsketch_add(&s, -HUGE_VAL);
    char want[512] = "";
    for (int k = 0; k < (int)NQ; k++) {
        double q = rgp_qsketch_quantile(&s, qs[k]);
        char literal[64];
        snprintf(literal, sizeof literal, q == -HUGE_VAL ? "-HUGE_VAL" : q == HUGE_VAL ? "HUGE_VAL" : "%a", q);
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", k ? ", " : "", literal);
    }
    rgp_qsketch_free(&s);

    char program[2048];
    snprintf(program, sizeof program,
             "int rgp_program_main(int argc, char **argv)\n"
             "{\n"
             "    const double qs[] = {0, 0.01, 0.5, 0.9, 0.99, 1}, want[] = {%s};   /* tcc folds no inf in a static initializer */\n"
             "    rgp_qsketch s = {0};\n"
             "    int wrong = 0;\n"
             "    for (int k = 1; k <= 1000; k++) rgp_qsketch_add(&s, k %% 7 ? k * 0.37 : -k * 1e5);\n"
             "    rgp_qsketch_add(&s, 0);\n"
             "    rgp_qsketch_add(&s, 0.0 / 0.0);\n"
             "    rgp_qsketch_add(&s, -HUGE_VAL);\n"
             "    for (int k = 0; k < 6; k++) wrong += rgp__f64_bits(rgp_qsketch_quantile(&s, qs[k])) != rgp__f64_bits(want[k]);\n"
             "    rgp_qsketch_free(&s);\n"
             "    return wrong;\n"
             "}\n",
             want);
    size_t rt = strlen(rgp_runtime_text);
    char *text = malloc(rt + strlen(program) + 1);
    memcpy(text, rgp_runtime_text, rt);
    strcpy(text + rt, program);
    char *argv[] = {"sketch", NULL};
    ck_assert_int_eq(jit_run(text, "sketch.c", 1, argv), 0);
    free(text);
}
END_TEST

Suite *sketch_suite(void)
{
    Suite *s = suite_create("sketch");
    TCase *tc = tcase_create("quantiles");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_shapes);
    tcase_add_test(tc, test_specials);
    tcase_add_test(tc, test_every_bucket_edge);
    tcase_add_test(tc, test_huge_range_hits_the_cap);
    tcase_add_test(tc, test_zeroed_empty_free_reuse);
    tcase_add_test(tc, test_memory_follows_the_range);
    tcase_add_test(tc, test_merge);
    tcase_add_test(tc, test_tcc_compiles_the_sketch);
    suite_add_tcase(s, tc);
    return s;
}
