/* rgp_fixed.h - a double with exactly N decimals (N 0..17), the same bytes as
 * printf's "%.Nf": fixed(x, N) and the `floats: N` sink option.  Integer
 * arithmetic for values whose scaled magnitude is below 2^53 and clear of a
 * rounding tie, or whole; snprintf for the rest.  Compiled by cc and libtcc. */
#ifndef RGP_FIXED_H
#define RGP_FIXED_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RGP_FIXED_MAX_DECIMALS 17
#define RGP_FIXED_MAX 352   /* bytes: "%.17f" of -DBL_MAX is 327 */

static const double rgp__fixed_scale[RGP_FIXED_MAX_DECIMALS + 1] = {   /* all exact: 5^17 < 2^53 */
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
};

/* sign, then q / 10^n, '.', and the n low digits of q with their zeros */
static inline size_t rgp__fixed_put(char *out, int neg, uint64_t q, int n, int zeros)
{
    char digits[24];
    int nd = 0;
    size_t o = 0;
    if (neg) out[o++] = '-';
    do {
        digits[nd++] = (char)('0' + q % 10);
        q /= 10;
    } while (q);
    while (nd <= n) digits[nd++] = '0';   /* at least one digit before the point */
    while (nd > n) out[o++] = digits[--nd];
    if (n > 0 || zeros > 0) out[o++] = '.';
    while (nd > 0) out[o++] = digits[--nd];
    for (; zeros > 0; zeros--) out[o++] = '0';
    return o;
}

/* Writes v with n decimals (0 <= n <= 17) into out (RGP_FIXED_MAX bytes),
 * returning the length; no terminating NUL.  Like printf: "-" for every
 * negative sign (-0.00), "nan" / "-nan", "inf" / "-inf". */
static inline size_t rgp_fmt_fixed(char *out, double v, int n)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int neg = (int)(bits >> 63);
    if ((bits & UINT64_C(0x7ff0000000000000)) == UINT64_C(0x7ff0000000000000)) {
        int nan = (bits & UINT64_C(0x000fffffffffffff)) != 0;
        size_t o = 0;
        if (neg) out[o++] = '-';
        memcpy(out + o, nan ? "nan" : "inf", 3);
        return o + 3;
    }
    if (n < 0) n = 0;
    if (n > RGP_FIXED_MAX_DECIMALS) n = RGP_FIXED_MAX_DECIMALS;
    double a = neg ? -v : v, s = a * rgp__fixed_scale[n];
    /* s is a 10^n rounded once: within s 2^-53 of the exact product. Below 2^53,
     * q = floor(s) and f = s - q are exact, and when f is further than twice that
     * error from one half, the exact product rounds the way s does. */
    if (s < 9007199254740992.0) {
        uint64_t q = (uint64_t)s;
        double f = s - (double)q, d = f < 0.5 ? 0.5 - f : f - 0.5;
        if (d > s * (1.0 / 4503599627370496.0))
            return rgp__fixed_put(out, neg, q + (f > 0.5), n, 0);
    } else if (a < 18446744073709551616.0) {
        uint64_t w = (uint64_t)a;
        if ((double)w == a)   /* whole (always, from 2^53): its digits, then n zeros */
            return rgp__fixed_put(out, neg, w, 0, n);
    }
    /* a tie or near one, or too large: the C library decides (exactly, in glibc) */
    int len = snprintf(out, RGP_FIXED_MAX, "%.*f", n, v);
    return len > 0 ? (size_t)len : 0;
}

#endif /* RGP_FIXED_H */
