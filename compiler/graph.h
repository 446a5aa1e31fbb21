/* `rgp graph`: the plan as Graphviz DOT. Sources, stages and sinks are nodes,
 * each inside a box for the thread that runs it; rings sit between threads. */
#ifndef RGP_GRAPH_H
#define RGP_GRAPH_H
#include <stdio.h>
#include "plan.h"

void graph_write(FILE *out, const plan *pl);

#endif
