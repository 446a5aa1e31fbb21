/* limit N after a group or window: the first N records of each set the group
 * or window sends (a group's table at the end of input, the windows that close
 * together), counted by a counter that each set's end puts back to 0. */
#include <stdio.h>
#include "emit_internal.h"

/* The counter of a limit operator, among the program's statics. */
void emit_limit_state(emitter *e, const node *st, const ast_op *o)
{
    const char *t = table_name(st, o);
    emit(e, "/* limit of stage %s (%s:%u) */", st->name, e->p->file, o->loc.line);
    emit(e, "static uint64_t %s_n;   /* records let through of the set being sent */", t);
    blank(e);
}

/* A limit, for each record: the first N of the set go on, the rest are cut. */
void emit_limit(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));   /* the operators after it name their own */
    line_to_rgp(e, o->loc);
    emit(e, "if (%s_n < UINT64_C(%llu)) {   /* limit %llu */", t, o->limit, o->limit);
    e->indent++;
    emit(e, "%s_n++;", t);
    emit_ops(e, st, o->next, cur);
    e->indent--;
    emit(e, "}");
}

/* After group or window `o` sent a set of records: the sorts after it (up to
 * the next group or window) send what they hold, in order, and the limits
 * that count its sets start again. */
void emit_batch_end(emitter *e, const node *st, const ast_op *o)
{
    for (const ast_op *p = o->next; p && p->kind != OP_GROUP && p->kind != OP_WINDOW; p = p->next) {
        if (p->kind == OP_SORT) emit_sort_flush(e, st, p);
        if (p->kind == OP_LIMIT) emit(e, "%s_n = 0;   /* the set has been sent */", table_name(st, p));
    }
}
