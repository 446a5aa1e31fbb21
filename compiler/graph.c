/* Writes the plan as DOT: one cluster per thread holding the nodes it runs, a
 * box node per ring (named ring:NAME, which no stream can be called) labelled with its size, producers and wait
 * strategy, and edges in the direction records flow. */
#include "graph.h"
#include <string.h>

/* DOT string contents: escape quotes and backslashes. */
static void dot_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s, out);
    }
}

static const char *kind_word(const node *n)
{
    return n->ninputs ? "merge" : node_word(n);
}

static void node_line(FILE *out, const node *n)
{
    if (node_is_stream_table(n)) {   /* kept in this thread, from the records of its stream */
        fprintf(out, "    \"%s\" [shape=cylinder, style=dashed, label=\"table ", n->name);
        dot_text(out, n->name);
        fputs("\\nlatest of ", out);
        dot_text(out, n->input->name);
        fputs("\"];\n", out);
        return;
    }
    fprintf(out, "    \"%s\" [shape=%s, label=\"%s ", n->name, n->kind == D_SOURCE ? "cylinder" : n->kind == D_SINK ? "note" : "box",
            kind_word(n));
    dot_text(out, n->name);
    if (n->kind != D_STAGE) {
        fputs("\\n", out);
        dot_text(out, n->endpoint == EP_FILE || n->endpoint == EP_JOURNAL || n->endpoint == EP_STDERR || n->endpoint == EP_TCP || n->endpoint == EP_UDP || n->endpoint == EP_NATS ? n->path : n->kind == D_SOURCE ? "stdin" : "stdout");
    }
    if (n->kind == D_STAGE && n->type) fprintf(out, "\\n-> %s", n->type->name);
    fputs("\"];\n", out);
}


void graph_write(FILE *out, const plan *pl)
{
    const program *p = pl->prog;
    fprintf(out, "digraph \"");
    dot_text(out, p->name);
    fprintf(out, "\" {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=11];\n  edge [fontname=\"Helvetica\", fontsize=9];\n");
    for (int i = 0; i < pl->nthreads; i++) {
        const plan_thread *t = pl->threads[i];
        fprintf(out, "  subgraph \"cluster_%s\" {\n    label=\"thread ", t->cname);
        dot_text(out, t->name);
        if (t->cpu >= 0) fprintf(out, " (cpu %d)", t->cpu);
        fputs("\\n", out);
        dot_text(out, t->why);
        fprintf(out, "\";\n    style=rounded;\n");
        for (int k = 0; k < t->nnodes; k++) node_line(out, t->nodes[k]);   /* a merge is not among them: drawn outside */
        fprintf(out, "  }\n");
    }
    for (int i = 0; i < p->nstages; i++)
        if (p->stages[i]->used && p->stages[i]->ninputs) node_line(out, p->stages[i]);
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        fprintf(out, "  \"ring:%s\" [shape=box3d, style=filled, fillcolor=\"#eeeeee\", label=\"ring %s\\n%llu slots, %s\\n%d producer%s\"];\n",
                r->name, r->name, (unsigned long long)r->slots, wait_names[r->wait], r->nproducers, r->nproducers > 1 ? "s" : "");
    }
    /* edges: into each ring from the stream that fills it, out of it to each reader */
    for (int i = 0; i < pl->nrings; i++) {
        const plan_ring *r = pl->rings[i];
        const node *s = r->stream;
        if (s->ninputs)
            for (int k = 0; k < s->ninputs; k++)
                if (!plan_ring_of(pl, s->inputs[k])) fprintf(out, "  \"%s\" -> \"%s\";\n", s->inputs[k]->name, s->name);
        fprintf(out, "  \"%s\" -> \"ring:%s\";\n", s->name, r->name);
        for (int k = 0; k < r->nconsumers; k++) {
            const plan_thread *t = r->consumers[k];
            for (int j = 0; j < t->nentries; j++) {
                fprintf(out, "  \"ring:%s\" -> \"%s\"", r->name, t->entries[j]->name);
                if (t->policy != POLICY_BLOCK)
                    fprintf(out, " [label=\"%s%s\", style=dashed]", policy_names[t->policy],
                            t->policy == POLICY_DROP_NEWEST ? ", via its own buffer" : "");
                fputs(";\n", out);
            }
        }
    }
    /* lookup tables, read whole before the streams start, and the stages that join them */
    for (int i = 0; i < p->ntables; i++) {
        const node *t = p->tables[i];
        if (!t->used) continue;
        fprintf(out, "  \"table:%s\" [shape=cylinder, style=dashed, label=\"table %s\\n", t->name, t->name);
        dot_text(out, t->path);
        fputs("\"];\n", out);
        for (int k = 0; k < p->nstages; k++)
            for (const ast_op *o = p->stages[k]->ops; o && plan_is_live(p->stages[k]); o = o->next)
                if (o->kind == OP_JOIN && o->table == t)
                    fprintf(out, "  \"table:%s\" -> \"%s\" [style=dotted, label=\"join%s\"];\n", t->name, p->stages[k]->name,
                            o->left ? " or default" : "");
    }
    /* stream tables and the stages that join them */
    for (int i = 0; i < p->nstream_tables; i++) {
        const node *t = p->stream_tables[i];
        for (int k = 0; k < p->nstages && t->used; k++)
            for (const ast_op *o = p->stages[k]->ops; o && plan_is_live(p->stages[k]); o = o->next)
                if (o->kind == OP_JOIN && o->table == t)
                    fprintf(out, "  \"%s\" -> \"%s\" [style=dotted, label=\"join%s\"];\n", t->name, p->stages[k]->name,
                            o->left ? " or default" : "");
    }
    /* fused edges inside threads */
    for (int i = 0; i < p->nstages + p->nsinks + p->nstream_tables; i++) {
        const node *n = i < p->nstages ? p->stages[i] : i < p->nstages + p->nsinks ? p->sinks[i - p->nstages]
                                                                                    : p->stream_tables[i - p->nstages - p->nsinks];
        if (!plan_is_live(n) || !n->input || plan_ring_of(pl, n->input)) continue;
        fprintf(out, "  \"%s\" -> \"%s\";\n", n->input->name, n->name);
    }
    fprintf(out, "}\n");
}
