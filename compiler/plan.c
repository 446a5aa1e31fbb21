/* Builds the ring and thread plan from the checked program (plan.h states the rule). */
#include "plan.h"
#include <string.h>
#include "sequencer.h"   /* RGP_MAX_CONSUMERS: the runtime's limit on readers of one ring, the one source of truth */

static bool reads(const node *reader, const node *n)
{
    if (reader->owner == n) return false;   /* a branch or late stream: fed from inside n, not a reader */
    if (reader->input == n) return true;
    for (int i = 0; i < reader->ninputs; i++) if (reader->inputs[i] == n) return true;
    return false;
}

int plan_readers(const plan *pl, const node *n, node **out, int max)
{
    (void)pl;
    int k = n->nreaders < max ? n->nreaders : max;
    memcpy(out, n->readers, sizeof *out * (size_t)k);
    return k;
}

/* What a plan built before left in the nodes. */
static void forget_plan(node *n)
{
    n->used = false;
    n->readers = NULL;
    n->nreaders = 0;
    n->ring = NULL;
    n->thread = NULL;
}

/* A stage is live when a sink reads it, or a live stage does, or a stream fed from inside
 * it is live. Readers and sides come later in p->stages than what they read, so one pass
 * from the end settles each stage after everything it feeds, and marks what it reads. */
static void mark_live(program *p)
{
    for (int i = 0; i < p->nsources; i++) forget_plan(p->sources[i]);
    for (int i = 0; i < p->nstages; i++) forget_plan(p->stages[i]);
    for (int i = 0; i < p->nsinks; i++) p->sinks[i]->thread = NULL;
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i]->input) p->sinks[i]->input->used = true;
    for (int i = p->nstages - 1; i >= 0; i--) {
        node *st = p->stages[i];
        for (int k = 0; k < st->nsides && !st->used; k++) st->used = st->sides[k]->used;
        if (!st->used) continue;
        if (st->input && reads(st, st->input)) st->input->used = true;
        for (int k = 0; k < st->ninputs; k++) st->inputs[k]->used = true;
    }
}

static void add_reader(node *stream, node *reader, bool fill)
{
    if (!plan_is_live(reader) || !reads(reader, stream)) return;
    if (fill) stream->readers[stream->nreaders] = reader;
    stream->nreaders++;
}

/* Counts (fill false) or lists each stream's live readers in declaration order. Stages and
 * sinks are each in declaration order (a route's branches and a window's late streams
 * right after their declaration), so one walk of the declarations merges the two. */
static void collect_readers(const program *p, bool fill)
{
    int si = 0, ki = 0;
    for (ast_decl *d = p->nsources ? p->sources[0]->decl : NULL; d; d = d->next) {
        for (; si < p->nstages && p->stages[si]->decl == d; si++) {
            node *st = p->stages[si];
            if (st->input) add_reader(st->input, st, fill);
            for (int i = 0; i < st->ninputs; i++) add_reader(st->inputs[i], st, fill);
        }
        for (; ki < p->nsinks && p->sinks[ki]->decl == d; ki++)
            if (p->sinks[ki]->input) add_reader(p->sinks[ki]->input, p->sinks[ki], fill);
    }
}

static void index_readers(arena *a, program *p)
{
    collect_readers(p, false);
    int nstreams = p->nsources + p->nstages;
    for (int j = 0; j < nstreams; j++) {
        node *n = j < p->nsources ? p->sources[j] : p->stages[j - p->nsources];
        n->readers = arena_alloc(a, sizeof *n->readers * (size_t)(n->nreaders ? n->nreaders : 1));
        n->nreaders = 0;
    }
    collect_readers(p, true);
}

bool plan_is_live(const node *n) { return n->kind == D_SINK || n->used; }

plan_ring *plan_ring_of(const plan *pl, const node *n)
{
    (void)pl;
    return n->ring;
}

plan_thread *plan_thread_of(const plan *pl, const node *n)
{
    (void)pl;
    return n->thread;
}

static bool needs_ring(const plan *pl, node *n)
{
    (void)pl;
    if (n->kind == D_SOURCE || n->ninputs > 0) return true;
    if (n->nreaders > 1) return true;
    return n->nreaders == 1 && n->readers[0]->opt.policy != POLICY_BLOCK;
}

/* Makes room in the arena for element n of *arr: capacity doubles whenever n reaches a power of two. */
static void *grow(arena *a, void *arr, int n, size_t size)
{
    if (n & (n - 1)) return arr;
    void *grown = arena_alloc(a, size * (size_t)(n ? 2 * n : 1));
    if (n) memcpy(grown, arr, size * (size_t)n);
    return grown;
}
#define PUSH(a, arr, n, item) ((arr) = grow((a), (arr), (n), sizeof *(arr)), (arr)[(n)++] = (item))

/* What the runtime cannot do (yet) with a reader's policy, said where the policy is written. */
static void check_policy(diag *d, const plan_ring *r, const plan_thread *t)
{
    srcloc at = t->entry->opt.policy_loc;
    if (t->policy == POLICY_DROP_OLDEST && t->limit > r->slots)
        diag_error(d, at, "drop_oldest(%llu) allows more lag than ring '%s' holds (%llu slots)",
                   (unsigned long long)t->limit, r->name, (unsigned long long)r->slots);
    if (t->policy == POLICY_DROP_NEWEST && r->nproducers > 1)
        diag_error(d, at, "drop_newest is not supported yet for readers of a merge; read the merge through a stage");
    if (t->policy == POLICY_DROP_NEWEST && t->limit & (t->limit - 1))
        diag_error(d, at, "drop_newest(N) needs N to be a power of two");
}

static void add_ring(arena *a, plan *pl, node *n)
{
    const program *p = pl->prog;
    plan_ring *r = arena_alloc(a, sizeof *r);
    r->name = n->name;
    r->stream = n;
    r->slots = n->opt.ring_slots ? n->opt.ring_slots : p->ring_slots ? p->ring_slots : PLAN_RING_SLOTS;
    r->wait = n->opt.wait != WAIT_INHERIT ? n->opt.wait : p->wait;
    /* a merge's ring is filled by one thread per input, after the merge's own
     * operators (they are stateless, so each producer can run them); any
     * other stream is computed by exactly one thread */
    r->nproducers = n->ninputs > 0 ? n->ninputs : 1;
    pl->rings[pl->nrings++] = r;
    n->ring = r;
}

static plan_thread *add_thread(arena *a, plan *pl, thread_kind kind, const char *name)
{
    plan_thread *t = arena_alloc(a, sizeof *t);
    t->kind = kind;
    t->name = name;
    char *c = arena_strndup(a, name, strlen(name));
    for (char *q = c; *q; q++) if (*q == '.') *q = '_';
    t->cname = c;
    t->cpu = -1;
    t->index = pl->nthreads;
    PUSH(a, pl->threads, pl->nthreads, t);
    return t;
}

/* Thread t publishes into ring r: an output, and the buffers of r's drop_newest readers. */
static void add_output(arena *a, plan_thread *t, plan_ring *r)
{
    for (int i = 0; i < t->nouts; i++)
        if (t->outs[i].ring == r) {   /* two route branches into one merge: one producer, closed for each */
            t->outs[i].feeds++;
            return;
        }
    PUSH(a, t->outs, t->nouts, ((plan_output){r, 1}));
    for (int k = 0; k < r->nconsumers; k++)
        if (r->consumers[k]->policy == POLICY_DROP_NEWEST) PUSH(a, t->relays, t->nrelays, r->consumers[k]);
}

/* The one walk of a thread's body: from n on, up to the sinks and the next rings. */
static void add_body(arena *a, plan_thread *t, node *n)
{
    if (n->ninputs) {   /* a merge: each input's thread runs its operators into its ring */
        add_output(a, t, n->ring);
        return;
    }
    n->thread = t;
    PUSH(a, t->nodes, t->nnodes, n);
    if (n->kind == D_SINK) {
        PUSH(a, t->sinks, t->nsinks, n);
        return;
    }
    for (const ast_op *o = n->ops; o; o = o->next)
        if (o->kind == OP_GROUP || o->kind == OP_WINDOW) PUSH(a, t->flushes, t->nflushes, ((plan_flush){n, o}));
    for (int i = 0; i < n->nsides; i++)   /* route branches and late streams: fed from inside n */
        if (n->sides[i]->used) add_body(a, t, n->sides[i]);
    if (n->ring) add_output(a, t, n->ring);
    else if (n->nreaders == 1) add_body(a, t, n->readers[0]);
}

plan *plan_build(arena *a, diag *d, program *p)
{
    plan *pl = arena_alloc(a, sizeof *pl);
    pl->prog = p;
    mark_live(p);
    index_readers(a, p);

    /* rings, in declaration order of their streams */
    int nstreams = p->nsources + p->nstages;
    pl->rings = arena_alloc(a, sizeof(plan_ring *) * (size_t)(nstreams ? nstreams : 1));
    int si = 0, ti = 0;   /* sources and stages are each in declaration order: merge them */
    for (ast_decl *dc = p->sources ? p->sources[0]->decl : NULL; dc; dc = dc->next) {
        for (; si < p->nsources && p->sources[si]->decl == dc; si++)
            if (needs_ring(pl, p->sources[si])) add_ring(a, pl, p->sources[si]);
        /* a route, or a stage with a late stream, makes several streams in one declaration */
        for (; ti < p->nstages && p->stages[ti]->decl == dc; ti++)
            if (p->stages[ti]->used && needs_ring(pl, p->stages[ti])) add_ring(a, pl, p->stages[ti]);
    }

    /* threads: one parse thread per source, one run thread per reader of each ring */
    for (int i = 0; i < p->nsources; i++) {
        plan_thread *t = add_thread(a, pl, TH_PARSE, arena_printf(a, "%s.parse", p->sources[i]->name));
        t->source = p->sources[i];
        t->cpu = p->sources[i]->opt.cpu;
    }
    for (int i = 0; i < pl->nrings; i++) {
        plan_ring *r = pl->rings[i];
        node **readers = r->stream->readers;
        int nr = r->stream->nreaders;
        if (nr > RGP_MAX_CONSUMERS) {
            diag_error(d, r->stream->loc, "'%s' has more than %d readers; read it through a stage to spread them out",
                       r->stream->name, RGP_MAX_CONSUMERS);
            nr = RGP_MAX_CONSUMERS;
        }
        for (int k = 0; k < nr; k++) {
            node *rd = readers[k];
            const char *tname = rd->ninputs > 0 ? arena_printf(a, "%s<-%s", rd->name, r->name)
                                                : arena_printf(a, "%s.run", rd->name);
            plan_thread *t = add_thread(a, pl, TH_RUN, tname);
            if (rd->ninputs > 0) t->cname = arena_printf(a, "%s_from_%s", rd->name, r->name);
            t->in = r;
            t->entry = rd;
            t->policy = rd->opt.policy;
            t->limit = rd->opt.limit;
            check_policy(d, r, t);
            t->cpu = rd->opt.cpu;
            PUSH(a, r->consumers, r->nconsumers, t);
        }
    }
    /* bodies, once every ring knows its readers (a thread fills its drop_newest readers' buffers) */
    for (int i = 0; i < pl->nthreads; i++) {
        plan_thread *t = pl->threads[i];
        if (t->kind == TH_PARSE) {
            t->source->thread = t;
            PUSH(a, t->nodes, t->nnodes, t->source);
            add_output(a, t, t->source->ring);
        } else {
            add_body(a, t, t->entry);
        }
    }
    return pl;
}
