/* Map-valued keyed state (state { book: map[f64]i64 }): each map's instance of
 * runtime/omap.h's template, and the C of its statements: MAP[KEY] = V (and
 * op=), delete(MAP, KEY) and the head of a for over it. MAP[KEY] and the map
 * functions inside expressions are in emit_expr.c, with the other calls. */
#include <stdlib.h>
#include "emit_internal.h"

static const char *key_cmp(type_id k)
{
    return k == T_STR ? "rgp_str_cmp" : k == T_F64 ? "rgp_omap_cmp_f64" : k == T_U64 ? "rgp_omap_cmp_u64" : "rgp_omap_cmp_i64";
}

/* The map's struct and functions, before the state record that holds it. */
void emit_map_type(emitter *e, const state_map *m)
{
    emit(e, "/* map %s: map[%s]%s (%s:%u), a sorted map per key (runtime/omap.h) */", m->name, type_name(m->key),
         type_name(m->value), e->p->file, m->loc.line);
    emit(e, "RGP_OMAP_PROTOTYPE(%s, %s, %s, %s, %s, %s, %s)", m->cname, ctype(m->key), ctype(m->value), key_cmp(m->key),
         m->key == T_STR ? "rgp_omap_str_copy" : "RGP_OMAP_ASSIGN", m->key == T_STR ? "rgp_omap_str_free" : "RGP_OMAP_NOTHING",
         m->value == T_STR ? "rgp_omap_str_free" : "RGP_OMAP_NOTHING");
    blank(e);
}

/* MAP[KEY] = V: the key, then the value, then the store. For op= the key's
 * node is found (or made) once: V reads it as *mslot (emit_expr.c), and no
 * read of a map moves its nodes. */
void emit_map_assign(emitter *e, const ast_stmt *x, const char *cur)
{
    const state_map *m = x->map;
    emit(e, "{");
    e->indent++;
    char prefix[96];
    snprintf(prefix, sizeof prefix, "const %s mk = ", ctype(m->key));
    emit_user_expr(e, x->index, cur, prefix, ";");
    char put[160];
    snprintf(put, sizeof put, "%s *mslot = rgp_omap_put_%s(&s->%s, mk);", ctype(m->value), m->cname, m->name);
    if (!x->plain) emit(e, "%s", put);
    snprintf(prefix, sizeof prefix, "const %s mv = ", ctype(m->value));
    emit_user_expr(e, x->value, cur, prefix, ";");
    if (x->plain) emit(e, "%s", put);
    if (m->value == T_STR) emit(e, "rgp_str_keep_copy(mslot, mv);   /* the map keeps its own copy */");
    else emit(e, "*mslot = mv;");
    e->indent--;
    emit(e, "}");
}

/* delete(MAP, KEY): a missing key changes nothing. */
void emit_map_delete(emitter *e, const ast_stmt *x, const char *cur)
{
    const ast_expr *call = x->value;
    const state_map *m = call->u.call.map;
    char prefix[160];
    snprintf(prefix, sizeof prefix, "rgp_omap_del_%s(&s->%s, ", m->cname, m->name);
    emit_user_expr(e, call->u.call.args->next->value, cur, prefix, ");");
}

/* for K, V in MAP [desc] limit N: opens a loop over the map in key order (desc:
 * from the largest), at most N steps, with K and V as the block's locals;
 * emit_map_for_close ends it. The map does not change inside (sema). */
void emit_map_for_open(emitter *e, const ast_stmt *x)
{
    const state_map *m = x->map;
    line_to_rgp(e, x->loc);
    emit(e, "{");
    e->indent++;
    emit(e, "struct rgp_omap_iter_%s it%d;", m->cname, x->slot);
    emit(e, "rgp_omap_iter_init_%s(&it%d, &s->%s, %s);", m->cname, x->slot, m->name, x->order ? "true" : "false");
    emit(e, "for (uint64_t step%d = 0; step%d < UINT64_C(%llu); step%d++) {", x->slot, x->slot, x->limit, x->slot);
    e->indent++;
    emit(e, "const uint32_t at%d = rgp_omap_iter_next_%s(&it%d, &s->%s);", x->slot, m->cname, x->slot, m->name);
    emit(e, "if (!at%d) break;   /* past the last key */", x->slot);
    emit(e, "const %s l%d_%s = s->%s.n[at%d].key;", ctype(m->key), x->slot, x->name, m->name, x->slot);
    emit(e, "const %s l%d_%s = s->%s.n[at%d].val;", ctype(m->value), x->slot + 1, x->name2, m->name, x->slot);
    emit(e, "(void)l%d_%s, (void)l%d_%s;", x->slot, x->name, x->slot + 1, x->name2);
}

void emit_map_for_close(emitter *e)
{
    e->indent--;
    emit(e, "}");
    e->indent--;
    emit(e, "}");
}
