/* The plan: where the rings go, which operators fuse into which thread, and why.
 *
 * A ring is a hand-over between threads. Some are required: a source's (its
 * parse thread fills it), a merge's (every input's thread publishes into one
 * multi-producer ring), and the input of a reader that must run alone: one
 * with a slow-consumer policy other than block, `thread: own` or `cpu: N`.
 * A stage with its own `ring:` or `wait:` gets a ring as well.
 *
 * The rest is placed by cost. Each node gets a rough price per record and a
 * guess at how many records reach it; a thread's cost is what it runs plus
 * its ring hand-overs. Starting from the required rings, with every reader of
 * a ring that need not run alone sharing one thread with the others, the
 * planner adds the cut that most lowers the busiest thread's cost: a ring on
 * a fused stream (its readers move to a thread of their own), or one thread
 * for each reader of a shared ring. It stops when no cut lowers it by a
 * sixth, or when another thread would make more busy threads than the budget
 * (`options { threads: N }`, by default the compiling machine's CPUs).
 *
 * A stream without a ring hands each record to all its readers in turn, in
 * declaration order, in the thread that computes it. Stages no sink reads
 * are not run. */
#ifndef RGP_PLAN_H
#define RGP_PLAN_H
#include "sema.h"

#define PLAN_RING_SLOTS 4096        /* default ring size: enough to ride out a slow sink's flush */

typedef struct plan_thread plan_thread;

typedef struct plan_ring {
    const char *name;               /* "readings": the stream whose records it carries */
    node *stream;                   /* a source, a merge stage or a fan-out stage; it carries
                                     * that stream's records (a merge's, after its operators) */
    int nproducers;                 /* threads publishing into it; more than one: a merge */
    uint64_t slots;
    wait_kind wait;
    plan_thread **consumers;        /* one thread per reader, in declaration order */
    int nconsumers;
} plan_ring;

/* A ring a thread publishes into, and how many of the ring's inputs it computes
 * (two route branches into one merge: one producer that closes the ring twice). */
typedef struct plan_output {
    plan_ring *ring;
    int feeds;
} plan_output;

/* A group or window a thread finishes at the end of input. */
typedef struct plan_flush {
    node *stage;
    const ast_op *op;
} plan_flush;

typedef enum thread_kind { TH_PARSE, TH_RUN } thread_kind;

struct plan_thread {
    const char *name;               /* "readings.parse", "alerts.run": the thread's name in top -H */
    const char *cname;              /* C identifier part: readings_parse */
    thread_kind kind;
    node *source;                   /* TH_PARSE: the source it reads */
    node *end;                      /* TH_PARSE: the stream it publishes: the source, or the last
                                     * filter it applies in place (where-only stages, one reading
                                     * the next), so a rejected record never crosses a ring */
    plan_ring *in;                  /* TH_RUN: the ring it reads */
    node *entry;                    /* TH_RUN: its first reader of `in` (a stage or sink) */
    node **entries; int nentries;   /* TH_RUN: the readers of `in` it runs, each record to each in turn */
    const char *why;                /* why the thread exists, as `rgp emit` and `rgp graph` say it */
    double cost;                    /* the planner's guess at its work per source record */
    policy_kind policy;             /* TH_RUN: how it reads when it falls behind */
    uint64_t limit;
    int cpu;                        /* -1: not pinned */
    int index;                      /* in plan.threads */
    /* Its body, as the emitter and `rgp graph` print it. Every list is in the
     * order the thread meets it: a node, its route branches and late streams,
     * then its one reader, up to the sinks and the next rings. */
    node **nodes; int nnodes;       /* what it runs (TH_PARSE: the source; a merge is not run, it is fed) */
    plan_output *outs; int nouts;   /* the rings it publishes into */
    plan_thread **relays; int nrelays; /* drop_newest readers of those rings: it fills their buffers */
    node **sinks; int nsinks;       /* the sinks it writes */
    plan_flush *flushes; int nflushes; /* groups and windows, upstream first */
    int ckpt_part;                  /* its part of a checkpoint (plan_ckpt), or -1 without checkpoints */
};

/* What a checkpoint saves (options { checkpoint: "DIR" }; plan_checkpoint.c), one
 * component each, in this order: every journal source's position, every stateful
 * operator's table, every journal sink's offset. Each is saved by the thread that
 * owns it, at the barrier; every thread is a part, which reports each barrier. */
typedef struct plan_ckpt {
    const node *n;                  /* the source, stage or sink */
    const ast_op *op;               /* a stage's operator; NULL for a source or sink */
    plan_thread *t;                 /* the thread that saves it */
    const char *line;               /* its line of the fingerprint: what it is, with its types */
} plan_ckpt;

typedef struct plan {
    program *prog;
    plan_ring **rings; int nrings;
    plan_thread **threads; int nthreads;
    int budget;                     /* busy threads the cost placement may use */
    int cuts;                       /* rings and threads it added by cost */
    plan_ckpt *ckpt; int nckpt;     /* what a checkpoint saves; none without options { checkpoint } */
    int nckpt_parts;                /* the threads, with checkpoints; else 0 */
} plan;

/* The budget is `options { threads: N }`, or the CPUs of this machine. */
plan *plan_build(arena *a, diag *d, program *p);
bool plan_is_live(const node *n);          /* a sink, or a stream some sink reads through */
/* The ring that carries n's records, or NULL when n's readers are fused into its thread. */
plan_ring *plan_ring_of(const plan *pl, const node *n);
/* The thread that runs n, or NULL (a merge, or a stage no sink reads). */
plan_thread *plan_thread_of(const plan *pl, const node *n);
/* plan_checkpoint.c: the components of a checkpoint, and an error for what cannot be saved yet. */
void plan_checkpoint(arena *a, diag *d, plan *pl);

#endif
