/* progress.h - one live line on stderr while the sources are read: percent
 * done, records/s, MB/s and the time left, four times a second, cleared at
 * the end. Shown when stderr is a terminal and a source reads a regular file;
 * --progress shows it on a terminal whatever the sources read, --no-progress
 * never. Never when stderr is not a terminal: scripts see no change. It reads only the
 * counters each thread publishes (counters.h), on a thread of its own. */
#ifndef RGP_PROGRESS_H
#define RGP_PROGRESS_H

#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "program.h"     /* rgp_progress_flag */
#include "reader.h"
#include "sequencer.h"   /* rgp__mono_ms */

#define RGP_PROGRESS_EVERY_MS 250
#define RGP_PROGRESS_WINDOW 8   /* ticks the rates are taken over: 2 s */

typedef struct rgp_progress {
    const char *prog;
    const rgp_counters *t;
    int nsources;             /* components 0 .. nsources - 1 are the sources */
    uint64_t *size;           /* each source's bytes to read; 0: not a regular file */
    uint64_t total;           /* the sum of size */
    int fd[2];                /* main writes to fd[1]: stop */
    pthread_t thread;
    int started;
    /* the last RGP_PROGRESS_WINDOW ticks, for the rates: when, records, bytes */
    int64_t at[RGP_PROGRESS_WINDOW];
    uint64_t recs[RGP_PROGRESS_WINDOW], bytes[RGP_PROGRESS_WINDOW];
    int ticks;
} rgp_progress;

/* The line as it stands: what was read of the files (a source that is not a
 * regular file has no end to measure against, so no percent and no ETA). */
static inline void rgp__progress_line(rgp_progress *p, char *out, size_t cap)
{
    uint64_t recs = 0, bytes = 0, done = 0;
    for (int c = 0; c < p->nsources; c++) {
        uint64_t b = rgp_counters_sum(p->t, RGP_M_RECEIVED_BYTES, c);
        recs += rgp_counters_sum(p->t, RGP_M_RECEIVED_RECORDS, c);
        bytes += b;
        if (p->size[c]) done += b < p->size[c] ? b : p->size[c];
    }
    int k = p->ticks % RGP_PROGRESS_WINDOW, old = p->ticks >= RGP_PROGRESS_WINDOW ? k : 0;
    p->at[k] = rgp__mono_ms(), p->recs[k] = recs, p->bytes[k] = bytes;
    double secs = (double)(p->at[k] - p->at[old]) / 1000.0;
    double rps = secs > 0 ? (double)(recs - p->recs[old]) / secs : 0, bps = secs > 0 ? (double)(bytes - p->bytes[old]) / secs : 0;
    p->ticks++;
    size_t n = 0;
    if (p->total) n += (size_t)snprintf(out, cap, "%s: %5.1f%%  ", p->prog, 100.0 * (double)done / (double)p->total);
    else n += (size_t)snprintf(out, cap, "%s: ", p->prog);
    if (n < cap) n += (size_t)snprintf(out + n, cap - n, "%llu records  %.0f records/s  %.1f MB/s", (unsigned long long)recs, rps, bps / 1e6);
    if (n < cap && p->total) {
        if (bps > 0 && done < p->total) {
            long left = (long)((double)(p->total - done) / bps + 0.5);
            snprintf(out + n, cap - n, "  ETA %ld:%02ld:%02ld", left / 3600, left / 60 % 60, left % 60);
        } else {
            snprintf(out + n, cap - n, "  ETA %s", done >= p->total ? "0:00:00" : "-");
        }
    }
}

static void *rgp__progress_thread(void *arg)
{
    rgp_progress *p = arg;
    char line[256];
    for (;;) {
        rgp__progress_line(p, line, sizeof line);
        fprintf(stderr, "\r%s\033[K", line);   /* back to the line's start, then clear what is left of it */
        fflush(stderr);
        struct pollfd pf = {p->fd[0], POLLIN, 0};
        if (poll(&pf, 1, RGP_PROGRESS_EVERY_MS) > 0) break;   /* main wrote: the pipeline has drained */
    }
    fputs("\r\033[K", stderr);
    fflush(stderr);
    return NULL;
}

/* Once the sources are open: starts the line when it is to be shown. file[i]
 * says whether source i reads through readers[i] (a file or stdin, not followed). */
static inline void rgp_progress_start(rgp_progress *p, const char *prog, const rgp_counters *t, const rgp_reader *readers,
                                      const unsigned char *file, int nsources)
{
    memset(p, 0, sizeof *p);
    p->prog = prog;
    p->t = t;
    p->nsources = nsources;
    p->fd[0] = p->fd[1] = -1;
    if (rgp_progress_flag == 0 || !isatty(STDERR_FILENO)) return;
    p->size = calloc((size_t)nsources + 1, sizeof *p->size);
    if (!p->size) return;
    for (int i = 0; i < nsources; i++) {
        struct stat st;
        if (!file[i] || fstat(readers[i].fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        off_t at = lseek(readers[i].fd, 0, SEEK_CUR);   /* stdin may be part read; a header may be read already */
        uint64_t before = at > 0 && (uint64_t)at > readers[i].bytes ? (uint64_t)at - readers[i].bytes : 0;
        p->size[i] = (uint64_t)st.st_size > before ? (uint64_t)st.st_size - before : 0;
        p->total += p->size[i];
    }
    if ((rgp_progress_flag < 0 && !p->total) || pipe(p->fd) != 0) return;
    if (pthread_create(&p->thread, NULL, rgp__progress_thread, p) != 0) return;
    p->started = 1;
    rgp_store_relaxed_u32(&rgp__progress_shown, 1);   /* a flag: nothing is read through it */
    pthread_setname_np(p->thread, "progress");
}

/* After the pipeline has drained, before the summary: the line is cleared. */
static inline void rgp_progress_stop(rgp_progress *p)
{
    if (p->started) {
        ssize_t k = write(p->fd[1], "x", 1);
        (void)k;
        pthread_join(p->thread, NULL);   /* it has cleared the line */
        rgp_store_relaxed_u32(&rgp__progress_shown, 0);   /* a flag: nothing is read through it */
        p->started = 0;
    }
    if (p->fd[0] >= 0) close(p->fd[0]), close(p->fd[1]);
    free(p->size);
    p->size = NULL;
}

#endif
