/* Builds the thread and ring plan from the checked program (see plan.h for the rule). */
#include "plan.h"
#include <string.h>

static bool reaches_sink(const program *p, const node *n)
{
    if (n->kind == D_SINK) return true;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i]->input == n) return true;
    for (int i = 0; i < p->nstages; i++)
        if (p->stages[i]->input == n && reaches_sink(p, p->stages[i])) return true;
    return false;
}

static const node *root_of(const node *n)
{
    while (n->input) n = n->input;
    return n;
}

plan *plan_build(arena *a, program *p)
{
    plan *pl = arena_alloc(a, sizeof *pl);
    pl->prog = p;
    pl->npipes = p->nsources;
    pl->pipes = arena_alloc(a, sizeof(plan_pipe) * (size_t)(p->nsources ? p->nsources : 1));
    for (int i = 0; i < p->nstages; i++) p->stages[i]->used = reaches_sink(p, p->stages[i]);
    for (int s = 0; s < p->nsources; s++) {
        plan_pipe *pp = &pl->pipes[s];
        pp->source = p->sources[s];
        pp->source->used = reaches_sink(p, pp->source);
        pp->ring_slots = PLAN_RING_SLOTS;
        pp->nodes = arena_alloc(a, sizeof(node *) * (size_t)(p->nstages + p->nsinks + 1));
        for (int i = 0; i < p->nstages; i++)
            if (p->stages[i]->used && root_of(p->stages[i]) == pp->source) pp->nodes[pp->nnodes++] = p->stages[i];
        for (int i = 0; i < p->nsinks; i++)
            if (root_of(p->sinks[i]) == pp->source) pp->nodes[pp->nnodes++] = p->sinks[i];
    }
    return pl;
}

bool plan_is_live(const node *n) { return n->kind == D_SINK || n->used; }

int plan_readers(const plan *pl, const node *n, node **out, int max)
{
    const program *p = pl->prog;
    int k = 0;
    /* declaration order across stages and sinks: the decl list is the source of truth */
    for (ast_decl *d = n->decl; d; d = d->next) {
        for (int i = 0; i < p->nstages; i++)
            if (p->stages[i]->decl == d && p->stages[i]->input == n && p->stages[i]->used && k < max) out[k++] = p->stages[i];
        for (int i = 0; i < p->nsinks; i++)
            if (p->sinks[i]->decl == d && p->sinks[i]->input == n && k < max) out[k++] = p->sinks[i];
    }
    return k;
}
