/* The environment parts of a program that uses env(...): a static rgp_str per
 * distinct variable, read once by rgp_program_main before any file is opened
 * (runtime/env.h), and the paths of sources and sinks taken from one. The
 * reads in expressions are written by emit_expr.c as the static's name. */
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

static void emit_env_read_one(emitter *e, int i);

void emit_env_globals(emitter *e)
{
    const program *p = e->p;
    if (!p->nenvs) return;
    emit(e, "/* ---- environment variables, read once at start-up (runtime/env.h) ---- */");
    blank(e);
    for (int i = 0; i < p->nenvs; i++) {
        const ast_expr *call = p->envs[i];
        emit(e, "static rgp_str env_%d;   /* env(\"%s\"%s) at %s:%u:%u */", i, call->u.call.args->value->u.s.bytes,
             call->u.call.nargs == 2 ? ", ..." : "", p->file, call->loc.line, call->loc.col);
    }
    blank(e);
}

void emit_env_read(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nenvs; i++) {
        if (!p->env_in_expr[i]) continue;   /* only a path: read below, unless NAME=PATH replaced it */
        emit_env_read_one(e, i);
    }
    for (int i = 0; i < p->nsources + p->nsinks; i++) {
        const node *ep = i < p->nsources ? p->sources[i] : p->sinks[i - p->nsources];
        if (!ep->path_env) continue;
        int k = ep->path_env - 1;
        emit(e, "if (!strcmp(endpoints[%d].display, endpoints[%d].written)) {   /* %s %s: no NAME=PATH for it */", i, i,
             node_word(ep), ep->name);
        e->indent++;
        if (!p->env_in_expr[k]) emit_env_read_one(e, k);
        emit(e, "if (rgp_env_path(RGP_PROGRAM, &endpoints[%d], env_%d) != 0) return 1;", i, k);
        e->indent--;
        emit(e, "}");
    }
}

static void emit_env_read_one(emitter *e, int i)
{
    const program *p = e->p;
    {
        const ast_expr *call = p->envs[i], *name = call->u.call.args->value;
        const ast_expr *dflt = call->u.call.nargs == 2 ? call->u.call.args->next->value : NULL;
        sbuf n = {0}, d = {0}, where = {0}, w = {0};
        c_string(&n, name->u.s.bytes, name->u.s.len);
        if (dflt) c_string(&d, dflt->u.s.bytes, dflt->u.s.len);
        sb(&where, "%s:%u:%u", p->file, call->loc.line, call->loc.col);
        c_string(&w, where.s, where.len);
        emit(e, "if (rgp_env_read(RGP_PROGRAM, %s, %s, %s, &env_%d) != 0) return 1;", n.s, dflt ? d.s : "NULL", w.s, i);
        free(n.s), free(d.s), free(where.s), free(w.s);
    }
}
