/* The builtin function and aggregate tables (see builtins.h). */
#include "builtins.h"
#include <string.h>

const builtin_info builtins[B_COUNT] = {
#define X(name, arity, args, result, helper) [B_##name] = {#name, arity, args, result, helper},
    RGP_BUILTINS(X)
#undef X
};

int builtin_lookup(const char *name)
{
    for (int i = 0; i < B_COUNT; i++) if (!strcmp(builtins[i].name, name)) return i;
    return -1;
}

const map_fn_info map_fns[MF_COUNT] = {
#define X(id, name, arity, what) [MF_##id] = {name, arity, what},
    RGP_MAP_FNS(X)
#undef X
};

int map_fn_lookup(const char *name)
{
    for (int i = MF_GET + 1; i < MF_COUNT; i++) if (!strcmp(map_fns[i].name, name)) return i;
    return -1;
}

const aggregate_info aggregates[A_COUNT] = {
#define X(name, arity, result, q) [A_##name] = {#name, arity, result, q},
    RGP_AGGREGATES(X)
#undef X
};

int aggregate_lookup(const char *name)
{
    for (int i = 0; i < A_COUNT; i++) if (!strcmp(aggregates[i].name, name)) return i;
    return -1;
}

long long time_unit_ms(const char *unit, size_t len)
{
    /* short names for durations (30 s), long ones for trunc(t, "minute"); both work in both */
    static const struct { const char *abbr, *name; long long ms; } units[] = {
        {"ms", "millisecond", 1}, {"s", "second", 1000}, {"m", "minute", 60000}, {"h", "hour", 3600000}, {"d", "day", 86400000},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if ((strlen(units[i].abbr) == len && !memcmp(units[i].abbr, unit, len)) ||
            ((len == n || (len == n + 1 && unit[n] == 's')) && !memcmp(units[i].name, unit, n)))
            return units[i].ms;
    }
    return 0;
}
