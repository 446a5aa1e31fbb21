/* reader.h - block reader for a file or stdin, and the RFC 4180 CSV row
 * splitter that generated parse stages call once per record.  Fields are
 * slices of the reader's buffer: no copy, no allocation per row. */
#ifndef RGP_READER_H
#define RGP_READER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__) && !defined(__TINYC__) /* gcc and clang on x86-64; tcc has no SSE intrinsics */
#include <emmintrin.h>
#define RGP__CSV_SSE2 1
#else
#define RGP__CSV_SSE2 0
#endif

#include "rgp_std.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define RGP_READER_INITIAL_CAP ((size_t)1 << 20)

typedef struct rgp_reader {
    int fd;
    int owns_fd;         /* close on rgp_reader_close; not for stdin */
    const char *display; /* the path as the user wrote it, for messages */
    char *buf;           /* grows by doubling when one row does not fit */
    size_t cap;
    size_t pos, end;     /* [pos, end) is read but not yet consumed */
    int eof;
    uint64_t line;       /* 1-based line of buf[pos] */
    uint64_t bytes;      /* total bytes read */
} rgp_reader;

/* Takes ownership of fd (closes it on rgp_reader_close unless it is 0).
 * initial_cap 0 means RGP_READER_INITIAL_CAP; tests pass tiny sizes to
 * exercise growth.  Returns 0, or -1 with errno (fd is then left open). */
static inline int rgp_reader_open_fd(rgp_reader *r, int fd, const char *display, size_t initial_cap)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (initial_cap == 0)
        initial_cap = RGP_READER_INITIAL_CAP;
    r->buf = (char *)malloc(initial_cap);
    if (!r->buf) {
        errno = ENOMEM;
        return -1;
    }
    r->fd = fd;
    r->owns_fd = fd != STDIN_FILENO;
    r->display = display;
    r->cap = initial_cap;
    r->line = 1;
    return 0;
}

/* path "-" means stdin; display defaults to path. */
static inline int rgp_reader_open_sized(rgp_reader *r, const char *path, const char *display, size_t initial_cap)
{
    int fd, e;
    if (!display)
        display = path;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
    } else {
        do
            fd = open(path, O_RDONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            memset(r, 0, sizeof *r);
            r->fd = -1;
            return -1;
        }
    }
    if (rgp_reader_open_fd(r, fd, display, initial_cap) != 0) {
        e = errno;
        if (fd != STDIN_FILENO)
            close(fd);
        errno = e;
        return -1;
    }
    return 0;
}

static inline int rgp_reader_open(rgp_reader *r, const char *path, const char *display)
{
    return rgp_reader_open_sized(r, path, display, 0);
}

/* Safe to call after a failed open, and twice. */
static inline void rgp_reader_close(rgp_reader *r)
{
    if (r->owns_fd && r->fd >= 0)
        close(r->fd);
    free(r->buf);
    r->buf = NULL;
    r->fd = -1;
    r->owns_fd = 0;
    r->cap = r->pos = r->end = 0;
}

/* Moves the unread tail to the start of the buffer, doubles the buffer if
 * the tail fills it, then reads once.  Returns bytes read (> 0), 0 at end of
 * input (sets eof), or -1 with errno (EINTR when a signal interrupted the
 * read: call again unless asked to stop).  Slices handed out earlier become
 * invalid. */
static inline int rgp_reader_fill(rgp_reader *r)
{
    ssize_t k;
    if (r->pos > 0) {
        size_t tail = r->end - r->pos;
        if (tail)
            memmove(r->buf, r->buf + r->pos, tail);
        r->pos = 0;
        r->end = tail;
    }
    if (r->end == r->cap) {
        char *nb;
        if (r->cap > SIZE_MAX / 2) {
            errno = ENOMEM;
            return -1;
        }
        nb = (char *)realloc(r->buf, r->cap * 2);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        r->buf = nb;
        r->cap *= 2;
    }
    /* EINTR is returned, not retried: a signal is how a pipeline is asked to
     * stop while its source waits for input (see rgp_signals_start) */
    k = read(r->fd, r->buf + r->end, r->cap - r->end);
    if (k < 0)
        return -1;
    if (k == 0) {
        r->eof = 1;
        return 0;
    }
    r->end += (size_t)k;
    r->bytes += (uint64_t)k;
    /* A read is at most cap bytes; clamp only so the int cannot wrap. */
    return k > 0x7fffffff ? 0x7fffffff : (int)k;
}

/* ---- CSV ----------------------------------------------------------------- */

enum { RGP_ROW_OK = 1, RGP_ROW_EOF = 0, RGP_ROW_BAD = -1, RGP_ROW_NEED_INPUT = 2 };

static inline uint64_t rgp__count_lf(const char *p, const char *e)
{
    uint64_t n = 0;
    while (p < e && (p = (const char *)memchr(p, '\n', (size_t)(e - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

/* A row without quotes (most rows) is split by rgp__csv_split_plain, which
 * finds the delims, the LF and any quote in one pass, 16 bytes at a time,
 * where the compiler has SSE2; elsewhere (tcc) by a memchr for each. */

/* The row at p, up to its LF or to e: sets *nl to the LF (NULL when there is
 * none before e), *cend to where the row's content ends (before CR LF), and
 * splits [p, *cend) at delim into fields (as rgp_csv_next_row says).  Returns
 * 0 instead, with fields unspecified, if a quote comes before the row's end. */
static inline int rgp__csv_split_plain_memchr(char *p, char *e, char delim, rgp_str *fields, int max_fields, int *nfields,
                                              char **nl, char **cend)
{
    char *lf = (char *)memchr(p, '\n', (size_t)(e - p)), *lend = lf ? lf : e, *d;
    int n = 0;
    if (memchr(p, '"', (size_t)(lend - p)))
        return 0;
    *nl = lf;
    if (lf && lend > p && lend[-1] == '\r')
        lend--;
    *cend = lend;
    for (;;) {
        d = (char *)memchr(p, delim, (size_t)(lend - p));
        if (n < max_fields) {
            fields[n].ptr = p;
            fields[n].len = (size_t)((d ? d : lend) - p);
        }
        n++;
        if (!d) {
            *nfields = n;
            return 1;
        }
        p = d + 1;
    }
}

#if RGP__CSV_SSE2
/* Bit i set where p[i] (i < 16) is delim; in *stops, where it is LF or '"'. */
static inline unsigned rgp__csv_scan16(const char *p, char delim, unsigned *stops)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i lf = _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')), quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
    *stops = (unsigned)_mm_movemask_epi8(_mm_or_si128(lf, quote));
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(delim)));
}

/* rgp__csv_split_plain_memchr's job in one pass. */
static inline int rgp__csv_split_plain_sse2(char *p, char *e, char delim, rgp_str *fields, int max_fields, int *nfields,
                                            char **nl, char **cend)
{
    char *fs = p, *q = p, *hit;
    int n = 0;
    for (;;) {
        size_t left = (size_t)(e - q);
        unsigned delims, stops;
        if (left >= 16) {
            delims = rgp__csv_scan16(q, delim, &stops);
        } else { /* near the end of the buffer: byte by byte, not past e */
            size_t i;
            delims = stops = 0;
            for (i = 0; i < left; i++) {
                if (q[i] == delim)
                    delims |= 1u << i;
                else if (q[i] == '\n' || q[i] == '"')
                    stops |= 1u << i;
            }
        }
        if (stops) /* only the delims before the first stop count */
            delims &= (stops & (0u - stops)) - 1;
        for (; delims; delims &= delims - 1) {
            hit = q + __builtin_ctz(delims);
            if (n < max_fields) {
                fields[n].ptr = fs;
                fields[n].len = (size_t)(hit - fs);
            }
            n++;
            fs = hit + 1;
        }
        if (stops) {
            hit = q + __builtin_ctz(stops);
            if (*hit == '"')
                return 0;
            *nl = hit;
            if (hit > fs && hit[-1] == '\r')
                hit--;
            break;
        }
        if (left <= 16) {
            *nl = NULL;
            hit = e;
            break;
        }
        q += 16;
    }
    if (n < max_fields) { /* the last field */
        fields[n].ptr = fs;
        fields[n].len = (size_t)(hit - fs);
    }
    *nfields = n + 1;
    *cend = hit;
    return 1;
}
#endif

#if RGP__CSV_SSE2
#define rgp__csv_split_plain rgp__csv_split_plain_sse2
#else
#define rgp__csv_split_plain rgp__csv_split_plain_memchr
#endif

/* First pass over a row that contains a quote: finds where it ends and
 * whether it is well formed, without writing to the buffer, so that
 * RGP_ROW_NEED_INPUT can leave everything as it was.  On OK sets *cend (end
 * of the row's content, before CR LF) and *next (offset after the row); on
 * BAD sets *why and *next (after the bad physical line).  *nlf counts the
 * LFs consumed. */
static inline int rgp__csv_scan_quoted(const rgp_reader *r, char delim, char **cend, size_t *next, uint64_t *nlf, const char **why)
{
    char *p = r->buf + r->pos, *e = r->buf + r->end, *q;
    uint64_t lf = 0;

    for (;;) {
        if (p < e && *p == '"') {
            p++;
            for (;;) {
                q = (char *)memchr(p, '"', (size_t)(e - p));
                if (!q) {
                    if (!r->eof)
                        return RGP_ROW_NEED_INPUT;
                    *nlf = lf + rgp__count_lf(p, e);
                    *next = r->end;
                    *why = "unterminated quoted field";
                    return RGP_ROW_BAD;
                }
                lf += rgp__count_lf(p, q);
                p = q + 1;
                if (p < e && *p == '"') { /* "" is an escaped quote */
                    p++;
                    continue;
                }
                break;
            }
            if (p == e) { /* the next byte might be a quote, making "" */
                if (!r->eof)
                    return RGP_ROW_NEED_INPUT;
                goto row_end_at_eof;
            }
            if (*p == delim) {
                p++;
                continue;
            }
            if (*p == '\n') {
                *cend = p;
                *next = (size_t)(p + 1 - r->buf);
                *nlf = lf + 1;
                return RGP_ROW_OK;
            }
            if (*p == '\r') {
                if (p + 1 == e && !r->eof)
                    return RGP_ROW_NEED_INPUT;
                if (p + 1 < e && p[1] == '\n') {
                    *cend = p;
                    *next = (size_t)(p + 2 - r->buf);
                    *nlf = lf + 1;
                    return RGP_ROW_OK;
                }
            }
            *why = "unexpected character after closing quote";
            goto bad_line;
        } else {
            char *fs = p;
            while (p < e && *p != delim && *p != '\n' && *p != '"')
                p++;
            if (p == e) {
                if (!r->eof)
                    return RGP_ROW_NEED_INPUT;
                goto row_end_at_eof;
            }
            if (*p == delim) {
                p++;
                continue;
            }
            if (*p == '\n') {
                *cend = (p > fs && p[-1] == '\r') ? p - 1 : p;
                *next = (size_t)(p + 1 - r->buf);
                *nlf = lf + 1;
                return RGP_ROW_OK;
            }
            *why = "stray quote inside an unquoted field";
            goto bad_line;
        }
    }

row_end_at_eof:
    *cend = e;
    *next = r->end;
    *nlf = lf;
    return RGP_ROW_OK;

bad_line:
    q = (char *)memchr(p, '\n', (size_t)(e - p));
    if (!q) {
        if (!r->eof)
            return RGP_ROW_NEED_INPUT;
        *next = r->end;
    } else {
        *next = (size_t)(q + 1 - r->buf);
        lf++;
    }
    *nlf = lf;
    return RGP_ROW_BAD;
}

/* Second pass over a well-formed row: splits it, removing the quotes and
 * unescaping "" in place (fields only ever shrink). */
static inline int rgp__csv_split_quoted(char *p, char *cend, char delim, rgp_str *fields, int max_fields)
{
    int n = 0;
    for (;;) {
        char *fs, *fe;
        if (p < cend && *p == '"') {
            char *w = p + 1, *rd = p + 1;
            fs = w;
            for (;;) {
                char *q = (char *)memchr(rd, '"', (size_t)(cend - rd));
                size_t len = (size_t)(q - rd);
                if (w != rd)
                    memmove(w, rd, len);
                w += len;
                rd = q + 1;
                if (rd < cend && *rd == '"') {
                    *w++ = '"';
                    rd++;
                    continue;
                }
                break;
            }
            fe = w;
            p = rd; /* at delim or cend */
        } else {
            char *d = (char *)memchr(p, delim, (size_t)(cend - p));
            fs = p;
            fe = d ? d : cend;
            p = fe;
        }
        if (n < max_fields) {
            fields[n].ptr = fs;
            fields[n].len = (size_t)(fe - fs);
        }
        n++;
        if (p >= cend)
            return n;
        p++; /* delim */
    }
}

/* Returns the next non-empty row.  Never reads: with no complete row in the
 * window it returns RGP_ROW_NEED_INPUT and consumes nothing; the caller
 * publishes what it has, calls rgp_reader_fill and retries.  Rows end at LF
 * or CR LF (or at end of input); a lone CR is data.  On OK fields[0..
 * min(*nfields, max_fields)) point into the buffer until the next call and
 * *nfields is the true count.  On BAD, *why says what is wrong, *nfields is
 * 0, and the reader has skipped to the end of the bad physical line (to EOF
 * for an unterminated quote).  *line is the line
 * the row starts on.  delim must not be '"', CR or LF. */
/* ---- raw lines ----------------------------------------------------------- */

/* The next line, without its LF or CRLF, in *text (valid until the next call).
 * Empty lines are lines. The last line of the input needs no LF. Returns
 * RGP_ROW_OK, RGP_ROW_EOF or RGP_ROW_NEED_INPUT, like rgp_csv_next_row. */
static inline int rgp_line_next(rgp_reader *r, rgp_str *text, uint64_t *line)
{
    char *start = r->buf + r->pos, *e = r->buf + r->end;
    if (start == e)
        return r->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
    char *nl = (char *)memchr(start, '\n', (size_t)(e - start));
    if (!nl && !r->eof)
        return RGP_ROW_NEED_INPUT;
    char *end = nl ? nl : e;
    if (nl && end > start && end[-1] == '\r')
        end--;
    text->ptr = start;
    text->len = (size_t)(end - start);
    *line = r->line;
    r->pos = nl ? (size_t)(nl + 1 - r->buf) : r->end;
    if (nl)
        r->line++;
    return RGP_ROW_OK;
}

/* ---- CSV rows ------------------------------------------------------------ */

static inline int rgp_csv_next_row(rgp_reader *r, char delim, rgp_str *fields, int max_fields, int *nfields, uint64_t *line, const char **why)
{
    for (;;) {
        char *start = r->buf + r->pos, *e = r->buf + r->end, *nl, *cend;
        size_t next;
        uint64_t lf;
        int st;

        if (start == e)
            return r->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
        /* Fast path: a row with no quote, split in the same pass that finds its end. */
        if (rgp__csv_split_plain(start, e, delim, fields, max_fields, nfields, &nl, &cend)) {
            if (!nl && !r->eof)
                return RGP_ROW_NEED_INPUT; /* no row, good or bad, can end yet */
            r->pos = nl ? (size_t)(nl + 1 - r->buf) : r->end;
            *line = r->line;
            r->line += nl != NULL;
            if (cend != start)
                return RGP_ROW_OK;
            continue; /* an empty line */
        }

        st = rgp__csv_scan_quoted(r, delim, &cend, &next, &lf, why);
        if (st == RGP_ROW_NEED_INPUT)
            return st;
        *line = r->line;
        r->line += lf;
        r->pos = next;
        if (st == RGP_ROW_BAD) {
            *nfields = 0;
            return st;
        }
        *nfields = rgp__csv_split_quoted(start, cend, delim, fields, max_fields);
        return RGP_ROW_OK;
    }
}

#endif /* RGP_READER_H */
