/* ring.h - the ring buffer that carries records between two stage threads,
 * LMAX-Disruptor style: preallocated slots, free-running 64-bit sequences
 * indexed by mask, one release store per batch. Single producer, single consumer. */
#ifndef RGP_RING_H
#define RGP_RING_H

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomics.h"

#if defined(__GLIBC__) && (!defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200112L)
#error "rgp: ring.h needs POSIX (nanosleep, posix_memalign): build with -D_GNU_SOURCE"
#endif

/* Sequences are free-running and wrap past 2^64, so they are compared only
 * through differences: a - b as a count is right whenever a is at or after b. */

/* Each line groups fields by who writes them, so no core writes a line the
 * other core is polling unless it means to tell it something. The layout is
 * written out in full and checked below, because tcc ignores
 * __attribute__((aligned)) on a struct (it does honour _Alignas on a member). */
typedef struct rgp_ring {
    /* Producer writes, consumer reads. The cursor is the published end: every
     * sequence before it holds a finished record. closed shares the line because
     * it has the same writer and reader and is set once. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) cursor;
    RGP_ATOMIC(uint32_t) closed;
    char pad_cursor[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t)) - sizeof(RGP_ATOMIC(uint32_t))];

    /* Consumer writes, producer reads: every sequence before it may be reused. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) consumed;
    char pad_consumed[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t))];

    /* Producer only. claimed: next sequence to hand out. cached_consumed: the
     * last consumer sequence seen, so claim touches the consumer's line only
     * when this says there is not enough room. */
    _Alignas(RGP_CACHE_LINE) uint64_t claimed;
    uint64_t cached_consumed;
    char pad_producer[RGP_CACHE_LINE - 2 * sizeof(uint64_t)];

    /* Consumer only: the last cursor seen, so a consumer that works through a
     * batch in pieces does not re-read the producer's line for each piece. */
    _Alignas(RGP_CACHE_LINE) uint64_t cached_cursor;
    char pad_consumer[RGP_CACHE_LINE - sizeof(uint64_t)];

    /* Read-only after init; the struct's size rounds this line out. */
    _Alignas(RGP_CACHE_LINE) uint64_t capacity; /* power of two >= 2 */
    uint64_t mask;                              /* capacity - 1 */
    uint64_t first_seq;                         /* where sequences start */
    size_t slot_size;                           /* the caller's record size */
    size_t stride;                              /* bytes from one slot to the next */
    void *slots;                                /* capacity * stride bytes, 64-aligned */
} rgp_ring;

_Static_assert(offsetof(rgp_ring, cursor) == 0 * RGP_CACHE_LINE, "rgp_ring: cursor line");
_Static_assert(offsetof(rgp_ring, closed) < 1 * RGP_CACHE_LINE, "rgp_ring: closed on the cursor line");
_Static_assert(offsetof(rgp_ring, consumed) == 1 * RGP_CACHE_LINE, "rgp_ring: consumed line");
_Static_assert(offsetof(rgp_ring, claimed) == 2 * RGP_CACHE_LINE, "rgp_ring: producer line");
_Static_assert(offsetof(rgp_ring, cached_consumed) < 3 * RGP_CACHE_LINE, "rgp_ring: producer line");
_Static_assert(offsetof(rgp_ring, cached_cursor) == 3 * RGP_CACHE_LINE, "rgp_ring: consumer line");
_Static_assert(offsetof(rgp_ring, capacity) == 4 * RGP_CACHE_LINE, "rgp_ring: config line");
_Static_assert(sizeof(rgp_ring) == 5 * RGP_CACHE_LINE, "rgp_ring: five whole lines");
_Static_assert(_Alignof(rgp_ring) == RGP_CACHE_LINE, "rgp_ring: line-aligned");

/* ---- wait strategy ------------------------------------------------------- */

/* Adaptive backoff for any side that finds nothing to do: spin briefly (the
 * other side is usually microseconds away), then give the core away, then
 * sleep with a growing interval so an idle pipeline costs almost nothing.
 * *round starts at 0 for each new wait. */
static inline void rgp__wait_backoff(int *round)
{
    enum { SPINS = 100, YIELDS = 100, SLEEP_MIN_NS = 20000, SLEEP_MAX_NS = 1000000 };
    int n = *round;

    if (n < SPINS + YIELDS + 16)
        *round = n + 1;
    if (n < SPINS) {
        rgp_cpu_relax();
    } else if (n < SPINS + YIELDS) {
        sched_yield();
    } else {
        long ns = (long)SLEEP_MIN_NS << (n - SPINS - YIELDS < 6 ? n - SPINS - YIELDS : 6);
        struct timespec ts = {0, ns < SLEEP_MAX_NS ? ns : SLEEP_MAX_NS};
        nanosleep(&ts, NULL);
    }
}

/* ---- setup --------------------------------------------------------------- */

/* Slots at least a line long start on a line; smaller ones are padded to a
 * power of two so they tile lines without straddling them. Either way every
 * slot is aligned for any record type whose alignment is at most 64. */
static inline size_t rgp__ring_stride(size_t slot_size)
{
    size_t s = 1;

    if (slot_size >= RGP_CACHE_LINE)
        return (slot_size + RGP_CACHE_LINE - 1) & ~(size_t)(RGP_CACHE_LINE - 1);
    while (s < slot_size)
        s <<= 1;
    return s;
}

/* Capacity must be a power of two >= 2 and slot_size > 0. Sequences start at
 * start_seq (any value; they wrap freely). Returns 0, or -1 with errno set to
 * EINVAL or ENOMEM. Call before the threads that use the ring start. */
static inline int rgp_ring_init_at(rgp_ring *r, uint64_t capacity, size_t slot_size,
                                   uint64_t start_seq)
{
    size_t stride;
    void *slots = NULL;

    if (capacity < 2 || (capacity & (capacity - 1)) != 0 || slot_size == 0 ||
        slot_size > SIZE_MAX - RGP_CACHE_LINE) {
        errno = EINVAL;
        return -1;
    }
    stride = rgp__ring_stride(slot_size);
    if (capacity > SIZE_MAX / stride) {
        errno = ENOMEM;
        return -1;
    }
    /* posix_memalign, not aligned_alloc: glibc hides the latter from tcc,
     * which does not claim C11. */
    if (posix_memalign(&slots, RGP_CACHE_LINE, (size_t)capacity * stride) != 0) {
        errno = ENOMEM;
        return -1;
    }
    memset(slots, 0, (size_t)capacity * stride);

    memset(r, 0, sizeof *r);
    r->capacity = capacity;
    r->mask = capacity - 1;
    r->first_seq = start_seq;
    r->slot_size = slot_size;
    r->stride = stride;
    r->slots = slots;
    r->claimed = start_seq;
    r->cached_consumed = start_seq;
    r->cached_cursor = start_seq;
    /* Relaxed: thread creation publishes the initialised ring. */
    rgp_store_relaxed_u64(&r->cursor, start_seq);
    rgp_store_relaxed_u64(&r->consumed, start_seq);
    rgp_store_relaxed_u32(&r->closed, 0);
    return 0;
}

static inline int rgp_ring_init(rgp_ring *r, uint64_t capacity, size_t slot_size)
{
    return rgp_ring_init_at(r, capacity, slot_size, 0);
}

/* After both threads are done with the ring. */
static inline void rgp_ring_destroy(rgp_ring *r)
{
    free(r->slots);
    r->slots = NULL;
}

static inline uint64_t rgp_ring_first_seq(const rgp_ring *r)
{
    return r->first_seq;
}

static inline void *rgp_ring_slot(const rgp_ring *r, uint64_t seq)
{
    return (char *)r->slots + (size_t)(seq & r->mask) * r->stride;
}

/* ---- producer ------------------------------------------------------------ */

/* Slots the producer could claim right now without waiting. Producer only. */
static inline uint64_t rgp_ring_free_slots(const rgp_ring *r)
{
    /* pairs with the release in rgp_ring_release */
    uint64_t consumed = rgp_load_acquire_u64(&r->consumed);
    return r->capacity - (r->claimed - consumed);
}

/* Claims up to want slots, waiting until at least one is free. Returns the
 * first claimed sequence; *got is how many (1..want, never more than free;
 * 0 only when want is 0). Write the records with rgp_ring_slot, then publish. */
static inline uint64_t rgp_ring_claim(rgp_ring *r, uint64_t want, uint64_t *got)
{
    uint64_t seq = r->claimed;
    uint64_t avail = r->capacity - (seq - r->cached_consumed);

    if (avail < want) {
        /* The cache is stale or the ring is short of room: look at the
         * consumer's line, and wait only if the ring is truly full. */
        int round = 0;
        for (;;) {
            /* pairs with the release in rgp_ring_release: the consumer has
             * finished reading every slot before the value we see */
            r->cached_consumed = rgp_load_acquire_u64(&r->consumed);
            avail = r->capacity - (seq - r->cached_consumed);
            if (avail > 0)
                break;
            rgp__wait_backoff(&round);
        }
    }
    if (avail > want)
        avail = want;
    r->claimed = seq + avail;
    *got = avail;
    return seq;
}

/* Makes every sequence before end visible to the consumer. end is one past
 * the last record written; publishing a whole batch costs one store. */
static inline void rgp_ring_publish(rgp_ring *r, uint64_t end)
{
    /* pairs with the acquires of cursor in rgp_ring_wait */
    rgp_store_release_u64(&r->cursor, end);
}

/* After the final publish: no more records will come. */
static inline void rgp_ring_close(rgp_ring *r)
{
    /* pairs with the acquire of closed in rgp_ring_wait; also orders the
     * final publish before it */
    rgp_store_release_u32(&r->closed, 1);
}

/* ---- consumer ------------------------------------------------------------ */

/* Waits until a record at next is published or the ring is closed. Returns
 * the published end: records [next, end) are readable. end == next means the
 * ring is closed and fully drained. */
static inline uint64_t rgp_ring_wait(rgp_ring *r, uint64_t next)
{
    uint64_t end = r->cached_cursor;
    int round = 0;

    if (end != next && end - next <= r->capacity)
        return end;
    for (;;) {
        /* pairs with the release in rgp_ring_publish */
        end = rgp_load_acquire_u64(&r->cursor);
        if (end != next)
            break;
        /* pairs with the release in rgp_ring_close */
        if (rgp_load_acquire_u32(&r->closed)) {
            /* The producer published its last batch before closing, and the
             * acquire above makes that publish visible: read the cursor again
             * or records published between our two loads would be lost. */
            end = rgp_load_acquire_u64(&r->cursor);
            break;
        }
        rgp__wait_backoff(&round);
    }
    r->cached_cursor = end;
    return end;
}

/* The published end as of now, without waiting: == next means nothing new yet
 * (the consumer uses it to flush its sinks before it goes to sleep). */
static inline uint64_t rgp_ring_poll(rgp_ring *r, uint64_t next)
{
    if (r->cached_cursor != next) return r->cached_cursor;
    /* pairs with the release in rgp_ring_publish */
    return r->cached_cursor = rgp_load_acquire_u64(&r->cursor);
}

/* The consumer is done with every sequence before end; the producer may
 * reuse those slots. One store per batch. */
static inline void rgp_ring_release(rgp_ring *r, uint64_t end)
{
    /* pairs with the acquires in rgp_ring_claim and rgp_ring_free_slots */
    rgp_store_release_u64(&r->consumed, end);
}

#endif /* RGP_RING_H */
