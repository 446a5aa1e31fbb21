/* heap.h - a binary min-heap of (time, entry number) items: the windows and
 * spans of a keyed table ordered by when they close, so a watermark move costs
 * what closes (a pop each) rather than a walk over every key. An item's time
 * is its window's start (or a session's last record): it closes a fixed
 * `after` later, which saturates at the end of time, so the start also orders
 * the windows that all close then. Items come off by time, then by entry
 * number: a table whose entries keep their order (compaction keeps it) gets
 * the windows closing together in entry order. */
#ifndef RGP_HEAP_H
#define RGP_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include "rgp_std.h"   /* rgp_time_add */

typedef struct rgp_heap_item { int64_t at; size_t entry; } rgp_heap_item;
typedef struct rgp_heap { rgp_heap_item *items; size_t len, cap; } rgp_heap;

/* Whether item a comes off before item b. */
static inline bool rgp_heap__before(rgp_heap_item a, rgp_heap_item b)
{
    return a.at != b.at ? a.at < b.at : a.entry < b.entry;
}

/* When the first item closes, `after` ms after its time: INT64_MAX when there is none. */
static inline int64_t rgp_heap_first_close(const rgp_heap *h, int64_t after)
{
    return h->len ? rgp_time_add(h->items[0].at, after) : INT64_MAX;
}

/* Whether the first item closes by upto (there is one, and its close has come). */
static inline bool rgp_heap_due(const rgp_heap *h, int64_t after, int64_t upto)
{
    return h->len && rgp_time_add(h->items[0].at, after) <= upto;
}

/* Adds an item; false when memory ran out (the heap is unchanged). */
static inline bool rgp_heap_push(rgp_heap *h, int64_t at, size_t entry)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : 256;
        rgp_heap_item *grown = (rgp_heap_item *)realloc(h->items, cap * sizeof *grown);
        if (!grown) return false;
        h->items = grown;
        h->cap = cap;
    }
    rgp_heap_item item = {at, entry};
    size_t i = h->len++;
    while (i > 0 && rgp_heap__before(item, h->items[(i - 1) / 2])) {   /* sift up */
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = item;
    return true;
}

/* Sifts item down from slot i of the first n, into its place. */
static inline void rgp_heap__sift_down(rgp_heap *h, size_t i, size_t n, rgp_heap_item item)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && rgp_heap__before(h->items[c + 1], h->items[c])) c++;
        if (!rgp_heap__before(h->items[c], item)) break;
        h->items[i] = h->items[c];
        i = c;
    }
    h->items[i] = item;
}

/* The first item's entry; the heap must not be empty. */
static inline size_t rgp_heap_first_entry(const rgp_heap *h) { return h->items[0].entry; }

/* Gives the first item a later time and puts it in its place: one sift, not a
 * pop and a push (a session that went on). The heap must not be empty. */
static inline void rgp_heap_delay_first(rgp_heap *h, int64_t at)
{
    rgp_heap__sift_down(h, 0, h->len, (rgp_heap_item){at, h->items[0].entry});
}

/* Removes and returns the first item (the earliest time, the least entry); the heap must not be empty. */
static inline rgp_heap_item rgp_heap_pop(rgp_heap *h)
{
    rgp_heap_item top = h->items[0], moved = h->items[--h->len];
    if (h->len) rgp_heap__sift_down(h, 0, h->len, moved);   /* the last item, from the root */
    return top;
}

/* Empties the heap, keeping its memory (a table rebuilding its items). */
static inline void rgp_heap_clear(rgp_heap *h) { h->len = 0; }

static inline void rgp_heap_free(rgp_heap *h)
{
    free(h->items);
    *h = (rgp_heap){0};
}

/* ---- rgp_starts: entries grouped by window start ------------------------ */

/* The windows keyed by start close a whole start at a time, and many keys
 * share a start: a bucket of entry numbers per start (in the order they were
 * added), found through a small open-addressing index by start, with a heap
 * of the starts. Adding an entry costs a probe and an append, closing a start
 * a pop: no per-entry heap walk over memory that misses the cache. */
typedef struct rgp_start_bucket { int64_t start; size_t *entries, len, cap; } rgp_start_bucket;
typedef struct rgp_starts {
    rgp_heap order;   /* (start, bucket number) of the open buckets */
    rgp_start_bucket *buckets;
    size_t nbuckets, cap, *spare, nspare;   /* spare: closed bucket numbers, reused */
    uint32_t *index;   /* bucket number + 1; 0 is empty */
    size_t icap, live, last;   /* last: the bucket added to last, tried first */
} rgp_starts;

static inline size_t rgp_starts__slot(const rgp_starts *s, int64_t start)
{
    uint64_t h = (uint64_t)start * UINT64_C(0x9e3779b97f4a7c15);
    return (size_t)(h >> 32) & (s->icap - 1);
}

/* Doubles the index (at half full) and puts the open buckets back in it. */
static inline bool rgp_starts__grow(rgp_starts *s)
{
    size_t cap = s->icap ? 2 * s->icap : 64;
    uint32_t *index = (uint32_t *)calloc(cap, sizeof *index);
    if (!index) return false;
    free(s->index);
    s->index = index;
    s->icap = cap;
    for (size_t i = 0; i < s->order.len; i++) {
        size_t b = s->order.items[i].entry, j = rgp_starts__slot(s, s->buckets[b].start);
        while (s->index[j]) j = (j + 1) & (s->icap - 1);
        s->index[j] = (uint32_t)(b + 1);
    }
    return true;
}

/* A new bucket for `start` (its index slot j is empty); false when memory ran out. */
static inline bool rgp_starts__open(rgp_starts *s, int64_t start, size_t *bucket)
{
    size_t b;
    if (s->nspare) {
        b = s->spare[--s->nspare];
    } else {
        if (s->nbuckets == s->cap) {
            size_t cap = s->cap ? 2 * s->cap : 16;
            rgp_start_bucket *grown = (rgp_start_bucket *)realloc(s->buckets, cap * sizeof *grown);
            size_t *spare = (size_t *)realloc(s->spare, cap * sizeof *spare);
            if (grown) s->buckets = grown;
            if (spare) s->spare = spare;
            if (!grown || !spare) return false;
            s->cap = cap;
        }
        b = s->nbuckets++;
        s->buckets[b] = (rgp_start_bucket){0};
    }
    s->buckets[b].start = start;
    s->buckets[b].len = 0;
    if (!rgp_heap_push(&s->order, start, b)) return false;
    s->live++;
    *bucket = b;
    return true;
}

/* The bucket of `start`, made if need be; false when memory ran out. */
static inline bool rgp_starts__find(rgp_starts *s, int64_t start, size_t *bucket)
{
    if (s->last < s->nbuckets && s->buckets[s->last].start == start) {   /* open: a closed one resets last */
        *bucket = s->last;
        return true;
    }
    if (2 * (s->live + 1) > s->icap && !rgp_starts__grow(s)) return false;
    size_t j = rgp_starts__slot(s, start);
    for (; s->index[j]; j = (j + 1) & (s->icap - 1))
        if (s->buckets[s->index[j] - 1].start == start) {
            *bucket = s->index[j] - 1;
            return true;
        }
    if (!rgp_starts__open(s, start, bucket)) return false;
    s->index[j] = (uint32_t)(*bucket + 1);
    return true;
}

/* Adds entry to the bucket of its window's start; false when memory ran out. */
static inline bool rgp_starts_add(rgp_starts *s, int64_t start, size_t entry)
{
    size_t b;
    if (!rgp_starts__find(s, start, &b)) return false;
    rgp_start_bucket *k = &s->buckets[b];
    if (k->len == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        size_t *grown = (size_t *)realloc(k->entries, cap * sizeof *grown);
        if (!grown) return false;
        k->entries = grown;
        k->cap = cap;
    }
    k->entries[k->len++] = entry;
    s->last = b;
    return true;
}

/* The open bucket of the earliest start, if it closes by upto (`after` ms
 * after its start, saturating); NULL for none. */
static inline const rgp_start_bucket *rgp_starts_due(const rgp_starts *s, int64_t after, int64_t upto)
{
    return rgp_heap_due(&s->order, after, upto) ? &s->buckets[s->order.items[0].entry] : NULL;
}

/* Closes the bucket of the earliest start (the one rgp_starts_due gave),
 * taking it out of the index: linear probing, so later slots of its run move up. */
static inline void rgp_starts_close_first(rgp_starts *s)
{
    size_t b = rgp_heap_pop(&s->order).entry;
    size_t j = rgp_starts__slot(s, s->buckets[b].start);
    while (s->index[j] != b + 1) j = (j + 1) & (s->icap - 1);
    for (size_t k = (j + 1) & (s->icap - 1); s->index[k]; k = (k + 1) & (s->icap - 1)) {
        size_t home = rgp_starts__slot(s, s->buckets[s->index[k] - 1].start);
        bool stays = j <= k ? (j < home && home <= k) : (j < home || home <= k);   /* home lies in (j, k] */
        if (stays) continue;
        s->index[j] = s->index[k];
        j = k;
    }
    s->index[j] = 0;
    s->buckets[b].len = 0;
    s->spare[s->nspare++] = b;
    s->live--;
    if (s->last == b) s->last = SIZE_MAX;
}

/* Closes every bucket, keeping the memory (a table renumbering its entries). */
static inline void rgp_starts_clear(rgp_starts *s)
{
    while (s->order.len) rgp_starts_close_first(s);
}

static inline void rgp_starts_free(rgp_starts *s)
{
    for (size_t b = 0; b < s->nbuckets; b++) free(s->buckets[b].entries);
    free(s->buckets);
    free(s->spare);
    free(s->index);
    rgp_heap_free(&s->order);
    *s = (rgp_starts){0};
}

#endif
