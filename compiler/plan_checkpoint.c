/* What a checkpoint saves (options { checkpoint: "DIR" }): the components, the
 * thread that saves each, the fingerprint line of each (what a resumed run
 * compares), and an error for each part of a pipeline that cannot be saved yet. */
#include <stdlib.h>
#include <string.h>
#include "builtins.h"
#include "plan.h"

#define CKPT_SUPPORTED "keyed state, delta, dedup, group, throttle, sample and tumbling windows in event time"

/* "k:u32,name:str": the key fields of an operator, with their types. */
static void keys_text(char *out, size_t cap, const ast_op *o)
{
    out[0] = 0;
    for (const ast_arg *g = o->keys; g; g = g->next)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s:%s", g == o->keys ? "" : ",", g->value->text,
                 type_name(o->in->fields[g->value->u.name.field].type));
    if (!o->keys) snprintf(out, cap, "(nothing)");
}

/* "c:count(),total:sum(f64)": a group's or window's aggregates. */
static void aggs_text(char *out, size_t cap, const ast_op *o)
{
    out[0] = 0;
    for (const ast_item *it = o->items; it; it = it->next) {
        const ast_expr *call = it->value;
        const char *arg = aggregates[call->u.call.builtin].arity ? type_name(call->u.call.args->value->type) : "";
        snprintf(out + strlen(out), cap - strlen(out), "%s%s:%s(%s)", it == o->items ? "" : ",", it->name,
                 aggregates[call->u.call.builtin].name, arg);
    }
}

static const char *op_line(arena *a, const node *st, const ast_op *o)
{
    char keys[1024], more[2048] = "";
    keys_text(keys, sizeof keys, o);
    if (o->kind == OP_KEYED) {
        for (int i = 0; i < o->state_type->nfields; i++)
            snprintf(more + strlen(more), sizeof more - strlen(more), "%s%s:%s", i ? "," : "", o->state_type->fields[i].name,
                     type_name(o->state_type->fields[i].type));
        return arena_printf(a, "stage %s: by %s state {%s}", st->name, keys, more);
    }
    if (o->kind == OP_DEDUP) {
        for (const ast_arg *g = o->on; g; g = g->next)
            snprintf(more + strlen(more), sizeof more - strlen(more), "%s%s:%s", g == o->on ? "" : ",", g->value->text,
                     type_name(g->value->type));
        return arena_printf(a, "stage %s: dedup by %s on %s within %lld ms", st->name, keys, more, o->size.ms);
    }
    if (o->kind == OP_DELTA) {
        for (int i = 0; o->state_type && i < o->state_type->nfields; i++)
            snprintf(more + strlen(more), sizeof more - strlen(more), "%s%s:%s", i ? "," : "", o->state_type->fields[i].name,
                     type_name(o->state_type->fields[i].type));
        return arena_printf(a, "stage %s: delta by %s state {%s} of %s", st->name, keys, more, o->in->name);
    }
    if (o->kind == OP_THROTTLE)
        return arena_printf(a, "stage %s: throttle %llu every %lld ms by %s", st->name, o->limit, o->size.ms, keys);
    if (o->kind == OP_SAMPLE)
        return o->sample_every ? arena_printf(a, "stage %s: sample every %llu", st->name, o->limit)
                               : arena_printf(a, "stage %s: sample %.17g seed %llu", st->name, o->fraction, o->seed);
    aggs_text(more, sizeof more, o);
    if (o->kind == OP_GROUP) return arena_printf(a, "stage %s: group by %s {%s}", st->name, keys, more);
    return arena_printf(a, "stage %s: window every %lld ms lateness %lld ms ahead %lld ms by %s {%s}", st->name, o->size.ms,
                        o->lateness_ms, o->ahead.ms, keys, more);
}

/* Why an operator's state cannot be saved yet, or NULL when it can (or it has none). */
static const char *unsaved(const ast_op *o)
{
    switch (o->kind) {
    case OP_WHERE: case OP_SELECT: case OP_JOIN: case OP_KEYED: case OP_DEDUP: case OP_DELTA: case OP_THROTTLE:
    case OP_SAMPLE: return NULL;   /* a throttle after a merge: refused by after_merge */
    case OP_GROUP: case OP_WINDOW:
        for (const ast_item *it = o->items; it; it = it->next)
            if (aggregates[it->value->u.call.builtin].q > 0 || it->value->type == T_STR)
                return "its quantiles and str aggregates are not";
        if (o->kind == OP_GROUP) return NULL;
        if (o->wkind != W_TUMBLING) return "only tumbling windows are";
        return o->time_field ? NULL : "only windows in event time (window TIME every ...) are";
    case OP_LIMIT: return "a limit's count is not";
    case OP_SORT: return "a sort's records are not";
    }
    return "it is not";
}

/* Whether a merge lies upstream of stage st with no group or window between:
 * its event-time operators then keep a watermark per input (lanes). */
static bool after_merge(const node *st)
{
    for (const node *n = st->owner ? st->owner : st->input; n; n = n->owner ? n->owner : n->input) {
        if (n->kind != D_STAGE) return false;
        for (const ast_op *o = n->ops; o; o = o->next)
            if (o->kind == OP_GROUP || o->kind == OP_WINDOW) return false;
        if (!n->input && n->ninputs > 1) return true;
    }
    return false;
}

static plan_thread *parse_thread_of(const plan *pl, const node *src)
{
    for (int i = 0; i < pl->nthreads; i++)
        if (pl->threads[i]->kind == TH_PARSE && pl->threads[i]->source == src) return pl->threads[i];
    return NULL;
}

static void add(arena *a, plan *pl, int *cap, const node *n, const ast_op *op, plan_thread *t, const char *line)
{
    if (pl->nckpt == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        plan_ckpt *grown = arena_alloc(a, sizeof *grown * (size_t)*cap);
        if (pl->nckpt) memcpy(grown, pl->ckpt, sizeof *grown * (size_t)pl->nckpt);
        pl->ckpt = grown;
    }
    pl->ckpt[pl->nckpt++] = (plan_ckpt){n, op, t, line};
}

void plan_checkpoint(arena *a, diag *d, plan *pl)
{
    const program *p = pl->prog;
    int cap = 0;
    char schema[4096];
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!s->used) continue;
        if (s->endpoint != EP_JOURNAL && (s->endpoint != EP_FILE || s->follow)) {
            diag_error(d, s->loc, "source '%s' cannot resume from a checkpoint yet: journal and file sources save their "
                       "position, stdin, network and followed files do not; read the data through a journal (docs/durability.md)",
                       s->name);
            continue;
        }
        schema[0] = 0;
        for (int f = 0; f < s->type->nfields; f++)
            snprintf(schema + strlen(schema), sizeof schema - strlen(schema), "%s%s:%s", f ? ";" : "", s->type->fields[f].name,
                     type_name(s->type->fields[f].type));
        static const char *const formats[] = {[FMT_CSV] = "csv", [FMT_JSONL] = "jsonl", [FMT_LINES] = "lines",
                                              [FMT_JOURNAL] = "journal", [FMT_SYSLOG] = "syslog"};
        add(a, pl, &cap, s, NULL, parse_thread_of(pl, s),
            s->endpoint == EP_JOURNAL ? arena_printf(a, "source %s: journal(%s)", s->name, schema)
                                      : arena_printf(a, "source %s: file as %s(%s)", s->name, formats[s->format], schema));
    }
    for (int i = 0; i < p->nstages; i++) {
        const node *st = p->stages[i];
        if (!plan_is_live(st)) continue;
        if (!st->input && st->ninputs > 1 && st->ordered)
            diag_error(d, st->loc, "merge '%s' on %s cannot be checkpointed yet: the records its reorder buffer holds are not "
                       "saved in checkpoints; merge in arrival order (merge(...) without 'on'), whose barriers are aligned",
                       st->name, st->type->fields[st->order_field].name);
        for (const ast_op *o = st->ops; o; o = o->next) {
            const char *why = unsaved(o);
            if (!why && o->time_field && (o->kind == OP_WINDOW || o->kind == OP_THROTTLE) && after_merge(st))
                why = "the watermark per input that a window or throttle after a merge keeps is not";
            if (why) {
                diag_error(d, o->loc, "stage '%s' cannot be checkpointed yet: %s saved in checkpoints (they save %s)", st->name, why,
                           CKPT_SUPPORTED);
                continue;
            }
            if (o->kind < OP_KEYED && o->kind != OP_SAMPLE) continue;
            add(a, pl, &cap, st, o, plan_thread_of(pl, st), op_line(a, st, o));
        }
    }
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind == TH_RUN && t->policy != POLICY_BLOCK)
            diag_error(d, t->entry->opt.policy_loc, "'%s' cannot be checkpointed: a reader that drops records has no place in "
                       "a consistent checkpoint; use policy: block", t->entry->name);
    }
    for (int i = 0; i < p->nsinks; i++) {
        const node *s = p->sinks[i];
        if (s->endpoint != EP_JOURNAL || !plan_thread_of(pl, s)) continue;   /* other sinks are at-least-once */
        schema[0] = 0;
        for (int f = 0; f < s->type->nfields; f++)
            snprintf(schema + strlen(schema), sizeof schema - strlen(schema), "%s%s:%s", f ? ";" : "", s->type->fields[f].name,
                     type_name(s->type->fields[f].type));
        add(a, pl, &cap, s, NULL, plan_thread_of(pl, s), arena_printf(a, "sink %s: journal(%s)", s->name, schema));
    }
    /* every thread is a part, with its components or none: a periodic barrier goes
     * into a ring only once every reader is past the one before */
    for (int i = 0; i < pl->nthreads; i++) pl->threads[i]->ckpt_part = pl->nckpt_parts++;
}
