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

const aggregate_info aggregates[A_COUNT] = {
#define X(name, arity, result) [A_##name] = {#name, arity, result},
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
    static const struct { const char *name; long long ms; } units[] = {
        {"millisecond", 1}, {"second", 1000}, {"minute", 60000}, {"hour", 3600000}, {"day", 86400000},
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == len && !memcmp(units[i].name, unit, len)) return units[i].ms;
    return 0;
}
