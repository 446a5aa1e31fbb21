/* csv_scan.h - the field scanners of the one-pass CSV parser (scan_T_csv, which
 * the compiler writes for each schema): each reads one unquoted field in place
 * from p, converts it, and returns where it stopped, at the first byte that is
 * not part of it. The row ends in an LF (rgp_csv_scan_begin), so no scan runs
 * past it. NULL means "not the plain case": the row then goes to the two-pass
 * parser (rgp_csv_next_row and parse_T_csv), which accepts or rejects it and
 * says why. Whatever a scanner accepts, the rgp_parse_* functions give the
 * same value for the same text. */
#ifndef RGP_CSV_SCAN_H
#define RGP_CSV_SCAN_H

#include <stdint.h>
#include <string.h>

#include "rgp_linked.h"
#include "reader.h"
#include "rgp_std.h"

/* The scanners `rgp run` takes compiled from rgp (stdlib/rgp_linked.h). */
#define RGP_CSV_SCAN_LINKED(X)                                   \
    X(const char *, rgp_scan_u64, (const char *p, uint64_t *out)) \
    X(const char *, rgp_scan_u32, (const char *p, uint32_t *out)) \
    X(const char *, rgp_scan_i64, (const char *p, int64_t *out))  \
    X(const char *, rgp_scan_i32, (const char *p, int32_t *out))  \
    X(const char *, rgp_scan_time, (const char *p, int64_t *out)) \
    X(const char *, rgp_scan_f64, (const char *p, double *out))   \
    X(const char *, rgp_scan_text, (const char *p, char delim))

#ifdef RGP_LINKED
RGP_CSV_SCAN_LINKED(RGP_DECLARE_LINKED)
#else
#if (defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)) && !defined(__TINYC__)
#define RGP__SCAN_SWAR 1 /* not tcc: it has no __builtin_ctzll */
/* Eight bytes, each a digit's value 0..9, the first in memory the most
 * significant: the number they write (little-endian, as in rgp__parse_mag). */
static inline uint64_t rgp__scan_swar8(uint64_t v)
{
    v = v * 10 + (v >> 8); /* each even byte: the value of its digit pair */
    return ((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32)) +
            ((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32))) >> 32;
}
#else
#define RGP__SCAN_SWAR 0
#endif

/* The digits at p, as many as there are, into *m (exact up to 19 of them);
 * returns where they end. Byte by byte: most fields are short. */
static inline const char *rgp__scan_digits(const char *p, uint64_t *m)
{
    uint64_t v = *m;
    for (unsigned d; (d = (unsigned)(unsigned char)*p - '0') <= 9; p++)
        v = v * 10 + d;
    *m = v;
    return p;
}

/* The same, eight bytes at a time: for 64-bit integers and times, which are
 * often long (epoch milliseconds have thirteen digits). Each load finds how
 * many of its bytes are digits, and converts them at once. */
static inline const char *rgp__scan_digits_long(const char *p, uint64_t *m)
{
#if RGP__SCAN_SWAR
    static const uint64_t tens[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
    for (;;) {
        uint64_t v, stops;
        memcpy(&v, p, 8);
        v -= UINT64_C(0x3030303030303030);
        /* the high bit of each byte that is no digit: below '0' it wrapped, above
         * '9' adding 0x76 carries into it; a byte after the first such one may be
         * wrong, but only the first counts */
        stops = (v | (v + UINT64_C(0x7676767676767676))) & UINT64_C(0x8080808080808080);
        if (!stops) {
            *m = *m * 100000000 + rgp__scan_swar8(v);
            p += 8;
            continue;
        }
        unsigned n = (unsigned)__builtin_ctzll(stops) >> 3; /* digits before it */
        if (n)
            *m = *m * tens[n] + rgp__scan_swar8(v << (8 * (8 - n))); /* as leading zeros */
        return p + n;
    }
#else
    return rgp__scan_digits(p, m);
#endif
}

/* Unsigned integers: digits only (a sign, and 20 digits, which may not fit,
 * go the two-pass way). */
static inline const char *rgp_scan_u64(const char *p, uint64_t *out)
{
    uint64_t m = 0;
    const char *e = rgp__scan_digits_long(p, &m);
    if (e == p || e - p > 19)
        return NULL;
    *out = m;
    return e;
}

static inline const char *rgp_scan_u32(const char *p, uint32_t *out)
{
    uint64_t m = 0;
    const char *e = rgp__scan_digits(p, &m);
    if (e == p || e - p > 10 || m > UINT32_MAX) /* 10 digits fit in m */
        return NULL;
    *out = (uint32_t)m;
    return e;
}

/* Signed integers: an optional '-', then digits. */
static inline const char *rgp_scan_i64(const char *p, int64_t *out)
{
    int neg = *p == '-';
    uint64_t m;
    if (!(p = rgp_scan_u64(p + neg, &m)) || m > (uint64_t)INT64_MAX + (uint64_t)neg)
        return NULL;
    *out = neg ? (int64_t)(0 - m) : (int64_t)m; /* two's complement: -2^63 too */
    return p;
}

static inline const char *rgp_scan_i32(const char *p, int32_t *out)
{
    int neg = *p == '-';
    uint64_t m = 0;
    const char *d = p + neg, *e = rgp__scan_digits(d, &m);
    if (e == d || e - d > 10 || m > (uint64_t)INT32_MAX + (uint64_t)neg)
        return NULL;
    *out = neg ? (int32_t)(0 - (uint32_t)m) : (int32_t)m; /* two's complement: -2^31 too */
    return e;
}

/* A time as epoch milliseconds; ISO 8601 text stops at its first '-' and goes
 * the two-pass way (rgp_parse_time). */
static inline const char *rgp_scan_time(const char *p, int64_t *out)
{
    return rgp_scan_i64(p, out);
}

/* Floats: [-] digits [. digits] or [-] . digits, converted at once as an
 * integer mantissa over a power of ten when both are exact doubles (at most
 * 2^53 and 10^19 < 10^22: one correctly rounded division, strtod's answer), else by
 * rgp_parse_f64 over the same text (which also takes an exponent). A '+',
 * inf and nan go the two-pass way. */
static inline const char *rgp_scan_f64(const char *p, double *out)
{
    static const double pow10[20] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,
                                     1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19};
    const char *s = p, *d;
    int neg = *p == '-';
    uint64_t m = 0;
    size_t digits, frac = 0;
    p = rgp__scan_digits(d = p + neg, &m);
    digits = (size_t)(p - d);
    if (*p == '.') {
        const char *f = p + 1;
        p = rgp__scan_digits(f, &m);
        frac = (size_t)(p - f);
        digits += frac;
    }
    if (digits == 0)
        return NULL;
    if (*p == 'e' || *p == 'E') { /* the exponent's digits, for rgp_parse_f64 to read */
        const char *x = p + 1;
        x += *x == '+' || *x == '-';
        if ((unsigned)(unsigned char)*x - '0' > 9)
            return NULL;
        while ((unsigned)(unsigned char)*x - '0' <= 9)
            x++;
        p = x;
    } else if (digits <= 19 && m <= (UINT64_C(1) << 53)) { /* m did not wrap; frac <= 19 */
        double v = (double)m / pow10[frac];
        *out = neg ? -v : v;
        return p;
    }
    return rgp_parse_f64(s, (size_t)(p - s), out) == RGP_PARSE_OK ? p : NULL;
}

/* Text: up to the delimiter, the row's LF, or a quote (a field with a quote
 * in it goes the two-pass way, which says whether it is well formed). */
static inline const char *rgp_scan_text(const char *p, char delim)
{
#if RGP__CSV_SSE2
    /* 16 bytes at a time: the reader's padding lets a load start at any byte up
     * to the LF at end (reader.h) */
    __m128i d = _mm_set1_epi8(delim), lf = _mm_set1_epi8('\n'), quote = _mm_set1_epi8('"');
    for (;; p += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned hits = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, quote)));
        if (hits)
            return p + __builtin_ctz(hits);
    }
#else
    while (*p != delim && *p != '\n' && *p != '"')
        p++;
    return p;
#endif
}

#endif /* RGP_LINKED */

#endif /* RGP_CSV_SCAN_H */
