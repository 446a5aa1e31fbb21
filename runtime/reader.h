/* reader.h - block reader for a file or stdin, and the RFC 4180 CSV row
 * splitter that generated parse stages call once per record.  Fields are
 * slices of the reader's buffer: no copy, no allocation per row. */
#ifndef RGP_READER_H
#define RGP_READER_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__SSE2__) && !defined(__TINYC__) /* gcc and clang on x86-64; tcc has no SSE intrinsics */
#include <emmintrin.h>
#define RGP__CSV_SSE2 1
#else
#define RGP__CSV_SSE2 0
#endif

#include "rgp_linked.h"
#include "rgp_std.h"

#ifndef O_CLOEXEC
#define O_CLOEXEC 0
#endif

#define RGP_READER_INITIAL_CAP ((size_t)1 << 20)
/* Bytes allocated past cap, always zero but for the LF rgp_csv_scan_begin
 * writes at end: a one-pass scanner (csv_scan.h) may load 8 bytes at once
 * from any byte before that LF without leaving the allocation. */
#define RGP_READER_PAD 16

typedef struct rgp_reader {
    int fd;
    int owns_fd;         /* close on rgp_reader_close; not for stdin */
    const char *display; /* the path as the user wrote it, for messages */
    char *buf;           /* cap bytes, then RGP_READER_PAD; grows by doubling when one row does not fit */
    size_t cap;
    size_t pos, end;     /* [pos, end) is read but not yet consumed */
    int eof;
    uint64_t line;       /* 1-based line of buf[pos] */
    uint64_t bytes;      /* total bytes read */
    size_t max_row;      /* csv: longer rows are rejected (SIZE_MAX: no limit), so a
                          * stray quote cannot make the reader hold the whole input */
    int bom_pending;     /* the first bytes are not yet looked at for a UTF-8 BOM */
    size_t bom_held;     /* bytes read while that was undecided (an EINTR came) */
    /* How far the search for the end of the row (or line) at pos got before it
     * ran out of input, so that the next call carries on there instead of
     * rescanning: a long row through a pipe costs linear time, not quadratic. */
    int row_state;       /* RGP__ROW_*; NONE or NONE_MEASURED when no search is under way */
    size_t scan;         /* bytes from pos already searched */
    uint64_t scan_lf;    /* LFs inside quoted fields among them */
    size_t scan_first_lf; /* offset from pos of the row's first LF, or SIZE_MAX */
    uint64_t scan_quote_lf; /* scan_lf where the last quoted field opened */
    char why[96];        /* the text of a message that names numbers */
} rgp_reader;

/* Where the CSV row search stands, between two reads. */
enum {
    RGP__ROW_NONE,        /* no row under way: the next row starts at pos, and the
                           * buffer is too small to hold a row longer than max_row */
    RGP__ROW_NONE_MEASURED, /* the same, but the buffer could: rows are measured */
    RGP__ROW_FIELD_START, /* at the first byte of a field */
    RGP__ROW_UNQUOTED,    /* inside an unquoted field, past its first byte */
    RGP__ROW_QUOTED,      /* inside a quoted field */
    RGP__ROW_QUOTE_SEEN,  /* just after a quote inside a quoted field: "" or its end */
    RGP__ROW_CR_AFTER_QUOTE, /* a CR after a closing quote: only LF may follow */
    RGP__ROW_SKIP_LINE    /* skipping the rest of a rejected row's first line */
};

#define RGP_UTF8_BOM "\xEF\xBB\xBF"

/* The state with no row under way.  While the buffer cannot hold a row longer
 * than max_row, the fast path need not measure rows (most programs: the
 * buffer and max_row both start at 1 MiB). */
static inline int rgp__row_idle(const rgp_reader *r)
{
    return r->cap - 1 > r->max_row ? RGP__ROW_NONE_MEASURED : RGP__ROW_NONE;
}

/* Rows longer than max_row bytes (not counting the line end) are rejected. */
/* The bytes read and consumed: what the rows handed out so far came from
 * (rgp_component_received_bytes_total; the progress line's percent). */
static inline uint64_t rgp_reader_consumed(const rgp_reader *r)
{
    uint64_t held = r->end - r->pos;
    return r->bytes > held ? r->bytes - held : 0;
}

static inline void rgp_reader_set_max_row(rgp_reader *r, size_t max_row)
{
    r->max_row = max_row;
    if (r->row_state == RGP__ROW_NONE || r->row_state == RGP__ROW_NONE_MEASURED)
        r->row_state = rgp__row_idle(r);
}

/* Takes ownership of fd (closes it on rgp_reader_close unless it is 0).
 * initial_cap 0 means RGP_READER_INITIAL_CAP; tests pass tiny sizes to
 * exercise growth.  Returns 0, or -1 with errno (fd is then left open). */
static inline int rgp_reader_open_fd(rgp_reader *r, int fd, const char *display, size_t initial_cap)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    if (initial_cap == 0)
        initial_cap = RGP_READER_INITIAL_CAP;
    if (initial_cap < 4) /* room for a BOM and one byte more */
        initial_cap = 4;
    r->buf = (char *)calloc(1, initial_cap + RGP_READER_PAD); /* zeroed: a scanner's 8-byte loads see defined bytes */
    if (!r->buf) {
        errno = ENOMEM;
        return -1;
    }
    r->fd = fd;
    r->owns_fd = fd != STDIN_FILENO;
    r->display = display;
    r->cap = initial_cap;
    r->line = 1;
    r->max_row = SIZE_MAX;
    r->bom_pending = 1;
    r->scan_first_lf = SIZE_MAX;
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

/* The first read.  A UTF-8 byte-order mark (editors put one before a CSV
 * header) is skipped, whatever the sizes of the reads: while the bytes so far
 * are only the start of one, it reads on, and end stays 0 so that no row
 * search can begin inside it.  Returns as rgp_reader_fill; on EINTR the bytes
 * read so far are kept (bom_held) for the next call. */
static inline int rgp__reader_fill_start(rgp_reader *r)
{
    size_t have = r->bom_held;
    for (;;) { /* cap >= 4: there is room for one more byte */
        ssize_t k = read(r->fd, r->buf + have, r->cap - have);
        if (k < 0) {
            r->bom_held = have;
            return -1;
        }
        if (k == 0)
            r->eof = 1;
        have += (size_t)k;
        r->bytes += (uint64_t)k;
        if (k == 0 || have >= 3 || memcmp(r->buf, RGP_UTF8_BOM, have) != 0)
            break;
    }
    r->bom_pending = 0;
    r->end = have;
    if (have >= 3 && memcmp(r->buf, RGP_UTF8_BOM, 3) == 0)
        r->pos = 3;
    return have > 0x7fffffff ? 0x7fffffff : (int)have;
}

/* Moves the unread tail to the start of the buffer, doubles the buffer if
 * the tail fills it, then reads once.  Returns bytes read (> 0), 0 at end of
 * input (sets eof), or -1 with errno (EINTR when a signal interrupted the
 * read: call again unless asked to stop).  Slices handed out earlier become
 * invalid. */
static inline int rgp_reader_fill(rgp_reader *r)
{
    ssize_t k;
    if (r->bom_pending)
        return rgp__reader_fill_start(r);
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
        nb = (char *)realloc(r->buf, r->cap * 2 + RGP_READER_PAD);
        if (!nb) {
            errno = ENOMEM;
            return -1;
        }
        memset(nb + r->cap, 0, r->cap + RGP_READER_PAD); /* as calloc'd: no undefined byte a scanner could load */
        r->buf = nb;
        r->cap *= 2;
        if (r->row_state == RGP__ROW_NONE)
            r->row_state = rgp__row_idle(r);
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

/* ---- the search for a row's end, resumable ----------------------------------
 * Used for every row the fast path cannot take: rows with a quote and rows
 * that do not end in the bytes read so far.  It never writes to the buffer, so
 * RGP_ROW_NEED_INPUT leaves the row as it was; the state it reached is kept in
 * the reader (row_state, scan, ...) and the next call carries on from there. */

/* What the search knows about the row so far; kept in locals while it runs
 * (most rows are found in one call) and in the reader between calls. */
typedef struct rgp__row_so_far {
    uint64_t lf;       /* LFs inside quoted fields */
    uint64_t quote_lf; /* lf where the last quoted field opened */
    size_t first_lf;   /* offset from pos of the row's first LF, or SIZE_MAX */
} rgp__row_so_far;

/* Counts the LFs in [p, q), inside a quoted field, and notes the row's first. */
static inline void rgp__row_note_lfs(rgp__row_so_far *k, const char *start, const char *p, const char *q)
{
    if (k->first_lf == SIZE_MAX) {
        const char *lf = (const char *)memchr(p, '\n', (size_t)(q - p));
        if (!lf)
            return;
        k->first_lf = (size_t)(lf - start);
        k->lf++;
        p = lf + 1;
    }
    k->lf += rgp__count_lf(p, q);
}

static inline void rgp__row_search_reset(rgp_reader *r)
{
    r->row_state = rgp__row_idle(r);
    r->scan = 0;
    r->scan_lf = 0;
    r->scan_first_lf = SIZE_MAX;
    r->scan_quote_lf = 0;
}

/* "1 MiB", "4000 bytes": max_row as the reject message shows it. */
static inline const char *rgp__row_too_long(rgp_reader *r)
{
    size_t m = r->max_row;
    if (m >= ((size_t)1 << 20) && m % ((size_t)1 << 20) == 0)
        snprintf(r->why, sizeof r->why, "row longer than max_row (%zu MiB)", m >> 20);
    else if (m >= 1024 && m % 1024 == 0)
        snprintf(r->why, sizeof r->why, "row longer than max_row (%zu KiB)", m >> 10);
    else
        snprintf(r->why, sizeof r->why, "row longer than max_row (%zu bytes)", m);
    return r->why;
}

/* What is wrong with a row, and where when it is not on the row's first line:
 * a stray quote earlier on usually opened the quoted field that ended badly. */
static inline const char *rgp__row_fault(rgp_reader *r, const rgp__row_so_far *k, const char *what)
{
    if (k->lf == 0)
        return what;
    snprintf(r->why, sizeof r->why, "%s (line %llu, after a quoted field that opened on line %llu)", what,
             (unsigned long long)(r->line + k->lf), (unsigned long long)(r->line + k->quote_lf));
    return r->why;
}

/* Rejects the row at pos.  Only its first line is given up: the reader resumes
 * at the line after it, so a stray quote costs one row, not the rest of the
 * input.  resume is where the search stopped if the row's first LF is not yet
 * known (no LF lies before it); the rest of that line is skipped as it comes. */
static inline int rgp__row_reject(rgp_reader *r, const rgp__row_so_far *k, const char *why, const char *resume,
                                  const char **why_out, uint64_t *line, int *nfields)
{
    /* Past max_row + 1 bytes the row is too long, whatever else is wrong
     * further on: smaller reads would have stopped the search there, and the
     * message must not depend on how the input arrived. */
    if (resume > r->buf + r->pos && (size_t)(resume - (r->buf + r->pos)) - 1 > r->max_row)
        why = rgp__row_too_long(r);
    *why_out = why;
    *line = r->line;
    *nfields = 0;
    if (k->first_lf != SIZE_MAX) {
        r->pos += k->first_lf + 1;
        r->line++;
        rgp__row_search_reset(r);
    } else {
        r->pos = (size_t)(resume - r->buf);
        rgp__row_search_reset(r);
        r->row_state = RGP__ROW_SKIP_LINE;
    }
    return RGP_ROW_BAD;
}

/* Skips to the line after a rejected row's first line, consuming as it goes so
 * that a huge bad line is never held whole.  Returns RGP_ROW_NONE when done. */
static inline int rgp__row_skip_line(rgp_reader *r)
{
    char *p = r->buf + r->pos, *lf = (char *)memchr(p, '\n', r->end - r->pos);
    if (!lf) {
        r->pos = r->end;
        return r->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
    }
    r->pos = (size_t)(lf + 1 - r->buf);
    r->line++;
    r->row_state = rgp__row_idle(r);
    return RGP__ROW_NONE;
}

/* Searches on from where the last call stopped.  On OK sets *cend (end of the
 * row's content, before CR LF) and *next (offset after the row), and *nlf to
 * the LFs consumed; on BAD, see rgp__row_reject; on NEED_INPUT the state it
 * reached is kept in the reader. */
static inline int rgp__csv_search_row(rgp_reader *r, char delim, char **cend, size_t *next, uint64_t *nlf,
                                      const char **why, uint64_t *line, int *nfields)
{
    char *start = r->buf + r->pos, *e = r->buf + r->end, *p = start + r->scan, *q, *fs = start;
    int resumed = r->row_state != RGP__ROW_NONE && r->row_state != RGP__ROW_NONE_MEASURED, s;
    int measured = r->row_state != RGP__ROW_NONE; /* else the row cannot be too long */
    rgp__row_so_far k = {0, 0, SIZE_MAX};
    if (resumed)
        k = (rgp__row_so_far){r->scan_lf, r->scan_quote_lf, r->scan_first_lf};

    /* One label per state: a search that ran out of input goes on at its own. */
    switch (r->row_state) {
    case RGP__ROW_UNQUOTED: /* p > fs: the field has a byte before p */
        goto unquoted;
    case RGP__ROW_QUOTED:
        goto quoted;
    case RGP__ROW_QUOTE_SEEN:
        goto quote_seen;
    case RGP__ROW_CR_AFTER_QUOTE:
        goto cr_after_quote;
    default:
        break;
    }

field_start:
    if (p == e) {
        s = RGP__ROW_FIELD_START;
        goto out_of_input;
    }
    if (*p == '"') {
        k.quote_lf = k.lf;
        p++;
        goto quoted;
    }
    fs = p;
unquoted:
    while (p < e && *p != delim && *p != '\n' && *p != '"')
        p++;
    if (p == e) {
        s = p > fs ? RGP__ROW_UNQUOTED : RGP__ROW_FIELD_START;
        goto out_of_input;
    }
    if (*p == delim) {
        p++;
        goto field_start;
    }
    if (*p == '\n') {
        *cend = p > fs && p[-1] == '\r' ? p - 1 : p;
        goto row_end;
    }
    return rgp__row_reject(r, &k, rgp__row_fault(r, &k, "stray quote inside an unquoted field"), p, why, line, nfields);

quoted:
    q = (char *)memchr(p, '"', (size_t)(e - p));
    rgp__row_note_lfs(&k, start, p, q ? q : e);
    if (!q) {
        p = e;
        s = RGP__ROW_QUOTED;
        goto out_of_input;
    }
    p = q + 1;
quote_seen:
    if (p == e) {
        s = RGP__ROW_QUOTE_SEEN;
        goto out_of_input;
    }
    if (*p == '"') { /* "" is an escaped quote */
        p++;
        goto quoted;
    }
    if (*p == delim) {
        p++;
        goto field_start;
    }
    if (*p == '\n') {
        *cend = p;
        goto row_end;
    }
    if (*p == '\r') {
        p++;
        goto cr_after_quote;
    }
    return rgp__row_reject(r, &k, rgp__row_fault(r, &k, "unexpected character after closing quote"), p, why, line, nfields);

cr_after_quote:
    if (p == e) {
        s = RGP__ROW_CR_AFTER_QUOTE;
        goto out_of_input;
    }
    if (*p == '\n') {
        *cend = p - 1;
        goto row_end;
    }
    return rgp__row_reject(r, &k, rgp__row_fault(r, &k, "unexpected character after closing quote"), p, why, line, nfields);

out_of_input:
    if (!r->eof) {
        if ((size_t)(e - start) - 1 > r->max_row) /* its content, less a CR an LF might follow */
            return rgp__row_reject(r, &k, rgp__row_too_long(r), e, why, line, nfields);
        r->row_state = s;
        r->scan = (size_t)(e - start);
        r->scan_lf = k.lf;
        r->scan_quote_lf = k.quote_lf;
        r->scan_first_lf = k.first_lf;
        return RGP_ROW_NEED_INPUT;
    }
    if (s == RGP__ROW_QUOTED) {
        snprintf(r->why, sizeof r->why, "unterminated quoted field starting at line %llu (no closing quote before the end of the input)",
                 (unsigned long long)(r->line + k.quote_lf));
        return rgp__row_reject(r, &k, r->why, e, why, line, nfields);
    }
    if (s == RGP__ROW_CR_AFTER_QUOTE)
        return rgp__row_reject(r, &k, rgp__row_fault(r, &k, "unexpected character after closing quote"), e, why, line, nfields);
    *cend = e;
    *next = r->end;
    *nlf = k.lf;
    goto row_found;

row_end:
    *next = (size_t)(p + 1 - r->buf);
    *nlf = k.lf + 1;
    if (measured && k.first_lf == SIZE_MAX && (size_t)(*cend - start) > r->max_row)
        k.first_lf = (size_t)(p - start); /* the row is all on one line: go on after it */
row_found:
    if (measured && (size_t)(*cend - start) > r->max_row)
        return rgp__row_reject(r, &k, rgp__row_too_long(r), p, why, line, nfields);
    if (resumed)
        rgp__row_search_reset(r);
    return RGP_ROW_OK;
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

/* ---- the one-pass parser's view of a row ------------------------------------
 * A generated scanner (scan_T_csv) reads the row at pos field by field and
 * converts each as it goes, stopping at the first byte its field's type does
 * not allow. The LF written at end stops every scan there, so the scanner
 * needs no bounds checks; a row it takes must end at an LF before end. */

/* The row at pos, with an LF written just past the bytes read (the buffer has
 * room for it: RGP_READER_PAD); NULL while a row search is under way or rows
 * must be measured against max_row (the two-pass path's cases). */
static inline const char *rgp_csv_scan_begin(rgp_reader *r)
{
    if (r->row_state != RGP__ROW_NONE)
        return NULL;
    r->buf[r->end] = '\n';
    return r->buf + r->pos;
}

/* The scanner took the row whose LF is at nl (before end): consumed, one line on. */
static inline void rgp_csv_scan_done(rgp_reader *r, const char *nl)
{
    r->pos = (size_t)(nl + 1 - r->buf);
    r->line++;
}

/* ---- raw lines ----------------------------------------------------------- */

/* The next line, without its LF or CRLF, in *text (valid until the next call).
 * Empty lines are lines. The last line of the input needs no LF. Returns
 * RGP_ROW_OK, RGP_ROW_EOF or RGP_ROW_NEED_INPUT, like rgp_csv_next_row. */
static inline int rgp_line_next(rgp_reader *r, rgp_str *text, uint64_t *line)
{
    char *start = r->buf + r->pos, *e = r->buf + r->end;
    if (start == e)
        return r->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
    /* r->scan: the bytes searched before the last read, known to hold no LF */
    char *nl = (char *)memchr(start + r->scan, '\n', (size_t)(e - start) - r->scan);
    if (!nl && !r->eof) {
        r->scan = (size_t)(e - start);
        return RGP_ROW_NEED_INPUT;
    }
    r->scan = 0;
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

/* Returns the next non-empty row.  Never reads: with no complete row in the
 * window it returns RGP_ROW_NEED_INPUT and consumes nothing (but the rest of a
 * rejected row's line); the caller publishes what it has, calls
 * rgp_reader_fill and retries.  Rows end at LF or CR LF (or at end of input);
 * a lone CR is data.  On OK fields[0..min(*nfields, max_fields)) point into
 * the buffer until the next call and *nfields is the true count.  On BAD,
 * *why says what is wrong, *nfields is 0, and the reader resumes at the line
 * after the bad row's first line (an unterminated quote, a row longer than
 * max_row: only the one row is lost).  *line is the line the row starts on.
 * delim must not be '"', CR or LF. */
/* Everything but the fast path: the rest of a rejected row's line, plain rows
 * that must be measured, rows with quotes, rows that do not end in the bytes
 * read so far, the last row without its LF.  Returns RGP__ROW_AGAIN for nothing to hand out yet but more to look
 * at (an empty line, the end of a skipped line). */
enum { RGP__ROW_AGAIN = 3 };
static inline int rgp__csv_next_row_slow(rgp_reader *r, char delim, rgp_str *fields, int max_fields, int *nfields,
                                  uint64_t *line, const char **why)
{
    char *start = r->buf + r->pos, *cend, *nl;
    size_t next;
    uint64_t lf;
    int st;
    if (r->row_state == RGP__ROW_SKIP_LINE)
        return (st = rgp__row_skip_line(r)) == RGP__ROW_NONE ? RGP__ROW_AGAIN : st;
    if (r->row_state == RGP__ROW_NONE_MEASURED &&
        rgp__csv_split_plain(start, r->buf + r->end, delim, fields, max_fields, nfields, &nl, &cend) && nl &&
        (size_t)(cend - start) <= r->max_row) { /* the fast path's work, measured */
        r->pos = (size_t)(nl + 1 - r->buf);
        *line = r->line++;
        return cend != start ? RGP_ROW_OK : RGP__ROW_AGAIN;
    }
    st = rgp__csv_search_row(r, delim, &cend, &next, &lf, why, line, nfields);
    if (st != RGP_ROW_OK)
        return st;
    *line = r->line;
    r->line += lf;
    r->pos = next;
    if (cend == start)
        return RGP__ROW_AGAIN; /* an empty line */
    *nfields = rgp__csv_split_quoted(start, cend, delim, fields, max_fields);
    return RGP_ROW_OK;
}

/* The row reader `rgp run` takes compiled from rgp (stdlib/rgp_linked.h). */
#define RGP_READER_LINKED(X)                                                                                   \
    X(int, rgp_csv_next_row, (rgp_reader *r, char delim, rgp_str *fields, int max_fields, int *nfields, uint64_t *line, \
                              const char **why))

#ifdef RGP_LINKED
RGP_READER_LINKED(RGP_DECLARE_LINKED)
#else
static inline int rgp_csv_next_row(rgp_reader *r, char delim, rgp_str *fields, int max_fields, int *nfields, uint64_t *line, const char **why)
{
    for (;;) {
        char *start = r->buf + r->pos, *e = r->buf + r->end, *nl, *cend;
        int st;

        if (start == e)
            return r->eof ? RGP_ROW_EOF : RGP_ROW_NEED_INPUT;
        /* Fast path: a whole row with no quote, split in the same pass that
         * finds its end (the buffer cannot hold one longer than max_row). */
        if (r->row_state == RGP__ROW_NONE && rgp__csv_split_plain(start, e, delim, fields, max_fields, nfields, &nl, &cend) &&
            nl) {
            r->pos = (size_t)(nl + 1 - r->buf);
            *line = r->line++;
            if (cend != start)
                return RGP_ROW_OK;
            continue; /* an empty line */
        }
        if ((st = rgp__csv_next_row_slow(r, delim, fields, max_fields, nfields, line, why)) != RGP__ROW_AGAIN)
            return st;
    }
}
#endif /* RGP_LINKED */

#endif /* RGP_READER_H */
