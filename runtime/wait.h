/* wait.h - wait strategies for the disruptor runtime (sequencer.h): what a
 * consumer does while no record is ready and a producer does while the ring is
 * full. Spin, yield, block on a futex, or adaptive (spin, yield, then block). */
#ifndef RGP_WAIT_H
#define RGP_WAIT_H

#include <limits.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "atomics.h"

/* Chosen per ring. ADAPTIVE is 0 so a zeroed config means the default. */
enum {
    RGP_WAIT_ADAPTIVE = 0, /* spin, then sched_yield, then sleep on the futex */
    RGP_WAIT_SPIN = 1,     /* busy spin with pause, yielding after a bounded spin:
                              lowest latency, a core per waiter */
    RGP_WAIT_YIELD = 2,    /* spin a little, then sched_yield forever */
    RGP_WAIT_BLOCK = 3     /* sleep on the futex at once: no CPU while idle */
};

/* Rounds of each phase before the next one starts. RGP__SPIN_PAUSES: how
 * long a SPIN waiter pauses before it gives its core away at every further
 * step. With more spinning threads than online CPUs (3P->1C on 2 vCPUs) a
 * waiter that never yields can hold the CPU the thread it waits for needs for
 * a whole timeslice; after ~1000 pauses (tens of microseconds) nothing is fast
 * any more, and with a CPU to spare sched_yield returns at once. */
enum { RGP__WAIT_SPINS = 100, RGP__WAIT_YIELDS = 100, RGP__SPIN_PAUSES = 1000 };

/* One waiter per ring, shared by everything that waits on that ring:
 * consumers waiting for the producers or for the consumers they depend on,
 * and producers waiting for room. It has a line of its own: it is written only
 * when somebody goes to sleep or is woken, so while nobody sleeps every
 * signaller reads it from its own cache.
 *
 * The protocol (no lost wake-up, no system call while nobody sleeps):
 *   waiter:    e = epoch (acquire); sleepers += 1 (RMW); HEAVY fence;
 *              re-check the condition; if still false, futex_wait(epoch, e);
 *              on waking read epoch again and re-check; sleepers -= 1 at the end.
 *   signaller: store the new sequence (release); LIGHT fence;
 *              if sleepers != 0 { epoch += 1 (RMW, release); futex_wake(all) }.
 * The two fences order "announce, then look" against "publish, then look"
 * (Dekker): either the waiter's re-check sees the new sequence, or the
 * signaller sees sleepers != 0 and bumps epoch, which makes the waiter's
 * futex_wait return at once (epoch != e) or wakes it if it already sleeps. A
 * waiter that has announced itself stays counted across its naps, so every
 * later signal bumps epoch and the same argument holds for each nap.
 *
 * Which side pays for the fence depends on the strategy. BLOCK waiters
 * sleep often, so both sides use a full fence: a signaller pays a few
 * nanoseconds per publish. ADAPTIVE waiters sleep only after spinning and
 * yielding, i.e. when the ring is idle, while its signallers are the hot
 * path (every publish, every consumer release), where a full fence drains
 * the store buffer of a producer streaming records into slots: measured, it
 * cost 15-20% of 1P->1C throughput. So ADAPTIVE fences asymmetrically where
 * the kernel has membarrier (Linux 4.14+): the waiter's heavy fence is
 * membarrier(PRIVATE_EXPEDITED), which runs a full barrier on every CPU
 * running a thread of this process, and the signaller's light fence only
 * keeps the compiler from swapping its store and its load. Any signaller's
 * store-then-load is wholly before that barrier (the store is visible to the
 * re-check), wholly after it (the load sees the announce), or split by it
 * (the store again is visible). membarrier costs the sleeper microseconds
 * (inter-processor interrupts; more in a VM), which is why BLOCK, whose
 * waiters sleep at every pause in the stream, does not use it. */
typedef struct rgp_waiter {
    _Alignas(RGP_CACHE_LINE) RGP_ATOMIC(uint32_t) epoch; /* the futex word */
    RGP_ATOMIC(uint32_t) sleepers; /* waiters that announced they may sleep */
    uint32_t kind;                 /* RGP_WAIT_*, read-only after init */
    uint32_t asym;                 /* ADAPTIVE with membarrier: asymmetric fences */
    char pad[RGP_CACHE_LINE - 2 * sizeof(RGP_ATOMIC(uint32_t)) - 2 * sizeof(uint32_t)];
} rgp_waiter;

_Static_assert(offsetof(rgp_waiter, epoch) == 0, "rgp_waiter: epoch first");
_Static_assert(sizeof(rgp_waiter) == RGP_CACHE_LINE, "rgp_waiter: one line");
_Static_assert(_Alignof(rgp_waiter) == RGP_CACHE_LINE, "rgp_waiter: line-aligned");

/* One wait in progress, on the waiting thread's stack. */
typedef struct rgp_wait_ctx {
    uint32_t round;     /* how many steps so far, capped */
    uint32_t epoch;     /* the epoch read before the last re-check */
    int announced;      /* counted in sleepers */
    int timed;          /* the heavy fence failed: nap, do not sleep */
    const struct timespec *limit;   /* sleep no longer than this (NULL: until woken) */
} rgp_wait_ctx;

/* Keeps the compiler from moving memory accesses across it; no instruction.
 * (atomics.h has no such wrapper; gcc and tcc both take this asm.) */
#define RGP__COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

/* Registers this process for expedited membarrier (idempotent, cheap).
 * Returns 1 when rgp__heavy_fence may use it. */
static inline int rgp__membarrier_register(void)
{
#if defined(SYS_membarrier) /* the commands are enumerators, not macros */
    return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
#else
    return 0;
#endif
}

/* The waiter's side of the Dekker pair: pairs with rgp__light_fence.
 * Returns 0 if the pairing cannot be trusted (membarrier refused even after
 * registering again, as in a child forked after the ring was set up): the
 * caller then naps with a timeout instead of sleeping until signalled. */
static inline int rgp__heavy_fence(const rgp_waiter *w)
{
    (void)w;
    rgp_fence_seq_cst();
#if defined(SYS_membarrier)
    if (w->asym && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0 &&
        (!rgp__membarrier_register() ||
         syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0))
        return 0;
#endif
    return 1;
}

/* The signaller's side: pairs with rgp__heavy_fence. */
static inline void rgp__light_fence(const rgp_waiter *w)
{
    if (w->asym)
        RGP__COMPILER_BARRIER();
    else
        rgp_fence_seq_cst();
}

/* Returns 0, or -1 for an unknown kind. Before any thread uses the waiter. */
static inline int rgp_waiter_init(rgp_waiter *w, int kind)
{
    if (kind < RGP_WAIT_ADAPTIVE || kind > RGP_WAIT_BLOCK)
        return -1;
    w->kind = (uint32_t)kind;
    w->asym = kind == RGP_WAIT_ADAPTIVE && rgp__membarrier_register();
    /* Relaxed: thread creation publishes the initialised waiter. */
    rgp_store_relaxed_u32(&w->epoch, 0);
    rgp_store_relaxed_u32(&w->sleepers, 0);
    return 0;
}

static inline void rgp_wait_begin(rgp_wait_ctx *x)
{
    x->round = 0;
    x->epoch = 0;
    x->announced = 0;
    x->timed = 0;
    x->limit = NULL;
}

/* timeout NULL: until woken. */
static inline void rgp__futex_wait(RGP_ATOMIC(uint32_t) *word, uint32_t expected,
                                   const struct timespec *timeout)
{
    /* EAGAIN (the word moved on), EINTR, a timeout and spurious returns all
     * mean the same to the caller: re-check the condition. */
    syscall(SYS_futex, (void *)word, FUTEX_WAIT_PRIVATE, expected, timeout, NULL, 0);
}

static inline void rgp__futex_wake_all(RGP_ATOMIC(uint32_t) *word)
{
    syscall(SYS_futex, (void *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* The blocking phase. The first call announces and returns so the caller
 * re-checks its condition; every later call sleeps until a signal. */
static inline void rgp__wait_block(rgp_waiter *w, rgp_wait_ctx *x)
{
    if (!x->announced) {
        /* pairs with the release of epoch in rgp_waiter_signal */
        x->epoch = rgp_load_acquire_u32(&w->epoch);
        rgp_fetch_add_u32(&w->sleepers, 1);
        /* The announce is ordered before the caller's re-check; pairs with
         * the light fence in rgp_waiter_signal. */
        x->timed = !rgp__heavy_fence(w);
        x->announced = 1;
        return;
    }
    if (x->timed) {
        struct timespec nap = {0, 1000000}; /* 1 ms: a missed signal costs at most this */
        if (x->limit && x->limit->tv_sec == 0 && x->limit->tv_nsec < nap.tv_nsec) nap = *x->limit;
        rgp__futex_wait(&w->epoch, x->epoch, &nap);
    } else {
        rgp__futex_wait(&w->epoch, x->epoch, x->limit);
    }
    /* pairs with the release of epoch in rgp_waiter_signal: a bump we see
     * makes the sequence stored before it visible to the re-check. */
    x->epoch = rgp_load_acquire_u32(&w->epoch);
}

/* One step of waiting, between two checks of the caller's condition:
 *     rgp_wait_ctx x; rgp_wait_begin(&x);
 *     while (!condition) rgp_wait_step(w, &x);
 *     rgp_wait_end(w, &x);
 * The condition must be read with acquire loads each time round. */
static inline void rgp_wait_step(rgp_waiter *w, rgp_wait_ctx *x)
{
    uint32_t n = x->round;

    if (n < RGP__SPIN_PAUSES)
        x->round = n + 1;
    switch (w->kind) {
    case RGP_WAIT_SPIN:
        if (n < RGP__SPIN_PAUSES)
            rgp_cpu_relax();
        else
            sched_yield();
        break;
    case RGP_WAIT_YIELD:
        if (n < RGP__WAIT_SPINS)
            rgp_cpu_relax();
        else
            sched_yield();
        break;
    case RGP_WAIT_BLOCK:
        rgp__wait_block(w, x);
        break;
    default: /* RGP_WAIT_ADAPTIVE */
        if (n < RGP__WAIT_SPINS)
            rgp_cpu_relax();
        else if (n < RGP__WAIT_SPINS + RGP__WAIT_YIELDS)
            sched_yield();
        else
            rgp__wait_block(w, x);
        break;
    }
}

static inline void rgp_wait_end(rgp_waiter *w, rgp_wait_ctx *x)
{
    if (x->announced) {
        /* Leaving: a signaller that still sees us only makes a spare wake-up. */
        rgp_fetch_add_u32(&w->sleepers, (uint32_t)-1);
        x->announced = 0;
    }
}

/* Call after every release store that may let a waiter go on (a publish, a
 * consumer's release, a close). Costs a read of a line nobody writes while
 * nobody sleeps (and a fence where there is no membarrier); the system call
 * only when somebody may sleep. */
static inline void rgp_waiter_signal(rgp_waiter *w)
{
    if (w->kind == RGP_WAIT_SPIN || w->kind == RGP_WAIT_YIELD)
        return; /* their waiters never sleep */
    /* Orders the caller's release store before the read of sleepers; pairs
     * with the heavy fence in rgp__wait_block. */
    rgp__light_fence(w);
    if (rgp_load_relaxed_u32(&w->sleepers) == 0)
        return;
    /* pairs with the acquires of epoch in rgp__wait_block */
    rgp_fetch_add_u32(&w->epoch, 1);
    rgp__futex_wake_all(&w->epoch);
}

#endif /* RGP_WAIT_H */
