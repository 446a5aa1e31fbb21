/* The tables of keyed operators: one per keyed, delta, group, dedup, window and
 * throttle operator, declared before the threads that use them: a key struct,
 * a value struct, dense entries in first-seen order and an open-addressing
 * index, with the window bookkeeping (due lists, compaction) where needed. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "emit_internal.h"

/* What the C calls an operator's table and its value, and what comments call it. */
static const struct { const char *prefix, *value, *what; } op_tables[] = {
    [OP_WHERE] = {"where", "", "where"},       /* counters of a where or select that may reject (parse_time) */
    [OP_SELECT] = {"select", "", "select"},
    [OP_SAMPLE] = {"sample", "", "sample"},
    [OP_LIMIT] = {"limit", "", "limit"},
    [OP_SORT] = {"sort", "", "sort"},
    [OP_JOIN] = {"join", "", "join"},
    [OP_KEYED] = {"keyed", "", "keyed state"},
    [OP_DELTA] = {"delta", "value", "delta"},
    [OP_GROUP] = {"group", "aggs", "group"},
    [OP_DEDUP] = {"dedup", "last", "dedup"},
    [OP_WINDOW] = {"window", "win", "windows"},
    [OP_THROTTLE] = {"throttle", "span", "throttle"},
};

/* The name of an operator's table (or counters): keyed_STAGE_N, group_STAGE_N, ...,
 * N its place in the stage. */
const char *table_name(const node *st, const ast_op *op)
{
    static char name[192];
    int k = 0;
    for (const ast_op *o = st->ops; o && o != op; o = o->next) k++;
    snprintf(name, sizeof name, "%s_%s_%d", op_tables[op->kind].prefix, st->name, k);
    return name;
}

/* The C type of an entry's value in an operator's table. */
const char *value_type(const node *st, const ast_op *o)
{
    static char value[224];
    if (o->kind == OP_KEYED) snprintf(value, sizeof value, "%s", o->state_type->cname);
    else snprintf(value, sizeof value, "%s_%s", table_name(st, o), op_tables[o->kind].value);
    return value;
}

/* Tumbling and sliding windows keep an entry per key and window start. */
bool keyed_by_start(const ast_op *o)
{
    return o->kind == OP_WINDOW && (o->wkind == W_TUMBLING || o->wkind == W_SLIDING);
}

/* Keyed by window start, or for a throttle over a merge, by span: its inputs'
 * records of one span come in any order, so each span keeps its own count. */
bool keyed_by_span(const plan *pl, const ast_op *o)
{
    return keyed_by_start(o) || (o->kind == OP_THROTTLE && op_lanes(pl, o) > 1);
}

static const char *agg_ctype(const ast_op *o, int i)
{
    const ast_item *it = o->items;
    while (i--) it = it->next;
    return ctype(it->value->type);
}

static const char *hash_fn(type_id t)
{
    return t == T_STR ? "rgp_hash_str" : t == T_BOOL ? "rgp_hash_bool" : t == T_F64 ? "rgp_hash_f64"
         : type_is_int(t) && !scalar_types[t].is_signed ? "rgp_hash_u64" : "rgp_hash_i64";
}

/* Aggregate i of a group or window keeps a str (min, max, first or last of one). */
static bool agg_is_str(const ast_item *it)
{
    return it->value->type == T_STR;
}

/* Quantile sketches keep buckets on the heap, and str aggregates their copies. */
bool aggs_own_memory(const ast_op *o)
{
    if (o->kind != OP_GROUP && o->kind != OP_WINDOW) return false;
    for (const ast_item *it = o->items; it; it = it->next)
        if (it->value->u.call.builtin >= 0 && (aggregates[it->value->u.call.builtin].q > 0 || agg_is_str(it))) return true;
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
        default:
            if (agg_is_str(it)) emit(e, "    rgp_str a%d_v; size_t a%d_cap;   /* its own copy, in a buffer of a%d_cap bytes */", i, i, i);
            else emit(e, "    %s a%d_v;", arg_type, i);
            break;
        }
    }
    if (!o->items) emit(e, "    char none;");
    emit(e, "} %s_aggs;", t);
    if (!aggs_own_memory(o)) return;
    blank(e);
    emit(e, "static void %s_aggs_free(%s_aggs *g)   /* the sketches' buckets and the strings' buffers */", t, t);
    emit(e, "{");
    i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++) {
        if (aggregates[it->value->u.call.builtin].q > 0) emit(e, "    rgp_qsketch_free(&g->a%d_q);", i);
        if (agg_is_str(it)) emit(e, "    if (g->a%d_cap) free((char *)g->a%d_v.ptr);", i, i);
    }
    emit(e, "}");
    blank(e);
    emit(e, "/* Empties g for the key's next window, keeping the strings' buffers. */");
    emit(e, "static void %s_aggs_reuse(%s_aggs *g)", t, t);
    emit(e, "{");
    e->indent++;
    emit(e, "%s_aggs kept = *g;", t);
    i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++)
        if (aggregates[it->value->u.call.builtin].q > 0) emit(e, "rgp_qsketch_free(&g->a%d_q);", i);
    emit(e, "memset(g, 0, sizeof *g);");
    i = 0;
    for (const ast_item *it = o->items; it; it = it->next, i++)
        if (agg_is_str(it)) emit(e, "g->a%d_v.ptr = kept.a%d_v.ptr, g->a%d_cap = kept.a%d_cap;", i, i, i, i);
    emit(e, "(void)kept;");
    e->indent--;
    emit(e, "}");
}

/* A window or throttle over a merge: each input's watermark (the latest event
 * time seen on it), whether it has ended, and for inputs with `idle`, when it
 * last sent a record; the merged watermark is the least over the inputs that count. */
static void emit_merge_lanes(emitter *e, const char *t, const ast_op *o, int lanes)
{
    if (lanes < 2) return;
    sbuf mins = {0}, idles = {0};
    bool any_idle = false;
    for (int k = 0; k < lanes; k++) {
        long long idle = op_lane_idle_ms(e->pl, o, k);
        any_idle |= idle > 0;
        sb(&mins, "%sINT64_MIN", k ? ", " : "");
        sb(&idles, "%sINT64_C(%lld)", k ? ", " : "", idle);
    }
    emit(e, "static int64_t %s_lane_max[%d] = {%s};   /* per input of the merge: the latest event time */", t, lanes, mins.s);
    emit(e, "static bool %s_lane_done[%d];   /* the input has ended */", t, lanes);
    if (any_idle) {
        emit(e, "static int64_t %s_lane_seen[%d];   /* when the input last sent a record (processing time) */", t, lanes);
        emit(e, "static const int64_t %s_lane_idle[%d] = {%s};   /* its source's idle option, 0 for none */", t, lanes, idles.s);
    }
    free(mins.s);
    free(idles.s);
    blank(e);
    emit(e, "/* The merged watermark: the least over the inputs that have not ended%s. With", any_idle ? " and are not idle" : "");
    emit(e, " * none left (all ended or idle), the latest time seen on any: a quiet input holds nothing back. */");
    emit(e, "static int64_t %s_merged(int64_t now)", t);
    emit(e, "{");
    e->indent++;
    emit(e, "int64_t least = INT64_MAX, latest = INT64_MIN;");
    emit(e, "bool counted = false;");
    if (!any_idle) emit(e, "(void)now;");
    emit(e, "for (int k = 0; k < %d; k++) {", lanes);
    emit(e, "    if (%s_lane_max[k] > latest) latest = %s_lane_max[k];", t, t);
    emit(e, "    if (%s_lane_done[k]) continue;", t);
    if (any_idle) emit(e, "    if (%s_lane_idle[k] && now - %s_lane_seen[k] >= %s_lane_idle[k]) continue;   /* idle */", t, t, t);
    emit(e, "    counted = true;");
    emit(e, "    if (%s_lane_max[k] < least) least = %s_lane_max[k];", t, t);
    emit(e, "}");
    emit(e, "return counted ? least : latest;");
    e->indent--;
    emit(e, "}");
    blank(e);
    if (!any_idle) return;
    emit(e, "/* When the next input with an idle option turns idle, if nothing comes: INT64_MAX for never. */");
    emit(e, "static int64_t %s_idle_due(int64_t now)", t);
    emit(e, "{");
    e->indent++;
    emit(e, "int64_t due = INT64_MAX;");
    emit(e, "for (int k = 0; k < %d; k++) {", lanes);
    emit(e, "    int64_t at = %s_lane_seen[k] + %s_lane_idle[k];", t, t);
    emit(e, "    if (!%s_lane_done[k] && %s_lane_idle[k] && at > now && at < due) due = at;", t, t);
    emit(e, "}");
    emit(e, "return due;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* Closed in order of time: windows by event or processing time, and a throttle's spans over a merge. */
static bool closes_by_time(const plan *pl, const ast_op *o)
{
    return keyed_by_span(pl, o) || (o->kind == OP_WINDOW && o->wkind == W_SESSION);
}

/* When an entry closes, counted from its key's window start or span (keyed by
 * span) or from its session's last record. */
static long long close_after_ms(const ast_op *o)
{
    return o->kind == OP_WINDOW ? o->size.ms + o->lateness_ms : o->size.ms;
}

/* The entries that close by time, ordered by when they close (by the time
 * they close a fixed delay after), so that a watermark move costs what
 * closes, not a walk over every key. Keyed by span, an entry is queued once,
 * when it is made, in its start's bucket (rgp_starts), and a whole start
 * closes at once; a session, when it opens, in a heap by its last record, and
 * its item may come due before the session does (it went on): then it moves on. */
static void emit_close_queue(emitter *e, const char *t, const ast_op *o)
{
    emit(e, "static int64_t %s_watermark = INT64_MIN, %s_next_close = INT64_MAX;   /* no entry closes before next_close */", t, t);
    bool session = o->kind == OP_WINDOW && o->wkind == W_SESSION;
    if (session) emit(e, "static rgp_heap %s_closing;   /* (last record, entry number) of the open sessions, some early */", t);
    else emit(e, "static rgp_starts %s_closing;   /* the open entries by their start */", t);
    if (o->kind != OP_WINDOW || o->wkind != W_SESSION)
        emit(e, "static size_t %s_closed;   /* entries closed but not yet dropped by compaction */", t);
    blank(e);
    emit(e, "/* Queues the entry to close %lld ms after `from`. */", close_after_ms(o));
    emit(e, "static void %s_queue(size_t entry, int64_t from)", t);
    emit(e, "{");
    emit(e, "    if (!%s(&%s_closing, from, entry)) rgp_out_of_memory(RGP_PROGRAM);", session ? "rgp_heap_push" : "rgp_starts_add", t);
    if (o->kind == OP_WINDOW && o->wkind == W_SESSION) emit(e, "    %s.entries[entry].value.queued = true;", t);
    emit(e, "    int64_t at = rgp_time_add(from, INT64_C(%lld));", close_after_ms(o));
    emit(e, "    if (at < %s_next_close) %s_next_close = at;", t, t);
    emit(e, "}");
    blank(e);
}

/* Whether _due must sort what it lists: not for windows keyed by start over
 * one input, whose heap gives them by close (so by start), then by entry. */
static bool due_needs_sort(const plan *pl, const ast_op *o)
{
    return !keyed_by_start(o) || (op_lanes(pl, o) > 1 && o->keys);
}

/* In _due: a count window closes when full, or at the end of input (upto
 * INT64_MAX), the only time this walk over every key runs. */
static void emit_count_due(emitter *e, const char *t)
{
    emit(e, "if (upto != INT64_MAX) return 0;");
    emit(e, "for (size_t i = 0; i < %s.len; i++) {", t);
    emit(e, "    %s_win *w = &%s.entries[i].value;", t, t);
    emit(e, "    if (!w->open) continue;");
    emit(e, "    w->open = false;");
    emit(e, "    %s_list_due(n++, i);", t);
    emit(e, "}");
}

/* In _due: the windows of each start that comes due close, a start at a time,
 * oldest first, each start's in entry order; compaction drops them later. */
static void emit_span_due(emitter *e, const char *t, const ast_op *o)
{
    emit(e, "for (const rgp_start_bucket *b; (b = rgp_starts_due(&%s_closing, INT64_C(%lld), upto)); rgp_starts_close_first(&%s_closing)) {",
         t, close_after_ms(o), t);
    emit(e, "    for (size_t k = 0; k < b->len; k++) {   /* in entry order */");
    emit(e, "        %s.entries[b->entries[k]].value.open = false;", t);
    emit(e, "        %s_list_due(n++, b->entries[k]);", t);
    emit(e, "    }");
    emit(e, "    %s_closed += b->len;", t);
    emit(e, "}");
    emit(e, "%s_next_close = rgp_heap_first_close(&%s_closing.order, INT64_C(%lld));", t, t, close_after_ms(o));
}

/* In _due: a session's item came due; the session closes unless it went on
 * (its last record moved: the item moves to the new close) or had already
 * closed, past the gap (the item is dropped). */
static void emit_session_due(emitter *e, const char *t, const ast_op *o)
{
    emit(e, "while (rgp_heap_due(&%s_closing, INT64_C(%lld), upto)) {", t, close_after_ms(o));
    emit(e, "    size_t i = rgp_heap_first_entry(&%s_closing);", t);
    emit(e, "    %s_win *w = &%s.entries[i].value;", t, t);
    emit(e, "    if (w->open && rgp_time_add(w->last, INT64_C(%lld)) > upto) {   /* it went on */", close_after_ms(o));
    emit(e, "        rgp_heap_delay_first(&%s_closing, w->last);", t);
    emit(e, "        continue;");
    emit(e, "    }");
    emit(e, "    (void)rgp_heap_pop(&%s_closing);", t);
    emit(e, "    w->queued = false;");
    emit(e, "    if (!w->open) continue;   /* it closed past the gap */");
    emit(e, "    w->open = false;");
    emit(e, "    %s_list_due(n++, i);", t);
    emit(e, "}");
    emit(e, "%s_next_close = rgp_heap_first_close(&%s_closing, INT64_C(%lld));", t, t, close_after_ms(o));
}

/* The order of the windows closing together: oldest first, then by entry
 * (over a merge, by key value: the order keys first came varies from run to run). */
static void emit_due_cmp(emitter *e, const char *t, const ast_op *o, int lanes)
{
    emit(e, "static int %s_due_cmp(const void *a, const void *b)", t);
    emit(e, "{");
    emit(e, "    size_t i = *(const size_t *)a, j = *(const size_t *)b;");
    if (o->wkind == W_COUNT) {
        emit(e, "    return i < j ? -1 : 1;   /* count windows: in the order their keys came */");
    } else if (lanes > 1 && o->keys) {
        emit(e, "    int64_t x = %s.entries[i].value.start, y = %s.entries[j].value.start;", t, t);
        emit(e, "    if (x != y) return x < y ? -1 : 1;");
        emit(e, "    const %s_key *p = &%s.entries[i].key, *q = &%s.entries[j].key;", t, t, t);
        for (const ast_arg *g = o->keys; g; g = g->next) {
            const char *f = g->value->text;
            if (o->in->fields[g->value->u.name.field].type == T_STR)
                emit(e, "    if (rgp_str_cmp(p->%s, q->%s) != 0) return rgp_str_cmp(p->%s, q->%s);", f, f, f, f);
            else
                emit(e, "    if (p->%s < q->%s || q->%s < p->%s) return p->%s < q->%s ? -1 : 1;   /* NaNs: alike */", f, f, f, f, f, f);
        }
        emit(e, "    return i < j ? -1 : 1;");
    } else {
        emit(e, "    int64_t x = %s.entries[i].value.start, y = %s.entries[j].value.start;", t, t);
        emit(e, "    return x != y ? (x < y ? -1 : 1) : (i < j ? -1 : 1);");
    }
    emit(e, "}");
    blank(e);
}

/* Windows: the watermark (the latest event time seen), the earliest time a
 * window closes (nothing to do before it), the late records counted, and the
 * list of windows due to close, oldest first, then in the order their entries
 * came. */
static void emit_window_due(emitter *e, const char *t, const ast_op *o)
{
    if (o->wkind == W_COUNT) emit(e, "static int64_t %s_watermark = INT64_MIN, %s_next_close = INT64_MAX;", t, t);
    emit(e, "static uint64_t %s_late;   /* records whose window had closed */", t);
    emit(e, "static uint64_t %s_in;   /* records that came in (event time), for the loss summary */", t);
    if (o->ahead.ms) emit(e, "static uint64_t %s_ahead;   /* records too far ahead of the watermark */", t);
    emit(e, "static size_t *%s_due_at, %s_due_cap;", t, t);
    blank(e);
    int lanes = op_lanes(e->pl, o);
    if (lanes > 1) emit_merge_lanes(e, t, o, lanes);
    if (due_needs_sort(e->pl, o)) emit_due_cmp(e, t, o, lanes);
    emit(e, "/* Lists entry i among the n windows due so far. */");
    emit(e, "static void %s_list_due(size_t n, size_t i)", t);
    emit(e, "{");
    emit(e, "    if (n == %s_due_cap) {", t);
    emit(e, "        %s_due_cap = %s_due_cap ? 2 * %s_due_cap : 256;", t, t, t);
    emit(e, "        %s_due_at = realloc(%s_due_at, %s_due_cap * sizeof *%s_due_at);", t, t, t, t);
    emit(e, "        if (!%s_due_at) rgp_out_of_memory(RGP_PROGRAM);", t);
    emit(e, "    }");
    emit(e, "    %s_due_at[n] = i;", t);
    emit(e, "}");
    blank(e);
    emit(e, "/* Marks closed the open windows that close by upto and lists them, oldest first; how many. */");
    emit(e, "static size_t %s_due(int64_t upto)", t);
    emit(e, "{");
    e->indent++;
    emit(e, "size_t n = 0;");
    if (o->wkind == W_COUNT) emit_count_due(e, t);
    else if (o->wkind == W_SESSION) emit_session_due(e, t, o);
    else emit_span_due(e, t, o);
    if (due_needs_sort(e->pl, o))
        emit(e, "if (n > 1) qsort(%s_due_at, n, sizeof *%s_due_at, %s_due_cmp);", t, t, t);
    else
        emit(e, "/* in order already: the heap gives them by close, so by start, then by entry */");
    emit(e, "return n;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* A throttle over a merge: a count per key and span, kept until the merged
 * watermark passes the span's end (then no record of it can pass any more:
 * one that comes is late, held back and counted). */
static void emit_throttle_spans(emitter *e, const char *t, const ast_op *o, bool owns)
{
    emit(e, "static uint64_t %s_late;   /* records whose span had closed */", t);
    blank(e);
    emit_merge_lanes(e, t, o, op_lanes(e->pl, o));
    emit(e, "/* Forgets the spans that end by upto: a lookup finds none of them again (their");
    emit(e, " * records are late), and compaction drops them. */");
    emit(e, "static void %s_forget(int64_t upto)", t);
    emit(e, "{");
    emit(e, "    for (const rgp_start_bucket *b; (b = rgp_starts_due(&%s_closing, INT64_C(%lld), upto)); rgp_starts_close_first(&%s_closing))",
         t, close_after_ms(o), t);
    emit(e, "        %s_closed += b->len;", t);
    emit(e, "    %s_next_close = rgp_heap_first_close(&%s_closing.order, INT64_C(%lld));", t, t, close_after_ms(o));
    emit(e, "    %s_compact();", t);
    emit(e, "}");
    blank(e);
}

/* Drops the closed entries of a table keyed by span once they are half of
 * it, keeping the others in order, and rebuilds the index and the closing
 * heap for the renumbered entries. Between compactions a closed entry stays,
 * unseen: lookups only come for windows and spans still open. Each entry is
 * moved a bounded number of times, so closing costs what closes. */
static void emit_compact(emitter *e, const char *t, const ast_op *o, bool owns)
{
    sbuf is_open = {0};   /* a window says so; a span is open until the watermark passes its end */
    if (o->kind == OP_WINDOW) sb(&is_open, "%s.entries[i].value.open", t);
    else sb(&is_open, "rgp_time_add(%s.entries[i].value.start, INT64_C(%lld)) > %s_watermark", t, close_after_ms(o), t);
    emit(e, "/* Drops the closed entries once they are half the table, keeping the others in");
    emit(e, " * order, and rebuilds the index and the closing heap: entries are renumbered. */");
    emit(e, "static void %s_compact(void)", t);
    emit(e, "{");
    e->indent++;
    emit(e, "if (!%s_closed || 2 * %s_closed < %s.len) return;", t, t, t);
    emit(e, "size_t k = 0;");
    emit(e, "for (size_t i = 0; i < %s.len; i++) {", t);
    emit(e, "    if (%s) %s.entries[k++] = %s.entries[i];", is_open.s, t, t);
    if (owns) emit(e, "    else %s_entry_free(&%s.entries[i]);", t, t);
    emit(e, "}");
    emit(e, "%s.len = k;", t);
    emit(e, "%s_closed = 0;", t);
    emit(e, "rgp_table_reindex_%s(&%s);", t, t);
    emit(e, "rgp_starts_clear(&%s_closing);", t);
    emit(e, "for (size_t n = 0; n < %s.len; n++) %s_queue(n, %s.entries[n].key.ws);", t, t, t);
    e->indent--;
    emit(e, "}");
    blank(e);
    free(is_open.s);
}

/* A table per keyed or group operator: entries (key, value) kept dense in the
 * order their keys first came (a group's output order), found through an
 * open-addressing index of entry numbers that doubles at half full. A record
 * costs a hash and a probe or two; memory grows with keys, not records. Only
 * the thread that runs the stage touches it. */
void emit_table(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    const rectype *in = o->in;
    sbuf keys = {0};
    for (const ast_arg *g = o->keys; g; g = g->next) sb(&keys, "%s%s", keys.len ? ", " : "", g->value->text);
    emit(e, "/* %s of stage %s (%s:%u), by %s%s */", op_tables[o->kind].what, st->name, e->p->file, o->loc.line,
         keys.len ? keys.s : keyed_by_span(e->pl, o) ? "" : "nothing: one entry for all records",
         keyed_by_span(e->pl, o) ? (keys.len ? " and window start" : "window start") : "");
    free(keys.s);
    emit(e, "typedef struct %s_key {", t);
    bool str_key = false;
    for (const ast_arg *g = o->keys; g; g = g->next) {
        type_id kt = in->fields[g->value->u.name.field].type;
        str_key |= kt == T_STR;
        emit(e, "    %s %s;", ctype(kt), g->value->text);
    }
    if (keyed_by_span(e->pl, o)) emit(e, "    int64_t ws;   /* the window's start, or the throttle's span */");
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
        else emit(e, "    int64_t start%s;", o->wkind == W_SESSION ? ", last;   /* the session's first and last event times */" : "");
        if (o->wkind == W_SESSION) emit(e, "    bool queued;   /* it has an item in the closing heap */");
        emit(e, "    %s_aggs g;", t);
        emit(e, "} %s_win;", t);
        snprintf(value, sizeof value, "%s_win", t);
    } else if (o->kind == OP_THROTTLE) {
        emit(e, "typedef struct %s_span { int64_t start; uint64_t n; } %s_span;   /* the key's span and its records so far */", t, t);
        emit(e, "static uint64_t %s_held, %s_in;   /* records over the limit, of those that came in */", t, t);
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
        rectype on = {0};   /* the compared fields as a record's members: a nested object's (device.id) nest */
        for (const ast_arg *g = o->on; g; g = g->next) on.nfields++;
        on.fields = calloc((size_t)on.nfields + 1, sizeof *on.fields);
        int nf = 0;
        for (const ast_arg *g = o->on; g; g = g->next, nf++)
            on.fields[nf] = (field){.name = g->value->text, .type = g->value->type, .nest = strchr(g->value->text, '.') != NULL};
        e->indent++;
        emit_record_members(e, &on);
        e->indent--;
        free(on.fields);
        if (o->size.ms) emit(e, "    int64_t passed_at;   /* when the key's last record passed */");
        if (!o->on && !o->size.ms) emit(e, "    char none;");
        emit(e, "} %s_last;", t);
        snprintf(value, sizeof value, "%s_last", t);
    } else {
        snprintf(value, sizeof value, "%s", o->state_type->cname);
    }
    emit(e, "typedef struct %s_entry { %s_key key; %s value; } %s_entry;", t, t, value, t);
    emit(e, "static inline uint64_t %s_hash(const %s_key *k)", t, t);
    emit(e, "{");
    emit(e, "    uint64_t h = 0;");
    for (const ast_arg *g = o->keys; g; g = g->next)
        emit(e, "    h = rgp_hash_u64(h ^ %s(k->%s));", hash_fn(in->fields[g->value->u.name.field].type), g->value->text);
    if (keyed_by_span(e->pl, o)) emit(e, "    h = rgp_hash_u64(h ^ rgp_hash_i64(k->ws));");
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
    if (keyed_by_span(e->pl, o)) sb(&eq, "%sa->ws == b->ws", eq.len ? " && " : "");
    else if (!o->keys) emit(e, "    (void)a, (void)b;");
    emit(e, "    return %s;", eq.len ? eq.s : "true");
    free(eq.s);
    emit(e, "}");
    blank(e);
    emit(e, "RGP_TABLE_PROTOTYPE(%s, %s_entry, %s_key, %s_hash, %s_eq)", t, t, t, t, t);
    emit(e, "static struct rgp_table_%s %s;   /* entries in the order keys first came (runtime/table.h) */", t, t);
    blank(e);
    if (closes_by_time(e->pl, o)) emit_close_queue(e, t, o);
    emit(e, "/* The entry of key k; *fresh says it was just made, its value zeroed. */");
    emit(e, "static inline %s_entry *%s_lookup(const %s_key *k, bool *fresh)", t, t, t);
    emit(e, "{");
    e->indent++;
    emit(e, "%s_entry *en = rgp_table_get_%s(&%s, k, fresh);", t, t, t);
    emit(e, "if (!en) rgp_out_of_memory(RGP_PROGRAM);");
    if (str_key || keyed_by_span(e->pl, o)) emit(e, "if (!*fresh) return en;");
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
    if (keyed_by_span(e->pl, o))
        emit(e, "%s_queue(%s.len - 1, k->ws);   /* to close when the watermark passes its end */", t, t);
    emit(e, "return en;");
    e->indent--;
    emit(e, "}");
    blank(e);
    if (o->kind == OP_WINDOW) emit_window_due(e, t, o);
    bool owns = str_key;
    for (const ast_arg *g = o->kind == OP_DEDUP ? o->on : NULL; g; g = g->next) owns |= g->value->type == T_STR;
    owns |= (o->kind == OP_KEYED || o->kind == OP_DELTA) && (o->state_type->has_str || o->state_type->nmaps);
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
        for (int i = 0; state && i < state->nmaps; i++)
            emit(e, "    rgp_omap_free_%s(&en->value.%s%s);", state->maps[i].cname, o->kind == OP_DELTA ? "s." : "", state->maps[i].name);
        for (int i = 0; o->kind == OP_DELTA && i < o->in->nfields; i++)
            if (o->in->fields[i].type == T_STR) emit(e, "    free((char *)en->value.prev.%s.ptr);", o->in->fields[i].name);
        if (aggs_own_memory(o)) emit(e, "    %s_aggs_free(&en->value%s);", t, o->kind == OP_WINDOW ? ".g" : "");
        emit(e, "}");
        blank(e);
    }
    if (keyed_by_span(e->pl, o)) emit_compact(e, t, o, owns);
    if (o->kind == OP_THROTTLE && keyed_by_span(e->pl, o)) emit_throttle_spans(e, t, o, owns);
    emit(e, "static void %s_free(void)", t);
    emit(e, "{");
    if (owns) emit(e, "    for (size_t i = 0; i < %s.len; i++) %s_entry_free(&%s.entries[i]);", t, t, t);
    emit(e, "    rgp_table_free_%s(&%s);", t, t);
    if (o->kind == OP_WINDOW) emit(e, "    free(%s_due_at);", t);
    if (closes_by_time(e->pl, o)) emit(e, "    %s(&%s_closing);", keyed_by_span(e->pl, o) ? "rgp_starts_free" : "rgp_heap_free", t);
    emit(e, "}");
    blank(e);
    assert(e->indent == 0);
}
