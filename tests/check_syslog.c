/* check_syslog.c - unit tests for runtime/syslog.h: the example messages of
 * RFC 5424 (section 6.5) and RFC 3164 (section 5.4), what logger(1) sends,
 * nil values, structured data with escapes, the year of RFC 3164 stamps,
 * and malformed messages refused with the column and what was expected. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include "syslog.h"

typedef struct good_case {
    const char *in;
    int64_t year;
    int version, facility, severity;
    const char *ts;   /* ISO text of the expected stamp, or NULL: nil */
    /* the parts as text, "-" for nil (nothing here is the text "-") */
    const char *host, *app, *pid, *msgid, *sd, *message;
} good_case;

static const good_case good[] = {
    /* RFC 5424 6.5, examples 1 to 4 */
    {"<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \xEF\xBB\xBF'su root' failed for lonvick on /dev/pts/8", -1,
     1, 4, 2, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "su", "-", "ID47", "-", "'su root' failed for lonvick on /dev/pts/8"},
    {"<165>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time to make the do-nuts.", -1,
     1, 20, 5, "2003-08-24T12:14:15.000Z", "192.0.2.1", "myproc", "8710", "-", "-", "%% It's time to make the do-nuts."},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
     "eventID=\"1011\"] \xEF\xBB\xBF" "An application event log entry...", -1,
     1, 20, 5, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "evntslog", "-", "ID47",
     "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"]", "An application event log entry..."},
    {"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut=\"3\" eventSource=\"Application\" "
     "eventID=\"1011\"][examplePriority@32473 class=\"high\"]", -1,
     1, 20, 5, "2003-10-11T22:14:15.003Z", "mymachine.example.com", "evntslog", "-", "ID47",
     "[exampleSDID@32473 iut=\"3\" eventSource=\"Application\" eventID=\"1011\"][examplePriority@32473 class=\"high\"]", "-"},
    /* what `logger --rfc5424` sends; an escaped ']' and '"' inside a value */
    {"<13>1 2026-12-07T09:20:48.450405+00:00 vm myapp 42 ID7 [timeQuality tzKnown=\"1\" isSynced=\"0\"][ex@32473 a=\"x\\]y\\\"z\"] hello world", -1,
     1, 1, 5, "2026-12-07T09:20:48.450Z", "vm", "myapp", "42", "ID7", "[timeQuality tzKnown=\"1\" isSynced=\"0\"][ex@32473 a=\"x\\]y\\\"z\"]",
     "hello world"},
    /* every header field nil; an empty MSG after the space; a final newline dropped */
    {"<0>1 - - - - - - \n", -1, 1, 0, 0, NULL, "-", "-", "-", "-", "-", ""},
    /* RFC 3164 5.4, with the year given */
    {"<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8", 2003,
     0, 4, 2, "2003-10-11T22:14:15Z", "mymachine", "su", "-", "-", "-", "'su root' failed for lonvick on /dev/pts/8"},
    /* what `logger --rfc3164` sends; a TAG with its [PID]; a space-padded day */
    {"<155>Dec  7 09:20:48 vm app2[1234]: udp msg", 2026, 0, 19, 3, "2026-12-07T09:20:48Z", "vm", "app2", "1234", "-", "-", "udp msg"},
    /* no HOSTNAME: the first word is the TAG */
    {"<13>Feb 29 00:00:01 cron[7]: leap", 2024, 0, 1, 5, "2024-02-29T00:00:01Z", "-", "cron", "7", "-", "-", "leap"},
    /* no TAG: after the HOSTNAME all is MSG */
    {"<13>Jan  1 00:00:00 host just some text: here", 2025, 0, 1, 5, "2025-01-01T00:00:00Z", "host", "-", "-", "-", "-",
     "just some text: here"},
    {"<191>Mar 03 10:11:12 h a: \r\n", 2025, 0, 23, 7, "2025-03-03T10:11:12Z", "h", "a", "-", "-", "-", ""},
};

static void expect_part(const good_case *c, const rgp_syslog_msg *m, rgp_syslog_part part, const char *want)
{
    if (!strcmp(want, "-")) {
        ck_assert_msg(m->nil & 1u << part, "%s: part %d should be nil, is \"%.*s\"", c->in, part, (int)m->text[part].len,
                      m->text[part].ptr);
        return;
    }
    ck_assert_msg(!(m->nil & 1u << part), "%s: part %d is nil", c->in, part);
    ck_assert_msg(m->text[part].len == strlen(want) && !memcmp(m->text[part].ptr, want, m->text[part].len),
                  "%s: part %d is \"%.*s\", expected \"%s\"", c->in, part, (int)m->text[part].len, m->text[part].ptr, want);
}

START_TEST(test_syslog_good)
{
    const good_case *c = &good[_i];
    rgp_syslog_msg m;
    const char *why = NULL;
    size_t at = 0;
    int rc = rgp_syslog_parse(c->in, strlen(c->in), c->year, &m, &why, &at);
    ck_assert_msg(rc == 0, "%s: refused at %zu: %s", c->in, at, why);
    ck_assert_int_eq(m.version, c->version);
    ck_assert_int_eq(m.facility, c->facility);
    ck_assert_int_eq(m.severity, c->severity);
    if (c->ts) {
        int64_t want;
        ck_assert_int_eq(rgp_parse_iso_time(c->ts, strlen(c->ts), &want), RGP_PARSE_OK);
        ck_assert_msg(!(m.nil & 1u << RGP_SYSLOG_TS), "%s: no timestamp", c->in);
        ck_assert_int_eq(m.ts, want);
    } else {
        ck_assert(m.nil & 1u << RGP_SYSLOG_TS);
    }
    expect_part(c, &m, RGP_SYSLOG_HOST, c->host);
    expect_part(c, &m, RGP_SYSLOG_APP, c->app);
    expect_part(c, &m, RGP_SYSLOG_PID, c->pid);
    expect_part(c, &m, RGP_SYSLOG_MSGID, c->msgid);
    expect_part(c, &m, RGP_SYSLOG_SD, c->sd);
    expect_part(c, &m, RGP_SYSLOG_MESSAGE, c->message);
}
END_TEST

typedef struct bad_case { const char *in; size_t at; const char *why; } bad_case;

static const bad_case bad[] = {
    {"", 0, "an empty message"},
    {"\n", 0, "an empty message"},
    {"hello", 0, "expected '<' and the PRI"},
    {"<>1 - - - - - -", 1, "expected a PRI from 0 to 191"},
    {"<192>1 - - - - - -", 1, "expected a PRI from 0 to 191"},
    {"<1234>1 - - - - - -", 1, "expected a PRI from 0 to 191"},
    {"<34", 1, "expected a PRI from 0 to 191"},
    {"<34>1 2003-10-11 host app - - -", 6, "expected a TIMESTAMP"},
    {"<34>1 2003-13-11T22:14:15Z host app - - -", 6, "expected a TIMESTAMP"},
    {"<34>1 yesterday host app - - -", 6, "expected a TIMESTAMP"},
    {"<34>1 - host", 12, "expected a space between header fields"},
    {"<34>1 - host  - - - -", 13, "expected an APP-NAME"},
    {"<34>1 - host app - - x", 21, "expected STRUCTURED-DATA"},
    {"<34>1 - host app - - [id a=\"1\"", 21, "STRUCTURED-DATA: an element"},
    {"<34>1 - host app - - [id a=\"]\"", 21, "STRUCTURED-DATA: an element"},
    {"<34>1 - host app - - []", 21, "STRUCTURED-DATA: an element"},
    {"<34>1 - host app - - [id]msg", 25, "expected a space before MSG"},
    {"<34>1 - h 0123456789012345678901234567890123456789012345678 - - -", 10, "expected an APP-NAME"},
    {"<34>Oct 11 22:14:15", 4, "expected RFC 5424's version"},
    {"<34>Foo 11 22:14:15 host su: x", 4, "expected RFC 5424's version"},
    {"<34>Oct 11 22-14-15 host su: x", 4, "expected RFC 5424's version"},
    {"<34>Oct 32 22:14:15 host su: x", 4, "the TIMESTAMP is not a time of that year"},
    {"<34>Feb 29 22:14:15 host su: x", 4, "the TIMESTAMP is not a time of that year"},
    {"<34>Oct 11 24:14:15 host su: x", 4, "the TIMESTAMP is not a time of that year"},
    {"<34>2 2003-10-11T22:14:15Z host app - - -", 4, "expected RFC 5424's version"},
};

START_TEST(test_syslog_bad)
{
    const bad_case *c = &bad[_i];
    rgp_syslog_msg m;
    const char *why = NULL;
    size_t at = 999;
    ck_assert_msg(rgp_syslog_parse(c->in, strlen(c->in), 2025, &m, &why, &at) == -1, "%s: accepted", c->in);
    ck_assert_msg(!strncmp(why, c->why, strlen(c->why)), "%s: said \"%s\", expected \"%s...\"", c->in, why, c->why);
    ck_assert_msg(at == c->at, "%s: at %zu, expected %zu", c->in, at, c->at);
}
END_TEST

/* RFC 3164 has no year: the current one, or the last when that is too far ahead. */
START_TEST(test_syslog_year)
{
    int64_t jan2 = rgp_days_from_civil(2027, 1, 2) * 86400 + 3600;
    ck_assert_int_eq(rgp_syslog_guess_year(12, 31, jan2), 2026);   /* last night's message, read today */
    ck_assert_int_eq(rgp_syslog_guess_year(1, 2, jan2), 2027);
    ck_assert_int_eq(rgp_syslog_guess_year(2, 1, jan2), 2027);     /* a clock a month fast still is this year */
    ck_assert_int_eq(rgp_syslog_guess_year(3, 5, jan2), 2026);
    int64_t jul = rgp_days_from_civil(2026, 7, 1) * 86400;
    ck_assert_int_eq(rgp_syslog_guess_year(7, 1, jul), 2026);
    ck_assert_int_eq(rgp_syslog_guess_year(12, 31, jul), 2025);
    /* and year -1 in rgp_syslog_parse uses it with the clock: the stamp is within a year of now */
    rgp_syslog_msg m;
    const char *why;
    size_t at;
    const char *in = "<13>Jan  1 00:00:00 host tag: x";
    ck_assert_int_eq(rgp_syslog_parse(in, strlen(in), -1, &m, &why, &at), 0);
    int64_t now = (int64_t)time(NULL) * 1000;
    ck_assert(m.ts <= now + 32LL * 86400000 && m.ts > now - 366LL * 86400000);
}
END_TEST

/* The names of severities and facilities, and that each table has every value. */
START_TEST(test_syslog_names)
{
    rgp_syslog_msg m;
    const char *why;
    size_t at;
    ck_assert_int_eq(rgp_syslog_parse("<187>1 - - - - - -", 18, -1, &m, &why, &at), 0);
    ck_assert_int_eq(m.facility, 23);
    ck_assert_int_eq(m.severity, 3);
    ck_assert(m.text[RGP_SYSLOG_FACILITY].len == 6 && !memcmp(m.text[RGP_SYSLOG_FACILITY].ptr, "local7", 6));
    ck_assert(m.text[RGP_SYSLOG_SEVERITY].len == 3 && !memcmp(m.text[RGP_SYSLOG_SEVERITY].ptr, "err", 3));
    for (int i = 0; i < 24; i++) ck_assert_ptr_nonnull(rgp_syslog_facility_names[i]);
    for (int i = 0; i < 8; i++) ck_assert_ptr_nonnull(rgp_syslog_severity_names[i]);
}
END_TEST

Suite *syslog_suite(void);
Suite *syslog_suite(void)
{
    Suite *s = suite_create("syslog");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_syslog_good, 0, (int)(sizeof good / sizeof good[0]));
    tcase_add_loop_test(tc, test_syslog_bad, 0, (int)(sizeof bad / sizeof bad[0]));
    tcase_add_test(tc, test_syslog_year);
    tcase_add_test(tc, test_syslog_names);
    suite_add_tcase(s, tc);
    return s;
}
