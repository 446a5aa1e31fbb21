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
    for (int i = 0; i < pl->prog->nstages; i++)
        if (pl->prog->stages[i]->owner == n && pl->prog->stages[i]->used) collect(pl, pl->prog->stages[i], o);
    const plan_ring *r = plan_ring_of(pl, n);
    if (r) {
        if (o->nrings < MAX_OUT) {
            o->multi[o->nrings] = r->nproducers > 1;
            o->rings[o->nrings++] = r;
        }
        add_relays(pl, n, o);
        return;
    }
    node *readers[2];
    if (plan_readers(pl, n, readers, 2) == 1) collect(pl, readers[0], o);
}

/* ---- delivering a record into a ring ------------------------------------------------ */

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

static void emit_deliver(emitter *e, const plan *pl, const plan_ring *r, const char *rec)
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

/* ---- what a reader runs: stages, sinks, and the hand-off to the next ring ------------ */

static void emit_reader(emitter *e, const node *n, const char *rec);

/* What the C calls an operator's table and its value, and what comments call it. */
static const struct { const char *prefix, *value, *what; } op_tables[] = {
    [OP_SAMPLE] = {"sample", "", "sample"},
    [OP_KEYED] = {"keyed", "", "keyed state"},
    [OP_DELTA] = {"delta", "value", "delta"},
    [OP_GROUP] = {"group", "aggs", "group"},
    [OP_DEDUP] = {"dedup", "last", "dedup"},
    [OP_WINDOW] = {"window", "win", "windows"},
    [OP_THROTTLE] = {"throttle", "span", "throttle"},
};

/* The name of an operator's table (or counters): keyed_STAGE_N, group_STAGE_N, ...,
 * N its place in the stage. */
static const char *table_name(const node *st, const ast_op *op)
{
    static char name[192];
    int k = 0;
    for (const ast_op *o = st->ops; o && o != op; o = o->next) k++;
    snprintf(name, sizeof name, "%s_%s_%d", op_tables[op->kind].prefix, st->name, k);
    return name;
}

/* The C type of an entry's value in an operator's table. */
static const char *value_type(const node *st, const ast_op *o)
{
    static char value[224];
    if (o->kind == OP_KEYED) snprintf(value, sizeof value, "%s", o->state_type->cname);
    else snprintf(value, sizeof value, "%s_%s", table_name(st, o), op_tables[o->kind].value);
    return value;
}

/* Tumbling and sliding windows keep an entry per key and window start. */
static bool keyed_by_start(const ast_op *o)
{
    return o->kind == OP_WINDOW && (o->wkind == W_TUMBLING || o->wkind == W_SLIDING);
}

/* `{rec->a, rec->b}`: the key of record `cur` for a keyed or group operator
 * (a window's also holds the window's start, `ws`). */
static void key_init(sbuf *b, const ast_op *o, const char *cur)
{
    sb(b, "{");
    for (const ast_arg *g = o->keys; g; g = g->next) sb(b, "%s%s->%s", g == o->keys ? "" : ", ", cur, g->value->text);
    if (keyed_by_start(o)) sb(b, "%sws", o->keys ? ", " : "");
    else if (!o->keys) sb(b, "0");   /* group without by: one key for everything */
    sb(b, "}");
}

/* Opens a block that finds record cur's entry in the operator's table: `fresh`
 * says the key is new, and `var` points at the entry's value (the key's state,
 * aggregates or last values). The caller closes the block. */
static void emit_lookup(emitter *e, const node *st, const ast_op *o, const char *cur, const char *var)
{
    char t[192], value[224];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    snprintf(value, sizeof value, "%s", value_type(st, o));
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    sbuf key = {0};
    key_init(&key, o, cur);
    emit(e, "%s_key key = %s;", t, key.s);
    free(key.s);
    emit(e, "bool fresh;");
    emit(e, "%s_entry *entry = %s_lookup(&key, &fresh);", t, t);
    emit(e, "%s *%s = &entry->value;", value, var);
}

static const char *agg_ctype(const ast_op *o, int i)
{
    const ast_item *it = o->items;
    while (i--) it = it->next;
    return ctype(it->value->type);
}

static void emit_ops(emitter *e, const node *st, const ast_op *o, const char *cur);
static void emit_stage(emitter *e, const node *st, const char *rec);
static bool aggs_own_memory(const ast_op *o);
static void emit_route(emitter *e, const node *st, const char *cur);

/* select and emit: a record of type `out` made from items over `cur`, then
 * the operators from `next` on applied to it. */
static void emit_record_then(emitter *e, const node *st, const ast_item *items, const rectype *out, srcloc at,
                             const char *cur, const ast_op *next)
{
    int k = ++e->tmp;
    line_to_rgp(e, at);
    emit(e, "{");
    e->indent++;
    emit(e, "%s v%d;", out->cname, k);
    const ast_item *it = items;
    for (int i = 0; it; it = it->next, i++) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "v%d.%s = ", k, out->fields[i].name);
        emit_user_expr(e, it->value, cur, prefix, ";");
    }
    char next_cur[32];
    snprintf(next_cur, sizeof next_cur, "(&v%d)", k);
    emit_ops(e, st, next, next_cur);
    e->indent--;
    emit(e, "}");
}

/* A keyed block's statements. `cur` is the record; `s` the key's state. */
static void emit_stmts(emitter *e, const node *st, const ast_op *o, const ast_stmt *list, const char *cur)
{
    for (const ast_stmt *x = list; x; x = x->next) {
        char prefix[192];
        switch (x->kind) {
        case S_IF:
            emit_user_expr(e, x->value, cur, "if (", ") {");
            e->indent++;
            emit_stmts(e, st, o, x->then, cur);
            e->indent--;
            if (x->otherwise) {
                emit(e, "} else {");
                e->indent++;
                emit_stmts(e, st, o, x->otherwise, cur);
                e->indent--;
            }
            emit(e, "}");
            break;
        case S_LET:
            snprintf(prefix, sizeof prefix, "%s l%d_%s = ", ctype(x->value->type), x->slot, x->name);
            emit_user_expr(e, x->value, cur, prefix, ";");
            break;
        case S_ASSIGN:
            if (x->is_local) snprintf(prefix, sizeof prefix, "l%d_%s = ", x->slot, x->name);
            else if (x->value->type == T_STR) snprintf(prefix, sizeof prefix, "rgp_str_keep_copy(&s->%s, ", x->name);
            else snprintf(prefix, sizeof prefix, "s->%s = ", x->name);
            /* a state string keeps its own copy: the text it came from is the record's or the scratch's */
            emit_user_expr(e, x->value, cur, prefix, !x->is_local && x->value->type == T_STR ? ");" : ";");
            break;
        case S_EMIT:
            emit_record_then(e, st, x->items, o->out, x->loc, cur, o->next);
            break;
        }
    }
}

/* A group operator, for each record: find the key's entry and fold the record
 * into its aggregates. Nothing goes on: the group's records leave at the end
 * of input (emit_group_flush). */
static void emit_group_fold(emitter *e, const ast_op *o, const char *cur);

static void emit_group_update(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    emit_lookup(e, st, o, cur, "g");
    emit_group_fold(e, o, cur);
    e->indent--;
    emit(e, "}");
}

/* Folds record cur into the aggregates at g; `fresh` says g holds nothing yet. */
static void emit_group_fold(emitter *e, const ast_op *o, const char *cur)
{
    int i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++) {
        const ast_expr *call = it->value;
        int id = call->u.call.builtin;
        if (aggregates[id].arity == 0) {
            emit(e, "g->a%d_n++;   /* %s: count() */", i, it->name);
            continue;
        }
        const ast_expr *arg = call->u.call.args->value;
        type_id at = arg->type;
        char prefix[96];
        snprintf(prefix, sizeof prefix, "%s x%d = ", ctype(at), i);
        emit_user_expr(e, arg, cur, prefix, ";");
        switch ((aggregate_id)id) {
        case A_sum:
            if (at == T_F64) emit(e, "g->a%d_v = fresh ? x%d : g->a%d_v + x%d;   /* %s: sum */", i, i, i, i, it->name);
            else if (scalar_types[at].is_signed) emit(e, "g->a%d_v = fresh ? x%d : rgp_add_i64(g->a%d_v, x%d);   /* %s: sum, wrapping */", i, i, i, i, it->name);
            else emit(e, "g->a%d_v = fresh ? x%d : g->a%d_v + x%d;   /* %s: sum, wrapping */", i, i, i, i, it->name);
            break;
        case A_avg:
            emit(e, "g->a%d_sum += (double)x%d;   /* %s: avg */", i, i, it->name);
            emit(e, "g->a%d_n++;", i);
            break;
        case A_min: case A_max:
            if (at == T_F64 || type_is_int(at))
                emit(e, "g->a%d_v = fresh ? x%d : rgp_%s_%s(g->a%d_v, x%d);   /* %s */", i, i, aggregates[id].name,
                     helper_suffix(at), i, i, it->name);
            else
                emit(e, "if (fresh || x%d %s g->a%d_v) g->a%d_v = x%d;   /* %s */", i, id == A_min ? "<" : ">", i, i, i, it->name);
            break;
        case A_first:
            emit(e, "if (fresh) g->a%d_v = x%d;   /* %s: first */", i, i, it->name);
            break;
        case A_last:
            emit(e, "g->a%d_v = x%d;   /* %s: last */", i, i, it->name);
            break;
        case A_p50: case A_p90: case A_p95: case A_p99: case A_p999:
            emit(e, "rgp_qsketch_add(&g->a%d_q, (double)x%d);   /* %s: %s, from a sketch */", i, i, it->name, aggregates[id].name);
            break;
        case A_var: case A_stddev:
            emit(e, "{   /* %s: Welford's running mean and sum of squared deviations */", it->name);
            emit(e, "    double d = (double)x%d - g->a%d_mean;", i, i);
            emit(e, "    g->a%d_n++;", i);
            emit(e, "    g->a%d_mean += d / (double)g->a%d_n;", i, i);
            emit(e, "    g->a%d_m2 += d * ((double)x%d - g->a%d_mean);", i, i, i);
            emit(e, "}");
            break;
        case A_count: case A_COUNT:
            break;
        }
    }
}

/* `out`, the record of a finished group or window: its key fields (from `en`),
 * then `extra` fields the caller sets (a window's bounds), then the aggregates
 * at g. */
static void emit_group_out(emitter *e, const ast_op *o, int extra)
{
    emit(e, "%s out;", o->out->cname);
    int f = 0;
    for (const ast_arg *g = o->keys; g; g = g->next, f++) emit(e, "out.%s = en->key.%s;", o->out->fields[f].name, g->value->text);
    f += extra;
    int i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++, f++) {
        const char *name = o->out->fields[f].name;
        switch ((aggregate_id)it->value->u.call.builtin) {
        case A_count: emit(e, "out.%s = g->a%d_n;", name, i); break;
        case A_avg: emit(e, "out.%s = g->a%d_sum / (double)g->a%d_n;", name, i, i); break;
        case A_var: emit(e, "out.%s = g->a%d_n > 1 ? g->a%d_m2 / (double)(g->a%d_n - 1) : 0.0;   /* sample variance */", name, i, i, i); break;
        case A_p50: case A_p90: case A_p95: case A_p99: case A_p999:
            emit(e, "out.%s = rgp_qsketch_quantile(&g->a%d_q, %g);   /* within 1%% of the exact value */", name, i, aggregates[it->value->u.call.builtin].q);
            break;
        case A_stddev: emit(e, "out.%s = g->a%d_n > 1 ? rgp_sqrt(g->a%d_m2 / (double)(g->a%d_n - 1)) : 0.0;", name, i, i, i); break;
        default: emit(e, "out.%s = g->a%d_v;", name, i); break;
        }
    }
}

/* At the end of input: one record per key, in the order keys first came, sent
 * on through the rest of the stage. */
static void emit_group_flush(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "/* group of stage %s (%s:%u): its records, now that the input has ended */", st->name, e->p->file, o->loc.line);
    emit(e, "for (size_t i = 0; i < %s_len; i++) {", t);
    e->indent++;
    emit(e, "rgp_scratch_reset(&scratch);");
    emit(e, "const %s_entry *en = &%s_entries[i];", t, t);
    emit(e, "const %s_aggs *g = &en->value;", t);
    emit_group_out(e, o, 0);
    emit_ops(e, st, o->next, "(&out)");
    e->indent--;
    emit(e, "}");
}

/* The record of a closing window (entry en, aggregates g), sent on through the
 * rest of the stage: keys, bounds (not for count windows), aggregates. */
static void emit_window_out(emitter *e, const node *st, const ast_op *o)
{
    emit_group_out(e, o, o->wkind == W_COUNT ? 0 : 2);
    int nkeys = 0;
    for (const ast_arg *g = o->keys; g; g = g->next) nkeys++;
    if (o->wkind != W_COUNT) {
        emit(e, "out.%s = en->value.start;", o->out->fields[nkeys].name);
        if (o->wkind == W_SESSION)
            emit(e, "out.%s = rgp_time_add(en->value.last, INT64_C(%lld));   /* a session ends a gap after its last record */",
                 o->out->fields[nkeys + 1].name, o->size.ms);
        else
            emit(e, "out.%s = rgp_time_add(en->value.start, INT64_C(%lld));", o->out->fields[nkeys + 1].name, o->size.ms);
    }
    emit_ops(e, st, o->next, "(&out)");
}

/* Closes the windows due by `upto` (a C expression), sending their records on. */
static void emit_window_close(emitter *e, const node *st, const ast_op *o, const char *upto)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "for (size_t w = 0, due = %s_due(%s); w < due; w++) {", t, upto);
    e->indent++;
    emit(e, "const %s_entry *en = &%s_entries[%s_due_at[w]];", t, t, t);
    emit(e, "const %s_aggs *g = &en->value.g;", t);
    emit_window_out(e, st, o);
    e->indent--;
    emit(e, "}");
    if (keyed_by_start(o)) emit(e, "%s_compact();   /* the closed windows' entries go */", t);
}

/* The event time of record cur for a window or throttle, or the clock's. */
static void emit_event_time(emitter *e, const ast_op *o, const char *cur, const char *watermark)
{
    if (o->time_field) {
        emit(e, "int64_t ts = %s->%s;", cur, o->time_field->text);
    } else if (watermark) {
        emit(e, "int64_t ts = rgp_now_ms();   /* processing time */");
        emit(e, "if (ts < %s) ts = %s;   /* the clock stepped back: time does not */", watermark, watermark);
    } else {
        emit(e, "int64_t ts = rgp_now_ms();   /* processing time */");
    }
}

/* A record that came after its window closed: counted, and sent to the late stream if any. */
static void emit_late(emitter *e, const ast_op *o, const char *t, const char *cur)
{
    emit(e, "%s_late++;   /* its window has closed */", t);
    if (o->late && o->late->used) emit_stage(e, o->late, cur);
}

/* The aggregates of window `win` take record cur (fresh: they were empty). */
static void emit_window_fold(emitter *e, const ast_op *o, const char *t, const char *cur)
{
    emit(e, "%s_aggs *g = &win->g;", t);
    emit_group_fold(e, o, cur);
}

/* A window operator, for each record: move the watermark (closing the windows
 * it passes), then fold the record into the windows it falls in, or count it
 * late when they have all closed. */
static void emit_window_update(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    if (o->wkind != W_COUNT) {
        char wm[224];
        snprintf(wm, sizeof wm, "%s_watermark", t);
        emit_event_time(e, o, cur, wm);
        emit(e, "if (ts > %s_watermark) {", t);
        e->indent++;
        emit(e, "%s_watermark = ts;", t);
        emit(e, "if (ts >= %s_next_close) {", t);
        e->indent++;
        emit_window_close(e, st, o, "ts");
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
    }
    long long closes = o->size.ms + o->lateness_ms;
    switch (o->wkind) {
    case W_TUMBLING: case W_SLIDING:
        emit(e, "bool taken = false;");
        emit(e, "/* the windows [ws, ws + %lld ms) that hold ts, newest first */", o->size.ms);
        emit(e, "for (int64_t ws = rgp_time_trunc(ts, INT64_C(%lld)); ws > rgp_time_sub(ts, INT64_C(%lld)); ws -= INT64_C(%lld)) {",
             o->slide_ms, o->size.ms, o->slide_ms);
        e->indent++;
        emit(e, "if (rgp_time_add(ws, INT64_C(%lld)) <= %s_watermark) break;   /* closed, and so are the older ones */", closes, t);
        emit(e, "taken = true;");
        emit_lookup(e, st, o, cur, "win");
        emit(e, "if (fresh) {");
        emit(e, "    win->open = true;");
        emit(e, "    win->start = ws;");
        emit(e, "    if (rgp_time_add(ws, INT64_C(%lld)) < %s_next_close) %s_next_close = rgp_time_add(ws, INT64_C(%lld));", closes, t, t, closes);
        emit(e, "}");
        emit_window_fold(e, o, t, cur);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        emit(e, "if (!taken) {");
        e->indent++;
        emit_late(e, o, t, cur);
        e->indent--;
        emit(e, "}");
        break;
    case W_SESSION:
        emit_lookup(e, st, o, cur, "win");
        emit(e, "if (win->open && ts >= rgp_time_add(win->last, INT64_C(%lld))) {", o->size.ms);
        e->indent++;
        emit(e, "/* past the gap: the key's session is over, and a new one begins */");
        emit(e, "win->open = false;");
        emit(e, "const %s_entry *en = entry;", t);
        emit(e, "const %s_aggs *g = &win->g;", t);
        emit_window_out(e, st, o);
        e->indent--;
        emit(e, "}");
        emit(e, "if (win->open ? ts <= rgp_time_sub(win->start, INT64_C(%lld)) : rgp_time_add(ts, INT64_C(%lld)) <= %s_watermark) {",
             o->size.ms, closes, t);
        e->indent++;
        emit(e, "/* before the key's session by more than the gap, or in a session that has closed */");
        emit_late(e, o, t, cur);
        e->indent--;
        emit(e, "} else {");
        e->indent++;
        emit(e, "if (!win->open) {");
        emit(e, "    win->open = true;");
        emit(e, "    win->start = win->last = ts;");
        if (aggs_own_memory(o)) emit(e, "    %s_aggs_free(&win->g);   /* the last session's sketches */", t);
        emit(e, "    memset(&win->g, 0, sizeof win->g);");
        emit(e, "    fresh = true;");
        emit(e, "} else {");
        emit(e, "    fresh = false;");
        emit(e, "    if (ts < win->start) win->start = ts;");
        emit(e, "    if (ts > win->last) win->last = ts;");
        emit(e, "}");
        emit(e, "if (rgp_time_add(win->last, INT64_C(%lld)) < %s_next_close) %s_next_close = rgp_time_add(win->last, INT64_C(%lld));",
             closes, t, t, closes);
        emit_window_fold(e, o, t, cur);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        break;
    case W_COUNT:
        emit_lookup(e, st, o, cur, "win");
        emit(e, "if (!win->open) {   /* the key's next window */");
        emit(e, "    win->open = true;");
        emit(e, "    win->n = 0;");
        if (aggs_own_memory(o)) emit(e, "    %s_aggs_free(&win->g);   /* the last window's sketches */", t);
        emit(e, "    memset(&win->g, 0, sizeof win->g);");
        emit(e, "    fresh = true;");
        emit(e, "}");
        emit_window_fold(e, o, t, cur);
        emit(e, "if (++win->n == UINT64_C(%lld)) {   /* full */", o->size.n);
        e->indent++;
        emit(e, "win->open = false;");
        emit(e, "const %s_entry *en = entry;", t);
        emit(e, "const %s_aggs *g = &win->g;", t);
        emit_window_out(e, st, o);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        break;
    }
    e->indent--;
    emit(e, "}");
}

/* The operators a thread must finish at the end of input (groups and windows),
 * upstream first: down the stages it runs, into route branches and late streams. */
static int thread_groups(const plan *pl, const node *n, const node **stages, const ast_op **ops, int k, int max)
{
    if (n->kind != D_STAGE || n->ninputs) return k;
    for (const ast_op *o = n->ops; o; o = o->next)
        if ((o->kind == OP_GROUP || o->kind == OP_WINDOW) && k < max) stages[k] = n, ops[k++] = o;
    const program *p = pl->prog;
    for (int i = 0; i < p->nstages; i++)
        if (p->stages[i]->owner == n && p->stages[i]->used) k = thread_groups(pl, p->stages[i], stages, ops, k, max);
    node *readers[2];
    if (!plan_ring_of(pl, n) && plan_readers(pl, n, readers, 2) == 1) k = thread_groups(pl, readers[0], stages, ops, k, max);
    return k;
}

/* The operators of a stage from o on, applied to record `cur`; after the last,
 * the record goes to the stage's ring or straight on to its one reader. */
static void emit_ops(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    if (!o) {
        line_to_c(e);
        const plan_ring *r = plan_ring_of(e->pl, st);
        if (st->is_route) {
            emit_route(e, st, cur);
        } else if (r) {
            emit_deliver(e, e->pl, r, cur);
        } else {
            node *readers[2];
            if (plan_readers(e->pl, st, readers, 2) == 1) emit_reader(e, readers[0], cur);
        }
        return;
    }
    switch (o->kind) {
    case OP_WHERE:
        emit_user_expr(e, o->cond, cur, "if (", ") {");
        e->indent++;
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "}");
        break;
    case OP_SELECT:
        emit_record_then(e, st, o->items, o->out, o->loc, cur, o->next);
        break;
    case OP_KEYED: case OP_DELTA: {
        bool delta = o->kind == OP_DELTA;
        emit_lookup(e, st, o, cur, delta ? "d" : "s");
        if (delta && o->state) emit(e, "%s *s = &d->s;", o->state_type->cname);
        if (o->state) {
            emit(e, "if (fresh) {   /* a new key: its state starts from the declared values */");
            e->indent++;
            for (const ast_field *f = o->state; f; f = f->next) {
                sbuf v = {0};
                expr_c(&v, f->init, cur);
                if (f->init->type == T_STR) emit(e, "rgp_str_keep_copy(&s->%s, %s);", f->name, v.s);
                else emit(e, "s->%s = %s;", f->name, v.s);
                free(v.s);
            }
            e->indent--;
            emit(e, "}");
        }
        emit_stmts(e, st, o, o->body, cur);
        if (delta) {
            emit(e, "/* this record is the key's previous one for the next */");
            for (int i = 0; i < o->in->nfields; i++) {
                const char *f = o->in->fields[i].name;
                if (o->in->fields[i].type == T_STR) emit(e, "rgp_str_keep_copy(&d->prev.%s, %s->%s);", f, cur, f);
                else emit(e, "d->prev.%s = %s->%s;", f, cur, f);
            }
            emit(e, "d->has_prev = true;");
        }
        e->indent--;
        emit(e, "}");
        break;
    }
    case OP_THROTTLE: {
        char t[192];
        snprintf(t, sizeof t, "%s", table_name(st, o));
        line_to_rgp(e, o->loc);
        emit(e, "{");
        e->indent++;
        emit_event_time(e, o, cur, NULL);
        emit(e, "int64_t span = rgp_time_trunc(ts, INT64_C(%lld));", o->size.ms);
        emit_lookup(e, st, o, cur, "sp");
        emit(e, "if (fresh || span > sp->start) {   /* the key's next span */");
        emit(e, "    sp->start = span;");
        emit(e, "    sp->n = 0;");
        emit(e, "}");
        emit(e, "if (sp->n < UINT64_C(%llu)) {", o->limit);
        e->indent++;
        emit(e, "sp->n++;");
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "} else {");
        emit(e, "    %s_held++;   /* over the limit: held back */", t);
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        break;
    }
    case OP_SAMPLE: {
        char t[192];
        snprintf(t, sizeof t, "%s", table_name(st, o));
        line_to_rgp(e, o->loc);
        if (o->sample_every)
            emit(e, "if (%s_n++ %% UINT64_C(%llu) == 0) {   /* every %lluth record, from the first */", t, o->limit, o->limit);
        else
            emit(e, "if ((rgp_splitmix64(&%s_rng) >> 11) < UINT64_C(%llu)) {   /* a coin that lands %.17g of the time */", t,
                 (unsigned long long)(o->fraction * 9007199254740992.0), o->fraction);
        e->indent++;
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "}");
        break;
    }
    case OP_GROUP:
        emit_group_update(e, st, o, cur);
        break;
    case OP_WINDOW:
        emit_window_update(e, st, o, cur);
        break;
    case OP_DEDUP: {
        if (o->size.ms) {
            line_to_rgp(e, o->loc);
            emit(e, "{");
            e->indent++;
            emit_event_time(e, o, cur, NULL);
        }
        emit_lookup(e, st, o, cur, "last");
        sbuf same = {0};
        for (const ast_arg *g = o->on; g; g = g->next) {
            const char *f = g->value->text;
            type_id ft = g->value->type;
            if (ft == T_STR) sb(&same, "%srgp_str_eq(last->%s, %s->%s)", same.len ? " && " : "", f, cur, f);
            else if (ft == T_F64) sb(&same, "%s(last->%s == %s->%s || (last->%s != last->%s && %s->%s != %s->%s))", same.len ? " && " : "",
                                     f, cur, f, f, f, cur, f, cur, f);
            else sb(&same, "%slast->%s == %s->%s", same.len ? " && " : "", f, cur, f);
        }
        if (o->size.ms)
            emit(e, "if (fresh || !(%s) || ts - last->passed_at >= INT64_C(%lld)) {   /* not a repeat, or its key's last passed %lld ms ago */",
                 same.len ? same.s : "true", o->size.ms, o->size.ms);
        else
            emit(e, "if (fresh || !(%s)) {   /* not a repeat of its key's last record */", same.len ? same.s : "true");
        free(same.s);
        e->indent++;
        if (o->size.ms) emit(e, "last->passed_at = ts;");
        for (const ast_arg *g = o->on; g; g = g->next) {
            if (g->value->type == T_STR) emit(e, "rgp_str_keep_copy(&last->%s, %s->%s);", g->value->text, cur, g->value->text);
            else emit(e, "last->%s = %s->%s;", g->value->text, cur, g->value->text);
        }
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        if (o->size.ms) {
            e->indent--;
            emit(e, "}");
        }
        break;
    }
    }
}

/* A route: the record goes to the first branch whose condition holds. */
static void emit_route(emitter *e, const node *st, const char *cur)
{
    for (int i = 0; i < st->nbranches; i++) {
        const node *b = st->branches[i];
        if (b->branch_cond) {
            emit_user_expr(e, b->branch_cond, cur, i ? "} else if (" : "if (", ") {");
        } else {
            emit(e, i ? "} else {" : "{");
        }
        e->indent++;
        if (b->used) emit_stage(e, b, cur);
        else emit(e, "/* branch %s: nothing reads it */", b->name);
        e->indent--;
    }
    emit(e, "}");
}

static void emit_stage(emitter *e, const node *st, const char *rec)
{
    emit(e, "/* %s %s (%s:%u) */", node_word(st), st->name, e->p->file, st->loc.line);
    emit_ops(e, st, st->ops, rec);
}

/* ---- keyed state: a hash table per keyed operator ------------------------------------ */

static const char *hash_fn(type_id t)
{
    return t == T_STR ? "rgp_hash_str" : t == T_BOOL ? "rgp_hash_bool" : t == T_F64 ? "rgp_hash_f64"
         : type_is_int(t) && !scalar_types[t].is_signed ? "rgp_hash_u64" : "rgp_hash_i64";
}

/* Quantile sketches keep buckets on the heap. */
static bool aggs_own_memory(const ast_op *o)
{
    if (o->kind != OP_GROUP && o->kind != OP_WINDOW) return false;
    for (const ast_item *it = o->items; it; it = it->next)
        if (it->value->u.call.builtin >= 0 && aggregates[it->value->u.call.builtin].q > 0) return true;
    return false;
}

/* The aggregate state of a group operator: per aggregate, what it needs. */
static void emit_group_aggs(emitter *e, const char *t, const ast_op *o)
{
    emit(e, "typedef struct %s_aggs {", t);
    int i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++) {
        int id = it->value->u.call.builtin;
        const char *arg_type = aggregates[id].arity ? ctype(it->value->u.call.args->value->type) : "";
        switch ((aggregate_id)id) {
        case A_count: emit(e, "    uint64_t a%d_n;", i); break;
        case A_avg: emit(e, "    double a%d_sum; uint64_t a%d_n;", i, i); break;
        case A_var: case A_stddev: emit(e, "    uint64_t a%d_n; double a%d_mean, a%d_m2;", i, i, i); break;
        case A_p50: case A_p90: case A_p95: case A_p99: case A_p999: emit(e, "    rgp_qsketch a%d_q;", i); break;
        case A_sum: emit(e, "    %s a%d_v;", agg_ctype(o, i), i); break;
        default: emit(e, "    %s a%d_v;", arg_type, i); break;
        }
    }
    if (!o->items) emit(e, "    char none;");
    emit(e, "} %s_aggs;", t);
    if (!aggs_own_memory(o)) return;
    blank(e);
    emit(e, "static void %s_aggs_free(%s_aggs *g)   /* the sketches' buckets */", t, t);
    emit(e, "{");
    i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++)
        if (aggregates[it->value->u.call.builtin].q > 0) emit(e, "    rgp_qsketch_free(&g->a%d_q);", i);
    emit(e, "}");
}

/* Windows: the watermark (the latest event time seen), the earliest time a
 * window closes (nothing to do before it), the late records counted, and the
 * list of windows due to close, oldest first, then in the order their entries
 * came. */
static void emit_window_due(emitter *e, const char *t, const ast_op *o)
{
    emit(e, "static int64_t %s_watermark = INT64_MIN, %s_next_close = INT64_MAX;", t, t);
    emit(e, "static uint64_t %s_late;   /* records whose window had closed */", t);
    emit(e, "static size_t *%s_due_at, %s_due_cap;", t, t);
    blank(e);
    emit(e, "static int %s_due_cmp(const void *a, const void *b)", t);
    emit(e, "{");
    emit(e, "    size_t i = *(const size_t *)a, j = *(const size_t *)b;");
    if (o->wkind == W_COUNT) {
        emit(e, "    return i < j ? -1 : 1;   /* count windows: in the order their keys came */");
    } else {
        emit(e, "    int64_t x = %s_entries[i].value.start, y = %s_entries[j].value.start;", t, t);
        emit(e, "    return x != y ? (x < y ? -1 : 1) : (i < j ? -1 : 1);");
    }
    emit(e, "}");
    blank(e);
    long long closes = o->size.ms + o->lateness_ms;
    emit(e, "/* Marks closed the open windows that close by upto and lists them, oldest first; how many. */");
    emit(e, "static size_t %s_due(int64_t upto)", t);
    emit(e, "{");
    e->indent++;
    emit(e, "size_t n = 0;");
    emit(e, "int64_t next = INT64_MAX;");
    emit(e, "for (size_t i = 0; i < %s_len; i++) {", t);
    emit(e, "    %s_win *w = &%s_entries[i].value;", t, t);
    emit(e, "    if (!w->open) continue;");
    if (o->wkind == W_COUNT)
        emit(e, "    int64_t at = INT64_MAX;   /* a count window closes when full, or at the end */");
    else
        emit(e, "    int64_t at = rgp_time_add(w->%s, INT64_C(%lld));   /* when the watermark closes it */",
             o->wkind == W_SESSION ? "last" : "start", closes);
    emit(e, "    if (at > upto) {");
    emit(e, "        if (at < next) next = at;");
    emit(e, "        continue;");
    emit(e, "    }");
    emit(e, "    w->open = false;");
    emit(e, "    if (n == %s_due_cap) {", t);
    emit(e, "        %s_due_cap = %s_due_cap ? 2 * %s_due_cap : 256;", t, t, t);
    emit(e, "        %s_due_at = realloc(%s_due_at, %s_due_cap * sizeof *%s_due_at);", t, t, t, t);
    emit(e, "        if (!%s_due_at) rgp_out_of_memory(RGP_PROGRAM);", t);
    emit(e, "    }");
    emit(e, "    %s_due_at[n++] = i;", t);
    emit(e, "}");
    emit(e, "%s_next_close = next;", t);
    emit(e, "qsort(%s_due_at, n, sizeof *%s_due_at, %s_due_cmp);", t, t, t);
    emit(e, "return n;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* A table per keyed or group operator: entries (key, value) kept dense in the
 * order their keys first came (a group's output order), found through an
 * open-addressing index of entry numbers that doubles at half full. A record
 * costs a hash and a probe or two; memory grows with keys, not records. Only
 * the thread that runs the stage touches it. */
static void emit_table(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    const rectype *in = o->in;
    sbuf keys = {0};
    for (const ast_arg *g = o->keys; g; g = g->next) sb(&keys, "%s%s", keys.len ? ", " : "", g->value->text);
    emit(e, "/* %s of stage %s (%s:%u), by %s%s */", op_tables[o->kind].what, st->name, e->p->file, o->loc.line,
         keys.len ? keys.s : keyed_by_start(o) ? "" : "nothing: one entry for all records",
         keyed_by_start(o) ? (keys.len ? " and window start" : "window start") : "");
    free(keys.s);
    emit(e, "typedef struct %s_key {", t);
    bool str_key = false;
    for (const ast_arg *g = o->keys; g; g = g->next) {
        type_id kt = in->fields[g->value->u.name.field].type;
        str_key |= kt == T_STR;
        emit(e, "    %s %s;", ctype(kt), g->value->text);
    }
    if (keyed_by_start(o)) emit(e, "    int64_t ws;   /* the window's start */");
    else if (!o->keys) emit(e, "    char none;");
    emit(e, "} %s_key;", t);
    char value[224];
    if (o->kind == OP_GROUP) {
        emit_group_aggs(e, t, o);
        snprintf(value, sizeof value, "%s_aggs", t);
    } else if (o->kind == OP_WINDOW) {
        emit_group_aggs(e, t, o);
        emit(e, "typedef struct %s_win {", t);
        emit(e, "    bool open;");
        if (o->wkind == W_COUNT) emit(e, "    uint64_t n;   /* records so far */");
        else emit(e, "    int64_t start%s;", o->wkind == W_SESSION ? ", last;   /* the session's first and last event times */" : ";");
        emit(e, "    %s_aggs g;", t);
        emit(e, "} %s_win;", t);
        snprintf(value, sizeof value, "%s_win", t);
    } else if (o->kind == OP_THROTTLE) {
        emit(e, "typedef struct %s_span { int64_t start; uint64_t n; } %s_span;   /* the key's span and its records so far */", t, t);
        emit(e, "static uint64_t %s_held;   /* records over the limit */", t);
        snprintf(value, sizeof value, "%s_span", t);
    } else if (o->kind == OP_DELTA) {
        emit(e, "typedef struct %s_value {", t);
        if (o->state) emit(e, "    %s s;   /* the key's state */", o->state_type->cname);
        emit(e, "    %s prev;   /* the key's previous record: its strings are its own */", o->in->cname);
        emit(e, "    bool has_prev;");
        emit(e, "} %s_value;", t);
        snprintf(value, sizeof value, "%s_value", t);
    } else if (o->kind == OP_DEDUP) {
        emit(e, "typedef struct %s_last {   /* the compared fields of the key's last record */", t);
        for (const ast_arg *g = o->on; g; g = g->next) emit(e, "    %s %s;", ctype(g->value->type), g->value->text);
        if (o->size.ms) emit(e, "    int64_t passed_at;   /* when the key's last record passed */");
        if (!o->on && !o->size.ms) emit(e, "    char none;");
        emit(e, "} %s_last;", t);
        snprintf(value, sizeof value, "%s_last", t);
    } else {
        snprintf(value, sizeof value, "%s", o->state_type->cname);
    }
    emit(e, "typedef struct %s_entry { %s_key key; %s value; } %s_entry;", t, t, value, t);
    emit(e, "static %s_entry *%s_entries;   /* in the order keys first came */", t, t);
    emit(e, "static size_t %s_len, %s_cap;", t, t);
    emit(e, "static uint32_t *%s_index;   /* entry number + 1; 0 is empty */", t);
    emit(e, "static size_t %s_icap;", t);
    blank(e);
    emit(e, "static inline uint64_t %s_hash(const %s_key *k)", t, t);
    emit(e, "{");
    emit(e, "    uint64_t h = 0;");
    for (const ast_arg *g = o->keys; g; g = g->next)
        emit(e, "    h = rgp_hash_u64(h ^ %s(k->%s));", hash_fn(in->fields[g->value->u.name.field].type), g->value->text);
    if (keyed_by_start(o)) emit(e, "    h = rgp_hash_u64(h ^ rgp_hash_i64(k->ws));");
    else if (!o->keys) emit(e, "    (void)k;");
    emit(e, "    return h;");
    emit(e, "}");
    blank(e);
    emit(e, "static inline bool %s_eq(const %s_key *a, const %s_key *b)", t, t, t);
    emit(e, "{");
    sbuf eq = {0};
    for (const ast_arg *g = o->keys; g; g = g->next) {
        type_id kt = in->fields[g->value->u.name.field].type;
        const char *f = g->value->text;
        if (kt == T_STR) sb(&eq, "%srgp_str_eq(a->%s, b->%s)", eq.len ? " && " : "", f, f);
        else if (kt == T_F64) sb(&eq, "%s(a->%s == b->%s || (a->%s != a->%s && b->%s != b->%s))", eq.len ? " && " : "", f, f, f, f, f, f);
        else sb(&eq, "%sa->%s == b->%s", eq.len ? " && " : "", f, f);
    }
    if (keyed_by_start(o)) sb(&eq, "%sa->ws == b->ws", eq.len ? " && " : "");
    else if (!o->keys) emit(e, "    (void)a, (void)b;");
    emit(e, "    return %s;", eq.len ? eq.s : "true");
    free(eq.s);
    emit(e, "}");
    blank(e);
    emit(e, "/* The entry of key k; *fresh says it was just made, its value zeroed. */");
    emit(e, "static %s_entry *%s_lookup(const %s_key *k, bool *fresh)", t, t, t);
    emit(e, "{");
    e->indent++;
    emit(e, "if (2 * (%s_len + 1) > %s_icap) {", t, t);
    emit(e, "    size_t cap = %s_icap ? 2 * %s_icap : 1024;", t, t);
    emit(e, "    uint32_t *index = calloc(cap, sizeof *index);");
    emit(e, "    if (!index) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "    for (size_t n = 0; n < %s_len; n++) {", t);
    emit(e, "        size_t j = (size_t)%s_hash(&%s_entries[n].key) & (cap - 1);", t, t);
    emit(e, "        while (index[j]) j = (j + 1) & (cap - 1);");
    emit(e, "        index[j] = (uint32_t)(n + 1);");
    emit(e, "    }");
    emit(e, "    free(%s_index);", t);
    emit(e, "    %s_index = index;", t);
    emit(e, "    %s_icap = cap;", t);
    emit(e, "}");
    emit(e, "size_t i = (size_t)%s_hash(k) & (%s_icap - 1);", t, t);
    emit(e, "while (%s_index[i]) {", t);
    emit(e, "    %s_entry *en = &%s_entries[%s_index[i] - 1];", t, t, t);
    emit(e, "    if (%s_eq(&en->key, k)) {", t);
    emit(e, "        *fresh = false;");
    emit(e, "        return en;");
    emit(e, "    }");
    emit(e, "    i = (i + 1) & (%s_icap - 1);", t);
    emit(e, "}");
    emit(e, "if (%s_len == %s_cap) {", t, t);
    emit(e, "    size_t cap = %s_cap ? 2 * %s_cap : 512;", t, t);
    emit(e, "    %s_entry *grown = realloc(%s_entries, cap * sizeof *grown);", t, t);
    emit(e, "    if (!grown) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "    %s_entries = grown;", t);
    emit(e, "    %s_cap = cap;", t);
    emit(e, "}");
    emit(e, "%s_entry *en = &%s_entries[%s_len];", t, t, t);
    emit(e, "memset(en, 0, sizeof *en);");
    emit(e, "en->key = *k;");
    if (str_key) {
        emit(e, "/* a new key keeps its own copy of its strings: the record's go back to the ring */");
        for (const ast_arg *g = o->keys; g; g = g->next) {
            if (in->fields[g->value->u.name.field].type != T_STR) continue;
            const char *f = g->value->text;
            emit(e, "{");
            emit(e, "    char *copy = malloc(k->%s.len ? k->%s.len : 1);", f, f);
            emit(e, "    if (!copy) rgp_out_of_memory(RGP_PROGRAM);");
            emit(e, "    if (k->%s.len) memcpy(copy, k->%s.ptr, k->%s.len);", f, f, f);
            emit(e, "    en->key.%s.ptr = copy;", f);
            emit(e, "}");
        }
    }
    emit(e, "%s_index[i] = (uint32_t)++%s_len;", t, t);
    emit(e, "*fresh = true;");
    emit(e, "return en;");
    e->indent--;
    emit(e, "}");
    blank(e);
    if (o->kind == OP_WINDOW) emit_window_due(e, t, o);
    bool owns = str_key;
    for (const ast_arg *g = o->kind == OP_DEDUP ? o->on : NULL; g; g = g->next) owns |= g->value->type == T_STR;
    owns |= (o->kind == OP_KEYED || o->kind == OP_DELTA) && o->state_type->has_str;
    owns |= o->kind == OP_DELTA && o->in->has_str;
    owns |= aggs_own_memory(o);
    if (owns) {
        emit(e, "/* Frees the strings an entry keeps: its key's and its value's. */");
        emit(e, "static void %s_entry_free(%s_entry *en)", t, t);
        emit(e, "{");
        for (const ast_arg *g = o->keys; g; g = g->next)
            if (in->fields[g->value->u.name.field].type == T_STR) emit(e, "    free((char *)en->key.%s.ptr);", g->value->text);
        for (const ast_arg *g = o->kind == OP_DEDUP ? o->on : NULL; g; g = g->next)
            if (g->value->type == T_STR) emit(e, "    free((char *)en->value.%s.ptr);", g->value->text);
        const rectype *state = o->kind == OP_KEYED || o->kind == OP_DELTA ? o->state_type : NULL;
        for (int i = 0; state && i < state->nfields; i++)
            if (state->fields[i].type == T_STR) emit(e, "    free((char *)en->value.%s%s.ptr);", o->kind == OP_DELTA ? "s." : "", state->fields[i].name);
        for (int i = 0; o->kind == OP_DELTA && i < o->in->nfields; i++)
            if (o->in->fields[i].type == T_STR) emit(e, "    free((char *)en->value.prev.%s.ptr);", o->in->fields[i].name);
        if (aggs_own_memory(o)) emit(e, "    %s_aggs_free(&en->value%s);", t, o->kind == OP_WINDOW ? ".g" : "");
        emit(e, "}");
        blank(e);
    }
    if (keyed_by_start(o)) {
        emit(e, "/* Drops the entries of closed windows, keeping the others in order, and rebuilds the index. */");
        emit(e, "static void %s_compact(void)", t);
        emit(e, "{");
        e->indent++;
        emit(e, "size_t k = 0;");
        emit(e, "for (size_t i = 0; i < %s_len; i++) {", t);
        emit(e, "    if (%s_entries[i].value.open) %s_entries[k++] = %s_entries[i];", t, t, t);
        if (owns) emit(e, "    else %s_entry_free(&%s_entries[i]);", t, t);
        emit(e, "}");
        emit(e, "if (k == %s_len) return;", t);
        emit(e, "%s_len = k;", t);
        emit(e, "memset(%s_index, 0, %s_icap * sizeof *%s_index);", t, t, t);
        emit(e, "for (size_t n = 0; n < %s_len; n++) {", t);
        emit(e, "    size_t j = (size_t)%s_hash(&%s_entries[n].key) & (%s_icap - 1);", t, t, t);
        emit(e, "    while (%s_index[j]) j = (j + 1) & (%s_icap - 1);", t, t);
        emit(e, "    %s_index[j] = (uint32_t)(n + 1);", t);
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        blank(e);
    }
    emit(e, "static void %s_free(void)", t);
    emit(e, "{");
    if (owns) emit(e, "    for (size_t i = 0; i < %s_len; i++) %s_entry_free(&%s_entries[i]);", t, t, t);
    emit(e, "    free(%s_entries);", t);
    emit(e, "    free(%s_index);", t);
    if (o->kind == OP_WINDOW) emit(e, "    free(%s_due_at);", t);
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}

static void emit_reader(emitter *e, const node *n, const char *rec)
{
    if (n->kind == D_STAGE) {
        emit(e, "{");
        e->indent++;
        emit_stage(e, n, rec);
        e->indent--;
        emit(e, "}");
        return;
    }
    emit(e, "/* sink %s (%s:%u) */", n->name, e->p->file, n->loc.line);
    if (n->format == FMT_CSV)
        emit(e, "%s(sink_w[%d], %s, '%s');", writer_name(n->type, n->format), endpoint_index(e->p, n), rec,
             n->delim == '\'' ? "\\'" : n->delim == '\\' ? "\\\\" : (char[]){n->delim, 0});
    else
        emit(e, "%s(sink_w[%d], %s);", writer_name(n->type, n->format), endpoint_index(e->p, n), rec);
}

/* ---- thread bodies --------------------------------------------------------------------- */

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
    for (int i = 0; i < o->nrings; i++) emit(e, "rgp_disruptor_close(&ring_%s);", o->rings[i]->name);
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
    emit(e, "        fprintf(stderr, \"%%s: error: reading %%s: %%s\\n\", RGP_PROGRAM, st->display, strerror(errno));");
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
    emit(e, "    if (rgp_stopping()) break;   /* SIGINT or SIGTERM: stop reading, let the rest drain */");
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
    const node *tst[16];
    const ast_op *tops[16];
    int nt = 0;
    {
        const node *gs[16];
        const ast_op *gos[16];
        int ng = lossy ? 0 : thread_groups(e->pl, t->entry, gs, gos, 0, 16);
        for (int i = 0; i < ng; i++)
            if (gos[i]->kind == OP_WINDOW && gos[i]->wkind != W_COUNT && !gos[i]->time_field) tst[nt] = gs[i], tops[nt++] = gos[i];
    }
    if (lossy) {
        emit(e, "uint64_t end = rgp_consumer_wait_lossy(c, &next, %d);", RGP_BATCH * 4);
    } else if (nt) {
        emit(e, "int64_t due = INT64_MAX;   /* the first processing-time window to close */");
        for (int i = 0; i < nt; i++) {
            const char *tn = table_name(tst[i], tops[i]);
            emit(e, "if (%s_next_close < due) due = %s_next_close;", tn, tn);
        }
        emit(e, "bool timed_out = false;");
        emit(e, "uint64_t end = due == INT64_MAX ? rgp_consumer_wait(c, next, %d)", RGP_BATCH * 4);
        emit(e, "    : rgp_consumer_wait_for(c, next, %d, due - rgp_now_ms() + 1, &timed_out);", RGP_BATCH * 4);
        emit(e, "if (timed_out) {");
        e->indent++;
        emit(e, "rgp_scratch_reset(&scratch);");
        for (int i = 0; i < nt; i++) {
            char tn[192];
            snprintf(tn, sizeof tn, "%s", table_name(tst[i], tops[i]));
            emit(e, "{   /* windows of stage %s due by the clock */", tst[i]->name);
            e->indent++;
            emit(e, "int64_t ts = rgp_now_ms();");
            emit(e, "if (ts > %s_watermark) %s_watermark = ts;", tn, tn);
            emit(e, "if (%s_watermark >= %s_next_close) {", tn, tn);
            e->indent++;
            char wm[224];
            snprintf(wm, sizeof wm, "%s_watermark", tn);
            emit_window_close(e, tst[i], tops[i], wm);
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
    emit(e, "rgp_consumer_release(c, end);");
    emit(e, "next = end;");
    e->indent--;
    emit(e, "}");
    const node *gst[16];
    const ast_op *gops[16];
    int ng = thread_groups(e->pl, t->entry, gst, gops, 0, 16);
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
