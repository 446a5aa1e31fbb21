/* What a reader runs for each record: the operators of its stages inlined in
 * order (where, select, keyed state and delta blocks, dedup, throttle, sample,
 * route, and the group and window hooks), then its sinks or the next ring. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "emit_internal.h"

/* `{rec->a, rec->b}`: the key of record `cur` for a keyed or group operator
 * (a window's also holds the window's start, `ws`). */
static void key_init(sbuf *b, const ast_op *o, const char *cur, bool by_span)
{
    sb(b, "{");
    for (const ast_arg *g = o->keys; g; g = g->next) sb(b, "%s%s->%s", g == o->keys ? "" : ", ", cur, g->value->text);
    if (by_span) sb(b, "%sws", o->keys ? ", " : "");
    else if (!o->keys) sb(b, "0");   /* group without by: one key for everything */
    sb(b, "}");
}

/* Opens a block that finds record cur's entry in the operator's table: `fresh`
 * says the key is new, and `var` points at the entry's value (the key's state,
 * aggregates or last values). The caller closes the block. */
void emit_lookup(emitter *e, const node *st, const ast_op *o, const char *cur, const char *var)
{
    char t[192], value[224];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    snprintf(value, sizeof value, "%s", value_type(st, o));
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    sbuf key = {0};
    key_init(&key, o, cur, keyed_by_span(e->pl, o));
    emit(e, "%s_key key = %s;", t, key.s);
    free(key.s);
    emit(e, "bool fresh;");
    emit(e, "%s_entry *entry = %s_lookup(&key, &fresh);", t, t);
    emit(e, "%s *%s = &entry->value;", value, var);
}

/* select and emit: a record of type `out` made from items over `cur`, then
 * the operators from `next` on applied to it. */
/* `vK.FIELD = EXPR;`: field i of record vK from an item's expression over cur. */
/* ---- records a where or select rejects (parse_time without a fallback) ---- */

/* Counter `which` ("seen" or "rejected") of a where or select that may reject
 * records: its stage's, or in a merge, whose operators run on each input's
 * thread, thread t's own (each thread counts its share; the sums are read at exit). */
void fault_counter(const node *st, const ast_op *o, const plan_thread *t, const char *which, char *out, size_t cap)
{
    assert(!st->ninputs || t);
    if (st->ninputs > 0) snprintf(out, cap, "%s_%s_%s", table_name(st, o), which, t->cname);
    else snprintf(out, cap, "%s_%s", table_name(st, o), which);
}

/* The fault the op's expressions may set (rgp_std.h's rgp_fault), and its count. */
static void emit_fault_begin(emitter *e, const node *st, const ast_op *o)
{
    char seen[320];
    fault_counter(st, o, e->thread, "seen", seen, sizeof seen);
    emit(e, "rgp_fault fault = {0};   /* set by a parse_time without a fallback whose text does not match */");
    emit(e, "%s++;", seen);
}

/* Rejected and said (the first ones; all counted for the loss summary), or else
 * the block that goes on opens, with `then` before its brace. */
static void emit_fault_check(emitter *e, const node *st, const ast_op *o, const char *then)
{
    char rejected[320];
    fault_counter(st, o, e->thread, "rejected", rejected, sizeof rejected);
    emit(e, "if (fault.bad) {");
    emit(e, "    rgp_fault_reject(RGP_PROGRAM, \"%s:%u:%u\", \"%s\", &fault, &%s);", e->p->file, o->loc.line, o->loc.col,
         st->name, rejected);
    emit(e, "} else %s{", then);
    e->indent++;
}

static void emit_field(emitter *e, int k, const rectype *out, int i, const ast_expr *value, const char *cur)
{
    char prefix[160];
    snprintf(prefix, sizeof prefix, "v%d.%s = ", k, out->fields[i].name);
    emit_user_expr(e, value, cur, prefix, ";");
}

/* The record of a select's (or an emit's) items, and what follows on it. A
 * select whose items may reject the record (faulting: parse_time without a
 * fallback) reports it instead of going on. */
static void emit_record_then(emitter *e, const node *st, const ast_item *items, const rectype *out, srcloc at,
                             const char *cur, const ast_op *next, const ast_op *faulting)
{
    int k = ++e->tmp;
    line_to_rgp(e, at);
    emit(e, "{");
    e->indent++;
    if (faulting) emit_fault_begin(e, st, faulting);
    emit(e, "%s v%d;", out->cname, k);
    const ast_item *it = items;
    for (int i = 0; it; it = it->next, i++) emit_field(e, k, out, i, it->value, cur);
    if (faulting) emit_fault_check(e, st, faulting, "");
    char next_cur[32];
    snprintf(next_cur, sizeof next_cur, "(&v%d)", k);
    emit_ops(e, st, next, next_cur);
    if (faulting) {
        e->indent--;
        emit(e, "}");
    }
    e->indent--;
    emit(e, "}");
}

/* ---- select then where: fields made as the conditions need them ----------------- */

#define FUSE_MAX_FIELDS 256
#define FUSE_MAX_CONJUNCTS 32

/* Marks the fields of the record an expression reads. */
static void fields_read(const ast_expr *x, bool *used, int nfields)
{
    switch (x->kind) {
    case E_NAME:
        if (x->u.name.scope == SCOPE_FIELD && !x->qual && x->u.name.field < nfields) used[x->u.name.field] = true;
        break;
    case E_UNARY: fields_read(x->u.un.operand, used, nfields); break;
    case E_BINARY:
        fields_read(x->u.bin.lhs, used, nfields);
        fields_read(x->u.bin.rhs, used, nfields);
        break;
    case E_CALL:
        for (const ast_arg *g = x->u.call.args; g; g = g->next) fields_read(g->value, used, nfields);
        break;
    case E_IF:
        fields_read(x->u.cond.cond, used, nfields);
        fields_read(x->u.cond.then, used, nfields);
        fields_read(x->u.cond.otherwise, used, nfields);
        break;
    default: break;
    }
}

/* A rough price of computing an expression: its function calls. */
static int expr_cost(const ast_expr *x)
{
    switch (x->kind) {
    case E_UNARY: return expr_cost(x->u.un.operand);
    case E_BINARY: return expr_cost(x->u.bin.lhs) + expr_cost(x->u.bin.rhs) + (x->type == T_STR);
    case E_IF: return expr_cost(x->u.cond.cond) + expr_cost(x->u.cond.then) + expr_cost(x->u.cond.otherwise);
    case E_CALL: {
        int c = 1;
        for (const ast_arg *g = x->u.call.args; g; g = g->next) c += expr_cost(g->value);
        return c;
    }
    default: return 0;
    }
}

/* The conjuncts of `a and b and ...`, in order. */
static int conjuncts(const ast_expr *x, const ast_expr **out, int n)
{
    if (x->kind == E_BINARY && x->u.bin.op == BIN_AND) {
        n = conjuncts(x->u.bin.lhs, out, n);
        return conjuncts(x->u.bin.rhs, out, n);
    }
    if (n < FUSE_MAX_CONJUNCTS) out[n] = x;
    return n + 1;
}

/* `select { ... } | where A and B ...`: the select's fields are computed as
 * the conditions come to need them, the cheapest condition first (they are
 * pure, so their order does not change what passes), and the rest only for
 * records that pass: a filter after a parse skips most of the parse. */
static bool emit_select_where(emitter *e, const node *st, const ast_op *sel, const char *cur)
{
    const ast_op *wh = sel->next;
    const rectype *out = sel->out;
    if (sel->faults || wh->faults) return false;   /* a record that may be rejected is made whole first */
    const ast_expr *conj[FUSE_MAX_CONJUNCTS];
    int nc = conjuncts(wh->cond, conj, 0);
    if (nc > FUSE_MAX_CONJUNCTS || out->nfields > FUSE_MAX_FIELDS) return false;
    const ast_item *items[FUSE_MAX_FIELDS];
    int cost[FUSE_MAX_FIELDS];
    int nitems = 0;
    for (const ast_item *it = sel->items; it; it = it->next, nitems++) {
        items[nitems] = it;
        cost[nitems] = expr_cost(it->value);
    }
    bool need[FUSE_MAX_CONJUNCTS][FUSE_MAX_FIELDS] = {{0}};
    for (int c = 0; c < nc; c++) fields_read(conj[c], need[c], nitems);
    int k = ++e->tmp;
    line_to_rgp(e, sel->loc);
    emit(e, "{");
    e->indent++;
    emit(e, "/* select with the where after it: fields made as the conditions need them */");
    emit(e, "%s v%d;", out->cname, k);
    char rec[32];
    snprintf(rec, sizeof rec, "(&v%d)", k);
    bool made[FUSE_MAX_FIELDS] = {0}, done[FUSE_MAX_CONJUNCTS] = {0};
    int open = 0;
    for (int step = 0; step < nc; step++) {
        int best = -1, best_cost = 0;
        for (int c = 0; c < nc; c++) {
            if (done[c]) continue;
            int price = expr_cost(conj[c]);
            for (int i = 0; i < nitems; i++) if (need[c][i] && !made[i]) price += 1 + cost[i];
            if (best < 0 || price < best_cost) best = c, best_cost = price;
        }
        done[best] = true;
        for (int i = 0; i < nitems; i++) {
            if (!need[best][i] || made[i]) continue;
            emit_field(e, k, out, i, items[i]->value, cur);
            made[i] = true;
        }
        emit_user_expr(e, conj[best], rec, "if (", ") {");
        e->indent++;
        open++;
    }
    for (int i = 0; i < nitems; i++)
        if (!made[i]) emit_field(e, k, out, i, items[i]->value, cur);
    emit_ops(e, st, wh->next, rec);
    while (open--) {
        e->indent--;
        emit(e, "}");
    }
    e->indent--;
    emit(e, "}");
    return true;
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
            if (x->map) {
                emit_map_assign(e, x, cur);
                break;
            }
            if (x->is_local) snprintf(prefix, sizeof prefix, "l%d_%s = ", x->slot, x->name);
            else if (x->value->type == T_STR) snprintf(prefix, sizeof prefix, "rgp_str_keep_copy(&s->%s, ", x->name);
            else snprintf(prefix, sizeof prefix, "s->%s = ", x->name);
            /* a state string keeps its own copy: the text it came from is the record's or the scratch's */
            emit_user_expr(e, x->value, cur, prefix, !x->is_local && x->value->type == T_STR ? ");" : ";");
            break;
        case S_EMIT:
            emit_record_then(e, st, x->items, o->out, x->loc, cur, o->next, NULL);
            break;
        case S_CALL:   /* delete(MAP, KEY), the one call that is a statement */
            emit_map_delete(e, x, cur);
            break;
        case S_FOR:
            emit_map_for_open(e, x);
            emit_stmts(e, st, o, x->then, cur);
            emit_map_for_close(e);
            break;
        }
    }
}

/* A route: the record goes to the first branch whose condition holds. */
static void emit_route(emitter *e, const node *st, const char *cur)
{
    for (int i = 0; i < st->nsides; i++) {
        const node *b = st->sides[i];
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

/* A throttle's count in the key's span: under the limit the record goes on,
 * over it the record is held back and counted. */
static void emit_throttle_limit(emitter *e, const node *st, const ast_op *o, const char *cur, const char *t)
{
    emit(e, "if (sp->n < UINT64_C(%llu)) {", o->limit);
    e->indent++;
    emit(e, "sp->n++;");
    emit_ops(e, st, o->next, cur);
    e->indent--;
    emit(e, "} else {");
    emit(e, "    %s_held++;   /* over the limit: held back */", t);
    emit(e, "}");
}

/* A throttle: the key's span starts over when a record of a later span comes;
 * at most `limit` records of each go on, the rest are held back and counted. */
static void emit_throttle(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    emit(e, "%s_in++;   /* of these, the held back are told at exit */", t);
    emit_event_time(e, o, cur, NULL);
    emit(e, "int64_t span = rgp_time_trunc(ts, INT64_C(%lld));", o->size.ms);
    emit_lookup(e, st, o, cur, "sp");
    emit(e, "if (fresh || span > sp->start) {   /* the key's next span */");
    emit(e, "    sp->start = span;");
    emit(e, "    sp->n = 0;");
    emit(e, "}");
    emit_throttle_limit(e, st, o, cur, t);
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
}

/* A throttle over a merge, after an input's watermark moved, ended or turned
 * idle: the spans the merged watermark passes are forgotten. */
void emit_throttle_advance(emitter *e, const node *st, const ast_op *o, const char *now)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    emit(e, "{");
    emit(e, "    int64_t merged = %s_merged(%s);", t, now);
    emit(e, "    if (merged > %s_watermark) %s_watermark = rgp_watermark_of(merged);", t, t);
    emit(e, "    if (%s_watermark >= %s_next_close) %s_forget(%s_watermark);", t, t, t, t);
    emit(e, "}");
}

/* A throttle over a merge: its inputs' records of one span come in any order,
 * so each key keeps a count per span until the merged watermark passes the
 * span's end; a record of a span already past is late, held back and counted. */
static void emit_merged_throttle(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    bool idle = false;   /* then the thread knows the batch's time: now_ms */
    for (int k = 0; k < op_lanes(e->pl, o); k++) idle |= op_lane_idle_ms(e->pl, o, k) > 0;
    line_to_rgp(e, o->loc);
    emit(e, "{");
    e->indent++;
    emit(e, "%s_in++;   /* of these, the late and held back are told at exit */", t);
    emit_event_time(e, o, cur, NULL);
    emit(e, "if (ts > %s_lane_max[lane]) {   /* its input's watermark moves */", t);
    e->indent++;
    emit(e, "%s_lane_max[lane] = ts;", t);
    emit_throttle_advance(e, st, o, idle ? "now_ms" : "0");
    e->indent--;
    emit(e, "}");
    emit(e, "const int64_t ws = rgp_time_trunc(ts, INT64_C(%lld));   /* the span: part of the key */", o->size.ms);
    emit(e, "if (rgp_time_reached(%s_watermark, ws, INT64_C(%lld))) {", t, o->size.ms);
    emit(e, "    %s_late++;   /* its span has closed: held back */", t);
    emit(e, "} else {");
    e->indent++;
    emit_lookup(e, st, o, cur, "sp");
    emit(e, "if (fresh) {");
    emit(e, "    sp->start = ws;");
    emit(e, "    if (rgp_time_add(ws, INT64_C(%lld)) < %s_next_close) %s_next_close = rgp_time_add(ws, INT64_C(%lld));", o->size.ms, t, t,
         o->size.ms);
    emit(e, "}");
    emit_throttle_limit(e, st, o, cur, t);
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
}

/* The operators of a stage from o on, applied to record `cur`; after the last,
 * the record goes to the stage's ring or straight on to each of its readers. */
void emit_ops(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    if (!o) {
        line_to_c(e);
        emit_metrics_sent(e, st);
        const plan_ring *r = plan_ring_of(e->pl, st);
        if (st->is_route) {
            emit_route(e, st, cur);
        } else if (r) {
            emit_deliver(e, e->pl, r, cur);
        } else {
            for (int k = 0; k < st->nreaders; k++) {   /* each reader in turn, in this thread (plan.h) */
                if (st->nreaders > 1) emit(e, "/* reader %d of %d of %s */", k + 1, st->nreaders, st->name);
                emit_reader(e, st->readers[k], cur);
            }
        }
        return;
    }
    switch (o->kind) {
    case OP_WHERE:
        if (o->faults) {   /* the condition may reject the record: it is reported, neither passed nor filtered out */
            emit(e, "{");
            e->indent++;
            emit_fault_begin(e, st, o);
            emit_user_expr(e, o->cond, cur, "bool pass = ", ";");
            emit_fault_check(e, st, o, "if (pass) ");
            emit_ops(e, st, o->next, cur);
            e->indent--;
            emit(e, "}");
            e->indent--;
            emit(e, "}");
            break;
        }
        emit_user_expr(e, o->cond, cur, "if (", ") {");
        e->indent++;
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "}");
        break;
    case OP_SELECT:
        if (o->next && o->next->kind == OP_WHERE && emit_select_where(e, st, o, cur)) break;
        emit_record_then(e, st, o->items, o->out, o->loc, cur, o->next, o->faults ? o : NULL);
        break;
    case OP_KEYED: case OP_DELTA: {
        bool delta = o->kind == OP_DELTA;
        emit_lookup(e, st, o, cur, delta ? "d" : "s");
        if (delta && o->state) emit(e, "%s *s = &d->s;", o->state_type->cname);
        if (o->state) {
            emit(e, "if (fresh) {   /* a new key: its state starts from the declared values */");
            e->indent++;
            for (const ast_field *f = o->state; f; f = f->next) {
                if (f->key_type) continue;   /* a map: empty, as zeroed */
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
    case OP_THROTTLE:
        if (keyed_by_span(e->pl, o)) emit_merged_throttle(e, st, o, cur);
        else emit_throttle(e, st, o, cur);
        break;
    case OP_SAMPLE: {
        char t[192];
        snprintf(t, sizeof t, "%s", table_name(st, o));
        line_to_rgp(e, o->loc);
        if (o->sample_every) {
            emit(e, "if (%s_n++ %% UINT64_C(%llu) == 0) {   /* every %lluth record, from the first */", t, o->limit, o->limit);
        } else {
            emit(e, "%s_n++;", t);
            emit(e, "if ((rgp_splitmix64(&%s_rng) >> 11) < UINT64_C(%llu)) {   /* a coin that lands %.17g of the time */", t,
                 (unsigned long long)(o->fraction * 9007199254740992.0), o->fraction);
        }
        e->indent++;
        emit_ops(e, st, o->next, cur);
        e->indent--;
        emit(e, "} else {");
        emit(e, "    %s_skipped++;   /* left out: counted for the loss summary */", t);
        emit(e, "}");
        break;
    }
    case OP_LIMIT:
        emit_limit(e, st, o, cur);
        break;
    case OP_SORT:
        emit_sort_add(e, st, o, cur);
        break;
    case OP_JOIN:
        emit_join(e, st, o, cur);
        break;
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
            emit(e, "if (fresh || !(%s) || rgp_time_reached(ts, last->passed_at, INT64_C(%lld))) {   /* not a repeat, or its key's last passed %lld ms ago */",
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

void emit_stage(emitter *e, const node *st, const char *rec)
{
    emit(e, "/* %s %s (%s:%u) */", node_word(st), st->name, e->p->file, st->loc.line);
    emit_metrics_received(e, st);
    emit_ops(e, st, st->ops, rec);
}

void emit_reader(emitter *e, const node *n, const char *rec)
{
    if (n->kind == D_STAGE) {
        emit(e, "{");
        e->indent++;
        emit_stage(e, n, rec);
        e->indent--;
        emit(e, "}");
        return;
    }
    if (n->kind == D_TABLE) {
        emit_stream_table_update(e, n, rec);
        return;
    }
    emit(e, "/* sink %s (%s:%u) */", n->name, e->p->file, n->loc.line);
    emit_metrics_received(e, n);
    emit_nats_sink_before(e, n, rec);   /* a nats sink: the record's subject */
    if (n->format == FMT_CSV)
        emit(e, "%s(sink_w[%d], %s, '%s');", sink_writer_name(n), endpoint_index(e->p, n), rec,
             n->delim == '\'' ? "\\'" : n->delim == '\\' ? "\\\\" : (char[]){n->delim, 0});
    else if (sink_counts_replaced(n))   /* read by main after this thread is joined */
        emit(e, "replaced_%s += %s(sink_w[%d], %s);", n->name, sink_writer_name(n), endpoint_index(e->p, n), rec);
    else
        emit(e, "%s(sink_w[%d], %s);", sink_writer_name(n), endpoint_index(e->p, n), rec);
    emit_nats_sink_after(e, n);   /* and its publish */
}
