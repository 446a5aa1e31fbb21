/* writer.h - buffered output to a file or stdout, and the value formatting
 * that generated sinks use for CSV and JSON lines.  Formatting never calls
 * printf: floats print the shortest text that reads back to the same double,
 * from integer arithmetic, identically under cc and tcc. */
#ifndef RGP_WRITER_H
#define RGP_WRITER_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rgp_pow10.h"
#include "rgp_std.h"
#include "journal.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define RGP_WRITER_CAP ((size_t)64 * 1024)

typedef struct rgp_writer {
    int fd;
    int owns_fd;         /* close on rgp_writer_close; not for stdout or stderr, nor a fd shared with another writer */
    int had_data;        /* opened to append to a file that was not empty: a csv sink writes no header */
    const char *headers[8]; /* the csv header lines written to this fd, in the writer that opened it */
    int nheaders;
    struct rgp_writer *owner; /* a shared writer: the one that opened the fd (headers are kept there) */
    const char *display; /* the path as the user wrote it, for messages */
    char *buf;           /* RGP_WRITER_CAP bytes */
    size_t len;
    size_t mark;         /* end of the last whole record in buf (rgp_w_end_record) */
    int failed;          /* once set, output is discarded */
    int err;             /* errno of the first failure */
    int reported;        /* the failure has been reported (by the program, once) */
    uint64_t bytes_out;  /* bytes handed to the kernel: the writer's thread's alone (metrics) */
    /* Writers on several threads may share one fd (sinks on one file). Each then
     * writes whole records only, under the lock, so lines never interleave. A
     * record longer than the buffer goes out in pieces with the lock held. */
    pthread_mutex_t *lock;       /* NULL: this writer has its fd to itself */
    int holding;                 /* the lock is held across the pieces of one long record */
    pthread_mutex_t lock_storage; /* the lock, in the writer that opened the fd */
    /* A journal sink: records go to the journal as frames, not to fd as text;
     * flush hands them to the kernel and syncs when the period is up, close syncs. */
    rgp_journal_writer *journal;
    unsigned char *jbuf;         /* one record's payload, encoded before it is framed */
    size_t jcap;
    unsigned jappends;           /* appends since the last look at the clock */
    /* A tcp sink (net_sink.h): flush frames the whole records and sends them,
     * keeping what the peer has not acknowledged; net_skip drops the rest of a
     * record longer than the buffer. */
    struct rgp_net_sink *net;
    int net_skip;
} rgp_writer;

static int rgp__net_sink_flush(rgp_writer *w);   /* net_sink.h */
static int rgp__net_sink_close(rgp_writer *w);

/* Takes ownership of fd (closed by rgp_writer_close unless it is 1 or 2). */
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
    w->owns_fd = fd != STDOUT_FILENO && fd != STDERR_FILENO;
    w->display = display;
    return 0;
}

/* The path that means stderr: a sink declared on stderr has it, and NAME=/dev/stderr
 * on the command line means the same (the fd itself, never reopened or truncated). */
#define RGP_STDERR_PATH "/dev/stderr"

/* path "-" means stdout and RGP_STDERR_PATH stderr; display defaults to path.
 * append: add to the end of the file instead of truncating it. */
static inline int rgp_writer_open_mode(rgp_writer *w, const char *path, const char *display, int append)
{
    int fd, e;
    off_t end = 0;
    if (!display)
        display = path;
    if (strcmp(path, "-") == 0) {
        fd = STDOUT_FILENO;
    } else if (strcmp(path, RGP_STDERR_PATH) == 0) {
        fd = STDERR_FILENO;
    } else {
        do
            fd = open(path, O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0644);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            memset(w, 0, sizeof *w);
            w->fd = -1;
            return -1;
        }
        if (append)
            end = lseek(fd, 0, SEEK_END);   /* a pipe or terminal says -1: nothing there to head */
    }
    if (rgp_writer_open_fd(w, fd, display) != 0) {
        e = errno;
        if (fd != STDOUT_FILENO && fd != STDERR_FILENO)
            close(fd);
        errno = e;
        return -1;
    }
    w->had_data = end > 0;
    return 0;
}

static inline int rgp_writer_open(rgp_writer *w, const char *path, const char *display)
{
    return rgp_writer_open_mode(w, path, display, 0);
}

/* A second writer, for another thread, on the fd that `owner` opened: from now
 * on both flush whole records under one lock. The owner closes the fd. */
static inline int rgp_writer_share(rgp_writer *w, rgp_writer *owner, const char *display)
{
    if (rgp_writer_open_fd(w, owner->fd, display) != 0)
        return -1;
    w->owns_fd = 0;
    w->had_data = owner->had_data;
    w->owner = owner;
    if (!owner->lock) {
        pthread_mutex_init(&owner->lock_storage, NULL);
        owner->lock = &owner->lock_storage;
    }
    w->lock = owner->lock;
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
        w->bytes_out += (uint64_t)k;
    }
    return 0;
}

#define RGP__MID_RECORD SIZE_MAX /* mark while a long record is going out in pieces */

/* Drops the first n bytes of the buffer (they have been written). */
static inline void rgp__writer_shift(rgp_writer *w, size_t n)
{
    memmove(w->buf, w->buf + n, w->len - n);
    w->len -= n;
    w->mark -= n;
}

/* A shared fd: the whole records go out under the lock and the start of the
 * next one stays in the buffer. A record that fills the buffer alone goes out
 * in pieces, and the lock stays held until its end has gone too. Leaves room
 * in the buffer, as every flush must. */
static inline int rgp__writer_flush_shared(rgp_writer *w)
{
    int rc = 0;
    if (w->holding && w->mark != RGP__MID_RECORD) { /* the long record has ended */
        rc |= rgp__writer_write_all(w, w->buf, w->mark);
        rgp__writer_shift(w, w->mark);
        w->holding = 0;
        pthread_mutex_unlock(w->lock);
    }
    if (!w->holding && w->mark > 0) {
        pthread_mutex_lock(w->lock);
        rc |= rgp__writer_write_all(w, w->buf, w->mark);
        pthread_mutex_unlock(w->lock);
        rgp__writer_shift(w, w->mark);
    }
    if (w->len == RGP_WRITER_CAP) {
        if (!w->holding)
            pthread_mutex_lock(w->lock);
        w->holding = 1;
        rc |= rgp__writer_write_all(w, w->buf, w->len);
        w->len = 0;
        w->mark = RGP__MID_RECORD;
    }
    if (w->failed) {
        if (w->holding)
            pthread_mutex_unlock(w->lock);
        w->holding = 0;
        w->len = w->mark = 0;
        errno = w->err;
        return -1;
    }
    return rc;
}

/* Called after each record: the buffer up to here holds whole records. The
 * end of a record that went out in pieces goes at once, and the lock with it:
 * the lock is never held between records (the thread may wait, or end). */
static inline void rgp_w_end_record(rgp_writer *w)
{
    if (w->net_skip) { /* the end of a record too long for a tcp sink's buffer: dropped */
        w->len = w->mark;
        w->net_skip = 0;
        return;
    }
    w->mark = w->len;
    if (w->holding)
        rgp__writer_flush_shared(w);
}

/* Empties the buffer even on failure, so later writes are cheap no-ops. */
static inline int rgp__writer_journal_failed(rgp_writer *w)
{
    rgp__writer_fail(w, EIO);   /* w->journal->err says what happened */
    errno = EIO;
    return -1;
}

static inline int rgp_writer_flush(rgp_writer *w)
{
    if (w->journal) {
        if (w->failed) return -1;
        w->jappends = 0;
        return rgp_journal_flush(w->journal) == 0 && rgp_journal_tick(w->journal) == 0 ? 0 : rgp__writer_journal_failed(w);
    }
    if (w->lock)
        return rgp__writer_flush_shared(w);
    if (w->net)
        return rgp__net_sink_flush(w);
    size_t n = w->len;
    w->len = w->mark = 0;
    if (n == 0 && !w->failed)
        return 0;
    return rgp__writer_write_all(w, w->buf, n);
}

/* Returns -1 with errno if any write (or the close) ever failed. */
static inline int rgp_writer_close(rgp_writer *w)
{
    if (w->journal) {
        if (rgp_journal_writer_close(w->journal) != 0 && !w->failed) rgp__writer_journal_failed(w);
        w->journal = NULL;
        free(w->jbuf);
        w->jbuf = NULL;
        if (w->failed) {
            errno = w->err;
            return -1;
        }
        return 0;
    }
    if (w->net)
        return rgp__net_sink_close(w);
    if (w->buf) {
        w->mark = w->len; /* whatever is left is the end of the output */
        rgp_writer_flush(w);
    }
    if (w->holding) {
        w->holding = 0;
        pthread_mutex_unlock(w->lock);
    }
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

/* The buffer is full: out of line, so the common path stays a copy. */
__attribute__((noinline)) static void rgp__w_bytes_slow(rgp_writer *w, const char *p, size_t n)
{
    rgp_writer_flush(w);
    if (n >= RGP_WRITER_CAP && !w->lock && !w->net) { /* big chunk: skip the copy */
        rgp__writer_write_all(w, p, n);
        return;
    }
    while (n > RGP_WRITER_CAP - w->len) { /* shared: through the buffer, in whole records */
        size_t k = RGP_WRITER_CAP - w->len;
        memcpy(w->buf + w->len, p, k);
        w->len += k;
        p += k;
        n -= k;
        rgp_writer_flush(w);
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static inline void rgp_w_bytes(rgp_writer *w, const char *p, size_t n)
{
    if (n > RGP_WRITER_CAP - w->len) {
        rgp__w_bytes_slow(w, p, n);
        return;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

/* A csv sink's header line, written by main before any thread starts: none on a
 * file opened to append that has data already, and each distinct line once on
 * an fd that several sinks share (the first eight are remembered). */
static inline void rgp_w_header(rgp_writer *w, const char *line, size_t n)
{
    rgp_writer *root = w->owner ? w->owner : w;
    if (w->had_data)
        return;
    for (int k = 0; k < root->nheaders; k++)
        if (!strcmp(root->headers[k], line))
            return;
    if (root->nheaders < (int)(sizeof root->headers / sizeof root->headers[0]))
        root->headers[root->nheaders++] = line;
    rgp_w_bytes(w, line, n);
    rgp_w_end_record(w);
}

static inline void rgp_w_char(rgp_writer *w, char c)
{
    if (w->len == RGP_WRITER_CAP)
        rgp_writer_flush(w);
    w->buf[w->len++] = c;
}

static inline int rgp__u64_digits(uint64_t n);
static inline void rgp__put_digits(char *end, uint64_t n);
static inline void rgp__put_8digits(char *p, uint32_t n);

/* Writes v's digits at p; returns how many (at most 20). The low eight
 * digits of a large v go in 32-bit arithmetic, the rest two a division. */
static inline int rgp__put_u64(char *p, uint64_t v)
{
    if (v < UINT64_C(100000000)) {
        int nd = rgp__u64_digits(v);
        rgp__put_digits(p + nd, v);
        return nd;
    }
    uint64_t hi = v / UINT64_C(100000000);
    int hd = rgp__u64_digits(hi);
    rgp__put_digits(p + hd, hi);
    rgp__put_8digits(p + hd, (uint32_t)(v - hi * UINT64_C(100000000)));
    return hd + 8;
}

/* Integers go straight into the buffer when it has room: a row of
 * timestamps is mostly this. */
static inline void rgp_w_u64(rgp_writer *w, uint64_t v)
{
    if (RGP_WRITER_CAP - w->len < 20) {
        char tmp[20];
        rgp_w_bytes(w, tmp, (size_t)rgp__put_u64(tmp, v));
        return;
    }
    w->len += (size_t)rgp__put_u64(w->buf + w->len, v);
}

static inline void rgp_w_i64(rgp_writer *w, int64_t v)
{
    if (v < 0)
        rgp_w_char(w, '-');
    /* magnitude in unsigned, so INT64_MIN needs no special case */
    rgp_w_u64(w, v < 0 ? 0u - (uint64_t)v : (uint64_t)v);
}

static inline void rgp_w_bool(rgp_writer *w, bool v)
{
    if (v)
        rgp_w_bytes(w, "true", 4);
    else
        rgp_w_bytes(w, "false", 5);
}

/* ---- floats -------------------------------------------------------------
 * A float prints as %.15g would, or %.16g, or %.17g: the first of them that
 * reads back as the same double (for subnormals, the first of %.1g..%.17g),
 * with the exponent written without '+' and leading zeros: 1e21, 1e-7.  That
 * is the shortest text that reads back, except for 46 powers of two that get
 * a 17th digit (tests/check_writer.c).  The digits come from exact integer
 * arithmetic, not printf: v = c 2^q is scaled by a power of ten 10^-k
 * (rgp_pow10.h) so that one unit is at most an ulp, and each candidate (v
 * rounded to 15, 16 or 17 digits) is kept if it lies in v's rounding interval,
 * the reals that strtod reads as v. */

/* hi:lo = a b, from four 32 x 32 bit products: tcc has no 128-bit integers */
static inline void rgp__mul_64x64_halves(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10; /* < 3 2^32 */
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    *lo = mid << 32 | (uint32_t)p00;
}

/* hi:lo = a b */
static inline void rgp__mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__) && !defined(__TINYC__)
    unsigned __int128 p = (unsigned __int128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    rgp__mul_64x64_halves(a, b, hi, lo);
#endif
}

/* floor(t / 2^32) for negative t too, without relying on how >> treats them */
static inline int rgp__floor_shift32(int64_t t)
{
    return t >= 0 ? (int)(t >> 32) : -(int)((-t + 0xffffffff) >> 32);
}

/* floor(q log10 2) and floor(j log2 10), for |q| < 1100 and |j| < 330 (the
 * constants are the logarithms times 2^32, rounded up; tests check every q and j) */
static inline int rgp__floor_log10_pow2(int q)
{
    return rgp__floor_shift32((int64_t)q * INT64_C(1292913987));
}

static inline int rgp__floor_log2_pow10(int j)
{
    return rgp__floor_shift32((int64_t)j * INT64_C(14267572528));
}

/* Whether x 2^q 10^-k = x 2^(q-k) 5^-k is an integer. */
static inline int rgp__is_integer(uint64_t x, int q, int k)
{
    int i, twos = q - k;
    for (i = 0; i < k; i++) {
        if (x % 5 != 0)
            return 0;
        x /= 5;
    }
    return twos >= 0 || (twos > -64 && (x & ((UINT64_C(1) << -twos) - 1)) == 0);
}

/* *n = floor(x 2^q 10^-k) and *inexact = whether that dropped a fraction, for
 * x < 2^56 and the k that rgp__f64_decimal picks (so x 2^h < 2^64 below).
 * The table entry is 10^-k 2^(127-e) rounded up, e = floor(log2 10^-k), so
 * with h = 1 + q + e the top 64 bits of (x 2^h) entry / 2^128 are n, and the
 * product exceeds the true value by less than 2^-64.  A fraction of 2^-64 or
 * more is therefore real; below that the value is an integer or too close to
 * one for 128 bits to tell which side it lies on: then returns 0 (no double
 * is known to get there, but the caller falls back to printf rather than
 * guess). */
static inline int rgp__scale(uint64_t x, int q, int k, uint64_t *n, int *inexact)
{
    const uint64_t *p = rgp__pow10[k - RGP__POW10_KMIN];
    uint64_t m = x << (1 + q + rgp__floor_log2_pow10(-k));
    uint64_t hi1, lo1, hi0, lo0, mid;
    rgp__mul_64x64(m, p[0], &hi1, &lo1);
    rgp__mul_64x64(m, p[1], &hi0, &lo0);
    mid = lo1 + hi0;
    *n = hi1 + (mid < lo1);
    *inexact = 1;
    if (mid != 0)
        return 1;
    *inexact = 0;
    return rgp__is_integer(x, q, k);
}

/* Decimal digits of n (n > 0). */
static inline int rgp__u64_digits(uint64_t n)
{
    int d = 1;
    for (; n >= 10000; n /= 10000)
        d += 4;
    return d + (n >= 10) + (n >= 100) + (n >= 1000);
}

static const uint64_t rgp__pow10_u64[19] = {UINT64_C(1), UINT64_C(10), UINT64_C(100), UINT64_C(1000),
    UINT64_C(10000), UINT64_C(100000), UINT64_C(1000000), UINT64_C(10000000), UINT64_C(100000000),
    UINT64_C(1000000000), UINT64_C(10000000000), UINT64_C(100000000000), UINT64_C(1000000000000),
    UINT64_C(10000000000000), UINT64_C(100000000000000), UINT64_C(1000000000000000),
    UINT64_C(10000000000000000), UINT64_C(100000000000000000), UINT64_C(1000000000000000000)};

/* The decimal *dec 10^*exp10 (*dec has *ndigits digits) that the float with
 * these bits (positive, finite, not 0) prints as, and the precision *prec
 * that %g used for it.  Returns 0 if the scaling could not decide. */
static inline int rgp__f64_decimal(uint64_t bits, uint64_t *dec, int *ndigits, int *exp10, int *prec)
{
    int be = (int)(bits >> 52), j, top, nd;
    uint64_t frac = bits & ((UINT64_C(1) << 52) - 1);
    uint64_t c = be ? frac | UINT64_C(1) << 52 : frac; /* v = c 2^q */
    int q = be ? be - 1075 : -1074;
    /* A power of two is nearer its lower neighbour: its interval reaches a
     * quarter ulp down, half an ulp up, and the nearest 16 digits may fall
     * outside it; one more digit in the scale keeps 17 within reach. */
    int pow2 = frac == 0 && be > 1;
    int k = rgp__floor_log10_pow2(q) - pow2;
    int closed = (c & 1) == 0; /* the ends read back as v: ties go to the even neighbour */
    uint64_t vb, lo, hi, s;     /* over 10^k and floored: 4 v and the ends 4 (c -+ 1/2) 2^q */
    int vb_x, lo_x, hi_x;       /* whether each dropped a fraction */

    if (!rgp__scale(4 * c, q, k, &vb, &vb_x) || !rgp__scale(4 * c - 2 + (uint64_t)pow2, q, k, &lo, &lo_x) ||
        !rgp__scale(4 * c + 2, q, k, &hi, &hi_x))
        return 0;
    s = vb >> 2; /* floor(v / 10^k): 16 or 17 digits for normal numbers, 17 or 18 for powers of two */
    nd = be ? 16 + (s >= UINT64_C(10000000000000000)) + (s >= UINT64_C(100000000000000000)) : rgp__u64_digits(s);
    /* v rounded half to even to the grids 10^(k+top) .. 10^k, in turn.  For
     * a normal number the first has 15 digits, as %.15g, and the last tried
     * has 16 or 17, whose nearest point is always in the interval.  A
     * subnormal has fewer digits, tried from one up: the interval holds at
     * most one point of the grid 10^(k+1), which then is also what every
     * shorter %g found; else the nearest point of 10^k is in it. */
    top = be ? nd - 15 : 1;
    for (j = top; j >= 0; j--) {
        uint64_t n, t, d4, cand;
        int up;
        switch (j) { /* constant divisors divide by multiplying */
        case 0: n = s; d4 = 4; break;
        case 1: n = s / 10; d4 = 40; break;
        case 2: n = s / 100; d4 = 400; break;
        default: n = s / 1000; d4 = 4000; break;
        }
        t = vb - n * d4; /* 4 (v / 10^k mod 10^j), floored */
        up = t > d4 / 2 || (t == d4 / 2 && (vb_x || (n & 1)));
        cand = vb - t + (up ? d4 : 0); /* 4 (n + up) 10^j */
        if (closed ? cand >= lo + (uint64_t)lo_x && cand <= hi : cand > lo && cand < hi + (uint64_t)hi_x) {
            *dec = n + (uint64_t)up;
            *ndigits = nd - j + (*dec == rgp__pow10_u64[nd - j]); /* 9.99 may round up to 10.0 */
            *exp10 = k + j;
            *prec = nd - j;
            return 1;
        }
    }
    return 0;
}

/* "00" "01" .. "99": two digits per division */
static const char rgp__digit_pairs[201] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                          "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                          "8081828384858687888990919293949596979899";

/* Writes n's digits so that they end just before end. */
static inline void rgp__put_digits(char *end, uint64_t n)
{
    for (; n >= 100; n /= 100) {
        const char *pair = rgp__digit_pairs + 2 * (n % 100);
        *--end = pair[1];
        *--end = pair[0];
    }
    if (n >= 10) {
        *--end = rgp__digit_pairs[2 * n + 1];
        *--end = rgp__digit_pairs[2 * n];
    } else {
        *--end = (char)('0' + n);
    }
}

/* Writes n < 10^8 as exactly eight digits. */
static inline void rgp__put_8digits(char *p, uint32_t n)
{
    uint32_t hi = n / 10000, lo = n % 10000;
    memcpy(p, rgp__digit_pairs + 2 * (hi / 100), 2);
    memcpy(p + 2, rgp__digit_pairs + 2 * (hi % 100), 2);
    memcpy(p + 4, rgp__digit_pairs + 2 * (lo / 100), 2);
    memcpy(p + 6, rgp__digit_pairs + 2 * (lo % 100), 2);
}

/* Writes [-]dec 10^exp10 (dec has nd digits, at most 18) as %.{prec}g would:
 * trailing zeros removed, exponent form when the exponent x of the first
 * digit is below -4 or at least prec.  At most 25 bytes, but it may scribble
 * up to out[39].  The digits go through a buffer so that every copy has a
 * fixed size (16 or 17 bytes, more than the digits need). */
static inline size_t rgp__f64_layout(char *out, int neg, uint64_t dec, int nd, int exp10, int prec)
{
    char buf[40] = {0}, *dig, *p = out;
    int x = exp10 + nd - 1, i;
    uint64_t low16;
    while (dec % 100000000 == 0) {
        dec /= 100000000;
        nd -= 8;
    }
    if (dec % 10000 == 0) {
        dec /= 10000;
        nd -= 4;
    }
    if (dec % 100 == 0) {
        dec /= 100;
        nd -= 2;
    }
    if (dec % 10 == 0) {
        dec /= 10;
        nd--;
    }
    low16 = dec % UINT64_C(10000000000000000);
    rgp__put_8digits(buf, (uint32_t)(dec / UINT64_C(10000000000000000)));
    rgp__put_8digits(buf + 8, (uint32_t)(low16 / 100000000));
    rgp__put_8digits(buf + 16, (uint32_t)(low16 % 100000000));
    dig = buf + 24 - nd; /* dig[0..nd) are the digits */
    if (neg)
        *p++ = '-';
    if (x < -4 || x >= prec) { /* 1.5e-10 */
        p[0] = dig[0];
        p[1] = '.';
        memcpy(p + 2, dig + 1, 16);
        p += nd > 1 ? nd + 1 : 1;
        *p++ = 'e';
        if (x < 0) {
            *p++ = '-';
            x = -x;
        }
        if (x >= 100)
            *p++ = (char)('0' + x / 100);
        if (x >= 10)
            *p++ = (char)('0' + x / 10 % 10);
        *p++ = (char)('0' + x % 10);
    } else if (x < 0) { /* 0.00015 */
        *p++ = '0';
        *p++ = '.';
        for (i = -1; i > x; i--)
            *p++ = '0';
        memcpy(p, dig, 17);
        p += nd;
    } else if (nd <= x + 1) { /* 1500 */
        memcpy(p, dig, 17);
        p += nd;
        for (i = nd; i <= x; i++)
            *p++ = '0';
    } else { /* 15.25 */
        memcpy(p, dig, 16);
        p[x + 1] = '.';
        memcpy(p + x + 2, dig + x + 1, 16);
        p += nd + 1;
    }
    return (size_t)(p - out);
}

/* The same text through printf and strtod, for what rgp__scale cannot decide. */
static inline size_t rgp__fmt_f64_slow(char *out, double v)
{
    char tmp[40];
    uint64_t bits = rgp__f64_bits(v);
    int prec = (bits & UINT64_C(0x7ff0000000000000)) == 0 ? 1 : 15;
    size_t i, o = 0;
    int n = 0;
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

/* Formats a finite double into out (>= 40 bytes), returning the length (at most 25). */
static inline size_t rgp__fmt_f64(char *out, double v)
{
    uint64_t bits = rgp__f64_bits(v), dec;
    int neg = (int)(bits >> 63), nd, exp10, prec;
    double a = neg ? -v : v;
    char *p = out;

    if (neg)
        *p++ = '-';
    if (a == 0) {
        *p++ = '0';
        return (size_t)(p - out);
    }
    /* Whole numbers below 1e15, and numbers below 1e9 with at most six
     * decimals (most data), take a shortcut.  If N = round(a 10^6) gives back
     * a as N / 10^6 (a correctly rounded division of exact doubles), N 10^-6
     * is a decimal of at most 15 digits that reads back as a, and there is
     * only one such (the 15-digit grid is over four ulps wide): what %.15g
     * prints. */
    if (a < 1e15) {
        uint64_t whole = (uint64_t)a, m;
        if ((double)whole == a) {
            nd = rgp__u64_digits(whole);
            rgp__put_digits(p + nd, whole);
            return (size_t)(p + nd - out);
        }
        /* m only where a 10^6 fits in 64 bits: converting a larger double is undefined */
        m = a >= 1e-4 && a < 1e9 ? (uint64_t)(a * 1e6 + 0.5) : 0;
        if (m && (double)m / 1e6 == a) {
            uint32_t frac = (uint32_t)(m % 1000000); /* not 0: a is not whole */
            int nf = 6;
            whole = m / 1000000;
            while (frac % 10 == 0) {
                frac /= 10;
                nf--;
            }
            nd = rgp__u64_digits(whole);
            rgp__put_digits(p + nd, whole);
            p += nd;
            *p++ = '.';
            for (nd = nf; nd > 0; nd--, frac /= 10) /* with its leading zeros */
                p[nd - 1] = (char)('0' + frac % 10);
            return (size_t)(p + nf - out);
        }
    }
    if (!rgp__f64_decimal(bits & UINT64_C(0x7fffffffffffffff), &dec, &nd, &exp10, &prec))
        return rgp__fmt_f64_slow(out, v);
    return rgp__f64_layout(out, neg, dec, nd, exp10, prec);
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

/* floats: N on a sink: exactly N decimals, the digits of printf's "%.Nf"
 * (stdlib/rgp_fixed.h); NaN and infinities as rgp_w_f64 writes them. */
static inline void rgp_w_f64_fixed(rgp_writer *w, double v, int n)
{
    char tmp[RGP_FIXED_MAX];
    if (rgp__f64_is_nan(v) || rgp__f64_is_inf(v)) {
        rgp_w_f64(w, v);
        return;
    }
    rgp_w_bytes(w, tmp, rgp_fmt_fixed(tmp, v, n));
}

/* The same for JSON, where NaN and infinities are null. */
static inline void rgp_w_json_f64_fixed(rgp_writer *w, double v, int n)
{
    char tmp[RGP_FIXED_MAX];
    if (rgp__f64_is_nan(v) || rgp__f64_is_inf(v)) {
        rgp_w_bytes(w, "null", 4);
        return;
    }
    rgp_w_bytes(w, tmp, rgp_fmt_fixed(tmp, v, n));
}

/* RFC 4180: quoted (with "" for ") when it holds delim, '"', CR or LF;
 * otherwise, including when empty, written as is.  A row's only field goes
 * through rgp_w_csv_str_sole instead. */
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

/* A row's only field: empty, it is written "", since an empty line is no row
 * to a CSV reader (rgp_csv_next_row skips it); else as rgp_w_csv_str. */
static inline void rgp_w_csv_str_sole(rgp_writer *w, rgp_str s, char delim)
{
    if (s.len == 0)
        rgp_w_bytes(w, "\"\"", 2);
    else
        rgp_w_csv_str(w, s, delim);
}

/* The escape of a byte a JSON string cannot hold as it is: the quote, the
 * backslash, or a control byte (short forms where JSON has them, else \u00xx). */
static inline void rgp__w_json_escape(rgp_writer *w, unsigned char c)
{
    static const char hex[] = "0123456789abcdef";
    char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
    size_t elen = 2;
    switch (c) {
    case '"': esc[1] = '"'; break;
    case '\\': esc[1] = '\\'; break;
    case '\n': esc[1] = 'n'; break;
    case '\r': esc[1] = 'r'; break;
    case '\t': esc[1] = 't'; break;
    case '\b': esc[1] = 'b'; break;
    case '\f': esc[1] = 'f'; break;
    default: elen = 6;
    }
    rgp_w_bytes(w, esc, elen);
}

/* A JSON string with its quotes.  Well-formed UTF-8 passes as it is; each
 * ill-formed sequence (its maximal subpart, see rgp_utf8_seq) becomes U+FFFD,
 * so that the output is JSON whatever the bytes.  Returns 1 if it replaced
 * any, for the sink's count; printable ASCII costs one table look-up a byte. */
static inline int rgp_w_json_str(rgp_writer *w, rgp_str s)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t i = 0, run = 0, n, bad = 1;
    int replaced = 0;
    rgp_w_char(w, '"');
    while (i < s.len) {
        if (rgp_json_plain[p[i]]) {
            i++;
            continue;
        }
        if (p[i] >= 0x80 && (n = rgp_utf8_seq(p + i, s.len - i, &bad)) != 0) {
            i += n;
            continue;
        }
        rgp_w_bytes(w, s.ptr + run, i - run);
        if (p[i] >= 0x80) {
            rgp_w_bytes(w, "\xef\xbf\xbd", 3);   /* U+FFFD REPLACEMENT CHARACTER */
            i += bad;
            replaced = 1;
        } else {
            rgp__w_json_escape(w, p[i++]);
        }
        run = i;
    }
    rgp_w_bytes(w, s.ptr + run, s.len - run);
    rgp_w_char(w, '"');
    return replaced;
}

/* ---- journal sinks ---- */

/* A writer whose records go to the journal jw, opened already. */
static inline void rgp_writer_open_journal(rgp_writer *w, rgp_journal_writer *jw, const char *display)
{
    memset(w, 0, sizeof *w);
    w->fd = -1;
    w->display = display;
    w->journal = jw;
}

/* Room for one record's payload of n bytes, or NULL once the sink failed. */
static inline unsigned char *rgp_journal_scratch(rgp_writer *w, size_t n)
{
    if (w->failed) return NULL;
    if (n > w->jcap) {
        size_t cap = w->jcap ? w->jcap : 256;
        while (cap < n) cap *= 2;
        unsigned char *nb = (unsigned char *)realloc(w->jbuf, cap);
        if (!nb) {
            rgp__writer_fail(w, ENOMEM);
            return NULL;
        }
        w->jbuf = nb;
        w->jcap = cap;
    }
    return w->jbuf;
}

/* Appends the payload as one frame; looks at the clock every 1024 records, so that
 * a sink busy without pause still syncs every period. */
static inline void rgp_journal_sink_append(rgp_writer *w, const unsigned char *p, size_t n)
{
    if (n > RGP_JOURNAL_MAX_PAYLOAD || rgp_journal_append(w->journal, p, (uint32_t)n) == RGP_JOURNAL_END) {
        if (n > RGP_JOURNAL_MAX_PAYLOAD)
            rgp_journal_err(w->journal->err, sizeof w->journal->err, "journal %s: a record of %zu bytes is over the limit of %u",
                            w->journal->dir, n, RGP_JOURNAL_MAX_PAYLOAD);
        rgp__writer_journal_failed(w);
        return;
    }
    if (++w->jappends == 1024) {
        w->jappends = 0;
        if (rgp_journal_tick(w->journal) != 0) rgp__writer_journal_failed(w);
    }
}

#include "net_sink.h"   /* the tcp sink's flush and close, declared above */

#endif /* RGP_WRITER_H */
