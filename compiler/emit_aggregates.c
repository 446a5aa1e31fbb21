/* Aggregates in time: what a group or window operator does for each record
 * (fold it into its key's aggregates, close the windows the watermark passes)
 * and at the end of input (flush what is still open). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "emit_internal.h"

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
            if (at == T_STR)
                emit(e, "if (fresh || rgp_str_cmp(x%d, g->a%d_v) %s 0) rgp_str_keep_buf(&g->a%d_v, &g->a%d_cap, x%d);   /* %s: bytewise */",
                     i, i, id == A_min ? "<" : ">", i, i, i, it->name);
            else if (at == T_F64 || type_is_int(at))
                emit(e, "g->a%d_v = fresh ? x%d : rgp_%s_%s(g->a%d_v, x%d);   /* %s */", i, i, aggregates[id].name,
                     helper_suffix(at), i, i, it->name);
            else
                emit(e, "if (fresh || x%d %s g->a%d_v) g->a%d_v = x%d;   /* %s */", i, id == A_min ? "<" : ">", i, i, i, it->name);
            break;
        case A_first:
            if (at == T_STR) emit(e, "if (fresh) rgp_str_keep_buf(&g->a%d_v, &g->a%d_cap, x%d);   /* %s: first, its own copy */", i, i, i, it->name);
            else emit(e, "if (fresh) g->a%d_v = x%d;   /* %s: first */", i, i, it->name);
            break;
        case A_last:
            if (at == T_STR) emit(e, "rgp_str_keep_buf(&g->a%d_v, &g->a%d_cap, x%d);   /* %s: last, its own copy */", i, i, i, it->name);
            else emit(e, "g->a%d_v = x%d;   /* %s: last */", i, i, it->name);
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

/* A group operator, for each record: find the key's entry and fold the record
 * into its aggregates. Nothing goes on: the group's records leave at the end
 * of input (emit_group_flush). */
void emit_group_update(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    emit_lookup(e, st, o, cur, "g");
    emit_group_fold(e, o, cur);
    e->indent--;
    emit(e, "}");
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
void emit_group_flush(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "/* group of stage %s (%s:%u): its records, now that the input has ended */", st->name, e->p->file, o->loc.line);
    if (!o->keys) {
        /* without by, the whole input is one group: an empty input still gives its row, as SQL does */
        emit(e, "static const %s_aggs none;   /* no record came: count 0, sum 0, avg NaN, min/max/first/last the zero of their type */", t);
        emit(e, "for (size_t i = 0; i < (%s.len ? %s.len : 1); i++) {", t, t);
        e->indent++;
        emit(e, "rgp_scratch_reset(&scratch);");
        emit(e, "const %s_aggs *g = %s.len ? &%s.entries[i].value : &none;", t, t, t);
    } else {
        emit(e, "for (size_t i = 0; i < %s.len; i++) {", t);
        e->indent++;
        emit(e, "rgp_scratch_reset(&scratch);");
        emit(e, "const %s_entry *en = &%s.entries[i];", t, t);
        emit(e, "const %s_aggs *g = &en->value;", t);
    }
    emit_group_out(e, o, 0);
    emit_ops(e, st, o->next, "(&out)");
    e->indent--;
    emit(e, "}");
    emit_batch_end(e, st, o);
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
void emit_window_close(emitter *e, const node *st, const ast_op *o, const char *upto)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "for (size_t w = 0, due = %s_due(%s); w < due; w++) {", t, upto);
    e->indent++;
    emit(e, "const %s_entry *en = &%s.entries[%s_due_at[w]];", t, t, t);
    emit(e, "const %s_aggs *g = &en->value.g;", t);
    emit_window_out(e, st, o);
    e->indent--;
    emit(e, "}");
    emit_batch_end(e, st, o);
    if (keyed_by_start(o)) emit(e, "%s_compact();   /* the closed windows' entries go, once they are half */", t);
}

/* The event time of record cur for a window or throttle, or the clock's. */
void emit_event_time(emitter *e, const ast_op *o, const char *cur, const char *watermark)
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

/* The watermark moves up to `to` (never back), and the windows it passes close. */
static void emit_watermark_up(emitter *e, const node *st, const ast_op *o, const char *t, const char *wm, const char *to)
{
    emit(e, "if (%s > %s_watermark) {", to, t);
    e->indent++;
    emit(e, "%s_watermark = rgp_watermark_of(%s);", t, to);
    emit(e, "if (%s_watermark >= %s_next_close) {", t, t);
    e->indent++;
    emit_window_close(e, st, o, wm);
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
}

/* A window over a merge, after an input's watermark moved, ended or turned
 * idle: the merged watermark may move, closing the windows it passes. `now`
 * is the processing time that idleness is judged by. */
void emit_merged_advance(emitter *e, const node *st, const ast_op *o, const char *now)
{
    char t[192], wm[224];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    snprintf(wm, sizeof wm, "%s_watermark", t);
    emit(e, "{");
    e->indent++;
    emit(e, "int64_t merged = %s_merged(%s);", t, now);
    emit_watermark_up(e, st, o, t, wm, "merged");
    e->indent--;
    emit(e, "}");
}

/* A record that came after its window closed: counted, and sent to the late stream if any. */
static void emit_late(emitter *e, const ast_op *o, const char *t, const char *cur)
{
    emit(e, "%s_late++;   /* its window has closed */", t);
    if (o->late && o->late->used) emit_stage(e, o->late, cur);
}

/* Opens `if (ahead) { count it } else {` for a window with an `ahead` bound: a
 * record further ahead of the watermark than that is bad data (a clock years
 * off), counted and sent to the late stream, and moves nothing. Without a
 * watermark yet (no record so far) nothing is ahead. The caller closes the else. */
static void emit_ahead_check(emitter *e, const ast_op *o, const char *t, const char *watermark, const char *cur)
{
    emit(e, "if (%s != INT64_MIN && rgp_time_reached(ts, %s, INT64_C(%lld))) {", watermark, watermark, o->ahead.ms + 1);
    e->indent++;
    emit(e, "%s_ahead++;   /* more than %lld ms ahead of the watermark */", t, o->ahead.ms);
    if (o->late && o->late->used) emit_stage(e, o->late, cur);
    e->indent--;
    emit(e, "} else {");
    e->indent++;
}

/* The aggregates of window `win` take record cur (fresh: they were empty). */
static void emit_window_fold(emitter *e, const ast_op *o, const char *t, const char *cur)
{
    emit(e, "%s_aggs *g = &win->g;", t);
    emit_group_fold(e, o, cur);
}

/* Inside `if (!win->open) {`: the key's entry starts its next window, its
 * aggregates empty (a session or count window reuses the entry). */
static void emit_reopen(emitter *e, const ast_op *o, const char *t)
{
    emit(e, "    win->open = true;");
    if (aggs_own_memory(o)) emit(e, "    %s_aggs_reuse(&win->g);   /* the last window's sketches go; its strings' buffers stay */", t);
    else emit(e, "    memset(&win->g, 0, sizeof win->g);");
    emit(e, "    fresh = true;");
}

/* Closes the key's window at `win` (its table entry at `entry`) now, sending its record on. */
static void emit_close_now(emitter *e, const node *st, const ast_op *o, const char *t)
{
    emit(e, "win->open = false;");
    emit(e, "const %s_entry *en = entry;", t);
    emit(e, "const %s_aggs *g = &win->g;", t);
    emit_window_out(e, st, o);
    emit_batch_end(e, st, o);   /* a set of one */
}

/* The record at event time ts moves the watermark (closing the windows it
 * passes); over a merge, it moves its own input's watermark, and the merged
 * one follows the least. With `ahead`, this opens the else of the ahead test. */
static void emit_watermark_move(emitter *e, const node *st, const ast_op *o, const char *t, const char *cur)
{
    char wm[224];
    int lanes = op_lanes(e->pl, o);
    if (lanes > 1) {
        snprintf(wm, sizeof wm, "%s_lane_max[lane]", t);
        if (o->ahead.ms) emit_ahead_check(e, o, t, wm, cur);
        emit(e, "if (ts > %s_lane_max[lane]) {   /* its input's watermark moves */", t);
        e->indent++;
        emit(e, "%s_lane_max[lane] = ts;", t);
        bool idle = false;   /* then the thread knows the batch's time: now_ms */
        for (int k = 0; k < lanes; k++) idle |= op_lane_idle_ms(e->pl, o, k) > 0;
        emit_merged_advance(e, st, o, idle ? "now_ms" : "0");
        e->indent--;
        emit(e, "}");
        return;
    }
    snprintf(wm, sizeof wm, "%s_watermark", t);
    if (o->ahead.ms) emit_ahead_check(e, o, t, wm, cur);
    emit_watermark_up(e, st, o, t, wm, "ts");
}

/* A window operator, for each record: move the watermark (closing the windows
 * it passes), then fold the record into the windows it falls in, or count it
 * late when they have all closed. */
void emit_window_update(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    if (o->wkind != W_COUNT && o->time_field) emit(e, "%s_in++;   /* of these, the late and ahead are told at exit */", t);
    if (o->wkind != W_COUNT) {
        char wm[224];
        snprintf(wm, sizeof wm, "%s_watermark", t);
        emit_event_time(e, o, cur, wm);
        emit_watermark_move(e, st, o, t, cur);
    }
    long long closes = o->size.ms + o->lateness_ms;
    switch (o->wkind) {
    case W_TUMBLING: case W_SLIDING:
        emit(e, "bool taken = false;");
        if (o->size.ms > o->slide_ms)
            emit(e, "/* the %lld windows [ws, ws + %lld ms) that hold ts, newest first; at the start of time's range, fewer */",
                 o->size.ms / o->slide_ms, o->size.ms);
        else
            emit(e, "/* the window [ws, ws + %lld ms) that holds ts */", o->size.ms);
        emit(e, "int64_t ws = rgp_time_trunc(ts, INT64_C(%lld));", o->slide_ms);
        if (o->size.ms > o->slide_ms) {
            emit(e, "const int64_t oldest = rgp_time_oldest_start(ws, INT64_C(%lld), %lld);", o->slide_ms, o->size.ms / o->slide_ms);
            emit(e, "for (;; ws -= INT64_C(%lld)) {", o->slide_ms);
        } else {
            emit(e, "for (int k = 0; k < 1; k++) {");
        }
        e->indent++;
        emit(e, "if (rgp_time_add(ws, INT64_C(%lld)) <= %s_watermark) break;   /* closed, and so are the older ones */", closes, t);
        emit(e, "taken = true;");
        emit_lookup(e, st, o, cur, "win");
        emit(e, "if (fresh) {");
        emit(e, "    win->open = true;");
        emit(e, "    win->start = ws;   /* queued to close when it was made */");
        emit(e, "}");
        emit_window_fold(e, o, t, cur);
        e->indent--;
        emit(e, "}");
        if (o->size.ms > o->slide_ms) emit(e, "if (ws == oldest) break;");
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
        emit(e, "if (win->open && rgp_time_reached(ts, win->last, INT64_C(%lld))) {", o->size.ms);
        e->indent++;
        emit(e, "/* past the gap: the key's session is over, and a new one begins */");
        emit_close_now(e, st, o, t);
        e->indent--;
        emit(e, "}");
        emit(e, "if (win->open ? rgp_time_reached(win->start, ts, INT64_C(%lld)) : rgp_time_reached(%s_watermark, ts, INT64_C(%lld))) {",
             o->size.ms, t, closes);
        e->indent++;
        emit(e, "/* before the key's session by more than the gap, or in a session that has closed */");
        emit_late(e, o, t, cur);
        e->indent--;
        emit(e, "} else {");
        e->indent++;
        emit(e, "if (!win->open) {");
        emit(e, "    win->start = win->last = ts;");
        emit_reopen(e, o, t);
        emit(e, "} else {");
        emit(e, "    fresh = false;");
        emit(e, "    if (ts < win->start) win->start = ts;");
        emit(e, "    if (ts > win->last) win->last = ts;");
        emit(e, "}");
        emit(e, "/* queued by its last record (it closes the gap and any lateness after); if it goes on, its item moves on when due */");
        emit(e, "if (!win->queued) %s_queue((size_t)(entry - %s.entries), win->last);", t, t);
        emit_window_fold(e, o, t, cur);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        break;
    case W_COUNT:
        emit_lookup(e, st, o, cur, "win");
        emit(e, "if (!win->open) {   /* the key's next window */");
        emit(e, "    win->n = 0;");
        emit_reopen(e, o, t);
        emit(e, "}");
        emit_window_fold(e, o, t, cur);
        emit(e, "if (++win->n == UINT64_C(%lld)) {   /* full */", o->size.n);
        e->indent++;
        emit_close_now(e, st, o, t);
        e->indent--;
        emit(e, "}");
        e->indent--;
        emit(e, "}");
        break;
    }
    if (o->ahead.ms) {   /* the else of emit_ahead_check */
        e->indent--;
        emit(e, "}");
    }
    e->indent--;
    emit(e, "}");
}

