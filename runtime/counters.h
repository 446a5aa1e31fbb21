/* counters.h - every component's counters, as a generated program keeps them:
 * the table of components (sources, stages, sinks), the metric families, and
 * the published slots a thread fills once per batch. The metrics server
 * (metrics.h) and --stats (program.h) read the slots, never the pipeline. */
#ifndef RGP_COUNTERS_H
#define RGP_COUNTERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomics.h"

/* The families, one X-macro list: id, name, Prometheus type, the one extra
 * label (or NULL), its key in /metrics.json, help. The generated tables name
 * them by id; the server prints them in this order. RGP_M_STATE is no
 * Prometheus family: a source's state (rgp_source_state) for /health and the
 * status page. */
#define RGP_METRIC_FAMILIES(X)                                                                                        \
    X(RECEIVED_RECORDS, "rgp_component_received_records_total", "counter", NULL, "received_records",                  \
      "Records that came to the component: rows read by a source, records that reached a stage or sink.")             \
    X(SENT_RECORDS, "rgp_component_sent_records_total", "counter", NULL, "sent_records",                              \
      "Records the component handed on: parsed by a source, emitted by a stage, written by a sink.")                  \
    X(RECEIVED_BYTES, "rgp_component_received_bytes_total", "counter", NULL, "received_bytes",                        \
      "Bytes of its input a source has parsed.")                                                                      \
    X(SENT_BYTES, "rgp_component_sent_bytes_total", "counter", NULL, "sent_bytes",                                    \
      "Bytes a sink handed to the kernel (a sink sharing another sink's writer in one thread counts none).")          \
    X(DISCARDED, "rgp_component_discarded_records_total", "counter", "reason", "discarded",                           \
      "Records the component did not pass on, by reason (the causes of the exit summary).")                           \
    X(ERRORS, "rgp_component_errors_total", "counter", "error_type", "errors",                                        \
      "Errors by type: read_error (a source's input failed), write_error (a sink could not be written).")             \
    X(KEYS, "rgp_keys", "gauge", NULL, "keys",                                                                        \
      "Keys (or groups, or open windows) a stage's state holds now.")                                                 \
    X(SOURCE_LAG, "rgp_source_lag_records", "gauge", NULL, "lag_records",                                             \
      "Records a source has still to read, where it knows: a journal source's, up to the journal's end.")             \
    X(STATE, NULL, NULL, NULL, "state", NULL)

typedef enum rgp_metric_family {
#define X(id, name, type, label, json, help) RGP_M_##id,
    RGP_METRIC_FAMILIES(X)
#undef X
    RGP_M_NFAMILIES
} rgp_metric_family;

static const struct rgp_metric_family_info {
    const char *name, *type, *label, *json, *help;
} rgp_metric_families[RGP_M_NFAMILIES] = {
#define X(id, name, type, label, json, help) [RGP_M_##id] = {name, type, label, json, help},
    RGP_METRIC_FAMILIES(X)
#undef X
};

/* A source's state, published by its thread (RGP_M_STATE). */
enum { RGP_SOURCE_LIVE, RGP_SOURCE_ENDED, RGP_SOURCE_STOPPED, RGP_SOURCE_FAILED };

/* One source, stage or sink, as the compiler planned it. */
typedef struct rgp_component {
    const char *id;     /* its name in the .rgp file */
    const char *kind;   /* "source", "stage" or "sink" */
    const char *type;   /* "file", "tcp", ...; a stage's operators, "where|select" */
} rgp_component;

/* One published counter: family, component, the label's value (a loss cause
 * index for RGP_M_DISCARDED, an error type for RGP_M_ERRORS, else -1 / NULL),
 * and the slot. Slots are written by one thread only (relaxed stores, once a
 * batch) and read by any (relaxed loads): a counter, nothing is read through it. */
typedef struct rgp_counter {
    rgp_metric_family family;
    int component;
    int cause;
    const char *error_type;
    const RGP_ATOMIC(uint64_t) *slot;
} rgp_counter;

typedef struct rgp_counters {
    const char *pipeline;
    const rgp_component *components;
    int ncomponents;
    const rgp_counter *counters;
    int ncounters;
} rgp_counters;

/* A count that a reader's end markers may still be taken from: never below 0. */
static inline uint64_t rgp_counter_clamp(uint64_t v) { return (int64_t)v < 0 ? 0 : v; }

/* Set by main before any thread starts (pthread_create orders it for them). */
static const rgp_counters *rgp__counters;

/* A family's total for one component, over every slot (and label) that has it. */
static inline uint64_t rgp_counters_sum(const rgp_counters *t, rgp_metric_family f, int component)
{
    uint64_t n = 0;
    for (int i = 0; i < t->ncounters; i++)
        if (t->counters[i].family == f && t->counters[i].component == component)
            n += rgp_load_relaxed_u64(t->counters[i].slot);   /* pairs with nothing: a counter */
    return n;
}

/* --stats: each component's records in and out and discarded since the last
 * report. prev holds 3 values per component (kept by the caller, zeroed at first). */
static inline void rgp_counters_print_stats(FILE *f, const char *prog, const rgp_counters *t, uint64_t *prev)
{
    for (int c = 0; c < t->ncomponents; c++) {
        uint64_t now[3] = {rgp_counters_sum(t, RGP_M_RECEIVED_RECORDS, c), rgp_counters_sum(t, RGP_M_SENT_RECORDS, c),
                           rgp_counters_sum(t, RGP_M_DISCARDED, c)};
        fprintf(f, "%s: stats: %-6s %-16s in %10llu  out %10llu  dropped %llu\n", prog, t->components[c].kind,
                t->components[c].id, (unsigned long long)(now[0] - prev[3 * c]), (unsigned long long)(now[1] - prev[3 * c + 1]),
                (unsigned long long)(now[2] - prev[3 * c + 2]));
        memcpy(&prev[3 * c], now, sizeof now);
    }
}

#endif
