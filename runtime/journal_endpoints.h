/* Journal sources and sinks of a program (journal("DIR") in the .rgp file):
 * opened by rgp_program_main after the files and before any thread starts,
 * closed after the threads are joined. The records themselves go through
 * rgp_writer (writer.h) on the sink side and rgp_journal_source_next here. */
#ifndef RGP_JOURNAL_ENDPOINTS_H
#define RGP_JOURNAL_ENDPOINTS_H
#include "journal.h"
#include "program.h"

static inline int rgp_journal_sink_open(const char *prog, const rgp_endpoint *ep, rgp_writer *w, rgp_journal_writer *jw,
                                        const char *schema, const rgp_journal_opts *o)
{
    if (rgp_journal_writer_open(jw, ep->path, schema, o) != 0) {
        fprintf(stderr, "%s: %s: error: cannot write sink '%s': %s\n", prog, ep->where, ep->name, jw->err);
        return -1;
    }
    if (jw->cut_bytes)
        fprintf(stderr, "%s: %s: sink '%s': journal %s: cut a torn tail of %llu bytes (a write a crash interrupted); "
                "appending from offset %llu\n", prog, ep->where, ep->name, ep->display, (unsigned long long)jw->cut_bytes,
                (unsigned long long)jw->next);
    rgp_writer_open_journal(w, jw, ep->display);
    return 0;
}

/* How a journal source starts: the order of journal_from in compiler/sema.h. */
enum { RGP_JFROM_START, RGP_JFROM_END, RGP_JFROM_COMMITTED, RGP_JFROM_OFFSET };

typedef struct rgp_journal_source {
    rgp_journal_reader r;
    const char *group;      /* the reader group it commits for, or NULL */
    int follow;             /* at the end: wait for appends (1) or stop (0) */
    uint64_t start;         /* the offset it started from */
    uint64_t pos;           /* the offset after the last record read */
    /* for rgp_source_lag_records: the journal's durable offset as last read */
    int durable_fd;         /* DIR/durable, -1 until it exists */
    uint64_t durable;
    int64_t durable_at;     /* when it was read (rgp__mono_ms), 0: never */
} rgp_journal_source;

static inline int rgp_journal_source_open(const char *prog, const rgp_endpoint *ep, rgp_journal_source *js, const char *schema,
                                          int from, uint64_t offset, int follow, const char *group, int skip_corrupt)
{
    js->group = group;
    js->follow = follow;
    char path[4200];
    uint64_t at = from == RGP_JFROM_END ? RGP_JOURNAL_END : from == RGP_JFROM_OFFSET ? offset : 0;
    if (from == RGP_JFROM_COMMITTED) {
        snprintf(path, sizeof path, "%s/group.%s", ep->path, group);
        int rc = rgp_journal_offset_read(path, &at);
        if (rc < 0) {
            fprintf(stderr, "%s: %s: error: source '%s': %s is damaged; remove it to start group '%s' again from the start\n",
                    prog, ep->where, ep->name, path, group);
            return -1;
        }
        if (rc == 0) at = 0;   /* a new group starts at the start */
    }
    /* a live reader may start before its writer: it waits for the directory's first segment */
    if (follow && mkdir(ep->path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: %s: error: source '%s': journal %s: %s\n", prog, ep->where, ep->name, ep->display, strerror(errno));
        return -1;
    }
    if (rgp_journal_reader_open(&js->r, ep->path, at, rgp_journal_fingerprint(schema), skip_corrupt) != 0) {
        if (strstr(js->r.err, "another type"))
            fprintf(stderr, "%s: %s: error: source '%s': %s; this pipeline reads (%s)\n", prog, ep->where, ep->name, js->r.err,
                    schema);
        else
            fprintf(stderr, "%s: %s: error: source '%s': %s\n", prog, ep->where, ep->name, js->r.err);
        return -1;
    }
    js->start = js->pos = js->r.next;
    js->durable_fd = -1;
    js->durable = 0;
    js->durable_at = 0;
    return 0;
}

/* rgp_source_lag_records: the records between where the source stands and the
 * journal's durable offset (DIR/durable, which the writer moves after each
 * sync); 0 once the source has caught up with it. The source's thread calls
 * this once a batch; the file is read again at most every 100 ms. */
static inline uint64_t rgp_journal_source_lag(rgp_journal_source *js)
{
    int64_t now = rgp__mono_ms();
    if (!js->durable_at || now - js->durable_at >= 100) {
        js->durable_at = now;
        if (js->durable_fd < 0) {
            char path[4200];
            snprintf(path, sizeof path, "%s/durable", js->r.dir);
            js->durable_fd = open(path, O_RDONLY | O_CLOEXEC);   /* none yet: tried again next time */
        }
        unsigned char b[16];
        if (js->durable_fd >= 0 && pread(js->durable_fd, b, sizeof b, 0) == 16 && rgp_crc32c(b, 8) == rgp_le32_get(b + 8))
            js->durable = rgp_le64_get(b);   /* a torn or damaged read keeps the last good value */
    }
    return js->durable > js->pos ? js->durable - js->pos : 0;
}

/* The next record of a journal source: RGP_ROW_OK with the payload and its offset
 * in *line, RGP_ROW_NEED_INPUT when it follows and has read all there is,
 * RGP_ROW_EOF when it does not, RGP_ROW_BAD after damage it reported. */
static inline int rgp_journal_source_next(const char *prog, const rgp_endpoint *ep, rgp_journal_source *js,
                                          const unsigned char **p, uint32_t *len, uint64_t *line)
{
    int rc = rgp_journal_next(&js->r, p, len, line);
    if (rc == 1) {
        js->pos = *line + 1;
        return RGP_ROW_OK;
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s: error: source '%s': %s; stopping at offset %llu\n", prog, ep->where, ep->name, js->r.err,
                (unsigned long long)js->r.next);
        return RGP_ROW_BAD;
    }
    if (js->follow) return RGP_ROW_NEED_INPUT;
    if (js->r.tail_bytes)
        fprintf(stderr, "%s: %s: warning: source '%s': %llu bytes after the last whole record of %s (a torn tail)\n", prog,
                ep->where, ep->name, (unsigned long long)js->r.tail_bytes, ep->display);
    return RGP_ROW_EOF;
}

/* Following: nothing new yet. A millisecond's nap keeps an idle reader near 0% CPU
 * and a record's wait under 1 ms. */
static inline void rgp_journal_source_wait(void)
{
    struct timespec ms = {0, 1000000};
    nanosleep(&ms, NULL);
}

/* After the sinks are closed: the skipped frames are counted as rejected, and a
 * group's committed offset moves to what was read, only when every sink wrote
 * everything (ok): a failed run is read again from the last commit. */
static inline void rgp_journal_source_close(const char *prog, const rgp_endpoint *ep, rgp_journal_source *js,
                                            rgp_source_stats *st, int ok)
{
    if (js->r.skipped_frames || js->r.skipped_bytes) {
        fprintf(stderr, "%s: %s: source '%s': skipped %llu corrupt record%s (%llu bytes) of %s\n", prog, ep->where, ep->name,
                (unsigned long long)js->r.skipped_frames, js->r.skipped_frames == 1 ? "" : "s",
                (unsigned long long)js->r.skipped_bytes, ep->display);
        st->rows += js->r.skipped_frames;
        st->rejected += js->r.skipped_frames;
    }
    if (js->group && ok && js->pos != js->start) {
        char err[4600];
        if (rgp_journal_commit(ep->path, js->group, js->pos, err, sizeof err) != 0) {
            fprintf(stderr, "%s: %s: error: source '%s': %s\n", prog, ep->where, ep->name, err);
            rgp_fail();
        }
    }
    rgp_journal_reader_close(&js->r);
    if (js->durable_fd >= 0) close(js->durable_fd);
    js->durable_fd = -1;
}

#endif
