/* atomics.h - the one set of atomic operations used by the runtime and by
 * generated code. gcc/clang get C11 <stdatomic.h>; tcc 0.9.27 has none, so it
 * gets volatile fields plus x86-64 inline asm with the same orderings. */
#ifndef RGP_ATOMICS_H
#define RGP_ATOMICS_H

#include <stdbool.h>
#include <stdint.h>

#define RGP_CACHE_LINE 64

/* Both branches define, for SUF in u64 (uint64_t) and u32 (uint32_t):
 *   T    rgp_load_acquire_SUF(p)          T    rgp_load_relaxed_SUF(p)
 *   void rgp_store_release_SUF(p, v)      void rgp_store_relaxed_SUF(p, v)
 *   void rgp_store_seq_cst_SUF(p, v)
 *   T    rgp_fetch_add_SUF(p, v)          acq_rel, returns the old value
 *   bool rgp_cas_SUF(p, &expected, v)     seq_cst; on failure *expected = current
 * and rgp_fence_seq_cst(), rgp_cpu_relax(). p points at an RGP_ATOMIC(T). */

#if !defined(__TINYC__)

#include <stdatomic.h>

/* Only for integer types: _Atomic(T) keeps a pointer T atomic itself. */
#define RGP_ATOMIC(T) _Atomic(T)

#define RGP__ATOMIC_OPS(SUF, T)                                               \
    static inline T rgp_load_acquire_##SUF(const _Atomic(T) *p)               \
    { return atomic_load_explicit(p, memory_order_acquire); }                 \
    static inline T rgp_load_relaxed_##SUF(const _Atomic(T) *p)               \
    { return atomic_load_explicit(p, memory_order_relaxed); }                 \
    static inline void rgp_store_release_##SUF(_Atomic(T) *p, T v)            \
    { atomic_store_explicit(p, v, memory_order_release); }                    \
    static inline void rgp_store_relaxed_##SUF(_Atomic(T) *p, T v)            \
    { atomic_store_explicit(p, v, memory_order_relaxed); }                    \
    static inline void rgp_store_seq_cst_##SUF(_Atomic(T) *p, T v)            \
    { atomic_store_explicit(p, v, memory_order_seq_cst); }                    \
    static inline T rgp_fetch_add_##SUF(_Atomic(T) *p, T v)                   \
    { return atomic_fetch_add_explicit(p, v, memory_order_acq_rel); }         \
    static inline bool rgp_cas_##SUF(_Atomic(T) *p, T *expected, T desired)   \
    {                                                                         \
        return atomic_compare_exchange_strong_explicit(                       \
            p, expected, desired, memory_order_seq_cst, memory_order_seq_cst); \
    }

RGP__ATOMIC_OPS(u64, uint64_t)
RGP__ATOMIC_OPS(u32, uint32_t)

static inline void rgp_fence_seq_cst(void)
{
    atomic_thread_fence(memory_order_seq_cst);
}

static inline void rgp_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    atomic_signal_fence(memory_order_seq_cst);
#endif
}

#else /* __TINYC__ */

#if !defined(__x86_64__)
#error "rgp: the tcc atomics shim is written for x86-64 only"
#endif

/* x86-64 is TSO: plain loads already have acquire and plain stores release
 * semantics in hardware, so those orders only need the compiler held back.
 * Only a store followed by a load can be reordered; xchg/lock/mfence stop it. */
#define RGP_ATOMIC(T) volatile T

#define RGP__BARRIER() __asm__ __volatile__("" ::: "memory")

#define RGP__ATOMIC_OPS(SUF, T, Q)                                            \
    static inline T rgp_load_acquire_##SUF(const volatile T *p)               \
    { T v = *p; RGP__BARRIER(); return v; }                                   \
    static inline T rgp_load_relaxed_##SUF(const volatile T *p)               \
    { return *p; }                                                            \
    static inline void rgp_store_release_##SUF(volatile T *p, T v)            \
    { RGP__BARRIER(); *p = v; }                                               \
    static inline void rgp_store_relaxed_##SUF(volatile T *p, T v)            \
    { *p = v; }                                                               \
    static inline void rgp_store_seq_cst_##SUF(volatile T *p, T v)            \
    {   /* xchg with memory is implicitly locked: a full barrier */           \
        __asm__ __volatile__("xchg" Q " %0, %1"                               \
                             : "+r"(v), "+m"(*p) :: "memory");                \
    }                                                                         \
    static inline T rgp_fetch_add_##SUF(volatile T *p, T v)                   \
    {                                                                         \
        __asm__ __volatile__("lock xadd" Q " %0, %1"                          \
                             : "+r"(v), "+m"(*p) :: "memory", "cc");          \
        return v;                                                             \
    }                                                                         \
    static inline bool rgp_cas_##SUF(volatile T *p, T *expected, T desired)   \
    {                                                                         \
        T prev = *expected;                                                   \
        unsigned char ok;                                                     \
        __asm__ __volatile__("lock cmpxchg" Q " %3, %1\n\tsete %2"            \
                             : "+a"(prev), "+m"(*p), "=q"(ok)                 \
                             : "r"(desired) : "memory", "cc");                \
        if (!ok)                                                              \
            *expected = prev;                                                 \
        return ok != 0;                                                       \
    }

RGP__ATOMIC_OPS(u64, uint64_t, "q")
RGP__ATOMIC_OPS(u32, uint32_t, "l")

static inline void rgp_fence_seq_cst(void)
{
    __asm__ __volatile__("mfence" ::: "memory");
}

static inline void rgp_cpu_relax(void)
{
    __asm__ __volatile__("pause" ::: "memory");
}

#endif /* __TINYC__ */

#endif /* RGP_ATOMICS_H */
