/* syslog.h - parses one syslog message, RFC 5424 or RFC 3164, into its parts
 * (runtime/syslog_fields.h) for syslog(SCHEMA) sources (issue 12 item 4).
 * The parts are slices of the message: no allocation, no copy. Timestamps go
 * through stdlib/rgp_time.h. A message that is neither form is refused with
 * the column where it went wrong and what was expected there. */
#ifndef RGP_SYSLOG_H
#define RGP_SYSLOG_H

#include <stdint.h>
#include <string.h>
#include <time.h>
#include "rgp_std.h"
#include "syslog_fields.h"

typedef struct rgp_syslog_msg {
    int version;                      /* 1: RFC 5424; 0: RFC 3164 */
    int facility, severity;           /* PRI / 8 and PRI % 8 */
    int64_t ts;                       /* epoch ms, when TS is not nil */
    rgp_str text[RGP_SYSLOG_NPARTS];  /* each part as text (TS as written; SEVERITY, FACILITY: their names) */
    unsigned nil;                     /* bit 1u << part: the part is nil ("-") or the message has none */
} rgp_syslog_msg;

/* RFC 5424 6.2.1, table 2, with the keywords syslog.conf uses for them. */
static const char *const rgp_syslog_facility_names[24] = {
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv", "ftp",
    "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"};
/* RFC 5424 6.2.1, table 3. */
static const char *const rgp_syslog_severity_names[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

#define RGP__SYSLOG_FAIL(where, what) do { *at = (size_t)((where) - p); *why = (what); return -1; } while (0)

/* The year of an RFC 3164 stamp, which has none: the current one (UTC), or
 * the one before when that would put the stamp more than 31 days ahead of
 * now (a December message read in January). mon 1..12. */
static inline int64_t rgp_syslog_guess_year(int mon, int day, int64_t now_s)
{
    int64_t y;
    int m, d;
    rgp_civil_from_days(now_s / 86400, &y, &m, &d);
    if (rgp_days_from_civil(y, mon, day) - now_s / 86400 > 31) y--;
    return y;
}

/* A token of printable US-ASCII up to the next space (RFC 5424's 1*NN PRINTUSASCII). */
static inline const char *rgp__syslog_token(const char *s, const char *end, size_t max, rgp_str *out)
{
    const char *t = s;
    while (t < end && (unsigned char)*t > 32 && (unsigned char)*t < 127) t++;
    if (t == s || (size_t)(t - s) > max) return NULL;
    *out = (rgp_str){s, (size_t)(t - s)};
    return t;
}

/* RFC 5424 STRUCTURED-DATA after its first '[': elements up to the last ']'
 * of the run, with ']' , '"' and '\' escaped inside quoted values. Returns
 * the end, or NULL (with *at) when an element is not closed. */
static inline const char *rgp__syslog_sd(const char *s, const char *end)
{
    while (s < end && *s == '[') {
        const char *id = ++s;
        while (s < end && *s != ' ' && *s != ']' && *s != '=' && *s != '"') s++;
        if (s == id) return NULL;   /* an SD-ID is at least one character */
        int quoted = 0;
        for (; s < end; s++) {
            if (quoted && *s == '\\' && s + 1 < end) s++;
            else if (*s == '"') quoted = !quoted;
            else if (!quoted && *s == ']') break;
        }
        if (s == end) return NULL;
        s++;
    }
    return s;
}

/* RFC 5424 after "<PRI>1 ": TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD [SP MSG]. */
static inline int rgp__syslog_5424(const char *p, const char *s, const char *end, rgp_syslog_msg *m, const char **why, size_t *at)
{
    static const struct { rgp_syslog_part part; size_t max; const char *what; } head[] = {
        {RGP_SYSLOG_HOST, 255, "expected a HOSTNAME or -"}, {RGP_SYSLOG_APP, 48, "expected an APP-NAME (1 to 48 characters) or -"},
        {RGP_SYSLOG_PID, 128, "expected a PROCID (1 to 128 characters) or -"}, {RGP_SYSLOG_MSGID, 32, "expected a MSGID (1 to 32 characters) or -"},
    };
    rgp_str t;
    const char *e = rgp__syslog_token(s, end, 64, &t);
    if (!e) RGP__SYSLOG_FAIL(s, "expected a TIMESTAMP (RFC 3339, as 2003-10-11T22:14:15.003Z) or -");
    m->text[RGP_SYSLOG_TS] = t;
    if (t.len == 1 && *t.ptr == '-') m->nil |= 1u << RGP_SYSLOG_TS;
    else if (t.len < 19 || t.ptr[10] != 'T' || rgp_parse_iso_time(t.ptr, t.len, &m->ts) != RGP_PARSE_OK)
        RGP__SYSLOG_FAIL(s, "expected a TIMESTAMP (RFC 3339, as 2003-10-11T22:14:15.003Z) or -");
    s = e;
    for (size_t i = 0; i < sizeof head / sizeof head[0]; i++) {
        if (s >= end || *s != ' ') RGP__SYSLOG_FAIL(s, "expected a space between header fields");
        s++;
        if (!(e = rgp__syslog_token(s, end, head[i].max, &t))) RGP__SYSLOG_FAIL(s, head[i].what);
        m->text[head[i].part] = t;
        if (t.len == 1 && *t.ptr == '-') m->nil |= 1u << head[i].part;
        s = e;
    }
    if (s >= end || *s != ' ') RGP__SYSLOG_FAIL(s, "expected a space before STRUCTURED-DATA");
    s++;
    if (s < end && *s == '-') {
        m->nil |= 1u << RGP_SYSLOG_SD;
        e = s + 1;
    } else if (s < end && *s == '[') {
        if (!(e = rgp__syslog_sd(s, end))) RGP__SYSLOG_FAIL(s, "STRUCTURED-DATA: an element [SD-ID PARAM=\"VALUE\"...] is not closed by ']'");
        m->text[RGP_SYSLOG_SD] = (rgp_str){s, (size_t)(e - s)};
    } else {
        RGP__SYSLOG_FAIL(s, "expected STRUCTURED-DATA: [SD-ID ...] or -");
    }
    s = e;
    if (s < end && *s != ' ') RGP__SYSLOG_FAIL(s, "expected a space before MSG after STRUCTURED-DATA");
    if (s < end) s++;
    if (end - s >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;   /* MSG-UTF8 starts with a BOM */
    if (s == end && s[-1] != ' ') m->nil |= 1u << RGP_SYSLOG_MESSAGE;
    m->text[RGP_SYSLOG_MESSAGE] = (rgp_str){s, (size_t)(end - s)};
    return 0;
}

/* RFC 3164 TAG at s: up to 32 characters other than space, ':' and '[', then
 * "[PID]" or not, then ':' and a space (or the end). 1 with APP (and PID)
 * set and *after past it; 0 if s holds no TAG. */
static inline int rgp__syslog_tag(const char *s, const char *end, rgp_syslog_msg *m, const char **after)
{
    const char *t = s, *pid = NULL, *pid_end = NULL;
    while (t < end && *t != ' ' && *t != ':' && *t != '[' && t - s <= 32) t++;
    if (t == s || t - s > 32) return 0;
    const char *tag_end = t;
    if (t < end && *t == '[') {
        pid = ++t;
        while (t < end && *t != ']' && *t != ' ') t++;
        if (t == end || *t != ']') return 0;
        pid_end = t++;
    }
    if (t == end || *t != ':' || (t + 1 < end && t[1] != ' ')) return 0;
    m->text[RGP_SYSLOG_APP] = (rgp_str){s, (size_t)(tag_end - s)};
    m->nil &= ~(1u << RGP_SYSLOG_APP);
    if (pid_end > pid) {
        m->text[RGP_SYSLOG_PID] = (rgp_str){pid, (size_t)(pid_end - pid)};
        m->nil &= ~(1u << RGP_SYSLOG_PID);
    }
    *after = t + 1 < end ? t + 2 : end;
    return 1;
}

/* RFC 3164 after "<PRI>": Mmm dd hh:mm:ss SP [HOSTNAME SP] [TAG[ "[" PID "]" ] ":" SP] MSG. */
static inline int rgp__syslog_3164(const char *p, const char *s, const char *end, int64_t year, rgp_syslog_msg *m,
                                   const char **why, size_t *at)
{
    static const char bad_stamp[] = "expected RFC 5424's version \"1 \" or an RFC 3164 TIMESTAMP (Mmm dd hh:mm:ss) after <PRI>";
    int mon = 0;
    if (end - s < 16) RGP__SYSLOG_FAIL(s, bad_stamp);
    for (int i = 0; i < 12; i++)
        if (!memcmp(s, rgp__month_names[i], 3)) mon = i + 1;
    const char *c = s + 4;
    int day = c[0] == ' ' ? 0 : (unsigned)(c[0] - '0') < 10 ? c[0] - '0' : -1;
    if (!mon || s[3] != ' ' || day < 0 || (unsigned)(c[1] - '0') > 9 || c[2] != ' ' || c[5] != ':' || c[8] != ':' || c[11] != ' ')
        RGP__SYSLOG_FAIL(s, bad_stamp);
    day = day * 10 + (c[1] - '0');
    int hms[3];
    for (int i = 0; i < 3; i++) {
        const char *d = c + 3 + 3 * i;
        if ((unsigned)(d[0] - '0') > 9 || (unsigned)(d[1] - '0') > 9) RGP__SYSLOG_FAIL(s, bad_stamp);
        hms[i] = (d[0] - '0') * 10 + (d[1] - '0');
    }
    if (year < 0) year = rgp_syslog_guess_year(mon, day, (int64_t)time(NULL));
    if (day < 1 || day > rgp_days_in_month(year, mon) || hms[0] > 23 || hms[1] > 59 || hms[2] > 60)
        RGP__SYSLOG_FAIL(s, "the TIMESTAMP is not a time of that year");
    m->ts = rgp__epoch_ms(year, mon, day, hms[0], hms[1], hms[2], 0, 0);
    m->text[RGP_SYSLOG_TS] = (rgp_str){s, 15};
    m->nil |= 1u << RGP_SYSLOG_MSGID | 1u << RGP_SYSLOG_SD | 1u << RGP_SYSLOG_PID | 1u << RGP_SYSLOG_APP | 1u << RGP_SYSLOG_HOST;
    s += 16;
    /* a TAG ends in ':' (or "[PID]:"); a word before it is the HOSTNAME */
    if (!rgp__syslog_tag(s, end, m, &s)) {
        const char *w = s;
        while (s < end && *s != ' ') s++;
        m->text[RGP_SYSLOG_HOST] = (rgp_str){w, (size_t)(s - w)};
        if (s > w) m->nil &= ~(1u << RGP_SYSLOG_HOST);
        if (s < end) s++;
        rgp__syslog_tag(s, end, m, &s);   /* else there is no TAG: all the rest is MSG */
    }
    m->text[RGP_SYSLOG_MESSAGE] = (rgp_str){s, (size_t)(end - s)};
    return 0;
}

/* Parses p[0..n) into *m: 0, or -1 with *why (a sentence) and *at (the byte
 * offset where it went wrong). year: the year of RFC 3164 stamps, or -1 for
 * rgp_syslog_guess_year. A final "\n" or "\r\n" is not part of MSG. */
static inline int rgp_syslog_parse(const char *p, size_t n, int64_t year, rgp_syslog_msg *m, const char **why, size_t *at)
{
    const char *s = p, *end = p + n;
    memset(m, 0, sizeof *m);
    if (end > s && end[-1] == '\n') end--;
    if (end > s && end[-1] == '\r') end--;
    if (s == end) RGP__SYSLOG_FAIL(s, "an empty message");
    if (*s != '<') RGP__SYSLOG_FAIL(s, "expected '<' and the PRI, as in <34>");
    int pri = 0, digits = 0;
    for (s++; s < end && (unsigned)(*s - '0') < 10 && digits < 3; s++, digits++) pri = pri * 10 + (*s - '0');
    if (!digits || s >= end || *s != '>' || pri > 191) RGP__SYSLOG_FAIL(p + 1, "expected a PRI from 0 to 191 closed by '>', as in <34>");
    s++;
    m->facility = pri >> 3;
    m->severity = pri & 7;
    m->text[RGP_SYSLOG_FACILITY] = (rgp_str){rgp_syslog_facility_names[m->facility], strlen(rgp_syslog_facility_names[m->facility])};
    m->text[RGP_SYSLOG_SEVERITY] = (rgp_str){rgp_syslog_severity_names[m->severity], strlen(rgp_syslog_severity_names[m->severity])};
    if (end - s >= 2 && s[0] == '1' && s[1] == ' ') {
        m->version = 1;
        return rgp__syslog_5424(p, s + 2, end, m, why, at);
    }
    return rgp__syslog_3164(p, s, end, year, m, why, at);
}

#undef RGP__SYSLOG_FAIL
#endif
