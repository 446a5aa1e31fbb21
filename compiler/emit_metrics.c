/* emit_metrics.c - the counters of every source, stage and sink in the generated
 * program (runtime/counters.h), and the start and stop of their two readers:
 * the metrics server (runtime/metrics.h) and the progress line (runtime/progress.h). The layout is decided once, here, from the plan: which
 * component each counter belongs to, which thread writes it, what it publishes. */
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"
#include "status_page.h"

/* A counter the thread increments itself, on the hot path: plain, in its own block. */
typedef enum mwork_kind { MW_RECEIVED, MW_SENT, MW_STATE } mwork_kind;

typedef struct mwork { const node *n; mwork_kind kind; } mwork;

/* A published slot: what the thread stores at each batch's end. */
typedef struct mslot {
    const char *family;      /* RGP_M_... */
    int comp;
    const char *cause;       /* RGP_LOSS_... for RGP_M_DISCARDED, else "-1" */
    const char *error_type;  /* for RGP_M_ERRORS, else NULL */
    char expr[320];          /* the value, a C expression */
} mslot;

typedef struct mthread {
    mwork *w; int nw;
    mslot *s; int ns;
} mthread;

static struct {
    const node **comps; int ncomps;
    mthread *th;             /* indexed like plan.threads */
    const plan_thread *cur;  /* the thread the loss walker adds to */
} M;

static void *grow(void *p, int n, size_t size)
{
    if (n & (n - 1)) return p;   /* room doubles at powers of two */
    void *q = realloc(p, (size_t)(n ? 2 * n : 1) * size);
    if (!q) { fputs("rgp: out of memory\n", stderr); exit(2); }
    return q;
}

static int comp_of(const node *n)
{
    for (int i = 0; i < M.ncomps; i++) if (M.comps[i] == n) return i;
    return -1;
}

static void add_comp(const node *n)
{
    if (comp_of(n) >= 0) return;
    M.comps = grow(M.comps, M.ncomps, sizeof *M.comps);
    M.comps[M.ncomps++] = n;
}

static int add_work(mthread *mt, const node *n, mwork_kind k)
{
    mt->w = grow(mt->w, mt->nw, sizeof *mt->w);
    mt->w[mt->nw] = (mwork){n, k};
    return mt->nw++;
}

static mslot *add_slot(mthread *mt, const char *family, const node *n, const char *cause, const char *error_type)
{
    mt->s = grow(mt->s, mt->ns, sizeof *mt->s);
    mslot *s = &mt->s[mt->ns++];
    *s = (mslot){family, comp_of(n), cause ? cause : "-1", error_type, ""};
    return s;
}

/* A counter the thread counts itself, published as family. */
static void add_counted(mthread *mt, const plan_thread *t, const char *family, const node *n, mwork_kind k)
{
    int w = add_work(mt, n, k);
    mslot *s = add_slot(mt, family, n, NULL, NULL);
    snprintf(s->expr, sizeof s->expr, "metrics_%s.n[%d]", t->cname, w);
}

static void add_derived(mthread *mt, const char *family, const node *n, const char *cause, const char *error_type,
                        const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void add_derived(mthread *mt, const char *family, const node *n, const char *cause, const char *error_type,
                        const char *fmt, ...)
{
    mslot *s = add_slot(mt, family, n, cause, error_type);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->expr, sizeof s->expr, fmt, ap);
    va_end(ap);
}

/* emit_stage_losses calls this for each counter of records a stage held back. */
static void on_loss(emitter *e, const node *who, const char *cause, const char *n, const char *of, const char *detail,
                    const ast_op *window)
{
    (void)e, (void)of, (void)detail, (void)window;
    add_derived(&M.th[M.cur->index], "RGP_M_DISCARDED", who, cause, NULL, "%s", n);
}

/* A stage or sink that its input hands each record to in this thread, right
 * after counting it sent: its received count is that count, not counted again.
 * Returns the input's work counter, or -1 (fed through a ring, a route
 * branch, a late stream: counted itself). */
static int fed_inline(emitter *e, const mthread *mt, const node *n)
{
    const node *in = n->input;
    if (!in || n->owner || in->kind != D_STAGE || in->is_route || plan_ring_of(e->pl, in)) return -1;
    for (int i = 0; i < mt->nw; i++)
        if (mt->w[i].n == in && mt->w[i].kind == MW_SENT) return i;
    return -1;
}

/* The received count of n: its own, or its input's sent count. */
static int add_received(emitter *e, mthread *mt, const plan_thread *t, const node *n)
{
    int w = fed_inline(e, mt, n);
    if (w < 0) w = add_work(mt, n, MW_RECEIVED);
    add_derived(mt, "RGP_M_RECEIVED_RECORDS", n, NULL, NULL, "metrics_%s.n[%d]", t->cname, w);
    return w;
}

static void stage_slots(emitter *e, const plan_thread *t, mthread *mt, const node *st)
{
    add_received(e, mt, t, st);
    add_counted(mt, t, "RGP_M_SENT_RECORDS", st, MW_SENT);
    if (st->ninputs) {   /* a merge: no state (sema); each input's thread counts its share of what its filters reject */
        bool feeds = false;
        for (int i = 0; merge_feeder(e->pl, st, i); i++) feeds |= merge_feeder(e->pl, st, i) == t;
        for (const ast_op *o = st->ops; o && feeds; o = o->next)
            if (o->faults) {
                char n[320];
                fault_counter(st, o, t, "rejected", n, sizeof n);
                add_derived(mt, "RGP_M_DISCARDED", st, "RGP_LOSS_REJECTED", NULL, "%s", n);
            }
        return;
    }
    if (plan_thread_of(e->pl, st) != t) return;
    M.cur = t;
    emit_stage_losses(e, st, on_loss);
    for (const ast_op *o = st->ops; o; o = o->next)
        if (o->kind >= OP_KEYED) add_derived(mt, "RGP_M_KEYS", st, NULL, NULL, "%s.len", table_name(st, o));
}

static void layout(emitter *e)
{
    const plan *pl = e->pl;
    const program *p = e->p;
    memset(&M, 0, sizeof M);
    for (int i = 0; i < p->nsources; i++) add_comp(p->sources[i]);
    for (int i = 0; i < p->nstages; i++)
        if (p->stages[i]->used) add_comp(p->stages[i]);
    for (int i = 0; i < p->nsinks; i++) add_comp(p->sinks[i]);
    M.th = calloc((size_t)pl->nthreads + 1, sizeof *M.th);
    if (!M.th) { fputs("rgp: out of memory\n", stderr); exit(2); }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        mthread *mt = &M.th[i];
        if (t->kind == TH_PARSE) {
            const char *s = t->source->name;
            int k = endpoint_index(p, t->source);
            int state = add_work(mt, t->source, MW_STATE);
            add_derived(mt, "RGP_M_RECEIVED_RECORDS", t->source, NULL, NULL, "stats_%s.rows", s);
            add_derived(mt, "RGP_M_SENT_RECORDS", t->source, NULL, NULL, "stats_%s.rows - stats_%s.rejected", s, s);
            add_derived(mt, "RGP_M_RECEIVED_BYTES", t->source, NULL, NULL, "rgp_reader_consumed(&readers[%d])", k);
            add_derived(mt, "RGP_M_DISCARDED", t->source, "RGP_LOSS_REJECTED", NULL, "stats_%s.rejected", s);
            add_derived(mt, "RGP_M_ERRORS", t->source, NULL, "read_error", "(uint64_t)(metrics_%s.n[%d] == RGP_SOURCE_FAILED)",
                        t->cname, state);
            add_derived(mt, "RGP_M_STATE", t->source, NULL, NULL, "metrics_%s.n[%d]", t->cname, state);
            if (t->source->endpoint == EP_JOURNAL)   /* the one source that knows how far behind it is */
                add_derived(mt, "RGP_M_SOURCE_LAG", t->source, NULL, NULL, "rgp_journal_source_lag(&journal_%s)", s);
            for (int j = 1; j < t->nnodes; j++) stage_slots(e, t, mt, t->nodes[j]);   /* the filters it applies in place */
            continue;
        }
        for (int j = 0; j < t->nnodes; j++)
            if (t->nodes[j]->kind == D_STAGE) stage_slots(e, t, mt, t->nodes[j]);
        for (int j = 0; j < t->nouts; j++)   /* a merge is fed by each input's thread: each counts its share */
            if (t->outs[j].ring->nproducers > 1 && t->outs[j].ring->stream->kind == D_STAGE)
                stage_slots(e, t, mt, t->outs[j].ring->stream);
        if (t->policy == POLICY_BLOCK && t->in->stream->ordered && t->in->consumers[0] == t)   /* a merge on TIME: its first reader's count */
            add_derived(mt, "RGP_M_DISCARDED", t->in->stream, "RGP_LOSS_UNORDERED", NULL, "order_%s.unordered", t->cname);
        if (t->policy != POLICY_BLOCK) {
            char n[256];
            thread_drops_expr(e, t, n, sizeof n);
            add_derived(mt, "RGP_M_DISCARDED", t->entry, t->policy == POLICY_DROP_OLDEST ? "RGP_LOSS_DROPPED_OLDEST" : "RGP_LOSS_DROPPED_NEWEST",
                        NULL, "rgp_counter_clamp(%s)", n);
        }
        for (int j = 0; j < t->nsinks; j++) {
            const node *s = t->sinks[j];
            int k = endpoint_index(p, s);
            int w = add_received(e, mt, t, s);   /* a sink writes what it receives */
            add_derived(mt, "RGP_M_SENT_RECORDS", s, NULL, NULL, "metrics_%s.n[%d]", t->cname, w);
            add_derived(mt, "RGP_M_SENT_BYTES", s, NULL, NULL, "(sink_w[%d] == &writers[%d] ? writers[%d].bytes_out : 0)", k, k, k);
            add_derived(mt, "RGP_M_ERRORS", s, NULL, "write_error", "(uint64_t)(sink_w[%d]->failed != 0)", k);
        }
    }
}

/* What component_type says: a source's or sink's endpoint, a stage's operators. */
static void comp_type(const node *n, char *out, size_t cap)
{
    static const char *const ep[] = {[EP_STDIN] = "stdin", [EP_STDOUT] = "stdout", [EP_FILE] = "file", [EP_JOURNAL] = "journal",
                                     [EP_STDERR] = "stderr", [EP_TCP] = "tcp", [EP_UDP] = "udp"};
    static const char *const op[] = {[OP_WHERE] = "where", [OP_SELECT] = "select", [OP_SAMPLE] = "sample", [OP_LIMIT] = "limit",
                                     [OP_SORT] = "sort", [OP_KEYED] = "state", [OP_DELTA] = "delta", [OP_GROUP] = "group",
                                     [OP_DEDUP] = "dedup", [OP_WINDOW] = "window", [OP_THROTTLE] = "throttle"};
    size_t k = 0;
    out[0] = 0;
    if (n->kind != D_STAGE) {
        snprintf(out, cap, "%s", ep[n->endpoint]);
        return;
    }
    if (n->is_route) snprintf(out, cap, "route");
    else if (n->inputs) snprintf(out, cap, "merge");
    for (const ast_op *o = n->ops; o; o = o->next) {
        k = strlen(out);
        snprintf(out + k, cap - k, "%s%s", k ? "|" : "", op[o->kind]);
    }
    if (!out[0]) snprintf(out, cap, "%s", node_word(n));
}

/* GET /: the plan drawn at compile time (status_page.c), a line of C per line of HTML. */
static void emit_status_page(emitter *e)
{
    char *page = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&page, &len);
    if (!f) { fputs("rgp: out of memory\n", stderr); exit(2); }
    status_page_write(f, e->pl);
    fclose(f);
    emit(e, "/* GET / on the metrics address: this pipeline's status page (compiler/status_page.c) */");
    emit(e, "static const char status_page[] =");
    for (char *line = page; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        sbuf lit = {0};
        c_string(&lit, line, n);
        emit(e, "    %s", lit.s);
        free(lit.s);
        line += n;
    }
    emit(e, "    ;");
    free(page);
}

/* Before the threads' bodies: the components, each thread's block of counters
 * and its publish function, and the table the server reads. */
void emit_metrics_globals(emitter *e)
{
    const plan *pl = e->pl;
    layout(e);
    emit(e, "/* ---- metrics: every component's counters (runtime/counters.h) ---- */");
    blank(e);
    emit(e, "static const rgp_component components[] = {");
    emit(e, "    /* id, kind, type */");
    for (int i = 0; i < M.ncomps; i++) {
        char type[160];
        comp_type(M.comps[i], type, sizeof type);
        emit(e, "    {\"%s\", \"%s\", \"%s\"},", M.comps[i]->name, M.comps[i]->kind == D_SOURCE ? "source" : M.comps[i]->kind == D_SINK ? "sink" : "stage",
             type);
    }
    emit(e, "};");
    blank(e);
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        const mthread *mt = &M.th[i];
        emit(e, "/* thread %s: its counters, in lines of their own; n is counted by it alone,", t->name);
        emit(e, " * pub published by it once a batch, for the metrics server and --stats */");
        emit(e, "static struct {");
        emit(e, "    _Alignas(RGP_CACHE_LINE) uint64_t n[%d];", mt->nw ? mt->nw : 1);
        emit(e, "    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) pub[%d];", mt->ns ? mt->ns : 1);
        emit(e, "} metrics_%s;", t->cname);
        emit(e, "__attribute__((noinline)) static void metrics_publish_%s(void)   /* off the hot loop: once a batch */", t->cname);
        emit(e, "{");
        emit(e, "    /* relaxed: counters, nothing is read through them (rgp_counters_sum, rgp__metrics_text) */");
        for (int k = 0; k < mt->ns; k++)
            emit(e, "    rgp_store_relaxed_u64(&metrics_%s.pub[%d], %s);", t->cname, k, mt->s[k].expr);
        emit(e, "}");
        blank(e);
    }
    emit(e, "static const rgp_counter counters[] = {");
    emit(e, "    /* family, component, cause, error type, slot */");
    int n = 0;
    for (int i = 0; i < pl->nthreads; i++)
        for (int k = 0; k < M.th[i].ns; k++, n++) {
            const mslot *s = &M.th[i].s[k];
            emit(e, "    {%s, %d, %s, %s%s%s, &metrics_%s.pub[%d]},", s->family, s->comp, s->cause, s->error_type ? "\"" : "",
                 s->error_type ? s->error_type : "NULL", s->error_type ? "\"" : "", pl->threads[i]->cname, k);
        }
    if (!n) emit(e, "    {RGP_M_STATE, 0, -1, NULL, NULL},");
    emit(e, "};");
    emit(e, "static const rgp_counters metrics_table = {RGP_PROGRAM, components, %d, counters, %d};", M.ncomps, n);
    emit_status_page(e);
    emit(e, "static rgp_metrics_server metrics_server;   /* --metrics ADDR */");
    blank(e);
}

/* On the hot path: n's counter of this kind, in the thread being written. */
static void count(emitter *e, const node *n, mwork_kind k)
{
    if (!e->thread || !M.th) return;
    const mthread *mt = &M.th[e->thread->index];
    for (int i = 0; i < mt->nw; i++)
        if (mt->w[i].n == n && mt->w[i].kind == k) {
            emit(e, "metrics_%s.n[%d]++;   /* %s %s: %s */", e->thread->cname, i, node_word(n), n->name,
                 k == MW_RECEIVED ? "received" : "sent");
            return;
        }
}

void emit_metrics_received(emitter *e, const node *n) { count(e, n, MW_RECEIVED); }
void emit_metrics_sent(emitter *e, const node *n) { count(e, n, MW_SENT); }

/* At a batch's end, and at the thread's. */
void emit_metrics_publish(emitter *e, const plan_thread *t)
{
    emit(e, "metrics_publish_%s();   /* this thread's counters, for the metrics server */", t->cname);
}

/* A parse thread's last act: how its source ended, then its counters. */
void emit_metrics_source_end(emitter *e, const plan_thread *t)
{
    const mthread *mt = &M.th[t->index];
    for (int i = 0; i < mt->nw; i++)
        if (mt->w[i].kind == MW_STATE)
            emit(e, "metrics_%s.n[%d] = st->ended ? RGP_SOURCE_ENDED : rgp_stopping() ? RGP_SOURCE_STOPPED : RGP_SOURCE_FAILED;",
                 t->cname, i);
    emit_metrics_publish(e, t);
}

/* In main, before the arguments (--metrics ADDR wins): the options block's address. */
void emit_metrics_default(emitter *e)
{
    if (!e->p->metrics) return;
    sbuf lit = {0};
    c_string(&lit, e->p->metrics, strlen(e->p->metrics));
    emit(e, "rgp_metrics_addr = %s;   /* options { metrics: ... } */", lit.s);
    free(lit.s);
}

/* In main, right after the arguments: the address is bound before anything
 * opens, so a bad or busy one stops the program with nothing done. */
void emit_metrics_listen(emitter *e)
{
    emit(e, "rgp__counters = &metrics_table;   /* for --stats */");
    emit(e, "if (rgp_metrics_addr && rgp_metrics_listen(&metrics_server, RGP_PROGRAM, rgp_metrics_addr, &metrics_table, status_page) != 0) return 1;");
}

void emit_metrics_start(emitter *e, int nstats)
{
    emit(e, "if (rgp_metrics_addr) rgp_metrics_start(&metrics_server, stats, %d);", nstats);
}

void emit_metrics_stop(emitter *e)
{
    emit(e, "if (rgp_metrics_addr) rgp_metrics_stop(&metrics_server);   /* the counters are final; the rings still exist */");
    for (int i = 0; i < e->pl->nthreads; i++) {
        free(M.th[i].w);
        free(M.th[i].s);
    }
    free(M.th);
    free(M.comps);
    memset(&M, 0, sizeof M);
}

/* Before the threads start: the progress line, over the sources that read a
 * file or stdin through their reader (a followed file has no end to reach). */
void emit_progress_start(emitter *e)
{
    const program *p = e->p;
    sbuf files = {0};
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        sb(&files, "%s%d", i ? ", " : "", (s->endpoint == EP_FILE || s->endpoint == EP_STDIN) && !s->follow);
    }
    emit(e, "static const unsigned char progress_file[] = {%s};   /* a source that may read a regular file */", files.s ? files.s : "0");
    emit(e, "static rgp_progress progress;   /* --progress, or stderr a terminal */");
    emit(e, "rgp_progress_start(&progress, RGP_PROGRAM, &metrics_table, readers, progress_file, %d);", p->nsources);
    free(files.s);
}

void emit_progress_stop(emitter *e)
{
    emit(e, "rgp_progress_stop(&progress);   /* the line is cleared before the summary */");
}
