/* heap.h - a binary min-heap of (time, entry number) items: the windows and
 * spans of a keyed table ordered by when they close, so a watermark move costs
 * what closes (a pop each) rather than a walk over every key. Items with equal
 * times come off in no set order; callers that need one sort what they pop. */
#ifndef RGP_HEAP_H
#define RGP_HEAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct rgp_heap_item { int64_t at; size_t entry; } rgp_heap_item;
typedef struct rgp_heap { rgp_heap_item *items; size_t len, cap; } rgp_heap;

/* The earliest time in the heap, INT64_MAX when it is empty. */
static inline int64_t rgp_heap_first_at(const rgp_heap *h)
{
    return h->len ? h->items[0].at : INT64_MAX;
}

/* Whether the earliest item is due by upto (there is one, and its time has come). */
static inline bool rgp_heap_due(const rgp_heap *h, int64_t upto)
{
    return h->len && h->items[0].at <= upto;
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
    size_t i = h->len++;
    while (i > 0 && h->items[(i - 1) / 2].at > at) {   /* sift up */
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = (rgp_heap_item){at, entry};
    return true;
}

/* Removes and returns the item with the earliest time; the heap must not be empty. */
static inline rgp_heap_item rgp_heap_pop(rgp_heap *h)
{
    rgp_heap_item top = h->items[0], moved = h->items[--h->len];
    size_t i = 0, n = h->len;
    for (;;) {   /* sift the last item down from the root */
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && h->items[c + 1].at < h->items[c].at) c++;
        if (h->items[c].at >= moved.at) break;
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
