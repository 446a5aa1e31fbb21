/* rgp_std.h - functions that generated code calls from .rgp expressions:
 * string slices, parsing of field text into typed values, integer arithmetic
 * with defined results, and the builtin functions of compiler/builtins.h (math
 * from libm, which both the JIT and cc builds link).  Compiled by cc and libtcc. */
#ifndef RGP_STD_H
#define RGP_STD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __TINYC__
/* For rgp run: libtcc spends more time reading <math.h> than compiling the
 * whole pipeline, so declare the few functions the runtime calls instead.
 * (cc, for rgp build, reads the real header.) */
double sqrt(double);
double log(double);
double exp(double);
double pow(double, double);
double floor(double);
double ceil(double);
double round(double);
#define HUGE_VAL (1e308 * 10.0)
#else
#include <math.h>
#endif
#include <string.h>
#include <time.h>
#include "rgp_linked.h"
#include "rgp_time.h"
#include "rgp_fixed.h"

/* A byte slice; not NUL-terminated, usually pointing into a reader buffer. */
typedef struct rgp_str {
    const char *ptr;
    size_t len;
} rgp_str;

static inline int rgp_str_eq(rgp_str a, rgp_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* Bytewise (unsigned) order; a proper prefix sorts first. */
static inline int rgp_str_cmp(rgp_str a, rgp_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

/* ---- UTF-8 ----------------------------------------------------------------- */

/* The length of the well-formed UTF-8 sequence at p (avail > 0 bytes there):
 * 1 to 4, as the Unicode standard's table 3-7 allows (no overlong forms, no
 * surrogates, nothing past U+10FFFF).  For an ill-formed one, returns 0 and
 * sets *bad to the length of its maximal subpart (at least 1): the bytes that
 * one U+FFFD replaces, as Unicode recommends. */
static inline size_t rgp_utf8_seq(const unsigned char *p, size_t avail, size_t *bad)
{
    unsigned c = p[0], lo = 0x80, hi = 0xbf;   /* the second byte's range */
    size_t n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4, k;
    if (c < 0x80)
        return 1;
    *bad = 1;
    if (c < 0xc2 || c > 0xf4)
        return 0;
    if (c == 0xe0) lo = 0xa0;
    else if (c == 0xed) hi = 0x9f;
    else if (c == 0xf0) lo = 0x90;
    else if (c == 0xf4) hi = 0x8f;
    if (avail < 2 || p[1] < lo || p[1] > hi)
        return 0;
    for (k = 2; k < n; k++) {
        if (k >= avail || (p[k] & 0xc0) != 0x80) {
            *bad = k;
            return 0;
        }
    }
    return n;
}

/* 1 for the bytes a JSON string holds as they are, read or written:
 * ASCII from the space up, but the quote and the backslash. */
#define RGP__PLAIN16(c) c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c
static const unsigned char rgp_json_plain[256] = {
    RGP__PLAIN16(0), RGP__PLAIN16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x22 '"' */
    RGP__PLAIN16(1), RGP__PLAIN16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,   /* 0x5c, the backslash */
    RGP__PLAIN16(1), RGP__PLAIN16(1),
    RGP__PLAIN16(0), RGP__PLAIN16(0), RGP__PLAIN16(0), RGP__PLAIN16(0),
    RGP__PLAIN16(0), RGP__PLAIN16(0), RGP__PLAIN16(0), RGP__PLAIN16(0),
};

/* ---- parsing field text ------------------------------------------------ */

#ifndef RGP_PARSE_CODES
#define RGP_PARSE_CODES   /* rgp_time.h shares them */
enum { RGP_PARSE_OK = 0, RGP_PARSE_EMPTY, RGP_PARSE_SYNTAX, RGP_PARSE_RANGE };
#endif

/* Short reason for a diagnostic such as
 * "field 'value': expected f64, found 'abc' (invalid syntax)". */
static inline const char *rgp_parse_status_text(int status)
{
    switch (status) {
    case RGP_PARSE_OK: return "ok";
    case RGP_PARSE_EMPTY: return "empty value";
    case RGP_PARSE_SYNTAX: return "invalid syntax";
    case RGP_PARSE_RANGE: return "out of range";
    }
    return "unknown parse status";
}

/* The parsers `rgp run` takes compiled from rgp (stdlib/rgp_linked.h). */
#define RGP_STD_PARSE_LINKED(X)                                  \
    X(int, rgp_parse_i64, (const char *s, size_t n, int64_t *out))  \
    X(int, rgp_parse_time, (const char *p, size_t len, int64_t *out)) \
    X(int, rgp_parse_i32, (const char *s, size_t n, int32_t *out))  \
    X(int, rgp_parse_u64, (const char *s, size_t n, uint64_t *out)) \
    X(int, rgp_parse_u32, (const char *s, size_t n, uint32_t *out)) \
    X(int, rgp_parse_f64, (const char *s, size_t n, double *out))   \
    X(int, rgp_parse_bool, (const char *s, size_t n, bool *out))

#ifdef RGP_LINKED
RGP_STD_PARSE_LINKED(RGP_DECLARE_LINKED)
#else
/* Integers: optional sign, then one or more decimal digits; leading zeros
 * are fine; no spaces.  Sets *neg and the magnitude; *big is set when the
 * magnitude exceeds UINT64_MAX (the text is still scanned to the end so
 * that "99999999999999999999x" is a syntax error, not a range error). */
static inline int rgp__parse_mag(const char *s, size_t n, int *neg, uint64_t *mag, int *big)
{
    size_t i = 0;
    uint64_t m = 0;
    int over = 0;
    *neg = 0;
    if (n == 0)
        return RGP_PARSE_EMPTY;
    if (s[0] == '+' || s[0] == '-') {
        *neg = s[0] == '-';
        i = 1;
        if (n == 1)
            return RGP_PARSE_SYNTAX;
    }
    /* 19 digits always fit in 64 bits: no overflow check until the 20th */
    size_t fast_end = n - i > 19 ? i + 19 : n;
#if defined(__x86_64__) || defined(__i386__) || defined(__aarch64__)
    /* little-endian: eight digits at a time (timestamps have thirteen) */
    while (fast_end - i >= 8) {
        uint64_t v;
        memcpy(&v, s + i, 8);
        /* every byte '0'..'9': its high nibble is 3, and adding 6 keeps it 3 */
        if ((v & UINT64_C(0xF0F0F0F0F0F0F0F0)) != UINT64_C(0x3030303030303030) ||
            ((v + UINT64_C(0x0606060606060606)) & UINT64_C(0xF0F0F0F0F0F0F0F0)) != UINT64_C(0x3030303030303030))
            break;   /* not eight digits: the byte loop finds which */
        v -= UINT64_C(0x3030303030303030);
        v = v * 10 + (v >> 8);   /* each even byte: the value of its digit pair */
        v = ((v & UINT64_C(0x000000FF000000FF)) * (100 + (UINT64_C(1000000) << 32)) +
             ((v >> 16) & UINT64_C(0x000000FF000000FF)) * (1 + (UINT64_C(10000) << 32))) >> 32;
        m = m * 100000000 + v;
        i += 8;
    }
#endif
    for (; i < fast_end; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return RGP_PARSE_SYNTAX;
        m = m * 10 + d;
    }
    for (; i < n; i++) {
        unsigned d = (unsigned char)s[i] - (unsigned)'0';
        if (d > 9)
            return RGP_PARSE_SYNTAX;
        /* 1844674407370955161 * 10 + 5 == UINT64_MAX */
        if (m > UINT64_C(1844674407370955161) || (m == UINT64_C(1844674407370955161) && d > 5))
            over = 1;
        else
            m = m * 10 + d;
    }
    *mag = m;
    *big = over;
    return RGP_PARSE_OK;
}

static inline int rgp_parse_i64(const char *s, size_t n, int64_t *out)
{
    int neg, big;
    uint64_t m = 0;
    int st = rgp__parse_mag(s, n, &neg, &m, &big);
    if (st != RGP_PARSE_OK)
        return st;
    if (big || m > (neg ? UINT64_C(9223372036854775808) : (uint64_t)INT64_MAX))
        return RGP_PARSE_RANGE;
    if (neg)
        *out = m == UINT64_C(9223372036854775808) ? INT64_MIN : -(int64_t)m;
    else
        *out = (int64_t)m;
    return RGP_PARSE_OK;
}

/* A `time` field's text: epoch milliseconds (as rgp_parse_i64 reads them), or ISO
 * 8601 text (rgp_time.h), told apart by the '-' after four digits. */
static inline int rgp_parse_time(const char *p, size_t len, int64_t *out)
{
    if (len >= 10 && p[4] == '-' && (unsigned)(p[0] - '0') < 10) return rgp_parse_iso_time(p, len, out);
    return rgp_parse_i64(p, len, out);
}

static inline int rgp_parse_i32(const char *s, size_t n, int32_t *out)
{
    int neg, big;
    uint64_t m = 0;
    int st = rgp__parse_mag(s, n, &neg, &m, &big);
    if (st != RGP_PARSE_OK)
        return st;
    if (big || m > (neg ? UINT64_C(2147483648) : (uint64_t)INT32_MAX))
        return RGP_PARSE_RANGE;
    *out = (int32_t)(neg ? -(int64_t)m : (int64_t)m);
    return RGP_PARSE_OK;
}

/* Unsigned: a '-' sign parses, so "-0" is 0, but any other negative number
 * is RGP_PARSE_RANGE (it is a number, just not one this type holds). */
static inline int rgp_parse_u64(const char *s, size_t n, uint64_t *out)
{
    int neg, big;
    uint64_t m = 0;
    int st = rgp__parse_mag(s, n, &neg, &m, &big);
    if (st != RGP_PARSE_OK)
        return st;
    if (big || (neg && m != 0))
        return RGP_PARSE_RANGE;
    *out = m;
    return RGP_PARSE_OK;
}

static inline int rgp_parse_u32(const char *s, size_t n, uint32_t *out)
{
    int neg, big;
    uint64_t m = 0;
    int st = rgp__parse_mag(s, n, &neg, &m, &big);
    if (st != RGP_PARSE_OK)
        return st;
    if (big || (neg && m != 0) || m > UINT32_MAX)
        return RGP_PARSE_RANGE;
    *out = (uint32_t)m;
    return RGP_PARSE_OK;
}

#endif /* RGP_LINKED: the integer parsers */

static inline uint64_t rgp__f64_bits(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

static inline double rgp__f64_from_bits(uint64_t b)
{
    double v;
    memcpy(&v, &b, sizeof v);
    return v;
}
/* Bit tests rather than isnan/isinf: they are macros whose expansion differs between compilers. */
/* Bit tests: isnan/isinf may need libm, which the tcc JIT does not link. */
static inline int rgp__f64_is_nan(double v)
{
    return (rgp__f64_bits(v) & UINT64_C(0x7fffffffffffffff)) > UINT64_C(0x7ff0000000000000);
}

static inline int rgp__f64_is_inf(double v)
{
    return (rgp__f64_bits(v) & UINT64_C(0x7fffffffffffffff)) == UINT64_C(0x7ff0000000000000);
}

/* Case-insensitive match of s[0..n) against a lowercase word. */
static inline int rgp__word_eq(const char *s, size_t n, const char *word)
{
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (word[i] == 0 || c != (unsigned char)word[i])
            return 0;
    }
    return word[n] == 0;
}

#ifndef RGP_LINKED /* the float and bool parsers */
#define RGP__F64_STACK 128

/* Floats: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], or
 * [+-] inf / infinity / nan in any case.  Hex floats, spaces and empty
 * text are rejected.  A finite literal too large for a double is
 * RGP_PARSE_RANGE; one too small becomes 0 or a subnormal (not an error).
 * Checks the syntax itself, then lets strtod do the correctly rounded
 * conversion (the process locale is "C"): strtod wants a NUL, so the text
 * is copied to the stack, or, for absurdly long fields, to the heap. */
static inline int rgp_parse_f64(const char *s, size_t n, double *out)
{
    size_t i = 0, mant = 0;
    int neg = 0;
    char small[RGP__F64_STACK];
    char *tmp;
    double v;

    if (n == 0)
        return RGP_PARSE_EMPTY;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    if (i < n && (s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') {
        uint64_t b;
        if (rgp__word_eq(s + i, n - i, "inf") || rgp__word_eq(s + i, n - i, "infinity"))
            b = UINT64_C(0x7ff0000000000000) | (neg ? UINT64_C(0x8000000000000000) : 0);
        else if (rgp__word_eq(s + i, n - i, "nan"))
            b = UINT64_C(0x7ff8000000000000);
        else
            return RGP_PARSE_SYNTAX;
        *out = rgp__f64_from_bits(b);
        return RGP_PARSE_OK;
    }
    /* While checking the syntax, also collect the digits as an integer m and a
     * decimal exponent: when m < 2^53 and |exponent| <= 22, m and 10^exponent
     * are both exact doubles, so one multiplication or division is correctly
     * rounded and equals strtod's answer (Clinger's fast path). */
    uint64_t m = 0;
    int exact = 1;        /* m holds every digit without overflow */
    long e10 = 0, ev = 0;
    for (; i < n && (unsigned)((unsigned char)s[i] - '0') <= 9; i++, mant++) {
        if (m > (UINT64_C(1) << 53) / 10) exact = 0;
        else m = m * 10 + (uint64_t)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && (unsigned)((unsigned char)s[i] - '0') <= 9; i++, mant++, e10--) {
            if (m > (UINT64_C(1) << 53) / 10) exact = 0;
            else m = m * 10 + (uint64_t)(s[i] - '0');
        }
    }
    if (mant == 0)
        return RGP_PARSE_SYNTAX;
    /* The digit loops stop adding once m > 2^53 / 10, but the digit added at
     * that bound may still take m past 2^53 (9007199254740993 is no double). */
    if (m > (UINT64_C(1) << 53))
        exact = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        int eneg = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            eneg = s[i++] == '-';
        for (; i < n && (unsigned)((unsigned char)s[i] - '0') <= 9; i++, exp_digits++)
            if (ev < 100000) ev = ev * 10 + (s[i] - '0');
        if (exp_digits == 0)
            return RGP_PARSE_SYNTAX;
        e10 += eneg ? -ev : ev;
    }
    if (i != n)
        return RGP_PARSE_SYNTAX;
    if (exact && e10 >= -22 && e10 <= 22) {
        static const double pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        v = e10 >= 0 ? (double)m * pow10[e10] : (double)m / pow10[-e10];
        *out = neg ? -v : v;
        return RGP_PARSE_OK;
    }

    tmp = small;
    if (n >= sizeof small) {
        tmp = (char *)malloc(n + 1);
        if (!tmp)
            return RGP_PARSE_RANGE; /* cannot happen in practice; never truncate */
    }
    memcpy(tmp, s, n);
    tmp[n] = 0;
    v = strtod(tmp, NULL);
    if (tmp != small)
        free(tmp);
    if (rgp__f64_is_inf(v))
        return RGP_PARSE_RANGE;
    *out = v;
    return RGP_PARSE_OK;
}

/* Exactly "true", "false", "1" or "0". */
static inline int rgp_parse_bool(const char *s, size_t n, bool *out)
{
    if (n == 0)
        return RGP_PARSE_EMPTY;
    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 1 && s[0] == '1')) {
        *out = true;
        return RGP_PARSE_OK;
    }
    if ((n == 5 && memcmp(s, "false", 5) == 0) || (n == 1 && s[0] == '0')) {
        *out = false;
        return RGP_PARSE_OK;
    }
    return RGP_PARSE_SYNTAX;
}

#endif /* RGP_LINKED: the float and bool parsers */

/* ---- integer arithmetic with defined results -------------------------- */

/* Signed add/sub/mul/neg wrap modulo 2^N: computed in unsigned, where C
 * defines overflow, then converted back (two's complement on gcc and tcc). */
static inline int32_t rgp_add_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }
static inline int32_t rgp_sub_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }
static inline int32_t rgp_mul_i32(int32_t a, int32_t b) { return (int32_t)((uint32_t)a * (uint32_t)b); }
static inline int32_t rgp_neg_i32(int32_t a) { return (int32_t)(0u - (uint32_t)a); }
static inline int64_t rgp_add_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a + (uint64_t)b); }
static inline int64_t rgp_sub_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)b); }
static inline int64_t rgp_mul_i64(int64_t a, int64_t b) { return (int64_t)((uint64_t)a * (uint64_t)b); }
static inline int64_t rgp_neg_i64(int64_t a) { return (int64_t)(0u - (uint64_t)a); }

/* Division truncates toward zero and the remainder takes the dividend's
 * sign, as in C.  x / 0 == 0 and x % 0 == 0; MIN / -1 wraps to MIN and
 * MIN % -1 == 0 (the hardware would trap on both). */
static inline int32_t rgp_div_i32(int32_t a, int32_t b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return rgp_neg_i32(a);
    return a / b;
}

static inline int64_t rgp_div_i64(int64_t a, int64_t b)
{
    if (b == 0)
        return 0;
    if (b == -1)
        return rgp_neg_i64(a);
    return a / b;
}

static inline int32_t rgp_mod_i32(int32_t a, int32_t b)
{
    if (b == 0 || b == -1)
        return 0;
    return a % b;
}

static inline int64_t rgp_mod_i64(int64_t a, int64_t b)
{
    if (b == 0 || b == -1)
        return 0;
    return a % b;
}

static inline uint32_t rgp_div_u32(uint32_t a, uint32_t b) { return b ? a / b : 0; }
static inline uint64_t rgp_div_u64(uint64_t a, uint64_t b) { return b ? a / b : 0; }
static inline uint32_t rgp_mod_u32(uint32_t a, uint32_t b) { return b ? a % b : 0; }
static inline uint64_t rgp_mod_u64(uint64_t a, uint64_t b) { return b ? a % b : 0; }

/* ---- min / max / abs --------------------------------------------------- */

static inline int32_t rgp_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t rgp_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int64_t rgp_min_i64(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t rgp_max_i64(int64_t a, int64_t b) { return a > b ? a : b; }
static inline uint32_t rgp_min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t rgp_max_u32(uint32_t a, uint32_t b) { return a > b ? a : b; }
static inline uint64_t rgp_min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t rgp_max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* abs(MIN) wraps to MIN, like rgp_neg. */
static inline int32_t rgp_abs_i32(int32_t a) { return a < 0 ? rgp_neg_i32(a) : a; }
static inline int64_t rgp_abs_i64(int64_t a) { return a < 0 ? rgp_neg_i64(a) : a; }
static inline uint32_t rgp_abs_u32(uint32_t a) { return a; }
static inline uint64_t rgp_abs_u64(uint64_t a) { return a; }

/* f64 min/max: NaN in either operand gives NaN; -0.0 counts as less than
 * +0.0 so the result never depends on operand order. */
static inline double rgp_min_f64(double a, double b)
{
    if (rgp__f64_is_nan(a))
        return a;
    if (rgp__f64_is_nan(b))
        return b;
    if (a == b) /* equal, or +0/-0: prefer the one with the sign bit */
        return (rgp__f64_bits(a) >> 63) ? a : b;
    return a < b ? a : b;
}

static inline double rgp_max_f64(double a, double b)
{
    if (rgp__f64_is_nan(a))
        return a;
    if (rgp__f64_is_nan(b))
        return b;
    if (a == b)
        return (rgp__f64_bits(a) >> 63) ? b : a;
    return a > b ? a : b;
}

/* Clears the sign bit: abs(-0.0) == +0.0, abs(-NaN) == NaN. */
static inline double rgp_abs_f64(double a)
{
    return rgp__f64_from_bits(rgp__f64_bits(a) & UINT64_C(0x7fffffffffffffff));
}

/* ---- functions of the language (compiler/builtins.h) ---------------------- */

/* Math: libm's, under names the generated code owns. */
static inline double rgp_sqrt(double x) { return sqrt(x); }
static inline double rgp_log(double x) { return log(x); }
static inline double rgp_exp(double x) { return exp(x); }
static inline double rgp_pow(double x, double y) { return pow(x, y); }
static inline double rgp_floor(double x) { return floor(x); }
static inline double rgp_ceil(double x) { return ceil(x); }
static inline double rgp_round(double x) { return round(x); }   /* halves away from zero */

/* Strings: lengths in bytes; searches bytewise. */
static inline int64_t rgp_str_len(rgp_str s) { return (int64_t)s.len; }
static inline bool rgp_str_contains(rgp_str s, rgp_str part)
{
    return part.len == 0 || (part.len <= s.len && memmem(s.ptr, s.len, part.ptr, part.len) != NULL);
}
static inline bool rgp_str_starts_with(rgp_str s, rgp_str p) { return p.len <= s.len && memcmp(s.ptr, p.ptr, p.len) == 0; }
static inline bool rgp_str_ends_with(rgp_str s, rgp_str p)
{
    return p.len <= s.len && memcmp(s.ptr + s.len - p.len, p.ptr, p.len) == 0;
}

/* Float to integer without undefined behaviour: truncates toward zero, NaN
 * gives 0, and values past the type's range give its nearest bound. */
static inline int64_t rgp_f64_to_i64(double x)
{
    if (x != x) return 0;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    if (x < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)x;
}
static inline uint64_t rgp_f64_to_u64(double x)
{
    if (x != x || x <= -1.0) return 0;
    if (x >= 18446744073709551616.0) return UINT64_MAX;
    return (uint64_t)x;
}
static inline int32_t rgp_f64_to_i32(double x)
{
    if (x != x) return 0;
    return x >= 2147483647.0 ? INT32_MAX : x <= -2147483648.0 ? INT32_MIN : (int32_t)x;
}
static inline uint32_t rgp_f64_to_u32(double x)
{
    if (x != x || x <= -1.0) return 0;
    return x >= 4294967295.0 ? UINT32_MAX : (uint32_t)x;
}

/* hash(x): 64 bits, the same on every run and machine. Integers hash by value
 * (so 5 as i32 and as i64 agree), floats by their bits with -0.0 taken as 0.0
 * and every NaN alike, strings by their bytes. `rgp run` takes them compiled
 * from rgp (stdlib/rgp_linked.h): every keyed operator calls one per record. */
#define RGP_STD_HASH_LINKED(X)                      \
    X(uint64_t, rgp_hash_u64, (uint64_t x))         \
    X(uint64_t, rgp_hash_i64, (int64_t x))          \
    X(uint64_t, rgp_hash_bool, (bool x))            \
    X(uint64_t, rgp_hash_f64, (double x))           \
    X(uint64_t, rgp_hash_str, (rgp_str s))

#ifdef RGP_LINKED
RGP_STD_HASH_LINKED(RGP_DECLARE_LINKED)
#else
static inline uint64_t rgp_hash_u64(uint64_t x)
{
    x ^= x >> 33;   /* a 64-bit finalizer: every input bit reaches every output bit */
    x *= UINT64_C(0xff51afd7ed558ccd);
    x ^= x >> 33;
    x *= UINT64_C(0xc4ceb9fe1a85ec53);
    x ^= x >> 33;
    return x;
}
static inline uint64_t rgp_hash_i64(int64_t x) { return rgp_hash_u64((uint64_t)x); }
static inline uint64_t rgp_hash_bool(bool x) { return rgp_hash_u64(x ? 1 : 0); }
static inline uint64_t rgp_hash_f64(double x)
{
    uint64_t b;
    if (x == 0) x = 0.0;
    if (x != x) b = UINT64_C(0x7ff8000000000000);
    else memcpy(&b, &x, sizeof b);
    return rgp_hash_u64(b ^ UINT64_C(0x9e3779b97f4a7c15));
}
static inline uint64_t rgp_hash_str(rgp_str s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);   /* FNV-1a over the bytes, then mixed */
    for (size_t i = 0; i < s.len; i++) h = (h ^ (unsigned char)s.ptr[i]) * UINT64_C(0x100000001b3);
    return rgp_hash_u64(h ^ s.len);
}
#endif /* RGP_LINKED: the hashes */

/* A table's own copy of a string, replacing the copy it had (dedup's last values). */
static inline void rgp_str_keep_copy(rgp_str *dst, rgp_str src)
{
    char *copy = (char *)malloc(src.len ? src.len : 1);
    if (!copy) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
    if (src.len) memcpy(copy, src.ptr, src.len);
    free((char *)dst->ptr);
    dst->ptr = copy;
    dst->len = src.len;
}

/* An aggregate's own copy of a string (min, max, first, last of a str), in a
 * buffer it keeps: the buffer grows only when a longer string comes, so a
 * steady stream of strings costs no allocation. An empty copy points at "". */
static inline void rgp_str_keep_buf(rgp_str *dst, size_t *cap, rgp_str src)
{
    if (src.len > *cap) {
        size_t n = *cap * 2 > src.len ? *cap * 2 : src.len;
        char *grown = (char *)realloc(*cap ? (char *)dst->ptr : NULL, n);
        if (!grown) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
        dst->ptr = grown;
        *cap = n;
    }
    if (!*cap) dst->ptr = "";
    else if (src.len) memmove((char *)dst->ptr, src.ptr, src.len);
    dst->len = src.len;
}

/* ---- quantile sketches: p50(x), p90(x), p99(x) ------------------------------ */

/* One per key (and per window of a key) of a group with a quantile aggregate: a
 * relative-error sketch of the DDSketch kind (Masson, Rim and Lee, VLDB 2019).
 * A magnitude m > 0 falls in bucket i = ceil(log_gamma m), which holds
 * (gamma^(i-1), gamma^i]; the bucket's value 2 gamma^i / (gamma + 1) is within
 * alpha of every magnitude in it, for gamma = (1 + alpha) / (1 - alpha). Negative
 * values have buckets of their own (of -v); zeros, infinities and NaNs have counts.
 *
 * Error bound. Sort the n values added, NaNs left out, and let x be the one of
 * rank floor(q (n - 1)), counting from 0 (q (n - 1) computed in double).
 * rgp_qsketch_quantile(s, q) returns x exactly when x is 0 or +-inf, and otherwise
 * an estimate e with |e - x| <= 0.01 |x|, provided x is a normal double
 * (|x| >= 2.2e-308) no smaller in magnitude than 1e-17 times the largest finite
 * magnitude added with x's sign.
 *
 * Memory: 64 bytes, plus for each sign an array of 8-byte counts covering the
 * buckets its values have reached, with up to 32 of headroom at either end, and
 * never more than RGP_QSKETCH_MAX_BUCKETS (2048, 16 KiB): one value takes 16
 * buckets, values of 1 to 1000 about 370 (3 KiB). A sign whose magnitudes span
 * more keeps at least its top 2016 buckets (a factor of 3e17) and folds smaller
 * magnitudes into its lowest bucket: they come back as that bucket's value, with
 * the right sign but too large in magnitude, wrong by less than 1e-17 times the
 * sign's largest magnitude. Subnormals (|x| < 2.2e-308) are bucketed alike, but
 * their estimates round to a grid coarser than 1%. */

#define RGP_QSKETCH_ALPHA 0.01
#define RGP_QSKETCH_MAX_BUCKETS 2048
#define RGP__QSKETCH_HEADROOM 32   /* buckets added beyond a new extreme, so a widening range reallocates rarely */
/* Buckets are cut a hair finer than the promise, so that log's and exp's rounding
 * (near 1e-13 relative) cannot carry an estimate past 1%. */
#define RGP__QSKETCH_A (RGP_QSKETCH_ALPHA * 0.999999)
/* log gamma = 2 atanh(a) = 2 (a + a^3/3 + a^5/5 + ...), as a constant expression;
 * the terms after a^9/9 are below a double's precision for a near 0.01. */
#define RGP__QSKETCH_A2 (RGP__QSKETCH_A * RGP__QSKETCH_A)
#define RGP__QSKETCH_LOG_GAMMA                                  \
    (2 * RGP__QSKETCH_A *                                       \
     (1 + RGP__QSKETCH_A2 * (1.0 / 3 + RGP__QSKETCH_A2 *        \
          (1.0 / 5 + RGP__QSKETCH_A2 * (1.0 / 7 + RGP__QSKETCH_A2 / 9)))))

/* The buckets of one sign: a window of len buckets starting at index lo. */
typedef struct rgp__qstore {
    uint64_t *counts;   /* counts[k]: values in bucket lo + k; NULL until the first value */
    int32_t lo;
    uint32_t len;
} rgp__qstore;

typedef struct rgp_qsketch {   /* all-zero bytes: an empty sketch */
    rgp__qstore pos, neg;      /* buckets of v > 0, and of -v for v < 0 */
    uint64_t zeros, pos_inf, neg_inf, nans;
} rgp_qsketch;

/* The bucket of a finite m > 0. |log m| < 745, so the index stays within +-37300. */
static inline int32_t rgp__qsketch_index(double m)
{
    double x = log(m) * (1 / RGP__QSKETCH_LOG_GAMMA);
    int32_t i = (int32_t)x;
    return i < x ? i + 1 : i;   /* ceil, without a call to libm */
}

/* The estimate of bucket i: 2 gamma^i / (gamma + 1) = (1 + a) gamma^(i-1), which
 * stays finite where gamma^i would not; never 0, never past DBL_MAX. */
static inline double rgp__qsketch_value(int32_t i)
{
    double v = exp((double)(i - 1) * RGP__QSKETCH_LOG_GAMMA) * (1 + RGP__QSKETCH_A);
    if (v == 0) return 4.9406564584124654e-324;
    return v < HUGE_VAL ? v : 1.7976931348623157e308;
}

/* Gives s the window [lo, lo + len), which holds every bucket s uses at or above
 * lo; buckets below lo fold into the window's first. */
static inline void rgp__qstore_move(rgp__qstore *s, int32_t lo, uint32_t len)
{
    uint64_t *counts = (uint64_t *)calloc(len, sizeof *counts);
    if (!counts) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
    for (uint32_t k = 0; k < s->len; k++) {
        int32_t i = s->lo + (int32_t)k;
        if (s->counts[k]) counts[(i < lo ? lo : i) - lo] += s->counts[k];
    }
    free(s->counts);
    s->counts = counts;
    s->lo = lo;
    s->len = len;
}

/* Bucket i is outside s's window: move the window to span the buckets in use and
 * i, with headroom beyond i; past the cap, keep the top and fold the rest. */
static inline void rgp__qstore_widen(rgp__qstore *s, int32_t i, uint64_t c)
{
    int32_t lo = i - 8, hi = i + 7;   /* a first value: 16 buckets around it */
    if (s->counts) {
        int32_t bottom = s->lo, top = s->lo + (int32_t)s->len - 1;
        while (s->counts[bottom - s->lo] == 0) bottom++;   /* a window always holds a value */
        while (s->counts[top - s->lo] == 0) top--;
        if (i < bottom) lo = i - RGP__QSKETCH_HEADROOM, hi = top;
        else lo = bottom, hi = i + RGP__QSKETCH_HEADROOM;
        if (hi - lo >= RGP_QSKETCH_MAX_BUCKETS) lo = hi - RGP_QSKETCH_MAX_BUCKETS + 1;
    }
    if (lo != s->lo || (uint32_t)(hi - lo + 1) != s->len) rgp__qstore_move(s, lo, (uint32_t)(hi - lo + 1));
    s->counts[(i < lo ? lo : i) - lo] += c;
}

/* Adds c > 0 values to bucket i. */
static inline void rgp__qstore_add(rgp__qstore *s, int32_t i, uint64_t c)
{
    uint32_t k = (uint32_t)(i - s->lo);   /* below lo wraps past len */
    if (k < s->len) s->counts[k] += c;
    else rgp__qstore_widen(s, i, c);
}

static inline void rgp_qsketch_add(rgp_qsketch *s, double v)
{
    if (v > 0) {
        if (v < HUGE_VAL) rgp__qstore_add(&s->pos, rgp__qsketch_index(v), 1);
        else s->pos_inf++;
    } else if (v < 0) {
        if (v > -HUGE_VAL) rgp__qstore_add(&s->neg, rgp__qsketch_index(-v), 1);
        else s->neg_inf++;
    } else if (v == 0) {
        s->zeros++;
    } else {
        s->nans++;
    }
}

static inline uint64_t rgp__qstore_total(const rgp__qstore *s)
{
    uint64_t n = 0;
    for (uint32_t k = 0; k < s->len; k++) n += s->counts[k];
    return n;
}

/* The estimate of the magnitude of rank r (from 0, smallest first) in s. */
static inline double rgp__qstore_value_at(const rgp__qstore *s, uint64_t r)
{
    uint32_t k = 0;
    while (s->counts[k] <= r) r -= s->counts[k++];
    return rgp__qsketch_value(s->lo + (int32_t)k);
}

/* q in [0, 1] (clamped); NaN for an empty sketch or a NaN q. */
static inline double rgp_qsketch_quantile(const rgp_qsketch *s, double q)
{
    uint64_t neg = rgp__qstore_total(&s->neg), pos = rgp__qstore_total(&s->pos);
    uint64_t n = s->neg_inf + neg + s->zeros + pos + s->pos_inf;
    if (n == 0 || q != q) return rgp__f64_from_bits(UINT64_C(0x7ff8000000000000));
    q = q < 0 ? 0 : q > 1 ? 1 : q;
    uint64_t r = (uint64_t)(q * (double)(n - 1));
    if (r > n - 1) r = n - 1;   /* (double)(n - 1) may round up past 2^53 */
    if (r < s->neg_inf) return -HUGE_VAL;
    r -= s->neg_inf;
    if (r < neg) return -rgp__qstore_value_at(&s->neg, neg - 1 - r);   /* most negative first */
    r -= neg;
    if (r < s->zeros) return 0.0;
    r -= s->zeros;
    if (r < pos) return rgp__qstore_value_at(&s->pos, r);
    return HUGE_VAL;
}

/* into += from, as if from's values had been added to into; from is unchanged.
 * Buckets are the same for every sketch, so the result is what adding the values
 * one by one gives unless the cap folds buckets. */
static inline void rgp_qsketch_merge(rgp_qsketch *into, const rgp_qsketch *from)
{
    for (uint32_t k = 0; k < from->pos.len; k++)
        if (from->pos.counts[k]) rgp__qstore_add(&into->pos, from->pos.lo + (int32_t)k, from->pos.counts[k]);
    for (uint32_t k = 0; k < from->neg.len; k++)
        if (from->neg.counts[k]) rgp__qstore_add(&into->neg, from->neg.lo + (int32_t)k, from->neg.counts[k]);
    into->zeros += from->zeros;
    into->pos_inf += from->pos_inf;
    into->neg_inf += from->neg_inf;
    into->nans += from->nans;
}

/* Frees the buckets and leaves s empty, ready for reuse. */
static inline void rgp_qsketch_free(rgp_qsketch *s)
{
    free(s->pos.counts);
    free(s->neg.counts);
    memset(s, 0, sizeof *s);
}

/* ---- text made by expressions --------------------------------------------- */

/* upper(s), s + t, iso(t) and the like make new text. It lives in the scratch
 * of the thread that runs the expression, reset before each record: text is
 * copied out when a record goes into a ring or a key's state, and a sink writes
 * it before the reset. Blocks are never moved, so earlier text stays put. */
typedef struct rgp_scratch {
    char *block;
    size_t used, cap;
    char *retired;   /* full blocks of this record, chained through their first bytes */
    /* part(s, sep, n) remembers where the piece after the last one it found
     * begins, so that part(s, sep, 0), part(s, sep, 1), ... of one record scan s once. The
     * record's text does not change while it is processed; a reset forgets. */
    const char *part_src, *part_at;
    size_t part_len;
    rgp_str part_sep;
    int64_t part_n;
} rgp_scratch;

static inline char *rgp_scratch_alloc(rgp_scratch *s, size_t n)
{
    if (s->used + n > s->cap) {
        size_t cap = n > 65536 ? n + 16 : 65536;
        char *b = (char *)malloc(cap);
        if (!b) { fputs("rgp: error: out of memory\n", stderr); exit(1); }
        if (s->block) {
            memcpy(s->block, &s->retired, sizeof s->retired);
            s->retired = s->block;
        }
        s->block = b;
        s->cap = cap;
        s->used = sizeof(char *);   /* room to chain this block when it retires */
    }
    char *p = s->block + s->used;
    s->used += n;
    return p;
}

static inline void rgp_scratch_reset(rgp_scratch *s)
{
    s->part_src = NULL;
    while (s->retired) {
        char *next;
        memcpy(&next, s->retired, sizeof next);
        free(s->retired);
        s->retired = next;
    }
    s->used = sizeof(char *);
}

static inline void rgp_scratch_free(rgp_scratch *s)
{
    rgp_scratch_reset(s);
    free(s->block);
    s->block = NULL;
    s->cap = s->used = 0;
}

static inline rgp_str rgp_str_concat(rgp_scratch *sc, rgp_str a, rgp_str b)
{
    char *p = rgp_scratch_alloc(sc, a.len + b.len);
    if (a.len) memcpy(p, a.ptr, a.len);
    if (b.len) memcpy(p + a.len, b.ptr, b.len);
    return (rgp_str){p, a.len + b.len};
}

/* ASCII case only: other bytes (UTF-8 included) pass unchanged. */
static inline rgp_str rgp_str_upper(rgp_scratch *sc, rgp_str s)
{
    char *p = rgp_scratch_alloc(sc, s.len);
    for (size_t i = 0; i < s.len; i++) p[i] = s.ptr[i] >= 'a' && s.ptr[i] <= 'z' ? (char)(s.ptr[i] - 32) : s.ptr[i];
    return (rgp_str){p, s.len};
}
static inline rgp_str rgp_str_lower(rgp_scratch *sc, rgp_str s)
{
    char *p = rgp_scratch_alloc(sc, s.len);
    for (size_t i = 0; i < s.len; i++) p[i] = s.ptr[i] >= 'A' && s.ptr[i] <= 'Z' ? (char)(s.ptr[i] + 32) : s.ptr[i];
    return (rgp_str){p, s.len};
}

/* Spaces, tabs, CR and LF off both ends: a slice of s, nothing copied. */
static inline rgp_str rgp_str_trim(rgp_scratch *sc, rgp_str s)
{
    (void)sc;
    while (s.len && (*s.ptr == ' ' || *s.ptr == '\t' || *s.ptr == '\r' || *s.ptr == '\n')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t' || s.ptr[s.len - 1] == '\r' || s.ptr[s.len - 1] == '\n'))
        s.len--;
    return s;
}

/* coalesce(a, b): a, or b when a is empty (a CSV field left blank). A slice. */
static inline rgp_str rgp_str_coalesce(rgp_scratch *sc, rgp_str a, rgp_str b)
{
    (void)sc;
    return a.len ? a : b;
}

/* substr(s, start, n): n bytes from byte start; a negative start counts from
 * the end; both are clamped to the string, so it never fails. A slice. */
static inline rgp_str rgp_str_substr(rgp_scratch *sc, rgp_str s, int64_t start, int64_t n)
{
    (void)sc;
    int64_t len = (int64_t)s.len;
    if (start < 0) start = start < -len ? 0 : len + start;
    if (start > len) start = len;
    if (n < 0) n = 0;
    if (n > len - start) n = len - start;
    return (rgp_str){s.ptr + start, (size_t)n};
}

/* part(s, sep, n): the n-th piece (from 0) of s cut at every sep; empty when
 * there are not that many, or when sep is empty. A slice. */
static inline rgp_str rgp_str_part(rgp_scratch *sc, rgp_str s, rgp_str sep, int64_t n)
{
    rgp_str none = {s.ptr + s.len, 0};
    if (sep.len == 0 || n < 0) return none;
    const char *src = s.ptr;
    size_t src_len = s.len;
    int64_t k = 0;
    if (sc->part_src == src && sc->part_len == src_len && sc->part_n <= n && sc->part_sep.len == sep.len &&
        memcmp(sc->part_sep.ptr, sep.ptr, sep.len) == 0) {
        k = sc->part_n;   /* resume at the piece the last call found */
        s.len -= (size_t)(sc->part_at - s.ptr);
        s.ptr = sc->part_at;
    }
    for (;; k++) {
        const char *hit = sep.len > s.len ? NULL
                        : sep.len == 1 ? (const char *)memchr(s.ptr, sep.ptr[0], s.len)
                        : (const char *)memmem(s.ptr, s.len, sep.ptr, sep.len);
        size_t len = hit ? (size_t)(hit - s.ptr) : s.len;
        if (k == n) {
            /* remember where the next piece starts (or this one, if it is the last) */
            sc->part_src = src, sc->part_len = src_len, sc->part_sep = sep;
            sc->part_n = hit ? n + 1 : n;
            sc->part_at = hit ? hit + sep.len : s.ptr;
            return (rgp_str){s.ptr, len};
        }
        if (!hit) return none;
        s.ptr = hit + sep.len;
        s.len -= len + sep.len;
    }
}

/* parse_i64(s, fallback), parse_f64(s, fallback): the number s holds (as a CSV
 * field would be read, spaces around it allowed), or fallback when it holds none. */
static inline int64_t rgp_text_i64(rgp_str s, int64_t fallback)
{
    int64_t v;
    while (s.len && (*s.ptr == ' ' || *s.ptr == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return rgp_parse_i64(s.ptr, s.len, &v) == RGP_PARSE_OK ? v : fallback;
}
/* parse_i64(s, fallback, BASE), BASE 2, 8, 10 or 16 (sema allows no other): an
 * optional sign, for base 16 an optional 0x or 0X, then at least one digit of
 * the base (either case); spaces around it allowed. Anything else, or a value
 * outside i64, gives fallback. */
static inline int64_t rgp_text_i64_base(rgp_str s, int64_t fallback, int64_t base)
{
    if (base == 10) return rgp_text_i64(s, fallback);
    while (s.len && (*s.ptr == ' ' || *s.ptr == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    size_t i = 0;
    int neg = 0;
    if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+')) neg = s.ptr[i++] == '-';
    if (base == 16 && i + 1 < s.len && s.ptr[i] == '0' && (s.ptr[i + 1] == 'x' || s.ptr[i + 1] == 'X')) i += 2;
    if (i == s.len) return fallback;
    uint64_t m = 0, limit = neg ? UINT64_C(9223372036854775808) : (uint64_t)INT64_MAX;
    for (; i < s.len; i++) {
        unsigned c = (unsigned char)s.ptr[i], d;
        if (c - '0' < 10) d = c - '0';
        else if ((c | 0x20) - 'a' < 6) d = (c | 0x20) - 'a' + 10;
        else return fallback;
        if (d >= (unsigned)base || m > (limit - d) / (uint64_t)base) return fallback;
        m = m * (uint64_t)base + d;
    }
    return neg ? (m == UINT64_C(9223372036854775808) ? INT64_MIN : -(int64_t)m) : (int64_t)m;
}
static inline double rgp_text_f64(rgp_str s, double fallback)
{
    double v;
    while (s.len && (*s.ptr == ' ' || *s.ptr == '\t')) s.ptr++, s.len--;
    while (s.len && (s.ptr[s.len - 1] == ' ' || s.ptr[s.len - 1] == '\t')) s.len--;
    return rgp_parse_f64(s.ptr, s.len, &v) == RGP_PARSE_OK ? v : fallback;
}

/* trunc(t, unit): the time rounded down to a whole unit (floor, also before 1970).
 * Below the first whole unit of the range the floor does not exist: held at INT64_MIN. */
static inline int64_t rgp_time_trunc(int64_t t, int64_t unit_ms)
{
    int64_t r = t % unit_ms, down = t - r;   /* toward zero: never overflows */
    if (r >= 0) return down;
    return down < INT64_MIN + unit_ms ? INT64_MIN : down - unit_ms;
}

/* iso(t): 2026-01-01T00:00:00.000Z, in UTC, from epoch milliseconds. */
static inline rgp_str rgp_time_iso(rgp_scratch *sc, int64_t t)
{
    int64_t ms = t % 1000, secs = t / 1000;
    if (ms < 0) ms += 1000, secs -= 1;
    int64_t days = secs / 86400, sod = secs % 86400;
    if (sod < 0) sod += 86400, days -= 1;
    /* civil from days (proleptic Gregorian), by eras of 400 years */
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
    char *p = rgp_scratch_alloc(sc, 32);
    int n = snprintf(p, 32, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", (long long)y, (long long)m, (long long)d,
                     (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60), (long long)ms);
    return (rgp_str){p, (size_t)n};
}

/* fixed(x, N): x with exactly N decimals, the digits of printf's "%.Nf" (rgp_fixed.h). */
static inline rgp_str rgp_fixed(rgp_scratch *sc, double v, int64_t n)
{
    char tmp[RGP_FIXED_MAX];
    size_t len = rgp_fmt_fixed(tmp, v, (int)n);
    char *p = rgp_scratch_alloc(sc, len);
    memcpy(p, tmp, len);
    return (rgp_str){p, len};
}

/* What made a where or select reject its record: the first text that parse_time
 * without a fallback could not read, and its format (empty: ISO 8601). */
typedef struct rgp_fault {
    int bad;
    rgp_str text, fmt;
} rgp_fault;

/* parse_time(s, "FORMAT", fallback): the format's time, or the fallback when s does
 * not match. An empty format reads ISO 8601 text; year < 0 means the current one. */
static inline int64_t rgp_time_parse_or(rgp_str s, rgp_str fmt, int64_t year, int64_t fallback)
{
    int64_t v;
    int rc = fmt.len ? rgp_parse_time_format(s.ptr, s.len, fmt.ptr, fmt.len, year, &v) : rgp_parse_iso_time(s.ptr, s.len, &v);
    return rc == RGP_PARSE_OK ? v : fallback;
}

/* parse_time(s) and parse_time(s, "FORMAT"): the time, or 0 with the fault set
 * (the record is then rejected by the where or select that holds the call). */
static inline int64_t rgp_time_parse_strict(rgp_str s, rgp_str fmt, int64_t year, rgp_fault *f)
{
    int64_t v;
    int rc = fmt.len ? rgp_parse_time_format(s.ptr, s.len, fmt.ptr, fmt.len, year, &v) : rgp_parse_iso_time(s.ptr, s.len, &v);
    if (rc == RGP_PARSE_OK) return v;
    if (!f->bad) f->bad = 1, f->text = s, f->fmt = fmt;
    return 0;
}

#define RGP_FAULTS_SHOWN 10   /* rejections said per where or select; the rest are counted */

/* A record a where or select rejected: counted, and the first ones said with
 * the operator's place and the text that did not match. */
static inline void rgp_fault_reject(const char *prog, const char *where, const char *stage, const rgp_fault *f, uint64_t *rejected)
{
    if (++*rejected > RGP_FAULTS_SHOWN) return;
    int len = f->text.len > 80 ? 80 : (int)f->text.len;
    if (f->fmt.len)
        fprintf(stderr, "%s: %s: stage '%s': record rejected: parse_time: \"%.*s\"%s does not match \"%.*s\"%s\n", prog, where, stage, len,
                f->text.ptr, len < (int)f->text.len ? "..." : "", (int)f->fmt.len, f->fmt.ptr,
                *rejected == RGP_FAULTS_SHOWN ? " (further rejections here are counted, not shown)" : "");
    else
        fprintf(stderr, "%s: %s: stage '%s': record rejected: parse_time: \"%.*s\"%s is not an ISO 8601 time%s\n", prog, where, stage, len,
                f->text.ptr, len < (int)f->text.len ? "..." : "", *rejected == RGP_FAULTS_SHOWN ? " (further rejections here are counted, not shown)" : "");
}

/* format_time(t, "FORMAT", "+02:00"): text in the thread's scratch. */
static inline rgp_str rgp_time_format(rgp_scratch *sc, int64_t t, rgp_str fmt, int off_min)
{
    char *p = rgp_scratch_alloc(sc, rgp_time_format_size(fmt.len));
    return (rgp_str){p, rgp_time_format_to(p, t, fmt.ptr, fmt.len, off_min)};
}

/* a + b for a time and a non-negative span, held at INT64_MAX instead of wrapping:
 * a window's end past the last representable instant never comes. */
static inline int64_t rgp_time_add(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

static inline int64_t rgp_time_sub(int64_t a, int64_t b)
{
    return a < INT64_MIN + b ? INT64_MIN : a - b;
}

/* Whether t >= base + span exactly (span >= 0), with no sum that could overflow. */
static inline bool rgp_time_reached(int64_t t, int64_t base, int64_t span)
{
    return base <= INT64_MAX - span && t >= base + span;
}

/* The oldest of the n window starts ws, ws - step, ...: or, near the start of
 * time's range, the oldest of them that it holds. */
static inline int64_t rgp_time_oldest_start(int64_t ws, int64_t step, int64_t n)
{
    int64_t span = (n - 1) * step;   /* at most a window's length: it fits */
    if (ws >= INT64_MIN + span) return ws - span;
    return ws - (int64_t)(((uint64_t)ws - (uint64_t)INT64_MIN) / (uint64_t)step) * step;
}

/* time ± integer in the language: held at the ends of the range, not wrapped. */
static inline int64_t rgp_time_plus(int64_t t, int64_t ms)
{
    return ms >= 0 ? rgp_time_add(t, ms) : t < INT64_MIN - ms ? INT64_MIN : t + ms;
}
static inline int64_t rgp_time_minus(int64_t t, int64_t ms)
{
    return ms >= 0 ? rgp_time_sub(t, ms) : t > INT64_MAX + ms ? INT64_MAX : t - ms;
}
/* time - time: milliseconds, held at the ends of i64 (INT64_MAX - INT64_MIN does not fit). */
static inline int64_t rgp_time_diff(int64_t a, int64_t b)
{
    return b < 0 ? (a > INT64_MAX + b ? INT64_MAX : a - b) : (a < INT64_MIN + b ? INT64_MIN : a - b);
}

/* A watermark from an event time: it stops 1 ms short of INT64_MAX, which stands
 * for the end of input, so a window whose end does not fit closes only then. */
static inline int64_t rgp_watermark_of(int64_t t)
{
    return t < INT64_MAX ? t : INT64_MAX - 1;
}

/* Processing time: the wall clock in epoch milliseconds, like event times. */
static inline int64_t rgp_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* SplitMix64: a seeded stream of well-mixed 64-bit values (sample's coin). */
static inline uint64_t rgp_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

#endif /* RGP_STD_H */
