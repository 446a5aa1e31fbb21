/* Checkpoints in the generated C (options { checkpoint: "DIR" }; runtime/checkpoint.h):
 * the fingerprint, a save and a restore function per component of plan->ckpt,
 * the barrier each source thread puts into its ring, what a reader does at a
 * barrier (save, flush its sinks, pass it on), and the load, start and finish
 * in main. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

bool emit_checkpoints(const program *p) { return p->checkpoint != NULL; }

/* The component of plan->ckpt that n (with op) is, or -1. */
int ckpt_component(const plan *pl, const node *n, const ast_op *op)
{
    for (int i = 0; i < pl->nckpt; i++)
        if (pl->ckpt[i].n == n && pl->ckpt[i].op == op) return i;
    return -1;
}

/* The threads that publish into ring r (a merge's ring: one per input, or one
 * for two inputs computed in one thread). */
static int ring_feeders(const plan *pl, const plan_ring *r)
{
    int n = 0;
    for (int i = 0; i < pl->nthreads; i++)
        for (int k = 0; k < pl->threads[i]->nouts; k++) n += pl->threads[i]->outs[k].ring == r;
    return n;
}

/* t's place among the threads that publish into r. */
static int feeder_index(const plan *pl, const plan_ring *r, const plan_thread *t)
{
    int n = 0;
    for (int i = 0; i < pl->nthreads && pl->threads[i] != t; i++)
        for (int k = 0; k < pl->threads[i]->nouts; k++) n += pl->threads[i]->outs[k].ring == r;
    return n;
}

/* Whether ring r's barriers are aligned: several threads publish into it, each
 * its own barrier slot, marked in the ring's lanes (runtime/checkpoint.h). */
static bool aligned_ring(const plan *pl, const plan_ring *r) { return r->nproducers > 1 && ring_feeders(pl, r) > 1; }

/* The str fields of an entry's key: its raw bytes only point at them. */
static int key_strings(const ast_op *o, const char **out, int cap)
{
    int n = 0;
    for (const ast_arg *g = o->keys; g; g = g->next)
        if (o->in->fields[g->value->u.name.field].type == T_STR && n < cap) out[n++] = g->value->text;
    return n;
}

/* The str fields of an entry's value, as "value.NAME": its raw bytes only point at them. */
static int value_strings(const ast_op *o, char out[][160], int cap)
{
    int n = 0;
    if (o->kind == OP_DEDUP)
        for (const ast_arg *g = o->on; g; g = g->next)
            if (g->value->type == T_STR && n < cap) snprintf(out[n++], 160, "value.%s", g->value->text);
    const rectype *state = o->kind == OP_KEYED || o->kind == OP_DELTA ? o->state_type : NULL;
    for (int i = 0; state && i < state->nfields; i++)
        if (state->fields[i].type == T_STR && n < cap)
            snprintf(out[n++], 160, "value.%s%s", o->kind == OP_DELTA ? "s." : "", state->fields[i].name);
    for (int i = 0; o->kind == OP_DELTA && i < o->in->nfields; i++)
        if (o->in->fields[i].type == T_STR && n < cap) snprintf(out[n++], 160, "value.prev.%s", o->in->fields[i].name);
    return n;
}

/* A sample's counts and its coin's state. */
static void emit_sample_save(emitter *e, int k, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "/* component %d: the sample of stage %s (%s:%u): its counts%s */", k, st->name, e->p->file, o->loc.line,
         o->sample_every ? "" : " and its coin");
    emit(e, "static void ckpt_save_%d(rgp_ckpt_buf *b)", k);
    emit(e, "{");
    emit(e, "    rgp_ckpt_put_u64(b, %s_n);", t);
    emit(e, "    rgp_ckpt_put_u64(b, %s_skipped);", t);
    if (!o->sample_every) emit(e, "    rgp_ckpt_put_u64(b, %s_rng);", t);
    emit(e, "}");
    emit(e, "static void ckpt_restore_%d(rgp_ckpt_in *in)", k);
    emit(e, "{");
    emit(e, "    %s_n = rgp_ckpt_get_u64(in);", t);
    emit(e, "    %s_skipped = rgp_ckpt_get_u64(in);", t);
    if (!o->sample_every) emit(e, "    %s_rng = rgp_ckpt_get_u64(in);", t);
    emit(e, "}");
    blank(e);
}

static void emit_table_save(emitter *e, int k, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    const char *keys[64];
    int nkeys = key_strings(o, keys, 64);
    char values[64][160];
    int nvalues = value_strings(o, values, 64);
    emit(e, "/* component %d: the table of stage %s (%s:%u): its entries in order, each as its bytes and then its strings */", k,
         st->name, e->p->file, o->loc.line);
    emit(e, "static void ckpt_save_%d(rgp_ckpt_buf *b)", k);
    emit(e, "{");
    e->indent++;
    emit(e, "rgp_ckpt_put_u64(b, %s.len);", t);
    emit(e, "rgp_ckpt_put_u64(b, sizeof(%s_entry));", t);
    emit(e, "for (size_t i = 0; i < %s.len; i++) {", t);
    e->indent++;
    emit(e, "const %s_entry *en = &%s.entries[i];", t, t);
    emit(e, "rgp_ckpt_put(b, en, sizeof *en);");
    for (int i = 0; i < nkeys; i++) emit(e, "rgp_ckpt_put_str(b, en->key.%s);", keys[i]);
    for (int i = 0; i < nvalues; i++) emit(e, "rgp_ckpt_put_str(b, en->%s);", values[i]);
    e->indent--;
    emit(e, "}");
    if (o->kind == OP_WINDOW) {
        emit(e, "rgp_ckpt_put_u64(b, (uint64_t)%s_watermark);", t);
        emit(e, "rgp_ckpt_put_u64(b, %s_closed);", t);
        emit(e, "rgp_ckpt_put_u64(b, %s_late);", t);
        emit(e, "rgp_ckpt_put_u64(b, %s_in);", t);
        if (o->ahead.ms) emit(e, "rgp_ckpt_put_u64(b, %s_ahead);", t);
    }
    if (o->kind == OP_THROTTLE) {
        emit(e, "rgp_ckpt_put_u64(b, %s_held);", t);
        emit(e, "rgp_ckpt_put_u64(b, %s_in);", t);
    }
    e->indent--;
    emit(e, "}");
    blank(e);

    emit(e, "static void ckpt_restore_%d(rgp_ckpt_in *in)", k);
    emit(e, "{");
    e->indent++;
    emit(e, "uint64_t n = rgp_ckpt_get_u64(in);");
    emit(e, "if (rgp_ckpt_get_u64(in) != sizeof(%s_entry)) in->bad = 1;   /* another layout: not this program's */", t);
    emit(e, "for (uint64_t i = 0; i < n && !in->bad; i++) {");
    e->indent++;
    emit(e, "%s_entry en;", t);
    emit(e, "rgp_ckpt_get(in, &en, sizeof en);");
    for (int i = 0; i < nkeys; i++) emit(e, "en.key.%s = rgp_ckpt_get_str(in);", keys[i]);
    for (int i = 0; i < nvalues; i++) emit(e, "en.%s = rgp_ckpt_get_str(in);", values[i]);
    emit(e, "bool fresh;");
    emit(e, "%s_entry *at = rgp_table_get_%s(&%s, &en.key, &fresh);", t, t, t);
    emit(e, "if (!at) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "*at = en;   /* its strings are the copies just made */");
    emit(e, "if (!fresh) in->bad = 1;   /* one key twice */");
    if (o->kind == OP_WINDOW) emit(e, "if (at->value.open) %s_queue(%s.len - 1, at->key.ws);   /* to close as it would have */", t, t);
    e->indent--;
    emit(e, "}");
    if (o->kind == OP_WINDOW) {
        emit(e, "%s_watermark = (int64_t)rgp_ckpt_get_u64(in);", t);
        emit(e, "%s_closed = (size_t)rgp_ckpt_get_u64(in);", t);
        emit(e, "%s_late = rgp_ckpt_get_u64(in);", t);
        emit(e, "%s_in = rgp_ckpt_get_u64(in);", t);
        if (o->ahead.ms) emit(e, "%s_ahead = rgp_ckpt_get_u64(in);", t);
    }
    if (o->kind == OP_THROTTLE) {
        emit(e, "%s_held = rgp_ckpt_get_u64(in);", t);
        emit(e, "%s_in = rgp_ckpt_get_u64(in);", t);
    }
    e->indent--;
    emit(e, "}");
    blank(e);
}

void emit_checkpoint_globals(emitter *e)
{
    const plan *pl = e->pl;
    if (!emit_checkpoints(e->p)) return;
    emit(e, "/* ---- checkpoint: %s every %lld ms (runtime/checkpoint.h) ---- */", e->p->checkpoint, e->p->checkpoint_every_ms);
    blank(e);
    emit(e, "/* what a checkpoint holds, a line per component: one made by another program is refused */");
    emit(e, "static const char ckpt_fingerprint[] =");
    for (int i = 0; i < pl->nckpt; i++) {
        sbuf lit = {0}, line = {0};
        sb(&line, "%s\n", pl->ckpt[i].line);
        c_string(&lit, line.s, line.len);
        emit(e, "    %s%s", lit.s, i + 1 == pl->nckpt ? ";" : "");
        free(lit.s);
        free(line.s);
    }
    if (!pl->nckpt) emit(e, "    \"\";");
    emit(e, "static rgp_ckpt_part ckpt_parts[%d];   /* one per thread that saves something */", pl->nckpt_parts ? pl->nckpt_parts : 1);
    for (int i = 0; i < pl->nrings; i++)
        emit(e, "static rgp_ckpt_ring ckpt_ring_%s = {RGP_CKPT_NO_BARRIER, RGP_CKPT_NO_BARRIER};   /* ring %s's barrier slots */",
             pl->rings[i]->name, pl->rings[i]->name);
    for (int i = 0; i < pl->nrings; i++)
        if (aligned_ring(pl, pl->rings[i]))
            emit(e, "static rgp_ckpt_align ckpt_align_%s[%d];   /* merge %s: the last barrier each of its producers put in */",
                 pl->rings[i]->name, ring_feeders(pl, pl->rings[i]), pl->rings[i]->stream->name);
    emit(e, "static int ckpt_resumed;   /* this run resumed from a checkpoint */");
    blank(e);
    for (int k = 0; k < pl->nckpt; k++) {
        const plan_ckpt *c = &pl->ckpt[k];
        if (c->op) {
            if (c->op->kind == OP_SAMPLE) emit_sample_save(e, k, c->n, c->op);
            else emit_table_save(e, k, c->n, c->op);
            continue;
        }
        bool source = c->n->kind == D_SOURCE;
        if (source && c->n->endpoint == EP_FILE) {
            int r = endpoint_index(e->p, c->n);
            emit(e, "/* component %d: source %s's position: the byte after the last row read, and its line */", k, c->n->name);
            emit(e, "static uint64_t ckpt_pos_%s, ckpt_line_%s;   /* restored: where a resumed run reads from */", c->n->name, c->n->name);
            emit(e, "static void ckpt_save_%d(rgp_ckpt_buf *b)", k);
            emit(e, "{");
            emit(e, "    rgp_ckpt_put_u64(b, readers[%d].bytes - (readers[%d].end - readers[%d].pos));", r, r, r);
            emit(e, "    rgp_ckpt_put_u64(b, readers[%d].line);", r);
            emit(e, "}");
            emit(e, "static void ckpt_restore_%d(rgp_ckpt_in *in) { ckpt_pos_%s = rgp_ckpt_get_u64(in); ckpt_line_%s = rgp_ckpt_get_u64(in); }",
                 k, c->n->name, c->n->name);
            blank(e);
            continue;
        }
        emit(e, "/* component %d: %s %s's %s */", k, source ? "source" : "sink", c->n->name,
             source ? "position: the offset after the last record read" : "offset: the next record it appends");
        emit(e, "static uint64_t ckpt_pos_%s;   /* restored: where a resumed run %s */", c->n->name,
             source ? "reads from" : "cuts the journal back to");
        emit(e, "static void ckpt_save_%d(rgp_ckpt_buf *b) { rgp_ckpt_put_u64(b, journal_%s.%s); }", k, c->n->name,
             source ? "pos" : "next");
        emit(e, "static void ckpt_restore_%d(rgp_ckpt_in *in) { ckpt_pos_%s = rgp_ckpt_get_u64(in); }", k, c->n->name);
        blank(e);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->ckpt_part < 0) continue;
        emit(e, "/* part %d: what thread %s saves at a barrier, a section per component */", t->ckpt_part, t->name);
        emit(e, "static void ckpt_save_part_%d(int final)", t->ckpt_part);
        emit(e, "{");
        e->indent++;
        emit(e, "uint64_t t0 = rgp_journal_now_ns();");
        emit(e, "rgp_ckpt_buf *b = &ckpt_parts[%d].buf[final];", t->ckpt_part);
        emit(e, "b->len = 0;");
        for (int k = 0; k < pl->nckpt; k++) {
            if (pl->ckpt[k].t != t) continue;
            emit(e, "{ size_t at = rgp_ckpt_section_begin(b, %du); ckpt_save_%d(b); rgp_ckpt_section_end(b, at); }", k, k);
        }
        emit(e, "if (!final) ckpt_parts[%d].save_ns = rgp_journal_now_ns() - t0;   /* for RGP_VERBOSE; published by rgp_ckpt_part_done */",
             t->ckpt_part);
        e->indent--;
        emit(e, "}");
        blank(e);
    }
    emit(e, "/* Restores every component from the sections of a checkpoint: 0, or -1 after a message. */");
    emit(e, "static int ckpt_restore(rgp_ckpt_in *in)");
    emit(e, "{");
    e->indent++;
    emit(e, "bool seen[%d] = {0};", pl->nckpt ? pl->nckpt : 1);
    emit(e, "while (in->p != in->end && !in->bad) {");
    e->indent++;
    emit(e, "uint32_t k = rgp_ckpt_get_u32(in);");
    emit(e, "uint64_t len = rgp_ckpt_get_u64(in);");
    emit(e, "if (in->bad || len > (uint64_t)(in->end - in->p) || k >= %du || seen[k]) { in->bad = 1; break; }", pl->nckpt);
    emit(e, "rgp_ckpt_in sec = {in->p, in->p + len, 0};");
    emit(e, "seen[k] = true;");
    for (int k = 0; k < pl->nckpt; k++) emit(e, "if (k == %du) ckpt_restore_%d(&sec);", k, k);
    emit(e, "if (sec.bad || sec.p != sec.end) { in->bad = 1; break; }");
    emit(e, "in->p += len;");
    e->indent--;
    emit(e, "}");
    emit(e, "for (int k = 0; k < %d; k++) if (!seen[k]) in->bad = 1;", pl->nckpt);
    emit(e, "if (!in->bad) return 0;");
    emit(e, "fprintf(stderr, \"%%s: error: checkpoint %%s/checkpoint does not hold what its fingerprint says (a section is missing or "
            "damaged); move it away, or start with --fresh\\n\", RGP_PROGRAM, rgp__ckpt.dir);");
    emit(e, "return -1;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* A source thread puts a barrier into its ring between two records (periodic:
 * final: false; at a stop: true) and saves its position. */
static void emit_source_barrier(emitter *e, const plan_thread *t, unsigned long long batch, bool final)
{
    const char *ring = t->outs[0].ring->name;
    assert(t->outs[0].ring->nproducers == 1);   /* a source's ring is its own; a merge's is fed by run threads */
    emit(e, "if (next == claim_end) {");
    emit(e, "    if (next != published) rgp_sp_publish(ring, published = next);");
    emit(e, "    next = rgp_sp_claim(ring, %llu);", batch);
    emit(e, "    claim_end = next + %llu;", batch);
    emit(e, "}");
    emit(e, "rgp_store_relaxed_u64(&ckpt_ring_%s.%s, next);   /* published by the release below */", ring, final ? "final" : "barrier");
    emit(e, "rgp_sp_publish(ring, published = ++next);   /* the barrier's slot holds no record */");
    emit(e, "ckpt_save_part_%d(%d);", t->ckpt_part, final);
    if (final) emit(e, "ckpt_parts[%d].final = 1;   /* read by main after the join */", t->ckpt_part);
    else emit(e, "rgp_ckpt_part_done(&ckpt_parts[%d], ckpt_seen);", t->ckpt_part);
}

void emit_checkpoint_source_locals(emitter *e)
{
    if (emit_checkpoints(e->p)) emit(e, "uint64_t ckpt_seen = rgp_ckpt_asked();   /* the last checkpoint this thread put a barrier for */");
}

void emit_checkpoint_source_check(emitter *e, const plan_thread *t, unsigned long long batch)
{
    if (!emit_checkpoints(e->p)) return;
    emit(e, "if (rgp_ckpt_asked() != ckpt_seen) {   /* a checkpoint is asked for: a barrier here, between two records */");
    e->indent++;
    emit(e, "ckpt_seen = rgp_ckpt_asked();");
    emit_source_barrier(e, t, batch, false);
    e->indent--;
    emit(e, "}");
}

/* After the read loop: stopped by a signal, the source sends the final barrier;
 * read to its end, it ends the checkpoints (the readers now flush). */
void emit_checkpoint_source_end(emitter *e, const plan_thread *t, unsigned long long batch)
{
    if (!emit_checkpoints(e->p)) return;
    emit(e, "if (!st->ended && rgp_stopping() && !rgp_load_acquire_u32(&rgp_failed)) {   /* pairs with rgp_fail */");
    e->indent++;
    emit(e, "/* the final checkpoint: what was read drains, and the state stays, saved, for the next run */");
    emit_source_barrier(e, t, batch, true);
    e->indent--;
    emit(e, "}");
    emit(e, "if (st->ended) rgp_ckpt_source_ended();");
}

void emit_checkpoint_run_locals(emitter *e)
{
    if (!emit_checkpoints(e->p)) return;
    emit(e, "bool ckpt_stopped = false;   /* took the final barrier: its groups and windows stay open, saved */");
    if (e->thread && aligned_ring(e->pl, e->thread->in))
        emit(e, "int ckpt_nbarrier = 0, ckpt_nfinal = 0;   /* of this checkpoint's barriers, those of the merge's producers read */");
}

/* After the reader's wait: a barrier among the records ends the batch before it
 * (the nearer one, when both the periodic and the final one are there). */
void emit_checkpoint_batch(emitter *e, const plan_thread *t)
{
    if (!emit_checkpoints(e->p)) return;
    if (aligned_ring(e->pl, t->in)) {
        const char *r = t->in->name;
        unsigned long long mask = (unsigned long long)(t->in->slots - 1);
        int n = ring_feeders(e->pl, t->in);
        emit(e, "/* merge %s: each of its %d producers puts its own barrier slot in, marked in the lanes (written before the", t->in->stream->name, n);
        emit(e, " * slot's publish, read after the wait's acquire); the last of a checkpoint's is the cut (runtime/checkpoint.h) */");
        emit(e, "uint64_t ckpt_at = end;");
        emit(e, "for (uint64_t s = next; s != end; s++)");
        emit(e, "    if (lanes_%s[s & %lluu] & (RGP_LANE_BARRIER | RGP_LANE_FINAL)) { ckpt_at = s; break; }", r, mask);
        emit(e, "bool at_barrier = ckpt_at != end, ckpt_aligned = false;");
        emit(e, "bool final = at_barrier && (lanes_%s[ckpt_at & %lluu] & RGP_LANE_FINAL) != 0;", r, mask);
        emit(e, "if (at_barrier) {");
        emit(e, "    end = ckpt_at;   /* the records before it, then the barrier */");
        emit(e, "    ckpt_aligned = final ? ++ckpt_nfinal == %d : ++ckpt_nbarrier == %d;   /* every producer's is in: save */", n, n);
        emit(e, "    if (ckpt_aligned && final) ckpt_nfinal = 0;");
        emit(e, "    else if (ckpt_aligned) ckpt_nbarrier = 0;");
        emit(e, "}");
        return;
    }
    emit(e, "/* after the acquire in the wait: a barrier's slot, if among these, was published with its word */");
    emit(e, "uint64_t ckpt_b = rgp_load_relaxed_u64(&ckpt_ring_%s.barrier), ckpt_f = rgp_load_relaxed_u64(&ckpt_ring_%s.final);",
         t->in->name, t->in->name);
    emit(e, "bool final = ckpt_f - next < end - next && !(ckpt_b - next < ckpt_f - next);");
    emit(e, "bool at_barrier = final || ckpt_b - next < end - next;");
    emit(e, "if (at_barrier) end = final ? ckpt_f : ckpt_b;   /* the records before it, then the barrier */");
}

/* After the batch: at a barrier, flush the sinks, save, pass it on, step over its slot. */
void emit_checkpoint_barrier(emitter *e, const plan_thread *t)
{
    if (!emit_checkpoints(e->p)) return;
    bool merged = aligned_ring(e->pl, t->in);
    emit(e, "if (at_barrier) {");
    e->indent++;
    if (merged) {
        emit(e, "if (ckpt_aligned) {   /* else the barrier of one producer of several: its slot only is stepped over */");
        e->indent++;
    }
    emit(e, "bool ok = true;");
    for (int i = 0; i < t->nsinks; i++) {
        const node *s = t->sinks[i];
        int k = endpoint_index(e->p, s);
        emit(e, "rgp_writer_flush(sink_w[%d]);   /* sink %s: what came before the barrier is written */", k, s->name);
        if (s->endpoint == EP_JOURNAL) {
            emit(e, "if (!sink_w[%d]->failed && journal_%s.o.sync != RGP_JOURNAL_SYNC_NEVER && rgp_journal_sync(&journal_%s) != 0)", k,
                 s->name, s->name);
            emit(e, "    rgp__writer_journal_failed(sink_w[%d]);   /* on disk before the checkpoint counts it */", k);
            emit(e, "if (sink_w[%d]->failed) { ok = false; rgp_sink_failed(RGP_PROGRAM, &endpoints[%d], sink_w[%d]); }", k, k, k);
        }
    }
    emit(e, "if (ok) {");
    emit(e, "    ckpt_save_part_%d(final);", t->ckpt_part);
    emit(e, "    if (final) ckpt_parts[%d].final = 1;   /* read by main after the join */", t->ckpt_part);
    emit(e, "    else rgp_ckpt_part_done(&ckpt_parts[%d], rgp_ckpt_asked());   /* the epoch whose barrier this is */", t->ckpt_part);
    emit(e, "}");
    for (int i = 0; i < t->nouts; i++) {
        const plan_ring *r = t->outs[i].ring;
        emit(e, "{   /* the barrier goes on into ring %s, after the records before it */", r->name);
        e->indent++;
        if (aligned_ring(e->pl, r)) {
            emit(e, "uint64_t seq = rgp_mp_claim(&prod_%s, 1);", r->name);
            emit(e, "lanes_%s[seq & %lluu] = final ? RGP_LANE_FINAL : RGP_LANE_BARRIER;   /* published by the release in rgp_mp_publish */",
                 r->name, (unsigned long long)(r->slots - 1));
            emit(e, "rgp_mp_publish(&ring_%s, seq, seq + 1);", r->name);
        } else if (r->nproducers > 1) {   /* a merge of inputs that this thread computes alone */
            emit(e, "uint64_t seq = rgp_mp_claim(&prod_%s, 1);", r->name);
            emit(e, "if (final) rgp_store_relaxed_u64(&ckpt_ring_%s.final, seq);   /* published by the release in rgp_mp_publish */", r->name);
            emit(e, "else rgp_store_relaxed_u64(&ckpt_ring_%s.barrier, seq);", r->name);
            emit(e, "rgp_mp_publish(&ring_%s, seq, seq + 1);", r->name);
        } else {
            emit(e, "uint64_t seq;");
            emit(e, "if (rgp_sp_try_claim(&ring_%s, 1, &seq) != 0) seq = rgp_sp_claim(&ring_%s, 1);", r->name, r->name);
            emit(e, "if (final) rgp_store_relaxed_u64(&ckpt_ring_%s.final, seq);   /* published by the release below */", r->name);
            emit(e, "else rgp_store_relaxed_u64(&ckpt_ring_%s.barrier, seq);", r->name);
            emit(e, "rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next = seq + 1);", r->name, r->name, r->name);
        }
        e->indent--;
        emit(e, "}");
    }
    /* only once the barrier is in every ring: a ring this thread fills may lead to another producer of the merge */
    for (int i = 0; i < t->nouts; i++) {
        const plan_ring *r = t->outs[i].ring;
        if (!aligned_ring(e->pl, r)) continue;
        int me = feeder_index(e->pl, r, t);
        emit(e, "if (final) {");
        emit(e, "    rgp_ckpt_align_put(&ckpt_align_%s[%d], RGP_CKPT_ALIGN_CLOSED);   /* no barrier of ours comes after the final one */", r->name, me);
        emit(e, "} else {   /* aligned: nothing more of ours goes into merge %s until every producer's barrier is in */", r->stream->name);
        emit(e, "    rgp_ckpt_align_put(&ckpt_align_%s[%d], rgp_ckpt_asked());", r->name, me);
        emit(e, "    rgp_ckpt_align_wait(ckpt_align_%s, %d, rgp_ckpt_asked());", r->name, ring_feeders(e->pl, r));
        emit(e, "}");
    }
    emit(e, "if (final) ckpt_stopped = true;");
    if (merged) {
        e->indent--;
        emit(e, "}");
    }
    emit(e, "end++;   /* past the barrier's slot */");
    e->indent--;
    emit(e, "}");
}

/* Before a thread closes its rings: the producers of a merge waiting for its
 * barrier wait no more (an ended input counts as aligned). */
void emit_checkpoint_close(emitter *e, const plan_thread *t)
{
    if (!emit_checkpoints(e->p)) return;
    for (int i = 0; i < t->nouts; i++)
        if (aligned_ring(e->pl, t->outs[i].ring))
            emit(e, "rgp_ckpt_align_put(&ckpt_align_%s[%d], RGP_CKPT_ALIGN_CLOSED);   /* its barriers come no more */",
                 t->outs[i].ring->name, feeder_index(e->pl, t->outs[i].ring, t));
}

/* The end-of-input flushes run unless the final barrier saved what they would flush. */
const char *emit_checkpoint_flush_guard(const emitter *e) { return emit_checkpoints(e->p) ? "if (!ckpt_stopped) " : ""; }

/* In main, after the arguments and before the journals open. */
void emit_checkpoint_load(emitter *e)
{
    if (!emit_checkpoints(e->p)) return;
    sbuf dir = {0};
    c_string(&dir, e->p->checkpoint, strlen(e->p->checkpoint));
    emit(e, "rgp_ckpt_init(&rgp__ckpt, RGP_PROGRAM, %s, ckpt_fingerprint, %lld, ckpt_parts, %d);", dir.s, e->p->checkpoint_every_ms,
         e->pl->nckpt_parts);
    free(dir.s);
    emit(e, "{   /* resume from the checkpoint, if there is one */");
    e->indent++;
    emit(e, "unsigned char *data;");
    emit(e, "rgp_ckpt_in in;");
    emit(e, "int found = rgp_ckpt_load(&rgp__ckpt, &data, &in);");
    emit(e, "if (found < 0) return 1;");
    emit(e, "if (found > 0 && ckpt_restore(&in) != 0) { free(data); return 1; }");
    emit(e, "if (found > 0) fprintf(stderr, \"%%s: resuming from checkpoint %%s/checkpoint (number %%llu)\\n\", RGP_PROGRAM, rgp__ckpt.dir, "
            "(unsigned long long)rgp__ckpt.resumed_epoch);");
    emit(e, "free(data);");
    emit(e, "ckpt_resumed = found > 0;");
    e->indent--;
    emit(e, "}");
}

/* Before the threads start. A run that did not resume writes checkpoint 0 first:
 * its sources' start and its journal sinks' ends, so that a crash before the
 * first checkpoint cuts what it appended, too. */
/* In main, after the headers are read: a resumed run's file sources seek to where they were. */
void emit_checkpoint_seek(emitter *e)
{
    if (!emit_checkpoints(e->p)) return;
    for (int k = 0; k < e->pl->nckpt; k++) {
        const node *n = e->pl->ckpt[k].n;
        if (n->kind != D_SOURCE || n->endpoint != EP_FILE) continue;
        int r = endpoint_index(e->p, n);
        emit(e, "if (ckpt_resumed && rgp_ckpt_seek(RGP_PROGRAM, &endpoints[%d], &readers[%d], ckpt_pos_%s, ckpt_line_%s) != 0) return 1;", r,
             r, n->name, n->name);
    }
}

void emit_checkpoint_start(emitter *e)
{
    if (!emit_checkpoints(e->p)) return;
    emit(e, "if (!ckpt_resumed) {   /* checkpoint 0: where this run starts */");
    for (int i = 0; i < e->pl->nckpt_parts; i++) emit(e, "    ckpt_save_part_%d(0);", i);
    emit(e, "}");
    emit(e, "if (rgp_ckpt_start(&rgp__ckpt, !ckpt_resumed) != 0) return 1;");
}

/* In main, after every thread is joined: the final checkpoint, after a stop. */
void emit_checkpoint_finish(emitter *e)
{
    if (!emit_checkpoints(e->p)) return;
    emit(e, "/* pairs with rgp_fail; the joins order it too */");
    emit(e, "if (rgp_ckpt_finish(&rgp__ckpt, stopped != 0, (int)rgp_load_acquire_u32(&rgp_failed)) != 0) rgp_fail();");
}
