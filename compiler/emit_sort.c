/* sort by FIELD [desc], ... after a group or window: each set of records they
 * send (a group's table at the end of input, the windows that close together)
 * is held in a buffer the operator keeps, sorted stably, then sent on. */
#include <stdio.h>
#include <string.h>
#include "emit_internal.h"

/* One key of `before`: returns when a and b differ on it. NaN sorts last either way. */
static void emit_key_before(emitter *e, const ast_arg *g)
{
    const char *f = g->value->text, *lt = g->desc ? ">" : "<";
    switch (g->value->type) {
    case T_STR:
        emit(e, "{ int c = rgp_str_cmp(a->%s, b->%s); if (c) return c %s 0; }   /* %s, bytewise */", f, f, lt, f);
        break;
    case T_F64:
        emit(e, "{   /* %s: NaN last */", f);
        emit(e, "    bool na = a->%s != a->%s, nb = b->%s != b->%s;", f, f, f, f);
        emit(e, "    if (na != nb) return nb;");
        emit(e, "    if (!na && a->%s != b->%s) return a->%s %s b->%s;", f, f, f, lt, f);
        emit(e, "}");
        break;
    default:
        emit(e, "if (a->%s != b->%s) return a->%s %s b->%s;   /* %s */", f, f, f, lt, f, f);
        break;
    }
}

/* The buffer of a sort operator, its order, and its stable sort. */
void emit_sort_state(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    const char *T = o->in->cname;
    emit(e, "/* sort of stage %s (%s:%u): the set being sent, kept until it has all come */", st->name, e->p->file, o->loc.line);
    emit(e, "static %s *%s_recs, *%s_tmp;   /* grown to the largest set, and kept */", T, t, t);
    emit(e, "static size_t %s_len, %s_cap;", t, t);
    blank(e);
    emit(e, "static inline bool %s_before(const %s *a, const %s *b)", t, T, T);
    emit(e, "{");
    e->indent++;
    for (const ast_arg *g = o->keys; g; g = g->next) emit_key_before(e, g);
    emit(e, "return false;   /* equal: the first come stays first */");
    e->indent--;
    emit(e, "}");
    blank(e);
    emit(e, "static void %s_sort(void)   /* bottom-up merge sort: stable, so ties keep the order they came in */", t);
    emit(e, "{");
    e->indent++;
    emit(e, "%s *src = %s_recs, *dst = %s_tmp;", T, t, t);
    emit(e, "for (size_t w = 1; w < %s_len; w *= 2) {", t);
    emit(e, "    for (size_t lo = 0; lo < %s_len; lo += 2 * w) {", t);
    emit(e, "        size_t mid = lo + w < %s_len ? lo + w : %s_len, hi = lo + 2 * w < %s_len ? lo + 2 * w : %s_len;", t, t, t, t);
    emit(e, "        size_t i = lo, j = mid, k = lo;");
    emit(e, "        while (i < mid && j < hi) dst[k++] = %s_before(&src[j], &src[i]) ? src[j++] : src[i++];", t);
    emit(e, "        while (i < mid) dst[k++] = src[i++];");
    emit(e, "        while (j < hi) dst[k++] = src[j++];");
    emit(e, "    }");
    emit(e, "    %s *x = src; src = dst; dst = x;", T);
    emit(e, "}");
    emit(e, "if (src != %s_recs) memcpy(%s_recs, src, %s_len * sizeof *src);", t, t, t);
    e->indent--;
    emit(e, "}");
    blank(e);
    emit(e, "static void %s_add(const %s *r)", t, T);
    emit(e, "{");
    e->indent++;
    emit(e, "if (%s_len == %s_cap) {", t, t);
    emit(e, "    size_t cap = %s_cap ? 2 * %s_cap : 64;", t, t);
    emit(e, "    %s *recs = realloc(%s_recs, cap * sizeof *recs), *tmp = recs ? realloc(%s_tmp, cap * sizeof *tmp) : NULL;", T, t, t);
    emit(e, "    if (!recs || !tmp) rgp_out_of_memory(RGP_PROGRAM);");
    emit(e, "    %s_recs = recs, %s_tmp = tmp, %s_cap = cap;", t, t, t);
    emit(e, "}");
    emit(e, "%s_recs[%s_len++] = *r;   /* its strings are the group's or window's, alive until the set is sent */", t, t);
    if (o->limit && o->limit < (1ULL << 40))
        emit(e, "if (%s_len == UINT64_C(%llu)) %s_sort(), %s_len = %llu;   /* only the first %llu can be sent: the rest go now */",
             t, 2 * o->limit, t, t, o->limit, o->limit);
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* A sort, for each record: into the buffer; it goes on when the set is sent. */
void emit_sort_add(emitter *e, const node *st, const ast_op *o, const char *cur)
{
    line_to_rgp(e, o->loc);
    emit(e, "%s_add(%s);", table_name(st, o), cur);
}

/* The set has all come: sorted, then sent through the operators after the sort. */
void emit_sort_flush(emitter *e, const node *st, const ast_op *o)
{
    char t[192];
    snprintf(t, sizeof t, "%s", table_name(st, o));
    int k = ++e->tmp;
    emit(e, "%s_sort();", t);
    if (o->limit) emit(e, "for (size_t i = 0; i < %s_len && i < UINT64_C(%llu); i++) {   /* the top %llu */", t, o->limit, o->limit);
    else emit(e, "for (size_t i = 0; i < %s_len; i++) {", t);
    e->indent++;
    emit(e, "rgp_scratch_reset(&scratch);");
    emit(e, "const %s *sorted%d = &%s_recs[i];", o->in->cname, k, t);
    char cur[32];
    snprintf(cur, sizeof cur, "sorted%d", k);
    emit_ops(e, st, o->next, cur);
    e->indent--;
    emit(e, "}");
    emit(e, "%s_len = 0;", t);
}
