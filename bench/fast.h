/* fast.h - what the benchmarks' fast.c programs share: the C a performance
 * engineer writes for a one-off job, the practical limit rgp is measured
 * against. Input is read() in 4 MiB blocks and scanned in place, one line at
 * a time; output goes to a buffer written with one write() per block;
 * decimals are parsed as an integer mantissa divided by a power of ten
 * (exact: both are exact doubles and IEEE division rounds once, as strtod
 * does); floats are printed as rgp prints them, from exact integer
 * arithmetic, falling back to snprintf outside the range that covers. */
#ifndef BENCH_FAST_H
#define BENCH_FAST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr, rawmemchr */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FAST_BLOCK (4u << 20)
#define FAST_SLACK 16 /* zeroed bytes past the input: a scanner may compare a few past a line's end */

static inline void fast_die(const char *what)
{
    perror(what);
    exit(1);
}

/* ---- input: whole lines out of 4 MiB blocks --------------------------------- */

typedef struct {
    int fd;
    const char *path;
    char *buf;     /* FAST_BLOCK bytes, one for a final newline, FAST_SLACK */
    size_t start;  /* the next unread line */
    size_t len;    /* bytes in buf */
    int eof;
} fast_in;

static inline void fast_open_in(fast_in *in, const char *path)
{
    *in = (fast_in){.fd = open(path, O_RDONLY), .path = path, .buf = calloc(1, FAST_BLOCK + 1 + FAST_SLACK)};
    if (in->fd < 0 || !in->buf)
        fast_die(path);
}

/* Refills the block after moving its unfinished line to the front. Returns
 * 0 when nothing is left. A last line without a newline gets one. */
static inline int fast_refill(fast_in *in)
{
    size_t rest = in->len - in->start;
    if (in->eof)
        return 0;
    memmove(in->buf, in->buf + in->start, rest);
    in->start = 0;
    in->len = rest;
    while (in->len < FAST_BLOCK) {
        ssize_t n = read(in->fd, in->buf + in->len, FAST_BLOCK - in->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fast_die(in->path);
        if (n == 0) {
            in->eof = 1;
            if (in->len > 0 && in->buf[in->len - 1] != '\n')
                in->buf[in->len++] = '\n';
            break;
        }
        in->len += (size_t)n;
        if (memchr(in->buf + in->len - (size_t)n, '\n', (size_t)n))
            break; /* at least one whole line: scan it */
    }
    if (in->len == FAST_BLOCK && !memchr(in->buf, '\n', in->len)) {
        fprintf(stderr, "fast: %s: a line longer than %u bytes\n", in->path, FAST_BLOCK);
        exit(1);
    }
    return in->len > 0;
}

/* The next whole line, [*line, returned end) without its '\n'; NULL at the end. */
static const char *fast_line(fast_in *in, const char **line)
{
    for (;;) {
        const char *p = in->buf + in->start, *end = in->buf + in->len;
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl) {
            *line = p;
            in->start = (size_t)(nl + 1 - in->buf);
            return nl;
        }
        if (!fast_refill(in))
            return NULL;
    }
}

/* The next run of whole lines, [*lines, returned end), each ending in '\n'
 * (the last one included), so a scanner can stop at '\n' without checking
 * for the end; NULL at the end of the input. */
static inline const char *fast_lines(fast_in *in, const char **lines)
{
    for (;;) {
        const char *p = in->buf + in->start;
        const char *nl = memrchr(p, '\n', in->len - in->start);
        if (nl) {
            *lines = p;
            in->start = (size_t)(nl + 1 - in->buf);
            return nl + 1;
        }
        if (!fast_refill(in))
            return NULL;
    }
}

/* ---- output: a buffer, one write() per block ------------------------------------ */

typedef struct {
    int fd;
    const char *path;
    char *buf;
    size_t len;
} fast_out;

static inline void fast_open_out(fast_out *out, const char *path)
{
    *out = (fast_out){.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666), .path = path,
                      .buf = malloc(FAST_BLOCK)};
    if (out->fd < 0 || !out->buf)
        fast_die(path);
}

static inline void fast_flush(fast_out *out)
{
    for (size_t done = 0; done < out->len;) {
        ssize_t n = write(out->fd, out->buf + done, out->len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fast_die(out->path);
        done += (size_t)n;
    }
    out->len = 0;
}

/* Room for n more bytes (n is at most a line's worth: well under a block). */
static char *fast_room(fast_out *out, size_t n)
{
    if (out->len + n > FAST_BLOCK)
        fast_flush(out);
    return out->buf + out->len;
}

static inline void fast_put(fast_out *out, const char *s, size_t n)
{
    memcpy(fast_room(out, n), s, n);
    out->len += n;
}

static inline void fast_putc(fast_out *out, char c)
{
    *fast_room(out, 1) = c;
    out->len++;
}

static inline void fast_close_out(fast_out *out)
{
    fast_flush(out);
    if (close(out->fd) != 0)
        fast_die(out->path);
    free(out->buf);
}

static inline void fast_put_u64(fast_out *out, uint64_t v)
{
    char s[20], *p = s + sizeof s;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    fast_put(out, p, (size_t)(s + sizeof s - p));
}

/* ---- integers: eight digits at a time ------------------------------------------------ */

/* Are the 8 bytes (little-endian) all ASCII digits? Adding 6 carries a digit
 * byte past '9' into 0x40 and up; both tests look at the high nibbles. */
static inline int fast_eight_digits(uint64_t v)
{
    const uint64_t high = UINT64_C(0xF0F0F0F0F0F0F0F0), zeros = UINT64_C(0x3030303030303030);
    return (v & high) == zeros && ((v + UINT64_C(0x0606060606060606)) & high) == zeros;
}

/* The value of 8 ASCII digits, the first in the lowest byte: pairs, then
 * fours, then all eight, each step one multiply and one shift. */
static inline uint64_t fast_eight_value(uint64_t v)
{
    v = (v & UINT64_C(0x0F0F0F0F0F0F0F0F)) * (1 + (10 << 8)) >> 8;
    v = (v & UINT64_C(0x00FF00FF00FF00FF)) * (1 + (100 << 16)) >> 16;
    return (v & UINT64_C(0x0000FFFF0000FFFF)) * (1 + (UINT64_C(10000) << 32)) >> 32;
}

/* Scans up to 18 digits at p (no overflow) into *v; returns where they end,
 * or NULL when there are none or more. Reads up to 8 bytes past a line's
 * end: the input block's FAST_SLACK covers its last line. */
static inline const char *fast_scan_u64(const char *p, uint64_t *v)
{
    const char *start = p;
    uint64_t n = 0, eight;
    while (p - start <= 10 && (memcpy(&eight, p, 8), fast_eight_digits(eight))) {
        n = n * 100000000 + fast_eight_value(eight);
        p += 8;
    }
    for (; (unsigned)(*p - '0') <= 9; p++)
        n = n * 10 + (uint64_t)(*p - '0');
    if (p == start || p - start > 18)
        return NULL;
    *v = n;
    return p;
}

/* ---- decimals: integer mantissa and a count of decimals ---------------------------- */

static const double fast_pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8,
                                    1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

/* A decimal as its digits without the point (negated for a minus sign) and
 * how many of them follow the point: "-12.50" is {-1250, 2}. */
typedef struct {
    int64_t mant;
    int decimals;
} fast_dec;

/* Scans [-]DIGITS[.DIGITS] at p, at most 15 digits, which makes
 * mant / 10^decimals an exact conversion. Returns where the number ends (the
 * caller checks its separator is there), or NULL for anything else: the
 * benchmarks' values are plain decimals, and a row with another is bad. */
static inline const char *fast_scan_dec(const char *p, fast_dec *d)
{
    int neg = *p == '-';
    const char *digits = p += neg;
    uint64_t m = 0;
    for (; (unsigned)(*p - '0') <= 9; p++)
        m = m * 10 + (uint64_t)(*p - '0');
    int whole = (int)(p - digits), decimals = 0;
    if (*p == '.') {
        const char *frac = ++p;
        for (; (unsigned)(*p - '0') <= 9; p++)
            m = m * 10 + (uint64_t)(*p - '0');
        decimals = (int)(p - frac);
    }
    if (whole + decimals == 0 || whole + decimals > 15 || (neg && m == 0))
        return NULL; /* not a number, not exact, or -0.0 (strtod keeps its sign) */
    if (decimals > 0 && m != 0 && m * 10000 < (uint64_t)fast_pow10[decimals])
        return NULL; /* below 1e-4, where %g switches to its exponent form */
    d->mant = neg ? -(int64_t)m : (int64_t)m;
    d->decimals = decimals;
    return p;
}

static inline double fast_dec_value(fast_dec d)
{
    return (double)d.mant / fast_pow10[d.decimals];
}

/* A parsed decimal as %.15g prints its double: the same digits, trailing
 * zeros of the fraction dropped ("109.20" -> "109.2", "5.00" -> "5").
 * That is rgp's shortest round trip, since 15 digits always read back. */
static inline void fast_put_dec(fast_out *out, fast_dec d)
{
    uint64_t m = d.mant < 0 ? -(uint64_t)d.mant : (uint64_t)d.mant;
    int decimals = d.decimals;
    while (decimals > 0 && m % 10 == 0) {
        m /= 10;
        decimals--;
    }
    if (d.mant < 0)
        fast_putc(out, '-'); /* "-0.00" is -0.0, which %g prints as "-0" */
    uint64_t scale = (uint64_t)fast_pow10[decimals];
    fast_put_u64(out, m / scale);
    if (decimals == 0)
        return;
    char s[16];
    uint64_t frac = m % scale;
    for (int i = decimals - 1; i >= 0; i--, frac /= 10)
        s[i] = (char)('0' + frac % 10);
    fast_putc(out, '.');
    fast_put(out, s, (size_t)decimals);
}

/* ---- floats: rgp's shortest of %.15g, %.16g, %.17g that reads back ------------------- */

typedef unsigned __int128 fast_u128;

static const uint64_t fast_pow10_u64[20] = {UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000), UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000), UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000), UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000), UINT64_C(10000000000000000), UINT64_C(100000000000000000), UINT64_C(1000000000000000000), UINT64_C(10000000000000000000)};

/* 10^k for 0 <= k <= 20, the most fast_put_f64 asks for. */
static inline fast_u128 fast_pow10_128(int k)
{
    return k < 20 ? fast_pow10_u64[k] : (fast_u128)fast_pow10_u64[19] * 10;
}

/* %.{prec}g's digits of x = m * 2^-s (as an integer d, x ~= d / 10^k), the
 * decimal exact rational rounding half to even, as glibc's printf rounds. */
static inline uint64_t fast_digits(uint64_t m, int s, int prec, int *k)
{
    for (;;) {
        fast_u128 n = (fast_u128)m * fast_pow10_128(*k);
        fast_u128 q = n >> s, r = n - (q << s), half = (fast_u128)1 << (s - 1);
        q += r > half || (r == half && (q & 1));
        if (q >= (fast_u128)fast_pow10_128(prec)) { /* too many digits: one place fewer */
            --*k;
            continue;
        }
        if (q < (fast_u128)fast_pow10_128(prec - 1)) {
            ++*k;
            continue;
        }
        return (uint64_t)q;
    }
}

/* Does d / 10^k read back as m * 2^-s (rounding to nearest, ties to even)?
 * The interval below m * 2^-s is half as wide when m is a power of two. */
static inline int fast_reads_back(uint64_t m, int s, uint64_t d, int k)
{
    fast_u128 a = (fast_u128)d << (s + 2), b = (fast_u128)m * fast_pow10_128(k) * 4;
    fast_u128 gap = 2 * fast_pow10_128(k), diff = a > b ? a - b : b - a; /* half an ulp, times 4 */
    if (a < b && m == UINT64_C(1) << 52)
        gap /= 2;
    return diff < gap || (diff == gap && !(m & 1));
}

/* Prints d / 10^k as %g does in its fixed form: trailing zeros dropped. */
static inline void fast_put_fixed(fast_out *out, int neg, uint64_t d, int k)
{
    while (k > 0 && d % 10 == 0) {
        d /= 10;
        k--;
    }
    char s[48], *p = s + sizeof s;
    int i = 0;
    do {
        *--p = (char)('0' + d % 10);
        d /= 10;
        if (++i == k)
            *--p = '.';
    } while (d || i < k);
    if (i == k)
        *--p = '0';
    if (neg)
        *--p = '-';
    fast_put(out, p, (size_t)(s + sizeof s - p));
}

static inline void fast_put_f64_slow(fast_out *out, double x)
{
    char s[32];
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(s, sizeof s, "%.*g", prec, x);
        if (prec == 17 || strtod(s, NULL) == x)
            break;
    }
    fast_put(out, s, (size_t)n);
}

/* Exact for 1e-3 <= |x| < 1e15 (the fixed form of %g, every product within
 * 128 bits); snprintf elsewhere. */
static inline void fast_put_f64(fast_out *out, double x)
{
    double a = x < 0 ? -x : x;
    if (!(a >= 1e-3 && a < 1e15)) {
        fast_put_f64_slow(out, x);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int exp2 = (int)(bits >> 52); /* a is normal here */
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int s = 1075 - exp2; /* a = m * 2^-s, with 1 <= s <= 62 in this range */
    int e10 = a >= 1 ? 0 : a >= 0.1 ? -1 : a >= 0.01 ? -2 : -3; /* about floor(log10(a)) */
    while (a >= 1 && e10 < 14 && a >= fast_pow10[e10 + 1])
        e10++;
    for (int prec = 15; prec <= 17; prec++) {
        int k = prec - 1 - e10; /* fast_digits corrects it by one when it is off */
        uint64_t d = fast_digits(m, s, prec, &k);
        if (prec == 17 || fast_reads_back(m, s, d, k)) {
            fast_put_fixed(out, x < 0, d, k);
            return;
        }
    }
}

#endif
