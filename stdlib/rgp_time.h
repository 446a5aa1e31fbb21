/* Time text in and out: epoch milliseconds from ISO 8601 / RFC 3339 text and from
 * strptime-style formats, and back. Our own code rather than libc's strptime: no
 * locale, no time zone database, the same answer on every machine. Calendar
 * arithmetic is days-from-civil (proleptic Gregorian, eras of 400 years), so the
 * only table is the month names. Included by rgp_std.h; the compiler includes it
 * too, to check FORMAT literals with the same code that runs them. */
#ifndef RGP_TIME_H
#define RGP_TIME_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Status codes, shared with rgp_parse_i64 in rgp_std.h. */
#ifndef RGP_PARSE_CODES
#define RGP_PARSE_CODES
enum { RGP_PARSE_OK = 0, RGP_PARSE_EMPTY, RGP_PARSE_SYNTAX, RGP_PARSE_RANGE };
#endif

/* Days since 1970-01-01 of a civil date (m 1..12, d 1..31). */
static inline int64_t rgp_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The civil date of a day number (the inverse of rgp_days_from_civil). */
static inline void rgp_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static inline bool rgp_is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static inline int rgp_days_in_month(int64_t y, int m)
{
    return m == 2 ? 28 + rgp_is_leap(y) : 30 + ((m + (m > 7)) & 1);
}

static const char rgp__month_names[12][10] = {"January", "February", "March", "April", "May", "June",
                                              "July", "August", "September", "October", "November", "December"};

/* Up to max digits at *p (at least one); the value, or -1 for none. */
static inline int64_t rgp__digits(const char **p, const char *end, int max)
{
    const char *s = *p;
    int64_t v = 0;
    int n = 0;
    while (n < max && s < end && (unsigned)(*s - '0') < 10) v = v * 10 + (*s++ - '0'), n++;
    if (!n) return -1;
    *p = s;
    return v;
}

/* Exactly n digits at *p, or -1. */
static inline int64_t rgp__digits_exact(const char **p, const char *end, int n)
{
    const char *s = *p;
    if (end - s < n) return -1;
    int64_t v = 0;
    for (int i = 0; i < n; i++) {
        if ((unsigned)(s[i] - '0') >= 10) return -1;
        v = v * 10 + (s[i] - '0');
    }
    *p = s + n;
    return v;
}

/* Fraction digits after the point, as milliseconds (further digits are truncated). */
static inline int64_t rgp__fraction_ms(const char **p, const char *end)
{
    const char *s = *p;
    int64_t ms = 0;
    int n = 0;
    for (; s < end && (unsigned)(*s - '0') < 10; s++, n++)
        if (n < 3) ms = ms * 10 + (*s - '0');
    if (!n) return -1;
    for (; n < 3; n++) ms *= 10;
    *p = s;
    return ms;
}

/* A UTC offset: Z, +HH, +HHMM or +HH:MM (or -). Minutes east of UTC, or INT32_MIN. */
static inline int rgp__offset(const char **p, const char *end)
{
    const char *s = *p;
    if (s < end && (*s == 'Z' || *s == 'z')) { *p = s + 1; return 0; }
    if (s >= end || (*s != '+' && *s != '-')) return INT32_MIN;
    int sign = *s++ == '-' ? -1 : 1;
    int64_t h = rgp__digits_exact(&s, end, 2), m = 0;
    if (h < 0 || h > 23) return INT32_MIN;
    if (s < end && *s == ':') {
        s++;
        if ((m = rgp__digits_exact(&s, end, 2)) < 0) return INT32_MIN;
    } else if (end - s >= 2 && (unsigned)(*s - '0') < 10) {
        m = rgp__digits_exact(&s, end, 2);
    }
    if (m < 0 || m > 59) return INT32_MIN;
    *p = s;
    return sign * (int)(h * 60 + m);
}

/* Epoch ms of a checked civil time, less the offset in minutes. */
static inline int64_t rgp__epoch_ms(int64_t y, int mo, int d, int h, int mi, int s, int64_t ms, int off_min)
{
    return ((rgp_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) - off_min * 60) * 1000 + ms;
}

/* ISO 8601 / RFC 3339: YYYY-MM-DD, then T (or t, or a space) HH:MM[:SS[.fff]], then
 * Z or an offset; no offset is UTC. A date alone is its midnight, UTC. */
static inline int rgp__parse_iso_time_slow(const char *p, size_t len, int64_t *out);
static inline int rgp__d2(const char *p) { return (p[0] - '0') * 10 + (p[1] - '0'); }
static inline int rgp_parse_iso_time(const char *p, size_t len, int64_t *out)
{
    /* the usual YYYY-MM-DDTHH:MM:SS, its digits at fixed places, checked all at once */
    if (len < 19 || p[4] != '-' || p[7] != '-' || p[13] != ':' || p[16] != ':') return rgp__parse_iso_time_slow(p, len, out);
#define RGP__ND(i) ((unsigned)(p[i] - '0') > 9)   /* written out: a loop here costs half the parse */
    unsigned bad = RGP__ND(0) | RGP__ND(1) | RGP__ND(2) | RGP__ND(3) | RGP__ND(5) | RGP__ND(6) | RGP__ND(8) | RGP__ND(9) |
                   RGP__ND(11) | RGP__ND(12) | RGP__ND(14) | RGP__ND(15) | RGP__ND(17) | RGP__ND(18);
#undef RGP__ND
    char sep = p[10];
    if (bad || (sep != 'T' && sep != 't' && sep != ' ')) return rgp__parse_iso_time_slow(p, len, out);
    int64_t y = rgp__d2(p) * 100 + rgp__d2(p + 2), ms = 0;
    int mo = rgp__d2(p + 5), d = rgp__d2(p + 8), h = rgp__d2(p + 11), mi = rgp__d2(p + 14), sec = rgp__d2(p + 17), off = 0;
    const char *s = p + 19, *end = p + len;
    if (s < end && (*s == '.' || *s == ',')) {
        s++;
        if (end - s >= 4 && (unsigned)(s[0] - '0') <= 9 && (unsigned)(s[1] - '0') <= 9 && (unsigned)(s[2] - '0') <= 9 &&
            (unsigned)(s[3] - '0') > 9)   /* the usual .fff */
            ms = rgp__d2(s) * 10 + (s[2] - '0'), s += 3;
        else if ((ms = rgp__fraction_ms(&s, end)) < 0) return RGP_PARSE_SYNTAX;
    }
    if (s < end) {
        if (*s == 'Z' || *s == 'z') s++;
        else if ((off = rgp__offset(&s, end)) == INT32_MIN) return RGP_PARSE_SYNTAX;
        if (s != end) return RGP_PARSE_SYNTAX;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > rgp_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60) return RGP_PARSE_RANGE;
    *out = rgp__epoch_ms(y, mo, d, h, mi, sec, ms, off);
    return RGP_PARSE_OK;
}

/* Every other form: no seconds, a date alone, or text that is not ISO at all. */
static inline int rgp__parse_iso_time_slow(const char *p, size_t len, int64_t *out)
{
    const char *s = p, *end = p + len;
    int64_t y = rgp__digits_exact(&s, end, 4), mo, d, h = 0, mi = 0, sec = 0, ms = 0;
    int off = 0;
    if (y < 0 || s >= end || *s++ != '-' || (mo = rgp__digits_exact(&s, end, 2)) < 0 || s >= end || *s++ != '-' ||
        (d = rgp__digits_exact(&s, end, 2)) < 0)
        return RGP_PARSE_SYNTAX;
    if (s < end) {
        if (*s != 'T' && *s != 't' && *s != ' ') return RGP_PARSE_SYNTAX;
        s++;
        if ((h = rgp__digits_exact(&s, end, 2)) < 0 || s >= end || *s++ != ':' || (mi = rgp__digits_exact(&s, end, 2)) < 0)
            return RGP_PARSE_SYNTAX;
        if (s < end && *s == ':') {
            s++;
            if ((sec = rgp__digits_exact(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX;
            if (s < end && (*s == '.' || *s == ',')) {
                s++;
                if ((ms = rgp__fraction_ms(&s, end)) < 0) return RGP_PARSE_SYNTAX;
            }
        }
        if (s < end && (off = rgp__offset(&s, end)) == INT32_MIN) return RGP_PARSE_SYNTAX;
        if (s != end) return RGP_PARSE_SYNTAX;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > rgp_days_in_month(y, (int)mo) || h > 23 || mi > 59 || sec > 60)
        return RGP_PARSE_RANGE;
    *out = rgp__epoch_ms(y, (int)mo, (int)d, (int)h, (int)mi, (int)sec, ms, off);
    return RGP_PARSE_OK;
}

/* The current year in UTC: the year of a syslog stamp, which has none. */
static inline int64_t rgp_current_year(void)
{
    int64_t y;
    int m, d;
    rgp_civil_from_days((int64_t)time(NULL) / 86400, &y, &m, &d);
    return y;
}

/* The directives FORMAT strings take, for parse_time and format_time alike. */
#define RGP_TIME_DIRECTIVES "YymdejHMSfzbsTF%"   /* and %:z */

/* Checks a FORMAT: the offset of its first bad directive, or -1 when it is good. */
static inline long rgp_time_format_check(const char *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (f[i] != '%') continue;
        if (i + 2 < n && f[i + 1] == ':' && f[i + 2] == 'z') { i += 2; continue; }   /* %:z, +hh:mm */
        if (i + 1 >= n || !f[i + 1] || !strchr(RGP_TIME_DIRECTIVES, f[i + 1])) return (long)i;
        i++;
    }
    return -1;
}

/* The parsing state of a FORMAT scan. */
typedef struct rgp__tm { int64_t y, epoch_ms; int mo, d, h, mi, s, yday, off; int64_t ms; bool has_y, has_epoch; } rgp__tm;

static inline int rgp__scan(const char *f, size_t fn, const char **sp, const char *end, rgp__tm *t)
{
    const char *s = *sp;
    int64_t v;
    for (size_t i = 0; i < fn; i++) {
        char c = f[i];
        if (c == ' ') {   /* a space matches any run of blanks, even none */
            while (s < end && (*s == ' ' || *s == '\t')) s++;
            continue;
        }
        if (c != '%' || i + 1 >= fn) {
            if (s >= end || *s != c) return RGP_PARSE_SYNTAX;
            s++;
            continue;
        }
        if (f[i + 1] == ':' && i + 2 < fn) i++;   /* %:z reads as %z */
        switch (f[++i]) {
        case 'Y': if ((v = rgp__digits(&s, end, 4)) < 0) return RGP_PARSE_SYNTAX; t->y = v, t->has_y = true; break;
        case 'y': if ((v = rgp__digits_exact(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->y = v + (v < 69 ? 2000 : 1900), t->has_y = true; break;
        case 'm': if ((v = rgp__digits(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->mo = (int)v; break;
        case 'e': if (s < end && *s == ' ') s++; /* fall through */
        case 'd': if ((v = rgp__digits(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->d = (int)v; break;
        case 'j': if ((v = rgp__digits(&s, end, 3)) < 0) return RGP_PARSE_SYNTAX; t->yday = (int)v; break;
        case 'H': if ((v = rgp__digits(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->h = (int)v; break;
        case 'M': if ((v = rgp__digits(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->mi = (int)v; break;
        case 'S': if ((v = rgp__digits(&s, end, 2)) < 0) return RGP_PARSE_SYNTAX; t->s = (int)v; break;
        case 'f': if ((v = rgp__fraction_ms(&s, end)) < 0) return RGP_PARSE_SYNTAX; t->ms = v; break;
        case 'z': if ((t->off = rgp__offset(&s, end)) == INT32_MIN) return RGP_PARSE_SYNTAX; break;
        case 'b': {   /* Jan or January, any case */
            int k = 0;
            for (; k < 12; k++) {
                const char *name = rgp__month_names[k];
                if (end - s >= 3 && (s[0] | 32) == (name[0] | 32) && (s[1] | 32) == name[1] && (s[2] | 32) == name[2]) break;
            }
            if (k == 12) return RGP_PARSE_SYNTAX;
            size_t full = strlen(rgp__month_names[k]), j = 3;
            while (j < full && s + j < end && (s[j] | 32) == rgp__month_names[k][j]) j++;
            s += j == full ? full : 3;
            t->mo = k + 1;
            break;
        }
        case 's': {   /* epoch seconds, maybe negative, maybe with a fraction */
            bool neg = s < end && *s == '-';
            if (neg) s++;
            if ((v = rgp__digits(&s, end, 15)) < 0) return RGP_PARSE_SYNTAX;
            int64_t ms = 0;
            if (s + 1 < end && *s == '.' && (unsigned)(s[1] - '0') < 10) s++, ms = rgp__fraction_ms(&s, end);
            t->epoch_ms = neg ? -(v * 1000 + ms) : v * 1000 + ms;
            t->has_epoch = true;
            break;
        }
        case 'T': { int rc = rgp__scan("%H:%M:%S", 8, &s, end, t); if (rc) return rc; break; }
        case 'F': { int rc = rgp__scan("%Y-%m-%d", 8, &s, end, t); if (rc) return rc; break; }
        case '%': if (s >= end || *s != '%') return RGP_PARSE_SYNTAX; s++; break;
        default: return RGP_PARSE_SYNTAX;   /* rgp_time_format_check turns these away at compile time */
        }
    }
    *sp = s;
    return RGP_PARSE_OK;
}

/* Text read with FORMAT (see docs/language.md, "Time text"). Fields the format
 * lacks are their smallest (month 1, day 1, 00:00:00, UTC); a missing year is the
 * current one (year < 0) or the one given. The whole text must match. */
static inline int rgp_parse_time_format(const char *p, size_t len, const char *f, size_t fn, int64_t year, int64_t *out)
{
    if (!len) return RGP_PARSE_EMPTY;
    rgp__tm t = {0};
    t.mo = 1, t.d = 1;
    const char *s = p, *end = p + len;
    int rc = rgp__scan(f, fn, &s, end, &t);
    if (rc) return rc;
    if (s != end) return RGP_PARSE_SYNTAX;
    if (t.has_epoch) { *out = t.epoch_ms; return RGP_PARSE_OK; }
    if (!t.has_y) t.y = year >= 0 ? year : rgp_current_year();
    if (t.yday) {   /* %j: day of the year, 1 = January 1 */
        if (t.yday > 365 + rgp_is_leap(t.y)) return RGP_PARSE_RANGE;
        int64_t days = rgp_days_from_civil(t.y, 1, 1) + t.yday - 1;
        int64_t y;
        rgp_civil_from_days(days, &y, &t.mo, &t.d);
    }
    if (t.mo < 1 || t.mo > 12 || t.d < 1 || t.d > rgp_days_in_month(t.y, t.mo) || t.h > 23 || t.mi > 59 || t.s > 60)
        return RGP_PARSE_RANGE;
    *out = rgp__epoch_ms(t.y, t.mo, t.d, t.h, t.mi, t.s, t.ms, t.off);
    return RGP_PARSE_OK;
}

/* n digits of v, zero-padded, at p. */
static inline char *rgp__time_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) p[i] = (char)('0' + v % 10), v /= 10;
    return p + n;
}

/* t written with FORMAT at a fixed offset (minutes east of UTC) into buf, which
 * holds at least rgp_time_format_size(fn) bytes. The length written. */
static inline size_t rgp_time_format_size(size_t fn) { return fn * 24 + 1; }
static inline size_t rgp_time_format_to(char *buf, int64_t t, const char *f, size_t fn, int off_min)
{
    int64_t local = t + (int64_t)off_min * 60000;
    int64_t ms = local % 1000, secs = local / 1000;
    if (ms < 0) ms += 1000, secs -= 1;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) sod += 86400, days -= 1;
    int64_t y;
    int m, d;
    rgp_civil_from_days(days, &y, &m, &d);
    char *p = buf;
    for (size_t i = 0; i < fn; i++) {
        if (f[i] != '%' || i + 1 >= fn) { *p++ = f[i]; continue; }
        bool colon = f[i + 1] == ':' && i + 2 < fn;   /* %:z: +hh:mm; %z: +hhmm, as strftime */
        if (colon) i++;
        switch (f[++i]) {
        case 'Y':
            if (y >= 0 && y <= 9999) p = rgp__time_digits(p, y, 4);
            else p += snprintf(p, 24, "%lld", (long long)y);
            break;
        case 'y': p = rgp__time_digits(p, (y % 100 + 100) % 100, 2); break;
        case 'm': p = rgp__time_digits(p, m, 2); break;
        case 'd': p = rgp__time_digits(p, d, 2); break;
        case 'e': *p++ = d < 10 ? ' ' : (char)('0' + d / 10); *p++ = (char)('0' + d % 10); break;
        case 'j': p = rgp__time_digits(p, days - rgp_days_from_civil(y, 1, 1) + 1, 3); break;
        case 'H': p = rgp__time_digits(p, sod / 3600, 2); break;
        case 'M': p = rgp__time_digits(p, sod / 60 % 60, 2); break;
        case 'S': p = rgp__time_digits(p, sod % 60, 2); break;
        case 'f': p = rgp__time_digits(p, ms, 3); break;
        case 'z':
            *p++ = off_min < 0 ? '-' : '+';
            p = rgp__time_digits(p, (off_min < 0 ? -off_min : off_min) / 60, 2);
            if (colon) *p++ = ':';
            p = rgp__time_digits(p, (off_min < 0 ? -off_min : off_min) % 60, 2);
            break;
        case 'b': memcpy(p, rgp__month_names[m - 1], 3); p += 3; break;
        case 's': {   /* the instant, whatever the offset */
            int64_t e = t / 1000 - (t % 1000 < 0);
            p += snprintf(p, 24, "%lld", (long long)e);
            break;
        }
        case 'T': p += rgp_time_format_to(p, t, "%H:%M:%S", 8, off_min); break;
        case 'F': p += rgp_time_format_to(p, t, "%Y-%m-%d", 8, off_min); break;
        default: *p++ = f[i]; break;   /* %%; others are compile errors */
        }
    }
    return (size_t)(p - buf);
}

/* An offset literal such as "+02:00" or "-0530" or "Z": minutes east of UTC, or INT32_MIN. */
static inline int rgp_time_offset_of(const char *p, size_t n)
{
    const char *s = p;
    int off = rgp__offset(&s, p + n);
    return s == p + n ? off : INT32_MIN;
}
#endif /* RGP_TIME_H */
