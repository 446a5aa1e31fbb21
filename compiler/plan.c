/* Builds the ring and thread plan from the checked program (plan.h states the rule). */
#include "plan.h"
#include <string.h>
#include <unistd.h>
#include "sequencer.h"   /* RGP_MAX_CONSUMERS: the runtime's limit on readers of one ring, the one source of truth */

static bool reads(const node *reader, const node *n)
{
    if (reader->owner == n) return false;   /* a branch or late stream: fed from inside n, not a reader */
    if (reader->input == n) return true;
    for (int i = 0; i < reader->ninputs; i++) if (reader->inputs[i] == n) return true;
    return false;
}


/* What a plan built before left in the nodes. */
static void forget_plan(node *n)
{
    n->used = false;
    n->readers = NULL;
    n->nreaders = 0;
    n->ring = NULL;
    n->thread = NULL;
    n->stream_index = -1;
}

/* A stage is live when a sink reads it, or a live stage does, or a stream fed from inside
 * it is live. Readers and sides come later in p->stages than what they read, so one pass
 * from the end settles each stage after everything it feeds, and marks what it reads. */
static void mark_live(program *p)
{
    for (int i = 0; i < p->nsources; i++) forget_plan(p->sources[i]);
    for (int i = 0; i < p->nstages; i++) forget_plan(p->stages[i]);
    for (int i = 0; i < p->nsinks; i++) p->sinks[i]->thread = NULL, p->sinks[i]->stream_index = -1;
    for (int i = 0; i < p->nstream_tables; i++) {   /* a stream table is live when a live stage joins it */
        node *t = p->stream_tables[i];
        t->used = false, t->thread = NULL, t->stream_index = -1;
    }
    for (int i = 0; i < p->nsinks; i++) if (p->sinks[i]->input) p->sinks[i]->input->used = true;
    for (int i = p->nstages - 1; i >= 0; i--) {
        node *st = p->stages[i];
        for (int k = 0; k < st->nsides && !st->used; k++) st->used = st->sides[k]->used;
        if (!st->used) continue;
        for (const ast_op *o = st->ops; o; o = o->next)   /* its stream comes earlier in p->stages: marked before the walk gets there */
            if (o->kind == OP_JOIN && o->table && node_is_stream_table(o->table)) o->table->used = o->table->input->used = true;
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
    int si = 0, ki = 0, ti = 0;
    for (ast_decl *d = p->nsources ? p->sources[0]->decl : NULL; d; d = d->next) {
        for (; si < p->nstages && p->stages[si]->decl == d; si++) {
            node *st = p->stages[si];
            if (st->input) add_reader(st->input, st, fill);
            for (int i = 0; i < st->ninputs; i++) add_reader(st->inputs[i], st, fill);
        }
        for (; ki < p->nsinks && p->sinks[ki]->decl == d; ki++)
            if (p->sinks[ki]->input) add_reader(p->sinks[ki]->input, p->sinks[ki], fill);
        for (; ti < p->nstream_tables && p->stream_tables[ti]->decl == d; ti++)   /* a stream table reads its stream like a sink */
            add_reader(p->stream_tables[ti]->input, p->stream_tables[ti], fill);
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
    if (t->policy != POLICY_BLOCK && r->stream->ordered)
        diag_error(d, at, "%s cannot read merge '%s', which orders its records by %s: its reader holds them back; read it through a stage",
                   policy_names[t->policy], r->name, r->stream->type->fields[r->stream->order_field].name);
    if (t->policy == POLICY_DROP_NEWEST && t->limit & (t->limit - 1))
        diag_error(d, at, "drop_newest(N) needs N to be a power of two");
}

/* ---- what is placed: which streams have a ring, which rings spread their readers ---- */

typedef struct placement {
    bool *ring;                     /* per stream (stream_index): it has a ring */
    bool *spread;                   /* per stream with a ring: each of its readers gets a thread */
    bool *no_ring, *no_spread;      /* per stream: cuts that would part a join from its stream table */
    int nstreams;
} placement;

static node *stream_at(const program *p, int j) { return j < p->nsources ? p->sources[j] : p->stages[j - p->nsources]; }

/* A reader that cannot share a thread: its policy reads the ring its own way, or the user asked. */
static bool runs_alone(const node *rd)
{
    return rd->opt.policy != POLICY_BLOCK || rd->opt.own_thread || rd->opt.cpu >= 0;
}

/* Whether n's own `ring:` or `wait:` option asks for a ring. */
static bool asks_for_ring(const node *n) { return n->opt.ring_slots || n->opt.wait != WAIT_INHERIT; }

/* A stage the parser of its input can run before it publishes: it reads one
 * stream, only filters (so a parsed slot that passes is published as it is),
 * and asks for no thread or ring of its own. */
static bool filters_in_place(const node *rd)
{
    if (rd->kind != D_STAGE || !rd->used || rd->ninputs || rd->nsides || rd->is_route || runs_alone(rd)) return false;
    if (asks_for_ring(rd) || !rd->ops) return false;
    for (const ast_op *o = rd->ops; o; o = o->next)
        if (o->kind != OP_WHERE || o->faults) return false;   /* a rejecting parse_time is reported by the stage itself */
    return rd->input && rd->type == rd->input->type;
}

/* The last stream of source src's in-place prefix: src, or the last of the
 * filters that read it one after another, each the only reader of the one
 * before. Its ring is the one the parser fills. */
static node *parsed_into(node *src)
{
    node *n = src;
    if (asks_for_ring(n)) return n;   /* the source's own ring was asked for */
    while (n->nreaders == 1 && filters_in_place(n->readers[0])) n = n->readers[0];
    return n;
}

/* Why stream n must have a ring whatever the costs say, or NULL. */
static const char *ring_required(const node *n)
{
    if (n->kind == D_SOURCE) return "a source is parsed on a thread of its own";
    if (n->ninputs > 0) return "a merge: each input's thread publishes into its ring";
    if (asks_for_ring(n)) return "its ring: or wait: option asks for a ring";
    for (int k = 0; k < n->nreaders; k++)
        if (runs_alone(n->readers[k])) return "a reader of it runs alone";
    return NULL;
}

/* Why reader rd of a ring runs on a thread of its own. */
static const char *alone_why(arena *a, const node *rd)
{
    if (rd->opt.policy != POLICY_BLOCK) return arena_printf(a, "its policy %s reads the ring on its own", policy_names[rd->opt.policy]);
    if (rd->opt.own_thread) return "thread: own asks for it";
    return arena_printf(a, "cpu: %d pins it", rd->opt.cpu);
}

/* ---- the cost model: a rough price per record, in units of about one field parsed ---- */

#define COST_RING_PUT 2.0           /* a slot claimed and written */
#define COST_RING_GET 2.0           /* a slot read, and the hand-over's cache misses */
#define COST_STATEFUL 8.0           /* a hash lookup and an update */
#define PASS_WHERE 0.5              /* a guess: a filter keeps half */
#define PASS_WINDOW 0.05            /* a window gives a record per key and window, not per record */
#define RATE_LATE 0.01              /* a late stream carries the exceptions */

static double parse_cost(const node *src)
{
    int nf = src->type->nfields;
    switch (src->format) {
    case FMT_CSV: return 4.0 + 3.0 * nf;
    case FMT_JSONL: return 8.0 + 6.0 * nf;
    case FMT_JOURNAL: return 4.0 + 1.0 * nf;
    case FMT_SYSLOG: return 16.0 + 2.0 * nf;
    default: return 4.0;
    }
}

static double sink_cost(const node *k)
{
    int nf = k->type ? k->type->nfields : 1;
    switch (k->format) {
    case FMT_JSONL: return 4.0 + 4.0 * nf;
    case FMT_JOURNAL: return 6.0 + 1.0 * nf;   /* and a CRC over the payload */
    default: return 3.0 + 3.0 * nf;
    }
}

/* A stage's work per record in, and how many records come out of it per record in. */
static double stage_cost(const node *st, double *pass)
{
    double cost = 0, rate = 1;
    for (const ast_op *o = st->ops; o; o = o->next) {
        switch (o->kind) {
        case OP_WHERE: cost += rate * 1.0; rate *= PASS_WHERE; break;
        case OP_SELECT: {
            int n = 0;
            for (const ast_item *it = o->items; it; it = it->next) n++;
            cost += rate * (1.0 + 0.5 * n);
            break;
        }
        case OP_SAMPLE: cost += rate; rate *= o->sample_every ? 1.0 / (double)o->limit : o->fraction; break;
        case OP_GROUP: cost += rate * COST_STATEFUL; rate = 0; break;
        case OP_LIMIT: cost += rate; break;   /* after a group or window: a few records */
        case OP_SORT: cost += rate * 2.0; break;
        case OP_JOIN: cost += rate * 2.0; break;   /* a hash and a probe, and the joined record's fields */
        case OP_WINDOW: cost += rate * COST_STATEFUL; rate *= PASS_WINDOW; break;
        case OP_KEYED: case OP_DELTA: case OP_DEDUP: case OP_THROTTLE:
            cost += rate * COST_STATEFUL;
            rate *= PASS_WHERE;   /* most keep or emit some */
            break;
        }
    }
    if (st->is_route) cost += rate * st->nsides;
    *pass = rate;
    return cost;
}

/* Records in and out of every node per source record, in one pass: a stage
 * comes after what it reads in p->stages, and a side after its owner. */
static void guess_rates(program *p)
{
    for (int i = 0; i < p->nsources; i++) p->sources[i]->rate_in = p->sources[i]->rate_out = 1.0;
    for (int i = 0; i < p->nstages; i++) {
        node *st = p->stages[i];
        double in = 0;
        if (st->owner) {
            int nb = st->owner->is_route ? st->owner->nsides : 0;
            in = nb ? st->owner->rate_out / nb : st->owner->rate_out * RATE_LATE;
        } else if (st->ninputs) {
            for (int k = 0; k < st->ninputs; k++) in += st->inputs[k]->rate_out;
        } else if (st->input) {
            in = st->input->rate_out;
        }
        double pass;
        stage_cost(st, &pass);
        st->rate_in = in;
        st->rate_out = in * pass;
    }
    for (int i = 0; i < p->nsinks; i++)
        p->sinks[i]->rate_in = p->sinks[i]->rate_out = p->sinks[i]->input ? p->sinks[i]->input->rate_out : 0;
}

static double node_work(const node *n)
{
    if (n->kind == D_SINK) return n->rate_in * sink_cost(n);
    if (n->kind == D_TABLE) return n->input->rate_out * COST_STATEFUL;   /* a stream table: a hash lookup and a copy */
    double pass;
    return n->rate_in * stage_cost(n, &pass);
}

/* A thread's guessed work per source record: what it runs and its hand-overs. */
static double thread_cost(const plan_thread *t)
{
    double c = 0;
    if (t->kind == TH_PARSE) c += parse_cost(t->source);
    else c += t->in->stream->rate_out * COST_RING_GET;
    for (int i = 0; i < t->nnodes; i++)
        if (t->nodes[i]->kind != D_SOURCE) c += node_work(t->nodes[i]);
    for (int i = 0; i < t->nouts; i++) c += t->outs[i].ring->stream->rate_out * COST_RING_PUT / t->outs[i].ring->nproducers;
    return c;
}

/* ---- building the plan of one placement ---- */

static void add_ring(arena *a, plan *pl, node *n)
{
    const program *p = pl->prog;
    plan_ring *r = arena_alloc(a, sizeof *r);
    r->name = n->name;
    r->stream = n;
    r->slots = n->opt.ring_slots ? n->opt.ring_slots : p->ring_slots ? p->ring_slots : PLAN_RING_SLOTS;
    r->wait = n->opt.wait != WAIT_INHERIT ? n->opt.wait : p->wait;
    /* a merge's ring is filled after the merge's own operators (they are
     * stateless, so each producer can run them), by the thread of each input;
     * two inputs computed in one thread make one producer that closes it twice */
    r->nproducers = n->ninputs > 0 ? n->ninputs : 1;
    PUSH(a, pl->rings, pl->nrings, r);
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
    t->ckpt_part = -1;
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
    if (n->kind == D_TABLE) return;   /* a stream table: it keeps the records, sends none on */
    for (const ast_op *o = n->ops; o; o = o->next)
        if (o->kind == OP_GROUP || o->kind == OP_WINDOW) PUSH(a, t->flushes, t->nflushes, ((plan_flush){n, o}));
    for (int i = 0; i < n->nsides; i++)   /* route branches and late streams: fed from inside n */
        if (n->sides[i]->used) add_body(a, t, n->sides[i]);
    if (n->ring) add_output(a, t, n->ring);
    else
        for (int k = 0; k < n->nreaders; k++) add_body(a, t, n->readers[k]);   /* each in turn, in this thread */
}

/* A run thread reading ring r, running `rd` (its first reader). */
static plan_thread *add_reader_thread(arena *a, plan *pl, plan_ring *r, node *rd, const char *name, const char *why)
{
    plan_thread *t = add_thread(a, pl, TH_RUN, name);
    t->in = r;
    t->entry = rd;
    t->policy = rd->opt.policy;
    t->limit = rd->opt.limit;
    t->cpu = rd->opt.cpu;
    t->why = why;
    PUSH(a, r->consumers, r->nconsumers, t);
    return t;
}

/* Builds rings, threads and bodies for placement pm. With d NULL it is a
 * trial: it reports nothing and says false when the runtime could not run it. */
static bool build(arena *a, plan *pl, diag *d, const placement *pm, const char **cut_why)
{
    program *p = pl->prog;
    pl->rings = NULL, pl->nrings = 0;
    pl->threads = NULL, pl->nthreads = 0;
    for (int j = 0; j < pm->nstreams; j++) stream_at(p, j)->ring = NULL, stream_at(p, j)->thread = NULL;
    for (int i = 0; i < p->nsinks; i++) p->sinks[i]->thread = NULL;
    for (int i = 0; i < p->nstream_tables; i++) p->stream_tables[i]->thread = NULL;
    bool ok = true;

    /* rings, in declaration order of their streams */
    int si = 0, ti = 0;   /* sources and stages are each in declaration order: merge them */
    for (ast_decl *dc = p->sources ? p->sources[0]->decl : NULL; dc; dc = dc->next) {
        for (; si < p->nsources && p->sources[si]->decl == dc; si++)
            if (pm->ring[p->sources[si]->stream_index]) add_ring(a, pl, p->sources[si]);
        /* a route, or a stage with a late stream, makes several streams in one declaration */
        for (; ti < p->nstages && p->stages[ti]->decl == dc; ti++)
            if (p->stages[ti]->used && pm->ring[p->stages[ti]->stream_index]) add_ring(a, pl, p->stages[ti]);
    }

    /* threads: one parse thread per source; for each ring, one thread per reader
     * that runs alone or is spread, and one that the other readers share */
    for (int i = 0; i < p->nsources; i++) {
        plan_thread *t = add_thread(a, pl, TH_PARSE, arena_printf(a, "%s.parse", p->sources[i]->name));
        t->source = p->sources[i];
        t->cpu = p->sources[i]->opt.cpu;
        t->why = "parses the source";
        /* the first stream on from the source with a ring: plan_build placed
         * it after the filters the parser applies (parsed_into) */
        for (t->end = p->sources[i]; !pm->ring[t->end->stream_index];) t->end = t->end->readers[0];
        if (t->end != t->source) t->why = arena_printf(a, "parses the source and applies the filters up to %s in place", t->end->name);
    }
    for (int i = 0; i < pl->nrings; i++) {
        plan_ring *r = pl->rings[i];
        node *s = r->stream;
        bool spread = pm->spread[s->stream_index];
        int nshared = 0;
        for (int k = 0; k < s->nreaders; k++) nshared += !runs_alone(s->readers[k]) && !spread;
        plan_thread *shared = NULL;
        for (int k = 0; k < s->nreaders; k++) {
            node *rd = s->readers[k];
            bool alone = runs_alone(rd);
            if (!alone && !spread && shared) {
                PUSH(a, shared->entries, shared->nentries, rd);
                continue;
            }
            const char *name = !alone && !spread && nshared > 1 ? arena_printf(a, "%s.readers", r->name)
                               : rd->ninputs > 0 ? arena_printf(a, "%s<-%s", rd->name, r->name)
                                                 : arena_printf(a, "%s.run", rd->name);
            const char *why = alone ? alone_why(a, rd)
                              : cut_why[s->stream_index] ? cut_why[s->stream_index]   /* placed by cost, or a diamond */
                              : s->kind == D_SOURCE ? "runs what reads the source"
                              : ring_required(s);
            plan_thread *t = add_reader_thread(a, pl, r, rd, name, why);
            if (rd->ninputs > 0 && (alone || spread || nshared == 1)) t->cname = arena_printf(a, "%s_from_%s", rd->name, r->name);
            PUSH(a, t->entries, t->nentries, rd);
            if (!alone && !spread) shared = t;
            if (d) check_policy(d, r, t);
        }
        if (r->nconsumers > RGP_MAX_CONSUMERS) {
            ok = false;
            if (d) diag_error(d, s->loc, "'%s' has more than %d readers that run alone; read it through a stage to spread them out",
                              s->name, RGP_MAX_CONSUMERS);
        }
    }
    /* bodies, once every ring knows its readers (a thread fills its drop_newest readers' buffers) */
    for (int i = 0; i < pl->nthreads; i++) {
        plan_thread *t = pl->threads[i];
        if (t->kind == TH_PARSE) {   /* the source, then the filters it applies in place */
            for (node *n = t->source;; n = n->readers[0]) {
                n->thread = t;
                PUSH(a, t->nodes, t->nnodes, n);
                if (n == t->end) break;
            }
            add_output(a, t, t->end->ring);
        } else {
            for (int k = 0; k < t->nentries; k++) add_body(a, t, t->entries[k]);
        }
    }
    for (int i = 0; i < pl->nthreads; i++) pl->threads[i]->cost = thread_cost(pl->threads[i]);
    return ok;
}

/* What n and everything fused after it in its thread cost, its hand-over to
 * the next ring included. Fills below[] (by stream_index) on the way: one walk
 * from a thread's entries prices every cut in it. */
static double priced(const node *n, const double *below);

static double cost_below(const node *n, double *below)
{
    if (n->kind == D_SINK || n->kind == D_TABLE || n->ninputs) return priced(n, below);
    double c = node_work(n);
    for (int i = 0; i < n->nsides; i++)
        if (n->sides[i]->used) c += cost_below(n->sides[i], below);
    if (n->ring) c += n->rate_out * COST_RING_PUT;
    else
        for (int k = 0; k < n->nreaders; k++) c += cost_below(n->readers[k], below);
    return below[n->stream_index] = c;
}

/* cost_below(n) once the walk has filled below[]. */
static double priced(const node *n, const double *below)
{
    if (n->kind == D_SINK || n->kind == D_TABLE) return node_work(n);
    if (n->ninputs) return n->rate_out * COST_RING_PUT / n->ring->nproducers;   /* a merge: its input's thread feeds its ring */
    return below[n->stream_index];
}

/* A cut the placement could make, and what the busiest thread would cost after it. */
typedef struct cut {
    int stream;                     /* -1: none */
    bool spread;                    /* spread its ring's shared readers (else: give it a ring) */
    int more_threads;
    double busiest;
} cut;

/* The cost of the busiest thread other than t (t NULL: of all). */
static double busiest_but(const plan *pl, const plan_thread *t)
{
    double m = 0;
    for (int i = 0; i < pl->nthreads; i++)
        if (pl->threads[i] != t && pl->threads[i]->cost > m) m = pl->threads[i]->cost;
    return m;
}

/* Of the cuts that split the busiest thread, the one that lowers it most. */
static cut best_cut(const plan *pl, const placement *pm, double *below)
{
    cut best = {.stream = -1, .busiest = busiest_but(pl, NULL)};
    plan_thread *top = NULL;
    for (int i = 0; i < pl->nthreads; i++)
        if (!top || pl->threads[i]->cost > top->cost) top = pl->threads[i];
    if (!top || top->kind == TH_PARSE) return best;   /* a parser's filters cost less than a ring's hand-over */
    double others = busiest_but(pl, top);
    for (int k = 0; k < top->nentries; k++) (void)cost_below(top->entries[k], below);
    /* a ring on a stream of the busiest thread: its readers move to a new thread */
    for (int i = 0; i < top->nnodes; i++) {
        node *n = top->nodes[i];
        if (n->kind == D_SINK || n->kind == D_TABLE || n->ring || !n->nreaders || n->is_route) continue;
        double moved = 0;
        for (int k = 0; k < n->nreaders; k++) moved += priced(n->readers[k], below);
        double stays = top->cost - moved + n->rate_out * COST_RING_PUT, goes = n->rate_out * COST_RING_GET + moved;
        double worst = others > stays ? others : stays;
        if (goes > worst) worst = goes;
        if (worst < best.busiest && !pm->no_ring[n->stream_index]) best = (cut){n->stream_index, false, 1, worst};
    }
    /* the busiest thread's readers, each on a thread of its own */
    if (top->kind == TH_RUN && top->nentries > 1 && !pm->spread[top->in->stream->stream_index] &&
        !pm->no_spread[top->in->stream->stream_index]) {
        double worst = others;
        for (int k = 0; k < top->nentries; k++) {
            double c = top->in->stream->rate_out * COST_RING_GET + priced(top->entries[k], below);
            if (c > worst) worst = c;
        }
        if (worst < best.busiest) best = (cut){top->in->stream->stream_index, true, top->nentries - 1, worst};
    }
    return best;
}

/* ---- stream tables: kept by one thread, read by the joins in that thread ----
 *
 * `table T = stream S by K` is a hash table that the thread computing S writes
 * as each record of S passes, and that `join T` reads. Both run in one thread,
 * so the table needs no locks or atomics, and each joined record sees the
 * table as that thread's order of records left it: over a merge on TIME, as
 * of the record's event time. So no cut may put a join on another thread
 * than its table; where the required rings do, it is an error. */

/* A live join whose stream table another thread keeps (its stage in *st), or NULL. */
static const ast_op *join_apart(const program *p, const node **st)
{
    for (int i = 0; i < p->nstages; i++) {
        const node *n = p->stages[i];
        if (!n->used) continue;
        for (const ast_op *o = n->ops; o; o = o->next)
            if (o->kind == OP_JOIN && o->table && node_is_stream_table(o->table) && o->table->thread != n->thread) {
                *st = n;
                return o;
            }
    }
    return NULL;
}

/* Adds, one at a time, the cut that most lowers the busiest thread's cost, while
 * it lowers it by a sixth at least and the threads stay within the budget. */
static void place_by_cost(arena *a, plan *pl, placement *pm, const char **cut_why)
{
    double *below = arena_alloc(a, sizeof *below * (size_t)(pm->nstreams + 1));
    for (;;) {
        if (!build(a, pl, NULL, pm, cut_why)) return;
        double now = busiest_but(pl, NULL);
        cut c = best_cut(pl, pm, below);
        if (c.stream < 0 || c.busiest > now * 5.0 / 6.0 || pl->nthreads + c.more_threads > pl->budget) return;
        if (c.spread) pm->spread[c.stream] = true;
        else pm->ring[c.stream] = true;
        const node *st;
        if (!build(a, pl, NULL, pm, cut_why) || join_apart(pl->prog, &st)) {   /* it would part a join from its stream table */
            if (c.spread) pm->spread[c.stream] = false, pm->no_spread[c.stream] = true;
            else pm->ring[c.stream] = false, pm->no_ring[c.stream] = true;
            continue;   /* the next best cut, without this one */
        }
        cut_why[c.stream] = arena_printf(a, "placed by cost: the busiest thread's guessed work %.0f -> %.0f", now, c.busiest);
        pl->cuts++;
    }
}

/* ---- diamonds: readers of one stream that meet again at a merge ----
 *
 * A merge keeps a watermark per input (per lane: see emit_threads.c), and a
 * thread's records take one lane. Two inputs of a merge computed in one
 * thread would share it, and the merged watermark would move with whichever
 * is ahead, making the other's records late. So when two readers of a stream
 * both lead to one merge, each runs on a thread of its own. */

/* The merges reachable from n, as bits of reach (nwords words per stream), memoised in done. */
static const uint64_t *merges_from(node *n, uint64_t *reach, bool *done, int nwords, const int *merge_bit)
{
    static const uint64_t none[1];
    if (n->kind == D_SINK || n->kind == D_TABLE) return none;
    uint64_t *r = reach + (size_t)n->stream_index * (size_t)nwords;
    if (done[n->stream_index]) return r;
    done[n->stream_index] = true;
    if (merge_bit[n->stream_index] >= 0) r[merge_bit[n->stream_index] / 64] |= 1ull << (merge_bit[n->stream_index] % 64);
    for (int i = 0; i < n->nsides + n->nreaders; i++) {
        node *m = i < n->nsides ? n->sides[i] : n->readers[i - n->nsides];
        if (!plan_is_live(m) || m->kind == D_SINK || m->kind == D_TABLE) continue;
        const uint64_t *q = merges_from(m, reach, done, nwords, merge_bit);
        for (int w = 0; w < nwords; w++) r[w] |= q[w];
    }
    return r;
}

/* Marks the streams whose readers meet again at a merge: a ring, and a thread for each reader. */
static void spread_diamonds(arena *a, program *p, placement *pm, const char **cut_why)
{
    int nmerges = 0;
    int *merge_bit = arena_alloc(a, sizeof *merge_bit * (size_t)(pm->nstreams + 1));
    for (int j = 0; j < pm->nstreams; j++) merge_bit[j] = stream_at(p, j)->ninputs > 0 ? nmerges++ : -1;
    if (!nmerges) return;
    int nwords = (nmerges + 63) / 64;
    uint64_t *reach = arena_alloc(a, sizeof *reach * (size_t)nwords * (size_t)pm->nstreams);
    memset(reach, 0, sizeof *reach * (size_t)nwords * (size_t)pm->nstreams);
    bool *done = arena_alloc(a, sizeof *done * (size_t)pm->nstreams);
    memset(done, 0, sizeof *done * (size_t)pm->nstreams);
    uint64_t *seen = arena_alloc(a, sizeof *seen * (size_t)nwords);
    for (int j = 0; j < pm->nstreams; j++) {
        node *n = stream_at(p, j);
        if (!n->used || n->nreaders < 2) continue;
        memset(seen, 0, sizeof *seen * (size_t)nwords);
        bool meet = false;
        for (int k = 0; k < n->nreaders && !meet; k++) {
            node *rd = n->readers[k];
            if (rd->kind == D_SINK || rd->kind == D_TABLE) continue;
            const uint64_t *q = merges_from(rd, reach, done, nwords, merge_bit);
            for (int w = 0; w < nwords; w++) {
                meet |= (seen[w] & q[w]) != 0;
                seen[w] |= q[w];
            }
        }
        if (!meet) continue;
        pm->ring[j] = pm->spread[j] = true;
        cut_why[j] = "its readers meet again at a merge, which keeps a watermark for each";
    }
}

static int machine_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < 1024 ? (int)n : 1;
}

plan *plan_build(arena *a, diag *d, program *p)
{
    plan *pl = arena_alloc(a, sizeof *pl);
    pl->prog = p;
    pl->budget = p->threads > 0 ? p->threads : machine_cpus();
    mark_live(p);
    index_readers(a, p);
    guess_rates(p);

    placement pm = {.nstreams = p->nsources + p->nstages};
    pm.ring = arena_alloc(a, sizeof *pm.ring * (size_t)(pm.nstreams + 1));
    pm.spread = arena_alloc(a, sizeof *pm.spread * (size_t)(pm.nstreams + 1));
    pm.no_ring = arena_alloc(a, sizeof *pm.no_ring * (size_t)(pm.nstreams + 1));   /* zeroed: every cut allowed */
    pm.no_spread = arena_alloc(a, sizeof *pm.no_spread * (size_t)(pm.nstreams + 1));
    const char **cut_why = arena_alloc(a, sizeof *cut_why * (size_t)(pm.nstreams + 1));
    for (int j = 0; j < pm.nstreams; j++) {
        node *n = stream_at(p, j);
        n->stream_index = j;
        pm.ring[j] = pm.spread[j] = false;
        cut_why[j] = NULL;
        if (n->kind == D_SOURCE || (n->used && ring_required(n))) pm.ring[j] = true;
    }
    for (int i = 0; i < p->nsources; i++) {   /* the ring moves to the end of the parser's filters */
        node *end = parsed_into(p->sources[i]);
        if (end == p->sources[i]) continue;
        pm.ring[p->sources[i]->stream_index] = false;
        for (node *n = p->sources[i]->readers[0];; n = n->readers[0]) {
            pm.ring[n->stream_index] = n == end;
            if (n == end) break;
        }
        cut_why[end->stream_index] = arena_printf(a, "runs what reads source %s, after the filters its parser applies", p->sources[i]->name);
    }
    spread_diamonds(a, p, &pm, cut_why);
    place_by_cost(a, pl, &pm, cut_why);
    build(a, pl, d, &pm, cut_why);
    const node *st;
    const ast_op *o = join_apart(p, &st);
    if (o) {
        const node *tab = o->table;
        diag_error(d, o->word_loc, "join %s: stage '%s' runs on thread %s, but table '%s' is kept by thread %s, which computes '%s'; "
                   "a stream table is read only in the thread that writes it: read both from one stream, such as merge(a, b) on TIME",
                   tab->name, st->name, st->thread ? st->thread->name : "(none)", tab->name,
                   tab->thread ? tab->thread->name : "(none)", tab->input->name);
    }
    if (p->checkpoint) plan_checkpoint(a, d, pl);
    return pl;
}
