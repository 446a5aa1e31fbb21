/* The functions expressions can call: one table for their names, arity, the
 * kind of arguments they take, what they return, and the stdlib helper the
 * emitter calls. Casts are calls named after the target type: f64(n), i32(x). */
#ifndef RGP_BUILTINS_H
#define RGP_BUILTINS_H
#include "types.h"

enum builtin_args { BA_NUM, BA_STR, BA_ANY, BA_CAST, BA_SUBSTR, BA_TIME, BA_TRUNC, BA_PART, BA_PARSE, BA_TIMETEXT, BA_REGEX, BA_FIXED, BA_ENV };
enum builtin_result { BR_COMMON, BR_F64, BR_I64, BR_U64, BR_BOOL, BR_CAST, BR_STR, BR_TIME, BR_TEXT };

/*  name          arity  args     result     helper: common-type ones get _i64, _f64... by the
 *                                          operand type; casts name the saturating float conversion */
#define RGP_BUILTINS(X) \
    X(min,          2, BA_NUM,  BR_COMMON, "rgp_min")          \
    X(max,          2, BA_NUM,  BR_COMMON, "rgp_max")          \
    X(abs,          1, BA_NUM,  BR_COMMON, "rgp_abs")          \
    X(sqrt,         1, BA_NUM,  BR_F64,    "rgp_sqrt")         \
    X(log,          1, BA_NUM,  BR_F64,    "rgp_log")          \
    X(exp,          1, BA_NUM,  BR_F64,    "rgp_exp")          \
    X(pow,          2, BA_NUM,  BR_F64,    "rgp_pow")          \
    X(floor,        1, BA_NUM,  BR_F64,    "rgp_floor")        \
    X(ceil,         1, BA_NUM,  BR_F64,    "rgp_ceil")         \
    X(round,        1, BA_NUM,  BR_F64,    "rgp_round")        \
    X(len,          1, BA_STR,  BR_I64,    "rgp_str_len")      \
    X(contains,     2, BA_STR,  BR_BOOL,   "rgp_str_contains") \
    X(starts_with,  2, BA_STR,  BR_BOOL,   "rgp_str_starts_with") \
    X(ends_with,    2, BA_STR,  BR_BOOL,   "rgp_str_ends_with") \
    X(upper,        1, BA_STR,  BR_STR,    "rgp_str_upper")    \
    X(lower,        1, BA_STR,  BR_STR,    "rgp_str_lower")    \
    X(trim,         1, BA_STR,  BR_STR,    "rgp_str_trim")     \
    X(substr,       3, BA_SUBSTR, BR_STR,  "rgp_str_substr")   \
    X(part,         3, BA_PART, BR_STR,    "rgp_str_part")     \
    X(parse_i64,    2, BA_PARSE, BR_I64,   "rgp_text_i64")     \
    X(parse_f64,    2, BA_PARSE, BR_F64,   "rgp_text_f64")     \
    X(iso,          1, BA_TIME, BR_STR,    "rgp_time_iso")     \
    X(trunc,        2, BA_TRUNC, BR_TIME,  "rgp_time_trunc")   \
    X(parse_time,   3, BA_TIMETEXT, BR_TIME, "rgp_time_parse_or") \
    X(format_time,  3, BA_TIMETEXT, BR_STR, "rgp_time_format")  \
    X(hash,         1, BA_ANY,  BR_U64,    "rgp_hash")         \
    X(str,          1, BA_ANY,  BR_TEXT,   "rgp_text_of")      \
    X(i32,          1, BA_CAST, BR_CAST,   "rgp_f64_to_i32")   \
    X(i64,          1, BA_CAST, BR_CAST,   "rgp_f64_to_i64")   \
    X(u32,          1, BA_CAST, BR_CAST,   "rgp_f64_to_u32")   \
    X(u64,          1, BA_CAST, BR_CAST,   "rgp_f64_to_u64")   \
    X(f64,          1, BA_CAST, BR_CAST,   "")                 \
    X(time,         1, BA_CAST, BR_CAST,   "rgp_f64_to_i64")   \
    /* issue 11 item 7, small gaps */                           \
    X(coalesce,     2, BA_STR,  BR_STR,    "rgp_str_coalesce") \
    /* issue 11 item 4: regular expressions (stdlib/rgp_regex.h) */ \
    X(matches,      2, BA_REGEX, BR_BOOL,  "rgp_re_matches")   \
    X(capture,      3, BA_REGEX, BR_STR,   "rgp_re_capture")   \
    X(replace,      3, BA_REGEX, BR_STR,   "rgp_re_replace")   \
    /* issue 11 item 5: number formatting (stdlib/rgp_fixed.h) */ \
    X(fixed,        2, BA_FIXED, BR_STR,   "rgp_fixed")        \
    /* issue 11 item 6: the environment, read once at start-up (runtime/env.h) */ \
    X(env,          2, BA_ENV,  BR_STR,    "rgp_env_read")

typedef enum builtin_id {
#define X(name, arity, args, result, helper) B_##name,
    RGP_BUILTINS(X)
#undef X
    B_COUNT
} builtin_id;

typedef struct builtin_info {
    const char *name;
    int arity;
    enum builtin_args args;
    enum builtin_result result;
    const char *helper;
} builtin_info;

extern const builtin_info builtins[B_COUNT];
int builtin_lookup(const char *name);   /* builtin_id, or -1 */
/* trunc(t, "minute"): the unit's length in milliseconds, or 0 for no such unit. */
long long time_unit_ms(const char *unit, size_t len);

/* Aggregates of `group`: name, arity, what they give. AR_SAME: the argument's
 * type; AR_SUM: i64 for signed integers, u64 for unsigned, f64 for floats. */
enum aggregate_result { AR_U64, AR_F64, AR_SAME, AR_SUM };
/* name, arguments, result type, and for quantiles the q a sketch answers */
#define RGP_AGGREGATES(X) \
    X(count,  0, AR_U64, 0)     \
    X(sum,    1, AR_SUM, 0)     \
    X(avg,    1, AR_F64, 0)     \
    X(min,    1, AR_SAME, 0)    \
    X(max,    1, AR_SAME, 0)    \
    X(first,  1, AR_SAME, 0)    \
    X(last,   1, AR_SAME, 0)    \
    X(var,    1, AR_F64, 0)     \
    X(stddev, 1, AR_F64, 0)     \
    X(p50,    1, AR_F64, 0.50)  \
    X(p90,    1, AR_F64, 0.90)  \
    X(p95,    1, AR_F64, 0.95)  \
    X(p99,    1, AR_F64, 0.99)  \
    X(p999,   1, AR_F64, 0.999)

typedef enum aggregate_id {
#define X(name, arity, result, q) A_##name,
    RGP_AGGREGATES(X)
#undef X
    A_COUNT
} aggregate_id;

/* The functions of map-valued state (state { book: map[f64]i64 }): each takes the
 * map first. MF_GET is MAP[KEY]; MF_DELETE is a statement.
 *        id       name       args (with the map)  what they read after the map */
#define RGP_MAP_FNS(X) \
    X(GET,     "[]",      2, "a key")              \
    X(HAS,     "has",     2, "a key")              \
    X(LEN,     "len",     1, "")                   \
    X(MIN_KEY, "min_key", 1, "")                   \
    X(MAX_KEY, "max_key", 1, "")                   \
    X(NTH_KEY, "nth_key", 2, "a rank, from 0")     \
    X(DELETE,  "delete",  2, "a key")

typedef enum map_fn {
    MF_NONE,   /* not a map function: an E_CALL's mapfn is 0 */
#define X(id, name, arity, what) MF_##id,
    RGP_MAP_FNS(X)
#undef X
    MF_COUNT
} map_fn;
typedef struct map_fn_info { const char *name; int arity; const char *what; } map_fn_info;
extern const map_fn_info map_fns[MF_COUNT];
int map_fn_lookup(const char *name);   /* map_fn, or -1 ("[]" is not looked up) */

typedef struct aggregate_info { const char *name; int arity; enum aggregate_result result; double q; } aggregate_info;
extern const aggregate_info aggregates[A_COUNT];
int aggregate_lookup(const char *name);   /* aggregate_id, or -1 */

#endif
