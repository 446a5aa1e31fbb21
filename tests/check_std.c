/* check_std.c - unit tests for stdlib/rgp_std.h: value parsers on good, bad
 * and edge inputs, integer arithmetic at its defined edges, min/max/abs. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

#include "rgp_std.h"

static uint64_t bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static double from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}

static int is_nan(double v)
{
    return (bits_of(v) & UINT64_C(0x7fffffffffffffff)) > UINT64_C(0x7ff0000000000000);
}

#define OK RGP_PARSE_OK
#define EMPTY RGP_PARSE_EMPTY
#define SYNTAX RGP_PARSE_SYNTAX
#define RANGE RGP_PARSE_RANGE

/* ---- integers ---- */

struct icase {
    const char *in;
    int st;
    int64_t v;
};

static const struct icase i32_cases[] = {
    {"0", OK, 0},
    {"7", OK, 7},
    {"+5", OK, 5},
    {"-5", OK, -5},
    {"007", OK, 7},
    {"-007", OK, -7},
    {"00000000000000000000000000000000001", OK, 1},
    {"2147483647", OK, INT32_MAX},
    {"2147483648", RANGE, 0},
    {"-2147483648", OK, INT32_MIN},
    {"-2147483649", RANGE, 0},
    {"4294967296", RANGE, 0},
    {"99999999999999999999999999", RANGE, 0},
    {"99999999999999999999999999x", SYNTAX, 0},
    {"", EMPTY, 0},
    {"+", SYNTAX, 0},
    {"-", SYNTAX, 0},
    {"--1", SYNTAX, 0},
    {"+-1", SYNTAX, 0},
    {" 5", SYNTAX, 0},
    {"5 ", SYNTAX, 0},
    {"1e3", SYNTAX, 0},
    {"1.0", SYNTAX, 0},
    {"0x10", SYNTAX, 0},
    {"abc", SYNTAX, 0},
    {"1_000", SYNTAX, 0},
};

static const struct icase i64_cases[] = {
    {"0", OK, 0},
    {"-0", OK, 0},
    {"+42", OK, 42},
    {"-1", OK, -1},
    {"000000000000000000000000000009223372036854775807", OK, INT64_MAX},
    {"9223372036854775807", OK, INT64_MAX},
    {"9223372036854775808", RANGE, 0},
    {"-9223372036854775808", OK, INT64_MIN},
    {"-9223372036854775809", RANGE, 0},
    {"18446744073709551615", RANGE, 0},
    {"18446744073709551616", RANGE, 0},
    {"-18446744073709551616", RANGE, 0},
    {"", EMPTY, 0},
    {"+", SYNTAX, 0},
    {"-", SYNTAX, 0},
    {"1 2", SYNTAX, 0},
    {"12a", SYNTAX, 0},
};

/* Integers, eight digits at a time where they can be: against a plain
 * digit loop, on random strings of 1 to 24 characters, mostly digits, with
 * a sign, leading zeros and a stray byte now and then. */
static int ref_parse_u64(const char *s, size_t n, uint64_t *out)
{
    if (n == 0) return EMPTY;
    uint64_t m = 0;
    int big = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return SYNTAX;
        if (m > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10) big = 1;
        else m = m * 10 + (uint64_t)(s[i] - '0');
    }
    *out = m;
    return big ? RANGE : OK;
}

START_TEST(test_parse_int_random)
{
    static const char stray[] = ":/ .xe\xff\x00";   /* signs: the fixed cases cover them */
    uint64_t seed = 2026;
    char buf[32];
    for (int t = 0; t < 300000; t++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = seed >> 11;
        size_t n = 1 + r % 24;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t q = seed >> 20;
            buf[i] = q % 97 == 0 ? stray[(q >> 8) % (sizeof stray - 1)] : q % 5 == 0 ? '0' : (char)('0' + (q >> 8) % 10);
        }
        uint64_t want = 0, got = 12345;
        int ws = ref_parse_u64(buf, n, &want);
        int gs = rgp_parse_u64(buf, n, &got);
        ck_assert_msg(gs == ws, "u64 '%.*s': status %d, want %d", (int)n, buf, gs, ws);
        if (ws == OK) ck_assert_msg(got == want, "u64 '%.*s': %llu, want %llu", (int)n, buf, (unsigned long long)got, (unsigned long long)want);
        /* the same digits behind a minus sign, as i64 */
        char neg[40];
        neg[0] = '-';
        memcpy(neg + 1, buf, n);
        int64_t gi = 0;
        int is = rgp_parse_i64(neg, n + 1, &gi);
        int wis = ws == OK && want > UINT64_C(9223372036854775808) ? RANGE : ws;
        ck_assert_msg(is == wis, "i64 '-%.*s': status %d, want %d", (int)n, buf, is, wis);
        if (wis == OK) ck_assert_msg((uint64_t)0 - (uint64_t)gi == want, "i64 '-%.*s'", (int)n, buf);
    }
}
END_TEST

/* parse_i64(s, fallback, BASE): against strtoll on random texts of digits,
 * letters, signs and prefixes (strtoll takes what rgp refuses: a leading
 * space inside, "0x" in base 16 with no digit after, so those are skipped). */
START_TEST(test_text_i64_base)
{
    static const struct { const char *s; int base; int64_t want; } fixed[] = {
        {"ff", 16, 255}, {"0xFF", 16, 255}, {"0X7fffffffffffffff", 16, INT64_MAX}, {"-0x8000000000000000", 16, INT64_MIN},
        {"0x8000000000000000", 16, -1}, {"0x", 16, -1}, {"-", 16, -1}, {"", 16, -1}, {" 1a ", 16, 26}, {"0x-1", 16, -1},
        {"g", 16, -1}, {"101", 2, 5}, {"102", 2, -1}, {"0b1", 2, -1}, {"777", 8, 511}, {"8", 8, -1}, {"+12", 10, 12},
        {"0x10", 10, -1}, {"0x10", 8, -1}, {"-101", 2, -5},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        rgp_str s = {fixed[i].s, strlen(fixed[i].s)};
        int64_t got = rgp_text_i64_base(s, -1, fixed[i].base);
        ck_assert_msg(got == fixed[i].want, "'%s' base %d: %lld, want %lld", fixed[i].s, fixed[i].base, (long long)got,
                      (long long)fixed[i].want);
    }
    static const char alphabet[] = "0123456789abcdefABCDEFxX-+g";
    static const int bases[] = {2, 8, 10, 16};
    uint64_t seed = 11;
    char buf[40];
    for (int t = 0; t < 200000; t++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t n = 1 + (seed >> 33) % 20;
        int base = bases[(seed >> 29) % 4];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            uint64_t q = seed >> 24;
            buf[i] = q % 4 ? alphabet[q % (base == 16 ? 22 : base)] : alphabet[(q >> 8) % (sizeof alphabet - 1)];
        }
        buf[n] = 0;
        char *end;
        errno = 0;
        long long ref = strtoll(buf, &end, base);
        int ok = *end == 0 && end != buf && errno == 0;
        size_t sign = buf[0] == '-' || buf[0] == '+';
        if (buf[sign] == ' ' || buf[sign] == '-' || buf[sign] == '+') ok = 0;
        if (base == 16 && buf[sign] == '0' && (buf[sign + 1] == 'x' || buf[sign + 1] == 'X') && buf[sign + 2] == 0) ok = 0;
        int64_t got = rgp_text_i64_base((rgp_str){buf, n}, INT64_C(-77), base);
        if (ok) ck_assert_msg(got == ref, "'%s' base %d: %lld, want %lld", buf, base, (long long)got, ref);
        else ck_assert_msg(got == -77, "'%s' base %d: %lld, want the fallback", buf, base, (long long)got);
    }
}
END_TEST

/* part() remembers where its last piece began: any order of calls, other
 * separators, other texts at the same address after a reset must all give
 * what a fresh scan gives. */
static rgp_str part_fresh(rgp_str s, rgp_str sep, int64_t n)
{
    rgp_scratch fresh = {0};
    return rgp_str_part(&fresh, s, sep, n);
}

START_TEST(test_part_memo)
{
    static const int64_t order[] = {0, 1, 2, 5, 3, 1, 0, 4, 4, 9, 2, -1};
    char buf[64];
    rgp_scratch sc = {0};
    const char *texts[] = {"a b  c:d e", "x:y:z w", " lead and trail ", ""};
    const char *seps[] = {" ", ":", "  ", "::"};
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
        rgp_scratch_reset(&sc);   /* a new record: the same buffer holds other text */
        strcpy(buf, texts[t]);
        rgp_str s = {buf, strlen(buf)};
        for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
            for (size_t p = 0; p < sizeof seps / sizeof seps[0]; p++) {
                rgp_str sep = {seps[p], strlen(seps[p])};
                rgp_str got = rgp_str_part(&sc, s, sep, order[k]), want = part_fresh(s, sep, order[k]);
                ck_assert_msg(got.len == want.len && got.ptr == want.ptr, "text %zu sep '%s' n %lld", t, seps[p], (long long)order[k]);
            }
    }
    rgp_str s = {buf, strlen(buf)};
    strcpy(buf, "p q r");
    rgp_str sp = {" ", 1};
    ck_assert_uint_eq(rgp_str_part(&sc, (rgp_str){buf, 5}, sp, 2).len, 1);
    rgp_scratch_reset(&sc);
    strcpy(buf, "pq r ");   /* same address, length and sep, other text: the reset forgot */
    rgp_str got = rgp_str_part(&sc, (rgp_str){buf, 5}, sp, 2);
    ck_assert(got.ptr == buf + 5 && got.len == 0);
    (void)s;
    rgp_scratch_free(&sc);
}
END_TEST

/* An aggregate's string buffer: an own copy, grown only for a longer string. */
START_TEST(test_str_keep_buf)
{
    rgp_str kept = {0};
    size_t cap = 0;
    rgp_str_keep_buf(&kept, &cap, (rgp_str){"", 0});
    ck_assert_uint_eq(cap, 0);
    ck_assert_ptr_nonnull(kept.ptr);   /* an empty copy points at "" */
    ck_assert_uint_eq(kept.len, 0);
    char text[300];
    memset(text, 'a', sizeof text);
    rgp_str_keep_buf(&kept, &cap, (rgp_str){text, 200});
    ck_assert_uint_eq(cap, 200);
    ck_assert(kept.ptr != text);
    const char *buf = kept.ptr;
    memset(text, 'b', sizeof text);   /* the record's bytes are reused: the copy stays */
    ck_assert_int_eq(kept.ptr[199], 'a');
    rgp_str_keep_buf(&kept, &cap, (rgp_str){text, 150});   /* shorter: the same buffer */
    ck_assert_ptr_eq(kept.ptr, buf);
    ck_assert_uint_eq(kept.len, 150);
    ck_assert_int_eq(kept.ptr[149], 'b');
    rgp_str_keep_buf(&kept, &cap, (rgp_str){"", 0});
    ck_assert_ptr_eq(kept.ptr, buf);
    ck_assert_uint_eq(kept.len, 0);
    rgp_str_keep_buf(&kept, &cap, (rgp_str){text, 300});   /* longer: grown, at least twice */
    ck_assert_uint_eq(cap, 400);
    ck_assert_int_eq(memcmp(kept.ptr, text, 300), 0);
    free((char *)kept.ptr);
}
END_TEST

START_TEST(test_parse_i32)
{
    size_t i;
    for (i = 0; i < sizeof i32_cases / sizeof i32_cases[0]; i++) {
        const struct icase *c = &i32_cases[i];
        int32_t v = 12345;
        int st = rgp_parse_i32(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "i32 '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(v == c->v, "i32 '%s': got %d", c->in, (int)v);
        else
            ck_assert_msg(v == 12345, "i32 '%s': wrote output on failure", c->in);
    }
}
END_TEST

START_TEST(test_parse_i64)
{
    size_t i;
    for (i = 0; i < sizeof i64_cases / sizeof i64_cases[0]; i++) {
        const struct icase *c = &i64_cases[i];
        int64_t v = 12345;
        int st = rgp_parse_i64(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "i64 '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(v == c->v, "i64 '%s': got %lld", c->in, (long long)v);
    }
}
END_TEST

struct ucase {
    const char *in;
    int st;
    uint64_t v;
};

static const struct ucase u32_cases[] = {
    {"0", OK, 0},
    {"+0", OK, 0},
    {"-0", OK, 0},
    {"-000", OK, 0},
    {"4294967295", OK, UINT32_MAX},
    {"4294967296", RANGE, 0},
    {"-1", RANGE, 0},
    {"-4294967296", RANGE, 0},
    {"-", SYNTAX, 0},
    {"-x", SYNTAX, 0},
    {"-1x", SYNTAX, 0},
    {"+", SYNTAX, 0},
    {"", EMPTY, 0},
    {"0010", OK, 10},
};

static const struct ucase u64_cases[] = {
    {"0", OK, 0},
    {"-0", OK, 0},
    {"18446744073709551615", OK, UINT64_MAX},
    {"18446744073709551616", RANGE, 0},
    {"18446744073709551620", RANGE, 0},
    {"184467440737095516150", RANGE, 0},
    {"-1", RANGE, 0},
    {"-9223372036854775808", RANGE, 0},
    {"", EMPTY, 0},
    {"+", SYNTAX, 0},
    {" 1", SYNTAX, 0},
};

START_TEST(test_parse_u32)
{
    size_t i;
    for (i = 0; i < sizeof u32_cases / sizeof u32_cases[0]; i++) {
        const struct ucase *c = &u32_cases[i];
        uint32_t v = 12345;
        int st = rgp_parse_u32(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "u32 '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(v == c->v, "u32 '%s': got %u", c->in, (unsigned)v);
    }
}
END_TEST

START_TEST(test_parse_u64)
{
    size_t i;
    for (i = 0; i < sizeof u64_cases / sizeof u64_cases[0]; i++) {
        const struct ucase *c = &u64_cases[i];
        uint64_t v = 12345;
        int st = rgp_parse_u64(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "u64 '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(v == c->v, "u64 '%s': got %llu", c->in, (unsigned long long)v);
    }
}
END_TEST

/* Parsers look only at s[0..n): the bytes after are not part of the field. */
START_TEST(test_parse_int_bounded)
{
    int32_t a = 0;
    int64_t b = 0;
    uint64_t c = 0;
    ck_assert_int_eq(rgp_parse_i32("12345", 2, &a), OK);
    ck_assert_int_eq(a, 12);
    ck_assert_int_eq(rgp_parse_i64("-9x", 2, &b), OK);
    ck_assert_int_eq(b, -9);
    ck_assert_int_eq(rgp_parse_u64("7,8", 1, &c), OK);
    ck_assert_uint_eq(c, 7);
    ck_assert_int_eq(rgp_parse_i32("1\0" "2", 3, &a), SYNTAX);
    ck_assert_int_eq(rgp_parse_i32("5", 0, &a), EMPTY);
}
END_TEST

/* ---- floats ---- */

struct fcase {
    const char *in;
    int st;
    uint64_t bits; /* expected value, bit-exact */
};

static const struct fcase f64_cases[] = {
    {"0", OK, 0},
    {"-0", OK, UINT64_C(0x8000000000000000)},
    {"1", OK, UINT64_C(0x3ff0000000000000)},
    {"1.5", OK, UINT64_C(0x3ff8000000000000)},
    {"+1.5", OK, UINT64_C(0x3ff8000000000000)},
    {"-1.5", OK, UINT64_C(0xbff8000000000000)},
    {".5", OK, UINT64_C(0x3fe0000000000000)},
    {"-.5", OK, UINT64_C(0xbfe0000000000000)},
    {"1.", OK, UINT64_C(0x3ff0000000000000)},
    {"0.1", OK, UINT64_C(0x3fb999999999999a)},
    {"1e3", OK, UINT64_C(0x408f400000000000)},
    {"1E+3", OK, UINT64_C(0x408f400000000000)},
    {"001e0003", OK, UINT64_C(0x408f400000000000)},
    {"1e-3", OK, UINT64_C(0x3f50624dd2f1a9fc)},
    {"1.e1", OK, UINT64_C(0x4024000000000000)},
    {"5e-324", OK, 1},
    {"4.9406564584124654e-324", OK, 1},
    {"2e-324", OK, 0},  /* rounds to zero: fine, not an error */
    {"1e-400", OK, 0},
    {"-1e-400", OK, UINT64_C(0x8000000000000000)},
    {"2.2250738585072014e-308", OK, UINT64_C(0x0010000000000000)},
    {"1.7976931348623157e308", OK, UINT64_C(0x7fefffffffffffff)},
    {"1.7976931348623158e308", OK, UINT64_C(0x7fefffffffffffff)},
    {"1.7976931348623159e308", RANGE, 0},
    {"1e400", RANGE, 0},
    {"-1e400", RANGE, 0},
    {"1e99999999999999999999", RANGE, 0},
    {"1e-99999999999999999999", OK, 0},
    {"inf", OK, UINT64_C(0x7ff0000000000000)},
    {"+INF", OK, UINT64_C(0x7ff0000000000000)},
    {"-inf", OK, UINT64_C(0xfff0000000000000)},
    {"-Infinity", OK, UINT64_C(0xfff0000000000000)},
    {"nan", OK, UINT64_C(0x7ff8000000000000)},
    {"NaN", OK, UINT64_C(0x7ff8000000000000)},
    {"-nan", OK, UINT64_C(0x7ff8000000000000)},
    {"", EMPTY, 0},
    {"+", SYNTAX, 0},
    {"-", SYNTAX, 0},
    {".", SYNTAX, 0},
    {"-.", SYNTAX, 0},
    {"e5", SYNTAX, 0},
    {".e5", SYNTAX, 0},
    {"1e", SYNTAX, 0},
    {"1e+", SYNTAX, 0},
    {"1e+-3", SYNTAX, 0},
    {"1.2.3", SYNTAX, 0},
    {"1,5", SYNTAX, 0},
    {" 1", SYNTAX, 0},
    {"1 ", SYNTAX, 0},
    {"0x1p3", SYNTAX, 0},
    {"0x10", SYNTAX, 0},
    {"nan(1)", SYNTAX, 0},
    {"infx", SYNTAX, 0},
    {"in", SYNTAX, 0},
    {"infinit", SYNTAX, 0},
    {"abc", SYNTAX, 0},
    {"--1", SYNTAX, 0},
    {"1e3.5", SYNTAX, 0},
};

START_TEST(test_parse_f64)
{
    size_t i;
    for (i = 0; i < sizeof f64_cases / sizeof f64_cases[0]; i++) {
        const struct fcase *c = &f64_cases[i];
        double v = 12345.0;
        int st = rgp_parse_f64(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "f64 '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(bits_of(v) == c->bits, "f64 '%s': got %a (%016llx)", c->in, v,
                          (unsigned long long)bits_of(v));
        else
            ck_assert_msg(bits_of(v) == bits_of(12345.0), "f64 '%s': wrote output on failure", c->in);
    }
}
END_TEST

/* Longer than the stack copy: parsed whole from a heap copy, never cut. */
START_TEST(test_parse_f64_long)
{
    char buf[1200];
    double v = 0;
    size_t n;

    /* "1" then 500 zeros then "e-500" == 1.0 exactly */
    memset(buf, '0', sizeof buf);
    buf[0] = '1';
    memcpy(buf + 501, "e-500", 5);
    n = 506;
    ck_assert_int_eq(rgp_parse_f64(buf, n, &v), OK);
    ck_assert(bits_of(v) == bits_of(1.0));

    /* "0." then 300 zeros then "3": 3e-301; truncating would give 0 */
    memset(buf, '0', sizeof buf);
    buf[1] = '.';
    buf[302] = '3';
    n = 303;
    ck_assert_int_eq(rgp_parse_f64(buf, n, &v), OK);
    ck_assert(bits_of(v) == bits_of(3e-301));

    /* "1" then 400 zeros: 1e400, out of range */
    memset(buf, '0', sizeof buf);
    buf[0] = '1';
    ck_assert_int_eq(rgp_parse_f64(buf, 401, &v), RANGE);

    /* long, with a bad byte at the very end */
    memset(buf, '0', sizeof buf);
    buf[0] = '1';
    buf[999] = 'x';
    ck_assert_int_eq(rgp_parse_f64(buf, 1000, &v), SYNTAX);

    /* 0.1 written with 150 significant digits: still the double 0.1 */
    memset(buf, '0', sizeof buf);
    memcpy(buf, "0.1000000000000000055511151231257827021181583404541015625", 57);
    ck_assert_int_eq(rgp_parse_f64(buf, 160, &v), OK);
    ck_assert(bits_of(v) == bits_of(0.1));
}
END_TEST

START_TEST(test_parse_f64_bounded)
{
    double v = 0;
    ck_assert_int_eq(rgp_parse_f64("1.25", 3, &v), OK);
    ck_assert(bits_of(v) == bits_of(1.2));
    ck_assert_int_eq(rgp_parse_f64("2e5", 1, &v), OK);
    ck_assert(bits_of(v) == bits_of(2.0));
    ck_assert_int_eq(rgp_parse_f64("infinity", 3, &v), OK);
    ck_assert(bits_of(v) == UINT64_C(0x7ff0000000000000));
}
END_TEST

struct bcase {
    const char *in;
    int st;
    bool v;
};

static const struct bcase bool_cases[] = {
    {"true", OK, true},
    {"false", OK, false},
    {"1", OK, true},
    {"0", OK, false},
    {"", EMPTY, false},
    {"True", SYNTAX, false},
    {"FALSE", SYNTAX, false},
    {"yes", SYNTAX, false},
    {"10", SYNTAX, false},
    {"00", SYNTAX, false},
    {"truex", SYNTAX, false},
    {"tru", SYNTAX, false},
    {" true", SYNTAX, false},
};

START_TEST(test_parse_bool)
{
    size_t i;
    for (i = 0; i < sizeof bool_cases / sizeof bool_cases[0]; i++) {
        const struct bcase *c = &bool_cases[i];
        bool v = !c->v;
        int st = rgp_parse_bool(c->in, strlen(c->in), &v);
        ck_assert_msg(st == c->st, "bool '%s': status %d, want %d", c->in, st, c->st);
        if (st == OK)
            ck_assert_msg(v == c->v, "bool '%s': wrong value", c->in);
    }
}
END_TEST

START_TEST(test_status_text)
{
    ck_assert_str_eq(rgp_parse_status_text(RGP_PARSE_EMPTY), "empty value");
    ck_assert_str_eq(rgp_parse_status_text(RGP_PARSE_SYNTAX), "invalid syntax");
    ck_assert_str_eq(rgp_parse_status_text(RGP_PARSE_RANGE), "out of range");
    ck_assert_str_eq(rgp_parse_status_text(RGP_PARSE_OK), "ok");
    ck_assert_ptr_nonnull(rgp_parse_status_text(99));
}
END_TEST

/* ---- strings ---- */

static rgp_str S(const char *s)
{
    rgp_str r;
    r.ptr = s;
    r.len = strlen(s);
    return r;
}

START_TEST(test_str)
{
    rgp_str none = {NULL, 0};
    ck_assert(rgp_str_eq(S("abc"), S("abc")));
    ck_assert(!rgp_str_eq(S("abc"), S("abd")));
    ck_assert(!rgp_str_eq(S("abc"), S("ab")));
    ck_assert(rgp_str_eq(S(""), none));
    ck_assert_int_eq(rgp_str_cmp(S("abc"), S("abc")), 0);
    ck_assert_int_lt(rgp_str_cmp(S("ab"), S("abc")), 0);
    ck_assert_int_gt(rgp_str_cmp(S("abc"), S("ab")), 0);
    ck_assert_int_lt(rgp_str_cmp(S("abc"), S("abd")), 0);
    ck_assert_int_gt(rgp_str_cmp(S("b"), S("abc")), 0);
    ck_assert_int_lt(rgp_str_cmp(none, S("a")), 0);
    ck_assert_int_eq(rgp_str_cmp(none, S("")), 0);
    /* bytes compare unsigned: 0xff sorts after 'a' */
    ck_assert_int_gt(rgp_str_cmp(S("\xff"), S("a")), 0);
}
END_TEST

/* ---- arithmetic ---- */

START_TEST(test_div_mod)
{
    ck_assert_int_eq(rgp_div_i32(7, 0), 0);
    ck_assert_int_eq(rgp_mod_i32(7, 0), 0);
    ck_assert_int_eq(rgp_div_i32(INT32_MIN, -1), INT32_MIN);
    ck_assert_int_eq(rgp_mod_i32(INT32_MIN, -1), 0);
    ck_assert_int_eq(rgp_div_i32(-7, 2), -3);
    ck_assert_int_eq(rgp_mod_i32(-7, 2), -1);
    ck_assert_int_eq(rgp_mod_i32(7, -2), 1);
    ck_assert_int_eq(rgp_div_i32(7, -1), -7);
    ck_assert_int_eq(rgp_div_i32(INT32_MIN, 1), INT32_MIN);

    ck_assert_int_eq(rgp_div_i64(7, 0), 0);
    ck_assert_int_eq(rgp_mod_i64(7, 0), 0);
    ck_assert(rgp_div_i64(INT64_MIN, -1) == INT64_MIN);
    ck_assert_int_eq(rgp_mod_i64(INT64_MIN, -1), 0);
    ck_assert_int_eq(rgp_div_i64(-9, 4), -2);
    ck_assert_int_eq(rgp_mod_i64(-9, 4), -1);
    ck_assert(rgp_div_i64(INT64_MAX, -1) == -INT64_MAX);

    ck_assert_uint_eq(rgp_div_u32(7, 0), 0);
    ck_assert_uint_eq(rgp_mod_u32(7, 0), 0);
    ck_assert_uint_eq(rgp_div_u32(UINT32_MAX, 2), 2147483647u);
    ck_assert_uint_eq(rgp_mod_u32(UINT32_MAX, 2), 1);
    ck_assert_uint_eq(rgp_div_u64(7, 0), 0);
    ck_assert_uint_eq(rgp_mod_u64(7, 0), 0);
    ck_assert(rgp_div_u64(UINT64_MAX, 3) == UINT64_C(6148914691236517205));
    ck_assert_uint_eq(rgp_mod_u64(10, 4), 2);
}
END_TEST

START_TEST(test_wrapping)
{
    ck_assert_int_eq(rgp_add_i32(INT32_MAX, 1), INT32_MIN);
    ck_assert_int_eq(rgp_sub_i32(INT32_MIN, 1), INT32_MAX);
    ck_assert_int_eq(rgp_mul_i32(65536, 65536), 0);
    ck_assert_int_eq(rgp_mul_i32(INT32_MAX, 2), -2);
    ck_assert_int_eq(rgp_mul_i32(-3, 4), -12);
    ck_assert_int_eq(rgp_neg_i32(INT32_MIN), INT32_MIN);
    ck_assert_int_eq(rgp_neg_i32(5), -5);
    ck_assert(rgp_add_i64(INT64_MAX, 1) == INT64_MIN);
    ck_assert(rgp_sub_i64(INT64_MIN, 1) == INT64_MAX);
    ck_assert(rgp_mul_i64(INT64_C(4294967296), INT64_C(4294967296)) == 0);
    ck_assert(rgp_mul_i64(-3, 4) == -12);
    ck_assert(rgp_neg_i64(INT64_MIN) == INT64_MIN);
    ck_assert(rgp_add_i64(-2, 5) == 3);
}
END_TEST

START_TEST(test_min_max_abs_int)
{
    ck_assert_int_eq(rgp_min_i32(-1, 1), -1);
    ck_assert_int_eq(rgp_max_i32(-1, 1), 1);
    ck_assert(rgp_min_i64(INT64_MIN, 0) == INT64_MIN);
    ck_assert(rgp_max_i64(INT64_MIN, INT64_MAX) == INT64_MAX);
    ck_assert_uint_eq(rgp_min_u32(UINT32_MAX, 3), 3);
    ck_assert_uint_eq(rgp_max_u32(UINT32_MAX, 3), UINT32_MAX);
    ck_assert(rgp_min_u64(UINT64_MAX, 0) == 0);
    ck_assert(rgp_max_u64(UINT64_MAX, 0) == UINT64_MAX);
    ck_assert_int_eq(rgp_abs_i32(-5), 5);
    ck_assert_int_eq(rgp_abs_i32(5), 5);
    ck_assert_int_eq(rgp_abs_i32(INT32_MIN), INT32_MIN);
    ck_assert(rgp_abs_i64(INT64_MIN) == INT64_MIN);
    ck_assert(rgp_abs_i64(-INT64_MAX) == INT64_MAX);
    ck_assert_uint_eq(rgp_abs_u32(7), 7);
    ck_assert(rgp_abs_u64(UINT64_MAX) == UINT64_MAX);
}
END_TEST

START_TEST(test_min_max_abs_f64)
{
    double nan = from_bits(UINT64_C(0x7ff8000000000000));
    double nnan = from_bits(UINT64_C(0xfff8000000000000));
    double inf = from_bits(UINT64_C(0x7ff0000000000000));
    double mzero = from_bits(UINT64_C(0x8000000000000000));

    ck_assert(is_nan(rgp_min_f64(nan, 1.0)));
    ck_assert(is_nan(rgp_min_f64(1.0, nan)));
    ck_assert(is_nan(rgp_max_f64(nan, 1.0)));
    ck_assert(is_nan(rgp_max_f64(1.0, nan)));
    ck_assert(is_nan(rgp_max_f64(-inf, nan)));
    ck_assert(is_nan(rgp_min_f64(nan, nan)));
    ck_assert(bits_of(rgp_min_f64(1.0, 2.0)) == bits_of(1.0));
    ck_assert(bits_of(rgp_max_f64(1.0, 2.0)) == bits_of(2.0));
    ck_assert(bits_of(rgp_min_f64(-inf, 2.0)) == bits_of(-inf));
    ck_assert(bits_of(rgp_max_f64(inf, 2.0)) == bits_of(inf));
    /* signed zeros: independent of operand order */
    ck_assert(bits_of(rgp_min_f64(0.0, mzero)) == bits_of(mzero));
    ck_assert(bits_of(rgp_min_f64(mzero, 0.0)) == bits_of(mzero));
    ck_assert(bits_of(rgp_max_f64(0.0, mzero)) == 0);
    ck_assert(bits_of(rgp_max_f64(mzero, 0.0)) == 0);

    ck_assert(bits_of(rgp_abs_f64(mzero)) == 0);
    ck_assert(bits_of(rgp_abs_f64(-1.5)) == bits_of(1.5));
    ck_assert(bits_of(rgp_abs_f64(1.5)) == bits_of(1.5));
    ck_assert(bits_of(rgp_abs_f64(-inf)) == bits_of(inf));
    ck_assert(bits_of(rgp_abs_f64(nnan)) == bits_of(nan));
    ck_assert(bits_of(rgp_abs_f64(-DBL_MIN)) == bits_of(DBL_MIN));
}
END_TEST

/* ---- time at the ends of its range ---- */

#define DAY INT64_C(86400000)

/* trunc is a floor wherever the floor fits in time's range, and INT64_MIN below it. */
START_TEST(test_time_trunc_extremes)
{
    ck_assert(rgp_time_trunc(INT64_MIN, DAY) == INT64_MIN);
    ck_assert(rgp_time_trunc(INT64_MIN, 1000) == INT64_MIN);
    ck_assert(rgp_time_trunc(INT64_MIN, 1) == INT64_MIN);
    ck_assert(rgp_time_trunc(INT64_MIN + 1, 2) == INT64_MIN);
    int64_t first_day = INT64_MIN - INT64_MIN % DAY;   /* the first whole day of the range */
    ck_assert(rgp_time_trunc(first_day, DAY) == first_day);
    ck_assert(rgp_time_trunc(first_day + 1, DAY) == first_day);
    ck_assert(rgp_time_trunc(first_day - 1, DAY) == INT64_MIN);
    ck_assert(rgp_time_trunc(INT64_MAX, DAY) == INT64_MAX - INT64_MAX % DAY);
    ck_assert(rgp_time_trunc(INT64_MAX, 1) == INT64_MAX);
    ck_assert(rgp_time_trunc(-1, 1000) == -1000);
    ck_assert(rgp_time_trunc(-1000, 1000) == -1000);
    ck_assert(rgp_time_trunc(999, 1000) == 0);
}
END_TEST

START_TEST(test_time_arith_extremes)
{
    ck_assert(rgp_time_plus(INT64_MAX, 1) == INT64_MAX);
    ck_assert(rgp_time_plus(INT64_MAX, INT64_MAX) == INT64_MAX);
    ck_assert(rgp_time_plus(INT64_MIN, -1) == INT64_MIN);
    ck_assert(rgp_time_plus(INT64_MIN, INT64_MIN) == INT64_MIN);
    ck_assert(rgp_time_plus(INT64_MIN, INT64_MAX) == -1);
    ck_assert(rgp_time_plus(5, -7) == -2);
    ck_assert(rgp_time_minus(INT64_MIN, 1) == INT64_MIN);
    ck_assert(rgp_time_minus(INT64_MAX, -1) == INT64_MAX);
    ck_assert(rgp_time_minus(INT64_MAX, INT64_MIN) == INT64_MAX);
    ck_assert(rgp_time_minus(0, INT64_MIN) == INT64_MAX);
    ck_assert(rgp_time_minus(-1, INT64_MIN) == INT64_MAX);
    ck_assert(rgp_time_minus(-2, INT64_MAX) == INT64_MIN);
    ck_assert(rgp_time_minus(-1, INT64_MAX) == INT64_MIN);
    ck_assert(rgp_time_minus(7, 9) == -2);
    ck_assert(rgp_time_diff(INT64_MAX, INT64_MIN) == INT64_MAX);
    ck_assert(rgp_time_diff(INT64_MIN, INT64_MAX) == INT64_MIN);
    ck_assert(rgp_time_diff(INT64_MIN, 1) == INT64_MIN);
    ck_assert(rgp_time_diff(-1, INT64_MIN) == INT64_MAX);
    ck_assert(rgp_time_diff(INT64_MIN, INT64_MIN) == 0);
    ck_assert(rgp_time_diff(3, 10) == -7);
    ck_assert(rgp_time_add(INT64_MAX - 5, 10) == INT64_MAX);
    ck_assert(rgp_time_sub(INT64_MIN + 5, 10) == INT64_MIN);
}
END_TEST

/* t >= base + span, exactly, where the sum does not fit too. */
START_TEST(test_time_reached_extremes)
{
    ck_assert(!rgp_time_reached(INT64_MAX, INT64_MAX - 5, 10));
    ck_assert(rgp_time_reached(INT64_MAX, INT64_MAX - 10, 10));
    ck_assert(rgp_time_reached(INT64_MAX, INT64_MIN, 1000));
    ck_assert(!rgp_time_reached(INT64_MIN, INT64_MIN, 1));
    ck_assert(rgp_time_reached(INT64_MIN, INT64_MIN, 0));
    ck_assert(!rgp_time_reached(INT64_MIN, INT64_MAX, 0));
    ck_assert(rgp_watermark_of(INT64_MAX) == INT64_MAX - 1);
    /* a sliding window's starts: n of them, but none before the range */
    ck_assert(rgp_time_oldest_start(10000, 5000, 2) == 5000);
    ck_assert(rgp_time_oldest_start(-5000, 5000, 4) == -20000);
    ck_assert(rgp_time_oldest_start(INT64_MIN, 5000, 2) == INT64_MIN);
    ck_assert(rgp_time_oldest_start(INT64_MIN + 7000, 5000, 4) == INT64_MIN + 2000);
    ck_assert(rgp_time_oldest_start(INT64_MIN + 15000, 5000, 4) == INT64_MIN);
    ck_assert(rgp_time_oldest_start(INT64_MIN + 15000, 5000, 3) == INT64_MIN + 5000);
    ck_assert(rgp_time_oldest_start(INT64_MAX, 1000, 1024) == INT64_MAX - 1023000);
    ck_assert(rgp_watermark_of(INT64_MIN) == INT64_MIN);
}
END_TEST

/* The fast path (digits as an integer times an exact power of ten) must give
 * strtod's correctly rounded answer bit for bit: seeded random decimals of the
 * shapes data files hold, near and past the fast path's limits. */
START_TEST(test_parse_f64_matches_strtod)
{
    unsigned seed = 7;
    char buf[64];
    for (int it = 0; it < 300000; it++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r1 = seed >> 4;
        seed = seed * 1103515245u + 12345u;
        unsigned r2 = seed >> 4;
        switch (it % 5) {
        case 0: snprintf(buf, sizeof buf, "%d.%0*u", (int)(r1 % 100000) - 50000, (int)(r2 % 8) + 1, r2 % 100000); break;
        case 1: snprintf(buf, sizeof buf, "%.*g", (int)(r1 % 17) + 1, ((double)r2 / 268435456.0 - 0.5) * 1e6); break;
        case 2: snprintf(buf, sizeof buf, "%llue%d", ((unsigned long long)r1 * r2) % 9007199254740993ull, (int)(r2 % 50) - 25); break;
        case 3: snprintf(buf, sizeof buf, "0.%0*u", (int)(r1 % 10) + 1, r2 % 1000); break;
        default: snprintf(buf, sizeof buf, "%llu%06u.%u", (unsigned long long)r1 * 1000, r2 % 1000000, r1 % 97); break;
        }
        double want = strtod(buf, NULL), got = 0;
        if (rgp_parse_f64(buf, strlen(buf), &got) != RGP_PARSE_OK) ck_abort_msg("%s rejected", buf);
        if (memcmp(&got, &want, sizeof got) != 0) ck_abort_msg("%s: %.17g, strtod says %.17g", buf, got, want);
    }
}
END_TEST

/* Decimals of 15 to 19 significant digits, half of them within a few thousand
 * of 2^53 = 9007199254740992 (where the fast path's exactness test decides),
 * with the point anywhere and exponents from -30 to 30: every one must be
 * strtod's correctly rounded double, bit for bit. */
static size_t random_long_decimal(uint64_t *seed, char *buf)
{
    char digits[24];
    uint64_t r = rgp_splitmix64(seed);
    int nd = 15 + (int)(r % 5);
    if ((r >> 8) & 1) {   /* near 2^53, cut or padded to nd digits */
        uint64_t near = UINT64_C(9007199254740992) - 4096 + (r >> 16) % 8192;
        snprintf(digits, sizeof digits, "%llu", (unsigned long long)near);
        for (int k = 16; k < nd; k++) digits[k] = (char)('0' + rgp_splitmix64(seed) % 10);
    } else {
        for (int k = 0; k < nd; k++) digits[k] = (char)('0' + rgp_splitmix64(seed) % 10);
        if (digits[0] == '0') digits[0] = '1';
    }
    uint64_t shape = rgp_splitmix64(seed);
    int point = (int)(shape % (uint64_t)(nd + 2)) - 1;   /* -1: no point; 0: ".ddd" written "0.ddd" */
    int e10 = (int)((shape >> 8) % 61) - 30;
    size_t n = 0;
    if ((shape >> 16) & 1) buf[n++] = '-';
    if (point == 0) buf[n++] = '0';
    for (int k = 0; k < nd; k++) {
        if (k == point) buf[n++] = '.';
        buf[n++] = digits[k];
    }
    if (e10 != 0 || ((shape >> 17) & 1)) n += (size_t)sprintf(buf + n, "e%d", e10);
    buf[n] = 0;
    return n;
}

START_TEST(test_parse_f64_long_decimals)
{
    static const char *const quoted[] = {"0.9007199254740993", "9007.199254740993", "9007199254740993e1",
                                         "9007199254740993", "900719925474099.3", "9.007199254740995e-7"};
    for (size_t i = 0; i < sizeof quoted / sizeof quoted[0]; i++) {
        double got, want = strtod(quoted[i], NULL);
        ck_assert_int_eq(rgp_parse_f64(quoted[i], strlen(quoted[i]), &got), OK);
        ck_assert_msg(bits_of(got) == bits_of(want), "%s: %.17g, strtod says %.17g", quoted[i], got, want);
    }
    uint64_t seed = 53;
    char buf[48];
    for (int it = 0; it < 3000000; it++) {
        size_t n = random_long_decimal(&seed, buf);
        double got = 0, want = strtod(buf, NULL);
        /* plain ifs: every ck_assert tells the forked runner where it got to, a system call */
        if (rgp_parse_f64(buf, n, &got) != OK) ck_abort_msg("%s rejected", buf);
        if (bits_of(got) != bits_of(want)) ck_abort_msg("%s: %.17g, strtod says %.17g", buf, got, want);
    }
}
END_TEST

/* ---- UTF-8 ---- */

/* Decodes one sequence by the definition (lead byte, continuation bytes, the
 * shortest form, no surrogates, at most U+10FFFF): its length, or 0. */
static size_t ref_utf8_len(const unsigned char *s, size_t n)
{
    unsigned need, cp;
    if (s[0] < 0x80) return 1;
    if (s[0] >= 0xc0 && s[0] < 0xe0) need = 1, cp = s[0] & 0x1fu;
    else if (s[0] >= 0xe0 && s[0] < 0xf0) need = 2, cp = s[0] & 0x0fu;
    else if (s[0] >= 0xf0 && s[0] < 0xf8) need = 3, cp = s[0] & 0x07u;
    else return 0;
    if (n < need + 1) return 0;
    for (unsigned k = 1; k <= need; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (s[k] & 0x3fu);
    }
    if (cp < (need == 1 ? 0x80u : need == 2 ? 0x800u : 0x10000u) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return need + 1;
}

/* Every sequence of up to three bytes, and four-byte ones with every lead,
 * second and third byte: rgp_utf8_seq agrees with the definition, and an
 * ill-formed sequence's maximal subpart is at least one byte and never more
 * than the bytes before the first that breaks it. */
START_TEST(test_utf8_seq)
{
    unsigned char b[4];
    for (unsigned x = 0; x < (1u << 24); x++) {
        b[0] = (unsigned char)(x >> 16), b[1] = (unsigned char)(x >> 8), b[2] = (unsigned char)x, b[3] = 0x80;
        if (b[0] >= 0xf0 && b[0] < 0xf8) b[3] = (unsigned char)(0x80 + x % 64);
        for (size_t avail = 1; avail <= 4; avail++) {
            size_t bad = 99, got = rgp_utf8_seq(b, avail, &bad), want = ref_utf8_len(b, avail);
            if (got != want) ck_abort_msg("%02x %02x %02x %02x (%zu bytes): %zu, want %zu", b[0], b[1], b[2], b[3], avail, got, want);
            if (!got && (bad < 1 || bad > avail || bad > 3)) ck_abort_msg("%02x %02x %02x: maximal subpart %zu", b[0], b[1], b[2], bad);
            if (b[0] < 0x80) break;
        }
    }
    for (int c = 0; c < 256; c++)
        ck_assert_int_eq(rgp_json_plain[c], c >= 0x20 && c < 0x80 && c != '"' && c != '\\');
}
END_TEST

Suite *std_suite(void)
{
    Suite *s = suite_create("std");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_part_memo);
    tcase_add_test(tc, test_text_i64_base);
    tcase_add_test(tc, test_parse_int_random);
    tcase_add_test(tc, test_parse_i32);
    tcase_add_test(tc, test_parse_i64);
    tcase_add_test(tc, test_parse_u32);
    tcase_add_test(tc, test_parse_u64);
    tcase_add_test(tc, test_parse_int_bounded);
    tcase_add_test(tc, test_parse_f64);
    tcase_add_test(tc, test_parse_f64_long);
    tcase_add_test(tc, test_parse_f64_bounded);
    tcase_add_test(tc, test_parse_f64_matches_strtod);
    tcase_add_test(tc, test_parse_bool);
    tcase_add_test(tc, test_status_text);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse_long");   /* millions of decimals, every short UTF-8 sequence: seconds, not milliseconds */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse_f64_long_decimals);
    tcase_add_test(tc, test_utf8_seq);
    suite_add_tcase(s, tc);

    tc = tcase_create("ops");
    tcase_add_test(tc, test_str);
    tcase_add_test(tc, test_str_keep_buf);
    tcase_add_test(tc, test_div_mod);
    tcase_add_test(tc, test_wrapping);
    tcase_add_test(tc, test_min_max_abs_int);
    tcase_add_test(tc, test_min_max_abs_f64);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_test(tc, test_time_trunc_extremes);
    tcase_add_test(tc, test_time_arith_extremes);
    tcase_add_test(tc, test_time_reached_extremes);
    suite_add_tcase(s, tc);
    return s;
}
