/* framing.h - splits a byte stream into frames for every byte-stream source
 * and sink (issue 12 item 1): newline with a maximum length, big-endian
 * length prefixes (length8/16/32/64) and RFC 6587 octet counting.  The
 * splitter is incremental: the caller hands it whatever bytes it has, takes
 * the frames out as slices of its own buffer, and keeps what is left for
 * the next read.  No allocation; an oversize frame is skipped and counted,
 * never split; a partial frame at the end is counted, never emitted. */
#ifndef RGP_FRAMING_H
#define RGP_FRAMING_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum rgp_framing_kind {
    RGP_FRAMING_NEWLINE,
    RGP_FRAMING_LENGTH8,
    RGP_FRAMING_LENGTH16,
    RGP_FRAMING_LENGTH32,
    RGP_FRAMING_LENGTH64,
    RGP_FRAMING_OCTETS
} rgp_framing_kind;

/* What rgp_frame_next found in the bytes it was given. */
typedef enum rgp_frame_status {
    RGP_FRAMER_MORE,     /* no whole frame yet: keep p[*used..n) and read more */
    RGP_FRAMER_OK,       /* *frame, *flen is one frame */
    RGP_FRAMER_SKIPPED,  /* bytes of an oversize frame were consumed; call again */
    RGP_FRAMER_FATAL     /* the stream's framing is lost (bad octet count): close it */
} rgp_frame_status;

typedef struct rgp_framer {
    rgp_framing_kind kind;
    uint64_t max_len;    /* longest payload accepted */
    uint64_t skip;       /* length-prefixed: payload bytes of an oversize frame still to drop */
    int skip_line;       /* newline: inside an oversize line, dropping up to its '\n' */
    uint64_t frames;     /* frames handed out */
    uint64_t oversize;   /* frames longer than max_len, dropped whole */
    uint64_t partial;    /* frames cut short by the end of the stream */
    uint64_t bad;        /* octet-counting headers that are not "DIGITS SP" */
} rgp_framer;

static inline void rgp_framer_init(rgp_framer *f, rgp_framing_kind kind, uint64_t max_len)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->max_len = max_len;
}

static inline size_t rgp__framing_prefix(rgp_framing_kind kind)
{
    switch (kind) {
    case RGP_FRAMING_LENGTH8: return 1;
    case RGP_FRAMING_LENGTH16: return 2;
    case RGP_FRAMING_LENGTH32: return 4;
    case RGP_FRAMING_LENGTH64: return 8;
    default: return 0;
    }
}

/* Drops bytes of an oversize frame already counted. */
static inline rgp_frame_status rgp__frame_skip(rgp_framer *f, const char *p, size_t n, size_t *used)
{
    if (f->skip_line) {
        const char *nl = memchr(p, '\n', n);
        *used = nl ? (size_t)(nl - p) + 1 : n;
        if (nl)
            f->skip_line = 0;
    } else {
        *used = f->skip < n ? (size_t)f->skip : n;
        f->skip -= *used;
    }
    return *used ? RGP_FRAMER_SKIPPED : RGP_FRAMER_MORE;
}

static inline rgp_frame_status rgp__frame_newline(rgp_framer *f, const char *p, size_t n, size_t *used,
                                                  const char **frame, size_t *flen)
{
    size_t look = n;
    if ((uint64_t)look > f->max_len + 1)
        look = (size_t)f->max_len + 1;
    const char *nl = memchr(p, '\n', look);
    if (nl) {
        *frame = p;
        *flen = (size_t)(nl - p);
        *used = *flen + 1;
        f->frames++;
        return RGP_FRAMER_OK;
    }
    if ((uint64_t)n <= f->max_len)
        return RGP_FRAMER_MORE;
    f->oversize++; /* no '\n' within max_len + 1 bytes: drop the whole line */
    f->skip_line = 1;
    return rgp__frame_skip(f, p, n, used);
}

static inline rgp_frame_status rgp__frame_prefixed(rgp_framer *f, const char *p, size_t n, size_t *used,
                                                   const char **frame, size_t *flen)
{
    size_t h = rgp__framing_prefix(f->kind);
    if (n < h)
        return RGP_FRAMER_MORE;
    uint64_t len = 0;
    for (size_t i = 0; i < h; i++)
        len = len << 8 | (unsigned char)p[i];
    if (len > f->max_len) {
        f->oversize++;
        f->skip = len;
        *used = h;
        return RGP_FRAMER_SKIPPED;
    }
    if ((uint64_t)(n - h) < len)
        return RGP_FRAMER_MORE;
    *frame = p + h;
    *flen = (size_t)len;
    *used = h + (size_t)len;
    f->frames++;
    return RGP_FRAMER_OK;
}

/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, MSG-LEN = NONZERO-DIGIT *DIGIT. */
static inline rgp_frame_status rgp__frame_octets(rgp_framer *f, const char *p, size_t n, size_t *used,
                                                 const char **frame, size_t *flen)
{
    uint64_t len = 0;
    size_t i = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
        if ((i == 0 && p[i] == '0') || i >= 19) {
            f->bad++;
            return RGP_FRAMER_FATAL;
        }
        len = len * 10 + (uint64_t)(p[i] - '0');
    }
    if (i == n)
        return RGP_FRAMER_MORE;
    if (i == 0 || p[i] != ' ') {
        f->bad++;
        return RGP_FRAMER_FATAL;
    }
    i++;
    if (len > f->max_len) {
        f->oversize++;
        f->skip = len;
        *used = i;
        return RGP_FRAMER_SKIPPED;
    }
    if ((uint64_t)(n - i) < len)
        return RGP_FRAMER_MORE;
    *frame = p + i;
    *flen = (size_t)len;
    *used = i + (size_t)len;
    f->frames++;
    return RGP_FRAMER_OK;
}

/* Looks at p[0..n): sets *used to the bytes consumed (0 when it returns
 * RGP_FRAMER_MORE or RGP_FRAMER_FATAL) and, on RGP_FRAMER_OK, *frame and *flen.
 * The caller loops while it gets OK or SKIPPED, then keeps p[used..n) and
 * reads more behind it; a buffer of max_len + 20 bytes always suffices. */
static inline rgp_frame_status rgp_frame_next(rgp_framer *f, const char *p, size_t n, size_t *used,
                                              const char **frame, size_t *flen)
{
    *used = 0;
    if (f->skip || f->skip_line)
        return rgp__frame_skip(f, p, n, used);
    if (n == 0)
        return RGP_FRAMER_MORE;
    switch (f->kind) {
    case RGP_FRAMING_NEWLINE: return rgp__frame_newline(f, p, n, used, frame, flen);
    case RGP_FRAMING_OCTETS: return rgp__frame_octets(f, p, n, used, frame, flen);
    default: return rgp__frame_prefixed(f, p, n, used, frame, flen);
    }
}

/* The stream ended with `left` bytes not yet framed: a partial frame, or
 * the tail of an oversize one, is counted as an error and never emitted.
 * Returns 1 if something was cut short. */
static inline int rgp_frame_end(rgp_framer *f, size_t left)
{
    int cut = left > 0 || f->skip > 0;
    if (left > 0)
        f->partial++;
    f->skip = 0;
    f->skip_line = 0;
    return cut;
}

/* Writes the header that frames a payload of len bytes into hdr (at least
 * 21 bytes) and returns its size, for sinks; 0 if len does not fit the
 * prefix, or is 0 under octets (RFC 6587's MSG-LEN starts with a nonzero
 * digit).  Newline framing has no header: the sink writes '\n' after. */
static inline size_t rgp_frame_header(rgp_framing_kind kind, uint64_t len, char *hdr)
{
    if (kind == RGP_FRAMING_NEWLINE)
        return 0;
    if (kind == RGP_FRAMING_OCTETS) {
        if (len == 0)
            return 0;
        char tmp[20];
        size_t k = 0;
        do {
            tmp[k++] = (char)('0' + len % 10);
            len /= 10;
        } while (len);
        for (size_t i = 0; i < k; i++)
            hdr[i] = tmp[k - 1 - i];
        hdr[k] = ' ';
        return k + 1;
    }
    size_t h = rgp__framing_prefix(kind);
    if (h < 8 && len >> (8 * h))
        return 0;
    for (size_t i = 0; i < h; i++)
        hdr[i] = (char)(len >> (8 * (h - 1 - i)) & 0xff);
    return h;
}

#endif
