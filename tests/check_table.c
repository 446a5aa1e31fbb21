/* check_table.c - the per-key hash table template of runtime/table.h, on its
 * own: u64 and string keys, growth across many resizes, colliding hashes,
 * first-seen iteration order (a group's output relies on it) and compaction. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "rgp_std.h"
#include "table.h"

typedef struct u_key { uint64_t k; } u_key;
typedef struct u_entry { u_key key; uint64_t n; } u_entry;
static inline uint64_t u_hash(const u_key *k) { return rgp_hash_u64(k->k); }
static inline bool u_eq(const u_key *a, const u_key *b) { return a->k == b->k; }
RGP_TABLE_PROTOTYPE(u, u_entry, u_key, u_hash, u_eq)

/* Every string hashes alike: each lookup walks one long probe run. */
typedef struct s_key { char s[16]; } s_key;
typedef struct s_entry { s_key key; int v; } s_entry;
static inline uint64_t s_hash(const s_key *k) { (void)k; return 7; }
static inline bool s_eq(const s_key *a, const s_key *b) { return strcmp(a->s, b->s) == 0; }
RGP_TABLE_PROTOTYPE(s, s_entry, s_key, s_hash, s_eq)

START_TEST(many_keys_grow_and_keep_order)
{
    struct rgp_table_u t = {0};
    enum { N = 200000 };
    for (int round = 0; round < 2; round++)
        for (uint64_t i = 0; i < N; i++) {
            bool fresh;
            u_key k = {i * 2654435761u};
            u_entry *en = rgp_table_get_u(&t, &k, &fresh);
            ck_assert_ptr_nonnull(en);
            ck_assert(fresh == (round == 0));
            ck_assert(en->n == (uint64_t)round);   /* a new entry is zeroed */
            en->n++;
        }
    ck_assert_uint_eq(t.len, N);
    ck_assert(2 * t.len <= t.icap);   /* under half full */
    for (size_t i = 0; i < t.len; i++) ck_assert_uint_eq(t.entries[i].key.k, i * 2654435761u);   /* first-seen order */
    u_key missing = {1};
    ck_assert_ptr_null(rgp_table_find_u(&t, &missing));
    rgp_table_free_u(&t);
    ck_assert_ptr_null(t.entries);
    ck_assert_uint_eq(t.len, 0);
    ck_assert_ptr_null(rgp_table_find_u(&t, &missing));   /* an empty table finds nothing */
}
END_TEST

START_TEST(equal_hashes)
{
    struct rgp_table_s t = {0};
    for (int i = 0; i < 3000; i++) {
        s_key k = {{0}};
        snprintf(k.s, sizeof k.s, "k%d", i);
        bool fresh;
        s_entry *en = rgp_table_get_s(&t, &k, &fresh);
        ck_assert(fresh);
        en->v = i;
    }
    for (int i = 0; i < 3000; i++) {
        s_key k = {{0}};
        snprintf(k.s, sizeof k.s, "k%d", i);
        s_entry *en = rgp_table_find_s(&t, &k);
        ck_assert_ptr_nonnull(en);
        ck_assert_int_eq(en->v, i);
    }
    rgp_table_free_s(&t);
}
END_TEST

START_TEST(compaction_keeps_order)
{
    struct rgp_table_u t = {0};
    bool fresh;
    for (uint64_t i = 0; i < 5000; i++) (void)rgp_table_get_u(&t, &(u_key){i}, &fresh);
    size_t k = 0;
    for (size_t i = 0; i < t.len; i++)
        if (t.entries[i].key.k % 3 == 0) t.entries[k++] = t.entries[i];   /* keep every third */
    t.len = k;
    rgp_table_reindex_u(&t);
    for (uint64_t i = 0; i < 5000; i++) {
        u_entry *en = rgp_table_find_u(&t, &(u_key){i});
        if (i % 3) ck_assert_ptr_null(en);
        else ck_assert_uint_eq((size_t)(en - t.entries), i / 3);   /* renumbered, in order */
    }
    u_entry *en = rgp_table_get_u(&t, &(u_key){1}, &fresh);   /* a dropped key comes back new, at the end */
    ck_assert(fresh);
    ck_assert_uint_eq((size_t)(en - t.entries), t.len - 1);
    rgp_table_free_u(&t);
}
END_TEST

Suite *table_suite(void)
{
    Suite *s = suite_create("table");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, many_keys_grow_and_keep_order);
    tcase_add_test(tc, equal_hashes);
    tcase_add_test(tc, compaction_keeps_order);
    suite_add_tcase(s, tc);
    return s;
}
