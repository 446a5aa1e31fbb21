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

/* Removes and returns the first item (the earliest time, the least entry); the heap must not be empty. */
static inline rgp_heap_item rgp_heap_pop(rgp_heap *h)
{
    rgp_heap_item top = h->items[0], moved = h->items[--h->len];
    size_t i = 0, n = h->len;
    for (;;) {   /* sift the last item down from the root */
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && rgp_heap__before(h->items[c + 1], h->items[c])) c++;
        if (!rgp_heap__before(h->items[c], moved)) break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (n) h->items[i] = moved;
    return top;
}

/* Empties the heap, keeping its memory (a table rebuilding its items). */
static inline void rgp_heap_clear(rgp_heap *h) { h->len = 0; }

static inline void rgp_heap_free(rgp_heap *h)
{
    free(h->items);
    *h = (rgp_heap){0};
}

#endif
