/* program.h - what every generated pipeline program shares: the command line
 * (NAME=PATH overrides, --help), opening sources and sinks before any record
 * flows, rejected-row accounting, record strings kept in ring slots, threads. */
#ifndef RGP_PROGRAM_H
#define RGP_PROGRAM_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rgp_std.h"
#include "reader.h"
#include "json.h"
#include "writer.h"
#include "atomics.h"
#include "sequencer.h"
#include "counters.h"

/* ---- what did not reach a sink: one summary at exit ---------------------- */

/* Why records did not reach a sink. The table is the one place that says, for
 * each cause, its name in the summary, whether the pipeline asked for it
 * (--strict fails only on the others), whether many of them hint at input out
 * of time order, and what it means. `where` and `dedup` filter by design and
 * are not counted here. */
typedef enum rgp_loss_cause {
    RGP_LOSS_REJECTED,
    RGP_LOSS_LATE,
    RGP_LOSS_AHEAD,
    RGP_LOSS_DROPPED_OLDEST,
    RGP_LOSS_DROPPED_NEWEST,
    RGP_LOSS_THROTTLED,
    RGP_LOSS_SAMPLED,
    RGP_LOSS_UNMATCHED,
    RGP_LOSS_UNORDERED,
    RGP_LOSS_NCAUSES
} rgp_loss_cause;

static const struct rgp_loss_cause_info {
    const char *name;
    int intended;
    int out_of_order;
    const char *means;
} rgp_loss_causes[RGP_LOSS_NCAUSES] = {
    [RGP_LOSS_REJECTED] = {"rejected", 0, 0, "did not fit the schema"},
    [RGP_LOSS_LATE] = {"late", 0, 1, "came after their window had closed"},
    [RGP_LOSS_AHEAD] = {"ahead", 0, 1, "were too far ahead of the watermark"},
    [RGP_LOSS_DROPPED_OLDEST] = {"dropped_oldest", 0, 0, "skipped when the reader fell behind"},
    [RGP_LOSS_DROPPED_NEWEST] = {"dropped_newest", 0, 0, "found the reader's buffer full"},
    [RGP_LOSS_THROTTLED] = {"throttled", 1, 0, "over the limit"},
    [RGP_LOSS_SAMPLED] = {"sampled", 1, 0, "left out of the sample"},
    [RGP_LOSS_UNMATCHED] = {"unmatched", 1, 0, "had no row in the table an inner join reads"},
    [RGP_LOSS_UNORDERED] = {"unordered", 0, 1, "came further behind their input's latest time than a merge's lateness allows"},
};

static int rgp_strict;   /* --strict: records lost unintended make the exit status 3 */
static int rgp_fresh;    /* --fresh: a pipeline with a checkpoint ignores the one it finds (checkpoint.h) */
static const char *rgp_checkpoint_arg;   /* --checkpoint DIR: the checkpoint's directory instead of the .rgp file's */

/* Names the causes that are (or are not) intended, for --help. */
static inline void rgp__print_causes(FILE *f, int intended)
{
    const char *sep = "";
    for (int i = 0; i < RGP_LOSS_NCAUSES; i++)
        if (rgp_loss_causes[i].intended == intended) fprintf(f, "%s%s", sep, rgp_loss_causes[i].name), sep = ", ";
}

/* What one source, stage or sink lost to one cause. */
typedef struct rgp_loss {
    const char *kind, *name;   /* "source", "stage" or "sink", and its name */
    rgp_loss_cause cause;
    uint64_t n, of;            /* records lost, of the records that came to it */
    const char *detail;        /* said after the meaning: a path, a limit; or NULL */
    const char *sorted_by;     /* late and ahead: the event-time field */
    const char *sent_to;       /* late records that went to this stream instead: not lost */
} rgp_loss;

static inline int rgp__loss_counts(const rgp_loss *l) { return l->n && !l->sent_to; }

/* Late and ahead records of one window come in adjacent entries, alike but for
 * the cause (both have a time field: they are out-of-order causes). */
static inline int rgp__same_operator(const rgp_loss *a, const rgp_loss *b)
{
    return a->sorted_by && b->sorted_by && !strcmp(a->name, b->name) && a->of == b->of && !strcmp(a->sorted_by, b->sorted_by);
}

/* An operator that found more than 1% of its input out of time order: the
 * likely cause is input that is not sorted, so that is said before the rest. */
static inline void rgp__warn_out_of_order(const char *prog, const rgp_loss *l, int n)
{
    for (int i = 0; i < n; i++) {
        if (!rgp_loss_causes[l[i].cause].out_of_order || (i && rgp__same_operator(&l[i - 1], &l[i]))) continue;
        uint64_t late = 0, ahead = 0, unordered = 0;
        const char *sent_to = NULL;
        for (int j = i; j < n && rgp__same_operator(&l[i], &l[j]); j++) {
            if (l[j].cause == RGP_LOSS_AHEAD) ahead += l[j].n;
            else if (l[j].cause == RGP_LOSS_UNORDERED) unordered += l[j].n;
            else late += l[j].n;
            if (l[j].sent_to) sent_to = l[j].sent_to;
        }
        if (unordered * 100 > l[i].of)   /* a merge on TIME: its inputs' own order */
            fprintf(stderr, "%s: warning: %s '%s': %llu of %llu records (%.1f%%) came out of order; is each input sorted by %s? see lateness\n",
                    prog, l[i].kind, l[i].name, (unsigned long long)unordered, (unsigned long long)l[i].of,
                    100.0 * (double)unordered / (double)l[i].of, l[i].sorted_by);
        if ((late + ahead) * 100 <= l[i].of) continue;
        fprintf(stderr, "%s: warning: %s '%s': %llu of %llu records (%.1f%%) were %s", prog, l[i].kind, l[i].name,
                (unsigned long long)(late + ahead), (unsigned long long)l[i].of, 100.0 * (double)(late + ahead) / (double)l[i].of,
                late && ahead ? "late or ahead" : ahead ? "ahead" : "late");
        if (sent_to && late) fprintf(stderr, " (sent to '%s')", sent_to);
        fprintf(stderr, "; is the input sorted by %s? see lateness and ahead\n", l[i].sorted_by);
    }
}

/* Not a loss: a JSON sink wrote these records with U+FFFD for invalid UTF-8. */
static inline void rgp_report_replaced(const char *prog, const char *sink, uint64_t n)
{
    if (n) fprintf(stderr, "%s: sink '%s': %llu record%s had invalid UTF-8 replaced with U+FFFD\n",
                   prog, sink, (unsigned long long)n, n == 1 ? "" : "s");
}

/* At exit: warnings first, then one line for each place that lost records:
 *   PROG: N records did not reach a sink (U unintended, I intended):
 *   PROG:   KIND 'NAME': N of M CAUSE (MEANING[; DETAIL])
 * Prints nothing when nothing was lost. Returns how many records were lost
 * without the pipeline asking for it. */
static inline uint64_t rgp_report_losses(const char *prog, const rgp_loss *l, int n)
{
    uint64_t unintended = 0, intended = 0;
    for (int i = 0; i < n; i++)
        if (rgp__loss_counts(&l[i])) *(rgp_loss_causes[l[i].cause].intended ? &intended : &unintended) += l[i].n;
    rgp__warn_out_of_order(prog, l, n);
    if (!unintended && !intended) return 0;
    fprintf(stderr, "%s: %llu record%s did not reach a sink (%llu unintended, %llu intended):\n", prog,
            (unsigned long long)(unintended + intended), unintended + intended == 1 ? "" : "s",
            (unsigned long long)unintended, (unsigned long long)intended);
    for (int i = 0; i < n; i++) {
        if (!rgp__loss_counts(&l[i])) continue;
        const struct rgp_loss_cause_info *c = &rgp_loss_causes[l[i].cause];
        fprintf(stderr, "%s:   %s '%s': %llu of %llu %s (%s%s%s%s)\n", prog, l[i].kind, l[i].name, (unsigned long long)l[i].n,
                (unsigned long long)l[i].of, c->name, c->intended ? "intended: " : "", c->means, l[i].detail ? "; " : "",
                l[i].detail ? l[i].detail : "");
    }
    return unintended;
}

/* The exit status of a pipeline that ran: a failure (1) and a stop by a signal
 * (128 + N) come first; then, under --strict, records lost unintended (3). */
static inline int rgp_exit_status(int failed, int stopped, uint64_t unintended)
{
    if (failed) return 1;
    if (stopped) return stopped;
    return rgp_strict && unintended ? 3 : 0;
}

/* ---- sources and sinks on the command line ------------------------------ */

static long rgp_stats_every_ms;   /* --stats: print every reader's lag this often; 0: never */
static const char *rgp_metrics_addr;   /* --metrics ADDR, or the options block's; NULL: no server (metrics.h) */
static int rgp_progress_flag = -1;   /* --progress 1, --no-progress 0, neither -1 (progress.h) */
static RGP_ATOMIC(uint32_t) rgp__progress_shown;   /* set while progress.h's line is on the terminal */

/* Before a message on stderr while the progress line may be there: back to
 * the line's start and clear it, in the same fprintf (the line comes back at
 * its next refresh). */
static inline const char *rgp__progress_clear(void)
{
    return rgp_load_relaxed_u32(&rgp__progress_shown) ? "\r\033[K" : "";   /* a flag: nothing is read through it */
}

typedef struct rgp_endpoint {
    const char *name;      /* as declared in the .rgp file */
    int is_sink;
    int thread;            /* a sink: the thread that writes it; a source: -1 - its index */
    const char *path;      /* what to open; "-" is stdin or stdout, RGP_STDERR_PATH stderr */
    const char *display;   /* the path as the user wrote it, for messages */
    const char *format;    /* e.g. csv(Reading, header: true), for --help */
    const char *where;     /* the declaration, "sensors.rgp:6:1", for run-time messages */
    const char *written;   /* the path as the .rgp file has it */
    int may_drop;          /* a sink with a drop policy: a write error costs its records, not the run */
    int journal;           /* a journal directory: opened by rgp_journal_open_endpoints, not as a file */
    int append;            /* a sink on file("PATH", append: true): added to, not truncated */
    int net;               /* tcp("HOST:PORT") or udp(...): path is an address, opened by net.h, not as a file */
    int table;             /* a lookup table's file: read whole by its loader (lookup.h), not as a source */
} rgp_endpoint;

/* Where the .rgp file's relative paths resolve, for --help. */
static char rgp__base_dir[4096];

/* rgp run has the .rgp file's relative paths resolved against the file's own
 * directory already. A built binary resolves them against the directory that
 * holds it, so it can be moved, with its files, anywhere. NAME=PATH paths
 * are the user's, relative to the current directory; they come later. */
static inline void rgp_resolve_paths(const char *file, rgp_endpoint *eps, int n)
{
#ifdef RGP_JIT
    char dir[4096];   /* rgp run: the process rgp was started as, in the same directory */
    const char *slash = strrchr(file, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - file) + (slash == file) : 1, slash ? file : ".");
    if (!realpath(dir, rgp__base_dir)) snprintf(rgp__base_dir, sizeof rgp__base_dir, "%s", dir);
    (void)eps, (void)n;
#else
    (void)file;
    ssize_t k = readlink("/proc/self/exe", rgp__base_dir, sizeof rgp__base_dir - 1);
    if (k <= 0) k = 0;   /* no /proc: the paths stay as built */
    rgp__base_dir[k] = 0;
    char *slash = strrchr(rgp__base_dir, '/');
    if (!slash) return;
    slash[slash == rgp__base_dir] = 0;   /* "/bin/x" -> "/bin", "/x" -> "/" */
    for (int i = 0; i < n; i++) {
        if (eps[i].written[0] == '/' || !strcmp(eps[i].written, "-") || eps[i].net) continue;   /* stderr is absolute */
        size_t len = strlen(rgp__base_dir) + strlen(eps[i].written) + 2;
        char *path = malloc(len);   /* once per endpoint, kept for the run */
        if (!path) continue;
        snprintf(path, len, "%s/%s", rgp__base_dir, eps[i].written);
        eps[i].path = path;
    }
#endif
}

static inline void rgp__usage(FILE *f, const char *prog, const char *file, const rgp_endpoint *eps, int n)
{
    fprintf(f, "Usage: %s [NAME=PATH ...] [--stats[=SECONDS]] [--metrics HOST:PORT] [--[no-]progress] [--strict] [--fresh] [--checkpoint DIR]\n\nPipeline compiled by rgp from %s.\n", prog, file);
    for (int sink = 0; sink <= 1; sink++) {
        fprintf(f, "\n%s:\n", sink ? "Sinks" : "Sources");
        for (int i = 0; i < n; i++)
            if (eps[i].is_sink == sink)
                fprintf(f, "  %-14s %-28s %s\n", eps[i].name, eps[i].display, eps[i].format);
    }
    fprintf(f, "\nNAME=PATH reads a source from, or writes a sink to, PATH instead of its\n"
               "default; PATH - means stdin for a source and stdout for a sink.\n"
#ifdef RGP_JIT
               "Relative paths above resolve against the .rgp file's directory,\n"
#else
               "Relative paths above resolve against the directory that holds this binary,\n"
#endif
               "  %s\n"
               "and relative paths in NAME=PATH against the current directory.\n"
               "Sinks on one file or on stdout share it, a whole record at a time.\n"
               "--stats[=SECONDS] prints every ring reader's lag, backpressure and drops, and\n"
               "each source's, stage's and sink's records in and out and drops since the last\n"
               "report, to stderr every SECONDS (default 1) while the pipeline runs.\n"
               "--metrics HOST:PORT serves GET /metrics (Prometheus text format), GET\n"
               "/metrics.json, GET /health (200 while every source is live, else 503 and why)\n"
               "and GET / (a live status page) on HOST:PORT while the pipeline runs%s%s.\n"
               "When stderr is a terminal and a source reads a regular file, one live line on\n"
               "stderr shows the percent of the files read, records/s, MB/s and the ETA;\n"
               "--progress shows it on a terminal whatever the sources read, --no-progress\n"
               "never. It is never shown when stderr is not a terminal.\n"
               "--strict exits 3 when records were lost without the pipeline asking for it.\n"
               "--fresh ignores the checkpoint of a pipeline with options { checkpoint: ... },\n"
               "starting from the start (the checkpoint is then replaced); --checkpoint DIR\n"
               "keeps it in DIR instead.\n"
               "Rows that do not fit the schema are skipped, counted and reported on stderr;\n"
               "at exit one summary on stderr counts every record that did not reach a sink.\n"
               "\nExit status:\n"
               "  0        the pipeline ran\n"
               "  1        an error: a missing input, an unwritable output, a sink that\n"
               "           cannot be written, a header that does not match the schema\n"
               "  3        with --strict, records were lost to one of these causes:\n"
               "           ", rgp__base_dir, rgp_metrics_addr ? "; by default (the .rgp file's options) on " : "",
            rgp_metrics_addr ? rgp_metrics_addr : "");
    rgp__print_causes(f, 0);
    fprintf(f, "\n           (losses to ");
    rgp__print_causes(f, 1);
    fprintf(f, " do not count: the pipeline asks for them)\n"
               "  130/143  SIGINT or SIGTERM stopped the pipeline\n"
               "  141      a sink's reader went away (a closed pipe, as with | head): the\n"
               "           sources stopped, the other sinks got every record read, and the\n"
               "           summary was printed\n"
               "When more than one applies, the first of 1, 130/143, 141, 3 is the status.\n");
}

/* Applies NAME=PATH overrides. Returns 0 to run, 1 when help was printed, -1 on a usage error. */
static inline int rgp_parse_args(const char *prog, const char *file, int argc, char **argv, rgp_endpoint *eps, int n)
{
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            rgp__usage(stdout, prog, file, eps, n);
            return 1;
        }
        if (!strcmp(arg, "--strict")) {
            rgp_strict = 1;
            continue;
        }
        if (!strcmp(arg, "--fresh")) {
            rgp_fresh = 1;
            continue;
        }
        if (!strcmp(arg, "--checkpoint") || !strncmp(arg, "--checkpoint=", 13)) {
            rgp_checkpoint_arg = arg[12] ? arg + 13 : a + 1 < argc ? argv[++a] : "";
            if (!*rgp_checkpoint_arg) {
                fprintf(stderr, "%s: error: '%s': expected --checkpoint DIR\n", prog, arg);
                return -1;
            }
            continue;
        }
        if (!strcmp(arg, "--progress") || !strcmp(arg, "--no-progress")) {
            rgp_progress_flag = arg[2] == 'p';
            continue;
        }
        if (!strcmp(arg, "--metrics") || !strncmp(arg, "--metrics=", 10)) {
            const char *addr = arg[9] ? arg + 10 : a + 1 < argc ? argv[++a] : "";
            const char *port = strrchr(addr, ':');
            long pn = port && port[1] ? strtol(port + 1, (char **)&port, 10) : 0;
            if (!*addr || !port || *port || pn < 1 || pn > 65535) {
                fprintf(stderr, "%s: error: '%s%s%s': expected --metrics HOST:PORT (a port from 1 to 65535), such as --metrics 127.0.0.1:9598\n", prog, arg,
                        arg[9] || !*addr ? "" : " ", arg[9] ? "" : addr);
                return -1;
            }
            rgp_metrics_addr = addr;
            continue;
        }
        if (!strncmp(arg, "--stats", 7) && (arg[7] == 0 || arg[7] == '=')) {
            char *end;
            double secs = arg[7] ? strtod(arg + 8, &end) : 1.0;
            if (arg[7] && (end == arg + 8 || *end || !(secs >= 0.01 && secs <= 86400))) {
                fprintf(stderr, "%s: error: '%s': expected --stats or --stats=SECONDS (0.01 to 86400)\n", prog, arg);
                return -1;
            }
            rgp_stats_every_ms = (long)(secs * 1000);
            continue;
        }
        const char *eq = strchr(arg, '=');
        int found = 0;
        for (int i = 0; eq && i < n; i++) {
            if (strlen(eps[i].name) == (size_t)(eq - arg) && !strncmp(eps[i].name, arg, (size_t)(eq - arg))) {
                if (!eq[1]) {
                    fprintf(stderr, "%s: error: '%s' needs a path after '=' (use - for std%s)\n", prog, arg,
                            eps[i].is_sink ? "out" : "in");
                    return -1;
                }
                eps[i].path = eps[i].display = eq + 1;
                if (!strcmp(eq + 1, "-")) eps[i].display = eps[i].is_sink ? "stdout" : "stdin";
                found = 1;
            }
        }
        if (!found) {
            fprintf(stderr, "%s: error: unexpected argument '%s'; expected NAME=PATH where NAME is one of:", prog, arg);
            for (int i = 0; i < n; i++) fprintf(stderr, " %s", eps[i].name);
            fprintf(stderr, " (see --help)\n");
            return -1;
        }
    }
    /* two sources may read one file, but stdin only once (sinks may share any file) */
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (!eps[i].is_sink && !eps[j].is_sink && !strcmp(eps[i].path, "-") && !strcmp(eps[j].path, "-")) {
                fprintf(stderr, "%s: error: sources '%s' and '%s' both read stdin\n", prog, eps[j].name, eps[i].name);
                return -1;
            }
    return 0;
}

/* What names a file, whatever the spelling of its path: two paths, a hard
 * link, /dev/stdout and -, are one file when these match. */
typedef struct rgp_file_id { dev_t dev; ino_t ino; int regular; } rgp_file_id;

/* 0 and the file's id, or -1 when the path names nothing (yet). "-" is std_fd, RGP_STDERR_PATH stderr. */
static inline int rgp__file_id(const char *path, int std_fd, rgp_file_id *id)
{
    struct stat sb;
    if (!strcmp(path, RGP_STDERR_PATH)) std_fd = STDERR_FILENO, path = "-";   /* the fd, whatever /dev/stderr says */
    if (strcmp(path, "-") ? stat(path, &sb) != 0 : fstat(std_fd, &sb) != 0) return -1;
    id->dev = sb.st_dev;
    id->ino = sb.st_ino;
    id->regular = S_ISREG(sb.st_mode);
    return 0;
}

static inline int rgp__same_file(const rgp_file_id *a, const rgp_file_id *b) { return a->dev == b->dev && a->ino == b->ino; }

static inline void rgp__open_error(const char *prog, const rgp_endpoint *ep)
{
    fprintf(stderr, "%s: %s: error: cannot %s %s '%s': %s: %s\n", prog, ep->where, ep->is_sink ? "write" : "read",
            ep->is_sink ? "sink" : "source", ep->name, ep->display, strerror(errno));
}

/* A sink on a regular file that a source reads would truncate it before it is
 * read: refused before any sink is opened. (A pipe or /dev/null may be both.)
 * ids and known hold every endpoint's file as it is before any sink opens. */
static inline int rgp__check_sinks_spare_sources(const char *prog, const rgp_endpoint *eps, int n, const rgp_file_id *ids,
                                                 const int *known)
{
    for (int i = 0; i < n; i++) {
        if (!eps[i].is_sink || !known[i] || !ids[i].regular) continue;
        for (int j = 0; j < n; j++)
            if (!eps[j].is_sink && known[j] && rgp__same_file(&ids[i], &ids[j])) {
                fprintf(stderr, "%s: %s: error: sink '%s' would overwrite %s, which source '%s' (%s) reads; "
                        "give the sink another file\n", prog, eps[i].where, eps[i].name, eps[i].display, eps[j].name, eps[j].where);
                return -1;
            }
    }
    return 0;
}

/* The sink before i already on i's file: one on i's own thread if there is one. */
static inline int rgp__sink_on_same_file(const rgp_endpoint *eps, int i, const rgp_file_id *ids, const int *known)
{
    int found = -1;
    for (int j = 0; j < i; j++)
        if (eps[j].is_sink && known[j] && rgp__same_file(&ids[i], &ids[j]) && (found < 0 || eps[j].thread == eps[i].thread))
            found = j;
    return found;
}

/* Opens every source before any thread starts, so a missing input stops the
 * program with nothing half-done. Sinks are opened after (rgp_open_sinks), once
 * the sources' CSV headers have been checked. */
static inline int rgp_open_sources(const char *prog, const rgp_endpoint *eps, int n, rgp_reader *readers)
{
    for (int i = 0; i < n; i++) {
        if (eps[i].is_sink || eps[i].journal || eps[i].net || eps[i].table) continue;
        if (rgp_reader_open(&readers[i], eps[i].path, eps[i].display) != 0) {
            rgp__open_error(prog, &eps[i]);
            return -1;
        }
    }
    return 0;
}

/* Opens every sink, so an unwritable output stops the program before any
 * thread starts. Sinks on one file
 * (stdout, /dev/null, a path under two spellings) share it: one writer when they
 * are written from one thread, else writers that flush whole records under one
 * lock; owner[i] is the sink whose writer opened the file. */
static inline int rgp_open_sinks(const char *prog, const rgp_endpoint *eps, int n, rgp_writer *writers, rgp_writer **sink_w)
{
    rgp_file_id *ids = calloc((size_t)n, sizeof *ids);
    int *known = calloc((size_t)n, sizeof *known), *owner = calloc((size_t)n, sizeof *owner);
    int rc = ids && known && owner ? 0 : -1;
    if (rc) fprintf(stderr, "%s: error: out of memory\n", prog);
    for (int i = 0; i < n && !rc; i++)
        if (!eps[i].journal && !eps[i].net) known[i] = rgp__file_id(eps[i].path, eps[i].is_sink ? STDOUT_FILENO : STDIN_FILENO, &ids[i]) == 0;
    if (!rc) rc = rgp__check_sinks_spare_sources(prog, eps, n, ids, known);
    for (int i = 0; i < n && !rc; i++) {
        if (!eps[i].is_sink || eps[i].journal || eps[i].net) continue;
        /* a file an earlier sink created just now is found only now */
        if (!known[i]) known[i] = rgp__file_id(eps[i].path, STDOUT_FILENO, &ids[i]) == 0;
        int j = known[i] ? rgp__sink_on_same_file(eps, i, ids, known) : -1;
        if (j >= 0 && eps[j].thread == eps[i].thread) {
            sink_w[i] = sink_w[j];   /* one thread: one buffer, records in the order written */
            continue;
        }
        owner[i] = j >= 0 ? owner[j] : i;
        if (j >= 0 ? rgp_writer_share(&writers[i], &writers[owner[i]], eps[i].display) != 0
                   : rgp_writer_open_mode(&writers[i], eps[i].path, eps[i].display, eps[i].append) != 0) {
            rgp__open_error(prog, &eps[i]);
            rc = -1;
            break;
        }
        sink_w[i] = &writers[i];
        if (!known[i]) known[i] = rgp__file_id(eps[i].path, STDOUT_FILENO, &ids[i]) == 0;   /* created just now */
    }
    free(ids);
    free(known);
    free(owner);
    return rc;
}

/* Sources, then sinks (a program whose sources have CSV headers checks them between the two). */
static inline int rgp_open_endpoints(const char *prog, const rgp_endpoint *eps, int n, rgp_reader *readers,
                                     rgp_writer *writers, rgp_writer **sink_w)
{
    return rgp_open_sources(prog, eps, n, readers) != 0 ? -1 : rgp_open_sinks(prog, eps, n, writers, sink_w);
}

/* ---- rejected rows -------------------------------------------------------- */

#define RGP_REJECTS_SHOWN 5   /* the first few are printed; all are counted */

typedef struct rgp_source_stats {
    const char *prog, *name, *display;
    uint64_t rows, rejected;     /* written by the source's own thread only */
    int ended;                   /* it read to the end of its input (read after the join) */
} rgp_source_stats;

/* Counts a rejected row and says whether to show it: the first few are shown,
 * and the first one that is not says so, once. */
static inline int rgp__reject_shown(rgp_source_stats *st)
{
    if (++st->rejected <= RGP_REJECTS_SHOWN) return 1;
    if (st->rejected == RGP_REJECTS_SHOWN + 1)
        fprintf(stderr, "%s%s: %s: further rejected rows are counted, not shown\n", rgp__progress_clear(), st->prog, st->display);
    return 0;
}

static inline void rgp__reject_print(const rgp_source_stats *st, uint64_t line, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    fprintf(stderr, "%s%s: %s:%llu: row rejected: %s\n", rgp__progress_clear(), st->prog, st->display, (unsigned long long)line, msg);
}

/* Prints a rejection already counted and to be shown. */
static inline void rgp__reject_show(const rgp_source_stats *st, uint64_t line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rgp__reject_print(st, line, fmt, ap);
    va_end(ap);
}

static inline void rgp_reject(rgp_source_stats *st, uint64_t line, const char *fmt, ...)
{
    if (!rgp__reject_shown(st)) return;
    va_list ap;
    va_start(ap, fmt);
    rgp__reject_print(st, line, fmt, ap);
    va_end(ap);
}

/* A field that did not parse: its text is quoted, shortened and made printable. */
static inline void rgp_reject_field(rgp_source_stats *st, uint64_t line, const char *field, const char *type,
                                    rgp_str text, int status)
{
    if (!rgp__reject_shown(st)) return;
    char shown[64];
    size_t k = 0;
    for (size_t i = 0; i < text.len && k < 40; i++) {
        unsigned char c = (unsigned char)text.ptr[i];
        k += (size_t)snprintf(shown + k, sizeof shown - k, c >= 0x20 && c < 0x7f && c != '"' ? "%c" : "\\x%02x", c);
    }
    rgp__reject_show(st, line, "field '%s': expected %s, found \"%s%s\" (%s)", field, type, shown,
                     k >= 40 && text.len > 40 ? "..." : "", rgp_parse_status_text(status));
}

/* A header cell as messages show it: bytes other than printable ASCII are
 * escaped (\t, \r, \n, \xEF...), so that a cell holding a byte-order mark
 * or a non-breaking space does not read like the name it fails to match. */
static inline const char *rgp__header_cell_shown(char *out, size_t cap, rgp_str cell)
{
    size_t k = 0, i;
    for (i = 0; i < cell.len && i < 60 && k + 8 < cap; i++) {
        unsigned char c = (unsigned char)cell.ptr[i];
        if (c == '\t' || c == '\r' || c == '\n')
            k += (size_t)snprintf(out + k, cap - k, "\\%c", c == '\t' ? 't' : c == '\r' ? 'r' : 'n');
        else if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
            k += (size_t)snprintf(out + k, cap - k, "\\x%02X", c);
        else
            out[k++] = (char)c;
    }
    if (i < cell.len)
        k += (size_t)snprintf(out + k, cap - k, "...");
    out[k] = 0;
    return out;
}

/* ---- strings that travel in ring slots ------------------------------------ */

/* A record's str fields point into its slot: short strings are copied into the
 * slot's inline bytes, longer ones into a buffer the slot keeps for the next
 * records that need it. So strings of any length pass, and in the steady state
 * nothing is allocated. A slot keeps at most RGP_SLOT_STR_KEEP bytes for later:
 * a larger buffer, made for a long record, is freed when the slot next takes a
 * record that fits in that, so a burst of long records does not pin its memory
 * in every slot it passed through.
 * Except in a ring with a drop_oldest reader (`copied`): such a reader may
 * still be copying from a slot's buffer while the producer reuses the slot
 * (and will find out, see rgp_str_rehome), so there a buffer is never freed
 * while the ring lives: it is kept, and one the slot outgrows is retired. */
#define RGP_SLOT_STR_INLINE 128
#define RGP_SLOT_STR_KEEP (64 * 1024)

typedef struct rgp_slot_strs {
    char *base;                      /* where this record's strings are: bytes or heap */
    size_t used;
    char *heap;                      /* the slot's buffer for long strings */
    size_t heap_cap;
    char *retired;                   /* outgrown buffers (copied rings), chained through their first bytes */
    char bytes[RGP_SLOT_STR_INLINE];
} rgp_slot_strs;

/* A buffer larger than what a slot keeps, and a record that does not need it. */
static inline void rgp__slot_strs_shrink(rgp_slot_strs *s)
{
    free(s->heap);
    s->heap = NULL;
    s->heap_cap = 0;
}

/* A buffer for `total` bytes: doubled while that stays within what a slot
 * keeps, else just what the record needs. */
static inline int rgp__slot_strs_grow(rgp_slot_strs *s, size_t total, int copied)
{
    size_t cap = s->heap_cap * 2 > total ? s->heap_cap * 2 : total;
    if (cap > RGP_SLOT_STR_KEEP) cap = total > RGP_SLOT_STR_KEEP ? total : RGP_SLOT_STR_KEEP;
    char *p = malloc(cap);
    if (!p) return -1;
    if (s->heap && copied) {
        memcpy(s->heap, &s->retired, sizeof s->retired);
        s->retired = s->heap;
    } else {
        free(s->heap);   /* every reader is done with the slot: the producer could claim it */
    }
    s->heap = p;
    s->heap_cap = cap;
    return 0;
}

/* Reserves room for `total` bytes of this record's strings. Returns -1 on
 * out-of-memory. Only the producer that claimed the slot calls it; copied:
 * the ring has a drop_oldest reader (see above). */
static inline int rgp_slot_strs_begin(rgp_slot_strs *s, size_t total, int copied)
{
    s->used = 0;
    if (total <= RGP_SLOT_STR_INLINE) {
        s->base = s->bytes;
        if (s->heap_cap > RGP_SLOT_STR_KEEP && !copied) rgp__slot_strs_shrink(s);
        return 0;
    }
    if (s->heap_cap > RGP_SLOT_STR_KEEP && total <= RGP_SLOT_STR_KEEP && !copied) rgp__slot_strs_shrink(s);
    if (s->heap_cap < total && rgp__slot_strs_grow(s, total, copied) != 0) return -1;
    s->base = s->heap;
    return 0;
}

static inline rgp_str rgp_slot_strs_keep(rgp_slot_strs *s, rgp_str v)
{
    if (v.len) memcpy(s->base + s->used, v.ptr, v.len);
    rgp_str out = {s->base + s->used, v.len};
    s->used += v.len;
    return out;
}

static inline void rgp__slot_strs_free(rgp_slot_strs *s)
{
    free(s->heap);
    while (s->retired) {
        char *next;
        memcpy(&next, s->retired, sizeof next);
        free(s->retired);
        s->retired = next;
    }
    s->heap = NULL;
    s->heap_cap = 0;
}

/* drop_oldest readers get whole copies of slots (rgp_consumer_copy). A copied
 * str still points into the ring: into the slot, where the copy has the same
 * bytes, or into the slot's heap buffer, which the producer may be rewriting;
 * those bytes are copied out and the copy is checked again afterwards. */
typedef struct rgp_copybuf { char *p; size_t len, cap; } rgp_copybuf;

static inline size_t rgp_str_outside(rgp_str v, const void *slot, size_t slot_size)
{
    const char *lo = (const char *)slot;
    return v.ptr >= lo && v.ptr + v.len <= lo + slot_size ? 0 : v.len;
}

static inline int rgp_copybuf_reset(rgp_copybuf *b, size_t need)
{
    b->len = 0;
    if (need <= b->cap) return 0;
    char *p = realloc(b->p, need);
    if (!p) return -1;
    b->p = p;
    b->cap = need;
    return 0;
}

static inline rgp_str rgp_str_rehome(rgp_str v, const void *slot, void *copy, size_t slot_size, rgp_copybuf *b)
{
    const char *lo = (const char *)slot;
    if (v.ptr >= lo && v.ptr + v.len <= lo + slot_size) {
        rgp_str moved = {(const char *)copy + (v.ptr - lo), v.len};
        return moved;
    }
    /* in a ring with a drop_oldest reader no slot buffer is freed while the ring
     * lives (see rgp_slot_strs), so this reads memory we own; if the producer
     * rewrote it meanwhile, the re-check drops the record */
    rgp__racy_copy(b->p + b->len, v.ptr, v.len);
    rgp_str out = {b->p + b->len, v.len};
    b->len += v.len;
    return out;
}

/* After the threads: frees what the ring's slots still hold. strs_offset is
 * where the rgp_slot_strs sits in the slot type. */
static inline void rgp_free_slot_strs(rgp_disruptor *d, size_t strs_offset)
{
    /* only slots ever claimed hold buffers: the others were never touched,
     * and reading them would fault their pages in just to find nothing */
    uint64_t claimed = (d->multi ? rgp_load_relaxed_u64(&d->claim) : d->sp_next) - d->first_seq;
    uint64_t n = claimed < d->capacity ? claimed : d->capacity;
    for (uint64_t i = 0; i < n; i++)
        rgp__slot_strs_free((rgp_slot_strs *)((char *)rgp_disruptor_slot(d, d->first_seq + i) + strs_offset));
}

static inline void rgp_out_of_memory(const char *prog)
{
    fprintf(stderr, "%s: error: out of memory\n", prog);
    _exit(1);
}

/* ---- slow readers ---------------------------------------------------------- */

/* A record offered to a drop_newest reader found its buffer full. */
static inline void rgp_relay_count_drop(rgp_relay *r) { rgp__add_dropped(rgp_relay_consumer(r), 1); }

/* ---- stopping on SIGINT / SIGTERM ----------------------------------------- */

/* The first SIGINT or SIGTERM asks the sources to stop; every record already
 * published still reaches every sink, the sinks flush, and the program exits
 * 130 or 143. A second SIGINT exits at once. Signals are taken by one thread
 * with sigwait (all others block them), which then interrupts the source
 * threads' reads with SIGUSR1 until they have stopped. */
static RGP_ATOMIC(uint32_t) rgp_stop;          /* 0, or the signal that asked us to stop */
static RGP_ATOMIC(uint32_t) rgp__sources_left; /* source threads still reading */

static inline int rgp_stopping(void) { return rgp_load_relaxed_u32(&rgp_stop) != 0; }
static inline void rgp_source_done(void) { rgp_fetch_add_u32(&rgp__sources_left, (uint32_t)-1); }

static void rgp__on_usr1(int sig) { (void)sig; /* only here to make read() return EINTR */ }

/* SIGHUP: set by a program with lookup tables (lookup.h) before rgp_signals_block;
 * the signal thread then calls it on SIGHUP. NULL: SIGHUP keeps its default. */
static void (*rgp__on_hup)(void);

/* One reader of a ring, for --stats. */
typedef struct rgp_stat {
    const char *thread, *ring;
    rgp_consumer *const *consumer;   /* set once the rings exist */
} rgp_stat;

typedef struct rgp_signals {
    pthread_t thread;
    pthread_t *sources;
    int nsources;
    int started;
    const rgp_stat *stats;
    int nstats;
    const char *prog;
} rgp_signals;

/* Lag and backpressure (lag / capacity) of every reader, read without locks. */
static inline void rgp__print_stats(const rgp_signals *s)
{
    fputs(rgp__progress_clear(), stderr);
    for (int i = 0; i < s->nstats; i++) {
        const rgp_consumer *c = *s->stats[i].consumer;
        fprintf(stderr, "%s: stats: %-16s ring %-12s lag %8llu  backpressure %5.1f%%  dropped %llu\n", s->prog,
                s->stats[i].thread, s->stats[i].ring, (unsigned long long)rgp_consumer_lag(c),
                100.0 * rgp_consumer_backpressure(c), (unsigned long long)rgp_consumer_dropped(c));
    }
    static uint64_t *prev;   /* each component's counts at the last report: this thread's alone */
    if (rgp__counters && !prev) prev = calloc((size_t)rgp__counters->ncomponents * 3 + 1, sizeof *prev);
    if (prev) rgp_counters_print_stats(stderr, s->prog, rgp__counters, prev);
}

/* Why the sources were stopped when it was not a signal: a sink failed. */
#define RGP_STOP_SINK_FAILED 256u

/* Stops the sources as SIGINT does: `why` is the signal whose status (128 + it)
 * the run ends with, or RGP_STOP_SINK_FAILED. The first reason wins. */
static inline void rgp_request_stop(uint32_t why)
{
    uint32_t none = 0;
    if (rgp_cas_u32(&rgp_stop, &none, why))
        kill(getpid(), SIGUSR2);   /* the signal thread wakes, sees rgp_stop and knocks on the sources */
}

static inline const char *rgp__stop_reason(uint32_t why)
{
    return why == SIGINT ? "SIGINT" : why == SIGTERM ? "SIGTERM" : why == SIGPIPE ? "a sink's reader went away"
                                                                                 : "a sink could not be written";
}

/* The exit status of a stop, read again once the sinks are closed: a closed
 * pipe found only by the last flush ends the run with 141 too. */
static inline int rgp_stop_status(int stopped)
{
    uint32_t sig = rgp_load_relaxed_u32(&rgp_stop);   /* the threads are joined: nothing writes it now */
    return stopped ? stopped : sig ? 128 + (int)sig : 0;
}

/* At exit, after a stop: how far each source got. Every row counted reached the sinks. */
static inline void rgp_report_stopped(const rgp_source_stats *st)
{
    uint32_t why = rgp_load_relaxed_u32(&rgp_stop);   /* the threads are joined: nothing writes it now */
    if (why && !st->ended)
        fprintf(stderr, "%s: source '%s': stopped after %llu rows (%s): %s\n", st->prog, st->name,
                (unsigned long long)st->rows, st->display, rgp__stop_reason(why));
}

/* Set when the pipeline has drained; SIGUSR2 then tells the signal thread to
 * return. (pthread_cancel would do, but glibc loads libgcc_s to unwind it,
 * which costs a millisecond or two of every run.) */
static RGP_ATOMIC(uint32_t) rgp__signals_done;

static void *rgp__signal_thread(void *arg)
{
    rgp_signals *s = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);
    if (rgp__on_hup) sigaddset(&set, SIGHUP);
    for (;;) {
        int sig;
        if (rgp_load_relaxed_u32(&rgp_stop) && rgp_load_relaxed_u32(&rgp__sources_left)) {
            /* a source may be blocked in read(), or just about to block: knock
             * every 20 ms until all have stopped, still listening for a second ^C */
            for (int i = 0; i < s->nsources; i++) pthread_kill(s->sources[i], SIGUSR1);
            struct timespec ts = {0, 20 * 1000 * 1000};
            if ((sig = sigtimedwait(&set, NULL, &ts)) < 0) continue;
        } else if (rgp_stats_every_ms > 0) {
            struct timespec ts = {rgp_stats_every_ms / 1000, (rgp_stats_every_ms % 1000) * 1000000};
            if ((sig = sigtimedwait(&set, NULL, &ts)) < 0) {
                if (errno == EAGAIN) rgp__print_stats(s);
                continue;
            }
        } else if (sigwait(&set, &sig) != 0) {
            continue;
        }
        if (sig == SIGUSR2) {
            /* pairs with the release store in rgp_signals_stop */
            if (rgp_load_acquire_u32(&rgp__signals_done)) break;
            continue;   /* someone else's SIGUSR2: not ours to act on */
        }
        if (sig == SIGHUP) {
            rgp__on_hup();   /* reload the lookup tables, on their own thread */
            continue;
        }
        uint32_t none = 0;
        if (!rgp_cas_u32(&rgp_stop, &none, (uint32_t)sig) && sig == SIGINT) _exit(130);   /* second ^C: the user means it */
    }
    return NULL;
}

/* First thing in main (and in rgp run before the compile): a SIGINT or SIGTERM
 * that comes before the signal thread is up waits for it, pending, instead of
 * killing the process. A write to a pipe whose reader has gone fails with
 * EPIPE, which the sink reports, rather than killing the process. */
static inline void rgp_signals_block_early(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR2);   /* the signal thread's wake-up */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* A SIGINT or SIGTERM that came while signals were blocked and no signal
 * thread listened (before the pipeline was up, or as it ended) still stops it. */
static inline void rgp__take_pending_stop(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    struct timespec now = {0, 0};
    int sig = sigtimedwait(&set, NULL, &now);
    uint32_t none = 0;
    if (sig > 0) rgp_cas_u32(&rgp_stop, &none, (uint32_t)sig);
}

/* Call before starting any thread: they inherit the blocked mask. */
static inline void rgp_signals_block(int nsources)
{
    rgp_signals_block_early();
    if (rgp__on_hup) {   /* the signal thread takes SIGHUP too */
        sigset_t hup;
        sigemptyset(&hup);
        sigaddset(&hup, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &hup, NULL);
    }
    rgp__take_pending_stop();   /* a stop that came early: the sources read nothing */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rgp__on_usr1;   /* no SA_RESTART: a blocked read returns EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    rgp_store_relaxed_u32(&rgp__sources_left, (uint32_t)nsources);
}

static inline void rgp_signals_start(rgp_signals *s, const char *prog, pthread_t *sources, int nsources,
                                     const rgp_stat *stats, int nstats)
{
    s->prog = prog;
    s->stats = stats;
    s->nstats = nstats;
    s->sources = sources;
    s->nsources = nsources;
    s->started = pthread_create(&s->thread, NULL, rgp__signal_thread, s) == 0;
    if (s->started) pthread_setname_np(s->thread, "signals");
}

/* After the pipeline has drained: the exit status a stop by signal calls for. */
static inline int rgp_signals_stop(rgp_signals *s)
{
    if (s->started) {
        /* pairs with the acquire load in rgp__signal_thread */
        rgp_store_release_u32(&rgp__signals_done, 1);
        pthread_kill(s->thread, SIGUSR2);
        pthread_join(s->thread, NULL);
    }
    rgp__take_pending_stop();   /* one that came as the pipeline ended: SIGUSR2 may have been taken first */
    uint32_t sig = rgp_load_relaxed_u32(&rgp_stop);
    return sig ? 128 + (int)sig : 0;
}

/* ---- threads and failure -------------------------------------------------- */

static RGP_ATOMIC(uint32_t) rgp_failed;   /* set by any thread that hits a fatal error */

static inline void rgp_fail(void) { rgp_store_release_u32(&rgp_failed, 1); /* read after join */ }

/* A sink's write failed (its writer keeps discarding from then on). Said at
 * once, once per writer, naming the sink; the sources stop, what they read
 * drains to the other sinks, and the run exits 1 -- unless the sink's policy
 * lets it drop records, when only its records are lost. A reader that went
 * away (EPIPE: `| head`) is no error: the run ends with 141, like head's
 * writers, after the same drain. */
static inline void rgp_sink_failed(const char *prog, const rgp_endpoint *ep, rgp_writer *w)
{
    if (w->reported) return;
    w->reported = 1;
    const char *then = ep->may_drop ? "its records are dropped from now on" : "stopping the sources";
    if (w->err == EPIPE) {
        fprintf(stderr, "%s: %s: sink '%s': the reader of %s went away; %s\n", prog, ep->where, ep->name, ep->display, then);
        if (!ep->may_drop) rgp_request_stop(SIGPIPE);
        return;
    }
    if (w->journal || ep->journal)
        fprintf(stderr, "%s: %s: error: cannot write sink '%s': %s; %s\n", prog, ep->where, ep->name,
                w->journal ? w->journal->err : strerror(w->err), then);
    else
        fprintf(stderr, "%s: %s: error: cannot write sink '%s': %s: %s; %s\n", prog, ep->where, ep->name, ep->display,
                strerror(w->err), then);
    rgp_fail();
    if (!ep->may_drop) rgp_request_stop(RGP_STOP_SINK_FAILED);
}

/* At exit: closes every sink's writer, those sharing a file before the one that
 * opened it (it closes the file), and reports a failure not reported yet. */
static inline void rgp_close_sinks(const char *prog, const rgp_endpoint *eps, int n, rgp_writer *writers, rgp_writer **sink_w)
{
    for (int i = n - 1; i >= 0; i--) {
        if (!eps[i].is_sink || sink_w[i] != &writers[i]) continue;   /* shares another sink's writer */
        if (rgp_writer_close(&writers[i]) != 0) rgp_sink_failed(prog, &eps[i], &writers[i]);
    }
}

/* Starts a thread named after its stage (visible in top -H), pinned to cpu unless cpu < 0. */
static inline int rgp_thread_start(pthread_t *t, const char *prog, const char *name, int cpu, void *(*fn)(void *), void *arg)
{
    int rc = pthread_create(t, NULL, fn, arg);
    if (rc) {
        fprintf(stderr, "%s: error: cannot start thread %s: %s\n", prog, name, strerror(rc));
        return -1;
    }
    char shown[16];
    snprintf(shown, sizeof shown, "%s", name);   /* the kernel keeps 15 bytes */
    pthread_setname_np(*t, shown);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if ((rc = pthread_setaffinity_np(*t, sizeof set, &set)) != 0)
            fprintf(stderr, "%s: warning: cannot pin thread %s to cpu %d: %s\n", prog, name, cpu, strerror(rc));
    }
    return 0;
}

/* str(x): a value as text, written the way sinks write it. */
static inline rgp_str rgp_text_of_f64(rgp_scratch *sc, double v)
{
    char *p = rgp_scratch_alloc(sc, 40);
    return (rgp_str){p, rgp__fmt_f64(p, v)};
}

static inline rgp_str rgp_text_of_i64(rgp_scratch *sc, int64_t v)
{
    char *p = rgp_scratch_alloc(sc, 24);
    return (rgp_str){p, (size_t)snprintf(p, 24, "%lld", (long long)v)};
}

static inline rgp_str rgp_text_of_u64(rgp_scratch *sc, uint64_t v)
{
    char *p = rgp_scratch_alloc(sc, 24);
    return (rgp_str){p, (size_t)snprintf(p, 24, "%llu", (unsigned long long)v)};
}

static inline rgp_str rgp_text_of_bool(rgp_scratch *sc, bool v)
{
    (void)sc;
    return v ? (rgp_str){"true", 4} : (rgp_str){"false", 5};
}

#endif
