/* check_time.c - unit tests for stdlib/rgp_time.h: the ISO and FORMAT parsers
 * against a brute-force calendar that counts every second (or minute) of its
 * years one by one, every directive, offsets, fractions, bad text, and
 * format_time round trips. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rgp_std.h"

/* The reference: a calendar that steps one unit at a time, with leap years by the rule. */
typedef struct clock_ref { int y, mo, d, h, mi, s; int64_t epoch_s; } clock_ref;

static int ref_month_days(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return days[m - 1] + (m == 2 && leap);
}

static void ref_step(clock_ref *c, int secs)   /* secs is 1 or 60 */
{
    c->epoch_s += secs;
    if (secs == 1 && ++c->s < 60) return;
    c->s = secs == 1 ? 0 : c->s;
    if (++c->mi < 60) return;
    c->mi = 0;
    if (++c->h < 24) return;
    c->h = 0;
    if (++c->d <= ref_month_days(c->y, c->mo)) return;
    c->d = 1;
    if (++c->mo <= 12) return;
    c->mo = 1, c->y++;
}

/* The reference's start: January 1 of year y, its epoch seconds counted by whole years. */
static clock_ref ref_at_year(int y)
{
    clock_ref c = {1970, 1, 1, 0, 0, 0, 0};
    for (int k = 1970; k < y; k++) c.epoch_s += (365 + (ref_month_days(k, 2) == 29)) * 86400LL;
    for (int k = y; k < 1970; k++) c.epoch_s -= (365 + (ref_month_days(k, 2) == 29)) * 86400LL;
    c.y = y;
    return c;
}

static char *two(char *p, int v) { p[0] = (char)('0' + v / 10), p[1] = (char)('0' + v % 10); return p + 2; }

static const char *mon3[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Every unit of the years [from, to): ISO text and an nginx stamp parse to the reference's count. */
static void sweep(int from, int to, int step)
{
    clock_ref c = ref_at_year(from);
    static const char nginx[] = "[%d/%b/%Y:%H:%M:%S %z]";
    long n = 0;
    while (c.y < to) {
        char iso[32], *p = iso;
        p += snprintf(p, 8, "%04d-", c.y);
        p = two(p, c.mo), *p++ = '-', p = two(p, c.d), *p++ = 'T';
        p = two(p, c.h), *p++ = ':', p = two(p, c.mi), *p++ = ':', p = two(p, c.s), *p++ = 'Z';
        int64_t got = -1;
        /* plain ifs in the loop: each ck_assert writes to Check's pipe */
        if (rgp_parse_time(iso, (size_t)(p - iso), &got) != RGP_PARSE_OK || got != c.epoch_s * 1000) ck_abort_msg("%.*s gave %lld, expected %lld", (int)(p - iso), iso, (long long)got, (long long)c.epoch_s * 1000);
        if (n++ % 97 == 0) {   /* the FORMAT interpreter, on a sample, at -07:00 */
            char line[40];
            int k = snprintf(line, sizeof line, "[%02d/%s/%04d:%02d:%02d:%02d -0700]", c.d, mon3[c.mo - 1], c.y, c.h, c.mi, c.s);
            if (rgp_parse_time_format(line, (size_t)k, nginx, sizeof nginx - 1, -1, &got) != RGP_PARSE_OK || got != (c.epoch_s + 7 * 3600) * 1000)
                ck_abort_msg("%s gave %lld", line, (long long)got);
            char back[64];
            size_t m = rgp_time_format_to(back, got, nginx, sizeof nginx - 1, -7 * 60);
            if ((int)m != k || memcmp(back, line, m)) ck_abort_msg("%s wrote back as %.*s", line, (int)m, back);
        }
        ref_step(&c, step);
    }
}

START_TEST(test_every_second_1969_1971) { sweep(1969, 1972, 1); }
END_TEST
START_TEST(test_every_second_2023_2025) { sweep(2023, 2026, 1); }
END_TEST
START_TEST(test_every_minute_century_years) { sweep(1899, 1901, 60); sweep(1999, 2001, 60); sweep(2099, 2101, 60); }
END_TEST

static int64_t iso(const char *s, int want_rc)
{
    int64_t v = INT64_MIN;
    ck_assert_msg(rgp_parse_time(s, strlen(s), &v) == want_rc, "%s: rc %d", s, rgp_parse_time(s, strlen(s), &v));
    return v;
}

START_TEST(test_iso_forms)
{
    ck_assert_int_eq(iso("2026-01-01T10:00:00Z", 0), 1767261600000);
    ck_assert_int_eq(iso("2026-01-01t10:00:00z", 0), 1767261600000);
    ck_assert_int_eq(iso("2026-01-01 10:00:00", 0), 1767261600000);   /* no offset: UTC */
    ck_assert_int_eq(iso("2026-01-01T10:00", 0), 1767261600000);
    ck_assert_int_eq(iso("2026-01-01", 0), 1767225600000);
    ck_assert_int_eq(iso("2026-01-01T10:00:00.123+02:00", 0), 1767261600123 - 7200000);
    ck_assert_int_eq(iso("2026-01-01T10:00:00.1-0130", 0), 1767261600100 + 5400000);
    ck_assert_int_eq(iso("2026-01-01T10:00:00,5+05", 0), 1767261600500 - 18000000);
    ck_assert_int_eq(iso("2026-01-01T10:00:00.123456789Z", 0), 1767261600123);   /* truncated to ms */
    ck_assert_int_eq(iso("1969-12-31T23:59:59.999Z", 0), -1);
    ck_assert_int_eq(iso("2000-02-29T00:00:00Z", 0), 951782400000);
    ck_assert_int_eq(iso("1767261600000", 0), 1767261600000);   /* epoch ms as before */
    ck_assert_int_eq(iso("-5", 0), -5);
    iso("", RGP_PARSE_EMPTY);
    iso("2026-01-01T", RGP_PARSE_SYNTAX);
    iso("2026-01-01T10", RGP_PARSE_SYNTAX);
    iso("2026-01-01T10:00:00.Z", RGP_PARSE_SYNTAX);
    iso("2026-01-01T10:00:00+2", RGP_PARSE_SYNTAX);
    iso("2026-01-01T10:00:00Zjunk", RGP_PARSE_SYNTAX);
    iso("2026-1-01T10:00:00Z", RGP_PARSE_SYNTAX);
    iso("2026/01/01 10:00:00", RGP_PARSE_SYNTAX);
    iso("2026-13-01T10:00:00Z", RGP_PARSE_RANGE);
    iso("2026-02-29T10:00:00Z", RGP_PARSE_RANGE);
    iso("2100-02-29T10:00:00Z", RGP_PARSE_RANGE);
    iso("2026-01-00T10:00:00Z", RGP_PARSE_RANGE);
    iso("2026-01-01T24:00:00Z", RGP_PARSE_RANGE);
    iso("2026-01-01T10:60:00Z", RGP_PARSE_RANGE);
    iso("2026-01-01T10:00:00+24:00", RGP_PARSE_SYNTAX);
}
END_TEST

static int64_t fmt(const char *s, const char *f, int64_t year, int want_rc)
{
    int64_t v = INT64_MIN;
    int rc = rgp_parse_time_format(s, strlen(s), f, strlen(f), year, &v);
    ck_assert_msg(rc == want_rc, "'%s' with '%s': rc %d, expected %d", s, f, rc, want_rc);
    return v;
}

START_TEST(test_directives)
{
    ck_assert_int_eq(fmt("[10/Oct/2000:13:55:36 -0700]", "[%d/%b/%Y:%H:%M:%S %z]", -1, 0), 971211336000);
    ck_assert_int_eq(fmt("Oct 11 22:14:15", "%b %e %H:%M:%S", 2026, 0), fmt("2026-10-11 22:14:15", "%Y-%m-%d %H:%M:%S", -1, 0));
    ck_assert_int_eq(fmt("Oct  1 22:14:15", "%b %e %H:%M:%S", 2026, 0), fmt("2026-10-01T22:14:15", "%FT%T", -1, 0));
    ck_assert_int_eq(fmt("october 1 2026", "%b %e %Y", -1, 0), fmt("2026-10-01", "%F", -1, 0));
    ck_assert_int_eq(fmt("26-060", "%y-%j", -1, 0), fmt("2026-03-01", "%F", -1, 0));
    ck_assert_int_eq(fmt("2024-060", "%Y-%j", -1, 0), fmt("2024-02-29", "%F", -1, 0));
    ck_assert_int_eq(fmt("69-01-01", "%y-%m-%d", -1, 0), fmt("1969-01-01", "%F", -1, 0));
    ck_assert_int_eq(fmt("1767261600.25", "%s", -1, 0), 1767261600250);
    ck_assert_int_eq(fmt("1767261600", "%s", -1, 0), 1767261600000);
    ck_assert_int_eq(fmt("-1.5", "%s", -1, 0), -1500);
    ck_assert_int_eq(fmt("10:00:00.07 Z", "%T.%f %z", 1970, 0), 36000070);
    ck_assert_int_eq(fmt("10%", "%H%%", 1970, 0), 10 * 3600000);
    ck_assert_int_eq(fmt("2026", "%Y", -1, 0), fmt("2026-01-01", "%F", -1, 0));
    /* with no %Y, the current year */
    int64_t y = rgp_current_year();
    char text[32];
    snprintf(text, sizeof text, "%04lld-05-06", (long long)y);
    ck_assert_int_eq(fmt("May 6", "%b %e", -1, 0), fmt(text, "%F", -1, 0));
    fmt("", "%F", -1, RGP_PARSE_EMPTY);
    fmt("2026-01-01 x", "%F", -1, RGP_PARSE_SYNTAX);
    fmt("Foo 1", "%b %e", 2026, RGP_PARSE_SYNTAX);
    fmt("2026-02-30", "%F", -1, RGP_PARSE_RANGE);
    fmt("2025-366", "%Y-%j", -1, RGP_PARSE_RANGE);
    fmt("1.", "%s", -1, RGP_PARSE_SYNTAX);
    fmt("12:00 +7", "%H:%M %z", 2026, RGP_PARSE_SYNTAX);
    ck_assert_int_eq(rgp_time_format_check("%Y-%m-%d %H:%M:%S.%f%z %b %e %j %s %T %F %y %% %:z", strlen("%Y-%m-%d %H:%M:%S.%f%z %b %e %j %s %T %F %y %% %:z")), -1);
    ck_assert_int_eq(rgp_time_format_check("%Y-%q", 5), 3);
    ck_assert_int_eq(rgp_time_format_check("%Y %", 4), 3);
    ck_assert_int_eq(rgp_time_offset_of("+02:00", 6), 120);
    ck_assert_int_eq(rgp_time_offset_of("-0530", 5), -330);
    ck_assert_int_eq(rgp_time_offset_of("Z", 1), 0);
    ck_assert_int_eq(rgp_time_offset_of("+2", 2), INT32_MIN);
}
END_TEST

START_TEST(test_format_round_trip)
{
    static const char f[] = "%Y-%m-%dT%H:%M:%S.%f%:z";
    static const int offsets[] = {0, 120, -330, 14 * 60, -12 * 60};
    uint64_t state = 42;
    char buf[128];
    for (int i = 0; i < 200000; i++) {
        /* years 0000 to 9999 */
        int64_t t = (int64_t)(rgp_splitmix64(&state) % UINT64_C(315537897600000)) - INT64_C(62167219200000);
        int off = offsets[i % 5];
        size_t n = rgp_time_format_to(buf, t, f, sizeof f - 1, off);
        int64_t back;
        if (rgp_parse_time(buf, n, &back) != RGP_PARSE_OK || back != t) ck_abort_msg("%lld wrote %.*s, read back %lld", (long long)t, (int)n, buf, (long long)back);
    }
    size_t n = rgp_time_format_to(buf, 971211336123, "%b %e %j %s %y %T %F %%", strlen("%b %e %j %s %y %T %F %%"), 0);
    ck_assert_str_eq((buf[n] = 0, buf), "Oct 10 284 971211336 00 20:55:36 2000-10-10 %");
    n = rgp_time_format_to(buf, -1, "%F %T.%f %s", strlen("%F %T.%f %s"), 0);
    ck_assert_str_eq((buf[n] = 0, buf), "1969-12-31 23:59:59.999 -1");
    n = rgp_time_format_to(buf, 0, "%e|%z|%:z", 9, -330);
    ck_assert_str_eq((buf[n] = 0, buf), "31|-0530|-05:30");
}
END_TEST

Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_iso_forms);
    tcase_add_test(tc, test_directives);
    tcase_add_test(tc, test_format_round_trip);
    suite_add_tcase(s, tc);
    tc = tcase_create("brute_force");   /* every second of six years: seconds, not milliseconds */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_every_second_1969_1971);
    tcase_add_test(tc, test_every_second_2023_2025);
    tcase_add_test(tc, test_every_minute_century_years);
    suite_add_tcase(s, tc);
    return s;
}
