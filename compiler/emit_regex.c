/* The regex parts of a program that uses matches(), capture() or replace():
 * a static per distinct pattern compiled once in rgp_program_main, and per
 * thread one rgp_re_thread (match data and JIT stack), never per record.
 * The calls themselves are written by emit_expr.c. */
#include <stdlib.h>
#include "emit_internal.h"

bool emit_uses_regex(const program *p) { return p->nregexes > 0; }

void emit_regex_globals(emitter *e)
{
    const program *p = e->p;
    if (!emit_uses_regex(p)) return;
    emit(e, "/* ---- regular expressions, compiled once at start-up (stdlib/rgp_regex.h) ---- */");
    blank(e);
    for (int i = 0; i < p->nregexes; i++) {
        const ast_expr *lit = p->regexes[i];
        emit(e, "static rgp_regex re_%d;   /* %s:%u:%u */", i, p->file, lit->loc.line, lit->loc.col);
    }
    emit(e, "#define RGP_RE_PAIRS %uu   /* ovector pairs: the most groups of a pattern, plus the whole match */", p->regex_pairs);
    blank(e);
}

void emit_regex_compile(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nregexes; i++) {
        sbuf lit = {0};
        c_string(&lit, p->regexes[i]->u.s.bytes, p->regexes[i]->u.s.len);
        emit(e, "rgp_re_compile(&re_%d, RGP_PROGRAM, %s, %zu);", i, lit.s, p->regexes[i]->u.s.len);
        free(lit.s);
    }
}

void emit_regex_free(emitter *e)
{
    for (int i = 0; i < e->p->nregexes; i++) emit(e, "rgp_re_free(&re_%d);", i);
}

void emit_regex_thread_begin(emitter *e)
{
    if (!emit_uses_regex(e->p)) return;
    emit(e, "rgp_re_thread re_thread;   /* this thread's match data for every pattern */");
    emit(e, "rgp_re_thread_init(&re_thread, RGP_RE_PAIRS);");
}

void emit_regex_thread_end(emitter *e)
{
    if (emit_uses_regex(e->p)) emit(e, "rgp_re_thread_done(&re_thread, RGP_PROGRAM);");
}
