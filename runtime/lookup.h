/* lookup.h - lookup tables (`table users = file(...) as csv(User) by id`):
 * read whole before any stream starts, joined against on the hot path, and
 * replaced whole on SIGHUP. The generated program owns each table's types and
 * its loader; this file keeps a table's strings, the pointer to the live
 * table, the hazards its readers announce, and the thread that reloads. */
#ifndef RGP_LOOKUP_H
#define RGP_LOOKUP_H

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomics.h"
#include "program.h"

/* ---- a table's strings: copied in as rows are read, in blocks that never move ---- */

#define RGP_LOOKUP_BLOCK ((size_t)64 * 1024)

typedef struct rgp_lookup_strs {
    char *block;        /* the newest block; its first bytes point at the block before */
    size_t used, cap;   /* bytes of it after that pointer */
} rgp_lookup_strs;

static inline rgp_str rgp_lookup_keep(rgp_lookup_strs *a, rgp_str s)
{
    if (!s.len) return (rgp_str){"", 0};
    if (!a->block || a->used + s.len > a->cap) {
        size_t cap = s.len > RGP_LOOKUP_BLOCK ? s.len : RGP_LOOKUP_BLOCK;
        char *b = (char *)malloc(sizeof(char *) + cap);
        if (!b) rgp_out_of_memory("rgp");   /* at load, before or beside the streams: nothing to save */
        memcpy(b, &a->block, sizeof a->block);
        a->block = b;
        a->used = 0;
        a->cap = cap;
    }
    char *p = a->block + sizeof(char *) + a->used;
    memcpy(p, s.ptr, s.len);
    a->used += s.len;
    return (rgp_str){p, s.len};
}

static inline void rgp_lookup_strs_free(rgp_lookup_strs *a)
{
    while (a->block) {
        char *prev;
        memcpy(&prev, a->block, sizeof prev);
        free(a->block);
        a->block = prev;
    }
    a->used = a->cap = 0;
}

/* A join key of one integer type looked up in a table keyed by another: whether
 * the value is one the table's type can hold (else no row can match it). */
static inline int rgp_key_fits_i64(int64_t v, int bits, int is_signed)
{
    if (is_signed) return bits == 64 || (v >= -((int64_t)1 << (bits - 1)) && v < ((int64_t)1 << (bits - 1)));
    return v >= 0 && (bits == 64 || (uint64_t)v < ((uint64_t)1 << bits));
}

static inline int rgp_key_fits_u64(uint64_t v, int bits, int is_signed)
{
    if (is_signed) return v < ((uint64_t)1 << (bits - 1));
    return bits == 64 || v < ((uint64_t)1 << bits);
}

/* A hint that p will be read soon; nothing under tcc. */
#if defined(__GNUC__) && !defined(__TINYC__)
#define rgp_prefetch(p) __builtin_prefetch((p), 0, 3)
#else
#define rgp_prefetch(p) ((void)(p))
#endif

/* ---- the live table, and who may be reading it ---------------------------------
 * Readers are the threads that run joins. Each announces, in its hazard slot,
 * the table it reads during a batch (0 between batches, while it waits). A
 * reload stores the new table, then waits until no hazard names the old one
 * before freeing it: the hazard-pointer scheme, with a seq_cst fence on each
 * side so that either the reader sees the new table or the reloader sees the
 * reader's hazard. */
typedef struct rgp_lookup {
    const char *name;
    RGP_ATOMIC(uint64_t) live;         /* the table joins read, as an address */
    RGP_ATOMIC(uint64_t) *hazards;     /* one per thread of the program */
    int nhazards;
} rgp_lookup;

/* Before the threads start: thread creation orders it before their reads. */
static inline void rgp_lookup_publish(rgp_lookup *l, void *table)
{
    rgp_store_relaxed_u64(&l->live, (uint64_t)(uintptr_t)table);
}

static inline void *rgp_lookup_current(rgp_lookup *l)
{
    return (void *)(uintptr_t)rgp_load_relaxed_u64(&l->live);   /* main and the reloader only: the two that store it */
}

/* A reader's batch begins: the table it may use until rgp_lookup_leave. */
static inline const void *rgp_lookup_enter(rgp_lookup *l, int reader)
{
    for (;;) {
        /* pairs with the release store in rgp_lookup_swap: the new table's rows are seen whole */
        uint64_t p = rgp_load_acquire_u64(&l->live);
        rgp_store_relaxed_u64(&l->hazards[reader], p);
        rgp_fence_seq_cst();   /* pairs with the fence in rgp_lookup_swap: the hazard is seen, or the new table is */
        /* pairs with the release store in rgp_lookup_swap, as the load above */
        if (rgp_load_acquire_u64(&l->live) == p) return (const void *)(uintptr_t)p;
    }
}

/* A reader's batch is over: it holds no table while it waits. */
static inline void rgp_lookup_leave(rgp_lookup *l, int reader)
{
    /* pairs with the acquire load in rgp_lookup_swap's scan: its reads of the table came before */
    rgp_store_release_u64(&l->hazards[reader], 0);
}

/* The reloader: makes table the live one and returns the old one once no
 * reader can still be reading it (every reader is at most one batch from a
 * leave or an enter that sees the new table). */
static inline void *rgp_lookup_swap(rgp_lookup *l, void *table)
{
    uint64_t old = rgp_load_relaxed_u64(&l->live);   /* only the reloader stores it once threads run */
    /* pairs with the acquire loads in rgp_lookup_enter */
    rgp_store_release_u64(&l->live, (uint64_t)(uintptr_t)table);
    rgp_fence_seq_cst();   /* pairs with the fence in rgp_lookup_enter */
    for (int i = 0; i < l->nhazards; i++) {
        /* pairs with the release store in rgp_lookup_leave */
        while (rgp_load_acquire_u64(&l->hazards[i]) == old) {
            struct timespec ts = {0, 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    return (void *)(uintptr_t)old;
}

/* ---- the reload thread: SIGHUP asks, it reads the tables again ---------------- */

typedef struct rgp_reloader {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int pending, done, started;
    void (*reload)(void);   /* the program's: every table read again and swapped in */
} rgp_reloader;

static rgp_reloader rgp__reloader = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Called by the signal thread on SIGHUP; a reload under way runs again after. */
static inline void rgp__reload_request(void)
{
    pthread_mutex_lock(&rgp__reloader.mu);
    rgp__reloader.pending = 1;
    pthread_cond_signal(&rgp__reloader.cv);
    pthread_mutex_unlock(&rgp__reloader.mu);
}

static void *rgp__reload_thread(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&rgp__reloader.mu);
    for (;;) {
        while (!rgp__reloader.pending && !rgp__reloader.done) pthread_cond_wait(&rgp__reloader.cv, &rgp__reloader.mu);
        if (rgp__reloader.done) break;
        rgp__reloader.pending = 0;
        pthread_mutex_unlock(&rgp__reloader.mu);
        rgp__reloader.reload();
        pthread_mutex_lock(&rgp__reloader.mu);
    }
    pthread_mutex_unlock(&rgp__reloader.mu);
    return NULL;
}

/* First in main: SIGHUP waits, blocked, until the signal thread takes it (a
 * HUP while the tables load asks for a reload once the pipeline runs). */
static inline void rgp_reload_on_hup(void (*reload)(void))
{
    sigset_t hup;
    sigemptyset(&hup);
    sigaddset(&hup, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &hup, NULL);
    rgp__reloader.reload = reload;
    rgp__on_hup = rgp__reload_request;
}

/* After rgp_signals_block, so that the thread inherits the blocked signals. */
static inline void rgp_reload_start(const char *prog)
{
    if (!rgp__reloader.reload) return;
    rgp__reloader.started = rgp_thread_start(&rgp__reloader.thread, prog, "reload", -1, rgp__reload_thread, NULL) == 0;
}

/* After the signal thread has stopped: no SIGHUP can ask again. A reload under way finishes first. */
static inline void rgp_reload_stop(void)
{
    if (!rgp__reloader.started) return;
    pthread_mutex_lock(&rgp__reloader.mu);
    rgp__reloader.done = 1;
    pthread_cond_signal(&rgp__reloader.cv);
    pthread_mutex_unlock(&rgp__reloader.mu);
    pthread_join(rgp__reloader.thread, NULL);
    rgp__reloader.started = 0;
}

#endif /* RGP_LOOKUP_H */
