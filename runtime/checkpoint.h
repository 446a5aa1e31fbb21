/* Checkpoints (options { checkpoint: "DIR", every: N s }): every source's position
 * and every stateful operator's state, taken at one barrier and written to one
 * file, DIR/checkpoint, that a restarted pipeline resumes from.
 *
 * The barrier. Every `every`, the checkpoint thread asks for epoch E. Each source
 * thread, between two records, claims one slot of its ring as the barrier, names
 * it in the ring's rgp_ckpt_ring, publishes it and saves its position. A reader
 * of the ring runs the records before the barrier slot, then saves its state
 * (and flushes its sinks), passes a barrier on into the rings it fills, and goes
 * on after the slot, which holds no record. So every part of checkpoint E sees
 * exactly the records its sources had read when they saved their positions: the
 * snapshot is consistent without stopping the pipeline. The check costs a load
 * per record in a source thread and one per batch in a reader. When each part
 * has saved, the checkpoint thread writes the file: a temporary one, fsync,
 * rename, fsync of DIR; the old checkpoint stays until the new one is whole.
 *
 * The file (little-endian): "RGPCKPT1", u32 version (1), u32 length F and F
 * bytes of the program's fingerprint (a line per source, sink and stateful
 * operator, with its types), u64 epoch, u64 length B and B bytes of sections,
 * u32 CRC-32C of everything before it. A section: u32 component (its place in
 * the fingerprint), u64 length, its bytes. */
#ifndef RGP_CHECKPOINT_H
#define RGP_CHECKPOINT_H
#include "journal_cut.h"
#include "program.h"

#define RGP_CKPT_MAGIC "RGPCKPT1"
#define RGP_CKPT_VERSION 1u
#define RGP_CKPT_NO_BARRIER (UINT64_MAX >> 1)  /* a sequence no ring reaches */

/* ---- bytes in, bytes out ---------------------------------------------------- */

typedef struct rgp_ckpt_buf {
    unsigned char *p;
    size_t len, cap;
} rgp_ckpt_buf;

static inline void rgp_ckpt_put(rgp_ckpt_buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 4096;
        while (cap < b->len + n) cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (!p) rgp_out_of_memory("rgp");
        b->p = p;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
}

static inline void rgp_ckpt_put_u32(rgp_ckpt_buf *b, uint32_t v)
{
    unsigned char x[4];
    rgp_le32_put(x, v);
    rgp_ckpt_put(b, x, 4);
}

static inline void rgp_ckpt_put_u64(rgp_ckpt_buf *b, uint64_t v)
{
    unsigned char x[8];
    rgp_le64_put(x, v);
    rgp_ckpt_put(b, x, 8);
}

static inline void rgp_ckpt_put_str(rgp_ckpt_buf *b, rgp_str s)
{
    rgp_ckpt_put_u32(b, (uint32_t)s.len);
    rgp_ckpt_put(b, s.ptr, s.len);
}

/* A section: its component and, once its bytes are in, their length. */
static inline size_t rgp_ckpt_section_begin(rgp_ckpt_buf *b, uint32_t component)
{
    rgp_ckpt_put_u32(b, component);
    rgp_ckpt_put_u64(b, 0);
    return b->len;
}

static inline void rgp_ckpt_section_end(rgp_ckpt_buf *b, size_t at) { rgp_le64_put(b->p + at - 8, (uint64_t)(b->len - at)); }

typedef struct rgp_ckpt_in {
    const unsigned char *p, *end;
    int bad;                        /* read past the end: the section is damaged */
} rgp_ckpt_in;

static inline void rgp_ckpt_get(rgp_ckpt_in *in, void *out, size_t n)
{
    if ((size_t)(in->end - in->p) < n) {
        in->bad = 1;
        memset(out, 0, n);
        return;
    }
    memcpy(out, in->p, n);
    in->p += n;
}

static inline uint32_t rgp_ckpt_get_u32(rgp_ckpt_in *in)
{
    unsigned char x[4];
    rgp_ckpt_get(in, x, 4);
    return rgp_le32_get(x);
}

static inline uint64_t rgp_ckpt_get_u64(rgp_ckpt_in *in)
{
    unsigned char x[8];
    rgp_ckpt_get(in, x, 8);
    return rgp_le64_get(x);
}

/* A saved string, as a copy of its own (what keyed state and dedup keep). */
static inline rgp_str rgp_ckpt_get_str(rgp_ckpt_in *in)
{
    uint32_t n = rgp_ckpt_get_u32(in);
    if (in->bad || (size_t)(in->end - in->p) < n) {
        in->bad = 1;
        n = 0;
    }
    char *copy = malloc(n ? n : 1);
    if (!copy) rgp_out_of_memory("rgp");
    if (n) memcpy(copy, in->p, n);
    in->p += n;
    return (rgp_str){copy, n};
}

/* ---- the parts: the threads that save something ----------------------------- */

typedef struct rgp_ckpt_part {
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) done;   /* the last epoch whose sections are in buf[0] */
    rgp_ckpt_buf buf[2];            /* [0]: the periodic checkpoint's sections, [1]: the final one's */
    int final;                      /* buf[1] is whole; read by main after the join */
    uint64_t save_ns;               /* how long its thread stopped to save a periodic checkpoint (published with done) */
} rgp_ckpt_part;

/* Which slots of a ring are barriers: the periodic checkpoint's and the final
 * one's, apart, since a stop may put the final barrier in while the periodic one
 * is still in the ring (a periodic one is put in only once every part is past the
 * one before: at most one of each is in a ring). Stored relaxed before the slot
 * is published: the publish's release and the reader's acquire in
 * rgp_consumer_wait order it. */
typedef struct rgp_ckpt_ring {
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) barrier;
    RGP_ATOMIC(uint64_t) final;
} rgp_ckpt_ring;

/* Aligned barriers at a merge. A merge's ring has several producers (a thread
 * per input), and each puts its own barrier slot in, marked in the ring's lanes
 * with RGP_LANE_BARRIER (RGP_LANE_FINAL for the final one). A producer that has
 * put its barrier for checkpoint E in puts nothing more into that ring until
 * every other producer of it has put its own in, or closed (an ended input
 * counts as aligned): so every record before the last of the barriers is before
 * the cut, every record after it after, and the reader saves there, at the last
 * of them, and passes one barrier on. A producer that waits stops reading its
 * own input: only that input's upstream stalls, until its rings fill; the other
 * producers run on to their barriers, which their sources put in between two
 * records. A producer's claim after the wait comes after the others' barrier
 * claims: their release below, its acquire in rgp_ckpt_align_wait, then its
 * fetch-add on the ring's claim sequence. */
#define RGP_LANE_BARRIER 0x40000000u
#define RGP_LANE_FINAL 0x20000000u
#define RGP_CKPT_ALIGN_CLOSED UINT64_MAX

typedef struct rgp_ckpt_align {
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) epoch;   /* the last checkpoint whose barrier it put in; CLOSED: no more */
} rgp_ckpt_align;

_Static_assert(sizeof(rgp_ckpt_align) == RGP_CACHE_LINE, "rgp_ckpt_align: one line per producer");

/* A producer of a merge has put its barrier for `epoch` in (or CLOSED: it puts no more). */
static inline void rgp_ckpt_align_put(rgp_ckpt_align *a, uint64_t epoch)
{
    rgp_store_release_u64(&a->epoch, epoch);   /* pairs with the acquire in rgp_ckpt_align_wait */
}

/* Waits until each of the n producers of a merge has put its barrier for
 * `epoch` in, or closed: yields, then sleeps 50 us at a time (the others may
 * need this core to get there). */
static inline void rgp_ckpt_align_wait(rgp_ckpt_align *all, int n, uint64_t epoch)
{
    for (int i = 0; i < n; i++) {
        unsigned tries = 0;
        while (rgp_load_acquire_u64(&all[i].epoch) < epoch) {   /* pairs with the release in rgp_ckpt_align_put */
            if (++tries < 64) {
                sched_yield();
            } else {
                struct timespec t = {0, 50000};
                nanosleep(&t, NULL);
            }
        }
    }
}

typedef struct rgp_ckpt {
    const char *prog;
    char dir[4096];
    const char *fingerprint;        /* the program's: one line per component */
    long long every_ms;
    rgp_ckpt_part *parts;
    int nparts;
    int fresh;                      /* --fresh: an existing checkpoint is ignored (and replaced) */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) epoch;   /* the checkpoint asked for */
    RGP_ATOMIC(uint32_t) ended;     /* a source read to its end: no checkpoint after that */
    RGP_ATOMIC(uint32_t) quit;      /* main: the checkpoint thread is to end */
    pthread_t thread;
    int running;
    uint64_t resumed_epoch;         /* the epoch of the checkpoint this run resumed from, or 0 */
} rgp_ckpt;

static rgp_ckpt rgp__ckpt;

/* A source thread, between records: has a checkpoint been asked for since `seen`? */
static inline uint64_t rgp_ckpt_asked(void)
{
    return rgp_load_acquire_u64(&rgp__ckpt.epoch);   /* pairs with the release in rgp__ckpt_main */
}

/* A part's sections for the periodic checkpoint `epoch` are in its buf[0]. */
static inline void rgp_ckpt_part_done(rgp_ckpt_part *part, uint64_t epoch)
{
    rgp_store_release_u64(&part->done, epoch);   /* pairs with the acquire in rgp__ckpt_all_done */
}

/* A source ended: the readers flush their windows and groups now, so a later
 * checkpoint would not be one to resume from. */
static inline void rgp_ckpt_source_ended(void)
{
    rgp_store_release_u32(&rgp__ckpt.ended, 1);   /* pairs with the acquire in rgp__ckpt_nap */
}

/* ---- the file ----------------------------------------------------------------- */

static inline int rgp__ckpt_write_all(int fd, const void *p, size_t n, uint32_t *crc)
{
    *crc = rgp_crc32c_update(*crc, p, n);
    const unsigned char *q = p;
    while (n) {
        ssize_t k = write(fd, q, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        q += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Writes checkpoint `epoch` from every part's buf[which]: DIR/checkpoint.tmp,
 * fsync, rename over DIR/checkpoint, fsync DIR. 0, or -1 with a message. */
static inline int rgp_ckpt_write(rgp_ckpt *c, uint64_t epoch, int which)
{
    char tmp[4200], path[4200];
    snprintf(tmp, sizeof tmp, "%s/checkpoint.tmp", c->dir);
    snprintf(path, sizeof path, "%s/checkpoint", c->dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) goto fail;
    uint32_t crc = 0;
    uint64_t body = 0;
    for (int i = 0; i < c->nparts; i++) body += c->parts[i].buf[which].len;
    unsigned char head[16];
    memcpy(head, RGP_CKPT_MAGIC, 8);
    rgp_le32_put(head + 8, RGP_CKPT_VERSION);
    rgp_le32_put(head + 12, (uint32_t)strlen(c->fingerprint));
    unsigned char mid[16];
    rgp_le64_put(mid, epoch);
    rgp_le64_put(mid + 8, body);
    int bad = rgp__ckpt_write_all(fd, head, 16, &crc) || rgp__ckpt_write_all(fd, c->fingerprint, strlen(c->fingerprint), &crc) ||
              rgp__ckpt_write_all(fd, mid, 16, &crc);
    for (int i = 0; i < c->nparts && !bad; i++) bad = rgp__ckpt_write_all(fd, c->parts[i].buf[which].p, c->parts[i].buf[which].len, &crc);
    unsigned char tail[4];
    rgp_le32_put(tail, crc);
    if (bad || rgp__ckpt_write_all(fd, tail, 4, &crc) || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        errno = e;
        goto fail;
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) goto fail;
    int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) != 0) {
        if (dfd >= 0) close(dfd);
        goto fail;
    }
    close(dfd);
    return 0;
fail:
    fprintf(stderr, "%s: error: cannot write checkpoint %s: %s\n", c->prog, path, strerror(errno));
    return -1;
}

/* How two fingerprints differ, for the message: the first line that does. */
static inline void rgp__ckpt_what_changed(const char *old, size_t oldlen, const char *now, char *out, size_t cap)
{
    const char *a = old, *ae = old + oldlen, *b = now, *be = now + strlen(now);
    while (a < ae || b < be) {
        const char *an = memchr(a, '\n', (size_t)(ae - a)), *bn = memchr(b, '\n', (size_t)(be - b));
        if (!an) an = ae;
        if (!bn) bn = be;
        if (an - a != bn - b || memcmp(a, b, (size_t)(an - a)) != 0) {
            if (a == ae) snprintf(out, cap, "this program has '%.*s', which the checkpoint does not", (int)(bn - b), b);
            else if (b == be) snprintf(out, cap, "it has '%.*s', which this program does not", (int)(an - a), a);
            else snprintf(out, cap, "it has '%.*s' where this program has '%.*s'", (int)(an - a), a, (int)(bn - b), b);
            return;
        }
        a = an < ae ? an + 1 : ae;
        b = bn < be ? bn + 1 : be;
    }
    snprintf(out, cap, "nothing that shows");
}

/* Reads DIR/checkpoint into *data (the caller frees it) and its sections into
 * *body: 1, 0 when there is none (or --fresh), -1 after a message. */
static inline int rgp_ckpt_load(rgp_ckpt *c, unsigned char **data, rgp_ckpt_in *body)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/checkpoint", c->dir);
    *data = NULL;
    if (c->fresh) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return 0;
    struct stat st;
    const char *why = NULL;
    char changed[1200];
    unsigned char *p = NULL;
    size_t n = 0;
    if (fd < 0 || fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: error: cannot read checkpoint %s: %s\n", c->prog, path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    n = (size_t)st.st_size;
    p = malloc(n ? n : 1);
    if (!p) rgp_out_of_memory(c->prog);
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, p + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    uint32_t flen = n >= 16 ? rgp_le32_get(p + 12) : 0;
    if (got != n) why = "it could not be read whole";
    else if (n < 8 || memcmp(p, RGP_CKPT_MAGIC, 8) != 0) why = "it is not an rgp checkpoint (no RGPCKPT1 at its start)";
    else if (n < 16 + 16 + 4 || rgp_le32_get(p + 8) != RGP_CKPT_VERSION) why = "it is too short, or of another version";
    else if (rgp_crc32c(p, n - 4) != rgp_le32_get(p + n - 4)) why = "its CRC does not match (a torn or damaged file)";
    else if ((uint64_t)flen + 16 + 16 + 4 > n || rgp_le64_get(p + 16 + flen + 8) != n - (16 + flen + 16 + 4)) why = "its lengths do not add up";
    if (why) {
        fprintf(stderr, "%s: error: checkpoint %s is damaged: %s; it is kept as it is: move it away, or start with --fresh to "
                "begin again from the start\n", c->prog, path, why);
        free(p);
        return -1;
    }
    if (flen != strlen(c->fingerprint) || memcmp(p + 16, c->fingerprint, flen) != 0) {
        rgp__ckpt_what_changed((const char *)p + 16, flen, c->fingerprint, changed, sizeof changed);
        fprintf(stderr, "%s: error: checkpoint %s was made by another program: %s; start with --fresh to begin again from "
                "the start (the checkpoint is then replaced)\n", c->prog, path, changed);
        free(p);
        return -1;
    }
    c->resumed_epoch = rgp_le64_get(p + 16 + flen);
    body->p = p + 16 + flen + 16;
    body->end = p + n - 4;
    body->bad = 0;
    *data = p;
    return 1;
}

/* A resumed run's journal sink: the records after the checkpoint's offset go, to
 * be written again. */
static inline int rgp_ckpt_cut_sink(const char *prog, const rgp_endpoint *ep, uint64_t upto)
{
    char err[4600];
    if (rgp_journal_cut(ep->path, upto, err, sizeof err) == 0) return 0;
    fprintf(stderr, "%s: %s: error: sink '%s': cannot resume from the checkpoint: %s\n", prog, ep->where, ep->name, err);
    return -1;
}

/* A resumed run's file source, its header read: on from byte `at`, line `line`. */
static inline int rgp_ckpt_seek(const char *prog, const rgp_endpoint *ep, rgp_reader *r, uint64_t at, uint64_t line)
{
    struct stat st;
    errno = 0;
    if (fstat(r->fd, &st) != 0 || (uint64_t)st.st_size < at || lseek(r->fd, (off_t)at, SEEK_SET) < 0) {
        fprintf(stderr, "%s: %s: error: source '%s': cannot resume from the checkpoint at byte %llu of %s: %s\n", prog, ep->where,
                ep->name, (unsigned long long)at, ep->display, errno ? strerror(errno) : "the file is shorter now");
        return -1;
    }
    r->pos = r->end = 0;   /* what was read ahead goes: the rows start at `at` */
    r->eof = 0;
    r->bytes = at;
    r->line = line;
    r->bom_pending = 0;
    r->bom_held = 0;
    r->row_state = RGP__ROW_NONE;
    r->scan = 0;
    r->scan_lf = r->scan_quote_lf = 0;
    r->scan_first_lf = SIZE_MAX;
    return 0;
}

/* ---- the checkpoint thread ------------------------------------------------------ */

/* Sleeps ms, in steps that notice a stop: 1 when it should end instead. */
static inline int rgp__ckpt_nap(rgp_ckpt *c, long long ms)
{
    for (long long slept = 0; slept < ms; slept += 10) {
        if (rgp_stopping() || rgp_load_acquire_u32(&c->quit) || rgp_load_acquire_u32(&c->ended)) return 1;
        struct timespec t = {0, (ms - slept < 10 ? ms - slept : 10) * 1000000L};
        nanosleep(&t, NULL);
    }
    return rgp_stopping() || rgp_load_acquire_u32(&c->quit) || rgp_load_acquire_u32(&c->ended);
}

static inline int rgp__ckpt_all_done(rgp_ckpt *c, uint64_t epoch)
{
    for (int i = 0; i < c->nparts; i++)
        if (rgp_load_acquire_u64(&c->parts[i].done) != epoch) return 0;   /* pairs with the release in rgp_ckpt_part_done */
    return 1;
}

static void *rgp__ckpt_main(void *arg)
{
    rgp_ckpt *c = arg;
    uint64_t epoch = c->resumed_epoch;
    int verbose = getenv("RGP_VERBOSE") != NULL;
    while (!rgp__ckpt_nap(c, c->every_ms)) {
        epoch++;
        uint64_t asked = rgp_journal_now_ns();
        rgp_store_release_u64(&c->epoch, epoch);   /* pairs with the acquire in rgp_ckpt_asked */
        /* a stop or an ended source may leave the barrier short of some part: given up */
        while (!rgp__ckpt_all_done(c, epoch)) if (rgp__ckpt_nap(c, 1)) return NULL;
        uint64_t saved = rgp_journal_now_ns();
        if (rgp_ckpt_write(c, epoch, 0) != 0) {
            rgp_fail();
            rgp_request_stop(RGP_STOP_SINK_FAILED);
            return NULL;
        }
        if (verbose) {
            uint64_t bytes = 0, stall = 0;
            for (int i = 0; i < c->nparts; i++) {
                bytes += c->parts[i].buf[0].len;
                if (c->parts[i].save_ns > stall) stall = c->parts[i].save_ns;
            }
            fprintf(stderr, "%s: checkpoint %llu: %llu bytes; every part saved %.1f ms after it was asked (the longest "
                    "stop of a thread to save: %.1f ms), written in %.1f ms\n", c->prog, (unsigned long long)epoch,
                    (unsigned long long)bytes, (double)(saved - asked) / 1e6, (double)stall / 1e6,
                    (double)(rgp_journal_now_ns() - saved) / 1e6);
        }
    }
    return NULL;
}

/* After the state is restored and before the threads start; first0: write
 * checkpoint 0 from the parts' buf[0]. The parts' `done` start from the resumed
 * epoch, so an old epoch never looks done. */
static inline int rgp_ckpt_start(rgp_ckpt *c, int first0)
{
    for (int i = 0; i < c->nparts; i++) rgp_store_relaxed_u64(&c->parts[i].done, c->resumed_epoch);
    rgp_store_relaxed_u64(&c->epoch, c->resumed_epoch);   /* before the threads start: their creation orders it */
    if (mkdir(c->dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: error: cannot make the checkpoint directory %s: %s\n", c->prog, c->dir, strerror(errno));
        return -1;
    }
    if (first0 && rgp_ckpt_write(c, 0, 0) != 0) return -1;
    int rc = pthread_create(&c->thread, NULL, rgp__ckpt_main, c);
    if (rc) {
        fprintf(stderr, "%s: error: cannot start the checkpoint thread: %s\n", c->prog, strerror(rc));
        return -1;
    }
    pthread_setname_np(c->thread, "checkpoint");
    c->running = 1;
    return 0;
}

/* After every pipeline thread is joined: ends the checkpoint thread, then writes
 * the final checkpoint when a signal stopped the run, no sink failed and every
 * part took the final barrier. 0, or -1 after a message. */
static inline int rgp_ckpt_finish(rgp_ckpt *c, int stopped_by_signal, int failed)
{
    if (c->running) {
        rgp_store_release_u32(&c->quit, 1);   /* pairs with the acquire in rgp__ckpt_nap */
        pthread_join(c->thread, NULL);
        c->running = 0;
    }
    int all = stopped_by_signal && !failed;
    for (int i = 0; i < c->nparts; i++) all &= c->parts[i].final;
    int rc = all ? rgp_ckpt_write(c, rgp_load_relaxed_u64(&c->epoch) + 1, 1) : 0;
    for (int i = 0; i < c->nparts; i++) free(c->parts[i].buf[0].p), free(c->parts[i].buf[1].p);
    return rc;
}

/* The checkpoint directory as written: relative to the .rgp file's directory
 * under rgp run, to the binary's in a built one (as endpoint paths are). */
static inline void rgp_ckpt_init(rgp_ckpt *c, const char *prog, const char *written, const char *fingerprint, long long every_ms,
                                 rgp_ckpt_part *parts, int nparts)
{
    c->prog = prog;
    if (written[0] == '/') snprintf(c->dir, sizeof c->dir, "%s", written);
    else snprintf(c->dir, sizeof c->dir, "%s/%s", rgp__base_dir, written);
    c->fingerprint = fingerprint;
    c->every_ms = every_ms;
    c->parts = parts;
    c->nparts = nparts;
    c->fresh = rgp_fresh;
    if (rgp_checkpoint_arg) snprintf(c->dir, sizeof c->dir, "%s", rgp_checkpoint_arg);
}

#endif
