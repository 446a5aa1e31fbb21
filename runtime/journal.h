/* The journal: records appended to segment files in one directory, read back
 * from any offset, and recovered after a crash without losing a record that
 * was written whole.
 *
 * Files in DIR (every integer little-endian):
 *   NNNNNNNNNNNNNNNNNNNN.seg  a segment; the name is the offset of its first
 *                             record, 20 digits, so names sort as offsets do.
 *   durable                   u64 offset, u32 CRC-32C of those 8 bytes, u32 0:
 *                             every record below the offset is on disk
 *                             (fdatasync returned). Rewritten after each sync.
 *   group.NAME                the same 16 bytes: a reader group's committed
 *                             offset. Written atomically (temp file, rename).
 *
 * A segment: a 32-byte header, the record type's schema text, then frames.
 *   header  "RGPJSEG1" | u64 base offset | u64 type fingerprint |
 *           u32 schema length S | u32 CRC-32C of bytes 0..27 and the schema
 *   schema  S bytes, "name:type;name:type", the types of types.h
 *   frame   u32 payload length L | u32 CRC-32C | u64 offset | L payload bytes
 *           The CRC covers the length, the offset and the payload, so a frame
 *           that was cut, moved or overwritten never checks.
 *
 * One CRC per frame, not per block: one bad byte loses one frame, and with
 * on_corrupt: skip the reader finds the next good frame by its CRC and its
 * offset. A writer that opens a journal scans its last segment: a partial or
 * failing frame with nothing good after it is a torn tail (a crash in the
 * middle of a write) and is cut off, and the message says how many bytes; a
 * bad frame followed by good ones is corruption, which is refused rather than
 * cut, because cutting it would delete good records.
 *
 * A payload is the record's fields in schema order: i64, u64, f64 and time as
 * 8 bytes, bool as 1 byte, str as a u32 length and its bytes. */
#ifndef RGP_JOURNAL_H
#define RGP_JOURNAL_H
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "rgp_crc32c.h"

#define RGP_JOURNAL_MAGIC "RGPJSEG1"
#define RGP_JOURNAL_SEG_HEADER 32u
#define RGP_JOURNAL_FRAME_HEADER 16u
#define RGP_JOURNAL_MAX_PAYLOAD (64u << 20)       /* a longer length is a corrupt frame */
#define RGP_JOURNAL_MAX_SCHEMA 65536u
#define RGP_JOURNAL_SEGMENT_BYTES (128ull << 20)  /* a segment is closed once it holds this much */
#define RGP_JOURNAL_BUFFER (1u << 20)             /* frames are written in blocks of this size */
#define RGP_JOURNAL_END UINT64_MAX                /* reader_open: start after the last record */

/* ---- CRC-32C, slicing by 8 --------------------------------------------- */

/* With gcc or clang on x86-64, the SSE 4.2 crc32 instruction when the CPU has it
 * (8 bytes in 3 cycles); the tables otherwise, and always under tcc (`rgp run`). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__TINYC__)
#define RGP_CRC32C_HW 1
__attribute__((target("sse4.2"))) static uint32_t rgp__crc32c_hw(uint32_t crc, const unsigned char *p, size_t n)
{
    uint64_t c = ~crc;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    uint32_t c32 = (uint32_t)c;
    while (n--) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return ~c32;
}
#endif

static inline uint32_t rgp__crc32c_sw(uint32_t crc, const unsigned char *p, size_t n)
{
    crc = ~crc;
    while (n >= 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        crc = rgp__crc32c_table[7][lo & 0xff] ^ rgp__crc32c_table[6][lo >> 8 & 0xff] ^
              rgp__crc32c_table[5][lo >> 16 & 0xff] ^ rgp__crc32c_table[4][lo >> 24] ^
              rgp__crc32c_table[3][p[4]] ^ rgp__crc32c_table[2][p[5]] ^ rgp__crc32c_table[1][p[6]] ^
              rgp__crc32c_table[0][p[7]];
        p += 8;
        n -= 8;
    }
    while (n--) crc = crc >> 8 ^ rgp__crc32c_table[0][(crc ^ *p++) & 0xff];
    return ~crc;
}

static inline uint32_t rgp_crc32c_update(uint32_t crc, const void *data, size_t n)
{
#ifdef RGP_CRC32C_HW
    if (__builtin_cpu_supports("sse4.2")) return rgp__crc32c_hw(crc, data, n);
#endif
    return rgp__crc32c_sw(crc, data, n);
}

static inline uint32_t rgp_crc32c(const void *data, size_t n) { return rgp_crc32c_update(0, data, n); }

/* ---- little-endian fields ------------------------------------------------ */

static inline void rgp_le32_put(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> 8 * i);
}
static inline void rgp_le64_put(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> 8 * i);
}
static inline uint32_t rgp_le32_get(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t rgp_le64_get(const unsigned char *p)
{
    return (uint64_t)rgp_le32_get(p) | (uint64_t)rgp_le32_get(p + 4) << 32;
}

/* FNV-1a of the schema text: what "the same record type" means to a journal. */
static inline uint64_t rgp_journal_fingerprint(const char *schema)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)schema; *p; p++) h = (h ^ *p) * 0x100000001b3ull;
    return h;
}

/* ---- frames -------------------------------------------------------------- */

enum { RGP_FRAME_OK, RGP_FRAME_SHORT, RGP_FRAME_BAD };

/* The frame at p, with avail bytes readable there: OK (its payload length in
 * *len), SHORT (it may be whole once more bytes arrive) or BAD. want is the
 * offset it must carry, or RGP_JOURNAL_END for any. */
static inline int rgp_journal_frame_check(const unsigned char *p, size_t avail, uint64_t want, uint32_t *len)
{
    if (avail < RGP_JOURNAL_FRAME_HEADER) return RGP_FRAME_SHORT;
    uint32_t n = rgp_le32_get(p);
    if (n > RGP_JOURNAL_MAX_PAYLOAD) return RGP_FRAME_BAD;
    if (want != RGP_JOURNAL_END && rgp_le64_get(p + 8) != want) return RGP_FRAME_BAD;
    if (avail - RGP_JOURNAL_FRAME_HEADER < n) return RGP_FRAME_SHORT;
    uint32_t crc = rgp_crc32c_update(rgp_crc32c(p, 4), p + 8, 8 + (size_t)n);
    if (crc != rgp_le32_get(p + 4)) return RGP_FRAME_BAD;
    *len = n;
    return RGP_FRAME_OK;
}

/* Writes the frame header for a payload at out (16 bytes before it). */
static inline void rgp_journal_frame_seal(unsigned char *out, uint64_t offset, const void *payload, uint32_t n)
{
    rgp_le32_put(out, n);
    rgp_le64_put(out + 8, offset);
    uint32_t crc = rgp_crc32c_update(rgp_crc32c(out, 4), out + 8, 8);
    rgp_le32_put(out + 4, rgp_crc32c_update(crc, payload, n));
}

/* ---- the directory -------------------------------------------------------- */

typedef struct rgp_journal_segs {
    uint64_t *base;                 /* first offsets, ascending */
    int n;
} rgp_journal_segs;

static inline void rgp_journal_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static inline int rgp__journal_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The segments in dir, sorted; 0, or -1 with err set (a missing directory is an error). */
static inline int rgp_journal_list(const char *dir, rgp_journal_segs *s, char *err, size_t errlen)
{
    s->base = NULL;
    s->n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        rgp_journal_err(err, errlen, "journal %s: %s", dir, strerror(errno));
        return -1;
    }
    int cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *nm = de->d_name;
        if (strlen(nm) != 24 || strcmp(nm + 20, ".seg") != 0) continue;
        uint64_t v = 0;
        int ok = 1;
        for (int i = 0; i < 20; i++) {
            if (nm[i] < '0' || nm[i] > '9') ok = 0;
            v = v * 10 + (uint64_t)(nm[i] - '0');
        }
        if (!ok) continue;
        if (s->n == cap) {
            cap = cap ? 2 * cap : 16;
            uint64_t *nb = realloc(s->base, (size_t)cap * sizeof *nb);
            if (!nb) {
                closedir(d);
                rgp_journal_err(err, errlen, "journal %s: out of memory", dir);
                return -1;
            }
            s->base = nb;
        }
        s->base[s->n++] = v;
    }
    closedir(d);
    if (s->n) qsort(s->base, (size_t)s->n, sizeof *s->base, rgp__journal_cmp_u64);
    return 0;
}

static inline void rgp_journal_seg_path(char *out, size_t cap, const char *dir, uint64_t base)
{
    snprintf(out, cap, "%s/%020llu.seg", dir, (unsigned long long)base);
}

/* A 16-byte offset file (durable, group.NAME): 1 and *off, 0 when absent, -1 when damaged. */
static inline int rgp_journal_offset_read(const char *path, uint64_t *off)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1;
    unsigned char b[16];
    ssize_t n = pread(fd, b, sizeof b, 0);
    close(fd);
    if (n != 16 || rgp_crc32c(b, 8) != rgp_le32_get(b + 8)) return -1;
    *off = rgp_le64_get(b);
    return 1;
}

static inline void rgp__journal_offset_bytes(unsigned char b[16], uint64_t off)
{
    rgp_le64_put(b, off);
    rgp_le32_put(b + 8, rgp_crc32c(b, 8));
    rgp_le32_put(b + 12, 0);
}

/* A group's committed offset, replaced atomically: temp file, fsync, rename, fsync of DIR. */
static inline int rgp_journal_commit(const char *dir, const char *group, uint64_t off, char *err, size_t errlen)
{
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/group.%s", dir, group);
    snprintf(tmp, sizeof tmp, "%s/.group.%s.tmp", dir, group);
    unsigned char b[16];
    rgp__journal_offset_bytes(b, off);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, b, 16) != 16 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
        rgp_journal_err(err, errlen, "journal %s: cannot commit group %s: %s", dir, group, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* The least committed offset over every group in dir (RGP_JOURNAL_END when there is none):
 * retention keeps every segment at or after it. */
static inline uint64_t rgp_journal_min_committed(const char *dir)
{
    uint64_t least = RGP_JOURNAL_END;
    DIR *d = opendir(dir);
    if (!d) return least;
    struct dirent *de;
    char path[4096 + 256];
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "group.", 6) != 0) continue;
        uint64_t off;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        int rc = rgp_journal_offset_read(path, &off);
        if (rc < 0) off = 0;            /* damaged: keep everything rather than guess */
        if (rc != 0 && off < least) least = off;
    }
    closedir(d);
    return least;
}

/* ---- a segment's header ---------------------------------------------------- */

typedef struct rgp_journal_header {
    uint64_t base, fingerprint;
    uint32_t schema_len;
    char schema[RGP_JOURNAL_MAX_SCHEMA + 1];
} rgp_journal_header;

/* Reads and checks the header of an open segment: 0, or -1 with err set
 * (*torn is set when the file is shorter than its header: a crash while it was made). */
static inline int rgp_journal_header_read(int fd, const char *path, rgp_journal_header *h, int *torn, char *err,
                                          size_t errlen)
{
    unsigned char b[RGP_JOURNAL_SEG_HEADER];
    *torn = 0;
    ssize_t n = pread(fd, b, sizeof b, 0);
    if (n < 0) {
        rgp_journal_err(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if ((size_t)n < sizeof b) {
        *torn = 1;
        rgp_journal_err(err, errlen, "%s: segment header cut short (%ld of %u bytes)", path, (long)n,
                        RGP_JOURNAL_SEG_HEADER);
        return -1;
    }
    if (memcmp(b, RGP_JOURNAL_MAGIC, 8) != 0) {
        rgp_journal_err(err, errlen, "%s: not an rgp journal segment (bad magic at byte 0)", path);
        return -1;
    }
    h->base = rgp_le64_get(b + 8);
    h->fingerprint = rgp_le64_get(b + 16);
    h->schema_len = rgp_le32_get(b + 24);
    if (h->schema_len > RGP_JOURNAL_MAX_SCHEMA) {
        rgp_journal_err(err, errlen, "%s: segment header damaged (schema length %u)", path, h->schema_len);
        return -1;
    }
    n = pread(fd, h->schema, h->schema_len, RGP_JOURNAL_SEG_HEADER);
    if (n < 0 || (uint32_t)n < h->schema_len) {
        *torn = n >= 0;
        rgp_journal_err(err, errlen, "%s: segment header cut short in its schema", path);
        return -1;
    }
    h->schema[h->schema_len] = 0;
    uint32_t crc = rgp_crc32c_update(rgp_crc32c(b, 28), h->schema, h->schema_len);
    if (crc != rgp_le32_get(b + 28)) {
        rgp_journal_err(err, errlen, "%s: segment header damaged (CRC mismatch)", path);
        return -1;
    }
    return 0;
}

static inline uint64_t rgp_journal_header_size(const rgp_journal_header *h)
{
    return RGP_JOURNAL_SEG_HEADER + h->schema_len;
}

/* ---- reading frames from one segment, in blocks ------------------------------ */

typedef struct rgp_journal_cursor {
    int fd;
    uint64_t pos;                   /* file position of buf[0] */
    unsigned char *buf;
    size_t len, cap, at;            /* bytes held; the frame being looked at starts at buf[at] */
    int eof;                        /* the last read returned 0: the frame at `at` is all there is */
} rgp_journal_cursor;

static inline void rgp_journal_cursor_init(rgp_journal_cursor *c, int fd, uint64_t pos)
{
    c->fd = fd;
    c->pos = pos;
    c->len = c->at = 0;
    c->eof = 0;
}

/* Makes at least `need` bytes from buf[at] readable if the file has them: 0, or -1 on a read error. */
static inline int rgp_journal_cursor_want(rgp_journal_cursor *c, size_t need)
{
    if (c->len - c->at >= need) return 0;
    if (c->at) {
        memmove(c->buf, c->buf + c->at, c->len - c->at);
        c->pos += c->at;
        c->len -= c->at;
        c->at = 0;
    }
    if (need > c->cap || !c->buf) {
        size_t cap = c->cap ? c->cap : RGP_JOURNAL_BUFFER;
        while (cap < need) cap *= 2;
        unsigned char *nb = realloc(c->buf, cap);
        if (!nb) return -1;
        c->buf = nb;
        c->cap = cap;
    }
    c->eof = 0;
    while (c->len < need) {
        ssize_t n = pread(c->fd, c->buf + c->len, c->cap - c->len, (off_t)(c->pos + c->len));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) {
            c->eof = 1;
            break;
        }
        c->len += (size_t)n;
    }
    return 0;
}

/* The next frame: RGP_FRAME_OK with *p and *len (valid until the next call; the cursor
 * then stands after it), RGP_FRAME_SHORT at the end of the data, RGP_FRAME_BAD (the
 * cursor stays on it), or -1 on a read error. */
static inline int rgp_journal_cursor_next(rgp_journal_cursor *c, uint64_t want, const unsigned char **p, uint32_t *len)
{
    if (rgp_journal_cursor_want(c, RGP_JOURNAL_FRAME_HEADER) != 0) return -1;
    size_t avail = c->len - c->at;
    if (avail >= RGP_JOURNAL_FRAME_HEADER) {
        uint32_t n = rgp_le32_get(c->buf + c->at);
        if (n <= RGP_JOURNAL_MAX_PAYLOAD && rgp_journal_cursor_want(c, RGP_JOURNAL_FRAME_HEADER + (size_t)n) != 0)
            return -1;
        avail = c->len - c->at;
    }
    int rc = rgp_journal_frame_check(c->buf + c->at, avail, want, len);
    if (rc == RGP_FRAME_OK) {
        *p = c->buf + c->at + RGP_JOURNAL_FRAME_HEADER;
        c->at += RGP_JOURNAL_FRAME_HEADER + *len;
    }
    return rc;
}

static inline uint64_t rgp_journal_cursor_tell(const rgp_journal_cursor *c) { return c->pos + c->at; }

/* After a bad frame: the file position of the next good frame whose offset is at least
 * `least`, searched byte by byte to the end of the file; 0 when there is none (a frame
 * never starts at 0, the header is there). The cursor is left on it. */
static inline uint64_t rgp_journal_cursor_resync(rgp_journal_cursor *c, uint64_t least)
{
    for (;;) {
        c->at++;
        if (rgp_journal_cursor_want(c, RGP_JOURNAL_FRAME_HEADER) != 0) return 0;
        if (c->len - c->at < RGP_JOURNAL_FRAME_HEADER) return 0;
        const unsigned char *h = c->buf + c->at;
        uint32_t n = rgp_le32_get(h);
        if (n > RGP_JOURNAL_MAX_PAYLOAD || rgp_le64_get(h + 8) < least) continue;
        if (rgp_journal_cursor_want(c, RGP_JOURNAL_FRAME_HEADER + (size_t)n) != 0) return 0;
        uint32_t len;
        if (rgp_journal_frame_check(c->buf + c->at, c->len - c->at, RGP_JOURNAL_END, &len) == RGP_FRAME_OK)
            return rgp_journal_cursor_tell(c);
    }
}

static inline void rgp_journal_cursor_free(rgp_journal_cursor *c)
{
    free(c->buf);
    c->buf = NULL;
    c->cap = 0;
}

/* ---- the writer ------------------------------------------------------------- */

typedef enum rgp_journal_sync { RGP_JOURNAL_SYNC_INTERVAL, RGP_JOURNAL_SYNC_ALWAYS, RGP_JOURNAL_SYNC_NEVER } rgp_journal_sync_kind;

typedef struct rgp_journal_opts {
    rgp_journal_sync_kind sync;
    uint64_t sync_ns;               /* SYNC_INTERVAL: the group commit's period (default 100 ms) */
    uint64_t segment_bytes;         /* 0: RGP_JOURNAL_SEGMENT_BYTES */
    uint64_t keep_bytes;            /* retention; 0: keep everything */
    uint64_t keep_ns;               /* retention by age of a segment's last write; 0: no limit */
} rgp_journal_opts;

/* The group commit's thread (sync: N ms): the writer hands it a segment's fd and
 * the offset written so far, and goes on appending while it fdatasyncs that fd and
 * then publishes the offset as durable. One job at a time; a rolled segment's job
 * also closes its fd. Every field is under mu: the handoff is ten times a second,
 * not per record, so a mutex costs nothing that matters. */
typedef struct rgp_journal_syncer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t wake, idle;
    int running;                    /* the thread was started (writer-only) */
    int busy, stop;                 /* a job is posted / the thread is to end */
    int fd, close_fd;               /* the job: fdatasync fd, then close it if close_fd */
    uint64_t upto;                  /* the job: records below it were written to fd's segment or before */
    int failed;                     /* an fdatasync failed: err says why */
    char err[4200];
} rgp_journal_syncer;

typedef struct rgp_journal_writer {
    char dir[4096];
    char schema[RGP_JOURNAL_MAX_SCHEMA + 1];
    uint64_t fingerprint;
    rgp_journal_opts o;
    int fd, dirfd, durable_fd;
    uint64_t seg_base, seg_bytes;   /* the open segment: its first offset and its size */
    uint64_t next;                  /* the offset the next record gets */
    uint64_t written;               /* records below it have reached the kernel */
    uint64_t durable;               /* records below it are on disk; the syncer's while it runs */
    uint64_t last_sync_ns;
    rgp_journal_syncer sy;
    uint64_t sync_asked;            /* the offset of the syncer's last job (writer-only) */
    uint64_t cut_bytes;             /* recovery: the torn tail cut off at open */
    int failed;                     /* a write failed: nothing more is appended */
    unsigned char *buf;
    size_t len;
    char err[4600];
} rgp_journal_writer;

static inline uint64_t rgp_journal_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The write(2) the writer calls: tests/journal_writer.c puts one here that returns
 * short writes, so that kill -9 lands between the halves of a frame. */
#ifndef RGP_JOURNAL_WRITE
#define RGP_JOURNAL_WRITE write
#endif

/* Writes n bytes: 0, or -1 with errno set and the bytes that did go out in *done. */
static inline int rgp__journal_write_some(int fd, const unsigned char *p, size_t n, size_t *done)
{
    *done = 0;
    while (*done < n) {
        ssize_t k = RGP_JOURNAL_WRITE(fd, p + *done, n - *done);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return -1;
        *done += (size_t)k;
    }
    return 0;
}

static inline int rgp__journal_write_all(int fd, const unsigned char *p, size_t n)
{
    size_t done;
    return rgp__journal_write_some(fd, p, n, &done);
}

/* Creates the segment that starts at w->next and writes its header. */
static inline int rgp__journal_new_segment(rgp_journal_writer *w)
{
    char path[4200];
    rgp_journal_seg_path(path, sizeof path, w->dir, w->next);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rgp_journal_err(w->err, sizeof w->err, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    size_t s = strlen(w->schema);
    unsigned char h[RGP_JOURNAL_SEG_HEADER];
    memcpy(h, RGP_JOURNAL_MAGIC, 8);
    rgp_le64_put(h + 8, w->next);
    rgp_le64_put(h + 16, w->fingerprint);
    rgp_le32_put(h + 24, (uint32_t)s);
    rgp_le32_put(h + 28, rgp_crc32c_update(rgp_crc32c(h, 28), w->schema, s));
    if (rgp__journal_write_all(fd, h, sizeof h) != 0 || rgp__journal_write_all(fd, (const unsigned char *)w->schema, s) != 0 ||
        (w->o.sync != RGP_JOURNAL_SYNC_NEVER && (fsync(fd) != 0 || fsync(w->dirfd) != 0))) {
        rgp_journal_err(w->err, sizeof w->err, "%s: cannot write its header: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    w->fd = fd;
    w->seg_base = w->next;
    w->seg_bytes = RGP_JOURNAL_SEG_HEADER + s;
    return 0;
}

/* rgp__journal_recover on the open segment fd, with its header read into *hp. */
static inline int rgp__journal_recover_segment(rgp_journal_writer *w, int fd, const char *path, uint64_t base,
                                               rgp_journal_header *hp)
{
    int torn;
    if (rgp_journal_header_read(fd, path, hp, &torn, w->err, sizeof w->err) != 0) {
        struct stat st;
        if (torn && fstat(fd, &st) == 0) {
            /* made by a writer that crashed before the header was whole: it holds no record */
            w->cut_bytes = (uint64_t)st.st_size;
            close(fd);
            unlink(path);
            w->next = base;
            return 1;
        }
        close(fd);
        return -1;
    }
    if (hp->base != base) {
        rgp_journal_err(w->err, sizeof w->err, "%s: its header says it starts at offset %llu, its name %llu", path,
                        (unsigned long long)hp->base, (unsigned long long)base);
        close(fd);
        return -1;
    }
    if (hp->fingerprint != w->fingerprint || strcmp(hp->schema, w->schema) != 0) {
        rgp_journal_err(w->err, sizeof w->err,
                        "journal %s holds records of another type: it has (%s), this pipeline writes (%s)", w->dir,
                        hp->schema, w->schema);
        close(fd);
        return -1;
    }
    rgp_journal_cursor c = {0};
    rgp_journal_cursor_init(&c, fd, rgp_journal_header_size(hp));
    uint64_t next = base;
    const unsigned char *p;
    uint32_t len;
    int rc;
    while ((rc = rgp_journal_cursor_next(&c, next, &p, &len)) == RGP_FRAME_OK) next++;
    uint64_t good_end = rgp_journal_cursor_tell(&c);
    if (rc < 0) {
        rgp_journal_err(w->err, sizeof w->err, "%s: %s", path, strerror(errno));
        rgp_journal_cursor_free(&c);
        close(fd);
        return -1;
    }
    if (rc == RGP_FRAME_BAD) {
        uint64_t again = rgp_journal_cursor_resync(&c, next);
        if (again) {
            rgp_journal_err(w->err, sizeof w->err,
                            "%s: corrupt frame at byte %llu (offset %llu), with good frames after it at byte %llu: "
                            "refusing to cut good records; run `rgp journal verify %s`",
                            path, (unsigned long long)good_end, (unsigned long long)next, (unsigned long long)again, w->dir);
            rgp_journal_cursor_free(&c);
            close(fd);
            return -1;
        }
    }
    rgp_journal_cursor_free(&c);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    if ((uint64_t)st.st_size > good_end) {
        w->cut_bytes = (uint64_t)st.st_size - good_end;
        if (ftruncate(fd, (off_t)good_end) != 0 || fsync(fd) != 0) {
            rgp_journal_err(w->err, sizeof w->err, "%s: cannot cut its torn tail: %s", path, strerror(errno));
            close(fd);
            return -1;
        }
    }
    if (lseek(fd, (off_t)good_end, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    w->fd = fd;
    w->seg_base = base;
    w->seg_bytes = good_end;
    w->next = next;
    return 0;
}

/* Scans the last segment, cuts a torn tail, and leaves w->fd open at its end:
 * 0, 1 when the segment must be made anew (its header was torn), or -1. */
static inline int rgp__journal_recover(rgp_journal_writer *w, uint64_t base)
{
    char path[4200];
    rgp_journal_seg_path(path, sizeof path, w->dir, base);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        rgp_journal_err(w->err, sizeof w->err, "%s: %s", path, strerror(errno));
        return -1;
    }
    rgp_journal_header *hp = malloc(sizeof *hp);  /* 64 KiB: not on the stack */
    if (!hp) {
        close(fd);
        return -1;
    }
    int rc = rgp__journal_recover_segment(w, fd, path, base, hp);
    free(hp);
    return rc;
}


/* Publishes w->durable in DIR/durable. */
static inline void rgp__journal_publish_durable(rgp_journal_writer *w)
{
    unsigned char b[16];
    rgp__journal_offset_bytes(b, w->durable);
    /* advisory: when this write fails, readers see an older offset, which is still true */
    if (w->durable_fd >= 0 && pwrite(w->durable_fd, b, 16, 0) != 16) return;
}

/* The syncer's loop. Its writes of w->durable and DIR/durable happen under mu, and
 * the writer reads w->durable only after rgp__journal_syncer_wait: the mutex orders
 * both ways, so no field needs an atomic. */
static void *rgp__journal_syncer_main(void *arg)
{
    rgp_journal_writer *w = arg;
    rgp_journal_syncer *y = &w->sy;
    pthread_mutex_lock(&y->mu);
    for (;;) {
        while (!y->busy && !y->stop) pthread_cond_wait(&y->wake, &y->mu);
        if (!y->busy) break;
        int fd = y->fd, close_fd = y->close_fd;
        uint64_t upto = y->upto;
        pthread_mutex_unlock(&y->mu);
        int rc = fdatasync(fd), e = errno;
        if (close_fd) close(fd);
        pthread_mutex_lock(&y->mu);
        if (rc == 0) {
            if (upto > w->durable) w->durable = upto;
            rgp__journal_publish_durable(w);
        } else if (!y->failed) {
            y->failed = 1;
            rgp_journal_err(y->err, sizeof y->err, "journal %s: fdatasync: %s", w->dir, strerror(e));
        }
        y->busy = 0;
        pthread_cond_broadcast(&y->idle);
    }
    pthread_mutex_unlock(&y->mu);
    return NULL;
}

static inline int rgp__journal_syncer_start(rgp_journal_writer *w)
{
    rgp_journal_syncer *y = &w->sy;
    pthread_mutex_init(&y->mu, NULL);
    pthread_cond_init(&y->wake, NULL);
    pthread_cond_init(&y->idle, NULL);
    if (pthread_create(&y->thread, NULL, rgp__journal_syncer_main, w) != 0) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: cannot start its sync thread", w->dir);
        return -1;
    }
    y->running = 1;
    return 0;
}

/* Waits until the syncer has no job: 0, or -1 with w->err set when a sync failed.
 * After it, w->durable is the writer's to read (and, with no job posted, to write). */
static inline int rgp__journal_syncer_wait(rgp_journal_writer *w)
{
    rgp_journal_syncer *y = &w->sy;
    if (!y->running) return 0;
    pthread_mutex_lock(&y->mu);
    while (y->busy) pthread_cond_wait(&y->idle, &y->mu);
    int failed = y->failed;
    if (failed) memcpy(w->err, y->err, sizeof y->err);
    pthread_mutex_unlock(&y->mu);
    return failed ? -1 : 0;
}

/* Posts a job unless one is under way: 1 posted, 0 busy, -1 a sync failed. */
static inline int rgp__journal_syncer_post(rgp_journal_writer *w, int fd, int close_fd, uint64_t upto)
{
    rgp_journal_syncer *y = &w->sy;
    pthread_mutex_lock(&y->mu);
    int rc = y->failed ? -1 : y->busy ? 0 : 1;
    if (rc == 1) {
        y->fd = fd;
        y->close_fd = close_fd;
        y->upto = upto;
        y->busy = 1;
        pthread_cond_signal(&y->wake);
    } else if (rc < 0) memcpy(w->err, y->err, sizeof y->err);
    pthread_mutex_unlock(&y->mu);
    return rc;
}

static inline void rgp__journal_syncer_stop(rgp_journal_writer *w)
{
    rgp_journal_syncer *y = &w->sy;
    if (!y->running) return;
    pthread_mutex_lock(&y->mu);
    y->stop = 1;
    pthread_cond_signal(&y->wake);
    pthread_mutex_unlock(&y->mu);
    pthread_join(y->thread, NULL);
    pthread_mutex_destroy(&y->mu);
    pthread_cond_destroy(&y->wake);
    pthread_cond_destroy(&y->idle);
    y->running = 0;
}

/* Opens DIR for appending (made when missing), recovering its last segment:
 * 0, or -1 with w->err set. schema: "name:type;..." of the record type. */
static inline int rgp_journal_writer_open(rgp_journal_writer *w, const char *dir, const char *schema,
                                          const rgp_journal_opts *o)
{
    memset(w, 0, sizeof *w);
    w->fd = w->dirfd = w->durable_fd = -1;
    snprintf(w->dir, sizeof w->dir, "%s", dir);
    snprintf(w->schema, sizeof w->schema, "%s", schema);
    w->fingerprint = rgp_journal_fingerprint(schema);
    w->o = *o;
    if (!w->o.segment_bytes) w->o.segment_bytes = RGP_JOURNAL_SEGMENT_BYTES;
    if (!w->o.sync_ns) w->o.sync_ns = 100000000ull;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: cannot make the directory: %s", dir, strerror(errno));
        return -1;
    }
    w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->dirfd < 0) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: %s", dir, strerror(errno));
        return -1;
    }
    rgp_journal_segs s;
    if (rgp_journal_list(dir, &s, w->err, sizeof w->err) != 0) return -1;
    int rc = 1;
    if (s.n) rc = rgp__journal_recover(w, s.base[s.n - 1]);
    free(s.base);
    if (rc < 0) return -1;
    if (rc == 1 && rgp__journal_new_segment(w) != 0) return -1;
    char path[4200];
    snprintf(path, sizeof path, "%s/durable", dir);
    w->durable_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    w->written = w->durable = w->sync_asked = w->next;
    if (w->o.sync != RGP_JOURNAL_SYNC_NEVER && fdatasync(w->fd) != 0) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: fdatasync: %s", dir, strerror(errno));
        return -1;
    }
    rgp__journal_publish_durable(w);
    w->buf = malloc(RGP_JOURNAL_BUFFER);
    if (!w->buf) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: out of memory", dir);
        return -1;
    }
    w->last_sync_ns = rgp_journal_now_ns();
    if (w->o.sync == RGP_JOURNAL_SYNC_INTERVAL && rgp__journal_syncer_start(w) != 0) return -1;
    return 0;
}

/* A write that failed part way (a full disk): cut the file back to its last whole
 * frame, so that the journal opens as it is, and append nothing more. file_end is
 * where the file ended before the write. */
static inline int rgp__journal_write_failed(rgp_journal_writer *w, uint64_t file_end)
{
    int e = errno;
    if (ftruncate(w->fd, (off_t)file_end) == 0) lseek(w->fd, (off_t)file_end, SEEK_SET);
    w->failed = 1;
    rgp_journal_err(w->err, sizeof w->err, "journal %s: write: %s (the journal ends at offset %llu)", w->dir,
                    strerror(e), (unsigned long long)w->written);
    return -1;
}

/* Hands the buffered frames to the kernel. */
static inline int rgp_journal_flush(rgp_journal_writer *w)
{
    if (w->failed) return -1;
    if (!w->len) return 0;
    size_t done;
    uint64_t file_end = w->seg_bytes - w->len;
    if (rgp__journal_write_some(w->fd, w->buf, w->len, &done) != 0) {
        /* keep the whole frames that went out */
        size_t keep = 0;
        while (keep + RGP_JOURNAL_FRAME_HEADER <= done) {
            size_t f = RGP_JOURNAL_FRAME_HEADER + rgp_le32_get(w->buf + keep);
            if (keep + f > done) break;
            keep += f;
            w->written++;
        }
        return rgp__journal_write_failed(w, file_end + keep);
    }
    w->len = 0;
    w->written = w->next;
    return 0;
}

/* Writes and fdatasyncs what is buffered, then publishes the durable offset. */
static inline int rgp_journal_sync(rgp_journal_writer *w)
{
    if (rgp_journal_flush(w) != 0 || rgp__journal_syncer_wait(w) != 0) return -1;
    w->last_sync_ns = rgp_journal_now_ns();
    if (w->durable == w->written) return 0;
    if (fdatasync(w->fd) != 0) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: fdatasync: %s", w->dir, strerror(errno));
        return -1;
    }
    w->durable = w->sync_asked = w->written;
    rgp__journal_publish_durable(w);
    return 0;
}

/* Deletes whole segments, oldest first, past the retention limits, but never the open
 * one nor one that holds an offset a group has not committed past. */
static inline void rgp_journal_retain(rgp_journal_writer *w)
{
    if (!w->o.keep_bytes && !w->o.keep_ns) return;
    rgp_journal_segs s;
    char err[256];
    if (rgp_journal_list(w->dir, &s, err, sizeof err) != 0) return;
    uint64_t needed = rgp_journal_min_committed(w->dir);
    uint64_t *size = calloc(2 * (size_t)s.n + 1, sizeof *size), *age = size ? size + s.n : NULL;
    uint64_t total = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    char path[4200];
    for (int i = 0; size && i < s.n; i++) {        /* one stat a segment: its size and its age */
        struct stat st;
        rgp_journal_seg_path(path, sizeof path, w->dir, s.base[i]);
        if (stat(path, &st) != 0) continue;
        size[i] = (uint64_t)st.st_size;
        if (now.tv_sec > st.st_mtime) age[i] = (uint64_t)(now.tv_sec - st.st_mtime) * 1000000000ull;
        total += size[i];
    }
    for (int i = 0; size && i + 1 < s.n; i++) {
        if (s.base[i + 1] > needed) break;          /* holds a record a group still needs */
        rgp_journal_seg_path(path, sizeof path, w->dir, s.base[i]);
        int over = (w->o.keep_bytes && total > w->o.keep_bytes) || (w->o.keep_ns && age[i] > w->o.keep_ns);
        if (!over) break;
        if (unlink(path) == 0) total -= size[i];
    }
    free(size);
    free(s.base);
}

/* Closes the open segment (synced unless sync: never) and starts the next. */
static inline int rgp__journal_roll(rgp_journal_writer *w)
{
    if (w->sy.running) {                /* the syncer syncs and closes it while the next fills */
        if (rgp_journal_flush(w) != 0 || rgp__journal_syncer_wait(w) != 0 ||
            rgp__journal_syncer_post(w, w->fd, 1, w->written) < 0)
            return -1;
        w->last_sync_ns = rgp_journal_now_ns();
        w->sync_asked = w->written;
    } else {
        if (w->o.sync == RGP_JOURNAL_SYNC_NEVER ? rgp_journal_flush(w) : rgp_journal_sync(w)) return -1;
        close(w->fd);
    }
    w->fd = -1;
    if (rgp__journal_new_segment(w) != 0) return -1;
    rgp_journal_retain(w);
    return 0;
}

/* The group commit: syncs when the period has passed (SYNC_INTERVAL); call it after
 * each batch and when idle. */
static inline int rgp_journal_tick(rgp_journal_writer *w)
{
    if (w->o.sync != RGP_JOURNAL_SYNC_INTERVAL) return 0;
    uint64_t now = rgp_journal_now_ns();
    if (now - w->last_sync_ns < w->o.sync_ns) return 0;
    if (!w->sy.running) return w->len == 0 && w->written == w->durable ? 0 : rgp_journal_sync(w);
    if (w->len == 0 && w->written == w->sync_asked) return 0;
    if (rgp_journal_flush(w) != 0) return -1;
    /* w->durable is the syncer's here: ask it to sync what was written; when it is
     * still busy with the last job, ask again on the next tick */
    int rc = rgp__journal_syncer_post(w, w->fd, 0, w->written);
    if (rc > 0) {
        w->last_sync_ns = now;
        w->sync_asked = w->written;
    }
    return rc < 0 ? -1 : 0;
}

/* Appends one record's payload: its offset, or RGP_JOURNAL_END with w->err set. */
static inline uint64_t rgp_journal_append(rgp_journal_writer *w, const void *payload, uint32_t n)
{
    if (w->failed) return RGP_JOURNAL_END;
    if (n > RGP_JOURNAL_MAX_PAYLOAD) {
        rgp_journal_err(w->err, sizeof w->err, "journal %s: a record of %u bytes is over the limit of %u", w->dir, n,
                        RGP_JOURNAL_MAX_PAYLOAD);
        return RGP_JOURNAL_END;
    }
    size_t frame = RGP_JOURNAL_FRAME_HEADER + (size_t)n;
    if (w->seg_bytes + frame > w->o.segment_bytes && w->next > w->seg_base && rgp__journal_roll(w) != 0)
        return RGP_JOURNAL_END;
    uint64_t off = w->next;
    if (w->len + frame > RGP_JOURNAL_BUFFER) {
        if (rgp_journal_flush(w) != 0) return RGP_JOURNAL_END;
        if (frame > RGP_JOURNAL_BUFFER) {           /* a big record goes out on its own */
            unsigned char h[RGP_JOURNAL_FRAME_HEADER];
            rgp_journal_frame_seal(h, off, payload, n);
            if (rgp__journal_write_all(w->fd, h, sizeof h) != 0 || rgp__journal_write_all(w->fd, payload, n) != 0) {
                rgp__journal_write_failed(w, w->seg_bytes);
                return RGP_JOURNAL_END;
            }
            w->next++;
            w->written = w->next;
            w->seg_bytes += frame;
            goto appended;
        }
    }
    memcpy(w->buf + w->len + RGP_JOURNAL_FRAME_HEADER, payload, n);
    rgp_journal_frame_seal(w->buf + w->len, off, payload, n);
    w->len += frame;
    w->seg_bytes += frame;
    w->next++;
appended:
    if (w->o.sync == RGP_JOURNAL_SYNC_ALWAYS && rgp_journal_sync(w) != 0) return RGP_JOURNAL_END;
    return off;
}

/* Syncs (unless sync: never) and closes: 0, or -1 with w->err set. */
static inline int rgp_journal_writer_close(rgp_journal_writer *w)
{
    int rc = 0;
    if (w->fd >= 0) rc = w->o.sync == RGP_JOURNAL_SYNC_NEVER ? rgp_journal_flush(w) : rgp_journal_sync(w);
    rgp__journal_syncer_stop(w);
    if (w->fd >= 0) close(w->fd);
    if (w->dirfd >= 0) close(w->dirfd);
    if (w->durable_fd >= 0) close(w->durable_fd);
    free(w->buf);
    w->buf = NULL;
    w->fd = w->dirfd = w->durable_fd = -1;
    return rc;
}

/* ---- the reader ------------------------------------------------------------- */

typedef struct rgp_journal_reader {
    char dir[4096];
    uint64_t fingerprint;           /* 0: any record type */
    int skip_corrupt;
    rgp_journal_segs segs;
    int seg;                        /* index in segs of the open segment, -1: none */
    int fd;
    rgp_journal_cursor c;
    uint64_t next;                  /* the offset of the next record it returns */
    uint64_t skipped_frames, skipped_bytes;
    uint64_t tail_bytes;            /* bytes after the last good frame of the last segment */
    unsigned idle_polls;            /* calls that found nothing new: every 1024th lists DIR */
    rgp_journal_header h;
    char err[4600];
} rgp_journal_reader;

/* Opens segment i and reads its header: 0, standing on its first frame; 1 when its
 * header is not whole yet (a segment being made); -1 with r->err set. Unless it
 * returns 0 the reader stands on no segment (r->seg -1, the cursor on no file), so
 * that next() lists DIR and enters the segment again rather than reading frames
 * through a cursor that was never set up for it (the cursor of a fresh reader has
 * fd 0: stdin). */
static inline int rgp__journal_reader_enter(rgp_journal_reader *r, int i)
{
    char path[4200];
    if (r->fd >= 0) close(r->fd);
    r->seg = -1;
    rgp_journal_cursor_init(&r->c, -1, 0);
    rgp_journal_seg_path(path, sizeof path, r->dir, r->segs.base[i]);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rgp_journal_err(r->err, sizeof r->err, "%s: %s", path, strerror(errno));
        return -1;
    }
    int torn;
    if (rgp_journal_header_read(r->fd, path, &r->h, &torn, r->err, sizeof r->err) != 0) return torn ? 1 : -1;
    if (r->fingerprint && r->h.fingerprint != r->fingerprint) {
        rgp_journal_err(r->err, sizeof r->err, "%s: the journal holds records of another type (%s)", path, r->h.schema);
        return -1;
    }
    if (r->h.base != r->segs.base[i]) {
        rgp_journal_err(r->err, sizeof r->err, "%s: its header says it starts at offset %llu", path,
                        (unsigned long long)r->h.base);
        return -1;
    }
    r->seg = i;
    rgp_journal_cursor_init(&r->c, r->fd, rgp_journal_header_size(&r->h));
    return 0;
}

/* Reads the directory again for segments made since (a live writer rolls). */
static inline int rgp__journal_reader_relist(rgp_journal_reader *r)
{
    uint64_t cur = r->seg >= 0 ? r->segs.base[r->seg] : 0;
    free(r->segs.base);
    if (rgp_journal_list(r->dir, &r->segs, r->err, sizeof r->err) != 0) return -1;
    r->seg = -1;
    for (int i = 0; i < r->segs.n; i++)
        if (r->segs.base[i] == cur) r->seg = i;
    return 0;
}

/* Whether listing DIR may find something new: the segment named by the next offset
 * exists, or this is the 1024th poll since the last look. */
static inline int rgp__journal_reader_may_list(rgp_journal_reader *r)
{
    char path[4200];
    struct stat st;
    rgp_journal_seg_path(path, sizeof path, r->dir, r->next);
    return stat(path, &st) == 0 || ++r->idle_polls % 1024 == 0;
}

/* Whether a segment after the open one exists: 1, 0, or -1 with r->err set. A
 * following reader asks this on every idle poll, so it lists DIR only when it may
 * have changed (a segment named otherwise is then reported as a gap by next()). */
static inline int rgp__journal_reader_later(rgp_journal_reader *r)
{
    if (r->seg >= 0 && r->seg + 1 < r->segs.n) return 1;
    if (!rgp__journal_reader_may_list(r)) return 0;
    if (rgp__journal_reader_relist(r) != 0) return -1;
    return r->seg >= 0 && r->seg + 1 < r->segs.n;
}

/* Opens DIR to read from offset `from` (0: the start, RGP_JOURNAL_END: after the last
 * record). fingerprint 0 reads any record type. 0, or -1 with r->err set. */
static inline int rgp_journal_reader_open(rgp_journal_reader *r, const char *dir, uint64_t from, uint64_t fingerprint,
                                          int skip_corrupt)
{
    memset(r, 0, sizeof *r);
    r->fd = -1;
    r->seg = -1;
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->fingerprint = fingerprint;
    r->skip_corrupt = skip_corrupt;
    if (rgp_journal_list(dir, &r->segs, r->err, sizeof r->err) != 0) return -1;
    if (!r->segs.n) {
        r->next = 0;
        if (from && from != RGP_JOURNAL_END) {
            rgp_journal_err(r->err, sizeof r->err, "journal %s is empty: there is no offset %llu", dir,
                            (unsigned long long)from);
            return -1;
        }
        return 0;
    }
    int i = 0;
    if (from == RGP_JOURNAL_END) i = r->segs.n - 1;
    else
        while (i + 1 < r->segs.n && r->segs.base[i + 1] <= from) i++;
    if (from != RGP_JOURNAL_END && from < r->segs.base[0]) {
        rgp_journal_err(r->err, sizeof r->err, "journal %s: offset %llu is no longer kept (the oldest is %llu)", dir,
                        (unsigned long long)from, (unsigned long long)r->segs.base[0]);
        return -1;
    }
    int rc = rgp__journal_reader_enter(r, i);
    if (rc < 0) return -1;
    r->next = r->segs.base[i];
    if (rc == 1) {                                  /* a segment being made: nothing in it yet */
        if (from != RGP_JOURNAL_END && from > r->next) {
            rgp_journal_err(r->err, sizeof r->err, "journal %s: offset %llu is past its end (%llu)", dir,
                            (unsigned long long)from, (unsigned long long)r->next);
            return -1;
        }
        return 0;                                   /* next() enters it again once it is whole */
    }
    /* skip to `from` */
    const unsigned char *p;
    uint32_t len;
    while (from == RGP_JOURNAL_END || r->next < from) {
        int k = rgp_journal_cursor_next(&r->c, r->next, &p, &len);
        if (k != RGP_FRAME_OK) {
            if (from == RGP_JOURNAL_END) return 0;
            if (k == RGP_FRAME_SHORT && i + 1 == r->segs.n) {
                rgp_journal_err(r->err, sizeof r->err, "journal %s: offset %llu is past its end (%llu)", dir,
                                (unsigned long long)from, (unsigned long long)r->next);
                return -1;
            }
            return 0;                               /* let next() report the damage where it is */
        }
        r->next++;
    }
    return 0;
}

/* The next record: 1 with its payload (valid until the next call) and offset; 0 when
 * there is none yet (the end, or a frame still being written: call again to follow);
 * -1 on damage that stops it, with r->err naming the segment and the byte. */
static inline int rgp_journal_next(rgp_journal_reader *r, const unsigned char **payload, uint32_t *len, uint64_t *offset)
{
    for (;;) {
        if (r->seg < 0) {
            if (!r->segs.n && !rgp__journal_reader_may_list(r)) return 0;
            if (rgp__journal_reader_relist(r) != 0) return -1;
            if (!r->segs.n) return 0;
            int i = 0;
            while (i + 1 < r->segs.n && r->segs.base[i + 1] <= r->next) i++;
            if (r->segs.base[i] > r->next) {        /* retention deleted what it had not read */
                if (!r->skip_corrupt) {
                    rgp_journal_err(r->err, sizeof r->err, "journal %s: offsets %llu to %llu were deleted before they were read",
                                    r->dir, (unsigned long long)r->next, (unsigned long long)r->segs.base[i] - 1);
                    return -1;
                }
                r->skipped_frames += r->segs.base[i] - r->next;
                r->next = r->segs.base[i];
            }
            int rc = rgp__journal_reader_enter(r, i);
            if (rc != 0) {
                r->seg = -1;
                return rc < 0 ? -1 : 0;
            }
        }
        int k = rgp_journal_cursor_next(&r->c, r->next, payload, len);
        if (k == RGP_FRAME_OK) {
            *offset = r->next++;
            r->tail_bytes = 0;
            return 1;
        }
        if (k < 0) {
            rgp_journal_err(r->err, sizeof r->err, "journal %s: read: %s", r->dir, strerror(errno));
            return -1;
        }
        uint64_t at = rgp_journal_cursor_tell(&r->c);
        char path[4200];
        rgp_journal_seg_path(path, sizeof path, r->dir, r->segs.base[r->seg]);
        /* a later segment means this one is finished: its writer moved on */
        int later = rgp__journal_reader_later(r);
        if (later < 0) return -1;
        if (k == RGP_FRAME_SHORT && r->c.len - r->c.at == 0 && later) {
            if (r->segs.base[r->seg + 1] != r->next) {
                rgp_journal_err(r->err, sizeof r->err, "%s: ends at offset %llu but the next segment starts at %llu", path,
                                (unsigned long long)r->next, (unsigned long long)r->segs.base[r->seg + 1]);
                return -1;
            }
            int rc = rgp__journal_reader_enter(r, r->seg + 1);
            if (rc < 0) return -1;
            if (rc == 1) {
                r->seg = -1;
                return 0;
            }
            continue;
        }
        if (k == RGP_FRAME_SHORT && !later) {
            r->tail_bytes = r->c.len - r->c.at;     /* being written, or a torn tail */
            return 0;
        }
        /* a bad frame, or a cut one in a finished segment */
        uint64_t again = k == RGP_FRAME_BAD ? rgp_journal_cursor_resync(&r->c, r->next) : 0;
        if (!again && !later) {
            struct stat st;                         /* garbage at the tail: a torn write */
            r->tail_bytes = fstat(r->fd, &st) == 0 && (uint64_t)st.st_size > at ? (uint64_t)st.st_size - at : 0;
            /* stand on it again: it may be a frame still being written */
            rgp_journal_cursor_init(&r->c, r->fd, at);
            return 0;
        }
        if (!r->skip_corrupt) {
            rgp_journal_err(r->err, sizeof r->err, "%s: corrupt frame at byte %llu (offset %llu)", path,
                            (unsigned long long)at, (unsigned long long)r->next);
            return -1;
        }
        if (again) {
            uint64_t to = rgp_le64_get(r->c.buf + r->c.at + 8);
            r->skipped_bytes += again - at;
            r->skipped_frames += to - r->next;
            r->next = to;
            continue;
        }
        /* nothing good left in this segment: go on at the next */
        struct stat st;
        r->skipped_bytes += fstat(r->fd, &st) == 0 && (uint64_t)st.st_size > at ? (uint64_t)st.st_size - at : 0;
        r->skipped_frames += r->segs.base[r->seg + 1] - r->next;
        r->next = r->segs.base[r->seg + 1];
        int rc = rgp__journal_reader_enter(r, r->seg + 1);
        if (rc < 0) return -1;
        if (rc == 1) {
            r->seg = -1;
            return 0;
        }
    }
}

static inline void rgp_journal_reader_close(rgp_journal_reader *r)
{
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
    rgp_journal_cursor_free(&r->c);
    free(r->segs.base);
    r->segs.base = NULL;
}

#endif
