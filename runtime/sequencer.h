/* sequencer.h - the disruptor: preallocated slots, single- and multi-producer
 * sequencers, consumers with their own cursors and dependency barriers,
 * slow-consumer policies (drop_oldest, drop_newest relay), lag statistics. */
#ifndef RGP_SEQUENCER_H
#define RGP_SEQUENCER_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "atomics.h"
#include "wait.h"

#if defined(__GLIBC__) && (!defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200112L)
#error "rgp: sequencer.h needs POSIX (posix_memalign, syscall): build with -D_GNU_SOURCE"
#endif

/* Vocabulary (LMAX Disruptor): the ring holds the slots; the sequencer hands
 * out sequences to producers and tracks what is published; every consumer
 * (event processor) has a cursor saying "every sequence before this is done";
 * a consumer's barrier is what it waits for: the published end, or the cursors
 * of the consumers it depends on. The producers gate on the consumers at the
 * end of each chain, so no slot is reused before everybody owed it is done.
 *
 * Sequences are free-running and wrap past 2^64: they are compared only
 * through differences, as signed 64-bit numbers when either order is possible.
 *
 * Setup (one thread, before the others start):
 *     rgp_disruptor_init(d, capacity, sizeof(rec), producers, RGP_WAIT_ADAPTIVE);
 *     a = rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_BLOCK, 0);
 *     b = rgp_disruptor_add_consumer(d, NULL, 0, RGP_POLICY_BLOCK, 0);
 *     c = rgp_disruptor_add_consumer(d, (rgp_consumer *[]){a, b}, 2, RGP_POLICY_BLOCK, 0);
 * A single producer (producers == 1):
 *     seq = rgp_sp_claim(d, n);  write slots seq .. seq+n-1;  rgp_sp_publish(d, seq + n);
 *     ... rgp_disruptor_close(d);
 * One of several producers (producers > 1), each with its own rgp_producer:
 *     seq = rgp_mp_claim(&p, n);  write;  rgp_mp_publish(d, seq, seq + n);
 *     ... rgp_disruptor_close(d);
 * A consumer (block policy; zero-copy, every consumer reads the slot in place):
 *     uint64_t next = rgp_disruptor_first_seq(d);
 *     for (;;) {
 *         uint64_t end = rgp_consumer_wait(c, next, MAX_BATCH);
 *         if (end == next) break;                 // closed and drained
 *         for (s = next; s != end; s++) use(rgp_disruptor_slot(d, s));
 *         rgp_consumer_release(c, end);           // one store per batch
 *         next = end;
 *     }
 * A drop_oldest consumer reads copies instead: see rgp_consumer_wait_lossy. */

#define RGP_MAX_CONSUMERS 32 /* per ring */
#define RGP_MAX_DEPS 8       /* consumers one consumer may depend on */
/* A merged ring's slot whose lane has this bit holds no record: it marks the
 * end of that input (the generated code keeps the lanes beside the ring). */
#define RGP_LANE_END 0x80000000u

/* Slow-consumer policies, per consumer. */
enum {
    RGP_POLICY_BLOCK = 0,       /* lossless: the producers wait for this consumer */
    RGP_POLICY_DROP_OLDEST = 1, /* the producers never wait for it; when it falls more
                                   than its limit behind it skips ahead, counting */
    RGP_POLICY_DROP_NEWEST = 2  /* records that find its buffer full are discarded and
                                   counted: only through an rgp_relay (see below) */
};

struct rgp_disruptor;

/* One consumer, laid out by who writes each line. Allocated by
 * rgp_disruptor_add_consumer, freed by rgp_disruptor_destroy. */
typedef struct rgp_consumer {
    /* Written by this consumer once per batch; read by the producers (gating),
     * by the consumers that depend on it, and by statistics. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) cursor;
    char pad_cursor[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t))];

    /* Written by whoever drops for this consumer (drop_oldest: the consumer
     * itself; drop_newest: the thread offering to its relay); read by
     * statistics. One writer, so a relaxed load and store add to it. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) dropped;
    char pad_dropped[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t))];

    /* This consumer only: the last available end seen, so a consumer working
     * through a batch in pieces does not re-read the producers' line. */
    _Alignas(RGP_CACHE_LINE) uint64_t cached_end;
    char pad_private[RGP_CACHE_LINE - sizeof(uint64_t)];

    /* Read-only once the threads start. */
    _Alignas(RGP_CACHE_LINE) struct rgp_disruptor *d;
    uint64_t limit;                /* drop_oldest: how far behind it may fall */
    uint32_t policy;               /* RGP_POLICY_* */
    uint32_t ndeps;
    uint32_t depended_on;          /* a lossless consumer depends on this one */
    uint32_t index;                /* position in the ring's consumer list */
    uint32_t reads_cursor;         /* no dependencies, one producer: the barrier
                                      is the producer's cursor alone */
    struct rgp_consumer *deps[RGP_MAX_DEPS];
} rgp_consumer;

_Static_assert(offsetof(rgp_consumer, cursor) == 0 * RGP_CACHE_LINE, "rgp_consumer: cursor line");
_Static_assert(offsetof(rgp_consumer, dropped) == 1 * RGP_CACHE_LINE, "rgp_consumer: dropped line");
_Static_assert(offsetof(rgp_consumer, cached_end) == 2 * RGP_CACHE_LINE, "rgp_consumer: private line");
_Static_assert(offsetof(rgp_consumer, d) == 3 * RGP_CACHE_LINE, "rgp_consumer: config lines");
_Static_assert(sizeof(rgp_consumer) % RGP_CACHE_LINE == 0, "rgp_consumer: whole lines");
_Static_assert(_Alignof(rgp_consumer) == RGP_CACHE_LINE, "rgp_consumer: line-aligned");

typedef struct rgp_disruptor {
    /* Producers write, consumers read. cursor: the single producer's
     * published end (every sequence before it holds a finished record).
     * open: producers that have not closed; 0 means closed. Both change
     * rarely relative to how often consumers poll them, and together. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) cursor;
    RGP_ATOMIC(uint32_t) open;
    char pad_cursor[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t)) - sizeof(RGP_ATOMIC(uint32_t))];

    /* The claimed end: multiple producers take sequences from it with one
     * fetch-add per batch. With a drop_oldest consumer it is also the
     * seqlock sequence of every slot (see rgp_consumer_copy), so then the
     * single producer stores it once per claim too. */
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint64_t) claim;
    char pad_claim[RGP_CACHE_LINE - sizeof(RGP_ATOMIC(uint64_t))];

    /* Single producer only: the next sequence to claim, and the lowest
     * gating cursor seen, so a claim reads the consumers' lines only when
     * this says there is not enough room. */
    _Alignas(RGP_CACHE_LINE) uint64_t sp_next;
    uint64_t sp_gate;
    char pad_sp[RGP_CACHE_LINE - 2 * sizeof(uint64_t)];

    /* Everything that waits on this ring sleeps here. */
    rgp_waiter waiter;

    /* Read-only once the threads start. */
    _Alignas(RGP_CACHE_LINE) uint64_t capacity; /* power of two >= 2 */
    uint64_t mask;                              /* capacity - 1 */
    uint64_t first_seq;                         /* where sequences start */
    size_t slot_size;                           /* the caller's record size */
    size_t stride;                              /* bytes from one slot to the next */
    void *slots;                                /* capacity * stride bytes, 64-aligned */
    RGP_ATOMIC(uint64_t) *stamps;               /* multi producer: per slot, the last
                                                   sequence published in it */
    uint32_t multi;                             /* more than one producer */
    uint32_t lossy;                             /* has a drop_oldest consumer */
    uint32_t nconsumers;
    uint32_t ngating;
    rgp_consumer *consumers[RGP_MAX_CONSUMERS];
    rgp_consumer *gating[RGP_MAX_CONSUMERS];    /* what the producers wait for */
} rgp_disruptor;

_Static_assert(offsetof(rgp_disruptor, cursor) == 0 * RGP_CACHE_LINE, "rgp_disruptor: cursor line");
_Static_assert(offsetof(rgp_disruptor, open) < 1 * RGP_CACHE_LINE, "rgp_disruptor: open on the cursor line");
_Static_assert(offsetof(rgp_disruptor, claim) == 1 * RGP_CACHE_LINE, "rgp_disruptor: claim line");
_Static_assert(offsetof(rgp_disruptor, sp_next) == 2 * RGP_CACHE_LINE, "rgp_disruptor: producer line");
_Static_assert(offsetof(rgp_disruptor, sp_gate) < 3 * RGP_CACHE_LINE, "rgp_disruptor: producer line");
_Static_assert(offsetof(rgp_disruptor, waiter) == 3 * RGP_CACHE_LINE, "rgp_disruptor: waiter line");
_Static_assert(offsetof(rgp_disruptor, capacity) == 4 * RGP_CACHE_LINE, "rgp_disruptor: config lines");
_Static_assert(sizeof(rgp_disruptor) % RGP_CACHE_LINE == 0, "rgp_disruptor: whole lines");
_Static_assert(_Alignof(rgp_disruptor) == RGP_CACHE_LINE, "rgp_disruptor: line-aligned");

/* One producer of a multi-producer ring: its private cache of the lowest
 * gating cursor. Keep it with the producer thread (it has a line of its own). */
typedef struct rgp_producer {
    _Alignas(RGP_CACHE_LINE) rgp_disruptor *d;
    uint64_t gate;
    char pad[RGP_CACHE_LINE - sizeof(rgp_disruptor *) - sizeof(uint64_t)];
} rgp_producer;

_Static_assert(sizeof(rgp_producer) == RGP_CACHE_LINE, "rgp_producer: one line");

/* ---- setup --------------------------------------------------------------- */

/* Slots at least a line long start on a line; smaller ones are padded to a
 * power of two so they tile lines without straddling them. */
static inline size_t rgp__slot_stride(size_t slot_size)
{
    size_t s = 1;

    if (slot_size >= RGP_CACHE_LINE)
        return (slot_size + RGP_CACHE_LINE - 1) & ~(size_t)(RGP_CACHE_LINE - 1);
    while (s < slot_size)
        s <<= 1;
    return s;
}

/* capacity: a power of two >= 2; slot_size > 0; producers: 1 for the
 * single-producer sequencer, more for the multi-producer one (the ring
 * closes when that many rgp_disruptor_close calls were made); wait: RGP_WAIT_*.
 * Sequences start at start_seq (any value; they wrap freely). Returns 0, or
 * -1 with errno EINVAL or ENOMEM. Before the threads that use the ring start. */
static inline int rgp_disruptor_init_at(rgp_disruptor *d, uint64_t capacity, size_t slot_size,
                                        uint32_t producers, int wait, uint64_t start_seq)
{
    size_t stride;
    void *slots = NULL, *stamps = NULL;
    uint64_t i;

    memset(d, 0, sizeof *d);
    if (capacity < 2 || (capacity & (capacity - 1)) != 0 || capacity > ((uint64_t)1 << 62) ||
        slot_size == 0 || slot_size > SIZE_MAX - RGP_CACHE_LINE || producers == 0 ||
        rgp_waiter_init(&d->waiter, wait) != 0) {
        errno = EINVAL;
        return -1;
    }
    stride = rgp__slot_stride(slot_size);
    if (capacity > SIZE_MAX / stride || capacity > SIZE_MAX / sizeof(uint64_t)) {
        errno = ENOMEM;
        return -1;
    }
    /* Fresh anonymous pages: page-aligned and zero, and faulted in as the
     * ring is first used rather than all at start-up (on a VM a page fault
     * costs microseconds: zeroing a 4096-slot ring up front cost
     * milliseconds of every short run). */
    slots = mmap(NULL, (size_t)capacity * stride, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED) {
        errno = ENOMEM;
        return -1;
    }
    if (producers > 1) {
        /* posix_memalign, not aligned_alloc: glibc hides the latter from tcc. */
        if (posix_memalign(&stamps, RGP_CACHE_LINE, (size_t)capacity * sizeof(uint64_t)) != 0) {
            munmap(slots, (size_t)capacity * stride);
            errno = ENOMEM;
            return -1;
        }
        d->stamps = stamps;
        /* Each slot starts out holding the sequence one lap before the first
         * one that will use it: never equal to a sequence still to come. */
        for (i = 0; i < capacity; i++) {
            uint64_t s = start_seq - capacity + i;
            rgp_store_relaxed_u64(&d->stamps[s & (capacity - 1)], s);
        }
    }
    d->capacity = capacity;
    d->mask = capacity - 1;
    d->first_seq = start_seq;
    d->slot_size = slot_size;
    d->stride = stride;
    d->slots = slots;
    d->multi = producers > 1;
    d->sp_next = start_seq;
    d->sp_gate = start_seq;
    /* Relaxed: thread creation publishes the initialised ring. */
    rgp_store_relaxed_u64(&d->cursor, start_seq);
    rgp_store_relaxed_u64(&d->claim, start_seq);
    rgp_store_relaxed_u32(&d->open, producers);
    return 0;
}

static inline int rgp_disruptor_init(rgp_disruptor *d, uint64_t capacity, size_t slot_size,
                                     uint32_t producers, int wait)
{
    return rgp_disruptor_init_at(d, capacity, slot_size, producers, wait, 0);
}

/* After every thread is done with the ring: frees the slots and consumers. */
static inline void rgp_disruptor_destroy(rgp_disruptor *d)
{
    uint32_t i;

    for (i = 0; i < d->nconsumers; i++)
        free(d->consumers[i]);
    d->nconsumers = d->ngating = 0;
    if (d->slots) munmap(d->slots, (size_t)d->capacity * d->stride);
    free((void *)d->stamps);
    d->slots = NULL;
    d->stamps = NULL;
}

static inline uint64_t rgp_disruptor_first_seq(const rgp_disruptor *d)
{
    return d->first_seq;
}

static inline uint64_t rgp_disruptor_capacity(const rgp_disruptor *d)
{
    return d->capacity;
}

static inline void *rgp_disruptor_slot(const rgp_disruptor *d, uint64_t seq)
{
    return (char *)d->slots + (size_t)(seq & d->mask) * d->stride;
}

/* The producers gate on every lossless consumer that no lossless consumer
 * depends on: the end of each chain. Everything earlier in a chain is at or
 * ahead of its end, so the minimum over the ends is the minimum over all. */
static inline void rgp__recompute_gating(rgp_disruptor *d)
{
    uint32_t i;

    d->ngating = 0;
    for (i = 0; i < d->nconsumers; i++) {
        rgp_consumer *c = d->consumers[i];
        if (c->policy != RGP_POLICY_DROP_OLDEST && !c->depended_on)
            d->gating[d->ngating++] = c;
    }
}

static inline rgp_consumer *rgp__add_consumer(rgp_disruptor *d, rgp_consumer *const *deps,
                                              uint32_t ndeps, int policy, uint64_t limit)
{
    rgp_consumer *c;
    void *mem = NULL;
    uint32_t i;

    if (d->nconsumers >= RGP_MAX_CONSUMERS || ndeps > RGP_MAX_DEPS || (ndeps && !deps) ||
        policy < RGP_POLICY_BLOCK || policy > RGP_POLICY_DROP_NEWEST ||
        (policy == RGP_POLICY_DROP_OLDEST && (limit == 0 || limit > d->capacity))) {
        errno = EINVAL;
        return NULL;
    }
    for (i = 0; i < ndeps; i++) {
        /* A drop_oldest consumer may skip records and jump its cursor, so
         * nothing may wait for what it has done. */
        if (!deps[i] || deps[i]->d != d || deps[i]->policy == RGP_POLICY_DROP_OLDEST) {
            errno = EINVAL;
            return NULL;
        }
    }
    if (posix_memalign(&mem, RGP_CACHE_LINE, sizeof *c) != 0) {
        errno = ENOMEM;
        return NULL;
    }
    c = mem;
    memset(c, 0, sizeof *c);
    c->d = d;
    c->policy = (uint32_t)policy;
    c->limit = policy == RGP_POLICY_DROP_OLDEST ? limit : 0;
    c->ndeps = ndeps;
    c->reads_cursor = ndeps == 0 && !d->multi;
    c->index = d->nconsumers;
    c->cached_end = d->first_seq;
    for (i = 0; i < ndeps; i++) {
        c->deps[i] = deps[i];
        if (policy != RGP_POLICY_DROP_OLDEST)
            deps[i]->depended_on = 1;
    }
    /* Relaxed: thread creation publishes the initialised consumer. */
    rgp_store_relaxed_u64(&c->cursor, d->first_seq);
    rgp_store_relaxed_u64(&c->dropped, 0);
    if (policy == RGP_POLICY_DROP_OLDEST)
        d->lossy = 1;
    d->consumers[d->nconsumers++] = c;
    rgp__recompute_gating(d);
    return c;
}

/* Adds a consumer that starts at the first sequence and waits, besides the
 * producers, for the ndeps consumers in deps (added earlier to the same ring;
 * none of them drop_oldest). policy: RGP_POLICY_BLOCK (limit ignored) or
 * RGP_POLICY_DROP_OLDEST with 1 <= limit <= capacity; a drop_newest consumer
 * is made by rgp_relay_init. Returns the consumer, or NULL with errno EINVAL
 * or ENOMEM. Before the threads that use the ring start. */
static inline rgp_consumer *rgp_disruptor_add_consumer(rgp_disruptor *d, rgp_consumer *const *deps,
                                                       uint32_t ndeps, int policy, uint64_t limit)
{
    if (policy == RGP_POLICY_DROP_NEWEST) {
        errno = EINVAL;
        return NULL;
    }
    return rgp__add_consumer(d, deps, ndeps, policy, limit);
}

/* ---- producers ----------------------------------------------------------- */

/* The lowest gating cursor, as seen from ref: cursors at or before ref count,
 * one after it (a multi producer whose ref is already stale) does not, so the
 * result never overstates the room. ref itself when nothing gates. */
static inline uint64_t rgp__gating_min(const rgp_disruptor *d, uint64_t ref)
{
    uint64_t min = ref;
    uint32_t i;

    for (i = 0; i < d->ngating; i++) {
        /* pairs with the release in rgp_consumer_release: the consumer has
         * finished with every slot before the value we see */
        uint64_t c = rgp_load_acquire_u64(&d->gating[i]->cursor);
        if ((int64_t)(c - min) < 0)
            min = c;
    }
    return min;
}

/* Seqlock write side for drop_oldest readers: the new claimed end is visible
 * before any byte of the claimed slots changes. The fence pairs with the fence
 * in rgp_consumer_copy. */
static inline void rgp__claim_fence(void)
{
    rgp_fence_seq_cst();
}

static inline void rgp__sp_wait_room(rgp_disruptor *d, uint64_t seq, uint64_t end)
{
    rgp_wait_ctx x;

    rgp_wait_begin(&x);
    for (;;) {
        d->sp_gate = rgp__gating_min(d, seq);
        if (end - d->sp_gate <= d->capacity)
            break;
        rgp_wait_step(&d->waiter, &x);
    }
    rgp_wait_end(&d->waiter, &x);
}

/* Single producer: claims n slots (1 <= n <= capacity), waiting until all n
 * are free. Returns the first; write seq .. seq+n-1, then publish. Every
 * claimed slot must be published, except that the tail of the last claim
 * may be abandoned at close. */
static inline uint64_t rgp_sp_claim(rgp_disruptor *d, uint64_t n)
{
    uint64_t seq = d->sp_next, end = seq + n;

    if (end - d->sp_gate > d->capacity)
        rgp__sp_wait_room(d, seq, end);
    d->sp_next = end;
    if (d->lossy) {
        rgp_store_relaxed_u64(&d->claim, end);
        rgp__claim_fence();
    }
    return seq;
}

/* Single producer: claims n slots if all are free now. Returns 0 and the first
 * sequence in *seq, or -1 with errno EAGAIN (full: nothing claimed) or EINVAL
 * (n is 0 or more than the capacity). */
static inline int rgp_sp_try_claim(rgp_disruptor *d, uint64_t n, uint64_t *seq)
{
    uint64_t s = d->sp_next, end = s + n;

    if (n == 0 || n > d->capacity) {
        errno = EINVAL;
        return -1;
    }
    if (end - d->sp_gate > d->capacity) {
        d->sp_gate = rgp__gating_min(d, s);
        if (end - d->sp_gate > d->capacity) {
            errno = EAGAIN;
            return -1;
        }
    }
    d->sp_next = end;
    if (d->lossy) {
        rgp_store_relaxed_u64(&d->claim, end);
        rgp__claim_fence();
    }
    *seq = s;
    return 0;
}

/* Single producer: every sequence before end holds a finished record. One
 * store (and, for the blocking strategies, a fence) per batch. */
static inline void rgp_sp_publish(rgp_disruptor *d, uint64_t end)
{
    /* pairs with the acquires of cursor in rgp__barrier_available,
     * rgp__final_end, rgp__lossy_skip and rgp_consumer_lag */
    rgp_store_release_u64(&d->cursor, end);
    rgp_waiter_signal(&d->waiter);
}

static inline void rgp_producer_init(rgp_producer *p, rgp_disruptor *d)
{
    p->d = d;
    p->gate = d->first_seq;
}

static inline void rgp__mp_wait_room(rgp_producer *p, uint64_t seq, uint64_t end)
{
    rgp_disruptor *d = p->d;
    rgp_wait_ctx x;

    rgp_wait_begin(&x);
    for (;;) {
        p->gate = rgp__gating_min(d, seq);
        if (end - p->gate <= d->capacity)
            break;
        rgp_wait_step(&d->waiter, &x);
    }
    rgp_wait_end(&d->waiter, &x);
}

/* One of several producers: claims n slots (1 <= n <= capacity) with one
 * fetch-add, then waits until they are free. Returns the first; write the
 * slots, then rgp_mp_publish(d, seq, seq + n). Every claimed slot must be
 * published before this producer closes: consumers stop at the first
 * unpublished one, and wait there. */
static inline uint64_t rgp_mp_claim(rgp_producer *p, uint64_t n)
{
    rgp_disruptor *d = p->d;
    /* acq_rel RMW; the order it gives matters only to drop_oldest readers,
     * which the fence below serves */
    uint64_t seq = rgp_fetch_add_u64(&d->claim, n), end = seq + n;

    if (end - p->gate > d->capacity)
        rgp__mp_wait_room(p, seq, end);
    if (d->lossy)
        rgp__claim_fence();
    return seq;
}

/* One of several producers: claims n slots if all are free now, with a CAS
 * loop. Returns 0 and the first in *seq, or -1 with errno EAGAIN (full) or
 * EINVAL (n is 0 or more than the capacity). */
static inline int rgp_mp_try_claim(rgp_producer *p, uint64_t n, uint64_t *seq)
{
    rgp_disruptor *d = p->d;
    /* relaxed: only a guess, the CAS checks it */
    uint64_t cur = rgp_load_relaxed_u64(&d->claim);

    if (n == 0 || n > d->capacity) {
        errno = EINVAL;
        return -1;
    }
    for (;;) {
        uint64_t end = cur + n;
        if ((int64_t)(end - p->gate) > (int64_t)d->capacity) {
            p->gate = rgp__gating_min(d, cur);
            if ((int64_t)(end - p->gate) > (int64_t)d->capacity) {
                errno = EAGAIN;
                return -1;
            }
        }
        if (rgp_cas_u64(&d->claim, &cur, end))
            break;
    }
    if (d->lossy)
        rgp__claim_fence();
    *seq = cur;
    return 0;
}

/* One of several producers: the records lo .. end-1 (claimed by this
 * producer) are finished. Each slot gets its own stamp, so a consumer sees a
 * slot only once it is written, and only the contiguous published prefix. */
static inline void rgp_mp_publish(rgp_disruptor *d, uint64_t lo, uint64_t end)
{
    uint64_t s;

    for (s = lo; s != end; s++)
        /* pairs with the acquire of the stamp in rgp__mp_available */
        rgp_store_release_u64(&d->stamps[s & d->mask], s);
    rgp_waiter_signal(&d->waiter);
}

/* A producer is done: called once by each producer after its last publish.
 * When every producer has closed, consumers drain what was published and
 * then see the end of the stream. */
static inline void rgp_disruptor_close(rgp_disruptor *d)
{
    /* The RMW's release orders this producer's publishes before it; pairs
     * with the acquire in rgp_disruptor_closed. All closes are RMWs, so the
     * last one carries the release of every earlier one. */
    rgp_fetch_add_u32(&d->open, (uint32_t)-1);
    rgp_waiter_signal(&d->waiter);
}

static inline bool rgp_disruptor_closed(const rgp_disruptor *d)
{
    /* pairs with the release in rgp_disruptor_close */
    return rgp_load_acquire_u32(&d->open) == 0;
}

/* ---- barriers and consumers ---------------------------------------------- */

/* Multi producer: the end of the contiguous published run from next. */
static inline uint64_t rgp__mp_available(const rgp_disruptor *d, uint64_t next)
{
    uint64_t s = next, lim = next + d->capacity;

    /* pairs with the release of the stamp in rgp_mp_publish */
    while (s != lim && rgp_load_acquire_u64(&d->stamps[s & d->mask]) == s)
        s++;
    return s;
}

/* The barrier of a consumer that depends on others, or of any consumer of
 * a multi-producer ring: the lowest cursor of the consumers it depends on
 * (never past the published end; each release carries the producers' writes,
 * and the dependency's own, along to c), or else the published run. */
static inline uint64_t rgp__barrier_available_slow(const rgp_consumer *c, uint64_t next)
{
    uint64_t end;
    uint32_t i;

    if (!c->ndeps)
        return rgp__mp_available(c->d, next);
    /* pairs with the release in rgp_consumer_release */
    end = rgp_load_acquire_u64(&c->deps[0]->cursor);
    for (i = 1; i < c->ndeps; i++) {
        /* pairs with the release in rgp_consumer_release */
        uint64_t v = rgp_load_acquire_u64(&c->deps[i]->cursor);
        if ((int64_t)(v - end) < 0)
            end = v;
    }
    return end;
}

/* The barrier: the end of what c may read from next on, without waiting. */
static inline uint64_t rgp__barrier_available(const rgp_consumer *c, uint64_t next)
{
    if (c->reads_cursor)
        /* pairs with the release in rgp_sp_publish */
        return rgp_load_acquire_u64(&c->d->cursor);
    return rgp__barrier_available_slow(c, next);
}

/* After the ring is closed: the end of everything ever published. */
static inline uint64_t rgp__final_end(const rgp_disruptor *d)
{
    /* One producer: pairs with the release in rgp_sp_publish. Several: the
     * claimed end, which is final and wholly published, because every
     * producer published all it claimed before the close that
     * rgp_disruptor_closed acquired. */
    return d->multi ? rgp_load_acquire_u64(&d->claim) : rgp_load_acquire_u64(&d->cursor);
}

/* One writer per counter (see rgp_consumer.dropped). */
static inline void rgp__add_dropped(rgp_consumer *c, uint64_t n)
{
    rgp_store_relaxed_u64(&c->dropped, rgp_load_relaxed_u64(&c->dropped) + n);
}

/* drop_oldest: if more than limit behind the producers' head, skip to
 * (head - limit), counting what was skipped. Returns the new next. */
static inline uint64_t rgp__lossy_skip(rgp_consumer *c, uint64_t next)
{
    const rgp_disruptor *d = c->d;
    /* Several producers: the claimed end (relaxed: only a position; what is
     * readable is still decided by the stamps). One producer: the published
     * end; pairs with the release in rgp_sp_publish. */
    uint64_t head = d->multi ? rgp_load_relaxed_u64(&d->claim) : rgp_load_acquire_u64(&d->cursor);

    if (head - next > c->limit) {
        rgp__add_dropped(c, head - c->limit - next);
        next = head - c->limit;
    }
    return next;
}

static inline int64_t rgp__mono_ms(void);

/* The waiting loop: until something after next is readable, or the ring is
 * closed and c has everything, or (deadline >= 0) the monotonic clock reaches
 * deadline ms, which sets *timed_out. A drop_oldest consumer may skip ahead
 * while it waits; *nextp is updated. */
static inline uint64_t rgp__consumer_await(rgp_consumer *c, uint64_t *nextp, int64_t deadline, bool *timed_out)
{
    rgp_disruptor *d = c->d;
    uint64_t next = *nextp, end;
    rgp_wait_ctx x;
    struct timespec limit;

    rgp_wait_begin(&x);
    for (;;) {
        if (c->policy == RGP_POLICY_DROP_OLDEST)
            next = rgp__lossy_skip(c, next);
        end = rgp__barrier_available(c, next);
        if ((int64_t)(end - next) > 0)
            break;
        if (rgp_disruptor_closed(d)) {
            /* Every producer published before it closed, and the acquire in
             * rgp_disruptor_closed makes that visible: look again, or records
             * published between the two loads would be lost. */
            end = rgp__barrier_available(c, next);
            if ((int64_t)(end - next) > 0)
                break;
            if (rgp__final_end(d) == next) {
                end = next; /* closed and drained */
                break;
            }
            /* Closed, but a consumer c depends on is still working: its
             * release will signal. */
        }
        if (deadline >= 0) {
            int64_t left = deadline - rgp__mono_ms();
            if (left <= 0) {
                end = next;
                *timed_out = true;
                break;
            }
            limit.tv_sec = (time_t)(left / 1000);
            limit.tv_nsec = (long)(left % 1000) * 1000000;
            x.limit = &limit;   /* a sleep ends by the deadline */
        }
        rgp_wait_step(&d->waiter, &x);
    }
    rgp_wait_end(&d->waiter, &x);
    *nextp = next;
    return end;
}

/* Lossless consumer (block policy, or a relay's): waits until records from
 * next on are readable and returns their end, at most max (>= 1; UINT64_MAX:
 * no bound) past next: records next .. end-1 may be read in place with
 * rgp_disruptor_slot (and, in a pipeline, written for the consumers that
 * depend on this one). end == next means the ring is closed and this
 * consumer has everything. A drop_oldest consumer uses
 * rgp_consumer_wait_lossy instead. */
static inline uint64_t rgp_consumer_wait(rgp_consumer *c, uint64_t next, uint64_t max)
{
    uint64_t end = c->cached_end;

    if ((int64_t)(end - next) <= 0) {
        end = rgp__barrier_available(c, next);
        if ((int64_t)(end - next) <= 0)
            end = rgp__consumer_await(c, &next, -1, NULL);
        c->cached_end = end;
    }
    if (end - next > max)
        end = next + max;
    return end;
}

/* The monotonic clock in milliseconds, for waits with a time limit. */
static inline int64_t rgp__mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rgp_consumer_wait that gives up after timeout_ms: then it returns next
 * with *timed_out set. A reader with work of its own to do at a time (closing
 * processing-time windows) waits this way. Lossless consumers only. */
static inline uint64_t rgp_consumer_wait_for(rgp_consumer *c, uint64_t next, uint64_t max, int64_t timeout_ms,
                                             bool *timed_out)
{
    uint64_t end = c->cached_end;
    *timed_out = false;
    if ((int64_t)(end - next) <= 0) {
        end = rgp__barrier_available(c, next);
        if ((int64_t)(end - next) <= 0)
            end = rgp__consumer_await(c, &next, rgp__mono_ms() + (timeout_ms > 0 ? timeout_ms : 0), timed_out);
        c->cached_end = end;
    }
    if (end - next > max)
        end = next + max;
    return end;
}

/* Lossless consumer, without waiting: the end of what is readable from next
 * now (== next: nothing yet, or the end of the stream). A consumer calls it
 * to decide whether to flush its sinks before it waits. */
static inline uint64_t rgp_consumer_poll(rgp_consumer *c, uint64_t next)
{
    uint64_t end = c->cached_end;

    if ((int64_t)(end - next) <= 0) {
        end = rgp__barrier_available(c, next);
        if ((int64_t)(end - next) < 0)
            end = next;
        c->cached_end = end;
    }
    return end;
}

/* The consumer is done with every sequence before end: the producers may
 * reuse those slots, and the consumers that depend on it may read them. */
static inline void rgp_consumer_release(rgp_consumer *c, uint64_t end)
{
    /* pairs with the acquires of cursor in rgp__gating_min,
     * rgp__barrier_available and rgp_consumer_lag */
    rgp_store_release_u64(&c->cursor, end);
    rgp_waiter_signal(&c->d->waiter);
}

/* ---- drop_oldest: copies, not zero-copy ---------------------------------- */

/* The producers never wait for a drop_oldest consumer, so they may overwrite
 * a slot while it is being read. Such a consumer therefore reads copies:
 *     uint64_t next = rgp_disruptor_first_seq(d);
 *     for (;;) {
 *         uint64_t end = rgp_consumer_wait_lossy(c, &next, MAX_BATCH);
 *         if (end == next) break;                     // closed and drained
 *         for (s = next; s != end; s++)
 *             if (rgp_consumer_copy(c, s, &rec)) use(&rec);   // else counted dropped
 *         rgp_consumer_release(c, end);
 *         next = end;
 *     }
 * received + rgp_consumer_dropped(c) == published, exactly, at the end. */

/* Like rgp_consumer_wait, but first skips to (head - limit) if c is more than
 * its limit behind the producers' head (skipped records count as dropped);
 * *next is moved past them. */
static inline uint64_t rgp_consumer_wait_lossy(rgp_consumer *c, uint64_t *next, uint64_t max)
{
    uint64_t n = rgp__lossy_skip(c, *next);
    uint64_t end = rgp__barrier_available(c, n);

    if ((int64_t)(end - n) <= 0)
        end = rgp__consumer_await(c, &n, -1, NULL);
    *next = n;
    if (end - n > max)
        end = n + max;
    return end;
}

/* The copy races with a producer that may be overwriting the slot: it is a
 * seqlock read, validated afterwards, so the race is intended. ThreadSanitizer
 * is told not to watch it; the volatile loads keep the compiler from turning
 * the loop into a call to memcpy, which the sanitizer would watch. */
#if defined(__SANITIZE_THREAD__)
#define RGP__RACY_READ __attribute__((no_sanitize("thread")))
#elif defined(__clang__) && defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RGP__RACY_READ __attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef RGP__RACY_READ
#define RGP__RACY_READ
#endif

RGP__RACY_READ static inline void rgp__racy_copy(void *dst, const void *src, size_t n)
{
    const volatile uint64_t *w = (const volatile uint64_t *)src; /* slots are 8-aligned when n >= 8 */
    const volatile unsigned char *b = (const volatile unsigned char *)src;
    unsigned char *out = (unsigned char *)dst;
    size_t i = 0;

    for (; i + sizeof(uint64_t) <= n; i += sizeof(uint64_t)) {
        uint64_t v = w[i / sizeof(uint64_t)];
        memcpy(out + i, &v, sizeof v);
    }
    for (; i < n; i++)
        out[i] = b[i];
}

/* drop_oldest: copies record seq (from a window rgp_consumer_wait_lossy
 * returned) into dst, slot_size bytes. Returns true when the copy is whole;
 * false, counting the record as dropped, when a producer claimed the slot for
 * a newer record (and so may have been writing it) before the copy ended.
 * The claimed end is the seqlock sequence of every slot at once: the slot of
 * seq is reused only once claim - seq > capacity. */
/* drop_oldest: whether slot seq still holds the record of sequence seq, i.e.
 * every read of it made before this call saw that record; false counts the
 * record as dropped. rgp_consumer_copy uses it, and so does a caller that read
 * more through the copy (e.g. bytes a copied pointer points at). */
static inline bool rgp_consumer_recheck(rgp_consumer *c, uint64_t seq)
{
    const rgp_disruptor *d = c->d;

    /* Orders the reads before the re-check (the acquire side of the
     * seqlock); pairs with the fence in rgp__claim_fence: a read that saw any
     * byte of a newer record sees that record's claim below. */
    rgp_fence_seq_cst();
    if (rgp_load_relaxed_u64(&d->claim) - seq > d->capacity) {
        rgp__add_dropped(c, 1);
        return false;
    }
    return true;
}

static inline bool rgp_consumer_copy(rgp_consumer *c, uint64_t seq, void *dst)
{
    rgp__racy_copy(dst, rgp_disruptor_slot(c->d, seq), c->d->slot_size);
    return rgp_consumer_recheck(c, seq);
}

/* ---- statistics: any thread, any time, no locks -------------------------- */

/* Published end - c's cursor: how many records c has still to finish. */
static inline uint64_t rgp_consumer_lag(const rgp_consumer *c)
{
    const rgp_disruptor *d = c->d;
    /* The cursor first: it is never past the published end read after it.
     * pairs with the release in rgp_consumer_release */
    uint64_t cur = rgp_load_acquire_u64(&c->cursor);
    uint64_t end, head;

    if (!d->multi)
        /* pairs with the release in rgp_sp_publish */
        return rgp_load_acquire_u64(&d->cursor) - cur;
    /* relaxed: only a position */
    head = rgp_load_relaxed_u64(&d->claim);
    if (head - cur > d->capacity)
        return head - cur; /* lapped drop_oldest consumer: count what was claimed */
    end = rgp__mp_available(d, cur);
    return end - cur;
}

/* lag / capacity, as rusted-ring reports it: 0 idle, 1 a full ring behind
 * (a drop_oldest consumer can read more than 1). */
static inline double rgp_consumer_backpressure(const rgp_consumer *c)
{
    return (double)rgp_consumer_lag(c) / (double)c->d->capacity;
}

/* Records this consumer will never see: skipped and torn (drop_oldest) or
 * refused by its full relay (drop_newest). */
static inline uint64_t rgp_consumer_dropped(const rgp_consumer *c)
{
    /* relaxed: a counter, nothing is read through it */
    return rgp_load_relaxed_u64(&c->dropped);
}

/* ---- drop_newest: the relay ---------------------------------------------- */

/* Drop-newest cannot be done on a shared ring. A slot there is written once
 * for every consumer; "no room" means the oldest unread slot is still owed to
 * somebody. Dropping the new record would drop it for every consumer, not just
 * the slow one, and the sequence it would have had cannot be left out for one
 * consumer only. So a drop_newest consumer gets a private single-producer
 * ring of its own, and whoever feeds it (the thread that has the record: a
 * producer, or a lossless consumer of the shared ring) offers each record
 * with a non-blocking try-claim: copied in when there is room, else counted
 * in the consumer's dropped count. The consumer reads it like any lossless
 * consumer (rgp_consumer_wait on rgp_relay_consumer), in place. */
typedef struct rgp_relay {
    rgp_disruptor ring;   /* private: one producer (the offering thread), one consumer */
    rgp_consumer *consumer;
} rgp_relay;

/* capacity: how many records may wait for the consumer; slot_size: the
 * largest record offered. Returns 0, or -1 with errno EINVAL or ENOMEM. */
static inline int rgp_relay_init(rgp_relay *r, uint64_t capacity, size_t slot_size, int wait)
{
    if (rgp_disruptor_init(&r->ring, capacity, slot_size, 1, wait) != 0)
        return -1;
    r->consumer = rgp__add_consumer(&r->ring, NULL, 0, RGP_POLICY_DROP_NEWEST, 0);
    if (!r->consumer) {
        int e = errno;
        rgp_disruptor_destroy(&r->ring);
        errno = e;
        return -1;
    }
    return 0;
}

static inline rgp_consumer *rgp_relay_consumer(rgp_relay *r)
{
    return r->consumer;
}

/* The offering thread (one thread only): copies size bytes (<= slot_size)
 * from rec into the relay and publishes them; returns true. When the relay is
 * full, counts the record as dropped and returns false. Never waits. */
static inline bool rgp_relay_offer(rgp_relay *r, const void *rec, size_t size)
{
    uint64_t seq;

    if (rgp_sp_try_claim(&r->ring, 1, &seq) != 0) {
        rgp__add_dropped(r->consumer, 1);
        return false;
    }
    memcpy(rgp_disruptor_slot(&r->ring, seq), rec, size);
    rgp_sp_publish(&r->ring, seq + 1);
    return true;
}

/* The offering thread is done; the consumer drains and then sees the end. */
static inline void rgp_relay_close(rgp_relay *r)
{
    rgp_disruptor_close(&r->ring);
}

static inline void rgp_relay_destroy(rgp_relay *r)
{
    rgp_disruptor_destroy(&r->ring);
    r->consumer = NULL;
}

#endif /* RGP_SEQUENCER_H */
