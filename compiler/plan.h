/* The plan: which operators fuse into which thread and where the rings go.
 * Rule of this slice: each source parses on its own thread and hands records
 * through one ring to a consumer thread that runs, fused, every stage and sink
 * reachable from that source. Stages that reach no sink are not run. */
#ifndef RGP_PLAN_H
#define RGP_PLAN_H
#include "sema.h"

#define PLAN_RING_SLOTS 4096   /* power of two; enough to ride out a slow sink's flush */

typedef struct plan_pipe {
    node *source;
    uint64_t ring_slots;
    node **nodes;              /* stages and sinks fed by this source, in declaration order */
    int nnodes;
} plan_pipe;

typedef struct plan {
    program *prog;
    plan_pipe *pipes;          /* one per source */
    int npipes;
} plan;

plan *plan_build(arena *a, program *p);
bool plan_is_live(const node *n);          /* a sink, or a stage some sink reads through */
/* The stages and sinks that read `n` directly, in declaration order. */
int plan_readers(const plan *pl, const node *n, node **out, int max);

#endif
