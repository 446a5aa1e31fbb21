/* Thread loops and rings: the parse thread of each source, the loop of each
 * reader of a ring with the stages and sinks downstream of it inlined, and
 * the code in main that makes the rings and starts the threads. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "emit_internal.h"

#define MAX_OUT 64

/* Where one thread's records go: rings it publishes into (single or multi
 * producer), relays of drop_newest readers it feeds, and sinks it writes. */
typedef struct outputs {
    const plan_ring *rings[MAX_OUT];
    bool multi[MAX_OUT];
    int feeds[MAX_OUT];   /* how many of the ring's inputs this thread computes (a merge counts each) */
    int nrings;
    const plan_thread *relays[MAX_OUT];
    int nrelays;
    const node *sinks[MAX_OUT];
    int nsinks;
} outputs;

static const char *wait_const(wait_kind w)
{
    static const char *const names[] = {[WAIT_SPIN] = "RGP_WAIT_SPIN", [WAIT_YIELD] = "RGP_WAIT_YIELD",
                                        [WAIT_BLOCKING] = "RGP_WAIT_BLOCK", [WAIT_ADAPTIVE] = "RGP_WAIT_ADAPTIVE"};
    return names[w];
}

static void add_relays(const plan *pl, const node *n, outputs *o)
{
    const plan_ring *r = plan_ring_of(pl, n);
    for (int k = 0; r && k < r->nconsumers; k++)
        if (r->consumers[k]->policy == POLICY_DROP_NEWEST && o->nrelays < MAX_OUT) o->relays[o->nrelays++] = r->consumers[k];
}

/* Walks what a thread runs from reader n on, collecting where records leave it. */
static void collect(const plan *pl, const node *n, outputs *o)
{
    if (n->kind == D_SINK) {
        if (o->nsinks < MAX_OUT) o->sinks[o->nsinks++] = n;
        return;
    }
    /* route branches and late streams: fed from inside n, by this thread */
    for (int i = 0; i < n->nsides; i++)
        if (n->sides[i]->used) collect(pl, n->sides[i], o);
    const plan_ring *r = plan_ring_of(pl, n);
    if (r) {
        for (int i = 0; i < o->nrings; i++)
            if (o->rings[i] == r) {   /* two route branches into one merge: one producer, closed for each */
                o->feeds[i]++;
                return;
            }
        if (o->nrings < MAX_OUT) {
            o->feeds[o->nrings] = 1;
            o->multi[o->nrings] = r->nproducers > 1;
            o->rings[o->nrings++] = r;
        }
        add_relays(pl, n, o);
        return;
    }
    node *readers[2];
    if (plan_readers(pl, n, readers, 2) == 1) collect(pl, readers[0], o);
}

static bool has_ring_readers(const plan_ring *r)
{
    for (int k = 0; k < r->nconsumers; k++) if (r->consumers[k]->policy != POLICY_DROP_NEWEST) return true;
    return false;
}

static void emit_publish_pending(emitter *e, const outputs *o)
{
    for (int i = 0; i < o->nrings; i++)
        if (!o->multi[i] && has_ring_readers(o->rings[i]))
            emit(e, "if (out_%s_pub != out_%s_next) rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next);", o->rings[i]->name,
                 o->rings[i]->name, o->rings[i]->name, o->rings[i]->name, o->rings[i]->name);
}

static void emit_offer_relays(emitter *e, const plan *pl, const node *n, const char *rec)
{
    const plan_ring *r = plan_ring_of(pl, n);
    for (int k = 0; r && k < r->nconsumers; k++) {
        const plan_thread *t = r->consumers[k];
        if (t->policy != POLICY_DROP_NEWEST) continue;
        emit(e, "/* %s has its own buffer: a record that finds it full is dropped for it alone */", t->entry->name);
        emit(e, "if (rgp_sp_try_claim(&relay_%s.ring, 1, &seq) == 0) {", t->cname);
        emit(e, "    put_%s(rgp_disruptor_slot(&relay_%s.ring, seq), %s);", r->stream->type->cname, t->cname, rec);
        emit(e, "    rgp_sp_publish(&relay_%s.ring, seq + 1);", t->cname);
        emit(e, "} else {");
        emit(e, "    rgp_relay_count_drop(&relay_%s);", t->cname);
        emit(e, "}");
    }
}

void emit_deliver(emitter *e, const plan *pl, const plan_ring *r, const char *rec)
{
    const char *T = r->stream->type->cname;
    emit(e, "{");
    e->indent++;
    emit(e, "uint64_t seq;");
    if (r->nproducers > 1) {
        emit(e, "/* into the merge's ring, one of %d producers */", r->nproducers);
        emit(e, "seq = rgp_mp_claim(&prod_%s, 1);", r->name);
        emit(e, "put_%s(rgp_disruptor_slot(&ring_%s, seq), %s);", T, r->name, rec);
        emit(e, "rgp_mp_publish(&ring_%s, seq, seq + 1);", r->name);
    } else if (has_ring_readers(r)) {
        emit(e, "/* into ring %s; published once per batch */", r->name);
        emit(e, "if (rgp_sp_try_claim(&ring_%s, 1, &seq) != 0) {", r->name);
        emit(e, "    /* full: publish what is pending first, or its readers could never make room */");
        emit(e, "    if (out_%s_pub != out_%s_next) rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next);", r->name, r->name,
             r->name, r->name, r->name);
        emit(e, "    seq = rgp_sp_claim(&ring_%s, 1);", r->name);
        emit(e, "}");
        emit(e, "put_%s(rgp_disruptor_slot(&ring_%s, seq), %s);", T, r->name, rec);
        emit(e, "out_%s_next = seq + 1;", r->name);
    }
    emit_offer_relays(e, pl, r->stream, rec);
    e->indent--;
    emit(e, "}");
}

static void emit_output_state(emitter *e, const outputs *o)
{
    for (int i = 0; i < o->nrings; i++) {
        const plan_ring *r = o->rings[i];
        if (o->multi[i]) {
            emit(e, "rgp_producer prod_%s;   /* this thread's claim cache for the merge's ring */", r->name);
            emit(e, "rgp_producer_init(&prod_%s, &ring_%s);", r->name, r->name);
        } else if (has_ring_readers(r)) {
            emit(e, "uint64_t out_%s_next = rgp_disruptor_first_seq(&ring_%s), out_%s_pub = out_%s_next;", r->name, r->name,
                 r->name, r->name);
        }
    }
}

static void emit_close_outputs(emitter *e, const outputs *o)
{
    emit_publish_pending(e, o);
    for (int i = 0; i < o->nrings; i++)
        for (int k = 0; k < o->feeds[i]; k++)   /* a merge's ring ends when each of its inputs has closed it */
            emit(e, "rgp_disruptor_close(&ring_%s);", o->rings[i]->name);
    for (int i = 0; i < o->nrelays; i++) emit(e, "rgp_relay_close(&relay_%s);", o->relays[i]->cname);
}

static void emit_parse_thread(emitter *e, const plan_thread *t)
{
    const node *src = t->source;
    const rectype *r = src->type;
    const plan_ring *ring = plan_ring_of(e->pl, src);
    outputs o = {0};
    add_relays(e->pl, src, &o);
    uint64_t batch = ring->slots < RGP_BATCH ? ring->slots : RGP_BATCH;
    bool by_line = src->format != FMT_CSV;   /* lines and jsonl: one record per line */
    emit(e, "/* thread %s: reads source %s (%s:%u) and parses it into ring %s */", t->name, src->name, e->p->file,
         src->loc.line, ring->name);
    emit(e, "static void *thread_%s(void *arg)", t->cname);
    emit(e, "{");
    e->indent++;
    emit(e, "(void)arg;");
    emit(e, "rgp_disruptor *ring = &ring_%s;", ring->name);
    emit(e, "rgp_reader *in = &readers[%d];", endpoint_index(e->p, src));
    emit(e, "rgp_source_stats *st = &stats_%s;", src->name);
    if (!by_line) {
        emit(e, "rgp_str f[%d];   /* one more than the schema has, to notice extra fields */", r->nfields + 1);
        emit(e, "int nf;");
        emit(e, "const char *why;");
    }
    emit(e, "uint64_t line, seq;");
    emit(e, "uint64_t next = rgp_disruptor_first_seq(ring), claim_end = next, published = next;");
    if (src->header) emit(e, "int header_pending = 1;");
    emit(e, "(void)seq;");
    if (by_line) emit(e, "rgp_str text;");
    emit(e, "for (;;) {");
    e->indent++;
    /* before the row is read, not after it is counted: every row counted reaches the ring */
    emit(e, "if (next == claim_end && rgp_stopping()) break;   /* SIGINT, SIGTERM or a failed sink: stop reading, let the rest drain */");
    if (by_line)
        emit(e, "int rc = rgp_line_next(in, &text, &line);");
    else
        emit(e, "int rc = rgp_csv_next_row(in, '%s', f, %d, &nf, &line, &why);",
             src->delim == '\'' ? "\\'" : src->delim == '\\' ? "\\\\" : (char[]){src->delim, 0}, r->nfields + 1);
    emit(e, "if (rc == RGP_ROW_NEED_INPUT) {");
    emit(e, "    /* the read may block (stdin): hand over what is parsed first */");
    emit(e, "    if (next != published) rgp_sp_publish(ring, published = next);");
    emit(e, "    if (rgp_stopping()) break;");
    emit(e, "    if (rgp_reader_fill(in) < 0) {");
    emit(e, "        if (errno == EINTR) continue;   /* a signal: the loop head sees whether to stop */");
    emit(e, "        fprintf(stderr, \"%%s: %%s: error: cannot read source '%%s': %%s: %%s\\n\", RGP_PROGRAM, endpoints[%d].where, st->name, st->display, strerror(errno));", endpoint_index(e->p, src));
    emit(e, "        rgp_fail();");
    emit(e, "        break;");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
    emit(e, "if (rc == RGP_ROW_EOF) break;");
    if (src->format == FMT_JSONL) emit(e, "if (rgp_json_blank(text)) continue;   /* blank lines hold no object */");
    if (src->header) {
        emit(e, "if (header_pending) {");
        emit(e, "    header_pending = 0;");
        emit(e, "    if (rc == RGP_ROW_BAD || rgp_check_header(st, line, f, nf, fields_%s, %d) != 0) {", r->name, r->nfields);
        emit(e, "        if (rc == RGP_ROW_BAD) fprintf(stderr, \"%%s: error: %%s:%%llu: cannot read the header: %%s\\n\", RGP_PROGRAM, st->display, (unsigned long long)line, why);");
        emit(e, "        rgp_fail();");
        emit(e, "        break;");
        emit(e, "    }");
        emit(e, "    continue;");
        emit(e, "}");
    }
    emit(e, "st->rows++;");
    if (!by_line) {
        emit(e, "if (rc == RGP_ROW_BAD) {");
        emit(e, "    rgp_reject(st, line, \"%%s\", why);");
        emit(e, "    continue;");
        emit(e, "}");
    }
    emit(e, "if (next == claim_end) {");
    emit(e, "    if (next != published) rgp_sp_publish(ring, published = next);");
    emit(e, "    next = rgp_sp_claim(ring, %llu);", (unsigned long long)batch);
    emit(e, "    claim_end = next + %llu;", (unsigned long long)batch);
    emit(e, "}");
    emit(e, "slot_%s *slot = rgp_disruptor_slot(ring, next);", r->cname);
    if (src->format == FMT_LINES) {
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, text.len) != 0) rgp_out_of_memory(RGP_PROGRAM);");
        emit(e, "slot->rec.%s = rgp_slot_strs_keep(&slot->strs, text);", r->fields[0].name);
    } else if (src->format == FMT_JSONL) {
        emit(e, "if (parse_%s_jsonl(st, text, line, slot) != 0) continue;", r->name);
    } else {
        emit(e, "if (parse_%s_csv(st, f, nf, line, slot) != 0) continue;", r->name);
    }
    if (o.nrelays) emit_offer_relays(e, e->pl, src, "&slot->rec");
    emit(e, "next++;");
    e->indent--;
    emit(e, "}");
    emit(e, "if (next != published) rgp_sp_publish(ring, next);");
    emit(e, "rgp_disruptor_close(ring);");
    for (int i = 0; i < o.nrelays; i++) emit(e, "rgp_relay_close(&relay_%s);", o.relays[i]->cname);
    emit(e, "rgp_source_done();");
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

static void emit_run_thread(emitter *e, const plan_thread *t)
{
    const plan_ring *in = t->in;
    const rectype *r = in->stream->type;
    bool lossy = t->policy == POLICY_DROP_OLDEST, relay = t->policy == POLICY_DROP_NEWEST;
    outputs o = {0};
    collect(e->pl, t->entry, &o);
    emit(e, "/* thread %s: reads ring %s%s%s and runs %s %s and what follows it */", t->name, in->name,
         lossy || relay ? " with " : "", lossy || relay ? policy_names[t->policy] : "",
         node_word(t->entry), t->entry->name);
    emit(e, "static void *thread_%s(void *arg)", t->cname);
    emit(e, "{");
    e->indent++;
    emit(e, "(void)arg;");
    if (relay) {
        emit(e, "rgp_disruptor *ring = &relay_%s.ring;   /* its own buffer (drop_newest) */", t->cname);
    } else {
        emit(e, "rgp_disruptor *ring = &ring_%s;", in->name);
    }
    emit(e, "rgp_consumer *c = cons_%s;", t->cname);
    emit_output_state(e, &o);
    if (lossy) emit(e, "slot_%s copy;   /* drop_oldest reads copies: the producer does not wait for it */", r->cname);
    if (lossy && r->has_str) emit(e, "rgp_copybuf strbuf = {0};   /* the copy's long strings */");
    if (lossy || relay) emit(e, "uint64_t received = 0;");
    emit(e, "rgp_scratch scratch = {0};   /* text that expressions make, per record */");
    emit(e, "uint64_t next = rgp_disruptor_first_seq(ring);");
    emit(e, "for (;;) {");
    e->indent++;
    if (o.nsinks) {
        emit(e, "if (rgp_consumer_poll(c, next) == next) {");
        emit(e, "    /* about to wait: let what is written so far reach its readers */");
        for (int i = 0; i < o.nsinks; i++) emit(e, "    rgp_writer_flush(sink_w[%d]);", endpoint_index(e->p, o.sinks[i]));
        emit(e, "}");
    }
    /* processing-time windows close on the clock, records or not: such a
     * reader waits no longer than until the next window is due */
    /* the groups and windows this thread runs: flushed at the end of input */
    const node *gst[16];
    const ast_op *gops[16];
    int ng = thread_groups(e->pl, t->entry, gst, gops, 0, 16);
    bool on_clock[16] = {0};
    int nt = 0;
    for (int i = 0; i < ng && !lossy; i++)
        nt += on_clock[i] = gops[i]->kind == OP_WINDOW && gops[i]->wkind != W_COUNT && !gops[i]->time_field;
    if (lossy) {
        emit(e, "uint64_t end = rgp_consumer_wait_lossy(c, &next, %d);", RGP_BATCH * 4);
    } else if (nt) {
        emit(e, "int64_t due = INT64_MAX;   /* the first processing-time window to close */");
        for (int i = 0; i < ng; i++) {
            if (!on_clock[i]) continue;
            const char *tn = table_name(gst[i], gops[i]);
            emit(e, "if (%s_next_close < due) due = %s_next_close;", tn, tn);
        }
        emit(e, "bool timed_out = false;");
        emit(e, "uint64_t end = due == INT64_MAX ? rgp_consumer_wait(c, next, %d)", RGP_BATCH * 4);
        emit(e, "    : rgp_consumer_wait_for(c, next, %d, due - rgp_now_ms() + 1, &timed_out);", RGP_BATCH * 4);
        emit(e, "if (timed_out) {");
        e->indent++;
        emit(e, "rgp_scratch_reset(&scratch);");
        for (int i = 0; i < ng; i++) {
            if (!on_clock[i]) continue;
            char tn[192];
            snprintf(tn, sizeof tn, "%s", table_name(gst[i], gops[i]));
            emit(e, "{   /* windows of stage %s due by the clock */", gst[i]->name);
            e->indent++;
            emit(e, "int64_t ts = rgp_now_ms();");
            emit(e, "if (ts > %s_watermark) %s_watermark = ts;", tn, tn);
            emit(e, "if (%s_watermark >= %s_next_close) {", tn, tn);
            e->indent++;
            char wm[224];
            snprintf(wm, sizeof wm, "%s_watermark", tn);
            emit_window_close(e, gst[i], gops[i], wm);
            e->indent--;
            emit(e, "}");
            e->indent--;
            emit(e, "}");
        }
        emit_publish_pending(e, &o);
        emit(e, "continue;");
        e->indent--;
        emit(e, "}");
    } else {
        emit(e, "uint64_t end = rgp_consumer_wait(c, next, %d);", RGP_BATCH * 4);
    }
    emit(e, "if (end == next) break;   /* closed and drained */");
    emit(e, "for (uint64_t s = next; s != end; s++) {");
    e->indent++;
    if (lossy) {
        emit(e, "if (!rgp_consumer_copy(c, s, &copy)) continue;   /* overwritten while copied: counted as dropped */");
        if (r->has_str) {
            emit(e, "{");
            e->indent++;
            emit(e, "/* strings: the copy's must not point into the ring */");
            emit(e, "const void *orig = rgp_disruptor_slot(ring, s);");
            sbuf outside = {0};
            for (int i = 0; i < r->nfields; i++)
                if (r->fields[i].type == T_STR)
                    sb(&outside, "%srgp_str_outside(copy.rec.%s, orig, sizeof copy)", outside.len ? " + " : "", r->fields[i].name);
            emit(e, "if (rgp_copybuf_reset(&strbuf, %s) != 0) rgp_out_of_memory(RGP_PROGRAM);", outside.s);
            free(outside.s);
            for (int i = 0; i < r->nfields; i++)
                if (r->fields[i].type == T_STR)
                    emit(e, "copy.rec.%s = rgp_str_rehome(copy.rec.%s, orig, &copy, sizeof copy, &strbuf);", r->fields[i].name,
                         r->fields[i].name);
            emit(e, "if (strbuf.len && !rgp_consumer_recheck(c, s)) continue;   /* rewritten meanwhile: dropped */");
            e->indent--;
            emit(e, "}");
        }
        emit(e, "const %s *in = &copy.rec;", r->cname);
    } else {
        emit(e, "const %s *in = &((const slot_%s *)rgp_disruptor_slot(ring, s))->rec;", r->cname, r->cname);
    }
    if (lossy || relay) emit(e, "received++;");
    emit(e, "rgp_scratch_reset(&scratch);");
    emit_reader(e, t->entry, "in");
    e->indent--;
    emit(e, "}");
    emit_publish_pending(e, &o);
    for (int i = 0; i < o.nsinks; i++) {   /* once a batch: a write error is reported while it matters */
        int k = endpoint_index(e->p, o.sinks[i]);
        emit(e, "if (sink_w[%d]->failed) rgp_sink_failed(RGP_PROGRAM, &endpoints[%d], sink_w[%d]);", k, k, k);
    }
    emit(e, "rgp_consumer_release(c, end);");
    emit(e, "next = end;");
    e->indent--;
    emit(e, "}");
    for (int i = 0; i < ng; i++) {
        if (gops[i]->kind == OP_GROUP) {
            emit_group_flush(e, gst[i], gops[i]);
        } else {
            emit(e, "/* windows of stage %s still open at the end of input */", gst[i]->name);
            emit_window_close(e, gst[i], gops[i], "INT64_MAX");
        }
    }
    emit_close_outputs(e, &o);
    if (lossy && r->has_str) emit(e, "free(strbuf.p);");
    emit(e, "rgp_scratch_free(&scratch);");
    if (lossy || relay) emit(e, "received_%s = received;", t->cname);
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

void emit_threads(emitter *e)
{
    const plan *pl = e->pl;
    emit(e, "/* ---- rings ---- */");
    blank(e);
    for (int i = 0; i < pl->nrings; i++) emit(e, "static rgp_disruptor ring_%s;", pl->rings[i]->name);
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN) continue;
        if (t->policy == POLICY_DROP_NEWEST) emit(e, "static rgp_relay relay_%s;   /* %s's own buffer */", t->cname, t->entry->name);
        emit(e, "static rgp_consumer *cons_%s;", t->cname);
        if (t->policy != POLICY_BLOCK) emit(e, "static uint64_t received_%s;   /* for the drop report */", t->cname);
    }
    blank(e);
    for (int i = 0; i < e->p->nstages; i++)
        for (const ast_op *o = e->p->stages[i]->ops; o; o = o->next) {
            if (!e->p->stages[i]->used) continue;
            if (o->kind >= OP_KEYED) emit_table(e, e->p->stages[i], o);
            if (o->kind != OP_SAMPLE) continue;
            const char *t = table_name(e->p->stages[i], o);
            emit(e, "/* sample of stage %s (%s:%u) */", e->p->stages[i]->name, e->p->file, o->loc.line);
            if (o->sample_every) emit(e, "static uint64_t %s_n;   /* records seen */", t);
            else emit(e, "static uint64_t %s_rng = UINT64_C(%llu);   /* the seed */", t, o->seed);
            blank(e);
        }
    for (int i = 0; i < pl->nthreads; i++) {
        if (pl->threads[i]->kind == TH_PARSE) emit_parse_thread(e, pl->threads[i]);
        else emit_run_thread(e, pl->threads[i]);
    }
}

/* What --stats calls the ring a drop_newest reader reads: its own buffer. */
static const char *arena_name_buffer(const plan_thread *t)
{
    static char name[160];
    snprintf(name, sizeof name, "%s(buffer)", t->entry->name);
    return name;
}

/* In main: make the rings and their consumers, start every thread, wait, report. */
void emit_thread_start(emitter *e)
{
    const plan *pl = e->pl;
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        emit(e, "if (rgp_disruptor_init(&ring_%s, %llu, sizeof(slot_%s), %d, %s) != 0) {", r->name,
             (unsigned long long)r->slots, r->stream->type->cname, r->nproducers, wait_const(r->wait));
        emit(e, "    fprintf(stderr, \"%%s: error: cannot allocate ring %s: %%s\\n\", RGP_PROGRAM, strerror(errno));", r->name);
        emit(e, "    return 1;");
        emit(e, "}");
        for (int k = 0; k < r->nconsumers; k++) {
            const plan_thread *t = r->consumers[k];
            if (t->policy == POLICY_DROP_NEWEST) {
                emit(e, "if (rgp_relay_init(&relay_%s, %llu, sizeof(slot_%s), %s) != 0) {", t->cname,
                     (unsigned long long)(t->limit ? t->limit : r->slots), r->stream->type->cname, wait_const(r->wait));
                emit(e, "    fprintf(stderr, \"%%s: error: cannot allocate the buffer of %s: %%s\\n\", RGP_PROGRAM, strerror(errno));",
                     t->entry->name);
                emit(e, "    return 1;");
                emit(e, "}");
                emit(e, "cons_%s = rgp_relay_consumer(&relay_%s);", t->cname, t->cname);
            } else {
                emit(e, "cons_%s = rgp_disruptor_add_consumer(&ring_%s, NULL, 0, %s, %llu);", t->cname, r->name,
                     t->policy == POLICY_DROP_OLDEST ? "RGP_POLICY_DROP_OLDEST" : "RGP_POLICY_BLOCK",
                     (unsigned long long)(t->policy == POLICY_DROP_OLDEST ? (t->limit ? t->limit : r->slots) : 0));
                emit(e, "if (!cons_%s) { fprintf(stderr, \"%%s: error: cannot add reader %s to ring %s\\n\", RGP_PROGRAM); return 1; }",
                     t->cname, t->entry->name, r->name);
            }
        }
    }
    int nparse = 0, nrun = 0;
    for (int i = 0; i < pl->nthreads; i++) {
        if (pl->threads[i]->kind == TH_PARSE) nparse++;
        else nrun++;
    }
    emit(e, "pthread_t runners[%d], parsers[%d];", nrun ? nrun : 1, nparse ? nparse : 1);
    emit(e, "int nrunners = 0, nparsers = 0;");
    emit(e, "rgp_signals signals;");
    emit(e, "rgp_signals_block(%d);   /* before any thread starts, so all inherit it */", nparse);
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN) continue;
        emit(e, "if (rgp_thread_start(&runners[nrunners], RGP_PROGRAM, \"%s\", %d, thread_%s, NULL) == 0) nrunners++;", t->name,
             t->cpu, t->cname);
        emit(e, "else rgp_fail();");
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_PARSE) continue;
        emit(e, "if (rgp_thread_start(&parsers[nparsers], RGP_PROGRAM, \"%s\", %d, thread_%s, NULL) == 0) nparsers++;", t->name,
             t->cpu, t->cname);
        emit(e, "else { rgp_fail(); rgp_disruptor_close(&ring_%s); rgp_source_done(); }", t->source->name);
    }
    emit(e, "static const rgp_stat stats[] = {");
    int nstats = 0;
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN) continue;
        emit(e, "    {\"%s\", \"%s\", &cons_%s},", t->name, t->policy == POLICY_DROP_NEWEST ? arena_name_buffer(t) : t->in->name, t->cname);
        nstats++;
    }
    if (!nstats) emit(e, "    {0, 0, 0},");
    emit(e, "};");
    emit(e, "rgp_signals_start(&signals, RGP_PROGRAM, parsers, nparsers, stats, %d);", nstats);
    emit(e, "/* readers end once every ring before them is closed and drained; the signal");
    emit(e, " * thread may knock on parsers until then, so they are joined after it */");
    emit(e, "for (int i = 0; i < nrunners; i++) pthread_join(runners[i], NULL);");
    emit(e, "int stopped = rgp_signals_stop(&signals);   /* 130 or 143 after a SIGINT or SIGTERM */");
    emit(e, "for (int i = 0; i < nparsers; i++) pthread_join(parsers[i], NULL);");
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN || t->policy == POLICY_BLOCK) continue;
        emit(e, "rgp_report_drops(RGP_PROGRAM, \"%s\", \"%s\", \"%s\", rgp_consumer_dropped(cons_%s), received_%s);",
             t->entry->kind == D_SINK ? "sink" : "stage", t->entry->name, policy_names[t->policy], t->cname, t->cname);
    }
    for (int i = 0; i < e->p->nstages; i++)
        for (const ast_op *o = e->p->stages[i]->ops; o; o = o->next) {
            const node *st = e->p->stages[i];
            if (!st->used) continue;
            char t[192];
            snprintf(t, sizeof t, "%s", table_name(st, o));
            /* what the stage held back, reported at exit like rejected rows and drops */
            if (o->kind == OP_WINDOW && o->late && o->late->used)
                emit(e, "rgp_report_count(RGP_PROGRAM, \"stage '%s'\", %s_late, \"late record\", \"went to '%s' (window already closed)\");",
                     st->name, t, o->late->name);
            else if (o->kind == OP_WINDOW && o->wkind != W_COUNT && o->time_field)
                emit(e, "rgp_report_count(RGP_PROGRAM, \"stage '%s'\", %s_late, \"late record\", \"dropped (window already closed)\");",
                     st->name, t);
            else if (o->kind == OP_THROTTLE)
                emit(e, "rgp_report_count(RGP_PROGRAM, \"stage '%s'\", %s_held, \"record\", \"held back by throttle (over %llu per %lld %s)\");",
                     st->name, t, o->limit, o->size.n, o->size.unit);
        }
    for (int i = 0; i < e->p->nstages; i++)
        for (const ast_op *o = e->p->stages[i]->ops; o; o = o->next)
            if (o->kind >= OP_KEYED && e->p->stages[i]->used) emit(e, "%s_free();", table_name(e->p->stages[i], o));
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        if (r->stream->type->has_str)
            emit(e, "rgp_free_slot_strs(&ring_%s, offsetof(slot_%s, strs));", r->name, r->stream->type->cname);
        emit(e, "rgp_disruptor_destroy(&ring_%s);", r->name);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN || t->policy != POLICY_DROP_NEWEST) continue;
        if (t->in->stream->type->has_str)
            emit(e, "rgp_free_slot_strs(&relay_%s.ring, offsetof(slot_%s, strs));", t->cname, t->in->stream->type->cname);
        emit(e, "rgp_relay_destroy(&relay_%s);", t->cname);
    }
}
