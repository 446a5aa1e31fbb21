/* file("PATH", follow: true, state: "PATH") sources in the generated C
 * (runtime/follow.h): their state, opened in main once the file is open, the
 * parse thread's wait at the end of the file, and the place saved at exit.
 * The place is saved while running only when follow_drained() finds every
 * reader thread idle with its ring read to the end and its sinks flushed:
 * each stores the sequence it had read to, after flushing, when it finds
 * nothing more to read (idle_THREAD); two scans that agree mean nothing moved
 * in between, so everything the source had published was written. */
#include <stdlib.h>
#include <string.h>
#include "emit_internal.h"

static bool follows(const node *n) { return n->endpoint == EP_FILE && n->follow; }

bool emit_follow_watch(const program *p)
{
    for (int i = 0; i < p->nsources; i++)
        if (follows(p->sources[i]) && p->sources[i]->follow_state) return true;
    return false;
}

void emit_follow_globals(emitter *e)
{
    const program *p = e->p;
    bool any = false;
    for (int i = 0; i < p->nsources; i++)
        if (follows(p->sources[i]))
            any = true, emit(e, "static rgp_follow follow_%s;   /* source %s: file(\"%s\", follow: true) */", p->sources[i]->name,
                             p->sources[i]->name, p->sources[i]->path);
    if (!emit_follow_watch(p)) {
        if (any) blank(e);
        return;
    }
    for (int i = 0; i < e->pl->nthreads; i++)
        if (e->pl->threads[i]->kind == TH_RUN)
            emit(e, "static RGP_ATOMIC(uint64_t) idle_%s;   /* what thread %s had read, and flushed, when it last found no more */",
                 e->pl->threads[i]->cname, e->pl->threads[i]->name);
    blank(e);
}

/* After the threads' consumers exist (it reads them): whether the pipeline has drained. */
void emit_follow_drained(emitter *e)
{
    if (!emit_follow_watch(e->p)) return;
    const plan *pl = e->pl;
    emit(e, "/* Whether every reader thread has written and flushed all its ring holds: a followed");
    emit(e, " * source may then keep its place. Two scans that agree: nothing moved in between. */");
    emit(e, "static int follow_drained(void)");
    emit(e, "{");
    e->indent++;
    emit(e, "uint64_t seen[%d];", pl->nthreads + 1);
    emit(e, "for (int pass = 0; pass < 2; pass++) {");
    e->indent++;
    emit(e, "uint64_t at;");
    for (int i = 0, k = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        if (t->kind != TH_RUN) continue;
        emit(e, "at = rgp_load_acquire_u64(&idle_%s);   /* pairs with the release in thread %s's idle flush */", t->cname, t->name);
        emit(e, "if (rgp__barrier_available(cons_%s, at) != at || (pass && seen[%d] != at)) return 0;", t->cname, k);
        emit(e, "seen[%d] = at;", k++);
    }
    e->indent--;
    emit(e, "}");
    emit(e, "return 1;");
    e->indent--;
    emit(e, "}");
    blank(e);
}

/* In a reader thread's idle flush, after its sinks are flushed. */
void emit_follow_idle(emitter *e, const plan_thread *t)
{
    if (!emit_follow_watch(e->p)) return;
    emit(e, "    rgp_store_release_u64(&idle_%s, next);   /* pairs with the acquire in follow_drained */", t->cname);
}

void emit_follow_open(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!follows(s)) continue;
        int k = endpoint_index(p, s);
        sbuf st = {0};
        if (s->follow_state) c_string(&st, s->follow_state, strlen(s->follow_state));
        emit(e, "if (rgp_follow_open(&follow_%s, &readers[%d], RGP_PROGRAM, endpoints[%d].path, endpoints[%d].display, %s) != 0) return 1;",
             s->name, k, k, k, s->follow_state ? st.s : "NULL");
        free(st.s);
    }
}

/* The parse thread's wait for input, inside `if (rc == RGP_ROW_NEED_INPUT) {`. */
void emit_follow_wait(emitter *e, const node *src)
{
    int k = endpoint_index(e->p, src);
    emit(e, "    int got = rgp_follow_fill(&follow_%s, in, st);   /* reads on across rotation and truncation */", src->name);
    emit(e, "    if (got < 0) {");
    emit(e, "        if (errno == EINTR) continue;   /* a signal: the loop head sees whether to stop */");
    emit(e, "        fprintf(stderr, \"%%s: %%s: error: cannot read source '%%s': %%s: %%s\\n\", RGP_PROGRAM, endpoints[%d].where, st->name, st->display, strerror(errno));", k);
    emit(e, "        rgp_fail();");
    emit(e, "        break;");
    emit(e, "    }");
    if (src->follow_state) {
        emit(e, "    if (rgp_follow_due(&follow_%s, in, got == 0)) {   /* at the end of what is written, or a second on */", src->name);
        emit(e, "        /* everything parsed is published: save the place once the sinks have written it all */");
        emit(e, "        int drained = follow_drained();");
        emit(e, "        for (int nap = 0; nap < RGP_FOLLOW_DRAIN_NAPS && !drained && !rgp_stopping(); nap++) rgp_follow_nap(), drained = follow_drained();");
        emit(e, "        if (drained) rgp_follow_save(&follow_%s, rgp_follow_position(&follow_%s, in), in->line);", src->name, src->name);
        emit(e, "    }");
    }
    emit(e, "    if (got == 0) rgp_follow_sleep();   /* nothing new: wait for appends */");
    emit(e, "    continue;");
    emit(e, "}");
}

/* After the parse loop: where it stopped, for main to save. */
void emit_follow_end(emitter *e, const node *src)
{
    if (!follows(src)) return;
    emit(e, "follow_%s.end_off = rgp_follow_position(&follow_%s, in);", src->name, src->name);
    emit(e, "follow_%s.end_line = in->line;", src->name);
}

/* In main, after the sinks are closed: the place, unless something failed. */
void emit_follow_close(emitter *e)
{
    const program *p = e->p;
    for (int i = 0; i < p->nsources; i++) {
        const node *s = p->sources[i];
        if (!follows(s)) continue;
        if (s->follow_state) {
            emit(e, "/* pairs with rgp_fail: no save after a failure, so the records are read again */");
            emit(e, "if (!rgp_load_acquire_u32(&rgp_failed)) rgp_follow_save(&follow_%s, follow_%s.end_off, follow_%s.end_line);", s->name,
                 s->name, s->name);
        }
        emit(e, "rgp_follow_report(&follow_%s);", s->name);
    }
}
