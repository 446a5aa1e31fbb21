/* nats("nats://HOST:PORT", ...) sources in the generated C (stdlib/rgp_nats.h):
 * their state, opening them in main, the lines the parse thread runs instead
 * of reading a file, and the drain: for each nats source, a function that
 * waits until every reader downstream has written out what the source put in
 * its ring, walking the plan's rings from the source's on; the reader threads'
 * `done` sequences it waits for; and the last ack at exit. */
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"
#include "links.h"

bool emit_uses_nats(const program *p)
{
    for (int i = 0; i < p->nsources; i++) if (p->sources[i]->endpoint == EP_NATS) return true;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i]->endpoint == EP_NATS) return true;
    return false;
}

/* The drain is needed by a nats source only; its readers then keep `done`. */
static bool has_nats_source(const program *p)
{
    for (int i = 0; i < p->nsources; i++) if (p->sources[i]->endpoint == EP_NATS) return true;
    return false;
}

void emit_nats_link(emitter *e)
{
    if (emit_uses_nats(e->p)) emit(e, "%snats", RGP_LINK_MARKER);   /* read by jit.c and aot.c (links.h) */
}

static void c_str(emitter *e, sbuf *b, const char *s)
{
    (void)e;
    if (!s) { sb(b, "NULL"); return; }
    c_string(b, s, strlen(s));
}

void emit_nats_globals(emitter *e)
{
    const program *p = e->p;
    if (!emit_uses_nats(p)) return;
    for (int i = 0; i < p->nsources; i++)
        if (p->sources[i]->endpoint == EP_NATS)
            emit(e, "static rgp_nats_source nats_%s;   /* source %s: nats(\"%s\") */", p->sources[i]->name, p->sources[i]->name,
                 p->sources[i]->path);
    for (int i = 0; i < p->nsinks; i++)
        if (p->sinks[i]->endpoint == EP_NATS)
            emit(e, "static rgp_nats_sink natss_%s;   /* sink %s: nats(\"%s\", subject: \"%s\") */", p->sinks[i]->name, p->sinks[i]->name,
                 p->sinks[i]->path, p->sinks[i]->nats.subject);
    blank(e);
}

/* In main, after the files are open and before any thread starts. */
void emit_nats_open(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (s->endpoint != EP_NATS) continue;
        sbuf b = {0};
        const nats_options *o = &s->nats;
        if (o->partition_env) {
            emit(e, "int partition_%s = 0;   /* partition: env(\"%s\"), of %d */", s->name, o->partition_env->u.call.args->value->u.s.bytes,
                 o->partitions);
            sb(&b, "if (rgp_nats_partition_env(RGP_PROGRAM, &endpoints[%d], env_%d, ", endpoint_index(p, s), o->partition_env_index);
            c_str(e, &b, o->partition_env->u.call.args->value->u.s.bytes);
            sb(&b, ", %d, &partition_%s) != 0) return 1;", o->partitions, s->name);
            emit(e, "%s", b.s);
            b.len = 0;
        }
        sb(&b, "if (rgp_nats_source_open(RGP_PROGRAM, &endpoints[%d], &nats_%s, ", endpoint_index(p, s), s->name);
        c_str(e, &b, o->stream), sb(&b, ", ");
        c_str(e, &b, o->subject), sb(&b, ", ");
        c_str(e, &b, o->durable);
        sb(&b, ", %lld, %lld, ", o->idle_ms, o->ack_wait_ms);
        if (o->partition_env) sb(&b, "partition_%s", s->name);
        else sb(&b, "%d", o->partition);
        sb(&b, ", %d) != 0) return 1;%s", o->partitions, o->partitions ? "   /* partition I of N: subject PREFIX.I.>, consumer DURABLE-pI */" : "");
        emit(e, "%s", b.s);
        free(b.s);
    }
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (s->endpoint != EP_NATS) continue;
        int k = endpoint_index(p, s);
        sbuf b = {0};
        c_str(e, &b, s->nats.subject);
        emit(e, "if (rgp_nats_sink_open(&writers[%d], &natss_%s, RGP_PROGRAM, &endpoints[%d], %s, %lluu) != 0) return 1;", k, s->name, k,
             b.s, (unsigned long long)s->nats.pending);
        emit(e, "sink_w[%d] = &writers[%d];   /* sink %s: formats into the buffer, publishes from it */", k, k, s->name);
        free(b.s);
    }
}

/* In main, after the sinks are closed: the last batch is acked, unless the run failed. */
void emit_nats_close(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsinks; i++)   /* first: the sources ack only what the sinks have */
        if (p->sinks[i]->endpoint == EP_NATS)
            emit(e, "rgp_nats_sink_close(&natss_%s, &writers[%d]);   /* the last publish acks */", p->sinks[i]->name,
                 endpoint_index(p, p->sinks[i]));
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (s->endpoint != EP_NATS) continue;
        emit(e, "/* pairs with rgp_fail: no ack after a failure, so the server delivers the batch again */");
        emit(e, "rgp_nats_source_close(&nats_%s, &stats_%s, !rgp_load_acquire_u32(&rgp_failed));", s->name, s->name);
    }
}

/* ---- the drain -------------------------------------------------------------- */

/* A thread the drain waits for: it reads a ring in order (a drop_newest reader
 * reads a buffer of its own, and may drop anyway: not waited for). */
static bool waited(const plan_thread *t) { return t->kind == TH_RUN && t->policy != POLICY_DROP_NEWEST; }

void emit_nats_done_globals(emitter *e)
{
    if (!has_nats_source(e->p)) return;
    emit(e, "/* each reader: everything it read before this is handed on and written out (rgp_drain_done) */");
    for (int i = 0; i < e->pl->nthreads; i++)
        if (waited(e->pl->threads[i])) emit(e, "static RGP_ATOMIC(uint64_t) done_%s;", e->pl->threads[i]->cname);
    blank(e);
}

static int ring_index(const plan *pl, const plan_ring *r)
{
    for (int i = 0; i < pl->nrings; i++) if (pl->rings[i] == r) return i;
    return -1;
}

/* Whether thread t writes into ring r. */
static bool feeds(const plan_thread *t, const plan_ring *r)
{
    for (int k = 0; k < t->nouts; k++) if (t->outs[k].ring == r) return true;
    return false;
}

/* For each nats source: drain_NAME(end), 1 once every reader downstream has
 * written out what the source published before end; 0 if the program failed. */
void emit_nats_drains(emitter *e)
{
    const plan *pl = e->pl;
    const program *p = e->p;
    bool *reach = calloc((size_t)pl->nrings + 1, sizeof *reach), *done = calloc((size_t)pl->nrings + 1, sizeof *done);
    if (!reach || !done) { fputs("rgp: out of memory\n", stderr); exit(2); }
    for (int i = 0; i < p->nsources; i++) {
        const node *src = p->sources[i];
        if (src->endpoint != EP_NATS) continue;
        const plan_ring *first = plan_thread_of(pl, src)->outs[0].ring;   /* the source's, or that of the filters its parser applies */
        memset(reach, 0, sizeof *reach * (size_t)pl->nrings);
        memset(done, 0, sizeof *done * (size_t)pl->nrings);
        reach[ring_index(pl, first)] = true;
        for (bool grew = true; grew;) {   /* the rings downstream of the source's */
            grew = false;
            for (int r = 0; r < pl->nrings; r++)
                for (int k = 0; reach[r] && k < pl->rings[r]->nconsumers; k++) {
                    const plan_thread *t = pl->rings[r]->consumers[k];
                    for (int o = 0; waited(t) && o < t->nouts; o++) {
                        int x = ring_index(pl, t->outs[o].ring);
                        if (!reach[x]) reach[x] = grew = true;
                    }
                }
        }
        emit(e, "/* source %s: the drain, ring by ring downstream (stdlib/rgp_nats.h) */", src->name);
        emit(e, "static int drain_%s(uint64_t end_%s)", src->name, first->name);
        emit(e, "{");
        e->indent++;
        for (int pass = 0; pass < pl->nrings; pass++)
            for (int r = 0; r < pl->nrings; r++) {
                const plan_ring *ring = pl->rings[r];
                if (!reach[r] || done[r]) continue;
                bool ready = true;   /* every reached thread that feeds it has been waited for */
                for (int t = 0; t < pl->nthreads && ready; t++) {
                    const plan_thread *th = pl->threads[t];
                    if (waited(th) && feeds(th, ring) && reach[ring_index(pl, th->in)] && !done[ring_index(pl, th->in)]) ready = false;
                }
                if (!ready) continue;
                done[r] = true;
                if (ring != first) {
                    emit(e, "/* ring %s: what its writers above had put in it by now */", ring->name);
                    emit(e, "uint64_t end_%s = rgp_drain_published(&ring_%s);", ring->name, ring->name);
                }
                for (int k = 0; k < ring->nconsumers; k++)
                    if (waited(ring->consumers[k]))
                        emit(e, "if (!rgp_drain_wait(&done_%s, end_%s)) return 0;", ring->consumers[k]->cname, ring->name);
            }
        emit(e, "return 1;");
        e->indent--;
        emit(e, "}");
        blank(e);
    }
    free(reach);
    free(done);
}

/* In a reader's loop, where it flushed its sinks before waiting: all before `next` is out. */
static void emit_sink_flushes(emitter *e, const plan_thread *t, const char *indent)
{
    for (int i = 0; i < t->nsinks; i++)
        if (t->sinks[i]->endpoint == EP_NATS)
            emit(e, "%srgp_nats_sink_flush(&natss_%s, sink_w[%d]);   /* every publish acked */", indent, t->sinks[i]->name,
                 endpoint_index(e->p, t->sinks[i]));
}

void emit_nats_idle_done(emitter *e, const plan_thread *t)
{
    emit_sink_flushes(e, t, "    ");
    if (has_nats_source(e->p) && waited(t)) emit(e, "    rgp_drain_done(&done_%s, next);", t->cname);
}

/* At the end of a reader's batch, after its publishes and release. */
void emit_nats_batch_done(emitter *e, const plan_thread *t)
{
    if (!has_nats_source(e->p) || !waited(t)) return;
    if (!t->nsinks) {
        emit(e, "rgp_drain_done(&done_%s, end);   /* handed on: nothing of its own to write */", t->cname);
        return;
    }
    emit(e, "if (rgp_drain_wanted()) {   /* a nats source waits to ack: write out now */");
    for (int i = 0; i < t->nsinks; i++) emit(e, "    rgp_writer_flush(sink_w[%d]);", endpoint_index(e->p, t->sinks[i]));
    emit_sink_flushes(e, t, "    ");
    emit(e, "    rgp_drain_done(&done_%s, end);", t->cname);
    emit(e, "}");
}

/* ---- the parse thread ---------------------------------------------------- */

void emit_nats_next(emitter *e, const node *src)
{
    emit(e, "int rc = rgp_nats_source_next(&nats_%s, st, &text, &line);   /* one message, one record; line: its stream sequence */",
         src->name);
    if (src->format == FMT_CSV)
        emit(e, "if (rc == RGP_ROW_OK) rc = rgp_csv_frame(text, '%s', f, %d, &nf, &why);",
             src->delim == '\'' ? "\\'" : src->delim == '\\' ? "\\\\" : (char[]){src->delim, 0}, src->type->nfields + 1);
}

/* Inside `if (rc == RGP_ROW_NEED_INPUT) {`, after the publish: the batch is
 * acked once drained, then the next one is fetched, sized to the ring's room. */
void emit_nats_wait(emitter *e, const node *src)
{
    emit(e, "    /* the batch is all in the ring: the next is fetched while the readers drain it, then it is acked */");
    emit(e, "    rgp_nats_source_hold(&nats_%s);", src->name);
    emit(e, "    /* sized to the ring: the held batch is drained before this one is parsed, so all its slots are free then */");
    emit(e, "    rgp_nats_source_fetch(&nats_%s, rgp_disruptor_capacity(ring));", src->name);
    emit(e, "    if (rgp_nats_source_held(&nats_%s)) {", src->name);
    emit(e, "        rgp_fetch_add_u32(&rgp_drain_asked, 1);");
    emit(e, "        int drained = drain_%s(published);", src->name);
    emit(e, "        rgp_fetch_add_u32(&rgp_drain_asked, (uint32_t)-1);");
    emit(e, "        rgp_nats_source_ack(&nats_%s, drained);", src->name);
    emit(e, "        if (!drained) break;   /* the program failed: the server delivers the batch again */");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
}

/* ---- the sink: the record's subject, before the writer formats it; its publish after ---- */

void emit_nats_sink_before(emitter *e, const node *sink, const char *rec)
{
    if (sink->endpoint != EP_NATS) return;
    emit(e, "rgp_nats_subject_begin(&natss_%s);   /* \"%s\" */", sink->name, sink->nats.subject);
    for (int i = 0; i < sink->nats.npieces; i++) {
        const nats_piece *pc = &sink->nats.pieces[i];
        if (pc->text) {
            sbuf b = {0};
            c_string(&b, pc->text, pc->len);
            emit(e, "rgp_nats_subj_text(&natss_%s, %s, %zu);", sink->name, b.s, pc->len);
            free(b.s);
            continue;
        }
        const field *f = &sink->type->fields[pc->field];
        const char *fn = f->type == T_STR ? "str" : f->type == T_F64 ? "f64" : f->type == T_BOOL ? "bool" :
                         f->type == T_TIME || scalar_types[f->type].is_signed ? "i64" : "u64";
        emit(e, "rgp_nats_subj_%s(&natss_%s, %s%s->%s);", fn, sink->name, !strcmp(fn, "i64") ? "(int64_t)" : "", rec, f->name);
    }
}

void emit_nats_sink_after(emitter *e, const node *sink)
{
    if (sink->endpoint == EP_NATS) emit(e, "rgp_nats_sink_put(&natss_%s, sink_w[%d]);", sink->name, endpoint_index(e->p, sink));
}
