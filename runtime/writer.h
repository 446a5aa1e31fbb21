/* writer.h - buffered output to a file or stdout, and the value formatting
 * that generated sinks use for CSV and JSON lines.  Formatting never calls
 * printf on the integer path; floats print the shortest text that reads back
 * to the same double, identically under cc and tcc (both use glibc). */
#ifndef RGP_WRITER_H
#define RGP_WRITER_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgp_std.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define RGP_WRITER_CAP ((size_t)64 * 1024)

typedef struct rgp_writer {
    int fd;
    int owns_fd;         /* close on rgp_writer_close; not for stdout */
    const char *display; /* the path as the user wrote it, for messages */
    char *buf;           /* RGP_WRITER_CAP bytes */
    size_t len;
    int failed;          /* once set, output is discarded */
    int err;             /* errno of the first failure */
} rgp_writer;

/* Takes ownership of fd (closed by rgp_writer_close unless it is 1). */
static inline int rgp_writer_open_fd(rgp_writer *w, int fd, const char *display)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->buf = (char *)malloc(RGP_WRITER_CAP);
    if (!w->buf) {
        errno = ENOMEM;
        return -1;
    }
    w->fd = fd;
    w->owns_fd = fd != STDOUT_FILENO;
    w->display = display;
    return 0;
}

/* path "-" means stdout; display defaults to path. */
static inline int rgp_writer_open(rgp_writer *w, const char *path, const char *display)
{
    int fd, e;
    if (!display)
        display = path;
    if (strcmp(path, "-") == 0) {
        fd = STDOUT_FILENO;
    } else {
        do
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            memset(w, 0, sizeof *w);
            w->fd = -1;
            return -1;
        }
    }
    if (rgp_writer_open_fd(w, fd, display) != 0) {
        e = errno;
        if (fd != STDOUT_FILENO)
            close(fd);
        errno = e;
        return -1;
    }
    return 0;
}

static inline void rgp__writer_fail(rgp_writer *w, int e)
{
    if (!w->failed) {
        w->failed = 1;
        w->err = e;
    }
}

static inline int rgp__writer_write_all(rgp_writer *w, const char *p, size_t n)
{
    if (w->failed) {
        errno = w->err;
        return -1;
    }
    while (n > 0) {
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            rgp__writer_fail(w, errno);
            return -1;
        }
        if (k == 0) { /* no progress and no error: do not spin */
            rgp__writer_fail(w, EIO);
            errno = EIO;
            return -1;
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Empties the buffer even on failure, so later writes are cheap no-ops. */
static inline int rgp_writer_flush(rgp_writer *w)
{
    size_t n = w->len;
    w->len = 0;
    if (n == 0 && !w->failed)
        return 0;
    return rgp__writer_write_all(w, w->buf, n);
}

/* Returns -1 with errno if any write (or the close) ever failed. */
static inline int rgp_writer_close(rgp_writer *w)
{
    if (w->buf)
        rgp_writer_flush(w);
    if (w->owns_fd && w->fd >= 0 && close(w->fd) != 0)
        rgp__writer_fail(w, errno);
    free(w->buf);
    w->buf = NULL;
    w->fd = -1;
    w->owns_fd = 0;
    w->len = 0;
    if (w->failed) {
        errno = w->err;
        return -1;
    }
    return 0;
}

static inline void rgp_w_bytes(rgp_writer *w, const char *p, size_t n)
{
    if (n > RGP_WRITER_CAP - w->len) {
        rgp_writer_flush(w);
        if (n >= RGP_WRITER_CAP) { /* big chunk: skip the copy */
            rgp__writer_write_all(w, p, n);
            return;
        }
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void rgp_w_char(rgp_writer *w, char c)
{
    if (w->len == RGP_WRITER_CAP)
        rgp_writer_flush(w);
    w->buf[w->len++] = c;
}

static inline void rgp_w_u64(rgp_writer *w, uint64_t v)
{
    char tmp[20];
    char *p = tmp + sizeof tmp;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    rgp_w_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

static inline void rgp_w_i64(rgp_writer *w, int64_t v)
{
    char tmp[21];
    char *p = tmp + sizeof tmp;
    /* magnitude in unsigned, so INT64_MIN needs no special case */
    uint64_t m = v < 0 ? 0u - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        *--p = '-';
    rgp_w_bytes(w, p, (size_t)(tmp + sizeof tmp - p));
}

static inline void rgp_w_bool(rgp_writer *w, bool v)
{
    if (v)
        rgp_w_bytes(w, "true", 4);
    else
        rgp_w_bytes(w, "false", 5);
}

/* Formats a finite double into out (>= 32 bytes), returning the length.
 * The shortest of %.15g, %.16g, %.17g that strtod reads back bit-exactly;
 * any double with at most 15 significant digits prints with them (DBL_DIG
 * is 15), so this is the shortest form for normal numbers.  Subnormals have
 * fewer digits of precision, so for them every precision is tried
 * (5e-324, not 4.94065645841247e-324).  The exponent is written without
 * '+' and leading zeros: 1e21, 1e-7. */
static inline size_t rgp__fmt_f64(char *out, double v)
{
    char tmp[40];
    uint64_t bits = rgp__f64_bits(v);
    int subnormal = (bits & UINT64_C(0x7ff0000000000000)) == 0;
    int prec = subnormal ? 1 : 15;
    size_t i, o = 0;
    int n = 0;

    /* Whole numbers below 1e15 print as %.15g would, without its cost. */
    if (v > -1e15 && v < 1e15 && bits != UINT64_C(0x8000000000000000)) {
        int64_t iv = (int64_t)v;
        if ((double)iv == v) {
            uint64_t m = iv < 0 ? 0u - (uint64_t)iv : (uint64_t)iv;
            char *p = tmp + sizeof tmp;
            do {
                *--p = (char)('0' + m % 10);
                m /= 10;
            } while (m);
            if (iv < 0)
                *--p = '-';
            o = (size_t)(tmp + sizeof tmp - p);
            memcpy(out, p, o);
            return o;
        }
    }
    /* Few decimals (most data): the smallest k for which N = round(|v| * 10^k)
     * gives back v as N / 10^k (one correctly rounded division of exact
     * doubles) names the one decimal of at most 15 digits that reads back as v,
     * which is what %.15g prints; so print N with k decimals. The 15-digit grid
     * is over four ulps wide, so no other such decimal exists. */
    if ((v >= 1e-4 && v < 1e15) || (v <= -1e-4 && v > -1e15)) {
        static const double pow10[16] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
        double a = v < 0 ? -v : v;
        for (int k = 1; k <= 15; k++) {
            double scaled = a * pow10[k];
            if (scaled >= 1e15) break;
            uint64_t m = (uint64_t)(scaled + 0.5);
            if ((double)m / pow10[k] != a) continue;
            char *p = tmp + sizeof tmp;
            for (int d = 0; d < k; d++, m /= 10) *--p = (char)('0' + m % 10);
            *--p = '.';
            do {
                *--p = (char)('0' + m % 10);
                m /= 10;
            } while (m);
            if (v < 0) *--p = '-';
            o = (size_t)(tmp + sizeof tmp - p);
            memcpy(out, p, o);
            return o;
        }
    }
    for (; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (prec == 17 || rgp__f64_bits(strtod(tmp, NULL)) == bits)
            break;
    }
    for (i = 0; i < (size_t)n; i++) {
        out[o++] = tmp[i];
        if (tmp[i] == 'e') {
            i++;
            if (tmp[i] == '-')
                out[o++] = '-';
            if (tmp[i] == '-' || tmp[i] == '+')
                i++;
            while (tmp[i] == '0' && i + 1 < (size_t)n)
                i++;
            for (; i < (size_t)n; i++)
                out[o++] = tmp[i];
            break;
        }
    }
    return o;
}

/* NaN (either sign) prints "nan", infinities "inf" / "-inf", -0.0 "-0". */
static inline void rgp_w_f64(rgp_writer *w, double v)
{
    char tmp[40];
    if (rgp__f64_is_nan(v)) {
        rgp_w_bytes(w, "nan", 3);
        return;
    }
    if (rgp__f64_is_inf(v)) {
        if (rgp__f64_bits(v) >> 63)
            rgp_w_bytes(w, "-inf", 4);
        else
            rgp_w_bytes(w, "inf", 3);
        return;
    }
    rgp_w_bytes(w, tmp, rgp__fmt_f64(tmp, v));
}

/* JSON has no NaN or infinity: they become null. */
static inline void rgp_w_json_f64(rgp_writer *w, double v)
{
    char tmp[40];
    if (rgp__f64_is_nan(v) || rgp__f64_is_inf(v)) {
        rgp_w_bytes(w, "null", 4);
        return;
    }
    rgp_w_bytes(w, tmp, rgp__fmt_f64(tmp, v));
}

/* RFC 4180: quoted (with "" for ") when it holds delim, '"', CR or LF;
 * otherwise, including when empty, written as is.  Note an empty string
 * alone on a row makes an empty line, which rgp_csv_next_row skips. */
static inline void rgp_w_csv_str(rgp_writer *w, rgp_str s, char delim)
{
    size_t i;
    const char *p = s.ptr, *e = s.ptr + s.len;
    for (i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == delim || c == '"' || c == '\n' || c == '\r')
            break;
    }
    if (i == s.len) {
        rgp_w_bytes(w, s.ptr, s.len);
        return;
    }
    rgp_w_char(w, '"');
    for (;;) {
        const char *q = (const char *)memchr(p, '"', (size_t)(e - p));
        if (!q) {
            rgp_w_bytes(w, p, (size_t)(e - p));
            break;
        }
        rgp_w_bytes(w, p, (size_t)(q + 1 - p)); /* up to and including " */
        rgp_w_char(w, '"');
        p = q + 1;
    }
    rgp_w_char(w, '"');
}

/* A JSON string with its quotes.  Escapes " \ and control bytes (short
 * forms where JSON has them, else \u00xx); bytes >= 0x80 pass through, so
 * UTF-8 input stays UTF-8. */
static inline void rgp_w_json_str(rgp_writer *w, rgp_str s)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i, run = 0;
    rgp_w_char(w, '"');
    for (i = 0; i < s.len; i++) {
        unsigned char c = p[i];
        char esc[6];
        size_t elen = 2;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        rgp_w_bytes(w, s.ptr + run, i - run);
        run = i + 1;
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            elen = 6;
        }
        rgp_w_bytes(w, esc, elen);
    }
    rgp_w_bytes(w, s.ptr + run, s.len - run);
    rgp_w_char(w, '"');
}

#endif /* RGP_WRITER_H */
