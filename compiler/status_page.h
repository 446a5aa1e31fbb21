/* status_page.h - the page the metrics server serves at GET / (runtime/metrics.h):
 * the plan's threads, rings, stages and sinks laid out as SVG at compile time,
 * with a small inline script that fills in their numbers from /metrics.json. */
#ifndef RGP_STATUS_PAGE_H
#define RGP_STATUS_PAGE_H
#include <stdio.h>
#include "plan.h"

/* Writes the whole page, self-contained: no external asset. */
void status_page_write(FILE *out, const plan *pl);

#endif
