/* order.h - the reorder buffer of `merge(a, b, ...) on TIME [lateness: D]`:
 * the one thread that reads a merged ring holds each record here until every
 * input still live has passed its time, and hands them on in event-time order.
 *
 * Each input (lane) has a front: the latest time seen on it minus the
 * lateness, before which it promises nothing more. A record of lane L at time
 * t leaves when, for every lane M that has not ended, (front_M, M) >= (t, L):
 * a record still to come on M is then at or after t, and one at t itself sorts
 * after this one (a later lane, or the same lane later). Records leave in the
 * order of (time, lane, place in its lane), and since whether a record is
 * admitted depends on its own lane alone (it is behind its lane's front:
 * counted as unordered and not held), the output is a function of each lane's
 * records, not of how the threads ran.
 *
 * A lane here is a rank: the generated code numbers the inputs in the order
 * ties are to go (the merge's inputs as written), so lane 0 wins a tie.
 *
 * Held records live in chunks that never move (a record's strings may point
 * into its own slot), and a freed slot is reused; memory grows with how far
 * the inputs are apart, not with the input. One thread owns a buffer. */
#ifndef RGP_ORDER_H
#define RGP_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RGP_ORDER_CHUNK 256            /* held records per chunk */
#define RGP_ORDER_SEQ_BITS 44          /* a lane's records are told apart by 44 bits of count */

typedef struct rgp_order_item {
    int64_t at;                        /* the record's time */
    uint64_t tie;                      /* lane << RGP_ORDER_SEQ_BITS | its place in the lane */
    uint32_t slot;
} rgp_order_item;

typedef struct rgp_order_lane {
    int64_t latest;                    /* the latest time seen; INT64_MIN before the first */
    uint64_t seq;                      /* records admitted */
    bool ended;
} rgp_order_lane;

typedef struct rgp_order {
    size_t elem;                       /* bytes of one held record */
    int64_t lateness;                  /* ms a lane's records may come behind its latest */
    char **chunks; size_t nchunks;
    uint32_t *free; size_t nfree;      /* slots to reuse */
    size_t nslots;                     /* slots made */
    rgp_order_item *heap; size_t len, cap;
    rgp_order_lane *lanes; int nlanes;
    uint64_t in, unordered;            /* records that came; those behind their lane's front */
} rgp_order;

/* 0, or -1 when memory ran out. */
static inline int rgp_order_init(rgp_order *o, int nlanes, size_t elem, int64_t lateness_ms)
{
    memset(o, 0, sizeof *o);
    o->elem = elem;
    o->lateness = lateness_ms;
    o->nlanes = nlanes;
    o->lanes = (rgp_order_lane *)calloc((size_t)nlanes, sizeof *o->lanes);
    if (!o->lanes) return -1;
    for (int i = 0; i < nlanes; i++) o->lanes[i].latest = INT64_MIN;
    return 0;
}

/* The memory of slot i (of nslots). */
static inline void *rgp_order_slot(const rgp_order *o, size_t i)
{
    return o->chunks[i / RGP_ORDER_CHUNK] + (i % RGP_ORDER_CHUNK) * o->elem;
}

/* Where a lane stops promising: its latest time minus the lateness (saturating). */
static inline int64_t rgp_order__front(const rgp_order_lane *l, int64_t lateness)
{
    return l->latest < INT64_MIN + lateness ? INT64_MIN : l->latest - lateness;
}

/* Whether a record of `lane` at `at` may be held: false when it is behind its
 * lane's front (counted as unordered); true moves the lane's latest time on. */
static inline bool rgp_order_admit(rgp_order *o, uint32_t lane, int64_t at)
{
    rgp_order_lane *l = &o->lanes[lane];
    o->in++;
    if (l->latest != INT64_MIN && at < rgp_order__front(l, o->lateness)) {
        o->unordered++;
        return false;
    }
    if (at > l->latest) l->latest = at;
    return true;
}

static inline bool rgp_order__before(const rgp_order_item *a, const rgp_order_item *b)
{
    return a->at != b->at ? a->at < b->at : a->tie < b->tie;
}

/* Memory for an admitted record of `lane` at `at`, held until its turn; the
 * caller fills it. NULL when memory ran out. */
static inline void *rgp_order_push(rgp_order *o, uint32_t lane, int64_t at)
{
    if (!o->nfree) {
        if (o->nslots % RGP_ORDER_CHUNK == 0) {
            char **chunks = (char **)realloc(o->chunks, (o->nchunks + 1) * sizeof *chunks);
            if (!chunks) return NULL;
            o->chunks = chunks;
            if (!(chunks[o->nchunks] = (char *)calloc(RGP_ORDER_CHUNK, o->elem))) return NULL;
            o->nchunks++;
            uint32_t *fr = (uint32_t *)realloc(o->free, o->nchunks * RGP_ORDER_CHUNK * sizeof *fr);
            if (!fr) return NULL;
            o->free = fr;
        }
        o->free[o->nfree++] = (uint32_t)o->nslots++;
    }
    if (o->len == o->cap) {
        size_t cap = o->cap ? 2 * o->cap : RGP_ORDER_CHUNK;
        rgp_order_item *grown = (rgp_order_item *)realloc(o->heap, cap * sizeof *grown);
        if (!grown) return NULL;
        o->heap = grown;
        o->cap = cap;
    }
    rgp_order_item it = {at, (uint64_t)lane << RGP_ORDER_SEQ_BITS | (o->lanes[lane].seq++ & ((1ull << RGP_ORDER_SEQ_BITS) - 1)),
                         o->free[--o->nfree]};
    size_t i = o->len++;
    while (i > 0 && rgp_order__before(&it, &o->heap[(i - 1) / 2])) {   /* sift up */
        o->heap[i] = o->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    o->heap[i] = it;
    return rgp_order_slot(o, it.slot);
}

/* Lane `lane` has ended: it holds nothing back any more. */
static inline void rgp_order_end(rgp_order *o, uint32_t lane) { o->lanes[lane].ended = true; }

/* The first held record if its turn has come, taken off (its memory stays as
 * it is until the next push); else NULL. */
static inline void *rgp_order_next(rgp_order *o)
{
    if (!o->len) return NULL;
    rgp_order_item top = o->heap[0];
    uint32_t lane = (uint32_t)(top.tie >> RGP_ORDER_SEQ_BITS);
    for (int m = 0; m < o->nlanes; m++) {
        const rgp_order_lane *l = &o->lanes[m];
        if (l->ended) continue;
        if (l->latest == INT64_MIN) return NULL;   /* nothing from it yet: it may still send anything */
        int64_t front = rgp_order__front(l, o->lateness);
        if (front < top.at || (front == top.at && (uint32_t)m < lane)) return NULL;
    }
    rgp_order_item last = o->heap[--o->len];
    size_t i = 0, n = o->len;
    for (;;) {   /* sift the last item down from the top */
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && rgp_order__before(&o->heap[c + 1], &o->heap[c])) c++;
        if (!rgp_order__before(&o->heap[c], &last)) break;
        o->heap[i] = o->heap[c];
        i = c;
    }
    if (n) o->heap[i] = last;
    o->free[o->nfree++] = top.slot;
    return rgp_order_slot(o, top.slot);
}

/* Frees the buffer's memory (not what held records point at: the caller frees
 * that first); its counts stay, for the summary at exit. */
static inline void rgp_order_free(rgp_order *o)
{
    for (size_t i = 0; i < o->nchunks; i++) free(o->chunks[i]);
    free(o->chunks);
    free(o->free);
    free(o->heap);
    free(o->lanes);
    o->chunks = NULL, o->free = NULL, o->heap = NULL, o->lanes = NULL;
    o->nchunks = o->nfree = o->nslots = o->len = o->cap = 0;
    o->nlanes = 0;
}

#endif
