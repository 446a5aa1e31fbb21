/* follow.h - file("PATH", follow: true, state: "PATH") sources (issue 12
 * item 5): at the end of the file the parse thread waits for appends, like
 * tail -F. A rename and re-create (rotation) is seen by the path naming
 * another inode: the old file is read to its end, then the new one from 0.
 * A file shorter than what was read (truncation) is read again from 0. The
 * place kept in the state file is the byte after the last whole line parsed,
 * with the file's device, inode and a fingerprint of its first bytes, written
 * to STATE.tmp and renamed over STATE, only when the generated code has found
 * every sink flushed past it (see emit_follow.c). */
#ifndef RGP_FOLLOW_H
#define RGP_FOLLOW_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "reader.h"
#include "program.h"

#define RGP_FOLLOW_FP_BYTES 64   /* the fingerprint: FNV-1a of the first (up to) 64 bytes */
#define RGP_FOLLOW_POLL_MS 50    /* how often an idle source looks at its file again */
#define RGP_FOLLOW_SAVE_MS 1000  /* a source that never catches up with its file still saves its place this often */
#define RGP_FOLLOW_DRAIN_NAPS 200   /* how long (1 ms naps) a save waits for the sinks to write what was read */

typedef struct rgp_follow {
    const char *prog, *path, *display, *state;   /* state: NULL without a state file */
    uint64_t dev, ino;        /* of the file open now */
    uint64_t fp;              /* its fingerprint over fp_len bytes */
    uint32_t fp_len;
    uint64_t base;            /* the file offset of the reader's first byte */
    uint64_t saved_off;       /* the place last written to the state file */
    int saved;                /* a place was written (or read at the start) */
    uint64_t end_off, end_line;   /* where the parse thread stopped (read by main after the join) */
    uint64_t rotations, truncations;
    int64_t saved_ms;         /* CLOCK_MONOTONIC of the last save (or of the start) */
    char state_buf[4096];
} rgp_follow;

static inline int64_t rgp__follow_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline uint64_t rgp__follow_fp(int fd, uint32_t *len)
{
    unsigned char b[RGP_FOLLOW_FP_BYTES];
    ssize_t k = pread(fd, b, sizeof b, 0);
    uint64_t h = 1469598103934665603ull;
    *len = k > 0 ? (uint32_t)k : 0;
    for (ssize_t i = 0; i < k; i++) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

/* The byte after the last record handed out. */
static inline uint64_t rgp_follow_position(const rgp_follow *f, const rgp_reader *r)
{
    return f->base + r->bytes - (r->end - r->pos);
}

static inline int rgp__follow_identify(rgp_follow *f, int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    f->dev = (uint64_t)st.st_dev;
    f->ino = (uint64_t)st.st_ino;
    f->fp = rgp__follow_fp(fd, &f->fp_len);
    return 0;
}

/* In main, with the reader open on PATH: identifies the file and, when the
 * state file names this file (device, inode and fingerprint), moves to the
 * place it keeps. Any other file is read from the start, said on stderr. */
static inline int rgp_follow_open(rgp_follow *f, rgp_reader *r, const char *prog, const char *path, const char *display,
                                  const char *state)
{
    memset(f, 0, sizeof *f);
    f->prog = prog, f->path = path, f->display = display;
    f->saved_ms = rgp__follow_ms();
    if (rgp__follow_identify(f, r->fd) != 0) return -1;
    if (!state) return 0;
    /* a relative state path is beside the followed file, wherever NAME=PATH puts it */
    const char *slash = strrchr(path, '/');
    if (state[0] == '/' || !slash) snprintf(f->state_buf, sizeof f->state_buf, "%s", state);
    else snprintf(f->state_buf, sizeof f->state_buf, "%.*s/%s", (int)(slash - path), path, state);
    state = f->state = f->state_buf;
    FILE *sf = fopen(state, "r");
    if (!sf) {
        if (errno == ENOENT) return 0;   /* a first run */
        fprintf(stderr, "%s: error: cannot read the state file %s of source %s: %s\n", prog, state, display, strerror(errno));
        return -1;
    }
    unsigned long long dev, ino, fp, off, line;
    unsigned fp_len;
    int n = fscanf(sf, "rgp-follow 1 dev %llu ino %llu fp %u %llx offset %llu line %llu", &dev, &ino, &fp_len, &fp, &off, &line);
    fclose(sf);
    if (n != 6) {
        fprintf(stderr, "%s: error: %s is not a state file of rgp's (source %s): move it away to read the file from the start\n", prog,
                state, display);
        return -1;
    }
    struct stat st;
    uint64_t now_fp = fp_len <= f->fp_len ? 0 : 1;
    if (!now_fp) {   /* the fingerprint over as many bytes as it had then */
        unsigned char b[RGP_FOLLOW_FP_BYTES];
        ssize_t k = pread(r->fd, b, fp_len, 0);
        uint64_t h = 1469598103934665603ull;
        for (ssize_t i = 0; i < k; i++) h = (h ^ b[i]) * 1099511628211ull;
        now_fp = k == (ssize_t)fp_len && h == fp ? 0 : 1;
    }
    if (dev != f->dev || ino != f->ino || now_fp || fstat(r->fd, &st) != 0 || (uint64_t)st.st_size < off) {
        fprintf(stderr, "%s: %s is not the file %s names (rotated, truncated or replaced while stopped): reading it from the start\n", prog,
                display, state);
        return 0;
    }
    if (lseek(r->fd, (off_t)off, SEEK_SET) < 0) return -1;
    f->base = off;
    f->saved_off = off;
    f->saved = 1;
    r->bom_pending = off == 0;
    r->line = line;
    return 0;
}

/* Whether to save the place now: it moved, and the source is at the end of
 * what is written (idle) or saved last more than RGP_FOLLOW_SAVE_MS ago. */
static inline int rgp_follow_due(const rgp_follow *f, const rgp_reader *r, int idle)
{
    if (!f->state || (f->saved && rgp_follow_position(f, r) == f->saved_off)) return 0;
    return idle || rgp__follow_ms() - f->saved_ms >= RGP_FOLLOW_SAVE_MS;
}

/* A millisecond's wait for the sinks, between two looks at whether they are done. */
static inline void rgp_follow_nap(void)
{
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
}

/* Writes the place to STATE.tmp, syncs it and renames it over STATE: a
 * crash leaves the old place or the new one, never a torn one. */
static inline int rgp_follow_save(rgp_follow *f, uint64_t off, uint64_t line)
{
    if (!f->state || (f->saved && f->saved_off == off)) return 0;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", f->state);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) goto fail;
    char text[256];
    int n = snprintf(text, sizeof text, "rgp-follow 1 dev %llu ino %llu fp %u %llx offset %llu line %llu\n", (unsigned long long)f->dev,
                     (unsigned long long)f->ino, f->fp_len, (unsigned long long)f->fp, (unsigned long long)off, (unsigned long long)line);
    if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
        close(fd);
        goto fail;
    }
    close(fd);
    if (rename(tmp, f->state) != 0) goto fail;
    f->saved_ms = rgp__follow_ms();
    f->saved_off = off;
    f->saved = 1;
    return 0;
fail:
    fprintf(stderr, "%s: error: cannot write the state file %s of source %s: %s\n", f->prog, f->state, f->display, strerror(errno));
    return -1;
}

/* The reader at byte 0 of a file (after a rotation or truncation). */
static inline void rgp__follow_rewind(rgp_follow *f, rgp_reader *r)
{
    r->pos = r->end = 0;
    r->bytes = 0;
    r->scan = 0;
    r->line = 1;
    r->bom_pending = 1;
    r->bom_held = 0;
    r->row_state = rgp__row_idle(r);
    r->scan_lf = r->scan_quote_lf = 0;
    r->scan_first_lf = SIZE_MAX;
    f->base = 0;
}

/* The first read of a file at byte 0: what it read, never its end. */
static inline int rgp__follow_first_fill(rgp_reader *r)
{
    int k = rgp_reader_fill(r);
    r->eof = 0;
    return k < 0 ? -1 : 1;
}

/* What is still in the buffer when the file under it goes away (rotated or
 * truncated): a last line without its newline, rejected and counted. */
static inline void rgp__follow_drop_tail(rgp_follow *f, rgp_reader *r, rgp_source_stats *st, const char *why)
{
    if (r->end > r->pos) {
        st->rows++;
        rgp_reject(st, r->line, "a last line of %zu bytes without a newline, cut short: the file was %s", r->end - r->pos, why);
    }
    (void)f;
}

/* The parse thread's read for a followed file, where others call
 * rgp_reader_fill: bytes read (> 0), 0 when there is nothing new (the caller
 * may save its place, then calls rgp_follow_sleep), or -1 with errno. A
 * rotation or truncation is handled here, and reads on in the new file. */
static inline int rgp_follow_fill(rgp_follow *f, rgp_reader *r, rgp_source_stats *st)
{
    int k = rgp_reader_fill(r);
    if (k != 0) return k;
    r->eof = 0;   /* the end of a followed file is only where the writer is now: a partial line waits */
    if (f->fp_len < RGP_FOLLOW_FP_BYTES) f->fp = rgp__follow_fp(r->fd, &f->fp_len);   /* it grew past its first bytes */
    struct stat fs, ps;
    if (fstat(r->fd, &fs) == 0 && (uint64_t)fs.st_size < f->base + r->bytes) {
        f->truncations++;
        fprintf(stderr, "%s: %s was truncated (to %llu bytes, from %llu read): reading it again from the start\n", f->prog, f->display,
                (unsigned long long)fs.st_size, (unsigned long long)(f->base + r->bytes));
        rgp__follow_drop_tail(f, r, st, "truncated");
        if (lseek(r->fd, 0, SEEK_SET) < 0) return -1;
        rgp__follow_rewind(f, r);
        f->fp = rgp__follow_fp(r->fd, &f->fp_len);
        return rgp__follow_first_fill(r);
    }
    if (stat(f->path, &ps) != 0 || ((uint64_t)ps.st_dev == f->dev && (uint64_t)ps.st_ino == f->ino)) return 0;
    /* the path names another file: the old one is at its end (the read above), so on to the new one */
    int fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    f->rotations++;
    rgp__follow_drop_tail(f, r, st, "rotated");
    if (r->owns_fd) close(r->fd);
    r->fd = fd;
    r->owns_fd = 1;
    rgp__follow_rewind(f, r);
    if (rgp__follow_identify(f, fd) != 0) return -1;
    return rgp__follow_first_fill(r);
}

/* Waits a little for appends; a signal (a stop) cuts it short. */
static inline void rgp_follow_sleep(void)
{
    struct timespec ts = {0, RGP_FOLLOW_POLL_MS * 1000000L};
    nanosleep(&ts, NULL);
}

/* In main, after the sinks are closed: the report of rotations and truncations. */
static inline void rgp_follow_report(const rgp_follow *f)
{
    if (f->rotations || f->truncations)
        fprintf(stderr, "%s: source %s: followed %llu rotation%s and %llu truncation%s\n", f->prog, f->display,
                (unsigned long long)f->rotations, f->rotations == 1 ? "" : "s", (unsigned long long)f->truncations,
                f->truncations == 1 ? "" : "s");
}

#endif
