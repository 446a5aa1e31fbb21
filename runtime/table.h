/* table.h - the per-key hash table of keyed operators, written once as a
 * macro template (in the manner of CK_RING_PROTOTYPE) and instantiated by the
 * generated program for each operator's key and entry types.
 *
 * Entries are kept dense, in the order their keys first came: iterating
 * entries[0..len) gives that order, and it is the order a group's output and
 * windows closing together rely on. They are found through an open-addressing
 * index (linear probing, power-of-two capacity, doubled before it is half
 * full) of entry numbers + 1, 0 for an empty slot. A lookup costs a hash and a
 * probe or two; memory grows with keys, not records.
 *
 * There is no delete of one key: a table drops entries by compaction (the
 * caller moves the entries it keeps down, in order, sets len, then calls
 * reindex), so entries keep their relative order and only their numbers
 * change. A grown `entries` array moves: pointers into it last until the
 * next get. Only one thread touches a table. */
#ifndef RGP_TABLE_H
#define RGP_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define RGP_TABLE_FIRST_INDEX 1024   /* the index's first capacity (slots) */
#define RGP_TABLE_FIRST_ENTRIES 512  /* the entries' first capacity */

/* RGP_TABLE_PROTOTYPE(name, entry_type, key_type, hash, eq) makes
 *   struct rgp_table_name { entry_type *entries; size_t len, cap; uint32_t *index; size_t icap; };
 * (zero-initialised is empty) and, over it,
 *   entry_type *rgp_table_find_name(const struct rgp_table_name *, const key_type *k)
 *       the entry of key k, or NULL;
 *   entry_type *rgp_table_get_name(struct rgp_table_name *, const key_type *k, bool *fresh)
 *       the entry of key k, made (zeroed, its key *k) if new, *fresh saying so;
 *       NULL when memory ran out (the table is unchanged);
 *   void rgp_table_reindex_name(struct rgp_table_name *)
 *       rebuilds the index for entries[0..len), after a compaction;
 *   void rgp_table_free_name(struct rgp_table_name *)
 *       frees the arrays (not what entries point at) and empties the table.
 * entry_type has a member `key` of key_type; hash(const key_type *) gives a
 * uint64_t, and eq(const key_type *, const key_type *) a bool. */
#define RGP_TABLE_PROTOTYPE(name, entry_type, key_type, hash, eq)                                   \
    struct rgp_table_##name {                                                                        \
        entry_type *entries;   /* dense, in the order keys first came */                            \
        size_t len, cap;                                                                             \
        uint32_t *index;       /* entry number + 1; 0 is empty */                                    \
        size_t icap;                                                                                 \
    };                                                                                               \
                                                                                                     \
    /* Puts entry n's number into the first empty slot of its probe sequence. */                     \
    static inline void rgp_table__place_##name(uint32_t *index, size_t icap, const entry_type *en,   \
                                               size_t n)                                             \
    {                                                                                                \
        size_t j = (size_t)hash(&en->key) & (icap - 1);                                              \
        while (index[j]) j = (j + 1) & (icap - 1);                                                   \
        index[j] = (uint32_t)(n + 1);                                                                \
    }                                                                                                \
                                                                                                     \
    static inline void rgp_table_reindex_##name(struct rgp_table_##name *t)                          \
    {                                                                                                \
        if (!t->icap) return;                                                                        \
        memset(t->index, 0, t->icap * sizeof *t->index);                                             \
        for (size_t n = 0; n < t->len; n++) rgp_table__place_##name(t->index, t->icap, &t->entries[n], n); \
    }                                                                                                \
                                                                                                     \
    static inline entry_type *rgp_table_find_##name(const struct rgp_table_##name *t, const key_type *k) \
    {                                                                                                \
        if (!t->icap) return NULL;                                                                   \
        for (size_t i = (size_t)hash(k) & (t->icap - 1); t->index[i]; i = (i + 1) & (t->icap - 1)) { \
            entry_type *en = &t->entries[t->index[i] - 1];                                           \
            if (eq(&en->key, k)) return en;                                                          \
        }                                                                                            \
        return NULL;                                                                                 \
    }                                                                                                \
                                                                                                     \
    /* Doubles the index (kept under half full) and the entries as the next key needs. */           \
    static bool rgp_table__grow_##name(struct rgp_table_##name *t)                                   \
    {                                                                                                \
        if (2 * (t->len + 1) > t->icap) {                                                            \
            size_t cap = t->icap ? 2 * t->icap : RGP_TABLE_FIRST_INDEX;                              \
            uint32_t *index = (uint32_t *)calloc(cap, sizeof *index);                                \
            if (!index) return false;                                                                \
            for (size_t n = 0; n < t->len; n++) rgp_table__place_##name(index, cap, &t->entries[n], n); \
            free(t->index);                                                                          \
            t->index = index;                                                                        \
            t->icap = cap;                                                                           \
        }                                                                                            \
        if (t->len == t->cap) {                                                                      \
            size_t cap = t->cap ? 2 * t->cap : RGP_TABLE_FIRST_ENTRIES;                              \
            entry_type *grown = (entry_type *)realloc(t->entries, cap * sizeof *grown);              \
            if (!grown) return false;                                                                \
            t->entries = grown;                                                                      \
            t->cap = cap;                                                                            \
        }                                                                                            \
        return true;                                                                                 \
    }                                                                                                \
                                                                                                     \
    static inline entry_type *rgp_table_get_##name(struct rgp_table_##name *t, const key_type *k,    \
                                                   bool *fresh)                                      \
    {                                                                                                \
        if ((2 * (t->len + 1) > t->icap || t->len == t->cap) && !rgp_table__grow_##name(t)) return NULL; \
        size_t i = (size_t)hash(k) & (t->icap - 1);                                                  \
        for (; t->index[i]; i = (i + 1) & (t->icap - 1)) {                                           \
            entry_type *en = &t->entries[t->index[i] - 1];                                           \
            if (eq(&en->key, k)) {                                                                   \
                *fresh = false;                                                                      \
                return en;                                                                           \
            }                                                                                        \
        }                                                                                            \
        entry_type *en = &t->entries[t->len];                                                        \
        memset(en, 0, sizeof *en);                                                                   \
        en->key = *k;                                                                                \
        t->index[i] = (uint32_t)++t->len;                                                            \
        *fresh = true;                                                                               \
        return en;                                                                                   \
    }                                                                                                \
                                                                                                     \
    static inline void rgp_table_free_##name(struct rgp_table_##name *t)                             \
    {                                                                                                \
        free(t->entries);                                                                            \
        free(t->index);                                                                              \
        memset(t, 0, sizeof *t);                                                                     \
    }

#endif
