/* omap.h - the sorted map of map-valued keyed state (`state { book: map[f64]i64 }`),
 * written once as a macro template and instantiated by the generated program for
 * each map's key and value types, as table.h is for the per-key tables.
 *
 * A treap whose nodes also count their subtree, so the k-th smallest key is a
 * walk down one path: find, insert, delete and nth_key each cost O(log n)
 * expected. Nodes live in one array per map, linked by index (0 is "none"),
 * with a free list: a delete gives its node back and the next insert takes it,
 * so a book whose levels come and go allocates only when it holds more levels
 * than ever before (the array doubles). Priorities come from a xorshift seeded
 * per map, so the same operations give the same shape on every run. Only one
 * thread touches a map. */
#ifndef RGP_OMAP_H
#define RGP_OMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rgp_std.h"

#define RGP_OMAP_FIRST_NODES 16   /* a map's first node array, grown by doubling */
#define RGP_OMAP_ITER_DEPTH 64    /* an iterator's stack; a deeper tree (most unlikely) is walked by rank */

/* Key copying and freeing for scalar keys and values: a plain assignment, nothing to free. */
#define RGP_OMAP_ASSIGN(dst, src) (*(dst) = (src))
#define RGP_OMAP_NOTHING(p) ((void)(p))

/* The orders of scalar keys: -1, 0 or 1. NaN sorts after every number and equals itself. */
static inline int rgp_omap_cmp_i64(int64_t a, int64_t b) { return a < b ? -1 : a > b; }
static inline int rgp_omap_cmp_u64(uint64_t a, uint64_t b) { return a < b ? -1 : a > b; }
static inline int rgp_omap_cmp_f64(double a, double b)
{
    if (a < b) return -1;
    if (a > b) return 1;
    if (a == b) return 0;
    return (a != a) - (b != b);   /* at least one is NaN */
}

/* str keys and values: a map keeps its own copies (the record's text goes back to the ring). */
static inline void rgp_omap_str_copy(rgp_str *dst, rgp_str src)
{
    dst->ptr = NULL;
    rgp_str_keep_copy(dst, src);
}
static inline void rgp_omap_str_free(rgp_str *s) { free((char *)s->ptr); }
/* A str read out of a map, copied into the record's scratch: a delete or a new
 * value later in the block frees the map's copy. */
static inline rgp_str rgp_omap_str_out(rgp_scratch *sc, rgp_str s)
{
    char *p = rgp_scratch_alloc(sc, s.len);
    if (s.len) memcpy(p, s.ptr, s.len);
    return (rgp_str){p, s.len};
}

/* RGP_OMAP_PROTOTYPE(name, K, V, cmp, kcopy, kfree, vfree) makes
 *   struct rgp_omap_name: zero-initialised is empty;
 *   V *rgp_omap_find_name(m, K k)     the value of key k, or NULL
 *   V  rgp_omap_get_name(m, K k)      its value, or V's zero when k is missing
 *   V *rgp_omap_put_name(m, K k)      its value, made (zeroed, a copy of k) when missing
 *   bool rgp_omap_del_name(m, K k)    removes k (and frees its copies); false if missing
 *   uint32_t rgp_omap_nth_name(m, i)  the node of the i-th smallest key (0-based), 0 past the end;
 *                                     m->n[node].key and .val are its key and value
 *   void rgp_omap_free_name(m)        frees every node and empties the map
 *   rgp_omap_iter_init_name(&it, m, desc), then rgp_omap_iter_next_name(&it, m)
 *                                     the nodes in key order (desc: largest first), 0 at the end;
 *                                     the map must not change meanwhile
 * cmp(K, K) orders keys; kcopy(K *dst, K src) stores a key of a new node (str keys:
 * its own copy), kfree(K *) and vfree(V *) free a key's and a value's copies.
 * Node pointers last until the next put. */
#define RGP_OMAP_PROTOTYPE(name, K, V, cmp, kcopy, kfree, vfree)                                     \
    struct rgp_omap_node_##name { K key; V val; uint32_t l, r, size, prio; };                         \
    struct rgp_omap_##name {                                                                          \
        struct rgp_omap_node_##name *n;   /* n[0] is the empty tree: size 0 */                        \
        uint32_t root, len, cap, free_head, rng;                                                      \
    };                                                                                                \
                                                                                                      \
    static inline V *rgp_omap_find_##name(struct rgp_omap_##name *m, K k)                            \
    {                                                                                                 \
        uint32_t t = m->root;                                                                         \
        while (t) {                                                                                   \
            int c = cmp(k, m->n[t].key);                                                              \
            if (c == 0) return &m->n[t].val;                                                          \
            t = c < 0 ? m->n[t].l : m->n[t].r;                                                        \
        }                                                                                             \
        return NULL;                                                                                  \
    }                                                                                                 \
                                                                                                      \
    static inline V rgp_omap_get_##name(struct rgp_omap_##name *m, K k)                              \
    {                                                                                                 \
        V *v = rgp_omap_find_##name(m, k);                                                            \
        if (v) return *v;                                                                             \
        V zero;                                                                                       \
        memset(&zero, 0, sizeof zero);                                                                \
        return zero;                                                                                  \
    }                                                                                                 \
                                                                                                      \
    /* Splits tree t (without key k) into the keys below k and those above. */                        \
    static void rgp_omap__split_##name(struct rgp_omap_node_##name *n, uint32_t t, K k, uint32_t *lo, \
                                       uint32_t *hi)                                                  \
    {                                                                                                 \
        if (!t) { *lo = *hi = 0; return; }                                                            \
        if (cmp(k, n[t].key) < 0) {                                                                   \
            rgp_omap__split_##name(n, n[t].l, k, lo, &n[t].l);                                        \
            *hi = t;                                                                                  \
        } else {                                                                                      \
            rgp_omap__split_##name(n, n[t].r, k, &n[t].r, hi);                                        \
            *lo = t;                                                                                  \
        }                                                                                             \
        n[t].size = n[n[t].l].size + n[n[t].r].size + 1;                                              \
    }                                                                                                 \
                                                                                                      \
    /* Joins trees a and b, every key of a below every key of b. */                                   \
    static uint32_t rgp_omap__merge_##name(struct rgp_omap_node_##name *n, uint32_t a, uint32_t b)   \
    {                                                                                                 \
        if (!a || !b) return a ? a : b;                                                               \
        if (n[a].prio > n[b].prio) {                                                                  \
            n[a].r = rgp_omap__merge_##name(n, n[a].r, b);                                            \
            n[a].size = n[n[a].l].size + n[n[a].r].size + 1;                                          \
            return a;                                                                                 \
        }                                                                                             \
        n[b].l = rgp_omap__merge_##name(n, a, n[b].l);                                                \
        n[b].size = n[n[b].l].size + n[n[b].r].size + 1;                                              \
        return b;                                                                                     \
    }                                                                                                 \
                                                                                                      \
    /* Puts node x (not in the tree, its key absent) into tree t; returns the new root. */             \
    static uint32_t rgp_omap__insert_##name(struct rgp_omap_node_##name *n, uint32_t t, uint32_t x)  \
    {                                                                                                 \
        if (!t) return x;                                                                             \
        if (n[x].prio > n[t].prio) {                                                                  \
            rgp_omap__split_##name(n, t, n[x].key, &n[x].l, &n[x].r);                                 \
            n[x].size = n[n[x].l].size + n[n[x].r].size + 1;                                          \
            return x;                                                                                 \
        }                                                                                             \
        if (cmp(n[x].key, n[t].key) < 0) n[t].l = rgp_omap__insert_##name(n, n[t].l, x);             \
        else n[t].r = rgp_omap__insert_##name(n, n[t].r, x);                                          \
        n[t].size++;                                                                                  \
        return t;                                                                                     \
    }                                                                                                 \
                                                                                                      \
    static V *rgp_omap_put_##name(struct rgp_omap_##name *m, K k)                                    \
    {                                                                                                 \
        V *v = rgp_omap_find_##name(m, k);                                                            \
        if (v) return v;                                                                              \
        uint32_t x = m->free_head;                                                                    \
        if (x) {                                                                                      \
            m->free_head = m->n[x].l;                                                                 \
        } else {                                                                                      \
            if (m->len + 1 >= m->cap) {   /* slot 0 is the empty tree */                              \
                uint32_t cap = m->cap ? m->cap * 2 : RGP_OMAP_FIRST_NODES;                            \
                void *grown = realloc(m->n, sizeof *m->n * cap);                                      \
                if (!grown) { fputs("rgp: error: out of memory\n", stderr); exit(1); }               \
                m->n = (struct rgp_omap_node_##name *)grown;                                          \
                if (!m->cap) memset(&m->n[0], 0, sizeof m->n[0]);                                     \
                m->cap = cap;                                                                         \
            }                                                                                         \
            x = m->len + 1;   /* no free node: every node below len + 1 is in the tree */             \
        }                                                                                             \
        memset(&m->n[x], 0, sizeof m->n[x]);                                                          \
        kcopy(&m->n[x].key, k);                                                                       \
        m->rng = m->rng ? m->rng : 0x9e3779b9u;                                                       \
        m->rng ^= m->rng << 13, m->rng ^= m->rng >> 17, m->rng ^= m->rng << 5;                        \
        m->n[x].prio = m->rng;                                                                        \
        m->n[x].size = 1;                                                                             \
        m->root = rgp_omap__insert_##name(m->n, m->root, x);                                          \
        m->len++;                                                                                     \
        return &m->n[x].val;                                                                          \
    }                                                                                                 \
                                                                                                      \
    /* Removes key k, known to be in tree t; returns the new root. */                                 \
    static uint32_t rgp_omap__erase_##name(struct rgp_omap_##name *m, uint32_t t, K k)              \
    {                                                                                                 \
        struct rgp_omap_node_##name *n = m->n;                                                        \
        int c = cmp(k, n[t].key);                                                                     \
        if (c == 0) {                                                                                 \
            uint32_t rest = rgp_omap__merge_##name(n, n[t].l, n[t].r);                                \
            kfree(&n[t].key);                                                                         \
            vfree(&n[t].val);                                                                         \
            n[t].l = m->free_head;   /* onto the free list */                                         \
            m->free_head = t;                                                                         \
            return rest;                                                                              \
        }                                                                                             \
        if (c < 0) n[t].l = rgp_omap__erase_##name(m, n[t].l, k);                                     \
        else n[t].r = rgp_omap__erase_##name(m, n[t].r, k);                                           \
        n[t].size--;                                                                                  \
        return t;                                                                                     \
    }                                                                                                 \
                                                                                                      \
    static inline bool rgp_omap_del_##name(struct rgp_omap_##name *m, K k)                           \
    {                                                                                                 \
        if (!rgp_omap_find_##name(m, k)) return false;                                                \
        m->root = rgp_omap__erase_##name(m, m->root, k);                                              \
        m->len--;                                                                                     \
        return true;                                                                                  \
    }                                                                                                 \
                                                                                                      \
    static inline uint32_t rgp_omap_nth_##name(const struct rgp_omap_##name *m, uint64_t i)         \
    {                                                                                                 \
        if (i >= m->len) return 0;                                                                    \
        uint32_t t = m->root;                                                                         \
        for (;;) {                                                                                    \
            uint32_t left = m->n[m->n[t].l].size;                                                     \
            if (i == left) return t;                                                                  \
            if (i < left) {                                                                           \
                t = m->n[t].l;                                                                        \
            } else {                                                                                  \
                i -= left + 1;                                                                        \
                t = m->n[t].r;                                                                        \
            }                                                                                         \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    /* The i-th smallest key, or K's zero past the end (nth_key, min_key, max_key of too few keys). */ \
    static inline K rgp_omap_key_at_##name(const struct rgp_omap_##name *m, uint64_t i)              \
    {                                                                                                 \
        uint32_t t = rgp_omap_nth_##name(m, i);                                                       \
        if (t) return m->n[t].key;                                                                    \
        K zero;                                                                                       \
        memset(&zero, 0, sizeof zero);                                                                \
        return zero;                                                                                  \
    }                                                                                                 \
                                                                                                      \
    /* An in-order walk with a stack of the path: O(1) a step, amortised. A path  \
     * deeper than the stack's cap switches the walk to nth by rank. */          \
    struct rgp_omap_iter_##name {                                                                     \
        uint32_t stack[RGP_OMAP_ITER_DEPTH];                                                          \
        int top, cap;                                                                                 \
        bool desc, by_rank;                                                                           \
        uint64_t i;   /* nodes given so far */                                                        \
    };                                                                                                \
                                                                                                      \
    static inline void rgp_omap__iter_push_##name(struct rgp_omap_iter_##name *it,                   \
                                                  const struct rgp_omap_##name *m, uint32_t t)       \
    {                                                                                                 \
        while (t) {                                                                                   \
            if (it->top == it->cap) { it->by_rank = true; return; }                                   \
            it->stack[it->top++] = t;                                                                 \
            t = it->desc ? m->n[t].r : m->n[t].l;                                                     \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    static inline void rgp_omap__iter_start_##name(struct rgp_omap_iter_##name *it,                  \
                                                   const struct rgp_omap_##name *m, bool desc, int cap) \
    {                                                                                                 \
        it->top = 0, it->cap = cap, it->desc = desc, it->by_rank = false, it->i = 0;                  \
        rgp_omap__iter_push_##name(it, m, m->root);                                                   \
    }                                                                                                 \
                                                                                                      \
    static inline void rgp_omap_iter_init_##name(struct rgp_omap_iter_##name *it,                    \
                                                 const struct rgp_omap_##name *m, bool desc)         \
    {                                                                                                 \
        rgp_omap__iter_start_##name(it, m, desc, RGP_OMAP_ITER_DEPTH);                                \
    }                                                                                                 \
                                                                                                      \
    static inline uint32_t rgp_omap_iter_next_##name(struct rgp_omap_iter_##name *it,                \
                                                     const struct rgp_omap_##name *m)                \
    {                                                                                                 \
        if (it->i >= m->len) return 0;                                                                \
        if (it->by_rank) {                                                                            \
            uint64_t i = it->i++;                                                                     \
            return rgp_omap_nth_##name(m, it->desc ? m->len - 1 - i : i);                             \
        }                                                                                             \
        uint32_t t = it->stack[--it->top];                                                            \
        rgp_omap__iter_push_##name(it, m, it->desc ? m->n[t].l : m->n[t].r);                          \
        it->i++;                                                                                      \
        return t;                                                                                     \
    }                                                                                                 \
                                                                                                      \
    static void rgp_omap__free_tree_##name(struct rgp_omap_node_##name *n, uint32_t t)               \
    {                                                                                                 \
        while (t) {                                                                                   \
            rgp_omap__free_tree_##name(n, n[t].l);                                                    \
            kfree(&n[t].key);                                                                         \
            vfree(&n[t].val);                                                                         \
            t = n[t].r;                                                                               \
        }                                                                                             \
    }                                                                                                 \
                                                                                                      \
    static inline void rgp_omap_free_##name(struct rgp_omap_##name *m)                               \
    {                                                                                                 \
        if (m->n) rgp_omap__free_tree_##name(m->n, m->root);                                          \
        free(m->n);                                                                                   \
        memset(m, 0, sizeof *m);                                                                      \
    }

#endif
