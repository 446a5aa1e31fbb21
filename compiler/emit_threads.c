/* Thread loops and rings: the parse thread of each source, the loop of each
 * reader of a ring with the stages and sinks downstream of it inlined, and
 * the code in main that makes the rings and starts the threads. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "emit_internal.h"

static const char *wait_const(wait_kind w)
{
    static const char *const names[] = {[WAIT_SPIN] = "RGP_WAIT_SPIN", [WAIT_YIELD] = "RGP_WAIT_YIELD",
                                        [WAIT_BLOCKING] = "RGP_WAIT_BLOCK", [WAIT_ADAPTIVE] = "RGP_WAIT_ADAPTIVE"};
    return names[w];
}

static bool has_ring_readers(const plan_ring *r);

/* ---- lanes: which input of a merge each record came through ----------------
 *
 * A merge's watermark is the least of its inputs' watermarks, so its readers
 * must tell the inputs apart: every record of a merged ring carries its lane
 * in lanes_RING (one entry per slot, written before the slot is published),
 * and an input that ends publishes a marker, its lane with RGP_LANE_END. A
 * thread with no window or group between its input ring and its outputs
 * passes the lanes on (a merge of a merge: the lanes of both add up); any
 * other thread is one lane of the rings it feeds. */

/* Whether thread t publishes into ring r. */
static bool thread_feeds(const plan *pl, const plan_thread *t, const plan_ring *r)
{
    (void)pl;
    for (int i = 0; i < t->nouts; i++)
        if (t->outs[i].ring == r) return true;
    return false;
}

/* Whether t reads the lanes of its input ring (a lossless reader of a merged ring). */
static bool reads_lanes(const plan *pl, const plan_thread *t)
{
    return t->kind == TH_RUN && t->policy == POLICY_BLOCK && !t->in->stream->ordered && ring_lanes(pl, t->in) > 1;
}

/* Whether t orders its input by event time: it reads a merge `on TIME` (its
 * records then leave in one order: one stream, one lane, to what follows). */
static bool orders_input(const plan_thread *t)
{
    return t->kind == TH_RUN && t->policy == POLICY_BLOCK && t->in->stream->ordered;
}

/* Whether a group or window lies on the way from t's ring to node n (n's own
 * operators included): records past one are its results, merged already. */
static bool flush_on_way(const plan_thread *t, const node *n)
{
    for (;;) {
        for (const ast_op *o = n->ops; o; o = o->next)
            if (o->kind == OP_GROUP || o->kind == OP_WINDOW) return true;
        for (int i = 0; i < t->nentries; i++) if (t->entries[i] == n) return false;
        const node *up = n->owner ? n->owner : n->input;
        if (!up) return false;
        n = up;
    }
}

/* Whether node n (run by t) hands its records into ring r: its own ring, or a merge's it is an input of. */
static bool delivers_into(const node *n, const plan_ring *r)
{
    if (n->kind == D_SINK) return false;
    if (n->ring) return n->ring == r;
    for (int k = 0; k < n->nreaders; k++) if (n->readers[k] == r->stream) return true;
    return false;
}

/* The lanes of ring r (which t feeds) that t's records take: its input's, when
 * it reads them and no group or window lies on the way; else one. (One call
 * of ring_lanes, so that merges nested deep cost time in proportion.) */
static int thread_lanes(const plan *pl, const plan_thread *t, const plan_ring *r)
{
    if (t->kind != TH_RUN || t->policy != POLICY_BLOCK || orders_input(t)) return 1;
    for (int i = 0; i < t->nnodes; i++)
        if (delivers_into(t->nodes[i], r) && flush_on_way(t, t->nodes[i])) return 1;
    return ring_lanes(pl, t->in);
}

static bool passes_lanes(const plan *pl, const plan_thread *t, const plan_ring *r)
{
    return thread_lanes(pl, t, r) > 1;
}

/* ring_lanes, counted once per ring while a program's threads are written
 * (emit_threads to the end of emit_thread_start): merges nested deep would
 * otherwise count their inputs over and over. */
static struct { const plan *pl; int *lanes; } lanes_memo;

static void lanes_memo_end(void);

static void lanes_memo_begin(const plan *pl)
{
    lanes_memo_end();   /* a program left half written, if any */
    lanes_memo.lanes = calloc((size_t)(pl->nrings ? pl->nrings : 1), sizeof *lanes_memo.lanes);
    lanes_memo.pl = lanes_memo.lanes ? pl : NULL;   /* without memory: counted each time, just slower */
}

static void lanes_memo_end(void)
{
    free(lanes_memo.lanes);
    lanes_memo.lanes = NULL;
    lanes_memo.pl = NULL;
}

int ring_lanes(const plan *pl, const plan_ring *r)
{
    int at = -1;
    for (int i = 0; lanes_memo.pl == pl && i < pl->nrings; i++)
        if (pl->rings[i] == r) at = i;
    if (at >= 0 && lanes_memo.lanes[at]) return lanes_memo.lanes[at];
    int n = 0;
    for (int i = 0; i < pl->nthreads; i++)
        if (thread_feeds(pl, pl->threads[i], r)) n += thread_lanes(pl, pl->threads[i], r);
    if (at >= 0) lanes_memo.lanes[at] = n;
    return n;
}

/* The first lane of r that thread t's records take. */
static int lane_offset(const plan *pl, const plan_ring *r, const plan_thread *t)
{
    int n = 0;
    for (int i = 0; i < pl->nthreads && pl->threads[i] != t; i++)
        if (thread_feeds(pl, pl->threads[i], r)) n += thread_lanes(pl, pl->threads[i], r);
    return n;
}

/* The event-time windows and throttles of a thread that see its input's
 * lanes: those before any group or window on the way from the thread's reader
 * (their records are merged already), late streams and route branches included.
 * Returns how many there are; the first max of them go into stages and ops. */
static int lane_ops(const plan *pl, const node *n, const node **stages, const ast_op **ops, int k, int max)
{
    if (n->kind != D_STAGE || n->ninputs) return k;
    for (int i = 0; n->is_route && i < n->nsides; i++)
        if (n->sides[i]->used) k = lane_ops(pl, n->sides[i], stages, ops, k, max);
    for (const ast_op *o = n->ops; o; o = o->next) {
        bool on_time = (o->kind == OP_WINDOW && o->wkind != W_COUNT) || o->kind == OP_THROTTLE;
        if (on_time && o->time_field) {
            if (k < max) stages[k] = n, ops[k] = o;
            k++;
        }
        if (o->kind == OP_WINDOW && o->late && o->late->used) k = lane_ops(pl, o->late, stages, ops, k, max);
        if (o->kind == OP_GROUP || o->kind == OP_WINDOW) return k;
    }
    for (int i = 0; !plan_ring_of(pl, n) && i < n->nreaders; i++) k = lane_ops(pl, n->readers[i], stages, ops, k, max);
    return k;
}

/* lane_ops over every reader thread t runs of its ring. */
static int thread_lane_ops(const plan *pl, const plan_thread *t, const node **stages, const ast_op **ops, int max)
{
    int k = 0;
    for (int i = 0; i < t->nentries; i++) k = lane_ops(pl, t->entries[i], stages, ops, k, max);
    return k;
}

/* The thread whose lanes operator o reads, or NULL. */
static const plan_thread *lane_thread_of(const plan *pl, const ast_op *o)
{
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (!reads_lanes(pl, t)) continue;
        int nw = thread_lane_ops(pl, t, NULL, NULL, 0);   /* counts them: no cap */
        const node **wst = malloc(sizeof *wst * (size_t)(nw ? nw : 1));
        const ast_op **wops = malloc(sizeof *wops * (size_t)(nw ? nw : 1));
        if (!wst || !wops) { fputs("rgp: out of memory\n", stderr); exit(2); }
        thread_lane_ops(pl, t, wst, wops, nw);
        bool found = false;
        for (int k = 0; k < nw; k++) found |= wops[k] == o;
        free(wst);
        free(wops);
        if (found) return t;
    }
    return NULL;
}

int op_lanes(const plan *pl, const ast_op *o)
{
    const plan_thread *t = lane_thread_of(pl, o);
    return t ? ring_lanes(pl, t->in) : 1;
}

/* The idle option of the source behind lane `lane` of ring r (0: none, or the
 * lane is a merged stream itself, windowed on the way). */
static long long lane_idle_ms(const plan *pl, const plan_ring *r, int lane)
{
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (!thread_feeds(pl, t, r)) continue;
        int n = thread_lanes(pl, t, r);
        if (lane >= n) {
            lane -= n;
            continue;
        }
        if (t->kind == TH_PARSE) return t->source->opt.idle_ms;
        if (passes_lanes(pl, t, r)) return lane_idle_ms(pl, t->in, lane);
        return ring_lanes(pl, t->in) == 1 ? lane_idle_ms(pl, t->in, 0) : 0;
    }
    return 0;
}

long long op_lane_idle_ms(const plan *pl, const ast_op *o, int lane)
{
    const plan_thread *t = lane_thread_of(pl, o);
    return t ? lane_idle_ms(pl, t->in, lane) : 0;
}

/* How many end markers ring r carries in all: each producer's own lanes at
 * its close, and for one that passes lanes on, every marker it reads. A
 * drop_oldest reader takes them out of its count of dropped records. */
static int ring_markers(const plan *pl, const plan_ring *r)
{
    if (ring_lanes(pl, r) < 2) return 0;
    int n = 0;
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (!thread_feeds(pl, t, r)) continue;
        n += thread_lanes(pl, t, r);
        if (passes_lanes(pl, t, r)) n += ring_markers(pl, t->in);
    }
    return n;
}

/* The C expression for the lane a record of this thread takes in ring r. */
static void lane_expr(const emitter *e, const plan_ring *r, char *out, size_t n)
{
    int off = lane_offset(e->pl, r, e->thread);
    if (passes_lanes(e->pl, e->thread, r)) snprintf(out, n, "%du + lane", off);
    else snprintf(out, n, "%du", off);
}

/* Publishes into merged ring r the marker that lane `lane` (a C expression) has ended. */
static void emit_lane_end(emitter *e, const plan_ring *r, const char *lane)
{
    if (r->nproducers == 1 && !has_ring_readers(r)) return;   /* only drop_newest buffers read it: they keep no lanes */
    emit(e, "{   /* an input of %s has ended: it no longer holds the merged watermark back */", r->name);
    e->indent++;
    if (r->nproducers > 1) {
        emit(e, "uint64_t seq = rgp_mp_claim(&prod_%s, 1);", r->name);
        emit(e, "lanes_%s[seq & %lluu] = RGP_LANE_END | (%s);   /* published by the release in rgp_mp_publish */", r->name,
             (unsigned long long)(r->slots - 1), lane);
        emit(e, "rgp_mp_publish(&ring_%s, seq, seq + 1);", r->name);
    } else {
        emit(e, "uint64_t seq;");
        emit(e, "if (rgp_sp_try_claim(&ring_%s, 1, &seq) != 0) {", r->name);
        emit(e, "    if (out_%s_pub != out_%s_next) rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next);", r->name, r->name,
             r->name, r->name, r->name);
        emit(e, "    seq = rgp_sp_claim(&ring_%s, 1);", r->name);
        emit(e, "}");
        emit(e, "lanes_%s[seq & %lluu] = RGP_LANE_END | (%s);   /* published by the release in rgp_sp_publish */", r->name,
             (unsigned long long)(r->slots - 1), lane);
        emit(e, "out_%s_next = seq + 1;", r->name);
    }
    e->indent--;
    emit(e, "}");
}

static bool has_ring_readers(const plan_ring *r)
{
    for (int k = 0; k < r->nconsumers; k++) if (r->consumers[k]->policy != POLICY_DROP_NEWEST) return true;
    return false;
}

static void emit_publish_pending(emitter *e, const plan_thread *t)
{
    for (int i = 0; i < t->nouts; i++) {
        const plan_ring *r = t->outs[i].ring;
        if (r->nproducers == 1 && has_ring_readers(r))
            emit(e, "if (out_%s_pub != out_%s_next) rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next);", r->name, r->name,
                 r->name, r->name, r->name);
    }
}

/* A ring with a drop_oldest reader: its slots' string buffers are kept while it lives. */
static bool ring_is_copied(const plan_ring *r)
{
    for (int k = 0; k < r->nconsumers; k++) if (r->consumers[k]->policy == POLICY_DROP_OLDEST) return true;
    return false;
}

/* put_T's last argument, when T has strings: whether the ring is copied from. */
static const char *copied_arg(const rectype *t, bool copied)
{
    return !t->has_str ? "" : copied ? ", 1" : ", 0";
}

static void emit_offer_relays(emitter *e, const plan *pl, const node *n, const char *rec)
{
    const plan_ring *r = plan_ring_of(pl, n);
    for (int k = 0; r && k < r->nconsumers; k++) {
        const plan_thread *t = r->consumers[k];
        if (t->policy != POLICY_DROP_NEWEST) continue;
        emit(e, "/* %s has its own buffer: a record that finds it full is dropped for it alone */", t->entry->name);
        emit(e, "if (rgp_sp_try_claim(&relay_%s.ring, 1, &seq) == 0) {", t->cname);
        emit(e, "    put_%s(rgp_disruptor_slot(&relay_%s.ring, seq), %s%s);", r->stream->type->cname, t->cname, rec,
             copied_arg(r->stream->type, false));
        emit(e, "    rgp_sp_publish(&relay_%s.ring, seq + 1);", t->cname);
        emit(e, "} else {");
        emit(e, "    rgp_relay_count_drop(&relay_%s);", t->cname);
        emit(e, "}");
    }
}

void emit_deliver(emitter *e, const plan *pl, const plan_ring *r, const char *rec)
{
    const char *T = r->stream->type->cname;
    char lane[64] = "";
    if (ring_lanes(pl, r) > 1) lane_expr(e, r, lane, sizeof lane);
    emit(e, "{");
    e->indent++;
    emit(e, "uint64_t seq;");
    if (r->nproducers > 1) {
        emit(e, "/* into the merge's ring, one of %d producers */", r->nproducers);
        emit(e, "seq = rgp_mp_claim(&prod_%s, 1);", r->name);
        emit(e, "put_%s(rgp_disruptor_slot(&ring_%s, seq), %s%s);", T, r->name, rec, copied_arg(r->stream->type, ring_is_copied(r)));
        if (*lane) emit(e, "lanes_%s[seq & %lluu] = %s;   /* the input it came through; published with the slot */", r->name,
                        (unsigned long long)(r->slots - 1), lane);
        emit(e, "rgp_mp_publish(&ring_%s, seq, seq + 1);", r->name);
    } else if (has_ring_readers(r)) {
        emit(e, "/* into ring %s; published once per batch */", r->name);
        emit(e, "if (rgp_sp_try_claim(&ring_%s, 1, &seq) != 0) {", r->name);
        emit(e, "    /* full: publish what is pending first, or its readers could never make room */");
        emit(e, "    if (out_%s_pub != out_%s_next) rgp_sp_publish(&ring_%s, out_%s_pub = out_%s_next);", r->name, r->name,
             r->name, r->name, r->name);
        emit(e, "    seq = rgp_sp_claim(&ring_%s, 1);", r->name);
        emit(e, "}");
        emit(e, "put_%s(rgp_disruptor_slot(&ring_%s, seq), %s%s);", T, r->name, rec, copied_arg(r->stream->type, ring_is_copied(r)));
        if (*lane) emit(e, "lanes_%s[seq & %lluu] = %s;   /* the input it came through; published with the slot */", r->name,
                        (unsigned long long)(r->slots - 1), lane);
        emit(e, "out_%s_next = seq + 1;", r->name);
    }
    emit_offer_relays(e, pl, r->stream, rec);
    e->indent--;
    emit(e, "}");
}

static void emit_output_state(emitter *e, const plan_thread *t)
{
    for (int i = 0; i < t->nouts; i++) {
        const plan_ring *r = t->outs[i].ring;
        if (r->nproducers > 1) {
            emit(e, "rgp_producer prod_%s;   /* this thread's claim cache for the merge's ring */", r->name);
            emit(e, "rgp_producer_init(&prod_%s, &ring_%s);", r->name, r->name);
        } else if (has_ring_readers(r)) {
            emit(e, "uint64_t out_%s_next = rgp_disruptor_first_seq(&ring_%s), out_%s_pub = out_%s_next;", r->name, r->name,
                 r->name, r->name);
        }
    }
}

static void emit_close_outputs(emitter *e, const plan_thread *t)
{
    emit_checkpoint_close(e, t);
    /* this thread's lanes of merged rings end (again, for lanes already passed on: harmless) */
    for (int i = 0; i < t->nouts; i++) {
        const plan_ring *r = t->outs[i].ring;
        if (ring_lanes(e->pl, r) < 2) continue;
        int off = lane_offset(e->pl, r, t);
        for (int k = 0; k < thread_lanes(e->pl, t, r); k++) {
            char lane[32];
            snprintf(lane, sizeof lane, "%du", off + k);
            emit_lane_end(e, r, lane);
        }
    }
    emit_publish_pending(e, t);
    for (int i = 0; i < t->nouts; i++)
        for (int k = 0; k < t->outs[i].feeds; k++)   /* a merge's ring ends when each of its inputs has closed it */
            emit(e, "rgp_disruptor_close(&ring_%s);", t->outs[i].ring->name);
    for (int i = 0; i < t->nrelays; i++) emit(e, "rgp_relay_close(&relay_%s);", t->relays[i]->cname);
}

/* The where-only stages a parse thread applies to the slot it has just filled:
 * a record that fails one is not published, and its slot is filled again. */
static void emit_filters_in_place(emitter *e, const plan_thread *t, const char *rec)
{
    emit(e, "rgp_scratch_reset(&scratch);");
    for (int i = 1; i < t->nnodes; i++) {
        const node *st = t->nodes[i];
        emit(e, "/* stage %s (%s:%u), applied before publishing */", st->name, e->p->file, st->loc.line);
        emit_metrics_received(e, st);
        for (const ast_op *o = st->ops; o; o = o->next) emit_user_expr(e, o->cond, rec, "if (!(", ")) continue;");
        line_to_c(e);
        emit_metrics_sent(e, st);
    }
    line_to_c(e);
}

static void emit_parse_thread(emitter *e, const plan_thread *t)
{
    const node *src = t->source;
    const rectype *r = src->type;
    const plan_ring *ring = t->outs[0].ring;   /* the source's, or its last in-place filter's */
    bool filters = t->nnodes > 1;
    uint64_t batch = ring->slots < RGP_BATCH ? ring->slots : RGP_BATCH;
    bool journal = src->endpoint == EP_JOURNAL;   /* framed records, not text */
    bool by_line = src->format != FMT_CSV && !journal;   /* lines, jsonl and syslog: one record per line */
    bool net = emit_is_net(src);   /* tcp or udp: frames (emit_net.c) */
    emit(e, "/* thread %s: reads source %s (%s:%u) and parses it into ring %s */", t->name, src->name, e->p->file,
         src->loc.line, ring->name);
    if (filters) emit(e, "/* (it %s) */", t->why);
    emit(e, "static void *thread_%s(void *arg)", t->cname);
    emit(e, "{");
    e->indent++;
    emit(e, "(void)arg;");
    emit(e, "rgp_disruptor *ring = &ring_%s;", ring->name);
    emit(e, "rgp_reader *in = &readers[%d];", endpoint_index(e->p, src));
    emit(e, "rgp_source_stats *st = &stats_%s;", src->name);
    if (journal) {
        emit(e, "rgp_journal_source *jin = &journal_%s;", src->name);
        emit(e, "const unsigned char *payload;");
        emit(e, "uint32_t payload_len;");
    } else if (!by_line) {
        emit(e, "rgp_reader_set_max_row(in, %lluu);   /* longer rows are rejected, one line each */",
             (unsigned long long)src->max_row);
        emit_csv_row_fields(e, src);
        emit(e, "int nf;");
        emit(e, "const char *why;");
    }
    emit(e, "uint64_t line, seq;");
    emit(e, "uint64_t next = rgp_disruptor_first_seq(ring), claim_end = next, published = next;");
    emit(e, "(void)seq;");
    if (by_line) emit(e, "rgp_str text;");
    if (net) emit_net_parse_locals(e, src);
    if (filters) {
        e->thread = t;
        emit(e, "rgp_scratch scratch = {0};   /* text that the filters' expressions make, per record */");
        emit_regex_thread_begin(e);
    }
    emit_checkpoint_source_locals(e);
    emit(e, "for (;;) {");
    e->indent++;
    /* before the row is read, not after it is counted: every row counted reaches the ring */
    emit(e, "if (next == claim_end && rgp_stopping()%s) break;   /* SIGINT, SIGTERM or a failed sink: stop reading, let the rest drain */",
         net ? emit_net_stop_guard(src) : "");
    emit_checkpoint_source_check(e, t, (unsigned long long)batch);
    const char *copied = copied_arg(r, ring_is_copied(ring));
    sbuf delim = {0};
    csv_delim_literal(&delim, src->delim);
    bool scans = emit_csv_scans(src);   /* most rows in one pass, the rest as below */
    if (scans) {
        emit(e, "slot_%s *slot;", r->cname);
        emit_csv_scan_call(e, src, delim.s, copied);
        e->indent++;
    }
    if (net)
        emit_net_next(e, src, (unsigned long long)batch);
    else if (journal)
        emit(e, "int rc = rgp_journal_source_next(RGP_PROGRAM, &endpoints[%d], jin, &payload, &payload_len, &line);",
             endpoint_index(e->p, src));
    else if (by_line)
        emit(e, "int rc = rgp_line_next(in, &text, &line);");
    else
        emit(e, "int rc = rgp_csv_next_row(in, %s, f, fcap, &nf, &line, &why);", delim.s);
    emit(e, "if (rc == RGP_ROW_NEED_INPUT) {");
    emit(e, "    /* the read may block (stdin): hand over what is parsed first */");
    emit(e, "    if (next != published) rgp_sp_publish(ring, published = next);");
    e->indent++;
    emit_metrics_publish(e, t);
    e->indent--;
    emit(e, "    if (rgp_stopping()) break;");
    if (journal) {
        emit(e, "    rgp_journal_source_wait();   /* following: wait for the writer's next records */");
        emit(e, "    continue;");
        emit(e, "}");
        emit(e, "if (rc == RGP_ROW_BAD) {   /* damage, reported: stop here */");
        emit(e, "    rgp_fail();");
        emit(e, "    break;");
        emit(e, "}");
    } else if (net) {
        emit_net_wait(e, src);
    } else if (src->follow) {
        emit_follow_wait(e, src);
    } else {
    emit(e, "    if (rgp_reader_fill(in) < 0) {");
    emit(e, "        if (errno == EINTR) continue;   /* a signal: the loop head sees whether to stop */");
    emit(e, "        fprintf(stderr, \"%%s: %%s: error: cannot read source '%%s': %%s: %%s\\n\", RGP_PROGRAM, endpoints[%d].where, st->name, st->display, strerror(errno));", endpoint_index(e->p, src));
    emit(e, "        rgp_fail();");
    emit(e, "        break;");
    emit(e, "    }");
    emit(e, "    continue;");
    emit(e, "}");
    }
    emit(e, "if (rc == RGP_ROW_EOF) {");
    emit(e, "    st->ended = 1;   /* read to the end: a stop after this cut nothing short */");
    emit(e, "    break;");
    emit(e, "}");
    if (src->format == FMT_JSONL) emit(e, "if (rgp_json_blank(text)) continue;   /* blank lines hold no object */");
    emit(e, "st->rows++;");
    if (!by_line && !journal) {
        emit(e, "if (rc == RGP_ROW_BAD) {");
        emit(e, "    rgp_reject(st, line, \"%%s\", why);");
        emit(e, "    continue;");
        emit(e, "}");
    }
    emit(e, "if (next == claim_end) {");
    emit(e, "    if (next != published) rgp_sp_publish(ring, published = next);");
    e->indent++;
    emit_metrics_publish(e, t);
    e->indent--;
    emit(e, "    next = rgp_sp_claim(ring, %llu);", (unsigned long long)batch);
    emit(e, "    claim_end = next + %llu;", (unsigned long long)batch);
    emit(e, "}");
    if (scans) emit(e, "slot = rgp_disruptor_slot(ring, next);");
    else emit(e, "slot_%s *slot = rgp_disruptor_slot(ring, next);", r->cname);
    if (src->format == FMT_LINES) {
        emit(e, "if (rgp_slot_strs_begin(&slot->strs, text.len%s) != 0) rgp_out_of_memory(RGP_PROGRAM);", copied);
        emit(e, "slot->rec.%s = rgp_slot_strs_keep(&slot->strs, text);", r->fields[0].name);
    } else if (src->format == FMT_JSONL) {
        emit(e, "if (parse_%s_jsonl(st, text, line, slot%s) != 0) continue;", r->name, copied);
    } else if (src->format == FMT_SYSLOG) {
        emit_syslog_parse_call(e, src, copied);
    } else if (journal) {
        emit(e, "if (parse_%s_journal(st, payload, payload_len, line, slot%s) != 0) continue;", r->name, copied);
    } else {
        emit_csv_parse_call(e, src, copied);
    }
    if (scans) {
        e->indent--;
        emit(e, "}");
    }
    free(delim.s);
    if (filters) emit_filters_in_place(e, t, "(&slot->rec)");
    if (t->nrelays) emit_offer_relays(e, e->pl, t->end, "&slot->rec");
    emit(e, "next++;");
    e->indent--;
    emit(e, "}");
    if (filters) {
        emit(e, "rgp_scratch_free(&scratch);");
        emit_regex_thread_end(e);
        e->thread = NULL;
    }
    emit(e, "if (next != published) rgp_sp_publish(ring, published = next);");
    emit_checkpoint_source_end(e, t, (unsigned long long)batch);
    emit_follow_end(e, src);
    emit(e, "rgp_disruptor_close(ring);");
    for (int i = 0; i < t->nrelays; i++) emit(e, "rgp_relay_close(&relay_%s);", t->relays[i]->cname);
    emit_metrics_source_end(e, t);
    emit(e, "rgp_source_done();");
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

/* After an input's watermark moved, ended or turned idle: a window closes
 * what the merged watermark passes, a throttle forgets the spans it passes. */
static void emit_lane_advance(emitter *e, const node *st, const ast_op *o, const char *now)
{
    if (o->kind == OP_THROTTLE) emit_throttle_advance(e, st, o, now);
    else emit_merged_advance(e, st, o, now);
}

/* What a reader of a merged ring keeps of the lanes: how many it reads (0: it
 * reads none), the windows that see them and which of those have idle inputs. */
typedef struct lanes {
    bool tagged;                /* its ring is merged (its slots may be end markers) */
    int n;
    const node **wst;           /* the nw windows and throttles that see the lanes */
    const ast_op **wops;
    bool *idle;
    int nw;
    bool any_idle;
} lanes;

static void lanes_free(lanes *ln)
{
    free(ln->wst);
    free(ln->wops);
    free(ln->idle);
}

static void find_lanes(const emitter *e, const plan_thread *t, lanes *ln)
{
    memset(ln, 0, sizeof *ln);
    ln->tagged = t->policy != POLICY_DROP_NEWEST && ring_lanes(e->pl, t->in) > 1;
    if (!reads_lanes(e->pl, t)) return;
    ln->n = ring_lanes(e->pl, t->in);
    ln->nw = thread_lane_ops(e->pl, t, NULL, NULL, 0);   /* counts them: no cap */
    ln->wst = malloc(sizeof *ln->wst * (size_t)(ln->nw ? ln->nw : 1));
    ln->wops = malloc(sizeof *ln->wops * (size_t)(ln->nw ? ln->nw : 1));
    ln->idle = calloc((size_t)(ln->nw ? ln->nw : 1), sizeof *ln->idle);
    if (!ln->wst || !ln->wops || !ln->idle) { fputs("rgp: out of memory\n", stderr); exit(2); }
    thread_lane_ops(e->pl, t, ln->wst, ln->wops, ln->nw);
    for (int i = 0; i < ln->nw; i++)
        for (int k = 0; k < ln->n; k++)
            if (op_lane_idle_ms(e->pl, ln->wops[i], k)) ln->idle[i] = ln->any_idle = true;
}

/* In the loop over slots: the slot's lane; an end marker ends it for every
 * window that reads the lanes (and for the merged rings this thread passes
 * them on to), and holds no record. */
static void emit_lane_read(emitter *e, const lanes *ln)
{
    const plan_ring *in = e->thread->in;
    emit(e, "uint32_t lane = lanes_%s[s & %lluu];   /* written before the slot's publish, read after the wait's acquire */",
         in->name, (unsigned long long)(in->slots - 1));
    emit(e, "if (lane & RGP_LANE_END) {");
    e->indent++;
    emit(e, "lane &= ~RGP_LANE_END;");
    emit(e, "rgp_scratch_reset(&scratch);");
    for (int i = 0; i < ln->nw; i++) {
        emit(e, "%s_lane_done[lane] = true;   /* stage %s: this input has ended */", table_name(ln->wst[i], ln->wops[i]),
             ln->wst[i]->name);
        emit_lane_advance(e, ln->wst[i], ln->wops[i], ln->idle[i] ? "now_ms" : "0");
    }
    for (int i = 0; i < e->thread->nouts; i++) {   /* passed on where the lanes are */
            const plan_ring *r = e->thread->outs[i].ring;
            if (!passes_lanes(e->pl, e->thread, r) || ring_lanes(e->pl, r) < 2) continue;
            char lane[64];
            lane_expr(e, r, lane, sizeof lane);
            emit_lane_end(e, r, lane);
        }
    emit(e, "continue;");
    e->indent--;
    emit(e, "}");
    for (int i = 0; i < ln->nw; i++)
        if (ln->idle[i]) emit(e, "%s_lane_seen[lane] = now_ms;", table_name(ln->wst[i], ln->wops[i]));
}

/* The loop over a batch's slots, each record through the readers as it is. */
static void emit_slots(emitter *e, const plan_thread *t, const lanes *ln)
{
    const plan_ring *in = t->in;
    const rectype *r = in->stream->type;
    bool lossy = t->policy == POLICY_DROP_OLDEST, relay = t->policy == POLICY_DROP_NEWEST;
    emit(e, "for (uint64_t s = next; s != end; s++) {");
    e->indent++;
    if (ln->tagged && !ln->n) {
        emit(e, "if (lanes_%s[s & %lluu] & RGP_LANE_END) {   /* an input's end: no record */", in->name,
             (unsigned long long)(in->slots - 1));
        emit(e, "    markers_%s++;", t->cname);
        emit(e, "    continue;");
        emit(e, "}");
    } else if (ln->n) {
        emit_lane_read(e, ln);
    }
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
        emit_join_prefetch(e, t, r);
    }
    if (lossy || relay) emit(e, "received++;");
    emit(e, "rgp_scratch_reset(&scratch);");
    for (int i = 0; i < t->nentries; i++) {
        if (t->nentries > 1) emit(e, "/* reader %d of %d of ring %s */", i + 1, t->nentries, in->name);
        emit_reader(e, t->entries[i], "in");
    }
    e->indent--;
    emit(e, "}");
}

/* The place in merge m's list of inputs of the one thread t's records come
 * through: a stream t runs, or else the ring it reads. */
static int merge_input_of(const plan_thread *t, const node *m)
{
    for (int i = 0; i < m->ninputs; i++)
        for (int k = 0; k < t->nnodes; k++)
            if (t->nodes[k] == m->inputs[i]) return i;
    for (int i = 0; i < m->ninputs; i++)
        if (t->kind == TH_RUN && t->in->stream == m->inputs[i]) return i;
    return m->ninputs;
}

/* For a reader of ordered merge ring r: each lane's rank, which the reorder
 * buffer breaks ties of time by. Lanes are numbered by the plan's threads;
 * ranks go by the merge's inputs as written (merge(a, b): a's records first),
 * then by lane. */
static void emit_order_ranks(emitter *e, const plan_thread *reader)
{
    const plan *pl = e->pl;
    const plan_ring *r = reader->in;
    int n = ring_lanes(pl, r);
    long long *key = malloc(sizeof *key * (size_t)n);
    if (!key) { fputs("rgp: out of memory\n", stderr); exit(2); }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (!thread_feeds(pl, t, r)) continue;
        int off = lane_offset(pl, r, t), rank = merge_input_of(t, r->stream);
        for (int k = 0; k < thread_lanes(pl, t, r); k++) key[off + k] = (long long)rank * n + off + k;
    }
    sbuf b = {0};
    for (int l = 0; l < n; l++) {
        int below = 0;
        for (int m = 0; m < n; m++) below += key[m] < key[l];
        sb(&b, "%s%du", l ? ", " : "", below);
    }
    emit(e, "static const uint32_t order_rank_%s[%d] = {%s};   /* per lane: its place in merge %s's order of inputs */", reader->cname,
         n, b.s, r->stream->name);
    free(b.s);
    free(key);
}

/* The loop over a batch's slots of a merge `on TIME`: each record is held in
 * the thread's reorder buffer (a copy: the slot goes back to the ring), each
 * end marker lets its input go, and every record whose turn has come runs
 * through the readers, in event-time order (runtime/order.h). */
static void emit_ordered_slots(emitter *e, const plan_thread *t)
{
    const plan_ring *in = t->in;
    const node *m = in->stream;
    const rectype *r = m->type;
    const char *ts = r->fields[m->order_field].name;
    emit(e, "for (uint64_t s = next; s != end; s++) {");
    e->indent++;
    emit(e, "uint32_t lane = lanes_%s[s & %lluu];   /* written before the slot's publish, read after the wait's acquire */", in->name,
         (unsigned long long)(in->slots - 1));
    emit(e, "if (lane & RGP_LANE_END) {");
    emit(e, "    rgp_order_end(&order_%s, order_rank_%s[lane & ~RGP_LANE_END]);   /* an input has ended: it holds nothing back */",
         t->cname, t->cname);
    emit(e, "} else {");
    e->indent++;
    emit(e, "const %s *arrived = &((const slot_%s *)rgp_disruptor_slot(ring, s))->rec;", r->cname, r->cname);
    emit(e, "lane = order_rank_%s[lane];", t->cname);
    emit(e, "if (rgp_order_admit(&order_%s, lane, arrived->%s)) {   /* else behind its input's lateness: counted */", t->cname, ts);
    emit(e, "    slot_%s *held = rgp_order_push(&order_%s, lane, arrived->%s);", r->cname, t->cname, ts);
    emit(e, "    if (!held) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "    put_%s(held, arrived%s);", r->cname, r->has_str ? ", 0" : "");
    emit(e, "}");
    e->indent--;
    emit(e, "}");
    emit(e, "for (const slot_%s *held; (held = rgp_order_next(&order_%s));) {   /* every record whose turn has come */", r->cname,
         t->cname);
    e->indent++;
    emit(e, "const %s *in = &held->rec;", r->cname);
    emit(e, "rgp_scratch_reset(&scratch);");
    for (int i = 0; i < t->nentries; i++) {
        if (t->nentries > 1) emit(e, "/* reader %d of %d of ring %s */", i + 1, t->nentries, in->name);
        emit_reader(e, t->entries[i], "in");
    }
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
}

/* The reorder buffer of a thread that reads a merge `on TIME`, made before its loop. */
static void emit_order_begin(emitter *e, const plan_thread *t)
{
    if (!orders_input(t)) return;
    const node *m = t->in->stream;
    emit(e, "/* merge %s on %s: records held until every live input has passed their time */", m->name,
         m->type->fields[m->order_field].name);
    emit(e, "if (rgp_order_init(&order_%s, %d, sizeof(slot_%s), %lld) != 0) rgp_out_of_memory(RGP_PROGRAM);", t->cname,
         ring_lanes(e->pl, t->in), m->type->cname, m->order_lateness_ms);
}

/* After its loop: every record has left (each input ended). */
static void emit_order_end(emitter *e, const plan_thread *t)
{
    if (!orders_input(t)) return;
    const rectype *r = t->in->stream->type;
    if (r->has_str) {
        emit(e, "for (size_t i = 0; i < order_%s.nslots; i++)", t->cname);
        emit(e, "    rgp__slot_strs_free(&((slot_%s *)rgp_order_slot(&order_%s, i))->strs);", r->cname, t->cname);
    }
    emit(e, "rgp_order_free(&order_%s);   /* its counts stay: main reads them after the join */", t->cname);
}

static void emit_run_thread(emitter *e, const plan_thread *t)
{
    e->thread = t;
    const plan_ring *in = t->in;
    const rectype *r = in->stream->type;
    bool lossy = t->policy == POLICY_DROP_OLDEST, relay = t->policy == POLICY_DROP_NEWEST;
    sbuf what = {0};
    for (int i = 0; i < t->nentries; i++)
        sb(&what, "%s%s %s", i == 0 ? "" : i + 1 < t->nentries ? ", " : " and ", node_word(t->entries[i]), t->entries[i]->name);
    emit(e, "/* thread %s: reads ring %s%s%s and runs %s and what follows %s", t->name, in->name,
         lossy || relay ? " with " : "", lossy || relay ? policy_names[t->policy] : "", what.s, t->nentries > 1 ? "them" : "it");
    emit(e, " * (why a thread: %s) */", t->why);
    free(what.s);
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
    emit_output_state(e, t);
    if (lossy) emit(e, "slot_%s copy;   /* drop_oldest reads copies: the producer does not wait for it */", r->cname);
    if (lossy && r->has_str) emit(e, "rgp_copybuf strbuf = {0};   /* the copy's long strings */");
    if (lossy || relay) emit(e, "uint64_t received = 0;");
    emit(e, "rgp_scratch scratch = {0};   /* text that expressions make, per record */");
    emit_regex_thread_begin(e);
    lanes ln;
    find_lanes(e, t, &ln);
    for (int i = 0; i < ln.nw; i++)
        if (ln.idle[i]) emit(e, "for (int k = 0; k < %d; k++) %s_lane_seen[k] = rgp_now_ms();   /* idle from now on, if nothing comes */",
                             ln.n, table_name(ln.wst[i], ln.wops[i]));
    emit_order_begin(e, t);
    emit(e, "uint64_t next = rgp_disruptor_first_seq(ring);");
    emit_checkpoint_run_locals(e);
    emit_join_thread(e, t, JOIN_DECLARE);
    emit(e, "for (;;) {");
    e->indent++;
    emit_join_thread(e, t, JOIN_LEAVE);
    if (t->nsinks || emit_follow_watch(e->p)) {
        emit(e, "if (rgp_consumer_poll(c, next) == next) {");
        emit(e, "    /* about to wait: let what is written so far reach its readers */");
        for (int i = 0; i < t->nsinks; i++) emit(e, "    rgp_writer_flush(sink_w[%d]);", endpoint_index(e->p, t->sinks[i]));
        emit_nats_idle_done(e, t);
        emit_follow_idle(e, t);
        emit(e, "}");
    }
    /* processing-time windows close on the clock, records or not: such a
     * reader waits no longer than until the next window is due */
    /* the groups and windows this thread runs: flushed at the end of input */
    int ng = t->nflushes;
    const plan_flush *g = t->flushes;
    bool *on_clock = calloc((size_t)ng + 1, sizeof *on_clock);
    if (!on_clock) { fputs("rgp: out of memory\n", stderr); exit(2); }
    int nt = 0;
    for (int i = 0; i < ng && !lossy; i++)
        nt += on_clock[i] = g[i].op->kind == OP_WINDOW && g[i].op->wkind != W_COUNT && !g[i].op->time_field;
    if (lossy) {
        emit(e, "uint64_t end = rgp_consumer_wait_lossy(c, &next, %d);", RGP_BATCH * 4);
        emit_join_thread(e, t, JOIN_ENTER);
    } else if (nt || ln.any_idle) {
        emit(e, "int64_t due = INT64_MAX;   /* the first processing-time window to close, or input to turn idle */");
        for (int i = 0; i < ng; i++) {
            if (!on_clock[i]) continue;
            const char *tn = table_name(g[i].stage, g[i].op);
            emit(e, "if (%s_next_close < due) due = %s_next_close;", tn, tn);
        }
        for (int i = 0; i < ln.nw; i++) {
            if (!ln.idle[i]) continue;
            const char *tn = table_name(ln.wst[i], ln.wops[i]);
            emit(e, "{ int64_t at = %s_idle_due(rgp_now_ms()); if (at < due) due = at; }", tn);
        }
        emit(e, "bool timed_out = false;");
        emit(e, "uint64_t end = due == INT64_MAX ? rgp_consumer_wait(c, next, %d)", RGP_BATCH * 4);
        emit(e, "    : rgp_consumer_wait_for(c, next, %d, due - rgp_now_ms() + 1, &timed_out);", RGP_BATCH * 4);
        emit_join_thread(e, t, JOIN_ENTER);
        emit(e, "if (timed_out) {");
        e->indent++;
        emit(e, "rgp_scratch_reset(&scratch);");
        for (int i = 0; i < ng; i++) {
            if (!on_clock[i]) continue;
            char tn[192];
            snprintf(tn, sizeof tn, "%s", table_name(g[i].stage, g[i].op));
            emit(e, "{   /* windows of stage %s due by the clock */", g[i].stage->name);
            e->indent++;
            emit(e, "int64_t ts = rgp_now_ms();");
            emit(e, "if (ts > %s_watermark) %s_watermark = ts;", tn, tn);
            emit(e, "if (%s_watermark >= %s_next_close) {", tn, tn);
            e->indent++;
            char wm[224];
            snprintf(wm, sizeof wm, "%s_watermark", tn);
            emit_window_close(e, g[i].stage, g[i].op, wm);
            e->indent--;
            emit(e, "}");
            e->indent--;
            emit(e, "}");
        }
        for (int i = 0; i < ln.nw; i++) {
            if (!ln.idle[i]) continue;
            emit(e, "/* stage %s: an input that turned idle no longer holds its watermark back */", ln.wst[i]->name);
            emit_lane_advance(e, ln.wst[i], ln.wops[i], "rgp_now_ms()");
        }
        emit_publish_pending(e, t);
        emit_metrics_publish(e, t);
        emit(e, "continue;");
        e->indent--;
        emit(e, "}");
    } else {
        emit(e, "uint64_t end = rgp_consumer_wait(c, next, %d);", RGP_BATCH * 4);
        emit_join_thread(e, t, JOIN_ENTER);
    }
    emit(e, "if (end == next) break;   /* closed and drained */");
    emit_checkpoint_batch(e, t);
    if (ln.any_idle) emit(e, "int64_t now_ms = rgp_now_ms();   /* when this batch came: its inputs are not idle */");
    if (orders_input(t)) emit_ordered_slots(e, t);
    else emit_slots(e, t, &ln);
    emit_publish_pending(e, t);
    for (int i = 0; i < t->nsinks; i++) {   /* once a batch: a write error is reported while it matters */
        int k = endpoint_index(e->p, t->sinks[i]);
        emit(e, "if (sink_w[%d]->failed) rgp_sink_failed(RGP_PROGRAM, &endpoints[%d], sink_w[%d]);", k, k, k);
    }
    emit_metrics_publish(e, t);
    emit_checkpoint_barrier(e, t);
    emit(e, "rgp_consumer_release(c, end);");
    emit_nats_batch_done(e, t);
    emit(e, "next = end;");
    e->indent--;
    emit(e, "}");
    emit_join_thread(e, t, JOIN_ENTER);   /* the groups and windows flushed below may join */
    if (ng && emit_checkpoints(e->p)) {
        emit(e, "%s{   /* the end of input, not a stop the final checkpoint saved */", emit_checkpoint_flush_guard(e));
        e->indent++;
    }
    for (int i = 0; i < ng; i++) {
        if (g[i].op->kind == OP_GROUP) {
            emit_group_flush(e, g[i].stage, g[i].op);
        } else {
            emit(e, "/* windows of stage %s still open at the end of input */", g[i].stage->name);
            emit_window_close(e, g[i].stage, g[i].op, "INT64_MAX");
        }
    }
    if (ng && emit_checkpoints(e->p)) {
        e->indent--;
        emit(e, "}");
    }
    emit_order_end(e, t);
    emit_close_outputs(e, t);
    emit_metrics_publish(e, t);
    lanes_free(&ln);
    free(on_clock);
    if (lossy && r->has_str) emit(e, "free(strbuf.p);");
    emit(e, "rgp_scratch_free(&scratch);");
    emit_regex_thread_end(e);
    if (lossy || relay) emit(e, "received_%s = received;", t->cname);
    emit_join_thread(e, t, JOIN_LEAVE);
    emit(e, "return NULL;");
    e->indent--;
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
    e->thread = NULL;
}

/* The i-th thread that runs merge m's operators (each input's thread runs
 * them before it publishes into m's ring), or NULL past the last. */
const plan_thread *merge_feeder(const plan *pl, const node *m, int i)
{
    for (int k = 0; k < pl->nthreads; k++) {
        const plan_thread *t = pl->threads[k];
        bool feeds = false;
        for (int j = 0; j < t->nouts; j++)
            if (t->outs[j].ring->stream == m && t->outs[j].ring->nproducers > 1) feeds = true;
        if (feeds && i-- == 0) return t;
    }
    return NULL;
}

/* A where's or select's counts of the records it saw and those parse_time
 * rejected: one pair, or in a merge one pair per input's thread, each in lines of its own. */
static void emit_fault_counters(emitter *e, const node *st, const ast_op *o)
{
    const char *what = o->kind == OP_WHERE ? "where" : "select";
    char seen[320], rejected[320];
    if (!st->ninputs) {
        fault_counter(st, o, NULL, "seen", seen, sizeof seen);
        fault_counter(st, o, NULL, "rejected", rejected, sizeof rejected);
        emit(e, "static uint64_t %s, %s;   /* %s of stage %s (%s:%u): records, and those parse_time rejected */", seen, rejected,
             what, st->name, e->p->file, o->loc.line);
        return;
    }
    for (int i = 0; merge_feeder(e->pl, st, i); i++) {
        const plan_thread *t = merge_feeder(e->pl, st, i);
        fault_counter(st, o, t, "seen", seen, sizeof seen);
        fault_counter(st, o, t, "rejected", rejected, sizeof rejected);
        emit(e, "static _Alignas(RGP_CACHE_LINE) uint64_t %s, %s;   /* %s of merge %s (%s:%u) on thread %s: records, and those parse_time rejected */",
             seen, rejected, what, st->name, e->p->file, o->loc.line, t->name);
    }
}

void emit_threads(emitter *e)
{
    const plan *pl = e->pl;
    lanes_memo_begin(pl);
    emit(e, "/* ---- rings ---- */");
    blank(e);
    for (int i = 0; i < pl->nrings; i++) emit(e, "static rgp_disruptor ring_%s;", pl->rings[i]->name);
    for (int i = 0; i < pl->nrings; i++)
        if (ring_lanes(pl, pl->rings[i]) > 1)
            emit(e, "static uint32_t *lanes_%s;   /* per slot: which of its %d lanes the record came through */", pl->rings[i]->name,
                 ring_lanes(pl, pl->rings[i]));
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN) continue;
        if (t->policy == POLICY_DROP_NEWEST) emit(e, "static rgp_relay relay_%s;   /* %s's own buffer */", t->cname, t->entry->name);
        emit(e, "static rgp_consumer *cons_%s;", t->cname);
        if (t->policy != POLICY_BLOCK) emit(e, "static uint64_t received_%s;   /* for the drop report */", t->cname);
        if (t->policy == POLICY_DROP_OLDEST && ring_lanes(pl, t->in) > 1)
            emit(e, "static uint64_t markers_%s;   /* end markers of the merge's inputs read: not records */", t->cname);
        if (orders_input(t)) {
            emit(e, "static rgp_order order_%s;   /* its reorder buffer: merge %s on %s */", t->cname, t->in->stream->name,
                 t->in->stream->type->fields[t->in->stream->order_field].name);
            emit_order_ranks(e, t);
        }
    }
    blank(e);
    emit_follow_drained(e);
    for (int i = 0; i < e->p->nstages; i++)
        for (const ast_op *o = e->p->stages[i]->ops; o; o = o->next) {
            if (!e->p->stages[i]->used) continue;
            if (o->kind >= OP_KEYED) emit_table(e, e->p->stages[i], o);
            if (o->kind == OP_LIMIT) emit_limit_state(e, e->p->stages[i], o);
            if (o->kind == OP_SORT) emit_sort_state(e, e->p->stages[i], o);
            if (o->kind == OP_JOIN) emit_join_state(e, e->p->stages[i], o);
            if (o->faults) emit_fault_counters(e, e->p->stages[i], o);
            if (o->kind != OP_SAMPLE) continue;
            const char *t = table_name(e->p->stages[i], o);
            emit(e, "/* sample of stage %s (%s:%u) */", e->p->stages[i]->name, e->p->file, o->loc.line);
            emit(e, "static uint64_t %s_n, %s_skipped;   /* records seen, and left out */", t, t);
            if (!o->sample_every) emit(e, "static uint64_t %s_rng = UINT64_C(%llu);   /* the seed */", t, o->seed);
            blank(e);
        }
    emit_metrics_globals(e);
    emit_nats_done_globals(e);
    emit_nats_drains(e);
    emit_checkpoint_globals(e);
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

/* ---- what did not reach a sink, reported at exit ---- */

/* The counters an event-time window keeps of the records it could not place. */
static const struct { const char *cause, *counter; } window_losses[] = {
    {"RGP_LOSS_LATE", "late"},
    {"RGP_LOSS_AHEAD", "ahead"},   /* only with `ahead N UNIT` */
};

/* One entry of the loss table: `n` and `of` are C expressions, `detail` too (or NULL). */
static void emit_loss(emitter *e, const node *who, const char *cause, const char *n, const char *of, const char *detail,
                      const ast_op *window)
{
    const char *sorted_by = window ? window->time_field->text : NULL;
    const char *sent_to = window && window->late && window->late->used ? window->late->name : NULL;
    emit(e, "    {\"%s\", \"%s\", %s, %s, %s, %s, %s%s%s, %s%s%s},", node_word(who), who->name, cause, n, of,
         detail ? detail : "NULL", sorted_by ? "\"" : "", sorted_by ? sorted_by : "NULL", sorted_by ? "\"" : "",
         sent_to ? "\"" : "", sent_to ? sent_to : "NULL", sent_to ? "\"" : "");
}

/* A where's or select's count `which` over every thread that runs it, as a C expression. */
static void fault_sum(emitter *e, const node *st, const ast_op *o, const char *which, sbuf *out)
{
    char c[320];
    if (!st->ninputs) {
        fault_counter(st, o, NULL, which, c, sizeof c);
        sb(out, "%s", c);
        return;
    }
    sb(out, "(0");
    for (int i = 0; merge_feeder(e->pl, st, i); i++) {
        fault_counter(st, o, merge_feeder(e->pl, st, i), which, c, sizeof c);
        sb(out, " + %s", c);
    }
    sb(out, ")");
}

/* The entries of a stage's operators that can hold records back, each given to fn. */
void emit_stage_losses(emitter *e, const node *st, loss_fn *emit_loss)
{
    for (const ast_op *o = st->ops; o; o = o->next) {
        char t[192], n[256], of[256], detail[256];
        snprintf(t, sizeof t, "%s", table_name(st, o));
        snprintf(of, sizeof of, "%s_in", t);
        if (o->kind == OP_WINDOW && o->wkind != W_COUNT && o->time_field) {
            for (size_t c = 0; c < sizeof window_losses / sizeof window_losses[0]; c++) {
                if (!strcmp(window_losses[c].counter, "ahead") && !o->ahead.ms) continue;
                snprintf(n, sizeof n, "%s_%s", t, window_losses[c].counter);
                emit_loss(e, st, window_losses[c].cause, n, of, NULL, o);
            }
        } else if (o->kind == OP_THROTTLE) {
            snprintf(n, sizeof n, "%s_held", t);
            snprintf(detail, sizeof detail, "\"%llu per %lld %s\"", o->limit, o->size.n, o->size.unit);
            emit_loss(e, st, "RGP_LOSS_THROTTLED", n, of, detail, NULL);
            if (keyed_by_span(e->pl, o)) {   /* over a merge: a record of a span already closed */
                snprintf(n, sizeof n, "%s_late", t);
                emit_loss(e, st, "RGP_LOSS_LATE", n, of, NULL, o);
            }
        } else if (o->kind == OP_JOIN && !o->left) {
            snprintf(n, sizeof n, "%s_unmatched", t);
            snprintf(detail, sizeof detail, "\"table '%s'; `or default` keeps them\"", o->word);
            emit_loss(e, st, "RGP_LOSS_UNMATCHED", n, of, detail, NULL);
        } else if (o->faults) {
            sbuf rejected = {0}, seen = {0};
            fault_sum(e, st, o, "rejected", &rejected);
            fault_sum(e, st, o, "seen", &seen);
            emit_loss(e, st, "RGP_LOSS_REJECTED", rejected.s, seen.s, "\"parse_time without a fallback\"", NULL);
            free(rejected.s), free(seen.s);
        } else if (o->kind == OP_SAMPLE) {
            snprintf(n, sizeof n, "%s_skipped", t);
            snprintf(of, sizeof of, "%s_n", t);
            if (o->sample_every) snprintf(detail, sizeof detail, "\"every %llu\"", o->limit);
            else snprintf(detail, sizeof detail, "\"%g, seed %llu\"", o->fraction, o->seed);
            emit_loss(e, st, "RGP_LOSS_SAMPLED", n, of, detail, NULL);
        }
    }
}

/* The records a drop_oldest or drop_newest reader lost, as a C expression. */
void thread_drops_expr(emitter *e, const plan_thread *t, char *n, size_t cap)
{
    int markers = t->policy == POLICY_DROP_OLDEST ? ring_markers(e->pl, t->in) : 0;
    if (markers)   /* the end markers it skipped are not records */
        snprintf(n, cap, "(rgp_consumer_dropped(cons_%s) - (%du - markers_%s))", t->cname, markers, t->cname);
    else
        snprintf(n, cap, "rgp_consumer_dropped(cons_%s)", t->cname);
}

/* After the threads are joined, before the rings go: one table of what every
 * source, stage and sink lost and why, printed as one summary once the sinks
 * are closed (emit_main). */
static void emit_losses(emitter *e)
{
    const plan *pl = e->pl;
    emit(e, "/* what did not reach a sink, and why: one summary at exit (rgp_report_losses) */");
    emit(e, "const rgp_loss losses[] = {");
    emit(e, "    /* kind, name, cause, lost, of, detail, time field, late stream */");
    char n[256], of[320], detail[256];
    for (int i = 0; i < e->p->nsources; i++) {
        const char *s = e->p->sources[i]->name;
        snprintf(n, sizeof n, "stats_%s.rejected", s);
        snprintf(of, sizeof of, "stats_%s.rows", s);
        snprintf(detail, sizeof detail, "stats_%s.display", s);
        emit_loss(e, e->p->sources[i], "RGP_LOSS_REJECTED", n, of, detail, NULL);
    }
    for (int i = 0; i < e->p->nstages; i++)
        if (e->p->stages[i]->used) emit_stage_losses(e, e->p->stages[i], emit_loss);
    for (int i = 0; i < pl->nrings; i++) {   /* a merge on TIME: its first reader's count (every reader sees the same) */
        const plan_ring *r = pl->rings[i];
        if (!r->stream->ordered || !r->nconsumers || !orders_input(r->consumers[0])) continue;
        const char *c = r->consumers[0]->cname;
        snprintf(n, sizeof n, "order_%s.unordered", c);
        snprintf(of, sizeof of, "order_%s.in", c);
        snprintf(detail, sizeof detail, "\"lateness: %lld ms\"", r->stream->order_lateness_ms);
        emit(e, "    {\"stage\", \"%s\", RGP_LOSS_UNORDERED, %s, %s, %s, \"%s\", NULL},", r->stream->name, n, of, detail,
             r->stream->type->fields[r->stream->order_field].name);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN || t->policy == POLICY_BLOCK) continue;
        thread_drops_expr(e, t, n, sizeof n);
        snprintf(of, sizeof of, "%s + received_%s", n, t->cname);
        snprintf(detail, sizeof detail, "\"%s(%llu)\"", policy_names[t->policy],
                 (unsigned long long)(t->limit ? t->limit : t->in->slots));
        emit_loss(e, t->entry, t->policy == POLICY_DROP_OLDEST ? "RGP_LOSS_DROPPED_OLDEST" : "RGP_LOSS_DROPPED_NEWEST", n,
                  of, detail, NULL);
    }
    emit(e, "};");
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
        if (ring_lanes(pl, r) > 1) {
            emit(e, "if (!(lanes_%s = calloc(%llu, sizeof *lanes_%s))) {", r->name, (unsigned long long)r->slots, r->name);
            emit(e, "    fprintf(stderr, \"%%s: error: cannot allocate ring %s: %%s\\n\", RGP_PROGRAM, strerror(errno));", r->name);
            emit(e, "    return 1;");
            emit(e, "}");
        }
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
    emit_checkpoint_start(e);
    emit(e, "pthread_t runners[%d], parsers[%d];", nrun ? nrun : 1, nparse ? nparse : 1);
    emit(e, "int nrunners = 0, nparsers = 0;");
    emit(e, "rgp_signals signals;");
    emit(e, "rgp_signals_block(%d);   /* before any thread starts, so all inherit it */", nparse);
    emit_progress_start(e);   /* before the sources: a message they print clears the line first */
    emit_tables_reload_start(e);
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
        emit(e, "else { rgp_fail(); rgp_disruptor_close(&ring_%s); rgp_source_done(); }", t->outs[0].ring->name);
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
    emit_metrics_start(e, nstats);
    emit(e, "/* readers end once every ring before them is closed and drained; the signal");
    emit(e, " * thread may knock on parsers until then, so they are joined after it */");
    emit(e, "for (int i = 0; i < nrunners; i++) pthread_join(runners[i], NULL);");
    emit(e, "int stopped = rgp_signals_stop(&signals);   /* 130 or 143 after a SIGINT or SIGTERM */");
    emit_tables_free(e);
    emit(e, "for (int i = 0; i < nparsers; i++) pthread_join(parsers[i], NULL);");
    emit_progress_stop(e);
    emit_checkpoint_finish(e);
    emit_metrics_stop(e);
    emit_losses(e);
    for (int i = 0; i < e->p->nstages; i++)
        for (const ast_op *o = e->p->stages[i]->ops; o; o = o->next)
            if (o->kind >= OP_KEYED && e->p->stages[i]->used) emit(e, "%s_free();", table_name(e->p->stages[i], o));
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        if (r->stream->type->has_str)
            emit(e, "rgp_free_slot_strs(&ring_%s, offsetof(slot_%s, strs));", r->name, r->stream->type->cname);
        emit(e, "rgp_disruptor_destroy(&ring_%s);", r->name);
        if (ring_lanes(pl, r) > 1) emit(e, "free(lanes_%s);", r->name);
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN || t->policy != POLICY_DROP_NEWEST) continue;
        if (t->in->stream->type->has_str)
            emit(e, "rgp_free_slot_strs(&relay_%s.ring, offsetof(slot_%s, strs));", t->cname, t->in->stream->type->cname);
        emit(e, "rgp_relay_destroy(&relay_%s);", t->cname);
    }
    lanes_memo_end();
}
